//! The [`Pegawai`] aggregate: a civil servant (PNS, CPNS or PPPK) of a satker,
//! identified by NIP; its commands, events and rules.

pub mod aggregate;
pub mod commands;
pub mod events;

pub use aggregate::{Pegawai, ProfilPegawai};
pub use commands::{DataPegawaiBaru, PegawaiCommand, PerubahanPegawai};
pub use events::PegawaiEvent;
