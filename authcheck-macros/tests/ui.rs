//! Compile-time behaviour of `#[protected]` and `#[public]`: the pass cases must compile (and
//! run), the fail cases must fail with exactly the `.stderr` next to them.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p authcheck-macros --test ui`
//! and read every one of them: they are what a user sees.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
