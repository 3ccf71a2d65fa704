//! The SLA sweep: finds tickets whose clocks passed the warning threshold or breached, and
//! posts each warning and breach once (recorded as events, so restarts and replicas never
//! repeat them). Breaches escalate and hand off as configured.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::bridge::Effects;
use super::{Engine, EngineError};
use crate::domain::{AccountId, Actor, EventKind, NewEvent, Ticket, TicketEvent, TicketId, Tier};
use crate::render::{Msg, Notice};
use crate::sla::{self, ClockState, SlaClock};
use crate::store::{StoreError, TicketFilter};

/// Whether a warning or breach for `clock` is already in the log: an event of that kind and
/// target recorded since the clock started.
fn already(events: &[TicketEvent], clock: &SlaClock, breach: bool) -> bool {
    events.iter().any(|e| {
        e.occurred_at >= clock.started_at
            && match &e.kind {
                EventKind::SlaBreached { target, .. } => breach && *target == clock.kind,
                EventKind::SlaWarning { target, .. } => !breach && *target == clock.kind,
                _ => false,
            }
    })
}

/// Tickets whose event logs the sweep loads per query.
pub const SWEEP_BATCH: usize = 2000;

impl Engine {
    /// The SLA clocks of a ticket now, if a policy applies to it.
    pub async fn sla_clocks(&self, t: &Ticket, events: &[TicketEvent], now: DateTime<Utc>) -> Result<Vec<SlaClock>, EngineError> {
        let tier = match &t.account {
            Some(a) => self.store.account(a).await?.map(|a| a.tier),
            None => None,
        };
        Ok(match sla::select(&self.settings.sla_rules, tier.as_ref(), t.priority) {
            Some(policy) => sla::clocks(policy, t.opened_at, events, now),
            None => Vec::new(),
        })
    }

    /// One pass over the active tickets. Returns how many tickets got a warning or breach.
    ///
    /// Reads in bulk: the active tickets in one query, every account's tier in one, and the
    /// event logs [`SWEEP_BATCH`] tickets at a time.
    pub async fn sla_sweep(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        if self.settings.sla_rules.is_empty() {
            return Ok(0);
        }
        let tickets = self.store.tickets(&TicketFilter { active_only: true, ..Default::default() }).await?;
        let tiers: BTreeMap<AccountId, Tier> =
            if tickets.iter().any(|t| t.account.is_some()) { self.store.account_tiers().await? } else { BTreeMap::new() };
        // The tickets a policy applies to, with it.
        let covered: Vec<(Ticket, &sla::SlaPolicy)> = tickets
            .into_iter()
            .filter_map(|t| {
                let tier = t.account.as_ref().and_then(|a| tiers.get(a));
                let policy = sla::select(&self.settings.sla_rules, tier, t.priority)?;
                Some((t, policy))
            })
            .collect();
        let mut done = 0;
        for batch in covered.chunks(SWEEP_BATCH) {
            let ids: Vec<TicketId> = batch.iter().map(|(t, _)| t.id).collect();
            let mut logs = self.store.events_of(&ids).await?;
            for (t, policy) in batch {
                let events = logs.remove(&t.id).unwrap_or_default();
                done += self.sweep_ticket(t, policy, &events, now).await?;
            }
        }
        Ok(done)
    }

    /// Posts what one ticket's clocks call for; 1 if it got a warning or breach.
    async fn sweep_ticket(&self, t: &Ticket, policy: &sla::SlaPolicy, events: &[TicketEvent], now: DateTime<Utc>) -> Result<usize, EngineError> {
        let clocks = sla::clocks(policy, t.opened_at, events, now);
        let mut fx = Effects::default();
        let mut breached = Vec::new();
        for c in &clocks {
            let Some(due) = c.due_at else { continue };
            if c.state == ClockState::Breached && !already(events, c, true) {
                fx.events.push(NewEvent {
                    kind: EventKind::SlaBreached { target: c.kind, due },
                    actor: Actor::System,
                    occurred_at: due,
                });
                fx.replies.push(self.thread_reply(t, Msg::Notice(Notice::SlaBreached { key: t.key.clone(), target: c.kind, due, tz: self.settings.time_zone })));
                breached.push(c.kind);
            } else if c.warning && !already(events, c, false) && !already(events, c, true) {
                let at = c.warn_at.unwrap_or(now).min(now);
                fx.events.push(NewEvent { kind: EventKind::SlaWarning { target: c.kind, due }, actor: Actor::System, occurred_at: at });
                fx.replies.push(self.thread_reply(t, Msg::Notice(Notice::SlaWarning { key: t.key.clone(), target: c.kind, due, tz: self.settings.time_zone })));
            }
        }
        if fx.events.is_empty() {
            return Ok(0);
        }
        for target in breached {
            crate::telemetry::metrics().sla_breaches.inc();
            self.on_breach(t, events, target, now, &mut fx).await?;
        }
        match self.save_with(t.clone(), t, fx).await {
            Ok(()) => Ok(1),
            // Changed meanwhile (a reply, another replica): the next pass decides again.
            Err(EngineError::Store(StoreError::Conflict)) => Ok(0),
            Err(e) => Err(e),
        }
    }
}
