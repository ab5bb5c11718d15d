//! Method calls in router code: on method routers (`get(a).post(b).layer(L)`), handlers
//! (`h.layer(L)`), `ServiceBuilder` stacks, and the workspace's own router-building methods.

use rustc_hash::FxHashMap;

use super::eval::{Evaluator, Value, METHOD_FNS};
use super::model::*;
use super::scope::Scope;
use super::syntax::{filter_methods, text_of};
use crate::index::{FnId, Name};
use crate::source::Loc;

impl Evaluator<'_> {
    pub(super) fn eval_method(&mut self, m: &syn::ExprMethodCall, scope: &mut Scope) -> Value {
        let receiver = self.eval(&m.receiver, scope);
        let name = m.method.to_string();
        let at = self.loc(scope, &m.method);
        let args: Vec<Value> = m.args.iter().map(|a| self.eval(a, scope)).collect();
        match receiver {
            Value::Router(router) => self.router_method(router, &name, m, args, at, scope),
            Value::List(items) => {
                let (changed, value) = self.list_method(items, &name, m, args, scope);
                // `routers.push(r)`: the variable holds the longer list from now on.
                if let (Some(items), syn::Expr::Path(p)) = (changed, &*m.receiver) {
                    if let Some(var) = p.path.get_ident() {
                        scope.vars.insert(var.to_string(), Value::List(items));
                    }
                }
                value
            }
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
            // `ServiceBuilder::new().layer(a).service(app)`, `layer.layer(app)`
            Value::Layer(spec)
                if matches!(name.as_str(), "service" | "layer")
                    && matches!(args.first(), Some(Value::Router(_))) =>
            {
                let Some(Value::Router(router)) = args.into_iter().next() else {
                    return Value::Opaque;
                };
                self.layered_service(spec, m, router, at)
            }
            Value::Layer(LayerSpec::Stack(mut stack)) => match name.as_str() {
                "layer" => {
                    stack.push(layer_spec(&m.args[0], args.into_iter().next()));
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
                self.external_method(m, &args, scope);
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
            // `Urls::Login.as_ref()`: the enum's own method, given the variant as `self`.
            Value::Variant { krate, ref ty, .. } => match self.index.assoc_fn(krate, ty, &name) {
                Some(f) => self.call_fn(f, args, Some(receiver)),
                None => self.user_method(&name, args, Value::Opaque),
            },
            Value::Opaque | Value::Str(_) | Value::Tuple(_) | Value::Routes(_) => {
                self.user_method(&name, args, Value::Opaque)
            }
        }
    }

    /// A method of the workspace's own types that builds routers (`app.router()`), found by name.
    pub(super) fn user_method(&mut self, name: &str, args: Vec<Value>, receiver: Value) -> Value {
        if self.methods.is_none() {
            let mut methods: FxHashMap<Name, Vec<FnId>> = FxHashMap::default();
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

    pub(super) fn method_router_method(
        &mut self,
        mut entries: Vec<Entry>,
        name: &str,
        m: &syn::ExprMethodCall,
        args: Vec<Value>,
        at: Loc,
        scope: &mut Scope,
    ) -> Value {
        let base = name.trim_end_matches("_with").trim_end_matches("_service");
        let arg = args.into_iter().next().unwrap_or(Value::Opaque);
        if METHOD_FNS.contains(&base) && m.args.len() == super::eval::method_fn_arity(name) {
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

    pub(super) fn layer_of(&mut self, expr: &syn::Expr, value: Option<Value>, at: Loc) -> Layer {
        Layer::new(layer_spec(expr, value), at, text_of(expr))
    }
}

/// What the layer written as `expr`, evaluated to `value`, is.
fn layer_spec(expr: &syn::Expr, value: Option<Value>) -> LayerSpec {
    match value {
        Some(Value::Layer(spec)) => spec,
        Some(Value::External { path, text }) => LayerSpec::Constructed { path, text },
        _ => LayerSpec::Unknown {
            text: text_of(expr),
        },
    }
}
