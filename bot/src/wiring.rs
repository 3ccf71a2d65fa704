//! The only place that constructs platform adapters (part of the `baton` binary, not the
//! library): the rules and the store never name Slack or Discord.

use std::sync::{Arc, OnceLock};

use axum::Router;
use baton::config::{Config, DiscordConfig, SlackConfig};
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
    if let Some(slack) = slack(config)? {
        sinks.add(Arc::new(slack.sink()));
    }
    if let Some(discord) = discord(config)? {
        sinks.add(discord.sink());
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
    if let (Some(s), Some(connection)) = (&config.slack, slack(config)?) {
        let reactions = slack_reactions(config);
        match s.mode.trim() {
            "http" => {
                let secret = required(&s.signing_secret, "slack.signing_secret", "BATON_SLACK__SIGNING_SECRET")?;
                routes = routes.merge(connection.http_routes(ingest.clone(), secret, reactions));
            }
            "socket" => {
                let app_token = required(&s.app_token, "slack.app_token", "BATON_SLACK__APP_TOKEN")?;
                let task = connection
                    .socket_mode(ingest.clone(), &app_token, reactions, stop.clone())
                    .map_err(|e| format!("Slack Socket Mode: {e}"))?;
                tasks.push(task);
            }
            other => return Err(format!("slack.mode `{other}` is not a Slack mode: use \"http\" or \"socket\"").into()),
        }
    }
    if let Some(discord) = discord(config)? {
        tasks.push(tokio::spawn(discord.run_gateway(ingest.clone(), stop.clone())));
    }
    Ok((routes, tasks))
}

/// The Slack adapter, built once: [`sinks`] and [`inbound`] share its Web API client, so
/// they share what it has learned (the workspace, people's names and teams, DM channels).
fn slack(config: &Config) -> Result<Option<baton_slack::Slack>, AnyError> {
    static ADAPTER: OnceLock<baton_slack::Slack> = OnceLock::new();
    let Some(s) = &config.slack else { return Ok(None) };
    if let Some(adapter) = ADAPTER.get() {
        return Ok(Some(adapter.clone()));
    }
    let adapter = slack_connection(s)?.with_reject_hook(Arc::new(|reason: &'static str| {
        baton::telemetry::metrics().events_rejected.get_or_create(&baton::telemetry::reason(reason)).inc();
    }));
    Ok(Some(ADAPTER.get_or_init(|| adapter).clone()))
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

/// The Discord adapter, built once: [`sinks`] and [`inbound`] share it, because interactions
/// the gateway half acknowledges are answered by the outbound half, and threads the outbound
/// half starts are recognised by the gateway half.
fn discord(config: &Config) -> Result<Option<baton_discord::Discord>, AnyError> {
    static ADAPTER: OnceLock<baton_discord::Discord> = OnceLock::new();
    let Some(d) = &config.discord else { return Ok(None) };
    if let Some(adapter) = ADAPTER.get() {
        return Ok(Some(adapter.clone()));
    }
    let adapter = baton_discord::Discord::new(discord_settings(config, d)?)?;
    Ok(Some(ADAPTER.get_or_init(|| adapter).clone()))
}

/// The adapter's settings: the `[discord]` section, the reactions the engine acts on, and
/// the texts and forms the adapter may need to show without asking the engine (rendered from
/// the catalogue in every configured language).
fn discord_settings(config: &Config, d: &DiscordConfig) -> Result<baton_discord::Settings, AnyError> {
    use baton::render::{render, Msg, Reply};
    let token = d.token.clone().ok_or("discord.token is required; set BATON_DISCORD__TOKEN")?;
    let engine = baton::engine::Settings::from_config(config);
    let mut langs = vec![engine.default_lang.clone()];
    for lang in engine.channels.values().filter_map(|c| c.lang.clone()) {
        if !langs.contains(&lang) {
            langs.push(lang);
        }
    }
    let mut forms = Vec::new();
    for lang in &langs {
        let panel = Reply {
            to: baton_chat::Destination::Direct { platform: baton_chat::Platform::Discord, user: "0".parse()? },
            lang: lang.clone(),
            msg: Msg::Panel,
            replaces: None,
        };
        let card = render(&panel).card.into_iter();
        forms.extend(card.flat_map(|c| c.buttons).filter_map(|b| b.form));
    }
    let t = &config.tickets;
    let mut settings = baton_discord::Settings::new(token);
    settings.application_id = d.application_id;
    settings.api_url = d.api_url.clone();
    settings.guild_ids = d.guild_ids.clone();
    settings.open_emoji = t.open_emoji.clone();
    settings.watched_emoji = [&t.open_emoji, &t.claim_emoji, &t.solve_emoji, &t.urgent_emoji].into_iter().flatten().cloned().collect();
    settings.unavailable_text = Some(baton::i18n::tr(&engine.default_lang, "error-internal", &[]));
    settings.forms = forms;
    settings.on_malformed = Some(baton_discord::MalformedHook(Arc::new(|_event: &str| {
        baton::telemetry::metrics().events_rejected.get_or_create(&baton::telemetry::reason("malformed")).inc();
    })));
    settings.staff_role_ids = d.staff_role_ids.iter().copied().collect();
    Ok(settings)
}


/// People configured with an e-mail address but no `slack_id` get their Slack id from
/// `users.lookupByEmail`, so an admin can list CSMs by address. One pass runs before baton
/// serves (each call bounded by the Web API client's timeout); people Slack could not be
/// asked about are retried in the background, with backoff, until found or shutdown.
pub async fn resolve_slack_people(
    config: &Config,
    store: Arc<dyn baton::store::Store>,
    mut stop: watch::Receiver<bool>,
) -> Result<Option<JoinHandle<()>>, AnyError> {
    let Some(slack) = slack(config)? else { return Ok(None) };
    let people = store.people().await?;
    let mut unresolved: Vec<_> = people
        .into_iter()
        .filter(|p| p.email.is_some() && !p.handles.contains_key(&baton_chat::Platform::Slack))
        .collect();
    if unresolved.is_empty() {
        return Ok(None);
    }
    let web = slack.web().clone();
    // Up to four lookups at once (`users.lookupByEmail` allows about 50 a minute; a rate
    // limit answer is temporary and retried with the rest).
    let pass = move |pending: Vec<baton::domain::Person>| {
        use futures_util::StreamExt;
        let web = web.clone();
        let store = store.clone();
        async move {
            let lookups = futures_util::stream::iter(pending).map(|mut person| {
                let (web, store) = (web.clone(), store.clone());
                async move {
                    let email = person.email.as_ref().map(|e| e.as_str().to_string()).unwrap_or_default();
                    match web.user_by_email(&email).await {
                        Ok(Some(id)) => match id.parse() {
                            Ok(user) => {
                                person.handles.insert(baton_chat::Platform::Slack, user);
                                match store.upsert_people(std::slice::from_ref(&person)).await {
                                    Ok(()) => tracing::info!(person = %person.id, slack_id = %id, "Slack id found by e-mail"),
                                    Err(e) => {
                                        tracing::warn!(person = %person.id, error = %e, "cannot save the Slack id found by e-mail");
                                        return Some(person);
                                    }
                                }
                            }
                            Err(e) => tracing::warn!(person = %person.id, error = %e, "Slack returned an unusable user id"),
                        },
                        Ok(None) => tracing::warn!(person = %person.id, "no Slack user has this person's e-mail address"),
                        Err(e) if e.is_temporary() => {
                            tracing::warn!(person = %person.id, error = %e, "cannot look up a Slack id by e-mail yet");
                            return Some(person);
                        }
                        Err(e) => tracing::warn!(person = %person.id, error = %e, "Slack refused the lookup by e-mail"),
                    }
                    None
                }
            });
            lookups.buffer_unordered(4).filter_map(std::future::ready).collect::<Vec<_>>().await
        }
    };
    unresolved = pass(unresolved).await;
    if unresolved.is_empty() {
        return Ok(None);
    }
    Ok(Some(tokio::spawn(async move {
        let mut wait = std::time::Duration::from_secs(30);
        while !unresolved.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            unresolved = pass(unresolved).await;
            wait = (wait * 2).min(std::time::Duration::from_secs(3600));
        }
    })))
}
