//! The automation-platform API server: packs, actions, triggers, sensors, rules, executions, events,
//! enforcements, inquiries, workflows and keys, with users, JWT sessions, roles and an audit log.
//!
//! Every handler is `#[protected]` (an auth extractor among its arguments) or
//! `#[public(reason = ..)]`, and documents in `#[utoipa::path]` the security it enforces.

pub mod audit;
pub mod auth;
pub mod client_ip;
pub mod config;
pub mod crypto;
pub mod db;
pub mod http;
pub mod maintenance;
pub mod ratelimit;
pub mod serve;

use std::sync::Arc;

pub use http::app;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub config: Arc<config::Config>,
    pub tokens: Arc<auth::token::Keys>,
    pub cipher: Arc<crypto::KeyCipher>,
    /// Per client IP on `/auth/*`, per service API key; shared by the instances on PostgreSQL.
    pub limits: Arc<ratelimit::RateLimits>,
    /// Who may tell the client's address.
    pub proxies: Arc<client_ip::Proxies>,
    /// The handler tasks of accepted requests; shutdown waits for them.
    pub tasks: tokio_util::task::TaskTracker,
}

impl AppState {
    /// Connects to the database (migrating it) and prepares the keys.
    pub async fn new(config: config::Config) -> Result<Self, db::ConnectError> {
        let db = db::Db::connect(&config.database_url).await?;
        Ok(Self {
            tokens: Arc::new(auth::token::Keys::new(&config.jwt_secret)),
            cipher: Arc::new(crypto::KeyCipher::new(&config.keys_secret)),
            limits: Arc::new(ratelimit::RateLimits::for_db(&db)),
            db,
            proxies: Arc::new(client_ip::Proxies {
                trusted: config.trusted_proxies.clone(),
                header: config.forwarded_header,
            }),
            tasks: tokio_util::task::TaskTracker::new(),
            config: Arc::new(config),
        })
    }
}
