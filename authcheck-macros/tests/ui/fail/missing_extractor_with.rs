#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;

// The message lists the accepted names when `with` adds some.
#[protected(with(AdminUser, ApiKeyAuth))]
async fn purge(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {}
