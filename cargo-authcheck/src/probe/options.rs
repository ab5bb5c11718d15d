//! The `probe` command's flags, and how they become [`Settings`]: the base URL is checked and the
//! token read before the analysis runs (a usage error costs nothing), then the placeholders are
//! merged, the command line's over `[probe] params`.

use std::time::Duration;

use crate::config::{Config, RoutePattern};

use super::placeholders::{self, Placeholders};
use super::plan::Choices;
use super::render::Format;
use super::send::Limits;
use super::target::{self, BaseUrl, TargetError};
use super::{Credential, Settings};

/// `cargo authcheck probe` flags.
#[derive(clap::Args, Debug, Clone)]
pub struct ProbeOptions {
    /// Base URL of the running server (a loopback address unless --allow-remote)
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// Environment variable holding a valid token, sent as `Authorization: Bearer <token>`
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Placeholder for a path parameter, e.g. `id=42` or `rest=css/site.css` (default `1`, and
    /// `authcheck-probe` for wildcards); overrides `[probe] params`
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = placeholders::parse_assignment)]
    pub params: Vec<(String, String)>,
    /// Do not probe the routes matching `METHOD PATH` (`*` any method or one segment, `**` any
    /// number of segments), e.g. `--skip 'POST /api/v1/auth/logout'`
    #[arg(long, value_name = "PATTERN", value_parser = RoutePattern::parse)]
    pub skip: Vec<RoutePattern>,
    /// Also send POST, PUT, PATCH, DELETE and TRACE: they change data, so only against a test
    /// deployment
    #[arg(long)]
    pub unsafe_methods: bool,
    /// Allow a base URL that is not a loopback address (a test deployment elsewhere)
    #[arg(long)]
    pub allow_remote: bool,
    /// Seconds one request may take
    #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Requests in flight at most
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Seconds the whole run may take; no request is sent after that
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_seconds)]
    pub time_limit: Duration,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// A flag that cannot be used (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum OptionsError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("--token-env {0}: the environment variable is not set")]
    TokenUnset(String),
    #[error("--token-env {0}: the environment variable is empty or not valid UTF-8")]
    TokenUnusable(String),
}

/// What is known before the analysis runs.
#[derive(Debug)]
pub struct Prepared {
    pub base: BaseUrl,
    pub credential: Option<Credential>,
}

impl ProbeOptions {
    /// Checks the base URL (resolving its host; no connection is made) and reads the token.
    pub fn prepare(&self) -> Result<Prepared, OptionsError> {
        let base = target::check(&self.base_url, self.allow_remote, &target::system_resolve)?;
        let credential = match &self.token_env {
            None => None,
            Some(var) => {
                let token = match std::env::var(var) {
                    Ok(token) if !token.trim().is_empty() => token.trim().to_string(),
                    Err(std::env::VarError::NotPresent) => {
                        return Err(OptionsError::TokenUnset(var.clone()))
                    }
                    _ => return Err(OptionsError::TokenUnusable(var.clone())),
                };
                Some(Credential {
                    source: var.clone(),
                    token,
                })
            }
        };
        Ok(Prepared { base, credential })
    }

    /// The settings of a run: `prepared` plus the placeholders of `config` and the flags.
    pub fn settings(&self, prepared: Prepared, config: &Config) -> Settings {
        let mut values: std::collections::BTreeMap<String, String> = config
            .probe_params
            .iter()
            .map(|(name, value)| (name.clone(), value.value.clone()))
            .collect();
        values.extend(self.params.iter().cloned());
        Settings {
            base: prepared.base,
            credential: prepared.credential,
            choices: Choices {
                placeholders: Placeholders { values },
                unsafe_methods: self.unsafe_methods,
                skip: self.skip.clone(),
            },
            limits: Limits {
                request_timeout: self.timeout,
                concurrency: usize::from(self.concurrency),
                time_limit: self.time_limit,
            },
        }
    }
}

/// A positive number of seconds (`10`, `0.5`).
fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| format!("`{text}` is not a positive number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        for bad in ["0", "-1", "x", "inf", "NaN", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
