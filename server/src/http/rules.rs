//! Rules: when a trigger's event matches the criteria, run an action; enabled or disabled.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::{empty_object, yes};
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::packs::pack_id;
use super::validate;
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, Principal, RulesWrite};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rules", get(list_rules).post(create_rule))
        .route(
            "/rules/{id}",
            get(get_rule).put(update_rule).delete(delete_rule),
        )
        .route("/rules/{id}/enable", post(enable_rule))
        .route("/rules/{id}/disable", post(disable_rule))
}

/// A rule linking a trigger to an action.
#[derive(Serialize, ToSchema)]
pub struct Rule {
    pub id: i64,
    pub pack: String,
    pub name: String,
    pub description: String,
    pub trigger_id: i64,
    pub action_id: i64,
    /// Conditions on the event payload.
    #[schema(value_type = Object)]
    pub criteria: serde_json::Value,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "r.id, p.ref AS pack, r.name, r.description, r.trigger_id, r.action_id, r.criteria, r.enabled, r.created_at, r.updated_at";
const FROM: &str = "rules r JOIN packs p ON p.id = r.pack_id";

fn from_row(row: &AnyRow) -> Result<Rule> {
    Ok(Rule {
        id: row.try_get("id")?,
        pack: row.try_get("pack")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        trigger_id: row.try_get("trigger_id")?,
        action_id: row.try_get("action_id")?,
        criteria: validate::parse_json(&row.try_get::<String, _>("criteria")?)?,
        enabled: crate::db::flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A rule by id, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<Rule> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("rule"))?;
    from_row(&row)
}

/// A new rule.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"pack": "core", "name": "on_webhook", "trigger_id": 1, "action_id": 1, "criteria": {"trigger.body.ok": true}})))]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub pack: String,
    #[schema(
        pattern = "^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        min_length = 1,
        max_length = 64
    )]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 2048)]
    pub description: String,
    pub trigger_id: i64,
    pub action_id: i64,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub criteria: serde_json::Value,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// Changes to a rule.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"description": "Runs on every webhook", "enabled": true})))]
#[serde(deny_unknown_fields)]
pub struct RuleUpdate {
    #[schema(max_length = 2048)]
    pub description: Option<String>,
    pub trigger_id: Option<i64>,
    pub action_id: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub criteria: Option<serde_json::Value>,
    pub enabled: Option<bool>,
}

/// Filters of the rule list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RuleQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub pack: Option<String>,
    pub trigger_id: Option<i64>,
    pub action_id: Option<i64>,
    pub enabled: Option<bool>,
}

/// The trigger and action must exist (422 naming the field otherwise) and be within the caller's
/// pack scope.
async fn check_links(
    state: &AppState,
    principal: &Principal,
    trigger_id: i64,
    action_id: i64,
) -> Result<()> {
    use sqlx::Row as _;
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM triggers WHERE id = $1) AS t, (SELECT COUNT(*) FROM actions WHERE id = $2) AS a",
    )
    .bind(trigger_id)
    .bind(action_id)
    .fetch_one(&state.db.pool)
    .await?;
    if row.try_get::<i64, _>("t")? == 0 {
        return Err(Error::invalid("trigger_id", "no such trigger"));
    }
    if row.try_get::<i64, _>("a")? == 0 {
        return Err(Error::invalid("action_id", "no such action"));
    }
    let trigger = super::triggers::find(state, trigger_id).await?;
    principal.check_pack(state, &trigger.pack).await?;
    let action = super::actions::find(state, action_id).await?;
    principal.check_pack(state, &action.pack).await?;
    Ok(())
}

/// List rules.
#[utoipa::path(get, path = "/api/v1/rules", tag = "rules", params(RuleQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Rule>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_rules(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<RuleQuery>,
) -> Result<Json<Page<Rule>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("p.ref", q.pack)
        .int("r.trigger_id", q.trigger_id)
        .int("r.action_id", q.action_id)
        .flag("r.enabled", q.enabled);
    Ok(Json(
        page(&state.db, COLUMNS, FROM, filters, "r.id", paging, from_row).await?,
    ))
}

/// Create a rule.
#[utoipa::path(post, path = "/api/v1/rules", tag = "rules", request_body = NewRule, security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Rule), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_rule(
    AnyPermission(principal, _): AnyPermission<RulesWrite>,
    State(state): State<AppState>,
    Json(new): Json<NewRule>,
) -> Result<(StatusCode, Json<Rule>)> {
    validate::ident("pack", &new.pack)?;
    validate::ident("name", &new.name)?;
    validate::text("description", &new.description, 2048)?;
    let criteria = validate::object("criteria", &new.criteria)?;
    principal.check_pack(&state, &new.pack).await?;
    let pack = pack_id(&state, &new.pack).await?;
    check_links(&state, &principal, new.trigger_id, new.action_id).await?;
    let mut write = principal.write(&state).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO rules (pack_id, name, description, trigger_id, action_id, criteria, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(pack)
    .bind(new.name)
    .bind(new.description)
    .bind(new.trigger_id)
    .bind(new.action_id)
    .bind(criteria)
    .bind(i64::from(new.enabled))
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write.commit("rule.create", &format!("rule:{id}")).await?;
    Ok((StatusCode::CREATED, Json(find(&state, id).await?)))
}

/// Get a rule.
#[utoipa::path(get, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Rule), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_rule(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Rule>> {
    let found = find(&state, id).await?;
    principal.check_pack(&state, &found.pack).await?;
    Ok(Json(found))
}

/// Update a rule.
#[utoipa::path(put, path = "/api/v1/rules/{id}", tag = "rules", request_body = RuleUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Rule), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_rule(
    AnyPermission(principal, _): AnyPermission<RulesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<RuleUpdate>,
) -> Result<Json<Rule>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let description = update.description.unwrap_or(current.description);
    validate::text("description", &description, 2048)?;
    let criteria = validate::object("criteria", &update.criteria.unwrap_or(current.criteria))?;
    let trigger_id = update.trigger_id.unwrap_or(current.trigger_id);
    let action_id = update.action_id.unwrap_or(current.action_id);
    let enabled = update.enabled.unwrap_or(current.enabled);
    check_links(&state, &principal, trigger_id, action_id).await?;
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE rules SET description = $1, trigger_id = $2, action_id = $3, criteria = $4, enabled = $5, \
         updated_at = $6 WHERE id = $7",
    )
    .bind(description)
    .bind(trigger_id)
    .bind(action_id)
    .bind(criteria)
    .bind(i64::from(enabled))
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write.commit("rule.update", &format!("rule:{id}")).await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a rule.
#[utoipa::path(delete, path = "/api/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_rule(
    AnyPermission(principal, _): AnyPermission<RulesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "rules", "rule", id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a rule.
#[utoipa::path(post, path = "/api/v1/rules/{id}/enable", tag = "rules", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Rule), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn enable_rule(
    AnyPermission(principal, _): AnyPermission<RulesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Rule>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "rules", "rule", id, true).await?;
    Ok(Json(find(&state, id).await?))
}

/// Disable a rule.
#[utoipa::path(post, path = "/api/v1/rules/{id}/disable", tag = "rules", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Rule), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn disable_rule(
    AnyPermission(principal, _): AnyPermission<RulesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Rule>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::set_enabled(&state, &principal, "rules", "rule", id, false).await?;
    Ok(Json(find(&state, id).await?))
}
