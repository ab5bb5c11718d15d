//! Parsing of the attribute arguments: `#[protected(with = A)]`, `#[protected(with(A, B))]` and
//! `#[public(optional_auth, with = A, reason = "...")]`.
//!
//! Only the syntax is checked here; whether a reason is present and non-empty is a rule, checked
//! in [`crate::validate`], so that it is reported together with the other rule violations.

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

/// Arguments of `#[protected(...)]`.
#[derive(Default)]
pub struct ProtectedArgs {
    /// Extractor names accepted in addition to `RequireAuth`.
    pub with: Vec<Path>,
}

/// Arguments of `#[public(...)]`.
pub struct PublicArgs {
    /// `reason = "..."`, if given.
    pub reason: Option<LitStr>,
    /// The `optional_auth` flag, if given (kept for its span).
    pub optional_auth: Option<Ident>,
    /// Extractor names treated like `RequireAuth`, in addition to it.
    pub with: Vec<Path>,
    /// Where to point when the reason is missing: the attribute itself.
    pub attr_span: Span,
}

impl ProtectedArgs {
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let mut args = ProtectedArgs::default();
        let mut seen_with = false;
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                if key == "with" {
                    if seen_with {
                        return Err(syn::Error::new_spanned(&key, "duplicate `with` argument"));
                    }
                    seen_with = true;
                    args.with = parse_with(input)?;
                } else {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!(
                            "unknown argument `{key}` of `#[protected]`\n\
                             help: expected `with = Extractor` or `with(Extractor, ...)`"
                        ),
                    ));
                }
                parse_separator(input)?;
            }
            Ok(())
        };
        parser.parse2(tokens)?;
        Ok(args)
    }
}

impl PublicArgs {
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let mut args = PublicArgs {
            reason: None,
            optional_auth: None,
            with: Vec::new(),
            attr_span: Span::call_site(),
        };
        let mut seen_with = false;
        let parser = |input: ParseStream| {
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                if key == "reason" {
                    if args.reason.is_some() {
                        return Err(syn::Error::new_spanned(&key, "duplicate `reason` argument"));
                    }
                    input.parse::<Token![=]>()?;
                    let lit: syn::Lit = input.parse()?;
                    match lit {
                        syn::Lit::Str(s) => args.reason = Some(s),
                        other => {
                            return Err(syn::Error::new_spanned(
                                other,
                                "the reason must be a string literal: `reason = \"...\"`",
                            ))
                        }
                    }
                } else if key == "optional_auth" {
                    if args.optional_auth.is_some() {
                        return Err(syn::Error::new_spanned(
                            &key,
                            "duplicate `optional_auth` argument",
                        ));
                    }
                    args.optional_auth = Some(key);
                } else if key == "with" {
                    if seen_with {
                        return Err(syn::Error::new_spanned(&key, "duplicate `with` argument"));
                    }
                    seen_with = true;
                    args.with = parse_with(input)?;
                } else {
                    return Err(syn::Error::new_spanned(
                        &key,
                        format!(
                            "unknown argument `{key}` of `#[public]`\n\
                             help: expected `reason = \"...\"`, `optional_auth` or `with = Extractor`"
                        ),
                    ));
                }
                parse_separator(input)?;
            }
            Ok(())
        };
        parser.parse2(tokens)?;
        Ok(args)
    }
}

/// After `with`: either `= Path` or `(Path, Path, ...)` with at least one path.
fn parse_with(input: ParseStream) -> syn::Result<Vec<Path>> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        return Ok(vec![input.parse()?]);
    }
    if input.peek(syn::token::Paren) {
        let content;
        let parens = syn::parenthesized!(content in input);
        let paths = Punctuated::<Path, Token![,]>::parse_terminated(&content)?;
        if paths.is_empty() {
            return Err(syn::Error::new(
                parens.span.join(),
                "`with(...)` lists no extractor: write `with(Extractor, ...)`",
            ));
        }
        return Ok(paths.into_iter().collect());
    }
    Err(input.error("expected `with = Extractor` or `with(Extractor, ...)`"))
}

/// Arguments are separated by commas; a trailing comma is allowed.
fn parse_separator(input: ParseStream) -> syn::Result<()> {
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn names(paths: &[Path]) -> Vec<String> {
        paths
            .iter()
            .map(|p| p.segments.last().unwrap().ident.to_string())
            .collect()
    }

    #[test]
    fn protected_accepts_empty_and_both_with_forms() {
        assert!(ProtectedArgs::parse(quote!()).unwrap().with.is_empty());
        let one = ProtectedArgs::parse(quote!(with = crate::auth::AdminUser)).unwrap();
        assert_eq!(names(&one.with), ["AdminUser"]);
        let two = ProtectedArgs::parse(quote!(with(AdminUser, ApiKeyAuth,))).unwrap();
        assert_eq!(names(&two.with), ["AdminUser", "ApiKeyAuth"]);
        let generic = ProtectedArgs::parse(quote!(with = RequirePermission<KeysWrite>)).unwrap();
        assert_eq!(names(&generic.with), ["RequirePermission"]);
    }

    #[test]
    fn protected_rejects_unknown_duplicate_and_empty() {
        let err = |t| ProtectedArgs::parse(t).err().unwrap().to_string();
        assert!(
            err(quote!(reason = "x")).starts_with("unknown argument `reason` of `#[protected]`")
        );
        assert_eq!(err(quote!(with = A, with = B)), "duplicate `with` argument");
        assert!(err(quote!(with())).starts_with("`with(...)` lists no extractor"));
        assert!(err(quote!(with)).contains("expected `with = Extractor`"));
    }

    #[test]
    fn public_reads_all_arguments() {
        let args =
            PublicArgs::parse(quote!(optional_auth, with = ApiKeyAuth, reason = "docs")).unwrap();
        assert_eq!(args.reason.unwrap().value(), "docs");
        assert!(args.optional_auth.is_some());
        assert_eq!(names(&args.with), ["ApiKeyAuth"]);
        let bare = PublicArgs::parse(quote!()).unwrap();
        assert!(bare.reason.is_none() && bare.optional_auth.is_none());
    }

    #[test]
    fn public_rejects_bad_arguments() {
        let err = |t| PublicArgs::parse(t).err().unwrap().to_string();
        assert_eq!(
            err(quote!(reason = 1)),
            "the reason must be a string literal: `reason = \"...\"`"
        );
        assert_eq!(
            err(quote!(reason = "a", reason = "b")),
            "duplicate `reason` argument"
        );
        assert!(err(quote!(because = "x")).starts_with("unknown argument `because` of `#[public]`"));
    }
}
