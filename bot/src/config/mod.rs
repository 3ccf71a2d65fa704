//! Configuration: one TOML file layered with `BATON_…` environment variables, loaded once
//! into these typed structs. Secrets are [`SecretString`]s: `Debug` prints `[REDACTED]`.
//!
//! Stable keys deployment scripts rely on: `database.url`, `http.bind`, and every key as
//! `BATON_<SECTION>__<KEY>` (e.g. `BATON_DATABASE__URL`, `BATON_SLACK__SIGNING_SECRET`).

mod load;
mod schedule;

use std::collections::BTreeSet;
use std::time::Duration;

use baton_chat::ChannelRef;
use secrecy::SecretString;
use serde::Deserialize;

pub use load::{check, load, to_domain, ConfigError, Problem};
pub use schedule::{parse_cron, parse_duration, CronSpec};

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub general: GeneralConfig,
    pub tickets: TicketsConfig,
    /// Per-channel behaviour (intake, who may open tickets, locale).
    pub channels: Vec<ChannelConfig>,
    /// Accounts declared in the file (CSV import adds more).
    pub accounts: Vec<AccountConfig>,
    /// People declared in the file (CSV import adds more).
    pub people: Vec<PersonConfig>,
    pub digests: Vec<DigestConfig>,
    pub slack: Option<SlackConfig>,
    pub discord: Option<DiscordConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database: DatabaseConfig::default(),
            http: HttpConfig::default(),
            general: GeneralConfig::default(),
            tickets: TicketsConfig::default(),
            channels: Vec::new(),
            accounts: Vec::new(),
            people: Vec::new(),
            digests: Vec::new(),
            slack: None,
            discord: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` (default `sqlite://baton.db`) or `postgres://…`.
    pub url: String,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://baton.db".into() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// `address:port` the HTTP endpoints listen on.
    pub bind: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self { bind: "127.0.0.1:8080".into() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GeneralConfig {
    /// Locale when nothing more specific is known (BCP 47).
    pub default_locale: String,
    /// IANA time zone for dates shown when the reader's is unknown.
    pub time_zone: String,
    /// Known support tiers, most valuable first.
    pub tiers: Vec<String>,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        Self {
            default_locale: "en-US".into(),
            time_zone: "UTC".into(),
            tiers: vec!["enterprise".into(), "business".into(), "starter".into()],
        }
    }
}

/// Ticket intake and lifecycle settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TicketsConfig {
    /// Reaction that opens a ticket from a message (short name without colons, or the emoji).
    pub open_emoji: Vec<String>,
    /// Staff emoji shortcuts on a ticket's root message.
    pub claim_emoji: Vec<String>,
    pub solve_emoji: Vec<String>,
    pub urgent_emoji: Vec<String>,
    /// Priority of new tickets.
    pub default_priority: String,
    /// A customer reply within this time after solving reopens the ticket; later opens a new
    /// linked ticket. Durations are written `90s`, `15m`, `4h`, `7d`.
    pub reopen_window: String,
    /// Solved tickets close after this long.
    pub close_after: String,
    /// A ticket pending on the customer gets a reminder after this long…
    pub pending_reminder_after: String,
    /// …and is solved with a note after this long.
    pub pending_solve_after: String,
    /// Share of solved tickets whose requester is asked for CSAT (0.0–1.0).
    pub csat_sample_rate: f64,
    /// Nobody is asked for CSAT more often than this.
    pub csat_cooldown: String,
}

impl Default for TicketsConfig {
    fn default() -> Self {
        Self {
            open_emoji: vec!["ticket".into(), "🎫".into()],
            claim_emoji: vec!["eyes".into(), "👀".into()],
            solve_emoji: vec!["white_check_mark".into(), "✅".into()],
            urgent_emoji: vec!["rotating_light".into(), "🚨".into()],
            default_priority: "normal".into(),
            reopen_window: "7d".into(),
            close_after: "3d".into(),
            pending_reminder_after: "2d".into(),
            pending_solve_after: "5d".into(),
            csat_sample_rate: 1.0,
            csat_cooldown: "7d".into(),
        }
    }
}

impl TicketsConfig {
    /// Parsed durations; [`check`] guarantees they parse, so unparsable values fall back to
    /// the defaults here rather than panic.
    pub fn reopen_window(&self) -> Duration {
        parse_duration(&self.reopen_window).unwrap_or(Duration::from_secs(7 * 86_400))
    }
}

/// Who may open tickets in a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WhoMayOpen {
    /// Only staff (agents, leads, CSMs, managers).
    #[default]
    Staff,
    /// Customers too (by emoji or the intake panel).
    Anyone,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// `platform:id`, e.g. `slack:C024BE91L`, `discord:1234…`, `shell:acme`.
    pub channel: ChannelRef,
    /// Every new top-level customer message opens a ticket.
    #[serde(default)]
    pub auto_intake: bool,
    #[serde(default)]
    pub who_may_open: WhoMayOpen,
    /// Locale for customer-facing messages in this channel.
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: String,
    pub name: String,
    pub tier: String,
    /// Whole currency units per year.
    pub arr: Option<i64>,
    /// ISO 4217; default USD.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub renewal_date: Option<String>,
    /// Person id of the assigned CSM.
    pub csm: Option<String>,
    pub key_prefix: Option<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub signals: std::collections::BTreeMap<String, f64>,
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    pub id: String,
    pub name: String,
    pub role: String,
    pub email: Option<String>,
    pub slack_id: Option<String>,
    pub discord_id: Option<String>,
    /// For customers: their account's id.
    pub account: Option<String>,
    /// Person id of this person's manager.
    pub manager: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
}

/// What a digest reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestKind {
    AtRisk,
    Sla,
    TeamMetrics,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    pub name: String,
    pub kind: DigestKind,
    /// Crontab's five fields (`0 9 * * 1-5`, Monday to Friday) or six with seconds.
    pub cron: String,
    /// IANA time zone the cron expression is read in, e.g. `Europe/Stockholm`.
    pub time_zone: String,
    /// `platform:channel` destinations, or `csm-dm` for each CSM by direct message.
    pub destinations: Vec<String>,
    pub locale: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub bot_token: Option<SecretString>,
    pub signing_secret: Option<SecretString>,
    /// Socket Mode app-level token (`xapp-…`).
    pub app_token: Option<SecretString>,
    /// `http` (Events API) or `socket` (Socket Mode).
    #[serde(default = "default_slack_mode")]
    pub mode: String,
    /// Web API base URL (GovSlack and tests use others).
    #[serde(default = "default_slack_api")]
    pub api_url: String,
}

fn default_slack_mode() -> String {
    "http".into()
}
fn default_slack_api() -> String {
    "https://slack.com/api/".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    pub token: Option<SecretString>,
    pub application_id: Option<u64>,
    /// HTTP API base URL (a rate-limit proxy, or a test fake).
    pub api_url: Option<String>,
    /// Guilds to register application commands in (global when empty).
    #[serde(default)]
    pub guild_ids: Vec<u64>,
    /// Role ids whose members are staff.
    #[serde(default)]
    pub staff_role_ids: BTreeSet<u64>,
}
