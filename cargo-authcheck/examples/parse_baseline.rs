//! The benchmark's baseline: a plain parallel `syn::parse_file` of every `.rs` file under a
//! directory (std recursion, rayon), with nothing else done. `scripts/bench` runs it next to
//! `cargo authcheck check` on the same workspace, and again with the allocator the tool ships
//! (`parse_baseline_jemalloc`).
//!
//! ```text
//! cargo run --release -p cargo-authcheck --example parse_baseline -- DIR
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "target" || n == ".git")
            {
                continue;
            }
            collect(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

pub fn main() {
    let dir = std::env::args().nth(1).expect("usage: parse_baseline DIR");
    let start = Instant::now();
    let mut files = Vec::new();
    collect(Path::new(&dir), &mut files);
    files.sort();
    let (lines, bytes, errors) = files
        .par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let ok = syn::parse_file(&text).is_ok();
            (text.lines().count(), text.len(), usize::from(!ok))
        })
        .reduce(|| (0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    println!(
        "files={} lines={lines} bytes={bytes} errors={errors} seconds={:.3}",
        files.len(),
        start.elapsed().as_secs_f64()
    );
}
