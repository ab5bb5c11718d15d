//! Runtime half of [`authcheck-macros`](https://docs.rs/authcheck-macros): the attributes
//! [`protected`] and [`public`], and the [`AuthExtractor`] marker trait they check against.
//!
//! Depend on this crate only; it re-exports the attributes:
//!
//! ```
//! use authcheck::{protected, public};
//! # use axum::{extract::FromRequestParts, http::{request::Parts, StatusCode}};
//!
//! pub struct RequireAuth(pub String);
//!
//! impl<S: Send + Sync> FromRequestParts<S> for RequireAuth {
//!     type Rejection = StatusCode;
//!
//!     async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
//!         parts
//!             .headers
//!             .get("authorization")
//!             .and_then(|v| v.to_str().ok())
//!             .and_then(|v| v.strip_prefix("Bearer "))
//!             .map(|token| RequireAuth(token.to_owned()))
//!             .ok_or(StatusCode::UNAUTHORIZED)
//!     }
//! }
//!
//! // The promise `#[protected]` checks: this type rejects anonymous callers.
//! impl authcheck::AuthExtractor for RequireAuth {}
//!
//! #[protected]
//! async fn delete_pack(RequireAuth(_user): RequireAuth) -> StatusCode {
//!     StatusCode::NO_CONTENT
//! }
//!
//! #[public(reason = "liveness probe for the load balancer")]
//! async fn health() -> &'static str {
//!     "ok"
//! }
//! ```
//!
//! The attributes change nothing at run time; see the `authcheck-macros` README for the rules.

pub use authcheck_macros::{protected, public};

/// Implemented by extractors whose `FromRequestParts`/`FromRequest` impl rejects anonymous callers.
///
/// `#[protected]` accepts a handler only if it takes an argument, by value, whose type implements
/// this trait. The macro finds the argument by name (`RequireAuth`, or the names given with
/// `with = ...`) and then asks the compiler whether the named type really implements
/// `AuthExtractor`, so a look-alike struct with the same name, or `use other::Thing as RequireAuth`,
/// does not compile, while a type alias of a real extractor does.
///
/// Implement it only for types whose extraction fails (with a rejection such as `401 Unauthorized`)
/// when the request carries no valid credentials. Wrappers that extract an auth extractor and
/// propagate its rejection (an `AdminUser` built from `RequireAuth`) qualify too.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an auth extractor",
    label = "`#[protected]` accepts this argument only if its type implements `authcheck::AuthExtractor`",
    note = "a type named like an auth extractor is not one: import the real extractor, or implement `authcheck::AuthExtractor` for `{Self}` if its `FromRequestParts`/`FromRequest` impl rejects anonymous callers"
)]
pub trait AuthExtractor {}

/// Items the expansion of `#[protected]` refers to. Not public API: no stability guarantee.
#[doc(hidden)]
pub mod __private {
    use crate::AuthExtractor;

    /// Compiles only if `T` implements [`AuthExtractor`]. `#[protected]` names this function
    /// (without calling it) once per auth extractor argument, so the check costs nothing at run time.
    #[inline(always)]
    pub const fn assert_auth_extractor<T: AuthExtractor + ?Sized>() {}
}
