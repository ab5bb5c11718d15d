//! `doc-unrouted` (warn): an operation documented on a handler that no router registers.
//!
//! ## What it does
//! Reports `#[utoipa::path]` handlers in the checked crates that no served router registers.
//!
//! ## Why is this bad
//! If the handler is listed in a document, the spec advertises an endpoint that answers 404;
//! if it is not, it is dead code that reviewers still have to read.
//!
//! ## Example
//! ```rust,ignore
//! #[utoipa::path(get, path = "/legacy")]
//! async fn legacy() { .. }   // no .route(.., get(legacy)) anywhere
//! ```
//! Fix: route it, or delete it.

use super::Rule;
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;
use crate::index::FnId;

pub const RULE: Rule = Rule {
    code: "doc-unrouted",
    default: Level::Warn,
    summary: "#[utoipa::path] on a handler that no router registers",
    check,
    source: include_str!("doc_unrouted.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    let index = &analysis.index;
    for (i, item) in index.fns.iter().enumerate() {
        let f = FnId(i);
        let Some(attr) = &item.utoipa else { continue };
        if !index.krate(index.module_of(f)).selected || analysis.table.routed_fns.contains(&f) {
            continue;
        }
        let documented = format!(
            "{} {}",
            attr.methods.join("|"),
            attr.full_path().unwrap_or_default()
        );
        out.push(
            Diagnostic::new(
                RULE.code,
                attr.loc,
                format!(
                    "`{}` documents `{documented}` but no router registers it",
                    item.name
                ),
            )
            .label("documented operation")
            .secondary(item.name_loc, "never routed")
            .route(documented, index.fn_display(f))
            .help("register it with `.route(..)` (or `routes!`), or delete the handler"),
        );
    }
}
