#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;

#[protected]
#[axum::debug_handler]
async fn delete_pack(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[axum::debug_handler]
#[protected]
async fn get_pack(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::OK
}

fn main() {
    let _ = axum::Router::<()>::new()
        .route("/a/{id}", axum::routing::delete(delete_pack))
        .route("/b/{id}", axum::routing::get(get_pack));
}
