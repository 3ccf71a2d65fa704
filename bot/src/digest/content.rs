//! What each digest says, as numbers: pure functions of the event logs and account data,
//! every figure computed with the definitions in [`crate::metrics`] and [`crate::health`].
//! Nothing here reads the store or builds text.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::{
    Account, AccountId, Arr, EventKind, Person, PersonId, SlaTarget, Ticket, TicketEvent, TicketKey, TicketStatus,
};
use crate::health::{self, AtRiskRules, Health, HealthTicket, HealthWeights, RiskFlag};
use crate::metrics::{self, Csat, Nps, Ratio};

/// Everything a digest is computed from, loaded once per digest.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub accounts: Vec<Account>,
    pub people: Vec<Person>,
    /// Every ticket with its event log (in log order).
    pub tickets: Vec<(Ticket, Vec<TicketEvent>)>,
}

impl History {
    /// A person's display name, or their id when baton has no record of them.
    pub fn name_of(&self, id: &PersonId) -> String {
        self.people.iter().find(|p| &p.id == id).map(|p| p.name.to_string()).unwrap_or_else(|| id.to_string())
    }

    /// What health reads of each ticket, from the whole logs (the store reads the same in
    /// bulk: [`crate::store::Store::health_tickets`]).
    pub fn health_tickets(&self) -> Vec<HealthTicket> {
        self.tickets.iter().map(|(t, e)| HealthTicket::from_log(t, e.clone())).collect()
    }
}

/// A half-open interval of time, `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.from && t < self.to
    }
    pub fn length(&self) -> Duration {
        self.to - self.from
    }
    /// The period of equal length just before this one.
    pub fn previous(&self) -> Period {
        Period { from: self.from - self.length(), to: self.from }
    }
}

/// The events of a log that happened before `to`: the log as it stood at the end of a period.
/// A prefix of the log when its times are in order (the usual case, no copy).
fn as_of(events: &[TicketEvent], to: DateTime<Utc>) -> Cow<'_, [TicketEvent]> {
    if events.windows(2).all(|w| w[0].occurred_at <= w[1].occurred_at) {
        Cow::Borrowed(&events[..events.partition_point(|e| e.occurred_at < to)])
    } else {
        Cow::Owned(events.iter().filter(|e| e.occurred_at < to).cloned().collect())
    }
}

/// The event kinds ([`EventKind::name`]) the team figures read: [`figures`] and the
/// assignee at the end of a period. A history holding only these gives the same figures.
pub const TEAM_KINDS: &[&str] = &["status_changed", "agent_message", "reopened", "csat_received", "assigned"];

/// The event kinds the FRT chart ([`daily_frt`]) reads.
pub const FRT_KINDS: &[&str] = &["agent_message"];

/// The event kinds the SLA digest's breaches ([`breaches`]) read.
pub const BREACH_KINDS: &[&str] = &["sla_breached"];


/// The ticket's status after the events of `log` (it starts as new).
fn status_after(log: &[TicketEvent]) -> TicketStatus {
    log.iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::StatusChanged { to, .. } => Some(to),
            _ => None,
        })
        .unwrap_or(TicketStatus::New)
}

/// Who the ticket was assigned to at `to`, from its log's assignments (nobody before the
/// first); the ticket's current assignee when its log records no assignment at all.
fn assignee_at(ticket: &Ticket, events: &[TicketEvent], to: DateTime<Utc>) -> Option<PersonId> {
    let assignments: Vec<(DateTime<Utc>, &Option<PersonId>)> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Assigned { to: who, .. } => Some((e.occurred_at, who)),
            _ => None,
        })
        .collect();
    if assignments.is_empty() {
        return ticket.assignee.clone();
    }
    assignments.iter().rev().find(|(at, _)| *at < to).and_then(|(_, who)| (*who).clone())
}

// ---------------------------------------------------------------------------------------------
// Team metrics.

/// Support figures for one period, over a set of tickets.
///
/// - `opened`: tickets whose `opened_at` lies in the period.
/// - `solved`: tickets with a transition to solved in the period (the reopen rate's
///   denominator, so the two always agree).
/// - `frt`: [`metrics::first_response_time`] of every ticket whose first response was given
///   in the period (each first response counts once, in the period it happened).
/// - `resolution`: [`metrics::resolution_time`] (calendar time) of every ticket whose last
///   transition to solved lies in the period and that was still solved or closed at its end.
/// - `reopen`: [`metrics::reopen_rate`] for the period.
/// - `csat`: [`metrics::csat`] of the ratings given in the period (the latest per ticket).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub opened: u32,
    pub solved: u32,
    pub frt: Vec<Duration>,
    pub resolution: Vec<Duration>,
    pub reopen: Option<Ratio>,
    pub csat: Option<Csat>,
}

impl Figures {
    pub fn frt_p50(&self) -> Option<Duration> {
        metrics::percentile(&self.frt, 50)
    }
    pub fn frt_p90(&self) -> Option<Duration> {
        metrics::percentile(&self.frt, 90)
    }
    pub fn resolution_p50(&self) -> Option<Duration> {
        metrics::percentile(&self.resolution, 50)
    }
    pub fn resolution_p90(&self) -> Option<Duration> {
        metrics::percentile(&self.resolution, 90)
    }
    /// Nothing happened: no ticket opened, answered, solved or rated.
    pub fn is_empty(&self) -> bool {
        self.opened == 0 && self.solved == 0 && self.frt.is_empty() && self.resolution.is_empty() && self.csat.is_none()
    }
}

/// Computes [`Figures`] for `period` over `tickets` (see its docs for each definition).
pub fn figures<'a>(tickets: impl IntoIterator<Item = (&'a Ticket, &'a [TicketEvent])>, period: Period) -> Figures {
    let mut f = Figures::default();
    let mut logs = Vec::new();
    let mut ratings = Vec::new();
    for (t, events) in tickets {
        let log = as_of(events, period.to);
        if period.contains(t.opened_at) {
            f.opened += 1;
        }
        if log.iter().any(|e| matches!(e.kind, EventKind::StatusChanged { to: TicketStatus::Solved, .. }) && period.contains(e.occurred_at)) {
            f.solved += 1;
        }
        let first_response = log.iter().find(|e| matches!(e.kind, EventKind::AgentMessage { .. }));
        if first_response.is_some_and(|e| period.contains(e.occurred_at)) {
            f.frt.extend(metrics::first_response_time(t.opened_at, &log));
        }
        let finished = matches!(status_after(&log), TicketStatus::Solved | TicketStatus::Closed);
        if finished && metrics::last_solved_at(&log).is_some_and(|s| period.contains(s)) {
            f.resolution.extend(metrics::resolution_time(t.opened_at, &log));
        }
        // `metrics::csat_rating` of the period's events: the latest rating given in it.
        ratings.extend(log.iter().rev().filter(|e| period.contains(e.occurred_at)).find_map(|e| match &e.kind {
            EventKind::CsatReceived { rating, .. } => Some(rating.value()),
            _ => None,
        }));
        logs.push(log);
    }
    f.reopen = metrics::reopen_rate(logs.iter().map(|l| l.as_ref()), period.from, period.to);
    f.csat = metrics::csat(&ratings);
    f
}

/// One assignee's figures for the period and the previous one.
#[derive(Clone, Debug, PartialEq)]
pub struct AssigneeFigures {
    /// `None`: tickets nobody was assigned to.
    pub person: Option<PersonId>,
    pub name: Option<String>,
    pub now: Figures,
    pub before: Figures,
}

/// First response times of one day, for the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct DayFrt {
    pub day: NaiveDate,
    pub p50: Option<Duration>,
    pub p90: Option<Duration>,
}

/// The team-metrics digest.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamMetrics {
    pub period: Period,
    pub previous: Period,
    pub team: Figures,
    pub team_before: Figures,
    /// By assignee at the end of each period, people by name, unassigned last; only those
    /// with something in either period.
    pub by_assignee: Vec<AssigneeFigures>,
    /// NPS over the accounts' imported `nps` signals (see [`imported_nps`]); signals have
    /// no history, so it is not compared.
    pub nps: Option<Nps>,
    /// FRT p50/p90 per day for the chart, oldest first.
    pub daily_frt: Vec<DayFrt>,
}

impl TeamMetrics {
    pub fn is_empty(&self) -> bool {
        self.team.is_empty()
    }
}

/// The local days (in `tz`) of the `days` days ending with the day `to` falls in, each as
/// the UTC period it covers, cut at `to`.
pub fn chart_days(to: DateTime<Utc>, tz: Tz, days: u32) -> Vec<(NaiveDate, Period)> {
    let last = (to - Duration::nanoseconds(1)).with_timezone(&tz).date_naive();
    let start_of = |d: NaiveDate| -> DateTime<Utc> {
        // Midnight, or the first instant of the day when midnight does not exist there.
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight exists");
        (0..=3 * 60)
            .find_map(|m| tz.from_local_datetime(&(midnight + Duration::minutes(m))).earliest())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    };
    (0..days)
        .rev()
        .filter_map(|back| last.checked_sub_days(chrono::Days::new(u64::from(back))))
        .map(|d| {
            let from = start_of(d);
            let to_day = d.succ_opt().map(start_of).unwrap_or(to);
            (d, Period { from, to: to_day.min(to) })
        })
        .collect()
}

/// The imported signal read as NPS survey answers (see [`imported_nps`]).
pub const NPS_SIGNAL: &str = "nps";

/// The accounts' imported `nps` signals ([`NPS_SIGNAL`]) read as NPS survey answers (0–10,
/// whole numbers; one per account), scored with [`metrics::nps`]. Values off that scale are
/// left out. `values` are the signal's values, one per account that has it.
pub fn imported_nps(values: impl IntoIterator<Item = f64>) -> Option<Nps> {
    let scores: Vec<u8> = values
        .into_iter()
        .filter(|v| v.fract() == 0.0 && (0.0..=10.0).contains(v))
        .map(|v| v as u8)
        .collect();
    metrics::nps(&scores)
}

/// The values of the [`NPS_SIGNAL`] of these accounts.
pub fn nps_signals(accounts: &[Account]) -> impl Iterator<Item = f64> + '_ {
    accounts.iter().filter_map(|a| a.signals.iter().find(|(n, _)| n.as_str() == NPS_SIGNAL).map(|(_, v)| *v))
}

/// First response times per day for the chart: the FRT p50/p90 of [`figures`] for each of the
/// `days` days (in `tz`) ending at `to`, computed from the agent messages alone.
pub fn daily_frt(history: &History, to: DateTime<Utc>, tz: Tz, days: u32) -> Vec<DayFrt> {
    chart_days(to, tz, days)
        .into_iter()
        .map(|(day, p)| {
            // As `figures`: the first agent message of the log as of the day's end, when it
            // lies in the day.
            let frt: Vec<Duration> = history
                .tickets
                .iter()
                .filter_map(|(t, events)| {
                    let first = events.iter().find(|e| e.occurred_at < p.to && matches!(e.kind, EventKind::AgentMessage { .. }))?;
                    p.contains(first.occurred_at).then(|| (first.occurred_at - t.opened_at).max(Duration::zero()))
                })
                .collect();
            DayFrt { day, p50: metrics::percentile(&frt, 50), p90: metrics::percentile(&frt, 90) }
        })
        .collect()
}

/// Computes the team-metrics digest for `period`, compared with the period of equal length
/// before it, with the chart's `chart_days` days of FRT ending at `period.to` (days in `tz`).
pub fn team_metrics(history: &History, period: Period, tz: Tz, chart_days_count: u32) -> TeamMetrics {
    let nps = imported_nps(nps_signals(&history.accounts));
    team_metrics_with_chart(history, history, nps, period, tz, chart_days_count)
}

/// [`team_metrics`] with the chart's FRT from `chart`: a history with (at least) every ticket
/// with an agent message in the chart's days and those messages ([`FRT_KINDS`]), while
/// `history` needs only the tickets and [`TEAM_KINDS`] events of the two periods compared
/// (and no accounts: their NPS comes as `nps`, see [`imported_nps`]).
pub fn team_metrics_with_chart(
    history: &History,
    chart: &History,
    nps: Option<Nps>,
    period: Period,
    tz: Tz,
    chart_days_count: u32,
) -> TeamMetrics {
    let previous = period.previous();
    let all = || history.tickets.iter().map(|(t, e)| (t, e.as_slice()));
    let team = figures(all(), period);
    let team_before = figures(all(), previous);

    // Group by the assignee at the end of each period.
    let mut groups: BTreeMap<Option<PersonId>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (i, (t, e)) in history.tickets.iter().enumerate() {
        groups.entry(assignee_at(t, e, period.to)).or_default().0.push(i);
        groups.entry(assignee_at(t, e, previous.to)).or_default().1.push(i);
    }
    let pick = |ix: &[usize]| -> Vec<(&Ticket, &[TicketEvent])> {
        ix.iter().map(|&i| (&history.tickets[i].0, history.tickets[i].1.as_slice())).collect()
    };
    let mut by_assignee: Vec<AssigneeFigures> = groups
        .into_iter()
        .map(|(person, (now_ix, before_ix))| AssigneeFigures {
            name: person.as_ref().map(|p| history.name_of(p)),
            now: figures(pick(&now_ix), period),
            before: figures(pick(&before_ix), previous),
            person,
        })
        .filter(|a| !a.now.is_empty() || !a.before.is_empty())
        .collect();
    by_assignee.sort_by(|a, b| {
        (a.person.is_none(), a.name.as_deref().map(str::to_lowercase))
            .cmp(&(b.person.is_none(), b.name.as_deref().map(str::to_lowercase)))
    });

    let daily_frt = daily_frt(chart, period.to, tz, chart_days_count);
    TeamMetrics { period, previous, team, team_before, by_assignee, nps, daily_frt }
}

// ---------------------------------------------------------------------------------------------
// At-risk accounts.

/// An account the at-risk rules flag, with what the digest shows about it.
#[derive(Clone, Debug, PartialEq)]
pub struct AtRiskAccount {
    pub id: AccountId,
    pub name: String,
    pub tier: String,
    pub csm: Option<PersonId>,
    pub arr: Option<Arr>,
    pub renewal_date: Option<NaiveDate>,
    pub days_to_renewal: Option<i64>,
    pub health: Health,
    /// The snapshot compared with (`drop_days` ago, or the latest before) and the change in
    /// points since, as [`health::trend`] computes it.
    pub trend: Option<(NaiveDate, i32)>,
    pub flags: Vec<RiskFlag>,
    /// Tickets not solved or closed.
    pub open_tickets: u32,
    /// Of those, the ones currently escalated.
    pub escalated_tickets: u32,
}

pub use crate::health::account_health;

/// The accounts at risk at `now`, by ARR at risk (highest first; amounts are compared as
/// they are, without converting currencies; accounts without ARR last), then by score and
/// name, from what health reads of their tickets. `earlier` holds each account's health
/// snapshot `rules.drop_days` ago (or the latest before), for the drop rule and the trend.
pub fn at_risk_accounts(
    accounts: &[Account],
    tickets: &[HealthTicket],
    earlier: &BTreeMap<AccountId, (NaiveDate, u8)>,
    weights: &HealthWeights,
    rules: &AtRiskRules,
    now: DateTime<Utc>,
) -> Vec<AtRiskAccount> {
    let mut out = Vec::new();
    // Each account's tickets, in history order, found once (not one scan per account).
    let mut by_account: BTreeMap<&AccountId, Vec<&HealthTicket>> = BTreeMap::new();
    for t in tickets {
        if let Some(a) = &t.account {
            by_account.entry(a).or_default().push(t);
        }
    }
    for a in accounts {
        let tickets: &[&HealthTicket] = by_account.get(&a.id).map_or(&[], Vec::as_slice);
        let (health, inputs) = account_health(a, tickets.iter().copied(), weights, now);
        let before = earlier.get(&a.id).copied();
        let flags = health::at_risk(&health, before.map(|(_, s)| s), &inputs, rules);
        if flags.is_empty() {
            continue;
        }
        let open: Vec<_> = tickets.iter().filter(|t| t.status.is_active()).collect();
        let escalated = open.iter().filter(|t| t.facts.escalation_level > 0).count() as u32;
        out.push(AtRiskAccount {
            id: a.id.clone(),
            name: a.name.to_string(),
            tier: a.tier.to_string(),
            csm: a.csm.clone(),
            arr: a.arr,
            renewal_date: a.renewal_date,
            days_to_renewal: inputs.days_to_renewal,
            trend: before.and_then(|(day, score)| health::trend(health.score, Some((day, score))).map(|c| (day, c))),
            health,
            flags,
            open_tickets: open.len() as u32,
            escalated_tickets: escalated,
        });
    }
    out.sort_by(|x, y| {
        let arr = |a: &AtRiskAccount| a.arr.map(|v| v.amount());
        arr(y)
            .cmp(&arr(x))
            .then(x.health.score.cmp(&y.health.score))
            .then_with(|| x.name.to_lowercase().cmp(&y.name.to_lowercase()))
    });
    out
}

// ---------------------------------------------------------------------------------------------
// SLA.

/// A breached SLA target.
#[derive(Clone, Debug, PartialEq)]
pub struct Breach {
    pub key: TicketKey,
    pub title: String,
    pub account: Option<String>,
    pub target: SlaTarget,
    pub due: DateTime<Utc>,
    pub breached_at: DateTime<Utc>,
    /// The ticket's assignee now (its owner), by name.
    pub owner: Option<String>,
}

/// A target that will breach soon unless someone acts: an input from the SLA clocks.
#[derive(Clone, Debug, PartialEq)]
pub struct DueSoon {
    pub key: TicketKey,
    pub title: String,
    pub target: SlaTarget,
    pub due: DateTime<Utc>,
    pub owner: Option<String>,
}

/// SLA compliance of one policy and target kind for the period: targets met ÷ targets that
/// came due in it.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyCompliance {
    pub policy: String,
    pub target: SlaTarget,
    pub met: Ratio,
}

/// What only the SLA clocks know: targets due to breach within `horizon`, and compliance
/// per policy for the period. See [`crate::digest::SlaOutlookSource`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlaOutlook {
    pub horizon: Duration,
    pub due_soon: Vec<DueSoon>,
    pub compliance: Vec<PolicyCompliance>,
}

/// The SLA digest.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaDigest {
    pub period: Period,
    /// Breaches recorded in the period, oldest first.
    pub breaches: Vec<Breach>,
    /// `None` while no SLA clocks are available to say what is due soon.
    pub outlook: Option<SlaOutlook>,
    /// Breaches per day for the chart, oldest first.
    pub daily_breaches: Vec<(NaiveDate, u32)>,
}

impl SlaDigest {
    pub fn is_empty(&self) -> bool {
        self.breaches.is_empty()
            && self.outlook.as_ref().is_none_or(|o| o.due_soon.is_empty() && o.compliance.is_empty())
    }
}

/// Every `SlaBreached` event whose time lies in `period`, with the ticket's owner.
pub fn breaches(history: &History, period: Period) -> Vec<Breach> {
    let accounts: BTreeMap<&AccountId, &Account> = history.accounts.iter().map(|a| (&a.id, a)).collect();
    let mut out = Vec::new();
    for (t, events) in &history.tickets {
        for e in events {
            if let EventKind::SlaBreached { target, due } = &e.kind {
                if period.contains(e.occurred_at) {
                    out.push(Breach {
                        key: t.key.clone(),
                        title: t.title.to_string(),
                        account: t.account.as_ref().and_then(|a| accounts.get(a)).map(|a| a.name.to_string()),
                        target: *target,
                        due: *due,
                        breached_at: e.occurred_at,
                        owner: t.assignee.as_ref().map(|p| history.name_of(p)),
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.breached_at.cmp(&b.breached_at).then_with(|| a.key.cmp(&b.key)));
    out
}

/// Computes the SLA digest for `period`, with what the SLA clocks say (if available).
pub fn sla_digest(
    history: &History,
    period: Period,
    outlook: Option<SlaOutlook>,
    tz: Tz,
    chart_days_count: u32,
) -> SlaDigest {
    let breaches_now = breaches(history, period);
    // Each day counts the breaches recorded in it (as `breaches` would list them), from one
    // walk of the logs.
    let breached_at: Vec<DateTime<Utc>> = history
        .tickets
        .iter()
        .flat_map(|(_, events)| events)
        .filter(|e| matches!(e.kind, EventKind::SlaBreached { .. }))
        .map(|e| e.occurred_at)
        .collect();
    let daily_breaches = chart_days(period.to, tz, chart_days_count)
        .into_iter()
        .map(|(day, p)| (day, breached_at.iter().filter(|at| p.contains(**at)).count() as u32))
        .collect();
    SlaDigest { period, breaches: breaches_now, outlook, daily_breaches }
}

/// The CSMs of a set of accounts (for "each CSM by DM"), in id order.
pub fn csms_of(accounts: &[Account]) -> BTreeSet<PersonId> {
    accounts.iter().filter_map(|a| a.csm.clone()).collect()
}
