//! `parse-error` (error): a source file that cannot be read or parsed.
//!
//! ## What it does
//! Reports files that do not parse as Rust, are not UTF-8, are too large or too deeply nested,
//! and `mod` declarations whose file is missing.
//!
//! ## Why is this bad
//! Routes in an unread file are unknown. The tool fails closed instead of skipping them.
//!
//! ## Example
//! ```rust,ignore
//! mod handlers; // but neither handlers.rs nor handlers/mod.rs exists
//! ```
//! Fix: make the file parse (`cargo check` shows the same error), or exclude it in `[analysis] exclude`.

use super::Rule;
use crate::analysis::Analysis;
use crate::config::Level;
use crate::diagnostic::Diagnostic;

pub const RULE: Rule = Rule {
    code: "parse-error",
    default: Level::Deny,
    summary: "a source file that does not parse",
    check,
    source: include_str!("parse_error.rs"),
};

fn check(analysis: &Analysis, out: &mut Vec<Diagnostic>) {
    for p in analysis
        .index
        .problems
        .iter()
        .chain(&analysis.table.parse_problems)
    {
        out.push(
            Diagnostic::new(RULE.code, p.loc, p.message.clone())
                .help("fix the file, or list it in `[analysis] exclude` of authcheck.toml"),
        );
    }
}
