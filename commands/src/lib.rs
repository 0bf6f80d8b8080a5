#![forbid(unsafe_code)]
//! The write side of Sekretariat PA: cqrs-es over the PostgreSQL event store (postgres-es for
//! load and append only), command metadata, and the implementations of the domain's ports.
//!
//! Inline `Query` dispatch of cqrs-es is not used: a query dispatched after commit is lost on a
//! crash. Read models are built by the projector runtime in `sekretariat-projections`.

pub mod bus;
pub mod metadata;
pub mod ports;
pub mod store;

pub use bus::{CommandBus, CommandError, CommandOutcome, Cqrs};
pub use metadata::CommandMetadata;
