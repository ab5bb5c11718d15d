//! A revision of the repository as files on disk, for analysing it: `git archive REV` unpacked
//! into a temporary directory (removed when dropped). Read-only for the repository: no worktree,
//! index, ref or config of it changes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why a revision could not be materialised.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("`{0}` is not inside a git repository")]
    NotARepository(PathBuf),
    #[error("unknown revision `{0}`")]
    UnknownRevision(String),
    #[error("`git {command}` failed: {message}")]
    Failed { command: String, message: String },
}

/// The files of one revision, in a temporary directory.
pub struct Checkout {
    dir: tempfile::TempDir,
    /// The full commit id.
    pub commit: String,
}

impl Checkout {
    /// The revision's copy of the repository's top directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// The top directory of the repository holding `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf, GitError> {
    let out = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|_| GitError::NotARepository(dir.to_path_buf()))?;
    Ok(PathBuf::from(out.trim()))
}

/// Unpacks `rev` of the repository at `top` into a new temporary directory.
pub fn checkout(top: &Path, rev: &str) -> Result<Checkout, GitError> {
    let spec = format!("{rev}^{{commit}}");
    let commit = git(top, &["rev-parse", "--verify", "--quiet", &spec])
        .map_err(|_| GitError::UnknownRevision(rev.to_string()))?
        .trim()
        .to_string();
    let dir = tempfile::Builder::new()
        .prefix("authcheck-diff-")
        .tempdir()
        .map_err(|e| failed("archive", e.to_string()))?;
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(top)
        .args(["archive", "--format=tar", &commit])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed("archive", e.to_string()))?;
    let stdout = archive
        .stdout
        .take()
        .ok_or_else(|| failed("archive", "no output".into()))?;
    let untar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dir.path())
        .stdin(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| failed("archive", format!("cannot run tar: {e}")))?;
    let archived = archive
        .wait_with_output()
        .map_err(|e| failed("archive", e.to_string()))?;
    if !archived.status.success() {
        return Err(failed(
            "archive",
            String::from_utf8_lossy(&archived.stderr).trim().to_string(),
        ));
    }
    if !untar.status.success() {
        return Err(failed(
            "archive",
            format!("tar: {}", String::from_utf8_lossy(&untar.stderr).trim()),
        ));
    }
    Ok(Checkout { dir, commit })
}

fn failed(command: &str, message: String) -> GitError {
    GitError::Failed {
        command: command.to_string(),
        message,
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| failed(args[0], e.to_string()))?;
    if !out.status.success() {
        return Err(failed(
            args[0],
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
