//! The one error type of the API and its JSON envelope `{"error": {"code": 401, "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every failure a handler or extractor can answer with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no or bad credentials. The message never says which part was wrong.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: authenticated, but the role lacks the permission.
    #[error("missing permission {0}")]
    Forbidden(&'static str),
    /// 404: absent, or not visible to the caller.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: conflicts with the current state (duplicate name, invalid transition).
    #[error("{0}")]
    Conflict(String),
    /// 422: a field failed validation.
    #[error("{field}: {message}")]
    Unprocessable { field: String, message: String },
    /// 400: the request could not be read (malformed JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 413: body over the configured limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 415: not `application/json`.
    #[error("expected Content-Type: application/json")]
    UnsupportedMediaType,
    /// 429: over a rate limit; retry after that many seconds.
    #[error("too many requests; retry in {0} s")]
    TooManyRequests(u64),
    /// 408: the request's body did not arrive within the request timeout.
    #[error("the request did not arrive in time")]
    RequestTimeout,
    /// 503: the handler did not finish within the request timeout (it still runs to its end; a
    /// change it makes is stored with its audit entry or not at all).
    #[error("the request took too long; check its effect before retrying")]
    Timeout,
    /// 503: the database cannot be reached (down, restarting, no free connection in time); logged.
    #[error("database unavailable; retry later")]
    Unavailable(String),
    /// 500: logged in full, answered without detail.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    /// A validation error on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Unprocessable {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Error::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Error::NotFound("resource"),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Error::Conflict("a resource with this name already exists".into())
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                Error::Conflict("a referenced resource does not exist or is still in use".into())
            }
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Error::Unavailable(e.to_string()),
            // Connection exceptions (08xxx) and shutdowns (57P01-57P03): the server went away.
            sqlx::Error::Database(db)
                if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")) =>
            {
                Error::Unavailable(e.to_string())
            }
            _ => Error::Internal(e.to_string()),
        }
    }
}

/// The envelope's body.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub code: u16,
    /// What went wrong, safe to show.
    pub message: String,
    /// The offending field, on validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `{"error": {...}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Error::Internal(detail) => tracing::error!(%detail, "internal error"),
            Error::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            _ => {}
        }
        let field = match &self {
            Error::Unprocessable { field, .. } => Some(field.clone()),
            _ => None,
        };
        let message = match &self {
            Error::Unprocessable { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: status.as_u16(),
                message,
                field,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::TooManyRequests(seconds) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Result of handlers.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_database_is_503_with_the_envelope() {
        for e in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
            sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into()),
        ] {
            let response = Error::from(e).into_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            let body = axum::body::to_bytes(response.into_body(), 1024)
                .await
                .unwrap();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                body,
                serde_json::json!({"error": {"code": 503, "message": "database unavailable; retry later"}})
            );
        }
    }
}
