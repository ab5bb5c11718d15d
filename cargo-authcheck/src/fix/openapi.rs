//! Fixes of `#[utoipa::path(...)]` attributes: its `security(...)` rewritten to what the code
//! enforces, its method, `path` and `context_path` rewritten to where the handler is routed.
//! Each replaces whole arguments and leaves the others (`responses`, `params`, ..) untouched.

use super::list::{self, Element};
use crate::diagnostic::Edit;
use crate::index::UtoipaPath;
use crate::source::{FileId, SourceFile, SourceMap};

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect",
];

/// `security(("a" = []), ("b" = [], "c" = []))` from alternatives of scheme names.
pub fn security_argument(alternatives: &[Vec<String>]) -> String {
    let alternatives: Vec<String> = alternatives
        .iter()
        .map(|alt| {
            let schemes: Vec<String> = alt.iter().map(|s| format!("{s:?} = []")).collect();
            format!("({})", schemes.join(", "))
        })
        .collect();
    format!("security({})", alternatives.join(", "))
}

/// The edits that make the attribute document `alternatives` as its security.
pub fn set_security(
    sources: &SourceMap,
    file: FileId,
    attr: &UtoipaPath,
    alternatives: &[Vec<String>],
) -> Vec<Edit> {
    let argument = security_argument(alternatives);
    let mut editor = AttrEditor::new(sources, file, attr);
    editor.set("security", &argument);
    editor.edits
}

/// The edits that make the attribute document the method argument `method` (`patch`,
/// `method(get, head)`), `path`, and `context_path` (removed when None).
pub fn set_route(
    sources: &SourceMap,
    file: FileId,
    attr: &UtoipaPath,
    method: &str,
    path: &str,
    context_path: Option<&str>,
) -> Vec<Edit> {
    let mut editor = AttrEditor::new(sources, file, attr);
    let method_arg = attr
        .args
        .iter()
        .position(|(name, _)| METHODS.contains(&name.as_str()) || name == "method");
    if let Some(i) = method_arg {
        editor.replace(i, method);
    }
    editor.set("path", &format!("path = {path:?}"));
    match context_path {
        Some(c) => editor.set("context_path", &format!("context_path = {c:?}")),
        None => editor.remove("context_path"),
    }
    editor.edits
}

/// Edits whole arguments of one attribute.
struct AttrEditor<'a> {
    source: &'a SourceFile,
    text: &'a str,
    file: FileId,
    attr: &'a UtoipaPath,
    elements: Vec<Element>,
    edits: Vec<Edit>,
}

impl<'a> AttrEditor<'a> {
    fn new(sources: &'a SourceMap, file: FileId, attr: &'a UtoipaPath) -> Self {
        let source = sources.get(file);
        let text = source.text();
        let elements = attr
            .args
            .iter()
            .map(|(_, loc)| {
                let r = source.range(*loc);
                Element {
                    start: r.start,
                    end: r.end,
                }
            })
            .collect();
        AttrEditor {
            source,
            text,
            file,
            attr,
            elements,
            edits: Vec::new(),
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.attr.args.iter().position(|(n, _)| n == name)
    }

    fn push(&mut self, change: list::Change) {
        self.edits.push(Edit {
            file: self.file,
            start: change.start,
            end: change.end,
            replacement: change.text,
        });
    }

    /// Replaces argument `i` unless it already reads `argument`.
    fn replace(&mut self, i: usize, argument: &str) {
        let e = self.elements[i];
        if &self.text[e.start..e.end] != argument {
            self.push(list::Change {
                start: e.start,
                end: e.end,
                text: argument.to_string(),
            });
        }
    }

    /// Replaces the argument `name`, or appends `argument` when there is none.
    fn set(&mut self, name: &str, argument: &str) {
        match self.position(name) {
            Some(i) => self.replace(i, argument),
            None => {
                let close = self.source.range(self.attr.list_end).start;
                let change = list::insert(
                    self.text,
                    &self.elements,
                    close,
                    self.elements.len(),
                    argument,
                );
                self.push(change);
            }
        }
    }

    fn remove(&mut self, name: &str) {
        if let Some(i) = self.position(name) {
            let change = list::remove(self.text, self.elements[i]);
            self.push(change);
        }
    }
}
