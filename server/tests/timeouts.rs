//! Slow clients cannot hold connections, over a real socket on 127.0.0.1 with short timeouts: one
//! sending its headers a byte a second is cut off at the header-read timeout (as is a connection
//! that sends nothing) while other clients are served; one trickling its body is answered 408 at
//! the request timeout, and the write it carried never happens. A handler still running at the
//! deadline is answered 503 and completes its write, with the audit entry, afterwards.

mod common;
mod net;

use std::time::{Duration, Instant};

use common::TestApp;
use net::{request, serve};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

async fn app(db: common::Db) -> TestApp {
    TestApp::with(db, |c| {
        c.header_read_timeout = HEADER_TIMEOUT;
        c.request_timeout = REQUEST_TIMEOUT;
    })
    .await
}

/// Sends `bytes` one per `pace` until the server answers or closes; returns how many were sent,
/// when the server reacted, and what it sent back (empty when it just closed).
async fn trickle(
    stream: &mut TcpStream,
    bytes: &[u8],
    pace: Duration,
) -> (usize, Duration, Vec<u8>) {
    let started = Instant::now();
    let mut answer = Vec::new();
    for (sent, byte) in bytes.iter().enumerate() {
        if stream.write_all(&[*byte]).await.is_err() {
            return (sent, started.elapsed(), answer);
        }
        let mut buf = [0u8; 1024];
        match tokio::time::timeout(pace, stream.read(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => return (sent + 1, started.elapsed(), answer),
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                let _ = tokio::time::timeout(pace, stream.read_to_end(&mut answer)).await;
                return (sent + 1, started.elapsed(), answer);
            }
        }
    }
    panic!(
        "the server took all {} bytes at one a {pace:?}",
        bytes.len()
    );
}

both!(headers_sent_a_byte_a_second_are_cut_off_while_others_are_served, db => {
    let t = app(db).await;
    let addr = serve(t.state.clone()).await;
    let head = format!("GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n", "a".repeat(40));
    let slow = tokio::spawn(async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        trickle(&mut s, head.as_bytes(), Duration::from_secs(1)).await
    });
    // A connection that sends nothing at all is closed at the same timeout.
    let idle = tokio::spawn(async move {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        let mut buf = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
        (read.is_ok(), started.elapsed())
    });
    // Meanwhile other clients are served, promptly.
    for _ in 0..20 {
        assert_eq!(request(addr, "GET", "/health", None, None).await.status, 200);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sent, after, answer) = slow.await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    eprintln!("slow client cut off after {after:?}, {sent} bytes sent, answer {answer:?}");
    assert!(after >= HEADER_TIMEOUT - Duration::from_millis(100), "cut off early: {after:?}");
    assert!(sent < 40, "{sent} bytes went in before the cut");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    let (closed, after) = idle.await.unwrap();
    assert!(closed, "an idle connection was kept open");
    assert!(after >= HEADER_TIMEOUT - Duration::from_millis(100), "idle closed early: {after:?}");
});

both!(a_body_sent_too_slowly_is_answered_408_and_not_written, db => {
    let t = app(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    let body = json!({"ref": "slow", "name": "n"}).to_string();
    let head = format!(
        "POST /api/v1/packs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let (sent, after, answer) =
        trickle(&mut s, body.as_bytes(), Duration::from_millis(500)).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    eprintln!("slow body answered after {after:?}, {sent} bytes sent: {answer:?}");
    assert!(sent < body.len(), "the whole body went in");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("connection: close"), "{answer}");
    assert!(answer.contains("\"code\":408"), "{answer}");
    assert_eq!(t.count("packs").await, 0);
    // The server is fine afterwards.
    let r = request(addr, "POST", "/api/v1/packs", Some(&tok), Some(&json!({"ref": "fast", "name": "n"}))).await;
    assert_eq!(r.status, 201, "{r:?}");
});

both!(a_handler_past_the_deadline_is_answered_503_and_still_completes, db => {
    use sqlx::Executor as _;
    let t = app(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    // Another writer holds the packs table: the create waits for it past the request deadline.
    let mut blocker = t.state.db.begin_write().await.unwrap();
    if t.state.db.backend == server::db::Backend::Postgres {
        (&mut *blocker).execute("LOCK TABLE packs IN EXCLUSIVE MODE").await.unwrap();
    }
    let started = Instant::now();
    let body = json!({"ref": "late", "name": "n"});
    let r = request(addr, "POST", "/api/v1/packs", Some(&tok), Some(&body)).await;
    assert_eq!(r.status, 503, "{r:?}");
    r.assert_envelope();
    assert!(started.elapsed() >= REQUEST_TIMEOUT - Duration::from_millis(100));
    assert_eq!(t.count("packs").await, 0);
    blocker.rollback().await.unwrap();
    // The handler goes on once the lock is gone: the pack and its entry, together.
    let deadline = Instant::now() + Duration::from_secs(20);
    while t.count("packs").await == 0 {
        assert!(Instant::now() < deadline, "the late write never happened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(t.count("audit_log WHERE action = 'pack.create' AND target = 'pack:late'").await, 1);
});
