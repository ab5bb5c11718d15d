//! User administration (admins only): list, get, change role, delete.

use authcheck::protected;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row as _;
use utoipa::{IntoParams, ToSchema};

use super::error::{Error, ErrorEnvelope, Result};
use super::extract::{Json, Page, Paging, Path, Query};
use crate::auth::{RequirePermission, Role, UsersAdmin};
use crate::db::query::{page, Filters};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list_users)).route(
        "/users/{id}",
        get(get_user).put(update_user).delete(delete_user),
    )
}

/// An account (never its password hash).
#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub role: Role,
    pub created_at: String,
    pub updated_at: String,
}

pub const COLUMNS: &str = "id, login, role, created_at, updated_at";

pub fn from_row(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        role: Role::parse(&role).ok_or_else(|| Error::Internal(format!("bad role {role}")))?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A user by id, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<User> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotFound("user"))?;
    from_row(&row)
}

/// Filters of the user list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Page size, 1 to 100 (default 20; other values are brought into that range).
    pub per_page: Option<u32>,
    pub role: Option<Role>,
}

/// A role change.
#[derive(Deserialize, ToSchema)]
#[schema(examples(json!({"role": "editor"})))]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    pub role: Role,
}

/// Fails with 409 when the change would leave no administrator.
async fn keep_an_admin(state: &AppState, target: &User) -> Result<()> {
    if target.role != Role::Admin {
        return Ok(());
    }
    let admins: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")
        .fetch_one(&state.db.pool)
        .await?
        .try_get("n")?;
    if admins <= 1 {
        return Err(Error::Conflict(
            "the last administrator cannot be removed or demoted".into(),
        ));
    }
    Ok(())
}

/// List users.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), security(("bearer_auth" = [])),
    responses((status = 200, body = Page<User>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn list_users(
    RequirePermission(_principal, _): RequirePermission<UsersAdmin>,
    State(state): State<AppState>,
    Query(q): Query<UserQuery>,
) -> Result<Json<Page<User>>> {
    let paging = Paging::new(q.page, q.per_page)?;
    let filters = Filters::default().text("role", q.role.map(|r| r.as_str().to_owned()));
    Ok(Json(
        page(&state.db, COLUMNS, "users", filters, "id", paging, from_row).await?,
    ))
}

/// Get a user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), security(("bearer_auth" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn get_user(
    RequirePermission(_principal, _): RequirePermission<UsersAdmin>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<User>> {
    Ok(Json(find(&state, id).await?))
}

/// Change a user's role; their sessions end.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserUpdate,
    security(("bearer_auth" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn update_user(
    RequirePermission(principal, _): RequirePermission<UsersAdmin>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Json(update): Json<UserUpdate>,
) -> Result<Json<User>> {
    let target = find(&state, id).await?;
    if update.role != Role::Admin {
        keep_an_admin(&state, &target).await?;
    }
    let mut write = principal.write(&state).await?;
    sqlx::query(
        "UPDATE users SET role = $1, token_version = token_version + 1, updated_at = $2 WHERE id = $3",
    )
    .bind(update.role.as_str())
    .bind(crate::db::now())
    .bind(id)
    .execute(write.conn())
    .await?;
    write
        .commit(
            &format!("user.role.{}", update.role.as_str()),
            &format!("user:{id}"),
        )
        .await?;
    Ok(Json(find(&state, id).await?))
}

/// Delete a user.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), security(("bearer_auth" = [])),
    responses((status = 204), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
#[protected(with = RequirePermission)]
pub async fn delete_user(
    RequirePermission(principal, _): RequirePermission<UsersAdmin>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let target = find(&state, id).await?;
    keep_an_admin(&state, &target).await?;
    let mut write = principal.write(&state).await?;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(id)
        .execute(write.conn())
        .await?;
    write.commit("user.delete", &format!("user:{id}")).await?;
    Ok(StatusCode::NO_CONTENT)
}
