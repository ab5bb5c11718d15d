//! Writes the resource modules share: delete one row, or flip its `enabled` flag, stored together
//! with the audit entry; 404 when the row is gone.

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
    let mut write = principal.write(state).await?;
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(write.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(noun));
    }
    write
        .commit(&format!("{noun}.delete"), &format!("{noun}:{id}"))
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
    let mut write = principal.write(state).await?;
    let done = sqlx::query(&format!(
        "UPDATE {table} SET enabled = $1, updated_at = $2 WHERE id = $3"
    ))
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(noun));
    }
    let action = if enabled { "enable" } else { "disable" };
    write
        .commit(&format!("{noun}.{action}"), &format!("{noun}:{id}"))
        .await
}
