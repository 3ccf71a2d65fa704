//! The Discord adapter end to end: the real `baton serve` against a fake Discord on loopback,
//! on SQLite and PostgreSQL.
//!
//! The fake is two servers written here: an HTTP API (it records every call and keeps the
//! messages, threads and DM channels it was asked to create) and a gateway websocket (HELLO,
//! IDENTIFY → READY, heartbeat ACKs, RESUME with replay, then dispatches). Payloads carry
//! every field Discord documents as always present, so serenity decodes them for the right
//! reason; the malformed-payload test leaves some out on purpose.
//!
//! Every wait polls with a deadline; nothing sleeps to win a race.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use baton::domain::{EventKind, Priority, TicketKey, TicketStatus};
use baton::testing::{self, TestDb};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::support::{self, eventually, serve_fake, write_config_file, Server, MANUAL_ESCALATION};

const TOKEN: &str = "fake-discord-token-do-not-log-me";
const APP: u64 = 1_300_000_000_000_000_001;
const BOT: u64 = APP;
const GUILD: u64 = 1_300_000_000_000_000_010;
/// The Acme support channel.
const SUPPORT: u64 = 1_300_000_000_000_000_020;
/// Where tier-2 escalations are posted.
const TIER2: u64 = 1_300_000_000_000_000_021;
/// A private support channel: ticket conversations in private threads.
const PRIVATE: u64 = 1_300_000_000_000_000_022;
const DANA: u64 = 1_300_000_000_000_000_101;
const WILE: u64 = 1_300_000_000_000_000_102;
const CASEY: u64 = 1_300_000_000_000_000_103;
const LEE: u64 = 1_300_000_000_000_000_104;
/// Not in the people list; holds the staff role.
const ROLF: u64 = 1_300_000_000_000_000_105;
/// Not in the people list; no staff role.
const MALLORY: u64 = 1_300_000_000_000_000_106;
/// The role `discord.staff_role_ids` names.
const STAFF_ROLE: u64 = 1_300_000_000_000_000_200;
/// Another role, not a staff one.
const FAN_ROLE: u64 = 1_300_000_000_000_000_201;
/// GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | DIRECT_MESSAGES | MESSAGE_CONTENT.
const INTENTS: u64 = (1 << 9) | (1 << 10) | (1 << 12) | (1 << 15);
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

// ----- time and ids ------------------------------------------------------------------------

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A snowflake for `ms` (Unix milliseconds), made unique by `n`.
fn snowflake_at(ms: u64, n: u64) -> u64 {
    ((ms - DISCORD_EPOCH_MS) << 22) | (n & 0x3f_ffff)
}

fn iso(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn ms_of(snowflake: u64) -> u64 {
    (snowflake >> 22) + DISCORD_EPOCH_MS
}

// ----- payloads, shaped as Discord documents them -----------------------------------------

fn user(id: u64, name: &str, bot: bool) -> Value {
    let mut u = json!({
        "id": id.to_string(), "username": name, "discriminator": "0", "global_name": name,
        "avatar": null, "public_flags": 0, "flags": 0, "banner": null, "accent_color": null,
        "avatar_decoration_data": null,
    });
    if bot {
        u["bot"] = json!(true);
    }
    u
}

fn name_of(id: u64) -> &'static str {
    match id {
        DANA => "dana",
        WILE => "wile",
        CASEY => "casey",
        LEE => "lee",
        ROLF => "rolf",
        MALLORY => "mallory",
        BOT => "baton",
        _ => "someone",
    }
}

/// A guild member; `with_user` for reactions and interactions (messages carry the user as
/// `author` and the member without it).
fn member(id: u64, with_user: bool) -> Value {
    let roles: Vec<String> = match id {
        ROLF => vec![FAN_ROLE.to_string(), STAFF_ROLE.to_string()],
        MALLORY => vec![FAN_ROLE.to_string()],
        _ => vec![],
    };
    let mut m = json!({
        "nick": null, "avatar": null, "banner": null, "roles": roles, "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "premium_since": null, "deaf": false, "mute": false, "flags": 0, "pending": false,
        "communication_disabled_until": null, "unusual_dm_activity_until": null,
    });
    if with_user {
        m["user"] = user(id, name_of(id), false);
        m["permissions"] = json!("2248473465835073");
    }
    m
}

/// A MESSAGE_CREATE payload (and the REST message object).
fn message(id: u64, channel: u64, author: u64, content: &str) -> Value {
    json!({
        "type": 0, "tts": false, "timestamp": iso(ms_of(id)), "pinned": false,
        "mentions": [], "mention_roles": [], "mention_everyone": false,
        "member": member(author, false),
        "id": id.to_string(), "flags": 0, "embeds": [], "edited_timestamp": null, "content": content,
        "components": [], "channel_id": channel.to_string(), "author": user(author, name_of(author), author == BOT),
        "attachments": [], "guild_id": GUILD.to_string(), "nonce": id.to_string(),
    })
}

fn reaction(user_id: u64, channel: u64, message_id: u64, message_author: u64, emoji: &str) -> Value {
    json!({
        "user_id": user_id.to_string(), "type": 0, "message_id": message_id.to_string(),
        "message_author_id": message_author.to_string(), "member": member(user_id, true),
        "emoji": { "name": emoji, "id": null }, "channel_id": channel.to_string(),
        "burst": false, "burst_colors": [], "guild_id": GUILD.to_string(),
    })
}

fn partial_channel(channel: u64, thread_of: Option<u64>) -> Value {
    match thread_of {
        Some(parent) => json!({
            "id": channel.to_string(), "type": 11, "name": "ticket", "parent_id": parent.to_string(),
            "guild_id": GUILD.to_string(), "flags": 0, "permissions": "2248473465835073",
            "thread_metadata": { "archived": false, "auto_archive_duration": 10080, "archive_timestamp": iso(now_ms()), "locked": false },
        }),
        None => json!({
            "id": channel.to_string(), "type": 0, "name": "acme-support", "parent_id": null,
            "guild_id": GUILD.to_string(), "flags": 0, "permissions": "2248473465835073", "topic": null,
            "position": 1, "nsfw": false, "rate_limit_per_user": 0, "last_message_id": null,
        }),
    }
}

/// An INTERACTION_CREATE payload: `kind` 2 (application command), 3 (component), 5 (modal).
fn interaction(id: u64, kind: u8, user_id: u64, channel: u64, thread_of: Option<u64>, data: Value, message: Option<Value>) -> Value {
    let mut i = json!({
        "version": 1, "type": kind, "token": format!("itoken-{id}"), "locale": "en-US", "id": id.to_string(),
        "guild_locale": "en-US", "guild_id": GUILD.to_string(),
        "guild": { "id": GUILD.to_string(), "locale": "en-US", "features": [] },
        "entitlements": [], "entitlement_sku_ids": [], "data": data,
        "context": 0, "channel_id": channel.to_string(), "channel": partial_channel(channel, thread_of),
        "authorizing_integration_owners": { "0": GUILD.to_string() }, "attachment_size_limit": 10_485_760,
        "application_id": APP.to_string(), "app_permissions": "2248473465835073",
        "member": member(user_id, true),
    });
    if let Some(m) = message {
        i["message"] = m;
    }
    i
}

/// The same interaction as it arrives from a DM with the bot: no guild, a user instead of a
/// member, a DM channel.
fn in_dm(mut i: Value, user_id: u64, dm: u64) -> Value {
    let o = i.as_object_mut().unwrap();
    for field in ["guild_id", "guild", "guild_locale", "member"] {
        o.remove(field);
    }
    o.insert("user".into(), user(user_id, name_of(user_id), false));
    o.insert("context".into(), json!(1));
    o.insert("channel".into(), json!({ "id": dm.to_string(), "type": 1, "flags": 0, "recipients": [user(user_id, name_of(user_id), false)] }));
    i
}

fn ticket_command(command_id: u64, sub: &str, options: Value) -> Value {
    json!({
        "type": 1, "name": "ticket", "id": command_id.to_string(), "guild_id": GUILD.to_string(),
        "options": [{ "type": 1, "name": sub, "options": options }],
    })
}

// ----- the fake HTTP API -------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Call {
    method: String,
    /// Without `/api/v10`.
    path: String,
    body: Value,
    authorized: bool,
}

#[derive(Default)]
struct Api {
    gateway_url: String,
    calls: Mutex<Vec<Call>>,
    /// Messages by id (with their `channel_id`).
    messages: Mutex<HashMap<u64, Value>>,
    /// Thread id → parent channel.
    threads: Mutex<HashMap<u64, u64>>,
    /// DM channel → user.
    dms: Mutex<HashMap<u64, u64>>,
    /// Private threads (type 12), with their members.
    private: Mutex<HashMap<u64, Vec<u64>>>,
    /// Threads archived now (a message posted in one brings it back, as on Discord).
    archived: Mutex<std::collections::HashSet<u64>>,
    next: AtomicU64,
}

impl Api {
    fn new_id(&self) -> u64 {
        snowflake_at(now_ms(), 1_000 + self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn error(status: StatusCode, code: u64, message: &str) -> Response {
        (status, Json(json!({ "code": code, "message": message }))).into_response()
    }

    /// A message baton created: stored, and answered as Discord does.
    fn create_message(&self, channel: u64, body: &Value) -> Value {
        let id = self.new_id();
        let mut m = message(id, channel, BOT, body.get("content").and_then(Value::as_str).unwrap_or(""));
        for key in ["embeds", "components", "flags"] {
            if let Some(v) = body.get(key) {
                m[key] = v.clone();
            }
        }
        m["member"] = Value::Null;
        self.messages.lock().unwrap().insert(id, m.clone());
        m
    }
}

/// The `payload_json` part of a multipart body.
fn multipart_payload(body: &[u8]) -> Value {
    let text = String::from_utf8_lossy(body);
    text.split("name=\"payload_json\"")
        .nth(1)
        .and_then(|rest| rest.split_once("\r\n\r\n"))
        .and_then(|(_, rest)| rest.split("\r\n--").next())
        .and_then(|json| serde_json::from_str(json).ok())
        .map(|mut v: Value| {
            v["_multipart"] = json!(true);
            v
        })
        .unwrap_or(Value::Null)
}

async fn api(State(api): State<Arc<Api>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path().strip_prefix("/api/v10").unwrap_or(uri.path()).to_string();
    let multipart = headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("multipart/"));
    let json_body = if multipart { multipart_payload(&body) } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bot {TOKEN}"));
    api.calls.lock().unwrap().push(Call { method: method.to_string(), path: path.clone(), body: json_body.clone(), authorized });
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let num = |s: &str| s.parse::<u64>().ok();
    match (method.as_str(), seg.as_slice()) {
        ("GET", ["gateway"]) => Json(json!({ "url": api.gateway_url })).into_response(),
        ("GET", ["gateway", "bot"]) => Json(json!({
            "url": api.gateway_url, "shards": 1,
            "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 },
        }))
        .into_response(),
        ("GET", ["users", "@me"]) => Json(user(BOT, "baton", true)).into_response(),
        ("GET", ["users", id]) => match num(id) {
            Some(id) => Json(user(id, name_of(id), id == BOT)).into_response(),
            None => Api::error(StatusCode::NOT_FOUND, 10013, "Unknown User"),
        },
        ("PUT", ["applications", _, "guilds", _, "commands"]) | ("PUT", ["applications", _, "commands"]) => {
            let echoed: Vec<Value> = json_body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut c| {
                    c["id"] = json!(api.new_id().to_string());
                    c["application_id"] = json!(APP.to_string());
                    c["version"] = json!(api.new_id().to_string());
                    c
                })
                .collect();
            Json(Value::Array(echoed)).into_response()
        }
        ("POST", ["users", "@me", "channels"]) => {
            let Some(recipient) = json_body.get("recipient_id").and_then(Value::as_str).and_then(num) else {
                return Api::error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            };
            let dm = recipient + 7;
            api.dms.lock().unwrap().insert(dm, recipient);
            Json(json!({
                "id": dm.to_string(), "type": 1, "last_message_id": null, "flags": 0,
                "recipients": [user(recipient, name_of(recipient), false)],
            }))
            .into_response()
        }
        ("GET", ["channels", c]) => {
            let Some(c) = num(c) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            let parent = api.threads.lock().unwrap().get(&c).copied();
            let mut channel = partial_channel(c, parent);
            if api.private.lock().unwrap().contains_key(&c) {
                channel["type"] = json!(12);
            }
            Json(channel).into_response()
        }
        ("PATCH", ["channels", c]) => {
            let Some(c) = num(c).filter(|c| api.threads.lock().unwrap().contains_key(c)) else {
                return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
            };
            if json_body["archived"] == json!(true) {
                api.archived.lock().unwrap().insert(c);
            }
            let parent = api.threads.lock().unwrap().get(&c).copied();
            let mut channel = partial_channel(c, parent);
            channel["thread_metadata"]["archived"] = json!(api.archived.lock().unwrap().contains(&c));
            Json(channel).into_response()
        }
        ("DELETE", ["channels", c]) => {
            let Some(c) = num(c) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            api.threads.lock().unwrap().remove(&c);
            api.private.lock().unwrap().remove(&c);
            Json(partial_channel(c, None)).into_response()
        }
        ("POST", ["channels", c, "threads"]) => {
            let Some(c) = num(c).filter(|c| *c == SUPPORT || *c == PRIVATE) else {
                return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
            };
            if json_body["type"] != json!(12) {
                return Api::error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
            }
            let id = api.new_id();
            api.threads.lock().unwrap().insert(id, c);
            api.private.lock().unwrap().insert(id, vec![BOT]);
            let mut thread = partial_channel(id, Some(c));
            thread["type"] = json!(12);
            thread["name"] = json_body.get("name").cloned().unwrap_or(json!("thread"));
            thread["owner_id"] = json!(BOT.to_string());
            Json(thread).into_response()
        }
        ("PUT", ["channels", t, "thread-members", u]) => {
            let (Some(t), Some(u)) = (num(t), num(u)) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            match api.private.lock().unwrap().get_mut(&t) {
                Some(members) => {
                    if !members.contains(&u) {
                        members.push(u);
                    }
                }
                None => return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
            }
            // Discord notes the addition in the thread (a RECIPIENT_ADD message by the adder).
            let mut note = api.create_message(t, &json!({ "content": "" }));
            note["type"] = json!(1);
            api.messages.lock().unwrap().insert(note["id"].as_str().unwrap().parse().unwrap(), note);
            StatusCode::NO_CONTENT.into_response()
        }
        ("GET", ["channels", c, "messages"]) => {
            // `after` and `limit`: the oldest messages after an id, newest first (as Discord).
            let Some(c) = num(c) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            let query: HashMap<String, String> =
                uri.query().unwrap_or("").split('&').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let after = query.get("after").and_then(|a| num(a)).unwrap_or(0);
            let limit = query.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50);
            let mut found: Vec<Value> = api
                .messages
                .lock()
                .unwrap()
                .iter()
                .filter(|(id, m)| **id > after && m["channel_id"] == json!(c.to_string()))
                .map(|(_, m)| m.clone())
                .collect();
            found.sort_by_key(|m| m["id"].as_str().unwrap().parse::<u64>().unwrap());
            found.truncate(limit);
            found.reverse();
            Json(Value::Array(found)).into_response()
        }
        ("POST", ["channels", c, "messages"]) => {
            let Some(c) = num(c) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            let known = c == SUPPORT || c == TIER2 || c == PRIVATE || api.threads.lock().unwrap().contains_key(&c) || api.dms.lock().unwrap().contains_key(&c);
            if !known {
                return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
            }
            api.archived.lock().unwrap().remove(&c);
            Json(api.create_message(c, &json_body)).into_response()
        }
        ("GET", ["channels", c, "messages", m]) => {
            let found = api.messages.lock().unwrap().get(&num(m).unwrap_or(0)).cloned();
            match found.filter(|msg| msg["channel_id"] == json!(c.to_string())) {
                Some(msg) => Json(msg).into_response(),
                None => Api::error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", c, "messages", m]) => {
            if num(c).is_some_and(|c| api.archived.lock().unwrap().contains(&c)) {
                return Api::error(StatusCode::BAD_REQUEST, 50083, "Thread is archived");
            }
            let mut messages = api.messages.lock().unwrap();
            match messages.get_mut(&num(m).unwrap_or(0)).filter(|msg| msg["channel_id"] == json!(c.to_string())) {
                Some(msg) => {
                    for key in ["content", "embeds", "components"] {
                        if let Some(v) = json_body.get(key) {
                            msg[key] = v.clone();
                        }
                    }
                    msg["edited_timestamp"] = json!(iso(now_ms()));
                    Json(msg.clone()).into_response()
                }
                None => Api::error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            }
        }
        ("PUT", ["channels", c, "messages", m, "reactions", _emoji, "@me"]) => {
            let found = api.messages.lock().unwrap().get(&num(m).unwrap_or(0)).is_some_and(|msg| msg["channel_id"] == json!(c.to_string()));
            if found {
                StatusCode::NO_CONTENT.into_response()
            } else {
                Api::error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
            }
        }
        ("POST", ["channels", c, "messages", m, "threads"]) => {
            let (Some(c), Some(m)) = (num(c), num(m)) else { return Api::error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            if api.threads.lock().unwrap().contains_key(&m) {
                return Api::error(StatusCode::BAD_REQUEST, 160_004, "A thread has already been created for this message");
            }
            let in_channel = api.messages.lock().unwrap().get(&m).is_some_and(|msg| msg["channel_id"] == json!(c.to_string()));
            if !in_channel {
                return Api::error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            }
            api.threads.lock().unwrap().insert(m, c);
            let mut thread = partial_channel(m, Some(c));
            thread["name"] = json_body.get("name").cloned().unwrap_or(json!("thread"));
            thread["owner_id"] = json!(BOT.to_string());
            thread["member_count"] = json!(1);
            thread["message_count"] = json!(0);
            thread["total_message_sent"] = json!(0);
            thread["rate_limit_per_user"] = json!(0);
            Json(thread).into_response()
        }
        ("POST", ["interactions", _, _, "callback"]) => StatusCode::NO_CONTENT.into_response(),
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) | ("POST", ["webhooks", _, _]) => {
            let mut m = api.create_message(SUPPORT, &json_body);
            m["flags"] = json!(64);
            Json(m).into_response()
        }
        ("DELETE", ["webhooks", _, _, "messages", "@original"]) => StatusCode::NO_CONTENT.into_response(),
        _ => Api::error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
    }
}

// ----- the fake gateway --------------------------------------------------------------------

enum Cmd {
    Send(String),
    Close(u16),
}

#[derive(Default)]
struct GatewayState {
    session: String,
    sessions: u64,
    seq: u64,
    /// This session's dispatches after READY, for RESUME.
    log: Vec<(u64, String)>,
    identifies: Vec<Value>,
    resumes: Vec<Value>,
    readies: usize,
    resumed: usize,
    heartbeats: usize,
    live: Option<mpsc::UnboundedSender<Cmd>>,
}

impl GatewayState {
    fn frame(&mut self, t: &str, d: Value) -> (u64, String) {
        self.seq += 1;
        (self.seq, json!({ "op": 0, "s": self.seq, "t": t, "d": d }).to_string())
    }
}

struct Gateway {
    state: Arc<Mutex<GatewayState>>,
}

impl Gateway {
    /// Sends a dispatch to the live connection, or keeps it for the next RESUME when none is.
    fn dispatch(&self, t: &str, d: Value) {
        let mut st = self.state.lock().unwrap();
        let (seq, frame) = st.frame(t, d);
        st.log.push((seq, frame.clone()));
        if let Some(live) = &st.live {
            let _ = live.send(Cmd::Send(frame));
        }
    }

    /// Sends raw text (no sequence number): garbage.
    fn send_raw(&self, text: &str) {
        if let Some(live) = &self.state.lock().unwrap().live {
            let _ = live.send(Cmd::Send(text.to_string()));
        }
    }

    fn close(&self, code: u16) {
        if let Some(live) = self.state.lock().unwrap().live.take() {
            let _ = live.send(Cmd::Close(code));
        }
    }

    fn invalidate_session(&self) {
        self.send_raw(&json!({ "op": 9, "d": false, "s": null, "t": null }).to_string());
    }

    fn snapshot<T>(&self, f: impl FnOnce(&GatewayState) -> T) -> T {
        f(&self.state.lock().unwrap())
    }
}

async fn gateway_connection(stream: tokio::net::TcpStream, state: Arc<Mutex<GatewayState>>, url: String) {
    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else { return };
    let (mut tx, mut rx) = ws.split();
    let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel();
    state.lock().unwrap().live = Some(cmd_tx);
    let hello = json!({ "op": 10, "s": null, "t": null, "d": { "heartbeat_interval": 2000, "_trace": ["fake"] } });
    if tx.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = rx.next() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(t))) => t,
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Binary(_) | WsMessage::Frame(_))) => continue,
                    Some(Ok(WsMessage::Close(_))) => {
                        // Complete the closing handshake (tungstenite queued the reply).
                        let _ = tx.close().await;
                        break;
                    }
                    _ => break,
                };
                let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let mut out = Vec::new();
                {
                    let mut st = state.lock().unwrap();
                    match v["op"].as_u64() {
                        Some(1) => {
                            st.heartbeats += 1;
                            out.push(json!({ "op": 11, "s": null, "t": null, "d": null }).to_string());
                        }
                        Some(2) => {
                            st.identifies.push(v["d"].clone());
                            st.sessions += 1;
                            st.session = format!("fake-session-{}", st.sessions);
                            st.seq = 0;
                            st.log.clear();
                            let ready = json!({
                                "v": 10, "user": user(BOT, "baton", true), "guilds": [{ "id": GUILD.to_string(), "unavailable": true }],
                                "session_id": st.session, "resume_gateway_url": url, "shard": [0, 1],
                                "application": { "id": APP.to_string(), "flags": 0 }, "_trace": ["fake"],
                            });
                            let (_, frame) = st.frame("READY", ready);
                            out.push(frame);
                            st.readies += 1;
                        }
                        Some(6) => {
                            st.resumes.push(v["d"].clone());
                            if v["d"]["session_id"] == json!(st.session) {
                                // At least once: replay the whole session, delivered or not.
                                out.extend(st.log.iter().map(|(_, f)| f.clone()));
                                let (_, frame) = st.frame("RESUMED", json!({ "_trace": ["fake"] }));
                                out.push(frame);
                                st.resumed += 1;
                            } else {
                                out.push(json!({ "op": 9, "s": null, "t": null, "d": false }).to_string());
                            }
                        }
                        _ => {}
                    }
                }
                for frame in out {
                    if tx.send(WsMessage::Text(frame)).await.is_err() {
                        return;
                    }
                }
            }
            cmd = cmd_rx.recv() => match cmd {
                Some(Cmd::Send(text)) => {
                    if tx.send(WsMessage::Text(text)).await.is_err() {
                        break;
                    }
                }
                Some(Cmd::Close(code)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: "fake gateway going away".into() };
                    let _ = tx.send(WsMessage::Close(Some(frame))).await;
                    break;
                }
                None => break,
            }
        }
    }
}

/// The fake Discord: its HTTP API and its gateway.
struct FakeDiscord {
    api_url: String,
    api: Arc<Api>,
    gateway: Gateway,
}

impl FakeDiscord {
    async fn start() -> Self {
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway_url = format!("ws://{}", ws.local_addr().unwrap());
        let state = Arc::new(Mutex::new(GatewayState::default()));
        let (st, url) = (state.clone(), gateway_url.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                tokio::spawn(gateway_connection(stream, st.clone(), url.clone()));
            }
        });
        let api = Arc::new(Api { gateway_url, ..Default::default() });
        let addr = serve_fake(axum::Router::new().fallback(self::api).with_state(api.clone())).await;
        Self { api_url: format!("http://{addr}/api/v10"), api, gateway: Gateway { state } }
    }

    /// A message that exists on Discord (posted by someone), and its MESSAGE_CREATE.
    fn post(&self, id: u64, channel: u64, author: u64, content: &str) -> Value {
        let m = message(id, channel, author, content);
        self.api.messages.lock().unwrap().insert(id, m.clone());
        self.gateway.dispatch("MESSAGE_CREATE", m.clone());
        m
    }

    fn calls(&self) -> Vec<Call> {
        self.api.calls.lock().unwrap().clone()
    }

    fn calls_to(&self, method: &str, path: &str) -> Vec<Call> {
        self.calls().into_iter().filter(|c| c.method == method && c.path == path).collect()
    }

    fn message(&self, id: u64) -> Option<Value> {
        self.api.messages.lock().unwrap().get(&id).cloned()
    }

    /// Waits for IDENTIFY (proof baton connected to this gateway, not Discord's) and READY.
    async fn wait_connected(&self, readies: usize) -> Value {
        eventually("baton identifies on the fake gateway", || async {
            self.gateway.snapshot(|g| (g.readies >= readies).then(|| g.identifies.last().cloned()).flatten())
        })
        .await
    }

    /// Wile asks in the support channel (message `m1`) and Dana reacts with 🎫 to open a ticket.
    fn ask_and_react(&self, m1: u64, text: &str) {
        self.post(m1, SUPPORT, WILE, text);
        self.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, SUPPORT, m1, WILE, "🎫"));
    }

    /// Waits for the ticket's card in the thread on message `m1`; returns the path baton
    /// posts that thread's messages to.
    async fn card_in_thread(&self, m1: u64) -> String {
        let in_thread = format!("/channels/{m1}/messages");
        eventually("the card is posted", || async { self.calls_to("POST", &in_thread).pop() }).await;
        in_thread
    }
}

// ----- baton -------------------------------------------------------------------------------

fn write_discord_config(dir: &Path, database_url: &str, fake: &FakeDiscord) -> PathBuf {
    let rest = format!(
        r#"
[[channels]]
channel = "discord:{SUPPORT}"
who_may_open = "anyone"

[[channels]]
channel = "discord:{PRIVATE}"
who_may_open = "anyone"
private_threads = true

[[people]]
id = "dana"
name = "Dana Agent"
role = "agent"
discord_id = "{DANA}"

[[people]]
id = "lee"
name = "Lee Tier2"
role = "agent"
discord_id = "{LEE}"

[[people]]
id = "casey"
name = "Casey CSM"
role = "csm"
discord_id = "{CASEY}"

[[people]]
id = "wile"
name = "Wile E."
role = "customer"
account = "acme"
discord_id = "{WILE}"

[[accounts]]
id = "acme"
name = "Acme Corp"
tier = "enterprise"
csm = "casey"
key_prefix = "ACME"
channels = ["discord:{SUPPORT}", "discord:{PRIVATE}"]
{MANUAL_ESCALATION}
[[escalation.levels]]
name = "Tier 2"
channel = "discord:{TIER2}"
people = ["lee"]

[[escalation.levels]]
name = "Support lead"
people = ["lee"]

[handoff]
on_urgent = false
on_escalation = true
on_breach = false

[discord]
application_id = {APP}
api_url = "{api}"
guild_ids = [{GUILD}]
staff_role_ids = [{STAFF_ROLE}]
"#,
        api = fake.api_url
    );
    write_config_file(dir, database_url, "", &rest)
}

/// A running `baton serve` on the fake Discord, its stderr in `baton.log`, which the test reads.
struct Baton(Server);

impl Deref for Baton {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.0
    }
}

impl DerefMut for Baton {
    fn deref_mut(&mut self) -> &mut Server {
        &mut self.0
    }
}

impl Baton {
    async fn start(dir: &Path, database_url: &str, fake: &FakeDiscord) -> Baton {
        let config = write_discord_config(dir, database_url, fake);
        Self::launch(dir, &config, &[]).await
    }

    /// `baton serve` on `config`, with more environment.
    async fn launch(dir: &Path, config: &Path, env: &[(&str, &str)]) -> Baton {
        let mut all = vec![("BATON_DISCORD__TOKEN", TOKEN), ("RUST_LOG", "info,baton_discord=debug")];
        all.extend_from_slice(env);
        Baton(support::start_logging(config, &all, &dir.join("baton.log")).await)
    }

    /// SIGTERM; asserts a clean exit (the gateway task stops too) and a clean log.
    async fn stop(self) -> String {
        let (status, log) = self.0.stop_with_log().await;
        assert!(status.success(), "exit 0 on SIGTERM, got {status}\n{log}");
        assert!(!log.contains(TOKEN), "the bot token reached the log:\n{log}");
        assert!(!log.contains("itoken-"), "an interaction token reached the log:\n{log}");
        assert!(!log.contains("panicked"), "something panicked:\n{log}");
        if std::env::var_os("BATON_TEST_SHOW_LOG").is_some() {
            eprintln!("----- baton's log -----\n{log}");
        }
        log
    }

    /// The end of a test: baton is still running and stops cleanly; the database goes.
    async fn finish(mut self, db: TestDb) {
        self.assert_running();
        self.stop().await;
        db.cleanup().await;
    }
}

/// A fake Discord and a baton connected to its gateway, on `db`.
async fn connected(db: &TestDb) -> (FakeDiscord, tempfile::TempDir, Baton) {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let baton = Baton::start(dir.path(), &db.url, &fake).await;
    fake.wait_connected(1).await;
    (fake, dir, baton)
}

/// The ticket's card as last posted or edited (from the fake's message store).
fn card_of(fake: &FakeDiscord, card_id: u64) -> Value {
    fake.message(card_id).unwrap_or_else(|| panic!("card {card_id} is not on the fake"))
}

fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
        .collect()
}

async fn ticket(db: &testing::TestDb, key: &str) -> Option<baton::domain::Ticket> {
    db.store.ticket_by_key(&TicketKey::parse(key).unwrap()).await.unwrap()
}

async fn events_of(db: &testing::TestDb, key: &str) -> Option<Vec<baton::domain::TicketEvent>> {
    let t = ticket(db, key).await?;
    Some(db.store.events(t.id).await.unwrap())
}

/// Waits for the interaction's callback and returns its body; asserts it came within
/// Discord's three seconds of the dispatch.
async fn answered(fake: &FakeDiscord, interaction: u64, since: Instant) -> Value {
    let path = format!("/interactions/{interaction}/itoken-{interaction}/callback");
    let call = eventually("the interaction is answered", || async { fake.calls_to("POST", &path).into_iter().next() }).await;
    let took = since.elapsed();
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
    call.body
}

// ----- tests -------------------------------------------------------------------------------

#[tokio::test]
async fn a_reaction_opens_a_ticket_in_a_thread_and_an_agent_reply_is_the_first_response() {
    for db in testing::each_backend().await {
        let (fake, _dir, baton) = connected(&db).await;

        // It connected to the fake gateway (serenity would silently fall back to Discord's),
        // with the token from the environment and only the intents it needs.
        let identify = fake.wait_connected(1).await;
        assert_eq!(identify["token"], json!(format!("Bot {TOKEN}")));
        assert_eq!(identify["intents"], json!(INTENTS));
        let register = format!("/applications/{APP}/guilds/{GUILD}/commands");
        let commands = eventually("commands are registered", || async { fake.calls_to("PUT", &register).pop() }).await;
        let names: Vec<&str> = commands.body.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(names, ["ticket", "Open ticket"]);

        // 09:00 a customer writes; 09:02 an agent reacts with 🎫.
        let t0 = now_ms() - 3_600_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "Our SSO login loops forever since this morning");

        let t = eventually("the reaction opens ACME-1", || async { ticket(&db, "ACME-1").await }).await;
        assert_eq!(t.requester.user.as_str(), WILE.to_string());
        assert_eq!(t.title.as_str(), "Our SSO login loops forever since this morning");

        // A thread on the customer's message, and the card in it, with buttons.
        let thread_path = format!("/channels/{SUPPORT}/messages/{m1}/threads");
        let created = eventually("a thread is started on the message", || async { fake.calls_to("POST", &thread_path).pop() }).await;
        assert!(created.body["name"].as_str().unwrap().contains("ACME-1"), "{}", created.body);
        let in_thread = format!("/channels/{m1}/messages");
        let card = eventually("the card is posted in the thread", || async { fake.calls_to("POST", &in_thread).pop() }).await;
        let embed = &card.body["embeds"][0];
        assert!(embed["title"].as_str().unwrap().starts_with("ACME-1"), "{embed}");
        assert!(embed["fields"].as_array().unwrap().iter().any(|f| f["value"] == "Acme Corp"), "{embed}");
        assert_eq!(card.body["allowed_mentions"], json!({ "parse": [] }));
        let card_id = eventually("the card is remembered", || async { ticket(&db, "ACME-1").await.and_then(|t| t.card_message) }).await;
        let ids = custom_ids(&card_of(&fake, card_id.as_str().parse().unwrap()));
        assert!(ids.contains(&"b|ticket.claim|ACME-1".to_string()), "{ids:?}");
        // The message that became the ticket is marked with 🎫 (percent-encoded in the path).
        let mark = format!("/channels/{SUPPORT}/messages/{m1}/reactions/%F0%9F%8E%AB/@me");
        eventually("the 🎫 mark", || async { fake.calls_to("PUT", &mark).pop() }).await;

        // 09:05 the agent answers in the thread: the first response.
        let m2 = snowflake_at(t0 + 300_000, 2);
        fake.post(m2, m1, DANA, "Looking into it now");
        // baton's own messages in the thread are not responses.
        fake.post(snowflake_at(t0 + 301_000, 3), m1, BOT, "ACME-1 is being looked at");
        // 09:07 the customer answers.
        let m4 = snowflake_at(t0 + 420_000, 4);
        fake.post(m4, m1, WILE, "Thanks, it still loops");

        // serenity dispatches gateway events concurrently, so m2 and m4 may be recorded in
        // either order: wait for both (their times come from the snowflakes either way).
        let events = eventually("the thread messages are in the event log", || async {
            let t = ticket(&db, "ACME-1").await?;
            let events = db.store.events(t.id).await.unwrap();
            let customer = events.iter().any(|e| matches!(&e.kind, EventKind::CustomerMessage { message, .. } if message.as_str() == m4.to_string()));
            let agent = events.iter().any(|e| matches!(&e.kind, EventKind::AgentMessage { message, .. } if message.as_str() == m2.to_string()));
            (customer && agent).then_some(events)
        })
        .await;
        let opened = events.iter().find(|e| matches!(e.kind, EventKind::Opened { .. })).unwrap();
        let replies: Vec<_> = events.iter().filter(|e| matches!(e.kind, EventKind::AgentMessage { .. })).collect();
        assert_eq!(replies.len(), 1, "only the agent's message is a response: {events:?}");
        let EventKind::AgentMessage { message, text } = &replies[0].kind else { unreachable!() };
        assert_eq!((message.as_str(), text.as_str()), (m2.to_string().as_str(), "Looking into it now"));
        // FRT from Discord's snowflake times: 09:00:00 → 09:05:00.
        assert_eq!((replies[0].occurred_at - opened.occurred_at).num_seconds(), 300);
        assert_eq!(ticket(&db, "ACME-1").await.unwrap().status, TicketStatus::Open);

        assert!(fake.calls().iter().all(|c| c.authorized), "every API call carries the bot token");
        baton.finish(db).await;
    }
}

#[tokio::test]
async fn slash_commands_buttons_and_forms_are_answered_in_time() {
    for db in testing::each_backend().await {
        let (fake, _dir, baton) = connected(&db).await;
        let t0 = now_ms() - 600_000;
        let cmd_id = snowflake_at(t0, 900);

        // `/ticket open` with a title and a priority, typed in the support channel.
        let i1 = snowflake_at(t0, 1);
        let options = json!([{ "type": 3, "name": "title", "value": "Printer on fire" }, { "type": 3, "name": "priority", "value": "high" }]);
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 2, DANA, SUPPORT, None, ticket_command(cmd_id, "open", options), None));
        let ack = answered(&fake, i1, since).await;
        assert_eq!(ack, json!({ "type": 5, "data": { "flags": 64 } }), "deferred, privately");
        let t = eventually("the command opens ACME-1", || async { ticket(&db, "ACME-1").await }).await;
        assert_eq!((t.title.as_str(), t.priority), ("Printer on fire", Priority::High));
        let card_id: u64 = eventually("the card is posted", || async { ticket(&db, "ACME-1").await.and_then(|t| t.card_message) })
            .await
            .as_str()
            .parse()
            .unwrap();
        // The answer was public (the card): the private "thinking…" message is removed.
        let original = format!("/webhooks/{APP}/itoken-{i1}/messages/@original");
        eventually("the deferred answer is tidied up", || async { fake.calls_to("DELETE", &original).pop() }).await;

        // Dana presses Claim on the card.
        let card = card_of(&fake, card_id);
        let claim = custom_ids(&card).into_iter().find(|id| id.contains("ticket.claim")).expect("a claim button");
        let i2 = snowflake_at(t0 + 60_000, 2);
        let data = json!({ "custom_id": claim, "component_type": 2 });
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i2, 3, DANA, SUPPORT, None, data, Some(card.clone())));
        assert_eq!(answered(&fake, i2, since).await, json!({ "type": 6 }));
        eventually("Dana is assigned", || async {
            ticket(&db, "ACME-1").await.filter(|t| t.assignee.as_ref().map(|p| p.as_str()) == Some("dana"))
        })
        .await;
        // The card is updated in place (it is the thread's root, in the channel), and the
        // notice goes in the thread started on it.
        let edit = format!("/channels/{SUPPORT}/messages/{card_id}");
        eventually("the card is edited", || async { fake.calls_to("PATCH", &edit).pop() }).await;
        let notice_path = format!("/channels/{card_id}/messages");
        let notice = eventually("the claim is announced in the thread", || async { fake.calls_to("POST", &notice_path).pop() }).await;
        assert!(notice.body["content"].as_str().unwrap().contains("Dana Agent"), "{}", notice.body);

        // The customer presses Solve: refused, privately, as a follow-up to the click.
        let card = card_of(&fake, card_id);
        let solve = custom_ids(&card).into_iter().find(|id| id.contains("ticket.solve")).expect("a solve button");
        let i3 = snowflake_at(t0 + 120_000, 3);
        let since = Instant::now();
        let data = json!({ "custom_id": solve, "component_type": 2 });
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i3, 3, WILE, SUPPORT, None, data, Some(card.clone())));
        assert_eq!(answered(&fake, i3, since).await, json!({ "type": 6 }));
        let followup = format!("/webhooks/{APP}/itoken-{i3}");
        let refusal = eventually("the refusal is a private follow-up", || async { fake.calls_to("POST", &followup).pop() }).await;
        assert_eq!(refusal.body["flags"], json!(64));
        assert!(!refusal.body["content"].as_str().unwrap_or("").is_empty(), "{}", refusal.body);
        assert_eq!(ticket(&db, "ACME-1").await.unwrap().status, TicketStatus::Open, "nothing changed");

        // `/ticket escalate` in the ticket's thread: Tier 2 is told in its channel, and the
        // account's CSM gets a handoff by DM.
        let i4 = snowflake_at(t0 + 180_000, 4);
        let options = json!([{ "type": 3, "name": "reason", "value": "customer blocked" }]);
        let since = Instant::now();
        fake.gateway.dispatch(
            "INTERACTION_CREATE",
            interaction(i4, 2, DANA, card_id, Some(SUPPORT), ticket_command(cmd_id, "escalate", options), None),
        );
        assert_eq!(answered(&fake, i4, since).await["type"], 5);
        let escalations = eventually("ACME-1 is escalated", || async {
            let t = ticket(&db, "ACME-1").await?;
            let events = db.store.events(t.id).await.unwrap();
            let levels: Vec<(u32, Option<String>)> = events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::Escalated { level, reason } => Some((*level, reason.clone())),
                    _ => None,
                })
                .collect();
            (!levels.is_empty()).then_some(levels)
        })
        .await;
        assert_eq!(escalations, [(1, Some("customer blocked".to_string()))]);
        let tier2 = format!("/channels/{TIER2}/messages");
        eventually("Tier 2 hears of it", || async { fake.calls_to("POST", &tier2).pop() }).await;
        let dm_open = eventually("a DM with the CSM is opened", || async {
            fake.calls_to("POST", "/users/@me/channels").into_iter().find(|c| c.body["recipient_id"] == json!(CASEY.to_string()))
        })
        .await;
        assert_eq!(dm_open.body["recipient_id"], json!(CASEY.to_string()));
        let handoff_path = format!("/channels/{}/messages", CASEY + 7);
        let handoff = eventually("the CSM gets the handoff", || async { fake.calls_to("POST", &handoff_path).pop() }).await;
        let handoff_ids = custom_ids(&handoff.body);
        assert!(handoff_ids.iter().any(|id| id.contains("handoff.ack")), "{handoff_ids:?}");

        // The CSM acknowledges from the DM.
        let dm = CASEY + 7;
        let handoff_message = fake
            .api
            .messages
            .lock()
            .unwrap()
            .values()
            .find(|m| m["channel_id"] == json!(dm.to_string()) && !custom_ids(m).is_empty())
            .cloned()
            .expect("the handoff message is on the fake");
        let ack_id = custom_ids(&handoff_message).into_iter().find(|id| id.contains("handoff.ack")).unwrap();
        let i9 = snowflake_at(t0 + 200_000, 9);
        let data = json!({ "custom_id": ack_id, "component_type": 2 });
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", in_dm(interaction(i9, 3, CASEY, dm, None, data, Some(handoff_message)), CASEY, dm));
        assert_eq!(answered(&fake, i9, since).await, json!({ "type": 6 }));
        eventually("the handoff is acknowledged", || async {
            let events = events_of(&db, "ACME-1").await?;
            events.iter().any(|e| matches!(e.kind, EventKind::HandoffAcknowledged { .. })).then_some(())
        })
        .await;

        // The card's Escalate button opens a form; its submission escalates with the reason.
        let card = card_of(&fake, card_id);
        let escalate = custom_ids(&card).into_iter().find(|id| id.contains("ticket.escalate")).expect("an escalate button");
        assert!(escalate.starts_with('f'), "a form button: {escalate}");
        let i5 = snowflake_at(t0 + 240_000, 5);
        let since = Instant::now();
        let data = json!({ "custom_id": escalate, "component_type": 2 });
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i5, 3, DANA, SUPPORT, None, data, Some(card.clone())));
        let modal = answered(&fake, i5, since).await;
        assert_eq!(modal["type"], 9, "{modal}");
        let input = &modal["data"]["components"][0]["components"][0];
        assert_eq!((input["custom_id"].as_str(), input["required"].as_bool()), (Some("reason"), Some(true)), "{modal}");
        let i6 = snowflake_at(t0 + 250_000, 6);
        let data = json!({
            "custom_id": modal["data"]["custom_id"],
            "components": [{ "type": 1, "components": [{ "type": 4, "custom_id": "reason", "value": "VIP is down" }] }],
        });
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i6, 5, DANA, SUPPORT, None, data, Some(card)));
        assert_eq!(answered(&fake, i6, since).await["type"], 5);
        eventually("the form escalates to level 2 with its reason", || async {
            let t = ticket(&db, "ACME-1").await?;
            let events = db.store.events(t.id).await.unwrap();
            events
                .iter()
                .any(|e| matches!(&e.kind, EventKind::Escalated { level: 2, reason: Some(r) } if r == "VIP is down"))
                .then_some(())
        })
        .await;

        // "Open ticket" on a customer's message: a second ticket, in a thread on that message.
        let m5 = snowflake_at(t0 + 270_000, 50);
        let target = fake.post(m5, SUPPORT, WILE, "Also the scanner jams");
        let i8 = snowflake_at(t0 + 280_000, 8);
        let data = json!({
            "type": 3, "name": "Open ticket", "id": snowflake_at(t0, 901).to_string(), "guild_id": GUILD.to_string(),
            "target_id": m5.to_string(), "resolved": { "messages": { m5.to_string(): target } },
        });
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i8, 2, DANA, SUPPORT, None, data, None));
        assert_eq!(answered(&fake, i8, since).await["type"], 5);
        let t2 = eventually("the message command opens ACME-2", || async { ticket(&db, "ACME-2").await }).await;
        assert_eq!((t2.title.as_str(), t2.requester.user.as_str()), ("Also the scanner jams", WILE.to_string().as_str()));
        let in_thread = format!("/channels/{m5}/messages");
        eventually("its card is in a thread on the message", || async { fake.calls_to("POST", &in_thread).pop() }).await;

        // `/ticket show` answers privately by replacing the "thinking…" message.
        let i7 = snowflake_at(t0 + 300_000, 7);
        let options = json!([{ "type": 3, "name": "key", "value": "ACME-1" }]);
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i7, 2, WILE, SUPPORT, None, ticket_command(cmd_id, "show", options), None));
        answered(&fake, i7, since).await;
        let original = format!("/webhooks/{APP}/itoken-{i7}/messages/@original");
        let shown = eventually("the card is shown privately", || async { fake.calls_to("PATCH", &original).pop() }).await;
        assert!(shown.body["embeds"][0]["title"].as_str().unwrap().starts_with("ACME-1"), "{}", shown.body);

        baton.stop().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_gateway_drop_resume_and_replay_lose_and_double_nothing() {
    for db in testing::each_backend().await {
        let (fake, _dir, baton) = connected(&db).await;
        let t0 = now_ms() - 3_600_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "Invoices export is empty");
        let in_thread = fake.card_in_thread(m1).await;

        // The gateway goes away; meanwhile the agent answers (Discord keeps the dispatch).
        fake.gateway.close(4000);
        let m2 = snowflake_at(t0 + 120_000, 2);
        fake.post(m2, m1, DANA, "On it");
        // baton resumes the session; the fake replays every dispatch of it, old and new.
        eventually("baton resumes", || async { fake.gateway.snapshot(|g| (g.resumed >= 1).then_some(())) }).await;
        let resume = fake.gateway.snapshot(|g| g.resumes[0].clone());
        assert_eq!(resume["session_id"], "fake-session-1");
        assert_eq!(resume["token"], json!(format!("Bot {TOKEN}")));
        eventually("the missed message arrives", || async {
            let events = events_of(&db, "ACME-1").await?;
            events.iter().any(|e| matches!(e.kind, EventKind::AgentMessage { .. })).then_some(())
        })
        .await;

        // Discord invalidates the session: baton identifies anew, and the fake sends the same
        // dispatches again as if they were new, then one that is.
        fake.gateway.invalidate_session();
        fake.wait_connected(2).await;
        for (id, channel, author, text) in [(m1, SUPPORT, WILE, "Invoices export is empty"), (m2, m1, DANA, "On it")] {
            fake.gateway.dispatch("MESSAGE_CREATE", message(id, channel, author, text));
        }
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, SUPPORT, m1, WILE, "🎫"));
        let m3 = snowflake_at(t0 + 240_000, 3);
        fake.post(m3, m1, WILE, "Still empty here");
        eventually("the new message after the replay is handled", || async {
            let t = ticket(&db, "ACME-1").await?;
            let events = db.store.events(t.id).await.unwrap();
            events.iter().any(|e| matches!(&e.kind, EventKind::CustomerMessage { message, .. } if message.as_str() == m3.to_string())).then_some(())
        })
        .await;
        // Every replayed event reached baton and was recognised as seen before (replays of
        // m1 and the reaction: resume and re-identify; m2: re-identify; the resume delivered m2
        // for the first time).
        let reaction_id = format!("reaction:{m1}:{DANA}:🎫");
        for (event_id, replays) in [(format!("message:{m1}"), 2), (reaction_id, 2), (format!("message:{m2}"), 1)] {
            eventually("the replays are recognised", || async {
                let log = baton.log();
                // The event's own field ends the line (spans before it may name other events).
                let line_end = format!("seen before; ignored event_id={event_id}");
                let seen = log.lines().filter(|l| l.trim_end().ends_with(&line_end)).count();
                (seen >= replays).then_some(())
            })
            .await;
        }

        let all = db.store.tickets(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "one ticket: {all:?}");
        let events = db.store.events(all[0].id).await.unwrap();
        let count = |f: fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.kind)).count();
        assert_eq!(count(|k| matches!(k, EventKind::Opened { .. })), 1, "{events:?}");
        assert_eq!(count(|k| matches!(k, EventKind::AgentMessage { .. })), 1, "{events:?}");
        assert_eq!(count(|k| matches!(k, EventKind::CustomerMessage { .. })), 1, "{events:?}");
        assert_eq!(fake.calls_to("POST", &format!("/channels/{SUPPORT}/messages/{m1}/threads")).len(), 1);
        let cards = fake.calls_to("POST", &in_thread).into_iter().filter(|c| c.body.get("embeds").is_some()).count();
        assert_eq!(cards, 1, "the card is posted once");
        assert!(db.store.outbox(true, 100).await.unwrap().is_empty(), "nothing failed for good");
        baton.finish(db).await;
    }
}

#[tokio::test]
async fn malformed_dispatches_are_logged_and_ignored() {
    for db in testing::each_backend().await {
        let (fake, _dir, baton) = connected(&db).await;
        let t0 = now_ms() - 3_600_000;

        // A message without fields Discord always sends.
        let mut bad_message = message(snowflake_at(t0, 1), SUPPORT, WILE, "no tts here");
        for field in ["tts", "mentions", "pinned", "type", "embeds"] {
            bad_message.as_object_mut().unwrap().remove(field);
        }
        fake.gateway.dispatch("MESSAGE_CREATE", bad_message);
        // A reaction without `burst` and `type`.
        let mut bad_reaction = reaction(DANA, SUPPORT, snowflake_at(t0, 1), WILE, "🎫");
        bad_reaction.as_object_mut().unwrap().remove("burst");
        bad_reaction.as_object_mut().unwrap().remove("type");
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", bad_reaction);
        // An interaction without `version`, `locale`, `entitlements`, `attachment_size_limit`.
        let i = snowflake_at(t0, 2);
        let mut bad_interaction = interaction(i, 2, DANA, SUPPORT, None, ticket_command(snowflake_at(t0, 3), "help", json!([])), None);
        for field in ["version", "locale", "entitlements", "attachment_size_limit"] {
            bad_interaction.as_object_mut().unwrap().remove(field);
        }
        fake.gateway.dispatch("INTERACTION_CREATE", bad_interaction);
        // Hostile values: a zero id, a wrong type, an unknown event, and text that is not JSON.
        let mut zero = message(snowflake_at(t0, 4), SUPPORT, WILE, "zero");
        zero["id"] = json!("0");
        fake.gateway.dispatch("MESSAGE_CREATE", zero);
        let mut wrong = message(snowflake_at(t0, 5), SUPPORT, WILE, "wrong");
        wrong["content"] = json!({ "not": "a string" });
        fake.gateway.dispatch("MESSAGE_CREATE", wrong);
        fake.gateway.dispatch("SOMETHING_DISCORD_ADDED_LATER", json!({ "what": "ever" }));
        fake.gateway.send_raw("this is not JSON {");

        // The connection survives: a good message and reaction still open a ticket.
        let good = snowflake_at(t0 + 60_000, 6);
        fake.post(good, SUPPORT, WILE, "Webhooks stopped arriving");
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, SUPPORT, good, WILE, "🎫"));
        let t = eventually("a good event still works", || async { ticket(&db, "ACME-1").await }).await;
        assert_eq!(t.title.as_str(), "Webhooks stopped arriving");

        let log = eventually("the malformed events are logged with the serde error", || async {
            let log = baton.log();
            (log.matches("Discord sent an event baton cannot read").count() >= 5).then_some(log)
        })
        .await;
        for expected in ["missing field `tts`", "missing field `burst`", "missing field `version`", "event=INTERACTION_CREATE"] {
            assert!(log.contains(expected), "{expected} not in the log:\n{log}");
        }
        assert!(!log.contains("SOMETHING_DISCORD_ADDED_LATER\" cannot"), "unknown events are not warnings");
        // …and counted where Prometheus scrapes.
        let metrics = reqwest::get(format!("{}/metrics", baton.base)).await.unwrap().text().await.unwrap();
        assert!(metrics.contains("baton_events_rejected_total{reason=\"malformed\"} 5"), "{metrics}");
        let all = db.store.tickets(&Default::default()).await.unwrap();
        assert_eq!(all.len(), 1, "nothing came of the malformed events: {all:?}");
        assert_eq!(fake.gateway.snapshot(|g| g.identifies.len()), 1, "no reconnect was needed");
        baton.finish(db).await;
    }
}

#[tokio::test]
async fn after_a_restart_replies_in_a_ticket_thread_still_reach_the_ticket() {
    for db in testing::each_backend().await {
        let (fake, dir, baton) = connected(&db).await;
        let t0 = now_ms() - 3_600_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "SAML metadata rejected");
        fake.card_in_thread(m1).await;
        let card_id = eventually("the card is remembered", || async { ticket(&db, "ACME-1").await.and_then(|t| t.card_message) }).await;
        // An intake panel, posted before the restart.
        let i1 = snowflake_at(t0 + 10_000, 11);
        let since = Instant::now();
        let panel_cmd = ticket_command(snowflake_at(t0, 900), "panel", json!([]));
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 2, DANA, SUPPORT, None, panel_cmd, None));
        answered(&fake, i1, since).await;
        let channel_posts = format!("/channels/{SUPPORT}/messages");
        eventually("the panel is posted", || async {
            fake.calls_to("POST", &channel_posts).into_iter().find(|c| c.body.get("components").is_some())
        })
        .await;
        let panel = fake
            .api
            .messages
            .lock()
            .unwrap()
            .values()
            .find(|m| m["channel_id"] == json!(SUPPORT.to_string()) && custom_ids(m).iter().any(|id| id.contains("ticket.panel")))
            .cloned()
            .expect("the panel is on the fake");
        baton.stop().await;

        // A new process knows nothing of the thread: it asks Discord what the channel is.
        let baton = Baton::start(dir.path(), &db.url, &fake).await;
        fake.wait_connected(2).await;
        let m2 = snowflake_at(t0 + 600_000, 2);
        fake.post(m2, m1, DANA, "Fixed the metadata on our side");
        eventually("the reply after the restart is the first response", || async {
            let events = events_of(&db, "ACME-1").await?;
            events
                .iter()
                .any(|e| matches!(&e.kind, EventKind::AgentMessage { message, .. } if message.as_str() == m2.to_string()))
                .then_some(())
        })
        .await;
        assert!(!fake.calls_to("GET", &format!("/channels/{m1}")).is_empty(), "the thread was looked up");

        // 👀 on the root message claims it; the card in the thread is edited in place.
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, SUPPORT, m1, WILE, "👀"));
        eventually("Dana claims ACME-1", || async {
            ticket(&db, "ACME-1").await.filter(|t| t.assignee.as_ref().map(|p| p.as_str()) == Some("dana"))
        })
        .await;
        let edit = format!("/channels/{m1}/messages/{card_id}");
        eventually("the card in the thread is edited", || async { fake.calls_to("PATCH", &edit).pop() }).await;
        assert!(fake.calls_to("POST", &format!("/channels/{SUPPORT}/messages/{m1}/threads")).len() <= 2);

        // The panel's button still opens its form after the restart, and the form opens a
        // ticket (a typed choice is read like the option it names).
        let open = custom_ids(&panel).into_iter().find(|id| id.contains("ticket.panel")).unwrap();
        let i2 = snowflake_at(t0 + 700_000, 12);
        let since = Instant::now();
        let data = json!({ "custom_id": open, "component_type": 2 });
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i2, 3, WILE, SUPPORT, None, data, Some(panel.clone())));
        let modal = answered(&fake, i2, since).await;
        assert_eq!(modal["type"], 9, "the form opens: {modal}");
        let inputs: Vec<String> = modal["data"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|row| row["components"][0]["custom_id"].as_str().map(str::to_string))
            .collect();
        assert_eq!(inputs, ["title", "description", "priority"]);
        let i3 = snowflake_at(t0 + 710_000, 13);
        let answer = |id: &str, value: &str| json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": value }] });
        let data = json!({
            "custom_id": modal["data"]["custom_id"],
            "components": [answer("title", "Cannot export invoices"), answer("description", ""), answer("priority", " High ")],
        });
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i3, 5, WILE, SUPPORT, None, data, Some(panel)));
        answered(&fake, i3, since).await;
        let t2 = eventually("the form opens ACME-2", || async { ticket(&db, "ACME-2").await }).await;
        assert_eq!((t2.title.as_str(), t2.priority), ("Cannot export invoices", Priority::High));
        assert_eq!(t2.requester.user.as_str(), WILE.to_string());
        baton.finish(db).await;
    }
}

#[tokio::test]
async fn a_member_with_a_staff_role_is_an_agent_and_others_are_customers() {
    for db in testing::each_backend().await {
        let (fake, _dir, baton) = connected(&db).await;
        let t0 = now_ms() - 3_600_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "Dashboards load forever");
        fake.card_in_thread(m1).await;

        // Neither Mallory nor Rolf is in the people list; only Rolf holds the staff role.
        let m2 = snowflake_at(t0 + 60_000, 2);
        fake.post(m2, m1, MALLORY, "Same here, any news?");
        let m3 = snowflake_at(t0 + 240_000, 3);
        fake.post(m3, m1, ROLF, "We are rolling back the release");
        let events = eventually("both messages are in the event log", || async {
            let events = events_of(&db, "ACME-1").await?;
            let has = |id: u64| {
                events.iter().any(|e| match &e.kind {
                    EventKind::AgentMessage { message, .. } | EventKind::CustomerMessage { message, .. } => message.as_str() == id.to_string(),
                    _ => false,
                })
            };
            (has(m2) && has(m3)).then_some(events)
        })
        .await;
        let customer: Vec<&str> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::CustomerMessage { message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(customer, [m2.to_string().as_str()], "Mallory is a customer: {events:?}");
        let agent: Vec<&baton::domain::TicketEvent> = events.iter().filter(|e| matches!(e.kind, EventKind::AgentMessage { .. })).collect();
        assert_eq!(agent.len(), 1, "{events:?}");
        // Rolf's message is the first response: 4 minutes after the customer's message.
        let opened = events.iter().find(|e| matches!(e.kind, EventKind::Opened { .. })).unwrap();
        assert_eq!((agent[0].occurred_at - opened.occurred_at).num_seconds(), 240);
        assert_eq!(ticket(&db, "ACME-1").await.unwrap().status, TicketStatus::Open);

        // A button pressed by a role-holder counts as staff too: Rolf may solve, Mallory may not.
        let card_id: u64 = ticket(&db, "ACME-1").await.unwrap().card_message.unwrap().as_str().parse().unwrap();
        let card = card_of(&fake, card_id);
        let solve = custom_ids(&card).into_iter().find(|id| id.contains("ticket.solve")).expect("a solve button");
        let data = json!({ "custom_id": solve, "component_type": 2 });
        let i1 = snowflake_at(t0 + 300_000, 11);
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 3, MALLORY, m1, Some(SUPPORT), data.clone(), Some(card.clone())));
        let refusal = format!("/webhooks/{APP}/itoken-{i1}");
        eventually("Mallory is refused privately", || async { fake.calls_to("POST", &refusal).pop() }).await;
        assert_eq!(ticket(&db, "ACME-1").await.unwrap().status, TicketStatus::Open);
        let i2 = snowflake_at(t0 + 360_000, 12);
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i2, 3, ROLF, m1, Some(SUPPORT), data, Some(card)));
        eventually("Rolf solves it", || async { ticket(&db, "ACME-1").await.filter(|t| t.status == TicketStatus::Solved) }).await;
        baton.finish(db).await;
    }
}

/// The index of the first call matching `method` and `path` at or after `from`.
fn call_index(fake: &FakeDiscord, method: &str, path: &str) -> Option<usize> {
    fake.calls().iter().position(|c| c.method == method && c.path == path)
}

#[tokio::test]
async fn closing_a_solved_ticket_after_the_delay_archives_its_thread() {
    for db in testing::each_backend().await {
        let (fake, dir, baton) = connected(&db).await;
        // Five days ago a customer wrote and an agent opened a ticket; four days ago the agent
        // solved it (Discord's snowflake times are the platform times baton goes by).
        let t0 = now_ms() - 5 * 86_400_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "Exports time out");
        let card_id = eventually("the card is posted", || async { ticket(&db, "ACME-1").await.and_then(|t| t.card_message) }).await;
        let i1 = snowflake_at(t0 + 86_400_000, 11);
        let solve = ticket_command(snowflake_at(t0, 900), "solve", json!([]));
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 2, DANA, m1, Some(SUPPORT), solve, None));
        eventually("ACME-1 is solved", || async { ticket(&db, "ACME-1").await.filter(|t| t.status == TicketStatus::Solved) }).await;
        assert!(fake.calls_to("PATCH", &format!("/channels/{m1}")).is_empty(), "solving alone archives nothing");
        baton.stop().await;

        // The lifecycle timers run when baton starts: three days after solving, it closes.
        let baton = Baton::start(dir.path(), &db.url, &fake).await;
        eventually("ACME-1 closes", || async { ticket(&db, "ACME-1").await.filter(|t| t.status == TicketStatus::Closed) }).await;
        let archive = format!("/channels/{m1}");
        let call = eventually("the thread is archived", || async { fake.calls_to("PATCH", &archive).pop() }).await;
        assert_eq!(call.body, json!({ "archived": true }));
        assert!(fake.api.archived.lock().unwrap().contains(&m1), "still archived: nothing was posted after");
        // The closing notice, the transcript and the card's last edit came first.
        let archived_at = call_index(&fake, "PATCH", &archive).unwrap();
        let card_edit = call_index(&fake, "PATCH", &format!("/channels/{m1}/messages/{card_id}")).expect("the card is edited");
        assert!(card_edit < archived_at);
        let posts: Vec<usize> = fake
            .calls()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.method == "POST" && c.path == format!("/channels/{m1}/messages"))
            .map(|(i, _)| i)
            .collect();
        assert!(posts.len() >= 3, "card, closing notice, transcript: {posts:?}");
        assert!(posts.iter().all(|p| *p < archived_at), "{posts:?} then {archived_at}");
        assert!(db.store.outbox(true, 100).await.unwrap().is_empty(), "nothing failed for good");
        baton.finish(db).await;
    }
}

/// The private thread the fake holds whose members include `user`, in `channel`.
fn private_thread_with(fake: &FakeDiscord, channel: u64, user: u64) -> Option<u64> {
    let threads = fake.api.threads.lock().unwrap().clone();
    let private = fake.api.private.lock().unwrap().clone();
    private.into_iter().find(|(t, members)| threads.get(t) == Some(&channel) && members.contains(&user)).map(|(t, _)| t)
}

#[tokio::test]
async fn the_intake_panel_and_private_channels_talk_in_private_threads() {
    for db in testing::each_backend().await {
        let (fake, dir, baton) = connected(&db).await;
        let t0 = now_ms() - 3_600_000;

        // The panel in the (public) support channel; the customer fills in its form.
        let i1 = snowflake_at(t0, 11);
        let panel_cmd = ticket_command(snowflake_at(t0, 900), "panel", json!([]));
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 2, DANA, SUPPORT, None, panel_cmd, None));
        let panel = eventually("the panel is posted", || async {
            fake.api.messages.lock().unwrap().values().find(|m| custom_ids(m).iter().any(|id| id.contains("ticket.panel"))).cloned()
        })
        .await;
        let open = custom_ids(&panel).into_iter().find(|id| id.contains("ticket.panel")).unwrap();
        let i2 = snowflake_at(t0 + 60_000, 12);
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i2, 3, WILE, SUPPORT, None, json!({ "custom_id": open, "component_type": 2 }), Some(panel.clone())));
        let modal = answered(&fake, i2, since).await;
        let i3 = snowflake_at(t0 + 70_000, 13);
        let data = json!({
            "custom_id": modal["data"]["custom_id"],
            "components": [{ "type": 1, "components": [{ "type": 4, "custom_id": "title", "value": "Invoice shows the wrong VAT" }] }],
        });
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i3, 5, WILE, SUPPORT, None, data, Some(panel)));

        // A private thread in the channel, with the customer in it and the card inside,
        // mentioning the staff role; the thread is the ticket's conversation.
        let t1 = eventually("ACME-1's card is posted", || async { ticket(&db, "ACME-1").await.filter(|t| t.card_message.is_some()) }).await;
        let thread = private_thread_with(&fake, SUPPORT, WILE).expect("a private thread with the customer");
        assert_eq!(t1.origin.thread.as_ref().map(|m| m.as_str().to_string()), Some(thread.to_string()));
        let create = fake.calls_to("POST", &format!("/channels/{SUPPORT}/threads")).pop().unwrap();
        assert_eq!((create.body["type"].clone(), create.body["invitable"].clone()), (json!(12), json!(false)), "{}", create.body);
        assert!(create.body["name"].as_str().unwrap().contains("ACME-1"), "{}", create.body);
        let card = fake.calls_to("POST", &format!("/channels/{thread}/messages")).into_iter().find(|c| c.body.get("embeds").is_some()).unwrap();
        assert!(card.body["content"].as_str().unwrap().contains(&format!("<@&{STAFF_ROLE}>")), "{}", card.body);
        assert_eq!(card.body["allowed_mentions"], json!({ "parse": [], "roles": [STAFF_ROLE.to_string()] }));
        assert!(fake.calls().iter().all(|c| !(c.method == "POST" && c.path.ends_with("/threads") && c.path.contains("/messages/"))), "no public thread");
        assert!(fake.calls_to("POST", &format!("/channels/{SUPPORT}/messages")).iter().all(|c| c.body.get("embeds").is_none() || custom_ids(&c.body).iter().any(|id| id.contains("ticket.panel"))), "no card in the public channel");

        // A staff member answers in the thread: the first response.
        let m2 = snowflake_at(t0 + 120_000, 2);
        fake.post(m2, thread, ROLF, "Looking at your invoice");
        eventually("the answer is the first response", || async {
            let events = events_of(&db, "ACME-1").await?;
            events.iter().any(|e| matches!(&e.kind, EventKind::AgentMessage { message, .. } if message.as_str() == m2.to_string())).then_some(())
        })
        .await;

        // In the private support channel, a reaction on a customer's message opens a ticket
        // in a private thread too (not a thread on the message).
        let m3 = snowflake_at(t0 + 180_000, 3);
        fake.post(m3, PRIVATE, WILE, "Our contract PDF is missing");
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, PRIVATE, m3, WILE, "🎫"));
        eventually("ACME-2's card is posted", || async { ticket(&db, "ACME-2").await.filter(|t| t.card_message.is_some()) }).await;
        let private = private_thread_with(&fake, PRIVATE, WILE).expect("a private thread in the private channel");
        assert!(fake.calls_to("POST", &format!("/channels/{PRIVATE}/messages/{m3}/threads")).is_empty());
        baton.stop().await;

        // After a restart baton knows nothing of these threads: it asks Discord.
        let baton = Baton::start(dir.path(), &db.url, &fake).await;
        fake.wait_connected(2).await;
        let m4 = snowflake_at(t0 + 600_000, 4);
        fake.post(m4, private, WILE, "Any news?");
        eventually("the customer's message reaches ACME-2", || async {
            let events = events_of(&db, "ACME-2").await?;
            events.iter().any(|e| matches!(&e.kind, EventKind::CustomerMessage { message, .. } if message.as_str() == m4.to_string())).then_some(())
        })
        .await;
        // 👀 on the customer's message claims ACME-2; the card inside the thread is edited.
        fake.gateway.dispatch("MESSAGE_REACTION_ADD", reaction(DANA, PRIVATE, m3, WILE, "👀"));
        eventually("Dana claims ACME-2", || async {
            ticket(&db, "ACME-2").await.filter(|t| t.assignee.as_ref().map(|p| p.as_str()) == Some("dana"))
        })
        .await;
        let card2 = fake
            .calls_to("POST", &format!("/channels/{private}/messages"))
            .into_iter()
            .find(|c| c.body.get("embeds").is_some())
            .map(|_| ())
            .and_then(|_| {
                fake.api.messages.lock().unwrap().values().find(|m| m["channel_id"] == json!(private.to_string()) && m["embeds"].as_array().is_some_and(|e| !e.is_empty())).map(|m| m["id"].as_str().unwrap().to_string())
            })
            .expect("the card in the private thread");
        let edit = format!("/channels/{private}/messages/{card2}");
        eventually("the card inside the private thread is edited", || async { fake.calls_to("PATCH", &edit).pop() }).await;
        let notice = format!("/channels/{private}/messages");
        eventually("the claim is announced in the private thread", || async {
            fake.calls_to("POST", &notice).into_iter().find(|c| c.body["content"].as_str().is_some_and(|t| t.contains("Dana Agent")))
        })
        .await;
        assert!(db.store.outbox(true, 100).await.unwrap().is_empty(), "nothing failed for good");
        baton.finish(db).await;
    }
}

#[tokio::test]
async fn a_discord_ticket_hands_off_to_a_slack_only_csm_on_slack() {
    use crate::slack::{FakeSlack, CASEY as CASEY_SLACK};
    use crate::support::slack::{BOT_TOKEN as SLACK_TOKEN, SIGNING_SECRET};
    for db in testing::each_backend().await {
        let fake = FakeDiscord::start().await;
        let (slack, slack_url) = FakeSlack::start().await;
        let dir = tempfile::tempdir().unwrap();
        // Casey, Acme's CSM, is on Slack only.
        let config = write_discord_config(dir.path(), &db.url, &fake);
        let text = std::fs::read_to_string(&config).unwrap();
        let casey = format!("discord_id = \"{CASEY}\"");
        assert!(text.contains(&casey));
        let text = text.replace(&casey, &format!("slack_id = \"{CASEY_SLACK}\""))
            + &format!("\n[slack]\nmode = \"http\"\napi_url = \"{slack_url}\"\n");
        std::fs::write(&config, text).unwrap();
        let env = [("BATON_SLACK__BOT_TOKEN", SLACK_TOKEN), ("BATON_SLACK__SIGNING_SECRET", SIGNING_SECRET)];
        let baton = Baton::launch(dir.path(), &config, &env).await;
        fake.wait_connected(1).await;

        let t0 = now_ms() - 3_600_000;
        let m1 = snowflake_at(t0, 1);
        fake.ask_and_react(m1, "The API returns 502 for every EU request");
        eventually("the card is posted", || async { ticket(&db, "ACME-1").await.and_then(|t| t.card_message) }).await;
        // `/ticket escalate` in the ticket's thread: the handoff goes to the CSM.
        let i1 = snowflake_at(t0 + 60_000, 11);
        let options = json!([{ "type": 3, "name": "reason", "value": "EU customers blocked" }]);
        let since = Instant::now();
        fake.gateway.dispatch("INTERACTION_CREATE", interaction(i1, 2, DANA, m1, Some(SUPPORT), ticket_command(snowflake_at(t0, 900), "escalate", options), None));
        answered(&fake, i1, since).await;

        let open = eventually("a Slack DM with the CSM is opened", || async {
            slack.calls("conversations.open").into_iter().find(|c| c.body["users"] == json!(CASEY_SLACK))
        })
        .await;
        assert_eq!(open.body["users"], json!(CASEY_SLACK));
        let dm = format!("D{CASEY_SLACK}");
        let handoff = eventually("the handoff arrives on Slack", || async {
            slack.calls("chat.postMessage").into_iter().find(|c| c.body["channel"] == json!(dm))
        })
        .await;
        // With the account's context: the ticket, the account and the reason.
        let body = handoff.body.to_string();
        for expected in ["ACME-1", "Acme Corp", "EU customers blocked"] {
            assert!(body.contains(expected), "{expected} missing from the handoff: {body}");
        }
        assert!(body.contains("handoff.ack"), "an acknowledge button: {body}");
        // Nothing went to Discord for Casey, who has no Discord id.
        assert!(fake.calls_to("POST", "/users/@me/channels").is_empty(), "no Discord DM");
        eventually("the handoff is recorded", || async {
            let events = events_of(&db, "ACME-1").await?;
            events.iter().any(|e| matches!(&e.kind, EventKind::HandedOff { csm: Some(c), .. } if c.as_str() == "casey")).then_some(())
        })
        .await;
        assert!(db.store.outbox(true, 100).await.unwrap().is_empty(), "nothing failed for good");
        baton.finish(db).await;
    }
}
