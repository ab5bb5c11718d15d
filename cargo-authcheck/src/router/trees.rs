//! The files the router evaluator parses again (the index keeps no syntax tree): which fns a
//! parse keeps (a large file's window of lines, a small file's router fns and the fn asked
//! for), and the trees held between calls, at most [`MAX_PARSED_BYTES`] of source in whole files
//! and [`MAX_WINDOW_BYTES`] in windows of large files.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::eval::Evaluator;
use super::syntax::find_fn;
use crate::index::{FnId, ParseProblem};
use crate::parse::Boundary;
use crate::source::{FileId, Loc};

/// Source bytes (not counting whitespace) of whole files whose syntax trees are kept at once: a
/// tree takes about a hundred times its source's size, and router code spans many files; a file
/// used again after it was dropped is parsed again. 64 KiB, not 128 as for windows: the trees of
/// router files read one after the other (router-heavy, 1M lines: 4 to 7 MB lower, as fast).
const MAX_PARSED_BYTES: usize = 64 << 10;
/// The same for windows of large files, where router fns jump between windows: with 64 KiB they
/// evicted each other and were lexed and parsed again (huge-files, 1M lines: 1.6x the time).
const MAX_WINDOW_BYTES: usize = 128 << 10;
/// A file larger than this is parsed [`WINDOW_LINES`] lines at a time, with the items outside
/// them blanked (a generated router file of a few MB would otherwise take hundreds of MB as a
/// tree).
const LARGE_FILE_BYTES: usize = 256 << 10;
/// The lines of a large file whose fns one parse keeps: a few windows fit in
/// [`MAX_WINDOW_BYTES`] together, as router fns calling each other across a large file need.
const WINDOW_LINES: usize = 1024;

/// What a parse of the evaluator leaves out of a file.
#[derive(Clone, Copy)]
pub(super) enum Leave {
    /// The items it does not read: every item but the fns asked for (a window of a large file,
    /// or the file's router fns and the fn asked for).
    Unread,
    /// Nothing (the fallback when a fn is not found in a parse that left items out).
    Nothing,
}

/// A syntax tree the evaluator parsed, and how many lines of its file precede the text it was
/// parsed from (a window of a large file starts late in it): a line in its spans plus
/// `lines_before` is a line of the file.
#[derive(Clone)]
pub(super) struct Tree {
    pub(super) ast: Rc<syn::File>,
    pub(super) lines_before: usize,
}

impl Tree {
    /// The fn named `name` at a line and column of the file (see [`find_fn`]).
    pub(super) fn find_fn(
        &self,
        name: &str,
        line: usize,
        column: usize,
    ) -> Option<(&syn::Signature, &syn::Block)> {
        find_fn(
            &self.ast,
            name,
            line.saturating_sub(self.lines_before),
            column,
        )
    }
}

/// A file parsed again by the evaluator.
struct Parsed {
    file: FileId,
    /// The window of lines whose fns were kept, in a large file.
    window: Option<usize>,
    /// Otherwise the lines of the fns that were kept (sorted; `None`: the whole file).
    kept: Option<Vec<usize>>,
    /// The size of the text parsed, whitespace aside.
    bytes: usize,
    tree: Tree,
}

/// The trees the evaluator holds, and what it learnt of files while parsing them.
#[derive(Default)]
pub(super) struct Trees {
    /// Re-parsed files, least recently used first (at most [`MAX_PARSED_BYTES`] of source in
    /// whole files, [`MAX_WINDOW_BYTES`] in windows).
    parsed: VecDeque<Parsed>,
    /// Where each window of a large file was cut, by window (a later window's lexing starts
    /// there).
    window_cuts: FxHashMap<FileId, BTreeMap<usize, Boundary>>,
    /// The fns of every file (built on first use), to know which bodies a parse must keep.
    fns_by_file: Option<FxHashMap<FileId, Vec<FnId>>>,
}

impl Trees {
    /// Drops every tree held (their spans are about to be invalidated).
    pub(super) fn clear(&mut self) {
        self.parsed.clear();
    }
}

impl Evaluator<'_> {
    /// The syntax tree of the file holding the fn named on `line`, parsed again from its text
    /// (the index keeps none). With [`Leave::Unread`] it holds only the fns near that line in a
    /// large file, and the file's router fns with the fn asked for in a small one. The most
    /// recently used trees stay parsed; a file that does not parse is a `parse-error` (a syntax
    /// error inside a fn body the indexer skipped shows here).
    pub(super) fn ast(&mut self, file: FileId, line: usize, leave: Leave) -> Option<Tree> {
        let text = self.index.sources.get(file).text();
        let window = match leave {
            Leave::Unread => (text.len() > LARGE_FILE_BYTES).then_some(line / WINDOW_LINES),
            Leave::Nothing => None,
        };
        if let Some(at) = self.trees.parsed.iter().position(|p| {
            p.file == file
                && p.window == window
                && match (&p.kept, leave) {
                    (None, _) => true,
                    (Some(kept), Leave::Unread) => kept.binary_search(&line).is_ok(),
                    (Some(_), Leave::Nothing) => false,
                }
        }) {
            let entry = self.trees.parsed.remove(at).expect("a position in range");
            let tree = entry.tree.clone();
            self.trees.parsed.push_back(entry);
            return Some(tree);
        }
        self.files_read.insert(file);
        // A small file keeps its router fns and this fn; the handlers beside them are not read.
        let mut kept = None;
        let mut lines_before = 0;
        let masked = match (window, leave) {
            (_, Leave::Nothing) => None,
            (Some(w), _) => {
                // Lexing starts where an earlier window was cut (they are read in order, mostly).
                let cuts = self.trees.window_cuts.entry(file).or_default();
                let from = cuts
                    .range(..w)
                    .next_back()
                    .map_or(Boundary::START, |(_, &cut)| cut);
                let lines = w * WINDOW_LINES..=(w + 1) * WINDOW_LINES - 1;
                crate::parse::keep_only_fns_in(text, lines, from).map(|window| {
                    if let Some(cut) = window.cut {
                        cuts.insert(w, cut);
                    }
                    lines_before = window.lines_before;
                    window.text
                })
            }
            (None, Leave::Unread) => {
                let mut lines = self.router_fn_lines(file);
                if let Err(at) = lines.binary_search(&line) {
                    lines.insert(at, line);
                }
                let masked = crate::parse::keep_only_fns_at(text, &lines);
                kept = masked.is_some().then_some(lines);
                masked
            }
        };
        // A window that does not parse (the cut or the blanking misread the file) falls back to
        // the whole text, whose error, if any, is the one reported.
        let (source, parsed) = match masked.as_deref().map(|m| (m, syn::parse_file(m))) {
            Some((m, Ok(ast))) => (m, Ok(ast)),
            _ => {
                kept = None;
                lines_before = 0;
                (text, syn::parse_file(text))
            }
        };
        let ast = match parsed {
            Ok(ast) => Rc::new(ast),
            Err(e) => {
                let start = e.span().start();
                let line = start.line.max(1) + lines_before;
                let loc = Loc::new(file, line, start.column + 1, line, start.column + 2);
                let problem = ParseProblem {
                    loc,
                    message: format!("cannot parse: {e}"),
                };
                if !self.parse_problems.iter().any(|p| p.loc == problem.loc) {
                    self.parse_problems.push(problem);
                }
                return None;
            }
        };
        // What the tree's size follows: a blanked body leaves only whitespace.
        let bytes = source.bytes().filter(|b| !b.is_ascii_whitespace()).count();
        let (is_window, limit) = match window {
            Some(_) => (true, MAX_WINDOW_BYTES),
            None => (false, MAX_PARSED_BYTES),
        };
        let alike = |p: &Parsed| p.window.is_some() == is_window;
        let mut held: usize = self
            .trees
            .parsed
            .iter()
            .filter(|p| alike(p))
            .map(|p| p.bytes)
            .sum();
        while held + bytes > limit {
            let Some(oldest) = self.trees.parsed.iter().position(alike) else {
                break;
            };
            if let Some(dropped) = self.trees.parsed.remove(oldest) {
                held -= dropped.bytes;
            }
        }
        let tree = Tree { ast, lines_before };
        self.trees.parsed.push_back(Parsed {
            file,
            window,
            kept,
            bytes,
            tree: tree.clone(),
        });
        Some(tree)
    }

    /// The lines of the names of a file's router fns (sorted).
    fn router_fn_lines(&mut self, file: FileId) -> Vec<usize> {
        let index = self.index;
        self.trees.fns_by_file.get_or_insert_with(|| {
            let mut map: FxHashMap<FileId, Vec<FnId>> = FxHashMap::default();
            for (i, f) in index.fns.iter().enumerate() {
                map.entry(f.file()).or_default().push(FnId(i));
            }
            map
        });
        let fns = self.trees.fns_by_file.as_ref().and_then(|m| m.get(&file));
        let mut lines: Vec<usize> = fns
            .into_iter()
            .flatten()
            .filter(|&&f| self.is_router_fn(f))
            .map(|f| index.fns[f.0].name_loc.line as usize)
            .collect();
        lines.sort_unstable();
        lines.dedup();
        lines
    }
}
