#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use support::RequireAuth;

#[protected]
async fn create_pack(auth: Option<RequireAuth>) -> StatusCode {
    match auth {
        Some(_) => StatusCode::CREATED,
        None => StatusCode::UNAUTHORIZED,
    }
}

fn main() {}
