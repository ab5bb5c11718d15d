#[path = "../support/mod.rs"]
mod support;

use authcheck::protected;
use axum::http::StatusCode;

mod other {
    /// Named like the real extractor, but it does not reject anyone.
    pub struct RequireAuth;

    impl<S: Send + Sync> axum::extract::FromRequestParts<S> for RequireAuth {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            _: &mut axum::http::request::Parts,
            _: &S,
        ) -> Result<Self, Self::Rejection> {
            Ok(RequireAuth)
        }
    }
}

use other::RequireAuth;

#[protected]
async fn delete_pack(_auth: RequireAuth) -> StatusCode {
    StatusCode::NO_CONTENT
}

fn main() {}
