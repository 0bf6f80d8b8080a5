//! Issue 4: event versioning. A PegawaiDidaftarkan stored in its 1.0 shape (pangkat "" for a
//! PPPK) loads into the aggregate, projects, and rebuilds through the domain's upcaster.

use reqwest::StatusCode;
use sekretariat_api::config::Settings;
use sekretariat_api::replay::rebuild::{RebuildArgs, execute};
use sekretariat_projections::rebuild::Outcome;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_stored_in_its_old_shape_loads_projects_and_rebuilds() {
    let app = TestApp::spawn().await;
    sekretariat_api::demo::load(&app.bus).await.unwrap();

    // The demo's PPPK, as 2.0 wrote it, turned into a 1.0 registration of another PPPK.
    let (mut payload, metadata): (Value, Value) = sqlx::query_as(
        "select payload, metadata from events
          where aggregate_type = 'pegawai' and aggregate_id = '199203252024212003' and sequence = 1",
    )
    .fetch_one(&app.db.eventstore_owner)
    .await
    .unwrap();
    assert_eq!(
        payload["PegawaiDidaftarkan"]["pangkat"],
        Value::Null,
        "2.0 writes null"
    );
    let nip = "199203252024212004";
    payload["PegawaiDidaftarkan"]["nip"] = json!(nip);
    payload["PegawaiDidaftarkan"]["nama"] = json!("Pegawai Lama");
    payload["PegawaiDidaftarkan"]["pangkat"] = json!("");
    let position: i64 = sqlx::query_scalar(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         values ('pegawai', $1, 1, 'PegawaiDidaftarkan', '1.0', $2, $3) returning global_position",
    )
    .bind(nip)
    .bind(&payload)
    .bind(&metadata)
    .fetch_one(&app.db.eventstore)
    .await
    .unwrap();

    // It projects: no pangkat named "" in the read model.
    let admin = app.token(&["admin"], None);
    let res = app
        .get(
            &format!("/api/v1/pegawai/{nip}?min_position={position}"),
            &admin,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let p = json_body(res).await;
    assert_eq!(p["golongan"], "IX");
    assert_eq!(p["pangkat"], Value::Null);

    // It loads into the aggregate: a change to that pegawai is decided on it.
    let loaded = app
        .bus
        .load_pegawai(nip)
        .await
        .unwrap()
        .expect("registered");
    assert_eq!(
        loaded.golongan().map(|g| g.to_string()).as_deref(),
        Some("IX")
    );
    let res = app
        .patch(
            &format!("/api/v1/pegawai/{nip}"),
            &admin,
            &json!({"tempat_lahir": "Bogor"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let position = json_body(res).await["position"].as_i64().unwrap();
    let p = json_body(
        app.get(
            &format!("/api/v1/pegawai/{nip}?min_position={position}"),
            &admin,
        )
        .await,
    )
    .await;
    assert_eq!(p["tempat_lahir"], "Bogor");

    // It rebuilds to the same read model.
    let settings = Settings {
        databases: app.db.config.clone(),
        ..Settings::from_vars(&Default::default()).unwrap()
    };
    let args = RebuildArgs {
        projector: Some("kepegawaian".into()),
        all: false,
        verify: true,
        json: true,
    };
    let outcome = execute(&settings, &args, &mut |_, _| {}).await.unwrap();
    assert!(
        matches!(
            outcome[0],
            Outcome::Verified {
                identical: true,
                ..
            }
        ),
        "{:?}",
        outcome[0]
    );
    // The stored bytes were not rewritten.
    let stored: Value =
        sqlx::query_scalar("select payload from events where aggregate_id = $1 and sequence = 1")
            .bind(nip)
            .fetch_one(&app.db.eventstore)
            .await
            .unwrap();
    assert_eq!(stored["PegawaiDidaftarkan"]["pangkat"], "");
    app.stop().await;
}
