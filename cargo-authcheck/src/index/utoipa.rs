//! Reads utoipa's annotations: `#[utoipa::path(...)]` on handlers (utoipa 4, 5 and 6 forms) and
//! `#[derive(OpenApi)] #[openapi(...)]` documents. Arguments are split at top-level commas rather
//! than parsed as `Meta`, so that any other argument utoipa accepts never makes them unreadable.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use super::items::{OpenApiDoc, UtoipaPath};
use crate::source::{FileId, Loc};

const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "connect",
];

/// The `#[utoipa::path(...)]` attribute of a fn, if any.
pub fn path_attr(attrs: &[syn::Attribute], file: FileId) -> Option<UtoipaPath> {
    let attr = attrs.iter().find(|a| {
        let segs: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segs == ["utoipa", "path"] || (segs == ["path"] && matches!(a.meta, syn::Meta::List(_)))
    })?;
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let mut doc = UtoipaPath {
        loc: Loc::of(file, attr),
        list_end: Loc::from_span(file, list.delimiter.span().close()),
        ..Default::default()
    };
    for arg in split_commas(list.tokens.clone()) {
        let Some((name, rest)) = arg_name(&arg) else {
            continue;
        };
        doc.args.push((name.clone(), tokens_loc(file, &arg)));
        match name.as_str() {
            m if METHODS.contains(&m) && rest.is_empty() => {
                doc.methods.push(m.to_ascii_uppercase())
            }
            "method" => {
                for inner in split_commas(group_inner(&rest).unwrap_or_default()) {
                    if let Some((m, _)) = arg_name(&inner) {
                        doc.methods.push(m.to_ascii_uppercase());
                    }
                }
            }
            "path" => doc.path = assigned_str(&rest),
            "context_path" => doc.context_path = assigned_str(&rest),
            "security" => doc.security = group_inner(&rest).map(security_requirements),
            _ => {}
        }
    }
    Some(doc)
}

/// The `#[openapi(...)]` document on a `#[derive(OpenApi)]` struct, if any.
pub fn openapi_doc(
    attrs: &[syn::Attribute],
    ident: &syn::Ident,
    file: FileId,
) -> Option<OpenApiDoc> {
    let derives = attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && quote::ToTokens::to_token_stream(&a.meta)
                .to_string()
                .contains("OpenApi")
    });
    if !derives {
        return None;
    }
    let mut doc = OpenApiDoc {
        name: ident.to_string(),
        paths: Vec::new(),
        nests: Vec::new(),
        security: None,
        loc: Loc::of(file, ident),
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("openapi")) {
        let syn::Meta::List(list) = &attr.meta else {
            continue;
        };
        for arg in split_commas(list.tokens.clone()) {
            let Some((name, rest)) = arg_name(&arg) else {
                continue;
            };
            let inner = group_inner(&rest).unwrap_or_default();
            match name.as_str() {
                "paths" => doc.paths.extend(
                    split_commas(inner)
                        .iter()
                        .map(|p| path_segments(p))
                        .filter(|p| !p.is_empty()),
                ),
                "security" => doc.security = Some(security_requirements(inner)),
                "nest" => {
                    for entry in split_commas(inner) {
                        let fields = group_inner(&entry).unwrap_or_default();
                        let mut prefix = None;
                        let mut api = None;
                        for field in split_commas(fields) {
                            match arg_name(&field) {
                                Some((n, v)) if n == "path" => prefix = assigned_str(&v),
                                Some((n, v)) if n == "api" => {
                                    api = Some(path_segments(v.get(1..).unwrap_or_default()))
                                }
                                _ => {}
                            }
                        }
                        if let (Some(prefix), Some(api)) = (prefix, api) {
                            doc.nests.push((prefix, api));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Some(doc)
}

/// `("a" = [], "b" = ["scope"]), ()` -> `[["a", "b"], []]`.
fn security_requirements(tokens: TokenStream) -> Vec<Vec<String>> {
    split_commas(tokens)
        .iter()
        .filter_map(|alt| group_inner(alt))
        .map(|inner| {
            split_commas(inner)
                .iter()
                .filter_map(|req| match req.first() {
                    Some(TokenTree::Literal(lit)) => {
                        syn::parse_str::<syn::LitStr>(&lit.to_string())
                            .ok()
                            .map(|s| s.value())
                    }
                    Some(TokenTree::Ident(i)) => Some(i.to_string()),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// From the first token's start to the last token's end.
fn tokens_loc(file: FileId, tokens: &[TokenTree]) -> Loc {
    let first = tokens
        .first()
        .map_or(Loc::default(), |t| Loc::from_span(file, t.span()));
    let last = tokens
        .last()
        .map_or(first, |t| Loc::from_span(file, t.span()));
    Loc {
        end_line: last.end_line,
        end_column: last.end_column,
        ..first
    }
}

/// Splits a token stream at its top-level commas.
fn split_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => parts.last_mut().expect("never empty").push(tt),
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// The leading identifier of an argument and the tokens after it.
fn arg_name(arg: &[TokenTree]) -> Option<(String, Vec<TokenTree>)> {
    match arg.first()? {
        TokenTree::Ident(i) => Some((i.to_string(), arg[1..].to_vec())),
        _ => None,
    }
}

/// The contents of a lone parenthesised group.
fn group_inner(tokens: &[TokenTree]) -> Option<TokenStream> {
    match tokens {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Parenthesis => Some(g.stream()),
        _ => None,
    }
}

/// `= "text"` -> `text`.
fn assigned_str(rest: &[TokenTree]) -> Option<String> {
    match rest {
        [TokenTree::Punct(p), TokenTree::Literal(lit)] if p.as_char() == '=' => {
            syn::parse_str::<syn::LitStr>(&lit.to_string())
                .ok()
                .map(|s| s.value())
        }
        _ => None,
    }
}

/// `a::b::c` tokens -> `["a", "b", "c"]`.
fn path_segments(tokens: &[TokenTree]) -> Vec<String> {
    tokens
        .iter()
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_of(src: &str) -> UtoipaPath {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        path_attr(&f.attrs, FileId(0)).unwrap()
    }

    #[test]
    fn reads_method_path_and_security_forms() {
        let p = path_of(
            r#"#[utoipa::path(get, path = "/packs/{id}", responses((status = 200, body = Pack)), security(("bearer_auth" = []), ("api_key" = [], "pat" = ["read"])))] async fn h() {}"#,
        );
        assert_eq!(p.methods, ["GET"]);
        assert_eq!(p.path.as_deref(), Some("/packs/{id}"));
        assert_eq!(
            p.security,
            Some(vec![
                vec!["bearer_auth".to_string()],
                vec!["api_key".into(), "pat".into()]
            ])
        );

        let p = path_of(
            r#"#[utoipa::path(method(get, head), path = "/x", context_path = "/api", security(()))] async fn h() {}"#,
        );
        assert_eq!(p.methods, ["GET", "HEAD"]);
        assert_eq!(p.full_path().as_deref(), Some("/api/x"));
        assert_eq!(p.security, Some(vec![vec![]]));

        let p = path_of(r#"#[utoipa::path(post, path = "/y")] async fn h() {}"#);
        assert_eq!(p.security, None);
    }

    #[test]
    fn reads_openapi_documents() {
        let s: syn::ItemStruct = syn::parse_str(
            r#"#[derive(OpenApi)] #[openapi(paths(a::list, get_one), nest((path = "/v2", api = v2::Api)), security(("bearer_auth" = [])), modifiers(&Sec))] struct ApiDoc;"#,
        )
        .unwrap();
        let doc = openapi_doc(&s.attrs, &s.ident, FileId(0)).unwrap();
        assert_eq!(
            doc.paths,
            vec![
                vec!["a".to_string(), "list".into()],
                vec!["get_one".to_string()]
            ]
        );
        assert_eq!(
            doc.nests,
            vec![("/v2".to_string(), vec!["v2".to_string(), "Api".into()])]
        );
        assert_eq!(doc.security, Some(vec![vec!["bearer_auth".to_string()]]));
    }
}
