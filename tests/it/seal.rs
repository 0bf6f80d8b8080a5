//! Issue 4: tamper evidence. The sealer chains a hash over the events; `replay verify` names
//! exactly the event whose stored bytes were changed behind the application's back.

use std::time::Duration;

use sekretariat_api::config::Settings;
use sekretariat_api::replay::verify::{check, describe};
use sekretariat_projections::runtime::wait_for_position;
use sekretariat_projections::seal::Break;
use sekretariat_tests::app::TestApp;

fn settings(app: &TestApp) -> Settings {
    Settings {
        databases: app.db.config.clone(),
        ..Settings::from_vars(&Default::default()).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_one_event_whose_payload_was_edited_by_a_superuser() {
    let app = TestApp::spawn().await;
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    let last = summary.last_position.unwrap();
    let sealed = wait_for_position(
        &app.db.eventstore,
        &app.db.eventstore,
        "sealer",
        last,
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    assert_eq!(sealed, Some(true));
    let stored: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();

    let report = check(&settings(&app)).await.unwrap();
    assert_eq!(report.first_break, None, "{}", describe(&report));
    assert_eq!(report.checked, stored);

    // A superuser (the migration owner here) edits one pegawai's registration: the Ketua's
    // golongan quietly becomes IV/e.
    let target: (i64, String) = sqlx::query_as(
        "select global_position, aggregate_id from events
          where aggregate_type = 'pegawai' and aggregate_id = '197003142000031002' and sequence = 1",
    )
    .fetch_one(&app.db.eventstore_owner)
    .await
    .unwrap();
    sqlx::query(
        "update events set payload = jsonb_set(payload, '{PegawaiDidaftarkan,golongan}', '\"IV/e\"')
          where global_position = $1",
    )
    .bind(target.0)
    .execute(&app.db.eventstore_owner)
    .await
    .unwrap();

    let report = check(&settings(&app)).await.unwrap();
    match &report.first_break {
        Some(Break::Altered {
            global_position,
            aggregate_type,
            aggregate_id,
            sequence,
            ..
        }) => {
            assert_eq!(*global_position, target.0);
            assert_eq!(
                (aggregate_type.as_str(), aggregate_id.as_str(), *sequence),
                ("pegawai", "197003142000031002", 1)
            );
        }
        other => panic!("expected the edited event, got {other:?}"),
    }
    assert!(describe(&report).contains(&format!("global position {}", target.0)));
    let before: i64 = sqlx::query_scalar("select count(*) from events where global_position < $1")
        .bind(target.0)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(
        report.checked, before,
        "every event before it still matches"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_notices_a_sealed_event_that_was_deleted() {
    let app = TestApp::spawn().await;
    let summary = sekretariat_api::demo::load(&app.bus).await.unwrap();
    let last = summary.last_position.unwrap();
    wait_for_position(
        &app.db.eventstore,
        &app.db.eventstore,
        "sealer",
        last,
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    let victim: i64 = sqlx::query_scalar(
        "select global_position from events where aggregate_type = 'jabatan' limit 1",
    )
    .fetch_one(&app.db.eventstore_owner)
    .await
    .unwrap();
    sqlx::query("delete from events where global_position = $1")
        .bind(victim)
        .execute(&app.db.eventstore_owner)
        .await
        .unwrap();
    let report = check(&settings(&app)).await.unwrap();
    assert!(
        matches!(report.first_break, Some(Break::Missing { global_position, .. }) if global_position == victim),
        "{report:?}"
    );
    app.stop().await;
}

/// The application role may add seals, never change or remove them.
#[tokio::test]
async fn the_application_role_cannot_change_or_remove_seals() {
    let db = sekretariat_tests::db::TestDatabases::new().await;
    sqlx::query("insert into event_seals (chain_index, global_position, seal) values (1, 1, 'x')")
        .execute(&db.eventstore)
        .await
        .unwrap();
    for sql in [
        "update event_seals set seal = 'y'",
        "delete from event_seals",
    ] {
        let err = sqlx::query(sql).execute(&db.eventstore).await.unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{sql}: {err}"
        );
    }
    db.drop_schemas().await;
}
