//! Given / when / then tests of the KenaikanPangkat rules (DOMAIN §3), with the
//! fixture people of DOMAIN §8 where they fit.

use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use time::macros::date;

use super::*;
use crate::error::ErrorKind;
use crate::kenaikan_pangkat::kelayakan::{KelompokJabatanKp, Predikat};
use crate::master::jabatan::JenisJabatan;
use crate::ports::InMemoryUsulKp;
use crate::values::{JenisPegawai, Pendidikan};

type KpTest = TestFramework<KenaikanPangkat>;

const HARI_INI: Date = date!(2026 - 01 - 15);
const USUL: Uuid = Uuid::from_u128(0x5001);
const USUL_LAIN: Uuid = Uuid::from_u128(0x5002);

fn services() -> KenaikanPangkatServices {
    InMemoryUsulKp::new().services(HARI_INI)
}

fn nip_analis() -> Nip {
    Nip::parse_any("199805142022032003").unwrap()
}

/// Fixture #16, Analis Perkara: PNS III/a since 1 Mar 2022, S-1, pelaksana, first KP.
fn analis() -> DataKelayakan {
    DataKelayakan {
        golongan: Golongan::III_A,
        tmt_golongan: date!(2022 - 03 - 01),
        pendidikan: Pendidikan::S1,
        jenis_pegawai: JenisPegawai::Pns,
        jenis_jabatan: JenisJabatan::Pelaksana,
        tmt_jabatan: date!(2022 - 03 - 01),
        kelompok: KelompokJabatanKp::Umum,
        skp_tahun_lalu: Some(Predikat::Baik),
        skp_dua_tahun_lalu: Some(Predikat::SangatBaik),
        golongan_atasan: Some(Golongan::III_D),
        angka_kredit_terpenuhi: false,
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: false,
        ijazah_sesuai_tugas: false,
        kp_pertama: true,
    }
}

/// Fixture #11, Kasubag Umum & Keuangan: III/d with S-1 (ceiling reached), struktural.
fn kasubag() -> DataKelayakan {
    DataKelayakan {
        golongan: Golongan::III_D,
        tmt_golongan: date!(2021 - 04 - 01),
        jenis_jabatan: JenisJabatan::Struktural,
        tmt_jabatan: date!(2021 - 01 - 04),
        golongan_atasan: Some(Golongan::IV_A),
        kp_pertama: false,
        ..analis()
    }
}

/// Fixture #17, Pranata Komputer Ahli Pertama: III/a, fungsional.
fn pranata() -> DataKelayakan {
    DataKelayakan {
        tmt_golongan: date!(2024 - 01 - 01),
        jenis_jabatan: JenisJabatan::Fungsional,
        tmt_jabatan: date!(2024 - 01 - 01),
        golongan_atasan: Some(Golongan::III_A),
        angka_kredit_terpenuhi: true,
        kp_pertama: false,
        ..analis()
    }
}

/// Fixture #18 style: II/c with D-III who has since earned an S-1.
fn bendahara_s1() -> DataKelayakan {
    DataKelayakan {
        golongan: Golongan::II_C,
        tmt_golongan: date!(2023 - 04 - 01),
        pendidikan: Pendidikan::S1,
        ijazah_sesuai_tugas: true,
        kp_pertama: false,
        ..analis()
    }
}

/// Fixture #5 style: a hakim in III/a, appointed hakim on 1 Feb 2025.
fn hakim(golongan: Golongan, pendidikan: Pendidikan) -> DataKelayakan {
    DataKelayakan {
        golongan,
        tmt_golongan: date!(2021 - 12 - 01),
        pendidikan,
        jenis_jabatan: JenisJabatan::Fungsional,
        tmt_jabatan: date!(2025 - 02 - 01),
        kelompok: KelompokJabatanKp::Hakim {
            tmt_pengangkatan_hakim: date!(2025 - 02 - 01),
        },
        golongan_atasan: Some(Golongan::IV_C),
        ijazah_sesuai_tugas: true,
        kp_pertama: false,
        ..analis()
    }
}

fn usulkan(
    jenis: JenisKp,
    data: DataKelayakan,
    golongan_tujuan: Golongan,
    tmt_usulan: Date,
) -> KenaikanPangkatCommand {
    KenaikanPangkatCommand::Usulkan {
        id: USUL,
        nip: nip_analis(),
        jenis,
        golongan_tujuan,
        tmt_usulan,
        data,
    }
}

fn reguler_analis() -> KenaikanPangkatCommand {
    usulkan(
        JenisKp::Reguler,
        analis(),
        Golongan::III_B,
        date!(2026 - 03 - 01),
    )
}

/// The event `cmd` (an `Usulkan`) should produce.
fn diusulkan(cmd: &KenaikanPangkatCommand, masa: u32, dasar: &str) -> KenaikanPangkatEvent {
    let KenaikanPangkatCommand::Usulkan {
        id,
        nip,
        jenis,
        golongan_tujuan,
        tmt_usulan,
        data,
    } = cmd.clone()
    else {
        panic!("not an Usulkan: {cmd:?}");
    };
    KenaikanPangkatEvent::KenaikanPangkatDiusulkan {
        id,
        nip,
        jenis,
        golongan_lama: data.golongan,
        pangkat_lama: data.golongan.pangkat().unwrap().into(),
        tmt_golongan_lama: data.tmt_golongan,
        golongan_baru: golongan_tujuan,
        pangkat_baru: golongan_tujuan.pangkat().unwrap().into(),
        tmt_usulan,
        masa_kerja_golongan_tahun: masa,
        dasar_hukum: dasar.into(),
        data,
    }
}

async fn hasil(
    given: Vec<KenaikanPangkatEvent>,
    cmd: KenaikanPangkatCommand,
) -> Result<Vec<KenaikanPangkatEvent>, DomainError> {
    KpTest::with(services())
        .given(given)
        .when_async(cmd)
        .await
        .inspect_result()
}

async fn usulkan_gagal(cmd: KenaikanPangkatCommand) -> (ErrorKind, &'static str) {
    let e = hasil(vec![], cmd).await.unwrap_err();
    (e.kind, e.code)
}

async fn usulkan_berhasil(cmd: KenaikanPangkatCommand) -> KenaikanPangkatEvent {
    let mut ev = hasil(vec![], cmd).await.unwrap();
    assert_eq!(ev.len(), 1);
    ev.remove(0)
}

fn invalid(code: &'static str) -> (ErrorKind, &'static str) {
    (ErrorKind::Invalid, code)
}

fn dokumen_lengkap(
    jenis: JenisKp,
    data: &DataKelayakan,
    tujuan: Golongan,
) -> Vec<(DokumenKp, bool)> {
    dokumen_wajib(jenis, data, tujuan)
        .into_iter()
        .map(|d| (d, true))
        .collect()
}

fn verifikasi_analis() -> KenaikanPangkatCommand {
    KenaikanPangkatCommand::Verifikasi {
        dokumen: dokumen_lengkap(JenisKp::Reguler, &analis(), Golongan::III_B),
        data: None,
    }
}

fn diverifikasi_analis() -> KenaikanPangkatEvent {
    KenaikanPangkatEvent::UsulKpDiverifikasi {
        nip: nip_analis(),
        dokumen: dokumen_lengkap(JenisKp::Reguler, &analis(), Golongan::III_B),
        data: analis(),
        masa_kerja_golongan_tahun: 4,
    }
}

fn diajukan() -> KenaikanPangkatEvent {
    KenaikanPangkatEvent::UsulKpDiajukan {
        nip: nip_analis(),
        instansi_pertek: InstansiPertek::KanregBkn,
    }
}

fn pertek() -> KenaikanPangkatEvent {
    KenaikanPangkatEvent::PertekKpTerbit {
        nip: nip_analis(),
        nomor: "PERTEK-KP/0123/KR.IX/2026".into(),
        tanggal: date!(2026 - 01 - 10),
    }
}

fn sk() -> KenaikanPangkatEvent {
    KenaikanPangkatEvent::SkKpTerbit {
        nip: nip_analis(),
        nomor: "SK-KP/0456/2026".into(),
        tanggal: date!(2026 - 01 - 12),
        tmt: date!(2026 - 03 - 01),
        golongan_lama: Golongan::III_A,
        golongan_baru: Golongan::III_B,
        pangkat_baru: "Penata Muda Tingkat I".into(),
    }
}

/// The events of an usul of the Analis Perkara up to and including step `n`
/// (0 drafted, 1 verified, 2 submitted, 3 pertek, 4 SK).
fn sampai(n: usize) -> Vec<KenaikanPangkatEvent> {
    let semua = vec![
        diusulkan(&reguler_analis(), 4, "PP 99/2000 jo PP 12/2002"),
        diverifikasi_analis(),
        diajukan(),
        pertek(),
        sk(),
    ];
    semua.into_iter().take(n + 1).collect()
}

// ---------------------------------------------------------------------------
// KP reguler (PP 99/2000)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kp_reguler_analis_perkara_diusulkan_setelah_4_tahun_dalam_pangkat_pp_99_2000() {
    let cmd = reguler_analis();
    let expected = diusulkan(&cmd, 4, "PP 99/2000 jo PP 12/2002");
    KpTest::with(services())
        .given_no_previous_events()
        .when_async(cmd)
        .await
        .then_expect_events(vec![expected]);
}

#[tokio::test]
async fn kp_reguler_ditolak_bila_masa_kerja_golongan_kurang_dari_4_tahun_pp_99_2000() {
    // 1 Feb 2026 is a KP period, but only 3 years 11 months after 1 Mar 2022.
    let cmd = usulkan(
        JenisKp::Reguler,
        analis(),
        Golongan::III_B,
        date!(2026 - 02 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn kp_reguler_ditolak_bila_skp_salah_satu_tahun_di_bawah_baik_pp_99_2000() {
    for (n1, n2) in [
        (Some(Predikat::ButuhPerbaikan), Some(Predikat::Baik)),
        (Some(Predikat::Baik), Some(Predikat::Kurang)),
        (Some(Predikat::SangatKurang), Some(Predikat::SangatBaik)),
        (None, Some(Predikat::Baik)),
    ] {
        let data = DataKelayakan {
            skp_tahun_lalu: n1,
            skp_dua_tahun_lalu: n2,
            ..analis()
        };
        let cmd = usulkan(
            JenisKp::Reguler,
            data,
            Golongan::III_B,
            date!(2026 - 03 - 01),
        );
        assert_eq!(
            usulkan_gagal(cmd).await,
            invalid("kp_skp_kurang"),
            "{n1:?} {n2:?}"
        );
    }
}

#[tokio::test]
async fn kp_reguler_ditolak_bila_melebihi_pangkat_atasan_langsung_pp_99_2000() {
    let data = DataKelayakan {
        golongan_atasan: Some(Golongan::III_A),
        ..analis()
    };
    let cmd = usulkan(
        JenisKp::Reguler,
        data,
        Golongan::III_B,
        date!(2026 - 03 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_melebihi_atasan"));
}

#[tokio::test]
async fn kp_reguler_boleh_setara_pangkat_atasan_langsung_pp_99_2000() {
    let data = DataKelayakan {
        golongan_atasan: Some(Golongan::III_B),
        ..analis()
    };
    let cmd = usulkan(
        JenisKp::Reguler,
        data,
        Golongan::III_B,
        date!(2026 - 03 - 01),
    );
    usulkan_berhasil(cmd).await;
}

#[tokio::test]
async fn kp_reguler_kasubag_iii_d_s1_ditolak_karena_batas_ijazah_pp_99_2000_jo_pp_12_2002() {
    let cmd = usulkan(
        JenisKp::Reguler,
        kasubag(),
        Golongan::IV_A,
        date!(2026 - 04 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_melebihi_batas_ijazah")
    );
}

#[tokio::test]
async fn kp_ditolak_bila_golongan_tujuan_bukan_satu_tingkat_di_atas_pp_99_2000() {
    for tujuan in [Golongan::III_C, Golongan::III_A, Golongan::II_D] {
        let cmd = usulkan(JenisKp::Reguler, analis(), tujuan, date!(2026 - 03 - 01));
        assert_eq!(
            usulkan_gagal(cmd).await,
            invalid("kp_golongan_tujuan_tidak_sesuai"),
            "{tujuan}"
        );
    }
    let puncak = DataKelayakan {
        golongan: Golongan::IV_E,
        ..analis()
    };
    let cmd = usulkan(
        JenisKp::Reguler,
        puncak,
        Golongan::IV_E,
        date!(2026 - 03 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_golongan_tujuan_tidak_sesuai")
    );
}

#[tokio::test]
async fn kp_hanya_untuk_pns_bukan_cpns_atau_pppk_pp_99_2000() {
    for jenis in [JenisPegawai::Cpns, JenisPegawai::Pppk] {
        let data = DataKelayakan {
            jenis_pegawai: jenis,
            ..analis()
        };
        let cmd = usulkan(
            JenisKp::Reguler,
            data,
            Golongan::III_B,
            date!(2026 - 03 - 01),
        );
        assert_eq!(usulkan_gagal(cmd).await, invalid("kp_hanya_untuk_pns"));
    }
}

// ---------------------------------------------------------------------------
// KP periods: the rule in force on the TMT
// ---------------------------------------------------------------------------

fn reguler_dengan_tmt(tmt_golongan: Date, tmt: Date) -> KenaikanPangkatCommand {
    let data = DataKelayakan {
        tmt_golongan,
        ..analis()
    };
    usulkan(JenisKp::Reguler, data, Golongan::III_B, tmt)
}

#[tokio::test]
async fn kp_tmt_2024_mengikuti_enam_periode_per_bkn_4_2023() {
    let cmd = reguler_dengan_tmt(date!(2020 - 03 - 01), date!(2024 - 03 - 01));
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_tmt_bukan_periode"));
    let cmd = reguler_dengan_tmt(date!(2020 - 03 - 01), date!(2024 - 04 - 01));
    usulkan_berhasil(cmd).await;
}

#[tokio::test]
async fn kp_tmt_awal_2025_masih_mengikuti_enam_periode_per_bkn_4_2023() {
    let cmd = reguler_dengan_tmt(date!(2021 - 03 - 01), date!(2025 - 03 - 01));
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_tmt_bukan_periode"));
    let cmd = reguler_dengan_tmt(date!(2021 - 03 - 01), date!(2025 - 04 - 01));
    usulkan_berhasil(cmd).await;
}

#[tokio::test]
async fn kp_tmt_sejak_oktober_2025_setiap_tanggal_1_per_bkn_4_2025() {
    let cmd = reguler_dengan_tmt(date!(2021 - 11 - 01), date!(2025 - 11 - 01));
    usulkan_berhasil(cmd).await;
    let cmd = reguler_dengan_tmt(date!(2021 - 11 - 01), date!(2025 - 11 - 02));
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_tmt_bukan_periode"));
}

#[tokio::test]
async fn kp_tmt_2023_hanya_april_dan_oktober_pp_99_2000() {
    let cmd = reguler_dengan_tmt(date!(2019 - 01 - 01), date!(2023 - 06 - 01));
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_tmt_bukan_periode"));
    let cmd = reguler_dengan_tmt(date!(2019 - 01 - 01), date!(2023 - 10 - 01));
    usulkan_berhasil(cmd).await;
}

#[tokio::test]
async fn pesan_tmt_bukan_periode_menyebut_peraturan_dan_periode_terdekat() {
    let e = hasil(
        vec![],
        reguler_dengan_tmt(date!(2020 - 03 - 01), date!(2024 - 03 - 01)),
    )
    .await
    .unwrap_err();
    assert_eq!(e.field, Some("tmt_usulan"));
    assert!(e.message.contains("Peraturan BKN 4/2023"), "{}", e.message);
    assert!(e.message.contains("1 April 2024"), "{}", e.message);
}

// ---------------------------------------------------------------------------
// KP pilihan struktural
// ---------------------------------------------------------------------------

fn struktural(satu_tingkat: bool, tmt_golongan: Date, tmt_jabatan: Date) -> DataKelayakan {
    DataKelayakan {
        golongan: Golongan::III_C,
        tmt_golongan,
        tmt_jabatan,
        jenis_jabatan: JenisJabatan::Struktural,
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: satu_tingkat,
        golongan_atasan: Some(Golongan::III_C),
        kp_pertama: false,
        ..analis()
    }
}

#[tokio::test]
async fn kp_pilihan_struktural_satu_tingkat_di_bawah_cukup_1_tahun_pangkat_dan_jabatan_pp_99_2000()
{
    let data = struktural(true, date!(2025 - 03 - 01), date!(2025 - 01 - 02));
    let cmd = usulkan(
        JenisKp::PilihanStruktural,
        data,
        Golongan::III_D,
        date!(2026 - 03 - 01),
    );
    // Not bounded by the atasan (III/c) as KP reguler would be.
    let ev = usulkan_berhasil(cmd.clone()).await;
    assert_eq!(ev, diusulkan(&cmd, 1, "PP 99/2000 jo PP 12/2002"));
}

#[tokio::test]
async fn kp_pilihan_struktural_ditolak_bila_masa_jabatan_kurang_dari_1_tahun_pp_99_2000() {
    let data = struktural(true, date!(2025 - 03 - 01), date!(2025 - 06 - 02));
    let cmd = usulkan(
        JenisKp::PilihanStruktural,
        data,
        Golongan::III_D,
        date!(2026 - 03 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_jabatan_kurang"));
}

#[tokio::test]
async fn kp_pilihan_struktural_lainnya_perlu_4_tahun_dalam_pangkat_pp_99_2000() {
    let data = struktural(false, date!(2023 - 03 - 01), date!(2020 - 01 - 02));
    let cmd = usulkan(
        JenisKp::PilihanStruktural,
        data,
        Golongan::III_D,
        date!(2026 - 03 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
    let data = struktural(false, date!(2022 - 03 - 01), date!(2020 - 01 - 02));
    let cmd = usulkan(
        JenisKp::PilihanStruktural,
        data,
        Golongan::III_D,
        date!(2026 - 03 - 01),
    );
    usulkan_berhasil(cmd).await;
}

#[tokio::test]
async fn kp_pilihan_struktural_hanya_untuk_pemangku_jabatan_struktural_pp_99_2000() {
    let cmd = usulkan(
        JenisKp::PilihanStruktural,
        analis(),
        Golongan::III_B,
        date!(2026 - 03 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_jabatan_tidak_sesuai"));
}

// ---------------------------------------------------------------------------
// KP pilihan fungsional
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kp_pilihan_fungsional_setelah_2_tahun_dengan_angka_kredit_boleh_melebihi_atasan_pp_99_2000()
 {
    // The atasan is III/a; the pranata komputer goes to III/b.
    let cmd = usulkan(
        JenisKp::PilihanFungsional,
        pranata(),
        Golongan::III_B,
        date!(2026 - 01 - 01),
    );
    let ev = usulkan_berhasil(cmd.clone()).await;
    assert_eq!(ev, diusulkan(&cmd, 2, "PP 99/2000 jo PP 12/2002"));
}

#[tokio::test]
async fn kp_pilihan_fungsional_ditolak_tanpa_angka_kredit_pak_pp_99_2000() {
    let data = DataKelayakan {
        angka_kredit_terpenuhi: false,
        ..pranata()
    };
    let cmd = usulkan(
        JenisKp::PilihanFungsional,
        data,
        Golongan::III_B,
        date!(2026 - 01 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_angka_kredit_kurang"));
}

#[tokio::test]
async fn kp_pilihan_fungsional_ditolak_bila_kurang_dari_2_tahun_pp_99_2000() {
    let cmd = usulkan(
        JenisKp::PilihanFungsional,
        pranata(),
        Golongan::III_B,
        date!(2025 - 12 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn kp_pilihan_fungsional_hanya_untuk_pemangku_jabatan_fungsional_pp_99_2000() {
    let data = DataKelayakan {
        jenis_jabatan: JenisJabatan::Pelaksana,
        ..pranata()
    };
    let cmd = usulkan(
        JenisKp::PilihanFungsional,
        data,
        Golongan::III_B,
        date!(2026 - 01 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_jabatan_tidak_sesuai"));
}

// ---------------------------------------------------------------------------
// KP penyesuaian ijazah
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kp_penyesuaian_ijazah_s1_melompat_dari_ii_c_ke_iii_a_setelah_1_tahun_pp_99_2000() {
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        bendahara_s1(),
        Golongan::III_A,
        date!(2026 - 04 - 01),
    );
    let ev = usulkan_berhasil(cmd.clone()).await;
    assert_eq!(ev, diusulkan(&cmd, 3, "PP 99/2000 jo PP 12/2002"));
}

#[tokio::test]
async fn kp_penyesuaian_ijazah_harus_ke_golongan_awal_ijazah_pp_99_2000() {
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        bendahara_s1(),
        Golongan::II_D,
        date!(2026 - 04 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_golongan_tujuan_tidak_sesuai")
    );
}

#[tokio::test]
async fn kp_penyesuaian_ijazah_ditolak_bila_kurang_dari_1_tahun_dalam_pangkat_pp_99_2000() {
    let data = DataKelayakan {
        tmt_golongan: date!(2025 - 06 - 01),
        ..bendahara_s1()
    };
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        data,
        Golongan::III_A,
        date!(2026 - 04 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn kp_penyesuaian_ijazah_ditolak_bila_ijazah_tidak_sesuai_tugas_pp_99_2000() {
    let data = DataKelayakan {
        ijazah_sesuai_tugas: false,
        ..bendahara_s1()
    };
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        data,
        Golongan::III_A,
        date!(2026 - 04 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_ijazah_tidak_relevan"));
}

#[tokio::test]
async fn kp_penyesuaian_ijazah_tidak_berlaku_bila_golongan_sudah_setara_golongan_awal_ijazah() {
    let data = DataKelayakan {
        ijazah_sesuai_tugas: true,
        ..analis()
    };
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        data,
        Golongan::III_B,
        date!(2026 - 03 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_penyesuaian_ijazah_tidak_berlaku")
    );
}

// ---------------------------------------------------------------------------
// Hakim (PP 41/2002)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn hakim_iii_a_ke_iii_b_dengan_kp_reguler_setelah_4_tahun_pp_41_2002() {
    let cmd = usulkan(
        JenisKp::Reguler,
        hakim(Golongan::III_A, Pendidikan::S1),
        Golongan::III_B,
        date!(2025 - 12 - 01),
    );
    let ev = usulkan_berhasil(cmd.clone()).await;
    assert_eq!(ev, diusulkan(&cmd, 4, "PP 41/2002"));
    let cmd = usulkan(
        JenisKp::Reguler,
        hakim(Golongan::III_A, Pendidikan::S1),
        Golongan::III_B,
        date!(2025 - 11 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn hakim_s2_penyesuaian_ke_iii_b_setelah_1_tahun_sebagai_hakim_pp_41_2002() {
    // Appointed hakim on 1 Feb 2025: 1 Feb 2026 is one year; 1 Jan 2026 is not.
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        hakim(Golongan::III_A, Pendidikan::S2),
        Golongan::III_B,
        date!(2026 - 02 - 01),
    );
    let ev = usulkan_berhasil(cmd.clone()).await;
    assert_eq!(ev, diusulkan(&cmd, 4, "PP 41/2002"));
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        hakim(Golongan::III_A, Pendidikan::S2),
        Golongan::III_B,
        date!(2026 - 01 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn hakim_s3_ke_iii_c_setelah_1_tahun_dalam_iii_b_pp_41_2002() {
    let data = DataKelayakan {
        tmt_golongan: date!(2025 - 03 - 01),
        ..hakim(Golongan::III_B, Pendidikan::S3)
    };
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        data.clone(),
        Golongan::III_C,
        date!(2026 - 03 - 01),
    );
    usulkan_berhasil(cmd).await;
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        data,
        Golongan::III_C,
        date!(2026 - 02 - 01),
    );
    assert_eq!(usulkan_gagal(cmd).await, invalid("kp_masa_kerja_kurang"));
}

#[tokio::test]
async fn hakim_s3_di_iii_a_tidak_melompat_ke_iii_c_pp_41_2002() {
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        hakim(Golongan::III_A, Pendidikan::S3),
        Golongan::III_C,
        date!(2026 - 03 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_golongan_tujuan_tidak_sesuai")
    );
}

#[tokio::test]
async fn hakim_s1_tidak_mendapat_penyesuaian_ijazah_pp_41_2002() {
    let cmd = usulkan(
        JenisKp::PenyesuaianIjazah,
        hakim(Golongan::III_A, Pendidikan::S1),
        Golongan::III_B,
        date!(2026 - 03 - 01),
    );
    assert_eq!(
        usulkan_gagal(cmd).await,
        invalid("kp_penyesuaian_ijazah_tidak_berlaku")
    );
}

// ---------------------------------------------------------------------------
// One open usul per pegawai; existence
// ---------------------------------------------------------------------------

#[tokio::test]
async fn satu_pegawai_hanya_boleh_satu_usul_kp_terbuka() {
    let services = InMemoryUsulKp::new()
        .with_terbuka(nip_analis(), USUL_LAIN)
        .services(HARI_INI);
    let e = KpTest::with(services)
        .given_no_previous_events()
        .when_async(reguler_analis())
        .await
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code, e.field),
        (ErrorKind::Conflict, "kp_usul_masih_terbuka", Some("nip"))
    );
}

#[tokio::test]
async fn usul_kp_pegawai_lain_yang_terbuka_tidak_menghalangi() {
    let services = InMemoryUsulKp::new()
        .with_terbuka(Nip::parse_any("199611232020121004").unwrap(), USUL_LAIN)
        .services(HARI_INI);
    let ev = KpTest::with(services)
        .given_no_previous_events()
        .when_async(reguler_analis())
        .await
        .inspect_result()
        .unwrap();
    assert_eq!(ev.len(), 1);
}

#[tokio::test]
async fn usulkan_gagal_sementara_bila_daftar_usul_terbuka_tidak_terbaca() {
    let e = KpTest::with(InMemoryUsulKp::tidak_tersedia().services(HARI_INI))
        .given_no_previous_events()
        .when_async(reguler_analis())
        .await
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Unavailable, "usul_kp_tidak_tersedia")
    );
}

#[tokio::test]
async fn usul_yang_sudah_dibuat_tidak_dapat_diusulkan_lagi() {
    let e = hasil(sampai(0), reguler_analis()).await.unwrap_err();
    assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "kp_usul_sudah_ada"));
}

#[tokio::test]
async fn perintah_pada_usul_yang_belum_ada_tidak_ditemukan() {
    for cmd in [
        verifikasi_analis(),
        KenaikanPangkatCommand::Ajukan,
        KenaikanPangkatCommand::Selesaikan,
        KenaikanPangkatCommand::Tolak { alasan: "x".into() },
    ] {
        let e = hasil(vec![], cmd).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, "kp_usul_tidak_ditemukan")
        );
    }
}

// ---------------------------------------------------------------------------
// Verifikasi: documents and eligibility again
// ---------------------------------------------------------------------------

#[tokio::test]
async fn verifikasi_dengan_dokumen_lengkap_mencatat_checklist_dan_masa_kerja() {
    KpTest::with(services())
        .given(sampai(0))
        .when_async(verifikasi_analis())
        .await
        .then_expect_events(vec![diverifikasi_analis()]);
}

#[tokio::test]
async fn verifikasi_ditolak_bila_dokumen_wajib_belum_ada_domain_3() {
    // KP pertama: SK CPNS/PNS is required; here marked absent.
    let dokumen = vec![
        (DokumenKp::SkPangkatTerakhir, true),
        (DokumenKp::SkpDuaTahunTerakhir, true),
        (DokumenKp::SkCpnsPns, false),
    ];
    let e = hasil(
        sampai(0),
        KenaikanPangkatCommand::Verifikasi {
            dokumen,
            data: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind, e.code, e.field),
        (ErrorKind::Invalid, "kp_dokumen_kurang", Some("dokumen"))
    );
    assert!(e.message.contains("SK CPNS dan SK PNS"), "{}", e.message);
}

#[tokio::test]
async fn verifikasi_memeriksa_ulang_kelayakan_dengan_data_terbaru() {
    // Since the draft, last year's SKP was entered as "Kurang".
    let data = DataKelayakan {
        skp_tahun_lalu: Some(Predikat::Kurang),
        ..analis()
    };
    let e = hasil(
        sampai(0),
        KenaikanPangkatCommand::Verifikasi {
            dokumen: dokumen_lengkap(JenisKp::Reguler, &data, Golongan::III_B),
            data: Some(data),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "kp_skp_kurang");
}

#[tokio::test]
async fn verifikasi_menolak_usul_bila_pangkat_pegawai_sudah_berubah() {
    let data = DataKelayakan {
        golongan: Golongan::III_B,
        tmt_golongan: date!(2026 - 01 - 01),
        ..analis()
    };
    let e = hasil(
        sampai(0),
        KenaikanPangkatCommand::Verifikasi {
            dokumen: dokumen_lengkap(JenisKp::Reguler, &data, Golongan::III_B),
            data: Some(data),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "kp_golongan_tujuan_tidak_sesuai");
}

#[test]
fn dokumen_wajib_menurut_jenis_kp_domain_3() {
    use DokumenKp as D;
    assert_eq!(
        dokumen_wajib(JenisKp::Reguler, &analis(), Golongan::III_B),
        vec![D::SkPangkatTerakhir, D::SkpDuaTahunTerakhir, D::SkCpnsPns]
    );
    assert_eq!(
        dokumen_wajib(JenisKp::PilihanFungsional, &pranata(), Golongan::III_B),
        vec![
            D::SkPangkatTerakhir,
            D::SkpDuaTahunTerakhir,
            D::PenetapanAngkaKredit
        ]
    );
    assert_eq!(
        dokumen_wajib(
            JenisKp::PilihanStruktural,
            &struktural(true, date!(2025 - 03 - 01), date!(2025 - 01 - 02)),
            Golongan::III_D
        ),
        vec![
            D::SkPangkatTerakhir,
            D::SkpDuaTahunTerakhir,
            D::SkJabatanDanPelantikan
        ]
    );
    // Penyesuaian ijazah into III/a: ijazah and izin belajar, no ujian dinas.
    assert_eq!(
        dokumen_wajib(JenisKp::PenyesuaianIjazah, &bendahara_s1(), Golongan::III_A),
        vec![
            D::SkPangkatTerakhir,
            D::SkpDuaTahunTerakhir,
            D::IjazahDanTranskrip,
            D::IzinBelajar
        ]
    );
    // Crossing into golongan IV needs the STLUD.
    assert_eq!(
        dokumen_wajib(JenisKp::Reguler, &kasubag(), Golongan::IV_A),
        vec![D::SkPangkatTerakhir, D::SkpDuaTahunTerakhir, D::Stlud]
    );
}

// ---------------------------------------------------------------------------
// Flow: ajukan, pertek, SK, selesai; tolak
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ajukan_usul_terverifikasi_ke_kanreg_bkn_sampai_iv_b() {
    KpTest::with(services())
        .given(sampai(1))
        .when_async(KenaikanPangkatCommand::Ajukan)
        .await
        .then_expect_events(vec![diajukan()]);
}

#[test]
fn pertek_sampai_iv_b_oleh_kanreg_dan_di_atasnya_oleh_bkn_pusat() {
    assert_eq!(
        InstansiPertek::untuk(Golongan::III_B),
        InstansiPertek::KanregBkn
    );
    assert_eq!(
        InstansiPertek::untuk(Golongan::IV_B),
        InstansiPertek::KanregBkn
    );
    assert_eq!(
        InstansiPertek::untuk(Golongan::IV_C),
        InstansiPertek::BknPusat
    );
}

#[tokio::test]
async fn catat_pertek_pada_usul_yang_diajukan() {
    KpTest::with(services())
        .given(sampai(2))
        .when_async(KenaikanPangkatCommand::CatatPertek {
            nomor: " PERTEK-KP/0123/KR.IX/2026 ".into(),
            tanggal: date!(2026 - 01 - 10),
        })
        .await
        .then_expect_events(vec![pertek()]);
}

#[tokio::test]
async fn catat_sk_setelah_pertek_membawa_golongan_baru_dan_tmt() {
    KpTest::with(services())
        .given(sampai(3))
        .when_async(KenaikanPangkatCommand::CatatSk {
            nomor: "SK-KP/0456/2026".into(),
            tanggal: date!(2026 - 01 - 12),
            tmt: date!(2026 - 03 - 01),
        })
        .await
        .then_expect_events(vec![sk()]);
}

#[tokio::test]
async fn catat_sk_ditolak_bila_tmt_bukan_periode_kp() {
    let e = hasil(
        sampai(3),
        KenaikanPangkatCommand::CatatSk {
            nomor: "SK-KP/0456/2026".into(),
            tanggal: date!(2026 - 01 - 12),
            tmt: date!(2026 - 03 - 02),
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.field), ("kp_tmt_bukan_periode", Some("tmt")));
}

#[tokio::test]
async fn pertek_dan_sk_tidak_boleh_bertanggal_setelah_hari_ini() {
    let e = hasil(
        sampai(2),
        KenaikanPangkatCommand::CatatPertek {
            nomor: "P-1".into(),
            tanggal: date!(2026 - 01 - 16),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "tanggal_di_masa_depan");
    let e = hasil(
        sampai(3),
        KenaikanPangkatCommand::CatatSk {
            nomor: "SK-1".into(),
            tanggal: date!(2026 - 02 - 01),
            tmt: date!(2026 - 03 - 01),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "tanggal_di_masa_depan");
}

#[tokio::test]
async fn nomor_pertek_wajib_diisi() {
    let e = hasil(
        sampai(2),
        KenaikanPangkatCommand::CatatPertek {
            nomor: "  ".into(),
            tanggal: date!(2026 - 01 - 10),
        },
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.field), ("wajib_diisi", Some("nomor")));
}

#[tokio::test]
async fn selesaikan_usul_setelah_sk_terbit() {
    KpTest::with(services())
        .given(sampai(4))
        .when_async(KenaikanPangkatCommand::Selesaikan)
        .await
        .then_expect_events(vec![KenaikanPangkatEvent::UsulKpSelesai {
            nip: nip_analis(),
            golongan_baru: Golongan::III_B,
            tmt: date!(2026 - 03 - 01),
        }]);
}

#[tokio::test]
async fn langkah_di_luar_urutan_ditolak_dengan_status_tidak_sesuai() {
    let kasus = [
        (0, KenaikanPangkatCommand::Ajukan),
        (1, verifikasi_analis()),
        (
            1,
            KenaikanPangkatCommand::CatatPertek {
                nomor: "P-1".into(),
                tanggal: date!(2026 - 01 - 10),
            },
        ),
        (
            2,
            KenaikanPangkatCommand::CatatSk {
                nomor: "SK-1".into(),
                tanggal: date!(2026 - 01 - 12),
                tmt: date!(2026 - 03 - 01),
            },
        ),
        (3, KenaikanPangkatCommand::Selesaikan),
        (4, KenaikanPangkatCommand::Ajukan),
    ];
    for (n, cmd) in kasus {
        let e = hasil(sampai(n), cmd.clone()).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "kp_status_tidak_sesuai"),
            "{n} {cmd:?}"
        );
    }
}

#[tokio::test]
async fn usul_dapat_ditolak_pada_setiap_langkah_sebelum_sk() {
    let status = [
        StatusUsulKp::Draft,
        StatusUsulKp::Diverifikasi,
        StatusUsulKp::Diajukan,
        StatusUsulKp::PertekTerbit,
    ];
    for (n, sebelum) in status.into_iter().enumerate() {
        KpTest::with(services())
            .given(sampai(n))
            .when_async(KenaikanPangkatCommand::Tolak {
                alasan: "Berkas SKP tidak sah".into(),
            })
            .await
            .then_expect_events(vec![KenaikanPangkatEvent::UsulKpDitolak {
                nip: nip_analis(),
                alasan: "Berkas SKP tidak sah".into(),
                status_sebelumnya: sebelum,
            }]);
    }
}

#[tokio::test]
async fn usul_tidak_dapat_ditolak_setelah_sk_terbit_atau_ditolak() {
    let e = hasil(
        sampai(4),
        KenaikanPangkatCommand::Tolak {
            alasan: "Terlambat".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "kp_status_tidak_sesuai");
    let mut ditolak = sampai(0);
    ditolak.push(KenaikanPangkatEvent::UsulKpDitolak {
        nip: nip_analis(),
        alasan: "x".into(),
        status_sebelumnya: StatusUsulKp::Draft,
    });
    let e = hasil(ditolak, KenaikanPangkatCommand::Ajukan)
        .await
        .unwrap_err();
    assert_eq!(e.code, "kp_status_tidak_sesuai");
}

#[tokio::test]
async fn penolakan_wajib_beralasan() {
    let e = hasil(
        sampai(0),
        KenaikanPangkatCommand::Tolak { alasan: " ".into() },
    )
    .await
    .unwrap_err();
    assert_eq!((e.code, e.field), ("wajib_diisi", Some("alasan")));
}

// ---------------------------------------------------------------------------
// State and serialisation
// ---------------------------------------------------------------------------

#[test]
fn usul_dibangun_ulang_dari_event_sampai_selesai() {
    let mut kp = KenaikanPangkat::default();
    assert_eq!(kp.status(), None);
    let mut status = Vec::new();
    for e in sampai(4) {
        kp.apply(e);
        status.push(kp.status().unwrap());
    }
    kp.apply(KenaikanPangkatEvent::UsulKpSelesai {
        nip: nip_analis(),
        golongan_baru: Golongan::III_B,
        tmt: date!(2026 - 03 - 01),
    });
    status.push(kp.status().unwrap());
    assert_eq!(
        status,
        [
            StatusUsulKp::Draft,
            StatusUsulKp::Diverifikasi,
            StatusUsulKp::Diajukan,
            StatusUsulKp::PertekTerbit,
            StatusUsulKp::SkTerbit,
            StatusUsulKp::Selesai,
        ]
    );
    assert!(!StatusUsulKp::Selesai.is_terbuka() && StatusUsulKp::SkTerbit.is_terbuka());
    let usul = kp.usul().unwrap();
    assert_eq!(usul.id, USUL);
    assert_eq!(
        usul.pertek,
        Some(("PERTEK-KP/0123/KR.IX/2026".into(), date!(2026 - 01 - 10)))
    );
    assert_eq!(
        usul.sk,
        Some((
            "SK-KP/0456/2026".into(),
            date!(2026 - 01 - 12),
            date!(2026 - 03 - 01)
        ))
    );
    assert_eq!(usul.dokumen.len(), 3);
    let json = serde_json::to_string(&kp).unwrap();
    assert_eq!(serde_json::from_str::<KenaikanPangkat>(&json).unwrap(), kp);
    assert_eq!(KenaikanPangkat::TYPE, "kenaikan_pangkat");
}

#[test]
fn event_kp_bertipe_nama_varian_dan_berserde_dengan_kode_snake_case() {
    let e = diusulkan(&reguler_analis(), 4, "PP 99/2000 jo PP 12/2002");
    assert_eq!(e.event_type(), "KenaikanPangkatDiusulkan");
    assert_eq!(e.event_version(), "1.0");
    let v = serde_json::to_value(&e).unwrap();
    let isi = &v["KenaikanPangkatDiusulkan"];
    assert_eq!(isi["jenis"], "reguler");
    assert_eq!(isi["golongan_baru"], "III/b");
    assert_eq!(isi["pangkat_baru"], "Penata Muda Tingkat I");
    assert_eq!(isi["tmt_usulan"], "2026-03-01");
    assert_eq!(isi["data"]["kelompok"], "umum");
    assert_eq!(isi["data"]["skp_tahun_lalu"], "baik");
    assert_eq!(
        serde_json::from_value::<KenaikanPangkatEvent>(v).unwrap(),
        e
    );
    let nama: Vec<String> = sampai(4).iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        nama,
        [
            "KenaikanPangkatDiusulkan",
            "UsulKpDiverifikasi",
            "UsulKpDiajukan",
            "PertekKpTerbit",
            "SkKpTerbit"
        ]
    );
    let h = serde_json::to_value(KelompokJabatanKp::Hakim {
        tmt_pengangkatan_hakim: date!(2025 - 02 - 01),
    })
    .unwrap();
    assert_eq!(h["hakim"]["tmt_pengangkatan_hakim"], "2025-02-01");
}

#[test]
fn predikat_minimal_baik_hanya_sangat_baik_dan_baik() {
    assert!(Predikat::SangatBaik.minimal_baik());
    assert!(Predikat::Baik.minimal_baik());
    assert!(!Predikat::ButuhPerbaikan.minimal_baik());
    assert!(!Predikat::Kurang.minimal_baik());
    assert!(!Predikat::SangatKurang.minimal_baik());
    assert_eq!(Predikat::ButuhPerbaikan.label(), "Butuh Perbaikan");
    let kode: Vec<&str> = JenisKp::SEMUA.iter().map(|j| j.kode()).collect();
    assert_eq!(
        kode,
        [
            "reguler",
            "pilihan_struktural",
            "pilihan_fungsional",
            "penyesuaian_ijazah"
        ]
    );
}
