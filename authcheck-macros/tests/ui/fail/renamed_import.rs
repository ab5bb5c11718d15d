#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use support::Claims as RequireAuth;

#[protected]
async fn delete_pack(
    axum::Extension(_claims): axum::Extension<RequireAuth>,
    _auth: RequireAuth,
) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {}
