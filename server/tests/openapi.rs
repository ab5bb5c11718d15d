//! The served OpenAPI document: valid 3.1, the `bearer_auth` scheme, security on every operation,
//! and every documented operation really routed at its method and path.

mod common;

use axum::http::StatusCode;
use common::{concrete, operations, TestApp};

both!(document_is_complete_and_truthful, db => {
    let t = TestApp::new(db).await;
    let doc = t
        .call("GET", "/api-docs/openapi.json", None, None)
        .await
        .body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let scheme = &doc["components"]["securitySchemes"]["bearer_auth"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    // Every $ref resolves.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling $ref {name}"
        );
    }
    let admin = t.user("root", "admin").await;
    let ops = operations(&t).await;
    assert!(ops.len() >= 79, "{} operations", ops.len());
    for (method, path, _) in &ops {
        if path == "/api/v1/auth/logout" {
            continue;
        }
        let r = t
            .call(
                method,
                &concrete(path),
                Some(&admin),
                Some(serde_json::json!({})),
            )
            .await;
        assert_ne!(
            r.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} not routed"
        );
        assert_ne!(
            r.body["error"]["message"], "route not found",
            "{method} {path} not routed"
        );
    }
});
