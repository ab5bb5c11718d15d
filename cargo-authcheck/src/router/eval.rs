//! Evaluates router-building code: an abstract interpreter over `syn` expressions that follows
//! values through `let`, reassignment, blocks, calls (with routers passed as arguments), method
//! chains and `if`/`match` joins, and applies axum 0.8's `route`/`nest`/`merge`/`layer` rules.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use quote::ToTokens;

use super::join::join_all;
use super::model::*;
use super::paths;
use super::syntax::{filter_methods, find_fn, text_of};
use crate::index::extract::{str_lit, type_ref};
use crate::index::{FnId, Index, ModuleId, Ns, Param, Resolved};
use crate::source::{FileId, Loc};

const METHOD_FNS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect", "any",
];
const MAX_CALL_DEPTH: usize = 48;

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
    /// `routes!(a, b)`: handlers with their utoipa annotation.
    Routes(Vec<(FnId, Loc)>),
    /// A value from outside the workspace: the path of the call that made it, and its text.
    External {
        path: Vec<String>,
        text: String,
    },
    /// A parameter of a fn evaluated without a caller (its callers supply the real value).
    Param,
    Opaque,
}

/// Local variables and the context names resolve in.
#[derive(Clone)]
struct Scope {
    vars: HashMap<String, Value>,
    module: ModuleId,
    self_type: Option<String>,
    file: FileId,
    returns: Vec<(Value, String)>,
}

/// The evaluator: owns re-parsed files (their spans belong to this thread) and what it found.
pub struct Evaluator<'a> {
    index: &'a Index,
    asts: HashMap<FileId, Rc<syn::File>>,
    stack: Vec<FnId>,
    pub problems: Vec<Unanalyzable>,
    /// Routers handed to `serve`/`into_make_service`.
    pub served: Vec<RouterValue>,
    /// Fns whose result some evaluated code used.
    pub called: BTreeSet<FnId>,
    memo: HashMap<FnId, Value>,
    /// Router-building methods of the workspace's own types, by name (built on first use).
    methods: Option<HashMap<String, Vec<FnId>>>,
}

impl<'a> Evaluator<'a> {
    pub fn new(index: &'a Index) -> Self {
        Evaluator {
            index,
            asts: HashMap::new(),
            stack: Vec::new(),
            problems: Vec::new(),
            served: Vec::new(),
            called: BTreeSet::new(),
            memo: HashMap::new(),
            methods: None,
        }
    }

    /// Whether a fn's return type makes it worth evaluating.
    pub fn is_router_fn(&self, f: FnId) -> bool {
        let item = &self.index.fns[f.0];
        // `fn with_admin(self) -> Self` in `impl AdminRoutes for AppRouter`
        let returns = match &item.self_type {
            Some(ty)
                if item
                    .returns
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "Self") =>
            {
                item.returns.replace("Self", ty)
            }
            _ => item.returns.clone(),
        };
        ["Router", "Layer", "ServiceBuilder", "Routes", "Stack"]
            .iter()
            .any(|k| returns.contains(k))
            || returns
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .any(|word| {
                    matches!(
                        self.index.resolve(self.index.module_of(f), &[word.to_string()], Ns::Type),
                        Some(Resolved::Alias { ty, .. }) if ty.display().contains("Router")
                    )
                })
    }

    /// Evaluates a fn with unknown arguments.
    pub fn eval_fn(&mut self, f: FnId) -> Value {
        self.call_fn(f, Vec::new(), None)
    }

    fn ast(&mut self, file: FileId) -> Option<Rc<syn::File>> {
        if let Some(ast) = self.asts.get(&file) {
            return Some(ast.clone());
        }
        let ast = Rc::new(syn::parse_file(self.index.sources.get(file).text()).ok()?);
        self.asts.insert(file, ast.clone());
        Some(ast)
    }

    fn call_fn(&mut self, f: FnId, args: Vec<Value>, receiver: Option<Value>) -> Value {
        // Only a call that passes nothing known can reuse an earlier result: `crud("/a")` and
        // `crud("/b")` build different routers.
        let plain_call = receiver.is_none()
            && args
                .iter()
                .all(|a| matches!(a, Value::Opaque | Value::Param));
        if plain_call {
            if let Some(v) = self.memo.get(&f) {
                return v.clone();
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
        // The file parsed when it was indexed; failing now means it changed meanwhile.
        let ast = self.ast(item.file);
        let Some((sig, block)) = ast.as_deref().and_then(|ast| find_fn(ast, &item.locator)) else {
            let (at, name) = (item.name_loc, item.name.clone());
            self.unanalyzable(
                at,
                format!(
                    "`{name}` could not be read again (did the file change during the analysis?)"
                ),
            );
            return Value::Opaque;
        };
        let mut scope = Scope {
            vars: HashMap::new(),
            module: ModuleId(item.module),
            self_type: item.self_type.clone(),
            file: item.file,
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
        let tail = self.eval_block(block, &mut scope);
        self.stack.pop();
        let mut results = std::mem::take(&mut scope.returns);
        results.push((tail, "on the fall-through path".into()));
        let value = join_all(results);
        if plain_call {
            self.memo.insert(f, value.clone());
        }
        value
    }

    fn eval_block(&mut self, block: &syn::Block, scope: &mut Scope) -> Value {
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
        for stmt in &block.stmts {
            last = match stmt {
                syn::Stmt::Local(local) => {
                    let value = local
                        .init
                        .as_ref()
                        .map_or(Value::Opaque, |init| self.eval(&init.expr, scope));
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

    fn loc(&self, scope: &Scope, tokens: &impl ToTokens) -> Loc {
        Loc::of(scope.file, tokens)
    }

    fn unanalyzable(&mut self, at: Loc, message: impl Into<String>) {
        let problem = Unanalyzable {
            at,
            message: message.into(),
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    fn eval(&mut self, expr: &syn::Expr, scope: &mut Scope) -> Value {
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
                let mut inner = scope.clone();
                self.eval_block(&a.block, &mut inner);
                Value::Opaque
            }
            syn::Expr::Tuple(t) => {
                Value::Tuple(t.elems.iter().map(|e| self.eval(e, scope)).collect())
            }
            syn::Expr::Closure(c) => self.closure(c, scope),
            syn::Expr::Call(c) => self.eval_call(c, scope),
            syn::Expr::MethodCall(m) => self.eval_method(m, scope),
            syn::Expr::Macro(m) => self.eval_macro(&m.mac, scope),
            syn::Expr::Assign(a) => {
                let value = self.eval(&a.right, scope);
                if let syn::Expr::Path(p) = &*a.left {
                    if let Some(name) = p.path.get_ident() {
                        scope.vars.insert(name.to_string(), value);
                    }
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
            syn::Expr::ForLoop(f) => self.eval_loop(&f.body, scope, expr),
            syn::Expr::While(w) => self.eval_loop(&w.body, scope, expr),
            syn::Expr::Loop(l) => self.eval_loop(&l.body, scope, expr),
            _ => Value::Opaque,
        }
    }

    fn eval_path(&mut self, path: &syn::Path, scope: &mut Scope) -> Value {
        if let Some(ident) = path.get_ident() {
            if let Some(v) = scope.vars.get(&ident.to_string()) {
                return v.clone();
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
                path: p,
                text: text_of(path),
            },
            _ => Value::Opaque,
        }
    }

    fn resolve(&self, path: &syn::Path, scope: &Scope, ns: Ns) -> Option<Resolved> {
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
        self.index.resolve(scope.module, &segments, ns)
    }

    fn closure(&mut self, c: &syn::ExprClosure, scope: &Scope) -> Value {
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
        let mut then_scope = scope.clone();
        let then_value = self.eval_block(&i.then_branch, &mut then_scope);
        let mut else_scope = scope.clone();
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
        let scrutinee = text_of(&m.expr);
        let mut scopes = Vec::new();
        let mut values = Vec::new();
        for arm in &m.arms {
            let label = format!("when `{scrutinee}` matches `{}`", text_of(&arm.pat));
            let mut arm_scope = scope.clone();
            values.push((self.eval(&arm.body, &mut arm_scope), label.clone()));
            scopes.push((arm_scope, label));
        }
        if scopes.is_empty() {
            return Value::Opaque;
        }
        join_scopes(scope, scopes);
        join_all(values)
    }

    /// A loop that changes a router cannot be unrolled: report it.
    fn eval_loop(&mut self, body: &syn::Block, scope: &mut Scope, whole: &syn::Expr) -> Value {
        let mut inner = scope.clone();
        self.eval_block(body, &mut inner);
        let changed = inner.vars.iter().any(|(name, v)| {
            matches!(v, Value::Router(_) | Value::MethodRouter(_))
                && scope.vars.get(name) != Some(v)
        });
        if changed {
            let at = Loc::of(scope.file, &whole.to_token_stream().into_iter().next());
            self.unanalyzable(
                at,
                "routes are added in a loop; the analysis cannot tell which routes exist",
            );
        }
        Value::Opaque
    }
}

impl Evaluator<'_> {
    fn eval_macro(&mut self, mac: &syn::Macro, scope: &mut Scope) -> Value {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let at = self.loc(scope, mac);
        match name.as_str() {
            "routes" => {
                let Ok(paths) = mac.parse_body_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                ) else {
                    self.unanalyzable(at, "cannot read the handlers of this `routes!` call");
                    return Value::Opaque;
                };
                let mut handlers = Vec::new();
                for path in &paths {
                    match self.resolve(path, scope, Ns::Value) {
                        Some(Resolved::Fn(f)) => handlers.push((f, self.loc(scope, path))),
                        _ => self.unanalyzable(
                            self.loc(scope, path),
                            format!(
                                "`{}` in `routes!` resolves to no handler fn in the workspace",
                                text_of(path)
                            ),
                        ),
                    }
                }
                Value::Routes(handlers)
            }
            "login_required" | "permission_required" | "permission_required_any" => {
                Value::Layer(LayerSpec::Macro {
                    name: format!("{}!", text_of(&mac.path)),
                    text: text_of(mac),
                })
            }
            _ => {
                // `tokio::join!(serve(a), serve(b))`, `vec![..]`: evaluate comma-separated
                // arguments for what they serve; the macro's value stays unknown.
                type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;
                if let Ok(args) = mac.parse_body_with(Args::parse_terminated) {
                    let mut inner = scope.clone();
                    for arg in &args {
                        self.eval(arg, &mut inner);
                    }
                }
                Value::External {
                    path: vec![format!("{name}!")],
                    text: text_of(mac),
                }
            }
        }
    }

    fn eval_call(&mut self, call: &syn::ExprCall, scope: &mut Scope) -> Value {
        let syn::Expr::Path(func) = &*call.func else {
            return Value::Opaque;
        };
        let args: Vec<Value> = call.args.iter().map(|a| self.eval(a, scope)).collect();
        let at = self.loc(scope, call);
        let resolved = self.resolve(&func.path, scope, Ns::Value);
        if let Some(Resolved::Fn(f)) = resolved {
            self.called.insert(f);
            if self.is_router_fn(f) || args.iter().any(is_router_value) {
                return self.call_fn(f, args, None);
            }
            return Value::Opaque;
        }
        // Match well-known constructors by the path they resolve to, so that renames
        // (`use axum::Router as AxRouter`) and aliases (`type AppRouter = Router<S>`) work.
        let segments: Vec<String> = match &resolved {
            Some(Resolved::External(p)) if p.len() >= 2 || func.path.segments.len() == 1 => {
                p.clone()
            }
            _ => func
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect(),
        };
        let last = segments.last().map(String::as_str).unwrap_or_default();
        let owner = segments.len().checked_sub(2).map(|i| segments[i].as_str());
        // `get(h)`, `routing::get(h)`, `axum::routing::get(h)`, but not `Request::get(uri)`.
        let routing_fn = matches!(owner, None | Some("routing" | "method_routing"));
        match (owner, last) {
            (Some("Router" | "OpenApiRouter"), "new" | "default") => {
                Value::Router(RouterValue::default())
            }
            (Some("OpenApiRouter"), "with_openapi") => {
                let docs = call
                    .args
                    .first()
                    .and_then(|a| self.doc_type(a, scope))
                    .into_iter()
                    .collect();
                Value::Router(RouterValue {
                    docs,
                    ..Default::default()
                })
            }
            (Some("MethodRouter"), "new") => Value::MethodRouter(Vec::new()),
            (_, "Ok" | "Some") if args.len() == 1 => {
                args.into_iter().next().unwrap_or(Value::Opaque)
            }
            (_, "serve") if args.len() >= 2 => {
                match &args[1] {
                    Value::Router(r) => self.served.push(r.clone()),
                    // `serve(listener, handler.into_make_service())`: the handler answers every path.
                    Value::Handler {
                        target,
                        layers,
                        at: handler_at,
                    } => {
                        let mut entry =
                            service_entry("ANY", "/{*fallback}", at, &text_of(&call.args[1]));
                        entry.target = target.clone();
                        entry.layers = layers.clone();
                        entry.handler_at = *handler_at;
                        entry.fallback = true;
                        entry.router_fallback = true;
                        self.served.push(RouterValue {
                            entries: vec![entry],
                            ..Default::default()
                        });
                    }
                    // A parameter of a helper evaluated without a caller: its callers are evaluated too.
                    Value::Param => {}
                    _ => self.unanalyzable(
                        at,
                        "the value handed to `serve` is not a router the analysis can follow",
                    ),
                }
                Value::Opaque
            }
            // `get(h)`, `on(MethodFilter::GET, h)`, and their `_service` forms.
            (_, m)
                if routing_fn
                    && matches!(method_fn(m), Some((base, _)) if (base == "on" && args.len() == 2) || (base != "on" && args.len() == 1)) =>
            {
                let (base, service) = method_fn(m).unwrap_or_default();
                let (filter, handler) = if base == "on" {
                    (Some(&call.args[0]), 1)
                } else {
                    (None, 0)
                };
                let methods = filter.map_or_else(|| vec![base.to_string()], filter_methods);
                let entries = methods
                    .iter()
                    .map(|method| {
                        self.method_entry(
                            method,
                            &call.args[handler],
                            &args[handler],
                            scope,
                            service,
                        )
                    })
                    .collect();
                Value::MethodRouter(entries)
            }
            (_, "from_fn" | "map_request" | "from_fn_with_state" | "map_request_with_state") => {
                let f_expr = call.args.last();
                let function = match args.last() {
                    Some(Value::Handler {
                        target: Target::Fn(f),
                        ..
                    }) => Some(*f),
                    _ => None,
                };
                Value::Layer(LayerSpec::MiddlewareFn {
                    constructor: last.to_string(),
                    function,
                    name: f_expr.map(text_of).unwrap_or_default(),
                })
            }
            (_, "from_extractor" | "from_extractor_with_state") => {
                let generic = func.path.segments.last().and_then(|s| match &s.arguments {
                    syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                        syn::GenericArgument::Type(t) => Some(type_ref(t)),
                        _ => None,
                    }),
                    _ => None,
                });
                match generic {
                    Some(ty) => Value::Layer(LayerSpec::FromExtractor {
                        ty,
                        module: scope.module,
                    }),
                    None => Value::Layer(LayerSpec::Unknown {
                        text: text_of(call),
                    }),
                }
            }
            (Some("ServiceBuilder"), "new") => Value::Layer(LayerSpec::Stack(Vec::new())),
            // utoipa's UI crates become routers (`impl From<SwaggerUi> for Router`).
            (Some("SwaggerUi"), "new")
            | (Some("Redoc" | "Scalar"), "with_url")
            | (Some("RapiDoc"), "new" | "with_openapi") => {
                let mut router = RouterValue::default();
                let text = text_of(call);
                if let Some(Value::Str(path)) = args.first() {
                    let ui_paths = match owner {
                        Some("SwaggerUi") if path == "/" => {
                            vec!["/".to_string(), "/{*rest}".to_string()]
                        }
                        Some("SwaggerUi") => {
                            let base = path.trim_end_matches('/');
                            vec![
                                base.to_string(),
                                format!("{base}/"),
                                format!("{base}/{{*rest}}"),
                            ]
                        }
                        // RapiDoc's argument is the spec's URL; its UI path comes from `.path(..)`.
                        Some("RapiDoc") if last == "new" => Vec::new(),
                        _ => vec![path.clone()],
                    };
                    for p in ui_paths {
                        router.entries.push(service_entry("GET", &p, at, &text));
                    }
                }
                Value::Router(router)
            }
            _ => Value::External {
                path: resolved_path(resolved, &segments),
                text: text_of(call),
            },
        }
    }

    /// `ApiDoc::openapi()` -> the resolved path of `ApiDoc`.
    fn doc_type(&self, expr: &syn::Expr, scope: &Scope) -> Option<Vec<String>> {
        let syn::Expr::Call(call) = expr else {
            return None;
        };
        let syn::Expr::Path(p) = &*call.func else {
            return None;
        };
        let segments: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let owner = &segments[..segments.len().checked_sub(1)?];
        match self.index.resolve(scope.module, owner, Ns::Type) {
            Some(r @ Resolved::Type { .. }) => Some(r.full_path(self.index)),
            _ => Some(owner.to_vec()),
        }
    }

    fn method_entry(
        &mut self,
        method: &str,
        expr: &syn::Expr,
        value: &Value,
        scope: &Scope,
        service: bool,
    ) -> Entry {
        let at = self.loc(scope, expr);
        let (target, layers) = if service {
            match value {
                Value::Handler { target, layers, .. } => (target.clone(), layers.clone()),
                _ => (
                    Target::Service {
                        text: text_of(expr),
                    },
                    Vec::new(),
                ),
            }
        } else {
            self.handler_target(expr, value)
        };
        Entry {
            method: method.to_ascii_uppercase(),
            path: String::new(),
            target,
            handler_at: at,
            registered_at: at,
            layers,
            partial_layers: Vec::new(),
            earlier_layers: Vec::new(),
            fallback: false,
            router_fallback: false,
            collected: None,
        }
    }

    fn handler_target(&mut self, expr: &syn::Expr, value: &Value) -> (Target, Vec<Layer>) {
        match value {
            Value::Handler { target, layers, .. } => (target.clone(), layers.clone()),
            Value::External { path, .. } => (
                Target::Unresolved {
                    text: format!("{} (defined outside the analysed crates)", path.join("::")),
                },
                Vec::new(),
            ),
            _ => (
                Target::Unresolved {
                    text: text_of(expr),
                },
                Vec::new(),
            ),
        }
    }
}

impl Evaluator<'_> {
    fn eval_method(&mut self, m: &syn::ExprMethodCall, scope: &mut Scope) -> Value {
        let receiver = self.eval(&m.receiver, scope);
        let name = m.method.to_string();
        let at = Loc::of(scope.file, &m.method);
        let args: Vec<Value> = m.args.iter().map(|a| self.eval(a, scope)).collect();
        match receiver {
            Value::Router(router) => self.router_method(router, &name, m, args, at, scope),
            Value::MethodRouter(entries) => {
                self.method_router_method(entries, &name, m, args, at, scope)
            }
            Value::Handler {
                target,
                mut layers,
                at: h_at,
            } => match name.as_str() {
                "layer" | "route_layer" => {
                    layers.push(self.layer_of(&m.args[0], args.into_iter().next(), at));
                    Value::Handler {
                        target,
                        layers,
                        at: h_at,
                    }
                }
                "with_state" | "clone" | "into_service" | "into_make_service" => Value::Handler {
                    target,
                    layers,
                    at: h_at,
                },
                _ => Value::Opaque,
            },
            Value::Layer(LayerSpec::Stack(mut stack)) => match name.as_str() {
                "layer" => {
                    let layer = self.layer_of(&m.args[0], args.into_iter().next(), at);
                    stack.push(layer.spec);
                    Value::Layer(LayerSpec::Stack(stack))
                }
                "map_request" | "map_request_with_state" => {
                    let function = match args.last() {
                        Some(Value::Handler {
                            target: Target::Fn(f),
                            ..
                        }) => Some(*f),
                        _ => None,
                    };
                    stack.push(LayerSpec::MiddlewareFn {
                        constructor: name.clone(),
                        function,
                        name: m.args.last().map(text_of).unwrap_or_default(),
                    });
                    Value::Layer(LayerSpec::Stack(stack))
                }
                _ => Value::Layer(LayerSpec::Stack(stack)),
            },
            Value::Layer(spec) => Value::Layer(spec),
            Value::Tuple(items) if name == "clone" => Value::Tuple(items),
            Value::External { path, text } => {
                let text = format!("{text}.{name}(..)");
                Value::External {
                    path: path.clone(),
                    text,
                }
            }
            // A method on a caller-supplied value: the callers are evaluated with the real one.
            Value::Param => match self.user_method(&name, args, Value::Param) {
                Value::Opaque => Value::Param,
                other => other,
            },
            Value::Opaque | Value::Str(_) | Value::Tuple(_) | Value::Routes(_) => {
                self.user_method(&name, args, Value::Opaque)
            }
        }
    }

    /// A method of the workspace's own types that builds routers (`app.router()`), found by name.
    fn user_method(&mut self, name: &str, args: Vec<Value>, receiver: Value) -> Value {
        if self.methods.is_none() {
            let mut methods: HashMap<String, Vec<FnId>> = HashMap::new();
            for f in (0..self.index.fns.len()).map(FnId) {
                let item = &self.index.fns[f.0];
                if item.self_type.is_some() && item.has_body && self.is_router_fn(f) {
                    methods.entry(item.name.clone()).or_default().push(f);
                }
            }
            self.methods = Some(methods);
        }
        let candidates = self
            .methods
            .as_ref()
            .and_then(|m| m.get(name))
            .cloned()
            .unwrap_or_default();
        match candidates.as_slice() {
            [f] => {
                self.called.insert(*f);
                self.call_fn(*f, args, Some(receiver))
            }
            _ => Value::Opaque,
        }
    }

    fn router_method(
        &mut self,
        mut router: RouterValue,
        name: &str,
        m: &syn::ExprMethodCall,
        args: Vec<Value>,
        at: Loc,
        scope: &mut Scope,
    ) -> Value {
        // Built from a parameter of a fn evaluated without a caller: the callers are evaluated
        // with the real value, so nothing is known (or wrong) here.
        if args.iter().any(|a| matches!(a, Value::Param)) {
            return Value::Router(router);
        }
        // Using the router as a tower service does not change its routes.
        if matches!(
            name,
            "call" | "oneshot" | "ready" | "poll_ready" | "as_service" | "into_future"
        ) {
            return Value::Opaque;
        }
        let mut args = args.into_iter();
        match name {
            "route" => {
                let (path, mr) = (args.next(), args.next());
                match (path, mr) {
                    (Some(Value::Str(path)), Some(Value::MethodRouter(entries))) => {
                        let path = paths::normalize(&path);
                        for mut e in entries {
                            e.path = path.clone();
                            e.registered_at = at;
                            e.earlier_layers = router.applied.clone();
                            router.entries.push(e);
                        }
                    }
                    (Some(Value::Str(_)), _) => self.unanalyzable(
                        at,
                        format!(
                            "the method router `{}` cannot be followed",
                            text_of(&m.args[1])
                        ),
                    ),
                    _ => self.unanalyzable(
                        at,
                        format!(
                            "the route path `{}` is computed at run time",
                            m.args.first().map(text_of).unwrap_or_default()
                        ),
                    ),
                }
            }
            "route_service" | "nest_service" => match args.next() {
                Some(Value::Str(path)) => {
                    let path = paths::normalize(&path);
                    let service = args.next().unwrap_or(Value::Opaque);
                    let mut entry = service_entry("ANY", &path, at, &text_of(&m.args[1]));
                    if let Value::Handler { target, layers, .. } = service {
                        entry.target = target;
                        entry.layers = layers;
                    }
                    router.entries.push(entry);
                }
                _ => self.unanalyzable(at, "the service path is computed at run time"),
            },
            "nest" => match (args.next(), args.next()) {
                (Some(Value::Str(prefix)), Some(Value::Router(inner))) => {
                    let prefix = paths::normalize(&prefix);
                    for mut e in inner.entries {
                        e.path = paths::join(&prefix, &e.path);
                        router.entries.push(e);
                    }
                    router.docs.extend(inner.docs);
                }
                (Some(Value::Str(_)), _) => self.unanalyzable(
                    at,
                    format!(
                        "the nested router `{}` cannot be followed",
                        text_of(&m.args[1])
                    ),
                ),
                _ => self.unanalyzable(at, "the nest prefix is computed at run time"),
            },
            "merge" => match args.next() {
                Some(Value::Router(inner)) => {
                    if inner.entries.iter().any(is_root_fallback) {
                        router.entries.retain(|e| !is_root_fallback(e));
                    }
                    router.entries.extend(inner.entries);
                    router.docs.extend(inner.docs);
                }
                _ => self.unanalyzable(
                    at,
                    format!(
                        "the merged router `{}` cannot be followed",
                        m.args.first().map(text_of).unwrap_or_default()
                    ),
                ),
            },
            "layer" | "route_layer" => {
                let layer = self.layer_of(&m.args[0], args.next(), at);
                for e in &mut router.entries {
                    if name == "layer" || !e.router_fallback {
                        e.layers.push(layer.clone());
                    }
                }
                router.applied.push(layer);
            }
            "fallback" | "fallback_service" | "method_not_allowed_fallback" => {
                let value = args.next().unwrap_or(Value::Opaque);
                let (target, layers) = if name == "fallback_service" {
                    match value {
                        Value::Handler { target, layers, .. } => (target, layers),
                        _ => (
                            Target::Service {
                                text: text_of(&m.args[0]),
                            },
                            Vec::new(),
                        ),
                    }
                } else {
                    self.handler_target(&m.args[0], &value)
                };
                router.entries.retain(|e| !is_root_fallback(e));
                let handler_at = self.loc(scope, &m.args[0]);
                router.entries.push(Entry {
                    method: "ANY".into(),
                    path: "/{*fallback}".into(),
                    target,
                    handler_at,
                    registered_at: at,
                    layers,
                    partial_layers: Vec::new(),
                    earlier_layers: Vec::new(),
                    fallback: true,
                    router_fallback: true,
                    collected: None,
                });
            }
            "routes" => match args.next() {
                // utoipa-axum builds one method router from all the handlers and registers it at
                // every path they document: each handler answers at each of those paths.
                Some(Value::Routes(handlers)) => {
                    let mut documented = Vec::new();
                    for (f, handler_at) in handlers {
                        match self.index.fns[f.0].utoipa.clone() {
                            Some(doc) => documented.push((f, handler_at, doc)),
                            None => self.unanalyzable(handler_at, format!("`{}` has no `#[utoipa::path]`, so `routes!` cannot register it", self.index.fns[f.0].name)),
                        }
                    }
                    let mut all_paths: Vec<String> = Vec::new();
                    for (_, _, doc) in &documented {
                        let path = doc.full_path().unwrap_or_else(|| "/".into());
                        if !all_paths.contains(&path) {
                            all_paths.push(path);
                        }
                    }
                    for path in &all_paths {
                        for (f, handler_at, doc) in &documented {
                            for method in &doc.methods {
                                router.entries.push(Entry {
                                    method: method.clone(),
                                    path: path.clone(),
                                    target: Target::Fn(*f),
                                    handler_at: *handler_at,
                                    registered_at: at,
                                    layers: Vec::new(),
                                    partial_layers: Vec::new(),
                                    earlier_layers: Vec::new(),
                                    fallback: false,
                                    router_fallback: false,
                                    collected: Some(path.clone()),
                                });
                            }
                        }
                    }
                }
                _ => self.unanalyzable(at, "the handlers given to `routes` cannot be followed"),
            },
            "split_for_parts" => return Value::Tuple(vec![Value::Router(router), Value::Opaque]),
            "with_state"
            | "into_make_service"
            | "into_make_service_with_connect_info"
            | "clone"
            | "into"
            | "into_service"
            | "boxed_clone"
            | "without_v07_checks"
            | "reset_fallback"
            | "into_router" => {
                if name == "reset_fallback" {
                    router.entries.retain(|e| !is_root_fallback(e));
                }
                if name.starts_with("into_make_service") {
                    self.served.push(router.clone());
                }
            }
            "get_openapi" | "get_openapi_mut" | "to_openapi" | "into_openapi" => {
                return Value::Opaque
            }
            // utoipa UI builders (SwaggerUi, RapiDoc): each spec URL and UI path is a GET route.
            "url" | "path" | "external_url_unchecked" => match args.next() {
                Some(Value::Str(path)) => {
                    let path = paths::normalize(&path);
                    router
                        .entries
                        .push(service_entry("GET", &path, at, &text_of(m)));
                }
                _ => self.unanalyzable(
                    at,
                    format!("the path given to `.{name}(..)` is computed at run time"),
                ),
            },
            "urls" | "external_urls" => self.unanalyzable(
                at,
                format!("the paths given to `.{name}(..)` cannot be followed"),
            ),
            // `Config::new(..).basic_auth(BasicAuth { .. })` puts HTTP basic auth in front of the UI.
            "config" if text_of(&m.args[0]).contains("basic_auth") => {
                let layer = Layer {
                    spec: LayerSpec::Constructed {
                        path: vec![
                            "utoipa_swagger_ui".into(),
                            "Config".into(),
                            "basic_auth".into(),
                        ],
                        text: "SwaggerUi basic_auth".into(),
                    },
                    at,
                    text: text_of(&m.args[0]),
                };
                for e in &mut router.entries {
                    e.layers.push(layer.clone());
                }
            }
            "config" => {}
            _ => {
                let value = self.user_method(name, args.collect(), Value::Router(router.clone()));
                if is_router_value(&value) {
                    return value;
                }
                self.unanalyzable(
                    at,
                    format!("`.{name}(..)` on a router is not a method the analysis knows"),
                );
            }
        }
        Value::Router(router)
    }

    fn method_router_method(
        &mut self,
        mut entries: Vec<Entry>,
        name: &str,
        m: &syn::ExprMethodCall,
        args: Vec<Value>,
        at: Loc,
        scope: &mut Scope,
    ) -> Value {
        let base = name.trim_end_matches("_service");
        let arg = args.into_iter().next().unwrap_or(Value::Opaque);
        if METHOD_FNS.contains(&base) && m.args.len() == 1 {
            let entry =
                self.method_entry(base, &m.args[0], &arg, scope, name.ends_with("_service"));
            entries.push(entry);
        } else if name == "on" || name == "on_service" {
            let v = self.eval(&m.args[1], scope);
            for method in filter_methods(&m.args[0]) {
                let entry = self.method_entry(&method, &m.args[1], &v, scope, name == "on_service");
                entries.push(entry);
            }
        } else if name == "layer" || name == "route_layer" {
            let layer = self.layer_of(&m.args[0], Some(arg), at);
            for e in entries
                .iter_mut()
                .filter(|e| name == "layer" || !e.fallback)
            {
                e.layers.push(layer.clone());
            }
        } else if name == "fallback" || name == "fallback_service" {
            let mut entry =
                self.method_entry("any", &m.args[0], &arg, scope, name == "fallback_service");
            entry.fallback = true;
            entries.push(entry);
        } else if name == "merge" {
            if let Value::MethodRouter(other) = arg {
                entries.extend(other);
            } else {
                self.unanalyzable(
                    at,
                    format!(
                        "the merged method router `{}` cannot be followed",
                        text_of(&m.args[0])
                    ),
                );
            }
        } else if !matches!(name, "with_state" | "clone" | "into" | "boxed_clone") {
            self.unanalyzable(
                at,
                format!("`.{name}(..)` on a method router is not a method the analysis knows"),
            );
        }
        Value::MethodRouter(entries)
    }

    fn layer_of(&mut self, expr: &syn::Expr, value: Option<Value>, at: Loc) -> Layer {
        let text = text_of(expr);
        let spec = match value {
            Some(Value::Layer(spec)) => spec,
            Some(Value::External { path, text }) => LayerSpec::Constructed { path, text },
            _ => LayerSpec::Unknown { text: text.clone() },
        };
        Layer { spec, at, text }
    }
}

/// The router's own fallback (a later `.fallback` replaces it; nested ones live under a prefix).
fn is_root_fallback(e: &Entry) -> bool {
    e.router_fallback && e.path == "/{*fallback}"
}

fn is_router_value(v: &Value) -> bool {
    matches!(v, Value::Router(_) | Value::MethodRouter(_))
}

fn resolved_path(resolved: Option<Resolved>, written: &[String]) -> Vec<String> {
    match resolved {
        Some(Resolved::External(p)) => p,
        _ => written.to_vec(),
    }
}

fn service_entry(method: &str, path: &str, at: Loc, text: &str) -> Entry {
    Entry {
        method: method.into(),
        path: path.into(),
        target: Target::Service { text: text.into() },
        handler_at: at,
        registered_at: at,
        layers: Vec::new(),
        partial_layers: Vec::new(),
        earlier_layers: Vec::new(),
        fallback: false,
        router_fallback: false,
        collected: None,
    }
}

/// `get` -> `("get", false)`, `on_service` -> `("on", true)`; `None` for other names.
fn method_fn(name: &str) -> Option<(&str, bool)> {
    let (base, service) = name
        .strip_suffix("_service")
        .map_or((name, false), |b| (b, true));
    (METHOD_FNS.contains(&base) || base == "on").then_some((base, service))
}

/// Binds a pattern to a value: identifiers, `mut`, typed patterns and tuples.
fn bind(scope: &mut Scope, pat: &syn::Pat, value: Value) {
    match pat {
        syn::Pat::Ident(i) => {
            scope.vars.insert(i.ident.to_string(), value);
        }
        syn::Pat::Type(t) => bind(scope, &t.pat, value),
        syn::Pat::Tuple(t) => {
            let values = match value {
                Value::Tuple(v) => v,
                _ => Vec::new(),
            };
            for (i, p) in t.elems.iter().enumerate() {
                bind(scope, p, values.get(i).cloned().unwrap_or(Value::Opaque));
            }
        }
        _ => {}
    }
}

/// Joins the variables of branch scopes back into `scope`.
fn join_scopes(scope: &mut Scope, branches: Vec<(Scope, String)>) {
    let names: BTreeSet<String> = branches
        .iter()
        .flat_map(|(s, _)| s.vars.keys().cloned())
        .collect();
    for name in names {
        let values: Vec<(Value, String)> = branches
            .iter()
            .map(|(s, label)| {
                (
                    s.vars.get(&name).cloned().unwrap_or(Value::Opaque),
                    label.clone(),
                )
            })
            .collect();
        scope.vars.insert(name, join_all(values));
    }
    for (branch, _) in branches {
        for r in branch.returns {
            if !scope.returns.contains(&r) {
                scope.returns.push(r);
            }
        }
    }
}
