#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;

struct PackApi;

impl PackApi {
    #[protected]
    pub async fn delete(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
        StatusCode::NO_CONTENT
    }
}

mod other {
    pub struct RequireAuth;
}

impl PackApi {
    #[protected]
    async fn update(_auth: other::RequireAuth) -> StatusCode {
        StatusCode::OK
    }
}

fn main() {}
