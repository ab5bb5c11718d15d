//! Applies the machine-applicable suggestions of a run: collects their edits per file, drops a
//! suggestion whose edits overlap edits already taken (all of its edits, so no fix is applied
//! halfway), and produces each file's new text and the unified diff between the two.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostic::{Applicability, Diagnostic, Edit};
use crate::source::{FileId, SourceMap};

/// One file the fixes change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    /// As shown to users (relative to the workspace root).
    pub display: String,
    pub before: String,
    pub after: String,
}

/// What applying the suggestions of a run does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub changes: Vec<FileChange>,
    /// The findings whose suggestion is applied (indices into the diagnostics given).
    pub fixed: Vec<usize>,
    /// Machine-applicable suggestions left out because they overlap another one.
    pub conflicting: Vec<usize>,
}

/// Plans every machine-applicable suggestion of `diagnostics`.
pub fn plan(diagnostics: &[Diagnostic], sources: &SourceMap) -> Plan {
    let mut taken: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    let mut plan = Plan::default();
    for (i, d) in diagnostics.iter().enumerate() {
        let Some(s) = &d.suggestion else { continue };
        if s.applicability != Applicability::MachineApplicable || s.edits.is_empty() {
            continue;
        }
        let fits = s.edits.iter().all(|e| {
            taken
                .get(&e.file)
                .is_none_or(|edits| edits.iter().all(|t| t == e || !overlaps(t, e)))
        });
        if !fits {
            plan.conflicting.push(i);
            continue;
        }
        for e in &s.edits {
            let edits = taken.entry(e.file).or_default();
            if !edits.contains(e) {
                edits.push(e.clone());
            }
        }
        plan.fixed.push(i);
    }
    for (file, mut edits) in taken {
        let source = sources.get(file);
        let before = source.text().to_string();
        // Stable: insertions at one offset keep the order they were taken in.
        edits.sort_by_key(|e| (e.start, e.end));
        let mut after = String::with_capacity(before.len() + 256);
        let mut cursor = 0;
        for e in &edits {
            after.push_str(&before[cursor..e.start]);
            after.push_str(&e.replacement);
            cursor = e.end;
        }
        after.push_str(&before[cursor..]);
        if after != before {
            plan.changes.push(FileChange {
                path: source.path.clone(),
                display: source.display.clone(),
                before,
                after,
            });
        }
    }
    plan
}

/// Two edits touch the same text (insertions at one offset do not: both are made).
fn overlaps(a: &Edit, b: &Edit) -> bool {
    let inside = |point: usize, e: &Edit| e.start < point && point < e.end;
    if a.start == a.end || b.start == b.end {
        return inside(a.start, b) || inside(b.start, a);
    }
    a.start < b.end && b.start < a.end
}

impl Plan {
    /// `git diff`-style unified diff of every change.
    pub fn unified_diff(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let diff = similar::TextDiff::from_lines(&c.before, &c.after);
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{}", c.display), &format!("b/{}", c.display))
                    .to_string(),
            );
        }
        out
    }

    /// Writes every changed file.
    pub fn write(&self) -> std::io::Result<()> {
        for c in &self.changes {
            std::fs::write(&c.path, &c.after).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot write {}: {e}", c.path.display()))
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            file: FileId(0),
            start,
            end,
            replacement: text.to_string(),
        }
    }

    #[test]
    fn overlap_rules() {
        assert!(overlaps(&edit(0, 5, "a"), &edit(3, 8, "b")));
        assert!(!overlaps(&edit(0, 5, "a"), &edit(5, 8, "b")));
        assert!(!overlaps(&edit(5, 5, "a"), &edit(5, 5, "b")));
        assert!(overlaps(&edit(3, 3, "a"), &edit(0, 5, "b")));
        assert!(!overlaps(&edit(5, 5, "a"), &edit(0, 5, "b")));
    }
}
