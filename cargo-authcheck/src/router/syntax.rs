//! Small helpers over `syn` trees for the evaluator: finding a fn again in a re-parsed file,
//! reading method filters, and compact source text for messages.

use quote::ToTokens;

/// Finds a fn item again in a re-parsed file by its [`crate::index::Locator`].
pub fn find_fn<'f>(
    file: &'f syn::File,
    locator: &[usize],
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    let mut items = &file.items;
    let mut i = 0;
    loop {
        let item = items.get(*locator.get(i)?)?;
        let (sig, block, rest) = match item {
            syn::Item::Fn(f) => (&f.sig, &*f.block, &locator[i + 1..]),
            syn::Item::Mod(m) => {
                items = &m.content.as_ref()?.1;
                i += 1;
                continue;
            }
            syn::Item::Impl(imp) => {
                let syn::ImplItem::Fn(f) = imp.items.get(*locator.get(i + 1)?)? else {
                    return None;
                };
                (&f.sig, &f.block, &locator[i + 2..])
            }
            syn::Item::Trait(t) => {
                let syn::TraitItem::Fn(f) = t.items.get(*locator.get(i + 1)?)? else {
                    return None;
                };
                (&f.sig, f.default.as_ref()?, &locator[i + 2..])
            }
            _ => return None,
        };
        return local_fn(sig, block, rest);
    }
}

/// Descends into fn bodies by statement index (fns declared inside fns).
fn local_fn<'f>(
    sig: &'f syn::Signature,
    block: &'f syn::Block,
    rest: &[usize],
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    match rest.split_first() {
        None => Some((sig, block)),
        Some((stmt, rest)) => {
            let syn::Stmt::Item(syn::Item::Fn(f)) = block.stmts.get(*stmt)? else {
                return None;
            };
            local_fn(&f.sig, &f.block, rest)
        }
    }
}

/// Compact source text of a syntax node, for messages.
pub fn text_of(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    tidy(&text)
}

/// Removes the spaces `TokenStream::to_string` puts around punctuation.
fn tidy(text: &str) -> String {
    let mut s = text.to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (" .", "."),
        (". ", "."),
        (" !", "!"),
        ("& ", "&"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ?", "?"),
    ] {
        s = s.replace(from, to);
    }
    s
}

/// `MethodFilter::GET | MethodFilter::POST` -> `["get", "post"]`.
pub fn filter_methods(expr: &syn::Expr) -> Vec<String> {
    match expr {
        syn::Expr::Binary(b) => {
            let mut v = filter_methods(&b.left);
            v.extend(filter_methods(&b.right));
            v
        }
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| vec![s.ident.to_string().to_ascii_lowercase()])
            .unwrap_or_default(),
        // `MethodFilter::GET.or(MethodFilter::POST)`
        syn::Expr::MethodCall(m) if m.method == "or" => {
            let mut v = filter_methods(&m.receiver);
            m.args.iter().for_each(|a| v.extend(filter_methods(a)));
            v
        }
        syn::Expr::Paren(p) => filter_methods(&p.expr),
        _ => Vec::new(),
    }
}
