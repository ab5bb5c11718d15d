//! Loads each crate's module tree from its root file (`mod a;` as `a.rs` or `a/mod.rs`, `#[path]`,
//! inline modules), parsing the files of each tree level in parallel, and links the per-file
//! summaries into the [`Index`].
//!
//! Each file goes through [`budget`] (is it too deeply nested to parse safely?), [`mask`] (fn
//! bodies that cannot matter are blanked) and `syn`, on threads whose stack the tool sets (at
//! least [`budget::PARSE_STACK`]).

pub mod budget;
mod lexer;
mod mask;
pub mod windows;

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::{self, Cache};
use crate::config::Exclude;
use crate::discover::Workspace;
use crate::index::extract::{summarize, FileContext};
use crate::index::{
    Crate, CrateId, FileSummary, Index, LinkedEntry, Module, ModuleEntries, ModuleId, Name,
    ParseProblem,
};
use crate::source::{FileId, Loc};
pub use budget::Limits;
pub use mask::{keep_only_fns_at, keep_only_fns_in, Boundary};

/// Files larger than this are reported instead of parsed (the largest hand-written or generated
/// sources in the crates.io registry are a few MiB; parsing stays well under a second below it).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The most files parsed in parallel before their summaries are linked (see
/// [`index_workspace`]).
const PARSE_CHUNK: usize = 128;

/// The most bytes of source in a chunk of more than one file: a level of a few large files is
/// cut into several chunks too, so that one is linked while the next is parsed (in one chunk,
/// the threads that parse waited while it was linked, and the linking thread while it parsed).
const PARSE_CHUNK_BYTES: u64 = 4 << 20;

/// One file to load as a module.
struct Job {
    file: FileId,
    module: ModuleId,
    child_dir: PathBuf,
    /// Where the `mod` that asked for it was declared (for "file not found" messages).
    declared_at: Option<Loc>,
    /// How the file looked when it was found (for the cache; `None` if it could not be read).
    stamp: Option<cache::Stamp>,
}

/// What makes a file the same file whatever the path it is reached by: device and inode where
/// there are such (one `stat`), else the canonical path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum FileIdentity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

/// The file at `path`, if it is one: its identity and stamp, from one `stat`.
fn find_file(path: &Path) -> Option<(FileIdentity, Option<cache::Stamp>)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    #[cfg(unix)]
    let identity = {
        use std::os::unix::fs::MetadataExt;
        FileIdentity::Inode(meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let identity = FileIdentity::Path(path.canonicalize().unwrap_or_else(|_| path.to_path_buf()));
    Some((identity, cache::Stamp::from_metadata(&meta)))
}

/// A file's summary, or the problem that keeps it from being analysed with the file's text (for
/// the diagnostic's snippet). A parsed file's text is dropped at once: a chunk of large files
/// would otherwise hold every text until the chunk is linked.
type Parsed = Result<FileSummary, (String, ParseProblem)>;

/// The file found for a `mod name;` declaration, with the directory of its own child modules,
/// its identity and stamp (looked for on the worker thread that loaded the declaring file).
struct ModFile {
    path: PathBuf,
    child_dir: PathBuf,
    identity: FileIdentity,
    stamp: Option<cache::Stamp>,
}

/// The file of each `mod` declaration of a summary, in order (`None` when no candidate exists);
/// `child_dir` is the directory of the file's child modules.
fn find_mod_files(summary: &FileSummary, child_dir: &Path) -> Vec<Option<ModFile>> {
    summary
        .mod_decls
        .iter()
        .map(|decl| {
            decl.candidates(child_dir)
                .into_iter()
                .find_map(|(path, child_dir)| {
                    find_file(&path).map(|(identity, stamp)| ModFile {
                        path,
                        child_dir,
                        identity,
                        stamp,
                    })
                })
        })
        .collect()
}

/// Builds the index of every crate in the workspace, its def-map aside (the caller builds it:
/// [`crate::index::nameres::build`]); files unchanged since `cache` was written
/// are not parsed again. Files are parsed on `threads` (their stacks at least
/// [`budget::PARSE_STACK`]), or on the calling thread without them.
pub fn index_workspace(
    ws: &Workspace,
    exclude: &Exclude,
    cache: &mut Cache,
    threads: Option<&rayon::ThreadPool>,
) -> Index {
    let mut index = Index::default();
    index.reserve(cache.capacity());
    let mut jobs = Vec::new();
    // A file is one module per crate (a package's lib and bin may both declare `mod config;`).
    let mut loaded: FxHashMap<(CrateId, FileIdentity), ModuleId> = FxHashMap::default();
    for root in &ws.crates {
        if is_excluded(&root.root_file, &ws.root, exclude) {
            continue;
        }
        let krate = CrateId(index.crates.len());
        let module = ModuleId(index.modules.len());
        let found = find_file(&root.root_file);
        if let Some((identity, _)) = &found {
            loaded.insert((krate, identity.clone()), module);
        }
        let file = index.sources.reserve(root.root_file.clone(), &ws.root);
        index.modules.push(Module {
            path: vec![Name::from(root.name.as_str())],
            krate,
            parent: None,
            file,
            entries: ModuleEntries::default(),
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
            stamp: found.and_then(|(_, stamp)| stamp),
        });
    }

    let limits = Limits::tool();
    let (mut load_time, mut link_time) = Default::default();
    while !jobs.is_empty() {
        let contexts: Vec<FileToLoad> = jobs
            .iter()
            .map(|job| FileToLoad {
                path: index.sources.get(job.file).path.clone(),
                file: job.file,
                child_dir: job.child_dir.clone(),
                top_name: index.modules[job.module.0]
                    .path
                    .last()
                    .cloned()
                    .unwrap_or_default(),
                stamp: job.stamp,
            })
            .collect();
        let mut next = Vec::new();
        let mut jobs_in_order = jobs.into_iter();
        // A level is parsed in chunks, each linked while the next is parsed: the summaries of a
        // chunk are moved into the index and freed, so the memory they hold is reused instead of
        // adding up over a whole level, and the linking (on this thread) costs no parse time.
        let chunks = chunks(&contexts);
        let started = std::time::Instant::now();
        let mut parsed = Some(match threads {
            Some(threads) => threads.install(|| load_chunk(chunks[0], limits, cache, true)),
            None => load_chunk(chunks[0], limits, cache, false),
        });
        for (k, chunk) in chunks.iter().enumerate() {
            let outcomes = parsed
                .take()
                .expect("each chunk is parsed before it is linked");
            // The cache is read while the next chunk loads: what the next cache keeps of this
            // chunk is recorded once it has.
            let mut kept_files = Vec::new();
            let link_chunk = || {
                let started = std::time::Instant::now();
                let mut results = Vec::with_capacity(outcomes.len());
                for (to_load, one) in chunk.iter().zip(outcomes) {
                    index.set_content_hash(to_load.file, one.content);
                    if let Some(kept) = one.kept {
                        kept_files.push((to_load.path.clone(), kept));
                    }
                    results.push((one.parsed, one.mod_files));
                }
                // Exact capacity: the fn list is the index's largest table; doubling would leave
                // up to half of it unused at the peak.
                let chunk_fns: usize = results
                    .iter()
                    .map(|(r, _)| r.as_ref().map_or(0, |s| s.fns.len()))
                    .sum();
                index.fns.reserve_exact(chunk_fns);
                for (result, mod_files) in results {
                    let job = jobs_in_order.next().expect("one job per result");
                    match result {
                        // The text was dropped: it is read again if a diagnostic or the router
                        // stage needs it (few files do).
                        Ok(summary) => {
                            index.lines += summary.lines;
                            if summary.mentions_inline_allow {
                                index.inline_allow_files.insert(job.file);
                            }
                            next.extend(link(
                                &mut index,
                                &job,
                                summary,
                                mod_files,
                                ws,
                                exclude,
                                &mut loaded,
                            ));
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
                link_time += started.elapsed();
            };
            let cached: &Cache = cache;
            match (threads, chunks.get(k + 1)) {
                (Some(threads), Some(following)) => threads.in_place_scope(|scope| {
                    let slot = &mut parsed;
                    scope.spawn(move |_| *slot = Some(load_chunk(following, limits, cached, true)));
                    link_chunk();
                }),
                (None, Some(following)) => {
                    link_chunk();
                    parsed = Some(load_chunk(following, limits, cached, false));
                }
                (_, None) => link_chunk(),
            }
            // New summaries go to the next cache file at once (not held until the end).
            for (path, kept) in kept_files {
                cache.keep_file(path, kept);
            }
        }
        load_time += started.elapsed();
        jobs = next;
    }
    // `load` is the wall time of reading, parsing and linking; `link` the part of it spent
    // linking (while the next chunk was parsed).
    crate::timings::report("load", load_time);
    crate::timings::report("link", link_time);
    cache.keep_capacity(index.capacity());
    index
}

/// A level's files cut into chunks of at most [`PARSE_CHUNK`] files and, past one file,
/// [`PARSE_CHUNK_BYTES`] of source (as the files were found: a file not found counts nothing).
fn chunks(files: &[FileToLoad]) -> Vec<&[FileToLoad]> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, file) in files.iter().enumerate() {
        let size = file.stamp.map_or(0, |s| s.size);
        if i > start && (i - start == PARSE_CHUNK || bytes + size > PARSE_CHUNK_BYTES) {
            chunks.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < files.len() {
        chunks.push(&files[start..]);
    }
    chunks
}

fn is_excluded(path: &Path, root: &Path, exclude: &Exclude) -> bool {
    !exclude.is_empty() && exclude.matches(&crate::source::display_path(path, root))
}

/// Reads and summarizes one file exactly as the indexer does (used by the robustness tests and
/// the registry sweep): its summary, or the problem that keeps it from being analysed. `limits`
/// must fit the stack of the calling thread ([`Limits::for_stack`]).
///
/// Like the indexer, it frees proc-macro2's span information of the calling thread afterwards:
/// do not call it on a thread that holds `syn` trees whose spans are still needed.
pub fn summarize_file(path: &Path, limits: Limits) -> Result<FileSummary, ParseProblem> {
    let dir = path.parent().unwrap_or(Path::new("."));
    parse_one(path, FileId(0), dir, "file".into(), limits).map_err(|(_, p)| p)
}

/// [`summarize_file`] for contents already in memory (they need not be UTF-8).
pub fn summarize_bytes(bytes: Vec<u8>, limits: Limits) -> Result<FileSummary, ParseProblem> {
    let cx = FileContext {
        file: FileId(0),
        child_dir: Path::new("."),
        file_dir: Path::new("."),
        top_name: "file".into(),
    };
    parse_bytes(bytes, &cx, limits, None).map_err(|(_, p)| p)
}

/// Loads a chunk of files, in parallel on the current thread pool or one after the other on the
/// calling thread (without threads, the analysis thread: its stack is larger still).
fn load_chunk(chunk: &[FileToLoad], limits: Limits, cache: &Cache, parallel: bool) -> Vec<Loaded> {
    let load = |file: &FileToLoad| load_one(file, limits, cache);
    if parallel {
        chunk.par_iter().map(load).collect()
    } else {
        chunk.iter().map(load).collect()
    }
}

/// One file to load, with where it sits: its path, id, the directory of its child modules, its
/// module's name, and its stamp when it was found.
struct FileToLoad {
    path: PathBuf,
    file: FileId,
    child_dir: PathBuf,
    top_name: Name,
    stamp: Option<cache::Stamp>,
}

/// A file loaded from the cache or parsed, with its entry for the next cache and the files of
/// its `mod` declarations.
struct Loaded {
    parsed: Parsed,
    content: cache::Hash,
    kept: Option<cache::Kept>,
    mod_files: Vec<Option<ModFile>>,
}

/// Loads one file on a worker thread: its cached summary when the file (or its content) is
/// unchanged, else its summary parsed afresh.
fn load_one(job: &FileToLoad, limits: Limits, cache: &Cache) -> Loaded {
    let context = cache::context_key(job.file, &job.child_dir, &job.top_name, limits);
    let stamp = job.stamp;
    let cached = cache.file(&job.path).filter(|c| c.context == context);
    let reuse = |c: &cache::CachedFile, stamp: cache::Stamp| {
        cache.summary(c).map(|summary| Loaded {
            mod_files: find_mod_files(&summary, &job.child_dir),
            parsed: Ok(summary),
            content: c.content,
            kept: Some(cache::Kept::Loaded {
                entry: c.restamped(stamp),
                restamped: c.stamp != stamp,
            }),
        })
    };
    if let (Some(c), Some(stamp)) = (cached, stamp) {
        if c.stamp == stamp {
            if let Some(loaded) = reuse(c, stamp) {
                return loaded;
            }
        }
    }
    let bytes = match std::fs::read(&job.path) {
        Ok(b) => b,
        Err(e) => {
            let message = format!("cannot read `{}`: {e}", job.path.display());
            return Loaded {
                parsed: Err((String::new(), problem_at(job.file, 0, 1, message))),
                content: 0,
                kept: None,
                mod_files: Vec::new(),
            };
        }
    };
    let content = cache::hash(&bytes);
    if let (Some(c), Some(stamp)) = (cached, stamp) {
        if c.content == content {
            if let Some(loaded) = reuse(c, stamp) {
                return loaded;
            }
        }
    }
    let file_dir = job.path.parent().unwrap_or(Path::new("."));
    let cx = FileContext {
        file: job.file,
        child_dir: &job.child_dir,
        file_dir,
        top_name: job.top_name.clone(),
    };
    // A large file's windows whose text is unchanged are taken from its previous parse.
    let mut memo = cache.enabled().then(|| windows::Memo {
        earlier: Box::new(move |text| cached.and_then(|c| cache.window(c, text))),
        kept: Vec::new(),
    });
    let parsed = parse_bytes(bytes, &cx, limits, memo.as_mut());
    let kept = match (&parsed, stamp, memo) {
        (Ok(summary), Some(stamp), Some(memo)) => Some(cache::Kept::New {
            stamp,
            content,
            context,
            summary: cache::Encoded::new(summary, memo.kept),
        }),
        _ => None,
    };
    Loaded {
        mod_files: parsed
            .as_ref()
            .map(|summary| find_mod_files(summary, &job.child_dir))
            .unwrap_or_default(),
        parsed,
        content,
        kept,
    }
}

/// Reads and parses one file on a worker thread.
fn parse_one(
    path: &Path,
    file: FileId,
    child_dir: &Path,
    top_name: Name,
    limits: Limits,
) -> Parsed {
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
    parse_bytes(bytes, &cx, limits, None)
}

fn problem_at(file: FileId, line: usize, column: usize, message: String) -> ParseProblem {
    ParseProblem {
        loc: Loc::new(file, line, column, line, column + 1),
        message,
    }
}

/// Checks and parses a file's contents into its summary (a large file's windows through
/// `memo`, when the cache is on).
fn parse_bytes(
    bytes: Vec<u8>,
    cx: &FileContext,
    limits: Limits,
    memo: Option<&mut windows::Memo>,
) -> Parsed {
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
    if let Some((offset, message)) = budget::too_deep(&text, limits) {
        let (line, column) = crate::source::line_col(&text, offset);
        return Err((text, problem(line, column, message)));
    }
    // Fast path: fn bodies that cannot matter are blanked out before `syn` sees them (see
    // [`mask`]); the summary is the same as from the full text. A syntax error inside a blanked
    // body goes unseen here; the router evaluator reports it if it reads that body.
    let mask = mask::mask_bodies(&text).filter(|_| !full_parse_forced());
    let (source, item_ends) = match &mask {
        Some(m) if m.masked_any => (m.text.as_str(), m.item_ends.as_slice()),
        Some(m) => (text.as_str(), m.item_ends.as_slice()),
        None => (text.as_str(), &[][..]),
    };
    // A large file is parsed a window of its items at a time (see [`windows`]).
    let in_windows = if source.len() > windows::WINDOW_BYTES {
        let cuts = windows::split(source, item_ends, windows::WINDOW_BYTES);
        (cuts.len() > 1)
            .then(|| windows::summarize_in_windows(source, &cuts, cx, memo))
            .flatten()
    } else {
        None
    };
    let result = match in_windows {
        Some(summary) => Ok(summary),
        None => parse_whole(source, cx),
    };
    drop(mask);
    match result {
        Ok(mut summary) => {
            summary.lines = text.lines().count();
            summary.mentions_inline_allow = text.contains(crate::rules::inline_allow::MARKER);
            Ok(summary)
        }
        Err((line, column, message)) => Err((text, problem(line, column, message))),
    }
}

/// The summary of a whole file's text, or where and why it does not parse.
fn parse_whole(source: &str, cx: &FileContext) -> Result<FileSummary, (usize, usize, String)> {
    let result = syn::parse_file(source)
        .map(|ast| {
            let summary = summarize(&ast, cx);
            drop(ast);
            // A copy made once the tree is freed is packed where the tree was: the summary built
            // beside the tree would pin pages of it long after the tree is gone.
            summary.clone()
        })
        .map_err(|e| {
            let start = e.span().start();
            (
                start.line.max(1),
                start.column + 1,
                format!("cannot parse: {e}"),
            )
        });
    // The spans of this file are no longer needed: free proc-macro2's per-thread copy of its
    // text (otherwise every file parsed on a thread stays in memory until the end).
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

/// `AUTHCHECK_FULL_PARSE=1` turns the body-blanking fast path off (for comparisons in
/// `scripts/bench` and for ruling it out when investigating a result).
fn full_parse_forced() -> bool {
    static FORCED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| std::env::var_os("AUTHCHECK_FULL_PARSE").is_some_and(|v| v == "1"))
}

/// Adds a file's summary to the index; returns the module files it declares.
fn link(
    index: &mut Index,
    job: &Job,
    summary: FileSummary,
    mod_files: Vec<Option<ModFile>>,
    ws: &Workspace,
    exclude: &Exclude,
    loaded: &mut FxHashMap<(CrateId, FileIdentity), ModuleId>,
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
            entries: ModuleEntries::default(),
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
        // A module's entries all come from its file's summary.
        let linked = items.entries.into_iter().map(|(name, entry)| {
            let linked = match entry {
                crate::index::Entry::Fn(i) => LinkedEntry::Fn(crate::index::FnId(fn_base + i)),
                crate::index::Entry::Mod(i) => LinkedEntry::Mod(module_ids[i]),
                crate::index::Entry::Type => LinkedEntry::Type,
                crate::index::Entry::Alias(t) => LinkedEntry::Alias(Box::new(t)),
                crate::index::Entry::Const(v) => LinkedEntry::Const(v.map(String::into_boxed_str)),
                crate::index::Entry::Use(p) => LinkedEntry::Use(p.into_boxed_slice()),
            };
            (name, linked)
        });
        module.entries = ModuleEntries::new(linked.collect());
    }
    for (local, imp) in summary.extractor_impls.into_iter().map(|i| (i.module, i)) {
        index.extractor_impls.push((module_ids[local], imp));
    }
    for (local, doc) in summary.openapi_docs {
        index.openapi_docs.push((module_ids[local], doc));
    }
    index.defined_schemes.extend(summary.defined_schemes);
    for (local, name, path) in summary.typed_paths {
        index.typed_paths.insert((module_ids[local], name), path);
    }

    let mut jobs = Vec::new();
    for (decl, found) in summary.mod_decls.into_iter().zip(mod_files) {
        let module = module_ids[decl.module];
        let Some(ModFile {
            path,
            child_dir,
            identity,
            stamp,
        }) = found
        else {
            // No candidate exists.
            let name = index.modules[module.0]
                .path
                .last()
                .cloned()
                .unwrap_or_default();
            let tried: Vec<_> = decl
                .candidates(&job.child_dir)
                .iter()
                .map(|(c, _)| crate::source::display_path(c, &ws.root))
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
        if is_excluded(&path, &ws.root, exclude) {
            continue;
        }
        let key = (krate, identity);
        if let Some(existing) = loaded.get(&key) {
            let other = index.modules[existing.0].path.join("::");
            index.problems.push(ParseProblem {
                loc: decl.loc,
                message: format!("`{}` is already loaded as module `{other}`; a file is analysed once (a `#[path]` cycle?)", crate::source::display_path(&path, &ws.root)),
            });
            continue;
        }
        loaded.insert(key, module);
        index.modules[module.0].file = FileId(index.sources.len());
        let file = index.sources.reserve(path, &ws.root);
        jobs.push(Job {
            file,
            module,
            child_dir,
            declared_at: Some(decl.loc),
            stamp,
        });
    }
    jobs
}
