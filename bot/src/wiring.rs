//! The only place that constructs platform adapters (part of the `baton` binary, not the
//! library): the rules and the store never name Slack or Discord.

use std::sync::Arc;

use axum::Router;
use baton::config::Config;
use baton::outbox::Sinks;
use baton_chat::Ingest;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Whether any platform adapter is configured.
pub fn any_platform(config: &Config) -> bool {
    config.slack.is_some() || config.discord.is_some()
}

/// The outbound halves of the configured adapters.
pub fn sinks(config: &Config) -> Result<Sinks, AnyError> {
    let sinks = Sinks::default();
    if config.slack.is_some() {
        return Err(slack_missing());
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
    let _ = (ingest, stop);
    let routes = Router::new();
    let tasks = Vec::new();
    if config.slack.is_some() {
        return Err(slack_missing());
    }
    if config.discord.is_some() {
        return Err(discord_missing());
    }
    Ok((routes, tasks))
}

fn slack_missing() -> AnyError {
    "the Slack adapter is not available in this build yet; remove [slack] from the configuration".into()
}

fn discord_missing() -> AnyError {
    "the Discord adapter is not available in this build yet; remove [discord] from the configuration".into()
}
