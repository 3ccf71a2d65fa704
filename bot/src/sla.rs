//! SLA clocks: policies, which policy applies to a ticket, the clocks of a ticket computed from
//! its event log, and compliance for a period.
//!
//! Everything here is a pure function of its inputs: no I/O, no store, and the current time is
//! always passed in (`now`). Clock arithmetic happens in the policy's [`Calendar`]: calendar
//! time ([`Calendar::always`]) or business hours in a time zone, minus holidays.
//!
//! # The clocks
//!
//! [`clocks`] reads a ticket's event log (the [`EventKind`]s of its [`TicketEvent`]s) as of
//! `now` and returns one [`SlaClock`] per target the policy sets:
//!
//! - **First response**: from the ticket's opening (`opened_at`) to the first
//!   [`EventKind::AgentMessage`]. Notes are not responses; bot messages are not in the log.
//! - **Next response**: after the first response, a customer message starts a clock when no
//!   response clock is running, and the next agent message stops it. Several customer messages
//!   in a row start *one* clock, at the first of them. (This generalises "a customer message
//!   that follows an agent message": it also covers a customer writing after a ticket was
//!   solved without any agent message, see below.)
//! - **Resolution**: from the opening to the last transition to solved (or to closed, for a
//!   ticket closed without being solved). It counts only while the status is new or open: time
//!   pending on the customer or on hold does not count. A reopen (a transition out of solved)
//!   resumes the same clock, keeping the time already used.
//!
//! Only [`EventKind::StatusChanged`] drives status (its `to`); the ticket starts as new.
//! Response clocks are not paused by pending or on-hold (only resolution is).
//!
//! ## Solved and closed tickets
//!
//! Solving or closing a ticket stops every running clock. A first- or next-response clock still
//! waiting for a reply then ends [`ClockState::NotApplicable`]: nobody is waiting for a reply
//! any more, so it never breaches afterwards and does not count for compliance. If its due time
//! had already passed before the solve it stays [`ClockState::Breached`] (the breach happened).
//! A customer message while the ticket is solved or closed starts no clock by itself; if the
//! ticket is reopened (at the same instant, as the engine does when a customer writes within
//! the reopen window, or later) and no agent has answered in between, a next-response clock
//! starts at the reopen.
//!
//! ## Due, met and breached
//!
//! A clock's due time is the instant its counted time reaches the target (see
//! [`SlaClock::due_at`]). A clock stopped by a reply or a solve at or before its due time is
//! [`ClockState::Met`]; one stopped after it, or still running or paused at or after it, is
//! [`ClockState::Breached`] (a breach is final: pausing or reopening does not undo it). The due
//! time is an instant, not an amount: a reply on Friday at 18:00 to a clock due at the 17:00
//! closing is a breach even though no business time passed in between.
//!
//! ## Time
//!
//! Events are taken in order of `occurred_at` (the log order breaks ties), only those at or
//! before `now`; an event before `opened_at` counts as happening at `opened_at`.

mod calendar;

use chrono::{DateTime, Duration, Utc};

pub use calendar::*;

use crate::domain::{EventKind, Priority, SlaTarget, Tier, TicketEvent, TicketStatus};

/// The usual warning threshold: warn when 75 % of a target is used.
pub const DEFAULT_WARN_FRACTION: f64 = 0.75;

/// An SLA policy: the promised times and the calendar they are counted in.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaPolicy {
    /// For people: shown in reports and warnings ("enterprise-urgent").
    pub name: String,
    /// Time to the first agent reply; `None`: no such promise.
    pub first_response: Option<Duration>,
    /// Time to each next agent reply; `None`: no such promise.
    pub next_response: Option<Duration>,
    /// Time to solve, excluding pending and on-hold time; `None`: no such promise.
    pub resolution: Option<Duration>,
    /// Where the time is counted.
    pub calendar: Calendar,
    /// Warn when this fraction of a target is used: more than 0, at most 1
    /// ([`DEFAULT_WARN_FRACTION`]). 1 means no warning before the breach.
    pub warn_fraction: f64,
}

/// What is wrong with an SLA policy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PolicyError {
    #[error("the SLA policy name must not be blank")]
    BlankName,
    #[error("the {target} target of SLA policy `{policy}` must be longer than zero")]
    NonPositiveTarget { policy: String, target: SlaTarget },
    #[error("the warning fraction of SLA policy `{policy}` must be more than 0 and at most 1, got {value}")]
    BadWarnFraction { policy: String, value: f64 },
}

impl SlaPolicy {
    /// A policy on `calendar` with no targets yet and the default warning fraction.
    pub fn new(name: impl Into<String>, calendar: Calendar) -> Self {
        Self {
            name: name.into(),
            first_response: None,
            next_response: None,
            resolution: None,
            calendar,
            warn_fraction: DEFAULT_WARN_FRACTION,
        }
    }

    /// The target for one kind of clock.
    pub fn target(&self, kind: SlaTarget) -> Option<Duration> {
        match kind {
            SlaTarget::FirstResponse => self.first_response,
            SlaTarget::NextResponse => self.next_response,
            SlaTarget::Resolution => self.resolution,
        }
    }

    /// Checks the name is not blank, every target is longer than zero and the warning fraction
    /// is in `(0, 1]`. [`clocks`] works on any policy (a zero target is due at once; the warning
    /// fraction is clamped to `[0, 1]`), but configuration should refuse these.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.name.trim().is_empty() {
            return Err(PolicyError::BlankName);
        }
        for kind in [SlaTarget::FirstResponse, SlaTarget::NextResponse, SlaTarget::Resolution] {
            if self.target(kind).is_some_and(|d| d <= Duration::zero()) {
                return Err(PolicyError::NonPositiveTarget { policy: self.name.clone(), target: kind });
            }
        }
        if !(self.warn_fraction > 0.0 && self.warn_fraction <= 1.0) {
            return Err(PolicyError::BadWarnFraction { policy: self.name.clone(), value: self.warn_fraction });
        }
        Ok(())
    }
}

/// A policy and the tickets it applies to: accounts of any of `tiers` (empty: any tier, and
/// tickets without an account) and any of `priorities` (empty: any priority).
#[derive(Clone, Debug, PartialEq)]
pub struct SlaRule {
    pub tiers: Vec<Tier>,
    pub priorities: Vec<Priority>,
    pub policy: SlaPolicy,
}

impl SlaRule {
    /// Whether the rule applies to a ticket of an account with `tier` (`None`: no account) and
    /// `priority`. A rule that lists tiers never applies to a ticket without an account.
    pub fn matches(&self, tier: Option<&Tier>, priority: Priority) -> bool {
        let tier_ok = self.tiers.is_empty() || tier.is_some_and(|t| self.tiers.contains(t));
        tier_ok && (self.priorities.is_empty() || self.priorities.contains(&priority))
    }
}

/// The `bot_state` entry holding the [`rules_fingerprint`] of the rules every active
/// ticket's stored next check was last computed with (by the SLA sweep's full pass).
pub const RULES_FINGERPRINT_STATE: &str = "sla_rules";

/// A fingerprint of `rules` and of this build of baton (its version): two rule sets with the
/// same fingerprint give every ticket the same clocks. The SLA sweep stores it beside the
/// tickets' next checks, so a restart with the same rules can trust them.
///
/// Made from the rules' `Debug` form (every field, every calendar's hours and holidays; no
/// hash maps, so the order is fixed) and the version, as SHA-256 in hex. Rules that differ
/// in any field differ here; a rebuild of the same version with other clock code does not
/// (a development build: run `baton` once with changed rules, or clear `bot_state`).
pub fn rules_fingerprint(rules: &[SlaRule]) -> String {
    use sha2::Digest;
    let text = format!("baton {} {rules:?}", env!("CARGO_PKG_VERSION"));
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// The policy of the first rule, in order, that matches the ticket (see [`SlaRule::matches`]);
/// `None` when no rule does (the ticket has no SLA). List specific rules before general ones.
///
/// Select with the ticket's current tier and priority; [`clocks`] then applies the policy's
/// targets from the opening.
pub fn select<'a>(rules: &'a [SlaRule], tier: Option<&Tier>, priority: Priority) -> Option<&'a SlaPolicy> {
    rules.iter().find(|r| r.matches(tier, priority)).map(|r| &r.policy)
}

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockState {
    /// Counting, not yet due.
    Running,
    /// Not counting for now (resolution while pending on the customer or on hold), not yet due.
    Paused,
    /// Stopped (replied to, or solved) at or before its due time.
    Met,
    /// Due time passed before it stopped: stopped late, or still running or paused after it.
    Breached,
    /// A response clock stopped because the ticket was solved or closed before a reply, before
    /// its due time: not met, not breached, not counted.
    NotApplicable,
}

/// One SLA clock of a ticket, as of the `now` it was computed for.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaClock {
    pub kind: SlaTarget,
    /// The policy's target for this kind.
    pub target: Duration,
    /// When the clock started (it may have started outside open hours: it counts from the next
    /// opening).
    pub started_at: DateTime<Utc>,
    /// The instant its counted time reaches `target`, once that has happened (breached, or met
    /// exactly at the due time); otherwise, for a running clock, when it will if it keeps
    /// running, and for a met clock, when it would have been due as of its stop. `None` while
    /// paused (not yet due) and for [`ClockState::NotApplicable`].
    pub due_at: Option<DateTime<Utc>>,
    /// Likewise for the warning threshold (`warn_fraction × target`): when it was reached, or
    /// for a running clock when it will be. `None` when not reached and not running.
    pub warn_at: Option<DateTime<Utc>>,
    /// When it stopped: the reply, the (last) solve or close. `None` while running or paused.
    pub stopped_at: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// Time counted (in the calendar, excluding pauses) up to the stop, or to `now`.
    pub elapsed: Duration,
    /// `elapsed ÷ target` (above 1 once breached); 1 for a zero target.
    pub fraction: f64,
    /// Running or paused, not breached, and past the warning threshold: the clock a warning is
    /// for (post it once; the caller remembers it did).
    pub warning: bool,
}

impl SlaClock {
    /// When the clock's outcome became known, the instant [`compliance`] files it under: when
    /// it was met, or when it came due for a breached clock. `None` while it is running or paused
    /// before its due time, and for [`ClockState::NotApplicable`].
    pub fn settled_at(&self) -> Option<DateTime<Utc>> {
        match self.state {
            ClockState::Met => self.stopped_at,
            ClockState::Breached => self.due_at,
            _ => None,
        }
    }
}

/// The SLA clocks of a ticket opened at `opened_at`, from its event log, as of `now`, in the
/// policy's calendar: first response, then the next-response clocks in order, then
/// resolution; only kinds the policy sets a target for. See the [module documentation](self)
/// for when each clock starts, pauses and stops.
pub fn clocks(policy: &SlaPolicy, opened_at: DateTime<Utc>, events: &[TicketEvent], now: DateTime<Utc>) -> Vec<SlaClock> {
    let now = now.max(opened_at);
    let mut log: Vec<&TicketEvent> = events.iter().filter(|e| e.occurred_at <= now).collect();
    log.sort_by_key(|e| e.occurred_at);

    let mut active = true;
    // The first-response clock has ended (a reply, or the ticket was solved or closed).
    let mut first_over = false;
    // The response clock waiting for an agent reply.
    let mut waiting = Some(Track::start(SlaTarget::FirstResponse, opened_at));
    // A customer wrote while the ticket was solved or closed and no agent answered since.
    let mut unanswered = false;
    let mut resolution = Track::start(SlaTarget::Resolution, opened_at);
    let mut ended = Vec::new();

    for e in log {
        let at = e.occurred_at.max(opened_at);
        match &e.kind {
            EventKind::AgentMessage { .. } => {
                if let Some(mut c) = waiting.take() {
                    c.stop(at, End::Stopped);
                    ended.push(c);
                }
                first_over = true;
                unanswered = false;
            }
            EventKind::CustomerMessage { .. } => {
                if !active {
                    unanswered = true;
                } else if waiting.is_none() && first_over {
                    waiting = Some(Track::start(SlaTarget::NextResponse, at));
                }
            }
            EventKind::StatusChanged { to, .. } => {
                let was_active = active;
                active = to.is_active();
                match to {
                    TicketStatus::New | TicketStatus::Open => resolution.run(at),
                    TicketStatus::PendingOnCustomer | TicketStatus::OnHold => resolution.pause(at),
                    TicketStatus::Solved | TicketStatus::Closed => resolution.stop(at, End::Stopped),
                }
                if was_active && !active {
                    if let Some(mut c) = waiting.take() {
                        c.stop(at, End::Cancelled);
                        ended.push(c);
                    }
                    first_over = true;
                }
                if !was_active && active && std::mem::take(&mut unanswered) && waiting.is_none() {
                    waiting = Some(Track::start(SlaTarget::NextResponse, at));
                }
            }
            _ => {}
        }
    }

    ended.extend(waiting);
    ended.push(resolution);
    // First response, next responses in order, resolution (stable: ties keep their order).
    ended.sort_by_key(|t| (kind_order(t.kind), t.started_at));
    ended
        .into_iter()
        .filter_map(|t| {
            let target = policy.target(t.kind)?;
            Some(t.finish(target, &policy.calendar, policy.warn_fraction, now))
        })
        .collect()
}

fn kind_order(kind: SlaTarget) -> u8 {
    match kind {
        SlaTarget::FirstResponse => 0,
        SlaTarget::NextResponse => 1,
        SlaTarget::Resolution => 2,
    }
}

/// Why a clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Its goal happened: an agent replied, or (resolution) the ticket was solved or closed.
    Stopped,
    /// A response clock cut short by a solve or close.
    Cancelled,
}

/// A clock being followed through the log: the stretches of time it ran.
struct Track {
    kind: SlaTarget,
    started_at: DateTime<Utc>,
    /// Closed stretches `[from, to)` during which the clock counted.
    segments: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// The start of the current stretch, while counting.
    running_since: Option<DateTime<Utc>>,
    end: Option<(DateTime<Utc>, End)>,
}

impl Track {
    fn start(kind: SlaTarget, at: DateTime<Utc>) -> Self {
        Self { kind, started_at: at, segments: Vec::new(), running_since: Some(at), end: None }
    }

    /// Counts from `at` (a resume or a reopen).
    fn run(&mut self, at: DateTime<Utc>) {
        self.end = None;
        if self.running_since.is_none() {
            self.running_since = Some(at);
        }
    }

    /// Stops counting at `at` without stopping the clock (a pause, or a reopen into a pause).
    fn pause(&mut self, at: DateTime<Utc>) {
        self.end = None;
        self.close_stretch(at);
    }

    /// Stops the clock at `at`, unless it already stopped (solved, then closed: the solve counts).
    fn stop(&mut self, at: DateTime<Utc>, how: End) {
        if self.end.is_none() {
            self.close_stretch(at);
            self.end = Some((at, how));
        }
    }

    fn close_stretch(&mut self, at: DateTime<Utc>) {
        if let Some(from) = self.running_since.take() {
            self.segments.push((from, at));
        }
    }

    fn finish(self, target: Duration, calendar: &Calendar, warn_fraction: f64, now: DateTime<Utc>) -> SlaClock {
        let target = target.max(Duration::zero());
        let warn_fraction = if warn_fraction.is_nan() { 1.0 } else { warn_fraction.clamp(0.0, 1.0) };
        let warn_amount = scale(target, warn_fraction).min(target);
        let running = self.running_since.is_some();
        let stretches = self.segments.iter().copied().chain(self.running_since.map(|s| (s, now)));

        // Walk the stretches; note the instants the counted time reached the warning threshold
        // and the target.
        let mut elapsed = Duration::zero();
        let (mut due_hit, mut warn_hit) = (None, None);
        for (a, b) in stretches {
            let counted = calendar.business_time(a, b);
            if due_hit.is_none() && elapsed + counted >= target {
                due_hit = Some(calendar.add_business_time(a, target - elapsed));
            }
            if warn_hit.is_none() && elapsed + counted >= warn_amount {
                warn_hit = Some(calendar.add_business_time(a, warn_amount - elapsed));
            }
            elapsed += counted;
        }

        let stopped_at = self.end.map(|(at, _)| at);
        let state = match self.end {
            Some((at, End::Stopped)) if due_hit.is_some_and(|d| d < at) => ClockState::Breached,
            Some((_, End::Stopped)) => ClockState::Met,
            Some((_, End::Cancelled)) if due_hit.is_some() => ClockState::Breached,
            Some((_, End::Cancelled)) => ClockState::NotApplicable,
            None if due_hit.is_some() => ClockState::Breached,
            None if running => ClockState::Running,
            None => ClockState::Paused,
        };
        let due_at = match (due_hit, state, stopped_at) {
            (Some(d), _, _) => Some(d),
            (None, ClockState::Running, _) => Some(calendar.add_business_time(now, target - elapsed)),
            (None, ClockState::Met, Some(stop)) => Some(calendar.add_business_time(stop, target - elapsed)),
            _ => None,
        };
        let warn_at = match (warn_hit, state) {
            (Some(w), _) => Some(w),
            (None, ClockState::Running) => Some(calendar.add_business_time(now, warn_amount - elapsed)),
            _ => None,
        };
        let fraction = match target.num_milliseconds() {
            0 => 1.0,
            t => elapsed.num_milliseconds() as f64 / t as f64,
        };
        SlaClock {
            kind: self.kind,
            target,
            started_at: self.started_at,
            due_at,
            warn_at,
            stopped_at,
            state,
            elapsed,
            fraction,
            warning: matches!(state, ClockState::Running | ClockState::Paused) && warn_hit.is_some(),
        }
    }
}

/// `d × f`, to the millisecond.
fn scale(d: Duration, f: f64) -> Duration {
    Duration::milliseconds((d.num_milliseconds() as f64 * f).round() as i64)
}

/// Targets met and targets that came due, for one kind of clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub met: u64,
    pub due: u64,
}

impl Tally {
    /// `met ÷ due`; `None` when nothing came due ("no data").
    pub fn rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.met as f64 / self.due as f64)
    }
}

/// SLA compliance for a period, per kind of target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compliance {
    pub first_response: Tally,
    pub next_response: Tally,
    pub resolution: Tally,
}

impl Compliance {
    pub fn get(&self, kind: SlaTarget) -> Tally {
        match kind {
            SlaTarget::FirstResponse => self.first_response,
            SlaTarget::NextResponse => self.next_response,
            SlaTarget::Resolution => self.resolution,
        }
    }

    fn get_mut(&mut self, kind: SlaTarget) -> &mut Tally {
        match kind {
            SlaTarget::FirstResponse => &mut self.first_response,
            SlaTarget::NextResponse => &mut self.next_response,
            SlaTarget::Resolution => &mut self.resolution,
        }
    }
}

/// SLA compliance over the half-open period `[period.0, period.1)`: per kind, targets met ÷
/// targets that came due.
///
/// Each clock counts in exactly one period, the one holding its [`SlaClock::settled_at`]:
/// - a **met** clock counts (as due and met) where it was met, which is at or before its due
///   time; so "came due in the period" includes targets met in the period ahead of a due time
///   that falls later;
/// - a **breached** clock counts (as due, not met) where its due time falls, whether it was
///   answered late or not at all;
/// - running or paused clocks not yet due, and [`ClockState::NotApplicable`] ones, do not
///   count.
///
/// So the tallies of adjacent periods add up to the tally of their union, and a target met
/// early is never counted in two periods. Clocks describe the `now` they were computed for:
/// for a final figure compute them with a `now` at or after the end of the period (a clock
/// that comes due between `now` and the end of the period is not counted yet).
pub fn compliance<'a>(clocks: impl IntoIterator<Item = &'a SlaClock>, period: (DateTime<Utc>, DateTime<Utc>)) -> Compliance {
    let mut c = Compliance::default();
    for clock in clocks {
        let Some(at) = clock.settled_at() else { continue };
        if period.0 <= at && at < period.1 {
            let t = c.get_mut(clock.kind);
            t.due += 1;
            if clock.state == ClockState::Met {
                t.met += 1;
            }
        }
    }
    c
}

#[cfg(test)]
mod tests;
