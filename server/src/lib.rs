//! The automation-platform API server: packs, actions, triggers, sensors, rules, executions, events,
//! enforcements, inquiries, workflows and keys, with users, JWT sessions, roles and an audit log.
//!
//! Every handler is `#[protected]` (an auth extractor among its arguments) or
//! `#[public(reason = ..)]`, and documents in `#[utoipa::path]` the security it enforces.

pub mod audit;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod db;
pub mod http;
pub mod ratelimit;

use std::sync::Arc;

pub use http::app;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<config::Config>,
    pub tokens: Arc<auth::token::Keys>,
    pub cipher: Arc<crypto::KeyCipher>,
    /// Requests per minute per client IP on `/auth/*`.
    pub auth_limiter: Arc<ratelimit::RateLimiter>,
    /// Requests per minute per service API key.
    pub key_limiter: Arc<ratelimit::RateLimiter>,
}

impl AppState {
    /// Connects to the database (migrating it) and prepares the keys.
    pub async fn new(config: config::Config) -> Result<Self, db::ConnectError> {
        let db = db::Db::connect(&config.database_url).await?;
        Ok(Self {
            db,
            tokens: Arc::new(auth::token::Keys::new(&config.jwt_secret)),
            cipher: Arc::new(crypto::KeyCipher::new(&config.keys_secret)),
            auth_limiter: Arc::default(),
            key_limiter: Arc::default(),
            config: Arc::new(config),
        })
    }
}
