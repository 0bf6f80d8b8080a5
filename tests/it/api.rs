//! Black-box HTTP tests: the real server on port 0, per-test schemas, a real JWKS over HTTP.

use reqwest::StatusCode;
use sekretariat_tests::app::{TestApp, claims, json_body, sign, sign_foreign};
use serde_json::{Value, json};

const SATKER: &str = "W13-A99";
const OTHER: &str = "W13-A98";

struct Master {
    unit: String,
    other_unit: String,
    pelaksana: String,
    struktural: String,
    last_position: i64,
}

fn position(v: &Value) -> i64 {
    v["position"]
        .as_i64()
        .unwrap_or_else(|| panic!("no position in {v}"))
}

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn setup_master(app: &TestApp) -> Master {
    let admin = app.token(&["admin"], None);
    for (kode, nama) in [(SATKER, "PA Sukamaju"), (OTHER, "PA Sukamundur")] {
        created(
            app.post(
                "/api/v1/master/satker",
                &admin,
                &json!({"kode": kode, "nama": nama}),
            )
            .await,
        )
        .await;
    }
    let unit = created(
        app.post(
            "/api/v1/master/unit-kerja",
            &admin,
            &json!({"satker_id": SATKER, "nama": "Kepaniteraan Gugatan"}),
        )
        .await,
    )
    .await;
    let other_unit = created(
        app.post(
            "/api/v1/master/unit-kerja",
            &admin,
            &json!({"satker_id": OTHER, "nama": "Kepaniteraan"}),
        )
        .await,
    )
    .await;
    let pelaksana = created(
        app.post(
            "/api/v1/master/jabatan",
            &admin,
            &json!({"nama": "Analis Perkara Peradilan", "jenis": "pelaksana", "kelompok_bup": "administrasi_dan_ahli_pertama_muda"}),
        )
        .await,
    )
    .await;
    let struktural = created(
        app.post(
            "/api/v1/master/jabatan",
            &admin,
            &json!({"nama": "Panitera", "jenis": "struktural", "kelompok_bup": "kepaniteraan_kesekretariatan"}),
        )
        .await,
    )
    .await;
    Master {
        unit: unit["id"].as_str().unwrap().to_string(),
        other_unit: other_unit["id"].as_str().unwrap().to_string(),
        pelaksana: pelaksana["id"].as_str().unwrap().to_string(),
        struktural: struktural["id"].as_str().unwrap().to_string(),
        last_position: position(&struktural),
    }
}

/// DOMAIN §8 #16, the Analis Perkara: a valid registration.
fn analis_perkara(m: &Master) -> Value {
    json!({
        "nip": "199805142022032003",
        "nama": "Putri Maharani",
        "gelar_belakang": "S.H.",
        "tempat_lahir": "Bekasi",
        "tanggal_lahir": "1998-05-14",
        "jenis_kelamin": "P",
        "jenis_pegawai": "PNS",
        "golongan": "III/a",
        "tmt_golongan": "2022-03-01",
        "jabatan_id": m.pelaksana,
        "tmt_jabatan": "2023-03-01",
        "unit_kerja_id": m.unit,
        "satker_id": SATKER,
        "pendidikan_terakhir": "S1",
        "tmt_cpns": "2022-03-01",
        "tmt_pns": "2023-03-01"
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body = json_body(res).await;
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["code"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_read_your_write_update_and_riwayat() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let kasubag = app.token(&["kasubag_kepegawaian"], Some(SATKER));

    // Register.
    let res = app
        .post("/api/v1/pegawai", &kasubag, &analis_perkara(&m))
        .await;
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/api/v1/pegawai/199805142022032003")
    );
    let out = created(res).await;
    assert_eq!(out["id"], "199805142022032003");
    assert_eq!(out["version"], 1);
    let p1 = position(&out);
    assert!(p1 > m.last_position);

    // Read it back, waiting for the projector to reach the command's position.
    let staf = sign(&with(
        claims(&["staf"], Some(SATKER)),
        "nip",
        json!("199805142022032003"),
    ));
    let res = app
        .get(
            &format!("/api/v1/pegawai/199805142022032003?min_position={p1}"),
            &staf,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = json_body(res).await;
    assert_eq!(p["nama"], "Putri Maharani");
    assert_eq!(p["golongan"], "III/a");
    assert_eq!(p["pangkat"], "Penata Muda");
    assert_eq!(p["jabatan_nama"], "Analis Perkara Peradilan");
    assert_eq!(p["unit_kerja_nama"], "Kepaniteraan Gugatan");
    assert_eq!(p["tanggal_lahir"], "1998-05-14");

    // Update: a KP to III/b recorded, and a new jabatan.
    let res = app
        .patch(
            "/api/v1/pegawai/199805142022032003",
            &kasubag,
            &json!({"golongan": "III/b", "tmt_golongan": "2026-04-01", "nama": "Putri Maharani Lestari"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let out = json_body(res).await;
    assert_eq!(out["version"], 3, "data pribadi + pangkat: {out}");
    let p2 = position(&out);
    assert!(p2 > p1);

    let res = app
        .get(
            &format!("/api/v1/pegawai/199805142022032003/riwayat?min_position={p2}"),
            &staf,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let r = json_body(res).await;
    let golongan: Vec<&str> = r["pangkat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["golongan"].as_str().unwrap())
        .collect();
    assert_eq!(golongan, vec!["III/a", "III/b"]);
    assert_eq!(r["jabatan"].as_array().unwrap().len(), 1);

    let res = app
        .get(
            &format!("/api/v1/pegawai/199805142022032003?min_position={p2}"),
            &staf,
        )
        .await;
    let p = json_body(res).await;
    assert_eq!(p["golongan"], "III/b");
    assert_eq!(p["nama"], "Putri Maharani Lestari");

    // The events carry who did it.
    let meta: Value = sqlx::query_scalar("select metadata from events where global_position = $1")
        .bind(p1)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(meta["user_id"], "user-1");
    assert_eq!(meta["command"], "pegawai.daftarkan");
    assert!(
        meta["request_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{meta}"
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_searches_and_pages_in_a_stable_order() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let admin = app.token(&["admin"], None);
    let base = analis_perkara(&m);
    let out = created(app.post("/api/v1/pegawai", &admin, &base).await).await;
    // DOMAIN §8 #11: Kasubag Umum (III/d, S1, struktural).
    let kasubag = json!({
        "nip": "198502152009042005", "nama": "Lestari Handayani", "tempat_lahir": "Sukabumi",
        "tanggal_lahir": "1985-02-15", "jenis_kelamin": "P", "jenis_pegawai": "PNS", "golongan": "III/d",
        "tmt_golongan": "2021-04-01", "jabatan_id": m.struktural, "tmt_jabatan": "2022-01-03",
        "unit_kerja_id": m.unit, "satker_id": SATKER, "pendidikan_terakhir": "S1",
        "tmt_cpns": "2009-04-01", "tmt_pns": "2010-04-01"
    });
    created(app.post("/api/v1/pegawai", &admin, &kasubag).await).await;
    // DOMAIN §8 #19: PPPK in the other satker.
    let pppk = json!({
        "nip": "199203252024212003", "nama": "Indah Permatasari", "tempat_lahir": "Cimahi",
        "tanggal_lahir": "1992-03-25", "jenis_kelamin": "P", "jenis_pegawai": "PPPK", "golongan": "IX",
        "tmt_golongan": "2024-03-01", "jabatan_id": m.pelaksana, "tmt_jabatan": "2024-03-01",
        "unit_kerja_id": m.other_unit, "satker_id": OTHER, "pendidikan_terakhir": "D3", "tmt_pppk": "2024-03-01"
    });
    let last = created(app.post("/api/v1/pegawai", &admin, &pppk).await).await;
    assert!(position(&last) > position(&out));
    let staf = app.token(&["admin"], None);
    let p = position(&last);

    let page = json_body(
        app.get(&format!("/api/v1/pegawai?min_position={p}"), &staf)
            .await,
    )
    .await;
    assert_eq!(page["total"], 3);
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["nama"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["Indah Permatasari", "Lestari Handayani", "Putri Maharani"]
    );

    let page = json_body(
        app.get(&format!("/api/v1/pegawai?satker_id={SATKER}"), &staf)
            .await,
    )
    .await;
    assert_eq!(page["total"], 2);
    let page = json_body(app.get("/api/v1/pegawai?golongan=III/d", &staf).await).await;
    assert_eq!(page["data"][0]["nip"], "198502152009042005");
    assert_eq!(page["total"], 1);
    let page = json_body(app.get("/api/v1/pegawai?jenis_pegawai=PPPK", &staf).await).await;
    assert_eq!(page["data"][0]["nip"], "199203252024212003");
    let page = json_body(app.get("/api/v1/pegawai?q=putri", &staf).await).await;
    assert_eq!(page["total"], 1);
    let page = json_body(app.get("/api/v1/pegawai?q=19850215", &staf).await).await;
    assert_eq!(page["data"][0]["nama"], "Lestari Handayani");
    let page = json_body(
        app.get(
            &format!("/api/v1/pegawai?unit_kerja_id={}", m.other_unit),
            &staf,
        )
        .await,
    )
    .await;
    assert_eq!(page["total"], 1);

    let p1 = json_body(app.get("/api/v1/pegawai?per_page=2&page=1", &staf).await).await;
    let p2 = json_body(app.get("/api/v1/pegawai?per_page=2&page=2", &staf).await).await;
    assert_eq!(p1["data"].as_array().unwrap().len(), 2);
    assert_eq!(p2["data"].as_array().unwrap().len(), 1);
    assert_eq!(p2["data"][0]["nama"], "Putri Maharani");

    problem(
        app.get("/api/v1/pegawai?per_page=1000", &staf).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    problem(
        app.get("/api/v1/pegawai?golongan=V/z", &staf).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Found by the generated-input run: page=i64::MAX overflowed the offset and killed a worker.
    let p = problem(
        app.get("/api/v1/pegawai?page=9223372036854775807", &staf)
            .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(p["code"], "invalid_page");
    problem(
        app.get("/api/v1/pegawai?page=abc", &staf).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let body = problem(
        app.get("/api/v1/pegawai?min_position=999999", &staf).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(body["code"], "unknown_min_position");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_without_a_valid_token_get_401_problem_json() {
    let app = TestApp::spawn().await;
    let url = app.url("/api/v1/pegawai");

    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(
        res.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    problem(res, StatusCode::UNAUTHORIZED).await;

    let basic = app
        .client
        .get(&url)
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    problem(basic, StatusCode::UNAUTHORIZED).await;

    let mut expired = claims(&["admin"], None);
    expired["exp"] = json!(time::OffsetDateTime::now_utc().unix_timestamp() - 3600);
    let body = problem(
        app.get("/api/v1/pegawai", &sign(&expired)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["code"], "token_expired");

    let mut issuer = claims(&["admin"], None);
    issuer["iss"] = json!("http://evil.test/realms/sekretariat");
    let body = problem(
        app.get("/api/v1/pegawai", &sign(&issuer)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["code"], "token_wrong_issuer");

    let body = problem(
        app.get("/api/v1/pegawai", &sign_foreign(&claims(&["admin"], None)))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["code"], "token_invalid_signature");

    let body = problem(
        app.get("/api/v1/pegawai", "not.a.jwt").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(body["code"], "token_malformed");

    // Master data too: every /api/v1 route needs a token.
    let res = app
        .client
        .get(app.url("/api/v1/master/golongan"))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNAUTHORIZED).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writing_needs_the_right_role_and_the_callers_own_satker() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let body = analis_perkara(&m);

    let staf = app.token(&["staf"], Some(SATKER));
    let p = problem(
        app.post("/api/v1/pegawai", &staf, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "forbidden_role");
    let keuangan = app.token(&["kasubag_keuangan"], Some(SATKER));
    problem(
        app.post("/api/v1/pegawai", &keuangan, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let other = app.token(&["kasubag_kepegawaian"], Some(OTHER));
    let p = problem(
        app.post("/api/v1/pegawai", &other, &body).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "satker_out_of_scope");
    // Master data is the admin's.
    let kasubag = app.token(&["kasubag_kepegawaian"], Some(SATKER));
    problem(
        app.post(
            "/api/v1/master/satker",
            &kasubag,
            &json!({"kode": "W13-A01", "nama": "X"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Nothing was appended by any refused request.
    let n: i64 = sqlx::query_scalar("select count(*) from events where aggregate_type = 'pegawai'")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // The right role in the right satker may; so may admin anywhere. PATCH by the other
    // satker's kasubag is refused too.
    created(app.post("/api/v1/pegawai", &kasubag, &body).await).await;
    let p = problem(
        app.patch(
            "/api/v1/pegawai/199805142022032003",
            &other,
            &json!({"tempat_lahir": "Jakarta"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "satker_out_of_scope");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_registration_rule_answers_with_its_own_code() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let admin = app.token(&["admin"], None);
    let ok = analis_perkara(&m);

    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "unit kerja tidak dikenal",
            with(
                ok.clone(),
                "unit_kerja_id",
                json!(uuid::Uuid::new_v4().to_string()),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unit_kerja_tidak_dikenal",
        ),
        (
            "unit kerja satker lain",
            with(ok.clone(), "unit_kerja_id", json!(m.other_unit)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unit_kerja_satker_lain",
        ),
        (
            "jabatan tidak dikenal",
            with(
                ok.clone(),
                "jabatan_id",
                json!(uuid::Uuid::new_v4().to_string()),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "jabatan_tidak_dikenal",
        ),
        // DOMAIN §2: S1 ceiling is III/d for a pelaksana.
        (
            "golongan di atas batas ijazah",
            with(
                with(ok.clone(), "golongan", json!("IV/a")),
                "tmt_golongan",
                json!("2025-04-01"),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "golongan_melebihi_batas_ijazah",
        ),
        // DOMAIN §1: the NIP's birth date and sex must match the person.
        (
            "nip tanggal lahir",
            with(ok.clone(), "tanggal_lahir", json!("1998-05-15")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nip_tanggal_lahir_tidak_cocok",
        ),
        (
            "nip jenis kelamin",
            with(ok.clone(), "jenis_kelamin", json!("L")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nip_jenis_kelamin_tidak_cocok",
        ),
        (
            "nip tmt cpns",
            with(ok.clone(), "tmt_cpns", json!("2021-03-01")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nip_tmt_cpns_tidak_cocok",
        ),
        (
            "golongan pppk untuk pns",
            with(ok.clone(), "golongan", json!("IX")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "golongan_tidak_sesuai_jenis_pegawai",
        ),
    ];
    for (name, body, status, code) in cases {
        let res = app.post("/api/v1/pegawai", &admin, &body).await;
        let got = res.status();
        let p = json_body(res).await;
        assert_eq!(got, status, "{name}: {p}");
        assert_eq!(p["code"], code, "{name}: {p}");
    }
    // Field-level parse errors, all at once.
    let bad = with(
        with(
            with(ok.clone(), "nip", json!("19980514202203200")),
            "tanggal_lahir",
            json!("14-05-1998"),
        ),
        "golongan",
        json!("III/z"),
    );
    let p = problem(
        app.post("/api/v1/pegawai", &admin, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["nip", "tanggal_lahir", "golongan"], "{p}");

    // A duplicate NIP is a conflict.
    created(app.post("/api/v1/pegawai", &admin, &ok).await).await;
    let p = problem(
        app.post("/api/v1/pegawai", &admin, &ok).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["code"], "pegawai_sudah_terdaftar");
    let n: i64 = sqlx::query_scalar("select count(*) from events where aggregate_type = 'pegawai'")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(n, 1, "only the one valid registration was appended");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_400_problem_json_never_500() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let url = app.url("/api/v1/pegawai");

    let res = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"nip\": ")
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "malformed_json");

    let res = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!({"nip": 12}))
        .send()
        .await
        .unwrap();
    let p = problem(res, StatusCode::BAD_REQUEST).await;
    assert_eq!(p["code"], "invalid_body");

    let res = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!({"nip": "1", "sembarang": true}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::BAD_REQUEST).await;

    let res = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;

    let big = "x".repeat(300 * 1024);
    let res = app
        .client
        .post(&url)
        .bearer_auth(&admin)
        .json(&json!({"nama": big}))
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::PAYLOAD_TOO_LARGE).await;

    let res = app.get("/api/v1/pegawai/abc", &admin).await;
    problem(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    let res = app
        .get("/api/v1/master/unit-kerja/not-a-uuid", &admin)
        .await;
    problem(res, StatusCode::BAD_REQUEST).await;
    let res = app.get("/api/v1/tidak-ada", &admin).await;
    let p = problem(res, StatusCode::NOT_FOUND).await;
    assert_eq!(p["code"], "route_not_found");
    let res = app
        .client
        .delete(app.url("/api/v1/pegawai"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    problem(res, StatusCode::METHOD_NOT_ALLOWED).await;
    let res = app.get("/api/v1/pegawai/199805142022032003", &admin).await;
    let p = problem(res, StatusCode::NOT_FOUND).await;
    assert_eq!(p["code"], "pegawai_tidak_ditemukan");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_court_loads_through_commands_and_lists_its_twenty_people() {
    let app = TestApp::spawn().await;
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    assert_eq!(summary.pegawai, 20);
    let staf = app.token(&["sekretaris"], Some("W13-A99"));
    let p = summary.last_position.unwrap();
    let page = json_body(
        app.get(
            &format!("/api/v1/pegawai?per_page=100&min_position={p}"),
            &staf,
        )
        .await,
    )
    .await;
    assert_eq!(page["total"], 20, "{page}");
    let units = json_body(
        app.get("/api/v1/master/unit-kerja?satker_id=W13-A99", &staf)
            .await,
    )
    .await;
    assert_eq!(units.as_array().unwrap().len(), 12);
    let gol = json_body(app.get("/api/v1/master/golongan", &staf).await).await;
    assert_eq!(gol.as_array().unwrap().len(), 34);
    let health = json_body(app.client.get(app.url("/health")).send().await.unwrap()).await;
    assert_eq!(health["status"], "ok", "{health}");
    let mut names: Vec<&str> = health["projectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "audit",
            "kepegawaian",
            "kp_sk_pegawai",
            "master",
            "sealer",
            "usul_kp"
        ],
        "four read-model projectors, the sealer and the KP process manager: {health}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_nip_create_one_pegawai() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let admin = app.token(&["admin"], None);
    let body = analis_perkara(&m);
    let requests = (0..6).map(|_| app.post("/api/v1/pegawai", &admin, &body));
    let statuses: Vec<StatusCode> = futures::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status())
        .collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 5), "{statuses:?}");
    let n: i64 = sqlx::query_scalar("select count(*) from events where aggregate_type = 'pegawai'")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.stop().await;
}

/// Issue 3: a token of satker A can neither read nor change satker B's rows, through any
/// endpoint; a staf member sees only their own record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_satker_sees_only_its_own_rows_and_staf_only_their_own_record() {
    let app = TestApp::spawn().await;
    let m = setup_master(&app).await;
    let admin = app.token(&["admin"], None);
    created(
        app.post("/api/v1/pegawai", &admin, &analis_perkara(&m))
            .await,
    )
    .await;
    let pppk = json!({
        "nip": "199203252024212003", "nama": "Indah Permatasari", "tempat_lahir": "Cimahi",
        "tanggal_lahir": "1992-03-25", "jenis_kelamin": "P", "jenis_pegawai": "PPPK", "golongan": "IX",
        "tmt_golongan": "2024-03-01", "jabatan_id": m.pelaksana, "tmt_jabatan": "2024-03-01",
        "unit_kerja_id": m.other_unit, "satker_id": OTHER, "pendidikan_terakhir": "D3", "tmt_pppk": "2024-03-01"
    });
    let last = position(&created(app.post("/api/v1/pegawai", &admin, &pppk).await).await);

    let a = app.token(&["sekretaris"], Some(SATKER));
    let page = json_body(
        app.get(&format!("/api/v1/pegawai?min_position={last}"), &a)
            .await,
    )
    .await;
    let nips: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["nip"].as_str().unwrap())
        .collect();
    assert_eq!(nips, vec!["199805142022032003"]);
    let page = json_body(
        app.get(&format!("/api/v1/pegawai?satker_id={OTHER}"), &a)
            .await,
    )
    .await;
    assert_eq!(
        page["total"], 0,
        "asking for B by filter does not widen the scope"
    );
    for path in [
        "/api/v1/pegawai/199203252024212003".to_string(),
        "/api/v1/pegawai/199203252024212003/riwayat".to_string(),
        format!("/api/v1/master/unit-kerja/{}", m.other_unit),
        format!("/api/v1/master/satker/{OTHER}"),
    ] {
        let res = app.get(&path, &a).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let units = json_body(app.get("/api/v1/master/unit-kerja", &a).await).await;
    assert!(
        units
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["satker_id"] == SATKER),
        "{units}"
    );
    let satkers = json_body(app.get("/api/v1/master/satker", &a).await).await;
    assert_eq!(satkers.as_array().unwrap().len(), 1);

    // Changing B's pegawai with A's kepegawaian token is refused, and nothing is appended.
    let kasubag_a = app.token(&["kasubag_kepegawaian"], Some(SATKER));
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from events")
            .fetch_one(&app.db.eventstore)
            .await
            .unwrap()
    };
    let before = count().await;
    let p = problem(
        app.patch(
            "/api/v1/pegawai/199203252024212003",
            &kasubag_a,
            &json!({"tempat_lahir": "Bandung"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "satker_out_of_scope");
    let p = problem(
        app.post(
            "/api/v1/pegawai",
            &kasubag_a,
            &with(pppk.clone(), "nip", json!("199203252024212011")),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_eq!(p["code"], "satker_out_of_scope");
    assert_eq!(before, count().await);

    // A token without a satker sees nothing.
    let nowhere = app.token(&["sekretaris"], None);
    let page = json_body(app.get("/api/v1/pegawai", &nowhere).await).await;
    assert_eq!(page["total"], 0);

    // Staf: only their own record; others are "not found".
    let staf = sign(&with(
        claims(&["staf"], Some(SATKER)),
        "nip",
        json!("199805142022032003"),
    ));
    let page = json_body(app.get("/api/v1/pegawai", &staf).await).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["data"][0]["nip"], "199805142022032003");
    let staf_other = sign(&with(
        claims(&["staf"], Some(SATKER)),
        "nip",
        json!("198502152009042005"),
    ));
    let res = app
        .get("/api/v1/pegawai/199805142022032003", &staf_other)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let page = json_body(
        app.get("/api/v1/pegawai", &app.token(&["staf"], Some(SATKER)))
            .await,
    )
    .await;
    assert_eq!(
        page["total"], 0,
        "a staf token without a nip claim sees no one"
    );
    app.stop().await;
}

/// Every row of the RBAC matrix, for every role: the roles it names get past the matrix, the
/// others get exactly 403 forbidden_role. Bodies are empty objects (refused later, never by the
/// matrix) and nothing answers 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_in_the_rbac_matrix_admits_exactly_its_roles() {
    use sekretariat_api::auth::Role;
    use sekretariat_api::rbac::MATRIX;
    let app = TestApp::spawn().await;
    for rule in MATRIX {
        let path = rule
            .path
            .replace("{nip}", "199805142022032003")
            .replace("{id}", "00000000-0000-0000-0000-000000000001");
        for role in Role::ALL {
            let token = app.token(&[role.as_str()], Some(SATKER));
            let res = app
                .client
                .request(rule.method.parse().unwrap(), app.url(&path))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = res.status();
            let is_json = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.contains("json"));
            // Exports answer with a file, not JSON.
            let body = if is_json {
                json_body(res).await
            } else {
                Value::Null
            };
            let refused = status == StatusCode::FORBIDDEN && body["code"] == "forbidden_role";
            let what = format!(
                "{} {} as {}: {status} {body}",
                rule.method,
                rule.path,
                role.as_str()
            );
            assert_eq!(refused, !rule.roles.contains(&role), "{what}");
            assert!(status.as_u16() < 500, "{what}");
        }
    }
    app.stop().await;
}
