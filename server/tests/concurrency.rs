//! Parallel writes lose nothing; a refresh token raced by two clients is used once.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::json;

both!(parallel_creates_are_all_kept, db => {
    let t = std::sync::Arc::new(TestApp::new(db).await);
    let tok = t.user("ed", "editor").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (t, tok) = (t.clone(), tok.clone());
        tasks.push(tokio::spawn(async move {
            t.post(
                "/api/v1/packs",
                &tok,
                json!({"ref": format!("p{i}"), "name": "n"}),
            )
            .await
            .status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(t.count("packs").await, 40);
    // Same name from many clients: exactly one wins, the rest get 409.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (t, tok) = (t.clone(), tok.clone());
        tasks.push(tokio::spawn(async move {
            t.post("/api/v1/packs", &tok, json!({"ref": "same", "name": "n"}))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT));
    assert_eq!(t.count("packs").await, 41);
});

both!(a_refresh_token_works_once_under_races, db => {
    let t = std::sync::Arc::new(TestApp::new(db).await);
    t.user("vi", "viewer").await;
    let pair = t.login("vi").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (t, token) = (t.clone(), pair["refresh_token"].clone());
        tasks.push(tokio::spawn(async move {
            t.call(
                "POST",
                "/api/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": token})),
            )
            .await
            .status
        }));
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::OK {
            ok += 1;
        }
    }
    assert!(ok <= 1, "{ok} refreshes succeeded");
});
