//! Baton: a chat-ops bot that bridges customer support and customer success in Slack and
//! Discord. This crate is the core; the platform adapters live in `adapters/` and speak only
//! the neutral contract in `baton-chat`.
//!
//! Modules, and the one job each does:
//! - [`domain`]: accounts, people, tickets and the ticket event log, validated on construction.
//! - [`store`]: persistence behind one trait, on SQLite (default) or PostgreSQL; all SQL.
//! - [`config`]: the TOML file layered with `BATON_…` environment variables, and its checks.
//! - [`import`]: CSV import of accounts and people, all or nothing.
//! - [`i18n`]: the message catalogue (Project Fluent); every user-visible string comes from it.
//! - [`command`]: the neutral `Command` every `/ticket` subcommand, button and emoji becomes.
//! - [`sla`]: SLA policies and calendars, and the clocks of a ticket from its event log (pure).
//! - [`engine`]: applies inbound chat events to tickets and queues what to post (the rules).
//! - [`render`]: turns the engine's replies into localised text and cards.
//! - [`health`]: the account health score, its reasons, and the at-risk rules.
//! - [`metrics`]: support metrics from event logs (FRT, resolution, reopen rate, CSAT, NPS).
//! - [`outbox`]: delivers queued messages through the adapters, with retries.
//! - [`clock`]: time as an input (`SystemClock` in production, `ManualClock` in tests).
//! - [`app`]: wiring: the inbox worker, the engine, the outbox and the lifecycle timers.
//! - [`telemetry`]: Prometheus metrics (`GET /metrics`).
//! - [`server`]: the HTTP server: health endpoints and the adapters' routes.
//! - [`digest`]: scheduled digests (at-risk accounts, SLA, team metrics) with a PNG chart.
//! - [`scheduler`]: posts each digest once per cron slot, claimed in the database.
//! - [`signals_api`]: `POST /api/accounts/{id}/signals`, for a CRM or a script.

pub mod clock;
pub mod domain;
pub mod store;
pub mod config;
pub mod import;
pub mod testing;
pub mod app;
pub mod command;
pub mod engine;
pub mod sla;
pub mod i18n;
pub mod outbox;
pub mod render;
pub mod server;
pub mod metrics;
pub mod health;
pub mod telemetry;
pub mod digest;
pub mod scheduler;
pub mod signals_api;
