//! The adapter over real HTTP: signed requests into the routes, a fake Web API on loopback
//! behind the client, and a recording [`Ingest`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use baton_chat::{
    Button, ButtonStyle, Card, ChannelId, ChannelRef, ChatSink, DeliveryError, Destination, Form, FormField, Inbound,
    InboundEvent, Ingest, IngestError, MessageId, OutboundMessage, Platform, UserId,
};
use secrecy::SecretString;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::signature::{unix_now, Verifier};
use crate::{ReactionPolicy, Slack};

const SECRET: &str = "test-signing-secret";
const HOME: &str = "T0HOME";
const BOT: &str = "U0BATON";

// ----- a fake Slack Web API ---------------------------------------------------------------

#[derive(Clone, Debug)]
struct Call {
    method: String,
    auth: Option<String>,
    body: Value,
}

/// A canned answer: status, headers, JSON body.
type Canned = (StatusCode, Vec<(&'static str, String)>, Value);

#[derive(Default)]
struct FakeState {
    calls: Vec<Call>,
    /// Canned answers by method, used first to last (then the default answer).
    scripted: BTreeMap<String, VecDeque<Canned>>,
    messages: Vec<Value>,
    users: BTreeMap<String, Value>,
    next_ts: u64,
    /// Methods that answer only after this long.
    delays: BTreeMap<String, Duration>,
    base: String,
}

#[derive(Clone, Default)]
struct FakeSlack(Arc<Mutex<FakeState>>);

impl FakeSlack {
    async fn start() -> (Self, String) {
        let fake = FakeSlack::default();
        let app = Router::new()
            .route("/api/{method}", any(fake_api))
            .route("/upload/{file}", any(fake_upload))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        fake.0.lock().unwrap().base = format!("http://{addr}");
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (fake, format!("http://{addr}/api/"))
    }
    fn calls(&self, method: &str) -> Vec<Call> {
        self.0.lock().unwrap().calls.iter().filter(|c| c.method == method).cloned().collect()
    }
    fn script(&self, method: &str, status: u16, headers: Vec<(&'static str, String)>, body: Value) {
        let mut s = self.0.lock().unwrap();
        s.scripted.entry(method.into()).or_default().push_back((StatusCode::from_u16(status).unwrap(), headers, body));
    }
    fn add_message(&self, m: Value) {
        self.0.lock().unwrap().messages.push(m);
    }
    fn add_user(&self, id: &str, name: &str, team: &str) {
        let u = json!({ "id": id, "team_id": team, "name": name.to_lowercase(), "real_name": name, "is_bot": false, "locale": "en-US", "profile": { "display_name": name, "real_name": name } });
        self.0.lock().unwrap().users.insert(id.into(), u);
    }
}

async fn fake_api(
    State(fake): State<FakeSlack>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut body: Value = if body.is_empty() { json!({}) } else { serde_json::from_slice(&body).unwrap_or(json!({})) };
    if let Some(q) = query {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&q).unwrap();
        for (k, v) in pairs {
            body[k] = json!(v);
        }
    }
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let delay = fake.0.lock().unwrap().delays.get(&method).copied();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut s = fake.0.lock().unwrap();
    s.calls.push(Call { method: method.clone(), auth, body: body.clone() });
    if let Some((status, hs, answer)) = s.scripted.get_mut(&method).and_then(VecDeque::pop_front) {
        let mut r = (status, axum::Json(answer)).into_response();
        for (k, v) in hs {
            r.headers_mut().insert(k, v.parse().unwrap());
        }
        return r;
    }
    let answer = match method.as_str() {
        "auth.test" => json!({ "ok": true, "team_id": HOME, "user_id": BOT, "bot_id": "B0BATON" }),
        "users.info" => {
            let id = body["user"].as_str().unwrap_or_default();
            match s.users.get(id) {
                Some(u) => json!({ "ok": true, "user": u }),
                None => json!({ "ok": false, "error": "user_not_found" }),
            }
        }
        "conversations.history" | "conversations.replies" => {
            let ts = body["latest"].as_str().unwrap_or_default().to_string();
            let top_level = method == "conversations.history";
            let found: Vec<Value> = s
                .messages
                .iter()
                .filter(|m| m["ts"] == json!(ts))
                .filter(|m| {
                    let reply = m.get("thread_ts").is_some_and(|t| t != &m["ts"]);
                    reply != top_level
                })
                .cloned()
                .collect();
            json!({ "ok": true, "messages": found, "has_more": false })
        }
        "conversations.open" => {
            json!({ "ok": true, "channel": { "id": format!("D{}", body["users"].as_str().unwrap_or_default()) } })
        }
        "chat.postMessage" | "chat.update" => {
            s.next_ts += 1;
            let ts = if method == "chat.update" {
                body["ts"].as_str().unwrap_or_default().to_string()
            } else {
                format!("1800000000.{:06}", s.next_ts)
            };
            json!({ "ok": true, "channel": body["channel"], "ts": ts, "message": { "type": "message", "text": body["text"], "ts": ts } })
        }
        "chat.postEphemeral" => json!({ "ok": true, "message_ts": "1800000000.999999" }),
        "views.open" => json!({ "ok": true, "view": { "id": "V1" } }),
        "files.getUploadURLExternal" => {
            s.next_ts += 1;
            let id = format!("F{}", s.next_ts);
            json!({ "ok": true, "upload_url": format!("{}/upload/{id}", s.base), "file_id": id })
        }
        "files.completeUploadExternal" => json!({ "ok": true, "files": [] }),
        _ => json!({ "ok": false, "error": "unknown_method" }),
    };
    axum::Json(answer).into_response()
}

/// The upload URL Slack hands out (on files.slack.com): takes the raw bytes, answers text.
async fn fake_upload(
    State(fake): State<FakeSlack>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let call = Call {
        method: "upload".into(),
        auth: None,
        body: json!({ "file": file, "content_type": content_type, "text": String::from_utf8_lossy(&body) }),
    };
    fake.0.lock().unwrap().calls.push(call);
    (StatusCode::OK, format!("OK - {}", body.len())).into_response()
}

// ----- a recording Ingest -----------------------------------------------------------------

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<InboundEvent>>,
    fail: Mutex<bool>,
    attempts: std::sync::atomic::AtomicUsize,
}

#[async_trait]
impl Ingest for Recorder {
    async fn ingest(&self, event: InboundEvent) -> Result<bool, IngestError> {
        self.attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if *self.fail.lock().unwrap() {
            return Err(IngestError("database down".into()));
        }
        let mut events = self.events.lock().unwrap();
        if events.iter().any(|e| e.event_id == event.event_id) {
            return Ok(false);
        }
        events.push(event);
        Ok(true)
    }
}

impl Recorder {
    fn bodies(&self) -> Vec<Inbound> {
        self.events.lock().unwrap().iter().map(|e| e.body.clone()).collect()
    }
    fn ids(&self) -> Vec<String> {
        self.events.lock().unwrap().iter().map(|e| e.event_id.clone()).collect()
    }
}

struct Harness {
    fake: FakeSlack,
    slack: Slack,
    ingest: Arc<Recorder>,
    routes: Router,
    rejected: Arc<Mutex<Vec<&'static str>>>,
}

async fn harness() -> Harness {
    let (fake, url) = FakeSlack::start().await;
    let slack = Slack::new(&url, &SecretString::from("xoxb-test-token")).unwrap();
    let ingest = Arc::new(Recorder::default());
    let policy = ReactionPolicy {
        relevant: vec!["ticket".into(), "eyes".into(), "white_check_mark".into()],
        fetch_message: vec!["ticket".into()],
    };
    let rejected: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let seen = rejected.clone();
    let slack = slack.with_reject_hook(Arc::new(move |reason| seen.lock().unwrap().push(reason)));
    let routes = slack.http_routes(ingest.clone(), SecretString::from(SECRET), policy);
    fake.add_user("U0DANA", "Dana Agent", HOME);
    fake.add_user("U0WILE", "Wile E.", "T0CUSTOMER");
    Harness { fake, slack, ingest, routes, rejected }
}

fn signed(path: &str, content_type: &str, body: &str, ts: i64) -> Request<Body> {
    let ts = ts.to_string();
    let sig = Verifier::new(SecretString::from(SECRET)).sign(&ts, body.as_bytes());
    Request::post(path)
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", ts)
        .header("x-slack-signature", sig)
        .body(Body::from(body.to_string()))
        .unwrap()
}

impl Harness {
    async fn send(&self, req: Request<Body>) -> (StatusCode, String) {
        let r = self.routes.clone().oneshot(req).await.unwrap();
        let status = r.status();
        let body = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        (status, String::from_utf8_lossy(&body).to_string())
    }
    async fn event(&self, event_id: &str, event: Value) -> (StatusCode, String) {
        let body = json!({
            "token": "legacy", "team_id": HOME, "api_app_id": "A0BATON", "type": "event_callback",
            "event_id": event_id, "event_time": 1_800_000_000, "event": event,
            "authorizations": [ { "team_id": HOME, "user_id": BOT, "is_bot": true } ],
        });
        self.send(signed("/slack/events", "application/json", &body.to_string(), unix_now())).await
    }
    async fn interaction(&self, payload: Value) -> (StatusCode, String) {
        let form = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
        self.send(signed("/slack/interactions", "application/x-www-form-urlencoded", &form, unix_now())).await
    }
}

fn slack_channel(id: &str) -> ChannelRef {
    ChannelRef::new(Platform::Slack, ChannelId::parse(id).unwrap())
}

// ----- requests that are refused ----------------------------------------------------------

#[tokio::test]
async fn unsigned_stale_oversized_and_malformed_requests_are_refused_before_anything_happens() {
    let h = harness().await;
    let body = json!({ "type": "event_callback", "event_id": "Ev1", "event": { "type": "message" } }).to_string();

    let mut bad = signed("/slack/events", "application/json", &body, unix_now());
    bad.headers_mut().insert("x-slack-signature", "v0=0000".parse().unwrap());
    assert_eq!(h.send(bad).await.0, StatusCode::UNAUTHORIZED);

    let mut unsigned = signed("/slack/events", "application/json", &body, unix_now());
    unsigned.headers_mut().remove("x-slack-signature");
    assert_eq!(h.send(unsigned).await.0, StatusCode::UNAUTHORIZED);

    let stale = signed("/slack/events", "application/json", &body, unix_now() - 10 * 60);
    assert_eq!(h.send(stale).await.0, StatusCode::UNAUTHORIZED);

    let huge = "x".repeat(crate::inbound::MAX_BODY + 1);
    assert_eq!(
        h.send(signed("/slack/events", "application/json", &huge, unix_now())).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    let (status, _) = h.send(signed("/slack/events", "application/json", "{\"type\": ", unix_now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        h.send(signed("/slack/commands", "application/x-www-form-urlencoded", "text=hi", unix_now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        h.send(signed("/slack/interactions", "application/x-www-form-urlencoded", "payload=%7Bnope", unix_now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    assert!(h.ingest.bodies().is_empty());
    assert_eq!(
        *h.rejected.lock().unwrap(),
        ["bad_signature", "unsigned", "stale", "oversized", "malformed", "malformed", "malformed"],
        "every refusal is reported"
    );
    let calls: Vec<String> =
        h.fake.0.lock().unwrap().calls.iter().map(|c| c.method.clone()).filter(|m| m != "auth.test").collect();
    assert!(calls.is_empty(), "no Web API call for a refused request: {calls:?}");
}

#[tokio::test]
async fn url_verification_answers_the_challenge() {
    let h = harness().await;
    let body = json!({ "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" });
    let (status, answer) = h.send(signed("/slack/events", "application/json", &body.to_string(), unix_now())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&answer).unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
}

// ----- events -----------------------------------------------------------------------------

#[tokio::test]
async fn messages_become_neutral_messages_with_exact_timestamps() {
    let h = harness().await;
    // A Slack Connect customer in a shared channel, at the top level.
    let (status, _) = h
        .event(
            "Ev01",
            json!({
                "type": "message", "channel": "C0ACME0001", "user": "U0WILE", "text": "SSO loops &lt;again&gt; <@U0DANA>",
                "ts": "1800000000.000200", "user_team": "T0CUSTOMER", "source_team": "T0CUSTOMER", "channel_type": "channel",
                "event_ts": "1800000000.000200",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // An agent's reply in the thread.
    h.event(
        "Ev02",
        json!({ "type": "message", "channel": "C0ACME0001", "user": "U0DANA", "text": "On it", "ts": "1800000300.123456", "thread_ts": "1800000000.000200", "team": HOME }),
    )
    .await;
    let bodies = h.ingest.bodies();
    let [Inbound::Message(first), Inbound::Message(reply)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(first.channel, slack_channel("C0ACME0001"));
    assert_eq!(first.message.as_str(), "1800000000.000200");
    assert_eq!(first.thread, None);
    assert_eq!(first.text, "SSO loops <again> @U0DANA");
    assert_eq!(first.sent_at.timestamp_subsec_micros(), 200);
    assert!(first.author.external, "another team is a Slack Connect guest");
    assert_eq!(first.author.display_name, "Wile E.");
    assert_eq!(reply.thread.as_ref().map(MessageId::as_str), Some("1800000000.000200"));
    assert!(!reply.author.external);
    assert_eq!(reply.author.display_name, "Dana Agent");
    assert_eq!((reply.sent_at - first.sent_at).num_microseconds(), Some(300_123_256));
    assert_eq!(h.ingest.ids(), ["Ev01", "Ev02"]);
}

#[tokio::test]
async fn bots_edits_hidden_messages_and_commands_to_baton_are_not_conversation() {
    let h = harness().await;
    let base = json!({ "type": "message", "channel": "C0ACME0001", "ts": "1800000000.000300" });
    let with = |extra: Value| {
        let mut e = base.clone();
        e.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        e
    };
    let ignored = [
        with(json!({ "bot_id": "B0BATON", "user": BOT, "text": "ACME-1: card" })),
        with(json!({ "subtype": "bot_message", "bot_id": "B0OTHER", "text": "deploy done" })),
        with(
            json!({ "subtype": "message_changed", "hidden": true, "message": { "user": "U0WILE", "text": "edited" } }),
        ),
        with(json!({ "subtype": "message_deleted", "hidden": true, "deleted_ts": "1.2" })),
        with(json!({ "subtype": "channel_join", "user": "U0WILE", "text": "<@U0WILE> has joined" })),
        with(json!({ "user": "U0DANA", "text": "<@U0BATON> claim ACME-1" })),
        json!({ "type": "channel_created", "channel": { "id": "C9" } }),
    ];
    for (i, e) in ignored.into_iter().enumerate() {
        let (status, _) = h.event(&format!("EvIgnored{i}"), e).await;
        assert_eq!(status, StatusCode::OK, "ignored events are still acknowledged");
    }
    assert!(h.ingest.bodies().is_empty(), "{:?}", h.ingest.bodies());
}

#[tokio::test]
async fn a_retried_event_is_acknowledged_again_but_recorded_once() {
    let h = harness().await;
    let e = json!({ "type": "message", "channel": "C0ACME0001", "user": "U0WILE", "text": "hello", "ts": "1800000000.000400" });
    assert_eq!(h.event("EvSame", e.clone()).await.0, StatusCode::OK);
    assert_eq!(h.event("EvSame", e).await.0, StatusCode::OK);
    assert_eq!(h.ingest.ids(), ["EvSame"]);
}

#[tokio::test]
async fn an_event_that_cannot_be_recorded_is_answered_500_so_slack_retries() {
    let h = harness().await;
    *h.ingest.fail.lock().unwrap() = true;
    let e = json!({ "type": "message", "channel": "C0ACME0001", "user": "U0WILE", "text": "hello", "ts": "1800000000.000500" });
    assert_eq!(h.event("EvFail", e).await.0, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn an_open_reaction_fetches_its_message_top_level_or_in_a_thread() {
    let h = harness().await;
    h.fake.add_message(json!({ "type": "message", "user": "U0WILE", "text": "Printer &amp; scanner down", "ts": "1800000000.000600", "user_team": "T0CUSTOMER" }));
    h.fake.add_message(json!({ "type": "message", "user": "U0WILE", "text": "also this", "ts": "1800000100.000001", "thread_ts": "1800000000.000600", "user_team": "T0CUSTOMER" }));
    let reaction = |ts: &str| {
        json!({ "type": "reaction_added", "user": "U0DANA", "reaction": "ticket", "item_user": "U0WILE",
                "item": { "type": "message", "channel": "C0ACME0001", "ts": ts }, "event_ts": "1800000200.000100" })
    };
    assert_eq!(h.event("EvR1", reaction("1800000000.000600")).await.0, StatusCode::OK);
    assert_eq!(h.event("EvR2", reaction("1800000100.000001")).await.0, StatusCode::OK);
    let bodies = h.ingest.bodies();
    let [Inbound::Reaction(top), Inbound::Reaction(reply)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(top.emoji, "ticket");
    assert_eq!(top.message_text.as_deref(), Some("Printer & scanner down"));
    let author = top.message_author.as_ref().unwrap();
    assert_eq!((author.user.as_str(), author.external), ("U0WILE", true));
    assert_eq!(top.thread, None);
    assert_eq!(top.message_sent_at.unwrap().timestamp_subsec_micros(), 600);
    assert_eq!(top.reacted_at.timestamp_subsec_micros(), 100);
    assert_eq!(top.user.display_name, "Dana Agent");
    assert_eq!(reply.thread.as_ref().map(MessageId::as_str), Some("1800000000.000600"));
    assert_eq!(reply.message_text.as_deref(), Some("also this"));
    let history = h.fake.calls("conversations.history");
    assert_eq!(history[0].body["latest"], "1800000000.000600");
    assert_eq!(history[0].body["inclusive"], "true");
    assert_eq!(history[0].body["limit"], "1");
    assert_eq!(history[0].auth.as_deref(), Some("Bearer xoxb-test-token"));
    assert_eq!(h.fake.calls("conversations.replies").len(), 1, "only the reply needed conversations.replies");
}

#[tokio::test]
async fn other_reactions_are_passed_on_without_a_fetch_or_dropped_when_unused() {
    let h = harness().await;
    let reaction = |name: &str| json!({ "type": "reaction_added", "user": "U0DANA", "reaction": name, "item": { "type": "message", "channel": "C0ACME0001", "ts": "1800000000.000700" }, "event_ts": "1800000200.000100" });
    h.event("EvE1", reaction("eyes")).await;
    h.event("EvE2", reaction("tada")).await;
    h.event("EvE3", reaction("white_check_mark::skin-tone-3")).await;
    let emoji: Vec<String> = h
        .ingest
        .bodies()
        .iter()
        .map(|b| match b {
            Inbound::Reaction(r) => r.emoji.clone(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(emoji, ["eyes", "white_check_mark"]);
    assert!(h.fake.calls("conversations.history").is_empty());
}

#[tokio::test]
async fn a_reaction_whose_message_cannot_be_fetched_now_is_not_acknowledged() {
    let h = harness().await;
    h.fake.script("conversations.history", 503, vec![], json!({ "ok": false }));
    let e = json!({ "type": "reaction_added", "user": "U0DANA", "reaction": "ticket", "item": { "type": "message", "channel": "C0ACME0001", "ts": "1800000000.000800" }, "event_ts": "1800000200.000100" });
    assert_eq!(h.event("EvR503", e.clone()).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(h.ingest.bodies().is_empty());
    // Slack's retry finds the message.
    h.fake.add_message(json!({ "type": "message", "user": "U0WILE", "text": "help", "ts": "1800000000.000800" }));
    assert_eq!(h.event("EvR503", e).await.0, StatusCode::OK);
    assert_eq!(h.ingest.ids(), ["EvR503"]);
}

#[tokio::test]
async fn a_mention_of_baton_is_a_command_that_knows_its_thread() {
    let h = harness().await;
    let e = json!({ "type": "app_mention", "channel": "C0ACME0001", "user": "U0DANA", "text": "<@U0BATON> claim", "ts": "1800000400.000001", "thread_ts": "1800000000.000600", "event_ts": "1800000400.000001" });
    h.event("EvM1", e).await;
    let chatter = json!({ "type": "app_mention", "channel": "C0ACME0001", "user": "U0DANA", "text": "thanks <@U0BATON>!", "ts": "1800000400.000002" });
    h.event("EvM2", chatter).await;
    let bodies = h.ingest.bodies();
    let [Inbound::Command(c)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(c.text, "claim");
    assert_eq!(c.thread.as_ref().map(MessageId::as_str), Some("1800000000.000600"));
}

// ----- slash commands and interactivity ---------------------------------------------------

#[tokio::test]
async fn a_slash_command_is_recorded_with_its_text() {
    let h = harness().await;
    let form = "token=x&team_id=T0HOME&team_domain=acme&channel_id=C0ACME0001&channel_name=acme&user_id=U0DANA&user_name=dana\
                &command=%2Fticket&text=claim+ACME-4+%26+more&api_app_id=A1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=111.222.abc";
    let (status, body) = h.send(signed("/slack/commands", "application/x-www-form-urlencoded", form, unix_now())).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    let bodies = h.ingest.bodies();
    let [Inbound::Command(c)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!((c.command.as_str(), c.text.as_str(), c.thread.clone()), ("ticket", "claim ACME-4 & more", None));
    assert_eq!(c.user.user.as_str(), "U0DANA");
    assert_eq!(h.ingest.ids(), ["command:111.222.abc"]);
}

fn block_actions(actions: Value) -> Value {
    json!({
        "type": "block_actions", "user": { "id": "U0DANA", "username": "dana", "name": "dana", "team_id": HOME },
        "api_app_id": "A1", "token": "x", "trigger_id": "333.444.def", "team": { "id": HOME, "domain": "acme" },
        "container": { "type": "message", "message_ts": "1800000001.000001", "channel_id": "C0ACME0001", "is_ephemeral": false, "thread_ts": "1800000000.000600" },
        "channel": { "id": "C0ACME0001", "name": "acme" },
        "message": { "type": "message", "user": BOT, "bot_id": "B0BATON", "ts": "1800000001.000001", "thread_ts": "1800000000.000600", "text": "ACME-1" },
        "response_url": "https://hooks.slack.com/actions/x", "actions": actions,
    })
}

#[tokio::test]
async fn a_button_click_becomes_an_action_on_the_card() {
    let h = harness().await;
    let (status, _) = h
        .interaction(block_actions(json!([
            { "action_id": "csat.rate#4", "block_id": "b", "value": "ACME-1:4", "type": "button", "action_ts": "1800000500.000042" }
        ])))
        .await;
    assert_eq!(status, StatusCode::OK);
    let bodies = h.ingest.bodies();
    let [Inbound::Action(a)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!((a.action_id.as_str(), a.value.as_deref()), ("csat.rate", Some("ACME-1:4")));
    assert_eq!(a.channel, slack_channel("C0ACME0001"));
    assert_eq!(a.message.as_ref().map(MessageId::as_str), Some("1800000001.000001"));
    assert_eq!(a.thread.as_ref().map(MessageId::as_str), Some("1800000000.000600"));
    assert_eq!(a.invoked_at.timestamp_subsec_micros(), 42);
    assert_eq!(h.ingest.ids(), ["action:333.444.def"]);
}

fn panel_form() -> Form {
    Form {
        title: "Open a ticket".into(),
        submit_action: "ticket.open".into(),
        submit_label: "Open".into(),
        fields: vec![
            FormField {
                id: "title".into(),
                label: "Title".into(),
                required: true,
                multiline: false,
                max_length: Some(150),
                options: vec![],
            },
            FormField {
                id: "priority".into(),
                label: "Priority".into(),
                required: false,
                multiline: false,
                max_length: None,
                options: vec![("high".into(), "High".into())],
            },
        ],
    }
}

#[tokio::test]
async fn a_form_button_opens_a_modal_whose_submission_is_an_action_with_fields() {
    let h = harness().await;
    let card = Card {
        title: "Need help?".into(),
        fields: vec![],
        body: None,
        buttons: vec![Button {
            action_id: "ticket.panel".into(),
            label: "Open ticket".into(),
            value: None,
            style: ButtonStyle::Primary,
            fallback_command: None,
            form: Some(panel_form()),
        }],
        footer: None,
    };
    let button = crate::blocks::card_blocks(&card)[1]["elements"][0].clone();
    let click = json!([{ "action_id": button["action_id"], "block_id": "b", "value": button["value"], "type": "button", "action_ts": "1800000600.000001" }]);
    assert_eq!(h.interaction(block_actions(click)).await.0, StatusCode::OK);
    assert!(h.ingest.bodies().is_empty(), "opening a form is not an event for baton");
    let opened = h.fake.calls("views.open");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].body["trigger_id"], "333.444.def");
    let view = &opened[0].body["view"];
    assert_eq!(view["callback_id"], "ticket.open");

    let submission = json!({
        "type": "view_submission", "team": { "id": HOME }, "user": { "id": "U0WILE", "team_id": "T0CUSTOMER" }, "trigger_id": "555.666.ghi",
        "view": { "id": "V1", "type": "modal", "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
                  "state": { "values": {
                      "title": { "title": { "type": "plain_text_input", "value": "VPN drops hourly" } },
                      "priority": { "priority": { "type": "static_select", "selected_option": { "value": "high" } } } } } },
    });
    let (status, body) = h.interaction(submission).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""), "an empty 200 closes the modal");
    let bodies = h.ingest.bodies();
    let [Inbound::Action(a)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(a.action_id, "ticket.open");
    assert_eq!(a.channel, slack_channel("C0ACME0001"));
    assert_eq!(a.fields.get("title").map(String::as_str), Some("VPN drops hourly"));
    assert_eq!(a.fields.get("priority").map(String::as_str), Some("high"));
    assert!(a.user.external);
}

#[tokio::test]
async fn a_message_shortcut_carries_the_message_it_was_used_on() {
    let h = harness().await;
    let payload = json!({
        "type": "message_action", "token": "x", "action_ts": "1800000700.000007", "team": { "id": HOME, "domain": "acme" },
        "user": { "id": "U0DANA", "name": "dana", "team_id": HOME }, "channel": { "id": "C0ACME0001", "name": "acme" },
        "callback_id": "ticket.open_from_message", "trigger_id": "777.888.jkl", "response_url": "https://hooks.slack.com/x",
        "message_ts": "1800000000.000900",
        "message": { "type": "message", "user": "U0WILE", "user_team": "T0CUSTOMER", "ts": "1800000000.000900", "text": "Export fails with <https://x.io|this error>" },
    });
    assert_eq!(h.interaction(payload).await.0, StatusCode::OK);
    let bodies = h.ingest.bodies();
    let [Inbound::Action(a)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(a.action_id, "ticket.open_from_message");
    let t = a.target.as_ref().unwrap();
    assert_eq!(t.message.as_str(), "1800000000.000900");
    assert_eq!(t.text, "Export fails with this error (https://x.io)");
    assert!(t.author.external);
    assert_eq!(t.sent_at.timestamp_subsec_micros(), 900);
}

// ----- outbound ---------------------------------------------------------------------------

fn outbound(destination: Destination, replaces: Option<&str>, card: Option<Card>) -> OutboundMessage {
    OutboundMessage {
        destination,
        text: "ACME-1: Printer <b> on fire".into(),
        card,
        replaces: replaces.map(|r| MessageId::parse(r).unwrap()),
        attachments: vec![],
        conversation: Default::default(),
    }
}

#[tokio::test]
async fn the_sink_posts_in_threads_updates_cards_whispers_and_opens_dms() {
    let h = harness().await;
    let sink = h.slack.sink();
    let channel = slack_channel("C0ACME0001");
    let card = Card {
        title: "ACME-1".into(),
        fields: vec![("Status".into(), "New".into())],
        body: None,
        buttons: vec![],
        footer: None,
    };
    let thread =
        Destination::Thread { channel: channel.clone(), thread: MessageId::parse("1800000000.000600").unwrap() };

    let posted = sink.deliver(&outbound(thread.clone(), None, Some(card.clone()))).await.unwrap();
    let ts = posted.message.unwrap();
    let post = &h.fake.calls("chat.postMessage")[0];
    assert_eq!(post.body["channel"], "C0ACME0001");
    assert_eq!(post.body["thread_ts"], "1800000000.000600");
    assert_eq!(post.body["text"], "ACME-1: Printer &lt;b&gt; on fire");
    assert_eq!(post.body["blocks"][0]["type"], "header");
    assert_eq!(post.auth.as_deref(), Some("Bearer xoxb-test-token"));

    let updated = sink.deliver(&outbound(thread, Some(ts.as_str()), Some(card))).await.unwrap();
    assert_eq!(updated.message.as_ref(), Some(&ts));
    assert_eq!(h.fake.calls("chat.update")[0].body["ts"], json!(ts.as_str()));

    let whisper =
        Destination::Ephemeral { channel: channel.clone(), thread: None, user: UserId::parse("U0WILE").unwrap() };
    assert_eq!(sink.deliver(&outbound(whisper, None, None)).await.unwrap().message, None);
    assert_eq!(h.fake.calls("chat.postEphemeral")[0].body["user"], "U0WILE");

    let dm = Destination::Direct { platform: Platform::Slack, user: UserId::parse("U0CASEY").unwrap() };
    sink.deliver(&outbound(dm.clone(), None, None)).await.unwrap();
    sink.deliver(&outbound(dm, None, None)).await.unwrap();
    assert_eq!(h.fake.calls("conversations.open").len(), 1, "the DM channel is remembered");
    let posts = h.fake.calls("chat.postMessage");
    assert_eq!(posts.last().unwrap().body["channel"], "DU0CASEY");
    assert!(posts.last().unwrap().body.get("blocks").is_none());
}

#[tokio::test]
async fn the_sink_reports_rate_limits_and_failures_for_the_outbox() {
    let h = harness().await;
    let sink = h.slack.sink();
    let to = Destination::Channel { channel: slack_channel("C0ACME0001") };
    h.fake.script(
        "chat.postMessage",
        429,
        vec![("retry-after", "7".into())],
        json!({ "ok": false, "error": "ratelimited" }),
    );
    h.fake.script("chat.postMessage", 502, vec![], json!({}));
    h.fake.script("chat.postMessage", 200, vec![], json!({ "ok": false, "error": "channel_not_found" }));
    assert_eq!(
        sink.deliver(&outbound(to.clone(), None, None)).await,
        Err(DeliveryError::RateLimited(Duration::from_secs(7)))
    );
    assert!(matches!(sink.deliver(&outbound(to.clone(), None, None)).await, Err(DeliveryError::Transient(_))));
    assert!(
        matches!(sink.deliver(&outbound(to.clone(), None, None)).await, Err(DeliveryError::Permanent(m)) if m.contains("channel_not_found"))
    );
    let wrong = Destination::Channel { channel: ChannelRef::new(Platform::Discord, ChannelId::parse("1").unwrap()) };
    assert!(matches!(sink.deliver(&outbound(wrong, None, None)).await, Err(DeliveryError::Permanent(_))));
    assert!(sink.deliver(&outbound(to, None, None)).await.is_ok());
}

#[tokio::test]
async fn an_unreachable_slack_is_a_temporary_failure() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/", listener.local_addr().unwrap());
    drop(listener);
    let slack = Slack::new(&url, &SecretString::from("xoxb-x")).unwrap();
    let to = Destination::Channel { channel: slack_channel("C0ACME0001") };
    assert!(matches!(slack.sink().deliver(&outbound(to, None, None)).await, Err(DeliveryError::Transient(_))));
}

#[test]
fn default_api_url_is_slacks() {
    assert_eq!(crate::DEFAULT_API_URL, "https://slack.com/api");
}

// ----- Socket Mode ------------------------------------------------------------------------

async fn next_json(ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Value {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .unwrap();
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Close(_) => return json!({ "closed": true }),
            _ => continue,
        }
    }
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn socket_mode_feeds_the_same_handler_and_acknowledges_only_recorded_envelopes() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;

    let h = harness().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let ws_url = format!("ws://{}/link/?ticket=t-secret&app_id=A1", listener.local_addr().unwrap());
    for _ in 0..2 {
        h.fake.script("apps.connections.open", 200, vec![], json!({ "ok": true, "url": ws_url }));
    }
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let policy = ReactionPolicy { relevant: vec![], fetch_message: vec!["ticket".into()] };
    let task = h.slack.socket_mode(h.ingest.clone(), &SecretString::from("xapp-app-token"), policy, stopped).unwrap();

    let (tcp, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await.unwrap().unwrap();
    let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let send = |v: Value| Message::text(v.to_string());
    ws.send(send(json!({ "type": "hello", "num_connections": 1, "connection_info": { "app_id": "A1" } })))
        .await
        .unwrap();

    // An Events API envelope: recorded, then acknowledged.
    let event = json!({ "type": "event_callback", "team_id": HOME, "event_id": "EvSock1",
        "event": { "type": "message", "channel": "C0ACME0001", "user": "U0WILE", "text": "hi", "ts": "1800000000.000001" } });
    ws.send(send(json!({ "envelope_id": "env-1", "type": "events_api", "accepts_response_payload": false, "retry_attempt": 0, "payload": event }))).await.unwrap();
    assert_eq!(next_json(&mut ws).await, json!({ "envelope_id": "env-1" }));
    assert_eq!(h.ingest.ids(), ["EvSock1"]);

    // One that cannot be recorded is not acknowledged (Slack redelivers it).
    *h.ingest.fail.lock().unwrap() = true;
    let before = h.ingest.attempts.load(std::sync::atomic::Ordering::SeqCst);
    let event2 = json!({ "type": "event_callback", "team_id": HOME, "event_id": "EvSock2",
        "event": { "type": "message", "channel": "C0ACME0001", "user": "U0WILE", "text": "again", "ts": "1800000000.000002" } });
    ws.send(send(json!({ "envelope_id": "env-2", "type": "events_api", "payload": event2 }))).await.unwrap();
    eventually("the failed attempt", || h.ingest.attempts.load(std::sync::atomic::Ordering::SeqCst) > before).await;
    *h.ingest.fail.lock().unwrap() = false;

    // A slash command and a button click, as JSON payloads.
    let command = json!({ "token": "x", "team_id": HOME, "channel_id": "C0ACME0001", "user_id": "U0DANA", "user_name": "dana",
        "command": "/ticket", "text": "help", "trigger_id": "9.9.socket" });
    ws.send(send(json!({ "envelope_id": "env-3", "type": "slash_commands", "accepts_response_payload": true, "payload": command }))).await.unwrap();
    assert_eq!(next_json(&mut ws).await, json!({ "envelope_id": "env-3" }), "env-2 was never acknowledged");
    let click = block_actions(
        json!([{ "action_id": "ticket.solve", "value": "ACME-1", "type": "button", "action_ts": "1800000500.000001" }]),
    );
    ws.send(send(
        json!({ "envelope_id": "env-4", "type": "interactive", "accepts_response_payload": false, "payload": click }),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await, json!({ "envelope_id": "env-4" }));
    assert_eq!(h.ingest.ids(), ["EvSock1", "command:9.9.socket", "action:333.444.def"]);

    // Slack asks for a new connection: baton opens one.
    ws.send(send(json!({ "type": "disconnect", "reason": "refresh_requested" }))).await.unwrap();
    let (tcp, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await.unwrap().unwrap();
    let mut ws2 = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let opened = h.fake.calls("apps.connections.open");
    assert_eq!(opened.len(), 2);
    assert!(
        opened.iter().all(|c| c.auth.as_deref() == Some("Bearer xapp-app-token")),
        "the app-level token opens connections"
    );

    // And stops when baton stops.
    stop.send(true).unwrap();
    assert_eq!(next_json(&mut ws2).await, json!({ "closed": true }));
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("Socket Mode stops").unwrap();
}

#[tokio::test]
async fn slow_lookups_never_hold_the_acknowledgement_past_slacks_three_seconds() {
    let h = harness().await;
    h.fake.0.lock().unwrap().delays.insert("users.info".into(), Duration::from_secs(6));
    let started = std::time::Instant::now();
    let e = json!({ "type": "message", "channel": "C0ACME0001", "user": "U0SLOW", "text": "hello", "ts": "1800000000.001000" });
    assert_eq!(h.event("EvSlowName", e).await.0, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(2900), "answered after {:?}", started.elapsed());
    let bodies = h.ingest.bodies();
    let [Inbound::Message(m)] = bodies.as_slice() else { panic!("{bodies:?}") };
    assert_eq!(m.author.display_name, "U0SLOW", "without the name, the id stands in");

    // A reacted-to message that cannot be read in time: not acknowledged, Slack retries.
    h.fake.0.lock().unwrap().delays.insert("conversations.history".into(), Duration::from_secs(6));
    let started = std::time::Instant::now();
    let r = json!({ "type": "reaction_added", "user": "U0DANA", "reaction": "ticket", "item": { "type": "message", "channel": "C0ACME0001", "ts": "1800000000.001000" }, "event_ts": "1800000200.000100" });
    assert_eq!(h.event("EvSlowFetch", r).await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(started.elapsed() < Duration::from_millis(2900), "answered after {:?}", started.elapsed());
}

#[tokio::test]
async fn files_are_uploaded_then_shared_in_the_thread_with_the_text() {
    let h = harness().await;
    let sink = h.slack.sink();
    let thread = MessageId::parse("1800000000.000600").unwrap();
    let mut m = outbound(Destination::Thread { channel: slack_channel("C0ACME0001"), thread }, None, None);
    m.text = "Transcript of ACME-1 <attached>".into();
    m.attachments = vec![baton_chat::Attachment {
        filename: "ACME-1-transcript.txt".into(),
        content_type: "text/plain; charset=utf-8".into(),
        bytes: b"[09:00] Wile: help\n[09:05] Dana: on it\n".to_vec(),
    }];
    assert_eq!(sink.deliver(&m).await.unwrap().message, None);
    let asked = &h.fake.calls("files.getUploadURLExternal")[0];
    assert_eq!(asked.body["filename"], "ACME-1-transcript.txt");
    assert_eq!(asked.body["length"], "39");
    let upload = &h.fake.calls("upload")[0];
    assert_eq!(upload.body["text"], "[09:00] Wile: help\n[09:05] Dana: on it\n");
    assert_eq!(upload.body["content_type"], "text/plain; charset=utf-8");
    let done = &h.fake.calls("files.completeUploadExternal")[0];
    assert_eq!(done.body["channel_id"], "C0ACME0001");
    assert_eq!(done.body["thread_ts"], "1800000000.000600");
    assert_eq!(done.body["initial_comment"], "Transcript of ACME-1 &lt;attached&gt;");
    assert_eq!(done.body["files"][0]["id"], asked_file_id(&h.fake));
    assert!(h.fake.calls("chat.postMessage").is_empty(), "one message: the files with their comment");
}

fn asked_file_id(fake: &FakeSlack) -> Value {
    let upload = &fake.calls("upload")[0];
    upload.body["file"].clone()
}

// ----- any request body: answered, never a panic ----------------------------------------

mod arbitrary {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;

    /// Keys and strings Slack payloads use, so generated JSON often reaches deep into the
    /// parsers instead of stopping at the first missing field.
    const WORDS: &[&str] = &[
        "type", "event", "event_id", "team_id", "user", "text", "ts", "channel", "thread_ts", "item", "reaction",
        "subtype", "bot_id", "user_team", "edited", "authorizations", "challenge", "actions", "action_id", "value",
        "view", "state", "values", "message", "trigger_id", "callback_id", "private_metadata", "container",
        "channel_id", "user_id", "command", "team", "id", "blocks", "is_bot", "event_time", "selected_option",
        "event_callback", "url_verification", "app_rate_limited", "reaction_added", "app_mention", "block_actions",
        "view_submission", "message_action", "shortcut", "ticket", "eyes", "C0ACME", "U0DANA", "U0WILE", "T0HOME",
        "T0CUSTOMER", "1800000000.000100", "1800000000.1", "-1", "ticket.open", "ticket.claim", "csat.rate", "/ticket",
    ];

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![3 => proptest::sample::select(WORDS).prop_map(str::to_string), 1 => "\\PC{0,16}"]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            proptest::arbitrary::any::<bool>().prop_map(Value::from),
            proptest::arbitrary::any::<i64>().prop_map(Value::from),
            proptest::arbitrary::any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
            word().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map(word(), inner, 0..7).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// An Events API envelope around any event, or any JSON at all, or any text.
    fn event_body() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => (word(), json()).prop_map(|(id, event)| json!({
                "type": "event_callback", "team_id": HOME, "event_id": id, "event": event,
                "authorizations": [ { "team_id": HOME, "user_id": BOT, "is_bot": true } ],
            }).to_string()),
            1 => json().prop_map(|v| v.to_string()),
            1 => "\\PC{0,300}",
        ]
    }

    /// A slash command form with any of its fields, or any text.
    fn command_body() -> impl Strategy<Value = String> {
        let keys = proptest::sample::select(&[
            "command", "text", "user_id", "user_name", "channel_id", "team_id", "trigger_id", "response_url", "thread_ts",
            "enterprise_id", "x",
        ][..]);
        prop_oneof![
            3 => proptest::collection::vec((keys, word()), 0..9)
                .prop_map(|pairs| serde_urlencoded::to_string(pairs).unwrap()),
            1 => "\\PC{0,300}",
        ]
    }

    /// An interactivity form: `payload=` any JSON (usually an object with a known type).
    fn interaction_body() -> impl Strategy<Value = String> {
        let typed = (proptest::sample::select(&["block_actions", "view_submission", "message_action", "shortcut", "x"][..]), json())
            .prop_map(|(t, v)| {
                let mut v = if v.is_object() { v } else { json!({ "actions": [v] }) };
                v["type"] = json!(t);
                v
            });
        prop_oneof![
            3 => typed.prop_map(|v| serde_urlencoded::to_string([("payload", v.to_string())]).unwrap()),
            1 => json().prop_map(|v| serde_urlencoded::to_string([("payload", v.to_string())]).unwrap()),
            1 => "\\PC{0,300}",
        ]
    }

    /// Sends 256 generated bodies to `path`, correctly signed: every one gets an answer.
    fn run(path: &'static str, content_type: &'static str, bodies: impl Strategy<Value = String>) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let h = rt.block_on(harness());
        let mut runner = TestRunner::new(Config::with_cases(256));
        let result = runner.run(&bodies, |body| {
            let (status, _) = rt.block_on(h.send(signed(path, content_type, &body, unix_now())));
            // Recorded (200), refused as malformed (400), or "try again" when a lookup it
            // needs failed (500); never a crash.
            prop_assert!([200, 400, 500].contains(&status.as_u16()), "{status} for {body:?}");
            Ok(())
        });
        if let Err(e) = result {
            panic!("{path}: {e}");
        }
    }

    #[test]
    fn any_event_body_is_answered() {
        run("/slack/events", "application/json", event_body());
    }

    #[test]
    fn any_command_body_is_answered() {
        run("/slack/commands", "application/x-www-form-urlencoded", command_body());
    }

    #[test]
    fn any_interaction_body_is_answered() {
        run("/slack/interactions", "application/x-www-form-urlencoded", interaction_body());
    }
}
