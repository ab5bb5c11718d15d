//! Bad input gets a 4xx with the envelope and writes nothing: malformed JSON, wrong types,
//! unknown fields, oversized bodies, SQL metacharacters, huge or invalid pagination.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::TestApp;
use serde_json::json;

async fn raw(t: &TestApp, token: &str, content_type: &str, body: impl Into<Body>) -> common::Resp {
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/packs")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap();
    t.send(req).await
}

both!(bodies, db => {
    let t = TestApp::with(db, |c| c.body_limit_bytes = 4096).await;
    let tok = t.user("ed", "editor").await;

    raw(&t, &tok, "application/json", "{\"ref\": \"x\", ")
        .await
        .assert_envelope(StatusCode::BAD_REQUEST);
    raw(
        &t,
        &tok,
        "application/json",
        "{\"ref\": \"a\", \"name\": \"b\"} trailing",
    )
    .await
    .assert_envelope(StatusCode::BAD_REQUEST);
    raw(&t, &tok, "text/plain", "{}")
        .await
        .assert_envelope(StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let r = raw(
        &t,
        &tok,
        "application/json",
        json!({"ref": 5, "name": "x"}).to_string(),
    )
    .await;
    r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "ref");

    let r = raw(
        &t,
        &tok,
        "application/json",
        json!({"name": "x"}).to_string(),
    )
    .await;
    r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "ref");

    let r = raw(
        &t,
        &tok,
        "application/json",
        json!({"ref": "a", "name": "x", "is_admin": true}).to_string(),
    )
    .await;
    r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "is_admin");

    let big = json!({"ref": "big", "name": "x", "description": "a".repeat(10_000)}).to_string();
    raw(&t, &tok, "application/json", big)
        .await
        .assert_envelope(StatusCode::PAYLOAD_TOO_LARGE);

    for evil in [
        "x'; DROP TABLE packs;--",
        "a\" OR \"1\"=\"1",
        "../../etc/passwd",
        "",
        "a b",
    ] {
        let r = t
            .post("/api/v1/packs", &tok, json!({"ref": evil, "name": "n"}))
            .await;
        r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.body["error"]["field"], "ref");
    }
    // Metacharacters where free text is allowed are stored verbatim, never interpreted.
    let r = t
        .post(
            "/api/v1/packs",
            &tok,
            json!({"ref": "ok", "name": "Robert'); DROP TABLE packs;--"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["name"], "Robert'); DROP TABLE packs;--");
    let r = t
        .get("/api/v1/packs?name=%27%20OR%201%3D1%20--", &tok)
        .await;
    assert_eq!(r.body["total"], 0);

    // Nested: a JSON field of the wrong shape.
    t.post(
        "/api/v1/packs/ok/actions",
        &tok,
        json!({"name": "a", "runner_type": "r", "parameters": [1, 2]}),
    )
    .await
    .assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    // Only the one valid pack was written.
    assert_eq!(t.count("packs").await, 1);
    assert_eq!(t.count("actions").await, 0);
});

both!(pagination_and_paths, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("vi", "viewer").await;
    let r = t.get("/api/v1/packs?per_page=1000000", &tok).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["per_page"], 100);
    for q in [
        "page=0",
        "page=99999999999999999999",
        "per_page=-1",
        "page=abc",
        "page=4000000000",
        "unknown=1",
    ] {
        let r = t.get(&format!("/api/v1/packs?{q}"), &tok).await;
        r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = t.get("/api/v1/executions?status=bogus", &tok).await;
    r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "status");
    t.get("/api/v1/actions/not-a-number", &tok)
        .await
        .assert_envelope(StatusCode::NOT_FOUND);
    t.get("/api/v1/actions/99999999999999999999999", &tok)
        .await
        .assert_envelope(StatusCode::NOT_FOUND);
    t.get("/api/v1/nothing/here", &tok)
        .await
        .assert_envelope(StatusCode::NOT_FOUND);
    let r = t.call("PATCH", "/api/v1/packs", Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
});
