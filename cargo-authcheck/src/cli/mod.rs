//! The command line: `cargo authcheck [check|routes|diff|init|explain|probe] ...`, one file per
//! subcommand. Exit status 0 (clean), 1 (error-level findings; for `diff`, a route lost its
//! protection; for `probe`, a contradiction), 2 (the tool could not do its job).

mod check;
mod diff;
mod explain;
mod init;
mod probe;
mod routes;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::analysis::{analyze, Analysis, Options};
use crate::discover::Selection;
use crate::rules;

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
    check: check::CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint every route (the default)
    Check(check::CheckArgs),
    /// List every route with its authentication
    Routes(routes::RoutesArgs),
    /// Compare the route table of a git revision with the working tree
    Diff(diff::DiffArgs),
    /// Write a starter authcheck.toml from what the code shows
    Init(init::InitArgs),
    /// Print the documentation of a lint
    Explain(explain::ExplainArgs),
    /// Check the route table against a running server (anonymous and token requests)
    Probe(probe::ProbeArgs),
}

/// What to analyse: shared by the subcommands.
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
    /// Neither read nor write the cache of file summaries and routes under the target directory
    #[arg(long)]
    no_cache: bool,
}

impl Target {
    fn options(&self) -> Options {
        Options {
            selection: Selection {
                manifest_path: self.manifest_path.clone(),
                packages: self.packages.clone(),
                workspace: self.workspace,
            },
            config: self.config.clone(),
            no_cache: self.no_cache,
        }
    }
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
    // Deeply nested code recurses deeply: analyse on a thread whose stack fits what the parse
    // accepts (parse::budget).
    let worker = std::thread::Builder::new()
        .name("authcheck".into())
        .stack_size(crate::parse::budget::ANALYSIS_STACK)
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
        Some(Command::Routes(args)) => routes::run(&args),
        Some(Command::Check(args)) => check::run(&args),
        Some(Command::Diff(args)) => diff::run(&args),
        Some(Command::Init(args)) => init::run(&args),
        Some(Command::Explain(args)) => explain::run(&args),
        Some(Command::Probe(args)) => probe::run(&args),
        None => check::run(&cli.check),
    }
}

/// Runs the analysis; on failure prints why and gives exit status 2.
fn load(options: &Options) -> Result<Analysis, u8> {
    analyze(options, &rules::codes()).map_err(|e| {
        eprintln!("error: {e}");
        2
    })
}

/// Lets the process exit without dropping `value`: the analysis of a large workspace holds
/// millions of small allocations, and freeing them one by one only delays the exit.
fn leak_at_exit<T>(value: T) {
    std::mem::forget(value);
}

/// Prints to stdout; a closed pipe is not an error.
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

/// The workspace root's path inside its git repository (`""` at the top, `"backend/"` below it),
/// found by looking for `.git` upwards; `""` outside a repository.
fn repository_prefix(workspace_root: &Path) -> String {
    let root = workspace_root
        .canonicalize()
        .unwrap_or_else(|_| workspace_root.to_path_buf());
    root.ancestors()
        .find(|dir| dir.join(".git").exists())
        .and_then(|top| root.strip_prefix(top).ok())
        .map(|rel| {
            let rel = crate::source::display_path(rel, Path::new(""));
            if rel.is_empty() {
                rel
            } else {
                format!("{rel}/")
            }
        })
        .unwrap_or_default()
}
