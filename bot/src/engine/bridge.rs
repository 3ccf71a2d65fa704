//! The bridge between support and success: escalation along the configured chain, and the
//! CSM handoff (a DM with the account's whole context, acknowledged, re-pinged, escalated
//! to the CSM's manager when nobody answers).

use baton_chat::{ChannelRef, Destination, MessageId, Platform, UserId};
use chrono::{DateTime, Duration, Utc};

use super::{Engine, EngineError, Who};
use crate::domain::{
    Account, Actor, EventKind, LogFacts, NewEvent, Person, PersonId, Priority, Role, SlaTarget, Ticket, TicketEvent, TicketKey,
};
use crate::render::{AccountContext, ConversationLine, EscalationNotice, HandoffContext, HandoffReason, HealthView, Msg, Reply};
use crate::store::{LogQuery, NewOutbound, OutboundPurpose, TicketFilter};

/// One level of the escalation chain.
#[derive(Clone, Debug, PartialEq)]
pub struct EscalationLevel {
    pub name: String,
    pub channel: Option<ChannelRef>,
    pub people: Vec<PersonId>,
}

/// How CSM handoffs behave.
#[derive(Clone, Debug)]
pub struct HandoffSettings {
    pub fallback: Option<ChannelRef>,
    pub reping_after: Duration,
    pub escalate_after: Duration,
    pub on_urgent: bool,
    pub on_escalation: bool,
    pub on_breach: bool,
    pub summary_messages: usize,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            fallback: None,
            reping_after: Duration::hours(4),
            escalate_after: Duration::hours(24),
            on_urgent: true,
            on_escalation: true,
            on_breach: true,
            summary_messages: 6,
        }
    }
}

/// The escalation level a ticket is at (0: not escalated), from its log.
pub fn escalation_level(events: &[TicketEvent]) -> u32 {
    LogFacts::of(events).escalation_level
}

/// The open handoff (sent, not acknowledged): when it was last sent or updated, and to whom.
/// Re-pings count from the latest update.
pub fn open_handoff(events: &[TicketEvent]) -> Option<(DateTime<Utc>, Option<PersonId>)> {
    let mut open = None;
    for e in events {
        match &e.kind {
            EventKind::HandedOff { csm, .. } => open = Some((e.occurred_at, csm.clone())),
            EventKind::HandoffAcknowledged { .. } => open = None,
            _ => {}
        }
    }
    open
}

/// Customer messages since the last agent message.
pub fn unanswered_customer_messages(events: &[TicketEvent]) -> u32 {
    LogFacts::of(events).unanswered
}

/// Where a person can be reached by DM: on `prefer` if they have an id there, else on the
/// first platform they do (a Slack-only CSM gets a Discord ticket's handoff on Slack).
pub fn reach(person: &Person, prefer: Platform) -> Option<(Platform, UserId)> {
    if let Some(u) = person.handle(prefer) {
        return Some((prefer, u));
    }
    person.handles.iter().next().map(|(p, u)| (*p, u.clone()))
}

/// What the bridge adds to a ticket change: events, replies, and outbox rows.
#[derive(Default)]
pub(super) struct Effects {
    pub events: Vec<NewEvent>,
    pub replies: Vec<Reply>,
    pub outbound: Vec<NewOutbound>,
}

impl Engine {
    /// Moves `t` up one level (or to `to_level`), posting the summary to the level's channel
    /// (or pinging its people), and hands off to the CSM when configured. Returns `false`
    /// when the ticket is already at the top of the chain.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn escalate(
        &self,
        t: &Ticket,
        history: &[TicketEvent],
        by: Actor,
        by_name: String,
        reason: Option<String>,
        at: DateTime<Utc>,
        fx: &mut Effects,
    ) -> Result<bool, EngineError> {
        let current = escalation_level(history);
        let levels = &self.settings.escalation_levels;
        if current as usize >= levels.len() {
            return Ok(false);
        }
        let level = current + 1;
        let spec = &levels[level as usize - 1];
        fx.events.push(NewEvent { kind: EventKind::Escalated { level, reason: reason.clone() }, actor: by, occurred_at: at });
        let mut people = Vec::new();
        for id in &spec.people {
            if let Some(p) = self.store.person(id).await? {
                people.push(p);
            }
        }
        let notice = EscalationNotice {
            key: t.key.clone(),
            title: t.title.to_string(),
            account: self.account_name(t).await?,
            level,
            level_name: spec.name.clone(),
            reason: reason.clone(),
            by: by_name,
            thread: thread_ref(t),
            ping: people.iter().map(|p| p.name.to_string()).collect(),
        };
        match &spec.channel {
            Some(channel) => fx.replies.push(Reply {
                to: Destination::Channel { channel: channel.clone() },
                lang: self.settings.channel_lang(channel),
                msg: Msg::Escalated(notice),
                replaces: None,
            }),
            None => {
                for p in &people {
                    if let Some((platform, user)) = reach(p, t.origin.channel.platform) {
                        fx.replies.push(Reply {
                            to: Destination::Direct { platform, user },
                            lang: self.person_lang(p),
                            msg: Msg::Escalated(notice.clone()),
                            replaces: None,
                        });
                    }
                }
            }
        }
        if self.settings.handoff.on_escalation {
            let why = HandoffReason::Escalated { level_name: spec.name.clone() };
            self.handoff(t, history, why, reason, at, fx).await?;
        }
        Ok(true)
    }

    /// Moves `t` down one level and says so in the level's channel it leaves.
    pub(super) fn deescalate(&self, t: &Ticket, history: &[TicketEvent], by: Actor, at: DateTime<Utc>, fx: &mut Effects) -> bool {
        let current = escalation_level(history);
        if current == 0 {
            return false;
        }
        fx.events.push(NewEvent { kind: EventKind::Deescalated { level: current - 1 }, actor: by, occurred_at: at });
        self.close_loop(t, current, false, fx);
        true
    }

    /// Tells the channel of `level` that the ticket left it (solved, or de-escalated).
    pub(super) fn close_loop(&self, t: &Ticket, level: u32, solved: bool, fx: &mut Effects) {
        let Some(spec) = self.settings.escalation_levels.get(level as usize - 1) else { return };
        if let Some(channel) = &spec.channel {
            let msg = if solved {
                Msg::EscalationSolved { key: t.key.clone(), level_name: spec.name.clone() }
            } else {
                Msg::Deescalated { key: t.key.clone(), level_name: spec.name.clone() }
            };
            fx.replies.push(Reply {
                to: Destination::Channel { channel: channel.clone() },
                lang: self.settings.channel_lang(channel),
                msg,
                replaces: None,
            });
        }
    }

    /// Sends (or updates in place) the CSM handoff for `t`. One open handoff per ticket:
    /// a new trigger while one is open updates the DM with the new reason.
    pub(super) async fn handoff(
        &self,
        t: &Ticket,
        history: &[TicketEvent],
        reason: HandoffReason,
        note: Option<String>,
        at: DateTime<Utc>,
        fx: &mut Effects,
    ) -> Result<(), EngineError> {
        let account = match &t.account {
            Some(a) => self.store.account(a).await?,
            None => None,
        };
        let csm = match account.as_ref().and_then(|a| a.csm.as_ref()) {
            Some(id) => self.store.person(id).await?,
            None => None,
        };
        let reachable = csm.as_ref().and_then(|p| reach(p, t.origin.channel.platform).map(|r| (p, r)));
        fx.events.push(NewEvent {
            kind: EventKind::HandedOff {
                csm: csm.as_ref().map(|p| p.id.clone()),
                reason: reason.code(),
                note: note.clone(),
            },
            actor: Actor::System,
            occurred_at: at,
        });
        let pending = fx.events.clone();
        let ctx = self
            .handoff_context(t, history, &pending, account.as_ref(), reason, note, reachable.is_none(), at)
            .await?;
        match reachable {
            Some((person, (platform, user))) => {
                let lang = self.person_lang(person);
                let already_open = open_handoff(history).is_some();
                let previous = if already_open {
                    self.store.latest_delivered(t.id, OutboundPurpose::Handoff).await?
                } else {
                    None
                };
                let reply = Reply {
                    to: Destination::Direct { platform, user },
                    lang,
                    msg: Msg::Handoff(Box::new(ctx)),
                    replaces: previous.map(|(_, id)| id),
                };
                fx.outbound.push(NewOutbound {
                    message: crate::render::render(&reply),
                    ticket: Some(t.id),
                    purpose: OutboundPurpose::Handoff,
                });
            }
            None => match &self.settings.handoff.fallback {
                Some(channel) => fx.replies.push(Reply {
                    to: Destination::Channel { channel: channel.clone() },
                    lang: self.settings.channel_lang(channel),
                    msg: Msg::Handoff(Box::new(ctx)),
                    replaces: None,
                }),
                None => tracing::warn!(key = %t.key, "handoff with no CSM and no handoff.fallback_channel"),
            },
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn handoff_context(
        &self,
        t: &Ticket,
        history: &[TicketEvent],
        pending: &[NewEvent],
        account: Option<&Account>,
        reason: HandoffReason,
        note: Option<String>,
        no_csm: bool,
        at: DateTime<Utc>,
    ) -> Result<HandoffContext, EngineError> {
        let account_ctx = match account {
            Some(a) => Some(self.account_context(a, pending, at).await?),
            None => None,
        };
        // The last few messages of the conversation, oldest first.
        let mut conversation: Vec<ConversationLine> = Vec::new();
        for e in history.iter().rev() {
            let (customer, text) = match &e.kind {
                EventKind::CustomerMessage { text, .. } => (true, text),
                EventKind::AgentMessage { text, .. } => (false, text),
                EventKind::Opened { description: Some(d), .. } => (true, d),
                _ => continue,
            };
            let name = match (&e.kind, &e.actor) {
                (EventKind::Opened { .. }, _) => t.requester.display_name.clone(),
                (_, Actor::Person { id }) => {
                    self.store.person(id).await?.map(|p| p.name.to_string()).unwrap_or_else(|| id.to_string())
                }
                (_, Actor::ChatUser { display_name, .. }) => display_name.clone(),
                (_, Actor::System) => continue,
            };
            conversation.push(ConversationLine { customer, name, text: crate::render::trim_text(text, 280) });
            if conversation.len() >= self.settings.handoff.summary_messages {
                break;
            }
        }
        conversation.reverse();
        Ok(HandoffContext {
            key: t.key.clone(),
            title: t.title.to_string(),
            priority: t.priority,
            status: t.status,
            age: at - t.opened_at,
            account: account_ctx,
            reason,
            note,
            conversation,
            thread: thread_ref(t),
            no_csm,
        })
    }

    /// The account's context; `pending` are events of the change being made (the breach or
    /// escalation that triggered the handoff), counted as if already saved.
    async fn account_context(&self, a: &Account, pending: &[NewEvent], at: DateTime<Utc>) -> Result<AccountContext, EngineError> {
        let tickets = self
            .store
            .tickets(&TicketFilter { account: Some(a.id.clone()), ..Default::default() })
            .await?;
        let since = at - Duration::days(30);
        let mut open: Vec<TicketKey> = Vec::new();
        let (mut escalations, mut breaches) = (0, 0);
        let mut last_csat: Option<(DateTime<Utc>, u8, TicketKey)> = None;
        for t in &tickets {
            if t.status.is_active() {
                open.push(t.key.clone());
            }
            for e in self.store.events(t.id).await? {
                match &e.kind {
                    EventKind::Escalated { .. } if e.occurred_at >= since => escalations += 1,
                    EventKind::SlaBreached { .. } if e.occurred_at >= since => breaches += 1,
                    EventKind::CsatReceived { rating, .. } if last_csat.as_ref().is_none_or(|(when, _, _)| e.occurred_at >= *when) => {
                        last_csat = Some((e.occurred_at, rating.value(), t.key.clone()));
                    }
                    _ => {}
                }
            }
        }
        for e in pending.iter().filter(|e| e.occurred_at >= since) {
            match e.kind {
                EventKind::Escalated { .. } => escalations += 1,
                EventKind::SlaBreached { .. } => breaches += 1,
                _ => {}
            }
        }
        let (health, _) = self.account_health(a, at).await?;
        let earlier_day = at.date_naive() - Duration::days(self.settings.at_risk.drop_days);
        let earlier = self.store.health_on_or_before(&a.id, earlier_day).await?;
        let trend = earlier.as_ref().map(|(day, h)| (*day, i32::from(health.score) - i32::from(h.score)));
        Ok(AccountContext {
            health: Some(HealthView { score: health.score, trend, reasons: health.reasons }),
            name: a.name.to_string(),
            tier: a.tier.to_string(),
            arr: a.arr,
            renewal_date: a.renewal_date,
            days_to_renewal: a.renewal_date.map(|d| (d - at.date_naive()).num_days()),
            open_tickets: open,
            escalations_30d: escalations,
            breaches_30d: breaches,
            last_csat: last_csat.map(|(_, r, k)| (r, k)),
        })
    }

    async fn account_name(&self, t: &Ticket) -> Result<Option<String>, EngineError> {
        Ok(match &t.account {
            Some(a) => self.store.account(a).await?.map(|a| a.name.to_string()),
            None => None,
        })
    }

    pub(super) fn person_lang(&self, p: &Person) -> unic_langid::LanguageIdentifier {
        self.settings.person_lang(p)
    }

    /// Automatic triggers after a change: urgent, too many unanswered customer messages.
    pub(super) async fn auto_bridge(
        &self,
        before: &Ticket,
        after: &Ticket,
        history: &[TicketEvent],
        new_events: &[NewEvent],
        at: DateTime<Utc>,
        fx: &mut Effects,
    ) -> Result<(), EngineError> {
        if !after.status.is_active() {
            return Ok(());
        }
        let became_urgent = after.priority == Priority::Urgent && before.priority != Priority::Urgent;
        let mut all: Vec<TicketEvent> = history.to_vec();
        all.extend(new_events.iter().map(|e| TicketEvent {
            id: 0,
            ticket: after.id,
            kind: e.kind.clone(),
            actor: e.actor.clone(),
            occurred_at: e.occurred_at,
            recorded_at: at,
        }));
        let level = escalation_level(&all);
        let threshold = self.settings.escalate_after_unanswered;
        let unanswered = threshold > 0
            && unanswered_customer_messages(&all) == threshold
            && new_events.iter().any(|e| matches!(e.kind, EventKind::CustomerMessage { .. }));
        if became_urgent && self.settings.escalate_on_urgent && level == 0 {
            self.escalate(after, &all, Actor::System, String::new(), Some(HandoffReason::Urgent.code()), at, fx).await?;
        } else if unanswered && level == 0 {
            let reason = format!("{threshold} customer messages without a reply");
            self.escalate(after, &all, Actor::System, String::new(), Some(reason), at, fx).await?;
        } else if became_urgent && self.settings.handoff.on_urgent {
            self.handoff(after, &all, HandoffReason::Urgent, None, at, fx).await?;
        }
        Ok(())
    }

    /// Handles `/ticket escalate|deescalate|handoff|ack`.
    pub(super) async fn bridge_command(
        &self,
        who: &Who,
        t: &Ticket,
        command: BridgeCommand,
        at: DateTime<Utc>,
        fx: &mut Effects,
    ) -> Result<BridgeOutcome, EngineError> {
        let history = self.store.events(t.id).await?;
        let by = who.actor();
        let by_name = who.person.as_ref().map(|p| p.name.to_string()).unwrap_or_else(|| who.author.display_name.clone());
        match command {
            BridgeCommand::Escalate { reason } => {
                if !t.status.is_active() {
                    return Ok(BridgeOutcome::NotActive);
                }
                if self.settings.escalation_levels.is_empty() {
                    return Ok(BridgeOutcome::NoChain);
                }
                if self.escalate(t, &history, by, by_name, reason, at, fx).await? {
                    Ok(BridgeOutcome::Done)
                } else {
                    Ok(BridgeOutcome::AtTop)
                }
            }
            BridgeCommand::Deescalate => {
                if self.deescalate(t, &history, by, at, fx) {
                    Ok(BridgeOutcome::Done)
                } else {
                    Ok(BridgeOutcome::NotEscalated)
                }
            }
            BridgeCommand::Handoff { note } => {
                self.handoff(t, &history, HandoffReason::Manual { by: by_name }, note, at, fx).await?;
                Ok(BridgeOutcome::Done)
            }
            BridgeCommand::Acknowledge => {
                let Some(person) = &who.person else { return Ok(BridgeOutcome::NoHandoff) };
                if open_handoff(&history).is_none() {
                    return Ok(BridgeOutcome::NoHandoff);
                }
                fx.events.push(NewEvent {
                    kind: EventKind::HandoffAcknowledged { by: person.id.clone() },
                    actor: by,
                    occurred_at: at,
                });
                fx.replies.push(self.thread_reply(
                    t,
                    Msg::HandoffAcknowledged { key: t.key.clone(), name: person.name.to_string(), csm: person.role == Role::Csm },
                ));
                Ok(BridgeOutcome::Acknowledged)
            }
        }
    }

    /// Re-pings unacknowledged handoffs: the CSM again after `reping_after`, their manager
    /// after `escalate_after`. Each step is an event, so it happens once.
    pub(super) async fn handoff_timers(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut done = 0;
        // The active tickets ever handed off, with their handoff events only: a pass reads
        // no other ticket (nor any log in full) until one is due for a re-ping.
        let handed_off = LogQuery {
            touched_since: Some((DateTime::UNIX_EPOCH, &["handed_off"])),
            only_active: true,
            kinds: Some(&["handed_off", "handoff_acknowledged", "handoff_repinged"]),
            ..Default::default()
        };
        for (t, handoffs) in self.store.ticket_logs(&handed_off).await? {
            let Some((sent, Some(csm_id))) = open_handoff(&handoffs) else { continue };
            let waited = now - sent;
            let repinged: Vec<bool> = handoffs
                .iter()
                .filter(|e| e.occurred_at >= sent)
                .filter_map(|e| match e.kind {
                    EventKind::HandoffRepinged { manager, .. } => Some(manager),
                    _ => None,
                })
                .collect();
            let Some(csm) = self.store.person(&csm_id).await? else { continue };
            let (target, manager) = if waited >= self.settings.handoff.escalate_after && !repinged.contains(&true) {
                match &csm.manager {
                    Some(m) => (self.store.person(m).await?, true),
                    None => continue,
                }
            } else if waited >= self.settings.handoff.reping_after && repinged.is_empty() {
                (Some(csm.clone()), false)
            } else {
                continue;
            };
            let Some(target) = target else { continue };
            let Some((platform, user)) = reach(&target, t.origin.channel.platform) else { continue };
            let mut fx = Effects::default();
            fx.events.push(NewEvent {
                kind: EventKind::HandoffRepinged { to: Some(target.id.clone()), manager },
                actor: Actor::System,
                occurred_at: now,
            });
            let account = match &t.account {
                Some(a) => self.store.account(a).await?,
                None => None,
            };
            let reason = if manager {
                HandoffReason::Unacknowledged { csm: csm.name.to_string(), hours: waited.num_hours() }
            } else {
                HandoffReason::Reminder { hours: waited.num_hours() }
            };
            let history = self.store.events(t.id).await?;
            let ctx = self.handoff_context(&t, &history, &[], account.as_ref(), reason, None, false, now).await?;
            let reply = Reply {
                to: Destination::Direct { platform, user },
                lang: self.person_lang(&target),
                msg: Msg::Handoff(Box::new(ctx)),
                replaces: None,
            };
            fx.outbound.push(NewOutbound { message: crate::render::render(&reply), ticket: Some(t.id), purpose: OutboundPurpose::Message });
            match self.save_with(t.clone(), &t, fx).await {
                Ok(()) => done += 1,
                Err(EngineError::Store(crate::store::StoreError::Conflict)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    /// After an SLA breach: escalate (which hands off) or hand off, as configured.
    pub(super) async fn on_breach(
        &self,
        t: &Ticket,
        history: &[TicketEvent],
        target: SlaTarget,
        at: DateTime<Utc>,
        fx: &mut Effects,
    ) -> Result<(), EngineError> {
        if self.settings.escalate_on_breach && escalation_level(history) == 0 && !self.settings.escalation_levels.is_empty() {
            let reason = Some(HandoffReason::Breach { target }.code());
            self.escalate(t, history, Actor::System, String::new(), reason, at, fx).await?;
        } else if self.settings.handoff.on_breach {
            self.handoff(t, history, HandoffReason::Breach { target }, None, at, fx).await?;
        }
        Ok(())
    }
}

/// The bridge's commands.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum BridgeCommand {
    Escalate { reason: Option<String> },
    Deescalate,
    Handoff { note: Option<String> },
    Acknowledge,
}

/// What a bridge command did, for the reply to its sender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BridgeOutcome {
    Done,
    Acknowledged,
    AtTop,
    NoChain,
    NotEscalated,
    NotActive,
    NoHandoff,
}

/// Where the ticket's conversation is, for people to find it.
fn thread_ref(t: &Ticket) -> (ChannelRef, Option<MessageId>) {
    (t.origin.channel.clone(), t.origin.thread.clone())
}
