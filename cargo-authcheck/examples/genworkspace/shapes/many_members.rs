//! `many-members`: 50+ small workspace members, the way a platform of services looks. `platform`
//! holds what every service uses across crates (`use platform::auth::RequireAuth`: the extractor,
//! the admin wrapper, the middleware, the state); each `<noun>-svc-NN` member has its own domain
//! code and an `api/` with one router file per resource (`api/<resource>/mod.rs`) whose handlers
//! are either each in a file of its own (`api/<resource>/<verb>.rs`, `pub async fn handle`) or
//! many in `api/<resource>/handlers.rs`. Some services put their whole API behind the layer and
//! route `/health` after it. The `app` binary nests every service under its package name
//! (`/invoice-svc-07`), a few behind the layer at that level.

use std::fmt::Write as _;

use super::{crud_handlers, domain_tree, entity_name, manifest, member_basics, segment, Entity};
use crate::api::{
    dto_block, handler_fn, own_handler_file, router_fn, use_line, Entry, Guard, Handler, Homes,
    Names,
};
use crate::domain::{camel, NOUNS};
use crate::rng::Rng;
use crate::workspace::{Kind, Served, Workspace};

/// The share of each service's lines given to its API, in percent.
const API_PERCENT: usize = 25;

pub fn generate(ws: &mut Workspace, rng: &mut Rng, lines: usize) {
    let n_services = (lines / 18_000).clamp(50, 200);
    member_basics(ws, "crates/platform", "platform", &[]);
    ws.write(
        "crates/platform/src/lib.rs",
        "//! What every service shares: authentication and the application state.\n\npub mod auth;\npub mod state;\n",
        Kind::Other,
    );

    let mut app = Served::default();
    app.handler("get", "/health", "app::routes::health".to_string(), false);
    let mut mounts = String::new();
    let mut packages = vec!["platform".to_string()];
    for i in 0..n_services {
        let noun = NOUNS[rng.below(NOUNS.len())];
        let package = format!("{noun}-svc-{i:02}");
        let ident = package.replace('-', "_");
        let layered_in_app = rng.one_in(6);
        // What is left, shared by the services still to write (a service overshoots its budget
        // by part of a file; the next ones make up for it).
        let budget = lines.saturating_sub(ws.lines() + 300) / (n_services - i);
        let mut api = service(ws, rng, &package, noun, budget, !layered_in_app);
        if layered_in_app {
            writeln!(mounts, "    app = app.nest(\"/{package}\", {ident}::api::router().route_layer(middleware::from_fn(require_auth)));").unwrap();
            api.layer();
        } else {
            writeln!(
                mounts,
                "    app = app.nest(\"/{package}\", {ident}::api::router());"
            )
            .unwrap();
        }
        app.nest(&format!("/{package}"), api);
        packages.push(package);
    }
    ws.write(
        "crates/app/Cargo.toml",
        &manifest("app", &packages),
        Kind::Other,
    );
    ws.write(
        "crates/app/src/main.rs",
        "//! The application binary: every service of the platform under one server.\n\nmod routes;\n\n#[tokio::main]\nasync fn main() {\n    let app = routes::app().with_state(platform::state::AppState::default());\n    let listener = tokio::net::TcpListener::bind(\"127.0.0.1:3000\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n",
        Kind::Api,
    );
    ws.write(
        "crates/app/src/routes.rs",
        &format!("//! Every service's router under its package name.\n\nuse axum::routing::get;\nuse axum::{{middleware, Router}};\n\nuse platform::auth::require_auth;\nuse platform::state::AppState;\n\n/// Liveness probe of the whole platform.\npub async fn health() -> &'static str {{\n    \"ok\"\n}}\n\n/// The platform: every service nested under its prefix.\npub fn app() -> Router<AppState> {{\n    let mut app = Router::new().route(\"/health\", get(health));\n{mounts}    app\n}}\n"),
        Kind::Api,
    );
    ws.serve(app);
    ws.member("crates/app".to_string());
    for package in packages {
        ws.member(format!("crates/{package}"));
    }
    ws.allow("GET /**/health", "liveness probe");
}

/// Writes one service member; returns what its API serves. `editable`: no layer of the app
/// covers it, so one of its handlers may be the benchmark's edit.
fn service(
    ws: &mut Workspace,
    rng: &mut Rng,
    package: &str,
    noun: &str,
    budget: usize,
    editable: bool,
) -> Served {
    let dir = format!("crates/{package}");
    let ident = package.replace('-', "_");
    ws.write(
        &format!("{dir}/Cargo.toml"),
        &manifest(package, &["platform".to_string()]),
        Kind::Other,
    );
    ws.write(
        &format!("{dir}/src/lib.rs"),
        &format!("//! The {noun} service.\n\npub mod api;\npub mod domain;\n"),
        Kind::Other,
    );
    let api_budget = budget * API_PERCENT / 100;
    let entities = domain_tree(ws, rng, &dir, budget - api_budget, entity_name);
    let covered = rng.one_in(4);
    let api_start = ws.lines();
    let mut resources = Vec::new();
    let mut served = Served::default();
    while resources.is_empty() || ws.lines() - api_start < api_budget {
        let resource = format!("{}_{}", NOUNS[rng.below(NOUNS.len())], resources.len());
        let entity = &entities[rng.below(entities.len())];
        let own_files = !rng.one_in(3);
        let handlers = crud_handlers(rng, &resource);
        let module = format!("{ident}::api::{resource}");
        let routes = resource_module(
            ws,
            &format!("{dir}/src/api/{resource}"),
            &module,
            &resource,
            entity,
            &handlers,
            own_files,
            editable && !covered,
        );
        served.nest(&format!("/{}", segment(&resource)), routes);
        resources.push(resource);
    }
    let mut s = format!("//! The HTTP API of the {noun} service.\n\nuse axum::routing::get;\n");
    s.push_str(if covered {
        "use axum::{middleware, Router};\n\nuse platform::auth::require_auth;\n"
    } else {
        "use axum::Router;\n\n"
    });
    s.push_str("use platform::state::AppState;\n\n");
    for r in &resources {
        writeln!(s, "pub mod {r};").unwrap();
    }
    s.push_str("\n/// Liveness probe.\npub async fn health() -> &'static str {\n    \"ok\"\n}\n\n/// The service's router.\npub fn router() -> Router<AppState> {\n    Router::new()");
    let health = format!("{ident}::api::health");
    if !covered {
        s.push_str("\n        .route(\"/health\", get(health))");
        served.handler("get", "/health", health.clone(), false);
    }
    for r in &resources {
        write!(s, "\n        .nest(\"/{}\", {r}::router())", segment(r)).unwrap();
    }
    if covered {
        s.push_str("\n        .route_layer(middleware::from_fn(require_auth))\n        .route(\"/health\", get(health))");
        served.layer();
        served.handler("get", "/health", health, false);
    }
    s.push_str("\n}\n");
    ws.write(&format!("{dir}/src/api/mod.rs"), &s, Kind::Api);
    served
}

/// The module of a handler in a file of its own (`get` -> `show`: no module named like a
/// routing fn).
fn own_module(verb: &str) -> &str {
    match verb {
        "get" => "show",
        "delete" => "remove",
        _ => verb,
    }
}

/// Writes a resource's router file and its handlers (in files of their own, or all in
/// `handlers.rs`); returns what its router serves.
#[allow(clippy::too_many_arguments)]
fn resource_module(
    ws: &mut Workspace,
    dir: &str,
    module: &str,
    resource: &str,
    entity: &Entity,
    handlers: &[(&'static str, Handler)],
    own_files: bool,
    editable: bool,
) -> Served {
    let names = Names {
        resource: resource.to_string(),
        ty: camel(resource),
        list_query: "ListQuery".to_string(),
        entity: entity.ty.clone(),
    };
    let mut s = format!("//! Routes of `/{}`.\n\n", segment(resource));
    s.push_str("use axum::routing::{delete, get, post, put};\nuse axum::{middleware, Router};\nuse serde::{Deserialize, Serialize};\n\nuse platform::auth::require_auth;\nuse platform::state::AppState;\n");
    s.push_str(&use_line(&entity.module, &[&entity.ty]));
    s.push('\n');
    let mut entries = Vec::new();
    if own_files {
        let homes = Homes {
            auth: "platform::auth",
            state: "platform::state",
            entity: &entity.module,
            dtos: "super",
        };
        for (verb, h) in handlers {
            let file_module = own_module(verb);
            writeln!(s, "mod {file_module};").unwrap();
            let handle = Handler {
                name: "handle".to_string(),
                ..h.clone()
            };
            let file = format!("{dir}/{file_module}.rs");
            ws.write(&file, &own_handler_file(&handle, &names, &homes), Kind::Api);
            let id = format!("{module}::{file_module}::handle");
            if editable && h.guard == Guard::RequireAuth && !h.layered {
                let open = Handler {
                    guard: Guard::None,
                    ..handle.clone()
                };
                ws.offer_edit(&file, &id, || own_handler_file(&open, &names, &homes));
            }
            entries.push(Entry::of(h, format!("{file_module}::handle"), id));
        }
    } else {
        s.push_str("mod handlers;\n");
        let mut text = format!("//! The handlers of `/{}`.\n\n", segment(resource));
        text.push_str("use axum::extract::{Path, Query, State};\nuse axum::http::StatusCode;\nuse axum::Json;\n\nuse platform::auth::{AdminUser, RequireAuth};\nuse platform::state::AppState;\n");
        text.push_str(&use_line(
            &entity.module,
            &[&entity.ty, &format!("{}Repository", entity.ty)],
        ));
        text.push_str(&use_line(
            "super",
            &[
                "ListQuery",
                &format!("Create{}", names.ty),
                &format!("{}View", names.ty),
            ],
        ));
        text.push('\n');
        for (_, h) in handlers {
            text.push_str(&handler_fn(h, &names));
            entries.push(Entry::of(
                h,
                format!("handlers::{}", h.name),
                format!("{module}::handlers::{}", h.name),
            ));
        }
        ws.write(&format!("{dir}/handlers.rs"), &text, Kind::Api);
    }
    s.push('\n');
    s.push_str(&dto_block(&names));
    let (router, served) = router_fn("The routes of this resource.", "pub fn router()", &entries);
    s.push_str(&router);
    ws.write(&format!("{dir}/mod.rs"), &s, Kind::Api);
    served
}
