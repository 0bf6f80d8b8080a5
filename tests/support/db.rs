//! Per-test schemas with migrations applied.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sekretariat_api::config::DatabaseConfig;
use sekretariat_projections::migrate::Module;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};
use tokio::sync::OnceCell;

/// The server every test uses; a database `sekretariat_test` is created on it once.
pub fn server_url() -> String {
    std::env::var("SEKRETARIAT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

const TEST_DB: &str = "sekretariat_test";

static READY: OnceCell<()> = OnceCell::const_new();

fn base_options() -> PgConnectOptions {
    PgConnectOptions::from_str(&server_url()).expect("SEKRETARIAT_TEST_DATABASE_URL")
}

/// Creates the test database if needed and sweeps schemas of runs that died.
async fn prepare() {
    READY
        .get_or_init(|| async {
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(base_options().database("postgres"))
                .await
                .expect("PostgreSQL must be running on 127.0.0.1:5432 (see README)");
            let exists: bool =
                sqlx::query_scalar("select exists (select from pg_database where datname = $1)")
                    .bind(TEST_DB)
                    .fetch_one(&admin)
                    .await
                    .unwrap();
            if !exists {
                // Two test binaries may race here; the loser's error is harmless.
                let _ = admin
                    .execute(format!("create database {TEST_DB}").as_str())
                    .await;
            }
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(base_options().database(TEST_DB))
                .await
                .unwrap();
            let cutoff = now_secs() - 3600;
            let stale: Vec<String> = sqlx::query_scalar(
                "select nspname from pg_namespace where nspname ~ '^t[0-9]+_[a-z0-9]+_[a-z]+$'",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            for s in stale {
                let born: i64 = s[1..]
                    .split('_')
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(i64::MAX);
                if born < cutoff {
                    let _ = pool
                        .execute(format!("drop schema if exists {s} cascade").as_str())
                        .await;
                }
            }
        })
        .await;
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// One test's databases: a schema per module, migrated, plus pools on them.
pub struct TestDatabases {
    pub config: DatabaseConfig,
    /// Owner pool on the event store schema (can do what the application role cannot).
    pub eventstore_owner: PgPool,
    /// Application-role pool on the event store schema.
    pub eventstore: PgPool,
    pub modules: HashMap<Module, PgPool>,
    pub prefix: String,
}

fn schema_options(schema: &str) -> PgConnectOptions {
    base_options()
        .database(TEST_DB)
        .options([("search_path", schema)])
}

impl TestDatabases {
    /// Fresh schemas for every module, migrated.
    pub async fn new() -> Self {
        prepare().await;
        let prefix = format!(
            "t{}_{}",
            now_secs(),
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(base_options().database(TEST_DB))
            .await
            .unwrap();
        let mut names = vec!["eventstore"];
        names.extend(Module::ALL.iter().map(|m| m.name()));
        for n in &names {
            admin
                .execute(format!("create schema {prefix}_{n}").as_str())
                .await
                .unwrap();
        }
        admin.close().await;

        let eventstore_opts = schema_options(&format!("{prefix}_eventstore"));
        let eventstore_owner = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(eventstore_opts.clone())
            .await
            .unwrap();
        sekretariat_commands::store::migrate(&eventstore_owner)
            .await
            .unwrap();
        let eventstore = sekretariat_commands::store::connect_app_pool(eventstore_opts.clone(), 10)
            .await
            .unwrap();
        let mut modules = HashMap::new();
        let mut module_opts = HashMap::new();
        for m in Module::ALL {
            let opts = schema_options(&format!("{prefix}_{}", m.name()));
            let pool = PgPoolOptions::new()
                .max_connections(6)
                .connect_with(opts.clone())
                .await
                .unwrap();
            sekretariat_projections::migrate::migrate(m, &pool)
                .await
                .unwrap();
            modules.insert(m, pool);
            module_opts.insert(m, opts);
        }
        Self {
            config: DatabaseConfig {
                eventstore: eventstore_opts,
                modules: module_opts,
            },
            eventstore_owner,
            eventstore,
            modules,
            prefix,
        }
    }

    pub fn module(&self, m: Module) -> &PgPool {
        &self.modules[&m]
    }

    /// Drops this test's schemas. Call at the end of a test (a panicking test leaves them to
    /// the sweep).
    pub async fn drop_schemas(self) {
        self.eventstore.close().await;
        for p in self.modules.values() {
            p.close().await;
        }
        let mut names = vec!["eventstore".to_string()];
        names.extend(Module::ALL.iter().map(|m| m.name().to_string()));
        for n in names {
            let _ = self
                .eventstore_owner
                .execute(format!("drop schema if exists {}_{n} cascade", self.prefix).as_str())
                .await;
        }
        self.eventstore_owner.close().await;
    }
}
