#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;

// One error, in either order: `#[utoipa::path]` still expands and finds the handler.
#[utoipa::path(delete, path = "/packs/{id}", responses((status = 204)), security(("bearer_auth" = [])))]
#[protected]
async fn delete_pack(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[protected]
#[utoipa::path(get, path = "/packs/{id}", responses((status = 200)), security(("bearer_auth" = [])))]
async fn get_pack(axum::extract::Path(_id): axum::extract::Path<u32>) -> StatusCode {
    StatusCode::OK
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(delete_pack, get_pack))]
struct ApiDoc;

fn main() {}
