#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};
use axum::http::StatusCode;
use support::RequireAuth;

#[protected]
fn get_pack(_auth: RequireAuth) -> StatusCode {
    StatusCode::OK
}

#[public(reason = "liveness probe")]
fn health() -> StatusCode {
    StatusCode::OK
}

fn main() {}
