//! `authcheck.toml` (or `[package|workspace.metadata.authcheck]`): loading and validation.
//!
//! Every value keeps its span so that a bad value is reported as `file:line:col: message`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::source::line_col;

/// The name of the configuration file looked up beside manifests.
pub const CONFIG_FILE: &str = "authcheck.toml";

/// A configuration problem, located in its file.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// How loud a lint is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// A value together with where it was written (`file:line:col`), for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub origin: String,
}

/// One `[[allow]]` entry: a route pattern or a handler path, and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    pub route: Option<RoutePattern>,
    pub handler: Option<String>,
    pub reason: String,
    pub origin: String,
    /// 1-based line and column of the entry in the configuration file.
    pub line: usize,
    pub column: usize,
}

/// `METHOD PATH` with `*` for any method, `*` for one segment and `**` for any number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutePattern {
    pub method: String,
    pub segments: Vec<String>,
    pub text: String,
}

impl RoutePattern {
    pub fn parse(text: &str) -> Result<RoutePattern, String> {
        let mut parts = text.split_whitespace();
        let (Some(method), Some(path), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("route pattern `{text}` must be `METHOD /path`"));
        };
        if !path.starts_with('/') {
            return Err(format!("route pattern path `{path}` must start with `/`"));
        }
        let path = crate::router::paths::normalize(path);
        Ok(RoutePattern {
            method: method.to_ascii_uppercase(),
            segments: segments(&path).map(str::to_string).collect(),
            text: text.to_string(),
        })
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method == method)
            && glob_match(&self.segments, &segments(path).collect::<Vec<_>>())
    }
}

/// The segments of a route path (`/a//b/` has two).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn glob_match(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| glob_match(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((seg, path_rest)) => (first == "*" || first == seg) && glob_match(rest, path_rest),
            None => false,
        },
    }
}

/// The validated configuration the analysis runs with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where it came from (`None`: built-in defaults).
    pub source: Option<PathBuf>,
    /// The text of that file (for locating `[[allow]]` entries in diagnostics).
    pub text: String,
    pub extractors: Vec<Located<String>>,
    pub layers: Vec<Located<String>>,
    pub allow: Vec<Allow>,
    pub schemes: BTreeMap<String, Vec<Located<String>>>,
    pub lints: BTreeMap<String, Level>,
    pub roots: Vec<Located<String>>,
    /// `[analysis] exclude`: files (relative to the workspace root) not analysed.
    pub exclude: Exclude,
    /// `[probe] params`: placeholder values for path parameters, by name.
    pub probe_params: BTreeMap<String, Located<String>>,
}

/// Path globs of `[analysis] exclude` (`fixtures/**`, `src/generated/*.rs`): `*` stays within a
/// path segment, `**` spans any number of them.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    globs: globset::GlobSet,
}

impl Exclude {
    /// Compiles the patterns; an error gives the index of the pattern that is not a glob.
    pub fn new<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
    ) -> Result<Exclude, (usize, String)> {
        let mut set = globset::GlobSetBuilder::new();
        for (i, pattern) in patterns.into_iter().enumerate() {
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    (
                        i,
                        format!(
                            "exclude pattern `{pattern}` is not a path glob: {}",
                            e.kind()
                        ),
                    )
                })?;
            set.add(glob);
        }
        let globs = set.build().map_err(|e| (0, e.to_string()))?;
        Ok(Exclude { globs })
    }

    /// Whether no pattern was given.
    pub fn is_empty(&self) -> bool {
        self.globs.is_empty()
    }

    /// Whether a path, relative to the workspace root with `/` separators, is excluded.
    pub fn matches(&self, relative: &str) -> bool {
        self.globs.is_match(relative)
    }
}

impl Config {
    /// The types whose extraction authenticates: `[auth] extractors`, and every name in
    /// `[openapi] schemes` (naming it as what satisfies a scheme says it authenticates).
    pub fn auth_extractors(&self) -> impl Iterator<Item = &Located<String>> {
        self.extractors.iter().chain(self.scheme_names())
    }

    /// The middleware fns, layer types and macros that authenticate: `[auth] layers`, and every
    /// name in `[openapi] schemes`.
    pub fn auth_layers(&self) -> impl Iterator<Item = &Located<String>> {
        self.layers.iter().chain(self.scheme_names())
    }

    fn scheme_names(&self) -> impl Iterator<Item = &Located<String>> {
        self.schemes.values().flatten()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            text: String::new(),
            extractors: vec![Located {
                value: "RequireAuth".into(),
                origin: "default".into(),
            }],
            layers: Vec::new(),
            allow: Vec::new(),
            schemes: BTreeMap::new(),
            lints: BTreeMap::new(),
            roots: Vec::new(),
            exclude: Exclude::default(),
            probe_params: BTreeMap::new(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
    #[serde(default)]
    openapi: RawOpenApi,
    #[serde(default)]
    lints: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    analysis: RawAnalysis,
    #[serde(default)]
    probe: RawProbe,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    extractors: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    layers: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    route: Option<Spanned<String>>,
    handler: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawOpenApi {
    #[serde(default)]
    schemes: BTreeMap<String, Vec<Spanned<String>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAnalysis {
    #[serde(default)]
    roots: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProbe {
    #[serde(default)]
    params: BTreeMap<String, Spanned<String>>,
}

/// `[package.metadata.authcheck]` / `[workspace.metadata.authcheck]` inside a Cargo.toml.
#[derive(Deserialize)]
struct ManifestWithMetadata {
    package: Option<MetadataHolder>,
    workspace: Option<MetadataHolder>,
}

#[derive(Deserialize)]
struct MetadataHolder {
    metadata: Option<MetadataTable>,
}

#[derive(Deserialize)]
struct MetadataTable {
    authcheck: Option<RawConfig>,
}

/// Where the configuration is looked for, in order.
pub struct Lookup<'a> {
    /// `--config`: used alone when given.
    pub explicit: Option<&'a Path>,
    /// The selected package's directory (when one package is checked).
    pub package_dir: Option<&'a Path>,
    pub workspace_root: &'a Path,
}

/// Finds and loads the configuration; built-in defaults when there is none.
pub fn load(lookup: &Lookup, known_lints: &[&str]) -> Result<Config, ConfigError> {
    if let Some(path) = lookup.explicit {
        let text = read(path)?;
        return from_str(&text, path, known_lints);
    }
    let start = lookup.package_dir.unwrap_or(lookup.workspace_root);
    let mut dirs: Vec<&Path> = start
        .ancestors()
        .take_while(|d| d.starts_with(lookup.workspace_root))
        .collect();
    if dirs.is_empty() {
        dirs.push(lookup.workspace_root);
    }
    for dir in &dirs {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            let text = read(&candidate)?;
            return from_str(&text, &candidate, known_lints);
        }
    }
    for dir in &dirs {
        let manifest = dir.join("Cargo.toml");
        if let Some(config) = from_manifest(&manifest, known_lints)? {
            return Ok(config);
        }
    }
    Ok(Config::default())
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!("cannot read configuration: {e}"),
    })
}

fn from_manifest(manifest: &Path, known_lints: &[&str]) -> Result<Option<Config>, ConfigError> {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return Ok(None);
    };
    if !text.contains("authcheck") {
        return Ok(None);
    }
    let parsed: ManifestWithMetadata =
        toml::from_str(&text).map_err(|e| toml_error(&text, manifest, &e))?;
    let raw = [parsed.package, parsed.workspace]
        .into_iter()
        .flatten()
        .filter_map(|holder| holder.metadata.and_then(|m| m.authcheck))
        .next();
    raw.map(|raw| validate(raw, &text, manifest, known_lints))
        .transpose()
}

/// Parses and validates configuration text read from `path`.
pub fn from_str(text: &str, path: &Path, known_lints: &[&str]) -> Result<Config, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
    validate(raw, text, path, known_lints)
}

fn toml_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let (line, column) = e.span().map_or((1, 1), |span| line_col(text, span.start));
    ConfigError {
        file: path.display().to_string(),
        line,
        column,
        message: e.message().trim_end_matches('\n').to_string(),
    }
}

fn validate(
    raw: RawConfig,
    text: &str,
    path: &Path,
    known_lints: &[&str],
) -> Result<Config, ConfigError> {
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        ConfigError {
            file: path.display().to_string(),
            line,
            column,
            message,
        }
    };
    let origin = |span: std::ops::Range<usize>| {
        let (line, column) = line_col(text, span.start);
        format!("{}:{line}:{column}", path.display())
    };
    let names =
        |values: Vec<Spanned<String>>, what: &str| -> Result<Vec<Located<String>>, ConfigError> {
            values
                .into_iter()
                .map(|v| {
                    let span = v.span();
                    let value = v.into_inner();
                    if !is_rust_path(&value) {
                        return Err(at(span, format!("{what} `{value}` is not a Rust path")));
                    }
                    Ok(Located {
                        value,
                        origin: origin(span),
                    })
                })
                .collect()
        };

    let extractors = match raw.auth.extractors {
        Some(list) => names(list, "extractor")?,
        None => Config::default().extractors,
    };
    let layers = names(raw.auth.layers, "layer")?;

    let mut allow = Vec::new();
    for entry in raw.allow {
        let span = entry.span();
        let entry = entry.into_inner();
        let reason = match entry.reason {
            Some(r) if !r.get_ref().trim().is_empty() => r.into_inner(),
            Some(r) => return Err(at(r.span(), "`reason` must not be empty".into())),
            None => return Err(at(span, "an `[[allow]]` entry needs a `reason`".into())),
        };
        let route = match entry.route {
            Some(r) => Some(RoutePattern::parse(r.get_ref()).map_err(|m| at(r.span(), m))?),
            None => None,
        };
        let handler = match entry.handler {
            Some(h) if is_rust_path(h.get_ref()) => Some(h.into_inner()),
            Some(h) => {
                return Err(at(
                    h.span(),
                    format!("handler `{}` is not a Rust path", h.get_ref()),
                ))
            }
            None => None,
        };
        if route.is_none() && handler.is_none() {
            return Err(at(
                span,
                "an `[[allow]]` entry needs a `route` or a `handler`".into(),
            ));
        }
        let (line, column) = line_col(text, span.start);
        allow.push(Allow {
            route,
            handler,
            reason,
            origin: origin(span.clone()),
            line,
            column,
        });
    }

    let mut schemes = BTreeMap::new();
    for (scheme, values) in raw.openapi.schemes {
        schemes.insert(scheme, names(values, "scheme evidence")?);
    }

    let mut lints = BTreeMap::new();
    for (code, level) in raw.lints {
        if !known_lints.contains(&code.as_str()) {
            return Err(at(
                level.span(),
                format!("unknown lint `{code}` (known: {})", known_lints.join(", ")),
            ));
        }
        let parsed = Level::parse(level.get_ref()).ok_or_else(|| {
            at(
                level.span(),
                format!(
                    "unknown level `{}`: use allow, warn or deny",
                    level.get_ref()
                ),
            )
        })?;
        lints.insert(code, parsed);
    }

    let exclude = Exclude::new(raw.analysis.exclude.iter().map(|p| p.get_ref().as_str()))
        .map_err(|(i, message)| at(raw.analysis.exclude[i].span(), message))?;
    let mut probe_params = BTreeMap::new();
    for (name, value) in raw.probe.params {
        let span = value.span();
        crate::probe::placeholders::check_name(&name)
            .map_err(|m| at(span.clone(), format!("[probe] params: {m}")))?;
        if value.get_ref().is_empty() {
            return Err(at(
                span,
                format!("[probe] params: the placeholder for `{name}` is empty"),
            ));
        }
        probe_params.insert(
            name,
            Located {
                value: value.into_inner(),
                origin: origin(span),
            },
        );
    }

    Ok(Config {
        source: Some(path.to_path_buf()),
        text: text.to_string(),
        extractors,
        layers,
        allow,
        schemes,
        lints,
        roots: names(raw.analysis.roots, "root")?,
        exclude,
        probe_params,
    })
}

/// `a::b::C`, `C`, or a macro name with its `!`.
fn is_rust_path(s: &str) -> bool {
    let s = s.strip_suffix('!').unwrap_or(s);
    !s.is_empty()
        && s.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINTS: &[&str] = &["unprotected-route", "doc-unlisted"];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        from_str(text, Path::new("authcheck.toml"), LINTS)
    }

    #[test]
    fn full_example_parses() {
        let config = parse(
            r#"
[auth]
extractors = ["RequireAuth", "ApiKeyAuth"]
layers = ["require_auth"]

[[allow]]
route = "GET /api/v1/health"
reason = "liveness probe"
[[allow]]
handler = "server::http::auth::login"
reason = "issues the tokens"

[openapi]
schemes = { bearer_auth = ["RequireAuth"], api_key = ["ApiKeyAuth"] }

[lints]
doc-unlisted = "deny"

[analysis]
roots = ["server::app::router"]
exclude = ["fixtures/**"]

[probe]
params = { pack_ref = "core", rest = "css/site.css" }
"#,
        )
        .unwrap();
        assert_eq!(config.extractors.len(), 2);
        assert_eq!(config.allow.len(), 2);
        assert_eq!(config.lints["doc-unlisted"], Level::Deny);
        assert_eq!(config.schemes["api_key"][0].value, "ApiKeyAuth");
        assert_eq!(config.roots[0].value, "server::app::router");
        assert_eq!(config.probe_params["pack_ref"].value, "core");
        assert_eq!(config.probe_params["rest"].origin, "authcheck.toml:24:38");
    }

    #[test]
    fn probe_section_is_validated() {
        let err = parse("[probe]\nparam = { id = \"1\" }\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        assert!(
            err.message.contains("unknown field `param`"),
            "{}",
            err.message
        );
        let err = parse("[probe]\nparams = { id = \"\" }\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 17));
        assert!(err.message.contains("empty"), "{}", err.message);
        let err = parse("[probe.params]\n\"{id}\" = \"1\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 10));
        assert!(
            err.message.contains("not a path parameter name"),
            "{}",
            err.message
        );
        let err = parse("[probe]\nparams = { id = 1 }\n").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn unknown_key_is_located() {
        let err = parse("[auth]\nextractor = [\"X\"]\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 1));
        assert!(
            err.message.contains("unknown field `extractor`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn bad_level_and_code_are_located() {
        let err = parse("[lints]\nunprotected-route = \"loud\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 21));
        let err = parse("[lints]\nno-such-lint = \"deny\"\n").unwrap_err();
        assert!(err.message.contains("unknown lint `no-such-lint`"));
    }

    #[test]
    fn allow_needs_reason_and_target() {
        let err = parse("[[allow]]\nroute = \"GET /x\"\n").unwrap_err();
        assert!(err.message.contains("needs a `reason`"));
        let err = parse("[[allow]]\nreason = \"x\"\n").unwrap_err();
        assert!(err.message.contains("needs a `route` or a `handler`"));
        let err = parse("[[allow]]\nroute = \"/x\"\nreason = \"r\"\n").unwrap_err();
        assert!(err.message.contains("METHOD /path"));
    }

    #[test]
    fn exclude_globs() {
        let config =
            parse("[analysis]\nexclude = [\"fixtures/**\", \"**/generated/*.rs\"]\n").unwrap();
        assert!(config.exclude.matches("fixtures/a/src/lib.rs"));
        assert!(!config.exclude.matches("server/src/lib.rs"));
        assert!(config.exclude.matches("a/b/generated/x.rs"));
        assert!(
            !config.exclude.matches("a/generated/b/x.rs"),
            "`*` stays in one segment"
        );
        let err = parse("[analysis]\nexclude = [\"ok/**\", \"bad/[\"]\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 21));
        assert!(
            err.message.contains("`bad/[` is not a path glob"),
            "{}",
            err.message
        );
    }

    #[test]
    fn route_globs() {
        let p = RoutePattern::parse("* /static/**").unwrap();
        assert!(p.matches("GET", "/static"));
        assert!(p.matches("POST", "/static/a/b"));
        assert!(!p.matches("GET", "/other"));
        let p = RoutePattern::parse("GET /users/*/avatar").unwrap();
        assert!(p.matches("GET", "/users/{id}/avatar"));
        assert!(!p.matches("GET", "/users/avatar"));
        assert!(!p.matches("PUT", "/users/1/avatar"));
        let p = RoutePattern::parse("get /users/:id").unwrap();
        assert!(p.matches("GET", "/users/{id}"));
    }
}
