//! Loads each crate's module tree from its root file (`mod a;` as `a.rs` or `a/mod.rs`, `#[path]`,
//! inline modules), parsing the files of each tree level in parallel, and links the per-file
//! summaries into the [`Index`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::Workspace;
use crate::index::extract::{summarize, FileContext};
use crate::index::{
    Crate, CrateId, FileSummary, Index, LinkedEntry, Module, ModuleId, ParseProblem,
};
use crate::source::{FileId, Loc};

/// Files larger than this are reported instead of parsed (the largest hand-written or generated
/// sources in the crates.io registry are a few MiB; parsing stays well under a second below it).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Bracket nesting (or a run of prefix operators) deeper than this is reported instead of parsed
/// (it would exhaust the stack).
pub const MAX_NESTING: usize = 256;
/// More operators than this in one expression (see [`too_deep`]) are reported instead of parsed.
pub const MAX_CHAIN: usize = 2048;

/// Files parsed in parallel before their summaries are linked (see [`index_workspace`]).
const PARSE_CHUNK: usize = 128;

/// One file to load as a module.
struct Job {
    file: FileId,
    module: ModuleId,
    child_dir: PathBuf,
    /// Where the `mod` that asked for it was declared (for "file not found" messages).
    declared_at: Option<Loc>,
}

type Parsed = Result<(String, FileSummary), (String, ParseProblem)>;

/// Builds the index of every crate in the workspace.
pub fn index_workspace(ws: &Workspace, exclude: &[String]) -> Index {
    let mut index = Index::default();
    let mut jobs = Vec::new();
    let mut loaded: HashMap<PathBuf, ModuleId> = HashMap::new();
    for root in &ws.crates {
        if is_excluded(&root.root_file, &ws.root, exclude) {
            continue;
        }
        let krate = CrateId(index.crates.len());
        let module = ModuleId(index.modules.len());
        if let Ok(canonical) = root.root_file.canonicalize() {
            loaded.insert(canonical, module);
        }
        let file = index.sources.reserve(root.root_file.clone(), &ws.root);
        index.modules.push(Module {
            path: vec![root.name.clone()],
            krate,
            parent: None,
            file,
            entries: HashMap::new(),
            globs: Vec::new(),
            import_slot: None,
        });
        index.crates.push(Crate {
            name: root.name.clone(),
            package: root.package.clone(),
            is_lib: root.is_lib,
            selected: root.selected,
            root: module,
            deps: root.workspace_deps.clone(),
        });
        let dir = root
            .root_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        jobs.push(Job {
            file,
            module,
            child_dir: dir,
            declared_at: None,
        });
    }

    while !jobs.is_empty() {
        let contexts: Vec<_> = jobs
            .iter()
            .map(|job| {
                let src = index.sources.get(job.file);
                let top = index.modules[job.module.0]
                    .path
                    .last()
                    .cloned()
                    .unwrap_or_default();
                (src.path.clone(), job.file, job.child_dir.clone(), top)
            })
            .collect();
        let mut next = Vec::new();
        let mut jobs_in_order = jobs.into_iter();
        // A level is parsed in chunks, each linked before the next is parsed: the summaries of a
        // chunk are moved into the index and freed while the next chunk is parsed, so the memory
        // they hold is reused instead of adding up over a whole level.
        for chunk in contexts.chunks(PARSE_CHUNK) {
            let results: Vec<Parsed> = chunk
                .par_iter()
                .map(|(path, file, child_dir, top)| parse_one(path, *file, child_dir, top.clone()))
                .collect();
            // Exact capacity: the fn list is the index's largest table; doubling would leave up
            // to half of it unused at the peak.
            let chunk_fns: usize = results
                .iter()
                .map(|r| r.as_ref().map_or(0, |(_, s)| s.fns.len()))
                .sum();
            index.fns.reserve_exact(chunk_fns);
            for result in results {
                let job = jobs_in_order.next().expect("one job per result");
                match result {
                    // The text is dropped: it is read again if a diagnostic or the router stage
                    // needs it (few files do).
                    Ok((_text, summary)) => {
                        index.lines += summary.lines;
                        next.extend(link(&mut index, &job, summary, ws, exclude, &mut loaded));
                    }
                    Err((text, mut problem)) => {
                        index.sources.set_text(job.file, text);
                        if let (Some(at), true) = (job.declared_at, problem.loc.line == 0) {
                            problem.loc = at;
                        }
                        index.problems.push(problem);
                    }
                }
            }
        }
        jobs = next;
    }
    index
}

fn is_excluded(path: &Path, root: &Path, exclude: &[String]) -> bool {
    let display = crate::source::display_path(path, root);
    exclude
        .iter()
        .any(|pattern| glob_path_match(pattern, &display))
}

/// `fixtures/**`, `*/generated/*.rs`: `**` any number of segments, `*` within one.
fn glob_path_match(pattern: &str, path: &str) -> bool {
    fn segs(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|i| segs(rest, &path[i..])),
            Some((first, rest)) => path
                .split_first()
                .is_some_and(|(p, prest)| seg(first, p) && segs(rest, prest)),
        }
    }
    fn seg(pattern: &str, s: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == s,
            Some((pre, post)) => {
                s.len() >= pre.len() + post.len() && s.starts_with(pre) && s.ends_with(post)
            }
        }
    }
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let s: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    segs(&p, &s)
}

/// Reads and summarizes one file exactly as the indexer does (used by the robustness tests and
/// the registry sweep): its summary, or the problem that keeps it from being analysed.
///
/// Like the indexer, it frees proc-macro2's span information of the calling thread afterwards:
/// do not call it on a thread that holds `syn` trees whose spans are still needed.
pub fn summarize_file(path: &Path) -> Result<FileSummary, ParseProblem> {
    let dir = path.parent().unwrap_or(Path::new("."));
    parse_one(path, FileId(0), dir, "file".into())
        .map(|(_, s)| s)
        .map_err(|(_, p)| p)
}

/// [`summarize_file`] for contents already in memory (they need not be UTF-8).
pub fn summarize_bytes(bytes: Vec<u8>) -> Result<FileSummary, ParseProblem> {
    let cx = FileContext {
        file: FileId(0),
        child_dir: Path::new("."),
        file_dir: Path::new("."),
        top_name: "file".into(),
    };
    parse_bytes(bytes, &cx).map(|(_, s)| s).map_err(|(_, p)| p)
}

/// Reads and parses one file on a worker thread; returns its text either way.
fn parse_one(path: &Path, file: FileId, child_dir: &Path, top_name: String) -> Parsed {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err((
                String::new(),
                problem_at(file, 0, 1, format!("cannot read `{}`: {e}", path.display())),
            ))
        }
    };
    let file_dir = path.parent().unwrap_or(Path::new("."));
    let cx = FileContext {
        file,
        child_dir,
        file_dir,
        top_name,
    };
    parse_bytes(bytes, &cx)
}

fn problem_at(file: FileId, line: usize, column: usize, message: String) -> ParseProblem {
    ParseProblem {
        loc: Loc {
            file,
            line,
            column,
            end_line: line,
            end_column: column + 1,
        },
        message,
    }
}

/// Checks and parses a file's contents into its summary; returns its text either way.
fn parse_bytes(bytes: Vec<u8>, cx: &FileContext) -> Parsed {
    let problem =
        |line: usize, column: usize, message: String| problem_at(cx.file, line, column, message);
    if bytes.len() > MAX_FILE_BYTES {
        return Err((
            String::new(),
            problem(
                1,
                1,
                format!(
                    "file is {} MiB, over the {} MiB limit; not analysed",
                    bytes.len() >> 20,
                    MAX_FILE_BYTES >> 20
                ),
            ),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let (line, column) = crate::source::line_col(&lossy, offset);
            return Err((
                lossy,
                problem(
                    line,
                    column,
                    format!("file is not valid UTF-8 (byte {offset})"),
                ),
            ));
        }
    };
    if let Some((offset, message)) = too_deep(&text) {
        let (line, column) = crate::source::line_col(&text, offset);
        return Err((text, problem(line, column, message)));
    }
    // Fast path: fn bodies that cannot matter are blanked out before `syn` sees them (see
    // [`mask`]); the summary is the same as from the full text. Router-related files are also
    // parsed in full so that a syntax error inside a body is still reported.
    let (fast, needs_full) = match mask::mask_bodies(&text) {
        Some(m) if m.masked_any && !full_parse_forced() => {
            let fast = syn::parse_file(&m.text).ok().map(|ast| summarize(&ast, cx));
            (fast, mask::mentions_routing(&text))
        }
        _ => (None, true),
    };
    let result = match fast {
        Some(summary) if !needs_full => Ok(summary),
        fast => syn::parse_file(&text)
            .map(|ast| fast.unwrap_or_else(|| summarize(&ast, cx)))
            .map_err(|e| {
                let start = e.span().start();
                (
                    start.line.max(1),
                    start.column + 1,
                    format!("cannot parse: {e}"),
                )
            }),
    };
    // The spans of this file are no longer needed: free proc-macro2's per-thread copy of its
    // text (otherwise every file parsed on a thread stays in memory until the end).
    proc_macro2::extra::invalidate_current_thread_spans();
    match result {
        Ok(mut summary) => {
            summary.lines = text.lines().count();
            Ok((text, summary))
        }
        Err((line, column, message)) => Err((text, problem(line, column, message))),
    }
}

/// `AUTHCHECK_FULL_PARSE=1` turns the body-blanking fast path off (for comparisons in
/// `scripts/bench` and for ruling it out when investigating a result).
fn full_parse_forced() -> bool {
    static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os("AUTHCHECK_FULL_PARSE").is_some_and(|v| v == "1"))
}

/// The first place where the file is too deeply nested for a recursive-descent parser (and the
/// recursive passes over its tree) to be safe: brackets deeper than [`MAX_NESTING`], a run of
/// more than [`MAX_NESTING`] prefix operators (`!!!!x`, `- - -x`) or unclosed `<` (`Vec<Vec<..`),
/// or more than [`MAX_CHAIN`] chained operators in one expression without a `,`/`;`/`}` at the
/// same bracket level (a 100k-term sum `a + a + ..`, a 100k-call method chain: trees that deep
/// overflow the stack when they are built, walked or dropped). Comments, strings and char
/// literals do not count.
/// Returns the byte offset and the message.
fn too_deep(text: &str) -> Option<(usize, String)> {
    mask::complexity(text)
}

/// A light Rust lexer (comments, strings, raw strings, chars vs lifetimes, brackets) used to
/// (1) blank out fn bodies that cannot matter before `syn` parses a file and (2) bound how deep
/// the file nests before any recursive parser sees it.
///
/// Why blanking is safe: the index reads only items and signatures, plus the bodies of fns that
/// may hand a router to a server (`serve`, `into_make_service`: [`FnItem::serves`]), of
/// `FromRequestParts`/`FromRequest`/`Modify` impls, and the items a body declares (local fns,
/// documents): such bodies are kept whole. Everything else in a body is read later by
/// the router evaluator, which re-parses the original text of the files it needs. A blanked
/// body keeps its braces, its newlines and the column of its closing brace, so every span of
/// the items around it, and thus every location in the output, is unchanged. When the lexer
/// is unsure (unbalanced brackets, an unterminated literal) nothing is blanked and the file is
/// parsed in full, so parse errors are reported exactly as before.
///
/// [`FnItem::serves`]: crate::index::FnItem::serves
mod mask {
    use super::{MAX_CHAIN, MAX_NESTING};

    /// A fn body containing one of these is kept (they may hand a router to a server).
    const KEEP_BODY: &[&str] = &["serve", "into_make_service"];
    /// Every body of an impl whose header contains one of these is kept.
    const KEEP_IMPL: &[&str] = &["FromRequest", "Modify"];
    /// A file containing one of these is also parsed in full, so that a syntax error inside a
    /// blanked body of router code is still a `parse-error`.
    const ROUTING: &[&str] = &[
        "Router",
        ".route",
        ".nest",
        ".merge",
        ".layer",
        ".fallback",
        "routes!",
        "serve",
    ];

    pub struct Masked {
        /// The blanked text (empty when nothing was blanked).
        pub text: String,
        pub masked_any: bool,
    }

    pub fn mentions_routing(text: &str) -> bool {
        ROUTING.iter().any(|w| contains_word(text, w))
    }

    /// Whether `word` occurs in `hay` not preceded by an identifier character (`serve` but
    /// not `reserve`).
    fn contains_word(hay: &str, word: &str) -> bool {
        let b = hay.as_bytes();
        hay.match_indices(word)
            .any(|(i, _)| i == 0 || !is_ident_continue(b[i - 1]))
    }

    /// The file with irrelevant fn bodies (and `#[cfg(test)] mod` contents) blanked; `None`
    /// when the lexer cannot follow the file.
    pub fn mask_bodies(text: &str) -> Option<Masked> {
        let mut m = Masker {
            lx: Lexer { b: text.as_bytes() },
            text,
            out: String::new(),
            copied: 0,
        };
        let mut i = 0;
        m.items(&mut i, false, false).ok()?;
        if m.copied == 0 {
            return Some(Masked {
                text: String::new(),
                masked_any: false,
            });
        }
        m.out.push_str(&text[m.copied..]);
        Some(Masked {
            text: m.out,
            masked_any: true,
        })
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum Tok {
        Ident(usize, usize),
        Lit,
        Open(u8),
        Close(u8),
        Punct(u8),
        End,
    }

    /// The lexer could not follow the text.
    struct Bad;

    struct Lexer<'a> {
        b: &'a [u8],
    }

    fn is_ident_start(c: u8) -> bool {
        c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
    }

    fn is_ident_continue(c: u8) -> bool {
        c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
    }

    fn utf8_len(c: u8) -> usize {
        match c {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        }
    }

    impl Lexer<'_> {
        fn ident_end(&self, mut i: usize) -> usize {
            while self.b.get(i).is_some_and(|&c| is_ident_continue(c)) {
                i += 1;
            }
            i
        }

        /// After the opening quote of a (byte/C) string: the index after its closing quote.
        fn string_end(&self, mut i: usize) -> Result<usize, Bad> {
            loop {
                match self.b.get(i) {
                    None => return Err(Bad),
                    Some(b'\\') => i += 2,
                    Some(b'"') => return Ok(i + 1),
                    Some(_) => i += 1,
                }
            }
        }

        /// After the opening quote of a raw string with `hashes` `#`s.
        fn raw_string_end(&self, mut i: usize, hashes: usize) -> Result<usize, Bad> {
            loop {
                let q = i + memchr(b'"', &self.b[i.min(self.b.len())..]).ok_or(Bad)?;
                let closes = self.b[q + 1..].iter().take(hashes).filter(|&&c| c == b'#');
                if closes.count() == hashes {
                    return Ok(q + 1 + hashes);
                }
                i = q + 1;
            }
        }

        /// After the opening quote of a char literal or a lifetime: `(end, is_literal)`.
        fn quote_end(&self, i: usize) -> Result<(usize, bool), Bad> {
            match self.b.get(i) {
                None => Err(Bad),
                Some(b'\\') => {
                    let mut k = i + 2;
                    loop {
                        match self.b.get(k) {
                            None | Some(b'\n') => return Err(Bad),
                            Some(b'\'') => return Ok((k + 1, true)),
                            Some(_) => k += 1,
                        }
                    }
                }
                Some(&c) => {
                    let w = utf8_len(c);
                    if self.b.get(i + w) == Some(&b'\'') {
                        Ok((i + w + 1, true))
                    } else {
                        Ok((i, false))
                    }
                }
            }
        }

        /// The next token at or after `*i`, skipping whitespace and comments.
        fn next(&self, i: &mut usize) -> Result<Tok, Bad> {
            let b = self.b;
            loop {
                let Some(&c) = b.get(*i) else {
                    return Ok(Tok::End);
                };
                match c {
                    b' ' | b'\t' | b'\n' | b'\r' => *i += 1,
                    b'/' if b.get(*i + 1) == Some(&b'/') => {
                        *i = memchr(b'\n', &b[*i..]).map_or(b.len(), |n| *i + n);
                    }
                    b'/' if b.get(*i + 1) == Some(&b'*') => {
                        let mut depth = 0usize;
                        loop {
                            match (b.get(*i), b.get(*i + 1)) {
                                (Some(b'/'), Some(b'*')) => {
                                    depth += 1;
                                    *i += 2;
                                }
                                (Some(b'*'), Some(b'/')) => {
                                    depth -= 1;
                                    *i += 2;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                (Some(_), _) => *i += 1,
                                (None, _) => return Err(Bad),
                            }
                        }
                    }
                    b'"' => {
                        *i = self.string_end(*i + 1)?;
                        return Ok(Tok::Lit);
                    }
                    b'\'' => {
                        let (end, literal) = self.quote_end(*i + 1)?;
                        *i = end;
                        return Ok(if literal { Tok::Lit } else { Tok::Punct(b'\'') });
                    }
                    b'0'..=b'9' => {
                        *i = self.ident_end(*i);
                        return Ok(Tok::Lit);
                    }
                    c if is_ident_start(c) => {
                        let start = *i;
                        *i = self.ident_end(start);
                        let word = &b[start..*i];
                        if matches!(word, b"r" | b"br" | b"cr") {
                            let mut j = *i;
                            while b.get(j) == Some(&b'#') {
                                j += 1;
                            }
                            if b.get(j) == Some(&b'"') {
                                *i = self.raw_string_end(j + 1, j - *i)?;
                                return Ok(Tok::Lit);
                            }
                            if word == b"r"
                                && j == *i + 1
                                && b.get(j).is_some_and(|&c| is_ident_start(c))
                            {
                                *i = self.ident_end(j);
                                return Ok(Tok::Ident(start, *i));
                            }
                        }
                        if matches!(word, b"b" | b"c") && b.get(*i) == Some(&b'"') {
                            *i = self.string_end(*i + 1)?;
                            return Ok(Tok::Lit);
                        }
                        if word == b"b" && b.get(*i) == Some(&b'\'') {
                            *i = self.quote_end(*i + 1)?.0;
                            return Ok(Tok::Lit);
                        }
                        return Ok(Tok::Ident(start, *i));
                    }
                    b'(' | b'[' | b'{' => {
                        *i += 1;
                        return Ok(Tok::Open(c));
                    }
                    b')' | b']' | b'}' => {
                        *i += 1;
                        return Ok(Tok::Close(c));
                    }
                    _ => {
                        *i += 1;
                        return Ok(Tok::Punct(c));
                    }
                }
            }
        }

        /// After the `{` of a fn body: the index after its `}`, and whether the body declares
        /// items as statements of its own (`fn`, `struct`, `impl`), which the index reads.
        fn skip_body(&self, i: &mut usize) -> Result<bool, Bad> {
            let mut stack = vec![b'}'];
            let mut declares = false;
            let mut after_fn = false;
            while let Some(&want) = stack.last() {
                let tok = self.next(i)?;
                if stack.len() == 1 {
                    if let Tok::Ident(s, e) = tok {
                        let word = &self.b[s..e];
                        declares |= after_fn || word == b"struct" || word == b"impl";
                        after_fn = word == b"fn";
                        continue;
                    }
                    after_fn = false;
                }
                match tok {
                    Tok::Open(c) => stack.push(closer(c)),
                    Tok::Close(c) if c == want => {
                        stack.pop();
                    }
                    Tok::Close(_) | Tok::End => return Err(Bad),
                    _ => {}
                }
            }
            Ok(declares)
        }

        /// After an opening bracket: the index after its matching closer.
        fn skip_group(&self, i: &mut usize, open: u8) -> Result<(), Bad> {
            let mut stack = vec![closer(open)];
            while let Some(&want) = stack.last() {
                match self.next(i)? {
                    Tok::Open(c) => stack.push(closer(c)),
                    Tok::Close(c) if c == want => {
                        stack.pop();
                    }
                    Tok::Close(_) | Tok::End => return Err(Bad),
                    _ => {}
                }
            }
            Ok(())
        }
    }

    fn closer(open: u8) -> u8 {
        match open {
            b'(' => b')',
            b'[' => b']',
            _ => b'}',
        }
    }

    fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
        hay.iter().position(|&c| c == needle)
    }

    struct Masker<'a> {
        lx: Lexer<'a>,
        text: &'a str,
        out: String,
        /// Bytes of `text` already copied to `out`.
        copied: usize,
    }

    impl Masker<'_> {
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

        /// The items of a file (or of a `mod`/`impl`/`trait` body when `inside`).
        fn items(&mut self, i: &mut usize, inside: bool, keep_all: bool) -> Result<(), Bad> {
            let mut cfg_test = false;
            loop {
                match self.lx.next(i)? {
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
                    Tok::Punct(b';') => cfg_test = false,
                    Tok::Ident(s, e) => match &self.lx.b[s..e] {
                        b"fn" => {
                            self.fn_item(i, keep_all)?;
                            cfg_test = false;
                        }
                        kw @ (b"impl" | b"trait" | b"mod") => {
                            let is_impl = kw == b"impl";
                            let blank_all = kw == b"mod" && cfg_test;
                            self.container(i, is_impl, blank_all, keep_all)?;
                            cfg_test = false;
                        }
                        _ => {}
                    },
                    Tok::Open(c) => {
                        self.lx.skip_group(i, c)?;
                        if c == b'{' {
                            cfg_test = false;
                        }
                    }
                    _ => {}
                }
            }
        }

        /// After `fn`: the signature, then the body (blanked unless it may matter).
        fn fn_item(&mut self, i: &mut usize, keep_all: bool) -> Result<(), Bad> {
            let save = *i;
            if !matches!(self.lx.next(i)?, Tok::Ident(..)) {
                // `fn(u8) -> u8`: a fn pointer type, not an item.
                *i = save;
                return Ok(());
            }
            let mut angle = 0i32;
            let mut prev = Tok::End;
            loop {
                let tok = self.lx.next(i)?;
                match tok {
                    Tok::Open(b'{') if angle <= 0 => {
                        let start = *i;
                        let declares_items = self.lx.skip_body(i)?;
                        let end = *i - 1;
                        let body = &self.text[start..end];
                        if !keep_all
                            && !declares_items
                            && !KEEP_BODY.iter().any(|w| contains_word(body, w))
                        {
                            self.blank(start, end);
                        }
                        return Ok(());
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
                        let keep =
                            keep_all || (is_impl && KEEP_IMPL.iter().any(|w| header.contains(w)));
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

    /// See [`super::too_deep`].
    pub fn complexity(text: &str) -> Option<(usize, String)> {
        let b = text.as_bytes();
        let lx = Lexer { b };
        let byte = |i: usize| b.get(i).copied().unwrap_or(b' ');
        // Per open bracket level: operators that build nested trees since the last `,`, `;` or
        // `}` (paths, `|` or-patterns and `..=` ranges are flat lists and do not count), and
        // unclosed `<` since the last `;`, `{` or `}`.
        let mut levels: Vec<(usize, usize)> = vec![(0, 0)];
        let mut run = 0usize;
        let mut i = 0;
        loop {
            let at = i;
            let tok = match lx.next(&mut i) {
                Ok(t) => t,
                // Not lexable from here (an unterminated literal): the parser reports it.
                Err(Bad) => {
                    i = at + 1;
                    continue;
                }
            };
            let (ops, angle) = levels.last_mut().expect("the file level");
            let counted = match tok {
                Tok::End => return None,
                Tok::Open(c) => {
                    if c == b'{' {
                        *angle = 0;
                    }
                    levels.push((0, 0));
                    if levels.len() > MAX_NESTING + 1 {
                        return Some((
                            i - 1,
                            format!("brackets nest deeper than {MAX_NESTING} levels; not analysed"),
                        ));
                    }
                    false
                }
                Tok::Close(c) => {
                    if levels.len() > 1 {
                        levels.pop();
                    }
                    // A `}` ends an item or a block-like statement: what follows starts afresh
                    // (a file of 10k `impl`s is not one long expression).
                    if c == b'}' {
                        *levels.last_mut().expect("the file level") = (0, 0);
                    }
                    false
                }
                Tok::Punct(b',') => {
                    *ops = 0;
                    false
                }
                Tok::Punct(b';') => {
                    (*ops, *angle) = (0, 0);
                    false
                }
                Tok::Ident(s, e) => &b[s..e] == b"as",
                Tok::Punct(c) => {
                    let p = i - 1;
                    let (prev, next) = (if p > 0 { byte(p - 1) } else { b' ' }, byte(p + 1));
                    if c == b'<' {
                        *angle += 1;
                    } else if c == b'>' && !matches!(prev, b'-' | b'=') && next != b'=' {
                        *angle = angle.saturating_sub(1);
                    }
                    if *angle > MAX_NESTING {
                        return Some((
                            p,
                            format!("generic arguments nest deeper than {MAX_NESTING} levels; not analysed"),
                        ));
                    }
                    if matches!(c, b'!' | b'-' | b'*' | b'&') {
                        run += 1;
                        if run > MAX_NESTING {
                            return Some((
                                p,
                                format!("more than {MAX_NESTING} prefix operators in a row; not analysed"),
                            ));
                        }
                    } else {
                        run = 0;
                    }
                    match c {
                        b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'?' => true,
                        // `a || b`, closures `|| ..`; a single `|` may be an or-pattern.
                        b'|' => next == b'|',
                        // Field, method, `.await`, tuple index; not `..`/`..=`.
                        b'.' => is_ident_continue(next),
                        // `=`, `==`, `+=`; not `=>` or the `=` of `..=`.
                        b'=' => next != b'>' && prev != b'.' && prev != b'=',
                        _ => false,
                    }
                }
                Tok::Lit => false,
            };
            if !matches!(tok, Tok::Punct(_)) {
                run = 0;
            }
            if counted {
                let (ops, _) = levels.last_mut().expect("the file level");
                *ops += 1;
                if *ops > MAX_CHAIN {
                    return Some((
                        i - 1,
                        format!("an expression with more than {MAX_CHAIN} chained operators; not analysed"),
                    ));
                }
            }
        }
    }
}

/// Adds a file's summary to the index; returns the module files it declares.
fn link(
    index: &mut Index,
    job: &Job,
    summary: FileSummary,
    ws: &Workspace,
    exclude: &[String],
    loaded: &mut HashMap<PathBuf, ModuleId>,
) -> Vec<Job> {
    let krate = index.modules[job.module.0].krate;
    // Local module indices -> global ids; the file's top module is the job's module.
    let mut module_ids = Vec::with_capacity(summary.modules.len());
    for (local, items) in summary.modules.iter().enumerate() {
        if local == 0 {
            module_ids.push(job.module);
            continue;
        }
        let parent = module_ids[items.parent.unwrap_or(0)];
        let mut path = index.modules[parent.0].path.clone();
        path.push(items.name.clone());
        module_ids.push(ModuleId(index.modules.len()));
        index.modules.push(Module {
            path,
            krate,
            parent: Some(parent),
            file: job.file,
            entries: HashMap::new(),
            globs: Vec::new(),
            import_slot: None,
        });
    }
    let fn_base = index.fns.len();
    for mut item in summary.fns {
        item.module = module_ids[item.module].0;
        index.push_fn(item);
    }
    for (local, items) in summary.modules.into_iter().enumerate() {
        let module = &mut index.modules[module_ids[local].0];
        module.globs.extend(items.globs);
        module.import_slot = items.import_slot;
        module.entries.reserve(items.entries.len());
        for (name, entry) in items.entries {
            let linked = match entry {
                crate::index::Entry::Fn(i) => LinkedEntry::Fn(crate::index::FnId(fn_base + i)),
                crate::index::Entry::Mod(i) => LinkedEntry::Mod(module_ids[i]),
                crate::index::Entry::Type => LinkedEntry::Type,
                crate::index::Entry::Alias(t) => LinkedEntry::Alias(t),
                crate::index::Entry::Const(v) => LinkedEntry::Const(v),
                crate::index::Entry::Use(p) => LinkedEntry::Use(p),
            };
            // Most names have one entry: a `Vec` of capacity 1, not the default 4.
            match module.entries.entry(name) {
                std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().push(linked),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(vec![linked]);
                }
            }
        }
    }
    for (local, imp) in summary.extractor_impls.into_iter().map(|i| (i.module, i)) {
        index.extractor_impls.push((module_ids[local], imp));
    }
    for (local, doc) in summary.openapi_docs {
        index.openapi_docs.push((module_ids[local], doc));
    }
    index.defined_schemes.extend(summary.defined_schemes);

    let mut jobs = Vec::new();
    for decl in summary.mod_decls {
        let module = module_ids[decl.module];
        let found = decl
            .candidates
            .iter()
            .zip(&decl.child_dirs)
            .find(|(c, _)| c.is_file());
        let Some((path, child_dir)) = found else {
            let name = index.modules[module.0]
                .path
                .last()
                .cloned()
                .unwrap_or_default();
            let tried: Vec<_> = decl
                .candidates
                .iter()
                .map(|c| crate::source::display_path(c, &ws.root))
                .collect();
            index.problems.push(ParseProblem {
                loc: decl.loc,
                message: format!(
                    "file not found for module `{name}` (looked for {})",
                    tried.join(", ")
                ),
            });
            continue;
        };
        if is_excluded(path, &ws.root, exclude) {
            continue;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Some(existing) = loaded.get(&canonical) {
            let other = index.modules[existing.0].path.join("::");
            index.problems.push(ParseProblem {
                loc: decl.loc,
                message: format!("`{}` is already loaded as module `{other}`; a file is analysed once (a `#[path]` cycle?)", crate::source::display_path(path, &ws.root)),
            });
            continue;
        }
        loaded.insert(canonical, module);
        index.modules[module.0].file = FileId(index.sources.len());
        let file = index.sources.reserve(path.clone(), &ws.root);
        jobs.push(Job {
            file,
            module,
            child_dir: child_dir.clone(),
            declared_at: Some(decl.loc),
        });
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_globs() {
        assert!(glob_path_match("fixtures/**", "fixtures/a/src/lib.rs"));
        assert!(!glob_path_match("fixtures/**", "server/src/lib.rs"));
        assert!(glob_path_match("**/generated/*.rs", "a/b/generated/x.rs"));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "(".repeat(MAX_NESTING + 1);
        assert!(too_deep(&deep).is_some());
        assert!(too_deep("fn f() { (1) }").is_none());
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

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
            let m = mask::mask_bodies(&text).expect("lexable");
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
mod mask_properties {
    use super::mask_tests::summary_of;
    use super::*;
    use proptest::prelude::*;

    fn fixture_texts() -> Vec<String> {
        let mut files = Vec::new();
        super::mask_tests::rs_files(
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
            let Some(m) = mask::mask_bodies(&text) else { return Ok(()) };
            if full.is_some() && m.masked_any {
                let masked = summary_of(&m.text);
                if masked.is_some() {
                    prop_assert_eq!(full, masked);
                }
            }
        }
    }
}
