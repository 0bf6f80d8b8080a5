//! Eligibility of an usul KP (DOMAIN §3) as pure functions over [`DataKelayakan`],
//! and the document checklist each kind of KP needs.
//!
//! The numbers (years in pangkat, KP periods, ijazah ceilings) come from
//! [`crate::reference`], looked up on the TMT of the KP, so an usul is judged by the
//! rules in force on the date it would take effect.
//!
//! Interpretations, marked where DOMAIN does not settle them:
//! - SKP at least "baik" in both of the last two years is required for every kind of
//!   KP, not only reguler \[I: PP 99/2000 asks for a good assessment for KP pilihan and
//!   penyesuaian ijazah as well\].
//! - "Not above the atasan langsung's pangkat" and the ijazah ceiling bound KP
//!   reguler only; KP pilihan fungsional may exceed the atasan (DOMAIN §3), KP pilihan
//!   struktural is bounded by its jabatan, which the caller states through
//!   `satu_tingkat_di_bawah_pangkat_terendah_jabatan`.
//! - Penyesuaian ijazah raises a pegawai to the *starting* golongan of the new ijazah
//!   (S-1 → III/a), which may be more than one step up (II/c → III/a). A hakim rises
//!   one step: S-2 to III/b after 1 year as hakim, S-3 to III/c after 1 year in III/b
//!   (PP 41/2002); other hakim penyesuaian are refused.
//! - STLUD (ujian dinas) is required when the KP crosses into a new golongan
//!   (→ II/a, III/a, IV/a), except for penyesuaian ijazah.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::DomainError;
use crate::kalender::{tahun_penuh, tgl};
use crate::master::jabatan::JenisJabatan;
use crate::reference::{
    baris_batas_ijazah, baris_periode_kp, periode_kp_berikutnya, periode_kp_berlaku, syarat_masa_kp,
};
use crate::values::{Golongan, JenisPegawai, Pendidikan};

/// The kind of kenaikan pangkat (DOMAIN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisKp {
    /// KP reguler: ≥ 4 years in pangkat, within the ijazah ceiling and the atasan's pangkat.
    Reguler,
    /// KP pilihan for holders of a jabatan struktural.
    PilihanStruktural,
    /// KP pilihan for holders of a jabatan fungsional (angka kredit).
    PilihanFungsional,
    /// KP penyesuaian ijazah: a new, relevant ijazah.
    PenyesuaianIjazah,
}

impl JenisKp {
    /// Every kind.
    pub const SEMUA: [Self; 4] = [
        Self::Reguler,
        Self::PilihanStruktural,
        Self::PilihanFungsional,
        Self::PenyesuaianIjazah,
    ];

    /// The stable code, as serialised.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::Reguler => "reguler",
            Self::PilihanStruktural => "pilihan_struktural",
            Self::PilihanFungsional => "pilihan_fungsional",
            Self::PenyesuaianIjazah => "penyesuaian_ijazah",
        }
    }

    /// The label for people, e.g. "KP pilihan (jabatan fungsional)".
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Reguler => "KP reguler",
            Self::PilihanStruktural => "KP pilihan (jabatan struktural)",
            Self::PilihanFungsional => "KP pilihan (jabatan fungsional)",
            Self::PenyesuaianIjazah => "KP penyesuaian ijazah",
        }
    }
}

impl fmt::Display for JenisKp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kode())
    }
}

/// The yearly performance rating (predikat SKP), best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predikat {
    /// Sangat baik.
    SangatBaik,
    /// Baik.
    Baik,
    /// Butuh perbaikan.
    ButuhPerbaikan,
    /// Kurang.
    Kurang,
    /// Sangat kurang.
    SangatKurang,
}

impl Predikat {
    /// True for "baik" or better, the minimum for KP.
    #[must_use]
    pub const fn minimal_baik(self) -> bool {
        matches!(self, Self::SangatBaik | Self::Baik)
    }

    /// The label for people, e.g. "Butuh Perbaikan".
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::SangatBaik => "Sangat Baik",
            Self::Baik => "Baik",
            Self::ButuhPerbaikan => "Butuh Perbaikan",
            Self::Kurang => "Kurang",
            Self::SangatKurang => "Sangat Kurang",
        }
    }
}

/// Whether the hakim rules of PP 41/2002 apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KelompokJabatanKp {
    /// Every pegawai who is not a hakim.
    Umum,
    /// A hakim, with the TMT of the first appointment as hakim (for "1 year as hakim").
    Hakim {
        /// TMT of the first appointment as hakim.
        tmt_pengangkatan_hakim: Date,
    },
}

/// What the eligibility rules need, copied by the caller from the pegawai's record
/// (the aggregate does no I/O). Years are counted in whole years up to the TMT of
/// the KP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataKelayakan {
    /// Current golongan.
    pub golongan: Golongan,
    /// TMT of the current golongan.
    pub tmt_golongan: Date,
    /// Highest ijazah (for penyesuaian ijazah: the new one).
    pub pendidikan: Pendidikan,
    /// PNS, CPNS or PPPK; only PNS receive KP.
    pub jenis_pegawai: JenisPegawai,
    /// Kind of the current jabatan.
    pub jenis_jabatan: JenisJabatan,
    /// TMT of the current jabatan (years in jabatan, for KP pilihan struktural).
    pub tmt_jabatan: Date,
    /// Hakim or not.
    pub kelompok: KelompokJabatanKp,
    /// SKP predikat of last year (N-1); `None` when not assessed.
    pub skp_tahun_lalu: Option<Predikat>,
    /// SKP predikat of the year before (N-2); `None` when not assessed.
    pub skp_dua_tahun_lalu: Option<Predikat>,
    /// Golongan of the atasan langsung; `None` when there is none to compare (e.g. the Ketua).
    pub golongan_atasan: Option<Golongan>,
    /// The required angka kredit (PAK) is met (KP pilihan fungsional).
    pub angka_kredit_terpenuhi: bool,
    /// The pangkat is one step below the lowest pangkat of the jabatan struktural held.
    pub satu_tingkat_di_bawah_pangkat_terendah_jabatan: bool,
    /// The new ijazah is relevant to the duties (KP penyesuaian ijazah).
    pub ijazah_sesuai_tugas: bool,
    /// This is the first KP since appointment (the SK CPNS/PNS is then required).
    pub kp_pertama: bool,
}

/// What the rules found for an eligible usul; copied into the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kelayakan {
    /// Whole years in the current pangkat on the TMT of the KP.
    pub masa_kerja_golongan_tahun: u32,
    /// Whole years in the current jabatan on the TMT of the KP.
    pub masa_jabatan_tahun: u32,
    /// The regulation whose conditions were applied.
    pub dasar_hukum: &'static str,
}

/// A document of the usul KP checklist (DOMAIN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DokumenKp {
    /// SK pangkat terakhir.
    SkPangkatTerakhir,
    /// SKP of the last 2 years.
    SkpDuaTahunTerakhir,
    /// Ijazah and transkrip nilai.
    IjazahDanTranskrip,
    /// Penetapan angka kredit (PAK), jabatan fungsional.
    PenetapanAngkaKredit,
    /// SK jabatan and berita acara pelantikan, jabatan struktural.
    SkJabatanDanPelantikan,
    /// Surat tanda lulus ujian dinas (STLUD).
    Stlud,
    /// SK CPNS and SK PNS (first KP).
    SkCpnsPns,
    /// Izin belajar (penyesuaian ijazah).
    IzinBelajar,
}

impl DokumenKp {
    /// The label for people.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::SkPangkatTerakhir => "SK pangkat terakhir",
            Self::SkpDuaTahunTerakhir => "SKP 2 tahun terakhir",
            Self::IjazahDanTranskrip => "ijazah dan transkrip nilai",
            Self::PenetapanAngkaKredit => "PAK (penetapan angka kredit)",
            Self::SkJabatanDanPelantikan => "SK jabatan dan berita acara pelantikan",
            Self::Stlud => "STLUD (surat tanda lulus ujian dinas)",
            Self::SkCpnsPns => "SK CPNS dan SK PNS",
            Self::IzinBelajar => "izin belajar",
        }
    }
}

const PP_99_2000: &str = "PP 99/2000 jo PP 12/2002";
const PP_41_2002: &str = "PP 41/2002";

fn tolak(code: &'static str, field: &'static str, pesan: String) -> DomainError {
    DomainError::invalid(code, pesan).on_field(field)
}

/// Checks every condition of DOMAIN §3 for a KP of kind `jenis` to
/// `golongan_tujuan` with TMT `tmt`, in a fixed order: PNS, target golongan, KP
/// period, jabatan, years of service, angka kredit / ijazah, SKP, atasan, ceiling.
///
/// # Errors
/// The first condition not met, as an `Invalid` [`DomainError`] with one of the
/// codes `kp_hanya_untuk_pns`, `kp_golongan_tujuan_tidak_sesuai`,
/// `kp_penyesuaian_ijazah_tidak_berlaku`, `kp_tmt_bukan_periode`,
/// `kp_jabatan_tidak_sesuai`, `kp_masa_kerja_kurang`, `kp_masa_jabatan_kurang`,
/// `kp_angka_kredit_kurang`, `kp_ijazah_tidak_relevan`, `kp_skp_kurang`,
/// `kp_melebihi_atasan`, `kp_melebihi_batas_ijazah`.
pub fn cek_kelayakan(
    jenis: JenisKp,
    data: &DataKelayakan,
    golongan_tujuan: Golongan,
    tmt: Date,
) -> Result<Kelayakan, DomainError> {
    if data.jenis_pegawai != JenisPegawai::Pns || !data.golongan.is_ruang() {
        return Err(tolak(
            "kp_hanya_untuk_pns",
            "jenis_pegawai",
            format!(
                "Kenaikan pangkat hanya untuk PNS ({PP_99_2000}); pegawai ini {}.",
                data.jenis_pegawai
            ),
        ));
    }
    let masa_gol = tahun_penuh(data.tmt_golongan, tmt);
    let masa_jab = tahun_penuh(data.tmt_jabatan, tmt);
    let syarat = syarat_masa_kp(tmt);
    let hakim = match data.kelompok {
        KelompokJabatanKp::Hakim {
            tmt_pengangkatan_hakim,
        } => Some(tmt_pengangkatan_hakim),
        KelompokJabatanKp::Umum => None,
    };

    // Target golongan.
    let Some(berikutnya) = data.golongan.berikutnya() else {
        return Err(tolak(
            "kp_golongan_tujuan_tidak_sesuai",
            "golongan_tujuan",
            format!(
                "Golongan {} adalah golongan tertinggi; tidak ada kenaikan pangkat ({PP_99_2000}).",
                data.golongan
            ),
        ));
    };
    let (awal_ijazah, batas_ijazah) = {
        let r = baris_batas_ijazah(data.pendidikan, tmt);
        (r.awal, r.batas)
    };
    let harus = match (jenis, hakim) {
        (JenisKp::PenyesuaianIjazah, None) => {
            if awal_ijazah <= data.golongan {
                return Err(tolak(
                    "kp_penyesuaian_ijazah_tidak_berlaku",
                    "golongan_tujuan",
                    format!(
                        "Golongan awal ijazah {} adalah {awal_ijazah}, tidak di atas golongan sekarang {}; penyesuaian ijazah tidak berlaku ({PP_99_2000}).",
                        data.pendidikan.label(),
                        data.golongan
                    ),
                ));
            }
            awal_ijazah
        }
        _ => berikutnya,
    };
    if golongan_tujuan != harus {
        let cara = if jenis == JenisKp::PenyesuaianIjazah && hakim.is_none() {
            format!("golongan awal ijazah {}", data.pendidikan.label())
        } else {
            "satu tingkat di atas golongan sekarang".to_owned()
        };
        return Err(tolak(
            "kp_golongan_tujuan_tidak_sesuai",
            "golongan_tujuan",
            format!(
                "{} dari {} harus ke {harus} ({cara}), bukan {golongan_tujuan} ({PP_99_2000}).",
                jenis.label(),
                data.golongan
            ),
        ));
    }

    // KP period in force on the TMT.
    if !periode_kp_berlaku(tmt) {
        let baris = baris_periode_kp(tmt);
        return Err(tolak(
            "kp_tmt_bukan_periode",
            "tmt_usulan",
            format!(
                "TMT {} bukan periode kenaikan pangkat menurut {}; periode terdekat {}.",
                tgl(tmt),
                baris.sumber,
                tgl(periode_kp_berikutnya(tmt))
            ),
        ));
    }

    let masa_kurang = |perlu: u32, sumber: &str| {
        tolak(
            "kp_masa_kerja_kurang",
            "tmt_usulan",
            format!(
                "{} memerlukan masa kerja dalam pangkat sekurang-kurangnya {perlu} tahun pada TMT {}; baru {masa_gol} tahun sejak {} ({sumber}).",
                jenis.label(),
                tgl(tmt),
                tgl(data.tmt_golongan)
            ),
        )
    };

    let dasar_hukum = match jenis {
        JenisKp::Reguler => {
            if masa_gol < syarat.reguler {
                return Err(masa_kurang(syarat.reguler, PP_99_2000));
            }
            if hakim.is_some() {
                PP_41_2002
            } else {
                PP_99_2000
            }
        }
        JenisKp::PilihanStruktural => {
            cek_jabatan(data, JenisJabatan::Struktural, jenis)?;
            if data.satu_tingkat_di_bawah_pangkat_terendah_jabatan {
                if masa_gol < syarat.struktural_satu_tingkat_di_bawah {
                    return Err(masa_kurang(
                        syarat.struktural_satu_tingkat_di_bawah,
                        PP_99_2000,
                    ));
                }
                if masa_jab < syarat.struktural_masa_jabatan {
                    return Err(tolak(
                        "kp_masa_jabatan_kurang",
                        "tmt_usulan",
                        format!(
                            "KP pilihan struktural satu tingkat di bawah pangkat terendah jabatan memerlukan {} tahun dalam jabatan; baru {masa_jab} tahun sejak {} ({PP_99_2000}).",
                            syarat.struktural_masa_jabatan,
                            tgl(data.tmt_jabatan)
                        ),
                    ));
                }
            } else if masa_gol < syarat.struktural_lainnya {
                return Err(masa_kurang(syarat.struktural_lainnya, PP_99_2000));
            }
            PP_99_2000
        }
        JenisKp::PilihanFungsional => {
            cek_jabatan(data, JenisJabatan::Fungsional, jenis)?;
            if masa_gol < syarat.fungsional {
                return Err(masa_kurang(syarat.fungsional, PP_99_2000));
            }
            if !data.angka_kredit_terpenuhi {
                return Err(tolak(
                    "kp_angka_kredit_kurang",
                    "angka_kredit_terpenuhi",
                    format!(
                        "KP pilihan fungsional memerlukan angka kredit (PAK) yang dipersyaratkan untuk {golongan_tujuan} ({PP_99_2000})."
                    ),
                ));
            }
            PP_99_2000
        }
        JenisKp::PenyesuaianIjazah => {
            let dasar = match hakim {
                None => {
                    if masa_gol < syarat.penyesuaian_ijazah {
                        return Err(masa_kurang(syarat.penyesuaian_ijazah, PP_99_2000));
                    }
                    PP_99_2000
                }
                Some(tmt_hakim) => {
                    cek_penyesuaian_hakim(data, golongan_tujuan, tmt, tmt_hakim, masa_gol)?;
                    PP_41_2002
                }
            };
            if !data.ijazah_sesuai_tugas {
                return Err(tolak(
                    "kp_ijazah_tidak_relevan",
                    "ijazah_sesuai_tugas",
                    format!(
                        "Ijazah {} untuk penyesuaian ijazah harus sesuai dengan tugas jabatan ({dasar}).",
                        data.pendidikan.label()
                    ),
                ));
            }
            dasar
        }
    };

    // SKP at least "baik" in each of the last 2 years.
    for (tahun, skp) in [
        ("tahun lalu", data.skp_tahun_lalu),
        ("dua tahun lalu", data.skp_dua_tahun_lalu),
    ] {
        if !skp.is_some_and(Predikat::minimal_baik) {
            let nilai = skp.map_or("belum dinilai", Predikat::label);
            return Err(tolak(
                "kp_skp_kurang",
                "skp",
                format!(
                    "Predikat SKP {tahun} harus sekurang-kurangnya Baik untuk kenaikan pangkat; tercatat {nilai} ({PP_99_2000})."
                ),
            ));
        }
    }

    if jenis == JenisKp::Reguler {
        if let Some(atasan) = data.golongan_atasan
            && golongan_tujuan > atasan
        {
            return Err(tolak(
                "kp_melebihi_atasan",
                "golongan_tujuan",
                format!(
                    "KP reguler ke {golongan_tujuan} melebihi pangkat atasan langsung ({atasan}) ({PP_99_2000})."
                ),
            ));
        }
        if golongan_tujuan > batas_ijazah {
            return Err(tolak(
                "kp_melebihi_batas_ijazah",
                "golongan_tujuan",
                format!(
                    "KP reguler ke {golongan_tujuan} melebihi batas golongan ijazah {} ({batas_ijazah}) ({PP_99_2000}).",
                    data.pendidikan.label()
                ),
            ));
        }
    }

    Ok(Kelayakan {
        masa_kerja_golongan_tahun: masa_gol,
        masa_jabatan_tahun: masa_jab,
        dasar_hukum,
    })
}

fn cek_jabatan(
    data: &DataKelayakan,
    harus: JenisJabatan,
    jenis: JenisKp,
) -> Result<(), DomainError> {
    if data.jenis_jabatan != harus {
        return Err(tolak(
            "kp_jabatan_tidak_sesuai",
            "jenis_jabatan",
            format!(
                "{} hanya untuk pemangku jabatan {harus}; jabatan pegawai ini {} ({PP_99_2000}).",
                jenis.label(),
                data.jenis_jabatan
            ),
        ));
    }
    Ok(())
}

/// PP 41/2002: S-2 → III/b after 1 year as hakim; S-3 → III/c after 1 year in III/b.
fn cek_penyesuaian_hakim(
    data: &DataKelayakan,
    golongan_tujuan: Golongan,
    tmt: Date,
    tmt_hakim: Date,
    masa_gol: u32,
) -> Result<(), DomainError> {
    let syarat = syarat_masa_kp(tmt);
    let kurang = |perlu: u32, masa: u32, sejak: Date, apa: &str| {
        tolak(
            "kp_masa_kerja_kurang",
            "tmt_usulan",
            format!(
                "Penyesuaian ijazah hakim ke {golongan_tujuan} memerlukan {perlu} tahun {apa}; baru {masa} tahun sejak {} ({PP_41_2002}).",
                tgl(sejak)
            ),
        )
    };
    match (golongan_tujuan, data.pendidikan) {
        (g, Pendidikan::S2 | Pendidikan::S3) if g == Golongan::III_B => {
            let masa = tahun_penuh(tmt_hakim, tmt);
            if masa < syarat.hakim_s2_masa_hakim {
                return Err(kurang(
                    syarat.hakim_s2_masa_hakim,
                    masa,
                    tmt_hakim,
                    "sebagai hakim",
                ));
            }
            Ok(())
        }
        (g, Pendidikan::S3) if g == Golongan::III_C => {
            if masa_gol < syarat.hakim_s3_masa_golongan {
                return Err(kurang(
                    syarat.hakim_s3_masa_golongan,
                    masa_gol,
                    data.tmt_golongan,
                    "dalam golongan III/b",
                ));
            }
            Ok(())
        }
        _ => Err(tolak(
            "kp_penyesuaian_ijazah_tidak_berlaku",
            "golongan_tujuan",
            format!(
                "Penyesuaian ijazah hakim hanya S-2 ke III/b atau S-3 ke III/c ({PP_41_2002}); bukan {} ke {golongan_tujuan}.",
                data.pendidikan.label()
            ),
        )),
    }
}

/// The documents an usul of kind `jenis` to `golongan_tujuan` needs (DOMAIN §3).
#[must_use]
pub fn dokumen_wajib(
    jenis: JenisKp,
    data: &DataKelayakan,
    golongan_tujuan: Golongan,
) -> Vec<DokumenKp> {
    let mut wajib = vec![DokumenKp::SkPangkatTerakhir, DokumenKp::SkpDuaTahunTerakhir];
    if data.kp_pertama {
        wajib.push(DokumenKp::SkCpnsPns);
    }
    let pindah_golongan = [Golongan::II_A, Golongan::III_A, Golongan::IV_A]
        .contains(&golongan_tujuan)
        && golongan_tujuan > data.golongan;
    match jenis {
        JenisKp::Reguler => {}
        JenisKp::PilihanStruktural => wajib.push(DokumenKp::SkJabatanDanPelantikan),
        JenisKp::PilihanFungsional => wajib.push(DokumenKp::PenetapanAngkaKredit),
        JenisKp::PenyesuaianIjazah => {
            wajib.push(DokumenKp::IjazahDanTranskrip);
            wajib.push(DokumenKp::IzinBelajar);
        }
    }
    if pindah_golongan && jenis != JenisKp::PenyesuaianIjazah {
        wajib.push(DokumenKp::Stlud);
    }
    wajib.sort();
    wajib
}
