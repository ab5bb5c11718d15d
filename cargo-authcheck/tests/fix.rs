//! `--fix` round trips on copies of fixtures that compile: the fix removes the findings it is
//! for, the crate still compiles, and a second `--fix` changes nothing. Also the adoption path
//! of a legacy crate: baseline, a new unprotected route fails alone, `--fix` cleans the rest.

mod common;

use std::collections::BTreeSet;

use common::{cargo_check, diagnostics, field, fixture_copy, snapshot, Scratch};

/// `(code, message)` of every finding with a machine-applicable fix, from the cargo JSON stream.
fn fixable(s: &Scratch, manifest: &str) -> BTreeSet<(String, String)> {
    let out = s.run(&[
        "check",
        "--message-format",
        "json",
        "--manifest-path",
        manifest,
    ]);
    let mut found = BTreeSet::new();
    for line in out.stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(line).unwrap();
        if value["reason"] != "compiler-message" {
            continue;
        }
        let message = &value["message"];
        let machine = message["children"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["spans"].as_array().unwrap())
            .any(|span| span["suggestion_applicability"] == "MachineApplicable");
        if machine {
            found.insert((
                message["code"]["code"].as_str().unwrap().to_string(),
                message["message"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

/// `(code, message)` of every finding.
fn findings(s: &Scratch, manifest: &str) -> BTreeSet<(String, String)> {
    let out = s.run(&["check", "--format", "json", "--manifest-path", manifest]);
    diagnostics(&out.stdout)
        .iter()
        .map(|d| (field(d, "code"), field(d, "message")))
        .collect()
}

fn round_trip(fixture: &str, expected_codes: &[&str]) {
    let s = fixture_copy(fixture);
    let manifest = format!("{fixture}/Cargo.toml");
    cargo_check(s.path()).unwrap_or_else(|e| panic!("{fixture} compiles before the fix: {e}"));
    let fixable = fixable(&s, &manifest);
    let codes: BTreeSet<&str> = fixable.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        codes,
        expected_codes.iter().copied().collect(),
        "{fixture}: fixable findings {fixable:#?}"
    );
    let before = findings(&s, &manifest);

    let dry = s.run(&["check", "--fix", "--dry-run", "--manifest-path", &manifest]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    assert!(
        dry.stdout.contains("--- a/"),
        "a unified diff: {}",
        dry.stdout
    );
    let untouched = snapshot(s.path());

    let fixed = s.run(&["check", "--fix", "--manifest-path", &manifest]);
    assert!(fixed.code != 2, "{}", fixed.stderr);
    assert!(
        fixed
            .stderr
            .contains(&format!("fixed {} finding", fixable.len())),
        "{}",
        fixed.stderr
    );
    let after = findings(&s, &manifest);
    for f in &fixable {
        assert!(
            !after.contains(f),
            "{fixture}: still reported after --fix: {f:?}"
        );
    }
    assert!(
        after.is_subset(&before),
        "{fixture}: --fix introduced findings: {:#?}",
        after.difference(&before).collect::<Vec<_>>()
    );
    assert_ne!(snapshot(s.path()), untouched, "the files changed");
    // The dry run showed exactly what was then written.
    let changed = snapshot(s.path());
    for ((path, old), (_, new)) in untouched.iter().zip(&changed) {
        if old != new {
            let display = path.strip_prefix(s.path()).unwrap().display().to_string();
            assert!(
                dry.stdout.contains(&format!("+++ b/{display}")),
                "{display}"
            );
        }
    }
    cargo_check(s.path()).unwrap_or_else(|e| panic!("{fixture} compiles after the fix: {e}"));

    let again = s.run(&["check", "--fix", "--manifest-path", &manifest]);
    assert!(
        again.stderr.contains("fixed 0 findings in 0 files"),
        "{}",
        again.stderr
    );
    assert_eq!(
        snapshot(s.path()),
        changed,
        "a second --fix changes nothing"
    );
}

#[test]
fn fix_adds_the_extractor_and_its_import() {
    round_trip(
        "original_vulnerability",
        &["doc-claims-auth", "unprotected-route"],
    );
}

#[test]
fn fix_adds_the_extractor_where_it_is_in_scope() {
    round_trip("doc_security", &["doc-claims-auth", "unprotected-route"]);
}

#[test]
fn fix_rewrites_documented_routes() {
    round_trip("doc_paths", &["doc-omits-auth", "doc-path-mismatch"]);
}

#[test]
fn fix_rewrites_documented_security() {
    round_trip("doc_schemes", &["doc-scheme-mismatch"]);
}

/// The "done when": a legacy crate adopts the tool with a baseline, a new unprotected
/// route fails alone, `--fix` cleans up the rest and the crate still builds.
#[test]
fn adoption_with_baseline_then_fix() {
    let s = fixture_copy("original_vulnerability");
    let manifest = "original_vulnerability/Cargo.toml";
    let baseline = s.path().join("authcheck-baseline.json");
    let baseline = baseline.to_str().unwrap();
    let out = s.run(&[
        "check",
        "--manifest-path",
        manifest,
        "--write-baseline",
        baseline,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = s.run(&["check", "--manifest-path", manifest, "--baseline", baseline]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // A pull request adds a route nobody protected.
    let lib = "original_vulnerability/src/lib.rs";
    let text = s.read(lib).replace(
        "        .with_state(Arc::new(AppState::default()))",
        "        .route(\"/api/v1/packs/{pack_ref}/export\", get(packs::export_pack))\n        .with_state(Arc::new(AppState::default()))",
    );
    s.write(lib, &text);
    let packs = "original_vulnerability/src/packs.rs";
    let mut text = s.read(packs);
    text.push_str("\npub async fn export_pack(Path(pack_ref): Path<String>) -> Json<String> {\n    Json(pack_ref)\n}\n");
    s.write(packs, &text);

    let out = s.run(&[
        "check",
        "--format",
        "json",
        "--manifest-path",
        manifest,
        "--baseline",
        baseline,
    ]);
    assert_eq!(out.code, 1);
    let new = diagnostics(&out.stdout);
    assert_eq!(new.len(), 1, "only the new route fails: {new:#?}");
    assert_eq!(new[0]["code"], "unprotected-route");
    assert_eq!(new[0]["route"], "GET /api/v1/packs/{pack_ref}/export");

    let out = s.run(&["check", "--fix", "--manifest-path", manifest]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("0 errors, 0 warnings"),
        "{}",
        out.stdout
    );
    cargo_check(s.path()).unwrap();
    // The baseline's entries are all fixed now: reported as stale, nothing fails.
    let out = s.run(&["check", "--manifest-path", manifest, "--baseline", baseline]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("baseline entry matches no finding"),
        "{}",
        out.stderr
    );
}
