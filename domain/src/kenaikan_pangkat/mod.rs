//! The [`KenaikanPangkat`] aggregate: one usul kenaikan pangkat (KP) of one pegawai,
//! from draft to SK (DOMAIN §3). Stream id: the usul's UUID; aggregate type
//! `kenaikan_pangkat`.
//!
//! Flow: `Usulkan` (draft) → `Verifikasi` (diverifikasi, document checklist) →
//! `Ajukan` (diajukan, to BKN through SIASN) → `CatatPertek` (pertek terbit) →
//! `CatatSk` (SK terbit) → `Selesaikan` (selesai: the SK is on the pegawai's own
//! stream); or `Tolak` (ditolak, with a reason) at any step before the SK.
//!
//! After `SkKpTerbit` the commands crate sends `PegawaiCommand::CatatKenaikanPangkat`
//! to the pegawai's stream, so later rules see the new pangkat, then `Selesaikan`.

pub mod aggregate;
pub mod commands;
pub mod events;
pub mod kelayakan;

pub use aggregate::{InstansiPertek, KenaikanPangkat, StatusUsulKp, UsulKp};
pub use commands::KenaikanPangkatCommand;
pub use events::KenaikanPangkatEvent;
pub use kelayakan::{
    DataKelayakan, DokumenKp, JenisKp, Kelayakan, KelompokJabatanKp, Predikat, cek_kelayakan,
    dokumen_wajib,
};
