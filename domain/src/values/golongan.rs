//! [`Golongan`]: the rank of a pegawai, either a ruang I/a … IV/e (PNS/CPNS, PP 99/2000)
//! with its pangkat and SIASN id, or a PPPK golongan I … XVII.
//!
//! Ruang order by rank (I/a < I/b < … < IV/e), PPPK golongan by number. The two
//! kinds are not comparable in meaning; for a total `Ord` every ruang sorts before
//! every PPPK golongan.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A golongan: ruang (PNS/CPNS) or PPPK golongan. Serialised as its string, e.g. `"III/a"`, `"IX"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Golongan(Repr);

/// Field order gives the rank order: tingkat (I–IV), then ruang letter (a–e).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    /// `tingkat` 1..=4, `ruang` 0..=4 for a..e (e only for IV).
    Ruang { tingkat: u8, ruang: u8 },
    /// 1..=17.
    Pppk(u8),
}

/// The 17 ruang of PP 99/2000: (tingkat, ruang letter index, pangkat, SIASN id).
const RUANG: [(u8, u8, &str, u8); 17] = [
    (1, 0, "Juru Muda", 11),
    (1, 1, "Juru Muda Tingkat I", 12),
    (1, 2, "Juru", 13),
    (1, 3, "Juru Tingkat I", 14),
    (2, 0, "Pengatur Muda", 21),
    (2, 1, "Pengatur Muda Tingkat I", 22),
    (2, 2, "Pengatur", 23),
    (2, 3, "Pengatur Tingkat I", 24),
    (3, 0, "Penata Muda", 31),
    (3, 1, "Penata Muda Tingkat I", 32),
    (3, 2, "Penata", 33),
    (3, 3, "Penata Tingkat I", 34),
    (4, 0, "Pembina", 41),
    (4, 1, "Pembina Tingkat I", 42),
    (4, 2, "Pembina Utama Muda", 43),
    (4, 3, "Pembina Utama Madya", 44),
    (4, 4, "Pembina Utama", 45),
];

const ROMAWI: [&str; 17] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
    "XVI", "XVII",
];

const HURUF: [char; 5] = ['a', 'b', 'c', 'd', 'e'];

const fn ruang(tingkat: u8, ruang: u8) -> Golongan {
    Golongan(Repr::Ruang { tingkat, ruang })
}

impl Golongan {
    /// I/a, Juru Muda.
    pub const I_A: Self = ruang(1, 0);
    /// I/b, Juru Muda Tingkat I.
    pub const I_B: Self = ruang(1, 1);
    /// I/c, Juru.
    pub const I_C: Self = ruang(1, 2);
    /// I/d, Juru Tingkat I.
    pub const I_D: Self = ruang(1, 3);
    /// II/a, Pengatur Muda.
    pub const II_A: Self = ruang(2, 0);
    /// II/b, Pengatur Muda Tingkat I.
    pub const II_B: Self = ruang(2, 1);
    /// II/c, Pengatur.
    pub const II_C: Self = ruang(2, 2);
    /// II/d, Pengatur Tingkat I.
    pub const II_D: Self = ruang(2, 3);
    /// III/a, Penata Muda.
    pub const III_A: Self = ruang(3, 0);
    /// III/b, Penata Muda Tingkat I.
    pub const III_B: Self = ruang(3, 1);
    /// III/c, Penata.
    pub const III_C: Self = ruang(3, 2);
    /// III/d, Penata Tingkat I.
    pub const III_D: Self = ruang(3, 3);
    /// IV/a, Pembina.
    pub const IV_A: Self = ruang(4, 0);
    /// IV/b, Pembina Tingkat I.
    pub const IV_B: Self = ruang(4, 1);
    /// IV/c, Pembina Utama Muda.
    pub const IV_C: Self = ruang(4, 2);
    /// IV/d, Pembina Utama Madya.
    pub const IV_D: Self = ruang(4, 3);
    /// IV/e, Pembina Utama.
    pub const IV_E: Self = ruang(4, 4);

    /// PPPK golongan `n` (1..=17), or `None` outside that range.
    #[must_use]
    pub const fn pppk(n: u8) -> Option<Self> {
        if n >= 1 && n <= 17 {
            Some(Self(Repr::Pppk(n)))
        } else {
            None
        }
    }

    /// Parses a ruang (`"III/a"`; the letter may be upper case, spaces around `/`
    /// are ignored) or a PPPK golongan in Roman numerals (`"IX"`).
    ///
    /// # Errors
    /// `golongan_tidak_dikenal` for anything else (e.g. `"III/e"`, `"XVIII"`).
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let tidak_dikenal = || {
            DomainError::invalid(
                "golongan_tidak_dikenal",
                format!(
                    "Golongan '{t}' tidak dikenal; gunakan I/a sampai IV/e (PNS/CPNS) atau I sampai XVII (PPPK)."
                ),
            )
        };
        if let Some((tingkat, huruf)) = t.split_once('/') {
            let tingkat = match tingkat.trim() {
                "I" => 1,
                "II" => 2,
                "III" => 3,
                "IV" => 4,
                _ => return Err(tidak_dikenal()),
            };
            let mut cs = huruf.trim().chars();
            let (Some(h), None) = (cs.next(), cs.next()) else {
                return Err(tidak_dikenal());
            };
            let h = h.to_ascii_lowercase();
            let ruang_ke = HURUF
                .iter()
                .position(|&c| c == h)
                .ok_or_else(tidak_dikenal)?;
            let ruang_ke = u8::try_from(ruang_ke).map_err(|_| tidak_dikenal())?;
            RUANG
                .iter()
                .find(|(t, r, _, _)| *t == tingkat && *r == ruang_ke)
                .map(|&(t, r, _, _)| ruang(t, r))
                .ok_or_else(tidak_dikenal)
        } else {
            let n = ROMAWI
                .iter()
                .position(|&r| r == t)
                .ok_or_else(tidak_dikenal)?;
            let n = u8::try_from(n + 1).map_err(|_| tidak_dikenal())?;
            Self::pppk(n).ok_or_else(tidak_dikenal)
        }
    }

    /// True for a PPPK golongan (I–XVII), false for a ruang.
    #[must_use]
    pub const fn is_pppk(self) -> bool {
        matches!(self.0, Repr::Pppk(_))
    }

    /// True for a ruang (I/a–IV/e) of PNS/CPNS.
    #[must_use]
    pub const fn is_ruang(self) -> bool {
        !self.is_pppk()
    }

    fn baris(self) -> Option<&'static (u8, u8, &'static str, u8)> {
        match self.0 {
            Repr::Ruang { tingkat, ruang } => RUANG
                .iter()
                .find(|(t, r, _, _)| *t == tingkat && *r == ruang),
            Repr::Pppk(_) => None,
        }
    }

    /// The pangkat of a ruang (e.g. III/a → "Penata Muda"); `None` for PPPK,
    /// who have a golongan but no pangkat.
    #[must_use]
    pub fn pangkat(self) -> Option<&'static str> {
        self.baris().map(|b| b.2)
    }

    /// The SIASN reference id of a ruang (I/a = 11 … IV/e = 45); `None` for PPPK.
    #[must_use]
    pub fn siasn_id(self) -> Option<u8> {
        self.baris().map(|b| b.3)
    }

    /// The next ruang up (III/a → III/b, II/d → III/a); `None` for IV/e, the top,
    /// and for PPPK golongan, which do not rise by kenaikan pangkat.
    #[must_use]
    pub fn berikutnya(self) -> Option<Self> {
        let semua = Self::semua_ruang();
        let i = semua.iter().position(|g| *g == self)?;
        semua.get(i + 1).copied()
    }

    /// The 17 ruang in rank order, I/a … IV/e.
    #[must_use]
    pub fn semua_ruang() -> [Self; 17] {
        RUANG.map(|(t, r, _, _)| ruang(t, r))
    }

    /// The 17 PPPK golongan in order, I … XVII.
    #[must_use]
    pub fn semua_pppk() -> [Self; 17] {
        std::array::from_fn(|i| Self(Repr::Pppk(u8::try_from(i + 1).unwrap_or(1))))
    }
}

impl fmt::Display for Golongan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Repr::Ruang { tingkat, ruang } => write!(
                f,
                "{}/{}",
                ROMAWI[usize::from(tingkat - 1)],
                HURUF[usize::from(ruang)]
            ),
            Repr::Pppk(n) => f.write_str(ROMAWI[usize::from(n - 1)]),
        }
    }
}

impl TryFrom<String> for Golongan {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Golongan> for String {
    fn from(g: Golongan) -> Self {
        g.to_string()
    }
}

impl FromStr for Golongan {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ketujuh_belas_ruang_berpangkat_dan_ber_id_siasn_sesuai_pp_99_2000() {
        let harapan = [
            ("I/a", "Juru Muda", 11),
            ("I/b", "Juru Muda Tingkat I", 12),
            ("I/c", "Juru", 13),
            ("I/d", "Juru Tingkat I", 14),
            ("II/a", "Pengatur Muda", 21),
            ("II/b", "Pengatur Muda Tingkat I", 22),
            ("II/c", "Pengatur", 23),
            ("II/d", "Pengatur Tingkat I", 24),
            ("III/a", "Penata Muda", 31),
            ("III/b", "Penata Muda Tingkat I", 32),
            ("III/c", "Penata", 33),
            ("III/d", "Penata Tingkat I", 34),
            ("IV/a", "Pembina", 41),
            ("IV/b", "Pembina Tingkat I", 42),
            ("IV/c", "Pembina Utama Muda", 43),
            ("IV/d", "Pembina Utama Madya", 44),
            ("IV/e", "Pembina Utama", 45),
        ];
        let semua = Golongan::semua_ruang();
        assert_eq!(semua.len(), harapan.len());
        for (g, (s, pangkat, id)) in semua.iter().zip(harapan) {
            assert_eq!(g.to_string(), s);
            assert_eq!(Golongan::parse(s).unwrap(), *g);
            assert_eq!(g.pangkat(), Some(pangkat), "{s}");
            assert_eq!(g.siasn_id(), Some(id), "{s}");
            assert!(g.is_ruang() && !g.is_pppk());
        }
    }

    #[test]
    fn konstanta_ruang_sama_dengan_hasil_parse() {
        assert_eq!(Golongan::parse("I/a").unwrap(), Golongan::I_A);
        assert_eq!(Golongan::parse("II/d").unwrap(), Golongan::II_D);
        assert_eq!(Golongan::parse("III/a").unwrap(), Golongan::III_A);
        assert_eq!(Golongan::parse("IV/e").unwrap(), Golongan::IV_E);
    }

    #[test]
    fn ruang_diurutkan_menurut_pangkat() {
        let semua = Golongan::semua_ruang();
        assert!(semua.windows(2).all(|w| w[0] < w[1]));
        assert!(Golongan::I_D < Golongan::II_A);
        assert!(Golongan::III_D < Golongan::IV_A);
        assert!(Golongan::IV_A < Golongan::IV_E);
        assert!(Golongan::III_B > Golongan::III_A);
    }

    #[test]
    fn golongan_berikutnya_naik_satu_ruang_dan_berhenti_di_iv_e() {
        assert_eq!(Golongan::III_A.berikutnya(), Some(Golongan::III_B));
        assert_eq!(Golongan::II_D.berikutnya(), Some(Golongan::III_A));
        assert_eq!(Golongan::III_D.berikutnya(), Some(Golongan::IV_A));
        assert_eq!(Golongan::IV_D.berikutnya(), Some(Golongan::IV_E));
        assert_eq!(Golongan::IV_E.berikutnya(), None);
        assert_eq!(Golongan::pppk(9).unwrap().berikutnya(), None);
    }

    #[test]
    fn golongan_pppk_satu_sampai_tujuh_belas_dalam_angka_romawi() {
        let semua = Golongan::semua_pppk();
        let romawi = [
            "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
            "XIV", "XV", "XVI", "XVII",
        ];
        for (g, s) in semua.iter().zip(romawi) {
            assert_eq!(g.to_string(), s);
            assert_eq!(Golongan::parse(s).unwrap(), *g);
            assert!(g.is_pppk());
            assert_eq!(g.pangkat(), None);
            assert_eq!(g.siasn_id(), None);
        }
        assert!(semua.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(Golongan::pppk(9), Some(Golongan::parse("IX").unwrap()));
        assert_eq!(Golongan::pppk(0), None);
        assert_eq!(Golongan::pppk(18), None);
    }

    #[test]
    fn golongan_yang_tidak_ada_ditolak() {
        for s in [
            "", "III/", "III/e", "I/e", "V/a", "IV/f", "III/ab", "XVIII", "IIII", "3/a", "ix",
            "III-a",
        ] {
            let e = Golongan::parse(s).unwrap_err();
            assert_eq!(e.code, "golongan_tidak_dikenal", "{s}");
        }
    }

    #[test]
    fn huruf_ruang_kapital_dan_spasi_diterima_lalu_dinormalkan() {
        assert_eq!(Golongan::parse(" III/A ").unwrap().to_string(), "III/a");
        assert_eq!(Golongan::parse("IV / b").unwrap(), Golongan::IV_B);
    }

    #[test]
    fn serde_golongan_berupa_string() {
        assert_eq!(
            serde_json::to_string(&Golongan::III_A).unwrap(),
            "\"III/a\""
        );
        let ix = Golongan::parse("IX").unwrap();
        assert_eq!(serde_json::to_string(&ix).unwrap(), "\"IX\"");
        assert_eq!(
            serde_json::from_str::<Golongan>("\"IV/c\"").unwrap(),
            Golongan::IV_C
        );
        assert_eq!(serde_json::from_str::<Golongan>("\"IX\"").unwrap(), ix);
        assert!(serde_json::from_str::<Golongan>("\"III/e\"").is_err());
    }
}
