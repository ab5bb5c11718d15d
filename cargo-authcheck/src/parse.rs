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

/// Files larger than this are reported instead of parsed.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Bracket nesting deeper than this is reported instead of parsed (it would exhaust the stack).
pub const MAX_NESTING: usize = 256;

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
        let results: Vec<Parsed> = contexts
            .par_iter()
            .map(|(path, file, child_dir, top)| parse_one(path, *file, child_dir, top.clone()))
            .collect();
        let mut next = Vec::new();
        for (job, result) in jobs.into_iter().zip(results) {
            match result {
                Ok((text, summary)) => {
                    index.sources.set_text(job.file, text);
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

/// Reads and parses one file on a worker thread; returns its text either way.
fn parse_one(path: &Path, file: FileId, child_dir: &Path, top_name: String) -> Parsed {
    let problem = |line: usize, column: usize, message: String| ParseProblem {
        loc: Loc {
            file,
            line,
            column,
            end_line: line,
            end_column: column + 1,
        },
        message,
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err((
                String::new(),
                problem(0, 1, format!("cannot read `{}`: {e}", path.display())),
            ))
        }
    };
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
    if let Some((offset, depth)) = too_deep(&text) {
        let (line, column) = crate::source::line_col(&text, offset);
        return Err((
            text,
            problem(
                line,
                column,
                format!("brackets nest deeper than {depth} levels; not analysed"),
            ),
        ));
    }
    match syn::parse_file(&text) {
        Ok(ast) => {
            let file_dir = path.parent().unwrap_or(Path::new("."));
            let cx = FileContext {
                file,
                child_dir,
                file_dir,
                top_name,
            };
            let mut summary = summarize(&ast, &cx);
            summary.lines = text.lines().count();
            Ok((text, summary))
        }
        Err(e) => {
            let start = e.span().start();
            Err((
                text,
                problem(
                    start.line.max(1),
                    start.column + 1,
                    format!("cannot parse: {e}"),
                ),
            ))
        }
    }
}

/// The first place where `()[]{}` nest deeper than [`MAX_NESTING`], ignoring brackets in
/// comments, strings and char literals only approximately (enough to keep the parser's stack safe).
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((i, MAX_NESTING));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
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
        for (name, entry) in items.entries {
            let linked = match entry {
                crate::index::Entry::Fn(i) => LinkedEntry::Fn(crate::index::FnId(fn_base + i)),
                crate::index::Entry::Mod(i) => LinkedEntry::Mod(module_ids[i]),
                crate::index::Entry::Type => LinkedEntry::Type,
                crate::index::Entry::Alias(t) => LinkedEntry::Alias(t),
                crate::index::Entry::Const(v) => LinkedEntry::Const(v),
                crate::index::Entry::Use(p) => LinkedEntry::Use(p),
            };
            module.entries.entry(name).or_default().push(linked);
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
