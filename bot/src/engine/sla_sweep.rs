//! The SLA sweep: finds tickets whose clocks passed the warning threshold or breached, and
//! posts each warning and breach once (recorded as events, so restarts and replicas never
//! repeat them). Breaches escalate and hand off as configured.
//!
//! A pass evaluates only the tickets that are due: each ticket stores the next instant its
//! clocks can warn or breach (`sla_next_check_at`, computed by the pass that swept it, see
//! [`Engine::sla_next_check`]), and every change that can move its clocks makes it due at
//! once. The rules come from configuration and may differ after a restart, so the first pass
//! of a process evaluates every active ticket and recomputes every next check, unless the
//! database says the last such pass ran with the same rules (their fingerprint, in
//! `bot_state`): a restart or another replica with the same configuration sweeps only the due
//! tickets. Nothing here depends on which replica sweeps: the next check is a function of the
//! ticket, its log and the rules, and a pass writes it only on a ticket that did not change
//! since it was read. (While replicas with different rules run side by side, during a rolling
//! deploy that changes them, a ticket keeps the next check of whichever swept it last until
//! that check comes or the ticket changes.)

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;

use chrono::{DateTime, SubsecRound, Utc};
use futures_util::StreamExt;

use super::bridge::Effects;
use super::{Engine, EngineError};
use crate::domain::{AccountId, Actor, EventKind, NewEvent, Ticket, TicketEvent, TicketId, Tier};
use crate::render::{Msg, Notice};
use crate::sla::{self, ClockState, SlaClock};
use crate::store::{SlaCandidate, SlaNextCheck, StoreError};

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

/// Tickets the sweep saves at once (each posting is its own transaction).
const SWEEP_WRITERS: usize = 8;

/// What sweeping one ticket did.
enum Swept {
    /// Posted a warning or breach. Saving it made the ticket due again, so the next pass
    /// computes its next check from the log with them.
    Posted,
    /// Nothing to post now; when something can be (`None`: not until the ticket changes).
    Quiet(Option<DateTime<Utc>>),
    /// The ticket changed meanwhile; the change made it due, and the next pass decides again.
    Changed,
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

    /// The next instant after `now` at which a ticket's `clocks` (computed from `events` as of
    /// `now`) can call for a warning or breach not yet in the log, if the ticket does not change
    /// meanwhile: the warning threshold or due time of a running clock, or an event of the log
    /// dated after `now` (it counts from then). `None`: nothing can happen until it changes
    /// (no clock running, or every warning and breach posted).
    pub fn sla_next_check(clocks: &[SlaClock], events: &[TicketEvent], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut next = events.iter().map(|e| e.occurred_at).filter(|at| *at > now).min();
        for c in clocks {
            if c.state != ClockState::Running || already(events, c, true) {
                continue;
            }
            let warn = c.warn_at.filter(|_| !already(events, c, false));
            for at in [warn, c.due_at].into_iter().flatten().filter(|at| *at > now) {
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
        next
    }

    /// One pass of the SLA sweep. Returns how many tickets got a warning or breach.
    ///
    /// The first pass of this engine (and its clones) evaluates every active ticket, unless
    /// the last pass that did ran with the same rules; later passes only those due by `now`
    /// (see the [module documentation](self)). Reads in bulk:
    /// the tickets in one query, their accounts' tiers in one, the event logs [`SWEEP_BATCH`]
    /// tickets at a time, and writes each batch's next checks in one statement per 500. The
    /// tickets with a warning or breach to post are saved up to [`SWEEP_WRITERS`] at once.
    pub async fn sla_sweep(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        if self.settings.sla_rules.is_empty() {
            return Ok(0);
        }
        if self.sla_swept_all.load(Ordering::SeqCst) {
            return self.sla_pass(now, false).await;
        }
        // This process's first pass: every active ticket, unless the next checks stored were
        // all computed with these very rules (a restart without a change of rules).
        let ours = sla::rules_fingerprint(&self.settings.sla_rules);
        let stored = self.store.bot_state(sla::RULES_FINGERPRINT_STATE).await?;
        let all = stored.as_deref() != Some(ours.as_str());
        if !all {
            tracing::info!("SLA rules unchanged since the last full sweep: sweeping the due tickets only");
        }
        let done = self.sla_pass(now, all).await?;
        if all {
            // Only once every next check is computed: a process stopped halfway leaves the old
            // fingerprint, and the next start sweeps everything again.
            self.store.set_bot_state(sla::RULES_FINGERPRINT_STATE, &ours).await?;
        }
        self.sla_swept_all.store(true, Ordering::SeqCst);
        Ok(done)
    }

    /// Sweeps every active ticket (`all`) or the due ones, and stores their next checks.
    async fn sla_pass(&self, now: DateTime<Utc>, all: bool) -> Result<usize, EngineError> {
        let candidates = self.store.sla_candidates(if all { None } else { Some(now) }).await?;
        if candidates.is_empty() {
            return Ok(0);
        }
        // Every tier in one scan for a full pass; only the accounts concerned for a due one.
        let accounts: BTreeSet<AccountId> = candidates.iter().filter_map(|c| c.ticket.account.clone()).collect();
        let tiers: BTreeMap<AccountId, Tier> = if accounts.is_empty() {
            BTreeMap::new()
        } else if all {
            self.store.account_tiers().await?
        } else {
            self.store.account_tiers_of(&accounts.into_iter().collect::<Vec<_>>()).await?
        };
        let mut done = 0;
        for batch in candidates.chunks(SWEEP_BATCH) {
            // The policy of each ticket; those without one have nothing to check until they change.
            let policies: Vec<Option<&sla::SlaPolicy>> = batch
                .iter()
                .map(|c| {
                    let tier = c.ticket.account.as_ref().and_then(|a| tiers.get(a));
                    sla::select(&self.settings.sla_rules, tier, c.ticket.priority)
                })
                .collect();
            let ids: Vec<TicketId> = batch.iter().zip(&policies).filter(|(_, p)| p.is_some()).map(|(c, _)| c.ticket.id).collect();
            let mut logs = self.store.events_of(&ids, None).await?;
            // A ticket with something to post is one write of its own (its notices, events,
            // escalation or handoff), made up to `SWEEP_WRITERS` at once: one after the other,
            // an hour's backlog of breaches waited on each round trip in turn.
            let mut work = Vec::with_capacity(batch.len());
            for (c, policy) in batch.iter().zip(policies) {
                let events = logs.remove(&c.ticket.id).unwrap_or_default();
                work.push(async move {
                    let swept = match policy {
                        None => Ok(Swept::Quiet(None)),
                        Some(policy) => self.sweep_ticket(&c.ticket, policy, &events, now).await,
                    };
                    (c, swept)
                });
            }
            let swept: Vec<(&SlaCandidate, Result<Swept, EngineError>)> =
                futures_util::stream::iter(work).buffer_unordered(SWEEP_WRITERS).collect().await;
            let mut checks = Vec::with_capacity(batch.len());
            for (SlaCandidate { ticket: t, stamp, next_check }, swept) in swept {
                let at = match swept? {
                    Swept::Posted => {
                        done += 1;
                        continue;
                    }
                    Swept::Changed => continue,
                    Swept::Quiet(at) => at,
                };
                // Unchanged (as stored: to the microsecond): nothing to write.
                if at.map(|a| a.trunc_subsecs(6)) != *next_check {
                    checks.push(SlaNextCheck { ticket: t.id, version: t.version, stamp: *stamp, at });
                }
            }
            self.store.set_sla_next_checks(&checks).await?;
        }
        Ok(done)
    }

    /// Posts what one ticket's clocks call for.
    async fn sweep_ticket(&self, t: &Ticket, policy: &sla::SlaPolicy, events: &[TicketEvent], now: DateTime<Utc>) -> Result<Swept, EngineError> {
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
            return Ok(Swept::Quiet(Self::sla_next_check(&clocks, events, now)));
        }
        for target in breached {
            crate::telemetry::metrics().sla_breaches.inc();
            self.on_breach(t, events, target, now, &mut fx).await?;
        }
        match self.save_with(t.clone(), t, fx).await {
            Ok(()) => Ok(Swept::Posted),
            // Changed meanwhile (a reply, another replica): the next pass decides again.
            Err(EngineError::Store(StoreError::Conflict)) => Ok(Swept::Changed),
            Err(e) => Err(e),
        }
    }
}
