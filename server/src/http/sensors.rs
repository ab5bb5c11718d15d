//! Sensors: pack code that watches something and emits events of one trigger; enabled or disabled.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
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
use crate::auth::{AnyAuth, AnyPermission, SensorsWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sensors", get(list_sensors).post(create_sensor))
        .route(
            "/sensors/{id}",
            get(get_sensor).put(update_sensor).delete(delete_sensor),
        )
        .route("/sensors/{id}/enable", post(enable_sensor))
        .route("/sensors/{id}/disable", post(disable_sensor))
}

/// A sensor.
#[derive(Serialize, ToSchema)]
pub struct Sensor {
    pub id: i64,
    pub pack: String,
    pub name: String,
    /// The trigger whose events it emits.
    pub trigger_id: i64,
    pub entry_point: String,
    pub poll_interval_secs: i64,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "s.id, p.ref AS pack, s.name, s.trigger_id, s.entry_point, s.poll_interval_secs, s.enabled, s.created_at, s.updated_at";
const FROM: &str = "sensors s JOIN packs p ON p.id = s.pack_id";

fn from_row(row: &AnyRow) -> Result<Sensor> {
    Ok(Sensor {
        id: row.try_get("id")?,
        pack: row.try_get("pack")?,
        name: row.try_get("name")?,
        trigger_id: row.try_get("trigger_id")?,
        entry_point: row.try_get("entry_point")?,
        poll_interval_secs: row.try_get("poll_interval_secs")?,
        enabled: crate::db::flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find(state: &AppState, id: i64) -> Result<Sensor> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("sensor"))?;
    from_row(&row)
}

/// A new sensor.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"pack": "core", "name": "poller", "trigger_id": 1, "entry_point": "poll.py", "poll_interval_secs": 30})))]
#[serde(deny_unknown_fields)]
pub struct NewSensor {
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
    pub trigger_id: i64,
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub entry_point: String,
    #[serde(default = "default_interval")]
    #[schema(minimum = 1, maximum = 86400)]
    pub poll_interval_secs: i64,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_interval() -> i64 {
    60
}

/// Changes to a sensor.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"poll_interval_secs": 60})))]
#[serde(deny_unknown_fields)]
pub struct SensorUpdate {
    #[schema(max_length = 1024)]
    pub entry_point: Option<String>,
    #[schema(minimum = 1, maximum = 86400)]
    pub poll_interval_secs: Option<i64>,
    pub enabled: Option<bool>,
}

/// Filters of the sensor list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SensorQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub pack: Option<String>,
    pub trigger_id: Option<i64>,
    pub enabled: Option<bool>,
}

fn check(entry_point: &str, interval: i64) -> Result<()> {
    validate::text("entry_point", entry_point, 1024)?;
    if !(1..=86_400).contains(&interval) {
        return Err(Error::invalid(
            "poll_interval_secs",
            "must be between 1 and 86400",
        ));
    }
    Ok(())
}

/// List sensors.
#[utoipa::path(get, path = "/api/v1/sensors", tag = "sensors", params(SensorQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Sensor>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_sensors(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<SensorQuery>,
) -> Result<Json<Page<Sensor>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("p.ref", q.pack)
        .int("s.trigger_id", q.trigger_id)
        .flag("s.enabled", q.enabled);
    Ok(Json(
        page(&state.db, COLUMNS, FROM, filters, "s.id", paging, from_row).await?,
    ))
}

/// Create a sensor.
#[utoipa::path(post, path = "/api/v1/sensors", tag = "sensors", request_body = NewSensor, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Sensor), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_sensor(
    AnyPermission(principal, _): AnyPermission<SensorsWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewSensor>,
) -> Result<(StatusCode, Json<Sensor>)> {
    validate::ident("pack", &new.pack)?;
    validate::ident("name", &new.name)?;
    check(&new.entry_point, new.poll_interval_secs)?;
    principal.check_pack(&state, &new.pack).await?;
    let pack = pack_id(&state, &new.pack).await?;
    let trigger = super::triggers::find(&state, new.trigger_id).await?;
    principal.check_pack(&state, &trigger.pack).await?;
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO sensors (pack_id, trigger_id, name, entry_point, poll_interval_secs, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(pack)
    .bind(new.trigger_id)
    .bind(new.name)
    .bind(new.entry_point)
    .bind(new.poll_interval_secs)
    .bind(i64::from(new.enabled))
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("sensor.create", &format!("sensor:{id}"))
        .await?;
    Ok((StatusCode::CREATED, Json(find(&state, id).await?)))
}

/// Get a sensor.
#[utoipa::path(get, path = "/api/v1/sensors/{id}", tag = "sensors", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Sensor), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_sensor(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Sensor>> {
    let found = find(&state, id).await?;
    principal.check_pack(&state, &found.pack).await?;
    Ok(Json(found))
}

/// Update a sensor.
#[utoipa::path(put, path = "/api/v1/sensors/{id}", tag = "sensors", request_body = SensorUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Sensor), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_sensor(
    AnyPermission(principal, _): AnyPermission<SensorsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<SensorUpdate>,
) -> Result<Json<Sensor>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let entry_point = update.entry_point.unwrap_or(current.entry_point);
    let interval = update
        .poll_interval_secs
        .unwrap_or(current.poll_interval_secs);
    let enabled = update.enabled.unwrap_or(current.enabled);
    check(&entry_point, interval)?;
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE sensors SET entry_point = $1, poll_interval_secs = $2, enabled = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(entry_point)
    .bind(interval)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit("sensor.update", &format!("sensor:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a sensor.
#[utoipa::path(delete, path = "/api/v1/sensors/{id}", tag = "sensors", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_sensor(
    AnyPermission(principal, _): AnyPermission<SensorsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "sensors", "sensor", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a sensor.
#[utoipa::path(post, path = "/api/v1/sensors/{id}/enable", tag = "sensors", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Sensor), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn enable_sensor(
    AnyPermission(principal, _): AnyPermission<SensorsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Sensor>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "sensors", "sensor", id, true).await?;
    Ok(Json(find(&state, id).await?))
}

/// Disable a sensor.
#[utoipa::path(post, path = "/api/v1/sensors/{id}/disable", tag = "sensors", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Sensor), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn disable_sensor(
    AnyPermission(principal, _): AnyPermission<SensorsWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Sensor>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "sensors", "sensor", id, false).await?;
    Ok(Json(find(&state, id).await?))
}
