//! Collections of routers and loops over them: `vec![..]`, arrays, `Vec::new()` with `push` and
//! `extend`, iterated by `for`, `fold`, `reduce`, `map`, `flat_map` or `for_each`. The loop body
//! (or closure) runs once per element, in order, as the program runs it. A loop over elements the
//! analysis cannot know stays a finding.

use std::collections::BTreeSet;

use quote::ToTokens;

use super::eval::{Evaluator, Value};
use super::join::join_all;
use super::scope::{bind, Scope};

impl Evaluator<'_> {
    /// `for pat in iterable { body }`: the body once per known element.
    pub(super) fn eval_for(&mut self, f: &syn::ExprForLoop, scope: &mut Scope) -> Value {
        match self.eval(&f.expr, scope) {
            Value::List(items) => {
                let bound = pattern_names(&f.pat);
                for item in items {
                    let mut inner = self.fork(scope);
                    bind(&mut inner, &f.pat, item);
                    self.eval_block(&f.body, &mut inner);
                    write_back(scope, inner, &bound);
                }
                Value::Opaque
            }
            _ => self.eval_loop(&f.body, scope, &f.for_token),
        }
    }

    /// A loop whose elements are unknown (`while`, `loop`, `for` over a runtime value): if its
    /// body changes a router or cannot be followed, the routes it adds cannot be known. That is
    /// one finding at the loop (naming what inside could not be followed); the routers keep what
    /// they had, so the routes added before and after it are listed.
    pub(super) fn eval_loop(
        &mut self,
        body: &syn::Block,
        scope: &mut Scope,
        keyword: &impl ToTokens,
    ) -> Value {
        let before = self.problems.len();
        let mut inner = self.fork(scope);
        self.eval_block(body, &mut inner);
        let inside: Vec<_> = self.problems.drain(before..).collect();
        // Only routers that existed before the loop count (a router built afresh in each turn
        // and served there is not added to).
        let changed = inner.vars.iter().any(|(name, v)| {
            matches!(v, Value::Router(_) | Value::MethodRouter(_))
                && scope.vars.get(name).is_some_and(|before| before != v)
        });
        if changed || !inside.is_empty() {
            let at = self.loc(scope, keyword);
            let detail = match inside.first() {
                Some(p) => format!(
                    " (line {}: {}{})",
                    p.at.line,
                    p.message,
                    match inside.len() {
                        1 => String::new(),
                        n => format!(", and {} more", n - 1),
                    }
                ),
                None => String::new(),
            };
            self.unanalyzable(
                at,
                format!("routes are added in a loop over values the analysis cannot know{detail}; the routes added before and after it are listed"),
            );
        }
        Value::Opaque
    }

    /// Methods on a known collection. Returns the collection the receiver holds afterwards
    /// (changed by `push`/`extend`) and the call's value.
    pub(super) fn list_method(
        &mut self,
        items: Vec<Value>,
        name: &str,
        m: &syn::ExprMethodCall,
        args: Vec<Value>,
        scope: &mut Scope,
    ) -> (Option<Vec<Value>>, Value) {
        let mut args = args.into_iter();
        let closure = m.args.first();
        match name {
            "push" | "push_back" => {
                let mut items = items;
                items.push(args.next().unwrap_or(Value::Opaque));
                (Some(items), Value::Opaque)
            }
            "extend" | "extend_from_slice" | "append" => match args.next() {
                Some(Value::List(more)) => {
                    let mut items = items;
                    items.extend(more);
                    (Some(items), Value::Opaque)
                }
                _ => {
                    let at = self.loc(scope, &m.method);
                    self.unanalyzable(
                        at,
                        format!(
                            "the elements `{}` added here cannot be known",
                            super::syntax::text_of(&m.args)
                        ),
                    );
                    (None, Value::Opaque)
                }
            },
            "into_iter" | "iter" | "iter_mut" | "drain" | "clone" | "to_vec" | "collect"
            | "into" | "copied" | "cloned" | "by_ref" | "into_values" => (None, Value::List(items)),
            "rev" => (None, Value::List(items.into_iter().rev().collect())),
            "chain" => match args.next() {
                Some(Value::List(more)) => {
                    let mut items = items;
                    items.extend(more);
                    (None, Value::List(items))
                }
                _ => (None, Value::Opaque),
            },
            "enumerate" => (
                None,
                Value::List(
                    items
                        .into_iter()
                        .map(|v| Value::Tuple(vec![Value::Opaque, v]))
                        .collect(),
                ),
            ),
            "flatten" => (None, flatten(items)),
            "map" | "flat_map" | "for_each" | "inspect" => {
                let Some(f) = closure else {
                    return (None, Value::Opaque);
                };
                let results: Vec<Value> = items
                    .into_iter()
                    .map(|item| self.apply(f, vec![item], scope))
                    .collect();
                match name {
                    "map" => (None, Value::List(results)),
                    "flat_map" => (None, flatten(results)),
                    _ => (None, Value::Opaque),
                }
            }
            "fold" => {
                let Some(f) = m.args.iter().nth(1) else {
                    return (None, Value::Opaque);
                };
                let mut acc = args.next().unwrap_or(Value::Opaque);
                for item in items {
                    acc = self.apply(f, vec![acc, item], scope);
                }
                (None, acc)
            }
            // `Option<T>` of the result: `unwrap`/`unwrap_or_default` on a router are the router.
            "reduce" => {
                let Some(f) = closure else {
                    return (None, Value::Opaque);
                };
                let mut items = items.into_iter();
                let Some(mut acc) = items.next() else {
                    return (None, Value::Opaque);
                };
                for item in items {
                    acc = self.apply(f, vec![acc, item], scope);
                }
                (None, acc)
            }
            "first" | "last" => {
                let item = if name == "first" {
                    items.into_iter().next()
                } else {
                    items.into_iter().last()
                };
                (None, item.unwrap_or(Value::Opaque))
            }
            _ => (None, Value::Opaque),
        }
    }

    /// Calls a closure or fn given as an argument (`|acc, r| acc.merge(r)`, `build_router`) with
    /// `args`; the closure sees the scope it was written in.
    pub(super) fn apply(&mut self, callee: &syn::Expr, args: Vec<Value>, scope: &Scope) -> Value {
        match callee {
            syn::Expr::Closure(c) => {
                let mut inner = self.fork(scope);
                inner.returns = Vec::new();
                let mut args = args.into_iter();
                for pat in &c.inputs {
                    bind(&mut inner, pat, args.next().unwrap_or(Value::Opaque));
                }
                let value = self.eval(&c.body, &mut inner);
                let mut results = std::mem::take(&mut inner.returns);
                results.push((value, "on the fall-through path".into()));
                join_all(results)
            }
            other => {
                let mut inner = self.fork(scope);
                let callee = self.eval(other, &mut inner);
                self.apply_value(other, callee, args, scope)
            }
        }
    }

    /// Calls what a callee expression evaluated to: a workspace fn, or a method named by its
    /// path (`fold(Router::new(), Router::merge)`).
    fn apply_value(
        &mut self,
        callee: &syn::Expr,
        value: Value,
        args: Vec<Value>,
        scope: &Scope,
    ) -> Value {
        match (value, callee) {
            (
                Value::Handler {
                    target: super::model::Target::Fn(f),
                    ..
                },
                _,
            ) => self.call_fn(f, args, None),
            (Value::External { .. }, syn::Expr::Path(p)) => {
                self.method_by_path(&p.path, args, scope)
            }
            _ => Value::Opaque,
        }
    }
}

impl Evaluator<'_> {
    /// `Router::merge(a, b)`: the method named by the path's last segment, called on the first
    /// argument with the others (the call is rebuilt as `arg0.merge(arg1)` over fresh variables,
    /// at the path's place in the source).
    pub(super) fn method_by_path(
        &mut self,
        path: &syn::Path,
        args: Vec<Value>,
        scope: &Scope,
    ) -> Value {
        let Some(method) = path.segments.last().map(|s| s.ident.clone()) else {
            return Value::Opaque;
        };
        if args.is_empty() {
            return Value::Opaque;
        }
        let span = method.span();
        let mut inner = self.fork(scope);
        let names: Vec<syn::Ident> = (0..args.len())
            .map(|i| syn::Ident::new(&format!("arg{i}"), span))
            .collect();
        for (name, value) in names.iter().zip(args) {
            inner.vars.insert(name.to_string(), value);
        }
        let receiver = &names[0];
        let rest = &names[1..];
        let call: syn::ExprMethodCall =
            syn::parse_quote_spanned!(span=> #receiver.#method(#(#rest),*));
        self.eval_method(&call, &mut inner)
    }
}

/// A list of lists as one list (`flatten`, `flat_map`); unknown if an element is not a list.
fn flatten(items: Vec<Value>) -> Value {
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::List(inner) => out.extend(inner),
            _ => return Value::Opaque,
        }
    }
    Value::List(out)
}

/// The names a pattern binds (they are the loop's own, not the enclosing scope's).
fn pattern_names(pat: &syn::Pat) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    collect_names(pat, &mut names);
    names
}

fn collect_names(pat: &syn::Pat, out: &mut BTreeSet<String>) {
    match pat {
        syn::Pat::Ident(i) => {
            out.insert(i.ident.to_string());
        }
        syn::Pat::Type(t) => collect_names(&t.pat, out),
        syn::Pat::Reference(r) => collect_names(&r.pat, out),
        syn::Pat::Paren(p) => collect_names(&p.pat, out),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| collect_names(p, out)),
        _ => {}
    }
}

/// After one run of a loop body: the enclosing scope's variables take the values the body left
/// them with (`app = app.merge(r)`); the loop's own bindings go away.
fn write_back(scope: &mut Scope, inner: Scope, bound: &BTreeSet<String>) {
    for (name, value) in inner.vars {
        if scope.vars.contains_key(&name) && !bound.contains(&name) {
            scope.vars.insert(name, value);
        }
    }
    for r in inner.returns {
        if !scope.returns.contains(&r) {
            scope.returns.push(r);
        }
    }
}
