//! The command line as users meet it: exit statuses, formats, lint levels, inline allows,
//! configuration errors and bad input, each on a scratch crate written by the test.

use std::path::{Path, PathBuf};
use std::process::Command;

const AUTH: &str = r#"
pub struct RequireAuth(pub String);
"#;

/// A scratch crate: its own workspace, files written from `(path, text)` pairs.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(files: &[(&str, &str)]) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let s = Scratch { dir };
        s.write(
            "Cargo.toml",
            "[package]\nname = \"mini\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        );
        for (path, text) in files {
            s.write(path, text);
        }
        s
    }

    fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn manifest(&self) -> PathBuf {
        self.dir.path().join("Cargo.toml")
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(self.dir.path(), args, Some(&self.manifest()))
    }
}

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], manifest: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"));
    // As cargo runs it: `cargo-authcheck authcheck ARGS`.
    cmd.arg("authcheck")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1");
    if let Some(m) = manifest {
        cmd.arg("--manifest-path").arg(m);
    }
    let out = cmd.output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn app(handler_args: &str) -> String {
    format!(
        r#"{AUTH}
use axum::{{routing::get, Router}};

pub async fn delete_pack({handler_args}) -> &'static str {{ "gone" }}

pub fn app() -> Router {{
    Router::new().route("/packs/{{id}}", get(delete_pack))
}}
"#
    )
}

#[test]
fn unprotected_route_fails_and_the_named_fix_passes() {
    let s = Scratch::new(&[("src/lib.rs", &app(""))]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("error[unprotected-route]: route `GET /packs/{id}` can be called without authentication"), "{}", out.stdout);
    assert!(
        out.stdout.contains("src/lib.rs:6:14"),
        "primary span on the handler name: {}",
        out.stdout
    );
    assert!(out.stdout.contains("routed here as `GET /packs/{id}`"));
    assert!(out
        .stdout
        .contains("help: add `RequireAuth(user): RequireAuth` to the arguments of `delete_pack`"));
    assert!(
        out.stdout
            .ends_with("authcheck: 1 route checked, 1 error, 0 warnings\n"),
        "{}",
        out.stdout
    );

    // Apply exactly the fix the help names.
    s.write("src/lib.rs", &app("RequireAuth(user): RequireAuth"));
    let out = s.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("1 route checked, 0 errors, 0 warnings"));
}

#[test]
fn subcommand_is_optional_and_routes_lists_the_table() {
    let s = Scratch::new(&[("src/lib.rs", &app("_a: RequireAuth"))]);
    assert_eq!(s.run(&[]).code, 0);
    let out = s.run(&["routes"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains(
            "GET     /packs/{id}  extractor (RequireAuth)  mini::delete_pack  src/lib.rs:6"
        ),
        "{}",
        out.stdout
    );
    let out = s.run(&["routes", "--format", "markdown"]);
    assert!(out
        .stdout
        .starts_with("| Method | Path | Auth | Handler | Defined at |"));
    let out = s.run(&["routes", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["routes"][0]["auth"], "extractor");
    assert_eq!(json["routes"][0]["handler"], "mini::delete_pack");
    assert_eq!(json["routes"][0]["registered_at"]["line"], 9);
}

#[test]
fn lint_levels_from_the_command_line_and_config() {
    let s = Scratch::new(&[("src/lib.rs", &app(""))]);
    assert_eq!(s.run(&["check", "-A", "unprotected-route"]).code, 0);
    let out = s.run(&["check", "-W", "unprotected-route"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("warning[unprotected-route]"));
    assert_eq!(
        s.run(&["check", "-W", "unprotected-route", "--deny-warnings"])
            .code,
        1
    );
    // Later flags win.
    assert_eq!(
        s.run(&[
            "check",
            "-A",
            "unprotected-route",
            "-D",
            "unprotected-route"
        ])
        .code,
        1
    );
    let out = s.run(&["check", "-D", "no-such-lint"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown lint `no-such-lint`"));

    s.write("authcheck.toml", "[lints]\nunprotected-route = \"warn\"\n");
    assert_eq!(s.run(&["check"]).code, 0);
    assert_eq!(s.run(&["check", "--deny-warnings"]).code, 1);
}

#[test]
fn output_formats() {
    let s = Scratch::new(&[("src/lib.rs", &app(""))]);
    let json: serde_json::Value =
        serde_json::from_str(&s.run(&["check", "--format", "json"]).stdout).unwrap();
    let d = &json["diagnostics"][0];
    for field in [
        "code",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "route",
        "handler",
    ] {
        assert!(d.get(field).is_some(), "json diagnostic lacks `{field}`");
    }
    assert_eq!(d["route"], "GET /packs/{id}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(14))
    );
    assert_eq!(json["summary"]["errors"], 1);

    let out = s.run(&["check", "--format", "github"]);
    assert!(
        out.stdout
            .starts_with("::error file=src/lib.rs,line=6,col=14,"),
        "{}",
        out.stdout
    );
    assert_eq!(out.code, 1);

    let sarif: serde_json::Value =
        serde_json::from_str(&s.run(&["check", "--format", "sarif"]).stdout).unwrap();
    assert_sarif_2_1_0(&sarif);

    let out = s.run(&["check", "--color", "always"]);
    assert!(out.stdout.contains("\u{1b}["), "colour when asked for");
    assert!(!s
        .run(&["check", "--color", "never"])
        .stdout
        .contains("\u{1b}["));
}

/// The properties SARIF 2.1.0 requires, and rule ids that are our lint codes.
fn assert_sarif_2_1_0(sarif: &serde_json::Value) {
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cargo-authcheck");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(
        ids.contains(&"unprotected-route")
            && ids.contains(&"doc-claims-auth")
            && ids.contains(&"parse-error")
    );
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id);
        assert!(r["message"]["text"].is_string());
        assert!(["error", "warning", "note", "none"].contains(&r["level"].as_str().unwrap()));
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
        assert!(r["partialFingerprints"]
            .as_object()
            .is_some_and(|o| !o.is_empty()));
    }
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let s = Scratch::new(&[("src/lib.rs", &app(""))]);
    let before: serde_json::Value =
        serde_json::from_str(&s.run(&["check", "--format", "sarif"]).stdout).unwrap();
    s.write("src/lib.rs", &format!("// a new comment\n\n{}", app("")));
    let after: serde_json::Value =
        serde_json::from_str(&s.run(&["check", "--format", "sarif"]).stdout).unwrap();
    let fp = |v: &serde_json::Value| v["runs"][0]["results"][0]["partialFingerprints"].clone();
    assert_eq!(fp(&before), fp(&after));
    assert_ne!(
        before["runs"][0]["results"][0]["locations"],
        after["runs"][0]["results"][0]["locations"]
    );
}

#[test]
fn inline_allow_needs_a_reason_and_must_suppress_something() {
    let with_reason = app("").replace(
        "pub async fn",
        "// authcheck: allow(unprotected-route) -- signed URLs authorise it\npub async fn",
    );
    let s = Scratch::new(&[("src/lib.rs", &with_reason)]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);

    let no_reason = app("").replace(
        "pub async fn",
        "// authcheck: allow(unprotected-route)\npub async fn",
    );
    s.write("src/lib.rs", &no_reason);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("warning[unused-allow]: `allow(unprotected-route)` gives no reason, so it suppresses nothing"), "{}", out.stdout);

    let useless = app("_a: RequireAuth").replace(
        "pub async fn",
        "// authcheck: allow(unprotected-route) -- legacy\npub async fn",
    );
    s.write("src/lib.rs", &useless);
    let out = s.run(&["check"]);
    assert!(
        out.stdout
            .contains("warning[unused-allow]: `allow(unprotected-route)` suppresses nothing here"),
        "{}",
        out.stdout
    );
}

#[test]
fn allowlist_and_unused_entries() {
    let s = Scratch::new(&[
        ("src/lib.rs", &app("")),
        (
            "authcheck.toml",
            "[[allow]]\nroute = \"GET /packs/*\"\nreason = \"public catalogue\"\n\n[[allow]]\nroute = \"GET /healthz\"\nreason = \"renamed long ago\"\n",
        ),
    ]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains(
            "warning[unused-allow]: the allowlist entry for route `GET /healthz` matches no route"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("authcheck.toml:5:1"), "{}", out.stdout);
    let routes = s.run(&["routes", "--format", "json"]);
    assert!(routes.stdout.contains("\"auth\": \"allowlisted\""));
}

#[test]
fn config_errors_name_file_line_and_column() {
    let s = Scratch::new(&[
        ("src/lib.rs", &app("")),
        ("authcheck.toml", "[auth]\nextractor = [\"X\"]\n"),
    ]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("authcheck.toml:2:1: unknown field `extractor`"),
        "{}",
        out.stderr
    );

    s.write("authcheck.toml", "[lints]\nunprotected-route = \"loud\"\n");
    let out = s.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("authcheck.toml:2:21: unknown level `loud`"),
        "{}",
        out.stderr
    );

    s.write("authcheck.toml", "[[allow]]\nroute = \"GET /x\"\n");
    let out = s.run(&["check"]);
    assert!(
        out.stderr
            .contains("authcheck.toml:1:1: an `[[allow]]` entry needs a `reason`"),
        "{}",
        out.stderr
    );

    let out = s.run(&["check", "--config", "missing.toml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("missing.toml:1:1: cannot read configuration"),
        "{}",
        out.stderr
    );

    // The same in `[package.metadata.authcheck]`.
    std::fs::remove_file(s.dir.path().join("authcheck.toml")).unwrap();
    s.write(
        "Cargo.toml",
        "[package]\nname = \"mini\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[package.metadata.authcheck]\nlayer = []\n",
    );
    let out = s.run(&["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("Cargo.toml:9:1: unknown field `layer`"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_input_is_a_diagnostic_not_a_panic() {
    let s = Scratch::new(&[
        (
            "src/lib.rs",
            &format!(
                "mod broken;\nmod missing;\nmod latin1;\n{}",
                app("_a: RequireAuth")
            ),
        ),
        ("src/broken.rs", "pub fn f( {\n"),
    ]);
    s.write("src/latin1.rs", "");
    std::fs::write(s.dir.path().join("src/latin1.rs"), b"pub fn caf\xe9() {}\n").unwrap();
    let out = s.run(&["check"]);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("error[parse-error]: cannot parse"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("src/broken.rs:"), "{}", out.stdout);
    assert!(out.stdout.contains("error[parse-error]: file not found for module `missing` (looked for src/missing.rs, src/missing/mod.rs)"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("error[parse-error]: file is not valid UTF-8 (byte 10)"),
        "{}",
        out.stdout
    );
    // The rest of the crate is still analysed.
    assert!(out.stdout.contains("1 route checked"), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn not_a_cargo_project_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["check"], Some(&dir.path().join("Cargo.toml")));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("Cargo.toml` does not exist"),
        "{}",
        out.stderr
    );
    std::fs::write(dir.path().join("Cargo.toml"), "this is not toml [").unwrap();
    let out = run_in(dir.path(), &["check"], Some(&dir.path().join("Cargo.toml")));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: cannot read the cargo workspace"),
        "{}",
        out.stderr
    );
}

#[test]
fn unanalyzable_router_code_fails_closed() {
    let src = format!(
        r#"{AUTH}
use axum::{{routing::get, Router}};
pub async fn h(_a: RequireAuth) {{}}
pub fn app(paths: Vec<String>) -> Router {{
    let mut app = Router::new();
    for p in paths {{
        app = app.route(&p, get(h));
    }}
    app
}}
"#
    );
    let s = Scratch::new(&[("src/lib.rs", &src)]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("error[unanalyzable-router]"),
        "{}",
        out.stdout
    );
}

#[test]
fn public_needs_a_reason() {
    let src = app("").replace("pub async fn", "#[public]\npub async fn");
    let s = Scratch::new(&[("src/lib.rs", &src)]);
    let out = s.run(&["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("note: `#[public]` without a reason does not count"),
        "{}",
        out.stdout
    );
    s.write(
        "src/lib.rs",
        &app("").replace(
            "pub async fn",
            "#[public(reason = \"catalogue is public\")]\npub async fn",
        ),
    );
    let out = s.run(&["check"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let routes = s.run(&["routes", "--format", "json"]);
    assert!(
        routes
            .stdout
            .contains("\"evidence\": \"#[public] catalogue is public\""),
        "{}",
        routes.stdout
    );
}
