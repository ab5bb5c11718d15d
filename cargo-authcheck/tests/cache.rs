//! The on-disk cache changes nothing a user sees: on every fixture the output with a warm cache
//! is byte-identical to a cold run; edits (a handler's parameters, a route, the configuration)
//! are seen; a damaged cache file is ignored and rebuilt.

use std::path::{Path, PathBuf};

/// Runs the binary on `manifest` with its cache under `target` (or none): `(stdout, exit status)`.
fn run(args: &[&str], manifest: &Path, target: &Path, cache: bool) -> (String, i32) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"));
    command
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .env("CARGO_TARGET_DIR", target)
        .env("NO_COLOR", "1");
    if !cache {
        command.arg("--no-cache");
    }
    let out = command.output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

const OUTPUTS: &[&[&str]] = &[
    &["routes", "--format", "json"],
    &["check", "--format", "json"],
    &["check"],
];

/// Every output, cold and then twice warm (filling the cache, then reading it), is the same.
fn assert_warm_equals_cold(manifest: &Path, target: &Path) {
    for args in OUTPUTS {
        let cold = run(args, manifest, target, false);
        let filling = run(args, manifest, target, true);
        let warm = run(args, manifest, target, true);
        assert_eq!(
            filling,
            cold,
            "{args:?} filling the cache, {}",
            manifest.display()
        );
        assert_eq!(
            warm,
            cold,
            "{args:?} from the cache, {}",
            manifest.display()
        );
    }
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expected").is_dir())
        .map(
            |dir| match std::fs::read_to_string(dir.join("expected/manifest")) {
                Ok(rel) => dir.join(rel.trim()),
                Err(_) => dir.join("Cargo.toml"),
            },
        )
        .collect();
    out.sort();
    out
}

#[test]
fn warm_output_is_cold_output_on_every_fixture() {
    let target = tempfile::tempdir().unwrap();
    let fixtures = fixtures();
    assert!(fixtures.len() >= 30, "{}", fixtures.len());
    for manifest in fixtures {
        assert_warm_equals_cold(&manifest, target.path());
    }
}

/// A scratch crate with a protected and an unprotected route, and its own target directory.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    );
    write(
        "src/lib.rs",
        "pub mod handlers;\nuse axum::{routing::get, Router};\npub fn app() -> Router {\n    Router::new()\n        .route(\"/open\", get(handlers::open))\n        .route(\"/closed\", get(handlers::closed))\n}\n",
    );
    write(
        "src/handlers.rs",
        "pub struct RequireAuth;\npub async fn open() {}\npub async fn closed(_a: RequireAuth) {}\n",
    );
    dir
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} in {rel}");
    // A later modification time even on coarse clocks, and a different size.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// `routes --format json` with the cache, required to equal a run without it: its output.
fn warm_routes(manifest: &Path, target: &Path) -> String {
    const ROUTES: &[&str] = &["routes", "--format", "json"];
    let warm = run(ROUTES, manifest, target, true);
    assert_eq!(
        warm,
        run(ROUTES, manifest, target, false),
        "warm and cold differ"
    );
    warm.0
}

/// The files under `target/authcheck` whose name starts with `prefix`.
fn files_named(target: &Path, prefix: &str) -> Vec<PathBuf> {
    std::fs::read_dir(target.join("authcheck"))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn cache_files(target: &Path) -> Vec<PathBuf> {
    files_named(target, "cache-")
}

#[test]
fn edits_are_seen_warm() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    let first = run(&["routes", "--format", "json"], &manifest, &target, true);
    assert!(first.0.contains("\"/closed\""), "{}", first.0);
    assert_eq!(cache_files(&target).len(), 1, "the cache was written");
    // A handler's parameters (the route table itself is reused).
    edit(dir.path(), "src/handlers.rs", "_a: RequireAuth", "");
    let warm = warm_routes(&manifest, &target);
    assert_eq!(warm.matches("\"auth\": \"none\"").count(), 2, "{warm}");
    // A route's path (the table is evaluated again).
    edit(dir.path(), "src/lib.rs", "\"/closed\"", "\"/gone\"");
    let warm = warm_routes(&manifest, &target);
    assert!(
        warm.contains("\"/gone\"") && !warm.contains("\"/closed\""),
        "{warm}"
    );
    // A new module file.
    edit(
        dir.path(),
        "src/lib.rs",
        "pub mod handlers;",
        "pub mod handlers;\npub mod more;",
    );
    std::fs::write(
        dir.path().join("src/more.rs"),
        "use axum::{routing::post, Router};\npub async fn extra() {}\npub fn more() -> Router { Router::new().route(\"/more\", post(extra)) }\n",
    )
    .unwrap();
    edit(
        dir.path(),
        "src/lib.rs",
        "Router::new()\n",
        "Router::new().merge(more::more())\n",
    );
    let warm = warm_routes(&manifest, &target);
    assert!(warm.contains("\"/more\""), "{warm}");
}

#[test]
fn edits_of_a_file_parsed_in_windows_are_seen_warm() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    // Over the 64 KiB a file is parsed whole: its windows are cached one by one.
    let mut handlers = String::from("pub struct RequireAuth;\n");
    for i in 0..3000 {
        handlers.push_str(&format!(
            "/// Filler {i}.\npub fn filler_{i}(a: u32) -> u32 {{\n    a + {i}\n}}\n\n"
        ));
    }
    handlers.push_str("pub async fn open() {}\npub async fn closed(_a: RequireAuth) {}\n");
    assert!(handlers.len() > 100 << 10);
    std::fs::write(dir.path().join("src/handlers.rs"), handlers).unwrap();
    assert_warm_equals_cold(&manifest, &target);
    let same_warm_and_cold = || {
        for args in OUTPUTS {
            assert_eq!(
                run(args, &manifest, &target, true),
                run(args, &manifest, &target, false),
                "{args:?}"
            );
        }
    };
    // Lines added at the top: the windows after the first are the same text, further down.
    edit(
        dir.path(),
        "src/handlers.rs",
        "pub struct RequireAuth;\n",
        "pub struct RequireAuth;\n\n// one\n// two\n",
    );
    same_warm_and_cold();
    let (check, _) = run(&["check"], &manifest, &target, true);
    assert!(check.contains("src/handlers.rs:15005:14"), "{check}");
    // A handler in the last window loses its auth.
    edit(dir.path(), "src/handlers.rs", "_a: RequireAuth", "");
    same_warm_and_cold();
    let warm = warm_routes(&manifest, &target);
    assert_eq!(warm.matches("\"auth\": \"none\"").count(), 2, "{warm}");
}

#[test]
fn names_router_code_resolves_are_checked_warm() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    edit(
        dir.path(),
        "src/lib.rs",
        "use axum::{routing::get, Router};",
        "use axum::{routing::get, Router};\nuse handlers::open as h;",
    );
    edit(dir.path(), "src/lib.rs", "get(handlers::open)", "get(h)");
    let warm = warm_routes(&manifest, &target);
    assert!(warm.contains("\"app::handlers::open\""), "{warm}");
    // Only the `use` item changes (same lines, same fns): the cached table read what `h` named.
    edit(
        dir.path(),
        "src/lib.rs",
        "use handlers::open as h;",
        "use handlers::closed as h;",
    );
    let warm = warm_routes(&manifest, &target);
    assert!(!warm.contains("\"app::handlers::open\""), "{warm}");
    // A `use` item no router code looks up leaves the table as it was.
    edit(
        dir.path(),
        "src/handlers.rs",
        "pub struct RequireAuth;",
        "use std::fmt::Debug;\npub struct RequireAuth;",
    );
    warm_routes(&manifest, &target);
}

#[test]
fn the_configuration_is_not_cached() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    let check = |cache| run(&["check", "--format", "json"], &manifest, &target, cache);
    let before = check(true);
    assert_eq!(before.1, 1, "GET /open is unprotected");
    std::fs::write(
        dir.path().join("authcheck.toml"),
        "[[allow]]\nroute = \"GET /open\"\nreason = \"a liveness probe\"\n",
    )
    .unwrap();
    let warm = check(true);
    assert_eq!(warm, check(false));
    assert_eq!(warm.1, 0, "{}", warm.0);
    // Roots decide which routers are served: the cached table must not outlive them.
    edit(
        dir.path(),
        "src/handlers.rs",
        "pub async fn open() {}",
        "pub async fn open() {}\npub fn none() -> axum::Router { axum::Router::new() }",
    );
    assert_eq!(check(true).1, 0);
    std::fs::write(
        dir.path().join("authcheck.toml"),
        "[analysis]\nroots = [\"app::handlers::none\"]\n",
    )
    .unwrap();
    let warm = check(true);
    assert_eq!(warm, check(false));
    assert!(warm.0.contains("no route found"), "{}", warm.0);
}

#[test]
fn a_changed_workspace_is_seen_warm() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    let routes = || warm_routes(&manifest, &target);
    assert!(!routes().contains("\"/admin\""));
    let recalled = files_named(&target, "workspace-");
    assert_eq!(recalled.len(), 1, "the workspace is remembered");
    // A new crate (a bin target cargo finds by itself): the workspace the last run found is no
    // longer cargo's, and the analysis of it is not what the user sees.
    std::fs::write(
        dir.path().join("src/main.rs"),
        "use axum::{routing::get, Router};\nasync fn admin() {}\nfn main() { let app: Router = Router::new().route(\"/admin\", get(admin)); axum::serve(listener, app); }\n",
    )
    .unwrap();
    let warm = routes();
    assert!(warm.contains("\"/admin\""), "{warm}");
    // The package renamed: its crates are named anew.
    edit(
        dir.path(),
        "Cargo.toml",
        "name = \"app\"",
        "name = \"renamed\"",
    );
    let warm = routes();
    assert!(warm.contains("renamed::"), "{warm}");
    // A remembered workspace that is not cargo's (here: damaged) is only a wrong guess.
    std::fs::write(&recalled[0], "{}").unwrap();
    assert_warm_equals_cold(&manifest, &target);
}

#[test]
fn a_damaged_cache_is_rebuilt() {
    let dir = scratch();
    let target = dir.path().join("target");
    let manifest = dir.path().join("Cargo.toml");
    let check = |cache| run(&["check"], &manifest, &target, cache);
    let cold = check(false);
    check(true);
    let [file] = cache_files(&target).try_into().unwrap();
    let good = std::fs::read(&file).unwrap();
    let garbage: Vec<u8> = (0..good.len()).map(|i| (i * 7 + 3) as u8).collect();
    for damaged in [
        garbage,
        good[..good.len() / 2].to_vec(),
        good[..good.len() - 1].to_vec(),
        // Cut off where its last byte, read as the footer's length, is 0.
        [&good[..good.len() / 2], &[0]].concat(),
        Vec::new(),
        {
            let mut flipped = good.clone();
            flipped[good.len() / 3] ^= 0x40;
            flipped
        },
    ] {
        std::fs::write(&file, &damaged).unwrap();
        assert_eq!(check(true), cold);
        let rebuilt = std::fs::read(&file).unwrap();
        assert_eq!(rebuilt.len(), good.len(), "the cache is written anew");
        assert_eq!(check(true), cold, "and read again");
    }
}
