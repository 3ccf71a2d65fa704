//! Account health: a documented, configurable 0–100 score with its reasons.
//!
//! The score starts at 100 and loses points for what support saw in the window (open
//! tickets, escalations, SLA breaches, reopens, unanswered customer messages, a low CSAT
//! average) and for imported success signals below their healthy range (usage trend, NPS,
//! anything imported as a number). Each deduction is capped, so one bad signal cannot hide
//! the others, and each comes with a reason in words. Pure functions: the caller gathers
//! [`HealthInputs`]; weights come from `[health]` in the configuration.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{AccountId, EventKind, LogFacts, SignalName, Ticket, TicketEvent, TicketId, TicketStatus};

/// Points deducted per unit of each support signal, and the caps.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthWeights {
    /// The window support signals are counted over.
    pub window: Duration,
    pub per_open_ticket: f64,
    pub per_escalation: f64,
    pub per_breach: f64,
    pub per_reopen: f64,
    pub per_unanswered: f64,
    /// Per point the CSAT average is below 4.0 (a 1.0 average loses 3 × this).
    pub per_csat_point: f64,
    /// No single signal takes more than this many points.
    pub cap: f64,
    /// Imported signals and their healthy range.
    pub signals: Vec<SignalWeight>,
}

impl Default for HealthWeights {
    fn default() -> Self {
        Self {
            window: Duration::days(30),
            per_open_ticket: 3.0,
            per_escalation: 8.0,
            per_breach: 10.0,
            per_reopen: 5.0,
            per_unanswered: 2.0,
            per_csat_point: 10.0,
            cap: 30.0,
            signals: Vec::new(),
        }
    }
}

/// An imported signal: at or below `low` it costs `weight` points, at or above `high`
/// nothing, linearly in between (e.g. usage trend low −0.3, high 0.0; NPS low 0, high 50).
#[derive(Clone, Debug, PartialEq)]
pub struct SignalWeight {
    pub name: SignalName,
    pub weight: f64,
    pub low: f64,
    pub high: f64,
}

/// The event kinds an account's health counts over its window, whatever the ticket's status
/// ([`HealthInputs::from_tickets`]).
pub const HEALTH_WINDOW_KINDS: &[&str] = &["escalated", "sla_breached", "reopened", "csat_received"];

/// What an account's health reads of one of its tickets: its status, its log's facts
/// (unanswered messages and escalation level, kept on the ticket's row), and its events of
/// [`HEALTH_WINDOW_KINDS`] in the window (other events, and events outside the window, are
/// ignored). [`crate::store::Store::health_tickets`] reads these in bulk.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthTicket {
    pub id: TicketId,
    pub account: Option<AccountId>,
    pub status: TicketStatus,
    pub facts: LogFacts,
    pub events: Vec<TicketEvent>,
}

impl HealthTicket {
    /// From a ticket and its whole log.
    pub fn from_log(ticket: &Ticket, events: Vec<TicketEvent>) -> Self {
        Self { id: ticket.id, account: ticket.account.clone(), status: ticket.status, facts: LogFacts::of(&events), events }
    }
}

/// What the score is computed from, for one account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HealthInputs {
    pub open_tickets: u32,
    pub escalations: u32,
    pub breaches: u32,
    pub reopens: u32,
    /// Customer messages still waiting for an agent reply.
    pub unanswered: u32,
    /// Ratings in the window (latest per ticket).
    pub csat: Vec<u8>,
    pub signals: BTreeMap<SignalName, f64>,
    pub days_to_renewal: Option<i64>,
}

impl HealthInputs {
    /// Counts an account's support signals from its tickets, over the window ending at `now`.
    pub fn from_tickets<'a>(tickets: impl IntoIterator<Item = &'a HealthTicket>, window: Duration, now: DateTime<Utc>) -> Self {
        let since = now - window;
        let mut h = HealthInputs::default();
        for t in tickets {
            if t.status.is_active() {
                h.open_tickets += 1;
                h.unanswered += t.facts.unanswered;
            }
            let mut rating = None;
            for e in t.events.iter().filter(|e| e.occurred_at >= since && e.occurred_at <= now) {
                match &e.kind {
                    EventKind::Escalated { .. } => h.escalations += 1,
                    EventKind::SlaBreached { .. } => h.breaches += 1,
                    EventKind::Reopened => h.reopens += 1,
                    EventKind::CsatReceived { rating: r, .. } => rating = Some(r.value()),
                    _ => {}
                }
            }
            h.csat.extend(rating);
        }
        h
    }
}

/// An account's health at `now` (what [`crate::engine::Engine::account_health`], the daily
/// snapshots and the at-risk digest show): support signals from its tickets over the window,
/// its imported signals, and the days to its renewal.
pub fn account_health<'a>(
    account: &crate::domain::Account,
    tickets: impl IntoIterator<Item = &'a HealthTicket>,
    weights: &HealthWeights,
    now: DateTime<Utc>,
) -> (Health, HealthInputs) {
    let mut inputs = HealthInputs::from_tickets(tickets, weights.window, now);
    inputs.signals = account.signals.clone();
    inputs.days_to_renewal = account.renewal_date.map(|d| (d - now.date_naive()).num_days());
    (score(&inputs, weights), inputs)
}

/// Why the score is what it is, for people to read (rendered through the catalogue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    OpenTickets { count: u32 },
    Escalations { count: u32, days: i64 },
    Breaches { count: u32, days: i64 },
    Reopens { count: u32, days: i64 },
    Unanswered { count: u32 },
    LowCsat { average: f64, ratings: u32 },
    Signal { name: SignalName, value: f64 },
    RenewalSoon { days: i64 },
}

/// A score and its reasons, biggest deduction first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub score: u8,
    pub reasons: Vec<Reason>,
}

/// Scores an account. Renewal proximity never changes the score (it is not a problem in
/// itself) but is listed as a reason when the account has any deduction.
pub fn score(inputs: &HealthInputs, w: &HealthWeights) -> Health {
    let days = w.window.num_days();
    let mut deductions: Vec<(f64, Reason)> = Vec::new();
    let mut count = |n: u32, per: f64, reason: Reason| {
        if n > 0 && per > 0.0 {
            deductions.push(((f64::from(n) * per).min(w.cap), reason));
        }
    };
    count(inputs.breaches, w.per_breach, Reason::Breaches { count: inputs.breaches, days });
    count(inputs.escalations, w.per_escalation, Reason::Escalations { count: inputs.escalations, days });
    count(inputs.reopens, w.per_reopen, Reason::Reopens { count: inputs.reopens, days });
    count(inputs.open_tickets, w.per_open_ticket, Reason::OpenTickets { count: inputs.open_tickets });
    count(inputs.unanswered, w.per_unanswered, Reason::Unanswered { count: inputs.unanswered });
    if !inputs.csat.is_empty() {
        let n = inputs.csat.len() as u32;
        let average = inputs.csat.iter().map(|r| f64::from(*r)).sum::<f64>() / f64::from(n);
        if average < 4.0 {
            let points = ((4.0 - average) * w.per_csat_point).min(w.cap);
            deductions.push((points, Reason::LowCsat { average: (average * 10.0).round() / 10.0, ratings: n }));
        }
    }
    for s in &w.signals {
        let Some(value) = inputs.signals.get(&s.name).copied() else { continue };
        if !value.is_finite() || s.high <= s.low {
            continue;
        }
        let shortfall = ((s.high - value) / (s.high - s.low)).clamp(0.0, 1.0);
        if shortfall > 0.0 {
            deductions.push(((shortfall * s.weight).min(w.cap), Reason::Signal { name: s.name.clone(), value }));
        }
    }
    deductions.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = deductions.iter().map(|(p, _)| p).sum();
    let score = (100.0 - total).round().clamp(0.0, 100.0) as u8;
    let mut reasons: Vec<Reason> = deductions.into_iter().map(|(_, r)| r).collect();
    if let Some(days) = inputs.days_to_renewal.filter(|d| (0..=90).contains(d)) {
        if !reasons.is_empty() {
            reasons.push(Reason::RenewalSoon { days });
        }
    }
    Health { score, reasons }
}

/// When an account is at risk.
#[derive(Clone, Debug, PartialEq)]
pub struct AtRiskRules {
    /// A score under this.
    pub below: u8,
    /// A drop of more than this many points against the snapshot `drop_days` ago.
    pub drop: u8,
    pub drop_days: i64,
    /// Renewing within this many days with any breach or escalation in the window.
    pub renewal_days: i64,
}

impl Default for AtRiskRules {
    fn default() -> Self {
        Self { below: 60, drop: 15, drop_days: 7, renewal_days: 30 }
    }
}

/// Why an account is at risk (empty: it is not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RiskFlag {
    LowScore,
    Dropped { from: u8, to: u8 },
    RenewalWithTrouble { days: i64 },
}

/// Applies the at-risk rules to a score, the score `drop_days` ago, and the inputs.
pub fn at_risk(health: &Health, earlier: Option<u8>, inputs: &HealthInputs, rules: &AtRiskRules) -> Vec<RiskFlag> {
    let mut flags = Vec::new();
    if health.score < rules.below {
        flags.push(RiskFlag::LowScore);
    }
    if let Some(before) = earlier {
        if before > health.score && before - health.score > rules.drop {
            flags.push(RiskFlag::Dropped { from: before, to: health.score });
        }
    }
    if let Some(days) = inputs.days_to_renewal {
        if (0..=rules.renewal_days).contains(&days) && inputs.breaches + inputs.escalations > 0 {
            flags.push(RiskFlag::RenewalWithTrouble { days });
        }
    }
    flags
}

/// The trend against a snapshot: `Some(+5)` means five points better than then.
pub fn trend(now: u8, earlier: Option<(NaiveDate, u8)>) -> Option<i32> {
    earlier.map(|(_, then)| i32::from(now) - i32::from(then))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> SignalName {
        SignalName::parse(s).unwrap()
    }

    #[test]
    fn a_quiet_account_scores_100_with_no_reasons() {
        let h = score(&HealthInputs { days_to_renewal: Some(10), ..Default::default() }, &HealthWeights::default());
        assert_eq!(h, Health { score: 100, reasons: vec![] });
    }

    #[test]
    fn deductions_are_capped_and_explained_biggest_first() {
        let w = HealthWeights {
            signals: vec![SignalWeight { name: sig("usage_trend"), weight: 20.0, low: -0.3, high: 0.0 }],
            ..Default::default()
        };
        let inputs = HealthInputs {
            open_tickets: 2,
            escalations: 1,
            breaches: 3,
            reopens: 0,
            unanswered: 1,
            csat: vec![2, 2, 1, 3],
            signals: [(sig("usage_trend"), -0.15), (sig("seats"), 40.0)].into(),
            days_to_renewal: Some(12),
        };
        let h = score(&inputs, &w);
        // breaches 30 (3×10), CSAT avg 2.0 → 20, escalations 8, open 6, unanswered 2,
        // usage −0.15 is half way to −0.3 → 10: 100 − 76 = 24.
        assert_eq!(h.score, 24);
        assert_eq!(
            h.reasons,
            vec![
                Reason::Breaches { count: 3, days: 30 },
                Reason::LowCsat { average: 2.0, ratings: 4 },
                Reason::Signal { name: sig("usage_trend"), value: -0.15 },
                Reason::Escalations { count: 1, days: 30 },
                Reason::OpenTickets { count: 2 },
                Reason::Unanswered { count: 1 },
                Reason::RenewalSoon { days: 12 },
            ]
        );
        let many = HealthInputs { breaches: 9, ..Default::default() };
        assert_eq!(score(&many, &w).score, 70, "one signal takes at most the cap");
        let floor = HealthInputs { breaches: 9, escalations: 9, reopens: 9, open_tickets: 20, csat: vec![1], ..Default::default() };
        assert_eq!(score(&floor, &w).score, 0);
    }

    #[test]
    fn at_risk_rules() {
        let rules = AtRiskRules::default();
        let quiet = HealthInputs::default();
        let h = |s| Health { score: s, reasons: vec![] };
        assert!(at_risk(&h(80), Some(85), &quiet, &rules).is_empty());
        assert_eq!(at_risk(&h(59), None, &quiet, &rules), vec![RiskFlag::LowScore]);
        assert_eq!(at_risk(&h(70), Some(90), &quiet, &rules), vec![RiskFlag::Dropped { from: 90, to: 70 }]);
        assert!(at_risk(&h(70), Some(85), &quiet, &rules).is_empty(), "a drop of exactly 15 is not more than 15");
        let renewing = HealthInputs { days_to_renewal: Some(20), escalations: 1, ..Default::default() };
        assert_eq!(at_risk(&h(95), None, &renewing, &rules), vec![RiskFlag::RenewalWithTrouble { days: 20 }]);
        let renewing_quietly = HealthInputs { days_to_renewal: Some(20), ..Default::default() };
        assert!(at_risk(&h(95), None, &renewing_quietly, &rules).is_empty());
        assert_eq!(trend(70, Some((NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(), 82))), Some(-12));
    }
}
