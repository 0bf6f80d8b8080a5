//! Identity of a pegawai: [`Nip`] (NIP PNS or NI PPPK), [`JenisKelamin`], [`JenisPegawai`].
//!
//! Both numbers have 18 digits but different layouts (DOMAIN §1), so parsing
//! branches on the jenis pegawai:
//!
//! | digits | PNS / CPNS (Perka BKN 22/2007) | PPPK |
//! |---|---|---|
//! | 1–8 | birth date YYYYMMDD | birth date YYYYMMDD |
//! | 9–14 | TMT CPNS YYYYMM | appointment year YYYY + contract code (2 digits, any) |
//! | 15 | sex, 1 male / 2 female | sex |
//! | 16–18 | sequence ≥ 001 | sequence ≥ 001 |
//!
//! A stored `Nip` is just its 18 digits: deserialising checks only that, because
//! the layout was checked against the jenis pegawai when the event was decided.
//! The accessors therefore *read* the digits under a layout; the caller knows
//! which layout applies from the pegawai's jenis.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::DomainError;

/// The sex recorded for a pegawai (digit 15 of the NIP: 1 = L, 2 = P).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JenisKelamin {
    /// Laki-laki (male).
    #[serde(rename = "L")]
    L,
    /// Perempuan (female).
    #[serde(rename = "P")]
    P,
}

impl JenisKelamin {
    /// The stable code, `"L"` or `"P"`.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::L => "L",
            Self::P => "P",
        }
    }

    /// The label for people: "Laki-laki" or "Perempuan".
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::L => "Laki-laki",
            Self::P => "Perempuan",
        }
    }

    /// Parses `"L"` or `"P"`.
    ///
    /// # Errors
    /// `jenis_kelamin_tidak_dikenal` for anything else.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "L" => Ok(Self::L),
            "P" => Ok(Self::P),
            other => Err(DomainError::invalid(
                "jenis_kelamin_tidak_dikenal",
                format!("Jenis kelamin '{other}' tidak dikenal; gunakan L atau P."),
            )),
        }
    }
}

impl fmt::Display for JenisKelamin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kode())
    }
}

/// The employment kind, which decides the NIP layout and many rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JenisPegawai {
    /// Pegawai Negeri Sipil.
    #[serde(rename = "PNS")]
    Pns,
    /// Calon PNS (probation before becoming PNS).
    #[serde(rename = "CPNS")]
    Cpns,
    /// Pegawai Pemerintah dengan Perjanjian Kerja (contract civil servant).
    #[serde(rename = "PPPK")]
    Pppk,
}

impl JenisPegawai {
    /// The stable code: `"PNS"`, `"CPNS"` or `"PPPK"`.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::Pns => "PNS",
            Self::Cpns => "CPNS",
            Self::Pppk => "PPPK",
        }
    }

    /// True for PPPK, whose NIP layout and golongan (I–XVII) differ from PNS/CPNS.
    #[must_use]
    pub const fn is_pppk(self) -> bool {
        matches!(self, Self::Pppk)
    }

    /// Parses `"PNS"`, `"CPNS"` or `"PPPK"`.
    ///
    /// # Errors
    /// `jenis_pegawai_tidak_dikenal` for anything else.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "PNS" => Ok(Self::Pns),
            "CPNS" => Ok(Self::Cpns),
            "PPPK" => Ok(Self::Pppk),
            other => Err(DomainError::invalid(
                "jenis_pegawai_tidak_dikenal",
                format!("Jenis pegawai '{other}' tidak dikenal; gunakan PNS, CPNS atau PPPK."),
            )),
        }
    }
}

impl fmt::Display for JenisPegawai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kode())
    }
}

/// A NIP (PNS/CPNS) or NI PPPK: 18 digits whose layout was checked when parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nip(String);

/// Earliest birth year accepted; anything older is a typing error [I].
const TAHUN_LAHIR_MINIMUM: i32 = 1900;
/// Minimum age at appointment (DOMAIN §1, [I]).
const USIA_MINIMUM_PENGANGKATAN: i32 = 18;

fn format_tidak_valid() -> DomainError {
    DomainError::invalid(
        "nip_format_tidak_valid",
        "NIP harus terdiri dari 18 digit angka.",
    )
}

/// Reads `s[range]` (ASCII digits, already checked) as a number.
fn angka(s: &str, range: std::ops::Range<usize>) -> i32 {
    s[range]
        .bytes()
        .fold(0, |acc, b| acc * 10 + i32::from(b - b'0'))
}

fn tanggal_lahir_dari(s: &str) -> Option<Date> {
    let tahun = angka(s, 0..4);
    let bulan = u8::try_from(angka(s, 4..6)).ok()?;
    let hari = u8::try_from(angka(s, 6..8)).ok()?;
    let bulan = Month::try_from(bulan).ok()?;
    if tahun < TAHUN_LAHIR_MINIMUM {
        return None;
    }
    Date::from_calendar_date(tahun, bulan, hari).ok()
}

fn jenis_kelamin_dari(s: &str) -> Option<JenisKelamin> {
    match s.as_bytes()[14] {
        b'1' => Some(JenisKelamin::L),
        b'2' => Some(JenisKelamin::P),
        _ => None,
    }
}

impl Nip {
    /// Parses a NIP under the layout of `jenis` (PNS and CPNS share one, PPPK has its own).
    ///
    /// Whitespace is ignored, so the grouped form printed on SKs
    /// (`19700314 200003 1 002`) is accepted.
    ///
    /// # Errors
    /// `nip_format_tidak_valid` (not 18 digits), `nip_tanggal_lahir_tidak_valid`
    /// (digits 1–8 not a real date), `nip_tmt_tidak_valid` (PNS: month not 01–12 or
    /// TMT less than 18 years after birth; PPPK: appointment year before the 18th
    /// birthday year), `nip_jenis_kelamin_tidak_valid` (digit 15 not 1 or 2),
    /// `nip_urutan_tidak_valid` (sequence 000). The field is left for the caller.
    pub fn parse(s: &str, jenis: JenisPegawai) -> Result<Self, DomainError> {
        let nip = Self::parse_any(s)?;
        let d = nip.0.as_str();
        let lahir = tanggal_lahir_dari(d).ok_or_else(|| {
            DomainError::invalid(
                "nip_tanggal_lahir_tidak_valid",
                format!(
                    "Digit 1–8 NIP ({}) bukan tanggal lahir yang valid (format TTTTBBHH).",
                    &d[0..8]
                ),
            )
        })?;
        match jenis {
            JenisPegawai::Pns | JenisPegawai::Cpns => {
                let tahun = angka(d, 8..12);
                let bulan = angka(d, 12..14);
                if !(1..=12).contains(&bulan) {
                    return Err(DomainError::invalid(
                        "nip_tmt_tidak_valid",
                        format!(
                            "Digit 9–14 NIP ({}) harus TMT CPNS berformat TTTTBB dengan bulan 01–12.",
                            &d[8..14]
                        ),
                    ));
                }
                // The NIP only knows the month of the TMT, so compare at month
                // resolution: the TMT month may not precede the month of the 18th birthday.
                let tmt = tahun * 12 + bulan;
                let dewasa = (lahir.year() + USIA_MINIMUM_PENGANGKATAN) * 12
                    + i32::from(u8::from(lahir.month()));
                if tmt < dewasa {
                    return Err(DomainError::invalid(
                        "nip_tmt_tidak_valid",
                        format!(
                            "TMT CPNS pada NIP ({}) kurang dari 18 tahun setelah tanggal lahir.",
                            &d[8..14]
                        ),
                    ));
                }
            }
            JenisPegawai::Pppk => {
                let tahun = angka(d, 8..12);
                if tahun < lahir.year() + USIA_MINIMUM_PENGANGKATAN {
                    return Err(DomainError::invalid(
                        "nip_tmt_tidak_valid",
                        format!(
                            "Tahun pengangkatan pada NI PPPK ({tahun}) kurang dari 18 tahun setelah tahun lahir."
                        ),
                    ));
                }
                // Digits 13–14 are the contract code (e.g. 21, 24): any two digits.
            }
        }
        if jenis_kelamin_dari(d).is_none() {
            return Err(DomainError::invalid(
                "nip_jenis_kelamin_tidak_valid",
                "Digit ke-15 NIP (jenis kelamin) harus 1 (laki-laki) atau 2 (perempuan).",
            ));
        }
        if angka(d, 15..18) < 1 {
            return Err(DomainError::invalid(
                "nip_urutan_tidak_valid",
                "Nomor urut NIP (digit 16–18) paling kecil 001.",
            ));
        }
        Ok(nip)
    }

    /// Parses any 18-digit number without checking its layout: for looking a NIP up,
    /// and for reading stored events (validated when they were decided).
    ///
    /// # Errors
    /// `nip_format_tidak_valid` when, whitespace removed, it is not exactly 18 ASCII digits.
    pub fn parse_any(s: &str) -> Result<Self, DomainError> {
        let d: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if d.len() != 18 || !d.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_tidak_valid());
        }
        Ok(Self(d))
    }

    /// The 18 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date from digits 1–8 (both layouts). `None` only for a NIP taken
    /// through [`Nip::parse_any`] whose digits are not a date.
    #[must_use]
    pub fn tanggal_lahir(&self) -> Option<Date> {
        tanggal_lahir_dari(&self.0)
    }

    /// Sex from digit 15 (both layouts). `None` only for a NIP taken through
    /// [`Nip::parse_any`] whose digit 15 is not 1 or 2.
    #[must_use]
    pub fn jenis_kelamin(&self) -> Option<JenisKelamin> {
        jenis_kelamin_dari(&self.0)
    }

    /// TMT CPNS (year, month) from digits 9–14, read under the PNS/CPNS layout.
    /// `None` when digits 13–14 are not a month (always so for a PPPK number with a
    /// contract code above 12). Meaningful only when the pegawai is PNS or CPNS.
    #[must_use]
    pub fn tmt_cpns_bulan(&self) -> Option<(i32, Month)> {
        let bulan = u8::try_from(angka(&self.0, 12..14)).ok()?;
        let bulan = Month::try_from(bulan).ok()?;
        Some((angka(&self.0, 8..12), bulan))
    }

    /// Appointment year from digits 9–12, read under the PPPK layout.
    /// Meaningful only when the pegawai is PPPK; the digits always read as a year,
    /// so this is `Some` for every 18-digit number.
    #[must_use]
    pub fn tahun_pengangkatan(&self) -> Option<i32> {
        Some(angka(&self.0, 8..12))
    }

    /// Contract code from digits 13–14, read under the PPPK layout (e.g. `"21"`).
    #[must_use]
    pub fn kode_perjanjian(&self) -> &str {
        &self.0[12..14]
    }
}

impl fmt::Display for Nip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Nip {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_any(&s)
    }
}

impl From<Nip> for String {
    fn from(n: Nip) -> Self {
        n.0
    }
}

impl FromStr for Nip {
    type Err = DomainError;
    /// Same as [`Nip::parse_any`]: the layout needs the jenis pegawai.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_any(s)
    }
}

impl AsRef<str> for Nip {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The 20 fixture NIPs of DOMAIN §8 with their jenis pegawai.
    const FIXTURE: [(&str, JenisPegawai); 20] = [
        ("197003142000031002", JenisPegawai::Pns),
        ("197508222002122001", JenisPegawai::Pns),
        ("198301052008021003", JenisPegawai::Pns),
        ("199004172017122004", JenisPegawai::Pns),
        ("199411202021121006", JenisPegawai::Pns),
        ("196809191994031001", JenisPegawai::Pns),
        ("197902032006042002", JenisPegawai::Pns),
        ("197609182003121002", JenisPegawai::Pns),
        ("198012302005012003", JenisPegawai::Pns),
        ("197807072006041004", JenisPegawai::Pns),
        ("198502152009042005", JenisPegawai::Pns),
        ("198705292011011002", JenisPegawai::Pns),
        ("199008082014121001", JenisPegawai::Pns),
        ("198404122008122002", JenisPegawai::Pns),
        ("196810011990031003", JenisPegawai::Pns),
        ("199805142022032003", JenisPegawai::Pns),
        ("199611232020121004", JenisPegawai::Pns),
        ("199507222019032004", JenisPegawai::Pns),
        ("199203252024212003", JenisPegawai::Pppk),
        ("200103112025061002", JenisPegawai::Cpns),
    ];

    fn kode(s: &str, jenis: JenisPegawai) -> &'static str {
        Nip::parse(s, jenis).unwrap_err().code
    }

    #[test]
    fn semua_nip_fixture_valid_menurut_jenis_pegawainya() {
        for (s, jenis) in FIXTURE {
            let nip = Nip::parse(s, jenis).unwrap_or_else(|e| panic!("{s} ({jenis}): {e}"));
            assert_eq!(nip.as_str(), s);
        }
    }

    #[test]
    fn nip_pns_dibaca_tanggal_lahir_tmt_dan_jenis_kelaminnya() {
        let nip = Nip::parse("197003142000031002", JenisPegawai::Pns).unwrap();
        assert_eq!(nip.tanggal_lahir(), Some(date!(1970 - 03 - 14)));
        assert_eq!(nip.tmt_cpns_bulan(), Some((2000, Month::March)));
        assert_eq!(nip.jenis_kelamin(), Some(JenisKelamin::L));
        let nip = Nip::parse("197508222002122001", JenisPegawai::Pns).unwrap();
        assert_eq!(nip.jenis_kelamin(), Some(JenisKelamin::P));
        assert_eq!(nip.tmt_cpns_bulan(), Some((2002, Month::December)));
    }

    #[test]
    fn ni_pppk_dibaca_tahun_pengangkatan_dan_kode_perjanjiannya() {
        let nip = Nip::parse("199203252024212003", JenisPegawai::Pppk).unwrap();
        assert_eq!(nip.tanggal_lahir(), Some(date!(1992 - 03 - 25)));
        assert_eq!(nip.tahun_pengangkatan(), Some(2024));
        assert_eq!(nip.kode_perjanjian(), "21");
        assert_eq!(nip.jenis_kelamin(), Some(JenisKelamin::P));
        // Digits 13–14 = 21 are no month, so there is no PNS reading of them.
        assert_eq!(nip.tmt_cpns_bulan(), None);
    }

    #[test]
    fn nip_yang_bukan_18_digit_angka_ditolak() {
        for s in [
            "",
            "19700314200003100",
            "1970031420000310021",
            "19700314200003100a",
            "１９７００３１４２００００３１００２",
        ] {
            assert_eq!(kode(s, JenisPegawai::Pns), "nip_format_tidak_valid", "{s}");
            assert_eq!(
                Nip::parse_any(s).unwrap_err().code,
                "nip_format_tidak_valid",
                "{s}"
            );
        }
    }

    #[test]
    fn spasi_dalam_nip_diabaikan() {
        let nip = Nip::parse(" 19700314 200003 1 002 ", JenisPegawai::Pns).unwrap();
        assert_eq!(nip.as_str(), "197003142000031002");
    }

    #[test]
    fn tanggal_lahir_nip_harus_tanggal_yang_ada() {
        // 30 February, month 13, day 00, 29 February of a non-leap year, year before 1900.
        for s in [
            "197002302000031002",
            "197013142000031002",
            "197003002000031002",
            "197102292000031002",
            "189903141920031002",
        ] {
            assert_eq!(
                kode(s, JenisPegawai::Pns),
                "nip_tanggal_lahir_tidak_valid",
                "{s}"
            );
            assert_eq!(
                kode(s, JenisPegawai::Pppk),
                "nip_tanggal_lahir_tidak_valid",
                "{s}"
            );
        }
        // 29 February of a leap year is a real date.
        assert!(Nip::parse("197202292000031002", JenisPegawai::Pns).is_ok());
    }

    #[test]
    fn bulan_tmt_cpns_pada_nip_pns_harus_01_sampai_12() {
        assert_eq!(
            kode("197003142000001002", JenisPegawai::Pns),
            "nip_tmt_tidak_valid"
        );
        assert_eq!(
            kode("197003142000131002", JenisPegawai::Cpns),
            "nip_tmt_tidak_valid"
        );
        assert!(Nip::parse("197003142000121002", JenisPegawai::Pns).is_ok());
        assert!(Nip::parse("197003142000011002", JenisPegawai::Pns).is_ok());
    }

    #[test]
    fn tmt_cpns_pada_nip_paling_cepat_bulan_ulang_tahun_ke_18() {
        // Born May 1990: May 2008 is accepted, April 2008 is not.
        assert!(Nip::parse("199005202008051001", JenisPegawai::Pns).is_ok());
        assert_eq!(
            kode("199005202008041001", JenisPegawai::Pns),
            "nip_tmt_tidak_valid"
        );
        assert_eq!(
            kode("197003141985031002", JenisPegawai::Pns),
            "nip_tmt_tidak_valid"
        );
    }

    #[test]
    fn digit_jenis_kelamin_harus_1_atau_2() {
        for d in ['0', '3', '9'] {
            let s = format!("19700314200003{d}002");
            assert_eq!(kode(&s, JenisPegawai::Pns), "nip_jenis_kelamin_tidak_valid");
            let s = format!("19920325202421{d}003");
            assert_eq!(
                kode(&s, JenisPegawai::Pppk),
                "nip_jenis_kelamin_tidak_valid"
            );
        }
    }

    #[test]
    fn nomor_urut_nip_paling_kecil_001() {
        assert_eq!(
            kode("197003142000031000", JenisPegawai::Pns),
            "nip_urutan_tidak_valid"
        );
        assert_eq!(
            kode("199203252024212000", JenisPegawai::Pppk),
            "nip_urutan_tidak_valid"
        );
        assert!(Nip::parse("197003142000031001", JenisPegawai::Pns).is_ok());
        assert!(Nip::parse("197003142000031999", JenisPegawai::Pns).is_ok());
    }

    #[test]
    fn ni_pppk_ditolak_dengan_tata_letak_pns() {
        // Digits 13–14 of a PPPK number are a contract code (21), not a month.
        assert_eq!(
            kode("199203252024212003", JenisPegawai::Pns),
            "nip_tmt_tidak_valid"
        );
        assert_eq!(
            kode("199203252024212003", JenisPegawai::Cpns),
            "nip_tmt_tidak_valid"
        );
    }

    #[test]
    fn kode_perjanjian_pppk_boleh_dua_digit_apa_saja() {
        for k in ["00", "21", "24", "99"] {
            let s = format!("199203252024{k}2003");
            assert!(Nip::parse(&s, JenisPegawai::Pppk).is_ok(), "{s}");
        }
    }

    #[test]
    fn tahun_pengangkatan_pppk_paling_cepat_tahun_lahir_ditambah_18() {
        assert!(Nip::parse("199203252010212003", JenisPegawai::Pppk).is_ok());
        assert_eq!(
            kode("199203252009212003", JenisPegawai::Pppk),
            "nip_tmt_tidak_valid"
        );
    }

    #[test]
    fn serde_nip_berupa_string_dan_menerima_kedua_tata_letak() {
        let nip = Nip::parse("197003142000031002", JenisPegawai::Pns).unwrap();
        assert_eq!(
            serde_json::to_string(&nip).unwrap(),
            "\"197003142000031002\""
        );
        for s in ["\"197003142000031002\"", "\"199203252024212003\""] {
            let n: Nip = serde_json::from_str(s).unwrap();
            assert_eq!(format!("\"{n}\""), s);
        }
    }

    #[test]
    fn serde_nip_menolak_yang_bukan_18_digit() {
        assert!(serde_json::from_str::<Nip>("\"12345\"").is_err());
        assert!(serde_json::from_str::<Nip>("197003142000031002").is_err());
    }

    #[test]
    fn jenis_kelamin_dan_jenis_pegawai_berserde_kode_tetap() {
        assert_eq!(serde_json::to_string(&JenisKelamin::L).unwrap(), "\"L\"");
        assert_eq!(serde_json::to_string(&JenisKelamin::P).unwrap(), "\"P\"");
        assert_eq!(
            serde_json::to_string(&JenisPegawai::Pns).unwrap(),
            "\"PNS\""
        );
        assert_eq!(
            serde_json::to_string(&JenisPegawai::Cpns).unwrap(),
            "\"CPNS\""
        );
        assert_eq!(
            serde_json::to_string(&JenisPegawai::Pppk).unwrap(),
            "\"PPPK\""
        );
        assert_eq!(
            serde_json::from_str::<JenisPegawai>("\"PPPK\"").unwrap(),
            JenisPegawai::Pppk
        );
        assert!(serde_json::from_str::<JenisPegawai>("\"pns\"").is_err());
        assert!(serde_json::from_str::<JenisKelamin>("\"X\"").is_err());
    }

    #[test]
    fn jenis_kelamin_dan_jenis_pegawai_diparse_dari_kodenya() {
        assert_eq!(JenisKelamin::parse("P").unwrap(), JenisKelamin::P);
        assert_eq!(
            JenisKelamin::parse("W").unwrap_err().code,
            "jenis_kelamin_tidak_dikenal"
        );
        assert_eq!(JenisPegawai::parse("CPNS").unwrap(), JenisPegawai::Cpns);
        assert_eq!(
            JenisPegawai::parse("honorer").unwrap_err().code,
            "jenis_pegawai_tidak_dikenal"
        );
        assert!(JenisPegawai::Pppk.is_pppk());
        assert!(!JenisPegawai::Cpns.is_pppk());
    }
}
