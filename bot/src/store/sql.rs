//! The SQL behind [`Store`], written once and compiled for SQLite and for PostgreSQL.
//!
//! Both databases accept the same statements here (`$n` parameters, `ON CONFLICT`,
//! `RETURNING`); the column types differ only in the migrations. A macro instantiates the
//! implementation for each pool type so each keeps sqlx's native types (no `Any` driver).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use baton_chat::{ChannelRef, MessageId, OutboundMessage, Platform, UserId};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use futures_util::TryStreamExt;
use sqlx::types::Json;
use sqlx::Row;

use super::{
    handles_map, parse_col, Backend, Delivery, InboxEntry, NewInbound, NewOutbound, OutboundPurpose, OutboundRow,
    LogQuery, RenderOnOpen, Result, SlaCandidate, SlaNextCheck, Store, StoreError, TicketChange, TicketFilter,
};
use crate::domain::{
    Account, AccountId, Actor, Arr, Currency, EventKind, KeyPrefix, Locale, LogFacts, LogFactsChange, Name, NewEvent,
    NewTicket, Origin, Person, PersonId, Requester, SignalName, Tag, Ticket, TicketEvent,
    TicketId, TicketKey, TicketStatus, Tier, Title,
};

macro_rules! ticket_cols {
    () => {
        "id, key, account_id, requester_platform, requester_user, requester_name, \
         requester_person, title, status, priority, assignee, tags, origin_platform, \
         origin_channel, origin_message, origin_thread, card_message, opened_at, created_at, \
         updated_at, follow_up_of, version"
    };
}

/// The assignments that move a ticket's log facts (`unanswered`, `escalation_level`) by a
/// [`LogFactsChange`]: its `answered`, `unanswered_added` and `escalation_level` are the
/// statement's parameters `$1`, `$2` and `$3` (the stores' `bind_log_facts` binds them).
///
/// [`LogFactsChange`]: crate::domain::LogFactsChange
macro_rules! log_facts_set {
    () => {
        "unanswered = CASE WHEN $1 THEN 0 ELSE unanswered END + $2, escalation_level = COALESCE($3, escalation_level)"
    };
}

macro_rules! outbox_cols {
    () => {
        "id, platform, message, ticket_id, purpose, attempts, created_at, delivered_at, \
         delivered_message, last_error, dead"
    };
}

/// Times are stored to the microsecond on both databases (PostgreSQL's precision, and what
/// SQLite then also keeps), so a value reads back as it was returned, whatever the backend.
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// Checks an account can be stored as it is; returns its ARR as stored (a signed integer).
fn storable_account(a: &Account) -> Result<Option<i64>> {
    // JSON has no NaN or infinity: serde_json would write `null`, which then fails to load.
    if let Some((name, value)) = a.signals.iter().find(|(_, v)| !v.is_finite()) {
        return Err(StoreError::Invalid(format!(
            "signal `{name}` of account `{}` is {value}; signals must be finite numbers",
            a.id
        )));
    }
    a.arr
        .map(|x| {
            i64::try_from(x.amount()).map_err(|_| {
                StoreError::Invalid(format!("the ARR of account `{}` ({}) is too large to store", a.id, x.amount()))
            })
        })
        .transpose()
}

/// The statuses of active tickets as an SQL list: `'new', 'open', …`.
fn active_statuses() -> String {
    TicketStatus::ALL.iter().filter(|s| s.is_active()).map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

fn opt_parse<T: std::str::FromStr>(column: &str, v: Option<String>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    v.map(|s| parse_col(column, &s)).transpose()
}

/// Decodes rows as the database hands them over, instead of collecting them first: bulk reads
/// (a digest's hundreds of thousands of tickets) then hold only the decoded values, not every
/// row's copied column values as well, which cost more memory than the values and most of the
/// time (fresh pages, allocator) on SQLite.
async fn decode_each<R, T, E>(
    rows: impl futures_util::Stream<Item = std::result::Result<R, sqlx::Error>>,
    mut decode: impl FnMut(R) -> std::result::Result<T, E>,
) -> Result<Vec<T>>
where
    StoreError: From<E>,
{
    let mut rows = std::pin::pin!(rows);
    let mut out = Vec::new();
    while let Some(r) = rows.try_next().await? {
        out.push(decode(r)?);
    }
    Ok(out)
}

/// A ticket's columns as stored ([`ticket_cols!`], in that order), before they are parsed into
/// a [`Ticket`]: read from a row, or from a JSON array of the same columns (bulk reads, see
/// [`pack_sql`]).
#[derive(serde::Deserialize, sqlx::FromRow)]
struct TicketColumns {
    id: i64,
    key: String,
    account_id: Option<String>,
    requester_platform: String,
    requester_user: String,
    requester_name: String,
    requester_person: Option<String>,
    title: String,
    status: String,
    priority: String,
    assignee: Option<String>,
    #[sqlx(json)]
    tags: BTreeSet<Tag>,
    origin_platform: String,
    origin_channel: String,
    origin_message: Option<String>,
    origin_thread: Option<String>,
    card_message: Option<String>,
    opened_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    follow_up_of: Option<i64>,
    version: i64,
}

impl TicketColumns {
    fn into_ticket(self) -> Result<Ticket> {
        Ok(Ticket {
            id: TicketId(self.id),
            key: parse_col::<TicketKey>("key", &self.key)?,
            account: opt_parse("account_id", self.account_id)?,
            requester: Requester {
                platform: parse_col("requester_platform", &self.requester_platform)?,
                user: parse_col("requester_user", &self.requester_user)?,
                display_name: self.requester_name,
                person: opt_parse("requester_person", self.requester_person)?,
            },
            title: parse_col::<Title>("title", &self.title)?,
            status: parse_col("status", &self.status)?,
            priority: parse_col("priority", &self.priority)?,
            assignee: opt_parse("assignee", self.assignee)?,
            tags: self.tags,
            origin: Origin {
                channel: ChannelRef::new(
                    parse_col("origin_platform", &self.origin_platform)?,
                    parse_col("origin_channel", &self.origin_channel)?,
                ),
                message: opt_parse("origin_message", self.origin_message)?,
                thread: opt_parse("origin_thread", self.origin_thread)?,
            },
            card_message: opt_parse("card_message", self.card_message)?,
            opened_at: self.opened_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            follow_up_of: self.follow_up_of.map(TicketId),
            version: self.version,
        })
    }
}

/// A `ticket_events` row's columns (`id, ticket_id, data, actor, occurred_at, recorded_at`)
/// as a JSON array (bulk reads, see [`pack_sql`]).
#[derive(serde::Deserialize)]
struct EventColumns(i64, i64, EventKind, Actor, DateTime<Utc>, DateTime<Utc>);

impl From<EventColumns> for TicketEvent {
    fn from(EventColumns(id, ticket, kind, actor, occurred_at, recorded_at): EventColumns) -> Self {
        TicketEvent { id, ticket: TicketId(ticket), kind, actor, occurred_at, recorded_at }
    }
}

/// What [`Store::health_tickets`] reads of a ticket ([`HEALTH_TICKET_COLUMNS`], in that
/// order): from a row, or from a JSON array of the same columns (SQLite, see [`pack_sql`]).
#[derive(serde::Deserialize, sqlx::FromRow)]
struct HealthTicketColumns {
    id: i64,
    account_id: Option<String>,
    status: String,
    unanswered: i32,
    escalation_level: i32,
}

const HEALTH_TICKET_COLUMNS: &[&str] = &["id", "account_id", "status", "unanswered", "escalation_level"];

impl HealthTicketColumns {
    fn into_health_ticket(self) -> Result<crate::health::HealthTicket> {
        let count = |name: &str, v: i32| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("ticket {}: {name} {v}", self.id)));
        Ok(crate::health::HealthTicket {
            id: TicketId(self.id),
            account: opt_parse("account_id", self.account_id)?,
            status: parse_col("status", &self.status)?,
            facts: LogFacts { unanswered: count("unanswered", self.unanswered)?, escalation_level: count("escalation_level", self.escalation_level)? },
            events: Vec::new(),
        })
    }
}

/// An account's columns as stored, before they are parsed into an [`Account`]: read from a
/// row, or from a JSON array (bulk reads, see `pack_sql`).
#[derive(serde::Deserialize, sqlx::FromRow)]
struct AccountColumns {
    id: String,
    name: String,
    tier: String,
    arr: Option<i64>,
    currency: Option<String>,
    renewal_date: Option<NaiveDate>,
    csm: Option<String>,
    key_prefix: Option<String>,
    locale: Option<String>,
    #[sqlx(json)]
    signals: BTreeMap<SignalName, f64>,
}

impl AccountColumns {
    /// The account, with its channels taken from `channels` (by account id).
    fn into_account(self, channels: &mut BTreeMap<String, BTreeSet<ChannelRef>>) -> Result<Account> {
        let currency = match &self.currency {
            Some(c) => Currency::parse(c).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            None => Currency::USD,
        };
        let arr = self
            .arr
            .map(|a| Arr::from_signed(a, currency))
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Account {
            id: parse_col("id", &self.id)?,
            name: parse_col::<Name>("name", &self.name)?,
            tier: parse_col::<Tier>("tier", &self.tier)?,
            arr,
            renewal_date: self.renewal_date,
            csm: opt_parse::<PersonId>("csm", self.csm)?,
            key_prefix: opt_parse::<KeyPrefix>("key_prefix", self.key_prefix)?,
            channels: channels.remove(&self.id).unwrap_or_default(),
            signals: self.signals,
            locale: opt_parse::<Locale>("locale", self.locale)?,
        })
    }
}

/// The columns of a `ticket_events` row, in [`EventColumns`]' order.
const EVENT_COLUMNS: &[&str] = &["id", "ticket_id", "data", "actor", "occurred_at", "recorded_at"];

/// Rows per JSON array in bulk reads (see [`pack_sql`]).
const PACK: i64 = 1024;

/// Inbound events one `INSERT` statement takes (4 parameters each: well under SQLite's
/// 32,766 and PostgreSQL's 65,535 bound parameters).
const INBOX_INSERT_ROWS: usize = 512;

/// (platform, event id) pairs one `IN (VALUES …)` list takes.
const KEY_LIST_ROWS: usize = 500;

/// Rows one multi-row `INSERT` of ticket events, outbox messages or tags takes (at most 6
/// parameters each).
const INSERT_ROWS: usize = 256;

/// SQLite: the select list that reads bulk rows as JSON arrays of their columns, `PACK` rows
/// to a result row (with `GROUP BY id / PACK`, or one page). Per result row, SQLite's driver
/// copies every value and hands the row to another thread, and that per-row cost was most of
/// the time of a digest reading 100,000 tickets (about 20 µs a row, where SQLite produces one
/// in about 1 µs); a JSON array of a thousand rows pays it once. PostgreSQL's driver decodes
/// rows from its socket buffer in the task that reads them, so it reads plain rows (building
/// the same arrays there was slower).
fn pack_sql(columns: &[&str], json_columns: &[&str]) -> String {
    let cols: Vec<String> =
        columns.iter().map(|c| if json_columns.contains(c) { format!("json({c})") } else { (*c).to_string() }).collect();
    format!("json_group_array(json_array({}))", cols.join(", "))
}

/// The rows of one [`pack_sql`] result (`None`: an aggregate over no rows); `what` names them
/// in the error a damaged row gives.
fn unpack<T: serde::de::DeserializeOwned>(text: Option<&str>, what: &str) -> Result<Vec<T>> {
    match text {
        Some(t) => serde_json::from_str(t).map_err(|e| StoreError::Corrupt(format!("{what}: {e}"))),
        None => Ok(Vec::new()),
    }
}

/// Whether `e` is the duplicate of an event's step already recorded (`store::effects`): the
/// write it stood for was made by an earlier handling of the event.
fn step_taken(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            // PostgreSQL names the constraint; SQLite names the table in the message.
            d.constraint().is_some_and(|c| c.starts_with("inbound_effects")) || d.message().contains("inbound_effects.")
        }
        _ => false,
    }
}

/// Several writes sent to the database as one: the writer's time goes per round trip, and a
/// ticket's writes are several small statements. SQLite's driver runs `a; b; c` in one call;
/// PostgreSQL runs `WITH p0 AS (a), p1 AS (b) c` as one statement (the parts touch different
/// tables, so their order does not matter there). A part that the next one reads by name
/// (PostgreSQL) ends with `RETURNING`.
struct Chain<'b, 'q, DB: sqlx::Database> {
    qb: &'b mut sqlx::QueryBuilder<'q, DB>,
    cte: bool,
    parts: usize,
    started: usize,
}

impl<'b, 'q, DB: sqlx::Database> Chain<'b, 'q, DB> {
    fn new(qb: &'b mut sqlx::QueryBuilder<'q, DB>, cte: bool, parts: usize) -> Self {
        Self { qb, cte, parts, started: 0 }
    }

    /// Starts the next part (`name`: what later parts call it, PostgreSQL only).
    fn part(&mut self, name: &str) -> &mut sqlx::QueryBuilder<'q, DB> {
        let (k, last) = (self.started, self.started + 1 == self.parts);
        self.started += 1;
        if self.cte {
            match (k, last) {
                (0, true) => {}
                (0, false) => {
                    self.qb.push(format_args!("WITH {name} AS ("));
                }
                (_, false) => {
                    self.qb.push(format_args!("), {name} AS ("));
                }
                (_, true) => {
                    self.qb.push(") ");
                }
            }
        } else if k > 0 {
            self.qb.push("; ");
        }
        self.qb
    }

    /// The builder, to go on with the current part.
    fn qb(&mut self) -> &mut sqlx::QueryBuilder<'q, DB> {
        self.qb
    }
}

macro_rules! sql_store {
    ($(#[$doc:meta])* $name:ident, $db:ty, $backend:expr, $begin:literal, $skip_locked:literal,
     $chain_sql:literal, $migrator:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name {
            /// Reads (and, where the two are the same pool, writes).
            pool: sqlx::Pool<$db>,
            /// Every write: transactions and single-statement changes.
            writer: sqlx::Pool<$db>,
            /// Where `writer` is one connection: concurrent writes share its transactions
            /// (`group`), the inbox's first.
            group: Option<std::sync::Arc<super::group::WriteGroup<$db>>>,
        }

        impl $name {
            /// A store reading and writing through one pool.
            pub fn new(pool: sqlx::Pool<$db>) -> Self {
                Self { writer: pool.clone(), pool, group: None }
            }

            /// A store that writes through `writer`, a pool of one connection, and reads
            /// through `pool` (both on the same database).
            pub fn with_writer(pool: sqlx::Pool<$db>, writer: sqlx::Pool<$db>) -> Self {
                Self { pool, group: Some(std::sync::Arc::new(super::group::WriteGroup::new(writer.clone(), $begin))), writer }
            }

            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }

            /// A write transaction (on SQLite, a part of the writer's group: see
            /// [`super::group`]).
            async fn begin(&self) -> Result<super::group::Write<$db>> {
                self.begin_write(false).await
            }

            /// For a write of one statement: on SQLite a part of the writer's group, elsewhere a
            /// pooled connection in autocommit (no `BEGIN` and `COMMIT` round trips).
            async fn begin_single(&self) -> Result<super::group::Write<$db>> {
                match &self.group {
                    Some(_) => self.begin().await,
                    None => Ok(super::group::Write::Single(self.writer.acquire().await?)),
                }
            }

            /// For a write of `statements` statements: one needs no transaction
            /// ([`Self::begin_single`]), more do ([`Self::begin`]).
            async fn begin_for(&self, statements: usize) -> Result<super::group::Write<$db>> {
                if statements <= 1 {
                    self.begin_single().await
                } else {
                    self.begin().await
                }
            }

            /// A write transaction; an `urgent` one goes ahead of the other writers.
            async fn begin_write(&self, urgent: bool) -> Result<super::group::Write<$db>> {
                Ok(match &self.group {
                    Some(group) => super::group::Write::Part(group.join(urgent).await?),
                    None => super::group::Write::Own(self.writer.begin_with($begin).await?),
                })
            }

            /// A read-only transaction on the read pool: its statements see the database as it
            /// stood at one moment (REPEATABLE READ on PostgreSQL; on SQLite, WAL readers do).
            async fn read_snapshot(&self) -> Result<sqlx::Transaction<'static, $db>> {
                let begin = match $backend {
                    Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                    Backend::Sqlite => "BEGIN",
                };
                Ok(self.pool.begin_with(begin).await?)
            }

            /// Pushes the ids of the tickets `q` selects, as a subquery body (`SELECT … UNION …`);
            /// false when it selects none.
            fn push_log_selection(qb: &mut sqlx::QueryBuilder<'_, $db>, q: &LogQuery<'_>) -> bool {
                if q.only_active {
                    qb.push("SELECT id FROM tickets WHERE status IN (").push(active_statuses()).push(") AND id IN (");
                    let any = Self::push_log_selection(qb, &LogQuery { only_active: false, ..*q });
                    qb.push(")");
                    return any;
                }
                let mut parts = 0;
                let mut union = |qb: &mut sqlx::QueryBuilder<'_, $db>| {
                    if parts > 0 {
                        qb.push(" UNION ");
                    }
                    parts += 1;
                };
                if let Some(since) = q.opened_since {
                    union(qb);
                    qb.push("SELECT id FROM tickets WHERE opened_at >= ").push_bind(micros(since));
                }
                if let Some((since, kinds)) = q.touched_since {
                    union(qb);
                    qb.push("SELECT ticket_id FROM ticket_events WHERE ");
                    if !kinds.is_empty() {
                        // `ticket_events_kind_time (kind, occurred_at)`; otherwise the covering
                        // `ticket_events_occurred (occurred_at, ticket_id)`.
                        <$db as ListBind>::push_texts_in(qb, "kind", kinds);
                        qb.push(" AND ");
                    }
                    qb.push("occurred_at >= ").push_bind(micros(since));
                }
                if q.active {
                    union(qb);
                    qb.push("SELECT id FROM tickets WHERE status IN (").push(active_statuses()).push(")");
                    if let Some(by) = q.active_checked_by {
                        qb.push(" AND sla_next_check_at <= ").push_bind(micros(by));
                    }
                }
                parts > 0
            }

            /// Pushes `SELECT {select} FROM tickets …` for the tickets `q` selects, then `group`
            /// (SQLite's packing, PostgreSQL's order), or (PostgreSQL, with the active tickets
            /// among them) the active tickets by status (`tickets_sla_next_check`) and the
            /// others by id: as one list of ids, the planner hashed the selection and read every
            /// ticket to probe it (950 ms with 100,000 active tickets of 1,000,000, against about
            /// 100 ms by status). False when `q` selects none.
            fn push_tickets_selected(qb: &mut sqlx::QueryBuilder<'_, $db>, select: &str, group: &str, q: &LogQuery<'_>) -> bool {
                let others = LogQuery { active: false, ..*q };
                match $backend {
                    Backend::Postgres if q.active && !q.only_active => {
                        let active = active_statuses();
                        qb.push(format!("SELECT {select} FROM tickets WHERE status IN ({active})"));
                        if let Some(by) = q.active_checked_by {
                            qb.push(" AND sla_next_check_at <= ").push_bind(micros(by));
                        }
                        if others.opened_since.is_some() || others.touched_since.is_some() {
                            // The others: every ticket the first part did not read.
                            qb.push(format!(" UNION ALL SELECT {select} FROM tickets WHERE (status NOT IN ({active})"));
                            if let Some(by) = q.active_checked_by {
                                qb.push(" OR sla_next_check_at IS NULL OR sla_next_check_at > ").push_bind(micros(by));
                            }
                            qb.push(") AND id IN (");
                            Self::push_log_selection(qb, &others);
                            qb.push(")");
                        }
                        true
                    }
                    _ => {
                        qb.push(format!("SELECT {select} FROM tickets WHERE id IN ("));
                        let any = Self::push_log_selection(qb, q);
                        qb.push(")").push(group);
                        any
                    }
                }
            }

            fn ticket_from_row(r: &<$db as sqlx::Database>::Row) -> Result<Ticket> {
                <TicketColumns as sqlx::FromRow<'_, _>>::from_row(r)?.into_ticket()
            }

            /// ` AND kind IN (…)` for a list of event kinds (`None`: any; empty: none).
            fn push_kinds(qb: &mut sqlx::QueryBuilder<'_, $db>, kinds: Option<&[&str]>) {
                match kinds {
                    Some([]) => {
                        qb.push(" AND 1 = 0");
                    }
                    Some(kinds) => {
                        qb.push(" AND ");
                        <$db as ListBind>::push_texts_in(qb, "kind", kinds);
                    }
                    None => {}
                }
            }

            /// The events of these tickets (of `kinds`, see [`Self::push_kinds`]), in ticket and
            /// log order, read in lists of ids ([`ListBind`]); on SQLite each list's events come
            /// as one JSON array (see `pack_sql`).
            async fn events_by_ids(
                conn: &mut <$db as sqlx::Database>::Connection,
                ids: &[i64],
                kinds: Option<&[&str]>,
            ) -> Result<Vec<TicketEvent>> {
                let select = match $backend {
                    Backend::Sqlite => pack_sql(EVENT_COLUMNS, &["data", "actor"]),
                    Backend::Postgres => EVENT_COLUMNS.join(", "),
                };
                let mut events = Vec::new();
                for chunk in ids.chunks(<$db as ListBind>::MAX_LIST) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(format!("SELECT {select} FROM "));
                    match $backend {
                        Backend::Sqlite => {
                            qb.push("ticket_events WHERE ");
                            <$db as ListBind>::push_ids_in(&mut qb, "ticket_id", chunk);
                        }
                        // The tickets' logs by `ticket_events_ticket`, then their kinds: `OFFSET
                        // 0` keeps PostgreSQL from also reading every event of a rare kind
                        // (`sla_breached`) from `ticket_events_kind_time` to intersect them
                        // (45 ms a list instead of 3).
                        Backend::Postgres => {
                            qb.push(format!("(SELECT {select}, kind FROM ticket_events WHERE "));
                            <$db as ListBind>::push_ids_in(&mut qb, "ticket_id", chunk);
                            qb.push(" OFFSET 0) e WHERE 1 = 1");
                        }
                    }
                    Self::push_kinds(&mut qb, kinds);
                    events.extend(Self::fetch_events(&mut *conn, &mut qb).await?);
                }
                events.sort_unstable_by_key(|e| (e.ticket, e.id));
                Ok(events)
            }

            /// The events a query over `ticket_events` reads ([`EVENT_COLUMNS`]; on SQLite packed,
            /// see `pack_sql`, one pack per result row, `NULL` for none), decoded as they come,
            /// in the order they come.
            async fn fetch_events(
                conn: &mut <$db as sqlx::Database>::Connection,
                qb: &mut sqlx::QueryBuilder<'_, $db>,
            ) -> Result<Vec<TicketEvent>> {
                match $backend {
                    Backend::Sqlite => {
                        let packs = decode_each(qb.build_query_scalar::<Option<String>>().fetch(&mut *conn), |text| {
                            unpack::<EventColumns>(text.as_deref(), "ticket events")
                        })
                        .await?;
                        Ok(packs.into_iter().flatten().map(TicketEvent::from).collect())
                    }
                    Backend::Postgres => decode_each(qb.build().fetch(&mut *conn), |r| Self::event_from_row(&r)).await,
                }
            }

            /// A `ticket_events` row (`id, ticket_id, data, actor, occurred_at, recorded_at`).
            fn event_from_row(r: &<$db as sqlx::Database>::Row) -> Result<TicketEvent> {
                let kind: Json<EventKind> = r.try_get("data")?;
                let actor: Json<Actor> = r.try_get("actor")?;
                Ok(TicketEvent {
                    id: r.try_get("id")?,
                    ticket: TicketId(r.try_get("ticket_id")?),
                    kind: kind.0,
                    actor: actor.0,
                    occurred_at: r.try_get("occurred_at")?,
                    recorded_at: r.try_get("recorded_at")?,
                })
            }

            fn inbox_from_row(r: &<$db as sqlx::Database>::Row) -> Result<InboxEntry> {
                let payload: Json<serde_json::Value> = r.try_get("payload")?;
                Ok(InboxEntry {
                    platform: parse_col("platform", &r.try_get::<String, _>("platform")?)?,
                    event_id: r.try_get("event_id")?,
                    payload: payload.0,
                    received_at: r.try_get("received_at")?,
                })
            }

            fn outbound_from_row(r: &<$db as sqlx::Database>::Row) -> Result<OutboundRow> {
                let message: Json<OutboundMessage> = r.try_get("message")?;
                Ok(OutboundRow {
                    id: r.try_get("id")?,
                    platform: parse_col("platform", &r.try_get::<String, _>("platform")?)?,
                    message: message.0,
                    ticket: r.try_get::<Option<i64>, _>("ticket_id")?.map(TicketId),
                    purpose: OutboundPurpose::parse(&r.try_get::<String, _>("purpose")?)?,
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                    delivered_at: r.try_get("delivered_at")?,
                    delivered_message: opt_parse("delivered_message", r.try_get("delivered_message")?)?,
                    last_error: r.try_get("last_error")?,
                    dead: r.try_get("dead")?,
                })
            }

            async fn accounts_where(
                &self,
                id: Option<&AccountId>,
            ) -> Result<Vec<Account>> {
                match id {
                    // One account (every inbound event looks one up): no transaction.
                    Some(_) => Self::accounts_on(&mut *self.pool.acquire().await?, id).await,
                    // Every account: accounts and channels as they stood together.
                    None => {
                        let mut tx = self.read_snapshot().await?;
                        let out = Self::accounts_on(&mut tx, None).await?;
                        tx.commit().await?;
                        Ok(out)
                    }
                }
            }

            async fn accounts_on(
                conn: &mut <$db as sqlx::Database>::Connection,
                id: Option<&AccountId>,
            ) -> Result<Vec<Account>> {
                const COLUMNS: &[&str] =
                    &["id", "name", "tier", "arr", "currency", "renewal_date", "csm", "key_prefix", "locale", "signals"];
                let channel_rows: Vec<(String, String, String)> = match id {
                    Some(id) => sqlx::query_as(
                        "SELECT platform, channel, account_id FROM account_channels WHERE account_id = $1",
                    )
                    .bind(id.as_str())
                    .fetch_all(&mut *conn)
                    .await?,
                    None => match $backend {
                        // Every channel as one JSON array (see `pack_sql`).
                        Backend::Sqlite => {
                            let sql = format!("SELECT {} FROM account_channels", pack_sql(&["platform", "channel", "account_id"], &[]));
                            let text: Option<String> = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await?;
                            unpack(text.as_deref(), "account channels")?
                        }
                        Backend::Postgres => sqlx::query_as("SELECT platform, channel, account_id FROM account_channels").fetch_all(&mut *conn).await?,
                    },
                };
                let mut channels: BTreeMap<String, BTreeSet<ChannelRef>> = BTreeMap::new();
                for (p, c, account) in channel_rows {
                    channels.entry(account).or_default().insert(ChannelRef::new(parse_col("platform", &p)?, parse_col("channel", &c)?));
                }
                let from_row = |r: <$db as sqlx::Database>::Row| -> Result<Account> {
                    <AccountColumns as sqlx::FromRow<'_, _>>::from_row(&r)?.into_account(&mut channels)
                };
                let out = match (id, $backend) {
                    (Some(id), _) => {
                        let sql = format!("SELECT {} FROM accounts WHERE id = $1", COLUMNS.join(", "));
                        decode_each(sqlx::query(&sql).bind(id.as_str()).fetch(&mut *conn), from_row).await?
                    }
                    (None, Backend::Postgres) => {
                        let sql = format!("SELECT {} FROM accounts ORDER BY id", COLUMNS.join(", "));
                        decode_each(sqlx::query(&sql).fetch(&mut *conn), from_row).await?
                    }
                    // Every account, in pages by id, each page one JSON array (see `pack_sql`).
                    (None, Backend::Sqlite) => {
                        let sql = format!(
                            "SELECT {} FROM (SELECT {} FROM accounts WHERE id > $1 ORDER BY id LIMIT {PACK}) page",
                            pack_sql(COLUMNS, &["signals"]),
                            COLUMNS.join(", ")
                        );
                        let mut out = Vec::new();
                        let mut after = String::new();
                        loop {
                            let text: Option<String> = sqlx::query_scalar(&sql).bind(&after).fetch_one(&mut *conn).await?;
                            let page: Vec<AccountColumns> = unpack(text.as_deref(), "accounts")?;
                            let full = page.len() as i64 == PACK;
                            if let Some(last) = page.iter().map(|a| &a.id).max() {
                                after = last.clone();
                            }
                            for a in page {
                                out.push(a.into_account(&mut channels)?);
                            }
                            if !full {
                                break;
                            }
                        }
                        out.sort_unstable_by(|a, b| a.id.cmp(&b.id));
                        out
                    }
                };
                Ok(out)
            }

            async fn people_where(&self, id: Option<&PersonId>) -> Result<Vec<Person>> {
                let rows = match id {
                    Some(id) => sqlx::query("SELECT * FROM people WHERE id = $1")
                        .bind(id.as_str())
                        .fetch_all(&self.pool)
                        .await?,
                    None => sqlx::query("SELECT * FROM people ORDER BY id").fetch_all(&self.pool).await?,
                };
                let handle_rows = match id {
                    Some(id) => sqlx::query("SELECT platform, user_id, person_id FROM person_handles WHERE person_id = $1")
                        .bind(id.as_str())
                        .fetch_all(&self.pool)
                        .await?,
                    None => sqlx::query("SELECT platform, user_id, person_id FROM person_handles")
                        .fetch_all(&self.pool)
                        .await?,
                };
                let mut handles: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
                for r in &handle_rows {
                    handles
                        .entry(r.try_get("person_id")?)
                        .or_default()
                        .push((r.try_get("platform")?, r.try_get("user_id")?));
                }
                rows.iter()
                    .map(|r| {
                        let id: String = r.try_get("id")?;
                        Self::person_from_row(r, handles.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            /// A person from their `people` row and their handles (platform, user id).
            fn person_from_row(r: &<$db as sqlx::Database>::Row, handles: Vec<(String, String)>) -> Result<Person> {
                let id: String = r.try_get("id")?;
                let tz: Option<String> = r.try_get("time_zone")?;
                Ok(Person {
                    handles: handles_map(handles)?,
                    id: parse_col("id", &id)?,
                    name: parse_col("name", &r.try_get::<String, _>("name")?)?,
                    role: parse_col("role", &r.try_get::<String, _>("role")?)?,
                    email: opt_parse("email", r.try_get("email")?)?,
                    account: opt_parse("account_id", r.try_get("account_id")?)?,
                    manager: opt_parse("manager", r.try_get("manager")?)?,
                    locale: opt_parse("locale", r.try_get("locale")?)?,
                    time_zone: opt_parse::<chrono_tz::Tz>("time_zone", tz)?,
                })
            }

            /// The ticket as stored, read inside `tx`.
            async fn stored_ticket(tx: &mut super::group::Write<$db>, id: TicketId) -> Result<Ticket> {
                let row = sqlx::query(concat!("SELECT ", ticket_cols!(), " FROM tickets WHERE id = $1"))
                    .bind(id.0)
                    .fetch_one(&mut **tx)
                    .await?;
                Self::ticket_from_row(&row)
            }

            async fn one_ticket<'q>(
                &self,
                query: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
            ) -> Result<Option<Ticket>> {
                query.fetch_optional(&self.pool).await?.as_ref().map(Self::ticket_from_row).transpose()
            }

            /// Records `step` (a write of an inbound event's handling, see [`super::effects`]) in
            /// `tx`. `None`: the write is new and is to be made. `Some(ticket)`: an earlier
            /// handling of the event committed it (with the ticket it opened, if any), so it is
            /// not made again.
            async fn take_step(
                tx: &mut super::group::Write<$db>,
                step: &Option<super::effects::Step>,
            ) -> Result<Option<Option<i64>>> {
                let Some(step) = step else { return Ok(None) };
                let fresh = sqlx::query(
                    "INSERT INTO inbound_effects (platform, event_id, step) VALUES ($1, $2, $3) \
                     ON CONFLICT (platform, event_id, step) DO NOTHING",
                )
                .bind(step.platform.as_str())
                .bind(&step.event_id)
                .bind(step.step)
                .execute(&mut **tx)
                .await?
                .rows_affected()
                    == 1;
                if fresh {
                    return Ok(None);
                }
                Ok(Some(Self::step_made(tx, step).await?))
            }

            /// A step recorded by an earlier handling of its event: the ticket it wrote, if any.
            async fn step_made(tx: &mut super::group::Write<$db>, step: &super::effects::Step) -> Result<Option<i64>> {
                let ticket: Option<i64> = sqlx::query_scalar(
                    "SELECT ticket_id FROM inbound_effects WHERE platform = $1 AND event_id = $2 AND step = $3",
                )
                .bind(step.platform.as_str())
                .bind(&step.event_id)
                .bind(step.step)
                .fetch_one(&mut **tx)
                .await?;
                tracing::info!(event_id = %step.event_id, step = step.step, "write already made by an earlier handling; not repeated");
                Ok(ticket)
            }

            /// Pushes `INSERT INTO ticket_events … VALUES …` for `events` of `ticket` (at most
            /// [`INSERT_ROWS`]) onto `qb`: one statement for many rows, as the writer's time goes
            /// per statement.
            fn push_events_insert<'q>(qb: &mut sqlx::QueryBuilder<'q, $db>, ticket: TicketId, events: &'q [NewEvent], now: DateTime<Utc>) {
                qb.push("INSERT INTO ticket_events (ticket_id, kind, data, actor, occurred_at, recorded_at) ");
                qb.push_values(events, |mut row, e| {
                    row.push_bind(ticket.0)
                        .push_bind(e.kind.name())
                        .push_bind(Json(&e.kind))
                        .push_bind(Json(&e.actor))
                        .push_bind(micros(e.occurred_at))
                        .push_bind(micros(now));
                });
            }

            /// Binds a [`LogFactsChange`] as the parameters `$1`–`$3` of [`log_facts_set!`].
            fn bind_log_facts<'q>(
                q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>>,
                facts: LogFactsChange,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments<'q>> {
                q.bind(facts.answered).bind(i64::from(facts.unanswered_added)).bind(facts.escalation_level.map(i64::from))
            }

            /// Pushes `INSERT INTO outbox … VALUES …` for `messages` (at most [`INSERT_ROWS`]).
            fn push_outbox_insert<'q>(qb: &mut sqlx::QueryBuilder<'q, $db>, messages: &'q [NewOutbound], now: DateTime<Utc>) {
                qb.push("INSERT INTO outbox (platform, message, ticket_id, purpose, created_at, next_attempt_at) ");
                qb.push_values(messages, |mut row, m| {
                    row.push_bind(m.message.destination.platform().as_str())
                        .push_bind(Json(&m.message))
                        .push_bind(m.ticket.map(|t| t.0))
                        .push_bind(m.purpose.as_str())
                        .push_bind(micros(now))
                        .push_bind(micros(now));
                });
            }

            /// Pushes `INSERT INTO ticket_tags … VALUES …` for `tags` of `ticket` (at most
            /// [`INSERT_ROWS`]).
            fn push_tags_insert<'q>(qb: &mut sqlx::QueryBuilder<'q, $db>, ticket: TicketId, tags: &[&'q Tag]) {
                qb.push("INSERT INTO ticket_tags (ticket_id, tag) ");
                qb.push_values(tags.iter().copied(), |mut row, t| {
                    row.push_bind(ticket.0).push_bind(t.as_str());
                });
            }

            async fn insert_events(
                tx: &mut super::group::Write<$db>,
                ticket: TicketId,
                events: &[NewEvent],
                now: DateTime<Utc>,
            ) -> Result<()> {
                for chunk in events.chunks(INSERT_ROWS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    Self::push_events_insert(&mut qb, ticket, chunk, now);
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Inserts `events` in the transaction on `tx`; true for each one inserted now.
            async fn insert_inbound(
                tx: &mut <$db as sqlx::Database>::Connection,
                events: &[NewInbound],
                now: DateTime<Utc>,
            ) -> Result<Vec<bool>> {
                // One statement per chunk of events (a statement per event cost the writer a
                // round trip to the driver each); it returns the events it inserted.
                let mut inserted = std::collections::HashSet::new();
                for chunk in events.chunks(INBOX_INSERT_ROWS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO inbound_events (platform, event_id, payload, received_at) ",
                    );
                    qb.push_values(chunk, |mut row, e| {
                        row.push_bind(e.platform.as_str())
                            .push_bind(e.event_id.as_str())
                            .push_bind(Json(&e.payload))
                            .push_bind(micros(now));
                    });
                    qb.push(" ON CONFLICT (platform, event_id) DO NOTHING RETURNING platform, event_id");
                    let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                    inserted.extend(rows);
                }
                // Fresh: inserted now, and the first of its kind in `events` (a repeat within
                // the batch is a duplicate like any other).
                Ok(events
                    .iter()
                    .map(|e| inserted.remove(&(e.platform.as_str().to_string(), e.event_id.clone())))
                    .collect())
            }

            async fn insert_outbox(
                tx: &mut super::group::Write<$db>,
                messages: &[NewOutbound],
                now: DateTime<Utc>,
            ) -> Result<()> {
                for chunk in messages.chunks(INSERT_ROWS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    Self::push_outbox_insert(&mut qb, chunk, now);
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            async fn insert_tags(tx: &mut super::group::Write<$db>, ticket: TicketId, tags: &[&Tag]) -> Result<()> {
                for chunk in tags.chunks(INSERT_ROWS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    Self::push_tags_insert(&mut qb, ticket, chunk);
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Replaces a ticket's rows in `ticket_tags`.
            async fn write_tags(tx: &mut super::group::Write<$db>, ticket: TicketId, tags: &BTreeSet<Tag>) -> Result<()> {
                sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1")
                    .bind(ticket.0)
                    .execute(&mut **tx)
                    .await?;
                Self::insert_tags(tx, ticket, &tags.iter().collect::<Vec<_>>()).await
            }

            async fn by_origin(
                tx: &mut super::group::Write<$db>,
                channel: &ChannelRef,
                message: &MessageId,
            ) -> Result<Option<Ticket>> {
                sqlx::query(concat!(
                    "SELECT ", ticket_cols!(), " FROM tickets \
                     WHERE origin_platform = $1 AND origin_channel = $2 AND origin_message = $3"
                ))
                .bind(channel.platform.as_str())
                .bind(channel.channel.as_str())
                .bind(message.as_str())
                .fetch_optional(&mut **tx)
                .await?
                .as_ref()
                .map(Self::ticket_from_row)
                .transpose()
            }
        }

        #[async_trait]
        impl Store for $name {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn upsert_accounts(&self, accounts: &[Account]) -> Result<()> {
                // Refuse what the database cannot hold faithfully before writing anything.
                let mut arrs = Vec::with_capacity(accounts.len());
                for a in accounts {
                    arrs.push(storable_account(a)?);
                }
                let mut tx = self.begin().await?;
                let now = micros(Utc::now());
                // A new tier may select another SLA policy: its active tickets are due for the sweep.
                let retier = format!(
                    "UPDATE tickets SET sla_next_check_at = $1, sla_stamp = sla_stamp + 1 \
                     WHERE account_id = $2 AND status IN ({}) \
                     AND EXISTS (SELECT 1 FROM accounts WHERE accounts.id = $2 AND accounts.tier <> $3)",
                    active_statuses()
                );
                for a in accounts {
                    sqlx::query(&retier).bind(now).bind(a.id.as_str()).bind(a.tier.as_str()).execute(&mut *tx).await?;
                }
                // First every row, releasing the channels of the accounts in the batch, so that a
                // batch may move a channel from one of its accounts to another in any order.
                for (a, arr) in accounts.iter().zip(arrs) {
                    sqlx::query(
                        "INSERT INTO accounts (id, name, tier, arr, currency, renewal_date, csm, key_prefix, locale, signals, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, tier = excluded.tier, arr = excluded.arr, \
                         currency = excluded.currency, renewal_date = excluded.renewal_date, csm = excluded.csm, \
                         key_prefix = excluded.key_prefix, locale = excluded.locale, signals = excluded.signals, \
                         updated_at = excluded.updated_at",
                    )
                    .bind(a.id.as_str())
                    .bind(a.name.as_str())
                    .bind(a.tier.as_str())
                    .bind(arr)
                    .bind(a.arr.map(|x| x.currency().to_string()))
                    .bind(a.renewal_date)
                    .bind(a.csm.as_ref().map(|c| c.as_str()))
                    .bind(a.key_prefix.as_ref().map(|c| c.as_str()))
                    .bind(a.locale.as_ref().map(|l| l.to_string()))
                    .bind(Json(&a.signals))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM account_channels WHERE account_id = $1")
                        .bind(a.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                // Then the channels, of the last listing of each account (as for its row).
                let last: BTreeMap<&AccountId, usize> = accounts.iter().enumerate().map(|(i, a)| (&a.id, i)).collect();
                for (i, a) in accounts.iter().enumerate() {
                    if last[&a.id] != i {
                        continue;
                    }
                    for c in &a.channels {
                        // DO NOTHING also waits out a concurrent batch claiming the same channel.
                        let inserted = sqlx::query(
                            "INSERT INTO account_channels (platform, channel, account_id) VALUES ($1, $2, $3) \
                             ON CONFLICT (platform, channel) DO NOTHING",
                        )
                        .bind(c.platform.as_str())
                        .bind(c.channel.as_str())
                        .bind(a.id.as_str())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                        if inserted == 1 {
                            continue;
                        }
                        let owner: Option<String> = sqlx::query_scalar(
                            "SELECT account_id FROM account_channels WHERE platform = $1 AND channel = $2",
                        )
                        .bind(c.platform.as_str())
                        .bind(c.channel.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                        return match owner {
                            Some(owner) => Err(StoreError::ChannelTaken {
                                channel: c.clone(),
                                owner: parse_col("account_id", &owner)?,
                            }),
                            // Released by a concurrent batch between the two statements.
                            None => Err(StoreError::Conflict),
                        };
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn account(&self, id: &AccountId) -> Result<Option<Account>> {
                Ok(self.accounts_where(Some(id)).await?.into_iter().next())
            }

            async fn accounts(&self) -> Result<Vec<Account>> {
                self.accounts_where(None).await
            }

            async fn account_for_channel(&self, channel: &ChannelRef) -> Result<Option<Account>> {
                // One round trip (every inbound event that may open a ticket asks): the owner's
                // row once per channel it has, each with one of those channels.
                let rows = sqlx::query(
                    "SELECT a.*, mine.platform AS channel_platform, mine.channel AS channel_id \
                     FROM account_channels asked JOIN accounts a ON a.id = asked.account_id \
                     JOIN account_channels mine ON mine.account_id = a.id \
                     WHERE asked.platform = $1 AND asked.channel = $2",
                )
                .bind(channel.platform.as_str())
                .bind(channel.channel.as_str())
                .fetch_all(&self.pool)
                .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let columns = <AccountColumns as sqlx::FromRow<'_, _>>::from_row(first)?;
                let mut channels: BTreeMap<String, BTreeSet<ChannelRef>> = BTreeMap::new();
                let mine = channels.entry(columns.id.clone()).or_default();
                for r in &rows {
                    let (p, c): (String, String) = (r.try_get("channel_platform")?, r.try_get("channel_id")?);
                    mine.insert(ChannelRef::new(parse_col("platform", &p)?, parse_col("channel", &c)?));
                }
                columns.into_account(&mut channels).map(Some)
            }

            async fn upsert_people(&self, people: &[Person]) -> Result<()> {
                let mut tx = self.begin().await?;
                let now = micros(Utc::now());
                for p in people {
                    sqlx::query(
                        "INSERT INTO people (id, name, role, email, account_id, manager, locale, time_zone, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, email = excluded.email, \
                         account_id = excluded.account_id, manager = excluded.manager, locale = excluded.locale, \
                         time_zone = excluded.time_zone, updated_at = excluded.updated_at",
                    )
                    .bind(p.id.as_str())
                    .bind(p.name.as_str())
                    .bind(p.role.as_str())
                    .bind(p.email.as_ref().map(|e| e.as_str()))
                    .bind(p.account.as_ref().map(|a| a.as_str()))
                    .bind(p.manager.as_ref().map(|m| m.as_str()))
                    .bind(p.locale.as_ref().map(|l| l.to_string()))
                    .bind(p.time_zone.map(|t| t.name().to_string()))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM person_handles WHERE person_id = $1")
                        .bind(p.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    for (platform, user) in &p.handles {
                        sqlx::query(
                            "INSERT INTO person_handles (platform, user_id, person_id) VALUES ($1, $2, $3) \
                             ON CONFLICT (platform, user_id) DO UPDATE SET person_id = excluded.person_id",
                        )
                        .bind(platform.as_str())
                        .bind(user.as_str())
                        .bind(p.id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn person(&self, id: &PersonId) -> Result<Option<Person>> {
                Ok(self.people_where(Some(id)).await?.into_iter().next())
            }

            async fn people(&self) -> Result<Vec<Person>> {
                self.people_where(None).await
            }

            async fn person_by_handle(&self, platform: Platform, user: &UserId) -> Result<Option<Person>> {
                // One round trip (every inbound event asks): the person's row once per handle
                // they have, each with one of those handles.
                let rows = sqlx::query(
                    "SELECT p.*, mine.platform AS handle_platform, mine.user_id AS handle_user \
                     FROM person_handles asked JOIN people p ON p.id = asked.person_id \
                     JOIN person_handles mine ON mine.person_id = p.id \
                     WHERE asked.platform = $1 AND asked.user_id = $2",
                )
                .bind(platform.as_str())
                .bind(user.as_str())
                .fetch_all(&self.pool)
                .await?;
                if let Some(first) = rows.first() {
                    let handles = rows
                        .iter()
                        .map(|r| Ok((r.try_get("handle_platform")?, r.try_get("handle_user")?)))
                        .collect::<Result<Vec<(String, String)>>>()?;
                    return Self::person_from_row(first, handles).map(Some);
                }
                // On the shell a person's id is their handle.
                match (platform, PersonId::parse(user.as_str())) {
                    (Platform::Shell, Ok(id)) => self.person(&id).await,
                    _ => Ok(None),
                }
            }

            async fn open_ticket(
                &self,
                t: &NewTicket,
                now: DateTime<Utc>,
                render: RenderOnOpen<'_>,
            ) -> Result<(Ticket, bool)> {
                let (now, opened_at) = (micros(now), micros(t.opened_at));
                let step = super::effects::next();
                let mut tx = self.begin().await?;
                // The event's step, the ticket's number and its row in one round trip:
                // `$chain_sql` sends the step's record, the counter's increment and the insert
                // together. A step recorded before (an earlier handling of the same event
                // opened this ticket): its record fails as a duplicate and nothing is made. A
                // ticket already opened from the same message: the insert does nothing and the
                // transaction (with the step and the counter's increment) is rolled back.
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                let mut chain = Chain::new(&mut qb, $chain_sql, 2 + usize::from(step.is_some()));
                if let Some(step) = &step {
                    let q = chain.part("step");
                    q.push("INSERT INTO inbound_effects (platform, event_id, step) VALUES (");
                    q.push_bind(step.platform.as_str()).push(", ").push_bind(step.event_id.as_str());
                    q.push(", ").push_bind(step.step).push(")");
                }
                chain.part("counter").push("INSERT INTO ticket_counters (prefix, last) VALUES (");
                chain.qb().push_bind(t.key_prefix.as_str()).push(
                    ", 1) ON CONFLICT (prefix) DO UPDATE SET last = ticket_counters.last + 1",
                );
                if $chain_sql {
                    chain.qb().push(" RETURNING last");
                }
                chain.part("").push(
                    "INSERT INTO tickets (key, account_id, requester_platform, requester_user, requester_name, \
                     requester_person, title, status, priority, assignee, tags, origin_platform, origin_channel, \
                     origin_message, origin_thread, card_message, opened_at, created_at, updated_at, follow_up_of, version, \
                     sla_next_check_at) ",
                );
                let key_number = if $chain_sql { "counter.last" } else { "(SELECT last FROM ticket_counters WHERE prefix = " };
                let q = chain.qb();
                q.push(if $chain_sql { "SELECT " } else { "VALUES (" });
                q.push_bind(t.key_prefix.as_str()).push(" || '-' || ").push(key_number);
                if !$chain_sql {
                    q.push_bind(t.key_prefix.as_str()).push(")");
                }
                let mut values = q.separated(", ");
                values.push_unseparated(", ");
                values
                    .push_bind(t.account.as_ref().map(|a| a.as_str()))
                    .push_bind(t.requester.platform.as_str())
                    .push_bind(t.requester.user.as_str())
                    .push_bind(t.requester.display_name.as_str())
                    .push_bind(t.requester.person.as_ref().map(|p| p.as_str()))
                    .push_bind(t.title.as_str())
                    .push_bind(TicketStatus::New.as_str())
                    .push_bind(t.priority.as_str())
                    .push_bind(t.assignee.as_ref().map(|p| p.as_str()))
                    .push_bind(Json(&t.tags))
                    .push_bind(t.origin.channel.platform.as_str())
                    .push_bind(t.origin.channel.channel.as_str())
                    .push_bind(t.origin.message.as_ref().map(|m| m.as_str()))
                    .push_bind(t.origin.thread.as_ref().map(|m| m.as_str()))
                    .push("NULL")
                    .push_bind(opened_at)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(t.follow_up_of.map(|f| f.0))
                    .push("0")
                    .push_bind(now);
                q.push(if $chain_sql { " FROM counter" } else { ")" });
                q.push(" ON CONFLICT (origin_platform, origin_channel, origin_message) DO NOTHING RETURNING id, key");
                let inserted: Option<(i64, String)> = match qb.build_query_as().fetch_optional(&mut *tx).await {
                    Err(e) if step_taken(&e) => {
                        tx.rollback().await?;
                        let step = step.as_ref().expect("only a step's record conflicts");
                        let mut tx = self.begin().await?;
                        let Some(id) = Self::step_made(&mut tx, step).await? else {
                            return Err(StoreError::Corrupt(format!("step {} of event {} holds no ticket", step.step, step.event_id)));
                        };
                        // Opened by an earlier handling of the same event.
                        let stored = Self::stored_ticket(&mut tx, TicketId(id)).await?;
                        tx.commit().await?;
                        return Ok((stored, true));
                    }
                    inserted => inserted?,
                };
                let Some((id, key)) = inserted else {
                    // Opened from the same message before (or by another writer just now).
                    tx.rollback().await?;
                    let message = t.origin.message.as_ref().expect("only origin messages conflict");
                    let mut tx = self.begin().await?;
                    let existing = Self::by_origin(&mut tx, &t.origin.channel, message).await?;
                    tx.commit().await?;
                    return existing
                        .map(|e| (e, false))
                        .ok_or_else(|| StoreError::Corrupt("conflicting ticket vanished".into()));
                };
                let key = TicketKey::parse(&key).map_err(|e| StoreError::Corrupt(format!("ticket key `{key}`: {e}")))?;
                let ticket = Ticket {
                    id: TicketId(id),
                    key,
                    account: t.account.clone(),
                    requester: t.requester.clone(),
                    title: t.title.clone(),
                    status: TicketStatus::New,
                    priority: t.priority,
                    assignee: t.assignee.clone(),
                    tags: t.tags.clone(),
                    origin: t.origin.clone(),
                    card_message: None,
                    opened_at,
                    created_at: now,
                    updated_at: now,
                    follow_up_of: t.follow_up_of,
                    version: 0,
                };
                let opened = [NewEvent {
                    kind: EventKind::Opened { via: t.via, title: t.title.clone(), description: t.description.clone() },
                    actor: t.opened_by.clone(),
                    occurred_at: opened_at,
                }];
                let messages = render(&ticket);
                let tags: Vec<&Tag> = t.tags.iter().collect();
                // The rest in one more round trip: the step's ticket, the tags, the `opened`
                // event and the messages (a handful of rows; past `INSERT_ROWS` tags or
                // messages, the rest follow in statements of their own).
                let (first_tags, more_tags) = tags.split_at(tags.len().min(INSERT_ROWS));
                let (first_messages, more_messages) = messages.split_at(messages.len().min(INSERT_ROWS));
                let parts = usize::from(step.is_some()) + usize::from(!first_tags.is_empty()) + 1 + usize::from(!first_messages.is_empty());
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                let mut chain = Chain::new(&mut qb, $chain_sql, parts);
                if let Some(step) = &step {
                    let q = chain.part("step");
                    q.push("UPDATE inbound_effects SET ticket_id = ").push_bind(id);
                    q.push(" WHERE platform = ").push_bind(step.platform.as_str());
                    q.push(" AND event_id = ").push_bind(step.event_id.as_str());
                    q.push(" AND step = ").push_bind(step.step);
                }
                if !first_tags.is_empty() {
                    Self::push_tags_insert(chain.part("tags"), ticket.id, first_tags);
                }
                Self::push_events_insert(chain.part("opened"), ticket.id, &opened, now);
                if !first_messages.is_empty() {
                    Self::push_outbox_insert(chain.part("messages"), first_messages, now);
                }
                qb.build().execute(&mut *tx).await?;
                Self::insert_tags(&mut tx, ticket.id, more_tags).await?;
                Self::insert_outbox(&mut tx, more_messages, now).await?;
                tx.commit().await?;
                Ok((ticket, true))
            }

            async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>> {
                self.one_ticket(sqlx::query(concat!("SELECT ", ticket_cols!(), " FROM tickets WHERE id = $1")).bind(id.0))
                    .await
            }

            async fn ticket_by_key(&self, key: &TicketKey) -> Result<Option<Ticket>> {
                self.one_ticket(
                    sqlx::query(concat!("SELECT ", ticket_cols!(), " FROM tickets WHERE key = $1")).bind(key.to_string()),
                )
                .await
            }

            async fn ticket_by_message(&self, channel: &ChannelRef, message: &MessageId) -> Result<Option<Ticket>> {
                self.one_ticket(
                    sqlx::query(concat!(
                        "SELECT ", ticket_cols!(), " FROM tickets WHERE origin_platform = $1 AND origin_channel = $2 \
                         AND (origin_thread = $3 OR origin_message = $3) ORDER BY id DESC LIMIT 1"
                    ))
                    .bind(channel.platform.as_str())
                    .bind(channel.channel.as_str())
                    .bind(message.as_str()),
                )
                .await
            }

            async fn tickets(&self, f: &TicketFilter) -> Result<Vec<Ticket>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(concat!("SELECT ", ticket_cols!(), " FROM tickets WHERE 1 = 1"));
                if let Some(a) = &f.account {
                    qb.push(" AND account_id = ").push_bind(a.as_str().to_string());
                }
                if let Some(c) = &f.channel {
                    qb.push(" AND origin_platform = ").push_bind(c.platform.as_str());
                    qb.push(" AND origin_channel = ").push_bind(c.channel.as_str().to_string());
                }
                if f.active_only {
                    // A positive list, so the `tickets(status, …)` index applies.
                    qb.push(" AND status IN (").push(active_statuses()).push(")");
                }
                if let Some(status) = f.status {
                    qb.push(" AND status = ").push_bind(status.as_str());
                }
                qb.push(" ORDER BY id");
                if let Some(l) = f.limit {
                    qb.push(" LIMIT ").push_bind(l);
                }
                decode_each(qb.build().fetch(&self.pool), |r| Self::ticket_from_row(&r)).await
            }

            async fn apply(&self, change: TicketChange, now: DateTime<Utc>) -> Result<Ticket> {
                let now = micros(now);
                let t = change.ticket;
                let step = super::effects::next();
                let mut tx = self.begin().await?;
                if Self::take_step(&mut tx, &step).await?.is_some() {
                    let stored = Self::stored_ticket(&mut tx, t.id).await?;
                    tx.commit().await?;
                    return Ok(stored);
                }
                let facts = LogFactsChange::of(change.events.iter().map(|e| &e.kind));
                let update = sqlx::query(concat!(
                    "UPDATE tickets SET account_id = $4, title = $5, status = $6, priority = $7, assignee = $8, \
                     tags = $9, updated_at = $10, follow_up_of = $11, \
                     version = version + 1, sla_next_check_at = $10, sla_stamp = sla_stamp + 1, ",
                    log_facts_set!(),
                    " WHERE id = $12 AND version = $13"
                ));
                let done = Self::bind_log_facts(update, facts)
                    .bind(t.account.as_ref().map(|a| a.as_str()))
                    .bind(t.title.as_str())
                    .bind(t.status.as_str())
                    .bind(t.priority.as_str())
                    .bind(t.assignee.as_ref().map(|p| p.as_str()))
                    .bind(Json(&t.tags))
                    .bind(now)
                    .bind(t.follow_up_of.map(|f| f.0))
                    .bind(t.id.0)
                    .bind(t.version)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    tx.rollback().await?;
                    return Err(StoreError::Conflict);
                }
                Self::write_tags(&mut tx, t.id, &t.tags).await?;
                Self::insert_events(&mut tx, t.id, &change.events, now).await?;
                Self::insert_outbox(&mut tx, &change.outbox, now).await?;
                // Return what is stored: the card and thread are the store's, not the caller's copy.
                let stored = Self::stored_ticket(&mut tx, t.id).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn events(&self, ticket: TicketId) -> Result<Vec<TicketEvent>> {
                let rows = sqlx::query(
                    "SELECT id, ticket_id, data, actor, occurred_at, recorded_at FROM ticket_events \
                     WHERE ticket_id = $1 ORDER BY id",
                )
                .bind(ticket.0)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::event_from_row).collect()
            }

            async fn append_events(&self, ticket: TicketId, events: &[NewEvent], now: DateTime<Utc>) -> Result<()> {
                let step = super::effects::next();
                let mut tx = self.begin().await?;
                if Self::take_step(&mut tx, &step).await?.is_some() {
                    tx.commit().await?;
                    return Ok(());
                }
                Self::insert_events(&mut tx, ticket, events, now).await?;
                // The events may move its SLA clocks: due for the sweep now.
                let facts = LogFactsChange::of(events.iter().map(|e| &e.kind));
                let update = sqlx::query(concat!(
                    "UPDATE tickets SET sla_next_check_at = $4, sla_stamp = sla_stamp + 1, ",
                    log_facts_set!(),
                    " WHERE id = $5"
                ));
                Self::bind_log_facts(update, facts).bind(micros(now)).bind(ticket.0).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn tag_reach(&self, namespace: Option<&str>, limit: i64) -> Result<Vec<(Tag, i64)>> {
                let rows = match namespace {
                    Some(ns) => sqlx::query(
                        "SELECT tt.tag AS tag, COUNT(DISTINCT t.account_id) AS accounts FROM ticket_tags tt \
                         JOIN tickets t ON t.id = tt.ticket_id WHERE t.account_id IS NOT NULL \
                         AND substr(tt.tag, 1, length($1)) = $1 \
                         GROUP BY tt.tag ORDER BY accounts DESC, tt.tag LIMIT $2",
                    )
                    .bind(format!("{ns}:"))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?,
                    None => sqlx::query(
                        "SELECT tt.tag AS tag, COUNT(DISTINCT t.account_id) AS accounts FROM ticket_tags tt \
                         JOIN tickets t ON t.id = tt.ticket_id WHERE t.account_id IS NOT NULL \
                         GROUP BY tt.tag ORDER BY accounts DESC, tt.tag LIMIT $1",
                    )
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?,
                };
                rows.iter()
                    .map(|r| Ok((parse_col::<Tag>("tag", &r.try_get::<String, _>("tag")?)?, r.try_get("accounts")?)))
                    .collect()
            }

            async fn latest_delivered(
                &self,
                ticket: TicketId,
                purpose: OutboundPurpose,
            ) -> Result<Option<(OutboundMessage, MessageId)>> {
                let row = sqlx::query(
                    "SELECT message, delivered_message FROM outbox WHERE ticket_id = $1 AND purpose = $2 \
                     AND delivered_message IS NOT NULL ORDER BY id DESC LIMIT 1",
                )
                .bind(ticket.0)
                .bind(purpose.as_str())
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(r) => {
                        let message: Json<OutboundMessage> = r.try_get("message")?;
                        let id: String = r.try_get("delivered_message")?;
                        Ok(Some((message.0, parse_col("delivered_message", &id)?)))
                    }
                    None => Ok(None),
                }
            }

            async fn save_health(
                &self,
                account: &AccountId,
                day: NaiveDate,
                health: &crate::health::Health,
            ) -> Result<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(
                    "INSERT INTO health_snapshots (account_id, day, score, reasons) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (account_id, day) DO UPDATE SET score = excluded.score, reasons = excluded.reasons",
                )
                .bind(account.as_str())
                .bind(day)
                .bind(i64::from(health.score))
                .bind(Json(&health.reasons))
                .execute(&mut *w)
                .await?;
                w.commit().await
            }

            async fn health_on_or_before(
                &self,
                account: &AccountId,
                day: NaiveDate,
            ) -> Result<Option<(NaiveDate, crate::health::Health)>> {
                let row = sqlx::query(
                    "SELECT day, score, reasons FROM health_snapshots WHERE account_id = $1 AND day <= $2 \
                     ORDER BY day DESC LIMIT 1",
                )
                .bind(account.as_str())
                .bind(day)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some(r) => {
                        let score: i64 = r.try_get("score")?;
                        let reasons: Json<Vec<crate::health::Reason>> = r.try_get("reasons")?;
                        let score = u8::try_from(score).map_err(|_| StoreError::Corrupt(format!("health score {score}")))?;
                        Ok(Some((r.try_get("day")?, crate::health::Health { score, reasons: reasons.0 })))
                    }
                    None => Ok(None),
                }
            }

            async fn last_csat_request(&self, platform: Platform, user: &UserId) -> Result<Option<DateTime<Utc>>> {
                let rows = sqlx::query(
                    "SELECT e.occurred_at AS at FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id \
                     WHERE e.kind = 'csat_requested' AND t.requester_platform = $1 AND t.requester_user = $2 \
                     ORDER BY e.occurred_at DESC LIMIT 1",
                )
                .bind(platform.as_str())
                .bind(user.as_str())
                .fetch_all(&self.pool)
                .await?;
                rows.first().map(|r| r.try_get("at")).transpose().map_err(Into::into)
            }

            async fn record_inbound(
                &self,
                platform: Platform,
                event_id: &str,
                payload: &serde_json::Value,
                now: DateTime<Utc>,
            ) -> Result<bool> {
                let event = NewInbound { platform, event_id: event_id.to_string(), payload: payload.clone() };
                Ok(self.record_inbound_batch(std::slice::from_ref(&event), now).await?[0])
            }

            async fn record_inbound_batch(&self, events: &[NewInbound], now: DateTime<Utc>) -> Result<Vec<bool>> {
                if events.is_empty() {
                    return Ok(Vec::new());
                }
                // Ordinary commits do not wait for the disk (see `connect`); this one must,
                // because the platform is told "received" as soon as it returns. Syncing it
                // also makes every earlier commit durable (one log, written in order).
                self.durable_inbox_commit(events, now).await
            }

            async fn unprocessed_inbound(&self, limit: i64) -> Result<Vec<InboxEntry>> {
                let rows = sqlx::query(
                    "SELECT platform, event_id, payload, received_at FROM inbound_events \
                     WHERE processed_at IS NULL ORDER BY received_at, event_id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(Self::inbox_from_row)
                    .collect()
            }

            async fn claim_inbound(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<InboxEntry>> {
                let mut w = self.begin_single().await?;
                let rows = sqlx::query(concat!(
                    "UPDATE inbound_events SET claimed_until = $1 WHERE (platform, event_id) IN (\
                     SELECT platform, event_id FROM inbound_events WHERE processed_at IS NULL \
                     AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY received_at, event_id LIMIT $3",
                    $skip_locked,
                    ") RETURNING platform, event_id, payload, received_at"
                ))
                .bind(micros(lease_until))
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut *w)
                .await?;
                w.commit().await?;
                let mut out = rows
                    .iter()
                    .map(Self::inbox_from_row)
                    .collect::<Result<Vec<_>>>()?;
                out.sort_by(|a, b| (a.received_at, &a.event_id).cmp(&(b.received_at, &b.event_id)));
                Ok(out)
            }

            async fn finish_inbound_many(&self, events: &[(Platform, String)], now: DateTime<Utc>, error: Option<&str>) -> Result<()> {
                if events.is_empty() {
                    return Ok(());
                }
                // One statement per chunk (`Chain`).
                let mut tx = self.begin_for(events.len().div_ceil(KEY_LIST_ROWS)).await?;
                for chunk in events.chunks(KEY_LIST_ROWS) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("");
                    let mut chain = Chain::new(&mut qb, $chain_sql, 2);
                    let q = chain.part("finished");
                    q.push("UPDATE inbound_events SET processed_at = ");
                    q.push_bind(micros(now)).push(", error = ").push_bind(error.map(str::to_string));
                    q.push(" WHERE (platform, event_id) IN (");
                    q.push_values(chunk, |mut row, (platform, id)| {
                        row.push_bind(platform.as_str()).push_bind(id.as_str());
                    });
                    q.push(")");
                    // Their writes are all made; nothing will handle them again.
                    let q = chain.part("");
                    q.push("DELETE FROM inbound_effects WHERE (platform, event_id) IN (");
                    q.push_values(chunk, |mut row, (platform, id)| {
                        row.push_bind(platform.as_str()).push_bind(id.as_str());
                    });
                    q.push(")");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn prune_inbound(&self, processed_before: DateTime<Utc>) -> Result<u64> {
                // `processed_at IS NOT NULL AND processed_at < $1`: a range of the
                // `inbound_events_pending (processed_at, received_at)` index.
                let mut w = self.begin_single().await?;
                let done = sqlx::query("DELETE FROM inbound_events WHERE processed_at IS NOT NULL AND processed_at < $1")
                    .bind(micros(processed_before))
                    .execute(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(done.rows_affected())
            }

            async fn release_inbound(&self, events: &[(Platform, String)], lease_until: DateTime<Utc>) -> Result<()> {
                let mut tx = self.begin().await?;
                for (platform, event_id) in events {
                    sqlx::query(
                        "UPDATE inbound_events SET claimed_until = NULL \
                         WHERE platform = $1 AND event_id = $2 AND processed_at IS NULL AND claimed_until = $3",
                    )
                    .bind(platform.as_str())
                    .bind(event_id)
                    .bind(micros(lease_until))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn enqueue(&self, messages: &[NewOutbound], now: DateTime<Utc>) -> Result<()> {
                let step = super::effects::next();
                let mut tx = self.begin().await?;
                if Self::take_step(&mut tx, &step).await?.is_some() {
                    tx.commit().await?;
                    return Ok(());
                }
                Self::insert_outbox(&mut tx, messages, now).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn due_outbound(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboundRow>> {
                let rows = sqlx::query(concat!(
                    "SELECT ", outbox_cols!(), " FROM outbox WHERE delivered_at IS NULL AND dead = $1 \
                     AND next_attempt_at <= $2 ORDER BY id LIMIT $3"
                ))
                .bind(false)
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::outbound_from_row).collect()
            }

            async fn claim_outbound(&self, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64) -> Result<Vec<OutboundRow>> {
                let mut w = self.begin_single().await?;
                let rows = sqlx::query(concat!(
                    "UPDATE outbox SET claimed_until = $1 WHERE id IN (\
                     SELECT id FROM outbox WHERE delivered_at IS NULL AND dead = $2 AND next_attempt_at <= $3 \
                     AND (claimed_until IS NULL OR claimed_until <= $3) ORDER BY id LIMIT $4",
                    $skip_locked,
                    ") RETURNING ", outbox_cols!()
                ))
                .bind(micros(lease_until))
                .bind(false)
                .bind(micros(now))
                .bind(limit)
                .fetch_all(&mut *w)
                .await?;
                w.commit().await?;
                let mut out = rows.iter().map(Self::outbound_from_row).collect::<Result<Vec<_>>>()?;
                out.sort_by_key(|r| r.id);
                Ok(out)
            }

            async fn mark_delivered_many(&self, deliveries: &[Delivery]) -> Result<()> {
                if deliveries.is_empty() {
                    return Ok(());
                }
                // One statement per chunk (on SQLite two, sent together as one).
                let mut tx = self.begin_for(deliveries.len().div_ceil(INSERT_ROWS)).await?;
                for chunk in deliveries.chunks(INSERT_ROWS) {
                    Self::push_delivered(chunk).build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn release_outbound(&self, ids: &[i64], lease_until: DateTime<Utc>) -> Result<()> {
                let mut tx = self.begin().await?;
                for id in ids {
                    sqlx::query(
                        "UPDATE outbox SET claimed_until = NULL \
                         WHERE id = $1 AND delivered_at IS NULL AND claimed_until = $2",
                    )
                    .bind(id)
                    .bind(micros(lease_until))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn mark_failed(&self, id: i64, error: &str, next_attempt: Option<DateTime<Utc>>) -> Result<()> {
                let mut w = self.begin_single().await?;
                sqlx::query(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $1, \
                     next_attempt_at = COALESCE($2, next_attempt_at), dead = $3, claimed_until = NULL WHERE id = $4",
                )
                .bind(error)
                .bind(next_attempt.map(micros))
                .bind(next_attempt.is_none())
                .bind(id)
                .execute(&mut *w)
                .await?;
                w.commit().await
            }

            async fn outbox_backlog(&self) -> Result<(i64, Option<DateTime<Utc>>)> {
                let depth: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND dead = $1")
                    .bind(false)
                    .fetch_one(&self.pool)
                    .await?;
                let oldest: Option<DateTime<Utc>> = sqlx::query_scalar(
                    "SELECT created_at FROM outbox WHERE delivered_at IS NULL AND dead = $1 ORDER BY id LIMIT 1",
                )
                .bind(false)
                .fetch_optional(&self.pool)
                .await?;
                Ok((depth, oldest))
            }

            async fn retry_outbound(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
                let mut w = self.begin_single().await?;
                let done = sqlx::query(
                    "UPDATE outbox SET dead = $1, next_attempt_at = $2, attempts = 0, claimed_until = NULL \
                     WHERE id = $3 AND delivered_at IS NULL",
                )
                .bind(false)
                .bind(micros(now))
                .bind(id)
                .execute(&mut *w)
                .await?;
                w.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn outbox(&self, dead_only: bool, limit: i64) -> Result<Vec<OutboundRow>> {
                let rows = if dead_only {
                    sqlx::query(concat!("SELECT ", outbox_cols!(), " FROM outbox WHERE dead = $1 ORDER BY id LIMIT $2"))
                        .bind(true)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?
                } else {
                    sqlx::query(concat!("SELECT ", outbox_cols!(), " FROM outbox ORDER BY id LIMIT $1"))
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?
                };
                rows.iter().map(Self::outbound_from_row).collect()
            }

            // ----- digests and the signals API ------------------------------------------

            async fn claim_digest_slot(
                &self,
                name: &str,
                slot: DateTime<Utc>,
                late: bool,
                messages: Option<&[NewOutbound]>,
                now: DateTime<Utc>,
            ) -> Result<bool> {
                let now = micros(now);
                let mut tx = self.begin().await?;
                // A concurrent claim of the same slot waits here for the first to commit, then
                // inserts nothing: one winner.
                let claimed = sqlx::query(
                    "INSERT INTO digest_runs (name, slot, claimed_at, posted_at, late, messages) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name, slot) DO NOTHING",
                )
                .bind(name)
                .bind(micros(slot))
                .bind(now)
                .bind(messages.map(|_| now))
                .bind(late)
                .bind(messages.map_or(0, |m| m.len() as i64))
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if !claimed {
                    tx.rollback().await?;
                    return Ok(false);
                }
                if let Some(messages) = messages {
                    Self::insert_outbox(&mut tx, messages, now).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn last_digest_slot(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
                let rows = sqlx::query("SELECT slot FROM digest_runs WHERE name = $1 ORDER BY slot DESC LIMIT 1")
                    .bind(name)
                    .fetch_all(&self.pool)
                    .await?;
                rows.first().map(|r| r.try_get("slot")).transpose().map_err(Into::into)
            }

            async fn digest_runs(&self, name: &str, limit: i64) -> Result<Vec<super::DigestRun>> {
                let rows = sqlx::query(
                    "SELECT name, slot, claimed_at, posted_at, late, messages FROM digest_runs \
                     WHERE name = $1 ORDER BY slot DESC LIMIT $2",
                )
                .bind(name)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(super::DigestRun {
                            name: r.try_get("name")?,
                            slot: r.try_get("slot")?,
                            claimed_at: r.try_get("claimed_at")?,
                            posted_at: r.try_get("posted_at")?,
                            late: r.try_get("late")?,
                            messages: r.try_get("messages")?,
                        })
                    })
                    .collect()
            }

            async fn events_of(&self, tickets: &[TicketId], kinds: Option<&[&str]>) -> Result<BTreeMap<TicketId, Vec<TicketEvent>>> {
                let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
                let mut conn = self.pool.acquire().await?;
                let mut out: BTreeMap<TicketId, Vec<TicketEvent>> = BTreeMap::new();
                for e in Self::events_by_ids(&mut conn, &ids, kinds).await? {
                    out.entry(e.ticket).or_default().push(e);
                }
                Ok(out)
            }

            async fn sla_candidates(&self, due_by: Option<DateTime<Utc>>) -> Result<Vec<SlaCandidate>> {
                let mut qb = sqlx::QueryBuilder::<$db>::new(concat!(
                    "SELECT ", ticket_cols!(), ", sla_next_check_at, sla_stamp FROM tickets WHERE status IN ("
                ));
                qb.push(active_statuses()).push(")");
                if let Some(due_by) = due_by {
                    qb.push(" AND sla_next_check_at <= ").push_bind(micros(due_by));
                }
                qb.push(" ORDER BY id");
                qb.build()
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(SlaCandidate {
                            ticket: Self::ticket_from_row(r)?,
                            next_check: r.try_get("sla_next_check_at")?,
                            stamp: r.try_get("sla_stamp")?,
                        })
                    })
                    .collect()
            }

            async fn set_sla_next_checks(&self, checks: &[SlaNextCheck]) -> Result<u64> {
                let mut written = 0;
                let mut w = self.begin_single().await?;
                // Bounded batches: both databases limit the number of parameters per statement.
                for chunk in checks.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("WITH v (tid, tversion, tstamp, tat) AS (");
                    qb.push_values(chunk, |mut row, c| {
                        row.push_bind(c.ticket.0).push_bind(c.version).push_bind(c.stamp).push_bind(c.at.map(micros));
                    });
                    // Not the version: the next check is no change of the ticket's.
                    qb.push(
                        ") UPDATE tickets SET sla_next_check_at = v.tat FROM v \
                         WHERE tickets.id = v.tid AND tickets.version = v.tversion AND tickets.sla_stamp = v.tstamp",
                    );
                    written += qb.build().execute(&mut *w).await?.rows_affected();
                }
                w.commit().await?;
                Ok(written)
            }

            async fn bot_state(&self, name: &str) -> Result<Option<String>> {
                Ok(sqlx::query_scalar("SELECT value FROM bot_state WHERE name = $1").bind(name).fetch_optional(&self.pool).await?)
            }

            async fn set_bot_state(&self, name: &str, value: &str) -> Result<()> {
                let mut w = self.begin_single().await?;
                sqlx::query("INSERT INTO bot_state (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                    .bind(name)
                    .bind(value)
                    .execute(&mut *w)
                    .await?;
                w.commit().await?;
                Ok(())
            }

            async fn ticket_logs(&self, q: &LogQuery<'_>) -> Result<Vec<(Ticket, Vec<TicketEvent>)>> {
                // SQLite reads packs of rows as JSON arrays (see `pack_sql`); both decode as
                // the rows come.
                let (select, group) = match $backend {
                    Backend::Sqlite => {
                        let columns: Vec<&str> = ticket_cols!().split(',').map(str::trim).collect();
                        (pack_sql(&columns, &["tags"]), format!(" GROUP BY id / {PACK}"))
                    }
                    Backend::Postgres => (ticket_cols!().to_string(), " ORDER BY id".to_string()),
                };
                let mut tickets_q = sqlx::QueryBuilder::<$db>::new("");
                if !Self::push_tickets_selected(&mut tickets_q, &select, &group, q) {
                    return Ok(Vec::new());
                }
                let mut tx = self.read_snapshot().await?;
                let mut out: Vec<(Ticket, Vec<TicketEvent>)> = match $backend {
                    Backend::Sqlite => {
                        let packs = decode_each(tickets_q.build_query_scalar::<String>().fetch(&mut *tx), |text| {
                            unpack::<TicketColumns>(Some(&text), "tickets")
                        })
                        .await?;
                        packs.into_iter().flatten().map(|c| Ok((c.into_ticket()?, Vec::new()))).collect::<Result<_>>()?
                    }
                    Backend::Postgres => decode_each(tickets_q.build().fetch(&mut *tx), |r| Ok::<_, StoreError>((Self::ticket_from_row(&r)?, Vec::new()))).await?,
                };
                out.sort_unstable_by_key(|(t, _)| t.id);
                let events: Vec<TicketEvent> = match $backend {
                    // One statement for all the logs: the same selection again, in the same
                    // snapshot (SQLite walks `ticket_events_ticket` per selected id).
                    Backend::Sqlite => {
                        let mut events_q = sqlx::QueryBuilder::<$db>::new(format!(
                            "SELECT {} FROM ticket_events WHERE ticket_id IN (",
                            pack_sql(EVENT_COLUMNS, &["data", "actor"])
                        ));
                        Self::push_log_selection(&mut events_q, q);
                        events_q.push(")");
                        Self::push_kinds(&mut events_q, q.kinds);
                        events_q.push(format!(" GROUP BY ticket_id / {PACK}"));
                        Self::fetch_events(&mut tx, &mut events_q).await?
                    }
                    // By lists of the selected ids: PostgreSQL's planner misjudges the
                    // subquery form and walks the whole `ticket_events_ticket` index (merge
                    // join); with lists it looks each id up (`= ANY`).
                    Backend::Postgres => {
                        let ids: Vec<i64> = out.iter().map(|(t, _)| t.id.0).collect();
                        Self::events_by_ids(&mut tx, &ids, q.kinds).await?
                    }
                };
                tx.commit().await?;
                attach_events(&mut out, events, |(t, _)| t.id, |(_, log)| log);
                Ok(out)
            }

            async fn health_tickets(&self, since: DateTime<Utc>) -> Result<Vec<crate::health::HealthTicket>> {
                use crate::health::HEALTH_WINDOW_KINDS;
                let selection = LogQuery { active: true, touched_since: Some((since, HEALTH_WINDOW_KINDS)), ..Default::default() };
                let (select, group) = match $backend {
                    Backend::Sqlite => (pack_sql(HEALTH_TICKET_COLUMNS, &[]), format!(" GROUP BY id / {PACK}")),
                    Backend::Postgres => (HEALTH_TICKET_COLUMNS.join(", "), " ORDER BY id".to_string()),
                };
                let mut tickets_q = sqlx::QueryBuilder::<$db>::new("");
                Self::push_tickets_selected(&mut tickets_q, &select, &group, &selection);
                // The window's events straight from the (kind, time) index: they are those of
                // the tickets selected for them.
                let (select, group) = match $backend {
                    Backend::Sqlite => (pack_sql(EVENT_COLUMNS, &["data", "actor"]), format!(" GROUP BY ticket_id / {PACK}")),
                    Backend::Postgres => (EVENT_COLUMNS.join(", "), String::new()),
                };
                let mut events_q = sqlx::QueryBuilder::<$db>::new(format!("SELECT {select} FROM ticket_events WHERE occurred_at >= "));
                events_q.push_bind(micros(since));
                Self::push_kinds(&mut events_q, Some(HEALTH_WINDOW_KINDS));
                events_q.push(group);
                let mut tx = self.read_snapshot().await?;
                let mut out: Vec<crate::health::HealthTicket> = match $backend {
                    Backend::Sqlite => {
                        let packs = decode_each(tickets_q.build_query_scalar::<String>().fetch(&mut *tx), |text| {
                            unpack::<HealthTicketColumns>(Some(&text), "tickets")
                        })
                        .await?;
                        packs.into_iter().flatten().map(HealthTicketColumns::into_health_ticket).collect::<Result<_>>()?
                    }
                    Backend::Postgres => decode_each(tickets_q.build().fetch(&mut *tx), |r| {
                        <HealthTicketColumns as sqlx::FromRow<'_, _>>::from_row(&r)?.into_health_ticket()
                    })
                    .await?,
                };
                let events = Self::fetch_events(&mut tx, &mut events_q).await?;
                tx.commit().await?;
                out.sort_unstable_by_key(|t| t.id);
                attach_events(&mut out, events, |t| t.id, |t| &mut t.events);
                Ok(out)
            }

            async fn signal_values(&self, name: &SignalName) -> Result<Vec<f64>> {
                // Signals are a JSON object of numbers; names are slugs (no quotes to escape).
                let (sql, key) = match $backend {
                    Backend::Sqlite => (
                        "SELECT CAST(json_extract(signals, $1) AS REAL) FROM accounts \
                         WHERE json_type(signals, $1) IN ('integer', 'real')",
                        format!("$.\"{}\"", name.as_str()),
                    ),
                    Backend::Postgres => (
                        "SELECT (signals ->> $1)::float8 FROM accounts WHERE jsonb_typeof(signals -> $1) = 'number'",
                        name.as_str().to_string(),
                    ),
                };
                Ok(sqlx::query_scalar(sql).bind(key).fetch_all(&self.pool).await?)
            }

            async fn account_tiers(&self) -> Result<BTreeMap<AccountId, Tier>> {
                let rows = sqlx::query_as::<_, (String, String)>("SELECT id, tier FROM accounts").fetch(&self.pool);
                let pairs = decode_each(rows, |(id, tier)| Ok::<_, StoreError>((parse_col("id", &id)?, parse_col("tier", &tier)?))).await?;
                Ok(pairs.into_iter().collect())
            }

            async fn account_tiers_of(&self, accounts: &[AccountId]) -> Result<BTreeMap<AccountId, Tier>> {
                let mut out = BTreeMap::new();
                // Bounded batches: both databases limit the number of parameters per statement.
                for chunk in accounts.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("SELECT id, tier FROM accounts WHERE id IN (");
                    let mut list = qb.separated(", ");
                    for a in chunk {
                        list.push_bind(a.as_str().to_string());
                    }
                    qb.push(")");
                    let rows: Vec<(String, String)> = qb.build_query_as().fetch_all(&self.pool).await?;
                    for (id, tier) in rows {
                        out.insert(parse_col("id", &id)?, parse_col("tier", &tier)?);
                    }
                }
                Ok(out)
            }

            async fn health_on_or_before_all(
                &self,
                day: NaiveDate,
            ) -> Result<BTreeMap<AccountId, (NaiveDate, crate::health::Health)>> {
                const LATEST: &str = "SELECT h.account_id AS account_id, h.day AS day, h.score AS score, h.reasons AS reasons \
                     FROM health_snapshots h JOIN (SELECT account_id, MAX(day) AS day FROM health_snapshots \
                     WHERE day <= $1 GROUP BY account_id) latest ON latest.account_id = h.account_id AND latest.day = h.day";
                let rows: Vec<(String, NaiveDate, i64, Vec<crate::health::Reason>)> = match $backend {
                    // One JSON array for all (see `pack_sql`): one small snapshot per account.
                    Backend::Sqlite => {
                        let sql = format!("SELECT {} FROM ({LATEST}) s", pack_sql(&["account_id", "day", "score", "reasons"], &["reasons"]));
                        let text: Option<String> = sqlx::query_scalar(&sql).bind(day).fetch_one(&self.pool).await?;
                        unpack(text.as_deref(), "health snapshots")?
                    }
                    Backend::Postgres => {
                        let rows = sqlx::query(LATEST).bind(day).fetch(&self.pool);
                        decode_each(rows, |r| -> Result<_> {
                            let reasons: Json<Vec<crate::health::Reason>> = r.try_get("reasons")?;
                            Ok((r.try_get("account_id")?, r.try_get("day")?, r.try_get("score")?, reasons.0))
                        })
                        .await?
                    }
                };
                rows.into_iter()
                    .map(|(account, day, score, reasons)| {
                        let score = u8::try_from(score).map_err(|_| StoreError::Corrupt(format!("health score {score}")))?;
                        Ok((parse_col("account_id", &account)?, (day, crate::health::Health { score, reasons })))
                    })
                    .collect()
            }

            async fn save_health_many(&self, day: NaiveDate, health: &[(AccountId, crate::health::Health)]) -> Result<()> {
                let mut tx = self.begin().await?;
                // Bounded batches: both databases limit the number of parameters per statement.
                for chunk in health.chunks(1000) {
                    let mut qb = sqlx::QueryBuilder::<$db>::new("INSERT INTO health_snapshots (account_id, day, score, reasons) ");
                    qb.push_values(chunk, |mut row, (account, h)| {
                        row.push_bind(account.as_str().to_string())
                            .push_bind(day)
                            .push_bind(i64::from(h.score))
                            .push_bind(Json(h.reasons.clone()));
                    });
                    qb.push(" ON CONFLICT (account_id, day) DO UPDATE SET score = excluded.score, reasons = excluded.reasons");
                    qb.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn merge_account_signals(
                &self,
                account: &AccountId,
                changes: &BTreeMap<SignalName, Option<f64>>,
                now: DateTime<Utc>,
            ) -> Result<Option<BTreeMap<SignalName, f64>>> {
                if let Some((name, value)) = changes.iter().find_map(|(n, v)| v.filter(|v| !v.is_finite()).map(|v| (n, v))) {
                    return Err(StoreError::Invalid(format!("signal `{name}` is {value}; signals must be finite numbers")));
                }
                let mut tx = self.begin().await?;
                // Read and write in one transaction, the row locked on PostgreSQL (SQLite's
                // BEGIN IMMEDIATE already holds the write lock), so concurrent merges all land.
                let select = match $backend {
                    Backend::Postgres => "SELECT signals FROM accounts WHERE id = $1 FOR UPDATE",
                    Backend::Sqlite => "SELECT signals FROM accounts WHERE id = $1",
                };
                let Some(row) = sqlx::query(select).bind(account.as_str()).fetch_optional(&mut *tx).await? else {
                    tx.rollback().await?;
                    return Ok(None);
                };
                let current: Json<BTreeMap<SignalName, f64>> = row.try_get("signals")?;
                let mut signals = current.0;
                for (name, value) in changes {
                    match value {
                        Some(v) => signals.insert(name.clone(), *v),
                        None => signals.remove(name),
                    };
                }
                sqlx::query("UPDATE accounts SET signals = $1, updated_at = $2 WHERE id = $3")
                    .bind(Json(&signals))
                    .bind(micros(now))
                    .bind(account.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(signals))
            }
        }
    };
}

sql_store!(
    /// The store on SQLite: the embedded default, one file, zero setup.
    SqliteStore,
    sqlx::Sqlite,
    Backend::Sqlite,
    "BEGIN IMMEDIATE",
    // One writer at a time: a single UPDATE claims atomically.
    "",
    // Several writes sent together (`Chain`): statements separated by `;`, which SQLite's
    // driver runs in one call.
    false,
    sqlx::migrate!("../migrations/sqlite")
);

sql_store!(
    /// The store on PostgreSQL: for teams running several baton replicas.
    PgStore,
    sqlx::Postgres,
    Backend::Postgres,
    "BEGIN",
    " FOR UPDATE SKIP LOCKED",
    // Several writes sent together (`Chain`): one statement of data-modifying `WITH` parts.
    true,
    sqlx::migrate!("../migrations/postgres")
);

/// Hands each event to its ticket's log: `tickets` in id order, the events sorted here by
/// ticket and log order, both walked once. Events of tickets not in `tickets` are dropped.
fn attach_events<T>(
    tickets: &mut [T],
    mut events: Vec<TicketEvent>,
    id: impl Fn(&T) -> TicketId,
    log: impl Fn(&mut T) -> &mut Vec<TicketEvent>,
) {
    events.sort_unstable_by_key(|e| (e.ticket, e.id));
    let mut i = 0;
    for event in events {
        while i < tickets.len() && id(&tickets[i]) < event.ticket {
            i += 1;
        }
        if i == tickets.len() {
            break;
        }
        if id(&tickets[i]) == event.ticket {
            log(&mut tickets[i]).push(event);
        }
    }
}

/// A list of values in a statement, as each database plans it best. PostgreSQL binds one
/// array (`column = ANY($n)`): one statement text whatever the list's length, and the plan it
/// caches for it (a generic plan, from the sixth execution on) looks the values up by index;
/// with one parameter per value (`IN ($1, …, $500)`) its generic plan for the ids of a log
/// read intersected them with every event of the kinds asked for (100 ms per list of 500 ids
/// instead of 1 ms). Lists stay short enough that the plans made for the first executions,
/// which see the values, still look them up by index: from about 10,000 ids a log read was
/// planned as a sequential scan of every event (500 ms a list; 1,000 ids: 2 ms). SQLite plans
/// each statement afresh and has no arrays: one parameter per value, within its limit.
trait ListBind: sqlx::Database {
    /// Values one list takes.
    const MAX_LIST: usize;
    /// Pushes `column IN (…)` (or its equivalent) for `ids`.
    fn push_ids_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, ids: &[i64]);
    /// Pushes `column IN (…)` (or its equivalent) for `values`.
    fn push_texts_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, values: &[&str]);
}

impl ListBind for sqlx::Postgres {
    const MAX_LIST: usize = 1_000;
    fn push_ids_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, ids: &[i64]) {
        qb.push(column).push(" = ANY(").push_bind(ids.to_vec()).push(")");
    }
    fn push_texts_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, values: &[&str]) {
        qb.push(column).push(" = ANY(").push_bind(values.iter().map(|v| v.to_string()).collect::<Vec<_>>()).push(")");
    }
}

impl ListBind for sqlx::Sqlite {
    const MAX_LIST: usize = 500;
    fn push_ids_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, ids: &[i64]) {
        qb.push(column).push(" IN (");
        let mut list = qb.separated(", ");
        for id in ids {
            list.push_bind(*id);
        }
        qb.push(")");
    }
    fn push_texts_in(qb: &mut sqlx::QueryBuilder<'_, Self>, column: &str, values: &[&str]) {
        qb.push(column).push(" IN (");
        let mut list = qb.separated(", ");
        for v in values {
            list.push_bind(v.to_string());
        }
        qb.push(")");
    }
}

/// `VALUES (id, message, at), …` of `deliveries`, each value cast to `types` (PostgreSQL:
/// a bound parameter has no type of its own there) or not (`None`, SQLite).
fn push_delivery_values<'q, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'q, DB>,
    deliveries: &'q [Delivery],
    types: Option<[&str; 3]>,
) where
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let [id_t, message_t, at_t] = types.map(|t| t.map(|t| format!("::{t}"))).unwrap_or_default();
    qb.push("VALUES ");
    let mut rows = qb.separated(", ");
    for d in deliveries {
        rows.push("(");
        rows.push_bind_unseparated(d.id).push_unseparated(id_t.as_str()).push_unseparated(", ");
        rows.push_bind_unseparated(d.message.as_ref().map(|m| m.as_str())).push_unseparated(message_t.as_str());
        rows.push_unseparated(", ").push_bind_unseparated(micros(d.at)).push_unseparated(at_t.as_str());
        rows.push_unseparated(")");
    }
}

impl SqliteStore {
    #[cfg(test)]
    pub(crate) fn writer(&self) -> &sqlx::SqlitePool {
        &self.writer
    }

    /// Marks `deliveries` (at most [`INSERT_ROWS`]): two statements, sent together. First the
    /// tickets whose card this is (read from the outbox rows before they are marked); of two
    /// cards of one ticket, the bare column beside `MIN(o.id)` is the first card's message.
    fn push_delivered(deliveries: &[Delivery]) -> sqlx::QueryBuilder<'_, sqlx::Sqlite> {
        let mut qb = sqlx::QueryBuilder::new("WITH v (id, message, at) AS (");
        push_delivery_values(&mut qb, deliveries, None);
        qb.push(
            ") UPDATE tickets SET card_message = COALESCE(card_message, c.message), \
             origin_thread = COALESCE(origin_thread, c.message) \
             FROM (SELECT o.ticket_id, v.message, MIN(o.id) FROM v JOIN outbox o ON o.id = v.id \
             WHERE v.message IS NOT NULL AND o.ticket_id IS NOT NULL AND o.purpose = ",
        );
        qb.push_bind(OutboundPurpose::TicketCard.as_str());
        qb.push(" GROUP BY o.ticket_id) AS c WHERE tickets.id = c.ticket_id; WITH v (id, message, at) AS (");
        push_delivery_values(&mut qb, deliveries, None);
        qb.push(
            ") UPDATE outbox SET delivered_at = v.at, delivered_message = v.message, attempts = attempts + 1 \
             FROM v WHERE outbox.id = v.id",
        );
        qb
    }

    /// The inbox's commit, durable before it returns. It is an urgent part of the writer's
    /// group (ahead of the other writers, and committing its group at once; see
    /// [`super::group`]), commits like every other write (`synchronous = NORMAL`: the WAL is
    /// written, not synced) and then syncs the WAL file itself, *after* SQLite's write lock is
    /// released: other writers (the work done from the inbox) go on during the ~5 ms a sync
    /// costs on a cloud disk instead of queueing behind it. Durable all the same: the sync
    /// reaches every frame written so far, this commit's included; a checkpoint that ran in
    /// between synced the WAL before copying it and the database file after.
    async fn durable_inbox_commit(&self, events: &[NewInbound], now: DateTime<Utc>) -> Result<Vec<bool>> {
        // Ahead of the other writers, and its group commits at once.
        let mut w = self.begin_write(true).await?;
        let fresh = Self::insert_inbound(&mut w, events, now).await?;
        w.commit().await?;
        if let Some(wal) = self.wal_path() {
            let sync = move || match std::fs::OpenOptions::new().write(true).open(&wal) {
                Ok(f) => f.sync_data(),
                // The last connection closed in between: closing checkpointed the log into the
                // database file, synced it, and removed the log.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(e),
            };
            tokio::task::spawn_blocking(sync)
                .await
                .map_err(|e| StoreError::Unavailable(format!("WAL sync task failed: {e}")))?
                .map_err(|e| StoreError::Unavailable(format!("cannot sync the write-ahead log: {e}")))?;
        }
        Ok(fresh)
    }

    /// The database's write-ahead log; `None` for an in-memory database.
    fn wal_path(&self) -> Option<std::path::PathBuf> {
        let options = self.writer.connect_options();
        let file = options.get_filename();
        let name = file.to_str()?;
        if name.is_empty() || name == ":memory:" || name.starts_with("file::memory:") {
            return None;
        }
        let mut wal = file.as_os_str().to_owned();
        wal.push("-wal");
        Some(wal.into())
    }
}

impl PgStore {
    /// Marks `deliveries` (at most [`INSERT_ROWS`]) in one statement: the outbox rows, and
    /// from what they return the tickets whose card this is (of two cards of one ticket, the
    /// first queued).
    fn push_delivered(deliveries: &[Delivery]) -> sqlx::QueryBuilder<'_, sqlx::Postgres> {
        let mut qb = sqlx::QueryBuilder::new("WITH v (id, message, at) AS (");
        push_delivery_values(&mut qb, deliveries, Some(["bigint", "text", "timestamptz"]));
        qb.push(
            "), delivered AS (UPDATE outbox SET delivered_at = v.at, delivered_message = v.message, \
             attempts = outbox.attempts + 1 FROM v WHERE outbox.id = v.id \
             RETURNING outbox.id, outbox.ticket_id, outbox.purpose, v.message) \
             UPDATE tickets SET card_message = COALESCE(tickets.card_message, c.message), \
             origin_thread = COALESCE(tickets.origin_thread, c.message) \
             FROM (SELECT DISTINCT ON (ticket_id) ticket_id, message FROM delivered \
             WHERE message IS NOT NULL AND ticket_id IS NOT NULL AND purpose = ",
        );
        qb.push_bind(OutboundPurpose::TicketCard.as_str());
        qb.push(" ORDER BY ticket_id, id) AS c WHERE tickets.id = c.ticket_id");
        qb
    }

    /// The inbox's commit, durable before it returns: this one transaction waits for the WAL
    /// flush (`SET LOCAL synchronous_commit = on`), which also flushes every commit before it;
    /// the setting ends with the transaction, so the connection goes back to not waiting (see
    /// [`PgStore::connect_with`]) without a round trip of its own.
    async fn durable_inbox_commit(&self, events: &[NewInbound], now: DateTime<Utc>) -> Result<Vec<bool>> {
        let mut tx = self.writer.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit = on").execute(&mut *tx).await?;
        let fresh = Self::insert_inbound(&mut tx, events, now).await?;
        tx.commit().await?;
        Ok(fresh)
    }
}
