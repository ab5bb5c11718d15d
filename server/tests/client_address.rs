//! The client address behind a reverse proxy, over a real socket on 127.0.0.1: `X-Forwarded-For`
//! from a peer that is not a trusted proxy is ignored (its address is the client, for the audit log
//! and the per-IP limit alike); from a trusted proxy it is honoured, taking the right-most address
//! that is not a trusted proxy, so a client cannot pick its own address by sending the header.

mod common;
mod net;

use std::net::{IpAddr, Ipv4Addr};

use common::TestApp;
use net::{send, serve};
use serde_json::json;

const LIMIT: u32 = 2;

/// Logs in with `X-Forwarded-For: xff` from `from` (127.0.0.1 when `None`); the status.
async fn login(
    addr: std::net::SocketAddr,
    from: Option<IpAddr>,
    xff: &str,
) -> std::io::Result<u16> {
    let body = json!({"login": "root", "password": common::PASSWORD});
    let r = send(
        from,
        addr,
        "POST",
        "/api/v1/auth/login",
        &[("X-Forwarded-For", xff)],
        Some(&body),
    )
    .await?;
    Ok(r.status)
}

/// The addresses of the successful logins in the audit log, oldest first.
async fn login_addresses(t: &TestApp) -> Vec<String> {
    use sqlx::Row as _;
    sqlx::query(
        "SELECT ip FROM audit_log WHERE action = 'auth.login' AND outcome = 'ok' ORDER BY id",
    )
    .fetch_all(&t.state.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|row| row.try_get("ip").unwrap())
    .collect()
}

both!(forwarded_for_from_an_untrusted_peer_is_ignored, db => {
    let t = TestApp::with(db, |c| c.auth_rate_limit_per_min = LIMIT).await;
    server::http::create_admin(&t.state, "root", common::PASSWORD.into()).await.unwrap();
    let addr = serve(t.state.clone()).await;
    // Each request claims another address; all are the peer's, 127.0.0.1, and share its limit.
    let statuses = [
        login(addr, None, "203.0.113.1").await.unwrap(),
        login(addr, None, "203.0.113.2").await.unwrap(),
        login(addr, None, "203.0.113.3, 203.0.113.4").await.unwrap(),
    ];
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(login_addresses(&t).await, ["127.0.0.1", "127.0.0.1"]);
});

both!(forwarded_for_from_a_trusted_proxy_is_honoured, db => {
    let t = TestApp::with(db, |c| {
        c.auth_rate_limit_per_min = LIMIT;
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
    })
    .await;
    server::http::create_admin(&t.state, "root", common::PASSWORD.into()).await.unwrap();
    let addr = serve(t.state.clone()).await;
    // Through the proxy at 127.0.0.1: the right-most untrusted address is the client; what the
    // client wrote to its left ("6.6.6.6") and trusted hops to its right (10.0.0.5) are skipped.
    let statuses = [
        login(addr, None, "6.6.6.6, 198.51.100.7, 10.0.0.5").await.unwrap(),
        login(addr, None, "7.7.7.7, 198.51.100.7").await.unwrap(),
        login(addr, None, "198.51.100.7").await.unwrap(),
        // Another client behind the same proxy has an allowance of its own.
        login(addr, None, "198.51.100.8").await.unwrap(),
    ];
    assert_eq!(statuses, [200, 200, 429, 200]);
    assert_eq!(
        login_addresses(&t).await,
        ["198.51.100.7", "198.51.100.7", "198.51.100.8"]
    );
    // A peer outside the trusted range (127.0.0.2 is loopback on Linux) is its own client.
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    match login(addr, Some(other), "198.51.100.9").await {
        Ok(status) => {
            assert_eq!(status, 200);
            assert_eq!(login_addresses(&t).await.last().map(String::as_str), Some("127.0.0.2"));
        }
        Err(e) => eprintln!("cannot connect from {other} ({e}): untrusted-peer check not run"),
    }
});
