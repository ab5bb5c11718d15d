//! Source files held in memory and the locations that point into them.
//!
//! Every later stage refers to code through a [`Loc`] (file, line, column range) so that the
//! router model and the diagnostics are plain data, independent of `syn`'s thread-local spans.

use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct FileId(pub usize);

/// A place in a source file: 1-based lines, 1-based columns (in characters), end exclusive.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Loc {
    pub file: FileId,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Loc {
    /// A location from 1-based lines and columns (32 bits each: a file is at most 16 MiB, and
    /// the index holds several locations for every fn of the workspace).
    pub fn new(
        file: FileId,
        line: usize,
        column: usize,
        end_line: usize,
        end_column: usize,
    ) -> Loc {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Loc {
            file,
            line: narrow(line),
            column: narrow(column),
            end_line: narrow(end_line),
            end_column: narrow(end_column),
        }
    }

    /// The same location `lines` lines further down (up, when negative).
    pub fn shifted(self, lines: i64) -> Loc {
        let shift = |line: u32| u32::try_from(i64::from(line) + lines).unwrap_or(0);
        Loc {
            line: shift(self.line),
            end_line: shift(self.end_line),
            ..self
        }
    }

    /// The location of a `syn` span parsed on the current thread from `file`.
    pub fn from_span(file: FileId, span: proc_macro2::Span) -> Loc {
        let (start, end) = (span.start(), span.end());
        Loc::new(
            file,
            start.line.max(1),
            start.column + 1,
            end.line.max(1),
            end.column + 1,
        )
    }

    /// The location covering a token sequence (first to last token).
    pub fn of(file: FileId, tokens: &impl quote::ToTokens) -> Loc {
        use syn::spanned::Spanned;
        Loc::from_span(file, tokens.span())
    }
}

/// One source file: where it is and what it says.
#[derive(Debug)]
pub struct SourceFile {
    /// The path on disk.
    pub path: PathBuf,
    /// The path shown to users: relative to the workspace root, with `/` separators.
    pub display: String,
    /// The file's text, read again from disk when first asked for: the parser does not keep the
    /// texts of the (many) files nothing points into, so memory stays near the summaries' size.
    text: std::sync::OnceLock<String>,
    /// Where each line of `text` starts, computed when a location is first turned into bytes.
    line_starts: std::sync::OnceLock<LineStarts>,
}

impl SourceFile {
    /// The file's text (lossy for invalid UTF-8; empty when it cannot be read).
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| {
            std::fs::read(&self.path)
                .map(|bytes| {
                    String::from_utf8(bytes)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                })
                .unwrap_or_default()
        })
    }

    fn line_starts(&self) -> &LineStarts {
        self.line_starts
            .get_or_init(|| LineStarts::new(self.text()))
    }

    /// The byte offset of a 1-based line and column (in characters), clamped to the line's end
    /// (and to the text's end).
    pub fn offset(&self, line: usize, column: usize) -> usize {
        self.line_starts().offset(self.text(), line, column)
    }

    /// The byte range a location covers.
    pub fn range(&self, loc: Loc) -> std::ops::Range<usize> {
        let start = self.offset(loc.line as usize, loc.column as usize);
        let end = self.offset(loc.end_line as usize, loc.end_column as usize);
        start..end.max(start)
    }

    /// The bytes of a 1-based line, without its line break (empty past the end).
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        self.line_starts().line(self.text(), line)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.line_starts().line_col(self.text(), offset)
    }
}

/// The byte offset of every line start of a text, so that a location becomes bytes by a lookup
/// instead of a scan from the top (diagnostics in a file of 100k lines must not each rescan it).
///
/// Offsets are 32-bit (up to 4 GiB; the analysis parses files of at most 16 MiB, and reads a
/// larger one only to point at its first line) and the table is allocated at its exact size:
/// rendering the findings of a workspace of large files holds the table of each of them.
#[derive(Debug)]
struct LineStarts(Vec<u32>);

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        let breaks = || memchr::memchr_iter(b'\n', text.as_bytes());
        let mut starts = Vec::with_capacity(1 + breaks().count());
        starts.push(0);
        starts.extend(breaks().map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)));
        LineStarts(starts)
    }

    fn line(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let Some(&start) = self.0.get(line.max(1) - 1) else {
            return text.len()..text.len();
        };
        let start = start as usize;
        let end = self
            .0
            .get(line.max(1))
            .map_or(text.len(), |&next| next as usize - 1);
        start..end
    }

    fn offset(&self, text: &str, line: usize, column: usize) -> usize {
        let range = self.line(text, line);
        let line_text = &text[range.clone()];
        range.start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i)
    }

    fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.0.partition_point(|&start| start as usize <= offset);
        let start = self.0[line - 1] as usize;
        (line, text[start..offset].chars().count() + 1)
    }
}

/// All files the analysis read, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file with its text and returns its id.
    pub fn add(&mut self, path: PathBuf, workspace_root: &Path, text: String) -> FileId {
        let id = self.reserve(path, workspace_root);
        self.set_text(id, text);
        id
    }

    /// Makes room for `additional` more files.
    pub fn reserve_files(&mut self, additional: usize) {
        self.files.reserve_exact(additional);
    }

    /// Adds a file whose text is read from disk when needed.
    pub fn reserve(&mut self, path: PathBuf, workspace_root: &Path) -> FileId {
        let display = display_path(&path, workspace_root);
        self.files.push(SourceFile {
            path,
            display,
            text: std::sync::OnceLock::new(),
            line_starts: std::sync::OnceLock::new(),
        });
        FileId(self.files.len() - 1)
    }

    /// Keeps the text a file was analysed with (e.g. the lossy text of a file that is not UTF-8).
    pub fn set_text(&mut self, id: FileId, text: String) {
        let file = &mut self.files[id.0];
        file.text = std::sync::OnceLock::from(text);
        file.line_starts = std::sync::OnceLock::new();
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    /// `file:line` for messages.
    pub fn describe(&self, loc: Loc) -> String {
        format!("{}:{}", self.get(loc.file).display, loc.line)
    }
}

/// `path` relative to `root` when it is inside it, with forward slashes.
pub fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// 1-based line and column (in characters) of a byte offset in `text` (for a one-off lookup;
/// a [`SourceFile`] answers many).
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    LineStarts::new(text).line_col(text, offset)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\nçd\nx";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 6), (2, 3));
        assert_eq!(line_col(text, 7), (3, 1));
    }

    #[test]
    fn offset_inverts_line_col() {
        let mut sources = SourceMap::default();
        let id = sources.add("a.rs".into(), Path::new(""), "ab\nçd\nx".to_string());
        let file = sources.get(id);
        for offset in [0, 1, 3, 5, 6, 7] {
            let (line, column) = file.line_col(offset);
            assert_eq!(file.offset(line, column), offset);
        }
        assert_eq!(file.offset(9, 1), file.text().len());
        assert_eq!(
            file.offset(2, 9),
            6,
            "a column past the line's end is its end"
        );
        assert_eq!(file.line_range(2), 3..6);
        assert_eq!(file.line_range(4), 8..8);
    }
}
