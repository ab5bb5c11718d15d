//! The ways a handler takes `RequireAuth` by value, all accepted; the handlers stay axum handlers.
#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::Router;
use support::RequireAuth;

/// Docs, visibility and other attributes are kept.
#[protected]
#[allow(clippy::unused_async)]
pub async fn delete_pack(RequireAuth(_user): RequireAuth, Path(_id): Path<u32>) -> StatusCode {
    StatusCode::NO_CONTENT
}

#[protected]
pub(crate) async fn underscore(_auth: RequireAuth) -> StatusCode {
    StatusCode::OK
}

// A qualified path: only the last segment is looked at.
#[authcheck::protected]
async fn qualified(auth: support::RequireAuth) -> String {
    auth.0
}

// Inner attributes and docs stay first in the body.
#[protected]
async fn inner_attributes(auth: RequireAuth) -> String {
    #![allow(unused_variables)]
    //! inner docs
    let unused = 1;
    auth.0
}

// Generic handlers: the assertion sits in the body, where the fn's generics are in scope.
#[protected]
async fn generic<T: Default + Send>(_auth: RequireAuth) -> StatusCode {
    let _ = T::default();
    StatusCode::OK
}

fn main() {
    let _app: Router = Router::new()
        .route("/packs/{id}", delete(delete_pack))
        .route("/a", get(underscore))
        .route("/b", get(qualified))
        .route("/c", get(inner_attributes))
        .route("/d", get(generic::<u8>));
}
