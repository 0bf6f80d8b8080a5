//! The [`Pegawai`] aggregate: a civil servant (PNS, CPNS or PPPK) of a satker,
//! identified by NIP; its commands, events and rules: registration and changes,
//! kenaikan pangkat by SK, mutasi and pensiun (DOMAIN §1–§5).

pub mod aggregate;
pub mod commands;
pub mod events;

pub use aggregate::{Pegawai, ProfilPegawai, StatusPegawai};
pub use commands::{DataMutasi, DataPegawaiBaru, JenisMutasi, PegawaiCommand, PerubahanPegawai};
pub use events::{JabatanMutasi, PegawaiEvent};
