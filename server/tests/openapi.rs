//! The served OpenAPI document: valid 3.1, the `bearer_auth` scheme, security on every operation,
//! every documented operation really routed at its method and path, every example valid against
//! its schema, and links from the create operations to every operation that takes an id.

mod common;
mod spec;

use axum::http::StatusCode;
use common::{concrete, operations, TestApp};
use serde_json::{json, Value};

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

/// `(where, schema, example)` for every example in the document: schemas' `examples`/`example`,
/// and parameters' and media types' `example`/`examples` against their `schema`.
fn all_examples(node: &Value, at: &str, found: &mut Vec<(String, Value, Value)>) {
    let Some(map) = node.as_object() else {
        if let Some(items) = node.as_array() {
            for (i, item) in items.iter().enumerate() {
                all_examples(item, &format!("{at}/{i}"), found);
            }
        }
        return;
    };
    if let Some(schema) = map.get("schema") {
        if let Some(example) = map.get("example") {
            found.push((at.to_owned(), schema.clone(), example.clone()));
        }
        if let Some(Value::Object(named)) = map.get("examples") {
            for example in named.values() {
                found.push((at.to_owned(), schema.clone(), example["value"].clone()));
            }
        }
    } else {
        for example in spec::examples(node) {
            found.push((at.to_owned(), node.clone(), example));
        }
    }
    for (key, child) in map {
        if key != "example" && key != "examples" {
            all_examples(child, &format!("{at}/{key}"), found);
        }
    }
}

both!(every_example_validates_against_its_schema, db => {
    let t = TestApp::new(db).await;
    let doc = t.call("GET", "/api-docs/openapi.json", None, None).await.body;
    let mut found = Vec::new();
    all_examples(&doc, "#", &mut found);
    // Every request body has one.
    for op in spec::operations(&doc) {
        if let Some(schema) = op.body_schema() {
            let schema = spec::resolve(&doc, schema);
            assert!(!spec::examples(schema).is_empty(), "{} {}: the request body has no example", op.method, op.path);
        }
    }
    let problems: Vec<String> = found
        .iter()
        .filter_map(|(at, schema, example)| spec::check(&doc, schema, example).err().map(|e| format!("{at}: {e}")))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The check is real: a broken example is caught.
    let (_, schema, example) = found
        .iter()
        .find(|(at, ..)| at.ends_with("/NewPack"))
        .expect("NewPack has an example");
    let mut broken = example.clone();
    broken["ref"] = json!("not a ref!");
    assert!(spec::check(&doc, schema, &broken).is_err());
});

both!(links_lead_from_creates_to_every_operation_taking_an_id, db => {
    let t = TestApp::new(db).await;
    let doc = t.call("GET", "/api-docs/openapi.json", None, None).await.body;
    let ops = spec::operations(&doc);
    let by_id: std::collections::HashMap<&str, &spec::Operation> =
        ops.iter().map(|op| (op.id(), op)).collect();
    let mut targets = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for op in &ops {
        for (status, response) in op.op["responses"].as_object().unwrap() {
            let Some(links) = response.get("links").and_then(Value::as_object) else { continue };
            let body = spec::resolve(&doc, &response["content"]["application/json"]["schema"]);
            for (name, link) in links {
                let target_id = link["operationId"].as_str().unwrap_or_default();
                let Some(target) = by_id.get(target_id) else {
                    problems.push(format!("{} {status} link {name}: no operation {target_id}", op.id()));
                    continue;
                };
                targets.insert(target_id.to_owned());
                let wanted = target.path_parameters();
                for (parameter, expression) in link["parameters"].as_object().unwrap() {
                    if !wanted.contains(parameter) {
                        problems.push(format!("{} link {name}: {target_id} takes no {parameter}", op.id()));
                    }
                    // `$response.body#/items/0/id` or `#/ref`: the field exists in the answer.
                    let pointer = expression.as_str().unwrap().strip_prefix("$response.body#").unwrap();
                    let mut schema = body;
                    for segment in pointer.split('/').skip(1) {
                        schema = if segment.parse::<usize>().is_ok() {
                            spec::resolve(&doc, &schema["items"])
                        } else {
                            spec::property(&doc, schema, segment)
                        };
                        if schema.is_null() {
                            problems.push(format!("{} link {name}: the answer has no {pointer}", op.id()));
                            break;
                        }
                    }
                }
                if wanted.iter().any(|p| link["parameters"].get(p).is_none()) {
                    problems.push(format!("{} link {name}: not every parameter of {target_id} is given", op.id()));
                }
            }
        }
    }
    for op in &ops {
        if !op.path_parameters().is_empty() && !targets.contains(op.id()) {
            problems.push(format!("{} {} ({}) takes an id but no link leads to it", op.method, op.path, op.id()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
});
