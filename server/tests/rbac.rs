//! The RBAC matrix, generated from the served OpenAPI document: each role against each protected
//! operation. Viewers read, editors write, admins also manage users and read the audit log; a
//! denial is a 403 with the envelope, is audited, and writes nothing.

mod common;

use axum::http::StatusCode;
use common::{concrete, operations, TestApp};
use serde_json::json;

const TABLES: &[&str] = &[
    "packs",
    "actions",
    "triggers",
    "sensors",
    "rules",
    "executions",
    "events",
    "enforcements",
    "inquiries",
    "workflows",
    "keys",
    "users",
];

/// The least role an operation needs: 0 viewer, 1 editor, 2 admin.
fn required(method: &str, path: &str) -> u8 {
    if ["/api/v1/users", "/api/v1/audit", "/api/v1/api-keys"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        2
    } else if path.starts_with("/api/v1/auth/")
        || path.starts_with("/api/v1/tokens")
        || method == "GET"
    {
        0
    } else {
        1
    }
}

async fn snapshot(t: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push(t.count(table).await);
    }
    counts
}

both!(each_role_against_each_operation, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    let editor = t.user("ed", "editor").await;
    let viewer = t.user("vi", "viewer").await;
    // Something to act on.
    t.post(
        "/api/v1/packs",
        &editor,
        json!({"ref": "core", "name": "Core"}),
    )
    .await;
    t.post(
        "/api/v1/keys",
        &editor,
        json!({"name": "api_token", "value": "v"}),
    )
    .await;
    let ops = operations(&t).await;
    for (level, (role, token)) in [("viewer", &viewer), ("editor", &editor), ("admin", &admin)]
        .into_iter()
        .enumerate()
    {
        for (method, path, protected) in &ops {
            if !protected || path == "/api/v1/auth/logout" {
                continue;
            }
            let need = required(method, path);
            let before = snapshot(&t).await;
            let denied_before = t.count("audit_log").await;
            let r = t
                .call(method, &concrete(path), Some(token), Some(json!({})))
                .await;
            if (level as u8) < need {
                r.assert_envelope(StatusCode::FORBIDDEN);
                assert_eq!(
                    snapshot(&t).await,
                    before,
                    "{role} {method} {path} wrote something"
                );
                assert_eq!(
                    t.count("audit_log").await,
                    denied_before + 1,
                    "denial not audited"
                );
            } else {
                assert_ne!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{role} {method} {path}: {}",
                    r.body
                );
                assert_ne!(
                    r.status,
                    StatusCode::UNAUTHORIZED,
                    "{role} {method} {path}: {}",
                    r.body
                );
            }
        }
    }
    let r = t
        .get(
            "/api/v1/audit?action=permission.denied&per_page=100",
            &admin,
        )
        .await;
    assert!(
        r.body["total"].as_i64().unwrap() > 40,
        "{}",
        r.body["total"]
    );
    assert_eq!(r.body["items"][0]["outcome"], "denied");
});
