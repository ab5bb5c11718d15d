//! Actions: what a pack can run (`/packs/{pack_ref}/actions` to list and create in a pack,
//! `/actions` across packs, `/actions/{id}` for one).

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
use super::packs::pack_id;
use super::validate;
use crate::auth::{ActionsWrite, AnyAuth, AnyPermission, Principal};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/packs/{pack_ref}/actions",
            get(list_pack_actions).post(create_action),
        )
        .route("/actions", get(list_actions))
        .route(
            "/actions/{id}",
            get(get_action).put(update_action).delete(delete_action),
        )
}

/// An action.
#[derive(Serialize, ToSchema)]
pub struct Action {
    pub id: i64,
    /// The pack's reference.
    pub pack: String,
    pub name: String,
    /// `pack.name`.
    #[serde(rename = "ref")]
    pub action_ref: String,
    pub description: String,
    /// The runner that executes it (`local-shell-cmd`, `python-script`, `http-request`, ...).
    pub runner_type: String,
    pub entry_point: String,
    /// Parameter schema.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "a.id, p.ref AS pack, a.name, a.description, a.runner_type, a.entry_point, \
                       a.parameters, a.enabled, a.created_at, a.updated_at";
const FROM: &str = "actions a JOIN packs p ON p.id = a.pack_id";

fn from_row(row: &AnyRow) -> Result<Action> {
    let pack: String = row.try_get("pack")?;
    let name: String = row.try_get("name")?;
    Ok(Action {
        id: row.try_get("id")?,
        action_ref: format!("{pack}.{name}"),
        pack,
        name,
        description: row.try_get("description")?,
        runner_type: row.try_get("runner_type")?,
        entry_point: row.try_get("entry_point")?,
        parameters: validate::parse_json(&row.try_get::<String, _>("parameters")?)?,
        enabled: crate::db::flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An action by id, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<Action> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("action"))?;
    from_row(&row)
}

/// A new action.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"name": "local", "runner_type": "local-shell-cmd", "entry_point": "run.sh", "parameters": {"cmd": {"type": "string"}}})))]
#[serde(deny_unknown_fields)]
pub struct NewAction {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub description: String,
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub runner_type: String,
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub entry_point: String,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
}

pub(crate) fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}

pub(crate) fn yes() -> bool {
    true
}

/// Changes to an action; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"description": "Runs a shell command", "enabled": true})))]
#[serde(deny_unknown_fields)]
pub struct ActionUpdate {
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub runner_type: Option<String>,
    #[schema(max_length = 1024)]
    pub entry_point: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub parameters: Option<serde_json::Value>,
    pub enabled: Option<bool>,
}

/// Filters of the action lists.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ActionQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    /// Pack reference (ignored under `/packs/{pack_ref}/actions`).
    pub pack: Option<String>,
    pub runner_type: Option<String>,
    pub enabled: Option<bool>,
}

async fn list(
    state: &AppState,
    principal: &Principal,
    q: ActionQuery,
    pack: Option<String>,
) -> Result<Page<Action>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("p.ref", pack.or(q.pack))
        .text("a.runner_type", q.runner_type)
        .flag("a.enabled", q.enabled);
    page(&state.db, COLUMNS, FROM, filters, "a.id", paging, from_row).await
}

fn check(
    description: &str,
    runner_type: &str,
    entry_point: &str,
    parameters: &serde_json::Value,
) -> Result<String> {
    validate::text("description", description, 2048)?;
    validate::ident("runner_type", runner_type)?;
    validate::text("entry_point", entry_point, 1024)?;
    validate::object("parameters", parameters)
}

/// List actions across packs.
#[utoipa::path(get, path = "/api/v1/actions", tag = "actions", params(ActionQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Action>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_actions(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<ActionQuery>,
) -> Result<Json<Page<Action>>> {
    Ok(Json(list(&state, &principal, q, None).await?))
}

/// List a pack's actions.
#[utoipa::path(get, path = "/api/v1/packs/{pack_ref}/actions", tag = "actions",
    params(("pack_ref" = String, Path), ActionQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Action>), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_pack_actions(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(pack_ref): Path<String>,
    Query(q): Query<ActionQuery>,
) -> Result<Json<Page<Action>>> {
    principal.check_pack(&state, &pack_ref).await?;
    pack_id(&state, &pack_ref).await?;
    Ok(Json(list(&state, &principal, q, Some(pack_ref)).await?))
}

/// Create an action in a pack.
#[utoipa::path(post, path = "/api/v1/packs/{pack_ref}/actions", tag = "actions", request_body = NewAction,
    params(("pack_ref" = String, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Action), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_action(
    AnyPermission(principal, _): AnyPermission<ActionsWrite>,
    State(state): State<AppState>,
    Path(pack_ref): Path<String>,
    Json(new): Json<NewAction>,
) -> Result<(StatusCode, Json<Action>)> {
    principal.check_pack(&state, &pack_ref).await?;
    let pack = pack_id(&state, &pack_ref).await?;
    validate::ident("name", &new.name)?;
    let parameters = check(
        &new.description,
        &new.runner_type,
        &new.entry_point,
        &new.parameters,
    )?;
    let action_ref = format!("{pack_ref}.{}", new.name);
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO actions (pack_id, name, description, runner_type, entry_point, parameters, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(pack)
    .bind(new.name)
    .bind(new.description)
    .bind(new.runner_type)
    .bind(new.entry_point)
    .bind(parameters)
    .bind(i64::from(new.enabled))
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("action.create", &format!("action:{action_ref}"))
        .await?;
    let action = find(&state, id).await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// Get an action.
#[utoipa::path(get, path = "/api/v1/actions/{id}", tag = "actions", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Action), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_action(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Action>> {
    let action = find(&state, id).await?;
    principal.check_pack(&state, &action.pack).await?;
    Ok(Json(action))
}

/// Update an action.
#[utoipa::path(put, path = "/api/v1/actions/{id}", tag = "actions", request_body = ActionUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Action), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_action(
    AnyPermission(principal, _): AnyPermission<ActionsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<ActionUpdate>,
) -> Result<Json<Action>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let description = update.description.unwrap_or(current.description);
    let runner_type = update.runner_type.unwrap_or(current.runner_type);
    let entry_point = update.entry_point.unwrap_or(current.entry_point);
    let parameters = update.parameters.unwrap_or(current.parameters);
    let enabled = update.enabled.unwrap_or(current.enabled);
    let parameters = check(&description, &runner_type, &entry_point, &parameters)?;
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE actions SET description = $1, runner_type = $2, entry_point = $3, parameters = $4, \
         enabled = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(description)
    .bind(runner_type)
    .bind(entry_point)
    .bind(parameters)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit("action.update", &format!("action:{}", current.action_ref))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete an action (its rules and executions go with it).
#[utoipa::path(delete, path = "/api/v1/actions/{id}", tag = "actions", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_action(
    AnyPermission(principal, _): AnyPermission<ActionsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let mut write = principal.write(&state).await?;
    sqlx::query("DELETE FROM actions WHERE id = $1")
        .bind(id)
        .execute(write.conn())
        .await?;
    write
        .commit("action.delete", &format!("action:{}", current.action_ref))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
