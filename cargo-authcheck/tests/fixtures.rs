//! Runs the real binary on every fixture crate of `fixtures/` and compares its output with the
//! expected files beside the fixture: `expected/routes.json` (`routes --format json`),
//! `expected/check.stderr` (human diagnostics, no colour) and `expected/check.json`.
//!
//! `AUTHCHECK_BLESS=1 cargo test -p cargo-authcheck --test fixtures` rewrites the expected files;
//! review the diff before committing it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .canonicalize()
        .expect("fixtures/ exists")
}

/// Each fixture with the manifest the tool is pointed at.
fn fixtures() -> Vec<(String, PathBuf)> {
    let root = fixtures_dir();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("expected").is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        // A multi-member fixture names the member to check in `expected/manifest`.
        let manifest = match std::fs::read_to_string(dir.join("expected/manifest")) {
            Ok(rel) => dir.join(rel.trim()),
            Err(_) => dir.join("Cargo.toml"),
        };
        out.push((name, manifest));
    }
    out.sort();
    assert!(
        out.len() >= 10,
        "expected the fixture families, found {}",
        out.len()
    );
    out
}

fn run(args: &[&str], manifest: &Path) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.is_empty() || output.status.code() != Some(2),
        "tool error on {}: {stderr}",
        manifest.display()
    );
    (
        String::from_utf8(output.stdout).expect("utf-8 output"),
        output.status.code().unwrap_or(-1),
    )
}

fn compare(name: &str, file: &Path, actual: &str, mismatches: &mut Vec<String>) {
    if std::env::var_os("AUTHCHECK_BLESS").is_some() {
        std::fs::write(file, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(file).unwrap_or_default();
    if expected != actual {
        let diff: Vec<String> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(5)
            .map(|(i, (e, a))| {
                format!(
                    "    line {}:\n      expected: {e}\n      actual:   {a}",
                    i + 1
                )
            })
            .collect();
        mismatches.push(format!(
            "{name}: {} differs ({} vs {} lines)\n{}",
            file.file_name().unwrap().to_string_lossy(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        ));
    }
}

#[test]
fn every_fixture_matches_its_expected_output() {
    let mut mismatches = Vec::new();
    for (name, manifest) in fixtures() {
        let expected = fixtures_dir().join(&name).join("expected");
        let (routes, code) = run(&["routes", "--format", "json"], &manifest);
        assert_eq!(code, 0, "{name}: routes exits 0");
        compare(
            &name,
            &expected.join("routes.json"),
            &routes,
            &mut mismatches,
        );

        let (human, human_code) = run(&["check", "--color", "never"], &manifest);
        compare(
            &name,
            &expected.join("check.stderr"),
            &human,
            &mut mismatches,
        );
        let (json, json_code) = run(&["check", "--format", "json"], &manifest);
        compare(&name, &expected.join("check.json"), &json, &mut mismatches);
        assert_eq!(
            human_code, json_code,
            "{name}: the exit status does not depend on the format"
        );
        let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
        let errors = summary["summary"]["errors"].as_u64().unwrap();
        assert_eq!(
            json_code,
            i32::from(errors > 0),
            "{name}: exit 1 exactly when there are errors"
        );
    }
    assert!(
        mismatches.is_empty(),
        "fixture output changed:\n{}",
        mismatches.join("\n")
    );
}
