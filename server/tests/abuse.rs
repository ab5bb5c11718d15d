//! The server under load and abuse, over a real socket on 127.0.0.1: concurrent writers lose nothing,
//! a login burst meets the per-IP rate limit while other clients are served, clients that vanish
//! mid-request break nothing, and database errors are answered with the envelope (503).
//! The PostgreSQL restart case is in `pg_restart.rs` (a test binary of its own).

mod common;
mod net;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::TestApp;
use net::{request, request_from, serve};
use serde_json::json;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;

const WRITERS: usize = 8;
const CREATES_PER_WRITER: usize = 25;

both!(concurrent_writers_lose_nothing, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let tok = tok.clone();
        writers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..CREATES_PER_WRITER {
                let body = json!({"ref": format!("w{w}_{i}"), "name": "n"});
                let r = request(addr, "POST", "/api/v1/packs", Some(&tok), Some(&body)).await;
                statuses.push((r.status, r.body));
            }
            statuses
        }));
    }
    for writer in writers {
        for (status, body) in writer.await.unwrap() {
            assert_eq!(status, 201, "{body}");
        }
    }
    let total = WRITERS * CREATES_PER_WRITER;
    assert_eq!(t.count("packs").await, total as i64);
    let r = request(addr, "GET", "/api/v1/packs?per_page=1", Some(&tok), None).await;
    assert_eq!(r.status, 200, "{:?}", r);
    assert_eq!(r.body["total"], json!(total));
    // Every write is in the audit log too.
    let audited = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pack.create'")
        .fetch_one(&t.state.db.pool)
        .await
        .unwrap();
    assert_eq!(sqlx::Row::try_get::<i64, _>(&audited, "n").unwrap(), total as i64);
});

both!(a_login_burst_gets_429_while_other_clients_are_served, db => {
    const LIMIT: u32 = 3;
    const BURST: usize = 20;
    let t = TestApp::with(db, |c| c.auth_rate_limit_per_min = LIMIT).await;
    // Set up without a peer address (oneshot): nothing counted against 127.0.0.1.
    let tok = t.user("admin", "admin").await;
    let addr = serve(t.state.clone()).await;
    let login = json!({"login": "admin", "password": common::PASSWORD});
    let burst: Vec<_> = (0..BURST)
        .map(|_| {
            let login = login.clone();
            tokio::spawn(async move {
                request(addr, "POST", "/api/v1/auth/login", None, Some(&login)).await
            })
        })
        .collect();
    // Meanwhile an authenticated client keeps working.
    let reader = tokio::spawn(async move {
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(request(addr, "GET", "/api/v1/packs", Some(&tok), None).await.status);
        }
        statuses
    });
    let (mut ok, mut limited) = (0, 0);
    for task in burst {
        let r = task.await.unwrap();
        match r.status {
            200 => ok += 1,
            429 => {
                limited += 1;
                r.assert_rate_limited();
            }
            other => panic!("login answered {other}: {r:?}"),
        }
    }
    assert_eq!((ok, limited), (LIMIT as usize, BURST - LIMIT as usize));
    assert!(reader.await.unwrap().iter().all(|s| *s == 200));
    // Another client address is not limited by this one's burst (127.0.0.2 is loopback on Linux).
    let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    match request_from(Some(other), addr, "POST", "/api/v1/auth/login", None, Some(&login)).await {
        Ok(r) => assert_eq!(r.status, 200, "{r:?}"),
        Err(e) => eprintln!("cannot connect from {other} ({e}): per-address check not run"),
    }
});

both!(clients_that_disconnect_mid_request_break_nothing, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    let pack = |r: &str| json!({"ref": r, "name": "n"}).to_string();
    let head = |len: usize| {
        format!(
            "POST /api/v1/packs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
             Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    let login = json!({"login": "ed", "password": common::PASSWORD}).to_string();
    let login = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{login}",
        login.len()
    );
    let mut abusive: Vec<String> = Vec::new();
    for i in 0..10 {
        let body = pack(&format!("half{i}"));
        // Half a body, then gone.
        abusive.push(format!("{}{}", head(body.len()), &body[..body.len() / 2]));
        // Half the headers, then gone.
        let h = head(body.len());
        abusive.push(h[..h.len() / 2].to_owned());
        // A whole request, gone before the answer (the handler may be cancelled mid-way).
        abusive.push(format!("{}{}", head(body.len()), pack(&format!("whole{i}"))));
        // A slow login (Argon2), gone before the answer.
        abusive.push(login.clone());
    }
    // Clients that send half a body and keep the connection open while others are served.
    let mut stalled = Vec::new();
    for i in 0..20 {
        let body = pack(&format!("stall{i}"));
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("{}{}", head(body.len()), &body[..3]).as_bytes())
            .await
            .unwrap();
        stalled.push(s);
    }
    let vanish: Vec<_> = abusive
        .into_iter()
        .map(|bytes| {
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                let _ = s.write_all(bytes.as_bytes()).await;
                drop(s);
            })
        })
        .collect();
    for v in vanish {
        v.await.unwrap();
    }
    // Give cancelled handlers a moment, then everything still works, promptly.
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokio::time::timeout(Duration::from_secs(30), async {
        for i in 0..20 {
            assert_eq!(request(addr, "GET", "/health", None, None).await.status, 200);
            let body = json!({"ref": format!("after{i}"), "name": "n"});
            let r = request(addr, "POST", "/api/v1/packs", Some(&tok), Some(&body)).await;
            assert_eq!(r.status, 201, "{r:?}");
            let r = request(addr, "GET", "/api/v1/packs?per_page=100", Some(&tok), None).await;
            assert_eq!(r.status, 200, "{r:?}");
        }
    })
    .await
    .expect("the server kept answering after the disconnects");
    drop(stalled);
    // Nothing half-written: no pack from a half body, every "after" pack present.
    let r = request(addr, "GET", "/api/v1/packs?per_page=100", Some(&tok), None).await;
    let refs: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["ref"].as_str())
        .collect();
    assert!(!refs.iter().any(|r| r.starts_with("half") || r.starts_with("stall")), "{refs:?}");
    assert_eq!(refs.iter().filter(|r| r.starts_with("after")).count(), 20);
});

both!(database_errors_are_answered_with_the_envelope, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    assert_eq!(request(addr, "GET", "/health", None, None).await.status, 200);
    // A pool that can no longer hand out connections, as when the database is gone.
    t.state.db.pool.close().await;
    for (method, path, token, body) in [
        ("GET", "/health", None, None),
        ("GET", "/api/v1/packs", Some(tok.as_str()), None),
        ("POST", "/api/v1/packs", Some(tok.as_str()), Some(json!({"ref": "p", "name": "n"}))),
        ("POST", "/api/v1/auth/login", None, Some(json!({"login": "ed", "password": common::PASSWORD}))),
    ] {
        let r = request(addr, method, path, token, body.as_ref()).await;
        assert_eq!(r.status, 503, "{method} {path}: {r:?}");
        r.assert_envelope();
    }
});

both!(a_write_whose_client_vanishes_is_completed_and_audited, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("ed", "editor").await;
    let addr = serve(t.state.clone()).await;
    // Whole create requests, the connection dropped at various moments while the handler runs.
    let clients: Vec<_> = (0..60u64)
        .map(|i| {
            let tok = tok.clone();
            tokio::spawn(async move {
                let body = json!({"ref": format!("gone{i}"), "name": "n"}).to_string();
                let req = format!(
                    "POST /api/v1/packs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\
                     Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.write_all(req.as_bytes()).await.unwrap();
                tokio::time::sleep(Duration::from_micros((i % 20) * 300)).await;
                drop(s);
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    // Every pack written is also in the audit log: no handler stopped between the two writes.
    let audited = || async {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'pack.create'")
            .fetch_one(&t.state.db.pool)
            .await
            .unwrap();
        sqlx::Row::try_get::<i64, _>(&row, "n").unwrap()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (packs, audited) = (t.count("packs").await, audited().await);
        if packs == audited {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{packs} packs written, {audited} audited"
        );
    }
});
