//! Database access: one `sqlx::AnyPool` over SQLite (default) or PostgreSQL, and the migrations.
//!
//! Queries are written once with `$1` placeholders, which both backends accept. Columns use only
//! types the `Any` driver carries across both: `BIGINT`/`INTEGER` (booleans are 0/1), `TEXT`.

mod migrations;
pub mod query;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor as _};

pub use migrations::migrate;

/// How long a request waits for a pooled connection (sqlx's default is 30 s).
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Which database the pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The pool and its backend.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// A database error with the URL's password removed.
#[derive(Debug, thiserror::Error)]
#[error("database {url}: {source}")]
pub struct ConnectError {
    url: String,
    source: sqlx::Error,
}

impl Db {
    /// Connects and runs the migrations.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let wrap = |source| ConnectError {
            url: crate::config::redact_url(url),
            source,
        };
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let options = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            // While the database is down a request waits this long for a connection, then gets 503.
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL")
                            .await?;
                    }
                    Ok(())
                })
            });
        let pool = options.connect(url).await.map_err(wrap)?;
        let db = Db { pool, backend };
        migrate(&db).await.map_err(wrap)?;
        Ok(db)
    }

    /// A transaction for a write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads, then writes, fails instead of waiting when another
    /// writer went first.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }
}

/// Reads a 0/1 column as a bool.
pub fn flag(row: &AnyRow, column: &str) -> Result<bool, sqlx::Error> {
    use sqlx::Row as _;
    Ok(row.try_get::<i64, _>(column)? != 0)
}

/// The current time, as stored: RFC 3339 in UTC with microseconds (sorts as text).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Seconds since the epoch.
pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
