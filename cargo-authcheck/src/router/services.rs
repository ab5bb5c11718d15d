//! Routers used as tower services. A router is served when it is handed to `serve`, driven as a
//! service (`.call(req)`, `.oneshot(req)`, `.ready()`), turned into a make-service, returned from
//! `main` (shuttle and similar runtimes serve it), or handed to any other code outside the
//! workspace (`serve_connection(io, svc)`). Wrappers that keep it a service of the same routes
//! (`Shared::new`, `NormalizePath::trim_trailing_slash`, `TowerToHyperService::new`, `Arc::new`)
//! give the router back, and layers applied to the service (`ServiceBuilder::new().layer(L)
//! .service(app)`, `L.layer(app)`) cover every route, as `Router::layer` does. Closures handed to
//! code outside the workspace (`service_fn(|req| app.clone().oneshot(req))`) are run for what they
//! serve.

use super::eval::{Evaluator, Value};
use super::model::*;
use super::scope::Scope;
use super::syntax::text_of;
use crate::source::Loc;

/// `(owner, fn)` of calls outside the workspace that return their router argument as a service
/// with the same routes.
const WRAPPERS: &[(&str, &str)] = &[
    ("Shared", "new"),
    ("NormalizePath", "trim_trailing_slash"),
    ("NormalizePath", "append_trailing_slash"),
    ("NormalizePath", "new"),
    ("TowerToHyperService", "new"),
    ("Arc", "new"),
    ("Rc", "new"),
    ("Box", "new"),
    ("Mutex", "new"),
    ("RwLock", "new"),
];

/// Methods that drive a router as a service: the router is served.
pub(super) const SERVICE_USES: &[&str] =
    &["call", "oneshot", "ready", "ready_oneshot", "poll_ready"];

impl Evaluator<'_> {
    /// A router reaches code that serves it.
    pub(super) fn serve_router(&mut self, router: RouterValue, at: Loc) {
        self.serve_sites.push(at);
        self.served.push(router);
    }

    /// A call of a fn outside the workspace (`owner::name(args)`), once the well-known router
    /// constructors are ruled out: a wrapper gives its router back, a router argument anywhere
    /// else is served, and closure arguments run for what they serve. `None`: nothing of the
    /// kind, the call makes an outside value.
    pub(super) fn external_call(
        &mut self,
        owner: Option<&str>,
        name: &str,
        call: &syn::ExprCall,
        args: &[Value],
        scope: &Scope,
    ) -> Option<Value> {
        let at = self.loc(scope, call);
        let router_arg = args.iter().find_map(|a| match a {
            Value::Router(r) => Some(r.clone()),
            _ => None,
        });
        if let Some(router) = router_arg {
            if WRAPPERS.contains(&(owner.unwrap_or_default(), name)) {
                return Some(Value::Router(router));
            }
            // `ServiceExt::<Request>::into_make_service(app)` is still the router, as a service.
            let make_service = name.starts_with("into_make_service");
            self.serve_router(router.clone(), at);
            return Some(if make_service {
                Value::Router(router)
            } else {
                Value::Opaque
            });
        }
        self.run_closures(&call.args, scope);
        None
    }

    /// A method called on something from outside the workspace (`builder.serve_connection(io,
    /// svc)`, `listener.serve(app)`): router arguments are served, closures run.
    pub(super) fn external_method(
        &mut self,
        m: &syn::ExprMethodCall,
        args: &[Value],
        scope: &Scope,
    ) {
        let at = self.loc(scope, &m.method);
        for arg in args {
            if let Value::Router(router) = arg {
                self.serve_router(router.clone(), at);
            }
        }
        self.run_closures(&m.args, scope);
    }

    /// Runs the closures among `args` with unknown arguments, for what they serve.
    fn run_closures<'e>(&mut self, args: impl IntoIterator<Item = &'e syn::Expr>, scope: &Scope) {
        for arg in args {
            if let syn::Expr::Closure(_) = arg {
                self.apply(arg, Vec::new(), scope);
            }
        }
    }

    /// `ServiceBuilder::new().layer(a).service(app)` and `layer.layer(app)`: the layers cover every
    /// route of the router, outermost.
    pub(super) fn layered_service(
        &mut self,
        spec: LayerSpec,
        m: &syn::ExprMethodCall,
        router: RouterValue,
        at: Loc,
    ) -> Value {
        let layer = Layer::new(spec, at, text_of(&m.receiver));
        let mut router = router;
        for e in &mut router.entries {
            e.layers.push(layer.clone());
        }
        router.applied.push(layer);
        Value::Router(router)
    }
}
