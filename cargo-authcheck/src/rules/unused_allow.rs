//! `unused-allow` (warn): an allowance that allows nothing.
//!
//! ## What it does
//! Reports `[[allow]]` entries of `authcheck.toml` that match no route, and inline
//! `// authcheck: allow(CODE) -- reason` comments that suppress no finding or give no reason.
//!
//! ## Why is this bad
//! A stale allowance is a hole waiting for a route: when someone later adds a route that matches
//! it, that route is silently exempted. An allowance without a reason cannot be reviewed.
//!
//! ## Example
//! ```toml
//! [[allow]]
//! route = "GET /healthz"   # the route was renamed to /health
//! reason = "liveness probe"
//! ```
//! Fix: delete the entry, or correct its pattern.

use super::Rule;
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;
use crate::source::Loc;

pub const RULE: Rule = Rule {
    code: "unused-allow",
    default: Level::Warn,
    summary: "an [[allow]] entry or inline allow that matches nothing",
    check,
    source: include_str!("unused_allow.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let Some(file) = analysis.config_file else {
        return;
    };
    for (i, allow) in analysis.config.allow.iter().enumerate() {
        if analysis.routes.iter().any(|r| r.verdict.allow == Some(i)) {
            continue;
        }
        // A route that is protected anyway still "uses" the entry (it is reported by public-with-auth).
        let used = analysis.routes.iter().any(|r| {
            let handler_ok = allow
                .handler
                .as_ref()
                .is_none_or(|h| crate::auth::path_matches(h, &r.handler));
            let route_ok = allow
                .route
                .as_ref()
                .is_none_or(|p| p.matches(&r.entry.method, &r.entry.path));
            handler_ok && route_ok
        });
        if used {
            continue;
        }
        let target = match (&allow.route, &allow.handler) {
            (Some(r), _) => format!("route `{}`", r.text),
            (None, Some(h)) => format!("handler `{h}`"),
            (None, None) => "entry".to_string(),
        };
        let loc = Loc::new(file, allow.line, allow.column, allow.line, allow.column + 9);
        out.push(
            Diagnostic::new(RULE.code, loc, format!("the allowlist entry for {target} matches no route"))
                .label("matches nothing")
                .help("delete the entry, or correct its pattern (`*` matches one segment, `**` any number)"),
        );
    }
}
