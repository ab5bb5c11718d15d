//! `router-heavy`: about a fifth of the bytes in router and handler files. Each member's API is a
//! tree across files: `api/mod.rs` nests `v1` and an `admin` area put behind the auth layer;
//! `v1/mod.rs` nests its areas; an area's `mod.rs` nests its resources (some areas put them all
//! behind the layer and add a public `/status` after it). A resource file holds many handlers
//! (the collection, the items and their sub-resources) in router fns merged and nested across
//! fns, methods chained on one path (`get(a).put(b)`), closures (an open `/ping`, a HEAD that
//! authenticates); its actions are in files of their own (`<resource>/handlers/<verb>.rs`).

use std::fmt::Write as _;

use super::{
    app_and_services, crate_root, domain_tree, entity_name, member_basics, nesting_module, segment,
    Entity,
};
use crate::api::{
    dto_block, handler_fn, own_handler_file, router_fn, Entry, Guard, Handler, Homes, Names,
};
use crate::domain::{camel, NOUNS};
use crate::rng::Rng;
use crate::workspace::{Kind, Served, Workspace};

/// The share of each member's lines given to its API, in percent: about a fifth of the bytes.
const API_PERCENT: usize = 20;

const AREAS: &[&str] = &[
    "billing",
    "catalog",
    "identity",
    "fleet",
    "support",
    "reporting",
    "automation",
    "inventory",
    "messaging",
    "compliance",
    "logistics",
    "analytics",
];

/// Optional collection endpoints: (verb, method, path).
const COLLECTION_EXTRAS: &[(&str, &str, &str)] = &[
    ("search", "get", "/search"),
    ("count", "get", "/count"),
    ("bulk_create", "post", "/bulk"),
    ("import", "post", "/import"),
    ("export_all", "get", "/export"),
];

/// Optional item endpoints: (verb, method, path).
const ITEM_EXTRAS: &[(&str, &str, &str)] = &[
    ("patch", "patch", "/{id}"),
    ("comments", "get", "/{id}/comments"),
    ("add_comment", "post", "/{id}/comments"),
    ("history", "get", "/{id}/history"),
    ("attachments", "get", "/{id}/attachments"),
    ("attach", "post", "/{id}/attachments"),
    ("owner", "get", "/{id}/owner"),
    ("set_owner", "put", "/{id}/owner"),
    ("permissions", "get", "/{id}/permissions"),
    ("set_permissions", "put", "/{id}/permissions"),
    ("audit", "get", "/{id}/audit"),
    ("tags", "get", "/{id}/tags"),
    ("set_tags", "put", "/{id}/tags"),
    ("clear_tags", "delete", "/{id}/tags"),
];

/// Actions, each a handler in a file of its own: (verb, method).
const ACTIONS: &[(&str, &str)] = &[
    ("approve", "post"),
    ("reject", "post"),
    ("publish", "post"),
    ("unpublish", "post"),
    ("retry", "post"),
    ("cancel", "post"),
    ("duplicate", "post"),
    ("lock", "post"),
    ("unlock", "post"),
    ("assign", "post"),
    ("notify", "post"),
    ("restore", "post"),
    ("validate", "post"),
    ("archive", "post"),
    ("reindex", "post"),
    ("escalate", "post"),
    ("close", "post"),
    ("reopen", "post"),
    ("preview", "get"),
    ("diff", "get"),
];

pub fn generate(ws: &mut Workspace, rng: &mut Rng, lines: usize) {
    app_and_services(ws, rng, lines, member);
    ws.allow("GET /**/health", "liveness probe");
    ws.allow("GET /**/status", "area status for the load balancer");
}

/// How an area's `mod.rs` mounts its resources.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AreaStyle {
    /// `Router::new().nest(..).nest(..)`.
    Chained,
    /// `let mut router = ..; router = router.nest(..);`.
    Statements,
    /// Chained, then `route_layer(from_fn(require_auth))`, then a public `/status`.
    Covered,
}

/// Writes one member; returns what its API serves.
fn member(ws: &mut Workspace, rng: &mut Rng, name: &str, budget: usize, libs: &[String]) -> Served {
    let is_app = name == "app";
    let dir = format!("crates/{name}");
    member_basics(ws, &dir, name, if is_app { libs } else { &[] });
    let api_budget = budget * API_PERCENT / 100;
    let entities = domain_tree(ws, rng, &dir, budget - api_budget, entity_name);

    let api_start = ws.lines();
    let mut admin = Served::default();
    let mut v1 = Served::default();
    let mut v1_areas = Vec::new();
    let mut area_index = 0;
    // At least the admin area, a covered area and an area no layer covers.
    while ws.lines() - api_start < api_budget || area_index < 3 {
        let area = match area_index {
            0 => "admin".to_string(),
            _ => format!("{}_{area_index}", AREAS[rng.below(AREAS.len())]),
        };
        let (style, area_dir, module) = match area_index {
            0 => (
                AreaStyle::Statements,
                format!("{dir}/src/api/admin"),
                format!("{name}::api::admin"),
            ),
            1 => (
                AreaStyle::Covered,
                format!("{dir}/src/api/v1/{area}"),
                format!("{name}::api::v1::{area}"),
            ),
            _ => (
                [
                    AreaStyle::Chained,
                    AreaStyle::Statements,
                    AreaStyle::Covered,
                ][rng.below(3)],
                format!("{dir}/src/api/v1/{area}"),
                format!("{name}::api::v1::{area}"),
            ),
        };
        let mut ctx = AreaContext {
            rng: &mut *rng,
            entities: &entities,
            dir: area_dir,
            module,
            // The admin area is behind the layer of `api/mod.rs`; a covered area behind its own.
            editable: area_index > 0 && style != AreaStyle::Covered,
        };
        // The admin area is small: an admin API has a few resources.
        let wanted = if area_index == 0 {
            2
        } else {
            ctx.rng.range(3, 8)
        };
        let served = area_module(ws, &mut ctx, &area, style, wanted, api_start, api_budget);
        if area_index == 0 {
            admin = served;
        } else {
            v1.nest(&format!("/{}", segment(&area)), served);
            v1_areas.push(area);
        }
        area_index += 1;
    }

    let m = nesting_module(
        "Version 1 of the API: one module per area.",
        "Every area of version 1.",
        &v1_areas,
    );
    ws.write(&format!("{dir}/src/api/v1/mod.rs"), &m, Kind::Api);
    ws.write(
        &format!("{dir}/src/api/mod.rs"),
        "//! The HTTP API: version 1, and the admin area behind the auth layer.\n\nuse axum::routing::get;\nuse axum::{middleware, Router};\n\nuse crate::auth::require_auth;\nuse crate::state::AppState;\n\npub mod admin;\npub mod v1;\n\n/// Liveness probe.\npub async fn health() -> &'static str {\n    \"ok\"\n}\n\n/// The API router.\npub fn router() -> Router<AppState> {\n    Router::new()\n        .route(\"/health\", get(health))\n        .nest(\"/v1\", v1::router())\n        .nest(\"/admin\", admin::router().route_layer(middleware::from_fn(require_auth)))\n}\n",
        Kind::Api,
    );
    let mut api = Served::default();
    api.handler("get", "/health", format!("{name}::api::health"), false);
    api.nest("/v1", v1);
    admin.layer();
    api.nest("/admin", admin);

    let mut app_code = String::from("/// Every service under its own prefix.\nfn app() -> Router {\n    let mut app = Router::new().nest(\"/app\", api::router().with_state(state::AppState::default()));\n");
    for m in libs {
        writeln!(app_code, "    app = app.nest(\"/{m}\", {m}::api::router().with_state({m}::state::AppState::default()));").unwrap();
    }
    app_code.push_str("    app\n}\n\n#[tokio::main]\nasync fn main() {\n    let listener = tokio::net::TcpListener::bind(\"127.0.0.1:3000\").await.unwrap();\n    axum::serve(listener, app()).await.unwrap();\n}\n");
    crate_root(ws, &dir, name, &app_code);
    api
}

/// Where an area is written and what its resources may use.
struct AreaContext<'a> {
    rng: &'a mut Rng,
    entities: &'a [Entity],
    /// Its directory.
    dir: String,
    /// Its module path, from the crate name.
    module: String,
    /// Whether a handler of this area may be the benchmark's edit (no layer covers it).
    editable: bool,
}

/// Writes an area (`wanted` resources, fewer when the API budget runs out) and its `mod.rs`;
/// returns what its router serves.
fn area_module(
    ws: &mut Workspace,
    ctx: &mut AreaContext,
    area: &str,
    style: AreaStyle,
    wanted: usize,
    api_start: usize,
    api_budget: usize,
) -> Served {
    let mut resources = Vec::new();
    let mut served = Served::default();
    while resources.is_empty() || (resources.len() < wanted && ws.lines() - api_start < api_budget)
    {
        let resource = format!("{}_{}", NOUNS[ctx.rng.below(NOUNS.len())], resources.len());
        let routes = resource_module(ws, ctx, &resource);
        served.nest(&format!("/{}", segment(&resource)), routes);
        resources.push(resource);
    }
    let doc = format!("The `{area}` area: the routers of its resources.");
    let covered = style == AreaStyle::Covered;
    let s = if style == AreaStyle::Statements {
        nesting_module(&doc, "Every resource of the area.", &resources)
    } else {
        let mut s = format!("//! {doc}\n\n");
        if covered {
            s.push_str("use axum::routing::get;\nuse axum::{middleware, Router};\n\nuse crate::auth::require_auth;\n");
        } else {
            s.push_str("use axum::Router;\n\n");
        }
        s.push_str("use crate::state::AppState;\n\n");
        for r in &resources {
            writeln!(s, "pub mod {r};").unwrap();
        }
        s.push_str("\n/// Every resource of the area.\npub fn router() -> Router<AppState> {\n    Router::new()");
        for r in &resources {
            write!(s, "\n        .nest(\"/{}\", {r}::router())", segment(r)).unwrap();
        }
        if covered {
            s.push_str("\n        .route_layer(middleware::from_fn(require_auth))\n        .route(\"/status\", get(status))\n}\n\n/// Public: whether the area is up.\npub async fn status() -> &'static str {\n    \"up\"\n}\n");
        } else {
            s.push_str("\n}\n");
        }
        s
    };
    if covered {
        served.layer();
        served.handler("get", "/status", format!("{}::status", ctx.module), false);
    }
    ws.write(&format!("{}/mod.rs", ctx.dir), &s, Kind::Api);
    served
}

/// A resource: handlers in its own file (collection, items) and in files of their own (actions).
#[derive(Clone)]
struct Resource {
    name: String,
    collection: Vec<Handler>,
    items: Vec<Handler>,
    actions: Vec<Handler>,
    /// An open `GET /ping` closure.
    ping: bool,
    /// A `HEAD /{id}/exists` closure taking `RequireAuth`.
    exists: bool,
}

/// Writes a resource file, its `handlers/` directory and an own file per action; returns what the
/// resource's router serves.
fn resource_module(ws: &mut Workspace, ctx: &mut AreaContext, name: &str) -> Served {
    let rng = &mut *ctx.rng;
    let entity = &ctx.entities[rng.below(ctx.entities.len())];
    let draw = |verb: &str, method: &'static str, path: &str, rng: &mut Rng| {
        Handler::drawn(rng, format!("{verb}_{name}"), method, path.to_string())
    };
    let mut collection = vec![
        draw("list", "get", "/", rng),
        draw("create", "post", "/", rng),
    ];
    for (verb, method, path) in COLLECTION_EXTRAS {
        if rng.one_in(2) {
            collection.push(draw(verb, method, path, rng));
        }
    }
    let mut items = vec![
        draw("get", "get", "/{id}", rng),
        draw("update", "put", "/{id}", rng),
        draw("delete", "delete", "/{id}", rng),
    ];
    for (verb, method, path) in ITEM_EXTRAS {
        if rng.one_in(2) {
            items.push(draw(verb, method, path, rng));
        }
    }
    let mut actions = Vec::new();
    for (verb, method) in ACTIONS {
        if actions.len() < 2 || rng.one_in(3) {
            let mut h = Handler::drawn(rng, verb.to_string(), method, format!("/{verb}"));
            // An action's own file is not behind the resource's layered group.
            h.layered = false;
            actions.push(h);
        }
    }
    let resource = Resource {
        name: name.to_string(),
        collection,
        items,
        actions,
        ping: rng.one_in(6),
        exists: rng.one_in(4),
    };
    let dir = format!("{}/{name}", ctx.dir);
    let module = format!("{}::{name}", ctx.module);
    let file = format!("{dir}.rs");
    let (text, served) = resource_file(&resource, entity, &module);
    ws.write(&file, &text, Kind::Api);
    if ctx.editable {
        let candidate = resource
            .collection
            .iter()
            .chain(&resource.items)
            .find(|h| h.guard == Guard::RequireAuth && !h.layered);
        if let Some(h) = candidate {
            let mut edited = resource.clone();
            for handler in edited.collection.iter_mut().chain(&mut edited.items) {
                if handler.name == h.name {
                    handler.guard = Guard::None;
                }
            }
            ws.offer_edit(&file, &format!("{module}::{}", h.name), || {
                resource_file(&edited, entity, &module).0
            });
        }
    }
    let names = names(&resource.name, entity);
    let homes = Homes {
        auth: "crate::auth",
        state: "crate::state",
        entity: &entity.module,
        dtos: "super::super",
    };
    let mut handlers_mod = format!(
        "//! The actions of `/{}`, one handler a file.\n\n",
        segment(name)
    );
    for h in &resource.actions {
        writeln!(handlers_mod, "pub mod {};", h.name).unwrap();
        ws.write(
            &format!("{dir}/handlers/{}.rs", h.name),
            &own_handler_file(h, &names, &homes),
            Kind::Api,
        );
    }
    ws.write(&format!("{dir}/handlers/mod.rs"), &handlers_mod, Kind::Api);
    served
}

fn names(resource: &str, entity: &Entity) -> Names {
    Names {
        resource: resource.to_string(),
        ty: camel(resource),
        list_query: "ListQuery".to_string(),
        entity: entity.ty.clone(),
    }
}

/// The text of a resource file and what its router serves.
fn resource_file(r: &Resource, entity: &Entity, module: &str) -> (String, Served) {
    let names = names(&r.name, entity);
    let mut s = format!(
        "//! HTTP handlers for `/{}`: the collection, its items and their sub-resources; the\n//! actions are in `handlers/`, one a file.\n\n",
        segment(&r.name)
    );
    s.push_str("use axum::extract::{Path, Query, State};\nuse axum::http::StatusCode;\nuse axum::routing::{delete, get, head, patch, post, put};\nuse axum::{middleware, Json, Router};\nuse serde::{Deserialize, Serialize};\n\n");
    s.push_str(
        "use crate::auth::{require_auth, AdminUser, RequireAuth};\nuse crate::state::AppState;\n",
    );
    writeln!(
        s,
        "use {}::{{{}, {}Repository}};\n\npub mod handlers;\n",
        entity.module, entity.ty, entity.ty
    )
    .unwrap();
    s.push_str(&dto_block(&names));
    s.push_str("/// The routes of this resource.\npub fn router() -> Router<AppState> {\n    Router::new()\n        .merge(collection())\n        .merge(items())\n        .nest(\"/{id}/actions\", actions())\n}\n\n");

    let local = |h: &Handler| Entry::of(h, h.name.clone(), format!("{module}::{}", h.name));
    let mut collection: Vec<Entry> = r.collection.iter().map(local).collect();
    if r.ping {
        collection.push(Entry {
            method: "get",
            path: "/ping".to_string(),
            expr: "|| async { StatusCode::NO_CONTENT }".to_string(),
            handler: None,
            by_args: false,
            layered: false,
        });
    }
    let mut items: Vec<Entry> = r.items.iter().map(local).collect();
    if r.exists {
        items.push(Entry {
            method: "head",
            path: "/{id}/exists".to_string(),
            expr: "|RequireAuth(_user): RequireAuth, Path(id): Path<u64>| async move { if id > 0 { StatusCode::OK } else { StatusCode::NOT_FOUND } }".to_string(),
            handler: None,
            by_args: true,
            layered: false,
        });
    }
    let actions: Vec<Entry> = r
        .actions
        .iter()
        .map(|h| {
            let path = format!("handlers::{0}::{0}", h.name);
            Entry::of(h, path.clone(), format!("{module}::{path}"))
        })
        .collect();
    let mut served = Served::default();
    for (doc, signature, entries) in [
        ("`/`: the collection.", "fn collection()", collection),
        ("`/{id}` and its sub-resources.", "fn items()", items),
        (
            "`/{id}/actions/<verb>`: one handler a file, in `handlers/`.",
            "fn actions()",
            actions,
        ),
    ] {
        let (text, routes) = router_fn(doc, signature, &entries);
        s.push_str(&text);
        if signature == "fn actions()" {
            served.nest("/{id}/actions", routes);
        } else {
            served.merge(routes);
        }
    }
    for h in r.collection.iter().chain(&r.items) {
        s.push_str(&handler_fn(h, &names));
    }
    (s, served)
}
