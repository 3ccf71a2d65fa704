//! The inbound half: Slack's Events API, slash commands and interactivity payloads as
//! neutral [`InboundEvent`]s, handed to the core's [`Ingest`] before Slack is answered.
//!
//! The HTTP routes ([`routes`]) read the body (at most [`MAX_BODY`] bytes, else 413),
//! verify its signature (else 401) and only then parse it (malformed: 400). The
//! [`Handler`] behind them is transport-neutral: Socket Mode feeds it the same payloads.
//!
//! Acknowledgement: an event is answered 200 only once [`Ingest::ingest`] has recorded it;
//! if recording fails, or a lookup the event needs fails for now, the answer is 500 and Slack
//! retries (de-duplicated by `event_id` in the core's inbox).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use baton_chat::{
    ActionInvoked, Author, ChannelId, ChannelRef, Inbound, InboundEvent, IncomingMessage, Ingest, MessageId,
    MessageRef, Platform, ReactionAdded, SlashCommand, TargetMessage, UserId,
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::blocks::{self, FormToken, ModalContext, FORM_PREFIX};
use crate::signature::{unix_now, SignatureError, Verifier};
use crate::text::{parse_ts, plain, strip_leading_mention, unescape};
use crate::web::{CallError, FetchedMessage, WebApi};

/// Largest request body accepted (Slack's payloads are a few kilobytes).
pub const MAX_BODY: usize = 1024 * 1024;

/// Slack wants an answer within 3 seconds. The Web API lookups a payload needs all finish
/// (or are given up) within this budget, leaving time to record the event.
const ACK_BUDGET: Duration = Duration::from_millis(2200);

/// How long one optional lookup (a name, a team) may take within the budget.
const LOOKUP_TIMEOUT: Duration = Duration::from_millis(1500);

tokio::task_local! {
    /// When the lookups for the payload being handled must be done.
    static DEADLINE: tokio::time::Instant;
}

/// Runs the handling of one payload within [`ACK_BUDGET`].
async fn within_budget<T>(f: impl std::future::Future<Output = T>) -> T {
    DEADLINE.scope(tokio::time::Instant::now() + ACK_BUDGET, f).await
}

/// The end of the whole budget (for lookups the event cannot do without).
fn budget_end() -> tokio::time::Instant {
    DEADLINE.try_with(|d| *d).unwrap_or_else(|_| tokio::time::Instant::now() + ACK_BUDGET)
}

/// The deadline of one optional lookup.
fn lookup_end() -> tokio::time::Instant {
    budget_end().min(tokio::time::Instant::now() + LOOKUP_TIMEOUT)
}

/// Which reactions matter to baton.
#[derive(Clone, Debug, Default)]
pub struct ReactionPolicy {
    /// Reactions passed on to baton (short names, e.g. `ticket`); empty: all of them.
    pub relevant: Vec<String>,
    /// Reactions for which the reacted-to message (author, text) is fetched first, because
    /// baton opens tickets from them.
    pub fetch_message: Vec<String>,
}

impl ReactionPolicy {
    fn is_relevant(&self, name: &str) -> bool {
        self.relevant.is_empty() || self.relevant.iter().any(|r| r.trim_matches(':') == name)
    }
    fn needs_message(&self, name: &str) -> bool {
        self.fetch_message.iter().any(|r| r.trim_matches(':') == name)
    }
}

/// What a transport should answer Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Acknowledge (HTTP 200 with an empty body; a Socket Mode ack).
    Ack,
    /// Acknowledge with a JSON body (the `url_verification` challenge).
    Json(Value),
    /// The payload is unusable: HTTP 400, no retry.
    BadRequest(&'static str),
    /// Not recorded: HTTP 500 (no Socket Mode ack), so Slack tries again.
    Retry,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Ack => StatusCode::OK.into_response(),
            Reply::Json(v) => (StatusCode::OK, Json(v)).into_response(),
            Reply::BadRequest(why) => (StatusCode::BAD_REQUEST, why).into_response(),
            Reply::Retry => (StatusCode::INTERNAL_SERVER_ERROR, "not recorded, try again").into_response(),
        }
    }
}

/// Told each time a request or envelope is refused, with a short reason (`oversized`,
/// `unreadable`, `unsigned`, `bad_signature`, `stale`, `malformed`), e.g. to count them.
pub type RejectHook = Arc<dyn Fn(&'static str) + Send + Sync>;

/// Turns Slack payloads into neutral events and records them.
#[derive(Clone)]
pub struct Handler {
    ingest: Arc<dyn Ingest>,
    web: Arc<WebApi>,
    reactions: Arc<ReactionPolicy>,
    on_rejected: Option<RejectHook>,
}

impl Handler {
    pub fn new(ingest: Arc<dyn Ingest>, web: Arc<WebApi>, reactions: ReactionPolicy) -> Self {
        Self { ingest, web, reactions: Arc::new(reactions), on_rejected: None }
    }

    /// The same handler, reporting refusals to `hook`.
    pub fn with_reject_hook(mut self, hook: Option<RejectHook>) -> Self {
        self.on_rejected = hook;
        self
    }

    /// Reports a refusal.
    pub fn rejected(&self, reason: &'static str) {
        if let Some(hook) = &self.on_rejected {
            hook(reason);
        }
    }

    /// Reports `reply` if it refuses the payload, and passes it on.
    pub fn counted(&self, reply: Reply) -> Reply {
        if matches!(reply, Reply::BadRequest(_)) {
            self.rejected("malformed");
        }
        reply
    }
}

// ----- HTTP ------------------------------------------------------------------------------

#[derive(Clone)]
struct Http {
    handler: Handler,
    verifier: Arc<Verifier>,
}

/// `POST /slack/events`, `POST /slack/commands` and `POST /slack/interactions`.
pub fn routes(handler: Handler, verifier: Verifier) -> Router {
    Router::new()
        .route("/slack/events", post(events))
        .route("/slack/commands", post(commands))
        .route("/slack/interactions", post(interactions))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(Http { handler, verifier: Arc::new(verifier) })
}

impl Http {
    /// The body, once it is known to come from Slack; otherwise the answer to send.
    fn verified(
        &self,
        route: &'static str,
        headers: &HeaderMap,
        body: Result<Bytes, BytesRejection>,
    ) -> Result<Bytes, Refused> {
        let body = body.map_err(|rejection| {
            let status = rejection.status();
            let (why, reason) = if status == StatusCode::PAYLOAD_TOO_LARGE {
                ("request body too large", "oversized")
            } else {
                ("unreadable request body", "unreadable")
            };
            tracing::warn!(route, %status, reason, "Slack request refused: body too large or unreadable");
            self.handler.rejected(reason);
            Refused(status, why)
        })?;
        self.verifier.verify_headers(headers, &body, unix_now()).map_err(|e| {
            // Neither the body nor any signature is logged.
            let (reason, counted) = match e {
                SignatureError::Missing => ("missing signature headers", "unsigned"),
                SignatureError::BadTimestamp => ("malformed timestamp", "bad_signature"),
                SignatureError::Stale { .. } => ("stale timestamp", "stale"),
                SignatureError::Mismatch => ("bad signature", "bad_signature"),
            };
            self.handler.rejected(counted);
            tracing::warn!(route, reason = counted, detail = reason, body_len = body.len(), "Slack request refused: {e}");
            Refused(StatusCode::UNAUTHORIZED, "invalid request signature")
        })?;
        Ok(body)
    }
}

/// A request refused before its body was read as a payload.
struct Refused(StatusCode, &'static str);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

async fn events(State(s): State<Http>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match s.verified("events", &headers, body) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(
                route = "events",
                reason = "malformed",
                line = e.line(),
                column = e.column(),
                "Slack request refused: malformed JSON"
            );
            return s.handler.counted(Reply::BadRequest("malformed JSON")).into_response();
        }
    };
    if let Some(n) = headers.get("x-slack-retry-num").and_then(|v| v.to_str().ok()) {
        let reason = headers.get("x-slack-retry-reason").and_then(|v| v.to_str().ok()).unwrap_or("-");
        tracing::debug!(retry = n, reason, "Slack is retrying an event");
    }
    s.handler.counted(s.handler.events_api(payload).await).into_response()
}

async fn commands(State(s): State<Http>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match s.verified("commands", &headers, body) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let form: CommandPayload = match serde_urlencoded::from_bytes(&body) {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(route = "commands", reason = "malformed", error = %e, "Slack request refused: malformed slash command form");
            return s.handler.counted(Reply::BadRequest("malformed slash command")).into_response();
        }
    };
    s.handler.counted(s.handler.command(form).await).into_response()
}

#[derive(Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn interactions(State(s): State<Http>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match s.verified("interactions", &headers, body) {
        Ok(b) => b,
        Err(r) => return r.into_response(),
    };
    let payload = serde_urlencoded::from_bytes::<InteractionForm>(&body)
        .ok()
        .and_then(|f| serde_json::from_str::<Value>(&f.payload).ok());
    let Some(payload) = payload else {
        tracing::warn!(route = "interactions", reason = "malformed", "Slack request refused: no JSON `payload` field");
        return s.handler.counted(Reply::BadRequest("malformed interaction payload")).into_response();
    };
    s.handler.counted(s.handler.interaction(payload).await).into_response()
}

// ----- payloads --------------------------------------------------------------------------

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    event_id: Option<String>,
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    authorizations: Option<Vec<Authorization>>,
}

#[derive(Deserialize)]
struct Authorization {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    is_bot: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Profile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
}

impl Profile {
    fn name(&self) -> Option<String> {
        self.display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| self.real_name.clone().filter(|n| !n.trim().is_empty()))
    }
}

#[derive(Deserialize)]
struct MessageEvent {
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default)]
    user_team: Option<String>,
    #[serde(default)]
    source_team: Option<String>,
    #[serde(default)]
    user_profile: Option<Profile>,
    #[serde(default)]
    edited: Option<Value>,
}

#[derive(Deserialize)]
struct ReactionEvent {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    reaction: Option<String>,
    #[serde(default)]
    item: Option<ReactionItem>,
    #[serde(default)]
    item_user: Option<String>,
    #[serde(default)]
    event_ts: Option<String>,
}

#[derive(Deserialize)]
struct ReactionItem {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    ts: Option<String>,
}

/// A slash command, form-encoded over HTTP or a JSON object over Socket Mode.
#[derive(Deserialize)]
pub struct CommandPayload {
    command: String,
    #[serde(default)]
    text: Option<String>,
    channel_id: String,
    user_id: String,
    #[serde(default)]
    user_name: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    trigger_id: Option<String>,
}

#[derive(Deserialize, Default)]
struct UserRef {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
}

#[derive(Deserialize)]
struct IdRef {
    id: String,
}

#[derive(Deserialize, Default)]
struct Container {
    #[serde(default)]
    channel_id: Option<String>,
    #[serde(default)]
    message_ts: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
}

#[derive(Deserialize, Default)]
struct PayloadMessage {
    #[serde(default)]
    ts: Option<String>,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    user_team: Option<String>,
    #[serde(default)]
    team: Option<String>,
}

#[derive(Deserialize)]
struct BlockAction {
    action_id: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    selected_option: Option<SelectedOption>,
    #[serde(default)]
    action_ts: Option<String>,
}

#[derive(Deserialize)]
struct SelectedOption {
    value: String,
}

#[derive(Deserialize)]
struct BlockActions {
    user: UserRef,
    #[serde(default)]
    team: Option<IdRef>,
    #[serde(default)]
    channel: Option<IdRef>,
    #[serde(default)]
    container: Option<Container>,
    #[serde(default)]
    message: Option<PayloadMessage>,
    #[serde(default)]
    trigger_id: Option<String>,
    #[serde(default)]
    actions: Vec<BlockAction>,
}

#[derive(Deserialize)]
struct MessageAction {
    callback_id: String,
    user: UserRef,
    #[serde(default)]
    team: Option<IdRef>,
    channel: IdRef,
    message: PayloadMessage,
    #[serde(default)]
    trigger_id: Option<String>,
    #[serde(default)]
    action_ts: Option<String>,
}

#[derive(Deserialize)]
struct ViewSubmission {
    user: UserRef,
    #[serde(default)]
    team: Option<IdRef>,
    #[serde(default)]
    trigger_id: Option<String>,
    view: View,
}

#[derive(Deserialize)]
struct View {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    callback_id: Option<String>,
    #[serde(default)]
    private_metadata: Option<String>,
    #[serde(default)]
    state: Option<ViewState>,
}

#[derive(Deserialize)]
struct ViewState {
    #[serde(default)]
    values: Value,
}

/// What is known about a person before looking them up.
#[derive(Default)]
struct Hints {
    name: Option<String>,
    team: Option<String>,
    is_bot: bool,
}

fn channel_ref(id: &str) -> Option<ChannelRef> {
    ChannelId::parse(id).ok().map(|c| ChannelRef::new(Platform::Slack, c))
}

fn message_id(ts: &str) -> Option<MessageId> {
    parse_ts(ts)?;
    MessageId::parse(ts).ok()
}

/// A thread root other than the message itself.
fn thread_of(thread_ts: Option<&str>, ts: &str) -> Option<MessageId> {
    thread_ts.filter(|t| *t != ts).and_then(message_id)
}

/// A reaction's short name without a skin tone (`thumbsup::skin-tone-2` → `thumbsup`).
fn reaction_name(r: &str) -> &str {
    r.split("::").next().unwrap_or(r)
}

/// A payload that did not match our model, described without quoting it (serde's messages
/// can contain values from the payload, i.e. customer text).
fn unreadable(e: &serde_json::Error) -> Skip {
    Skip::Unreadable(format!("unexpected payload shape ({:?} error)", e.classify()))
}

/// A stable event id for payloads without one (a hash of their content).
fn content_id(prefix: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    format!("{prefix}:{}", &hex::encode(h.finalize())[..32])
}

impl Handler {
    // ----- lookups -------------------------------------------------------------------

    /// The workspace baton is installed in, from `auth.test` (once), else `fallback`.
    async fn home_team(&self, fallback: Option<&str>) -> Option<String> {
        if let Some(id) = self.web.known_identity() {
            return Some(id.team);
        }
        match tokio::time::timeout_at(lookup_end(), self.web.identity()).await {
            Ok(Ok(id)) => Some(id.team),
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_string(),
                };
                tracing::debug!(error = %why, "auth.test failed; using the payload's team");
                fallback.map(str::to_string)
            }
        }
    }

    /// The bot's own user id: from the event's authorizations, else `auth.test`.
    async fn bot_user(&self, authorizations: Option<&[Authorization]>) -> Option<String> {
        let from_event =
            authorizations.into_iter().flatten().find(|a| a.is_bot.unwrap_or(false)).and_then(|a| a.user_id.clone());
        if from_event.is_some() {
            return from_event;
        }
        if let Some(id) = self.web.known_identity() {
            return id.bot_user;
        }
        match tokio::time::timeout_at(lookup_end(), self.web.identity()).await {
            Ok(Ok(id)) => id.bot_user,
            _ => None,
        }
    }

    /// A person as the contract describes them: name and team from the payload when it has
    /// them, else from `users.info` (cached; skipped if slow). Someone from another team
    /// than baton's workspace (Slack Connect) is `external`.
    async fn author(&self, user: &UserId, hints: Hints, home: Option<&str>) -> Author {
        let mut name = hints.name.filter(|n| !n.trim().is_empty());
        let mut team = hints.team;
        let mut is_bot = hints.is_bot;
        let mut locale = None;
        if name.is_none() || team.is_none() {
            match tokio::time::timeout_at(lookup_end(), self.web.user_info(user.as_str())).await {
                Ok(Ok(info)) => {
                    name = name.or(info.name);
                    team = team.or(info.team);
                    is_bot |= info.is_bot;
                    locale = info.locale;
                }
                Ok(Err(e)) => tracing::debug!(user = %user, error = %e, "users.info failed; using the payload only"),
                Err(_) => tracing::debug!(user = %user, "users.info timed out; using the payload only"),
            }
        }
        let external = matches!((team.as_deref(), home), (Some(t), Some(h)) if t != h);
        Author {
            user: user.clone(),
            display_name: name.unwrap_or_else(|| user.to_string()),
            is_bot,
            external,
            staff: false,
            locale: locale.filter(|l| !l.is_empty()),
        }
    }

    async fn record(&self, event: InboundEvent) -> Reply {
        let id = event.event_id.clone();
        match self.ingest.ingest(event).await {
            Ok(true) => Reply::Ack,
            Ok(false) => {
                tracing::debug!(event_id = %id, "Slack event seen before; acknowledged again");
                Reply::Ack
            }
            Err(e) => {
                tracing::error!(event_id = %id, error = %e, "Slack event not recorded; Slack will retry");
                Reply::Retry
            }
        }
    }

    // ----- Events API ----------------------------------------------------------------

    /// An Events API payload (the HTTP body, or a Socket Mode `events_api` payload).
    pub async fn events_api(&self, payload: Value) -> Reply {
        within_budget(self.events_api_now(payload)).await
    }

    async fn events_api_now(&self, payload: Value) -> Reply {
        let envelope: Envelope = match serde_json::from_value(payload) {
            Ok(e) => e,
            Err(_) => return Reply::BadRequest("not an Events API payload"),
        };
        match envelope.kind.as_str() {
            "url_verification" => match envelope.challenge {
                Some(c) => Reply::Json(serde_json::json!({ "challenge": c })),
                None => Reply::BadRequest("url_verification without a challenge"),
            },
            "event_callback" => {
                let (Some(event_id), Some(event)) = (envelope.event_id.clone(), envelope.event.clone()) else {
                    return Reply::BadRequest("event_callback without event_id or event");
                };
                self.event(&envelope, event_id, event).await
            }
            "app_rate_limited" => {
                tracing::warn!("Slack is rate limiting baton's event deliveries (app_rate_limited)");
                Reply::Ack
            }
            other => {
                tracing::debug!(kind = other, "Slack payload type ignored");
                Reply::Ack
            }
        }
    }

    async fn event(&self, envelope: &Envelope, event_id: String, event: Value) -> Reply {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
        let translated = match kind.as_str() {
            "message" => match serde_json::from_value(event) {
                Ok(m) => self.message(envelope, m).await,
                Err(e) => Err(unreadable(&e)),
            },
            "reaction_added" => match serde_json::from_value(event) {
                Ok(r) => self.reaction(envelope, r).await,
                Err(e) => Err(unreadable(&e)),
            },
            "app_mention" => match serde_json::from_value(event) {
                Ok(m) => self.mention(envelope, m).await,
                Err(e) => Err(unreadable(&e)),
            },
            _ => Err(Skip::Ignored("event type not used")),
        };
        match translated {
            Ok(body) => self.record(InboundEvent { event_id, platform: Platform::Slack, body }).await,
            Err(Skip::Ignored(why)) => {
                tracing::trace!(event_id, kind, why, "Slack event ignored");
                Reply::Ack
            }
            Err(Skip::Unreadable(why)) => {
                // Authentic but not in the shape we know: answering 400 would only make Slack
                // retry the same payload.
                tracing::warn!(event_id, kind, error = %why, "Slack event not understood; ignored");
                Reply::Ack
            }
            Err(Skip::Later(e)) => {
                tracing::warn!(event_id, kind, error = %e, "Slack event needs a lookup that failed for now; Slack will retry");
                Reply::Retry
            }
        }
    }

    async fn message(&self, envelope: &Envelope, m: MessageEvent) -> Result<Inbound, Skip> {
        if m.hidden.unwrap_or(false) {
            return Err(Skip::Ignored("hidden message"));
        }
        // Plain messages, thread replies also sent to the channel, files with a comment.
        if !matches!(m.subtype.as_deref(), None | Some("thread_broadcast" | "file_share" | "me_message")) {
            return Err(Skip::Ignored("message subtype (edit, deletion, join, bot…)"));
        }
        if m.bot_id.is_some() {
            return Err(Skip::Ignored("bot message"));
        }
        let (Some(user), Some(channel), Some(ts)) = (m.user.as_deref(), m.channel.as_deref(), m.ts.as_deref()) else {
            return Err(Skip::Unreadable("message without user, channel or ts".into()));
        };
        let text = m.text.clone().unwrap_or_default();
        if let Some(bot) = self.bot_user(envelope.authorizations.as_deref()).await {
            if user == bot {
                return Err(Skip::Ignored("baton's own message"));
            }
            // "@baton claim" is a command (see `app_mention`), not part of the conversation.
            if strip_leading_mention(&text, &bot).is_some() {
                return Err(Skip::Ignored("a command addressed to baton"));
            }
        }
        let user = UserId::parse(user).map_err(|e| Skip::Unreadable(e.to_string()))?;
        let channel = channel_ref(channel).ok_or_else(|| Skip::Unreadable("bad channel id".into()))?;
        let sent_at = parse_ts(ts).ok_or_else(|| Skip::Unreadable("bad ts".into()))?;
        let message = message_id(ts).ok_or_else(|| Skip::Unreadable("bad ts".into()))?;
        let home = self.home_team(envelope.team_id.as_deref()).await;
        let hints = Hints {
            name: m.user_profile.as_ref().and_then(Profile::name),
            team: m.user_team.clone().or(m.source_team.clone()),
            is_bot: false,
        };
        let author = self.author(&user, hints, home.as_deref()).await;
        Ok(Inbound::Message(IncomingMessage {
            channel,
            message,
            thread: thread_of(m.thread_ts.as_deref(), ts),
            author,
            text: plain(&text),
            sent_at,
            edited: m.edited.is_some(),
        }))
    }

    async fn reaction(&self, envelope: &Envelope, r: ReactionEvent) -> Result<Inbound, Skip> {
        let Some(item) = r.item.as_ref().filter(|i| i.kind.as_deref() == Some("message")) else {
            return Err(Skip::Ignored("reaction to something other than a message"));
        };
        let (Some(user), Some(reaction), Some(channel), Some(ts)) =
            (r.user.as_deref(), r.reaction.as_deref(), item.channel.as_deref(), item.ts.as_deref())
        else {
            return Err(Skip::Unreadable("reaction without user, reaction, channel or ts".into()));
        };
        let emoji = reaction_name(reaction);
        if !self.reactions.is_relevant(emoji) {
            return Err(Skip::Ignored("reaction baton does not use"));
        }
        let user = UserId::parse(user).map_err(|e| Skip::Unreadable(e.to_string()))?;
        let channel_ref = channel_ref(channel).ok_or_else(|| Skip::Unreadable("bad channel id".into()))?;
        let target = message_id(ts).ok_or_else(|| Skip::Unreadable("bad item ts".into()))?;
        let reacted_at = r.event_ts.as_deref().and_then(parse_ts).unwrap_or_else(Utc::now);
        let home = self.home_team(envelope.team_id.as_deref()).await;
        let needs_message = self.reactions.needs_message(emoji);
        let fetch = async {
            if needs_message {
                Some(tokio::time::timeout_at(budget_end(), self.web.fetch_message(channel, ts)).await)
            } else {
                None
            }
        };
        let (reactor, fetched) = tokio::join!(self.author(&user, Hints::default(), home.as_deref()), fetch);

        let mut message_author = None;
        let mut message_text = None;
        let mut thread = None;
        if let Some(fetched) = fetched {
            let fetched = match fetched {
                Ok(Ok(Some(m))) => m,
                Ok(Ok(None)) => return Err(Skip::Ignored("the reacted-to message no longer exists")),
                Ok(Err(e)) if e.is_temporary() => return Err(Skip::Later(e)),
                Ok(Err(e)) => {
                    tracing::error!(channel, error = %e, "cannot read the reacted-to message (is baton in the channel, with the history scopes?)");
                    return Err(Skip::Ignored("reacted-to message unreadable"));
                }
                Err(_) => {
                    return Err(Skip::Later(CallError::Transient("fetching the reacted-to message timed out".into())))
                }
            };
            message_author = Some(self.fetched_author(&fetched, r.item_user.as_deref(), home.as_deref()).await?);
            message_text = Some(plain(fetched.text.as_deref().unwrap_or_default()));
            thread = thread_of(fetched.thread_ts.as_deref(), ts);
        }
        Ok(Inbound::Reaction(ReactionAdded {
            target: MessageRef { channel: channel_ref, message: target },
            thread,
            emoji: emoji.to_string(),
            user: reactor,
            message_author,
            message_text,
            message_sent_at: parse_ts(ts),
            reacted_at,
        }))
    }

    async fn fetched_author(
        &self,
        m: &FetchedMessage,
        item_user: Option<&str>,
        home: Option<&str>,
    ) -> Result<Author, Skip> {
        match m.user.as_deref().or(item_user) {
            Some(u) => {
                let user = UserId::parse(u).map_err(|e| Skip::Unreadable(e.to_string()))?;
                let hints =
                    Hints { name: None, team: m.user_team.clone().or(m.team.clone()), is_bot: m.bot_id.is_some() };
                Ok(self.author(&user, hints, home).await)
            }
            None => {
                let bot = m.bot_id.as_deref().unwrap_or("unknown-bot");
                let user = UserId::parse(bot).map_err(|e| Skip::Unreadable(e.to_string()))?;
                Ok(Author { user, display_name: bot.to_string(), is_bot: true, external: false, staff: false, locale: None })
            }
        }
    }

    /// `@baton claim ACME-4` in a thread: a `/ticket` command that knows its thread.
    async fn mention(&self, envelope: &Envelope, m: MessageEvent) -> Result<Inbound, Skip> {
        if m.bot_id.is_some() {
            return Err(Skip::Ignored("mention by a bot"));
        }
        let (Some(user), Some(channel), Some(ts)) = (m.user.as_deref(), m.channel.as_deref(), m.ts.as_deref()) else {
            return Err(Skip::Unreadable("app_mention without user, channel or ts".into()));
        };
        let Some(bot) = self.bot_user(envelope.authorizations.as_deref()).await else {
            return Err(Skip::Later(CallError::Transient("baton's own user id is unknown (auth.test failed)".into())));
        };
        let text = m.text.as_deref().unwrap_or_default();
        let Some(command) = strip_leading_mention(text, &bot) else {
            return Err(Skip::Ignored("mention inside a sentence: an ordinary message"));
        };
        let user = UserId::parse(user).map_err(|e| Skip::Unreadable(e.to_string()))?;
        let channel = channel_ref(channel).ok_or_else(|| Skip::Unreadable("bad channel id".into()))?;
        let issued_at = parse_ts(ts).ok_or_else(|| Skip::Unreadable("bad ts".into()))?;
        let home = self.home_team(envelope.team_id.as_deref()).await;
        let hints = Hints { name: None, team: m.user_team.clone().or(m.source_team.clone()), is_bot: false };
        let author = self.author(&user, hints, home.as_deref()).await;
        Ok(Inbound::Command(SlashCommand {
            channel,
            thread: m.thread_ts.as_deref().and_then(message_id),
            user: author,
            command: "ticket".into(),
            text: unescape(command),
            issued_at,
        }))
    }

    // ----- slash commands ------------------------------------------------------------

    /// A slash command (`/ticket claim ACME-4`). Slack does not say which thread it was
    /// typed in, so the command carries none; ticket commands take keys.
    pub async fn command(&self, c: CommandPayload) -> Reply {
        within_budget(self.command_now(c)).await
    }

    async fn command_now(&self, c: CommandPayload) -> Reply {
        let (Ok(user), Some(channel)) = (UserId::parse(c.user_id.as_str()), channel_ref(&c.channel_id)) else {
            return Reply::BadRequest("slash command without a valid user or channel");
        };
        let event_id = match c.trigger_id.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => format!("command:{t}"),
            None => content_id(
                "command",
                &[
                    &c.user_id,
                    &c.channel_id,
                    &c.command,
                    c.text.as_deref().unwrap_or_default(),
                    &unix_now().to_string(),
                ],
            ),
        };
        let home = self.home_team(c.team_id.as_deref()).await;
        let hints = Hints { name: None, team: c.team_id.clone(), is_bot: false };
        let mut author = self.author(&user, hints, home.as_deref()).await;
        if author.display_name == user.as_str() {
            if let Some(n) = c.user_name.as_deref().filter(|n| !n.is_empty()) {
                author.display_name = n.to_string();
            }
        }
        let command = c.command.trim_start_matches('/').to_string();
        let body = Inbound::Command(SlashCommand {
            channel,
            thread: None,
            user: author,
            command,
            text: unescape(c.text.as_deref().unwrap_or_default()).trim().to_string(),
            issued_at: Utc::now(),
        });
        self.record(InboundEvent { event_id, platform: Platform::Slack, body }).await
    }

    // ----- interactivity -------------------------------------------------------------

    /// An interactivity payload: button clicks, message shortcuts, modal submissions.
    pub async fn interaction(&self, payload: Value) -> Reply {
        within_budget(self.interaction_now(payload)).await
    }

    async fn interaction_now(&self, payload: Value) -> Reply {
        let kind = payload.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
        match kind.as_str() {
            "block_actions" => match serde_json::from_value(payload) {
                Ok(p) => self.block_actions(p).await,
                Err(_) => Reply::BadRequest("unreadable block_actions payload"),
            },
            "message_action" => match serde_json::from_value(payload) {
                Ok(p) => self.message_action(p).await,
                Err(_) => Reply::BadRequest("unreadable message_action payload"),
            },
            "view_submission" => match serde_json::from_value(payload) {
                Ok(p) => self.view_submission(p).await,
                Err(_) => Reply::BadRequest("unreadable view_submission payload"),
            },
            "" => Reply::BadRequest("interaction without a type"),
            other => {
                tracing::debug!(kind = other, "Slack interaction ignored");
                Reply::Ack
            }
        }
    }

    async fn actor(&self, u: &UserRef, team: Option<&IdRef>) -> Option<Author> {
        let user = UserId::parse(u.id.as_str()).ok()?;
        let home = self.home_team(team.map(|t| t.id.as_str()).or(u.team_id.as_deref())).await;
        let hints = Hints { name: None, team: u.team_id.clone(), is_bot: false };
        let mut author = self.author(&user, hints, home.as_deref()).await;
        if author.display_name == user.as_str() {
            if let Some(n) = u.name.clone().or(u.username.clone()).filter(|n| !n.is_empty()) {
                author.display_name = n;
            }
        }
        Some(author)
    }

    async fn block_actions(&self, p: BlockActions) -> Reply {
        let container = p.container.unwrap_or_default();
        let message = p.message.unwrap_or_default();
        let Some(channel) = p.channel.as_ref().map(|c| c.id.clone()).or(container.channel_id.clone()) else {
            return Reply::Ack; // an action inside a modal or App Home: baton puts none there
        };
        let Some(channel_ref) = channel_ref(&channel) else {
            return Reply::BadRequest("block_actions with a bad channel id");
        };
        let message_ts = container.message_ts.clone().or(message.ts.clone());
        let thread = message.thread_ts.clone().or(container.thread_ts.clone()).as_deref().and_then(message_id);
        let mut reply = Reply::Ack;
        let mut actor = None;
        for (i, a) in p.actions.iter().enumerate() {
            if a.action_id.starts_with(FORM_PREFIX) {
                let context = ModalContext {
                    channel: channel.clone(),
                    message: message_ts.clone(),
                    thread: thread.as_ref().map(|t| t.to_string()),
                    value: None,
                };
                if let Err(r) = self.open_form(p.trigger_id.as_deref(), a, context).await {
                    reply = r;
                }
                continue;
            }
            if actor.is_none() {
                actor = self.actor(&p.user, p.team.as_ref()).await;
            }
            let Some(user) = actor.clone() else { return Reply::BadRequest("block_actions with a bad user id") };
            let event_id = match p.trigger_id.as_deref().filter(|t| !t.is_empty()) {
                Some(t) if i == 0 => format!("action:{t}"),
                Some(t) => format!("action:{t}:{i}"),
                None => content_id("action", &[&p.user.id, &a.action_id, a.action_ts.as_deref().unwrap_or_default()]),
            };
            let body = Inbound::Action(ActionInvoked {
                channel: channel_ref.clone(),
                message: message_ts.as_deref().and_then(message_id),
                thread: thread.clone(),
                user,
                action_id: blocks::action_id_from_wire(&a.action_id).to_string(),
                value: a.value.clone().or_else(|| a.selected_option.as_ref().map(|o| o.value.clone())),
                fields: Default::default(),
                target: None,
                invoked_at: a.action_ts.as_deref().and_then(parse_ts).unwrap_or_else(Utc::now),
            });
            let r = self.record(InboundEvent { event_id, platform: Platform::Slack, body }).await;
            if r != Reply::Ack {
                return r;
            }
        }
        reply
    }

    /// Opens the modal a form button carries. The trigger is only valid for 3 seconds, so
    /// this happens before Slack is answered.
    async fn open_form(
        &self,
        trigger_id: Option<&str>,
        a: &BlockAction,
        mut context: ModalContext,
    ) -> Result<(), Reply> {
        let token: FormToken = match a.value.as_deref().map(serde_json::from_str) {
            Some(Ok(t)) => t,
            _ => {
                tracing::warn!(action_id = %a.action_id, "form button without a readable form");
                return Err(Reply::BadRequest("form button without a form"));
            }
        };
        let Some(trigger) = trigger_id else {
            return Err(Reply::BadRequest("form button click without a trigger_id"));
        };
        context.value = token.value.clone();
        let Some(view) = blocks::modal(&token.form, &context) else {
            tracing::warn!(action_id = %a.action_id, "form context too large for a Slack modal");
            return Err(Reply::BadRequest("form too large"));
        };
        let opened = tokio::time::timeout_at(budget_end(), self.web.open_view(trigger, &view))
            .await
            .unwrap_or_else(|_| Err(CallError::Transient("views.open: no answer in time".into())));
        match opened {
            Ok(()) => Ok(()),
            Err(e) => {
                // The click cannot be replayed (the trigger expires): Slack shows the user an
                // error when we answer with one.
                tracing::warn!(action_id = %a.action_id, error = %e, "views.open failed");
                Err(Reply::Retry)
            }
        }
    }

    async fn message_action(&self, p: MessageAction) -> Reply {
        let (Some(channel), Some(user)) = (channel_ref(&p.channel.id), self.actor(&p.user, p.team.as_ref()).await)
        else {
            return Reply::BadRequest("message_action with a bad channel or user id");
        };
        let Some(ts) = p.message.ts.as_deref() else {
            return Reply::BadRequest("message_action without the message ts");
        };
        let (Some(message), Some(sent_at)) = (message_id(ts), parse_ts(ts)) else {
            return Reply::BadRequest("message_action with a bad message ts");
        };
        let home = self.home_team(p.team.as_ref().map(|t| t.id.as_str())).await;
        let fetched = FetchedMessage {
            ts: ts.to_string(),
            user: p.message.user.clone(),
            text: p.message.text.clone(),
            thread_ts: p.message.thread_ts.clone(),
            bot_id: p.message.bot_id.clone(),
            subtype: None,
            user_team: p.message.user_team.clone(),
            team: p.message.team.clone(),
        };
        let author = match self.fetched_author(&fetched, None, home.as_deref()).await {
            Ok(a) => a,
            Err(_) => return Reply::BadRequest("message_action with a bad author id"),
        };
        let thread = thread_of(p.message.thread_ts.as_deref(), ts);
        let event_id = match p.trigger_id.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => format!("shortcut:{t}"),
            None => content_id("shortcut", &[&p.user.id, &p.callback_id, ts]),
        };
        let body = Inbound::Action(ActionInvoked {
            channel,
            message: Some(message.clone()),
            thread: thread.clone(),
            user,
            action_id: p.callback_id.clone(),
            value: None,
            fields: Default::default(),
            target: Some(TargetMessage {
                message,
                thread,
                author,
                text: plain(p.message.text.as_deref().unwrap_or_default()),
                sent_at,
            }),
            invoked_at: p.action_ts.as_deref().and_then(parse_ts).unwrap_or_else(Utc::now),
        });
        self.record(InboundEvent { event_id, platform: Platform::Slack, body }).await
    }

    async fn view_submission(&self, p: ViewSubmission) -> Reply {
        let context: Option<ModalContext> =
            p.view.private_metadata.as_deref().and_then(|m| serde_json::from_str(m).ok());
        let (Some(context), Some(callback)) = (context, p.view.callback_id.clone()) else {
            tracing::debug!("view_submission of a modal baton did not open; ignored");
            return Reply::Ack;
        };
        let Some(channel) = channel_ref(&context.channel) else {
            return Reply::BadRequest("view_submission with a bad channel");
        };
        let Some(user) = self.actor(&p.user, p.team.as_ref()).await else {
            return Reply::BadRequest("view_submission with a bad user id");
        };
        let fields = p.view.state.as_ref().map(|s| blocks::submitted_fields(&s.values)).unwrap_or_default();
        let event_id = match (p.trigger_id.as_deref().filter(|t| !t.is_empty()), p.view.id.as_deref()) {
            (Some(t), _) => format!("view:{t}"),
            (None, Some(v)) => format!("view:{v}"),
            (None, None) => content_id("view", &[&p.user.id, &callback, &context.channel]),
        };
        let body = Inbound::Action(ActionInvoked {
            channel,
            message: context.message.as_deref().and_then(message_id),
            thread: context.thread.as_deref().and_then(message_id),
            user,
            action_id: callback,
            value: context.value.clone(),
            fields,
            target: None,
            invoked_at: Utc::now(),
        });
        self.record(InboundEvent { event_id, platform: Platform::Slack, body }).await
    }
}

/// Why an event is not passed on.
enum Skip {
    /// Not for baton (a bot message, an edit, an unused reaction): acknowledged.
    Ignored(&'static str),
    /// Authentic but not understood: acknowledged and logged.
    Unreadable(String),
    /// Needs a lookup that failed for now: not acknowledged, so Slack retries.
    Later(CallError),
}
