#![forbid(unsafe_code)]
//! Test support: per-test schemas on the real PostgreSQL, a spawned server, a real JWKS served
//! over HTTP, and signed tokens.
//!
//! Every test gets its own schemas (one per module database) in one shared test database, so
//! the suite runs in parallel without `CREATE DATABASE` per test. Schema names carry their
//! creation time; schemas older than an hour (left by killed runs) are swept at start.

pub mod app;
pub mod db;
