//! `#[utoipa::path]` on either side of the attributes: both expand, the OpenAPI doc is intact.
#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};
use axum::extract::Path;
use axum::http::StatusCode;
use support::RequireAuth;
use utoipa::OpenApi;

/// Deletes a pack.
#[utoipa::path(
    delete,
    path = "/packs/{id}",
    params(("id" = u32, Path, description = "pack id")),
    responses((status = 204, description = "deleted"), (status = 401, description = "anonymous")),
    security(("bearer_auth" = []))
)]
#[protected]
async fn delete_pack(_auth: RequireAuth, Path(_id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

/// Gets a pack.
#[protected]
#[utoipa::path(
    get,
    path = "/packs/{id}",
    params(("id" = u32, Path, description = "pack id")),
    responses((status = 200, description = "the pack")),
    security(("bearer_auth" = []))
)]
async fn get_pack(RequireAuth(_user): RequireAuth, Path(_id): Path<u32>) -> StatusCode {
    StatusCode::OK
}

#[utoipa::path(get, path = "/health", responses((status = 200)), security(()))]
#[public(reason = "liveness probe")]
async fn health() -> StatusCode {
    StatusCode::OK
}

#[public(reason = "version banner")]
#[utoipa::path(get, path = "/version", responses((status = 200)), security(()))]
async fn version() -> StatusCode {
    StatusCode::OK
}

#[derive(OpenApi)]
#[openapi(paths(delete_pack, get_pack, health, version))]
struct ApiDoc;

fn main() {
    let doc = ApiDoc::openapi();
    let paths = &doc.paths.paths;
    // Docs and security survive in both orders.
    let delete = paths["/packs/{id}"].delete.as_ref().unwrap();
    assert_eq!(delete.summary.as_deref(), Some("Deletes a pack."));
    assert!(delete.security.is_some());
    let get = paths["/packs/{id}"].get.as_ref().unwrap();
    assert_eq!(get.summary.as_deref(), Some("Gets a pack."));
    assert!(get.security.is_some());
    assert!(paths.contains_key("/health") && paths.contains_key("/version"));
    let _app: axum::Router = axum::Router::new()
        .route(
            "/packs/{id}",
            axum::routing::delete(delete_pack).get(get_pack),
        )
        .route("/health", axum::routing::get(health))
        .route("/version", axum::routing::get(version));
}
