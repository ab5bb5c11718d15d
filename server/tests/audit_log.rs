//! The audit log's guarantees: a change and its entry are stored together or not at all (a
//! database trigger makes the entry's insert fail, and the change must be gone with it), and the
//! retention prune deletes old entries only, recording itself.

mod common;

use axum::http::StatusCode;
use common::{Db, TestApp};
use serde_json::json;
use sqlx::Executor as _;
use sqlx::Row as _;

/// Makes every audit insert with one of `actions` fail, as a full disk or a lost connection would.
async fn refuse_audit_entries(t: &TestApp, db: Db, actions: &[&str]) {
    let list = actions
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let pool = &t.state.db.pool;
    match db {
        Db::Sqlite => {
            pool.execute(
                format!(
                    "CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_log \
                     WHEN NEW.action IN ({list}) BEGIN SELECT RAISE(ABORT, 'audit log refused'); END"
                )
                .as_str(),
            )
            .await
            .unwrap();
        }
        Db::Postgres => {
            pool.execute(
                "CREATE FUNCTION audit_refuses() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit log refused'; END $$",
            )
            .await
            .unwrap();
            pool.execute(
                format!(
                    "CREATE TRIGGER audit_refuses BEFORE INSERT ON audit_log FOR EACH ROW \
                     WHEN (NEW.action IN ({list})) EXECUTE FUNCTION audit_refuses()"
                )
                .as_str(),
            )
            .await
            .unwrap();
        }
    }
}

both!(a_write_whose_audit_entry_fails_leaves_no_write_behind, db => {
    let t = TestApp::new(db).await;
    let tok = t.user("ed", "editor").await;
    let r = t.post("/api/v1/packs", &tok, json!({"ref": "core", "name": "Core"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t
        .post("/api/v1/triggers", &tok, json!({"pack": "core", "name": "tick"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let trigger = r.body["id"].as_i64().unwrap();
    let sessions = t.count("refresh_tokens").await;
    refuse_audit_entries(
        &t,
        db,
        &["pack.create", "pack.update", "pack.delete", "trigger.disable", "auth.login"],
    )
    .await;

    // A create: no row.
    let r = t.post("/api/v1/packs", &tok, json!({"ref": "doomed", "name": "D"})).await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    let r = t.get("/api/v1/packs/doomed", &tok).await;
    r.assert_envelope(StatusCode::NOT_FOUND);
    // An update: unchanged.
    let r = t.put("/api/v1/packs/core", &tok, json!({"name": "Renamed"})).await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(t.get("/api/v1/packs/core", &tok).await.body["name"], "Core");
    // A delete (which would cascade to the trigger): everything still there.
    let r = t.delete("/api/v1/packs/core", &tok).await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(t.get("/api/v1/packs/core", &tok).await.status, StatusCode::OK);
    assert_eq!(t.count("triggers").await, 1);
    // The shared enable/disable write: still enabled.
    let r = t.post(&format!("/api/v1/triggers/{trigger}/disable"), &tok, json!({})).await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    let r = t.get(&format!("/api/v1/triggers/{trigger}"), &tok).await;
    assert_eq!(r.body["enabled"], true, "{}", r.body);
    // A login: no session issued.
    let r = t
        .call("POST", "/api/v1/auth/login", None, Some(json!({"login": "ed", "password": common::PASSWORD})))
        .await;
    r.assert_envelope(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(t.count("refresh_tokens").await, sessions);

    // Writes whose entries are accepted still work, each with its entry.
    let r = t.post(&format!("/api/v1/triggers/{trigger}/enable"), &tok, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entries = t.count("audit_log WHERE action = 'trigger.enable'").await;
    assert_eq!(entries, 1);
});

/// Appends an entry dated `at`.
async fn entry_at(t: &TestApp, at: &str, action: &str) {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, outcome, ip, request_id) \
         VALUES ($1, 'someone', $2, 'pack:x', 'ok', '127.0.0.1', '')",
    )
    .bind(at.to_owned())
    .bind(action.to_owned())
    .execute(&t.state.db.pool)
    .await
    .unwrap();
}

async fn actions(t: &TestApp) -> Vec<String> {
    sqlx::query("SELECT action FROM audit_log ORDER BY id")
        .fetch_all(&t.state.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get("action").unwrap())
        .collect()
}

both!(the_retention_prune_deletes_old_entries_and_records_itself, db => {
    let t = TestApp::new(db).await;
    let days_ago = |days: i64| {
        (chrono::Utc::now() - chrono::Duration::days(days))
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string()
    };
    entry_at(&t, &days_ago(400), "old.one").await;
    entry_at(&t, &days_ago(31), "old.two").await;
    entry_at(&t, &days_ago(29), "recent.one").await;
    entry_at(&t, &days_ago(0), "recent.two").await;

    let pruned = server::maintenance::prune_audit(&t.state.db, 30).await.unwrap();
    assert_eq!(pruned, 2);
    assert_eq!(actions(&t).await, ["recent.one", "recent.two", "audit.prune"]);
    let row = sqlx::query("SELECT actor, target, outcome FROM audit_log WHERE action = 'audit.prune'")
        .fetch_one(&t.state.db.pool)
        .await
        .unwrap();
    assert_eq!(row.try_get::<String, _>("actor").unwrap(), "system");
    assert_eq!(row.try_get::<String, _>("outcome").unwrap(), "ok");
    let target: String = row.try_get("target").unwrap();
    assert!(target.starts_with("audit_log:2 before "), "{target}");
    // Nothing more to prune: nothing recorded.
    assert_eq!(server::maintenance::prune_audit(&t.state.db, 30).await.unwrap(), 0);
    assert_eq!(actions(&t).await.len(), 3);
});

both!(the_periodic_upkeep_prunes_only_when_retention_is_set, db => {
    let old = "2001-01-01T00:00:00.000000Z";
    // Default: everything is kept.
    let t = TestApp::new(db).await;
    assert_eq!(t.state.config.audit_retention_days, None);
    entry_at(&t, old, "old.one").await;
    let upkeep = tokio::spawn(server::maintenance::run(t.state.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    upkeep.abort();
    assert_eq!(actions(&t).await, ["old.one"]);
    // With a retention: the first run, at start-up, prunes.
    let t = TestApp::with(db, |c| c.audit_retention_days = Some(365)).await;
    entry_at(&t, old, "old.one").await;
    let upkeep = tokio::spawn(server::maintenance::run(t.state.clone()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while actions(&t).await != ["audit.prune"] {
        assert!(std::time::Instant::now() < deadline, "not pruned: {:?}", actions(&t).await);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    upkeep.abort();
});
