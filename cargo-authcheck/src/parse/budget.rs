//! How deeply a file may nest before `syn` (a recursive-descent parser) and the recursive passes
//! over its tree (the summary, visitors, the router evaluator, dropping the tree) would exhaust
//! the stack of the thread they run on.
//!
//! The lexer walks the file once, before any recursive code sees it, keeping for every open
//! bracket what nests inside it: generic arguments not yet closed, prefix operators (`!x`, `&T`,
//! `-> T`, closures, `a = b`) and chained operators (`a + b`, `.method()`, `?`, `else if`) since
//! the last `,`, `;` or statement end. From these it estimates the stack that the deepest point
//! of the file needs, with the per-construct costs below, and reports the first point whose
//! estimate exceeds the budget: the file is then a `parse-error` there, and nothing recursive
//! touches it.
//!
//! The costs are the most that one level of each construct takes in a debug build of `syn` 2
//! (release builds take several times less), measured as the deepest input of each shape that
//! parses and is summarized on a 2 MiB thread; `tests/stack_budget.rs` re-checks them on every
//! run. The budget is half the stack the parse runs on ([`Limits::for_stack`]), so the deepest
//! accepted file fits twice over in a debug build.

use super::lexer::{is_ident_continue, Bad, Lexer, Tok};

/// The stack the tool's nesting budget is made for: a file is parsed only if it fits in it.
pub const PARSE_STACK: usize = 64 << 20;
/// The stack of the tool's threads: the analysis thread and the pool that parses, evaluates the
/// routers and classifies the routes (router evaluation re-parses the router files accepted
/// under [`PARSE_STACK`]'s budget and recurses over them once more).
pub const ANALYSIS_STACK: usize = 4 * PARSE_STACK;

/// A brace: blocks 22 KiB, `mod`/`fn`/`impl` bodies 34 KiB, `if` 25 KiB.
const BRACE: usize = 36 << 10;
/// A parenthesis or square bracket: expressions 13 KiB, calls 16 KiB, arrays 15 KiB, tuple and
/// slice types 30 KiB.
const PAREN: usize = 32 << 10;
/// An unclosed `<`: `Vec<Vec<..>>` 52 KiB, turbofish 53 KiB.
const GENERIC: usize = 56 << 10;
/// A prefix operator: `&T`/`*const T` 32 KiB, `fn() -> T` 37 KiB, `impl Fn() -> T` 40 KiB,
/// closures 16 KiB, `return x` 10 KiB, `a = b = ..` 8 KiB, `!x`/`-x` 4 KiB, `a @ pattern` 3 KiB.
const PREFIX: usize = 40 << 10;
/// A chained operator (a tree one level deeper, built without recursion but walked and dropped
/// recursively): `a + a + ..` 0.5 KiB, method chains 0.7 KiB, `else if` 0.5 KiB.
const CHAIN: usize = 1 << 10;

/// Words after which an operator starts an operand (`return -x`, `if !x`, `&mut &T`).
const BEFORE_OPERAND: &[&[u8]] = &[
    b"return", b"break", b"in", b"if", b"while", b"match", b"let", b"else", b"mut", b"as", b"dyn",
    b"impl", b"yield", b"move", b"where", b"for", b"const", b"static",
];

/// How much nesting a parse may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Estimated stack bytes the deepest point may need.
    budget: usize,
}

impl Limits {
    /// The limits for a parse running on a thread with `stack` bytes of stack: half of it, the
    /// other half being room to spare.
    pub const fn for_stack(stack: usize) -> Limits {
        Limits { budget: stack / 2 }
    }

    /// The limits the tool parses under (its threads' stacks are larger still).
    pub const fn tool() -> Limits {
        Limits::for_stack(PARSE_STACK)
    }
}

/// What nests inside one open bracket (or the file itself).
#[derive(Clone, Copy, Debug, Default)]
struct Level {
    /// The cost of the bracket that opened it.
    opened: usize,
    angles: usize,
    prefix: usize,
    /// Prefix operators opened before a `<` still open (`&Vec<u8, &..>`, `fn() -> HashMap<K, ..>`):
    /// the `,`s between generic arguments do not end them.
    held: usize,
    chain: usize,
    /// Between the `|`s of a closure's parameters (whose commas end nothing).
    closure_params: bool,
}

impl Level {
    fn cost(&self) -> usize {
        self.opened
            + self.angles * GENERIC
            + (self.prefix + self.held) * PREFIX
            + self.chain * CHAIN
    }

    /// A `,` ends the operands at this level (within generic arguments, only the argument).
    fn end_operand(&mut self) {
        if !self.closure_params {
            self.prefix = 0;
            self.chain = 0;
            if self.angles == 0 {
                self.held = 0;
            }
        }
    }

    /// A `<` opens generic arguments: the operators open so far stay open inside them.
    fn open_angle(&mut self) {
        self.angles += 1;
        self.held += self.prefix;
        self.prefix = 0;
    }

    /// The last open `<` closed (or turned out to be a comparison): the operators it held are
    /// open again in the operand around it.
    fn close_angles(&mut self, closed: usize) {
        self.angles -= closed;
        if self.angles == 0 {
            self.prefix += self.held;
            self.held = 0;
        }
    }

    /// A `;` or an item's `}` ends everything that was open at this level.
    fn end_statement(&mut self) {
        *self = Level {
            opened: self.opened,
            ..Level::default()
        };
    }
}

/// What the previous token was, for telling prefix operators from binary ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// An operand just ended (`x`, `1`, `)`, `?`): an operator now is binary.
    Operand,
    /// An operand may start now (`(`, `,`, `=`, `return`, `'a`): an operator now is a prefix.
    Operator,
}

/// The first point of `text` where the estimated stack exceeds `limits`: its byte offset and
/// the message. Comments, strings and char literals do not count.
pub fn too_deep(text: &str, limits: Limits) -> Option<(usize, String)> {
    let b = text.as_bytes();
    let lx = Lexer { b };
    let byte = |i: usize| b.get(i).copied().unwrap_or(b' ');
    let mut levels = vec![Level::default()];
    // The cost of every level but the innermost.
    let mut outer = 0usize;
    let mut prev = Prev::Operator;
    let mut i = 0;
    loop {
        let at = i;
        let tok = match lx.next(&mut i) {
            Ok(t) => t,
            // Not lexable from here (an unterminated literal): the parser reports it.
            Err(Bad) => {
                i = at + 1;
                continue;
            }
        };
        let top = levels.last_mut().expect("the file level");
        let mut next_prev = Prev::Operator;
        match tok {
            Tok::End => return None,
            Tok::Open(c) => {
                if c == b'{' {
                    // `impl<T> X<T> {`, `if a < b {`: what was open ends here.
                    top.close_angles(top.angles);
                }
                outer += top.cost();
                let opened = if c == b'{' { BRACE } else { PAREN };
                levels.push(Level {
                    opened,
                    ..Level::default()
                });
            }
            Tok::Close(c) => {
                if levels.len() > 1 {
                    levels.pop();
                    outer -= levels.last().map_or(0, Level::cost);
                }
                let top = levels.last_mut().expect("the file level");
                if c == b'}' && !continues_expression(&lx, i) {
                    top.end_statement();
                }
                next_prev = Prev::Operand;
            }
            Tok::Lit => next_prev = Prev::Operand,
            Tok::Ident(s, e) => {
                let word = &b[s..e];
                match word {
                    b"as" | b"else" => top.chain += 1,
                    b"return" | b"break" | b"yield" => top.prefix += 1,
                    _ => {}
                }
                // A lifetime (`&'a T`) is followed by its type, like an operator.
                let lifetime = s > 0 && b[s - 1] == b'\'';
                if !lifetime && !BEFORE_OPERAND.contains(&word) {
                    next_prev = Prev::Operand;
                }
            }
            Tok::Punct(c) => {
                let p = i - 1;
                let (before, after) = (if p > 0 { byte(p - 1) } else { b' ' }, byte(p + 1));
                let prefix_position = prev == Prev::Operator;
                // A compound assignment (`+=`, `<<=` comes as `<` `<=`) nests like `=`.
                let assigns = after == b'='
                    && matches!(c, b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|');
                match c {
                    b',' => top.end_operand(),
                    b';' => top.end_statement(),
                    _ if assigns => {
                        top.prefix += 1;
                        i += 1;
                    }
                    b'<' if after == b'=' => {
                        top.chain += 1;
                        i += 1;
                    }
                    b'<' => top.open_angle(),
                    // `->` and `=>` were counted at their first character.
                    b'>' if before == b'-' || before == b'=' => {}
                    b'>' if after == b'=' => {
                        top.chain += 1;
                        i += 1;
                    }
                    b'>' if top.angles > 0 => {
                        top.close_angles(1);
                        next_prev = Prev::Operand;
                    }
                    b'>' => top.chain += 1,
                    // The return type of a fn, fn pointer or closure nests in it.
                    b'-' if after == b'>' => top.prefix += 1,
                    b'=' if after == b'>' => {}
                    b'=' if after == b'=' => {
                        top.chain += 1;
                        i += 1;
                    }
                    b'=' => top.prefix += 1,
                    b'!' if after == b'=' => {
                        top.chain += 1;
                        i += 1;
                    }
                    // `name!(..)`: a macro call, not a negation.
                    b'!' if !prefix_position => {}
                    b'-' | b'*' | b'!' | b'&' if prefix_position => top.prefix += 1,
                    b'|' if prefix_position => {
                        // A closure: `|| x` has no parameters; `|a, b|` closes at the next `|`.
                        top.prefix += 1;
                        if after == b'|' {
                            i += 1;
                        } else {
                            top.closure_params = true;
                        }
                    }
                    b'|' if top.closure_params => top.closure_params = false,
                    // `&&`, `||`: one binary operator.
                    b'&' | b'|' => {
                        top.chain += 1;
                        if after == c {
                            i += 1;
                        }
                    }
                    b'.' if after == b'.' => {
                        // `..`, `...`, `..=`: ranges and rest patterns nest nothing.
                        i += 1;
                        while matches!(byte(i), b'.' | b'=') {
                            i += 1;
                        }
                    }
                    b'.' if is_ident_continue(after) => top.chain += 1,
                    b'?' => {
                        top.chain += 1;
                        next_prev = Prev::Operand;
                    }
                    // `a @ pattern` binds a pattern nested in it.
                    b'@' => top.prefix += 1,
                    b'+' | b'-' | b'*' | b'/' | b'%' | b'^' => top.chain += 1,
                    _ => {}
                }
            }
        }
        prev = next_prev;
        let top = levels.last().expect("the file level");
        if outer + top.cost() > limits.budget {
            return Some((i.saturating_sub(1), message(&levels)));
        }
    }
}

/// Whether the expression a `}` closed goes on after it (`{..} else {..}`, `match .. {}.len()`,
/// `{a} + {b}`) rather than a new statement or item starting.
fn continues_expression(lx: &Lexer, mut i: usize) -> bool {
    match lx.next(&mut i) {
        Ok(Tok::Ident(s, e)) => matches!(&lx.b[s..e], b"else" | b"as"),
        Ok(Tok::Punct(c)) => !matches!(c, b'#' | b'\'' | b';' | b','),
        _ => false,
    }
}

/// What is open at the point where the budget ran out, largest contributions first.
fn message(levels: &[Level]) -> String {
    let brackets = levels.len() - 1;
    let sum = |f: fn(&Level) -> usize| levels.iter().map(f).sum::<usize>();
    let mut parts = [
        (brackets * BRACE, brackets, "brackets"),
        (
            sum(|l| l.angles) * GENERIC,
            sum(|l| l.angles),
            "generic arguments",
        ),
        (
            sum(|l| l.prefix) * PREFIX,
            sum(|l| l.prefix),
            "prefix operators",
        ),
        (
            sum(|l| l.chain) * CHAIN,
            sum(|l| l.chain),
            "chained operators",
        ),
    ];
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    let open: Vec<String> = parts
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(_, n, what)| format!("{n} {what}"))
        .collect();
    format!(
        "code nests too deeply to analyse safely ({} open here); not analysed",
        open.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits::for_stack(2 << 20);

    fn accepts(text: &str) -> bool {
        too_deep(text, SMALL).is_none()
    }

    #[test]
    fn ordinary_code_is_accepted() {
        assert!(accepts(
            "impl<T: Clone> Foo<T> { pub fn f(&self, x: &Vec<Option<T>>) -> Result<(), E> { if a < b && c > d { x.iter().map(|v| v.clone()).collect::<Vec<_>>(); } Ok(()) } }"
        ));
        // Thousands of items, each with its own prefix operators, do not add up.
        let items = "pub fn f(x: &u8) -> &u8 { let y = -*x; &y }\n".repeat(10_000);
        assert!(accepts(&items));
        // Long flat lists: commas end operands.
        let list = format!("const A: [i32; 10000] = [{}];", "-1, ".repeat(10_000));
        assert!(accepts(&list));
    }

    #[test]
    fn each_kind_of_nesting_is_bounded() {
        let cases = [
            ("(".repeat(100), "brackets"),
            ("Vec<".repeat(100), "generic arguments"),
            ("&".repeat(100), "prefix operators"),
            ("|x, y| ".repeat(100), "prefix operators"),
            ("-> fn() ".repeat(100), "prefix operators"),
            ("a + ".repeat(5000), "chained operators"),
            ("if a {} else ".repeat(5000), "chained operators"),
        ];
        for (text, what) in cases {
            let (_, message) = too_deep(&text, SMALL).unwrap_or_else(|| panic!("{what}"));
            assert!(message.contains(what), "{message}");
        }
    }

    #[test]
    fn binary_operators_are_not_prefixes() {
        // 500 binary `&&`/`-`/`*` in one expression cost little; as prefixes they would not fit.
        let text = format!("fn f() {{ a{} }}", " && a - b * c".repeat(160));
        assert!(accepts(&text));
        let text = format!("fn f() {{ {}a }}", "&&".repeat(40));
        assert!(!accepts(&text));
    }

    #[test]
    fn the_tool_accepts_far_more_than_a_small_thread() {
        let deep = format!("fn f() {{ {}1{} }}", "(".repeat(200), ")".repeat(200));
        assert!(!accepts(&deep));
        assert!(too_deep(&deep, Limits::tool()).is_none());
    }
}
