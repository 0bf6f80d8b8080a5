//! Commands of the [`Pegawai`](super::Pegawai) aggregate.
//!
//! They carry domain types (Nip, Golongan, Date...), so the HTTP layer parses its
//! input before building one. Free text (nama, gelar, tempat lahir) stays a
//! `String` here and is validated by the aggregate, which knows the limits.

use serde::{Deserialize, Deserializer, Serialize};
use time::Date;
use uuid::Uuid;

use crate::values::{Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId};

/// What the pegawai aggregate can be asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PegawaiCommand {
    /// Registers a pegawai already appointed (data from the SK).
    Daftarkan(DataPegawaiBaru),
    /// Changes data of a registered pegawai; only the fields that are `Some` change.
    Ubah(PerubahanPegawai),
    /// Records the SK of a kenaikan pangkat (normally after `SkKpTerbit` of the
    /// usul `usul_id`): the pegawai holds `golongan` from `tmt`.
    CatatKenaikanPangkat {
        /// The usul KP the SK answers.
        usul_id: Uuid,
        /// The new golongan.
        golongan: Golongan,
        /// Its TMT; a KP period date, after the current TMT golongan.
        tmt: Date,
        /// SK number.
        nomor_sk: String,
        /// SK date; not in the future.
        tanggal_sk: Date,
    },
    /// Records an SK mutasi (DOMAIN §5): out of, into, or inside the satker.
    CatatMutasi(DataMutasi),
    /// Records the SK pensiun at BUP (DOMAIN §5); ends active employment.
    CatatPensiun {
        /// SK number.
        nomor_sk: String,
        /// SK date; not in the future.
        tanggal_sk: Date,
        /// TMT pensiun: the 1st of the month after reaching the BUP of the jabatan.
        tmt_pensiun: Date,
    },
}

/// The kind of mutasi, seen from the satker recording it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisMutasi {
    /// The pegawai leaves the satker for `satker_tujuan` (which may be outside the system).
    Keluar,
    /// The pegawai joins `satker_tujuan`, into `unit_tujuan`.
    Masuk,
    /// The pegawai moves to another unit and/or jabatan inside the satker.
    Internal,
}

/// An SK mutasi (DOMAIN §5: decided above the satker, recorded by it).
///
/// | jenis | satker_tujuan | unit_tujuan | effect |
/// |---|---|---|---|
/// | keluar | another satker, known or not | optional; when given, in `satker_tujuan` | with a unit: moved there, still active; without: the pegawai is *keluar* until a mutasi masuk |
/// | masuk | a known satker, not the current one (unless the pegawai is keluar) | required, in `satker_tujuan` | moved there, active |
/// | internal | the current satker | optional | unit and/or jabatan change (at least one) |
///
/// `jabatan_tujuan`, when given, becomes the jabatan with the mutasi's TMT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataMutasi {
    /// Kind.
    pub jenis: JenisMutasi,
    /// SK number.
    pub nomor_sk: String,
    /// SK date; not in the future.
    pub tanggal_sk: Date,
    /// TMT of the move (may lie ahead: the SK comes first).
    pub tmt: Date,
    /// Destination satker.
    pub satker_tujuan: SatkerId,
    /// Destination unit kerja.
    pub unit_tujuan: Option<Uuid>,
    /// New jabatan.
    pub jabatan_tujuan: Option<Uuid>,
}

/// Everything known about a pegawai at registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPegawaiBaru {
    /// NIP (PNS/CPNS) or NI PPPK; also the stream id. Re-checked against `jenis_pegawai`.
    pub nip: Nip,
    /// Name without titles.
    pub nama: String,
    /// Titles before the name (e.g. "Dr. H.").
    pub gelar_depan: Option<String>,
    /// Titles after the name (e.g. "S.H., M.H.").
    pub gelar_belakang: Option<String>,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Date of birth; must match digits 1–8 of the NIP.
    pub tanggal_lahir: Date,
    /// Sex; must match digit 15 of the NIP.
    pub jenis_kelamin: JenisKelamin,
    /// PNS, CPNS or PPPK.
    pub jenis_pegawai: JenisPegawai,
    /// Current golongan: a ruang for PNS/CPNS, I–XVII for PPPK.
    pub golongan: Golongan,
    /// TMT of the current golongan.
    pub tmt_golongan: Date,
    /// Current jabatan.
    pub jabatan_id: Uuid,
    /// TMT of the current jabatan.
    pub tmt_jabatan: Date,
    /// Current unit kerja; must belong to `satker_id`.
    pub unit_kerja_id: Uuid,
    /// Satker.
    pub satker_id: SatkerId,
    /// Highest ijazah.
    pub pendidikan_terakhir: Pendidikan,
    /// TMT CPNS (PNS and CPNS).
    pub tmt_cpns: Option<Date>,
    /// TMT PNS (PNS only).
    pub tmt_pns: Option<Date>,
    /// TMT PPPK (PPPK only).
    pub tmt_pppk: Option<Date>,
}

/// A change to a registered pegawai. `None` means "leave as is".
///
/// The gelar fields are doubly optional: `None` leaves the title alone,
/// `Some(None)` removes it, `Some(Some(s))` sets it. In JSON an absent field is
/// `None` and `null` is `Some(None)`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerubahanPegawai {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nama: Option<String>,
    /// New titles before the name (`Some(None)` removes them).
    #[serde(
        default,
        deserialize_with = "ada_walau_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub gelar_depan: Option<Option<String>>,
    /// New titles after the name (`Some(None)` removes them).
    #[serde(
        default,
        deserialize_with = "ada_walau_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub gelar_belakang: Option<Option<String>>,
    /// New place of birth (a correction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tempat_lahir: Option<String>,
    /// New highest ijazah.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pendidikan_terakhir: Option<Pendidikan>,
    /// New golongan with its TMT (after the current TMT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub golongan: Option<(Golongan, Date)>,
    /// New jabatan with its TMT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jabatan: Option<(Uuid, Date)>,
    /// New unit kerja inside the pegawai's satker (moving satker is mutasi).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_kerja_id: Option<Uuid>,
    /// A CPNS becomes PNS with this TMT PNS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_pns: Option<Date>,
}

impl PerubahanPegawai {
    /// True when nothing is asked to change.
    #[must_use]
    pub fn is_kosong(&self) -> bool {
        *self == Self::default()
    }
}

/// A present field (even `null`) is `Some(..)`; an absent one falls to `#[serde(default)]`.
fn ada_walau_null<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelar_yang_tidak_dikirim_dibiarkan_dan_null_menghapus() {
        let p: PerubahanPegawai = serde_json::from_str(r#"{"nama":"Siti"}"#).unwrap();
        assert_eq!(p.gelar_depan, None);
        let p: PerubahanPegawai = serde_json::from_str(r#"{"gelar_depan":null}"#).unwrap();
        assert_eq!(p.gelar_depan, Some(None));
        let p: PerubahanPegawai = serde_json::from_str(r#"{"gelar_belakang":"S.H."}"#).unwrap();
        assert_eq!(p.gelar_belakang, Some(Some("S.H.".into())));
    }

    #[test]
    fn perubahan_bolak_balik_lewat_json_tanpa_kehilangan_makna() {
        let p = PerubahanPegawai {
            gelar_depan: Some(None),
            golongan: Some((Golongan::III_B, time::macros::date!(2026 - 01 - 01))),
            ..PerubahanPegawai::default()
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<PerubahanPegawai>(&json).unwrap(), p);
        assert!(PerubahanPegawai::default().is_kosong());
        assert!(!p.is_kosong());
    }
}
