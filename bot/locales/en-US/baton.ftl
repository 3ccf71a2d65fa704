# Baton's English message catalogue. Every user-visible string comes from here.
# Placeables: { $key } ticket key, { $title }, { $name } a person's name, etc.

## Ticket card
card-title = { $key }: { $title }
card-field-status = Status
card-field-priority = Priority
card-field-assignee = Assignee
card-field-account = Account
card-field-requester = Requester
card-field-tags = Tags
card-field-escalation = Escalated to
card-sla-due = due { $due }
card-sla-breached = breached (was due { $due })
card-unassigned = Unassigned
card-no-account = No account
card-followup = Follow-up to { $key }
card-text = Ticket { $key } ({ $status }, { $priority }): { $title }

## Buttons
button-claim = Claim
button-solve = Solve
button-urgent = Mark urgent
button-reopen = Reopen
button-escalate = Escalate
escalate-form-title = Escalate { $key }
escalate-form-reason = Why does this need the next level?

button-open-ticket = Open ticket
button-close-confirm = Yes, close it
button-close-decline = No, I still need help

## Intake panel
panel-title = Need help?
panel-text = Press “Open ticket” and tell us what is going on. The support team will answer in the ticket’s thread.
panel-form-title = Open a ticket
panel-form-submit = Open ticket
panel-field-title = What is the problem, in a few words?
panel-field-description = Details (what you expected, what happened, since when)
panel-field-priority = How urgent is it?

## Closing
close-request = Is { $key } solved for you? If so we will close it; if not, tell us what is still wrong.
pending-reminder = { $key } is waiting for your answer. If we don’t hear from you, it will be marked solved in { $days ->
    [one] 1 day
   *[other] { $days } days
}.

## Status and priority names
status-new = new
status-open = open
status-pending = pending on customer
status-on-hold = on hold
status-solved = solved
status-closed = closed
priority-low = low
priority-normal = normal
priority-high = high
priority-urgent = urgent

## Lifecycle notices posted in the ticket thread
notice-claimed = { $name } claimed { $key }.
notice-assigned = { $key } is now assigned to { $name }.
notice-unassigned = { $key } is no longer assigned.
notice-status = { $key } is now { $status }.
notice-priority = { $key } priority is now { $priority }.
notice-tags = { $key } tags: { $tags }
notice-reopened = { $key } was reopened because the customer replied.
notice-followup = This conversation was solved a while ago, so I opened { $key } to follow up.
notice-already-ticket = This message is already ticket { $key }.
notice-close-declined = The customer still needs help with { $key }, so it stays open.
notice-auto-solved = { $key } was marked solved because we didn’t hear back. Reply here to reopen it.
notice-auto-closed = { $key } is now closed.

## Tag reach
tags-top-title = Tags by accounts affected
tags-top-line = { $tag }: { $count ->
    [one] 1 account
   *[other] { $count } accounts
}
tags-top-empty = No tagged tickets yet.
tags-none = none

## CSAT
csat-ask = How did we do on { $key }? Rate us from 1 (poor) to 5 (great).
csat-button = { $rating }
csat-thanks = Thank you! You rated { $key } { $rating }/5.
csat-changed = Thanks, your rating for { $key } is now { $rating }/5.

## Transcript
transcript-posted = Transcript of { $key } ({ $count ->
    [one] 1 message
   *[other] { $count } messages
}) attached.
transcript-title = Transcript of { $key }: { $title }
transcript-line = [{ $time }] { $name }: { $text }
transcript-empty = (no messages yet)

## Escalation
escalation-title = { $key } escalated to { $level } (level { $number }): { $title }
escalation-account = Account: { $account }
escalation-by = Escalated by: { $name }
escalation-by-baton = baton (automatic)
escalation-reason = Reason: { $reason }
escalation-thread = Conversation: { $thread }
escalation-ping = For: { $names }
escalation-left = { $key } is no longer escalated to { $level }.
escalation-solved = { $key } is solved; nothing more needed from { $level }.
notice-escalated = { $key } was escalated to { $level }.
notice-deescalated = { $key } was de-escalated.
notice-handoff-sent = The account’s CSM has the context of { $key }.
error-escalation-top = { $key } is already at the top of the escalation chain.
error-no-escalation-chain = No escalation chain is configured ([[escalation.levels]]).
error-not-escalated = { $key } is not escalated.
error-no-open-handoff = There is no open handoff on { $key } to acknowledge.

## CSM handoff
handoff-title = Handoff { $key }: { $title }
handoff-text = Handoff { $key } ({ $reason }): { $title }
handoff-reason = Why now: { $reason }
handoff-reason-escalated = escalated to { $level }
handoff-reason-breach = the { $target } SLA was breached
handoff-reason-urgent = the ticket is urgent
handoff-reason-manual = { $name } asked for your help
handoff-reason-reminder = still not acknowledged after { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
}
handoff-reason-unacknowledged = { $name } has not acknowledged it in { $hours ->
    [one] 1 hour
   *[other] { $hours } hours
}
handoff-no-csm = This account has no CSM baton can reach, so the handoff is posted here.
handoff-note = Note from the agent: { $note }
handoff-conversation = Latest messages:
handoff-line-customer = • { $name } (customer): { $text }
handoff-line-agent = • { $name } (agent): { $text }
handoff-field-account = Account
handoff-field-arr = ARR
handoff-field-renewal = Renewal
handoff-field-open-tickets = Open tickets ({ $count })
handoff-field-recent = Last 30 days
handoff-field-csat = Last CSAT
handoff-field-health = Health
handoff-field-age = Age
handoff-field-thread = Thread
handoff-renewal = { $date } ({ $days ->
    [0] today
    [one] in 1 day
   *[other] in { $days } days
})
handoff-recent = { $escalations ->
    [one] 1 escalation
   *[other] { $escalations } escalations
}, { $breaches ->
    [one] 1 SLA breach
   *[other] { $breaches } SLA breaches
}
handoff-csat = { $rating }/5 on { $key }
handoff-no-csat = no ratings yet
handoff-health-pending = not scored yet
handoff-health-reasons = Health: { $reasons }

## Account health
health-score = { $score }/100
health-score-trend = { $score }/100 ({ $change ->
    [0] unchanged
    [one] { $change } point
   *[other] { $change } points
} since { $since })
health-open-tickets = { $count ->
    [one] 1 open ticket
   *[other] { $count } open tickets
}
health-escalations = { $count ->
    [one] 1 escalation
   *[other] { $count } escalations
} in { $days } days
health-breaches = { $count ->
    [one] 1 SLA breach
   *[other] { $count } SLA breaches
} in { $days } days
health-reopens = { $count ->
    [one] 1 reopened ticket
   *[other] { $count } reopened tickets
} in { $days } days
health-unanswered = { $count ->
    [one] 1 customer message waiting for a reply
   *[other] { $count } customer messages waiting for a reply
}
health-low-csat = CSAT { $average } on the last { $count ->
    [one] rating
   *[other] { $count } ratings
}
health-signal = { $name } is { $value }
health-renewal = renewal in { $days ->
    [one] 1 day
   *[other] { $days } days
}
handoff-acknowledged = { $name } acknowledged the handoff of { $key }.
handoff-acknowledged-csm = { $name } (CSM) acknowledged the handoff of { $key }.
button-acknowledge = Acknowledge
notice-sla-warning = ⚠ { $key }: the { $target } target is due at { $due }.
notice-sla-breached = 🔴 { $key }: the { $target } target was due at { $due } and is breached.
sla-first-response = first response
sla-next-response = next response
sla-resolution = resolution

## Formats (bot/src/i18n/format.rs passes numbers in the reader's digits and calendar)
# A calendar date. Variables: $day and $year (text, already in the reader's digits and
# calendar), $month (number, 1–12). English: Dec 5, 2026.
date = { $month ->
        [1] Jan
        [2] Feb
        [3] Mar
        [4] Apr
        [5] May
        [6] Jun
        [7] Jul
        [8] Aug
        [9] Sep
        [10] Oct
        [11] Nov
       *[12] Dec
    } { $day }, { $year }
# A clock time. Variables (text, in the reader's digits): $hour (0–23), $hour2 (00–23),
# $hour12 (1–12), $minute (00–59); $pm (number: 1 from noon on, else 0). English: 9:05 AM.
time = { $hour12 }:{ $minute } { $pm ->
        [1] PM
       *[0] AM
    }
# A moment: $date and $time formatted as above, $zone the time zone (UTC, CET, UTC+3:30).
datetime = { $date }, { $time } { $zone }
# A duration to the minute: $days, $hours (0–23), $minutes (0–59). Zero parts are left out.
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes }m
       *[other] { $minutes ->
            [0] { $hours }h
           *[other] { $hours }h { $minutes }m
        }
    }
   *[other] { $hours ->
        [0] { $days }d
       *[other] { $days }d { $hours }h
    }
}
# Money: $amount (text, grouped in the reader's digits), $currency (ISO 4217 code).
# Currencies with a symbol in this language use it; others show the code.
money = { $currency ->
    [USD] ${ $amount }
    [EUR] €{ $amount }
    [GBP] £{ $amount }
   *[other] { $currency }{ -nbsp }{ $amount }
}
# Between the items of a list (tags, ticket keys, names), and between longer clauses.
list-separator = { ", " }
clause-separator = { "; " }
unknown = unknown

-nbsp = { "\u00A0" }

## Help
help =
    Ticket commands:
      /ticket <title>                   open a ticket here
      /ticket open [--priority P] <title>
      /ticket show [KEY]                show a ticket (in its thread, the key is optional)
      /ticket claim [KEY]               assign it to yourself
      /ticket assign [KEY] @person      assign it to someone
      /ticket priority [KEY] low|normal|high|urgent
      /ticket status [KEY] open|pending|on-hold|solved|closed
      /ticket solve [KEY]
      /ticket tag [KEY] +bug:slug -old  add or remove tags
      /ticket tags top [namespace]      tags by number of accounts affected
      /ticket transcript [KEY]          the conversation as text
      /ticket escalate [KEY] [reason]   move it up the escalation chain
      /ticket deescalate [KEY]          move it back down
      /ticket handoff [KEY] [note]      send the account’s CSM the context
      /ticket ack [KEY]                 acknowledge a handoff (CSMs)
      /ticket ask-close [KEY]           ask the requester to confirm it can be closed
      /ticket panel                     post an “Open ticket” panel in this channel
      /ticket rate [KEY] 1-5 [comment]  rate a solved ticket (requesters)
    React with { $emoji } on a message to open a ticket from it.

## Errors, sent only to the person who caused them
error-unknown-priority = “{ $value }” is not a priority. Use one of: low, normal, high, urgent.
error-unknown-status = “{ $value }” is not a status. Use one of: open, pending, on-hold, solved, closed.
error-unknown-person = I don’t know anyone called “{ $value }”. Use their chat mention or their baton id.
error-unknown-ticket = There is no ticket { $key }.
error-bad-key = “{ $value }” is not a ticket key. Keys look like ACME-42.
error-not-in-thread = Which ticket? Run this in the ticket’s thread or give its key, e.g. /ticket { $command } ACME-42.
error-staff-only = Only the support team can do that. Your message is in the ticket, and an agent will follow up.
error-customer-open = Only the support team can open tickets in this channel.
error-unknown-subcommand = “{ $value }” is not a ticket command. Try /ticket help.
error-missing-title = Give the ticket a title, e.g. /ticket Login fails on SSO.
error-missing-argument = /ticket { $command } needs { $what }.
error-bad-tag = “{ $value }” is not a valid tag. Tags use letters, digits, - and an optional namespace, e.g. bug:login-loop.
error-bad-transition = { $key } is { $from } and can’t become { $to }.
error-bad-title = That title can’t be used: { $reason }
error-internal = Something went wrong on my side; nothing was changed. Please try again.
error-unknown-action = That button is no longer valid.
error-bad-rating = “{ $value }” is not a rating. Rate from 1 (poor) to 5 (great).
error-not-open = { $key } is not open, so there is nothing to confirm.
error-not-requester = Only the person who asked can rate this ticket.
error-rating-closed = { $key } is closed, so its rating can no longer change.

## Words used inside other messages
what-person = a person (@name)
what-priority = a priority
what-status = a status
what-tags = tags to add (+tag) or remove (-tag)
what-rating = a rating from 1 to 5

## Digests (scheduled summaries for managers, leads and CSMs)
digest-period = { $from } – { $to }
digest-no-data = no data
digest-compare = { $now } (previous period: { $before })
digest-p50-p90 = median { $p50 }, p90 { $p90 }
digest-ratio = { $percent }% ({ $part } of { $whole })
digest-csat-value = { $mean } average, { $satisfied }% 4–5 ({ $count ->
    [one] 1 rating
   *[other] { $count } ratings
})
digest-nps-value = { $score } ({ $count ->
    [one] 1 account
   *[other] { $count } accounts
}; imported, not compared)
digest-unassigned = Unassigned
digest-late-not-running = Posted late: baton was not running at { $time }.
digest-late-delayed = Posted late: this digest was due at { $time }.
digest-late-skipped = { $count ->
    [one] One earlier run was missed too and is not posted separately.
   *[other] { $count } earlier runs were missed too and are not posted separately.
}
digest-at-risk-title = At-risk accounts
digest-at-risk-title-csm = Your at-risk accounts, { $name }
digest-at-risk-text = { $count ->
    [one] 1 account is at risk
   *[other] { $count } accounts are at risk
}, { $arr } ARR.
digest-at-risk-empty = No accounts are at risk.
digest-at-risk-empty-csm = None of your accounts is at risk, { $name }.
digest-at-risk-account = { $name } ({ $tier })
digest-at-risk-figures = Health { $health } · ARR { $arr } · renewal { $renewal } · { $open ->
    [one] 1 open ticket
   *[other] { $open } open tickets
}, { $escalated } escalated
digest-at-risk-why = Why: { $reasons }
digest-at-risk-flags = At risk: { $flags }
digest-flag-low-score = score under { $below }
digest-flag-dropped = down from { $from } to { $to } against { $days } days ago
digest-flag-renewal = renews in { $days ->
    [one] 1 day
   *[other] { $days } days
} after breaches or escalations
digest-at-risk-chart = Chart: health score of each account above, in that order, on a scale of 0–100; the dashed line is the at-risk threshold, { $below }.
digest-team-title = Team metrics, { $period }
digest-team-text = Team metrics for { $period }: { $opened } opened, { $solved } solved.
digest-team-empty = No tickets were opened, answered, solved or rated in { $period }.
digest-team-previous = Compared with the previous period, { $period }. Times are calendar time from chat message timestamps.
digest-field-opened = Tickets opened
digest-field-solved = Tickets solved
digest-field-frt = First response time
digest-field-resolution = Resolution time
digest-field-reopen = Reopen rate
digest-field-csat = CSAT
digest-field-nps = NPS
digest-team-by-assignee = By assignee (median times):
digest-team-assignee = { $name }: { $solved } solved (previously { $solved_before }) · FRT { $frt } (previously { $frt_before }) · resolution { $resolution } (previously { $resolution_before }) · CSAT { $csat } (previously { $csat_before })
digest-team-chart = Chart: first response time per day over the last { $days } days, median (blue) and p90 (orange), on a scale of 0–{ $max }.
digest-sla-title = SLA, { $period }
digest-sla-text = { $count ->
    [one] 1 SLA breach
   *[other] { $count } SLA breaches
} in { $period }.
digest-sla-empty = No SLA breaches in { $period }.
digest-sla-breaches = Breached:
digest-sla-breach = { $key } { $title } ({ $account }): { $target } was due { $due }; owner: { $owner }
digest-sla-due-soon = Due to breach in the next { $hours } hours:
digest-sla-due-soon-line = { $key } { $title }: { $target } due { $due }; owner: { $owner }
digest-sla-due-soon-none = Nothing is due to breach in the next { $hours } hours.
digest-sla-compliance = Compliance by policy:
digest-sla-compliance-line = { $policy }, { $target }: { $ratio }
digest-sla-no-clocks = Targets due soon and compliance per policy are not available: no SLA clocks are configured.
digest-sla-chart = Chart: SLA breaches per day over the last { $days } days, on a scale of 0–{ $max }.
digest-dry-run-to = ── { $destination } ──
digest-dry-run-channel = channel { $channel }
digest-dry-run-dm = direct message to { $platform }:{ $user }
digest-dry-run-attachment = [attachment { $name }: { $type }, { $bytes } bytes]
