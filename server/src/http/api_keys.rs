//! Service API keys for machine clients: registered, listed and revoked by admins; sent in
//! `X-API-Key`; each with a role, an optional pack scope and its own rate limit.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::tokens::scope;
use super::validate;
use crate::auth::credentials::{self, API_KEY_PREFIX};
use crate::auth::machine::packs_of;
use crate::auth::{ApiKeysAdmin, RequirePermission, Role};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api-keys", get(list_api_keys).post(create_api_key))
        .route("/api-keys/{id}", delete(revoke_api_key))
}

/// Default requests per minute of a key.
const DEFAULT_RATE_LIMIT: u32 = 100;

/// A service API key, without its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub name: String,
    /// The key's recognisable start (`acsk_` and its public id).
    pub prefix: String,
    pub role: Role,
    pub packs: Option<Vec<String>>,
    pub rate_limit_per_min: i64,
    pub revoked: bool,
    pub created_by: String,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub created_at: String,
}

/// A new key: `key` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub key: String,
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

const COLUMNS: &str = "id, name, public_id, role, packs, rate_limit_per_min, revoked, created_by, last_used_at, last_used_ip, created_at";

fn from_row(row: &AnyRow) -> Result<ApiKeyInfo> {
    let role: String = row.try_get("role")?;
    Ok(ApiKeyInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: format!("{API_KEY_PREFIX}{}", row.try_get::<String, _>("public_id")?),
        role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("bad role {role}")))?,
        packs: packs_of(row)?,
        rate_limit_per_min: row.try_get("rate_limit_per_min")?,
        revoked: crate::db::flag(row, "revoked")?,
        created_by: row.try_get("created_by")?,
        last_used_at: row.try_get("last_used_at")?,
        last_used_ip: row.try_get("last_used_ip")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A key to register.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"name": "worker", "role": "editor", "packs": ["core"], "rate_limit_per_min": 100})))]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub name: String,
    /// Service keys cannot be admins.
    pub role: ServiceRole,
    /// Limit it to these packs.
    #[schema(schema_with = super::tokens::pack_scope_schema)]
    pub packs: Option<Vec<String>>,
    /// Requests per minute, 1 to 100000 (default 100).
    #[schema(minimum = 1, maximum = 100000)]
    pub rate_limit_per_min: Option<u32>,
}

/// The roles a service key can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ServiceRole {
    Viewer,
    Editor,
}

impl From<ServiceRole> for Role {
    fn from(role: ServiceRole) -> Self {
        match role {
            ServiceRole::Viewer => Role::Viewer,
            ServiceRole::Editor => Role::Editor,
        }
    }
}

/// Filters of the key list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApiKeyQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub revoked: Option<bool>,
}

/// List service API keys (never their secrets).
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys", params(ApiKeyQuery), security(("bearer_auth" = [])),
    responses((status = 200, body = Page<ApiKeyInfo>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn list_api_keys(
    RequirePermission(_principal, _): RequirePermission<ApiKeysAdmin>,
    State(state): State<AppState>,
    Query(q): Query<ApiKeyQuery>,
) -> Result<Json<Page<ApiKeyInfo>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default().flag("revoked", q.revoked);
    Ok(Json(
        page(
            &state.db, COLUMNS, "api_keys", filters, "id", paging, from_row,
        )
        .await?,
    ))
}

/// Register a service API key; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys", request_body = NewApiKey, security(("bearer_auth" = [])),
    responses((status = 201, body = CreatedApiKey), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn create_api_key(
    RequirePermission(principal, _): RequirePermission<ApiKeysAdmin>,
    State(state): State<AppState>,
    Json(new): Json<NewApiKey>,
) -> Result<(StatusCode, Json<CreatedApiKey>)> {
    validate::ident("name", &new.name)?;
    let limit = new.rate_limit_per_min.unwrap_or(DEFAULT_RATE_LIMIT);
    if !(1..=100_000).contains(&limit) {
        return Err(Error::invalid(
            "rate_limit_per_min",
            "must be between 1 and 100000",
        ));
    }
    let packs = scope(new.packs)?;
    let minted = credentials::mint(API_KEY_PREFIX);
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO api_keys (public_id, name, role, secret_hash, packs, rate_limit_per_min, revoked, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(minted.public_id)
    .bind(new.name)
    .bind(Role::from(new.role).as_str())
    .bind(minted.secret_hash)
    .bind(packs)
    .bind(i64::from(limit))
    .bind(principal.login.clone())
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?;
    let info = from_row(&row)?;
    write
        .commit("apikey.create", &format!("apikey:{}", info.name))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedApiKey {
            key: minted.token,
            info,
        }),
    ))
}

/// Revoke a service API key.
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys", params(("id" = i64, Path)), security(("bearer_auth" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn revoke_api_key(
    RequirePermission(principal, _): RequirePermission<ApiKeysAdmin>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let mut write = principal.write(&state).await?;
    let done = sqlx::query("UPDATE api_keys SET revoked = 1 WHERE id = $1")
        .bind(id)
        .execute(write.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("api key"));
    }
    write
        .commit("apikey.revoke", &format!("apikey:{id}"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
