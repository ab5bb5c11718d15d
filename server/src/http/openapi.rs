//! The OpenAPI document: every operation, the `bearer_auth` scheme, served at `/api-docs/openapi.json`.

use serde_json::Value;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::*;

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "authcheck automation platform", description = "Packs, actions, rules, executions and more; every protected operation requires a JWT access token, and most also accept a personal access token or a service API key."),
    modifiers(&SecurityAddon),
    paths(
        health::root_health,
        health::health,
        auth::register,
        auth::login,
        auth::refresh,
        auth::logout,
        auth::me,
        auth::change_password,
        users::list_users,
        users::get_user,
        users::update_user,
        users::delete_user,
        packs::list_packs,
        packs::create_pack,
        packs::get_pack,
        packs::update_pack,
        packs::delete_pack,
        actions::list_actions,
        actions::list_pack_actions,
        actions::create_action,
        actions::get_action,
        actions::update_action,
        actions::delete_action,
        triggers::list_triggers,
        triggers::create_trigger,
        triggers::get_trigger,
        triggers::update_trigger,
        triggers::delete_trigger,
        triggers::enable_trigger,
        triggers::disable_trigger,
        sensors::list_sensors,
        sensors::create_sensor,
        sensors::get_sensor,
        sensors::update_sensor,
        sensors::delete_sensor,
        sensors::enable_sensor,
        sensors::disable_sensor,
        rules::list_rules,
        rules::create_rule,
        rules::get_rule,
        rules::update_rule,
        rules::delete_rule,
        rules::enable_rule,
        rules::disable_rule,
        workflows::list_workflows,
        workflows::create_workflow,
        workflows::get_workflow,
        workflows::update_workflow,
        workflows::delete_workflow,
        executions::list_executions,
        executions::create_execution,
        executions::get_execution,
        executions::update_execution,
        executions::cancel_execution,
        executions::delete_execution,
        inquiries::list_inquiries,
        inquiries::list_execution_inquiries,
        inquiries::create_inquiry,
        inquiries::get_inquiry,
        inquiries::update_inquiry,
        inquiries::respond_inquiry,
        inquiries::delete_inquiry,
        events::list_events,
        events::create_event,
        events::get_event,
        events::update_event,
        events::delete_event,
        enforcements::list_enforcements,
        enforcements::create_enforcement,
        enforcements::get_enforcement,
        enforcements::update_enforcement,
        enforcements::delete_enforcement,
        keys::list_keys,
        keys::create_key,
        keys::get_key,
        keys::update_key,
        keys::delete_key,
        audit_log::list_audit,
        audit_log::get_audit,
        tokens::list_tokens,
        tokens::create_token,
        tokens::revoke_token,
        api_keys::list_api_keys,
        api_keys::create_api_key,
        api_keys::revoke_api_key,
    ),
    components(schemas(error::ErrorEnvelope, error::ErrorBody)),
    tags(
        (name = "health", description = "Liveness"),
        (name = "auth", description = "Sessions and the caller's account"),
        (name = "users", description = "User administration (admins)"),
        (name = "packs", description = "Packs"),
        (name = "actions", description = "Actions of packs"),
        (name = "triggers", description = "Triggers"),
        (name = "sensors", description = "Sensors"),
        (name = "rules", description = "Rules linking triggers to actions"),
        (name = "workflows", description = "Workflows"),
        (name = "executions", description = "Executions of actions"),
        (name = "inquiries", description = "Questions executions ask humans"),
        (name = "events", description = "Events of triggers"),
        (name = "enforcements", description = "Rules applied to events"),
        (name = "keys", description = "Secrets, encrypted at rest"),
        (name = "audit", description = "Audit log (admins)"),
        (name = "tokens", description = "Personal access tokens"),
        (name = "api-keys", description = "Service API keys (admins)"),
    )
)]
pub struct ApiDoc;

/// Registers the schemes: `bearer_auth` (JWT access tokens), `pat` (personal access tokens, also
/// sent as `Authorization: Bearer`) and `api_key` (service keys in `X-API-Key`).
struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer_auth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "pat",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("acpat_...")
                    .description(Some("Personal access token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "Service API key (acsk_...)",
            ))),
        );
    }
}

/// `(operation, status, field of its answer, parameter, operations taking that parameter)`: where
/// the id a create operation returns (or the first item of a list) can be used next. Each becomes
/// an OpenAPI link on that response, so that clients and fuzzers can chain the calls.
const LINKS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "register",
        "201",
        "/id",
        "id",
        &["get_user", "update_user", "delete_user"],
    ),
    (
        "list_users",
        "200",
        "/items/0/id",
        "id",
        &["get_user", "update_user", "delete_user"],
    ),
    (
        "create_pack",
        "201",
        "/ref",
        "pack_ref",
        &[
            "get_pack",
            "update_pack",
            "delete_pack",
            "list_pack_actions",
            "create_action",
        ],
    ),
    (
        "create_action",
        "201",
        "/id",
        "id",
        &["get_action", "update_action", "delete_action"],
    ),
    (
        "create_trigger",
        "201",
        "/id",
        "id",
        &[
            "get_trigger",
            "update_trigger",
            "delete_trigger",
            "enable_trigger",
            "disable_trigger",
        ],
    ),
    (
        "create_sensor",
        "201",
        "/id",
        "id",
        &[
            "get_sensor",
            "update_sensor",
            "delete_sensor",
            "enable_sensor",
            "disable_sensor",
        ],
    ),
    (
        "create_rule",
        "201",
        "/id",
        "id",
        &[
            "get_rule",
            "update_rule",
            "delete_rule",
            "enable_rule",
            "disable_rule",
        ],
    ),
    (
        "create_workflow",
        "201",
        "/id",
        "id",
        &["get_workflow", "update_workflow", "delete_workflow"],
    ),
    (
        "create_execution",
        "201",
        "/id",
        "id",
        &[
            "get_execution",
            "update_execution",
            "cancel_execution",
            "delete_execution",
            "list_execution_inquiries",
            "create_inquiry",
        ],
    ),
    (
        "create_inquiry",
        "201",
        "/id",
        "id",
        &[
            "get_inquiry",
            "update_inquiry",
            "respond_inquiry",
            "delete_inquiry",
        ],
    ),
    (
        "create_event",
        "201",
        "/id",
        "id",
        &["get_event", "update_event", "delete_event"],
    ),
    (
        "create_enforcement",
        "201",
        "/id",
        "id",
        &[
            "get_enforcement",
            "update_enforcement",
            "delete_enforcement",
        ],
    ),
    (
        "create_key",
        "201",
        "/name",
        "name",
        &["get_key", "update_key", "delete_key"],
    ),
    ("list_audit", "200", "/items/0/id", "id", &["get_audit"]),
    ("create_token", "201", "/id", "id", &["revoke_token"]),
    ("create_api_key", "201", "/id", "id", &["revoke_api_key"]),
];

/// The served document: [`ApiDoc`] with the [`LINKS`] added to the responses they start from.
///
/// The links are written into the JSON here rather than through utoipa's `Link` type, which
/// serializes its fields in snake case (`operation_id`) where OpenAPI names them `operationId`.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let id = id.to_owned();
        for (from, status, field, parameter, targets) in LINKS {
            if *from != id {
                continue;
            }
            let Some(response) = operation
                .pointer_mut(&format!("/responses/{status}"))
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            let links = response
                .entry("links")
                .or_insert_with(|| Value::Object(Default::default()));
            for target in *targets {
                links[camel(target)] = serde_json::json!({
                    "operationId": target,
                    "parameters": {*parameter: format!("$response.body#{field}")},
                });
            }
        }
    }
    doc
}
/// `get_pack` -> `GetPack`, the usual style of link names.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}
