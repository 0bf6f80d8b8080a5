#![forbid(unsafe_code)]
//! The read side of Sekretariat PA: the projector runtime, one projector per read model, and
//! the query functions the API serves from those read models (DESIGN §4).
//!
//! Nothing but a projector writes a read model. Each module has its own database (or, in tests
//! and small installs, its own schema), reached through its own pool.

pub mod audit;
pub mod copy;
pub mod duk;
pub mod history;
pub mod kepegawaian;
pub mod master;
pub mod migrate;
pub mod peringatan;
pub mod rebuild;
pub mod runtime;
pub mod scope;
pub mod seal;
pub mod usul_kp;

pub use runtime::{
    Position, ProjectionError, Projector, ProjectorRunner, ProjectorStatus, RunnerOptions,
    StoredEvent,
};
