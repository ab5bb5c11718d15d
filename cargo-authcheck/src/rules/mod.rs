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
mod inline_allow;
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

/// A lint: its code, default level, one-line summary, and check.
pub struct Rule {
    pub code: &'static str,
    pub default: Level,
    pub summary: &'static str,
    pub check: fn(&Analysis, &mut Vec<Diagnostic>),
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
    found.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            (
                sources.get(d.primary.loc.file).display.clone(),
                d.primary.loc.line,
                d.primary.loc.column,
                d.code,
                d.message.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    found.dedup();
    found
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
