//! Rate limits per bucket (`auth-ip:<client address>` on `/auth/*`, `apikey:<id>` per service key):
//! a window of one minute that opens at a bucket's first request, `per_minute` requests in it.
//!
//! On PostgreSQL the counters live in the database, so the limit holds across every instance that
//! shares it: each check is one atomic upsert on the bucket's row, timed by the database's clock.
//! On SQLite (one instance) they live in this process. In front of the database, each process
//! remembers the buckets the database found exhausted and until when: requests to those are
//! refused without a round trip, which can only refuse what the database would refuse too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sqlx::Row as _;

use crate::db::{Backend, Db};
use crate::http::error::Error;

const WINDOW: Duration = Duration::from_secs(60);
/// Above this many tracked buckets, expired ones are dropped from memory.
const PRUNE_AT: usize = 10_000;

/// Counts requests per bucket and refuses those over the limit.
pub struct RateLimits {
    store: Store,
    /// Buckets known to be exhausted, and when their window ends (shared store only).
    exhausted: Mutex<HashMap<String, Instant>>,
}

enum Store {
    /// This process's counters: `(window start, requests)` per bucket.
    Memory(Mutex<HashMap<String, (Instant, u32)>>),
    /// The `rate_limits` table.
    Database(Db),
}

/// One upsert: a new window when the bucket has none or its window is over, else one more hit.
/// Returns the hits in the window and the milliseconds until it ends, by the database's clock.
const HIT: &str = "\
WITH now AS (SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS ms) \
INSERT INTO rate_limits AS r (bucket, window_start_ms, hits) SELECT $1, now.ms, 1 FROM now \
ON CONFLICT (bucket) DO UPDATE SET \
  hits = CASE WHEN r.window_start_ms <= EXCLUDED.window_start_ms - $2 THEN 1 ELSE r.hits + 1 END, \
  window_start_ms = CASE WHEN r.window_start_ms <= EXCLUDED.window_start_ms - $2 \
                    THEN EXCLUDED.window_start_ms ELSE r.window_start_ms END \
RETURNING hits, window_start_ms + $2 - (SELECT ms FROM now) AS remaining_ms";

impl RateLimits {
    /// Shared counters on PostgreSQL, in-process ones on SQLite.
    pub fn for_db(db: &Db) -> Self {
        let store = match db.backend {
            Backend::Postgres => Store::Database(db.clone()),
            Backend::Sqlite => Store::Memory(Mutex::default()),
        };
        Self {
            store,
            exhausted: Mutex::default(),
        }
    }

    /// Counts one request to `bucket`; 429 (with the seconds to wait) beyond `per_minute`.
    pub async fn check(&self, bucket: &str, per_minute: u32) -> Result<(), Error> {
        match &self.store {
            Store::Memory(windows) => check_memory(windows, bucket, per_minute),
            Store::Database(db) => {
                if let Some(wait) = self.known_exhausted(bucket) {
                    return Err(Error::TooManyRequests(seconds(wait)));
                }
                let row = sqlx::query(HIT)
                    .bind(bucket.to_owned())
                    .bind(WINDOW.as_millis() as i64)
                    .fetch_one(&db.pool)
                    .await?;
                let hits: i64 = row.try_get("hits")?;
                let remaining_ms: i64 = row.try_get("remaining_ms")?;
                if hits <= i64::from(per_minute) {
                    return Ok(());
                }
                let wait =
                    Duration::from_millis(remaining_ms.clamp(0, WINDOW.as_millis() as i64) as u64);
                self.remember_exhausted(bucket, wait);
                Err(Error::TooManyRequests(seconds(wait)))
            }
        }
    }

    fn known_exhausted(&self, bucket: &str) -> Option<Duration> {
        let exhausted = self.exhausted.lock().unwrap_or_else(|e| e.into_inner());
        let until = exhausted.get(bucket)?;
        until.checked_duration_since(Instant::now())
    }

    fn remember_exhausted(&self, bucket: &str, wait: Duration) {
        let now = Instant::now();
        let mut exhausted = self.exhausted.lock().unwrap_or_else(|e| e.into_inner());
        if exhausted.len() > PRUNE_AT {
            exhausted.retain(|_, until| *until > now);
        }
        // A little early rather than late: the database's window may have started before the
        // answer reached this process.
        exhausted.insert(
            bucket.to_owned(),
            now + wait.saturating_sub(Duration::from_millis(50)),
        );
    }
}

/// Whole seconds to wait, at least 1 (the `Retry-After` value).
fn seconds(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

fn check_memory(
    windows: &Mutex<HashMap<String, (Instant, u32)>>,
    bucket: &str,
    per_minute: u32,
) -> Result<(), Error> {
    let now = Instant::now();
    let mut windows = windows.lock().unwrap_or_else(|e| e.into_inner());
    if windows.len() > PRUNE_AT {
        windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
    }
    let entry = windows.entry(bucket.to_owned()).or_insert((now, 0));
    if now.duration_since(entry.0) >= WINDOW {
        *entry = (now, 0);
    }
    if entry.1 >= per_minute {
        let wait = WINDOW.saturating_sub(now.duration_since(entry.0));
        return Err(Error::TooManyRequests(seconds(wait)));
    }
    entry.1 += 1;
    Ok(())
}

/// Deletes the database counters whose window ended (run by the maintenance task).
pub async fn prune(db: &Db) -> Result<u64, sqlx::Error> {
    if db.backend != Backend::Postgres {
        return Ok(0);
    }
    let done = sqlx::query(
        "DELETE FROM rate_limits WHERE window_start_ms < \
         CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) - $1",
    )
    .bind(WINDOW.as_millis() as i64)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_bucket_in_memory() {
        let windows = Mutex::default();
        for _ in 0..3 {
            assert!(check_memory(&windows, "a", 3).is_ok());
        }
        let Err(Error::TooManyRequests(wait)) = check_memory(&windows, "a", 3) else {
            panic!("the fourth request passed");
        };
        assert!((1..=60).contains(&wait));
        assert!(check_memory(&windows, "b", 3).is_ok());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(seconds(Duration::from_millis(10)), 1);
        assert_eq!(seconds(Duration::from_millis(59_001)), 60);
        assert_eq!(seconds(Duration::ZERO), 1);
    }
}
