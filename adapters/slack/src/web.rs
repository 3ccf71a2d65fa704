//! The Slack Web API, through slack-morphism's hyper connector: the base URL is
//! configurable (`slack.api_url`), every call is bounded by a timeout, and failures are
//! classified the way the outbox needs them (rate limited, temporary, permanent).
//!
//! slack-morphism's default connector is HTTPS-only; a base URL on `http://` (a fake Slack
//! in tests, a local proxy) uses its generic connector over a plain hyper `HttpConnector`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use baton_chat::{Attachment, DeliveryError};
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::{
    SlackApiFilesUploadViaUrlRequest, SlackApiToken, SlackApiTokenValue, SlackClient, SlackClientHyperConnector,
    SlackClientHyperHttpsConnector, SlackFileUploadUrl,
};

/// How long one Web API call may take before it counts as a temporary failure.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Wait before retrying when Slack says 429 without a Retry-After header.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// How long a looked-up user (name, team) is reused.
const USER_TTL: Duration = Duration::from_secs(3600);

/// At most this many users are cached (the oldest are dropped).
const USER_CACHE_MAX: usize = 10_000;

/// Why a Web API call failed. Messages name the method and Slack's error code, never the
/// request or response body (they hold customer text) and never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("{method}: rate limited, retry after {retry_after:?}")]
    RateLimited { method: String, retry_after: Duration },
    /// Slack answered `ok: false` with this error code.
    #[error("{method}: Slack error `{code}`")]
    Api { method: String, code: String },
    #[error("{0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

impl CallError {
    /// Slack's error code, for `ok: false` answers.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_temporary(&self) -> bool {
        match self {
            CallError::RateLimited { .. } | CallError::Transient(_) => true,
            CallError::Api { code, .. } => TRANSIENT_CODES.contains(&code.as_str()),
            CallError::Permanent(_) => false,
        }
    }
}

/// `ok: false` codes that mean "Slack had a problem", not "your request is wrong".
const TRANSIENT_CODES: &[&str] =
    &["internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org", "ratelimited"];

impl From<CallError> for DeliveryError {
    fn from(e: CallError) -> Self {
        match &e {
            CallError::RateLimited { retry_after, .. } => DeliveryError::RateLimited(*retry_after),
            CallError::Api { code, .. } if code == "ratelimited" => DeliveryError::RateLimited(DEFAULT_RETRY_AFTER),
            _ if e.is_temporary() => DeliveryError::Transient(e.to_string()),
            _ => DeliveryError::Permanent(e.to_string()),
        }
    }
}

fn classify(method: &str, e: SlackClientError) -> CallError {
    match e {
        SlackClientError::ApiError(a) => CallError::Api { method: method.to_string(), code: a.code },
        SlackClientError::RateLimitError(r) => CallError::RateLimited {
            method: method.to_string(),
            retry_after: r.retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        },
        SlackClientError::HttpError(h) => {
            let status = h.status_code;
            let msg = format!("{method}: HTTP {status}");
            if status.is_server_error() || status.as_u16() == 408 {
                CallError::Transient(msg)
            } else {
                CallError::Permanent(msg)
            }
        }
        SlackClientError::HttpProtocolError(p) => {
            let cause = p.cause.map(|c| c.to_string()).unwrap_or_default();
            CallError::Transient(format!("{method}: connection failed: {cause}"))
        }
        // The body of a response we could not read may hold customer text: not logged.
        SlackClientError::ProtocolError(p) => {
            CallError::Transient(format!("{method}: unexpected response ({})", p.json_error))
        }
        SlackClientError::EndOfStream(_) => CallError::Transient(format!("{method}: connection closed early")),
        other => CallError::Transient(format!("{method}: {other}")),
    }
}

enum Transport {
    Https(SlackClient<SlackClientHyperHttpsConnector>),
    Http(SlackClient<SlackClientHyperConnector<HttpConnector>>),
}

/// Why the Web API client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("slack.api_url `{0}` must start with https:// (or http:// for a local fake or proxy)")]
    BadUrl(String),
    #[error("cannot load the system's TLS root certificates for {url}: {error}")]
    Tls { url: String, error: String },
    #[error("Socket Mode must be started from within the Tokio runtime")]
    NoRuntime,
}

/// A user as `users.info` describes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub name: Option<String>,
    pub team: Option<String>,
    pub is_bot: bool,
    pub locale: Option<String>,
}

/// The workspace the bot token belongs to (`auth.test`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub team: String,
    pub bot_user: Option<String>,
}

/// A message as `conversations.history` / `conversations.replies` return it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct FetchedMessage {
    pub ts: String,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub thread_ts: Option<String>,
    #[serde(default)]
    pub bot_id: Option<String>,
    #[serde(default)]
    pub subtype: Option<String>,
    #[serde(default)]
    pub user_team: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
}

/// A Web API client with the bot token.
pub struct WebApi {
    transport: Transport,
    token: SlackApiToken,
    timeout: Duration,
    dm_channels: Mutex<HashMap<String, String>>,
    users: Mutex<HashMap<String, (Instant, UserInfo)>>,
    identity: tokio::sync::OnceCell<Identity>,
}

impl std::fmt::Debug for WebApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebApi").field("token", &"[REDACTED]").finish_non_exhaustive()
    }
}

macro_rules! session {
    ($self:ident, $s:ident => $body:expr) => {
        match &$self.transport {
            Transport::Https(c) => {
                let $s = c.open_session(&$self.token);
                $body
            }
            Transport::Http(c) => {
                let $s = c.open_session(&$self.token);
                $body
            }
        }
    };
}

#[derive(Deserialize)]
struct PostMessageResponse {
    ts: String,
    #[serde(default)]
    channel: Option<String>,
}

#[derive(Deserialize)]
struct ConversationsOpenResponse {
    channel: ChannelObject,
}

#[derive(Deserialize)]
struct ChannelObject {
    id: String,
}

#[derive(Deserialize)]
struct MessagesResponse {
    #[serde(default)]
    messages: Vec<FetchedMessage>,
}

#[derive(Deserialize)]
struct UsersInfoResponse {
    user: UserObject,
}

#[derive(Deserialize)]
struct UserObject {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    team_id: Option<String>,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    profile: Option<ProfileObject>,
}

#[derive(Deserialize)]
struct ProfileObject {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
}

#[derive(Deserialize)]
struct AuthTestResponse {
    team_id: String,
    #[serde(default)]
    user_id: Option<String>,
}

#[derive(Deserialize)]
struct Ignored {}

/// What `chat.postMessage` and `chat.update` answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posted {
    pub channel: Option<String>,
    pub ts: String,
}

impl WebApi {
    /// A client for the Web API at `api_url` (`https://slack.com/api/` by default; a trailing
    /// slash is optional).
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<Self, SetupError> {
        let base = api_url.trim().trim_end_matches('/').to_string();
        let transport = if base.starts_with("https://") {
            let connector = SlackClientHyperConnector::new()
                .map_err(|e| SetupError::Tls { url: base.clone(), error: e.to_string() })?
                .with_slack_api_url(&base);
            Transport::Https(SlackClient::new(connector))
        } else if base.starts_with("http://") {
            let connector = SlackClientHyperConnector::with_connector(HttpConnector::new()).with_slack_api_url(&base);
            Transport::Http(SlackClient::new(connector))
        } else {
            return Err(SetupError::BadUrl(api_url.to_string()));
        };
        let token = SlackApiToken::new(SlackApiTokenValue(bot_token.expose_secret().to_string()));
        Ok(Self {
            transport,
            token,
            timeout: CALL_TIMEOUT,
            dm_channels: Mutex::new(HashMap::new()),
            users: Mutex::new(HashMap::new()),
            identity: tokio::sync::OnceCell::new(),
        })
    }

    /// The same client with another per-call timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// POSTs a JSON body to `method`.
    pub async fn post<RS: DeserializeOwned + Send>(&self, method: &str, body: &Value) -> Result<RS, CallError> {
        let call = async { session!(self, s => s.http_session_api.http_post(method, body, None).await) };
        self.bounded(method, call).await
    }

    /// GETs `method` with query parameters.
    pub async fn get<RS: DeserializeOwned + Send>(
        &self,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<RS, CallError> {
        let params: Vec<(&str, Option<String>)> = params.iter().map(|(k, v)| (*k, Some(v.clone()))).collect();
        let call = async { session!(self, s => s.http_session_api.http_get(method, &params, None).await) };
        self.bounded(method, call).await
    }

    async fn bounded<RS>(
        &self,
        method: &str,
        call: impl std::future::Future<Output = Result<RS, SlackClientError>>,
    ) -> Result<RS, CallError> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(classify(method, e)),
            Err(_) => Err(CallError::Transient(format!("{method}: no answer within {:?}", self.timeout))),
        }
    }

    /// `chat.postMessage`, in a thread when `thread_ts` is given.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<Posted, CallError> {
        let mut body = json!({ "channel": channel, "text": text, "unfurl_links": false, "unfurl_media": false });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        if let Some(b) = blocks {
            body["blocks"] = b.clone();
        }
        let r: PostMessageResponse = self.post("chat.postMessage", &body).await?;
        Ok(Posted { channel: r.channel, ts: r.ts })
    }

    /// `chat.update` of the message `ts`.
    pub async fn update(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<Posted, CallError> {
        // Without `blocks`, Slack would keep the old ones: an empty list removes them.
        let body = json!({ "channel": channel, "ts": ts, "text": text, "blocks": blocks.cloned().unwrap_or_else(|| json!([])) });
        let r: PostMessageResponse = self.post("chat.update", &body).await?;
        Ok(Posted { channel: r.channel, ts: r.ts })
    }

    /// `chat.postEphemeral`: visible only to `user`.
    pub async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        thread_ts: Option<&str>,
        text: &str,
        blocks: Option<&Value>,
    ) -> Result<(), CallError> {
        let mut body = json!({ "channel": channel, "user": user, "text": text });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        if let Some(b) = blocks {
            body["blocks"] = b.clone();
        }
        let _: Ignored = self.post("chat.postEphemeral", &body).await?;
        Ok(())
    }

    /// The direct-message channel with `user` (`conversations.open`, remembered).
    pub async fn dm_channel(&self, user: &str) -> Result<String, CallError> {
        if let Some(c) = self.dm_channels.lock().ok().and_then(|m| m.get(user).cloned()) {
            return Ok(c);
        }
        let r: ConversationsOpenResponse = self.post("conversations.open", &json!({ "users": user })).await?;
        if let Ok(mut m) = self.dm_channels.lock() {
            m.insert(user.to_string(), r.channel.id.clone());
        }
        Ok(r.channel.id)
    }

    /// Uploads `files` and shares them in `channel` (in a thread when `thread_ts` is given),
    /// with `comment` as the message text: `files.getUploadURLExternal`, the upload itself,
    /// then one `files.completeUploadExternal`. Nothing is shared until that last call, so a
    /// retry after a failure never shows a file twice.
    pub async fn share_files(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        comment: Option<&str>,
        files: &[Attachment],
    ) -> Result<(), CallError> {
        #[derive(Deserialize)]
        struct UploadUrl {
            upload_url: String,
            file_id: String,
        }
        let mut shared = Vec::new();
        for f in files {
            let u: UploadUrl = self
                .get(
                    "files.getUploadURLExternal",
                    &[("filename", f.filename.clone()), ("length", f.bytes.len().to_string())],
                )
                .await?;
            let url: SlackFileUploadUrl = serde_json::from_value(json!(u.upload_url))
                .map_err(|_| CallError::Permanent("files.getUploadURLExternal: unusable upload_url".into()))?;
            let req = SlackApiFilesUploadViaUrlRequest::new(url, f.bytes.clone(), f.content_type.clone());
            let upload = async { session!(self, s => s.files_upload_via_url(&req).await) };
            self.bounded("file upload", upload).await?;
            shared.push(json!({ "id": u.file_id, "title": f.filename }));
        }
        let mut body = json!({ "files": shared, "channel_id": channel });
        if let Some(t) = thread_ts {
            body["thread_ts"] = json!(t);
        }
        if let Some(c) = comment.filter(|c| !c.trim().is_empty()) {
            body["initial_comment"] = json!(c);
        }
        let _: Ignored = self.post("files.completeUploadExternal", &body).await?;
        Ok(())
    }

    /// `views.open`: shows a modal to whoever caused `trigger_id` (valid for 3 seconds).
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), CallError> {
        let _: Ignored = self.post("views.open", &json!({ "trigger_id": trigger_id, "view": view })).await?;
        Ok(())
    }

    /// The message `ts` in `channel`: a top-level one through `conversations.history`, a
    /// thread reply through `conversations.replies`. `None` when it no longer exists.
    pub async fn fetch_message(&self, channel: &str, ts: &str) -> Result<Option<FetchedMessage>, CallError> {
        let history: MessagesResponse = self
            .get(
                "conversations.history",
                &[
                    ("channel", channel.into()),
                    ("latest", ts.into()),
                    ("inclusive", "true".into()),
                    ("limit", "1".into()),
                ],
            )
            .await?;
        if let Some(m) = history.messages.into_iter().find(|m| m.ts == ts) {
            return Ok(Some(m));
        }
        let replies: Result<MessagesResponse, CallError> = self
            .get(
                "conversations.replies",
                &[
                    ("channel", channel.into()),
                    ("ts", ts.into()),
                    ("latest", ts.into()),
                    ("inclusive", "true".into()),
                    ("limit", "1".into()),
                ],
            )
            .await;
        match replies {
            Ok(r) => Ok(r.messages.into_iter().find(|m| m.ts == ts)),
            Err(e) if matches!(e.code(), Some("thread_not_found" | "message_not_found")) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `users.info` for `user` (cached for an hour).
    pub async fn user_info(&self, user: &str) -> Result<UserInfo, CallError> {
        if let Some(info) = self
            .users
            .lock()
            .ok()
            .and_then(|m| m.get(user).filter(|(at, _)| at.elapsed() < USER_TTL).map(|(_, info)| info.clone()))
        {
            return Ok(info);
        }
        let r: UsersInfoResponse =
            self.get("users.info", &[("user", user.into()), ("include_locale", "true".into())]).await?;
        let u = r.user;
        let nonblank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let profile_display = u.profile.as_ref().and_then(|p| nonblank(p.display_name.clone()));
        let profile_real = u.profile.as_ref().and_then(|p| nonblank(p.real_name.clone()));
        let info = UserInfo {
            name: profile_display.or(profile_real).or(nonblank(u.real_name)).or(nonblank(u.name)),
            team: u.team_id,
            is_bot: u.is_bot,
            locale: u.locale,
        };
        if let Ok(mut m) = self.users.lock() {
            if m.len() >= USER_CACHE_MAX {
                m.retain(|_, (at, _)| at.elapsed() < USER_TTL);
                if m.len() >= USER_CACHE_MAX {
                    m.clear();
                }
            }
            m.insert(user.to_string(), (Instant::now(), info.clone()));
        }
        Ok(info)
    }

    /// `reactions.add`: the bot reacts to message `ts` with `name` (a short name without
    /// colons). A reaction the bot already made counts as done.
    pub async fn add_reaction(&self, channel: &str, ts: &str, name: &str) -> Result<(), CallError> {
        let body = json!({ "channel": channel, "timestamp": ts, "name": name });
        match self.post::<Ignored>("reactions.add", &body).await {
            Err(e) if e.code() == Some("already_reacted") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// `users.lookupByEmail`: the Slack user id for an email address, `None` when no user
    /// of the workspace has it.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<String>, CallError> {
        match self.get::<UsersInfoResponse>("users.lookupByEmail", &[("email", email.into())]).await {
            Ok(r) if !r.user.id.is_empty() => Ok(Some(r.user.id)),
            Ok(_) => Err(CallError::Permanent("users.lookupByEmail: answer without a user id".into())),
            Err(e) if e.code() == Some("users_not_found") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The bot token's workspace and bot user (`auth.test`, asked once).
    pub async fn identity(&self) -> Result<Identity, CallError> {
        self.identity
            .get_or_try_init(|| async {
                let r: AuthTestResponse = self.post("auth.test", &json!({})).await?;
                Ok(Identity { team: r.team_id, bot_user: r.user_id })
            })
            .await
            .cloned()
    }

    /// The identity if it was already learned (no call).
    pub fn known_identity(&self) -> Option<Identity> {
        self.identity.get().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_or_https() {
        let token = SecretString::from("xoxb-test");
        assert!(WebApi::new("http://127.0.0.1:9/api/", &token).is_ok());
        assert!(matches!(WebApi::new("slack.com/api", &token), Err(SetupError::BadUrl(_))));
        assert!(matches!(WebApi::new("ftp://x", &token), Err(SetupError::BadUrl(_))));
    }

    #[test]
    fn failures_map_to_delivery_errors() {
        let rl = CallError::RateLimited { method: "chat.postMessage".into(), retry_after: Duration::from_secs(3) };
        assert_eq!(DeliveryError::from(rl), DeliveryError::RateLimited(Duration::from_secs(3)));
        let api = |code: &str| CallError::Api { method: "chat.postMessage".into(), code: code.into() };
        assert!(
            matches!(DeliveryError::from(api("channel_not_found")), DeliveryError::Permanent(m) if m.contains("channel_not_found"))
        );
        assert!(matches!(DeliveryError::from(api("internal_error")), DeliveryError::Transient(_)));
        assert_eq!(DeliveryError::from(api("ratelimited")), DeliveryError::RateLimited(DEFAULT_RETRY_AFTER));
        assert!(matches!(DeliveryError::from(CallError::Transient("x".into())), DeliveryError::Transient(_)));
    }

    #[test]
    fn debug_hides_the_token() {
        let api = WebApi::new("http://127.0.0.1:9/api", &SecretString::from("xoxb-very-secret")).unwrap();
        assert!(!format!("{api:?}").contains("very-secret"));
    }
}
