//! Reference data set by regulation, versioned by effective date ("berlaku sejak").
//!
//! Rules change (KP periods changed twice since 2024), so every number a regulation
//! sets lives here as a table row with its `berlaku_sejak` and `sumber`, never as a
//! constant in a rule. A lookup picks the latest row already in force on the given
//! date. A new regulation is a new row with a later `berlaku_sejak`; old rows stay,
//! so decisions about the past are judged by the rules of the past.
//!
//! Owned here: the ijazah ceiling of KP reguler (DOMAIN §2) and the BUP
//! (retirement age) per [`KelompokBup`] (DOMAIN §5), and the pension TMT derived from it.

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, Month};

use crate::values::{Golongan, Pendidikan};

/// One row of the ijazah table: for `pendidikan`, the starting golongan on
/// appointment and the ceiling of KP reguler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatasIjazah {
    /// First day the row is in force.
    pub berlaku_sejak: Date,
    /// The regulation the row comes from.
    pub sumber: &'static str,
    /// The ijazah.
    pub pendidikan: Pendidikan,
    /// Golongan awal on appointment with this ijazah.
    pub awal: Golongan,
    /// Highest golongan reachable by KP reguler with this ijazah.
    pub batas: Golongan,
}

const PP_99_2000: &str = "PP 99/2000 jo PP 12/2002";
const PP_99_2000_BERLAKU: Date = date!(2000 - 10 - 01);

const fn ijazah(pendidikan: Pendidikan, awal: Golongan, batas: Golongan) -> BatasIjazah {
    BatasIjazah {
        berlaku_sejak: PP_99_2000_BERLAKU,
        sumber: PP_99_2000,
        pendidikan,
        awal,
        batas,
    }
}

/// The ijazah table (DOMAIN §2), all rows in force.
pub const TABEL_BATAS_IJAZAH: &[BatasIjazah] = &[
    ijazah(Pendidikan::Sd, Golongan::I_A, Golongan::II_A),
    ijazah(Pendidikan::Sltp, Golongan::I_C, Golongan::II_C),
    ijazah(Pendidikan::SltpKejuruan, Golongan::I_C, Golongan::II_D),
    ijazah(Pendidikan::Slta, Golongan::II_A, Golongan::III_B),
    ijazah(Pendidikan::D1, Golongan::II_A, Golongan::III_B),
    ijazah(Pendidikan::D2, Golongan::II_B, Golongan::III_B),
    ijazah(Pendidikan::D3, Golongan::II_C, Golongan::III_C),
    ijazah(Pendidikan::S1, Golongan::III_A, Golongan::III_D),
    ijazah(Pendidikan::D4, Golongan::III_A, Golongan::III_D),
    ijazah(Pendidikan::S2, Golongan::III_B, Golongan::IV_A),
    ijazah(Pendidikan::S3, Golongan::III_C, Golongan::IV_B),
];

/// Picks, among `rows` that match, the latest one in force on `on`; for a date
/// before every row, the earliest row (the oldest rule we know).
fn berlaku<'a, T>(
    rows: impl Iterator<Item = &'a T> + Clone,
    sejak: impl Fn(&T) -> Date,
    on: Date,
) -> Option<&'a T>
where
    T: 'a,
{
    rows.clone()
        .filter(|r| sejak(r) <= on)
        .max_by_key(|r| sejak(r))
        .or_else(|| rows.min_by_key(|r| sejak(r)))
}

/// The row of the ijazah table for `pendidikan` in force on `on`.
#[must_use]
pub fn baris_batas_ijazah(pendidikan: Pendidikan, on: Date) -> &'static BatasIjazah {
    berlaku(
        TABEL_BATAS_IJAZAH
            .iter()
            .filter(move |r| r.pendidikan == pendidikan),
        |r| r.berlaku_sejak,
        on,
    )
    // The table has a row for every Pendidikan (tested), so this never falls through.
    .unwrap_or(&TABEL_BATAS_IJAZAH[0])
}

/// `(awal, batas)`: the starting golongan and the KP reguler ceiling for
/// `pendidikan` under the rules in force on `on`.
#[must_use]
pub fn batas_golongan_ijazah(pendidikan: Pendidikan, on: Date) -> (Golongan, Golongan) {
    let r = baris_batas_ijazah(pendidikan, on);
    (r.awal, r.batas)
}

/// Which retirement age (BUP) applies to a jabatan (DOMAIN §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KelompokBup {
    /// Pejabat administrasi, JF keterampilan, JF ahli pertama and muda: 58.
    AdministrasiDanAhliPertamaMuda,
    /// Jabatan pimpinan tinggi and JF ahli madya: 60.
    PimpinanTinggiDanAhliMadya,
    /// JF ahli utama: 65.
    AhliUtama,
    /// Hakim of a Pengadilan Agama (ketua, wakil, hakim): 65.
    HakimPengadilanAgama,
    /// Hakim of a Pengadilan Tinggi Agama: 67.
    HakimPengadilanTinggiAgama,
    /// Panitera, sekretaris, jurusita and their staff: 58 (inference, DOMAIN §5 \[I\]).
    KepaniteraanKesekretariatan,
}

impl KelompokBup {
    /// Every group.
    pub const SEMUA: [Self; 6] = [
        Self::AdministrasiDanAhliPertamaMuda,
        Self::PimpinanTinggiDanAhliMadya,
        Self::AhliUtama,
        Self::HakimPengadilanAgama,
        Self::HakimPengadilanTinggiAgama,
        Self::KepaniteraanKesekretariatan,
    ];
}

/// One row of the BUP table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsiaBup {
    /// First day the row is in force.
    pub berlaku_sejak: Date,
    /// The regulation the row comes from (`[I]` marks an inference to keep configurable).
    pub sumber: &'static str,
    /// The group.
    pub kelompok: KelompokBup,
    /// Retirement age in years.
    pub usia: u8,
}

// UU 5/2014 (ASN) was enacted 15 January 2014; its BUP (Pasal 90) is detailed by
// PP 11/2017 Pasal 239. UU 20/2023 replaced UU 5/2014 but keeps these ages until
// its implementing regulation says otherwise: that will be a new row.
const UU_ASN_BERLAKU: Date = date!(2014 - 01 - 15);
const UU_50_2009_BERLAKU: Date = date!(2009 - 10 - 29);

/// The BUP table (DOMAIN §5), all rows in force.
pub const TABEL_USIA_BUP: &[UsiaBup] = &[
    UsiaBup {
        berlaku_sejak: UU_ASN_BERLAKU,
        sumber: "UU 5/2014 Pasal 90 jo PP 11/2017 Pasal 239",
        kelompok: KelompokBup::AdministrasiDanAhliPertamaMuda,
        usia: 58,
    },
    UsiaBup {
        berlaku_sejak: UU_ASN_BERLAKU,
        sumber: "UU 5/2014 Pasal 90 jo PP 11/2017 Pasal 239",
        kelompok: KelompokBup::PimpinanTinggiDanAhliMadya,
        usia: 60,
    },
    UsiaBup {
        berlaku_sejak: UU_ASN_BERLAKU,
        sumber: "UU 5/2014 Pasal 90 jo PP 11/2017 Pasal 239",
        kelompok: KelompokBup::AhliUtama,
        usia: 65,
    },
    UsiaBup {
        berlaku_sejak: UU_50_2009_BERLAKU,
        sumber: "UU 50/2009 (perubahan kedua UU 7/1989 tentang Peradilan Agama)",
        kelompok: KelompokBup::HakimPengadilanAgama,
        usia: 65,
    },
    UsiaBup {
        berlaku_sejak: UU_50_2009_BERLAKU,
        sumber: "UU 50/2009 (perubahan kedua UU 7/1989 tentang Peradilan Agama)",
        kelompok: KelompokBup::HakimPengadilanTinggiAgama,
        usia: 67,
    },
    UsiaBup {
        berlaku_sejak: UU_ASN_BERLAKU,
        sumber: "[I] disamakan dengan pejabat administrasi, UU 5/2014 Pasal 90",
        kelompok: KelompokBup::KepaniteraanKesekretariatan,
        usia: 58,
    },
];

/// The BUP row for `kelompok` in force on `on`.
#[must_use]
pub fn baris_usia_bup(kelompok: KelompokBup, on: Date) -> &'static UsiaBup {
    berlaku(
        TABEL_USIA_BUP
            .iter()
            .filter(move |r| r.kelompok == kelompok),
        |r| r.berlaku_sejak,
        on,
    )
    // The table has a row for every KelompokBup (tested), so this never falls through.
    .unwrap_or(&TABEL_USIA_BUP[0])
}

/// Retirement age in years for `kelompok` under the rules in force on `on`.
#[must_use]
pub fn usia_bup(kelompok: KelompokBup, on: Date) -> u8 {
    baris_usia_bup(kelompok, on).usia
}

/// Pension TMT: the first day of the month after the one in which the pegawai
/// reaches `usia_bup` (DOMAIN §5 \[I\]). Reaching BUP on the 1st still moves the TMT
/// to the next month. `None` only when the date is out of `time`'s range.
#[must_use]
pub fn tmt_pensiun(tanggal_lahir: Date, usia_bup: u8) -> Option<Date> {
    let tahun = tanggal_lahir.year() + i32::from(usia_bup);
    let (tahun, bulan) = match tanggal_lahir.month() {
        Month::December => (tahun + 1, Month::January),
        m => (tahun, m.next()),
    };
    Date::from_calendar_date(tahun, bulan, 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HARI_INI: Date = date!(2026 - 01 - 15);

    #[test]
    fn batas_ijazah_sesuai_pp_99_2000_jo_pp_12_2002() {
        use Golongan as G;
        let harapan = [
            (Pendidikan::Sd, G::I_A, G::II_A),
            (Pendidikan::Sltp, G::I_C, G::II_C),
            (Pendidikan::SltpKejuruan, G::I_C, G::II_D),
            (Pendidikan::Slta, G::II_A, G::III_B),
            (Pendidikan::D1, G::II_A, G::III_B),
            (Pendidikan::D2, G::II_B, G::III_B),
            (Pendidikan::D3, G::II_C, G::III_C),
            (Pendidikan::S1, G::III_A, G::III_D),
            (Pendidikan::D4, G::III_A, G::III_D),
            (Pendidikan::S2, G::III_B, G::IV_A),
            (Pendidikan::S3, G::III_C, G::IV_B),
        ];
        for (p, awal, batas) in harapan {
            assert_eq!(batas_golongan_ijazah(p, HARI_INI), (awal, batas), "{p}");
        }
    }

    #[test]
    fn setiap_pendidikan_punya_baris_batas_ijazah() {
        for p in Pendidikan::SEMUA {
            assert!(TABEL_BATAS_IJAZAH.iter().any(|r| r.pendidikan == p), "{p}");
            let r = baris_batas_ijazah(p, HARI_INI);
            assert_eq!(r.pendidikan, p);
            assert!(r.awal <= r.batas && r.awal.is_ruang() && r.batas.is_ruang());
            assert!(r.sumber.contains("PP 99/2000"));
        }
    }

    #[test]
    fn batas_ijazah_berlaku_sejak_1_oktober_2000() {
        let r = baris_batas_ijazah(Pendidikan::S1, HARI_INI);
        assert_eq!(r.berlaku_sejak, date!(2000 - 10 - 01));
    }

    #[test]
    fn batas_usia_pensiun_per_kelompok_jabatan() {
        use KelompokBup as K;
        assert_eq!(usia_bup(K::AdministrasiDanAhliPertamaMuda, HARI_INI), 58);
        assert_eq!(usia_bup(K::PimpinanTinggiDanAhliMadya, HARI_INI), 60);
        assert_eq!(usia_bup(K::AhliUtama, HARI_INI), 65);
        assert_eq!(usia_bup(K::HakimPengadilanAgama, HARI_INI), 65);
        assert_eq!(usia_bup(K::HakimPengadilanTinggiAgama, HARI_INI), 67);
        assert_eq!(usia_bup(K::KepaniteraanKesekretariatan, HARI_INI), 58);
    }

    #[test]
    fn setiap_kelompok_bup_punya_baris_bersumber() {
        for k in KelompokBup::SEMUA {
            let r = baris_usia_bup(k, HARI_INI);
            assert_eq!(r.kelompok, k);
            assert!(!r.sumber.is_empty());
        }
        assert!(
            baris_usia_bup(KelompokBup::KepaniteraanKesekretariatan, HARI_INI)
                .sumber
                .starts_with("[I]")
        );
    }

    #[test]
    fn pencarian_memilih_baris_terbaru_yang_sudah_berlaku() {
        struct Baris {
            sejak: Date,
            nilai: u8,
        }
        let rows = [
            Baris {
                sejak: date!(2000 - 01 - 01),
                nilai: 1,
            },
            Baris {
                sejak: date!(2024 - 01 - 01),
                nilai: 2,
            },
            Baris {
                sejak: date!(2025 - 10 - 01),
                nilai: 3,
            },
        ];
        let cari = |on| berlaku(rows.iter(), |r: &Baris| r.sejak, on).unwrap().nilai;
        assert_eq!(cari(date!(2023 - 12 - 31)), 1);
        assert_eq!(cari(date!(2024 - 01 - 01)), 2);
        assert_eq!(cari(date!(2025 - 09 - 30)), 2);
        assert_eq!(cari(date!(2025 - 10 - 01)), 3);
        // Before every row: the oldest rule known.
        assert_eq!(cari(date!(1990 - 01 - 01)), 1);
    }

    #[test]
    fn kelompok_bup_berserde_snake_case() {
        assert_eq!(
            serde_json::to_string(&KelompokBup::HakimPengadilanAgama).unwrap(),
            "\"hakim_pengadilan_agama\""
        );
        assert_eq!(
            serde_json::to_string(&KelompokBup::AdministrasiDanAhliPertamaMuda).unwrap(),
            "\"administrasi_dan_ahli_pertama_muda\""
        );
        assert_eq!(
            serde_json::from_str::<KelompokBup>("\"kepaniteraan_kesekretariatan\"").unwrap(),
            KelompokBup::KepaniteraanKesekretariatan
        );
    }

    #[test]
    fn tmt_pensiun_tanggal_1_bulan_berikutnya_setelah_mencapai_bup() {
        // Fixture #6 Panitera, born 19 Sep 1968, BUP 58: retires 1 Oct 2026.
        assert_eq!(
            tmt_pensiun(date!(1968 - 09 - 19), 58),
            Some(date!(2026 - 10 - 01))
        );
        // Fixture #15 Jurusita, born 1 Oct 1968: reaching 58 on the 1st still means 1 Nov 2026.
        assert_eq!(
            tmt_pensiun(date!(1968 - 10 - 01), 58),
            Some(date!(2026 - 11 - 01))
        );
        // Born in December: January of the next year.
        assert_eq!(
            tmt_pensiun(date!(1970 - 12 - 31), 65),
            Some(date!(2036 - 01 - 01))
        );
    }
}
