//! API code the shapes share: the handler model (what a handler's arguments require, whether its
//! resource router puts it behind the `require_auth` layer), the text of handlers and their DTOs,
//! a handler in a file of its own, and the `auth.rs` / `state.rs` of a member.

use std::fmt::Write as _;

use crate::rng::Rng;
use crate::workspace::Served;

/// What a handler's arguments require.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// `RequireAuth(user): RequireAuth`: the configured extractor.
    RequireAuth,
    /// `AdminUser(user): AdminUser`: a wrapper whose `FromRequestParts` propagates
    /// `RequireAuth`'s rejection.
    AdminUser,
    /// Nothing: protected only if a layer covers it.
    None,
}

#[derive(Clone)]
pub struct Handler {
    /// The fn's name.
    pub name: String,
    /// The routing fn: `get`, `post`, `put`, `patch`, `delete`.
    pub method: &'static str,
    /// Its path in the resource's router.
    pub path: String,
    pub guard: Guard,
    /// Registered in the resource router's group behind `route_layer(from_fn(require_auth))`.
    pub layered: bool,
}

impl Handler {
    /// A handler protected the way today's generator draws it: 1 in 16 unprotected on purpose,
    /// 3 in 16 by `AdminUser`, 3 in 16 only by the layer, the rest by `RequireAuth`.
    pub fn drawn(rng: &mut Rng, name: String, method: &'static str, path: String) -> Handler {
        let (guard, layered) = match rng.below(16) {
            0 => (Guard::None, false),
            1..=3 => (Guard::AdminUser, false),
            4..=6 => (Guard::None, true),
            _ => (Guard::RequireAuth, false),
        };
        Handler {
            name,
            method,
            path,
            guard,
            layered,
        }
    }

    pub fn by_args(&self) -> bool {
        self.guard != Guard::None
    }

    fn body(&self) -> Body {
        match self.method {
            "get" if !self.path.contains("{id}") => Body::List,
            "get" => Body::Get,
            "post" | "put" => Body::Create,
            _ => Body::Change,
        }
    }
}

/// The four handler bodies: what each reads and returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Body {
    List,
    Get,
    Create,
    Change,
}

/// The names a resource's handler code uses.
pub struct Names {
    /// Snake case, for doc comments: `order_12`.
    pub resource: String,
    /// The DTO prefix: `Order12` (`Create{ty}`, `{ty}View`).
    pub ty: String,
    /// The list endpoint's query type.
    pub list_query: String,
    /// The entity type as the handler code names it (`OrderG1E2` or `order_12_model::OrderG1E2`).
    pub entity: String,
}

/// Query, create and view DTOs of a resource, and the view's `From` impl.
pub fn dto_block(n: &Names) -> String {
    let (ty, entity, list_query) = (&n.ty, &n.entity, &n.list_query);
    let mut s = String::new();
    writeln!(s, "/// Query parameters of the list endpoint.\n#[derive(Debug, Deserialize)]\npub struct {list_query} {{\n    pub offset: Option<usize>,\n    pub limit: Option<usize>,\n    pub q: Option<String>,\n}}\n").unwrap();
    writeln!(s, "/// Body of a create request.\n#[derive(Debug, Deserialize)]\npub struct Create{ty} {{\n    pub name: String,\n}}\n\n/// What the API returns.\n#[derive(Debug, Serialize)]\npub struct {ty}View {{\n    pub id: u64,\n    pub name: String,\n    pub status: String,\n}}\n").unwrap();
    writeln!(s, "impl From<&{entity}> for {ty}View {{\n    fn from(item: &{entity}) -> Self {{\n        Self {{ id: item.id, name: item.name.clone(), status: item.status.to_string() }}\n    }}\n}}\n").unwrap();
    s
}

/// One handler fn with its doc line.
pub fn handler_fn(h: &Handler, n: &Names) -> String {
    let (ty, entity, list_query) = (&n.ty, &n.entity, &n.list_query);
    let guard = match h.guard {
        Guard::RequireAuth => "RequireAuth(user): RequireAuth, ",
        Guard::AdminUser => "AdminUser(user): AdminUser, ",
        Guard::None => "",
    };
    let who = if guard.is_empty() {
        "\"anonymous\""
    } else {
        "user.subject.as_str()"
    };
    let mut s = String::new();
    writeln!(
        s,
        "/// `{} /{}{}`.",
        h.method.to_uppercase(),
        n.resource,
        h.path
    )
    .unwrap();
    let name = &h.name;
    match h.body() {
        Body::List => writeln!(s, "pub async fn {name}(\n    {guard}State(state): State<AppState>,\n    Query(query): Query<{list_query}>,\n) -> Result<Json<Vec<{ty}View>>, StatusCode> {{\n    let repo = state.repo::<{entity}Repository>().ok_or(StatusCode::SERVICE_UNAVAILABLE)?;\n    let offset = query.offset.unwrap_or(0);\n    let limit = query.limit.unwrap_or(50);\n    let mut items: Vec<{ty}View> = repo.list(offset, limit).into_iter().map({ty}View::from).collect();\n    if let Some(q) = query.q.as_deref() {{\n        items.retain(|v| v.name.contains(q));\n    }}\n    tracing::debug!(who = {who}, count = items.len(), \"listed\");\n    Ok(Json(items))\n}}\n").unwrap(),
        Body::Get => writeln!(s, "pub async fn {name}(\n    {guard}State(state): State<AppState>,\n    Path(id): Path<u64>,\n) -> Result<Json<{ty}View>, StatusCode> {{\n    let repo = state.repo::<{entity}Repository>().ok_or(StatusCode::SERVICE_UNAVAILABLE)?;\n    let item = repo.get(id).map_err(|_| StatusCode::NOT_FOUND)?;\n    tracing::debug!(who = {who}, id, \"read\");\n    Ok(Json({ty}View::from(item)))\n}}\n").unwrap(),
        Body::Create => writeln!(s, "pub async fn {name}(\n    {guard}State(state): State<AppState>,\n    Json(body): Json<Create{ty}>,\n) -> Result<(StatusCode, Json<u64>), StatusCode> {{\n    let mut repo = state.repo_mut::<{entity}Repository>().ok_or(StatusCode::SERVICE_UNAVAILABLE)?;\n    let item = {entity} {{ name: body.name, ..Default::default() }};\n    match repo.insert(item) {{\n        Ok(id) => {{\n            tracing::info!(who = {who}, id, \"created\");\n            Ok((StatusCode::CREATED, Json(id)))\n        }}\n        Err(e) => {{\n            tracing::warn!(error = %e, \"rejected\");\n            Err(StatusCode::UNPROCESSABLE_ENTITY)\n        }}\n    }}\n}}\n").unwrap(),
        Body::Change => writeln!(s, "pub async fn {name}(\n    {guard}State(state): State<AppState>,\n    Path(id): Path<u64>,\n) -> StatusCode {{\n    let Some(mut repo) = state.repo_mut::<{entity}Repository>() else {{\n        return StatusCode::SERVICE_UNAVAILABLE;\n    }};\n    tracing::info!(who = {who}, id, \"changed\");\n    if repo.get(id).is_ok() {{ StatusCode::NO_CONTENT }} else {{ StatusCode::NOT_FOUND }}\n}}\n").unwrap(),
    }
    s
}

/// Where a handler in a file of its own finds what it uses.
pub struct Homes<'a> {
    /// The module of `RequireAuth` and `AdminUser`: `crate::auth`, `platform::auth`.
    pub auth: &'a str,
    /// The module of `AppState`.
    pub state: &'a str,
    /// The module of the entity type (`crate::domain::group_0::order_g0_e3`).
    pub entity: &'a str,
    /// The module of the resource's DTOs (`super::super`).
    pub dtos: &'a str,
}

/// A file holding one handler, importing exactly what it uses.
pub fn own_handler_file(h: &Handler, n: &Names, homes: &Homes) -> String {
    let body = h.body();
    let mut s = format!(
        "//! `{} /{}{}`: one handler in a file of its own.\n\n",
        h.method.to_uppercase(),
        n.resource,
        h.path
    );
    let extract: &[&str] = match body {
        Body::List => &["Query", "State"],
        Body::Get | Body::Change => &["Path", "State"],
        Body::Create => &["State"],
    };
    s.push_str(&use_line("axum::extract", extract));
    s.push_str("use axum::http::StatusCode;\n");
    if body != Body::Change {
        s.push_str("use axum::Json;\n");
    }
    s.push('\n');
    match h.guard {
        Guard::RequireAuth => s.push_str(&use_line(homes.auth, &["RequireAuth"])),
        Guard::AdminUser => s.push_str(&use_line(homes.auth, &["AdminUser"])),
        Guard::None => {}
    }
    s.push_str(&use_line(homes.state, &["AppState"]));
    let repository = format!("{}Repository", n.entity);
    let entity_names: Vec<&str> = match body {
        Body::Create => vec![&n.entity, &repository],
        _ => vec![&repository],
    };
    s.push_str(&use_line(homes.entity, &entity_names));
    let view = format!("{}View", n.ty);
    let create = format!("Create{}", n.ty);
    let dtos: Vec<&str> = match body {
        Body::List => vec![&n.list_query, &view],
        Body::Get => vec![&view],
        Body::Create => vec![&create],
        Body::Change => vec![],
    };
    if !dtos.is_empty() {
        s.push_str(&use_line(homes.dtos, &dtos));
    }
    s.push('\n');
    s.push_str(&handler_fn(h, n));
    s
}

/// `use module::Name;` or `use module::{A, B};`.
pub fn use_line(module: &str, names: &[&str]) -> String {
    match names {
        [one] => format!("use {module}::{one};\n"),
        _ => format!("use {module}::{{{}}};\n", names.join(", ")),
    }
}

/// One `.route` registration: a handler expression at a method and path.
pub struct Entry {
    pub method: &'static str,
    pub path: String,
    /// The handler expression: `list_orders`, `handlers::approve::approve`, a closure.
    pub expr: String,
    /// The fn it names (its crate path); `None` for a closure.
    pub handler: Option<String>,
    /// The handler's arguments authenticate.
    pub by_args: bool,
    /// Registered in the group behind `route_layer(from_fn(require_auth))`.
    pub layered: bool,
}

impl Entry {
    /// The entry of a fn handler reached by `expr`, known to the analysis as `handler`.
    pub fn of(h: &Handler, expr: String, handler: String) -> Entry {
        Entry {
            method: h.method,
            path: h.path.clone(),
            expr,
            handler: Some(handler),
            by_args: h.by_args(),
            layered: h.layered,
        }
    }
}

/// A fn `signature -> Router<AppState>` registering `entries` (the methods of one path chained,
/// `get(a).post(b)`), the layered ones in a group behind `route_layer(from_fn(require_auth))`
/// merged into the others; and what that router serves.
pub fn router_fn(doc: &str, signature: &str, entries: &[Entry]) -> (String, Served) {
    let mut s = format!("/// {doc}\n{signature} -> Router<AppState> {{\n");
    let (guarded, open): (Vec<&Entry>, Vec<&Entry>) = entries.iter().partition(|e| e.layered);
    let mut served = served_by(&open);
    if guarded.is_empty() {
        s.push_str("    Router::new()");
        s.push_str(&route_calls(&open));
        s.push('\n');
    } else {
        s.push_str("    let open = Router::new()");
        s.push_str(&route_calls(&open));
        s.push_str(";\n    let guarded = Router::new()");
        s.push_str(&route_calls(&guarded));
        s.push_str(
            "\n        .route_layer(middleware::from_fn(require_auth));\n    open.merge(guarded)\n",
        );
        let mut layered = served_by(&guarded);
        layered.layer();
        served.merge(layered);
    }
    s.push_str("}\n\n");
    (s, served)
}

fn served_by(entries: &[&Entry]) -> Served {
    let mut served = Served::default();
    for e in entries {
        match &e.handler {
            Some(handler) => served.handler(e.method, &e.path, handler.clone(), e.by_args),
            None => served.closure(e.method, &e.path, e.by_args),
        }
    }
    served
}

/// `.route(path, get(a).post(b))` calls, one per path in order of first appearance, broken over
/// lines the way rustfmt does when one is too long.
fn route_calls(entries: &[&Entry]) -> String {
    let mut paths: Vec<(&str, Vec<String>)> = Vec::new();
    for e in entries {
        let call = format!("{}({})", e.method, e.expr);
        match paths.iter_mut().find(|(p, _)| *p == e.path) {
            Some((_, calls)) => calls.push(call),
            None => paths.push((&e.path, vec![call])),
        }
    }
    let mut s = String::new();
    for (path, calls) in paths {
        let chain = calls.join(".");
        let line = format!("\n        .route(\"{path}\", {chain})");
        if line.len() <= 101 {
            s.push_str(&line);
        } else {
            write!(
                s,
                "\n        .route(\n            \"{path}\",\n            {},\n        )",
                calls.join("\n                .")
            )
            .unwrap();
        }
    }
    s
}

pub const AUTH_RS: &str = r#"//! Authentication: the `RequireAuth` extractor, an admin wrapper and a middleware fn.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Claims of a verified bearer token.
#[derive(Debug, Clone)]
pub struct Claims {
    pub subject: String,
    pub admin: bool,
}

/// Rejects the request with 401 unless it carries a valid bearer token.
pub struct RequireAuth(pub Claims);

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let token = header.strip_prefix("Bearer ").ok_or(StatusCode::UNAUTHORIZED)?;
        if token.len() < 16 {
            return Err(StatusCode::UNAUTHORIZED);
        }
        Ok(RequireAuth(Claims { subject: token[..8].to_string(), admin: token.ends_with('!') }))
    }
}

/// An authenticated administrator.
pub struct AdminUser(pub Claims);

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RequireAuth(claims) = RequireAuth::from_request_parts(parts, state).await?;
        if !claims.admin {
            return Err(StatusCode::FORBIDDEN);
        }
        Ok(AdminUser(claims))
    }
}

/// Middleware: authenticates everything it covers.
pub async fn require_auth(RequireAuth(_claims): RequireAuth, request: Request, next: Next) -> Response {
    next.run(request).await
}
"#;

pub const STATE_RS: &str = r#"//! Shared application state.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock, RwLockReadGuard};

/// Repositories by type, behind a lock.
#[derive(Clone, Default)]
pub struct AppState {
    repos: Arc<RwLock<HashMap<TypeId, Box<dyn Any + Send + Sync>>>>,
}

impl AppState {
    pub fn repo<T: 'static>(&self) -> Option<RwLockReadGuard<'_, HashMap<TypeId, Box<dyn Any + Send + Sync>>>> {
        let guard = self.repos.read().ok()?;
        guard.contains_key(&TypeId::of::<T>()).then_some(guard)
    }

    pub fn repo_mut<T: 'static>(&self) -> Option<RwLockReadGuard<'_, HashMap<TypeId, Box<dyn Any + Send + Sync>>>> {
        self.repo::<T>()
    }
}
"#;
