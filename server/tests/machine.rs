//! Machine credentials (issue 8): personal access tokens and service API keys, generated over
//! every operation of the served OpenAPI document; lifecycles; rate limits.

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use common::{concrete, TestApp};
use serde_json::{json, Value};

/// Every operation with the schemes it documents.
async fn schemes(t: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let doc = t
        .call("GET", "/api-docs/openapi.json", None, None)
        .await
        .body;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let names = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|s| s.as_object().unwrap().keys().cloned())
                .collect();
            out.push((method.to_uppercase(), path.clone(), names));
        }
    }
    out.sort();
    out
}

/// A request with an `X-API-Key` or a bearer credential.
async fn call(t: &TestApp, method: &str, uri: &str, cred: &Cred, body: Value) -> common::Resp {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json");
    req = match cred {
        Cred::Bearer(token) => req.header(header::AUTHORIZATION, format!("Bearer {token}")),
        Cred::Key(key) => req.header("x-api-key", key.as_str()),
    };
    t.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

enum Cred {
    Bearer(String),
    Key(String),
}

/// A body that parses for each operation, so that the scope check is reached.
fn body_for(method: &str, path: &str) -> Value {
    match (method, path) {
        ("PUT", "/api/v1/executions/{id}") => json!({"status": "running"}),
        ("PUT", "/api/v1/events/{id}") => json!({"payload": {}}),
        ("POST", "/api/v1/inquiries/{id}/respond") => json!({"response": {}}),
        ("POST", "/api/v1/executions/{id}/inquiries") => json!({"prompt": "?"}),
        ("POST", "/api/v1/packs/{pack_ref}/actions") => json!({"name": "x", "runner_type": "r"}),
        _ => json!({}),
    }
}

/// One of each resource in pack `core`, each the first of its table (id 1).
async fn seed(t: &TestApp, admin: &str) {
    let post = |uri: &'static str, body: Value| async move {
        let r = t.post(uri, admin, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{uri}: {}", r.body);
    };
    post("/api/v1/packs", json!({"ref": "core", "name": "Core"})).await;
    post(
        "/api/v1/packs/core/actions",
        json!({"name": "a", "runner_type": "r"}),
    )
    .await;
    post("/api/v1/triggers", json!({"pack": "core", "name": "t"})).await;
    post(
        "/api/v1/sensors",
        json!({"pack": "core", "name": "s", "trigger_id": 1}),
    )
    .await;
    post(
        "/api/v1/rules",
        json!({"pack": "core", "name": "r", "trigger_id": 1, "action_id": 1}),
    )
    .await;
    post(
        "/api/v1/workflows",
        json!({"pack": "core", "name": "w", "definition": {}}),
    )
    .await;
    post("/api/v1/executions", json!({"action_id": 1})).await;
    post("/api/v1/executions/1/inquiries", json!({"prompt": "ok?"})).await;
    post("/api/v1/events", json!({"trigger_id": 1})).await;
    post("/api/v1/enforcements", json!({"rule_id": 1, "event_id": 1})).await;
    post("/api/v1/keys", json!({"name": "api_token", "value": "v"})).await;
}

async fn pat(t: &TestApp, token: &str, body: Value) -> (String, i64) {
    let r = t.post("/api/v1/tokens", token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        r.body["token"].as_str().unwrap().to_owned(),
        r.body["id"].as_i64().unwrap(),
    )
}

async fn api_key(t: &TestApp, admin: &str, body: Value) -> (String, i64) {
    let r = t.post("/api/v1/api-keys", admin, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        r.body["key"].as_str().unwrap().to_owned(),
        r.body["id"].as_i64().unwrap(),
    )
}

both!(every_operation_refuses_bad_machine_credentials, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    seed(&t, &admin).await;

    let (good_pat, _) = pat(&t, &admin, json!({"name": "ci"})).await;
    let (revoked_pat, revoked_id) = pat(&t, &admin, json!({"name": "old"})).await;
    assert_eq!(t.delete(&format!("/api/v1/tokens/{revoked_id}"), &admin).await.status, StatusCode::NO_CONTENT);
    let (expired_pat, _) = pat(&t, &admin, json!({"name": "expiring"})).await;
    sqlx::query("UPDATE personal_access_tokens SET expires_at = 1 WHERE name = 'expiring'")
        .execute(&t.state.db.pool)
        .await
        .unwrap();
    let mut bad_checksum = good_pat.clone();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == 'a' { 'b' } else { 'a' });
    let (other_pack_pat, _) = pat(&t, &admin, json!({"name": "scoped", "packs": ["other"]})).await;

    let (good_key, _) = api_key(&t, &admin, json!({"name": "worker", "role": "editor", "rate_limit_per_min": 100000})).await;
    let (revoked_key, revoked_key_id) = api_key(&t, &admin, json!({"name": "gone", "role": "editor"})).await;
    assert_eq!(t.delete(&format!("/api/v1/api-keys/{revoked_key_id}"), &admin).await.status, StatusCode::NO_CONTENT);
    let wrong_key = server::auth::credentials::mint(server::auth::credentials::API_KEY_PREFIX).token;
    let (other_pack_key, _) = api_key(&t, &admin, json!({"name": "scoped_key", "role": "editor", "packs": ["other"], "rate_limit_per_min": 100000})).await;

    let ops = schemes(&t).await;
    let mut checked = 0;
    for (method, path, names) in &ops {
        if names.is_empty() {
            continue;
        }
        let uri = concrete(path);
        let body = body_for(method, path);
        let accepts_pat = names.iter().any(|n| n == "pat");
        let accepts_key = names.iter().any(|n| n == "api_key");
        for (what, cred) in [
            ("revoked PAT", Cred::Bearer(revoked_pat.clone())),
            ("expired PAT", Cred::Bearer(expired_pat.clone())),
            ("PAT with a bad checksum", Cred::Bearer(bad_checksum.clone())),
            ("wrong API key", Cred::Key(wrong_key.clone())),
            ("revoked API key", Cred::Key(revoked_key.clone())),
        ] {
            let r = call(&t, method, &uri, &cred, body.clone()).await;
            r.assert_envelope(StatusCode::UNAUTHORIZED);
            assert!(r.headers.contains_key("www-authenticate"), "{method} {path} with {what}");
        }
        // Operations that do not document a scheme refuse its credentials.
        if !accepts_pat {
            let r = call(&t, method, &uri, &Cred::Bearer(good_pat.clone()), body.clone()).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path} took a PAT");
        }
        if !accepts_key {
            let r = call(&t, method, &uri, &Cred::Key(good_key.clone()), body.clone()).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path} took an API key");
        }
        // Credentials scoped to another pack: 403 on anything in pack `core`.
        if accepts_pat && path.contains('{') {
            for cred in [Cred::Bearer(other_pack_pat.clone()), Cred::Key(other_pack_key.clone())] {
                let r = call(&t, method, &uri, &cred, body.clone()).await;
                r.assert_envelope(StatusCode::FORBIDDEN);
            }
        }
        checked += 1;
    }
    assert!(checked >= 80, "{checked}");
    // Valid credentials get through wherever they are documented (deletes last).
    let mut ops = ops;
    ops.sort_by_key(|(m, _, _)| m == "DELETE");
    for (method, path, names) in &ops {
        let uri = concrete(path);
        let body = body_for(method, path);
        if names.iter().any(|n| n == "pat") {
            let r = call(&t, method, &uri, &Cred::Bearer(good_pat.clone()), body.clone()).await;
            assert!(r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN, "{method} {path} PAT: {}", r.body);
        }
        if names.iter().any(|n| n == "api_key") {
            let r = call(&t, method, &uri, &Cred::Key(good_key.clone()), body.clone()).await;
            assert!(r.status != StatusCode::UNAUTHORIZED && r.status != StatusCode::FORBIDDEN, "{method} {path} key: {}", r.body);
        }
    }
    // Scoped lists show only the scope.
    let r = call(&t, "GET", "/api/v1/actions", &Cred::Bearer(other_pack_pat.clone()), Value::Null).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
});

both!(pat_lifecycle, db => {
    let t = TestApp::new(db).await;
    let editor = t.user("ed", "editor").await;
    let other = t.user("vi", "viewer").await;
    let (token, id) = pat(&t, &editor, json!({"name": "ci", "packs": ["core"], "expires_in_days": 7})).await;
    assert!(token.starts_with("acpat_"));
    let cred = Cred::Bearer(token.clone());
    // Use: the owner's identity and role, within the scope.
    let r = call(&t, "POST", "/api/v1/packs", &cred, json!({"ref": "core", "name": "Core"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = call(&t, "POST", "/api/v1/packs", &cred, json!({"ref": "elsewhere", "name": "E"})).await;
    r.assert_envelope(StatusCode::FORBIDDEN);
    // PATs cannot manage tokens (JWT only).
    call(&t, "GET", "/api/v1/tokens", &cred, Value::Null).await.assert_envelope(StatusCode::UNAUTHORIZED);
    // List: never the secret, with last use.
    let list = t.get("/api/v1/tokens", &editor).await;
    assert_eq!(list.body["total"], 1);
    let text = list.body.to_string();
    let secret_part = &token[19..51];
    assert!(!text.contains(secret_part));
    assert!(list.body["items"][0]["last_used_at"].is_string());
    assert!(list.body["items"][0]["prefix"].as_str().unwrap().starts_with("acpat_"));
    // Others cannot see or revoke it.
    assert_eq!(t.get("/api/v1/tokens", &other).await.body["total"], 0);
    let owner = t.get("/api/v1/auth/me", &editor).await.body["id"].as_i64().unwrap();
    t.get(&format!("/api/v1/tokens?user_id={owner}"), &other)
        .await
        .assert_envelope(StatusCode::FORBIDDEN);
    t.delete(&format!("/api/v1/tokens/{id}"), &other).await.assert_envelope(StatusCode::NOT_FOUND);
    // Only the hash is stored: the row does not authenticate.
    use sqlx::Row as _;
    let row = sqlx::query("SELECT public_id, secret_hash FROM personal_access_tokens WHERE id = $1")
        .bind(id)
        .fetch_one(&t.state.db.pool)
        .await
        .unwrap();
    let public_id: String = row.try_get("public_id").unwrap();
    let hash: String = row.try_get("secret_hash").unwrap();
    assert!(!hash.contains(secret_part) && !token.contains(&hash));
    let body = format!("acpat_{public_id}_{}", &hash[..32]);
    let forged = format!("{body}{}", &token[token.len() - 6..]);
    call(&t, "GET", "/api/v1/packs", &Cred::Bearer(forged), Value::Null).await.assert_envelope(StatusCode::UNAUTHORIZED);
    // Revoke, then refused.
    assert_eq!(t.delete(&format!("/api/v1/tokens/{id}"), &editor).await.status, StatusCode::NO_CONTENT);
    call(&t, "GET", "/api/v1/packs", &cred, Value::Null).await.assert_envelope(StatusCode::UNAUTHORIZED);
    // The audit log names the credential; admins see anyone's tokens.
    let admin = t.user("root", "admin").await;
    let listed = t.get(&format!("/api/v1/tokens?user_id={owner}"), &admin).await;
    assert_eq!(listed.body["items"][0]["revoked"], true, "{}", listed.body);
    let audit = t.get("/api/v1/audit?per_page=100", &admin).await.body.to_string();
    assert!(audit.contains(&format!("ed/pat:{id}")), "{audit}");
    assert!(audit.contains("pat.create") && audit.contains("pat.revoke") && audit.contains("credential.rejected"));
    assert!(!audit.contains(secret_part));
});

both!(api_key_lifecycle_and_rate_limit, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    let editor = t.user("ed", "editor").await;
    t.post("/api/v1/api-keys", &editor, json!({"name": "x", "role": "viewer"}))
        .await
        .assert_envelope(StatusCode::FORBIDDEN);
    t.post("/api/v1/api-keys", &admin, json!({"name": "x", "role": "admin"}))
        .await
        .assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    let (slow, slow_id) = api_key(&t, &admin, json!({"name": "slow", "role": "editor", "rate_limit_per_min": 3})).await;
    let (fast, _) = api_key(&t, &admin, json!({"name": "fast", "role": "viewer"})).await;
    assert!(slow.starts_with("acsk_"));
    let r = call(&t, "POST", "/api/v1/packs", &Cred::Key(slow.clone()), json!({"ref": "core", "name": "C"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A viewer key cannot write.
    call(&t, "POST", "/api/v1/packs", &Cred::Key(fast.clone()), json!({"ref": "x", "name": "C"}))
        .await
        .assert_envelope(StatusCode::FORBIDDEN);
    for _ in 0..2 {
        assert_eq!(call(&t, "GET", "/api/v1/packs", &Cred::Key(slow.clone()), Value::Null).await.status, StatusCode::OK);
    }
    let r = call(&t, "GET", "/api/v1/packs", &Cred::Key(slow.clone()), Value::Null).await;
    r.assert_envelope(StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    // Another key is still served.
    assert_eq!(call(&t, "GET", "/api/v1/packs", &Cred::Key(fast.clone()), Value::Null).await.status, StatusCode::OK);
    // Listed without secrets; revoked keys are refused.
    let list = t.get("/api/v1/api-keys", &admin).await;
    assert_eq!(list.body["total"], 2);
    assert!(!list.body.to_string().contains(&slow[18..50]));
    assert_eq!(t.delete(&format!("/api/v1/api-keys/{slow_id}"), &admin).await.status, StatusCode::NO_CONTENT);
    call(&t, "GET", "/api/v1/packs", &Cred::Key(slow.clone()), Value::Null).await.assert_envelope(StatusCode::UNAUTHORIZED);
    let audit = t.get("/api/v1/audit?actor=apikey:slow", &admin).await.body.to_string();
    assert!(audit.contains("pack.create"), "{audit}");
});

both!(login_rate_limit_is_per_ip, db => {
    let t = TestApp::with(db, |c| c.auth_rate_limit_per_min = 3).await;
    let from = |ip: &str, password: &str| {
        let mut req = Request::builder()
            .method("POST")
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json!({"login": "nobody", "password": password}).to_string()))
            .unwrap();
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        req
    };
    for _ in 0..3 {
        assert_eq!(t.send(from("10.0.0.1", "guess guess guess")).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = t.send(from("10.0.0.1", "guess guess guess")).await;
    r.assert_envelope(StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(t.send(from("10.0.0.2", "guess guess guess")).await.status, StatusCode::UNAUTHORIZED);
});

#[test]
fn secrets_are_compared_only_in_constant_time() {
    let credentials = include_str!("../src/auth/credentials.rs");
    let verify = credentials.split("pub fn verify_secret").nth(1).unwrap();
    let body = verify.split("\n}\n").next().unwrap();
    assert!(
        body.contains(".ct_eq("),
        "verify_secret must compare with subtle"
    );
    assert!(!body.contains("=="));
    let machine = include_str!("../src/auth/machine.rs");
    assert_eq!(machine.matches("credentials::verify_secret(").count(), 2);
    assert!(!machine.contains("secret_hash =="));
    assert!(!machine.contains("== hash"));
}
