//! The HTTP layer: one `router()` per resource module, merged under `/api/v1`, plus the health
//! check, Swagger UI and the cross-cutting layers (tracing, request ids, body limit, CORS, and the
//! request lifecycle: client address, deadline, handler task).

pub mod error;
pub mod extract;
pub mod lifecycle;
pub mod openapi;
pub mod validate;

mod actions;
mod api_keys;
mod audit_log;
mod auth;
mod enforcements;
mod events;
mod executions;
mod health;
mod inquiries;
mod keys;
mod packs;
mod rules;
mod sensors;
mod tokens;
mod triggers;
mod users;
mod workflows;
mod writes;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Method};
use axum::Router;
use tower_http::cors::CorsLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;

pub use auth::{create_admin, has_admin};

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(packs::router())
        .merge(actions::router())
        .merge(triggers::router())
        .merge(sensors::router())
        .merge(rules::router())
        .merge(workflows::router())
        .merge(executions::router())
        .merge(inquiries::router())
        .merge(events::router())
        .merge(enforcements::router())
        .merge(keys::router())
        .merge(audit_log::router())
        .merge(tokens::router())
        .merge(api_keys::router());
    let request_id = HeaderName::from_static("x-request-id");
    let cors = cors(&state.config.cors_origins);
    let body_limit = state.config.body_limit_bytes;
    Router::new()
        .merge(health::root_router())
        .nest("/api/v1", api)
        .merge(
            SwaggerUi::new("/docs")
                .external_url_unchecked("/api-docs/openapi.json", openapi::document()),
        )
        .fallback(fallback)
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            lifecycle::lifecycle,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Unknown paths get the envelope too.
#[authcheck::public(reason = "answers 404 for paths no route matches")]
async fn fallback() -> error::Error {
    error::Error::NotFound("route")
}

/// CORS for the configured origins only (none by default: same-origin use needs none).
fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static(crate::auth::machine::API_KEY_HEADER),
        ])
}
