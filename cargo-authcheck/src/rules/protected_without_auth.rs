//! `protected-without-auth` (error): `#[protected]`, yet anyone can call the route.
//!
//! ## What it does
//! Reports routes whose handler carries `#[protected]` while the analysis finds no auth
//! extractor and no auth layer covering it.
//!
//! ## Why is this bad
//! The attribute promises protection to every reader. The `authcheck-macros` crate enforces it at
//! compile time for extractors it knows; this rule catches what the macro cannot see (aliases it
//! was told about that are not extractors, handlers routed without the layer they relied on).
//!
//! ## Example
//! ```rust,ignore
//! #[protected]
//! async fn list_keys(auth: Option<RequireAuth>) -> Json<Vec<Key>> { .. }
//! ```
//! Fix: take the extractor by value, or cover the route with the auth layer.

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "protected-without-auth",
    default: Level::Deny,
    summary: "#[protected], yet the route is not protected",
    check,
    source: include_str!("protected_without_auth.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for route in analysis
        .routes
        .iter()
        .filter(|r| !r.verdict.class.is_protected())
    {
        let Some(f) = route.handler_fn else { continue };
        let Some(at) = analysis.index.fns[f.0].intent().protected else {
            continue;
        };
        let name = route_name(route);
        let mut d = Diagnostic::new(RULE.code, at, format!("route `{name}` is `#[protected]` but can be called without authentication"))
            .label("protection promised here")
            .secondary(route.defined_at, "no auth extractor in this handler")
            .secondary(route.entry.registered_at, format!("routed here as `{name}`"))
            .route(&name, &route.handler)
            .help("take the auth extractor by value (`RequireAuth(user): RequireAuth`), or cover the route with an auth layer")
            .suggest(super::extractor_fix(analysis, route));
        for miss in &route.verdict.near_misses {
            d = d.note(miss.clone());
        }
        out.push(d);
    }
}
