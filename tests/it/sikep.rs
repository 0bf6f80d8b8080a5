//! Issue 5, item 6: the SIKEP import (`POST /api/v1/integration/sikep/pegawai`), JSON and CSV,
//! against the real server and event store with the demo court of DOMAIN §8 loaded.

use reqwest::StatusCode;
use sekretariat_api::demo::{FIXTURE, demo_id};
use sekretariat_commands::CommandMetadata;
use sekretariat_domain::master::jabatan::{JabatanCommand, JenisJabatan};
use sekretariat_domain::reference::KelompokBup;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};

const PATH: &str = "/api/v1/integration/sikep/pegawai";
const SATKER: &str = "W13-A99";
const OTHER: &str = "W13-A98";
const COLUMNS: &[&str] = &[
    "nip",
    "nama",
    "gelar_depan",
    "gelar_belakang",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "jenis_pegawai",
    "golongan",
    "tmt_golongan",
    "jabatan_id",
    "tmt_jabatan",
    "unit_kerja_id",
    "satker_id",
    "pendidikan_terakhir",
    "tmt_cpns",
    "tmt_pns",
    "tmt_pppk",
];

/// The demo court's pegawai as import rows (ids resolved as the demo loader does).
fn demo_rows() -> Vec<Value> {
    let fx: Value = serde_json::from_str(FIXTURE).unwrap();
    fx["pegawai"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut p = p.as_object().unwrap().clone();
            let unit = p.remove("unit_kerja").unwrap();
            let jabatan = p.remove("jabatan").unwrap();
            p.insert(
                "unit_kerja_id".into(),
                json!(demo_id("unit", unit.as_str().unwrap()).to_string()),
            );
            p.insert(
                "jabatan_id".into(),
                json!(demo_id("jabatan", jabatan.as_str().unwrap()).to_string()),
            );
            p.insert("satker_id".into(), json!(SATKER));
            Value::Object(p)
        })
        .collect()
}

/// The demo row of `nip`.
fn demo_row(nip: &str) -> Value {
    demo_rows()
        .into_iter()
        .find(|r| r["nip"] == nip)
        .unwrap_or_else(|| panic!("no demo pegawai {nip}"))
}

/// A new PNS, analis perkara (pelaksana, S1, III/a), born on `lahir` (YYYY-MM-DD), CPNS from
/// March 2020: the NIP is built from those (DOMAIN §1), `seq` its last three digits.
fn orang_baru(lahir: &str, seq: u32, nama: &str) -> Value {
    let nip = format!("{}202003{}{seq:03}", lahir.replace('-', ""), 1);
    json!({
        "nip": nip,
        "nama": nama,
        "gelar_belakang": "S.H.",
        "tempat_lahir": "Sukamaju",
        "tanggal_lahir": lahir,
        "jenis_kelamin": "L",
        "jenis_pegawai": "PNS",
        "golongan": "III/a",
        "tmt_golongan": "2020-03-01",
        "jabatan_id": demo_id("jabatan", "analis-perkara").to_string(),
        "tmt_jabatan": "2021-03-01",
        "unit_kerja_id": demo_id("unit", "kepaniteraan").to_string(),
        "satker_id": SATKER,
        "pendidikan_terakhir": "S1",
        "tmt_cpns": "2020-03-01",
        "tmt_pns": "2021-03-01",
    })
}

/// Rows as CSV with the full header; cells quoted when they must be (RFC 4180).
fn to_csv(rows: &[Value]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = COLUMNS.join(",");
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = COLUMNS
            .iter()
            .map(|c| quote(r[*c].as_str().unwrap_or("")))
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

async fn send(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
    key: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(PATH))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    req.send().await.unwrap()
}

/// A 200 import answer.
async fn import_json(app: &TestApp, token: &str, rows: &[Value], key: Option<&str>) -> Value {
    let res = send(
        app,
        token,
        "application/json",
        serde_json::to_vec(rows).unwrap(),
        key,
    )
    .await;
    ok(res).await
}

async fn import_csv(app: &TestApp, token: &str, rows: &[Value]) -> Value {
    ok(send(app, token, "text/csv", to_csv(rows).into_bytes(), None).await).await
}

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let got = res.status();
    let body = json_body(res).await;
    assert_eq!(got, status, "{body}");
    assert!(body["detail"].is_string(), "{body}");
    body
}

fn results(answer: &Value) -> Vec<&str> {
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"].as_str().unwrap())
        .collect()
}

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap()
}

async fn events_of(app: &TestApp, nip: &str) -> i64 {
    sqlx::query_scalar("select count(*) from events where aggregate_id = $1")
        .bind(nip)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap()
}

async fn demo_app() -> TestApp {
    let app = TestApp::spawn().await;
    sekretariat_api::demo::load(&app.bus).await.unwrap();
    app
}

async fn pegawai(app: &TestApp, token: &str, nip: &str, position: &Value) -> Value {
    let p = position.as_i64().expect("a position");
    let res = app
        .get(&format!("/api/v1/pegawai/{nip}?min_position={p}"), token)
        .await;
    ok(res).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_csv_imports_register_new_pegawai_readable_by_nip() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);

    let json_rows = [
        orang_baru("1995-01-10", 1, "Ahmad Baru"),
        orang_baru("1995-01-11", 1, "Budi Baru"),
    ];
    let answer = import_json(&app, &admin, &json_rows, None).await;
    assert_eq!(results(&answer), ["created", "created"], "{answer}");
    assert_eq!(answer["totals"]["created"], 2);
    assert_eq!(answer["rows"][0]["row"], 1);
    assert_eq!(answer["rows"][1]["nip"], json_rows[1]["nip"]);
    let p = pegawai(
        &app,
        &admin,
        json_rows[0]["nip"].as_str().unwrap(),
        &answer["position"],
    )
    .await;
    assert_eq!(p["nama"], "Ahmad Baru");
    assert_eq!(p["golongan"], "III/a");

    // CSV: a quoted cell keeps its comma; the gelar column may stay empty.
    let mut cici = orang_baru("1995-01-12", 1, "Cici, Baru");
    cici["gelar_belakang"] = json!("");
    let csv_rows = [cici, orang_baru("1995-01-13", 1, "Dedi Baru")];
    let answer = import_csv(&app, &admin, &csv_rows).await;
    assert_eq!(results(&answer), ["created", "created"], "{answer}");
    let p = pegawai(
        &app,
        &admin,
        csv_rows[0]["nip"].as_str().unwrap(),
        &answer["rows"][0]["position"],
    )
    .await;
    assert_eq!(p["nama"], "Cici, Baru");
    assert!(p["gelar_belakang"].is_null(), "{p}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_file_mixes_created_updated_unchanged_and_rejected_rows_in_input_order() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);
    // DOMAIN §8 #13, Kasubag PTIP: a new place of birth and gelar.
    let mut ptip = demo_row("199008082014121001");
    ptip["tempat_lahir"] = json!("Depok Lama");
    ptip["gelar_belakang"] = json!("S.Kom., M.T.I.");
    let ptip_events = events_of(&app, "199008082014121001").await;
    // DOMAIN §1: digits 1–8 of the NIP are the birth date.
    let mut salah_lahir = orang_baru("1996-02-20", 1, "Eko Salah");
    salah_lahir["tanggal_lahir"] = json!("1996-02-21");
    // DOMAIN §2: SLTA reaches at most III/b by KP reguler; a jurusita (pelaksana) cannot be III/c.
    let mut di_atas_batas = orang_baru("1996-02-22", 1, "Fajar Batas");
    di_atas_batas["pendidikan_terakhir"] = json!("SLTA");
    di_atas_batas["golongan"] = json!("III/c");
    di_atas_batas["jabatan_id"] = json!(demo_id("jabatan", "jurusita").to_string());
    // Two bad fields and a missing one: all reported at once.
    let mut rusak = orang_baru("1996-02-23", 1, "Gita Rusak");
    rusak["tanggal_lahir"] = json!("23-02-1996");
    rusak["golongan"] = json!("III/z");
    rusak.as_object_mut().unwrap().remove("nama");
    // DOMAIN §8 #2 in another satker: moving satker is a mutasi (DOMAIN §5), not an import.
    let mut pindah = demo_row("197508222002122001");
    pindah["satker_id"] = json!(OTHER);
    pindah["tanggal_lahir"] = json!("1975-08-23");
    let baru = orang_baru("1996-02-24", 1, "Hana Baru");

    let rows = [
        demo_row("199805142022032003"),
        ptip,
        baru.clone(),
        salah_lahir,
        di_atas_batas,
        rusak,
        pindah,
        baru,
    ];
    let answer = import_json(&app, &admin, &rows, None).await;
    assert_eq!(
        results(&answer),
        [
            "unchanged",
            "updated",
            "created",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected"
        ],
        "{answer}"
    );
    let r = |i: usize| &answer["rows"][i];
    assert_eq!(
        answer["totals"],
        json!({"rows": 8, "created": 1, "updated": 1, "unchanged": 1, "rejected": 5})
    );
    for (i, row) in answer["rows"].as_array().unwrap().iter().enumerate() {
        assert_eq!(row["row"], i + 1);
    }
    assert!(r(0).get("position").is_none(), "unchanged writes nothing");
    assert_eq!(r(3)["code"], "nip_tanggal_lahir_tidak_cocok");
    assert!(
        r(3)["detail"]
            .as_str()
            .unwrap()
            .contains("tidak cocok dengan NIP"),
        "{}",
        r(3)
    );
    assert_eq!(r(3)["fields"][0]["field"], "tanggal_lahir");
    assert_eq!(r(4)["code"], "golongan_melebihi_batas_ijazah");
    assert!(
        r(4)["detail"].as_str().unwrap().contains("III/b"),
        "{}",
        r(4)
    );
    assert_eq!(r(5)["code"], "validation_failed");
    let fields: Vec<(&str, &str)> = r(5)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    for expected in [
        ("nama", "wajib_diisi"),
        ("tanggal_lahir", "tanggal_tidak_valid"),
        ("golongan", "golongan_tidak_dikenal"),
    ] {
        assert!(fields.contains(&expected), "{expected:?} in {fields:?}");
    }
    assert_eq!(r(6)["code"], "data_tetap_berbeda");
    let fields: Vec<(&str, &str)> = r(6)["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert!(
        fields.contains(&("satker_id", "mutasi_diperlukan")),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("tanggal_lahir", "tidak_dapat_diubah")),
        "{fields:?}"
    );
    assert_eq!(r(7)["code"], "nip_ganda");
    assert!(r(7)["detail"].as_str().unwrap().contains("baris 3"));

    // Only what differed was changed: one DataPribadiPegawaiDiubah for the Kasubag PTIP.
    assert_eq!(events_of(&app, "199008082014121001").await, ptip_events + 1);
    let p = pegawai(&app, &admin, "199008082014121001", &r(1)["position"]).await;
    assert_eq!(p["tempat_lahir"], "Depok Lama");
    assert_eq!(p["gelar_belakang"], "S.Kom., M.T.I.");
    // Rejected rows wrote nothing.
    for i in [3, 4, 5] {
        assert_eq!(events_of(&app, rows[i]["nip"].as_str().unwrap()).await, 0);
    }
    let p = pegawai(&app, &admin, "197508222002122001", &answer["position"]).await;
    assert_eq!(p["satker_id"], SATKER);
    app.stop().await;
}

/// An import reads each satker, unit kerja and jabatan once for all its rows. An unknown one is
/// refused on every row that names it (the pegawai aggregate takes jabatan and unit kerja only
/// from the master data), and what the import read is forgotten with it: once the jabatan
/// exists, the same file registers those rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_master_data_rejects_every_row_naming_it_and_is_read_afresh_by_the_next_import() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);
    let jabatan_baru = uuid::Uuid::from_u128(0x5_1be9);
    let mut rows: Vec<Value> = (1..=3)
        .map(|k| {
            let mut r = orang_baru("1996-02-10", k, "Calon Jabatan Baru");
            r["jabatan_id"] = json!(jabatan_baru.to_string());
            r
        })
        .collect();
    let mut unit_asing = orang_baru("1996-02-11", 1, "Unit Asing");
    unit_asing["unit_kerja_id"] = json!(uuid::Uuid::from_u128(0xdead).to_string());
    rows.push(unit_asing);
    rows.push(orang_baru("1996-02-12", 1, "Biasa Saja"));
    let before = events(&app).await;
    let answer = import_json(&app, &admin, &rows, None).await;
    assert_eq!(
        results(&answer),
        ["rejected", "rejected", "rejected", "rejected", "created"],
        "{answer}"
    );
    for i in 0..3 {
        assert_eq!(
            answer["rows"][i]["code"], "jabatan_tidak_dikenal",
            "{answer}"
        );
    }
    assert_eq!(
        answer["rows"][3]["code"], "unit_kerja_tidak_dikenal",
        "{answer}"
    );
    assert_eq!(
        events(&app).await,
        before + 1,
        "only the valid row is written"
    );

    app.bus
        .execute(
            &app.bus.jabatan,
            &jabatan_baru.to_string(),
            JabatanCommand::Buat {
                id: jabatan_baru,
                nama: "Jabatan Baru".into(),
                jenis: JenisJabatan::Pelaksana,
                kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            },
            &CommandMetadata::system("test.jabatan"),
        )
        .await
        .unwrap();
    let answer = import_json(&app, &admin, &rows, None).await;
    assert_eq!(
        results(&answer),
        ["created", "created", "created", "rejected", "unchanged"],
        "{answer}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resending_the_same_file_changes_nothing_and_appends_no_event() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);
    let mut rows = demo_rows();
    rows.push(orang_baru("1997-03-01", 1, "Indra Baru"));
    rows.push(orang_baru("1997-03-02", 1, "Joko Baru"));
    rows[0]["tempat_lahir"] = json!("Bandung Barat");

    let first = import_json(&app, &admin, &rows, None).await;
    assert_eq!(first["totals"]["created"], 2, "{first}");
    assert_eq!(first["totals"]["updated"], 1, "{first}");
    assert_eq!(first["totals"]["unchanged"], 19, "{first}");
    let before = events(&app).await;

    let again = import_json(&app, &admin, &rows, None).await;
    assert_eq!(
        again["totals"],
        json!({"rows": 22, "created": 0, "updated": 0, "unchanged": 22, "rejected": 0})
    );
    assert!(again["position"].is_null(), "{again}");
    // The same file as CSV is the same data.
    let csv = import_csv(&app, &admin, &rows).await;
    assert_eq!(csv["totals"]["unchanged"], 22, "{csv}");
    assert_eq!(events(&app).await, before, "a re-sent file appends nothing");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kasubag_imports_only_rows_of_their_own_satker() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);
    // A second satker with one pegawai, imported by the admin.
    let res = app
        .post(
            "/api/v1/master/satker",
            &admin,
            &json!({"kode": OTHER, "nama": "PA Sukamundur"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let unit = json_body(
        app.post(
            "/api/v1/master/unit-kerja",
            &admin,
            &json!({"satker_id": OTHER, "nama": "Kepaniteraan"}),
        )
        .await,
    )
    .await;
    let mut lain = orang_baru("1993-04-01", 1, "Kiki Lain");
    lain["satker_id"] = json!(OTHER);
    lain["unit_kerja_id"] = unit["id"].clone();
    let answer = import_json(&app, &admin, std::slice::from_ref(&lain), None).await;
    assert_eq!(results(&answer), ["created"], "{answer}");

    let kasubag = app.token(&["kasubag_kepegawaian"], Some(SATKER));
    let mut lain_baru = orang_baru("1993-04-02", 1, "Lina Lain");
    lain_baru["satker_id"] = json!(OTHER);
    lain_baru["unit_kerja_id"] = unit["id"].clone();
    // Claiming the other satker's pegawai for one's own satker.
    let mut rebut = lain.clone();
    rebut["satker_id"] = json!(SATKER);
    rebut["unit_kerja_id"] = json!(demo_id("unit", "kepaniteraan").to_string());
    rebut["nama"] = json!("Kiki Direbut");
    let lain_events = events_of(&app, lain["nip"].as_str().unwrap()).await;
    let rows = [
        orang_baru("1993-04-03", 1, "Mira Sendiri"),
        lain_baru.clone(),
        rebut,
    ];
    let answer = import_json(&app, &kasubag, &rows, None).await;
    assert_eq!(
        results(&answer),
        ["created", "rejected", "rejected"],
        "{answer}"
    );
    for i in [1, 2] {
        assert_eq!(answer["rows"][i]["code"], "forbidden_satker");
    }
    assert_eq!(events_of(&app, lain_baru["nip"].as_str().unwrap()).await, 0);
    assert_eq!(
        events_of(&app, lain["nip"].as_str().unwrap()).await,
        lain_events
    );

    // Roles outside the KEPEGAWAIAN set are refused by the RBAC matrix.
    let sekretaris = app.token(&["sekretaris"], Some(SATKER));
    let res = send(&app, &sekretaris, "application/json", b"[]".to_vec(), None).await;
    assert_eq!(
        problem(res, StatusCode::FORBIDDEN).await["code"],
        "forbidden_role"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_10000_rows_or_20_mib_is_refused_before_anything_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let before = events(&app).await;

    let rows = vec![json!({}); 10_001];
    let res = send(
        &app,
        &admin,
        "application/json",
        serde_json::to_vec(&rows).unwrap(),
        None,
    )
    .await;
    let body = problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(body["code"], "too_many_rows");
    assert!(body["detail"].as_str().unwrap().contains("10000"), "{body}");

    let mut csv = COLUMNS.join(",");
    for _ in 0..10_001 {
        csv.push_str("\n1,x,,,x,x,x,x,x,x,x,x,x,x,x,,,");
    }
    let res = send(&app, &admin, "text/csv", csv.into_bytes(), None).await;
    assert_eq!(
        problem(res, StatusCode::PAYLOAD_TOO_LARGE).await["code"],
        "too_many_rows"
    );

    let huge = format!("[\"{}\"]", "x".repeat(21 * 1024 * 1024));
    let res = send(&app, &admin, "application/json", huge.into_bytes(), None).await;
    assert_eq!(
        problem(res, StatusCode::PAYLOAD_TOO_LARGE).await["code"],
        "payload_too_large"
    );

    // Exactly 10,000 rows are read (each rejected here: empty objects).
    let rows = vec![json!({}); 10_000];
    let answer = import_json(&app, &admin, &rows, None).await;
    assert_eq!(answer["totals"]["rejected"], 10_000);
    assert_eq!(events(&app).await, before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_cannot_be_read_gets_400_naming_the_problem() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let cases: &[(&str, &[u8], StatusCode, &str, &str)] = &[
        (
            "application/json",
            b"[{\"nip\": ",
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "JSON",
        ),
        (
            "application/json",
            b"{\"nip\": \"199805142022032003\"}",
            StatusCode::BAD_REQUEST,
            "invalid_body",
            "larik",
        ),
        (
            "text/csv",
            b"nip,nama,tanggal_lahir\n199805142022032003,Putri,1998-05-14\n",
            StatusCode::BAD_REQUEST,
            "csv_missing_column",
            "jenis_kelamin",
        ),
        (
            "text/csv",
            b"nip;nama;tanggal_lahir\n1;2;3\n",
            StatusCode::BAD_REQUEST,
            "csv_bad_delimiter",
            "koma",
        ),
        (
            "text/csv",
            b"nip,nama\n\xE9t\xE9,x\n",
            StatusCode::BAD_REQUEST,
            "invalid_encoding",
            "UTF-8",
        ),
        (
            "text/csv; charset=windows-1252",
            b"nip,nama\n",
            StatusCode::BAD_REQUEST,
            "invalid_encoding",
            "UTF-8",
        ),
        (
            "text/plain",
            b"[]",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "text/csv",
        ),
    ];
    for (content_type, body, status, code, names) in cases {
        let res = send(&app, &admin, content_type, body.to_vec(), None).await;
        let p = problem(res, *status).await;
        assert_eq!(p["code"], *code, "{content_type}: {p}");
        assert!(
            p["detail"].as_str().unwrap().contains(names),
            "{content_type}: {p}"
        );
    }
    // A malformed row is only that row's problem.
    let csv = format!("{}\n1,2\n", COLUMNS.join(","));
    let answer = ok(send(&app, &admin, "text/csv", csv.into_bytes(), None).await).await;
    assert_eq!(answer["rows"][0]["code"], "csv_field_count", "{answer}");
    let answer = import_json(&app, &admin, &[json!(7)], None).await;
    assert_eq!(answer["rows"][0]["code"], "invalid_row", "{answer}");
    // An empty array is an empty import.
    let answer = import_json(&app, &admin, &[], None).await;
    assert_eq!(answer["totals"]["rows"], 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_import_with_the_same_idempotency_key_answers_the_first_results() {
    let app = demo_app().await;
    let admin = app.token(&["admin"], None);
    let rows = [
        orang_baru("1994-05-01", 1, "Nanda Baru"),
        demo_row("199805142022032003"),
        orang_baru("1994-05-02", 1, "Oki Baru"),
    ];
    let first = import_json(&app, &admin, &rows, Some("impor-2026-11")).await;
    assert_eq!(
        results(&first),
        ["created", "unchanged", "created"],
        "{first}"
    );
    let before = events(&app).await;
    let stored: Option<String> = sqlx::query_scalar(
        "select metadata ->> 'idempotency_key' from events where aggregate_id = $1",
    )
    .bind(rows[2]["nip"].as_str().unwrap())
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap();
    assert_eq!(stored.as_deref(), Some("impor-2026-11#sikep-3"));

    // The retry (say, after a timeout) answers what the first request did, and writes nothing.
    let retry = import_json(&app, &admin, &rows, Some("impor-2026-11")).await;
    assert_eq!(
        results(&retry),
        ["created", "unchanged", "created"],
        "{retry}"
    );
    for i in [0, 2] {
        assert_eq!(retry["rows"][i]["replayed"], true);
        assert_eq!(retry["rows"][i]["position"], first["rows"][i]["position"]);
    }
    assert!(retry["rows"][1].get("replayed").is_none());
    assert_eq!(events(&app).await, before);

    // The same key for another file: the row that differs is refused, nothing is written.
    let lain = [orang_baru("1994-05-03", 1, "Putu Lain")];
    let answer = import_json(&app, &admin, &lain, Some("impor-2026-11")).await;
    assert_eq!(
        answer["rows"][0]["code"], "idempotency_key_reused",
        "{answer}"
    );
    assert_eq!(events_of(&app, lain[0]["nip"].as_str().unwrap()).await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_by_the_request_time_limit_still_finishes_and_a_resend_answers_every_row() {
    let app = TestApp::spawn_with(|s| s.request_timeout = std::time::Duration::from_secs(1)).await;
    sekretariat_api::demo::load(&app.bus).await.unwrap();
    let admin = app.token(&["admin"], None);
    let rows: Vec<Value> = (0..150)
        .map(|i| {
            let lahir = time::Date::from_calendar_date(1990, time::Month::January, 1).unwrap()
                + time::Duration::days(i);
            orang_baru(&lahir.to_string(), 1, &format!("Pegawai {i}"))
        })
        .collect();
    let nips: Vec<String> = rows
        .iter()
        .map(|r| r["nip"].as_str().unwrap().to_string())
        .collect();
    let body = serde_json::to_vec(&rows).unwrap();
    // Whether the first answer comes in time depends on the machine: 200, or 503
    // `request_timeout` while the rows go on being written.
    let first = send(
        &app,
        &admin,
        "application/json",
        body.clone(),
        Some("impor-lama"),
    )
    .await;
    let status = first.status();
    let answer = json_body(first).await;
    assert!(
        status == StatusCode::OK
            || (status == StatusCode::SERVICE_UNAVAILABLE && answer["code"] == "request_timeout"),
        "{status} {answer}"
    );
    // Re-sending with the same key converges on every row created, each exactly once.
    let mut done = status == StatusCode::OK;
    let mut resent = 0;
    for _ in 0..120 {
        if done {
            break;
        }
        // Give the running import time to end, rather than piling retries on it.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        resent += 1;
        let res = send(
            &app,
            &admin,
            "application/json",
            body.clone(),
            Some("impor-lama"),
        )
        .await;
        if res.status() == StatusCode::OK {
            let answer = json_body(res).await;
            done = results(&answer).iter().all(|r| *r == "created");
            assert!(
                results(&answer)
                    .iter()
                    .all(|r| *r == "created" || *r == "rejected"),
                "{answer}"
            );
        }
    }
    assert!(done, "a re-sent import answered every row");
    eprintln!("first answer {status}, re-sent {resent} times");
    let per_nip: i64 = sqlx::query_scalar(
        "select count(*) from events where aggregate_type = 'pegawai' and aggregate_id = any($1)",
    )
    .bind(&nips)
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap();
    assert_eq!(per_nip, 150, "one registration per row, none applied twice");
    app.stop().await;
}
