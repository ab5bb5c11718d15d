//! Name resolution, computed once for the whole workspace into a def-map (in the manner of
//! rust-analyzer's `nameres`), then answered by table lookups.
//!
//! Building it: crate by crate, each once the workspace crates it depends on are done (the
//! crates of one dependency level in parallel). Every module starts with its own items. Its
//! `use` imports are resolved to a fixpoint: each round tries every import still pending; a
//! name that some pending import (or a pending glob) of the module might still bind is
//! *indeterminate*, and what depends on it waits for a later round. When a round makes no
//! progress, the rest is settled as it stands (indeterminate counts as absent, so a name no
//! module binds is outside the workspace), which also ends cycles (`use a::*` in `b` and
//! `use b::*` in `a`). Every import is tried once per round and binds at most once, so nothing
//! recurses and no depth limit is needed.
//!
//! Globs: `use m::*` is an edge to `m`. The modules that import each other through globs form
//! strongly connected components; each component gets one table of the names visible through
//! its globs (its members' own names first, then what the components it imports from see), built
//! once in dependency order. A lookup is then: the module's own items and imports, else its
//! component's glob table; it never walks globs again. A glob-heavy crate where every module does
//! `use crate::*` and the root does `pub use m::*` for each is one component with one table.
//!
//! The work is counted in [`DefMap::steps`] and bounded by [`MAX_STEPS`] per crate: past it,
//! the crate's imports still pending are settled as they stand and the place is reported.

use std::collections::VecDeque;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Index, LinkedEntry, ModuleId, Name, NameTable, Ns, Resolved};
use crate::source::Loc;

/// The most resolution steps (import attempts, modules visited through globs) spent on the
/// crates of one dependency cycle (one crate, as cargo allows no cycles); far above what real
/// code needs (a few per import).
pub const MAX_STEPS: usize = 50_000_000;

/// What one name denotes in each namespace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerNs {
    pub types: Option<Resolved>,
    pub values: Option<Resolved>,
    /// Imported from outside the analysed crates (`use axum::routing::get`): either namespace.
    pub external: Option<Box<[Name]>>,
}

impl PerNs {
    fn is_empty(&self) -> bool {
        self.types.is_none() && self.values.is_none() && self.external.is_none()
    }

    /// Fills the namespaces still empty from `other` (an explicit name shadows a glob-imported
    /// one per namespace).
    fn or(mut self, other: PerNs) -> PerNs {
        self.types = self.types.or(other.types);
        self.values = self.values.or(other.values);
        self.external = self.external.or(other.external);
        self
    }

    /// The binding for `ns`: that namespace, else an outside import, else the other namespace
    /// (`use axum::routing::get;` beside `mod get` names the function).
    pub fn pick(self, ns: Ns) -> Option<Resolved> {
        let (wanted, other) = match ns {
            Ns::Type => (self.types, self.values),
            Ns::Value => (self.values, self.types),
        };
        wanted
            .or(self
                .external
                .map(|path| Resolved::External(path.into_vec())))
            .or(other)
    }
}

/// Which modules see a name through globs, per namespace: where it is bound explicitly.
#[derive(Clone, Copy, Debug, Default)]
struct GlobBinding {
    types: Option<ModuleId>,
    values: Option<ModuleId>,
    external: Option<ModuleId>,
}

/// The resolved names of every module.
#[derive(Debug, Default)]
pub struct DefMap {
    /// Per module: the names its `use` items bind.
    imports: Vec<NameTable<PerNs>>,
    /// Per module: its glob component.
    component: Vec<usize>,
    /// Per glob component: the names visible through its globs.
    glob_scopes: Vec<NameTable<GlobBinding>>,
    /// Resolution steps spent building it.
    pub steps: usize,
    /// Where the step bound was hit, if it was.
    pub bound_hit: Option<(Loc, String)>,
}

/// A table built as a map, kept once the def-map is done as a [`NameTable`] (more compact).
fn table_of<V>(map: FxHashMap<Name, V>) -> NameTable<V> {
    NameTable::new(map.into_iter().collect())
}

/// The names a module's imports bind, by name: a map while the def-map is built, a
/// [`NameTable`] once it is done.
trait Imports {
    fn get(&self, name: &str) -> Option<&PerNs>;
}

impl Imports for FxHashMap<Name, PerNs> {
    fn get(&self, name: &str) -> Option<&PerNs> {
        FxHashMap::get(self, name)
    }
}

impl Imports for NameTable<PerNs> {
    fn get(&self, name: &str) -> Option<&PerNs> {
        self.first(name)
    }
}

/// A name some pending import might still bind: wait for it.
struct Indeterminate;

impl DefMap {
    /// Everything `name` denotes in `module`, as a path segment reaches it (`module::name`).
    pub fn member(&self, index: &Index, module: ModuleId, name: &str) -> PerNs {
        let own = explicit(index, self.imports.get(module.0), module, name);
        let Some(binding) = self
            .component
            .get(module.0)
            .and_then(|c| self.glob_scopes[*c].first(name))
        else {
            return own;
        };
        let from = |source: Option<ModuleId>, f: fn(PerNs) -> PerNs| {
            source.map_or_else(PerNs::default, |m| {
                f(explicit(index, self.imports.get(m.0), m, name))
            })
        };
        own.or(PerNs {
            types: from(binding.types, |p| p).types,
            values: from(binding.values, |p| p).values,
            external: from(binding.external, |p| p).external,
        })
    }
}

/// The names `module` binds itself: its items, then its resolved imports.
fn explicit(index: &Index, imports: Option<&impl Imports>, module: ModuleId, name: &str) -> PerNs {
    let mut found = PerNs::default();
    for (_, entry) in index.modules[module.0].entries.get(name) {
        let (ns, resolved) = match entry {
            LinkedEntry::Fn(f) => (Ns::Value, Resolved::Fn(*f)),
            LinkedEntry::Const(v) => (Ns::Value, Resolved::Const(v.as_deref().map(str::to_string))),
            LinkedEntry::Mod(m) => (Ns::Type, Resolved::Mod(*m)),
            LinkedEntry::Type => (
                Ns::Type,
                Resolved::Type {
                    module,
                    name: Name::from(name),
                },
            ),
            LinkedEntry::Alias(ty) => (
                Ns::Type,
                Resolved::Alias {
                    module,
                    ty: ty.clone(),
                },
            ),
            LinkedEntry::Use(_) => continue,
        };
        let slot = match ns {
            Ns::Type => &mut found.types,
            Ns::Value => &mut found.values,
        };
        slot.get_or_insert(resolved);
    }
    match imports.and_then(|i| i.get(name)) {
        Some(imported) => found.or(imported.clone()),
        None => found,
    }
}

/// One `use` still to resolve (borrowed from the index: there is one per `use` of the
/// workspace, and each is tried at least once per round).
struct Import<'a> {
    module: ModuleId,
    /// The name it binds; `None` for a glob.
    name: Option<&'a str>,
    path: &'a [Name],
}

/// What the groups resolved so far hold, by module: read by the groups that depend on them.
struct Settled {
    imports: Vec<NameTable<PerNs>>,
    glob_edges: Vec<Vec<ModuleId>>,
}

/// What one group's resolution found, by position in its module list (its imports made tables
/// by the group's own task).
struct GroupDone {
    imports: Vec<NameTable<PerNs>>,
    glob_edges: Vec<Vec<ModuleId>>,
    steps: usize,
    bound_hit: Option<(Loc, String)>,
}

/// The def-map of one group under construction; modules of other groups are settled.
struct Builder<'a> {
    index: &'a Index,
    settled: &'a Settled,
    /// The group of each crate, and this builder's.
    group_of: &'a [usize],
    group: usize,
    /// The position of each module in its group's module list (where its tables are).
    slot: &'a [usize],
    imports: Vec<FxHashMap<Name, PerNs>>,
    glob_edges: Vec<Vec<ModuleId>>,
    /// Per module: names that pending named imports may still bind, with how many.
    pending_names: Vec<FxHashMap<&'a str, usize>>,
    /// Per module: globs not yet resolved.
    pending_globs: Vec<usize>,
    /// Settling: indeterminate names count as absent.
    settling: bool,
    steps: usize,
    /// Modules visited by the current glob walk.
    visited: FxHashSet<ModuleId>,
}

/// Builds the def-map of every module of the index.
///
/// A crate's imports are resolved once the crates it depends on are settled: the crates are
/// grouped by dependency level, and the groups of a level are resolved in parallel (on the
/// current rayon pool), each to its own fixpoint. What a group reads of the groups before it is
/// final, so the result is the same in any order.
pub fn build(index: &Index) -> DefMap {
    let n = index.modules.len();
    let (levels, group_of) = crate_levels(index);
    // The modules of each group: those whose imports resolve together.
    let mut groups: Vec<Vec<ModuleId>> = vec![Vec::new(); levels.iter().sum()];
    let mut slot = vec![0; n];
    for (m, module) in index.modules.iter().enumerate() {
        let modules = &mut groups[group_of[module.krate.0]];
        slot[m] = modules.len();
        modules.push(ModuleId(m));
    }
    let mut settled = Settled {
        imports: (0..n).map(|_| NameTable::default()).collect(),
        glob_edges: vec![Vec::new(); n],
    };
    let (mut steps, mut bound_hit) = (0, None);
    let mut first = 0;
    for &level in &levels {
        let level_groups = &groups[first..first + level];
        let resolve = |(g, modules): (usize, &Vec<ModuleId>)| {
            Builder::new(index, &settled, &group_of, first + g, &slot, modules.len())
                .resolve(modules)
        };
        let done: Vec<GroupDone> = if level_groups.len() > 1 {
            level_groups.par_iter().enumerate().map(resolve).collect()
        } else {
            level_groups.iter().enumerate().map(resolve).collect()
        };
        for (group, done) in level_groups.iter().zip(done) {
            steps += done.steps;
            bound_hit = bound_hit.or(done.bound_hit);
            let tables = done.imports.into_iter().zip(done.glob_edges);
            for (&m, (imports, edges)) in group.iter().zip(tables) {
                settled.imports[m.0] = imports;
                settled.glob_edges[m.0] = edges;
            }
        }
        first += level;
    }
    let (component, glob_scopes) = glob_scopes(index, &settled, &mut steps);
    DefMap {
        imports: settled.imports,
        component,
        glob_scopes: glob_scopes.into_iter().map(table_of).collect(),
        steps,
        bound_hit,
    }
}

/// The crates grouped by dependency cycles, the groups numbered level by level (a group's
/// dependencies are in earlier levels): how many groups each level has, and each crate's group.
fn crate_levels(index: &Index) -> (Vec<usize>, Vec<usize>) {
    let deps: Vec<Vec<usize>> = index
        .crates
        .iter()
        .enumerate()
        .map(|(c, krate)| {
            (index.crates.iter().enumerate())
                .filter(|(t, dep)| *t != c && dep.is_lib && krate.deps.contains(&dep.name))
                .map(|(t, _)| t)
                .collect()
        })
        .collect();
    let cycles = strongly_connected(deps.len(), |c, k| deps[c].get(k).copied());
    let mut cycle_of = vec![0; deps.len()];
    for (k, crates) in cycles.iter().enumerate() {
        crates.iter().for_each(|&c| cycle_of[c] = k);
    }
    // Components come after every component they reach: each level is known when it is met.
    let mut level_of = vec![0; cycles.len()];
    for (k, crates) in cycles.iter().enumerate() {
        let reached = crates.iter().flat_map(|&c| &deps[c]).map(|&t| cycle_of[t]);
        level_of[k] = reached
            .filter(|&r| r != k)
            .map(|r| level_of[r] + 1)
            .max()
            .unwrap_or(0);
    }
    let mut levels = vec![0; level_of.iter().max().map_or(0, |l| l + 1)];
    let mut by_level: Vec<usize> = (0..cycles.len()).collect();
    by_level.sort_by_key(|&k| level_of[k]);
    let mut group_of = vec![0; deps.len()];
    for (g, &k) in by_level.iter().enumerate() {
        levels[level_of[k]] += 1;
        cycles[k].iter().for_each(|&c| group_of[c] = g);
    }
    (levels, group_of)
}

impl<'a> Builder<'a> {
    fn new(
        index: &'a Index,
        settled: &'a Settled,
        group_of: &'a [usize],
        group: usize,
        slot: &'a [usize],
        n: usize,
    ) -> Builder<'a> {
        Builder {
            index,
            settled,
            group_of,
            group,
            slot,
            imports: vec![FxHashMap::default(); n],
            glob_edges: vec![Vec::new(); n],
            pending_names: vec![FxHashMap::default(); n],
            pending_globs: vec![0; n],
            settling: false,
            steps: 0,
            visited: FxHashSet::default(),
        }
    }

    /// Resolves every import of the group's `modules`.
    fn resolve(mut self, modules: &[ModuleId]) -> GroupDone {
        let mut pending = Vec::new();
        for (at, &module_id) in modules.iter().enumerate() {
            let module = &self.index.modules[module_id.0];
            for (name, entry) in module.entries.iter() {
                if let LinkedEntry::Use(path) = entry {
                    *self.pending_names[at].entry(name.as_str()).or_default() += 1;
                    pending.push(Import {
                        module: module_id,
                        name: Some(name.as_str()),
                        path,
                    });
                }
            }
            for glob in &module.globs {
                self.pending_globs[at] += 1;
                pending.push(Import {
                    module: module_id,
                    name: None,
                    path: glob,
                });
            }
        }
        // One order on every run, globs of a module first; imports that compare equal are the
        // same import, so an unstable sort is as deterministic.
        pending
            .sort_unstable_by(|a, b| (a.module, a.name, a.path).cmp(&(b.module, b.name, b.path)));

        let mut bound_hit = None;
        while !pending.is_empty() {
            let before = pending.len();
            let mut still = Vec::with_capacity(pending.len());
            for import in pending {
                if self.steps > MAX_STEPS && bound_hit.is_none() {
                    bound_hit = Some(self.bound_hit_at(&import));
                    self.settling = true;
                }
                self.steps += 1;
                match self.resolve_import(&import) {
                    Ok(()) => self.done(&import),
                    Err(Indeterminate) => still.push(import),
                }
            }
            pending = still;
            if pending.len() == before {
                // No progress: whatever is still pending waits only on itself (a cycle) or on
                // names no module binds. Settle it as it stands.
                self.settling = true;
            }
        }
        GroupDone {
            imports: self.imports.into_iter().map(table_of).collect(),
            glob_edges: self.glob_edges,
            steps: self.steps,
            bound_hit,
        }
    }

    /// Where `module`'s tables are in this builder, if it is one of its group's.
    fn own(&self, module: ModuleId) -> Option<usize> {
        let krate = self.index.modules[module.0].krate;
        (self.group_of[krate.0] == self.group).then(|| self.slot[module.0])
    }

    /// The names `module` binds itself, as far as they are resolved now.
    fn explicit(&self, module: ModuleId, name: &str) -> PerNs {
        match self.own(module) {
            Some(at) => explicit(self.index, Some(&self.imports[at]), module, name),
            None => explicit(self.index, self.settled.imports.get(module.0), module, name),
        }
    }

    fn glob_edges_of(&self, module: ModuleId) -> &[ModuleId] {
        match self.own(module) {
            Some(at) => &self.glob_edges[at],
            None => &self.settled.glob_edges[module.0],
        }
    }

    fn bound_hit_at(&self, import: &Import) -> (Loc, String) {
        let module = &self.index.modules[import.module.0];
        let at = Loc {
            file: module.file,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
        (
            at,
            format!(
                "name resolution in `{}` stopped after {MAX_STEPS} steps (at `use {}{}`): names imported from here on may be unresolved",
                module.path.join("::"),
                import.path.join("::"),
                if import.name.is_none() { "::*" } else { "" }
            ),
        )
    }

    fn done(&mut self, import: &Import) {
        let Some(m) = self.own(import.module) else {
            return;
        };
        match &import.name {
            Some(name) => {
                if let Some(count) = self.pending_names[m].get_mut(*name) {
                    *count -= 1;
                    if *count == 0 {
                        self.pending_names[m].remove(*name);
                    }
                }
            }
            None => self.pending_globs[m] -= 1,
        }
    }

    /// Whether a pending import of `module` may still bind `name` (nothing is pending once the
    /// rest is being settled, nor in a settled group).
    fn may_bind(&self, module: ModuleId, name: &str, through_globs: bool) -> bool {
        if self.settling {
            return false;
        }
        self.own(module).is_some_and(|m| {
            self.pending_names[m].contains_key(name) || (through_globs && self.pending_globs[m] > 0)
        })
    }

    /// Tries one import: binds what it names, or says it must wait.
    fn resolve_import(&mut self, import: &Import) -> Result<(), Indeterminate> {
        let m = import.module;
        let at = self.own(m).expect("a group resolves its own imports");
        match &import.name {
            None => {
                let target = self.resolve_path(m, import.path)?;
                if let Some(Resolved::Mod(target)) = target.types {
                    if target != m && !self.glob_edges[at].contains(&target) {
                        self.glob_edges[at].push(target);
                    }
                }
                Ok(())
            }
            Some(name) => {
                let bound = if import.path.len() == 1 {
                    // `use other_crate;` / `use other_crate as alias;`
                    let krate = self.index.modules[m.0].krate;
                    match self.index.extern_crate(krate, &import.path[0]) {
                        Some(root) => PerNs {
                            types: Some(root),
                            ..PerNs::default()
                        },
                        None => PerNs {
                            external: Some(import.path.into()),
                            ..PerNs::default()
                        },
                    }
                } else {
                    self.resolve_path(m, import.path)?
                };
                if !bound.is_empty() {
                    let slot = self.imports[at].entry(Name::from(*name)).or_default();
                    *slot = std::mem::take(slot).or(bound);
                }
                Ok(())
            }
        }
    }

    /// What `name` denotes in `module` as far as is known now: its own items and resolved
    /// imports, else the nearest module its globs reach that binds it. Indeterminate while a
    /// pending import could still bind it nearer.
    fn member(&mut self, module: ModuleId, name: &str) -> Result<PerNs, Indeterminate> {
        if self.may_bind(module, name, false) {
            return Err(Indeterminate);
        }
        let own = self.explicit(module, name);
        if !own.is_empty() {
            return Ok(own);
        }
        if self.may_bind(module, name, true) {
            return Err(Indeterminate);
        }
        let mut visited = std::mem::take(&mut self.visited);
        visited.clear();
        visited.insert(module);
        let mut queue: VecDeque<ModuleId> = self.glob_edges_of(module).iter().copied().collect();
        let found = loop {
            let Some(t) = queue.pop_front() else {
                break Ok(PerNs::default());
            };
            if !visited.insert(t) {
                continue;
            }
            self.steps += 1;
            if self.may_bind(t, name, false) {
                break Err(Indeterminate);
            }
            let found = self.explicit(t, name);
            if !found.is_empty() {
                break Ok(found);
            }
            if self.may_bind(t, name, true) {
                break Err(Indeterminate);
            }
            queue.extend(self.glob_edges_of(t).iter().copied());
        };
        self.visited = visited;
        found
    }

    /// The last segment of `path` (as written in `module`) in every namespace.
    fn resolve_path(&mut self, module: ModuleId, path: &[Name]) -> Result<PerNs, Indeterminate> {
        let index = self.index;
        walk_path(index, module, path, |m, name| self.member(m, name))
    }
}

/// Glob components (Tarjan, iterative) and their tables, built in dependency order.
fn glob_scopes(
    index: &Index,
    settled: &Settled,
    steps: &mut usize,
) -> (Vec<usize>, Vec<FxHashMap<Name, GlobBinding>>) {
    let edges = &settled.glob_edges;
    let components = strongly_connected(edges.len(), |m, k| edges[m].get(k).map(|t| t.0));
    let mut component = vec![0; edges.len()];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component[m] = c;
        }
    }
    // Only components that glob or are globbed need a table.
    let mut needed = vec![false; components.len()];
    for (m, targets) in edges.iter().enumerate() {
        if !targets.is_empty() {
            needed[component[m]] = true;
            targets.iter().for_each(|t| needed[component[t.0]] = true);
        }
    }
    // Tarjan yields components after every component they reach: build in that order.
    let mut scopes: Vec<FxHashMap<Name, GlobBinding>> = Vec::with_capacity(components.len());
    for (c, members) in components.iter().enumerate() {
        let mut scope: FxHashMap<Name, GlobBinding> = FxHashMap::default();
        if !needed[c] {
            scopes.push(scope);
            continue;
        }
        let reaches_out = members
            .iter()
            .any(|&m| edges[m].iter().any(|t| component[t.0] != c));
        for &m in members {
            let names = index.modules[m]
                .entries
                .names()
                .chain(settled.imports[m].names());
            for name in names {
                *steps += 1;
                let own = explicit(index, settled.imports.get(m), ModuleId(m), name);
                let slot = scope.entry(name.clone()).or_default();
                slot.types = slot.types.or(own.types.as_ref().map(|_| ModuleId(m)));
                slot.values = slot.values.or(own.values.as_ref().map(|_| ModuleId(m)));
                slot.external = slot.external.or(own.external.as_ref().map(|_| ModuleId(m)));
            }
        }
        if reaches_out {
            for &m in members {
                for t in &edges[m] {
                    let from = component[t.0];
                    if from == c {
                        continue;
                    }
                    for (name, binding) in &scopes[from] {
                        *steps += 1;
                        let slot = scope.entry(name.clone()).or_default();
                        slot.types = slot.types.or(binding.types);
                        slot.values = slot.values.or(binding.values);
                        slot.external = slot.external.or(binding.external);
                    }
                }
            }
        }
        scopes.push(scope);
    }
    (component, scopes)
}

/// Resolves `path` from `module`, looking each segment up with `member`: the last segment in
/// every namespace.
pub(super) fn walk_path<E, S: AsRef<str>>(
    index: &Index,
    module: ModuleId,
    path: &[S],
    mut member: impl FnMut(ModuleId, &str) -> Result<PerNs, E>,
) -> Result<PerNs, E> {
    let Some((first, _)) = path.split_first() else {
        return Ok(PerNs::default());
    };
    let krate = index.modules[module.0].krate;
    let outside = |p: &[S]| PerNs {
        external: Some(p.iter().map(|s| Name::from(s.as_ref())).collect()),
        ..PerNs::default()
    };
    let external = |mut p: Vec<Name>, segment: &S| {
        p.push(Name::from(segment.as_ref()));
        PerNs {
            external: Some(p.into_boxed_slice()),
            ..PerNs::default()
        }
    };
    // The first segment, and the rest of the path after it.
    let (mut current, rest): (PerNs, &[S]) = match first.as_ref() {
        "crate" => (module_ns(index.crates[krate.0].root), &path[1..]),
        "self" => (module_ns(module), &path[1..]),
        "super" => {
            let mut m = module;
            let mut i = 0;
            while path.get(i).is_some_and(|s| s.as_ref() == "super") {
                match index.modules[m.0].parent {
                    Some(parent) => m = parent,
                    None => return Ok(PerNs::default()),
                }
                i += 1;
            }
            (module_ns(m), &path[i..])
        }
        "::" => match path.get(1) {
            Some(name) => match index.extern_crate(krate, name.as_ref()) {
                Some(root) => (
                    PerNs {
                        types: Some(root),
                        ..PerNs::default()
                    },
                    &path[2..],
                ),
                // Outside the workspace, and so is the rest of the path (built at once).
                None => return Ok(outside(&path[1..])),
            },
            None => return Ok(PerNs::default()),
        },
        _ => {
            let found = member(module, first.as_ref())?;
            if found.is_empty() {
                match index.extern_crate(krate, first.as_ref()) {
                    Some(root) => (
                        PerNs {
                            types: Some(root),
                            ..PerNs::default()
                        },
                        &path[1..],
                    ),
                    None => return Ok(outside(path)),
                }
            } else {
                (found, &path[1..])
            }
        }
    };
    for segment in rest {
        // A path goes on through a module, a type or something outside the workspace.
        let through = current.pick(Ns::Type);
        let name = segment.as_ref();
        current = match through {
            Some(Resolved::Mod(m)) => member(m, name)?,
            Some(Resolved::Type { module, name: ty }) => assoc(index, module, &ty, name),
            Some(Resolved::Alias { module, ty }) => match index.resolve_type(module, &ty) {
                Some(Resolved::Type { module, name: ty }) => assoc(index, module, &ty, name),
                // `type AppRouter = axum::Router<AppState>; AppRouter::new()`
                Some(Resolved::External(p)) => external(p, segment),
                _ => PerNs::default(),
            },
            Some(Resolved::External(p)) => external(p, segment),
            Some(Resolved::Fn(_) | Resolved::Const(_)) | None => PerNs::default(),
        };
    }
    Ok(current)
}

fn module_ns(m: ModuleId) -> PerNs {
    PerNs {
        types: Some(Resolved::Mod(m)),
        ..PerNs::default()
    }
}

/// `Type::name`: an associated fn of a workspace type.
fn assoc(index: &Index, module: ModuleId, ty: &str, name: &str) -> PerNs {
    let krate = index.modules[module.0].krate;
    PerNs {
        values: index.assoc_fn(krate, ty, name).map(Resolved::Fn),
        ..PerNs::default()
    }
}

/// The strongly connected components of a graph of `n` nodes whose `k`-th edge from `v` is
/// `edge(v, k)`, each listed after every component it reaches (Tarjan's algorithm with an
/// explicit stack).
fn strongly_connected(n: usize, edge: impl Fn(usize, usize) -> Option<usize>) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, next edge to look at)
        let mut frames = vec![(root, 0usize)];
        order[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut next)) = frames.last_mut() {
            if let Some(w) = edge(v, *next) {
                *next += 1;
                if order[w] == UNSEEN {
                    order[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    frames.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                let mut members = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    members.push(w);
                    if w == v {
                        break;
                    }
                }
                members.sort();
                components.push(members);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_what_they_reach() {
        // 0 -> 1 <-> 2 -> 3
        let edges: Vec<Vec<usize>> = vec![vec![1], vec![2], vec![1, 3], vec![]];
        let components = strongly_connected(edges.len(), |v, k| edges[v].get(k).copied());
        assert_eq!(components, vec![vec![3], vec![1, 2], vec![0]]);
    }
}
