//! `cargo authcheck init`: the starter configuration names what the code shows, allowlists the
//! unprotected routes with empty reasons that the configuration parser rejects until filled in,
//! and an existing file is only replaced with `--force`.

mod common;

use common::Scratch;

const APP: &str = r#"use axum::{
    extract::{FromRequestParts, Request},
    http::{request::Parts, StatusCode},
    middleware::{from_fn, Next},
    response::Response,
    routing::get,
    Router,
};

/// The caller's API key; anonymous requests are rejected.
pub struct ApiKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiKey {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let key = parts.headers.get("x-api-key").ok_or(StatusCode::UNAUTHORIZED)?;
        Ok(ApiKey(key.to_str().unwrap_or_default().to_string()))
    }
}

/// Not authentication.
pub struct Locale(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Locale {
    type Rejection = StatusCode;
    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Locale("en".into()))
    }
}

/// Sounds like authentication, but never rejects.
pub struct CurrentUser(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = StatusCode;
    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentUser(None))
    }
}

pub async fn require_login(req: Request, next: Next) -> Response {
    next.run(req).await
}

#[utoipa::path(get, path = "/keys", security(("api_key" = [])))]
pub async fn keys(_key: ApiKey) -> &'static str { "keys" }
pub async fn health(_locale: Locale) -> &'static str { "ok" }
pub async fn admin() -> &'static str { "admin" }
pub async fn me(_user: CurrentUser) -> &'static str { "me" }

pub fn app() -> Router {
    Router::new()
        .route("/admin", get(admin))
        .layer(from_fn(require_login))
        .route("/keys", get(keys))
        .route("/health", get(health))
        .route("/me", get(me))
}
"#;

#[test]
fn init_writes_a_starter_the_gate_holds_until_reasons_are_written() {
    let s = Scratch::crate_with(&[("src/lib.rs", APP)]);
    let manifest = s.path().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let out = s.run(&["init", "--manifest-path", manifest]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("2 unprotected routes to protect or explain"),
        "{}",
        out.stderr
    );
    let text = s.read("authcheck.toml");
    assert!(
        text.contains("    \"ApiKey\",  # taken by `mini::keys`"),
        "{text}"
    );
    assert!(
        text.contains("    # \"CurrentUser\",  # its name suggests authentication"),
        "{text}"
    );
    assert!(!text.contains("Locale"), "{text}");
    assert!(
        text.contains("    \"require_login\",  # middleware at src/lib.rs"),
        "{text}"
    );
    assert!(
        text.contains("schemes = { api_key = [\"ApiKey\"] }"),
        "{text}"
    );
    assert!(
        text.contains("route = \"GET /health\"\nreason = \"\""),
        "{text}"
    );
    assert!(
        text.contains("route = \"GET /me\"\nreason = \"\""),
        "{text}"
    );

    // The parser accepts everything but the empty reasons, and names where the first one is.
    let path = s.path().join("authcheck.toml");
    let err = cargo_authcheck::config::from_str(&text, &path, &["unprotected-route"]).unwrap_err();
    let line = text.lines().position(|l| l == "reason = \"\"").unwrap() + 1;
    assert_eq!((err.line, err.column), (line, 10), "{err}");
    assert!(err.message.contains("`reason` must not be empty"), "{err}");
    let out = s.run(&["check", "--manifest-path", manifest]);
    assert_eq!(
        out.code, 2,
        "the gate rejects the starter until the reasons are written"
    );
    assert!(
        out.stderr.contains(&format!("authcheck.toml:{line}:10")),
        "{}",
        out.stderr
    );

    let filled = text.replace("reason = \"\"", "reason = \"reviewed: public by design\"");
    s.write("authcheck.toml", &filled);
    cargo_authcheck::config::from_str(&filled, &path, &["unprotected-route"]).unwrap();
    let out = s.run(&["check", "--manifest-path", manifest]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("4 routes checked, 0 errors"),
        "{}",
        out.stdout
    );

    let out = s.run(&["init", "--manifest-path", manifest]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("already exists; pass --force"),
        "{}",
        out.stderr
    );
    assert_eq!(s.read("authcheck.toml"), filled, "not overwritten");
    let out = s.run(&["init", "--manifest-path", manifest, "--force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(s.read("authcheck.toml"), text);
}

#[test]
fn init_on_a_protected_crate_writes_a_config_that_parses() {
    let s = Scratch::crate_with(&[(
        "src/lib.rs",
        "pub struct RequireAuth(pub String);\nuse axum::{routing::get, Router};\npub async fn h(_a: RequireAuth) {}\npub fn app() -> Router { Router::new().route(\"/\", get(h)) }\n",
    )]);
    let manifest = s.path().join("Cargo.toml");
    let out = s.run(&["init", "--manifest-path", manifest.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = s.read("authcheck.toml");
    let config =
        cargo_authcheck::config::from_str(&text, &s.path().join("authcheck.toml"), &[]).unwrap();
    assert_eq!(config.extractors[0].value, "RequireAuth");
    assert!(config.allow.is_empty());
}
