//! Plain data describing the items of a crate: what the router and auth stages need to know about
//! functions, types, imports and annotations, without holding `syn` trees (which cannot leave the
//! thread that parsed them).

use crate::source::{FileId, Loc};

/// A name or path segment as the index keeps it: held inline up to 24 bytes (nearly every
/// identifier), so the millions of names of a large workspace are not each an allocation.
pub type Name = compact_str::CompactString;

/// A type as written: enough structure to resolve names and see wrappers like `Option<T>`.
#[derive(Clone, Debug, PartialEq, Hash, Eq, serde::Serialize, serde::Deserialize)]
pub enum TypeRef {
    /// `a::b::C<D, E>`: path segments, the generic arguments of the last one.
    Path {
        segments: Vec<Name>,
        args: Vec<TypeRef>,
    },
    /// `&T` / `&mut T`.
    Ref(Box<TypeRef>),
    /// Anything else, as text.
    Other(String),
}

impl TypeRef {
    pub fn last_name(&self) -> Option<&str> {
        match self {
            TypeRef::Path { segments, .. } => segments.last().map(Name::as_str),
            _ => None,
        }
    }

    /// The type as a reader would write it.
    pub fn display(&self) -> String {
        match self {
            TypeRef::Path { segments, args } if args.is_empty() => segments.join("::"),
            TypeRef::Path { segments, args } => {
                let args: Vec<_> = args.iter().map(TypeRef::display).collect();
                format!("{}<{}>", segments.join("::"), args.join(", "))
            }
            TypeRef::Ref(inner) => format!("&{}", inner.display()),
            TypeRef::Other(text) => text.clone(),
        }
    }
}

/// One argument of a fn or closure.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub ty: TypeRef,
    pub loc: Loc,
}

/// A fn's parameters, held encoded (a few bytes each) and decoded when read: a large workspace
/// has over a hundred thousand, of which only handlers', middleware fns' and typed routes' are
/// read, and as trees of types and names they were the largest part of the index after the fn
/// records themselves. Read them with [`Params::read`].
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Params(Box<[u8]>);

impl Params {
    pub fn new(params: &[Param]) -> Params {
        if params.is_empty() {
            return Params::default();
        }
        // Encoding plain data in memory cannot fail.
        Params(
            postcard::to_allocvec(params)
                .map(Vec::into_boxed_slice)
                .unwrap_or_default(),
        )
    }

    /// The parameters, in order.
    pub fn read(&self) -> Vec<Param> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let decoded = postcard::from_bytes(&self.0);
        debug_assert!(decoded.is_ok(), "parameters decode as they were encoded");
        decoded.unwrap_or_default()
    }

    /// Their encoded form: equal parameters, equal bytes (what the route cache hashes).
    pub fn encoded(&self) -> &[u8] {
        &self.0
    }
}

/// Shown as the list it holds (summaries are compared through their debug text).
impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.read()).finish()
    }
}

/// Serialized as the bytes they are held as (one length and a copy, not a sequence of numbers).
impl serde::Serialize for Params {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Params {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl<'de> serde::de::Visitor<'de> for Bytes {
            type Value = Params;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("encoded parameters")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Params, E> {
                Ok(Params(bytes.into()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Params, E> {
                Ok(Params(bytes.into_boxed_slice()))
            }
        }
        deserializer.deserialize_bytes(Bytes)
    }
}

/// `#[public(reason = "...")]` / `#[protected]` on a handler.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct IntentAttrs {
    pub public: Option<PublicAttr>,
    pub protected: Option<Loc>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PublicAttr {
    pub reason: Option<String>,
    pub loc: Loc,
}

/// What a `#[utoipa::path(...)]` attribute documents.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UtoipaPath {
    /// Upper-case methods (`GET`), from `get` or `method(get, head)`.
    pub methods: Vec<String>,
    pub path: Option<String>,
    pub context_path: Option<String>,
    /// `None`: no `security(...)`. Otherwise alternatives, each a set of scheme names that must
    /// all hold; an empty set is `()` (anonymous access).
    pub security: Option<Vec<Vec<String>>>,
    pub loc: Loc,
    /// Each top-level argument by its leading name (`get`, `path`, `security`, ..) and where it
    /// is written, for fixes that rewrite one of them.
    pub args: Vec<(String, Loc)>,
    /// The closing parenthesis of the argument list (where a new argument goes).
    pub list_end: Loc,
}

impl UtoipaPath {
    /// The documented path with `context_path` applied, normalised.
    pub fn full_path(&self) -> Option<String> {
        let path = self.path.as_deref()?;
        let joined = match &self.context_path {
            Some(prefix) => crate::router::paths::join(prefix, path),
            None => path.to_string(),
        };
        Some(crate::router::paths::normalize(&joined))
    }
}

/// A `#[derive(OpenApi)] #[openapi(...)]` document.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct OpenApiDoc {
    pub name: String,
    /// Handler paths listed in `paths(...)`, as written.
    pub paths: Vec<Vec<String>>,
    /// `nest((path = "/p", api = OtherDoc))`: prefix and document path as written.
    pub nests: Vec<(String, Vec<String>)>,
    /// Default `security(...)` of the document, as in [`UtoipaPath::security`].
    pub security: Option<Vec<Vec<String>>>,
    pub loc: Loc,
}

/// A function: free, or associated to a type in an impl block.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FnItem {
    pub name: Name,
    /// Local module index within the file summary until linked; the global module id after.
    pub module: usize,
    /// `Some("Server")` for `impl Server { fn .. }`.
    pub self_type: Option<Name>,
    pub is_async: bool,
    pub params: Params,
    /// The return type as text (empty for `()`); shared by every fn of the index that returns
    /// the same text ([`crate::index::Index::push_fn`]).
    pub returns: std::sync::Arc<str>,
    pub name_loc: Loc,
    /// The closing parenthesis of the parameter list (where a new parameter goes).
    pub params_end: Loc,
    /// `None` without either attribute (most fns: a million-line workspace has many); read it
    /// with [`FnItem::intent`].
    pub intent_attrs: Option<Box<IntentAttrs>>,
    pub utoipa: Option<Box<UtoipaPath>>,
    /// The body hands a router to `serve` or turns it into a service (`into_make_service`).
    pub serves: bool,
    /// False for a trait method declared without a default body.
    pub has_body: bool,
    /// For a fn declared inside another fn's body: how many fns earlier the enclosing fn was
    /// indexed (it is visible only there).
    pub local_to: Option<u32>,
}

impl FnItem {
    /// The file it is declared in.
    pub fn file(&self) -> FileId {
        self.name_loc.file
    }

    /// Its `#[public]` / `#[protected]` attributes.
    pub fn intent(&self) -> &IntentAttrs {
        static NONE: IntentAttrs = IntentAttrs {
            public: None,
            protected: None,
        };
        self.intent_attrs.as_deref().unwrap_or(&NONE)
    }
}

/// An impl of `FromRequestParts`/`FromRequest` (or a derive of them): which extractors its
/// extraction runs, and whether each one's rejection is propagated (so it rejects too).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ExtractorImpl {
    pub self_type: Name,
    pub module: usize,
    pub extracts: Vec<(TypeRef, bool)>,
    pub loc: Loc,
}

/// A named item of a module.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Entry {
    /// Index into the crate-wide fn list (file-local until linked).
    Fn(usize),
    /// A child module (file-local index until linked).
    Mod(usize),
    /// A struct, enum, union or trait defined here.
    Type,
    /// `type X = ...;`
    Alias(TypeRef),
    /// `const X: &str = "..."` (the string when it is a literal).
    Const(Option<String>),
    /// `use path as name;`: the path as written.
    Use(Vec<Name>),
}

/// Where a new `use` item goes in a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ImportSlot {
    /// After the module's last `use` item (its location).
    AfterUse(Loc),
    /// After the module's last inner attribute or `//!` line: it has no `use` item.
    AfterInnerAttribute(Loc),
    /// Right after the opening brace of an inline module with neither (the brace's location).
    AfterBrace(Loc),
    /// At the start of a file with neither.
    FileStart,
}

/// One module's items.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ModuleItems {
    pub name: Name,
    /// File-local index of the parent module (None for the file's top module).
    pub parent: Option<usize>,
    pub import_slot: Option<ImportSlot>,
    pub entries: Vec<(Name, Entry)>,
    /// `use path::*;` paths as written.
    pub globs: Vec<Vec<Name>>,
}

/// A `mod name;` whose file has to be loaded.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ModDecl {
    /// File-local index of the module created for it.
    pub module: usize,
    /// Where its file is looked for.
    pub file: ModFileRule,
    pub loc: Loc,
}

/// Where the file of a `mod name;` is: by its name, or as a `#[path]` attribute says. Held
/// relative to the declaring file's directory of child modules (a summary is cached, and an
/// absolute path per candidate was a quarter of a summary's bytes).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ModFileRule {
    /// `dir/name.rs`, else `dir/name/mod.rs`; its own child modules in `dir/name`. `dir` is
    /// relative to the declaring file's directory of child modules (empty for a `mod` at the
    /// file's top level; absolute when it could not be made relative).
    Named { dir: std::path::PathBuf, name: Name },
    /// `#[path = "..."]`: the file (absolute); its child modules beside it.
    Path(std::path::PathBuf),
}

impl ModDecl {
    /// The files it may name, in order of preference, each with the directory of its own child
    /// modules; `child_dir` is the declaring file's directory of child modules.
    pub fn candidates(
        &self,
        child_dir: &std::path::Path,
    ) -> Vec<(std::path::PathBuf, std::path::PathBuf)> {
        match &self.file {
            ModFileRule::Named { dir, name } => {
                let dir = child_dir.join(dir);
                let own = dir.join(name.as_str());
                vec![
                    (dir.join(format!("{name}.rs")), own.clone()),
                    (own.join("mod.rs"), own),
                ]
            }
            ModFileRule::Path(file) => {
                let dir = file
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default();
                vec![(file.clone(), dir)]
            }
        }
    }
}

/// Everything the index keeps of one file.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FileSummary {
    /// The file's top module first, then its inline modules.
    pub modules: Vec<ModuleItems>,
    pub fns: Vec<FnItem>,
    pub extractor_impls: Vec<ExtractorImpl>,
    pub openapi_docs: Vec<(usize, OpenApiDoc)>,
    pub mod_decls: Vec<ModDecl>,
    /// Security scheme names a `Modify` impl or `components(...)` adds.
    pub defined_schemes: Vec<String>,
    /// axum-extra `#[typed_path("/users/{id}")]` structs: (file-local module, struct, path).
    pub typed_paths: Vec<(usize, Name, String)>,
    pub lines: usize,
    /// Whether the text holds an inline allow comment (`authcheck: allow(`): only such files are
    /// read again by the rule that applies them.
    pub mentions_inline_allow: bool,
}

impl FileSummary {
    /// Moves every location `lines` lines further down (up, when negative): the summary of a
    /// window of a file whose earlier lines grew or shrank (see `parse::windows`).
    pub fn shift_lines(&mut self, lines: i64) {
        // Every field named: a new one holding locations has to be shifted here too.
        let FileSummary {
            modules,
            fns,
            extractor_impls,
            openapi_docs,
            mod_decls,
            defined_schemes: _,
            typed_paths: _,
            lines: _,
            mentions_inline_allow: _,
        } = self;
        let shift = |loc: &mut Loc| *loc = loc.shifted(lines);
        for module in modules {
            match &mut module.import_slot {
                Some(
                    ImportSlot::AfterUse(loc)
                    | ImportSlot::AfterInnerAttribute(loc)
                    | ImportSlot::AfterBrace(loc),
                ) => shift(loc),
                Some(ImportSlot::FileStart) | None => {}
            }
        }
        for f in fns {
            shift(&mut f.name_loc);
            shift(&mut f.params_end);
            if !f.params.encoded().is_empty() {
                let mut params = f.params.read();
                params.iter_mut().for_each(|p| shift(&mut p.loc));
                f.params = Params::new(&params);
            }
            if let Some(intent) = &mut f.intent_attrs {
                intent.public.iter_mut().for_each(|p| shift(&mut p.loc));
                intent.protected.iter_mut().for_each(shift);
            }
            if let Some(utoipa) = &mut f.utoipa {
                shift(&mut utoipa.loc);
                utoipa.args.iter_mut().for_each(|(_, loc)| shift(loc));
                shift(&mut utoipa.list_end);
            }
        }
        extractor_impls.iter_mut().for_each(|i| shift(&mut i.loc));
        openapi_docs
            .iter_mut()
            .for_each(|(_, doc)| shift(&mut doc.loc));
        mod_decls.iter_mut().for_each(|d| shift(&mut d.loc));
    }

    /// The summary of consecutive parts of one file (its windows, see `parse::windows`), joined
    /// in order ([`FileSummary::append`]); `None` for no part.
    pub fn join(parts: impl IntoIterator<Item = FileSummary>) -> Option<FileSummary> {
        let mut parts = parts.into_iter();
        let mut joined = parts.next()?;
        parts.for_each(|part| joined.append(part));
        Some(joined)
    }

    /// Adds the summary of the items that follow in the same file (a later window of it, see
    /// `parse::windows`): its top module's names join this top module's, and its inline modules
    /// and fns follow these, their file-local indices moved past them. The result is the
    /// summary of both texts parsed as one.
    pub fn append(&mut self, next: FileSummary) {
        // Every field named: a new one has to be joined here too.
        let FileSummary {
            modules,
            fns,
            extractor_impls,
            openapi_docs,
            mod_decls,
            defined_schemes,
            typed_paths,
            lines,
            mentions_inline_allow,
        } = next;
        let module_base = self.modules.len() - 1;
        let fn_base = self.fns.len();
        let module = |local: usize| if local == 0 { 0 } else { module_base + local };
        let moved = |(name, entry): (Name, Entry)| {
            let entry = match entry {
                Entry::Fn(i) => Entry::Fn(fn_base + i),
                Entry::Mod(i) => Entry::Mod(module(i)),
                other => other,
            };
            (name, entry)
        };
        let mut modules = modules.into_iter();
        if let Some(top) = modules.next() {
            let own = &mut self.modules[0];
            own.entries.extend(top.entries.into_iter().map(moved));
            own.globs.extend(top.globs);
            // A new `use` goes after the last one; without one, where the first text said.
            if let Some(slot @ ImportSlot::AfterUse(_)) = top.import_slot {
                own.import_slot = Some(slot);
            }
        }
        for mut inline in modules {
            inline.parent = inline.parent.map(module);
            inline.entries = inline.entries.into_iter().map(moved).collect();
            self.modules.push(inline);
        }
        self.fns.extend(fns.into_iter().map(|mut f| {
            f.module = module(f.module);
            f
        }));
        self.extractor_impls
            .extend(extractor_impls.into_iter().map(|mut i| {
                i.module = module(i.module);
                i
            }));
        self.openapi_docs.extend(
            openapi_docs
                .into_iter()
                .map(|(local, doc)| (module(local), doc)),
        );
        self.mod_decls.extend(mod_decls.into_iter().map(|mut d| {
            d.module = module(d.module);
            d
        }));
        self.defined_schemes.extend(defined_schemes);
        self.typed_paths.extend(
            typed_paths
                .into_iter()
                .map(|(local, name, path)| (module(local), name, path)),
        );
        self.lines += lines;
        self.mentions_inline_allow |= mentions_inline_allow;
    }
}
