//! `unprotected-route` (error): a route anyone can call.
//!
//! ## What it does
//! Reports every served route whose handler takes no auth extractor, that no auth layer covers
//! on every path through the code, and that is neither `#[public]` nor allowlisted.
//!
//! ## Why is this bad
//! Anyone on the network can call it: create, change or delete data without an account. This
//! is the vulnerability `cargo authcheck` exists for.
//!
//! ## Example
//! ```rust,ignore
//! async fn delete_pack(State(db): State<Db>, Path(id): Path<i64>) -> StatusCode { .. }
//! Router::new().route("/packs/{id}", delete(delete_pack));
//! ```
//! Fix: take the extractor (`RequireAuth(user): RequireAuth`), mark the handler
//! `#[public(reason = "...")]`, or allowlist the route with a reason in `authcheck.toml`.

use rayon::prelude::*;

use super::{allow_snippet, route_name, Rule};
use crate::analysis::{Analysis, Route};
use crate::auth::AuthClass;
use crate::config::Level;
use crate::diagnostic::Diagnostic;
use crate::router::Target;

pub const RULE: Rule = Rule {
    code: "unprotected-route",
    default: Level::Deny,
    summary:
        "a route anyone can call: no auth extractor, no auth layer, not #[public], not allowlisted",
    check,
    source: include_str!("unprotected_route.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    // On every core: a large table has thousands of unprotected routes, and each fix reads its
    // handler's file.
    let extractor = super::extractor_name(analysis);
    let found: Vec<Diagnostic> = analysis
        .routes
        .par_iter()
        .filter(|r| r.verdict.class == AuthClass::None)
        // Unresolved handlers are reported by `unresolved-handler`.
        .filter(|r| !matches!(r.entry.target, Target::Unresolved { .. }))
        .map(|route| diagnostic(analysis, route, extractor))
        .collect();
    out.extend(found);
}

/// The finding for one unprotected route; `extractor` is the one its fix suggests.
fn diagnostic(analysis: &Analysis, route: &Route, extractor: &str) -> Diagnostic {
    let name = route_name(route);
    let what = match route.kind {
        "service" => "service".to_string(),
        "fallback" => "fallback".to_string(),
        "closure" => "closure handler".to_string(),
        _ => format!(
            "handler `{}`",
            route.handler.rsplit("::").next().unwrap_or(&route.handler)
        ),
    };
    let fix = match (route.kind, route.handler_fn) {
        ("service", _) | (_, None) => format!(
            "cover it with an auth layer, or allowlist it in authcheck.toml:\n{}",
            allow_snippet(route)
        ),
        (_, Some(f)) => {
            let fn_name = &analysis.index.fns[f.0].name;
            format!(
                "add `{extractor}(user): {extractor}` to the arguments of `{fn_name}`, or mark it `#[public(reason = \"...\")]`, or allowlist it in authcheck.toml:\n{}",
                allow_snippet(route)
            )
        }
    };
    let mut d = Diagnostic::new(
        RULE.code,
        route.defined_at,
        format!("route `{name}` can be called without authentication"),
    )
    .label(format!("{what} requires no authentication"))
    .secondary(
        route.entry.registered_at,
        format!("routed here as `{name}`"),
    )
    .route(&name, &route.handler)
    .help(fix)
    .suggest(super::extractor_fix(analysis, route));
    for miss in &route.verdict.near_misses {
        d = d.note(miss.clone());
    }
    d
}
