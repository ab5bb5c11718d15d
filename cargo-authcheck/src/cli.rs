//! The command line: `cargo authcheck [check|routes|probe] ...`, exit status 0 (clean), 1
//! (error-level findings, or contradictions found by `probe`), 2 (the tool could not do its job).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis::{analyze, Analysis, Options};
use crate::config::Level;
use crate::discover::Selection;
use crate::probe::{self, ProbeOptions};
use crate::report::{self, Summary};
use crate::rules::{self, LevelOverrides};

#[derive(Parser, Debug)]
#[command(
    name = "cargo-authcheck",
    bin_name = "cargo authcheck",
    version,
    about = "Check that every axum route requires authentication and that its OpenAPI docs tell the truth"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint every route (the default)
    Check(CheckArgs),
    /// List every route with its authentication
    Routes(RoutesArgs),
    /// Check the route table against a running server (anonymous and token requests)
    Probe(ProbeArgs),
}

#[derive(Args, Debug, Clone)]
struct Target {
    /// Path to Cargo.toml (of the workspace, or of one member to check only it)
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Package(s) to check
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    packages: Vec<String>,
    /// Check every workspace member
    #[arg(long)]
    workspace: bool,
    /// Configuration file (default: authcheck.toml beside the package, up to the workspace root)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
struct CheckArgs {
    #[command(flatten)]
    target: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    format: CheckFormat,
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
}

#[derive(Args, Debug, Clone)]
struct RoutesArgs {
    #[command(flatten)]
    target: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = RoutesFormat::Table)]
    format: RoutesFormat,
}

#[derive(Args, Debug, Clone)]
struct ProbeArgs {
    #[command(flatten)]
    target: Target,
    #[command(flatten)]
    probe: ProbeOptions,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum RoutesFormat {
    Table,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    // `cargo authcheck ARGS` runs `cargo-authcheck authcheck ARGS`.
    if args.get(1).map(String::as_str) == Some("authcheck") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Deeply nested code recurses deeply: analyse on a thread with a generous stack.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(cli));
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("error: cargo-authcheck failed unexpectedly; please report this with the input that caused it");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> u8 {
    match cli.command {
        Some(Command::Routes(args)) => routes(&args),
        Some(Command::Check(args)) => check(&args),
        Some(Command::Probe(args)) => probe(&args),
        None => check(&cli.check),
    }
}

fn options(target: &Target) -> Options {
    Options {
        selection: Selection {
            manifest_path: target.manifest_path.clone(),
            packages: target.packages.clone(),
            workspace: target.workspace,
        },
        config: target.config.clone(),
    }
}

fn load(target: &Target) -> Result<Analysis, u8> {
    analyze(&options(target), &rules::codes()).map_err(|e| {
        eprintln!("error: {e}");
        2
    })
}

fn routes(args: &RoutesArgs) -> u8 {
    let analysis = match load(&args.target) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let text = match args.format {
        RoutesFormat::Table => report::routes::table(&analysis),
        RoutesFormat::Json => report::routes::json(&analysis),
        RoutesFormat::Markdown => report::routes::markdown(&analysis),
    };
    print(&text)
}

fn check(args: &CheckArgs) -> u8 {
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
                return 2;
            }
            overrides.levels.push((code.clone(), level));
        }
    }
    let analysis = match load(&args.target) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let diagnostics = rules::check(&analysis, &overrides);
    let summary = Summary::of(analysis.routes.len(), &diagnostics);
    let sources = &analysis.index.sources;
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let text = match args.format {
        CheckFormat::Human => report::human::render(&diagnostics, summary, sources, color),
        CheckFormat::Json => report::json::render(&diagnostics, summary, sources),
        CheckFormat::Sarif => report::sarif::render(&diagnostics, sources),
        CheckFormat::Github => report::github::render(&diagnostics, sources),
    };
    let status = print(&text);
    if status != 0 {
        return status;
    }
    u8::from(summary.errors > 0)
}

fn probe(args: &ProbeArgs) -> u8 {
    // The base URL is checked before anything else runs, and long before any request.
    let prepared = match args.probe.prepare() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let analysis = match load(&args.target) {
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

fn print(text: &str) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write output: {e}");
            2
        }
    }
}
