//! Evaluates router-building code: an abstract interpreter over `syn` expressions that follows
//! values through `let`, reassignment, blocks, calls (with routers passed as arguments), method
//! chains and `if`/`match` joins, and applies axum 0.8's `route`/`nest`/`merge`/`layer` rules.

use std::cell::RefCell;
use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use quote::ToTokens;

use super::cached::{found_hash, NameRead};
use super::join::join_all;
use super::model::*;
use super::scope::{bind, join_scopes, read_once_in, Move, Scope};
use super::syntax::text_of;
use super::trees::{Leave, Trees};
use crate::cache::Hash;
use crate::index::extract::{str_lit, type_ref};
use crate::index::{
    CrateId, FnId, Index, ModuleId, Name, Ns, Param, ParseProblem, Resolved, TypeRef,
};
use crate::source::{FileId, Loc};

pub(super) const METHOD_FNS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "any",
];
const MAX_CALL_DEPTH: usize = 48;
/// The most work one analysis spends evaluating router code, counted as expressions evaluated
/// plus routes copied (when a variable is read, a scope is forked for a branch): far above what
/// real router code needs (tens per route), and reached only by code whose evaluation would
/// otherwise explode (helpers that call helpers twice, each with routers, many levels deep).
pub const MAX_EVAL_STEPS: usize = 10_000_000;

/// A value flowing through router-building code.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Router(RouterValue),
    MethodRouter(Vec<Entry>),
    Handler {
        target: Target,
        layers: Vec<Layer>,
        at: Loc,
    },
    Layer(LayerSpec),
    Str(String),
    Tuple(Vec<Value>),
    /// A collection whose elements are all known, in order (`vec![a(), b()]`, `[("/v1", v1())]`,
    /// `Vec::new()` after `push`es).
    List(Vec<Value>),
    /// `routes!(a, b)`: handlers with their utoipa annotation.
    Routes(Vec<(FnId, Loc)>),
    /// A value from outside the workspace: the path of the call that made it, and its text.
    External {
        path: Vec<String>,
        text: String,
    },
    /// A parameter of a fn evaluated without a caller (its callers supply the real value).
    Param,
    /// `Type::Name` of a workspace type where `Name` is no fn: a variant of an enum, usually
    /// (`Urls::Login`). Its type's methods are followed (`Urls::Login.as_ref()`), and a `match`
    /// on it takes the arm naming it.
    Variant {
        krate: CrateId,
        ty: Name,
        variant: String,
    },
    Opaque,
}

/// The evaluator: owns re-parsed files (their spans belong to this thread) and what it found.
pub struct Evaluator<'a> {
    pub(super) index: &'a Index,
    /// The files parsed again, and the trees held of them.
    pub(super) trees: Trees,
    /// Files that do not parse after all (syntax errors in bodies the indexer skipped).
    pub parse_problems: Vec<ParseProblem>,
    /// Files whose text the evaluation parsed, and the lines of the fns it read in them (for the
    /// cache: see `router::cached`).
    pub files_read: BTreeSet<FileId>,
    pub lines_read: BTreeSet<(FileId, usize, usize)>,
    /// Fns whose parameters the evaluation read (typed routes).
    pub params_read: BTreeSet<FnId>,
    /// The names the evaluation looked up, with the hash of what each resolved to (recorded
    /// only for the cache: `None` without one).
    pub names_read: Option<RefCell<FxHashMap<NameRead, Hash>>>,
    pub(super) stack: Vec<FnId>,
    pub problems: Vec<Unanalyzable>,
    /// Routers handed to `serve`/`into_make_service`.
    pub served: Vec<RouterValue>,
    /// Fns whose result some evaluated code used.
    pub called: BTreeSet<FnId>,
    /// The results of fns called without known arguments: `None` once called, the result
    /// once called twice (a fn is evaluated at most twice, however many times it is called).
    pub(super) memo: FxHashMap<FnId, Option<Value>>,
    /// Router-building methods of the workspace's own types, by name (built on first use).
    pub(super) methods: Option<FxHashMap<Name, Vec<FnId>>>,
    /// Work spent so far (bounded by [`MAX_EVAL_STEPS`]).
    pub steps: usize,
    /// Whether the bound was hit (and reported).
    exhausted: bool,
    /// Where something served a router or was meant to (`serve`, `.oneshot`, `service_fn`..).
    pub serve_sites: Vec<Loc>,
    /// Where a router was built (`Router::new()` and the like), first seen.
    pub built_at: Option<Loc>,
    /// What [`Evaluator::is_router_fn`] found of each fn so far (`None`: not asked yet).
    router_fns: Vec<std::cell::Cell<Option<bool>>>,
    /// Whether the workspace declares a type alias of a router type (worked out on first use).
    router_alias: std::cell::OnceCell<bool>,
}

impl<'a> Evaluator<'a> {
    pub fn new(index: &'a Index) -> Self {
        Evaluator {
            index,
            trees: Trees::default(),
            parse_problems: Vec::new(),
            files_read: BTreeSet::new(),
            lines_read: BTreeSet::new(),
            params_read: BTreeSet::new(),
            names_read: None,
            stack: Vec::new(),
            problems: Vec::new(),
            served: Vec::new(),
            called: BTreeSet::new(),
            memo: FxHashMap::default(),
            methods: None,
            steps: 0,
            exhausted: false,
            serve_sites: Vec::new(),
            built_at: None,
            router_fns: vec![std::cell::Cell::new(None); index.fns.len()],
            router_alias: std::cell::OnceCell::new(),
        }
    }

    /// Resolves `path` as written in `module`, recorded as read (see `router::cached`).
    pub(super) fn lookup(&self, module: ModuleId, path: &[String], ns: Ns) -> Option<Resolved> {
        let found = self.index.resolve(module, path, ns);
        self.record_name(
            || NameRead::Path {
                module,
                path: path.to_vec(),
                ns,
            },
            &found,
        );
        found
    }

    /// Follows a type through aliases as [`Index::resolve_type`] does, recorded as read.
    pub(super) fn lookup_type(&self, module: ModuleId, ty: &TypeRef) -> Option<Resolved> {
        let found = self.index.resolve_type(module, ty);
        self.record_name(
            || NameRead::Type {
                module,
                ty: ty.clone(),
            },
            &found,
        );
        found
    }

    /// Records a name read and what it resolved to, when the cache asked for them.
    fn record_name(&self, read: impl FnOnce() -> NameRead, found: &Option<Resolved>) {
        if let Some(reads) = &self.names_read {
            reads
                .borrow_mut()
                .entry(read())
                .or_insert_with(|| found_hash(found));
        }
    }

    /// Whether a fn's return type makes it worth evaluating (worked out once per fn: the
    /// evaluator asks it of every fn of the files and types it reads).
    pub fn is_router_fn(&self, f: FnId) -> bool {
        let known = &self.router_fns[f.0];
        if let Some(answer) = known.get() {
            return answer;
        }
        let answer = self.returns_router(f);
        known.set(Some(answer));
        answer
    }

    fn returns_router(&self, f: FnId) -> bool {
        let item = &self.index.fns[f.0];
        // `fn with_admin(self) -> Self` in `impl AdminRoutes for AppRouter`
        let self_type = item.self_type.as_deref();
        let words = || {
            item.returns
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .map(move |w| match self_type {
                    Some(ty) if w == "Self" => ty,
                    _ => w,
                })
        };
        let named = |w: &str| {
            ["Router", "Layer", "ServiceBuilder", "Routes", "Stack"]
                .iter()
                .any(|k| w.contains(k))
        };
        if words().any(named) {
            return true;
        }
        // `-> ApiRouter` with `type ApiRouter = Router<AppState>;` (only worth resolving when
        // the workspace has such an alias at all).
        self.has_router_alias()
            && words().any(|word| {
                matches!(
                    self.lookup(self.index.module_of(f), &[word.to_string()], Ns::Type),
                    Some(Resolved::Alias { ty, .. }) if ty.display().contains("Router")
                )
            })
    }

    /// Whether any module of the index declares a type alias of a router type.
    fn has_router_alias(&self) -> bool {
        *self.router_alias.get_or_init(|| {
            self.index.modules.iter().any(|m| {
                m.entries.iter().any(|(_, e)| {
                    matches!(e, crate::index::LinkedEntry::Alias(ty) if ty.display().contains("Router"))
                })
            })
        })
    }

    /// Evaluates a fn with unknown arguments (a root or a candidate root). Afterwards nothing
    /// refers to the re-parsed trees any more: they are dropped, with proc-macro2's copy of their
    /// text, so memory does not grow with the number of roots.
    pub fn eval_fn(&mut self, f: FnId) -> Value {
        let value = self.call_fn(f, Vec::new(), None);
        if self.stack.is_empty() {
            self.trees.clear();
            proc_macro2::extra::invalidate_current_thread_spans();
        }
        value
    }

    pub(super) fn call_fn(&mut self, f: FnId, args: Vec<Value>, receiver: Option<Value>) -> Value {
        // Only a call that passes nothing known can reuse an earlier result: `crud("/a")` and
        // `crud("/b")` build different routers.
        let plain_call = receiver.is_none()
            && args
                .iter()
                .all(|a| matches!(a, Value::Opaque | Value::Param));
        if plain_call {
            if let Some(Some(v)) = self.memo.get(&f) {
                let v = v.clone();
                self.steps += weight(&v);
                return v;
            }
        }
        if self.stack.contains(&f) || self.stack.len() >= MAX_CALL_DEPTH {
            let item = &self.index.fns[f.0];
            self.problems.push(Unanalyzable {
                at: item.name_loc,
                message: format!("router construction recurses through `{}`", item.name),
            });
            return Value::Opaque;
        }
        let item = &self.index.fns[f.0];
        let (name, line, column) = (
            &item.name,
            item.name_loc.line as usize,
            item.name_loc.column as usize,
        );
        // The file parsed when it was indexed; failing now means it changed meanwhile. A fn
        // missing from a parse that left items out is looked for again in the whole file.
        let mut tree = self.ast(item.file(), line, Leave::Unread);
        if tree
            .as_ref()
            .is_some_and(|tree| tree.find_fn(name, line, column).is_none())
        {
            tree = self.ast(item.file(), line, Leave::Nothing);
        }
        let Some((sig, block)) = tree
            .as_ref()
            .and_then(|tree| tree.find_fn(name, line, column))
        else {
            let (at, name) = (item.name_loc, item.name.clone());
            let why = if tree.is_none() {
                "its file does not parse"
            } else {
                "it could not be found again (did the file change during the analysis?)"
            };
            self.unanalyzable(at, format!("`{name}` cannot be followed: {why}"));
            return Value::Opaque;
        };
        // The lines of the fn are what this evaluation read of its file.
        let lines_before = tree.as_ref().map_or(0, |tree| tree.lines_before);
        let lines = (
            sig.fn_token.span.start().line + lines_before,
            block.brace_token.span.close().end().line + lines_before,
        );
        self.lines_read.insert((item.file(), lines.0, lines.1));
        let mut scope = Scope {
            vars: FxHashMap::default(),
            moving: None,
            last_uses: Vec::new(),
            module: ModuleId(item.module),
            self_type: item.self_type.clone(),
            file: item.file(),
            lines_before,
            returns: Vec::new(),
        };
        let mut args = args.into_iter();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(_) => {
                    scope
                        .vars
                        .insert("self".into(), receiver.clone().unwrap_or(Value::Opaque));
                }
                syn::FnArg::Typed(pt) => {
                    bind(&mut scope, &pt.pat, args.next().unwrap_or(Value::Param))
                }
            }
        }
        self.stack.push(f);
        let tail = self.eval_body(block, &mut scope);
        self.stack.pop();
        let mut results = std::mem::take(&mut scope.returns);
        results.push((tail, "on the fall-through path".into()));
        let value = join_all(results);
        if plain_call {
            // Kept from the second call on: most router fns are called once, and a copy of
            // every result would double what the evaluation holds.
            self.memo
                .entry(f)
                .and_modify(|kept| *kept = Some(value.clone()))
                .or_insert(None);
        }
        value
    }

    /// A fn's body: its block, where the last statement moves the routers it alone reads
    /// (`axum::serve(listener, app)`, a tail `router`) instead of copying them, as Rust does.
    fn eval_body(&mut self, block: &syn::Block, scope: &mut Scope) -> Value {
        self.eval_statements(block, scope, true)
    }

    pub(super) fn eval_block(&mut self, block: &syn::Block, scope: &mut Scope) -> Value {
        self.eval_statements(block, scope, false)
    }

    fn eval_statements(&mut self, block: &syn::Block, scope: &mut Scope, body: bool) -> Value {
        // Fns declared in the block are visible in all of it.
        if let Some(&current) = self.stack.last() {
            for stmt in &block.stmts {
                if let syn::Stmt::Item(syn::Item::Fn(f)) = stmt {
                    if let Some(local) = self.index.local_fn(current, &f.sig.ident.to_string()) {
                        let at = self.loc(scope, &f.sig.ident);
                        scope.vars.insert(
                            f.sig.ident.to_string(),
                            Value::Handler {
                                target: Target::Fn(local),
                                layers: Vec::new(),
                                at,
                            },
                        );
                    }
                }
            }
        }
        let mut last = Value::Opaque;
        for (i, stmt) in block.stmts.iter().enumerate() {
            if body && i + 1 == block.stmts.len() {
                scope.last_uses = read_once_in(stmt, scope);
            }
            last = match stmt {
                syn::Stmt::Local(local) => {
                    let shadowed = match &local.pat {
                        syn::Pat::Ident(p) => Some(&p.ident),
                        _ => None,
                    };
                    let value = match (&local.init, shadowed) {
                        (Some(init), Some(name)) => self.eval_reassigning(name, &init.expr, scope),
                        (Some(init), None) => self.eval(&init.expr, scope),
                        (None, _) => Value::Opaque,
                    };
                    bind(scope, &local.pat, value);
                    Value::Opaque
                }
                syn::Stmt::Expr(e, semi) => {
                    let v = self.eval(e, scope);
                    if semi.is_some() {
                        Value::Opaque
                    } else {
                        v
                    }
                }
                syn::Stmt::Macro(m) => {
                    self.eval_macro(&m.mac, scope);
                    Value::Opaque
                }
                syn::Stmt::Item(_) => Value::Opaque,
            };
        }
        last
    }

    /// Where tokens of the tree a scope's fn was read from are in its file.
    pub(super) fn loc(&self, scope: &Scope, tokens: &impl ToTokens) -> Loc {
        let mut loc = Loc::of(scope.file, tokens);
        let lines_before = u32::try_from(scope.lines_before).unwrap_or(u32::MAX);
        loc.line = loc.line.saturating_add(lines_before);
        loc.end_line = loc.end_line.saturating_add(lines_before);
        loc
    }

    pub(super) fn unanalyzable(&mut self, at: Loc, message: impl Into<String>) {
        // Past the bound every value is unknown: what that would report says nothing new.
        if self.exhausted {
            return;
        }
        let problem = Unanalyzable {
            at,
            message: message.into(),
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    pub(super) fn eval(&mut self, expr: &syn::Expr, scope: &mut Scope) -> Value {
        self.steps += 1;
        if self.steps > MAX_EVAL_STEPS {
            if !self.exhausted {
                let at = self.loc(scope, expr);
                self.unanalyzable(
                    at,
                    format!("router evaluation stopped here after {MAX_EVAL_STEPS} steps: the router code calls its helpers too many times over to follow; routes built from here on are not listed"),
                );
                self.exhausted = true;
            }
            return Value::Opaque;
        }
        match expr {
            syn::Expr::Lit(_) => str_lit(expr).map_or(Value::Opaque, Value::Str),
            syn::Expr::Path(p) => self.eval_path(&p.path, scope),
            syn::Expr::Paren(p) => self.eval(&p.expr, scope),
            syn::Expr::Group(g) => self.eval(&g.expr, scope),
            syn::Expr::Reference(r) => self.eval(&r.expr, scope),
            syn::Expr::Await(a) => self.eval(&a.base, scope),
            syn::Expr::Try(t) => self.eval(&t.expr, scope),
            syn::Expr::Block(b) => self.eval_block(&b.block, scope),
            syn::Expr::Unsafe(u) => self.eval_block(&u.block, scope),
            // `tokio::spawn(async move { axum::serve(listener, app).await })`: run it for what it
            // serves; the future itself is no router.
            syn::Expr::Async(a) => {
                let mut inner = self.fork(scope);
                self.eval_block(&a.block, &mut inner);
                Value::Opaque
            }
            syn::Expr::Tuple(t) => {
                Value::Tuple(t.elems.iter().map(|e| self.eval(e, scope)).collect())
            }
            syn::Expr::Array(a) => {
                Value::List(a.elems.iter().map(|e| self.eval(e, scope)).collect())
            }
            syn::Expr::Closure(c) => self.closure(c, scope),
            syn::Expr::Call(c) => self.eval_call(c, scope),
            syn::Expr::MethodCall(m) => self.eval_method(m, scope),
            syn::Expr::Macro(m) => self.eval_macro(&m.mac, scope),
            syn::Expr::Assign(a) => {
                let target = match &*a.left {
                    syn::Expr::Path(p) => p.path.get_ident(),
                    _ => None,
                };
                let value = match target {
                    Some(name) => self.eval_reassigning(name, &a.right, scope),
                    None => self.eval(&a.right, scope),
                };
                if let Some(name) = target {
                    scope.vars.insert(name.to_string(), value);
                }
                Value::Opaque
            }
            syn::Expr::Return(r) => {
                let value = r
                    .expr
                    .as_ref()
                    .map_or(Value::Opaque, |e| self.eval(e, scope));
                scope.returns.push((
                    value,
                    format!("on the early return at line {}", self.loc(scope, r).line),
                ));
                Value::Opaque
            }
            syn::Expr::If(i) => self.eval_if(i, scope),
            syn::Expr::Match(m) => self.eval_match(m, scope),
            syn::Expr::ForLoop(f) => self.eval_for(f, scope),
            syn::Expr::While(w) => self.eval_loop(&w.body, scope, &w.while_token),
            syn::Expr::Loop(l) => self.eval_loop(&l.body, scope, &l.loop_token),
            _ => Value::Opaque,
        }
    }

    pub(super) fn eval_path(&mut self, path: &syn::Path, scope: &mut Scope) -> Value {
        if let Some(ident) = path.get_ident() {
            if let Some((v, how)) = scope.take_moved(ident) {
                // A last use is counted as the copy it replaces was (the bound on work stays
                // where it was); a router grown in place was never counted.
                if how == Move::LastUse {
                    self.steps += weight(&v);
                }
                return v;
            }
            if let Some(v) = scope.vars.get(&ident.to_string()) {
                let v = v.clone();
                self.steps += weight(&v);
                return v;
            }
        }
        match self.resolve(path, scope, Ns::Value) {
            Some(Resolved::Fn(f)) => Value::Handler {
                target: Target::Fn(f),
                layers: Vec::new(),
                at: self.loc(scope, path),
            },
            Some(Resolved::Const(Some(s))) => Value::Str(s),
            Some(Resolved::External(p)) => Value::External {
                path: p.iter().map(Name::to_string).collect(),
                text: text_of(path),
            },
            _ => self.variant(path, scope).unwrap_or(Value::Opaque),
        }
    }

    /// `Type::Variant` (or `Self::Variant`) of a workspace type.
    fn variant(&self, path: &syn::Path, scope: &Scope) -> Option<Value> {
        let owner_len = path.segments.len().checked_sub(1).filter(|&n| n > 0)?;
        let last = path.segments.last()?;
        let owner = syn::Path {
            leading_colon: path.leading_colon,
            segments: path.segments.iter().take(owner_len).cloned().collect(),
        };
        let (module, ty) = match self.resolve(&owner, scope, Ns::Type)? {
            Resolved::Type { module, name } => (module, name),
            _ => return None,
        };
        Some(Value::Variant {
            krate: self.index.modules[module.0].krate,
            ty,
            variant: last.ident.to_string(),
        })
    }

    pub(super) fn resolve(&self, path: &syn::Path, scope: &Scope, ns: Ns) -> Option<Resolved> {
        let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            segments.insert(0, "::".into());
        }
        if segments.first().map(String::as_str) == Some("Self") {
            let ty = scope.self_type.clone()?;
            let krate = self.index.modules[scope.module.0].krate;
            return match segments.get(1) {
                Some(name) => self.index.assoc_fn(krate, &ty, name).map(Resolved::Fn),
                None => Some(Resolved::Type {
                    module: scope.module,
                    name: ty,
                }),
            };
        }
        self.lookup(scope.module, &segments, ns)
    }

    pub(super) fn closure(&mut self, c: &syn::ExprClosure, scope: &Scope) -> Value {
        let params = c
            .inputs
            .iter()
            .map(|pat| match pat {
                syn::Pat::Type(pt) => Param {
                    ty: type_ref(&pt.ty),
                    loc: self.loc(scope, pt),
                },
                other => Param {
                    ty: crate::index::TypeRef::Other("_".into()),
                    loc: self.loc(scope, other),
                },
            })
            .collect();
        Value::Handler {
            target: Target::Closure {
                params,
                module: scope.module,
            },
            layers: Vec::new(),
            at: self.loc(scope, c),
        }
    }

    fn eval_if(&mut self, i: &syn::ExprIf, scope: &mut Scope) -> Value {
        let cond = text_of(&i.cond);
        let mut then_scope = self.fork(scope);
        let then_value = self.eval_block(&i.then_branch, &mut then_scope);
        let mut else_scope = self.fork(scope);
        let else_value = match &i.else_branch {
            Some((_, e)) => self.eval(e, &mut else_scope),
            None => Value::Opaque,
        };
        let labels = [
            format!("when `{cond}` is true"),
            format!("when `{cond}` is false"),
        ];
        join_scopes(
            scope,
            vec![
                (then_scope, labels[0].clone()),
                (else_scope, labels[1].clone()),
            ],
        );
        join_all(vec![
            (then_value, labels[0].clone()),
            (else_value, labels[1].clone()),
        ])
    }

    fn eval_match(&mut self, m: &syn::ExprMatch, scope: &mut Scope) -> Value {
        // `match self { Self::A => "/a", .. }` on a known variant: its arm only.
        if let Some(arm) = self.matching_arm(m, scope) {
            return self.eval(&arm.body, scope);
        }
        let scrutinee = text_of(&m.expr);
        let mut scopes = Vec::new();
        let mut values = Vec::new();
        for arm in &m.arms {
            let label = format!("when `{scrutinee}` matches `{}`", text_of(&arm.pat));
            let mut arm_scope = self.fork(scope);
            values.push((self.eval(&arm.body, &mut arm_scope), label.clone()));
            scopes.push((arm_scope, label));
        }
        if scopes.is_empty() {
            return Value::Opaque;
        }
        join_scopes(scope, scopes);
        join_all(values)
    }

    /// The arm a `match` on a known enum variant takes: the first whose pattern names the
    /// variant or binds anything, without a guard (`None` when the scrutinee is not a variable
    /// or path holding a variant, or an arm before it cannot be decided).
    fn matching_arm<'m>(&self, m: &'m syn::ExprMatch, scope: &Scope) -> Option<&'m syn::Arm> {
        let mut scrutinee = &*m.expr;
        while let syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        })
        | syn::Expr::Reference(syn::ExprReference { expr, .. })
        | syn::Expr::Paren(syn::ExprParen { expr, .. }) = scrutinee
        {
            scrutinee = expr;
        }
        let syn::Expr::Path(p) = scrutinee else {
            return None;
        };
        // A variable (`self`) is looked at, not copied: it may hold a whole router.
        let variant = match p.path.get_ident() {
            Some(var) => match scope.vars.get(&var.to_string()) {
                Some(Value::Variant { variant, .. }) => variant.clone(),
                _ => return None,
            },
            None => match self.variant(&p.path, scope) {
                Some(Value::Variant { variant, .. }) => variant,
                _ => return None,
            },
        };
        for arm in &m.arms {
            if arm.guard.is_some() {
                return None;
            }
            let named = match &arm.pat {
                syn::Pat::Path(p) => &p.path.segments.last()?.ident,
                syn::Pat::TupleStruct(p) => &p.path.segments.last()?.ident,
                syn::Pat::Struct(p) => &p.path.segments.last()?.ident,
                syn::Pat::Wild(_) => return Some(arm),
                // `Login =>` after `use Urls::*` names a variant; `other =>` binds anything.
                syn::Pat::Ident(syn::PatIdent {
                    ident,
                    subpat: None,
                    ..
                }) => {
                    let binds = ident
                        .to_string()
                        .starts_with(|c: char| c.is_lowercase() || c == '_');
                    if binds {
                        return Some(arm);
                    }
                    ident
                }
                _ => return None,
            };
            if *named == variant {
                return Some(arm);
            }
        }
        None
    }
}

/// How many routes a value holds (the cost of copying it).
pub(super) fn weight(v: &Value) -> usize {
    match v {
        Value::Router(r) => r.entries.len(),
        Value::MethodRouter(e) => e.len(),
        Value::List(items) | Value::Tuple(items) => items.iter().map(weight).sum(),
        _ => 0,
    }
}

pub(super) fn is_router_value(v: &Value) -> bool {
    match v {
        Value::Router(_) | Value::MethodRouter(_) => true,
        Value::List(items) | Value::Tuple(items) => items.iter().any(is_router_value),
        _ => false,
    }
}

pub(super) fn resolved_path(resolved: Option<Resolved>, written: &[String]) -> Vec<String> {
    match resolved {
        Some(Resolved::External(p)) => p.iter().map(Name::to_string).collect(),
        _ => written.to_vec(),
    }
}

pub(super) fn service_entry(method: &str, path: &str, at: Loc, text: &str) -> Entry {
    Entry::new(
        method.into(),
        path.into(),
        Target::Service { text: text.into() },
        at,
        at,
    )
}

/// `get` -> `("get", false)`, `on_service` -> `("on", true)`; `None` for other names.
pub(super) fn method_fn(name: &str) -> Option<(&str, bool)> {
    // aide's `get_with(h, transform)` routes like `get(h)`; the transform only documents.
    let name = name.strip_suffix("_with").unwrap_or(name);
    let (base, service) = name
        .strip_suffix("_service")
        .map_or((name, false), |b| (b, true));
    (METHOD_FNS.contains(&base) || base == "on").then_some((base, service))
}

/// How many arguments a method-router fn takes: `get(h)` 1, `on(filter, h)` 2, one more for
/// aide's `_with(.., transform)` forms.
pub(super) fn method_fn_arity(name: &str) -> usize {
    let base = if name.starts_with("on") { 2 } else { 1 };
    base + usize::from(name.ends_with("_with"))
}
