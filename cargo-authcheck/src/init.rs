//! `cargo authcheck init`: a starter `authcheck.toml` written from what the analysis finds.
//!
//! - `[auth] extractors`: the workspace's own extractor types (`FromRequestParts`/`FromRequest`
//!   impls) that handlers use as authentication: taken by a `#[protected]` handler, taken by a
//!   handler documented with required security, or named `RequireAuth`. Wrappers of those are
//!   found by the analysis itself and are not listed. Types whose name only suggests
//!   authentication are listed commented out: listing one that does not reject anonymous callers
//!   would hide unprotected routes.
//! - `[auth] layers`: middleware fns (`from_fn(f)`, ..) that cover routes documented with
//!   required security, or whose name says they authenticate.
//! - `[openapi] schemes`: each documented scheme with the extractors its handlers take.
//! - one `[[allow]]` per route still unprotected with that configuration, with an empty
//!   `reason`: the configuration is rejected until someone writes why each route may be public
//!   (or protects it and deletes the entry).

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::{Analysis, Route};
use crate::auth::AuthClass;
use crate::index::{FnId, Resolved};
use crate::router::LayerSpec;

/// A name for the configuration, why it was chosen, and whether it is written active.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    pub name: String,
    pub why: String,
    pub active: bool,
}

/// What the analysis of the code (with the default configuration) suggests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detected {
    pub extractors: Vec<Finding>,
    pub layers: Vec<Finding>,
    pub schemes: BTreeMap<String, Vec<String>>,
}

const AUTH_WORDS: &[&str] = &[
    "auth",
    "user",
    "session",
    "token",
    "claims",
    "apikey",
    "api_key",
    "admin",
    "principal",
    "identity",
    "login",
    "jwt",
    "bearer",
];

fn sounds_like_auth(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    AUTH_WORDS.iter().any(|w| lower.contains(w))
}

/// Detects extractors, layers and schemes in an analysis made with the default configuration.
pub fn detect(analysis: &Analysis) -> Detected {
    let index = &analysis.index;
    // Extractor types of the workspace: (crate, type name) -> where the impl is.
    let mut extractor_types: BTreeMap<(usize, String), String> = BTreeMap::new();
    for (module, imp) in &index.extractor_impls {
        let krate = index.modules[module.0].krate.0;
        extractor_types
            .entry((krate, imp.self_type.to_string()))
            .or_insert_with(|| index.sources.describe(imp.loc));
    }
    let wrapper_of: BTreeSet<String> = index
        .extractor_impls
        .iter()
        .filter(|(_, imp)| {
            imp.extracts.iter().any(|(ty, propagates)| {
                *propagates
                    && ty
                        .last_name()
                        .is_some_and(|n| extractor_types.keys().any(|(_, name)| name == n))
            })
        })
        .map(|(_, imp)| imp.self_type.to_string())
        .collect();
    // Why each extractor type looks like authentication.
    let mut reasons: BTreeMap<String, (String, bool)> = BTreeMap::new();
    let mut scheme_users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for route in &analysis.routes {
        let Some(f) = route.handler_fn else { continue };
        let item = &index.fns[f.0];
        let documented: Vec<&Vec<String>> = route
            .documented
            .as_ref()
            .and_then(|d| d.security.as_ref())
            .into_iter()
            .flatten()
            .filter(|alt| !alt.is_empty())
            .collect();
        for ty in extractor_params(analysis, f, &extractor_types) {
            if item.intent().protected.is_some() {
                reasons.entry(ty.clone()).or_insert((
                    format!("taken by `#[protected]` handler `{}`", route.handler),
                    true,
                ));
            }
            if !documented.is_empty() {
                reasons.entry(ty.clone()).or_insert((
                    format!(
                        "taken by `{}`, documented with required security",
                        route.handler
                    ),
                    true,
                ));
            }
            for alt in &documented {
                if let [scheme] = alt.as_slice() {
                    scheme_users
                        .entry(scheme.clone())
                        .or_default()
                        .insert(ty.clone());
                }
            }
        }
    }
    let mut extractors = Vec::new();
    for ((_, name), at) in &extractor_types {
        if wrapper_of.contains(name) || extractors.iter().any(|e: &Finding| &e.name == name) {
            continue;
        }
        let found = match reasons.get(name) {
            Some((why, active)) => Some((format!("{why} (impl at {at})"), *active)),
            None if name == "RequireAuth" => Some((format!("the default name (impl at {at})"), true)),
            None if sounds_like_auth(name) => Some((
                format!("its name suggests authentication (impl at {at}); uncomment if its extraction rejects anonymous callers"),
                false,
            )),
            None => None,
        };
        if let Some((why, active)) = found {
            extractors.push(Finding {
                name: name.clone(),
                why,
                active,
            });
        }
    }
    let schemes = scheme_users
        .into_iter()
        .map(|(scheme, users)| {
            let users: Vec<String> = users
                .into_iter()
                .filter(|u| extractors.iter().any(|e| e.active && &e.name == u))
                .collect();
            (scheme, users)
        })
        .filter(|(_, users)| !users.is_empty())
        .collect();
    Detected {
        extractors,
        layers: layers(analysis),
        schemes,
    }
}

/// The workspace extractor types among a handler's parameters.
fn extractor_params(
    analysis: &Analysis,
    f: FnId,
    extractor_types: &BTreeMap<(usize, String), String>,
) -> Vec<String> {
    let index = &analysis.index;
    let module = index.module_of(f);
    index.fns[f.0]
        .params
        .read()
        .iter()
        .filter_map(|p| match index.resolve_type(module, &p.ty)? {
            Resolved::Type { module, name } => {
                let krate = index.modules[module.0].krate.0;
                let name = name.to_string();
                extractor_types
                    .contains_key(&(krate, name.clone()))
                    .then_some(name)
            }
            _ => None,
        })
        .collect()
}

/// Middleware fns covering routes that are not already protected by them.
fn layers(analysis: &Analysis) -> Vec<Finding> {
    let index = &analysis.index;
    let mut found: BTreeMap<String, Finding> = BTreeMap::new();
    for route in &analysis.routes {
        let documented = route
            .documented
            .as_ref()
            .and_then(|d| d.security.as_ref())
            .is_some_and(|s| !s.is_empty() && s.iter().all(|alt| !alt.is_empty()));
        for layer in &route.entry.layers {
            let LayerSpec::MiddlewareFn {
                function: Some(f),
                name,
                ..
            } = &layer.spec
            else {
                continue;
            };
            let recognised = route.verdict.class == AuthClass::Layer
                && route
                    .verdict
                    .evidence
                    .as_deref()
                    .is_some_and(|e| e.contains(name.as_str()));
            if recognised {
                continue; // it takes an auth extractor: the analysis knows it already
            }
            let path = index.fn_display(*f);
            let at = index.sources.describe(index.fns[f.0].name_loc);
            let why = if documented {
                Some(format!(
                    "middleware at {at} covering `{}`, documented with required security",
                    crate::rules::route_name(route)
                ))
            } else if sounds_like_auth(name) {
                Some(format!(
                    "middleware at {at}; its name suggests authentication"
                ))
            } else {
                None
            };
            if let Some(why) = why {
                let short = path.rsplit("::").next().unwrap_or(&path).to_string();
                found.entry(short.clone()).or_insert(Finding {
                    name: short,
                    why,
                    active: true,
                });
            }
        }
    }
    found.into_values().collect()
}

/// The configuration text for `detected`, without `[[allow]]` entries.
pub fn render(detected: &Detected) -> String {
    let mut out = String::from(
        "# Starter configuration written by `cargo authcheck init` from what it found in the code.\n\
         # Review it: every name below decides which routes count as protected.\n\n[auth]\n",
    );
    let list = |findings: &[Finding], key: &str| {
        let mut text = format!("{key} = [\n");
        for f in findings {
            let comment = if f.active { "" } else { "# " };
            text.push_str(&format!("    {comment}{:?},  # {}\n", f.name, f.why));
        }
        text.push_str("]\n");
        text
    };
    let mut extractors = detected.extractors.clone();
    if !extractors.iter().any(|e| e.active) {
        extractors.insert(
            0,
            Finding {
                name: "RequireAuth".to_string(),
                why: "the default; no extractor of the workspace was recognised as authentication"
                    .to_string(),
                active: true,
            },
        );
    }
    out.push_str(&list(&extractors, "extractors"));
    out.push_str(&list(&detected.layers, "layers"));
    if !detected.schemes.is_empty() {
        out.push_str("\n[openapi]\n# The extractors that satisfy each scheme of #[utoipa::path(security(..))].\nschemes = { ");
        let entries: Vec<String> = detected
            .schemes
            .iter()
            .map(|(scheme, users)| {
                let users: Vec<String> = users.iter().map(|u| format!("{u:?}")).collect();
                format!("{scheme} = [{}]", users.join(", "))
            })
            .collect();
        out.push_str(&entries.join(", "));
        out.push_str(" }\n");
    }
    out
}

/// One `[[allow]]` per route anyone can call, each with an empty reason to fill in.
pub fn allow_entries(analysis: &Analysis) -> String {
    let unprotected: Vec<&Route> = analysis
        .routes
        .iter()
        .filter(|r| r.verdict.class == AuthClass::None)
        .collect();
    if unprotected.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n# Routes anyone can call today. Protect each one (and delete its entry), or write in\n\
         # `reason` why it is public: an empty reason is a configuration error.\n",
    );
    for r in unprotected {
        let method = if r.entry.method == "ANY" {
            "*"
        } else {
            &r.entry.method
        };
        let at = analysis.index.sources.describe(r.defined_at);
        out.push_str(&format!(
            "[[allow]]\n# {} at {at}\nroute = \"{method} {}\"\nreason = \"\"\n",
            r.handler, r.entry.path
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_starter_parses() {
        let detected = Detected {
            extractors: vec![
                Finding {
                    name: "ApiKey".into(),
                    why: "taken by `#[protected]` handler `a::b`".into(),
                    active: true,
                },
                Finding {
                    name: "CurrentUser".into(),
                    why: "its name suggests authentication".into(),
                    active: false,
                },
            ],
            layers: vec![Finding {
                name: "require_login".into(),
                why: "middleware".into(),
                active: true,
            }],
            schemes: [("api_key".to_string(), vec!["ApiKey".to_string()])].into(),
        };
        let text = render(&detected);
        let config =
            crate::config::from_str(&text, std::path::Path::new("authcheck.toml"), &[]).unwrap();
        let names: Vec<&str> = config.extractors.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(names, ["ApiKey"]);
        assert_eq!(config.layers[0].value, "require_login");
        assert_eq!(config.schemes["api_key"][0].value, "ApiKey");
    }
}
