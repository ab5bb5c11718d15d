//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. One rule per
//! lint code (`id` the code, `name` its CamelCase form, descriptions and `help` from the rule's
//! documentation, GitHub's `security-severity` for the lints that mean "anyone can call it"), one
//! result per finding with related locations, a fingerprint that survives unrelated edits, and
//! the machine-applicable fix as SARIF `fixes`. Accepted by Microsoft's SARIF Multitool
//! (`validate --rule-kind "Gh;Sarif"`) without an error or a warning.

use serde_json::{json, Value};

use crate::config::Level;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::fingerprint::fingerprints;
use crate::rules::{Rule, RULES};
use crate::source::SourceMap;

/// `uri_prefix` is the workspace root's path inside the repository (`""`, or `"backend/"`), so
/// that artifact URIs are relative to the repository root as code scanning expects.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, uri_prefix: &str) -> String {
    let rules: Vec<Value> = RULES.iter().map(rule).collect();
    let prints = fingerprints(diagnostics, sources);
    let uri = |file| format!("{uri_prefix}{}", sources.get(file).display);
    let results: Vec<Value> = diagnostics
        .iter()
        .zip(prints)
        .map(|(d, print)| {
            let rule_index = RULES.iter().position(|r| r.code == d.code).unwrap_or(0);
            let mut message = d.message.clone();
            for note in &d.notes {
                message.push_str("\nnote: ");
                message.push_str(note);
            }
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let related: Vec<Value> = d
                .secondary
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    json!({
                        "id": i + 1,
                        "physicalLocation": {
                            "artifactLocation": { "uri": uri(l.loc.file), "uriBaseId": "%SRCROOT%" },
                            "region": region(l.loc),
                        },
                        "message": { "text": l.text },
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": rule_index,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(d.primary.loc.file), "uriBaseId": "%SRCROOT%" },
                        "region": region(d.primary.loc),
                    }
                }],
                "partialFingerprints": { "authcheck/v1": print },
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            if let Some(s) = d
                .suggestion
                .as_ref()
                .filter(|s| s.applicability == Applicability::MachineApplicable)
            {
                let mut files: Vec<_> = s.edits.iter().map(|e| e.file).collect();
                files.dedup();
                let changes: Vec<Value> = files
                    .iter()
                    .map(|&file| {
                        let replacements: Vec<Value> = s
                            .edits
                            .iter()
                            .filter(|e| e.file == file)
                            .map(|e| {
                                json!({
                                    "deletedRegion": { "byteOffset": e.start, "byteLength": e.end - e.start },
                                    "insertedContent": { "text": e.replacement },
                                })
                            })
                            .collect();
                        json!({
                            "artifactLocation": { "uri": uri(file), "uriBaseId": "%SRCROOT%" },
                            "replacements": replacements,
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": s.message },
                    "artifactChanges": changes,
                }]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-authcheck",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": information_uri(),
                "rules": rules,
            } },
            "results": results,
            "columnKind": "unicodeCodePoints",
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// Where to learn about the tool: the package's homepage or repository when its manifest names
/// one, else its documentation on docs.rs.
fn information_uri() -> &'static str {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
        .unwrap_or("https://docs.rs/cargo-authcheck")
}

fn region(loc: crate::source::Loc) -> Value {
    json!({
        "startLine": loc.line,
        "startColumn": loc.column,
        "endLine": loc.end_line,
        "endColumn": loc.end_column,
    })
}

/// The lints whose findings mean an anonymous caller reaches the handler.
const SECURITY: &[&str] = &[
    "unprotected-route",
    "doc-claims-auth",
    "protected-without-auth",
];

fn rule(r: &Rule) -> Value {
    let documentation = r.documentation();
    let what = r.section("What it does");
    let mut properties = json!({ "precision": "high" });
    if SECURITY.contains(&r.code) {
        // CWE-306: missing authentication for critical function. 8.8 is "high" on GitHub.
        properties["tags"] = json!(["security", "external/cwe/cwe-306"]);
        properties["security-severity"] = json!("8.8");
    } else if r.code.starts_with("doc-") {
        properties["tags"] = json!(["documentation", "openapi"]);
    } else {
        properties["tags"] = json!(["correctness"]);
    }
    json!({
        "id": r.code,
        "name": r.name(),
        "shortDescription": { "text": sentence(r.summary) },
        "fullDescription": { "text": sentence(&what.replace('\n', " ")) },
        "help": { "text": documentation, "markdown": documentation },
        "defaultConfiguration": { "level": match r.default {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "none",
        } },
        "properties": properties,
    })
}

/// SARIF descriptions are sentences (the Multitool wants the final period).
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.ends_with('.') {
        text.to_string()
    } else {
        format!("{text}.")
    }
}
