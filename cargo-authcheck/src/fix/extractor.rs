//! The fix for a handler anyone can call: take the configured auth extractor as an argument
//! (`_auth: RequireAuth`), after the leading `State(..)` arguments (an auth extractor reads only
//! the request head, so it may stand anywhere before a body extractor), and bring the extractor
//! into scope with a `use` next to the module's other imports when it is not.

use super::list::{self, Element};
use crate::analysis::Analysis;
use crate::diagnostic::{Applicability, Edit, Suggestion};
use crate::index::{FnId, ImportSlot, Index, LinkedEntry, ModuleId, Name, Resolved, TypeRef};
use crate::source::{FileId, Loc};

/// The argument name the fix writes (the value itself is not used by the handler).
const ARGUMENT: &str = "_auth";

/// The suggestion that makes handler `f` take `extractor` (a configured name: `RequireAuth` or a
/// qualified path). None for a handler marked `#[public]`: its intent is to be open.
pub fn add_extractor(analysis: &Analysis, f: FnId, extractor: &str) -> Option<Suggestion> {
    let index = &analysis.index;
    let item = &index.fns[f.0];
    if item.intent().public.is_some() || !item.has_body {
        return None;
    }
    let module = index.module_of(f);
    let name = extractor.rsplit("::").next().unwrap_or(extractor);
    let source = index.sources.get(item.file());
    let text = source.text();
    let mut edits = Vec::new();
    let mut certain = true;
    let ty = match scope(index, module, name, extractor) {
        Scope::Extractor => name.to_string(),
        Scope::Other => match import_path(index, module, name, extractor) {
            Some(path) => path.join("::"),
            None => {
                certain = false;
                name.to_string()
            }
        },
        Scope::Nothing => match import_path(index, module, name, extractor) {
            Some(path) => match import_edit(index, module, &path) {
                Some(edit) => {
                    edits.push(edit);
                    name.to_string()
                }
                None => path.join("::"),
            },
            None => {
                certain = false;
                name.to_string()
            }
        },
    };
    // A handler that already takes the extractor wrapped (`Option<RequireAuth>`) decides about
    // anonymous callers on purpose: requiring authentication may not be what its author wants.
    let params = item.params.read();
    if params.iter().any(|p| mentions(&p.ty, name)) {
        certain = false;
    }
    let elements: Vec<Element> = params
        .iter()
        .map(|p| {
            let r = source.range(p.loc);
            Element {
                start: r.start,
                end: r.end,
            }
        })
        .collect();
    let leading_state = params
        .iter()
        .take_while(|p| p.ty.last_name() == Some("State"))
        .count();
    let close = source.range(item.params_end).start;
    let argument = format!("{ARGUMENT}: {ty}");
    let change = list::insert(text, &elements, close, leading_state, &argument);
    edits.push(Edit {
        file: item.file(),
        start: change.start,
        end: change.end,
        replacement: change.text,
    });
    edits.sort();
    Some(Suggestion {
        message: format!("add `{argument}` to the arguments of `{}`", item.name),
        edits,
        applicability: if certain {
            Applicability::MachineApplicable
        } else {
            Applicability::MaybeIncorrect
        },
    })
}

/// What a bare name means in a module.
enum Scope {
    /// The configured extractor.
    Extractor,
    /// Something else of that name (an import would clash).
    Other,
    Nothing,
}

fn scope(index: &Index, module: ModuleId, name: &str, extractor: &str) -> Scope {
    let ty = TypeRef::Path {
        segments: vec![Name::from(name)],
        args: Vec::new(),
    };
    match index.resolve_type(module, &ty) {
        None => Scope::Nothing,
        Some(Resolved::External(path)) if path.len() == 1 && path[0] == name => Scope::Nothing,
        Some(resolved) => {
            let full = resolved.full_path(index);
            if full.is_empty() || is_extractor(&full, name, extractor) {
                Scope::Extractor
            } else {
                Scope::Other
            }
        }
    }
}

fn is_extractor(full: &[String], name: &str, extractor: &str) -> bool {
    if extractor.contains("::") {
        full.join("::") == extractor
    } else {
        full.last().is_some_and(|last| last == name)
    }
}

/// A path that names the extractor from `module`: an absolute import of it that already works
/// elsewhere in the crate, else where it is defined (this crate or a workspace dependency).
fn import_path(
    index: &Index,
    module: ModuleId,
    name: &str,
    extractor: &str,
) -> Option<Vec<String>> {
    let krate = index.modules[module.0].krate;
    let crate_name = &index.crates[krate.0].name;
    let relative_to_crate = |mut path: Vec<String>| {
        if path.first() == Some(crate_name) {
            path[0] = "crate".to_string();
        }
        path
    };
    if extractor.contains("::") {
        return Some(relative_to_crate(
            extractor.split("::").map(str::to_string).collect(),
        ));
    }
    let same_crate = index
        .modules
        .iter()
        .enumerate()
        .filter(|(_, m)| m.krate == krate);
    for (id, m) in same_crate {
        for (_, entry) in m.entries.get(name) {
            let LinkedEntry::Use(path) = entry else {
                continue;
            };
            let absolute = path
                .first()
                .is_some_and(|first| first != "self" && first != "super");
            if absolute
                && path.last().map(Name::as_str) == Some(name)
                && matches!(
                    scope(index, ModuleId(id), name, extractor),
                    Scope::Extractor
                )
            {
                return Some(
                    path.iter()
                        .filter(|s| *s != "::")
                        .map(Name::to_string)
                        .collect(),
                );
            }
        }
    }
    let deps = &index.crates[krate.0].deps;
    let defines = |m: &crate::index::Module| {
        m.entries
            .get(name)
            .iter()
            .any(|(_, e)| matches!(e, LinkedEntry::Type | LinkedEntry::Alias(_)))
    };
    let own: Vec<&crate::index::Module> = index
        .modules
        .iter()
        .filter(|m| m.krate == krate && defines(m))
        .collect();
    let candidates = if own.is_empty() {
        index
            .modules
            .iter()
            .filter(|m| {
                let c = &index.crates[m.krate.0];
                c.is_lib && deps.contains(&c.name) && defines(m)
            })
            .collect()
    } else {
        own
    };
    // Two definitions of the same name: which one is meant is not for a tool to guess.
    let [definition] = candidates.as_slice() else {
        return None;
    };
    let mut path: Vec<String> = definition.path.iter().map(Name::to_string).collect();
    path.push(name.to_string());
    Some(relative_to_crate(path))
}

/// The `use` item that brings `path` into scope in `module`.
fn import_edit(index: &Index, module: ModuleId, path: &[String]) -> Option<Edit> {
    let m = &index.modules[module.0];
    let file: FileId = m.file;
    let source = index.sources.get(file);
    let text = source.text();
    let item = format!("use {};", path.join("::"));
    let start_of = |loc: Loc| source.range(loc).start;
    let end_of = |loc: Loc| source.offset(loc.end_line as usize, loc.end_column as usize);
    let (at, replacement) = match m.import_slot? {
        ImportSlot::AfterUse(loc) => {
            let indent = list::own_line_indent(text, start_of(loc)).unwrap_or("");
            (end_of(loc), format!("\n{indent}{item}"))
        }
        ImportSlot::AfterInnerAttribute(loc) => {
            let indent = list::own_line_indent(text, start_of(loc)).unwrap_or("");
            (end_of(loc), format!("\n\n{indent}{item}"))
        }
        ImportSlot::AfterBrace(loc) => {
            let indent = list::line_indent(text, start_of(loc));
            (end_of(loc), format!("\n{indent}    {item}"))
        }
        ImportSlot::FileStart => (0, format!("{item}\n\n")),
    };
    Some(Edit {
        file,
        start: at,
        end: at,
        replacement,
    })
}

/// Whether a type mentions `name` anywhere (`Option<RequireAuth>`).
fn mentions(ty: &TypeRef, name: &str) -> bool {
    match ty {
        TypeRef::Path { segments, args } => {
            segments.last().is_some_and(|s| s == name) || args.iter().any(|a| mentions(a, name))
        }
        TypeRef::Ref(inner) => mentions(inner, name),
        TypeRef::Other(text) => text.contains(name),
    }
}
