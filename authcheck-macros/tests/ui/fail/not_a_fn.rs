#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};

#[protected]
struct Handler;

#[public(reason = "x")]
const ANSWER: u8 = 42;

fn main() {}
