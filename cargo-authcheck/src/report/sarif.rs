//! `--format sarif`: SARIF 2.1.0 with one rule per lint code, a location per finding and
//! partial fingerprints that survive unrelated edits (code, route and handler, not line numbers).

use serde_json::{json, Value};

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::RULES;
use crate::source::SourceMap;

pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.code,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.summary },
                "helpUri": format!("https://docs.rs/cargo-authcheck/latest/cargo_authcheck/#{}", r.code),
                "defaultConfiguration": { "level": match r.default {
                    crate::config::Level::Deny => "error",
                    crate::config::Level::Warn => "warning",
                    crate::config::Level::Allow => "none",
                } },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let loc = d.primary.loc;
            let rule_index = RULES.iter().position(|r| r.code == d.code).unwrap_or(0);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let fingerprint = format!("{}|{}|{}", d.code, d.route.as_deref().unwrap_or(&d.message), d.handler.as_deref().unwrap_or(""));
            json!({
                "ruleId": d.code,
                "ruleIndex": rule_index,
                "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": sources.get(loc.file).display, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": loc.line,
                            "startColumn": loc.column,
                            "endLine": loc.end_line,
                            "endColumn": loc.end_column,
                        }
                    }
                }],
                "partialFingerprints": { "authcheck/v1": fnv_hex(&fingerprint) },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cargo-authcheck",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.rs/cargo-authcheck",
                "rules": rules,
            } },
            "results": results,
        }]
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

/// A stable 64-bit FNV-1a hash, hex encoded.
fn fnv_hex(s: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
