//! `cargo authcheck routes`: the route table.

use clap::{Args, ValueEnum};

use super::{leak_at_exit, load, print, Target};
use crate::report;

#[derive(Args, Debug, Clone)]
pub(super) struct RoutesArgs {
    #[command(flatten)]
    target: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = RoutesFormat::Table)]
    format: RoutesFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RoutesFormat {
    Table,
    Json,
    Markdown,
}

pub(super) fn run(args: &RoutesArgs) -> u8 {
    let analysis = match load(&args.target.options()) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let text = match args.format {
        RoutesFormat::Table => report::routes::table(&analysis),
        RoutesFormat::Json => report::routes::json(&analysis),
        RoutesFormat::Markdown => report::routes::markdown(&analysis),
    };
    leak_at_exit(analysis);
    print(&text)
}
