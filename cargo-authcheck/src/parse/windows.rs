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

use crate::cache::Hash;
use crate::index::extract::{summarize, FileContext};
use crate::index::FileSummary;

/// Files larger than this are parsed in windows of about this size on average ([`split`]).
/// Against 256 KiB windows, a generated workspace of 1.6 MB files (1M lines, 4 interleaved runs)
/// was checked 13% faster with a peak 3 to 10 MB lower: smaller trees, and less of them on both
/// threads at once.
pub const WINDOW_BYTES: usize = 64 << 10;

/// Where to cut `text` into windows of about `target` bytes on average: after a top-level item
/// (`item_ends`, ascending) followed by nothing but spaces up to its line break. The ranges
/// cover the text; one range when it cannot be cut.
///
/// Whether the text is cut after an item depends on that item's text alone (a hash of it, with
/// odds of the item's share of `target`), not on where the window started: an edit moves the
/// cuts of the window it is in, and every later window is the same text as before, which the
/// cache takes from the previous parse ([`Memo`]). A window is at least an eighth of `target`
/// and at most about four times it (past that, the next item ends it).
pub fn split(text: &str, item_ends: &[usize], target: usize) -> Vec<Range<usize>> {
    let mut windows = Vec::new();
    let mut start = 0;
    let mut item_start = 0;
    for &end in item_ends {
        if end < item_start {
            continue;
        }
        let item = &text.as_bytes()[item_start..end];
        item_start = end;
        let size = end - start;
        let chosen = (xxhash_rust::xxh3::xxh3_64(item) % target.max(1) as u64) < item.len() as u64;
        if size < target / 8 || !(chosen || size >= 4 * target) {
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

/// The cache's part in a windowed parse: the windows of the file's previous parse, found by
/// the hash of their text ([`crate::cache::Cache::window`]), and this parse's windows, encoded
/// for the next run. After an edit, only the windows whose text changed are parsed again.
pub struct Memo<'a> {
    /// A window of the previous parse with this text.
    pub earlier: Box<dyn Fn(Hash) -> Option<EarlierWindow<'a>> + 'a>,
    /// This parse's windows, in order (empty unless the file was parsed in windows).
    pub kept: Vec<KeptWindow>,
}

/// A window of a file's previous parse: the line breaks before it then, and its encoded summary.
pub type EarlierWindow<'a> = (usize, &'a [u8]);

/// A window of a file's parse as the cache keeps it.
pub struct KeptWindow {
    /// The hash of the window's text.
    pub text: Hash,
    /// The line breaks before it in the file: its summary's lines count from there.
    pub lines_before: usize,
    /// Its summary, encoded.
    pub summary: Vec<u8>,
}

/// The summary of `text` parsed window by window (see [`split`]), or `None` when a window does
/// not parse (the caller parses the whole file, for the error a whole parse reports). With a
/// `memo`, a window the previous parse had is taken from it (its lines moved to where the
/// window now starts), and every window is kept for the next run.
pub fn summarize_in_windows(
    text: &str,
    windows: &[Range<usize>],
    cx: &FileContext,
    mut memo: Option<&mut Memo>,
) -> Option<FileSummary> {
    let mut summaries = Vec::with_capacity(windows.len());
    let mut kept = Vec::new();
    let mut lines_before = 0;
    let mut counted_to = 0;
    for window in windows {
        lines_before +=
            memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..window.start]).count();
        counted_to = window.start;
        let window_text = &text[window.clone()];
        let text_hash = memo
            .as_ref()
            .map(|_| crate::cache::hash(window_text.as_bytes()));
        let earlier = memo
            .as_ref()
            .zip(text_hash)
            .and_then(|(memo, hash)| (memo.earlier)(hash))
            .and_then(|(then, bytes)| Some((then, bytes, crate::cache::decode_summary(bytes)?)));
        let (summary, encoded) = match earlier {
            // Where it was: kept as the cache holds it.
            Some((then, bytes, summary)) if then == lines_before => (summary, Some(bytes.to_vec())),
            Some((then, _, mut summary)) => {
                summary.shift_lines(lines_before as i64 - then as i64);
                (summary, None)
            }
            None => (parse_window(window_text, lines_before, cx)?, None),
        };
        if let Some(hash) = text_hash {
            kept.push(KeptWindow {
                text: hash,
                lines_before,
                summary: encoded.unwrap_or_else(|| crate::cache::encode_summary(&summary)),
            });
        }
        summaries.push(summary);
    }
    if let Some(memo) = memo.as_mut() {
        memo.kept = kept;
    }
    // Copied once the trees are freed, as a whole file's summary is (see `parse_whole`): the
    // peak of a workspace of large files was 13 MB lower with the copy.
    let joined = FileSummary::join(summaries)?;
    Some(joined.clone())
}

/// The summary of one window, parsed after as many line breaks as precede it in its file (so
/// that its lines are the file's).
fn parse_window(window: &str, lines_before: usize, cx: &FileContext) -> Option<FileSummary> {
    let mut source = String::with_capacity(lines_before + window.len());
    source.extend(std::iter::repeat_n('\n', lines_before));
    source.push_str(window);
    let parsed = syn::parse_file(&source).map(|ast| summarize(&ast, cx));
    // As for a whole file: proc-macro2's copy of this window's text is no longer needed.
    proc_macro2::extra::invalidate_current_thread_spans();
    parsed.ok()
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
mod attributed {
    #![allow(unused)]
    #[public(reason = "a probe")]
    pub async fn health() {}
    #[protected]
    pub async fn me(RequireAuth(u): RequireAuth) {}
}
mod more {
    pub fn serve_it(app: Router) { axum::serve(listener, app.into_make_service()); }
}
impl Server { pub fn routes(&self) -> Router { Router::new().nest(PREFIX, inline::router()) } }
pub use self::more::serve_it as serve;
#[path = "other.rs"]
mod other;
pub async fn last() {}
"#;

    fn context() -> FileContext<'static> {
        let dir = std::path::Path::new("src");
        FileContext {
            file: crate::source::FileId(3),
            child_dir: dir,
            file_dir: dir,
            top_name: "api".into(),
        }
    }

    /// The text `syn` is given for `file` (its bodies masked), with the ends of its items.
    fn masked(file: &str) -> (String, Vec<usize>) {
        let masked = super::super::mask::mask_bodies(file).expect("lexable");
        let text = if masked.masked_any {
            masked.text
        } else {
            file.to_string()
        };
        (text, masked.item_ends)
    }

    #[test]
    fn a_file_summarized_in_windows_is_the_file_summarized_whole() {
        let (text, item_ends) = masked(FILE);
        let cx = context();
        let whole = summarize(&syn::parse_file(&text).expect("parses"), &cx);
        for max in [1, 40, 200, 600] {
            let windows = split(&text, &item_ends, max);
            let joined =
                summarize_in_windows(&text, &windows, &cx, None).expect("every window parses");
            assert_eq!(
                format!("{joined:#?}"),
                format!("{whole:#?}"),
                "windows of {max} bytes"
            );
        }
        assert!(split(&text, &item_ends, 1).len() > 15);
    }

    #[test]
    fn windows_of_an_earlier_parse_are_reused_where_their_text_moved() {
        let cx = context();
        let mut memo = Memo {
            earlier: Box::new(|_| None),
            kept: Vec::new(),
        };
        let (before, before_ends) = masked(FILE);
        let windows = split(&before, &before_ends, 40);
        summarize_in_windows(&before, &windows, &cx, Some(&mut memo)).expect("parses");
        let earlier = std::mem::take(&mut memo.kept);
        assert_eq!(earlier.len(), windows.len());

        // Lines added near the top and one removed further down: the windows after the first
        // are the same text at other lines.
        let edited =
            FILE.replacen("\n", "\n// one\n// two\n", 1)
                .replacen("mod more {\n", "mod more {", 1);
        let (after, after_ends) = masked(&edited);
        let reused = std::cell::Cell::new(0);
        let mut memo = Memo {
            earlier: Box::new(|text| {
                let window = earlier.iter().find(|w| w.text == text)?;
                reused.set(reused.get() + 1);
                Some((window.lines_before, window.summary.as_slice()))
            }),
            kept: Vec::new(),
        };
        let windows = split(&after, &after_ends, 40);
        let joined = summarize_in_windows(&after, &windows, &cx, Some(&mut memo)).expect("parses");
        let whole = summarize(&syn::parse_file(&after).expect("parses"), &cx);
        assert_eq!(format!("{joined:#?}"), format!("{whole:#?}"));
        assert!(
            reused.get() + 3 >= windows.len(),
            "{} of {} windows reused",
            reused.get(),
            windows.len()
        );
        assert_eq!(memo.kept.len(), windows.len());
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
        assert!(summarize_in_windows(text, &[0..10, 10..text.len()], &cx, None).is_none());
    }
}
