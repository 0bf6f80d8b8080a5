//! Value objects: types that cannot hold a bad value (parse, don't validate).
//!
//! Each has a `parse` returning `Result<Self, DomainError>` and (de)serialises as a
//! plain string or number, checked again on the way in, so a stored event can never
//! hold a malformed value.

mod golongan;
mod nip;
mod pendidikan;
mod rupiah;
mod satker_id;
mod teks;

pub use golongan::Golongan;
pub use nip::{JenisKelamin, JenisPegawai, Nip};
pub use pendidikan::Pendidikan;
pub use rupiah::Rupiah;
pub use satker_id::SatkerId;
pub use teks::NamaTeks;
