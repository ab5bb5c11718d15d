//! Writes the resource modules share: delete one row, or flip its `enabled` flag, then record the
//! change in the audit log; 404 when the row is gone.

use super::error::{Error, Result};
use crate::auth::Principal;
use crate::AppState;

/// Deletes row `id` of `table` and audits `{noun}.delete` on `{noun}:{id}`.
pub async fn delete(
    state: &AppState,
    principal: &Principal,
    table: &str,
    noun: &'static str,
    id: i64,
) -> Result<()> {
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(&state.db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(noun));
    }
    principal
        .audit(state, &format!("{noun}.delete"), &format!("{noun}:{id}"))
        .await
}

/// Enables or disables row `id` of `table` and audits `{noun}.enable` / `{noun}.disable`.
pub async fn set_enabled(
    state: &AppState,
    principal: &Principal,
    table: &str,
    noun: &'static str,
    id: i64,
    enabled: bool,
) -> Result<()> {
    if !crate::db::query::set_enabled(&state.db, table, id, enabled).await? {
        return Err(Error::NotFound(noun));
    }
    let action = if enabled { "enable" } else { "disable" };
    principal
        .audit(state, &format!("{noun}.{action}"), &format!("{noun}:{id}"))
        .await
}
