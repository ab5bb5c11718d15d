//! `doc-scheme-mismatch` (warn): the documented schemes are not the ones the code enforces.
//!
//! ## What it does
//! With `[openapi] schemes` mapping scheme names to extractors/layers, reports protected routes
//! none of whose documented alternatives is satisfied by the evidence (a scheme in an
//! alternative is satisfied when one of its extractors/layers protects the route; all schemes of
//! an alternative must be). Also reports documented scheme names that no `Modify` impl or
//! `components(...)` defines.
//!
//! ## Why is this bad
//! Clients send the documented credential (a bearer token) and are refused because the server
//! wants another (an API key).
//!
//! ## Example
//! ```rust,ignore
//! #[utoipa::path(get, path = "/jobs", security(("bearer_auth" = [])))]
//! async fn jobs(key: ApiKeyAuth) -> Json<Vec<Job>> { .. }
//! ```
//! Fix: document `security(("api_key" = []))`, or take the extractor the docs name.

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::auth::path_matches;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "doc-scheme-mismatch",
    default: Level::Warn,
    summary: "the documented security schemes cannot be satisfied by the evidence",
    check,
    source: include_str!("doc_scheme_mismatch.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let schemes = &analysis.config.schemes;
    let defined = &analysis.index.defined_schemes;
    let mut reported_undefined = Vec::new();
    for route in analysis
        .routes
        .iter()
        .filter(|r| r.verdict.class.is_protected())
    {
        let (Some(doc), Some(f)) = (&route.documented, route.handler_fn) else {
            continue;
        };
        let Some(attr) = &analysis.index.fns[f.0].utoipa else {
            continue;
        };
        let Some(security) = &doc.security else {
            continue;
        };
        let name = route_name(route);
        for scheme in security.iter().flatten() {
            if !defined.contains(scheme) && !reported_undefined.contains(&(f, scheme.clone())) {
                reported_undefined.push((f, scheme.clone()));
                out.push(
                    Diagnostic::new(RULE.code, attr.loc, format!("route `{name}` documents security scheme `{scheme}`, which no document defines"))
                        .label("undefined scheme")
                        .route(&name, &route.handler)
                        .help(format!("add `components.add_security_scheme(\"{scheme}\", ..)` in a `Modify` impl of the `#[openapi]` document, or fix the name")),
                );
            }
        }
        let undefined_here = reported_undefined.iter().any(|(g, _)| *g == f);
        if schemes.is_empty() || undefined_here || security.iter().any(Vec::is_empty) {
            continue;
        }
        let satisfied = |scheme: &String| {
            schemes.get(scheme).is_some_and(|providers| {
                providers.iter().any(|p| {
                    route
                        .verdict
                        .providers
                        .iter()
                        .any(|have| path_matches(&p.value, have) || *have == p.value)
                })
            })
        };
        if security.iter().any(|alt| alt.iter().all(satisfied)) {
            continue;
        }
        let enforced: Vec<&String> = schemes
            .iter()
            .filter(|(s, _)| satisfied(s))
            .map(|(s, _)| s)
            .collect();
        let documented: Vec<String> = security.iter().map(|alt| alt.join(" + ")).collect();
        let help = match enforced.first() {
            Some(s) => format!("document what is enforced: `security((\"{s}\" = []))`"),
            None => {
                "map the enforcing extractor to a scheme in `[openapi] schemes` of authcheck.toml"
                    .to_string()
            }
        };
        out.push(
            Diagnostic::new(
                RULE.code,
                attr.loc,
                format!(
                    "route `{name}` documents `{}` but the code enforces {}",
                    documented.join("` or `"),
                    route.verdict.evidence.clone().unwrap_or_default()
                ),
            )
            .label("documented schemes")
            .secondary(route.defined_at, "enforced here")
            .route(&name, &route.handler)
            .help(help)
            .suggest(
                enforced
                    .first()
                    .map(|s| super::doc_omits_auth::security_fix(analysis, attr, s)),
            ),
        );
    }
}
