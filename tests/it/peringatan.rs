//! Issue 5, item 4: early warnings over the demo court (DOMAIN §8 fixture people), with the
//! rule that triggered each.

use reqwest::StatusCode;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::Value;

fn find<'a>(data: &'a [Value], nip: &str, jenis: &str) -> Option<&'a Value> {
    data.iter().find(|w| w["nip"] == nip && w["jenis"] == jenis)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_court_warns_of_the_panitera_pension_the_jurusita_ceiling_and_the_analis_kp() {
    let app = TestApp::spawn().await;
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    let p = summary.last_position.unwrap();
    let sekretaris = app.token(&["sekretaris"], Some("W13-A99"));
    let res = app
        .get(
            &format!("/api/v1/kepegawaian/peringatan?per_tanggal=2026-01-15&dalam_bulan=12&min_position={p}"),
            &sekretaris,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = json_body(res).await;
    let data = body["data"].as_array().unwrap();

    // DOMAIN §5: the Panitera (born 1968-09-19, BUP 58) retires on 1 Oct 2026.
    let panitera = find(data, "196809191994031001", "bup_tercapai").expect("panitera pension");
    assert_eq!(panitera["tanggal"], "2026-10-01");
    // DOMAIN §2/§8: the Jurusita (III/b, SLTA) is at the ijazah ceiling: KP blocked, and he
    // retires on 1 Nov 2026.
    assert!(
        find(data, "196810011990031003", "kp_terhalang_batas_ijazah").is_some(),
        "{body}"
    );
    assert!(find(data, "196810011990031003", "kp_reguler_jatuh_tempo").is_none());
    assert_eq!(
        find(data, "196810011990031003", "bup_tercapai").unwrap()["tanggal"],
        "2026-11-01"
    );
    // DOMAIN §3/§8: the Analis Perkara (III/a since 1 Mar 2022) is due for KP reguler in 2026,
    // at a period date valid then (monthly since Per BKN 4/2025).
    let analis = find(data, "199805142022032003", "kp_reguler_jatuh_tempo").expect("analis KP");
    assert_eq!(analis["tanggal"], "2026-03-01");
    assert_eq!(analis["golongan_tujuan"], "III/b");
    assert!(
        analis["dasar_hukum"].as_str().unwrap().contains("99/2000"),
        "{analis}"
    );
    // Ordered by date.
    let dates: Vec<&str> = data
        .iter()
        .map(|w| w["tanggal"].as_str().unwrap())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);

    // Only people the caller may see; staf may not read warnings; bad windows are refused.
    let other = app.token(&["sekretaris"], Some("W13-A98"));
    let body = json_body(
        app.get(
            "/api/v1/kepegawaian/peringatan?per_tanggal=2026-01-15",
            &other,
        )
        .await,
    )
    .await;
    assert_eq!(body["data"].as_array().unwrap().len(), 0);
    let staf = app.token(&["staf"], Some("W13-A99"));
    assert_eq!(
        app.get("/api/v1/kepegawaian/peringatan", &staf)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = app
        .get("/api/v1/kepegawaian/peringatan?dalam_bulan=0", &sekretaris)
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = app
        .get(
            "/api/v1/kepegawaian/peringatan?per_tanggal=15-01-2026",
            &sekretaris,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    app.stop().await;
}
