#[path = "../support/mod.rs"]
mod support;

use authcheck::{protected, public};
use support::RequireAuth;

#[protected(reason = "x")]
async fn a(_auth: RequireAuth) {}

#[protected(with = support::AdminUser, with = support::ApiKeyAuth)]
async fn b(_auth: RequireAuth) {}

#[protected(with())]
async fn c(_auth: RequireAuth) {}

#[public(reason = 42)]
async fn d() {}

#[public(because = "x")]
async fn e() {}

fn main() {}
