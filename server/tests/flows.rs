//! Full flows: register -> login -> CRUD on every resource -> refresh rotation and reuse
//! detection -> logout.

mod common;

use axum::http::StatusCode;
use common::{TestApp, PASSWORD};
use serde_json::{json, Value};

fn id(r: &common::Resp) -> i64 {
    r.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {}", r.body))
}

async fn created(t: &TestApp, uri: &str, token: &str, body: Value) -> common::Resp {
    let r = t.post(uri, token, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "POST {uri}: {}", r.body);
    r
}

async fn ok(t: &TestApp, method: &str, uri: &str, token: &str, body: Option<Value>) -> Value {
    let r = t.call(method, uri, Some(token), body).await;
    assert!(
        r.status.is_success(),
        "{method} {uri}: {} {}",
        r.status,
        r.body
    );
    r.body
}

both!(full_flow_over_every_resource, db => {
    let t = TestApp::new(db).await;
    // Register and log in; promote to editor through the admin API.
    let admin = t.user("root", "admin").await;
    let r = t
        .call(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"login": "dev", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["role"], "viewer");
    let dev_id = id(&r);
    ok(
        &t,
        "PUT",
        &format!("/api/v1/users/{dev_id}"),
        &admin,
        Some(json!({"role": "editor"})),
    )
    .await;
    let pair = t.login("dev").await;
    let tok = pair["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        ok(&t, "GET", "/api/v1/auth/me", &tok, None).await["role"],
        "editor"
    );

    // Packs.
    created(
        &t,
        "/api/v1/packs",
        &tok,
        json!({"ref": "core", "name": "Core", "description": "basics"}),
    )
    .await;
    assert_eq!(
        ok(&t, "GET", "/api/v1/packs/core", &tok, None).await["name"],
        "Core"
    );
    ok(
        &t,
        "PUT",
        "/api/v1/packs/core",
        &tok,
        Some(json!({"version": "1.2.0"})),
    )
    .await;
    let r = t
        .post(
            "/api/v1/packs",
            &tok,
            json!({"ref": "core", "name": "Again"}),
        )
        .await;
    r.assert_envelope(StatusCode::CONFLICT);

    // Actions.
    let action = created(
        &t,
        "/api/v1/packs/core/actions",
        &tok,
        json!({"name": "echo", "runner_type": "local-shell-cmd", "entry_point": "echo", "parameters": {"msg": {"type": "string"}}}),
    )
    .await;
    assert_eq!(action.body["ref"], "core.echo");
    let action_id = id(&action);
    let list = ok(&t, "GET", "/api/v1/packs/core/actions", &tok, None).await;
    assert_eq!(list["total"], 1);
    ok(
        &t,
        "PUT",
        &format!("/api/v1/actions/{action_id}"),
        &tok,
        Some(json!({"description": "prints"})),
    )
    .await;
    assert_eq!(
        ok(
            &t,
            "GET",
            "/api/v1/actions?runner_type=local-shell-cmd",
            &tok,
            None
        )
        .await["total"],
        1
    );

    // Triggers and sensors, with enable/disable.
    let trigger = created(
        &t,
        "/api/v1/triggers",
        &tok,
        json!({"pack": "core", "name": "webhook"}),
    )
    .await;
    let trigger_id = id(&trigger);
    let r = ok(
        &t,
        "POST",
        &format!("/api/v1/triggers/{trigger_id}/disable"),
        &tok,
        None,
    )
    .await;
    assert_eq!(r["enabled"], false);
    let r = t
        .post("/api/v1/events", &tok, json!({"trigger_id": trigger_id}))
        .await;
    r.assert_envelope(StatusCode::CONFLICT);
    ok(
        &t,
        "POST",
        &format!("/api/v1/triggers/{trigger_id}/enable"),
        &tok,
        None,
    )
    .await;
    let sensor = created(
        &t,
        "/api/v1/sensors",
        &tok,
        json!({"pack": "core", "name": "poller", "trigger_id": trigger_id}),
    )
    .await;
    let sensor_id = id(&sensor);
    ok(
        &t,
        "POST",
        &format!("/api/v1/sensors/{sensor_id}/disable"),
        &tok,
        None,
    )
    .await;
    assert_eq!(
        ok(&t, "GET", "/api/v1/sensors?enabled=false", &tok, None).await["total"],
        1
    );
    ok(
        &t,
        "PUT",
        &format!("/api/v1/sensors/{sensor_id}"),
        &tok,
        Some(json!({"poll_interval_secs": 30})),
    )
    .await;

    // Rules.
    let rule = created(
        &t,
        "/api/v1/rules",
        &tok,
        json!({"pack": "core", "name": "on_hook", "trigger_id": trigger_id, "action_id": action_id, "criteria": {"x": 1}}),
    )
    .await;
    let rule_id = id(&rule);
    ok(
        &t,
        "POST",
        &format!("/api/v1/rules/{rule_id}/disable"),
        &tok,
        None,
    )
    .await;
    ok(
        &t,
        "POST",
        &format!("/api/v1/rules/{rule_id}/enable"),
        &tok,
        None,
    )
    .await;
    let r = t
        .post(
            "/api/v1/rules",
            &tok,
            json!({"pack": "core", "name": "bad", "trigger_id": 999, "action_id": action_id}),
        )
        .await;
    r.assert_envelope(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.body["error"]["field"], "trigger_id");

    // Executions: transitions, filters, cancel.
    let ex = created(
        &t,
        "/api/v1/executions",
        &tok,
        json!({"action_id": action_id, "parameters": {"msg": "hi"}}),
    )
    .await;
    let ex_id = id(&ex);
    assert_eq!(ex.body["status"], "requested");
    assert_eq!(ex.body["created_by"], "dev");
    ok(
        &t,
        "PUT",
        &format!("/api/v1/executions/{ex_id}"),
        &tok,
        Some(json!({"status": "running"})),
    )
    .await;
    let r = ok(
        &t,
        "PUT",
        &format!("/api/v1/executions/{ex_id}"),
        &tok,
        Some(json!({"status": "succeeded", "result": {"stdout": "hi"}})),
    )
    .await;
    assert_eq!(r["result"]["stdout"], "hi");
    let r = t
        .put(
            &format!("/api/v1/executions/{ex_id}"),
            &tok,
            json!({"status": "running"}),
        )
        .await;
    r.assert_envelope(StatusCode::CONFLICT);
    let ex2 = id(&created(
        &t,
        "/api/v1/executions",
        &tok,
        json!({"action_id": action_id}),
    )
    .await);
    assert_eq!(
        ok(
            &t,
            "POST",
            &format!("/api/v1/executions/{ex2}/cancel"),
            &tok,
            None
        )
        .await["status"],
        "canceled"
    );
    t.call(
        "POST",
        &format!("/api/v1/executions/{ex2}/cancel"),
        Some(&tok),
        None,
    )
    .await
    .assert_envelope(StatusCode::CONFLICT);
    assert_eq!(
        ok(&t, "GET", "/api/v1/executions?status=succeeded", &tok, None).await["total"],
        1
    );
    assert_eq!(
        ok(&t, "GET", "/api/v1/executions?status=canceled", &tok, None).await["total"],
        1
    );

    // Inquiries.
    let inq = created(
        &t,
        &format!("/api/v1/executions/{ex_id}/inquiries"),
        &tok,
        json!({"prompt": "Proceed?"}),
    )
    .await;
    let inq_id = id(&inq);
    ok(
        &t,
        "PUT",
        &format!("/api/v1/inquiries/{inq_id}"),
        &tok,
        Some(json!({"prompt": "Really proceed?"})),
    )
    .await;
    let r = ok(
        &t,
        "POST",
        &format!("/api/v1/inquiries/{inq_id}/respond"),
        &tok,
        Some(json!({"response": {"ok": true}})),
    )
    .await;
    assert_eq!(r["status"], "responded");
    assert_eq!(r["responded_by"], "dev");
    t.post(
        &format!("/api/v1/inquiries/{inq_id}/respond"),
        &tok,
        json!({"response": {"ok": false}}),
    )
    .await
    .assert_envelope(StatusCode::CONFLICT);
    assert_eq!(
        ok(
            &t,
            "GET",
            &format!("/api/v1/executions/{ex_id}/inquiries"),
            &tok,
            None
        )
        .await["total"],
        1
    );
    assert_eq!(
        ok(&t, "GET", "/api/v1/inquiries?status=pending", &tok, None).await["total"],
        0
    );

    // Events and enforcements.
    let ev = id(&created(
        &t,
        "/api/v1/events",
        &tok,
        json!({"trigger_id": trigger_id, "payload": {"a": 1}}),
    )
    .await);
    ok(
        &t,
        "PUT",
        &format!("/api/v1/events/{ev}"),
        &tok,
        Some(json!({"payload": {"a": 2}})),
    )
    .await;
    let enf = id(&created(
        &t,
        "/api/v1/enforcements",
        &tok,
        json!({"rule_id": rule_id, "event_id": ev}),
    )
    .await);
    let r = ok(
        &t,
        "PUT",
        &format!("/api/v1/enforcements/{enf}"),
        &tok,
        Some(json!({"execution_id": ex_id, "status": "succeeded"})),
    )
    .await;
    assert_eq!(r["execution_id"], ex_id);
    assert_eq!(
        ok(
            &t,
            "GET",
            &format!("/api/v1/enforcements?rule_id={rule_id}"),
            &tok,
            None
        )
        .await["total"],
        1
    );

    // Workflows.
    let wf = id(&created(
        &t,
        "/api/v1/workflows",
        &tok,
        json!({"pack": "core", "name": "deploy", "definition": {"tasks": []}}),
    )
    .await);
    ok(
        &t,
        "PUT",
        &format!("/api/v1/workflows/{wf}"),
        &tok,
        Some(json!({"enabled": false})),
    )
    .await;

    // Keys (values hidden from editors).
    created(
        &t,
        "/api/v1/keys",
        &tok,
        json!({"name": "api_token", "value": "s3cr3t-value"}),
    )
    .await;
    ok(
        &t,
        "PUT",
        "/api/v1/keys/api_token",
        &tok,
        Some(json!({"value": "n3w-s3cr3t"})),
    )
    .await;
    let k = ok(&t, "GET", "/api/v1/keys/api_token", &tok, None).await;
    assert!(k.get("value").is_none());

    // Deletes, leaf to root.
    for uri in [
        format!("/api/v1/enforcements/{enf}"),
        format!("/api/v1/events/{ev}"),
        format!("/api/v1/inquiries/{inq_id}"),
        format!("/api/v1/executions/{ex_id}"),
        format!("/api/v1/workflows/{wf}"),
        format!("/api/v1/rules/{rule_id}"),
        format!("/api/v1/sensors/{sensor_id}"),
        format!("/api/v1/triggers/{trigger_id}"),
        format!("/api/v1/actions/{action_id}"),
        "/api/v1/keys/api_token".to_owned(),
        "/api/v1/packs/core".to_owned(),
    ] {
        let r = t.delete(&uri, &tok).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "DELETE {uri}: {}", r.body);
        t.get(&uri, &tok)
            .await
            .assert_envelope(StatusCode::NOT_FOUND);
    }

    // The audit log saw the writes, with actor and outcome, and no secret.
    let audit = ok(
        &t,
        "GET",
        "/api/v1/audit?actor=dev&per_page=100",
        &admin,
        None,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for expected in [
        "pack.create",
        "action.update",
        "execution.cancel",
        "inquiry.respond",
        "key.update",
        "pack.delete",
    ] {
        assert!(actions.contains(&expected), "{expected} not in {actions:?}");
    }
    let all = ok(&t, "GET", "/api/v1/audit?per_page=100", &admin, None)
        .await
        .to_string();
    assert!(!all.contains("s3cr3t") && !all.contains(PASSWORD));

    // Refresh rotation, then reuse of the old refresh token revokes the family.
    let old = pair["refresh_token"].clone();
    let r = t
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": old})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rotated = r.body["refresh_token"].clone();
    assert_ne!(rotated, old);
    let new_access = r.body["access_token"].as_str().unwrap().to_owned();
    ok(&t, "GET", "/api/v1/auth/me", &new_access, None).await;
    t.call(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": old})),
    )
    .await
    .assert_envelope(StatusCode::UNAUTHORIZED);
    // The whole family is gone: the rotated token no longer works either.
    t.call(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": rotated})),
    )
    .await
    .assert_envelope(StatusCode::UNAUTHORIZED);
    let reuse = ok(
        &t,
        "GET",
        "/api/v1/audit?action=auth.refresh_reuse",
        &admin,
        None,
    )
    .await;
    assert!(reuse["total"].as_i64().unwrap() >= 1, "{reuse}");

    // Logout ends the access token and, when given, the refresh family.
    let pair = t.login("dev").await;
    let access = pair["access_token"].as_str().unwrap();
    let r = t
        .post(
            "/api/v1/auth/logout",
            access,
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    t.get("/api/v1/auth/me", access)
        .await
        .assert_envelope(StatusCode::UNAUTHORIZED);
    t.call(
        "POST",
        "/api/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": pair["refresh_token"]})),
    )
    .await
    .assert_envelope(StatusCode::UNAUTHORIZED);
});

both!(the_last_admin_stays, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    let me = ok(&t, "GET", "/api/v1/auth/me", &admin, None).await["id"]
        .as_i64()
        .unwrap();
    t.put(
        &format!("/api/v1/users/{me}"),
        &admin,
        json!({"role": "viewer"}),
    )
    .await
    .assert_envelope(StatusCode::CONFLICT);
    t.delete(&format!("/api/v1/users/{me}"), &admin)
        .await
        .assert_envelope(StatusCode::CONFLICT);
    assert_eq!(
        ok(&t, "GET", "/api/v1/users?role=admin", &admin, None).await["total"],
        1
    );
});
