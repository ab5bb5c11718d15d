//! Enforcements: a rule applied to an event, and the execution it started.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, EnforcementsWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/enforcements",
            get(list_enforcements).post(create_enforcement),
        )
        .route(
            "/enforcements/{id}",
            get(get_enforcement)
                .put(update_enforcement)
                .delete(delete_enforcement),
        )
}

/// Where an enforcement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EnforcementStatus {
    Created,
    Scheduled,
    Succeeded,
    Failed,
}

impl EnforcementStatus {
    fn as_str(self) -> &'static str {
        match self {
            EnforcementStatus::Created => "created",
            EnforcementStatus::Scheduled => "scheduled",
            EnforcementStatus::Succeeded => "succeeded",
            EnforcementStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| Error::Internal(format!("bad enforcement status {s}")))
    }
}

/// An enforcement.
#[derive(Serialize, ToSchema)]
pub struct Enforcement {
    pub id: i64,
    pub rule_id: i64,
    /// The rule's pack.
    pub pack: String,
    pub event_id: Option<i64>,
    pub execution_id: Option<i64>,
    pub status: EnforcementStatus,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "en.id, en.rule_id, p.ref AS pack, en.event_id, en.execution_id, en.status, \
                       en.created_at, en.updated_at";
const FROM: &str =
    "enforcements en JOIN rules r ON r.id = en.rule_id JOIN packs p ON p.id = r.pack_id";

fn from_row(row: &AnyRow) -> Result<Enforcement> {
    Ok(Enforcement {
        id: row.try_get("id")?,
        rule_id: row.try_get("rule_id")?,
        pack: row.try_get("pack")?,
        event_id: row.try_get("event_id")?,
        execution_id: row.try_get("execution_id")?,
        status: EnforcementStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find(state: &AppState, id: i64) -> Result<Enforcement> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE en.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("enforcement"))?;
    from_row(&row)
}

/// Each referenced row must exist (422 naming the field otherwise).
async fn check_refs(state: &AppState, refs: &[(&str, &str, Option<i64>)]) -> Result<()> {
    for (field, table, id) in refs {
        if let Some(id) = id {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table} WHERE id = $1"))
                .bind(*id)
                .fetch_one(&state.db.pool)
                .await?
                .try_get("n")?;
            if n == 0 {
                return Err(Error::invalid(
                    field,
                    format!("no such {}", &table[..table.len() - 1]),
                ));
            }
        }
    }
    Ok(())
}

/// A new enforcement.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"rule_id": 1, "event_id": 1, "execution_id": 1, "status": "scheduled"})))]
#[serde(deny_unknown_fields)]
pub struct NewEnforcement {
    pub rule_id: i64,
    pub event_id: Option<i64>,
    pub execution_id: Option<i64>,
    pub status: Option<EnforcementStatus>,
}

/// Changes to an enforcement.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"status": "succeeded"})))]
#[serde(deny_unknown_fields)]
pub struct EnforcementUpdate {
    pub execution_id: Option<i64>,
    pub status: Option<EnforcementStatus>,
}

/// Filters of the enforcement list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EnforcementQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub rule_id: Option<i64>,
    pub event_id: Option<i64>,
    pub status: Option<EnforcementStatus>,
}

/// List enforcements, newest first.
#[utoipa::path(get, path = "/api/v1/enforcements", tag = "enforcements", params(EnforcementQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Enforcement>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_enforcements(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<EnforcementQuery>,
) -> Result<Json<Page<Enforcement>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .int("en.rule_id", q.rule_id)
        .int("en.event_id", q.event_id)
        .text("en.status", q.status.map(|s| s.as_str().to_owned()));
    Ok(Json(
        page(
            &state.db,
            COLUMNS,
            FROM,
            filters,
            "en.id DESC",
            paging,
            from_row,
        )
        .await?,
    ))
}

/// Record an enforcement.
#[utoipa::path(post, path = "/api/v1/enforcements", tag = "enforcements", request_body = NewEnforcement, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Enforcement), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_enforcement(
    AnyPermission(principal, _): AnyPermission<EnforcementsWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewEnforcement>,
) -> Result<(StatusCode, Json<Enforcement>)> {
    check_refs(
        &state,
        &[
            ("rule_id", "rules", Some(new.rule_id)),
            ("event_id", "events", new.event_id),
            ("execution_id", "executions", new.execution_id),
        ],
    )
    .await?;
    let rule = super::rules::find(&state, new.rule_id).await?;
    principal.check_pack(&state, &rule.pack).await?;
    let status = new.status.unwrap_or(EnforcementStatus::Created);
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO enforcements (rule_id, event_id, execution_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(new.rule_id)
    .bind(new.event_id)
    .bind(new.execution_id)
    .bind(status.as_str())
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("enforcement.create", &format!("enforcement:{}", id))
        .await?;
    let enforcement = find(&state, id).await?;
    Ok((StatusCode::CREATED, Json(enforcement)))
}

/// Get an enforcement.
#[utoipa::path(get, path = "/api/v1/enforcements/{id}", tag = "enforcements", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Enforcement), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_enforcement(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Enforcement>> {
    let enforcement = find(&state, id).await?;
    principal.check_pack(&state, &enforcement.pack).await?;
    Ok(Json(enforcement))
}

/// Update an enforcement's status or execution.
#[utoipa::path(put, path = "/api/v1/enforcements/{id}", tag = "enforcements", request_body = EnforcementUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Enforcement), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_enforcement(
    AnyPermission(principal, _): AnyPermission<EnforcementsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<EnforcementUpdate>,
) -> Result<Json<Enforcement>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    check_refs(
        &state,
        &[("execution_id", "executions", update.execution_id)],
    )
    .await?;
    let execution_id = update.execution_id.or(current.execution_id);
    let status = update.status.unwrap_or(current.status);
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE enforcements SET execution_id = $1, status = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(execution_id)
    .bind(status.as_str())
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit("enforcement.update", &format!("enforcement:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete an enforcement.
#[utoipa::path(delete, path = "/api/v1/enforcements/{id}", tag = "enforcements", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_enforcement(
    AnyPermission(principal, _): AnyPermission<EnforcementsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "enforcements", "enforcement", id).await?;
    Ok(StatusCode::NO_CONTENT)
}
