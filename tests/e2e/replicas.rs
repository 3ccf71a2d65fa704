//! Two replicas on one PostgreSQL, one killed mid-stream: the real `baton serve` twice, on
//! one fresh schema, fed signed Slack Events API requests, against a fake Slack Web API on
//! loopback that tells the two apart (each replica gets its own base URL on the fake).
//!
//! The killed replica is caught in the middle of its work: its Web API calls to post or
//! update messages are held at the fake's door (never answered, never carried out, like a
//! request that never reached Slack), so when it dies it holds outbox claims, and usually
//! inbox claims too. The survivor must take those over once their lease (`claim_lease`,
//! 3 s here) has passed. Events the killed replica did not acknowledge are sent again to the
//! survivor, as Slack retries them, with `X-Slack-Retry-Num`.
//!
//! Afterwards: every ticket exists once (opened once), every event was handled, every card
//! was posted to Slack exactly once, and nothing is left in the inbox or the outbox.
//!
//! PostgreSQL only (SQLite is one process's database); skipped with a note without it,
//! failing under `CI=true` (see `baton::testing::postgres`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::any;
use axum::Router;
use baton::domain::EventKind;
use baton::store::{OutboundPurpose, TicketFilter};
use baton::testing::{self, TestDb};
use chrono::Utc;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::support::slack::{
    authorization, common_answer, dana_wile_and_acme, envelope, signed_post, web_api_args, BOT_TOKEN, CHANNEL,
    CUSTOMER_TEAM, SIGNING_SECRET, WILE,
};
use crate::support::{self, eventually_within, serve_fake, write_config_file, Server, TIERS};

/// Tickets driven through the two replicas.
const TICKETS: usize = 300;

// ----- a fake Slack Web API that knows which replica calls ---------------------------------

/// A Web API call that was carried out: which replica made it, the method, the arguments.
#[derive(Clone, Debug)]
struct Call {
    replica: String,
    method: String,
    body: Value,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    next_ts: u64,
    /// Replicas whose posts and updates are held at the door.
    held: BTreeSet<String>,
    /// What was held: (replica, method, arguments). Never carried out.
    holding: Vec<Call>,
}

#[derive(Clone, Default)]
struct FakeSlack(Arc<Mutex<Inner>>);

impl FakeSlack {
    /// Starts the fake on 127.0.0.1:0; returns it and its address (`http://127.0.0.1:PORT`).
    async fn start() -> (Self, String) {
        let fake = FakeSlack::default();
        let addr = serve_fake(Router::new().route("/{replica}/api/{method}", any(answer)).with_state(fake.clone())).await;
        (fake, format!("http://{addr}"))
    }

    /// From now on, `replica`'s posts and updates wait at the door for ever.
    fn hold(&self, replica: &str) {
        self.0.lock().unwrap().held.insert(replica.to_string());
    }

    fn holding(&self) -> Vec<Call> {
        self.0.lock().unwrap().holding.clone()
    }

    fn calls(&self, method: &str) -> Vec<Call> {
        self.0.lock().unwrap().calls.iter().filter(|c| c.method == method).cloned().collect()
    }
}

async fn answer(
    State(fake): State<FakeSlack>,
    UrlPath((replica, method)): UrlPath<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<Value> {
    let args = web_api_args(query.as_deref(), &body);
    let authorized = authorization(&headers) == Some(format!("Bearer {BOT_TOKEN}"));
    let call = Call { replica, method, body: args };
    let held = {
        let mut f = fake.0.lock().unwrap();
        let held = authorized && f.held.contains(&call.replica) && call.method.starts_with("chat.");
        if held {
            f.holding.push(call.clone());
        }
        held
    };
    if held {
        // Never answered: the request did not get through to Slack.
        std::future::pending::<()>().await;
    }
    let mut f = fake.0.lock().unwrap();
    let reply = if !authorized {
        json!({ "ok": false, "error": "invalid_auth" })
    } else if let Some(reply) = common_answer(&call.method, &call.body, &mut f.next_ts) {
        reply
    } else {
        match call.method.as_str() {
            "users.info" => json!({ "ok": true, "user": { "id": WILE, "team_id": CUSTOMER_TEAM, "name": "wile",
                                     "real_name": "Wile E.", "is_bot": false, "locale": "en-US",
                                     "profile": { "display_name": "Wile E.", "real_name": "Wile E." } } }),
            "conversations.history" | "conversations.replies" => json!({ "ok": true, "messages": [], "has_more": false }),
            // A reaction is there once, however often it is added (Slack says so).
            "reactions.add" => {
                let seen = f.calls.iter().any(|c| c.method == "reactions.add" && c.body == call.body);
                if seen {
                    json!({ "ok": false, "error": "already_reacted" })
                } else {
                    json!({ "ok": true })
                }
            }
            _ => json!({ "ok": false, "error": "unknown_method" }),
        }
    };
    let mut call = call;
    if call.method == "chat.postMessage" {
        // Remember the ts Slack gave the post, to compare with what baton recorded.
        call.body["__ts"] = reply["ts"].clone();
    }
    f.calls.push(call);
    axum::Json(reply)
}

// ----- baton, twice -----------------------------------------------------------------------

fn write_replica_config(dir: &Path, database_url: &str, claim_lease: &str, shutdown_grace: &str) -> PathBuf {
    let general = format!("{TIERS}\nclaim_lease = \"{claim_lease}\"\nshutdown_grace = \"{shutdown_grace}\"");
    let people = dana_wile_and_acme("");
    let rest = format!(
        r#"
[[channels]]
channel = "slack:{CHANNEL}"
auto_intake = true
{people}
[slack]
mode = "http"
"#
    );
    write_config_file(dir, database_url, &general, &rest)
}

async fn start_replica(config: &Path, fake_base: &str, name: &str) -> Server {
    let api_url = format!("{fake_base}/{name}/api/");
    support::start(
        config,
        &[
            ("BATON_SLACK__SIGNING_SECRET", SIGNING_SECRET),
            ("BATON_SLACK__BOT_TOKEN", BOT_TOKEN),
            ("BATON_SLACK__API_URL", api_url.as_str()),
            ("RUST_LOG", "warn"),
        ],
    )
    .await
}

/// The `ts` of customer message `i` (unique, to the microsecond).
fn message_ts(base: i64, i: usize) -> String {
    format!("{}.{:06}", base + i as i64, 100 + i)
}

fn event_id(i: usize) -> String {
    format!("Ev0REPL{i:04}")
}

/// The signed Events API request for customer message `i`, to `base`; the HTTP status, or
/// `None` when nobody answered (the replica is dead).
async fn send(http: &reqwest::Client, base: &str, ts_base: i64, i: usize, retry: u32) -> Option<u16> {
    let ts = message_ts(ts_base, i);
    let event = json!({ "type": "message", "user": WILE, "text": format!("Problem {i}: exports fail with code {}", 1000 + i),
                        "ts": ts, "team": CUSTOMER_TEAM, "user_team": CUSTOMER_TEAM, "source_team": CUSTOMER_TEAM,
                        "channel": CHANNEL, "channel_type": "channel", "event_ts": ts });
    let body = envelope(&event_id(i), event).to_string();
    let mut req = signed_post(http, format!("{base}/slack/events"), "application/json", body, Utc::now().timestamp())
        .timeout(Duration::from_secs(10));
    if retry > 0 {
        req = req.header("x-slack-retry-num", retry.to_string()).header("x-slack-retry-reason", "http_error");
    }
    req.send().await.ok().map(|r| r.status().as_u16())
}

/// Sends event `i` to `first`; what is not acknowledged (no answer, or not 200) is sent
/// again to `survivor`, as Slack retries, up to three times. Returns who acknowledged it.
async fn deliver_event(http: &reqwest::Client, first: &str, survivor: &str, ts_base: i64, i: usize) -> String {
    if send(http, first, ts_base, i, 0).await == Some(200) {
        return first.to_string();
    }
    for retry in 1..=3 {
        if send(http, survivor, ts_base, i, retry).await == Some(200) {
            return survivor.to_string();
        }
    }
    panic!("event {i} was never acknowledged");
}

/// Sends events `range` at most eight at a time, each first to `first(i)` and, when that
/// replica does not acknowledge it, to `survivor` (see [`deliver_event`]). Returns who
/// acknowledged each.
async fn deliver_events(
    http: &reqwest::Client,
    range: Range<usize>,
    first: impl Fn(usize) -> String,
    survivor: &str,
    ts_base: i64,
) -> Vec<String> {
    futures_util::stream::iter(range)
        .map(|i| {
            let first = first(i);
            async move { deliver_event(http, &first, survivor, ts_base, i).await }
        })
        .buffer_unordered(8)
        .collect()
        .await
}

/// Card posts (chat.postMessage whose first block is the header `ACME-n …`), by the thread
/// they went to (the customer message's ts).
fn card_posts(fake: &FakeSlack) -> BTreeMap<String, Vec<Call>> {
    let mut by_thread: BTreeMap<String, Vec<Call>> = BTreeMap::new();
    for c in fake.calls("chat.postMessage") {
        let header = c.body["blocks"][0]["text"]["text"].as_str().unwrap_or_default();
        if header.starts_with("ACME-") {
            by_thread.entry(c.body["thread_ts"].as_str().unwrap_or_default().to_string()).or_default().push(c);
        }
    }
    by_thread
}

async fn drained(db: &TestDb) -> bool {
    let tickets = db.store.tickets(&TicketFilter::default()).await.unwrap();
    tickets.len() == TICKETS
        && tickets.iter().all(|t| t.card_message.is_some())
        && db.store.unprocessed_inbound(1).await.unwrap().is_empty()
        && db.store.outbox_backlog().await.unwrap().0 == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_one_killed_mid_stream_lose_and_double_nothing() {
    let Some(db) = testing::postgres().await else {
        eprintln!("note: two_replicas_one_killed_mid_stream_lose_and_double_nothing needs PostgreSQL; skipped");
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    // Short leases, so the survivor takes over the killed replica's claims within seconds.
    let config = write_replica_config(dir.path(), &db.url, "3s", "20s");
    let (fake, fake_base) = FakeSlack::start().await;
    let (a, b) = tokio::join!(start_replica(&config, &fake_base, "a"), start_replica(&config, &fake_base, "b"));
    let (a_base, b_base) = (a.base.clone(), b.base.clone());
    let mut a = a;
    let http = reqwest::Client::new();
    let ts_base = Utc::now().timestamp() - 3600;

    let alternately = |i: usize| [&a_base, &b_base][i % 2].clone();

    // 1. Both replicas take events, alternately, eight at a time.
    let acks = deliver_events(&http, 0..120, alternately, &b_base, ts_base).await;
    assert_eq!(acks.iter().filter(|r| **r == a_base).count(), 60, "replica A acknowledged its share");

    // 2. A's posts stop getting through; it keeps taking events.
    fake.hold("a");
    deliver_events(&http, 120..200, alternately, &b_base, ts_base).await;
    let stuck = || async { (!fake.holding().is_empty()).then_some(()) };
    eventually_within("replica A to be stuck posting a card", Duration::from_secs(20), stuck).await;

    // 3. A burst to A alone, and A is killed (SIGKILL) while it is being sent: what A did
    //    not acknowledge goes to B as Slack's retry.
    let acked_by_a = Arc::new(AtomicUsize::new(0));
    let burst = tokio::spawn({
        let (http, a_base, b_base, acked_by_a) = (http.clone(), a_base.clone(), b_base.clone(), acked_by_a.clone());
        async move {
            futures_util::stream::iter(200..250)
                .map(|i| {
                    let (http, a_base, b_base, acked_by_a) = (http.clone(), a_base.clone(), b_base.clone(), acked_by_a.clone());
                    async move {
                        let by = deliver_event(&http, &a_base, &b_base, ts_base, i).await;
                        if by == a_base {
                            acked_by_a.fetch_add(1, Ordering::SeqCst);
                        }
                        by
                    }
                })
                .buffer_unordered(4)
                .collect::<Vec<String>>()
                .await
        }
    });
    eventually_within("replica A to acknowledge part of the burst", Duration::from_secs(20), || async {
        (acked_by_a.load(Ordering::SeqCst) >= 10).then_some(())
    })
    .await;
    a.child.start_kill().expect("SIGKILL replica A");
    let status = a.child.wait().await.unwrap();
    assert!(!status.success(), "A was killed: {status}");
    let left_by_a = db.store.unprocessed_inbound(1000).await.unwrap().len();
    let held = fake.holding();
    let burst = burst.await.unwrap();
    let retried = burst.iter().filter(|by| **by == b_base).count();
    eprintln!(
        "replica A killed after {} of 50 burst events; {retried} sent again to B; {left_by_a} acknowledged events \
         unhandled at the kill; {} posts by A held at the door",
        acked_by_a.load(Ordering::SeqCst),
        held.len()
    );

    // 4. The rest goes to the survivor.
    deliver_events(&http, 250..TICKETS, |_| b_base.clone(), &b_base, ts_base).await;

    // 5. B drains everything, A's claimed work included once its leases expire.
    let all_done = || async { drained(&db).await.then_some(()) };
    eventually_within("the survivor to drain inbox and outbox", Duration::from_secs(90), all_done).await;

    // Every event made its ticket, exactly once, opened once.
    let tickets = db.store.tickets(&TicketFilter { limit: Some(10_000), ..Default::default() }).await.unwrap();
    assert_eq!(tickets.len(), TICKETS);
    let origins: BTreeSet<String> =
        tickets.iter().map(|t| t.origin.message.as_ref().expect("opened from a message").as_str().to_string()).collect();
    let expected: BTreeSet<String> = (0..TICKETS).map(|i| message_ts(ts_base, i)).collect();
    assert_eq!(origins, expected, "one ticket per customer message, none missing, none extra");
    for t in &tickets {
        let events = db.store.events(t.id).await.unwrap();
        let opened = events.iter().filter(|e| matches!(e.kind, EventKind::Opened { .. })).count();
        assert_eq!(opened, 1, "{} opened {opened} times", t.key);
    }
    assert!(db.store.unprocessed_inbound(10).await.unwrap().is_empty(), "every acknowledged event handled");

    // Every card reached Slack exactly once, in its customer's thread, and baton remembers
    // the ts Slack gave it.
    let cards = card_posts(&fake);
    let doubled: Vec<_> = cards.iter().filter(|(_, posts)| posts.len() != 1).map(|(thread, p)| (thread, p.len())).collect();
    assert!(doubled.is_empty(), "cards posted more than once: {doubled:?}");
    assert_eq!(cards.keys().cloned().collect::<BTreeSet<_>>(), expected, "a card for every ticket");
    for t in &tickets {
        let post = &cards[t.origin.message.as_ref().unwrap().as_str()][0];
        let header = post.body["blocks"][0]["text"]["text"].as_str().unwrap();
        assert!(header.starts_with(&format!("{}:", t.key)), "{header} for {}", t.key);
        assert_eq!(Some(post.body["__ts"].as_str().unwrap()), t.card_message.as_ref().map(|m| m.as_str()));
    }
    // What A was holding when it died went out through B, once.
    for h in held.iter().filter(|h| h.method == "chat.postMessage") {
        let thread = h.body["thread_ts"].as_str().unwrap_or_default();
        if let Some(posts) = cards.get(thread) {
            assert_eq!(posts.iter().map(|c| c.replica.as_str()).collect::<Vec<_>>(), ["b"], "{thread}");
        }
    }
    assert!(
        held.iter().any(|h| cards.contains_key(h.body["thread_ts"].as_str().unwrap_or_default())),
        "A died holding at least one card, and B posted it: {held:?}"
    );
    // Every message that became a ticket was marked with the 🎫 reaction.
    let marked: BTreeSet<String> =
        fake.calls("reactions.add").iter().map(|c| c.body["timestamp"].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(marked, expected, "each ticket's message marked");
    // The outbox: one card per ticket, all delivered, nothing dead or waiting.
    let rows = db.store.outbox(false, 100_000).await.unwrap();
    let card_rows = rows.iter().filter(|r| r.purpose == OutboundPurpose::TicketCard).count();
    assert_eq!(card_rows, TICKETS);
    assert!(rows.iter().all(|r| r.delivered_at.is_some() && !r.dead), "undelivered rows left");

    // 6. The survivor stops cleanly on SIGTERM, leaving nothing behind.
    let status = b.terminate().await;
    assert!(status.success(), "B exits 0 on SIGTERM, got {status}");
    assert_eq!(db.store.outbox_backlog().await.unwrap().0, 0);
    eprintln!("two-replica kill test took {:?}", started.elapsed());
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_acknowledged_events_and_flushes_the_outbox_then_exits_0() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_replica_config(dir.path(), &db.url, "60s", "20s");
        let (fake, fake_base) = FakeSlack::start().await;
        let server = start_replica(&config, &fake_base, "a").await;
        let http = reqwest::Client::new();
        let ts_base = Utc::now().timestamp() - 3600;
        let n = 60;
        deliver_events(&http, 0..n, |_| server.base.clone(), &server.base, ts_base).await;
        // SIGTERM right after the last acknowledgement, with work still to do.
        let unhandled = db.store.unprocessed_inbound(1000).await.unwrap().len();
        let waiting = db.store.outbox_backlog().await.unwrap().0;
        let status = server.terminate().await;
        assert!(status.success(), "exit 0 on SIGTERM, got {status} on {:?}", db.backend);
        eprintln!("{:?}: at SIGTERM {unhandled} events unhandled, {waiting} messages waiting", db.backend);
        // Everything acknowledged was handled and its card posted before baton exited.
        assert!(db.store.unprocessed_inbound(10).await.unwrap().is_empty());
        assert_eq!(db.store.outbox_backlog().await.unwrap().0, 0, "the outbox was flushed");
        assert_eq!(db.store.tickets(&TicketFilter::default()).await.unwrap().len(), n);
        let cards = card_posts(&fake);
        assert_eq!(cards.len(), n);
        assert!(cards.values().all(|posts| posts.len() == 1));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn sigterm_gives_up_after_the_grace_period_and_leaves_the_work_in_the_database() {
    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        // A long lease: the hung post is not cut off before the grace period ends.
        let config = write_replica_config(dir.path(), &db.url, "60s", "2s");
        let (fake, fake_base) = FakeSlack::start().await;
        fake.hold("a");
        let server = start_replica(&config, &fake_base, "a").await;
        let http = reqwest::Client::new();
        deliver_event(&http, &server.base, &server.base, Utc::now().timestamp() - 60, 0).await;
        let hung = || async { (!fake.holding().is_empty()).then_some(()) };
        eventually_within("the card post to hang", Duration::from_secs(20), hung).await;
        let signalled = Instant::now();
        let status = server.terminate().await;
        let took = signalled.elapsed();
        assert_eq!(status.code(), Some(1), "non-zero when the grace period ran out, on {:?}", db.backend);
        assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(10), "stopped after {took:?}");
        // The card was not lost: it waits for the next replica (with what was queued after it).
        let rows = db.store.outbox(false, 100).await.unwrap();
        let card = rows.iter().find(|r| r.purpose == OutboundPurpose::TicketCard).expect("the card's row");
        assert!(card.delivered_at.is_none() && !card.dead, "{card:?}");
        assert!(db.store.outbox_backlog().await.unwrap().0 >= 1);
        assert!(card_posts(&fake).is_empty());
        db.cleanup().await;
    }
}
