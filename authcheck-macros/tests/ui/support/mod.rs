//! Extractors shared by the ui cases: the shape of a real server's auth module.
#![allow(dead_code)]

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;

/// Rejects requests without `Authorization: Bearer <token>` with 401.
pub struct RequireAuth(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|token| RequireAuth(token.to_owned()))
            .ok_or(StatusCode::UNAUTHORIZED)
    }
}

impl authcheck::AuthExtractor for RequireAuth {}

/// `Option<RequireAuth>`: `None` for anonymous callers (what `#[public(optional_auth)]` is for).
impl<S: Send + Sync> OptionalFromRequestParts<S> for RequireAuth {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Self as FromRequestParts<S>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// Wraps `RequireAuth` and propagates its rejection; 403 for non-admins.
pub struct AdminUser(pub String);

impl<S: Send + Sync> FromRequestParts<S> for AdminUser {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RequireAuth(user) =
            <RequireAuth as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        if user == "admin" {
            Ok(AdminUser(user))
        } else {
            Err(StatusCode::FORBIDDEN)
        }
    }
}

impl authcheck::AuthExtractor for AdminUser {}

/// Rejects requests without an `x-api-key` header.
pub struct ApiKeyAuth;

impl<S: Send + Sync> FromRequestParts<S> for ApiKeyAuth {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.contains_key("x-api-key") {
            true => Ok(ApiKeyAuth),
            false => Err(StatusCode::UNAUTHORIZED),
        }
    }
}

impl authcheck::AuthExtractor for ApiKeyAuth {}

impl<S: Send + Sync> OptionalFromRequestParts<S> for ApiKeyAuth {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Self as FromRequestParts<S>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// A permission, named by a type parameter.
pub trait Permission: Send + Sync + 'static {
    const NAME: &'static str;
}

pub struct KeysWrite;

impl Permission for KeysWrite {
    const NAME: &'static str = "keys:write";
}

/// `RequireAuth` plus a permission check: generic over the permission.
pub struct RequirePermission<P>(pub String, PhantomData<P>);

impl<S: Send + Sync, P: Permission> FromRequestParts<S> for RequirePermission<P> {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RequireAuth(user) =
            <RequireAuth as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        Ok(RequirePermission(user, PhantomData))
    }
}

impl<P: Permission> authcheck::AuthExtractor for RequirePermission<P> {}

/// Claims some middleware may have inserted: not an auth extractor.
#[derive(Clone)]
pub struct Claims {
    pub sub: String,
}
