//! The domain model: accounts, people, tickets and the ticket event log.
//!
//! Every type is validated on construction ("parse, don't validate"): a value of these types
//! is always well-formed, so the rules and the store never re-check it. Nothing here knows a
//! chat platform's wire format, and nothing here produces user-visible text.

mod values;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use baton_chat::{ChannelRef, MessageId, Platform, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use values::*;

/// What is wrong with a value. Messages name the field and the rule, for people to read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    #[error("`{value}` is not a valid {what}: use lowercase letters, digits, `-` or `_`")]
    BadId { what: &'static str, value: String },
    #[error("`{0}` is not a ticket key prefix: use 1-10 uppercase letters or digits, starting with a letter")]
    BadKeyPrefix(String),
    #[error("`{0}` is not a ticket key: write it like ACME-42")]
    BadTicketKey(String),
    #[error("the {0} must not be blank")]
    Blank(&'static str),
    #[error("the {what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("the {0} contains control characters")]
    ControlCharacters(&'static str),
    #[error("`{0}` is not an e-mail address")]
    BadEmail(String),
    #[error("`{0}` is not a valid tag: use letters, digits, `-`, `_`, `.`, `/` and one `:` namespace")]
    BadTag(String),
    #[error("`{0}` is not an ISO 4217 currency code such as USD or SEK")]
    BadCurrency(String),
    #[error("ARR cannot be negative, got {0}")]
    NegativeArr(i64),
    #[error("`{0}` is not a language tag such as en-US or sv")]
    BadLocale(String),
    #[error("the {what} must be between {min} and {max}, got {value}")]
    OutOfRange { what: &'static str, min: i64, max: i64, value: i64 },
    #[error("`{value}` is not a {what}; expected one of: {expected}")]
    UnknownVariant { what: &'static str, value: String, expected: &'static str },
    #[error("a ticket cannot go from {from} to {to}")]
    BadTransition { from: TicketStatus, to: TicketStatus },
    #[error("channel {0} is listed twice")]
    DuplicateChannel(ChannelRef),
}

/// Implements `as_str`, Display, FromStr (with the listed spellings) and serde for a C-like enum.
macro_rules! keyword_enum {
    ($name:ident, $what:literal, { $($variant:ident => $s:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().to_lowercase().as_str() {
                    $($s $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(DomainError::UnknownVariant {
                        what: $what,
                        value: s.to_string(),
                        expected: concat!($($s, " "),+),
                    }),
                }
            }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// What a person does for the company. People not known to baton are customers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Customer,
    Agent,
    Csm,
    Lead,
    Manager,
}
keyword_enum!(Role, "role", {
    Customer => "customer",
    Agent => "agent",
    Csm => "csm",
    Lead => "lead",
    Manager => "manager",
});

impl Role {
    /// Staff may triage: everyone but customers.
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

/// A human known to baton, possibly reachable on several platforms.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub name: Name,
    pub role: Role,
    pub email: Option<Email>,
    /// The person's user id on each platform they use. On the shell, the person id is the handle.
    pub handles: BTreeMap<Platform, UserId>,
    /// For customers: the account they belong to.
    pub account: Option<AccountId>,
    /// Who a CSM's unacknowledged handoffs escalate to.
    pub manager: Option<PersonId>,
    pub locale: Option<Locale>,
    pub time_zone: Option<chrono_tz::Tz>,
}

impl Person {
    pub fn new(id: PersonId, name: Name, role: Role) -> Self {
        Self {
            id,
            name,
            role,
            email: None,
            handles: BTreeMap::new(),
            account: None,
            manager: None,
            locale: None,
            time_zone: None,
        }
    }

    /// The person's user id on a platform (on the shell, their person id).
    pub fn handle(&self, platform: Platform) -> Option<UserId> {
        match self.handles.get(&platform) {
            Some(u) => Some(u.clone()),
            None if platform == Platform::Shell => UserId::parse(self.id.as_str()).ok(),
            None => None,
        }
    }
}

/// A customer organisation and everything success knows about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub name: Name,
    pub tier: Tier,
    pub arr: Option<Arr>,
    pub renewal_date: Option<NaiveDate>,
    pub csm: Option<PersonId>,
    /// Ticket keys for this account start with this prefix (`ACME-42`); else `T-42`.
    pub key_prefix: Option<KeyPrefix>,
    /// Chat channels that belong to this account (a channel belongs to at most one account).
    pub channels: BTreeSet<ChannelRef>,
    /// Numbers imported from elsewhere (usage trend, NPS, seats, …).
    pub signals: BTreeMap<SignalName, f64>,
    pub locale: Option<Locale>,
}

impl Account {
    pub fn new(id: AccountId, name: Name, tier: Tier) -> Self {
        Self {
            id,
            name,
            tier,
            arr: None,
            renewal_date: None,
            csm: None,
            key_prefix: None,
            channels: BTreeSet::new(),
            signals: BTreeMap::new(),
            locale: None,
        }
    }

    /// Adds channels, refusing one listed twice.
    pub fn with_channels(mut self, channels: impl IntoIterator<Item = ChannelRef>) -> Result<Self, DomainError> {
        for c in channels {
            if !self.channels.insert(c.clone()) {
                return Err(DomainError::DuplicateChannel(c));
            }
        }
        Ok(self)
    }

    pub fn key_prefix(&self) -> KeyPrefix {
        self.key_prefix.clone().unwrap_or_else(KeyPrefix::default_prefix)
    }
}

/// Where a ticket is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TicketStatus {
    New,
    Open,
    PendingOnCustomer,
    OnHold,
    Solved,
    Closed,
}
keyword_enum!(TicketStatus, "status", {
    New => "new",
    Open => "open",
    PendingOnCustomer => "pending" | "pending-on-customer" | "pending_on_customer",
    OnHold => "on-hold" | "hold" | "on_hold",
    Solved => "solved" | "solve" | "resolved",
    Closed => "closed" | "close",
});

impl TicketStatus {
    /// Whether the ticket still needs work (not solved or closed).
    pub fn is_active(self) -> bool {
        !matches!(self, TicketStatus::Solved | TicketStatus::Closed)
    }

    /// Allowed moves: anything to anything except out of `closed` (final) and back to `new`.
    pub fn check_transition(self, to: TicketStatus) -> Result<(), DomainError> {
        let ok = self != to && self != TicketStatus::Closed && to != TicketStatus::New;
        if ok {
            Ok(())
        } else {
            Err(DomainError::BadTransition { from: self, to })
        }
    }
}

/// How urgent a ticket is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}
keyword_enum!(Priority, "priority", {
    Low => "low",
    Normal => "normal",
    High => "high",
    Urgent => "urgent",
});

/// Database id of a ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TicketId(pub i64);

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who asked: a chat user, and the person record when baton knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    pub platform: Platform,
    pub user: UserId,
    pub display_name: String,
    pub person: Option<PersonId>,
}

/// Where a ticket came from and where its conversation lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub channel: ChannelRef,
    /// The message the ticket was opened from, if any (de-duplicates intake).
    pub message: Option<MessageId>,
    /// The thread root where the ticket's conversation happens (set once the card is posted
    /// when the ticket was opened without a message).
    pub thread: Option<MessageId>,
}

/// How a ticket was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntakeVia {
    Reaction,
    Shortcut,
    Command,
    Auto,
    Panel,
    Reopen,
}
keyword_enum!(IntakeVia, "intake path", {
    Reaction => "reaction",
    Shortcut => "shortcut",
    Command => "command",
    Auto => "auto",
    Panel => "panel",
    Reopen => "reopen",
});

/// A support ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: TicketId,
    pub key: TicketKey,
    pub account: Option<AccountId>,
    pub requester: Requester,
    pub title: Title,
    pub status: TicketStatus,
    pub priority: Priority,
    pub assignee: Option<PersonId>,
    pub tags: BTreeSet<Tag>,
    pub origin: Origin,
    /// The ticket card baton posted, to update in place.
    pub card_message: Option<MessageId>,
    /// Platform time of the message that opened the ticket (or of the command).
    pub opened_at: DateTime<Utc>,
    /// When baton recorded the ticket.
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The ticket this one follows up (a reply after the reopen window).
    pub follow_up_of: Option<TicketId>,
    /// Optimistic-concurrency version, bumped by every save.
    pub version: i64,
}

/// A ticket about to be created (no id or key yet).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewTicket {
    pub account: Option<AccountId>,
    pub key_prefix: KeyPrefix,
    pub requester: Requester,
    pub title: Title,
    pub priority: Priority,
    pub assignee: Option<PersonId>,
    pub tags: BTreeSet<Tag>,
    pub origin: Origin,
    pub opened_at: DateTime<Utc>,
    pub follow_up_of: Option<TicketId>,
    pub via: IntakeVia,
    pub opened_by: Actor,
    pub description: Option<String>,
}

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A known person.
    Person { id: PersonId },
    /// A chat user baton does not know (a customer).
    ChatUser { platform: Platform, user: UserId, display_name: String },
    /// Baton itself (timers, automation).
    System,
}

/// Which SLA clock an SLA event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlaTarget {
    FirstResponse,
    NextResponse,
    Resolution,
}
keyword_enum!(SlaTarget, "SLA target", {
    FirstResponse => "first_response",
    NextResponse => "next_response",
    Resolution => "resolution",
});

/// What happened to a ticket. The log of these is the source of every metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Opened { via: IntakeVia, title: Title, description: Option<String> },
    CustomerMessage { message: MessageId, text: String },
    AgentMessage { message: MessageId, text: String },
    /// An internal note: never a response.
    Note { text: String },
    Assigned { from: Option<PersonId>, to: Option<PersonId> },
    StatusChanged { from: TicketStatus, to: TicketStatus },
    PriorityChanged { from: Priority, to: Priority },
    TagsChanged { added: BTreeSet<Tag>, removed: BTreeSet<Tag> },
    Reopened,
    FollowUpOpened { ticket: TicketId, key: TicketKey },
    Escalated { level: u32, reason: Option<String> },
    Deescalated { level: u32 },
    HandedOff { csm: Option<PersonId>, reason: String, note: Option<String> },
    HandoffAcknowledged { by: PersonId },
    /// An unacknowledged handoff was sent again (to the CSM, or to their manager).
    HandoffRepinged { to: Option<PersonId>, manager: bool },
    CsatRequested,
    /// An agent asked the requester to confirm the ticket can be closed.
    CloseRequested,
    /// The requester said they still need help.
    CloseDeclined,
    /// The customer was reminded that the ticket waits for them.
    PendingReminderSent,
    CsatReceived { rating: Rating, comment: Option<String> },
    SlaWarning { target: SlaTarget, due: DateTime<Utc> },
    SlaBreached { target: SlaTarget, due: DateTime<Utc> },
}

impl EventKind {
    /// The stable name stored in the `kind` column.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Opened { .. } => "opened",
            EventKind::CustomerMessage { .. } => "customer_message",
            EventKind::AgentMessage { .. } => "agent_message",
            EventKind::Note { .. } => "note",
            EventKind::Assigned { .. } => "assigned",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::PriorityChanged { .. } => "priority_changed",
            EventKind::TagsChanged { .. } => "tags_changed",
            EventKind::Reopened => "reopened",
            EventKind::FollowUpOpened { .. } => "follow_up_opened",
            EventKind::Escalated { .. } => "escalated",
            EventKind::Deescalated { .. } => "deescalated",
            EventKind::HandedOff { .. } => "handed_off",
            EventKind::HandoffAcknowledged { .. } => "handoff_acknowledged",
            EventKind::HandoffRepinged { .. } => "handoff_repinged",
            EventKind::CsatRequested => "csat_requested",
            EventKind::CloseRequested => "close_requested",
            EventKind::CloseDeclined => "close_declined",
            EventKind::PendingReminderSent => "pending_reminder_sent",
            EventKind::CsatReceived { .. } => "csat_received",
            EventKind::SlaWarning { .. } => "sla_warning",
            EventKind::SlaBreached { .. } => "sla_breached",
        }
    }
}

/// An event about to be appended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub kind: EventKind,
    pub actor: Actor,
    /// Platform time of the chat message (or action) that caused the event.
    pub occurred_at: DateTime<Utc>,
}

/// One entry of a ticket's append-only log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket: TicketId,
    pub kind: EventKind,
    pub actor: Actor,
    pub occurred_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
}

/// What a ticket's whole log says about it now that bulk readers (the at-risk digest, the
/// daily health pass) need without reading the log: kept on the ticket's row and moved by
/// every append ([`LogFactsChange`]), so both always equal a fold of the log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogFacts {
    /// Customer messages since the last agent message.
    pub unanswered: u32,
    /// The escalation level the ticket is at (0: not escalated).
    pub escalation_level: u32,
}

impl LogFacts {
    /// The facts of a whole log, in log order.
    pub fn of(events: &[TicketEvent]) -> Self {
        Self::default().after(events.iter().map(|e| &e.kind))
    }

    /// The facts once events of these kinds are appended, in order.
    pub fn after<'a>(self, kinds: impl IntoIterator<Item = &'a EventKind>) -> Self {
        LogFactsChange::of(kinds).apply(self)
    }
}

/// What appending events does to a ticket's [`LogFacts`], whatever they were: what the
/// store writes as one update of the ticket's row (`unanswered = [0 or unanswered] + n`,
/// `escalation_level = [level or escalation_level]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogFactsChange {
    /// An agent message was appended: the earlier unanswered messages are answered.
    pub answered: bool,
    /// Customer messages appended after the last agent message appended (or all of them).
    pub unanswered_added: u32,
    /// The level of the last escalation or de-escalation appended.
    pub escalation_level: Option<u32>,
}

impl LogFactsChange {
    /// The change events of these kinds make, appended in order.
    pub fn of<'a>(kinds: impl IntoIterator<Item = &'a EventKind>) -> Self {
        let mut c = Self::default();
        for kind in kinds {
            match kind {
                EventKind::CustomerMessage { .. } => c.unanswered_added += 1,
                EventKind::AgentMessage { .. } => {
                    c.answered = true;
                    c.unanswered_added = 0;
                }
                EventKind::Escalated { level, .. } | EventKind::Deescalated { level } => c.escalation_level = Some(*level),
                _ => {}
            }
        }
        c
    }

    /// The facts after the change.
    pub fn apply(self, before: LogFacts) -> LogFacts {
        LogFacts {
            unanswered: if self.answered { 0 } else { before.unanswered } + self.unanswered_added,
            escalation_level: self.escalation_level.unwrap_or(before.escalation_level),
        }
    }
}

#[cfg(test)]
mod tests;
