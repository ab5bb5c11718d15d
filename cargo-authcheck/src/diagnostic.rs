//! Diagnostics as data: a lint code, a severity, a message, spans, help and a suggested fix as
//! text edits. Rules produce them; renderers in `report` print them and `fix` applies the
//! suggestions. Nothing here knows how any of them works.

use crate::source::{FileId, Loc};

/// How serious a reported finding is, after levels were applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A labelled place in the code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub text: String,
}

/// How sure a suggested fix is (the levels of rustc's suggestions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Applying it is correct and complete: `cargo authcheck --fix` applies it.
    MachineApplicable,
    /// Probably right, but it needs a person to confirm it (shown, never applied).
    MaybeIncorrect,
}

impl Applicability {
    /// The name rustc's JSON uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }
}

/// Replace the bytes `start..end` of a file with `replacement` (an insertion when they are equal).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// A fix for a finding: what it does, and its edits, applied all together or not at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// e.g. "add `_auth: RequireAuth` to the arguments of `delete_pack`"
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// A finding of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where the problem is (e.g. the handler's name).
    pub primary: Label,
    /// Related places (e.g. the `.route(` registration).
    pub secondary: Vec<Label>,
    /// Why it is so (near misses).
    pub notes: Vec<String>,
    /// The concrete fix.
    pub help: Option<String>,
    /// `GET /path` when the finding is about a route.
    pub route: Option<String>,
    pub handler: Option<String>,
    /// The fix as text edits, when there is one.
    pub suggestion: Option<Suggestion>,
}

impl Diagnostic {
    /// A finding at `loc`; its severity is set from the lint level when it is reported.
    pub fn new(code: &'static str, loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: Label {
                loc,
                text: String::new(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            route: None,
            handler: None,
            suggestion: None,
        }
    }

    pub fn label(mut self, text: impl Into<String>) -> Self {
        self.primary.text = text.into();
        self
    }

    pub fn secondary(mut self, loc: Loc, text: impl Into<String>) -> Self {
        let label = Label {
            loc,
            text: text.into(),
        };
        if label.loc != self.primary.loc && !self.secondary.contains(&label) {
            self.secondary.push(label);
        }
        self
    }

    pub fn note(mut self, text: impl Into<String>) -> Self {
        self.notes.push(text.into());
        self
    }

    pub fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Attaches a fix (nothing when the rule could not work one out).
    pub fn suggest(mut self, suggestion: Option<Suggestion>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub fn route(mut self, route: impl Into<String>, handler: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self.handler = Some(handler.into());
        self
    }
}
