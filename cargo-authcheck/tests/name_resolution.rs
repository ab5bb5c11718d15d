//! Name resolution on glob-heavy crates: it terminates, its work grows linearly with the crate,
//! and names reached through glob cycles, re-exports and shadowing resolve as rustc resolves them.

use std::path::Path;

use cargo_authcheck::analysis::{analyze, Analysis, Options};

/// A scratch crate from `(path, contents)` pairs.
fn scratch(files: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    for (path, contents) in files {
        write(dir.path(), path, contents);
    }
    dir
}

fn write(root: &Path, rel: &str, contents: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

fn analysis(dir: &Path) -> Analysis {
    let options = Options::uncached(dir.join("Cargo.toml"));
    analyze(&options, &cargo_authcheck::rules::codes()).expect("the analysis runs")
}

/// Each route's path and handler, in order.
fn handlers(a: &Analysis) -> Vec<(&str, &str)> {
    a.routes
        .iter()
        .map(|r| (r.entry.path.as_str(), r.handler.as_str()))
        .collect()
}

/// `src/main.rs` with `mod mN; pub use mN::*;` for every N and a route to a handler that exists
/// nowhere; each `src/mN.rs` is `pub use crate::*; pub fn fN() {}` (the crate that hung).
fn glob_cycle_crate(modules: usize) -> tempfile::TempDir {
    let mut main = String::from("use axum::{routing::get, Router};\n");
    let mut files = Vec::new();
    for n in 1..=modules {
        main.push_str(&format!("mod m{n};\npub use m{n}::*;\n"));
        files.push((
            format!("src/m{n}.rs"),
            format!("pub use crate::*;\npub fn f{n}() {{}}\n"),
        ));
    }
    main.push_str(
        "pub fn app() -> Router {\n    Router::new().route(\"/\", get(missing)).route(\"/f1\", get(f1))\n}\n",
    );
    files.push(("src/main.rs".into(), main));
    scratch(&files)
}

#[test]
fn glob_cycles_resolve_in_linear_work() {
    let small = analysis(glob_cycle_crate(6).path());
    let large = analysis(glob_cycle_crate(200).path());
    for a in [&small, &large] {
        let handlers: Vec<&str> = a.routes.iter().map(|r| r.handler.as_str()).collect();
        assert_eq!(
            handlers,
            [
                "missing (defined outside the analysed crates)",
                "app::m1::f1"
            ],
            "{handlers:?}"
        );
    }
    let (s, l) = (small.index.defmap.steps, large.index.defmap.steps);
    println!("resolution steps: {s} for 6 modules, {l} for 200");
    // 200/6 times the modules: at most that many times the steps (with slack for the constant
    // part), never the square.
    assert!(
        l * 6 <= s * 200 * 2,
        "resolution steps grew faster than the crate: {s} for 6 modules, {l} for 200"
    );
}

/// Two glob imports from outside the workspace that could each define the other's crate name.
#[test]
fn external_globs_that_wait_on_each_other_settle() {
    let dir = scratch(&[(
        "src/lib.rs".into(),
        "use a::*;\nuse b::*;\npub struct S;\nimpl S { fn m(&self) {} }\n".into(),
    )]);
    let a = analysis(dir.path());
    assert!(a.routes.is_empty());
    assert!(a.index.defmap.steps < 100, "{}", a.index.defmap.steps);
}

/// rustc's rules on a crate that mixes them: explicit names shadow glob-imported ones, globs
/// reach through re-exports and cycles, `self`/`super` paths and renames.
#[test]
fn globs_reexports_and_shadowing() {
    let dir = scratch(&[
        (
            "src/lib.rs".into(),
            r#"use axum::{routing::get, Router};
pub mod prelude;
pub mod a;
pub mod b;
mod api {
    use super::prelude::*;
    // An explicit import shadows the `list` that the prelude glob brings.
    use crate::b::list;
    pub fn router() -> Router {
        Router::new()
            .route("/list", get(list))
            .route("/show", get(show))
            .route("/deep", get(deep::inner))
    }
}
pub fn app() -> Router {
    api::router()
}
"#
            .into(),
        ),
        (
            "src/prelude.rs".into(),
            "pub use crate::a::*;\npub use crate::a::nested as deep;\n".into(),
        ),
        (
            "src/a.rs".into(),
            "pub use crate::b::*;\npub async fn list() {}\npub mod nested { pub async fn inner() {} }\n".into(),
        ),
        (
            "src/b.rs".into(),
            "pub use crate::a::*;\npub async fn list() {}\npub async fn show() {}\n".into(),
        ),
    ]);
    let a = analysis(dir.path());
    assert_eq!(
        handlers(&a),
        [
            ("/deep", "app::a::nested::inner"),
            ("/list", "app::b::list"),
            ("/show", "app::b::show"),
        ]
    );
}

/// A package's lib and bin may both declare `mod config;`: the file is a module of each crate,
/// not a `#[path]` cycle.
#[test]
fn one_file_in_the_lib_and_the_bin() {
    let dir = scratch(&[
        ("src/config.rs".into(), "pub fn port() -> u16 { 8080 }\n".into()),
        ("src/lib.rs".into(), "pub mod config;\n".into()),
        (
            "src/main.rs".into(),
            "mod config;\nuse axum::{routing::get, Router};\nasync fn h() {}\nfn app() -> Router { Router::new().route(\"/\", get(h)) }\nfn main() { let _ = (config::port(), app()); }\n".into(),
        ),
    ]);
    let a = analysis(dir.path());
    let problems: Vec<&str> = a
        .index
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let config_modules = a
        .index
        .modules
        .iter()
        .filter(|m| m.path.last().is_some_and(|n| n == "config"))
        .count();
    assert_eq!(config_modules, 2);
}

/// A workspace whose crates re-export each other's names through globs, over three dependency
/// levels (the crates of a level resolve in parallel): a crate sees what the crates it depends
/// on bind, and its own names shadow what their globs bring.
#[test]
fn names_reexported_across_crates_of_several_levels() {
    let dir = tempfile::tempdir().unwrap();
    let package = |name: &str, deps: &[&str]| {
        let mut toml = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n");
        for dep in deps {
            toml.push_str(&format!("{dep} = {{ path = \"../{dep}\" }}\n"));
        }
        toml
    };
    let files = [
        ("Cargo.toml", "[workspace]\nmembers = [\"base\", \"extra\", \"more\", \"app\"]\nresolver = \"2\"\n".to_string()),
        ("base/Cargo.toml", package("base", &[])),
        ("base/src/lib.rs", "mod handlers;\npub use handlers::*;\npub mod deep { pub async fn inner() {} }\n".into()),
        ("base/src/handlers.rs", "pub async fn list() {}\npub async fn shadowed() {}\n".into()),
        ("extra/Cargo.toml", package("extra", &["base"])),
        ("extra/src/lib.rs", "pub use base::*;\npub async fn shadowed() {}\n".into()),
        ("more/Cargo.toml", package("more", &["base"])),
        ("more/src/lib.rs", "pub use base::deep;\npub use more_inner::*;\nmod more_inner { pub use base::list as show; }\n".into()),
        ("app/Cargo.toml", package("app", &["extra", "more"])),
        (
            "app/src/lib.rs",
            r#"use axum::{routing::get, Router};
use extra::*;
pub fn app() -> Router {
    Router::new()
        .route("/list", get(list))
        .route("/shadowed", get(shadowed))
        .route("/show", get(more::show))
        .route("/deep", get(more::deep::inner))
}
"#
            .into(),
        ),
    ];
    for (path, contents) in &files {
        write(dir.path(), path, contents);
    }
    let a = analysis(dir.path());
    assert_eq!(
        handlers(&a),
        [
            ("/deep", "base::deep::inner"),
            ("/list", "base::handlers::list"),
            ("/shadowed", "extra::shadowed"),
            ("/show", "base::handlers::list"),
        ]
    );
}
