//! Secrets never reach the logs: passwords, tokens, key values, at the most verbose level.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::{Db, TestApp, PASSWORD};
use serde_json::json;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// A current-thread runtime, so that the thread-local subscriber sees every event.
#[tokio::test]
async fn secrets_are_never_logged() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let t = TestApp::new(Db::Sqlite).await;
    let admin = t.user("root", "admin").await;
    let pair = t.login("root").await;
    let value = "k3y-v4lue-n0t-f0r-l0gs";
    let r = t
        .post("/api/v1/keys", &admin, json!({"name": "k", "value": value}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    t.get("/api/v1/keys/k?decrypt=true", &admin).await;
    let r = t
        .post("/api/v1/tokens", &admin, json!({"name": "ci"}))
        .await;
    let pat = r.body["token"].as_str().unwrap().to_owned();
    t.get("/api/v1/packs", &pat).await;
    let r = t
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A failing internal path logs its detail: still no secret.
    t.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"login": "root", "password": "wrong wrong wrong"})),
    )
    .await;

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.len() > 1000, "the subscriber saw too little: {logs}");
    for secret in [
        PASSWORD,
        "wrong wrong wrong",
        value,
        &pat,
        &admin,
        pair["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!logs.contains(secret), "{secret} was logged");
    }
}
