//! Inline allowances: `// authcheck: allow(CODE, ..) -- reason` on the line above a handler (or
//! above its attributes) or above a `.route(` call suppresses those findings there. A comment
//! without a reason, or one that suppresses nothing, is itself reported as `unused-allow`.

use crate::analysis::Analysis;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Loc};

/// What starts an inline allow comment (the parser notes which files hold one).
pub const MARKER: &str = "authcheck: allow(";

/// One inline allow comment.
struct InlineAllow {
    comment: Loc,
    codes: Vec<String>,
    has_reason: bool,
    /// The line of code it applies to.
    target_line: usize,
}

/// Removes suppressed findings and reports inline allows that suppressed nothing.
pub fn apply(analysis: &Analysis, found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let index = &analysis.index;
    let sources = &index.sources;
    // Where a suppressed finding or a route can be (files nothing points into are not read).
    let mut files: Vec<FileId> = found.iter().map(|d| d.primary.loc.file).collect();
    files.extend(
        analysis
            .routes
            .iter()
            .flat_map(|r| [r.defined_at.file, r.entry.registered_at.file]),
    );
    files.sort();
    files.dedup();
    // Only files the parser saw the marker in: a file it could not read (a parse error) may hold one too.
    let unparsed: Vec<FileId> = index.problems.iter().map(|p| p.loc.file).collect();
    files.retain(|f| index.inline_allow_files.contains(f) || unparsed.contains(f));
    let mut allows: Vec<InlineAllow> = files
        .iter()
        .flat_map(|&f| scan(f, sources.get(f).text()))
        .collect();
    let mut used = vec![false; allows.len()];
    let mut kept = Vec::new();
    for d in found {
        let places = std::iter::once(d.primary.loc).chain(d.secondary.iter().map(|l| l.loc));
        let places: Vec<Loc> = places.collect();
        let hit = allows.iter().position(|a| {
            a.has_reason
                && a.codes.iter().any(|c| c == d.code)
                && places
                    .iter()
                    .any(|p| p.file == a.comment.file && p.line as usize == a.target_line)
        });
        match hit {
            Some(i) => used[i] = true,
            None => kept.push(d),
        }
    }
    for (a, used) in allows.drain(..).zip(used) {
        if used {
            continue;
        }
        let message = if a.has_reason {
            format!("`allow({})` suppresses nothing here", a.codes.join(", "))
        } else {
            format!(
                "`allow({})` gives no reason, so it suppresses nothing",
                a.codes.join(", ")
            )
        };
        kept.push(
            Diagnostic::new("unused-allow", a.comment, message)
                .label("this comment")
                .help("write `// authcheck: allow(CODE) -- <reason>` directly above the handler or the `.route(` call it is for, or delete it"),
        );
    }
    kept
}

fn scan(file: FileId, text: &str) -> Vec<InlineAllow> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(comment) = trimmed.strip_prefix("//") else {
            continue;
        };
        let Some(start) = comment.find(MARKER) else {
            continue;
        };
        let rest = &comment[start + MARKER.len()..];
        let Some(close) = rest.find(')') else {
            continue;
        };
        let codes: Vec<String> = rest[..close]
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        let has_reason = rest[close + 1..]
            .trim_start()
            .strip_prefix("--")
            .is_some_and(|r| !r.trim().is_empty());
        let target_line = lines
            .iter()
            .enumerate()
            .skip(i + 1)
            .find(|(_, l)| {
                let t = l.trim_start();
                !(t.is_empty() || t.starts_with("//") || t.starts_with("#["))
            })
            .map_or(i + 2, |(j, _)| j + 1);
        let column = line.len() - trimmed.len() + 1;
        let comment_loc = Loc::new(file, i + 1, column, i + 1, line.chars().count() + 1);
        out.push(InlineAllow {
            comment: comment_loc,
            codes,
            has_reason,
            target_line,
        });
    }
    out
}
