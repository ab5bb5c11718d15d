//! `cargo authcheck init`: writes a starter `authcheck.toml` (see [`crate::init`]).

use std::path::PathBuf;

use clap::Args;

use super::load;
use crate::analysis::Options;
use crate::config::CONFIG_FILE;
use crate::discover::Selection;
use crate::init;

#[derive(Args, Debug, Clone)]
pub(super) struct InitArgs {
    /// Path to Cargo.toml of the workspace
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Where to write (default: authcheck.toml at the workspace root)
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite an existing file
    #[arg(long)]
    force: bool,
}

pub(super) fn run(args: &InitArgs) -> u8 {
    match write_starter(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn write_starter(args: &InitArgs) -> std::io::Result<u8> {
    let scratch = tempfile::tempdir()?;
    // First with the built-in defaults (whatever configuration exists is not what is detected).
    let defaults = scratch.path().join("defaults.toml");
    std::fs::write(&defaults, "")?;
    let options = |config: PathBuf| Options {
        selection: Selection {
            manifest_path: args.manifest_path.clone(),
            packages: Vec::new(),
            workspace: true,
        },
        config: Some(config),
        no_cache: false,
    };
    let analysis = match load(&options(defaults)) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| analysis.workspace.root.join(CONFIG_FILE));
    if output.exists() && !args.force {
        eprintln!(
            "error: {} already exists; pass --force to overwrite it",
            output.display()
        );
        return Ok(2);
    }
    let detected = init::detect(&analysis);
    let mut text = init::render(&detected);
    // Then with what was detected: the routes still unprotected get `[[allow]]` entries.
    let starter = scratch.path().join(CONFIG_FILE);
    std::fs::write(&starter, &text)?;
    let analysis = match load(&options(starter)) {
        Ok(a) => a,
        Err(code) => return Ok(code),
    };
    let allows = init::allow_entries(&analysis);
    text.push_str(&allows);
    std::fs::write(&output, &text)?;
    let active = detected.extractors.iter().filter(|e| e.active).count();
    let to_review = allows.matches("[[allow]]").count();
    eprintln!(
        "authcheck: wrote {}: {active} extractor{}, {} layer{}, {} scheme{}; {to_review} unprotected route{} to protect or explain (empty reasons are rejected until filled in)",
        output.display(),
        plural(active),
        detected.layers.len(),
        plural(detected.layers.len()),
        detected.schemes.len(),
        plural(detected.schemes.len()),
        plural(to_review)
    );
    Ok(0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
