//! Persistence: one [`Store`] trait, implemented for SQLite (the embedded default) and
//! PostgreSQL (for several replicas). Both implementations share their SQL (see `sql.rs`)
//! and keep real column types: timestamps, dates and JSON on PostgreSQL. Times are kept to the
//! microsecond on both (PostgreSQL's precision), so both return the same values.
//!
//! All SQL lives here. Changes that belong together (a ticket update, its events, and the
//! messages it causes) are written in one transaction, so a crash never leaves half of them.
//! On SQLite, transactions queued for the one writer at the same time are parts of one
//! group, committed together (`group.rs`); each part still succeeds or fails whole.

pub mod effects;
mod group;
mod sql;

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use baton_chat::{ChannelRef, MessageId, OutboundMessage, Platform, UserId};
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::domain::{
    Account, AccountId, NewEvent, NewTicket, Person, PersonId, Tag, Ticket, TicketEvent, TicketId,
    TicketKey,
};

pub use sql::{PgStore, SqliteStore};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the ticket changed while this change was being made; retry")]
    Conflict,
    #[error("channel {channel} already belongs to account {owner}")]
    ChannelTaken { channel: ChannelRef, owner: AccountId },
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A value the database cannot hold faithfully (refused before anything is written).
    #[error("cannot store this: {0}")]
    Invalid(String),
    /// The database could not take a write that was batched with others (group commit);
    /// the message is the underlying error's.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://…")]
    BadUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a message is in the outbox; a delivered ticket card is remembered on its ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboundPurpose {
    /// An ordinary message: a reply, an error, a DM.
    Message,
    /// The ticket's card: its id becomes the ticket's card (and thread, if it had none).
    TicketCard,
    /// A CSM handoff DM, updated in place while the handoff is open.
    Handoff,
}

impl OutboundPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundPurpose::Message => "message",
            OutboundPurpose::TicketCard => "ticket_card",
            OutboundPurpose::Handoff => "handoff",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        match s {
            "message" => Ok(Self::Message),
            "ticket_card" => Ok(Self::TicketCard),
            "handoff" => Ok(Self::Handoff),
            other => Err(StoreError::Corrupt(format!("unknown outbox purpose `{other}`"))),
        }
    }
}

/// A message to deliver, written with the change that caused it.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOutbound {
    pub message: OutboundMessage,
    pub ticket: Option<TicketId>,
    pub purpose: OutboundPurpose,
}

impl NewOutbound {
    pub fn message(message: OutboundMessage) -> Self {
        Self { message, ticket: None, purpose: OutboundPurpose::Message }
    }
}

/// A message waiting in (or delivered from) the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboundRow {
    pub id: i64,
    pub platform: Platform,
    pub message: OutboundMessage,
    pub ticket: Option<TicketId>,
    pub purpose: OutboundPurpose,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub delivered_message: Option<MessageId>,
    pub last_error: Option<String>,
    pub dead: bool,
}

/// A message the platform took: its id there (`None` where there is none, e.g. a reaction)
/// and when.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub message: Option<MessageId>,
    pub at: DateTime<Utc>,
}

/// An inbound event recorded in the inbox and not yet processed.
#[derive(Clone, Debug, PartialEq)]
pub struct InboxEntry {
    pub platform: Platform,
    pub event_id: String,
    pub payload: serde_json::Value,
    pub received_at: DateTime<Utc>,
}

/// An inbound event to record (see [`Store::record_inbound_batch`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NewInbound {
    pub platform: Platform,
    pub event_id: String,
    pub payload: serde_json::Value,
}

/// Which tickets to list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TicketFilter {
    pub account: Option<AccountId>,
    /// Only tickets that are not solved or closed.
    pub active_only: bool,
    /// Only tickets whose origin is this channel.
    pub channel: Option<ChannelRef>,
    /// Only tickets in this status.
    pub status: Option<crate::domain::TicketStatus>,
    pub limit: Option<i64>,
}

/// An active ticket for the SLA sweep (see [`Store::sla_candidates`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SlaCandidate {
    pub ticket: Ticket,
    /// When its clocks can next warn or breach, as last stored; a change sets it to the
    /// change's time; `None`: not until the ticket changes (or never computed).
    pub next_check: Option<DateTime<Utc>>,
    /// Counts the changes that can move its clocks (see [`Store::set_sla_next_checks`]).
    pub stamp: i64,
}

/// A swept ticket's next check, written only if the ticket is still as it was read.
#[derive(Clone, Debug, PartialEq)]
pub struct SlaNextCheck {
    pub ticket: TicketId,
    /// The ticket's `version` and [`SlaCandidate::stamp`] when it was read.
    pub version: i64,
    pub stamp: i64,
    /// `None`: nothing can warn or breach until the ticket changes.
    pub at: Option<DateTime<Utc>>,
}

/// Which tickets [`Store::ticket_logs`] loads, and which of their events: the tickets any of
/// the selections picks (none when none is set), each with its events of `kinds`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LogQuery<'a> {
    /// Tickets opened at or after this time.
    pub opened_since: Option<DateTime<Utc>>,
    /// Tickets with an event at or after this time, of these kinds ([`EventKind::name`]s;
    /// any kind when the list is empty).
    ///
    /// [`EventKind::name`]: crate::domain::EventKind::name
    pub touched_since: Option<(DateTime<Utc>, &'a [&'a str])>,
    /// Tickets that are active now.
    pub active: bool,
    /// With `active`: only the active tickets whose stored SLA next check
    /// (`sla_next_check_at`, see [`Store::sla_candidates`]) is at or before this time, by the
    /// index `tickets(status, sla_next_check_at)`. Tickets without one are left out.
    pub active_checked_by: Option<DateTime<Utc>>,
    /// Of the tickets the fields above select, only those active now (a filter, where the
    /// fields above add tickets).
    pub only_active: bool,
    /// The events loaded with each ticket: its whole log (`None`), or only the events of
    /// these kinds, in log order.
    pub kinds: Option<&'a [&'a str]>,
}

/// A ticket update, with the events and messages it causes, applied atomically.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketChange {
    /// The ticket as it should be stored; its `version` is the one it was read at.
    pub ticket: Ticket,
    pub events: Vec<NewEvent>,
    pub outbox: Vec<NewOutbound>,
}

/// Builds the messages for a ticket once its id and key exist.
pub type RenderOnOpen<'a> = &'a (dyn Fn(&Ticket) -> Vec<NewOutbound> + Send + Sync);

/// Starts a read as its own task (so that decoding what it reads can run on another core than
/// the caller's other reads, each on its own pooled connection); [`answer`] waits for it.
pub(crate) fn read_apart<T, F, Fut>(store: &Arc<dyn Store>, f: F) -> Read<T>
where
    T: Send + 'static,
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = Result<T>> + Send + 'static,
{
    Read(tokio::spawn(f(store.clone())))
}

/// A read started with [`read_apart`]. Dropped before it answered (its caller gave up, or
/// another read of the same work failed first), it is stopped rather than left running.
pub(crate) struct Read<T>(tokio::task::JoinHandle<Result<T>>);

impl<T> Drop for Read<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a read started with [`read_apart`] answered.
pub(crate) async fn answer<T>(mut read: Read<T>) -> Result<T> {
    (&mut read.0).await.map_err(|e| StoreError::Unavailable(format!("a read stopped: {e}")))?
}

/// Baton's persistence.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// Applies pending migrations.
    async fn migrate(&self) -> Result<()>;
    /// Checks the database answers.
    async fn ping(&self) -> Result<()>;

    /// Inserts or updates accounts by id, all or none. Channels listed replace the account's
    /// channels; a channel that belongs to another account is refused.
    async fn upsert_accounts(&self, accounts: &[Account]) -> Result<()>;
    async fn account(&self, id: &AccountId) -> Result<Option<Account>>;
    async fn accounts(&self) -> Result<Vec<Account>>;
    async fn account_for_channel(&self, channel: &ChannelRef) -> Result<Option<Account>>;

    /// Inserts or updates people by id, all or none.
    async fn upsert_people(&self, people: &[Person]) -> Result<()>;
    async fn person(&self, id: &PersonId) -> Result<Option<Person>>;
    async fn people(&self) -> Result<Vec<Person>>;
    async fn person_by_handle(&self, platform: Platform, user: &UserId) -> Result<Option<Person>>;

    /// Opens a ticket with its `opened` event and the messages `render` builds for it.
    /// Opening again from the same origin message returns the existing ticket and `false`.
    async fn open_ticket(
        &self,
        ticket: &NewTicket,
        now: DateTime<Utc>,
        render: RenderOnOpen<'_>,
    ) -> Result<(Ticket, bool)>;
    async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>>;
    async fn ticket_by_key(&self, key: &TicketKey) -> Result<Option<Ticket>>;
    /// The ticket opened from this message, or whose conversation is this thread.
    async fn ticket_by_message(&self, channel: &ChannelRef, message: &MessageId) -> Result<Option<Ticket>>;
    async fn tickets(&self, filter: &TicketFilter) -> Result<Vec<Ticket>>;
    /// Saves a changed ticket (refused with [`StoreError::Conflict`] if it changed since it
    /// was read), appends its events and queues its messages, atomically. The card message
    /// and thread are not written here: only delivery of the card sets them.
    async fn apply(&self, change: TicketChange, now: DateTime<Utc>) -> Result<Ticket>;
    async fn events(&self, ticket: TicketId) -> Result<Vec<TicketEvent>>;
    /// Appends events to a ticket without changing it.
    async fn append_events(&self, ticket: TicketId, events: &[NewEvent], now: DateTime<Utc>) -> Result<()>;
    /// For each tag, the number of distinct accounts with a ticket carrying it, most first.
    async fn tag_reach(&self, namespace: Option<&str>, limit: i64) -> Result<Vec<(Tag, i64)>>;

    /// The latest delivered message of `purpose` for a ticket: where it went and its id
    /// (to update a handoff DM in place).
    async fn latest_delivered(
        &self,
        ticket: TicketId,
        purpose: OutboundPurpose,
    ) -> Result<Option<(OutboundMessage, MessageId)>>;

    /// Saves (or replaces) an account's health snapshot for a day.
    async fn save_health(&self, account: &AccountId, day: chrono::NaiveDate, health: &crate::health::Health) -> Result<()>;
    /// The latest snapshot on or before `day`.
    async fn health_on_or_before(
        &self,
        account: &AccountId,
        day: chrono::NaiveDate,
    ) -> Result<Option<(chrono::NaiveDate, crate::health::Health)>>;

    /// When a requester was last asked for CSAT on any ticket (the survey cooldown).
    async fn last_csat_request(&self, platform: Platform, user: &UserId) -> Result<Option<DateTime<Utc>>>;

    /// Records an inbound event before it is acknowledged. `false`: seen before.
    async fn record_inbound(
        &self,
        platform: Platform,
        event_id: &str,
        payload: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// Records several inbound events in one transaction, so that one commit (one fsync)
    /// makes the whole batch durable: the inbox's group commit. Returns, in order, whether
    /// each event was new; a repeat of an event earlier in the same batch counts as seen.
    async fn record_inbound_batch(&self, events: &[NewInbound], now: DateTime<Utc>) -> Result<Vec<bool>>;
    async fn unprocessed_inbound(&self, limit: i64) -> Result<Vec<InboxEntry>>;
    /// Claims up to `limit` unprocessed events until `lease_until`, oldest first; events
    /// another replica holds an unexpired claim on are skipped.
    async fn claim_inbound(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<InboxEntry>>;
    /// Marks an event processed (`error`: set aside as unreadable, with why) and forgets its
    /// handling's steps ([`effects`]).
    async fn finish_inbound(
        &self,
        platform: Platform,
        event_id: &str,
        now: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<()> {
        self.finish_inbound_many(&[(platform, event_id.to_string())], now, error).await
    }
    /// [`Store::finish_inbound`] for several events, in one transaction (the inbox finishes a
    /// claimed batch's handled events at once).
    async fn finish_inbound_many(&self, events: &[(Platform, String)], now: DateTime<Utc>, error: Option<&str>) -> Result<()>;
    /// Deletes events handled before `processed_before` (inbox retention); returns how many.
    /// Unhandled events are never deleted.
    async fn prune_inbound(&self, processed_before: DateTime<Utc>) -> Result<u64>;
    /// Gives back claims taken with [`Store::claim_inbound`] until `lease_until` on events that
    /// will not be handled under them, so they can be claimed again at once. Claims that
    /// expired and were taken by someone else meanwhile are left alone.
    async fn release_inbound(&self, events: &[(Platform, String)], lease_until: DateTime<Utc>) -> Result<()>;

    /// Queues messages outside any ticket change (e.g. an error reply).
    async fn enqueue(&self, messages: &[NewOutbound], now: DateTime<Utc>) -> Result<()>;
    /// Undelivered, live messages whose next attempt is due, oldest first.
    async fn due_outbound(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboundRow>>;
    /// Claims up to `limit` due messages until `lease_until`, oldest first, skipping those
    /// another replica holds.
    async fn claim_outbound(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<OutboundRow>>;
    /// Marks one message delivered ([`Store::mark_delivered_many`] for one).
    async fn mark_delivered(&self, id: i64, message: Option<&MessageId>, now: DateTime<Utc>) -> Result<()> {
        self.mark_delivered_many(&[Delivery { id, message: message.cloned(), at: now }]).await
    }
    /// Marks messages delivered, all in one transaction (the outbox marks what its lanes
    /// delivered together: one commit instead of one per message). A ticket card's message
    /// becomes its ticket's card and thread root where the ticket had none; of two cards of
    /// one ticket, the one queued first.
    async fn mark_delivered_many(&self, deliveries: &[Delivery]) -> Result<()>;
    /// Gives back claims taken with [`Store::claim_outbound`] until `lease_until` on messages
    /// that will not be attempted under them (see [`Store::release_inbound`]).
    async fn release_outbound(&self, ids: &[i64], lease_until: DateTime<Utc>) -> Result<()>;
    /// Records a failed attempt; `next_attempt` `None` parks the message as dead.
    async fn mark_failed(&self, id: i64, error: &str, next_attempt: Option<DateTime<Utc>>) -> Result<()>;
    async fn outbox(&self, dead_only: bool, limit: i64) -> Result<Vec<OutboundRow>>;
    /// Messages waiting (not delivered, not dead), and when the oldest was queued.
    async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>)>;
    /// Makes a dead (or waiting) message due again now; `false` if there is no such
    /// undelivered message.
    async fn retry_outbound(&self, id: i64, now: DateTime<Utc>) -> Result<bool>;

    // ----- digests and the signals API --------------------------------------------------

    /// Claims slot `slot` of digest `name` and queues `messages` in one transaction. Exactly
    /// one caller wins a slot, however many replicas try at once (the `digest_runs` primary
    /// key decides); `false`: the slot was claimed before and nothing was queued. `messages`
    /// `None` records the slot as passed over (nothing posted for it).
    async fn claim_digest_slot(
        &self,
        name: &str,
        slot: DateTime<Utc>,
        late: bool,
        messages: Option<&[NewOutbound]>,
        now: DateTime<Utc>,
    ) -> Result<bool>;
    /// The latest claimed slot of a digest (posted or passed over).
    async fn last_digest_slot(&self, name: &str) -> Result<Option<DateTime<Utc>>>;
    /// A digest's claimed slots, latest first.
    async fn digest_runs(&self, name: &str, limit: i64) -> Result<Vec<DigestRun>>;
    /// The event logs of many tickets at once, by ticket, each in log order: whole, or only
    /// the events of `kinds` ([`crate::domain::EventKind::name`]s).
    async fn events_of(&self, tickets: &[TicketId], kinds: Option<&[&str]>) -> Result<BTreeMap<TicketId, Vec<TicketEvent>>>;
    /// The active tickets the SLA sweep evaluates, by id: all of them (`due_by` `None`), or
    /// only those whose next check is at or before `due_by` (index `tickets(status,
    /// sla_next_check_at)`). Opening a ticket, [`Store::apply`], [`Store::append_events`] and a
    /// change of an account's tier make the tickets concerned due at the change's time.
    async fn sla_candidates(&self, due_by: Option<DateTime<Utc>>) -> Result<Vec<SlaCandidate>>;
    /// Stores swept tickets' next checks, in bulk, without changing their `version`. A ticket
    /// whose version or stamp moved since it was read (a concurrent change, which made it due
    /// again) keeps what that change wrote. Returns how many were written.
    async fn set_sla_next_checks(&self, checks: &[SlaNextCheck]) -> Result<u64>;
    /// A value baton keeps about itself under `name` (table `bot_state`), if set.
    async fn bot_state(&self, name: &str) -> Result<Option<String>>;
    /// Sets (or replaces) the value under `name`.
    async fn set_bot_state(&self, name: &str, value: &str) -> Result<()>;
    /// The tickets a [`LogQuery`] selects, by id, each with its events of the query's kinds in
    /// log order (tickets without such events have an empty log): two statements in one read
    /// transaction, so the logs are those of the listed tickets as they stood together.
    async fn ticket_logs(&self, query: &LogQuery<'_>) -> Result<Vec<(Ticket, Vec<TicketEvent>)>>;
    /// What accounts' health reads at a time whose health window starts at `since`, in ticket
    /// id order: the active tickets and the tickets with an event of
    /// [`crate::health::HEALTH_WINDOW_KINDS`] since then, each with its status, its log's
    /// facts and those events (none for an active ticket without any). Every other ticket
    /// and event leaves every account's health as it is. One read transaction.
    async fn health_tickets(&self, since: DateTime<Utc>) -> Result<Vec<crate::health::HealthTicket>>;
    /// The value of one imported signal on every account that has it, in no particular order
    /// (for figures over all accounts, such as the team digest's NPS): one number per account
    /// instead of whole accounts.
    async fn signal_values(&self, name: &crate::domain::SignalName) -> Result<Vec<f64>>;
    /// Every account's tier, by account (for choosing SLA policies in bulk).
    async fn account_tiers(&self) -> Result<BTreeMap<AccountId, crate::domain::Tier>>;
    /// The tiers of these accounts (unknown ones are left out).
    async fn account_tiers_of(&self, accounts: &[AccountId]) -> Result<BTreeMap<AccountId, crate::domain::Tier>>;
    /// For every account with one, its latest health snapshot on or before `day` (the batch
    /// form of [`Store::health_on_or_before`]).
    async fn health_on_or_before_all(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<BTreeMap<AccountId, (chrono::NaiveDate, crate::health::Health)>>;
    /// Saves (or replaces) many accounts' health snapshots for a day, in one transaction.
    async fn save_health_many(&self, day: chrono::NaiveDate, health: &[(AccountId, crate::health::Health)]) -> Result<()>;
    /// Merges `changes` into an account's signals atomically (`None` removes a signal) and
    /// returns the signals after the merge; `None` for an unknown account.
    async fn merge_account_signals(
        &self,
        account: &AccountId,
        changes: &BTreeMap<crate::domain::SignalName, Option<f64>>,
        now: DateTime<Utc>,
    ) -> Result<Option<BTreeMap<crate::domain::SignalName, f64>>>;
}

/// One claimed slot of a scheduled digest.
#[derive(Clone, Debug, PartialEq)]
pub struct DigestRun {
    pub name: String,
    pub slot: DateTime<Utc>,
    pub claimed_at: DateTime<Utc>,
    /// `None`: the slot was passed over.
    pub posted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub messages: i64,
}

/// Opens the store for a `sqlite://…` or `postgres://…` URL. Does not migrate.
pub async fn connect(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let opts = PgConnectOptions::from_str(url)?;
        Ok(Arc::new(PgStore::connect_with(opts).await?))
    } else {
        Err(StoreError::BadUrl(url.to_string()))
    }
}

/// Pages the SQLite write-ahead log holds before the writer copies them into the database
/// file (see [`SqliteStore::connect`]).
const WAL_CHECKPOINT_PAGES: u32 = 10_000;

impl SqliteStore {
    /// Opens (creating if needed) a SQLite database in WAL mode.
    pub async fn connect(url: &str) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // Commits survive a crash of baton without waiting for the disk; only the inbox's
            // commits (what baton has acknowledged to a platform) are synced, which also syncs
            // everything before them. A power loss can therefore roll back the last moments of
            // work done *from* the inbox, never an acknowledged event: that work is redone from
            // the inbox on restart. (One fsync costs ~5 ms on a cloud disk: syncing every
            // commit would cap baton at ~200 changes a second.)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let in_memory = opts.get_filename().to_str().is_none_or(|f| f.is_empty() || f.contains(":memory:"));
        // In-process connections: nothing between baton and the file can cut them, so they are
        // handed out without sqlx's check (a round trip to the connection's thread each time).
        let pool = SqlitePoolOptions::new().max_connections(4).test_before_acquire(false).connect_with(opts.clone()).await?;
        if in_memory {
            // Each connection to `:memory:` is its own database: one pool for everything.
            return Ok(Self::new(pool));
        }
        // SQLite has one writer at a time. Writes go through one connection, so baton's own
        // writers queue for it in order and start the moment it is free; on a pool of several
        // they would collide and wait in SQLite's busy handler, which sleeps in steps of
        // milliseconds. Writers queued together share a transaction and its commit (`group`).
        // Reads use the others (WAL: readers never wait for the writer).
        //
        // The writer checkpoints the log into the database file every `WAL_CHECKPOINT_PAGES`
        // pages instead of SQLite's 1,000: a checkpoint copies each page once however often
        // it changed since the last one, and a ticket's writes change the same few index and
        // table pages over and over, so checkpoints ten times as far apart copy far fewer
        // pages per write (the log grows to ~40 MB before it is copied and reused).
        let writer_opts = opts.pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string());
        let writer = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_with(writer_opts).await?;
        Ok(Self::with_writer(pool, writer))
    }
}

/// How long a PostgreSQL connection may sit idle and still be handed out unchecked.
const PG_CHECK_IDLE_AFTER: Duration = Duration::from_secs(10);

impl PgStore {
    /// baton's session settings on top of `opts`: commits do not wait for the WAL flush,
    /// except the inbox's (see [`SqliteStore::connect`] for why that is safe).
    pub fn session_options(opts: PgConnectOptions) -> PgConnectOptions {
        opts.options([("synchronous_commit", "off")])
    }

    pub async fn connect_with(opts: PgConnectOptions) -> Result<Self> {
        let opts = Self::session_options(opts);
        let pool = PgPoolOptions::new()
            .max_connections(10)
            // A connection is checked with a round trip before it is handed out only when it
            // sat idle long enough to have been cut (a restarted server, a proxy's idle
            // timeout); one in steady use is not: that check was a round trip per statement
            // or transaction, as many as the work itself on a ticket's reads. (sqlx still
            // checks each connection as it comes back, so a broken one is not reused.)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PG_CHECK_IDLE_AFTER {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        Ok(Self::new(pool))
    }
}

/// Converts stored text back into a domain value, reporting corrupt data.
fn parse_col<T: FromStr>(column: &str, value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("column {column} holds `{value}`: {e}")))
}

fn handles_map(rows: Vec<(String, String)>) -> Result<BTreeMap<Platform, UserId>> {
    rows.into_iter()
        .map(|(p, u)| Ok((parse_col::<Platform>("platform", &p)?, parse_col::<UserId>("user_id", &u)?)))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
