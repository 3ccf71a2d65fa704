//! `history`: a large history written straight into the database (multi-row INSERTs in
//! transactions), then each digest kind, the SLA sweep and the health-score pass timed
//! through baton's own library functions, and the query plans of the queries they run.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use baton::clock::ManualClock;
use baton::config::{Config, DigestKind};
use baton::digest::{DigestSpec, Digests, Occasion, SlaClocksOutlook, Target};
use baton::domain::{
    Actor, EventKind, IntakeVia, LogFacts, Name, Person, PersonId, Priority, Rating, Role, TicketEvent, TicketId,
    TicketStatus, Tier, Title,
};
use baton::engine::{Engine, Settings};
use baton::sla::{self, Calendar, ClockState, SlaPolicy, SlaRule};
use baton::store::Backend;
use baton::testing::TestDb;
use baton_chat::{ChannelRef, MessageId, Platform, UserId};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};

use crate::{Db, Table};

/// Sizes of the generated history.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub accounts: usize,
    pub tickets: usize,
    /// The most recent `active` tickets are still open (new, open, pending, on hold).
    pub active: usize,
}

impl Scale {
    pub const FULL: Scale = Scale { accounts: 100_000, tickets: 1_000_000, active: 100_000 };
}

const CSMS: usize = 200;
const AGENTS: usize = 300;
/// The history spans this many days before now.
const SPAN_DAYS: i64 = 730;
/// How often `baton serve` runs the lifecycle timers, the SLA sweep among them.
const SWEEP_EVERY: Duration = Duration::seconds(30);

/// A small deterministic generator (splitmix64): the same history on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The SLA policies the benchmark runs with (every day, every hour: the clocks' costliest
/// calendar is not the point here).
pub fn sla_rules() -> Vec<SlaRule> {
    let mut enterprise = SlaPolicy::new("enterprise", Calendar::always());
    enterprise.first_response = Some(Duration::hours(1));
    enterprise.next_response = Some(Duration::hours(4));
    enterprise.resolution = Some(Duration::hours(24));
    let mut standard = SlaPolicy::new("standard", Calendar::always());
    standard.first_response = Some(Duration::hours(8));
    standard.next_response = Some(Duration::hours(24));
    standard.resolution = Some(Duration::days(5));
    vec![
        SlaRule { tiers: vec![Tier::parse("enterprise").unwrap()], priorities: vec![], policy: enterprise },
        SlaRule { tiers: vec![], priorities: vec![], policy: standard },
    ]
}

fn settings() -> Settings {
    let mut s = Settings::from_config(&Config::default());
    s.sla_rules = sla_rules();
    s.escalate_on_breach = false;
    s
}

fn tier_of(a: usize) -> &'static str {
    match a % 10 {
        0 => "enterprise",
        1..=3 => "business",
        _ => "starter",
    }
}

/// SQL literal for text.
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A time as sqlx writes it on SQLite (RFC 3339, `+00:00`), which PostgreSQL also reads.
fn t(at: DateTime<Utc>) -> String {
    q(&at.to_rfc3339_opts(SecondsFormat::AutoSi, false))
}

fn d(day: NaiveDate) -> String {
    q(&day.format("%F").to_string())
}

fn json<T: serde::Serialize>(v: &T) -> String {
    q(&serde_json::to_string(v).expect("serialisable"))
}

/// Collects rows and writes them as multi-row INSERTs, `per_statement` rows at a time.
struct Inserter<'a> {
    db: &'a Db,
    head: String,
    rows: Vec<String>,
    per_statement: usize,
    written: usize,
}

impl<'a> Inserter<'a> {
    fn new(db: &'a Db, table: &str, columns: &str, explicit_id: bool) -> Self {
        let overriding = if explicit_id && db.backend() == Backend::Postgres { " OVERRIDING SYSTEM VALUE" } else { "" };
        Self { db, head: format!("INSERT INTO {table} ({columns}){overriding} VALUES "), rows: Vec::new(), per_statement: 2000, written: 0 }
    }
    async fn push(&mut self, row: String) {
        self.rows.push(row);
        if self.rows.len() >= self.per_statement {
            self.flush().await;
        }
    }
    async fn flush(&mut self) {
        if self.rows.is_empty() {
            return;
        }
        let sql = format!("{}{}", self.head, self.rows.join(","));
        self.db.exec(&sql).await;
        self.written += self.rows.len();
        self.rows.clear();
    }
}

/// What was generated.
#[derive(Default, Debug)]
pub struct Generated {
    pub tickets: usize,
    pub events: usize,
    pub active: usize,
    pub seconds: f64,
}

/// Writes the history into `db` (migrated, empty) as of `now`.
pub async fn generate(db: &Db, store: &Arc<dyn baton::store::Store>, scale: Scale, now: DateTime<Utc>) -> Generated {
    let started = Instant::now();
    let mut rng = Rng(0x5EED);
    // People: CSMs, agents, a manager, each with a Slack handle.
    let mut people = Vec::new();
    for i in 0..CSMS {
        let mut p = Person::new(PersonId::parse(&format!("csm{i:03}")).unwrap(), Name::parse(&format!("CSM {i}")).unwrap(), Role::Csm);
        p.handles.insert(Platform::Slack, UserId::parse(format!("U0CSM{i:04}")).unwrap());
        p.manager = Some(PersonId::parse("manager").unwrap());
        people.push(p);
    }
    for i in 0..AGENTS {
        let mut p = Person::new(PersonId::parse(&format!("agent{i:03}")).unwrap(), Name::parse(&format!("Agent {i}")).unwrap(), Role::Agent);
        p.handles.insert(Platform::Slack, UserId::parse(format!("U0AGENT{i:04}")).unwrap());
        people.push(p);
    }
    people.push(Person::new(PersonId::parse("manager").unwrap(), Name::parse("Manager").unwrap(), Role::Manager));
    store.upsert_people(&people).await.expect("people");

    db.exec("BEGIN").await;
    let today = now.date_naive();
    let mut accounts = Inserter::new(
        db,
        "accounts",
        "id, name, tier, arr, currency, renewal_date, csm, key_prefix, locale, signals, updated_at",
        false,
    );
    let mut channels = Inserter::new(db, "account_channels", "platform, channel, account_id", false);
    let mut snapshots = Inserter::new(db, "health_snapshots", "account_id, day, score, reasons", false);
    let mut counters = Inserter::new(db, "ticket_counters", "prefix, last", false);
    let per_account = scale.tickets.div_ceil(scale.accounts);
    for a in 0..scale.accounts {
        let signals = serde_json::json!({ "nps": (a % 11) as f64, "usage_trend": -((a % 7) as f64) / 10.0 });
        accounts
            .push(format!(
                "({}, {}, {}, {}, 'USD', {}, {}, {}, NULL, {}, {})",
                q(&format!("acct{a:06}")),
                q(&format!("Account {a}")),
                q(tier_of(a)),
                1000 * (a % 500 + 10),
                d(today + Duration::days((a % 400) as i64)),
                q(&format!("csm{:03}", a % CSMS)),
                q(&format!("A{a:06}")),
                json(&signals),
                t(now),
            ))
            .await;
        channels.push(format!("('slack', {}, {})", q(&format!("C{a:08}")), q(&format!("acct{a:06}")))).await;
        snapshots
            .push(format!("({}, {}, {}, '[]')", q(&format!("acct{a:06}")), d(today - Duration::days(7)), 40 + rng.below(61)))
            .await;
        counters.push(format!("({}, {})", q(&format!("A{a:06}")), per_account)).await;
    }
    for i in [&mut accounts, &mut channels, &mut snapshots, &mut counters] {
        i.flush().await;
    }
    db.exec("COMMIT").await;

    let rules = sla_rules();
    let mut tickets = Inserter::new(
        db,
        "tickets",
        "id, key, account_id, requester_platform, requester_user, requester_name, requester_person, title, status, \
         priority, assignee, tags, origin_platform, origin_channel, origin_message, origin_thread, card_message, \
         opened_at, created_at, updated_at, follow_up_of, version, sla_next_check_at, unanswered, escalation_level",
        true,
    );
    tickets.per_statement = 1000;
    let mut events = Inserter::new(db, "ticket_events", "id, ticket_id, kind, data, actor, occurred_at, recorded_at", true);
    // Events are flushed by hand, after their tickets (foreign keys).
    events.per_statement = usize::MAX;
    let mut event_id: i64 = 0;
    let mut active_count = 0;
    let span = Duration::days(SPAN_DAYS).num_seconds() as f64;
    db.exec("BEGIN").await;
    for i in 0..scale.tickets {
        if i % 100_000 == 99_999 {
            // Commit in slices so neither database holds one huge transaction.
            tickets.flush().await;
            events.flush().await;
            db.exec("COMMIT").await;
            db.exec("BEGIN").await;
        }
        let id = (i + 1) as i64;
        let a = i % scale.accounts;
        let number = i / scale.accounts + 1;
        let opened_at = now - Duration::days(SPAN_DAYS)
            + Duration::seconds((span * (i as f64 + 0.5) / scale.tickets as f64) as i64)
            - Duration::seconds(rng.below(600) as i64);
        let active = i >= scale.tickets - scale.active;
        let priority = match rng.below(100) {
            0..=4 => Priority::Urgent,
            5..=19 => Priority::High,
            20..=29 => Priority::Low,
            _ => Priority::Normal,
        };
        let customer = Actor::ChatUser {
            platform: Platform::Slack,
            user: UserId::parse(format!("U{a:08}C")).unwrap(),
            display_name: format!("Customer {a}"),
        };
        let agent = PersonId::parse(&format!("agent{:03}", rng.below(AGENTS as u64))).unwrap();
        let by_agent = Actor::Person { id: agent.clone() };
        let title = Title::parse(&format!("Cannot sign in with SSO ({i})")).unwrap();
        let mut log: Vec<(EventKind, Actor, DateTime<Utc>)> = vec![(
            EventKind::Opened { via: IntakeVia::Auto, title: title.clone(), description: Some("Our SSO login loops forever".into()) },
            customer.clone(),
            opened_at,
        )];
        let mut msg = 0;
        let mut message = |at: DateTime<Utc>| {
            msg += 1;
            MessageId::parse(format!("{}.{:06}", at.timestamp(), (i * 7 + msg) % 1_000_000)).unwrap()
        };
        let assign_at = opened_at + Duration::minutes(5 + rng.below(60) as i64);
        let status = if active {
            match rng.below(10) {
                0..=2 => TicketStatus::New,
                3..=7 => TicketStatus::Open,
                8 => TicketStatus::PendingOnCustomer,
                _ => TicketStatus::OnHold,
            }
        } else if rng.chance(50) {
            TicketStatus::Closed
        } else {
            TicketStatus::Solved
        };
        let mut assignee = None;
        if status != TicketStatus::New {
            assignee = Some(agent.clone());
            log.push((EventKind::Assigned { from: None, to: Some(agent.clone()) }, by_agent.clone(), assign_at));
            log.push((EventKind::StatusChanged { from: TicketStatus::New, to: TicketStatus::Open }, by_agent.clone(), assign_at));
            let reply_at = opened_at + Duration::minutes(5 + rng.below(8 * 60) as i64);
            log.push((EventKind::AgentMessage { message: message(reply_at), text: "Looking into it now".into() }, by_agent.clone(), reply_at));
            let mut last = reply_at;
            if rng.chance(30) {
                let c = last + Duration::minutes(10 + rng.below(600) as i64);
                log.push((EventKind::CustomerMessage { message: message(c), text: "Still broken for us".into() }, customer.clone(), c));
                last = c;
                if !active || rng.chance(50) {
                    let r = c + Duration::minutes(5 + rng.below(600) as i64);
                    log.push((EventKind::AgentMessage { message: message(r), text: "A fix is rolling out".into() }, by_agent.clone(), r));
                    last = r;
                }
            }
            if rng.chance(3) {
                let e = last + Duration::minutes(30);
                log.push((EventKind::Escalated { level: 1, reason: Some("customer impact".into()) }, by_agent.clone(), e));
                last = e;
            }
            match status {
                TicketStatus::PendingOnCustomer | TicketStatus::OnHold => {
                    let p = last + Duration::minutes(30);
                    log.push((EventKind::StatusChanged { from: TicketStatus::Open, to: status }, by_agent.clone(), p));
                }
                TicketStatus::Solved | TicketStatus::Closed => {
                    let mut solved = last + Duration::minutes(30 + rng.below(5 * 24 * 60) as i64);
                    log.push((EventKind::StatusChanged { from: TicketStatus::Open, to: TicketStatus::Solved }, by_agent.clone(), solved));
                    if rng.chance(2) {
                        let r = solved + Duration::hours(12);
                        log.push((EventKind::Reopened, customer.clone(), r));
                        log.push((EventKind::StatusChanged { from: TicketStatus::Solved, to: TicketStatus::Open }, customer.clone(), r));
                        solved = r + Duration::hours(2);
                        log.push((EventKind::StatusChanged { from: TicketStatus::Open, to: TicketStatus::Solved }, by_agent.clone(), solved));
                    }
                    if rng.chance(30) {
                        let c = solved + Duration::hours(1);
                        log.push((EventKind::CsatRequested, Actor::System, c));
                        let rating = Rating::new(1 + rng.below(5) as u8).unwrap();
                        log.push((EventKind::CsatReceived { rating, comment: None }, customer.clone(), c + Duration::minutes(20)));
                    }
                    if status == TicketStatus::Closed {
                        let c = solved + Duration::days(3);
                        log.push((EventKind::StatusChanged { from: TicketStatus::Solved, to: TicketStatus::Closed }, Actor::System, c));
                    }
                }
                _ => {}
            }
        }
        // Keep only what has happened by now (a recent ticket's later steps have not yet).
        log.retain(|(_, _, at)| *at <= now);
        let status = log
            .iter()
            .rev()
            .find_map(|(k, _, _)| match k {
                EventKind::StatusChanged { to, .. } => Some(*to),
                _ => None,
            })
            .unwrap_or(TicketStatus::New);
        if status.is_active() {
            active_count += 1;
        }
        // The SLA events the sweep would have recorded by now: every breach, and the warning
        // of a clock still running past its threshold. The sweep then starts from a steady state.
        let tier = Tier::parse(tier_of(a)).unwrap();
        // For an active ticket, the next SLA check the sweep would have stored.
        let mut next_check = None;
        if let Some(policy) = sla::select(&rules, Some(&tier), priority) {
            let to_events = |log: &[(EventKind, Actor, DateTime<Utc>)]| -> Vec<TicketEvent> {
                log.iter()
                    .map(|(k, actor, at)| TicketEvent {
                        id: 0,
                        ticket: TicketId(id),
                        kind: k.clone(),
                        actor: actor.clone(),
                        occurred_at: *at,
                        recorded_at: *at,
                    })
                    .collect()
            };
            let as_events = to_events(&log);
            let mut sla_events = Vec::new();
            for c in sla::clocks(policy, opened_at, &as_events, now) {
                let Some(due) = c.due_at else { continue };
                if c.state == ClockState::Breached {
                    sla_events.push((EventKind::SlaBreached { target: c.kind, due }, Actor::System, due));
                } else if c.warning && status.is_active() {
                    let at = c.warn_at.unwrap_or(now).min(now);
                    sla_events.push((EventKind::SlaWarning { target: c.kind, due }, Actor::System, at));
                }
            }
            let swept = !sla_events.is_empty();
            log.extend(sla_events);
            if status.is_active() {
                let as_events = if swept { to_events(&log) } else { as_events };
                let clocks = sla::clocks(policy, opened_at, &as_events, now);
                next_check = Some(Engine::sla_next_check(&clocks, &as_events, now));
            }
        }
        let updated_at = log.iter().map(|(_, _, at)| *at).max().unwrap_or(opened_at);
        // What the store holds: the last change's time until a sweep evaluates the ticket (never,
        // once inactive; not yet, for a change within the last sweep interval), then the sweep's.
        let next_check = match next_check {
            Some(next) if updated_at <= now - SWEEP_EVERY => next,
            _ => Some(updated_at),
        };
        let origin_message = format!("{}.{:06}", opened_at.timestamp(), i % 1_000_000);
        let channel = format!("C{a:08}");
        // What the store keeps on the row from the log (`LogFacts`), as its writes would have.
        let facts = LogFacts::default().after(log.iter().map(|(k, _, _)| k));
        tickets
            .push(format!(
                "({id}, {}, {}, 'slack', {}, {}, NULL, {}, {}, {}, {}, '[]', 'slack', {}, {}, NULL, NULL, {}, {}, {}, NULL, 0, {}, {}, {})",
                q(&format!("A{a:06}-{number}")),
                q(&format!("acct{a:06}")),
                q(&format!("U{a:08}C")),
                q(&format!("Customer {a}")),
                q(title.as_str()),
                q(status.as_str()),
                q(priority.as_str()),
                assignee.as_ref().map_or("NULL".to_string(), |p: &PersonId| q(p.as_str())),
                q(&channel),
                q(&origin_message),
                t(opened_at),
                t(opened_at),
                t(updated_at),
                next_check.map_or("NULL".to_string(), t),
                facts.unanswered,
                facts.escalation_level,
            ))
            .await;
        for (kind, actor, at) in log {
            event_id += 1;
            events
                .push(format!(
                    "({event_id}, {id}, {}, {}, {}, {}, {})",
                    q(kind.name()),
                    json(&kind),
                    json(&actor),
                    t(at),
                    t(at)
                ))
                .await;
        }
        if events.rows.len() >= 2000 {
            tickets.flush().await;
            events.flush().await;
        }
    }
    tickets.flush().await;
    events.flush().await;
    db.exec("COMMIT").await;
    if db.backend() == Backend::Postgres {
        for table in ["tickets", "ticket_events"] {
            db.exec(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")).await;
        }
    }
    db.exec("ANALYZE").await;
    Generated { tickets: tickets.written, events: events.written, active: active_count, seconds: started.elapsed().as_secs_f64() }
}

fn spec(name: &str, kind: DigestKind, targets: Vec<Target>) -> DigestSpec {
    DigestSpec {
        name: name.into(),
        kind,
        cron: baton::config::parse_cron("0 9 * * *").unwrap(),
        time_zone: chrono_tz::UTC,
        targets,
        lang: "en-US".parse().unwrap(),
    }
}

/// Times `f` once.
async fn timed<T, F: std::future::Future<Output = T>>(f: F) -> (T, StdDuration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

/// Options for iterating on the digest phase, from the environment (all optional):
///
/// - `BATON_BENCH_HISTORY_FILE=PATH` (SQLite only): keep the generated database at `PATH`
///   (the generation time in `PATH.now`) and reuse it on later runs instead of generating
///   it again. A kept file is reused only with `BATON_BENCH_HISTORY_PHASES=digests`, or once:
///   the sweep and the health pass write to it.
/// - `BATON_BENCH_HISTORY_SCHEMA=NAME` (PostgreSQL only): the same, in the schema `NAME` of
///   the test database (created if missing; the generation time in its table
///   `bench_history_now`). Drop it by hand when done: `DROP SCHEMA NAME CASCADE`.
/// - `BATON_BENCH_HISTORY_PHASES=digests`: time only the digests (no sweep, no health pass).
/// - `BATON_BENCH_DIGESTS=team,sla,at-risk`: only these digests.
/// - `BATON_BENCH_DIGEST_REPEAT=N`: render each digest `N` times (for profiling); the table
///   shows the first and the fastest.
struct Options {
    keep_file: Option<std::path::PathBuf>,
    keep_schema: Option<String>,
    digests_only: bool,
    digests: Option<Vec<String>>,
    repeat: usize,
}

impl Options {
    fn from_env() -> Self {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
        Options {
            keep_file: var("BATON_BENCH_HISTORY_FILE").map(Into::into),
            keep_schema: var("BATON_BENCH_HISTORY_SCHEMA").map(|v| v.trim().to_string()),
            digests_only: var("BATON_BENCH_HISTORY_PHASES").is_some_and(|v| v.trim() == "digests"),
            digests: var("BATON_BENCH_DIGESTS").map(|v| v.split(',').map(|s| s.trim().to_string()).collect()),
            repeat: var("BATON_BENCH_DIGEST_REPEAT").and_then(|v| v.trim().parse().ok()).unwrap_or(1).max(1),
        }
    }
}

/// The database the history goes into: the test database, or a kept one (SQLite:
/// `BATON_BENCH_HISTORY_FILE`; PostgreSQL: `BATON_BENCH_HISTORY_SCHEMA`), with the time its
/// history was generated at when it already holds one.
async fn database(test_db: &TestDb, o: &Options) -> (String, Arc<dyn baton::store::Store>, Option<DateTime<Utc>>) {
    match test_db.backend {
        Backend::Sqlite => {
            let Some(path) = o.keep_file.as_ref() else {
                return (test_db.url.clone(), test_db.store.clone(), None);
            };
            let url = format!("sqlite://{}", path.display());
            let store = baton::store::SqliteStore::connect(&url).await.expect("open the kept history database");
            baton::store::Store::migrate(&store).await.expect("migrate the kept history database");
            let generated = std::fs::read_to_string(now_file(path)).ok().and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok());
            (url, Arc::new(store), generated.map(|t| t.with_timezone(&Utc)))
        }
        Backend::Postgres => {
            let Some(schema) = o.keep_schema.as_ref() else {
                return (test_db.url.clone(), test_db.store.clone(), None);
            };
            assert!(
                schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "BATON_BENCH_HISTORY_SCHEMA: lower-case letters, digits and _ only"
            );
            let base = std::env::var(baton::testing::POSTGRES_URL_VAR).unwrap_or_else(|_| baton::testing::DEFAULT_POSTGRES_URL.to_string());
            let admin = Db::open(&base).await;
            admin.exec(&format!("CREATE SCHEMA IF NOT EXISTS {schema}")).await;
            let kept = format!("SELECT COUNT(*) FROM pg_tables WHERE schemaname = '{schema}' AND tablename = 'bench_history_now'");
            let generated = match admin.count(&kept).await {
                0 => Vec::new(),
                _ => admin.lines(&format!("SELECT at FROM {schema}.bench_history_now")).await,
            };
            admin.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            let store = baton::store::connect(&url).await.expect("open the kept history schema");
            store.migrate().await.expect("migrate the kept history schema");
            let generated = generated.first().and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok());
            (url, store, generated.map(|t| t.with_timezone(&Utc)))
        }
    }
}

/// Records when a kept history was generated (see [`Options`]).
async fn keep_time(db: &Db, o: &Options, now: DateTime<Utc>) {
    match db.backend() {
        Backend::Sqlite => {
            if let Some(path) = &o.keep_file {
                std::fs::write(now_file(path), now.to_rfc3339()).expect("write the kept history's time");
            }
        }
        Backend::Postgres => {
            if o.keep_schema.is_some() {
                db.exec(&format!("CREATE TABLE IF NOT EXISTS bench_history_now (at TEXT NOT NULL); DELETE FROM bench_history_now; INSERT INTO bench_history_now VALUES ({})", q(&now.to_rfc3339())))
                    .await;
            }
        }
    }
}

fn now_file(path: &std::path::Path) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".now");
    p.into()
}

/// Generates the history on `test_db` (or reuses a kept one, see [`Options`]), times every
/// pass and returns the result rows.
pub async fn run(test_db: &TestDb, scale: Scale, table: &mut Table, explain: bool) {
    let options = Options::from_env();
    let (url, store, kept) = database(test_db, &options).await;
    let db = Db::open(&url).await;
    let label = match test_db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let (now, g) = match kept {
        Some(now) => {
            eprintln!("[{label}] reusing the history kept in {url} (generated at {now})");
            let g = Generated {
                tickets: db.count("SELECT COUNT(*) FROM tickets").await as usize,
                events: db.count("SELECT COUNT(*) FROM ticket_events").await as usize,
                active: db.count("SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'open', 'pending', 'on-hold')").await as usize,
                seconds: 0.0,
            };
            (now, g)
        }
        None => {
            let now = Utc::now();
            eprintln!("[{label}] generating {} accounts, {} tickets …", scale.accounts, scale.tickets);
            let g = generate(&db, &store, scale, now).await;
            eprintln!("[{label}] generated {} tickets, {} events ({} active) in {:.1} s", g.tickets, g.events, g.active, g.seconds);
            keep_time(&db, &options, now).await;
            (now, g)
        }
    };
    table.row(label, "history written (accounts / tickets / events / active)", format!(
        "{} / {} / {} / {} in {:.0} s",
        scale.accounts, g.tickets, g.events, g.active, g.seconds
    ));

    let settings = Arc::new(settings());
    // The generator wrote each active ticket's next check as a sweep with these rules would
    // have (see `generate`); a running baton's sweep records the rules it did so with.
    let fingerprint = sla::rules_fingerprint(&settings.sla_rules);
    store.set_bot_state(sla::RULES_FINGERPRINT_STATE, &fingerprint).await.expect("record the rules swept with");
    let digests = Digests::new(store.clone(), settings.clone())
        .with_sla(Arc::new(SlaClocksOutlook { rules: settings.sla_rules.clone(), horizon: Duration::hours(4) }));
    let channel = Target::Channel(ChannelRef::parse("slack:C0DIGESTS").unwrap());
    for (name, kind, targets, target) in [
        ("team", DigestKind::TeamMetrics, vec![channel.clone()], "< 2 s"),
        ("sla", DigestKind::Sla, vec![channel.clone()], "< 2 s"),
        ("at-risk", DigestKind::AtRisk, vec![channel.clone(), Target::CsmDm], "< 2 s"),
    ] {
        if options.digests.as_ref().is_some_and(|only| !only.iter().any(|n| n == name)) {
            continue;
        }
        let s = spec(name, kind, targets);
        let occasion = Occasion::now(&s, now);
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..options.repeat {
            let (messages, took) = timed(digests.render(&s, &occasion, now)).await;
            let messages = messages.expect("digest renders");
            eprintln!("[{label}] digest {name}: {:.3} s, {} messages", took.as_secs_f64(), messages.len());
            count = messages.len();
            times.push(took);
        }
        let what = format!("digest `{name}` ({count} messages)");
        if times.len() > 1 {
            let best = times.iter().min().copied().unwrap_or_default();
            table.target(
                label,
                &format!("{what}, first / fastest of {}", times.len()),
                format!("{:.2} s / {:.2} s", times[0].as_secs_f64(), best.as_secs_f64()),
                target,
            );
        } else {
            table.timed(label, &what, times[0], target);
        }
    }
    if options.digests_only {
        if explain {
            crate::plans::print(&db, now).await;
        }
        db.close().await;
        return;
    }

    // The engine's clock is the sweep's `now`: what a pass posts is due again at the next.
    // After a change of the rules (another fingerprint recorded), the first pass sweeps
    // every active ticket. A restart with the same rules (a new engine: a new process) then
    // sweeps the due tickets only.
    store.set_bot_state(sla::RULES_FINGERPRINT_STATE, "the rules before a change").await.expect("a change of the rules");
    let clock = Arc::new(ManualClock::new(now));
    let first = Engine::new(store.clone(), settings.clone(), clock.clone());
    let restarted = Engine::new(store.clone(), settings.clone(), clock.clone());
    for (pass, engine, at, target) in [
        ("first pass with new SLA rules: every active ticket", &first, now, "once per change of the rules"),
        ("first pass after a restart with the same rules: the due tickets 30 s later", &restarted, now + SWEEP_EVERY, "< 500 ms"),
        ("steady state: the due tickets 60 s later", &restarted, now + SWEEP_EVERY * 2, "< 500 ms"),
        ("the due tickets 1 h later", &restarted, now + Duration::hours(1), "< 500 ms"),
    ] {
        clock.set(at);
        let due = if at == now { g.active } else { store.sla_candidates(Some(at)).await.expect("due tickets").len() };
        let (done, took) = timed(engine.sla_sweep(at)).await;
        let done = done.expect("sweep");
        eprintln!("[{label}] SLA sweep ({pass}): {:.3} s over {due} tickets, {done} warned/breached", took.as_secs_f64());
        table.timed(
            label,
            &format!("SLA sweep, {pass} ({due} of {} open tickets loaded, {done} warned/breached)", g.active),
            took,
            target,
        );
    }
    let (n, took) = timed(restarted.snapshot_health(now)).await;
    let n = n.expect("health pass");
    eprintln!("[{label}] health pass: {:.3} s over {n} accounts", took.as_secs_f64());
    table.timed(label, &format!("health-score pass ({n} accounts, snapshots saved)"), took, "");

    if explain {
        crate::plans::print(&db, now).await;
    }
    db.close().await;
}
