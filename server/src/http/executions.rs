//! Executions: runs of actions, with their status transitions and cancellation.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::empty_object;
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::validate;
use crate::auth::{AnyAuth, AnyPermission, ExecutionsWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/executions", get(list_executions).post(create_execution))
        .route(
            "/executions/{id}",
            get(get_execution)
                .put(update_execution)
                .delete(delete_execution),
        )
        .route("/executions/{id}/cancel", post(cancel_execution))
}

/// The life cycle of an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Requested,
    Scheduled,
    Running,
    Succeeded,
    Failed,
    Timeout,
    Canceled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Requested => "requested",
            Status::Scheduled => "scheduled",
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Canceled => "canceled",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned()))
            .map_err(|_| Error::Internal(format!("bad execution status {s}")))
    }

    fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Succeeded | Status::Failed | Status::Timeout | Status::Canceled
        )
    }

    /// The transitions the life cycle allows.
    fn can_become(self, next: Status) -> bool {
        use Status::*;
        matches!(
            (self, next),
            (Requested, Scheduled | Running | Canceled)
                | (Scheduled, Running | Canceled)
                | (Running, Succeeded | Failed | Timeout | Canceled)
        )
    }
}

/// An execution of an action.
#[derive(Serialize, ToSchema)]
pub struct Execution {
    pub id: i64,
    pub action_id: i64,
    /// The action's pack.
    pub pack: String,
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    pub status: Status,
    /// The action's output, once finished.
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// Login of the user who started it.
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "e.id, e.action_id, p.ref AS pack, e.parameters, e.status, e.result, \
                       e.created_by, e.created_at, e.updated_at";
const FROM: &str =
    "executions e JOIN actions a ON a.id = e.action_id JOIN packs p ON p.id = a.pack_id";

fn from_row(row: &AnyRow) -> Result<Execution> {
    let result: Option<String> = row.try_get("result")?;
    Ok(Execution {
        id: row.try_get("id")?,
        action_id: row.try_get("action_id")?,
        pack: row.try_get("pack")?,
        parameters: validate::parse_json(&row.try_get::<String, _>("parameters")?)?,
        status: Status::parse(&row.try_get::<String, _>("status")?)?,
        result: result.as_deref().map(validate::parse_json).transpose()?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An execution by id, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<Execution> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("execution"))?;
    from_row(&row)
}

/// Moves `current` to `next` if nobody changed it meanwhile; 409 otherwise.
async fn transition(
    conn: &mut sqlx::AnyConnection,
    current: &Execution,
    next: Status,
    result: Option<String>,
) -> Result<()> {
    if !current.status.can_become(next) {
        return Err(Error::Conflict(format!(
            "an execution cannot go from {} to {}",
            current.status.as_str(),
            next.as_str()
        )));
    }
    let done = sqlx::query(
        "UPDATE executions SET status = $1, result = COALESCE($2, result), updated_at = $3 \
         WHERE id = $4 AND status = $5",
    )
    .bind(next.as_str())
    .bind(result)
    .bind(crate::db::now())
    .bind(current.id)
    .bind(current.status.as_str())
    .execute(conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(
            "the execution changed meanwhile; retry".into(),
        ));
    }
    Ok(())
}

/// Run an action.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"action_id": 1, "parameters": {"cmd": "date"}})))]
#[serde(deny_unknown_fields)]
pub struct NewExecution {
    pub action_id: i64,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
}

/// A status transition, with the result when finishing.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"status": "scheduled"})))]
#[serde(deny_unknown_fields)]
pub struct ExecutionUpdate {
    pub status: Status,
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
}

/// Filters of the execution list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExecutionQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub status: Option<Status>,
    pub action_id: Option<i64>,
}

/// List executions, newest first.
#[utoipa::path(get, path = "/api/v1/executions", tag = "executions", params(ExecutionQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Execution>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_executions(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<ExecutionQuery>,
) -> Result<Json<Page<Execution>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("e.status", q.status.map(|s| s.as_str().to_owned()))
        .int("e.action_id", q.action_id);
    Ok(Json(
        page(
            &state.db,
            COLUMNS,
            FROM,
            filters,
            "e.id DESC",
            paging,
            from_row,
        )
        .await?,
    ))
}

/// Run an action (it must be enabled).
#[utoipa::path(post, path = "/api/v1/executions", tag = "executions", request_body = NewExecution, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Execution), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_execution(
    AnyPermission(principal, _): AnyPermission<ExecutionsWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewExecution>,
) -> Result<(StatusCode, Json<Execution>)> {
    let parameters = validate::object("parameters", &new.parameters)?;
    let action = super::actions::find(&state, new.action_id)
        .await
        .map_err(|_| Error::invalid("action_id", "no such action"))?;
    principal.check_pack(&state, &action.pack).await?;
    if !action.enabled {
        return Err(Error::Conflict("the action is disabled".into()));
    }
    let now = crate::db::now();
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO executions (action_id, parameters, status, result, created_by, created_at, updated_at) \
         VALUES ($1, $2, 'requested', NULL, $3, $4, $4) RETURNING id",
    )
    .bind(new.action_id)
    .bind(parameters)
    .bind(principal.login.clone())
    .bind(now)
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("execution.create", &format!("execution:{id}"))
        .await?;
    let execution = find(&state, id).await?;
    Ok((StatusCode::CREATED, Json(execution)))
}

/// Get an execution.
#[utoipa::path(get, path = "/api/v1/executions/{id}", tag = "executions", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Execution), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_execution(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Execution>> {
    let execution = find(&state, id).await?;
    principal.check_pack(&state, &execution.pack).await?;
    Ok(Json(execution))
}

/// Move an execution along its life cycle (requested -> scheduled -> running -> succeeded/failed/timeout).
#[utoipa::path(put, path = "/api/v1/executions/{id}", tag = "executions", request_body = ExecutionUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Execution), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_execution(
    AnyPermission(principal, _): AnyPermission<ExecutionsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<ExecutionUpdate>,
) -> Result<Json<Execution>> {
    let result = update
        .result
        .as_ref()
        .map(|r| validate::object("result", r))
        .transpose()?;
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let mut write = principal.write(&state).await?;
    transition(write.conn(), &current, update.status, result).await?;
    write
        .commit(
            &format!("execution.{}", update.status.as_str()),
            &format!("execution:{id}"),
        )
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Cancel an execution that has not finished.
#[utoipa::path(post, path = "/api/v1/executions/{id}/cancel", tag = "executions", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Execution), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn cancel_execution(
    AnyPermission(principal, _): AnyPermission<ExecutionsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Execution>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let mut write = principal.write(&state).await?;
    transition(write.conn(), &current, Status::Canceled, None).await?;
    write
        .commit("execution.cancel", &format!("execution:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a finished execution.
#[utoipa::path(delete, path = "/api/v1/executions/{id}", tag = "executions", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_execution(
    AnyPermission(principal, _): AnyPermission<ExecutionsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    if !current.status.is_terminal() {
        return Err(Error::Conflict(
            "cancel the execution before deleting it".into(),
        ));
    }
    let mut write = principal.write(&state).await?;
    sqlx::query("DELETE FROM executions WHERE id = $1")
        .bind(id)
        .execute(write.conn())
        .await?;
    write
        .commit("execution.delete", &format!("execution:{id}"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
