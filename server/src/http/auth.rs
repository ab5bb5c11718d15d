//! Identity: register, login, refresh (rotation with reuse detection), logout, me, change-password.

use authcheck::{protected, public};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;
use utoipa::ToSchema;

use super::error::{Error, ErrorEnvelope, Result};
use super::extract::Json;
use super::users::{self, User};
use super::validate;
use crate::audit::{self, Actor, Audited, Origin};
use crate::auth::token::{Claims, TokenType, AUDIENCE, ISSUER};
use crate::auth::{password, Credential, RequireAuth, Role};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/change-password", post(change_password))
}

/// Login and password.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"login": "alice", "password": "correct horse battery staple"})))]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub login: String,
    /// At least 12 characters.
    #[schema(min_length = 12, max_length = 256)]
    pub password: String,
}

/// A refresh token.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"refresh_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"})))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Optionally, the refresh token whose session ends with this access token.
#[derive(Deserialize, ToSchema, Default)]
#[schema(examples(json!({"refresh_token": "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"})))]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    pub refresh_token: Option<String>,
}

/// Current and new password.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"current_password": "correct horse battery staple", "new_password": "another long passphrase"})))]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(max_length = 256)]
    pub current_password: String,
    #[schema(min_length = 12, max_length = 256)]
    pub new_password: String,
}

/// An access token (short-lived) and a refresh token (single use, rotated).
#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Checks a new account's login and password and hashes the password (before any transaction
/// opens: Argon2 takes a while).
async fn new_account(login: &str, pass: String) -> Result<String> {
    validate::ident("login", login)?;
    password::validate("password", &pass)?;
    password::hash(pass).await
}

/// Creates a user; the login must be free.
async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    login: &str,
    hash: String,
    role: Role,
) -> Result<User> {
    let now = crate::db::now();
    let row = sqlx::query(&format!(
        "INSERT INTO users (login, password_hash, role, token_version, created_at, updated_at) \
         VALUES ($1, $2, $3, 0, $4, $4) RETURNING {}",
        users::COLUMNS
    ))
    .bind(login.to_owned())
    .bind(hash)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(conn)
    .await
    .map_err(|e| match Error::from(e) {
        Error::Conflict(_) => Error::Conflict("login already taken".into()),
        other => other,
    })?;
    users::from_row(&row)
}

/// Creates an administrator (the `create-admin` command).
pub async fn create_admin(state: &AppState, login: &str, pass: String) -> Result<User> {
    let hash = new_account(login, pass).await?;
    let cli = Actor {
        name: "cli".into(),
        origin: Origin {
            ip: "local".into(),
            request_id: String::new(),
        },
    };
    let mut write = Audited::begin(&state.db, cli).await?;
    let user = insert_user(write.conn(), login, hash, Role::Admin).await?;
    write
        .commit("user.create_admin", &format!("user:{login}"))
        .await?;
    Ok(user)
}

/// Whether any administrator exists.
pub async fn has_admin(state: &AppState) -> Result<bool> {
    let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    Ok(n > 0)
}

fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signs a new pair and records the refresh token in its family (on the caller's transaction).
async fn issue(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    version: i64,
    family: Option<String>,
) -> Result<TokenPair> {
    let now = crate::db::unix_now();
    let cfg = &state.config;
    let family = family.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let claims = |typ, ttl: i64, fam: Option<String>| Claims {
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        sub: user_id.to_string(),
        iat: now,
        exp: now + ttl,
        jti: uuid::Uuid::new_v4().to_string(),
        typ,
        ver: version,
        fam,
    };
    let sign = |c: &Claims| {
        state
            .tokens
            .sign(c)
            .map_err(|e| Error::Internal(format!("signing failed: {e}")))
    };
    let access_token = sign(&claims(TokenType::Access, cfg.access_token_ttl_secs, None))?;
    sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let refresh_token = sign(&claims(
        TokenType::Refresh,
        cfg.refresh_token_ttl_secs,
        Some(family.clone()),
    ))?;
    sqlx::query(
        "INSERT INTO refresh_tokens (token_hash, family, user_id, expires_at, used, revoked, created_at) \
         VALUES ($1, $2, $3, $4, 0, 0, $5)",
    )
    .bind(digest(&refresh_token))
    .bind(family)
    .bind(user_id)
    .bind(now + cfg.refresh_token_ttl_secs)
    .bind(crate::db::now())
    .execute(conn)
    .await?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: cfg.access_token_ttl_secs,
    })
}

/// Register a viewer account (when registration is enabled).
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = Credentials, security(()),
    responses((status = 201, body = User), (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
        (status = 422, body = ErrorEnvelope)))]
#[public(reason = "self-service sign-up; creates viewers only and can be disabled")]
pub async fn register(
    _limit: AuthRateLimit,
    origin: ClientOrigin,
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<(StatusCode, Json<User>)> {
    if !state.config.allow_registration {
        return Err(Error::Forbidden("registration is disabled"));
    }
    let hash = new_account(&body.login, body.password).await?;
    let actor = Actor {
        name: body.login.clone(),
        origin: origin.0,
    };
    let mut write = Audited::begin(&state.db, actor).await?;
    let user = insert_user(write.conn(), &body.login, hash, Role::Viewer).await?;
    write
        .commit("user.register", &format!("user:{}", user.id))
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Exchange login and password for tokens. Unknown login and wrong password answer alike.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Credentials, security(()),
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
        (status = 429, body = ErrorEnvelope)))]
#[public(reason = "issues the tokens: the caller has none yet")]
pub async fn login(
    _limit: AuthRateLimit,
    origin: ClientOrigin,
    State(state): State<AppState>,
    Json(body): Json<Credentials>,
) -> Result<Json<TokenPair>> {
    if body.password.chars().count() > password::MAX_LEN || body.login.len() > 64 {
        return Err(Error::Unauthorized("invalid login or password"));
    }
    let row = sqlx::query("SELECT id, password_hash, token_version FROM users WHERE login = $1")
        .bind(body.login.clone())
        .fetch_optional(&state.db.pool)
        .await?;
    let (user, stored) = match &row {
        Some(row) => (
            Some((
                row.try_get::<i64, _>("id")?,
                row.try_get::<i64, _>("token_version")?,
            )),
            Some(row.try_get::<String, _>("password_hash")?),
        ),
        None => (None, None),
    };
    let ok = password::verify(body.password, stored).await?;
    let actor: String = body.login.chars().take(64).collect();
    match user {
        Some((id, version)) if ok => {
            let actor = Actor {
                name: actor,
                origin: origin.0,
            };
            let mut write = Audited::begin(&state.db, actor).await?;
            let pair = issue(&state, write.conn(), id, version, None).await?;
            write.commit("auth.login", &format!("user:{id}")).await?;
            Ok(Json(pair))
        }
        _ => {
            audit::record(
                &state.db,
                &actor,
                "auth.login",
                "session",
                "denied",
                &origin.0,
            )
            .await?;
            Err(Error::Unauthorized("invalid login or password"))
        }
    }
}

/// Exchange a refresh token for a new pair. Each refresh token works once; presenting a used one
/// revokes every token of its family (the session is considered stolen).
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest, security(()),
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorEnvelope)))]
#[public(reason = "the refresh token in the body is the credential; it is verified here")]
pub async fn refresh(
    _limit: AuthRateLimit,
    origin: ClientOrigin,
    State(state): State<AppState>,
    Json(body): Json<RefreshRequest>,
) -> Result<Json<TokenPair>> {
    let invalid = || Error::Unauthorized("invalid or expired refresh token");
    let claims = state
        .tokens
        .verify(&body.refresh_token, TokenType::Refresh)
        .ok_or_else(invalid)?;
    let row = sqlx::query(
        "SELECT t.id, t.family, t.user_id, t.used, t.revoked, u.token_version, u.login \
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
    )
    .bind(digest(&body.refresh_token))
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(invalid)?;
    let id: i64 = row.try_get("id")?;
    let family: String = row.try_get("family")?;
    let user_id: i64 = row.try_get("user_id")?;
    let version: i64 = row.try_get("token_version")?;
    let login: String = row.try_get("login")?;
    let revoked = crate::db::flag(&row, "revoked")?;
    let actor = Actor {
        name: login,
        origin: origin.0,
    };
    let mut write = Audited::begin(&state.db, actor).await?;
    // Claim the token atomically: of two concurrent uses, one wins and the other is a reuse.
    let claimed = !revoked
        && sqlx::query(
            "UPDATE refresh_tokens SET used = 1 WHERE id = $1 AND used = 0 AND revoked = 0",
        )
        .bind(id)
        .execute(write.conn())
        .await?
        .rows_affected()
            == 1;
    let target = format!("user:{user_id}");
    if !claimed {
        sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE family = $1")
            .bind(family)
            .execute(write.conn())
            .await?;
        write
            .commit_with("auth.refresh_reuse", &target, "denied")
            .await?;
        return Err(invalid());
    }
    if version != claims.ver || claims.sub != user_id.to_string() {
        return Err(invalid());
    }
    let pair = issue(&state, write.conn(), user_id, version, Some(family)).await?;
    write.commit("auth.refresh", &target).await?;
    Ok(Json(pair))
}

/// End this session: the access token stops working, and the refresh token's family if given.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body(content = LogoutRequest, content_type = "application/json"),
    security(("bearer_auth" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope)))]
#[protected]
pub async fn logout(
    _limit: AuthRateLimit,
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
    body: Option<Json<LogoutRequest>>,
) -> Result<StatusCode> {
    let user_id = principal.user()?;
    let now = crate::db::unix_now();
    let mut write = principal.write(&state).await?;
    sqlx::query("DELETE FROM revoked_access_tokens WHERE expires_at < $1")
        .bind(now)
        .execute(write.conn())
        .await?;
    if let Credential::Jwt { jti, exp } = &principal.credential {
        sqlx::query("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)")
            .bind(jti.clone())
            .bind(*exp)
            .execute(write.conn())
            .await?;
    }
    if let Some(Json(LogoutRequest {
        refresh_token: Some(token),
    })) = body
    {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = $1 AND family IN \
             (SELECT family FROM refresh_tokens WHERE token_hash = $2)",
        )
        .bind(user_id)
        .bind(digest(&token))
        .execute(write.conn())
        .await?;
    }
    write
        .commit("auth.logout", &format!("user:{user_id}"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer_auth" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorEnvelope)))]
#[protected]
pub async fn me(
    _limit: AuthRateLimit,
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
) -> Result<Json<User>> {
    Ok(Json(users::find(&state, principal.user()?).await?))
}

/// Change the caller's password; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/change-password", tag = "auth", request_body = ChangePassword,
    security(("bearer_auth" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected]
pub async fn change_password(
    _limit: AuthRateLimit,
    RequireAuth(principal): RequireAuth,
    State(state): State<AppState>,
    Json(body): Json<ChangePassword>,
) -> Result<StatusCode> {
    let user_id = principal.user()?;
    password::validate("new_password", &body.new_password)?;
    let stored: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&state.db.pool)
        .await?
        .try_get("password_hash")?;
    if !password::verify(body.current_password, Some(stored)).await? {
        let target = format!("user:{}", user_id);
        audit::record(
            &state.db,
            &principal.login,
            "auth.change_password",
            &target,
            "denied",
            &principal.origin,
        )
        .await?;
        return Err(Error::invalid("current_password", "does not match"));
    }
    let hash = password::hash(body.new_password).await?;
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, token_version = token_version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(crate::db::now())
    .bind(user_id)
    .execute(write.conn())
    .await?;
    sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = $1")
        .bind(user_id)
        .execute(write.conn())
        .await?;
    write
        .commit("auth.change_password", &format!("user:{user_id}"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Counts the request against the per-IP limit of `/auth/*`; beyond it, 429 with `Retry-After`.
pub struct AuthRateLimit;

impl axum::extract::FromRequestParts<AppState> for AuthRateLimit {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self> {
        let ip = crate::auth::origin(parts).ip;
        state
            .limits
            .check(
                &format!("auth-ip:{ip}"),
                state.config.auth_rate_limit_per_min,
            )
            .await?;
        Ok(AuthRateLimit)
    }
}

/// Where an anonymous request came from (for the audit log of public endpoints).
pub struct ClientOrigin(pub Origin);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(ClientOrigin(crate::auth::origin(parts)))
    }
}
