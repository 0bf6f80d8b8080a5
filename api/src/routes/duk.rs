//! `/api/v1/kepegawaian/duk` and `/api/v1/kepegawaian/duk.xlsx`: the DUK (Daftar Urut
//! Kepangkatan, PP 15/1979; DOMAIN §5) of one satker for one year, as a JSON page and as an
//! Excel file in the paper form's column layout. The order and who is in it are documented at
//! [`sekretariat_projections::duk`].
//!
//! The .xlsx is written in rust_xlsxwriter's constant-memory mode on a blocking thread, fed by
//! the database stream through a bounded channel (at most a few thousand rows in memory), saved
//! to an unnamed temporary file and streamed back with its length: a DUK of a million lines
//! holds neither its rows nor the finished file in memory (`cargo bench -p sekretariat-api
//! --bench duk_export` measures it).

use actix_web::{HttpResponse, web};
use futures::TryStreamExt;
use sekretariat_projections::duk::{self, DukEntry, DukParams};
use sekretariat_projections::kepegawaian;
use sekretariat_projections::migrate::Module;
use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::audit::{XlsxFileSchema, finished_workbook, xlsx_download};
use super::{AppState, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::query_satker;
use crate::openapi::ReadErrors;
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(paths(daftar_duk, unduh_duk), components(schemas(DukEntry)))]
pub struct DukApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/kepegawaian/duk")
            .route(web::get().to(daftar_duk))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource("/kepegawaian/duk.xlsx")
            .route(web::get().to(unduh_duk))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// Years a DUK may be asked for.
pub const TAHUN: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Rows sent from the database task to the workbook writer at a time.
const BATCH: usize = 1000;

/// Checks the parameters and the caller's scope: `satker_id` is required; `tahun` defaults to
/// the year of `today` (the app's clock); a non-admin may ask only for their own satker (403
/// otherwise, rather than an empty DUK that looks real).
///
/// # Errors
/// 400 `invalid_query` for a missing or malformed satker or a year outside 1900–2100; 403
/// `satker_out_of_scope`.
pub fn duk_params(
    user: &AuthUser,
    satker_id: Option<String>,
    tahun: Option<i32>,
    today: time::Date,
) -> Result<DukParams, Problem> {
    let Some(satker_id) = query_satker(satker_id)? else {
        return Err(Problem::bad_request(
            "invalid_query",
            "satker_id wajib diisi (kode satker, mis. W13-A99).",
        ));
    };
    let tahun = tahun.unwrap_or_else(|| today.year());
    if !TAHUN.contains(&tahun) {
        return Err(Problem::bad_request(
            "invalid_query",
            format!("tahun harus antara {} dan {}.", TAHUN.start(), TAHUN.end()),
        ));
    }
    if !user.is_admin() && user.satker_id.as_deref() != Some(satker_id.as_str()) {
        return Err(Problem::forbidden(
            "satker_out_of_scope",
            "Anda hanya dapat melihat DUK satuan kerja Anda sendiri.",
        ));
    }
    DukParams::tahun(satker_id, tahun)
        .ok_or_else(|| Problem::bad_request("invalid_query", "tahun tidak valid.".to_string()))
}

/// Query of `GET /kepegawaian/duk`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DukQuery {
    /// Kode satker (wajib). Selain admin hanya satker sendiri. / Kode satker (required); a
    /// non-admin only their own.
    #[param(example = "W13-A99")]
    pub satker_id: Option<String>,
    /// Tahun DUK (1900–2100, default tahun ini): masa kerja dan usia per 31 Desember. / The
    /// DUK's year; masa kerja and usia as of 31 December.
    #[param(minimum = 1900, maximum = 2100, example = 2026)]
    pub tahun: Option<i32>,
    /// Page, from 1.
    #[param(minimum = 1, example = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub per_page: Option<i64>,
    /// Wait (bounded) until the read model has applied the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

/// The OpenAPI description of `Page<DukEntry>` (written out for the reason given at
/// `PegawaiPageSchema`: utoipa 5 would inline the type parameter).
#[derive(ToSchema)]
#[schema(as = DukPage, description = "Satu halaman DUK / one page of the DUK.")]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is Page<DukEntry>"
)]
struct DukPageSchema {
    data: Vec<DukEntry>,
    /// 1-based page number.
    #[schema(example = 1)]
    page: i64,
    #[schema(example = 25)]
    per_page: i64,
    /// Lines of the whole DUK.
    #[schema(example = 19)]
    total: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/kepegawaian/duk",
    tag = "kepegawaian",
    operation_id = "daftar_duk",
    summary = "Daftar Urut Kepangkatan / the DUK",
    description = "DUK satu satker (PP 15/1979, DOMAIN §5): PNS dan CPNS urut pangkat (golongan lalu TMT), jabatan (struktural, fungsional, pelaksana; lalu TMT), masa kerja, pendidikan, usia, lalu NIP. Latihan jabatan tidak tercatat di sistem ini sehingga tidak ikut mengurutkan. PPPK tidak termasuk DUK. / The DUK of one satker: PNS and CPNS ordered by pangkat, jabatan, masa kerja, pendidikan, age, then NIP; latihan jabatan is not recorded, PPPK are not ranked.",
    params(DukQuery),
    responses(
        (status = 200, description = "Satu halaman / one page", body = DukPageSchema),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn daftar_duk(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<DukQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let params = duk_params(&user, q.satker_id, q.tahun, state.clock.today())?;
    state
        .caught_up(Module::Kepegawaian, kepegawaian::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let page = duk::page(&mut tx, &params, page, per_page)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Query of `GET /kepegawaian/duk.xlsx`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DukXlsxQuery {
    /// Kode satker (wajib). Selain admin hanya satker sendiri. / Kode satker (required).
    #[param(example = "W13-A99")]
    pub satker_id: Option<String>,
    /// Tahun DUK (1900–2100, default tahun ini). / The DUK's year.
    #[param(minimum = 1900, maximum = 2100, example = 2026)]
    pub tahun: Option<i32>,
    /// Wait (bounded) until the read model has applied the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/kepegawaian/duk.xlsx",
    tag = "kepegawaian",
    operation_id = "unduh_duk",
    summary = "Unduh DUK (.xlsx) / download the DUK as .xlsx",
    description = "DUK satu satker sebagai buku kerja Excel dengan kolom formulir DUK (No, Nama, NIP, Pangkat gol/ruang dan TMT, Jabatan dan TMT, Masa kerja thn/bln, Latihan jabatan, Pendidikan, Tanggal lahir/usia, Keterangan), judul dua baris, baris judul dibekukan, A4 mendatar. / The DUK as an Excel workbook in the paper form's layout (two-row header, frozen, A4 landscape).",
    params(DukXlsxQuery),
    responses(
        (status = 200, description = "Buku kerja .xlsx / the .xlsx workbook",
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            body = XlsxFileSchema,
            headers(("Content-Disposition" = String, description = "attachment; filename=\"DUK-<satker>-<tahun>.xlsx\""))),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn unduh_duk(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<DukXlsxQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let params = duk_params(&user, q.satker_id, q.tahun, state.clock.today())?;
    state
        .caught_up(Module::Kepegawaian, kepegawaian::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let (writer, rows) = write_workbook(&mut tx, &params).await.map_err(read_error)?;
    drop(tx);
    let file = finished_workbook(writer, "duk").await?;
    tracing::info!(satker_id = %params.satker_id, rows, "DUK exported");
    xlsx_download(file, &file_name(&params))
}

/// `DUK-<satker>-<tahun>.xlsx` (a kode satker is letters, digits and `-`).
pub fn file_name(params: &DukParams) -> String {
    format!(
        "DUK-{}-{}.xlsx",
        params.satker_id,
        params.per_tanggal.year()
    )
}

/// The writer of a DUK workbook, on the blocking pool: its handle gives the saved file.
pub type Writer = tokio::task::JoinHandle<anyhow::Result<std::fs::File>>;

/// The export as the handler runs it: the DUK streamed from `conn` (a scoped read) in batches
/// through a bounded channel to the workbook writer on a blocking thread. Returns once every
/// row is sent, with the number of rows sent; the writer's handle then gives the saved file
/// (at its end).
///
/// # Errors
/// A database error while reading; the writer is then told to stop without saving.
pub async fn write_workbook(
    conn: &mut PgConnection,
    params: &DukParams,
) -> Result<(Writer, u64), sqlx::Error> {
    // Two batches in the channel plus one being written and one being filled: at most four
    // thousand rows in memory, whatever the DUK's length.
    let (rows, receiver) = tokio::sync::mpsc::channel::<Vec<DukEntry>>(2);
    let sheet = xlsx::Sheet {
        satker_id: params.satker_id.clone(),
        per_tanggal: params.per_tanggal,
    };
    let writer = tokio::task::spawn_blocking(move || xlsx::write(&sheet, receiver));
    let mut stream = duk::stream(conn, params);
    let mut batch = Vec::with_capacity(BATCH);
    let mut sent = 0;
    while let Some(entry) = stream.try_next().await? {
        batch.push(entry);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if rows.send(full).await.is_err() {
                // The writer stopped; its error is in its handle.
                return Ok((writer, sent));
            }
            sent += BATCH as u64;
        }
    }
    let last = batch.len() as u64;
    if last > 0 {
        if rows.send(batch).await.is_err() {
            return Ok((writer, sent));
        }
        sent += last;
    }
    // The end mark: an empty batch. A writer whose channel closes without it was abandoned
    // (a database error above) and does not save.
    let _ = rows.send(Vec::new()).await;
    Ok((writer, sent))
}

/// The workbook in the DUK form's layout: a title, a two-row merged header (frozen, repeated on
/// every printed page), one line per pegawai with thin borders; A4 landscape fitted to one page
/// wide. One sheet per 1,048,572 lines (Excel's row limit less the title and header).
pub mod xlsx {
    use rust_xlsxwriter::{
        ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
    };
    use sekretariat_domain::values::Pendidikan;
    use sekretariat_projections::duk::DukEntry;
    use time::Date;
    use tokio::sync::mpsc::Receiver;

    use crate::routes::audit::xlsx::{A4, cell_text};

    /// What the sheet's title says.
    pub struct Sheet {
        pub satker_id: String,
        pub per_tanggal: Date,
    }

    /// Title rows, then the two header rows; lines start below them.
    pub const TITLE_ROWS: u32 = 2;
    pub const HEADER_ROWS: u32 = 2;
    pub const FIRST_LINE: u32 = TITLE_ROWS + HEADER_ROWS;
    /// Excel's rows per sheet, less title and header.
    const LINES_PER_SHEET: u32 = 1_048_576 - FIRST_LINE;
    /// The columns.
    pub const COLUMNS: u16 = 14;
    /// Text of "Latihan jabatan" on every line: the read model does not record it.
    pub const LATIHAN_TIDAK_TERCATAT: &str = "(tidak tercatat di sistem)";

    /// Header groups: (first column, last column, top text, sub-header texts). A group of one
    /// column with no sub-header spans both header rows.
    const HEADER: &[(u16, u16, &str, &[&str])] = &[
        (0, 0, "No", &[]),
        (1, 1, "Nama", &[]),
        (2, 2, "NIP", &[]),
        (3, 4, "Pangkat", &["Gol/Ruang", "TMT"]),
        (5, 6, "Jabatan", &["Nama", "TMT"]),
        (7, 8, "Masa Kerja", &["Thn", "Bln"]),
        (9, 9, "Latihan Jabatan", &[LATIHAN_TIDAK_TERCATAT]),
        (10, 10, "Pendidikan", &["Tingkat Ijazah"]),
        (11, 12, "Lahir", &["Tanggal", "Usia (thn)"]),
        (13, 13, "Keterangan", &[]),
    ];
    const WIDTHS: [f64; COLUMNS as usize] = [
        6.0, 34.0, 21.0, 24.0, 11.0, 34.0, 11.0, 6.0, 6.0, 20.0, 12.0, 11.0, 8.0, 18.0,
    ];

    struct Formats {
        title: Format,
        header: Format,
        text: Format,
        center: Format,
        number: Format,
        date: Format,
    }

    fn formats() -> Formats {
        let cell = Format::new().set_border(FormatBorder::Thin);
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(13)
                .set_align(FormatAlign::Center),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("#D9E1F2")
                .set_border(FormatBorder::Thin),
            text: cell.clone(),
            center: cell.clone().set_align(FormatAlign::Center),
            number: cell.clone().set_align(FormatAlign::Center),
            date: cell
                .set_num_format("dd-mm-yyyy")
                .set_align(FormatAlign::Center),
        }
    }

    fn new_sheet(
        workbook: &mut Workbook,
        n: usize,
        info: &Sheet,
        f: &Formats,
    ) -> Result<(), XlsxError> {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(if n == 1 {
            "DUK".to_string()
        } else {
            format!("DUK ({n})")
        })?;
        let tahun = info.per_tanggal.year();
        sheet
            .set_landscape()
            .set_paper_size(A4)
            .set_print_fit_to_pages(1, 0)
            .set_header(format!(
                "&C&\"Calibri,Bold\"Daftar Urut Kepangkatan {} Tahun {tahun}",
                info.satker_id
            ))
            .set_footer("&LDicetak &D&RHalaman &P dari &N");
        sheet.set_repeat_rows(TITLE_ROWS, FIRST_LINE - 1)?;
        sheet.set_freeze_panes(FIRST_LINE, 0)?;
        for (col, width) in WIDTHS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        // Constant memory: rows must be written in order (merges across rows are written
        // ahead by the library).
        sheet.merge_range(
            0,
            0,
            0,
            COLUMNS - 1,
            "DAFTAR URUT KEPANGKATAN PEGAWAI NEGERI SIPIL",
            &f.title,
        )?;
        sheet.merge_range(
            1,
            0,
            1,
            COLUMNS - 1,
            &format!(
                "Satuan kerja {} — keadaan per {:02}-{:02}-{}",
                info.satker_id,
                info.per_tanggal.day(),
                u8::from(info.per_tanggal.month()),
                tahun
            ),
            &f.title,
        )?;
        let top = TITLE_ROWS;
        for (first, last, title, subs) in HEADER {
            if subs.is_empty() {
                sheet.merge_range(top, *first, top + 1, *last, title, &f.header)?;
            } else if first == last {
                sheet.write_string_with_format(top, *first, *title, &f.header)?;
            } else {
                sheet.merge_range(top, *first, top, *last, title, &f.header)?;
            }
        }
        for (first, _, _, subs) in HEADER {
            for (i, sub) in subs.iter().enumerate() {
                sheet.write_string_with_format(top + 1, first + i as u16, *sub, &f.header)?;
            }
        }
        Ok(())
    }

    fn date(
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        d: Date,
        f: &Format,
    ) -> Result<(), XlsxError> {
        let d = ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?;
        sheet.write_date_with_format(row, col, &d, f)?;
        Ok(())
    }

    fn write_line(
        sheet: &mut Worksheet,
        row: u32,
        e: &DukEntry,
        f: &Formats,
    ) -> Result<(), XlsxError> {
        sheet.write_number_with_format(row, 0, e.nomor as f64, &f.center)?;
        sheet.write_string_with_format(row, 1, cell_text(&e.nama_lengkap()), &f.text)?;
        sheet.write_string_with_format(row, 2, &e.nip, &f.center)?;
        let pangkat = match e.pangkat.as_deref() {
            Some(p) => format!("{p}, {}", e.golongan),
            None => e.golongan.clone(),
        };
        sheet.write_string_with_format(row, 3, cell_text(&pangkat), &f.text)?;
        date(sheet, row, 4, e.tmt_golongan, &f.date)?;
        sheet.write_string_with_format(row, 5, cell_text(&e.jabatan_nama), &f.text)?;
        date(sheet, row, 6, e.tmt_jabatan, &f.date)?;
        match (e.masa_kerja_tahun, e.masa_kerja_bulan) {
            (Some(t), Some(b)) => {
                sheet.write_number_with_format(row, 7, f64::from(t), &f.number)?;
                sheet.write_number_with_format(row, 8, f64::from(b), &f.number)?;
            }
            _ => {
                sheet.write_blank(row, 7, &f.number)?;
                sheet.write_blank(row, 8, &f.number)?;
            }
        }
        sheet.write_blank(row, 9, &f.text)?;
        let pendidikan = Pendidikan::parse(&e.pendidikan_terakhir).map_or_else(
            |_| cell_text(&e.pendidikan_terakhir),
            |p| p.label().to_string(),
        );
        sheet.write_string_with_format(row, 10, pendidikan, &f.center)?;
        date(sheet, row, 11, e.tanggal_lahir, &f.date)?;
        sheet.write_number_with_format(row, 12, f64::from(e.usia_tahun), &f.number)?;
        if e.jenis_pegawai == "CPNS" {
            sheet.write_string_with_format(row, 13, "CPNS", &f.text)?;
        } else {
            sheet.write_blank(row, 13, &f.text)?;
        }
        Ok(())
    }

    /// Writes every batch received until the end mark (an empty batch), then saves the
    /// workbook into an unnamed temporary file and returns it (positioned at its end). A
    /// channel closed before the end mark means the export was abandoned: nothing is saved.
    ///
    /// # Errors
    /// The library's errors, the temporary file's, or an abandoned export.
    pub fn write(
        info: &Sheet,
        mut batches: Receiver<Vec<DukEntry>>,
    ) -> anyhow::Result<std::fs::File> {
        let f = formats();
        let mut workbook = Workbook::new();
        let mut sheets = 1;
        new_sheet(&mut workbook, sheets, info, &f)?;
        let mut row = FIRST_LINE;
        let mut complete = false;
        while let Some(batch) = batches.blocking_recv() {
            if batch.is_empty() {
                complete = true;
                break;
            }
            for e in &batch {
                if row == FIRST_LINE + LINES_PER_SHEET {
                    sheets += 1;
                    new_sheet(&mut workbook, sheets, info, &f)?;
                    row = FIRST_LINE;
                }
                let sheet = workbook.worksheet_from_index(sheets - 1)?;
                write_line(sheet, row, e, &f)?;
                row += 1;
            }
        }
        if !complete {
            anyhow::bail!("DUK export abandoned before its last row");
        }
        let mut file = tempfile::tempfile()?;
        workbook.save_to_writer(&mut file)?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn user(roles: &[Role], satker: Option<&str>) -> AuthUser {
        AuthUser {
            sub: "u".into(),
            username: "u".into(),
            name: None,
            roles: roles.to_vec(),
            satker_id: satker.map(str::to_string),
            unit_kerja_id: None,
            nip: None,
        }
    }

    #[test]
    fn duk_parameters_are_checked_before_anything_is_read() {
        let today = time::macros::date!(2027 - 03 - 01);
        let admin = user(&[Role::Admin], None);
        let p = duk_params(&admin, Some("W13-A99".into()), Some(2025), today).unwrap();
        assert_eq!(p.per_tanggal, time::macros::date!(2025 - 12 - 31));
        assert_eq!(file_name(&p), "DUK-W13-A99-2025.xlsx");
        let bad = |satker: Option<&str>, tahun: Option<i32>| {
            duk_params(&admin, satker.map(str::to_string), tahun, today).unwrap_err()
        };
        for (s, t) in [
            (None, Some(2026)),
            (Some("w13 a99"), None),
            (Some("W13-A99"), Some(1899)),
            (Some("W13-A99"), Some(2101)),
        ] {
            let p = bad(s, t);
            assert_eq!(
                (p.status, p.code.as_str()),
                (400, "invalid_query"),
                "{s:?} {t:?}"
            );
        }
        assert!(bad(None, None).detail.contains("wajib"));
        assert!(bad(Some("W13-A99"), Some(0)).detail.contains("1900"));
        let kasubag = user(&[Role::KasubagKepegawaian], Some("W13-A98"));
        let p = duk_params(&kasubag, Some("W13-A99".into()), None, today).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (403, "satker_out_of_scope"));
        let own = duk_params(&kasubag, Some("W13-A98".into()), None, today).unwrap();
        assert_eq!(
            own.per_tanggal,
            time::macros::date!(2027 - 12 - 31),
            "this year by the app's clock"
        );
    }
}
