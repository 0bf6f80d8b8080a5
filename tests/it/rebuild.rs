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

/// The demo court plus a few dozen random changes, then waits until every projector has it.
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
    let mut last = 0;
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
