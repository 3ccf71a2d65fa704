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
pub mod text;
pub mod web;

use std::sync::Arc;

use axum::Router;
use baton_chat::Ingest;
pub use baton_chat::Platform;
use secrecy::SecretString;

pub use inbound::{Handler, ReactionPolicy, Reply};
pub use signature::Verifier;
pub use sink::SlackSink;
pub use web::{SetupError, WebApi};

/// The platform this adapter serves.
pub const PLATFORM: Platform = Platform::Slack;

/// Slack's public Web API base URL; GovSlack and tests configure another (`slack.api_url`).
pub const DEFAULT_API_URL: &str = slack_morphism::prelude::SlackClientHttpApiUri::SLACK_API_URI_STR;

/// One Slack workspace connection: the Web API client shared by both halves.
#[derive(Clone, Debug)]
pub struct Slack {
    web: Arc<WebApi>,
}

impl Slack {
    /// A connection to the Web API at `api_url` with `bot_token` (`xoxb-…`).
    pub fn new(api_url: &str, bot_token: &SecretString) -> Result<Self, SetupError> {
        Ok(Self { web: Arc::new(WebApi::new(api_url, bot_token)?) })
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
        Handler::new(ingest, self.web.clone(), reactions)
    }

    /// The HTTP endpoints Slack calls (Events API, slash commands, interactivity), to mount
    /// on baton's HTTP server.
    pub fn http_routes(&self, ingest: Arc<dyn Ingest>, signing_secret: SecretString, reactions: ReactionPolicy) -> Router {
        inbound::routes(self.handler(ingest, reactions), Verifier::new(signing_secret))
    }
}

#[cfg(test)]
mod tests;
