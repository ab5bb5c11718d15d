//! Router and extractor patterns of real axum code, each on a scratch crate: the route table
//! (`routes --format json`) must list every route with the right class.

use std::process::Command;

/// Writes a scratch crate (`src/lib.rs`, optional `src/main.rs` and `authcheck.toml`) and returns
/// `(method, path, auth)` for every route, plus the exit status.
fn table(
    lib: &str,
    main: Option<&str>,
    config: Option<&str>,
) -> (Vec<(String, String, String)>, i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("src")).unwrap();
    std::fs::write(
        p.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        p.join("src/lib.rs"),
        format!("pub struct RequireAuth;\n{lib}"),
    )
    .unwrap();
    if let Some(main) = main {
        std::fs::write(p.join("src/main.rs"), main).unwrap();
    }
    if let Some(config) = config {
        std::fs::write(p.join("authcheck.toml"), config).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(["routes", "--format", "json", "--manifest-path"])
        .arg(p.join("Cargo.toml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    if code != 0 {
        return (Vec::new(), code, stderr);
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_string(),
                r["path"].as_str().unwrap().to_string(),
                r["auth"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let unanalyzable = json["unanalyzable"].to_string();
    (rows, code, unanalyzable)
}

fn row(m: &str, p: &str, a: &str) -> (String, String, String) {
    (m.into(), p.into(), a.into())
}

#[test]
fn served_from_a_spawned_task_with_a_renamed_router() {
    let lib = r#"
use axum::{routing::get, Router as AxRouter};
pub async fn open() {}
pub async fn closed(_a: RequireAuth) {}
pub fn build() -> AxRouter { AxRouter::new().route("/open", get(open)).route("/closed", get(closed)) }
pub fn unused() -> AxRouter { AxRouter::new().route("/never", get(open)) }
"#;
    let main = r#"
#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app::build()).await });
    let _ = server.await;
}
"#;
    let (rows, code, _) = table(lib, Some(main), None);
    assert_eq!(code, 0);
    assert_eq!(
        rows,
        vec![
            row("GET", "/closed", "extractor"),
            row("GET", "/open", "none")
        ]
    );
}

#[test]
fn aliases_own_types_and_extension_traits() {
    let lib = r#"
use axum::{routing::{get, post}, Router};
pub type AppRouter = Router<AppState>;
#[derive(Clone)] pub struct AppState;
pub struct Api { pub prefix: &'static str }
pub async fn a(_x: RequireAuth) {}
pub async fn b() {}
pub trait AdminRoutes { fn with_admin(self) -> Self; }
impl AdminRoutes for AppRouter {
    fn with_admin(self) -> Self { self.route("/admin", post(a)) }
}
impl Api {
    pub fn router(&self) -> AppRouter { AppRouter::new().route("/a", get(a)).route("/b", get(b)).with_admin() }
}
pub fn app() -> Router { Api { prefix: "/" }.router().with_state(AppState) }
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0, "{problems}");
    assert_eq!(
        rows,
        vec![
            row("GET", "/a", "extractor"),
            row("POST", "/admin", "extractor"),
            row("GET", "/b", "none")
        ],
        "{problems}"
    );
}

#[test]
fn configured_roots_replace_detection_and_must_exist() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn h() {}
pub fn public_api() -> Router { Router::new().route("/p", get(h)) }
pub fn internal() -> Router { Router::new().route("/i", get(h)) }
"#;
    let (rows, _, _) = table(lib, None, Some("[analysis]\nroots = [\"app::internal\"]\n"));
    assert_eq!(rows, vec![row("GET", "/i", "none")]);
    let (_, code, stderr) = table(lib, None, Some("[analysis]\nroots = [\"app::nope\"]\n"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("root `app::nope` resolves to no fn"),
        "{stderr}"
    );
}

#[test]
fn test_only_routers_are_not_served() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn h(_a: RequireAuth) {}
pub fn app() -> Router { Router::new().route("/x", get(h)) }
#[cfg(test)]
mod tests {
    use super::*;
    async fn open() {}
    fn test_app() -> Router { Router::new().route("/test-only", get(open)) }
}
"#;
    let (rows, _, _) = table(lib, None, None);
    assert_eq!(rows, vec![row("GET", "/x", "extractor")]);
}

#[test]
fn extractor_wrappers_propagating_or_swallowing() {
    let lib = r#"
use axum::{extract::FromRequestParts, http::request::Parts, routing::get, Router};
#[derive(FromRequestParts)]
pub struct Derived(RequireAuth);
pub struct LetElse;
impl<S: Send + Sync> FromRequestParts<S> for LetElse {
    type Rejection = ();
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ()> {
        let Ok(_user) = RequireAuth::from_request_parts(parts, state).await else { return Err(()) };
        Ok(LetElse)
    }
}
pub struct Matched;
impl<S: Send + Sync> FromRequestParts<S> for Matched {
    type Rejection = ();
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ()> {
        match parts.extract_with_state::<RequireAuth, S>(state).await {
            Ok(_) => Ok(Matched),
            Err(_) => Err(()),
        }
    }
}
pub struct Lenient;
impl<S: Send + Sync> FromRequestParts<S> for Lenient {
    type Rejection = ();
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ()> {
        if let Ok(_u) = RequireAuth::from_request_parts(parts, state).await { }
        Ok(Lenient)
    }
}
pub async fn d(_x: Derived) {}
pub async fn l(_x: LetElse) {}
pub async fn m(_x: Matched) {}
pub async fn n(_x: Lenient) {}
pub fn app() -> Router { Router::new().route("/d", get(d)).route("/l", get(l)).route("/m", get(m)).route("/n", get(n)) }
"#;
    let (rows, _, _) = table(lib, None, None);
    assert_eq!(
        rows,
        vec![
            row("GET", "/d", "extractor"),
            row("GET", "/l", "extractor"),
            row("GET", "/m", "extractor"),
            row("GET", "/n", "none")
        ]
    );
}

#[test]
fn layer_kinds_from_config_and_libraries() {
    let lib = r#"
use axum::{routing::get, Router, middleware};
use tower::ServiceBuilder;
pub async fn h() {}
pub async fn check_token(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response { next.run(req).await }
pub fn app() -> Router {
    let stack = ServiceBuilder::new().layer(tower_http::trace::TraceLayer::new_for_http()).layer(middleware::from_fn(check_token));
    Router::new()
        .route("/stacked", get(h))
        .layer(stack)
        .merge(Router::new().route("/login", get(h)).route_layer(axum_login::login_required!(Backend, login_url = "/login")))
        .merge(Router::new().route("/custom", get(h)).layer(my_auth::AuthLayer::new("realm")))
        .merge(Router::new().route("/traced", get(h)).layer(tower_http::trace::TraceLayer::new_for_http()))
}
"#;
    let config = "[auth]\nlayers = [\"check_token\", \"AuthLayer\"]\n";
    let (rows, _, _) = table(lib, None, Some(config));
    assert_eq!(
        rows,
        vec![
            row("GET", "/custom", "layer"),
            row("GET", "/login", "layer"),
            row("GET", "/stacked", "layer"),
            row("GET", "/traced", "none")
        ]
    );
    // Without the configuration the hand-written middleware and layer type are not auth.
    let (rows, _, _) = table(lib, None, None);
    assert_eq!(rows[2], row("GET", "/stacked", "none"));
    assert_eq!(rows[0], row("GET", "/custom", "none"));
}

#[test]
fn routers_passed_as_arguments_and_early_returns() {
    let lib = r#"
use axum::{routing::get, Router, middleware::from_fn};
pub async fn h() {}
pub async fn guard(_a: RequireAuth, req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response { next.run(req).await }
fn protect(r: Router) -> Router { r.route_layer(from_fn(guard)) }
fn with_health(r: Router) -> Router { r.route("/health", get(h)) }
pub fn app(minimal: bool) -> Router {
    let api = protect(Router::new().route("/items", get(h)));
    if minimal {
        return with_health(Router::new());
    }
    with_health(Router::new().nest("/api", api))
}
"#;
    let (rows, _, _) = table(lib, None, None);
    assert_eq!(
        rows,
        vec![
            row("GET", "/api/items", "layer"),
            row("GET", "/health", "none")
        ]
    );
}

#[test]
fn handlers_declared_inside_router_fns() {
    let lib = r#"
use axum::{routing::{get, post, MethodRouter}, Router};
fn root() -> Router {
    async fn handler() -> &'static str { "hi" }
    route("/", get(handler))
}
fn create() -> Router {
    async fn handler(_a: RequireAuth) {}
    route("/items", post(handler))
}
fn route(path: &str, method_router: MethodRouter<()>) -> Router { Router::new().route(path, method_router) }
pub fn app() -> Router { Router::new().merge(root()).merge(create()) }
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0);
    assert_eq!(
        rows,
        vec![row("GET", "/", "none"), row("POST", "/items", "extractor")],
        "{problems}"
    );
}

#[test]
fn a_module_named_like_an_imported_fn() {
    // axum-login's examples: `use axum::routing::get;` beside `mod get { pub async fn .. }`.
    let lib = r#"
use axum::{routing::get, Router};
pub fn router() -> Router { Router::new().route("/", get(self::get::protected)) }
mod get {
    use super::*;
    pub async fn protected(_a: RequireAuth) {}
}
"#;
    let (rows, _, problems) = table(lib, None, None);
    assert_eq!(rows, vec![row("GET", "/", "extractor")], "{problems}");
}

#[test]
fn one_helper_called_with_different_paths() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn list() {}
pub async fn secret(_a: RequireAuth) {}
fn crud(prefix: &str, open: bool) -> Router {
    if open { Router::new().route(prefix, get(list)) } else { Router::new().route(prefix, get(secret)) }
}
pub fn app() -> Router { Router::new().merge(crud("/a", true)).merge(crud("/b", false)) }
"#;
    let (rows, _, problems) = table(lib, None, None);
    // Both branches are possible for each call: each path may be served by either handler.
    assert_eq!(
        rows,
        vec![
            row("GET", "/a", "none"),
            row("GET", "/a", "extractor"),
            row("GET", "/b", "none"),
            row("GET", "/b", "extractor")
        ],
        "{problems}"
    );
}
