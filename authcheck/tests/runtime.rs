//! `#[protected]` and `#[public]` change nothing at run time: the same handler with and without
//! the attribute answers every request identically (401 without credentials, 200 with).

use authcheck::{protected, public};
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;

struct RequireAuth(String);

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|token| RequireAuth(token.to_owned()))
            .ok_or((StatusCode::UNAUTHORIZED, "missing bearer token"))
    }
}

impl authcheck::AuthExtractor for RequireAuth {}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

async fn plain(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    Path(id): Path<u32>,
) -> String {
    format!("{} {user}, pack {id}", state.greeting)
}

/// The same body as `plain`, marked `#[protected]`.
#[protected]
async fn guarded(
    State(state): State<AppState>,
    RequireAuth(user): RequireAuth,
    Path(id): Path<u32>,
) -> String {
    format!("{} {user}, pack {id}", state.greeting)
}

struct Packs;

impl Packs {
    #[protected]
    async fn associated(RequireAuth(user): RequireAuth, Path(id): Path<u32>) -> String {
        format!("hello {user}, pack {id}")
    }
}

#[public(reason = "liveness probe")]
async fn health() -> &'static str {
    "ok"
}

fn app() -> Router {
    Router::new()
        .route("/plain/{id}", get(plain))
        .route("/guarded/{id}", get(guarded))
        .route("/associated/{id}", get(Packs::associated))
        .route("/health", get(health))
        .with_state(AppState { greeting: "hello" })
}

/// Status, headers and body of one request.
async fn call(uri: &str, token: Option<&str>) -> (StatusCode, Vec<(String, String)>, String) {
    let mut request = Request::get(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = app()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let body = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn protected_handler_rejects_anonymous_callers_like_the_plain_one() {
    let plain = call("/plain/7", None).await;
    let guarded = call("/guarded/7", None).await;
    assert_eq!(plain.0, StatusCode::UNAUTHORIZED);
    assert_eq!(plain.2, "missing bearer token");
    assert_eq!(guarded, plain);
    assert_eq!(call("/associated/7", None).await, plain);
}

#[tokio::test]
async fn protected_handler_serves_authenticated_callers_like_the_plain_one() {
    let plain = call("/plain/7", Some("alice")).await;
    let guarded = call("/guarded/7", Some("alice")).await;
    assert_eq!(plain.0, StatusCode::OK);
    assert_eq!(plain.2, "hello alice, pack 7");
    assert_eq!(guarded, plain);
    assert_eq!(call("/associated/7", Some("alice")).await, plain);
}

#[tokio::test]
async fn public_handler_serves_everyone() {
    let (status, _, body) = call("/health", None).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}
