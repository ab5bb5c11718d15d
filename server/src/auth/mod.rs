//! Authentication and authorization: the `Principal` and the extractors that yield it.
//!
//! One extractor per credential kind — `RequireAuth` (JWT access token), `PatAuth` (personal access
//! token), `ApiKeyAuth` (service API key in `X-API-Key`) — and `AnyAuth`, which accepts any of the
//! three. `RequirePermission<P>` (JWT) and `AnyPermission<P>` (any credential) add a role check.

pub mod credentials;
pub mod machine;
pub mod password;
pub mod token;

pub use machine::{AnyAuth, AnyPermission, ApiKeyAuth, PatAuth};

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sqlx::Row as _;
use utoipa::ToSchema;

use crate::audit;
use crate::client_ip::ClientIp;
use crate::http::error::Error;
use crate::AppState;

/// The roles, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads everything except users, the audit log and key values.
    Viewer,
    /// Viewer plus every write on automation resources and keys.
    Editor,
    /// Everything, including users, the audit log and `keys:decrypt`.
    Admin,
}

/// Permissions only admins hold.
const ADMIN_ONLY: &[&str] = &["users:admin", "apikeys:admin", "audit:read", "keys:decrypt"];

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether the role holds a permission (`resource:action`). Reads need no permission.
    pub fn grants(self, permission: &str) -> bool {
        match self {
            Role::Admin => true,
            Role::Editor => !ADMIN_ONLY.contains(&permission),
            Role::Viewer => false,
        }
    }
}

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A JWT access token, with its id and expiry (for logout).
    Jwt { jti: String, exp: i64 },
    /// A personal access token (row id).
    Pat { id: i64 },
    /// A service API key (row id).
    ApiKey { id: i64 },
}

/// The authenticated caller, with where the request came from (for the audit log).
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user; `None` for service API keys, which belong to no user.
    pub user_id: Option<i64>,
    /// Who acts, as the audit log shows it: the login, `login (pat:ID)` or `apikey:NAME`.
    pub login: String,
    pub role: Role,
    pub credential: Credential,
    /// Packs the credential is limited to; `None` for all.
    pub packs: Option<Vec<String>>,
    pub origin: audit::Origin,
}

impl Principal {
    /// The user behind a JWT (the only kind `RequireAuth` yields).
    pub fn user(&self) -> Result<i64, Error> {
        self.user_id
            .ok_or(Error::Forbidden("a user credential (not a service key)"))
    }

    /// The packs the credential is limited to, for list filters.
    pub fn scope(&self) -> Option<&[String]> {
        self.packs.as_deref()
    }

    /// 403 unless the credential may act on `pack` (audited).
    pub async fn check_pack(&self, state: &AppState, pack: &str) -> Result<(), Error> {
        match &self.packs {
            Some(packs) if !packs.iter().any(|p| p == pack) => {
                self.deny(state, &format!("pack:{pack}")).await?;
                Err(Error::Forbidden("access to this pack"))
            }
            _ => Ok(()),
        }
    }

    /// 403 for credentials limited to packs, on resources outside any pack (audited).
    pub async fn check_unscoped(&self, state: &AppState, target: &str) -> Result<(), Error> {
        if self.packs.is_some() {
            self.deny(state, target).await?;
            return Err(Error::Forbidden("an unscoped credential"));
        }
        Ok(())
    }

    async fn deny(&self, state: &AppState, target: &str) -> Result<(), Error> {
        audit::record(
            &state.db,
            &self.login,
            "scope.denied",
            target,
            "denied",
            &self.origin,
        )
        .await
    }

    /// Checks a permission, auditing a denial.
    pub async fn require<P: Permission>(&self, state: &AppState) -> Result<(), Error> {
        if self.role.grants(P::NAME) {
            return Ok(());
        }
        audit::record(
            &state.db,
            &self.login,
            "permission.denied",
            P::NAME,
            "denied",
            &self.origin,
        )
        .await?;
        Err(Error::Forbidden(P::NAME))
    }

    /// Records an action that changes nothing but is worth knowing (a decryption).
    pub async fn note(&self, state: &AppState, action: &str, target: &str) -> Result<(), Error> {
        audit::record(&state.db, &self.login, action, target, "ok", &self.origin).await
    }

    /// Who the audit log shows acting.
    pub fn actor(&self) -> audit::Actor {
        audit::Actor {
            name: self.login.clone(),
            origin: self.origin.clone(),
        }
    }

    /// Starts a change that is stored only with its audit entry (see [`audit::Audited`]).
    pub async fn write(&self, state: &AppState) -> Result<audit::Audited, Error> {
        audit::Audited::begin(&state.db, self.actor()).await
    }
}

/// Where a request came from: the client's address (behind trusted proxies, the one they
/// forwarded) and the request id.
pub fn origin(parts: &Parts) -> audit::Origin {
    let ip = parts
        .extensions
        .get::<ClientIp>()
        .map(|ClientIp(ip)| ip.to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(64)
        .collect();
    audit::Origin { ip, request_id }
}

/// Rejects anonymous callers with 401 and yields the caller's `Principal`.
pub struct RequireAuth(pub Principal);

impl authcheck::AuthExtractor for RequireAuth {}

impl FromRequestParts<AppState> for RequireAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(Error::Unauthorized("missing credentials"))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(Error::Unauthorized("expected a bearer token"))?;
        let claims = state
            .tokens
            .verify(token, token::TokenType::Access)
            .ok_or(Error::Unauthorized("invalid or expired token"))?;
        let user_id: i64 = claims
            .sub
            .parse()
            .map_err(|_| Error::Unauthorized("invalid or expired token"))?;
        let row = sqlx::query(
            "SELECT u.login, u.role, u.token_version, \
             (SELECT COUNT(*) FROM revoked_access_tokens r WHERE r.jti = $2) AS revoked \
             FROM users u WHERE u.id = $1",
        )
        .bind(user_id)
        .bind(claims.jti.clone())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::Unauthorized("invalid or expired token"))?;
        let version: i64 = row.try_get("token_version")?;
        let revoked: i64 = row.try_get("revoked")?;
        if version != claims.ver || revoked > 0 {
            return Err(Error::Unauthorized("invalid or expired token"));
        }
        let role: String = row.try_get("role")?;
        Ok(RequireAuth(Principal {
            user_id: Some(user_id),
            login: row.try_get("login")?,
            role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("bad role {role}")))?,
            credential: Credential::Jwt {
                jti: claims.jti,
                exp: claims.exp,
            },
            packs: None,
            origin: origin(parts),
        }))
    }
}

/// A permission named `resource:action`, checked by `RequirePermission<P>`.
pub trait Permission: Send + Sync + 'static {
    const NAME: &'static str;
}

macro_rules! permissions {
    ($($(#[$doc:meta])* $ty:ident = $name:literal;)*) => {$(
        $(#[$doc])*
        pub struct $ty;
        impl Permission for $ty {
            const NAME: &'static str = $name;
        }
    )*};
}

permissions! {
    /// Create, update and delete packs.
    PacksWrite = "packs:write";
    /// Create, update and delete actions.
    ActionsWrite = "actions:write";
    /// Create, update, delete, enable and disable triggers.
    TriggersWrite = "triggers:write";
    /// Create, update, delete, enable and disable sensors.
    SensorsWrite = "sensors:write";
    /// Create, update, delete, enable and disable rules.
    RulesWrite = "rules:write";
    /// Run, transition, cancel and delete executions.
    ExecutionsWrite = "executions:write";
    /// Emit, update and delete events.
    EventsWrite = "events:write";
    /// Create, update and delete enforcements.
    EnforcementsWrite = "enforcements:write";
    /// Create, update, delete and respond to inquiries.
    InquiriesWrite = "inquiries:write";
    /// Create, update and delete workflows.
    WorkflowsWrite = "workflows:write";
    /// Create, update and delete keys.
    KeysWrite = "keys:write";
    /// Read key values in clear.
    KeysDecrypt = "keys:decrypt";
    /// Manage users and revoke anyone's tokens.
    UsersAdmin = "users:admin";
    /// Register, list and revoke service API keys.
    ApiKeysAdmin = "apikeys:admin";
    /// Read the audit log.
    AuditRead = "audit:read";
}

/// `RequireAuth` plus a permission check: 401 for anonymous callers, 403 (audited) without `P`.
pub struct RequirePermission<P: Permission>(pub Principal, pub PhantomData<fn() -> P>);

impl<P: Permission> authcheck::AuthExtractor for RequirePermission<P> {}

impl<P: Permission> FromRequestParts<AppState> for RequirePermission<P> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let RequireAuth(principal) = RequireAuth::from_request_parts(parts, state).await?;
        principal.require::<P>(state).await?;
        Ok(RequirePermission(principal, PhantomData))
    }
}
