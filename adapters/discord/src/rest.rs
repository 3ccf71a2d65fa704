//! The few Discord HTTP API calls baton makes, over serenity's [`Http`] (its routing, token
//! handling, rate limiter and proxy support), with bodies baton writes itself (see
//! [`crate::wire`]) and answers read only as far as baton needs them: a message's id, a
//! channel's type and parent. A created message whose answer carries a field serenity does not
//! know yet is still a created message, and is never posted twice because of it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use baton_chat::{Attachment, DeliveryError};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use serenity::all::{
    ApplicationId, ChannelId, CreateAllowedMentions, CreateAttachment, GuildId, InteractionId, Message, MessageId,
    User, UserId,
};
use serenity::http::{
    Http, HttpBuilder, HttpError, LightMethod, Multipart, MultipartUpload, Request, Route,
};

use crate::wire::snowflake;
use crate::{Settings, SetupError};

/// When Discord (or the proxy) answers 429 without a usable Retry-After (serenity does not
/// pass response headers on), the outbox waits this long.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Discord's public API origin; `api_url` equal to it means "no proxy".
const DISCORD_ORIGIN: &str = "https://discord.com";

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestError {
    #[error("rate limited")]
    RateLimited(Duration),
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Discord refused the request (4xx): retrying the same request will not help.
    #[error("HTTP {status}, Discord error {code}: {message}")]
    Rejected { status: u16, code: isize, message: String },
}

impl RestError {
    /// Discord's JSON error code, when Discord refused the request.
    pub fn code(&self) -> Option<isize> {
        match self {
            RestError::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is_rejected(&self) -> bool {
        matches!(self, RestError::Rejected { .. })
    }
}

impl From<RestError> for DeliveryError {
    fn from(e: RestError) -> Self {
        match e {
            RestError::RateLimited(d) => DeliveryError::RateLimited(d),
            RestError::Transient(m) => DeliveryError::Transient(m),
            r @ RestError::Rejected { .. } => DeliveryError::Permanent(r.to_string()),
        }
    }
}

/// Interaction tokens travel in URL paths (`/webhooks/APP/TOKEN`, `/interactions/ID/TOKEN`);
/// they must not reach logs or the outbox's error column.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = ["/webhooks/", "/interactions/"].iter().filter_map(|m| rest.find(m).map(|i| (i, *m))).min() {
        let (at, marker) = i;
        let after = at + marker.len();
        out.push_str(&rest[..after]);
        let tail = &rest[after..];
        // Keep the id segment, hide the token segment.
        let id_end = tail.find('/').unwrap_or(tail.len());
        out.push_str(&tail[..id_end]);
        let tail = &tail[id_end..];
        if let Some(stripped) = tail.strip_prefix('/') {
            let token_end = stripped.find(['/', '?', ' ', ')', '"']).unwrap_or(stripped.len());
            out.push_str("/***");
            rest = &stripped[token_end..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

fn map_err(e: serenity::Error) -> RestError {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            if status == 429 {
                RestError::RateLimited(DEFAULT_RETRY_AFTER)
            } else if status >= 500 || status == 408 {
                RestError::Transient(format!("HTTP {status}: {}", redact(&r.error.message)))
            } else {
                RestError::Rejected { status, code: r.error.code, message: redact(&r.error.message) }
            }
        }
        serenity::Error::Http(HttpError::Request(e)) => RestError::Transient(redact(&e.without_url().to_string())),
        serenity::Error::Json(e) => RestError::Transient(format!("unreadable answer from Discord: {e}")),
        other => RestError::Transient(redact(&other.to_string())),
    }
}

/// The origin serenity should send API calls to instead of `https://discord.com`, from
/// `api_url`: `None` for Discord itself. Accepts the origin alone or with `/api` or
/// `/api/v10` (the configuration's documented default), since serenity adds `/api/v10`.
pub fn proxy_origin(api_url: Option<&str>) -> Result<Option<String>, SetupError> {
    let Some(raw) = api_url.map(str::trim).filter(|u| !u.is_empty()) else { return Ok(None) };
    let mut url = raw.trim_end_matches('/');
    for suffix in ["/api/v10", "/api"] {
        if let Some(s) = url.strip_suffix(suffix) {
            url = s;
            break;
        }
    }
    let ok_scheme = url.starts_with("http://") || url.starts_with("https://");
    let host = url.split_once("://").map(|(_, h)| h).unwrap_or("");
    if !ok_scheme || host.is_empty() || url.contains(char::is_whitespace) {
        return Err(SetupError(format!("discord.api_url `{raw}` is not an http(s) URL")));
    }
    if url.eq_ignore_ascii_case(DISCORD_ORIGIN) {
        return Ok(None);
    }
    Ok(Some(url.to_string()))
}

/// A serenity HTTP client for `settings`: through the proxy (with serenity's own rate
/// limiter off, since the proxy limits and serenity ignores a proxy otherwise) or straight to
/// Discord (rate limiter on). Mentions never ping unless a message says so.
pub fn http(settings: &Settings) -> Result<Http, SetupError> {
    let token = settings.token.expose_secret();
    if token.trim().is_empty() {
        return Err(SetupError("discord.token is empty".into()));
    }
    let mut b = HttpBuilder::new(token).default_allowed_mentions(CreateAllowedMentions::new());
    if let Some(app) = settings.application_id.filter(|a| *a != 0) {
        b = b.application_id(ApplicationId::new(app));
    }
    if let Some(origin) = proxy_origin(settings.api_url.as_deref())? {
        b = b.proxy(origin).ratelimiter_disabled(true);
    }
    Ok(b.build())
}

/// What a channel is, as far as baton cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// A thread in `parent`.
    Thread { parent: u64 },
    /// Anything else: a text channel, a forum, a DM.
    Plain,
}

/// The calls.
pub struct Rest {
    http: Arc<Http>,
    application_id: AtomicU64,
}

fn id_of(v: &Value) -> Option<u64> {
    match v.get("id")? {
        Value::String(s) => snowflake(s),
        Value::Number(n) => n.as_u64().filter(|n| *n != 0),
        _ => None,
    }
}

fn message_request<'a>(route: Route<'a>, method: LightMethod, body: &Value, files: &[Attachment]) -> Result<Request<'a>, RestError> {
    let req = Request::new(route, method);
    // Discord numbers attachments within a message; serenity's upload names them all 0, so
    // one file goes with the message and callers post any others on their own.
    match files.first() {
        None => {
            let bytes = serde_json::to_vec(body).map_err(|e| RestError::Transient(e.to_string()))?;
            Ok(req.body(Some(bytes)))
        }
        Some(file) => {
            let mut payload = body.clone();
            if let Some(obj) = payload.as_object_mut() {
                obj.insert("attachments".into(), json!([{ "id": 0, "filename": file.filename }]));
            }
            let upload = CreateAttachment::bytes(file.bytes.clone(), file.filename.clone());
            Ok(req.multipart(Some(Multipart {
                upload: MultipartUpload::Attachments(vec![upload]),
                fields: vec![],
                payload_json: Some(payload.to_string()),
            })))
        }
    }
}

impl Rest {
    pub fn new(http: Http) -> Self {
        let app = http.application_id().map(ApplicationId::get).unwrap_or(0);
        Self { http: Arc::new(http), application_id: AtomicU64::new(app) }
    }

    /// The application id (from configuration, or learnt from READY); 0 while unknown.
    pub fn application_id(&self) -> u64 {
        self.application_id.load(Ordering::Relaxed)
    }

    pub fn set_application_id(&self, id: u64) {
        if id != 0 {
            self.application_id.store(id, Ordering::Relaxed);
            self.http.set_application_id(ApplicationId::new(id));
        }
    }

    fn app(&self) -> Result<ApplicationId, RestError> {
        match self.application_id() {
            0 => Err(RestError::Transient("the application id is not known yet (set discord.application_id)".into())),
            id => Ok(ApplicationId::new(id)),
        }
    }

    async fn json(&self, req: Request<'_>) -> Result<Value, RestError> {
        self.http.fire::<Value>(req).await.map_err(map_err)
    }

    async fn call(&self, req: Request<'_>) -> Result<(), RestError> {
        self.http.request(req).await.map(drop).map_err(map_err)
    }

    /// The gateway URL Discord (or the proxy) hands out.
    pub async fn gateway_url(&self) -> Result<String, RestError> {
        self.http.get_gateway().await.map(|g| g.url).map_err(map_err)
    }

    /// Posts a message; returns its id.
    pub async fn send(&self, channel: u64, body: &Value, files: &[Attachment]) -> Result<u64, RestError> {
        let route = Route::ChannelMessages { channel_id: ChannelId::new(channel) };
        let answer = self.json(message_request(route, LightMethod::Post, body, files)?).await?;
        id_of(&answer).ok_or_else(|| RestError::Transient("Discord's answer has no message id".into()))
    }

    /// Replaces a message's content, embeds and components.
    pub async fn edit(&self, channel: u64, message: u64, body: &Value) -> Result<u64, RestError> {
        let route = Route::ChannelMessage { channel_id: ChannelId::new(channel), message_id: MessageId::new(message) };
        let answer = self.json(message_request(route, LightMethod::Patch, body, &[])?).await?;
        Ok(id_of(&answer).unwrap_or(message))
    }

    /// Starts a public thread on a message; returns the thread's channel id.
    pub async fn create_thread(&self, channel: u64, message: u64, name: &str) -> Result<u64, RestError> {
        let route = Route::ChannelMessageThreads { channel_id: ChannelId::new(channel), message_id: MessageId::new(message) };
        let body = json!({ "name": name, "auto_archive_duration": 10080 });
        let bytes = serde_json::to_vec(&body).map_err(|e| RestError::Transient(e.to_string()))?;
        let answer = self.json(Request::new(route, LightMethod::Post).body(Some(bytes))).await?;
        id_of(&answer).ok_or_else(|| RestError::Transient("Discord's answer has no thread id".into()))
    }

    /// The bot reacts to a message with a Unicode emoji (a repeat is a no-op on Discord).
    pub async fn react(&self, channel: u64, message: u64, emoji: &str) -> Result<(), RestError> {
        let reaction = serenity::model::channel::ReactionType::Unicode(emoji.to_string());
        self.http
            .create_reaction(ChannelId::new(channel), MessageId::new(message), &reaction)
            .await
            .map_err(map_err)
    }

    /// Starts a private thread (type 12) in a channel, not on any message; only its members
    /// and moderators see it. Returns the thread's channel id.
    pub async fn create_private_thread(&self, channel: u64, name: &str) -> Result<u64, RestError> {
        let route = Route::ChannelThreads { channel_id: ChannelId::new(channel) };
        let body = json!({ "name": name, "type": 12, "invitable": false, "auto_archive_duration": 10080 });
        let bytes = serde_json::to_vec(&body).map_err(|e| RestError::Transient(e.to_string()))?;
        let answer = self.json(Request::new(route, LightMethod::Post).body(Some(bytes))).await?;
        id_of(&answer).ok_or_else(|| RestError::Transient("Discord's answer has no thread id".into()))
    }

    /// Adds someone to a thread (`PUT /channels/T/thread-members/U`; adding a member twice is
    /// harmless).
    pub async fn add_thread_member(&self, thread: u64, user: u64) -> Result<(), RestError> {
        let route = Route::ChannelThreadMember { channel_id: ChannelId::new(thread), user_id: UserId::new(user) };
        self.call(Request::new(route, LightMethod::Put)).await
    }

    /// Archives a thread (`PATCH /channels/T` with `archived: true`); a message posted in it
    /// later brings it back, as Discord does for anyone.
    pub async fn archive_thread(&self, thread: u64) -> Result<(), RestError> {
        let route = Route::Channel { channel_id: ChannelId::new(thread) };
        let bytes = serde_json::to_vec(&json!({ "archived": true })).map_err(|e| RestError::Transient(e.to_string()))?;
        self.call(Request::new(route, LightMethod::Patch).body(Some(bytes))).await
    }

    /// Whether a channel is a private thread (type 12).
    pub async fn is_private_thread(&self, channel: u64) -> Result<bool, RestError> {
        let route = Route::Channel { channel_id: ChannelId::new(channel) };
        let answer = self.json(Request::new(route, LightMethod::Get)).await?;
        Ok(answer.get("type").and_then(Value::as_u64) == Some(12))
    }

    /// Deletes a channel or thread.
    pub async fn delete_channel(&self, channel: u64) -> Result<(), RestError> {
        self.call(Request::new(Route::Channel { channel_id: ChannelId::new(channel) }, LightMethod::Delete)).await
    }

    /// The first ordinary messages of a thread, oldest first, as `(id, author id)`.
    pub async fn first_messages(&self, thread: u64, limit: u8) -> Result<Vec<(u64, u64)>, RestError> {
        let route = Route::ChannelMessages { channel_id: ChannelId::new(thread) };
        let params = vec![("after", thread.to_string()), ("limit", limit.to_string())];
        let answer = self.json(Request::new(route, LightMethod::Get).params(Some(params))).await?;
        let mut out: Vec<(u64, u64)> = answer
            .as_array()
            .into_iter()
            .flatten()
            // Only ordinary messages: not "added someone to the thread" notices.
            .filter(|m| matches!(m.get("type").and_then(Value::as_u64), Some(0 | 19)))
            .filter_map(|m| {
                let author = m.get("author").and_then(id_of)?;
                Some((id_of(m)?, author))
            })
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// Whether a channel is a thread, and in which channel.
    pub async fn channel_kind(&self, channel: u64) -> Result<ChannelKind, RestError> {
        let route = Route::Channel { channel_id: ChannelId::new(channel) };
        let answer = self.json(Request::new(route, LightMethod::Get)).await?;
        let kind = answer.get("type").and_then(Value::as_u64);
        let parent = answer.get("parent_id").and_then(Value::as_str).and_then(snowflake);
        Ok(match (kind, parent) {
            (Some(10..=12), Some(parent)) => ChannelKind::Thread { parent },
            _ => ChannelKind::Plain,
        })
    }

    pub async fn message(&self, channel: u64, message: u64) -> Result<Message, RestError> {
        self.http.get_message(ChannelId::new(channel), MessageId::new(message)).await.map_err(map_err)
    }

    pub async fn user(&self, user: u64) -> Result<User, RestError> {
        self.http.get_user(UserId::new(user)).await.map_err(map_err)
    }

    /// The DM channel with a user (Discord returns the existing one if there is one).
    pub async fn dm_channel(&self, user: u64) -> Result<u64, RestError> {
        let body = serde_json::to_vec(&json!({ "recipient_id": user.to_string() })).map_err(|e| RestError::Transient(e.to_string()))?;
        let answer = self.json(Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(body))).await?;
        id_of(&answer).ok_or_else(|| RestError::Transient("Discord's answer has no channel id".into()))
    }

    /// Answers an interaction (`POST /interactions/ID/TOKEN/callback`).
    pub async fn respond(&self, interaction: InteractionId, token: &str, body: &Value) -> Result<(), RestError> {
        let route = Route::InteractionResponse { interaction_id: interaction, token };
        let bytes = serde_json::to_vec(body).map_err(|e| RestError::Transient(e.to_string()))?;
        self.call(Request::new(route, LightMethod::Post).body(Some(bytes))).await
    }

    /// A follow-up message to an interaction; returns its id.
    pub async fn followup(&self, token: &str, body: &Value, files: &[Attachment]) -> Result<u64, RestError> {
        let route = Route::WebhookFollowupMessages { application_id: self.app()?, token };
        let answer = self.json(message_request(route, LightMethod::Post, body, files)?).await?;
        id_of(&answer).ok_or_else(|| RestError::Transient("Discord's answer has no message id".into()))
    }

    /// Replaces an interaction's first answer (the deferred "thinking…" message).
    pub async fn edit_original(&self, token: &str, body: &Value) -> Result<Option<u64>, RestError> {
        let route = Route::WebhookOriginalInteractionResponse { application_id: self.app()?, token };
        let answer = self.json(message_request(route, LightMethod::Patch, body, &[])?).await?;
        Ok(id_of(&answer))
    }

    pub async fn delete_original(&self, token: &str) -> Result<(), RestError> {
        let route = Route::WebhookOriginalInteractionResponse { application_id: self.app()?, token };
        self.call(Request::new(route, LightMethod::Delete)).await
    }

    /// Replaces the application's commands in a guild, or globally (`PUT …/commands`).
    pub async fn register_commands(&self, guild: Option<u64>, definitions: &Value) -> Result<(), RestError> {
        let application_id = self.app()?;
        let route = match guild {
            Some(g) => Route::GuildCommands { application_id, guild_id: GuildId::new(g) },
            None => Route::Commands { application_id },
        };
        let bytes = serde_json::to_vec(definitions).map_err(|e| RestError::Transient(e.to_string()))?;
        self.call(Request::new(route, LightMethod::Put).body(Some(bytes))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_become_proxy_origins() {
        assert_eq!(proxy_origin(None).unwrap(), None);
        assert_eq!(proxy_origin(Some("https://discord.com/api/v10")).unwrap(), None);
        assert_eq!(proxy_origin(Some("https://discord.com/")).unwrap(), None);
        assert_eq!(proxy_origin(Some("http://127.0.0.1:3000")).unwrap().as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(proxy_origin(Some("http://proxy:3000/api/v10/")).unwrap().as_deref(), Some("http://proxy:3000"));
        assert_eq!(proxy_origin(Some("http://proxy:3000/api")).unwrap().as_deref(), Some("http://proxy:3000"));
        assert!(proxy_origin(Some("ftp://x")).is_err());
        assert!(proxy_origin(Some("http://")).is_err());
    }

    #[test]
    fn interaction_tokens_are_redacted() {
        let s = "error sending request for url (http://x/api/v10/webhooks/123/aW50ZXJhY3Rpb24/messages/@original)";
        assert_eq!(redact(s), "error sending request for url (http://x/api/v10/webhooks/123/***/messages/@original)");
        let s = "POST /api/v10/interactions/456/tok-en_1/callback failed; also /webhooks/1/secret";
        assert_eq!(redact(s), "POST /api/v10/interactions/456/***/callback failed; also /webhooks/1/***");
        assert_eq!(redact("nothing here"), "nothing here");
        assert_eq!(redact("/webhooks/"), "/webhooks/");
        assert_eq!(redact("/webhooks/1"), "/webhooks/1");
    }

    #[test]
    fn discord_errors_map_to_delivery_errors() {
        let e: DeliveryError = RestError::RateLimited(Duration::from_secs(3)).into();
        assert_eq!(e, DeliveryError::RateLimited(Duration::from_secs(3)));
        let e: DeliveryError = RestError::Rejected { status: 403, code: 50013, message: "Missing Permissions".into() }.into();
        assert!(matches!(e, DeliveryError::Permanent(m) if m.contains("50013")));
    }
}
