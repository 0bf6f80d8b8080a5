//! `/api/v1/audit`: the audit trail for `admin` (DESIGN §4): the filtered, paged log
//! (`db_audit.audit_logs`), the same filter as an .xlsx download, and one resource's history
//! with a field-level diff and its state as of a date (folded from the event store).
//!
//! Dates in filters are days in Asia/Jakarta (WIB): `from=2026-11-01&to=2026-11-30` is the
//! whole of November as the court counts it. Timestamps (RFC 3339) are taken as they are.

use std::io::{Read, Seek, SeekFrom};

use actix_web::body::SizedStream;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use sekretariat_projections::audit::queries::{self, AuditEntry, AuditFilter, ExportCursor};
use sekretariat_projections::audit::{self as audit_projector, ACTIONS};
use sekretariat_projections::history::{self, ResourceHistory};
use sekretariat_projections::migrate::Module;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{AppState, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::{query_choice, query_text};
use crate::openapi::{ItemErrors, ReadErrors};
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(
    paths(list, export, history),
    components(schemas(
        AuditEntry,
        ResourceHistory,
        history::HistoryEntry,
        history::FieldChange,
        history::StateAsOf
    ))
)]
pub struct AuditApi;

/// The media type of an .xlsx workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Rows read from the database per cursor fetch while exporting.
const EXPORT_BATCH: i64 = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let resource = |path: &str| {
        web::resource(path.to_string()).default_service(web::to(super::method_not_allowed))
    };
    cfg.service(resource("/audit").route(web::get().to(list)))
        .service(resource("/audit/export.xlsx").route(web::get().to(export)))
        .service(resource("/audit/history/{resource_type}/{id}").route(web::get().to(history)));
}

// ---- parameters ----

/// Longest id, user id or resource type accepted in a filter (longer ones match nothing).
const MAX_TEXT: usize = 200;

fn bad_query(detail: String) -> Problem {
    Problem::bad_request("invalid_query", detail)
}

/// A free-text filter: no control character (PostgreSQL text cannot hold a NUL), bounded.
fn text_param(name: &str, value: Option<String>) -> Result<Option<String>, Problem> {
    match query_text(name, value)? {
        Some(v) if v.chars().count() > MAX_TEXT => Err(bad_query(format!(
            "{name}: paling banyak {MAX_TEXT} karakter."
        ))),
        v => Ok(v),
    }
}

/// A resource type is an aggregate type: lowercase letters, digits and `_`.
fn is_resource_type(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.len() <= 64
}

fn resource_type_param(value: Option<String>) -> Result<Option<String>, Problem> {
    match value {
        Some(v) if !is_resource_type(&v) => Err(bad_query(
            "resource_type: harus huruf kecil, angka dan garis bawah (mis. pegawai, unit_kerja)."
                .into(),
        )),
        v => Ok(v),
    }
}

fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

/// `from`/`to`: a day (`YYYY-MM-DD`, Asia/Jakarta) or an RFC 3339 instant.
enum TimeParam {
    Day(Date),
    Instant(OffsetDateTime),
}

fn time_param(name: &str, value: Option<&str>) -> Result<Option<TimeParam>, Problem> {
    let Some(s) = value.map(str::trim) else {
        return Ok(None);
    };
    if let Some(d) = parse_date(s) {
        return Ok(Some(TimeParam::Day(d)));
    }
    match OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => Ok(Some(TimeParam::Instant(t))),
        Err(_) => Err(bad_query(format!(
            "{name}: '{}' bukan tanggal (TTTT-BB-HH) atau waktu RFC 3339 yang valid.",
            s.chars().take(40).collect::<String>()
        ))),
    }
}

/// The filter shared by the list and the export, every parameter checked.
fn filter(
    user_id: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<AuditFilter, Problem> {
    let action = query_choice("action", action.map(|a| a.to_uppercase()), ACTIONS)?;
    let from = match time_param("from", from.as_deref())? {
        Some(TimeParam::Day(d)) => Some(history::start_of_day(d)),
        Some(TimeParam::Instant(t)) => Some(t),
        None => None,
    };
    // `to` is inclusive: a day counts to its end, an instant to itself (timestamps are kept to
    // the microsecond).
    let before = match time_param("to", to.as_deref())? {
        Some(TimeParam::Day(d)) => history::end_of_day(d),
        Some(TimeParam::Instant(t)) => Some(t + time::Duration::microseconds(1)),
        None => None,
    };
    if let (Some(f), Some(b)) = (from, before)
        && f >= b
    {
        return Err(bad_query("from harus sebelum atau sama dengan to.".into()));
    }
    Ok(AuditFilter {
        user_id: text_param("user_id", user_id)?,
        resource_type: resource_type_param(resource_type)?,
        resource_id: text_param("resource_id", resource_id)?,
        action,
        from,
        before,
    })
}

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this user (the token's `sub`; `system` for work the system did itself).
    #[param(example = "user-1")]
    pub user_id: Option<String>,
    /// Only this resource type (aggregate type).
    #[param(example = "pegawai")]
    pub resource_type: Option<String>,
    /// Only this resource id (a NIP, a kode satker, a UUID).
    #[param(example = "199805142022032003")]
    pub resource_id: Option<String>,
    /// Only this action: CREATE, UPDATE, DELETE, PRINT, APPROVE, REJECT, LOGIN or LOGOUT.
    #[param(example = "UPDATE")]
    pub action: Option<String>,
    /// From this day (`YYYY-MM-DD`, Asia/Jakarta, from 00:00 WIB) or instant (RFC 3339).
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Up to and including this day (`YYYY-MM-DD`, to 24:00 WIB) or instant (RFC 3339).
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// Page, from 1.
    #[param(minimum = 1, example = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub per_page: Option<i64>,
    /// Read your own write: wait (bounded) until the audit trail has the event at this global
    /// position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

/// The OpenAPI description of `Page<AuditEntry>` (written out for the reason given at
/// `PegawaiPageSchema`: utoipa 5 would inline the type parameter).
#[derive(ToSchema)]
#[schema(as = AuditPage, description = "Satu halaman log audit / one page of the audit log.")]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is Page<AuditEntry>"
)]
struct AuditPageSchema {
    data: Vec<AuditEntry>,
    /// 1-based page number.
    #[schema(example = 1)]
    page: i64,
    #[schema(example = 25)]
    per_page: i64,
    /// Rows matching the filters, over all pages.
    #[schema(example = 1)]
    total: i64,
}

/// The OpenAPI description of the .xlsx download: bytes (a binary string), not JSON.
#[derive(ToSchema)]
#[schema(
    as = XlsxFile,
    format = Binary,
    description = "Buku kerja Excel (.xlsx) / an Excel workbook, as bytes."
)]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is the file's bytes"
)]
pub(crate) struct XlsxFileSchema(String);

#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    operation_id = "daftar_audit",
    summary = "Log audit / the audit log",
    description = "Satu halaman log audit, terbaru dahulu (waktu lalu id). Hanya `admin`. / One page of the audit log, newest first (time, then id); `admin` only.",
    params(ListQuery),
    responses(
        (status = 200, description = "Satu halaman / one page", body = AuditPageSchema),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let f = filter(
        q.user_id,
        q.resource_type,
        q.resource_id,
        q.action,
        q.from,
        q.to,
    )?;
    state
        .caught_up(Module::Audit, audit_projector::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Audit, &user).await?;
    let page = queries::list(&mut tx, &f, page, per_page)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Query of `GET /audit/export.xlsx`: the list's filters, without paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only this user.
    #[param(example = "user-1")]
    pub user_id: Option<String>,
    /// Only this resource type.
    #[param(example = "pegawai")]
    pub resource_type: Option<String>,
    /// Only this resource id.
    #[param(example = "199805142022032003")]
    pub resource_id: Option<String>,
    /// Only this action.
    #[param(example = "UPDATE")]
    pub action: Option<String>,
    /// From this day (Asia/Jakarta) or instant (RFC 3339).
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Up to and including this day (Asia/Jakarta) or instant (RFC 3339).
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// Wait (bounded) until the audit trail has the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/audit/export.xlsx",
    tag = "audit",
    operation_id = "ekspor_audit",
    summary = "Unduh log audit (.xlsx) / download the audit log as .xlsx",
    description = "Semua baris yang cocok dengan filter, terlama dahulu, sebagai buku kerja Excel (A4 mendatar, baris judul dibekukan). Hanya `admin`. / Every row matching the filters, oldest first, as an Excel workbook (A4 landscape, frozen header row); `admin` only.",
    params(ExportQuery),
    responses(
        (status = 200, description = "Buku kerja .xlsx / the .xlsx workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFileSchema,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"audit-….xlsx\""))),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn export(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let f = filter(
        q.user_id,
        q.resource_type,
        q.resource_id,
        q.action,
        q.from,
        q.to,
    )?;
    state
        .caught_up(Module::Audit, audit_projector::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Audit, &user).await?;
    let mut cursor = ExportCursor::open(&mut tx, &f, EXPORT_BATCH)
        .await
        .map_err(read_error)?;

    // The workbook is written on a blocking thread while this task reads the next batch; the
    // channel's bound keeps at most two batches in memory.
    let (rows, receiver) = tokio::sync::mpsc::channel::<Vec<AuditEntry>>(2);
    let writer = tokio::task::spawn_blocking(move || xlsx::write(receiver));
    loop {
        let batch = cursor.next_batch(&mut tx).await.map_err(read_error)?;
        if batch.is_empty() || rows.send(batch).await.is_err() {
            // Done, or the writer stopped (its error is reported below).
            break;
        }
    }
    drop(rows);
    drop(tx);
    let file = finished_workbook(writer, "audit").await?;
    let name = OffsetDateTime::now_utc()
        .to_offset(history::JAKARTA)
        .format(format_description!(
            "audit-[year][month][day]-[hour][minute][second].xlsx"
        ))
        .unwrap_or_else(|_| "audit.xlsx".into());
    xlsx_download(file, &name)
}

// ---- .xlsx downloads (shared with the DUK export, `super::duk`) ----

/// The finished workbook of a writer task, or the opaque 500 (its cause logged once, naming
/// the `export`).
///
/// # Errors
/// 500 when the writer failed or panicked.
pub(crate) async fn finished_workbook(
    writer: tokio::task::JoinHandle<anyhow::Result<std::fs::File>>,
    export: &str,
) -> Result<std::fs::File, Problem> {
    match writer.await {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(e)) => {
            tracing::error!(error = %e, export, "{export} export failed");
            Err(Problem::internal())
        }
        Err(e) => {
            tracing::error!(error = %e, export, "{export} export writer panicked");
            Err(Problem::internal())
        }
    }
}

/// 200 with the finished workbook `file` as an attachment named `name`, streamed from the
/// file with its length (the file is never read into memory).
///
/// # Errors
/// 500 when the file cannot be read back.
pub fn xlsx_download(file: std::fs::File, name: &str) -> Result<HttpResponse, Problem> {
    let (file, len) = match rewind(file) {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, file = name, "export file unreadable");
            return Err(Problem::internal());
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, XLSX))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(SizedStream::new(len, file_chunks(file))))
}

/// Back to the start of the finished workbook, with its length.
fn rewind(mut file: std::fs::File) -> std::io::Result<(std::fs::File, u64)> {
    let len = file.seek(SeekFrom::End(0))?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, len))
}

/// The file as a body stream of 64 KiB chunks, each read on the blocking pool. The file is an
/// unnamed temporary one: the OS frees it when the stream (its last handle) is dropped, also
/// when the client goes away mid-download.
fn file_chunks(
    file: std::fs::File,
) -> impl futures::Stream<Item = Result<web::Bytes, actix_web::Error>> {
    futures::stream::try_unfold(Some(file), |file| async move {
        let Some(mut file) = file else {
            return Ok(None);
        };
        let (file, chunk) = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0u8; 64 * 1024];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((file, buf))
        })
        .await
        .map_err(actix_web::error::ErrorInternalServerError)?
        .map_err(actix_web::error::ErrorInternalServerError)?;
        if chunk.is_empty() {
            Ok(None)
        } else {
            Ok(Some((web::Bytes::from(chunk), Some(file))))
        }
    })
}

/// Query of `GET /audit/history/{resource_type}/{id}`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Also give the resource's state at the end of this day (`YYYY-MM-DD`, Asia/Jakarta),
    /// folded from the event store. Before the resource existed: version 0, state `null`.
    #[param(example = "2026-11-29")]
    pub as_of: Option<String>,
    /// Wait (bounded) until the audit trail has the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

/// Checks a history request's path and `as_of`.
///
/// # Errors
/// 400 `invalid_path` or `invalid_query`.
pub fn history_params(
    resource_type: &str,
    id: &str,
    as_of: Option<&str>,
) -> Result<Option<Date>, Problem> {
    if !is_resource_type(resource_type) {
        return Err(Problem::bad_request(
            "invalid_path",
            "Jenis sumber daya harus huruf kecil, angka dan garis bawah (mis. pegawai, unit_kerja).",
        ));
    }
    if id.is_empty() || id.chars().count() > MAX_TEXT || id.chars().any(char::is_control) {
        return Err(Problem::bad_request(
            "invalid_path",
            format!("Id sumber daya harus 1 sampai {MAX_TEXT} karakter tanpa karakter kendali."),
        ));
    }
    as_of
        .map(|s| {
            parse_date(s.trim()).ok_or_else(|| {
                bad_query(format!(
                    "as_of: '{}' bukan tanggal yang valid (format TTTT-BB-HH).",
                    s.chars().take(40).collect::<String>()
                ))
            })
        })
        .transpose()
}

#[utoipa::path(
    get,
    path = "/api/v1/audit/history/{resource_type}/{id}",
    tag = "audit",
    operation_id = "riwayat_audit",
    summary = "Riwayat satu sumber daya / one resource's history",
    description = "Siapa mengubah apa, kapan, dari mana, dengan perintah apa, dan perbedaan per kolom, terlama dahulu; dengan `as_of`, juga keadaannya pada akhir hari itu (WIB) menurut event store. Hanya `admin`. / Who changed what, when, from where, by which command, with a field-level diff, oldest first; with `as_of`, also its state at the end of that day (WIB) per the event store. `admin` only.",
    params(
        ("resource_type" = String, Path, description = "Jenis sumber daya (aggregate type) / resource type", example = "pegawai"),
        ("id" = String, Path, description = "Id sumber daya (NIP, kode satker, UUID) / resource id", example = "199805142022032003"),
        HistoryQuery,
    ),
    responses(
        (status = 200, description = "Riwayat / the history", body = ResourceHistory),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn history(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, Problem> {
    let (resource_type, id) = path.into_inner();
    let q = query.into_inner();
    let as_of = history_params(&resource_type, &id, q.as_of.as_deref())?;
    state
        .caught_up(Module::Audit, audit_projector::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Audit, &user).await?;
    match history::resource_history(&mut tx, &state.eventstore, &resource_type, &id, as_of)
        .await
        .map_err(read_error)?
    {
        Some(h) => Ok(HttpResponse::Ok().json(h)),
        None => Err(Problem::not_found(
            "resource_not_found",
            format!("Tidak ada riwayat untuk {resource_type} {id}."),
        )),
    }
}

/// The workbook: one sheet per 1,048,575 rows (Excel's limit), a bold frozen header, set
/// column widths, A4 landscape fitted to the page width with the header repeated per page.
pub(crate) mod xlsx {
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};
    use sekretariat_projections::audit::queries::AuditEntry;
    use sekretariat_projections::history::JAKARTA;
    use serde_json::Value;
    use tokio::sync::mpsc::Receiver;

    /// Excel's rows per sheet, less the header.
    const ROWS_PER_SHEET: u32 = 1_048_575;
    /// Excel's longest cell text.
    const MAX_CELL: usize = 32_767;
    /// Excel's paper size code of A4.
    pub(crate) const A4: u8 = 9;

    /// (title, width in characters)
    const COLUMNS: &[(&str, f64)] = &[
        ("Waktu (WIB)", 20.0),
        ("ID pengguna", 18.0),
        ("Nama pengguna", 24.0),
        ("Aksi", 10.0),
        ("Jenis sumber daya", 16.0),
        ("ID sumber daya", 38.0),
        ("Nilai lama", 48.0),
        ("Nilai baru", 48.0),
        ("Alamat IP", 16.0),
        ("User agent", 30.0),
        ("ID audit", 38.0),
    ];

    struct Formats {
        header: Format,
        time: Format,
        text: Format,
    }

    fn new_sheet(workbook: &mut Workbook, n: usize, f: &Formats) -> Result<(), XlsxError> {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(if n == 1 {
            "Audit".to_string()
        } else {
            format!("Audit ({n})")
        })?;
        sheet
            .set_landscape()
            .set_paper_size(A4)
            .set_print_fit_to_pages(1, 0)
            .set_header("&C&\"Calibri,Bold\"Log Audit Sekretariat PA")
            .set_footer("&LDicetak &D &T&RHalaman &P dari &N");
        sheet.set_repeat_rows(0, 0)?;
        sheet.set_freeze_panes(1, 0)?;
        for (col, (title, width)) in COLUMNS.iter().enumerate() {
            let col = col as u16;
            sheet.set_column_width(col, *width)?;
            sheet.write_string_with_format(0, col, *title, &f.header)?;
        }
        Ok(())
    }

    /// `s`, cut to Excel's longest cell text (a longer one would fail the whole workbook).
    pub(crate) fn cell_text(s: &str) -> String {
        if s.len() <= MAX_CELL {
            return s.to_string();
        }
        // Cut on a character boundary, leaving room for the mark.
        let mut end = MAX_CELL - 3;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    }

    fn json_text(v: Option<&Value>) -> String {
        v.map(|v| cell_text(&v.to_string())).unwrap_or_default()
    }

    fn write_row(
        sheet: &mut Worksheet,
        row: u32,
        e: &AuditEntry,
        f: &Formats,
    ) -> Result<(), XlsxError> {
        let t = e.created_at.to_offset(JAKARTA);
        let when = ExcelDateTime::from_ymd(t.year() as u16, u8::from(t.month()), t.day())?
            .and_hms(u16::from(t.hour()), t.minute(), t.second())?;
        sheet.write_datetime_with_format(row, 0, &when, &f.time)?;
        let texts = [
            e.user_id.clone().unwrap_or_default(),
            e.user_name.clone().unwrap_or_default(),
            e.action.clone(),
            e.resource_type.clone(),
            e.resource_id.clone(),
            json_text(e.old_value.as_ref()),
            json_text(e.new_value.as_ref()),
            e.ip_address.clone().unwrap_or_default(),
            e.user_agent.clone().unwrap_or_default(),
            e.id.to_string(),
        ];
        for (i, text) in texts.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string_with_format(row, i as u16 + 1, cell_text(text), &f.text)?;
            }
        }
        Ok(())
    }

    /// Writes every batch received, then saves the workbook into an unnamed temporary file
    /// and returns it (positioned at its end).
    ///
    /// Why a temporary file and not a `Vec`: the finished .xlsx of a large export is tens of
    /// megabytes, and the design forbids holding a large export in memory (DESIGN §8); the
    /// file also gives the response its length, and any failure happens before the first
    /// byte is sent, so it can still be a problem+json 500 rather than a truncated download.
    pub fn write(mut batches: Receiver<Vec<AuditEntry>>) -> anyhow::Result<std::fs::File> {
        let formats = Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#D9E1F2")
                .set_border_bottom(FormatBorder::Thin),
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            text: Format::new(),
        };
        let mut workbook = Workbook::new();
        let mut sheets = 1;
        new_sheet(&mut workbook, sheets, &formats)?;
        let mut row: u32 = 0;
        while let Some(batch) = batches.blocking_recv() {
            for e in &batch {
                if row == ROWS_PER_SHEET {
                    sheets += 1;
                    new_sheet(&mut workbook, sheets, &formats)?;
                    row = 0;
                }
                row += 1;
                let sheet = workbook.worksheet_from_index(sheets - 1)?;
                write_row(sheet, row, e, &formats)?;
            }
        }
        let mut file = tempfile::tempfile()?;
        workbook.save_to_writer(&mut file)?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_filter_covers_the_whole_day_in_jakarta() {
        let f = filter(
            None,
            None,
            None,
            Some("update".into()),
            Some("2026-11-01".into()),
            Some("2026-11-30".into()),
        )
        .unwrap();
        assert_eq!(f.action.as_deref(), Some("UPDATE"));
        assert_eq!(f.from, Some(time::macros::datetime!(2026-10-31 17:00 UTC)));
        assert_eq!(
            f.before,
            Some(time::macros::datetime!(2026-11-30 17:00 UTC))
        );
    }

    #[test]
    fn bad_audit_filters_are_refused_with_an_indonesian_detail() {
        let bad = |action: Option<&str>, from: Option<&str>, to: Option<&str>| {
            filter(
                None,
                None,
                None,
                action.map(str::to_string),
                from.map(str::to_string),
                to.map(str::to_string),
            )
            .unwrap_err()
        };
        let p = bad(Some("HAPUS"), None, None);
        assert_eq!((p.status, p.code.as_str()), (400, "invalid_query"));
        assert!(p.detail.contains("Pilihan"), "{}", p.detail);
        let p = bad(None, Some("2026-02-30"), None);
        assert!(p.detail.contains("bukan tanggal"), "{}", p.detail);
        let p = bad(None, Some("2026-12-01"), Some("2026-11-01"));
        assert!(p.detail.contains("from harus sebelum"), "{}", p.detail);
        assert!(
            filter(Some("a\0b".into()), None, None, None, None, None).is_err(),
            "a NUL never reaches PostgreSQL"
        );
        assert!(filter(None, Some("Pegawai".into()), None, None, None, None).is_err());
        assert!(history_params("pegawai", "a\0", None).is_err());
        assert!(history_params("../x", "1", None).is_err());
        assert_eq!(
            history_params("pegawai", "1", Some("2026-11-29")).unwrap(),
            Some(time::macros::date!(2026 - 11 - 29))
        );
    }
}
