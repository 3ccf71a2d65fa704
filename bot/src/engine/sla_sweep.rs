//! The SLA sweep: finds tickets whose clocks passed the warning threshold or breached, and
//! posts each warning and breach once (recorded as events, so restarts and replicas never
//! repeat them). Breaches escalate and hand off as configured.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::bridge::Effects;
use super::{Engine, EngineError};
use crate::domain::{AccountId, Actor, EventKind, NewEvent, Ticket, TicketEvent, Tier};
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
    pub(super) async fn sla_sweep(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        if self.settings.sla_rules.is_empty() {
            return Ok(0);
        }
        let mut tiers: HashMap<AccountId, Option<Tier>> = HashMap::new();
        let mut done = 0;
        for t in self.store.tickets(&TicketFilter { active_only: true, ..Default::default() }).await? {
            let tier = match &t.account {
                Some(a) => match tiers.get(a) {
                    Some(tier) => tier.clone(),
                    None => {
                        let tier = self.store.account(a).await?.map(|a| a.tier);
                        tiers.insert(a.clone(), tier.clone());
                        tier
                    }
                },
                None => None,
            };
            let Some(policy) = sla::select(&self.settings.sla_rules, tier.as_ref(), t.priority) else { continue };
            let events = self.store.events(t.id).await?;
            let clocks = sla::clocks(policy, t.opened_at, &events, now);
            let mut fx = Effects::default();
            let mut breached = Vec::new();
            for c in &clocks {
                let Some(due) = c.due_at else { continue };
                if c.state == ClockState::Breached && !already(&events, c, true) {
                    fx.events.push(NewEvent {
                        kind: EventKind::SlaBreached { target: c.kind, due },
                        actor: Actor::System,
                        occurred_at: due,
                    });
                    fx.replies.push(self.thread_reply(&t, Msg::Notice(Notice::SlaBreached { key: t.key.clone(), target: c.kind, due, tz: self.settings.time_zone })));
                    breached.push(c.kind);
                } else if c.warning && !already(&events, c, false) && !already(&events, c, true) {
                    let at = c.warn_at.unwrap_or(now).min(now);
                    fx.events.push(NewEvent { kind: EventKind::SlaWarning { target: c.kind, due }, actor: Actor::System, occurred_at: at });
                    fx.replies.push(self.thread_reply(&t, Msg::Notice(Notice::SlaWarning { key: t.key.clone(), target: c.kind, due, tz: self.settings.time_zone })));
                }
            }
            if fx.events.is_empty() {
                continue;
            }
            for target in breached {
                crate::telemetry::metrics().sla_breaches.inc();
                self.on_breach(&t, &events, target, now, &mut fx).await?;
            }
            match self.save_with(t.clone(), &t, fx).await {
                Ok(()) => done += 1,
                // Changed meanwhile (a reply, another replica): the next pass decides again.
                Err(EngineError::Store(StoreError::Conflict)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }
}
