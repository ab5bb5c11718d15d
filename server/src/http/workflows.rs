//! Workflows: multi-step definitions in a pack (a JSON document of tasks and transitions).

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::yes;
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::packs::pack_id;
use super::validate;
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, WorkflowsWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workflows", get(list_workflows).post(create_workflow))
        .route(
            "/workflows/{id}",
            get(get_workflow)
                .put(update_workflow)
                .delete(delete_workflow),
        )
}

/// A workflow.
#[derive(Serialize, ToSchema)]
pub struct Workflow {
    pub id: i64,
    pub pack: String,
    pub name: String,
    pub description: String,
    /// Tasks and transitions.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "w.id, p.ref AS pack, w.name, w.description, w.definition, w.enabled, w.created_at, w.updated_at";
const FROM: &str = "workflows w JOIN packs p ON p.id = w.pack_id";

fn from_row(row: &AnyRow) -> Result<Workflow> {
    Ok(Workflow {
        id: row.try_get("id")?,
        pack: row.try_get("pack")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        definition: validate::parse_json(&row.try_get::<String, _>("definition")?)?,
        enabled: crate::db::flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find(state: &AppState, id: i64) -> Result<Workflow> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE w.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("workflow"))?;
    from_row(&row)
}

/// A new workflow.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"pack": "core", "name": "deploy", "definition": {"tasks": [{"action": "core.local"}]}})))]
#[serde(deny_unknown_fields)]
pub struct NewWorkflow {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub pack: String,
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub description: String,
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Changes to a workflow.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"description": "Deploys", "enabled": false})))]
#[serde(deny_unknown_fields)]
pub struct WorkflowUpdate {
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub definition: Option<serde_json::Value>,
    pub enabled: Option<bool>,
}

/// Filters of the workflow list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorkflowQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub pack: Option<String>,
    pub enabled: Option<bool>,
}

/// List workflows.
#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", params(WorkflowQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Workflow>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_workflows(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<WorkflowQuery>,
) -> Result<Json<Page<Workflow>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("p.ref", q.pack)
        .flag("w.enabled", q.enabled);
    Ok(Json(
        page(&state.db, COLUMNS, FROM, filters, "w.id", paging, from_row).await?,
    ))
}

/// Create a workflow.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", request_body = NewWorkflow, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Workflow), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_workflow(
    AnyPermission(principal, _): AnyPermission<WorkflowsWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewWorkflow>,
) -> Result<(StatusCode, Json<Workflow>)> {
    validate::ident("pack", &new.pack)?;
    validate::ident("name", &new.name)?;
    validate::text("description", &new.description, 2048)?;
    let definition = validate::object("definition", &new.definition)?;
    principal.check_pack(&state, &new.pack).await?;
    let pack = pack_id(&state, &new.pack).await?;
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO workflows (pack_id, name, description, definition, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(pack)
    .bind(new.name)
    .bind(new.description)
    .bind(definition)
    .bind(i64::from(new.enabled))
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("workflow.create", &format!("workflow:{id}"))
        .await?;
    Ok((StatusCode::CREATED, Json(find(&state, id).await?)))
}

/// Get a workflow.
#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Workflow), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_workflow(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Workflow>> {
    let found = find(&state, id).await?;
    principal.check_pack(&state, &found.pack).await?;
    Ok(Json(found))
}

/// Update a workflow.
#[utoipa::path(put, path = "/api/v1/workflows/{id}", tag = "workflows", request_body = WorkflowUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Workflow), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_workflow(
    AnyPermission(principal, _): AnyPermission<WorkflowsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<WorkflowUpdate>,
) -> Result<Json<Workflow>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let description = update.description.unwrap_or(current.description);
    validate::text("description", &description, 2048)?;
    let definition = validate::object(
        "definition",
        &update.definition.unwrap_or(current.definition),
    )?;
    let enabled = update.enabled.unwrap_or(current.enabled);
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE workflows SET description = $1, definition = $2, enabled = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(description)
    .bind(definition)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit("workflow.update", &format!("workflow:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a workflow.
#[utoipa::path(delete, path = "/api/v1/workflows/{id}", tag = "workflows", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_workflow(
    AnyPermission(principal, _): AnyPermission<WorkflowsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "workflows", "workflow", id).await?;
    Ok(StatusCode::NO_CONTENT)
}
