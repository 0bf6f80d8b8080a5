//! Issue 5 (write path, first part): a usul kenaikan pangkat decided through the command bus on
//! the real event store, with the "one open usul per pegawai" port reading the store.

use sekretariat_commands::{CommandError, CommandMetadata};
use sekretariat_domain::kenaikan_pangkat::KenaikanPangkatCommand;
use sekretariat_domain::kenaikan_pangkat::kelayakan::{
    DataKelayakan, JenisKp, KelompokJabatanKp, Predikat,
};
use sekretariat_domain::values::{Golongan, Nip};
use sekretariat_tests::app::TestApp;
use time::macros::date;
use uuid::Uuid;

/// DOMAIN §8 #16, the Analis Perkara: III/a since 1 Mar 2022, S1, pelaksana.
async fn kelayakan(app: &TestApp) -> DataKelayakan {
    let p = app
        .bus
        .load_pegawai("199805142022032003")
        .await
        .unwrap()
        .expect("demo pegawai");
    DataKelayakan {
        golongan: p.golongan().unwrap(),
        tmt_golongan: p.tmt_golongan().unwrap(),
        pendidikan: p.pendidikan_terakhir().unwrap(),
        jenis_pegawai: p.jenis_pegawai().unwrap(),
        jenis_jabatan: p.jenis_jabatan().unwrap(),
        tmt_jabatan: date!(2023 - 03 - 01),
        kelompok: KelompokJabatanKp::Umum,
        skp_tahun_lalu: Some(Predikat::Baik),
        skp_dua_tahun_lalu: Some(Predikat::SangatBaik),
        golongan_atasan: None,
        angka_kredit_terpenuhi: false,
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: false,
        ijazah_sesuai_tugas: true,
        kp_pertama: false,
    }
}

fn usulkan(id: Uuid, data: DataKelayakan) -> KenaikanPangkatCommand {
    KenaikanPangkatCommand::Usulkan {
        id,
        nip: Nip::parse_any("199805142022032003").unwrap(),
        jenis: JenisKp::Reguler,
        golongan_tujuan: Golongan::parse("III/b").unwrap(),
        // Monthly KP periods since Per BKN 4/2025: the 1st of a month is a valid TMT.
        tmt_usulan: date!(2026 - 12 - 01),
        data,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_usul_kp_per_pegawai_is_enforced_from_the_event_store() {
    let app = TestApp::spawn().await;
    sekretariat_api::demo::load(&app.bus).await.unwrap();
    let data = kelayakan(&app).await;
    let meta = CommandMetadata::system("kp.usulkan");

    let first = Uuid::new_v4();
    let out = app
        .bus
        .execute(
            &app.bus.kenaikan_pangkat,
            &first.to_string(),
            usulkan(first, data.clone()),
            &meta,
        )
        .await
        .expect("KP reguler III/a → III/b after 4 years is eligible (PP 99/2000)");
    assert_eq!(out.version, 1);

    // A second usul while the first is open is refused, and appends nothing.
    let second = Uuid::new_v4();
    let err = app
        .bus
        .execute(
            &app.bus.kenaikan_pangkat,
            &second.to_string(),
            usulkan(second, data.clone()),
            &meta,
        )
        .await
        .unwrap_err();
    match err {
        CommandError::Domain(d) => assert_eq!(d.code, "kp_usul_masih_terbuka", "{d}"),
        other => panic!("expected a domain refusal, got {other:?}"),
    }
    let n: i64 = sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(second.to_string())
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(n, 0);

    // Once the first is refused (ditolak), a new usul may be made.
    app.bus
        .execute(
            &app.bus.kenaikan_pangkat,
            &first.to_string(),
            KenaikanPangkatCommand::Tolak {
                alasan: "SKP belum lengkap".into(),
            },
            &meta,
        )
        .await
        .unwrap();
    app.bus
        .execute(
            &app.bus.kenaikan_pangkat,
            &second.to_string(),
            usulkan(second, data),
            &meta,
        )
        .await
        .expect("no usul is open any more");
    app.stop().await;
}
