#![forbid(unsafe_code)]
//! Sekretariat PA domain: aggregates, commands, events, value objects, business
//! rules and reference data of the back office of a Pengadilan Agama. No I/O:
//! everything from outside (master data, today's date) comes through [`ports`].
//!
//! Modules: [`values`] (Nip, Golongan, Pendidikan, Rupiah, SatkerId, NamaTeks),
//! [`reference`](mod@reference) (versioned regulation tables), [`master`] (Satker, UnitKerja,
//! Jabatan aggregates), [`pegawai`] (Pegawai aggregate), [`ports`], [`error`].

pub mod error;
pub mod master;
pub mod pegawai;
pub mod ports;
pub mod reference;
pub mod values;

pub use error::{DomainError, ErrorKind};
pub use ports::{Clock, JabatanInfo, MasterDataPort, SatkerInfo, Services, UnitKerjaInfo};
