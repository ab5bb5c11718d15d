//! rustc-style text: `error[code]: message`, the primary span on the handler, secondary labels
//! on the registration (in whichever file it is), notes, `help:`, and a one-line summary.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::Summary;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{byte_offset, FileId, SourceMap};

/// Renders diagnostics and the summary line.
pub fn render(
    diagnostics: &[Diagnostic],
    summary: Summary,
    sources: &SourceMap,
    color: bool,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&renderer.render(&[group(d, sources)]));
        out.push_str("\n\n");
    }
    out.push_str(&summary_line(summary));
    out
}

/// One diagnostic as rustc would print it (for `rendered` in cargo's JSON messages).
pub fn render_diagnostic(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = renderer.render(&[group(d, sources)]);
    out.push('\n');
    out
}

fn summary_line(s: Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "authcheck: {} checked, {}, {}\n",
        plural(s.routes, "route"),
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    )
}

fn group<'a>(d: &'a Diagnostic, sources: &'a SourceMap) -> Group<'a> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut files: Vec<FileId> = vec![d.primary.loc.file];
    for l in &d.secondary {
        if !files.contains(&l.loc.file) {
            files.push(l.loc.file);
        }
    }
    let mut group = Group::with_title(level.primary_title(d.message.as_str()).id(d.code));
    for file in files {
        let src = sources.get(file);
        let mut snippet = Snippet::source(src.text())
            .line_start(1)
            .path(src.display.as_str())
            .fold(true);
        if file == d.primary.loc.file {
            snippet = snippet.annotation(
                AnnotationKind::Primary
                    .span(byte_range(src.text(), &d.primary))
                    .label(d.primary.text.as_str()),
            );
        }
        for l in d.secondary.iter().filter(|l| l.loc.file == file) {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(byte_range(src.text(), l))
                    .label(l.text.as_str()),
            );
        }
        group = group.element(snippet);
    }
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    group
}

/// The byte range of a label's location in `text` (an empty file gets an empty range).
fn byte_range(text: &str, label: &Label) -> std::ops::Range<usize> {
    let loc = label.loc;
    let start = byte_offset(text, loc.line, loc.column);
    let end = if (loc.end_line, loc.end_column) > (loc.line, loc.column) {
        byte_offset(text, loc.end_line, loc.end_column)
    } else {
        start
    };
    // Keep the span on its first line: multi-line spans (a whole attribute) would print every line.
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    start..end.min(line_end).max(start)
}
