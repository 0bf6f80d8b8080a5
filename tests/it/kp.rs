//! Issue 5, kenaikan pangkat (DOMAIN §3) end to end: the usul workflow through HTTP on the
//! demo court (DOMAIN §8), the SK reaching the pegawai's own record through the process
//! manager, "one open usul per pegawai" under concurrency, satker scope and row-level
//! security, and the list's filters. The eligibility rules themselves are tested on the
//! aggregate (domain/src/kenaikan_pangkat/aggregate_tests.rs); here they are reached through
//! the API, with the facts the pegawai's record holds taken from the record.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use sekretariat_commands::{CommandBus, CommandError, CommandMetadata};
use sekretariat_domain::kenaikan_pangkat::KenaikanPangkatCommand;
use sekretariat_domain::kenaikan_pangkat::kelayakan::{
    DataKelayakan, JenisKp, KelompokJabatanKp, Predikat,
};
use sekretariat_domain::values::{Golongan, Nip};
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};
use time::macros::date;
use uuid::Uuid;

const SATKER: &str = "W13-A99";
const BASE: &str = "/api/v1/kepegawaian/kenaikan-pangkat";
/// DOMAIN §8 #16, the Analis Perkara: III/a since 1 Mar 2022, S1, pelaksana; KP reguler due
/// in 2026.
const ANALIS: &str = "199805142022032003";
/// DOMAIN §8 #15, the Jurusita: III/b, SLTA, at the ijazah ceiling.
const JURUSITA: &str = "196810011990031003";
/// DOMAIN §8 #17, the Pranata Komputer Ahli Pertama: III/a since 1 Dec 2020, S1.
const PRANATA: &str = "199611232020121004";

/// The demo court, loaded and projected.
async fn demo(app: &TestApp) -> i64 {
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    summary.last_position.unwrap()
}

fn kasubag(app: &TestApp) -> String {
    app.token(&["kasubag_kepegawaian"], Some(SATKER))
}

/// A KP reguler usul body with good SKP.
fn usul_reguler(nip: &str, golongan_tujuan: &str, tmt: &str) -> Value {
    json!({
        "nip": nip,
        "jenis": "reguler",
        "golongan_tujuan": golongan_tujuan,
        "tmt_usulan": tmt,
        "skp_tahun_lalu": "baik",
        "skp_dua_tahun_lalu": "sangat_baik",
        "golongan_atasan": "III/d"
    })
}

/// Sends a command; asserts it succeeded; returns the outcome.
async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = json_body(res).await;
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Asserts a problem+json answer with `status` and `code`; returns the body.
async fn problem(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let got = res.status();
    let body = json_body(res).await;
    assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{body}");
    body
}

async fn detail(app: &TestApp, token: &str, id: &str, position: Option<i64>) -> Value {
    let q = position.map_or(String::new(), |p| format!("?min_position={p}"));
    let res = app.get(&format!("{BASE}/{id}{q}"), token).await;
    assert_eq!(res.status(), StatusCode::OK);
    json_body(res).await
}

/// Waits (bounded) until the usul reaches `status`: the process manager works after the
/// command that triggers it has answered.
async fn wait_status(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..400 {
        let d = detail(app, token, id, None).await;
        if d["usul"]["status"] == status {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "usul {id} did not reach {status}: {}",
        detail(app, token, id, None).await
    );
}

/// How many usul the event store holds for `nip`.
async fn usul_in_store(app: &TestApp, nip: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from events where event_type = 'KenaikanPangkatDiusulkan'
            and payload -> 'KenaikanPangkatDiusulkan' ->> 'nip' = $1",
    )
    .bind(nip)
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap()
}

/// The Analis Perkara's usul from draft to pertek (verified with the checklist her KP needs:
/// her first KP, so the SK CPNS/PNS too). Returns its id and the last position.
async fn analis_sampai_pertek(app: &TestApp, token: &str) -> (String, i64) {
    let out = ok(app
        .post(BASE, token, &usul_reguler(ANALIS, "III/b", "2026-03-01"))
        .await)
    .await;
    let id = out["id"].as_str().unwrap().to_string();
    ok(app
        .post(
            &format!("{BASE}/{id}/verifikasi"),
            token,
            &json!({"dokumen": {"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true,
                                "sk_cpns_pns": true}}),
        )
        .await)
    .await;
    ok(app
        .post(&format!("{BASE}/{id}/ajukan"), token, &json!({}))
        .await)
    .await;
    let out = ok(app
        .post(
            &format!("{BASE}/{id}/pertek"),
            token,
            &json!({"nomor": "PG-23300/KR.XIII/2026", "tanggal": "2026-02-10"}),
        )
        .await)
    .await;
    (id, out["position"].as_i64().unwrap())
}

/// KP activity for the rebuild test's workload: the Analis Perkara's usul through the SK to
/// selesai (the process manager records it on her stream), and the Pranata Komputer's usul
/// drafted, verified and refused. Returns the last position appended (the process manager's
/// closing event included).
pub async fn workload(app: &TestApp) -> i64 {
    let token = kasubag(app);
    let (id, _) = analis_sampai_pertek(app, &token).await;
    ok(app
        .post(
            &format!("{BASE}/{id}/sk"),
            &token,
            &json!({"nomor": "KP.04.1/123/2026", "tanggal": "2026-02-20", "tmt": "2026-03-01"}),
        )
        .await)
    .await;
    let done = wait_status(app, &token, &id, "selesai").await;
    let mut last = done["usul"]["last_position"].as_i64().unwrap();
    let out = ok(app
        .post(BASE, &token, &usul_reguler(PRANATA, "III/b", "2025-12-01"))
        .await)
    .await;
    let other = out["id"].as_str().unwrap().to_string();
    for (step, body) in [
        (
            "verifikasi",
            json!({"dokumen": {"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true,
                               "sk_cpns_pns": false}, "skp_tahun_lalu": "sangat_baik"}),
        ),
        ("tolak", json!({"alasan": "SK CPNS/PNS belum dilampirkan."})),
    ] {
        let res = app
            .post(&format!("{BASE}/{other}/{step}"), &token, &body)
            .await;
        // Without the SK CPNS/PNS the verification is refused (kp_dokumen_kurang); the
        // refusal of the draft then goes through.
        if let Some(p) = json_body(res).await["position"].as_i64() {
            last = last.max(p);
        }
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analis_perkara_kp_reguler_goes_draft_to_selesai_over_http_and_her_record_shows_iii_b_domain_3_and_8()
 {
    let app = TestApp::spawn().await;
    let p = demo(&app).await;
    let token = kasubag(&app);
    // Her record is projected before the usul is read back with it.
    assert_eq!(
        app.get(
            &format!("/api/v1/pegawai/{ANALIS}?min_position={p}"),
            &token
        )
        .await
        .status(),
        StatusCode::OK
    );

    // Draft (DOMAIN §3 reguler: ≥ 4 years in III/a on 1 Mar 2026, SKP baik, within S1's
    // ceiling III/d). Golongan and TMT come from her record, not from the request.
    let res = app
        .post(BASE, &token, &usul_reguler(ANALIS, "III/b", "2026-03-01"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let out = json_body(res).await;
    let id = out["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("{BASE}/{id}"));
    assert_eq!(out["version"], 1);
    let d = detail(&app, &token, &id, out["position"].as_i64()).await;
    let u = &d["usul"];
    assert_eq!(
        (
            &u["status"],
            &u["nip"],
            &u["nama"],
            &u["satker_id"],
            &u["golongan_asal"],
            &u["tmt_golongan_asal"],
            &u["golongan_tujuan"],
            &u["pangkat_tujuan"],
            &u["masa_kerja_golongan_tahun"],
        ),
        (
            &json!("draft"),
            &json!(ANALIS),
            &json!("Putri Maharani"),
            &json!(SATKER),
            &json!("III/a"),
            &json!("2022-03-01"),
            &json!("III/b"),
            &json!("Penata Muda Tingkat I"),
            &json!(4),
        ),
        "{d}"
    );

    // Verification: DOMAIN §3 documents. Her first KP needs the SK CPNS/PNS too.
    let res = app
        .post(
            &format!("{BASE}/{id}/verifikasi"),
            &token,
            &json!({"dokumen": {"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true}}),
        )
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "kp_dokumen_kurang").await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("SK CPNS dan SK PNS"),
        "{body}"
    );
    ok(app
        .post(
            &format!("{BASE}/{id}/verifikasi"),
            &token,
            &json!({"dokumen": {"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true,
                                "sk_cpns_pns": true}}),
        )
        .await)
    .await;
    // Steps out of order are refused with the domain's code (409).
    problem(
        app.post(
            &format!("{BASE}/{id}/sk"),
            &token,
            &json!({"nomor": "X", "tanggal": "2026-02-20", "tmt": "2026-03-01"}),
        )
        .await,
        StatusCode::CONFLICT,
        "kp_status_tidak_sesuai",
    )
    .await;
    ok(app
        .post(&format!("{BASE}/{id}/ajukan"), &token, &json!({}))
        .await)
    .await;
    ok(app
        .post(
            &format!("{BASE}/{id}/pertek"),
            &token,
            &json!({"nomor": "PG-23300/KR.XIII/2026", "tanggal": "2026-02-10"}),
        )
        .await)
    .await;
    // Closing by hand before the SK is refused.
    problem(
        app.post(&format!("{BASE}/{id}/selesai"), &token, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "kp_status_tidak_sesuai",
    )
    .await;

    // The SK. Sent twice with one Idempotency-Key: the second answer is the first one.
    let send_sk = || {
        app.client
            .post(app.url(&format!("{BASE}/{id}/sk")))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("sk-{id}"))
            .json(
                &json!({"nomor": "KP.04.1/123/2026", "tanggal": "2026-02-20", "tmt": "2026-03-01"}),
            )
            .send()
    };
    let first = ok(send_sk().await.unwrap()).await;
    let again = send_sk().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(json_body(again).await, first);

    // The process manager records the SK on her stream and closes the usul by itself.
    let d = wait_status(&app, &token, &id, "selesai").await;
    let u = &d["usul"];
    assert_eq!(
        (&u["sk_nomor"], &u["sk_tanggal"], &u["sk_tmt"]),
        (
            &json!("KP.04.1/123/2026"),
            &json!("2026-02-20"),
            &json!("2026-03-01")
        )
    );
    let recorded = u["sk_dicatat_position"]
        .as_i64()
        .expect("the SK reached her record");
    let steps: Vec<(&str, &str)> = d["riwayat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event_type"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("KenaikanPangkatDiusulkan", "draft"),
            ("UsulKpDiverifikasi", "diverifikasi"),
            ("UsulKpDiajukan", "diajukan"),
            ("PertekKpTerbit", "pertek_terbit"),
            ("SkKpTerbit", "sk_terbit"),
            ("PangkatNaikBerdasarkanSk", "sk_terbit"),
            ("UsulKpSelesai", "selesai"),
        ]
    );
    // Who: the token's user for the requests, the system for the process manager.
    assert_eq!(d["riwayat"][0]["user_name"], "Penguji Sistem");
    assert_eq!(d["riwayat"][5]["user_id"], "system");
    assert_eq!(
        d["riwayat"][2]["note"],
        "Diajukan ke Kantor Regional BKN untuk pertimbangan teknis."
    );

    // Her record: III/b from the SK's TMT, and riwayat pangkat has the entry.
    let pegawai = json_body(
        app.get(
            &format!("/api/v1/pegawai/{ANALIS}?min_position={recorded}"),
            &token,
        )
        .await,
    )
    .await;
    assert_eq!(
        (
            &pegawai["golongan"],
            &pegawai["pangkat"],
            &pegawai["tmt_golongan"]
        ),
        (
            &json!("III/b"),
            &json!("Penata Muda Tingkat I"),
            &json!("2026-03-01")
        ),
        "{pegawai}"
    );
    let riwayat = json_body(
        app.get(&format!("/api/v1/pegawai/{ANALIS}/riwayat"), &token)
            .await,
    )
    .await;
    let pangkat: Vec<(&str, &str)> = riwayat["pangkat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["golongan"].as_str().unwrap(),
                r["tmt_golongan"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(pangkat, [("III/a", "2022-03-01"), ("III/b", "2026-03-01")]);
    // Exactly one pangkat event on her stream, though the SK was sent twice.
    let n: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_id = $1 and event_type = 'PangkatNaikBerdasarkanSk'",
    )
    .bind(ANALIS)
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap();
    assert_eq!(n, 1);

    // The process manager is a running subscriber, visible in /health.
    let health = json_body(app.client.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(health["status"], "ok", "{health}");
    let pm = health["projectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "kp_sk_pegawai")
        .expect("kp_sk_pegawai in /health");
    assert_eq!(pm["state"], "running", "{pm}");
    // A redelivery (as after a crash between the commands and the checkpoint) appends
    // nothing twice: the commands carry idempotency keys derived from the usul id.
    let stored: (i64, i64) = sqlx::query_as("select count(*), max(global_position) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    sqlx::query(
        "update projector_checkpoints set tx_id = '0'::xid8, global_position = 0
          where name = 'kp_sk_pegawai'",
    )
    .execute(&app.db.eventstore_owner)
    .await
    .unwrap();
    let mut caught_up = false;
    for _ in 0..400 {
        let at: i64 = sqlx::query_scalar(
            "select global_position from projector_checkpoints where name = 'kp_sk_pegawai'",
        )
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
        if at >= stored.1 {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        caught_up,
        "the process manager went through the events again"
    );
    let now: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(now, stored.0, "nothing appended by the redelivery");

    // Closed: a second usul may now be drafted (DOMAIN §3: one *open* usul).
    ok(app
        .post(BASE, &token, &usul_reguler(ANALIS, "III/c", "2030-03-01"))
        .await)
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jurusita_at_the_slta_ceiling_gets_422_kp_melebihi_batas_ijazah_domain_2_and_8() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let token = kasubag(&app);
    // DOMAIN §2: SLTA starts at II/a and rises by KP reguler to III/b at most; he is III/b.
    let res = app
        .post(BASE, &token, &usul_reguler(JURUSITA, "III/c", "2026-12-01"))
        .await;
    let body = problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "kp_melebihi_batas_ijazah",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "golongan_tujuan", "{body}");
    assert!(body["detail"].as_str().unwrap().contains("III/b"), "{body}");
    assert_eq!(usul_in_store(&app, JURUSITA).await, 0, "nothing appended");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tmt_must_be_a_kp_period_under_the_rule_in_force_on_that_date_domain_3() {
    // The periods themselves are tested in domain/src/reference.rs and the aggregate's tests;
    // here: the HTTP answer names the field and the regulation in force on each date.
    let app = TestApp::spawn().await;
    demo(&app).await;
    let token = kasubag(&app);
    for (bukan, sumber, periode) in [
        // 2024: six periods a year (Per BKN 4/2023), no March.
        ("2024-03-01", "Peraturan BKN 4/2023", "2024-04-01"),
        // Early 2025: still six a year.
        ("2025-03-01", "Peraturan BKN 4/2023", "2025-04-01"),
        // From 1 Oct 2025: the 1st of every month (Per BKN 4/2025), never another day.
        ("2025-11-02", "Peraturan BKN 4/2025", "2025-11-01"),
    ] {
        let res = app
            .post(BASE, &token, &usul_reguler(ANALIS, "III/b", bukan))
            .await;
        let body = problem(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "kp_tmt_bukan_periode",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "tmt_usulan");
        assert!(body["detail"].as_str().unwrap().contains(sumber), "{body}");
        // The period date then in force passes that rule; she then lacks the 4 years.
        let res = app
            .post(BASE, &token, &usul_reguler(ANALIS, "III/b", periode))
            .await;
        problem(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "kp_masa_kerja_kurang",
        )
        .await;
    }
    assert_eq!(usul_in_store(&app, ANALIS).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_usul_can_be_refused_at_any_step_before_the_sk_and_not_after_domain_3() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let token = kasubag(&app);

    // Refused as a draft.
    let out = ok(app
        .post(BASE, &token, &usul_reguler(ANALIS, "III/b", "2026-03-01"))
        .await)
    .await;
    let a = out["id"].as_str().unwrap().to_string();
    let out = ok(app
        .post(
            &format!("{BASE}/{a}/tolak"),
            &token,
            &json!({"alasan": "SKP belum lengkap."}),
        )
        .await)
    .await;
    let d = detail(&app, &token, &a, out["position"].as_i64()).await;
    assert_eq!(
        (&d["usul"]["status"], &d["usul"]["alasan_tolak"]),
        (&json!("ditolak"), &json!("SKP belum lengkap."))
    );
    assert_eq!(
        d["riwayat"][1]["note"],
        "Ditolak pada status draft: SKP belum lengkap."
    );

    // Refused at the last step before the SK (pertek terbit).
    let (b, _) = analis_sampai_pertek(&app, &token).await;
    ok(app
        .post(
            &format!("{BASE}/{b}/tolak"),
            &token,
            &json!({"alasan": "Pertek meminta perbaikan."}),
        )
        .await)
    .await;

    // After the SK: refused, nothing appended.
    let (c, _) = analis_sampai_pertek(&app, &token).await;
    ok(app
        .post(
            &format!("{BASE}/{c}/sk"),
            &token,
            &json!({"nomor": "KP.04.1/9/2026", "tanggal": "2026-02-20", "tmt": "2026-03-01"}),
        )
        .await)
    .await;
    let before: i64 = sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(&c)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    problem(
        app.post(
            &format!("{BASE}/{c}/tolak"),
            &token,
            &json!({"alasan": "Terlambat."}),
        )
        .await,
        StatusCode::CONFLICT,
        "kp_status_tidak_sesuai",
    )
    .await;
    let after: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_id = $1 and event_type = 'UsulKpDitolak'",
    )
    .bind(&c)
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap();
    assert!(before >= 5);
    assert_eq!(after, 0);
    wait_status(&app, &token, &c, "selesai").await;
    app.stop().await;
}

/// The facts of the Analis Perkara's record, for commands sent to a bus directly.
async fn kelayakan_analis(bus: &CommandBus) -> DataKelayakan {
    let p = bus
        .load_pegawai(ANALIS)
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
        kp_pertama: true,
    }
}

fn usulkan(id: Uuid, data: DataKelayakan) -> KenaikanPangkatCommand {
    KenaikanPangkatCommand::Usulkan {
        id,
        nip: Nip::parse_any(ANALIS).unwrap(),
        jenis: JenisKp::Reguler,
        golongan_tujuan: Golongan::parse("III/b").unwrap(),
        // Monthly KP periods since Per BKN 4/2025: the 1st of a month is a valid TMT.
        tmt_usulan: date!(2026 - 12 - 01),
        data,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_open_usul_kp_per_pegawai_is_enforced_from_the_event_store_domain_3() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let data = kelayakan_analis(&app.bus).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_concurrent_usul_for_one_pegawai_from_two_processes_leave_exactly_one_domain_3() {
    let app = TestApp::spawn().await;
    let p = demo(&app).await;
    let token = kasubag(&app);
    assert_eq!(
        app.get(
            &format!("/api/v1/pegawai/{ANALIS}?min_position={p}"),
            &token
        )
        .await
        .status(),
        StatusCode::OK
    );
    // A second "process": another command bus with its own pool on the same event store, so
    // its in-process lock is not the server's; only the database lock stands between them.
    let other = CommandBus::new(
        app.db.eventstore.clone(),
        Arc::new(sekretariat_commands::ports::SystemClock),
    );
    let data = kelayakan_analis(&other).await;
    let meta = CommandMetadata::system("kp.usulkan");
    let body = usul_reguler(ANALIS, "III/b", "2026-03-01");
    let over_http = (0..4).map(|_| async {
        let res = app.post(BASE, &token, &body).await;
        let status = res.status();
        (
            status,
            json_body(res).await["code"].as_str().map(str::to_string),
        )
    });
    let direct = (0..4).map(|_| {
        let (other, data, meta) = (&other, data.clone(), &meta);
        async move {
            let id = Uuid::new_v4();
            match other
                .execute(
                    &other.kenaikan_pangkat,
                    &id.to_string(),
                    usulkan(id, data),
                    meta,
                )
                .await
            {
                Ok(_) => (StatusCode::CREATED, None),
                Err(CommandError::Domain(d)) => (StatusCode::CONFLICT, Some(d.code.to_string())),
                Err(e) => panic!("{e:?}"),
            }
        }
    });
    let (a, b) = futures::future::join(
        futures::future::join_all(over_http),
        futures::future::join_all(direct),
    )
    .await;
    let all: Vec<(StatusCode, Option<String>)> = a.into_iter().chain(b).collect();
    let created = all
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{all:?}");
    for (s, code) in &all {
        if *s != StatusCode::CREATED {
            assert_eq!(
                (*s, code.as_deref()),
                (StatusCode::CONFLICT, Some("kp_usul_masih_terbuka")),
                "{all:?}"
            );
        }
    }
    assert_eq!(usul_in_store(&app, ANALIS).await, 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usul_kp_are_scoped_to_the_satker_for_writes_and_by_row_level_security_for_reads() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let own = kasubag(&app);
    let out = ok(app
        .post(BASE, &own, &usul_reguler(ANALIS, "III/b", "2026-03-01"))
        .await)
    .await;
    let id = out["id"].as_str().unwrap().to_string();
    let p = out["position"].as_i64().unwrap();

    // A kasubag kepegawaian of another satker: 403 on writes, nothing appended; nothing seen.
    let foreign = app.token(&["kasubag_kepegawaian"], Some("W13-A98"));
    problem(
        app.post(
            BASE,
            &foreign,
            &usul_reguler(PRANATA, "III/b", "2025-12-01"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "satker_out_of_scope",
    )
    .await;
    problem(
        app.post(
            &format!("{BASE}/{id}/tolak"),
            &foreign,
            &json!({"alasan": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "satker_out_of_scope",
    )
    .await;
    assert_eq!(usul_in_store(&app, PRANATA).await, 0);
    let n: i64 = sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(&id)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let page = json_body(app.get(&format!("{BASE}?min_position={p}"), &foreign).await).await;
    assert_eq!(page["total"], 0, "{page}");
    problem(
        app.get(&format!("{BASE}/{id}"), &foreign).await,
        StatusCode::NOT_FOUND,
        "kp_usul_tidak_ditemukan",
    )
    .await;

    // The sekretaris of the satker reads but does not write; staf does neither; an admin
    // without a satker sees every satker.
    let sekretaris = app.token(&["sekretaris"], Some(SATKER));
    let page = json_body(app.get(BASE, &sekretaris).await).await;
    assert_eq!(page["total"], 1);
    problem(
        app.post(&format!("{BASE}/{id}/ajukan"), &sekretaris, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    let staf = app.token(&["staf"], Some(SATKER));
    problem(
        app.get(BASE, &staf).await,
        StatusCode::FORBIDDEN,
        "forbidden_role",
    )
    .await;
    let admin = app.token(&["admin"], None);
    assert_eq!(
        detail(&app, &admin, &id, None).await["usul"]["id"],
        json!(id)
    );

    // Row-level security holds in the database itself, whatever the query says: the API's
    // read role with another satker in `app.satker_id` sees no usul and no timeline.
    let read = sekretariat_projections::scope::connect_read_pool(
        app.db
            .config
            .module(sekretariat_projections::migrate::Module::Kepegawaian)
            .clone(),
        1,
    )
    .await
    .unwrap();
    let mut tx = read.begin().await.unwrap();
    sqlx::query("select set_config('app.satker_id', 'W13-A98', true)")
        .execute(&mut *tx)
        .await
        .unwrap();
    let (usul, riwayat): (i64, i64) = sqlx::query_as(
        "select (select count(*) from usul_kp), (select count(*) from usul_kp_riwayat)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((usul, riwayat), (0, 0));
    sqlx::query("select set_config('app.satker_id', $1, true)")
        .bind(SATKER)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (usul, riwayat): (i64, i64) = sqlx::query_as(
        "select (select count(*) from usul_kp), (select count(*) from usul_kp_riwayat)",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!((usul, riwayat), (1, 1));
    drop(tx);
    read.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_usul_list_filters_by_status_nip_jenis_satker_and_year_and_pages() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let token = kasubag(&app);
    let out = ok(app
        .post(BASE, &token, &usul_reguler(ANALIS, "III/b", "2026-03-01"))
        .await)
    .await;
    let analis = out["id"].as_str().unwrap().to_string();
    let out = ok(app
        .post(BASE, &token, &usul_reguler(PRANATA, "III/b", "2025-12-01"))
        .await)
    .await;
    let pranata = out["id"].as_str().unwrap().to_string();
    let out = ok(app
        .post(
            &format!("{BASE}/{pranata}/tolak"),
            &token,
            &json!({"alasan": "Diganti KP pilihan fungsional."}),
        )
        .await)
    .await;
    let p = out["position"].as_i64().unwrap();

    let ids = |page: &Value| -> Vec<String> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect()
    };
    let list = |q: String| {
        let token = token.clone();
        let app = &app;
        async move {
            let res = app
                .get(&format!("{BASE}?min_position={p}&{q}"), &token)
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            json_body(res).await
        }
    };
    // Newest first.
    assert_eq!(
        ids(&list(String::new()).await),
        [pranata.as_str(), analis.as_str()]
    );
    assert_eq!(ids(&list("status=draft".into()).await), [analis.as_str()]);
    assert_eq!(
        ids(&list("status=ditolak".into()).await),
        [pranata.as_str()]
    );
    assert_eq!(
        ids(&list(format!("nip={PRANATA}")).await),
        [pranata.as_str()]
    );
    assert_eq!(ids(&list("jenis=reguler".into()).await).len(), 2);
    assert_eq!(ids(&list("jenis=pilihan_fungsional".into()).await).len(), 0);
    assert_eq!(ids(&list(format!("satker_id={SATKER}")).await).len(), 2);
    assert_eq!(ids(&list("satker_id=W13-A98".into()).await).len(), 0);
    assert_eq!(ids(&list("tahun=2025".into()).await), [pranata.as_str()]);
    assert_eq!(ids(&list("tahun=2026".into()).await), [analis.as_str()]);
    let page = list("per_page=1&page=2".into()).await;
    assert_eq!(page["total"], 2);
    assert_eq!(ids(&page), [analis.as_str()]);
    // An usul follows its pegawai's name (copied from the pegawai's events, not looked up).
    let out = ok(app
        .patch(
            &format!("/api/v1/pegawai/{ANALIS}"),
            &token,
            &json!({"nama": "Putri Maharani Lestari"}),
        )
        .await)
    .await;
    let d = detail(&app, &token, &analis, out["position"].as_i64()).await;
    assert_eq!(d["usul"]["nama"], "Putri Maharani Lestari");
    // Bad filters are 400, not an empty list.
    for q in [
        "status=disetujui",
        "jenis=istimewa",
        "nip=123",
        "tahun=1899",
        "x=1",
    ] {
        let res = app.get(&format!("{BASE}?{q}"), &token).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{q}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sk_her_record_would_refuse_is_refused_whole_and_nothing_is_appended_domain_3() {
    let app = TestApp::spawn().await;
    demo(&app).await;
    let token = kasubag(&app);
    let (id, _) = analis_sampai_pertek(&app, &token).await;
    // Her record changed meanwhile: III/b from 1 Feb 2026, recorded by hand.
    ok(app
        .patch(
            &format!("/api/v1/pegawai/{ANALIS}"),
            &token,
            &json!({"golongan": "III/b", "tmt_golongan": "2026-02-01"}),
        )
        .await)
    .await;
    let before: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    // The SK to III/b would not raise her golongan on her own stream: refused with the
    // pegawai's rule, and the usul stays at pertek_terbit, so no process is left half done.
    problem(
        app.post(
            &format!("{BASE}/{id}/sk"),
            &token,
            &json!({"nomor": "KP.04.1/7/2026", "tanggal": "2026-02-20", "tmt": "2026-03-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "golongan_tidak_naik",
    )
    .await;
    let after: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(after, before);
    let status = app.bus.load_usul_kp(&id).await.unwrap().unwrap().status;
    assert_eq!(status.kode(), "pertek_terbit");
    app.stop().await;
}
