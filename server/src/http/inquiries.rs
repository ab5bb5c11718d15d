//! Inquiries: questions an execution asks a human (`/executions/{id}/inquiries`), answered with
//! `/inquiries/{id}/respond`.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::actions::empty_object;
use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use super::validate;
use super::writes;
use crate::auth::{AnyAuth, AnyPermission, InquiriesWrite, Principal};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/executions/{id}/inquiries",
            get(list_execution_inquiries).post(create_inquiry),
        )
        .route("/inquiries", get(list_inquiries))
        .route(
            "/inquiries/{id}",
            get(get_inquiry).put(update_inquiry).delete(delete_inquiry),
        )
        .route("/inquiries/{id}/respond", post(respond_inquiry))
}

/// Whether an inquiry still waits for its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InquiryStatus {
    Pending,
    Responded,
}

impl InquiryStatus {
    fn as_str(self) -> &'static str {
        match self {
            InquiryStatus::Pending => "pending",
            InquiryStatus::Responded => "responded",
        }
    }
}

/// An inquiry.
#[derive(Serialize, ToSchema)]
pub struct Inquiry {
    pub id: i64,
    pub execution_id: i64,
    /// The pack of the execution's action.
    pub pack: String,
    pub prompt: String,
    /// Schema the response must follow.
    #[schema(value_type = Object)]
    pub response_schema: serde_json::Value,
    pub status: InquiryStatus,
    #[schema(value_type = Option<Object>)]
    pub response: Option<serde_json::Value>,
    /// Login of who answered.
    pub responded_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "i.id, i.execution_id, p.ref AS pack, i.prompt, i.response_schema, i.status, \
                       i.response, i.responded_by, i.created_at, i.updated_at";
const FROM: &str = "inquiries i JOIN executions e ON e.id = i.execution_id \
                    JOIN actions a ON a.id = e.action_id JOIN packs p ON p.id = a.pack_id";

fn from_row(row: &AnyRow) -> Result<Inquiry> {
    let response: Option<String> = row.try_get("response")?;
    let status: String = row.try_get("status")?;
    Ok(Inquiry {
        id: row.try_get("id")?,
        execution_id: row.try_get("execution_id")?,
        pack: row.try_get("pack")?,
        prompt: row.try_get("prompt")?,
        response_schema: validate::parse_json(&row.try_get::<String, _>("response_schema")?)?,
        status: if status == "responded" {
            InquiryStatus::Responded
        } else {
            InquiryStatus::Pending
        },
        response: response.as_deref().map(validate::parse_json).transpose()?,
        responded_by: row.try_get("responded_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn find(state: &AppState, id: i64) -> Result<Inquiry> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE i.id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("inquiry"))?;
    from_row(&row)
}

/// A new inquiry.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"prompt": "Deploy to production?", "response_schema": {"type": "object"}})))]
#[serde(deny_unknown_fields)]
pub struct NewInquiry {
    #[schema(min_length = 1, max_length = 4096, pattern = "\\S")]
    pub prompt: String,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub response_schema: serde_json::Value,
}

/// Changes to a pending inquiry.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"prompt": "Deploy to production now?"})))]
#[serde(deny_unknown_fields)]
pub struct InquiryUpdate {
    #[schema(min_length = 1, max_length = 4096, pattern = "\\S")]
    pub prompt: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub response_schema: Option<serde_json::Value>,
}

/// The answer.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"response": {"approved": true}})))]
#[serde(deny_unknown_fields)]
pub struct InquiryResponse {
    #[schema(value_type = Object)]
    pub response: serde_json::Value,
}

/// Filters of the inquiry lists.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InquiryQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub status: Option<InquiryStatus>,
    /// Ignored under `/executions/{id}/inquiries`.
    pub execution_id: Option<i64>,
}

async fn list(
    state: &AppState,
    principal: &Principal,
    q: InquiryQuery,
    execution: Option<i64>,
) -> Result<Page<Inquiry>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default()
        .within("p.ref", principal.scope())
        .text("i.status", q.status.map(|s| s.as_str().to_owned()))
        .int("i.execution_id", execution.or(q.execution_id));
    page(&state.db, COLUMNS, FROM, filters, "i.id", paging, from_row).await
}

/// List inquiries.
#[utoipa::path(get, path = "/api/v1/inquiries", tag = "inquiries", params(InquiryQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Inquiry>), (status = 401, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_inquiries(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Query(q): Query<InquiryQuery>,
) -> Result<Json<Page<Inquiry>>> {
    Ok(Json(list(&state, &principal, q, None).await?))
}

/// List an execution's inquiries.
#[utoipa::path(get, path = "/api/v1/executions/{id}/inquiries", tag = "inquiries",
    params(("id" = i64, Path), InquiryQuery), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Inquiry>), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn list_execution_inquiries(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<InquiryQuery>,
) -> Result<Json<Page<Inquiry>>> {
    let execution = super::executions::find(&state, id).await?;
    principal.check_pack(&state, &execution.pack).await?;
    Ok(Json(list(&state, &principal, q, Some(id)).await?))
}

/// Ask a question on behalf of an execution.
#[utoipa::path(post, path = "/api/v1/executions/{id}/inquiries", tag = "inquiries", request_body = NewInquiry,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 201, body = Inquiry), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn create_inquiry(
    AnyPermission(principal, _): AnyPermission<InquiriesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(new): Json<NewInquiry>,
) -> Result<(StatusCode, Json<Inquiry>)> {
    validate::required("prompt", &new.prompt, 4096)?;
    let schema = validate::object("response_schema", &new.response_schema)?;
    let execution = super::executions::find(&state, id).await?;
    principal.check_pack(&state, &execution.pack).await?;
    let mut write = principal.write(&state).await?;
    let new_id: i64 = sqlx::query(
        "INSERT INTO inquiries (execution_id, prompt, response_schema, status, response, responded_by, created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', NULL, NULL, $4, $4) RETURNING id",
    )
    .bind(id)
    .bind(new.prompt)
    .bind(schema)
    .bind(crate::db::now())
    .fetch_one(write.conn())
    .await?
    .try_get("id")?;
    write
        .commit("inquiry.create", &format!("inquiry:{}", new_id))
        .await?;
    let inquiry = find(&state, new_id).await?;
    Ok((StatusCode::CREATED, Json(inquiry)))
}

/// Get an inquiry.
#[utoipa::path(get, path = "/api/v1/inquiries/{id}", tag = "inquiries", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Inquiry), (status = 401, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyAuth)]
pub async fn get_inquiry(
    AnyAuth(principal): AnyAuth,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Inquiry>> {
    let inquiry = find(&state, id).await?;
    principal.check_pack(&state, &inquiry.pack).await?;
    Ok(Json(inquiry))
}

/// Change a pending inquiry.
#[utoipa::path(put, path = "/api/v1/inquiries/{id}", tag = "inquiries", request_body = InquiryUpdate,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Inquiry), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn update_inquiry(
    AnyPermission(principal, _): AnyPermission<InquiriesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<InquiryUpdate>,
) -> Result<Json<Inquiry>> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let prompt = update.prompt.unwrap_or(current.prompt);
    validate::required("prompt", &prompt, 4096)?;
    let schema = validate::object(
        "response_schema",
        &update.response_schema.unwrap_or(current.response_schema),
    )?;
    let mut write = principal.write(&state).await?;
    let done = sqlx::query(
        "UPDATE inquiries SET prompt = $1, response_schema = $2, updated_at = $3 WHERE id = $4 AND status = 'pending'",
    )
    .bind(prompt)
    .bind(schema)
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict("the inquiry was already answered".into()));
    }
    write
        .commit("inquiry.update", &format!("inquiry:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Answer a pending inquiry (once).
#[utoipa::path(post, path = "/api/v1/inquiries/{id}/respond", tag = "inquiries", request_body = InquiryResponse,
    params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 200, body = Inquiry), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn respond_inquiry(
    AnyPermission(principal, _): AnyPermission<InquiriesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(body): Json<InquiryResponse>,
) -> Result<Json<Inquiry>> {
    let response = validate::object("response", &body.response)?;
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    let mut write = principal.write(&state).await?;
    let done = sqlx::query(
        "UPDATE inquiries SET status = 'responded', response = $1, responded_by = $2, updated_at = $3 \
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(response)
    .bind(principal.login.clone())
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict("the inquiry was already answered".into()));
    }
    write
        .commit("inquiry.respond", &format!("inquiry:{id}"))
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete an inquiry.
#[utoipa::path(delete, path = "/api/v1/inquiries/{id}", tag = "inquiries", params(("id" = i64, Path)), security(("bearer_auth" = []), ("pat" = []), ("api_key" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
#[protected(with = AnyPermission)]
pub async fn delete_inquiry(
    AnyPermission(principal, _): AnyPermission<InquiriesWrite>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let current = find(&state, id).await?;
    principal.check_pack(&state, &current.pack).await?;
    writes::delete(&state, &principal, "inquiries", "inquiry", id).await?;
    Ok(StatusCode::NO_CONTENT)
}
