//! Sends the planned requests over HTTP/1.1 with `ureq` (blocking), bounded three ways: a timeout
//! per request, a fixed number of worker threads, and a deadline after which nothing new is
//! sent. Connections go only to the addresses the base URL check accepted (a pinned resolver:
//! no second lookup, no other host), never through a proxy from the environment, and redirects
//! are answers, not followed: a `302` to a login page is what the probe needs to see.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::http::{self, Uri};
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};
use ureq::Agent;

use super::target::BaseUrl;

/// The bounds of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// How long one request may take, from connecting to the response head.
    pub request_timeout: Duration,
    /// How many requests are in flight at most.
    pub concurrency: usize,
    /// After this long from the start no request is sent, and none runs past it.
    pub time_limit: Duration,
}

/// One request to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job<'a> {
    pub method: &'a str,
    /// Below the base URL's prefix, starting with `/`.
    pub path: &'a str,
    /// Sent as `Authorization: Bearer <token>`.
    pub bearer: Option<&'a str>,
}

/// What came back for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The response's status code.
    Status(u16),
    /// No response: the connection failed, broke, or timed out.
    Failed(String),
    /// Not sent: the total time limit had been reached.
    NotSent,
}

/// Sends every job, at most `limits.concurrency` at a time; the answers are in the jobs' order.
pub fn send_all(base: &BaseUrl, jobs: &[Job], limits: &Limits) -> Vec<Answer> {
    let agent = agent(base, limits.request_timeout);
    let deadline = Instant::now() + limits.time_limit;
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Answer>> = Mutex::new(vec![Answer::NotSent; jobs.len()]);
    let workers = limits.concurrency.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    break;
                }
                let answer = if remaining < limits.request_timeout {
                    let on_timeout = format!(
                        "the time limit of {} was reached",
                        seconds(limits.time_limit)
                    );
                    send(&agent, base, job, remaining, on_timeout)
                } else {
                    let timeout = limits.request_timeout;
                    send(
                        &agent,
                        base,
                        job,
                        timeout,
                        format!("no answer within {}", seconds(timeout)),
                    )
                };
                if let Ok(mut answers) = answers.lock() {
                    answers[i] = answer;
                }
            });
        }
    });
    answers.into_inner().unwrap_or_default()
}

fn agent(base: &BaseUrl, timeout: Duration) -> Agent {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .proxy(None)
        .timeout_global(Some(timeout))
        .user_agent(concat!("cargo-authcheck-probe/", env!("CARGO_PKG_VERSION")))
        .build();
    let resolver = Pinned {
        host: base.host.clone(),
        port: base.port,
        addrs: base.addrs.clone(),
    };
    Agent::with_parts(config, DefaultConnector::default(), resolver)
}

/// Sends one request; `on_timeout` says why when `timeout` runs out.
fn send(agent: &Agent, base: &BaseUrl, job: &Job, timeout: Duration, on_timeout: String) -> Answer {
    let mut request = http::Request::builder()
        .method(job.method)
        .uri(base.url(job.path));
    if let Some(token) = job.bearer {
        request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let request = match request.body(()) {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("cannot build the request: {e}")),
    };
    let request = agent
        .configure_request(request)
        .timeout_global(Some(timeout))
        .build();
    match agent.run(request) {
        Ok(response) => Answer::Status(response.status().as_u16()),
        Err(ureq::Error::Timeout(_)) => Answer::Failed(on_timeout),
        Err(ureq::Error::Io(e)) => Answer::Failed(e.to_string()),
        Err(e) => Answer::Failed(e.to_string()),
    }
}

/// `2.5s`, `10s`.
pub fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

/// Answers every lookup with the addresses the base URL check accepted, and refuses any other
/// host: the sender never resolves a name itself.
#[derive(Debug)]
struct Pinned {
    host: String,
    port: u16,
    addrs: Vec<SocketAddr>,
}

impl Resolver for Pinned {
    fn resolve(
        &self,
        uri: &Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']');
        if !host.eq_ignore_ascii_case(&self.host) || uri.port_u16() != Some(self.port) {
            return Err(ureq::Error::HostNotFound);
        }
        let mut out = self.empty();
        // `ResolvedSocketAddrs` holds 16 addresses.
        for addr in self.addrs.iter().take(16) {
            out.push(*addr);
        }
        Ok(out)
    }
}
