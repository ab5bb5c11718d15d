//! `doc-path-mismatch` (warn): `#[utoipa::path]` method or path differs from the real route.
//!
//! ## What it does
//! Compares the documented method(s) and path (with `context_path`, parameters compared by
//! position) with the routes that register the handler.
//!
//! ## Why is this bad
//! The published spec sends clients to an endpoint that does not exist (404/405), and the real
//! endpoint is undocumented.
//!
//! ## Example
//! ```rust,ignore
//! #[utoipa::path(get, path = "/api/packs/{id}")]   // routed as PUT /api/v1/packs/{id}
//! async fn update_pack(..) { .. }
//! ```
//! Fix: write the method and path the router uses.

use std::collections::BTreeSet;

use super::Rule;
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;
use crate::router::paths::shape;

pub const RULE: Rule = Rule {
    code: "doc-path-mismatch",
    default: Level::Warn,
    summary: "#[utoipa::path] method or path differs from where the handler is routed",
    check,
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for route in &analysis.routes {
        let (Some(doc), Some(f)) = (&route.documented, route.handler_fn) else {
            continue;
        };
        if route.entry.collected || !seen.insert(f) {
            continue;
        }
        let Some(attr) = &analysis.index.fns[f.0].utoipa else {
            continue;
        };
        let Some(doc_path) = &doc.path else { continue };
        let routed: Vec<_> = analysis
            .routes
            .iter()
            .filter(|r| r.handler_fn == Some(f) && !r.entry.fallback)
            .collect();
        let doc_methods: BTreeSet<&str> = doc.methods.iter().map(String::as_str).collect();
        let matching_path: Vec<_> = routed
            .iter()
            .filter(|r| shape(&r.entry.path) == shape(doc_path))
            .collect();
        let routed_text: Vec<String> = routed
            .iter()
            .map(|r| format!("{} {}", r.entry.method, r.entry.path))
            .collect();
        let documented_text = format!("{} {doc_path}", doc.methods.join("|"));
        let problem = if matching_path.is_empty() {
            Some(format!(
                "documented path `{doc_path}` differs from the routed path"
            ))
        } else {
            let routed_methods: BTreeSet<&str> = matching_path
                .iter()
                .map(|r| r.entry.method.as_str())
                .collect();
            let missing: Vec<&str> = doc_methods
                .iter()
                .filter(|m| !routed_methods.contains(*m) && !routed_methods.contains("ANY"))
                .copied()
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "documented method `{}` is not routed at `{doc_path}`",
                    missing.join("`, `")
                )
            })
        };
        let Some(problem) = problem else { continue };
        let first = routed[0];
        let fn_name = &analysis.index.fns[f.0].name;
        let closest = matching_path.first().copied().copied().unwrap_or(first);
        let suggestion = format!(
            "`{}, path = \"{}\"`",
            closest.entry.method.to_ascii_lowercase(),
            closest.entry.path
        );
        out.push(
            Diagnostic::new(
                RULE.code,
                attr.loc,
                format!(
                    "`{fn_name}`: {problem} (documented `{documented_text}`, routed `{}`)",
                    routed_text.join("`, `")
                ),
            )
            .label("documented here")
            .secondary(
                first.entry.registered_at,
                format!(
                    "routed here as `{} {}`",
                    first.entry.method, first.entry.path
                ),
            )
            .route(
                format!("{} {}", first.entry.method, first.entry.path),
                &first.handler,
            )
            .help(format!(
                "document the route as it is registered: {suggestion}"
            )),
        );
    }
}
