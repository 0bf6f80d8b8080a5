//! Issue 5, item 5: the DUK (Daftar Urut Kepangkatan, PP 15/1979; DOMAIN §5) as a JSON page
//! and as an .xlsx file in the paper form's layout. The demo court (DOMAIN §8) comes out in the
//! order written down below; each criterion and the final tie-break is proven on people built
//! so that only that criterion separates them (every later criterion points the other way).

use std::io::Read;

use reqwest::StatusCode;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};
use time::macros::date;

const DEMO: &str = "W13-A99";
/// The satker the isolating cases are built in.
const UJI: &str = "W13-A97";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The demo court's DUK (fixtures/demo/pa-sukamaju.json), worked out by hand:
/// pangkat first (golongan, then TMT golongan), and nobody in the fixture ties on both, so
/// jabatan and the later criteria do not come into play here. The Operator (PPPK, 19) is not in
/// the DUK: 19 lines for 20 people.
const DEMO_ORDER: [(&str, &str); 19] = [
    ("197003142000031002", "Ketua, IV/c"),
    ("197508222002122001", "Wakil Ketua, IV/b"),
    ("196809191994031001", "Panitera, IV/a since 2016-04-01"),
    ("197902032006042002", "Sekretaris, IV/a since 2020-04-01"),
    ("198301052008021003", "Hakim, IV/a since 2020-10-01"),
    (
        "197609182003121002",
        "Panmud Gugatan, III/d since 2015-10-01",
    ),
    (
        "198012302005012003",
        "Panmud Permohonan, III/d since 2017-04-01",
    ),
    ("197807072006041004", "Panmud Hukum, III/d since 2018-04-01"),
    ("198502152009042005", "Kasubag Umum, III/d since 2021-04-01"),
    (
        "198705292011011002",
        "Kasubag Kepegawaian, III/d since 2023-04-01",
    ),
    (
        "198404122008122002",
        "Panitera Pengganti, III/c since 2020-10-01",
    ),
    (
        "199004172017122004",
        "Hakim Pratama Madya, III/c since 2022-04-01",
    ),
    ("199008082014121001", "Kasubag PTIP, III/c since 2022-10-01"),
    ("196810011990031003", "Jurusita, III/b since 2010-04-01"),
    (
        "199411202021121006",
        "Hakim Pratama Muda, III/b since 2025-12-01",
    ),
    (
        "199611232020121004",
        "Pranata Komputer, III/a since 2020-12-01",
    ),
    (
        "199805142022032003",
        "Analis Perkara, III/a since 2022-03-01",
    ),
    (
        "200103112025061002",
        "Klerek (CPNS), III/a since 2025-06-01",
    ),
    ("199507222019032004", "Bendahara, II/d"),
];

fn demo_nips() -> Vec<String> {
    DEMO_ORDER.iter().map(|(n, _)| n.to_string()).collect()
}

async fn demo() -> (TestApp, i64) {
    let app = TestApp::spawn().await;
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    let p = summary.last_position.unwrap();
    (app, p)
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    let status = res.status();
    let body = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

fn nips(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {page}"))
        .iter()
        .map(|e| e["nip"].as_str().unwrap().to_string())
        .collect()
}

/// A problem+json answer: its status and body.
async fn problem(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let res = app.get(path, token).await;
    let status = res.status();
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{path}"
    );
    (status, json_body(res).await)
}

/// The entries of an .xlsx (zip) body.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut text = String::new();
        if f.read_to_string(&mut text).is_ok() {
            out.insert(name, text);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_of_the_demo_court_follows_pp_15_1979_and_leaves_out_the_pppk() {
    let (app, p) = demo().await;
    let sekretaris = app.token(&["sekretaris"], Some(DEMO));
    let page = get_json(
        &app,
        &format!(
            "/api/v1/kepegawaian/duk?satker_id={DEMO}&tahun=2026&per_page=100&min_position={p}"
        ),
        &sekretaris,
    )
    .await;
    // DOMAIN §5 (PP 15/1979): pangkat, jabatan, masa kerja, pendidikan, usia; PPPK not ranked.
    assert_eq!(nips(&page), demo_nips(), "{page}");
    assert_eq!(page["total"], 19);
    let data = page["data"].as_array().unwrap();
    for (i, e) in data.iter().enumerate() {
        assert_eq!(e["nomor"], i as i64 + 1);
    }
    assert!(
        !nips(&page).contains(&"199203252024212003".to_string()),
        "the Operator (PPPK) is not in the DUK"
    );
    // Masa kerja (from TMT CPNS) and usia are counted to 31 December of the DUK's year.
    let ketua = &data[0];
    assert_eq!(ketua["pangkat"], "Pembina Utama Muda");
    assert_eq!(ketua["tmt_masa_kerja"], "2000-03-01");
    assert_eq!(
        (
            ketua["masa_kerja_tahun"].as_i64(),
            ketua["masa_kerja_bulan"].as_i64()
        ),
        (Some(26), Some(9))
    );
    assert_eq!(ketua["usia_tahun"], 56);
    let klerek = &data[17];
    assert_eq!(klerek["jenis_pegawai"], "CPNS");
    assert_eq!(
        (
            klerek["masa_kerja_tahun"].as_i64(),
            klerek["masa_kerja_bulan"].as_i64()
        ),
        (Some(1), Some(6))
    );
    let ketua_2025 = get_json(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&tahun=2025&per_page=1"),
        &sekretaris,
    )
    .await;
    assert_eq!(ketua_2025["data"][0]["masa_kerja_tahun"], 25);
    assert_eq!(ketua_2025["data"][0]["usia_tahun"], 55);

    // A page is a slice of the same order, numbered by place in the whole DUK.
    let page2 = get_json(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&tahun=2026&page=2&per_page=5"),
        &sekretaris,
    )
    .await;
    assert_eq!(nips(&page2), demo_nips()[5..10].to_vec());
    assert_eq!(page2["data"][0]["nomor"], 6);
    assert_eq!(
        (
            page2["page"].as_i64(),
            page2["per_page"].as_i64(),
            page2["total"].as_i64()
        ),
        (Some(2), Some(5), Some(19))
    );

    // The DUK of 2024: the Klerek (TMT CPNS 1 June 2025) was not yet a pegawai.
    let y2024 = get_json(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&tahun=2024&per_page=100"),
        &sekretaris,
    )
    .await;
    let mut without_klerek = demo_nips();
    without_klerek.retain(|n| n != "200103112025061002");
    assert_eq!(nips(&y2024), without_klerek);

    // Without `tahun`: this year's DUK, the same people.
    let now = get_json(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&per_page=100"),
        &sekretaris,
    )
    .await;
    assert_eq!(now["total"], 19);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_leaves_out_the_retired_and_the_moved_out_from_their_tmt() {
    let app = TestApp::spawn().await;
    app.clock.set(date!(2026 - 09 - 01));
    sekretariat_api::demo::load(&app.bus).await.unwrap();
    let admin = app.token(&["admin"], None);
    // DOMAIN §5/§8: the Panitera retires on 1 Oct 2026; the Analis Perkara moves out (to a
    // satker outside this system) on 1 Nov 2026.
    let mut at = 0;
    for (path, body) in [
        (
            "/api/v1/pegawai/196809191994031001/pensiun",
            json!({"nomor_sk": "00123/KEP/2026", "tanggal_sk": "2026-08-03", "tmt_pensiun": "2026-10-01"}),
        ),
        (
            "/api/v1/pegawai/199805142022032003/mutasi",
            json!({"jenis": "keluar", "nomor_sk": "1234/DJA.3/KP.04.6/VIII/2026",
                   "tanggal_sk": "2026-08-20", "tmt": "2026-11-01", "satker_tujuan": "W13-A1"}),
        ),
    ] {
        let res = app.post(path, &admin, &body).await;
        let status = res.status();
        let body = json_body(res).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        at = at.max(body["position"].as_i64().unwrap());
    }
    let duk = format!(
        "/api/v1/kepegawaian/duk?satker_id={DEMO}&tahun=2026&per_page=100&min_position={at}"
    );
    // Before either TMT: both still in the DUK.
    assert_eq!(nips(&get_json(&app, &duk, &admin).await), demo_nips());
    // From the TMT pensiun, no longer in active employment: out of the DUK.
    app.clock.set(date!(2026 - 10 - 15));
    let mut expected = demo_nips();
    expected.retain(|n| n != "196809191994031001");
    assert_eq!(nips(&get_json(&app, &duk, &admin).await), expected);
    // From the TMT of the mutasi, no longer this satker's.
    app.clock.set(date!(2026 - 11 - 20));
    expected.retain(|n| n != "199805142022032003");
    let page = get_json(&app, &duk, &admin).await;
    assert_eq!(nips(&page), expected);
    assert_eq!(page["data"][2]["nomor"], 3, "numbered without gaps");
    app.stop().await;
}

// ---- the criteria, one at a time ----

/// A satker of its own with one unit and a jabatan of each kind, for people built to isolate
/// one criterion.
struct Uji {
    app: TestApp,
    admin: String,
    unit: String,
    struktural: String,
    fungsional: String,
    pelaksana: String,
    position: i64,
}

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body = json_body(res).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

impl Uji {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.token(&["admin"], None);
        created(
            app.post(
                "/api/v1/master/satker",
                &admin,
                &json!({"kode": UJI, "nama": "PA Ujicoba"}),
            )
            .await,
        )
        .await;
        let unit = created(
            app.post(
                "/api/v1/master/unit-kerja",
                &admin,
                &json!({"satker_id": UJI, "nama": "Kesekretariatan"}),
            )
            .await,
        )
        .await;
        let mut ids = Vec::new();
        for (nama, jenis) in [
            ("Kepala Subbagian", "struktural"),
            ("Pranata Komputer", "fungsional"),
            ("Pengadministrasi", "pelaksana"),
        ] {
            let j = created(
                app.post(
                    "/api/v1/master/jabatan",
                    &admin,
                    &json!({"nama": nama, "jenis": jenis, "kelompok_bup": "administrasi_dan_ahli_pertama_muda"}),
                )
                .await,
            )
            .await;
            ids.push(j["id"].as_str().unwrap().to_string());
        }
        Self {
            app,
            admin,
            unit: unit["id"].as_str().unwrap().to_string(),
            struktural: ids[0].clone(),
            fungsional: ids[1].clone(),
            pelaksana: ids[2].clone(),
            position: 0,
        }
    }

    /// Registers a PNS through `POST /api/v1/pegawai`; the NIP is made from the data (birth
    /// date, TMT CPNS month, sex, `seq`) and returned.
    async fn pns(&mut self, o: Orang<'_>) -> String {
        let cpns = o.tmt_cpns.replace('-', "");
        let nip = format!(
            "{}{}{}{:03}",
            o.lahir.replace('-', ""),
            &cpns[..6],
            if o.perempuan { 2 } else { 1 },
            o.seq
        );
        let year: i32 = o.tmt_cpns[..4].parse().unwrap();
        let tmt_pns = format!("{}{}", year + 1, &o.tmt_cpns[4..]);
        let jabatan = match o.jabatan {
            "struktural" => &self.struktural,
            "fungsional" => &self.fungsional,
            _ => &self.pelaksana,
        };
        let body = json!({
            "nip": nip,
            "nama": format!("Pegawai {nip}"),
            "tempat_lahir": "Sukamaju",
            "tanggal_lahir": o.lahir,
            "jenis_kelamin": if o.perempuan { "P" } else { "L" },
            "jenis_pegawai": "PNS",
            "golongan": o.golongan,
            "tmt_golongan": o.tmt_golongan,
            "jabatan_id": jabatan,
            "tmt_jabatan": o.tmt_jabatan,
            "unit_kerja_id": self.unit,
            "satker_id": UJI,
            "pendidikan_terakhir": o.pendidikan,
            "tmt_cpns": o.tmt_cpns,
            "tmt_pns": tmt_pns,
        });
        let res = created(self.app.post("/api/v1/pegawai", &self.admin, &body).await).await;
        self.position = self.position.max(res["position"].as_i64().unwrap());
        nip
    }

    async fn duk(&self) -> Value {
        get_json(
            &self.app,
            &format!(
                "/api/v1/kepegawaian/duk?satker_id={UJI}&tahun=2026&per_page=100&min_position={}",
                self.position
            ),
            &self.admin,
        )
        .await
    }

    async fn order(&self) -> Vec<String> {
        nips(&self.duk().await)
    }
}

/// One person; defaults are a III/a pelaksana with S1.
#[derive(Clone, Copy)]
struct Orang<'a> {
    lahir: &'a str,
    perempuan: bool,
    seq: u32,
    tmt_cpns: &'a str,
    golongan: &'a str,
    tmt_golongan: &'a str,
    jabatan: &'a str,
    tmt_jabatan: &'a str,
    pendidikan: &'a str,
}

const ORANG: Orang<'static> = Orang {
    lahir: "1985-01-10",
    perempuan: false,
    seq: 1,
    tmt_cpns: "2012-03-01",
    golongan: "III/a",
    tmt_golongan: "2020-04-01",
    jabatan: "pelaksana",
    tmt_jabatan: "2020-04-01",
    pendidikan: "S1",
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_pangkat_higher_golongan_first_then_the_earlier_tmt_golongan() {
    let mut u = Uji::new().await;
    // Better on every later criterion (struktural, longer service, S2, older), yet a lower
    // golongan: DOMAIN §5, pangkat comes first.
    let lama = u
        .pns(Orang {
            lahir: "1980-01-01",
            tmt_cpns: "2010-03-01",
            tmt_golongan: "2012-04-01",
            jabatan: "struktural",
            tmt_jabatan: "2012-04-01",
            pendidikan: "S2",
            ..ORANG
        })
        .await;
    let tinggi = u
        .pns(Orang {
            lahir: "1994-05-05",
            tmt_cpns: "2018-03-01",
            golongan: "III/b",
            tmt_golongan: "2022-04-01",
            tmt_jabatan: "2022-04-01",
            ..ORANG
        })
        .await;
    // The same golongan as `lama`, held since earlier; worse on everything after.
    let lebih_dulu = u
        .pns(Orang {
            lahir: "1988-02-02",
            tmt_cpns: "2011-03-01",
            tmt_golongan: "2011-10-01",
            tmt_jabatan: "2021-01-01",
            ..ORANG
        })
        .await;
    assert_eq!(u.order().await, vec![tinggi, lebih_dulu, lama]);
    u.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_jabatan_struktural_before_fungsional_before_pelaksana_then_the_earlier_tmt_jabatan() {
    let mut u = Uji::new().await;
    let pangkat = Orang {
        golongan: "III/c",
        tmt_golongan: "2020-04-01",
        ..ORANG
    };
    // Same pangkat and TMT for all; the later the jabatan rank, the better everything after it.
    let pelaksana = u
        .pns(Orang {
            lahir: "1980-01-01",
            tmt_cpns: "2009-03-01",
            jabatan: "pelaksana",
            tmt_jabatan: "2012-01-02",
            pendidikan: "S2",
            ..pangkat
        })
        .await;
    let fungsional_baru = u
        .pns(Orang {
            lahir: "1984-01-01",
            tmt_cpns: "2010-03-01",
            jabatan: "fungsional",
            tmt_jabatan: "2019-01-02",
            pendidikan: "S2",
            ..pangkat
        })
        .await;
    let fungsional_lama = u
        .pns(Orang {
            lahir: "1990-01-01",
            tmt_cpns: "2014-03-01",
            jabatan: "fungsional",
            tmt_jabatan: "2015-01-02",
            ..pangkat
        })
        .await;
    let struktural = u
        .pns(Orang {
            lahir: "1991-01-01",
            tmt_cpns: "2015-03-01",
            jabatan: "struktural",
            tmt_jabatan: "2021-01-04",
            ..pangkat
        })
        .await;
    assert_eq!(
        u.order().await,
        vec![struktural, fungsional_lama, fungsional_baru, pelaksana]
    );
    u.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_masa_kerja_the_earlier_tmt_cpns_first() {
    let mut u = Uji::new().await;
    // Same pangkat and jabatan with their TMTs; the shorter service has S2 and is older.
    let singkat = u
        .pns(Orang {
            lahir: "1980-01-01",
            tmt_cpns: "2012-03-01",
            pendidikan: "S2",
            ..ORANG
        })
        .await;
    let panjang = u
        .pns(Orang {
            lahir: "1989-01-01",
            tmt_cpns: "2011-03-01",
            ..ORANG
        })
        .await;
    let duk = u.duk().await;
    assert_eq!(nips(&duk), vec![panjang, singkat]);
    // From 1 March 2011 to 31 December 2026: 15 years 9 months.
    assert_eq!(duk["data"][0]["masa_kerja_tahun"], 15);
    assert_eq!(duk["data"][0]["masa_kerja_bulan"], 9);
    u.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_pendidikan_the_higher_ijazah_first_with_d4_level_with_s1() {
    let mut u = Uji::new().await;
    // Same pangkat, jabatan and masa kerja; the lower ijazah belongs to the older person.
    let d3 = u
        .pns(Orang {
            lahir: "1979-01-01",
            pendidikan: "D3",
            ..ORANG
        })
        .await;
    let s1 = u
        .pns(Orang {
            lahir: "1980-01-01",
            pendidikan: "S1",
            ..ORANG
        })
        .await;
    let d4 = u
        .pns(Orang {
            lahir: "1981-06-01",
            pendidikan: "D4",
            ..ORANG
        })
        .await;
    let s2 = u
        .pns(Orang {
            lahir: "1988-01-01",
            pendidikan: "S2",
            ..ORANG
        })
        .await;
    // D-IV and S-1 are one level, so age decides between them.
    assert_eq!(u.order().await, vec![s2, s1, d4, d3]);
    u.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_usia_the_older_first_and_the_nip_breaks_the_last_tie() {
    let mut u = Uji::new().await;
    // Equal on pangkat, jabatan, masa kerja and pendidikan. (A PNS NIP begins with the birth
    // date, so NIP order agrees with age; the two born on one day differ only in the NIP.)
    let muda = u
        .pns(Orang {
            lahir: "1990-01-01",
            ..ORANG
        })
        .await;
    let kembar_b = u
        .pns(Orang {
            lahir: "1987-07-07",
            perempuan: true,
            seq: 1,
            ..ORANG
        })
        .await;
    let kembar_a = u
        .pns(Orang {
            lahir: "1987-07-07",
            seq: 2,
            ..ORANG
        })
        .await;
    let tua = u
        .pns(Orang {
            lahir: "1985-01-01",
            ..ORANG
        })
        .await;
    assert!(kembar_a < kembar_b);
    let expected = vec![tua, kembar_a, kembar_b, muda];
    assert_eq!(u.order().await, expected);
    // The order is total: asked again, page by page, the same.
    let mut paged = Vec::new();
    for page in 1..=4 {
        let p = get_json(
            &u.app,
            &format!("/api/v1/kepegawaian/duk?satker_id={UJI}&tahun=2026&page={page}&per_page=1"),
            &u.admin,
        )
        .await;
        paged.extend(nips(&p));
    }
    assert_eq!(paged, expected);
    u.app.stop().await;
}

// ---- the .xlsx ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_xlsx_has_the_form_layout_the_rows_in_order_a_frozen_header_and_a4_landscape() {
    let (app, p) = demo().await;
    let kasubag = app.token(&["kasubag_kepegawaian"], Some(DEMO));
    let res = app
        .get(
            &format!("/api/v1/kepegawaian/duk.xlsx?satker_id={DEMO}&tahun=2026&min_position={p}"),
            &kasubag,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], XLSX);
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"DUK-W13-A99-2026.xlsx\""
    );
    let length: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.len(), length);
    assert!(bytes.starts_with(b"PK"), "a zip file");
    let parts = unzip(&bytes);
    let sheet = &parts["xl/worksheets/sheet1.xml"];

    // Title (2 rows), a two-row header, then one row per line.
    assert_eq!(sheet.matches("<row ").count(), 4 + 19);
    for title in [
        "DAFTAR URUT KEPANGKATAN",
        ">No<",
        ">Nama<",
        ">NIP<",
        ">Pangkat<",
        ">Gol/Ruang<",
        ">TMT<",
        ">Jabatan<",
        ">Masa Kerja<",
        ">Thn<",
        ">Bln<",
        ">Latihan Jabatan<",
        "(tidak tercatat di sistem)",
        ">Pendidikan<",
        ">Tanggal<",
        ">Usia (thn)<",
        ">Keterangan<",
    ] {
        assert!(sheet.contains(title), "header {title}");
    }
    // Merged like the paper form: single columns span both header rows, groups span columns.
    for merged in [
        "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3", "H3:I3", "L3:M3", "N3:N4", "A1:N1",
    ] {
        assert!(
            sheet.contains(&format!("<mergeCell ref=\"{merged}\"/>")),
            "merge {merged}"
        );
    }
    // The lines, in the DUK's order, with the name as written on the form.
    let at: Vec<usize> = DEMO_ORDER
        .iter()
        .map(|(nip, who)| {
            sheet
                .find(&format!(">{nip}<"))
                .unwrap_or_else(|| panic!("{who} missing"))
        })
        .collect();
    assert!(
        at.windows(2).all(|w| w[0] < w[1]),
        "rows in DUK order: {at:?}"
    );
    assert!(sheet.contains("Dr. H. Ahmad Fauzi, S.H.I., M.H."));
    assert!(sheet.contains("Pembina Utama Muda, IV/c"));
    assert!(sheet.contains(">S-3<"));
    assert!(!sheet.contains("199203252024212003"), "no PPPK");
    assert!(sheet.contains(">CPNS<"), "the Klerek is marked CPNS");

    // Header frozen below row 4; A4 (paper size 9) landscape, one page wide; header rows
    // repeated on every printed page.
    assert!(
        sheet.contains("ySplit=\"4\"") && sheet.contains("state=\"frozen\""),
        "frozen header"
    );
    assert!(
        sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""),
        "A4 landscape"
    );
    assert!(
        sheet.contains("fitToHeight=\"0\"") && sheet.contains("<pageSetUpPr fitToPage=\"1\"/>")
    );
    let workbook = &parts["xl/workbook.xml"];
    assert!(workbook.contains("name=\"DUK\""));
    assert!(
        workbook.contains("_xlnm.Print_Titles") && workbook.contains("DUK!$3:$4"),
        "{workbook}"
    );

    // A satker with nobody in it: the form alone.
    let admin = app.token(&["admin"], None);
    let res = app
        .get(
            "/api/v1/kepegawaian/duk.xlsx?satker_id=W13-A98&tahun=2026",
            &admin,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let parts = unzip(&res.bytes().await.unwrap());
    assert_eq!(
        parts["xl/worksheets/sheet1.xml"].matches("<row ").count(),
        4
    );
    app.stop().await;
}

// ---- who may see what, and bad input ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_of_another_satker_is_forbidden_and_shows_none_of_its_people() {
    let (app, p) = demo().await;
    let b = app.token(&["kasubag_kepegawaian"], Some("W13-A98"));
    for path in [
        format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&min_position={p}"),
        format!("/api/v1/kepegawaian/duk.xlsx?satker_id={DEMO}"),
    ] {
        let (status, body) = problem(&app, &path, &b).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(body["code"], "satker_out_of_scope");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("satuan kerja Anda")
        );
    }
    // Their own satker's DUK: none of A's people.
    let own = get_json(
        &app,
        "/api/v1/kepegawaian/duk?satker_id=W13-A98&per_page=100",
        &b,
    )
    .await;
    assert_eq!(own["total"], 0);
    let res = app
        .get("/api/v1/kepegawaian/duk.xlsx?satker_id=W13-A98", &b)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let sheet = &unzip(&bytes)["xl/worksheets/sheet1.xml"];
    assert!(DEMO_ORDER.iter().all(|(nip, _)| !sheet.contains(nip)));
    // A token without a satker is no admin: forbidden too.
    let tanpa = app.token(&["sekretaris"], None);
    let (status, _) = problem(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}"),
        &tanpa,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Roles outside PIMPINAN_KEPEGAWAIAN.
    for role in ["staf", "kasubag_keuangan"] {
        let t = app.token(&[role], Some(DEMO));
        for path in ["/api/v1/kepegawaian/duk", "/api/v1/kepegawaian/duk.xlsx"] {
            let (status, body) = problem(&app, &format!("{path}?satker_id={DEMO}"), &t).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert_eq!(body["code"], "forbidden_role");
        }
    }
    // An admin may ask for any satker.
    let admin = app.token(&["admin"], None);
    let all = get_json(
        &app,
        &format!("/api/v1/kepegawaian/duk?satker_id={DEMO}&per_page=100"),
        &admin,
    )
    .await;
    assert_eq!(all["total"], 19);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duk_bad_parameters_get_400_problem_json_in_indonesian() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    for path in ["/api/v1/kepegawaian/duk", "/api/v1/kepegawaian/duk.xlsx"] {
        for (query, says) in [
            ("", "satker_id wajib"),
            (
                "?satker_id=W13-A99&tahun=1899",
                "tahun harus antara 1900 dan 2100",
            ),
            (
                "?satker_id=W13-A99&tahun=2101",
                "tahun harus antara 1900 dan 2100",
            ),
            (
                "?satker_id=W13-A99&tahun=dua",
                "Parameter kueri tidak valid",
            ),
            (
                "?satker_id=W13-A99&urut=nama",
                "Parameter kueri tidak valid",
            ),
            ("?satker_id=bukan%20kode", "satker_id"),
            ("?satker_id=W13-A99&min_position=0", "min_position"),
        ] {
            let (status, body) = problem(&app, &format!("{path}{query}"), &admin).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}{query}: {body}");
            assert!(
                body["detail"].as_str().unwrap().contains(says),
                "{path}{query}: {body}"
            );
        }
    }
    let (status, body) = problem(
        &app,
        "/api/v1/kepegawaian/duk?satker_id=W13-A99&per_page=101",
        &admin,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_per_page"))
    );
    app.stop().await;
}
