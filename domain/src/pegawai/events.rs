//! Events of the [`Pegawai`](super::Pegawai) aggregate.
//!
//! They carry the facts projectors need, names included (jabatan, unit kerja,
//! pangkat), copied at decision time: no projector looks anything up.
//! `event_type()` is the variant name and never changes once released; a released
//! variant's shape never changes either (new facts are new variants, e.g.
//! `PangkatNaikBerdasarkanSk` beside `PangkatPegawaiDicatat`), so old streams load.

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::master::jabatan::JenisJabatan;
use crate::reference::KelompokBup;
use crate::values::{Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId};

/// What happened to a pegawai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PegawaiEvent {
    /// The pegawai was registered.
    PegawaiDidaftarkan {
        /// NIP or NI PPPK.
        nip: Nip,
        /// Name without titles (trimmed).
        nama: String,
        /// Titles before the name.
        gelar_depan: Option<String>,
        /// Titles after the name.
        gelar_belakang: Option<String>,
        /// Place of birth.
        tempat_lahir: String,
        /// Date of birth.
        tanggal_lahir: Date,
        /// Sex.
        jenis_kelamin: JenisKelamin,
        /// PNS, CPNS or PPPK.
        jenis_pegawai: JenisPegawai,
        /// Golongan.
        golongan: Golongan,
        /// Pangkat of the golongan; `None` for PPPK, who have no pangkat. (Version 1.0 stored
        /// an empty string there; see [`crate::upcast`].)
        pangkat: Option<String>,
        /// TMT of the golongan.
        tmt_golongan: Date,
        /// Jabatan.
        jabatan_id: Uuid,
        /// Jabatan name at registration.
        jabatan_nama: String,
        /// Kind of jabatan.
        jenis_jabatan: JenisJabatan,
        /// Retirement-age group of the jabatan.
        kelompok_bup: KelompokBup,
        /// TMT of the jabatan.
        tmt_jabatan: Date,
        /// Unit kerja.
        unit_kerja_id: Uuid,
        /// Unit kerja name at registration.
        unit_kerja_nama: String,
        /// Satker.
        satker_id: SatkerId,
        /// Highest ijazah.
        pendidikan_terakhir: Pendidikan,
        /// TMT CPNS (PNS, CPNS).
        tmt_cpns: Option<Date>,
        /// TMT PNS (PNS).
        tmt_pns: Option<Date>,
        /// TMT PPPK (PPPK).
        tmt_pppk: Option<Date>,
    },
    /// Personal data changed; carries all of it as it is after the change.
    DataPribadiPegawaiDiubah {
        /// Name.
        nama: String,
        /// Titles before the name.
        gelar_depan: Option<String>,
        /// Titles after the name.
        gelar_belakang: Option<String>,
        /// Place of birth.
        tempat_lahir: String,
        /// Highest ijazah.
        pendidikan_terakhir: Pendidikan,
    },
    /// A new golongan (pangkat) was recorded.
    PangkatPegawaiDicatat {
        /// New golongan.
        golongan: Golongan,
        /// Its pangkat; `None` for PPPK (version 1.0 stored ""; see [`crate::upcast`]).
        pangkat: Option<String>,
        /// Its TMT.
        tmt_golongan: Date,
        /// The golongan before.
        golongan_sebelumnya: Golongan,
    },
    /// A new jabatan was recorded.
    JabatanPegawaiDicatat {
        /// New jabatan.
        jabatan_id: Uuid,
        /// Its name.
        jabatan_nama: String,
        /// Its kind.
        jenis_jabatan: JenisJabatan,
        /// Its retirement-age group.
        kelompok_bup: KelompokBup,
        /// Its TMT.
        tmt_jabatan: Date,
    },
    /// The pegawai moved to another unit of the same satker.
    UnitKerjaPegawaiDipindahkan {
        /// New unit.
        unit_kerja_id: Uuid,
        /// Its name.
        unit_kerja_nama: String,
    },
    /// A CPNS became PNS.
    PegawaiDiangkatPns {
        /// TMT PNS.
        tmt_pns: Date,
    },
    /// A kenaikan pangkat was recorded from its SK (the end of an usul KP).
    PangkatNaikBerdasarkanSk {
        /// The usul KP the SK answers.
        usul_id: Uuid,
        /// SK number.
        nomor_sk: String,
        /// SK date.
        tanggal_sk: Date,
        /// New golongan.
        golongan: Golongan,
        /// Its pangkat.
        pangkat: Option<String>,
        /// Its TMT.
        tmt_golongan: Date,
        /// The golongan before.
        golongan_sebelumnya: Golongan,
    },
    /// The pegawai left the satker (SK mutasi keluar).
    PegawaiMutasiKeluar {
        /// SK number.
        nomor_sk: String,
        /// SK date.
        tanggal_sk: Date,
        /// TMT of the move.
        tmt: Date,
        /// The satker left.
        satker_asal: SatkerId,
        /// The unit left.
        unit_kerja_asal_id: Uuid,
        /// Destination satker.
        satker_tujuan: SatkerId,
        /// Its name, when the satker is known to the system.
        satker_tujuan_nama: Option<String>,
        /// Destination unit, when known: the pegawai is then active there.
        unit_kerja_id: Option<Uuid>,
        /// Its name.
        unit_kerja_nama: Option<String>,
        /// New jabatan, when the SK names one (TMT = `tmt`).
        jabatan: Option<JabatanMutasi>,
    },
    /// The pegawai joined the satker (SK mutasi masuk).
    PegawaiMutasiMasuk {
        /// SK number.
        nomor_sk: String,
        /// SK date.
        tanggal_sk: Date,
        /// TMT of the move.
        tmt: Date,
        /// The satker the pegawai comes from (as recorded before).
        satker_asal: SatkerId,
        /// The satker joined.
        satker_id: SatkerId,
        /// Its name.
        satker_nama: String,
        /// The unit joined.
        unit_kerja_id: Uuid,
        /// Its name.
        unit_kerja_nama: String,
        /// New jabatan, when the SK names one (TMT = `tmt`).
        jabatan: Option<JabatanMutasi>,
    },
    /// The pegawai moved inside the satker (unit and/or jabatan).
    PegawaiMutasiInternal {
        /// SK number.
        nomor_sk: String,
        /// SK date.
        tanggal_sk: Date,
        /// TMT of the move.
        tmt: Date,
        /// The unit before.
        unit_kerja_asal_id: Uuid,
        /// New unit, when it changes.
        unit_kerja_id: Option<Uuid>,
        /// Its name.
        unit_kerja_nama: Option<String>,
        /// New jabatan, when it changes (TMT = `tmt`).
        jabatan: Option<JabatanMutasi>,
    },
    /// The pegawai retired at BUP (SK pensiun); active employment ends.
    PegawaiPensiun {
        /// SK number.
        nomor_sk: String,
        /// SK date.
        tanggal_sk: Date,
        /// TMT pensiun.
        tmt_pensiun: Date,
        /// The BUP applied, in years.
        usia_bup: u8,
        /// The retirement-age group of the jabatan.
        kelompok_bup: KelompokBup,
        /// The regulation of the BUP.
        dasar_hukum: String,
        /// The satker at retirement.
        satker_id: SatkerId,
    },
}

/// A jabatan named by an SK mutasi, with the names copied at decision time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JabatanMutasi {
    /// Jabatan.
    pub jabatan_id: Uuid,
    /// Its name.
    pub jabatan_nama: String,
    /// Its kind.
    pub jenis_jabatan: JenisJabatan,
    /// Its retirement-age group.
    pub kelompok_bup: KelompokBup,
}

impl DomainEvent for PegawaiEvent {
    fn event_type(&self) -> String {
        match self {
            Self::PegawaiDidaftarkan { .. } => "PegawaiDidaftarkan",
            Self::DataPribadiPegawaiDiubah { .. } => "DataPribadiPegawaiDiubah",
            Self::PangkatPegawaiDicatat { .. } => "PangkatPegawaiDicatat",
            Self::JabatanPegawaiDicatat { .. } => "JabatanPegawaiDicatat",
            Self::UnitKerjaPegawaiDipindahkan { .. } => "UnitKerjaPegawaiDipindahkan",
            Self::PegawaiDiangkatPns { .. } => "PegawaiDiangkatPns",
            Self::PangkatNaikBerdasarkanSk { .. } => "PangkatNaikBerdasarkanSk",
            Self::PegawaiMutasiKeluar { .. } => "PegawaiMutasiKeluar",
            Self::PegawaiMutasiMasuk { .. } => "PegawaiMutasiMasuk",
            Self::PegawaiMutasiInternal { .. } => "PegawaiMutasiInternal",
            Self::PegawaiPensiun { .. } => "PegawaiPensiun",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            // 2.0: `pangkat` became optional (PPPK have none; 1.0 wrote "").
            Self::PegawaiDidaftarkan { .. } | Self::PangkatPegawaiDicatat { .. } => "2.0",
            _ => "1.0",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn event_pegawai_bertipe_nama_varian_dan_versi_1_0() {
        let e = PegawaiEvent::PegawaiDiangkatPns {
            tmt_pns: date!(2026 - 06 - 01),
        };
        assert_eq!(e.event_type(), "PegawaiDiangkatPns");
        assert_eq!(e.event_version(), "1.0");
        let e = PegawaiEvent::UnitKerjaPegawaiDipindahkan {
            unit_kerja_id: Uuid::nil(),
            unit_kerja_nama: "Kepaniteraan".into(),
        };
        assert_eq!(e.event_type(), "UnitKerjaPegawaiDipindahkan");
    }

    #[test]
    fn event_diserialisasi_dengan_tanggal_dan_golongan_sebagai_string() {
        let e = PegawaiEvent::PangkatPegawaiDicatat {
            golongan: Golongan::III_B,
            pangkat: Some("Penata Muda Tingkat I".into()),
            tmt_golongan: date!(2026 - 04 - 01),
            golongan_sebelumnya: Golongan::III_A,
        };
        let v = serde_json::to_value(&e).unwrap();
        let isi = &v["PangkatPegawaiDicatat"];
        assert_eq!(isi["golongan"], "III/b");
        assert_eq!(isi["tmt_golongan"], "2026-04-01");
        assert_eq!(isi["golongan_sebelumnya"], "III/a");
        assert_eq!(serde_json::from_value::<PegawaiEvent>(v).unwrap(), e);
    }
}
