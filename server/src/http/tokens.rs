//! Personal access tokens: created (secret shown once), listed (never the secret) and revoked by
//! their owner over a JWT session; admins can revoke anyone's.

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
use super::validate;
use crate::auth::credentials::{self, PAT_PREFIX};
use crate::auth::machine::packs_of;
use crate::auth::Permission as _;
use crate::auth::{RequireAuth, UsersAdmin};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

/// A personal access token, without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// The token's recognisable start (`acpat_` and its public id).
    pub prefix: String,
    /// Packs it is limited to; absent for all.
    pub packs: Option<Vec<String>>,
    /// Expiry, seconds since the epoch; absent for never.
    pub expires_at: Option<i64>,
    pub revoked: bool,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub created_at: String,
}

/// A new token: `token` is shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

const COLUMNS: &str =
    "id, name, public_id, packs, expires_at, revoked, last_used_at, last_used_ip, created_at";

fn from_row(row: &AnyRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        prefix: format!("{PAT_PREFIX}{}", row.try_get::<String, _>("public_id")?),
        packs: packs_of(row)?,
        expires_at: row.try_get("expires_at")?,
        revoked: crate::db::flag(row, "revoked")?,
        last_used_at: row.try_get("last_used_at")?,
        last_used_ip: row.try_get("last_used_ip")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The schema of a pack scope as [`scope`] checks it: absent or null for every pack, else 1 to 50
/// pack references.
pub fn pack_scope_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some("^[A-Za-z0-9][A-Za-z0-9_.-]*$"))
                .min_length(Some(1))
                .max_length(Some(64)),
        )
        .min_items(Some(1))
        .max_items(Some(50))
        .description(Some("Limit it to these packs (1 to 50 pack references)."))
        .build()
}

/// Validates a pack scope and serializes it for storage.
pub fn scope(packs: Option<Vec<String>>) -> Result<Option<String>> {
    let Some(packs) = packs else { return Ok(None) };
    if packs.is_empty() || packs.len() > 50 {
        return Err(Error::invalid("packs", "must list 1 to 50 pack references"));
    }
    for p in &packs {
        validate::ident("packs", p)?;
    }
    Ok(Some(serde_json::Value::from(packs).to_string()))
}

/// A token to create.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"name": "ci", "expires_in_days": 30, "packs": ["core"]})))]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(min_length = 1, max_length = 128, pattern = "\\S")]
    pub name: String,
    /// Days until it expires, 1 to 366 (default 90).
    #[schema(minimum = 1, maximum = 366)]
    pub expires_in_days: Option<u32>,
    /// Limit it to these packs.
    #[schema(schema_with = pack_scope_schema)]
    pub packs: Option<Vec<String>>,
}

/// Filters of the token list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub revoked: Option<bool>,
    /// Another user's tokens (admins only).
    pub user_id: Option<i64>,
}

/// List the caller's tokens, or an admin another user's (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenQuery), security(("bearer_auth" = [])),
    responses((status = 200, body = Page<TokenInfo>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
#[protected]
pub async fn list_tokens(
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Json<Page<TokenInfo>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let own = principal.user()?;
    let user_id = q.user_id.unwrap_or(own);
    if user_id != own {
        principal.require::<UsersAdmin>(&state).await?;
    }
    let filters = Filters::default()
        .int("user_id", Some(user_id))
        .flag("revoked", q.revoked);
    Ok(Json(
        page(
            &state.db,
            COLUMNS,
            "personal_access_tokens",
            filters,
            "id",
            paging,
            from_row,
        )
        .await?,
    ))
}

/// Create a token for the caller; the secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = NewToken, security(("bearer_auth" = [])),
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected]
pub async fn create_token(
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
    Json(new): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>)> {
    let user_id = principal.user()?;
    validate::required("name", &new.name, 128)?;
    let days = new.expires_in_days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(Error::invalid(
            "expires_in_days",
            "must be between 1 and 366",
        ));
    }
    let packs = scope(new.packs)?;
    let minted = credentials::mint(PAT_PREFIX);
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO personal_access_tokens (public_id, user_id, name, secret_hash, packs, expires_at, revoked, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) RETURNING {COLUMNS}"
    ))
    .bind(minted.public_id)
    .bind(user_id)
    .bind(new.name)
    .bind(minted.secret_hash)
    .bind(packs)
    .bind(crate::db::unix_now() + i64::from(days) * 86_400)
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?;
    let info = from_row(&row)?;
    write
        .commit("pat.create", &format!("pat:{}", info.id))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: minted.token,
            info,
        }),
    ))
}

/// Revoke a token: one's own, or anyone's for admins.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", params(("id" = i64, Path)), security(("bearer_auth" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected]
pub async fn revoke_token(
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let user_id = principal.user()?;
    let any = principal.role.grants(UsersAdmin::NAME);
    let mut write = principal.write(&state).await?;
    let done = sqlx::query(
        "UPDATE personal_access_tokens SET revoked = 1 WHERE id = $1 AND (user_id = $2 OR $3 = 1)",
    )
    .bind(id)
    .bind(user_id)
    .bind(i64::from(any))
    .execute(write.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("token"));
    }
    write.commit("pat.revoke", &format!("pat:{id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}
