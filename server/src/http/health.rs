//! Liveness: `/health` and `/api/v1/health`, public for load balancers and probes.

use authcheck::public;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::Result;
use super::extract::Json;
use crate::AppState;

/// `/health` at the root.
pub fn root_router() -> Router<AppState> {
    Router::new().route("/health", get(root_health))
}

/// `/health` under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

/// The server answers and its database too.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
}

async fn check(state: &AppState) -> Result<Json<Health>> {
    sqlx::query("SELECT 1").execute(&state.db.pool).await?;
    Ok(Json(Health { status: "ok" }))
}

/// Liveness and database check.
#[utoipa::path(get, path = "/health", tag = "health", security(()),
    responses((status = 200, body = Health), (status = 500, body = super::error::ErrorEnvelope)))]
#[public(reason = "liveness probe for load balancers; reveals nothing")]
pub async fn root_health(State(state): State<AppState>) -> Result<Json<Health>> {
    check(&state).await
}

/// Liveness and database check.
#[utoipa::path(get, path = "/api/v1/health", tag = "health", security(()),
    responses((status = 200, body = Health), (status = 500, body = super::error::ErrorEnvelope)))]
#[public(reason = "liveness probe for load balancers; reveals nothing")]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>> {
    check(&state).await
}
