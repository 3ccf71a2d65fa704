//! The outbound half: [`ChatSink`] over Discord's HTTP API.
//!
//! - `Channel`: a message in the channel.
//! - `Thread { thread: root }`: a message in the thread started on the root message. The core
//!   names a ticket's thread by its root message; when the root has no thread yet, baton
//!   starts one on it (`POST /channels/C/messages/ROOT/threads`) and remembers the mapping so
//!   replies in that thread map back to the root. If the root already has a thread, or is a
//!   thread itself, baton posts there.
//! - `Direct`: a message in the user's DM channel.
//! - `Ephemeral`: a private reply through the user's latest interaction in that channel
//!   (replacing its "thinking…" message first, then follow-ups); without one, a DM.
//! - `replaces`: an edit of that message (a ticket card) in place.
//! - `Conversation::OpensPrivately { with }` on a card for a channel: a private thread in that
//!   channel (`POST /channels/C/threads`, type 12) with the requester added
//!   (`PUT /channels/T/thread-members/U`) and the card posted in it, mentioning the staff roles
//!   so their members see it. The thread's id is reported as the delivered message: it is the
//!   ticket's conversation root, and edits of "it" edit the card inside (found again after a
//!   restart as the thread's first message from baton).
//! - `Conversation::Ends`: after posting, the thread is archived (`PATCH /channels/T`,
//!   `archived: true`).

use std::sync::Arc;

use async_trait::async_trait;
use baton_chat::{
    ChannelRef, ChatSink, Conversation, Delivered, DeliveryError, Destination, MessageId, OutboundMessage, Platform, UserId,
};
use serde_json::{json, Value};

use crate::rest::{ChannelKind, RestError};
use crate::state::ReplyRoute;
use crate::wire::{message_body, snowflake, thread_name, EPHEMERAL};
use crate::Inner;

/// Discord error codes baton reacts to.
mod codes {
    /// Unknown Channel.
    pub const UNKNOWN_CHANNEL: isize = 10003;
    /// Unknown Message.
    pub const UNKNOWN_MESSAGE: isize = 10008;
    /// Unknown Webhook (an expired or invalid interaction token).
    pub const UNKNOWN_WEBHOOK: isize = 10015;
    /// Unknown Interaction.
    pub const UNKNOWN_INTERACTION: isize = 10062;
    /// Cannot execute action on this channel type (e.g. a thread on a message in a thread).
    pub const WRONG_CHANNEL_TYPE: isize = 50024;
    /// A thread has already been created for this message.
    pub const THREAD_EXISTS: isize = 160_004;
}

/// Delivers [`OutboundMessage`]s to Discord.
#[derive(Clone)]
pub struct DiscordSink {
    pub(crate) inner: Arc<Inner>,
}

fn channel_id(c: &ChannelRef) -> Result<u64, DeliveryError> {
    if c.platform != Platform::Discord {
        return Err(DeliveryError::Permanent(format!("{c} is not a Discord channel")));
    }
    snowflake(c.channel.as_str()).ok_or_else(|| DeliveryError::Permanent(format!("{c} is not a Discord channel id")))
}

fn message_id(m: &MessageId) -> Result<u64, DeliveryError> {
    snowflake(m.as_str()).ok_or_else(|| DeliveryError::Permanent(format!("`{m}` is not a Discord message id")))
}

fn user_id(u: &UserId) -> Result<u64, DeliveryError> {
    snowflake(u.as_str()).ok_or_else(|| DeliveryError::Permanent(format!("`{u}` is not a Discord user id")))
}

fn delivered(id: u64) -> Delivered {
    Delivered { message: MessageId::parse(id.to_string()).ok() }
}

impl DiscordSink {
    /// Posts `m` in `channel`, or edits the message it replaces there. Attachments beyond the
    /// first go in messages of their own.
    async fn post(&self, channel: u64, m: &OutboundMessage, edit_in: Option<u64>) -> Result<Delivered, DeliveryError> {
        let rest = &self.inner.rest;
        if let Some(replaces) = &m.replaces {
            let target = message_id(replaces)?;
            let body = message_body(m, true);
            self.inner.remember_forms(&body.forms);
            let id = rest.edit(edit_in.unwrap_or(channel), target, &body.json).await?;
            return Ok(delivered(id));
        }
        let body = message_body(m, false);
        self.inner.remember_forms(&body.forms);
        let id = rest.send(channel, &body.json, &m.attachments).await?;
        for extra in m.attachments.iter().skip(1) {
            let only_file = serde_json::json!({ "allowed_mentions": { "parse": [] } });
            rest.send(channel, &only_file, std::slice::from_ref(extra)).await?;
        }
        Ok(delivered(id))
    }

    /// The thread started on `root` in `parent`, starting it if needed. Returns the channel to
    /// post in and whether that is a guess to remember only once a post there succeeds.
    async fn thread(&self, parent: u64, root: u64, m: &OutboundMessage) -> Result<(u64, bool), DeliveryError> {
        if let Some(t) = self.inner.state.thread_of(root) {
            return Ok((t, false));
        }
        if let Some(ChannelKind::Thread { .. }) = self.inner.state.channel(root) {
            return Ok((root, false));
        }
        match self.inner.rest.create_thread(parent, root, &thread_name(m)).await {
            Ok(thread) => {
                tracing::info!(channel = parent, root, thread, "started a thread");
                self.inner.state.remember_thread(parent, root, thread);
                Ok((thread, false))
            }
            Err(e @ RestError::Rejected { .. }) if e.code() == Some(codes::THREAD_EXISTS) => {
                // Discord gives a message's thread the message's id.
                self.inner.state.remember_thread(parent, root, root);
                Ok((root, false))
            }
            Err(e @ RestError::Rejected { .. })
                if matches!(e.code(), Some(codes::UNKNOWN_MESSAGE | codes::WRONG_CHANNEL_TYPE)) =>
            {
                // The root is not a message in `parent` (it is a thread itself, or a message in
                // one): post in the channel it names.
                Ok((root, true))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// A ticket card that opens a private conversation: a private thread in `parent` with
    /// `with` in it and the card inside. Nothing is left behind when a step fails (the outbox
    /// tries again from the start).
    async fn private_thread(&self, parent: u64, with: u64, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        let rest = &self.inner.rest;
        let thread = rest.create_private_thread(parent, &thread_name(m)).await?;
        let result = async {
            rest.add_thread_member(thread, with).await?;
            let mut body = message_body(m, false);
            self.inner.remember_forms(&body.forms);
            let roles = &self.inner.settings.staff_role_ids;
            if !roles.is_empty() {
                // Mentioning the staff roles brings their members into the thread.
                let mentions: Vec<String> = roles.iter().map(|r| format!("<@&{r}>")).collect();
                if let Some(obj) = body.json.as_object_mut() {
                    let text = obj.get("content").and_then(Value::as_str).unwrap_or("");
                    let content = if text.is_empty() { mentions.join(" ") } else { format!("{}\n{text}", mentions.join(" ")) };
                    obj.insert("content".into(), Value::from(crate::wire::clip(&content, crate::wire::limits::CONTENT)));
                    let ids: Vec<String> = roles.iter().map(u64::to_string).collect();
                    obj.insert("allowed_mentions".into(), json!({ "parse": [], "roles": ids }));
                }
            }
            rest.send(thread, &body.json, &m.attachments).await
        }
        .await;
        match result {
            Ok(card) => {
                tracing::info!(channel = parent, thread, "started a private thread");
                self.inner.state.remember_thread(parent, thread, thread);
                self.inner.state.remember_card(thread, card);
                Ok(delivered(thread))
            }
            Err(e) => {
                if let Err(d) = rest.delete_channel(thread).await {
                    tracing::warn!(thread, error = %d, "could not remove an unfinished private thread");
                }
                Err(e.into())
            }
        }
    }

    /// Edits the card that is the conversation's root: a message in `parent`, or the card
    /// inside a private thread whose id is the root.
    async fn edit_root_card(&self, parent: u64, root: u64, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        if let Some(card) = self.inner.state.card_in(root) {
            return self.edit_in(root, card, m).await;
        }
        match self.post(parent, m, Some(parent)).await {
            Err(DeliveryError::Permanent(e)) if e.contains(&format!("error {}", codes::UNKNOWN_MESSAGE)) => {
                // Not a message in the channel: a private thread, whose first message from
                // baton is the card. (A public thread's root card that was deleted stays
                // deleted: nothing else there is the card.)
                match self.inner.rest.is_private_thread(root).await {
                    Ok(true) => {}
                    Ok(false) | Err(RestError::Rejected { .. }) => return Err(DeliveryError::Permanent(e)),
                    Err(other) => return Err(other.into()),
                }
                let bot = self.inner.state.bot_user();
                let first = self.inner.rest.first_messages(root, 10).await.map_err(DeliveryError::from)?;
                let card = first.iter().find(|(_, author)| Some(*author) == bot).map(|(id, _)| *id);
                let Some(card) = card else { return Err(DeliveryError::Permanent(e)) };
                self.inner.state.remember_card(root, card);
                self.edit_in(root, card, m).await
            }
            other => other,
        }
    }

    async fn edit_in(&self, channel: u64, message: u64, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        let body = message_body(m, true);
        self.inner.remember_forms(&body.forms);
        self.inner.rest.edit(channel, message, &body.json).await?;
        // The conversation's root stays the thread.
        Ok(delivered(channel))
    }

    /// Archives the thread a finished conversation went to.
    async fn archive(&self, parent: u64, root: u64) -> Result<(), DeliveryError> {
        let thread = self.inner.state.thread_of(root).unwrap_or(root);
        self.inner.rest.archive_thread(thread).await?;
        tracing::info!(channel = parent, thread, "archived a finished ticket's thread");
        Ok(())
    }

    async fn dm(&self, user: u64) -> Result<u64, DeliveryError> {
        if let Some(c) = self.inner.state.dm(user) {
            return Ok(c);
        }
        let c = self.inner.rest.dm_channel(user).await?;
        self.inner.state.remember_dm(user, c);
        Ok(c)
    }

    async fn ephemeral(&self, channel: u64, user: u64, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        let rest = &self.inner.rest;
        let mut body = message_body(m, false);
        self.inner.remember_forms(&body.forms);
        // Edits of private replies are not a thing: `replaces` is ignored here.
        while let Some(route) = self.inner.state.reply_route(user, channel) {
            let result = match &route {
                ReplyRoute::EditOriginal { token } if m.attachments.is_empty() => rest.edit_original(token, &body.json).await,
                ReplyRoute::EditOriginal { token } | ReplyRoute::Followup { token } => {
                    if let Some(obj) = body.json.as_object_mut() {
                        obj.insert("flags".into(), Value::from(EPHEMERAL));
                    }
                    rest.followup(token, &body.json, &m.attachments).await.map(Some)
                }
            };
            match result {
                Ok(id) => return Ok(Delivered { message: id.and_then(|i| MessageId::parse(i.to_string()).ok()) }),
                Err(e)
                    if matches!(
                        e.code(),
                        Some(codes::UNKNOWN_WEBHOOK | codes::UNKNOWN_INTERACTION | codes::UNKNOWN_MESSAGE)
                    ) || matches!(e, RestError::Rejected { status: 401, .. }) =>
                {
                    // The token expired or the deferred message is gone: next route, or a DM.
                    tracing::debug!(error = %e, "interaction reply refused; trying the next way");
                    if matches!(route, ReplyRoute::Followup { .. }) {
                        break;
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        let dm = self.dm(user).await?;
        if let Some(obj) = body.json.as_object_mut() {
            obj.remove("flags");
        }
        let id = rest.send(dm, &body.json, &m.attachments).await?;
        Ok(delivered(id))
    }
}

#[async_trait]
impl ChatSink for DiscordSink {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn deliver(&self, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        match &m.destination {
            Destination::Channel { channel } => match &m.conversation {
                Conversation::OpensPrivately { with } if m.replaces.is_none() => {
                    self.private_thread(channel_id(channel)?, user_id(with)?, m).await
                }
                _ => self.post(channel_id(channel)?, m, None).await,
            },
            Destination::Thread { channel, thread } => {
                let parent = channel_id(channel)?;
                let root = message_id(thread)?;
                let result = self.in_thread(parent, root, m).await;
                if result.is_ok() && m.conversation == Conversation::Ends {
                    self.archive(parent, root).await?;
                }
                result
            }
            Destination::Direct { platform, user } => {
                if *platform != Platform::Discord {
                    return Err(DeliveryError::Permanent(format!("a direct message on {platform} reached the Discord adapter")));
                }
                let dm = self.dm(user_id(user)?).await?;
                self.post(dm, m, None).await
            }
            Destination::Ephemeral { channel, user, .. } => self.ephemeral(channel_id(channel)?, user_id(user)?, m).await,
            Destination::Mark { target, emoji } => {
                // Discord reacts with the emoji itself, not a short name.
                let Some(emoji) = emoji.iter().find(|e| !e.is_ascii()) else {
                    return Err(DeliveryError::Permanent(format!("no Unicode emoji among {emoji:?} for a Discord reaction")));
                };
                let channel = channel_id(&target.channel)?;
                let message = message_id(&target.message)?;
                self.inner.rest.react(channel, message, emoji).await?;
                Ok(Delivered { message: None })
            }
        }
    }
}

impl DiscordSink {
    /// A message for the conversation whose root is `root` in `parent`.
    async fn in_thread(&self, parent: u64, root: u64, m: &OutboundMessage) -> Result<Delivered, DeliveryError> {
        // The root itself (a card that became the conversation's root) lives in the parent
        // channel, or is a private thread with the card inside; everything else goes in the
        // thread.
        if m.replaces.as_ref().and_then(|r| snowflake(r.as_str())) == Some(root) {
            return self.edit_root_card(parent, root, m).await;
        }
        let (thread, guessed) = self.thread(parent, root, m).await?;
        let result = self.post(thread, m, None).await;
        match (&result, guessed) {
            (Ok(_), true) => self.inner.state.remember_thread(parent, root, thread),
            (Err(DeliveryError::Permanent(e)), true) if e.contains(&codes::UNKNOWN_CHANNEL.to_string()) => {
                return Err(DeliveryError::Permanent(format!(
                    "message {root} in channel {parent} has no thread and none can be started on it: {e}"
                )));
            }
            _ => {}
        }
        result
    }
}
