//! Router and extractor patterns of real axum code, each on a scratch crate: the route table
//! (`routes --format json`) must list every route with the right class.

use std::process::Command;

/// A scratch crate: `src/lib.rs` (after a `RequireAuth` struct), optional `src/main.rs` and
/// `authcheck.toml`.
fn scratch_crate(lib: &str, main: Option<&str>, config: Option<&str>) -> tempfile::TempDir {
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
    dir
}

/// `routes --format json` on a scratch crate: the document, or the exit status and stderr when
/// it failed.
fn routes_json(
    lib: &str,
    main: Option<&str>,
    config: Option<&str>,
) -> Result<serde_json::Value, (i32, String)> {
    let dir = scratch_crate(lib, main, config);
    let p = dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(["routes", "--format", "json", "--manifest-path"])
        .arg(p.join("Cargo.toml"))
        .output()
        .unwrap();
    match out.status.code().unwrap_or(-1) {
        0 => Ok(serde_json::from_slice(&out.stdout).unwrap()),
        code => Err((code, String::from_utf8_lossy(&out.stderr).into_owned())),
    }
}

/// `routes --format json` on a scratch crate: `(method, path, auth)` for every route, the exit
/// status, and the unanalyzable places (or stderr when it failed).
fn table(
    lib: &str,
    main: Option<&str>,
    config: Option<&str>,
) -> (Vec<(String, String, String)>, i32, String) {
    let json = match routes_json(lib, main, config) {
        Ok(json) => json,
        Err((code, stderr)) => return (Vec::new(), code, stderr),
    };
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
    (rows, 0, unanalyzable)
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

/// A router read by the last statement of a fn is moved there, not copied, as Rust moves it;
/// a closure or branch that reads it more than once still sees it every time.
#[test]
fn routers_read_by_the_last_statement() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub async fn closed(_a: RequireAuth) {}
fn versions() -> Router {
    let api = Router::new().route("/closed", get(closed));
    ["/a", "/b"].into_iter().fold(Router::new(), |r, p| r.nest(p, api.clone()))
}
fn twice() -> Router {
    let api = Router::new().route("/open", get(open));
    Router::new().merge(api.clone()).nest("/v2", api)
}
fn branches(flag: bool) -> Router {
    let api = Router::new().route("/b", get(open));
    if flag { Router::new().nest("/x", api) } else { Router::new().nest("/y", api) }
}
pub fn build() -> Router {
    let router = Router::new().merge(versions()).merge(twice()).merge(branches(true));
    router
}
"#;
    let main = r#"
#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = app::build();
    axum::serve(listener, app).await.unwrap();
}
"#;
    let (rows, code, unanalyzable) = table(lib, Some(main), None);
    assert_eq!(code, 0, "{unanalyzable}");
    assert_eq!(
        rows,
        vec![
            row("GET", "/a/closed", "extractor"),
            row("GET", "/b/closed", "extractor"),
            row("GET", "/open", "none"),
            row("GET", "/v2/open", "none"),
            row("GET", "/x/b", "none"),
            row("GET", "/y/b", "none"),
        ]
    );
}

/// A method router served as a service (`nest_service`, `route_service`) dispatches by method
/// with its route layers, as under `route` (kellnr serves its docs directory this way).
#[test]
fn method_routers_served_as_services() {
    let lib = r#"
use axum::{middleware::from_fn, routing::{get, get_service}, Router};
async fn guard(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    next.run(req).await
}
pub async fn page() {}
pub fn app() -> Router {
    let files = get_service(tower_http::services::ServeDir::new("docs")).route_layer(from_fn(guard));
    Router::new()
        .nest_service("/docs", files)
        .route_service("/open", get(page).post(page))
        .route_service("/closed", get(page).route_layer(from_fn(guard)))
}
"#;
    let (rows, code, unanalyzable) = table(lib, None, Some("[auth]\nlayers = [\"guard\"]\n"));
    assert_eq!(code, 0, "{unanalyzable}");
    assert_eq!(
        rows,
        vec![
            row("GET", "/closed", "layer"),
            row("GET", "/docs", "layer"),
            row("GET", "/open", "none"),
            row("POST", "/open", "none"),
        ]
    );
}

/// Route paths named by the variants of an enum, through `AsRef<str>` or a method of its own
/// (`match self` giving each variant's path, as kanidm's `Urls` does).
#[test]
fn route_paths_from_enum_variants() {
    let lib = r#"
use axum::{routing::get, Router};
pub enum Urls { Login, Profile, Other(u8) }
impl AsRef<str> for Urls {
    fn as_ref(&self) -> &str {
        match self {
            Self::Login => "/ui/login",
            Urls::Profile => "/ui/profile",
            _ => "/ui/other",
        }
    }
}
impl Urls {
    pub fn path(&self) -> &'static str {
        use Urls::*;
        match *self { Login => "/login", Profile => "/profile", other => other.as_ref() }
    }
}
pub async fn open() {}
pub async fn closed(_a: RequireAuth) {}
pub fn app() -> Router {
    Router::new()
        .route(Urls::Login.as_ref(), get(open))
        .route(Urls::Profile.as_ref(), get(closed))
        .route(Urls::Profile.path(), get(closed))
        .route(crate::Urls::Login.path(), get(open))
}
"#;
    let (rows, code, unanalyzable) = table(lib, None, None);
    assert_eq!(code, 0, "{unanalyzable}");
    assert_eq!(unanalyzable, "[]");
    assert_eq!(
        rows,
        vec![
            row("GET", "/login", "none"),
            row("GET", "/profile", "extractor"),
            row("GET", "/ui/login", "none"),
            row("GET", "/ui/profile", "extractor"),
        ]
    );
}

/// `mod r#impl;` lives in `impl.rs`, and an inline `mod r#type` has its child files in `type/`
/// (crates.io's `trustpub` crate has a `mod r#impl;`).
#[test]
fn raw_identifier_modules_are_found_in_their_files() {
    let lib = r#"
pub mod r#impl;
pub mod r#type { pub mod inner; }
use axum::{routing::get, Router};
pub fn app() -> Router {
    Router::new().route("/a", get(r#impl::a)).route("/b", get(r#type::inner::b))
}
"#;
    let dir = scratch_crate(lib, None, None);
    let src = dir.path().join("src");
    std::fs::write(
        src.join("impl.rs"),
        "pub async fn a(_a: crate::RequireAuth) {}\n",
    )
    .unwrap();
    std::fs::create_dir_all(src.join("type")).unwrap();
    std::fs::write(src.join("type/inner.rs"), "pub async fn b() {}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(["routes", "--manifest-path"])
        .arg(dir.path().join("Cargo.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(!stdout.contains("not analysed"), "{stdout}");
    assert!(stdout.contains("app::r#impl::a"), "{stdout}");
    assert!(stdout.contains("2 routes: 1 protected, 1 not"), "{stdout}");
}

/// The evaluator parses a router file with every item it does not read blanked whole and finds
/// each fn again by the position of its name: router fns in inline modules, impls, trait
/// defaults and fn bodies, beside items of every shape (some on the same line), are all followed.
#[test]
fn router_fns_among_items_of_every_shape() {
    let lib = r#"
use axum::{routing::get, Router};
const PREFIX: &str = "/v1"; const N: u8 = { 1 };
macro_rules! noop { ($e:expr) => { $e } }
extern "C" { fn abs(x: i32) -> i32; }
pub struct Api { pub name: String }
pub enum Kind { A { x: u8 }, B }
pub async fn open() {} pub async fn closed(_a: RequireAuth) {}
pub trait Routes { fn extra(self) -> Router where Self: Sized { Router::new().route("/trait", get(open)) } }
impl Routes for Api {}
impl Api {
    pub fn new() -> Self { Api { name: String::new() } }
    pub fn routes(&self) -> Router { inner::router().route("/impl", get(closed)) }
}
pub mod inner {
    use super::*;
    pub struct Unused;
    pub fn router() -> Router { Router::new().route("/inner", get(open)) }
    pub async fn handler() {}
}
#[cfg(test)]
mod tests { fn router() -> axum::Router { axum::Router::new().route("/test-only", axum::routing::get(|| async {})) } }
pub fn r#loop() -> Router {
    fn local() -> Router { Router::new().route("/local", get(closed)) }
    local().nest(PREFIX, Router::new().route("/nested", get(open)))
}
pub fn app() -> Router { let api = Api { name: noop!(String::new()) }; api.routes().merge(r#loop()).merge(Api::new().extra()) }
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0, "{problems}");
    assert_eq!(
        rows,
        vec![
            row("GET", "/impl", "extractor"),
            row("GET", "/inner", "none"),
            row("GET", "/local", "extractor"),
            row("GET", "/trait", "none"),
            row("GET", "/v1/nested", "none"),
        ],
        "{problems}"
    );
    assert_eq!(problems, "[]");
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

/// `check --format json` on a scratch crate: exit status and `(code, message)` of each finding.
fn check(lib: &str, main: Option<&str>, config: Option<&str>) -> (i32, Vec<(String, String)>) {
    let dir = scratch_crate(lib, main, config);
    let p = dir.path();
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(["check", "--format", "json", "--manifest-path"])
        .arg(p.join("Cargo.toml"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    let findings = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), findings)
}

#[test]
fn routers_gathered_in_collections() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub async fn closed(_a: RequireAuth) {}
fn r(path: &'static str) -> Router { Router::new().route(path, get(open)) }
fn c(path: &'static str) -> Router { Router::new().route(path, get(closed)) }
pub fn app() -> Router {
    let mut pushed = Vec::new();
    pushed.push(r("/pushed"));
    pushed.extend(vec![c("/extended")]);
    let mut root = Router::new();
    for router in pushed {
        root = root.merge(router);
    }
    let folded = [r("/a"), c("/b")].into_iter().fold(Router::new(), |acc, x| acc.merge(x));
    let reduced = vec![r("/c"), c("/d")].into_iter().reduce(|a, b| a.merge(b)).unwrap_or_default();
    let mut versions = Router::new();
    for (prefix, router) in [("/v1", r("/x")), ("/v2", c("/y"))] {
        versions = versions.nest(prefix, router);
    }
    let mapped = ["/m1", "/m2"].iter().map(|&p| r(p)).fold(Router::new(), Router::merge);
    root.merge(versions).nest("/f", folded).nest("/r", reduced).merge(mapped)
}
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0, "{problems}");
    assert_eq!(problems, "[]");
    assert_eq!(
        rows,
        vec![
            row("GET", "/extended", "extractor"),
            row("GET", "/f/a", "none"),
            row("GET", "/f/b", "extractor"),
            row("GET", "/m1", "none"),
            row("GET", "/m2", "none"),
            row("GET", "/pushed", "none"),
            row("GET", "/r/c", "none"),
            row("GET", "/r/d", "extractor"),
            row("GET", "/v1/x", "none"),
            row("GET", "/v2/y", "extractor"),
        ]
    );
}

/// A loop over values known only at run time is a finding; the rest of the tree is listed.
#[test]
fn an_unknowable_loop_hides_nothing_else() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub async fn closed(_a: RequireAuth) {}
fn plugins() -> Vec<String> { std::env::var("PLUGINS").unwrap_or_default().split(',').map(String::from).collect() }
pub fn app() -> Router {
    let mut app = Router::new().route("/health", get(open));
    for name in plugins() {
        app = app.merge(Router::new().route(&name, get(open)));
    }
    app.nest("/api", Router::new().route("/items", get(closed)))
}
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0);
    assert_eq!(
        rows,
        vec![
            row("GET", "/api/items", "extractor"),
            row("GET", "/health", "none")
        ]
    );
    assert!(
        problems.contains("computed at run time") || problems.contains("loop"),
        "{problems}"
    );
}

/// Routers driven as tower services are served; a router fn nothing serves is not a root then.
#[test]
fn routers_driven_as_services() {
    let lib = r#"
use axum::{routing::get, Router};
use tower::{Service, ServiceExt};
pub async fn open() {}
pub fn never() -> Router { Router::new().route("/never", get(open)) }
pub async fn via_hyper(listener: tokio::net::TcpListener) {
    let app = Router::new().route("/hyper", get(open));
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let svc = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await
        });
    }
}
pub async fn via_service_fn() {
    let app = Router::new().route("/service-fn", get(open));
    let _svc = tower::service_fn(move |req| {
        let app = app.clone();
        async move { app.oneshot(req).await }
    });
}
pub async fn via_call(req: axum::extract::Request) {
    let mut router = Router::new().route("/call", get(open));
    let _ = router.call(req).await;
}
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0, "{problems}");
    assert_eq!(
        rows,
        vec![
            row("GET", "/call", "none"),
            row("GET", "/hyper", "none"),
            row("GET", "/service-fn", "none"),
        ],
        "{problems}"
    );
}

/// `serve` of a router behind tower wrappers; a `ServiceBuilder` layer covers every route.
#[test]
fn served_through_tower_wrappers() {
    let lib = r#"
use axum::{routing::get, Router, ServiceExt};
pub async fn open() {}
pub async fn require_auth(_a: RequireAuth, req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response { next.run(req).await }
pub fn app() -> Router { Router::new().route("/a", get(open)) }
pub fn admin() -> Router { Router::new().route("/admin", get(open)) }
"#;
    let main = r#"
use tower::ServiceBuilder;
#[tokio::main]
async fn main() {
    let plain = tower_http::normalize_path::NormalizePath::trim_trailing_slash(app::app());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::<axum::extract::Request>::into_make_service(plain)).await
    });
    let guarded = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(app::require_auth))
        .service(app::admin());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    axum::serve(listener, tower::make::Shared::new(guarded)).await.unwrap();
}
"#;
    let (rows, code, problems) = table(lib, Some(main), None);
    assert_eq!(code, 0, "{problems}");
    assert_eq!(
        rows,
        vec![row("GET", "/a", "none"), row("GET", "/admin", "layer")],
        "{problems}"
    );
}

/// The only `serve` hands over something the analysis cannot follow: that is an error, and the
/// empty table is one too; never a clean pass with 0 routes.
#[test]
fn an_unfollowable_serve_never_passes_empty() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub fn never() -> Router { Router::new().route("/never", get(open)) }
"#;
    let main = r#"
#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    axum::serve(listener, plugin_host::load_app()).await.unwrap();
}
"#;
    let (code, findings) = check(lib, Some(main), None);
    assert_eq!(code, 1, "{findings:?}");
    let messages: Vec<&str> = findings.iter().map(|(_, m)| m.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("the value handed to `serve`")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("no route found")),
        "{messages:?}"
    );
    assert!(
        findings.iter().all(|(c, _)| c == "unanalyzable-router"),
        "{findings:?}"
    );
}

/// An extractor named only in `[openapi] schemes` authenticates.
#[test]
fn schemes_name_authentication() {
    let lib = r#"
use axum::{routing::get, Router};
pub struct ApiKey;
pub async fn keyed(_k: ApiKey) {}
pub fn app() -> Router { Router::new().route("/keyed", get(keyed)) }
"#;
    let config = "[openapi]\nschemes = { api_key = [\"ApiKey\"] }\n";
    let (rows, code, _) = table(lib, None, Some(config));
    assert_eq!(code, 0);
    assert_eq!(rows, vec![row("GET", "/keyed", "extractor")]);
}

/// Helpers that call helpers twice each with a router, 40 levels deep: evaluation stops at its
/// bound and says where, instead of running 2^40 times.
#[test]
fn exponential_router_code_is_bounded() {
    let mut lib = String::from("use axum::{routing::get, Router};\npub async fn open() {}\n");
    lib.push_str("pub fn h0(r: Router) -> Router { r.route(\"/x\", get(open)) }\n");
    for i in 1..40 {
        lib.push_str(&format!(
            "pub fn h{i}(r: Router) -> Router {{ h{p}(h{p}(r)) }}\n",
            p = i - 1
        ));
    }
    lib.push_str("pub fn app() -> Router { h39(Router::new()) }\n");
    let (code, findings) = check(&lib, None, None);
    assert_eq!(code, 1);
    assert!(
        findings
            .iter()
            .any(|(c, m)| c == "unanalyzable-router" && m.contains("router evaluation stopped")),
        "{findings:?}"
    );
}

/// A serving loop that only reads the router (with a branch inside) adds no routes: no finding.
#[test]
fn a_serving_loop_with_branches_is_not_a_routing_loop() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub async fn run(listener: tokio::net::TcpListener) {
    let app = Router::new().route("/a", get(open)).layer(tower_http::trace::TraceLayer::new_for_http());
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        if stream.set_nodelay(true).is_err() {
            continue;
        }
        let svc = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await
        });
    }
}
"#;
    let (rows, code, problems) = table(lib, None, None);
    assert_eq!(code, 0);
    assert_eq!(problems, "[]");
    assert_eq!(rows, vec![row("GET", "/a", "none")]);
}

/// A syntax error inside the body of router code (a body the indexer skips) is a `parse-error`
/// at its place, reported when the router is evaluated.
#[test]
fn a_syntax_error_in_router_code_is_reported() {
    let lib = r#"
use axum::{routing::get, Router};
pub async fn open() {}
pub fn app() -> Router {
    let broken = ;
    Router::new().route("/a", get(open))
}
"#;
    let (code, findings) = check(lib, None, None);
    assert_eq!(code, 1);
    assert!(
        findings
            .iter()
            .any(|(c, m)| c == "parse-error" && m.starts_with("cannot parse")),
        "{findings:?}"
    );
}

/// A router file over the evaluator's large-file size is read a window of lines at a time: routers
/// that call each other across windows (and local fns, impls and a nested module) are all followed,
/// exactly as in a small file.
#[test]
fn a_large_router_file_is_followed_across_windows() {
    let mut lib = String::from(
        "use axum::{routing::get, Router};\n\
         pub async fn open() {}\n\
         pub async fn closed(_a: RequireAuth) {}\n\
         pub fn app() -> Router { Router::new().nest(\"/a\", part_0()).merge(inner::part_b()).merge(Parts::part_c()) }\n",
    );
    let parts = 40;
    // Lines of filler code after each router.
    const FILLER: usize = 80;
    for i in 0..parts {
        let next = if i + 1 < parts {
            format!(".merge(part_{}())", i + 1)
        } else {
            String::new()
        };
        lib.push_str(&format!(
            "pub fn part_{i}() -> Router {{\n    fn local() -> Router {{ Router::new().route(\"/local{i}\", get(closed)) }}\n    Router::new().route(\"/r{i}\", get(open)).merge(local()){next}\n}}\n"
        ));
        // Filler between the routers: many lines of ordinary code with bodies to blank.
        for k in 0..FILLER {
            lib.push_str(&format!(
                "pub fn filler_{i}_{k}(x: u64) -> u64 {{\n    let y = x.wrapping_mul({k});\n    y ^ (x >> 3) ^ 0x5bd1_e995_5bd1_e995\n}}\n"
            ));
        }
    }
    lib.push_str("pub mod inner { use super::*; pub fn part_b() -> Router { Router::new().route(\"/b\", get(closed)) } }\n");
    lib.push_str("pub struct Parts;\nimpl Parts { pub fn part_c() -> Router { Router::new().route(\"/c\", get(open)) } }\n");
    lib.push_str("#[tokio::main]\nasync fn main() { let l = tokio::net::TcpListener::bind(\"\").await.unwrap(); axum::serve(l, app()).await.unwrap(); }\n");
    assert!(lib.len() > 300 << 10, "{} bytes: not large", lib.len());
    let (rows, code, unanalyzable) = table(&lib, None, None);
    assert_eq!(code, 0, "{unanalyzable}");
    assert_eq!(unanalyzable, "[]");
    let mut expected = vec![row("GET", "/b", "extractor"), row("GET", "/c", "none")];
    for i in 0..parts {
        expected.push(row("GET", &format!("/a/r{i}"), "none"));
        expected.push(row("GET", &format!("/a/local{i}"), "extractor"));
    }
    let mut rows = rows;
    rows.sort();
    expected.sort();
    assert_eq!(rows, expected);
    // Locations in later windows are the file's own lines (a window is parsed from its first
    // line, not the file's).
    let json = routes_json(&lib, None, None).expect("routes ran");
    for i in [0, parts / 2, parts - 1] {
        let path = format!("/a/r{i}");
        let route = json["routes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{path} is listed"));
        let line = lib
            .lines()
            .position(|l| l.contains(&format!(".route(\"/r{i}\"")))
            .expect("registered in the file")
            + 2; // 1-based, after the scratch crate's `RequireAuth` line

        assert_eq!(route["registered_at"]["line"], line, "{path}");
    }
}
