//! Slack end to end: the real `baton serve` on a random loopback port, signed requests with
//! bodies shaped like Slack's documented payloads, and a fake Slack Web API (axum on
//! loopback) that records every call and answers like Slack does.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use baton::domain::{EventKind, Ticket, TicketKey, TicketStatus};
use baton::store::OutboundPurpose;
use baton::testing::{self, TestDb};
use baton_slack::Verifier;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::support::slack::{
    authorization, common_answer, dana_wile_and_acme, envelope, signed_post, web_api_args, BOT_TOKEN, BOT_USER, CHANNEL,
    CUSTOMER_TEAM, DANA, HOME_TEAM, SIGNING_SECRET, WILE,
};
use crate::support::{self, eventually, serve_fake, write_config_file, Server, MANUAL_ESCALATION, TIERS};

const TIER2: &str = "C0TIER20001";
pub(crate) const CASEY: &str = "U0CASEY";
const APP_TOKEN: &str = "xapp-e2e-app-token";

// ----- a fake Slack Web API ---------------------------------------------------------------

/// One Web API call as the fake saw it.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    pub(crate) method: String,
    /// The JSON body, or the query parameters of a GET, as one object.
    pub(crate) body: Value,
    authorization: Option<String>,
    at: Instant,
    /// What the fake answered (HTTP status).
    status: u16,
}

/// A canned answer: status, headers, body.
type Canned = (u16, Vec<(&'static str, String)>, Value);

#[derive(Default)]
struct Fake {
    calls: Vec<Call>,
    scripted: BTreeMap<String, VecDeque<Canned>>,
    messages: Vec<Value>,
    users: BTreeMap<String, Value>,
    next_ts: u64,
}

#[derive(Clone, Default)]
pub(crate) struct FakeSlack(Arc<Mutex<Fake>>);

impl FakeSlack {
    /// Starts the fake on 127.0.0.1:0; returns it and its Web API base URL.
    pub(crate) async fn start() -> (Self, String) {
        let fake = FakeSlack::default();
        for (id, name, team) in
            [(DANA, "Dana Agent", HOME_TEAM), ("U0CASEY", "Casey CSM", HOME_TEAM), (WILE, "Wile E.", CUSTOMER_TEAM)]
        {
            fake.0.lock().unwrap().users.insert(
                id.to_string(),
                json!({ "id": id, "team_id": team, "name": name.to_lowercase(), "real_name": name, "is_bot": false,
                        "locale": "en-US", "profile": { "display_name": name, "real_name": name,
                                                        "email": format!("{}@acme.example", name.split(' ').next().unwrap().to_lowercase()) } }),
            );
        }
        let addr = serve_fake(Router::new().route("/api/{method}", any(answer)).with_state(fake.clone())).await;
        (fake, format!("http://{addr}/api/"))
    }

    pub(crate) fn calls(&self, method: &str) -> Vec<Call> {
        self.0.lock().unwrap().calls.iter().filter(|c| c.method == method).cloned().collect()
    }

    fn all_calls(&self) -> Vec<Call> {
        self.0.lock().unwrap().calls.clone()
    }

    /// The next call to `method` gets this answer instead of the usual one.
    fn script(&self, method: &str, status: u16, headers: Vec<(&'static str, String)>, body: Value) {
        self.0.lock().unwrap().scripted.entry(method.to_string()).or_default().push_back((status, headers, body));
    }

    /// A message that exists in the channel (for conversations.history / replies).
    fn add_message(&self, message: Value) {
        self.0.lock().unwrap().messages.push(message);
    }
}

async fn answer(
    State(fake): State<FakeSlack>,
    UrlPath(method): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let args = web_api_args(query.as_deref(), &body);
    let authorization = authorization(&headers);
    let mut f = fake.0.lock().unwrap();
    let token = if method == "apps.connections.open" { APP_TOKEN } else { BOT_TOKEN };
    let (status, extra, reply) = if authorization.as_deref() != Some(&format!("Bearer {token}")) {
        (200, vec![], json!({ "ok": false, "error": "invalid_auth" }))
    } else if let Some(canned) = f.scripted.get_mut(&method).and_then(VecDeque::pop_front) {
        canned
    } else if let Some(reply) = common_answer(&method, &args, &mut f.next_ts) {
        (200, vec![], reply)
    } else {
        let reply = match method.as_str() {
            "users.info" => match f.users.get(args["user"].as_str().unwrap_or_default()) {
                Some(u) => json!({ "ok": true, "user": u }),
                None => json!({ "ok": false, "error": "user_not_found" }),
            },
            "conversations.history" | "conversations.replies" => {
                let ts = args["latest"].clone();
                let top_level = method == "conversations.history";
                let found: Vec<Value> = f
                    .messages
                    .iter()
                    .filter(|m| m["ts"] == ts && m.get("thread_ts").is_some_and(|t| *t != m["ts"]) != top_level)
                    .cloned()
                    .collect();
                json!({ "ok": true, "messages": found, "has_more": false })
            }
            "conversations.open" => {
                json!({ "ok": true, "channel": { "id": format!("D{}", args["users"].as_str().unwrap_or_default()) } })
            }
            "views.open" => json!({ "ok": true, "view": { "id": "V0MODAL" } }),
            "reactions.add" => json!({ "ok": true }),
            "users.lookupByEmail" => {
                let email = args["email"].clone();
                match f.users.values().find(|u| u["profile"]["email"] == email) {
                    Some(u) => json!({ "ok": true, "user": u }),
                    None => json!({ "ok": false, "error": "users_not_found" }),
                }
            }
            _ => json!({ "ok": false, "error": "unknown_method" }),
        };
        (200, vec![], reply)
    };
    f.calls.push(Call { method, body: args, authorization, at: Instant::now(), status });
    let mut response = (StatusCode::from_u16(status).unwrap(), axum::Json(reply)).into_response();
    for (k, v) in extra {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

// ----- baton with Slack -------------------------------------------------------------------

/// A config with an account whose channel is a Slack channel and people with Slack ids.
fn write_slack_config(dir: &Path, database_url: &str) -> PathBuf {
    write_config_in_mode(dir, database_url, "http")
}

fn write_config_in_mode(dir: &Path, database_url: &str, mode: &str) -> PathBuf {
    let people = dana_wile_and_acme(r#"csm = "casey""#);
    let rest = format!(
        r#"
[[channels]]
channel = "slack:{CHANNEL}"
# Customers may open tickets here too (the intake panel's form).
who_may_open = "anyone"

{people}
# Listed by e-mail only: baton finds the Slack id (users.lookupByEmail).
[[people]]
id = "casey"
name = "Casey CSM"
role = "csm"
email = "casey@acme.example"
{MANUAL_ESCALATION}
[[escalation.levels]]
name = "Tier 2"
channel = "slack:{TIER2}"

[handoff]
on_escalation = true
on_urgent = false
on_breach = false

[slack]
mode = "{mode}"
"#
    );
    write_config_file(dir, database_url, TIERS, &rest)
}

struct World {
    db: TestDb,
    fake: FakeSlack,
    server: Server,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start(db: TestDb) -> World {
    let dir = tempfile::tempdir().unwrap();
    let config = write_slack_config(dir.path(), &db.url);
    let (fake, api_url) = FakeSlack::start().await;
    let server = support::start(
        &config,
        &[
            ("BATON_SLACK__SIGNING_SECRET", SIGNING_SECRET),
            ("BATON_SLACK__BOT_TOKEN", BOT_TOKEN),
            ("BATON_SLACK__API_URL", api_url.as_str()),
        ],
    )
    .await;
    let http = reqwest::Client::new();
    // GET on a POST-only route is 405; 404 means baton did not mount the Slack endpoints.
    let probe = http.get(format!("{}/slack/events", server.base)).send().await.unwrap().status();
    assert_eq!(
        probe, 405,
        "baton did not mount /slack/events: it did not read [slack] from {} (does this build load configuration files?)",
        config.display()
    );
    World { db, fake, server, http, _dir: dir }
}

impl World {
    async fn stop(self) {
        let status = self.server.terminate().await;
        assert!(status.success(), "baton exits 0 on SIGTERM, got {status}");
        self.db.cleanup().await;
    }

    /// POSTs `body` to `path`, signed as Slack does (`timestamp` in Unix seconds).
    async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
        timestamp: i64,
        extra: &[(&str, &str)],
    ) -> u16 {
        let mut req = signed_post(&self.http, format!("{}{path}", self.server.base), content_type, body, timestamp);
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        req.send().await.unwrap().status().as_u16()
    }

    /// An Events API `event_callback` with this `event_id`, signed now.
    async fn event(&self, event_id: &str, event: Value) -> u16 {
        self.event_with(event_id, event, &[]).await
    }

    async fn event_with(&self, event_id: &str, event: Value, headers: &[(&str, &str)]) -> u16 {
        let body = envelope(event_id, event).to_string();
        self.post_signed("/slack/events", "application/json", body, Utc::now().timestamp(), headers).await
    }

    async fn interaction(&self, payload: Value) -> u16 {
        let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.post_signed("/slack/interactions", "application/x-www-form-urlencoded", form, Utc::now().timestamp(), &[])
            .await
    }

    async fn command(&self, user: &str, text: &str, trigger: &str) -> u16 {
        let form = serde_urlencoded::to_string([
            ("token", "legacy-verification-token"),
            ("team_id", HOME_TEAM),
            ("team_domain", "acme"),
            ("channel_id", CHANNEL),
            ("channel_name", "acme-support"),
            ("user_id", user),
            ("user_name", "dana"),
            ("command", "/ticket"),
            ("text", text),
            ("api_app_id", "A0BATON"),
            ("is_enterprise_install", "false"),
            ("response_url", "https://hooks.slack.com/commands/T0HOME/1/abc"),
            ("trigger_id", trigger),
        ])
        .unwrap();
        self.post_signed("/slack/commands", "application/x-www-form-urlencoded", form, Utc::now().timestamp(), &[])
            .await
    }

    async fn ticket(&self, key: &str) -> Option<Ticket> {
        self.db.store.ticket_by_key(&TicketKey::parse(key).unwrap()).await.unwrap()
    }
}

/// A Slack `ts` `secs_ago` seconds before now, with the given microseconds.
fn ts_ago(secs_ago: i64, micros: u32) -> String {
    format!("{}.{micros:06}", Utc::now().timestamp() - secs_ago)
}

fn instant(ts: &str) -> DateTime<Utc> {
    let (s, f) = ts.split_once('.').unwrap();
    DateTime::from_timestamp(s.parse().unwrap(), f.parse::<u32>().unwrap() * 1000).unwrap()
}

fn customer_message(ts: &str, text: &str) -> Value {
    json!({ "type": "message", "user": WILE, "text": text, "ts": ts, "team": CUSTOMER_TEAM, "user_team": CUSTOMER_TEAM,
            "source_team": CUSTOMER_TEAM, "channel": CHANNEL, "channel_type": "channel" })
}

fn reaction(user: &str, name: &str, item_ts: &str, item_user: &str) -> Value {
    json!({ "type": "reaction_added", "user": user, "reaction": name, "item_user": item_user,
            "item": { "type": "message", "channel": CHANNEL, "ts": item_ts }, "event_ts": ts_ago(0, 500) })
}

fn thread_reply(user: &str, ts: &str, thread: &str, text: &str) -> Value {
    json!({ "type": "message", "user": user, "text": text, "ts": ts, "thread_ts": thread, "team": HOME_TEAM,
            "channel": CHANNEL, "channel_type": "channel", "event_ts": ts })
}

/// The ticket card baton posted (chat.postMessage with header blocks) for `key`.
fn card_posts(fake: &FakeSlack, key: &str) -> Vec<Call> {
    fake.calls("chat.postMessage")
        .into_iter()
        .filter(|c| c.body["blocks"][0]["text"]["text"].as_str().is_some_and(|t| t.starts_with(key)))
        .collect()
}

fn agent_messages(events: &[baton::domain::TicketEvent]) -> usize {
    events.iter().filter(|e| matches!(e.kind, EventKind::AgentMessage { .. })).count()
}

// ----- the tests --------------------------------------------------------------------------

#[tokio::test]
async fn slack_reaction_opens_a_ticket_reply_sets_first_response_and_claim_updates_the_card() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        // Wile (a Slack Connect guest) asks; Dana reacts with 🎫.
        let asked = ts_ago(600, 100);
        w.fake.add_message(
            json!({ "type": "message", "user": WILE, "text": "Our SSO login loops forever &amp; nobody can sign in",
                                   "ts": asked, "team": CUSTOMER_TEAM, "user_team": CUSTOMER_TEAM }),
        );
        assert_eq!(
            w.event("Ev0MSG1", customer_message(&asked, "Our SSO login loops forever &amp; nobody can sign in")).await,
            200
        );
        assert_eq!(w.event("Ev0REACT1", reaction(DANA, "ticket", &asked, WILE)).await, 200);

        // The card lands in the message's thread.
        let card = eventually("the ticket card", || async { card_posts(&w.fake, "ACME-1").pop() }).await;
        assert_eq!(card.body["channel"], CHANNEL);
        assert_eq!(card.body["thread_ts"], json!(asked), "the card is a reply in the customer's thread");
        assert!(
            card.body["text"].as_str().unwrap().contains("Our SSO login loops forever &amp; nobody can sign in"),
            "{}",
            card.body
        );
        let buttons: Vec<&str> = card.body["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().unwrap())
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert!(buttons.contains(&"ticket.claim"), "{buttons:?}");
        // The message that became the ticket is marked for the whole channel.
        let mark = eventually("the :ticket: mark", || async { w.fake.calls("reactions.add").pop() }).await;
        assert_eq!(mark.body, json!({ "channel": CHANNEL, "timestamp": asked, "name": "ticket" }));
        let history = w.fake.calls("conversations.history");
        assert_eq!(history[0].body["latest"], json!(asked));
        assert_eq!(history[0].body["inclusive"], "true");
        assert_eq!(history[0].body["limit"], "1");

        let t = eventually("the card to be remembered", || async {
            w.ticket("ACME-1").await.filter(|t| t.card_message.is_some())
        })
        .await;
        assert_eq!(t.status, TicketStatus::New);
        assert_eq!(t.requester.user.as_str(), WILE);
        assert_eq!(t.account.as_ref().map(|a| a.as_str()), Some("acme"));
        assert_eq!(t.origin.thread.as_ref().map(|m| m.as_str()), Some(asked.as_str()));
        let card_message = t.card_message.clone().unwrap();

        // Dana answers in the thread, 5 minutes and 250 µs later: the first response.
        let answered = format!("{}.000350", instant(&asked).timestamp() + 300);
        assert_eq!(w.event("Ev0REPLY1", thread_reply(DANA, &answered, &asked, "Looking into it now")).await, 200);
        let events = eventually("the agent's reply in the event log", || async {
            let events = w.db.store.events(t.id).await.unwrap();
            (agent_messages(&events) == 1).then_some(events)
        })
        .await;
        let opened = events.iter().find(|e| matches!(e.kind, EventKind::Opened { .. })).unwrap();
        let reply = events.iter().find(|e| matches!(e.kind, EventKind::AgentMessage { .. })).unwrap();
        assert_eq!(opened.occurred_at, instant(&asked), "opened at the customer's message ts, to the microsecond");
        assert_eq!(reply.occurred_at, instant(&answered));
        assert_eq!(
            (reply.occurred_at - opened.occurred_at).num_microseconds(),
            Some(300_000_250),
            "first response time"
        );
        assert_eq!(
            w.ticket("ACME-1").await.unwrap().status,
            TicketStatus::Open,
            "the first agent reply opens the ticket"
        );

        // Dana presses Claim on the card.
        let click = json!({
            "type": "block_actions",
            "user": { "id": DANA, "username": "dana", "name": "dana", "team_id": HOME_TEAM },
            "api_app_id": "A0BATON", "token": "legacy-verification-token",
            "container": { "type": "message", "message_ts": card_message.as_str(), "channel_id": CHANNEL, "is_ephemeral": false, "thread_ts": asked },
            "trigger_id": "1111.2222.claim", "team": { "id": HOME_TEAM, "domain": "acme" }, "enterprise": null, "is_enterprise_install": false,
            "channel": { "id": CHANNEL, "name": "acme-support" },
            "message": { "type": "message", "user": BOT_USER, "bot_id": "B0BATON", "text": "ACME-1", "ts": card_message.as_str(), "thread_ts": asked },
            "state": { "values": {} },
            "response_url": "https://hooks.slack.com/actions/T0HOME/1/xyz",
            "actions": [ { "action_id": "ticket.claim", "block_id": "b1", "text": { "type": "plain_text", "text": "Claim", "emoji": true },
                           "value": "ACME-1", "style": "primary", "type": "button", "action_ts": format!("{}.123456", Utc::now().timestamp()) } ],
        });
        assert_eq!(w.interaction(click).await, 200);
        let t = eventually("the claim", || async { w.ticket("ACME-1").await.filter(|t| t.assignee.is_some()) }).await;
        assert_eq!(t.assignee.as_ref().map(|p| p.as_str()), Some("dana"));
        // The card is updated in place (after the reply opened the ticket, and after the
        // claim): assigned to Dana, no Claim button any more.
        let update = eventually("the card update for the claim", || async {
            w.fake.calls("chat.update").into_iter().find(|c| c.body["blocks"].to_string().contains("Dana Agent"))
        })
        .await;
        assert_eq!(update.body["channel"], CHANNEL);
        assert_eq!(update.body["ts"], json!(card_message.as_str()));
        assert!(!update.body["blocks"].to_string().contains("ticket.claim"), "{}", update.body["blocks"]);
        assert!(
            w.fake.calls("chat.update").iter().all(|c| c.body["ts"] == json!(card_message.as_str())),
            "only the card is updated"
        );
        // And the claim is announced in the thread.
        eventually("the claim notice in the thread", || async {
            w.fake.calls("chat.postMessage").into_iter().find(|c| {
                c.body["thread_ts"] == json!(asked)
                    && c.body.get("blocks").is_none()
                    && c.body["text"].as_str().unwrap_or_default().contains("Dana")
            })
        })
        .await;
        assert!(w
            .fake
            .all_calls()
            .iter()
            .all(|c| c.authorization.as_deref() == Some(&format!("Bearer {BOT_TOKEN}")[..])));
        w.stop().await;
    }
}

#[tokio::test]
async fn slack_slash_commands_answer_privately_and_open_tickets() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        assert_eq!(w.command(DANA, "claim ACME-99", "3333.4444.cmd1").await, 200);
        let whisper = eventually("the private answer", || async { w.fake.calls("chat.postEphemeral").pop() }).await;
        assert_eq!(whisper.body["channel"], CHANNEL);
        assert_eq!(whisper.body["user"], DANA);
        assert!(whisper.body["text"].as_str().unwrap().contains("There is no ticket ACME-99."), "{}", whisper.body);

        // `/ticket open …` posts the card at the top of the channel: it becomes the thread.
        assert_eq!(w.command(DANA, "open --priority high VPN drops every hour", "3333.4444.cmd2").await, 200);
        let card = eventually("the card", || async { card_posts(&w.fake, "ACME-1").pop() }).await;
        assert!(card.body.get("thread_ts").is_none(), "{}", card.body);
        let t =
            eventually("the ticket", || async { w.ticket("ACME-1").await.filter(|t| t.card_message.is_some()) }).await;
        assert_eq!(t.title.as_str(), "VPN drops every hour");
        assert_eq!(t.priority.as_str(), "high");
        assert_eq!(t.origin.thread, t.card_message, "the card is the thread root");
        w.stop().await;
    }
}

#[tokio::test]
async fn slack_refuses_forged_stale_and_malformed_requests_and_handles_a_retried_event_once() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        let asked = ts_ago(900, 7);
        w.fake.add_message(json!({ "type": "message", "user": WILE, "text": "Exports time out", "ts": asked, "user_team": CUSTOMER_TEAM }));
        let open = envelope("Ev1FORGED", reaction(DANA, "ticket", &asked, WILE)).to_string();

        // Signed with another secret.
        let forged = Verifier::new(SecretString::from("not-the-secret"))
            .sign(&Utc::now().timestamp().to_string(), open.as_bytes());
        let status = w
            .http
            .post(format!("{}/slack/events", w.server.base))
            .header("content-type", "application/json")
            .header("x-slack-request-timestamp", Utc::now().timestamp().to_string())
            .header("x-slack-signature", forged)
            .body(open.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
        // Correctly signed, but 10 minutes old (a replay).
        assert_eq!(
            w.post_signed("/slack/events", "application/json", open.clone(), Utc::now().timestamp() - 600, &[]).await,
            401
        );
        // Unsigned.
        let status = w.http.post(format!("{}/slack/events", w.server.base)).body(open).send().await.unwrap().status();
        assert_eq!(status, 401);
        // Signed, but not JSON.
        let malformed = r#"{"type":"event_callback","event_id":"Ev1BAD","event":{"type":"reaction_added""#.to_string();
        assert_eq!(
            w.post_signed("/slack/events", "application/json", malformed, Utc::now().timestamp(), &[]).await,
            400
        );
        assert_eq!(
            w.post_signed(
                "/slack/interactions",
                "application/x-www-form-urlencoded",
                "payload=%7B%22type".into(),
                Utc::now().timestamp(),
                &[]
            )
            .await,
            400
        );

        // Each refusal is counted by reason in /metrics.
        let metrics = w.http.get(format!("{}/metrics", w.server.base)).send().await.unwrap().text().await.unwrap();
        for (reason, n) in [("bad_signature", 1), ("stale", 1), ("unsigned", 1), ("malformed", 2)] {
            let line = format!("baton_events_rejected_total{{reason=\"{reason}\"}} {n}");
            assert!(metrics.lines().any(|l| l == line), "no `{line}` in:\n{metrics}");
        }

        // A genuine event after them: once it is handled, the refused ones would have been
        // too (the inbox is handled in order), and they changed nothing.
        let barrier = ts_ago(800, 8);
        w.fake.add_message(json!({ "type": "message", "user": WILE, "text": "Billing page is blank", "ts": barrier, "user_team": CUSTOMER_TEAM }));
        assert_eq!(w.event("Ev1OPEN", reaction(DANA, "ticket", &barrier, WILE)).await, 200);
        let t = eventually("the genuine ticket", || async {
            w.ticket("ACME-1").await.filter(|t| t.card_message.is_some())
        })
        .await;
        assert_eq!(t.title.as_str(), "Billing page is blank");
        let all = w.db.store.tickets(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "the refused requests opened nothing: {all:?}");
        let fetched: Vec<Value> =
            w.fake.calls("conversations.history").into_iter().map(|c| c.body["latest"].clone()).collect();
        assert_eq!(fetched, [json!(barrier)], "a refused request costs no Web API call");

        // Slack retries an agent reply (X-Slack-Retry-Num): acknowledged both times, handled once.
        let reply = thread_reply(DANA, &ts_ago(700, 9), &barrier, "Checking the billing service");
        assert_eq!(w.event("Ev1REPLY", reply.clone()).await, 200);
        assert_eq!(
            w.event_with("Ev1REPLY", reply, &[("x-slack-retry-num", "1"), ("x-slack-retry-reason", "http_timeout")])
                .await,
            200
        );
        // A second, different reply as the barrier for the retry.
        assert_eq!(w.event("Ev1REPLY2", thread_reply(DANA, &ts_ago(650, 10), &barrier, "Found it")).await, 200);
        let events = eventually("both replies", || async {
            let events = w.db.store.events(t.id).await.unwrap();
            (agent_messages(&events) >= 2).then_some(events)
        })
        .await;
        assert_eq!(agent_messages(&events), 2, "the retried event was handled once: {events:?}");
        w.stop().await;
    }
}

#[tokio::test]
async fn slack_rate_limit_is_honoured_and_the_card_delivered_after_retry_after() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        w.fake.script(
            "chat.postMessage",
            429,
            vec![("retry-after", "1".into())],
            json!({ "ok": false, "error": "ratelimited" }),
        );
        let asked = ts_ago(300, 11);
        w.fake.add_message(json!({ "type": "message", "user": WILE, "text": "Webhooks are delayed", "ts": asked, "user_team": CUSTOMER_TEAM }));
        assert_eq!(w.event("Ev2OPEN", reaction(DANA, "ticket", &asked, WILE)).await, 200);
        let t = eventually("the card, delivered on the second attempt", || async {
            w.ticket("ACME-1").await.filter(|t| t.card_message.is_some())
        })
        .await;
        let posts = w.fake.calls("chat.postMessage");
        assert_eq!(posts.iter().map(|c| c.status).collect::<Vec<_>>(), [429, 200], "{posts:?}");
        assert_eq!(posts[0].body, posts[1].body, "the same card, posted again");
        let waited = posts[1].at.duration_since(posts[0].at);
        assert!(waited >= Duration::from_secs(1), "waited {waited:?}, Retry-After said 1 s");
        assert!(waited < Duration::from_secs(15), "retried promptly, not after the generic backoff: {waited:?}");
        let row =
            w.db.store
                .outbox(false, 100)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.ticket == Some(t.id) && r.purpose == OutboundPurpose::TicketCard)
                .expect("the card's outbox row");
        assert_eq!(row.attempts, 2);
        assert!(row.delivered_at.is_some() && !row.dead);
        w.stop().await;
    }
}

#[tokio::test]
async fn slack_socket_mode_feeds_baton_without_an_http_endpoint() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    for db in testing::each_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config_in_mode(dir.path(), &db.url, "socket");
        let (fake, api_url) = FakeSlack::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let ws_url = format!("ws://{}/link/?ticket=e2e&app_id=A0BATON", listener.local_addr().unwrap());
        fake.script("apps.connections.open", 200, vec![], json!({ "ok": true, "url": ws_url }));
        // No signing secret: Socket Mode does not need one.
        let server = support::start(
            &config,
            &[
                ("BATON_SLACK__BOT_TOKEN", BOT_TOKEN),
                ("BATON_SLACK__APP_TOKEN", APP_TOKEN),
                ("BATON_SLACK__API_URL", api_url.as_str()),
            ],
        )
        .await;
        let (tcp, _) =
            tokio::time::timeout(Duration::from_secs(30), listener.accept()).await.expect("baton connects").unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        ws.send(Message::text(json!({ "type": "hello", "num_connections": 1 }).to_string())).await.unwrap();

        let asked = ts_ago(120, 12);
        fake.add_message(json!({ "type": "message", "user": WILE, "text": "Audit log export is empty", "ts": asked, "user_team": CUSTOMER_TEAM }));
        let envelope = json!({ "envelope_id": "env-e2e-1", "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0,
                               "retry_reason": "", "payload": envelope("Ev3SOCKET", reaction(DANA, "ticket", &asked, WILE)) });
        ws.send(Message::text(envelope.to_string())).await.unwrap();
        let ack = loop {
            match tokio::time::timeout(Duration::from_secs(30), ws.next())
                .await
                .expect("an ack in time")
                .expect("open")
                .unwrap()
            {
                Message::Text(t) => break serde_json::from_str::<Value>(t.as_str()).unwrap(),
                _ => continue,
            }
        };
        assert_eq!(ack, json!({ "envelope_id": "env-e2e-1" }));
        let card = eventually("the card", || async { card_posts(&fake, "ACME-1").pop() }).await;
        assert_eq!(card.body["thread_ts"], json!(asked));
        // The HTTP endpoints are not mounted in Socket Mode.
        let status = reqwest::Client::new()
            .post(format!("{}/slack/events", server.base))
            .body("{}")
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404);

        let status = server.terminate().await;
        assert!(status.success(), "baton exits 0 on SIGTERM, got {status}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn slack_form_button_opens_a_modal_and_its_submission_opens_a_ticket() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        // An agent posts the intake panel; its button carries a form.
        assert_eq!(w.command(DANA, "panel", "5555.6666.panel").await, 200);
        let panel = eventually("the panel", || async {
            w.fake
                .calls("chat.postMessage")
                .into_iter()
                .find(|c| c.body["blocks"].to_string().contains("form:ticket.panel"))
        })
        .await;
        let button = panel.body["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "actions")
            .flat_map(|b| b["elements"].as_array().unwrap().clone())
            .find(|e| e["action_id"] == "form:ticket.panel")
            .unwrap();
        let panel_ts = format!("{}.000777", Utc::now().timestamp());

        // Wile (a Slack Connect guest) presses it: baton opens the modal with the trigger.
        let click = json!({
            "type": "block_actions", "user": { "id": WILE, "username": "wile", "name": "wile", "team_id": CUSTOMER_TEAM },
            "api_app_id": "A0BATON", "token": "legacy-verification-token", "trigger_id": "7777.8888.form",
            "container": { "type": "message", "message_ts": panel_ts, "channel_id": CHANNEL, "is_ephemeral": false },
            "team": { "id": HOME_TEAM, "domain": "acme" }, "channel": { "id": CHANNEL, "name": "acme-support" },
            "message": { "type": "message", "user": BOT_USER, "bot_id": "B0BATON", "ts": panel_ts, "text": "Need help?" },
            "response_url": "https://hooks.slack.com/actions/T0HOME/2/xyz",
            "actions": [ { "action_id": button["action_id"], "block_id": "b1", "value": button["value"], "type": "button",
                           "action_ts": format!("{}.000001", Utc::now().timestamp()) } ],
        });
        assert_eq!(w.interaction(click).await, 200);
        let opened = w.fake.calls("views.open");
        assert_eq!(opened.len(), 1, "the modal is opened before Slack is answered");
        assert_eq!(opened[0].body["trigger_id"], "7777.8888.form");
        let view = opened[0].body["view"].clone();
        assert_eq!(view["type"], "modal");
        assert_eq!(view["callback_id"], "ticket.open");

        // The submission, as Slack sends it.
        let submission = json!({
            "type": "view_submission", "team": { "id": HOME_TEAM, "domain": "acme" },
            "user": { "id": WILE, "username": "wile", "name": "wile", "team_id": CUSTOMER_TEAM },
            "api_app_id": "A0BATON", "token": "legacy-verification-token", "trigger_id": "9999.0000.submit",
            "view": { "id": "V0MODAL", "team_id": HOME_TEAM, "type": "modal", "callback_id": view["callback_id"],
                      "private_metadata": view["private_metadata"], "hash": "1700000000.abc",
                      "state": { "values": {
                          "title": { "title": { "type": "plain_text_input", "value": "Invoices show the wrong VAT" } },
                          "description": { "description": { "type": "plain_text_input", "value": "Since Monday's release" } },
                          "priority": { "priority": { "type": "static_select", "selected_option": { "text": { "type": "plain_text", "text": "High" }, "value": "high" } } } } } },
            "response_urls": [],
        });
        assert_eq!(w.interaction(submission).await, 200);
        let t = eventually("the ticket from the form", || async { w.ticket("ACME-1").await }).await;
        assert_eq!(t.title.as_str(), "Invoices show the wrong VAT");
        assert_eq!(t.priority.as_str(), "high");
        assert_eq!(t.requester.user.as_str(), WILE, "the guest who submitted it");
        eventually("its card", || async { card_posts(&w.fake, "ACME-1").pop() }).await;
        w.stop().await;
    }
}

/// The block_actions payload of `user` pressing `button` (as posted) on the message `ts`.
fn press(
    user: &str,
    team: &str,
    channel: &str,
    ts: &str,
    thread: Option<&str>,
    button: &Value,
    trigger: &str,
) -> Value {
    let mut container = json!({ "type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false });
    let mut message = json!({ "type": "message", "user": BOT_USER, "bot_id": "B0BATON", "ts": ts, "text": "…" });
    if let Some(t) = thread {
        container["thread_ts"] = json!(t);
        message["thread_ts"] = json!(t);
    }
    json!({
        "type": "block_actions", "user": { "id": user, "username": "someone", "name": "someone", "team_id": team },
        "api_app_id": "A0BATON", "token": "legacy-verification-token", "trigger_id": trigger,
        "container": container, "team": { "id": HOME_TEAM, "domain": "acme" }, "channel": { "id": channel, "name": "x" },
        "message": message, "response_url": "https://hooks.slack.com/actions/T0HOME/3/xyz",
        "actions": [ { "action_id": button["action_id"], "block_id": "b1", "value": button["value"], "type": "button",
                       "action_ts": format!("{}.000042", Utc::now().timestamp()) } ],
    })
}

/// The button with this action id on a posted message.
fn button_on(call: &Call, action_id: &str) -> Value {
    call.body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .find(|e| e["action_id"] == action_id)
        .unwrap_or_else(|| panic!("no {action_id} button in {}", call.body["blocks"]))
}

#[tokio::test]
async fn slack_escalation_modal_hands_off_to_the_csm_by_dm_and_the_csm_acknowledges() {
    for db in testing::each_backend().await {
        let w = start(db).await;
        let asked = ts_ago(400, 13);
        w.fake.add_message(json!({ "type": "message", "user": WILE, "text": "Payments fail for every EU customer", "ts": asked, "user_team": CUSTOMER_TEAM }));
        assert_eq!(w.event("Ev4OPEN", reaction(DANA, "ticket", &asked, WILE)).await, 200);
        let card = eventually("the card", || async { card_posts(&w.fake, "ACME-1").pop() }).await;
        let t = eventually("the card's ts", || async { w.ticket("ACME-1").await.filter(|t| t.card_message.is_some()) })
            .await;
        let card_ts = t.card_message.clone().unwrap();

        // Dana presses Escalate: its form opens as a modal.
        let escalate = button_on(&card, "form:ticket.escalate");
        let click = press(DANA, HOME_TEAM, CHANNEL, card_ts.as_str(), Some(&asked), &escalate, "4444.1111.esc");
        assert_eq!(w.interaction(click).await, 200);
        let view = w.fake.calls("views.open").pop().expect("the modal was opened").body["view"].clone();
        assert_eq!(view["callback_id"], "ticket.escalate");
        assert_eq!(view["title"]["text"], "Escalate ACME-1");
        assert_eq!(view["blocks"][0]["element"]["type"], "plain_text_input");

        // She submits a reason.
        let submission = json!({
            "type": "view_submission", "team": { "id": HOME_TEAM, "domain": "acme" },
            "user": { "id": DANA, "username": "dana", "name": "dana", "team_id": HOME_TEAM },
            "api_app_id": "A0BATON", "token": "legacy-verification-token", "trigger_id": "4444.2222.submit",
            "view": { "id": "V0ESC", "team_id": HOME_TEAM, "type": "modal", "callback_id": view["callback_id"],
                      "private_metadata": view["private_metadata"], "hash": "1700000000.esc",
                      "state": { "values": { "reason": { "reason": { "type": "plain_text_input", "value": "Customer blocked: no EU payments" } } } } },
            "response_urls": [],
        });
        assert_eq!(w.interaction(submission).await, 200);
        let events = eventually("the escalation", || async {
            let events = w.db.store.events(t.id).await.unwrap();
            events.iter().any(|e| matches!(e.kind, EventKind::Escalated { .. })).then_some(events)
        })
        .await;
        let reason = events.iter().find_map(|e| match &e.kind {
            EventKind::Escalated { reason, .. } => reason.clone(),
            _ => None,
        });
        assert_eq!(reason.as_deref(), Some("Customer blocked: no EU payments"));
        // The escalation channel hears about it.
        eventually("the post in the Tier 2 channel", || async {
            w.fake.calls("chat.postMessage").into_iter().find(|c| c.body["channel"] == TIER2)
        })
        .await;

        // Casey, the account's CSM, gets the handoff by direct message.
        let opened = eventually("the DM channel", || async { w.fake.calls("conversations.open").pop() }).await;
        // Casey is configured by e-mail only: her Slack id came from users.lookupByEmail.
        assert_eq!(opened.body["users"], CASEY);
        assert_eq!(w.fake.calls("users.lookupByEmail")[0].body["email"], "casey@acme.example");
        let dm = format!("D{CASEY}");
        let handoff = eventually("the handoff DM", || async {
            w.fake.calls("chat.postMessage").into_iter().find(|c| c.body["channel"] == json!(dm))
        })
        .await;
        assert!(handoff.body["text"].as_str().unwrap().contains("ACME-1"), "{}", handoff.body);
        assert!(
            handoff.body["blocks"].to_string().contains("Customer blocked: no EU payments"),
            "{}",
            handoff.body["blocks"]
        );

        // Casey acknowledges it from the DM.
        let dm_ts = eventually("the handoff's ts", || async {
            w.db.store
                .outbox(false, 100)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.purpose == OutboundPurpose::Handoff && r.delivered_message.is_some())
                .and_then(|r| r.delivered_message)
        })
        .await;
        let ack = button_on(&handoff, "handoff.ack");
        assert_eq!(w.interaction(press(CASEY, HOME_TEAM, &dm, dm_ts.as_str(), None, &ack, "4444.3333.ack")).await, 200);
        eventually("the acknowledgement", || async {
            let events = w.db.store.events(t.id).await.unwrap();
            events
                .iter()
                .any(|e| matches!(&e.kind, EventKind::HandoffAcknowledged { by } if by.as_str() == "casey"))
                .then_some(())
        })
        .await;
        w.stop().await;
    }
}
