//! Test support: a fresh, migrated database for every test, on SQLite and on PostgreSQL.
//!
//! Used by the unit tests in this crate and by the end-to-end tests in `tests/e2e`, so it is
//! compiled into the library (it is small and has no effect unless called).
//!
//! - [`sqlite`]: a new SQLite file in a temporary directory, removed with the [`TestDb`].
//! - [`postgres`]: a new schema in the PostgreSQL database at `BATON_TEST_DATABASE_URL`
//!   (default [`DEFAULT_POSTGRES_URL`]); every connection of the store uses that schema as
//!   its `search_path`, so tests running in parallel never see each other's rows.
//! - [`each_backend`]: both, so one test body runs against SQLite and PostgreSQL.
//!
//! [`TestDb::url`] reaches the same database from another process (for instance a `baton`
//! binary started by an end-to-end test): `sqlite:///tmp/…/baton.db`, or for PostgreSQL the
//! base URL with `options=-c search_path=<schema>`, which [`crate::store::connect`] honours.
//!
//! When PostgreSQL is unreachable, [`postgres`] returns `None` after a one-line note on
//! stderr, so the suite still runs on a laptop without it. When the environment variable `CI`
//! is `true` or `1`, it panics instead: in CI the PostgreSQL tests must run, not skip.
//!
//! Call [`TestDb::cleanup`] at the end of a test to close the store and drop the schema (or
//! remove the directory). A `TestDb` dropped without it (say, by a failing assertion) still
//! tries to drop its schema, and schemas left behind by killed runs are dropped by the first
//! [`postgres`] call of a later run once they are [`STALE_AFTER`] old.

use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};
use tempfile::TempDir;

use crate::store::{Backend, PgStore, SqliteStore, Store};

/// The PostgreSQL database used when `BATON_TEST_DATABASE_URL` is not set.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The environment variable naming the PostgreSQL database tests create their schemas in.
pub const POSTGRES_URL_VAR: &str = "BATON_TEST_DATABASE_URL";

/// Test schemas are named `baton_t_<unix seconds>_<pid>_<counter>_<random>`.
const SCHEMA_PREFIX: &str = "baton_t_";

/// Test schemas older than this are assumed abandoned and dropped.
pub const STALE_AFTER: Duration = Duration::from_secs(2 * 60 * 60);

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A fresh, migrated database for one test. Keeps the database alive while it lives.
pub struct TestDb {
    /// The store, connected and migrated.
    pub store: Arc<dyn Store>,
    /// A URL that reaches this same database from another process (see the module docs).
    pub url: String,
    pub backend: Backend,
    keep: Keep,
}

/// What keeps the database alive, and what cleaning up removes.
enum Keep {
    Sqlite {
        store: SqliteStore,
        dir: Option<TempDir>,
    },
    Postgres {
        store: PgStore,
        /// The URL without the schema selection, for dropping the schema.
        base_url: String,
        schema: String,
        dropped: bool,
    },
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb").field("backend", &self.backend).field("url", &self.url).finish()
    }
}

impl TestDb {
    /// The PostgreSQL schema this database lives in (`None` on SQLite).
    pub fn schema(&self) -> Option<&str> {
        match &self.keep {
            Keep::Postgres { schema, .. } => Some(schema),
            Keep::Sqlite { .. } => None,
        }
    }

    /// Closes the store's connections (waiting for borrowed ones to come back) and drops the
    /// PostgreSQL schema or removes the SQLite directory. Failures are reported on stderr:
    /// cleaning up never fails a test.
    pub async fn cleanup(mut self) {
        match &mut self.keep {
            Keep::Sqlite { store, dir } => {
                store.pool().close().await;
                if let Some(dir) = dir.take() {
                    let path = dir.path().display().to_string();
                    if let Err(e) = dir.close() {
                        eprintln!("note: could not remove test database directory {path}: {e}");
                    }
                }
            }
            Keep::Postgres { store, base_url, schema, dropped } => {
                store.pool().close().await;
                match drop_schema(base_url, schema).await {
                    Ok(()) => *dropped = true,
                    Err(e) => eprintln!("note: could not drop test schema {schema}: {e}"),
                }
            }
        }
    }
}

impl Drop for TestDb {
    /// Best effort for a `TestDb` that was not cleaned up (usually a failed test): drops the
    /// schema from a helper thread, giving up quickly if the schema is still locked.
    fn drop(&mut self) {
        if let Keep::Postgres { base_url, schema, dropped: false, .. } = &self.keep {
            let (base_url, schema) = (base_url.clone(), schema.clone());
            let result = std::thread::spawn(move || {
                let rt =
                    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
                rt.block_on(drop_schema(&base_url, &schema)).map_err(|e| e.to_string())
            })
            .join();
            if !matches!(result, Ok(Ok(()))) {
                // Left for the stale-schema sweep of a later run.
                let schema = self.schema().unwrap_or_default();
                eprintln!("note: test schema {schema} was left behind; a later run drops it");
            }
        }
    }
}

/// A fresh SQLite database in a new temporary directory, migrated.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::Builder::new()
        .prefix("baton-test-")
        .tempdir()
        .expect("create a temporary directory for the test database");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store = SqliteStore::connect(&url).await.expect("open the SQLite test database");
    store.migrate().await.expect("migrate the SQLite test database");
    TestDb {
        store: Arc::new(store.clone()),
        url,
        backend: Backend::Sqlite,
        keep: Keep::Sqlite { store, dir: Some(dir) },
    }
}

/// A fresh schema in the PostgreSQL database at `BATON_TEST_DATABASE_URL`, migrated; `None`
/// (with a note on stderr) when PostgreSQL is unreachable, unless `CI` is set: then it panics.
pub async fn postgres() -> Option<TestDb> {
    static UNREACHABLE: AtomicBool = AtomicBool::new(false);
    static SWEPT: AtomicBool = AtomicBool::new(false);

    let base_url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_string());
    if UNREACHABLE.load(Ordering::Relaxed) && !in_ci() {
        return None;
    }
    let mut admin = match admin_connection(&base_url).await {
        Ok(c) => c,
        Err(e) => {
            let whereto = redact(&base_url);
            if in_ci() {
                panic!(
                    "PostgreSQL at {whereto} is unreachable ({e}), and CI is set, so the PostgreSQL \
                     tests must run: start PostgreSQL or point {POSTGRES_URL_VAR} at it"
                );
            }
            if !UNREACHABLE.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "note: PostgreSQL at {whereto} is unreachable ({e}); running store tests on SQLite \
                     only (set {POSTGRES_URL_VAR}, or CI=true to make this an error)"
                );
            }
            return None;
        }
    };
    if !SWEPT.swap(true, Ordering::Relaxed) {
        if let Err(e) = drop_stale_schemas(&mut admin).await {
            eprintln!("note: could not drop stale test schemas: {e}");
        }
    }
    let schema = new_schema_name();
    sqlx::query(&format!(r#"CREATE SCHEMA "{schema}""#))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("create test schema {schema} in {}: {e}", redact(&base_url)));
    let _ = admin.close().await;

    let opts = PgConnectOptions::from_str(&base_url)
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is not a PostgreSQL URL: {e}"))
        .options([("search_path", &schema)]);
    let opts = PgStore::session_options(opts);
    // Fewer connections than production: many tests run at once against one server.
    let pool = PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .unwrap_or_else(|e| panic!("connect to test schema {schema}: {e}"));
    let store = PgStore::new(pool);
    let keep =
        Keep::Postgres { store: store.clone(), base_url: base_url.clone(), schema: schema.clone(), dropped: false };
    // From here on a failure drops the schema (through `Drop`).
    let db = TestDb {
        store: Arc::new(store.clone()),
        url: schema_url(&base_url, &schema),
        backend: Backend::Postgres,
        keep,
    };
    store.migrate().await.unwrap_or_else(|e| panic!("migrate test schema {schema}: {e}"));
    Some(db)
}

/// SQLite, plus PostgreSQL when it is reachable: run one test body against every backend.
pub async fn each_backend() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

/// Whether the tests run in CI (`CI` is `true` or `1`), where PostgreSQL is required.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true") || v.trim() == "1")
}

/// `base` with the connection option that selects `schema`.
fn schema_url(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// A schema name no other test (in this process, another process, or on another machine
/// sharing the database) uses.
fn new_schema_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut h = std::hash::RandomState::new().build_hasher();
    h.write_u64(n);
    let random = h.finish() as u32;
    format!("{SCHEMA_PREFIX}{secs}_{}_{n}_{random:08x}", std::process::id())
}

/// When a test schema was created, from its name.
fn schema_created(name: &str) -> Option<u64> {
    name.strip_prefix(SCHEMA_PREFIX)?.split('_').next()?.parse().ok()
}

async fn admin_connection(url: &str) -> Result<PgConnection, String> {
    let opts = PgConnectOptions::from_str(url).map_err(|e| e.to_string())?;
    match tokio::time::timeout(CONNECT_TIMEOUT, opts.connect()).await {
        Ok(Ok(c)) => Ok(c),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {CONNECT_TIMEOUT:?}")),
    }
}

async fn drop_schema(base_url: &str, schema: &str) -> Result<(), String> {
    let mut c = admin_connection(base_url).await?;
    // Never wait long for a connection a failed test left inside a transaction.
    sqlx::query("SET lock_timeout = '3s'").execute(&mut c).await.map_err(|e| e.to_string())?;
    let dropped = sqlx::query(&format!(r#"DROP SCHEMA IF EXISTS "{schema}" CASCADE"#))
        .execute(&mut c)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string());
    let _ = c.close().await;
    dropped
}

async fn drop_stale_schemas(admin: &mut PgConnection) -> Result<(), sqlx::Error> {
    let names: Vec<String> =
        sqlx::query_scalar(r"SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'baton\_t\_%'")
            .fetch_all(&mut *admin)
            .await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    sqlx::query("SET lock_timeout = '3s'").execute(&mut *admin).await?;
    for name in names {
        let stale = schema_created(&name).is_some_and(|t| now.saturating_sub(t) > STALE_AFTER.as_secs());
        if stale {
            sqlx::query(&format!(r#"DROP SCHEMA IF EXISTS "{name}" CASCADE"#)).execute(&mut *admin).await?;
        }
    }
    sqlx::query("RESET lock_timeout").execute(&mut *admin).await?;
    Ok(())
}

/// The URL without its user and password, for messages.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, _)), Some((_, rest))) => format!("{scheme}://{rest}"),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_unique_and_dated() {
        let a = new_schema_name();
        let b = new_schema_name();
        assert_ne!(a, b);
        assert!(a.starts_with(SCHEMA_PREFIX) && a.len() < 63, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'), "{a}");
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert!(now - schema_created(&a).unwrap() < 5);
        assert_eq!(schema_created("public"), None);
    }

    #[test]
    fn urls_select_the_schema_and_hide_passwords() {
        assert_eq!(
            schema_url("postgres://u@h:5432/test", "s1"),
            "postgres://u@h:5432/test?options=-c%20search_path%3Ds1"
        );
        assert_eq!(
            schema_url("postgres://u@h/test?sslmode=disable", "s1"),
            "postgres://u@h/test?sslmode=disable&options=-c%20search_path%3Ds1"
        );
        assert_eq!(redact("postgres://u:secret@h:5432/test"), "postgres://h:5432/test");
        assert_eq!(redact("postgres://h/test"), "postgres://h/test");
    }

    #[tokio::test]
    async fn sqlite_url_reaches_the_same_file_and_cleanup_removes_it() {
        let db = sqlite().await;
        assert_eq!(db.backend, Backend::Sqlite);
        let path = db.url.strip_prefix("sqlite://").unwrap().to_string();
        assert!(std::path::Path::new(&path).exists());
        let dir = std::path::Path::new(&path).parent().unwrap().to_path_buf();
        db.cleanup().await;
        assert!(!dir.exists());
    }

    #[tokio::test]
    async fn postgres_schema_is_private_and_dropped_by_cleanup() {
        let Some(db) = postgres().await else { return };
        let schema = db.schema().unwrap().to_string();
        let base = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let mut admin = admin_connection(&base).await.unwrap();
        let exists = "SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1";
        let n: i64 = sqlx::query_scalar(exists).bind(&schema).fetch_one(&mut admin).await.unwrap();
        assert_eq!(n, 1);
        // The migrations ran inside the test schema.
        let tables: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'tickets'")
                .bind(&schema)
                .fetch_one(&mut admin)
                .await
                .unwrap();
        assert_eq!(tables, 1);
        // Its URL selects the schema, for another process.
        let mut other = admin_connection(&db.url).await.unwrap();
        let current: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&mut other).await.unwrap();
        assert_eq!(current, schema);
        other.close().await.unwrap();
        db.cleanup().await;
        let n: i64 = sqlx::query_scalar(exists).bind(&schema).fetch_one(&mut admin).await.unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn a_dropped_postgres_db_drops_its_schema() {
        let Some(db) = postgres().await else { return };
        let schema = db.schema().unwrap().to_string();
        drop(db);
        let base = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
        let mut admin = admin_connection(&base).await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1")
            .bind(&schema)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
