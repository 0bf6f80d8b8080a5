//! Rebuild speed of the kepegawaian read model (issue 4, item 2).
//!
//! ```sh
//! cargo bench -p sekretariat-projections --bench rebuild
//! SEKRETARIAT_BENCH_EVENTS=200000 cargo bench -p sekretariat-projections --bench rebuild
//! ```
//!
//! Creates its own schemas in database `sekretariat_test` on the server named by
//! `SEKRETARIAT_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`), generates N
//! pegawai events (default 1,000,000: one registration in ten, the rest changes of data
//! pribadi, pangkat, jabatan, unit and a few mutasi), then times
//! [`rebuild::rebuild`] of the kepegawaian module (median of three runs, each with the CPU time of
//! this process and of PostgreSQL) and,
//! for comparison, the batched and the per-event path (the runtime's default `apply_batch`, one
//! `apply` per event) through the live runner on a sample of the first 20,000 events
//! (`SEKRETARIAT_BENCH_SAMPLE`). Generation is timed separately. Its schemas are dropped at
//! the end. `harness = false`, so `cargo test` neither builds nor runs it.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use sekretariat_domain::master::jabatan::JenisJabatan;
use sekretariat_domain::pegawai::events::{JabatanMutasi, PegawaiEvent};
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::{Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId};
use sekretariat_projections::kepegawaian::{self, KepegawaianProjector};
use sekretariat_projections::migrate::{self, Module};
use sekretariat_projections::rebuild::{self, Outcome, REBUILD_BATCH, RebuildTarget};
use sekretariat_projections::runtime::{
    ProjectionError, Projector, ProjectorRunner, RunnerOptions, StoredEvent, position_of,
};
use serde_json::json;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgConnection, PgPool};
use time::{Date, Duration, Month};
use uuid::Uuid;

/// The allocator of the `sekretariat` binary, which runs `replay rebuild`: measured here, it
/// makes the rebuild about a fifth faster than the system allocator (fewer page faults and
/// cross-thread frees: batches are read on one thread and dropped on another).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common {
    pub mod cpu;
    pub mod db;
}
use common::cpu::{postgres_cpu, process_cpu};
use common::db::{drop_schemas, owner_pool, schema_options, server, unique_prefix};

/// The event store's own migrations (the commands crate runs the same folder).
static EVENTSTORE: Migrator = sqlx::migrate!("../eventstore-migrations");

/// Events of the comparison between the batched and the per-event path
/// (`SEKRETARIAT_BENCH_SAMPLE` to change; the per-event path runs a few hundred events/s).
const SAMPLE: usize = 20_000;
/// Events per generating transaction.
const CHUNK: usize = 10_000;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> Result<(), BoxError> {
    let n: usize = match std::env::var("SEKRETARIAT_BENCH_EVENTS") {
        Ok(v) => v.parse()?,
        Err(_) => 1_000_000,
    };
    let base = server()?;
    let owner = owner_pool(&base).await?;
    let prefix = unique_prefix("bench");
    let schemas = [
        format!("{prefix}_eventstore"),
        format!("{prefix}_kepegawaian"),
        format!("{prefix}_batch"),
        format!("{prefix}_perevent"),
    ];
    for s in &schemas {
        owner.execute(format!("create schema {s}").as_str()).await?;
    }
    let result = bench(&base, &schemas, n).await;
    // A rebuild that failed midway leaves its scratch schema beside the live one: the prefix
    // catches it too.
    let dropped = drop_schemas(&owner, &prefix).await;
    owner.close().await;
    result?;
    Ok(dropped?)
}

async fn bench(base: &PgConnectOptions, schemas: &[String; 4], n: usize) -> Result<(), BoxError> {
    let [eventstore, live, batch_schema, per_event_schema] = schemas;
    let source = PgPoolOptions::new()
        .max_connections(rebuild::SOURCE_CONNECTIONS)
        .connect_with(schema_options(base, eventstore))
        .await?;
    EVENTSTORE.run(&source).await?;
    let live_options = schema_options(base, live);
    let live_pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(live_options.clone())
        .await?;
    migrate::migrate(Module::Kepegawaian, &live_pool).await?;
    live_pool.close().await;

    println!("rebuild bench: {n} pegawai events, REBUILD_BATCH = {REBUILD_BATCH}");
    let started = Instant::now();
    let expected = generate(&source, n).await?;
    let generated = started.elapsed().as_secs_f64();
    sqlx::query("analyze events").execute(&source).await?;
    println!(
        "generated: {n} events ({} pegawai, {} riwayat pangkat, {} riwayat jabatan) in {generated:.1} s (not counted)",
        expected.pegawai, expected.pangkat, expected.jabatan
    );

    // The rebuild as `sekretariat replay rebuild kepegawaian` runs it: every projector of the
    // module (the API's `startup::projectors()` lists the same two). Rates are of stored
    // events: each is read once and fed to both.
    let target = RebuildTarget {
        module: Module::Kepegawaian,
        options: live_options.clone(),
        projectors: vec![
            Arc::new(KepegawaianProjector),
            Arc::new(sekretariat_projections::usul_kp::UsulKpProjector),
        ],
        batch_size: REBUILD_BATCH,
    };
    let runs = 3;
    let mut rates = Vec::new();
    for run in 1..=runs {
        let (cpu_before, pg_before) = (process_cpu(), postgres_cpu());
        match rebuild::rebuild(&source, &target, &mut |_| {}).await? {
            Outcome::Swapped { seconds, .. } => {
                let events = n as u64;
                let events_per_second = n as f64 / seconds;
                let (cpu, pg) = (process_cpu() - cpu_before, postgres_cpu() - pg_before);
                println!(
                    "rebuild run {run}: {events} events in {seconds:.2} s = {events_per_second:.0} events/s (CPU: this process {cpu:.1} s, PostgreSQL {pg:.1} s)"
                );
                rates.push((events, seconds, events_per_second));
            }
            other => return Err(format!("unexpected outcome {other:?}").into()),
        }
        check(&live_options, &expected).await?;
    }
    rates.sort_by(|a, b| a.2.total_cmp(&b.2));
    let (events, seconds, rate) = rates[rates.len() / 2];
    println!("rebuild (median of {runs}): {events} events, {seconds:.2} s, {rate:.0} events/s");

    // The same code through the runner's default per-event path, on a sample.
    let sample = match std::env::var("SEKRETARIAT_BENCH_SAMPLE") {
        Ok(v) => v.parse()?,
        Err(_) => SAMPLE,
    }
    .min(n);
    let until = position_of(&source, sample_end(&source, sample).await?)
        .await?
        .ok_or("sample end missing")?;
    let batched = timed_catch_up(
        &source,
        &schema_options(base, batch_schema),
        Arc::new(KepegawaianProjector),
        until,
    )
    .await?;
    let per_event = timed_catch_up(
        &source,
        &schema_options(base, per_event_schema),
        Arc::new(PerEvent(KepegawaianProjector)),
        until,
    )
    .await?;
    println!(
        "sample of {sample} events: batched {:.0} events/s, per-event {:.0} events/s ({:.1}x)",
        batched,
        per_event,
        batched / per_event
    );
    source.close().await;
    Ok(())
}

/// The `global_position` of the `count`th event in read order.
async fn sample_end(source: &PgPool, count: usize) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select global_position from events order by tx_id, global_position offset $1 limit 1",
    )
    .bind(count as i64 - 1)
    .fetch_one(source)
    .await
}

/// Catches a projector up to `until` into a freshly migrated schema; events per second.
async fn timed_catch_up(
    source: &PgPool,
    options: &PgConnectOptions,
    projector: Arc<dyn Projector>,
    until: sekretariat_projections::runtime::Position,
) -> Result<f64, BoxError> {
    let target = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options.clone())
        .await?;
    migrate::migrate(Module::Kepegawaian, &target).await?;
    let runner = ProjectorRunner::new(
        projector,
        source.clone(),
        target.clone(),
        RunnerOptions {
            batch_size: REBUILD_BATCH,
            ..RunnerOptions::default()
        },
    );
    let started = Instant::now();
    let done = runner.catch_up_until(Some(until), &mut |_| {}).await?;
    let rate = done as f64 / started.elapsed().as_secs_f64();
    target.close().await;
    Ok(rate)
}

/// The kepegawaian projector seen only through `apply`: the runtime's default `apply_batch`
/// then calls it once per event, as every projector did before batching.
struct PerEvent(KepegawaianProjector);

#[async_trait]
impl Projector for PerEvent {
    fn name(&self) -> &str {
        kepegawaian::NAME
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        self.0.apply(conn, e).await
    }
}

/// What the generated events must produce.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    pegawai: i64,
    pangkat: i64,
    jabatan: i64,
}

async fn check(options: &PgConnectOptions, expected: &Expected) -> Result<(), BoxError> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    let (pegawai, pangkat, jabatan): (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from pegawai), (select count(*) from riwayat_pangkat),
                (select count(*) from riwayat_jabatan)",
    )
    .fetch_one(&pool)
    .await?;
    pool.close().await;
    let got = Expected {
        pegawai,
        pangkat,
        jabatan,
    };
    if &got != expected {
        return Err(format!("rebuilt model {got:?}, expected {expected:?}").into());
    }
    Ok(())
}

/// splitmix64: a deterministic generator, so every run benches the same events.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMA: [&str; 8] = [
    "Ahmad Fauzi",
    "Siti Rahmawati",
    "Budi Santoso",
    "Dewi Lestari",
    "Muhammad Rizki",
    "Nur Aini",
    "Hendra Gunawan",
    "Putri Maharani",
];
const KOTA: [&str; 6] = [
    "Bekasi",
    "Bandung",
    "Garut",
    "Bogor",
    "Cirebon",
    "Tasikmalaya",
];
const JABATAN: [(&str, JenisJabatan, KelompokBup); 5] = [
    (
        "Analis Perkara Peradilan",
        JenisJabatan::Pelaksana,
        KelompokBup::AdministrasiDanAhliPertamaMuda,
    ),
    (
        "Panitera Pengganti",
        JenisJabatan::Fungsional,
        KelompokBup::KepaniteraanKesekretariatan,
    ),
    (
        "Hakim",
        JenisJabatan::Fungsional,
        KelompokBup::HakimPengadilanAgama,
    ),
    (
        "Kepala Subbagian Umum dan Keuangan",
        JenisJabatan::Struktural,
        KelompokBup::AdministrasiDanAhliPertamaMuda,
    ),
    (
        "Pranata Komputer",
        JenisJabatan::Fungsional,
        KelompokBup::AdministrasiDanAhliPertamaMuda,
    ),
];
const UNIT: [&str; 5] = [
    "Kepaniteraan Gugatan",
    "Kepaniteraan Permohonan",
    "Kepaniteraan Hukum",
    "Subbagian Umum dan Keuangan",
    "Subbagian Kepegawaian",
];

fn uuid_of(kind: u128, i: usize) -> Uuid {
    Uuid::from_u128((kind << 64) | i as u128)
}

fn date(y: i32, m: u8, d: u8) -> Result<Date, BoxError> {
    Ok(Date::from_calendar_date(y, Month::try_from(m)?, d)?)
}

/// One pegawai's state in the generator: what the next event's sequence and golongan are.
struct Person {
    nip: String,
    sequence: i64,
    golongan: usize,
}

/// Appends `n` events: every tenth registers a new pegawai, the others change a random
/// registered one. Written in chunks of [`CHUNK`] rows, one `unnest` insert per chunk.
async fn generate(source: &PgPool, n: usize) -> Result<Expected, BoxError> {
    let mut rng = Rng(0x5eed);
    let ruang = Golongan::semua_ruang();
    let satker = SatkerId::parse("W13-A99").map_err(|e| format!("{e:?}"))?;
    let tmt = date(2020, 3, 1)?;
    let mut people: Vec<Person> = Vec::with_capacity(n / 10 + 1);
    let mut expected = Expected::default();
    let mut chunk = Chunk::default();
    for k in 0..n {
        let register = k.is_multiple_of(10) || people.is_empty();
        let (i, event, command) = if register {
            let i = people.len();
            // 18 digits, unique per pegawai (the store checks only the format when reading).
            let nip = format!("19700101{i:010}");
            let golongan = 4 + rng.below(8);
            let (jabatan_nama, jenis_jabatan, kelompok_bup) = JABATAN[rng.below(JABATAN.len())];
            let unit = rng.below(UNIT.len());
            let event = PegawaiEvent::PegawaiDidaftarkan {
                nip: Nip::parse_any(&nip).map_err(|e| format!("{e:?}"))?,
                nama: NAMA[rng.below(NAMA.len())].to_string(),
                gelar_depan: None,
                gelar_belakang: Some("S.H.".into()),
                tempat_lahir: KOTA[rng.below(KOTA.len())].to_string(),
                tanggal_lahir: date(1970 + (i % 28) as i32, 1, 1)?,
                jenis_kelamin: if i.is_multiple_of(2) {
                    JenisKelamin::L
                } else {
                    JenisKelamin::P
                },
                jenis_pegawai: JenisPegawai::Pns,
                golongan: ruang[golongan],
                pangkat: ruang[golongan].pangkat().map(str::to_string),
                tmt_golongan: tmt,
                jabatan_id: uuid_of(1, rng.below(JABATAN.len())),
                jabatan_nama: jabatan_nama.to_string(),
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan: tmt,
                unit_kerja_id: uuid_of(2, unit),
                unit_kerja_nama: UNIT[unit].to_string(),
                satker_id: satker.clone(),
                pendidikan_terakhir: Pendidikan::S1,
                tmt_cpns: Some(date(2019, 3, 1)?),
                tmt_pns: Some(tmt),
                tmt_pppk: None,
            };
            people.push(Person {
                nip,
                sequence: 0,
                golongan,
            });
            expected.pegawai += 1;
            expected.pangkat += 1;
            expected.jabatan += 1;
            (i, event, "pegawai.daftarkan")
        } else {
            let i = rng.below(people.len());
            let day = tmt + Duration::days(rng.below(2000) as i64);
            let roll = rng.below(100);
            let event = if roll < 30 {
                PegawaiEvent::DataPribadiPegawaiDiubah {
                    nama: NAMA[rng.below(NAMA.len())].to_string(),
                    gelar_depan: roll.is_multiple_of(2).then(|| "Dr.".to_string()),
                    gelar_belakang: Some("S.H., M.H.".into()),
                    tempat_lahir: KOTA[rng.below(KOTA.len())].to_string(),
                    pendidikan_terakhir: Pendidikan::S2,
                }
            } else if roll < 55 {
                let p = &mut people[i];
                let before = ruang[p.golongan];
                p.golongan = (p.golongan + 1).min(ruang.len() - 1);
                let golongan = ruang[p.golongan];
                expected.pangkat += 1;
                PegawaiEvent::PangkatPegawaiDicatat {
                    golongan,
                    pangkat: golongan.pangkat().map(str::to_string),
                    tmt_golongan: day,
                    golongan_sebelumnya: before,
                }
            } else if roll < 75 {
                let j = rng.below(JABATAN.len());
                let (jabatan_nama, jenis_jabatan, kelompok_bup) = JABATAN[j];
                expected.jabatan += 1;
                PegawaiEvent::JabatanPegawaiDicatat {
                    jabatan_id: uuid_of(1, j),
                    jabatan_nama: jabatan_nama.to_string(),
                    jenis_jabatan,
                    kelompok_bup,
                    tmt_jabatan: day,
                }
            } else if roll < 95 {
                let u = rng.below(UNIT.len());
                PegawaiEvent::UnitKerjaPegawaiDipindahkan {
                    unit_kerja_id: uuid_of(2, u),
                    unit_kerja_nama: UNIT[u].to_string(),
                }
            } else {
                let u = rng.below(UNIT.len());
                let j = rng.below(JABATAN.len());
                let (jabatan_nama, jenis_jabatan, kelompok_bup) = JABATAN[j];
                expected.jabatan += 1;
                PegawaiEvent::PegawaiMutasiInternal {
                    nomor_sk: format!("W13-A99/{k}/KP.04.6/2026"),
                    tanggal_sk: day,
                    tmt: day,
                    unit_kerja_asal_id: uuid_of(2, 0),
                    unit_kerja_id: Some(uuid_of(2, u)),
                    unit_kerja_nama: Some(UNIT[u].to_string()),
                    jabatan: Some(JabatanMutasi {
                        jabatan_id: uuid_of(1, j),
                        jabatan_nama: jabatan_nama.to_string(),
                        jenis_jabatan,
                        kelompok_bup,
                    }),
                }
            };
            (i, event, "pegawai.ubah")
        };
        let person = &mut people[i];
        person.sequence += 1;
        chunk.push(&person.nip, person.sequence, &event, command, k)?;
        if chunk.len() == CHUNK {
            chunk.write(source).await?;
        }
    }
    if chunk.len() > 0 {
        chunk.write(source).await?;
    }
    Ok(expected)
}

/// Column-wise rows of one generating insert.
#[derive(Default)]
struct Chunk {
    aggregate_id: Vec<String>,
    sequence: Vec<i64>,
    event_type: Vec<String>,
    event_version: Vec<String>,
    payload: Vec<String>,
    metadata: Vec<String>,
}

impl Chunk {
    fn len(&self) -> usize {
        self.aggregate_id.len()
    }

    fn push(
        &mut self,
        nip: &str,
        sequence: i64,
        event: &PegawaiEvent,
        command: &str,
        k: usize,
    ) -> Result<(), BoxError> {
        use cqrs_es::DomainEvent;
        self.aggregate_id.push(nip.to_string());
        self.sequence.push(sequence);
        self.event_type.push(event.event_type());
        self.event_version.push(event.event_version());
        self.payload.push(serde_json::to_string(event)?);
        // What a command through the API stores (DESIGN §3): who, from where, which request.
        self.metadata.push(
            json!({
                "command_id": Uuid::from_u128(k as u128).to_string(),
                "command": command,
                "user_id": "3f6c1a9e-2b7d-4c41-9e8a-5d0b7c2e1f40",
                "user_name": "Admin Kepegawaian",
                "roles": "admin,kepegawaian",
                "satker_id": "W13-A99",
                "ip": "10.13.1.25",
                "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
                "request_id": Uuid::from_u128(k as u128 + 1).to_string(),
            })
            .to_string(),
        );
        Ok(())
    }

    async fn write(&mut self, source: &PgPool) -> Result<(), sqlx::Error> {
        let c = std::mem::take(self);
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
             select 'pegawai', a, s, t, v, p::jsonb, m::jsonb
               from unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
                    as u(a, s, t, v, p, m)",
        )
        .bind(c.aggregate_id)
        .bind(c.sequence)
        .bind(c.event_type)
        .bind(c.event_version)
        .bind(c.payload)
        .bind(c.metadata)
        .execute(source)
        .await?;
        Ok(())
    }
}
