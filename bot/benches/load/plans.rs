//! The query plans of the store's queries the history passes run, with literal arguments
//! (the SQL is the store's, from `bot/src/store/sql.rs`).

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::Db;
use baton::store::Backend;

fn lit(t: DateTime<Utc>) -> String {
    format!("'{}'", t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

/// The queries, by what runs them.
fn queries(now: DateTime<Utc>) -> Vec<(&'static str, String)> {
    let active = "'new', 'open', 'pending', 'on-hold'";
    let month = lit(now - Duration::days(30));
    let fortnight = lit(now - Duration::days(14));
    let day = lit(now - Duration::days(1));
    let horizon = lit(now + Duration::hours(4));
    let week_ago = format!("'{}'", (now - Duration::days(7)).date_naive().format("%F"));
    vec![
        (
            "SLA sweep, first pass with new rules: every active ticket (`sla_candidates`, all)",
            format!("SELECT id, key, status, sla_next_check_at, sla_stamp FROM tickets WHERE status IN ({active}) ORDER BY id"),
        ),
        (
            "SLA sweep, later passes: the active tickets due (`sla_candidates`, due by now)",
            format!(
                "SELECT id, key, status, sla_next_check_at, sla_stamp FROM tickets WHERE status IN ({active}) \
                 AND sla_next_check_at <= {} ORDER BY id",
                lit(now)
            ),
        ),
        (
            "SLA sweep, digests, health pass: event logs of a batch of tickets (`events_of`)",
            "SELECT id, ticket_id, data, actor, occurred_at, recorded_at FROM ticket_events WHERE ticket_id IN (999001, 999002, 999003) ORDER BY ticket_id, id".into(),
        ),
        (
            "digests, health pass: tickets active or touched since a time (the selection of `ticket_logs`)",
            format!(
                "SELECT id, key, status FROM tickets WHERE id IN (SELECT id FROM tickets WHERE opened_at >= {month} \
                 UNION SELECT ticket_id FROM ticket_events WHERE occurred_at >= {month} \
                 UNION SELECT id FROM tickets WHERE status IN ({active})) ORDER BY id"
            ),
        ),
        (
            "SLA digest: the clocks' events of the active tickets checked by the horizon and those touched in the period (`ticket_logs` on SQLite; PostgreSQL reads them by lists of ids, as `events_of`, plus `kind IN`)",
            format!(
                "SELECT id, ticket_id, data, actor, occurred_at, recorded_at FROM ticket_events WHERE ticket_id IN \
                 (SELECT id FROM tickets WHERE opened_at >= {day} UNION SELECT ticket_id FROM ticket_events WHERE occurred_at >= {day} \
                 UNION SELECT id FROM tickets WHERE status IN ({active}) AND sla_next_check_at <= {horizon}) \
                 AND kind IN ('agent_message', 'customer_message', 'status_changed') ORDER BY ticket_id, id"
            ),
        ),
        (
            "SLA digest: the tickets with a breach in the chart's days (`ticket_logs`, touched by a kind)",
            format!(
                "SELECT id, key, status FROM tickets WHERE id IN (SELECT ticket_id FROM ticket_events \
                 WHERE kind IN ('sla_breached') AND occurred_at >= {fortnight}) ORDER BY id"
            ),
        ),
        (
            "at-risk digest, health pass: the active tickets and those with an event of the health window's kinds in it (`health_tickets`)",
            format!(
                "SELECT id, account_id, status, unanswered, escalation_level FROM tickets WHERE id IN \
                 (SELECT ticket_id FROM ticket_events WHERE kind IN ('escalated', 'sla_breached', 'reopened', 'csat_received') \
                 AND occurred_at >= {month} UNION SELECT id FROM tickets WHERE status IN ({active})) ORDER BY id"
            ),
        ),
        (
            "at-risk digest, health pass: the events of the health window's kinds in it (`health_tickets`)",
            format!(
                "SELECT id, ticket_id, data, actor, occurred_at, recorded_at FROM ticket_events WHERE occurred_at >= {month} \
                 AND kind IN ('escalated', 'sla_breached', 'reopened', 'csat_received')"
            ),
        ),
        (
            "at-risk digest: each account's snapshot a week ago (`health_on_or_before_all`)",
            format!(
                "SELECT h.account_id AS account_id, h.day AS day, h.score AS score, h.reasons AS reasons \
                 FROM health_snapshots h JOIN (SELECT account_id, MAX(day) AS day FROM health_snapshots \
                 WHERE day <= {week_ago} GROUP BY account_id) latest ON latest.account_id = h.account_id AND latest.day = h.day"
            ),
        ),
        (
            "an account's tickets (`tickets`, by account; ticket commands, `account_health`)",
            "SELECT id, key, status FROM tickets WHERE 1 = 1 AND account_id = 'acct000042' ORDER BY id".into(),
        ),
    ]
}

pub async fn print(db: &Db, now: DateTime<Utc>) {
    let (label, explain) = match db.backend() {
        Backend::Sqlite => ("SQLite", "EXPLAIN QUERY PLAN "),
        Backend::Postgres => ("PostgreSQL", "EXPLAIN "),
    };
    println!("\n#### Query plans on {label} (over the generated history)\n");
    for (what, sql) in queries(now) {
        println!("{what}:\n```");
        for line in db.lines(&format!("{explain}{sql}")).await {
            println!("{line}");
        }
        println!("```");
    }
}
