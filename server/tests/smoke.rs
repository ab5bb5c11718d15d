//! First checks: health, register, login, me, packs CRUD.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

both!(health_register_login_and_packs, db => {
    let t = TestApp::new(db).await;
    let r = t.call("GET", "/health", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let editor = t.user("ed", "editor").await;
    let r = t.get("/api/v1/auth/me", &editor).await;
    assert_eq!(r.body["role"], "editor", "{}", r.body);
    let r = t
        .post(
            "/api/v1/packs",
            &editor,
            json!({"ref": "core", "name": "Core"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t.get("/api/v1/packs?per_page=1000", &editor).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["per_page"], 100);
    let r = t
        .put(
            "/api/v1/packs/core",
            &editor,
            json!({"description": "x'; DROP TABLE packs;--"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t.delete("/api/v1/packs/core", &editor).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t.call("GET", "/api/v1/packs", None, None).await;
    r.assert_envelope(StatusCode::UNAUTHORIZED);
});
