//! The OpenAPI document: every operation, the `bearer_auth` scheme, served at `/api-docs/openapi.json`.

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
