//! Runs the pipeline (discover -> parse -> index -> router -> auth -> openapi) and holds its
//! result: one [`Route`] per served route with its verdict, for rules and renderers to read.

use std::path::PathBuf;

use rayon::prelude::*;

use crate::auth::{Classifier, Verdict};
use crate::cache::Cache;
use crate::config::{self, Config, ConfigError};
use crate::discover::{self, DiscoverError, Selection, Workspace};
use crate::index::{FnId, Index};
use crate::openapi::{Documented, Documents};
use crate::router::{self, Entry, RootError, RouteTable, Target};
use crate::source::Loc;

/// Why the analysis could not run at all (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Discover(#[from] DiscoverError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Root(#[from] RootError),
}

/// What to analyse.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub selection: Selection,
    pub config: Option<PathBuf>,
    /// Read and write nothing of the on-disk cache ([`crate::cache`]).
    pub no_cache: bool,
}

impl Options {
    /// The package or workspace of `manifest`, with the configuration found beside it and no
    /// cache (for tests and tools that drive the library on a tree they do not own).
    pub fn uncached(manifest: PathBuf) -> Options {
        Options {
            selection: Selection {
                manifest_path: Some(manifest),
                ..Selection::default()
            },
            config: None,
            no_cache: true,
        }
    }
}

/// One served route with everything known about it.
#[derive(Clone, Debug)]
pub struct Route {
    pub entry: Entry,
    pub verdict: Verdict,
    /// `handler` | `closure` | `service` | `fallback`.
    pub kind: &'static str,
    /// Full path of the handler fn, `<closure>` or `<service>`.
    pub handler: String,
    pub handler_fn: Option<FnId>,
    /// The handler's definition (its name), or the handler expression.
    pub defined_at: Loc,
    /// Boxed: most routes of a large table are undocumented, and a route is held for each.
    pub documented: Option<Box<Documented>>,
    /// Whether the handler is in a published OpenAPI document.
    pub listed: bool,
}

/// The analysis result.
pub struct Analysis {
    /// What was analysed (cargo's names for the crates, for `--message-format json`).
    pub workspace: Workspace,
    pub index: Index,
    pub config: Config,
    /// The route table, its entries aside: they moved into `routes`.
    pub table: RouteTable,
    pub routes: Vec<Route>,
    /// The configuration file in the source map, when there is one.
    pub config_file: Option<crate::source::FileId>,
}

/// Runs the whole analysis.
///
/// With a cache, the analysis does not wait for `cargo metadata` (tens of milliseconds): it goes
/// on with the workspace the last run found ([`discover::recall`]) and asks for cargo's answer
/// before it writes the cache; a different answer (or an error) throws that work away, and the
/// analysis runs again on cargo's workspace.
pub fn analyze(options: &Options, known_lints: &[&str]) -> Result<Analysis, AnalysisError> {
    let mut cargo = CargoAnswer {
        discovery: Some(discover::start(&options.selection)?),
        answer: None,
    };
    let recalled = match options.no_cache {
        true => None,
        false => discover::recall(&options.selection),
    };
    if let Some(recalled) = recalled {
        let outcome = analyze_workspace(recalled.clone(), options, known_lints, &mut || {
            cargo.is(&recalled)
        });
        match outcome {
            Ok(Some(analysis)) => return Ok(analysis),
            // An error met before the workspace was confirmed may come of the guess: ask now.
            Err(e) if cargo.is(&recalled) => return Err(e),
            _ => {}
        }
    }
    let workspace = cargo.take()?;
    if !options.no_cache {
        discover::remember(&options.selection, &workspace);
    }
    analyze_workspace(workspace, options, known_lints, &mut || true)
        .map(|done| done.expect("an analysis that needs no confirmation is done"))
}

/// `cargo metadata`'s answer, waited for the first time it is asked for.
struct CargoAnswer {
    discovery: Option<discover::Discovery>,
    answer: Option<Result<Workspace, DiscoverError>>,
}

impl CargoAnswer {
    fn wait(&mut self) -> &Result<Workspace, DiscoverError> {
        if let Some(discovery) = self.discovery.take() {
            let _t = crate::timings::phase("discover");
            self.answer = Some(discovery.finish());
        }
        self.answer
            .as_ref()
            .expect("cargo's answer is kept once waited for")
    }

    /// Whether cargo found `workspace`.
    fn is(&mut self, workspace: &Workspace) -> bool {
        matches!(self.wait(), Ok(found) if found == workspace)
    }

    fn take(mut self) -> Result<Workspace, DiscoverError> {
        self.wait();
        self.answer
            .take()
            .expect("cargo's answer is kept once waited for")
    }
}

/// The analysis of `workspace`; `None` when `confirm` (asked before the cache is written) says
/// the workspace is not cargo's.
fn analyze_workspace(
    workspace: Workspace,
    options: &Options,
    known_lints: &[&str],
    confirm: &mut dyn FnMut() -> bool,
) -> Result<Option<Analysis>, AnalysisError> {
    let lookup = config::Lookup {
        explicit: options.config.as_deref(),
        package_dir: workspace.selected_package_dir.as_deref(),
        workspace_root: &workspace.root,
    };
    let config = config::load(&lookup, known_lints)?;
    let mut cache = if options.no_cache {
        Cache::disabled()
    } else {
        let _t = crate::timings::phase("cache");
        Cache::open(&workspace.target_dir, &cache_key(&workspace))
    };
    let threads = analysis_threads();
    let mut index = {
        let _t = crate::timings::phase("index");
        crate::parse::index_workspace(&workspace, &config.exclude, &mut cache, threads.as_ref())
    };
    // Name resolution, and on another thread what the route cache needs that names do not
    // decide (reading the cached table, checking the files it read, fingerprinting the index).
    let prepared = {
        let _t = crate::timings::phase("names");
        let (defmap, prepared) = on(threads.as_ref(), || {
            rayon::join(
                || crate::index::nameres::build(&index),
                || router::prepare(&index, &cache),
            )
        });
        index.defmap = defmap;
        prepared
    };
    let mut table = {
        let _t = crate::timings::phase("routers");
        // On a parse thread: its memory arena holds what the parse's trees freed, which the
        // evaluator's trees reuse (on the analysis thread they would add to the peak).
        on(threads.as_ref(), || {
            router::build(&index, &config.roots, &mut cache, prepared)
        })?
    };
    if !confirm() {
        return Ok(None);
    }
    {
        let _t = crate::timings::phase("save");
        cache.save();
    }
    let routes = {
        let _t = crate::timings::phase("auth");
        let entries = std::mem::take(&mut table.entries);
        describe_routes(&index, &config, entries, &table.docs, threads.as_ref())
    };
    let config_file = config.source.clone().map(|path| {
        index
            .sources
            .add(path, &workspace.root, config.text.clone())
    });
    Ok(Some(Analysis {
        workspace,
        index,
        config,
        table,
        routes,
        config_file,
    }))
}

/// Which cache file an analysis uses: one per workspace and selection of crates (the module tree,
/// and so every file id, depends on it).
fn cache_key(workspace: &discover::Workspace) -> String {
    let mut key = workspace.root.display().to_string();
    for c in &workspace.crates {
        key.push_str(&format!(
            "\0{}:{}:{}",
            c.name,
            c.selected,
            c.root_file.display()
        ));
    }
    key
}

/// Classifies every route (in parallel on `threads`: a large table has tens of thousands) and
/// lists them in order.
fn describe_routes(
    index: &Index,
    config: &Config,
    entries: Vec<Entry>,
    docs: &[Vec<String>],
    threads: Option<&rayon::ThreadPool>,
) -> Vec<Route> {
    let documents = Documents::new(index);
    let entries = on(threads, || in_listing_order(index, entries));
    match threads {
        Some(threads) if entries.len() > ROUTES_PER_TASK => threads.install(|| {
            entries
                .into_par_iter()
                .with_min_len(ROUTES_PER_TASK)
                .map_init(
                    // The classifier remembers what it found of each type: one per thread.
                    || Classifier::new(index, config),
                    |classifier, entry| describe_route(index, classifier, &documents, entry, docs),
                )
                .collect()
        }),
        _ => {
            let mut classifier = Classifier::new(index, config);
            entries
                .into_iter()
                .map(|entry| describe_route(index, &mut classifier, &documents, entry, docs))
                .collect()
        }
    }
}

/// The entries in the order their routes are listed: by path, method, then where their handler
/// is defined (each entry moved once: a route is a few hundred bytes, and a sort of the routes
/// moved each of tens of thousands at every step).
fn in_listing_order(index: &Index, entries: Vec<Entry>) -> Vec<Entry> {
    // Each key worked out once, the keys sorted in parallel (on the current pool, if any); an
    // entry's position breaks ties, as a stable sort would.
    let order: Vec<usize> = {
        let mut keys: Vec<_> = (entries.iter().enumerate())
            .map(|(i, entry)| (listing_key(index, entry), i))
            .collect();
        keys.par_sort_unstable();
        keys.into_iter().map(|(_, i)| i).collect()
    };
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each entry is listed once"))
        .collect()
}

/// A route's place in the listing: path, method, handler's file and line.
fn listing_key<'a>(index: &'a Index, entry: &'a Entry) -> (&'a str, &'a str, &'a str, u32) {
    let at = defined_at(index, entry);
    (
        &entry.path,
        &entry.method,
        &index.sources.get(at.file).display,
        at.line,
    )
}

/// Where a route's handler is defined (its name), or the handler expression.
fn defined_at(index: &Index, entry: &Entry) -> Loc {
    match &entry.target {
        Target::Fn(f) => index.fns[f.0].name_loc,
        _ => entry.handler_at,
    }
}

/// `work` run on `threads` (its parallel parts on them), or on this thread without them.
fn on<R: Send>(threads: Option<&rayon::ThreadPool>, work: impl FnOnce() -> R + Send) -> R {
    match threads {
        Some(threads) => threads.install(work),
        None => work(),
    }
}

/// The threads the analysis parses, evaluates and classifies on, with the analysis thread's
/// stack (deeply nested files recurse deeply); `None` when no thread can be started.
fn analysis_threads() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .stack_size(crate::parse::budget::ANALYSIS_STACK)
        .thread_name(|i| format!("authcheck-{i}"))
        .build()
        .ok()
}

/// Routes classified by one task: a small table is classified on one thread.
const ROUTES_PER_TASK: usize = 512;

fn describe_route(
    index: &Index,
    classifier: &mut Classifier,
    documents: &Documents,
    entry: Entry,
    docs: &[Vec<String>],
) -> Route {
    let verdict = classifier.classify(&entry);
    let (kind, handler, handler_fn) = match &entry.target {
        Target::Fn(f) => ("handler", index.fn_display(*f), Some(*f)),
        Target::Closure { .. } => ("closure", "<closure>".to_string(), None),
        Target::Redirect { .. } => (
            "handler",
            "axum_extra::routing::add_tsr_redirect_route::redirect_handler".to_string(),
            None,
        ),
        Target::Service { .. } => ("service", "<service>".to_string(), None),
        Target::Unresolved { text } => ("handler", text.clone(), None),
    };
    let defined_at = defined_at(index, &entry);
    let kind = if entry.fallback { "fallback" } else { kind };
    let documented = handler_fn
        .and_then(|f| documents.documented(f, &entry, docs))
        .map(Box::new);
    let listed = documented.as_ref().is_some_and(|d| d.is_listed());
    Route {
        entry,
        verdict,
        kind,
        handler,
        handler_fn,
        defined_at,
        documented,
        listed,
    }
}
