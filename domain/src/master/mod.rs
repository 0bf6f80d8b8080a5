//! Master data aggregates: [`satker::Satker`], [`unit_kerja::UnitKerja`] and
//! [`jabatan::Jabatan`]. Their read models feed `MasterDataPort`, which other
//! aggregates (e.g. `Pegawai`) consult while deciding.

pub mod jabatan;
pub mod satker;
pub mod unit_kerja;

/// Longest name of a satker, unit kerja or jabatan, in characters.
pub const PANJANG_NAMA_MAKS: usize = 150;
