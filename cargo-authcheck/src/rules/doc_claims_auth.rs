//! `doc-claims-auth` (error): documented as requiring authentication, but anyone can call it.
//!
//! ## What it does
//! Reports routes whose OpenAPI operation documents required security (its own
//! `security(...)`, or the default of the `#[openapi]` document it belongs to) while the code
//! accepts anonymous callers.
//!
//! ## Why is this bad
//! This is the original vulnerability: clients, auditors and gateways trust the documentation,
//! and the documentation says the endpoint is protected when it is not.
//!
//! ## Example
//! ```rust,ignore
//! #[utoipa::path(delete, path = "/packs/{id}", security(("bearer_auth" = [])))]
//! async fn delete_pack(Path(id): Path<i64>) -> StatusCode { .. }
//! ```
//! Fix: take the extractor the documentation promises (`RequireAuth(user): RequireAuth`).

use super::{route_name, Rule};
use crate::analysis::Analysis;
use crate::auth::AuthClass;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "doc-claims-auth",
    default: Level::Deny,
    summary: "documented security, but the route is not protected",
    check,
    source: include_str!("doc_claims_auth.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let extractor = super::extractor_name(analysis);
    for route in analysis
        .routes
        .iter()
        .filter(|r| r.verdict.class == AuthClass::None)
    {
        let (Some(doc), Some(f)) = (&route.documented, route.handler_fn) else {
            continue;
        };
        let Some(security) = &doc.security else {
            continue;
        };
        if security.is_empty() || security.iter().any(Vec::is_empty) {
            continue;
        }
        let Some(attr) = &analysis.index.fns[f.0].utoipa else {
            continue;
        };
        let schemes: Vec<String> = security.iter().map(|alt| alt.join(" + ")).collect();
        let source = if doc.own_security {
            String::new()
        } else {
            format!(" (the default of `{}`)", doc.documents.join("`, `"))
        };
        let name = route_name(route);
        let fn_name = &analysis.index.fns[f.0].name;
        out.push(
            Diagnostic::new(RULE.code, attr.loc, format!("route `{name}` is documented with `{}` security{source}, but anyone can call it", schemes.join("` or `")))
                .label("documented as requiring authentication")
                .secondary(route.defined_at, "but this handler takes no auth extractor")
                .secondary(route.entry.registered_at, format!("routed here as `{name}`"))
                .route(&name, &route.handler)
                .help(format!("add `{extractor}(user): {extractor}` to the arguments of `{fn_name}`, or document anonymous access with `security(())`"))
                .suggest(super::extractor_fix(analysis, route)),
        );
    }
}
