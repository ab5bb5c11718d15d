//! `--message-format json`: cargo's JSON message stream, so that rust-analyzer (through
//! `check.overrideCommand`) and other cargo tooling show the findings where they show compiler
//! errors. One `{"reason":"compiler-message", ..}` line per finding, carrying a rustc diagnostic
//! (spans with byte offsets and line/column, labels, notes and help as children, the suggested
//! fix as `suggested_replacement`s, and the human rendering), then `{"reason":"build-finished"}`.

use std::collections::HashMap;

use serde::Serialize;

use crate::analysis::Analysis;
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::discover::CargoTarget;
use crate::source::{FileId, Loc, SourceMap};

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: &'a str,
    manifest_path: String,
    target: &'a cargo_metadata::Target,
    message: RustcDiagnostic,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

#[derive(Serialize)]
struct RustcDiagnostic {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<&'static str>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

/// The message stream for `diagnostics`; `color` renders the `rendered` field with ANSI colours.
pub fn render(analysis: &Analysis, diagnostics: &[Diagnostic], color: bool) -> String {
    let sources = &analysis.index.sources;
    let crates = CrateOfFile::new(analysis);
    let mut out = String::new();
    for d in diagnostics {
        let Some(cargo) = crates.of(d.primary.loc.file) else {
            continue;
        };
        let line = CompilerMessage {
            reason: "compiler-message",
            package_id: &cargo.package_id,
            manifest_path: cargo.manifest_path.display().to_string(),
            target: &cargo.target,
            message: diagnostic(d, sources, color),
        };
        out.push_str(&serde_json::to_string(&line).unwrap_or_default());
        out.push('\n');
    }
    let finished = BuildFinished {
        reason: "build-finished",
        success: !diagnostics.iter().any(|d| d.severity == Severity::Error),
    };
    out.push_str(&serde_json::to_string(&finished).unwrap_or_default());
    out.push('\n');
    out
}

fn diagnostic(d: &Diagnostic, sources: &SourceMap, color: bool) -> RustcDiagnostic {
    let mut spans = vec![span(sources, d.primary.loc, true, &d.primary.text)];
    spans.extend(
        d.secondary
            .iter()
            .map(|l| span(sources, l.loc, false, &l.text)),
    );
    let mut children: Vec<RustcDiagnostic> = d
        .notes
        .iter()
        .map(|n| child("note", n.clone(), Vec::new()))
        .collect();
    if let Some(help) = &d.help {
        children.push(child("help", help.clone(), Vec::new()));
    }
    if let Some(s) = &d.suggestion {
        let spans = s
            .edits
            .iter()
            .map(|e| edit_span(sources, e, s.applicability.as_str()))
            .collect();
        children.push(child("help", s.message.clone(), spans));
    }
    let explanation = crate::rules::find(d.code).map(|r| r.documentation());
    RustcDiagnostic {
        message_type: "diagnostic",
        message: d.message.clone(),
        code: Some(Code {
            code: d.code.to_string(),
            explanation,
        }),
        level: d.severity.as_str(),
        spans,
        children,
        rendered: Some(super::human::render_diagnostic(d, sources, color)),
    }
}

fn child(level: &'static str, message: String, spans: Vec<Span>) -> RustcDiagnostic {
    RustcDiagnostic {
        message_type: "diagnostic",
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

fn span(sources: &SourceMap, loc: Loc, is_primary: bool, label: &str) -> Span {
    let range = sources.get(loc.file).range(loc);
    Span {
        label: (!label.is_empty()).then(|| label.to_string()),
        ..located(sources, loc.file, range.start, range.end, is_primary)
    }
}

fn edit_span(sources: &SourceMap, e: &Edit, applicability: &'static str) -> Span {
    Span {
        suggested_replacement: Some(e.replacement.clone()),
        suggestion_applicability: Some(applicability),
        ..located(sources, e.file, e.start, e.end, true)
    }
}

/// A span over the bytes `start..end` of a file, with the lines it covers.
fn located(sources: &SourceMap, file: FileId, start: usize, end: usize, is_primary: bool) -> Span {
    let source = sources.get(file);
    let text = source.text();
    let (line_start, column_start) = source.line_col(start);
    let (line_end, column_end) = source.line_col(end);
    // The lines `str::lines` would give: none past the text's end, no `\r` before a `\n`.
    let lines = (line_start..=line_end)
        .map(|n| source.line_range(n))
        .take_while(|range| range.start < text.len())
        .zip(line_start..)
        .map(|(range, n)| {
            let line = &text[range];
            let line = line.strip_suffix('\r').unwrap_or(line);
            let width = line.chars().count() + 1;
            SpanLine {
                text: line.to_string(),
                highlight_start: if n == line_start { column_start } else { 1 },
                highlight_end: if n == line_end { column_end } else { width },
            }
        })
        .collect();
    Span {
        file_name: source.display.clone(),
        byte_start: start,
        byte_end: end,
        line_start,
        line_end,
        column_start,
        column_end,
        is_primary,
        text: lines,
        label: None,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

/// Which crate (as cargo names it) a file belongs to: the first crate one of whose modules it
/// is; files outside every crate (authcheck.toml) belong to the first selected crate.
struct CrateOfFile<'a> {
    by_file: HashMap<FileId, &'a CargoTarget>,
    fallback: Option<&'a CargoTarget>,
}

impl<'a> CrateOfFile<'a> {
    fn new(analysis: &'a Analysis) -> Self {
        let index = &analysis.index;
        let roots = &analysis.workspace.crates;
        let cargo_of = |krate: &crate::index::Crate| {
            roots
                .iter()
                .find(|r| r.name == krate.name && r.package == krate.package)
                .map(|r| &r.cargo)
        };
        let mut by_file = HashMap::new();
        for m in &index.modules {
            if let Some(cargo) = cargo_of(&index.crates[m.krate.0]) {
                by_file.entry(m.file).or_insert(cargo);
            }
        }
        let fallback = roots
            .iter()
            .find(|r| r.selected)
            .or(roots.first())
            .map(|r| &r.cargo);
        CrateOfFile { by_file, fallback }
    }

    fn of(&self, file: FileId) -> Option<&'a CargoTarget> {
        self.by_file.get(&file).copied().or(self.fallback)
    }
}
