//! The outputs other tools read: cargo's JSON messages (as `cargo_metadata` parses them, the way
//! rust-analyzer does), SARIF (structure; the Multitool when it is installed), GitLab code
//! quality, and `explain`.

mod common;

use common::{fixtures_dir, run};

fn fixture_manifest(name: &str) -> String {
    fixtures_dir()
        .join(name)
        .join("Cargo.toml")
        .display()
        .to_string()
}

/// `check ARGS --manifest-path` of a fixture.
fn check(fixture: &str, args: &[&str]) -> common::Output {
    let manifest = fixture_manifest(fixture);
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend(["--manifest-path", manifest.as_str()]);
    run(&fixtures_dir(), &all)
}

#[test]
fn message_format_json_is_cargos_stream() {
    let out = check("doc_security", &["--message-format", "json"]);
    assert_eq!(out.code, 1);
    let expected = common::diagnostics(&check("doc_security", &["--format", "json"]).stdout);

    let mut messages = Vec::new();
    let mut finished = None;
    for line in out.stdout.lines() {
        match serde_json::from_str::<cargo_metadata::Message>(line).unwrap() {
            cargo_metadata::Message::CompilerMessage(m) => messages.push(m),
            cargo_metadata::Message::BuildFinished(f) => finished = Some(f.success),
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert_eq!(finished, Some(false), "the last line says the check failed");
    assert_eq!(messages.len(), expected.len());
    for (m, e) in messages.iter().zip(&expected) {
        assert_eq!(m.target.name, "fx_doc_security");
        assert!(
            m.package_id.repr.contains("doc_security"),
            "{}",
            m.package_id
        );
        let d = &m.message;
        assert_eq!(d.message, e["message"].as_str().unwrap());
        assert_eq!(d.code.as_ref().unwrap().code, e["code"].as_str().unwrap());
        let explanation = d.code.as_ref().unwrap().explanation.as_deref().unwrap();
        assert!(explanation.contains("## Why is this bad"), "{explanation}");
        let level = format!("{:?}", d.level).to_lowercase();
        assert_eq!(level, e["severity"].as_str().unwrap());
        let primary = d.spans.iter().find(|s| s.is_primary).unwrap();
        assert_eq!(primary.file_name, e["file"].as_str().unwrap());
        assert_eq!(primary.line_start as u64, e["line"].as_u64().unwrap());
        assert_eq!(primary.column_start as u64, e["column"].as_u64().unwrap());
        // Byte offsets point at the same text as line/column.
        let text = std::fs::read_to_string(fixtures_dir().join(&primary.file_name)).unwrap();
        let spanned = &text[primary.byte_start as usize..primary.byte_end as usize];
        let line = &primary.text[0];
        let highlighted: String = line
            .text
            .chars()
            .skip(line.highlight_start - 1)
            .take(line.highlight_end - line.highlight_start)
            .collect();
        assert!(
            spanned.starts_with(&highlighted),
            "{spanned:?} vs {highlighted:?}"
        );
        assert!(d
            .rendered
            .as_deref()
            .unwrap()
            .contains(&format!("[{}]", e["code"].as_str().unwrap())));
    }
    // The unprotected handlers carry their fix as a machine-applicable replacement.
    let unprotected = messages
        .iter()
        .find(|m| m.message.code.as_ref().unwrap().code == "unprotected-route")
        .unwrap();
    let fix = unprotected
        .message
        .children
        .iter()
        .flat_map(|c| &c.spans)
        .find(|s| s.suggested_replacement.is_some())
        .expect("a suggested replacement");
    assert!(fix
        .suggested_replacement
        .as_deref()
        .unwrap()
        .contains("_auth: RequireAuth"));
    assert_eq!(
        fix.suggestion_applicability,
        Some(cargo_metadata::diagnostic::Applicability::MachineApplicable)
    );
}

#[test]
fn message_format_on_a_clean_crate_is_one_finished_line() {
    let out = check("doc_security_truthful", &["--message-format", "json"]);
    assert_eq!(out.code, 0);
    assert_eq!(
        out.stdout,
        "{\"reason\":\"build-finished\",\"success\":true}\n"
    );
}

#[test]
fn sarif_names_and_documents_every_rule() {
    let out = check("doc_security", &["--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let run0 = &sarif["runs"][0];
    for rule in run0["tool"]["driver"]["rules"].as_array().unwrap() {
        assert_ne!(
            rule["name"], rule["id"],
            "SARIF1001: name must differ from id"
        );
        assert!(rule["help"]["text"]
            .as_str()
            .unwrap()
            .contains("## Example"));
        assert!(rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .ends_with('.'));
    }
    let unprotected = &run0["tool"]["driver"]["rules"][0];
    assert_eq!(unprotected["id"], "unprotected-route");
    assert_eq!(unprotected["name"], "UnprotectedRoute");
    assert_eq!(unprotected["properties"]["security-severity"], "8.8");
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(r["partialFingerprints"]["authcheck/v1"].is_string());
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        // Relative to the repository root, as code scanning expects.
        assert!(uri.starts_with("fixtures/doc_security/src/"), "{uri}");
    }
    assert!(results.iter().any(|r| r["fixes"].is_array()));
}

/// Microsoft's SARIF Multitool, when installed (`.ci/run` installs it and sets
/// `SARIF_MULTITOOL`): no error and no warning, GitHub's rules included.
#[test]
fn sarif_passes_the_multitool_when_it_is_installed() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        eprintln!("skipped: SARIF_MULTITOOL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for fixture in ["doc_security", "doc_paths", "original_vulnerability"] {
        let out = check(fixture, &["--format", "sarif"]);
        let file = dir.path().join(format!("{fixture}.sarif"));
        std::fs::write(&file, out.stdout).unwrap();
        let validated = std::process::Command::new(&tool)
            .args([
                "validate",
                "--rule-kind",
                "Gh;Sarif",
                "--level",
                "Error;Warning",
            ])
            .arg(&file)
            .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&validated.stdout);
        let problems: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(": error ") || l.contains(": warning "))
            .collect();
        assert!(problems.is_empty(), "{fixture}: {problems:#?}");
        assert!(validated.status.success(), "{fixture}: {text}");
    }
}

#[test]
fn gitlab_code_quality_report() {
    let out = check("original_vulnerability", &["--format", "gitlab"]);
    assert_eq!(out.code, 1);
    let issues: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(issues.len(), 10);
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.dedup();
    assert_eq!(prints.len(), 10, "fingerprints are unique");
    let first = &issues[0];
    assert_eq!(first["type"], "issue");
    assert!(["critical", "major", "minor"].contains(&first["severity"].as_str().unwrap()));
    assert!(first["location"]["path"]
        .as_str()
        .unwrap()
        .starts_with("fixtures/original_vulnerability/src/"));
    assert!(first["location"]["lines"]["begin"].as_u64().unwrap() > 0);
}

#[test]
fn explain_prints_the_rule_documentation() {
    let out = run(&fixtures_dir(), &["explain", "doc-claims-auth"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.starts_with("`doc-claims-auth` (error)"),
        "{}",
        out.stdout
    );
    for section in [
        "## What it does",
        "## Why is this bad",
        "## Example",
        "```rust",
    ] {
        assert!(out.stdout.contains(section), "{section}: {}", out.stdout);
    }
    let out = run(&fixtures_dir(), &["explain", "no-such-lint"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown lint `no-such-lint`"));
    assert!(
        out.stderr.contains("unprotected-route"),
        "the known codes are listed"
    );
}
