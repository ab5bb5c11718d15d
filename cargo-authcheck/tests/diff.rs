//! `cargo authcheck diff REV` on a temporary git repository with two commits: routes added,
//! removed, newly unprotected (shown first, exit status 1) and newly protected, documented
//! security changes; the repository is left as it was.

mod common;

use std::process::Command;

use common::Scratch;

fn git(s: &Scratch, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(s.path())
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const BASE: &str = r#"pub struct RequireAuth(pub String);
use axum::{routing::get, Router};

pub async fn a(_auth: RequireAuth) -> &'static str { "a" }
pub async fn b() -> &'static str { "b" }
pub async fn gone(_auth: RequireAuth) -> &'static str { "gone" }
#[utoipa::path(get, path = "/c", security(("bearer_auth" = [])))]
pub async fn c(_auth: RequireAuth) -> &'static str { "c" }

pub fn app() -> Router {
    Router::new()
        .route("/a", get(a))
        .route("/b", get(b))
        .route("/gone", get(gone))
        .route("/c", get(c))
}
"#;

const CHANGED: &str = r#"pub struct RequireAuth(pub String);
use axum::{routing::get, Router};

pub async fn a() -> &'static str { "a" }
pub async fn b(_auth: RequireAuth) -> &'static str { "b" }
#[utoipa::path(get, path = "/c", security(("bearer_auth" = []), ("api_key" = [])))]
pub async fn c(_auth: RequireAuth) -> &'static str { "c" }
pub async fn added() -> &'static str { "new" }

pub fn app() -> Router {
    Router::new()
        .route("/a", get(a))
        .route("/b", get(b))
        .route("/c", get(c))
        .route("/added", get(added))
}
"#;

fn repository() -> Scratch {
    let s = Scratch::crate_with(&[("src/lib.rs", BASE)]);
    git(&s, &["init", "-q"]);
    git(&s, &["add", "."]);
    git(&s, &["commit", "-q", "-m", "base"]);
    s.write("src/lib.rs", CHANGED);
    git(&s, &["commit", "-q", "-am", "a pull request"]);
    s
}

#[test]
fn diff_shows_lost_protection_first_and_fails() {
    let s = repository();
    let before = (
        git(&s, &["status", "--porcelain"]),
        git(&s, &["worktree", "list"]),
    );

    let out = s.run(&["diff", "HEAD~1"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("authcheck diff HEAD~1 ("),
        "{}",
        out.stdout
    );
    assert!(
        lines[0].contains("1 lost protection, 1 added, 1 removed, 1 gained protection"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[2], "Lost protection: anyone can call these now:",
        "{}",
        out.stdout
    );
    assert!(
        lines[3].contains("GET /a") && lines[3].contains("extractor (RequireAuth) -> none"),
        "{}",
        lines[3]
    );

    let out = s.run(&["diff", "HEAD~1", "--format", "json"]);
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths = |key: &str| -> Vec<String> {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r = if r["after"].is_object() {
                    &r["after"]
                } else {
                    r
                };
                r["path"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(paths("lost_protection"), ["/a"]);
    assert_eq!(paths("gained_protection"), ["/b"]);
    assert_eq!(paths("removed"), ["/gone"]);
    assert_eq!(paths("added"), ["/added"]);
    assert_eq!(paths("security_changed"), ["/c"]);
    assert_eq!(
        json["security_changed"][0]["after"]["security"],
        serde_json::json!(["bearer_auth", "api_key"])
    );
    assert_eq!(json["base"]["rev"], "HEAD~1");
    assert_eq!(json["base"]["commit"].as_str().unwrap().len(), 40);

    let out = s.run(&["diff", "HEAD~1", "--format", "markdown"]);
    let lost = out.stdout.find("**Lost protection").unwrap();
    let added = out.stdout.find("#### Added").unwrap();
    assert!(lost < added, "{}", out.stdout);

    // Against HEAD the working tree is unchanged.
    let out = s.run(&["diff", "HEAD"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("no route changed"), "{}", out.stdout);

    let after = (
        git(&s, &["status", "--porcelain"]),
        git(&s, &["worktree", "list"]),
    );
    assert_eq!(before, after, "the repository is left as it was");
}

#[test]
fn diff_compares_with_uncommitted_changes_and_reports_bad_revisions() {
    let s = repository();
    // Undoing the pull request in the working tree: `/b` loses what it gained.
    s.write("src/lib.rs", BASE);
    let out = s.run(&["diff", "HEAD"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let lost = out.stdout.find("Lost protection").unwrap();
    assert!(
        out.stdout[lost..]
            .lines()
            .nth(1)
            .unwrap()
            .contains("GET /b"),
        "{}",
        out.stdout
    );
    let out = s.run(&["diff", "no-such-rev"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown revision `no-such-rev`"),
        "{}",
        out.stderr
    );
}
