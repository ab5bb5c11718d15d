//! `cargo authcheck probe` against running applications on 127.0.0.1 (and nowhere else):
//!
//! - the bundled server (built by the server's own test harness, served on an ephemeral port):
//!   a clean run with a valid token, one finding for a token it does not accept, and only safe
//!   methods reaching it unless `--unsafe-methods` is given (a layer records what arrives);
//! - the `env_bypass` fixture, whose auth extractor lets everyone through when `FX_DISABLE_AUTH`
//!   is set: clean when started without it, caught when started with it. The app runs in a
//!   process of its own (this test binary started again with only `fixture_app_process`
//!   selected), so that the variable is set in its environment and nowhere else.

#[path = "../../server/tests/common/mod.rs"]
mod common;
#[path = "../../server/tests/net/mod.rs"]
mod net;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;
use cargo_authcheck::analysis::{analyze, Analysis, Options};
use cargo_authcheck::probe::judge::{Finding, Kind};
use cargo_authcheck::probe::plan::{Choices, Skip, SAFE_METHODS};
use cargo_authcheck::probe::render::{render, Format};
use cargo_authcheck::probe::send::Limits;
use cargo_authcheck::probe::{self, target, Credential, Report, RouteInfo, Settings, Status};
use common::{TestApp, TEST_SECRET};

fn analysis(manifest: &str) -> Analysis {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(manifest);
    let options = Options::uncached(manifest);
    analyze(&options, &cargo_authcheck::rules::codes()).expect("the crate can be analysed")
}

fn settings(addr: SocketAddr, token: Option<&str>, unsafe_methods: bool) -> Settings {
    Settings {
        base: target::check(&format!("http://{addr}"), false, &target::system_resolve)
            .expect("a loopback base URL"),
        credential: token.map(|token| Credential {
            source: "TEST_TOKEN".into(),
            token: token.into(),
        }),
        choices: Choices {
            unsafe_methods,
            ..Choices::default()
        },
        limits: Limits {
            request_timeout: Duration::from_secs(20),
            concurrency: 4,
            time_limit: Duration::from_secs(240),
        },
    }
}

/// Runs the (blocking) probe off the async runtime that serves the app.
async fn run(routes: Vec<RouteInfo>, settings: Settings) -> Report {
    tokio::task::spawn_blocking(move || probe::run(routes, &settings, 0))
        .await
        .expect("the probe does not panic")
}

/// The methods of the requests that reached the app.
type Seen = Arc<Mutex<Vec<String>>>;

async fn record(State(seen): State<Seen>, request: Request, next: Next) -> Response {
    seen.lock().unwrap().push(request.method().to_string());
    next.run(request).await
}

/// The server's router on 127.0.0.1 (ephemeral port), with a layer recording request methods.
async fn serve_server(t: &TestApp) -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app: Router = t
        .app
        .clone()
        .layer(from_fn_with_state(seen.clone(), record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    (addr, seen)
}

fn describe(report: &Report) -> String {
    render(report, Format::Human)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bundled_server_agrees_with_its_table() {
    let routes = RouteInfo::from_analysis(&analysis("../server/Cargo.toml"));
    let t = TestApp::new(common::Db::Sqlite).await;
    let token = t.user("root", "admin").await;
    let (addr, seen) = serve_server(&t).await;

    let report = run(routes.clone(), settings(addr, Some(&token), false)).await;
    assert_eq!(report.status(), Status::Clean, "{}", describe(&report));
    assert_eq!(report.status().exit_code(), 0);

    let summary = report.summary();
    let protected_probed = routes
        .iter()
        .zip(&report.results)
        .filter(|(r, res)| r.class.is_protected() && res.request.is_ok())
        .count();
    assert!(summary.probed >= 30, "{}", describe(&report));
    assert!(protected_probed >= 25, "{}", describe(&report));
    assert_eq!(summary.requests, summary.probed + protected_probed);
    assert_eq!(summary.answered, summary.requests);

    // Unsafe methods are skipped by default: none reached the server.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), summary.requests);
    assert!(
        seen.iter().all(|m| SAFE_METHODS.contains(&m.as_str())),
        "{seen:?}"
    );
    for (route, result) in routes.iter().zip(&report.results) {
        let unsafe_method = !SAFE_METHODS.contains(&route.method.as_str()) && route.method != "ANY";
        assert_eq!(
            result.request.as_ref().err() == Some(&Skip::UnsafeMethod),
            unsafe_method,
            "{}",
            route.label()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_the_server_refuses_is_one_finding() {
    let routes = RouteInfo::from_analysis(&analysis("../server/Cargo.toml"));
    let t = TestApp::new(common::Db::Sqlite).await;
    let (addr, _) = serve_server(&t).await;
    // Well-formed, signed with another secret.
    let mut other_secret = TEST_SECRET.to_vec();
    other_secret.reverse();
    let token = common::forge(&other_secret, "access", 600, "1");

    let report = run(routes, settings(addr, Some(&token), false)).await;
    let protected_probed = report
        .routes
        .iter()
        .zip(&report.results)
        .filter(|(r, res)| r.class.is_protected() && res.request.is_ok())
        .count();
    assert_eq!(
        report.judgement.findings,
        [Finding::TokenRefusedEverywhere {
            refusals: protected_probed
        }],
        "{}",
        describe(&report)
    );
    assert_eq!(report.status().exit_code(), 1);
    let text = describe(&report);
    assert!(
        text.contains("error[token-refused-everywhere]") && text.contains("`TEST_TOKEN`"),
        "{text}"
    );
    assert!(!text.contains(&token), "the token is never printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unsafe_methods_are_sent_only_when_asked() {
    let routes = RouteInfo::from_analysis(&analysis("../server/Cargo.toml"));
    let t = TestApp::new(common::Db::Sqlite).await;
    let (addr, seen) = serve_server(&t).await;

    let report = run(routes.clone(), settings(addr, None, true)).await;
    assert_eq!(report.status(), Status::Clean, "{}", describe(&report));
    let seen = seen.lock().unwrap().clone();
    for method in ["POST", "PUT", "DELETE"] {
        assert!(seen.iter().any(|m| m == method), "no {method}: {seen:?}");
    }
    let unsafe_routes = routes
        .iter()
        .filter(|r| ["POST", "PUT", "PATCH", "DELETE"].contains(&r.method.as_str()))
        .count();
    assert_eq!(
        seen.iter()
            .filter(|m| !SAFE_METHODS.contains(&m.as_str()))
            .count(),
        unsafe_routes
    );
    assert!(report.results.iter().all(|r| r.request.is_ok()));
}

/// Set in the environment of the fixture app's process.
const CHILD_MARKER: &str = "AUTHCHECK_PROBE_FIXTURE_PROCESS";
const LISTENING: &str = "listening on ";

/// The `env_bypass` fixture app, served by a child process until it is dropped.
struct FixtureApp {
    child: Child,
    addr: SocketAddr,
}

impl FixtureApp {
    fn start(disable_auth: bool) -> FixtureApp {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "fixture_app_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_MARKER, "1")
            .env_remove(fx_env_bypass::session::DISABLE_AUTH_VAR)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped());
        if disable_auth {
            command.env(fx_env_bypass::session::DISABLE_AUTH_VAR, "1");
        }
        let mut child = command.spawn().expect("the test binary starts again");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let addr = stdout
            .lines()
            .map_while(Result::ok)
            // libtest writes `test fixture_app_process ... ` before the test's own output.
            .find_map(|line| {
                line.split_once(LISTENING)
                    .map(|(_, addr)| addr.trim().parse().unwrap())
            })
            .expect("the fixture app reports its address");
        FixtureApp { child, addr }
    }
}

impl Drop for FixtureApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Not a test: the body of the fixture app's process (see [`FixtureApp`]); in a normal run it
/// is ignored, and without the marker it returns at once. It serves until its stdin closes.
#[test]
#[ignore = "the env_bypass app's process, started by the probe tests"]
fn fixture_app_process() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{LISTENING}{}", listener.local_addr().unwrap());
        axum::serve(listener, fx_env_bypass::app()).await.unwrap();
    });
}

fn probe_fixture(disable_auth: bool) -> Report {
    let routes = RouteInfo::from_analysis(&analysis("../fixtures/env_bypass/Cargo.toml"));
    let app = FixtureApp::start(disable_auth);
    probe::run(routes, &settings(app.addr, Some("fixture token"), false), 0)
}

#[test]
fn the_env_bypass_app_is_clean_without_the_variable() {
    let report = probe_fixture(false);
    assert_eq!(report.status(), Status::Clean, "{}", describe(&report));
    assert_eq!(report.summary().probed, 5, "{}", describe(&report));
}

#[test]
fn the_env_bypass_app_is_caught_with_the_variable() {
    let report = probe_fixture(true);
    let caught: Vec<(String, Kind, u16)> = report
        .judgement
        .findings
        .iter()
        .map(|f| match f {
            Finding::Route {
                kind,
                route,
                status,
            } => (report.routes[*route].label(), *kind, *status),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    let bypassed = |label: &str| (label.to_string(), Kind::ProtectedNotEnforced, 200);
    assert_eq!(
        caught,
        [
            bypassed("GET /files/{*path}"),
            bypassed("GET /projects"),
            bypassed("GET /projects/{id}"),
        ],
        "{}",
        describe(&report)
    );
    assert_eq!(report.status().exit_code(), 1);

    let human = describe(&report);
    assert!(
        human.contains(
            "error[protected-not-enforced]: `GET /projects/{id}` is protected (extractor: Session \
             (extracts RequireAuth)), yet `GET /projects/1` without credentials answered 200 OK"
        ),
        "{human}"
    );
    assert!(
        human.contains("2 skipped: its method changes state"),
        "{human}"
    );

    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["status"], "contradictions");
    assert_eq!(json["token_env"], "TEST_TOKEN");
    assert_eq!(json["summary"]["findings"], 3);
    assert_eq!(json["summary"]["skipped"], 2);
    let finding = &json["findings"][2];
    assert_eq!(finding["kind"], "protected-not-enforced");
    assert_eq!(finding["route"], "GET /projects/{id}");
    assert_eq!(finding["request"], "GET /projects/1");
    assert_eq!(finding["status"], 200);
    assert_eq!(finding["auth"], "extractor");
    assert_eq!(finding["file"], "env_bypass/src/lib.rs");
    let route = json["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "DELETE")
        .unwrap();
    assert_eq!(route["request"], serde_json::Value::Null);
    assert!(route["skipped"]
        .as_str()
        .unwrap()
        .contains("--unsafe-methods"));
    assert_eq!(route["anonymous"], serde_json::Value::Null);
}
