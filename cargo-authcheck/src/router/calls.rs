//! Calls in router code: constructors (`Router::new()`), method-router fns (`get(h)`), layer
//! constructors (`from_fn`, `from_extractor`), `serve`, and calls of the workspace's own fns.

use super::eval::{
    is_router_value, method_fn, method_fn_arity, resolved_path, service_entry, Evaluator, Value,
};
use super::model::*;
use super::scope::Scope;
use super::syntax::{filter_methods, text_of};
use crate::index::extract::type_ref;
use crate::index::{Name, Ns, Resolved};

impl Evaluator<'_> {
    pub(super) fn eval_call(&mut self, call: &syn::ExprCall, scope: &mut Scope) -> Value {
        let syn::Expr::Path(func) = &*call.func else {
            return Value::Opaque;
        };
        let mut args: Vec<Value> = call.args.iter().map(|a| self.eval(a, scope)).collect();
        let at = self.loc(scope, call);
        // A fn declared in an enclosing body (`fn api() -> Router { fn v1() -> Router {..} .. }`).
        let declared_here =
            func.path
                .get_ident()
                .and_then(|name| match scope.vars.get(&name.to_string()) {
                    Some(Value::Handler {
                        target: Target::Fn(f),
                        ..
                    }) => Some(Resolved::Fn(*f)),
                    _ => None,
                });
        let resolved = declared_here.or_else(|| self.resolve(&func.path, scope, Ns::Value));
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
                p.iter().map(Name::to_string).collect()
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
            (Some("Router" | "OpenApiRouter" | "ApiRouter"), "new" | "default") => {
                self.built_at.get_or_insert(at);
                Value::Router(RouterValue::default())
            }
            (Some("Vec" | "VecDeque" | "SmallVec"), "new" | "with_capacity" | "default") => {
                Value::List(Vec::new())
            }
            (Some("Vec" | "VecDeque"), "from") => match args.into_iter().next() {
                Some(list @ Value::List(_)) => list,
                _ => Value::Opaque,
            },
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
                // Moved out, as `serve` takes it: a copy would double the largest router.
                match &mut args[1] {
                    Value::Router(r) => self.serve_router(std::mem::take(r), at),
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
                        self.serve_router(
                            RouterValue {
                                entries: vec![entry],
                                ..Default::default()
                            },
                            at,
                        );
                    }
                    // A parameter of a helper evaluated without a caller: its callers are evaluated too.
                    Value::Param => {}
                    _ => {
                        self.serve_sites.push(at);
                        self.unanalyzable(
                            at,
                            "the value handed to `serve` is not a router the analysis can follow",
                        )
                    }
                }
                Value::Opaque
            }
            // `get(h)`, `on(MethodFilter::GET, h)`, and their `_service` forms.
            (_, m) if routing_fn && method_fn(m).is_some() && args.len() == method_fn_arity(m) => {
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
            // `Router::merge(a, b)`: a router method called by its path.
            (Some("Router" | "ApiRouter" | "OpenApiRouter" | "MethodRouter"), _)
                if args.first().is_some_and(is_router_value) =>
            {
                self.method_by_path(&func.path, args, scope)
            }
            _ => self
                .external_call(owner, last, call, &args, scope)
                .unwrap_or_else(|| Value::External {
                    path: resolved_path(resolved, &segments),
                    text: text_of(call),
                }),
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
        match self.lookup(scope.module, owner, Ns::Type) {
            Some(r @ Resolved::Type { .. }) => Some(r.full_path(self.index)),
            _ => Some(owner.to_vec()),
        }
    }

    pub(super) fn method_entry(
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
            layers,
            ..Entry::new(method.to_ascii_uppercase(), String::new(), target, at, at)
        }
    }

    pub(super) fn handler_target(
        &mut self,
        expr: &syn::Expr,
        value: &Value,
    ) -> (Target, Vec<Layer>) {
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
