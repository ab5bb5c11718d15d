#[path = "../support/mod.rs"]
mod support;

use authcheck::public;
use axum::http::StatusCode;
use support::RequireAuth;

#[public(reason = "anonymous callers see the public packs only")]
async fn list_packs(_auth: Option<RequireAuth>) -> StatusCode {
    StatusCode::OK
}

fn main() {}
