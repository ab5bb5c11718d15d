//! `with` adds extractor names to `RequireAuth`; generic extractors match on the last segment.
#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use support::{AdminUser, ApiKeyAuth, KeysWrite, Permission, RequireAuth, RequirePermission};

#[protected(with = AdminUser)]
async fn list_users(AdminUser(_admin): AdminUser) -> StatusCode {
    StatusCode::OK
}

// `with` adds to the default: `RequireAuth` is still accepted.
#[protected(with = AdminUser)]
async fn me(RequireAuth(user): RequireAuth) -> String {
    user
}

#[protected(with(AdminUser, ApiKeyAuth))]
async fn ingest(_key: ApiKeyAuth) -> StatusCode {
    StatusCode::ACCEPTED
}

#[protected(with = support::RequirePermission)]
async fn write_key(_auth: RequirePermission<KeysWrite>) -> StatusCode {
    StatusCode::CREATED
}

// The extractor's type argument is a generic parameter of the handler.
#[protected(with = RequirePermission)]
async fn write_any<P: Permission>(_auth: RequirePermission<P>) -> &'static str {
    P::NAME
}

fn main() {
    let _app: Router = Router::new()
        .route("/users", get(list_users))
        .route("/me", get(me))
        .route("/ingest", post(ingest))
        .route("/keys", post(write_key))
        .route("/keys/any", post(write_any::<KeysWrite>));
}
