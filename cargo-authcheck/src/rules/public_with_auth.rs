//! `public-with-auth` (warn): declared public, yet protected or documented as protected.
//!
//! ## What it does
//! Reports routes whose handler is `#[public]` or that match an `[[allow]]` entry, while the code
//! rejects anonymous callers (an auth extractor or layer) or the OpenAPI operation documents
//! required security.
//!
//! ## Why is this bad
//! The written intent contradicts the code or the documentation: either the marker is stale
//! (and hides a future regression) or clients are told the wrong thing.
//!
//! ## Example
//! ```rust,ignore
//! #[public(reason = "status page")]
//! async fn status(RequireAuth(user): RequireAuth) -> Json<Status> { .. }
//! ```
//! Fix: remove the marker or the allowlist entry, or make the handler really public.

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "public-with-auth",
    default: Level::Warn,
    summary: "#[public] or allowlisted, yet protected (or documented with security)",
    check,
    source: include_str!("public_with_auth.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for route in &analysis.routes {
        let public = route
            .handler_fn
            .and_then(|f| analysis.index.fns[f.0].intent().public.as_ref());
        let allow = route.verdict.allow.map(|i| &analysis.config.allow[i]);
        if public.is_none() && allow.is_none() {
            continue;
        }
        let marker = if public.is_some() {
            "is marked `#[public]`"
        } else {
            "is allowlisted in authcheck.toml"
        };
        let name = route_name(route);
        let documented_auth = route
            .documented
            .as_ref()
            .and_then(|d| d.security.as_ref())
            .is_some_and(|alts| !alts.is_empty() && alts.iter().all(|a| !a.is_empty()));
        let (problem, fix) =
            if route.verdict.class.is_protected() || route.verdict.protection.is_some() {
                let evidence = route
                    .verdict
                    .protection
                    .clone()
                    .or(route.verdict.evidence.clone())
                    .unwrap_or_default();
                (
                    format!("requires authentication ({evidence})"),
                    "remove the marker, or stop requiring authentication".to_string(),
                )
            } else if documented_auth {
                (
                    "is documented with required security".to_string(),
                    "document anonymous access with `security(())`".to_string(),
                )
            } else {
                continue;
            };
        let at = public.map_or(route.defined_at, |p| p.loc);
        let mut d = Diagnostic::new(
            RULE.code,
            at,
            format!("route `{name}` {marker} but {problem}"),
        )
        .label("declared public here")
        .secondary(route.defined_at, "handler")
        .route(&name, &route.handler)
        .help(fix);
        if let Some(a) = allow {
            d = d.note(format!("allowlisted by the entry at {}", a.origin));
        }
        out.push(d);
    }
}
