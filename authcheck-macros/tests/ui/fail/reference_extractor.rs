#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use support::RequireAuth;

#[protected]
async fn get_pack(_auth: &RequireAuth) -> StatusCode {
    StatusCode::OK
}

fn main() {}
