//! `cargo authcheck probe`: the route table checked against a running server.

use clap::Args;

use super::{load, print, Target};
use crate::probe::{self, ProbeOptions};

#[derive(Args, Debug, Clone)]
pub(super) struct ProbeArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    probe: ProbeOptions,
}

pub(super) fn run(args: &ProbeArgs) -> u8 {
    // The base URL is checked before anything else runs, and long before any request.
    let prepared = match args.probe.prepare() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let analysis = match load(&args.target.options()) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let settings = args.probe.settings(prepared, &analysis.config);
    let routes = probe::RouteInfo::from_analysis(&analysis);
    let report = probe::run(routes, &settings, analysis.table.unanalyzable.len());
    match print(&probe::render::render(&report, args.probe.format)) {
        0 => report.status().exit_code(),
        code => code,
    }
}
