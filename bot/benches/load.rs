//! Baton's load benchmarks (issue #10). One command runs them:
//!
//! ```sh
//! cargo bench -p baton --bench load -- [ack|history|all] [--sqlite-only|--postgres-only] [--quick]
//! ```
//!
//! - `ack`: the real `baton serve` (this build's release binary) on loopback, with a fake Slack
//!   Web API, receiving signed Events API requests (customer `message`s in 1,000 customer
//!   channels and 🎫 `reaction_added`s by agents) at a fixed rate and then as fast as a bounded
//!   number of connections can send. Reports acks/s, ack latency p50/p99/max, tickets created
//!   per second end to end (event in → ticket row and card posted to the fake), idle and peak
//!   RSS, binary size. Checks that every event became exactly one ticket and one card.
//! - `history`: 100,000 accounts and 1,000,000 tickets with their events written straight into
//!   the database, then each digest kind, the SLA sweep and the health-score pass timed through
//!   the library, and the query plans of their main queries.
//!
//! Both run on SQLite and on PostgreSQL (`BATON_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`; a fresh schema per run, dropped afterwards).
//! Every phase is bounded in time; results print as markdown tables on stdout.

#[path = "load/ack.rs"]
mod ack;
#[path = "load/history.rs"]
mod history;
#[path = "load/plans.rs"]
mod plans;

use std::str::FromStr;
use std::time::Duration;

use baton::store::Backend;
use baton::testing::{self, TestDb};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};

/// A single-connection pool on the benchmark's database, for bulk loading and plans (one
/// connection, so `BEGIN` and `COMMIT` apply to the statements between them).
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

impl Db {
    pub async fn open(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .expect("sqlite url")
                // Loading only: the database under test keeps its own (durable) settings.
                .synchronous(SqliteSynchronous::Off)
                .busy_timeout(Duration::from_secs(30));
            Db::Sqlite(SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.expect("open sqlite"))
        } else {
            let opts = PgConnectOptions::from_str(url).expect("postgres url");
            Db::Pg(PgPoolOptions::new().max_connections(1).connect_with(opts).await.expect("open postgres"))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    pub async fn exec(&self, sql: &str) {
        let r = match self {
            Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
            Db::Pg(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        };
        if let Err(e) = r {
            panic!("{e}: {}", &sql[..sql.len().min(300)]);
        }
    }

    /// The first column of every row, as text.
    pub async fn lines(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Sqlite(p) => sqlx::query(sql)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
                .iter()
                .map(|r| {
                    // EXPLAIN QUERY PLAN: id, parent, notused, detail.
                    let depth: i64 = r.try_get(1).unwrap_or(0);
                    let detail: String = r.try_get(3).unwrap_or_default();
                    format!("{}{detail}", if depth > 0 { "  " } else { "" })
                })
                .collect(),
            Db::Pg(p) => sqlx::query(sql)
                .fetch_all(p)
                .await
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
                .iter()
                .map(|r| r.try_get::<String, _>(0).unwrap_or_default())
                .collect(),
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        match self {
            Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap_or_else(|e| panic!("{e}: {sql}")),
            Db::Pg(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap_or_else(|e| panic!("{e}: {sql}")),
        }
    }

    pub async fn close(self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Pg(p) => p.close().await,
        }
    }
}

/// The results, printed as one markdown table per mode.
#[derive(Default)]
pub struct Table {
    rows: Vec<[String; 4]>,
}

impl Table {
    pub fn row(&mut self, db: &str, what: &str, value: String) {
        self.rows.push([db.into(), what.into(), value, String::new()]);
    }
    pub fn target(&mut self, db: &str, what: &str, value: String, target: &str) {
        self.rows.push([db.into(), what.into(), value, target.into()]);
    }
    pub fn timed(&mut self, db: &str, what: &str, took: Duration, target: &str) {
        let ms = took.as_secs_f64() * 1000.0;
        let value = if ms >= 1000.0 { format!("{:.2} s", ms / 1000.0) } else { format!("{ms:.0} ms") };
        self.target(db, what, value, target);
    }
    pub fn print(&self, title: &str) {
        println!("\n### {title}\n");
        println!("| database | measure | result | target |");
        println!("| --- | --- | --- | --- |");
        for [db, what, value, target] in &self.rows {
            println!("| {db} | {what} | {value} | {target} |");
        }
        println!();
    }
}

async fn databases(args: &[String]) -> Vec<TestDb> {
    let mut out = Vec::new();
    if !args.iter().any(|a| a == "--postgres-only") {
        out.push(testing::sqlite().await);
    }
    if !args.iter().any(|a| a == "--sqlite-only") {
        match testing::postgres().await {
            Some(db) => out.push(db),
            None => eprintln!("note: PostgreSQL unreachable; its half of the benchmark is skipped"),
        }
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; anything else selects the mode and options.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mode = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| "all".into());
    if !["ack", "history", "all"].contains(&mode.as_str()) {
        eprintln!("usage: cargo bench -p baton --bench load -- [ack|history|all] [--sqlite-only|--postgres-only] [--quick]");
        std::process::exit(2);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        println!("## baton load benchmark\n");
        println!("- machine: {} CPUs, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model());
        println!("- baton binary: {}", env!("CARGO_BIN_EXE_baton"));
        if mode == "ack" || mode == "all" {
            let mut table = Table::default();
            for db in databases(&args).await {
                ack::run(&db, &mut table, quick).await;
                db.cleanup().await;
            }
            table.print("ack path (baton serve, signed Slack Events API over loopback)");
        }
        if mode == "history" || mode == "all" {
            let scale = if quick {
                history::Scale { accounts: 10_000, tickets: 100_000, active: 10_000 }
            } else {
                history::Scale::FULL
            };
            let mut table = Table::default();
            for db in databases(&args).await {
                history::run(&db, scale, &mut table, true).await;
                db.cleanup().await;
            }
            table.print("history: digests, SLA sweep and health pass");
        }
    });
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into())
}
