//! Output of the two attributes: the handler, unchanged except for the compile-time
//! `AuthExtractor` assertions `#[protected]` adds at the start of its body.
//!
//! On any error the handler is still emitted (minus a conflicting marker, which would only
//! report the same mistake again) next to the `compile_error!`, so the user sees the one error
//! the macro found instead of a cascade of "cannot find function" errors at every use.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::args::{ProtectedArgs, PublicArgs};
use crate::handler::{Handler, Marker};
use crate::validate;

/// `#[protected]`: validate, then assert `T: AuthExtractor` for each extractor argument `T`.
pub fn protected(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut handler = match syn::parse2::<Handler>(item.clone()) {
        Ok(handler) => handler,
        Err(_) => {
            let error = validate::not_a_fn(Marker::Protected, &item);
            return with_error(item, error);
        }
    };
    let checked = ProtectedArgs::parse(args)
        .and_then(|args| validate::protected(&args, &handler).map(|types| assertions(&types)));
    match checked {
        Ok(stmts) => {
            handler.prepend_to_body(stmts);
            handler.into_token_stream()
        }
        Err(error) => {
            handler.strip(Marker::Public);
            handler.strip(Marker::Protected);
            with_error(handler.into_token_stream(), error)
        }
    }
}

/// `#[public]`: validate; the handler is emitted as it is.
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut handler = match syn::parse2::<Handler>(item.clone()) {
        Ok(handler) => handler,
        Err(_) => {
            let error = validate::not_a_fn(Marker::Public, &item);
            return with_error(item, error);
        }
    };
    match PublicArgs::parse(args).and_then(|args| validate::public(&args, &handler)) {
        Ok(()) => handler.into_token_stream(),
        Err(error) => {
            handler.strip(Marker::Public);
            handler.strip(Marker::Protected);
            with_error(handler.into_token_stream(), error)
        }
    }
}

/// One `let _ = assert_auth_extractor::<T>;` per extractor: names the const fn without calling
/// it, so the trait bound is checked by the compiler and nothing runs. A statement in the body
/// (rather than a `const` item) can use the fn's generic parameters and `Self`. Spanned on the
/// argument type, so an unsatisfied bound points at it.
fn assertions(types: &[&syn::Type]) -> TokenStream {
    types
        .iter()
        .map(|ty| {
            quote_spanned! {ty.span()=>
                let _ = ::authcheck::__private::assert_auth_extractor::<#ty>;
            }
        })
        .collect()
}

fn with_error(item: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote!(#item #error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_adds_one_assertion_per_extractor() {
        let out = protected(
            quote!(with = AdminUser),
            quote!(
                #[utoipa::path(get, path = "/")]
                pub async fn h(a: RequireAuth, b: AdminUser) {
                    body()
                }
            ),
        )
        .to_string();
        assert_eq!(
            out,
            quote!(
                #[utoipa::path(get, path = "/")]
                pub async fn h(a: RequireAuth, b: AdminUser) {
                    let _ = ::authcheck::__private::assert_auth_extractor::<RequireAuth>;
                    let _ = ::authcheck::__private::assert_auth_extractor::<AdminUser>;
                    body()
                }
            )
            .to_string()
        );
    }

    #[test]
    fn public_passes_the_item_through() {
        let item = quote!(
            /// docs
            async fn h<S: Clone>(s: S) -> u8 {
                1
            }
        );
        assert_eq!(
            public(quote!(reason = "x"), item.clone()).to_string(),
            item.to_string()
        );
    }

    #[test]
    fn errors_keep_the_item_and_drop_a_conflicting_marker() {
        let out = protected(
            quote!(),
            quote!(
                #[public(reason = "x")]
                async fn h() {}
            ),
        )
        .to_string();
        assert!(out.starts_with("async fn h () { }"), "{out}");
        assert!(out.contains("compile_error !"), "{out}");
        let out = protected(
            quote!(),
            quote!(
                struct S;
            ),
        )
        .to_string();
        assert!(out.starts_with("struct S ;"), "{out}");
        assert!(out.contains("applies to an `async fn` handler"), "{out}");
    }
}
