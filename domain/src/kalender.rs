//! Date arithmetic the personnel rules need: whole years of service between two
//! dates, adding years or months, and writing a date the Indonesian way.
//!
//! Adding to 29 February or to the 31st clamps to the last day of the target month
//! (29 Feb 2024 + 1 year = 28 Feb 2025), which is how masa kerja is counted in
//! practice; KP and KGB dates are the 1st of a month anyway.

use time::{Date, Month};

const NAMA_BULAN: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// The Indonesian name of a month: "Januari" … "Desember".
#[must_use]
pub fn nama_bulan(bulan: Month) -> &'static str {
    NAMA_BULAN[usize::from(u8::from(bulan)) - 1]
}

/// A date the way Indonesian letters write it: "15 Januari 2026".
#[must_use]
pub fn tgl(d: Date) -> String {
    format!("{} {} {}", d.day(), nama_bulan(d.month()), d.year())
}

/// `d` moved by `bulan` months (negative moves back), the day clamped to the
/// length of the target month; `None` out of `time`'s range.
#[must_use]
pub fn tambah_bulan(d: Date, bulan: i32) -> Option<Date> {
    let indeks = d.year().checked_mul(12)? + i32::from(u8::from(d.month())) - 1;
    let indeks = indeks.checked_add(bulan)?;
    let tahun = indeks.div_euclid(12);
    let bulan = Month::try_from(u8::try_from(indeks.rem_euclid(12) + 1).ok()?).ok()?;
    let hari = d.day().min(bulan.length(tahun));
    Date::from_calendar_date(tahun, bulan, hari).ok()
}

/// `d` moved by `tahun` years; see [`tambah_bulan`].
#[must_use]
pub fn tambah_tahun(d: Date, tahun: i32) -> Option<Date> {
    tambah_bulan(d, tahun.checked_mul(12)?)
}

/// Whole years from `dari` to `sampai` (0 when `sampai` is not after `dari`):
/// 1 Mar 2022 → 1 Mar 2026 is 4 years, → 28 Feb 2026 is 3.
#[must_use]
pub fn tahun_penuh(dari: Date, sampai: Date) -> u32 {
    if sampai <= dari {
        return 0;
    }
    let mut n = sampai.year() - dari.year();
    if (sampai.month(), sampai.day()) < (dari.month(), dari.day()) {
        n -= 1;
    }
    u32::try_from(n).unwrap_or(0)
}

/// The 1st of the month of `d` if `d` is a 1st, else the 1st of the next month.
#[must_use]
pub fn awal_bulan_berikutnya_atau_sama(d: Date) -> Option<Date> {
    if d.day() == 1 {
        Some(d)
    } else {
        tambah_bulan(d.replace_day(1).ok()?, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn tanggal_ditulis_dengan_nama_bulan_indonesia() {
        assert_eq!(tgl(date!(2026 - 01 - 15)), "15 Januari 2026");
        assert_eq!(tgl(date!(2025 - 12 - 01)), "1 Desember 2025");
        assert_eq!(nama_bulan(Month::October), "Oktober");
    }

    #[test]
    fn tambah_bulan_melewati_tahun_dan_memangkas_hari() {
        assert_eq!(
            tambah_bulan(date!(2026 - 01 - 15), 12),
            Some(date!(2027 - 01 - 15))
        );
        assert_eq!(
            tambah_bulan(date!(2025 - 11 - 30), 3),
            Some(date!(2026 - 02 - 28))
        );
        assert_eq!(
            tambah_bulan(date!(2026 - 01 - 31), -2),
            Some(date!(2025 - 11 - 30))
        );
        assert_eq!(
            tambah_tahun(date!(2024 - 02 - 29), 1),
            Some(date!(2025 - 02 - 28))
        );
    }

    #[test]
    fn tahun_penuh_hanya_menghitung_tahun_yang_genap() {
        assert_eq!(tahun_penuh(date!(2022 - 03 - 01), date!(2026 - 03 - 01)), 4);
        assert_eq!(tahun_penuh(date!(2022 - 03 - 01), date!(2026 - 02 - 28)), 3);
        assert_eq!(tahun_penuh(date!(2022 - 03 - 01), date!(2022 - 03 - 01)), 0);
        assert_eq!(tahun_penuh(date!(2026 - 03 - 01), date!(2022 - 03 - 01)), 0);
    }

    #[test]
    fn awal_bulan_berikutnya_atau_tanggal_itu_sendiri_bila_tanggal_1() {
        assert_eq!(
            awal_bulan_berikutnya_atau_sama(date!(2026 - 03 - 01)),
            Some(date!(2026 - 03 - 01))
        );
        assert_eq!(
            awal_bulan_berikutnya_atau_sama(date!(2026 - 12 - 02)),
            Some(date!(2027 - 01 - 01))
        );
    }
}
