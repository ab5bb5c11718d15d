//! SIGTERM during in-flight writes, on the real `server` binary: new connections are refused at
//! once, every request already accepted completes with its audit entry, and the process exits 0.

mod common;
mod net;

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use net::{read_reply, request};
use serde_json::json;
use sqlx::Row as _;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

const IN_FLIGHT: usize = 12;
const JWT_SECRET: &str = "shutdown test secret, at least thirty-two bytes";

fn server(dir: &std::path::Path, url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.current_dir(dir)
        .env_remove("AUTHCHECK_CONFIG")
        .env("AUTHCHECK_DATA_DIR", dir)
        .env("DATABASE_URL", url)
        .env("AUTHCHECK_LISTEN", "127.0.0.1:0")
        .env("AUTHCHECK_JWT_SECRET", JWT_SECRET)
        .env("AUTHCHECK_ADMIN_PASSWORD", common::PASSWORD)
        .env("RUST_LOG", "info")
        .kill_on_drop(true);
    cmd
}

/// Starts the server and reads its address from the log; the rest of the log is collected.
async fn start(
    dir: &std::path::Path,
    url: &str,
) -> (Child, SocketAddr, tokio::task::JoinHandle<String>) {
    let mut child = server(dir, url)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut log = String::new();
    let addr = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            log.push_str(&line);
            log.push('\n');
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .parse::<SocketAddr>()
                    .unwrap();
            }
        }
        panic!("the server stopped before listening:\n{log}");
    })
    .await
    .expect("the server did not start within 60 s");
    let rest = tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            log.push_str(&line);
            log.push('\n');
        }
        log
    });
    (child, addr, rest)
}

both!(sigterm_finishes_every_accepted_write_and_exits_0, db => {
    let dir = tempfile::tempdir().unwrap();
    let url = common::database_url(db, dir.path()).await;
    let created = server(dir.path(), &url).args(["create-admin", "--login", "admin"]).output().await.unwrap();
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let (mut child, addr, log) = start(dir.path(), &url).await;
    let login = json!({"login": "admin", "password": common::PASSWORD});
    let r = request(addr, "POST", "/api/v1/auth/login", None, Some(&login)).await;
    assert_eq!(r.status, 200, "{r:?}");
    let token = r.body["access_token"].as_str().unwrap().to_owned();

    // Writes in flight: headers and half the body sent, the rest held back.
    let mut in_flight = Vec::new();
    for i in 0..IN_FLIGHT {
        let body = json!({"ref": format!("inflight{i}"), "name": "n"}).to_string();
        let head = format!(
            "POST /api/v1/packs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut s = TcpStream::connect(addr).await.unwrap();
        let (first, rest) = body.split_at(body.len() / 2);
        s.write_all(format!("{head}{first}").as_bytes()).await.unwrap();
        in_flight.push((s, rest.to_owned()));
    }
    // Let the server read every head before the signal.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(killed.success());

    // New connections are refused while those requests are still open.
    let refused_by = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(addr).await {
            // Refused once the listener is closed; reset when the connection was still in the
            // listen backlog as it closed (the kernel accepted it, the server never will).
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionReset
                        | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                break
            }
            Err(e) => panic!("connecting after SIGTERM: {e}"),
            Ok(_) => {
                assert!(Instant::now() < refused_by, "still accepting 10 s after SIGTERM");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    // The accepted requests complete.
    for (i, (mut s, rest)) in in_flight.into_iter().enumerate() {
        s.write_all(rest.as_bytes()).await.unwrap();
        let r = tokio::time::timeout(Duration::from_secs(20), read_reply(&mut s))
            .await
            .expect("no answer")
            .unwrap();
        assert_eq!(r.status, 201, "in-flight write {i}: {r:?}");
    }
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the server did not exit within 30 s of its last request")
        .unwrap();
    let log = log.await.unwrap();
    assert!(status.success(), "exit status {status:?}\n{log}");
    assert!(log.contains("SIGTERM received"), "{log}");

    // Every write is stored with its audit entry.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for i in 0..IN_FLIGHT {
        let target = format!("pack:inflight{i}");
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pack.create' AND target = $1")
            .bind(target.clone())
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(n, 1, "{target} not audited");
    }
    let packs: i64 = sqlx::query("SELECT COUNT(*) AS n FROM packs").fetch_one(&pool).await.unwrap().try_get("n").unwrap();
    assert_eq!(packs, IN_FLIGHT as i64);
    pool.close().await;
});
