//! The benches' database: schemas of their own in database `sekretariat_test` on the server
//! named by `SEKRETARIAT_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`),
//! the database the integration tests use, created when missing.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

pub const TEST_DB: &str = "sekretariat_test";

/// The server, from `SEKRETARIAT_TEST_DATABASE_URL`.
pub fn server() -> Result<PgConnectOptions, sqlx::Error> {
    let url = std::env::var("SEKRETARIAT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    PgConnectOptions::from_str(&url)
}

/// Connections to `schema` of the bench database.
pub fn schema_options(base: &PgConnectOptions, schema: &str) -> PgConnectOptions {
    base.clone()
        .database(TEST_DB)
        .options([("search_path", schema)])
}

/// A pool of one connection as the owner of the bench database, created first if missing.
pub async fn owner_pool(base: &PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone().database("postgres"))
        .await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select from pg_database where datname = $1)")
            .bind(TEST_DB)
            .fetch_one(&admin)
            .await?;
    if !exists {
        // A test binary may race here; the loser's error is harmless.
        let _ = admin
            .execute(format!("create database {TEST_DB}").as_str())
            .await;
    }
    admin.close().await;
    PgPoolOptions::new()
        .max_connections(1)
        .connect_with(base.clone().database(TEST_DB))
        .await
}

/// A name prefix no other run uses: `<kind><unix seconds>_<6 hex>`.
pub fn unique_prefix(kind: &str) -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{kind}{seconds}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..6]
    )
}

/// Drops every schema whose name starts with `prefix`: the bench's own, and any a failed
/// rebuild left beside them.
pub async fn drop_schemas(owner: &PgPool, prefix: &str) -> Result<(), sqlx::Error> {
    let schemas: Vec<String> = sqlx::query_scalar(
        "select nspname::text from pg_namespace where left(nspname, length($1)) = $1",
    )
    .bind(prefix)
    .fetch_all(owner)
    .await?;
    for s in schemas {
        owner
            .execute(format!("drop schema if exists \"{s}\" cascade").as_str())
            .await?;
    }
    Ok(())
}
