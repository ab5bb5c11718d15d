//! Diagnostics as data: a lint code, a severity, a message, spans and help. Rules produce them;
//! renderers in `report` print them. Nothing here knows how either works.

use crate::source::Loc;

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

    pub fn route(mut self, route: impl Into<String>, handler: impl Into<String>) -> Self {
        self.route = Some(route.into());
        self.handler = Some(handler.into());
        self
    }
}
