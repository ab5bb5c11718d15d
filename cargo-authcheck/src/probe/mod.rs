//! `cargo authcheck probe`: the static route table checked against a running server. Every route
//! gets a request without credentials (and, given a token, one with it); a protected route must
//! refuse the anonymous one, a public one must not, and a valid token must be accepted.
//!
//! The stages, with plain data between them:
//! [`options`] (flags, base URL check) -> [`plan`] (a request per route) -> [`send`] (HTTP) ->
//! [`judge`] (contradictions) -> [`render`] (human, json).

pub mod judge;
pub mod options;
pub mod placeholders;
pub mod plan;
pub mod render;
pub mod send;
pub mod target;

use crate::analysis::Analysis;
use crate::auth::AuthClass;

use judge::{Answers, Judgement};
use plan::{Choices, Request, Skip};
use send::{Answer, Job, Limits};
use target::BaseUrl;

pub use options::ProbeOptions;

/// One route of the static table, as the probe needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// Upper case; `ANY` for `any`, services and fallbacks.
    pub method: String,
    pub path: String,
    pub fallback: bool,
    pub class: AuthClass,
    pub evidence: Option<String>,
    /// Protection the analysis also found on a `public`/`allowlisted` route.
    pub protection: Option<String>,
    pub handler: String,
    /// Where the handler is defined.
    pub file: String,
    pub line: usize,
}

impl RouteInfo {
    /// The routes of an analysis, in its order.
    pub fn from_analysis(analysis: &Analysis) -> Vec<RouteInfo> {
        analysis
            .routes
            .iter()
            .map(|r| RouteInfo {
                method: r.entry.method.clone(),
                path: r.entry.path.clone(),
                fallback: r.entry.fallback,
                class: r.verdict.class,
                evidence: r.verdict.evidence.as_deref().map(str::to_string),
                protection: r.verdict.protection.as_deref().map(str::to_string),
                handler: r.handler.clone(),
                file: analysis
                    .index
                    .sources
                    .get(r.defined_at.file)
                    .display
                    .clone(),
                line: r.defined_at.line as usize,
            })
            .collect()
    }

    /// `GET /path`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// A method router's fallback: it answers the methods no other route at its path serves.
    pub fn is_method_fallback(&self) -> bool {
        self.fallback && !self.path.ends_with("{*fallback}")
    }
}

/// A token and where it came from. Only the source is ever shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// What to call it in messages: the environment variable's name.
    pub source: String,
    pub token: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credential {{ source: {:?}, token: <hidden> }}",
            self.source
        )
    }
}

/// Everything a run needs besides the routes.
#[derive(Clone, Debug)]
pub struct Settings {
    pub base: BaseUrl,
    pub credential: Option<Credential>,
    pub choices: Choices,
    pub limits: Limits,
}

/// What happened to one route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteResult {
    pub request: Result<Request, Skip>,
    pub answers: Answers,
}

/// The outcome of a run, for the renderers.
#[derive(Clone, Debug)]
pub struct Report {
    pub base_url: String,
    /// Where the token came from, when one was sent.
    pub token_source: Option<String>,
    pub unsafe_methods: bool,
    pub time_limit: std::time::Duration,
    pub routes: Vec<RouteInfo>,
    /// `results[i]` belongs to `routes[i]`.
    pub results: Vec<RouteResult>,
    pub judgement: Judgement,
    /// Places the analysis could not follow: routes there are not in the table.
    pub unanalyzable: usize,
}

/// Counts over a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub routes: usize,
    pub probed: usize,
    pub skipped: usize,
    /// Requests sent (not those the time limit stopped).
    pub requests: usize,
    /// Requests that got a response.
    pub answered: usize,
    pub findings: usize,
    pub unjudged: usize,
}

/// How a run ended, and its exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every probed route behaved as its class says.
    Clean,
    /// At least one contradiction (exit 1).
    Contradictions,
    /// No contradiction, but some routes could not be judged (exit 2).
    Incomplete,
    /// Requests were sent, none got a response (exit 2).
    Unreachable,
    /// No route could be probed (exit 2).
    NothingProbed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Clean => "clean",
            Status::Contradictions => "contradictions",
            Status::Incomplete => "incomplete",
            Status::Unreachable => "unreachable",
            Status::NothingProbed => "nothing-probed",
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Contradictions => 1,
            Status::Incomplete | Status::Unreachable | Status::NothingProbed => 2,
        }
    }
}

impl Report {
    pub fn summary(&self) -> Summary {
        let answers = self.results.iter().flat_map(|r| {
            [&r.answers.anonymous, &r.answers.token]
                .into_iter()
                .flatten()
        });
        let (requests, answered) = answers.fold((0, 0), |(sent, ok), a| match a {
            Answer::Status(_) => (sent + 1, ok + 1),
            Answer::Failed(_) => (sent + 1, ok),
            Answer::NotSent => (sent, ok),
        });
        let probed = self.results.iter().filter(|r| r.request.is_ok()).count();
        Summary {
            routes: self.routes.len(),
            probed,
            skipped: self.routes.len() - probed,
            requests,
            answered,
            findings: self.judgement.findings.len(),
            unjudged: self.judgement.unjudged.len(),
        }
    }

    pub fn status(&self) -> Status {
        let summary = self.summary();
        if summary.findings > 0 {
            Status::Contradictions
        } else if summary.probed == 0 {
            Status::NothingProbed
        } else if summary.answered == 0 {
            Status::Unreachable
        } else if summary.unjudged > 0 {
            Status::Incomplete
        } else {
            Status::Clean
        }
    }
}

/// Probes every route and judges the answers; `unanalyzable` (the places the analysis could not
/// follow) is carried into the report. Warnings (unsafe methods, a remote target, placeholders
/// that match no parameter) go to stderr before the first request.
pub fn run(routes: Vec<RouteInfo>, settings: &Settings, unanalyzable: usize) -> Report {
    warn_before_sending(&routes, settings);
    let plans = plan::plan(&routes, &settings.choices);
    let mut jobs = Vec::new();
    // (route, whether the request carries the token), in the order of `jobs`.
    let mut owners = Vec::new();
    for (i, planned) in plans.iter().enumerate() {
        let Ok(request) = planned else { continue };
        jobs.push(Job {
            method: &request.method,
            path: &request.path,
            bearer: None,
        });
        owners.push((i, false));
        if let Some(credential) = settings.credential.as_ref() {
            if routes[i].class.is_protected() {
                jobs.push(Job {
                    method: &request.method,
                    path: &request.path,
                    bearer: Some(&credential.token),
                });
                owners.push((i, true));
            }
        }
    }
    let sent = send::send_all(&settings.base, &jobs, &settings.limits);
    let mut answers = vec![Answers::default(); routes.len()];
    for ((route, with_token), answer) in owners.into_iter().zip(sent) {
        let slot = if with_token {
            &mut answers[route].token
        } else {
            &mut answers[route].anonymous
        };
        *slot = Some(answer);
    }
    let judgement = judge::judge(&routes, &answers);
    let results = plans
        .into_iter()
        .zip(answers)
        .map(|(request, answers)| RouteResult { request, answers })
        .collect();
    Report {
        base_url: settings.base.display(),
        token_source: settings.credential.as_ref().map(|c| c.source.clone()),
        unsafe_methods: settings.choices.unsafe_methods,
        time_limit: settings.limits.time_limit,
        routes,
        results,
        judgement,
        unanalyzable,
    }
}

fn warn_before_sending(routes: &[RouteInfo], settings: &Settings) {
    if settings.choices.unsafe_methods {
        eprintln!(
            "warning: --unsafe-methods sends POST, PUT, PATCH, DELETE and TRACE requests{}: \
             they may create, change or delete data, so only target a test deployment",
            if settings.credential.is_some() {
                ", with the token too"
            } else {
                ""
            }
        );
    }
    if !settings.base.is_loopback() {
        eprintln!(
            "warning: {} is not this machine (--allow-remote): only probe a deployment you own",
            settings.base.display()
        );
    }
    let names = plan::parameter_names(routes);
    for name in settings.choices.placeholders.values.keys() {
        if !names.contains(name) {
            eprintln!("warning: the placeholder for `{name}` matches no path parameter");
        }
    }
}
