//! `--format gitlab`: a GitLab Code Quality report (the CodeClimate JSON subset GitLab reads),
//! shown in merge requests when a CI job uploads it as `artifacts: reports: codequality`.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fingerprint::fingerprints;
use crate::source::SourceMap;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    categories: [&'static str; 1],
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// `uri_prefix`: the workspace root's path inside the repository (GitLab wants paths relative
/// to the repository root).
pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap, uri_prefix: &str) -> String {
    let issues: Vec<Issue> = diagnostics
        .iter()
        .zip(fingerprints(diagnostics, sources))
        .map(|(d, fingerprint)| {
            let security = matches!(
                d.code,
                "unprotected-route" | "doc-claims-auth" | "protected-without-auth"
            );
            let mut description = format!("[{}] {}", d.code, d.message);
            if let Some(help) = &d.help {
                description.push_str("; help: ");
                description.push_str(help);
            }
            Issue {
                kind: "issue",
                description,
                check_name: d.code,
                fingerprint,
                severity: match (d.severity, security) {
                    (Severity::Error, true) => "critical",
                    (Severity::Error, false) => "major",
                    (Severity::Warning, _) => "minor",
                },
                categories: [if security { "Security" } else { "Bug Risk" }],
                location: Location {
                    path: format!("{uri_prefix}{}", sources.get(d.primary.loc.file).display),
                    lines: Lines {
                        begin: d.primary.loc.line as usize,
                        end: d.primary.loc.end_line as usize,
                    },
                },
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_default();
    out.push('\n');
    out
}
