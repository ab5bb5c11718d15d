//! Packs: the unit of distribution that groups actions, triggers, sensors, rules and workflows.

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
use super::validate;
use crate::auth::{AnyAuth, AnyPermission, PacksWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/packs", get(list_packs).post(create_pack))
        .route(
            "/packs/{pack_ref}",
            get(get_pack).put(update_pack).delete(delete_pack),
        )
}

/// A pack.
#[derive(Serialize, ToSchema)]
pub struct Pack {
    pub id: i64,
    /// Unique reference, used in URLs.
    #[serde(rename = "ref")]
    pub pack_ref: String,
    pub name: String,
    pub description: String,
    pub version: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, ref, name, description, version, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<Pack> {
    Ok(Pack {
        id: row.try_get("id")?,
        pack_ref: row.try_get("ref")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The id of a pack by reference, or 404.
pub async fn pack_id(state: &AppState, pack_ref: &str) -> Result<i64> {
    sqlx::query("SELECT id FROM packs WHERE ref = $1")
        .bind(pack_ref.to_owned())
        .fetch_optional(&state.db.pool)
        .await?
        .map(|row| row.try_get("id"))
        .transpose()?
        .ok_or(Error::NotFound("pack"))
}

/// A new pack.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"ref": "core", "name": "Core", "description": "Basic actions", "version": "1.0.0"})))]
#[serde(deny_unknown_fields)]
pub struct NewPack {
    #[serde(rename = "ref")]
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub pack_ref: String,
    #[schema(min_length = 1, max_length = 128, pattern = "\\S")]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub description: String,
    #[serde(default = "default_version")]
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub version: String,
}

fn default_version() -> String {
    "0.1.0".into()
}

/// Changes to a pack; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"name": "Core pack", "version": "1.1.0"})))]
#[serde(deny_unknown_fields)]
pub struct PackUpdate {
    #[schema(min_length = 1, max_length = 128, pattern = "\\S")]
    pub name: Option<String>,
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub version: Option<String>,
}

/// Filters of the pack list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PackQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    /// Exact name.
    pub name: Option<String>,
}

fn check(name: &str, description: &str, version: &str) -> Result<()> {
    validate::required("name", name, 128)?;
    validate::text("description", description, 2048)?;
    validate::ident("version", version)
}

/// List packs.
#[utoipa::path(get, path = "/api/v1/packs", tag = "packs", params(PackQuery),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Pack>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_packs(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<PackQuery>,
) -> Result<Json<Page<Pack>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .text("name", q.name)
        .within("ref", principal.scope());
    Ok(Json(
        page(&state.db, COLUMNS, "packs", filters, "id", paging, from_row).await?,
    ))
}

/// Create a pack.
#[utoipa::path(post, path = "/api/v1/packs", tag = "packs", request_body = NewPack,
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Pack), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_pack(
    AnyPermission(principal, _): AnyPermission<PacksWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewPack>,
) -> Result<(StatusCode, Json<Pack>)> {
    validate::ident("ref", &new.pack_ref)?;
    check(&new.name, &new.description, &new.version)?;
    principal.check_pack(&state, &new.pack_ref).await?;
    let now = crate::db::now();
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO packs (ref, name, description, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(new.pack_ref)
    .bind(new.name)
    .bind(new.description)
    .bind(new.version)
    .bind(now)
    .fetch_one(write.conn())
    .await?;
    let pack = from_row(&row)?;
    write
        .commit("pack.create", &format!("pack:{}", pack.pack_ref))
        .await?;
    Ok((StatusCode::CREATED, Json(pack)))
}

/// Get a pack.
#[utoipa::path(get, path = "/api/v1/packs/{pack_ref}", tag = "packs",
    params(("pack_ref" = String, Path, description = "Pack reference")),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Pack), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_pack(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(pack_ref): Path<String>,
) -> Result<Json<Pack>> {
    principal.check_pack(&state, &pack_ref).await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM packs WHERE ref = $1"))
        .bind(pack_ref)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("pack"))?;
    Ok(Json(from_row(&row)?))
}

/// Update a pack.
#[utoipa::path(put, path = "/api/v1/packs/{pack_ref}", tag = "packs", request_body = PackUpdate,
    params(("pack_ref" = String, Path, description = "Pack reference")),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Pack), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_pack(
    AnyPermission(principal, _): AnyPermission<PacksWrite>,
    State(state): State<AppState>,
    Path(pack_ref): Path<String>,
    Json(update): Json<PackUpdate>,
) -> Result<Json<Pack>> {
    principal.check_pack(&state, &pack_ref).await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM packs WHERE ref = $1"))
        .bind(pack_ref.clone())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("pack"))?;
    let current = from_row(&row)?;
    let name = update.name.unwrap_or(current.name);
    let description = update.description.unwrap_or(current.description);
    let version = update.version.unwrap_or(current.version);
    check(&name, &description, &version)?;
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "UPDATE packs SET name = $1, description = $2, version = $3, updated_at = $4 \
         WHERE id = $5 RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(description)
    .bind(version)
    .bind(crate::db::now())
    .bind(current.id)
    .fetch_optional(write.conn())
    .await?
    .ok_or(Error::NotFound("pack"))?;
    write
        .commit("pack.update", &format!("pack:{pack_ref}"))
        .await?;
    Ok(Json(from_row(&row)?))
}

/// Delete a pack and everything in it.
#[utoipa::path(delete, path = "/api/v1/packs/{pack_ref}", tag = "packs",
    params(("pack_ref" = String, Path, description = "Pack reference")),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_pack(
    AnyPermission(principal, _): AnyPermission<PacksWrite>,
    State(state): State<AppState>,
    Path(pack_ref): Path<String>,
) -> Result<StatusCode> {
    principal.check_pack(&state, &pack_ref).await?;
    let mut write = principal.write(&state).await?;
    let done = sqlx::query("DELETE FROM packs WHERE ref = $1")
        .bind(pack_ref.clone())
        .execute(write.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("pack"));
    }
    write
        .commit("pack.delete", &format!("pack:{pack_ref}"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
