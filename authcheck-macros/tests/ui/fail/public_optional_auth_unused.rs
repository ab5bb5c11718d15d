#[path = "../support/mod.rs"]
mod support;

use authcheck::public;

#[public(optional_auth, reason = "liveness probe")]
async fn health() -> &'static str {
    "ok"
}

fn main() {}
