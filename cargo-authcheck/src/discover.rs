//! Finds what to analyse: the workspace's packages, their lib and bin crate roots, and which of
//! them the user selected, from `cargo metadata --no-deps` (offline, no build, no lock file needed).
//!
//! `cargo metadata` runs in the background ([`start`]): an analysis with a cache goes on meanwhile
//! with the workspace the last run found for the same selection ([`recall`]), and keeps its work
//! only if cargo's answer is that workspace (see `analysis`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cargo_metadata::{Metadata, MetadataCommand, TargetKind};
use serde::{Deserialize, Serialize};

/// Why the workspace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("`{0}` does not exist")]
    MissingManifest(PathBuf),
    #[error("cannot read the cargo workspace at `{path}`: {message}")]
    Metadata { path: PathBuf, message: String },
    #[error("no package named `{0}` in the workspace")]
    UnknownPackage(String),
}

/// A crate to index: one lib or bin target of a workspace package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrateRoot {
    /// The crate's name as written in Rust code (`my_api`).
    pub name: String,
    /// The package it belongs to.
    pub package: String,
    pub root_file: PathBuf,
    pub is_lib: bool,
    /// Whether its routes are reported (false: only indexed for name resolution).
    pub selected: bool,
    /// Crate names (as in Rust code) of the workspace packages it depends on.
    pub workspace_deps: Vec<String>,
    /// What cargo's JSON messages say about it (`--message-format json`).
    pub cargo: CargoTarget,
}

/// A crate as cargo names it in its JSON messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CargoTarget {
    pub package_id: String,
    pub manifest_path: PathBuf,
    pub target: cargo_metadata::Target,
}

/// The workspace as the analysis needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub root: PathBuf,
    /// Cargo's target directory (where the cache lives).
    pub target_dir: PathBuf,
    pub crates: Vec<CrateRoot>,
    /// The directory of the single selected package, when exactly one is selected.
    pub selected_package_dir: Option<PathBuf>,
}

/// What the user asked to check.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub manifest_path: Option<PathBuf>,
    pub packages: Vec<String>,
    pub workspace: bool,
}

/// Reads the workspace with `cargo metadata --no-deps --offline`.
pub fn discover(selection: &Selection) -> Result<Workspace, DiscoverError> {
    start(selection)?.finish()
}

/// `cargo metadata` running on a thread of its own.
pub struct Discovery {
    selection: Selection,
    metadata: std::thread::JoinHandle<Result<Metadata, cargo_metadata::Error>>,
}

/// Starts `cargo metadata --no-deps --offline` for `selection`.
pub fn start(selection: &Selection) -> Result<Discovery, DiscoverError> {
    let mut command = MetadataCommand::new();
    command
        .no_deps()
        .other_options(vec!["--offline".to_string()]);
    if let Some(path) = &selection.manifest_path {
        if !path.exists() {
            return Err(DiscoverError::MissingManifest(path.clone()));
        }
        command.manifest_path(path);
    }
    Ok(Discovery {
        selection: selection.clone(),
        metadata: std::thread::spawn(move || command.exec()),
    })
}

impl Discovery {
    /// The workspace, once cargo has answered.
    pub fn finish(self) -> Result<Workspace, DiscoverError> {
        let selection = self.selection;
        let failed = |message: String| DiscoverError::Metadata {
            path: selection
                .manifest_path
                .clone()
                .unwrap_or_else(|| PathBuf::from(".")),
            message,
        };
        let metadata = match self.metadata.join() {
            Ok(result) => result.map_err(|e| failed(first_line_of_cargo_error(&e)))?,
            Err(_) => return Err(failed("reading cargo's answer failed".to_string())),
        };
        workspace_of(&metadata, &selection)
    }
}

/// Where the workspace found for `selection` is remembered under `target_dir`: one file per
/// selection and directory it was made from (`cargo metadata` answers from the current one).
fn recall_file(target_dir: &Path, selection: &Selection) -> PathBuf {
    let key = format!(
        "{:?}\0{:?}\0{:?}\0{}",
        std::env::current_dir().ok(),
        selection.manifest_path,
        selection.packages,
        selection.workspace
    );
    target_dir.join("authcheck").join(format!(
        "workspace-{:016x}.json",
        crate::cache::hash(key.as_bytes()) as u64
    ))
}

/// The workspace the last run with a cache found for `selection`, if it is where cargo's target
/// directory usually is: `CARGO_TARGET_DIR`, else `target` in the manifest's directory or above.
/// Only a guess: the caller checks it against cargo's answer.
pub fn recall(selection: &Selection) -> Option<Workspace> {
    let candidates: Vec<PathBuf> = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => vec![std::path::absolute(dir).ok()?],
        None => {
            let start = match &selection.manifest_path {
                Some(path) => std::path::absolute(path).ok()?.parent()?.to_path_buf(),
                None => std::env::current_dir().ok()?,
            };
            start.ancestors().map(|dir| dir.join("target")).collect()
        }
    };
    candidates.iter().find_map(|target_dir| {
        let text = std::fs::read(recall_file(target_dir, selection)).ok()?;
        let workspace: Workspace = serde_json::from_slice(&text).ok()?;
        (workspace.target_dir == *target_dir).then_some(workspace)
    })
}

/// Remembers the workspace found for `selection` for the next run ([`recall`]); a file that
/// cannot be written is not an error.
pub fn remember(selection: &Selection, workspace: &Workspace) {
    let path = recall_file(&workspace.target_dir, selection);
    // Written whole or not at all: a reader never sees half a file.
    let write = || -> Option<()> {
        let dir = path.parent()?;
        std::fs::create_dir_all(dir).ok()?;
        let mut file = tempfile::NamedTempFile::new_in(dir).ok()?;
        serde_json::to_writer(&mut file, workspace).ok()?;
        file.persist(&path).ok().map(drop)
    };
    let _ = write();
}

/// The workspace as `selection` sees it in cargo's metadata.
fn workspace_of(metadata: &Metadata, selection: &Selection) -> Result<Workspace, DiscoverError> {
    let root: PathBuf = metadata.workspace_root.clone().into();
    let target_dir: PathBuf = metadata.target_directory.clone().into();
    let members: Vec<_> = metadata.workspace_packages();
    for name in &selection.packages {
        if !members.iter().any(|p| p.name.as_str() == name) {
            return Err(DiscoverError::UnknownPackage(name.clone()));
        }
    }
    // `--manifest-path` of a member selects that member alone (as cargo does); otherwise the
    // default members, or everything with `--workspace`.
    let manifest_member = selection.manifest_path.as_ref().and_then(|p| {
        let p = p.canonicalize().ok()?;
        members
            .iter()
            .find(|m| Path::new(m.manifest_path.as_std_path()) == p)
            .map(|m| m.name.to_string())
    });
    let default_members: BTreeSet<_> = metadata
        .workspace_default_members
        .iter()
        .map(|id| id.repr.clone())
        .collect();
    let is_selected = |p: &cargo_metadata::Package| {
        if !selection.packages.is_empty() {
            selection.packages.iter().any(|n| n == p.name.as_str())
        } else if let (Some(member), false) = (&manifest_member, selection.workspace) {
            member == p.name.as_str()
        } else {
            selection.workspace
                || default_members.is_empty()
                || default_members.contains(&p.id.repr)
        }
    };

    let member_lib_names: Vec<(String, String)> = members
        .iter()
        .filter_map(|p| {
            let lib = p.targets.iter().find(|t| is_lib(&t.kind))?;
            Some((p.name.to_string(), lib.name.replace('-', "_")))
        })
        .collect();
    let mut crates = Vec::new();
    let mut selected_dirs = Vec::new();
    for package in &members {
        let selected = is_selected(package);
        if selected {
            selected_dirs.push(
                package
                    .manifest_path
                    .parent()
                    .map(|p| p.as_std_path().to_path_buf()),
            );
        }
        let workspace_deps: Vec<String> = package
            .dependencies
            .iter()
            .filter_map(|d| {
                member_lib_names
                    .iter()
                    .find(|(pkg, _)| *pkg == d.name)
                    .map(|(_, lib)| {
                        d.rename
                            .clone()
                            .unwrap_or_else(|| lib.clone())
                            .replace('-', "_")
                    })
            })
            .collect();
        let own_lib = package
            .targets
            .iter()
            .find(|t| is_lib(&t.kind))
            .map(|t| t.name.replace('-', "_"));
        for target in &package.targets {
            let lib = is_lib(&target.kind);
            let bin = target.kind.contains(&TargetKind::Bin);
            if !lib && !bin {
                continue;
            }
            let mut deps = workspace_deps.clone();
            if bin {
                deps.extend(own_lib.clone());
            }
            crates.push(CrateRoot {
                name: target.name.replace('-', "_"),
                package: package.name.to_string(),
                root_file: target.src_path.clone().into(),
                is_lib: lib,
                selected,
                workspace_deps: deps,
                cargo: CargoTarget {
                    package_id: package.id.repr.clone(),
                    manifest_path: package.manifest_path.clone().into(),
                    target: target.clone(),
                },
            });
        }
    }
    let selected_package_dir = match selected_dirs.as_slice() {
        [Some(dir)] => Some(dir.clone()),
        _ => None,
    };
    Ok(Workspace {
        root,
        target_dir,
        crates,
        selected_package_dir,
    })
}

fn is_lib(kinds: &[TargetKind]) -> bool {
    kinds.iter().any(|k| {
        matches!(
            k,
            TargetKind::Lib
                | TargetKind::RLib
                | TargetKind::DyLib
                | TargetKind::CDyLib
                | TargetKind::StaticLib
                | TargetKind::ProcMacro
        )
    })
}

fn first_line_of_cargo_error(e: &cargo_metadata::Error) -> String {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => stderr
            .lines()
            .take_while(|l| !l.trim_start().starts_with("Stack backtrace"))
            .map(|l| l.trim_start_matches("error: ").trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}
