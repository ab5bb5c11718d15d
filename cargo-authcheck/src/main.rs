//! The `cargo-authcheck` binary: cargo runs it as `cargo-authcheck authcheck ARGS`.

/// jemalloc: see its entry in Cargo.toml for why.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    cargo_authcheck::cli::main()
}
