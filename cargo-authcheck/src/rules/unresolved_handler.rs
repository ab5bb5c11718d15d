//! `unresolved-handler` (error): a handler expression that resolves to no definition.
//!
//! ## What it does
//! Reports handlers the analysis cannot find: a path to a fn outside the analysed crates, a
//! value computed at run time, a call returning a handler.
//!
//! ## Why is this bad
//! An unseen handler cannot be judged; treating it as protected or public would be a guess. The
//! tool fails closed so that "no findings" always means every route was seen.
//!
//! ## Example
//! ```rust,ignore
//! Router::new().route("/x", get(make_handler()));
//! ```
//! Fix: route a fn defined in the workspace, or allowlist the finding with a reason.

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;
use crate::router::Target;

pub const RULE: Rule = Rule {
    code: "unresolved-handler",
    default: Level::Deny,
    summary: "a handler expression that resolves to no definition",
    check,
    source: include_str!("unresolved_handler.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for route in &analysis.routes {
        let Target::Unresolved { text } = &route.entry.target else {
            continue;
        };
        if route.verdict.class.is_protected() || route.verdict.allow.is_some() {
            continue;
        }
        let name = route_name(route);
        out.push(
            Diagnostic::new(
                RULE.code,
                route.entry.handler_at,
                format!("the handler of `{name}` resolves to no definition: `{text}`"),
            )
            .label("cannot find this handler")
            .secondary(
                route.entry.registered_at,
                format!("routed here as `{name}`"),
            )
            .route(&name, text)
            .help("route a fn defined in the workspace, or cover the route with an auth layer"),
        );
    }
}
