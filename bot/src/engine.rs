//! The rules: applies neutral inbound chat events to tickets.
//!
//! For each event the engine reads what it needs from the store, decides (open a ticket,
//! record a message, change status, refuse), and writes the change, its events and the
//! replies it causes in one transaction. Replies are [`Reply`] values rendered through the
//! catalogue; no platform JSON and no literal user-visible text appear here.

use std::collections::HashMap;
use std::sync::Arc;

use baton_chat::{
    ActionInvoked, Author, ChannelRef, Conversation, Destination, InboundEvent, Inbound, IncomingMessage, MessageId,
    OutboundMessage,
    Platform, ReactionAdded, SlashCommand, TargetMessage, UserId,
};
use chrono::{DateTime, Utc};
use unic_langid::LanguageIdentifier;

use crate::clock::Clock;
use crate::command::{self, Command};
use crate::config::{Config, WhoMayOpen};
use crate::domain::{
    AccountId, Actor, EventKind, IntakeVia, NewEvent, NewTicket, Origin, Person, Priority, Requester, Role,
    Tag, Ticket, TicketEvent, TicketId, TicketKey, TicketStatus, Title,
};
use crate::health::HealthTicket;
use crate::render::{render, Msg, Notice, Reply, UserError};
use crate::store::{NewOutbound, OutboundPurpose, Store, StoreError, TicketChange, TicketFilter};

mod bridge;
mod locale;
mod policy;
mod sla_sweep;

pub use bridge::{escalation_level, reach, unanswered_customer_messages, EscalationLevel, HandoffSettings};
use bridge::{BridgeCommand, BridgeOutcome, Effects};
pub use policy::{permit, Caller};

/// Per-channel behaviour.
#[derive(Clone, Debug, Default)]
pub struct ChannelSettings {
    pub auto_intake: bool,
    pub who_may_open: WhoMayOpen,
    pub lang: Option<LanguageIdentifier>,
    /// Ticket conversations here are private with the requester (a private thread where the
    /// platform has them), not a thread on the customer's message.
    pub private_threads: bool,
}

/// What the rules need from configuration, parsed once.
#[derive(Clone, Debug)]
pub struct Settings {
    pub default_lang: LanguageIdentifier,
    /// `general.time_zone`: times in messages to channels, and to people without their own.
    pub time_zone: chrono_tz::Tz,
    pub open_emoji: Vec<String>,
    /// React with [`Settings::open_emoji`] to messages that became tickets.
    pub mark_opened: bool,
    pub claim_emoji: Vec<String>,
    pub solve_emoji: Vec<String>,
    pub urgent_emoji: Vec<String>,
    pub default_priority: Priority,
    pub reopen_window: chrono::Duration,
    /// Share of solved tickets whose requester is asked for CSAT.
    pub csat_sample_rate: f64,
    /// Nobody is asked for CSAT more often than this.
    pub csat_cooldown: chrono::Duration,
    /// Solved tickets close after this long.
    pub close_after: chrono::Duration,
    /// Pending tickets get one reminder to the customer after this long…
    pub pending_reminder_after: chrono::Duration,
    /// …and are solved after this long without an answer.
    pub pending_solve_after: chrono::Duration,
    /// The escalation chain, lowest level first.
    pub escalation_levels: Vec<EscalationLevel>,
    pub escalate_on_urgent: bool,
    pub escalate_on_breach: bool,
    /// Escalate after this many customer messages without a reply (0: never).
    pub escalate_after_unanswered: u32,
    pub handoff: HandoffSettings,
    /// SLA policies by tier × priority, first match wins.
    pub sla_rules: Vec<crate::sla::SlaRule>,
    pub health: crate::health::HealthWeights,
    pub at_risk: crate::health::AtRiskRules,
    pub channels: HashMap<ChannelRef, ChannelSettings>,
}

impl Settings {
    /// From a configuration that passed [`crate::config::check`].
    pub fn from_config(c: &Config) -> Self {
        let lang = |s: &str| s.replace('_', "-").parse::<LanguageIdentifier>().ok();
        Self {
            default_lang: lang(&c.general.default_locale).unwrap_or_else(crate::i18n::fallback),
            time_zone: crate::config::checks::parse_time_zone(&c.general.time_zone).unwrap_or(chrono_tz::UTC),
            open_emoji: c.tickets.open_emoji.clone(),
            mark_opened: c.tickets.mark_opened,
            claim_emoji: c.tickets.claim_emoji.clone(),
            solve_emoji: c.tickets.solve_emoji.clone(),
            urgent_emoji: c.tickets.urgent_emoji.clone(),
            default_priority: c.tickets.default_priority.parse().unwrap_or(Priority::Normal),
            reopen_window: chrono::Duration::from_std(c.tickets.reopen_window())
                .unwrap_or_else(|_| chrono::Duration::days(7)),
            csat_sample_rate: c.tickets.csat_sample_rate.clamp(0.0, 1.0),
            csat_cooldown: duration(&c.tickets.csat_cooldown, 7),
            close_after: duration(&c.tickets.close_after, 3),
            pending_reminder_after: duration(&c.tickets.pending_reminder_after, 2),
            pending_solve_after: duration(&c.tickets.pending_solve_after, 5),
            escalation_levels: c
                .escalation
                .levels
                .iter()
                .map(|l| EscalationLevel {
                    name: l.name.trim().to_string(),
                    channel: l.channel.as_deref().and_then(|ch| ChannelRef::parse(ch).ok()),
                    people: l.people.iter().filter_map(|p| crate::domain::PersonId::parse(p.trim()).ok()).collect(),
                })
                .collect(),
            escalate_on_urgent: c.escalation.on_urgent,
            escalate_on_breach: c.escalation.on_breach,
            escalate_after_unanswered: c.escalation.unanswered_messages,
            sla_rules: crate::config::sla_rules(c).unwrap_or_default(),
            health: crate::health::HealthWeights {
                window: duration(&c.health.window, 30),
                per_open_ticket: c.health.per_open_ticket,
                per_escalation: c.health.per_escalation,
                per_breach: c.health.per_sla_breach,
                per_reopen: c.health.per_reopen,
                per_unanswered: c.health.per_unanswered_message,
                per_csat_point: c.health.per_csat_point,
                cap: c.health.cap,
                signals: c
                    .health
                    .signals
                    .iter()
                    .filter_map(|s| {
                        Some(crate::health::SignalWeight {
                            name: crate::domain::SignalName::parse(s.name.trim()).ok()?,
                            weight: s.weight,
                            low: s.low,
                            high: s.high,
                        })
                    })
                    .collect(),
            },
            at_risk: crate::health::AtRiskRules {
                below: c.health.at_risk_below,
                drop: c.health.at_risk_drop,
                drop_days: i64::from(c.health.drop_days),
                renewal_days: i64::from(c.health.renewal_days),
            },
            handoff: HandoffSettings {
                fallback: c.handoff.fallback_channel.as_deref().and_then(|ch| ChannelRef::parse(ch).ok()),
                reping_after: duration(&c.handoff.reping_after, 1),
                escalate_after: duration(&c.handoff.escalate_after, 1),
                on_urgent: c.handoff.on_urgent,
                on_escalation: c.handoff.on_escalation,
                on_breach: c.handoff.on_breach,
                summary_messages: c.handoff.summary_messages.max(1),
            },
            channels: c
                .channels
                .iter()
                .map(|ch| {
                    let s = ChannelSettings {
                        auto_intake: ch.auto_intake,
                        who_may_open: ch.who_may_open,
                        lang: ch.locale.as_deref().and_then(lang),
                        private_threads: ch.private_threads,
                    };
                    (ch.channel.clone(), s)
                })
                .collect(),
        }
    }

    fn channel(&self, c: &ChannelRef) -> ChannelSettings {
        self.channels.get(c).cloned().unwrap_or_default()
    }

    /// The channel's configured language, else the default. Replies to channels are settled
    /// with the channel's account's language before rendering (`Engine::settle_langs`).
    fn channel_lang(&self, c: &ChannelRef) -> LanguageIdentifier {
        self.channel_lang_with(c, None)
    }
}

/// Failures the engine cannot turn into a reply (the event stays unprocessed for a retry).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who did something, resolved against the people baton knows.
#[derive(Clone, Debug)]
struct Who {
    platform: Platform,
    author: Author,
    person: Option<Person>,
    role: Role,
}

impl Who {
    fn actor(&self) -> Actor {
        match &self.person {
            Some(p) => Actor::Person { id: p.id.clone() },
            None => Actor::ChatUser {
                platform: self.platform,
                user: self.author.user.clone(),
                display_name: self.author.display_name.clone(),
            },
        }
    }
    fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
    fn requester(&self) -> Requester {
        Requester {
            platform: self.platform,
            user: self.author.user.clone(),
            display_name: self.author.display_name.clone(),
            person: self.person.as_ref().map(|p| p.id.clone()),
        }
    }
}

/// A request to open a ticket, from any intake path.
struct OpenRequest {
    channel: ChannelRef,
    /// The message the ticket is opened from (de-duplicates), if any.
    message: Option<MessageId>,
    /// Thread the conversation lives in; `None`: the card becomes the thread root.
    thread: Option<MessageId>,
    title: Title,
    description: Option<String>,
    requester: Requester,
    priority: Option<Priority>,
    via: IntakeVia,
    opened_by: Actor,
    opened_at: DateTime<Utc>,
    follow_up_of: Option<Ticket>,
}

/// Applies inbound events. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    store: Arc<dyn Store>,
    settings: Arc<Settings>,
    clock: Arc<dyn Clock>,
    /// The last day (days since the epoch) health was snapshotted by this process.
    health_day: Arc<std::sync::atomic::AtomicI64>,
    /// This process has swept every active ticket once (see [`Engine::sla_sweep`]).
    sla_swept_all: Arc<std::sync::atomic::AtomicBool>,
}

const MAX_CONFLICT_RETRIES: usize = 5;

impl Engine {
    pub fn new(store: Arc<dyn Store>, settings: Arc<Settings>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            settings,
            clock,
            health_day: Arc::new(std::sync::atomic::AtomicI64::new(i64::MIN)),
            sla_swept_all: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Handles one inbound event. Concurrent changes to the same ticket are retried.
    pub async fn handle(&self, event: &InboundEvent) -> Result<(), EngineError> {
        let mut attempt = 0;
        loop {
            // Writes a failed attempt committed are found, not repeated (see `store::effects`).
            crate::store::effects::restart();
            let result = match &event.body {
                Inbound::Message(m) => self.on_message(event.platform, m).await,
                Inbound::Reaction(r) => self.on_reaction(event.platform, r).await,
                Inbound::Command(c) => self.on_command(event.platform, c).await,
                Inbound::Action(a) => self.on_action(event.platform, a).await,
            };
            match result {
                Err(EngineError::Store(StoreError::Conflict)) if attempt < MAX_CONFLICT_RETRIES => attempt += 1,
                other => return other,
            }
        }
    }

    async fn who(&self, platform: Platform, author: &Author) -> Result<Who, EngineError> {
        let person = self.store.person_by_handle(platform, &author.user).await?;
        // A guest from another organisation is a customer, whatever else we know. Someone the
        // platform says is staff (a Discord staff role) is an agent unless listed as staff.
        let role = match (&person, author.external) {
            (Some(p), false) if p.role.is_staff() || !author.staff => p.role,
            (_, false) if author.staff => Role::Agent,
            _ => Role::Customer,
        };
        Ok(Who { platform, author: author.clone(), person, role })
    }

    /// The caller as the permission rule ([`permit`]) sees them, in `channel`, for `ticket`.
    fn caller(&self, who: &Who, channel: &ChannelRef, ticket: Option<&Ticket>) -> Caller {
        Caller {
            staff: who.is_staff(),
            requester: ticket.is_some_and(|t| who.platform == t.requester.platform && who.author.user == t.requester.user),
            customers_may_open: self.settings.channel(channel).who_may_open == WhoMayOpen::Anyone,
        }
    }

    async fn tell(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        msg: Msg,
    ) -> Result<(), EngineError> {
        let reply = Reply {
            to: Destination::Ephemeral { channel: channel.clone(), thread: thread.cloned(), user: who.author.user.clone() },
            lang: self.personal_lang(who, channel).await?,
            msg,
            replaces: None,
        };
        self.store.enqueue(&[NewOutbound::message(render(&reply))], self.clock.now()).await?;
        Ok(())
    }

    async fn refuse(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        error: UserError,
    ) -> Result<(), EngineError> {
        tracing::info!(user = %who.author.user, channel = %channel, ?error, "refused a request");
        self.tell(who, channel, thread, Msg::Error(error)).await
    }

    // ----- messages -------------------------------------------------------------------

    async fn on_message(&self, platform: Platform, m: &IncomingMessage) -> Result<(), EngineError> {
        if m.author.is_bot || m.edited {
            return Ok(());
        }
        // A top-level message in an auto-intake channel may open a ticket: its channel's
        // account is looked up beside its author (one round trip's wait less per ticket).
        let intake = m.thread.is_none() && self.settings.channel(&m.channel).auto_intake;
        let (who, account) = tokio::try_join!(self.who(platform, &m.author), async {
            if intake {
                Ok(Some(self.store.account_for_channel(&m.channel).await?))
            } else {
                Ok::<_, EngineError>(None)
            }
        })?;
        if let Some(thread) = &m.thread {
            if let Some(ticket) = self.store.ticket_by_message(&m.channel, thread).await? {
                return self.on_ticket_message(ticket, &who, m).await;
            }
            return Ok(());
        }
        if let (Some(account), false) = (account, who.is_staff()) {
            let Some(title) = Title::from_message(&m.text) else { return Ok(()) };
            self.open_for(account, OpenRequest {
                channel: m.channel.clone(),
                message: Some(m.message.clone()),
                thread: Some(m.message.clone()),
                title,
                description: Some(m.text.clone()),
                requester: who.requester(),
                priority: None,
                via: IntakeVia::Auto,
                opened_by: who.actor(),
                opened_at: m.sent_at,
            follow_up_of: None,
            })
            .await?;
        }
        Ok(())
    }

    async fn on_ticket_message(&self, ticket: Ticket, who: &Who, m: &IncomingMessage) -> Result<(), EngineError> {
        let mut t = ticket.clone();
        let mut events = Vec::new();
        let mut replies = Vec::new();
        let at = m.sent_at;
        if who.is_staff() {
            events.push(NewEvent {
                kind: EventKind::AgentMessage { message: m.message.clone(), text: m.text.clone() },
                actor: who.actor(),
                occurred_at: at,
            });
            if t.status == TicketStatus::New {
                set_status(&mut t, TicketStatus::Open, &mut events, Actor::System, at);
            }
        } else {
            events.push(NewEvent {
                kind: EventKind::CustomerMessage { message: m.message.clone(), text: m.text.clone() },
                actor: who.actor(),
                occurred_at: at,
            });
            match t.status {
                TicketStatus::PendingOnCustomer => {
                    set_status(&mut t, TicketStatus::Open, &mut events, Actor::System, at);
                }
                TicketStatus::Solved | TicketStatus::Closed => {
                    let solved_at = self.last_solved_at(&t).await?;
                    let within = t.status == TicketStatus::Solved
                        && solved_at.is_some_and(|s| at - s <= self.settings.reopen_window);
                    if within {
                        set_status(&mut t, TicketStatus::Open, &mut events, Actor::System, at);
                        events.push(NewEvent { kind: EventKind::Reopened, actor: who.actor(), occurred_at: at });
                        replies.push(self.thread_reply(&t, Msg::Notice(Notice::Reopened { key: t.key.clone() })));
                    } else {
                        // Too late to reopen: the conversation continues as a new linked ticket.
                        self.store.append_events(t.id, &events, self.clock.now()).await?;
                        let title = t.title.clone();
                        let (new, _) = self
                            .open(OpenRequest {
                                channel: m.channel.clone(),
                                message: Some(m.message.clone()),
                                thread: None,
                                title,
                                description: Some(m.text.clone()),
                                requester: who.requester(),
                                priority: Some(t.priority),
                                via: IntakeVia::Reopen,
                                opened_by: who.actor(),
                                opened_at: at,
                                follow_up_of: Some(t.clone()),
                            })
                            .await?;
                        let mut notice = self.thread_reply(&t, Msg::Notice(Notice::FollowUp { key: new.key.clone() }));
                        self.settle_langs(std::slice::from_mut(&mut notice)).await?;
                        let change = TicketChange {
                            ticket: t.clone(),
                            events: vec![NewEvent {
                                kind: EventKind::FollowUpOpened { ticket: new.id, key: new.key.clone() },
                                actor: Actor::System,
                                occurred_at: at,
                            }],
                            outbox: vec![NewOutbound::message(render(&notice))],
                        };
                        self.store.apply(change, self.clock.now()).await?;
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        self.save_changed(ticket, t, events, replies, at).await
    }

    async fn last_solved_at(&self, t: &Ticket) -> Result<Option<DateTime<Utc>>, EngineError> {
        Ok(crate::metrics::last_entered(&self.store.events(t.id).await?, TicketStatus::Solved))
    }

    // ----- reactions ------------------------------------------------------------------

    async fn on_reaction(&self, platform: Platform, r: &ReactionAdded) -> Result<(), EngineError> {
        if r.user.is_bot {
            return Ok(());
        }
        let emoji = r.emoji.trim_matches(':');
        let is = |list: &[String]| list.iter().any(|e| e == emoji);
        let channel = &r.target.channel;
        if is(&self.settings.open_emoji) {
            let (Some(author), Some(text)) = (&r.message_author, &r.message_text) else {
                tracing::warn!(channel = %channel, message = %r.target.message, "reaction without the message's text and author; adapter must supply them");
                return Ok(());
            };
            let target = TargetMessage {
                message: r.target.message.clone(),
                thread: r.thread.clone(),
                author: author.clone(),
                text: text.clone(),
                sent_at: r.message_sent_at.unwrap_or(r.reacted_at),
            };
            return self.open_from_message(platform, channel, &r.user, &target, IntakeVia::Reaction).await;
        }
        let command = if is(&self.settings.claim_emoji) {
            Command::Claim { key: None }
        } else if is(&self.settings.solve_emoji) {
            Command::SetStatus { key: None, status: TicketStatus::Solved }
        } else if is(&self.settings.urgent_emoji) {
            Command::SetPriority { key: None, priority: Priority::Urgent }
        } else {
            return Ok(());
        };
        // Emoji shortcuts act only on a ticket's root message, and only for staff.
        let Some(ticket) = self.store.ticket_by_message(channel, &r.target.message).await? else { return Ok(()) };
        let who = self.who(platform, &r.user).await?;
        // Not refused out loud: in a shared channel a customer's ✅ or 👀 is an ordinary
        // reaction, not a request.
        if permit(&command, self.caller(&who, channel, Some(&ticket))).is_err() {
            return Ok(());
        }
        let thread = ticket.origin.thread.clone();
        self.apply_command(&who, channel, thread.as_ref(), command, r.reacted_at, Some(ticket)).await
    }

    /// Opens a ticket from an existing message (reaction or message shortcut).
    async fn open_from_message(
        &self,
        platform: Platform,
        channel: &ChannelRef,
        user: &Author,
        target: &TargetMessage,
        via: IntakeVia,
    ) -> Result<(), EngineError> {
        // Who asks and who wrote the message, looked up side by side.
        let (who, requester) = tokio::try_join!(self.who(platform, user), self.who(platform, &target.author))?;
        if let Err(e) = permit(&Command::Open { title: None, priority: None }, self.caller(&who, channel, None)) {
            return self.refuse(&who, channel, target.thread.as_ref(), e).await;
        }
        let Some(title) = Title::from_message(&target.text) else { return Ok(()) };
        let (ticket, created) = self
            .open(OpenRequest {
                channel: channel.clone(),
                message: Some(target.message.clone()),
                thread: Some(target.thread.clone().unwrap_or_else(|| target.message.clone())),
                title,
                description: Some(target.text.clone()),
                requester: requester.requester(),
                priority: None,
                via,
                opened_by: who.actor(),
                opened_at: target.sent_at,
                follow_up_of: None,
            })
            .await?;
        if !created {
            tracing::debug!(key = %ticket.key, "duplicate intake ignored");
        }
        Ok(())
    }

    // ----- commands and buttons ---------------------------------------------------------

    async fn on_command(&self, platform: Platform, c: &SlashCommand) -> Result<(), EngineError> {
        let who = self.who(platform, &c.user).await?;
        match command::parse(&c.text) {
            Ok(cmd) => self.apply_command(&who, &c.channel, c.thread.as_ref(), cmd, c.issued_at, None).await,
            Err(e) => self.refuse(&who, &c.channel, c.thread.as_ref(), UserError::Parse(e)).await,
        }
    }

    async fn on_action(&self, platform: Platform, a: &ActionInvoked) -> Result<(), EngineError> {
        let who = self.who(platform, &a.user).await?;
        let key = a.value.as_deref().and_then(|v| TicketKey::parse(v).ok());
        let command = match a.action_id.as_str() {
            "ticket.claim" => Command::Claim { key },
            "ticket.solve" => Command::SetStatus { key, status: TicketStatus::Solved },
            "ticket.reopen" => Command::SetStatus { key, status: TicketStatus::Open },
            "ticket.urgent" => Command::SetPriority { key, priority: Priority::Urgent },
            "ticket.close_confirm" => Command::AnswerClose { key, confirmed: true },
            "ticket.escalate" => Command::Escalate { key, reason: a.fields.get("reason").cloned().filter(|r| !r.trim().is_empty()) },
            "handoff.ack" => Command::Ack { key },
            "ticket.close_decline" => Command::AnswerClose { key, confirmed: false },
            // A platform without forms reports the panel button itself: explain the commands.
            "ticket.panel" => Command::Help,
            "csat.rate" => {
                // Value `KEY:N` from the CSAT buttons.
                let parsed = a.value.as_deref().and_then(|v| v.rsplit_once(':')).and_then(|(k, n)| {
                    let key = TicketKey::parse(k).ok()?;
                    let rating = crate::domain::Rating::new(n.parse().ok()?).ok()?;
                    Some((key, rating))
                });
                match parsed {
                    Some((key, rating)) => Command::Rate { key: Some(key), rating, comment: a.fields.get("comment").cloned() },
                    None => return self.refuse(&who, &a.channel, a.thread.as_ref(), UserError::UnknownAction).await,
                }
            }
            "ticket.open_from_message" => {
                let Some(target) = &a.target else {
                    return self.refuse(&who, &a.channel, a.thread.as_ref(), UserError::UnknownAction).await;
                };
                return self.open_from_message(platform, &a.channel, &a.user, target, IntakeVia::Shortcut).await;
            }
            "ticket.open" => {
                let title = a.fields.get("title").cloned();
                let priority = match a.fields.get("priority").map(|p| p.parse::<Priority>()) {
                    Some(Ok(p)) => Some(p),
                    Some(Err(_)) => {
                        let value = a.fields.get("priority").cloned().unwrap_or_default();
                        let e = UserError::Parse(command::ParseError::UnknownPriority(value));
                        return self.refuse(&who, &a.channel, a.thread.as_ref(), e).await;
                    }
                    None => None,
                };
                return self.open_command(&who, &a.channel, a.thread.as_ref(), title, priority, a.invoked_at, IntakeVia::Panel).await;
            }
            other => {
                tracing::warn!(action_id = other, "unknown action");
                return self.refuse(&who, &a.channel, a.thread.as_ref(), UserError::UnknownAction).await;
            }
        };
        self.apply_command(&who, &a.channel, a.thread.as_ref(), command, a.invoked_at, None).await
    }

    async fn target_ticket(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        cmd: &Command,
    ) -> Result<Option<Ticket>, EngineError> {
        if let Some(key) = cmd.key() {
            let found = self.store.ticket_by_key(key).await?;
            // A customer never learns about another account's tickets.
            let visible = found.filter(|t| who.is_staff() || t.origin.channel == *channel);
            if visible.is_none() {
                self.refuse(who, channel, thread, UserError::UnknownTicket(key.clone())).await?;
            }
            return Ok(visible);
        }
        let found = match thread {
            Some(th) => self.store.ticket_by_message(channel, th).await?,
            None => None,
        };
        if found.is_none() {
            self.refuse(who, channel, thread, UserError::NotInThread { command: cmd.name() }).await?;
        }
        Ok(found)
    }

    /// `/ticket open` and the intake panel's form: a new ticket in `channel`.
    #[allow(clippy::too_many_arguments)]
    async fn open_command(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        title: Option<String>,
        priority: Option<Priority>,
        at: DateTime<Utc>,
        via: IntakeVia,
    ) -> Result<(), EngineError> {
        // Commands were checked before they got here; the panel's form arrives directly.
        if let Err(e) = permit(&Command::Open { title: None, priority: None }, self.caller(who, channel, None)) {
            return self.refuse(who, channel, thread, e).await;
        }
        let raw = title.unwrap_or_default();
        let title = match Title::parse(&raw) {
            Ok(t) => t,
            Err(e) => return self.refuse(who, channel, thread, UserError::BadTitle(e.to_string())).await,
        };
        self.open(OpenRequest {
            channel: channel.clone(),
            message: None,
            thread: None,
            title,
            description: None,
            requester: who.requester(),
            priority,
            via,
            opened_by: who.actor(),
            opened_at: at,
            follow_up_of: None,
        })
        .await?;
        Ok(())
    }

    async fn apply_command(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        cmd: Command,
        at: DateTime<Utc>,
        known: Option<Ticket>,
    ) -> Result<(), EngineError> {
        if matches!(cmd, Command::Help | Command::TagsTop { .. } | Command::Panel | Command::Open { .. }) {
            if let Err(e) = permit(&cmd, self.caller(who, channel, None)) {
                return self.refuse(who, channel, thread, e).await;
            }
        }
        match &cmd {
            Command::Help => {
                let emoji = self.settings.open_emoji.first().cloned().unwrap_or_default();
                return self.tell(who, channel, thread, Msg::Help { emoji }).await;
            }
            Command::TagsTop { namespace } => {
                let rows = self.store.tag_reach(namespace.as_deref(), 20).await?;
                return self.tell(who, channel, thread, Msg::TagsTop { rows }).await;
            }
            Command::Panel => {
                let reply = Reply {
                    to: Destination::Channel { channel: channel.clone() },
                    lang: self.lang_in_channel(channel).await?,
                    msg: Msg::Panel,
                    replaces: None,
                };
                self.store.enqueue(&[NewOutbound::message(render(&reply))], self.clock.now()).await?;
                return Ok(());
            }
            Command::Open { title, priority } => {
                return self.open_command(who, channel, thread, title.clone(), *priority, at, IntakeVia::Command).await;
            }
            _ => {}
        }
        let ticket = match known {
            Some(t) => t,
            None => match self.target_ticket(who, channel, thread, &cmd).await? {
                Some(t) => t,
                None => return Ok(()),
            },
        };
        if let Err(e) = permit(&cmd, self.caller(who, channel, Some(&ticket))) {
            return self.refuse(who, channel, thread, e).await;
        }
        let mut t = ticket.clone();
        let mut events = Vec::new();
        let mut notices = Vec::new();
        let mut extra = Vec::new();
        let actor = who.actor();
        match cmd {
            Command::Show { .. } => {
                let card = self.card_msg(&t).await?;
                return self.tell(who, channel, thread, card).await;
            }
            Command::Claim { .. } => {
                let Some(person) = &who.person else {
                    return self.refuse(who, channel, thread, UserError::StaffOnly).await;
                };
                if t.assignee.as_ref() != Some(&person.id) {
                    events.push(NewEvent {
                        kind: EventKind::Assigned { from: t.assignee.clone(), to: Some(person.id.clone()) },
                        actor: actor.clone(),
                        occurred_at: at,
                    });
                    t.assignee = Some(person.id.clone());
                    notices.push(Notice::Claimed { key: t.key.clone(), name: person.name.to_string() });
                }
                if t.status == TicketStatus::New {
                    set_status(&mut t, TicketStatus::Open, &mut events, actor, at);
                }
            }
            Command::Assign { to, .. } => {
                let target = if matches!(to.to_lowercase().as_str(), "none" | "nobody" | "-") {
                    None
                } else {
                    match self.find_person(who.platform, &to).await? {
                        Some(p) => Some(p),
                        None => return self.refuse(who, channel, thread, UserError::UnknownPerson(to)).await,
                    }
                };
                let new = target.as_ref().map(|p| p.id.clone());
                if new != t.assignee {
                    events.push(NewEvent {
                        kind: EventKind::Assigned { from: t.assignee.clone(), to: new.clone() },
                        actor: actor.clone(),
                        occurred_at: at,
                    });
                    t.assignee = new;
                    notices.push(match &target {
                        Some(p) => Notice::Assigned { key: t.key.clone(), name: p.name.to_string() },
                        None => Notice::Unassigned { key: t.key.clone() },
                    });
                }
            }
            Command::SetPriority { priority, .. } => {
                if t.priority != priority {
                    events.push(NewEvent {
                        kind: EventKind::PriorityChanged { from: t.priority, to: priority },
                        actor,
                        occurred_at: at,
                    });
                    t.priority = priority;
                    notices.push(Notice::Priority { key: t.key.clone(), priority });
                }
            }
            Command::SetStatus { status, .. } => {
                if t.status == status {
                    return self.tell(who, channel, thread, Msg::Notice(Notice::Status { key: t.key.clone(), status })).await;
                }
                if t.status.check_transition(status).is_err() {
                    let e = UserError::BadTransition { key: t.key.clone(), from: t.status, to: status };
                    return self.refuse(who, channel, thread, e).await;
                }
                let reopening = !t.status.is_active() && status.is_active();
                set_status(&mut t, status, &mut events, actor.clone(), at);
                if reopening {
                    events.push(NewEvent { kind: EventKind::Reopened, actor, occurred_at: at });
                }
                notices.push(Notice::Status { key: t.key.clone(), status });
                if status == TicketStatus::Solved && self.should_survey(&t, at).await? {
                    events.push(NewEvent { kind: EventKind::CsatRequested, actor: Actor::System, occurred_at: at });
                    extra.push(self.thread_reply(&t, Msg::CsatAsk { key: t.key.clone() }));
                }
                if status == TicketStatus::Closed {
                    extra.push(self.thread_reply(&t, self.transcript(&t).await?));
                }
            }
            Command::Transcript { .. } => {
                let mut reply = self.thread_reply(&t, self.transcript(&t).await?);
                self.settle_langs(std::slice::from_mut(&mut reply)).await?;
                return self.store.enqueue(&[NewOutbound::message(render(&reply))], self.clock.now()).await.map_err(Into::into);
            }
            Command::AskClose { .. } => {
                if !t.status.is_active() {
                    return self.refuse(who, channel, thread, UserError::NotSolvable { key: t.key.clone() }).await;
                }
                events.push(NewEvent { kind: EventKind::CloseRequested, actor, occurred_at: at });
                extra.push(self.thread_reply(&t, Msg::CloseRequest { key: t.key.clone() }));
            }
            Command::AnswerClose { confirmed, .. } => {
                if !t.status.is_active() {
                    return self.refuse(who, channel, thread, UserError::NotSolvable { key: t.key.clone() }).await;
                }
                if confirmed {
                    set_status(&mut t, TicketStatus::Solved, &mut events, actor, at);
                    notices.push(Notice::Status { key: t.key.clone(), status: TicketStatus::Solved });
                    if self.should_survey(&t, at).await? {
                        events.push(NewEvent { kind: EventKind::CsatRequested, actor: Actor::System, occurred_at: at });
                        extra.push(self.thread_reply(&t, Msg::CsatAsk { key: t.key.clone() }));
                    }
                } else {
                    events.push(NewEvent { kind: EventKind::CloseDeclined, actor, occurred_at: at });
                    if t.status == TicketStatus::PendingOnCustomer {
                        set_status(&mut t, TicketStatus::Open, &mut events, Actor::System, at);
                    }
                    notices.push(Notice::CloseDeclined { key: t.key.clone() });
                }
            }
            Command::Escalate { reason, .. } => {
                return self.apply_bridge(who, channel, thread, t, BridgeCommand::Escalate { reason }, at).await;
            }
            Command::Deescalate { .. } => {
                return self.apply_bridge(who, channel, thread, t, BridgeCommand::Deescalate, at).await;
            }
            Command::Handoff { note, .. } => {
                return self.apply_bridge(who, channel, thread, t, BridgeCommand::Handoff { note }, at).await;
            }
            Command::Ack { .. } => {
                return self.apply_bridge(who, channel, thread, t, BridgeCommand::Acknowledge, at).await;
            }
            Command::Rate { rating, comment, .. } => {
                if t.status == TicketStatus::Closed {
                    return self.refuse(who, channel, thread, UserError::RatingClosed { key: t.key.clone() }).await;
                }
                let history = self.store.events(t.id).await?;
                let changed = history.iter().any(|e| matches!(e.kind, EventKind::CsatReceived { .. }));
                events.push(NewEvent { kind: EventKind::CsatReceived { rating, comment }, actor, occurred_at: at });
                let reply = Reply {
                    to: Destination::Ephemeral { channel: channel.clone(), thread: thread.cloned(), user: who.author.user.clone() },
                    lang: self.personal_lang(who, channel).await?,
                    msg: Msg::CsatThanks { key: t.key.clone(), rating, changed },
                    replaces: None,
                };
                return self.save(ticket, t, events, vec![reply]).await;
            }
            Command::Tag { add, remove, .. } => {
                let before = t.tags.clone();
                t.tags.extend(add);
                for r in &remove {
                    t.tags.remove(r);
                }
                let added: std::collections::BTreeSet<Tag> = t.tags.difference(&before).cloned().collect();
                let removed: std::collections::BTreeSet<Tag> = before.difference(&t.tags).cloned().collect();
                if !added.is_empty() || !removed.is_empty() {
                    events.push(NewEvent { kind: EventKind::TagsChanged { added, removed }, actor, occurred_at: at });
                }
                notices.push(Notice::Tags { key: t.key.clone(), tags: t.tags.iter().cloned().collect() });
            }
            Command::Help | Command::TagsTop { .. } | Command::Open { .. } | Command::Panel => {
                unreachable!("handled above")
            }
        }
        let mut replies: Vec<Reply> = notices.into_iter().map(|n| self.thread_reply(&t, Msg::Notice(n))).collect();
        replies.extend(extra);
        self.save_changed(ticket, t, events, replies, at).await
    }

    /// Saves a command's or message's change after adding what it triggers on the bridge:
    /// automatic escalation and handoff (urgent, unanswered messages), and closing the loop
    /// in the escalation channel when an escalated ticket is solved.
    async fn save_changed(
        &self,
        before: Ticket,
        after: Ticket,
        events: Vec<NewEvent>,
        replies: Vec<Reply>,
        at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let history = self.store.events(after.id).await?;
        let mut fx = Effects { events, replies, outbound: Vec::new() };
        let new_events = fx.events.clone();
        self.auto_bridge(&before, &after, &history, &new_events, at, &mut fx).await?;
        if before.status.is_active() && after.status == TicketStatus::Solved {
            let level = escalation_level(&history);
            if level > 0 {
                self.close_loop(&after, level, true, &mut fx);
            }
        }
        self.save_with(before, &after, fx).await
    }

    async fn apply_bridge(
        &self,
        who: &Who,
        channel: &ChannelRef,
        thread: Option<&MessageId>,
        t: Ticket,
        command: BridgeCommand,
        at: DateTime<Utc>,
    ) -> Result<(), EngineError> {
        let mut fx = Effects::default();
        let outcome = self.bridge_command(who, &t, command.clone(), at, &mut fx).await?;
        let key = t.key.clone();
        let refusal = match outcome {
            BridgeOutcome::Done | BridgeOutcome::Acknowledged => None,
            BridgeOutcome::AtTop => Some(UserError::EscalationTop { key }),
            BridgeOutcome::NoChain => Some(UserError::NoEscalationChain),
            BridgeOutcome::NotEscalated => Some(UserError::NotEscalated { key }),
            BridgeOutcome::NotActive => Some(UserError::NotSolvable { key }),
            BridgeOutcome::NoHandoff => Some(UserError::NoOpenHandoff { key }),
        };
        if let Some(e) = refusal {
            return self.refuse(who, channel, thread, e).await;
        }
        let notice = match (&command, outcome) {
            (BridgeCommand::Escalate { .. }, _) => {
                let level = escalation_level(&self.store.events(t.id).await?) as usize;
                let name = self.settings.escalation_levels.get(level).map(|l| l.name.clone()).unwrap_or_default();
                Some(Notice::Escalated { key: t.key.clone(), level: name })
            }
            (BridgeCommand::Deescalate, _) => Some(Notice::Deescalated { key: t.key.clone() }),
            (BridgeCommand::Handoff { .. }, _) => Some(Notice::HandoffSent { key: t.key.clone() }),
            (BridgeCommand::Acknowledge, _) => None,
        };
        if let Some(n) = notice {
            fx.replies.push(self.thread_reply(&t, Msg::Notice(n)));
        }
        self.save_with(t.clone(), &t, fx).await
    }

    /// A person named in a command: a platform mention (`<@U123>`, `@dana`) or a baton id.
    async fn find_person(&self, platform: Platform, raw: &str) -> Result<Option<Person>, EngineError> {
        let name = raw.trim().trim_start_matches("<@").trim_end_matches('>').trim_start_matches('@');
        let name = name.split('|').next().unwrap_or(name);
        if let Ok(user) = UserId::parse(name) {
            if let Some(p) = self.store.person_by_handle(platform, &user).await? {
                return Ok(Some(p));
            }
        }
        match crate::domain::PersonId::parse(&name.to_lowercase()) {
            Ok(id) => Ok(self.store.person(&id).await?),
            Err(_) => Ok(None),
        }
    }

    /// Whether to ask this ticket's requester for CSAT now: customers only, sampled, and
    /// not within the cooldown of the last survey sent to the same person.
    async fn should_survey(&self, t: &Ticket, at: DateTime<Utc>) -> Result<bool, EngineError> {
        let requester_is_staff = match &t.requester.person {
            Some(p) => self.store.person(p).await?.is_some_and(|p| p.role.is_staff()),
            None => false,
        };
        if requester_is_staff || !sampled(t.id.0, self.settings.csat_sample_rate) {
            return Ok(false);
        }
        let last = self.store.last_csat_request(t.requester.platform, &t.requester.user).await?;
        Ok(last.is_none_or(|last| at - last >= self.settings.csat_cooldown))
    }

    async fn transcript(&self, t: &Ticket) -> Result<Msg, EngineError> {
        let mut names: HashMap<crate::domain::PersonId, String> = HashMap::new();
        let mut lines = Vec::new();
        for e in self.store.events(t.id).await? {
            let text = match &e.kind {
                EventKind::CustomerMessage { text, .. } | EventKind::AgentMessage { text, .. } => text.clone(),
                EventKind::Opened { description: Some(d), .. } => d.clone(),
                _ => continue,
            };
            let name = match &e.actor {
                Actor::Person { id } => match names.get(id) {
                    Some(n) => n.clone(),
                    None => {
                        let n = self.store.person(id).await?.map(|p| p.name.to_string()).unwrap_or_else(|| id.to_string());
                        names.insert(id.clone(), n.clone());
                        n
                    }
                },
                Actor::ChatUser { display_name, .. } => display_name.clone(),
                Actor::System => continue,
            };
            let name = if matches!(e.kind, EventKind::Opened { .. }) { t.requester.display_name.clone() } else { name };
            lines.push(crate::render::TranscriptLine { at: e.occurred_at, name, text });
        }
        Ok(Msg::Transcript { key: t.key.clone(), title: t.title.to_string(), lines, tz: self.settings.time_zone })
    }

    // ----- timers -----------------------------------------------------------------------

    /// Runs the lifecycle timers at `now`: closes tickets solved for `close_after`, reminds
    /// customers of tickets pending for `pending_reminder_after` (once), and solves those
    /// pending for `pending_solve_after`. Each step is an event, so a restart or a second
    /// replica never repeats one (a concurrent change makes this pass skip the ticket).
    pub async fn tick(&self) -> Result<usize, EngineError> {
        let now = self.clock.now();
        let mut done = 0;
        let solved = TicketFilter { status: Some(TicketStatus::Solved), ..Default::default() };
        // What the timers read: when a ticket entered its status, and whether it was reminded
        // (the transcript of a closed ticket reads its whole log).
        const TIMER_KINDS: &[&str] = &["status_changed", "pending_reminder_sent"];
        for (t, events) in self.with_events(self.store.tickets(&solved).await?, Some(TIMER_KINDS)).await? {
            let Some(since) = crate::metrics::last_entered(&events, TicketStatus::Solved) else { continue };
            if now - since < self.settings.close_after {
                continue;
            }
            let mut after = t.clone();
            let mut ev = Vec::new();
            set_status(&mut after, TicketStatus::Closed, &mut ev, Actor::System, now);
            let replies = vec![
                self.thread_reply(&after, Msg::Notice(Notice::AutoClosed { key: after.key.clone() })),
                self.thread_reply(&after, self.transcript(&after).await?),
            ];
            done += self.save_timer(t, after, ev, replies).await?;
        }
        let pending = TicketFilter { status: Some(TicketStatus::PendingOnCustomer), ..Default::default() };
        for (t, events) in self.with_events(self.store.tickets(&pending).await?, Some(TIMER_KINDS)).await? {
            let Some(since) = crate::metrics::last_entered(&events, TicketStatus::PendingOnCustomer) else { continue };
            let waited = now - since;
            let mut after = t.clone();
            let mut ev = Vec::new();
            let mut replies = Vec::new();
            if waited >= self.settings.pending_solve_after {
                set_status(&mut after, TicketStatus::Solved, &mut ev, Actor::System, now);
                replies.push(self.thread_reply(&after, Msg::Notice(Notice::AutoSolved { key: after.key.clone() })));
            } else if waited >= self.settings.pending_reminder_after {
                let reminded = events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::PendingReminderSent) && e.occurred_at >= since);
                if reminded {
                    continue;
                }
                ev.push(NewEvent { kind: EventKind::PendingReminderSent, actor: Actor::System, occurred_at: now });
                let left = self.settings.pending_solve_after - waited;
                let days = (left.num_hours() + 23) / 24;
                replies.push(self.thread_reply(&after, Msg::PendingReminder { key: after.key.clone(), solve_in_days: days.max(1) }));
            } else {
                continue;
            }
            done += self.save_timer(t, after, ev, replies).await?;
        }
        done += self.sla_sweep(now).await?;
        done += self.handoff_timers(now).await?;
        let today = now.date_naive().signed_duration_since(chrono::NaiveDate::default()).num_days();
        if self.health_day.swap(today, std::sync::atomic::Ordering::SeqCst) != today {
            self.snapshot_health(now).await?;
        }
        Ok(done)
    }

    /// Tickets with (the `kinds` of) their event logs, read [`sla_sweep::SWEEP_BATCH`] tickets
    /// per query.
    async fn with_events(&self, tickets: Vec<Ticket>, kinds: Option<&[&str]>) -> Result<Vec<(Ticket, Vec<TicketEvent>)>, EngineError> {
        let mut out = Vec::with_capacity(tickets.len());
        for batch in tickets.chunks(sla_sweep::SWEEP_BATCH) {
            let ids: Vec<TicketId> = batch.iter().map(|t| t.id).collect();
            let mut logs = self.store.events_of(&ids, kinds).await?;
            out.extend(batch.iter().map(|t| (t.clone(), logs.remove(&t.id).unwrap_or_default())));
        }
        Ok(out)
    }

    /// Computes an account's health now, with the inputs it came from.
    pub async fn account_health(
        &self,
        account: &crate::domain::Account,
        now: DateTime<Utc>,
    ) -> Result<(crate::health::Health, crate::health::HealthInputs), EngineError> {
        let tickets = self.store.tickets(&TicketFilter { account: Some(account.id.clone()), ..Default::default() }).await?;
        let ids: Vec<TicketId> = tickets.iter().map(|t| t.id).collect();
        let mut events = self.store.events_of(&ids, None).await?;
        let tickets: Vec<HealthTicket> =
            tickets.iter().map(|t| HealthTicket::from_log(t, events.remove(&t.id).unwrap_or_default())).collect();
        Ok(crate::health::account_health(account, &tickets, &self.settings.health, now))
    }

    /// Saves today's health snapshot for every account (idempotent per day).
    ///
    /// In bulk: the tickets that count (active, or with an event in the health window: the
    /// others add nothing to a score) with their log facts and window events are read in
    /// one read transaction ([`Store::health_tickets`]), and the snapshots written in one
    /// transaction.
    pub async fn snapshot_health(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        use crate::store::{answer, read_apart};
        // Two independent reads, side by side.
        let since = now - self.settings.health.window;
        let accounts = read_apart(&self.store, |s| async move { s.accounts().await });
        let tickets = read_apart(&self.store, move |s| async move { s.health_tickets(since).await });
        let (accounts, tickets) = tokio::try_join!(answer(accounts), answer(tickets))?;
        let mut by_account: HashMap<AccountId, Vec<HealthTicket>> = HashMap::new();
        for t in tickets {
            if let Some(a) = t.account.clone() {
                by_account.entry(a).or_default().push(t);
            }
        }
        let snapshots: Vec<(AccountId, crate::health::Health)> = accounts
            .iter()
            .map(|a| {
                let tickets = by_account.remove(&a.id).unwrap_or_default();
                (a.id.clone(), crate::health::account_health(a, &tickets, &self.settings.health, now).0)
            })
            .collect();
        self.store.save_health_many(now.date_naive(), &snapshots).await?;
        Ok(accounts.len())
    }

    async fn save_timer(&self, before: Ticket, after: Ticket, events: Vec<NewEvent>, replies: Vec<Reply>) -> Result<usize, EngineError> {
        match self.save(before, after, events, replies).await {
            Ok(()) => Ok(1),
            // Someone else changed it meanwhile (a reply, another replica): next pass decides.
            Err(EngineError::Store(StoreError::Conflict)) => Ok(0),
            Err(e) => Err(e),
        }
    }

    // ----- writing ----------------------------------------------------------------------

    /// A reply in the ticket's thread (or channel, while the card is not yet posted).
    fn thread_reply(&self, t: &Ticket, msg: Msg) -> Reply {
        Reply { to: ticket_destination(t), lang: self.settings.channel_lang(&t.origin.channel), msg, replaces: None }
    }

    async fn card_msg(&self, t: &Ticket) -> Result<Msg, EngineError> {
        let account = match &t.account {
            Some(a) => self.store.account(a).await?.map(|a| a.name.to_string()),
            None => None,
        };
        let assignee = match &t.assignee {
            Some(p) => self.store.person(p).await?.map(|p| p.name.to_string()),
            None => None,
        };
        let follow_up_of = match t.follow_up_of {
            Some(id) => self.store.ticket(id).await?.map(|t| t.key),
            None => None,
        };
        let events = self.store.events(t.id).await?;
        let level = escalation_level(&events);
        let escalation = match level {
            0 => None,
            l => self.settings.escalation_levels.get(l as usize - 1).map(|spec| spec.name.clone()),
        };
        // A solved or closed ticket has no open targets (its change may not be saved yet).
        let clocks = if t.status.is_active() { self.sla_clocks(t, &events, self.clock.now()).await? } else { Vec::new() };
        let sla = clocks
            .into_iter()
            .filter(|c| matches!(c.state, crate::sla::ClockState::Running | crate::sla::ClockState::Breached) && c.stopped_at.is_none())
            .filter_map(|c| Some((c.kind, c.due_at?, c.state == crate::sla::ClockState::Breached)))
            .collect();
        Ok(Msg::Card { ticket: Box::new(t.clone()), account, assignee, follow_up_of, escalation, sla, tz: self.settings.time_zone })
    }

    /// Saves a changed ticket with its events, notices and an updated card.
    async fn save(&self, before: Ticket, after: Ticket, events: Vec<NewEvent>, replies: Vec<Reply>) -> Result<(), EngineError> {
        self.save_with(before, &after, Effects { events, replies, outbound: Vec::new() }).await
    }

    /// Saves a changed ticket with everything it causes: events, replies (rendered here),
    /// ready outbox rows, and an updated card when what it shows changed.
    async fn save_with(&self, before: Ticket, after: &Ticket, fx: Effects) -> Result<(), EngineError> {
        let Effects { events, mut replies, outbound } = fx;
        if events.is_empty() && replies.is_empty() && outbound.is_empty() {
            return Ok(());
        }
        self.settle_langs(&mut replies).await?;
        let after = after.clone();
        let mut outbox: Vec<NewOutbound> = replies.iter().map(|r| NewOutbound::message(render(r))).collect();
        outbox.extend(outbound);
        let escalation_changed = events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Escalated { .. } | EventKind::Deescalated { .. }));
        let card_changed = before.status != after.status
            || before.priority != after.priority
            || before.assignee != after.assignee
            || before.tags != after.tags
            || escalation_changed;
        if let (true, Some(card)) = (card_changed, &after.card_message) {
            let mut reply = self.thread_reply(&after, self.card_msg(&after).await?);
            reply.replaces = Some(card.clone());
            self.settle_langs(std::slice::from_mut(&mut reply)).await?;
            let mut message = render(&reply);
            // The card's last edit ends a closed ticket's conversation (after the notices).
            if after.status == TicketStatus::Closed && before.status != TicketStatus::Closed {
                message.conversation = Conversation::Ends;
            }
            outbox.push(NewOutbound { message, ticket: Some(after.id), purpose: OutboundPurpose::Message });
        }
        self.store.apply(TicketChange { ticket: after, events, outbox }, self.clock.now()).await?;
        Ok(())
    }

    /// Opens a ticket (or finds the one already opened from the same message) and queues
    /// its card in the same transaction.
    async fn open(&self, req: OpenRequest) -> Result<(Ticket, bool), EngineError> {
        let account = self.store.account_for_channel(&req.channel).await?;
        self.open_for(account, req).await
    }

    /// [`Self::open`] with the channel's account already looked up.
    async fn open_for(&self, account: Option<crate::domain::Account>, req: OpenRequest) -> Result<(Ticket, bool), EngineError> {
        // A private conversation (the intake panel, a private support channel) is not a thread
        // on the customer's message: the card opens it, and becomes its root once posted.
        let private = req.via == IntakeVia::Panel || self.settings.channel(&req.channel).private_threads;
        let private_with = (private && req.requester.platform == req.channel.platform).then(|| req.requester.user.clone());
        let thread = if private_with.is_some() { None } else { req.thread };
        let new = NewTicket {
            account: account.as_ref().map(|a| a.id.clone()),
            key_prefix: account.as_ref().map(|a| a.key_prefix()).unwrap_or_else(crate::domain::KeyPrefix::default_prefix),
            requester: req.requester,
            title: req.title,
            priority: req.priority.unwrap_or(self.settings.default_priority),
            assignee: None,
            tags: Default::default(),
            origin: Origin { channel: req.channel.clone(), message: req.message, thread },
            opened_at: req.opened_at,
            follow_up_of: req.follow_up_of.as_ref().map(|t| t.id),
            via: req.via,
            opened_by: req.opened_by,
            description: req.description,
        };
        // The new ticket's SLA due times, for its first card.
        let sla_due: Vec<(crate::domain::SlaTarget, DateTime<Utc>, bool)> =
            match crate::sla::select(&self.settings.sla_rules, account.as_ref().map(|a| &a.tier), new.priority) {
                Some(policy) => crate::sla::clocks(policy, new.opened_at, &[], self.clock.now().max(new.opened_at))
                    .into_iter()
                    .filter_map(|c| Some((c.kind, c.due_at?, c.state == crate::sla::ClockState::Breached)))
                    .collect(),
                None => Vec::new(),
            };
        let lang = self.settings.channel_lang_with(&req.channel, account.as_ref());
        let tz = self.settings.time_zone;
        let account_name = account.map(|a| a.name.to_string());
        let follow_up_key = req.follow_up_of.map(|t| t.key);
        let mark_emoji = (self.settings.mark_opened && !self.settings.open_emoji.is_empty())
            .then(|| self.settings.open_emoji.clone());
        let render_card = move |t: &Ticket| {
            let to = ticket_destination(t);
            let msg = Msg::Card {
                ticket: Box::new(t.clone()),
                account: account_name.clone(),
                assignee: None,
                follow_up_of: follow_up_key.clone(),
                escalation: None,
                sla: sla_due.clone(),
                tz,
            };
            let reply = Reply { to, lang: lang.clone(), msg, replaces: None };
            let mut message = render(&reply);
            if let (Some(with), None) = (&private_with, &t.origin.thread) {
                message.conversation = Conversation::OpensPrivately { with: with.clone() };
            }
            let mut out = vec![NewOutbound { message, ticket: Some(t.id), purpose: OutboundPurpose::TicketCard }];
            if let (Some(emoji), Some(message)) = (&mark_emoji, &t.origin.message) {
                // The message that became the ticket, marked for everyone in the channel.
                let target = baton_chat::MessageRef { channel: t.origin.channel.clone(), message: message.clone() };
                out.push(NewOutbound {
                    message: OutboundMessage {
                        destination: Destination::Mark { target, emoji: emoji.clone() },
                        text: emoji[0].clone(),
                        card: None,
                        replaces: None,
                        attachments: vec![],
                        conversation: Conversation::Continues,
                    },
                    ticket: Some(t.id),
                    purpose: OutboundPurpose::Message,
                });
            }
            out
        };
        let (ticket, created) = self.store.open_ticket(&new, self.clock.now(), &render_card).await?;
        if created {
            tracing::info!(key = %ticket.key, account = ?ticket.account, via = %new.via, "ticket opened");
            crate::telemetry::metrics().tickets_opened.inc();
            if ticket.priority == Priority::Urgent {
                // Opened as urgent: the same triggers as becoming urgent.
                let mut as_if = ticket.clone();
                as_if.priority = Priority::Normal;
                let history = self.store.events(ticket.id).await?;
                let mut fx = Effects::default();
                self.auto_bridge(&as_if, &ticket, &history, &[], ticket.opened_at, &mut fx).await?;
                self.save_with(ticket.clone(), &ticket, fx).await?;
                let fresh = self.store.ticket(ticket.id).await?.unwrap_or(ticket);
                return Ok((fresh, created));
            }
        }
        Ok((ticket, created))
    }
}

/// A configured duration; `check-config` has refused bad ones, so the fallback is a default.
fn duration(s: &str, default_days: i64) -> chrono::Duration {
    crate::config::parse_duration(s)
        .ok()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or_else(|| chrono::Duration::days(default_days))
}

/// Where a ticket's conversation is: its thread, or its channel while the card (the thread's
/// root) is not posted yet.
fn ticket_destination(t: &Ticket) -> Destination {
    match &t.origin.thread {
        Some(thread) => Destination::Thread { channel: t.origin.channel.clone(), thread: thread.clone() },
        None => Destination::Channel { channel: t.origin.channel.clone() },
    }
}

/// Deterministic sampling by ticket id: the same ticket always gets the same answer.
fn sampled(id: i64, rate: f64) -> bool {
    if rate >= 1.0 {
        return true;
    }
    let h = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
    (h as f64 / (1u64 << 53) as f64) < rate
}

fn set_status(t: &mut Ticket, to: TicketStatus, events: &mut Vec<NewEvent>, actor: Actor, at: DateTime<Utc>) {
    if t.status != to {
        events.push(NewEvent { kind: EventKind::StatusChanged { from: t.status, to }, actor, occurred_at: at });
        t.status = to;
    }
}

#[cfg(test)]
mod test_world;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod bridge_tests;
#[cfg(test)]
mod auth_tests;
