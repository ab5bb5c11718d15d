//! `#[axum::debug_handler]` on either side of the attributes.
#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use support::RequireAuth;

#[derive(Clone)]
struct AppState;

#[protected]
#[axum::debug_handler]
async fn outer(_auth: RequireAuth, Path(_id): Path<u32>) -> StatusCode {
    StatusCode::OK
}

#[axum::debug_handler(state = AppState)]
#[protected]
async fn inner(State(_state): State<AppState>, RequireAuth(_user): RequireAuth) -> StatusCode {
    StatusCode::OK
}

#[axum::debug_handler]
#[public(reason = "liveness probe")]
async fn health() -> StatusCode {
    StatusCode::OK
}

// (`#[axum::debug_handler]` itself supports associated fns only when they take `self` or
// return `Self`, which handlers don't; associated handlers are covered in associated_fn.rs.)

fn main() {
    let _app: Router = Router::new()
        .route("/a/{id}", get(outer))
        .route("/b", get(inner))
        .route("/health", get(health))
        .with_state(AppState);
}
