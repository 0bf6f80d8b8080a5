//! Reference data set by regulation, versioned by effective date ("berlaku sejak").
//!
//! Rules change (KP periods changed twice since 2024), so every number a regulation
//! sets lives here as a table row with its `berlaku_sejak` and `sumber`, never as a
//! constant in a rule. A lookup picks the latest row already in force on the given
//! date. A new regulation is a new row with a later `berlaku_sejak`; old rows stay,
//! so decisions about the past are judged by the rules of the past.
//!
//! Owned here: the ijazah ceiling of KP reguler (DOMAIN §2); the KP periods
//! ([`periode_kp_berlaku`], [`periode_kp_berikutnya`]), the minimum years in pangkat
//! per kind of KP ([`syarat_masa_kp`]) and the KGB interval ([`kgb_berikutnya`])
//! (DOMAIN §3); the BUP (retirement age) per [`KelompokBup`] (DOMAIN §5), and the
//! pension TMT derived from it.

use serde::{Deserialize, Serialize};
use time::macros::date;
use time::{Date, Month};

use crate::kalender::{awal_bulan_berikutnya_atau_sama, tambah_bulan, tambah_tahun};
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

// ---------------------------------------------------------------------------
// KP periods (DOMAIN §3)
// ---------------------------------------------------------------------------

/// One row of the KP period table: from `berlaku_sejak`, a KP may take effect
/// (TMT) only on the 1st of one of `bulan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodeKp {
    /// First day the row is in force.
    pub berlaku_sejak: Date,
    /// The regulation the row comes from.
    pub sumber: &'static str,
    /// The months whose 1st is a KP period date.
    pub bulan: &'static [Month],
}

const SEMUA_BULAN: [Month; 12] = [
    Month::January,
    Month::February,
    Month::March,
    Month::April,
    Month::May,
    Month::June,
    Month::July,
    Month::August,
    Month::September,
    Month::October,
    Month::November,
    Month::December,
];

/// The KP period table (DOMAIN §3): 1 April and 1 Oktober under PP 99/2000; six
/// periods a year from 1 January 2024 (Per BKN 4/2023); every month from
/// 1 Oktober 2025 (Per BKN 4/2025).
pub const TABEL_PERIODE_KP: &[PeriodeKp] = &[
    PeriodeKp {
        berlaku_sejak: PP_99_2000_BERLAKU,
        sumber: "PP 99/2000 jo PP 12/2002",
        bulan: &[Month::April, Month::October],
    },
    PeriodeKp {
        berlaku_sejak: date!(2024 - 01 - 01),
        sumber: "Peraturan BKN 4/2023",
        bulan: &[
            Month::February,
            Month::April,
            Month::June,
            Month::August,
            Month::October,
            Month::December,
        ],
    },
    PeriodeKp {
        berlaku_sejak: date!(2025 - 10 - 01),
        sumber: "Peraturan BKN 4/2025",
        bulan: &SEMUA_BULAN,
    },
];

/// The KP period row in force on `on`.
#[must_use]
pub fn baris_periode_kp(on: Date) -> &'static PeriodeKp {
    berlaku(TABEL_PERIODE_KP.iter(), |r| r.berlaku_sejak, on)
        // The table is not empty (tested), so this never falls through.
        .unwrap_or(&TABEL_PERIODE_KP[0])
}

/// True when `tmt` is a KP period date under the rule in force on `tmt` itself:
/// 2024-03-01 is not (six periods, no March), 2024-04-01 is, 2025-11-01 is (monthly).
#[must_use]
pub fn periode_kp_berlaku(tmt: Date) -> bool {
    tmt.day() == 1 && baris_periode_kp(tmt).bulan.contains(&tmt.month())
}

/// The first KP period date on or after `from`, each candidate judged by the rule
/// in force on it (so from 15 Nov 2023 the next is 1 Feb 2024, under the new rule).
/// Falls back to `from` itself only at the very end of `time`'s range.
#[must_use]
pub fn periode_kp_berikutnya(from: Date) -> Date {
    let Some(mut d) = awal_bulan_berikutnya_atau_sama(from) else {
        return from;
    };
    // Every rule has at least one period a year, so 12 steps always find one.
    for _ in 0..=12 {
        if periode_kp_berlaku(d) {
            return d;
        }
        match tambah_bulan(d, 1) {
            Some(next) => d = next,
            None => break,
        }
    }
    from
}

// ---------------------------------------------------------------------------
// Minimum years in pangkat per kind of KP (DOMAIN §3)
// ---------------------------------------------------------------------------

/// One row of the minimum-service table of KP: whole years in the current pangkat
/// (and, for struktural, in the jabatan) each kind of KP needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyaratMasaKp {
    /// First day the row is in force.
    pub berlaku_sejak: Date,
    /// The regulations the row comes from.
    pub sumber: &'static str,
    /// KP reguler: years in pangkat.
    pub reguler: u32,
    /// KP pilihan struktural when the pangkat is one step below the jabatan's lowest
    /// pangkat: years in pangkat.
    pub struktural_satu_tingkat_di_bawah: u32,
    /// ... and years in the jabatan struktural.
    pub struktural_masa_jabatan: u32,
    /// KP pilihan struktural otherwise: years in pangkat.
    pub struktural_lainnya: u32,
    /// KP pilihan fungsional: years in pangkat (plus the angka kredit).
    pub fungsional: u32,
    /// KP penyesuaian ijazah: years in pangkat.
    pub penyesuaian_ijazah: u32,
    /// Hakim with S-2, penyesuaian III/a → III/b: years as hakim (PP 41/2002).
    pub hakim_s2_masa_hakim: u32,
    /// Hakim with S-3, penyesuaian III/b → III/c: years in III/b (PP 41/2002).
    pub hakim_s3_masa_golongan: u32,
}

/// The minimum-service table (DOMAIN §3).
pub const TABEL_SYARAT_MASA_KP: &[SyaratMasaKp] = &[SyaratMasaKp {
    berlaku_sejak: PP_99_2000_BERLAKU,
    sumber: "PP 99/2000 jo PP 12/2002; hakim: PP 41/2002",
    reguler: 4,
    struktural_satu_tingkat_di_bawah: 1,
    struktural_masa_jabatan: 1,
    struktural_lainnya: 4,
    fungsional: 2,
    penyesuaian_ijazah: 1,
    hakim_s2_masa_hakim: 1,
    hakim_s3_masa_golongan: 1,
}];

/// The minimum-service row in force on `on` (the TMT of the KP).
#[must_use]
pub fn syarat_masa_kp(on: Date) -> &'static SyaratMasaKp {
    berlaku(TABEL_SYARAT_MASA_KP.iter(), |r| r.berlaku_sejak, on)
        // The table is not empty (tested), so this never falls through.
        .unwrap_or(&TABEL_SYARAT_MASA_KP[0])
}

// ---------------------------------------------------------------------------
// KGB (kenaikan gaji berkala)
// ---------------------------------------------------------------------------

/// One row of the KGB table: the salary step comes every `interval_tahun` years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MasaKgb {
    /// First day the row is in force.
    pub berlaku_sejak: Date,
    /// The regulation the row comes from.
    pub sumber: &'static str,
    /// Years between two KGB.
    pub interval_tahun: u8,
}

/// The KGB table: every 2 years (issue 5 early warnings; DOMAIN §9).
pub const TABEL_MASA_KGB: &[MasaKgb] = &[MasaKgb {
    // PP 7/1977 (Peraturan Gaji PNS) was enacted in 1977; the exact day decides nothing here.
    berlaku_sejak: date!(1977 - 01 - 01),
    sumber: "PP 7/1977 tentang Peraturan Gaji PNS beserta perubahannya",
    interval_tahun: 2,
}];

/// The KGB row in force on `on`.
#[must_use]
pub fn baris_masa_kgb(on: Date) -> &'static MasaKgb {
    berlaku(TABEL_MASA_KGB.iter(), |r| r.berlaku_sejak, on)
        // The table is not empty (tested), so this never falls through.
        .unwrap_or(&TABEL_MASA_KGB[0])
}

/// The first KGB date after `tmt_terakhir` (the last KGB, or the TMT golongan when
/// there was none since) that falls on or after `sejak`: `tmt_terakhir` + k × the
/// interval, k ≥ 1. `kgb_berikutnya(t, t)` is simply the next KGB. `None` only out
/// of `time`'s range.
#[must_use]
pub fn kgb_berikutnya(tmt_terakhir: Date, sejak: Date) -> Option<Date> {
    let mut k: i32 = 1;
    loop {
        let interval = i32::from(baris_masa_kgb(tmt_terakhir).interval_tahun);
        let d = tambah_tahun(tmt_terakhir, interval.checked_mul(k)?)?;
        if d >= sejak {
            return Some(d);
        }
        k = k.checked_add(1)?;
    }
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

    #[test]
    fn periode_kp_2023_hanya_1_april_dan_1_oktober_pp_99_2000() {
        assert!(periode_kp_berlaku(date!(2023 - 04 - 01)));
        assert!(periode_kp_berlaku(date!(2023 - 10 - 01)));
        assert!(!periode_kp_berlaku(date!(2023 - 02 - 01)));
        assert!(!periode_kp_berlaku(date!(2023 - 06 - 01)));
        assert_eq!(
            baris_periode_kp(date!(2023 - 12 - 31)).sumber,
            "PP 99/2000 jo PP 12/2002"
        );
    }

    #[test]
    fn periode_kp_2024_enam_kali_setahun_per_bkn_4_2023() {
        assert!(!periode_kp_berlaku(date!(2024 - 03 - 01)));
        assert!(periode_kp_berlaku(date!(2024 - 04 - 01)));
        assert!(periode_kp_berlaku(date!(2024 - 02 - 01)));
        assert!(periode_kp_berlaku(date!(2024 - 12 - 01)));
        assert!(!periode_kp_berlaku(date!(2024 - 11 - 01)));
        assert_eq!(
            baris_periode_kp(date!(2024 - 01 - 01)).sumber,
            "Peraturan BKN 4/2023"
        );
    }

    #[test]
    fn periode_kp_awal_2025_masih_enam_kali_setahun_per_bkn_4_2023() {
        assert!(!periode_kp_berlaku(date!(2025 - 03 - 01)));
        assert!(periode_kp_berlaku(date!(2025 - 04 - 01)));
        assert!(periode_kp_berlaku(date!(2025 - 08 - 01)));
        assert!(!periode_kp_berlaku(date!(2025 - 09 - 01)));
    }

    #[test]
    fn periode_kp_sejak_1_oktober_2025_setiap_tanggal_1_per_bkn_4_2025() {
        assert!(periode_kp_berlaku(date!(2025 - 10 - 01)));
        assert!(periode_kp_berlaku(date!(2025 - 11 - 01)));
        assert!(periode_kp_berlaku(date!(2026 - 03 - 01)));
        assert!(!periode_kp_berlaku(date!(2025 - 11 - 02)));
        assert_eq!(
            baris_periode_kp(date!(2025 - 10 - 01)).sumber,
            "Peraturan BKN 4/2025"
        );
    }

    #[test]
    fn periode_kp_berikutnya_mengikuti_aturan_yang_berlaku_pada_tanggal_itu() {
        // Under PP 99/2000 from May 2023: 1 Oktober 2023.
        assert_eq!(
            periode_kp_berikutnya(date!(2023 - 05 - 10)),
            date!(2023 - 10 - 01)
        );
        // From mid-November 2023 the old rule would say April 2024; the new one, February.
        assert_eq!(
            periode_kp_berikutnya(date!(2023 - 11 - 15)),
            date!(2024 - 02 - 01)
        );
        assert_eq!(
            periode_kp_berikutnya(date!(2024 - 03 - 01)),
            date!(2024 - 04 - 01)
        );
        assert_eq!(
            periode_kp_berikutnya(date!(2025 - 08 - 02)),
            date!(2025 - 10 - 01)
        );
        assert_eq!(
            periode_kp_berikutnya(date!(2025 - 10 - 02)),
            date!(2025 - 11 - 01)
        );
        // A period date is its own next period.
        assert_eq!(
            periode_kp_berikutnya(date!(2026 - 03 - 01)),
            date!(2026 - 03 - 01)
        );
    }

    #[test]
    fn syarat_masa_kp_sesuai_pp_99_2000_dan_pp_41_2002() {
        let s = syarat_masa_kp(HARI_INI);
        assert_eq!(
            (
                s.reguler,
                s.struktural_satu_tingkat_di_bawah,
                s.struktural_masa_jabatan,
                s.struktural_lainnya,
                s.fungsional,
                s.penyesuaian_ijazah,
                s.hakim_s2_masa_hakim,
                s.hakim_s3_masa_golongan,
            ),
            (4, 1, 1, 4, 2, 1, 1, 1)
        );
        assert!(s.sumber.contains("PP 99/2000") && s.sumber.contains("PP 41/2002"));
    }

    #[test]
    fn kgb_setiap_2_tahun_sejak_tmt_terakhir() {
        assert_eq!(baris_masa_kgb(HARI_INI).interval_tahun, 2);
        let t = date!(2022 - 03 - 01);
        assert_eq!(kgb_berikutnya(t, t), Some(date!(2024 - 03 - 01)));
        assert_eq!(
            kgb_berikutnya(t, date!(2024 - 03 - 02)),
            Some(date!(2026 - 03 - 01))
        );
        assert_eq!(
            kgb_berikutnya(t, date!(2026 - 01 - 15)),
            Some(date!(2026 - 03 - 01))
        );
    }

    #[test]
    fn tmt_pensiun_hakim_pa_65_dan_hakim_pta_67_uu_50_2009() {
        let lahir = date!(1970 - 03 - 14);
        assert_eq!(
            tmt_pensiun(lahir, usia_bup(KelompokBup::HakimPengadilanAgama, HARI_INI)),
            Some(date!(2035 - 04 - 01))
        );
        assert_eq!(
            tmt_pensiun(
                lahir,
                usia_bup(KelompokBup::HakimPengadilanTinggiAgama, HARI_INI)
            ),
            Some(date!(2037 - 04 - 01))
        );
    }
}
