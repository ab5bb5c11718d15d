//! Associated fns in (generic) impl blocks, with `self`-less handlers and `Self` in scope.
#[path = "../support/mod.rs"]
mod support;

use std::marker::PhantomData;

use authcheck::{protected, public};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use support::{AdminUser, RequireAuth};

#[derive(Clone)]
struct AppState;

struct PackApi;

impl PackApi {
    #[protected]
    async fn list(State(_state): State<AppState>, _auth: RequireAuth) -> StatusCode {
        StatusCode::OK
    }

    #[protected(with = AdminUser)]
    pub async fn purge(_admin: AdminUser) -> StatusCode {
        Self::purged()
    }

    #[public(reason = "the catalogue is public")]
    async fn catalogue() -> StatusCode {
        Self::purged()
    }

    fn purged() -> StatusCode {
        StatusCode::NO_CONTENT
    }
}

struct Generic<T>(PhantomData<T>);

impl<T: Send + 'static> Generic<T> {
    #[protected]
    async fn get(RequireAuth(user): RequireAuth) -> String {
        let _ = PhantomData::<Self>;
        user
    }
}

fn main() {
    let _app: Router = Router::new()
        .route("/packs", get(PackApi::list))
        .route("/purge", get(PackApi::purge))
        .route("/catalogue", get(PackApi::catalogue))
        .route("/g", get(Generic::<u8>::get))
        .with_state(AppState);
}
