//! The rules of `#[protected]` and `#[public]`, applied to a parsed [`Handler`].
//!
//! Independent violations are reported together (one `syn::Error` per violation, combined);
//! a handler marked with both attributes, or with one twice, is reported alone, since the other
//! findings would only follow from that mistake. Messages are lowercase without a trailing
//! period; a second line `help: ...` names the fix (stable proc macros cannot attach notes).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, Type};

use crate::args::{ProtectedArgs, PublicArgs};
use crate::handler::{Accepted, Body, Handler, Marker, Taken};

/// Collects errors so that every independent violation is reported in one pass.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish<T>(self, ok: T) -> syn::Result<T> {
        match self.0 {
            Some(error) => Err(error),
            None => Ok(ok),
        }
    }
}

/// Checks `#[protected]`; on success returns the extractor types to assert `AuthExtractor` for.
pub fn protected<'a>(args: &ProtectedArgs, handler: &'a Handler) -> syn::Result<Vec<&'a Type>> {
    let name = &handler.sig.ident;
    markers_once(Marker::Protected, handler)?;

    let mut errors = Errors::default();
    shape(Marker::Protected, handler, &mut errors);

    let accepted = Accepted::new(&args.with);
    let auth_args = handler.auth_args(&accepted);
    let by_value: Vec<&Type> = auth_args
        .iter()
        .filter(|a| a.taken == Taken::ByValue)
        .map(|a| a.extractor)
        .collect();
    if by_value.is_empty() {
        // Point at the closest miss if there is one: it says more than "no extractor".
        match auth_args.first() {
            Some(arg) => {
                let extractor = arg.name;
                let message = match arg.taken {
                    Taken::Option => format!(
                        "`Option<{extractor}>` accepts anonymous callers: handler `{name}` runs \
                         without credentials\n\
                         help: take `{extractor}` by value, or mark the handler \
                         `#[public(optional_auth, reason = \"...\")]`"
                    ),
                    Taken::Result => format!(
                        "`Result<{extractor}, _>` accepts anonymous callers: handler `{name}` runs \
                         when authentication fails\n\
                         help: take `{extractor}` by value, or mark the handler \
                         `#[public(optional_auth, reason = \"...\")]`"
                    ),
                    Taken::Reference => format!(
                        "`&{extractor}` is not taken by value, so it does not authenticate the \
                         caller of handler `{name}`\n\
                         help: take `{extractor}` by value"
                    ),
                    Taken::ByValue => unreachable!("by-value arguments were filtered above"),
                };
                errors.push(syn::Error::new_spanned(arg.ty, message));
            }
            None => {
                let accepted_note = if args.with.is_empty() {
                    String::new()
                } else {
                    format!(" (accepted: {})", accepted.list())
                };
                errors.push(syn::Error::new_spanned(
                    &handler.sig,
                    format!(
                        "handler `{name}` is `#[protected]` but takes no auth extractor\n\
                         help: add an argument such as `RequireAuth(user): RequireAuth`{accepted_note}, \
                         or mark the handler `#[public(reason = \"...\")]` if anonymous callers may use it"
                    ),
                ));
            }
        }
    }
    errors.finish(by_value)
}

/// Checks `#[public]`.
pub fn public(args: &PublicArgs, handler: &Handler) -> syn::Result<()> {
    let name = &handler.sig.ident;
    markers_once(Marker::Public, handler)?;

    let mut errors = Errors::default();
    match &args.reason {
        None => errors.push(syn::Error::new(
            args.attr_span,
            format!(
                "`#[public]` needs a reason\n\
                 help: write `#[public(reason = \"...\")]` saying why anonymous callers may use \
                 handler `{name}`"
            ),
        )),
        Some(reason) if reason.value().trim().is_empty() => errors.push(syn::Error::new_spanned(
            reason,
            format!(
                "the reason of `#[public]` is empty\n\
                 help: say why anonymous callers may use handler `{name}`"
            ),
        )),
        Some(_) => {}
    }
    shape(Marker::Public, handler, &mut errors);

    let accepted = Accepted::new(&args.with);
    let mut optional = false;
    for arg in handler.auth_args(&accepted) {
        let extractor = arg.name;
        match arg.taken {
            Taken::ByValue => errors.push(syn::Error::new_spanned(
                arg.ty,
                format!(
                    "handler `{name}` is `#[public]` but takes `{extractor}` by value, which \
                     rejects anonymous callers\n\
                     help: mark it `#[protected]` instead, or take `Option<{extractor}>` and write \
                     `#[public(optional_auth, reason = \"...\")]`"
                ),
            )),
            Taken::Option | Taken::Result => {
                optional = true;
                if args.optional_auth.is_none() {
                    let ty = if arg.taken == Taken::Option {
                        format!("Option<{extractor}>")
                    } else {
                        format!("Result<{extractor}, _>")
                    };
                    errors.push(syn::Error::new_spanned(
                        arg.ty,
                        format!(
                            "handler `{name}` takes `{ty}`, so `#[public]` needs `optional_auth`\n\
                             help: write `#[public(optional_auth, reason = \"...\")]`"
                        ),
                    ));
                }
            }
            // Not an extractor axum can run; nothing to contradict.
            Taken::Reference => {}
        }
    }
    if let (Some(flag), false) = (&args.optional_auth, optional) {
        errors.push(optional_auth_unused(flag, name, &accepted));
    }
    errors.finish(())
}

fn optional_auth_unused(flag: &Ident, name: &Ident, accepted: &Accepted) -> syn::Error {
    syn::Error::new_spanned(
        flag,
        format!(
            "`optional_auth` is set but handler `{name}` takes no optional auth extractor \
             (`Option<..>` or `Result<.., _>` of {})\n\
             help: remove `optional_auth`, or name the extractor with `with = Extractor`",
            accepted.list()
        ),
    )
}

/// Both markers on one fn, or one marker twice: reported alone.
fn markers_once(this: Marker, handler: &Handler) -> syn::Result<()> {
    let name = &handler.sig.ident;
    let other = match this {
        Marker::Protected => Marker::Public,
        Marker::Public => Marker::Protected,
    };
    if let Some(attr) = handler.attrs.iter().find(|a| other.is(a)) {
        return Err(syn::Error::new_spanned(
            attr,
            format!(
                "handler `{name}` is marked both `#[protected]` and `#[public]`\n\
                 help: keep `#[protected]` if it rejects anonymous callers, \
                 `#[public(reason = \"...\")]` if it is open to them"
            ),
        ));
    }
    if let Some(attr) = handler.attrs.iter().find(|a| this.is(a)) {
        return Err(syn::Error::new_spanned(
            attr,
            format!("`#[{}]` is applied twice to handler `{name}`", this.name()),
        ));
    }
    Ok(())
}

/// The item must be an `async fn` with a body.
fn shape(marker: Marker, handler: &Handler, errors: &mut Errors) {
    let sig = &handler.sig;
    let name = &sig.ident;
    let marker = marker.name();
    if sig.asyncness.is_none() {
        let fn_token = &sig.fn_token;
        errors.push(syn::Error::new_spanned(
            quote!(#fn_token #name),
            format!(
                "`#[{marker}]` handler `{name}` is not an `async fn`\n\
                 help: axum handlers are `async fn`s: write `async fn {name}`"
            ),
        ));
    }
    if let Body::Semi(semi) = &handler.body {
        errors.push(syn::Error::new_spanned(
            semi,
            format!("`#[{marker}]` handler `{name}` has no body"),
        ));
    }
}

/// Spans the whole item, for the error when it is not a fn at all.
pub fn not_a_fn(marker: Marker, item: &TokenStream) -> syn::Error {
    let first = item.clone().into_iter().next();
    let message = format!(
        "`#[{}]` applies to an `async fn` handler, free or in an `impl` block",
        marker.name()
    );
    match first {
        Some(token) => syn::Error::new_spanned(token, message),
        None => syn::Error::new(proc_macro2::Span::call_site(), message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn handler(tokens: TokenStream) -> Handler {
        syn::parse2(tokens).unwrap()
    }

    fn protected_err(args: TokenStream, item: TokenStream) -> String {
        let args = ProtectedArgs::parse(args).unwrap();
        let handler = handler(item);
        match protected(&args, &handler) {
            Ok(_) => String::new(),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n---\n"),
        }
    }

    fn public_err(args: TokenStream, item: TokenStream) -> String {
        let args = PublicArgs::parse(args).unwrap();
        let handler = handler(item);
        match public(&args, &handler) {
            Ok(()) => String::new(),
            Err(e) => e
                .into_iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n---\n"),
        }
    }

    #[test]
    fn protected_accepts_by_value_extractors() {
        let args = ProtectedArgs::parse(quote!(with = AdminUser)).unwrap();
        let h = handler(quote!(
            async fn h(a: RequireAuth, b: AdminUser, c: Option<RequireAuth>) {}
        ));
        assert_eq!(protected(&args, &h).unwrap().len(), 2);
        assert_eq!(
            protected_err(
                quote!(),
                quote!(
                    async fn h(RequireAuth(u): RequireAuth) {}
                )
            ),
            ""
        );
    }

    #[test]
    fn protected_explains_each_miss() {
        let missing = protected_err(
            quote!(),
            quote!(
                async fn delete_pack(id: u32) {}
            ),
        );
        assert!(missing.starts_with(
            "handler `delete_pack` is `#[protected]` but takes no auth extractor\nhelp: add an argument such as `RequireAuth(user): RequireAuth`, or"
        ), "{missing}");
        let with = protected_err(
            quote!(with(AdminUser, ApiKeyAuth)),
            quote!(
                async fn h() {}
            ),
        );
        assert!(
            with.contains("(accepted: `RequireAuth`, `AdminUser`, `ApiKeyAuth`)"),
            "{with}"
        );
        let option = protected_err(
            quote!(),
            quote!(
                async fn h(a: Option<RequireAuth>) {}
            ),
        );
        assert!(
            option.starts_with("`Option<RequireAuth>` accepts anonymous callers"),
            "{option}"
        );
        let result = protected_err(
            quote!(),
            quote!(
                async fn h(a: Result<RequireAuth, E>) {}
            ),
        );
        assert!(
            result.starts_with("`Result<RequireAuth, _>` accepts anonymous callers"),
            "{result}"
        );
        let reference = protected_err(
            quote!(),
            quote!(
                async fn h(a: &RequireAuth) {}
            ),
        );
        assert!(
            reference.starts_with("`&RequireAuth` is not taken by value"),
            "{reference}"
        );
    }

    #[test]
    fn protected_combines_independent_errors() {
        let both = protected_err(
            quote!(),
            quote!(
                fn h() {}
            ),
        );
        assert!(
            both.starts_with("`#[protected]` handler `h` is not an `async fn`"),
            "{both}"
        );
        assert!(
            both.contains("---\nhandler `h` is `#[protected]` but takes no auth extractor"),
            "{both}"
        );
    }

    #[test]
    fn markers_conflict_is_reported_alone() {
        let e = protected_err(
            quote!(),
            quote!(
                #[public(reason = "x")]
                fn h() {}
            ),
        );
        assert!(
            e.starts_with("handler `h` is marked both `#[protected]` and `#[public]`"),
            "{e}"
        );
        assert!(!e.contains("---"), "{e}");
        let e = public_err(
            quote!(reason = "x"),
            quote!(
                #[authcheck::protected]
                async fn h() {}
            ),
        );
        assert!(e.starts_with("handler `h` is marked both"), "{e}");
        let e = public_err(
            quote!(reason = "x"),
            quote!(
                #[public(reason = "y")]
                async fn h() {}
            ),
        );
        assert_eq!(e, "`#[public]` is applied twice to handler `h`");
    }

    #[test]
    fn public_rules() {
        assert_eq!(
            public_err(
                quote!(reason = "probe"),
                quote!(
                    async fn h() {}
                )
            ),
            ""
        );
        assert!(public_err(
            quote!(),
            quote!(
                async fn h() {}
            )
        )
        .starts_with("`#[public]` needs a reason"));
        assert!(public_err(
            quote!(reason = "  "),
            quote!(
                async fn h() {}
            )
        )
        .starts_with("the reason of `#[public]` is empty"));
        let by_value = public_err(
            quote!(reason = "x"),
            quote!(
                async fn h(a: RequireAuth) {}
            ),
        );
        assert!(by_value.starts_with("handler `h` is `#[public]` but takes `RequireAuth` by value"));
        let with = public_err(
            quote!(with = ApiKeyAuth, reason = "x"),
            quote!(
                async fn h(k: ApiKeyAuth) {}
            ),
        );
        assert!(with.starts_with("handler `h` is `#[public]` but takes `ApiKeyAuth` by value"));
        let option = public_err(
            quote!(reason = "x"),
            quote!(
                async fn h(a: Option<RequireAuth>) {}
            ),
        );
        assert!(option.starts_with(
            "handler `h` takes `Option<RequireAuth>`, so `#[public]` needs `optional_auth`"
        ));
        assert_eq!(
            public_err(
                quote!(optional_auth, reason = "x"),
                quote!(
                    async fn h(a: Option<RequireAuth>) {}
                )
            ),
            ""
        );
        assert_eq!(
            public_err(
                quote!(optional_auth, reason = "x"),
                quote!(
                    async fn h(a: Result<RequireAuth, E>) {}
                )
            ),
            ""
        );
        let unused = public_err(
            quote!(optional_auth, reason = "x"),
            quote!(
                async fn h() {}
            ),
        );
        assert!(unused.starts_with(
            "`optional_auth` is set but handler `h` takes no optional auth extractor"
        ));
    }
}
