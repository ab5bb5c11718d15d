//! rustc-style text: `error[code]: message`, the primary span on the handler, secondary labels
//! on the registration (in whichever file it is), notes, `help:`, and a one-line summary.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use rayon::prelude::*;

use super::Summary;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap};

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
    // Rendered on every core (a large table has thousands of findings), joined in order.
    let rendered: Vec<String> = diagnostics
        .par_iter()
        .map(|d| renderer.render(&[group(d, sources)]))
        .collect();
    let mut out = String::with_capacity(rendered.iter().map(|r| r.len() + 2).sum::<usize>() + 80);
    for r in rendered {
        out.push_str(&r);
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
        let labels: Vec<(AnnotationKind, &Label)> =
            std::iter::once((AnnotationKind::Primary, &d.primary))
                .chain(d.secondary.iter().map(|l| (AnnotationKind::Context, l)))
                .filter(|(_, l)| l.loc.file == file)
                .collect();
        // The snippet holds the lines from the first label to the last, not the whole file:
        // the renderer reads every line it is given, once per diagnostic.
        let first = labels
            .iter()
            .map(|(_, l)| l.loc.line as usize)
            .min()
            .unwrap_or(1);
        let last = labels
            .iter()
            .map(|(_, l)| l.loc.line as usize)
            .max()
            .unwrap_or(1);
        let window = src.line_range(first).start..src.line_range(last).end;
        let mut snippet = Snippet::source(&src.text()[window.clone()])
            .line_start(first)
            .path(src.display.as_str())
            .fold(true);
        for (kind, label) in labels {
            let span = label_range(src, label);
            let span = span.start - window.start..span.end - window.start;
            snippet = snippet.annotation(kind.span(span).label(label.text.as_str()));
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

/// The byte range of a label's location in its file, cut at the end of its first line: multi-line
/// spans (a whole attribute) would print every line.
fn label_range(src: &SourceFile, label: &Label) -> std::ops::Range<usize> {
    let loc = label.loc;
    let range = src.range(loc);
    range.start
        ..range
            .end
            .min(src.line_range(loc.line as usize).end)
            .max(range.start)
}
