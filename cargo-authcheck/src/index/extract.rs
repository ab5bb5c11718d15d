//! Turns one parsed file (`syn::File`) into its [`FileSummary`]: modules, fns, imports, aliases,
//! extractor impls, intent attributes and utoipa annotations.

use std::path::{Path, PathBuf};

use compact_str::ToCompactString;
use quote::ToTokens;
use syn::visit::Visit;

use super::items::*;
use super::utoipa;
use crate::source::{FileId, Loc};

/// Where a file sits in its crate's module tree.
pub struct FileContext<'a> {
    pub file: FileId,
    /// Directory holding the files of this file's child modules.
    pub child_dir: &'a Path,
    /// Directory of the file itself (base for `#[path]`).
    pub file_dir: &'a Path,
    pub top_name: Name,
}

/// Builds the summary of a parsed file.
pub fn summarize(ast: &syn::File, cx: &FileContext) -> FileSummary {
    let mut out = FileSummary::default();
    out.modules.push(ModuleItems {
        name: cx.top_name.clone(),
        parent: None,
        ..Default::default()
    });
    let mut walker = Walker { cx, out: &mut out };
    walker.out.modules[0].import_slot = Some(walker.import_slot(&ast.items, &ast.attrs, None));
    walker.items(&ast.items, 0, cx.child_dir);
    out
}

struct Walker<'a, 'b> {
    cx: &'a FileContext<'a>,
    out: &'b mut FileSummary,
}

impl Walker<'_, '_> {
    fn loc(&self, tokens: &impl ToTokens) -> Loc {
        Loc::of(self.cx.file, tokens)
    }

    /// Where a `use` item added by a fix goes in a module with these items and attributes (and
    /// opening brace, for an inline module). Only small spans are computed: an item's span
    /// would mean turning the whole item into tokens.
    fn import_slot(
        &self,
        items: &[syn::Item],
        attrs: &[syn::Attribute],
        brace: Option<proc_macro2::Span>,
    ) -> ImportSlot {
        let last_use = items
            .iter()
            .rev()
            .find(|i| matches!(i, syn::Item::Use(_)) && !is_cfg_test(item_attrs(i)));
        let last_inner = attrs
            .iter()
            .rev()
            .find(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
        match (last_use, last_inner, brace) {
            (Some(u), _, _) => ImportSlot::AfterUse(self.loc(u)),
            (None, Some(a), _) => ImportSlot::AfterInnerAttribute(self.loc(a)),
            (None, None, Some(b)) => ImportSlot::AfterBrace(Loc::from_span(self.cx.file, b)),
            (None, None, None) => ImportSlot::FileStart,
        }
    }

    fn add(&mut self, module: usize, name: Name, entry: Entry) {
        self.out.modules[module].entries.push((name, entry));
    }

    fn items(&mut self, items: &[syn::Item], module: usize, child_dir: &Path) {
        for item in items {
            if is_cfg_test(item_attrs(item)) {
                continue;
            }
            self.item(item, module, child_dir);
        }
    }

    fn item(&mut self, item: &syn::Item, module: usize, child_dir: &Path) {
        match item {
            syn::Item::Fn(f) => {
                let fn_item = self.fn_item(&f.sig, &f.attrs, module, None, Some(&f.block));
                let id = self.out.fns.len();
                self.out.fns.push(fn_item);
                self.add(module, f.sig.ident.to_compact_string(), Entry::Fn(id));
                self.local_fns(&f.block, module, id);
            }
            syn::Item::Mod(m) => self.module(m, module, child_dir),
            syn::Item::Use(u) => {
                let mut prefix = Vec::new();
                if u.leading_colon.is_some() {
                    prefix.push(Name::const_new("::"));
                }
                self.use_tree(&u.tree, module, &mut prefix);
            }
            syn::Item::Type(t) => self.add(
                module,
                t.ident.to_compact_string(),
                Entry::Alias(type_ref(&t.ty)),
            ),
            syn::Item::Const(c) => self.add(
                module,
                c.ident.to_compact_string(),
                Entry::Const(str_lit(&c.expr)),
            ),
            syn::Item::Static(s) => self.add(
                module,
                s.ident.to_compact_string(),
                Entry::Const(str_lit(&s.expr)),
            ),
            syn::Item::Struct(s) => {
                self.add(module, s.ident.to_compact_string(), Entry::Type);
                if let Some(path) = typed_path(&s.attrs) {
                    self.out
                        .typed_paths
                        .push((module, s.ident.to_compact_string(), path));
                }
                self.derived_extractor(&s.attrs, &s.ident, &s.fields, module);
                if let Some(doc) = utoipa::openapi_doc(&s.attrs, &s.ident, self.cx.file) {
                    self.out.openapi_docs.push((module, doc));
                }
            }
            syn::Item::Enum(e) => self.add(module, e.ident.to_compact_string(), Entry::Type),
            syn::Item::Union(u) => self.add(module, u.ident.to_compact_string(), Entry::Type),
            syn::Item::Trait(t) => {
                self.add(module, t.ident.to_compact_string(), Entry::Type);
                for trait_item in &t.items {
                    if let syn::TraitItem::Fn(f) = trait_item {
                        let fn_item = self.fn_item(
                            &f.sig,
                            &f.attrs,
                            module,
                            Some(t.ident.to_compact_string()),
                            f.default.as_ref(),
                        );
                        self.out.fns.push(fn_item);
                    }
                }
            }
            syn::Item::Impl(i) => self.impl_block(i, module),
            _ => {}
        }
    }

    fn module(&mut self, m: &syn::ItemMod, parent: usize, child_dir: &Path) {
        let name = m.ident.to_compact_string();
        // `mod r#impl;` is `impl.rs`: files and directories are named without the `r#`.
        let file_name = syn::ext::IdentExt::unraw(&m.ident).to_string();
        let id = self.out.modules.len();
        self.out.modules.push(ModuleItems {
            name: name.clone(),
            parent: Some(parent),
            ..Default::default()
        });
        self.add(parent, name.clone(), Entry::Mod(id));
        let path_attr = path_attr(&m.attrs);
        match &m.content {
            Some((brace, items)) => {
                self.out.modules[id].import_slot =
                    Some(self.import_slot(items, &m.attrs, Some(brace.span.open())));
                let dir = match &path_attr {
                    Some(p) => child_dir.join(p),
                    None => child_dir.join(&file_name),
                };
                self.items(items, id, &dir);
            }
            None => {
                let file = match path_attr {
                    Some(p) => {
                        // `#[path]` on a top-level `mod` is relative to the declaring file's directory.
                        let base = if parent == 0 {
                            self.cx.file_dir
                        } else {
                            child_dir
                        };
                        ModFileRule::Path(base.join(p))
                    }
                    None => ModFileRule::Named {
                        dir: child_dir
                            .strip_prefix(self.cx.child_dir)
                            .unwrap_or(child_dir)
                            .to_path_buf(),
                        name: Name::from(file_name.as_str()),
                    },
                };
                let loc = self.loc(&m.ident);
                self.out.mod_decls.push(ModDecl {
                    module: id,
                    file,
                    loc,
                });
            }
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, module: usize, prefix: &mut Vec<Name>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_compact_string());
                self.use_tree(&p.tree, module, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_compact_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.add(module, last, Entry::Use(prefix.clone()));
                    }
                } else {
                    let mut path = prefix.clone();
                    path.push(name.clone());
                    self.add(module, name, Entry::Use(path));
                }
            }
            syn::UseTree::Rename(r) => {
                let mut path = prefix.clone();
                if r.ident != "self" {
                    path.push(r.ident.to_compact_string());
                }
                if r.rename != "_" {
                    self.add(module, r.rename.to_compact_string(), Entry::Use(path));
                }
            }
            syn::UseTree::Glob(_) => self.out.modules[module].globs.push(prefix.clone()),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.use_tree(tree, module, prefix);
                }
            }
        }
    }

    /// Items declared inside a fn body: fns (`fn root() -> Router { async fn handler() {..} .. }`),
    /// `#[derive(OpenApi)]` documents and `Modify` impls (often written inside `main`).
    fn local_fns(&mut self, block: &syn::Block, module: usize, parent: usize) {
        for stmt in &block.stmts {
            let f = match stmt {
                syn::Stmt::Item(syn::Item::Fn(f)) => f,
                syn::Stmt::Item(syn::Item::Struct(s)) => {
                    if let Some(doc) = utoipa::openapi_doc(&s.attrs, &s.ident, self.cx.file) {
                        self.out.openapi_docs.push((module, doc));
                    }
                    continue;
                }
                syn::Stmt::Item(syn::Item::Impl(i)) => {
                    let trait_name = i.trait_.as_ref().and_then(|(_, p, _)| p.segments.last());
                    if trait_name.is_some_and(|s| s.ident == "Modify") {
                        self.out
                            .defined_schemes
                            .extend(super::propagation::added_security_schemes(i));
                    }
                    continue;
                }
                _ => continue,
            };
            let mut fn_item = self.fn_item(&f.sig, &f.attrs, module, None, Some(&f.block));
            let id = self.out.fns.len();
            fn_item.local_to = u32::try_from(id - parent).ok();
            self.out.fns.push(fn_item);
            self.local_fns(&f.block, module, id);
        }
    }

    fn impl_block(&mut self, i: &syn::ItemImpl, module: usize) {
        let Some(self_name) = type_ref(&i.self_ty).last_name().map(Name::from) else {
            return;
        };
        let trait_name = i
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .map(|s| s.ident.to_string());
        for impl_item in &i.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            let fn_item = self.fn_item(
                &f.sig,
                &f.attrs,
                module,
                Some(self_name.clone()),
                Some(&f.block),
            );
            let id = self.out.fns.len();
            self.out.fns.push(fn_item);
            self.local_fns(&f.block, module, id);
            if let Some(trait_name) = &trait_name {
                let is_extraction = matches!(
                    (trait_name.as_str(), f.sig.ident.to_string().as_str()),
                    ("FromRequestParts", "from_request_parts") | ("FromRequest", "from_request")
                );
                if is_extraction {
                    let extracts = super::propagation::extracted_types(&f.block);
                    let loc = self.loc(&i.self_ty);
                    self.out.extractor_impls.push(ExtractorImpl {
                        self_type: self_name.clone(),
                        module,
                        extracts,
                        loc,
                    });
                }
            }
        }
        if trait_name.as_deref() == Some("Modify") {
            self.out
                .defined_schemes
                .extend(super::propagation::added_security_schemes(i));
        }
    }

    /// `#[derive(FromRequestParts)] struct AdminUser(RequireAuth);` extracts every field and
    /// propagates their rejections.
    fn derived_extractor(
        &mut self,
        attrs: &[syn::Attribute],
        ident: &syn::Ident,
        fields: &syn::Fields,
        module: usize,
    ) {
        let derives_extractor = attrs
            .iter()
            .filter(|a| a.path().is_ident("derive"))
            .any(|a| {
                let text = a.meta.to_token_stream().to_string();
                text.contains("FromRequestParts") || text.contains("FromRequest")
            });
        if derives_extractor {
            let extracts = fields.iter().map(|f| (type_ref(&f.ty), true)).collect();
            let loc = self.loc(ident);
            self.out.extractor_impls.push(ExtractorImpl {
                self_type: ident.to_compact_string(),
                module,
                extracts,
                loc,
            });
        }
    }

    fn fn_item(
        &mut self,
        sig: &syn::Signature,
        attrs: &[syn::Attribute],
        module: usize,
        self_type: Option<Name>,
        body: Option<&syn::Block>,
    ) -> FnItem {
        let mut params = Vec::with_capacity(sig.inputs.len());
        for arg in &sig.inputs {
            if let syn::FnArg::Typed(pt) = arg {
                params.push(Param {
                    ty: type_ref(&pt.ty),
                    loc: self.loc(pt),
                });
            }
        }
        let returns = match &sig.output {
            syn::ReturnType::Default => "".into(),
            syn::ReturnType::Type(_, ty) => ty.to_token_stream().to_string().into(),
        };
        // `main` is where a binary serves its router, or returns it to a runtime that does.
        let serves = body.is_some_and(serves_router)
            || (sig.ident == "main" && self_type.is_none() && body.is_some());
        FnItem {
            name: sig.ident.to_compact_string(),
            module,
            self_type,
            is_async: sig.asyncness.is_some(),
            params: Params::new(&params),
            returns,
            name_loc: self.loc(&sig.ident),
            params_end: Loc::from_span(self.cx.file, sig.paren_token.span.close()),
            intent_attrs: intent_attrs(attrs, self.cx.file),
            utoipa: utoipa::path_attr(attrs, self.cx.file).map(Box::new),
            serves,
            has_body: body.is_some(),
            local_to: None,
        }
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Const(i) => &i.attrs,
        _ => &[],
    }
}

/// `#[cfg(test)]`: code that is never part of the served application.
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
    })
}

/// The path of an axum-extra `#[typed_path("/users/{id}")]` struct (its first argument).
fn typed_path(attrs: &[syn::Attribute]) -> Option<String> {
    let attr = attrs.iter().find(|a| a.path().is_ident("typed_path"))?;
    let args = attr
        .parse_args_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    args.first().and_then(str_lit)
}

fn path_attr(attrs: &[syn::Attribute]) -> Option<PathBuf> {
    attrs
        .iter()
        .find(|a| a.path().is_ident("path"))
        .and_then(|a| match &a.meta {
            syn::Meta::NameValue(nv) => str_lit(&nv.value).map(PathBuf::from),
            _ => None,
        })
}

/// The string value of a literal expression.
pub fn str_lit(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Reference(r) => str_lit(&r.expr),
        syn::Expr::Paren(p) => str_lit(&p.expr),
        syn::Expr::Group(g) => str_lit(&g.expr),
        _ => None,
    }
}

/// The [`TypeRef`] of a `syn` type.
pub fn type_ref(ty: &syn::Type) -> TypeRef {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let segments = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_compact_string())
                .collect();
            let args = match p.path.segments.last().map(|s| &s.arguments) {
                Some(syn::PathArguments::AngleBracketed(a)) => {
                    let mut args: Vec<TypeRef> = a
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::GenericArgument::Type(t) => Some(type_ref(t)),
                            _ => None,
                        })
                        .collect();
                    args.shrink_to_fit();
                    args
                }
                _ => Vec::new(),
            };
            TypeRef::Path { segments, args }
        }
        syn::Type::Reference(r) => TypeRef::Ref(Box::new(type_ref(&r.elem))),
        syn::Type::Paren(p) => type_ref(&p.elem),
        syn::Type::Group(g) => type_ref(&g.elem),
        other => TypeRef::Other(compact(other.to_token_stream().to_string())),
    }
}

/// A string without spare capacity (`to_string` of a token stream grows by doubling).
fn compact(mut s: String) -> String {
    s.shrink_to_fit();
    s
}

fn intent_attrs(attrs: &[syn::Attribute], file: FileId) -> Option<Box<IntentAttrs>> {
    let mut intent = IntentAttrs::default();
    for attr in attrs {
        let Some(last) = attr.path().segments.last() else {
            continue;
        };
        if last.ident == "protected" {
            intent.protected = Some(Loc::of(file, attr));
        } else if last.ident == "public" {
            let mut reason = None;
            if let syn::Meta::List(list) = &attr.meta {
                let _ = list.parse_nested_meta(|meta| {
                    if meta.path.is_ident("reason") {
                        let lit: syn::LitStr = meta.value()?.parse()?;
                        reason = Some(lit.value());
                    } else if meta.input.peek(syn::Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    }
                    Ok(())
                });
            }
            intent.public = Some(PublicAttr {
                reason,
                loc: Loc::of(file, attr),
            });
        }
    }
    (intent.public.is_some() || intent.protected.is_some()).then(|| Box::new(intent))
}

/// Whether a body hands a router to a server or drives it as a service: `serve(listener, app)`,
/// `.serve(..)`, `serve_connection(io, svc)`, `into_make_service*()`, `.oneshot(req)`, `.call(req)`,
/// `service_fn(..)`, `TowerToHyperService::new(..)`, `Shared::new(..)`. Keep in step with
/// `parse::lexer::BodyFacts::may_serve`, which keeps such bodies for this to see.
fn serves_router(block: &syn::Block) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*call.func {
                let segments: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect();
                let last = segments.last().map(String::as_str).unwrap_or_default();
                let owner = segments.len().checked_sub(2).map(|i| segments[i].as_str());
                self.0 |= (last == "serve" && call.args.len() >= 2)
                    || last == "service_fn"
                    || last.starts_with("into_make_service")
                    || last == "oneshot"
                    || matches!(
                        (owner, last),
                        (Some("TowerToHyperService" | "Shared"), "new")
                    );
            }
            syn::visit::visit_expr_call(self, call);
        }
        fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
            let name = call.method.to_string();
            self.0 |= name.starts_with("into_make_service")
                || name.starts_with("serve")
                || name == "oneshot"
                || name == "call";
            syn::visit::visit_expr_method_call(self, call);
        }
    }
    let mut finder = Finder(false);
    finder.visit_block(block);
    finder.0
}
