//! Reads the body of a `FromRequestParts`/`FromRequest` impl: which extractors it runs and
//! whether it propagates their rejections (`?`, `match` with an `Err` arm that returns, `let ..
//! else { return .. }`), as opposed to swallowing them (`.ok()`, `if let Ok(..)`).

use compact_str::ToCompactString;
use syn::visit::Visit;

use super::extract::{str_lit, type_ref};
use super::items::{Name, TypeRef};

/// The extractor types a body runs, each with whether its rejection is propagated.
pub fn extracted_types(block: &syn::Block) -> Vec<(TypeRef, bool)> {
    let mut finder = Extractions {
        found: Vec::new(),
        propagating: false,
    };
    finder.visit_block(block);
    finder.found
}

struct Extractions {
    found: Vec<(TypeRef, bool)>,
    /// Whether the expression being visited has its error propagated by an enclosing `?`,
    /// through nothing but `.await`, `.map_err(..)` and parentheses.
    propagating: bool,
}

impl Extractions {
    fn with(&mut self, propagating: bool, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.propagating, propagating);
        f(self);
        self.propagating = saved;
    }
}

impl<'ast> Visit<'ast> for Extractions {
    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        match expr {
            syn::Expr::Try(t) => self.with(true, |s| s.visit_expr(&t.expr)),
            syn::Expr::Await(a) => self.visit_expr(&a.base),
            syn::Expr::Paren(p) => self.visit_expr(&p.expr),
            syn::Expr::MethodCall(m) if is_error_mapping(&m.method) => {
                self.visit_expr(&m.receiver);
                self.with(false, |s| m.args.iter().for_each(|a| s.visit_expr(a)));
            }
            syn::Expr::Match(m) => {
                let returns_on_err = m
                    .arms
                    .iter()
                    .any(|arm| pat_is_err(&arm.pat) && diverges(&arm.body));
                self.with(returns_on_err, |s| s.visit_expr(&m.expr));
                self.with(false, |s| m.arms.iter().for_each(|a| s.visit_arm(a)));
            }
            syn::Expr::Call(call) => {
                if let Some(ty) = extractor_call_type(&call.func) {
                    self.found.push((ty, self.propagating));
                }
                self.with(false, |s| syn::visit::visit_expr_call(s, call));
            }
            syn::Expr::MethodCall(m) => {
                if let Some(ty) = turbofish_extraction(m) {
                    self.found.push((ty, self.propagating));
                }
                self.with(false, |s| syn::visit::visit_expr_method_call(s, m));
            }
            other => self.with(false, |s| syn::visit::visit_expr(s, other)),
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let Some(init) = &local.init else { return };
        let diverging_else = init.diverge.as_ref().is_some_and(|(_, e)| diverges(e));
        // `let x: A = parts.extract().await?;` names the type on the binding.
        if let syn::Pat::Type(pt) = &local.pat {
            if is_plain_extract(&init.expr) {
                self.found.push((type_ref(&pt.ty), is_try(&init.expr)));
            }
        }
        self.with(diverging_else, |s| s.visit_expr(&init.expr));
        if let Some((_, e)) = &init.diverge {
            self.with(false, |s| s.visit_expr(e));
        }
    }
}

fn is_error_mapping(method: &syn::Ident) -> bool {
    matches!(
        method.to_string().as_str(),
        "map_err" | "context" | "with_context" | "map"
    )
}

/// `A::from_request_parts(..)`, `A::from_request(..)`, `<A as FromRequestParts<S>>::from_request_parts`.
fn extractor_call_type(func: &syn::Expr) -> Option<TypeRef> {
    let syn::Expr::Path(p) = func else {
        return None;
    };
    let last = p.path.segments.last()?;
    if last.ident != "from_request_parts" && last.ident != "from_request" {
        return None;
    }
    if let Some(qself) = &p.qself {
        return Some(type_ref(&qself.ty));
    }
    let n = p.path.segments.len();
    if n < 2 {
        return None;
    }
    let owner = &p.path.segments[n - 2];
    let mut segments: Vec<Name> = p
        .path
        .segments
        .iter()
        .take(n - 1)
        .map(|s| s.ident.to_compact_string())
        .collect();
    let args = match &owner.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(type_ref(t)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if segments.is_empty() {
        segments.push(owner.ident.to_compact_string());
    }
    Some(TypeRef::Path { segments, args })
}

/// `parts.extract::<A>()`, `parts.extract_with_state::<A, _>(state)`, `req.extract_parts::<A>()`.
fn turbofish_extraction(m: &syn::ExprMethodCall) -> Option<TypeRef> {
    let name = m.method.to_string();
    if !name.starts_with("extract") {
        return None;
    }
    let turbofish = m.turbofish.as_ref()?;
    turbofish.args.iter().find_map(|g| match g {
        syn::GenericArgument::Type(t) => Some(type_ref(t)),
        _ => None,
    })
}

fn is_plain_extract(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Try(t) => is_plain_extract(&t.expr),
        syn::Expr::Await(a) => is_plain_extract(&a.base),
        syn::Expr::MethodCall(m) if is_error_mapping(&m.method) => is_plain_extract(&m.receiver),
        syn::Expr::MethodCall(m) => {
            m.method.to_string().starts_with("extract") && m.turbofish.is_none()
        }
        _ => false,
    }
}

fn is_try(expr: &syn::Expr) -> bool {
    matches!(expr, syn::Expr::Try(_))
}

fn pat_is_err(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(ts) => ts.path.segments.last().is_some_and(|s| s.ident == "Err"),
        syn::Pat::Or(or) => or.cases.iter().any(pat_is_err),
        _ => false,
    }
}

/// Whether an expression always leaves the function with an error (or panics).
fn diverges(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Return(_) => true,
        syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "bail"
            )
        }),
        syn::Expr::Block(b) => b.block.stmts.last().is_some_and(stmt_diverges),
        syn::Expr::Call(c) => matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("Err")),
        syn::Expr::Try(_) => true,
        _ => false,
    }
}

fn stmt_diverges(stmt: &syn::Stmt) -> bool {
    match stmt {
        syn::Stmt::Expr(e, _) => diverges(e),
        syn::Stmt::Macro(m) => m
            .mac
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "bail" || s.ident == "panic"),
        _ => false,
    }
}

/// Scheme names a `Modify` impl adds: `components.add_security_scheme("name", ..)`.
pub fn added_security_schemes(item: &syn::ItemImpl) -> Vec<String> {
    struct Finder(Vec<String>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "add_security_scheme" || m.method == "security_scheme" {
                if let Some(name) = m.args.first().and_then(str_lit) {
                    self.0.push(name);
                }
            }
            syn::visit::visit_expr_method_call(self, m);
        }
    }
    let mut finder = Finder(Vec::new());
    finder.visit_item_impl(item);
    finder.0
}
