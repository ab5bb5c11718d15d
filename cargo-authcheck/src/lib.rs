//! `cargo authcheck`: proves that every route of an axum application requires authentication
//! and that its OpenAPI documentation tells the truth.
//!
//! The pipeline, one module per stage with plain data between them:
//! [`discover`] -> [`parse`] -> [`index`] -> [`router`] -> [`auth`] / [`openapi`] -> [`rules`] -> [`report`].
//!
//! Around it, for teams adopting the tool: [`fix`] applies the rules' suggested edits,
//! [`baseline`] (with [`fingerprint`]) holds findings against a recorded set, [`diff`] compares the
//! route tables of two revisions, and [`init`] writes a starter configuration.
//! [`probe`] checks the resulting route table against a running server.

pub mod analysis;
pub mod auth;
pub mod baseline;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod discover;
pub mod fingerprint;
pub mod fix;
pub mod index;
pub mod init;
pub mod openapi;
pub mod parse;
pub mod probe;
pub mod report;
pub mod router;
pub mod rules;
pub mod source;
pub mod timings;
