#![forbid(unsafe_code)]
//! Sekretariat PA domain: aggregates, commands, events, value objects, business
//! rules and reference data of the back office of a Pengadilan Agama. No I/O:
//! everything from outside (master data, today's date) comes through [`ports`].
//!
//! Modules: [`values`] (Nip, Golongan, Pendidikan, Rupiah, SatkerId, NamaTeks),
//! [`reference`](mod@reference) (versioned regulation tables: ijazah ceiling, KP periods,
//! KP service years, KGB, BUP), [`kalender`] (date arithmetic), [`master`] (Satker,
//! UnitKerja, Jabatan aggregates), [`pegawai`] (Pegawai aggregate: registration, changes,
//! KP by SK, mutasi, pensiun), [`kenaikan_pangkat`] (KenaikanPangkat aggregate: one usul
//! KP from draft to SK), [`peringatan`] (early warnings: KP, BUP, KGB), [`ports`], [`error`].

pub mod error;
pub mod kalender;
pub mod kenaikan_pangkat;
pub mod master;
pub mod pegawai;
pub mod peringatan;
pub mod ports;
pub mod reference;
pub mod upcast;
pub mod values;

pub use error::{DomainError, ErrorKind};
pub use ports::{
    Clock, JabatanInfo, KenaikanPangkatPort, KenaikanPangkatServices, MasterDataPort, SatkerInfo,
    Services, UnitKerjaInfo,
};
