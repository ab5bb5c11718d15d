//! Key values are encrypted at rest and returned only with `?decrypt=true` to holders of
//! `keys:decrypt`; never in lists by default, never in the audit log.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;
use sqlx::Row as _;

const SECRET: &str = "sup3r-s3cret-v4lue";

both!(values_only_when_asked_and_allowed, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    let editor = t.user("ed", "editor").await;
    let viewer = t.user("vi", "viewer").await;
    let r = t
        .post(
            "/api/v1/keys",
            &editor,
            json!({"name": "db_password", "value": SECRET}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(!r.body.to_string().contains(SECRET));

    for token in [&viewer, &editor, &admin] {
        let one = t.get("/api/v1/keys/db_password", token).await;
        assert_eq!(one.status, StatusCode::OK);
        assert!(one.body.get("value").is_none(), "{}", one.body);
        let list = t.get("/api/v1/keys", token).await;
        assert!(!list.body.to_string().contains(SECRET));
    }
    for token in [&viewer, &editor] {
        t.get("/api/v1/keys/db_password?decrypt=true", token)
            .await
            .assert_envelope(StatusCode::FORBIDDEN);
        t.get("/api/v1/keys?decrypt=true", token)
            .await
            .assert_envelope(StatusCode::FORBIDDEN);
    }
    let r = t.get("/api/v1/keys/db_password?decrypt=true", &admin).await;
    assert_eq!(r.body["value"], SECRET);
    let r = t.get("/api/v1/keys?decrypt=true", &admin).await;
    assert_eq!(r.body["items"][0]["value"], SECRET);
    let r = t
        .get("/api/v1/keys/db_password?decrypt=false", &admin)
        .await;
    assert!(r.body.get("value").is_none());

    // At rest: only ciphertext.
    let row = sqlx::query("SELECT nonce, ciphertext FROM keys WHERE name = 'db_password'")
        .fetch_one(&t.state.db.pool)
        .await
        .unwrap();
    let ciphertext: String = row.try_get("ciphertext").unwrap();
    assert!(!ciphertext.contains(SECRET));
    // The audit log records the decryptions and the denials, never the value.
    let audit = t
        .get("/api/v1/audit?per_page=100", &admin)
        .await
        .body
        .to_string();
    assert!(audit.contains("key.decrypt") && audit.contains("keys:decrypt"));
    assert!(!audit.contains(SECRET));
});

both!(a_new_keys_secret_cannot_read_old_values, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    t.post(
        "/api/v1/keys",
        &admin,
        json!({"name": "k", "value": SECRET}),
    )
    .await;
    let mut state = t.state.clone();
    state.cipher = std::sync::Arc::new(server::crypto::KeyCipher::new(&[9; 32]));
    let app = server::app(state);
    let other = common::TestApp {
        app,
        state: t.state.clone(),
        ..t
    };
    let r = other.get("/api/v1/keys/k?decrypt=true", &admin).await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!r.body.to_string().contains(SECRET));
});
