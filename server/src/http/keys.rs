//! Keys: named secrets for actions, encrypted at rest. Values are returned only with
//! `?decrypt=true`, which needs the `keys:decrypt` permission (admins); every decryption is audited.

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
use crate::auth::{AnyAuth, AnyPermission, KeysDecrypt, KeysWrite, Principal};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/keys", get(list_keys).post(create_key))
        .route(
            "/keys/{name}",
            get(get_key).put(update_key).delete(delete_key),
        )
}

/// Longest value, in characters.
const MAX_VALUE: usize = 16 * 1024;

/// A key; `value` is present only when decryption was asked for and allowed.
#[derive(Serialize, ToSchema)]
pub struct Key {
    pub id: i64,
    pub name: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "id, name, description, nonce, ciphertext, created_by, created_at, updated_at";

/// A row with the decrypted value when `decrypt`.
fn to_key(state: &AppState, row: &AnyRow, decrypt: bool) -> Result<Key> {
    let name: String = row.try_get("name")?;
    let value = if decrypt {
        let nonce: String = row.try_get("nonce")?;
        let ciphertext: String = row.try_get("ciphertext")?;
        Some(state.cipher.decrypt(&name, &nonce, &ciphertext)?)
    } else {
        None
    };
    Ok(Key {
        id: row.try_get("id")?,
        name,
        description: row.try_get("description")?,
        value,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn hidden(row: &AnyRow) -> Result<Key> {
    Ok(Key {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        value: None,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find_row(state: &AppState, name: &str) -> Result<AnyRow> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM keys WHERE name = $1"))
        .bind(name.to_owned())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("key"))
}

/// `?decrypt=true` needs `keys:decrypt` (a denial is audited and answered 403).
async fn may_decrypt(
    state: &AppState,
    principal: &Principal,
    decrypt: Option<bool>,
) -> Result<bool> {
    if decrypt == Some(true) {
        principal.require::<KeysDecrypt>(state).await?;
        return Ok(true);
    }
    Ok(false)
}

/// A new key.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"name": "api_token", "value": "s3cr3t", "description": "Token of the deploy API"})))]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub name: String,
    /// The secret; stored encrypted, never logged.
    #[schema(min_length = 1, max_length = 16384)]
    pub value: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub description: String,
}

/// Changes to a key.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"value": "n3w-s3cr3t"})))]
#[serde(deny_unknown_fields)]
pub struct KeyUpdate {
    #[schema(min_length = 1, max_length = 16384)]
    pub value: Option<String>,
    #[schema(max_length = 2048)]
    pub description: Option<String>,
}

/// Filters of the key list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KeyQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    /// Return the values in clear (needs `keys:decrypt`).
    pub decrypt: Option<bool>,
}

/// Whether to show one key's value.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DecryptQuery {
    /// Return the value in clear (needs `keys:decrypt`).
    pub decrypt: Option<bool>,
}

fn check_value(value: &str) -> Result<()> {
    if value.is_empty() || value.chars().count() > MAX_VALUE {
        return Err(Error::invalid(
            "value",
            format!("must be 1 to {MAX_VALUE} characters"),
        ));
    }
    Ok(())
}

/// List keys (values hidden unless `decrypt=true` and allowed).
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys", params(KeyQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Key>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_keys(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<KeyQuery>,
) -> Result<Json<Page<Key>>> {
    principal.check_unscoped(&state, "keys").await?;
    let paging = Paging::new(q.page, q.per_page)?;
    let decrypt = may_decrypt(&state, &principal, q.decrypt).await?;
    if !decrypt {
        return Ok(Json(
            page(
                &state.db,
                COLUMNS,
                "keys",
                Filters::default(),
                "name",
                paging,
                hidden,
            )
            .await?,
        ));
    }
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM keys ORDER BY name LIMIT $1 OFFSET $2"
    ))
    .bind(paging.limit())
    .bind(paging.offset())
    .fetch_all(&state.db.pool)
    .await?;
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM keys")
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    let items = rows
        .iter()
        .map(|row| to_key(&state, row, true))
        .collect::<Result<Vec<_>>>()?;
    principal.note(&state, "key.decrypt", "keys:list").await?;
    Ok(Json(Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total,
    }))
}

/// Store a key.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = NewKey, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Key), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_key(
    AnyPermission(principal, _): AnyPermission<KeysWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewKey>,
) -> Result<(StatusCode, Json<Key>)> {
    principal.check_unscoped(&state, "keys").await?;
    validate::ident("name", &new.name)?;
    validate::text("description", &new.description, 2048)?;
    check_value(&new.value)?;
    let (nonce, ciphertext) = state.cipher.encrypt(&new.name, &new.value)?;
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "INSERT INTO keys (name, description, nonce, ciphertext, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {COLUMNS}"
    ))
    .bind(new.name.clone())
    .bind(new.description)
    .bind(nonce)
    .bind(ciphertext)
    .bind(principal.login.clone())
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?;
    write
        .commit("key.create", &format!("key:{}", new.name))
        .await?;
    Ok((StatusCode::CREATED, Json(hidden(&row)?)))
}

/// Get a key (value hidden unless `decrypt=true` and allowed).
#[utoipa::path(get, path = "/api/v1/keys/{name}", tag = "keys", params(("name" = String, Path), DecryptQuery),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Key), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_key(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<DecryptQuery>,
) -> Result<Json<Key>> {
    principal.check_unscoped(&state, "keys").await?;
    let decrypt = may_decrypt(&state, &principal, q.decrypt).await?;
    let row = find_row(&state, &name).await?;
    let key = to_key(&state, &row, decrypt)?;
    if decrypt {
        principal
            .note(&state, "key.decrypt", &format!("key:{name}"))
            .await?;
    }
    Ok(Json(key))
}

/// Replace a key's value or description.
#[utoipa::path(put, path = "/api/v1/keys/{name}", tag = "keys", request_body = KeyUpdate, params(("name" = String, Path)),
    security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Key), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_key(
    AnyPermission(principal, _): AnyPermission<KeysWrite>,
    State(state): State<AppState>,
    Path(name): Path<String>,
    Json(update): Json<KeyUpdate>,
) -> Result<Json<Key>> {
    principal.check_unscoped(&state, "keys").await?;
    let row = find_row(&state, &name).await?;
    let mut nonce: String = row.try_get("nonce")?;
    let mut ciphertext: String = row.try_get("ciphertext")?;
    if let Some(value) = &update.value {
        check_value(value)?;
        (nonce, ciphertext) = state.cipher.encrypt(&name, value)?;
    }
    let description = match update.description {
        Some(d) => d,
        None => row.try_get("description")?,
    };
    validate::text("description", &description, 2048)?;
    let mut write = principal.write(&state).await?;
    let row = sqlx::query(&format!(
        "UPDATE keys SET description = $1, nonce = $2, ciphertext = $3, updated_at = $4 WHERE name = $5 RETURNING {COLUMNS}"
    ))
    .bind(description)
    .bind(nonce)
    .bind(ciphertext)
    .bind(crate::db::now())
    .bind(name.clone())
    .fetch_optional(write.conn())
    .await?
    .ok_or(Error::NotFound("key"))?;
    write.commit("key.update", &format!("key:{name}")).await?;
    Ok(Json(hidden(&row)?))
}

/// Delete a key.
#[utoipa::path(delete, path = "/api/v1/keys/{name}", tag = "keys", params(("name" = String, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_key(
    AnyPermission(principal, _): AnyPermission<KeysWrite>,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    principal.check_unscoped(&state, "keys").await?;
    let mut write = principal.write(&state).await?;
    let done = sqlx::query("DELETE FROM keys WHERE name = $1")
        .bind(name.clone())
        .execute(write.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("key"));
    }
    write.commit("key.delete", &format!("key:{name}")).await?;
    Ok(StatusCode::NO_CONTENT)
}
