//! `POST /api/v1/integration/sikep/pegawai`: imports employee records exported from SIKEP (or
//! any personnel system) as a JSON array or a CSV file (admin, kasubag_kepegawaian).
//!
//! A row has exactly the fields of `POST /api/v1/pegawai` ([`DaftarkanBody`]) and goes through
//! the same conversion ([`DaftarkanBody::try_into_domain`]); the CSV columns are those field
//! names. Each row becomes one command on the command bus: a NIP not yet registered is
//! `Daftarkan`, a registered one `Ubah` with only the fields that differ from the aggregate's
//! current state (nothing at all when none differs). Rows run concurrently (at most
//! [`CONCURRENCY`] at a time), each all-or-nothing; the request as a whole is not one
//! transaction, so a rejected row never stops the others and the answer lists every row's
//! result in input order. Re-sending the same file changes nothing: every row is `unchanged`.
//! The satker, unit kerja and jabatan the rows name are read from the event store once per
//! import, not once per row ([`CommandBus::pegawai_for_batch`]).
//!
//! With an `Idempotency-Key`, row N's commands carry the key `<key>#sikep-<N>`, so a retry
//! after a timeout answers each row's first result (`replayed: true`) instead of applying
//! anything twice.

use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use cqrs_es::Aggregate;
use futures::StreamExt;
use sekretariat_commands::{CommandBus, CommandMetadata, CommandOutcome, Cqrs};
use sekretariat_domain::kalender::tgl;
use sekretariat_domain::pegawai::commands::{DataPegawaiBaru, PegawaiCommand, PerubahanPegawai};
use sekretariat_domain::pegawai::{Pegawai, ProfilPegawai};
use sekretariat_domain::values::JenisPegawai;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::{OpenApi, PartialSchema, ToSchema};

use super::AppState;
use super::pegawai::DaftarkanBody;
use crate::auth::AuthUser;
use crate::extract::RequestMeta;
use crate::openapi::{CommandErrors, IdempotencyKeyHeader};
use crate::problem::{FieldError, Problem};

/// Most rows one request may carry.
pub const MAX_ROWS: usize = 10_000;
/// Largest body this route reads (20 MiB: 10,000 rows of about 1 KB leave room for long
/// names in multi-byte characters). The server-wide JSON limit (`SEKRETARIAT_BODY_LIMIT_KB`)
/// does not apply here.
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;
/// Rows in flight at once. Each holds one event store connection while it loads and appends
/// (the pool has 16), and the answer keeps input order.
pub const CONCURRENCY: usize = 8;

/// The OpenAPI description of this route (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(
    paths(import),
    components(schemas(SikepImportResult, SikepRowResult, SikepTotals, SikepRowStatus))
)]
pub struct SikepApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/integration/sikep/pegawai")
            .route(web::post().to(import))
            .default_service(web::to(super::method_not_allowed)),
    );
}

// ---- the shape ----

/// The body as JSON: an array of pegawai records, each exactly the body of
/// `POST /api/v1/pegawai` (`DaftarkanBody`). As CSV, the same field names are the header row.
#[derive(ToSchema)]
#[schema(
    as = SikepPegawaiBatch,
    example = json!([{
        "nip": "199805142022032003",
        "nama": "Putri Maharani",
        "gelar_belakang": "S.H.",
        "tempat_lahir": "Bekasi",
        "tanggal_lahir": "1998-05-14",
        "jenis_kelamin": "P",
        "jenis_pegawai": "PNS",
        "golongan": "III/a",
        "tmt_golongan": "2022-03-01",
        "jabatan_id": "6f1c2a4e-9b7d-5c3e-8a1f-2d4b6c8e0a12",
        "tmt_jabatan": "2023-03-01",
        "unit_kerja_id": "0b5e7d9f-3c1a-5e2b-9d4f-6a8c0e2b4d61",
        "satker_id": "W13-A99",
        "pendidikan_terakhir": "S1",
        "tmt_cpns": "2022-03-01",
        "tmt_pns": "2023-03-01"
    }])
)]
#[expect(
    dead_code,
    reason = "only its schema is used; rows are read field by field"
)]
struct SikepBatchSchema(Vec<DaftarkanBody>);

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SikepRowStatus {
    /// A new pegawai was registered (`Daftarkan`).
    Created,
    /// A registered pegawai was changed (`Ubah`, only the fields that differed).
    Updated,
    /// The pegawai is registered exactly as the row says; nothing was written.
    Unchanged,
    /// Nothing was written for this row: `code` and `detail` name the rule, `fields` the
    /// fields.
    Rejected,
}

/// One row's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SikepRowResult {
    /// The row's number in the file, from 1 (for CSV: the data row; the header is not counted).
    #[schema(example = 1)]
    pub row: usize,
    /// The row's NIP as written (`null` when the row has none).
    #[schema(example = "199805142022032003")]
    pub nip: Option<String>,
    #[schema(example = "created")]
    pub result: SikepRowStatus,
    /// Rejected rows: the stable code of the rule (a domain rule such as
    /// `nip_tanggal_lahir_tidak_cocok`, `validation_failed` for field errors,
    /// `forbidden_satker`, `data_tetap_berbeda`, `nip_ganda`, `idempotency_key_reused`), or of
    /// a failure worth retrying (`concurrent_modification`, `event_store_unavailable`,
    /// `internal_error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "nip_tanggal_lahir_tidak_cocok")]
    pub code: Option<String>,
    /// Rejected rows: why, in Bahasa Indonesia.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Rejected rows: the fields at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Option<Vec<FieldError>>)]
    pub fields: Vec<FieldError>,
    /// Created and updated rows: global position of the row's last event (pass it as
    /// `?min_position=` to read it back).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = 42)]
    pub position: Option<i64>,
    /// True when this result is the stored result of an earlier request with the same
    /// `Idempotency-Key` (nothing was written now).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schema(value_type = Option<bool>)]
    pub replayed: bool,
}

/// Counts of the rows by result.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SikepTotals {
    /// Rows read from the file.
    #[schema(example = 3)]
    pub rows: usize,
    #[schema(example = 1)]
    pub created: usize,
    #[schema(example = 1)]
    pub updated: usize,
    #[schema(example = 0)]
    pub unchanged: usize,
    #[schema(example = 1)]
    pub rejected: usize,
}

/// The answer of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SikepImportResult {
    pub totals: SikepTotals,
    /// The highest `position` of any row (`null` when nothing was written): pass it as
    /// `?min_position=` to read the whole import back.
    #[schema(example = 42)]
    pub position: Option<i64>,
    /// Every row's result, in input order.
    pub rows: Vec<SikepRowResult>,
}

impl SikepRowResult {
    fn new(row: usize, nip: Option<String>, result: SikepRowStatus) -> Self {
        Self {
            row,
            nip,
            result,
            code: None,
            detail: None,
            fields: Vec::new(),
            position: None,
            replayed: false,
        }
    }

    fn rejected(
        row: usize,
        nip: Option<String>,
        code: impl Into<String>,
        detail: impl Into<String>,
        fields: Vec<FieldError>,
    ) -> Self {
        Self {
            code: Some(code.into()),
            detail: Some(detail.into()),
            fields,
            ..Self::new(row, nip, SikepRowStatus::Rejected)
        }
    }

    /// A refusal from the layers below, as the single routes would answer it.
    fn from_problem(row: usize, nip: Option<String>, p: Problem) -> Self {
        Self::rejected(row, nip, p.code, p.detail, p.errors)
    }

    fn written(row: usize, nip: String, result: SikepRowStatus, outcome: &CommandOutcome) -> Self {
        Self {
            position: outcome.position,
            replayed: outcome.replayed,
            ..Self::new(row, Some(nip), result)
        }
    }
}

/// The row fields: the properties of [`DaftarkanBody`]'s schema, which is derived from the
/// struct itself, so a field added there is a CSV column here without another list to keep.
struct RowFields {
    /// In declaration order.
    all: Vec<String>,
    required: BTreeSet<String>,
}

static FIELDS: LazyLock<RowFields> = LazyLock::new(|| {
    let (all, required) = match DaftarkanBody::schema() {
        utoipa::openapi::RefOr::T(utoipa::openapi::schema::Schema::Object(o)) => (
            o.properties.keys().cloned().collect(),
            o.required.iter().cloned().collect(),
        ),
        _ => (Vec::new(), BTreeSet::new()),
    };
    RowFields { all, required }
});

// ---- the handler ----

#[utoipa::path(
    post,
    path = "/api/v1/integration/sikep/pegawai",
    tag = "pegawai",
    operation_id = "impor_pegawai_sikep",
    summary = "Impor pegawai dari SIKEP / import pegawai records (JSON or CSV)",
    description = "Impor data pegawai dari SIKEP: larik JSON atau berkas CSV (UTF-8, dipisah koma, \
header wajib). Setiap baris menjadi satu perintah: NIP baru didaftarkan, NIP yang sudah ada diubah \
hanya pada isian yang berbeda, atau dibiarkan bila tidak ada yang berbeda. Permintaan ini bukan satu \
transaksi: setiap baris berdiri sendiri (semua atau tidak sama sekali), baris yang ditolak tidak \
menghentikan baris lain, dan jawabannya mencantumkan hasil setiap baris sesuai urutan berkas. \
Mengirim ulang berkas yang sama tidak mengubah apa pun.\n\n\
Imports employee records: a JSON array (`application/json`) of `DaftarkanBody` objects, or CSV \
(`text/csv`, UTF-8, comma-separated, RFC 4180 quoting, a header row naming the columns \
`nip,nama,gelar_depan,gelar_belakang,tempat_lahir,tanggal_lahir,jenis_kelamin,jenis_pegawai,\
golongan,tmt_golongan,jabatan_id,tmt_jabatan,unit_kerja_id,satker_id,pendidikan_terakhir,tmt_cpns,\
tmt_pns,tmt_pppk` in any order; the optional ones `gelar_*`, `tmt_cpns`, `tmt_pns`, `tmt_pppk` may be \
left out). Jabatan and unit kerja are given by id, as in `POST /api/v1/pegawai` (see \
`GET /api/v1/master/jabatan` and `/master/unit-kerja`). An empty cell or string is an absent \
value; a record is the whole truth about the pegawai, so an absent gelar clears a recorded one. \
A new NIP is registered (`created`); a registered one gets one `Ubah` with only the fields that \
differ (`updated`), or nothing (`unchanged`). Identity data (tanggal lahir, jenis kelamin, \
TMT CPNS/PPPK, jenis pegawai other than CPNS → PNS) cannot change through an import \
(`data_tetap_berbeda`), nor can the satker (that is a mutasi). A non-admin imports only rows of \
their own satker; other rows are rejected with `forbidden_satker`. \
**Not one transaction**: each row is all-or-nothing on its own, a rejected row never stops the \
others, and the answer (200) lists every row's result in input order with totals. Re-sending \
the same file changes nothing (every row `unchanged`). With an `Idempotency-Key`, a retried \
request answers each row's first result (`replayed: true`). An import cut by the server's request \
time limit (503 `request_timeout`) still runs to its end: send the file again (same key) for the \
results. At most 10,000 rows and 20 MiB per request; a file that cannot be read as a whole is 400, a \
bad row is only that row `rejected`.",
    params(IdempotencyKeyHeader),
    request_body(
        description = "Larik JSON atau CSV data pegawai / a JSON array or CSV of pegawai records",
        content(
            (SikepBatchSchema = "application/json"),
            (String = "text/csv", example = json!("nip,nama,gelar_depan,gelar_belakang,tempat_lahir,tanggal_lahir,jenis_kelamin,jenis_pegawai,golongan,tmt_golongan,jabatan_id,tmt_jabatan,unit_kerja_id,satker_id,pendidikan_terakhir,tmt_cpns,tmt_pns,tmt_pppk\n199805142022032003,Putri Maharani,,S.H.,Bekasi,1998-05-14,P,PNS,III/a,2022-03-01,6f1c2a4e-9b7d-5c3e-8a1f-2d4b6c8e0a12,2023-03-01,0b5e7d9f-3c1a-5e2b-9d4f-6a8c0e2b4d61,W13-A99,S1,2022-03-01,2023-03-01,\n")),
        )
    ),
    responses(
        (status = 200, description = "Hasil per baris, sesuai urutan berkas / every row's result, in input order", body = SikepImportResult),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn import(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let started = Instant::now();
    let format = Format::of(&req)?;
    let body = read_body(&req, payload, MAX_BODY_BYTES).await?;
    let text = decode(&body)?;
    let rows = match format {
        Format::Json => json_rows(text)?,
        Format::Csv => csv_rows(text)?,
    };
    drop(body);
    let prepared = prepare(rows, &user);
    // The rows run in a task of their own: when the answer takes longer than the server's
    // request time limit (503 `request_timeout`), the import still runs to its end instead of
    // stopping at an arbitrary row, and a re-sent file (with the same `Idempotency-Key`) then
    // answers every row's result.
    let bus = state.bus.clone();
    let task = actix_web::rt::spawn(async move {
        let result = run(&bus, &user, meta.0, prepared).await;
        if let Ok(r) = &result {
            let t = &r.totals;
            tracing::info!(
                rows = t.rows,
                created = t.created,
                updated = t.updated,
                unchanged = t.unchanged,
                rejected = t.rejected,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "SIKEP import"
            );
        }
        result
    });
    let result = task.await.map_err(|e| {
        tracing::error!(error = %e, "SIKEP import task failed");
        Problem::internal()
    })??;
    Ok(HttpResponse::Ok().json(result))
}

// ---- reading the file ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

impl Format {
    /// From `Content-Type`: `application/json` or `text/csv`, UTF-8 (or no charset).
    fn of(req: &HttpRequest) -> Result<Self, Problem> {
        let unsupported = || {
            Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Berkas impor harus berupa JSON (Content-Type: application/json) atau CSV (Content-Type: text/csv).",
            )
        };
        let Some(value) = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(unsupported());
        };
        let mut parts = value.split(';');
        let format = match parts
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "application/json" => Self::Json,
            "text/csv" => Self::Csv,
            _ => return Err(unsupported()),
        };
        for param in parts {
            let Some((name, v)) = param.split_once('=') else {
                continue;
            };
            if name.trim().eq_ignore_ascii_case("charset") {
                let v = v.trim().trim_matches('"');
                if !v.eq_ignore_ascii_case("utf-8") && !v.eq_ignore_ascii_case("utf8") {
                    return Err(Problem::bad_request(
                        "invalid_encoding",
                        format!(
                            "Berkas berenkode {v}; berkas impor harus UTF-8. Simpan ulang berkas sebagai UTF-8 (di Excel: \"CSV UTF-8\")."
                        ),
                    ));
                }
            }
        }
        Ok(format)
    }
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "Berkas impor melebihi batas {} MB. Bagi berkas menjadi beberapa bagian.",
            MAX_BODY_BYTES / (1024 * 1024)
        ),
    )
}

/// The whole body, refused with 413 past `limit` (before reading when `Content-Length` says
/// so).
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, Problem> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::bad_request(
                "invalid_body",
                format!("Isi permintaan tidak dapat dibaca: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body as UTF-8 text, without a byte-order mark (Excel writes one).
fn decode(body: &[u8]) -> Result<&str, Problem> {
    if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        return Err(Problem::bad_request(
            "invalid_encoding",
            "Berkas berenkode UTF-16; berkas impor harus UTF-8. Simpan ulang berkas sebagai UTF-8 (di Excel: \"CSV UTF-8\").",
        ));
    }
    let body = body.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(body);
    std::str::from_utf8(body).map_err(|e| {
        Problem::bad_request(
            "invalid_encoding",
            format!(
                "Berkas bukan teks UTF-8 yang valid (byte ke-{} tidak valid). Simpan ulang berkas sebagai UTF-8 (di Excel: \"CSV UTF-8\").",
                e.valid_up_to() + 1
            ),
        )
    })
}

fn too_many_rows(n: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_rows",
        format!(
            "Berkas berisi {n} baris atau lebih; paling banyak {MAX_ROWS} baris per permintaan. Bagi berkas menjadi beberapa bagian."
        ),
    )
}

/// One row as read: its fields (strings, blanks dropped), or why it cannot be one.
type RawRow = Result<Map<String, Value>, (String, String)>;

/// A JSON array of objects.
fn json_rows(text: &str) -> Result<Vec<(usize, RawRow)>, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Problem::bad_request(
            "malformed_json",
            format!("Berkas bukan JSON yang valid: {e}"),
        )
    })?;
    let Value::Array(items) = value else {
        return Err(Problem::bad_request(
            "invalid_body",
            "Berkas JSON harus berupa larik (array) berisi data pegawai, satu objek per pegawai.",
        ));
    };
    if items.len() > MAX_ROWS {
        return Err(too_many_rows(items.len()));
    }
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let row = match item {
                Value::Object(map) => Ok(map
                    .into_iter()
                    .filter(|(_, v)| match v {
                        Value::Null => false,
                        Value::String(s) => !s.trim().is_empty(),
                        _ => true,
                    })
                    .collect()),
                _ => Err((
                    "invalid_row".to_string(),
                    "Baris ini bukan objek JSON; setiap baris harus berupa objek berisi data satu pegawai."
                        .to_string(),
                )),
            };
            (i + 1, row)
        })
        .collect())
}

/// CSV with a header row naming the columns (RFC 4180 quoting). Entirely blank records are
/// skipped (spreadsheets write them after the last row).
fn csv_rows(text: &str) -> Result<Vec<(usize, RawRow)>, Problem> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| {
            Problem::bad_request(
                "csv_malformed",
                format!("Header CSV tidak dapat dibaca: {e}"),
            )
        })?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    check_header(&header)?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 1;
        if row > MAX_ROWS {
            return Err(too_many_rows(row));
        }
        let record = record.map_err(|e| {
            Problem::bad_request(
                "csv_malformed",
                format!("Berkas CSV tidak dapat dibaca pada baris data ke-{row}: {e}"),
            )
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            rows.push((
                row,
                Err((
                    "csv_field_count".to_string(),
                    format!(
                        "Baris ini berisi {} kolom, padahal header berisi {}. Periksa pemisah koma dan tanda kutip.",
                        record.len(),
                        header.len()
                    ),
                )),
            ));
            continue;
        }
        let map = header
            .iter()
            .zip(record.iter())
            .filter(|(_, cell)| !cell.trim().is_empty())
            .map(|(h, cell)| (h.clone(), Value::String(cell.to_string())))
            .collect();
        rows.push((row, Ok(map)));
    }
    Ok(rows)
}

/// Every required column present, none unknown, none twice.
fn check_header(header: &[String]) -> Result<(), Problem> {
    let fields = &*FIELDS;
    if header.len() <= 1 {
        let only = header.first().map(String::as_str).unwrap_or_default();
        if only.is_empty() {
            return Err(Problem::bad_request(
                "csv_missing_header",
                "Berkas CSV kosong; baris pertama harus berisi nama kolom.",
            ));
        }
        if only.contains(';') || only.contains('\t') {
            return Err(Problem::bad_request(
                "csv_bad_delimiter",
                "Kolom CSV harus dipisah koma (,), bukan titik koma atau tab. Simpan ulang berkas sebagai CSV berpemisah koma.",
            ));
        }
    }
    let mut seen = BTreeSet::new();
    let mut unknown = Vec::new();
    for h in header {
        if !fields.all.contains(h) {
            unknown.push(h.as_str());
        } else if !seen.insert(h.as_str()) {
            return Err(Problem::bad_request(
                "csv_duplicate_column",
                format!("Kolom {h} muncul lebih dari sekali pada header CSV."),
            ));
        }
    }
    if !unknown.is_empty() {
        return Err(Problem::bad_request(
            "csv_unknown_column",
            format!(
                "Kolom CSV tidak dikenal: {}. Kolom yang dikenal: {}.",
                unknown.join(", "),
                fields.all.join(", ")
            ),
        ));
    }
    let missing: Vec<&str> = fields
        .required
        .iter()
        .filter(|r| !seen.contains(r.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Problem::bad_request(
            "csv_missing_column",
            format!(
                "Header CSV tidak memuat kolom wajib: {}.",
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

// ---- deciding each row ----

/// A row ready to run, or its result already.
enum Siap {
    Selesai(SikepRowResult),
    Jalan {
        row: usize,
        nip: String,
        data: DataPegawaiBaru,
    },
}

/// The fields of a row, checked as `POST /pegawai` checks its body: every bad field at once
/// (unknown, not text, missing, and then what [`DaftarkanBody::try_into_domain`] finds in the
/// others).
fn parse_row(row: usize, raw: RawRow) -> Result<(String, DataPegawaiBaru), Box<SikepRowResult>> {
    let mut map = match raw {
        Ok(map) => map,
        Err((code, detail)) => {
            return Err(Box::new(SikepRowResult::rejected(
                row,
                None,
                code,
                detail,
                vec![],
            )));
        }
    };
    let nip = map.get("nip").and_then(Value::as_str).map(str::to_string);
    let fields = &*FIELDS;
    let mut errors = Vec::new();
    map.retain(|k, v| {
        if !fields.all.contains(k) {
            errors.push(FieldError {
                field: k.clone(),
                code: "kolom_tidak_dikenal".into(),
                detail: format!("Isian {k} tidak dikenal."),
            });
            false
        } else if !v.is_string() {
            errors.push(FieldError {
                field: k.clone(),
                code: "tipe_tidak_valid".into(),
                detail: "Isian ini harus berupa teks (string).".into(),
            });
            false
        } else {
            true
        }
    });
    for r in &fields.required {
        if !map.contains_key(r) {
            if !errors.iter().any(|e| &e.field == r) {
                errors.push(FieldError {
                    field: r.clone(),
                    code: "wajib_diisi".into(),
                    detail: "Isian ini wajib diisi.".into(),
                });
            }
            // A placeholder, so the other fields are still checked; its own error is above.
            map.insert(r.clone(), Value::String(String::new()));
        }
    }
    let domain = serde_json::from_value::<DaftarkanBody>(Value::Object(map))
        .map_err(|e| {
            // Not expected after the checks above; answered like a bad body all the same.
            Box::new(SikepRowResult::rejected(
                row,
                nip.clone(),
                "invalid_row",
                format!("Baris ini tidak sesuai bentuk yang diharapkan: {e}"),
                vec![],
            ))
        })?
        .try_into_domain();
    match domain {
        Ok(data) if errors.is_empty() => Ok((data.nip.as_str().to_string(), data)),
        Ok(_) => Err(Box::new(SikepRowResult::from_problem(
            row,
            nip,
            crate::error::validation(errors),
        ))),
        Err(p) if errors.is_empty() => Err(Box::new(SikepRowResult::from_problem(row, nip, p))),
        Err(p) => {
            let more: Vec<FieldError> = p
                .errors
                .into_iter()
                .filter(|e| !errors.iter().any(|x| x.field == e.field))
                .collect();
            errors.extend(more);
            Err(Box::new(SikepRowResult::from_problem(
                row,
                nip,
                crate::error::validation(errors),
            )))
        }
    }
}

fn forbidden_satker(row: usize, nip: String, user: &AuthUser, satker: &str) -> SikepRowResult {
    SikepRowResult::rejected(
        row,
        Some(nip),
        "forbidden_satker",
        format!(
            "Anda hanya dapat mengimpor pegawai satuan kerja Anda sendiri ({}); pegawai ini pada satker {satker}.",
            user.satker_id.as_deref().unwrap_or("-")
        ),
        vec![FieldError {
            field: "satker_id".into(),
            code: "forbidden_satker".into(),
            detail: format!("Satker {satker} di luar cakupan Anda."),
        }],
    )
}

fn own_satker(user: &AuthUser, satker: &str) -> bool {
    user.is_admin() || user.satker_id.as_deref() == Some(satker)
}

/// Parses every row, applies the satker scope and refuses a NIP that appears twice (the first
/// row of a NIP runs; one pegawai, one row).
fn prepare(rows: Vec<(usize, RawRow)>, user: &AuthUser) -> Vec<Siap> {
    let mut first_row: HashMap<String, usize> = HashMap::new();
    rows.into_iter()
        .map(|(row, raw)| {
            let (nip, data) = match parse_row(row, raw) {
                Ok(x) => x,
                Err(r) => return Siap::Selesai(*r),
            };
            if !own_satker(user, data.satker_id.as_str()) {
                return Siap::Selesai(forbidden_satker(row, nip, user, data.satker_id.as_str()));
            }
            if let Some(first) = first_row.get(&nip) {
                return Siap::Selesai(SikepRowResult::rejected(
                    row,
                    Some(nip),
                    "nip_ganda",
                    format!(
                        "NIP ini sudah ada pada baris {first} berkas ini; satu pegawai cukup satu baris. Baris ini tidak diproses."
                    ),
                    vec![FieldError {
                        field: "nip".into(),
                        code: "nip_ganda".into(),
                        detail: format!("NIP sama dengan baris {first}."),
                    }],
                ));
            }
            first_row.insert(nip.clone(), row);
            Siap::Jalan { row, nip, data }
        })
        .collect()
}

/// The idempotency key of row `row`'s command, derived from the request's.
fn row_key(key: &str, row: usize) -> String {
    format!("{key}#sikep-{row}")
}

/// What every row shares.
struct Ctx<'a> {
    bus: &'a CommandBus,
    /// The pegawai framework of this import: master data read once for all rows.
    pegawai: Cqrs<Pegawai>,
    user: &'a AuthUser,
    meta: &'a CommandMetadata,
    /// The rows' NIPs that have a pegawai stream (registered, or were when the import began).
    existing: std::collections::HashSet<String>,
    /// With an `Idempotency-Key`: the rows' results from an earlier request with that key.
    earlier: HashMap<String, CommandOutcome>,
}

async fn run(
    bus: &CommandBus,
    user: &AuthUser,
    meta: CommandMetadata,
    prepared: Vec<Siap>,
) -> Result<SikepImportResult, Problem> {
    // One query each for all rows, instead of one per row: which NIPs are registered (only
    // those are loaded), and, with a key, the rows' results from an earlier request.
    let jalan: Vec<(usize, &str)> = prepared
        .iter()
        .filter_map(|s| match s {
            Siap::Jalan { row, nip, .. } => Some((*row, nip.as_str())),
            Siap::Selesai(_) => None,
        })
        .collect();
    let nips: Vec<String> = jalan.iter().map(|(_, n)| (*n).to_string()).collect();
    let existing = bus.existing_ids(Pegawai::TYPE, &nips).await?;
    let earlier = match &meta.idempotency_key {
        Some(key) => {
            let keys: Vec<String> = jalan.iter().map(|(row, _)| row_key(key, *row)).collect();
            bus.replayed_outcomes(Pegawai::TYPE, &keys, &meta.user_id)
                .await?
        }
        None => HashMap::new(),
    };
    let ctx = Ctx {
        bus,
        pegawai: bus.pegawai_for_batch(),
        user,
        meta: &meta,
        existing,
        earlier,
    };
    let ctx = &ctx;
    let rows: Vec<SikepRowResult> = futures::stream::iter(prepared)
        .map(|s| async move {
            match s {
                Siap::Selesai(r) => r,
                Siap::Jalan { row, nip, data } => apply(ctx, row, nip, data).await,
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let mut totals = SikepTotals {
        rows: rows.len(),
        ..SikepTotals::default()
    };
    for r in &rows {
        match r.result {
            SikepRowStatus::Created => totals.created += 1,
            SikepRowStatus::Updated => totals.updated += 1,
            SikepRowStatus::Unchanged => totals.unchanged += 1,
            SikepRowStatus::Rejected => totals.rejected += 1,
        }
    }
    Ok(SikepImportResult {
        totals,
        position: rows.iter().filter_map(|r| r.position).max(),
        rows,
    })
}

/// A command's stored result: a registration is the stream's first event (version 1).
fn earlier_result(outcome: &CommandOutcome) -> SikepRowStatus {
    if outcome.version == 1 {
        SikepRowStatus::Created
    } else {
        SikepRowStatus::Updated
    }
}

/// One row: load the pegawai, then register, change only what differs, or leave it.
async fn apply(ctx: &Ctx<'_>, row: usize, nip: String, data: DataPegawaiBaru) -> SikepRowResult {
    let key = ctx.meta.idempotency_key.as_deref().map(|k| row_key(k, row));
    let meta = |command: &str| CommandMetadata {
        idempotency_key: key.clone(),
        ..ctx.meta.clone().for_command(command)
    };
    // A NIP without a stream can only be new: no load needed (if someone registers it
    // meanwhile, `Daftarkan` is refused with `pegawai_sudah_terdaftar`).
    let current = if ctx.existing.contains(&nip) {
        match ctx.bus.load_pegawai(&nip).await {
            Ok(c) => c,
            Err(e) => return SikepRowResult::from_problem(row, Some(nip), e.into()),
        }
    } else {
        None
    };
    let Some(profil) = current.as_ref().and_then(Pegawai::profil) else {
        return match ctx
            .bus
            .execute(
                &ctx.pegawai,
                &nip,
                PegawaiCommand::Daftarkan(data),
                &meta("sikep.daftarkan"),
            )
            .await
        {
            Ok(o) if o.replayed => SikepRowResult::written(row, nip, earlier_result(&o), &o),
            Ok(o) => SikepRowResult::written(row, nip, SikepRowStatus::Created, &o),
            Err(e) => SikepRowResult::from_problem(row, Some(nip), e.into()),
        };
    };
    if !own_satker(ctx.user, profil.satker_id.as_str()) {
        let satker = profil.satker_id.as_str().to_string();
        return forbidden_satker(row, nip, ctx.user, &satker);
    }
    let perubahan = match perubahan(profil, &data) {
        Ok(p) => p,
        Err(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            return SikepRowResult::rejected(
                row,
                Some(nip),
                "data_tetap_berbeda",
                format!(
                    "Data yang tidak dapat diubah lewat impor berbeda dengan yang tercatat ({}). Periksa berkas; perubahan satker dicatat lewat mutasi.",
                    names.join(", ")
                ),
                fields,
            );
        }
    };
    if perubahan.is_kosong() {
        // Nothing differs. A retry of a request that wrote this row answers what it wrote.
        return match key.as_ref().and_then(|k| ctx.earlier.get(k)) {
            Some(o) if o.id == nip => SikepRowResult::written(row, nip, earlier_result(o), o),
            _ => SikepRowResult::new(row, Some(nip), SikepRowStatus::Unchanged),
        };
    }
    match ctx
        .bus
        .execute(
            &ctx.pegawai,
            &nip,
            PegawaiCommand::Ubah(perubahan),
            &meta("sikep.ubah"),
        )
        .await
    {
        Ok(o) if o.replayed => SikepRowResult::written(row, nip, earlier_result(&o), &o),
        // The aggregate found nothing to change after all (e.g. spaces around a name).
        Ok(o) if o.events_appended == 0 => {
            SikepRowResult::new(row, Some(nip), SikepRowStatus::Unchanged)
        }
        Ok(o) => SikepRowResult::written(row, nip, SikepRowStatus::Updated, &o),
        Err(e) => SikepRowResult::from_problem(row, Some(nip), e.into()),
    }
}

/// Text as the aggregate stores it: trimmed; blank optional text is no text.
fn teks(s: &str) -> &str {
    s.trim()
}

fn teks_opsional(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn tanggal(d: Option<time::Date>) -> String {
    d.map_or_else(|| "kosong".to_string(), tgl)
}

/// The `Ubah` that makes `lama` what the row says, or the fields an import cannot change.
///
/// Changeable (as `PATCH /pegawai/{nip}`): nama, gelar, tempat lahir, pendidikan, golongan with
/// its TMT, jabatan with its TMT, unit kerja, and CPNS → PNS with its TMT. Not changeable here:
/// tanggal lahir and jenis kelamin (they are in the NIP), TMT CPNS/PPPK, another jenis pegawai,
/// a recorded TMT PNS, and the satker (a mutasi, DOMAIN §5).
fn perubahan(
    lama: &ProfilPegawai,
    baru: &DataPegawaiBaru,
) -> Result<PerubahanPegawai, Vec<FieldError>> {
    let mut tetap = Vec::new();
    let tidak_dapat =
        |tetap: &mut Vec<FieldError>, field: &str, tercatat: String, berkas: String| {
            tetap.push(FieldError {
            field: field.into(),
            code: "tidak_dapat_diubah".into(),
            detail: format!(
                "Tercatat {tercatat}, di berkas {berkas}; isian ini tidak dapat diubah lewat impor."
            ),
        });
        };
    if baru.tanggal_lahir != lama.tanggal_lahir {
        tidak_dapat(
            &mut tetap,
            "tanggal_lahir",
            tgl(lama.tanggal_lahir),
            tgl(baru.tanggal_lahir),
        );
    }
    if baru.jenis_kelamin != lama.jenis_kelamin {
        tidak_dapat(
            &mut tetap,
            "jenis_kelamin",
            lama.jenis_kelamin.label().to_string(),
            baru.jenis_kelamin.label().to_string(),
        );
    }
    if baru.tmt_cpns != lama.tmt_cpns {
        tidak_dapat(
            &mut tetap,
            "tmt_cpns",
            tanggal(lama.tmt_cpns),
            tanggal(baru.tmt_cpns),
        );
    }
    if baru.tmt_pppk != lama.tmt_pppk {
        tidak_dapat(
            &mut tetap,
            "tmt_pppk",
            tanggal(lama.tmt_pppk),
            tanggal(baru.tmt_pppk),
        );
    }
    let mut status_pns = None;
    match (lama.jenis_pegawai, baru.jenis_pegawai) {
        // CPNS → PNS is an appointment the import may record (DOMAIN §1: CPNS, then PNS).
        (JenisPegawai::Cpns, JenisPegawai::Pns) => match baru.tmt_pns {
            Some(tmt) => status_pns = Some(tmt),
            None => tetap.push(FieldError {
                field: "tmt_pns".into(),
                code: "tmt_tidak_sesuai_jenis_pegawai".into(),
                detail: "PNS wajib memiliki TMT PNS.".into(),
            }),
        },
        (a, b) if a == b => {
            if baru.tmt_pns != lama.tmt_pns {
                tidak_dapat(
                    &mut tetap,
                    "tmt_pns",
                    tanggal(lama.tmt_pns),
                    tanggal(baru.tmt_pns),
                );
            }
        }
        (a, b) => tidak_dapat(&mut tetap, "jenis_pegawai", a.to_string(), b.to_string()),
    }
    if baru.satker_id != lama.satker_id {
        tetap.push(FieldError {
            field: "satker_id".into(),
            code: "mutasi_diperlukan".into(),
            detail: format!(
                "Pegawai tercatat pada satker {}; pindah ke {} dicatat lewat mutasi (SK mutasi), bukan impor.",
                lama.satker_id, baru.satker_id
            ),
        });
    }
    if !tetap.is_empty() {
        return Err(tetap);
    }
    let nama = teks(&baru.nama);
    let tempat_lahir = teks(&baru.tempat_lahir);
    let gelar_depan = teks_opsional(baru.gelar_depan.as_deref());
    let gelar_belakang = teks_opsional(baru.gelar_belakang.as_deref());
    Ok(PerubahanPegawai {
        nama: (nama != lama.nama).then(|| nama.to_string()),
        gelar_depan: (gelar_depan != lama.gelar_depan.as_deref())
            .then(|| gelar_depan.map(str::to_string)),
        gelar_belakang: (gelar_belakang != lama.gelar_belakang.as_deref())
            .then(|| gelar_belakang.map(str::to_string)),
        tempat_lahir: (tempat_lahir != lama.tempat_lahir).then(|| tempat_lahir.to_string()),
        pendidikan_terakhir: (baru.pendidikan_terakhir != lama.pendidikan_terakhir)
            .then_some(baru.pendidikan_terakhir),
        golongan: ((baru.golongan, baru.tmt_golongan) != (lama.golongan, lama.tmt_golongan))
            .then_some((baru.golongan, baru.tmt_golongan)),
        jabatan: ((baru.jabatan_id, baru.tmt_jabatan) != (lama.jabatan_id, lama.tmt_jabatan))
            .then_some((baru.jabatan_id, baru.tmt_jabatan)),
        unit_kerja_id: (baru.unit_kerja_id != lama.unit_kerja_id).then_some(baru.unit_kerja_id),
        status_pns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "nip,nama,gelar_depan,gelar_belakang,tempat_lahir,tanggal_lahir,jenis_kelamin,jenis_pegawai,golongan,tmt_golongan,jabatan_id,tmt_jabatan,unit_kerja_id,satker_id,pendidikan_terakhir,tmt_cpns,tmt_pns,tmt_pppk";

    #[test]
    fn the_csv_columns_are_the_fields_of_the_pegawai_body_and_the_readme_lists_them() {
        assert_eq!(FIELDS.all.join(","), HEADER);
        let optional: Vec<&str> = FIELDS
            .all
            .iter()
            .filter(|f| !FIELDS.required.contains(*f))
            .map(String::as_str)
            .collect();
        assert_eq!(
            optional,
            [
                "gelar_depan",
                "gelar_belakang",
                "tmt_cpns",
                "tmt_pns",
                "tmt_pppk"
            ]
        );
        let readme = include_str!("../../../README.md");
        assert!(
            readme.contains(HEADER),
            "README.md must list the CSV header:\n{HEADER}"
        );
    }

    #[test]
    fn csv_header_problems_are_named() {
        let code = |text: &str| csv_rows(text).err().map(|p| p.code);
        assert_eq!(code("").as_deref(), Some("csv_missing_header"));
        assert_eq!(
            code("nip;nama;tanggal_lahir\n1;2;3\n").as_deref(),
            Some("csv_bad_delimiter")
        );
        assert_eq!(
            code("nip,nama\n1,2\n").as_deref(),
            Some("csv_missing_column")
        );
        assert_eq!(
            code(&format!("{HEADER},warna\n")).as_deref(),
            Some("csv_unknown_column")
        );
        assert_eq!(
            code(&format!("{HEADER},nip\n")).as_deref(),
            Some("csv_duplicate_column")
        );
        // Quoted cells keep their commas, quotes and line breaks (RFC 4180); blank records
        // are skipped; a record with another number of cells is that row's problem only.
        let text = format!(
            "{HEADER}\n\"1\",\"Siti, \"\"Ani\"\"\nRahma\",,,,,,,,,,,,,,,,\n,,,,,,,,,,,,,,,,,\n1,2\n"
        );
        let rows = csv_rows(&text).unwrap();
        assert_eq!(rows.len(), 2);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first["nama"], "Siti, \"Ani\"\nRahma");
        assert!(!first.contains_key("gelar_depan"), "a blank cell is absent");
        assert_eq!(rows[1].0, 3, "rows keep their number in the file");
        assert_eq!(rows[1].1.as_ref().unwrap_err().0, "csv_field_count");
    }

    #[test]
    fn encodings_other_than_utf8_are_refused() {
        assert_eq!(decode(b"\xEF\xBB\xBFnip").unwrap(), "nip");
        assert_eq!(decode(b"\xFF\xFEn\0").unwrap_err().code, "invalid_encoding");
        assert_eq!(decode(b"nama\xE9").unwrap_err().code, "invalid_encoding");
    }

    #[test]
    fn a_json_row_reports_every_bad_field_at_once() {
        let rows =
            json_rows(r#"[{"nip": 1998, "warna": "biru", "gelar_depan": "  "}, 5]"#).unwrap();
        let mut it = rows.into_iter();
        let (row, raw) = it.next().unwrap();
        let r = parse_row(row, raw).unwrap_err();
        assert_eq!(r.code.as_deref(), Some("validation_failed"));
        let has =
            |field: &str, code: &str| r.fields.iter().any(|f| f.field == field && f.code == code);
        assert!(has("nip", "tipe_tidak_valid"), "{:?}", r.fields);
        assert!(has("warna", "kolom_tidak_dikenal"));
        assert!(has("nama", "wajib_diisi"));
        assert!(
            !has("gelar_depan", "wajib_diisi"),
            "blank optional text is absent"
        );
        let (row, raw) = it.next().unwrap();
        assert_eq!(
            parse_row(row, raw).unwrap_err().code.as_deref(),
            Some("invalid_row")
        );
        assert_eq!(
            json_rows(r#"{"nip": "1"}"#).unwrap_err().code,
            "invalid_body"
        );
        assert_eq!(json_rows("[{").unwrap_err().code, "malformed_json");
    }
}
