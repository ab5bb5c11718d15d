#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use support::RequireAuth;

#[protected]
async fn update_pack(auth: Result<RequireAuth, StatusCode>) -> StatusCode {
    match auth {
        Ok(_) => StatusCode::OK,
        Err(status) => status,
    }
}

fn main() {}
