//! The lint rules: one file per rule, each a [`Rule`] with its code, default level and a
//! `check` that reads the [`Analysis`] and pushes [`Diagnostic`]s. [`RULES`] registers them all.
//!
//! Levels (`[lints]`, `-D/-W/-A`, `--deny-warnings`) and inline
//! `// authcheck: allow(CODE) -- reason` comments are applied here, after the rules ran.

mod doc_claims_auth;
mod doc_omits_auth;
mod doc_path_mismatch;
mod doc_scheme_mismatch;
mod doc_unlisted;
mod doc_unrouted;
pub(crate) mod inline_allow;
mod parse_error;
mod protected_without_auth;
mod public_with_auth;
mod unanalyzable_router;
mod unprotected_route;
mod unresolved_handler;
mod unused_allow;

use std::collections::BTreeMap;

use crate::analysis::{Analysis, Route};
use crate::config::Level;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

/// A lint: its code, default level, one-line summary, check, and the text of its file (whose
/// `//!` comment is its documentation).
pub struct Rule {
    pub code: &'static str,
    pub default: Level,
    pub summary: &'static str,
    pub check: fn(&Analysis, &mut Vec<Diagnostic>),
    pub source: &'static str,
}

impl Rule {
    /// The rule's documentation (its file's `//!` comment) as markdown: a title line, then
    /// *What it does*, *Why is this bad* and *Example*.
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.source.lines() {
            let Some(doc) = line.strip_prefix("//!") else {
                if !out.is_empty() {
                    break;
                }
                continue;
            };
            let doc = doc.strip_prefix(' ').unwrap_or(doc);
            out.push_str(if doc == "```rust,ignore" {
                "```rust"
            } else {
                doc
            });
            out.push('\n');
        }
        out
    }

    /// One section of the documentation (`What it does`), without its heading.
    pub fn section(&self, heading: &str) -> String {
        let doc = self.documentation();
        let marker = format!("## {heading}\n");
        let Some(start) = doc.find(&marker) else {
            return String::new();
        };
        let rest = &doc[start + marker.len()..];
        let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
        rest[..end].trim().to_string()
    }

    /// The rule's name for people and SARIF (`UnprotectedRoute` for `unprotected-route`).
    pub fn name(&self) -> String {
        self.code
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// The rule with this code.
pub fn find(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// Every rule, in catalog order.
pub const RULES: &[Rule] = &[
    unprotected_route::RULE,
    doc_claims_auth::RULE,
    doc_omits_auth::RULE,
    doc_scheme_mismatch::RULE,
    doc_path_mismatch::RULE,
    doc_unrouted::RULE,
    doc_unlisted::RULE,
    public_with_auth::RULE,
    protected_without_auth::RULE,
    unused_allow::RULE,
    unresolved_handler::RULE,
    unanalyzable_router::RULE,
    parse_error::RULE,
];

/// The codes of every rule.
pub fn codes() -> Vec<&'static str> {
    RULES.iter().map(|r| r.code).collect()
}

/// Lint levels from the command line, applied in order after the configuration.
#[derive(Clone, Debug, Default)]
pub struct LevelOverrides {
    /// (code, level) in command-line order.
    pub levels: Vec<(String, Level)>,
    pub deny_warnings: bool,
}

/// Runs every rule and applies levels and inline allows; the result is sorted.
pub fn check(analysis: &Analysis, overrides: &LevelOverrides) -> Vec<Diagnostic> {
    let mut levels: BTreeMap<&str, Level> = RULES.iter().map(|r| (r.code, r.default)).collect();
    for (code, level) in &analysis.config.lints {
        if let Some(l) = levels.get_mut(code.as_str()) {
            *l = *level;
        }
    }
    for (code, level) in &overrides.levels {
        if let Some(l) = levels.get_mut(code.as_str()) {
            *l = *level;
        }
    }
    let mut found = Vec::new();
    for rule in RULES {
        if levels[rule.code] != Level::Allow {
            (rule.check)(analysis, &mut found);
        }
    }
    let mut found = inline_allow::apply(analysis, found);
    found.retain(|d| levels[d.code] != Level::Allow);
    for d in &mut found {
        d.severity = match levels[d.code] {
            Level::Warn if !overrides.deny_warnings => Severity::Warning,
            _ => Severity::Error,
        };
    }
    let sources = &analysis.index.sources;
    found.sort_by(|a, b| sort_key(sources, a).cmp(&sort_key(sources, b)));
    found.dedup();
    found
}

/// Findings are listed by file, line, column, rule and message.
fn sort_key<'a>(
    sources: &'a SourceMap,
    d: &'a Diagnostic,
) -> (&'a str, u32, u32, &'a str, &'a str) {
    (
        &sources.get(d.primary.loc.file).display,
        d.primary.loc.line,
        d.primary.loc.column,
        d.code,
        &d.message,
    )
}

/// The extractor to suggest in fixes: the first configured one, as a bare name.
pub fn extractor_name(analysis: &Analysis) -> &str {
    analysis
        .config
        .extractors
        .first()
        .and_then(|e| e.value.rsplit("::").next())
        .unwrap_or("RequireAuth")
}

/// The configured extractor a fix adds to a route's handler: the first configured one that
/// satisfies a documented scheme (per `[openapi] schemes`), else the first configured one.
pub fn extractor_for<'a>(analysis: &'a Analysis, route: &Route) -> &'a str {
    let config = &analysis.config;
    let documented = route
        .documented
        .as_ref()
        .and_then(|d| d.security.as_ref())
        .into_iter()
        .flatten()
        .filter(|alt| alt.len() == 1)
        .flatten();
    for scheme in documented {
        let satisfying = config.schemes.get(scheme).into_iter().flatten();
        for provider in satisfying {
            if let Some(e) = config.extractors.iter().find(|e| e.value == provider.value) {
                return &e.value;
            }
        }
    }
    config
        .extractors
        .first()
        .map_or("RequireAuth", |e| e.value.as_str())
}

/// The fix that makes a route's handler take an auth extractor (None for closures, services,
/// and routes meant to be open: `#[public]` or allowlisted).
pub fn extractor_fix(analysis: &Analysis, route: &Route) -> Option<crate::diagnostic::Suggestion> {
    let f = route.handler_fn?;
    let meant_open = matches!(
        route.verdict.class,
        crate::auth::AuthClass::Public | crate::auth::AuthClass::Allowlisted
    );
    if meant_open || route.kind == "closure" || route.kind == "service" {
        return None;
    }
    crate::fix::extractor::add_extractor(analysis, f, extractor_for(analysis, route))
}

/// `GET /path` of a route.
pub fn route_name(route: &Route) -> String {
    format!("{} {}", route.entry.method, route.entry.path)
}

/// The `[[allow]]` lines that would allowlist a route.
pub fn allow_snippet(route: &Route) -> String {
    let method = if route.entry.method == "ANY" {
        "*"
    } else {
        &route.entry.method
    };
    format!(
        "[[allow]]\nroute = \"{method} {}\"\nreason = \"...\"",
        route.entry.path
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_is_registered_and_documented() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
        )
        .unwrap_or_default();
        for file in std::fs::read_dir(&dir).unwrap() {
            let name = file
                .unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if name == "mod" || name == "inline_allow" {
                continue;
            }
            let code = name.replace('_', "-");
            assert!(
                codes().contains(&code.as_str()),
                "rules/{name}.rs is not registered in RULES"
            );
            let text = std::fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
            for section in ["## What it does", "## Why is this bad", "## Example"] {
                assert!(
                    text.contains(section),
                    "rules/{name}.rs has no `{section}` section"
                );
            }
            assert!(
                readme.contains(&format!("`{code}`")),
                "README.md does not document `{code}`"
            );
        }
        assert_eq!(
            RULES.len(),
            std::fs::read_dir(&dir).unwrap().count() - 2,
            "a registered rule has no file"
        );
    }
}
