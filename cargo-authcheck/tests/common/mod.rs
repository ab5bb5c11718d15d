//! Helpers shared by the integration tests: running the binary as cargo does, scratch crates,
//! and copies of fixtures in a scratch workspace that compiles with the fixtures' target dir.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cargo-authcheck authcheck ARGS` in `dir`.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .arg("authcheck")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `diagnostics` of `check --format json` output.
pub fn diagnostics(stdout: &str) -> Vec<serde_json::Value> {
    let json: serde_json::Value = serde_json::from_str(stdout).unwrap();
    json["diagnostics"].as_array().unwrap().clone()
}

/// A field of a diagnostic as text (`""` when it is null).
pub fn field(d: &serde_json::Value, name: &str) -> String {
    d[name].as_str().unwrap_or_default().to_string()
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .canonicalize()
        .expect("fixtures/ exists")
}

/// A scratch directory with files written from `(path, text)` pairs.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    /// A one-package workspace `mini` with the given files.
    pub fn crate_with(files: &[(&str, &str)]) -> Scratch {
        let s = Scratch {
            dir: tempfile::tempdir().unwrap(),
        };
        s.write(
            "Cargo.toml",
            "[package]\nname = \"mini\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
        );
        for (path, text) in files {
            s.write(path, text);
        }
        s
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, text: &str) {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        run(self.dir.path(), args)
    }
}

/// A copy of fixture `name` in a scratch workspace beside copies of the crates it uses
/// (`fixture_common`, `fixture_macros`), with the fixtures' lock file: it resolves offline and
/// compiles with the fixtures' target dir, so only the copied crates are compiled again.
pub fn fixture_copy(name: &str) -> Scratch {
    let fixtures = fixtures_dir();
    let s = Scratch {
        dir: tempfile::tempdir().unwrap(),
    };
    for member in ["common", "macros", name] {
        copy_dir(&fixtures.join(member), &s.path().join(member));
    }
    let manifest: toml::Table = std::fs::read_to_string(fixtures.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let workspace = manifest["workspace"].as_table().unwrap();
    let mut deps = workspace["dependencies"].as_table().unwrap().clone();
    deps.retain(|k, _| !k.starts_with("fx-"));
    let mut ws = toml::Table::new();
    ws.insert("resolver".into(), "2".into());
    ws.insert(
        "members".into(),
        toml::Value::Array(vec!["common".into(), "macros".into(), name.into()]),
    );
    ws.insert("package".into(), workspace["package"].clone());
    ws.insert("dependencies".into(), toml::Value::Table(deps));
    let mut root = toml::Table::new();
    root.insert("workspace".into(), toml::Value::Table(ws));
    s.write("Cargo.toml", &toml::to_string(&root).unwrap());
    std::fs::copy(fixtures.join("Cargo.lock"), s.path().join("Cargo.lock")).unwrap();
    s
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == "expected" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// `cargo check --offline` of a scratch workspace with the fixtures' target dir.
pub fn cargo_check(workspace: &Path) -> Result<(), String> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "check",
            "--offline",
            "--quiet",
            "--workspace",
            "--manifest-path",
        ])
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", fixtures_dir().join("target"))
        .env("RUSTFLAGS", "")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Every file under `dir` (but `target`) with its text, for before/after comparisons.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// How a bounded run of the binary ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    /// Killed by a signal (a stack overflow aborts).
    Signal,
    TimedOut,
}

/// A bounded run: how it ended, its output and how long it took.
pub struct Bounded {
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: std::time::Duration,
}

/// Runs `cargo-authcheck ARGS`, killed at `deadline` (a hang is a result, never a stuck test).
/// The outputs are read as they come, so a chatty run never blocks on a full pipe.
pub fn run_bounded<S: AsRef<std::ffi::OsStr>>(
    args: &[S],
    deadline: std::time::Duration,
) -> Bounded {
    use std::io::Read;
    use std::process::Stdio;
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-authcheck"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = read(child.stderr.take().map(|p| Box::new(p) as _));
    let ended = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().map_or(Ended::Signal, Ended::Exited);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break Ended::TimedOut;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    Bounded {
        ended,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed: start.elapsed(),
    }
}

/// `$CARGO_HOME/registry/src` (the unpacked sources of every crate cargo has downloaded).
pub fn registry_sources() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    Some(home.join("registry/src"))
}
