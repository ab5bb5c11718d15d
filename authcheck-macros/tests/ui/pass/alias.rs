//! An alias of a real extractor passes: the assertion resolves it to `RequireAuth`.
#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

type Auth = support::RequireAuth;

#[protected(with = Auth)]
async fn aliased(_auth: Auth) -> StatusCode {
    StatusCode::OK
}

// A renamed import of the real extractor passes too.
use support::RequireAuth as Authenticated;

#[protected(with = Authenticated)]
async fn renamed(_auth: Authenticated) -> StatusCode {
    StatusCode::OK
}

fn main() {
    let _app: Router = Router::new()
        .route("/a", get(aliased))
        .route("/b", get(renamed));
}
