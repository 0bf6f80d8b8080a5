//! [`Pendidikan`]: the highest ijazah of a pegawai, as used by the ijazah ceiling
//! of PP 99/2000 jo PP 12/2002 (see `reference::batas_golongan_ijazah`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Level of the highest ijazah. Serialised as its code (`"SD"`, `"SLTP_KEJURUAN"`, `"D3"`, `"S1"`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Pendidikan {
    /// Sekolah Dasar.
    #[serde(rename = "SD")]
    Sd,
    /// Sekolah Lanjutan Tingkat Pertama (SMP).
    #[serde(rename = "SLTP")]
    Sltp,
    /// SLTP Kejuruan (its own ceiling, II/d).
    #[serde(rename = "SLTP_KEJURUAN")]
    SltpKejuruan,
    /// Sekolah Lanjutan Tingkat Atas (SMA/SMK).
    #[serde(rename = "SLTA")]
    Slta,
    /// Diploma I.
    #[serde(rename = "D1")]
    D1,
    /// Diploma II.
    #[serde(rename = "D2")]
    D2,
    /// Diploma III.
    #[serde(rename = "D3")]
    D3,
    /// Sarjana (S1).
    #[serde(rename = "S1")]
    S1,
    /// Diploma IV (same ceiling as S1).
    #[serde(rename = "D4")]
    D4,
    /// Magister (S2).
    #[serde(rename = "S2")]
    S2,
    /// Doktor (S3).
    #[serde(rename = "S3")]
    S3,
}

impl Pendidikan {
    /// Every level, lowest first (S1 before D4 as in the regulation's list).
    pub const SEMUA: [Self; 11] = [
        Self::Sd,
        Self::Sltp,
        Self::SltpKejuruan,
        Self::Slta,
        Self::D1,
        Self::D2,
        Self::D3,
        Self::S1,
        Self::D4,
        Self::S2,
        Self::S3,
    ];

    /// The stable code, as serialised.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::Sd => "SD",
            Self::Sltp => "SLTP",
            Self::SltpKejuruan => "SLTP_KEJURUAN",
            Self::Slta => "SLTA",
            Self::D1 => "D1",
            Self::D2 => "D2",
            Self::D3 => "D3",
            Self::S1 => "S1",
            Self::D4 => "D4",
            Self::S2 => "S2",
            Self::S3 => "S3",
        }
    }

    /// The label for people, e.g. "D-III", "SLTP Kejuruan".
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Sd => "SD",
            Self::Sltp => "SLTP",
            Self::SltpKejuruan => "SLTP Kejuruan",
            Self::Slta => "SLTA",
            Self::D1 => "D-I",
            Self::D2 => "D-II",
            Self::D3 => "D-III",
            Self::S1 => "S-1",
            Self::D4 => "D-IV",
            Self::S2 => "S-2",
            Self::S3 => "S-3",
        }
    }

    /// Parses a code (`"S1"`, `"SLTP_KEJURUAN"`; case-insensitive).
    ///
    /// # Errors
    /// `pendidikan_tidak_dikenal` for anything else.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        Self::SEMUA
            .into_iter()
            .find(|p| p.kode().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                DomainError::invalid(
                    "pendidikan_tidak_dikenal",
                    format!(
                        "Pendidikan '{t}' tidak dikenal; gunakan SD, SLTP, SLTP_KEJURUAN, SLTA, D1, D2, D3, S1, D4, S2 atau S3."
                    ),
                )
            })
    }
}

impl fmt::Display for Pendidikan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kode())
    }
}

impl FromStr for Pendidikan {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setiap_kode_pendidikan_bolak_balik_lewat_parse_dan_serde() {
        for p in Pendidikan::SEMUA {
            assert_eq!(Pendidikan::parse(p.kode()).unwrap(), p);
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.kode()));
            assert_eq!(serde_json::from_str::<Pendidikan>(&json).unwrap(), p);
        }
    }

    #[test]
    fn kode_pendidikan_serde_sesuai_kesepakatan() {
        assert_eq!(
            serde_json::to_string(&Pendidikan::SltpKejuruan).unwrap(),
            "\"SLTP_KEJURUAN\""
        );
        assert_eq!(serde_json::to_string(&Pendidikan::D3).unwrap(), "\"D3\"");
        assert_eq!(serde_json::to_string(&Pendidikan::S1).unwrap(), "\"S1\"");
    }

    #[test]
    fn kode_pendidikan_tidak_peka_huruf_besar_kecil() {
        assert_eq!(Pendidikan::parse(" s2 ").unwrap(), Pendidikan::S2);
        assert_eq!(
            Pendidikan::parse("sltp_kejuruan").unwrap(),
            Pendidikan::SltpKejuruan
        );
    }

    #[test]
    fn pendidikan_yang_tidak_ada_ditolak() {
        for s in ["", "SMA", "S4", "D5", "D-III"] {
            assert_eq!(
                Pendidikan::parse(s).unwrap_err().code,
                "pendidikan_tidak_dikenal",
                "{s}"
            );
        }
        assert!(serde_json::from_str::<Pendidikan>("\"SMA\"").is_err());
    }
}
