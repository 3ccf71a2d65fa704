# Batons svenska meddelanden. Samma id:n och platshållare som en-US/baton.ftl.
# Ton: vänlig chatt, du-tilltal. "Ärende" för ticket, "kund" för account, CSM som i teamen.

## Ticket card
card-title = { $key }: { $title }
card-field-status = Status
card-field-priority = Prioritet
card-field-assignee = Ansvarig
card-field-account = Kund
card-field-requester = Anmälare
card-field-tags = Taggar
card-field-escalation = Eskalerat till
card-sla-due = senast { $due }
card-sla-breached = överskriden (skulle vara klar { $due })
card-unassigned = Ingen ansvarig
card-no-account = Ingen kund
card-followup = Uppföljning av { $key }
card-text = Ärende { $key } ({ $status }, { $priority }): { $title }

## Buttons
button-claim = Ta ärendet
button-solve = Markera som löst
button-urgent = Markera som brådskande
button-reopen = Öppna igen
button-escalate = Eskalera
escalate-form-title = Eskalera { $key }
escalate-form-reason = Varför behöver nästa nivå ta över?

button-open-ticket = Skapa ärende
button-close-confirm = Ja, stäng det
button-close-decline = Nej, jag behöver fortfarande hjälp

## Intake panel
panel-title = Behöver du hjälp?
panel-text = Tryck på ”Skapa ärende” och berätta vad som händer. Supportteamet svarar i ärendets tråd.
panel-form-title = Skapa ett ärende
panel-form-submit = Skapa ärende
panel-field-title = Vad är problemet, med några ord?
panel-field-description = Detaljer (vad du förväntade dig, vad som hände, sedan när)
panel-field-priority = Hur brådskande är det?

## Closing
close-request = Är { $key } löst för din del? Då stänger vi det. Annars får du gärna berätta vad som fortfarande inte fungerar.
pending-reminder = { $key } väntar på ditt svar. Om vi inte hör av dig markeras det som löst om { $days ->
    [one] 1 dag
   *[other] { $days } dagar
}.

## Status and priority names
status-new = nytt
status-open = öppet
status-pending = väntar på kunden
status-on-hold = pausat
status-solved = löst
status-closed = stängt
priority-low = låg
priority-normal = normal
priority-high = hög
priority-urgent = brådskande

## Lifecycle notices posted in the ticket thread
notice-claimed = { $name } tog sig an { $key }.
notice-assigned = { $key } har nu { $name } som ansvarig.
notice-unassigned = { $key } har inte längre någon ansvarig.
notice-status = Status för { $key }: { $status }.
notice-priority = { $key } har nu prioritet { $priority }.
notice-tags = Taggar på { $key }: { $tags }
notice-reopened = { $key } öppnades igen eftersom kunden svarade.
notice-followup = Det här ärendet löstes för ett tag sedan, så jag skapade { $key } för att följa upp.
notice-already-ticket = Det här meddelandet är redan ärende { $key }.
notice-close-declined = Kunden behöver fortfarande hjälp med { $key }, så det förblir öppet.
notice-auto-solved = { $key } markerades som löst eftersom vi inte fick något svar. Svara här om du vill öppna det igen.
notice-auto-closed = { $key } är nu stängt.

## Tag reach
tags-top-title = Taggar efter antal berörda kunder
tags-top-line = { $tag }: { $count ->
    [one] 1 kund
   *[other] { $count } kunder
}
tags-top-empty = Inga taggade ärenden ännu.
tags-none = inga

## CSAT
csat-ask = Hur tyckte du att vi skötte { $key }? Betygsätt oss från 1 (dåligt) till 5 (jättebra).
csat-button = { $rating }
csat-thanks = Tack! Du gav { $key } betyget { $rating }/5.
csat-changed = Tack, ditt betyg för { $key } är nu { $rating }/5.

## Transcript
transcript-posted = Konversationen i { $key } ({ $count ->
    [one] 1 meddelande
   *[other] { $count } meddelanden
}) finns i den bifogade filen.
transcript-title = Konversationen i { $key }: { $title }
transcript-line = [{ $time }] { $name }: { $text }
transcript-empty = (inga meddelanden ännu)

## Escalation
escalation-title = { $key } eskalerat till { $level } (nivå { $number }): { $title }
escalation-account = Kund: { $account }
escalation-by = Eskalerat av: { $name }
escalation-by-baton = baton (automatiskt)
escalation-reason = Anledning: { $reason }
escalation-thread = Konversation: { $thread }
escalation-ping = Till: { $names }
escalation-left = { $key } är inte längre eskalerat till { $level }.
escalation-solved = { $key } är löst; { $level } behöver inte göra något mer.
notice-escalated = { $key } eskalerades till { $level }.
notice-deescalated = { $key } är inte längre eskalerat.
notice-handoff-sent = Kundens CSM har fått all bakgrund till { $key }.
error-escalation-top = { $key } är redan på högsta nivån i eskaleringskedjan.
error-no-escalation-chain = Det finns ingen eskaleringskedja konfigurerad ([[escalation.levels]]).
error-not-escalated = { $key } är inte eskalerat.
error-no-open-handoff = Det finns ingen öppen överlämning av { $key } att bekräfta.

## CSM handoff
handoff-title = Överlämning { $key }: { $title }
handoff-text = Överlämning { $key } ({ $reason }): { $title }
handoff-reason = Varför nu: { $reason }
handoff-reason-escalated = eskalerat till { $level }
handoff-reason-breach = SLA:n för { $target } har överskridits
handoff-reason-urgent = ärendet är brådskande
handoff-reason-manual = { $name } ber om din hjälp
handoff-reason-reminder = fortfarande inte bekräftad efter { $hours ->
    [one] 1 timme
   *[other] { $hours } timmar
}
handoff-reason-unacknowledged = { $name } har inte bekräftat den på { $hours ->
    [one] 1 timme
   *[other] { $hours } timmar
}
handoff-no-csm = Kunden har ingen CSM som baton kan nå, så överlämningen hamnar här.
handoff-note = Meddelande från supporten: { $note }
handoff-conversation = Senaste meddelandena:
handoff-line-customer = • { $name } (kund): { $text }
handoff-line-agent = • { $name } (support): { $text }
handoff-field-account = Kund
handoff-field-arr = ARR
handoff-field-renewal = Förnyelse
handoff-field-open-tickets = Öppna ärenden ({ $count })
handoff-field-recent = Senaste 30 dagarna
handoff-field-csat = Senaste CSAT
handoff-field-health = Kundhälsa
handoff-field-age = Ålder
handoff-field-thread = Tråd
handoff-renewal = { $date } ({ $days ->
    [0] i dag
    [one] om 1 dag
   *[other] om { $days } dagar
})
handoff-recent = { $escalations ->
    [one] 1 eskalering
   *[other] { $escalations } eskaleringar
}, { $breaches ->
    [one] 1 SLA-överträdelse
   *[other] { $breaches } SLA-överträdelser
}
handoff-csat = { $rating }/5 på { $key }
handoff-no-csat = inga betyg ännu
handoff-health-pending = inte beräknad ännu
handoff-health-reasons = Kundhälsa: { $reasons }

## Account health
health-score = { $score }/100
health-score-trend = { $score }/100 ({ $change ->
    [0] oförändrat
   *[other] { $change } poäng
} sedan { $since })
health-open-tickets = { $count ->
    [one] 1 öppet ärende
   *[other] { $count } öppna ärenden
}
health-escalations = { $count ->
    [one] 1 eskalering
   *[other] { $count } eskaleringar
} på { $days } dagar
health-breaches = { $count ->
    [one] 1 SLA-överträdelse
   *[other] { $count } SLA-överträdelser
} på { $days } dagar
health-reopens = { $count ->
    [one] 1 återöppnat ärende
   *[other] { $count } återöppnade ärenden
} på { $days } dagar
health-unanswered = { $count ->
    [one] 1 kundmeddelande väntar på svar
   *[other] { $count } kundmeddelanden väntar på svar
}
health-low-csat = CSAT { $average } på { $count ->
    [one] det senaste betyget
   *[other] de senaste { $count } betygen
}
health-signal = { $name } är { $value }
health-renewal = förnyelse om { $days ->
    [one] 1 dag
   *[other] { $days } dagar
}
handoff-acknowledged = { $name } bekräftade överlämningen av { $key }.
handoff-acknowledged-csm = { $name } (CSM) bekräftade överlämningen av { $key }.
button-acknowledge = Bekräfta
notice-sla-warning = ⚠ { $key }: målet för { $target } löper ut { $due }.
notice-sla-breached = 🔴 { $key }: målet för { $target } skulle ha nåtts { $due } och är överskridet.
sla-first-response = första svar
sla-next-response = nästa svar
sla-resolution = lösning

## Formats
# 5 dec. 2026
date = { $day } { $month ->
        [1] jan.
        [2] feb.
        [3] mars
        [4] apr.
        [5] maj
        [6] juni
        [7] juli
        [8] aug.
        [9] sep.
        [10] okt.
        [11] nov.
       *[12] dec.
    } { $year }
# 24-timmarsklocka: 09:05
time = { $hour2 }:{ $minute }
datetime = { $date } { $time } { $zone }
# 1 tim 10 min, 2 d 3 tim, 45 min
duration = { $days ->
    [0] { $hours ->
        [0] { $minutes } min
       *[other] { $minutes ->
            [0] { $hours } tim
           *[other] { $hours } tim { $minutes } min
        }
    }
   *[other] { $hours ->
        [0] { $days } d
       *[other] { $days } d { $hours } tim
    }
}
# 120 000 kr, 120 000 US$ (hårt mellanslag före valutan)
money = { $currency ->
    [SEK] { $amount }{ -nbsp }kr
    [USD] { $amount }{ -nbsp }US$
    [EUR] { $amount }{ -nbsp }€
    [NOK] { $amount }{ -nbsp }Nkr
    [DKK] { $amount }{ -nbsp }Dkr
   *[other] { $amount }{ -nbsp }{ $currency }
}
list-separator = { ", " }
clause-separator = { "; " }
unknown = okänt

-nbsp = { "\u00A0" }

## Help
help =
    Ärendekommandon:
      /ticket <rubrik>                  skapa ett ärende här
      /ticket open [--priority P] <rubrik>
      /ticket show [NYCKEL]             visa ett ärende (i dess tråd behövs ingen nyckel)
      /ticket claim [NYCKEL]            ta ärendet själv
      /ticket assign [NYCKEL] @person   ge ärendet till någon
      /ticket priority [NYCKEL] low|normal|high|urgent
      /ticket status [NYCKEL] open|pending|on-hold|solved|closed
      /ticket solve [NYCKEL]
      /ticket tag [NYCKEL] +bug:slug -gammal  lägg till eller ta bort taggar
      /ticket tags top [namnrymd]       taggar efter antal berörda kunder
      /ticket transcript [NYCKEL]       konversationen som text
      /ticket escalate [NYCKEL] [anledning]  flytta upp i eskaleringskedjan
      /ticket deescalate [NYCKEL]       flytta ned igen
      /ticket handoff [NYCKEL] [notering]  ge kundens CSM all bakgrund
      /ticket ack [NYCKEL]              bekräfta en överlämning (CSM)
      /ticket ask-close [NYCKEL]        fråga anmälaren om ärendet kan stängas
      /ticket panel                     lägg upp en panel med ”Skapa ärende” i kanalen
      /ticket rate [NYCKEL] 1-5 [kommentar]  betygsätt ett löst ärende (anmälare)
    Reagera med { $emoji } på ett meddelande för att skapa ett ärende av det.

## Errors, sent only to the person who caused them
error-unknown-priority = ”{ $value }” är ingen prioritet. Använd low, normal, high eller urgent.
error-unknown-status = ”{ $value }” är ingen status. Använd open, pending, on-hold, solved eller closed.
error-unknown-person = Jag känner inte till någon som heter ”{ $value }”. Nämn personen i chatten eller använd hens baton-id.
error-unknown-ticket = Det finns inget ärende { $key }.
error-bad-key = ”{ $value }” är ingen ärendenyckel. Nycklar ser ut som ACME-42.
error-not-in-thread = Vilket ärende? Kör kommandot i ärendets tråd eller ange nyckeln, t.ex. /ticket { $command } ACME-42.
error-staff-only = Det är bara supportteamet som kan göra det. Ditt meddelande finns i ärendet och någon i teamet återkommer.
error-customer-open = Det är bara supportteamet som kan skapa ärenden i den här kanalen.
error-unknown-subcommand = ”{ $value }” är inget ärendekommando. Prova /ticket help.
error-missing-title = Ge ärendet en rubrik, t.ex. /ticket Inloggningen via SSO misslyckas.
error-missing-argument = /ticket { $command } behöver { $what }.
error-bad-tag = ”{ $value }” är ingen giltig tagg. Taggar består av bokstäver, siffror och - med en valfri namnrymd, t.ex. bug:login-loop.
error-bad-transition = Status för { $key } kan inte ändras från ”{ $from }” till ”{ $to }”.
error-bad-title = Den rubriken går inte att använda: { $reason }
error-internal = Något gick fel hos mig; ingenting ändrades. Försök igen.
error-unknown-action = Den knappen gäller inte längre.
error-bad-rating = ”{ $value }” är inget betyg. Ge ett betyg från 1 (dåligt) till 5 (jättebra).
error-not-open = { $key } är inte öppet, så det finns inget att bekräfta.
error-not-requester = Bara den som ställde frågan kan betygsätta det här ärendet.
error-rating-closed = { $key } är stängt, så betyget kan inte längre ändras.

## Words used inside other messages
what-person = en person (@namn)
what-priority = en prioritet
what-status = en status
what-tags = taggar att lägga till (+tagg) eller ta bort (-tagg)
what-rating = ett betyg från 1 till 5

## Digests (scheduled summaries for managers, leads and CSMs)
digest-period = { $from } – { $to }
digest-no-data = inga data
digest-compare = { $now } (föregående period: { $before })
digest-p50-p90 = median { $p50 }, p90 { $p90 }
digest-ratio = { $percent }{ -nbsp }% ({ $part } av { $whole })
digest-csat-value = snitt { $mean }, { $satisfied }{ -nbsp }% gav 4–5 ({ $count ->
    [one] 1 betyg
   *[other] { $count } betyg
})
digest-nps-value = { $score } ({ $count ->
    [one] 1 kund
   *[other] { $count } kunder
}; importerat, jämförs inte)
digest-unassigned = Ingen ansvarig
digest-late-not-running = Skickad sent: baton var inte igång { $time }.
digest-late-delayed = Skickad sent: den här sammanfattningen skulle ha kommit { $time }.
digest-late-skipped = { $count ->
    [one] En tidigare körning missades också och skickas inte separat.
   *[other] { $count } tidigare körningar missades också och skickas inte separat.
}
digest-at-risk-title = Kunder i riskzonen
digest-at-risk-title-csm = Dina kunder i riskzonen, { $name }
digest-at-risk-text = { $count ->
    [one] 1 kund är i riskzonen
   *[other] { $count } kunder är i riskzonen
}, { $arr } i ARR.
digest-at-risk-empty = Inga kunder är i riskzonen.
digest-at-risk-empty-csm = Ingen av dina kunder är i riskzonen, { $name }.
digest-at-risk-account = { $name } ({ $tier })
digest-at-risk-figures = Kundhälsa { $health } · ARR { $arr } · förnyelse { $renewal } · { $open ->
    [one] 1 öppet ärende
   *[other] { $open } öppna ärenden
}, { $escalated } eskalerade
digest-at-risk-why = Varför: { $reasons }
digest-at-risk-flags = I riskzonen: { $flags }
digest-flag-low-score = poäng under { $below }
digest-flag-dropped = ned från { $from } till { $to } jämfört med för { $days ->
    [one] 1 dag
   *[other] { $days } dagar
} sedan
digest-flag-renewal = förnyas om { $days ->
    [one] 1 dag
   *[other] { $days } dagar
} efter SLA-överträdelser eller eskaleringar
digest-at-risk-chart = Diagram: kundhälsan för varje kund ovan, i samma ordning, på en skala 0–100; den streckade linjen är gränsen för riskzonen, { $below }.
digest-team-title = Teamets nyckeltal, { $period }
digest-team-text = Teamets nyckeltal för { $period }: { $opened } öppnade, { $solved } lösta.
digest-team-empty = Inga ärenden öppnades, besvarades, löstes eller betygsattes under { $period }.
digest-team-previous = Jämfört med föregående period, { $period }. Tiderna är kalendertid enligt chattmeddelandenas tidsstämplar.
digest-field-opened = Öppnade ärenden
digest-field-solved = Lösta ärenden
digest-field-frt = Tid till första svar
digest-field-resolution = Lösningstid
digest-field-reopen = Andel återöppnade
digest-field-csat = CSAT
digest-field-nps = NPS
digest-team-by-assignee = Per ansvarig (mediantider):
digest-team-assignee = { $name }: { $solved } lösta (tidigare { $solved_before }) · första svar { $frt } (tidigare { $frt_before }) · lösning { $resolution } (tidigare { $resolution_before }) · CSAT { $csat } (tidigare { $csat_before })
digest-team-chart = Diagram: tid till första svar per dag de senaste { $days } dagarna, median (blå) och p90 (orange), på en skala 0–{ $max }.
digest-sla-title = SLA, { $period }
digest-sla-text = { $count ->
    [one] 1 SLA-överträdelse
   *[other] { $count } SLA-överträdelser
} under { $period }.
digest-sla-empty = Inga SLA-överträdelser under { $period }.
digest-sla-breaches = Överskridna:
digest-sla-breach = { $key } { $title } ({ $account }): { $target } skulle ha skett senast { $due }; ansvarig: { $owner }
digest-sla-due-soon = Riskerar att överskridas { $hours ->
    [one] inom den närmaste timmen
   *[other] inom de närmaste { $hours } timmarna
}:
digest-sla-due-soon-line = { $key } { $title }: { $target } senast { $due }; ansvarig: { $owner }
digest-sla-due-soon-none = Inget riskerar att överskridas { $hours ->
    [one] inom den närmaste timmen
   *[other] inom de närmaste { $hours } timmarna
}.
digest-sla-compliance = Måluppfyllelse per policy:
digest-sla-compliance-line = { $policy }, { $target }: { $ratio }
digest-sla-no-clocks = Mål som snart förfaller och måluppfyllelse per policy kan inte visas: inga SLA-klockor är konfigurerade.
digest-sla-chart = Diagram: SLA-överträdelser per dag de senaste { $days } dagarna, på en skala 0–{ $max }.
digest-dry-run-to = ── { $destination } ──
digest-dry-run-channel = kanal { $channel }
digest-dry-run-dm = direktmeddelande till { $platform }:{ $user }
digest-dry-run-attachment = [bilaga { $name }: { $type }, { $bytes } byte]
