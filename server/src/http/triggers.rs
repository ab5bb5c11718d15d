//! Triggers: the kinds of event a pack can emit, enabled or disabled.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::{empty_object, yes};
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::packs::pack_id;
use super::validate;
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, TriggersWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/triggers", get(list_triggers).post(create_trigger))
        .route(
            "/triggers/{id}",
            get(get_trigger).put(update_trigger).delete(delete_trigger),
        )
        .route("/triggers/{id}/enable", post(enable_trigger))
        .route("/triggers/{id}/disable", post(disable_trigger))
}

/// A trigger.
#[derive(Serialize, ToSchema)]
pub struct Trigger {
    pub id: i64,
    pub pack: String,
    pub name: String,
    pub description: String,
    /// Schema of the payload of its events.
    #[schema(value_type = Object)]
    pub payload_schema: serde_json::Value,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "t.id, p.ref AS pack, t.name, t.description, t.payload_schema, t.enabled, t.created_at, t.updated_at";
const FROM: &str = "triggers t JOIN packs p ON p.id = t.pack_id";

fn from_row(row: &AnyRow) -> Result<Trigger> {
    Ok(Trigger {
        id: row.try_get("id")?,
        pack: row.try_get("pack")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        payload_schema: validate::parse_json(&row.try_get::<String, _>("payload_schema")?)?,
        enabled: crate::db::flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A trigger by id, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<Trigger> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("trigger"))?;
    from_row(&row)
}

/// A new trigger.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"pack": "core", "name": "webhook", "payload_schema": {"type": "object"}})))]
#[serde(deny_unknown_fields)]
pub struct NewTrigger {
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
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub payload_schema: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Changes to a trigger.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"description": "Incoming webhooks", "enabled": true})))]
#[serde(deny_unknown_fields)]
pub struct TriggerUpdate {
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub payload_schema: Option<serde_json::Value>,
    pub enabled: Option<bool>,
}

/// Filters of the trigger list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TriggerQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub pack: Option<String>,
    pub enabled: Option<bool>,
}

/// List triggers.
#[utoipa::path(get, path = "/api/v1/triggers", tag = "triggers", params(TriggerQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Trigger>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_triggers(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<TriggerQuery>,
) -> Result<Json<Page<Trigger>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("p.ref", q.pack)
        .flag("t.enabled", q.enabled);
    Ok(Json(
        page(&state.db, COLUMNS, FROM, filters, "t.id", paging, from_row).await?,
    ))
}

/// Create a trigger.
#[utoipa::path(post, path = "/api/v1/triggers", tag = "triggers", request_body = NewTrigger, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Trigger), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_trigger(
    AnyPermission(principal, _): AnyPermission<TriggersWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewTrigger>,
) -> Result<(StatusCode, Json<Trigger>)> {
    validate::ident("pack", &new.pack)?;
    validate::ident("name", &new.name)?;
    validate::text("description", &new.description, 2048)?;
    let schema = validate::object("payload_schema", &new.payload_schema)?;
    principal.check_pack(&state, &new.pack).await?;
    let pack = pack_id(&state, &new.pack).await?;
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO triggers (pack_id, name, description, payload_schema, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(pack)
    .bind(new.name)
    .bind(new.description)
    .bind(schema)
    .bind(i64::from(new.enabled))
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("trigger.create", &format!("trigger:{id}"))
        .await?;
    Ok((StatusCode::CREATED, Json(find(&state, id).await?)))
}

/// Get a trigger.
#[utoipa::path(get, path = "/api/v1/triggers/{id}", tag = "triggers", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Trigger), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_trigger(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Trigger>> {
    let found = find(&state, id).await?;
    principal.check_pack(&state, &found.pack).await?;
    Ok(Json(found))
}

/// Update a trigger.
#[utoipa::path(put, path = "/api/v1/triggers/{id}", tag = "triggers", request_body = TriggerUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Trigger), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_trigger(
    AnyPermission(principal, _): AnyPermission<TriggersWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<TriggerUpdate>,
) -> Result<Json<Trigger>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let description = update.description.unwrap_or(current.description);
    validate::text("description", &description, 2048)?;
    let schema = validate::object(
        "payload_schema",
        &update.payload_schema.unwrap_or(current.payload_schema),
    )?;
    let enabled = update.enabled.unwrap_or(current.enabled);
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE triggers SET description = $1, payload_schema = $2, enabled = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(description)
    .bind(schema)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit("trigger.update", &format!("trigger:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a trigger (its sensors, rules and events go with it).
#[utoipa::path(delete, path = "/api/v1/triggers/{id}", tag = "triggers", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_trigger(
    AnyPermission(principal, _): AnyPermission<TriggersWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "triggers", "trigger", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a trigger.
#[utoipa::path(post, path = "/api/v1/triggers/{id}/enable", tag = "triggers", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Trigger), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn enable_trigger(
    AnyPermission(principal, _): AnyPermission<TriggersWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Trigger>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "triggers", "trigger", id, true).await?;
    Ok(Json(find(&state, id).await?))
}

/// Disable a trigger.
#[utoipa::path(post, path = "/api/v1/triggers/{id}/disable", tag = "triggers", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Trigger), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn disable_trigger(
    AnyPermission(principal, _): AnyPermission<TriggersWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Trigger>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "triggers", "trigger", id, false).await?;
    Ok(Json(find(&state, id).await?))
}
