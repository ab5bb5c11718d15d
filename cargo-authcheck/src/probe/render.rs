//! Renders a probe [`Report`]: text for people (one block per contradiction, like the lints, then
//! a summary line) and JSON for CI, whose field names are a stable contract (README: `probe`).

use std::fmt::Write as _;

use serde::Serialize;

use super::judge::{Finding, Kind, Unjudged};
use super::send::{seconds, Answer};
use super::{Report, RouteInfo, Status};
use crate::auth::AuthClass;

/// `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => json(report),
    }
}

/// A finding in words: the message and the help line.
struct Words {
    message: String,
    help: String,
}

fn words(report: &Report, finding: &Finding) -> Words {
    let token = report.token_source.as_deref().unwrap_or("the token");
    let (kind, i, status) = match *finding {
        Finding::TokenRefusedEverywhere { refusals } => {
            return Words {
                message: format!(
                "every protected route probed ({refusals}) answered 401 to the token in `{token}`"
            ),
                help: "the token is wrong, expired or of a kind these routes do not take, not \
                       the code: pass a valid access token"
                    .to_string(),
            }
        }
        Finding::Route {
            kind,
            route,
            status,
        } => (kind, route, status),
    };
    let route = &report.routes[i];
    let request = request_text(report, i);
    let label = route.label();
    let class = class_text(route);
    let answered = status_text(status);
    match kind {
        Kind::ProtectedNotEnforced => Words {
            message: format!(
                "`{label}` is protected ({class}), yet `{request}` without credentials answered {answered}"
            ),
            help: if matches!(status, 404 | 405) {
                "the server does not serve this route there: check the base URL (and its path \
                 prefix) and that the server runs this code"
                    .to_string()
            } else {
                "an anonymous caller must get 401 or 403: look for what lets it through at run \
                 time (a switch that turns the check off, such as an environment variable or a \
                 configuration flag, or something that answers before the check)"
                    .to_string()
            },
        },
        Kind::PublicRequiresAuth => Words {
            message: format!(
                "`{label}` is not protected ({class}), yet `{request}` without credentials answered {answered}"
            ),
            help: match &route.protection {
                Some(found) => format!(
                    "the analysis found {found} too: if the route is meant to be protected, drop \
                     its `#[public]` or allowlist entry"
                ),
                None => "the server requires authentication the analysis does not see: make the \
                         evidence visible (`[auth] extractors` or `layers`), or find what rejects \
                         the caller"
                    .to_string(),
            },
        },
        Kind::TokenRefused => Words {
            message: format!(
                "`{label}` answered {answered} to `{request}` with the token in `{token}`, which \
                 other protected routes accepted"
            ),
            help: "this route authenticates differently (another scheme or header), or an \
                   earlier request ended the session (skip it with --skip)"
                .to_string(),
        },
    }
}

/// The request a route was sent, or its label when it was skipped.
fn request_text(report: &Report, route: usize) -> String {
    match &report.results[route].request {
        Ok(request) => request.to_string(),
        Err(_) => report.routes[route].label(),
    }
}

fn class_text(route: &RouteInfo) -> String {
    match &route.evidence {
        Some(evidence) => format!("{}: {evidence}", route.class.as_str()),
        None => route.class.as_str().to_string(),
    }
}

/// `200 OK`.
fn status_text(status: u16) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// Why an answer says nothing about authentication.
fn answer_reason(report: &Report, answer: &Answer) -> String {
    match answer {
        Answer::Status(status) => format!(
            "answered {} before authentication could be judged",
            status_text(*status)
        ),
        Answer::Failed(error) => format!("no answer: {error}"),
        Answer::NotSent => format!(
            "not sent: the time limit of {} was reached",
            seconds(report.time_limit)
        ),
    }
}

fn unjudged_request(report: &Report, unjudged: &Unjudged) -> String {
    let request = request_text(report, unjudged.route);
    if unjudged.with_token {
        format!("{request} with the token")
    } else {
        format!("{request} without credentials")
    }
}

fn human(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.judgement.findings {
        let Words { message, help } = words(report, finding);
        let _ = writeln!(out, "error[{}]: {message}", finding.code());
        if let Some(route) = finding.route().map(|i| &report.routes[i]) {
            let _ = writeln!(
                out,
                "  --> {}:{} ({})",
                route.file, route.line, route.handler
            );
        }
        let _ = writeln!(out, "  = help: {help}\n");
    }
    let status = report.status();
    if status == Status::Unreachable {
        let reason = match report.judgement.unjudged.first().map(|u| &u.answer) {
            Some(Answer::Failed(error)) => error.clone(),
            Some(other) => answer_reason(report, other),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "error: no request to {} got an answer ({reason}): is the server running there?",
            report.base_url
        );
    } else {
        for unjudged in &report.judgement.unjudged {
            let _ = writeln!(
                out,
                "error: `{}` was not judged: {}",
                unjudged_request(report, unjudged),
                answer_reason(report, &unjudged.answer)
            );
        }
    }
    if status == Status::NothingProbed {
        let _ = writeln!(
            out,
            "error: no route was probed{}",
            if report.routes.is_empty() {
                ": the analysis found no route"
            } else {
                ""
            }
        );
    }
    if report.unanalyzable > 0 {
        let _ = writeln!(
            out,
            "note: {} place(s) in the code could not be analysed (see `cargo authcheck`): their routes were not probed",
            report.unanalyzable
        );
    }
    out.push_str(&summary_lines(report));
    out
}

/// The closing lines: counts, then how many routes were skipped for each reason.
fn summary_lines(report: &Report) -> String {
    let s = report.summary();
    let mut out = format!(
        "probe of {}: {}, {} probed with {}, {} skipped; {}, {} unjudged\n",
        report.base_url,
        plural(s.routes, "route"),
        s.probed,
        plural(s.requests, "request"),
        s.skipped,
        plural(s.findings, "contradiction"),
        s.unjudged
    );
    let mut reasons: Vec<(String, usize)> = Vec::new();
    for skip in report
        .results
        .iter()
        .filter_map(|r| r.request.as_ref().err())
    {
        let reason = skip.to_string();
        match reasons.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => reasons.push((reason, 1)),
        }
    }
    for (reason, n) in reasons {
        let _ = writeln!(out, "  {n} skipped: {reason}");
    }
    out
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    base_url: &'a str,
    token_env: Option<&'a str>,
    unsafe_methods: bool,
    status: &'static str,
    routes: Vec<JsonRoute<'a>>,
    findings: Vec<JsonFinding>,
    unjudged: Vec<JsonUnjudged>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonRoute<'a> {
    method: &'a str,
    path: &'a str,
    auth: &'static str,
    handler: &'a str,
    file: &'a str,
    line: usize,
    request: Option<String>,
    skipped: Option<String>,
    anonymous: Option<JsonAnswer>,
    token: Option<JsonAnswer>,
}

#[derive(Serialize)]
struct JsonAnswer {
    status: Option<u16>,
    error: Option<String>,
}

#[derive(Serialize)]
struct JsonFinding {
    kind: &'static str,
    route: Option<String>,
    request: Option<String>,
    status: Option<u16>,
    auth: Option<&'static str>,
    file: Option<String>,
    line: Option<usize>,
    message: String,
    help: String,
}

#[derive(Serialize)]
struct JsonUnjudged {
    route: String,
    request: String,
    reason: String,
}

#[derive(Serialize)]
struct JsonSummary {
    routes: usize,
    probed: usize,
    skipped: usize,
    requests: usize,
    findings: usize,
    unjudged: usize,
    unanalyzable: usize,
}

fn json_answer(report: &Report, answer: &Answer) -> JsonAnswer {
    match answer {
        Answer::Status(status) => JsonAnswer {
            status: Some(*status),
            error: None,
        },
        other => JsonAnswer {
            status: None,
            error: Some(answer_reason(report, other)),
        },
    }
}

fn json(report: &Report) -> String {
    let routes = report
        .routes
        .iter()
        .zip(&report.results)
        .map(|(route, result)| JsonRoute {
            method: &route.method,
            path: &route.path,
            auth: route.class.as_str(),
            handler: &route.handler,
            file: &route.file,
            line: route.line,
            request: result.request.as_ref().ok().map(ToString::to_string),
            skipped: result.request.as_ref().err().map(ToString::to_string),
            anonymous: result
                .answers
                .anonymous
                .as_ref()
                .map(|a| json_answer(report, a)),
            token: result
                .answers
                .token
                .as_ref()
                .map(|a| json_answer(report, a)),
        })
        .collect();
    let findings = report
        .judgement
        .findings
        .iter()
        .map(|finding| {
            let Words { message, help } = words(report, finding);
            let route = finding.route().map(|i| &report.routes[i]);
            JsonFinding {
                kind: finding.code(),
                route: route.map(RouteInfo::label),
                request: finding.route().map(|i| request_text(report, i)),
                status: match finding {
                    Finding::Route { status, .. } => Some(*status),
                    Finding::TokenRefusedEverywhere { .. } => Some(401),
                },
                auth: route.map(|r| AuthClass::as_str(r.class)),
                file: route.map(|r| r.file.clone()),
                line: route.map(|r| r.line),
                message,
                help,
            }
        })
        .collect();
    let unjudged = report
        .judgement
        .unjudged
        .iter()
        .map(|u| JsonUnjudged {
            route: report.routes[u.route].label(),
            request: unjudged_request(report, u),
            reason: answer_reason(report, &u.answer),
        })
        .collect();
    let s = report.summary();
    let mut out = serde_json::to_string_pretty(&JsonReport {
        version: 1,
        base_url: &report.base_url,
        token_env: report.token_source.as_deref(),
        unsafe_methods: report.unsafe_methods,
        status: report.status().as_str(),
        routes,
        findings,
        unjudged,
        summary: JsonSummary {
            routes: s.routes,
            probed: s.probed,
            skipped: s.skipped,
            requests: s.requests,
            findings: s.findings,
            unjudged: s.unjudged,
            unanalyzable: report.unanalyzable,
        },
    })
    .unwrap_or_default();
    out.push('\n');
    out
}
