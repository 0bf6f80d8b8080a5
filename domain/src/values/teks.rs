//! Free-text values typed by people: names, places, titles ([`NamaTeks`]).
//!
//! The rules are deliberately few: surrounding whitespace is trimmed, an empty
//! value is refused, the length (in characters, not bytes) is bounded, and control
//! characters (newlines, tabs, NUL...) are refused because these values end up in
//! letters, reports and single-line table cells.

use std::fmt;

use serde::Serialize;

use crate::error::DomainError;

/// A trimmed, non-empty, single-line text of bounded length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct NamaTeks(String);

impl NamaTeks {
    /// Parses a required text of at most `max_len` characters.
    ///
    /// # Errors
    /// `wajib_diisi` when empty after trimming, `terlalu_panjang` when longer than
    /// `max_len` characters, `karakter_tidak_valid` when it holds a control character.
    /// The caller names the field with [`DomainError::on_field`].
    pub fn parse(s: &str, max_len: usize) -> Result<Self, DomainError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DomainError::invalid(
                "wajib_diisi",
                "Isian ini wajib diisi.",
            ));
        }
        let len = s.chars().count();
        if len > max_len {
            return Err(DomainError::invalid(
                "terlalu_panjang",
                format!("Isian ini paling panjang {max_len} karakter (diisi {len})."),
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "karakter_tidak_valid",
                "Isian ini tidak boleh berisi karakter kendali (baris baru, tab, dan sejenisnya).",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// Parses an optional text: `None`, empty or blank input means "not filled" (`None`).
    ///
    /// # Errors
    /// As [`NamaTeks::parse`], except that emptiness is not an error.
    pub fn parse_opsional(s: Option<&str>, max_len: usize) -> Result<Option<Self>, DomainError> {
        match s {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => Self::parse(s, max_len).map(Some),
        }
    }

    /// The text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for NamaTeks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for NamaTeks {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<NamaTeks> for String {
    fn from(t: NamaTeks) -> Self {
        t.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teks_dipangkas_spasi_di_tepinya() {
        let t = NamaTeks::parse("  Siti Aminah  ", 150).unwrap();
        assert_eq!(t.as_str(), "Siti Aminah");
        assert_eq!(t.to_string(), "Siti Aminah");
    }

    #[test]
    fn teks_kosong_atau_hanya_spasi_ditolak_sebagai_wajib_diisi() {
        assert_eq!(NamaTeks::parse("", 10).unwrap_err().code, "wajib_diisi");
        assert_eq!(NamaTeks::parse("   ", 10).unwrap_err().code, "wajib_diisi");
    }

    #[test]
    fn panjang_dihitung_dalam_karakter_bukan_byte() {
        // "é" is two bytes in UTF-8 but one character.
        assert!(NamaTeks::parse("éééé", 4).is_ok());
        assert_eq!(
            NamaTeks::parse("ééééé", 4).unwrap_err().code,
            "terlalu_panjang"
        );
    }

    #[test]
    fn teks_tepat_pada_batas_panjang_diterima_dan_lebih_ditolak() {
        assert!(NamaTeks::parse(&"a".repeat(150), 150).is_ok());
        let e = NamaTeks::parse(&"a".repeat(151), 150).unwrap_err();
        assert_eq!(e.code, "terlalu_panjang");
        assert_eq!(e.kind, crate::error::ErrorKind::Invalid);
    }

    #[test]
    fn karakter_kendali_ditolak() {
        assert_eq!(
            NamaTeks::parse("Siti\nAminah", 50).unwrap_err().code,
            "karakter_tidak_valid"
        );
        assert_eq!(
            NamaTeks::parse("Siti\tAminah", 50).unwrap_err().code,
            "karakter_tidak_valid"
        );
        assert_eq!(
            NamaTeks::parse("Siti\u{0}", 50).unwrap_err().code,
            "karakter_tidak_valid"
        );
    }

    #[test]
    fn teks_opsional_kosong_berarti_tidak_diisi() {
        assert_eq!(NamaTeks::parse_opsional(None, 10).unwrap(), None);
        assert_eq!(NamaTeks::parse_opsional(Some("  "), 10).unwrap(), None);
        assert_eq!(
            NamaTeks::parse_opsional(Some(" S.H. "), 10)
                .unwrap()
                .unwrap()
                .as_str(),
            "S.H."
        );
        assert_eq!(
            NamaTeks::parse_opsional(Some("abcdefghijk"), 10)
                .unwrap_err()
                .code,
            "terlalu_panjang"
        );
    }
}
