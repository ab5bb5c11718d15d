//! A large file is parsed a window of whole top-level items at a time, and the windows'
//! summaries are joined ([`FileSummary::append`]): `syn`'s tree of a file takes many times the
//! file's size, and two threads each holding the tree of a 1.6 MB handler file made most of the
//! peak memory of a workspace of such files.
//!
//! A window starts at the start of a line, after a top-level item (the masker finds where they
//! end: [`super::mask::Masked::item_ends`]), and is preceded by as many line breaks as the file
//! has before it, so every line and column in its summary is the file's own. The joined summary
//! is the summary of the whole file (the tests compare them).

use std::ops::Range;

use crate::index::extract::{summarize, FileContext};
use crate::index::FileSummary;

/// Files larger than this are parsed in windows of about this size. Against 256 KiB windows,
/// a generated workspace of 1.6 MB files (1M lines, 4 interleaved runs) was checked 13% faster
/// with a peak 3 to 10 MB lower: smaller trees, and less of them on both threads at once.
pub const WINDOW_BYTES: usize = 64 << 10;

/// Where to cut `text` into windows of about `max` bytes: after a top-level item (`item_ends`,
/// ascending) followed by nothing but spaces up to its line break. The ranges cover the text;
/// one range when it cannot be cut.
pub fn split(text: &str, item_ends: &[usize], max: usize) -> Vec<Range<usize>> {
    let mut windows = Vec::new();
    let mut start = 0;
    for &end in item_ends {
        if end < start || end - start < max {
            continue;
        }
        let rest = &text.as_bytes()[end..];
        let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        if rest[..newline]
            .iter()
            .all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            let cut = end + newline + 1;
            windows.push(start..cut);
            start = cut;
        }
    }
    if start < text.len() || windows.is_empty() {
        windows.push(start..text.len());
    }
    windows
}

/// The summary of `text` parsed window by window (see [`split`]), or `None` when a window does
/// not parse (the caller parses the whole file, for the error a whole parse reports).
pub fn summarize_in_windows(
    text: &str,
    windows: &[Range<usize>],
    cx: &FileContext,
) -> Option<FileSummary> {
    let mut joined: Option<FileSummary> = None;
    let mut lines_before = 0;
    let mut counted_to = 0;
    for window in windows {
        lines_before += count_newlines(&text[counted_to..window.start]);
        counted_to = window.start;
        let mut source = String::with_capacity(lines_before + window.len());
        source.extend(std::iter::repeat_n('\n', lines_before));
        source.push_str(&text[window.clone()]);
        let parsed = syn::parse_file(&source).map(|ast| summarize(&ast, cx));
        // As for a whole file: proc-macro2's copy of this window's text is no longer needed.
        proc_macro2::extra::invalidate_current_thread_spans();
        let summary = parsed.ok()?;
        match &mut joined {
            Some(joined) => joined.append(summary),
            None => joined = Some(summary),
        }
    }
    // Copied once the trees are freed, as a whole file's summary is (see `parse_whole`): the
    // peak of a workspace of large files was 13 MB lower with the copy.
    let joined = joined?;
    Some(joined.clone())
}

fn count_newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_the_text_and_start_at_line_starts() {
        let text = "fn a() {}\nfn b() {} // b\nfn c() {}\n\nfn d() {}";
        let ends = super::super::mask::mask_bodies(text)
            .expect("lexable")
            .item_ends;
        assert_eq!(ends, [9, 19, 34, 45]);
        let windows = split(text, &ends, 1);
        // `b` is followed by a comment on its line: no cut after it.
        assert_eq!(windows, vec![0..10, 10..35, 35..45]);
        for w in &windows {
            assert!(w.start == 0 || text.as_bytes()[w.start - 1] == b'\n');
        }
        assert_eq!(split(text, &ends, 1000), vec![0..text.len()]);
        assert_eq!(split("", &[], 1), vec![0..0]);
    }

    /// Items of every kind the index reads, with inline modules (nested, and declared between
    /// uses), impls, local fns, documents and `mod` declarations in every window.
    const FILE: &str = r#"//! A module.
#![allow(dead_code)]
use axum::{routing::get, Router};
use crate::auth::RequireAuth;

pub mod files;
mod inline {
    use super::*;
    pub mod deeper {
        pub async fn deep(RequireAuth(u): RequireAuth) -> String { u.name }
    }
    pub fn router() -> Router { Router::new().route("/d", get(deeper::deep)) }
}
type Shared = std::sync::Arc<State>; const PREFIX: &str = "/v1";
pub struct Admin(pub User);
impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let RequireAuth(user) = RequireAuth::from_request_parts(parts, state).await?;
        Ok(Admin(user))
    }
}
use crate::late::*;
#[utoipa::path(get, path = "/a", security(("bearer" = [])))]
pub async fn a(Admin(u): Admin) -> String {
    fn local() -> u8 { 1 }
    u.name
}
#[derive(OpenApi)]
#[openapi(paths(a, inline::deeper::deep))]
pub struct ApiDoc;
#[cfg(test)]
mod tests { fn t() {} }
mod more {
    pub fn serve_it(app: Router) { axum::serve(listener, app.into_make_service()); }
}
impl Server { pub fn routes(&self) -> Router { Router::new().nest(PREFIX, inline::router()) } }
pub use self::more::serve_it as serve;
#[path = "other.rs"]
mod other;
pub async fn last() {}
"#;

    #[test]
    fn a_file_summarized_in_windows_is_the_file_summarized_whole() {
        let masked = super::super::mask::mask_bodies(FILE).expect("lexable");
        let text = if masked.masked_any {
            &masked.text
        } else {
            FILE
        };
        let dir = std::path::Path::new("src");
        let cx = FileContext {
            file: crate::source::FileId(3),
            child_dir: dir,
            file_dir: dir,
            top_name: "api".into(),
        };
        let whole = summarize(&syn::parse_file(text).expect("parses"), &cx);
        for max in [1, 40, 200, 600] {
            let windows = split(text, &masked.item_ends, max);
            let joined = summarize_in_windows(text, &windows, &cx).expect("every window parses");
            assert_eq!(
                format!("{joined:#?}"),
                format!("{whole:#?}"),
                "windows of {max} bytes"
            );
        }
        assert!(split(text, &masked.item_ends, 1).len() > 15);
    }

    #[test]
    fn a_window_that_does_not_parse_gives_no_summary() {
        let text = "fn a() {}\nfn b( {}\n";
        let cx = FileContext {
            file: crate::source::FileId(0),
            child_dir: std::path::Path::new("."),
            file_dir: std::path::Path::new("."),
            top_name: "m".into(),
        };
        assert!(summarize_in_windows(text, &[0..10, 10..text.len()], &cx).is_none());
    }
}
