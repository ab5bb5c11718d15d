//! The benchmark's baseline (`parse_baseline`) with the allocator `cargo-authcheck` ships: jemalloc,
//! with the options `.cargo/config.toml` builds it with. `scripts/bench` reports the check against
//! it too, so that what the allocator alone buys (it speeds `syn` up as well) is not taken for work
//! the check saves.
//!
//! ```text
//! cargo run --release -p cargo-authcheck --example parse_baseline_jemalloc -- DIR
//! ```

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[path = "parse_baseline.rs"]
mod baseline;

fn main() {
    baseline::main();
}
