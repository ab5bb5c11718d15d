#[path = "../support/mod.rs"]
mod support;

use authcheck::public;

#[public(reason = "")]
async fn health() -> &'static str {
    "ok"
}

#[public(reason = "   ")]
async fn version() -> &'static str {
    "1"
}

fn main() {}
