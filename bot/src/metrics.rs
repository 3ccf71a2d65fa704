//! Support metrics, computed from ticket event logs with the definitions in the README
//! (and `shared/DOMAIN.md`). Pure functions: the caller loads the events, these count.
//!
//! All durations use the platform timestamps recorded on the events (the chat messages'
//! own times), in calendar time; SLA figures on business calendars live in [`crate::sla`].

use chrono::{DateTime, Duration, Utc};

use crate::domain::{EventKind, TicketEvent, TicketStatus};

/// First response time: from opening (the customer message that opened the ticket, or the
/// ticket's creation) to the first agent message. `None` while unanswered.
pub fn first_response_time(opened_at: DateTime<Utc>, events: &[TicketEvent]) -> Option<Duration> {
    events
        .iter()
        .find(|e| matches!(e.kind, EventKind::AgentMessage { .. }))
        .map(|e| (e.occurred_at - opened_at).max(Duration::zero()))
}

/// Next response times: for each customer message that follows an agent message, the time
/// to the next agent message (consecutive customer messages count from the first).
pub fn next_response_times(events: &[TicketEvent]) -> Vec<Duration> {
    let mut out = Vec::new();
    let mut agent_seen = false;
    let mut waiting_since: Option<DateTime<Utc>> = None;
    for e in events {
        match e.kind {
            EventKind::AgentMessage { .. } => {
                if let Some(since) = waiting_since.take() {
                    out.push((e.occurred_at - since).max(Duration::zero()));
                }
                agent_seen = true;
            }
            EventKind::CustomerMessage { .. } if agent_seen && waiting_since.is_none() => {
                waiting_since = Some(e.occurred_at);
            }
            _ => {}
        }
    }
    out
}

/// When the ticket last entered `status`, from its event log.
pub fn last_entered(events: &[TicketEvent], status: TicketStatus) -> Option<DateTime<Utc>> {
    events
        .iter()
        .rev()
        .find(|e| matches!(e.kind, EventKind::StatusChanged { to, .. } if to == status))
        .map(|e| e.occurred_at)
}

/// When the ticket last became solved, if it is solved now or was later closed.
pub fn last_solved_at(events: &[TicketEvent]) -> Option<DateTime<Utc>> {
    last_entered(events, TicketStatus::Solved)
}

/// Resolution time (calendar): from opening to the last transition to solved.
pub fn resolution_time(opened_at: DateTime<Utc>, events: &[TicketEvent]) -> Option<Duration> {
    last_solved_at(events).map(|s| (s - opened_at).max(Duration::zero()))
}

/// Whether the ticket was reopened at least once.
pub fn was_reopened(events: &[TicketEvent]) -> bool {
    events.iter().any(|e| matches!(e.kind, EventKind::Reopened))
}

/// The ticket's CSAT rating: the latest one given (ratings can change until close).
pub fn csat_rating(events: &[TicketEvent]) -> Option<u8> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::CsatReceived { rating, .. } => Some(rating.value()),
        _ => None,
    })
}

/// Nearest-rank percentile (`p` in 1..=100) of `values`; `None` when empty ("no data").
pub fn percentile<T: Ord + Copy>(values: &[T], p: u32) -> Option<T> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let p = p.clamp(1, 100) as usize;
    // Nearest rank: ceil(p/100 × n), 1-based.
    let rank = (p * v.len()).div_ceil(100).max(1);
    Some(v[rank - 1])
}

/// Reopen rate for a period: among tickets solved in the period, the share reopened at
/// least once. `None` when no ticket was solved in it.
pub fn reopen_rate<'a>(
    tickets: impl IntoIterator<Item = &'a [TicketEvent]>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<Ratio> {
    let (mut solved, mut reopened) = (0u32, 0u32);
    for events in tickets {
        let solved_in_period = events.iter().any(|e| {
            matches!(e.kind, EventKind::StatusChanged { to: TicketStatus::Solved, .. })
                && e.occurred_at >= from
                && e.occurred_at < to
        });
        if solved_in_period {
            solved += 1;
            if was_reopened(events) {
                reopened += 1;
            }
        }
    }
    (solved > 0).then_some(Ratio { part: reopened, whole: solved })
}

/// `part` of `whole`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    pub part: u32,
    pub whole: u32,
}

impl Ratio {
    pub fn percent(self) -> f64 {
        if self.whole == 0 {
            0.0
        } else {
            100.0 * f64::from(self.part) / f64::from(self.whole)
        }
    }
}

/// CSAT summary: mean rating, share of 4s and 5s, and the count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Csat {
    pub mean: f64,
    pub satisfied: Ratio,
    pub count: u32,
}

pub fn csat(ratings: &[u8]) -> Option<Csat> {
    if ratings.is_empty() {
        return None;
    }
    let count = ratings.len() as u32;
    let sum: u32 = ratings.iter().map(|r| u32::from(*r)).sum();
    let satisfied = ratings.iter().filter(|r| **r >= 4).count() as u32;
    Some(Csat { mean: f64::from(sum) / f64::from(count), satisfied: Ratio { part: satisfied, whole: count }, count })
}

/// NPS: % promoters (9–10) minus % detractors (0–6), with the count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Nps {
    pub score: f64,
    pub count: u32,
}

pub fn nps(scores: &[u8]) -> Option<Nps> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    Some(Nps { score: 100.0 * (promoters - detractors) / n, count: scores.len() as u32 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Actor, Rating, TicketId};
    use baton_chat::MessageId;
    use chrono::TimeZone;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn ev(min: i64, kind: EventKind) -> TicketEvent {
        TicketEvent { id: 0, ticket: TicketId(1), kind, actor: Actor::System, occurred_at: at(min), recorded_at: at(min) }
    }

    fn customer(min: i64) -> TicketEvent {
        ev(min, EventKind::CustomerMessage { message: MessageId::parse(format!("c{min}")).unwrap(), text: "?".into() })
    }

    fn agent(min: i64) -> TicketEvent {
        ev(min, EventKind::AgentMessage { message: MessageId::parse(format!("a{min}")).unwrap(), text: "!".into() })
    }

    fn status(min: i64, from: TicketStatus, to: TicketStatus) -> TicketEvent {
        ev(min, EventKind::StatusChanged { from, to })
    }

    #[test]
    fn response_and_resolution_times_from_message_timestamps() {
        use TicketStatus::*;
        let log = vec![
            ev(0, EventKind::Note { text: "internal".into() }),
            customer(3),
            agent(17),
            customer(30),
            customer(35),
            agent(50),
            status(60, Open, Solved),
            ev(70, EventKind::Reopened),
            status(70, Solved, Open),
            customer(70),
            agent(100),
            status(120, Open, Solved),
        ];
        assert_eq!(first_response_time(at(0), &log), Some(Duration::minutes(17)), "notes are not responses");
        assert_eq!(next_response_times(&log), vec![Duration::minutes(20), Duration::minutes(30)]);
        assert_eq!(resolution_time(at(0), &log), Some(Duration::minutes(120)), "to the LAST solve");
        assert!(was_reopened(&log));
        assert_eq!(first_response_time(at(0), &[customer(1)]), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = [15, 20, 35, 40, 50];
        assert_eq!(percentile(&v, 50), Some(35));
        assert_eq!(percentile(&v, 90), Some(50));
        assert_eq!(percentile(&[3, 1, 2, 4], 50), Some(2));
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile::<i64>(&[], 50), None, "no data");
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90), Some(9));
        assert_eq!(percentile(&ten, 100), Some(10));
    }

    #[test]
    fn reopen_rate_counts_tickets_solved_in_the_period() {
        use TicketStatus::*;
        let a = vec![status(10, Open, Solved), ev(20, EventKind::Reopened), status(30, Open, Solved)];
        let b = vec![status(40, Open, Solved)];
        let c = vec![status(-600, Open, Solved), ev(-500, EventKind::Reopened)]; // solved before the period
        let logs = [a.as_slice(), b.as_slice(), c.as_slice()];
        let r = reopen_rate(logs, at(0), at(60)).unwrap();
        assert_eq!(r, Ratio { part: 1, whole: 2 });
        assert_eq!(r.percent(), 50.0);
        assert_eq!(reopen_rate([b.as_slice()], at(100), at(200)), None);
    }

    #[test]
    fn csat_and_nps() {
        let log = vec![
            ev(1, EventKind::CsatReceived { rating: Rating::new(2).unwrap(), comment: None }),
            ev(2, EventKind::CsatReceived { rating: Rating::new(5).unwrap(), comment: None }),
        ];
        assert_eq!(csat_rating(&log), Some(5), "the latest rating counts");
        let c = csat(&[5, 4, 3, 1]).unwrap();
        assert_eq!((c.mean, c.satisfied, c.count), (3.25, Ratio { part: 2, whole: 4 }, 4));
        assert_eq!(csat(&[]), None);
        let n = nps(&[10, 9, 8, 7, 6, 0]).unwrap();
        assert_eq!((n.score, n.count), (0.0, 6));
        assert_eq!(nps(&[10, 10, 3]).unwrap().score.round(), 33.0);
    }
}
