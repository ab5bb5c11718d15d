//! `doc-unlisted` (warn): routed and annotated, but missing from every published document.
//!
//! ## What it does
//! Reports routed handlers with `#[utoipa::path]` that no `#[openapi(paths(..))]` lists (directly
//! or through `nest(..)`) and that utoipa-axum's `routes!` does not collect.
//!
//! ## Why is this bad
//! The annotation suggests the operation is documented, yet the published spec lacks it:
//! clients and gateways do not know the endpoint exists or what it requires.
//!
//! ## Example
//! ```rust,ignore
//! #[derive(OpenApi)]
//! #[openapi(paths(list_packs))]      // get_pack is missing
//! struct ApiDoc;
//! ```
//! Fix: add the handler to `paths(...)`.

use std::collections::BTreeSet;

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "doc-unlisted",
    default: Level::Warn,
    summary: "routed and annotated, but in no #[openapi(paths(..))] and not collected by routes!",
    check,
    source: include_str!("doc_unlisted.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    for route in &analysis.routes {
        let Some(f) = route.handler_fn else { continue };
        let Some(attr) = &analysis.index.fns[f.0].utoipa else {
            continue;
        };
        if route.listed
            || analysis
                .routes
                .iter()
                .any(|r| r.handler_fn == Some(f) && r.listed)
            || !seen.insert(f)
        {
            continue;
        }
        let name = route_name(route);
        let fn_name = &analysis.index.fns[f.0].name;
        let fix = if analysis.table.docs.is_empty() {
            let doc = analysis
                .index
                .openapi_docs
                .first()
                .map_or("the `#[openapi]` document".to_string(), |(_, d)| {
                    format!("`{}`", d.name)
                });
            format!("add `{fn_name}` to `paths(...)` of {doc}")
        } else {
            format!("register it on the `OpenApiRouter` with `.routes(routes!({fn_name}))` instead of `.route(..)`, or add it to `paths(...)` of the document")
        };
        out.push(
            Diagnostic::new(
                RULE.code,
                attr.loc,
                format!(
                    "route `{name}` is annotated but missing from the published OpenAPI document"
                ),
            )
            .label("annotated operation")
            .secondary(
                route.entry.registered_at,
                format!("routed here as `{name}`"),
            )
            .route(&name, &route.handler)
            .help(fix),
        );
    }
}
