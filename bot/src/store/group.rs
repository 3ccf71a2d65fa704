//! Group commit for a store that writes through one connection (SQLite).
//!
//! SQLite has one writer. When every write transaction held the writer connection from its
//! `BEGIN` to its `COMMIT`, the commits were the largest part of the writer's time (each
//! writes every page it changed to the log, and a ticket's opening changes the same table
//! and index pages as the next one's). Here writers that queue for the connection at the
//! same time share one transaction:
//!
//! - each writer's work is a **part** of the open group, inside a savepoint: a part that
//!   fails (or is dropped half done) is rolled back to its savepoint alone (the part that
//!   opens a group needs none: undone, it takes the transaction with it);
//! - when a part is done and no other writer is waiting to add one (or the group is full,
//!   or the part is urgent), the group commits, once, for all its parts: writers that
//!   arrive while others write join them, and a lone writer commits at once;
//! - a writer is answered only when its group has committed, with the group's outcome: a
//!   write that returned `Ok` is committed, as before; if the commit fails, every part of
//!   the group fails (and its writers retry, as after any failed write).
//!
//! Readers (other connections) see a part when its group commits, as they saw a
//! transaction when it committed. Parts run one at a time, in the order their writers
//! queued, so a part sees the parts before it as a transaction sees earlier commits.
//!
//! Urgent writers (the inbox's acknowledgements) go ahead of the others: at most
//! [`ORDINARY_QUEUED`] ordinary writer is ever queued for the connection ahead of one (the
//! others wait for a turn to queue), and an urgent part commits its group at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::{watch, Mutex, OwnedMutexGuard, Semaphore};

use super::{Result, StoreError};

/// The most parts one group commits.
const GROUP_PARTS: usize = 64;

/// The most ordinary writers queued for the connection at once (the others wait for a turn
/// to queue): an urgent writer waits for at most this many parts (and the one in progress)
/// before its own.
const ORDINARY_QUEUED: usize = 1;

/// What every part of a group is answered: the group's commit.
type Outcome = std::result::Result<(), Arc<str>>;

/// The group-commit writer of one database.
pub(crate) struct WriteGroup<DB: sqlx::Database> {
    pool: sqlx::Pool<DB>,
    /// The statement that opens a group's transaction.
    begin: &'static str,
    state: Arc<Mutex<State<DB>>>,
    /// Writers waiting to start a part (for a turn, or for `state`).
    queued: AtomicUsize,
    /// Turns for ordinary writers to queue (see [`ORDINARY_QUEUED`]).
    turns: Arc<Semaphore>,
}

impl<DB: sqlx::Database> std::fmt::Debug for WriteGroup<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteGroup").field("queued", &self.queued.load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

struct State<DB: sqlx::Database> {
    /// The open group's transaction.
    tx: Option<sqlx::Transaction<'static, DB>>,
    /// Parts done in `tx`, waiting for its commit.
    parts: usize,
    /// A part is in progress (its savepoint is open): seen by the next holder of the state
    /// only when that part's writer was dropped half done.
    part_open: bool,
    /// The part in progress opened the group (no savepoint: nothing else is in it).
    part_whole: bool,
    /// Groups ended so far (committed or failed), and where the open one's outcome goes.
    number: u64,
    outcome: watch::Sender<Option<Outcome>>,
}

/// One writer's part of a group: a savepoint in the group's transaction, with the
/// connection to itself until [`Part::commit`] or [`Part::rollback`]. Dropped before either,
/// its writes are rolled back.
pub(crate) struct Part<DB: sqlx::Database>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    group: Arc<WriteGroup<DB>>,
    state: Option<OwnedMutexGuard<State<DB>>>,
    urgent: bool,
}

impl<DB: sqlx::Database> WriteGroup<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// Groups the writes made through `pool` (of one connection); `begin` opens a group.
    pub(crate) fn new(pool: sqlx::Pool<DB>, begin: &'static str) -> Self {
        Self {
            pool,
            begin,
            state: Arc::new(Mutex::new(State {
                tx: None,
                parts: 0,
                part_open: false,
                part_whole: false,
                number: 0,
                outcome: watch::channel(None).0,
            })),
            queued: AtomicUsize::new(0),
            turns: Arc::new(Semaphore::new(ORDINARY_QUEUED)),
        }
    }

    /// Starts a part: waits for the connection (an `urgent` writer ahead of the ordinary
    /// ones), opening a group if none is open.
    pub(crate) async fn join(self: &Arc<Self>, urgent: bool) -> Result<Part<DB>> {
        let queued = Queued::new(self);
        let turn = match urgent {
            true => None,
            false => Some(self.turns.clone().acquire_owned().await.expect("the turns are never closed")),
        };
        let mut state = self.state.clone().lock_owned().await;
        queued.arrived();
        drop(turn);
        state.settle().await?;
        let whole = state.tx.is_none();
        if whole {
            state.tx = Some(self.pool.begin_with(self.begin).await?);
        } else if let Err(e) = state.exec("SAVEPOINT part").await {
            state.fail(&e);
            return Err(e);
        }
        state.part_open = true;
        state.part_whole = whole;
        Ok(Part { group: self.clone(), state: Some(state), urgent })
    }
}

impl<DB: sqlx::Database> State<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    async fn exec(&mut self, sql: &'static str) -> Result<()> {
        let tx = self.tx.as_mut().expect("a group is open");
        sqlx::Executor::execute(&mut **tx, sql).await?;
        Ok(())
    }

    /// Rolls back a part left open by a writer dropped half done.
    async fn settle(&mut self) -> Result<()> {
        if !std::mem::take(&mut self.part_open) {
            return Ok(());
        }
        if std::mem::take(&mut self.part_whole) {
            // The part opened the group: the group is undone with it.
            debug_assert_eq!(self.parts, 0, "a group's first part is its only one while it runs");
            if let Some(tx) = self.tx.take() {
                if let Err(e) = tx.rollback().await {
                    tracing::warn!(error = %e, "could not roll back a write group's only part");
                }
            }
            return Ok(());
        }
        match self.exec("ROLLBACK TO SAVEPOINT part; RELEASE SAVEPOINT part").await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// Ends the open group without committing it (the database refused a savepoint's
    /// statement, so the transaction cannot be trusted): every part's writer is told.
    fn fail(&mut self, e: &StoreError) {
        tracing::error!(error = %e, group = self.number, parts = self.parts, "a write group is rolled back; its writers are told it failed");
        self.tx = None;
        self.part_open = false;
        self.part_whole = false;
        self.publish(Err(e.to_string().into()));
    }

    /// Commits the open group (after settling a part left open).
    async fn commit(&mut self) -> Outcome {
        if let Err(e) = self.settle().await {
            return Err(e.to_string().into());
        }
        let outcome = match self.tx.take() {
            Some(tx) => tx.commit().await.map_err(|e| Arc::<str>::from(e.to_string())),
            None => Ok(()),
        };
        self.publish(outcome.clone());
        outcome
    }

    /// Ends the open group: its outcome goes to its parts, and the next part opens another.
    fn publish(&mut self, outcome: Outcome) {
        self.parts = 0;
        self.number += 1;
        std::mem::replace(&mut self.outcome, watch::channel(None).0).send_replace(Some(outcome));
    }

    /// After a part ended (done or rolled back): commits the group if nobody is queued to
    /// add a part; a group without parts just ends.
    async fn after_part(&mut self, queued: usize) -> Option<Outcome> {
        if queued > 0 {
            return None;
        }
        if self.parts == 0 {
            if let Some(tx) = self.tx.take() {
                if let Err(e) = tx.rollback().await {
                    tracing::warn!(error = %e, "could not end an empty write group");
                }
            }
            return None;
        }
        Some(self.commit().await)
    }
}

impl<DB: sqlx::Database> Part<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn state(&mut self) -> &mut OwnedMutexGuard<State<DB>> {
        self.state.as_mut().expect("a part holds the state until it ends")
    }

    /// Keeps this part's writes and returns when its group has committed them.
    ///
    /// The part ends on a task of its own, so a writer cancelled here cannot leave it half
    /// ended (its savepoint released or not, its group committed by nobody): the write is
    /// then committed with its group, unanswered.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let state = self.state.take().expect("a part holds the state until it ends");
        let (group, urgent) = (self.group.clone(), self.urgent);
        tokio::spawn(keep(group, state, urgent))
            .await
            .unwrap_or_else(|e| Err(StoreError::Unavailable(format!("the write's commit task failed: {e}"))))
    }

    /// Undoes this part's writes (the rest of its group is unaffected).
    pub(crate) async fn rollback(mut self) -> Result<()> {
        let state = self.state.take().expect("a part holds the state until it ends");
        tokio::spawn(undo(self.group.clone(), state))
            .await
            .unwrap_or_else(|e| Err(StoreError::Unavailable(format!("the write's rollback task failed: {e}"))))
    }
}

/// Ends a part keeping its writes (see [`Part::commit`]).
async fn keep<DB: sqlx::Database>(group: Arc<WriteGroup<DB>>, mut state: OwnedMutexGuard<State<DB>>, urgent: bool) -> Result<()>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    if !std::mem::take(&mut state.part_whole) {
        if let Err(e) = state.exec("RELEASE SAVEPOINT part").await {
            state.fail(&e);
            return Err(e);
        }
    }
    state.part_open = false;
    state.parts += 1;
    if urgent || state.parts >= GROUP_PARTS || group.queued.load(Ordering::Acquire) == 0 {
        return state.commit().await.map_err(group_failed);
    }
    // The writers waiting join the group; the last of them (or the first to find nobody
    // waiting after it) commits it.
    let mut outcome = state.outcome.subscribe();
    drop(state);
    let published = outcome.wait_for(Option::is_some).await;
    let outcome = published.map(|o| o.clone().expect("waited for it"));
    outcome.unwrap_or_else(|_| Err("the write group was dropped".into())).map_err(group_failed)
}

/// Ends a part undoing its writes, and ends its group if nobody is left to.
async fn undo<DB: sqlx::Database>(group: Arc<WriteGroup<DB>>, mut state: OwnedMutexGuard<State<DB>>) -> Result<()>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    state.settle().await?;
    if let Some(Err(e)) = state.after_part(group.queued.load(Ordering::Acquire)).await {
        tracing::warn!(error = %e, "a write group's commit failed after a part was rolled back");
    }
    Ok(())
}

fn group_failed(e: Arc<str>) -> StoreError {
    StoreError::Unavailable(format!("the write's group commit failed: {e}"))
}

impl<DB: sqlx::Database> std::ops::Deref for Part<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        self.state.as_ref().and_then(|s| s.tx.as_ref()).expect("a part holds an open group")
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Part<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn deref_mut(&mut self) -> &mut DB::Connection {
        self.state().tx.as_mut().expect("a part holds an open group")
    }
}

impl<DB: sqlx::Database> Drop for Part<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// A part dropped half done (an error returned early, or its writer cancelled): its
    /// savepoint is rolled back now, on a task of its own that keeps the state until then;
    /// outside a runtime, by the state's next holder.
    fn drop(&mut self) {
        let Some(state) = self.state.take() else { return };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        runtime.spawn(undo(self.group.clone(), state));
    }
}

/// Counts a writer as waiting to start a part until it has the state. A writer cancelled
/// while it waits may have been the one its group was waiting for: the group is then
/// committed if nobody else is left to.
struct Queued<'a, DB: sqlx::Database>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    group: &'a Arc<WriteGroup<DB>>,
    waiting: bool,
}

impl<'a, DB: sqlx::Database> Queued<'a, DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn new(group: &'a Arc<WriteGroup<DB>>) -> Self {
        group.queued.fetch_add(1, Ordering::AcqRel);
        Self { group, waiting: true }
    }

    /// The writer has the state.
    fn arrived(mut self) {
        self.waiting = false;
        self.group.queued.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<DB: sqlx::Database> Drop for Queued<'_, DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn drop(&mut self) {
        if !self.waiting {
            return;
        }
        self.group.queued.fetch_sub(1, Ordering::AcqRel);
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let group = self.group.clone();
        runtime.spawn(async move {
            let mut state = group.state.clone().lock_owned().await;
            if state.parts > 0 && group.queued.load(Ordering::Acquire) == 0 {
                if let Err(e) = state.commit().await {
                    tracing::warn!(error = %e, "a write group's commit failed after a waiting writer was cancelled");
                }
            }
        });
    }
}

/// A write transaction of the store: its own (a pool of several writers, PostgreSQL), or a
/// part of a group (one writer connection, SQLite). Dropped before [`Write::commit`], its
/// writes are rolled back.
pub(crate) enum Write<DB: sqlx::Database>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    Own(sqlx::Transaction<'static, DB>),
    Part(Part<DB>),
    /// A connection in autocommit, for a write of one statement (each statement commits on
    /// its own: nothing to commit or roll back).
    Single(sqlx::pool::PoolConnection<DB>),
}

impl<DB: sqlx::Database> Write<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    /// Keeps the writes; returns once they are committed.
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Write::Own(tx) => Ok(tx.commit().await?),
            Write::Part(part) => part.commit().await,
            Write::Single(_) => Ok(()),
        }
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            Write::Own(tx) => Ok(tx.rollback().await?),
            Write::Part(part) => part.rollback().await,
            Write::Single(_) => Err(StoreError::Unavailable("a single-statement write cannot be rolled back".into())),
        }
    }
}

impl<DB: sqlx::Database> std::ops::Deref for Write<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        match self {
            Write::Own(tx) => tx,
            Write::Part(part) => part,
            Write::Single(conn) => conn,
        }
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for Write<DB>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    fn deref_mut(&mut self) -> &mut DB::Connection {
        match self {
            Write::Own(tx) => tx,
            Write::Part(part) => part,
            Write::Single(conn) => conn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::SqlitePool;
    use std::str::FromStr;

    /// A group over a one-connection writer on a fresh file, and a reader of the same file.
    async fn group() -> (Arc<WriteGroup<sqlx::Sqlite>>, SqlitePool, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", dir.path().join("g.db").display()))
            .unwrap()
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(opts.clone()).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY); \
             CREATE TABLE t (x INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .execute(&writer)
        .await
        .unwrap();
        let reader = SqlitePoolOptions::new().max_connections(1).connect_with(opts).await.unwrap();
        (Arc::new(WriteGroup::new(writer, "BEGIN IMMEDIATE")), reader, dir)
    }

    async fn insert(part: &mut Part<sqlx::Sqlite>, x: i64) -> Result<()> {
        sqlx::query("INSERT INTO t (x) VALUES ($1)").bind(x).execute(&mut **part).await?;
        Ok(())
    }

    async fn rows(reader: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x").fetch_all(reader).await.unwrap()
    }

    /// Groups ended so far (committed or failed).
    async fn groups(g: &WriteGroup<sqlx::Sqlite>) -> u64 {
        g.state.lock().await.number
    }

    /// Waits (bounded) until `n` writers wait to start a part (for a turn or the state).
    async fn until_queued(g: &WriteGroup<sqlx::Sqlite>, n: usize) {
        for _ in 0..10_000 {
            if g.queued.load(Ordering::Acquire) == n {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("{n} writers never queued");
    }

    /// An ordinary writer inserting `x`, on a task of its own.
    fn writer(g: &Arc<WriteGroup<sqlx::Sqlite>>, x: i64) -> tokio::task::JoinHandle<Result<()>> {
        writer_as(g, x, false)
    }

    fn writer_as(g: &Arc<WriteGroup<sqlx::Sqlite>>, x: i64, urgent: bool) -> tokio::task::JoinHandle<Result<()>> {
        let g = g.clone();
        tokio::spawn(async move {
            let mut part = g.join(urgent).await?;
            insert(&mut part, x).await?;
            part.commit().await
        })
    }

    #[tokio::test]
    async fn writers_queued_together_share_one_commit_and_see_it_done() {
        let (g, reader, _dir) = group().await;
        let first = g.join(false).await.unwrap();
        let others: Vec<_> = (2..=8).map(|x| writer(&g, x)).collect();
        until_queued(&g, 7).await;
        let mut first = first;
        insert(&mut first, 1).await.unwrap();
        first.commit().await.unwrap();
        for w in others {
            w.await.unwrap().unwrap();
        }
        // Every writer was answered after the commit: its row is there for a reader.
        assert_eq!(rows(&reader).await, (1..=8).collect::<Vec<_>>());
        assert_eq!(groups(&g).await, 1, "eight writes, one commit");
        // A writer alone commits at once.
        writer(&g, 9).await.unwrap().unwrap();
        assert_eq!(groups(&g).await, 2);
        assert_eq!(rows(&reader).await.last(), Some(&9));
    }

    #[tokio::test]
    async fn a_failed_part_is_undone_alone_and_its_group_commits_the_rest() {
        let (g, reader, _dir) = group().await;
        let mut first = g.join(false).await.unwrap();
        let failing = {
            let g = g.clone();
            tokio::spawn(async move {
                let mut part = g.join(false).await?;
                insert(&mut part, 2).await?;
                // A duplicate key: the statement fails, and the writer gives up.
                match insert(&mut part, 1).await {
                    Err(e) => {
                        part.rollback().await?;
                        Err(e)
                    }
                    Ok(()) => part.commit().await,
                }
            })
        };
        until_queued(&g, 1).await;
        let last = writer(&g, 3);
        until_queued(&g, 2).await;
        insert(&mut first, 1).await.unwrap();
        first.commit().await.unwrap();
        assert!(failing.await.unwrap().is_err());
        last.await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [1, 3], "the failed writer's first insert is undone too");
        assert_eq!(groups(&g).await, 1);
    }

    #[tokio::test]
    async fn a_part_dropped_half_done_is_undone() {
        let (g, reader, _dir) = group().await;
        let mut dropped = g.join(false).await.unwrap();
        insert(&mut dropped, 1).await.unwrap();
        drop(dropped);
        writer(&g, 2).await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [2]);
        // Dropped alone, with nobody after it: its group ends and gives the connection back.
        let mut alone = g.join(false).await.unwrap();
        insert(&mut alone, 3).await.unwrap();
        drop(alone);
        let mut part = g.join(true).await.unwrap();
        insert(&mut part, 4).await.unwrap();
        part.commit().await.unwrap();
        assert_eq!(rows(&reader).await, [2, 4]);
    }

    #[tokio::test]
    async fn a_group_whose_first_part_is_undone_goes_on_without_it() {
        let (g, reader, _dir) = group().await;
        let mut first = g.join(false).await.unwrap();
        let second = writer(&g, 2);
        until_queued(&g, 1).await;
        insert(&mut first, 1).await.unwrap();
        first.rollback().await.unwrap();
        second.await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [2]);
        // And a first part that fails at its statement, alone.
        let mut part = g.join(false).await.unwrap();
        assert!(insert(&mut part, 2).await.is_err(), "a duplicate key");
        part.rollback().await.unwrap();
        writer(&g, 3).await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [2, 3]);
    }

    #[tokio::test]
    async fn a_writer_cancelled_while_its_group_commits_is_committed_with_it() {
        use futures_util::FutureExt;
        let (g, reader, _dir) = group().await;
        let mut first = g.join(false).await.unwrap();
        let second = writer(&g, 2);
        until_queued(&g, 1).await;
        insert(&mut first, 1).await.unwrap();
        // Cancelled once its commit started: it still ends its part, and the group commits.
        assert!(first.commit().now_or_never().is_none(), "the commit waits for the queued writer");
        second.await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [1, 2]);
    }

    #[tokio::test]
    async fn a_group_waiting_for_a_writer_cancelled_before_its_part_commits_without_it() {
        let (g, reader, _dir) = group().await;
        let mut first = g.join(false).await.unwrap();
        insert(&mut first, 1).await.unwrap();
        // A writer waiting to start a part, so the first part leaves the commit to it.
        let waiting = Queued::new(&g);
        let first = tokio::spawn(first.commit());
        for _ in 0..10_000 {
            if g.state.try_lock().is_ok_and(|s| s.parts == 1) {
                break;
            }
            tokio::task::yield_now().await;
        }
        assert_eq!(g.state.lock().await.parts, 1, "the first part waits for the group's commit");
        drop(waiting);
        first.await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [1]);
    }

    #[tokio::test]
    async fn an_urgent_writer_goes_ahead_of_ordinary_ones_and_commits_at_once() {
        let (g, reader, _dir) = group().await;
        let first = g.join(false).await.unwrap();
        // More ordinary writers than may queue: the rest wait for a turn.
        let ordinary: Vec<_> = (10..10 + ORDINARY_QUEUED as i64 + 4).map(|x| writer(&g, x)).collect();
        until_queued(&g, ORDINARY_QUEUED + 4).await;
        let urgent = writer_as(&g, 1, true);
        until_queued(&g, ORDINARY_QUEUED + 5).await;
        drop(first);
        urgent.await.unwrap().unwrap();
        // Answered with its group: it and the writers queued before it, not the ones
        // waiting for a turn (they could not queue ahead of it).
        let seen = rows(&reader).await;
        assert!(seen.contains(&1));
        assert_eq!(seen.len(), ORDINARY_QUEUED + 1, "{seen:?}");
        for w in ordinary {
            w.await.unwrap().unwrap();
        }
        assert_eq!(rows(&reader).await.len(), ORDINARY_QUEUED + 5);
    }

    #[tokio::test]
    async fn a_group_whose_commit_fails_fails_every_part_in_it() {
        let (g, reader, _dir) = group().await;
        let mut first = g.join(false).await.unwrap();
        let orphan = {
            let g = g.clone();
            tokio::spawn(async move {
                let mut part = g.join(false).await?;
                // Checked at the commit (a deferred foreign key): the group's commit fails.
                sqlx::query("INSERT INTO t (x, parent) VALUES (2, 99)").execute(&mut *part).await?;
                part.commit().await
            })
        };
        until_queued(&g, 1).await;
        insert(&mut first, 1).await.unwrap();
        let first = first.commit().await;
        let orphan = orphan.await.unwrap();
        assert!(matches!(first, Err(StoreError::Unavailable(ref m)) if m.contains("FOREIGN KEY")), "{first:?}");
        assert!(matches!(orphan, Err(StoreError::Unavailable(_))), "{orphan:?}");
        assert!(rows(&reader).await.is_empty());
        // The next group starts clean.
        writer(&g, 3).await.unwrap().unwrap();
        assert_eq!(rows(&reader).await, [3]);
    }
}
