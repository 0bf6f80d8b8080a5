//! Issue 4: read models rebuilt from the events are identical to the live ones, and a rebuild
//! swaps fresh tables in while the API keeps serving.

use std::time::Duration;

use rand::Rng;
use reqwest::StatusCode;
use sekretariat_api::config::Settings;
use sekretariat_api::replay::rebuild::{RebuildArgs, execute};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::rebuild::Outcome;
use sekretariat_projections::runtime::wait_for_position;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::json;

fn settings(app: &TestApp) -> Settings {
    Settings {
        databases: app.db.config.clone(),
        ..Settings::from_vars(&Default::default()).unwrap()
    }
}

fn args(projector: Option<&str>, verify: bool) -> RebuildArgs {
    RebuildArgs {
        projector: projector.map(str::to_string),
        all: projector.is_none(),
        verify,
        json: true,
    }
}

/// The demo court, usul kenaikan pangkat through their workflow, and a few dozen random
/// changes, then waits until every projector has it.
async fn workload(app: &TestApp) {
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    let admin = app.token(&["admin"], None);
    let nips: Vec<String> = {
        let page = json_body(
            app.get(
                &format!(
                    "/api/v1/pegawai?per_page=100&min_position={}",
                    summary.last_position.unwrap()
                ),
                &admin,
            )
            .await,
        )
        .await;
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["nip"].as_str().unwrap().to_string())
            .collect()
    };
    // Usul kenaikan pangkat (issue 5): one through the SK to selesai (the process manager puts
    // the SK on the pegawai's stream), one refused; the random changes below then rename
    // pegawai who may have an usul.
    let mut last = crate::kp::workload(app).await;
    for i in 0..40 {
        let (nip, which) = {
            let mut rng = rand::thread_rng();
            (
                nips[rng.gen_range(0..nips.len())].clone(),
                rng.gen_range(0..3),
            )
        };
        let body = match which {
            0 => json!({"tempat_lahir": format!("Kota {i}")}),
            1 => json!({"gelar_depan": if i % 2 == 0 { "Dr." } else { "" }}),
            _ => json!({"nama": format!("Nama Baru {i}")}),
        };
        let res = app
            .patch(&format!("/api/v1/pegawai/{nip}"), &admin, &body)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        if let Some(p) = json_body(res).await["position"].as_i64() {
            last = last.max(p);
        }
    }
    for (module, name) in [
        (Module::Master, "master"),
        (Module::Kepegawaian, "kepegawaian"),
        (Module::Kepegawaian, "usul_kp"),
        (Module::Audit, "audit"),
    ] {
        let reached = wait_for_position(
            &app.db.eventstore,
            app.db.module(module),
            name,
            last,
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        assert_eq!(reached, Some(true), "{name} caught up");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_model_rebuilt_from_the_events_is_identical_to_the_live_one() {
    let app = TestApp::spawn().await;
    workload(&app).await;
    let outcomes = execute(&settings(&app), &args(None, true), &mut |_, _| {})
        .await
        .unwrap();
    assert_eq!(outcomes.len(), 3, "master, kepegawaian, audit");
    for o in outcomes {
        match o {
            Outcome::Verified {
                identical,
                differences,
                tables,
                events,
                module,
            } => {
                assert!(identical, "{module}: {differences:?}");
                assert!(
                    tables >= 2 && events > 50,
                    "{module}: {tables} tables, {events} events"
                );
            }
            other => panic!("{other:?}"),
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_swaps_fresh_tables_in_while_the_api_keeps_serving() {
    let app = TestApp::spawn().await;
    workload(&app).await;
    let admin = app.token(&["admin"], None);
    let nip = "199805142022032003";
    let before = json_body(app.get(&format!("/api/v1/pegawai/{nip}"), &admin).await).await;

    // Damage the live read model behind the projector's back.
    sqlx::query("update pegawai set nama = 'RUSAK' where nip = $1")
        .bind(nip)
        .execute(app.db.module(Module::Kepegawaian))
        .await
        .unwrap();
    let verified = execute(
        &settings(&app),
        &args(Some("kepegawaian"), true),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    match &verified[0] {
        Outcome::Verified {
            identical: false,
            differences,
            ..
        } => {
            assert_eq!(differences[0].table, "pegawai");
            assert!(
                differences[0]
                    .first_live_only
                    .as_deref()
                    .unwrap()
                    .contains("RUSAK")
            );
        }
        other => panic!("verify must see the damage: {other:?}"),
    }

    // Rebuild while the server runs; progress is reported along the way.
    let mut reports = 0;
    let swapped = execute(
        &settings(&app),
        &args(Some("kepegawaian"), false),
        &mut |_, _| reports += 1,
    )
    .await
    .unwrap();
    assert!(matches!(swapped[0], Outcome::Swapped { events, .. } if events > 50));
    assert!(reports > 0);
    let after = json_body(app.get(&format!("/api/v1/pegawai/{nip}"), &admin).await).await;
    assert_eq!(
        after["nama"], before["nama"],
        "the API serves the rebuilt table"
    );

    // The live projector goes on in the new tables.
    let res = app
        .patch(
            &format!("/api/v1/pegawai/{nip}"),
            &admin,
            &json!({"tempat_lahir": "Garut"}),
        )
        .await;
    let p = json_body(res).await["position"].as_i64().unwrap();
    let read = json_body(
        app.get(&format!("/api/v1/pegawai/{nip}?min_position={p}"), &admin)
            .await,
    )
    .await;
    assert_eq!(read["tempat_lahir"], "Garut");
    let verified = execute(
        &settings(&app),
        &args(Some("kepegawaian"), true),
        &mut |_, _| {},
    )
    .await
    .unwrap();
    assert!(
        matches!(
            verified[0],
            Outcome::Verified {
                identical: true,
                ..
            }
        ),
        "{:?}",
        verified[0]
    );
    app.stop().await;
}

/// One random pegawai event for `nip` (registered or not), as the domain serializes it.
fn random_pegawai_event(
    rng: &mut impl Rng,
    nip: &str,
    k: usize,
) -> sekretariat_domain::pegawai::events::PegawaiEvent {
    use sekretariat_domain::master::jabatan::JenisJabatan;
    use sekretariat_domain::pegawai::events::{JabatanMutasi, PegawaiEvent};
    use sekretariat_domain::reference::KelompokBup;
    use sekretariat_domain::values::{
        Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId,
    };
    use time::{Date, Duration as Days, Month};
    use uuid::Uuid;

    let ruang = Golongan::semua_ruang();
    let pppk = Golongan::semua_pppk();
    let day = Date::from_calendar_date(2020, Month::January, 1).unwrap()
        + Days::days(rng.gen_range(0..2000));
    let satker = |i: u8| SatkerId::parse(&format!("W13-A9{i}")).unwrap();
    let jabatan = |rng: &mut dyn rand::RngCore| {
        let j = rng.gen_range(0..4u128);
        JabatanMutasi {
            jabatan_id: Uuid::from_u128(100 + j),
            jabatan_nama: format!("Jabatan {j}"),
            jenis_jabatan: [
                JenisJabatan::Struktural,
                JenisJabatan::Fungsional,
                JenisJabatan::Pelaksana,
            ][j as usize % 3],
            kelompok_bup: KelompokBup::SEMUA[j as usize % KelompokBup::SEMUA.len()],
        }
    };
    let maybe = |rng: &mut dyn rand::RngCore, s: &str| rng.gen_bool(0.5).then(|| s.to_string());
    let golongan_baru = |rng: &mut dyn rand::RngCore| {
        if rng.gen_bool(0.8) {
            ruang[rng.gen_range(0..ruang.len())]
        } else {
            pppk[rng.gen_range(0..pppk.len())]
        }
    };
    match rng.gen_range(0..12) {
        0 | 1 => {
            let g = golongan_baru(rng);
            let j = jabatan(rng);
            let pppk = g.pangkat().is_none();
            PegawaiEvent::PegawaiDidaftarkan {
                nip: Nip::parse_any(nip).unwrap(),
                nama: format!("Pegawai {k}"),
                gelar_depan: maybe(rng, "Dr."),
                gelar_belakang: maybe(rng, "S.H."),
                tempat_lahir: "Bekasi".into(),
                tanggal_lahir: Date::from_calendar_date(1980, Month::May, 14).unwrap(),
                jenis_kelamin: if rng.gen_bool(0.5) {
                    JenisKelamin::L
                } else {
                    JenisKelamin::P
                },
                jenis_pegawai: if pppk {
                    JenisPegawai::Pppk
                } else if rng.gen_bool(0.3) {
                    JenisPegawai::Cpns
                } else {
                    JenisPegawai::Pns
                },
                golongan: g,
                pangkat: g.pangkat().map(str::to_string),
                tmt_golongan: day,
                jabatan_id: j.jabatan_id,
                jabatan_nama: j.jabatan_nama,
                jenis_jabatan: j.jenis_jabatan,
                kelompok_bup: j.kelompok_bup,
                tmt_jabatan: day,
                unit_kerja_id: Uuid::from_u128(200 + rng.gen_range(0..3u128)),
                unit_kerja_nama: "Kepaniteraan".into(),
                satker_id: satker(rng.gen_range(0..3)),
                pendidikan_terakhir: Pendidikan::S1,
                tmt_cpns: (!pppk).then_some(day),
                tmt_pns: None,
                tmt_pppk: pppk.then_some(day),
            }
        }
        2 => PegawaiEvent::DataPribadiPegawaiDiubah {
            nama: format!("Nama {k}"),
            gelar_depan: maybe(rng, "Drs."),
            gelar_belakang: maybe(rng, "M.H."),
            tempat_lahir: format!("Kota {k}"),
            pendidikan_terakhir: Pendidikan::S2,
        },
        3 => {
            let g = golongan_baru(rng);
            PegawaiEvent::PangkatPegawaiDicatat {
                golongan: g,
                pangkat: g.pangkat().map(str::to_string),
                tmt_golongan: day,
                golongan_sebelumnya: Golongan::III_A,
            }
        }
        4 => {
            let g = golongan_baru(rng);
            PegawaiEvent::PangkatNaikBerdasarkanSk {
                usul_id: Uuid::from_u128(k as u128),
                nomor_sk: format!("SK-{k}"),
                tanggal_sk: day,
                golongan: g,
                pangkat: g.pangkat().map(str::to_string),
                tmt_golongan: day,
                golongan_sebelumnya: Golongan::III_A,
            }
        }
        5 => {
            let j = jabatan(rng);
            PegawaiEvent::JabatanPegawaiDicatat {
                jabatan_id: j.jabatan_id,
                jabatan_nama: j.jabatan_nama,
                jenis_jabatan: j.jenis_jabatan,
                kelompok_bup: j.kelompok_bup,
                tmt_jabatan: day,
            }
        }
        6 => PegawaiEvent::UnitKerjaPegawaiDipindahkan {
            unit_kerja_id: Uuid::from_u128(200 + rng.gen_range(0..3u128)),
            unit_kerja_nama: format!("Unit {k}"),
        },
        7 => PegawaiEvent::PegawaiDiangkatPns { tmt_pns: day },
        8 => PegawaiEvent::PegawaiMutasiKeluar {
            nomor_sk: format!("SK-{k}"),
            tanggal_sk: day,
            tmt: day,
            satker_asal: satker(0),
            unit_kerja_asal_id: Uuid::from_u128(200),
            satker_tujuan: satker(rng.gen_range(0..3)),
            satker_tujuan_nama: maybe(rng, "PA Lain"),
            // Sometimes only one of id and name: the row then keeps its unit.
            unit_kerja_id: rng
                .gen_bool(0.6)
                .then(|| Uuid::from_u128(200 + rng.gen_range(0..3u128))),
            unit_kerja_nama: maybe(rng, "Unit Tujuan"),
            jabatan: rng.gen_bool(0.5).then(|| jabatan(rng)),
        },
        9 => PegawaiEvent::PegawaiMutasiMasuk {
            nomor_sk: format!("SK-{k}"),
            tanggal_sk: day,
            tmt: day,
            satker_asal: satker(1),
            satker_id: satker(rng.gen_range(0..3)),
            satker_nama: "PA Sukamaju".into(),
            unit_kerja_id: Uuid::from_u128(200 + rng.gen_range(0..3u128)),
            unit_kerja_nama: format!("Unit Masuk {k}"),
            jabatan: rng.gen_bool(0.5).then(|| jabatan(rng)),
        },
        10 => PegawaiEvent::PegawaiMutasiInternal {
            nomor_sk: format!("SK-{k}"),
            tanggal_sk: day,
            tmt: day,
            unit_kerja_asal_id: Uuid::from_u128(200),
            unit_kerja_id: rng
                .gen_bool(0.5)
                .then(|| Uuid::from_u128(200 + rng.gen_range(0..3u128))),
            unit_kerja_nama: maybe(rng, "Unit Internal"),
            jabatan: rng.gen_bool(0.5).then(|| jabatan(rng)),
        },
        _ => PegawaiEvent::PegawaiPensiun {
            nomor_sk: format!("SK-{k}"),
            tanggal_sk: day,
            tmt_pensiun: day,
            usia_bup: 58,
            kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            dasar_hukum: "PP 11/2017".into(),
            satker_id: satker(0),
        },
    }
}

/// The kepegawaian projector gives the same tables whether it meets the events in batches of 7
/// (the live runner: rows loaded, folded, upserted) or folds the whole history at once (a
/// rebuild's replayer: rows written once with COPY, keys built afterwards): every variant (SK
/// mutasi and pensiun included, with their riwayat), many events per
/// pegawai within a batch, events of pegawai never registered (they change nothing), and
/// 1.0-shaped registrations (upcast).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kepegawaian_projector_gives_the_same_tables_in_small_batches_and_in_one() {
    use cqrs_es::DomainEvent;
    use sekretariat_projections::kepegawaian::KepegawaianProjector;
    use sekretariat_projections::rebuild::{REBUILD_BATCH, RebuildTarget, verify};
    use sekretariat_projections::runtime::{ProjectorRunner, RunnerOptions};
    use sekretariat_tests::db::TestDatabases;
    use std::sync::Arc;

    let db = TestDatabases::new().await;
    // Registration is drawn only for a NIP not registered yet (a second one would stop the
    // projector, by design); any other event may hit a NIP that was never registered.
    let nips: Vec<String> = (0..60).map(|i| format!("19800514200501{i:04}")).collect();
    let mut registered = vec![false; nips.len()];
    let mut sequence = vec![0i64; nips.len()];
    let mut rows = Vec::new();
    {
        let mut rng = rand::thread_rng();
        let mut k = 0;
        while rows.len() < 3_000 {
            k += 1;
            let i = rng.gen_range(0..nips.len());
            let event = random_pegawai_event(&mut rng, &nips[i], k);
            let is_registration = event.event_type() == "PegawaiDidaftarkan";
            if is_registration && registered[i] {
                continue;
            }
            registered[i] |= is_registration;
            sequence[i] += 1;
            let mut payload = serde_json::to_value(&event).unwrap();
            let mut version = event.event_version();
            // Some registrations in their 1.0 shape: "" where 2.0 says null.
            if is_registration
                && payload["PegawaiDidaftarkan"]["pangkat"].is_null()
                && rng.gen_bool(0.5)
            {
                payload["PegawaiDidaftarkan"]["pangkat"] = json!("");
                version = "1.0".into();
            }
            rows.push((
                nips[i].clone(),
                sequence[i],
                event.event_type(),
                version,
                payload,
            ));
        }
    }
    // Appended in transactions of varying size, so read batches cut across them.
    let mut rest = rows.as_slice();
    while !rest.is_empty() {
        let take = rand::thread_rng().gen_range(1..60).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        let mut tx = db.eventstore.begin().await.unwrap();
        for (nip, seq, event_type, version, payload) in chunk {
            sqlx::query(
                "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload)
                 values ('pegawai', $1, $2, $3, $4, $5)",
            )
            .bind(nip)
            .bind(seq)
            .bind(event_type)
            .bind(version)
            .bind(payload)
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }

    // Live: the runner in batches of 7.
    let target = db.module(Module::Kepegawaian).clone();
    let runner = ProjectorRunner::new(
        Arc::new(KepegawaianProjector),
        db.eventstore.clone(),
        target.clone(),
        RunnerOptions {
            batch_size: 7,
            ..RunnerOptions::default()
        },
    );
    // A transaction open elsewhere on the server may hold the safe horizon back for a moment:
    // catch up until every event is in (bounded).
    let mut applied = 0;
    for _ in 0..300 {
        applied += runner.catch_up().await.unwrap();
        if applied >= rows.len() as u64 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(applied, rows.len() as u64);
    let (pegawai, pangkat, jabatan): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from pegawai), (select count(*) from riwayat_pangkat),
                (select count(*) from riwayat_jabatan)",
    )
    .fetch_one(&target)
    .await
    .unwrap();
    assert!(
        pegawai > 30 && pangkat > pegawai && jabatan > pegawai,
        "{pegawai} pegawai, {pangkat} pangkat, {jabatan} jabatan"
    );

    // Rebuild: the whole history folded at once, compared table by table with the live tables;
    // read in one batch, and in batches of 97 (two read ahead, each ending at a boundary
    // looked up beforehand, and the tail).
    for batch_size in [REBUILD_BATCH, 97] {
        let outcome = verify(
            &db.eventstore,
            &RebuildTarget {
                module: Module::Kepegawaian,
                options: db.config.module(Module::Kepegawaian).clone(),
                projectors: vec![Arc::new(KepegawaianProjector)],
                batch_size,
            },
            &mut |_| {},
        )
        .await
        .unwrap();
        match outcome {
            Outcome::Verified {
                identical,
                differences,
                events,
                ..
            } => {
                assert_eq!(events, rows.len() as u64, "batches of {batch_size}");
                assert!(identical, "batches of {batch_size}: {differences:?}");
            }
            other => panic!("{other:?}"),
        }
    }
    db.drop_schemas().await;
}
