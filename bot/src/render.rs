//! Turns what the engine decided to say ([`Reply`]) into localised [`OutboundMessage`]s.
//! The rules never build user-visible strings; this module does, from the catalogue.

use baton_chat::{Attachment, Button, ButtonStyle, Card, Destination, Form, FormField, OutboundMessage};
use unic_langid::LanguageIdentifier;

use crate::command::ParseError;
use chrono::{DateTime, Utc};

use crate::domain::{Priority, Rating, Tag, Ticket, TicketKey, TicketStatus};
use crate::i18n::{format, tr, Arg};

/// Something to tell people, in a language, somewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub to: Destination,
    pub lang: LanguageIdentifier,
    pub msg: Msg,
    /// Update this earlier message instead of posting (the ticket card).
    pub replaces: Option<baton_chat::MessageId>,
}

/// What to say.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// The ticket card: key, status, priority, assignee, account, tags and actions.
    Card {
        ticket: Box<Ticket>,
        account: Option<String>,
        assignee: Option<String>,
        follow_up_of: Option<TicketKey>,
        /// The escalation level's name, when escalated.
        escalation: Option<String>,
        /// SLA targets still open: kind, due time, breached.
        sla: Vec<(crate::domain::SlaTarget, DateTime<Utc>, bool)>,
        /// The time zone due times are shown in (the channel's readers': `general.time_zone`).
        tz: chrono_tz::Tz,
    },
    Notice(Notice),
    Error(UserError),
    Help { emoji: String },
    TagsTop { rows: Vec<(Tag, i64)> },
    /// Asks the requester for a 1-5 rating, with buttons.
    CsatAsk { key: TicketKey },
    CsatThanks { key: TicketKey, rating: Rating, changed: bool },
    /// The intake panel: an "Open ticket" button with its form.
    Panel,
    /// Asks the requester whether the ticket can be closed.
    CloseRequest { key: TicketKey },
    /// Tells the customer the ticket waits for their answer.
    PendingReminder { key: TicketKey, solve_in_days: i64 },
    /// Posted to an escalation level's channel (or DMed to its people).
    Escalated(EscalationNotice),
    /// The ticket left an escalation level.
    Deescalated { key: TicketKey, level_name: String },
    /// An escalated ticket was solved: closes the loop in the level's channel.
    EscalationSolved { key: TicketKey, level_name: String },
    /// The CSM handoff: everything the CSM needs without opening anything else.
    Handoff(Box<HandoffContext>),
    /// Posted in the ticket thread when the CSM acknowledges.
    HandoffAcknowledged { key: TicketKey, name: String, csm: bool },
    /// The ticket's conversation as text, with times in `tz`.
    Transcript { key: TicketKey, title: String, lines: Vec<TranscriptLine>, tz: chrono_tz::Tz },
}

/// An escalation, for the level's channel.
#[derive(Clone, Debug, PartialEq)]
pub struct EscalationNotice {
    pub key: TicketKey,
    pub title: String,
    pub account: Option<String>,
    pub level: u32,
    pub level_name: String,
    pub reason: Option<String>,
    /// Who escalated (empty: automatic).
    pub by: String,
    pub thread: (baton_chat::ChannelRef, Option<baton_chat::MessageId>),
    /// People of the level to ping.
    pub ping: Vec<String>,
}

/// Why a CSM is handed a ticket.
#[derive(Clone, Debug, PartialEq)]
pub enum HandoffReason {
    Escalated { level_name: String },
    Breach { target: crate::domain::SlaTarget },
    Urgent,
    Manual { by: String },
    /// Sent again because nobody acknowledged it.
    Reminder { hours: i64 },
    /// Sent to the CSM's manager because the CSM did not acknowledge it.
    Unacknowledged { csm: String, hours: i64 },
}

impl HandoffReason {
    /// The stable code stored in the event log.
    pub fn code(&self) -> String {
        match self {
            HandoffReason::Escalated { .. } => "escalated".into(),
            HandoffReason::Breach { target } => format!("sla_breach:{target}"),
            HandoffReason::Urgent => "urgent".into(),
            HandoffReason::Manual { .. } => "manual".into(),
            HandoffReason::Reminder { .. } => "reminder".into(),
            HandoffReason::Unacknowledged { .. } => "unacknowledged".into(),
        }
    }
}

/// What success knows about the account, for the handoff.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountContext {
    pub name: String,
    pub tier: String,
    pub arr: Option<crate::domain::Arr>,
    pub renewal_date: Option<chrono::NaiveDate>,
    pub days_to_renewal: Option<i64>,
    pub open_tickets: Vec<TicketKey>,
    pub escalations_30d: usize,
    pub breaches_30d: usize,
    /// The latest CSAT rating on the account's tickets, and on which ticket.
    pub last_csat: Option<(u8, TicketKey)>,
    pub health: Option<HealthView>,
}

/// An account's health as shown to people: score, trend since a snapshot, reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthView {
    pub score: u8,
    /// The snapshot day compared with, and the change in points since.
    pub trend: Option<(chrono::NaiveDate, i32)>,
    pub reasons: Vec<crate::health::Reason>,
}

/// A health reason in words.
pub fn reason_text(lang: &LanguageIdentifier, r: &crate::health::Reason) -> String {
    use crate::health::Reason as R;
    match r {
        R::OpenTickets { count } => tr(lang, "health-open-tickets", &[("count", i64::from(*count).into())]),
        R::Escalations { count, days } => {
            tr(lang, "health-escalations", &[("count", i64::from(*count).into()), ("days", (*days).into())])
        }
        R::Breaches { count, days } => {
            tr(lang, "health-breaches", &[("count", i64::from(*count).into()), ("days", (*days).into())])
        }
        R::Reopens { count, days } => tr(lang, "health-reopens", &[("count", i64::from(*count).into()), ("days", (*days).into())]),
        R::Unanswered { count } => tr(lang, "health-unanswered", &[("count", i64::from(*count).into())]),
        R::LowCsat { average, ratings } => tr(
            lang,
            "health-low-csat",
            &[("average", format::decimal(lang, *average, 1, 1).into()), ("count", i64::from(*ratings).into())],
        ),
        R::Signal { name, value } => {
            tr(lang, "health-signal", &[("name", name.as_str().into()), ("value", format::decimal(lang, *value, 0, 2).into())])
        }
        R::RenewalSoon { days } => tr(lang, "health-renewal", &[("days", (*days).into())]),
    }
}

fn health_text(lang: &LanguageIdentifier, h: &HealthView) -> String {
    let score = i64::from(h.score);
    match h.trend {
        Some((day, change)) => tr(
            lang,
            "health-score-trend",
            &[("score", score.into()), ("change", i64::from(change).into()), ("since", format::date(lang, day).into())],
        ),
        None => tr(lang, "health-score", &[("score", score.into())]),
    }
}

/// One message quoted in a handoff.
#[derive(Clone, Debug, PartialEq)]
pub struct ConversationLine {
    pub customer: bool,
    pub name: String,
    pub text: String,
}

/// The CSM handoff's content.
#[derive(Clone, Debug, PartialEq)]
pub struct HandoffContext {
    pub key: TicketKey,
    pub title: String,
    pub priority: Priority,
    pub status: TicketStatus,
    pub age: chrono::Duration,
    pub account: Option<AccountContext>,
    pub reason: HandoffReason,
    pub note: Option<String>,
    pub conversation: Vec<ConversationLine>,
    pub thread: (baton_chat::ChannelRef, Option<baton_chat::MessageId>),
    /// The account has no CSM baton can reach: this went to the fallback channel.
    pub no_csm: bool,
}

/// Shortens `text` to at most `max` characters (code points), cut on a grapheme cluster
/// boundary, with an ellipsis; runs of whitespace and newlines become one space.
pub fn trim_text(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::i18n::text::truncate(&flat, max)
}

fn thread_text(thread: &(baton_chat::ChannelRef, Option<baton_chat::MessageId>)) -> String {
    match &thread.1 {
        Some(m) => format!("{} › {}", thread.0, m),
        None => thread.0.to_string(),
    }
}

fn handoff(lang: &LanguageIdentifier, h: &HandoffContext) -> (String, Card) {
    let k = key_arg(&h.key);
    let reason = match &h.reason {
        HandoffReason::Escalated { level_name } => tr(lang, "handoff-reason-escalated", &[("level", level_name.as_str().into())]),
        HandoffReason::Breach { target } => {
            tr(lang, "handoff-reason-breach", &[("target", target_text(lang, *target).into())])
        }
        HandoffReason::Urgent => tr(lang, "handoff-reason-urgent", &[]),
        HandoffReason::Manual { by } => tr(lang, "handoff-reason-manual", &[("name", by.as_str().into())]),
        HandoffReason::Reminder { hours } => tr(lang, "handoff-reason-reminder", &[("hours", (*hours).into())]),
        HandoffReason::Unacknowledged { csm, hours } => {
            tr(lang, "handoff-reason-unacknowledged", &[("name", csm.as_str().into()), ("hours", (*hours).into())])
        }
    };
    let title = tr(lang, "handoff-title", &[k.clone(), ("title", h.title.as_str().into())]);
    let mut fields = Vec::new();
    match &h.account {
        Some(a) => {
            fields.push((tr(lang, "handoff-field-account", &[]), format!("{} ({})", a.name, a.tier)));
            let arr = a.arr.map(|arr| format::money(lang, &arr)).unwrap_or_else(|| tr(lang, "unknown", &[]));
            fields.push((tr(lang, "handoff-field-arr", &[]), arr));
            let renewal = match (a.renewal_date, a.days_to_renewal) {
                (Some(d), Some(days)) => tr(
                    lang,
                    "handoff-renewal",
                    &[("date", format::date(lang, d).into()), ("days", days.into())],
                ),
                _ => tr(lang, "unknown", &[]),
            };
            fields.push((tr(lang, "handoff-field-renewal", &[]), renewal));
            let open = if a.open_tickets.is_empty() {
                tr(lang, "tags-none", &[])
            } else {
                a.open_tickets.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(&list_sep(lang))
            };
            fields.push((
                tr(lang, "handoff-field-open-tickets", &[("count", (a.open_tickets.len() as i64).into())]),
                open,
            ));
            fields.push((
                tr(lang, "handoff-field-recent", &[]),
                tr(
                    lang,
                    "handoff-recent",
                    &[("escalations", (a.escalations_30d as i64).into()), ("breaches", (a.breaches_30d as i64).into())],
                ),
            ));
            let csat = match &a.last_csat {
                Some((r, key)) => tr(lang, "handoff-csat", &[("rating", i64::from(*r).into()), key_arg(key)]),
                None => tr(lang, "handoff-no-csat", &[]),
            };
            fields.push((tr(lang, "handoff-field-csat", &[]), csat));
            let health = match &a.health {
                Some(h) => health_text(lang, h),
                None => tr(lang, "handoff-health-pending", &[]),
            };
            fields.push((tr(lang, "handoff-field-health", &[]), health));
        }
        None => fields.push((tr(lang, "handoff-field-account", &[]), tr(lang, "card-no-account", &[]))),
    }
    fields.push((tr(lang, "card-field-priority", &[]), priority_text(lang, h.priority)));
    fields.push((tr(lang, "card-field-status", &[]), status_text(lang, h.status)));
    fields.push((tr(lang, "handoff-field-age", &[]), format::duration(lang, h.age)));
    fields.push((tr(lang, "handoff-field-thread", &[]), thread_text(&h.thread)));
    let mut body = vec![tr(lang, "handoff-reason", &[("reason", reason.as_str().into())])];
    if h.no_csm {
        body.push(tr(lang, "handoff-no-csm", &[]));
    }
    if let Some(note) = &h.note {
        body.push(tr(lang, "handoff-note", &[("note", note.as_str().into())]));
    }
    if let Some(view) = h.account.as_ref().and_then(|a| a.health.as_ref()).filter(|v| !v.reasons.is_empty()) {
        let reasons: Vec<String> = view.reasons.iter().map(|r| reason_text(lang, r)).collect();
        body.push(tr(lang, "handoff-health-reasons", &[("reasons", reasons.join(&tr(lang, "clause-separator", &[])).into())]));
    }
    if !h.conversation.is_empty() {
        body.push(tr(lang, "handoff-conversation", &[]));
        for l in &h.conversation {
            let id = if l.customer { "handoff-line-customer" } else { "handoff-line-agent" };
            body.push(tr(lang, id, &[("name", l.name.as_str().into()), ("text", l.text.as_str().into())]));
        }
    }
    let ack = Button {
        action_id: "handoff.ack".into(),
        label: tr(lang, "button-acknowledge", &[]),
        value: Some(h.key.to_string()),
        style: ButtonStyle::Primary,
        fallback_command: Some(format!("/ticket ack {}", h.key)),
        form: None,
    };
    let text = tr(lang, "handoff-text", &[k, ("title", h.title.as_str().into()), ("reason", reason.into())]);
    (text, Card { title, fields, body: Some(body.join("\n")), buttons: vec![ack], footer: None })
}

fn target_text(lang: &LanguageIdentifier, t: crate::domain::SlaTarget) -> String {
    let id = match t {
        crate::domain::SlaTarget::FirstResponse => "sla-first-response",
        crate::domain::SlaTarget::NextResponse => "sla-next-response",
        crate::domain::SlaTarget::Resolution => "sla-resolution",
    };
    tr(lang, id, &[])
}

fn escalation(lang: &LanguageIdentifier, n: &EscalationNotice) -> String {
    let mut lines = vec![tr(
        lang,
        "escalation-title",
        &[key_arg(&n.key), ("title", n.title.as_str().into()), ("level", n.level_name.as_str().into()), ("number", i64::from(n.level).into())],
    )];
    if let Some(a) = &n.account {
        lines.push(tr(lang, "escalation-account", &[("account", a.as_str().into())]));
    }
    let by = if n.by.is_empty() { tr(lang, "escalation-by-baton", &[]) } else { n.by.clone() };
    lines.push(tr(lang, "escalation-by", &[("name", by.into())]));
    if let Some(r) = &n.reason {
        lines.push(tr(lang, "escalation-reason", &[("reason", r.as_str().into())]));
    }
    lines.push(tr(lang, "escalation-thread", &[("thread", thread_text(&n.thread).into())]));
    if !n.ping.is_empty() {
        lines.push(tr(lang, "escalation-ping", &[("names", n.ping.join(&list_sep(lang)).into())]));
    }
    lines.join("\n")
}

/// One message of a transcript.
#[derive(Clone, Debug, PartialEq)]
pub struct TranscriptLine {
    pub at: DateTime<Utc>,
    pub name: String,
    pub text: String,
}

/// A change announced in a ticket's thread.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Claimed { key: TicketKey, name: String },
    Assigned { key: TicketKey, name: String },
    Unassigned { key: TicketKey },
    Status { key: TicketKey, status: TicketStatus },
    Priority { key: TicketKey, priority: Priority },
    Tags { key: TicketKey, tags: Vec<Tag> },
    Reopened { key: TicketKey },
    FollowUp { key: TicketKey },
    AlreadyTicket { key: TicketKey },
    CloseDeclined { key: TicketKey },
    Escalated { key: TicketKey, level: String },
    Deescalated { key: TicketKey },
    SlaWarning { key: TicketKey, target: crate::domain::SlaTarget, due: DateTime<Utc>, tz: chrono_tz::Tz },
    SlaBreached { key: TicketKey, target: crate::domain::SlaTarget, due: DateTime<Utc>, tz: chrono_tz::Tz },
    HandoffSent { key: TicketKey },
    AutoSolved { key: TicketKey },
    AutoClosed { key: TicketKey },
}

/// A refusal or mistake, told only to the person who caused it.
#[derive(Clone, Debug, PartialEq)]
pub enum UserError {
    Parse(ParseError),
    UnknownPerson(String),
    UnknownTicket(TicketKey),
    NotInThread { command: &'static str },
    StaffOnly,
    CustomerOpen,
    BadTransition { key: TicketKey, from: TicketStatus, to: TicketStatus },
    BadTitle(String),
    Internal,
    UnknownAction,
    NotRequester,
    RatingClosed { key: TicketKey },
    NotSolvable { key: TicketKey },
    EscalationTop { key: TicketKey },
    NoEscalationChain,
    NotEscalated { key: TicketKey },
    NoOpenHandoff { key: TicketKey },
}

fn status_text(lang: &LanguageIdentifier, s: TicketStatus) -> String {
    let id = match s {
        TicketStatus::New => "status-new",
        TicketStatus::Open => "status-open",
        TicketStatus::PendingOnCustomer => "status-pending",
        TicketStatus::OnHold => "status-on-hold",
        TicketStatus::Solved => "status-solved",
        TicketStatus::Closed => "status-closed",
    };
    tr(lang, id, &[])
}

fn priority_text(lang: &LanguageIdentifier, p: Priority) -> String {
    let id = match p {
        Priority::Low => "priority-low",
        Priority::Normal => "priority-normal",
        Priority::High => "priority-high",
        Priority::Urgent => "priority-urgent",
    };
    tr(lang, id, &[])
}

/// Between the items of a list (tags, ticket keys, names): `, ` or Persian `، `.
fn list_sep(lang: &LanguageIdentifier) -> String {
    tr(lang, "list-separator", &[])
}

fn key_arg(key: &TicketKey) -> (&'static str, Arg) {
    ("key", Arg::Str(key.to_string()))
}

fn button(lang: &LanguageIdentifier, id: &str, label: &str, key: &TicketKey, style: ButtonStyle, cmd: &str) -> Button {
    Button {
        action_id: id.to_string(),
        label: tr(lang, label, &[]),
        value: Some(key.to_string()),
        style,
        fallback_command: Some(format!("/ticket {cmd} {key}")),
        form: None,
    }
}

fn card(lang: &LanguageIdentifier, t: &Ticket, account: Option<&str>, assignee: Option<&str>, follow_up: Option<&TicketKey>) -> (String, Card) {
    let status = status_text(lang, t.status);
    let priority = priority_text(lang, t.priority);
    let mut fields = vec![
        (tr(lang, "card-field-status", &[]), status.clone()),
        (tr(lang, "card-field-priority", &[]), priority.clone()),
        (
            tr(lang, "card-field-assignee", &[]),
            assignee.map(str::to_string).unwrap_or_else(|| tr(lang, "card-unassigned", &[])),
        ),
        (
            tr(lang, "card-field-account", &[]),
            account.map(str::to_string).unwrap_or_else(|| tr(lang, "card-no-account", &[])),
        ),
        (tr(lang, "card-field-requester", &[]), t.requester.display_name.clone()),
    ];
    if !t.tags.is_empty() {
        let tags: Vec<&str> = t.tags.iter().map(Tag::as_str).collect();
        fields.push((tr(lang, "card-field-tags", &[]), tags.join(&list_sep(lang))));
    }
    let mut buttons = Vec::new();
    if t.status.is_active() {
        if t.assignee.is_none() {
            buttons.push(button(lang, "ticket.claim", "button-claim", &t.key, ButtonStyle::Primary, "claim"));
        }
        if t.priority != Priority::Urgent {
            buttons.push(button(lang, "ticket.urgent", "button-urgent", &t.key, ButtonStyle::Danger, "priority urgent"));
        }
        let mut escalate = button(lang, "ticket.escalate", "button-escalate", &t.key, ButtonStyle::Default, "escalate");
        escalate.form = Some(Form {
            title: tr(lang, "escalate-form-title", &[key_arg(&t.key)]),
            submit_action: "ticket.escalate".into(),
            submit_label: tr(lang, "button-escalate", &[]),
            fields: vec![FormField {
                id: "reason".into(),
                label: tr(lang, "escalate-form-reason", &[]),
                required: true,
                multiline: true,
                max_length: Some(500),
                options: vec![],
            }],
        });
        buttons.push(escalate);
        buttons.push(button(lang, "ticket.solve", "button-solve", &t.key, ButtonStyle::Default, "solve"));
    } else if t.status == TicketStatus::Solved {
        buttons.push(button(lang, "ticket.reopen", "button-reopen", &t.key, ButtonStyle::Default, "reopen"));
    }
    let title = tr(lang, "card-title", &[key_arg(&t.key), ("title", t.title.as_str().into())]);
    let text = tr(
        lang,
        "card-text",
        &[key_arg(&t.key), ("title", t.title.as_str().into()), ("status", status.into()), ("priority", priority.into())],
    );
    let footer = follow_up.map(|k| tr(lang, "card-followup", &[key_arg(k)]));
    (text, Card { title, fields, body: None, buttons, footer })
}

fn notice(lang: &LanguageIdentifier, n: &Notice) -> String {
    match n {
        Notice::Claimed { key, name } => tr(lang, "notice-claimed", &[key_arg(key), ("name", name.as_str().into())]),
        Notice::Assigned { key, name } => tr(lang, "notice-assigned", &[key_arg(key), ("name", name.as_str().into())]),
        Notice::Unassigned { key } => tr(lang, "notice-unassigned", &[key_arg(key)]),
        Notice::Status { key, status } => {
            tr(lang, "notice-status", &[key_arg(key), ("status", status_text(lang, *status).into())])
        }
        Notice::Priority { key, priority } => {
            tr(lang, "notice-priority", &[key_arg(key), ("priority", priority_text(lang, *priority).into())])
        }
        Notice::Tags { key, tags } => {
            let list = if tags.is_empty() {
                tr(lang, "tags-none", &[])
            } else {
                tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(&list_sep(lang))
            };
            tr(lang, "notice-tags", &[key_arg(key), ("tags", list.into())])
        }
        Notice::Reopened { key } => tr(lang, "notice-reopened", &[key_arg(key)]),
        Notice::FollowUp { key } => tr(lang, "notice-followup", &[key_arg(key)]),
        Notice::AlreadyTicket { key } => tr(lang, "notice-already-ticket", &[key_arg(key)]),
        Notice::CloseDeclined { key } => tr(lang, "notice-close-declined", &[key_arg(key)]),
        Notice::Escalated { key, level } => tr(lang, "notice-escalated", &[key_arg(key), ("level", level.as_str().into())]),
        Notice::Deescalated { key } => tr(lang, "notice-deescalated", &[key_arg(key)]),
        Notice::SlaWarning { key, target, due, tz } => tr(
            lang,
            "notice-sla-warning",
            &[key_arg(key), ("target", target_text(lang, *target).into()), ("due", format::datetime(lang, *due, *tz).into())],
        ),
        Notice::SlaBreached { key, target, due, tz } => tr(
            lang,
            "notice-sla-breached",
            &[key_arg(key), ("target", target_text(lang, *target).into()), ("due", format::datetime(lang, *due, *tz).into())],
        ),
        Notice::HandoffSent { key } => tr(lang, "notice-handoff-sent", &[key_arg(key)]),
        Notice::AutoSolved { key } => tr(lang, "notice-auto-solved", &[key_arg(key)]),
        Notice::AutoClosed { key } => tr(lang, "notice-auto-closed", &[key_arg(key)]),
    }
}

fn error(lang: &LanguageIdentifier, e: &UserError) -> String {
    let value = |v: &str| -> Vec<(&'static str, Arg)> { vec![("value", v.into())] };
    match e {
        UserError::Parse(p) => match p {
            ParseError::UnknownSubcommand(v) => tr(lang, "error-unknown-subcommand", &value(v)),
            ParseError::UnknownPriority(v) => tr(lang, "error-unknown-priority", &value(v)),
            ParseError::UnknownStatus(v) => tr(lang, "error-unknown-status", &value(v)),
            ParseError::BadKey(v) => tr(lang, "error-bad-key", &value(v)),
            ParseError::BadTag(v) => tr(lang, "error-bad-tag", &value(v)),
            ParseError::MissingTitle => tr(lang, "error-missing-title", &[]),
            ParseError::BadRating(v) => tr(lang, "error-bad-rating", &value(v)),
            ParseError::Missing { command, what } => {
                let what_id = match *what {
                    "person" => "what-person",
                    "priority" => "what-priority",
                    "status" => "what-status",
                    "rating" => "what-rating",
                    _ => "what-tags",
                };
                let what = tr(lang, what_id, &[]);
                tr(lang, "error-missing-argument", &[("command", (*command).into()), ("what", what.into())])
            }
        },
        UserError::UnknownPerson(v) => tr(lang, "error-unknown-person", &value(v)),
        UserError::UnknownTicket(k) => tr(lang, "error-unknown-ticket", &[key_arg(k)]),
        UserError::NotInThread { command } => tr(lang, "error-not-in-thread", &[("command", (*command).into())]),
        UserError::StaffOnly => tr(lang, "error-staff-only", &[]),
        UserError::CustomerOpen => tr(lang, "error-customer-open", &[]),
        UserError::BadTransition { key, from, to } => tr(
            lang,
            "error-bad-transition",
            &[key_arg(key), ("from", status_text(lang, *from).into()), ("to", status_text(lang, *to).into())],
        ),
        UserError::BadTitle(reason) => tr(lang, "error-bad-title", &[("reason", reason.as_str().into())]),
        UserError::Internal => tr(lang, "error-internal", &[]),
        UserError::UnknownAction => tr(lang, "error-unknown-action", &[]),
        UserError::NotRequester => tr(lang, "error-not-requester", &[]),
        UserError::NotSolvable { key } => tr(lang, "error-not-open", &[key_arg(key)]),
        UserError::EscalationTop { key } => tr(lang, "error-escalation-top", &[key_arg(key)]),
        UserError::NoEscalationChain => tr(lang, "error-no-escalation-chain", &[]),
        UserError::NotEscalated { key } => tr(lang, "error-not-escalated", &[key_arg(key)]),
        UserError::NoOpenHandoff { key } => tr(lang, "error-no-open-handoff", &[key_arg(key)]),
        UserError::RatingClosed { key } => tr(lang, "error-rating-closed", &[key_arg(key)]),
    }
}

/// Renders a reply in its language.
pub fn render(reply: &Reply) -> OutboundMessage {
    let lang = &reply.lang;
    let (text, card) = match &reply.msg {
        Msg::Card { ticket, account, assignee, follow_up_of, escalation, sla, tz } => {
            let (text, mut card) = card(lang, ticket, account.as_deref(), assignee.as_deref(), follow_up_of.as_ref());
            for (target, due, breached) in sla {
                let id = if *breached { "card-sla-breached" } else { "card-sla-due" };
                let value = tr(lang, id, &[("due", format::datetime(lang, *due, *tz).into())]);
                card.fields.push((target_text(lang, *target), value));
            }
            if let Some(level) = escalation {
                card.fields.push((tr(lang, "card-field-escalation", &[]), level.clone()));
            }
            (text, Some(card))
        }
        Msg::Notice(n) => (notice(lang, n), None),
        Msg::Error(e) => (error(lang, e), None),
        Msg::Help { emoji } => (tr(lang, "help", &[("emoji", emoji.as_str().into())]), None),
        Msg::TagsTop { rows } => {
            let text = if rows.is_empty() {
                tr(lang, "tags-top-empty", &[])
            } else {
                let mut lines = vec![tr(lang, "tags-top-title", &[])];
                lines.extend(rows.iter().map(|(tag, n)| {
                    tr(lang, "tags-top-line", &[("tag", tag.as_str().into()), ("count", (*n).into())])
                }));
                lines.join("\n")
            };
            (text, None)
        }
        Msg::CsatAsk { key } => {
            let text = tr(lang, "csat-ask", &[key_arg(key)]);
            let buttons = (1..=5)
                .map(|n| Button {
                    action_id: "csat.rate".into(),
                    label: tr(lang, "csat-button", &[("rating", i64::from(n).into())]),
                    value: Some(format!("{key}:{n}")),
                    style: ButtonStyle::Default,
                    fallback_command: Some(format!("/ticket rate {key} {n}")),
                    form: None,
                })
                .collect();
            let card = Card { title: text.clone(), fields: vec![], body: None, buttons, footer: None };
            (text, Some(card))
        }
        Msg::CsatThanks { key, rating, changed } => {
            let id = if *changed { "csat-changed" } else { "csat-thanks" };
            (tr(lang, id, &[key_arg(key), ("rating", i64::from(rating.value()).into())]), None)
        }
        Msg::Panel => {
            let text = tr(lang, "panel-text", &[]);
            let field = |id: &str, label: &str, required: bool, multiline: bool, max: u32| FormField {
                id: id.into(),
                label: tr(lang, label, &[]),
                required,
                multiline,
                max_length: Some(max),
                options: vec![],
            };
            let mut priority = field("priority", "panel-field-priority", false, false, 10);
            priority.options = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent]
                .into_iter()
                .map(|p| (p.as_str().to_string(), priority_text(lang, p)))
                .collect();
            let form = Form {
                title: tr(lang, "panel-form-title", &[]),
                submit_action: "ticket.open".into(),
                submit_label: tr(lang, "panel-form-submit", &[]),
                fields: vec![
                    field("title", "panel-field-title", true, false, 150),
                    field("description", "panel-field-description", false, true, 3000),
                    priority,
                ],
            };
            let open = Button {
                action_id: "ticket.panel".into(),
                label: tr(lang, "button-open-ticket", &[]),
                value: None,
                style: ButtonStyle::Primary,
                fallback_command: Some("/click ticket.open title=Short_title priority=normal".into()),
                form: Some(form),
            };
            let card = Card { title: tr(lang, "panel-title", &[]), fields: vec![], body: Some(text.clone()), buttons: vec![open], footer: None };
            (text, Some(card))
        }
        Msg::CloseRequest { key } => {
            let text = tr(lang, "close-request", &[key_arg(key)]);
            let yes = Button {
                action_id: "ticket.close_confirm".into(),
                label: tr(lang, "button-close-confirm", &[]),
                value: Some(key.to_string()),
                style: ButtonStyle::Primary,
                fallback_command: Some(format!("/click ticket.close_confirm {key}")),
                form: None,
            };
            let no = Button {
                action_id: "ticket.close_decline".into(),
                label: tr(lang, "button-close-decline", &[]),
                value: Some(key.to_string()),
                style: ButtonStyle::Default,
                fallback_command: Some(format!("/click ticket.close_decline {key}")),
                form: None,
            };
            let card = Card { title: text.clone(), fields: vec![], body: None, buttons: vec![yes, no], footer: None };
            (text, Some(card))
        }
        Msg::Escalated(n) => (escalation(lang, n), None),
        Msg::Deescalated { key, level_name } => {
            (tr(lang, "escalation-left", &[key_arg(key), ("level", level_name.as_str().into())]), None)
        }
        Msg::EscalationSolved { key, level_name } => {
            (tr(lang, "escalation-solved", &[key_arg(key), ("level", level_name.as_str().into())]), None)
        }
        Msg::Handoff(h) => {
            let (text, card) = handoff(lang, h);
            (text, Some(card))
        }
        Msg::HandoffAcknowledged { key, name, csm } => {
            let id = if *csm { "handoff-acknowledged-csm" } else { "handoff-acknowledged" };
            (tr(lang, id, &[key_arg(key), ("name", name.as_str().into())]), None)
        }
        Msg::PendingReminder { key, solve_in_days } => {
            (tr(lang, "pending-reminder", &[key_arg(key), ("days", (*solve_in_days).into())]), None)
        }
        Msg::Transcript { key, title, lines, tz } => {
            let text = tr(lang, "transcript-posted", &[key_arg(key), ("count", (lines.len() as i64).into())]);
            let file = transcript_text(lang, *tz, key, title, lines);
            let attachment = Attachment {
                filename: format!("{key}-transcript.txt"),
                content_type: "text/plain; charset=utf-8".into(),
                bytes: file.into_bytes(),
            };
            return OutboundMessage {
                destination: reply.to.clone(),
                text,
                card: None,
                replaces: None,
                attachments: vec![attachment],
                conversation: Default::default(),
            };
        }
    };
    OutboundMessage { destination: reply.to.clone(), text, card, replaces: reply.replaces.clone(), attachments: vec![], conversation: Default::default() }
}

/// The transcript file's text: a title line, then one line per message.
fn transcript_text(lang: &LanguageIdentifier, tz: chrono_tz::Tz, key: &TicketKey, title: &str, lines: &[TranscriptLine]) -> String {
            let mut out = vec![tr(lang, "transcript-title", &[key_arg(key), ("title", title.into())])];
            if lines.is_empty() {
                out.push(tr(lang, "transcript-empty", &[]));
            }
            out.extend(lines.iter().map(|l| {
                tr(
                    lang,
                    "transcript-line",
                    &[
                        ("time", format::datetime(lang, l.at, tz).into()),
                        ("name", l.name.as_str().into()),
                        ("text", l.text.as_str().into()),
                    ],
                )
            }));
            out.join("\n") + "\n"
}

#[cfg(test)]
mod l10n_tests;
