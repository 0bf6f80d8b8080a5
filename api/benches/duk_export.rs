//! DUK export speed and memory (issue 5, item 5).
//!
//! ```sh
//! cargo bench -p sekretariat-api --bench duk_export
//! SEKRETARIAT_BENCH_ROWS=200000 cargo bench -p sekretariat-api --bench duk_export
//! ```
//!
//! Creates its own schema in database `sekretariat_test` on the server named by
//! `SEKRETARIAT_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`), runs the
//! kepegawaian read-model migrations there and generates N pegawai rows of one satker straight
//! into `pegawai` (`insert … select … from generate_series`; default N = 1,000,000; all PNS or
//! CPNS, so all N are DUK lines). Then, each in a child process of its own so that each peak
//! RSS (`VmHWM`) is its own:
//!
//! - **(a) the library alone**: the same N rows, first read into a `Vec` (not timed), written
//!   by rust_xlsxwriter in constant-memory mode, 14 cells a row with the same cell types and
//!   formats as the export, saved to a temporary file;
//! - **(b) the export as the endpoint runs it**: a read transaction as `sekretariat_read`
//!   under row-level security, [`duk::write_workbook`] (the DUK query streamed from the
//!   database, sorted there, batches through a bounded channel to the workbook writer on a
//!   blocking thread, saved to an unnamed temporary file), then the response the handler
//!   answers with ([`xlsx_download`]), its body read to the end (64 KiB chunks from the file).
//!   Only the HTTP layer itself (token check, socket) is not in it;
//! - and, for the record, (c) the DUK query alone, drained without writing.
//!
//! It prints rows/s of each, the ratio (b)/(a) in time, and each child's peak RSS; for (a)
//! also the RSS after loading the `Vec`, since the rows in memory are not the writer's. The
//! schema is dropped at the end. `harness = false`, so `cargo test` neither builds nor runs it.

use std::process::Command;
use std::time::Instant;

use actix_web::body::MessageBody;
use futures::TryStreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
use sekretariat_api::routes::audit::xlsx_download;
use sekretariat_api::routes::duk as duk_route;
use sekretariat_domain::values::Golongan;
use sekretariat_projections::duk::{self, DukEntry, DukParams};
use sekretariat_projections::kepegawaian::golongan_urutan;
use sekretariat_projections::migrate::{self, Module};
use sekretariat_projections::scope::{SatkerScope, begin_scoped, connect_read_pool};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};

/// The `sekretariat` binary's allocator, for both parts alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SATKER: &str = "W13-B01";
const TAHUN: i32 = 2026;
/// Rows per generating statement.
const CHUNK: i64 = 250_000;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    match std::env::var("DUK_BENCH_PART").as_deref() {
        Ok("library") => rt.block_on(library()),
        Ok("endpoint") => rt.block_on(endpoint()),
        _ => rt.block_on(run()),
    }
}

#[path = "../../projections/benches/common/db.rs"]
mod db;
use db::{drop_schemas, owner_pool, schema_options, server, unique_prefix};

/// `VmHWM` (peak RSS) and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

// ---- the parent: data, children, summary ----

async fn run() -> Result<(), BoxError> {
    let n: i64 = match std::env::var("SEKRETARIAT_BENCH_ROWS") {
        Ok(v) => v.parse()?,
        Err(_) => 1_000_000,
    };
    let owner = owner_pool(&server()?).await?;
    let schema = unique_prefix("dukbench");
    owner
        .execute(format!("create schema {schema}").as_str())
        .await?;
    let result = bench(&schema, n).await;
    let dropped = drop_schemas(&owner, &schema).await;
    owner.close().await;
    result?;
    Ok(dropped?)
}

async fn bench(schema: &str, n: i64) -> Result<(), BoxError> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(schema_options(&server()?, schema))
        .await?;
    migrate::migrate(Module::Kepegawaian, &pool).await?;
    println!("DUK export bench: {n} pegawai rows in one satker, schema {schema}");
    let started = Instant::now();
    generate(&pool, n).await?;
    sqlx::query("analyze pegawai").execute(&pool).await?;
    println!(
        "generated: {n} rows in {:.1} s (not counted)",
        started.elapsed().as_secs_f64()
    );
    pool.close().await;

    let a = child("library", schema)?;
    let b = child("endpoint", schema)?;
    let (a_rows, a_secs) = (a.get("rows")?, a.get("seconds")?);
    let (b_rows, b_secs) = (b.get("rows")?, b.get("seconds")?);
    if a_rows != n as f64 || b_rows != n as f64 {
        return Err(format!("expected {n} rows, (a) wrote {a_rows}, (b) {b_rows}").into());
    }
    println!("---- DUK export, {n} rows × 14 columns ----");
    println!(
        "(a) rust_xlsxwriter alone (constant_memory, rows from a Vec): {a_secs:.2} s = {:.0} rows/s; peak RSS {:.1} MiB, of which the Vec of rows {:.1} MiB (RSS after loading it)",
        a_rows / a_secs,
        a.get("hwm_kib")? / 1024.0,
        a.get("loaded_rss_kib")? / 1024.0
    );
    println!(
        "(b) the endpoint's export (scoped read, DB sort + stream → channel → writer → temp file → body chunks): {b_secs:.2} s = {:.0} rows/s; peak RSS {:.1} MiB (RSS {:.1} MiB before the export); file {:.1} MiB",
        b_rows / b_secs,
        b.get("hwm_kib")? / 1024.0,
        b.get("start_rss_kib")? / 1024.0,
        b.get("bytes")? / 1024.0 / 1024.0
    );
    println!(
        "(c) the DUK query alone, drained: {:.2} s = {:.0} rows/s",
        b.get("query_seconds")?,
        b_rows / b.get("query_seconds")?
    );
    println!("(b)/(a) = {:.2} (target ≤ 2)", b_secs / a_secs);
    Ok(())
}

/// One child's `key=value` result line.
struct Figures(Vec<(String, f64)>);

impl Figures {
    fn get(&self, key: &str) -> Result<f64, BoxError> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("child gave no {key}").into())
    }
}

/// Runs this binary again as the `part` child and reads its `RESULT` line.
fn child(part: &str, schema: &str) -> Result<Figures, BoxError> {
    let out = Command::new(std::env::current_exe()?)
        .env("DUK_BENCH_PART", part)
        .env("DUK_BENCH_SCHEMA", schema)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "child {part} failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .ok_or_else(|| format!("child {part} printed no result:\n{stdout}"))?;
    let figures = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| Ok((k.to_string(), v.parse::<f64>()?)))
        .collect::<Result<Vec<_>, BoxError>>()?;
    Ok(Figures(figures))
}

/// N rows of one satker: every golongan ruang, the three kinds of jabatan, every ijazah,
/// birth dates over 40 years, one in ten a CPNS.
async fn generate(pool: &PgPool, n: i64) -> Result<(), BoxError> {
    let golongan: Vec<String> = Golongan::semua_ruang()
        .iter()
        .map(ToString::to_string)
        .collect();
    let urutan: Vec<i32> = Golongan::semua_ruang()
        .iter()
        .map(golongan_urutan)
        .collect();
    let pangkat: Vec<String> = Golongan::semua_ruang()
        .iter()
        .map(|g| g.pangkat().unwrap_or_default().to_string())
        .collect();
    let mut from = 1_i64;
    while from <= n {
        let to = (from + CHUNK - 1).min(n);
        sqlx::query(
            "insert into pegawai (nip, satker_id, unit_kerja_id, unit_kerja_nama, nama, gelar_depan,
                 gelar_belakang, tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan,
                 golongan_urutan, pangkat, tmt_golongan, jabatan_id, jabatan_nama, jenis_jabatan,
                 kelompok_bup, tmt_jabatan, pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk, version,
                 last_position, created_at, updated_at)
             select '19' || lpad(g::text, 16, '0'), $3, '0b5e7d9f-3c1a-5e2b-9d4f-6a8c0e2b4d61', 'Kepaniteraan',
                    'Pegawai Nomor ' || g, case when g % 7 = 0 then 'Dr. H.' end,
                    case when g % 3 = 0 then 'S.H., M.H.' else 'S.Kom.' end, 'Sukamaju',
                    date '1966-01-01' + (g % 14600)::int,
                    case when g % 2 = 0 then 'L' else 'P' end,
                    case when g % 10 = 0 then 'CPNS' else 'PNS' end,
                    ($4::text[])[1 + g % 17], ($5::int[])[1 + g % 17], ($6::text[])[1 + g % 17],
                    date '2005-04-01' + (g % 7000)::int,
                    '6f1c2a4e-9b7d-5c3e-8a1f-2d4b6c8e0a12',
                    (array['Panitera Muda Gugatan', 'Pranata Komputer Ahli Pertama', 'Klerek - Pengadministrasi Perkara'])[1 + g % 3],
                    (array['struktural', 'fungsional', 'pelaksana'])[1 + g % 3],
                    'administrasi_dan_ahli_pertama_muda',
                    date '2006-01-02' + (g % 6500)::int,
                    (array['SLTA', 'D3', 'S1', 'D4', 'S2', 'S3'])[1 + g % 6],
                    date '1990-03-01' + (g % 9000)::int,
                    case when g % 10 <> 0 then date '1991-03-01' + (g % 9000)::int end,
                    null, 1, g, now(), now()
               from generate_series($1::bigint, $2::bigint) g",
        )
        .bind(from)
        .bind(to)
        .bind(SATKER)
        .bind(&golongan)
        .bind(&urutan)
        .bind(&pangkat)
        .execute(pool)
        .await?;
        from = to + 1;
    }
    Ok(())
}

fn params() -> DukParams {
    DukParams::tahun(SATKER, TAHUN).expect("a valid year")
}

async fn read_pool() -> Result<PgPool, BoxError> {
    let schema = std::env::var("DUK_BENCH_SCHEMA")?;
    Ok(connect_read_pool(schema_options(&server()?, &schema), 1).await?)
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

// ---- (a): the library alone ----

async fn library() -> Result<(), BoxError> {
    let pool = read_pool().await?;
    let mut tx = begin_scoped(&pool, &SatkerScope::One(SATKER.into()), today()).await?;
    let rows: Vec<DukEntry> = duk::stream(&mut tx, &params()).try_collect().await?;
    drop(tx);
    pool.close().await;
    let (_, loaded_rss) = memory_kib();

    let started = Instant::now();
    let file = tokio::task::spawn_blocking(move || write_plain(&rows)).await??;
    let seconds = started.elapsed().as_secs_f64();
    let (hwm, _) = memory_kib();
    println!(
        "RESULT rows={} seconds={seconds} hwm_kib={hwm} loaded_rss_kib={loaded_rss} bytes={}",
        file.1, file.0
    );
    Ok(())
}

/// rust_xlsxwriter, constant memory: a header row, then 14 cells a row (numbers, strings,
/// dates, blanks, as the export writes them, with bordered formats); saved to a temp file.
/// Returns (bytes, rows).
fn write_plain(rows: &[DukEntry]) -> Result<(u64, usize), BoxError> {
    let cell = Format::new().set_border(FormatBorder::Thin);
    let center = cell.clone().set_align(FormatAlign::Center);
    let date = cell
        .clone()
        .set_num_format("dd-mm-yyyy")
        .set_align(FormatAlign::Center);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    for col in 0..14u16 {
        sheet.write_string_with_format(0, col, format!("Kolom {col}"), &center)?;
    }
    let xl = |d: time::Date| ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day());
    for (i, e) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number_with_format(r, 0, e.nomor as f64, &center)?;
        sheet.write_string_with_format(r, 1, &e.nama, &cell)?;
        sheet.write_string_with_format(r, 2, &e.nip, &center)?;
        sheet.write_string_with_format(r, 3, e.pangkat.as_deref().unwrap_or(&e.golongan), &cell)?;
        sheet.write_date_with_format(r, 4, &xl(e.tmt_golongan)?, &date)?;
        sheet.write_string_with_format(r, 5, &e.jabatan_nama, &cell)?;
        sheet.write_date_with_format(r, 6, &xl(e.tmt_jabatan)?, &date)?;
        sheet.write_number_with_format(
            r,
            7,
            f64::from(e.masa_kerja_tahun.unwrap_or(0)),
            &center,
        )?;
        sheet.write_number_with_format(
            r,
            8,
            f64::from(e.masa_kerja_bulan.unwrap_or(0)),
            &center,
        )?;
        sheet.write_blank(r, 9, &cell)?;
        sheet.write_string_with_format(r, 10, &e.pendidikan_terakhir, &center)?;
        sheet.write_date_with_format(r, 11, &xl(e.tanggal_lahir)?, &date)?;
        sheet.write_number_with_format(r, 12, f64::from(e.usia_tahun), &center)?;
        sheet.write_string_with_format(r, 13, &e.jenis_pegawai, &cell)?;
    }
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    Ok((file.metadata()?.len(), rows.len()))
}

// ---- (b) and (c): the endpoint's export, and the query alone ----

async fn endpoint() -> Result<(), BoxError> {
    let pool = read_pool().await?;
    let scope = SatkerScope::One(SATKER.into());
    let p = params();
    // Connected, nothing read yet.
    let (_, start_rss) = memory_kib();

    let started = Instant::now();
    let mut tx = begin_scoped(&pool, &scope, today()).await?;
    let (writer, exported) = duk_route::write_workbook(&mut tx, &p).await?;
    drop(tx);
    let file = writer.await??;
    let name = duk_route::file_name(&p);
    let mut bytes = 0u64;
    // The response the handler answers with; its body read to the end as a client would.
    let response = xlsx_download(file, &name).map_err(|p| p.to_string())?;
    let mut body = std::pin::pin!(response.into_body());
    while let Some(chunk) = std::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await {
        bytes += chunk.map_err(|e| e.to_string())?.len() as u64;
    }
    let seconds = started.elapsed().as_secs_f64();
    let (hwm, _) = memory_kib();
    eprintln!("{name}: {bytes} bytes");

    let mut tx = begin_scoped(&pool, &scope, today()).await?;
    let count: i64 = sqlx::query_scalar("select count(*) from pegawai")
        .fetch_one(&mut *tx)
        .await?;
    drop(tx);
    let started = Instant::now();
    let mut tx = begin_scoped(&pool, &scope, today()).await?;
    let drained = duk::stream(&mut tx, &p)
        .try_fold(0_u64, |n, _| async move { Ok(n + 1) })
        .await?;
    let query_seconds = started.elapsed().as_secs_f64();
    drop(tx);
    if drained != count as u64 || exported != drained {
        return Err(format!(
            "of {count} rows, the export wrote {exported}, the query gave {drained}"
        )
        .into());
    }
    println!(
        "RESULT rows={exported} seconds={seconds} hwm_kib={hwm} start_rss_kib={start_rss} bytes={bytes} query_seconds={query_seconds}"
    );
    Ok(())
}
