//! The inbound half: gateway events → neutral [`InboundEvent`]s → [`Ingest`].
//!
//! One raw-event handler sees every dispatch serenity decoded, and also the ones it could not
//! (serenity turns those into `Event::Unknown` without a word): those are logged with the
//! serde error and counted, then ignored.
//!
//! Event ids are Discord's: `message:ID`, `interaction:ID`, and for reactions (which have
//! none) `reaction:MESSAGE:USER:EMOJI`. A resumed or re-identified gateway session that
//! replays a dispatch therefore hands the core an event it has seen, which it ignores.
//!
//! Interactions are answered at once (Discord allows three seconds), before the core works:
//! commands and form submissions with a private "thinking…" message that the first private
//! reply replaces (or that is removed when the answer is public), button clicks with a plain
//! acknowledgement. A button that opens a form is answered with the form's modal.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use baton_chat::{
    ActionInvoked, Author, ChannelId as ChatChannel, ChannelRef, InboundEvent, Inbound, IncomingMessage, Ingest,
    IngestError, MessageId as ChatMessage, MessageRef, Platform, ReactionAdded, SlashCommand, TargetMessage,
    UserId as ChatUser,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use serenity::all::{
    ActionRowComponent, ChannelId, CommandInteraction, CommandType, ComponentInteraction, Context, Event, GuildId,
    Interaction, Message, MessageType, ModalInteraction, PartialChannel, Reaction, ReactionType, Ready,
    UnknownEvent, User,
};
use serenity::client::RawEventHandler;

use crate::commands::{self, OPEN_FROM_MESSAGE, OPEN_TICKET, TICKET};
use crate::rest::{ChannelKind, RestError};
use crate::state::Answer;
use crate::wire::{choice_value, modal_response, snowflake_time, CustomId, EPHEMERAL};
use crate::Inner;

/// How long a deferred "thinking…" message may wait for a private reply from the core
/// before it is removed (the answer was public, in the channel or thread).
const CLEAR_DEFERRED_AFTER: Duration = Duration::from_secs(6);

/// Where something happened, as the core names places: a thread is its parent channel plus
/// the thread's root message.
#[derive(Clone, Debug, PartialEq)]
struct Location {
    /// The channel (a thread's parent) as a number, for matching interaction replies.
    channel_id: u64,
    channel: ChannelRef,
    thread: Option<ChatMessage>,
}

fn chat_channel(id: u64) -> Option<ChannelRef> {
    Some(ChannelRef::new(Platform::Discord, ChatChannel::parse(id.to_string()).ok()?))
}

fn chat_message(id: u64) -> Option<ChatMessage> {
    ChatMessage::parse(id.to_string()).ok()
}

fn at(id: u64) -> DateTime<Utc> {
    snowflake_time(id).unwrap_or_else(Utc::now)
}

/// A Discord user as the core sees authors: the server nickname, else the display name,
/// else the username; staff when a staff role is among the member's `roles`.
fn author(user: &User, nick: Option<&str>, locale: Option<&str>, staff: bool) -> Option<Author> {
    let name = nick
        .filter(|n| !n.trim().is_empty())
        .or(user.global_name.as_deref().filter(|n| !n.trim().is_empty()))
        .unwrap_or(&user.name);
    Some(Author {
        user: ChatUser::parse(user.id.to_string()).ok()?,
        display_name: name.to_string(),
        is_bot: user.bot || user.system,
        external: false,
        staff,
        locale: locale.filter(|l| !l.is_empty()).map(str::to_string),
    })
}

/// The gateway's raw-event handler.
pub(crate) struct Handler {
    inner: Arc<Inner>,
    ingest: Arc<dyn Ingest>,
}

#[async_trait]
impl RawEventHandler for Handler {
    async fn raw_event(&self, _ctx: Context, event: Event) {
        match event {
            Event::Ready(e) => self.on_ready(e.ready).await,
            Event::Resumed(_) => tracing::info!("Discord gateway session resumed"),
            Event::MessageCreate(e) => self.on_message(e.message).await,
            Event::ReactionAdd(e) => self.on_reaction(e.reaction).await,
            Event::InteractionCreate(e) => self.on_interaction(e.interaction).await,
            Event::Unknown(u) => self.on_unknown(u),
            _ => {}
        }
    }
}

impl Handler {
    pub(crate) fn new(inner: Arc<Inner>, ingest: Arc<dyn Ingest>) -> Self {
        Self { inner, ingest }
    }

    // ----- connection --------------------------------------------------------------------

    async fn on_ready(&self, ready: Ready) {
        tracing::info!(bot = %ready.user.name, guilds = ready.guilds.len(), "connected to the Discord gateway");
        self.inner.state.set_bot_user(ready.user.id.get());
        if self.inner.rest.application_id() == 0 {
            self.inner.rest.set_application_id(ready.application.id.get());
        }
        self.inner.register_commands().await;
    }

    /// A dispatch serenity could not decode. Events baton does not use are expected here
    /// (serenity lags Discord); the ones it uses are a real problem worth a warning.
    fn on_unknown(&self, u: UnknownEvent) {
        let error = match u.kind.as_str() {
            "MESSAGE_CREATE" => serde_json::from_value::<Message>(u.value).err(),
            "MESSAGE_REACTION_ADD" => serde_json::from_value::<Reaction>(u.value).err(),
            "INTERACTION_CREATE" => serde_json::from_value::<Interaction>(u.value).err(),
            "READY" => serde_json::from_value::<Ready>(u.value).err(),
            other => {
                tracing::trace!(event = other, "gateway event serenity does not know; ignored");
                return;
            }
        };
        let total = self.inner.stats.malformed();
        if let Some(hook) = &self.inner.settings.on_malformed {
            (hook.0)(&u.kind);
        }
        match error {
            Some(e) => tracing::warn!(event = %u.kind, error = %e, malformed_events = total, "Discord sent an event baton cannot read; ignored"),
            None => tracing::warn!(event = %u.kind, malformed_events = total, "Discord sent an event serenity could not read; ignored"),
        }
    }

    // ----- helpers -----------------------------------------------------------------------

    /// Where `channel` is: DMs and plain channels are themselves; a thread is its parent
    /// plus its root message. Asks Discord once per unknown guild channel.
    async fn locate(&self, channel: ChannelId, guild: Option<GuildId>, hint: Option<&PartialChannel>) -> Option<Location> {
        let id = channel.get();
        let kind = if guild.is_none() {
            ChannelKind::Plain
        } else if let Some(kind) = self.inner.state.channel(id) {
            kind
        } else if let Some(p) = hint {
            let kind = match (u8::from(p.kind), p.parent_id) {
                (10..=12, Some(parent)) => ChannelKind::Thread { parent: parent.get() },
                _ => ChannelKind::Plain,
            };
            self.inner.state.remember_channel(id, kind);
            kind
        } else {
            let mut delay = Duration::from_millis(200);
            let mut found = None;
            for attempt in 1..=4 {
                match self.inner.rest.channel_kind(id).await {
                    Ok(kind) => {
                        found = Some(kind);
                        break;
                    }
                    Err(e @ RestError::Rejected { .. }) => {
                        tracing::warn!(channel = id, error = %e, "cannot look up a channel; taking it for a plain channel");
                        found = Some(ChannelKind::Plain);
                        break;
                    }
                    Err(e) if attempt < 4 => {
                        tracing::debug!(channel = id, error = %e, "channel lookup failed; retrying");
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                    Err(e) => tracing::error!(channel = id, error = %e, "cannot look up a channel; event dropped"),
                }
            }
            let kind = found?;
            self.inner.state.remember_channel(id, kind);
            kind
        };
        match kind {
            ChannelKind::Thread { parent } => Some(Location {
                channel_id: parent,
                channel: chat_channel(parent)?,
                thread: chat_message(self.inner.state.root_of(id)),
            }),
            ChannelKind::Plain => Some(Location { channel_id: id, channel: chat_channel(id)?, thread: None }),
        }
    }

    /// Hands an event to the core, retrying for a few seconds if it cannot record it (the
    /// gateway does not redeliver). `None` when it could not.
    async fn ingest(&self, event: InboundEvent) -> Option<bool> {
        let mut delay = Duration::from_millis(250);
        for attempt in 1..=5 {
            match self.ingest.ingest(event.clone()).await {
                Ok(new) => {
                    self.inner.stats.ingested(new);
                    if !new {
                        tracing::debug!(event_id = %event.event_id, "Discord event seen before; ignored");
                    }
                    return Some(new);
                }
                Err(IngestError(e)) if attempt < 5 => {
                    tracing::warn!(event_id = %event.event_id, error = %e, "cannot record a Discord event yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(IngestError(e)) => {
                    tracing::error!(event_id = %event.event_id, error = %e, "Discord event lost: it could not be recorded");
                }
            }
        }
        None
    }

    // ----- messages and reactions ----------------------------------------------------------

    async fn on_message(&self, msg: Message) {
        // Bots (baton included), webhooks and system messages (joins, pins, thread notices)
        // are nobody's words; edits arrive as MESSAGE_UPDATE, which baton does not take.
        if msg.author.bot || msg.author.system || msg.webhook_id.is_some() {
            return;
        }
        if !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply) {
            return;
        }
        let Some(loc) = self.locate(msg.channel_id, msg.guild_id, None).await else { return };
        let nick = msg.member.as_ref().and_then(|m| m.nick.as_deref());
        let staff = msg.member.as_ref().is_some_and(|m| self.inner.settings.is_staff(&m.roles));
        let (Some(author), Some(message)) = (author(&msg.author, nick, None, staff), chat_message(msg.id.get())) else { return };
        let body = Inbound::Message(IncomingMessage {
            channel: loc.channel,
            message,
            thread: loc.thread,
            author,
            text: msg.content,
            sent_at: at(msg.id.get()),
            edited: false,
        });
        self.ingest(InboundEvent { event_id: format!("message:{}", msg.id), platform: Platform::Discord, body }).await;
    }

    async fn on_reaction(&self, r: Reaction) {
        let Some(user_id) = r.user_id else { return };
        let (emoji, emoji_key) = match &r.emoji {
            ReactionType::Unicode(s) => (s.clone(), s.clone()),
            ReactionType::Custom { name: Some(name), id, .. } => (name.clone(), format!("{name}:{id}")),
            _ => return,
        };
        if !self.inner.settings.watches(&emoji) {
            return;
        }
        let user = match &r.member {
            Some(m) => author(&m.user, m.nick.as_deref(), None, self.inner.settings.is_staff(&m.roles)),
            None => match self.inner.rest.user(user_id.get()).await {
                Ok(u) => author(&u, None, None, false),
                Err(e) => {
                    tracing::warn!(user = %user_id, error = %e, "cannot look up who reacted; reaction ignored");
                    return;
                }
            },
        };
        let Some(user) = user else { return };
        if user.is_bot {
            return;
        }
        let Some(loc) = self.locate(r.channel_id, r.guild_id, None).await else { return };
        // Opening a ticket needs the message's author and text, which reaction events lack.
        let (mut message_author, mut message_text, mut message_sent_at) = (None, None, None);
        if self.inner.settings.opens(&emoji) {
            let mut delay = Duration::from_millis(200);
            for attempt in 1..=4 {
                match self.inner.rest.message(r.channel_id.get(), r.message_id.get()).await {
                    Ok(m) => {
                        let nick = m.member.as_ref().and_then(|x| x.nick.as_deref());
                        let staff = m.member.as_ref().is_some_and(|x| self.inner.settings.is_staff(&x.roles));
                        message_author = author(&m.author, nick, None, staff);
                        message_text = Some(m.content);
                        message_sent_at = Some(at(m.id.get()));
                        break;
                    }
                    Err(e) if e.is_rejected() || attempt == 4 => {
                        tracing::warn!(channel = %r.channel_id, message = %r.message_id, error = %e, "cannot read the reacted-to message; reaction ignored");
                        return;
                    }
                    Err(_) => {
                        tokio::time::sleep(delay).await;
                        delay *= 2;
                    }
                }
            }
        }
        let Some(message) = chat_message(r.message_id.get()) else { return };
        let body = Inbound::Reaction(ReactionAdded {
            target: MessageRef { channel: loc.channel, message },
            thread: loc.thread,
            emoji,
            user,
            message_author,
            message_text,
            message_sent_at,
            reacted_at: Utc::now(),
        });
        let event_id = format!("reaction:{}:{}:{}", r.message_id, user_id, emoji_key);
        self.ingest(InboundEvent { event_id, platform: Platform::Discord, body }).await;
    }

    // ----- interactions ------------------------------------------------------------------

    async fn on_interaction(&self, interaction: Interaction) {
        match interaction {
            Interaction::Command(c) => self.on_command(c).await,
            Interaction::Component(c) => self.on_component(c).await,
            Interaction::Modal(m) => self.on_modal(m).await,
            _ => {}
        }
    }

    /// Answers an interaction at once. `false` if Discord refused (already answered: a
    /// replayed event; or expired).
    async fn acknowledge(&self, id: serenity::all::InteractionId, token: &str, body: Value) -> bool {
        match self.inner.rest.respond(id, token, &body).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(interaction = %id, error = %e, "could not answer an interaction");
                false
            }
        }
    }

    /// After a deferred interaction went to the core: if the core could not take it, say so
    /// privately; otherwise remove the "thinking…" message if no private reply replaced it.
    fn follow_deferred(&self, id: u64, recorded: Option<bool>) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            if recorded.is_some() {
                tokio::time::sleep(CLEAR_DEFERRED_AFTER).await;
            }
            let Some(token) = inner.state.clear_if_unanswered(id) else { return };
            let result = match recorded {
                None => tell_unavailable(&inner, &token, true).await,
                Some(_) => inner.rest.delete_original(&token).await,
            };
            if let Err(e) = result {
                tracing::debug!(interaction = id, error = %e, "could not tidy up a deferred interaction");
            }
        });
    }

    /// An acknowledged interaction that never reached the core: tell the user privately.
    fn give_up(&self, token: &str, deferred: bool) {
        let (inner, token) = (self.inner.clone(), token.to_string());
        tokio::spawn(async move {
            if let Err(e) = tell_unavailable(&inner, &token, deferred).await {
                tracing::debug!(error = %e, "could not tell someone their interaction was lost");
            }
        });
    }

    async fn on_command(&self, c: CommandInteraction) {
        let acked = self.acknowledge(c.id, &c.token, json!({ "type": 5, "data": { "flags": EPHEMERAL } })).await;
        let Some(loc) = self.locate(c.channel_id, c.guild_id, c.channel.as_ref()).await else {
            if acked {
                self.give_up(&c.token, true);
            }
            return;
        };
        let nick = c.member.as_ref().and_then(|m| m.nick.as_deref());
        let staff = c.member.as_ref().is_some_and(|m| self.inner.settings.is_staff(&m.roles));
        let Some(user) = author(&c.user, nick, Some(&c.locale), staff) else { return };
        let issued_at = at(c.id.get());
        let body = match (c.data.kind, c.data.name.as_str()) {
            (CommandType::ChatInput, TICKET) => Inbound::Command(SlashCommand {
                channel: loc.channel.clone(),
                thread: loc.thread.clone(),
                user,
                command: TICKET.to_string(),
                text: commands::ticket_text(&c.data.options),
                issued_at,
            }),
            (CommandType::Message, OPEN_TICKET) => {
                let target = c
                    .data
                    .target_id
                    .map(|t| t.to_message_id())
                    .and_then(|id| c.data.resolved.messages.get(&id));
                let Some(target) = target else {
                    tracing::warn!(interaction = %c.id, "message command without its message; ignored");
                    if acked {
                        self.inner.state.interaction(c.id.get(), &c.token, user_id(&c.user), loc.channel_id, Answer::Deferred);
                        self.follow_deferred(c.id.get(), Some(false));
                    }
                    return;
                };
                let nick = target.member.as_ref().and_then(|m| m.nick.as_deref());
                let staff = target.member.as_ref().is_some_and(|m| self.inner.settings.is_staff(&m.roles));
                let (Some(target_author), Some(message)) = (author(&target.author, nick, None, staff), chat_message(target.id.get()))
                else {
                    return;
                };
                Inbound::Action(ActionInvoked {
                    channel: loc.channel.clone(),
                    message: Some(message.clone()),
                    thread: loc.thread.clone(),
                    user,
                    action_id: OPEN_FROM_MESSAGE.to_string(),
                    value: None,
                    fields: BTreeMap::new(),
                    target: Some(TargetMessage {
                        message,
                        thread: loc.thread.clone(),
                        author: target_author,
                        text: target.content.clone(),
                        sent_at: at(target.id.get()),
                    }),
                    invoked_at: issued_at,
                })
            }
            (kind, name) => {
                tracing::warn!(command = name, ?kind, "unknown application command; ignored");
                if acked {
                    self.inner.state.interaction(c.id.get(), &c.token, user_id(&c.user), loc.channel_id, Answer::Deferred);
                    self.follow_deferred(c.id.get(), Some(false));
                }
                return;
            }
        };
        if acked {
            self.inner.state.interaction(c.id.get(), &c.token, user_id(&c.user), loc.channel_id, Answer::Deferred);
        }
        let event = InboundEvent { event_id: format!("interaction:{}", c.id), platform: Platform::Discord, body };
        let recorded = self.ingest(event).await;
        if acked {
            self.follow_deferred(c.id.get(), recorded);
        }
    }

    async fn on_component(&self, c: ComponentInteraction) {
        let (action, value) = match CustomId::parse(&c.data.custom_id) {
            CustomId::FormButton { form, action, value } => {
                let modal = self.inner.state.form(&form).and_then(|f| modal_response(&f, value.as_deref()));
                match modal {
                    Some(modal) => {
                        // The form opens; its submission is the event, not this click.
                        self.acknowledge(c.id, &c.token, modal).await;
                        return;
                    }
                    None => {
                        // A form baton no longer knows (changed wording, another version):
                        // report the click, and the core explains the text commands.
                        tracing::info!(form = %form, "button for an unknown form; reporting the click");
                        (action, value)
                    }
                }
            }
            CustomId::Button { action, value } | CustomId::Modal { action, value } => (action, value),
        };
        let acked = self.acknowledge(c.id, &c.token, json!({ "type": 6 })).await;
        let Some(loc) = self.locate(c.channel_id, c.guild_id, c.channel.as_ref()).await else {
            if acked {
                self.give_up(&c.token, false);
            }
            return;
        };
        let nick = c.member.as_ref().and_then(|m| m.nick.as_deref());
        let staff = c.member.as_ref().is_some_and(|m| self.inner.settings.is_staff(&m.roles));
        let Some(user) = author(&c.user, nick, Some(&c.locale), staff) else { return };
        if acked {
            self.inner.state.interaction(c.id.get(), &c.token, user_id(&c.user), loc.channel_id, Answer::Acknowledged);
        }
        let body = Inbound::Action(ActionInvoked {
            channel: loc.channel,
            message: chat_message(c.message.id.get()),
            thread: loc.thread,
            user,
            action_id: action,
            value,
            fields: BTreeMap::new(),
            target: None,
            invoked_at: at(c.id.get()),
        });
        let recorded = self.ingest(InboundEvent { event_id: format!("interaction:{}", c.id), platform: Platform::Discord, body }).await;
        if recorded.is_none() && acked {
            self.give_up(&c.token, false);
        }
    }

    async fn on_modal(&self, m: ModalInteraction) {
        let acked = self.acknowledge(m.id, &m.token, json!({ "type": 5, "data": { "flags": EPHEMERAL } })).await;
        let (action, value) = match CustomId::parse(&m.data.custom_id) {
            CustomId::Modal { action, value } | CustomId::Button { action, value } => (action, value),
            CustomId::FormButton { action, value, .. } => (action, value),
        };
        let form = self.inner.state.form_for_submit(&action);
        let mut fields = BTreeMap::new();
        for row in &m.data.components {
            for component in &row.components {
                if let ActionRowComponent::InputText(input) = component {
                    let typed = input.value.as_deref().unwrap_or("").trim();
                    if typed.is_empty() {
                        continue;
                    }
                    let is_choice = form
                        .as_ref()
                        .and_then(|f| f.fields.iter().find(|x| x.id == input.custom_id))
                        .is_some_and(|x| !x.options.is_empty());
                    let answer = if is_choice { choice_value(form.as_ref(), &input.custom_id, typed) } else { typed.to_string() };
                    fields.insert(input.custom_id.clone(), answer);
                }
            }
        }
        let Some(loc) = self.locate(m.channel_id, m.guild_id, m.channel.as_ref()).await else {
            if acked {
                self.give_up(&m.token, true);
            }
            return;
        };
        let nick = m.member.as_ref().and_then(|x| x.nick.as_deref());
        let staff = m.member.as_ref().is_some_and(|x| self.inner.settings.is_staff(&x.roles));
        let Some(user) = author(&m.user, nick, Some(&m.locale), staff) else { return };
        if acked {
            self.inner.state.interaction(m.id.get(), &m.token, user_id(&m.user), loc.channel_id, Answer::Deferred);
        }
        let body = Inbound::Action(ActionInvoked {
            channel: loc.channel,
            message: m.message.as_ref().and_then(|x| chat_message(x.id.get())),
            thread: loc.thread,
            user,
            action_id: action,
            value,
            fields,
            target: None,
            invoked_at: at(m.id.get()),
        });
        let recorded = self.ingest(InboundEvent { event_id: format!("interaction:{}", m.id), platform: Platform::Discord, body }).await;
        if acked {
            self.follow_deferred(m.id.get(), recorded);
        }
    }
}

fn user_id(u: &User) -> u64 {
    u.id.get()
}

/// Tells the user privately that their interaction could not be handled (the configured,
/// localised text), replacing the "thinking…" message when there is one; without a text,
/// just removes that message.
async fn tell_unavailable(inner: &Inner, token: &str, deferred: bool) -> Result<(), RestError> {
    let text = inner.settings.unavailable_text.as_deref();
    match (deferred, text) {
        (true, Some(text)) => {
            let body = json!({ "content": text, "allowed_mentions": { "parse": [] } });
            inner.rest.edit_original(token, &body).await.map(drop)
        }
        (true, None) => inner.rest.delete_original(token).await,
        (false, Some(text)) => {
            let body = json!({ "content": text, "flags": EPHEMERAL, "allowed_mentions": { "parse": [] } });
            inner.rest.followup(token, &body, &[]).await.map(drop)
        }
        (false, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use serenity::all::{Event, GatewayEvent};

    fn dispatch(t: &str, d: serde_json::Value) -> String {
        serde_json::json!({ "op": 0, "s": 3, "t": t, "d": d }).to_string()
    }

    /// The fact the raw-event hook exists for: a dispatch serenity cannot decode becomes an
    /// unknown event, silently.
    #[test]
    fn serenity_turns_undecodable_dispatches_into_unknown_events() {
        let message = serde_json::json!({
            "id": "1", "channel_id": "2", "content": "hi", "timestamp": "2026-11-23T09:00:00.000000+00:00",
            "author": { "id": "3", "username": "u", "discriminator": "0", "global_name": null, "avatar": null },
        });
        let text = dispatch("MESSAGE_CREATE", message);
        let event: GatewayEvent = serde_json::from_str(&text).expect("still a gateway event");
        let GatewayEvent::Dispatch(3, Event::Unknown(u)) = event else { panic!("not an unknown event: {event:?}") };
        assert_eq!(u.kind, "MESSAGE_CREATE");
        let err = serde_json::from_value::<serenity::all::Message>(u.value).unwrap_err();
        assert!(err.to_string().contains("missing field"), "{err}");
    }
}
