//! The audit log, readable by admins only.

use authcheck::protected;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use crate::auth::{AuditRead, RequirePermission};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/audit", get(list_audit))
        .route("/audit/{id}", get(get_audit))
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    /// Login of who acted (`cli` for the command line).
    pub actor: String,
    /// What was done, e.g. `pack.create`, `auth.login`, `permission.denied`.
    pub action: String,
    /// What it was done to, e.g. `pack:core`.
    pub target: String,
    /// `ok` or `denied`.
    pub outcome: String,
    /// The client's address.
    pub ip: String,
    pub request_id: String,
}

const COLUMNS: &str = "id, at, actor, action, target, outcome, ip, request_id";

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        outcome: row.try_get("outcome")?,
        ip: row.try_get("ip")?,
        request_id: row.try_get("request_id")?,
    })
}

/// Filters of the audit log.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
}

/// Read the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer_auth" = [])),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn list_audit(
    RequirePermission(_principal, _): RequirePermission<AuditRead>,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .text("actor", q.actor)
        .text("action", q.action)
        .text("outcome", q.outcome);
    Ok(Json(
        page(
            &state.db,
            COLUMNS,
            "audit_log",
            filters,
            "id DESC",
            paging,
            from_row,
        )
        .await?,
    ))
}

/// One audit entry.
#[utoipa::path(get, path = "/api/v1/audit/{id}", tag = "audit", params(("id" = i64, Path)), security(("bearer_auth" = [])),
    responses((status = 200, body = AuditEntry), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn get_audit(
    RequirePermission(_principal, _): RequirePermission<AuditRead>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<AuditEntry>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log WHERE id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("audit entry"))?;
    Ok(Json(from_row(&row)?))
}
