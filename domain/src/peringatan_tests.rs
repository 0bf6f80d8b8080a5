//! Early warnings with the fixture people of DOMAIN §8, seen on 15 Januari 2026.

use time::macros::date;

use super::*;

const HARI_INI: Date = date!(2026 - 01 - 15);

fn nip(s: &str) -> Nip {
    Nip::parse_any(s).unwrap()
}

/// Fixture #6: Panitera, born 19 Sep 1968, IV/a since 1 Oct 2016, S-1, BUP 58.
fn panitera() -> SnapshotPegawai {
    SnapshotPegawai {
        nip: nip("196809191994031001"),
        nama: "Hasanuddin".into(),
        golongan: Golongan::IV_A,
        tmt_golongan: date!(2016 - 10 - 01),
        tanggal_lahir: date!(1968 - 09 - 19),
        kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
        pendidikan: Pendidikan::S1,
        jenis_pegawai: JenisPegawai::Pns,
        jenis_jabatan: JenisJabatan::Struktural,
        tmt_kgb_terakhir: Some(date!(2024 - 10 - 01)),
    }
}

/// Fixture #15: Jurusita, born 1 Oct 1968, III/b with SLTA (ceiling III/b).
fn jurusita() -> SnapshotPegawai {
    SnapshotPegawai {
        nip: nip("196810011990031003"),
        nama: "Bambang Sutrisno".into(),
        golongan: Golongan::III_B,
        tmt_golongan: date!(2010 - 04 - 01),
        tanggal_lahir: date!(1968 - 10 - 01),
        kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
        pendidikan: Pendidikan::Slta,
        jenis_pegawai: JenisPegawai::Pns,
        jenis_jabatan: JenisJabatan::Pelaksana,
        tmt_kgb_terakhir: Some(date!(2024 - 04 - 01)),
    }
}

/// Fixture #16: Analis Perkara, born 14 May 1998, III/a since 1 Mar 2022, S-1.
fn analis() -> SnapshotPegawai {
    SnapshotPegawai {
        nip: nip("199805142022032003"),
        nama: "Nur Aisyah".into(),
        golongan: Golongan::III_A,
        tmt_golongan: date!(2022 - 03 - 01),
        tanggal_lahir: date!(1998 - 05 - 14),
        kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
        pendidikan: Pendidikan::S1,
        jenis_pegawai: JenisPegawai::Pns,
        jenis_jabatan: JenisJabatan::Pelaksana,
        tmt_kgb_terakhir: Some(date!(2024 - 03 - 01)),
    }
}

/// Fixture #1: Ketua (hakim PA), born 14 Mar 1970, IV/c with S-3.
fn ketua() -> SnapshotPegawai {
    SnapshotPegawai {
        nip: nip("197003142000031002"),
        nama: "Ahmad Mustofa".into(),
        golongan: Golongan::IV_C,
        tmt_golongan: date!(2018 - 04 - 01),
        tanggal_lahir: date!(1970 - 03 - 14),
        kelompok_bup: KelompokBup::HakimPengadilanAgama,
        pendidikan: Pendidikan::S3,
        jenis_pegawai: JenisPegawai::Pns,
        jenis_jabatan: JenisJabatan::Struktural,
        tmt_kgb_terakhir: Some(date!(2024 - 04 - 01)),
    }
}

fn jenis_dan_tanggal(w: &[Peringatan]) -> Vec<(JenisPeringatan, Date)> {
    w.iter().map(|w| (w.jenis, w.tanggal)).collect()
}

#[test]
fn panitera_mencapai_bup_58_dan_pensiun_1_oktober_2026() {
    let w = peringatan_pegawai(&panitera(), HARI_INI, 12);
    let bup: Vec<&Peringatan> = w
        .iter()
        .filter(|w| w.jenis == JenisPeringatan::BupTercapai)
        .collect();
    assert_eq!(bup.len(), 1);
    assert_eq!(bup[0].tanggal, date!(2026 - 10 - 01));
    assert_eq!(bup[0].jenis.kode(), "bup_tercapai");
    assert!(bup[0].keterangan.contains("58"), "{}", bup[0].keterangan);
    // Outside a 6-month window, no BUP warning yet.
    let w = peringatan_pegawai(&panitera(), HARI_INI, 6);
    assert!(w.iter().all(|w| w.jenis != JenisPeringatan::BupTercapai));
}

#[test]
fn kgb_yang_jatuh_pada_atau_setelah_tmt_pensiun_tidak_diperingatkan() {
    // The Panitera's next KGB (1 Oct 2026) coincides with his TMT pensiun.
    let w = peringatan_pegawai(&panitera(), HARI_INI, 12);
    assert!(w.iter().all(|w| w.jenis != JenisPeringatan::KgbJatuhTempo));
}

#[test]
fn jurusita_slta_iii_b_terhalang_batas_ijazah_bukan_jatuh_tempo_kp() {
    let w = peringatan_pegawai(&jurusita(), HARI_INI, 12);
    let kp: Vec<&Peringatan> = w
        .iter()
        .filter(|w| {
            matches!(
                w.jenis,
                JenisPeringatan::KpRegulerJatuhTempo | JenisPeringatan::KpTerhalangBatasIjazah
            )
        })
        .collect();
    assert_eq!(kp.len(), 1);
    assert_eq!(kp[0].jenis, JenisPeringatan::KpTerhalangBatasIjazah);
    assert_eq!(kp[0].jenis.kode(), "kp_terhalang_batas_ijazah");
    assert_eq!(kp[0].golongan_tujuan, Some(Golongan::III_C));
    assert!(kp[0].dasar_hukum.contains("PP 99/2000"));
    // He also retires on 1 Nov 2026 (BUP 58, born on the 1st).
    assert!(
        w.iter()
            .any(|w| w.jenis == JenisPeringatan::BupTercapai && w.tanggal == date!(2026 - 11 - 01))
    );
}

#[test]
fn analis_perkara_jatuh_tempo_kp_reguler_1_maret_2026_dan_kgb() {
    let w = peringatan_pegawai(&analis(), HARI_INI, 12);
    assert_eq!(
        jenis_dan_tanggal(&w),
        [
            (JenisPeringatan::KpRegulerJatuhTempo, date!(2026 - 03 - 01)),
            (JenisPeringatan::KgbJatuhTempo, date!(2026 - 03 - 01)),
        ]
    );
    assert_eq!(w[0].golongan_tujuan, Some(Golongan::III_B));
    assert_eq!(
        w[0].dasar_hukum,
        "PP 99/2000 jo PP 12/2002; hakim: PP 41/2002"
    );
    assert!(w[1].dasar_hukum.contains("PP 7/1977"));
}

#[test]
fn kp_reguler_yang_belum_genap_4_tahun_dalam_rentang_tidak_diperingatkan() {
    // One month ahead reaches 15 Feb 2026, before 1 Mar 2026.
    assert!(peringatan_pegawai(&analis(), HARI_INI, 1).is_empty());
}

#[test]
fn jatuh_tempo_kp_dipetakan_ke_periode_yang_berlaku_pada_tanggal_itu() {
    // 4 years reached on 1 Mar 2024: under Per BKN 4/2023 the next period is 1 April.
    let p = SnapshotPegawai {
        tmt_golongan: date!(2020 - 03 - 01),
        tmt_kgb_terakhir: None,
        ..analis()
    };
    let w = peringatan_pegawai(&p, date!(2024 - 01 - 10), 6);
    assert_eq!(
        w.iter()
            .find(|w| w.jenis == JenisPeringatan::KpRegulerJatuhTempo)
            .map(|w| w.tanggal),
        Some(date!(2024 - 04 - 01))
    );
    // Reached on 1 May 2023, under PP 99/2000: 1 Oktober 2023.
    let p = SnapshotPegawai {
        tmt_golongan: date!(2019 - 05 - 01),
        ..p
    };
    let w = peringatan_pegawai(&p, date!(2023 - 01 - 10), 12);
    assert_eq!(
        w.iter()
            .find(|w| w.jenis == JenisPeringatan::KpRegulerJatuhTempo)
            .map(|w| w.tanggal),
        Some(date!(2023 - 10 - 01))
    );
}

#[test]
fn kgb_setiap_2_tahun_sejak_kgb_terakhir_atau_tmt_golongan() {
    // No KGB recorded: counted from the TMT golongan (1 Mar 2022 → 2024 → 2026).
    let p = SnapshotPegawai {
        tmt_kgb_terakhir: None,
        ..analis()
    };
    let kgb: Vec<Date> = peringatan_pegawai(&p, HARI_INI, 12)
        .iter()
        .filter(|w| w.jenis == JenisPeringatan::KgbJatuhTempo)
        .map(|w| w.tanggal)
        .collect();
    assert_eq!(kgb, [date!(2026 - 03 - 01)]);
    // A KGB on 1 Jul 2025 moves the next to 1 Jul 2027, outside 12 months.
    let p = SnapshotPegawai {
        tmt_kgb_terakhir: Some(date!(2025 - 07 - 01)),
        ..analis()
    };
    assert!(
        peringatan_pegawai(&p, HARI_INI, 12)
            .iter()
            .all(|w| w.jenis != JenisPeringatan::KgbJatuhTempo)
    );
}

#[test]
fn cpns_dan_pppk_tidak_mendapat_peringatan_kp_dan_pppk_tanpa_kgb() {
    let cpns = SnapshotPegawai {
        jenis_pegawai: JenisPegawai::Cpns,
        ..analis()
    };
    let w = peringatan_pegawai(&cpns, HARI_INI, 12);
    assert_eq!(
        jenis_dan_tanggal(&w),
        [(JenisPeringatan::KgbJatuhTempo, date!(2026 - 03 - 01))]
    );
    let pppk = SnapshotPegawai {
        nip: nip("199203252024212003"),
        jenis_pegawai: JenisPegawai::Pppk,
        golongan: Golongan::pppk(9).unwrap(),
        ..analis()
    };
    assert!(peringatan_pegawai(&pppk, HARI_INI, 12).is_empty());
}

#[test]
fn hakim_pa_pensiun_pada_bup_65_uu_50_2009() {
    let w = peringatan_pegawai(&ketua(), date!(2035 - 01 - 15), 6);
    let bup = w
        .iter()
        .find(|w| w.jenis == JenisPeringatan::BupTercapai)
        .unwrap();
    assert_eq!(bup.tanggal, date!(2035 - 04 - 01));
    assert!(bup.dasar_hukum.contains("UU 50/2009"));
    // Not at 58: nothing about BUP in 2028.
    assert!(
        peringatan_pegawai(&ketua(), date!(2028 - 01 - 15), 12)
            .iter()
            .all(|w| w.jenis != JenisPeringatan::BupTercapai)
    );
}

#[test]
fn daftar_peringatan_diurutkan_menurut_tanggal_lalu_nip() {
    let semua = [analis(), panitera(), jurusita()];
    let w = peringatan(&semua, HARI_INI, 12);
    let urut: Vec<(Date, &str, &str)> = w
        .iter()
        .map(|w| (w.tanggal, w.nip.as_str(), w.jenis.kode()))
        .collect();
    assert_eq!(
        urut,
        [
            (
                date!(2026 - 02 - 01),
                "196809191994031001",
                "kp_terhalang_batas_ijazah"
            ),
            (
                date!(2026 - 02 - 01),
                "196810011990031003",
                "kp_terhalang_batas_ijazah"
            ),
            (
                date!(2026 - 03 - 01),
                "199805142022032003",
                "kp_reguler_jatuh_tempo"
            ),
            (
                date!(2026 - 03 - 01),
                "199805142022032003",
                "kgb_jatuh_tempo"
            ),
            (
                date!(2026 - 04 - 01),
                "196810011990031003",
                "kgb_jatuh_tempo"
            ),
            (date!(2026 - 10 - 01), "196809191994031001", "bup_tercapai"),
            (date!(2026 - 11 - 01), "196810011990031003", "bup_tercapai"),
        ]
    );
}

#[test]
fn jenis_peringatan_berserde_dengan_kode_stabil() {
    for j in [
        JenisPeringatan::KpRegulerJatuhTempo,
        JenisPeringatan::KpTerhalangBatasIjazah,
        JenisPeringatan::BupTercapai,
        JenisPeringatan::KgbJatuhTempo,
    ] {
        assert_eq!(
            serde_json::to_value(j).unwrap(),
            serde_json::Value::String(j.kode().into())
        );
    }
}
