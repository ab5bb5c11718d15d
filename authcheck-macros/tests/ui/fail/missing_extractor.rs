#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::extract::Path;
use axum::http::StatusCode;

#[protected]
async fn delete_pack(Path(_id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {
    let _ = axum::Router::<()>::new().route("/packs/{id}", axum::routing::delete(delete_pack));
}
