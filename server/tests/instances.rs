//! Two instances of the server on one PostgreSQL database, as behind a load balancer: each with
//! its own pool, rate-limit state and socket on 127.0.0.1, sharing only the database and the
//! secrets. A burst spread over both meets exactly one limit (per service key, per client IP on
//! `/auth/*`), and a revocation through one is refused by the other at once.
//!
//! PostgreSQL only (several instances need a shared database): each test prints a note and passes
//! without running when `TEST_DATABASE_URL` is not a postgres URL.

mod common;
mod net;

use std::net::SocketAddr;

use common::{Db, TestApp};
use net::{request, send, serve, Reply};
use serde_json::{json, Value};

/// Two instances on one fresh database, both served; the first created the schema.
struct Pair {
    a: TestApp,
    b: TestApp,
    addr_a: SocketAddr,
    addr_b: SocketAddr,
}

async fn pair(auth_limit: u32) -> Option<Pair> {
    if !Db::Postgres.available() {
        eprintln!("TEST_DATABASE_URL is not a postgres URL: not run");
        return None;
    }
    let a = TestApp::with(Db::Postgres, |c| c.auth_rate_limit_per_min = auth_limit).await;
    let url = a.state.config.database_url.clone();
    let b = TestApp::on_database(url, |c| c.auth_rate_limit_per_min = auth_limit).await;
    let (addr_a, addr_b) = (serve(a.state.clone()).await, serve(b.state.clone()).await);
    Some(Pair {
        a,
        b,
        addr_a,
        addr_b,
    })
}

/// `count` requests at once, alternating between the instances; the replies in order.
async fn burst(
    addrs: [SocketAddr; 2],
    count: usize,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
) -> Vec<Reply> {
    let tasks: Vec<_> = (0..count)
        .map(|i| {
            let (headers, body) = (headers.clone(), body.clone());
            tokio::spawn(async move {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
                send(None, addrs[i % 2], method, path, &headers, body.as_ref())
                    .await
                    .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
            })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.unwrap());
    }
    replies
}

/// Exactly `limit` answers other than 429; every 429 has the envelope and a `Retry-After` within
/// the minute.
fn assert_limited(replies: &[Reply], limit: usize) {
    let limited: Vec<&Reply> = replies.iter().filter(|r| r.status == 429).collect();
    assert_eq!(
        replies.len() - limited.len(),
        limit,
        "statuses: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in limited {
        r.assert_rate_limited();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_service_key_gets_its_limit_once_across_two_instances() {
    const LIMIT: usize = 7;
    let Some(p) = pair(100_000).await else { return };
    let admin = p.a.user("root", "admin").await;
    let created = request(
        p.addr_a,
        "POST",
        "/api/v1/api-keys",
        Some(&admin),
        Some(&json!({"name": "worker", "role": "viewer", "rate_limit_per_min": LIMIT})),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let key = created.body["key"].as_str().unwrap().to_owned();
    let replies = burst(
        [p.addr_a, p.addr_b],
        30,
        "GET",
        "/api/v1/packs",
        vec![("X-API-Key", key.clone())],
        None,
    )
    .await;
    assert_limited(&replies, LIMIT);
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 429));
    // Both instances served part of the allowance and refuse now.
    for addr in [p.addr_a, p.addr_b] {
        let r = send(
            None,
            addr,
            "GET",
            "/api/v1/packs",
            &[("X-API-Key", &key)],
            None,
        )
        .await
        .unwrap();
        assert_eq!(r.status, 429, "{r:?}");
    }
    // Another key is not limited by this one.
    let other = request(
        p.addr_b,
        "POST",
        "/api/v1/api-keys",
        Some(&admin),
        Some(&json!({"name": "other", "role": "viewer"})),
    )
    .await;
    let other = other.body["key"].as_str().unwrap().to_owned();
    let r = send(
        None,
        p.addr_a,
        "GET",
        "/api/v1/packs",
        &[("X-API-Key", &other)],
        None,
    )
    .await
    .unwrap();
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_client_ip_gets_the_auth_limit_once_across_two_instances() {
    const LIMIT: u32 = 4;
    let Some(p) = pair(LIMIT).await else { return };
    // The account is made without a request (nothing counted against 127.0.0.1).
    server::http::create_admin(&p.a.state, "root", common::PASSWORD.into())
        .await
        .unwrap();
    let login = json!({"login": "root", "password": common::PASSWORD});
    let replies = burst(
        [p.addr_a, p.addr_b],
        16,
        "POST",
        "/api/v1/auth/login",
        Vec::new(),
        Some(login),
    )
    .await;
    assert_limited(&replies, LIMIT as usize);
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 429));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_family_revoked_through_one_instance_is_refused_by_the_other() {
    let Some(p) = pair(100_000).await else { return };
    p.a.user("vi", "viewer").await;
    let login = json!({"login": "vi", "password": common::PASSWORD});
    let refresh = |addr, token: &Value| {
        let body = json!({"refresh_token": token});
        async move { request(addr, "POST", "/api/v1/auth/refresh", None, Some(&body)).await }
    };
    // Logout on A with the refresh token ends the family; B refuses it at once.
    let first = request(p.addr_a, "POST", "/api/v1/auth/login", None, Some(&login)).await;
    assert_eq!(first.status, 200, "{first:?}");
    let access = first.body["access_token"].as_str().unwrap();
    let body = json!({"refresh_token": first.body["refresh_token"]});
    let r = request(
        p.addr_a,
        "POST",
        "/api/v1/auth/logout",
        Some(access),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
    let r = refresh(p.addr_b, &first.body["refresh_token"]).await;
    assert_eq!(r.status, 401, "{r:?}");
    let r = request(p.addr_b, "GET", "/api/v1/auth/me", Some(access), None).await;
    assert_eq!(
        r.status, 401,
        "the access token ended on A still works on B: {r:?}"
    );

    // Reuse detected on B revokes the family, and A refuses the newest token of it.
    let second = request(p.addr_b, "POST", "/api/v1/auth/login", None, Some(&login)).await;
    let rotated = refresh(p.addr_a, &second.body["refresh_token"]).await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let reuse = refresh(p.addr_b, &second.body["refresh_token"]).await;
    assert_eq!(reuse.status, 401, "{reuse:?}");
    let r = refresh(p.addr_a, &rotated.body["refresh_token"]).await;
    assert_eq!(
        r.status, 401,
        "the family revoked on B still works on A: {r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_pat_revoked_on_one_instance_is_refused_on_the_other() {
    let Some(p) = pair(100_000).await else { return };
    let tok = p.a.user("ed", "editor").await;
    let created = request(
        p.addr_a,
        "POST",
        "/api/v1/tokens",
        Some(&tok),
        Some(&json!({"name": "ci"})),
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let pat = created.body["token"].as_str().unwrap().to_owned();
    let id = created.body["id"].as_i64().unwrap();
    let r = request(p.addr_b, "GET", "/api/v1/packs", Some(&pat), None).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = request(
        p.addr_a,
        "DELETE",
        &format!("/api/v1/tokens/{id}"),
        Some(&tok),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "{r:?}");
    let r = request(p.addr_b, "GET", "/api/v1/packs", Some(&pat), None).await;
    assert_eq!(
        r.status, 401,
        "the PAT revoked on A still works on B: {r:?}"
    );
    // Both revocations and the rejection are in the one audit log.
    let r = request(p.addr_b, "GET", "/api/v1/packs", Some(&tok), None).await;
    assert_eq!(r.status, 200);
    let rejected =
        p.b.count("audit_log WHERE action = 'credential.rejected'")
            .await;
    assert_eq!(rejected, 1);
}
