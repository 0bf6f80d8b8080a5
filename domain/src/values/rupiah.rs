//! [`Rupiah`]: money as whole rupiah in an `i64`, never a float.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An amount of whole rupiah. Serialised as a JSON integer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(pub i64);

impl Rupiah {
    /// Zero rupiah.
    pub const NOL: Self = Self(0);

    /// The amount in rupiah.
    #[must_use]
    pub const fn nilai(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` on overflow.
    #[must_use]
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    #[must_use]
    pub const fn checked_sub(self, other: Self) -> Option<Self> {
        match self.0.checked_sub(other.0) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// True when the amount is below zero.
    #[must_use]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl From<i64> for Rupiah {
    fn from(v: i64) -> Self {
        Self(v)
    }
}

/// Indonesian notation: `Rp 1.234.567`, `-Rp 1.234.567`, `Rp 0`.
impl fmt::Display for Rupiah {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 4);
        if self.0 < 0 {
            out.push('-');
        }
        out.push_str("Rp ");
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(c);
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_ditampilkan_dengan_titik_pemisah_ribuan() {
        assert_eq!(Rupiah(0).to_string(), "Rp 0");
        assert_eq!(Rupiah(999).to_string(), "Rp 999");
        assert_eq!(Rupiah(1_000).to_string(), "Rp 1.000");
        assert_eq!(Rupiah(1_234_567).to_string(), "Rp 1.234.567");
        assert_eq!(Rupiah(3_050_000_000).to_string(), "Rp 3.050.000.000");
        assert_eq!(Rupiah(-40_000_000).to_string(), "-Rp 40.000.000");
        assert_eq!(
            Rupiah(i64::MIN).to_string(),
            "-Rp 9.223.372.036.854.775.808"
        );
    }

    #[test]
    fn penjumlahan_dan_pengurangan_rupiah_menolak_luapan() {
        assert_eq!(Rupiah(5).checked_add(Rupiah(7)), Some(Rupiah(12)));
        assert_eq!(Rupiah(5).checked_sub(Rupiah(7)), Some(Rupiah(-2)));
        assert_eq!(Rupiah(i64::MAX).checked_add(Rupiah(1)), None);
        assert_eq!(Rupiah(i64::MIN).checked_sub(Rupiah(1)), None);
        assert!(Rupiah(-1).is_negative());
        assert!(!Rupiah::NOL.is_negative());
    }

    #[test]
    fn serde_rupiah_berupa_bilangan_bulat_bukan_pecahan() {
        assert_eq!(
            serde_json::to_string(&Rupiah(420_000_000)).unwrap(),
            "420000000"
        );
        assert_eq!(
            serde_json::from_str::<Rupiah>("96000000").unwrap(),
            Rupiah(96_000_000)
        );
        assert!(serde_json::from_str::<Rupiah>("1.5").is_err());
        assert!(serde_json::from_str::<Rupiah>("\"1000\"").is_err());
    }
}
