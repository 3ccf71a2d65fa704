//! The only place that constructs platform adapters (part of the `baton` binary, not the
//! library): the rules and the store never name Slack or Discord.

use std::sync::Arc;

use axum::Router;
use baton::config::{Config, SlackConfig};
use baton::outbox::Sinks;
use baton_chat::Ingest;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Whether any platform adapter is configured.
pub fn any_platform(config: &Config) -> bool {
    config.slack.is_some() || config.discord.is_some()
}

/// The outbound halves of the configured adapters.
pub fn sinks(config: &Config) -> Result<Sinks, AnyError> {
    let mut sinks = Sinks::default();
    if let Some(slack) = &config.slack {
        sinks.add(Arc::new(slack_connection(slack)?.sink()));
    }
    if config.discord.is_some() {
        return Err(discord_missing());
    }
    Ok(sinks)
}

/// The inbound halves: HTTP routes to mount, and background tasks (gateway or socket
/// connections) that stop when `stop` turns true.
pub fn inbound(
    config: &Config,
    ingest: Arc<dyn Ingest>,
    stop: watch::Receiver<bool>,
) -> Result<(Router, Vec<JoinHandle<()>>), AnyError> {
    let mut routes = Router::new();
    let mut tasks = Vec::new();
    if let Some(slack) = &config.slack {
        let connection = slack_connection(slack)?;
        let reactions = slack_reactions(config);
        match slack.mode.trim() {
            "http" => {
                let secret = required(&slack.signing_secret, "slack.signing_secret", "BATON_SLACK__SIGNING_SECRET")?;
                routes = routes.merge(connection.http_routes(ingest.clone(), secret, reactions));
            }
            "socket" => {
                let app_token = required(&slack.app_token, "slack.app_token", "BATON_SLACK__APP_TOKEN")?;
                let task = connection
                    .socket_mode(ingest.clone(), &app_token, reactions, stop.clone())
                    .map_err(|e| format!("Slack Socket Mode: {e}"))?;
                tasks.push(task);
            }
            other => return Err(format!("slack.mode `{other}` is not a Slack mode: use \"http\" or \"socket\"").into()),
        }
    }
    if config.discord.is_some() {
        return Err(discord_missing());
    }
    Ok((routes, tasks))
}

/// A secret that must be set (and not blank).
fn required(secret: &Option<SecretString>, key: &str, env: &str) -> Result<SecretString, AnyError> {
    match secret {
        Some(s) if !s.expose_secret().trim().is_empty() => Ok(s.clone()),
        _ => Err(format!("{key} is required for this [slack] configuration; set {env}").into()),
    }
}

/// The Slack Web API client for the configured base URL and bot token.
fn slack_connection(slack: &SlackConfig) -> Result<baton_slack::Slack, AnyError> {
    let token = required(&slack.bot_token, "slack.bot_token", "BATON_SLACK__BOT_TOKEN")?;
    baton_slack::Slack::new(&slack.api_url, &token).map_err(|e| format!("slack.api_url: {e}").into())
}

/// The reactions baton acts on; for the ones that open tickets, the adapter fetches the
/// reacted-to message first (Slack's event does not include it).
fn slack_reactions(config: &Config) -> baton_slack::ReactionPolicy {
    let t = &config.tickets;
    let relevant =
        [&t.open_emoji, &t.claim_emoji, &t.solve_emoji, &t.urgent_emoji].into_iter().flatten().cloned().collect();
    baton_slack::ReactionPolicy { relevant, fetch_message: t.open_emoji.clone() }
}

fn discord_missing() -> AnyError {
    "the Discord adapter is not available in this build yet; remove [discord] from the configuration".into()
}
