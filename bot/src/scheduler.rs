//! The digest scheduler: posts each configured digest once per slot of its cron schedule.
//!
//! A **slot** is one time the schedule names, read in the digest's time zone (see
//! [`crate::config::CronSpec`]): a local time that happens twice when clocks go back is one
//! slot, a local time that does not exist when they go forward is none.
//!
//! What to do is a pure function of the time ([`decide`]): given the latest slot already
//! claimed for a digest and `now`,
//! - nothing, while no slot came since the latest claimed one;
//! - the latest slot at or before `now` otherwise, once, however many slots went by (after
//!   downtime only the latest missed slot is posted, with a note saying it is late and how
//!   many were missed; never a flood);
//! - for a digest never scheduled before, the latest past slot is recorded as passed over
//!   (it came before baton knew the digest), so the first post is the next slot.
//!
//! A slot is **claimed** in the database ([`Store::claim_digest_slot`]): the `digest_runs`
//! primary key admits one row per digest and slot, and the digest's messages go into the
//! outbox in the same transaction. Any number of replicas sharing one PostgreSQL may try the
//! same slot; exactly one posts it, and a crash never leaves a claimed slot without its
//! messages. [`Scheduler::tick`] does one pass at the clock's `now`; [`Scheduler::run`] repeats
//! it. Tests drive `tick` with a [`crate::clock::ManualClock`].

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::CronSpec;
use crate::digest::{Digests, DigestSpec, LateNote, Lateness, Occasion};
use crate::outbox::Outbox;
use crate::store::Store;

/// A slot posted more than this long after its time carries a note saying it is late. Well
/// above the pass interval, so that a replica starting just after a slot, while another is
/// about to post it on time, does not call it late.
pub const LATE_AFTER: Duration = Duration::minutes(5);

/// At most this many slots are stepped through when counting missed slots.
const MAX_STEPS: u32 = 100_000;

/// The first slot strictly after `t`.
pub fn next_slot(cron: &CronSpec, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    cron.next_after(&t.with_timezone(&tz)).map(|s| s.with_timezone(&Utc))
}

/// The latest slot at or before `t`.
pub fn latest_at_or_before(cron: &CronSpec, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // Look back over growing windows and step forward through the first that holds a slot.
    for back in [Duration::hours(1), Duration::days(1), Duration::days(8), Duration::days(32), Duration::days(367), Duration::days(5 * 366)] {
        let mut cursor = t - back;
        let mut latest = None;
        let mut steps = 0;
        while let Some(s) = next_slot(cron, tz, cursor) {
            if s > t || steps > MAX_STEPS {
                break;
            }
            latest = Some(s);
            cursor = s;
            steps += 1;
        }
        if latest.is_some() {
            return latest;
        }
    }
    None
}

/// The latest slot strictly before `t`.
pub fn previous_slot(cron: &CronSpec, tz: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    latest_at_or_before(cron, tz, t - Duration::nanoseconds(1)).filter(|s| *s < t)
}

/// What the scheduler does for one digest at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Nothing is due.
    Idle,
    /// The digest was never scheduled before: record `slot` as passed over.
    Baseline { slot: DateTime<Utc> },
    /// Post the digest for `slot`.
    Post { slot: DateTime<Utc>, late: Option<LateNote> },
}

/// Decides what is due for a digest (see the module docs). `last`: the latest slot claimed
/// for it; `running_since`: when this scheduler started. A slot posted more than
/// [`LATE_AFTER`] after its time is late: because baton was not running then if it came
/// before `running_since`, else because baton could not post it in time.
pub fn decide(
    cron: &CronSpec,
    tz: Tz,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    running_since: DateTime<Utc>,
) -> Decision {
    let Some(last) = last else {
        // Before baton knew the digest: pass over the latest slot so far (or, with no slot
        // in the past at all, mark the present, whole seconds as slots are).
        let slot = latest_at_or_before(cron, tz, now).unwrap_or_else(|| now.trunc_subsecs(0));
        return Decision::Baseline { slot };
    };
    let Some(first) = next_slot(cron, tz, last).filter(|s| *s <= now) else { return Decision::Idle };
    // Step from the first slot after `last` to the latest at or before `now`, counting.
    let mut slot = first;
    let mut skipped = 0u32;
    while let Some(next) = next_slot(cron, tz, slot).filter(|s| *s <= now) {
        if skipped >= MAX_STEPS {
            // Down for very long with a very frequent schedule: jump to the end.
            slot = latest_at_or_before(cron, tz, now).unwrap_or(next);
            break;
        }
        slot = next;
        skipped += 1;
    }
    let lateness = if now - slot <= LATE_AFTER {
        None
    } else if slot < running_since {
        Some(Lateness::NotRunning)
    } else {
        Some(Lateness::Delayed)
    };
    Decision::Post { slot, late: lateness.map(|lateness| LateNote { lateness, slot, skipped }) }
}

/// What one pass did for one digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Idle,
    /// The slot was recorded as passed over.
    Baseline { slot: DateTime<Utc> },
    /// This scheduler posted the slot, with this many messages.
    Posted { slot: DateTime<Utc>, messages: usize, late: bool },
    /// Another replica (or an earlier pass) had claimed the slot.
    AlreadyClaimed { slot: DateTime<Utc> },
}

/// Posts the configured digests on their schedules.
#[derive(Clone)]
pub struct Scheduler {
    store: Arc<dyn Store>,
    digests: Digests,
    specs: Arc<Vec<DigestSpec>>,
    clock: Arc<dyn Clock>,
    running_since: DateTime<Utc>,
    outbox: Option<Outbox>,
}

impl Scheduler {
    /// A scheduler for `specs`, started now (by `clock`).
    pub fn new(store: Arc<dyn Store>, digests: Digests, specs: Vec<DigestSpec>, clock: Arc<dyn Clock>) -> Self {
        let running_since = clock.now();
        Self { store, digests, specs: Arc::new(specs), clock, running_since, outbox: None }
    }

    /// Wakes this outbox worker when a digest is queued.
    pub fn with_outbox(mut self, outbox: Outbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    pub fn specs(&self) -> &[DigestSpec] {
        &self.specs
    }

    /// One pass at the clock's `now`: for each digest, claims and posts what is due. A
    /// failing digest is logged and does not stop the others; it is retried next pass.
    pub async fn tick(&self) -> Vec<(String, Outcome)> {
        let mut out = Vec::new();
        for spec in self.specs.iter() {
            match self.tick_one(spec).await {
                Ok(o) => out.push((spec.name.clone(), o)),
                Err(e) => tracing::error!(digest = %spec.name, error = %e, "digest not posted; will retry"),
            }
        }
        out
    }

    async fn tick_one(&self, spec: &DigestSpec) -> Result<Outcome, crate::digest::DigestError> {
        let now = self.clock.now();
        let last = self.store.last_digest_slot(&spec.name).await?;
        match decide(&spec.cron, spec.time_zone, last, now, self.running_since) {
            Decision::Idle => Ok(Outcome::Idle),
            Decision::Baseline { slot } => {
                if self.store.claim_digest_slot(&spec.name, slot, false, None, now).await? {
                    tracing::info!(digest = %spec.name, %slot, "digest scheduled; first slot after this one is posted");
                }
                Ok(Outcome::Baseline { slot })
            }
            Decision::Post { slot, late } => {
                let occasion = Occasion::slot(spec, slot, late);
                let messages = self.digests.render(spec, &occasion, now).await?;
                let count = messages.len();
                let queued: Vec<_> = messages.into_iter().map(crate::store::NewOutbound::message).collect();
                if self.store.claim_digest_slot(&spec.name, slot, late.is_some(), Some(&queued), now).await? {
                    tracing::info!(digest = %spec.name, %slot, messages = count, late = late.is_some(), "digest posted");
                    if let Some(o) = &self.outbox {
                        o.wake();
                    }
                    Ok(Outcome::Posted { slot, messages: count, late: late.is_some() })
                } else {
                    tracing::debug!(digest = %spec.name, %slot, "slot already claimed elsewhere");
                    Ok(Outcome::AlreadyClaimed { slot })
                }
            }
        }
    }

    /// Runs [`Scheduler::tick`] every `every` until `shutdown` turns true.
    pub async fn run(self, every: StdDuration, mut shutdown: watch::Receiver<bool>) {
        if self.specs.is_empty() {
            return;
        }
        loop {
            self.tick().await;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => break,
            }
        }
    }
}

#[cfg(test)]
mod tests;
