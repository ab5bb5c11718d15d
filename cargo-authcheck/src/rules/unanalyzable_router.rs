//! `unanalyzable-router` (error): router code the analysis cannot follow.
//!
//! ## What it does
//! Reports the place where router evaluation stopped: routes added in a loop, a path computed at
//! run time, a router built by a macro other than `routes!`, a method the analysis does not know.
//!
//! ## Why is this bad
//! Routes registered there are unknown, so they could be unprotected. Skipping them silently
//! would turn "no findings" into a false promise.
//!
//! ## Example
//! ```rust,ignore
//! for (path, h) in handlers { app = app.route(path, get(h)); }
//! ```
//! Fix: register routes with literal paths, or allow the finding with a reason.

use super::Rule;
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "unanalyzable-router",
    default: Level::Deny,
    summary: "router code the analysis cannot follow",
    check,
    source: include_str!("unanalyzable_router.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for u in &analysis.table.unanalyzable {
        out.push(
            Diagnostic::new(RULE.code, u.at, u.message.clone())
                .label("the analysis stops here")
                .help("build routes from literal paths and fns in the workspace, or add `// authcheck: allow(unanalyzable-router) -- <reason>` above this line"),
        );
    }
}
