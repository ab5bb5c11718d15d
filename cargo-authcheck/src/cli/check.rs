//! `cargo authcheck [check]`: lint every route; `--fix` applies the machine-applicable fixes,
//! `--baseline`/`--write-baseline` hold the findings against a recorded set, and the output goes
//! out in the chosen format (or as cargo's JSON messages with `--message-format json`).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{leak_at_exit, load, print, repository_prefix, Target};
use crate::analysis::Analysis;
use crate::baseline::Baseline;
use crate::config::Level;
use crate::diagnostic::{Applicability, Diagnostic};
use crate::fix::apply;
use crate::report::{self, Summary};
use crate::rules::{self, LevelOverrides};

#[derive(Args, Debug, Clone)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    target: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
    /// Cargo's JSON messages instead of --format (for rust-analyzer's check.overrideCommand)
    #[arg(long, value_enum, value_name = "FMT", default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// Treat warnings as errors
    #[arg(long)]
    deny_warnings: bool,
    /// Set a lint to deny
    #[arg(short = 'D', value_name = "CODE")]
    deny: Vec<String>,
    /// Set a lint to warn
    #[arg(short = 'W', value_name = "CODE")]
    warn: Vec<String>,
    /// Allow a lint
    #[arg(short = 'A', value_name = "CODE")]
    allow: Vec<String>,
    /// Coloured output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Apply the machine-applicable fixes to the source files, then check again
    #[arg(long)]
    fix: bool,
    /// With --fix: print the changes as a unified diff instead of writing them
    #[arg(long, requires = "fix")]
    dry_run: bool,
    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the current findings in this baseline file (and exit 0)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
    Github,
    Gitlab,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum MessageFormat {
    /// The format chosen with --format
    Human,
    /// Cargo's JSON messages
    Json,
    /// Cargo's JSON messages, `rendered` with ANSI colours
    JsonDiagnosticRenderedAnsi,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

pub(super) fn run(args: &CheckArgs) -> u8 {
    let overrides = match overrides(args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let options = args.target.options();
    let mut analysis = match load(&options) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut diagnostics = {
        let _t = crate::timings::phase("rules");
        rules::check(&analysis, &overrides)
    };
    if args.fix {
        let plan = apply::plan(&diagnostics, &analysis.index.sources);
        report_plan(&plan, &diagnostics, args.dry_run);
        if args.dry_run {
            return print(&plan.unified_diff());
        }
        if let Err(e) = plan.write() {
            eprintln!("error: {e}");
            return 2;
        }
        if !plan.changes.is_empty() {
            analysis = match load(&options) {
                Ok(a) => a,
                Err(code) => return code,
            };
            diagnostics = rules::check(&analysis, &overrides);
        }
    }
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::of(&diagnostics, &analysis.index.sources);
        if let Err(e) = baseline.write(path) {
            eprintln!("error: {e}");
            return 2;
        }
        eprintln!(
            "authcheck: wrote {} finding{} to the baseline {}",
            diagnostics.len(),
            if diagnostics.len() == 1 { "" } else { "s" },
            path.display()
        );
        return 0;
    }
    if let Some(path) = &args.baseline {
        let baseline = match Baseline::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        let filtered = baseline.filter(diagnostics, &analysis.index.sources);
        if filtered.known > 0 {
            eprintln!(
                "authcheck: {} known finding{} in the baseline {} not reported",
                filtered.known,
                if filtered.known == 1 { "" } else { "s" },
                path.display()
            );
        }
        for e in &filtered.stale {
            eprintln!(
                "warning: baseline entry matches no finding any more (fixed? rewrite the baseline with --write-baseline): {} {} in {}",
                e.code,
                e.route.as_deref().unwrap_or(&e.message),
                e.file
            );
        }
        diagnostics = filtered.new;
    }
    let status = {
        let _t = crate::timings::phase("render");
        render(args, &analysis, &diagnostics)
    };
    if status != 0 {
        return status;
    }
    if !args.fix && args.format == CheckFormat::Human && args.message_format == MessageFormat::Human
    {
        hint_fixable(&diagnostics);
    }
    let errors = Summary::of(analysis.routes.len(), &diagnostics).errors;
    leak_at_exit(analysis);
    u8::from(errors > 0)
}

/// Lint levels from `-A/-W/-D` and `--deny-warnings`; an unknown code is exit status 2.
fn overrides(args: &CheckArgs) -> Result<LevelOverrides, u8> {
    let known = rules::codes();
    let mut overrides = LevelOverrides {
        levels: Vec::new(),
        deny_warnings: args.deny_warnings,
    };
    for (codes, level) in [
        (&args.allow, Level::Allow),
        (&args.warn, Level::Warn),
        (&args.deny, Level::Deny),
    ] {
        for code in codes {
            if !known.contains(&code.as_str()) {
                eprintln!("error: unknown lint `{code}` (known: {})", known.join(", "));
                return Err(2);
            }
            overrides.levels.push((code.clone(), level));
        }
    }
    Ok(overrides)
}

fn render(args: &CheckArgs, analysis: &Analysis, diagnostics: &[Diagnostic]) -> u8 {
    let summary = Summary::of(analysis.routes.len(), diagnostics);
    let sources = &analysis.index.sources;
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let text = match (args.message_format, args.format) {
        (MessageFormat::Json, _) => report::message_format::render(analysis, diagnostics, false),
        (MessageFormat::JsonDiagnosticRenderedAnsi, _) => {
            report::message_format::render(analysis, diagnostics, true)
        }
        (MessageFormat::Human, CheckFormat::Human) => {
            report::human::render(diagnostics, summary, sources, color)
        }
        (MessageFormat::Human, CheckFormat::Json) => {
            report::json::render(diagnostics, summary, sources)
        }
        (MessageFormat::Human, CheckFormat::Sarif) => report::sarif::render(
            diagnostics,
            sources,
            &repository_prefix(&analysis.workspace.root),
        ),
        (MessageFormat::Human, CheckFormat::Github) => report::github::render(diagnostics, sources),
        (MessageFormat::Human, CheckFormat::Gitlab) => report::gitlab::render(
            diagnostics,
            sources,
            &repository_prefix(&analysis.workspace.root),
        ),
    };
    print(&text)
}

/// What `--fix` does (or, with `--dry-run`, would do), on stderr.
fn report_plan(plan: &apply::Plan, diagnostics: &[Diagnostic], dry_run: bool) {
    let verb = if dry_run { "would fix" } else { "fixed" };
    for &i in &plan.fixed {
        let d = &diagnostics[i];
        let what = d
            .suggestion
            .as_ref()
            .map_or(String::new(), |s| format!(": {}", s.message));
        eprintln!(
            "authcheck: {verb} {} `{}`{what}",
            d.code,
            d.route.as_deref().unwrap_or(&d.message)
        );
    }
    for &i in &plan.conflicting {
        let d = &diagnostics[i];
        eprintln!(
            "authcheck: not fixed: {} `{}`: its fix overlaps another fix; run --fix again",
            d.code,
            d.route.as_deref().unwrap_or(&d.message)
        );
    }
    eprintln!(
        "authcheck: {verb} {} finding{} in {} file{}",
        plan.fixed.len(),
        if plan.fixed.len() == 1 { "" } else { "s" },
        plan.changes.len(),
        if plan.changes.len() == 1 { "" } else { "s" }
    );
}

/// Tells a person reading human output that some findings fix themselves.
fn hint_fixable(diagnostics: &[Diagnostic]) {
    let fixable = diagnostics
        .iter()
        .filter(|d| {
            d.suggestion
                .as_ref()
                .is_some_and(|s| s.applicability == Applicability::MachineApplicable)
        })
        .count();
    if fixable > 0 {
        eprintln!(
            "authcheck: {fixable} finding{} can be fixed automatically: run `cargo authcheck --fix` (`--fix --dry-run` shows the diff first)",
            if fixable == 1 { "" } else { "s" }
        );
    }
}
