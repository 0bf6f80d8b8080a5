//! Given / when / then tests of the Pegawai rules, with the fixture people of DOMAIN §8.

use cqrs_es::DomainEvent;
use cqrs_es::test::TestFramework;
use time::macros::date;

use super::*;
use crate::error::ErrorKind;
use crate::ports::{InMemoryMasterData, SatkerInfo};

type PegawaiTest = TestFramework<Pegawai>;

const HARI_INI: Date = date!(2026 - 01 - 15);

const KEPANITERAAN: Uuid = Uuid::from_u128(0xA1);
const KESEKRETARIATAN: Uuid = Uuid::from_u128(0xA2);
const UNIT_SATKER_LAIN: Uuid = Uuid::from_u128(0xA3);

const KETUA: Uuid = Uuid::from_u128(0xB1);
const PANITERA: Uuid = Uuid::from_u128(0xB2);
const KLEREK: Uuid = Uuid::from_u128(0xB3);
const PRANATA_KOMPUTER: Uuid = Uuid::from_u128(0xB4);
const OPERATOR: Uuid = Uuid::from_u128(0xB5);
const KASUBAG_UMUM: Uuid = Uuid::from_u128(0xB6);

const TIDAK_ADA: Uuid = Uuid::from_u128(0xDEAD);

fn satker() -> SatkerId {
    SatkerId::parse("W13-A99").unwrap()
}

fn satker_lain() -> SatkerId {
    SatkerId::parse("W13-A98").unwrap()
}

fn unit(id: Uuid) -> UnitKerjaInfo {
    match id {
        KEPANITERAAN => UnitKerjaInfo {
            id,
            satker_id: satker(),
            nama: "Kepaniteraan".into(),
        },
        KESEKRETARIATAN => UnitKerjaInfo {
            id,
            satker_id: satker(),
            nama: "Kesekretariatan".into(),
        },
        _ => UnitKerjaInfo {
            id,
            satker_id: satker_lain(),
            nama: "Kepaniteraan PA Sukamundur".into(),
        },
    }
}

fn jabatan(id: Uuid) -> JabatanInfo {
    let (nama, jenis, kelompok_bup) = match id {
        KETUA => (
            "Ketua",
            JenisJabatan::Struktural,
            KelompokBup::HakimPengadilanAgama,
        ),
        PANITERA => (
            "Panitera",
            JenisJabatan::Struktural,
            KelompokBup::KepaniteraanKesekretariatan,
        ),
        KLEREK => (
            "Klerek",
            JenisJabatan::Pelaksana,
            KelompokBup::AdministrasiDanAhliPertamaMuda,
        ),
        PRANATA_KOMPUTER => (
            "Pranata Komputer Ahli Pertama",
            JenisJabatan::Fungsional,
            KelompokBup::AdministrasiDanAhliPertamaMuda,
        ),
        OPERATOR => (
            "Operator Layanan Operasional",
            JenisJabatan::Pelaksana,
            KelompokBup::AdministrasiDanAhliPertamaMuda,
        ),
        _ => (
            "Kepala Subbagian Umum dan Keuangan",
            JenisJabatan::Struktural,
            KelompokBup::AdministrasiDanAhliPertamaMuda,
        ),
    };
    JabatanInfo {
        id,
        nama: nama.into(),
        jenis,
        kelompok_bup,
    }
}

fn master() -> InMemoryMasterData {
    let mut m = InMemoryMasterData::new()
        .with_satker(SatkerInfo {
            id: satker(),
            nama: "Pengadilan Agama Sukamaju Kelas IB".into(),
        })
        .with_satker(SatkerInfo {
            id: satker_lain(),
            nama: "Pengadilan Agama Sukamundur".into(),
        });
    for u in [KEPANITERAAN, KESEKRETARIATAN, UNIT_SATKER_LAIN] {
        m = m.with_unit(unit(u));
    }
    for j in [
        KETUA,
        PANITERA,
        KLEREK,
        PRANATA_KOMPUTER,
        OPERATOR,
        KASUBAG_UMUM,
    ] {
        m = m.with_jabatan(jabatan(j));
    }
    m
}

fn services() -> Services {
    master().services(HARI_INI)
}

fn nip(s: &str) -> Nip {
    Nip::parse_any(s).unwrap()
}

/// Fixture #20: Klerek (CPNS), III/a, S1.
fn cpns() -> DataPegawaiBaru {
    DataPegawaiBaru {
        nip: nip("200103112025061002"),
        nama: "Rizki Ramadhan".into(),
        gelar_depan: None,
        gelar_belakang: Some("S.H.".into()),
        tempat_lahir: "Sukamaju".into(),
        tanggal_lahir: date!(2001 - 03 - 11),
        jenis_kelamin: JenisKelamin::L,
        jenis_pegawai: JenisPegawai::Cpns,
        golongan: Golongan::III_A,
        tmt_golongan: date!(2025 - 06 - 01),
        jabatan_id: KLEREK,
        tmt_jabatan: date!(2025 - 06 - 01),
        unit_kerja_id: KEPANITERAAN,
        satker_id: satker(),
        pendidikan_terakhir: Pendidikan::S1,
        tmt_cpns: Some(date!(2025 - 06 - 01)),
        tmt_pns: None,
        tmt_pppk: None,
    }
}

/// Fixture #15, a PNS with SLTA at the ceiling III/b, here in a jabatan pelaksana.
fn pns_slta() -> DataPegawaiBaru {
    DataPegawaiBaru {
        nip: nip("196810011990031003"),
        nama: "Bambang Sutrisno".into(),
        gelar_depan: None,
        gelar_belakang: None,
        tempat_lahir: "Sukamaju".into(),
        tanggal_lahir: date!(1968 - 10 - 01),
        jenis_kelamin: JenisKelamin::L,
        jenis_pegawai: JenisPegawai::Pns,
        golongan: Golongan::III_B,
        tmt_golongan: date!(2010 - 04 - 01),
        jabatan_id: KLEREK,
        tmt_jabatan: date!(2015 - 01 - 02),
        unit_kerja_id: KEPANITERAAN,
        satker_id: satker(),
        pendidikan_terakhir: Pendidikan::Slta,
        tmt_cpns: Some(date!(1990 - 03 - 01)),
        tmt_pns: Some(date!(1991 - 03 - 01)),
        tmt_pppk: None,
    }
}

/// Fixture #19: Operator (PPPK), golongan IX, D-III.
fn pppk() -> DataPegawaiBaru {
    DataPegawaiBaru {
        nip: nip("199203252024212003"),
        nama: "Dewi Lestari".into(),
        gelar_depan: None,
        gelar_belakang: Some("A.Md.".into()),
        tempat_lahir: "Sukamaju".into(),
        tanggal_lahir: date!(1992 - 03 - 25),
        jenis_kelamin: JenisKelamin::P,
        jenis_pegawai: JenisPegawai::Pppk,
        golongan: Golongan::parse("IX").unwrap(),
        tmt_golongan: date!(2024 - 03 - 01),
        jabatan_id: OPERATOR,
        tmt_jabatan: date!(2024 - 03 - 01),
        unit_kerja_id: KESEKRETARIATAN,
        satker_id: satker(),
        pendidikan_terakhir: Pendidikan::D3,
        tmt_cpns: None,
        tmt_pns: None,
        tmt_pppk: Some(date!(2024 - 03 - 01)),
    }
}

/// Fixture #1: Ketua, IV/c with S3 (above the S3 ceiling IV/b).
fn ketua() -> DataPegawaiBaru {
    DataPegawaiBaru {
        nip: nip("197003142000031002"),
        nama: "Ahmad Mustofa".into(),
        gelar_depan: Some("Dr. H.".into()),
        gelar_belakang: Some("S.H.I., M.H.".into()),
        tempat_lahir: "Sukamaju".into(),
        tanggal_lahir: date!(1970 - 03 - 14),
        jenis_kelamin: JenisKelamin::L,
        jenis_pegawai: JenisPegawai::Pns,
        golongan: Golongan::IV_C,
        tmt_golongan: date!(2018 - 04 - 01),
        jabatan_id: KETUA,
        tmt_jabatan: date!(2023 - 01 - 02),
        unit_kerja_id: KEPANITERAAN,
        satker_id: satker(),
        pendidikan_terakhir: Pendidikan::S3,
        tmt_cpns: Some(date!(2000 - 03 - 01)),
        tmt_pns: Some(date!(2001 - 03 - 01)),
        tmt_pppk: None,
    }
}

/// Fixture #6: Panitera, IV/a with S1 (above the S1 ceiling III/d).
fn panitera() -> DataPegawaiBaru {
    DataPegawaiBaru {
        nip: nip("196809191994031001"),
        nama: "Hasanuddin".into(),
        gelar_depan: Some("Drs.".into()),
        gelar_belakang: None,
        tempat_lahir: "Sukamaju".into(),
        tanggal_lahir: date!(1968 - 09 - 19),
        jenis_kelamin: JenisKelamin::L,
        jenis_pegawai: JenisPegawai::Pns,
        golongan: Golongan::IV_A,
        tmt_golongan: date!(2016 - 10 - 01),
        jabatan_id: PANITERA,
        tmt_jabatan: date!(2020 - 01 - 06),
        unit_kerja_id: KEPANITERAAN,
        satker_id: satker(),
        pendidikan_terakhir: Pendidikan::S1,
        tmt_cpns: Some(date!(1994 - 03 - 01)),
        tmt_pns: Some(date!(1995 - 03 - 01)),
        tmt_pppk: None,
    }
}

/// The event `Daftarkan(d)` should produce (names copied from the master data).
fn didaftarkan(d: &DataPegawaiBaru) -> PegawaiEvent {
    let j = jabatan(d.jabatan_id);
    let u = unit(d.unit_kerja_id);
    PegawaiEvent::PegawaiDidaftarkan {
        nip: d.nip.clone(),
        nama: d.nama.clone(),
        gelar_depan: d.gelar_depan.clone(),
        gelar_belakang: d.gelar_belakang.clone(),
        tempat_lahir: d.tempat_lahir.clone(),
        tanggal_lahir: d.tanggal_lahir,
        jenis_kelamin: d.jenis_kelamin,
        jenis_pegawai: d.jenis_pegawai,
        golongan: d.golongan,
        pangkat: d.golongan.pangkat().map(str::to_owned),
        tmt_golongan: d.tmt_golongan,
        jabatan_id: j.id,
        jabatan_nama: j.nama,
        jenis_jabatan: j.jenis,
        kelompok_bup: j.kelompok_bup,
        tmt_jabatan: d.tmt_jabatan,
        unit_kerja_id: u.id,
        unit_kerja_nama: u.nama,
        satker_id: d.satker_id.clone(),
        pendidikan_terakhir: d.pendidikan_terakhir,
        tmt_cpns: d.tmt_cpns,
        tmt_pns: d.tmt_pns,
        tmt_pppk: d.tmt_pppk,
    }
}

async fn daftarkan_gagal(d: DataPegawaiBaru) -> DomainError {
    PegawaiTest::with(services())
        .given_no_previous_events()
        .when_async(PegawaiCommand::Daftarkan(d))
        .await
        .inspect_result()
        .expect_err("expected the command to be refused")
}

async fn daftarkan_berhasil(d: DataPegawaiBaru) {
    let expected = didaftarkan(&d);
    PegawaiTest::with(services())
        .given_no_previous_events()
        .when_async(PegawaiCommand::Daftarkan(d))
        .await
        .then_expect_events(vec![expected]);
}

async fn ubah(
    given: &DataPegawaiBaru,
    p: PerubahanPegawai,
) -> Result<Vec<PegawaiEvent>, DomainError> {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(given)])
        .when_async(PegawaiCommand::Ubah(p))
        .await
        .inspect_result()
}

fn galat(e: &DomainError) -> (ErrorKind, &'static str, Option<&'static str>) {
    (e.kind, e.code, e.field)
}

fn invalid(
    code: &'static str,
    field: &'static str,
) -> (ErrorKind, &'static str, Option<&'static str>) {
    (ErrorKind::Invalid, code, Some(field))
}

// ---------------------------------------------------------------------------
// Daftarkan: success
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_mencatat_cpns_dengan_nama_jabatan_dan_unit_yang_disalin() {
    let mut d = cpns();
    d.nama = "  Rizki Ramadhan ".into();
    d.gelar_depan = Some("   ".into());
    PegawaiTest::with(services())
        .given_no_previous_events()
        .when_async(PegawaiCommand::Daftarkan(d))
        .await
        .then_expect_events(vec![PegawaiEvent::PegawaiDidaftarkan {
            nip: nip("200103112025061002"),
            nama: "Rizki Ramadhan".into(),
            gelar_depan: None,
            gelar_belakang: Some("S.H.".into()),
            tempat_lahir: "Sukamaju".into(),
            tanggal_lahir: date!(2001 - 03 - 11),
            jenis_kelamin: JenisKelamin::L,
            jenis_pegawai: JenisPegawai::Cpns,
            golongan: Golongan::III_A,
            pangkat: Some("Penata Muda".into()),
            tmt_golongan: date!(2025 - 06 - 01),
            jabatan_id: KLEREK,
            jabatan_nama: "Klerek".into(),
            jenis_jabatan: JenisJabatan::Pelaksana,
            kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            tmt_jabatan: date!(2025 - 06 - 01),
            unit_kerja_id: KEPANITERAAN,
            unit_kerja_nama: "Kepaniteraan".into(),
            satker_id: satker(),
            pendidikan_terakhir: Pendidikan::S1,
            tmt_cpns: Some(date!(2025 - 06 - 01)),
            tmt_pns: None,
            tmt_pppk: None,
        }]);
}

#[tokio::test]
async fn daftarkan_mencatat_pppk_dengan_golongan_romawi_tanpa_pangkat() {
    let d = pppk();
    let ev = PegawaiTest::with(services())
        .given_no_previous_events()
        .when_async(PegawaiCommand::Daftarkan(d.clone()))
        .await
        .inspect_result()
        .unwrap();
    assert_eq!(ev, vec![didaftarkan(&d)]);
    let PegawaiEvent::PegawaiDidaftarkan {
        pangkat, golongan, ..
    } = &ev[0]
    else {
        panic!("unexpected {ev:?}");
    };
    assert_eq!(pangkat, &None, "PPPK have no pangkat");
    assert_eq!(golongan.to_string(), "IX");
}

#[tokio::test]
async fn daftarkan_menerima_pns_pelaksana_tepat_di_batas_ijazah() {
    daftarkan_berhasil(pns_slta()).await;
}

#[tokio::test]
async fn daftarkan_membebaskan_pejabat_struktural_dari_batas_ijazah() {
    // Ketua IV/c with S3 (ceiling IV/b), Panitera IV/a with S1 (ceiling III/d).
    daftarkan_berhasil(ketua()).await;
    daftarkan_berhasil(panitera()).await;
}

#[tokio::test]
async fn daftarkan_membebaskan_pejabat_fungsional_dari_batas_ijazah() {
    let mut d = pns_slta();
    d.jabatan_id = PRANATA_KOMPUTER;
    d.golongan = Golongan::III_C;
    daftarkan_berhasil(d).await;
}

#[tokio::test]
async fn daftarkan_menerima_nip_yang_ditulis_berkelompok() {
    let mut d = cpns();
    d.nip = nip("20010311 202506 1 002");
    daftarkan_berhasil(d).await;
}

// ---------------------------------------------------------------------------
// Rule 1: existence
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_nip_yang_sudah_terdaftar() {
    let e = PegawaiTest::with(services())
        .given(vec![didaftarkan(&cpns())])
        .when_async(PegawaiCommand::Daftarkan(cpns()))
        .await
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        galat(&e),
        (ErrorKind::Conflict, "pegawai_sudah_terdaftar", Some("nip"))
    );
}

#[tokio::test]
async fn ubah_pegawai_yang_belum_terdaftar_tidak_ditemukan() {
    let e = PegawaiTest::with(services())
        .given_no_previous_events()
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            nama: Some("Siapa".into()),
            ..PerubahanPegawai::default()
        }))
        .await
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::NotFound, "pegawai_tidak_ditemukan")
    );
}

// ---------------------------------------------------------------------------
// Rule 2: master data
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_unit_kerja_yang_tidak_dikenal() {
    let mut d = cpns();
    d.unit_kerja_id = TIDAK_ADA;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("unit_kerja_tidak_dikenal", "unit_kerja_id")
    );
}

#[tokio::test]
async fn daftarkan_menolak_unit_kerja_dari_satker_lain() {
    let mut d = cpns();
    d.unit_kerja_id = UNIT_SATKER_LAIN;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("unit_kerja_satker_lain", "unit_kerja_id")
    );
}

#[tokio::test]
async fn daftarkan_menolak_satker_yang_tidak_dikenal() {
    let mut d = cpns();
    d.satker_id = SatkerId::parse("W99-A1").unwrap();
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("satker_tidak_dikenal", "satker_id"));
}

#[tokio::test]
async fn daftarkan_menolak_jabatan_yang_tidak_dikenal() {
    let mut d = cpns();
    d.jabatan_id = TIDAK_ADA;
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("jabatan_tidak_dikenal", "jabatan_id"));
}

#[tokio::test]
async fn daftarkan_meneruskan_kegagalan_data_master_sebagai_tidak_tersedia() {
    let e = PegawaiTest::with(InMemoryMasterData::tidak_tersedia().services(HARI_INI))
        .given_no_previous_events()
        .when_async(PegawaiCommand::Daftarkan(cpns()))
        .await
        .inspect_result()
        .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Unavailable, "master_data_tidak_tersedia")
    );
}

// ---------------------------------------------------------------------------
// Rule 3: the NIP matches the person
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_tanggal_lahir_yang_tidak_cocok_dengan_nip() {
    let mut d = cpns();
    d.tanggal_lahir = date!(2001 - 03 - 12);
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("nip_tanggal_lahir_tidak_cocok", "tanggal_lahir")
    );
}

#[tokio::test]
async fn daftarkan_menolak_jenis_kelamin_yang_tidak_cocok_dengan_nip() {
    let mut d = cpns();
    d.jenis_kelamin = JenisKelamin::P;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("nip_jenis_kelamin_tidak_cocok", "jenis_kelamin")
    );
    let mut d = pppk();
    d.jenis_kelamin = JenisKelamin::L;
    let e = daftarkan_gagal(d).await;
    assert_eq!(e.code, "nip_jenis_kelamin_tidak_cocok");
}

#[tokio::test]
async fn daftarkan_menolak_tmt_cpns_yang_bulannya_tidak_cocok_dengan_nip() {
    let mut d = cpns();
    // Same year, another month (and still before the TMT golongan/jabatan).
    d.tmt_cpns = Some(date!(2025 - 05 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("nip_tmt_cpns_tidak_cocok", "tmt_cpns"));
    let mut d = pns_slta();
    d.tmt_cpns = Some(date!(1989 - 03 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(e.code, "nip_tmt_cpns_tidak_cocok");
}

#[tokio::test]
async fn daftarkan_menerima_tmt_cpns_pada_tanggal_mana_pun_di_bulan_nip() {
    let mut d = cpns();
    d.tmt_cpns = Some(date!(2025 - 06 - 30));
    d.tmt_golongan = date!(2025 - 06 - 30);
    d.tmt_jabatan = date!(2025 - 07 - 01);
    daftarkan_berhasil(d).await;
}

#[tokio::test]
async fn daftarkan_menolak_tmt_pppk_yang_tahunnya_tidak_cocok_dengan_nip() {
    let mut d = pppk();
    d.tmt_pppk = Some(date!(2023 - 03 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("nip_tahun_pengangkatan_tidak_cocok", "tmt_pppk")
    );
}

#[tokio::test]
async fn daftarkan_memeriksa_ulang_nip_menurut_tata_letak_jenis_pegawai() {
    // The PPPK number of #19 declared as a CPNS: digits 13–14 (21) are no month.
    let mut d = pppk();
    d.jenis_pegawai = JenisPegawai::Cpns;
    d.golongan = Golongan::II_C;
    d.tmt_cpns = Some(date!(2024 - 03 - 01));
    d.tmt_pppk = None;
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("nip_tmt_tidak_valid", "nip"));
}

#[tokio::test]
async fn daftarkan_menolak_nip_dengan_nomor_urut_000() {
    let mut d = cpns();
    d.nip = nip("200103112025061000");
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("nip_urutan_tidak_valid", "nip"));
}

// ---------------------------------------------------------------------------
// Rule 4: golongan kind
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_golongan_ruang_untuk_pppk() {
    let mut d = pppk();
    d.golongan = Golongan::II_C;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("golongan_tidak_sesuai_jenis_pegawai", "golongan")
    );
}

#[tokio::test]
async fn daftarkan_menolak_golongan_pppk_untuk_pns_dan_cpns() {
    let mut d = pns_slta();
    d.golongan = Golongan::parse("VII").unwrap();
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("golongan_tidak_sesuai_jenis_pegawai", "golongan")
    );
    let mut d = cpns();
    d.golongan = Golongan::parse("IX").unwrap();
    assert_eq!(
        daftarkan_gagal(d).await.code,
        "golongan_tidak_sesuai_jenis_pegawai"
    );
}

// ---------------------------------------------------------------------------
// Rule 5: ijazah ceiling
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_golongan_pelaksana_di_atas_batas_ijazah() {
    // SLTA ceiling is III/b.
    let mut d = pns_slta();
    d.golongan = Golongan::III_C;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("golongan_melebihi_batas_ijazah", "golongan")
    );
    // D-III ceiling is III/c, also for a CPNS.
    let mut d = cpns();
    d.pendidikan_terakhir = Pendidikan::D3;
    d.golongan = Golongan::III_D;
    assert_eq!(
        daftarkan_gagal(d).await.code,
        "golongan_melebihi_batas_ijazah"
    );
}

// ---------------------------------------------------------------------------
// Rule 6: dates
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_menolak_tanggal_lahir_hari_ini_atau_sesudahnya() {
    // A NIP that is valid as a layout but describes a birth in the future.
    let mut d = cpns();
    d.nip = nip("202602012044061002");
    d.tanggal_lahir = date!(2026 - 02 - 01);
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tanggal_lahir_tidak_valid", "tanggal_lahir")
    );
    let mut d = cpns();
    d.nip = nip("202601152044061002");
    d.tanggal_lahir = HARI_INI;
    assert_eq!(daftarkan_gagal(d).await.code, "tanggal_lahir_tidak_valid");
}

#[tokio::test]
async fn daftarkan_pns_wajib_memiliki_tmt_cpns_dan_tmt_pns() {
    let mut d = pns_slta();
    d.tmt_pns = None;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_pns")
    );
    let mut d = pns_slta();
    d.tmt_cpns = None;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_cpns")
    );
}

#[tokio::test]
async fn daftarkan_cpns_wajib_tmt_cpns_dan_belum_memiliki_tmt_pns() {
    let mut d = cpns();
    d.tmt_pns = Some(date!(2025 - 12 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_pns")
    );
    let mut d = cpns();
    d.tmt_cpns = None;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_cpns")
    );
}

#[tokio::test]
async fn daftarkan_pppk_wajib_tmt_pppk_tanpa_tmt_cpns_dan_tmt_pns() {
    let mut d = pppk();
    d.tmt_pppk = None;
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_pppk")
    );
    let mut d = pppk();
    d.tmt_cpns = Some(date!(2024 - 03 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_cpns")
    );
    let mut d = pppk();
    d.tmt_pns = Some(date!(2024 - 03 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_pns")
    );
}

#[tokio::test]
async fn daftarkan_pns_dan_cpns_tidak_boleh_memiliki_tmt_pppk() {
    let mut d = cpns();
    d.tmt_pppk = Some(date!(2025 - 06 - 01));
    let e = daftarkan_gagal(d).await;
    assert_eq!(
        galat(&e),
        invalid("tmt_tidak_sesuai_jenis_pegawai", "tmt_pppk")
    );
}

#[tokio::test]
async fn daftarkan_menolak_tmt_pns_sebelum_tmt_cpns() {
    let mut d = pns_slta();
    d.tmt_pns = Some(date!(1990 - 02 - 28));
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt_pns"));
}

#[tokio::test]
async fn daftarkan_menolak_tmt_golongan_dan_jabatan_sebelum_tmt_pengangkatan() {
    let mut d = cpns();
    d.tmt_golongan = date!(2025 - 05 - 31);
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt_golongan"));
    let mut d = cpns();
    d.tmt_jabatan = date!(2025 - 05 - 31);
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt_jabatan"));
    let mut d = pppk();
    d.tmt_jabatan = date!(2024 - 02 - 29);
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt_jabatan"));
}

#[tokio::test]
async fn daftarkan_menolak_tmt_di_masa_depan() {
    let besok = date!(2026 - 01 - 16);
    let mut d = cpns();
    d.tmt_golongan = besok;
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_golongan"));
    let mut d = cpns();
    d.tmt_jabatan = besok;
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_jabatan"));
    let mut d = pns_slta();
    d.tmt_pns = Some(besok);
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_pns"));
    // A PPPK appointed in a year still to come (the NIP year matches the TMT).
    let mut d = pppk();
    d.nip = nip("199203252026212003");
    d.tmt_pppk = Some(date!(2026 - 03 - 01));
    d.tmt_golongan = date!(2026 - 03 - 01);
    d.tmt_jabatan = date!(2026 - 03 - 01);
    let e = daftarkan_gagal(d).await;
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_pppk"));
}

#[tokio::test]
async fn daftarkan_menerima_tmt_hari_ini() {
    let mut d = cpns();
    d.tmt_jabatan = HARI_INI;
    daftarkan_berhasil(d).await;
}

// ---------------------------------------------------------------------------
// Free text
// ---------------------------------------------------------------------------

#[tokio::test]
async fn daftarkan_memeriksa_nama_gelar_dan_tempat_lahir() {
    let mut d = cpns();
    d.nama = " ".into();
    assert_eq!(
        galat(&daftarkan_gagal(d).await),
        invalid("wajib_diisi", "nama")
    );
    let mut d = cpns();
    d.nama = "a".repeat(151);
    assert_eq!(
        galat(&daftarkan_gagal(d).await),
        invalid("terlalu_panjang", "nama")
    );
    let mut d = cpns();
    d.tempat_lahir = "a".repeat(101);
    assert_eq!(
        galat(&daftarkan_gagal(d).await),
        invalid("terlalu_panjang", "tempat_lahir")
    );
    let mut d = cpns();
    d.gelar_belakang = Some("S.H.\nM.H.".into());
    assert_eq!(
        galat(&daftarkan_gagal(d).await),
        invalid("karakter_tidak_valid", "gelar_belakang")
    );
}

// ---------------------------------------------------------------------------
// Ubah: data pribadi
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_data_pribadi_mencatat_semua_nilai_setelah_perubahan() {
    let ev = ubah(
        &cpns(),
        PerubahanPegawai {
            nama: Some(" Rizki Ramadhan Putra ".into()),
            gelar_depan: Some(Some("H.".into())),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ev,
        vec![PegawaiEvent::DataPribadiPegawaiDiubah {
            nama: "Rizki Ramadhan Putra".into(),
            gelar_depan: Some("H.".into()),
            gelar_belakang: Some("S.H.".into()),
            tempat_lahir: "Sukamaju".into(),
            pendidikan_terakhir: Pendidikan::S1,
        }]
    );
}

#[tokio::test]
async fn ubah_gelar_kosong_atau_null_menghapus_gelar() {
    for g in [None, Some("  ".to_owned())] {
        let ev = ubah(
            &cpns(),
            PerubahanPegawai {
                gelar_belakang: Some(g),
                ..PerubahanPegawai::default()
            },
        )
        .await
        .unwrap();
        let [PegawaiEvent::DataPribadiPegawaiDiubah { gelar_belakang, .. }] = ev.as_slice() else {
            panic!("unexpected {ev:?}");
        };
        assert_eq!(*gelar_belakang, None);
    }
}

#[tokio::test]
async fn ubah_pendidikan_tercatat_sebagai_perubahan_data_pribadi() {
    let ev = ubah(
        &cpns(),
        PerubahanPegawai {
            pendidikan_terakhir: Some(Pendidikan::S2),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert!(matches!(
        ev.as_slice(),
        [PegawaiEvent::DataPribadiPegawaiDiubah {
            pendidikan_terakhir: Pendidikan::S2,
            ..
        }]
    ));
}

#[tokio::test]
async fn ubah_nama_dan_tempat_lahir_diperiksa_sebagai_teks_nama() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            nama: Some("a".repeat(151)),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("terlalu_panjang", "nama"));
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            tempat_lahir: Some("".into()),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("wajib_diisi", "tempat_lahir"));
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            tempat_lahir: Some("a".repeat(101)),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("terlalu_panjang", "tempat_lahir"));
}

#[tokio::test]
async fn ubah_dengan_nilai_yang_sama_tidak_menghasilkan_event() {
    let d = cpns();
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&d)])
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            nama: Some(d.nama.clone()),
            gelar_depan: Some(None),
            gelar_belakang: Some(Some("S.H.".into())),
            tempat_lahir: Some(" Sukamaju ".into()),
            pendidikan_terakhir: Some(Pendidikan::S1),
            golongan: Some((d.golongan, d.tmt_golongan)),
            jabatan: Some((d.jabatan_id, d.tmt_jabatan)),
            unit_kerja_id: Some(d.unit_kerja_id),
            status_pns: None,
        }))
        .await
        .then_expect_events(vec![]);
}

#[tokio::test]
async fn ubah_tanpa_isi_tidak_menghasilkan_event() {
    assert_eq!(
        ubah(&cpns(), PerubahanPegawai::default()).await.unwrap(),
        vec![]
    );
}

// ---------------------------------------------------------------------------
// Ubah: pangkat
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_golongan_mencatat_pangkat_dan_golongan_sebelumnya() {
    let d = cpns();
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&d)])
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            golongan: Some((Golongan::III_B, date!(2026 - 01 - 01))),
            ..PerubahanPegawai::default()
        }))
        .await
        .then_expect_events(vec![PegawaiEvent::PangkatPegawaiDicatat {
            golongan: Golongan::III_B,
            pangkat: Some("Penata Muda Tingkat I".into()),
            tmt_golongan: date!(2026 - 01 - 01),
            golongan_sebelumnya: Golongan::III_A,
        }]);
}

#[tokio::test]
async fn ubah_menolak_tmt_golongan_yang_mundur_atau_sama() {
    for tmt in [date!(2025 - 06 - 01), date!(2025 - 01 - 01)] {
        let e = ubah(
            &cpns(),
            PerubahanPegawai {
                golongan: Some((Golongan::III_B, tmt)),
                ..PerubahanPegawai::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            galat(&e),
            invalid("tmt_golongan_mundur", "tmt_golongan"),
            "{tmt}"
        );
    }
}

#[tokio::test]
async fn ubah_menolak_tmt_golongan_di_masa_depan() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            golongan: Some((Golongan::III_B, date!(2026 - 04 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_golongan"));
}

#[tokio::test]
async fn ubah_menolak_golongan_yang_tidak_sesuai_jenis_pegawai() {
    let e = ubah(
        &pppk(),
        PerubahanPegawai {
            golongan: Some((Golongan::III_A, date!(2025 - 03 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("golongan_tidak_sesuai_jenis_pegawai", "golongan")
    );
}

#[tokio::test]
async fn ubah_golongan_pppk_tidak_dibatasi_ijazah() {
    let ev = ubah(
        &pppk(),
        PerubahanPegawai {
            golongan: Some((Golongan::pppk(12).unwrap(), date!(2025 - 03 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        ev,
        vec![PegawaiEvent::PangkatPegawaiDicatat {
            golongan: Golongan::pppk(12).unwrap(),
            pangkat: None,
            tmt_golongan: date!(2025 - 03 - 01),
            golongan_sebelumnya: Golongan::pppk(9).unwrap(),
        }]
    );
}

// ---------------------------------------------------------------------------
// Ubah: ijazah ceiling applies again
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_golongan_pelaksana_melebihi_batas_ijazah_ditolak() {
    let e = ubah(
        &pns_slta(),
        PerubahanPegawai {
            golongan: Some((Golongan::III_C, date!(2026 - 01 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("golongan_melebihi_batas_ijazah", "golongan")
    );
}

#[tokio::test]
async fn ubah_golongan_diterima_bila_pendidikan_baru_mengangkat_batas() {
    // SLTA at III/b earns an S1: III/c is now within the ceiling (III/d).
    let ev = ubah(
        &pns_slta(),
        PerubahanPegawai {
            pendidikan_terakhir: Some(Pendidikan::S1),
            golongan: Some((Golongan::III_C, date!(2026 - 01 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].event_type(), "DataPribadiPegawaiDiubah");
    assert_eq!(ev[1].event_type(), "PangkatPegawaiDicatat");
}

#[tokio::test]
async fn ubah_pendidikan_yang_membuat_golongan_melebihi_batas_ditolak() {
    // A CPNS klerek at III/a whose ijazah is corrected to SLTP (ceiling II/c).
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            pendidikan_terakhir: Some(Pendidikan::Sltp),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("golongan_melebihi_batas_ijazah", "golongan")
    );
}

#[tokio::test]
async fn ubah_jabatan_ke_pelaksana_menerapkan_batas_ijazah() {
    // Panitera IV/a with S1 is fine as struktural, not as pelaksana (ceiling III/d).
    let e = ubah(
        &panitera(),
        PerubahanPegawai {
            jabatan: Some((KLEREK, date!(2026 - 01 - 02))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("golongan_melebihi_batas_ijazah", "golongan")
    );
}

#[tokio::test]
async fn ubah_hal_lain_tidak_memeriksa_ulang_batas_ijazah() {
    // The Panitera above the S1 ceiling as struktural may still change his name or unit.
    let ev = ubah(
        &panitera(),
        PerubahanPegawai {
            nama: Some("Hasanuddin Malik".into()),
            unit_kerja_id: Some(KESEKRETARIATAN),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ev.len(), 2);
}

// ---------------------------------------------------------------------------
// Ubah: jabatan and unit
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_jabatan_mencatat_nama_jenis_dan_kelompok_bup() {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&cpns())])
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            jabatan: Some((PRANATA_KOMPUTER, date!(2026 - 01 - 02))),
            ..PerubahanPegawai::default()
        }))
        .await
        .then_expect_events(vec![PegawaiEvent::JabatanPegawaiDicatat {
            jabatan_id: PRANATA_KOMPUTER,
            jabatan_nama: "Pranata Komputer Ahli Pertama".into(),
            jenis_jabatan: JenisJabatan::Fungsional,
            kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            tmt_jabatan: date!(2026 - 01 - 02),
        }]);
}

#[tokio::test]
async fn ubah_menolak_jabatan_yang_tidak_dikenal() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            jabatan: Some((TIDAK_ADA, date!(2026 - 01 - 02))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("jabatan_tidak_dikenal", "jabatan_id"));
}

#[tokio::test]
async fn ubah_menolak_tmt_jabatan_sebelum_tmt_pengangkatan_atau_di_masa_depan() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            jabatan: Some((PRANATA_KOMPUTER, date!(2025 - 05 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt_jabatan"));
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            jabatan: Some((PRANATA_KOMPUTER, date!(2026 - 02 - 01))),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "tmt_jabatan"));
}

#[tokio::test]
async fn ubah_unit_kerja_memindahkan_pegawai_di_dalam_satkernya() {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&cpns())])
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            unit_kerja_id: Some(KESEKRETARIATAN),
            ..PerubahanPegawai::default()
        }))
        .await
        .then_expect_events(vec![PegawaiEvent::UnitKerjaPegawaiDipindahkan {
            unit_kerja_id: KESEKRETARIATAN,
            unit_kerja_nama: "Kesekretariatan".into(),
        }]);
}

#[tokio::test]
async fn ubah_menolak_unit_kerja_satker_lain_karena_itu_mutasi() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            unit_kerja_id: Some(UNIT_SATKER_LAIN),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("unit_kerja_satker_lain", "unit_kerja_id")
    );
}

#[tokio::test]
async fn ubah_menolak_unit_kerja_yang_tidak_dikenal() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            unit_kerja_id: Some(TIDAK_ADA),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("unit_kerja_tidak_dikenal", "unit_kerja_id")
    );
}

// ---------------------------------------------------------------------------
// Ubah: status PNS
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_status_pns_mengangkat_cpns_menjadi_pns() {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&cpns())])
        .when_async(PegawaiCommand::Ubah(PerubahanPegawai {
            status_pns: Some(date!(2026 - 01 - 01)),
            ..PerubahanPegawai::default()
        }))
        .await
        .then_expect_events(vec![PegawaiEvent::PegawaiDiangkatPns {
            tmt_pns: date!(2026 - 01 - 01),
        }]);
}

#[tokio::test]
async fn ubah_status_pns_hanya_untuk_cpns() {
    for d in [pns_slta(), pppk()] {
        let e = ubah(
            &d,
            PerubahanPegawai {
                status_pns: Some(date!(2026 - 01 - 01)),
                ..PerubahanPegawai::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(galat(&e), invalid("bukan_cpns", "status_pns"));
    }
}

#[tokio::test]
async fn ubah_status_pns_yang_sudah_tercatat_tidak_menghasilkan_event() {
    let d = pns_slta();
    let ev = ubah(
        &d,
        PerubahanPegawai {
            status_pns: d.tmt_pns,
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ev, vec![]);
}

#[tokio::test]
async fn ubah_status_pns_menolak_tmt_sebelum_tmt_cpns_atau_di_masa_depan() {
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            status_pns: Some(date!(2025 - 05 - 31)),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "status_pns"));
    let e = ubah(
        &cpns(),
        PerubahanPegawai {
            status_pns: Some(date!(2026 - 06 - 01)),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_di_masa_depan", "status_pns"));
}

// ---------------------------------------------------------------------------
// Ubah: several changes at once
// ---------------------------------------------------------------------------

#[tokio::test]
async fn ubah_beberapa_hal_sekaligus_menghasilkan_satu_event_per_jenis_dengan_urutan_tetap() {
    let ev = ubah(
        &cpns(),
        PerubahanPegawai {
            status_pns: Some(date!(2026 - 01 - 01)),
            unit_kerja_id: Some(KESEKRETARIATAN),
            jabatan: Some((PRANATA_KOMPUTER, date!(2026 - 01 - 02))),
            golongan: Some((Golongan::III_B, date!(2026 - 01 - 01))),
            tempat_lahir: Some("Sukamundur".into()),
            ..PerubahanPegawai::default()
        },
    )
    .await
    .unwrap();
    let jenis: Vec<String> = ev.iter().map(DomainEvent::event_type).collect();
    assert_eq!(
        jenis,
        [
            "DataPribadiPegawaiDiubah",
            "PangkatPegawaiDicatat",
            "JabatanPegawaiDicatat",
            "UnitKerjaPegawaiDipindahkan",
            "PegawaiDiangkatPns",
        ]
    );
}

#[tokio::test]
async fn ubah_yang_ditolak_tidak_menulis_event_sebagian() {
    // A valid name change together with a unit of another satker: nothing is written.
    let mut pegawai = Pegawai::default();
    pegawai.apply(didaftarkan(&cpns()));
    let sebelum = pegawai.clone();
    let sink = EventSink::default();
    let hasil = pegawai
        .handle(
            PegawaiCommand::Ubah(PerubahanPegawai {
                nama: Some("Nama Baru".into()),
                unit_kerja_id: Some(UNIT_SATKER_LAIN),
                ..PerubahanPegawai::default()
            }),
            &services(),
            &sink,
        )
        .await;
    assert_eq!(hasil.unwrap_err().code, "unit_kerja_satker_lain");
    assert!(sink.collect().await.is_empty());
    assert_eq!(pegawai, sebelum);
}

// ---------------------------------------------------------------------------
// State and accessors
// ---------------------------------------------------------------------------

#[test]
fn pegawai_dibangun_ulang_dari_event_dan_aksesornya_membaca_keadaan_terakhir() {
    let mut p = Pegawai::default();
    assert!(!p.is_terdaftar());
    assert_eq!(p.nip(), None);
    p.apply(didaftarkan(&cpns()));
    p.apply(PegawaiEvent::PangkatPegawaiDicatat {
        golongan: Golongan::III_B,
        pangkat: Some("Penata Muda Tingkat I".into()),
        tmt_golongan: date!(2026 - 01 - 01),
        golongan_sebelumnya: Golongan::III_A,
    });
    p.apply(PegawaiEvent::JabatanPegawaiDicatat {
        jabatan_id: PRANATA_KOMPUTER,
        jabatan_nama: "Pranata Komputer Ahli Pertama".into(),
        jenis_jabatan: JenisJabatan::Fungsional,
        kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
        tmt_jabatan: date!(2026 - 01 - 02),
    });
    p.apply(PegawaiEvent::UnitKerjaPegawaiDipindahkan {
        unit_kerja_id: KESEKRETARIATAN,
        unit_kerja_nama: "Kesekretariatan".into(),
    });
    p.apply(PegawaiEvent::PegawaiDiangkatPns {
        tmt_pns: date!(2026 - 01 - 01),
    });
    p.apply(PegawaiEvent::DataPribadiPegawaiDiubah {
        nama: "Rizki R.".into(),
        gelar_depan: None,
        gelar_belakang: None,
        tempat_lahir: "Sukamundur".into(),
        pendidikan_terakhir: Pendidikan::S2,
    });
    assert!(p.is_terdaftar());
    assert_eq!(p.nip(), Some(&nip("200103112025061002")));
    assert_eq!(p.nama(), Some("Rizki R."));
    assert_eq!(p.satker_id(), Some(&satker()));
    assert_eq!(p.golongan(), Some(Golongan::III_B));
    assert_eq!(p.tmt_golongan(), Some(date!(2026 - 01 - 01)));
    assert_eq!(p.jabatan_id(), Some(PRANATA_KOMPUTER));
    assert_eq!(p.jenis_jabatan(), Some(JenisJabatan::Fungsional));
    assert_eq!(
        p.kelompok_bup(),
        Some(KelompokBup::AdministrasiDanAhliPertamaMuda)
    );
    assert_eq!(p.unit_kerja_id(), Some(KESEKRETARIATAN));
    assert_eq!(p.jenis_pegawai(), Some(JenisPegawai::Pns));
    assert_eq!(p.tmt_pns(), Some(date!(2026 - 01 - 01)));
    assert_eq!(p.tmt_cpns(), Some(date!(2025 - 06 - 01)));
    assert_eq!(p.tmt_pppk(), None);
    assert_eq!(p.tanggal_lahir(), Some(date!(2001 - 03 - 11)));
    assert_eq!(p.jenis_kelamin(), Some(JenisKelamin::L));
    assert_eq!(p.pendidikan_terakhir(), Some(Pendidikan::S2));
    let profil = p.profil().unwrap();
    assert_eq!(profil.tempat_lahir, "Sukamundur");
    assert_eq!(profil.unit_kerja_nama, "Kesekretariatan");
    assert_eq!(profil.tmt_awal(), Some(date!(2025 - 06 - 01)));
}

#[test]
fn tmt_awal_pppk_adalah_tmt_pppk() {
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&pppk()));
    assert_eq!(p.profil().unwrap().tmt_awal(), Some(date!(2024 - 03 - 01)));
}

#[test]
fn keadaan_pegawai_bolak_balik_lewat_serde_untuk_snapshot() {
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&ketua()));
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Pegawai>(&json).unwrap(), p);
    assert_eq!(Pegawai::TYPE, "pegawai");
}

#[test]
fn tanggal_ditulis_dengan_nama_bulan_indonesia() {
    assert_eq!(tgl(date!(2026 - 01 - 15)), "15 Januari 2026");
    assert_eq!(tgl(date!(2025 - 12 - 01)), "1 Desember 2025");
}

// ---------------------------------------------------------------------------
// CatatKenaikanPangkat: the SK of an usul KP on the pegawai's own stream
// ---------------------------------------------------------------------------

const USUL_KP: Uuid = Uuid::from_u128(0x5001);

async fn perintah(
    given: Vec<PegawaiEvent>,
    cmd: PegawaiCommand,
) -> Result<Vec<PegawaiEvent>, DomainError> {
    PegawaiTest::with(services())
        .given(given)
        .when_async(cmd)
        .await
        .inspect_result()
}

fn kp_sk(golongan: Golongan, tmt: Date) -> PegawaiCommand {
    PegawaiCommand::CatatKenaikanPangkat {
        usul_id: USUL_KP,
        golongan,
        tmt,
        nomor_sk: "SK-KP/0456/2026".into(),
        tanggal_sk: date!(2026 - 01 - 12),
    }
}

#[tokio::test]
async fn catat_kenaikan_pangkat_dari_sk_menaikkan_golongan_dan_tmt() {
    let d = panitera();
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&d)])
        .when_async(kp_sk(Golongan::IV_B, date!(2026 - 01 - 01)))
        .await
        .then_expect_events(vec![PegawaiEvent::PangkatNaikBerdasarkanSk {
            usul_id: USUL_KP,
            nomor_sk: "SK-KP/0456/2026".into(),
            tanggal_sk: date!(2026 - 01 - 12),
            golongan: Golongan::IV_B,
            pangkat: Some("Pembina Tingkat I".into()),
            tmt_golongan: date!(2026 - 01 - 01),
            golongan_sebelumnya: Golongan::IV_A,
        }]);
    // Later rules see the new pangkat.
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&d));
    for e in perintah(
        vec![didaftarkan(&d)],
        kp_sk(Golongan::IV_B, date!(2026 - 01 - 01)),
    )
    .await
    .unwrap()
    {
        p.apply(e);
    }
    assert_eq!(p.golongan(), Some(Golongan::IV_B));
    assert_eq!(p.tmt_golongan(), Some(date!(2026 - 01 - 01)));
}

#[tokio::test]
async fn catat_kenaikan_pangkat_boleh_ber_tmt_setelah_hari_ini_karena_berdasar_sk() {
    let ev = perintah(
        vec![didaftarkan(&panitera())],
        kp_sk(Golongan::IV_B, date!(2026 - 04 - 01)),
    )
    .await
    .unwrap();
    assert_eq!(ev.len(), 1);
}

#[tokio::test]
async fn catat_kenaikan_pangkat_yang_sama_dua_kali_tidak_menghasilkan_event() {
    let d = panitera();
    let given = vec![
        didaftarkan(&d),
        PegawaiEvent::PangkatNaikBerdasarkanSk {
            usul_id: USUL_KP,
            nomor_sk: "SK-KP/0456/2026".into(),
            tanggal_sk: date!(2026 - 01 - 12),
            golongan: Golongan::IV_B,
            pangkat: Some("Pembina Tingkat I".into()),
            tmt_golongan: date!(2026 - 01 - 01),
            golongan_sebelumnya: Golongan::IV_A,
        },
    ];
    let ev = perintah(given, kp_sk(Golongan::IV_B, date!(2026 - 01 - 01)))
        .await
        .unwrap();
    assert_eq!(ev, vec![]);
}

#[tokio::test]
async fn catat_kenaikan_pangkat_ditolak_bila_tmt_bukan_periode_kp_per_bkn_4_2025() {
    let e = perintah(
        vec![didaftarkan(&panitera())],
        kp_sk(Golongan::IV_B, date!(2026 - 01 - 02)),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("kp_tmt_bukan_periode", "tmt"));
}

#[tokio::test]
async fn catat_kenaikan_pangkat_ditolak_bila_golongan_tidak_naik_atau_tmt_mundur() {
    let e = perintah(
        vec![didaftarkan(&panitera())],
        kp_sk(Golongan::III_D, date!(2026 - 01 - 01)),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("golongan_tidak_naik", "golongan"));
    let e = perintah(
        vec![didaftarkan(&panitera())],
        kp_sk(Golongan::IV_B, date!(2016 - 10 - 01)),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_golongan_mundur", "tmt"));
}

#[tokio::test]
async fn catat_kenaikan_pangkat_ditolak_bila_tanggal_sk_setelah_hari_ini() {
    let e = perintah(
        vec![didaftarkan(&panitera())],
        PegawaiCommand::CatatKenaikanPangkat {
            usul_id: USUL_KP,
            golongan: Golongan::IV_B,
            tmt: date!(2026 - 04 - 01),
            nomor_sk: "SK-KP/0456/2026".into(),
            tanggal_sk: date!(2026 - 01 - 16),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tanggal_di_masa_depan", "tanggal_sk"));
}

#[tokio::test]
async fn catat_kenaikan_pangkat_hanya_untuk_pns_pp_99_2000() {
    let e = perintah(
        vec![didaftarkan(&cpns())],
        kp_sk(Golongan::III_B, date!(2026 - 01 - 01)),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("kp_hanya_untuk_pns", "golongan"));
}

// ---------------------------------------------------------------------------
// CatatMutasi (DOMAIN §5)
// ---------------------------------------------------------------------------

fn mutasi(
    jenis: JenisMutasi,
    satker_tujuan: SatkerId,
    unit_tujuan: Option<Uuid>,
    jabatan_tujuan: Option<Uuid>,
) -> PegawaiCommand {
    PegawaiCommand::CatatMutasi(DataMutasi {
        jenis,
        nomor_sk: "W13-A/123/KP.04.5/I/2026".into(),
        tanggal_sk: date!(2026 - 01 - 10),
        tmt: date!(2026 - 02 - 01),
        satker_tujuan,
        unit_tujuan,
        jabatan_tujuan,
    })
}

fn jabatan_mutasi(id: Uuid) -> JabatanMutasi {
    let j = jabatan(id);
    JabatanMutasi {
        jabatan_id: j.id,
        jabatan_nama: j.nama,
        jenis_jabatan: j.jenis,
        kelompok_bup: j.kelompok_bup,
    }
}

#[tokio::test]
async fn mutasi_internal_memindahkan_unit_dan_jabatan_di_satker_yang_sama() {
    let d = cpns();
    let cmd = mutasi(
        JenisMutasi::Internal,
        satker(),
        Some(KESEKRETARIATAN),
        Some(PRANATA_KOMPUTER),
    );
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&d)])
        .when_async(cmd.clone())
        .await
        .then_expect_events(vec![PegawaiEvent::PegawaiMutasiInternal {
            nomor_sk: "W13-A/123/KP.04.5/I/2026".into(),
            tanggal_sk: date!(2026 - 01 - 10),
            tmt: date!(2026 - 02 - 01),
            unit_kerja_asal_id: KEPANITERAAN,
            unit_kerja_id: Some(KESEKRETARIATAN),
            unit_kerja_nama: Some("Kesekretariatan".into()),
            jabatan: Some(jabatan_mutasi(PRANATA_KOMPUTER)),
        }]);
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&d));
    for e in perintah(vec![didaftarkan(&d)], cmd).await.unwrap() {
        p.apply(e);
    }
    assert_eq!(p.unit_kerja_id(), Some(KESEKRETARIATAN));
    assert_eq!(p.jabatan_id(), Some(PRANATA_KOMPUTER));
    assert_eq!(p.profil().unwrap().tmt_jabatan, date!(2026 - 02 - 01));
    assert!(p.is_aktif());
}

#[tokio::test]
async fn mutasi_internal_tanpa_perubahan_unit_atau_jabatan_ditolak() {
    let e = perintah(
        vec![didaftarkan(&cpns())],
        mutasi(
            JenisMutasi::Internal,
            satker(),
            Some(KEPANITERAAN),
            Some(KLEREK),
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("mutasi_tanpa_perubahan", "unit_tujuan"));
}

#[tokio::test]
async fn mutasi_internal_ke_satker_lain_ditolak() {
    let e = perintah(
        vec![didaftarkan(&cpns())],
        mutasi(
            JenisMutasi::Internal,
            satker_lain(),
            Some(UNIT_SATKER_LAIN),
            None,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("mutasi_satker_tujuan_berbeda", "satker_tujuan")
    );
}

#[tokio::test]
async fn mutasi_internal_ke_jabatan_pelaksana_menerapkan_batas_ijazah() {
    // Panitera IV/a with S-1 cannot become a pelaksana (ceiling III/d).
    let e = perintah(
        vec![didaftarkan(&panitera())],
        mutasi(JenisMutasi::Internal, satker(), None, Some(KLEREK)),
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("golongan_melebihi_batas_ijazah", "golongan")
    );
}

#[tokio::test]
async fn mutasi_keluar_ke_unit_satker_yang_dikenal_memindahkan_pegawai_ke_sana() {
    let d = cpns();
    let cmd = mutasi(
        JenisMutasi::Keluar,
        satker_lain(),
        Some(UNIT_SATKER_LAIN),
        None,
    );
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&d)])
        .when_async(cmd.clone())
        .await
        .then_expect_events(vec![PegawaiEvent::PegawaiMutasiKeluar {
            nomor_sk: "W13-A/123/KP.04.5/I/2026".into(),
            tanggal_sk: date!(2026 - 01 - 10),
            tmt: date!(2026 - 02 - 01),
            satker_asal: satker(),
            unit_kerja_asal_id: KEPANITERAAN,
            satker_tujuan: satker_lain(),
            satker_tujuan_nama: Some("Pengadilan Agama Sukamundur".into()),
            unit_kerja_id: Some(UNIT_SATKER_LAIN),
            unit_kerja_nama: Some("Kepaniteraan PA Sukamundur".into()),
            jabatan: None,
        }]);
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&d));
    for e in perintah(vec![didaftarkan(&d)], cmd).await.unwrap() {
        p.apply(e);
    }
    assert_eq!(p.satker_id(), Some(&satker_lain()));
    assert_eq!(p.unit_kerja_id(), Some(UNIT_SATKER_LAIN));
    assert!(p.is_aktif());
}

fn keluar_tanpa_unit() -> PegawaiEvent {
    PegawaiEvent::PegawaiMutasiKeluar {
        nomor_sk: "W13-A/123/KP.04.5/I/2026".into(),
        tanggal_sk: date!(2026 - 01 - 10),
        tmt: date!(2026 - 02 - 01),
        satker_asal: satker(),
        unit_kerja_asal_id: KEPANITERAAN,
        satker_tujuan: SatkerId::parse("W20-A5").unwrap(),
        satker_tujuan_nama: None,
        unit_kerja_id: None,
        unit_kerja_nama: None,
        jabatan: None,
    }
}

#[tokio::test]
async fn mutasi_keluar_ke_satker_di_luar_sistem_menghentikan_keaktifan_sampai_mutasi_masuk() {
    let d = cpns();
    let ev = perintah(
        vec![didaftarkan(&d)],
        mutasi(
            JenisMutasi::Keluar,
            SatkerId::parse("W20-A5").unwrap(),
            None,
            None,
        ),
    )
    .await
    .unwrap();
    assert_eq!(ev, vec![keluar_tanpa_unit()]);
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&d));
    p.apply(keluar_tanpa_unit());
    assert!(!p.is_aktif());
    assert_eq!(
        p.status(),
        &StatusPegawai::Keluar {
            satker_tujuan: SatkerId::parse("W20-A5").unwrap(),
            tmt: date!(2026 - 02 - 01),
        }
    );
    // Other commands wait for the mutasi masuk.
    let e = perintah(
        vec![didaftarkan(&d), keluar_tanpa_unit()],
        PegawaiCommand::Ubah(PerubahanPegawai {
            nama: Some("Nama Baru".into()),
            ..PerubahanPegawai::default()
        }),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind, e.code),
        (ErrorKind::Conflict, "pegawai_sudah_mutasi_keluar")
    );
    // A mutasi masuk into a known satker makes the pegawai active again there.
    let ev = perintah(
        vec![didaftarkan(&d), keluar_tanpa_unit()],
        mutasi(JenisMutasi::Masuk, satker(), Some(KESEKRETARIATAN), None),
    )
    .await
    .unwrap();
    for e in ev {
        p.apply(e);
    }
    assert!(p.is_aktif());
    assert_eq!(p.satker_id(), Some(&satker()));
    assert_eq!(p.unit_kerja_id(), Some(KESEKRETARIATAN));
}

#[tokio::test]
async fn mutasi_keluar_atau_masuk_ke_satker_sendiri_ditolak() {
    for jenis in [JenisMutasi::Keluar, JenisMutasi::Masuk] {
        let e = perintah(
            vec![didaftarkan(&cpns())],
            mutasi(jenis, satker(), Some(KESEKRETARIATAN), None),
        )
        .await
        .unwrap_err();
        assert_eq!(
            galat(&e),
            invalid("mutasi_satker_tujuan_sama", "satker_tujuan")
        );
    }
}

#[tokio::test]
async fn mutasi_masuk_mencatat_satker_unit_dan_jabatan_tujuan() {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&cpns())])
        .when_async(mutasi(
            JenisMutasi::Masuk,
            satker_lain(),
            Some(UNIT_SATKER_LAIN),
            Some(PRANATA_KOMPUTER),
        ))
        .await
        .then_expect_events(vec![PegawaiEvent::PegawaiMutasiMasuk {
            nomor_sk: "W13-A/123/KP.04.5/I/2026".into(),
            tanggal_sk: date!(2026 - 01 - 10),
            tmt: date!(2026 - 02 - 01),
            satker_asal: satker(),
            satker_id: satker_lain(),
            satker_nama: "Pengadilan Agama Sukamundur".into(),
            unit_kerja_id: UNIT_SATKER_LAIN,
            unit_kerja_nama: "Kepaniteraan PA Sukamundur".into(),
            jabatan: Some(jabatan_mutasi(PRANATA_KOMPUTER)),
        }]);
}

#[tokio::test]
async fn mutasi_masuk_wajib_ke_unit_yang_dikenal_di_satker_tujuan() {
    let given = vec![didaftarkan(&cpns()), keluar_tanpa_unit()];
    let e = perintah(
        given.clone(),
        mutasi(JenisMutasi::Masuk, satker(), None, None),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("wajib_diisi", "unit_tujuan"));
    let e = perintah(
        given.clone(),
        mutasi(JenisMutasi::Masuk, satker(), Some(UNIT_SATKER_LAIN), None),
    )
    .await
    .unwrap_err();
    assert_eq!(
        galat(&e),
        invalid("unit_kerja_satker_lain", "unit_kerja_id")
    );
    let e = perintah(
        given,
        mutasi(
            JenisMutasi::Masuk,
            SatkerId::parse("W99-A1").unwrap(),
            Some(KEPANITERAAN),
            None,
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("satker_tidak_dikenal", "satker_tujuan"));
}

#[tokio::test]
async fn mutasi_ditolak_bila_tanggal_sk_setelah_hari_ini_atau_tmt_sebelum_pengangkatan() {
    let mut m = DataMutasi {
        jenis: JenisMutasi::Internal,
        nomor_sk: "SK-1".into(),
        tanggal_sk: date!(2026 - 01 - 20),
        tmt: date!(2026 - 02 - 01),
        satker_tujuan: satker(),
        unit_tujuan: Some(KESEKRETARIATAN),
        jabatan_tujuan: None,
    };
    let e = perintah(
        vec![didaftarkan(&cpns())],
        PegawaiCommand::CatatMutasi(m.clone()),
    )
    .await
    .unwrap_err();
    assert_eq!(galat(&e), invalid("tanggal_di_masa_depan", "tanggal_sk"));
    m.tanggal_sk = date!(2026 - 01 - 10);
    m.tmt = date!(2025 - 05 - 01);
    let e = perintah(vec![didaftarkan(&cpns())], PegawaiCommand::CatatMutasi(m))
        .await
        .unwrap_err();
    assert_eq!(galat(&e), invalid("tmt_tidak_valid", "tmt"));
}

// ---------------------------------------------------------------------------
// CatatPensiun (DOMAIN §5)
// ---------------------------------------------------------------------------

fn pensiun(tmt_pensiun: Date) -> PegawaiCommand {
    PegawaiCommand::CatatPensiun {
        nomor_sk: "SK-PENSIUN/789/2026".into(),
        tanggal_sk: date!(2026 - 01 - 10),
        tmt_pensiun,
    }
}

fn panitera_pensiun() -> PegawaiEvent {
    PegawaiEvent::PegawaiPensiun {
        nomor_sk: "SK-PENSIUN/789/2026".into(),
        tanggal_sk: date!(2026 - 01 - 10),
        tmt_pensiun: date!(2026 - 10 - 01),
        usia_bup: 58,
        kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
        dasar_hukum: "[I] disamakan dengan pejabat administrasi, UU 5/2014 Pasal 90".into(),
        satker_id: satker(),
    }
}

#[tokio::test]
async fn panitera_pensiun_1_oktober_2026_pada_bup_58() {
    PegawaiTest::with(services())
        .given(vec![didaftarkan(&panitera())])
        .when_async(pensiun(date!(2026 - 10 - 01)))
        .await
        .then_expect_events(vec![panitera_pensiun()]);
}

#[tokio::test]
async fn tmt_pensiun_yang_bukan_tanggal_1_bulan_setelah_bup_ditolak() {
    for tmt in [
        date!(2026 - 09 - 19),
        date!(2026 - 09 - 01),
        date!(2026 - 11 - 01),
    ] {
        let e = perintah(vec![didaftarkan(&panitera())], pensiun(tmt))
            .await
            .unwrap_err();
        assert_eq!(
            galat(&e),
            invalid("tmt_pensiun_tidak_sesuai_bup", "tmt_pensiun"),
            "{tmt}"
        );
    }
}

#[tokio::test]
async fn ketua_hakim_pa_pensiun_pada_bup_65_uu_50_2009_bukan_58() {
    let e = perintah(vec![didaftarkan(&ketua())], pensiun(date!(2028 - 04 - 01)))
        .await
        .unwrap_err();
    assert_eq!(e.code, "tmt_pensiun_tidak_sesuai_bup");
    assert!(e.message.contains("65"), "{}", e.message);
    let ev = perintah(vec![didaftarkan(&ketua())], pensiun(date!(2035 - 04 - 01)))
        .await
        .unwrap();
    let [
        PegawaiEvent::PegawaiPensiun {
            usia_bup,
            kelompok_bup,
            ..
        },
    ] = ev.as_slice()
    else {
        panic!("unexpected {ev:?}");
    };
    assert_eq!(
        (*usia_bup, *kelompok_bup),
        (65, KelompokBup::HakimPengadilanAgama)
    );
}

#[tokio::test]
async fn pegawai_yang_sudah_pensiun_menolak_setiap_perintah_berikutnya() {
    let given = vec![didaftarkan(&panitera()), panitera_pensiun()];
    let perintah_lain = [
        PegawaiCommand::Ubah(PerubahanPegawai {
            nama: Some("Hasanuddin Malik".into()),
            ..PerubahanPegawai::default()
        }),
        kp_sk(Golongan::IV_B, date!(2026 - 01 - 01)),
        mutasi(JenisMutasi::Internal, satker(), Some(KESEKRETARIATAN), None),
        pensiun(date!(2026 - 10 - 01)),
    ];
    for cmd in perintah_lain {
        let e = perintah(given.clone(), cmd.clone()).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "pegawai_sudah_pensiun"),
            "{cmd:?}"
        );
    }
    let mut p = Pegawai::default();
    for e in given {
        p.apply(e);
    }
    assert_eq!(
        p.status(),
        &StatusPegawai::Pensiun {
            tmt_pensiun: date!(2026 - 10 - 01)
        }
    );
    assert!(!p.is_aktif() && p.is_terdaftar());
}

#[tokio::test]
async fn perintah_baru_pada_pegawai_yang_belum_terdaftar_tidak_ditemukan() {
    for cmd in [
        kp_sk(Golongan::IV_B, date!(2026 - 01 - 01)),
        mutasi(JenisMutasi::Internal, satker(), Some(KESEKRETARIATAN), None),
        pensiun(date!(2026 - 10 - 01)),
    ] {
        let e = perintah(vec![], cmd).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, "pegawai_tidak_ditemukan")
        );
    }
}

// ---------------------------------------------------------------------------
// Compatibility of stored state and events
// ---------------------------------------------------------------------------

#[test]
fn snapshot_lama_tanpa_status_dimuat_sebagai_aktif() {
    let mut p = Pegawai::default();
    p.apply(didaftarkan(&ketua()));
    let mut v = serde_json::to_value(&p).unwrap();
    v.as_object_mut().unwrap().remove("status");
    let lama: Pegawai = serde_json::from_value(v).unwrap();
    assert_eq!(lama, p);
    assert_eq!(lama.status(), &StatusPegawai::Aktif);
}

#[test]
fn event_pegawai_baru_bertipe_nama_varian() {
    let nama: Vec<String> = [
        PegawaiEvent::PangkatNaikBerdasarkanSk {
            usul_id: USUL_KP,
            nomor_sk: "x".into(),
            tanggal_sk: HARI_INI,
            golongan: Golongan::IV_B,
            pangkat: Some("Pembina Tingkat I".into()),
            tmt_golongan: HARI_INI,
            golongan_sebelumnya: Golongan::IV_A,
        },
        keluar_tanpa_unit(),
        PegawaiEvent::PegawaiMutasiInternal {
            nomor_sk: "x".into(),
            tanggal_sk: HARI_INI,
            tmt: HARI_INI,
            unit_kerja_asal_id: KEPANITERAAN,
            unit_kerja_id: None,
            unit_kerja_nama: None,
            jabatan: None,
        },
        panitera_pensiun(),
    ]
    .iter()
    .map(DomainEvent::event_type)
    .collect();
    assert_eq!(
        nama,
        [
            "PangkatNaikBerdasarkanSk",
            "PegawaiMutasiKeluar",
            "PegawaiMutasiInternal",
            "PegawaiPensiun"
        ]
    );
    let v = serde_json::to_value(panitera_pensiun()).unwrap();
    assert_eq!(v["PegawaiPensiun"]["tmt_pensiun"], "2026-10-01");
    assert_eq!(
        v["PegawaiPensiun"]["kelompok_bup"],
        "kepaniteraan_kesekretariatan"
    );
    assert_eq!(
        serde_json::from_value::<PegawaiEvent>(v).unwrap(),
        panitera_pensiun()
    );
}
