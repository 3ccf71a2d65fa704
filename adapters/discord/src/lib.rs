//! The Discord adapter (serenity): translates gateway events and interactions into
//! `baton-chat` events, and `baton-chat` outbound messages into embeds, thread replies and
//! DMs over the HTTP API.
//!
//! This crate knows the neutral contract and Discord, nothing else: not the store, not the
//! rules. One [`Discord`] value serves both halves, because they share what they learn:
//! interactions the gateway half acknowledged are answered by the outbound half, threads the
//! outbound half starts are recognised by the gateway half, and the forms buttons open are
//! remembered from the messages that carry them.
//!
//! - [`Discord::sink`]: the [`ChatSink`] (see [`outbound`]).
//! - [`Discord::run_gateway`]: the gateway connection, feeding [`Ingest`] (see `inbound.rs`).
//! - [`wire`]: Discord's JSON shapes and limits; [`commands`]: the registered commands;
//!   [`rest`]: the HTTP calls.
//!
//! Known limits: forms a button opens are remembered in memory (the intake panel's are
//! registered at start in every configured language; a ticket card's Escalate form is known
//! again once the card is next posted or updated, and until then a press escalates without
//! asking for a reason). serenity does not pass on a 429's Retry-After when its own rate
//! limiter is off (behind `api_url`), so the outbox then waits
//! [`rest::DEFAULT_RETRY_AFTER`].

pub mod commands;
mod gateway;
mod inbound;
pub mod outbound;
pub mod rest;
mod state;
pub mod wire;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use baton_chat::{ChatSink, Form, Ingest};
use secrecy::SecretString;
use tokio::sync::watch;

pub use baton_chat::Platform;
pub use outbound::DiscordSink;

/// The platform this adapter serves.
pub const PLATFORM: Platform = Platform::Discord;

/// The gateway intents baton needs and no more: guild messages and their content,
/// reactions on guild messages, and direct messages.
pub fn intents() -> serenity::all::GatewayIntents {
    use serenity::all::GatewayIntents as I;
    I::GUILD_MESSAGES | I::MESSAGE_CONTENT | I::GUILD_MESSAGE_REACTIONS | I::DIRECT_MESSAGES
}

/// The adapter could not be set up (bad configuration).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SetupError(pub String);

/// Called with the event's name (`MESSAGE_CREATE`…) for every dispatch baton uses but cannot
/// decode: the place to count them in metrics.
#[derive(Clone)]
pub struct MalformedHook(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for MalformedHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MalformedHook")
    }
}

/// What the adapter needs to run. `Debug` never shows the token.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The bot token.
    pub token: SecretString,
    /// The application's id; learnt from the gateway's READY when not given.
    pub application_id: Option<u64>,
    /// Where API calls go instead of `https://discord.com` (a rate-limit proxy, a test fake);
    /// with it, serenity's own rate limiter is off, as the proxy limits.
    pub api_url: Option<String>,
    /// Guilds to register application commands in; global registration when empty.
    pub guild_ids: Vec<u64>,
    /// Reactions that open a ticket: for these the adapter fetches the reacted-to message.
    pub open_emoji: Vec<String>,
    /// Reactions worth reporting at all; empty reports every reaction.
    pub watched_emoji: Vec<String>,
    /// Told privately to someone whose command could not be recorded (already localised).
    pub unavailable_text: Option<String>,
    /// Forms that buttons posted earlier (before a restart) may open.
    pub forms: Vec<Form>,
    /// Told of every dispatch that could not be decoded (besides the log and [`Stats`]).
    pub on_malformed: Option<MalformedHook>,
    /// Members holding any of these roles are staff (reported as [`baton_chat::Author::staff`]).
    pub staff_role_ids: Vec<u64>,
}

impl Settings {
    /// Settings with only the token; everything else empty.
    pub fn new(token: SecretString) -> Self {
        Self {
            token,
            application_id: None,
            api_url: None,
            guild_ids: Vec::new(),
            open_emoji: Vec::new(),
            watched_emoji: Vec::new(),
            unavailable_text: None,
            forms: Vec::new(),
            on_malformed: None,
            staff_role_ids: Vec::new(),
        }
    }

    /// Whether a member with these roles is staff.
    pub(crate) fn is_staff<'a>(&self, roles: impl IntoIterator<Item = &'a serenity::all::RoleId>) -> bool {
        !self.staff_role_ids.is_empty() && roles.into_iter().any(|r| self.staff_role_ids.contains(&r.get()))
    }

    fn matches(list: &[String], emoji: &str) -> bool {
        let emoji = emoji.trim_matches(':');
        list.iter().any(|e| e.trim_matches(':') == emoji)
    }

    pub(crate) fn opens(&self, emoji: &str) -> bool {
        Self::matches(&self.open_emoji, emoji)
    }

    pub(crate) fn watches(&self, emoji: &str) -> bool {
        self.watched_emoji.is_empty() || Self::matches(&self.watched_emoji, emoji) || self.opens(emoji)
    }
}

/// Counters for operators (logged; exposed for metrics).
#[derive(Debug, Default)]
pub struct Stats {
    malformed: AtomicU64,
    ingested: AtomicU64,
    duplicates: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Dispatches baton uses that could not be decoded (and were ignored).
    pub malformed_events: u64,
    /// Events handed to the core that were new.
    pub events: u64,
    /// Events handed to the core that it had seen (gateway replays).
    pub duplicate_events: u64,
}

impl Stats {
    /// Counts one malformed event; returns the total so far.
    pub(crate) fn malformed(&self) -> u64 {
        self.malformed.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn ingested(&self, new: bool) {
        let c = if new { &self.ingested } else { &self.duplicates };
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            malformed_events: self.malformed.load(Ordering::Relaxed),
            events: self.ingested.load(Ordering::Relaxed),
            duplicate_events: self.duplicates.load(Ordering::Relaxed),
        }
    }
}

/// What both halves share.
pub(crate) struct Inner {
    pub(crate) settings: Settings,
    pub(crate) rest: rest::Rest,
    pub(crate) state: state::State,
    pub(crate) stats: Stats,
    commands_registered: AtomicBool,
}

impl Inner {
    pub(crate) fn remember_forms(&self, forms: &[(String, Form)]) {
        for (key, form) in forms {
            self.state.register_form(key.clone(), form.clone());
        }
    }

    /// Registers `/ticket` and "Open ticket" once per process (again on the next READY if
    /// it failed).
    pub(crate) async fn register_commands(&self) {
        if self.commands_registered.swap(true, Ordering::AcqRel) {
            return;
        }
        let definitions = commands::definitions();
        let targets: Vec<Option<u64>> =
            if self.settings.guild_ids.is_empty() { vec![None] } else { self.settings.guild_ids.iter().copied().map(Some).collect() };
        let mut failed = false;
        for guild in targets {
            match self.rest.register_commands(guild, &definitions).await {
                Ok(()) => tracing::info!(guild = ?guild, "registered the /ticket and \"Open ticket\" commands"),
                Err(e) => {
                    failed = true;
                    tracing::error!(guild = ?guild, error = %e, "could not register application commands; retrying on the next connection");
                }
            }
        }
        if failed {
            self.commands_registered.store(false, Ordering::Release);
        }
    }
}

/// The Discord adapter: one per process, shared by its outbound and inbound halves.
#[derive(Clone)]
pub struct Discord {
    inner: Arc<Inner>,
}

impl Discord {
    /// Checks the settings and builds the HTTP client; connects nothing yet.
    pub fn new(settings: Settings) -> Result<Self, SetupError> {
        if settings.guild_ids.contains(&0) {
            return Err(SetupError("discord.guild_ids: 0 is not a guild id".into()));
        }
        let http = rest::http(&settings)?;
        let inner = Inner {
            rest: rest::Rest::new(http),
            state: state::State::default(),
            stats: Stats::default(),
            commands_registered: AtomicBool::new(false),
            settings,
        };
        for form in &inner.settings.forms {
            inner.state.register_form(wire::form_key(form), form.clone());
        }
        Ok(Self { inner: Arc::new(inner) })
    }

    /// The outbound half.
    pub fn sink(&self) -> Arc<dyn ChatSink> {
        Arc::new(DiscordSink { inner: self.inner.clone() })
    }

    /// Remembers a form a button may open (forms on posted messages are remembered anyway).
    pub fn register_form(&self, form: &Form) {
        self.inner.state.register_form(wire::form_key(form), form.clone());
    }

    /// Counters since start.
    pub fn stats(&self) -> StatsSnapshot {
        self.inner.stats.snapshot()
    }

    /// Keeps a gateway connection, handing events to `ingest`, until `stop` turns true.
    pub async fn run_gateway(self, ingest: Arc<dyn Ingest>, stop: watch::Receiver<bool>) {
        gateway::run(self.inner, ingest, stop).await
    }
}

#[cfg(test)]
mod tests {
    use serenity::all::GatewayIntents;

    use super::*;

    #[test]
    fn asks_only_for_the_intents_it_needs() {
        let i = super::intents();
        assert!(i.contains(GatewayIntents::MESSAGE_CONTENT));
        assert!(!i.contains(GatewayIntents::GUILD_MEMBERS), "privileged intent not requested");
        assert!(!i.contains(GatewayIntents::GUILD_PRESENCES), "privileged intent not requested");
    }

    #[test]
    fn settings_never_show_the_token() {
        let s = Settings::new(SecretString::from("very-secret-token"));
        assert!(!format!("{s:?}").contains("very-secret-token"));
    }

    #[test]
    fn emoji_filters() {
        let mut s = Settings::new(SecretString::from("t"));
        assert!(s.watches("anything"), "no list: everything");
        s.open_emoji = vec!["ticket".into(), "🎫".into()];
        s.watched_emoji = vec![":eyes:".into()];
        assert!(s.opens("🎫") && s.opens(":ticket:") && !s.opens("eyes"));
        assert!(s.watches("eyes") && s.watches("ticket") && !s.watches("tada"));
    }

    #[test]
    fn setup_refuses_bad_settings() {
        assert!(Discord::new(Settings::new(SecretString::from(" "))).is_err());
        let mut s = Settings::new(SecretString::from("t"));
        s.api_url = Some("not a url".into());
        assert!(Discord::new(s).is_err());
        let mut s = Settings::new(SecretString::from("t"));
        s.guild_ids = vec![0];
        assert!(Discord::new(s).is_err(), "a zero id would panic in serenity later");
    }
}
