//! Events: occurrences of a trigger, with their payload.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::empty_object;
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::validate;
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, EventsWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", get(list_events).post(create_event))
        .route(
            "/events/{id}",
            get(get_event).put(update_event).delete(delete_event),
        )
}

/// An event.
#[derive(Serialize, ToSchema)]
pub struct Event {
    pub id: i64,
    pub trigger_id: i64,
    /// The trigger's pack.
    pub pack: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "ev.id, ev.trigger_id, p.ref AS pack, ev.payload, ev.created_at, ev.updated_at";
const FROM: &str =
    "events ev JOIN triggers t ON t.id = ev.trigger_id JOIN packs p ON p.id = t.pack_id";

fn from_row(row: &AnyRow) -> Result<Event> {
    Ok(Event {
        id: row.try_get("id")?,
        trigger_id: row.try_get("trigger_id")?,
        pack: row.try_get("pack")?,
        payload: validate::parse_json(&row.try_get::<String, _>("payload")?)?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find(state: &AppState, id: i64) -> Result<Event> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE ev.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("event"))?;
    from_row(&row)
}

/// A new event of a trigger (the trigger must be enabled).
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"trigger_id": 1, "payload": {"ok": true}})))]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub trigger_id: i64,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// A corrected payload.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"payload": {"ok": false}})))]
#[serde(deny_unknown_fields)]
pub struct EventUpdate {
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

/// Filters of the event list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub trigger_id: Option<i64>,
}

/// List events, newest first.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Event>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_events(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<EventQuery>,
) -> Result<Json<Page<Event>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .int("ev.trigger_id", q.trigger_id);
    Ok(Json(
        page(
            &state.db,
            COLUMNS,
            FROM,
            filters,
            "ev.id DESC",
            paging,
            from_row,
        )
        .await?,
    ))
}

/// Emit an event.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = NewEvent, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Event), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_event(
    AnyPermission(principal, _): AnyPermission<EventsWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewEvent>,
) -> Result<(StatusCode, Json<Event>)> {
    let payload = validate::object("payload", &new.payload)?;
    let trigger = super::triggers::find(&state, new.trigger_id)
        .await
        .map_err(|_| Error::invalid("trigger_id", "no such trigger"))?;
    principal.check_pack(&state, &trigger.pack).await?;
    if !trigger.enabled {
        return Err(Error::Conflict("the trigger is disabled".into()));
    }
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO events (trigger_id, payload, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
    )
    .bind(new.trigger_id)
    .bind(payload)
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("event.create", &format!("event:{}", id))
        .await?;
    let event = find(&state, id).await?;
    Ok((StatusCode::CREATED, Json(event)))
}

/// Get an event.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Event), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_event(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Event>> {
    let event = find(&state, id).await?;
    principal.check_pack(&state, &event.pack).await?;
    Ok(Json(event))
}

/// Replace an event's payload.
#[utoipa::path(put, path = "/api/v1/events/{id}", tag = "events", request_body = EventUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Event), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_event(
    AnyPermission(principal, _): AnyPermission<EventsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<EventUpdate>,
) -> Result<Json<Event>> {
    let payload = validate::object("payload", &update.payload)?;
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let mut write = principal.write(&state).await?;
    let done = sqlx::query("UPDATE events SET payload = $1, updated_at = $2 WHERE id = $3")
        .bind(payload)
        .bind(crate::db::now())
        .bind(id)
        .execute(write.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("event"));
    }
    write.commit("event.update", &format!("event:{id}")).await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete an event.
#[utoipa::path(delete, path = "/api/v1/events/{id}", tag = "events", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_event(
    AnyPermission(principal, _): AnyPermission<EventsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "events", "event", id).await?;
    Ok(StatusCode::NO_CONTENT)
}
