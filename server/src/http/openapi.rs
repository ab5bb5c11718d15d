//! The OpenAPI document: every operation, the `bearer_auth` scheme, served at `/api-docs/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::*;

/// The API's document.
#[derive(OpenApi)]
#[openapi(
    info(title = "authcheck automation platform", description = "Packs, actions, rules, executions and more; every protected operation requires a bearer token."),
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
    ),
    components(schemas(error::ErrorEnvelope, error::ErrorBody)),
    tags(
        (name = "health", description = "Liveness"),
        (name = "auth", description = "Sessions and the caller's account"),
        (name = "users", description = "User administration (admins)"),
        (name = "packs", description = "Packs"),
    )
)]
pub struct ApiDoc;

/// Registers the `bearer_auth` scheme (JWT access tokens).
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
    }
}
