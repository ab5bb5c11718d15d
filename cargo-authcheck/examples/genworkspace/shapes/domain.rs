//! `domain`: the shape `scripts/bench` always measured. An `app` binary nests every member's
//! router and hands it to `axum::serve`; library members `svc1..` each have `api/{v1,v2}/<resource>.rs`
//! (a router and its handlers in one file, nested across files with `let mut router = ..;
//! router = router.nest(..)`, an open group merged with a `route_layer(from_fn(require_auth))`
//! group), `auth.rs`, `state.rs`, and a `domain/group_N/<entity>.rs` tree holding about 95% of
//! the lines. With `--lines 1000000`: 2,862 files (31.6 MB) in 8 members.

use std::fmt::Write as _;

use super::{
    app_and_services, crate_root, crud_handlers, domain_tree, member_basics, nesting_module,
    segment, Entity,
};
use crate::api::{dto_block, handler_fn, Guard, Handler, Names};
use crate::domain::{camel, NOUNS};
use crate::rng::Rng;
use crate::workspace::{Kind, Served, Workspace};

pub fn generate(ws: &mut Workspace, rng: &mut Rng, lines: usize) {
    app_and_services(ws, rng, lines, member);
    ws.allow("GET /**/health", "liveness probe");
}

/// Writes one member (`app` when `libs` are to be nested in it); returns what its API serves.
fn member(ws: &mut Workspace, rng: &mut Rng, name: &str, budget: usize, libs: &[String]) -> Served {
    let is_app = name == "app";
    let dir = format!("crates/{name}");
    member_basics(ws, &dir, name, if is_app { libs } else { &[] });

    // Domain: groups of entity files, until the budget (minus the API share) is used.
    let api_resources = (budget / 25_000).clamp(2, 40);
    let domain_budget = budget.saturating_sub(api_resources * 120);
    let entities = domain_tree(ws, rng, &dir, domain_budget, |noun, g, e| {
        format!("{noun}_{g}_{e}")
    });

    // API: v1 (most resources) and v2 (the rest), nested across files.
    let mut versions: [(&str, Vec<String>, Served); 2] = [
        ("v1", Vec::new(), Served::default()),
        ("v2", Vec::new(), Served::default()),
    ];
    for r in 0..api_resources {
        let resource = format!("{}_{r}", NOUNS[rng.below(NOUNS.len())]);
        let entity = &entities[rng.below(entities.len())];
        let handlers: Vec<Handler> = crud_handlers(rng, &resource)
            .into_iter()
            .map(|(_, h)| h)
            .collect();
        let (version, resources, version_served) = &mut versions[usize::from(r % 4 == 3)];
        let file = format!("{dir}/src/api/{version}/{resource}.rs");
        let module = format!("{}::api::{version}::{resource}", name);
        ws.write(
            &file,
            &resource_file(&resource, entity, &handlers),
            Kind::Api,
        );
        if let Some(h) = handlers
            .iter()
            .find(|h| h.guard == Guard::RequireAuth && !h.layered)
        {
            let mut edited = handlers.clone();
            edited.iter_mut().find(|e| e.name == h.name).unwrap().guard = Guard::None;
            ws.offer_edit(&file, &format!("{module}::{}", h.name), || {
                resource_file(&resource, entity, &edited)
            });
        }
        version_served.nest(
            &format!("/{}", segment(&resource)),
            resource_routes(&module, &handlers),
        );
        resources.push(resource);
    }
    let mut api = Served::default();
    api.handler("get", "/health", format!("{name}::api::health"), false);
    for (version, resources, version_served) in versions {
        let m = nesting_module(
            "API version module.",
            "Every resource of this version.",
            &resources,
        );
        ws.write(&format!("{dir}/src/api/{version}/mod.rs"), &m, Kind::Api);
        api.nest(&format!("/{version}"), version_served);
    }
    ws.write(
        &format!("{dir}/src/api/mod.rs"),
        "//! The HTTP API.\n\nuse axum::routing::get;\nuse axum::Router;\n\nuse crate::state::AppState;\n\npub mod v1;\npub mod v2;\n\n/// Liveness probe.\npub async fn health() -> &'static str {\n    \"ok\"\n}\n\n/// The API router.\npub fn router() -> Router<AppState> {\n    Router::new()\n        .route(\"/health\", get(health))\n        .nest(\"/v1\", v1::router())\n        .nest(\"/v2\", v2::router())\n}\n",
        Kind::Api,
    );
    let mut app_code = String::from("#[tokio::main]\nasync fn main() {\n    let state = state::AppState::default();\n    let app = Router::new()\n        .nest(\"/app\", api::router().with_state(state.clone()))");
    for m in libs {
        write!(app_code, "\n        .nest(\"/{m}\", {m}::api::router().with_state({m}::state::AppState::default()))").unwrap();
    }
    app_code.push_str(";\n    let listener = tokio::net::TcpListener::bind(\"127.0.0.1:3000\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n");
    crate_root(ws, &dir, name, &app_code);
    api
}

/// What a resource's router serves: its open group merged with its layered group.
fn resource_routes(module: &str, handlers: &[Handler]) -> Served {
    let mut open = Served::default();
    let mut guarded = Served::default();
    for h in handlers {
        let group = if h.layered { &mut guarded } else { &mut open };
        group.handler(
            h.method,
            &h.path,
            format!("{module}::{}", h.name),
            h.by_args(),
        );
    }
    guarded.layer();
    open.merge(guarded);
    open
}

/// One API resource file: DTOs, a router, handlers.
fn resource_file(resource: &str, entity: &Entity, handlers: &[Handler]) -> String {
    let mut s = String::new();
    let names = Names {
        resource: resource.to_string(),
        ty: camel(resource),
        list_query: "ListQuery".to_string(),
        entity: entity.ty.clone(),
    };
    writeln!(s, "//! HTTP handlers for `/{resource}`.\n").unwrap();
    s.push_str("use axum::extract::{Path, Query, State};\nuse axum::http::StatusCode;\nuse axum::routing::{get, post};\nuse axum::{middleware, Json, Router};\nuse serde::{Deserialize, Serialize};\n\n");
    s.push_str(
        "use crate::auth::{require_auth, AdminUser, RequireAuth};\nuse crate::state::AppState;\n",
    );
    writeln!(
        s,
        "use {}::{{{}, {}Repository}};\n",
        entity.module, entity.ty, entity.ty
    )
    .unwrap();
    s.push_str(&dto_block(&names));
    // The router: extractor-protected routes, then a layer-protected group.
    s.push_str("/// The routes of this resource.\npub fn router() -> Router<AppState> {\n    let open = Router::new()");
    for h in handlers.iter().filter(|h| !h.layered) {
        write!(
            s,
            "\n        .route(\"{}\", {}({}))",
            h.path, h.method, h.name
        )
        .unwrap();
    }
    s.push_str(";\n    let guarded = Router::new()");
    for h in handlers.iter().filter(|h| h.layered) {
        write!(
            s,
            "\n        .route(\"{}\", {}({}))",
            h.path, h.method, h.name
        )
        .unwrap();
    }
    s.push_str("\n        .route_layer(middleware::from_fn(require_auth));\n    open.merge(guarded)\n}\n\n");
    for h in handlers {
        s.push_str(&handler_fn(h, &names));
    }
    // A post-only helper so `post` is used even when no handler needs it.
    s.push_str("#[allow(dead_code)]\nfn unused_methods() -> axum::routing::MethodRouter<AppState> {\n    post(|| async { StatusCode::METHOD_NOT_ALLOWED })\n}\n");
    s
}
