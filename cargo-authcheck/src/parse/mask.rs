//! Blanks out fn bodies that cannot matter before `syn` parses a file (the fast path of
//! [`super::parse_bytes`]).
//!
//! Why blanking is safe: the index reads only items and signatures, plus the bodies of fns that
//! may hand a router to a server (`serve`, `into_make_service`: [`FnItem::serves`]), of
//! `FromRequestParts`/`FromRequest`/`Modify` impls, and the items a body declares (local fns,
//! documents): such bodies are kept whole. Everything else in a body is read later by
//! the router evaluator, which re-parses the original text of the files it needs. A blanked
//! body keeps its braces, its newlines and the column of its closing brace, so every span of
//! the items around it, and thus every location in the output, is unchanged. When the lexer
//! is unsure (unbalanced brackets, an unterminated literal) nothing is blanked and the file is
//! parsed in full, so parse errors are reported exactly as before.
//!
//! The router evaluator's masks ([`keep_only_fns_at`], [`keep_only_fns_in`]) go further: it reads
//! only the bodies of the fns it asks for, so every other item is blanked whole (signatures,
//! fields, attributes, `use` items), and the containers (`mod`, `impl`, `trait`) of kept fns keep
//! their headers. It finds a fn again by the position of its name, which blanking leaves as it
//! was.
//!
//! [`FnItem::serves`]: crate::index::FnItem::serves

use super::lexer::{Bad, Lexer, Tok};

/// Every body of an impl whose header contains one of these is kept.
const KEEP_IMPL: &[&str] = &["FromRequest", "Modify"];
/// Which bodies a mask keeps.
#[derive(Clone, Copy)]
enum Keep<'k> {
    /// Those the index reads (see the module documentation).
    IndexRelevant,
    /// Only fns whose item overlaps these 1-based lines (and what their bodies hold); the file
    /// ends with the last top-level item that starts before the last of these lines.
    FnsIn(usize, usize),
    /// Only fns whose item spans one of these 1-based lines (sorted).
    FnsAt(&'k [usize]),
}

pub struct Masked {
    /// The blanked text (empty when nothing was blanked).
    pub text: String,
    pub masked_any: bool,
    /// [`mask_bodies`]: where top-level items end, as byte offsets of the text parsed (the
    /// blanked text, or the original when nothing was blanked), ascending. A large file is
    /// parsed a few of its items at a time, cut at these ([`super::windows`]).
    pub item_ends: Vec<usize>,
}

impl Masked {
    /// The blanked text, or `original` when nothing was blanked.
    fn or_original(self, original: &str) -> String {
        if self.masked_any {
            self.text
        } else {
            original.to_string()
        }
    }
}

/// The file with irrelevant fn bodies (and `#[cfg(test)] mod` contents) blanked; `None`
/// when the lexer cannot follow the file.
pub fn mask_bodies(text: &str) -> Option<Masked> {
    mask(text, Keep::IndexRelevant)
}

/// A top-level item boundary of a file: a byte offset where an item ends, and its 1-based line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Boundary {
    pub offset: usize,
    pub line: usize,
}

impl Boundary {
    pub const START: Boundary = Boundary { offset: 0, line: 1 };
}

/// A window of a large file, as [`keep_only_fns_in`] leaves it.
pub struct Window {
    /// The text from the start of `from`'s line (its lines before `from` left out), with every
    /// line's number less [`Window::lines_before`].
    pub text: String,
    /// How many of the file's lines come before the text's first line.
    pub lines_before: usize,
    /// Where the text was cut (a boundary before every later window's first line).
    pub cut: Option<Boundary>,
}

/// The file with every item blanked except the fns whose items overlap the 1-based lines
/// `lines` (and what their bodies hold), ending with the last top-level item that starts in
/// them (the router evaluator reads a large file a few thousand lines at a time: a tree of the
/// whole file would take many times its size). What comes before `from` (a boundary before
/// `lines`, such as an earlier window's cut) is left out without being read again: the text
/// starts on `from`'s line, the part of that line before `from` blanked so that columns stay
/// (a window late in a large file would otherwise be mostly line breaks, each an entry in
/// proc-macro2's table of the lines of every text parsed on the thread). `None` when the lexer
/// cannot follow the file.
pub fn keep_only_fns_in(
    text: &str,
    lines: std::ops::RangeInclusive<usize>,
    from: Boundary,
) -> Option<Window> {
    let mut m = Masker::new(text, Keep::FnsIn(*lines.start(), *lines.end()));
    let mut i = from.offset;
    if from.offset > 0 {
        m.blank(0, from.offset);
        // A blank is its line breaks, then the columns of its last line.
        m.out.retain(|c| c != '\n');
        m.line = (from.offset, from.line);
    }
    m.items(&mut i, false, false).ok()?;
    let cut = m.cut.map(|offset| {
        let (at, line) = m.line;
        let newlines = text.as_bytes()[offset..at.max(offset)]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        Boundary {
            offset,
            line: line - newlines,
        }
    });
    Some(Window {
        text: m.finish().or_original(text),
        lines_before: from.line - 1,
        cut,
    })
}

/// The file with every fn body blanked except those of the fns whose items span one of the
/// 1-based `lines` (sorted): the router evaluator reads router fns, not the handlers beside them.
/// `None` when the lexer cannot follow the file.
pub fn keep_only_fns_at(text: &str, lines: &[usize]) -> Option<String> {
    Some(mask(text, Keep::FnsAt(lines))?.or_original(text))
}

fn mask(text: &str, keep: Keep) -> Option<Masked> {
    let mut m = Masker::new(text, keep);
    let mut i = 0;
    m.items(&mut i, false, false).ok()?;
    Some(m.finish())
}

struct Masker<'a, 'k> {
    lx: Lexer<'a>,
    text: &'a str,
    out: String,
    /// Bytes of `text` already copied to `out`.
    copied: usize,
    keep: Keep<'k>,
    /// A byte offset of `text` and its 1-based line (positions are asked for in order).
    line: (usize, usize),
    /// Where the text is cut ([`Keep::FnsIn`]): the end of a top-level item.
    cut: Option<usize>,
    /// Fn bodies kept so far ([`Keep::FnsIn`], [`Keep::FnsAt`]): an item that keeps none is
    /// blanked whole.
    kept: usize,
    /// Where top-level items end in the output ([`Keep::IndexRelevant`]; see [`Masked`]).
    item_ends: Vec<usize>,
}

/// Where an item starts, and what the output held then (to blank the item whole once it turns
/// out to keep no fn body).
#[derive(Clone, Copy)]
struct ItemStart {
    at: usize,
    out_len: usize,
    copied: usize,
    kept: usize,
}

impl<'a, 'k> Masker<'a, 'k> {
    fn new(text: &'a str, keep: Keep<'k>) -> Self {
        Masker {
            lx: Lexer { b: text.as_bytes() },
            text,
            out: String::new(),
            copied: 0,
            keep,
            line: (0, 1),
            cut: None,
            kept: 0,
            item_ends: Vec::new(),
        }
    }

    /// The text once every item is read: cut where a window ends, the rest copied.
    fn finish(mut self) -> Masked {
        if let Some(end) = self.cut {
            if end >= self.copied {
                self.out.push_str(&self.text[self.copied..end]);
            }
            return Masked {
                text: self.out,
                masked_any: true,
                item_ends: self.item_ends,
            };
        }
        if self.copied == 0 {
            return Masked {
                text: String::new(),
                masked_any: false,
                item_ends: self.item_ends,
            };
        }
        self.out.push_str(&self.text[self.copied..]);
        Masked {
            text: self.out,
            masked_any: true,
            item_ends: self.item_ends,
        }
    }

    /// The 1-based line of byte `at` (never before the last position asked for).
    fn line_of(&mut self, at: usize) -> usize {
        let (from, line) = self.line;
        let at = at.max(from);
        let newlines = self.lx.b[from..at].iter().filter(|&&c| c == b'\n').count();
        self.line = (at, line + newlines);
        line + newlines
    }

    /// Replaces `text[start..end]` (the inside of a brace group) by its line breaks and
    /// as many spaces as its last line has characters.
    fn blank(&mut self, start: usize, end: usize) {
        let inner = &self.text[start..end];
        self.out.push_str(&self.text[self.copied..start]);
        let newlines = inner.bytes().filter(|&c| c == b'\n').count();
        let last = inner.rfind('\n').map_or(inner, |n| &inner[n + 1..]);
        let columns = last.bytes().filter(|&c| c & 0xC0 != 0x80).count();
        self.out.extend(std::iter::repeat_n('\n', newlines));
        self.out.extend(std::iter::repeat_n(' ', columns));
        self.copied = end;
    }

    fn item_start(&self, at: usize) -> ItemStart {
        ItemStart {
            at,
            out_len: self.out.len(),
            copied: self.copied,
            kept: self.kept,
        }
    }

    /// An item ends at `end`: for the router evaluator ([`Keep::FnsIn`], [`Keep::FnsAt`]), an
    /// item that kept no fn body is blanked whole (its bodies were blanked already; its
    /// signatures, fields and attributes need not be parsed either). Returns where the next
    /// item starts.
    fn end_item(&mut self, start: ItemStart, end: usize) -> ItemStart {
        if !matches!(self.keep, Keep::IndexRelevant) && self.kept == start.kept && end > start.at {
            self.out.truncate(start.out_len);
            self.copied = start.copied;
            self.blank(start.at, end);
        }
        self.item_start(end)
    }

    /// A complete item ends at `end`; a top-level one is where the index may cut the file.
    /// What is not copied yet will be copied as it is, so its output offset follows.
    fn complete_item(&mut self, start: ItemStart, end: usize, inside: bool) -> ItemStart {
        let item = self.end_item(start, end);
        if !inside && matches!(self.keep, Keep::IndexRelevant) {
            self.item_ends.push(self.out.len() + end - self.copied);
        }
        item
    }

    /// The items of a file (or of a `mod`/`impl`/`trait` body when `inside`).
    fn items(&mut self, i: &mut usize, inside: bool, keep_all: bool) -> Result<(), Bad> {
        let mut cfg_test = false;
        let mut item = self.item_start(*i);
        // The end of the last complete item (fn, impl, trait, mod, or one ending in `;`), and
        // the output as it was there (a cut drops what came after).
        let mut item_end = item;
        loop {
            let tok = self.lx.next(i)?;
            if let (Keep::FnsIn(_, last), false) = (self.keep, inside) {
                if tok != Tok::End && self.line_of(*i) > last {
                    self.out.truncate(item_end.out_len);
                    self.copied = item_end.copied;
                    self.cut = Some(item_end.at);
                    return Ok(());
                }
            }
            match tok {
                Tok::End if !inside => return Ok(()),
                Tok::Close(b'}') if inside => return Ok(()),
                Tok::End | Tok::Close(_) => return Err(Bad),
                Tok::Punct(b'#') => {
                    let save = *i;
                    match self.lx.next(i)? {
                        Tok::Open(b'[') => {
                            let start = *i;
                            self.lx.skip_group(i, b'[')?;
                            let attr: Vec<u8> = self.lx.b[start..*i - 1]
                                .iter()
                                .copied()
                                .filter(|c| !c.is_ascii_whitespace())
                                .collect();
                            cfg_test |= attr == b"cfg(test)";
                        }
                        // Inner attributes (`#![..]`) apply to the enclosing module.
                        _ => *i = save,
                    }
                }
                Tok::Punct(b';') => {
                    cfg_test = false;
                    item = self.complete_item(item, *i, inside);
                    item_end = item;
                }
                Tok::Ident(s, e) => match &self.lx.b[s..e] {
                    b"fn" => {
                        if self.fn_item(i, keep_all)? {
                            item = self.complete_item(item, *i, inside);
                            item_end = item;
                        }
                        cfg_test = false;
                    }
                    kw @ (b"impl" | b"trait" | b"mod") => {
                        let is_impl = kw == b"impl";
                        let blank_all = kw == b"mod" && cfg_test;
                        self.container(i, is_impl, blank_all, keep_all)?;
                        cfg_test = false;
                        item = self.complete_item(item, *i, inside);
                        item_end = item;
                    }
                    _ => {}
                },
                Tok::Open(c) => {
                    self.lx.skip_group(i, c)?;
                    if c == b'{' {
                        cfg_test = false;
                        // A struct, an enum, a macro call, an `extern` block.. (or a block
                        // inside a longer item such as `const C: u8 = { 1 };`: cutting that item
                        // in two pieces blanks the same bytes).
                        item = self.end_item(item, *i);
                    }
                }
                _ => {}
            }
        }
    }

    /// After `fn`: the signature, then the body (blanked unless it may matter). Whether it was
    /// a fn item (not a fn pointer type).
    fn fn_item(&mut self, i: &mut usize, keep_all: bool) -> Result<bool, Bad> {
        let save = *i;
        let Tok::Ident(name_start, name_end) = self.lx.next(i)? else {
            // `fn(u8) -> u8`: a fn pointer type, not an item.
            *i = save;
            return Ok(false);
        };
        let keep_all = keep_all || &self.lx.b[name_start..name_end] == b"main";
        let name_line = self.line_of(name_start);
        let mut angle = 0i32;
        let mut prev = Tok::End;
        loop {
            let tok = self.lx.next(i)?;
            match tok {
                Tok::Open(b'{') if angle <= 0 => {
                    let start = *i;
                    let facts = self.lx.skip_body(i)?;
                    let keep = match self.keep {
                        Keep::IndexRelevant => keep_all || facts.declares_items || facts.may_serve,
                        Keep::FnsIn(first, last) => name_line <= last && self.line_of(*i) >= first,
                        Keep::FnsAt(lines) => {
                            let next = lines.partition_point(|&l| l < name_line);
                            lines.get(next).is_some_and(|&l| l <= self.line_of(*i))
                        }
                    };
                    if keep {
                        self.kept += 1;
                    } else {
                        self.blank(start, *i - 1);
                    }
                    return Ok(true);
                }
                Tok::Open(c) => self.lx.skip_group(i, c)?,
                Tok::Punct(b'<') => angle += 1,
                Tok::Punct(b'>') if !matches!(prev, Tok::Punct(b'-' | b'=')) => angle -= 1,
                Tok::Punct(b';') => return Ok(true),
                Tok::Close(_) | Tok::End => return Err(Bad),
                _ => {}
            }
            prev = tok;
        }
    }

    /// After `impl`/`trait`/`mod`: the header, then the items inside (or nothing: `mod a;`).
    fn container(
        &mut self,
        i: &mut usize,
        is_impl: bool,
        blank_all: bool,
        keep_all: bool,
    ) -> Result<(), Bad> {
        let header_start = *i;
        let mut angle = 0i32;
        let mut prev = Tok::End;
        loop {
            let tok = self.lx.next(i)?;
            match tok {
                Tok::Open(b'{') if angle <= 0 => {
                    let header = &self.text[header_start..*i - 1];
                    if blank_all {
                        let start = *i;
                        self.lx.skip_group(i, b'{')?;
                        self.blank(start, *i - 1);
                        return Ok(());
                    }
                    let keep = keep_all
                        || (matches!(self.keep, Keep::IndexRelevant)
                            && is_impl
                            && KEEP_IMPL.iter().any(|w| header.contains(w)));
                    return self.items(i, true, keep);
                }
                Tok::Open(c) => self.lx.skip_group(i, c)?,
                Tok::Punct(b'<') => angle += 1,
                Tok::Punct(b'>') if !matches!(prev, Tok::Punct(b'-' | b'=')) => angle -= 1,
                Tok::Punct(b';') => return Ok(()),
                Tok::Close(_) | Tok::End => return Err(Bad),
                _ => {}
            }
            prev = tok;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::index::extract::{summarize, FileContext};
    use crate::source::FileId;

    pub(super) fn summary_of(text: &str) -> Option<String> {
        let ast = syn::parse_file(text).ok()?;
        let cx = FileContext {
            file: FileId(0),
            child_dir: Path::new("d"),
            file_dir: Path::new("f"),
            top_name: "top".into(),
        };
        Some(format!("{:?}", summarize(&ast, &cx)))
    }

    pub(super) fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.ends_with("target") {
                rs_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// A window keeps the fns it overlaps, blanks every other item whole (the containers of kept
    /// fns aside), and ends with the last top-level item starting in it: what is left parses,
    /// and every line keeps its number.
    #[test]
    fn a_window_keeps_its_fns_and_ends_at_an_item() {
        let text = "use a::b;\nfn one() { 1 }\nstatic F: fn() -> u8 = {\n    g\n};\nimpl S {\n    fn zero() { 0 }\n    fn two() { 2 }\n}\nfn three() { 3 }\nfn four() { 4 }\n";
        let window = keep_only_fns_in(text, 8..=10, Boundary::START)
            .expect("lexable")
            .text;
        let lines: Vec<&str> = window.lines().collect();
        for blank in [0, 1, 2, 3, 4, 6] {
            assert_eq!(lines[blank].trim(), "", "line {}: {window}", blank + 1);
        }
        assert_eq!(lines[5], "impl S {", "{window}");
        assert_eq!(lines[7], "    fn two() { 2 }", "{window}");
        assert_eq!(lines[9], "fn three() { 3 }", "{window}");
        assert_eq!(
            lines.len(),
            10,
            "fn four() starts after the window: {window}"
        );
        syn::parse_file(&window).expect("the window parses");
        // A window ending inside `static F: fn() -> u8 = {..};` ends before that item, not
        // after its `fn` (a fn pointer type, not an item).
        let window = keep_only_fns_in(text, 1..=3, Boundary::START).expect("lexable");
        assert_eq!(
            window.cut,
            Some(Boundary {
                offset: 24,
                line: 2
            })
        );
        let window = window.text;
        syn::parse_file(&window).expect("the window parses");
        assert_eq!(window.lines().count(), 2, "{window}");
        assert_eq!(window.lines().nth(1), Some("fn one() { 1 }"), "{window}");
        // A later window lexed from that cut is the window lexed from the top, line for line,
        // without the lines before the cut's.
        let cut = Boundary {
            offset: 24,
            line: 2,
        };
        let from_cut = keep_only_fns_in(text, 8..=10, cut).expect("lexable");
        let from_top = keep_only_fns_in(text, 8..=10, Boundary::START).expect("lexable");
        fn trimmed(w: &Window) -> Vec<&str> {
            w.text.lines().map(str::trim_end).collect()
        }
        assert_eq!((from_cut.lines_before, from_top.lines_before), (1, 0));
        assert_eq!(
            trimmed(&from_cut),
            trimmed(&from_top)[1..],
            "{}",
            from_cut.text
        );
        assert_eq!(from_cut.cut, from_top.cut);
        // A cut inside a line keeps the columns of what follows it there.
        let text = "fn a() {}  fn b() { 2 }\nfn c() { 3 }\n";
        let cut = Boundary { offset: 9, line: 1 };
        let window = keep_only_fns_in(text, 1..=1, cut).expect("lexable");
        assert_eq!(window.lines_before, 0);
        let b = window.text.lines().next().expect("a line");
        assert_eq!(b.find("fn b"), text.find("fn b"), "{b}");
    }

    /// Keeping fns by line keeps those whose item spans one of the lines (a fn declared in a
    /// body keeps the body around it) and blanks the other items whole, lines and columns
    /// unchanged.
    #[test]
    fn fns_kept_by_line_and_the_bodies_around_them() {
        let text = "fn handler() { work() }\nfn api() -> R {\n    fn local() -> R { r() }\n    local()\n}\nstruct S { a: u8 }\nfn other() { x() }\n";
        let kept = keep_only_fns_at(text, &[3]).expect("lexable");
        let lines: Vec<&str> = kept.lines().collect();
        assert_eq!(lines[0].trim(), "", "{kept}");
        assert_eq!(lines[2], "    fn local() -> R { r() }", "{kept}");
        assert_eq!(lines[5].trim(), "", "{kept}");
        assert_eq!(lines[6].trim(), "", "{kept}");
        assert_eq!(kept.len(), text.len(), "{kept}");
        syn::parse_file(&kept).expect("what is kept parses");
        let kept = keep_only_fns_at(text, &[1, 7]).expect("lexable");
        assert!(
            kept.contains("work()") && kept.contains("x()") && !kept.contains("fn api"),
            "{kept}"
        );
    }

    /// Blanking bodies never changes a summary: every fixture and server file, and this crate.
    #[test]
    fn masked_summaries_equal_full_summaries() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["fixtures", "server/src", "cargo-authcheck/src"] {
            rs_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 50, "{}", files.len());
        let mut masked = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let m = mask_bodies(&text).expect("lexable");
            if !m.masked_any {
                continue;
            }
            masked += 1;
            assert_eq!(
                text.lines().count(),
                m.text.lines().count(),
                "{}",
                path.display()
            );
            assert_eq!(summary_of(&text), summary_of(&m.text), "{}", path.display());
        }
        assert!(masked > 20, "{masked}");
    }
}

#[cfg(test)]
mod properties {
    use std::path::Path;

    use super::tests::summary_of;
    use super::*;
    use proptest::prelude::*;

    fn fixture_texts() -> Vec<String> {
        let mut files = Vec::new();
        super::tests::rs_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures"),
            &mut files,
        );
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }

    const SYNTAX: &[u8] = b"{}()[]<>;'\"/*#!rb -=\n";

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        /// On mutated fixtures (syntax characters inserted, ranges deleted), whenever both the
        /// full and the blanked text parse, their summaries are equal: blanking never changes
        /// what a parsable file means to the index.
        #[test]
        fn blanking_preserves_summaries(
            file in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0usize..40), 1..4),
        ) {
            let texts = fixture_texts();
            let mut bytes = texts[file.index(texts.len())].clone().into_bytes();
            for (at, ch, del) in edits {
                let i = at.index(bytes.len() + 1);
                if del > 20 {
                    let end = (i + del - 20).min(bytes.len());
                    bytes.drain(i..end);
                } else {
                    bytes.insert(i, SYNTAX[ch.index(SYNTAX.len())]);
                }
            }
            let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
            let full = summary_of(&text);
            let Some(m) = mask_bodies(&text) else { return Ok(()) };
            if full.is_some() && m.masked_any {
                let masked = summary_of(&m.text);
                if masked.is_some() {
                    prop_assert_eq!(full, masked);
                }
            }
        }
    }
}
