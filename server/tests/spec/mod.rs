//! Reading the served OpenAPI document in tests: its operations, `$ref`s resolved, and JSON Schema
//! validators (draft 2020-12, the dialect of OpenAPI 3.1) for any schema in it.
#![allow(dead_code)]

use serde_json::{json, Value};

/// One operation of the document.
pub struct Operation {
    pub method: String,
    pub path: String,
    pub op: Value,
}

impl Operation {
    pub fn id(&self) -> &str {
        self.op["operationId"].as_str().unwrap_or("")
    }

    /// The request body's JSON schema, if any.
    pub fn body_schema(&self) -> Option<&Value> {
        self.op
            .pointer("/requestBody/content/application~1json/schema")
    }

    /// Names of the path parameters.
    pub fn path_parameters(&self) -> Vec<String> {
        self.op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    }
}

/// Every operation, sorted by path and method.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().unwrap() {
            ops.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                op: op.clone(),
            });
        }
    }
    ops.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    ops
}

/// Follows `$ref`s to `#/components/...` until a schema that is not a reference.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {reference}"));
        schema = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {reference}"));
    }
    schema
}

/// The schema of property `name` of an object schema, looking into `allOf` parts (flattened
/// structs); `Null` when there is none.
pub fn property<'a>(doc: &'a Value, schema: &'a Value, name: &str) -> &'a Value {
    let schema = resolve(doc, schema);
    if let Some(found) = schema["properties"].get(name) {
        return resolve(doc, found);
    }
    schema["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|part| property(doc, part, name))
        .find(|found| !found.is_null())
        .unwrap_or(&Value::Null)
}

/// A validator of `schema` whose `#/components/...` references resolve in `doc`.
pub fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = match schema {
        Value::Object(map) => map.clone(),
        other => panic!("not a schema: {other}"),
    };
    root.insert("components".into(), doc["components"].clone());
    jsonschema::draft202012::new(&Value::Object(root))
        .unwrap_or_else(|e| panic!("invalid schema {schema}: {e}"))
}

/// Whether `value` is valid against `schema`; the first error otherwise.
pub fn check(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    validator(doc, schema)
        .validate(value)
        .map_err(|e| format!("{value} is invalid: {e}"))
}

/// The examples of a schema (`examples` array, or the older `example`).
pub fn examples(schema: &Value) -> Vec<Value> {
    let mut found: Vec<Value> = schema["examples"].as_array().cloned().unwrap_or_default();
    if let Some(example) = schema.get("example") {
        found.push(example.clone());
    }
    found
}

/// `{}` when absent.
pub fn empty_object() -> Value {
    json!({})
}
