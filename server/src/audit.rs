//! The audit log: who did what to which target, when, from where, with what outcome. Never a secret.

use crate::db::Db;
use crate::http::error::Error;

/// Where a request came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: String,
    pub request_id: String,
}

/// Appends one entry.
pub async fn record(
    db: &Db,
    actor: &str,
    action: &str,
    target: &str,
    outcome: &str,
    origin: &Origin,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, outcome, ip, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(crate::db::now())
    .bind(actor.to_owned())
    .bind(action.to_owned())
    .bind(target.to_owned())
    .bind(outcome.to_owned())
    .bind(origin.ip.clone())
    .bind(origin.request_id.clone())
    .execute(&db.pool)
    .await?;
    Ok(())
}
