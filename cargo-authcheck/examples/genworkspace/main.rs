//! Writes a synthetic axum workspace of a given shape and about `--lines` lines for
//! `scripts/bench`, together with the exact answer `cargo authcheck` must give on it; and checks
//! a `routes --format json` output against that answer.
//!
//! ```text
//! cargo run --release -p cargo-authcheck --example genworkspace -- --shape domain --lines 1000000 --out DIR
//! cargo run --release -p cargo-authcheck --example genworkspace -- verify DIR/expected.json ROUTES.json
//! ```
//!
//! Shapes (`shapes/`): `domain` (most lines in domain code, routers in `api/`), `router-heavy`
//! (a fifth of the bytes in router and handler files), `many-members` (50+ small members),
//! `huge-files` (few files, several of tens of thousands of lines). Every shape mixes the
//! protections the tool must tell apart: the `RequireAuth` extractor, the `AdminUser` wrapper,
//! the `require_auth` layer, and routes left unprotected on purpose. The output depends only on
//! the shape and `--lines` (a fixed-seed PRNG). Besides the workspace, `DIR` gets the answer
//! (`expected.json`) and the one-file edit of the warm benchmark (`edit/`): see `workspace.rs`.

mod api;
mod domain;
mod rng;
mod shapes;
mod verify;
mod workspace;

use std::path::{Path, PathBuf};

use rng::Rng;
use workspace::Workspace;

const USAGE: &str = "usage: genworkspace [--shape domain|router-heavy|many-members|huge-files] [--lines N] --out DIR\n       genworkspace verify EXPECTED.json ROUTES.json";

/// Writes a shape's workspace of about N lines.
type Generate = fn(&mut Workspace, &mut Rng, usize);

/// The shapes, in the order of their seeds.
const SHAPES: &[(&str, Generate)] = &[
    ("domain", shapes::domain::generate),
    ("router-heavy", shapes::router_heavy::generate),
    ("many-members", shapes::many_members::generate),
    ("huge-files", shapes::huge_files::generate),
];

/// Prints an error and exits with status 2.
fn fail(message: &str) -> ! {
    eprintln!("genworkspace: {message}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("verify") {
        let [_, expected, routes] = args.as_slice() else {
            fail(USAGE);
        };
        match verify::run(Path::new(expected), Path::new(routes)) {
            Ok(exact) => std::process::exit(if exact { 0 } else { 1 }),
            Err(e) => fail(&e),
        }
    }
    let mut shape = "domain".to_string();
    let mut lines = 100_000usize;
    let mut out_dir: Option<PathBuf> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value) {
            ("--shape", Some(v)) => shape = v,
            ("--lines", Some(v)) => {
                lines = v
                    .parse()
                    .unwrap_or_else(|_| fail(&format!("--lines {v}: not a number\n{USAGE}")))
            }
            ("--out", Some(v)) => out_dir = Some(PathBuf::from(v)),
            _ => fail(&format!("unexpected argument {arg}\n{USAGE}")),
        }
    }
    let Some(root) = out_dir else {
        fail(&format!("--out DIR is required\n{USAGE}"));
    };
    let Some(index) = SHAPES.iter().position(|(name, _)| *name == shape) else {
        fail(&format!("unknown shape {shape}\n{USAGE}"));
    };
    let (name, generate) = SHAPES[index];
    // The `domain` seed is the one the generator always had, so that shape is unchanged.
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ lines as u64 ^ ((index as u64) << 56));
    let mut ws = Workspace::new(root, name);
    generate(&mut ws, &mut rng, lines);
    ws.finish();
}
