//! Baselines: `--write-baseline FILE` records the current findings by their fingerprints, and
//! `--baseline FILE` then reports only findings that are not in it (and the entries that no longer
//! match any finding, so the file can shrink as findings are fixed).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::fingerprint::fingerprints;
use crate::source::SourceMap;

/// A baseline file that cannot be read or is not a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write baseline {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: not a baseline file: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The file: a version, and one entry per finding (the fields besides the fingerprint are for
/// the people reviewing it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub code: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    pub message: String,
}

/// The result of holding findings against a baseline.
#[derive(Debug, Default)]
pub struct Filtered {
    /// Findings not in the baseline.
    pub new: Vec<Diagnostic>,
    /// How many findings the baseline accounted for.
    pub known: usize,
    /// Entries no finding matched (fixed, or changed beyond recognition).
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// The baseline recording `diagnostics`.
    pub fn of(diagnostics: &[Diagnostic], sources: &SourceMap) -> Baseline {
        let findings = diagnostics
            .iter()
            .zip(fingerprints(diagnostics, sources))
            .map(|(d, fingerprint)| Entry {
                fingerprint,
                code: d.code.to_string(),
                file: sources.get(d.primary.loc.file).display.clone(),
                route: d.route.clone(),
                message: d.message.clone(),
            })
            .collect();
        Baseline {
            version: 1,
            findings,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parsed: Baseline = serde_json::from_str(&text).map_err(|e| BaselineError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if parsed.version != 1 {
            return Err(BaselineError::Parse {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: format!("version {} is not supported (1 is)", parsed.version),
            });
        }
        Ok(parsed)
    }

    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Splits `diagnostics` into the new ones and the ones the baseline knows (each entry
    /// accounts for one finding).
    pub fn filter(&self, diagnostics: Vec<Diagnostic>, sources: &SourceMap) -> Filtered {
        let mut remaining: HashMap<&str, usize> = HashMap::new();
        for e in &self.findings {
            *remaining.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let prints = fingerprints(&diagnostics, sources);
        let mut out = Filtered::default();
        for (d, print) in diagnostics.into_iter().zip(&prints) {
            match remaining.get_mut(print.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    out.known += 1;
                }
                _ => out.new.push(d),
            }
        }
        for e in &self.findings {
            if let Some(n) = remaining.get_mut(e.fingerprint.as_str()) {
                if *n > 0 {
                    *n -= 1;
                    out.stale.push(e.clone());
                }
            }
        }
        out
    }
}
