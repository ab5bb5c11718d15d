//! Request extractors whose rejections use the error envelope: `Json`, `Query`, `Path`; and the
//! pagination parameters shared by every list.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequest, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::Error;

/// JSON body in and out. Malformed JSON is a 400, a body of the wrong shape (wrong type, missing
/// or unknown field) a 422 naming the field, an oversized body a 413.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime == "application/json" || mime.ends_with("+json")
            });
        if !is_json {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::BadRequest(rejection.body_text())
            }
        })?;
        // Well-formed JSON first (400 otherwise), then the shape (422): serde_json reports some
        // shape errors, such as a number where an enum's string belongs, as syntax errors.
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes)
            .map_err(|e| Error::BadRequest(format!("malformed JSON: {e}")))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let inner = e.inner();
            Error::invalid(&field_of(e.path(), &inner.to_string()), inner.to_string())
        })?;
        Ok(Json(value))
    }
}

/// An absent body (no `Content-Type`) is `None`; a present one must be valid.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for Json<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Option<Self>, Error> {
        if req.headers().get(header::CONTENT_TYPE).is_none() {
            return Ok(None);
        }
        <Self as FromRequest<S>>::from_request(req, state)
            .await
            .map(Some)
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// The field a deserialization error is about: the path, or the name in "unknown field `x`" /
/// "missing field `x`".
fn field_of(path: &serde_path_to_error::Path, message: &str) -> String {
    let path = path.to_string();
    let unknown = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("missing field `"))
        .and_then(|rest| rest.split('`').next());
    match unknown {
        _ if path != "." => path,
        Some(name) => name.to_owned(),
        None => "body".to_owned(),
    }
}

/// Query string; a bad one is a 422 naming the parameter.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let message = e.inner().to_string();
                let field = match field_of(e.path(), &message) {
                    f if f == "body" => "query".to_owned(),
                    f => f,
                };
                Error::invalid(&field, message)
            })
    }
}

/// Path parameters; a value of the wrong type (`/actions/abc`) is a 404: no such resource.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Path(v))
            .map_err(|_| Error::NotFound("resource"))
    }
}

/// Largest page size; larger requests are capped.
pub const MAX_PER_PAGE: u32 = 100;
/// Largest page number (bounds the offset).
pub const MAX_PAGE: u32 = 1_000_000;

/// `page` (from 1) and `per_page` (1 to 100, default 20).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub page: u32,
    pub per_page: u32,
}

impl Paging {
    /// Validates the page and caps the page size.
    pub fn new(page: Option<u32>, per_page: Option<u32>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        if page == 0 || page > MAX_PAGE {
            return Err(Error::invalid(
                "page",
                format!("must be between 1 and {MAX_PAGE}"),
            ));
        }
        let per_page = per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE);
        Ok(Self { page, per_page })
    }

    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }

    pub fn offset(self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }
}

/// One page of a list.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub page: u32,
    pub per_page: u32,
    /// Items matching the filters, on all pages.
    pub total: i64,
}
