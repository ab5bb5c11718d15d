//! Methods on a router value, with axum 0.8's rules: `route`, `nest`, `merge`, `layer`,
//! `route_layer`, fallbacks, services, utoipa-axum's `routes`, utoipa's UI routers.

use super::eval::{is_router_value, service_entry, Evaluator, Value};
use super::model::*;
use super::paths;
use super::scope::Scope;
use super::syntax::text_of;
use crate::source::Loc;

/// The most routes one router value holds; real applications have a few thousand at most.
const MAX_ROUTER_ENTRIES: usize = 100_000;

impl Evaluator<'_> {
    pub(super) fn router_method(
        &mut self,
        mut router: RouterValue,
        name: &str,
        m: &syn::ExprMethodCall,
        args: Vec<Value>,
        at: Loc,
        scope: &mut Scope,
    ) -> Value {
        // Driving the router as a tower service serves it (whatever the request is).
        if super::services::SERVICE_USES.contains(&name) {
            self.serve_router(router, at);
            return Value::Opaque;
        }
        // Built from a parameter of a fn evaluated without a caller: the callers are evaluated
        // with the real value, so nothing is known (or wrong) here.
        if args.iter().any(|a| matches!(a, Value::Param)) {
            return Value::Router(router);
        }
        let mut args = args.into_iter();
        match name {
            // aide's `ApiRouter` documents what it routes; axum-extra's `_tsr` forms add a
            // redirect for the path with or without its trailing slash.
            "route" | "api_route" | "api_route_with" | "route_with_tsr" | "api_route_with_tsr"
            | "api_route_with_tsr_and" => {
                let (path, mr) = (args.next(), args.next());
                match (path, mr) {
                    (Some(Value::Str(path)), Some(Value::MethodRouter(entries))) => {
                        let path = paths::normalize(&path);
                        let redirect = name.contains("_tsr").then(|| tsr_redirect(&path, at));
                        for mut e in entries.into_iter().chain(redirect) {
                            if e.path.is_empty() {
                                e.path = path.clone();
                            }
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
            // `nest_service(path, router)` and aide's `nest_api_service` serve the router's
            // routes under the prefix, as `nest` does.
            "nest_service" | "nest_api_service"
                if matches!(args.as_slice().get(1), Some(Value::Router(_))) =>
            {
                let (prefix, inner) = (args.next(), args.next());
                self.nest_router(&mut router, prefix, inner, m, at);
            }
            "route_service" | "nest_service" | "route_service_with_tsr" => match args.next() {
                Some(Value::Str(path)) => {
                    let path = paths::normalize(&path);
                    let entries = match args.next().unwrap_or(Value::Opaque) {
                        // A method router served as a service dispatches by method as it does
                        // under `route`, its route layers with it (`get_service(ServeDir::new(
                        // ..)).route_layer(auth)` nested at `/docs`).
                        Value::MethodRouter(entries) => entries,
                        service => {
                            let mut entry =
                                service_entry("ANY", &path, at, &text_of(&m.args[1]));
                            if let Value::Handler { target, layers, .. } = service {
                                entry.target = target;
                                entry.layers = layers;
                            }
                            vec![entry]
                        }
                    };
                    for mut e in entries {
                        if e.path.is_empty() {
                            e.path = path.clone();
                        }
                        e.registered_at = at;
                        e.earlier_layers = router.applied.clone();
                        router.entries.push(e);
                    }
                    if name == "route_service_with_tsr" {
                        router.entries.push(tsr_redirect(&path, at));
                    }
                }
                _ => self.unanalyzable(at, "the service path is computed at run time"),
            },
            "nest" => {
                let (prefix, inner) = (args.next(), args.next());
                self.nest_router(&mut router, prefix, inner, m, at);
            }
            // axum-extra's typed routing: the path is the `#[typed_path]` of the handler's first
            // argument (`typed_get(h)`, aide's `typed_get_with(h, transform)`).
            typed if typed.starts_with("typed_") => {
                let method = typed
                    .trim_start_matches("typed_")
                    .trim_end_matches("_with");
                match args.next() {
                    Some(handler @ Value::Handler { .. }) => {
                        self.typed_route(&mut router, method, handler, m, at)
                    }
                    _ => self.unanalyzable(
                        at,
                        format!(
                            "the handler `{}` of this typed route cannot be followed",
                            m.args.first().map(text_of).unwrap_or_default()
                        ),
                    ),
                }
            }
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
                    layers,
                    fallback: true,
                    router_fallback: true,
                    ..Entry::new("ANY".into(), "/{*fallback}".into(), target, handler_at, at)
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
                                    collected: Some(path.clone()),
                                    ..Entry::new(
                                        method.clone(),
                                        path.clone(),
                                        Target::Fn(*f),
                                        *handler_at,
                                        at,
                                    )
                                });
                            }
                        }
                    }
                }
                _ => self.unanalyzable(at, "the handlers given to `routes` cannot be followed"),
            },
            "split_for_parts" => return Value::Tuple(vec![Value::Router(router), Value::Opaque]),
            // aide: the documented router becomes an axum `Router`; docs-only entries add no route.
            "finish_api" | "finish_api_with" | "api_route_docs" | "api_route_docs_with"
            | "with_path_items" => {}
            "with_state"
            | "into_make_service"
            | "into_make_service_with_connect_info"
            | "clone"
            | "into"
            | "into_service"
            | "boxed_clone"
            | "without_v07_checks"
            | "reset_fallback"
            | "into_router"
            // `Option<Router>` from `reduce`, `Result<Router, _>` from a fallible builder.
            | "unwrap"
            | "expect"
            | "unwrap_or_default"
            | "unwrap_or"
            | "unwrap_or_else"
            | "as_service"
            | "boxed" => {
                if name == "reset_fallback" {
                    router.entries.retain(|e| !is_root_fallback(e));
                }
                if name.starts_with("into_make_service") {
                    self.serve_router(router.clone(), at);
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
                let spec = LayerSpec::Constructed {
                    path: vec![
                        "utoipa_swagger_ui".into(),
                        "Config".into(),
                        "basic_auth".into(),
                    ],
                    text: "SwaggerUi basic_auth".into(),
                };
                let layer = Layer::new(spec, at, text_of(&m.args[0]));
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
        if router.entries.len() > MAX_ROUTER_ENTRIES {
            router.entries.truncate(MAX_ROUTER_ENTRIES);
            self.unanalyzable(
                at,
                format!("this router has more than {MAX_ROUTER_ENTRIES} routes here (is the same router merged into itself over and over?); the analysis stops adding to it"),
            );
        }
        Value::Router(router)
    }
}

impl Evaluator<'_> {
    /// `nest(prefix, inner)`: the inner router's routes under the prefix, with their layers.
    fn nest_router(
        &mut self,
        router: &mut RouterValue,
        prefix: Option<Value>,
        inner: Option<Value>,
        m: &syn::ExprMethodCall,
        at: Loc,
    ) {
        match (prefix, inner) {
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
                    m.args.iter().nth(1).map(text_of).unwrap_or_default()
                ),
            ),
            _ => self.unanalyzable(at, "the nest prefix is computed at run time"),
        }
    }

    /// `typed_get(h)`: a route at the `#[typed_path]` of the handler's first argument.
    fn typed_route(
        &mut self,
        router: &mut RouterValue,
        method: &str,
        handler: Value,
        m: &syn::ExprMethodCall,
        at: Loc,
    ) {
        let Value::Handler {
            target,
            layers,
            at: handler_at,
        } = handler
        else {
            return;
        };
        let index = self.index;
        if let Target::Fn(f) = &target {
            self.params_read.insert(*f);
        }
        let first_param = match &target {
            Target::Fn(f) => index.fns[f.0]
                .params
                .read()
                .into_iter()
                .next()
                .map(|p| (index.module_of(*f), p.ty)),
            Target::Closure { params, module } => params.first().map(|p| (*module, p.ty.clone())),
            _ => None,
        };
        let path = first_param.and_then(|(module, ty)| match self.lookup_type(module, &ty) {
            Some(crate::index::Resolved::Type { module, name }) => {
                index.typed_paths.get(&(module, name)).cloned()
            }
            _ => None,
        });
        let Some(path) = path else {
            self.unanalyzable(
                at,
                format!(
                    "the first argument of `{}` is not a `#[typed_path]` struct of the workspace, so the route's path is unknown",
                    m.args.first().map(text_of).unwrap_or_default()
                ),
            );
            return;
        };
        router.entries.push(Entry {
            layers,
            earlier_layers: router.applied.clone(),
            ..Entry::new(
                method.to_ascii_uppercase(),
                paths::normalize(&path),
                target,
                handler_at,
                at,
            )
        });
    }
}

/// The router's own fallback (a later `.fallback` replaces it; nested ones live under a prefix).
fn is_root_fallback(e: &Entry) -> bool {
    e.router_fallback && e.path == "/{*fallback}"
}

/// The redirect `route_with_tsr` adds (axum-extra 0.12): the path with its trailing slash
/// toggled, for any method, answering a permanent redirect to the route.
fn tsr_redirect(path: &str, at: Loc) -> Entry {
    let other = match path.strip_suffix('/') {
        Some(without) if !without.is_empty() => without.to_string(),
        _ => format!("{path}/"),
    };
    let mut entry = service_entry("ANY", &other, at, "route_with_tsr redirect");
    entry.target = Target::Redirect {
        to: path.to_string(),
    };
    entry
}
