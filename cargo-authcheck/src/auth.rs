//! The auth stage: gives every route exactly one class (extractor, layer, public, allowlisted,
//! none) with its evidence, and the near misses that explain why an unprotected route is not
//! protected (`Option<RequireAuth>`, a conditional layer, a layer added before the route).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;

use crate::config::Config;
use crate::index::{CrateId, FnId, Index, ModuleId, Name, Param, Resolved, TypeRef};
use crate::router::{Entry, Layer, LayerSpec, Target};

/// How a route is (or is not) protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthClass {
    Extractor,
    Layer,
    Public,
    Allowlisted,
    None,
}

impl AuthClass {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthClass::Extractor => "extractor",
            AuthClass::Layer => "layer",
            AuthClass::Public => "public",
            AuthClass::Allowlisted => "allowlisted",
            AuthClass::None => "none",
        }
    }

    /// Whether an anonymous caller is rejected.
    pub fn is_protected(self) -> bool {
        matches!(self, AuthClass::Extractor | AuthClass::Layer)
    }
}

/// The verdict for one route.
#[derive(Clone, Debug)]
pub struct Verdict {
    pub class: AuthClass,
    /// e.g. `AdminUser (extracts RequireAuth)`, `layer from_fn(require_auth) at src/app.rs:40`
    /// (shared by the routes with the same evidence: a large table has tens of thousands).
    pub evidence: Option<Arc<str>>,
    /// Also protected this way when the class is public/allowlisted (for `public-with-auth`).
    pub protection: Option<Arc<str>>,
    /// Why the route is not protected although it looks close to it.
    pub near_misses: Vec<String>,
    /// The index of the `[[allow]]` entry that matched.
    pub allow: Option<usize>,
    /// The types/layers that provide the protection (for scheme checks): names as configured.
    pub providers: Vec<String>,
}

/// Classifies routes against the configuration.
pub struct Classifier<'a> {
    index: &'a Index,
    config: &'a Config,
    /// What each workspace type extracts, by crate and name (filled in before it is worked out,
    /// so that an extractor whose extraction names itself ends).
    extractors: Memo<(CrateId, Name), Option<Extractor>>,
    /// What each parameter type, as written in a module, extracts (the handlers of a module
    /// mostly take the same few types, and a large table has tens of thousands of parameters).
    params: Memo<(ModuleId, TypeRef), ParamAuth>,
    /// What each middleware fn's parameters extract (a layer is checked once per route it
    /// covers, and a fn's parameters are decoded to be read).
    middleware: Memo<FnId, Option<Extractor>>,
    /// The evidence of each applied layer that authenticates (one application of a layer,
    /// shared by every route it covers), with its configured names.
    layers: Memo<SameLayer, Option<LayerAuth>>,
}

/// A memo of the classifier: looked up by a key borrowed ([`remembered`]).
type Memo<K, V> = RefCell<hashbrown::HashMap<K, V, FxBuildHasher>>;

/// What a parameter's type extracts: an auth extractor, or why it is not one (a near miss) or
/// nothing.
type ParamAuth = Result<Extractor, Option<String>>;

/// A key of the parameter memo, borrowed: it hashes and compares as the `(ModuleId, TypeRef)`
/// it stands for (a lookup copies no type; only a new entry does).
#[derive(Hash)]
struct ParamKey<'t>(ModuleId, &'t TypeRef);

impl hashbrown::Equivalent<(ModuleId, TypeRef)> for ParamKey<'_> {
    fn equivalent(&self, key: &(ModuleId, TypeRef)) -> bool {
        self.0 == key.0 && *self.1 == key.1
    }
}

impl From<ParamKey<'_>> for (ModuleId, TypeRef) {
    fn from(key: ParamKey<'_>) -> Self {
        (key.0, key.1.clone())
    }
}

/// What an applied layer that authenticates shows (`layer <evidence> at <where>`), and the
/// configured names it matches.
type LayerAuth = (Arc<str>, Vec<String>);

/// A layer as a memo's key: one application of it, told apart by identity, not by what it
/// says (the key holds the layer, so no other can take its identity while the memo lives).
struct SameLayer(Layer);

impl PartialEq for SameLayer {
    fn eq(&self, other: &Self) -> bool {
        self.0.identity() == other.0.identity()
    }
}

impl Eq for SameLayer {}

impl std::hash::Hash for SameLayer {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.identity().hash(state)
    }
}

/// The value `memo` holds for `key`, computed (with no borrow of `memo` held) and kept the first
/// time it is asked for; `key` is owned only then.
fn remembered<Q, K, V>(memo: &Memo<K, V>, key: Q, compute: impl FnOnce() -> V) -> V
where
    Q: std::hash::Hash + hashbrown::Equivalent<K> + Into<K>,
    K: std::hash::Hash + Eq,
    V: Clone,
{
    if let Some(found) = memo.borrow().get(&key) {
        return found.clone();
    }
    let found = compute();
    memo.borrow_mut().insert(key.into(), found.clone());
    found
}

/// An auth extractor found for a type: what to show and which configured names it reaches.
#[derive(Clone, Debug)]
struct Extractor {
    evidence: Arc<str>,
    names: Vec<String>,
}

impl<'a> Classifier<'a> {
    pub fn new(index: &'a Index, config: &'a Config) -> Self {
        Classifier {
            index,
            config,
            extractors: Memo::default(),
            params: Memo::default(),
            middleware: Memo::default(),
            layers: Memo::default(),
        }
    }

    /// Classifies one route of the table.
    pub fn classify(&self, entry: &Entry) -> Verdict {
        let mut near_misses = Vec::new();
        let mut providers = Vec::new();
        let params: Option<(Cow<[Param]>, ModuleId)> = match &entry.target {
            Target::Fn(f) => Some((
                Cow::Owned(self.index.fns[f.0].params.read()),
                self.index.module_of(*f),
            )),
            Target::Closure { params, module } => Some((Cow::Borrowed(params.as_slice()), *module)),
            _ => None,
        };
        let mut extractor = None;
        if let Some((params, module)) = params {
            for p in params.iter() {
                let found = remembered(&self.params, ParamKey(module, &p.ty), || {
                    self.param_auth(module, &p.ty)
                });
                match found {
                    Ok(found) => {
                        providers.extend(found.names.clone());
                        extractor.get_or_insert(found.evidence);
                    }
                    Err(Some(miss)) => near_misses.push(miss),
                    Err(None) => {}
                }
            }
        }
        let mut layer = None;
        for l in &entry.layers {
            if let Some((evidence, names)) = self.applied_layer_auth(l) {
                providers.extend(names);
                layer.get_or_insert(evidence);
            }
        }
        for p in &entry.partial_layers {
            if let Some((evidence, _)) = self.layer_auth(&p.layer.spec) {
                near_misses.push(format!(
                    "the layer `{evidence}` at {} is only applied {}",
                    self.index.sources.describe(p.layer.at),
                    p.condition
                ));
            }
        }
        if extractor.is_none() && layer.is_none() {
            near_misses.extend(self.earlier_layers(entry));
        }
        let protection = extractor.clone().or(layer.clone());
        // `#[public]` counts only with a reason (as the macro demands).
        let public_attr = match entry.target {
            Target::Fn(f) => self.index.fns[f.0].intent().public.as_ref(),
            _ => None,
        };
        let public = public_attr
            .and_then(|p| p.reason.clone())
            .filter(|r| !r.trim().is_empty());
        if public_attr.is_some() && public.is_none() {
            near_misses.push(
                "`#[public]` without a reason does not count: write `#[public(reason = \"...\")]`"
                    .to_string(),
            );
        }
        let allow = self.allow_match(entry);
        // A redirect runs no code of the application: public by construction.
        let public = match &entry.target {
            Target::Redirect { to } => Some(format!("redirect to `{to}` (`route_with_tsr`)")),
            _ => public.map(|reason| format!("#[public] {reason}").trim().to_string()),
        };
        let (class, evidence) = if let Some(e) = extractor {
            (AuthClass::Extractor, Some(e))
        } else if let Some(l) = layer {
            (AuthClass::Layer, Some(l))
        } else if let Some(evidence) = public {
            (AuthClass::Public, Some(evidence.into()))
        } else if let Some(i) = allow {
            (
                AuthClass::Allowlisted,
                Some(format!("[[allow]] {}", self.config.allow[i].reason).into()),
            )
        } else {
            (AuthClass::None, None)
        };
        providers.sort();
        providers.dedup();
        Verdict {
            class,
            evidence,
            protection,
            near_misses,
            allow,
            providers,
        }
    }

    fn allow_match(&self, entry: &Entry) -> Option<usize> {
        // The handler's path, written out only if an entry names a handler.
        let handler = std::cell::OnceCell::new();
        let handler = || {
            handler.get_or_init(|| match entry.target {
                Target::Fn(f) => Some(self.index.fn_display(f)),
                _ => None,
            })
        };
        self.config.allow.iter().position(|a| {
            let route_ok = a
                .route
                .as_ref()
                .is_none_or(|r| r.matches(&entry.method, &entry.path));
            let handler_ok = a.handler.as_ref().is_none_or(|h| {
                handler()
                    .as_deref()
                    .is_some_and(|name| path_matches(h, name))
            });
            route_ok && handler_ok
        })
    }

    /// Auth layers the same router received before this route was added.
    fn earlier_layers(&self, entry: &Entry) -> Vec<String> {
        let mut out = Vec::new();
        for l in &entry.earlier_layers {
            if let Some((evidence, _)) = self.layer_auth(&l.spec) {
                let msg = format!("the layer `{evidence}` at {} was applied before this route was added, so it does not cover it", self.index.sources.describe(l.at));
                if !out.contains(&msg) {
                    out.push(msg);
                }
            }
        }
        out
    }

    /// `Ok` when a parameter type authenticates; `Err(Some(why))` for a near miss.
    fn param_auth(&self, module: ModuleId, ty: &TypeRef) -> ParamAuth {
        let TypeRef::Path { segments, args } = ty else {
            return Err(None);
        };
        let last = segments.last().map(Name::as_str).unwrap_or_default();
        let wrapped = |what: &str| {
            args.first()
                .and_then(|inner| self.type_auth(module, inner))
                .map(|_| format!("`{}` {what}", ty.display()))
        };
        match last {
            "Option" => return Err(wrapped("accepts anonymous callers: the handler runs with `None` when no credentials are sent")),
            "Result" => return Err(wrapped("hands the rejection to the handler, which runs for anonymous callers too")),
            // Wrappers that run the inner extractor and keep its rejection (aide's `NoApi<T>`,
            // axum-extra's `WithRejection<T, R>` maps it to another rejection).
            "NoApi" | "WithRejection" => {
                if let Some(found) = args.first().and_then(|inner| self.type_auth(module, inner)) {
                    return Ok(Extractor {
                        evidence: format!("{} (extracts {})", ty.display(), found.evidence).into(),
                        names: found.names,
                    });
                }
            }
            "Extension" => {
                return Err(Some(format!(
                    "`{}` is a value some middleware may or may not have inserted; it is not enforcement",
                    ty.display()
                )))
            }
            _ => {}
        }
        self.type_auth(module, ty)
            .ok_or_else(|| self.swallowing_wrapper(module, ty))
    }

    /// A workspace extractor that runs an auth extractor but does not propagate its rejection.
    fn swallowing_wrapper(&self, module: ModuleId, ty: &TypeRef) -> Option<String> {
        let Some(Resolved::Type { module: def, name }) = self.index.resolve_type(module, ty) else {
            return None;
        };
        let krate = self.index.modules[def.0].krate;
        self.index
            .extractor_impls
            .iter()
            .filter(|(m, imp)| imp.self_type == name && self.index.modules[m.0].krate == krate)
            .flat_map(|(m, imp)| imp.extracts.iter().map(move |e| (*m, e)))
            .find_map(|(m, (inner, propagates))| {
                let found = self.type_auth(m, inner)?;
                (!propagates).then(|| {
                    format!(
                        "`{name}` runs `{}` but does not propagate its rejection",
                        found.evidence
                    )
                })
            })
    }

    /// Whether a type (as written in `module`) is an auth extractor.
    fn type_auth(&self, module: ModuleId, ty: &TypeRef) -> Option<Extractor> {
        let written = ty.last_name()?.to_string();
        let resolved = self.index.resolve_type(module, ty);
        let full = resolved
            .as_ref()
            .map(|r| r.full_path(self.index))
            .unwrap_or_default();
        let name = full.last().cloned().unwrap_or(written.clone());
        for configured in self.config.auth_extractors() {
            let hit = if configured.value.contains("::") {
                full.join("::") == configured.value
            } else {
                name == configured.value || (full.is_empty() && written == configured.value)
            };
            if hit {
                return Some(Extractor {
                    evidence: name.as_str().into(),
                    names: vec![configured.value.clone()],
                });
            }
        }
        let Some(Resolved::Type { module: def, name }) = resolved else {
            return None;
        };
        let krate = self.index.modules[def.0].krate;
        let key = (krate, name.clone());
        if let Some(cached) = self.extractors.borrow().get(&key) {
            return cached.clone();
        }
        self.extractors.borrow_mut().insert(key.clone(), None);
        let found = self
            .index
            .extractor_impls
            .iter()
            .filter(|(m, imp)| imp.self_type == name && self.index.modules[m.0].krate == krate)
            .flat_map(|(m, imp)| imp.extracts.iter().map(move |e| (*m, e)))
            .filter(|(_, (_, propagates))| *propagates)
            .find_map(|(m, (inner, _))| self.type_auth(m, inner))
            .map(|inner| Extractor {
                evidence: format!(
                    "{name} (extracts {})",
                    inner.evidence.split(' ').next().unwrap_or_default()
                )
                .into(),
                names: {
                    let mut names = inner.names.clone();
                    names.push(name.to_string());
                    names
                },
            });
        self.extractors.borrow_mut().insert(key, found.clone());
        found
    }

    /// Whether an applied layer authenticates: `layer <evidence> at <where>`, and the configured
    /// names it matches (worked out once per layer, not once per route it covers).
    fn applied_layer_auth(&self, layer: &Layer) -> Option<LayerAuth> {
        remembered(&self.layers, SameLayer(layer.clone()), || {
            self.layer_auth(&layer.spec).map(|(evidence, names)| {
                let at = self.index.sources.describe(layer.at);
                (Arc::from(format!("layer {evidence} at {at}")), names)
            })
        })
    }

    /// Whether a layer authenticates: its evidence text and the configured names it matches.
    pub fn layer_auth(&self, spec: &LayerSpec) -> Option<(String, Vec<String>)> {
        match spec {
            LayerSpec::MiddlewareFn {
                constructor,
                function,
                name,
            } => {
                let f = (*function)?;
                let evidence = format!("{constructor}({name})");
                if let Some(configured) = self.configured_layer_fn(f) {
                    return Some((evidence, vec![configured]));
                }
                self.middleware_auth(f)
                    .map(|found| (format!("{evidence} taking {}", found.evidence), found.names))
            }
            LayerSpec::FromExtractor { ty, module } => self.type_auth(*module, ty).map(|found| {
                (
                    format!("from_extractor::<{}>()", found.evidence),
                    found.names,
                )
            }),
            LayerSpec::Constructed { path, text } => {
                let joined = path.join("::");
                let builtin = (["ValidateRequestHeaderLayer", "RequireAuthorizationLayer"]
                    .iter()
                    .any(|ty| path.iter().any(|s| s == ty))
                    && path.last().is_some_and(|m| m == "bearer" || m == "basic"))
                    || path.ends_with(&["Config".to_string(), "basic_auth".to_string()]);
                if builtin {
                    return Some((
                        text.clone(),
                        vec![path[path.len().saturating_sub(2)].clone()],
                    ));
                }
                self.config
                    .auth_layers()
                    .find(|l| {
                        if l.value.contains("::") {
                            joined.starts_with(&l.value)
                        } else {
                            path.contains(&l.value)
                        }
                    })
                    .map(|l| (text.clone(), vec![l.value.clone()]))
            }
            LayerSpec::Macro { name, text } => {
                let builtin = [
                    "login_required!",
                    "permission_required!",
                    "permission_required_any!",
                ]
                .iter()
                .any(|m| name.ends_with(m));
                let configured = self.config.auth_layers().find(|l| {
                    l.value.ends_with('!')
                        && name.ends_with(l.value.rsplit("::").next().unwrap_or_default())
                });
                (builtin || configured.is_some()).then(|| {
                    (
                        text.clone(),
                        vec![configured.map_or(name.clone(), |c| c.value.clone())],
                    )
                })
            }
            LayerSpec::Branches(branches) => {
                let mut names = Vec::new();
                let mut parts = Vec::new();
                for (label, specs) in branches {
                    let (evidence, found) = specs.iter().find_map(|s| self.layer_auth(s))?;
                    names.extend(found);
                    parts.push(format!("{evidence} {label}"));
                }
                Some((parts.join("; "), names))
            }
            LayerSpec::Stack(specs) => specs
                .iter()
                .find_map(|s| self.layer_auth(s))
                .map(|(e, n)| (format!("ServiceBuilder with {e}"), n)),
            LayerSpec::Unknown { .. } => None,
        }
    }

    /// The first parameter of a middleware fn that authenticates.
    fn middleware_auth(&self, f: FnId) -> Option<Extractor> {
        remembered(&self.middleware, f, || {
            let module = self.index.module_of(f);
            self.index.fns[f.0]
                .params
                .read()
                .iter()
                .find_map(|p| self.param_auth(module, &p.ty).ok())
        })
    }

    fn configured_layer_fn(&self, f: FnId) -> Option<String> {
        let full = self.index.fn_display(f);
        self.config
            .auth_layers()
            .find(|l| path_matches(&l.value, &full))
            .map(|l| l.value.clone())
    }
}

/// A configured path matches an item's full path: qualified paths exactly, bare names by name.
pub fn path_matches(configured: &str, full: &str) -> bool {
    if configured.contains("::") {
        configured == full
    } else {
        full.rsplit("::").next() == Some(configured)
    }
}
