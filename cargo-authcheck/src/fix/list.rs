//! Editing comma-separated lists in source text (fn parameters, attribute arguments) the way the
//! code is already written: one element per line stays one element per line, one line stays one
//! line, a trailing comma is kept.

/// An element of a list: its byte range in the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element {
    pub start: usize,
    pub end: usize,
}

/// An insertion or replacement: `start..end` becomes `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The indentation of the line holding `offset` when only whitespace precedes `offset` there.
pub fn own_line_indent(text: &str, offset: usize) -> Option<&str> {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    before
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(before)
}

/// The leading whitespace of the line holding `offset`.
pub fn line_indent(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Inserts `item` into a list at `position` (0 = first) among `elements`; `close` is the offset
/// of the list's closing delimiter.
pub fn insert(
    text: &str,
    elements: &[Element],
    close: usize,
    position: usize,
    item: &str,
) -> Change {
    if position > 0 {
        if let Some(prev) = elements.get(position - 1) {
            return insert_after(text, *prev, item);
        }
    }
    match elements.get(position) {
        Some(next) => insert_before(text, *next, item),
        None => Change {
            start: close,
            end: close,
            text: item.to_string(),
        },
    }
}

fn insert_before(text: &str, next: Element, item: &str) -> Change {
    let text = match own_line_indent(text, next.start) {
        Some(indent) => format!("{item},\n{indent}"),
        None => format!("{item}, "),
    };
    Change {
        start: next.start,
        end: next.start,
        text,
    }
}

fn insert_after(text: &str, prev: Element, item: &str) -> Change {
    let rest = &text[prev.end..];
    let comma = rest
        .trim_start()
        .starts_with(',')
        .then(|| prev.end + (rest.len() - rest.trim_start().len()) + 1);
    match (own_line_indent(text, prev.start), comma) {
        (Some(indent), Some(after_comma)) => Change {
            start: after_comma,
            end: after_comma,
            text: format!("\n{indent}{item},"),
        },
        (Some(indent), None) => Change {
            start: prev.end,
            end: prev.end,
            text: format!(",\n{indent}{item}"),
        },
        (None, _) => Change {
            start: prev.end,
            end: prev.end,
            text: format!(", {item}"),
        },
    }
}

/// Removes `element` from its list together with one separating comma (its whole line when it
/// stands on a line of its own).
pub fn remove(text: &str, element: Element) -> Change {
    let after = &text[element.end..];
    let after_trim = after.trim_start_matches([' ', '\t']);
    let comma_after = after_trim.starts_with(',');
    if let Some(indent) = own_line_indent(text, element.start) {
        let rest = if comma_after {
            &after_trim[1..]
        } else {
            after_trim
        };
        if let Some(stripped) = rest.strip_prefix('\n') {
            let line_start = element.start - indent.len();
            return Change {
                start: line_start,
                end: text.len() - stripped.len(),
                text: String::new(),
            };
        }
    }
    let before = text[..element.start].trim_end();
    if before.ends_with(',') {
        return Change {
            start: before.len() - 1,
            end: element.end,
            text: String::new(),
        };
    }
    let end = if comma_after {
        let after_comma = &after_trim[1..];
        text.len() - after_comma.trim_start().len()
    } else {
        element.end
    };
    Change {
        start: element.start,
        end,
        text: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, c: &Change) -> String {
        format!("{}{}{}", &text[..c.start], c.text, &text[c.end..])
    }

    fn elements(text: &str, items: &[&str]) -> Vec<Element> {
        items
            .iter()
            .map(|i| {
                let start = text.find(i).unwrap();
                Element {
                    start,
                    end: start + i.len(),
                }
            })
            .collect()
    }

    #[test]
    fn inserts_in_one_line_lists() {
        let text = "fn h(a: A, b: B) {}";
        let els = elements(text, &["a: A", "b: B"]);
        let close = text.find(')').unwrap();
        assert_eq!(
            apply(text, &insert(text, &els, close, 1, "x: X")),
            "fn h(a: A, x: X, b: B) {}"
        );
        assert_eq!(
            apply(text, &insert(text, &els, close, 0, "x: X")),
            "fn h(x: X, a: A, b: B) {}"
        );
        assert_eq!(
            apply(text, &insert(text, &els, close, 2, "x: X")),
            "fn h(a: A, b: B, x: X) {}"
        );
        let empty = "fn h() {}";
        assert_eq!(
            apply(empty, &insert(empty, &[], 5, 0, "x: X")),
            "fn h(x: X) {}"
        );
    }

    #[test]
    fn inserts_in_one_per_line_lists() {
        let text = "fn h(\n    a: A,\n    b: B,\n) {}";
        let els = elements(text, &["a: A", "b: B"]);
        let close = text.rfind(')').unwrap();
        assert_eq!(
            apply(text, &insert(text, &els, close, 1, "x: X")),
            "fn h(\n    a: A,\n    x: X,\n    b: B,\n) {}"
        );
        assert_eq!(
            apply(text, &insert(text, &els, close, 0, "x: X")),
            "fn h(\n    x: X,\n    a: A,\n    b: B,\n) {}"
        );
        let no_trailing = "f(\n    a,\n    b\n)";
        let els = elements(no_trailing, &["a", "b"]);
        assert_eq!(
            apply(no_trailing, &insert(no_trailing, &els, 13, 2, "x")),
            "f(\n    a,\n    b,\n    x\n)"
        );
    }

    #[test]
    fn removes_with_one_comma() {
        let text = "p(get, path = \"/x\", context_path = \"/a\")";
        let els = elements(text, &["get", "path = \"/x\"", "context_path = \"/a\""]);
        assert_eq!(apply(text, &remove(text, els[2])), "p(get, path = \"/x\")");
        assert_eq!(
            apply(text, &remove(text, els[0])),
            "p(path = \"/x\", context_path = \"/a\")"
        );
        let lines = "p(\n    get,\n    context_path = \"/a\",\n    path = \"/x\",\n)";
        let els = elements(lines, &["context_path = \"/a\""]);
        assert_eq!(
            apply(lines, &remove(lines, els[0])),
            "p(\n    get,\n    path = \"/x\",\n)"
        );
    }
}
