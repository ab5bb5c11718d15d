//! Periodic upkeep, run by every instance (each step is safe to run concurrently): audit entries
//! older than `audit_retention_days` are deleted, with an entry recording the prune in the same
//! transaction, and expired shared rate-limit counters are dropped.

use std::time::Duration;

use crate::audit::{Actor, Audited, Origin};
use crate::db::Db;
use crate::http::error::Error;
use crate::AppState;

/// How often the upkeep runs (the first time at start-up).
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// Runs the upkeep every [`INTERVAL`], forever; failures are logged and retried next time.
pub async fn run(state: AppState) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Some(days) = state.config.audit_retention_days {
            match prune_audit(&state.db, days).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(entries = n, days, "pruned the audit log"),
                Err(e) => tracing::warn!(%e, "audit log prune failed"),
            }
        }
        if let Err(e) = crate::ratelimit::prune(&state.db).await {
            tracing::warn!(%e, "rate limit counters prune failed");
        }
    }
}

/// Deletes the audit entries older than `days` days and records that, as `system`, in the same
/// transaction (`audit.prune`, target `audit_log:<n> before <cutoff>`). Returns how many went;
/// nothing is recorded when none did.
pub async fn prune_audit(db: &Db, days: u32) -> Result<u64, Error> {
    let cutoff = (chrono::Utc::now() - chrono::Duration::days(i64::from(days)))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let system = Actor {
        name: "system".to_owned(),
        origin: Origin {
            ip: "local".to_owned(),
            request_id: String::new(),
        },
    };
    let mut write = Audited::begin(db, system).await?;
    let deleted = sqlx::query("DELETE FROM audit_log WHERE at < $1")
        .bind(cutoff.clone())
        .execute(write.conn())
        .await?
        .rows_affected();
    if deleted > 0 {
        write
            .commit(
                "audit.prune",
                &format!("audit_log:{deleted} before {cutoff}"),
            )
            .await?;
    }
    Ok(deleted)
}
