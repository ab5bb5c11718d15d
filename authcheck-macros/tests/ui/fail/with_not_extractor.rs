#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use support::Claims;

// `with` names the argument; the compiler still checks that it is an auth extractor.
#[protected(with = Claims)]
async fn delete_pack(_claims: Claims) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {}
