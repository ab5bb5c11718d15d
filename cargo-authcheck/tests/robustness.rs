//! Hostile input never crashes the tool (DESIGN.md section 9): each case is a diagnostic and exit
//! status 1 (or 0 when nothing is wrong), never a panic (101), a stack overflow (a signal) or a
//! hang. Plus property tests over mutated sources and `authcheck.toml` text, and a sweep over the
//! `.rs` files of the local cargo registry.
//!
//! Each case is bounded to seconds in a debug build; the full registry sweep runs in release from
//! `scripts/bench` (`AUTHCHECK_SWEEP_ALL=1`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// A scratch crate whose `lib.rs` serves one protected route and declares `extra`.
struct Scratch {
    dir: tempfile::TempDir,
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

const LIB: &str = r#"use axum::{routing::get, Router};

pub struct RequireAuth;

pub async fn handler(_auth: RequireAuth) -> &'static str {
    "ok"
}

pub fn app() -> Router {
    Router::new().route("/", get(handler))
}
"#;

impl Scratch {
    fn new(extra_mods: &str) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let s = Scratch { dir };
        s.write(
            "Cargo.toml",
            b"[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        );
        s.write("src/lib.rs", format!("{extra_mods}\n{LIB}").as_bytes());
        s
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, contents: &[u8]) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Runs `check` with a deadline; a hang fails the test instead of blocking CI.
    fn check(&self) -> Output {
        let start = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
            .arg("check")
            .arg("--manifest-path")
            .arg(self.path("Cargo.toml"))
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Duration::from_secs(60);
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            if start.elapsed() > deadline {
                child.kill().unwrap();
                panic!("cargo-authcheck did not finish within {deadline:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: start.elapsed(),
        }
    }
}

/// Exit 1 with a `parse-error` containing `message`; the good route is still checked.
fn assert_reported(out: &Output, message: &str) {
    assert_eq!(
        out.code,
        Some(1),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout.contains("error[parse-error]") && out.stdout.contains(message),
        "expected a parse-error with {message:?}:\n{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("1 route checked"),
        "the rest of the crate is still analysed:\n{}",
        out.stdout
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

fn hostile(contents: &[u8], message: &str) -> Output {
    let s = Scratch::new("mod hostile;");
    s.write("src/hostile.rs", contents);
    let out = s.check();
    assert_reported(&out, message);
    out
}

const LEVELS: usize = 100_000;

#[test]
fn deeply_nested_parentheses() {
    let text = format!(
        "pub fn f() -> u8 {{ {}1{} }}\n",
        "(".repeat(LEVELS),
        ")".repeat(LEVELS)
    );
    hostile(text.as_bytes(), "brackets nest deeper than 256 levels");
}

#[test]
fn deeply_nested_blocks() {
    let text = format!(
        "pub fn f() {{ {}{} }}\n",
        "{".repeat(LEVELS),
        "}".repeat(LEVELS)
    );
    hostile(text.as_bytes(), "brackets nest deeper than 256 levels");
}

#[test]
fn deeply_nested_unary_operators() {
    for op in ["!", "-", "- ", "*", "&"] {
        let text = format!("pub fn f() -> i64 {{ {}1 }}\n", op.repeat(LEVELS));
        hostile(text.as_bytes(), "prefix operators in a row");
    }
}

#[test]
fn very_long_operator_chains() {
    // Left-nested trees 100k deep overflow the stack when they are walked or dropped.
    let sum = format!("pub fn f() -> u64 {{ 1{} }}\n", " + 1".repeat(LEVELS));
    hostile(sum.as_bytes(), "more than 2048 chained operators");
    let chain = format!("pub fn f(x: X) -> X {{ x{} }}\n", ".clone()".repeat(LEVELS));
    hostile(chain.as_bytes(), "more than 2048 chained operators");
    let ty = format!(
        "pub type T = {}u8{};\n",
        "Vec<".repeat(LEVELS),
        ">".repeat(LEVELS)
    );
    hostile(
        ty.as_bytes(),
        "generic arguments nest deeper than 256 levels",
    );
    for (head, piece) in [
        ("a", " || a"),
        ("a", " = a"),
        ("a", "?"),
        ("1", " as u8"),
        ("a", " & a"),
    ] {
        let text = format!("pub fn f() {{ {head}{} }}\n", piece.repeat(LEVELS));
        hostile(text.as_bytes(), "more than 2048 chained operators");
    }
}

/// The limits leave room for big but real router code: a 2000-route chain is analysed.
#[test]
fn long_router_chain_is_analysed() {
    let mut routes = String::new();
    for i in 0..2000 {
        routes.push_str(&format!("\n        .route(\"/r{i}\", get(handler))"));
    }
    let s = Scratch::new("mod big;");
    s.write(
        "src/big.rs",
        format!(
            "use axum::{{routing::get, Router}};\nuse crate::handler;\n\npub fn big() -> Router {{\n    Router::new(){routes}\n}}\n"
        )
        .as_bytes(),
    );
    let out = s.check();
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("2001 routes checked"), "{}", out.stdout);
}

#[test]
fn fifty_megabyte_file() {
    let line = "pub fn generated_0000000(x: u64) -> u64 { x.wrapping_mul(31).wrapping_add(7) }\n";
    let mut text = String::with_capacity(50 << 20);
    let mut i = 0u64;
    while text.len() < 50 << 20 {
        text.push_str(&line.replace("0000000", &format!("{i:07}")));
        i += 1;
    }
    let out = hostile(text.as_bytes(), "over the 16 MiB limit");
    assert!(
        out.elapsed < Duration::from_secs(30),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn invalid_utf8() {
    hostile(
        b"pub fn ok() {}\npub fn caf\xc3\x28() {}\n",
        "file is not valid UTF-8",
    );
}

/// Deterministic pseudo-random bytes.
fn junk(len: usize, seed: u64, ascii: bool) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if ascii {
                (x % 128) as u8
            } else {
                x as u8
            }
        })
        .collect()
}

#[test]
fn binary_junk() {
    let bytes = junk(1 << 20, 7, false);
    assert!(bytes.contains(&0));
    hostile(&bytes, "file is not valid UTF-8");
    // Valid UTF-8 (ASCII with NULs and control characters) that is not Rust.
    let ascii = junk(1 << 20, 11, true);
    let out = {
        let s = Scratch::new("mod hostile;");
        s.write("src/hostile.rs", &ascii);
        s.check()
    };
    assert_eq!(out.code, Some(1), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("error[parse-error]"), "{}", out.stdout);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[cfg(unix)]
#[test]
fn symlink_loops() {
    use std::os::unix::fs::symlink;
    // A file symlink cycle, and a directory symlink pointing back at its parent.
    let s = Scratch::new("mod cycle;\nmod sub;");
    symlink(s.path("src/cycle_b.rs"), s.path("src/cycle.rs")).unwrap();
    symlink(s.path("src/cycle.rs"), s.path("src/cycle_b.rs")).unwrap();
    symlink(s.path("src"), s.path("src/sub")).unwrap();
    s.write("src/mod.rs", b"pub mod sub;\n");
    let out = s.check();
    assert_reported(&out, "file not found for module `cycle`");
    assert!(
        out.stdout.contains("file not found for module `sub`")
            || out.stdout.contains("is already loaded"),
        "{}",
        out.stdout
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("mod secret;");
    s.write("src/secret.rs", b"pub fn f() {}\n");
    let path = s.path("src/secret.rs");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root (CI containers), mode 000 does not prevent reading: the file is then analysed
    // normally and only "no crash" can be asserted.
    let readable = std::fs::read(&path).is_ok();
    let out = s.check();
    if readable {
        assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    } else {
        assert_reported(&out, "cannot read");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn mod_cycle_through_path_attributes() {
    let s = Scratch::new("#[path = \"a.rs\"]\nmod a;");
    s.write("src/a.rs", b"#[path = \"b.rs\"]\nmod b;\n");
    s.write(
        "src/b.rs",
        b"#[path = \"a.rs\"]\nmod a_again;\n#[path = \"lib.rs\"]\nmod root_again;\n",
    );
    let out = s.check();
    assert_reported(&out, "is already loaded as module");
}

fn fixture_sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("target") {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"),
        &mut files,
    );
    files.sort();
    files
        .into_iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    FlipByte(usize, u8),
    SwapTokens(usize, usize),
    Duplicate(usize, usize),
}

fn mutate(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match *m {
            Mutation::Truncate(at) => bytes.truncate(at % bytes.len()),
            Mutation::FlipByte(at, x) => {
                let i = at % bytes.len();
                bytes[i] ^= x | 1;
            }
            Mutation::SwapTokens(a, b) => {
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                let mut tokens: Vec<&str> = lossy.split(' ').collect();
                let n = tokens.len();
                tokens.swap(a % n, b % n);
                bytes = tokens.join(" ").into_bytes();
            }
            Mutation::Duplicate(at, len) => {
                let start = at % bytes.len();
                let end = (start + len % 200).min(bytes.len());
                let piece = bytes[start..end].to_vec();
                bytes.splice(start..start, piece);
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(a, x)| Mutation::FlipByte(a, x)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutated fixture sources (truncations, byte flips, token swaps, duplicated slices) are
    /// summarized or reported, never a panic.
    #[test]
    fn mutated_sources_never_panic(
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let sources = fixture_sources();
        let (_, text) = &sources[file.index(sources.len())];
        let bytes = mutate(text, &mutations);
        let _ = cargo_authcheck::parse::summarize_bytes(bytes);
    }

    /// Arbitrary text and mutated real configs: `Ok` or `Err`, never a panic.
    #[test]
    fn config_text_never_panics(
        text in "(\\[\\[?[a-z]{0,8}\\]\\]?|[a-z-]{1,12} ?= ?(\"[^\"]{0,20}\"|\\[.{0,30}\\]|\\{.{0,30}\\}|[0-9]{1,3}|true)|[^\\n]{0,40})(\\n(\\[\\[?[a-z]{0,8}\\]\\]?|[a-z-]{1,12} ?= ?(\"[^\"]{0,20}\"|\\[.{0,30}\\]|[0-9]{1,3})|[^\\n]{0,40})){0,12}",
        cut in any::<prop::sample::Index>(),
    ) {
        let known = ["unprotected-route", "doc-claims-auth", "parse-error"];
        let path = Path::new("authcheck.toml");
        let _ = cargo_authcheck::config::from_str(&text, path, &known);
        let real = include_str!("../../authcheck.toml");
        let mut cut_at = cut.index(real.len() + 1);
        while !real.is_char_boundary(cut_at) {
            cut_at -= 1;
        }
        let spliced = format!("{}{}", &real[..cut_at], text);
        let _ = cargo_authcheck::config::from_str(&spliced, path, &known);
    }
}

/// Every `.rs` file of the local cargo registry sources through the per-file parse path: zero
/// panics. In a debug test run the files are sampled deterministically (every n-th file, at most
/// a time budget); `AUTHCHECK_SWEEP_ALL=1` (scripts/bench, release) sweeps them all.
#[test]
fn registry_sweep_never_panics() {
    // With the stack the binary gives its analysis (`cli::main`): the test harness's 2 MiB
    // thread is too small for deeply nested generated code (typenum's `gen/consts.rs`) in a
    // debug build.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(registry_sweep)
        .unwrap()
        .join()
        .unwrap();
}

fn registry_sweep() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        eprintln!("registry sweep: no CARGO_HOME or HOME; skipped");
        return;
    };
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                walk(&path, out);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    walk(&src, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!(
            "registry sweep: no sources under {}; skipped",
            src.display()
        );
        return;
    }
    let all = std::env::var_os("AUTHCHECK_SWEEP_ALL").is_some();
    let total = files.len();
    let (step, budget) = if all {
        (1, Duration::MAX)
    } else if cfg!(debug_assertions) {
        (total.div_ceil(3000).max(1), Duration::from_secs(30))
    } else {
        (total.div_ceil(20_000).max(1), Duration::from_secs(40))
    };
    let start = Instant::now();
    let (mut swept, mut bytes, mut problems) = (0usize, 0u64, 0usize);
    let mut kinds: std::collections::BTreeMap<String, (usize, String)> = Default::default();
    let mut panics = Vec::new();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for path in files.iter().step_by(step) {
        if start.elapsed() > budget {
            break;
        }
        swept += 1;
        bytes += std::fs::metadata(path).map_or(0, |m| m.len());
        match std::panic::catch_unwind(|| cargo_authcheck::parse::summarize_file(path)) {
            Ok(Ok(_)) => {}
            Ok(Err(problem)) => {
                problems += 1;
                // "cannot parse: expected `;`" -> "cannot parse"; limits keep their wording.
                let kind = problem
                    .message
                    .split([':', '('])
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let at = format!("{}:{}", path.display(), problem.loc.line);
                let entry = kinds.entry(kind).or_insert((0, at));
                entry.0 += 1;
            }
            Err(_) => panics.push(path.clone()),
        }
    }
    std::panic::set_hook(default_hook);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "registry sweep: {swept} of {total} files (every {step}th{}), {:.1} MB in {secs:.2}s ({:.0} files/s), {problems} reported as parse problems, {} panics",
        if swept * step < total && step == 1 { ", time budget reached" } else { "" },
        bytes as f64 / 1e6,
        swept as f64 / secs.max(1e-9),
        panics.len()
    );
    for (kind, (count, example)) in &kinds {
        println!("  {count:5} x {kind} (e.g. {example})");
    }
    assert!(panics.is_empty(), "panics on: {panics:#?}");
}
