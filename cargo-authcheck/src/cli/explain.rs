//! `cargo authcheck explain CODE`: a lint's documentation, like `rustc --explain`.

use clap::Args;

use super::print;
use crate::rules;

#[derive(Args, Debug, Clone)]
pub(super) struct ExplainArgs {
    /// The lint code (e.g. unprotected-route)
    code: String,
}

pub(super) fn run(args: &ExplainArgs) -> u8 {
    match rules::find(&args.code) {
        Some(rule) => print(&rule.documentation()),
        None => {
            eprintln!(
                "error: unknown lint `{}` (known: {})",
                args.code,
                rules::codes().join(", ")
            );
            2
        }
    }
}
