//! Extractors for machine credentials — `PatAuth` (personal access token in
//! `Authorization: Bearer acpat_...`), `ApiKeyAuth` (service key in `X-API-Key: acsk_...`) — and
//! `AnyAuth` / `AnyPermission<P>` for handlers that accept a JWT, a PAT or a service key.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::any::AnyRow;
use sqlx::Row as _;

use super::credentials::{self, API_KEY_PREFIX, PAT_PREFIX};
use super::{origin, Credential, Permission, Principal, RequireAuth, Role};
use crate::audit::{self, Actor, Audited, Origin};
use crate::http::error::Error;
use crate::AppState;

/// The header service API keys are sent in.
pub const API_KEY_HEADER: &str = "x-api-key";

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Reads the optional pack scope column (a JSON array).
pub fn packs_of(row: &AnyRow) -> Result<Option<Vec<String>>, Error> {
    let text: Option<String> = row.try_get("packs")?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| Error::Internal(format!("bad pack scope: {e}")))
    })
    .transpose()
}

/// Audits a refused credential (never the secret: only its public id).
async fn reject(state: &AppState, actor: String, why: &str, origin: &Origin) -> Error {
    if let Err(e) = audit::record(
        &state.db,
        &actor,
        "credential.rejected",
        why,
        "denied",
        origin,
    )
    .await
    {
        return e;
    }
    Error::Unauthorized("invalid, expired or revoked credential")
}

/// Records the use; a new client address is audited, with the update, in one transaction.
async fn touch(
    state: &AppState,
    table: &str,
    id: i64,
    last_ip: Option<String>,
    actor: &str,
    origin: &Origin,
) -> Result<(), Error> {
    let sql = format!("UPDATE {table} SET last_used_at = $1, last_used_ip = $2 WHERE id = $3");
    let update = sqlx::query(&sql)
        .bind(crate::db::now())
        .bind(origin.ip.clone())
        .bind(id);
    if last_ip.as_deref() == Some(origin.ip.as_str()) {
        update.execute(&state.db.pool).await?;
        return Ok(());
    }
    let actor = Actor {
        name: actor.to_owned(),
        origin: origin.clone(),
    };
    let mut write = Audited::begin(&state.db, actor).await?;
    update.execute(write.conn()).await?;
    write.commit("credential.new_ip", &origin.ip).await
}

/// A personal access token: the owner's identity and role, limited to its packs if scoped.
pub struct PatAuth(pub Principal);

impl authcheck::AuthExtractor for PatAuth {}

impl FromRequestParts<AppState> for PatAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(parts).ok_or(Error::Unauthorized("missing credentials"))?;
        // A wrong checksum is refused without touching the database.
        let parsed = credentials::parse(PAT_PREFIX, token).ok_or(Error::Unauthorized(
            "invalid, expired or revoked credential",
        ))?;
        let origin = origin(parts);
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.secret_hash, t.packs, t.expires_at, t.revoked, t.last_used_ip, \
             u.login, u.role FROM personal_access_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.public_id = $1",
        )
        .bind(parsed.public_id.to_owned())
        .fetch_optional(&state.db.pool)
        .await?;
        let Some(row) = row else {
            return Err(reject(
                state,
                format!("pat:{}", parsed.public_id),
                "unknown",
                &origin,
            )
            .await);
        };
        let id: i64 = row.try_get("id")?;
        let login: String = row.try_get("login")?;
        let actor = format!("{login}/pat:{id}");
        let hash: String = row.try_get("secret_hash")?;
        if !credentials::verify_secret(parsed.secret, &hash) {
            return Err(reject(state, actor, "wrong secret", &origin).await);
        }
        if crate::db::flag(&row, "revoked")? {
            return Err(reject(state, actor, "revoked", &origin).await);
        }
        let expires_at: Option<i64> = row.try_get("expires_at")?;
        if expires_at.is_some_and(|t| t <= crate::db::unix_now()) {
            return Err(reject(state, actor, "expired", &origin).await);
        }
        touch(
            state,
            "personal_access_tokens",
            id,
            row.try_get("last_used_ip")?,
            &actor,
            &origin,
        )
        .await?;
        let role: String = row.try_get("role")?;
        Ok(PatAuth(Principal {
            user_id: Some(row.try_get("user_id")?),
            login: actor,
            role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("bad role {role}")))?,
            credential: Credential::Pat { id },
            packs: packs_of(&row)?,
            origin,
        }))
    }
}

/// A service API key: its own role and pack scope, and its own rate limit (429 beyond it).
pub struct ApiKeyAuth(pub Principal);

impl authcheck::AuthExtractor for ApiKeyAuth {}

impl FromRequestParts<AppState> for ApiKeyAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let key = parts
            .headers
            .get(API_KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .ok_or(Error::Unauthorized("missing credentials"))?;
        let parsed = credentials::parse(API_KEY_PREFIX, key.trim()).ok_or(Error::Unauthorized(
            "invalid, expired or revoked credential",
        ))?;
        let origin = origin(parts);
        let row = sqlx::query(
            "SELECT id, name, role, secret_hash, packs, rate_limit_per_min, revoked, last_used_ip \
             FROM api_keys WHERE public_id = $1",
        )
        .bind(parsed.public_id.to_owned())
        .fetch_optional(&state.db.pool)
        .await?;
        let Some(row) = row else {
            return Err(reject(
                state,
                format!("apikey:{}", parsed.public_id),
                "unknown",
                &origin,
            )
            .await);
        };
        let id: i64 = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        let actor = format!("apikey:{name}");
        let hash: String = row.try_get("secret_hash")?;
        if !credentials::verify_secret(parsed.secret, &hash) {
            return Err(reject(state, actor, "wrong secret", &origin).await);
        }
        if crate::db::flag(&row, "revoked")? {
            return Err(reject(state, actor, "revoked", &origin).await);
        }
        let limit: i64 = row.try_get("rate_limit_per_min")?;
        state
            .limits
            .check(
                &format!("apikey:{id}"),
                u32::try_from(limit).unwrap_or(u32::MAX),
            )
            .await?;
        touch(
            state,
            "api_keys",
            id,
            row.try_get("last_used_ip")?,
            &actor,
            &origin,
        )
        .await?;
        let role: String = row.try_get("role")?;
        Ok(ApiKeyAuth(Principal {
            user_id: None,
            login: actor,
            role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("bad role {role}")))?,
            credential: Credential::ApiKey { id },
            packs: packs_of(&row)?,
            origin,
        }))
    }
}

/// Any credential: a service key in `X-API-Key`, else a bearer PAT (by its prefix), else a JWT.
pub struct AnyAuth(pub Principal);

impl authcheck::AuthExtractor for AnyAuth {}

impl FromRequestParts<AppState> for AnyAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if parts.headers.contains_key(API_KEY_HEADER) {
            let ApiKeyAuth(principal) = ApiKeyAuth::from_request_parts(parts, state).await?;
            return Ok(AnyAuth(principal));
        }
        if bearer(parts).is_some_and(|t| t.starts_with(PAT_PREFIX)) {
            let PatAuth(principal) = PatAuth::from_request_parts(parts, state).await?;
            return Ok(AnyAuth(principal));
        }
        let RequireAuth(principal) = RequireAuth::from_request_parts(parts, state).await?;
        Ok(AnyAuth(principal))
    }
}

/// `AnyAuth` plus a permission check: 401 without a valid credential, 403 (audited) without `P`.
pub struct AnyPermission<P: Permission>(pub Principal, pub PhantomData<fn() -> P>);

impl<P: Permission> authcheck::AuthExtractor for AnyPermission<P> {}

impl<P: Permission> FromRequestParts<AppState> for AnyPermission<P> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let AnyAuth(principal) = AnyAuth::from_request_parts(parts, state).await?;
        principal.require::<P>(state).await?;
        Ok(AnyPermission(principal, PhantomData))
    }
}
