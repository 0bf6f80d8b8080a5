//! The event store database: connecting as the application role and migrating as the owner.

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

/// The role the application appends as: it may read and insert events, never update or delete
/// them (created by the event store migration).
pub const APP_ROLE: &str = "sekretariat_app";

static MIGRATOR: Migrator = sqlx::migrate!("../eventstore-migrations");

/// Runs the event store migrations. Needs the owner, not the application role.
///
/// # Errors
/// When a migration fails or an applied one was edited.
pub async fn migrate(owner_pool: &PgPool) -> Result<(), MigrateError> {
    MIGRATOR.run(owner_pool).await
}

/// A pool on the event store whose connections all run as [`APP_ROLE`].
///
/// # Errors
/// When the database cannot be reached or the login role may not `SET ROLE` to the app role.
pub async fn connect_app_pool(
    options: PgConnectOptions,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(format!("set role {APP_ROLE}").as_str())
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
}

/// An event store for aggregate `A` over `pool`, reading old event shapes through the domain's
/// upcasters. Every load on the write side goes through one of these.
pub fn event_store<A: cqrs_es::Aggregate>(
    pool: &PgPool,
) -> cqrs_es::persist::PersistedEventStore<postgres_es::PostgresEventRepository, A> {
    cqrs_es::persist::PersistedEventStore::new_event_store(
        postgres_es::PostgresEventRepository::new(pool.clone()),
    )
    .with_upcasters(sekretariat_domain::upcast::upcasters())
}
