//! `#[public]` with a reason, with `optional_auth`, and with `with`.
#[path = "../support/mod.rs"]
mod support;

use authcheck::public;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use support::{ApiKeyAuth, RequireAuth};

/// Liveness probe.
#[public(reason = "liveness probe for the load balancer")]
pub async fn health() -> &'static str {
    "ok"
}

#[public(optional_auth, reason = "anonymous callers see the public packs only")]
async fn list_packs(auth: Option<RequireAuth>) -> String {
    auth.map(|RequireAuth(user)| user).unwrap_or_default()
}

#[public(reason = "reports whether the token is valid", optional_auth)]
async fn token_status(auth: Result<RequireAuth, StatusCode>) -> StatusCode {
    match auth {
        Ok(_) => StatusCode::OK,
        Err(status) => status,
    }
}

#[authcheck::public(with = ApiKeyAuth, optional_auth, reason = "keys are optional here")]
async fn webhook(_key: Option<ApiKeyAuth>) -> StatusCode {
    StatusCode::ACCEPTED
}

fn main() {
    let _app: Router = Router::new()
        .route("/health", get(health))
        .route("/packs", get(list_packs))
        .route("/token", get(token_status))
        .route("/hook", get(webhook));
}
