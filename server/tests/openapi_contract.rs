//! The published schemas and the handlers agree, the way a generated client or a fuzzer relies on:
//!
//! - each create operation's example, sent as it is, creates (201), and the links of its answer
//!   lead to operations that find what was created;
//! - each update's example is accepted;
//! - for every property of every request body, values the schema excludes (past a length or a
//!   range, off a pattern or an enum, of another type, an unknown or a missing field) are answered
//!   422, and values at the schema's bounds are not;
//! - `page` outside the documented range is 422 on every list.
//!
//! The session operations (login, refresh, logout, change-password) are left out of the
//! mutations: they answer bad credentials with 401 by design, and a valid change ends the session.

mod common;
mod spec;

use std::collections::HashMap;

use axum::http::StatusCode;
use common::{Resp, TestApp};
use serde_json::{json, Value};

/// Creates in dependency order (the examples refer to `core`, trigger 1, action 1, execution 1,
/// event 1, rule 1).
const CREATES: &[&str] = &[
    "create_pack",
    "create_action",
    "create_trigger",
    "create_sensor",
    "create_rule",
    "create_workflow",
    "create_execution",
    "create_inquiry",
    "create_event",
    "create_enforcement",
    "create_key",
    "create_token",
    "create_api_key",
    "register",
];

const SESSION: &[&str] = &["login", "refresh", "logout", "change_password"];

/// The URI of an operation: `{pack_ref}` is `core`, `{name}` the example key, `{id}` whatever was
/// created first of its kind (the registered user for `/users/{id}`).
fn uri(op: &spec::Operation, user: i64) -> String {
    let path = if op.path.starts_with("/api/v1/users/") {
        op.path.replace("{id}", &user.to_string())
    } else {
        op.path.clone()
    };
    path.replace("{pack_ref}", "core")
        .replace("{name}", "api_token")
        .replace("{id}", "1")
}

fn example_of(doc: &Value, op: &spec::Operation) -> Value {
    let schema = spec::resolve(doc, op.body_schema().expect("a request body"));
    spec::examples(schema)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{} has no example", op.id()))
}

/// Values of the property schema `prop` that the schema excludes.
fn violations(doc: &Value, prop: &Value) -> Vec<Value> {
    let prop = spec::resolve(doc, prop);
    let types: Vec<&str> = match &prop["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    if prop.get("enum").is_some() {
        out.push(json!("not-one-of-them"));
    }
    let n = |key: &str| prop[key].as_i64();
    if types.contains(&"string") {
        out.push(json!(12345));
        if let Some(max) = n("maxLength") {
            out.push(json!("a".repeat(max as usize + 1)));
        }
        if let Some(min) = n("minLength").filter(|m| *m > 0) {
            out.push(json!("a".repeat(min as usize - 1)));
        }
        if prop.get("pattern").is_some() {
            let validator = spec::validator(doc, prop);
            let off = ["-lead", "has space", "   ", "sémaphore", "a/b"]
                .into_iter()
                .find(|c| !validator.is_valid(&json!(c)));
            out.push(json!(off.expect("a string off the pattern")));
        }
    }
    if types.contains(&"integer") {
        out.push(json!("12"));
        out.push(json!(1.5));
        if let Some(min) = n("minimum") {
            out.push(json!(min - 1));
        }
        if let Some(max) = n("maximum") {
            out.push(json!(max + 1));
        }
    }
    if types.contains(&"boolean") {
        out.push(json!("yes"));
    }
    if types.contains(&"object") {
        out.push(json!([]));
        out.push(json!("{}"));
    }
    if types.contains(&"array") {
        out.push(json!("core"));
        if n("minItems").is_some_and(|m| m > 0) {
            out.push(json!([]));
        }
        if let Some(max) = n("maxItems") {
            let items: Vec<String> = (0..=max).map(|i| format!("p{i}")).collect();
            out.push(json!(items));
        }
        if prop["items"].get("pattern").is_some() {
            out.push(json!(["has space"]));
        }
    }
    out
}

/// Values at the bounds the property schema allows.
fn bounds(prop: &Value, doc: &Value) -> Vec<Value> {
    let prop = spec::resolve(doc, prop);
    let mut out = Vec::new();
    if let Some(max) = prop["maxLength"].as_u64() {
        out.push(json!("a".repeat(max as usize)));
    }
    if let Some(min) = prop["minLength"].as_u64().filter(|m| *m > 1) {
        out.push(json!("a".repeat(min as usize)));
    }
    for key in ["minimum", "maximum"] {
        if let Some(v) = prop[key].as_i64() {
            out.push(json!(v));
        }
    }
    out
}

struct Contract {
    t: TestApp,
    doc: Value,
    admin: String,
    /// The registered user (the example of `register`).
    user: i64,
}

impl Contract {
    /// A fresh app with an admin, on which every create example was sent in order (each must
    /// answer 201); the answers by operation id.
    async fn seeded(db: common::Db) -> (Self, Vec<(&'static str, Value)>) {
        let t = TestApp::new(db).await;
        let admin = t.user("root", "admin").await;
        let doc = t
            .call("GET", "/api-docs/openapi.json", None, None)
            .await
            .body;
        let ops = spec::operations(&doc);
        let mut created = Vec::new();
        for id in CREATES {
            let op = ops.iter().find(|op| op.id() == *id).unwrap();
            let r = t
                .call(
                    &op.method,
                    &uri(op, 0),
                    Some(&admin),
                    Some(example_of(&doc, op)),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{id}: {}", r.body);
            created.push((*id, r.body));
        }
        let user = created.iter().find(|(id, _)| *id == "register").unwrap().1["id"]
            .as_i64()
            .unwrap();
        (
            Contract {
                t,
                doc,
                admin,
                user,
            },
            created,
        )
    }

    async fn send(&self, op: &spec::Operation, body: Value) -> Resp {
        self.t
            .call(
                &op.method,
                &uri(op, self.user),
                Some(&self.admin),
                Some(body),
            )
            .await
    }
}

both!(create_examples_work_and_their_links_lead_somewhere, db => {
    let (c, created) = Contract::seeded(db).await;
    let ops = spec::operations(&c.doc);
    let by_id: HashMap<&str, &spec::Operation> = ops.iter().map(|op| (op.id(), op)).collect();
    let mut followed = 0;
    for (id, answer) in &created {
        let links = by_id[id].op["responses"]["201"]["links"].as_object().cloned().unwrap_or_default();
        assert!(!links.is_empty(), "{id} has no links");
        // Each link to a read leads to what was just created.
        for link in links.values() {
            let target = by_id[link["operationId"].as_str().unwrap()];
            if target.method != "GET" {
                continue;
            }
            let mut path = target.path.clone();
            for (parameter, expression) in link["parameters"].as_object().unwrap() {
                let pointer = expression.as_str().unwrap().strip_prefix("$response.body#").unwrap();
                let value = match answer.pointer(pointer).unwrap() {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                path = path.replace(&format!("{{{parameter}}}"), &value);
            }
            let found = c.t.get(&path, &c.admin).await;
            assert_eq!(found.status, StatusCode::OK, "{id} -> {path}: {}", found.body);
            followed += 1;
        }
    }
    assert!(followed >= CREATES.len(), "only {followed} links followed");
});

both!(handlers_reject_exactly_what_the_schemas_exclude, db => {
    let (c, _) = Contract::seeded(db).await;
    let ops = spec::operations(&c.doc);
    let mut problems = Vec::new();
    let mut checked = 0;
    for op in ops.iter().filter(|op| op.body_schema().is_some() && !SESSION.contains(&op.id())) {
        let schema = spec::resolve(&c.doc, op.body_schema().unwrap());
        let example = example_of(&c.doc, op);
        if op.method == "PUT" {
            let r = c.send(op, example.clone()).await;
            if r.status != StatusCode::OK {
                problems.push(format!("{}: the example got {} {}", op.id(), r.status, r.body));
            }
        }
        let mut bodies: Vec<(String, Value)> = Vec::new();
        let mut unknown = example.clone();
        unknown["no_such_field"] = json!(1);
        bodies.push(("an unknown field".into(), unknown));
        for required in schema["required"].as_array().into_iter().flatten() {
            let mut missing = example.clone();
            missing.as_object_mut().unwrap().remove(required.as_str().unwrap());
            bodies.push((format!("without {required}"), missing));
        }
        for (name, prop) in schema["properties"].as_object().unwrap() {
            for value in violations(&c.doc, prop) {
                let mut body = example.clone();
                body[name] = value.clone();
                bodies.push((format!("{name} = {}", short(&value)), body));
            }
        }
        for (what, body) in bodies {
            assert!(
                spec::check(&c.doc, schema, &body).is_err(),
                "{}: the schema allows {what}",
                op.id()
            );
            let r = c.send(op, body).await;
            checked += 1;
            if r.status != StatusCode::UNPROCESSABLE_ENTITY {
                problems.push(format!("{} with {what}: {} {}", op.id(), r.status, r.body));
            }
        }
        for (name, prop) in schema["properties"].as_object().unwrap() {
            for value in bounds(prop, &c.doc) {
                let mut body = example.clone();
                body[name] = value.clone();
                if spec::check(&c.doc, schema, &body).is_err() {
                    continue;
                }
                let r = c.send(op, body).await;
                checked += 1;
                if matches!(r.status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST) {
                    problems.push(format!("{} with {name} = {} (allowed): {} {}", op.id(), short(&value), r.status, r.body));
                }
            }
        }
    }
    // `page` on every list.
    for op in ops.iter().filter(|op| op.method == "GET") {
        let params = op.op["parameters"].as_array().cloned().unwrap_or_default();
        let Some(page) = params.iter().find(|p| p["name"] == "page") else { continue };
        let (min, max) = (page["schema"]["minimum"].as_i64().unwrap(), page["schema"]["maximum"].as_i64().unwrap());
        let base = uri(op, c.user);
        for (value, valid) in [(min - 1, false), (max + 1, false), (min, true), (max, true)] {
            let r = c.t.get(&format!("{base}?page={value}"), &c.admin).await;
            checked += 1;
            if (r.status == StatusCode::OK) != valid {
                problems.push(format!("{} page={value}: {}", op.id(), r.status));
            }
        }
    }
    eprintln!("{checked} requests checked against the schemas");
    assert!(checked > 300, "only {checked} requests checked");
    assert!(problems.is_empty(), "{} disagreements:\n{}", problems.len(), problems.join("\n"));
});

/// A value for a message, long strings shortened.
fn short(value: &Value) -> String {
    match value {
        Value::String(s) if s.len() > 20 => {
            format!("\"{}…\" ({} chars)", &s[..8], s.chars().count())
        }
        other => other.to_string(),
    }
}
