#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};
use axum::http::StatusCode;
use support::RequireAuth;

#[protected]
#[public(reason = "liveness probe")]
async fn health() -> StatusCode {
    StatusCode::OK
}

#[public(reason = "everyone may read")]
#[protected]
async fn get_pack(_auth: RequireAuth) -> StatusCode {
    StatusCode::OK
}

fn main() {
    let _ = axum::Router::<()>::new()
        .route("/health", axum::routing::get(health))
        .route("/pack", axum::routing::get(get_pack));
}
