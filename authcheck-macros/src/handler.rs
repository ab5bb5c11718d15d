//! Parsing of the annotated item, an `async fn` handler (free, or associated in an `impl` block),
//! and classification of its arguments against the accepted auth extractor names.
//!
//! The body is kept as an opaque token group: the macros never need to look inside it, and
//! passing it through untouched keeps every span and every construct syn might not know.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt};
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, FnArg, GenericArgument, Ident, Path, PathArguments, Signature, Token, Type,
    Visibility,
};

/// The default auth extractor name, always accepted.
pub const REQUIRE_AUTH: &str = "RequireAuth";

/// An `async fn` handler as written by the user.
pub struct Handler {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    /// `default` on an associated fn (specialization); passed through.
    pub defaultness: Option<Token![default]>,
    pub sig: Signature,
    pub body: Body,
}

/// A fn body, or `;` for a declaration without one (a trait method).
pub enum Body {
    Block(Group),
    Semi(Token![;]),
}

/// Which of the two markers an attribute is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Protected,
    Public,
}

impl Marker {
    pub fn name(self) -> &'static str {
        match self {
            Marker::Protected => "protected",
            Marker::Public => "public",
        }
    }

    /// Whether `attr` is this marker: `#[protected]`, `#[authcheck::protected]`,
    /// `#[::authcheck::protected]` or `#[authcheck_macros::protected]` (likewise `public`).
    pub fn is(self, attr: &Attribute) -> bool {
        let path = attr.path();
        let Some(last) = path.segments.last() else {
            return false;
        };
        if last.ident != self.name() {
            return false;
        }
        match path.segments.len() {
            1 => path.leading_colon.is_none(),
            2 => {
                let first = &path.segments[0].ident;
                first == "authcheck" || first == "authcheck_macros"
            }
            _ => false,
        }
    }
}

/// How an argument takes an accepted extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Taken {
    /// `RequireAuth`: rejects anonymous callers.
    ByValue,
    /// `Option<RequireAuth>`: the handler runs without credentials.
    Option,
    /// `Result<RequireAuth, E>`: the handler runs when authentication fails.
    Result,
    /// `&RequireAuth`: not an extractor at all.
    Reference,
}

/// An argument whose type names an accepted extractor.
pub struct AuthArg<'a> {
    /// The whole argument type, e.g. `Option<RequireAuth>`.
    pub ty: &'a Type,
    /// The extractor type inside it, e.g. `RequireAuth`.
    pub extractor: &'a Type,
    /// The extractor's last path segment, e.g. `RequireAuth`.
    pub name: &'a Ident,
    pub taken: Taken,
}

/// The extractor names a marker accepts: `RequireAuth` plus those given with `with`.
pub struct Accepted {
    names: Vec<String>,
}

impl Accepted {
    pub fn new(with: &[Path]) -> Self {
        let mut names = vec![REQUIRE_AUTH.to_owned()];
        for path in with {
            if let Some(last) = path.segments.last() {
                let name = last.ident.to_string();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        Accepted { names }
    }

    /// `` `RequireAuth` `` or `` `RequireAuth`, `AdminUser` ``, for messages.
    pub fn list(&self) -> String {
        self.names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The path type's last segment, if `ty` is a path type whose last segment is accepted.
    fn name_of<'a>(&self, ty: &'a Type) -> Option<(&'a Type, &'a Ident)> {
        let ty = peel(ty);
        let Type::Path(path) = ty else { return None };
        if path.qself.is_some() {
            return None;
        }
        let last = path.path.segments.last()?;
        self.names
            .iter()
            .any(|n| last.ident == n)
            .then_some((ty, &last.ident))
    }

    /// Classifies one argument type.
    pub fn classify<'a>(&self, ty: &'a Type) -> Option<AuthArg<'a>> {
        if let Some((extractor, name)) = self.name_of(ty) {
            return Some(AuthArg {
                ty,
                extractor,
                name,
                taken: Taken::ByValue,
            });
        }
        match peel(ty) {
            Type::Reference(reference) => {
                let (extractor, name) = self.name_of(&reference.elem)?;
                Some(AuthArg {
                    ty,
                    extractor,
                    name,
                    taken: Taken::Reference,
                })
            }
            Type::Path(path) if path.qself.is_none() => {
                let last = path.path.segments.last()?;
                let taken = if last.ident == "Option" {
                    Taken::Option
                } else if last.ident == "Result" {
                    Taken::Result
                } else {
                    return None;
                };
                let PathArguments::AngleBracketed(generics) = &last.arguments else {
                    return None;
                };
                let Some(GenericArgument::Type(inner)) = generics.args.first() else {
                    return None;
                };
                let (extractor, name) = self.name_of(inner)?;
                Some(AuthArg {
                    ty,
                    extractor,
                    name,
                    taken,
                })
            }
            _ => None,
        }
    }
}

/// Strips parentheses and the invisible groups `macro_rules!` expansions wrap types in.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            _ => return ty,
        }
    }
}

impl Handler {
    /// The arguments (not `self`) whose types name an accepted extractor, in order.
    pub fn auth_args<'a>(&'a self, accepted: &Accepted) -> Vec<AuthArg<'a>> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(typed) => accepted.classify(&typed.ty),
                FnArg::Receiver(_) => None,
            })
            .collect()
    }

    /// Removes every attribute that is `marker`, returning whether there was one.
    pub fn strip(&mut self, marker: Marker) -> bool {
        let before = self.attrs.len();
        self.attrs.retain(|attr| !marker.is(attr));
        before != self.attrs.len()
    }

    /// Inserts `stmts` at the start of the body, after any inner attributes (`#![allow(..)]`,
    /// `//!` docs) so that those stay first, as the language requires.
    pub fn prepend_to_body(&mut self, stmts: TokenStream) {
        let Body::Block(group) = &self.body else {
            return;
        };
        let mut tokens = group.stream().into_iter();
        let mut inner_attrs = TokenStream::new();
        loop {
            let mut fork = tokens.clone();
            match (fork.next(), fork.next(), fork.next()) {
                (
                    Some(TokenTree::Punct(pound)),
                    Some(TokenTree::Punct(bang)),
                    Some(TokenTree::Group(attr)),
                ) if pound.as_char() == '#'
                    && bang.as_char() == '!'
                    && attr.delimiter() == Delimiter::Bracket =>
                {
                    inner_attrs.extend(tokens.by_ref().take(3));
                }
                _ => break,
            }
        }
        let mut stream = inner_attrs;
        stream.extend(stmts);
        stream.extend(tokens);
        let mut new = Group::new(Delimiter::Brace, stream);
        new.set_span(group.span());
        self.body = Body::Block(new);
    }
}

impl Parse for Handler {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let defaultness: Option<Token![default]> = input.parse()?;
        let sig: Signature = input.parse()?;
        let body = if input.peek(Token![;]) {
            Body::Semi(input.parse()?)
        } else {
            let group: Group = input.parse()?;
            if group.delimiter() != Delimiter::Brace {
                return Err(syn::Error::new(group.span(), "expected a fn body"));
            }
            Body::Block(group)
        };
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the fn"));
        }
        Ok(Handler {
            attrs,
            vis,
            defaultness,
            sig,
            body,
        })
    }
}

impl ToTokens for Handler {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.append_all(&self.attrs);
        self.vis.to_tokens(tokens);
        self.defaultness.to_tokens(tokens);
        self.sig.to_tokens(tokens);
        match &self.body {
            Body::Block(group) => group.to_tokens(tokens),
            Body::Semi(semi) => semi.to_tokens(tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn handler(tokens: TokenStream) -> Handler {
        syn::parse2(tokens).unwrap()
    }

    fn classes(h: &Handler, accepted: &Accepted) -> Vec<(String, Taken)> {
        h.auth_args(accepted)
            .iter()
            .map(|a| (a.name.to_string(), a.taken))
            .collect()
    }

    #[test]
    fn classifies_arguments() {
        let h = handler(quote! {
            async fn h(
                &self,
                RequireAuth(user): RequireAuth,
                _a: crate::auth::RequireAuth,
                b: Option<RequireAuth>,
                c: Result<RequireAuth, AuthError>,
                d: &RequireAuth,
                e: (RequireAuth),
                f: AdminUser,
                g: RequirePermission<KeysWrite>,
                h: Vec<RequireAuth>,
                i: NotRequireAuth,
            ) {}
        });
        let accepted = Accepted::new(&[syn::parse_quote!(RequirePermission)]);
        assert_eq!(
            classes(&h, &accepted),
            [
                ("RequireAuth".into(), Taken::ByValue),
                ("RequireAuth".into(), Taken::ByValue),
                ("RequireAuth".into(), Taken::Option),
                ("RequireAuth".into(), Taken::Result),
                ("RequireAuth".into(), Taken::Reference),
                ("RequireAuth".into(), Taken::ByValue),
                ("RequirePermission".into(), Taken::ByValue),
            ]
        );
        assert_eq!(accepted.list(), "`RequireAuth`, `RequirePermission`");
    }

    #[test]
    fn recognises_markers_by_path() {
        let attrs: Vec<Attribute> = syn::parse_quote! {
            #[protected] #[authcheck::protected] #[::authcheck::protected(with = A)]
            #[authcheck_macros::protected] #[other::protected] #[public(reason = "x")]
        };
        let hits: Vec<bool> = attrs.iter().map(|a| Marker::Protected.is(a)).collect();
        assert_eq!(hits, [true, true, true, true, false, false]);
        assert!(Marker::Public.is(&attrs[5]));
    }

    #[test]
    fn prepends_after_inner_attributes() {
        let mut h = handler(quote! {
            /// docs
            pub(crate) async fn h() -> u8 {
                #![allow(unused)]
                //! inner docs
                1
            }
        });
        h.prepend_to_body(quote!(let _ = 0;));
        let out = h.to_token_stream().to_string();
        let allow = out.find("allow").unwrap();
        let inner_doc = out.find("inner docs").unwrap();
        let stmt = out.find("let _ = 0").unwrap();
        assert!(allow < stmt && inner_doc < stmt, "{out}");
        assert!(
            out.starts_with("# [doc = r\" docs\"] pub (crate) async fn h"),
            "{out}"
        );
    }

    #[test]
    fn parses_declarations_and_rejects_other_items() {
        let h = handler(quote!(
            async fn h(a: RequireAuth);
        ));
        assert!(matches!(h.body, Body::Semi(_)));
        assert!(syn::parse2::<Handler>(quote!(
            struct S;
        ))
        .is_err());
    }
}
