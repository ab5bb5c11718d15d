//! The static route table against the running server: for every route `cargo authcheck` finds in
//! the server, the running application (driven with `oneshot`) must agree with its class. A route
//! classified protected answers 401 to anonymous callers and to every kind of bad token (expired,
//! refresh token, bad signature, `alg: none`), and not to a valid token; every other route answers
//! anonymous callers with something other than 401. The served OpenAPI document lists every
//! handler route the tool finds, with security exactly when the route is protected.

#[path = "../../server/tests/common/mod.rs"]
mod common;

use std::path::Path;

use axum::http::StatusCode;
use cargo_authcheck::analysis::{analyze, Options};
use common::{alg_none, concrete, forge, TestApp, TEST_SECRET};

fn routes() -> Vec<cargo_authcheck::analysis::Route> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/Cargo.toml");
    let options = Options::uncached(manifest);
    analyze(&options, &cargo_authcheck::rules::codes())
        .expect("the server can be analysed")
        .routes
}

/// A request path for a route pattern (captures filled in, catch-alls given a tail).
fn request_path(pattern: &str) -> String {
    concrete(
        &pattern
            .replace("{*rest}", "index.html")
            .replace("{*fallback}", "no-such-route"),
    )
}

#[tokio::test]
async fn the_running_server_agrees_with_the_static_table() {
    let table = routes();
    assert!(table.len() >= 80, "only {} routes", table.len());
    let t = TestApp::new(common::Db::Sqlite).await;
    let mut admin = t.user("root", "admin").await;
    let pair = t.login("root").await;
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    let me = t.get("/api/v1/auth/me", &admin).await.body["id"].to_string();
    let bad: Vec<(&str, Option<String>)> = vec![
        ("no credentials", None),
        (
            "an expired token",
            Some(forge(TEST_SECRET, "access", -3600, &me)),
        ),
        ("a refresh token", Some(refresh)),
        (
            "a bad signature",
            Some(forge(
                b"some other secret some other secret!",
                "access",
                600,
                &me,
            )),
        ),
        ("alg: none", Some(alg_none(&me))),
    ];
    let mut disagreements = Vec::new();
    for route in &table {
        let method = if route.entry.method == "ANY" {
            "GET"
        } else {
            route.entry.method.as_str()
        };
        let uri = request_path(&route.entry.path);
        let name = format!(
            "{} {} ({})",
            route.entry.method,
            route.entry.path,
            route.verdict.class.as_str()
        );
        if route.verdict.class.is_protected() {
            for (what, token) in &bad {
                let r = t
                    .call(method, &uri, token.as_deref(), Some(serde_json::json!({})))
                    .await;
                if r.status != StatusCode::UNAUTHORIZED {
                    disagreements.push(format!("{name}: {} with {what}", r.status));
                }
            }
            let mut r = t
                .call(method, &uri, Some(&admin), Some(serde_json::json!({})))
                .await;
            if r.status == StatusCode::UNAUTHORIZED {
                // An earlier route (logout) may have ended the session: log in again once.
                admin = t.login("root").await["access_token"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                r = t
                    .call(method, &uri, Some(&admin), Some(serde_json::json!({})))
                    .await;
            }
            if r.status == StatusCode::UNAUTHORIZED {
                disagreements.push(format!("{name}: 401 with a valid token"));
            }
        } else {
            // Login and refresh answer 401 to bad credentials by design; an empty body is not that.
            let r = t
                .call(method, &uri, None, Some(serde_json::json!({})))
                .await;
            if r.status == StatusCode::UNAUTHORIZED {
                disagreements.push(format!("{name}: 401 to an anonymous caller"));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "the running server disagrees with the static table:\n{}",
        disagreements.join("\n")
    );
}

#[tokio::test]
async fn the_served_document_lists_every_route_with_matching_security() {
    let table = routes();
    let t = TestApp::new(common::Db::Sqlite).await;
    let spec = t
        .call("GET", "/api-docs/openapi.json", None, None)
        .await
        .body;
    let default_security = spec.get("security").cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for route in table.iter().filter(|r| r.kind == "handler") {
        let op = &spec["paths"][&route.entry.path][route.entry.method.to_ascii_lowercase()];
        if op.is_null() {
            problems.push(format!(
                "{} {} is not in the served document",
                route.entry.method, route.entry.path
            ));
            continue;
        }
        let security = op
            .get("security")
            .cloned()
            .unwrap_or(default_security.clone());
        let requires = security.as_array().is_some_and(|alts| {
            !alts.is_empty()
                && alts
                    .iter()
                    .all(|a| a.as_object().is_some_and(|o| !o.is_empty()))
        });
        if requires != route.verdict.class.is_protected() {
            problems.push(format!(
                "{} {}: documented security {security} but class {}",
                route.entry.method,
                route.entry.path,
                route.verdict.class.as_str()
            ));
        }
        let believed = route
            .documented
            .as_ref()
            .and_then(|d| d.security.clone())
            .unwrap_or_default();
        let served: Vec<Vec<String>> = security
            .as_array()
            .map(|alts| {
                alts.iter()
                    .map(|a| {
                        a.as_object()
                            .map(|o| o.keys().cloned().collect())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default();
        if believed != served {
            problems.push(format!(
                "{} {}: the analyzer believes {believed:?}, the document says {served:?}",
                route.entry.method, route.entry.path
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
