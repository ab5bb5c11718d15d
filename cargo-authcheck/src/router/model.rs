//! The router model: what a router value contains while code is evaluated, and the final route
//! table. Plain data; how layers and extractors authenticate is decided later by `auth`.

use std::sync::Arc;

use crate::index::{FnId, ModuleId, Param, TypeRef};
use crate::source::Loc;

/// A middleware layer as written, before anyone decides whether it authenticates.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LayerSpec {
    /// `from_fn(f)`, `from_fn_with_state(s, f)`, `map_request(f)`, `map_request_with_state(s, f)`.
    MiddlewareFn {
        constructor: String,
        function: Option<FnId>,
        name: String,
    },
    /// `from_extractor::<A>()` / `from_extractor_with_state::<A, _>(s)`.
    FromExtractor { ty: TypeRef, module: ModuleId },
    /// A layer value built by a constructor or literal: its path (`tower_http::..::ValidateRequestHeaderLayer::bearer`).
    Constructed { path: Vec<String>, text: String },
    /// A layer produced by a macro (`login_required!(..)`).
    Macro { name: String, text: String },
    /// `ServiceBuilder::new().layer(a).layer(b)`.
    Stack(Vec<LayerSpec>),
    /// After an `if`/`match`: each branch (where the route exists) applied different layers.
    /// It authenticates only if every branch's layers do.
    Branches(Vec<(String, Vec<LayerSpec>)>),
    /// Something the analysis cannot see into (not authentication).
    Unknown { text: String },
}

/// A layer applied at a place in the code. Shared: a layer covers every route of its router and
/// each route holds it, so a copy is a reference, not a copy of its texts (25,410 routes of one
/// generated workspace held 6 MB of copies). The cache stores each once (`router::stored`).
#[derive(Clone, Debug, PartialEq)]
pub struct Layer(Arc<AppliedLayer>);

/// What a [`Layer`] is.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AppliedLayer {
    pub spec: LayerSpec,
    /// The call that applied it (`.layer(`, `.route_layer(`).
    pub at: Loc,
    pub text: String,
}

impl Layer {
    pub fn new(spec: LayerSpec, at: Loc, text: String) -> Layer {
        Layer(Arc::new(AppliedLayer { spec, at, text }))
    }

    /// Which application of a layer this is: the same for every route it covers, different
    /// from every other layer alive (for memos of what was worked out about it).
    pub fn identity(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }
}

impl std::ops::Deref for Layer {
    type Target = AppliedLayer;
    fn deref(&self) -> &AppliedLayer {
        &self.0
    }
}

/// What serves a route.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Target {
    Fn(FnId),
    Closure {
        params: Vec<Param>,
        module: ModuleId,
    },
    Service {
        text: String,
    },
    /// A redirect a library adds next to a route (axum-extra's `route_with_tsr`: the path with
    /// or without its trailing slash answers a permanent redirect to the route).
    Redirect {
        to: String,
    },
    /// A handler expression that resolves to no definition the analysis can read.
    Unresolved {
        text: String,
    },
}

/// A layer that covers a route on some paths through the code but not all.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialLayer {
    pub layer: Layer,
    /// e.g. "when `cfg.lockdown` is true"
    pub condition: String,
}

/// One route (or fallback) of a router.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Upper case; `ANY` for `any`, services and fallbacks.
    pub method: String,
    pub path: String,
    pub target: Target,
    /// Where the handler expression is written.
    pub handler_at: Loc,
    /// Where the route was registered (the `.route(` / `.fallback(` call).
    pub registered_at: Loc,
    /// Layers covering it on every path through the code, innermost first.
    pub layers: Vec<Layer>,
    pub partial_layers: Vec<PartialLayer>,
    /// Layers the same router received before this route was added (they do not cover it).
    pub earlier_layers: Vec<Layer>,
    pub fallback: bool,
    /// Whether it is a router-level fallback (`Router::fallback`, also once nested): a
    /// `route_layer` never covers it, and a later `.fallback` replaces the router's own.
    pub router_fallback: bool,
    /// Registered through utoipa-axum's `routes!` (and so in that router's OpenAPI document): the
    /// path it was registered at before any nest prefix.
    pub collected: Option<String>,
}

impl Entry {
    /// A route with no layer on it yet, as `.route(..)` registers it.
    pub fn new(
        method: String,
        path: String,
        target: Target,
        handler_at: Loc,
        registered_at: Loc,
    ) -> Entry {
        Entry {
            method,
            path,
            target,
            handler_at,
            registered_at,
            layers: Vec::new(),
            partial_layers: Vec::new(),
            earlier_layers: Vec::new(),
            fallback: false,
            router_fallback: false,
            collected: None,
        }
    }

    /// The identity of a route across branches and roots: the same method, path and handler is
    /// the same route, wherever each branch registered it.
    pub fn key(&self) -> (&str, &str, bool, &Target) {
        (&self.method, &self.path, self.fallback, &self.target)
    }
}

/// A router value: its entries and the OpenAPI documents joined to it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouterValue {
    pub entries: Vec<Entry>,
    /// `OpenApiRouter::with_openapi(Doc::openapi())`: the document types, resolved paths.
    pub docs: Vec<Vec<String>>,
    /// Layers applied to this router so far (routes added later are not covered by them).
    pub applied: Vec<Layer>,
}

/// A place the analysis could not follow: reported, never skipped.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unanalyzable {
    pub at: Loc,
    pub message: String,
}

/// The served routes of the selected crates (stored in the cache as `router::stored` says).
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    pub entries: Vec<Entry>,
    pub unanalyzable: Vec<Unanalyzable>,
    /// Files the evaluator read that do not parse (syntax errors the indexer did not see).
    pub parse_problems: Vec<crate::index::ParseProblem>,
    /// Fns that some router registers (for `doc-unrouted`).
    pub routed_fns: Vec<FnId>,
    pub docs: Vec<Vec<String>>,
}
