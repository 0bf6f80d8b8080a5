//! Issue 5, items 2 and 3: SK mutasi and SK pensiun through HTTP on the demo court
//! (DOMAIN §5, §8), with the app's clock moved across the TMT to see what changes then.

use reqwest::StatusCode;
use sekretariat_api::demo::demo_id;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};
use time::macros::date;

const A: &str = "W13-A99";
const B: &str = "W13-A98";
/// DOMAIN §8 #16, the Analis Perkara.
const ANALIS: &str = "199805142022032003";
/// DOMAIN §8, the Panitera: born 19 Sep 1968, BUP 58, pensiun 1 Oct 2026.
const PANITERA: &str = "196809191994031001";

fn position(v: &Value) -> i64 {
    v["position"]
        .as_i64()
        .unwrap_or_else(|| panic!("no position in {v}"))
}

async fn ok(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let body = json_body(res).await;
    assert_eq!(got, status, "{body}");
    body
}

/// The demo court (satker A) plus a second satker B with one unit; returns B's unit and the
/// last position.
async fn two_courts(app: &TestApp) -> (String, i64) {
    sekretariat_api::demo::load(&app.bus).await.unwrap();
    let admin = app.token(&["admin"], None);
    ok(
        app.post(
            "/api/v1/master/satker",
            &admin,
            &json!({"kode": B, "nama": "PA Sukamundur"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let unit = ok(
        app.post(
            "/api/v1/master/unit-kerja",
            &admin,
            &json!({"satker_id": B, "nama": "Kepaniteraan Gugatan"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    (unit["id"].as_str().unwrap().to_string(), position(&unit))
}

async fn nips(app: &TestApp, path: &str, token: &str) -> Vec<String> {
    let page = ok(app.get(path, token).await, StatusCode::OK).await;
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|p| p["nip"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutasi_keluar_moves_the_pegawai_to_the_new_satker_from_its_tmt_dom_5() {
    let app = TestApp::spawn().await;
    app.clock.set(date!(2026 - 11 - 20));
    let (unit_b, _) = two_courts(&app).await;
    let kasubag_a = app.token(&["kasubag_kepegawaian"], Some(A));
    let kasubag_b = app.token(&["kasubag_kepegawaian"], Some(B));
    let admin = app.token(&["admin"], None);

    // B cannot record A's pegawai leaving; A can.
    let body = json!({
        "jenis": "keluar", "nomor_sk": "1234/DJA.3/KP.04.6/XI/2026", "tanggal_sk": "2026-11-10",
        "tmt": "2026-12-01", "satker_tujuan": B, "unit_kerja_tujuan_id": unit_b
    });
    let path = format!("/api/v1/pegawai/{ANALIS}/mutasi");
    let refused = ok(
        app.post(&path, &kasubag_b, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(refused["code"], "satker_out_of_scope");
    let done = ok(app.post(&path, &kasubag_a, &body).await, StatusCode::OK).await;
    let at = position(&done);

    // Before the TMT: still A's, with the move announced; B does not see them yet.
    let list = format!("/api/v1/pegawai?min_position={at}&per_page=100");
    assert!(nips(&app, &list, &kasubag_a).await.contains(&ANALIS.into()));
    assert!(!nips(&app, &list, &kasubag_b).await.contains(&ANALIS.into()));
    let p = ok(
        app.get(&format!("/api/v1/pegawai/{ANALIS}"), &kasubag_a)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p["satker_id"], A, "{p}");
    assert_eq!(p["satker_mendatang_id"], B, "{p}");
    assert_eq!(p["tmt_mutasi"], "2026-12-01");
    assert_eq!(p["status"], "aktif");
    assert_eq!(p["unit_kerja_id"], unit_b.as_str());

    // From the TMT: B's, riwayat included; A no longer sees them at all.
    app.clock.set(date!(2026 - 12 - 01));
    assert!(!nips(&app, &list, &kasubag_a).await.contains(&ANALIS.into()));
    assert_eq!(
        nips(&app, &list, &kasubag_b).await,
        vec![ANALIS.to_string()]
    );
    for p in [
        format!("/api/v1/pegawai/{ANALIS}"),
        format!("/api/v1/pegawai/{ANALIS}/riwayat"),
    ] {
        assert_eq!(
            app.get(&p, &kasubag_a).await.status(),
            StatusCode::NOT_FOUND,
            "{p}"
        );
    }
    let riwayat = ok(
        app.get(&format!("/api/v1/pegawai/{ANALIS}/riwayat"), &kasubag_b)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        riwayat["pangkat"][0]["golongan"], "III/a",
        "history recorded under A follows the person: {riwayat}"
    );
    let m = &riwayat["mutasi"][0];
    assert_eq!(
        (
            m["jenis"].as_str(),
            m["satker_asal"].as_str(),
            m["satker_tujuan"].as_str()
        ),
        (Some("keluar"), Some(A), Some(B)),
        "{riwayat}"
    );
    let p = ok(
        app.get(&format!("/api/v1/pegawai/{ANALIS}"), &admin).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p["satker_id"], B);
    assert_eq!(p["satker_mendatang_id"], Value::Null);
    // A's filter by B does not widen A's scope.
    assert!(
        nips(&app, &format!("/api/v1/pegawai?satker_id={B}"), &kasubag_a)
            .await
            .is_empty()
    );
    // Now B records changes to them, A cannot.
    let change = json!({"gelar_belakang": "S.H., M.H."});
    let p = format!("/api/v1/pegawai/{ANALIS}");
    assert_eq!(
        app.patch(&p, &kasubag_a, &change).await.status(),
        StatusCode::FORBIDDEN
    );
    ok(app.patch(&p, &kasubag_b, &change).await, StatusCode::OK).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keluar_without_a_unit_then_masuk_recorded_by_the_destination_dom_5() {
    let app = TestApp::spawn().await;
    app.clock.set(date!(2026 - 11 - 20));
    let (unit_b, _) = two_courts(&app).await;
    let kasubag_a = app.token(&["kasubag_kepegawaian"], Some(A));
    let kasubag_b = app.token(&["kasubag_kepegawaian"], Some(B));
    let path = format!("/api/v1/pegawai/{ANALIS}/mutasi");
    let keluar = ok(
        app.post(
            &path,
            &kasubag_a,
            &json!({"jenis": "keluar", "nomor_sk": "77/KP/2026", "tanggal_sk": "2026-11-02",
                    "tmt": "2026-11-15", "satker_tujuan": B}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // The TMT has passed: keluar, out of A's active list; B sees the person as keluar.
    let at = position(&keluar);
    let aktif = format!("/api/v1/pegawai?min_position={at}&per_page=100");
    assert!(
        !nips(&app, &aktif, &kasubag_a)
            .await
            .contains(&ANALIS.into())
    );
    assert!(nips(&app, &aktif, &kasubag_b).await.is_empty());
    assert_eq!(
        nips(&app, "/api/v1/pegawai?status=keluar", &kasubag_b).await,
        vec![ANALIS.to_string()]
    );

    // The move in is the destination's to record, with a unit.
    let masuk = json!({"jenis": "masuk", "nomor_sk": "78/KP/2026", "tanggal_sk": "2026-11-16",
                       "tmt": "2026-11-18", "satker_tujuan": B, "unit_kerja_tujuan_id": unit_b});
    let refused = ok(
        app.post(&path, &kasubag_a, &masuk).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(refused["code"], "satker_out_of_scope");
    let no_unit = ok(
        app.post(
            &path,
            &kasubag_b,
            &json!({"jenis": "masuk", "nomor_sk": "78/KP/2026", "tanggal_sk": "2026-11-16",
                    "tmt": "2026-11-18", "satker_tujuan": B}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        no_unit["errors"][0]["field"], "unit_kerja_tujuan_id",
        "{no_unit}"
    );
    let done = ok(app.post(&path, &kasubag_b, &masuk).await, StatusCode::OK).await;
    let p = ok(
        app.get(
            &format!("/api/v1/pegawai/{ANALIS}?min_position={}", position(&done)),
            &kasubag_b,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["satker_id"].as_str()),
        (Some("aktif"), Some(B))
    );
    let riwayat = ok(
        app.get(&format!("/api/v1/pegawai/{ANALIS}/riwayat"), &kasubag_b)
            .await,
        StatusCode::OK,
    )
    .await;
    let jenis: Vec<&str> = riwayat["mutasi"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["jenis"].as_str().unwrap())
        .collect();
    assert_eq!(jenis, ["keluar", "masuk"]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutasi_internal_changes_unit_and_jabatan_inside_the_satker_dom_5() {
    let app = TestApp::spawn().await;
    app.clock.set(date!(2026 - 11 - 20));
    two_courts(&app).await;
    let kasubag_a = app.token(&["kasubag_kepegawaian"], Some(A));
    let unit = demo_id("unit", "subbag-ptip").to_string();
    let jabatan = demo_id("jabatan", "pranata-komputer").to_string();
    let done = ok(
        app.post(
            &format!("/api/v1/pegawai/{ANALIS}/mutasi"),
            &kasubag_a,
            &json!({"jenis": "internal", "nomor_sk": "W13-A99/55/KP.04.5/XI/2026",
                    "tanggal_sk": "2026-11-19", "tmt": "2026-11-20", "satker_tujuan": A,
                    "unit_kerja_tujuan_id": unit, "jabatan_tujuan_id": jabatan}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let p = ok(
        app.get(
            &format!("/api/v1/pegawai/{ANALIS}?min_position={}", position(&done)),
            &kasubag_a,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p["unit_kerja_id"], unit.as_str());
    assert_eq!(p["jabatan_id"], jabatan.as_str());
    assert_eq!(p["tmt_jabatan"], "2026-11-20");
    assert_eq!(p["satker_id"], A);
    let riwayat = ok(
        app.get(&format!("/api/v1/pegawai/{ANALIS}/riwayat"), &kasubag_a)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(riwayat["mutasi"][0]["jenis"], "internal");
    assert_eq!(
        riwayat["jabatan"].as_array().unwrap().last().unwrap()["jabatan_id"],
        jabatan.as_str()
    );
    // Internal means staying: naming another satker is refused with the domain's code.
    let refused = ok(
        app.post(
            &format!("/api/v1/pegawai/{ANALIS}/mutasi"),
            &kasubag_a,
            &json!({"jenis": "internal", "nomor_sk": "56/KP", "tanggal_sk": "2026-11-19",
                    "tmt": "2026-11-20", "satker_tujuan": B}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused["code"], "mutasi_satker_tujuan_berbeda", "{refused}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pensiun_at_bup_ends_active_employment_from_the_tmt_dom_5_dom_8() {
    let app = TestApp::spawn().await;
    app.clock.set(date!(2026 - 08 - 15));
    two_courts(&app).await;
    let kasubag = app.token(&["kasubag_kepegawaian"], Some(A));
    let path = format!("/api/v1/pegawai/{PANITERA}/pensiun");
    // DOMAIN §5: the 1st of the month after reaching BUP 58 (19 Sep 2026) is 1 Oct 2026.
    let wrong = ok(
        app.post(
            &path,
            &kasubag,
            &json!({"nomor_sk": "00123/KEP/2026", "tanggal_sk": "2026-08-03", "tmt_pensiun": "2026-09-19"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(wrong["code"], "tmt_pensiun_tidak_sesuai_bup", "{wrong}");
    assert!(
        wrong["detail"].as_str().unwrap().contains("1 Oktober 2026")
            || wrong["detail"].as_str().unwrap().contains("2026-10-01"),
        "the detail names the right date: {wrong}"
    );
    let other = app.token(&["kasubag_kepegawaian"], Some(B));
    let body = json!({"nomor_sk": "00123/KEP/2026", "tanggal_sk": "2026-08-03", "tmt_pensiun": "2026-10-01"});
    assert_eq!(
        app.post(&path, &other, &body).await.status(),
        StatusCode::FORBIDDEN
    );
    let done = ok(app.post(&path, &kasubag, &body).await, StatusCode::OK).await;
    let at = position(&done);

    // Before the TMT: still active, the pension announced, still warned about.
    let list = format!("/api/v1/pegawai?min_position={at}&per_page=100");
    assert!(nips(&app, &list, &kasubag).await.contains(&PANITERA.into()));
    let p = ok(
        app.get(&format!("/api/v1/pegawai/{PANITERA}"), &kasubag)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (p["status"].as_str(), p["status_mendatang"].as_str()),
        (Some("aktif"), Some("pensiun")),
        "{p}"
    );
    assert_eq!(p["tmt_status"], "2026-10-01");

    // From the TMT: out of the active list and the early warnings; found as pensiun.
    app.clock.set(date!(2026 - 10 - 01));
    assert!(!nips(&app, &list, &kasubag).await.contains(&PANITERA.into()));
    assert_eq!(
        nips(&app, "/api/v1/pegawai?status=pensiun", &kasubag).await,
        vec![PANITERA.to_string()]
    );
    assert!(
        nips(&app, "/api/v1/pegawai?status=semua&per_page=100", &kasubag)
            .await
            .contains(&PANITERA.into())
    );
    let warnings = ok(
        app.get("/api/v1/kepegawaian/peringatan?dalam_bulan=12", &kasubag)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !warnings.to_string().contains(PANITERA),
        "a retired pegawai gets no warnings: {warnings}"
    );
    assert_eq!(
        warnings["per_tanggal"], "2026-10-01",
        "without per_tanggal the warnings are as of the app's today, the day reads are dated by"
    );
    let p = ok(
        app.get(&format!("/api/v1/pegawai/{PANITERA}"), &kasubag)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(p["status"], "pensiun");
    // Active employment has ended: a second SK pensiun is refused.
    let again = ok(app.post(&path, &kasubag, &body).await, StatusCode::CONFLICT).await;
    assert_eq!(again["code"], "pegawai_sudah_pensiun", "{again}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_mutasi_and_pensiun_input_gets_field_errors_and_appends_nothing() {
    let app = TestApp::spawn().await;
    two_courts(&app).await;
    let kasubag = app.token(&["kasubag_kepegawaian"], Some(A));
    let bad = ok(
        app.post(
            &format!("/api/v1/pegawai/{ANALIS}/mutasi"),
            &kasubag,
            &json!({"jenis": "pindah", "nomor_sk": "1", "tanggal_sk": "2026-13-01",
                    "tmt": "kemarin", "satker_tujuan": "??", "unit_kerja_tujuan_id": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "jenis",
            "satker_tujuan",
            "tanggal_sk",
            "tmt",
            "unit_kerja_tujuan_id"
        ],
        "{bad}"
    );
    let unknown = ok(
        app.post(
            "/api/v1/pegawai/199001012020011001/pensiun",
            &kasubag,
            &json!({"nomor_sk": "1", "tanggal_sk": "2026-01-01", "tmt_pensiun": "2026-02-01"}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(unknown["code"], "pegawai_tidak_ditemukan");
    let extra = app
        .post(
            &format!("/api/v1/pegawai/{PANITERA}/pensiun"),
            &kasubag,
            &json!({"nomor_sk": "1", "tanggal_sk": "2026-01-01", "tmt_pensiun": "2026-10-01", "x": 1}),
        )
        .await;
    assert_eq!(extra.status(), StatusCode::BAD_REQUEST);
    let staf = app.token(&["staf"], Some(A));
    assert_eq!(
        app.post(
            &format!("/api/v1/pegawai/{PANITERA}/pensiun"),
            &staf,
            &json!({"nomor_sk": "1", "tanggal_sk": "2026-01-01", "tmt_pensiun": "2026-10-01"}),
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    app.stop().await;
}
