//! `doc-omits-auth` (warn): protected, but documented as anonymous.
//!
//! ## What it does
//! Reports protected routes whose OpenAPI operation documents anonymous access
//! (`security(())`, an anonymous alternative) or no security at all with no document default.
//!
//! ## Why is this bad
//! Generated clients will not send credentials and fail with 401; the published spec misleads
//! its readers about what the API requires.
//!
//! ## Example
//! ```rust,ignore
//! #[utoipa::path(get, path = "/keys")]
//! async fn list_keys(RequireAuth(user): RequireAuth) -> Json<Vec<Key>> { .. }
//! ```
//! Fix: document the scheme: `security(("bearer_auth" = []))`.

use super::{route_name, Rule};
use crate::analysis::{Analysis, Route};
use crate::config::Level;
use crate::diagnostic::{Applicability, Diagnostic, Suggestion};

pub const RULE: Rule = Rule {
    code: "doc-omits-auth",
    default: Level::Warn,
    summary: "protected, but documented as anonymous",
    check,
    source: include_str!("doc_omits_auth.rs"),
};

/// The scheme a protected route should document: the configured scheme its evidence satisfies.
pub fn scheme_for(analysis: &Analysis, route: &Route) -> String {
    satisfied_scheme(analysis, route)
        .or_else(|| analysis.config.schemes.keys().next().cloned())
        .unwrap_or_else(|| "bearer_auth".to_string())
}

/// The first `[openapi] schemes` entry the route's evidence satisfies.
fn satisfied_scheme(analysis: &Analysis, route: &Route) -> Option<String> {
    analysis
        .config
        .schemes
        .iter()
        .find(|(_, providers)| {
            providers.iter().any(|p| {
                route
                    .verdict
                    .providers
                    .iter()
                    .any(|have| crate::auth::path_matches(&p.value, have) || *have == p.value)
            })
        })
        .map(|(scheme, _)| scheme.clone())
}

/// The scheme a protected route certainly satisfies: one `[openapi] schemes` maps to its
/// evidence, or, without that table, the only scheme the documents define.
pub fn enforced_scheme(analysis: &Analysis, route: &Route) -> Option<String> {
    if !analysis.config.schemes.is_empty() {
        return satisfied_scheme(analysis, route);
    }
    let mut defined = analysis.index.defined_schemes.clone();
    defined.sort();
    defined.dedup();
    match defined.as_slice() {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// The suggestion that documents `scheme` as the attribute's only security requirement.
pub fn security_fix(
    analysis: &Analysis,
    attr: &crate::index::UtoipaPath,
    scheme: &str,
) -> Suggestion {
    let alternatives = [vec![scheme.to_string()]];
    Suggestion {
        message: format!(
            "document `{}`",
            crate::fix::openapi::security_argument(&alternatives)
        ),
        edits: crate::fix::openapi::set_security(
            &analysis.index.sources,
            attr.loc.file,
            attr,
            &alternatives,
        ),
        applicability: Applicability::MachineApplicable,
    }
}

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
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
        if !route.listed && doc.security.is_none() {
            continue; // in no document: `doc-unlisted` says so
        }
        let how = match &doc.security {
            None => "documents no security (and no document default)",
            Some(alts) if alts.iter().any(Vec::is_empty) => {
                "is documented as open to anonymous callers"
            }
            Some(_) => continue,
        };
        let name = route_name(route);
        let scheme = scheme_for(analysis, route);
        out.push(
            Diagnostic::new(
                RULE.code,
                attr.loc,
                format!("route `{name}` requires authentication but {how}"),
            )
            .label("documentation omits the requirement")
            .secondary(
                route.defined_at,
                format!(
                    "protected: {}",
                    route.verdict.evidence.clone().unwrap_or_default()
                ),
            )
            .route(&name, &route.handler)
            .help(format!(
                "write `security((\"{scheme}\" = []))` in the `#[utoipa::path]` attribute"
            ))
            .suggest(enforced_scheme(analysis, route).map(|s| security_fix(analysis, attr, &s))),
        );
    }
}
