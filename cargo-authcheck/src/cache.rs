//! The on-disk cache that makes a re-check after a small edit fast (ruff's cache is the model).
//!
//! It lives under the target directory (`target/authcheck/`), one file per selection of
//! packages, and holds:
//!
//! - per source file: its path, modification time, size and content hash, the context it was
//!   summarized in (its file id, module directory and name, the nesting limits), and its summary;
//!   a file whose time and size are unchanged, or whose content hash is, is not parsed again;
//!   a large file's summary is kept a window at a time, and after an edit only the windows whose
//!   text changed are parsed again (see `parse::windows`);
//! - the route table, with what its evaluation read: see `router::cached`;
//! - the sizes of the index, which the next run reserves at once.
//!
//! Layout: a data section holding the encoded summaries and the route table (decoded only when
//! used, copied as they are into the next cache), a directory (postcard) saying where each lies,
//! and a footer (magic, the tool's build, both lengths, a checksum of both). The next cache is
//! streamed to a temporary file as new summaries are made, so it is never held in memory, and
//! renamed over the old one at the end (or, after a small edit, appended to the loaded file). A
//! cache written by another build, truncated or corrupt is ignored and rebuilt, never trusted.
//! Nothing a user sees depends on whether the cache was used (the tests compare both).

use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::index::{Capacity, FileSummary, FnId};
use crate::parse::windows::KeptWindow;
use crate::router::{NameRead, RouteTable};
use crate::source::{FileId, SourceFile};

/// The first bytes of a cache file.
const MAGIC: &[u8; 8] = b"authchk\x02";

/// 128-bit content hash (xxh3).
pub type Hash = u128;

/// The hash of some bytes.
pub fn hash(bytes: &[u8]) -> Hash {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

/// The hash of lines `first..=last` (1-based) of a file (found through its line table: a file
/// with many fns read is not scanned from the top for each).
pub fn lines_hash(source: &SourceFile, first: usize, last: usize) -> Hash {
    let first = first.max(1);
    let start = source.line_range(first).start;
    let end = source.line_range(last.max(first)).end;
    hash(&source.text().as_bytes()[start..end.max(start)])
}

/// How a file looked on disk when it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub modified_ns: u128,
    pub size: u64,
}

impl Stamp {
    /// The stamp of a file from its metadata.
    pub fn from_metadata(meta: &std::fs::Metadata) -> Option<Stamp> {
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        Some(Stamp {
            modified_ns: modified.as_nanos(),
            size: meta.len(),
        })
    }
}

/// What is known of a cached file (its summary stays encoded in the data section).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedFile {
    pub stamp: Stamp,
    pub content: Hash,
    /// What else the summary depends on (see [`context_key`]).
    pub context: Hash,
    summary: Range<usize>,
    /// For a file summarized a window at a time: its windows (empty for a file parsed whole).
    windows: Vec<CachedWindow>,
}

/// A window of a file summarized in windows (see `parse::windows`), kept on its own so that an
/// edit parses again only the windows whose text changed. The file's summary bytes are its
/// windows' summaries in order, then a summary of what the whole text adds (its line count,
/// whether it holds an allow comment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CachedWindow {
    /// The hash of the window's text.
    text: Hash,
    /// The line breaks before it when it was parsed: its summary's lines count from there.
    lines_before: usize,
    /// The length of its encoded summary.
    len: usize,
}

/// A new summary encoded for the cache: whole, or a window at a time.
pub struct Encoded {
    bytes: Vec<u8>,
    windows: Vec<CachedWindow>,
}

impl Encoded {
    /// `summary` encoded; `windows` are its windows when it was parsed in windows.
    pub fn new(summary: &FileSummary, windows: Vec<KeptWindow>) -> Encoded {
        if windows.is_empty() {
            return Encoded {
                bytes: encode_summary(summary),
                windows: Vec::new(),
            };
        }
        let mut bytes = Vec::new();
        let mut cached = Vec::with_capacity(windows.len());
        for window in windows {
            cached.push(CachedWindow {
                text: window.text,
                lines_before: window.lines_before,
                len: window.summary.len(),
            });
            bytes.extend_from_slice(&window.summary);
        }
        let whole = FileSummary {
            lines: summary.lines,
            mentions_inline_allow: summary.mentions_inline_allow,
            ..FileSummary::default()
        };
        bytes.extend_from_slice(&encode_summary(&whole));
        Encoded {
            bytes,
            windows: cached,
        }
    }
}

/// The route table and what its evaluation read: the table owned when read from the cache, and
/// borrowed (`CachedRoutes<&RouteTable>`, encoded the same) when a run keeps its own.
#[derive(Debug, Serialize, Deserialize)]
pub struct CachedRoutes<T = RouteTable> {
    pub fingerprint: Hash,
    pub files_read: Vec<FileRead>,
    pub params_read: Vec<(FnId, Hash)>,
    pub names_read: Vec<(NameRead, Hash)>,
    pub table: T,
}

/// A file the route evaluation parsed: its content hash, and the line ranges of the fns it read
/// with their hashes (a file whose content changed elsewhere is still as it was read).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileRead {
    pub file: FileId,
    pub content: Hash,
    pub lines: Vec<(usize, usize, Hash)>,
}

/// What a run keeps of a file for the next one: the loaded entry (with the file's stamp now,
/// `restamped` when it moved), or a new summary.
pub enum Kept {
    Loaded {
        entry: CachedFile,
        restamped: bool,
    },
    New {
        stamp: Stamp,
        content: Hash,
        context: Hash,
        summary: Encoded,
    },
}

/// The route table a run keeps for the next one.
enum KeptRoutes {
    /// The loaded one, reused.
    Loaded,
    /// A table evaluated afresh, encoded.
    New(Vec<u8>),
}

/// The directory of a cache file: where each part lies in its data section.
#[derive(Default, Serialize, Deserialize)]
struct Directory {
    files: Vec<(PathBuf, CachedFile)>,
    routes: Option<Range<usize>>,
    /// The sizes of the index built from these files.
    capacity: Capacity,
}

/// The cache of one analysis: what was loaded, and what the run keeps for the next one.
#[derive(Default)]
pub struct Cache {
    /// Where it is read from and written to; `None` when caching is off.
    path: Option<PathBuf>,
    /// The loaded cache file, whole (its directory's ranges are offsets in it).
    data: Vec<u8>,
    /// By path, as the bytes it is spelled with (hashed and compared as bytes: `Path` does both
    /// a component at a time, and every file of every run is looked up).
    files: FxHashMap<std::ffi::OsString, CachedFile>,
    routes: Option<Range<usize>>,
    capacity: Capacity,
    /// Entries kept so far, in order, before the writer started.
    pending: Vec<(PathBuf, CachedFile)>,
    /// The next cache, once something in it differs from this one.
    writer: Option<Writer>,
    kept_routes: Option<KeptRoutes>,
    kept_capacity: Capacity,
    kept_files: usize,
    changed: bool,
}

impl CachedFile {
    /// The same entry, for the file as it is now (the same content under a new time stamp).
    pub fn restamped(&self, stamp: Stamp) -> CachedFile {
        CachedFile {
            stamp,
            ..self.clone()
        }
    }
}

impl Cache {
    /// No cache: nothing is read or written.
    pub fn disabled() -> Cache {
        Cache::default()
    }

    /// The cache file for `key` (the selection analysed) under `target_dir`; a missing,
    /// foreign or damaged file reads as empty.
    pub fn open(target_dir: &Path, key: &str) -> Cache {
        let path = target_dir
            .join("authcheck")
            .join(format!("cache-{:016x}.bin", hash(key.as_bytes()) as u64));
        let (directory, data) = std::fs::read(&path)
            .ok()
            .and_then(decode)
            .unwrap_or_default();
        Cache {
            path: Some(path),
            data,
            files: directory
                .files
                .into_iter()
                .map(|(path, file)| (path.into_os_string(), file))
                .collect(),
            routes: directory.routes,
            capacity: directory.capacity,
            ..Cache::default()
        }
    }

    pub fn enabled(&self) -> bool {
        self.path.is_some()
    }

    /// The cached entry of a file, if any.
    pub fn file(&self, path: &Path) -> Option<&CachedFile> {
        self.files.get(path.as_os_str())
    }

    /// Its summary (`None` if it does not decode: the file is parsed again).
    pub fn summary(&self, file: &CachedFile) -> Option<FileSummary> {
        let bytes = self.data.get(file.summary.clone())?;
        if file.windows.is_empty() {
            return decode_summary(bytes);
        }
        let mut at = 0;
        let mut part = |len: usize| {
            let part = decode_summary(bytes.get(at..at + len)?);
            at += len;
            part
        };
        let windows: Option<Vec<FileSummary>> = file.windows.iter().map(|w| part(w.len)).collect();
        let mut joined = FileSummary::join(windows?)?;
        let whole = decode_summary(bytes.get(at..)?)?;
        joined.lines = whole.lines;
        joined.mentions_inline_allow = whole.mentions_inline_allow;
        Some(joined)
    }

    /// The window of `file`'s summary whose text hashes to `text`: the line breaks before it
    /// when it was parsed, and its encoded summary.
    pub fn window(&self, file: &CachedFile, text: Hash) -> Option<(usize, &[u8])> {
        let mut at = file.summary.start;
        for window in &file.windows {
            if window.text == text {
                return Some((window.lines_before, self.data.get(at..at + window.len)?));
            }
            at += window.len;
        }
        None
    }

    /// Records a file's entry for the next run. New summaries go to the next cache file at once;
    /// entries kept as loaded wait until something differs (a run that changes nothing writes
    /// nothing).
    pub fn keep_file(&mut self, path: PathBuf, kept: Kept) {
        if self.path.is_none() {
            return;
        }
        self.kept_files += 1;
        match kept {
            Kept::Loaded { entry, restamped } => {
                self.changed |= restamped;
                match &mut self.writer {
                    Some(w) => w.loaded(path, &entry, &self.data),
                    None => self.pending.push((path, entry)),
                }
            }
            Kept::New {
                stamp,
                content,
                context,
                summary,
            } => {
                self.changed = true;
                if self.writer.is_none() {
                    self.start_writer();
                }
                let entry = CachedFile {
                    stamp,
                    content,
                    context,
                    summary: 0..0,
                    windows: summary.windows,
                };
                if let Some(w) = &mut self.writer {
                    w.new_summary(path, entry, &summary.bytes);
                }
            }
        }
    }

    /// Starts the next cache file: appended to the loaded one while most of that is still in
    /// use (a small edit writes a few summaries and a directory), else written afresh.
    fn start_writer(&mut self) {
        let Some(path) = &self.path else { return };
        let live: usize = self.files.values().map(|f| f.summary.len()).sum();
        let append = !self.data.is_empty() && self.data.len() <= 2 * live + (1 << 20);
        self.writer = if append {
            Writer::continuing(path, &self.data)
        } else {
            Writer::create(path)
        };
        if let Some(w) = &mut self.writer {
            for (path, entry) in self.pending.drain(..) {
                w.loaded(path, &entry, &self.data);
            }
        }
    }

    /// The sizes of the index the loaded cache was written with (zero without one).
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }

    /// Records the sizes of this run's index for the next run.
    pub fn keep_capacity(&mut self, capacity: Capacity) {
        self.kept_capacity = capacity;
    }

    /// The cached route table (the caller checks its fingerprint and what it read).
    pub fn routes(&self) -> Option<CachedRoutes> {
        let bytes = self.data.get(self.routes.clone()?)?;
        postcard::from_bytes::<CachedRoutes>(bytes).ok()
    }

    /// Records that the loaded route table was reused: the next run gets it as it is.
    pub fn keep_loaded_routes(&mut self) {
        if self.enabled() {
            self.kept_routes = Some(KeptRoutes::Loaded);
        }
    }

    /// Records a freshly evaluated route table for the next run.
    pub fn keep_routes(&mut self, routes: &CachedRoutes<&RouteTable>) {
        if self.enabled() {
            self.changed = true;
            self.kept_routes = postcard::to_allocvec(routes).ok().map(KeptRoutes::New);
        }
    }

    /// Writes what this run kept, when it differs from what was loaded (atomically: a reader
    /// never sees half a file). A cache that cannot be written is not an error.
    pub fn save(mut self) {
        let Some(path) = self.path.take() else { return };
        self.changed |= self.kept_files != self.files.len();
        if !self.changed {
            return;
        }
        if self.writer.is_none() {
            self.path = Some(path.clone());
            self.start_writer();
        }
        let Some(mut writer) = self.writer.take() else {
            return;
        };
        writer.directory.routes = match &self.kept_routes {
            Some(KeptRoutes::Loaded) => (self.routes.clone()).map(|r| writer.keep(r, &self.data)),
            Some(KeptRoutes::New(bytes)) => Some(writer.append(bytes)),
            None => None,
        };
        writer.directory.capacity = self.kept_capacity;
        writer.finish(&path);
    }
}

/// The next cache file being written: its data section so far and its directory.
struct Writer {
    /// The temporary file renamed into place at the end; `None` when appending in place.
    tmp: Option<PathBuf>,
    out: std::io::BufWriter<std::fs::File>,
    checksum: xxhash_rust::xxh3::Xxh3,
    len: usize,
    /// Appending to the loaded file: its summaries stay where they are.
    appending: bool,
    directory: Directory,
    failed: bool,
}

impl Writer {
    fn create(path: &Path) -> Option<Writer> {
        std::fs::create_dir_all(path.parent()?).ok()?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let file = std::fs::File::create(&tmp).ok()?;
        Some(Writer {
            tmp: Some(tmp),
            out: std::io::BufWriter::with_capacity(1 << 16, file),
            checksum: xxhash_rust::xxh3::Xxh3::new(),
            len: 0,
            appending: false,
            directory: Directory::default(),
            failed: false,
        })
    }

    /// Continues the loaded file `data` in place: what follows it (new summaries, a directory,
    /// a footer) makes a new cache file whose data section is everything before the directory.
    /// A run interrupted half-way leaves a file whose checksum fails: it is rebuilt.
    fn continuing(path: &Path, data: &[u8]) -> Option<Writer> {
        let file = std::fs::OpenOptions::new().append(true).open(path).ok()?;
        if file.metadata().ok()?.len() != data.len() as u64 {
            return None;
        }
        let mut checksum = xxhash_rust::xxh3::Xxh3::new();
        checksum.update(data);
        Some(Writer {
            tmp: None,
            out: std::io::BufWriter::with_capacity(1 << 16, file),
            checksum,
            len: data.len(),
            appending: true,
            directory: Directory::default(),
            failed: false,
        })
    }

    /// Appends bytes to the data section; where they lie.
    fn append(&mut self, bytes: &[u8]) -> Range<usize> {
        self.failed |= self.out.write_all(bytes).is_err();
        self.checksum.update(bytes);
        let start = self.len;
        self.len += bytes.len();
        start..self.len
    }

    /// Adds a loaded file's entry; its summary is `entry.summary` of the loaded file `loaded`
    /// (copied, unless this writer continues that file).
    fn loaded(&mut self, path: PathBuf, entry: &CachedFile, loaded: &[u8]) {
        let summary = self.keep(entry.summary.clone(), loaded);
        self.directory.files.push((
            path,
            CachedFile {
                summary,
                ..entry.clone()
            },
        ));
    }

    /// Where the bytes at `range` of the loaded file `loaded` lie in this one: where they are,
    /// when this writer continues that file, else copied.
    fn keep(&mut self, range: Range<usize>, loaded: &[u8]) -> Range<usize> {
        if self.appending {
            range
        } else {
            self.append(&loaded[range])
        }
    }

    /// Adds a file's entry with a new summary.
    fn new_summary(&mut self, path: PathBuf, entry: CachedFile, summary: &[u8]) {
        let summary = self.append(summary);
        self.directory
            .files
            .push((path, CachedFile { summary, ..entry }));
    }

    /// Finishes the file (directory, footer) and puts it in place.
    fn finish(mut self, path: &Path) {
        let finished = postcard::to_allocvec(&self.directory).ok().and_then(|dir| {
            self.checksum.update(&dir);
            let footer = footer(dir.len(), self.len, self.checksum.digest128());
            self.out.write_all(&dir).ok()?;
            self.out.write_all(&footer).ok()?;
            self.out.flush().ok()
        });
        let Some(tmp) = &self.tmp else { return };
        if finished.is_none() || self.failed || std::fs::rename(tmp, path).is_err() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Which build of the tool wrote a cache: its version, and the size and modification time of its
/// executable, so that a rebuilt tool (whose summaries may have another layout under the same
/// version number) never reads an older build's cache.
fn tool_identity() -> &'static [u8] {
    static IDENTITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let build = std::env::current_exe()
                .and_then(std::fs::metadata)
                .ok()
                .and_then(|m| Stamp::from_metadata(&m))
                .map_or_else(
                    || "unknown".to_string(),
                    |s| format!("{}/{}", s.size, s.modified_ns),
                );
            format!("{} {build}", env!("CARGO_PKG_VERSION"))
        })
        .as_bytes()
}

/// The end of a cache file: magic, tool identity, the lengths of the directory and the data, and
/// a checksum of both; its own length last.
fn footer(directory: usize, data: usize, checksum: Hash) -> Vec<u8> {
    let mut f = MAGIC.to_vec();
    f.extend_from_slice(tool_identity());
    f.extend_from_slice(&(directory as u64).to_le_bytes());
    f.extend_from_slice(&(data as u64).to_le_bytes());
    f.extend_from_slice(&checksum.to_le_bytes());
    let len = f.len() as u8 + 1;
    f.push(len);
    f
}

/// The directory of a cache file and the file itself (the directory's ranges are offsets in it),
/// unless it is from another version, truncated or damaged.
fn decode(bytes: Vec<u8>) -> Option<(Directory, Vec<u8>)> {
    let footer_len = *bytes.last()? as usize;
    let footer_start = bytes.len().checked_sub(footer_len)?;
    // A length byte of 0 (a truncated file can end anywhere) makes this range empty-reversed.
    let rest = bytes
        .get(footer_start..bytes.len() - 1)?
        .strip_prefix(MAGIC)?;
    let rest = rest.strip_prefix(tool_identity())?;
    if rest.len() != 8 + 8 + 16 {
        return None;
    }
    let directory_len = u64::from_le_bytes(rest[..8].try_into().ok()?) as usize;
    let data_len = u64::from_le_bytes(rest[8..16].try_into().ok()?) as usize;
    let checksum = u128::from_le_bytes(rest[16..].try_into().ok()?);
    if footer_start != data_len.checked_add(directory_len)?
        || hash(&bytes[..footer_start]) != checksum
    {
        return None;
    }
    let directory: Directory = postcard::from_bytes(&bytes[data_len..footer_start]).ok()?;
    Some((directory, bytes))
}

/// Encodes a summary for the cache.
pub fn encode_summary(summary: &FileSummary) -> Vec<u8> {
    postcard::to_allocvec(summary).unwrap_or_default()
}

/// Decodes a summary [`encode_summary`] wrote (`None` for bytes that do not decode).
pub fn decode_summary(bytes: &[u8]) -> Option<FileSummary> {
    postcard::from_bytes(bytes).ok()
}

/// What a file's summary depends on besides its text: its id (every location carries it), the
/// directory and name of its module, and the nesting limits it was parsed under.
pub fn context_key(
    file: FileId,
    child_dir: &Path,
    top_name: &str,
    limits: impl std::hash::Hash,
) -> Hash {
    use std::hash::Hash as _;
    // Streamed into the hash: this is worked out for every file of every run.
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    file.0.hash(&mut h);
    // As bytes: `Path` hashes a component at a time.
    child_dir.as_os_str().hash(&mut h);
    top_name.hash(&mut h);
    limits.hash(&mut h);
    h.digest128()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_with(directory: &Directory, data: &[u8]) -> Vec<u8> {
        let directory = postcard::to_allocvec(directory).unwrap();
        let mut bytes = data.to_vec();
        bytes.extend_from_slice(&directory);
        let checksum = hash(&bytes);
        bytes.extend_from_slice(&footer(directory.len(), data.len(), checksum));
        bytes
    }

    #[test]
    fn damaged_or_foreign_files_read_as_empty() {
        let good = file_with(&Directory::default(), b"data");
        assert!(decode(good.clone()).is_some());
        assert!(
            decode(good[..good.len() - 1].to_vec()).is_none(),
            "truncated"
        );
        let mut flipped = good.clone();
        flipped[0] ^= 1;
        assert!(decode(flipped).is_none(), "corrupt");
        let mut foreign = good.clone();
        let version_at = good.len() - good[good.len() - 1] as usize + MAGIC.len();
        foreign[version_at] ^= 0x20;
        assert!(decode(foreign).is_none(), "another version");
        assert!(decode(b"garbage".to_vec()).is_none());
        assert!(decode(Vec::new()).is_none());
    }

    #[test]
    fn lines_are_hashed_by_number() {
        let mut sources = crate::source::SourceMap::default();
        let mut lines_hash = |text: &str, first, last| {
            let id = sources.add("a.rs".into(), Path::new(""), text.to_string());
            super::lines_hash(sources.get(id), first, last)
        };
        let text = "a\nb\nc\nd\n";
        assert_eq!(lines_hash(text, 2, 3), lines_hash("x\nb\nc\ny\n", 2, 3));
        assert_ne!(lines_hash(text, 2, 3), lines_hash("b\nc\n", 2, 3));
    }
}
