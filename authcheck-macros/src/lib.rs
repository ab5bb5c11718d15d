//! `#[protected]` and `#[public]`: attributes that make an axum handler's authentication intent
//! explicit and have the compiler enforce it.
//!
//! Use them through the `authcheck` crate (`use authcheck::{protected, public};`), which also
//! provides the `AuthExtractor` trait the expansion checks against. The rules and messages are
//! documented in this crate's README.
//!
//! Layout, as in `axum-macros` and `thiserror-impl`: this file only holds the entry points;
//! [`args`] parses the attribute arguments, [`handler`] parses the annotated fn and classifies its
//! arguments, [`validate`] applies the rules, and [`expand`] writes the output.

use proc_macro::TokenStream;

mod args;
mod expand;
mod handler;
mod validate;

/// Marks an `async fn` handler as rejecting anonymous callers, and checks it at compile time.
///
/// The handler must take, by value, an argument whose type's last path segment is `RequireAuth`
/// or one of the names added with `with = Name` / `with(A, B)`, and that type must implement
/// `authcheck::AuthExtractor`. `Option<RequireAuth>`, `Result<RequireAuth, _>` and
/// `&RequireAuth` do not count. The handler itself is left as it is.
///
/// ```ignore
/// #[protected]
/// async fn delete_pack(RequireAuth(user): RequireAuth, Path(id): Path<u32>) -> StatusCode { .. }
///
/// #[protected(with = AdminUser)]
/// async fn list_users(admin: AdminUser) -> Json<Vec<User>> { .. }
/// ```
#[proc_macro_attribute]
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protected(args.into(), item.into()).into()
}

/// Marks an `async fn` handler as deliberately open to anonymous callers, with the reason.
///
/// `reason = "..."` is required and must not be empty. A handler that takes an auth extractor
/// by value is rejected (it is not public); `Option<RequireAuth>` / `Result<RequireAuth, _>` need
/// `optional_auth`. Expands to the handler unchanged.
///
/// ```ignore
/// #[public(reason = "issues the tokens")]
/// async fn login(Json(body): Json<Login>) -> Result<Json<Tokens>, ApiError> { .. }
///
/// #[public(optional_auth, reason = "anonymous callers see the public packs only")]
/// async fn list_packs(auth: Option<RequireAuth>) -> Json<Vec<Pack>> { .. }
/// ```
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::public(args.into(), item.into()).into()
}
