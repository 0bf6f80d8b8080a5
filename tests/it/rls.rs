//! Row-level security in the read databases, below the API: even raw SQL through the API's
//! read role sees only the scoped satker, and a forgotten scope sees nothing.

use sekretariat_projections::migrate::Module;
use sekretariat_projections::scope::{SatkerScope, begin_scoped, connect_read_pool};
use sekretariat_tests::db::TestDatabases;
use sqlx::Executor;

/// The scope's calendar day (nothing in these tests depends on it).
fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

async fn seed(db: &TestDatabases) {
    // As the owner (the projector's role), two satker's rows.
    db.module(Module::Master)
        .execute(
            "insert into satker (id, nama, version, last_position, updated_at) values
                ('W13-A1', 'PA A', 1, 1, now()), ('W13-A2', 'PA B', 1, 2, now());
             insert into unit_kerja (id, satker_id, nama, version, last_position, updated_at) values
                (gen_random_uuid(), 'W13-A1', 'Umum A', 1, 3, now()),
                (gen_random_uuid(), 'W13-A2', 'Umum B', 1, 4, now());",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn raw_sql_through_the_read_role_sees_only_the_scoped_satker() {
    let db = TestDatabases::new().await;
    seed(&db).await;
    let reader = connect_read_pool(db.config.module(Module::Master).clone(), 2)
        .await
        .unwrap();

    let mut tx = begin_scoped(&reader, &SatkerScope::One("W13-A1".into()), today())
        .await
        .unwrap();
    let units: Vec<String> = sqlx::query_scalar("select nama from unit_kerja order by nama")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(units, vec!["Umum A"]);
    let b: i64 = sqlx::query_scalar("select count(*) from satker where id = 'W13-A2'")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(b, 0, "satker B is invisible to A even when asked for by id");
    // The read role cannot write, nor switch the policy off.
    let write = sqlx::query("update unit_kerja set nama = 'x'")
        .execute(&mut *tx)
        .await;
    assert!(write.is_err(), "the read role must not write");
    drop(tx);

    let mut tx = begin_scoped(&reader, &SatkerScope::All, today())
        .await
        .unwrap();
    let all: i64 = sqlx::query_scalar("select count(*) from unit_kerja")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(all, 2);
    drop(tx);

    let mut tx = begin_scoped(&reader, &SatkerScope::Nothing, today())
        .await
        .unwrap();
    let none: i64 = sqlx::query_scalar("select count(*) from unit_kerja")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(none, 0);
    drop(tx);
    reader.close().await;
    db.drop_schemas().await;
}

#[tokio::test]
async fn a_forgotten_scope_returns_no_rows_rather_than_all_rows() {
    let db = TestDatabases::new().await;
    seed(&db).await;
    let reader = connect_read_pool(db.config.module(Module::Master).clone(), 1)
        .await
        .unwrap();
    // Never set on this connection...
    let n: i64 = sqlx::query_scalar("select count(*) from unit_kerja")
        .fetch_one(&reader)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // ...and set earlier on the same pooled connection, in a transaction that has ended.
    drop(
        begin_scoped(&reader, &SatkerScope::All, today())
            .await
            .unwrap(),
    );
    let n: i64 = sqlx::query_scalar("select count(*) from unit_kerja")
        .fetch_one(&reader)
        .await
        .unwrap();
    assert_eq!(
        n, 0,
        "the scope is transaction-local and does not leak to the next query"
    );
    let satker: i64 = sqlx::query_scalar("select count(*) from satker")
        .fetch_one(&reader)
        .await
        .unwrap();
    assert_eq!(satker, 0);
    reader.close().await;
    db.drop_schemas().await;
}
