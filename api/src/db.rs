//! Creating, migrating and connecting the databases: the event store and one read database
//! per module (DESIGN §2, §4). A URL may point at a schema (`-c search_path=`); the schema is
//! created like a database would be.

use std::collections::HashMap;

use anyhow::Context;
use sekretariat_projections::migrate::{self, Module};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, PgPool};

use crate::config::{DatabaseConfig, search_path_of};

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Creates the database (and schema) `options` points at, if missing.
///
/// # Errors
/// When the server cannot be reached or the login may not create databases.
pub async fn ensure_database(options: &PgConnectOptions) -> anyhow::Result<()> {
    let name = options.get_database().unwrap_or("postgres").to_string();
    let mut conn = match options.connect().await {
        Ok(c) => c,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("3D000") => {
            let mut admin = options
                .clone()
                .database("postgres")
                .connect()
                .await
                .with_context(|| format!("connecting to the server to create database {name}"))?;
            match admin
                .execute(format!("create database {}", quote_ident(&name)).as_str())
                .await
            {
                Ok(_) => tracing::info!(database = %name, "database created"),
                // Created concurrently by another process: fine.
                Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
                Err(e) => return Err(e).with_context(|| format!("creating database {name}")),
            }
            admin.close().await.ok();
            options
                .connect()
                .await
                .with_context(|| format!("connecting to {name}"))?
        }
        Err(e) => return Err(e).with_context(|| format!("connecting to database {name}")),
    };
    if let Some(schema) = search_path_of(options) {
        conn.execute(format!("create schema if not exists {}", quote_ident(&schema)).as_str())
            .await
            .with_context(|| format!("creating schema {schema}"))?;
    }
    conn.close().await.ok();
    Ok(())
}

async fn owner_pool(options: &PgConnectOptions) -> anyhow::Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await?)
}

/// Creates what is missing and runs every database's migrations.
///
/// # Errors
/// The first failure, naming the database.
pub async fn migrate_all(config: &DatabaseConfig) -> anyhow::Result<()> {
    ensure_database(&config.eventstore).await?;
    let pool = owner_pool(&config.eventstore).await?;
    sekretariat_commands::store::migrate(&pool)
        .await
        .context("migrating the event store")?;
    pool.close().await;
    for m in Module::ALL {
        let opts = config.module(m);
        ensure_database(opts).await?;
        let pool = owner_pool(opts).await?;
        migrate::migrate(m, &pool)
            .await
            .with_context(|| format!("migrating db_{}", m.name()))?;
        pool.close().await;
    }
    Ok(())
}

/// The pools a running server uses.
pub struct Pools {
    /// Application role: reads and appends, cannot change events.
    pub eventstore: PgPool,
    /// Per module, as `sekretariat_read`: the API's queries, under row-level security.
    pub read: HashMap<Module, PgPool>,
    /// Per module, as the owner: the projectors (the only writers of read models).
    pub write: HashMap<Module, PgPool>,
}

/// Connects every pool.
///
/// # Errors
/// The first database that cannot be reached.
pub async fn connect(config: &DatabaseConfig) -> anyhow::Result<Pools> {
    let eventstore = sekretariat_commands::store::connect_app_pool(config.eventstore.clone(), 16)
        .await
        .context("connecting to the event store as the application role")?;
    let mut read = HashMap::new();
    let mut write = HashMap::new();
    for m in Module::ALL {
        let pool = sekretariat_projections::scope::connect_read_pool(config.module(m).clone(), 8)
            .await
            .with_context(|| format!("connecting to db_{} as the read role", m.name()))?;
        read.insert(m, pool);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(config.module(m).clone())
            .await
            .with_context(|| format!("connecting to db_{}", m.name()))?;
        write.insert(m, pool);
    }
    Ok(Pools {
        eventstore,
        read,
        write,
    })
}

/// Whether the event store holds no event yet.
///
/// # Errors
/// Database errors.
pub async fn store_is_empty(eventstore: &PgPool) -> anyhow::Result<bool> {
    let any: bool = sqlx::query_scalar("select exists (select 1 from events)")
        .fetch_one(eventstore)
        .await?;
    Ok(!any)
}

/// Quick check used by tooling: can this URL be reached at all?
///
/// # Errors
/// Connection errors.
pub async fn ping(options: &PgConnectOptions) -> anyhow::Result<()> {
    let mut c = PgConnection::connect_with(options).await?;
    c.ping().await?;
    c.close().await?;
    Ok(())
}
