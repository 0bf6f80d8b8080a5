//! The one integration test binary: event store, projector runtime and black-box HTTP tests,
//! all on the real PostgreSQL, each test in its own schemas.

mod api;
mod audit;
mod audit_api;
mod duk;
mod idempotency;
mod kp;
mod mutasi;
mod openapi;
mod ops;
mod peringatan;
mod read_models;
mod rebuild;
mod rls;
mod runtime;
mod seal;
mod sikep;
mod upcast;
