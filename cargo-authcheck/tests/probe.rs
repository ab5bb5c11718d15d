//! `cargo authcheck probe` as users meet it, on the `env_bypass` fixture's route table: usage
//! errors, an unreachable or silent server (exit 2, within the time limits), and the refusal of a
//! base URL that is not loopback. Traffic only ever goes to 127.0.0.1; every test of a
//! non-loopback target runs inside a network namespace with no interface up (`unshare -rn`,
//! skipped where unavailable), so nothing could leave the machine even if the refusal broke.
//! The runs against live apps are in `tests/tests/probe.rs`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fixture_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/env_bypass/Cargo.toml")
}

/// `cargo authcheck probe ARGS` on the fixture, optionally wrapped (`unshare -rn ...`).
fn probe(wrapper: &[String], args: &[&str]) -> Output {
    let binary = env!("CARGO_BIN_EXE_cargo-authcheck");
    let mut command = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(binary);
            c
        }
        None => Command::new(binary),
    };
    command
        .args(["authcheck", "probe", "--manifest-path"])
        .arg(fixture_manifest())
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("AUTHCHECK_PROBE_UNSET_TOKEN");
    let out = command.output().expect("the binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn assert_exit(out: &Output, code: i32, needle: &str) {
    assert_eq!(
        out.code, code,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains(needle) || out.stderr.contains(needle),
        "`{needle}` not in\nstdout:\n{}\nstderr:\n{}",
        out.stdout,
        out.stderr
    );
}

/// A port on 127.0.0.1 nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn usage_errors_exit_2() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let cases: &[(&[&str], &str)] = &[
        (&[], "--base-url"),
        (&["--base-url", "ftp://127.0.0.1"], "scheme `ftp`"),
        (&["--base-url", "127.0.0.1:8080"], "needs a scheme"),
        (
            &[
                "--base-url",
                &url,
                "--token-env",
                "AUTHCHECK_PROBE_UNSET_TOKEN",
            ],
            "AUTHCHECK_PROBE_UNSET_TOKEN: the environment variable is not set",
        ),
        (&["--base-url", &url, "--param", "id"], "not NAME=VALUE"),
        (&["--base-url", &url, "--skip", "/projects"], "METHOD /path"),
        (&["--base-url", &url, "--concurrency", "0"], "--concurrency"),
        (
            &["--base-url", &url, "--timeout", "0"],
            "positive number of seconds",
        ),
    ];
    for (args, needle) in cases {
        assert_exit(&probe(&[], args), 2, needle);
    }
}

#[test]
fn a_bad_probe_section_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("authcheck.toml");
    std::fs::write(&config, "[probe]\nparams = { id = \"1\" }\nretries = 3\n").unwrap();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = probe(
        &[],
        &["--base-url", &url, "--config", config.to_str().unwrap()],
    );
    assert_exit(&out, 2, "authcheck.toml:3:1: unknown field `retries`");
}

#[test]
fn a_server_that_is_not_there_is_a_connection_error() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let out = probe(&[], &["--base-url", &url, "--unsafe-methods"]);
    assert_exit(&out, 2, &format!("no request to {url} got an answer"));
    assert!(out.stdout.contains("refused"), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("warning: --unsafe-methods sends POST, PUT, PATCH, DELETE and TRACE"),
        "{}",
        out.stderr
    );
    let out = probe(&[], &["--base-url", &url, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["status"], "unreachable");
    assert_eq!(out.code, 2);
}

/// Accepts connections on 127.0.0.1 and never answers them.
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming().map_while(Result::ok) {
            held.push(stream);
        }
    });
    addr
}

#[test]
fn a_silent_server_is_bounded_by_the_timeouts() {
    let url = format!("http://{}", silent_server());
    let out = probe(
        &[],
        &["--base-url", &url, "--timeout", "0.3", "--format", "json"],
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let reasons: Vec<&str> = json["unjudged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| *r == "no answer: no answer within 0.3s"),
        "{reasons:?}"
    );

    // The total time limit cuts a request short and stops the rest from being sent.
    let out = probe(
        &[],
        &[
            "--base-url",
            &url,
            "--timeout",
            "30",
            "--time-limit",
            "0.5",
            "--concurrency",
            "1",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["summary"]["requests"], 1, "{}", out.stdout);
    let unjudged = json["unjudged"].as_array().unwrap();
    assert_eq!(
        unjudged[0]["reason"],
        "no answer: the time limit of 0.5s was reached"
    );
    assert!(unjudged[1..]
        .iter()
        .all(|u| u["reason"] == "not sent: the time limit of 0.5s was reached"));
}

/// `unshare -rn` (new user and network namespaces: no interface is up), with a mount namespace
/// too when asked; `None` where it cannot run.
fn network_namespace(with_mount: bool) -> Option<Vec<String>> {
    let flags = if with_mount { "-rnm" } else { "-rn" };
    let works = Command::new("unshare")
        .args([flags, "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !works {
        eprintln!("`unshare {flags}` is not available here: not run");
        return None;
    }
    Some(vec!["unshare".to_string(), flags.to_string()])
}

#[test]
fn a_non_loopback_address_is_refused_before_any_request() {
    let Some(netns) = network_namespace(false) else {
        return;
    };
    for url in [
        "http://192.0.2.1:8080",
        "http://[2001:db8::1]:8080",
        "http://0.0.0.0:8080",
    ] {
        let out = probe(&netns, &["--base-url", url]);
        assert_exit(
            &out,
            2,
            &format!("error: base URL `{url}` is not a loopback address; the probe only sends"),
        );
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
    // Allowed, it gets as far as connecting: in the namespace there is nowhere to connect to.
    let out = probe(
        &netns,
        &["--base-url", "http://192.0.2.1:8080", "--allow-remote"],
    );
    assert_exit(&out, 2, "no request to http://192.0.2.1:8080 got an answer");
    assert!(out.stderr.contains("is not this machine"), "{}", out.stderr);
}

#[test]
fn a_host_name_must_resolve_to_loopback_only() {
    let Some(mut netns) = network_namespace(true) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hosts = dir.path().join("hosts");
    std::fs::write(
        &hosts,
        "127.0.0.1 localhost\n192.0.2.10 staging.example\n127.0.0.1 split.example\n192.0.2.11 split.example\n127.0.0.5 local.example\n",
    )
    .unwrap();
    // In its own mount namespace, the child sees these hosts as /etc/hosts.
    let script = format!(
        "mount --bind '{}' /etc/hosts && exec \"$@\"",
        hosts.display()
    );
    netns.extend(["sh".to_string(), "-c".to_string(), script, "sh".to_string()]);

    let out = probe(&netns, &["--base-url", "http://staging.example:8080"]);
    assert_exit(&out, 2, "(`staging.example` resolves to 192.0.2.10)");
    let out = probe(&netns, &["--base-url", "http://split.example:8080"]);
    assert_exit(&out, 2, "(`split.example` resolves to 192.0.2.11)");
    // A name for a loopback address passes the check; nothing listens in the namespace.
    let out = probe(&netns, &["--base-url", "http://local.example:8080"]);
    assert_exit(
        &out,
        2,
        "no request to http://local.example:8080 got an answer",
    );
}
