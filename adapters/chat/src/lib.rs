//! The platform-neutral chat contract.
//!
//! Every adapter (Slack, Discord, the terminal shell) translates its platform's wire format
//! into these types and back; the core never sees platform JSON, and adapters never see the
//! core's store or rules. The shapes follow Errbot's backends: shared person, room, message
//! and reaction types, one inbound event enum, one outbound message type.
//!
//! - [`Platform`], [`UserId`], [`ChannelId`], [`MessageId`]: identifiers, always scoped by platform.
//! - [`ChannelRef`], [`MessageRef`]: where something lives (`slack:C024BE91L`).
//! - [`InboundEvent`] / [`Inbound`]: what people did (posted, reacted, ran a command, clicked).
//! - [`OutboundMessage`], [`Card`], [`Destination`]: what baton wants posted.
//! - [`ChatSink`]: the one trait an adapter implements to deliver outbound messages.
//! - [`Ingest`]: the one trait the core implements to take inbound events from adapters.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A chat platform baton can speak on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Slack,
    Discord,
    /// The local terminal adapter, for development, demos and tests.
    Shell,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Slack, Platform::Discord, Platform::Shell];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Slack => "slack",
            Platform::Discord => "discord",
            Platform::Shell => "shell",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors from parsing the contract's identifiers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown platform `{0}` (expected slack, discord or shell)")]
    UnknownPlatform(String),
    #[error("`{0}` is not a channel reference: write platform:channel, e.g. slack:C024BE91L")]
    BadChannelRef(String),
    #[error("an identifier must be 1 to 128 visible characters without spaces, got `{0}`")]
    BadId(String),
}

impl FromStr for Platform {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slack" => Ok(Platform::Slack),
            "discord" => Ok(Platform::Discord),
            "shell" => Ok(Platform::Shell),
            _ => Err(ParseError::UnknownPlatform(s.to_string())),
        }
    }
}

macro_rules! platform_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Accepts 1 to 128 characters, none of them whitespace or control characters.
            pub fn parse(s: impl Into<String>) -> Result<Self, ParseError> {
                let s = s.into();
                let ok = !s.is_empty()
                    && s.chars().count() <= 128
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control());
                if ok { Ok(Self(s)) } else { Err(ParseError::BadId(s)) }
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

platform_id!(
    /// A user's id on one platform (Slack `U…`, a Discord snowflake, a shell name).
    UserId
);
platform_id!(
    /// A channel, group or DM conversation id on one platform.
    ChannelId
);
platform_id!(
    /// A message id on one platform (Slack `ts`, a Discord snowflake, a shell counter).
    MessageId
);

/// A channel on a given platform, written `platform:id` in configuration.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelRef {
    pub platform: Platform,
    pub channel: ChannelId,
}

impl ChannelRef {
    pub fn new(platform: Platform, channel: ChannelId) -> Self {
        Self { platform, channel }
    }

    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let (p, c) = s
            .split_once(':')
            .ok_or_else(|| ParseError::BadChannelRef(s.to_string()))?;
        let platform = p.parse()?;
        let channel = ChannelId::parse(c.trim_start_matches('#'))
            .map_err(|_| ParseError::BadChannelRef(s.to_string()))?;
        Ok(Self { platform, channel })
    }
}

impl fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.platform, self.channel)
    }
}

impl TryFrom<String> for ChannelRef {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ChannelRef> for String {
    fn from(v: ChannelRef) -> String {
        v.to_string()
    }
}

impl FromStr for ChannelRef {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// One message on a platform.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageRef {
    pub channel: ChannelRef,
    pub message: MessageId,
}

/// Who did something, as the platform describes them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub user: UserId,
    pub display_name: String,
    /// Bots (baton included) never count as customers or agents.
    pub is_bot: bool,
    /// From another organisation (e.g. a Slack Connect guest): always a customer.
    pub external: bool,
    /// The platform says this person is on the team (a Discord member with a configured staff
    /// role): staff even when the people list does not name them.
    #[serde(default)]
    pub staff: bool,
    /// The locale the platform reports for this user, if any (BCP 47).
    pub locale: Option<String>,
}

impl Author {
    pub fn human(user: UserId, display_name: impl Into<String>) -> Self {
        Self { user, display_name: display_name.into(), is_bot: false, external: false, staff: false, locale: None }
    }
}

/// A message posted by someone (a top-level message or a thread reply).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncomingMessage {
    pub channel: ChannelRef,
    pub message: MessageId,
    /// The thread root when this message is a reply in a thread.
    pub thread: Option<MessageId>,
    pub author: Author,
    pub text: String,
    /// The platform's timestamp of the message (Slack `ts`, Discord snowflake time).
    pub sent_at: DateTime<Utc>,
    /// An edit of an earlier message: recorded nowhere as a response.
    pub edited: bool,
}

/// An emoji reaction added to a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactionAdded {
    pub target: MessageRef,
    /// The thread the reacted-to message is in, when the platform says.
    pub thread: Option<MessageId>,
    /// Emoji short name without colons (`ticket`, `eyes`) or the Unicode emoji itself.
    pub emoji: String,
    pub user: Author,
    /// Author of the reacted-to message, when the platform says.
    pub message_author: Option<Author>,
    /// Text of the reacted-to message, when the platform says.
    pub message_text: Option<String>,
    /// Timestamp of the reacted-to message, when known.
    pub message_sent_at: Option<DateTime<Utc>>,
    pub reacted_at: DateTime<Utc>,
}

/// A slash command such as `/ticket assign @dana`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlashCommand {
    pub channel: ChannelRef,
    /// The thread the command was typed in, where the platform tells (Discord threads, the shell).
    pub thread: Option<MessageId>,
    pub user: Author,
    /// The command's name without the slash (`ticket`).
    pub command: String,
    /// Everything after the command name.
    pub text: String,
    pub issued_at: DateTime<Utc>,
}

/// The message a shortcut (context-menu action) was invoked on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetMessage {
    pub message: MessageId,
    pub thread: Option<MessageId>,
    pub author: Author,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}

/// A button click, a message shortcut, or a submitted form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionInvoked {
    pub channel: ChannelRef,
    /// The message the action was attached to or invoked on.
    pub message: Option<MessageId>,
    pub thread: Option<MessageId>,
    pub user: Author,
    /// Stable action id, e.g. `ticket.claim`.
    pub action_id: String,
    pub value: Option<String>,
    /// Form fields of a submitted modal.
    pub fields: BTreeMap<String, String>,
    /// For message shortcuts: the message it was invoked on.
    pub target: Option<TargetMessage>,
    pub invoked_at: DateTime<Utc>,
}

/// Everything a person can do that baton listens to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inbound {
    Message(IncomingMessage),
    Reaction(ReactionAdded),
    Command(SlashCommand),
    Action(ActionInvoked),
}

impl Inbound {
    /// The platform time of the event.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Inbound::Message(m) => m.sent_at,
            Inbound::Reaction(r) => r.reacted_at,
            Inbound::Command(c) => c.issued_at,
            Inbound::Action(a) => a.invoked_at,
        }
    }

    pub fn channel(&self) -> &ChannelRef {
        match self {
            Inbound::Message(m) => &m.channel,
            Inbound::Reaction(r) => &r.target.channel,
            Inbound::Command(c) => &c.channel,
            Inbound::Action(a) => &a.channel,
        }
    }
}

/// An inbound event with the platform's id for de-duplication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    /// Unique per platform (Slack `event_id`, Discord interaction/message id, a shell counter).
    pub event_id: String,
    pub platform: Platform,
    pub body: Inbound,
}

/// Where an outbound message goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Destination {
    /// A top-level post in a channel.
    Channel { channel: ChannelRef },
    /// A reply in a thread.
    Thread { channel: ChannelRef, thread: MessageId },
    /// A direct message to one user.
    Direct { platform: Platform, user: UserId },
    /// Visible only to one user in a channel (Slack ephemeral, Discord ephemeral reply).
    Ephemeral { channel: ChannelRef, thread: Option<MessageId>, user: UserId },
    /// Not a post: the bot reacts to an existing message, e.g. to mark a message that became
    /// a ticket. `emoji` lists equivalents (a short name such as `ticket`, the emoji itself);
    /// each adapter adds the first one its platform takes. The text is ignored.
    Mark { target: MessageRef, emoji: Vec<String> },
}

impl Destination {
    pub fn platform(&self) -> Platform {
        match self {
            Destination::Channel { channel } | Destination::Thread { channel, .. } => channel.platform,
            Destination::Ephemeral { channel, .. } => channel.platform,
            Destination::Direct { platform, .. } => *platform,
            Destination::Mark { target, .. } => target.channel.platform,
        }
    }
}

/// Visual weight of a button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    Default,
    Primary,
    Danger,
}

/// A button on a card. `action_id` comes back in [`ActionInvoked`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Button {
    pub action_id: String,
    pub label: String,
    pub value: Option<String>,
    pub style: ButtonStyle,
    /// A command a text-only platform (the shell) can show instead of a button.
    pub fallback_command: Option<String>,
    /// A form the button opens (a modal) instead of reporting a click.
    pub form: Option<Form>,
}

/// A short form (a Slack or Discord modal). Adapters open it when its button is pressed and
/// report the submission as an [`ActionInvoked`] whose `action_id` is `submit_action`,
/// whose `fields` hold the answers by field id, and whose `value` is the pressed button's
/// `value` (e.g. the ticket key).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Form {
    pub title: String,
    pub submit_action: String,
    pub submit_label: String,
    pub fields: Vec<FormField>,
}

/// One field of a [`Form`]: free text, or a choice when `options` is not empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FormField {
    pub id: String,
    pub label: String,
    pub required: bool,
    pub multiline: bool,
    pub max_length: Option<u32>,
    /// `(value, label)` pairs for a choice.
    pub options: Vec<(String, String)>,
}

/// A structured message: a title, labelled fields, a body and buttons. Adapters render it
/// as Block Kit, a Discord embed, or indented text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Card {
    pub title: String,
    pub fields: Vec<(String, String)>,
    pub body: Option<String>,
    pub buttons: Vec<Button>,
    pub footer: Option<String>,
}

/// Something baton wants posted. Already rendered in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutboundMessage {
    pub destination: Destination,
    /// Plain text: the notification fallback and what text-only adapters print.
    pub text: String,
    pub card: Option<Card>,
    /// Replace this earlier message instead of posting a new one (e.g. a ticket card).
    pub replaces: Option<MessageId>,
    /// Files to upload with the message (a transcript, a digest chart).
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// What this message does to the ticket conversation it belongs to. Adapters whose
    /// platform has (private, archivable) threads act on it; others ignore it.
    #[serde(default, skip_serializing_if = "Conversation::is_continues")]
    pub conversation: Conversation,
}

/// A message's part in a ticket conversation, for platforms with threads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conversation {
    /// Nothing special: the message is posted where its destination says.
    #[default]
    Continues,
    /// This message (a ticket card sent to a channel) opens a private conversation with
    /// `with`, the requester: a platform with private threads starts one in the channel, adds
    /// `with` to it, posts the message there and reports the thread's id as the delivered
    /// message (the conversation's root from then on). Others post it in the channel.
    OpensPrivately { with: UserId },
    /// The conversation is over (the ticket closed): after posting, a platform that can
    /// archives the thread the message went to.
    Ends,
}

impl Conversation {
    pub fn is_continues(&self) -> bool {
        matches!(self, Conversation::Continues)
    }
}

/// A file posted with a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// MIME type, e.g. `text/plain; charset=utf-8` or `image/png`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// What a platform answered to a delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The id of the posted message, to thread under or update later.
    pub message: Option<MessageId>,
}

/// Why a delivery failed; the outbox decides whether and when to retry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("rate limited, retry after {0:?}")]
    RateLimited(Duration),
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Why an inbound event could not be recorded. The adapter must not acknowledge it (the
/// platform will retry) and answers with a server error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("could not record the event: {0}")]
pub struct IngestError(pub String);

/// The core's inbound half, as adapters see it.
#[async_trait::async_trait]
pub trait Ingest: Send + Sync {
    /// Records `event` durably and returns once it is safe to acknowledge it to the
    /// platform; the work happens afterwards. `Ok(false)`: seen before (a retry), nothing new.
    async fn ingest(&self, event: InboundEvent) -> Result<bool, IngestError>;
}

/// An adapter's outbound half.
#[async_trait::async_trait]
pub trait ChatSink: Send + Sync {
    fn platform(&self) -> Platform;
    async fn deliver(&self, message: &OutboundMessage) -> Result<Delivered, DeliveryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_refs_parse_and_print() {
        let c = ChannelRef::parse("slack:C024BE91L").unwrap();
        assert_eq!(c.platform, Platform::Slack);
        assert_eq!(c.to_string(), "slack:C024BE91L");
        assert_eq!(ChannelRef::parse("shell:#acme").unwrap().channel.as_str(), "acme");
        assert_eq!(
            ChannelRef::parse("teams:x"),
            Err(ParseError::UnknownPlatform("teams".into()))
        );
        assert!(matches!(ChannelRef::parse("C024"), Err(ParseError::BadChannelRef(_))));
        assert!(matches!(ChannelRef::parse("slack:"), Err(ParseError::BadChannelRef(_))));
    }

    #[test]
    fn ids_reject_blank_and_spaces() {
        assert!(UserId::parse("U123").is_ok());
        assert!(UserId::parse("").is_err());
        assert!(UserId::parse("a b").is_err());
        assert!(MessageId::parse("x".repeat(129)).is_err());
    }
}
