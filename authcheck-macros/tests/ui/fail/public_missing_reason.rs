#[path = "../support/mod.rs"]
mod support;

use authcheck::public;

#[public]
async fn health() -> &'static str {
    "ok"
}

#[public(optional_auth)]
async fn packs(_auth: Option<support::RequireAuth>) -> &'static str {
    "ok"
}

fn main() {}
