//! `ack`: signed Slack Events API requests at the real `baton serve`, with a fake Slack Web API.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::routing::any;
use axum::Router;
use baton::store::Backend;
use baton::testing::TestDb;
use baton_slack::Verifier;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{Db, Table};

const SIGNING_SECRET: &str = "bench-signing-secret-0123456789";
const BOT_TOKEN: &str = "xoxb-bench-bot-token";
const HOME_TEAM: &str = "T0HOME";
const CUSTOMER_TEAM: &str = "T0CUSTOMER";
const BOT_USER: &str = "U0BATON";
/// Customer channels (one per account); even ones take every customer message as a ticket
/// (`auto_intake`), odd ones open tickets from an agent's 🎫 reaction.
const CHANNELS: u64 = 1_000;
const AGENTS: u64 = 20;

fn channel(a: u64) -> String {
    format!("C{a:08}")
}
fn customer(a: u64) -> String {
    format!("U{a:08}C")
}
fn agent(k: u64) -> String {
    format!("U0AGENT{k:04}")
}

// ----- the fake Slack Web API ------------------------------------------------------------

#[derive(Default)]
struct Fake {
    calls: AtomicU64,
    posts: AtomicU64,
    /// `chat.postMessage` calls carrying a ticket card (header block).
    cards: AtomicU64,
    next_ts: AtomicU64,
    last_card: Mutex<Option<Instant>>,
}

async fn answer(
    State(fake): State<Arc<Fake>>,
    UrlPath(method): UrlPath<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> axum::Json<Value> {
    fake.calls.fetch_add(1, Ordering::Relaxed);
    let mut args: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(query.as_deref().unwrap_or_default()).unwrap_or_default() {
        args[k] = json!(v);
    }
    let now = chrono::Utc::now().timestamp();
    axum::Json(match method.as_str() {
        "auth.test" => json!({ "ok": true, "url": "https://bench.slack.com/", "team": "Bench", "user": "baton",
                               "team_id": HOME_TEAM, "user_id": BOT_USER, "bot_id": "B0BATON" }),
        "users.info" => {
            let id = args["user"].as_str().unwrap_or_default().to_string();
            let team = if id.starts_with("U0AGENT") { HOME_TEAM } else { CUSTOMER_TEAM };
            json!({ "ok": true, "user": { "id": id, "team_id": team, "name": id.to_lowercase(), "real_name": id,
                    "is_bot": false, "locale": "en-US", "profile": { "display_name": id, "real_name": id } } })
        }
        "conversations.history" | "conversations.replies" => {
            // The reacted-to message: a customer's, in that channel, at that ts.
            let ch = args["channel"].as_str().unwrap_or_default();
            let a: u64 = ch.trim_start_matches('C').parse().unwrap_or(0);
            json!({ "ok": true, "has_more": false, "messages": [ { "type": "message", "user": customer(a),
                    "text": "Exports have been failing since this morning", "ts": args["latest"], "team": CUSTOMER_TEAM } ] })
        }
        "conversations.open" => json!({ "ok": true, "channel": { "id": format!("D{}", args["users"].as_str().unwrap_or_default()) } }),
        "chat.postMessage" => {
            fake.posts.fetch_add(1, Ordering::Relaxed);
            // A ticket card: a header block titled with the ticket's key (`A12-3 …`).
            let header = args["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
            if args["blocks"][0]["type"] == "header" && header.starts_with('A') && header.contains('-') {
                fake.cards.fetch_add(1, Ordering::Relaxed);
                *fake.last_card.lock().unwrap() = Some(Instant::now());
            }
            let n = fake.next_ts.fetch_add(1, Ordering::Relaxed);
            let ts = format!("{now}.{:06}", n % 1_000_000);
            json!({ "ok": true, "channel": args["channel"], "ts": ts,
                    "message": { "type": "message", "user": BOT_USER, "bot_id": "B0BATON", "text": args["text"], "ts": ts } })
        }
        "chat.update" => json!({ "ok": true, "channel": args["channel"], "ts": args["ts"], "text": args["text"] }),
        "chat.postEphemeral" => json!({ "ok": true, "message_ts": format!("{now}.000000") }),
        // The 🎫 baton puts on each message that became a ticket.
        "reactions.add" => json!({ "ok": true }),
        _ => json!({ "ok": false, "error": "unknown_method" }),
    })
}

async fn start_fake() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new().route("/api/{method}", any(answer)).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (fake, format!("http://{addr}/api/"))
}

// ----- baton ------------------------------------------------------------------------------

fn write_config(dir: &Path, database_url: &str) -> std::path::PathBuf {
    let mut text = format!(
        "[database]\nurl = \"{database_url}\"\n\n[general]\ndefault_locale = \"en-US\"\ntiers = [\"enterprise\", \"business\", \"starter\"]\n\n[slack]\nmode = \"http\"\n\n"
    );
    for k in 0..AGENTS {
        let _ = writeln!(text, "[[people]]\nid = \"agent{k}\"\nname = \"Agent {k}\"\nrole = \"agent\"\nslack_id = \"{}\"\n", agent(k));
    }
    for a in 0..CHANNELS {
        let tier = ["enterprise", "business", "starter"][(a % 3) as usize];
        let _ = writeln!(
            text,
            "[[accounts]]\nid = \"acct{a}\"\nname = \"Account {a}\"\ntier = \"{tier}\"\nkey_prefix = \"A{a}\"\nchannels = [\"slack:{}\"]\n",
            channel(a)
        );
        let _ = writeln!(text, "[[channels]]\nchannel = \"slack:{}\"\nauto_intake = {}\n", channel(a), a % 2 == 0);
    }
    let path = dir.join("baton.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

struct Baton {
    child: tokio::process::Child,
    base: String,
    pid: u32,
}

async fn start_baton(config: &Path, api_url: &str, log: &Path) -> Baton {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("BATON_HTTP__BIND", "127.0.0.1:0")
        .env("BATON_SLACK__SIGNING_SECRET", SIGNING_SECRET)
        .env("BATON_SLACK__BOT_TOKEN", BOT_TOKEN)
        .env("BATON_SLACK__API_URL", api_url)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).expect("log file"))
        .kill_on_drop(true)
        .spawn()
        .expect("start baton");
    let pid = child.id().expect("pid");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(120), lines.next_line())
        .await
        .expect("baton printed its address within 120 s")
        .unwrap()
        .expect("a line");
    let base = line.strip_prefix("baton listening on ").expect("listening line").trim().to_string();
    // Keep draining stdout so baton never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Baton { child, base, pid }
}

impl Baton {
    async fn stop(mut self) {
        let _ = std::process::Command::new("kill").arg("-TERM").arg(self.pid.to_string()).status();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }
}

/// The size of the benchmarked binary as built, and of copies stripped of debug info (what
/// the `release` profile's `strip = "debuginfo"` ships: the bench profile keeps line tables
/// for profiles, the code is the same) and of everything, with `strip`; "?" where it fails.
fn binary_sizes() -> String {
    let path = std::path::Path::new(env!("CARGO_BIN_EXE_baton"));
    let mb = |p: &std::path::Path| std::fs::metadata(p).map(|m| format!("{:.1} MB", m.len() as f64 / 1_048_576.0)).unwrap_or_else(|_| "?".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let stripped = |flag: &str, name: &str| {
        let out = dir.path().join(name);
        let ok = std::process::Command::new("strip").arg(flag).arg(path).arg("-o").arg(&out).status().is_ok_and(|s| s.success());
        if ok { mb(&out) } else { "?".into() }
    };
    format!("{} / {} / {}", mb(path), stripped("--strip-debug", "no-debug"), stripped("--strip-all", "stripped"))
}

/// A `/proc/PID/status` field in kB.
fn proc_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

// ----- the load ---------------------------------------------------------------------------

/// Event number `seq`: its signed body, and whether it should open a ticket. Of every four:
/// two customer messages in auto-intake channels (a ticket each), one customer message in a
/// reaction channel (nothing), and an agent's 🎫 reaction to that message (a ticket).
fn event(seq: u64, base_secs: i64) -> (String, bool) {
    let group = seq / 4;
    let ts_of = |s: u64| format!("{}.{:06}", base_secs + (s / 1_000_000) as i64, s % 1_000_000);
    let (ev, ticket) = match seq % 4 {
        0 | 2 => {
            let a = 2 * ((group * 2 + seq % 4 / 2) % (CHANNELS / 2));
            (message(a, &ts_of(seq), seq), true)
        }
        1 => {
            let a = 2 * (group % (CHANNELS / 2)) + 1;
            (message(a, &ts_of(seq), seq), false)
        }
        _ => {
            let a = 2 * (group % (CHANNELS / 2)) + 1;
            let ev = json!({ "type": "reaction_added", "user": agent(group % AGENTS), "reaction": "ticket", "item_user": customer(a),
                             "item": { "type": "message", "channel": channel(a), "ts": ts_of(seq - 2) }, "event_ts": ts_of(seq) });
            (ev, true)
        }
    };
    let body = json!({
        "token": "legacy-verification-token",
        "team_id": HOME_TEAM,
        "context_team_id": HOME_TEAM,
        "api_app_id": "A0BATON",
        "event": ev,
        "type": "event_callback",
        "event_id": format!("Ev{seq:010}"),
        "event_time": base_secs,
        "authorizations": [ { "enterprise_id": null, "team_id": HOME_TEAM, "user_id": BOT_USER, "is_bot": true, "is_enterprise_install": false } ],
        "is_ext_shared_channel": true,
    });
    (body.to_string(), ticket)
}

fn message(a: u64, ts: &str, seq: u64) -> Value {
    json!({ "type": "message", "user": customer(a), "text": format!("Exports have been failing since this morning (report {seq})"),
            "ts": ts, "team": CUSTOMER_TEAM, "user_team": CUSTOMER_TEAM, "source_team": CUSTOMER_TEAM,
            "channel": channel(a), "channel_type": "channel", "event_ts": ts })
}

#[derive(Default)]
struct Outcome {
    latencies_us: Vec<u64>,
    acked: u64,
    failed: u64,
    tickets_expected: u64,
}

struct Load {
    http: reqwest::Client,
    url: String,
    verifier: Verifier,
    seq: AtomicU64,
    base_secs: i64,
}

impl Load {
    /// Sends one event; `(latency, acked, should open a ticket)`.
    async fn send(&self) -> (Duration, bool, bool) {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let (body, ticket) = event(seq, self.base_secs);
        let ts = chrono::Utc::now().timestamp().to_string();
        let signature = self.verifier.sign(&ts, body.as_bytes());
        let started = Instant::now();
        let r = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", signature)
            .body(body)
            .send()
            .await;
        let ok = match r {
            Ok(r) => {
                let ok = r.status().is_success();
                let _ = r.bytes().await;
                ok
            }
            Err(_) => false,
        };
        (started.elapsed(), ok, ticket)
    }
}

fn record(out: &Mutex<Outcome>, (took, ok, ticket): (Duration, bool, bool)) {
    let mut o = out.lock().unwrap();
    if ok {
        o.acked += 1;
        o.latencies_us.push(took.as_micros() as u64);
        o.tickets_expected += u64::from(ticket);
    } else {
        o.failed += 1;
    }
}

/// `rate` events/s for `secs`, open loop (at most `max_in_flight` outstanding).
async fn fixed_rate(load: &Arc<Load>, rate: u64, secs: u64, max_in_flight: usize) -> (Outcome, Duration, u64) {
    let out = Arc::new(Mutex::new(Outcome::default()));
    let permits = Arc::new(tokio::sync::Semaphore::new(max_in_flight));
    let started = Instant::now();
    let total = rate * secs;
    let mut interval = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut skipped = 0;
    let mut tasks = Vec::with_capacity(total as usize);
    for _ in 0..total {
        interval.tick().await;
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            skipped += 1;
            continue;
        };
        let (load, out) = (load.clone(), out.clone());
        tasks.push(tokio::spawn(async move {
            record(&out, load.send().await);
            drop(permit);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    let out = Arc::try_unwrap(out).ok().unwrap().into_inner().unwrap();
    (out, elapsed, skipped)
}

/// As fast as `connections` connections can send, for `secs`.
async fn max_rate(load: &Arc<Load>, connections: usize, secs: u64) -> (Outcome, Duration) {
    let out = Arc::new(Mutex::new(Outcome::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (load, out, stop) = (load.clone(), out.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                record(&out, load.send().await);
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed();
    let out = Arc::try_unwrap(out).ok().unwrap().into_inner().unwrap();
    (out, elapsed)
}

fn pct(sorted: &[u64], p: usize) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest rank.
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1] as f64 / 1000.0
}

/// How often [`drained`] counts the ticket rows. A count is a scan of the tickets table on
/// the database baton is busy writing (at 20 ms it took a tenth of a core from the run it
/// measured); the cards, counted by the fake in memory, are checked every 5 ms.
const ROWS_POLL: Duration = Duration::from_millis(250);

/// When the last expected ticket row was first seen (counted every [`ROWS_POLL`]) and when
/// the last card reached the fake.
struct Drained {
    rows: Instant,
    cards: Instant,
}

/// Waits (bounded) until `want_tickets` tickets exist and `want_cards` cards reached the
/// fake; on timeout, returns what was there.
async fn drained(db: &Db, fake: &Fake, want_tickets: i64, want_cards: u64, limit: Duration) -> Result<Drained, (i64, u64)> {
    let deadline = Instant::now() + limit;
    let (mut rows, mut tickets, mut next_count) = (None, 0, Instant::now());
    loop {
        let cards = fake.cards.load(Ordering::Relaxed);
        if rows.is_none() && Instant::now() >= next_count {
            tickets = db.count("SELECT COUNT(*) FROM tickets").await;
            next_count = Instant::now() + ROWS_POLL;
            if tickets >= want_tickets {
                rows = Some(Instant::now());
            }
        }
        if let (Some(rows), true) = (rows, cards >= want_cards) {
            let last = fake.last_card.lock().unwrap().unwrap_or_else(Instant::now);
            return Ok(Drained { rows, cards: last });
        }
        if Instant::now() > deadline {
            return Err((tickets, cards));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn report(table: &mut Table, label: &str, phase: &str, out: &mut Outcome, elapsed: Duration, target_rate: &str, target_p99: &str) {
    out.latencies_us.sort_unstable();
    let l = &out.latencies_us;
    table.target(label, &format!("{phase}: acked events/s ({} acked, {} failed)", out.acked, out.failed),
        format!("{:.0}", out.acked as f64 / elapsed.as_secs_f64()), target_rate);
    table.target(label, &format!("{phase}: ack latency p50 / p99 / max"),
        format!("{:.1} / {:.1} / {:.1} ms", pct(l, 50), pct(l, 99), l.last().copied().unwrap_or(0) as f64 / 1000.0), target_p99);
}

pub async fn run(test_db: &TestDb, table: &mut Table, quick: bool) {
    let label = match test_db.backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let secs = if quick { 5 } else { 15 };
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &test_db.url);
    let (fake, api_url) = start_fake().await;
    let log = dir.path().join("baton.log");
    let baton = start_baton(&config, &api_url, &log).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    // Ready, and idle: the configured accounts are loaded.
    let ready = http.get(format!("{}/readyz", baton.base)).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
    assert_eq!(ready, 200, "baton is ready");
    let idle_rss = proc_kb(baton.pid, "VmRSS");
    let binary = binary_sizes();
    let db = Db::open(&test_db.url).await;
    let load = Arc::new(Load {
        http,
        url: format!("{}/slack/events", baton.base),
        verifier: Verifier::new(SecretString::from(SIGNING_SECRET)),
        seq: AtomicU64::new(0),
        base_secs: chrono::Utc::now().timestamp() - 120,
    });

    // 1. A fixed rate.
    let rate = 500;
    eprintln!("[{label}] ack: {rate} events/s for {secs} s …");
    let phase_start = Instant::now();
    let (mut out, elapsed, skipped) = fixed_rate(&load, rate, secs, 512).await;
    report(table, label, &format!("fixed {rate}/s for {secs} s"), &mut out, elapsed, &format!("{rate}/s, {skipped} not sent (512 in flight)"), "p99 < 20 ms");
    let mut expected = out.tickets_expected as i64;
    let mut total_acked = out.acked;
    e2e(table, label, &db, &fake, expected, phase_start, out.tickets_expected, "fixed rate").await;

    // 2. The maximum rate, 64 connections.
    let connections = 64;
    eprintln!("[{label}] ack: max rate, {connections} connections for {secs} s …");
    // `BATON_BENCH_PERF=DIR`: profile baton during this phase (`perf report -i DIR/perf-….data`).
    let perf = std::env::var("BATON_BENCH_PERF").ok().map(|dir| {
        let file = format!("{dir}/perf-{}.data", label.to_lowercase());
        std::process::Command::new("perf")
            .args(["record", "-F", "499", "-g", "-p", &baton.pid.to_string(), "-o", &file, "--", "sleep", &secs.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("perf")
    });
    let phase_start = Instant::now();
    let (mut out, elapsed) = max_rate(&load, connections, secs).await;
    if let Some(mut p) = perf {
        let _ = p.wait();
    }
    report(table, label, &format!("max rate, {connections} connections, {secs} s"), &mut out, elapsed, "≥ 10,000/s (SQLite)", "p99 < 20 ms");
    expected += out.tickets_expected as i64;
    total_acked += out.acked;
    e2e(table, label, &db, &fake, expected, phase_start, out.tickets_expected, "max rate").await;

    // Nothing lost, nothing doubled: every acked event is in the inbox, processed, and each
    // ticket-opening event made exactly one ticket and one card.
    let recorded = db.count("SELECT COUNT(*) FROM inbound_events").await;
    let processed = db.count("SELECT COUNT(*) FROM inbound_events WHERE processed_at IS NOT NULL").await;
    let errored = db.count("SELECT COUNT(*) FROM inbound_events WHERE error IS NOT NULL").await;
    let tickets = db.count("SELECT COUNT(*) FROM tickets").await;
    let cards = fake.cards.load(Ordering::Relaxed);
    table.target(label, "events acked / recorded / processed / with error", format!("{total_acked} / {recorded} / {processed} / {errored}"), "all equal, 0 errors");
    table.target(label, "tickets expected / in database / cards posted", format!("{expected} / {tickets} / {cards}"), "all equal");
    // Every call baton made was answered as Slack would: a failure here is the fake missing a
    // method, and its retries would be load that a real workspace does not cause.
    let failed = db.count("SELECT COUNT(*) FROM outbox WHERE last_error IS NOT NULL").await;
    table.target(label, "outbox messages that failed an attempt", failed.to_string(), "0");
    let peak = proc_kb(baton.pid, "VmHWM");
    table.target(label, "idle RSS (after start, 1,000 accounts)", format!("{:.1} MB", idle_rss as f64 / 1024.0), "< 30 MB");
    table.target(label, "peak RSS (VmHWM, after the max-rate load)", format!("{:.1} MB", peak as f64 / 1024.0), "< 100 MB");
    table.row(label, "binary size: as built (bench profile, with line tables) / without debug info (= `release` profile) / fully stripped", binary);
    db.close().await;
    baton.stop().await;
    let errors = std::fs::read_to_string(&log).map(|s| s.lines().filter(|l| l.contains("ERROR")).count()).unwrap_or(0);
    if errors > 0 {
        eprintln!("[{label}] baton logged {errors} ERROR lines; see the log (kept: {})", dir.keep().display());
    }
}

/// End to end for one phase: tickets created per second from the phase's first event until
/// its last ticket's card reached the fake.
#[allow(clippy::too_many_arguments)] // one call site per phase; a struct would only rename them
async fn e2e(table: &mut Table, label: &str, db: &Db, fake: &Fake, expected_total: i64, phase_start: Instant, phase_tickets: u64, phase: &str) {
    match drained(db, fake, expected_total, expected_total as u64, Duration::from_secs(180)).await {
        Ok(Drained { rows, cards }) => {
            let took = cards.saturating_duration_since(phase_start).max(Duration::from_millis(1));
            table.target(
                label,
                &format!("{phase}: tickets created end to end /s ({phase_tickets} tickets + cards in {:.1} s)", took.as_secs_f64()),
                format!("{:.0}", phase_tickets as f64 / took.as_secs_f64()),
                "≥ 1,000/s",
            );
            // Which side sets that pace: the inbox (rows) or the outbox (cards).
            let rows_took = rows.saturating_duration_since(phase_start).max(Duration::from_millis(1));
            table.row(
                label,
                &format!("{phase}: ticket rows alone /s (all {phase_tickets} rows by {:.1} s, counted every {} ms)", rows_took.as_secs_f64(), ROWS_POLL.as_millis()),
                format!("{:.0}", phase_tickets as f64 / rows_took.as_secs_f64()),
            );
        }
        Err((tickets, cards)) => table.target(
            label,
            &format!("{phase}: tickets created end to end /s"),
            format!("not drained in 180 s: {tickets} of {expected_total} tickets, {cards} cards"),
            "≥ 1,000/s",
        ),
    }
}
