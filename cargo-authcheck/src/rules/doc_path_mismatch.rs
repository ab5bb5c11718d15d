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
use crate::analysis::{Analysis, Route};
use crate::config::Level;
use crate::diagnostic::{Applicability, Diagnostic, Suggestion};
use crate::index::UtoipaPath;
use crate::router::paths::shape;

pub const RULE: Rule = Rule {
    code: "doc-path-mismatch",
    default: Level::Warn,
    summary: "#[utoipa::path] method or path differs from where the handler is routed",
    check,
    source: include_str!("doc_path_mismatch.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for route in &analysis.routes {
        let (Some(doc), Some(f)) = (&route.documented, route.handler_fn) else {
            continue;
        };
        // utoipa-axum documents collected routes where they are served; an operation in no
        // document is reported by `doc-unlisted` instead.
        if route.entry.collected.is_some() || !route.listed || !seen.insert(f) {
            continue;
        }
        let Some(attr) = &analysis.index.fns[f.0].utoipa else {
            continue;
        };
        let Some(doc_path) = &doc.path else { continue };
        let routed: Vec<&Route> = analysis
            .routes
            .iter()
            .filter(|r| r.handler_fn == Some(f) && !r.entry.fallback)
            .collect();
        let matching_path: Vec<&Route> = routed
            .iter()
            .copied()
            .filter(|r| shape(&r.entry.path) == shape(doc_path))
            .collect();
        let routed_text: Vec<String> = routed
            .iter()
            .map(|r| format!("{} {}", r.entry.method, r.entry.path))
            .collect();
        let documented_text = format!("{} {doc_path}", doc.methods.join("|"));
        let (problem, fix, rewrite) = if !matching_path.is_empty() {
            let routed_methods: BTreeSet<&str> = matching_path
                .iter()
                .map(|r| r.entry.method.as_str())
                .collect();
            let missing: Vec<&str> = doc
                .methods
                .iter()
                .map(String::as_str)
                .filter(|m| !routed_methods.contains(m) && !routed_methods.contains("ANY"))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let methods: Vec<String> = routed_methods
                .iter()
                .map(|m| m.to_ascii_lowercase())
                .collect();
            let method_arg = if methods.len() == 1 {
                methods[0].clone()
            } else {
                format!("method({})", methods.join(", "))
            };
            (
                format!(
                    "documented method `{}` is not routed at `{doc_path}`",
                    missing.join("`, `")
                ),
                attribute_args(
                    &method_arg,
                    attr.path.as_deref().unwrap_or(doc_path),
                    attr.context_path.as_deref(),
                ),
                (
                    method_arg.clone(),
                    attr.path.clone().unwrap_or(doc_path.clone()),
                    attr.context_path.clone(),
                ),
            )
        } else {
            let (path, context) = path_fix(attr, &routed[0].entry.path);
            let method = routed[0].entry.method.to_ascii_lowercase();
            (
                format!("documented path `{doc_path}` differs from the routed path"),
                attribute_args(&method, &path, context.as_deref()),
                (method, path, context),
            )
        };
        let (method, path, context) = rewrite;
        // Routed at several paths, or with `any`: which one to document is a person's choice.
        let one_path = routed.iter().all(|r| r.entry.path == routed[0].entry.path);
        let suggestion = (!method.contains("any")).then(|| Suggestion {
            message: format!(
                "document the route as registered: {}",
                attribute_args(&method, &path, context.as_deref())
            ),
            edits: crate::fix::openapi::set_route(
                &analysis.index.sources,
                attr.loc.file,
                attr,
                &method,
                &path,
                context.as_deref(),
            ),
            applicability: if one_path {
                Applicability::MachineApplicable
            } else {
                Applicability::MaybeIncorrect
            },
        });
        let first = routed[0];
        let fn_name = &analysis.index.fns[f.0].name;
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
            .help(format!("document the route as it is registered: {fix}"))
            .suggest(suggestion),
        );
    }
}

/// The attribute arguments that document `routed`: the path, and `context_path` when it
/// still fits (keeping the annotation's own parameter names where its path was right).
fn path_fix(attr: &UtoipaPath, routed: &str) -> (String, Option<String>) {
    let own = attr.path.as_deref().map(crate::router::paths::normalize);
    match (&attr.context_path, own) {
        (Some(_), Some(own))
            if routed.len() > own.len()
                && shape(&routed[routed.len() - own.len()..]) == shape(&own) =>
        {
            (
                own.clone(),
                Some(routed[..routed.len() - own.len()].to_string()),
            )
        }
        (Some(context), _)
            if routed.starts_with(context.trim_end_matches('/'))
                && routed.len() > context.trim_end_matches('/').len() =>
        {
            (
                routed[context.trim_end_matches('/').len()..].to_string(),
                Some(context.clone()),
            )
        }
        _ => (routed.to_string(), None),
    }
}

/// `` `get, path = "/x", context_path = "/api"` ``
fn attribute_args(method: &str, path: &str, context: Option<&str>) -> String {
    match context {
        Some(c) => format!("`{method}, path = \"{path}\", context_path = \"{c}\"`"),
        None => format!("`{method}, path = \"{path}\"`"),
    }
}
