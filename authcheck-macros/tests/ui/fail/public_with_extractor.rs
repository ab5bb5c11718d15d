#[path = "../support/mod.rs"]
mod support;

use authcheck::public;
use axum::http::StatusCode;
use support::{ApiKeyAuth, RequireAuth};

#[public(reason = "everyone may list packs")]
async fn list_packs(RequireAuth(_user): RequireAuth) -> StatusCode {
    StatusCode::OK
}

// `optional_auth` does not make a by-value extractor optional.
#[public(optional_auth, with = ApiKeyAuth, reason = "webhooks")]
async fn webhook(_key: ApiKeyAuth, _auth: Option<RequireAuth>) -> StatusCode {
    StatusCode::OK
}

fn main() {}
