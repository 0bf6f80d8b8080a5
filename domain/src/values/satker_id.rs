//! [`SatkerId`]: the code of a satuan kerja (a court), e.g. `W13-A99`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A satker code: 2–20 characters of `A–Z`, `0–9` and `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SatkerId(String);

impl SatkerId {
    /// Parses a satker code. Surrounding whitespace is trimmed; lower case is refused
    /// rather than folded, so one satker never has two spellings.
    ///
    /// # Errors
    /// `satker_id_tidak_valid` when the code breaks the rules above.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let t = s.trim();
        let panjang_ok = (2..=20).contains(&t.len());
        let huruf_ok = t
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        let awal_ok = t
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if panjang_ok && huruf_ok && awal_ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(DomainError::invalid(
                "satker_id_tidak_valid",
                format!(
                    "Kode satker '{t}' tidak valid: 2–20 karakter huruf kapital, angka atau '-', diawali huruf atau angka (contoh W13-A99)."
                ),
            ))
        }
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SatkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SatkerId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SatkerId> for String {
    fn from(s: SatkerId) -> Self {
        s.0
    }
}

impl FromStr for SatkerId {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for SatkerId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kode_satker_yang_sah_diterima() {
        for s in ["W13-A99", "W13-A1", "PA", "401999", "9-X", &"A".repeat(20)] {
            assert_eq!(SatkerId::parse(s).unwrap().as_str(), s);
        }
        assert_eq!(SatkerId::parse(" W13-A99 ").unwrap().to_string(), "W13-A99");
    }

    #[test]
    fn kode_satker_yang_melanggar_aturan_ditolak() {
        let panjang = "A".repeat(21);
        for s in [
            "",
            "W",
            "w13-a99",
            "W13_A99",
            "-W13",
            "W13 A99",
            "W13.A99",
            "É1",
            panjang.as_str(),
        ] {
            let e = SatkerId::parse(s).unwrap_err();
            assert_eq!(e.code, "satker_id_tidak_valid", "{s}");
        }
    }

    #[test]
    fn serde_satker_id_berupa_string_dan_memeriksa_isinya() {
        let id = SatkerId::parse("W13-A99").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"W13-A99\"");
        assert_eq!(serde_json::from_str::<SatkerId>("\"W13-A99\"").unwrap(), id);
        assert!(serde_json::from_str::<SatkerId>("\"w13\"").is_err());
    }
}
