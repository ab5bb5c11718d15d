//! Macros in router code: utoipa-axum's `routes!`, axum-login's layers, and any other macro
//! whose arguments are evaluated for what they serve.

use super::eval::{Evaluator, Value};
use super::model::*;
use super::scope::Scope;
use super::syntax::text_of;
use crate::index::{Ns, Resolved};

impl Evaluator<'_> {
    pub(super) fn eval_macro(&mut self, mac: &syn::Macro, scope: &mut Scope) -> Value {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let at = self.loc(scope, mac);
        type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;
        match name.as_str() {
            // `vec![a(), b()]`; `vec![x; n]` (n copies) is not a list of known elements.
            "vec" => match mac.parse_body_with(Args::parse_terminated) {
                Ok(items) => Value::List(items.iter().map(|e| self.eval(e, scope)).collect()),
                Err(_) => Value::Opaque,
            },
            "routes" => {
                let Ok(paths) = mac.parse_body_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                ) else {
                    self.unanalyzable(at, "cannot read the handlers of this `routes!` call");
                    return Value::Opaque;
                };
                let mut handlers = Vec::new();
                for path in &paths {
                    match self.resolve(path, scope, Ns::Value) {
                        Some(Resolved::Fn(f)) => handlers.push((f, self.loc(scope, path))),
                        _ => self.unanalyzable(
                            self.loc(scope, path),
                            format!(
                                "`{}` in `routes!` resolves to no handler fn in the workspace",
                                text_of(path)
                            ),
                        ),
                    }
                }
                Value::Routes(handlers)
            }
            "login_required" | "permission_required" | "permission_required_any" => {
                Value::Layer(LayerSpec::Macro {
                    name: format!("{}!", text_of(&mac.path)),
                    text: text_of(mac),
                })
            }
            _ => {
                // `tokio::join!(serve(a), serve(b))`: evaluate comma-separated arguments for
                // what they serve; the macro's value stays unknown.
                if let Ok(args) = mac.parse_body_with(Args::parse_terminated) {
                    let mut inner = self.fork(scope);
                    for arg in &args {
                        self.eval(arg, &mut inner);
                    }
                }
                Value::External {
                    path: vec![format!("{name}!")],
                    text: text_of(mac),
                }
            }
        }
    }
}
