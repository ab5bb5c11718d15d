//! `check --format json`: the diagnostics contract of DESIGN.md §8.

use serde::Serialize;

use super::Summary;
use crate::diagnostic::Diagnostic;
use crate::source::SourceMap;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    route: Option<&'a str>,
    handler: Option<&'a str>,
    notes: &'a [String],
}

pub fn render(diagnostics: &[Diagnostic], summary: Summary, sources: &SourceMap) -> String {
    let diagnostics = diagnostics
        .iter()
        .map(|d| {
            let loc = d.primary.loc;
            JsonDiagnostic {
                code: d.code,
                severity: d.severity.as_str(),
                message: &d.message,
                help: d.help.as_deref(),
                file: &sources.get(loc.file).display,
                line: loc.line as usize,
                column: loc.column as usize,
                end_line: loc.end_line as usize,
                end_column: loc.end_column as usize,
                route: d.route.as_deref(),
                handler: d.handler.as_deref(),
                notes: &d.notes,
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&Output {
        version: 1,
        diagnostics,
        summary,
    })
    .unwrap_or_default();
    out.push('\n');
    out
}
