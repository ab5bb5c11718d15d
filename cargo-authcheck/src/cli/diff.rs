//! `cargo authcheck diff REV`: the route table of a git revision against the working tree.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use super::{load, print, Target};
use crate::analysis::Options;
use crate::diff::{git, states, RouteDiff};
use crate::report::diff::{self as render, Base};

#[derive(Args, Debug, Clone)]
pub(super) struct DiffArgs {
    /// The revision to compare the working tree with (HEAD~1, origin/main, a commit id)
    rev: String,
    #[command(flatten)]
    target: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DiffFormat {
    Human,
    Markdown,
    Json,
}

pub(super) fn run(args: &DiffArgs) -> u8 {
    // `diff` leaves the repository as it was: no cache is written into its target directory.
    let head_options = Options {
        no_cache: true,
        ..args.target.options()
    };
    let head = match load(&head_options) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let root = canonical(&head.workspace.root);
    let top = match git::toplevel(&root) {
        Ok(top) => canonical(&top),
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let checkout = match git::checkout(&top, &args.rev) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    // The same selection, with every path inside the repository moved into the revision's copy.
    let inside = |path: &Path| -> PathBuf {
        let path = canonical(path);
        match path.strip_prefix(&top) {
            Ok(rel) => checkout.root().join(rel),
            Err(_) => path,
        }
    };
    let mut base_options: Options = head_options.clone();
    base_options.selection.manifest_path = Some(inside(
        &head_options
            .selection
            .manifest_path
            .clone()
            .unwrap_or_else(|| root.join("Cargo.toml")),
    ));
    base_options.config = head_options.config.as_deref().map(inside);
    let base = match crate::analysis::analyze(&base_options, &crate::rules::codes()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: in `{}`: {e}", args.rev);
            return 2;
        }
    };
    let diff = RouteDiff::compare(&states(&base), &states(&head));
    let info = Base {
        rev: args.rev.clone(),
        commit: checkout.commit.clone(),
    };
    let text = match args.format {
        DiffFormat::Human => render::human(&diff, &info),
        DiffFormat::Markdown => render::markdown(&diff, &info),
        DiffFormat::Json => render::json(&diff, &info),
    };
    let status = print(&text);
    if status != 0 {
        return status;
    }
    u8::from(!diff.lost_protection.is_empty())
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
