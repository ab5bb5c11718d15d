//! The tool on real code nobody here wrote: the sources of every crate in the local cargo
//! registry (this workspace's and the fixtures' dependencies, and whatever else the machine has).
//!
//! - Every package, whole: `routes` and `check` run once per package as a user would run them,
//!   each with a time limit; no panic, no signal, no timeout. `scripts/bench` runs the same test on
//!   the release build with the 10 s limit of the target (`AUTHCHECK_SWEEP_TIMEOUT=10`).
//! - Files one by one: a fixed list of hard files and a seeded sample go through the per-file
//!   parse path on a 2 MiB thread.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cargo_authcheck::parse::Limits;
use common::Ended;

/// Registry files known to be hard for a parser, as `crate/path` (any version of the crate):
/// typenum's generated consts (thousands of `UInt<..>` aliases nested 64 deep), the deepest
/// generic and bracket nesting, the largest files, and the crates whose whole-tool run once did
/// not finish (glob-heavy re-exports).
const HARD_FILES: &[&str] = &[
    "typenum/src/gen/consts.rs",
    "typenum/src/gen/op.rs",
    "regex-automata/src/util/look.rs",
    "num-bigint-dig/src/prime.rs",
    "unicase/src/unicode/map.rs",
    "time/src/parsing/component.rs",
    "jsonschema/src/lib.rs",
    "url/tests/unit.rs",
    "unicode-width/src/gen/tables_test.rs",
    "windows-sys/src/Windows/Wdk/System/SystemServices/mod.rs",
    "windows-sys/src/Windows/Win32/Foundation/mod.rs",
    "js-sys/src/lib.rs",
    "syn/src/gen/visit_mut.rs",
    "generic-array/src/lib.rs",
    "zerocopy/src/lib.rs",
    "uuid/src/lib.rs",
    "tinyvec/src/lib.rs",
    "flate2/src/lib.rs",
];
/// Registry files drawn at random (with a fixed seed) besides the hard ones.
const SAMPLE: usize = 2000;
/// The stack of the sweep's threads: the parse must fit it, with the limits made for it.
const SWEEP_STACK: usize = 2 << 20;

fn rs_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            rs_files_under(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `typenum-1.20.1/src/gen/consts.rs` -> `typenum/src/gen/consts.rs`.
fn versionless(rel: &Path) -> Option<String> {
    let mut parts = rel.components().map(|c| c.as_os_str().to_string_lossy());
    let dir = parts.next()?;
    let (name, _) = dir
        .match_indices('-')
        .find(|(i, _)| dir[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(|(i, _)| (&dir[..i], ()))?;
    let rest: Vec<_> = parts.collect();
    Some(format!("{name}/{}", rest.join("/")))
}

/// What the per-file parse path made of one registry file.
enum Outcome {
    Summarized,
    Problem(usize, String),
    Panicked,
}

/// The hard registry files and a seeded sample of the others go through the per-file parse path
/// on threads with a small stack (with the limits for that stack): zero panics, zero stack
/// overflows (which would abort this binary). The same registry gives the same files on every
/// run.
#[test]
fn registry_files_parse_on_a_small_stack() {
    let Some(src) = common::registry_sources() else {
        eprintln!("registry sweep: no CARGO_HOME or HOME; skipped");
        return;
    };
    let mut files = Vec::new();
    rs_files_under(&src, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!(
            "registry sweep: no sources under {}; skipped",
            src.display()
        );
        return;
    }
    // Paths relative to the index directory (`index.crates.io-../typenum-1.20.1/...`).
    let relative = |p: &Path| -> Option<String> {
        let rel = p.strip_prefix(&src).ok()?;
        versionless(rel.strip_prefix(rel.components().next()?).ok()?)
    };
    let mut chosen: Vec<PathBuf> = Vec::new();
    for hard in HARD_FILES {
        let found: Vec<&PathBuf> = files
            .iter()
            .filter(|p| relative(p).as_deref() == Some(*hard))
            .collect();
        if found.is_empty() {
            println!("registry sweep: {hard} is not in this registry");
        }
        chosen.extend(found.into_iter().cloned());
    }
    let mut rest: Vec<PathBuf> = files
        .iter()
        .filter(|p| !chosen.contains(p))
        .cloned()
        .collect();
    // Fisher-Yates with a fixed seed.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..rest.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rest.swap(i, (x % (i as u64 + 1)) as usize);
    }
    chosen.extend(rest.into_iter().take(SAMPLE));

    let start = Instant::now();
    let limits = Limits::for_stack(SWEEP_STACK);
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let halves: Vec<&[PathBuf]> = chosen.chunks(chosen.len().div_ceil(2)).collect();
    let results: Vec<(PathBuf, Outcome)> = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|half| {
                std::thread::Builder::new()
                    .stack_size(SWEEP_STACK)
                    .spawn_scoped(scope, move || {
                        half.iter()
                            .map(|path| {
                                let outcome = match std::panic::catch_unwind(|| {
                                    cargo_authcheck::parse::summarize_file(path, limits)
                                }) {
                                    Ok(Ok(_)) => Outcome::Summarized,
                                    Ok(Err(p)) => Outcome::Problem(p.loc.line as usize, p.message),
                                    Err(_) => Outcome::Panicked,
                                };
                                (path.clone(), outcome)
                            })
                            .collect::<Vec<_>>()
                    })
                    .expect("a sweep thread")
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("the sweep thread itself does not panic"))
            .collect()
    });
    std::panic::set_hook(default_hook);

    let bytes: u64 = chosen
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();
    let mut kinds: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    let mut panics = Vec::new();
    for (path, outcome) in &results {
        match outcome {
            Outcome::Summarized => {}
            Outcome::Problem(line, message) => {
                // "cannot parse: expected `;`" -> "cannot parse"; limits keep their wording.
                let kind = message.split([':', '(']).next().unwrap_or_default().trim();
                let entry = kinds
                    .entry(kind.to_string())
                    .or_insert((0, format!("{}:{line}: {message}", path.display())));
                entry.0 += 1;
            }
            Outcome::Panicked => panics.push(path.clone()),
        }
    }
    println!(
        "registry sweep: {} files ({} hard, {SAMPLE} sampled of {}), {:.1} MB in {:.2}s, {} reported as parse problems, {} panics",
        results.len(),
        results.len().saturating_sub(SAMPLE.min(files.len())),
        files.len(),
        bytes as f64 / 1e6,
        start.elapsed().as_secs_f64(),
        kinds.values().map(|(n, _)| n).sum::<usize>(),
        panics.len()
    );
    for (kind, (count, example)) in &kinds {
        println!("  {count:5} x {kind} (e.g. {example})");
    }
    assert!(panics.is_empty(), "panics on: {panics:#?}");
}

/// Every package of the registry through the whole tool, two at a time, each run with a time
/// limit (60 s in this debug build by default; `AUTHCHECK_SWEEP_TIMEOUT` sets it): zero panics
/// (exit 101), zero signals, zero timeouts. Prints the outcome and the slowest runs.
#[test]
fn registry_packages_never_crash_or_hang() {
    let Some(src) = common::registry_sources() else {
        eprintln!("registry sweep: no CARGO_HOME or HOME; skipped");
        return;
    };
    let timeout = Duration::from_secs_f64(
        std::env::var("AUTHCHECK_SWEEP_TIMEOUT")
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(60.0),
    );
    let mut packages: Vec<PathBuf> = std::fs::read_dir(&src)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|index| {
            std::fs::read_dir(index.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|entry| entry.path())
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .collect();
    packages.sort();
    if packages.is_empty() {
        eprintln!(
            "registry sweep: no packages under {}; skipped",
            src.display()
        );
        return;
    }
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let runs = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(dir) = packages.get(i) else { break };
                let manifest = dir.join("Cargo.toml");
                for command in ["routes", "check"] {
                    let args = [
                        command.as_ref(),
                        "--format".as_ref(),
                        "json".as_ref(),
                        "--manifest-path".as_ref(),
                        manifest.as_os_str(),
                    ];
                    let run = common::run_bounded(&args, timeout);
                    runs.lock().unwrap().push((dir.clone(), command, run));
                }
            });
        }
    });
    let runs = runs.into_inner().unwrap();
    let name = |dir: &Path| dir.file_name().unwrap().to_string_lossy().into_owned();
    let count = |f: fn(&Ended) -> bool| runs.iter().filter(|(_, _, r)| f(&r.ended)).count();
    let mut failures = Vec::new();
    let mut with_routes = 0;
    for (dir, command, run) in &runs {
        match run.ended {
            Ended::Exited(0 | 1) => {
                let routes = serde_json::from_str::<serde_json::Value>(&run.stdout)
                    .ok()
                    .and_then(|v| v["routes"].as_array().map(Vec::len))
                    .unwrap_or(0);
                with_routes += usize::from(*command == "routes" && routes > 0);
            }
            // A package cargo cannot read (exit 2) is a clear error, not a crash.
            Ended::Exited(2) => {}
            _ => failures.push(format!(
                "{command} {}: {:?} after {:.1}s\n{}",
                name(dir),
                run.ended,
                run.elapsed.as_secs_f64(),
                run.stderr.lines().take(5).collect::<Vec<_>>().join("\n")
            )),
        }
    }
    println!(
        "registry sweep: {} packages, {} runs in {:.1}s ({timeout:?} each): {} analysed ({with_routes} with routes), {} tool errors, {} panics, {} signals, {} timeouts",
        packages.len(),
        runs.len(),
        start.elapsed().as_secs_f64(),
        count(|e| matches!(e, Ended::Exited(0 | 1))),
        count(|e| *e == Ended::Exited(2)),
        count(|e| *e == Ended::Exited(101)),
        count(|e| *e == Ended::Signal),
        count(|e| *e == Ended::TimedOut),
    );
    let mut slowest: Vec<_> = runs.iter().collect();
    slowest.sort_by_key(|(_, _, r)| std::cmp::Reverse(r.elapsed));
    for (dir, command, run) in slowest.iter().take(8) {
        println!(
            "  {:7.2}s {command} {}",
            run.elapsed.as_secs_f64(),
            name(dir)
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
