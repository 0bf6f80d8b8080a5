//! Events of the [`KenaikanPangkat`](super::KenaikanPangkat) aggregate.
//!
//! Each carries the NIP, so a projector keeping "the open usul per pegawai" or the
//! list of usul needs nothing else; the facts are copied at decision time (golongan
//! and pangkat names, years of service, the regulation applied).
//! `event_type()` is the variant name and never changes once released.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::aggregate::{InstansiPertek, StatusUsulKp};
use super::kelayakan::{DataKelayakan, DokumenKp, JenisKp};
use crate::values::{Golongan, Nip};

/// What happened to an usul KP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KenaikanPangkatEvent {
    /// The usul was drafted; the pegawai was eligible on that day.
    KenaikanPangkatDiusulkan {
        /// Usul id.
        id: Uuid,
        /// The pegawai.
        nip: Nip,
        /// Kind of KP.
        jenis: JenisKp,
        /// Current golongan.
        golongan_lama: Golongan,
        /// Its pangkat.
        pangkat_lama: String,
        /// Its TMT.
        tmt_golongan_lama: Date,
        /// Golongan asked for.
        golongan_baru: Golongan,
        /// Its pangkat.
        pangkat_baru: String,
        /// TMT asked for.
        tmt_usulan: Date,
        /// Whole years in the current pangkat on `tmt_usulan`.
        masa_kerja_golongan_tahun: u32,
        /// The regulation whose conditions were applied.
        dasar_hukum: String,
        /// The facts the decision was made on.
        data: DataKelayakan,
    },
    /// The documents were checked and eligibility confirmed again.
    UsulKpDiverifikasi {
        /// The pegawai.
        nip: Nip,
        /// The checklist as recorded.
        dokumen: Vec<(DokumenKp, bool)>,
        /// The facts the second check was made on.
        data: DataKelayakan,
        /// Whole years in the current pangkat on the TMT asked for.
        masa_kerja_golongan_tahun: u32,
    },
    /// The usul was submitted to BKN.
    UsulKpDiajukan {
        /// The pegawai.
        nip: Nip,
        /// Who gives the pertek for the golongan asked for.
        instansi_pertek: InstansiPertek,
    },
    /// BKN issued its pertimbangan teknis.
    PertekKpTerbit {
        /// The pegawai.
        nip: Nip,
        /// Pertek number.
        nomor: String,
        /// Pertek date.
        tanggal: Date,
    },
    /// The SK was issued: the pegawai holds `golongan_baru` from `tmt`.
    SkKpTerbit {
        /// The pegawai.
        nip: Nip,
        /// SK number.
        nomor: String,
        /// SK date.
        tanggal: Date,
        /// TMT of the new pangkat.
        tmt: Date,
        /// The golongan before.
        golongan_lama: Golongan,
        /// The new golongan.
        golongan_baru: Golongan,
        /// Its pangkat.
        pangkat_baru: String,
    },
    /// The usul was refused.
    UsulKpDitolak {
        /// The pegawai.
        nip: Nip,
        /// Why.
        alasan: String,
        /// The step at which it was refused.
        status_sebelumnya: StatusUsulKp,
    },
    /// The usul is closed: the SK is on the pegawai's record.
    UsulKpSelesai {
        /// The pegawai.
        nip: Nip,
        /// The new golongan.
        golongan_baru: Golongan,
        /// Its TMT.
        tmt: Date,
    },
}

impl DomainEvent for KenaikanPangkatEvent {
    fn event_type(&self) -> String {
        match self {
            Self::KenaikanPangkatDiusulkan { .. } => "KenaikanPangkatDiusulkan",
            Self::UsulKpDiverifikasi { .. } => "UsulKpDiverifikasi",
            Self::UsulKpDiajukan { .. } => "UsulKpDiajukan",
            Self::PertekKpTerbit { .. } => "PertekKpTerbit",
            Self::SkKpTerbit { .. } => "SkKpTerbit",
            Self::UsulKpDitolak { .. } => "UsulKpDitolak",
            Self::UsulKpSelesai { .. } => "UsulKpSelesai",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}
