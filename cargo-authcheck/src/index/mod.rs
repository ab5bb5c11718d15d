//! The index: every module, fn, import and annotation of the analysed crates, linked into one
//! graph, and name resolution over it (`use` chains, renames, globs, re-exports, `self`/`super`/
//! `crate`, other workspace members, associated fns) through the def-map of [`nameres`].

pub mod extract;
pub mod items;
pub mod nameres;
pub mod propagation;
mod table;
pub mod utoipa;

use rustc_hash::{FxHashMap, FxHashSet};

pub use items::*;
pub use table::NameTable;

use crate::source::{FileId, Loc, SourceMap};

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ModuleId(pub usize);

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct FnId(pub usize);

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct CrateId(pub usize);

/// An indexed crate (one lib or bin target).
#[derive(Debug)]
pub struct Crate {
    pub name: String,
    pub package: String,
    pub is_lib: bool,
    pub selected: bool,
    pub root: ModuleId,
    /// Crate names reachable as `name::...` from this crate (workspace members it depends on).
    pub deps: Vec<String>,
}

/// A linked module.
#[derive(Debug)]
pub struct Module {
    /// `crate_name::a::b`.
    pub path: Vec<Name>,
    pub krate: CrateId,
    pub parent: Option<ModuleId>,
    pub file: FileId,
    /// Every name the module binds, with what it binds.
    pub entries: ModuleEntries,
    pub globs: Vec<Vec<Name>>,
    /// Where a `use` item added by a fix goes.
    pub import_slot: Option<ImportSlot>,
}

/// A module entry with global ids (16 bytes and a tag: one is held for every name of the
/// workspace, so the rare kinds are boxed).
#[derive(Clone, Debug)]
pub enum LinkedEntry {
    Fn(FnId),
    Mod(ModuleId),
    Type,
    Alias(Box<TypeRef>),
    Const(Option<Box<str>>),
    Use(Box<[Name]>),
}

/// The names a module binds, each with what it binds (a name that binds several things, a fn
/// and a module or an item and a `use`, has an entry for each, in the order they were written).
pub type ModuleEntries = NameTable<LinkedEntry>;

/// A file that could not be read or parsed, or a module file that could not be found.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ParseProblem {
    pub loc: Loc,
    pub message: String,
}

/// Which namespace a path is looked up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ns {
    /// fns, consts, statics
    Value,
    /// types, aliases, modules
    Type,
}

/// What a path resolves to.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Resolved {
    Fn(FnId),
    Mod(ModuleId),
    /// A struct/enum/trait defined in a workspace module.
    Type {
        module: ModuleId,
        name: Name,
    },
    /// Boxed: every resolved import of the def-map holds a `Resolved` per namespace.
    Alias {
        module: ModuleId,
        ty: Box<TypeRef>,
    },
    Const(Option<String>),
    /// Outside the analysed crates (std, axum, ...): the path as far as it is known.
    External(Vec<Name>),
}

impl Resolved {
    /// The item's own name (last path segment), for matching config names.
    pub fn full_path(&self, index: &Index) -> Vec<String> {
        match self {
            Resolved::Fn(id) => index.fn_path(*id),
            Resolved::Mod(m) => index.module_path(*m),
            Resolved::Type { module, name } => {
                let mut p = index.module_path(*module);
                p.push(name.to_string());
                p
            }
            Resolved::Alias { .. } | Resolved::Const(_) => Vec::new(),
            Resolved::External(path) => path.iter().map(Name::to_string).collect(),
        }
    }
}

/// Everything known about the analysed code.
#[derive(Debug, Default)]
pub struct Index {
    pub sources: SourceMap,
    pub crates: Vec<Crate>,
    pub modules: Vec<Module>,
    pub fns: Vec<FnItem>,
    pub extractor_impls: Vec<(ModuleId, ExtractorImpl)>,
    pub openapi_docs: Vec<(ModuleId, OpenApiDoc)>,
    pub defined_schemes: Vec<String>,
    /// axum-extra typed paths: (module, struct name) -> path.
    pub typed_paths: FxHashMap<(ModuleId, Name), String>,
    pub problems: Vec<ParseProblem>,
    pub lines: usize,
    /// (crate, self type, fn name) -> associated fn: the fn ids alone, hashed by those three
    /// as the fns hold them (a map keyed by copies of the names took 4 MB on 1M lines).
    assoc: hashbrown::HashTable<FnId>,
    /// (enclosing fn, name) -> fn declared in its body.
    local: FxHashMap<(FnId, Name), FnId>,
    /// The return types of the fns, each text once (most fns return one of a few types).
    return_types: FxHashSet<std::sync::Arc<str>>,
    /// Resolved names of every module (built once every file is linked).
    pub defmap: nameres::DefMap,
    /// The files whose text holds an inline allow comment.
    pub inline_allow_files: FxHashSet<FileId>,
    /// Content hash of every file read, by file id (0 for files not read).
    content_hashes: Vec<crate::cache::Hash>,
}

/// How large an index's tables grew: a warm run ([`crate::cache`]) reserves them at once from
/// the previous run's sizes instead of growing them chunk by chunk (each growth of the fn table
/// copied all of it).
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Capacity {
    pub files: usize,
    pub modules: usize,
    pub fns: usize,
    pub assoc: usize,
}

impl Index {
    /// The sizes of this index's tables.
    pub fn capacity(&self) -> Capacity {
        Capacity {
            files: self.sources.len(),
            modules: self.modules.len(),
            fns: self.fns.len(),
            assoc: self.assoc.len(),
        }
    }

    /// Makes room for tables of `capacity` (exactly: the fn table is the largest).
    pub fn reserve(&mut self, capacity: Capacity) {
        self.sources.reserve_files(capacity.files);
        self.modules.reserve_exact(capacity.modules);
        self.fns.reserve_exact(capacity.fns);
        self.content_hashes.reserve_exact(capacity.files);
        let Index {
            assoc,
            fns,
            modules,
            ..
        } = self;
        assoc.reserve(capacity.assoc, |&f| {
            assoc_key_of(fns, modules, f).map_or(0, |(k, t, n)| assoc_hash(k, t, n))
        });
    }

    pub fn module_of(&self, f: FnId) -> ModuleId {
        ModuleId(self.fns[f.0].module)
    }

    pub fn krate(&self, module: ModuleId) -> &Crate {
        &self.crates[self.modules[module.0].krate.0]
    }

    /// `crate::module::Type::name` of a fn, for output.
    pub fn fn_path(&self, f: FnId) -> Vec<String> {
        let mut path = Vec::new();
        self.visit_fn_path(f, &mut |segment| path.push(segment.to_string()));
        path
    }

    /// Each segment of a fn's [`Index::fn_path`], in order (a fn declared in another's body
    /// comes after that fn's path).
    fn visit_fn_path<'s>(&'s self, f: FnId, visit: &mut impl FnMut(&'s str)) {
        let item = &self.fns[f.0];
        match item.local_to {
            Some(offset) => self.visit_fn_path(FnId(f.0 - offset as usize), visit),
            None => {
                let module = &self.modules[item.module].path;
                module
                    .iter()
                    .chain(item.self_type.as_ref())
                    .for_each(|segment| visit(segment));
            }
        }
        visit(&item.name);
    }

    /// `crate_name::a::b` of a module, for output.
    pub fn module_path(&self, module: ModuleId) -> Vec<String> {
        self.modules[module.0]
            .path
            .iter()
            .map(Name::to_string)
            .collect()
    }

    /// [`Index::fn_path`] as one string (written straight into it: it is asked for every
    /// route).
    pub fn fn_display(&self, f: FnId) -> String {
        let mut out = String::with_capacity(64);
        self.visit_fn_path(f, &mut |segment| {
            if !out.is_empty() {
                out.push_str("::");
            }
            out.push_str(segment);
        });
        out
    }

    /// Records the content hash of a file.
    pub fn set_content_hash(&mut self, file: FileId, hash: crate::cache::Hash) {
        if self.content_hashes.len() <= file.0 {
            self.content_hashes.resize(file.0 + 1, 0);
        }
        self.content_hashes[file.0] = hash;
    }

    /// The content hash of a file as it was read (0 if it was not).
    pub fn content_hash(&self, file: FileId) -> crate::cache::Hash {
        self.content_hashes.get(file.0).copied().unwrap_or(0)
    }

    /// Registers a linked fn (with a global module index); its return type's text is shared
    /// with the fns before it that return the same.
    pub fn push_fn(&mut self, mut item: FnItem) -> FnId {
        let id = FnId(self.fns.len());
        match self.return_types.get(&item.returns) {
            Some(shared) => item.returns = shared.clone(),
            None => {
                self.return_types.insert(item.returns.clone());
            }
        }
        if let Some(offset) = item.local_to {
            self.local
                .insert((FnId(id.0 - offset as usize), item.name.clone()), id);
        }
        self.fns.push(item);
        let Index {
            assoc,
            fns,
            modules,
            ..
        } = self;
        let key_of = |f: FnId| assoc_key_of(fns, modules, f);
        if let Some(key @ (krate, ty, name)) = key_of(id) {
            // The first fn of a name is kept (as a map's `or_insert` would).
            assoc
                .entry(
                    assoc_hash(krate, ty, name),
                    |&f| key_of(f) == Some(key),
                    |&f| key_of(f).map_or(0, |(k, t, n)| assoc_hash(k, t, n)),
                )
                .or_insert(id);
        }
        id
    }

    /// The fn `name` declared in the body of `parent`.
    pub fn local_fn(&self, parent: FnId, name: &str) -> Option<FnId> {
        self.local.get(&(parent, Name::from(name))).copied()
    }

    /// The associated fn `name` of type `ty` in `krate`.
    pub fn assoc_fn(&self, krate: CrateId, ty: &str, name: &str) -> Option<FnId> {
        self.assoc
            .find(assoc_hash(krate, ty, name), |f| {
                assoc_key_of(&self.fns, &self.modules, *f) == Some((krate, ty, name))
            })
            .copied()
    }

    /// Resolves a path as written in `module`.
    pub fn resolve<S: AsRef<str>>(&self, module: ModuleId, path: &[S], ns: Ns) -> Option<Resolved> {
        let found = nameres::walk_path(self, module, path, |m, name| {
            Ok::<_, std::convert::Infallible>(self.defmap.member(self, m, name))
        });
        match found {
            Ok(per_ns) => per_ns.pick(ns),
            Err(never) => match never {},
        }
    }

    /// Follows a type through aliases to what it names (`None` for an alias cycle).
    pub fn resolve_type(&self, module: ModuleId, ty: &TypeRef) -> Option<Resolved> {
        let mut module = module;
        let mut ty = ty.clone();
        let mut seen: Vec<(ModuleId, TypeRef)> = Vec::new();
        loop {
            let TypeRef::Path { segments, .. } = &ty else {
                return None;
            };
            match self.resolve(module, segments, Ns::Type)? {
                Resolved::Alias {
                    module: m,
                    ty: target,
                } => {
                    if seen.iter().any(|(sm, st)| *sm == m && *st == *target) {
                        return None;
                    }
                    seen.push((m, (*target).clone()));
                    module = m;
                    ty = *target;
                }
                other => return Some(other),
            }
        }
    }

    /// The root module of the workspace crate `name`, when `krate` depends on it.
    pub(crate) fn extern_crate(&self, krate: CrateId, name: &str) -> Option<Resolved> {
        let this = &self.crates[krate.0];
        if !this.deps.iter().any(|d| d == name) {
            return None;
        }
        self.crates
            .iter()
            .find(|c| c.is_lib && c.name == name)
            .map(|c| Resolved::Mod(c.root))
    }
}

/// The key an associated fn is found by: its crate, self type and name.
fn assoc_key_of<'a>(
    fns: &'a [FnItem],
    modules: &[Module],
    f: FnId,
) -> Option<(CrateId, &'a str, &'a str)> {
    let item = &fns[f.0];
    let ty = item.self_type.as_deref()?;
    Some((modules[item.module].krate, ty, &item.name))
}

fn assoc_hash(krate: CrateId, ty: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    (krate.0, ty, name).hash(&mut h);
    h.finish()
}
