//! The nesting budget (`parse::budget`) is an upper bound of the stack the parse really needs.
//!
//! For every shape of nesting, alone and in random combinations, the deepest input that the
//! budget of a 2 MiB thread accepts is parsed in full by `syn`, summarized and dropped on a
//! 2 MiB thread. In a debug build (where frames are largest) a shape that needs more stack than
//! its estimate overflows and aborts this test binary; the same happens on every machine, since
//! nothing here depends on what the machine holds.

use std::path::Path;

use cargo_authcheck::index::extract::{summarize, FileContext};
use cargo_authcheck::parse::budget::too_deep;
use cargo_authcheck::parse::Limits;
use proptest::prelude::*;

const SMALL_STACK: usize = 2 << 20;
const SMALL: Limits = Limits::for_stack(SMALL_STACK);

/// A shape of nesting: `HOLE` in `template` becomes `open` x depth, `hole`, `close` x depth.
struct Shape {
    name: &'static str,
    template: &'static str,
    open: &'static str,
    close: &'static str,
    hole: &'static str,
}

const EXPR: &str = "pub fn f() { let _ = HOLE; }\n";
const TYPE: &str = "pub type T<'a> = HOLE;\n";
const PAT: &str = "pub fn f() { let HOLE = 1; }\n";

const fn shape(
    name: &'static str,
    template: &'static str,
    open: &'static str,
    close: &'static str,
    hole: &'static str,
) -> Shape {
    Shape {
        name,
        template,
        open,
        close,
        hole,
    }
}

const SHAPES: &[Shape] = &[
    shape("parentheses", EXPR, "(", ")", "1"),
    shape("blocks", EXPR, "{ ", " }", "1"),
    shape("arrays", EXPR, "[", "]", "1"),
    shape("calls", EXPR, "g(", ")", "1"),
    shape("method arguments", EXPR, "x.m(", ")", "1"),
    shape("struct literals", EXPR, "S { a: ", " }", "1"),
    shape("matches", EXPR, "match x { _ => ", " }", "1"),
    shape("ifs", EXPR, "if a { ", " } else { 1 }", "1"),
    shape("else ifs", EXPR, "if a { 1 } else ", "", "{ 1 }"),
    shape("loops", EXPR, "loop { ", " }", "1"),
    shape("async blocks", EXPR, "async move { ", " }", "1"),
    shape("closures", EXPR, "|| ", "", "1"),
    shape("closures with parameters", EXPR, "|a, b| ", "", "1"),
    shape("closure blocks", EXPR, "|| { ", " }", "1"),
    shape("negations", EXPR, "!", "", "a"),
    shape("minus", EXPR, "-", "", "1"),
    shape("derefs", EXPR, "*", "", "x"),
    shape("references", EXPR, "&", "", "x"),
    shape("mutable references", EXPR, "&mut ", "", "x"),
    shape("returns", EXPR, "return ", "", "1"),
    shape("assignments", EXPR, "a = ", "", "1"),
    shape("compound assignments", EXPR, "a += ", "", "1"),
    shape("sums", EXPR, "1 + ", "", "1"),
    shape("conjunctions", EXPR, "a && ", "", "a"),
    shape("method chains", EXPR, "", ".m()", "x"),
    shape("fields", EXPR, "", ".a", "x"),
    shape("tries", EXPR, "", "?", "x"),
    shape("casts", EXPR, "", " as u8", "x"),
    shape("awaits", EXPR, "", ".await", "x"),
    shape("tuples", EXPR, "(", ",)", "1"),
    shape(
        "turbofish",
        "pub fn f() { g::<HOLE>(); }\n",
        "Vec<",
        ">",
        "u8",
    ),
    shape("macro arguments", EXPR, "m!(", ")", "1"),
    shape("generic types", TYPE, "Vec<", ">", "u8"),
    shape("typenum", TYPE, "UInt<", ", B1>", "UTerm"),
    shape("reference types", TYPE, "&", "", "u8"),
    shape("lifetime reference types", TYPE, "&'a ", "", "u8"),
    shape("mutable reference types", TYPE, "&mut ", "", "u8"),
    shape("pointer types", TYPE, "*const ", "", "u8"),
    shape("slice types", TYPE, "[", "]", "u8"),
    shape("array types", TYPE, "[", "; 4]", "u8"),
    shape("tuple types", TYPE, "(", ",)", "u8"),
    shape("fn pointer types", TYPE, "fn() -> ", "", "u8"),
    shape("boxed closure types", TYPE, "Box<dyn Fn() -> ", ">", "u8"),
    shape("impl trait types", TYPE, "impl Fn() -> ", "", "u8"),
    shape("qualified paths", TYPE, "<", " as Tr>::A", "u8"),
    shape(
        "parameter types",
        "pub fn f(x: HOLE) {}\n",
        "Vec<",
        ">",
        "u8",
    ),
    shape("tuple patterns", PAT, "(", ",)", "x"),
    shape("reference patterns", PAT, "&", "", "x"),
    shape("struct patterns", PAT, "S { a: ", " }", "x"),
    shape("binding patterns", PAT, "a @ ", "", "x"),
    shape("modules", "HOLE\n", "mod a { ", " }", ""),
    shape("nested fns", "pub fn f() { HOLE }\n", "fn g() { ", " }", ""),
    shape(
        "nested impls",
        "pub fn f() { HOLE }\n",
        "impl S { fn g() { ",
        " } }",
        "",
    ),
    shape("attributes", "#[a(HOLE)] pub fn f() {}\n", "(", ")", ""),
];

fn text(template: &str, open: &str, close: &str, hole: &str, depth: usize) -> String {
    let nested = format!("{}{hole}{}", open.repeat(depth), close.repeat(depth));
    template.replace("HOLE", &nested)
}

/// The largest depth whose text the budget accepts (the budget grows with depth).
fn deepest_accepted(make: impl Fn(usize) -> String) -> usize {
    let accepted = |d: usize| too_deep(&make(d), SMALL).is_none();
    let mut hi = 1;
    while accepted(hi) {
        hi *= 2;
        assert!(hi < 1 << 22, "the budget never rejects this shape");
    }
    let mut lo = hi / 2;
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if accepted(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Parses `text` in full, summarizes and drops it on a 2 MiB thread: whether `syn` accepted it.
/// A stack overflow aborts the test binary.
fn parses_on_small_thread(text: String) -> bool {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let Ok(ast) = syn::parse_file(&text) else {
                return false;
            };
            let cx = FileContext {
                file: Default::default(),
                child_dir: Path::new("."),
                file_dir: Path::new("."),
                top_name: "t".into(),
            };
            let summary = summarize(&ast, &cx);
            drop(ast);
            drop(summary);
            true
        })
        .expect("a thread")
        .join()
        .expect("no panic")
}

#[test]
fn the_deepest_accepted_input_of_every_shape_fits_a_small_stack() {
    for s in SHAPES {
        let make = |d| text(s.template, s.open, s.close, s.hole, d);
        let depth = deepest_accepted(make);
        println!("{}: {depth} levels", s.name);
        assert!(depth >= 4, "{}: only {depth} levels accepted", s.name);
        // The input is valid Rust, so the parse really went as deep as the budget allows.
        assert!(
            parses_on_small_thread(make(depth)),
            "{}: `syn` rejects the shape itself",
            s.name
        );
    }
}

/// Expression wrappers that compose with each other (`open` + inner + `close` is an expression).
const EXPR_WRAPPERS: &[(&str, &str)] = &[
    ("(", ")"),
    ("{ ", " }"),
    ("[", "]"),
    ("g(", ")"),
    ("x.m(", ")"),
    ("S { a: ", " }"),
    ("match x { _ => ", " }"),
    ("if a { ", " } else { 1 }"),
    ("|| ", ""),
    ("|a, b| ", ""),
    ("!", ""),
    ("-", ""),
    ("*", ""),
    ("&", ""),
    ("return ", ""),
    ("a = ", ""),
    ("1 + ", ""),
    ("", ".m()"),
    ("", "?"),
    ("(", ",)"),
    ("loop { ", " }"),
];

/// Type wrappers that compose with each other.
const TYPE_WRAPPERS: &[(&str, &str)] = &[
    ("Vec<", ">"),
    ("HashMap<u8, ", ">"),
    ("&", ""),
    ("&'a ", ""),
    ("*const ", ""),
    ("[", "]"),
    ("(", ",)"),
    ("fn() -> ", ""),
    ("Box<dyn Fn() -> ", ">"),
    ("<", " as Tr>::A"),
];

/// A repeated combination of wrappers, as deep as the budget accepts, fits a small stack too.
fn check_combination(wrappers: &[(&str, &str)], picks: &[usize], template: &str, hole: &str) {
    let open: String = picks.iter().map(|&p| wrappers[p].0).collect();
    let close: String = picks.iter().rev().map(|&p| wrappers[p].1).collect();
    let make = |d| text(template, &open, &close, hole, d);
    let depth = deepest_accepted(make);
    println!("{open}{close}: {depth} levels");
    parses_on_small_thread(make(depth));
}

/// Found by the sweep below on a random seed: the `,` in `HashMap<u8, ..>` was taken to end the
/// `fn() ->` return types around it, and 16 levels overflowed a 2 MiB stack.
#[test]
fn return_types_around_generic_arguments_fit_a_small_stack() {
    check_combination(TYPE_WRAPPERS, &[7, 7, 1, 2], TYPE, "u8");
}

proptest! {
    // A fixed seed: the same combinations on every machine and run (a failure reproduces).
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x5eed_b0d9e7),
        ..ProptestConfig::default()
    })]

    #[test]
    fn combined_expression_nesting_fits_a_small_stack(
        picks in prop::collection::vec(0..EXPR_WRAPPERS.len(), 1..5),
    ) {
        check_combination(EXPR_WRAPPERS, &picks, EXPR, "1");
    }

    #[test]
    fn combined_type_nesting_fits_a_small_stack(
        picks in prop::collection::vec(0..TYPE_WRAPPERS.len(), 1..5),
    ) {
        check_combination(TYPE_WRAPPERS, &picks, TYPE, "u8");
    }
}
