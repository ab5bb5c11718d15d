//! `--format github`: GitHub Actions workflow commands (`::error file=..,line=..,col=..::..`),
//! which annotate the pull request's diff.

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::SourceMap;

pub fn render(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let loc = d.primary.loc;
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&sources.get(loc.file).display),
            loc.line,
            loc.column,
            loc.end_line,
            loc.end_column,
            escape_property(&format!("authcheck {}", d.code)),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
