//! Baselines: recorded findings stay quiet through line moves and unrelated edits, a new finding
//! fails alone, and entries that match nothing any more are reported.

mod common;

use common::{diagnostics, field, Scratch};

const AUTH: &str = "pub struct RequireAuth(pub String);\n";

fn app(handlers: &[&str], routes: &[(&str, &str)]) -> String {
    let mut text = format!("{AUTH}use axum::{{routing::get, Router}};\n\n");
    for h in handlers {
        text.push_str(&format!(
            "pub async fn {h}() -> &'static str {{ \"{h}\" }}\n\n"
        ));
    }
    text.push_str("pub fn app() -> Router {\n    Router::new()\n");
    for (path, h) in routes {
        text.push_str(&format!("        .route(\"{path}\", get({h}))\n"));
    }
    text.push_str("}\n");
    text
}

fn codes_and_routes(stdout: &str) -> Vec<(String, String)> {
    diagnostics(stdout)
        .iter()
        .map(|d| (field(d, "code"), field(d, "route")))
        .collect()
}

#[test]
fn baseline_survives_moves_and_catches_new_findings() {
    let s = Scratch::crate_with(&[(
        "src/lib.rs",
        &app(
            &["list", "show"],
            &[("/items", "list"), ("/items/{id}", "show")],
        ),
    )]);
    let manifest = s.path().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let file = s.path().join("baseline.json");
    let file = file.to_str().unwrap();
    assert_eq!(s.run(&["check", "--manifest-path", manifest]).code, 1);
    let out = s.run(&[
        "check",
        "--manifest-path",
        manifest,
        "--write-baseline",
        file,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote 2 findings"), "{}", out.stderr);
    let recorded: serde_json::Value = serde_json::from_str(&s.read("baseline.json")).unwrap();
    assert_eq!(recorded["version"], 1);
    assert_eq!(recorded["findings"].as_array().unwrap().len(), 2);

    let out = s.run(&["check", "--manifest-path", manifest, "--baseline", file]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("0 errors"), "{}", out.stdout);
    assert!(out.stderr.contains("2 known findings"), "{}", out.stderr);

    // Lines inserted above the findings, and the handlers reordered: still known.
    let moved = format!(
        "//! Items.\n\n// Handlers below.\n\n{}",
        app(
            &["show", "list"],
            &[("/items", "list"), ("/items/{id}", "show")]
        )
    );
    s.write("src/lib.rs", &moved);
    let out = s.run(&["check", "--manifest-path", manifest, "--baseline", file]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // A new unprotected route fails alone.
    let more = format!(
        "//! Items.\n\n// Handlers below.\n\n{}",
        app(
            &["show", "list", "purge"],
            &[
                ("/items", "list"),
                ("/items/{id}", "show"),
                ("/purge", "purge")
            ]
        )
    );
    s.write("src/lib.rs", &more);
    let out = s.run(&[
        "check",
        "--format",
        "json",
        "--manifest-path",
        manifest,
        "--baseline",
        file,
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(
        codes_and_routes(&out.stdout),
        [("unprotected-route".to_string(), "GET /purge".to_string())]
    );

    // A recorded finding that went away is reported as stale, without failing.
    s.write("src/lib.rs", &app(&["list"], &[("/items", "list")]));
    let out = s.run(&["check", "--manifest-path", manifest, "--baseline", file]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr
            .contains("baseline entry matches no finding any more")
            && out.stderr.contains("GET /items/{id}"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_baseline_files_are_errors_with_a_place() {
    let s = Scratch::crate_with(&[("src/lib.rs", &app(&["list"], &[("/items", "list")]))]);
    let manifest = s.path().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let out = s.run(&[
        "check",
        "--manifest-path",
        manifest,
        "--baseline",
        "missing.json",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot read baseline missing.json"),
        "{}",
        out.stderr
    );
    s.write("bad.json", "{\"version\": 1,\n \"findings\": 3}\n");
    let bad = s.path().join("bad.json");
    let out = s.run(&[
        "check",
        "--manifest-path",
        manifest,
        "--baseline",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bad.json:2:"), "{}", out.stderr);
}
