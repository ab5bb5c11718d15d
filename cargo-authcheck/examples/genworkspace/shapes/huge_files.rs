//! `huge-files`: few files, several of them very large. Two members, `app` (three quarters of the
//! lines) and `backoffice` (nested by the app under `/backoffice`). Each has a huge `routes.rs`
//! (a router fn per resource, nested under its segment by section fns merged into one router),
//! huge `handlers/part_K.rs` files with the DTOs and handlers of many resources (glob-imported
//! by `routes.rs` for even parts, named by module path for odd ones), huge `domain/part_K.rs`
//! files of inline entity modules, and a small `auth.rs` and `state.rs`. A part grows to
//! `lines / 6` lines (2,000 to 45,000).

use std::fmt::Write as _;

use super::{crud_handlers, entity_name, member_basics, segment, Entity};
use crate::api::{dto_block, handler_fn, router_fn, use_line, Entry, Guard, Handler, Names};
use crate::domain::{camel, inline_entity, NOUNS};
use crate::rng::Rng;
use crate::workspace::{Kind, Served, Workspace};

/// The share of each member's lines in domain parts, in percent; the rest is the API.
const DOMAIN_PERCENT: usize = 45;
/// Resources per section fn of `routes.rs`.
const SECTION: usize = 50;

pub fn generate(ws: &mut Workspace, rng: &mut Rng, lines: usize) {
    let part_lines = (lines / 6).clamp(2_000, 45_000);
    let app_budget = lines * 3 / 4;
    let mut app = member(ws, rng, "app", app_budget, part_lines);
    app.nest(
        "/backoffice",
        member(ws, rng, "backoffice", lines - app_budget, part_lines),
    );
    ws.serve(app);
    ws.member("crates/app".to_string());
    ws.member("crates/backoffice".to_string());
    ws.allow("GET /**/health", "liveness probe");
}

/// One resource's block in a handler part.
#[derive(Clone)]
struct Block {
    resource: String,
    /// Index into the member's entities.
    entity: usize,
    handlers: Vec<Handler>,
}

/// Writes one member; returns what its router serves.
fn member(
    ws: &mut Workspace,
    rng: &mut Rng,
    name: &str,
    budget: usize,
    part_lines: usize,
) -> Served {
    let dir = format!("crates/{name}");
    let is_app = name == "app";
    let deps = if is_app {
        vec!["backoffice".to_string()]
    } else {
        Vec::new()
    };
    member_basics(ws, &dir, name, &deps);
    let domain_budget = budget * DOMAIN_PERCENT / 100;
    let entities = domain_parts(ws, rng, &dir, domain_budget, part_lines);

    // Handler parts, filled resource by resource; `routes.rs` grows about a line a handler.
    let mut parts: Vec<Vec<Block>> = vec![Vec::new()];
    let mut pending_lines = 0;
    let mut api_lines = 0;
    let mut resource_index = 0;
    while api_lines < budget - domain_budget {
        let resource = format!("{}_{resource_index}", NOUNS[rng.below(NOUNS.len())]);
        resource_index += 1;
        let entity = rng.below(entities.len());
        let handlers: Vec<Handler> = crud_handlers(rng, &resource)
            .into_iter()
            .map(|(_, h)| h)
            .collect();
        let block = Block {
            resource,
            entity,
            handlers,
        };
        let lines = block_text(&block, &entities).lines().count();
        pending_lines += lines;
        api_lines += lines + block.handlers.len() + 8;
        parts.last_mut().unwrap().push(block);
        if pending_lines >= part_lines {
            parts.push(Vec::new());
            pending_lines = 0;
        }
    }
    if parts.last().is_some_and(Vec::is_empty) {
        parts.pop();
    }
    for (k, blocks) in parts.iter().enumerate() {
        write_part(ws, &dir, name, k, blocks, &entities);
    }
    let mut handlers_mod = String::from("//! The handlers, in large files.\n\n");
    for k in 0..parts.len() {
        writeln!(handlers_mod, "pub mod part_{k};").unwrap();
    }
    handlers_mod.push_str(
        "\n/// Liveness probe.\npub async fn health() -> &'static str {\n    \"ok\"\n}\n",
    );
    ws.write(
        &format!("{dir}/src/handlers/mod.rs"),
        &handlers_mod,
        Kind::Api,
    );
    let served = routes_file(ws, &dir, name, &parts);

    let modules = ["auth", "domain", "handlers", "routes", "state"];
    if is_app {
        let mut main = String::from(
            "//! The application binary: the service's routes and the back office's.\n\n",
        );
        for m in modules {
            writeln!(main, "mod {m};").unwrap();
        }
        main.push_str("\nuse axum::Router;\n\n#[tokio::main]\nasync fn main() {\n    let app = Router::new()\n        .merge(routes::router().with_state(state::AppState::default()))\n        .nest(\n            \"/backoffice\",\n            backoffice::routes::router().with_state(backoffice::state::AppState::default()),\n        );\n    let listener = tokio::net::TcpListener::bind(\"127.0.0.1:3000\").await.unwrap();\n    axum::serve(listener, app).await.unwrap();\n}\n");
        ws.write(&format!("{dir}/src/main.rs"), &main, Kind::Api);
    } else {
        let mut lib = String::from("//! The back office: its own routes, handlers and domain.\n\n");
        for m in modules {
            writeln!(lib, "pub mod {m};").unwrap();
        }
        ws.write(&format!("{dir}/src/lib.rs"), &lib, Kind::Other);
    }
    served
}

/// Writes `domain/part_K.rs` files of inline entity modules, each up to `part_lines` lines,
/// until `budget` lines are written; returns the entities.
fn domain_parts(
    ws: &mut Workspace,
    rng: &mut Rng,
    dir: &str,
    budget: usize,
    part_lines: usize,
) -> Vec<Entity> {
    let mut entities = Vec::new();
    let mut written = 0;
    let mut part = 0;
    let mut text = String::new();
    let mut index = 0;
    while written < budget {
        let noun = entity_name(NOUNS[rng.below(NOUNS.len())], part, index);
        index += 1;
        if text.is_empty() {
            text = format!("//! Domain entities, part {part}.\n");
        }
        text.push('\n');
        text.push_str(&inline_entity(rng, &noun));
        entities.push(Entity {
            module: format!("crate::domain::part_{part}::{noun}"),
            ty: camel(&noun),
        });
        let lines = text.lines().count();
        if lines >= part_lines || written + lines >= budget {
            ws.write(
                &format!("{dir}/src/domain/part_{part}.rs"),
                &text,
                Kind::Domain,
            );
            written += lines;
            text.clear();
            part += 1;
            index = 0;
        }
    }
    let mut domain_mod = String::from("//! The domain layer, in large files.\n\n");
    for k in 0..part {
        writeln!(domain_mod, "pub mod part_{k};").unwrap();
    }
    ws.write(
        &format!("{dir}/src/domain/mod.rs"),
        &domain_mod,
        Kind::Domain,
    );
    entities
}

fn names(block: &Block, entities: &[Entity]) -> Names {
    let ty = camel(&block.resource);
    Names {
        resource: block.resource.clone(),
        list_query: format!("{ty}ListQuery"),
        entity: format!("{}_model::{}", block.resource, entities[block.entity].ty),
        ty,
    }
}

/// A resource's DTOs and handlers, with the entity module imported under an alias.
fn block_text(block: &Block, entities: &[Entity]) -> String {
    let names = names(block, entities);
    let mut s = format!("\n// ---- `/{}` ", segment(&block.resource));
    s.push_str(&"-".repeat(100usize.saturating_sub(s.len())));
    writeln!(
        s,
        "\n\nuse {} as {}_model;\n",
        entities[block.entity].module, block.resource
    )
    .unwrap();
    s.push_str(&dto_block(&names));
    for h in &block.handlers {
        s.push_str(&handler_fn(h, &names));
    }
    s
}

fn part_text(k: usize, blocks: &[Block], entities: &[Entity]) -> String {
    let mut s = format!(
        "//! Handlers, part {k}: the DTOs and handlers of {} resources.\n\n",
        blocks.len()
    );
    s.push_str("use axum::extract::{Path, Query, State};\nuse axum::http::StatusCode;\nuse axum::Json;\nuse serde::{Deserialize, Serialize};\n\nuse crate::auth::{AdminUser, RequireAuth};\nuse crate::state::AppState;\n");
    for block in blocks {
        s.push_str(&block_text(block, entities));
    }
    s
}

/// Writes handler part `k`, offering the first handler that only its `RequireAuth` protects as
/// the benchmark's edit.
fn write_part(
    ws: &mut Workspace,
    dir: &str,
    crate_name: &str,
    k: usize,
    blocks: &[Block],
    entities: &[Entity],
) {
    let file = format!("{dir}/src/handlers/part_{k}.rs");
    ws.write(&file, &part_text(k, blocks, entities), Kind::Api);
    let candidate = blocks.iter().enumerate().find_map(|(b, block)| {
        let h = block
            .handlers
            .iter()
            .position(|h| h.guard == Guard::RequireAuth && !h.layered)?;
        Some((b, h))
    });
    if let Some((b, h)) = candidate {
        let mut edited = blocks.to_vec();
        edited[b].handlers[h].guard = Guard::None;
        let id = format!(
            "{crate_name}::handlers::part_{k}::{}",
            blocks[b].handlers[h].name
        );
        ws.offer_edit(&file, &id, || part_text(k, &edited, entities));
    }
}

/// Writes `routes.rs`: a router fn per resource, section fns nesting 50 each, and the member's
/// router merging the sections; returns what it serves.
fn routes_file(ws: &mut Workspace, dir: &str, crate_name: &str, parts: &[Vec<Block>]) -> Served {
    let mut s = String::from("//! Every route of this service: a router fn per resource, nested under its segment by\n//! section fns.\n\n");
    s.push_str("use axum::routing::{delete, get, post, put};\nuse axum::{middleware, Router};\n\nuse crate::auth::require_auth;\nuse crate::handlers::health;\n");
    for k in (0..parts.len()).step_by(2) {
        writeln!(s, "use crate::handlers::part_{k}::*;").unwrap();
    }
    let odd: Vec<String> = (1..parts.len())
        .step_by(2)
        .map(|k| format!("part_{k}"))
        .collect();
    if !odd.is_empty() {
        let odd: Vec<&str> = odd.iter().map(String::as_str).collect();
        s.push_str(&use_line("crate::handlers", &odd));
    }
    s.push_str("use crate::state::AppState;\n\n");

    let blocks: Vec<(usize, &Block)> = parts
        .iter()
        .enumerate()
        .flat_map(|(k, blocks)| blocks.iter().map(move |b| (k, b)))
        .collect();
    let sections: Vec<&[(usize, &Block)]> = blocks.chunks(SECTION).collect();
    s.push_str("/// The service's router.\npub fn router() -> Router<AppState> {\n    Router::new()\n        .route(\"/health\", get(health))");
    for i in 0..sections.len() {
        write!(s, "\n        .merge(section_{i}())").unwrap();
    }
    s.push_str("\n}\n\n");
    let mut served = Served::default();
    served.handler(
        "get",
        "/health",
        format!("{crate_name}::handlers::health"),
        false,
    );
    let mut resource_fns = String::new();
    for (i, section) in sections.iter().enumerate() {
        writeln!(
            s,
            "/// Resources {} to {}.\nfn section_{i}() -> Router<AppState> {{\n    let mut router = Router::new();",
            i * SECTION,
            i * SECTION + section.len() - 1
        )
        .unwrap();
        for (k, block) in section.iter() {
            let entries: Vec<Entry> = block
                .handlers
                .iter()
                .map(|h| {
                    let expr = if k % 2 == 0 {
                        h.name.clone()
                    } else {
                        format!("part_{k}::{}", h.name)
                    };
                    Entry::of(
                        h,
                        expr,
                        format!("{crate_name}::handlers::part_{k}::{}", h.name),
                    )
                })
                .collect();
            let seg = segment(&block.resource);
            let (text, routes) = router_fn(
                &format!("`/{seg}`."),
                &format!("fn {}()", block.resource),
                &entries,
            );
            resource_fns.push_str(&text);
            writeln!(
                s,
                "    router = router.nest(\"/{seg}\", {}());",
                block.resource
            )
            .unwrap();
            served.nest(&format!("/{seg}"), routes);
        }
        s.push_str("    router\n}\n\n");
    }
    s.push_str(&resource_fns);
    ws.write(
        &format!("{dir}/src/routes.rs"),
        &format!("{}\n", s.trim_end()),
        Kind::Api,
    );
    served
}
