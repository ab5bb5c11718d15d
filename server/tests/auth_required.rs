//! Every protected operation of the served OpenAPI document answers 401 (with the envelope and
//! `WWW-Authenticate: Bearer`) to anonymous callers and to every kind of bad token; the public
//! ones do not.

mod common;

use axum::http::StatusCode;
use common::{alg_none, concrete, forge, operations, TestApp, TEST_SECRET};

const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/refresh"),
];

both!(every_protected_operation_rejects_bad_credentials, db => {
    let t = TestApp::new(db).await;
    let admin = t.user("root", "admin").await;
    let pair = t.login("root").await;
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    let me = t.get("/api/v1/auth/me", &admin).await.body["id"].to_string();
    let bad: Vec<(&str, Option<String>)> = vec![
        ("no credentials", None),
        ("expired", Some(forge(TEST_SECRET, "access", -3600, &me))),
        ("refresh token", Some(refresh)),
        (
            "bad signature",
            Some(forge(
                b"some other secret some other secret!",
                "access",
                600,
                &me,
            )),
        ),
        ("alg none", Some(alg_none(&me))),
        ("garbage", Some("not.a.jwt".into())),
    ];
    let ops = operations(&t).await;
    let protected: Vec<_> = ops.iter().filter(|(_, _, p)| *p).collect();
    assert!(
        protected.len() > 60,
        "only {} protected operations",
        protected.len()
    );
    for (method, path, _) in &protected {
        let uri = concrete(path);
        for (what, token) in &bad {
            let r = t
                .call(method, &uri, token.as_deref(), Some(serde_json::json!({})))
                .await;
            r.assert_envelope(StatusCode::UNAUTHORIZED);
            assert_eq!(
                r.headers
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap()),
                Some("Bearer"),
                "{method} {path} with {what}"
            );
        }
        // The valid token gets past authentication (logout would end it: checked elsewhere).
        if path == "/api/v1/auth/logout" {
            continue;
        }
        let r = t
            .call(method, &uri, Some(&admin), Some(serde_json::json!({})))
            .await;
        assert_ne!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} refused a valid token: {}",
            r.body
        );
    }
});

both!(public_operations_are_exactly_the_documented_ones, db => {
    let t = TestApp::new(db).await;
    let ops = operations(&t).await;
    let mut public: Vec<(String, String)> = ops
        .iter()
        .filter(|(_, _, p)| !*p)
        .map(|(m, p, _)| (m.clone(), p.clone()))
        .collect();
    public.sort();
    let mut expected: Vec<(String, String)> = PUBLIC
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(public, expected);
    for (method, path) in PUBLIC {
        let r = t
            .call(method, path, None, Some(serde_json::json!({})))
            .await;
        assert_ne!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} wants credentials"
        );
    }
    for path in ["/docs/", "/api-docs/openapi.json"] {
        assert_eq!(
            t.call("GET", path, None, None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
});

both!(logout_and_password_change_end_sessions, db => {
    let t = TestApp::new(db).await;
    let token = t.user("viewer1", "viewer").await;
    assert_eq!(
        t.get("/api/v1/auth/me", &token).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.call("POST", "/api/v1/auth/logout", Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    t.get("/api/v1/auth/me", &token)
        .await
        .assert_envelope(StatusCode::UNAUTHORIZED);

    let pair = t.login("viewer1").await;
    let access = pair["access_token"].as_str().unwrap();
    let r = t
        .post(
            "/api/v1/auth/change-password",
            access,
            serde_json::json!({"current_password": common::PASSWORD, "new_password": "another long password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    t.get("/api/v1/auth/me", access)
        .await
        .assert_envelope(StatusCode::UNAUTHORIZED);
    let r = t
        .call(
            "POST",
            "/api/v1/auth/refresh",
            None,
            Some(serde_json::json!({"refresh_token": pair["refresh_token"]})),
        )
        .await;
    r.assert_envelope(StatusCode::UNAUTHORIZED);
    let r = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"login": "viewer1", "password": "another long password"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
});

both!(unknown_user_and_wrong_password_answer_alike, db => {
    let t = TestApp::new(db).await;
    t.user("alice", "viewer").await;
    let wrong = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"login": "alice", "password": "wrong password!!"})),
        )
        .await;
    let unknown = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"login": "nobody", "password": "wrong password!!"})),
        )
        .await;
    wrong.assert_envelope(StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.status, unknown.status);
});

both!(registration_can_be_disabled, db => {
    let t = TestApp::with(db, |c| c.allow_registration = false).await;
    let r = t
        .call(
            "POST",
            "/api/v1/auth/register",
            None,
            Some(serde_json::json!({"login": "x", "password": common::PASSWORD})),
        )
        .await;
    r.assert_envelope(StatusCode::FORBIDDEN);
    assert_eq!(t.count("users").await, 0);
});
