//! The `cargo-authcheck` binary: cargo runs it as `cargo-authcheck authcheck ARGS`.

fn main() -> std::process::ExitCode {
    cargo_authcheck::cli::main()
}
