//! Configuration: one TOML file layered with `BATON_…` environment variables, loaded once
//! into these typed structs. Secrets are [`SecretString`]s: `Debug` prints `[REDACTED]`
//! (and the database URL's password is hidden too).
//!
//! Stable keys deployment scripts rely on: `database.url`, `http.bind`, and every key as
//! `BATON_<SECTION>__<KEY>` (e.g. `BATON_DATABASE__URL`, `BATON_SLACK__SIGNING_SECRET`).
//!
//! [`load`] reads the file (or the built-in [`EXAMPLE_CONFIG`]) and the environment, and
//! refuses a configuration with any problem [`check`] reports: unknown keys, wrong types and
//! values that make no sense, each named by its key path (`accounts[1].csm`). The structs
//! here therefore accept unknown keys themselves (no `deny_unknown_fields`): the loader
//! reports them all, instead of serde stopping at the first. [`to_domain`] turns the file's
//! accounts and people into domain values. Cron expressions and durations are parsed by
//! [`parse_cron`] and [`parse_duration`].

pub(crate) mod checks;
mod load;
mod schedule;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use baton_chat::ChannelRef;
use secrecy::SecretString;
use serde::Deserialize;

pub use load::{check, load, to_domain, ConfigError, Problem, DEFAULT_FILE, EXAMPLE_CONFIG};
pub use schedule::{parse_cron, parse_duration, CronSpec};

/// The whole configuration. Every section is optional; missing ones take their defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `[database]`
    pub database: DatabaseConfig,
    /// `[http]`
    pub http: HttpConfig,
    /// `[general]`
    pub general: GeneralConfig,
    /// `[tickets]`
    pub tickets: TicketsConfig,
    /// Per-channel behaviour (intake, who may open tickets, locale).
    pub channels: Vec<ChannelConfig>,
    /// Accounts declared in the file (CSV import adds more).
    pub accounts: Vec<AccountConfig>,
    /// People declared in the file (CSV import adds more).
    pub people: Vec<PersonConfig>,
    /// Scheduled summaries (`[[digests]]`).
    pub digests: Vec<DigestConfig>,
    /// `[sla]`: SLA policies by tier × priority, and business-hours calendars.
    pub sla: SlaConfig,
    /// `[health]`: how the account health score is computed and when an account is at risk.
    pub health: HealthConfig,
    /// `[escalation]`: the escalation chain and when to escalate automatically.
    pub escalation: EscalationConfig,
    /// `[handoff]`: how CSMs are told about their accounts' tickets.
    pub handoff: HandoffConfig,
    /// `[slack]`: present when baton should connect to Slack.
    pub slack: Option<SlackConfig>,
    /// `[discord]`: present when baton should connect to Discord.
    pub discord: Option<DiscordConfig>,
    /// `[api]`: baton's own HTTP API.
    pub api: ApiConfig,
}

/// `[api]`: baton's own HTTP API, served on `http.bind`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ApiConfig {
    /// Bearer token for `POST /api/accounts/{id}/signals`; the endpoint refuses every
    /// request without one. A secret: set it with `BATON_API__SIGNALS_TOKEN`.
    pub signals_token: Option<SecretString>,
    /// A file holding `signals_token` (a mounted secret), instead of the value itself.
    pub signals_token_file: Option<PathBuf>,
}

/// The shortest `api.signals_token` accepted.
pub const MIN_TOKEN_CHARS: usize = 24;

/// `[database]`: where baton keeps its data.
#[derive(Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` (default `sqlite://baton.db`) or `postgres://…`. A URL with a
    /// password belongs in `BATON_DATABASE__URL`; `Debug` hides the password.
    pub url: String,
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig").field("url", &redact_url_password(&self.url)).finish()
    }
}

/// `postgres://user:[REDACTED]@host/db` for `postgres://user:password@host/db`.
fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:[REDACTED]@{host}"),
        None => url.to_string(),
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: "sqlite://baton.db".into() }
    }
}

/// `[http]`: the HTTP listener (Slack events, health checks).
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

/// `[general]`: defaults for the whole installation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GeneralConfig {
    /// Locale when nothing more specific is known (BCP 47).
    pub default_locale: String,
    /// IANA time zone for dates shown when the reader's is unknown.
    pub time_zone: String,
    /// Known support tiers, most valuable first.
    pub tiers: Vec<String>,
    /// How long a replica holds an inbound event or an outbox message it claimed. Another
    /// replica takes over the work of one that died once this has passed; it must exceed the
    /// longest single delivery (each Slack/Discord call is bounded at 10 s), so keep the
    /// default unless tests need takeovers to be quick. At least `2s`.
    pub claim_lease: String,
    /// On SIGTERM, baton stops accepting events, finishes the ones it acknowledged, flushes
    /// the outbox and exits 0 within this time (non-zero, with the work left in the database
    /// for the next replica, if it cannot).
    pub shutdown_grace: String,
    /// How long handled inbound events stay in the inbox (the de-duplication window for
    /// platform retries, and a record for debugging); older ones are deleted. At least `1h`.
    pub inbox_retention: String,
}

impl Default for GeneralConfig {
    fn default() -> Self {
        Self {
            default_locale: "en-US".into(),
            time_zone: "UTC".into(),
            tiers: vec!["enterprise".into(), "business".into(), "starter".into()],
            claim_lease: "60s".into(),
            shutdown_grace: "30s".into(),
            inbox_retention: "14d".into(),
        }
    }
}

/// `general.inbox_retention` when not set (`14d`).
pub const DEFAULT_INBOX_RETENTION: Duration = Duration::from_secs(14 * 86_400);

/// The shortest `general.inbox_retention` accepted: platforms retry an event for minutes
/// (Slack: three retries within about an hour), and it must be remembered that long.
pub const MIN_INBOX_RETENTION: Duration = Duration::from_secs(3600);

/// The shortest `general.claim_lease` accepted.
pub const MIN_CLAIM_LEASE: Duration = Duration::from_secs(2);

impl GeneralConfig {
    /// [`Self::claim_lease`](field@Self::claim_lease), parsed ([`check`] guarantees it parses
    /// and is at least [`MIN_CLAIM_LEASE`]).
    pub fn claim_lease(&self) -> Duration {
        parse_duration(&self.claim_lease).unwrap_or(Duration::from_secs(60)).max(MIN_CLAIM_LEASE)
    }
    /// [`Self::inbox_retention`](field@Self::inbox_retention), parsed ([`check`] guarantees
    /// it parses and is at least [`MIN_INBOX_RETENTION`]).
    pub fn inbox_retention(&self) -> Duration {
        parse_duration(&self.inbox_retention).unwrap_or(DEFAULT_INBOX_RETENTION).max(MIN_INBOX_RETENTION)
    }
    /// [`Self::shutdown_grace`](field@Self::shutdown_grace), parsed.
    pub fn shutdown_grace(&self) -> Duration {
        parse_duration(&self.shutdown_grace).unwrap_or(Duration::from_secs(30))
    }
}

/// Ticket intake and lifecycle settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TicketsConfig {
    /// Reaction that opens a ticket from a message (short name without colons, or the emoji).
    pub open_emoji: Vec<String>,
    /// React with the open emoji to every message that became a ticket, so the channel sees
    /// it was picked up (Slack `reactions.add`, a Discord reaction).
    pub mark_opened: bool,
    /// Staff emoji shortcut on a ticket's root message: take the ticket.
    pub claim_emoji: Vec<String>,
    /// Staff emoji shortcut: mark the ticket solved.
    pub solve_emoji: Vec<String>,
    /// Staff emoji shortcut: make the ticket urgent.
    pub urgent_emoji: Vec<String>,
    /// Priority of new tickets: `low`, `normal`, `high` or `urgent`.
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
            mark_opened: true,
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
        parse_duration(&self.reopen_window).unwrap_or(Duration::from_secs(7 * DAY))
    }
    /// [`Self::close_after`](field@Self::close_after), parsed.
    pub fn close_after(&self) -> Duration {
        parse_duration(&self.close_after).unwrap_or(Duration::from_secs(3 * DAY))
    }
    /// [`Self::pending_reminder_after`](field@Self::pending_reminder_after), parsed.
    pub fn pending_reminder_after(&self) -> Duration {
        parse_duration(&self.pending_reminder_after).unwrap_or(Duration::from_secs(2 * DAY))
    }
    /// [`Self::pending_solve_after`](field@Self::pending_solve_after), parsed.
    pub fn pending_solve_after(&self) -> Duration {
        parse_duration(&self.pending_solve_after).unwrap_or(Duration::from_secs(5 * DAY))
    }
    /// [`Self::csat_cooldown`](field@Self::csat_cooldown), parsed.
    pub fn csat_cooldown(&self) -> Duration {
        parse_duration(&self.csat_cooldown).unwrap_or(Duration::from_secs(7 * DAY))
    }
}

const DAY: u64 = 86_400;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_password_is_not_printed() {
        let c = DatabaseConfig { url: "postgres://baton:hunter2@db.internal:5432/baton".into() };
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("hunter2")
                && debug.contains("postgres://baton:[REDACTED]@db.internal:5432/baton"),
            "{debug}"
        );
        assert_eq!(redact_url_password("sqlite://baton.db"), "sqlite://baton.db");
        assert_eq!(redact_url_password("postgres://baton@db/baton"), "postgres://baton@db/baton");
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

/// A `[[channels]]` entry: how baton behaves in one channel.
#[derive(Debug, Clone, Deserialize)]
pub struct ChannelConfig {
    /// `platform:id`, e.g. `slack:C024BE91L`, `discord:1234…`, `shell:acme`.
    pub channel: ChannelRef,
    /// Every new top-level customer message opens a ticket.
    #[serde(default)]
    pub auto_intake: bool,
    /// Who may open tickets here (default staff only).
    #[serde(default)]
    pub who_may_open: WhoMayOpen,
    /// Locale for customer-facing messages in this channel.
    pub locale: Option<String>,
    /// Tickets opened here talk with the requester in a private thread (Discord), not in a
    /// thread on their message.
    #[serde(default)]
    pub private_threads: bool,
}

/// An `[[accounts]]` entry; [`to_domain`] turns it into a [`crate::domain::Account`].
#[derive(Debug, Clone, Deserialize)]
pub struct AccountConfig {
    /// Stable id: lowercase letters, digits, `-`, `_`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One of `general.tiers`.
    pub tier: String,
    /// Whole currency units per year.
    pub arr: Option<i64>,
    /// ISO 4217; default USD.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub renewal_date: Option<String>,
    /// Person id of the assigned CSM (a person with role csm, lead or manager).
    pub csm: Option<String>,
    /// Ticket key prefix (`ACME` gives `ACME-42`).
    pub key_prefix: Option<String>,
    /// `platform:id` channels that belong to this account (each to at most one account).
    #[serde(default)]
    pub channels: Vec<String>,
    /// Numbers from elsewhere (`nps`, `usage_trend`, …).
    #[serde(default)]
    pub signals: std::collections::BTreeMap<String, f64>,
    /// Locale for the account's customer-facing messages.
    pub locale: Option<String>,
}

/// A `[[people]]` entry; [`to_domain`] turns it into a [`crate::domain::Person`].
#[derive(Debug, Clone, Deserialize)]
pub struct PersonConfig {
    /// Stable id (on the shell, also the user name).
    pub id: String,
    /// Display name.
    pub name: String,
    /// `customer`, `agent`, `csm`, `lead` or `manager`.
    pub role: String,
    pub email: Option<String>,
    /// Slack user id (`U…`): becomes the person's Slack handle.
    pub slack_id: Option<String>,
    /// Discord user id (a number): becomes the person's Discord handle.
    pub discord_id: Option<String>,
    /// For customers: their account's id.
    pub account: Option<String>,
    /// Person id of this person's manager.
    pub manager: Option<String>,
    /// The person's locale (BCP 47).
    pub locale: Option<String>,
    /// The person's IANA time zone.
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

/// A `[[digests]]` entry: a scheduled summary.
#[derive(Debug, Clone, Deserialize)]
pub struct DigestConfig {
    /// Unique name.
    pub name: String,
    /// What it reports: `at-risk`, `sla` or `team-metrics`.
    pub kind: DigestKind,
    /// Crontab's five fields (`0 9 * * 1-5`, Monday to Friday) or six with seconds.
    pub cron: String,
    /// IANA time zone the cron expression is read in, e.g. `Europe/Stockholm`.
    pub time_zone: String,
    /// `platform:channel` destinations, or `csm-dm` for each CSM by direct message.
    pub destinations: Vec<String>,
    /// Locale of the digest (default `general.default_locale`).
    pub locale: Option<String>,
}

/// `[slack]`. Secrets come from the environment: `BATON_SLACK__BOT_TOKEN`,
/// `BATON_SLACK__SIGNING_SECRET`, `BATON_SLACK__APP_TOKEN`; or from files named by the
/// `…_file` keys (e.g. `BATON_SLACK__BOT_TOKEN_FILE=/run/secrets/slack_bot_token`).
#[derive(Debug, Clone, Deserialize)]
pub struct SlackConfig {
    /// Bot token (`xoxb-…`); required.
    pub bot_token: Option<SecretString>,
    /// Signing secret; required in `http` mode.
    pub signing_secret: Option<SecretString>,
    /// Socket Mode app-level token (`xapp-…`); required in `socket` mode.
    pub app_token: Option<SecretString>,
    /// Files holding the secrets above, instead of the values themselves.
    pub bot_token_file: Option<PathBuf>,
    pub signing_secret_file: Option<PathBuf>,
    pub app_token_file: Option<PathBuf>,
    /// `http` (Events API) or `socket` (Socket Mode).
    #[serde(default = "default_slack_mode")]
    pub mode: String,
    /// Web API base URL, ending in `/` (GovSlack and tests use others).
    #[serde(default = "default_slack_api")]
    pub api_url: String,
}

fn default_slack_mode() -> String {
    "http".into()
}
fn default_slack_api() -> String {
    "https://slack.com/api/".into()
}

/// `[discord]`. The bot token comes from the environment: `BATON_DISCORD__TOKEN`, or from the
/// file `token_file` names.
#[derive(Debug, Clone, Deserialize)]
pub struct DiscordConfig {
    /// Bot token; required.
    pub token: Option<SecretString>,
    /// A file holding the bot token, instead of the value itself.
    pub token_file: Option<PathBuf>,
    /// The application's id (for registering commands).
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

/// `[escalation]`: levels a ticket climbs (tier 1 → tier 2 → engineering on-call → lead),
/// and the automatic triggers.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EscalationConfig {
    /// `[[escalation.levels]]`, lowest first. Level 1 is the first escalation.
    pub levels: Vec<EscalationLevelConfig>,
    /// Escalate automatically when a ticket is opened as, or becomes, urgent.
    pub on_urgent: bool,
    /// Escalate automatically when an SLA target is breached.
    pub on_breach: bool,
    /// Escalate automatically after this many customer messages without an agent reply
    /// (0: never).
    pub unanswered_messages: u32,
}

/// One level of the escalation chain.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EscalationLevelConfig {
    /// What the level is called, e.g. `Tier 2` or `Engineering on-call`.
    pub name: String,
    /// `platform:channel` where escalations to this level are posted.
    pub channel: Option<String>,
    /// Person ids pinged (by direct message when the level has no channel).
    pub people: Vec<String>,
}

/// `[handoff]`: the CSM handoff.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HandoffConfig {
    /// `platform:channel` for handoffs on accounts without a CSM (or a CSM baton cannot reach).
    pub fallback_channel: Option<String>,
    /// An unacknowledged handoff is sent to the CSM again after this long…
    pub reping_after: String,
    /// …and to the CSM's manager after this long.
    pub escalate_after: String,
    /// Hand off when a ticket is opened as, or becomes, urgent.
    pub on_urgent: bool,
    /// Hand off when a ticket escalates.
    pub on_escalation: bool,
    /// Hand off when an SLA target is breached.
    pub on_breach: bool,
    /// How many of the latest conversation messages the handoff quotes.
    pub summary_messages: usize,
}

impl Default for HandoffConfig {
    fn default() -> Self {
        Self {
            fallback_channel: None,
            reping_after: "4h".into(),
            escalate_after: "24h".into(),
            on_urgent: true,
            on_escalation: true,
            on_breach: true,
            summary_messages: 6,
        }
    }
}

/// `[health]`: the account health score (0–100). It starts at 100 and loses points for
/// support trouble in the window and for imported signals below their healthy range; no
/// single signal takes more than `cap` points.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HealthConfig {
    /// Support signals are counted over this window.
    pub window: String,
    pub per_open_ticket: f64,
    pub per_escalation: f64,
    pub per_sla_breach: f64,
    pub per_reopen: f64,
    pub per_unanswered_message: f64,
    /// Points per point the CSAT average is below 4.0.
    pub per_csat_point: f64,
    pub cap: f64,
    /// At risk: a score under this…
    pub at_risk_below: u8,
    /// …or a drop of more than this many points against `drop_days` ago…
    pub at_risk_drop: u8,
    pub drop_days: u32,
    /// …or a renewal within this many days with any breach or escalation.
    pub renewal_days: u32,
    /// `[[health.signals]]`: imported numbers and their healthy range.
    pub signals: Vec<HealthSignalConfig>,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            window: "30d".into(),
            per_open_ticket: 3.0,
            per_escalation: 8.0,
            per_sla_breach: 10.0,
            per_reopen: 5.0,
            per_unanswered_message: 2.0,
            per_csat_point: 10.0,
            cap: 30.0,
            at_risk_below: 60,
            at_risk_drop: 15,
            drop_days: 7,
            renewal_days: 30,
            signals: Vec::new(),
        }
    }
}

/// An imported signal in the health score: at or below `low` it costs `weight` points, at or
/// above `high` nothing, linearly in between.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HealthSignalConfig {
    pub name: String,
    pub weight: f64,
    pub low: f64,
    pub high: f64,
}

/// `[sla]`: the promises (first response, next response, resolution) by account tier and
/// ticket priority, each counted on calendar time or on a business-hours calendar.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SlaConfig {
    /// Warn in the ticket's thread when this share of a target is used (0 < warn_at ≤ 1).
    pub warn_at: f64,
    /// `[[sla.calendars]]`: business hours in a time zone, with holidays.
    pub calendars: Vec<SlaCalendarConfig>,
    /// `[[sla.policies]]`, most specific first: the first that matches a ticket applies.
    pub policies: Vec<SlaPolicyConfig>,
}

impl Default for SlaConfig {
    fn default() -> Self {
        Self { warn_at: 0.75, calendars: Vec::new(), policies: Vec::new() }
    }
}

/// One interval string, or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A business-hours calendar.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlaCalendarConfig {
    /// Policies refer to the calendar by this name.
    pub name: String,
    /// IANA time zone the hours are read in.
    pub time_zone: String,
    /// Opening hours by weekday or weekday range: `{ mon-fri = "09:00-17:00" }`; a value is one
    /// interval, a list, or comma-separated intervals; days not listed are closed.
    pub hours: std::collections::BTreeMap<String, OneOrMany>,
    /// Closed dates, `YYYY-MM-DD`.
    pub holidays: Vec<String>,
}

impl SlaCalendarConfig {
    pub fn spec(&self) -> crate::sla::CalendarSpec {
        crate::sla::CalendarSpec {
            time_zone: self.time_zone.clone(),
            hours: self.hours.iter().map(|(k, v)| (k.clone(), v.to_vec())).collect(),
            holidays: self.holidays.clone(),
        }
    }
}

/// An SLA policy and the tickets it applies to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SlaPolicyConfig {
    pub name: String,
    /// Account tiers it applies to (empty: any, including tickets without an account).
    pub tiers: Vec<String>,
    /// Ticket priorities it applies to (empty: any).
    pub priorities: Vec<String>,
    /// Targets, as durations (`1h`, `30m`, `3d`); leave one out for no such promise.
    pub first_response: Option<String>,
    pub next_response: Option<String>,
    pub resolution: Option<String>,
    /// A `[[sla.calendars]]` name; without it, calendar time (24/7).
    pub calendar: Option<String>,
    /// Overrides `sla.warn_at` for this policy.
    pub warn_at: Option<f64>,
}

/// Builds the SLA rules, or every problem with its key. A policy naming a calendar that is
/// itself broken is not reported again (the calendar is).
pub fn sla_rules(c: &Config) -> Result<Vec<crate::sla::SlaRule>, Vec<Problem>> {
    use crate::sla::{Calendar, SlaPolicy, SlaRule};
    let mut problems = Vec::new();
    let mut calendars = std::collections::BTreeMap::new();
    let mut broken = std::collections::BTreeSet::new();
    for (i, cal) in c.sla.calendars.iter().enumerate() {
        match cal.spec().build() {
            Ok(built) => {
                calendars.insert(cal.name.trim().to_string(), built);
            }
            Err(e) => {
                broken.insert(cal.name.trim().to_string());
                problems.push(Problem::new(format!("sla.calendars[{i}]"), e.to_string()));
            }
        }
    }
    let mut rules = Vec::new();
    for (i, p) in c.sla.policies.iter().enumerate() {
        let key = |f: &str| format!("sla.policies[{i}].{f}");
        let before = problems.len();
        let calendar = match &p.calendar {
            None => Some(Calendar::always()),
            Some(name) => match calendars.get(name.trim()) {
                Some(cal) => Some(cal.clone()),
                None if broken.contains(name.trim()) => None,
                None => {
                    problems.push(Problem::new(key("calendar"), format!("no [[sla.calendars]] is named `{name}`")));
                    None
                }
            },
        };
        let mut target = |field: &str, v: &Option<String>| -> Option<chrono::Duration> {
            let s = v.as_deref()?;
            match parse_duration(s).map(chrono::Duration::from_std) {
                Ok(Ok(d)) => Some(d),
                Ok(Err(e)) => {
                    problems.push(Problem::new(key(field), e.to_string()));
                    None
                }
                Err(m) => {
                    problems.push(Problem::new(key(field), m));
                    None
                }
            }
        };
        let first_response = target("first_response", &p.first_response);
        let next_response = target("next_response", &p.next_response);
        let resolution = target("resolution", &p.resolution);
        let mut tiers = Vec::new();
        for (j, t) in p.tiers.iter().enumerate() {
            match checks_tier(t, &c.general.tiers) {
                Ok(t) => tiers.push(t),
                Err(m) => problems.push(Problem::new(format!("sla.policies[{i}].tiers[{j}]"), m)),
            }
        }
        let mut priorities = Vec::new();
        for (j, s) in p.priorities.iter().enumerate() {
            match s.parse::<crate::domain::Priority>() {
                Ok(p) => priorities.push(p),
                Err(e) => problems.push(Problem::new(format!("sla.policies[{i}].priorities[{j}]"), e.to_string())),
            }
        }
        let Some(calendar) = calendar else { continue };
        let mut policy = SlaPolicy::new(p.name.trim(), calendar);
        policy.first_response = first_response;
        policy.next_response = next_response;
        policy.resolution = resolution;
        policy.warn_fraction = p.warn_at.unwrap_or(c.sla.warn_at);
        if let Err(e) = policy.validate() {
            problems.push(Problem::new(format!("sla.policies[{i}]"), e.to_string()));
        }
        if problems.len() == before {
            rules.push(SlaRule { tiers, priorities, policy });
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

fn checks_tier(s: &str, tiers: &[String]) -> Result<crate::domain::Tier, String> {
    checks::parse_tier(s.trim(), tiers)
}
