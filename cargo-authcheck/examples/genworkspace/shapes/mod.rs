//! The four workspace shapes and what their members share (manifests, the domain layer).

use std::fmt::Write as _;

use crate::api::{Handler, AUTH_RS, STATE_RS};
use crate::domain::{camel, entity_file, NOUNS};
use crate::rng::Rng;
use crate::workspace::{Kind, Served, Workspace};

pub mod domain;
pub mod huge_files;
pub mod many_members;
pub mod router_heavy;

/// Writes a member's `Cargo.toml` (`path_deps` are other members, as `../NAME`) and the
/// `auth.rs` and `state.rs` it shares with the others of its shape.
pub fn member_basics(ws: &mut Workspace, dir: &str, name: &str, path_deps: &[String]) {
    ws.write(
        &format!("{dir}/Cargo.toml"),
        &manifest(name, path_deps),
        Kind::Other,
    );
    ws.write(&format!("{dir}/src/auth.rs"), AUTH_RS, Kind::Other);
    ws.write(&format!("{dir}/src/state.rs"), STATE_RS, Kind::Other);
}

/// The members of the `domain` and `router-heavy` shapes: an `app` binary and library members
/// `svc1..` (3 to 16, one per 125,000 lines), written last to first by `member(ws, rng, name,
/// budget in lines, libs)`, which returns what the member's API serves; the app nests each API
/// under `/<member>` and serves the result.
pub fn app_and_services(
    ws: &mut Workspace,
    rng: &mut Rng,
    lines: usize,
    mut member: impl FnMut(&mut Workspace, &mut Rng, &str, usize, &[String]) -> Served,
) {
    let n_members = (lines / 125_000).clamp(3, 16);
    let libs: Vec<String> = (1..n_members).map(|i| format!("svc{i}")).collect();
    // The fixed files (auth, state, API modules) take a few hundred lines per member.
    let per_member = lines.saturating_sub(n_members * 400) / n_members;
    let mut app = Served::default();
    for i in (0..n_members).rev() {
        let name = if i == 0 {
            "app".to_string()
        } else {
            format!("svc{i}")
        };
        let api = member(ws, rng, &name, per_member, &libs);
        app.nest(&format!("/{name}"), api);
    }
    ws.serve(app);
    ws.member("crates/app".to_string());
    for lib in &libs {
        ws.member(format!("crates/{lib}"));
    }
}

/// The modules of a member of the `domain` and `router-heavy` shapes.
const MEMBER_MODULES: [&str; 4] = ["api", "auth", "domain", "state"];

/// Writes the crate root of a member of the `domain` and `router-heavy` shapes: `src/main.rs`
/// of `app`, whose code after the module declarations is `app_code`, or `src/lib.rs` of `svcN`.
pub fn crate_root(ws: &mut Workspace, dir: &str, name: &str, app_code: &str) {
    if name == "app" {
        let mut main =
            String::from("//! The application binary: every service's API under one server.\n\n");
        for m in MEMBER_MODULES {
            writeln!(main, "mod {m};").unwrap();
        }
        main.push_str("\nuse axum::Router;\n\n");
        main.push_str(app_code);
        ws.write(&format!("{dir}/src/main.rs"), &main, Kind::Api);
    } else {
        let mut lib = format!("//! Service {}.\n\n", name.trim_start_matches("svc"));
        for m in MEMBER_MODULES {
            writeln!(lib, "pub mod {m};").unwrap();
        }
        ws.write(&format!("{dir}/src/lib.rs"), &lib, Kind::Other);
    }
}

/// A module that declares `children` and nests each one's `router()` under its segment with
/// `let mut router = ..; router = router.nest(..)` statements.
pub fn nesting_module(doc: &str, router_doc: &str, children: &[String]) -> String {
    let mut m = format!("//! {doc}\n\nuse axum::Router;\n\nuse crate::state::AppState;\n\n");
    for child in children {
        writeln!(m, "pub mod {child};").unwrap();
    }
    writeln!(
        m,
        "\n/// {router_doc}\npub fn router() -> Router<AppState> {{\n    let mut router = Router::new();"
    )
    .unwrap();
    for child in children {
        writeln!(
            m,
            "    router = router.nest(\"/{}\", {child}::router());",
            segment(child)
        )
        .unwrap();
    }
    m.push_str("    router\n}\n");
    m
}

/// A member's `Cargo.toml`; `path_deps` are other members, as `../NAME`.
pub fn manifest(name: &str, path_deps: &[String]) -> String {
    let mut manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\naxum = \"0.8\"\nserde = {{ version = \"1\", features = [\"derive\"] }}\ntokio = {{ version = \"1\", features = [\"full\"] }}\ntracing = \"0.1\"\n"
    );
    for m in path_deps {
        writeln!(manifest, "{m} = {{ path = \"../{m}\" }}").unwrap();
    }
    manifest
}

/// An entity the API can serve: its module path and type name.
pub struct Entity {
    pub module: String,
    pub ty: String,
}

/// Writes `src/domain/group_G/<entity>.rs` files (12 to a group, with their `mod.rs` files) into
/// `dir` until `budget` lines are written; returns the entities. `name` makes an entity's module
/// name from a noun, its group and its place in the group.
pub fn domain_tree(
    ws: &mut Workspace,
    rng: &mut Rng,
    dir: &str,
    budget: usize,
    name: impl Fn(&str, usize, usize) -> String,
) -> Vec<Entity> {
    let start = ws.lines();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut entities = Vec::new();
    while ws.lines() - start < budget || entities.is_empty() {
        if groups.last().is_none_or(|g| g.len() >= 12) {
            groups.push(Vec::new());
        }
        let g = groups.len() - 1;
        let e = groups[g].len();
        let noun = name(NOUNS[rng.below(NOUNS.len())], g, e);
        let text = entity_file(rng, &noun);
        ws.write(
            &format!("{dir}/src/domain/group_{g}/{noun}.rs"),
            &text,
            Kind::Domain,
        );
        entities.push(Entity {
            module: format!("crate::domain::group_{g}::{noun}"),
            ty: camel(&noun),
        });
        groups[g].push(noun);
    }
    let mut domain_mod = String::from("//! The domain layer.\n\n");
    for (g, group) in groups.iter().enumerate() {
        writeln!(domain_mod, "pub mod group_{g};").unwrap();
        let mut group_mod = format!("//! Entity group {g}.\n\n");
        for e in group {
            writeln!(group_mod, "pub mod {e};").unwrap();
        }
        ws.write(
            &format!("{dir}/src/domain/group_{g}/mod.rs"),
            &group_mod,
            Kind::Domain,
        );
    }
    ws.write(
        &format!("{dir}/src/domain/mod.rs"),
        &domain_mod,
        Kind::Domain,
    );
    entities
}

/// The entity naming of the newer shapes: `order_g3_e1` (`OrderG3E1`, never equal to another).
pub fn entity_name(noun: &str, group: usize, index: usize) -> String {
    format!("{noun}_g{group}_e{index}")
}

/// `order_12` -> `order-12`, the URL segment of a resource.
pub fn segment(resource: &str) -> String {
    resource.replace('_', "-")
}

/// The CRUD handlers of a resource (`{verb}_{resource}`) and up to four extra endpoints, with
/// their verbs.
pub fn crud_handlers(rng: &mut Rng, resource: &str) -> Vec<(&'static str, Handler)> {
    let mut endpoints = vec![
        ("list", "get", "/".to_string()),
        ("create", "post", "/".to_string()),
        ("get", "get", "/{id}".to_string()),
        ("update", "put", "/{id}".to_string()),
        ("delete", "delete", "/{id}".to_string()),
    ];
    for extra in 0..rng.range(0, 4) {
        let verb = ["export", "archive", "stats", "history"][extra];
        endpoints.push((
            verb,
            ["get", "post", "get", "get"][extra],
            format!("/{{id}}/{verb}"),
        ));
    }
    endpoints
        .into_iter()
        .map(|(verb, method, path)| {
            (
                verb,
                Handler::drawn(rng, format!("{verb}_{resource}"), method, path),
            )
        })
        .collect()
}
