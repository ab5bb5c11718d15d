//! Small helpers over `syn` trees for the evaluator: finding a fn again in a re-parsed file,
//! reading method filters, and compact source text for messages.

use quote::ToTokens;

/// Finds a fn item again in a re-parsed file: the fn `name` whose name starts at `line` and
/// (1-based) `column`. Positions, not item indices, identify it: the evaluator's parses leave
/// out the items it does not read.
pub fn find_fn<'f>(
    file: &'f syn::File,
    name: &str,
    line: usize,
    column: usize,
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    in_items(&file.items, &Wanted { name, line, column })
}

/// The fn [`find_fn`] looks for.
struct Wanted<'a> {
    name: &'a str,
    line: usize,
    column: usize,
}

fn in_items<'f>(
    items: &'f [syn::Item],
    at: &Wanted,
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    items.iter().find_map(|item| match item {
        syn::Item::Fn(f) => in_fn(&f.sig, &f.block, at),
        syn::Item::Mod(m) => in_items(&m.content.as_ref()?.1, at),
        syn::Item::Impl(imp) => imp.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) => in_fn(&f.sig, &f.block, at),
            _ => None,
        }),
        syn::Item::Trait(t) => t.items.iter().find_map(|i| match i {
            syn::TraitItem::Fn(f) => in_fn(&f.sig, f.default.as_ref()?, at),
            _ => None,
        }),
        _ => None,
    })
}

/// The fn itself, or a fn declared in its body (fns declared inside fns). Names are compared
/// before positions: a span's position is looked up in proc-macro2's table of the file's lines.
fn in_fn<'f>(
    sig: &'f syn::Signature,
    block: &'f syn::Block,
    at: &Wanted,
) -> Option<(&'f syn::Signature, &'f syn::Block)> {
    if sig.ident == at.name {
        let name = sig.ident.span().start();
        if (name.line, name.column + 1) == (at.line, at.column) {
            return Some((sig, block));
        }
    }
    let mut local_fns = block
        .stmts
        .iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Item(syn::Item::Fn(f)) => Some(f),
            _ => None,
        })
        .peekable();
    local_fns.peek()?;
    let (first, last) = (
        sig.fn_token.span.start().line,
        block.brace_token.span.close().end().line,
    );
    if !(first..=last).contains(&at.line) {
        return None;
    }
    local_fns.find_map(|f| in_fn(&f.sig, &f.block, at))
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
