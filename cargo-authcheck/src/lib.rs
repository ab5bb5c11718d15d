//! `cargo authcheck`: proves that every route of an axum application requires authentication
//! and that its OpenAPI documentation tells the truth.
//!
//! The pipeline, one module per stage with plain data between them:
//! [`discover`] -> [`parse`] -> [`index`] -> [`router`] -> [`auth`] / [`openapi`] -> [`rules`] -> [`report`].
//! [`probe`] checks the resulting route table against a running server.

pub mod analysis;
pub mod auth;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod index;
pub mod openapi;
pub mod parse;
pub mod probe;
pub mod report;
pub mod router;
pub mod rules;
pub mod source;
