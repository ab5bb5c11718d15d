//! The whole tool on every package of the local cargo registry: `routes` and `check` run once per
//! package, as a user would run them, each with a time limit. Reports panics (exit 101), signals,
//! timeouts, tool errors (exit 2, by kind) and the slowest packages; exits 1 if any package
//! panicked, died of a signal or timed out. `scripts/bench` runs it on a release build.
//!
//! ```text
//! cargo run --release -p cargo-authcheck --example registry_sweep -- [--timeout SECS] [--jobs N]
//!     [--only SUBSTRING] [REGISTRY_SRC_DIR]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How one run of the tool on one package ended.
enum End {
    /// Exit 0 or 1: the package was analysed (1: it has findings).
    Analysed {
        routes: Option<usize>,
    },
    /// Exit 2: the tool could not do its job; the first line of its error.
    ToolError(String),
    Panicked(String),
    Signal(String),
    TimedOut,
}

impl End {
    fn describe(&self) -> String {
        match self {
            End::Analysed { routes: Some(n) } => format!("{n} routes"),
            End::Analysed { routes: None } => "analysed".into(),
            End::ToolError(line) => format!("exit 2: {line}"),
            End::Panicked(line) => format!("panicked: {line}"),
            End::Signal(what) => format!("killed: {what}"),
            End::TimedOut => "timed out".into(),
        }
    }
}

struct Run {
    package: String,
    command: &'static str,
    elapsed: Duration,
    end: End,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut timeout = Duration::from_secs(10);
    let mut jobs = 2;
    let mut only = None;
    let mut registry = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--timeout" => timeout = Duration::from_secs_f64(number(args.next())),
            "--jobs" => jobs = number(args.next()) as usize,
            "--only" => only = args.next(),
            _ => registry = Some(PathBuf::from(arg)),
        }
    }
    let registry = registry.unwrap_or_else(default_registry);
    let bin = tool_binary();
    let mut packages: Vec<PathBuf> = std::fs::read_dir(&registry)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", registry.display()))
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|entry| entry.path())
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .filter(|dir| {
            only.as_deref()
                .is_none_or(|o| dir.to_string_lossy().contains(o))
        })
        .collect();
    packages.sort();
    eprintln!(
        "sweeping {} packages of {} with {} ({jobs} at a time, {timeout:?} each)",
        packages.len(),
        registry.display(),
        bin.display()
    );

    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let runs = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(dir) = packages.get(i) else { break };
                for command in ["routes", "check"] {
                    let run = run_tool(&bin, command, dir, timeout);
                    runs.lock().unwrap().push(run);
                }
            });
        }
    });
    let runs = runs.into_inner().unwrap();
    report(&runs, packages.len(), start.elapsed())
}

fn number(arg: Option<String>) -> f64 {
    arg.and_then(|a| a.parse().ok())
        .expect("a number after --timeout/--jobs")
}

fn default_registry() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME");
    home.join("registry/src")
}

/// `cargo-authcheck` beside the `examples/` directory this example was built into.
fn tool_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the example's own path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    dir.join(format!("cargo-authcheck{}", std::env::consts::EXE_SUFFIX))
}

fn run_tool(bin: &Path, command: &'static str, dir: &Path, timeout: Duration) -> Run {
    let package = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let start = Instant::now();
    let spawned = Command::new(bin)
        .arg(command)
        .args(["--format", "json", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => panic!("cannot run {}: {e}", bin.display()),
    };
    // Outputs are read on threads so a chatty child never blocks on a full pipe.
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("waiting for {package}: {e}"),
        }
    };
    let elapsed = start.elapsed();
    let stdout = stdout
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    let stderr = stderr
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    let end = match status {
        None => End::TimedOut,
        Some(status) => classify(status, command, &stdout, &stderr),
    };
    Run {
        package,
        command,
        elapsed,
        end,
    }
}

fn read_all(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn classify(status: ExitStatus, command: &str, stdout: &str, stderr: &str) -> End {
    let first_line = |text: &str| text.lines().next().unwrap_or_default().to_string();
    match status.code() {
        Some(0 | 1) => {
            let routes = serde_json::from_str::<serde_json::Value>(stdout)
                .ok()
                .and_then(|v| match command {
                    "routes" => v["routes"].as_array().map(Vec::len),
                    _ => v["summary"]["routes"].as_u64().map(|n| n as usize),
                });
            End::Analysed { routes }
        }
        Some(2) => End::ToolError(first_line(stderr)),
        Some(101) => End::Panicked(
            stderr
                .lines()
                .find(|l| l.contains("panicked"))
                .map_or_else(|| first_line(stderr), str::to_string),
        ),
        Some(code) => End::Signal(format!("exit status {code}: {}", first_line(stderr))),
        None => End::Signal(format!("{status}")),
    }
}

fn report(runs: &[Run], packages: usize, total: Duration) {
    let mut analysed = 0;
    let mut with_routes = 0;
    let mut errors: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    for run in runs {
        match &run.end {
            End::Analysed { routes } => {
                analysed += 1;
                if run.command == "routes" && routes.is_some_and(|n| n > 0) {
                    with_routes += 1;
                }
            }
            End::ToolError(line) => {
                // "error: failed to parse manifest at `..`" -> "error: failed to parse manifest at"
                let kind: String = line.split(['`', '(']).next().unwrap_or_default().into();
                errors.entry(kind).or_insert((0, run.package.clone())).0 += 1;
            }
            End::Panicked(_) | End::Signal(_) | End::TimedOut => failures.push(run),
        }
    }
    println!(
        "registry sweep: {packages} packages, {} runs in {:.1}s: {analysed} analysed ({with_routes} packages with routes), {} tool errors, {} panics, {} signals, {} timeouts",
        runs.len(),
        total.as_secs_f64(),
        errors.values().map(|(n, _)| n).sum::<usize>(),
        count(runs, |e| matches!(e, End::Panicked(_))),
        count(runs, |e| matches!(e, End::Signal(_))),
        count(runs, |e| matches!(e, End::TimedOut)),
    );
    for (kind, (n, example)) in &errors {
        println!("  {n:5} x exit 2: {kind} (e.g. {example})");
    }
    for run in &failures {
        println!(
            "  FAILED {} {}: {}",
            run.command,
            run.package,
            run.end.describe()
        );
    }
    let mut slowest: Vec<&Run> = runs.iter().collect();
    slowest.sort_by_key(|r| std::cmp::Reverse(r.elapsed));
    println!("  slowest:");
    for run in slowest.iter().take(10) {
        println!(
            "    {:7.2}s {} {} ({})",
            run.elapsed.as_secs_f64(),
            run.command,
            run.package,
            run.end.describe()
        );
    }
    if !failures.is_empty() {
        std::process::exit(1);
    }
}

fn count(runs: &[Run], f: fn(&End) -> bool) -> usize {
    runs.iter().filter(|r| f(&r.end)).count()
}
