//! The Slack adapter (slack-morphism): translates the Events API, slash commands and
//! interactivity payloads into `baton-chat` events, and `baton-chat` outbound messages into
//! Web API calls (Block Kit cards, thread replies, ephemeral messages, DMs, modals).
//!
//! This crate knows the neutral contract and Slack, nothing else: not the store, not the
//! rules.
//!
//! - [`Slack::new`]: a Web API client for a base URL and bot token.
//! - [`Slack::sink`]: the outbound half ([`baton_chat::ChatSink`]).
//! - [`Slack::http_routes`]: `POST /slack/events`, `/slack/commands`, `/slack/interactions`,
//!   every request verified with the signing secret before it is parsed, and recorded through
//!   [`baton_chat::Ingest`] before Slack is answered.
//!
//! Slack specifics handled here: message `ts` ↔ exact instants, `&<>` escaping and `<@U…>`
//! markup, Slack Connect guests (another team → `external`), bots and edits, reactions whose
//! message must be fetched (`conversations.history` / `conversations.replies`), unique action
//! ids, forms as modals, rate limits (429 + Retry-After → [`baton_chat::DeliveryError::RateLimited`]).

pub mod blocks;
pub mod inbound;
pub mod signature;
pub mod sink;
pub mod socket;
pub mod text;
pub mod web;

use std::sync::Arc;

use axum::Router;
use baton_chat::Ingest;
pub use baton_chat::Platform;
use secrecy::SecretString;

pub use inbound::{Handler, ReactionPolicy, RejectHook, Reply};
pub use signature::Verifier;
pub use sink::SlackSink;
pub use web::{SetupError, WebApi};

/// The platform this adapter serves.
pub const PLATFORM: Platform = Platform::Slack;

/// Slack's public Web API base URL; GovSlack and tests configure another (`slack.api_url`).
pub const DEFAULT_API_URL: &str = slack_morphism::prelude::SlackClientHttpApiUri::SLACK_API_URI_STR;

/// One Slack workspace connection: the Web API client shared by both halves.
#[derive(Clone)]
pub struct Slack {
    web: Arc<WebApi>,
    api_url: String,
    on_rejected: Option<RejectHook>,
}

impl std::fmt::Debug for Slack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slack").field("web", &self.web).field("api_url", &self.api_url).finish_non_exhaustive()
    }
}

impl Slack {
    /// A connection to the Web API at `api_url` with `bot_token` (`xoxb-…`).
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<Self, SetupError> {
        Ok(Self { web: Arc::new(WebApi::new(api_url, bot_token)?), api_url: api_url.to_string(), on_rejected: None })
    }

    /// Reports every refused request or envelope to `hook` (e.g. a metrics counter).
    pub fn with_reject_hook(mut self, hook: RejectHook) -> Self {
        self.on_rejected = Some(hook);
        self
    }

    /// The Web API client.
    pub fn web(&self) -> &Arc<WebApi> {
        &self.web
    }

    /// The outbound half.
    pub fn sink(&self) -> SlackSink {
        SlackSink::new(self.web.clone())
    }

    /// The payload handler behind every transport.
    pub fn handler(&self, ingest: Arc<dyn Ingest>, reactions: ReactionPolicy) -> Handler {
        Handler::new(ingest, self.web.clone(), reactions).with_reject_hook(self.on_rejected.clone())
    }

    /// The HTTP endpoints Slack calls (Events API, slash commands, interactivity), to mount
    /// on baton's HTTP server.
    pub fn http_routes(
        &self,
        ingest: Arc<dyn Ingest>,
        signing_secret: SecretString,
        reactions: ReactionPolicy,
    ) -> Router {
        warm_up(&self.web);
        inbound::routes(self.handler(ingest, reactions), Verifier::new(signing_secret))
    }

    /// Socket Mode instead of HTTP endpoints: a task that holds a WebSocket to Slack open
    /// (with the app-level token, `xapp-…`) and feeds the same handler, until `stop` is true.
    pub fn socket_mode(
        &self,
        ingest: Arc<dyn Ingest>,
        app_token: &SecretString,
        reactions: ReactionPolicy,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<tokio::task::JoinHandle<()>, SetupError> {
        let rt = tokio::runtime::Handle::try_current().map_err(|_| SetupError::NoRuntime)?;
        let app_api = WebApi::new(&self.api_url, app_token)?;
        warm_up(&self.web);
        Ok(rt.spawn(socket::run(self.handler(ingest, reactions), app_api, stop)))
    }
}

/// Learns the workspace and bot user (`auth.test`) in the background, so the first event
/// does not wait for it.
fn warm_up(web: &Arc<WebApi>) {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let web = web.clone();
        rt.spawn(async move {
            match web.identity().await {
                Ok(id) => tracing::info!(team = %id.team, bot_user = ?id.bot_user, "Slack workspace identified"),
                Err(e) => tracing::warn!(error = %e, "auth.test failed: is slack.bot_token valid? (retried on the next event)"),
            }
        });
    }
}

#[cfg(test)]
mod tests;
