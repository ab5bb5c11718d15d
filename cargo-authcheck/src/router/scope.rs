//! The variables of router code: a fn's scope, the copies its branches, closures and loop turns
//! work on and their join, patterns bound to values, and when reading a variable moves its value
//! instead of copying it (a router copied at every step would make evaluation quadratic).

use std::collections::BTreeSet;

use quote::ToTokens;
use rustc_hash::FxHashMap;

use super::eval::{weight, Evaluator, Value};
use super::join::join_all;
use crate::index::{ModuleId, Name};
use crate::source::FileId;

/// Local variables and the context names resolve in.
#[derive(Clone)]
pub(super) struct Scope {
    pub(super) vars: FxHashMap<String, Value>,
    /// A variable whose next read moves its value out instead of copying it (see
    /// [`moved_receiver`]).
    pub(super) moving: Option<String>,
    /// Variables whose one read moves their value out: they are named once in the last
    /// statement of the fn's body, so nothing reads them after it (see [`Evaluator::eval_body`]).
    pub(super) last_uses: Vec<String>,
    pub(super) module: ModuleId,
    pub(super) self_type: Option<Name>,
    pub(super) file: FileId,
    /// How many lines of `file` precede the text its tree was parsed from (see
    /// [`super::trees::Tree`]); [`Evaluator::loc`] adds them.
    pub(super) lines_before: usize,
    pub(super) returns: Vec<(Value, String)>,
}

/// How a read took a variable's value out of its scope instead of copying it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    /// `x = x.route(..)`: the old value grows into the new one ([`moved_receiver`]).
    Reassigned,
    /// The last statement of the fn's body names it once ([`read_once_in`]).
    LastUse,
}

impl Scope {
    /// The value of `name` when this read moves it out (see [`Move`]); `None` when it copies.
    pub(super) fn take_moved(&mut self, name: &syn::Ident) -> Option<(Value, Move)> {
        let how = if self.moving.as_ref().is_some_and(|m| name == m) {
            self.moving = None;
            Move::Reassigned
        } else if let Some(i) = self.last_uses.iter().position(|m| name == m) {
            self.last_uses.swap_remove(i);
            Move::LastUse
        } else {
            return None;
        };
        self.vars.remove(&name.to_string()).map(|v| (v, how))
    }
}

impl Evaluator<'_> {
    /// The value of `expr`, about to be stored in `name` (`x = expr` or `let x = expr`): when
    /// `expr` grows the old value of `name` ([`moved_receiver`]), that value is moved into it.
    pub(super) fn eval_reassigning(
        &mut self,
        name: &syn::Ident,
        expr: &syn::Expr,
        scope: &mut Scope,
    ) -> Value {
        if moved_receiver(expr).is_some_and(|r| r == name) {
            scope.moving = Some(name.to_string());
        }
        let value = self.eval(expr, scope);
        scope.moving = None;
        value
    }

    /// A copy of `scope` for a branch, a closure or a loop turn; the routes it copies count as
    /// work.
    pub(super) fn fork(&mut self, scope: &Scope) -> Scope {
        self.steps += scope.vars.values().map(weight).sum::<usize>();
        // Moves are for the fn's own scope: code evaluated on a copy (a branch, a closure call, a
        // loop turn) may be evaluated more than once, and copies what it reads.
        Scope {
            last_uses: Vec::new(),
            ..scope.clone()
        }
    }
}

/// Binds a pattern to a value: identifiers, `mut`, typed patterns and tuples.
pub(super) fn bind(scope: &mut Scope, pat: &syn::Pat, value: Value) {
    match pat {
        syn::Pat::Ident(i) => {
            scope.vars.insert(i.ident.to_string(), value);
        }
        syn::Pat::Type(t) => bind(scope, &t.pat, value),
        syn::Pat::Reference(r) => bind(scope, &r.pat, value),
        syn::Pat::Paren(p) => bind(scope, &p.pat, value),
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
pub(super) fn join_scopes(scope: &mut Scope, branches: Vec<(Scope, String)>) {
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

/// The variable a method chain starts from and grows (`x.nest(..).layer(..)`), when none of the
/// chain's arguments names it: its old value can be moved into the chain instead of copied (a
/// router grown by `app = app.route(..)` step after step would be copied whole at every step).
fn moved_receiver(expr: &syn::Expr) -> Option<&syn::Ident> {
    let mut e = expr;
    let mut args = Vec::new();
    while let syn::Expr::MethodCall(m) = e {
        args.extend(m.args.iter());
        e = &m.receiver;
    }
    let syn::Expr::Path(p) = e else { return None };
    let name = p.path.get_ident()?;
    let named_again = args.iter().any(|a| names(a.to_token_stream(), name));
    (!args.is_empty() && !named_again).then_some(name)
}

/// Whether `tokens` hold the identifier `name` anywhere (in groups too).
fn names(tokens: proc_macro2::TokenStream, name: &syn::Ident) -> bool {
    let name = name.to_string();
    let mut counts = [(name.as_str(), 0)];
    count_names(tokens, &mut counts);
    counts[0].1 > 0
}

/// Adds to each name's count the times `tokens` hold it (in groups too).
fn count_names(tokens: proc_macro2::TokenStream, counts: &mut [(&str, usize)]) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Ident(i) => {
                if let Some((_, n)) = counts.iter_mut().find(|(name, _)| i == name) {
                    *n += 1;
                }
            }
            proc_macro2::TokenTree::Group(g) => count_names(g.stream(), counts),
            _ => {}
        }
    }
}

/// The variables holding routes that `stmt` names exactly once: read there for the last time.
/// (Only those holding routes are looked for, in one walk of the statement's tokens.)
pub(super) fn read_once_in(stmt: &syn::Stmt, scope: &Scope) -> Vec<String> {
    let mut counts: Vec<(&str, usize)> = scope
        .vars
        .iter()
        .filter(|(_, v)| weight(v) > 0)
        .map(|(name, _)| (name.as_str(), 0))
        .collect();
    if counts.is_empty() {
        return Vec::new();
    }
    count_names(stmt.to_token_stream(), &mut counts);
    counts
        .into_iter()
        .filter(|&(_, n)| n == 1)
        .map(|(name, _)| name.to_string())
        .collect()
}
