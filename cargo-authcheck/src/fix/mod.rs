//! Fixes: the text edits rules attach to their findings as [`Suggestion`]s, and applying them.
//!
//! [`extractor`] and [`openapi`] build the edits (a handler's new auth argument with its `use`;
//! a `#[utoipa::path]` argument rewritten), [`list`] is the comma-separated-list editing they share,
//! and [`apply`] turns the machine-applicable suggestions of a run into new file contents and a
//! unified diff. Edits are minimal: they touch only the text they replace, so formatting and
//! comments elsewhere stay as they were.
//!
//! [`Suggestion`]: crate::diagnostic::Suggestion

pub mod apply;
pub mod extractor;
pub mod list;
pub mod openapi;
