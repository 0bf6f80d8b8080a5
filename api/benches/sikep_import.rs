//! Speed of the SIKEP import (issue 5, item 6): `POST /api/v1/integration/sikep/pegawai` on the
//! real server, event store and projectors.
//!
//! ```sh
//! cargo bench -p sekretariat-api --bench sikep_import
//! SEKRETARIAT_BENCH_ROWS=10000 cargo bench -p sekretariat-api --bench sikep_import
//! ```
//!
//! Creates its own schemas in database `sekretariat_test` on the server named by
//! `SEKRETARIAT_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`), starts the
//! application on port 0 (two workers, its projectors running, a JWKS served over HTTP for a
//! generated key), loads the demo court for its master data, then imports N generated valid
//! rows (default 5,000) as one JSON request each time and prints wall time and rows/s of:
//!
//! 1. the first import (every row `created`),
//! 2. the same file again (every row `unchanged`, nothing appended),
//! 3. the file with every tenth row changed (tempat lahir and golongan: `updated`),
//! 4. that file as CSV (every row `unchanged`),
//! 5. N other new rows with an `Idempotency-Key` (`created`), and 6. that request retried
//!    (every row answered from the first, `replayed`);
//!
//! then, with the server and its projectors stopped, the baseline: N registrations straight
//! on the command bus, 8 in flight. `SEKRETARIAT_BENCH_BREAKDOWN=1` adds the same on the bus
//! while the projectors still run, and on pools without sqlx's ping before each acquire and
//! without TLS. Each line also gives the CPU seconds of this process (server
//! and client) and of every PostgreSQL process on the machine (other clients included: run it
//! on a quiet machine).
//!
//! Its schemas are dropped at the end. `harness = false`, so `cargo test` neither builds nor
//! runs it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::{App, HttpResponse, HttpServer, web};
use futures::StreamExt;
use sekretariat_api::auth::AuthConfig;
use sekretariat_api::auth::dev::{generate_rsa_key, jwks_from_public_key, sign_rs256};
use sekretariat_api::config::{DatabaseConfig, Settings};
use sekretariat_api::demo::demo_id;
use sekretariat_api::routes::pegawai::DaftarkanBody;
use sekretariat_api::startup::{Application, BuildOptions};
use sekretariat_commands::{CommandBus, CommandMetadata};
use sekretariat_domain::pegawai::commands::PegawaiCommand;
use sekretariat_projections::migrate::Module;
use serde_json::{Value, json};
use sqlx::Executor;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::{Date, Month};

/// The `sekretariat` binary's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../../projections/benches/common/cpu.rs"]
mod cpu;
#[path = "../../projections/benches/common/db.rs"]
mod db;
use cpu::{postgres_cpu, process_cpu};
use db::{drop_schemas, owner_pool, schema_options, server, unique_prefix};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const ISSUER: &str = "http://keycloak.bench/realms/sekretariat";
const AUDIENCE: &str = "sekretariat-api";
const KID: &str = "bench-key-1";
const COLUMNS: &[&str] = &[
    "nip",
    "nama",
    "gelar_depan",
    "gelar_belakang",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "jenis_pegawai",
    "golongan",
    "tmt_golongan",
    "jabatan_id",
    "tmt_jabatan",
    "unit_kerja_id",
    "satker_id",
    "pendidikan_terakhir",
    "tmt_cpns",
    "tmt_pns",
    "tmt_pppk",
];

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

fn schema_names(prefix: &str) -> Vec<String> {
    let mut names = vec![format!("{prefix}_eventstore")];
    names.extend(Module::ALL.iter().map(|m| format!("{prefix}_{}", m.name())));
    names
}

async fn run() -> Result<(), BoxError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let n: usize = match std::env::var("SEKRETARIAT_BENCH_ROWS") {
        Ok(v) => v.parse()?,
        Err(_) => 5_000,
    };
    if n > 10_000 {
        return Err("SEKRETARIAT_BENCH_ROWS: at most 10000 rows per request".into());
    }
    let base = server()?;
    let owner = owner_pool(&base).await?;
    let prefix = unique_prefix("benchsikep");
    for s in schema_names(&prefix) {
        owner.execute(format!("create schema {s}").as_str()).await?;
    }
    let result = bench(&base, &prefix, n).await;
    let dropped = drop_schemas(&owner, &prefix).await;
    owner.close().await;
    result?;
    Ok(dropped?)
}

/// Migrated schemas for the event store and every module.
async fn databases(base: &PgConnectOptions, prefix: &str) -> Result<DatabaseConfig, BoxError> {
    let eventstore = schema_options(base, &format!("{prefix}_eventstore"));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(eventstore.clone())
        .await?;
    sekretariat_commands::store::migrate(&pool).await?;
    pool.close().await;
    let mut modules = HashMap::new();
    for m in Module::ALL {
        let opts = schema_options(base, &format!("{prefix}_{}", m.name()));
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sekretariat_projections::migrate::migrate(m, &pool).await?;
        pool.close().await;
        modules.insert(m, opts);
    }
    Ok(DatabaseConfig {
        eventstore,
        modules,
    })
}

async fn serve_jwks(jwks: Value) -> Result<(String, actix_web::dev::ServerHandle), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        let jwks = jwks.clone();
        App::new().route(
            "/certs",
            web::get().to(move || {
                let jwks = jwks.clone();
                async move { HttpResponse::Ok().json(jwks) }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    Ok((format!("http://127.0.0.1:{port}/certs"), handle))
}

async fn bench(base: &PgConnectOptions, prefix: &str, n: usize) -> Result<(), BoxError> {
    let config = databases(base, prefix).await?;
    let eventstore = config.eventstore.clone();
    let (private_pem, public) = generate_rsa_key()?;
    let (jwks_url, jwks) = serve_jwks(jwks_from_public_key(&public, KID)).await?;
    let settings = Settings {
        databases: config,
        redis_url: None,
        auth: AuthConfig::new(jwks_url, ISSUER, AUDIENCE),
        dev_auth: false,
        listen: "127.0.0.1:0".parse()?,
        data_dir: std::env::temp_dir().join(format!("sekretariat-{prefix}")),
        ..Settings::from_vars(&Default::default())?
    };
    let app = Application::build(
        settings,
        BuildOptions {
            workers: Some(2),
            ..BuildOptions::default()
        },
    )
    .await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let bus = app.bus.clone();
    let server = tokio::spawn(app.run_until_stopped(false));
    sekretariat_api::demo::load(&bus).await?;

    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let token = sign_rs256(
        &private_pem,
        KID,
        &json!({
            "iss": ISSUER, "aud": AUDIENCE, "azp": "sekretariat-frontend",
            "sub": "bench", "preferred_username": "bench", "name": "Bench",
            "iat": now, "exp": now + 3600,
            "realm_access": { "roles": ["admin"] },
        }),
    )?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let url = format!("{address}/api/v1/integration/sikep/pegawai");

    println!("SIKEP import bench: {n} rows per request, 2 server workers, 8 rows in flight");
    let rows: Vec<Value> = (0..n).map(|i| row(i, 1)).collect();
    let json_body = serde_json::to_vec(&rows)?;
    println!(
        "  file: {:.1} MB as JSON, {:.1} MB as CSV",
        json_body.len() as f64 / 1e6,
        to_csv(&rows).len() as f64 / 1e6
    );
    let runs = Runs {
        client: &client,
        url: &url,
        token: &token,
        n,
    };
    runs.once(
        "first import (created)",
        "application/json",
        json_body.clone(),
        None,
        "created",
    )
    .await?;
    runs.once(
        "same file again (unchanged)",
        "application/json",
        json_body,
        None,
        "unchanged",
    )
    .await?;
    let changed: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            if i.is_multiple_of(10) {
                r["tempat_lahir"] = json!("Kota Baru");
                r["golongan"] = json!("III/b");
                r["tmt_golongan"] = json!("2024-04-01");
            }
            r
        })
        .collect();
    let updated = runs
        .once(
            "10% of the rows changed (updated)",
            "application/json",
            serde_json::to_vec(&changed)?,
            None,
            "updated",
        )
        .await?;
    if updated != n.div_ceil(10) {
        return Err(format!("expected {} updated rows, got {updated}", n.div_ceil(10)).into());
    }
    runs.once(
        "that file as CSV (unchanged)",
        "text/csv",
        to_csv(&changed).into_bytes(),
        None,
        "unchanged",
    )
    .await?;
    let keyed: Vec<Value> = (0..n).map(|i| row(i, 2)).collect();
    let keyed = serde_json::to_vec(&keyed)?;
    runs.once(
        "other rows with an Idempotency-Key (created)",
        "application/json",
        keyed.clone(),
        Some("bench-import-1"),
        "created",
    )
    .await?;
    runs.once(
        "that request retried (replayed)",
        "application/json",
        keyed,
        Some("bench-import-1"),
        "created",
    )
    .await?;
    let events: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(bus.pool())
        .await?;
    println!("  event store: {events} events");

    // The baseline: the same registrations straight on the command bus, 8 in flight, with the
    // server and its projectors stopped (what the import adds is HTTP, parsing, the
    // registered-NIP check and the projectors catching up at the same time).
    let breakdown = std::env::var("SEKRETARIAT_BENCH_BREAKDOWN").is_ok();
    if breakdown {
        bare_bus(&bus, n, "bare command bus, projectors running").await?;
    }
    handle.stop().await;
    let _ = server.await;
    jwks.stop(true).await;
    // New pools: connections the server's workers opened died with their runtimes.
    let clock = || std::sync::Arc::new(sekretariat_commands::ports::SystemClock);
    let pool = sekretariat_commands::store::connect_app_pool(eventstore.clone(), 16).await?;
    bare_bus(
        &CommandBus::new(pool, clock()),
        n,
        "bare command bus, no HTTP, no projectors",
    )
    .await?;
    if breakdown {
        // What two pool settings of `connect_app_pool` cost: sqlx pings a connection each
        // time it leaves the pool (`test_before_acquire`), and TLS on a loopback connection.
        let pool = experiment_pool(eventstore.clone()).await?;
        bare_bus(
            &CommandBus::new(pool, clock()),
            n,
            "  the same, pool without ping",
        )
        .await?;
        let no_tls = eventstore.ssl_mode(sqlx::postgres::PgSslMode::Disable);
        let pool = experiment_pool(no_tls).await?;
        bare_bus(
            &CommandBus::new(pool, clock()),
            n,
            "  the same, pool without ping nor TLS",
        )
        .await?;
    }
    Ok(())
}

/// `connect_app_pool` without the ping before each acquire.
async fn experiment_pool(options: PgConnectOptions) -> Result<sqlx::PgPool, BoxError> {
    Ok(PgPoolOptions::new()
        .max_connections(16)
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    format!("set role {}", sekretariat_commands::store::APP_ROLE).as_str(),
                )
                .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?)
}

async fn bare_bus(bus: &CommandBus, n: usize, what: &str) -> Result<(), BoxError> {
    let meta = CommandMetadata::system("bench.bare");
    static BATCH: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(3);
    let batch = BATCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let rows: Vec<Value> = (0..n).map(|i| row(i, batch)).collect();
    let started = Instant::now();
    let cpu_before = process_cpu();
    let pg_before = postgres_cpu();
    let done: Vec<Result<(), BoxError>> = futures::stream::iter(rows)
        .map(|r| {
            let meta = &meta;
            async move {
                let body: DaftarkanBody = serde_json::from_value(r)?;
                let data = body.try_into_domain().map_err(|p| p.to_string())?;
                let nip = data.nip.as_str().to_string();
                bus.execute(&bus.pegawai, &nip, PegawaiCommand::Daftarkan(data), meta)
                    .await?;
                Ok(())
            }
        })
        .buffered(8)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let cpu = process_cpu() - cpu_before;
    let pg = postgres_cpu() - pg_before;
    done.into_iter().collect::<Result<Vec<()>, _>>()?;
    println!(
        "  {:<46} {secs:>7.2} s {:>9.0} rows/s   cpu: bench {cpu:.1} s, postgres {pg:.1} s",
        what,
        n as f64 / secs,
    );
    Ok(())
}

struct Runs<'a> {
    client: &'a reqwest::Client,
    url: &'a str,
    token: &'a str,
    n: usize,
}

impl Runs<'_> {
    /// One timed request; checks that every row has `expected` (or `unchanged`, for the 90%
    /// of a partly changed file) and returns how many have `expected`.
    async fn once(
        &self,
        what: &str,
        content_type: &str,
        body: Vec<u8>,
        key: Option<&str>,
        expected: &str,
    ) -> Result<usize, BoxError> {
        let started = Instant::now();
        let cpu_before = process_cpu();
        let pg_before = postgres_cpu();
        let mut req = self
            .client
            .post(self.url)
            .bearer_auth(self.token)
            .header("content-type", content_type)
            .body(body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        let elapsed = started.elapsed();
        let cpu = process_cpu() - cpu_before;
        let pg = postgres_cpu() - pg_before;
        if !status.is_success() {
            return Err(format!("{what}: {status} {text}").into());
        }
        let answer: Value = serde_json::from_str(&text)?;
        let rows = answer["rows"].as_array().ok_or("no rows")?;
        if rows.len() != self.n {
            return Err(format!("{what}: {} rows answered", rows.len()).into());
        }
        if let Some(bad) = rows
            .iter()
            .find(|r| r["result"] != expected && r["result"] != "unchanged")
        {
            return Err(format!("{what}: unexpected row {bad}").into());
        }
        let count = rows.iter().filter(|r| r["result"] == expected).count();
        let secs = elapsed.as_secs_f64();
        println!(
            "  {what:<46} {secs:>7.2} s {:>9.0} rows/s   cpu: server+client {cpu:.1} s, postgres {pg:.1} s",
            self.n as f64 / secs,
        );
        println!("  {:<46} totals {}", "", answer["totals"]);
        Ok(count)
    }
}

/// Valid row `i` of batch `batch` (the NIP's last digits): a PNS analis perkara born on day `i`
/// after 1 Jan 1970, CPNS in March 25 years later; the NIP is built from those (DOMAIN §1).
fn row(i: usize, batch: u32) -> Value {
    let start = Date::from_calendar_date(1970, Month::January, 1).expect("date");
    let lahir = start + time::Duration::days(i as i64);
    let tahun_cpns = lahir.year() + 25;
    let laki = i.is_multiple_of(2);
    let nip = format!(
        "{:04}{:02}{:02}{tahun_cpns}03{}{batch:03}",
        lahir.year(),
        lahir.month() as u8,
        lahir.day(),
        if laki { 1 } else { 2 },
    );
    json!({
        "nip": nip,
        "nama": format!("Pegawai Uji {batch}-{i}"),
        "gelar_belakang": "S.H.",
        "tempat_lahir": "Sukamaju",
        "tanggal_lahir": format!("{:04}-{:02}-{:02}", lahir.year(), lahir.month() as u8, lahir.day()),
        "jenis_kelamin": if laki { "L" } else { "P" },
        "jenis_pegawai": "PNS",
        "golongan": "III/a",
        "tmt_golongan": format!("{tahun_cpns}-03-01"),
        "jabatan_id": demo_id("jabatan", "analis-perkara").to_string(),
        "tmt_jabatan": format!("{}-03-01", tahun_cpns + 1),
        "unit_kerja_id": demo_id("unit", "kepaniteraan").to_string(),
        "satker_id": "W13-A99",
        "pendidikan_terakhir": "S1",
        "tmt_cpns": format!("{tahun_cpns}-03-01"),
        "tmt_pns": format!("{}-03-01", tahun_cpns + 1),
    })
}

/// Rows as CSV with the full header (no cell here needs quoting).
fn to_csv(rows: &[Value]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let cells: Vec<&str> = COLUMNS
            .iter()
            .map(|c| r[*c].as_str().unwrap_or(""))
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}
