//! Hostile input never crashes the tool (DESIGN.md section 9): each case is a diagnostic and exit
//! status 1 (or 0 when nothing is wrong), never a panic (101), a stack overflow (a signal) or a
//! hang. Plus property tests over mutated sources and `authcheck.toml` text.
//!
//! Each case is bounded to seconds in a debug build. Real code from the local cargo registry is
//! swept in `registry.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use cargo_authcheck::parse::Limits;
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
        let manifest = self.path("Cargo.toml");
        let run = common::run_bounded(
            &[
                "check".as_ref(),
                "--manifest-path".as_ref(),
                manifest.as_os_str(),
            ],
            Duration::from_secs(60),
        );
        let code = match run.ended {
            common::Ended::Exited(code) => Some(code),
            common::Ended::Signal => None,
            common::Ended::TimedOut => panic!("cargo-authcheck did not finish within 60 s"),
        };
        Output {
            code,
            stdout: run.stdout,
            stderr: run.stderr,
            elapsed: run.elapsed,
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

/// A `parse-error` saying the file nests too deeply, naming what nests.
fn too_deep(contents: &[u8], what: &str) {
    let out = hostile(contents, "code nests too deeply to analyse safely");
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("nests too deeply"))
        .unwrap_or_default();
    assert!(line.contains(what), "expected {what:?} in {line:?}");
}

const LEVELS: usize = 100_000;

#[test]
fn deeply_nested_parentheses() {
    let text = format!(
        "pub fn f() -> u8 {{ {}1{} }}\n",
        "(".repeat(LEVELS),
        ")".repeat(LEVELS)
    );
    too_deep(text.as_bytes(), "brackets");
}

#[test]
fn deeply_nested_blocks() {
    let text = format!(
        "pub fn f() {{ {}{} }}\n",
        "{".repeat(LEVELS),
        "}".repeat(LEVELS)
    );
    too_deep(text.as_bytes(), "brackets");
}

#[test]
fn deeply_nested_unary_operators() {
    for op in ["!", "-", "- ", "*", "&"] {
        let text = format!("pub fn f() -> i64 {{ {}1 }}\n", op.repeat(LEVELS));
        too_deep(text.as_bytes(), "prefix operators");
    }
}

#[test]
fn very_long_operator_chains() {
    // Left-nested trees 100k deep overflow the stack when they are walked or dropped.
    let sum = format!("pub fn f() -> u64 {{ 1{} }}\n", " + 1".repeat(LEVELS));
    too_deep(sum.as_bytes(), "chained operators");
    let chain = format!("pub fn f(x: X) -> X {{ x{} }}\n", ".clone()".repeat(LEVELS));
    too_deep(chain.as_bytes(), "chained operators");
    let ty = format!(
        "pub type T = {}u8{};\n",
        "Vec<".repeat(LEVELS),
        ">".repeat(LEVELS)
    );
    too_deep(ty.as_bytes(), "generic arguments");
    for (head, piece, what) in [
        ("a", " || a", "chained operators"),
        ("a", " = a", "prefix operators"),
        ("a", "?", "chained operators"),
        ("1", " as u8", "chained operators"),
        ("a", " & a", "chained operators"),
        ("if a {}", " else if a {}", "chained operators"),
        ("1", " + {1}", "chained operators"),
    ] {
        let text = format!("pub fn f() {{ {head}{} }}\n", piece.repeat(LEVELS));
        too_deep(text.as_bytes(), what);
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
        let _ = cargo_authcheck::parse::summarize_bytes(bytes, Limits::tool());
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

/// A thread stack as small as a test thread's.
const SMALL_STACK: usize = 2 << 20;

/// typenum's shape: thousands of aliases of `UInt<..>` nested as deep as the bits of the number
/// (64 here). On a small stack it is a clean `parse-error` (or parses); on the tool's own
/// threads it parses, and through the whole tool the crate is analysed.
#[test]
fn typenum_shaped_file() {
    let mut text = String::from(
        "pub struct UTerm;\npub struct B0;\npub struct B1;\npub struct UInt<U, B>(U, B);\n",
    );
    for n in 1u128..3000 {
        text.push_str(&format!("pub type U{n} = {};\n", uint(n)));
    }
    for bits in [32u32, 48, 63, 64] {
        let n = (1u128 << bits) - 1;
        text.push_str(&format!("pub type U{n} = {};\n", uint(n)));
    }
    let small = {
        let text = text.clone();
        std::thread::Builder::new()
            .stack_size(SMALL_STACK)
            .spawn(move || {
                cargo_authcheck::parse::summarize_bytes(
                    text.into_bytes(),
                    Limits::for_stack(SMALL_STACK),
                )
                .map(|s| s.modules[0].entries.len())
                .map_err(|p| p.message)
            })
            .unwrap()
            .join()
            .expect("no panic, no overflow")
    };
    match &small {
        Ok(entries) => assert_eq!(*entries, 4 + 3003),
        Err(message) => assert!(message.contains("nests too deeply"), "{message}"),
    }
    let s = Scratch::new("pub mod consts;");
    s.write("src/consts.rs", text.as_bytes());
    let out = s.check();
    assert_eq!(out.code, Some(0), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("1 route checked"), "{}", out.stdout);
}

/// `UInt<UInt<UTerm, B1>, B0>` for 2, as typenum writes it.
fn uint(n: u128) -> String {
    if n == 0 {
        return "UTerm".into();
    }
    format!("UInt<{}, B{}>", uint(n >> 1), n & 1)
}
