//! Renderers: diagnostics as human text (rustc-like), JSON, SARIF 2.1.0, GitHub workflow
//! commands, GitLab code quality and cargo's JSON messages; the route table as text, markdown and
//! JSON; the route-table diff of two revisions. Renderers only format data.

pub mod diff;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod message_format;
pub mod routes;
pub mod sarif;

use crate::diagnostic::{Diagnostic, Severity};

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub routes: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(routes: usize, diagnostics: &[Diagnostic]) -> Self {
        Summary {
            routes,
            errors: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count(),
            warnings: diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Warning)
                .count(),
        }
    }
}
