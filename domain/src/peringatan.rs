//! Early warnings (issue 5; DOMAIN §9: what users of peers' SIMPEG value most):
//! who is due for KP reguler, who reaches BUP, whose KGB is due, within a window
//! `[hari_ini, hari_ini + N months]` (both ends included). Pure functions over a
//! [`SnapshotPegawai`] that the caller builds from the read model.
//!
//! Rules, each warning naming the one that triggered it:
//! - **KP reguler** (PP 99/2000): 4 years in pangkat reached, mapped to the next KP
//!   period date in force ([`periode_kp_berikutnya`]); someone already past 4 years
//!   (never raised) is due at the next period on or after today. When the next
//!   golongan is above the ijazah ceiling, the warning is
//!   `kp_terhalang_batas_ijazah` instead (struktural and fungsional holders may
//!   still go by KP pilihan). PNS only: CPNS and PPPK receive no KP.
//! - **BUP** (DOMAIN §5): the TMT pensiun ([`tmt_pensiun`]) in the window.
//! - **KGB** (every 2 years, [`kgb_berikutnya`]) from the last KGB, or the TMT
//!   golongan when no KGB was recorded since (the later of the two), for PNS and
//!   CPNS; PPPK pay follows another scheme and is left out.
//! - KP and KGB dates on or after the TMT pensiun are not reported: they will not
//!   happen.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::kalender::{tambah_bulan, tambah_tahun, tgl};
use crate::master::jabatan::JenisJabatan;
use crate::reference::{
    KelompokBup, baris_batas_ijazah, baris_masa_kgb, baris_usia_bup, kgb_berikutnya,
    periode_kp_berikutnya, syarat_masa_kp, tmt_pensiun,
};
use crate::values::{Golongan, JenisPegawai, Nip, Pendidikan};

/// What the warnings need to know about one pegawai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotPegawai {
    /// NIP or NI PPPK.
    pub nip: Nip,
    /// Name (for the list).
    pub nama: String,
    /// Current golongan.
    pub golongan: Golongan,
    /// TMT of the current golongan.
    pub tmt_golongan: Date,
    /// Date of birth.
    pub tanggal_lahir: Date,
    /// Retirement-age group of the jabatan.
    pub kelompok_bup: KelompokBup,
    /// Highest ijazah.
    pub pendidikan: Pendidikan,
    /// PNS, CPNS or PPPK.
    pub jenis_pegawai: JenisPegawai,
    /// Kind of jabatan.
    pub jenis_jabatan: JenisJabatan,
    /// TMT of the last KGB, when one was recorded.
    pub tmt_kgb_terakhir: Option<Date>,
}

/// The kind of warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisPeringatan {
    /// KP reguler due.
    KpRegulerJatuhTempo,
    /// KP reguler due by years, but the next golongan is above the ijazah ceiling.
    KpTerhalangBatasIjazah,
    /// Reaches BUP: TMT pensiun in the window.
    BupTercapai,
    /// KGB due.
    KgbJatuhTempo,
}

impl JenisPeringatan {
    /// The stable code, as serialised: `kp_reguler_jatuh_tempo`,
    /// `kp_terhalang_batas_ijazah`, `bup_tercapai`, `kgb_jatuh_tempo`.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::KpRegulerJatuhTempo => "kp_reguler_jatuh_tempo",
            Self::KpTerhalangBatasIjazah => "kp_terhalang_batas_ijazah",
            Self::BupTercapai => "bup_tercapai",
            Self::KgbJatuhTempo => "kgb_jatuh_tempo",
        }
    }
}

/// One warning about one pegawai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peringatan {
    /// The pegawai.
    pub nip: Nip,
    /// Name.
    pub nama: String,
    /// Kind (its `kode()` is the rule's stable code).
    pub jenis: JenisPeringatan,
    /// When: the KP period date, the TMT pensiun, or the KGB date.
    pub tanggal: Date,
    /// Current golongan.
    pub golongan: Golongan,
    /// Golongan after the KP (KP warnings only).
    pub golongan_tujuan: Option<Golongan>,
    /// The regulation of the rule that triggered the warning.
    pub dasar_hukum: String,
    /// Explanation for people, in Bahasa Indonesia.
    pub keterangan: String,
}

/// The warnings for one pegawai in `[hari_ini, hari_ini + dalam_bulan months]`,
/// ordered by date.
#[must_use]
pub fn peringatan_pegawai(
    p: &SnapshotPegawai,
    hari_ini: Date,
    dalam_bulan: u32,
) -> Vec<Peringatan> {
    let Some(sampai) = tambah_bulan(hari_ini, i32::try_from(dalam_bulan).unwrap_or(i32::MAX))
    else {
        return Vec::new();
    };
    let dalam = |d: Date| hari_ini <= d && d <= sampai;
    let bup = baris_usia_bup(p.kelompok_bup, hari_ini);
    let pensiun = tmt_pensiun(p.tanggal_lahir, bup.usia);
    let sebelum_pensiun = |d: Date| pensiun.is_none_or(|t| d < t);
    let buat = |jenis, tanggal, golongan_tujuan, dasar_hukum: &str, keterangan| Peringatan {
        nip: p.nip.clone(),
        nama: p.nama.clone(),
        jenis,
        tanggal,
        golongan: p.golongan,
        golongan_tujuan,
        dasar_hukum: dasar_hukum.to_owned(),
        keterangan,
    };
    let mut hasil = Vec::new();

    // KP reguler.
    if p.jenis_pegawai == JenisPegawai::Pns
        && let Some(tujuan) = p.golongan.berikutnya()
    {
        let syarat = syarat_masa_kp(hari_ini);
        let genap = tambah_tahun(p.tmt_golongan, i32::try_from(syarat.reguler).unwrap_or(4));
        if let Some(genap) = genap {
            let tanggal = periode_kp_berikutnya(genap.max(hari_ini));
            if dalam(tanggal) && sebelum_pensiun(tanggal) {
                let batas = baris_batas_ijazah(p.pendidikan, tanggal);
                if tujuan > batas.batas {
                    let pilihan = match p.jenis_jabatan {
                        JenisJabatan::Struktural => "; KP pilihan struktural masih mungkin",
                        JenisJabatan::Fungsional => "; KP pilihan fungsional masih mungkin",
                        JenisJabatan::Pelaksana => "",
                    };
                    hasil.push(buat(
                        JenisPeringatan::KpTerhalangBatasIjazah,
                        tanggal,
                        Some(tujuan),
                        batas.sumber,
                        format!(
                            "Masa kerja {} tahun dalam {} tercapai {}, tetapi {tujuan} melebihi batas golongan ijazah {} ({}){pilihan}.",
                            syarat.reguler,
                            p.golongan,
                            tgl(genap),
                            p.pendidikan.label(),
                            batas.batas
                        ),
                    ));
                } else {
                    hasil.push(buat(
                        JenisPeringatan::KpRegulerJatuhTempo,
                        tanggal,
                        Some(tujuan),
                        syarat.sumber,
                        format!(
                            "KP reguler {} → {tujuan} dapat diusulkan dengan TMT {}: masa kerja {} tahun dalam pangkat tercapai {}.",
                            p.golongan,
                            tgl(tanggal),
                            syarat.reguler,
                            tgl(genap)
                        ),
                    ));
                }
            }
        }
    }

    // BUP.
    if let Some(tmt) = pensiun
        && dalam(tmt)
    {
        hasil.push(buat(
            JenisPeringatan::BupTercapai,
            tmt,
            None,
            bup.sumber,
            format!("Mencapai BUP {} tahun; TMT pensiun {}.", bup.usia, tgl(tmt)),
        ));
    }

    // KGB.
    if p.jenis_pegawai != JenisPegawai::Pppk {
        let dasar = p
            .tmt_kgb_terakhir
            .map_or(p.tmt_golongan, |k| k.max(p.tmt_golongan));
        if let Some(tanggal) = kgb_berikutnya(dasar, hari_ini)
            && dalam(tanggal)
            && sebelum_pensiun(tanggal)
        {
            let masa = baris_masa_kgb(dasar);
            hasil.push(buat(
                JenisPeringatan::KgbJatuhTempo,
                tanggal,
                None,
                masa.sumber,
                format!(
                    "Kenaikan gaji berkala setiap {} tahun sejak {}; jatuh tempo {}.",
                    masa.interval_tahun,
                    tgl(dasar),
                    tgl(tanggal)
                ),
            ));
        }
    }

    hasil.sort_by_key(|w| (w.tanggal, w.jenis));
    hasil
}

/// The warnings for many pegawai, ordered by date, then NIP, then kind.
#[must_use]
pub fn peringatan<'a>(
    pegawai: impl IntoIterator<Item = &'a SnapshotPegawai>,
    hari_ini: Date,
    dalam_bulan: u32,
) -> Vec<Peringatan> {
    let mut semua: Vec<Peringatan> = pegawai
        .into_iter()
        .flat_map(|p| peringatan_pegawai(p, hari_ini, dalam_bulan))
        .collect();
    semua.sort_by(|a, b| (a.tanggal, &a.nip, a.jenis).cmp(&(b.tanggal, &b.nip, b.jenis)));
    semua
}

#[cfg(test)]
#[path = "peringatan_tests.rs"]
mod tests;
