//! `/api/v1/pegawai`: register and change pegawai (admin, kasubag_kepegawaian), list and read
//! them with their riwayat (any role).

use actix_web::{HttpResponse, web};
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::commands::{DataPegawaiBaru, PegawaiCommand, PerubahanPegawai};
use sekretariat_domain::values::{Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId};
use sekretariat_projections::kepegawaian::{
    self, PegawaiFilter, PegawaiView, Riwayat, StatusFilter, queries,
};
use sekretariat_projections::migrate::Module;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{AppState, ReadQuery, accepted, created, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::{Fields, RequestMeta};
use crate::openapi::{
    CommandErrors, CommandOutcomeSchema, IdempotencyKeyHeader, ItemErrors, ReadErrors,
};
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(paths(list, daftarkan, get, ubah, riwayat))]
pub struct PegawaiApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/pegawai")
            .route(web::get().to(list))
            .route(web::post().to(daftarkan))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource("/pegawai/{nip}")
            .route(web::get().to(get))
            .route(web::patch().to(ubah))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource("/pegawai/{nip}/riwayat")
            .route(web::get().to(riwayat))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// A non-admin writes only inside their own satker.
pub fn ensure_own_satker(user: &AuthUser, satker_id: &str) -> Result<(), Problem> {
    if user.is_admin() || user.satker_id.as_deref() == Some(satker_id) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "satker_out_of_scope",
            "Anda hanya dapat mengubah data pada satuan kerja Anda sendiri.",
        ))
    }
}

/// Body of `POST /pegawai`. Values stay strings here so every bad field is reported at once
/// (422 `validation_failed`), not the first one serde meets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
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
}))]
pub struct DaftarkanBody {
    /// NIP, 18 digits; its embedded birth date, TMT CPNS and sex must match the other fields.
    #[schema(example = "199805142022032003")]
    pub nip: String,
    #[schema(example = "Putri Maharani")]
    pub nama: String,
    #[schema(example = json!(null))]
    pub gelar_depan: Option<String>,
    #[schema(example = "S.H.")]
    pub gelar_belakang: Option<String>,
    #[schema(example = "Bekasi")]
    pub tempat_lahir: String,
    #[schema(format = Date, example = "1998-05-14")]
    pub tanggal_lahir: String,
    /// `L` or `P`.
    #[schema(example = "P")]
    pub jenis_kelamin: String,
    /// `PNS`, `CPNS` or `PPPK`.
    #[schema(example = "PNS")]
    pub jenis_pegawai: String,
    /// Golongan ruang (`III/a`) or, for PPPK, golongan PPPK (`IX`).
    #[schema(example = "III/a")]
    pub golongan: String,
    #[schema(format = Date, example = "2022-03-01")]
    pub tmt_golongan: String,
    #[schema(format = Uuid)]
    pub jabatan_id: String,
    #[schema(format = Date, example = "2023-03-01")]
    pub tmt_jabatan: String,
    #[schema(format = Uuid)]
    pub unit_kerja_id: String,
    /// Kode satker; a non-admin registers only in their own satker.
    #[schema(example = "W13-A99")]
    pub satker_id: String,
    /// `SD`, `SLTP`, `SLTP_KEJURUAN`, `SLTA`, `D1`, `D2`, `D3`, `D4`, `S1`, `S2` or `S3`.
    #[schema(example = "S1")]
    pub pendidikan_terakhir: String,
    #[schema(format = Date, example = "2022-03-01")]
    pub tmt_cpns: Option<String>,
    #[schema(format = Date, example = "2023-03-01")]
    pub tmt_pns: Option<String>,
    #[schema(format = Date, example = json!(null))]
    pub tmt_pppk: Option<String>,
}

impl DaftarkanBody {
    /// Every field checked; all failures reported together.
    ///
    /// # Errors
    /// 422 with the field errors.
    pub fn try_into_domain(self) -> Result<DataPegawaiBaru, Problem> {
        let mut f = Fields::default();
        let jenis_pegawai = f.take("jenis_pegawai", JenisPegawai::parse(&self.jenis_pegawai));
        let nip = match jenis_pegawai {
            Some(j) => f.take("nip", Nip::parse(&self.nip, j)),
            None => f.take("nip", Nip::parse_any(&self.nip)),
        };
        let tanggal_lahir = f.date("tanggal_lahir", &self.tanggal_lahir);
        let jenis_kelamin = f.take("jenis_kelamin", JenisKelamin::parse(&self.jenis_kelamin));
        let golongan = f.take("golongan", Golongan::parse(&self.golongan));
        let tmt_golongan = f.date("tmt_golongan", &self.tmt_golongan);
        let jabatan_id = f.uuid("jabatan_id", &self.jabatan_id);
        let tmt_jabatan = f.date("tmt_jabatan", &self.tmt_jabatan);
        let unit_kerja_id = f.uuid("unit_kerja_id", &self.unit_kerja_id);
        let satker_id = f.take("satker_id", SatkerId::parse(&self.satker_id));
        let pendidikan = f.take(
            "pendidikan_terakhir",
            Pendidikan::parse(&self.pendidikan_terakhir),
        );
        let tmt_cpns = f.opt_date("tmt_cpns", self.tmt_cpns.as_deref());
        let tmt_pns = f.opt_date("tmt_pns", self.tmt_pns.as_deref());
        let tmt_pppk = f.opt_date("tmt_pppk", self.tmt_pppk.as_deref());
        f.finish()?;
        // Every Option above is Some when finish() passed.
        let missing = || Problem::internal();
        Ok(DataPegawaiBaru {
            nip: nip.ok_or_else(missing)?,
            nama: self.nama,
            gelar_depan: self.gelar_depan,
            gelar_belakang: self.gelar_belakang,
            tempat_lahir: self.tempat_lahir,
            tanggal_lahir: tanggal_lahir.ok_or_else(missing)?,
            jenis_kelamin: jenis_kelamin.ok_or_else(missing)?,
            jenis_pegawai: jenis_pegawai.ok_or_else(missing)?,
            golongan: golongan.ok_or_else(missing)?,
            tmt_golongan: tmt_golongan.ok_or_else(missing)?,
            jabatan_id: jabatan_id.ok_or_else(missing)?,
            tmt_jabatan: tmt_jabatan.ok_or_else(missing)?,
            unit_kerja_id: unit_kerja_id.ok_or_else(missing)?,
            satker_id: satker_id.ok_or_else(missing)?,
            pendidikan_terakhir: pendidikan.ok_or_else(missing)?,
            tmt_cpns: tmt_cpns.ok_or_else(missing)?,
            tmt_pns: tmt_pns.ok_or_else(missing)?,
            tmt_pppk: tmt_pppk.ok_or_else(missing)?,
        })
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/pegawai",
    tag = "pegawai",
    operation_id = "daftarkan_pegawai",
    summary = "Daftarkan pegawai / register a pegawai",
    params(IdempotencyKeyHeader),
    request_body(content = DaftarkanBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Terdaftar / registered; `Location` names the new pegawai", body = CommandOutcomeSchema,
            headers(("Location" = String, description = "/api/v1/pegawai/{nip}"))),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn daftarkan(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    body: web::Json<DaftarkanBody>,
) -> Result<HttpResponse, Problem> {
    let data = body.into_inner().try_into_domain()?;
    ensure_own_satker(&user, data.satker_id.as_str())?;
    let nip = data.nip.as_str().to_string();
    let outcome = state
        .bus
        .execute(
            &state.bus.pegawai,
            &nip,
            PegawaiCommand::Daftarkan(data),
            &meta.0.for_command("pegawai.daftarkan"),
        )
        .await?;
    Ok(created(format!("/api/v1/pegawai/{nip}"), outcome))
}

/// Body of `PATCH /pegawai/{nip}`: only the fields present change. `gelar_depan` and
/// `gelar_belakang` are cleared with an empty string. A new golongan comes with its TMT, a new
/// jabatan with its TMT.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"golongan": "III/b", "tmt_golongan": "2026-04-01"}))]
pub struct UbahBody {
    #[schema(example = "Putri Maharani")]
    pub nama: Option<String>,
    /// An empty string clears it.
    pub gelar_depan: Option<String>,
    /// An empty string clears it.
    #[schema(example = "S.H., M.H.")]
    pub gelar_belakang: Option<String>,
    pub tempat_lahir: Option<String>,
    #[schema(example = "S2")]
    pub pendidikan_terakhir: Option<String>,
    /// New golongan; requires `tmt_golongan`.
    #[schema(example = "III/b")]
    pub golongan: Option<String>,
    #[schema(format = Date, example = "2026-04-01")]
    pub tmt_golongan: Option<String>,
    /// New jabatan; requires `tmt_jabatan`.
    #[schema(format = Uuid)]
    pub jabatan_id: Option<String>,
    #[schema(format = Date, example = "2026-04-01")]
    pub tmt_jabatan: Option<String>,
    /// Move to another unit kerja of the same satker.
    #[schema(format = Uuid)]
    pub unit_kerja_id: Option<String>,
    /// Appoint a CPNS as PNS from this date.
    #[schema(format = Date, example = "2023-03-01")]
    pub tmt_pns: Option<String>,
}

impl UbahBody {
    /// # Errors
    /// 422 with the field errors.
    pub fn try_into_domain(self) -> Result<PerubahanPegawai, Problem> {
        let mut f = Fields::default();
        let pendidikan = match &self.pendidikan_terakhir {
            Some(p) => f
                .take("pendidikan_terakhir", Pendidikan::parse(p))
                .map(Some),
            None => Some(None),
        };
        let golongan = match (&self.golongan, &self.tmt_golongan) {
            (None, None) => Some(None),
            (Some(g), Some(t)) => {
                let g = f.take("golongan", Golongan::parse(g));
                let t = f.date("tmt_golongan", t);
                g.zip(t).map(Some)
            }
            (Some(_), None) => {
                f.push(
                    "tmt_golongan",
                    "wajib_diisi",
                    "Golongan baru harus disertai TMT golongan.",
                );
                None
            }
            (None, Some(_)) => {
                f.push(
                    "golongan",
                    "wajib_diisi",
                    "TMT golongan hanya dapat diisi bersama golongan baru.",
                );
                None
            }
        };
        let jabatan = match (&self.jabatan_id, &self.tmt_jabatan) {
            (None, None) => Some(None),
            (Some(j), Some(t)) => {
                let j = f.uuid("jabatan_id", j);
                let t = f.date("tmt_jabatan", t);
                j.zip(t).map(Some)
            }
            (Some(_), None) => {
                f.push(
                    "tmt_jabatan",
                    "wajib_diisi",
                    "Jabatan baru harus disertai TMT jabatan.",
                );
                None
            }
            (None, Some(_)) => {
                f.push(
                    "jabatan_id",
                    "wajib_diisi",
                    "TMT jabatan hanya dapat diisi bersama jabatan baru.",
                );
                None
            }
        };
        let unit = match &self.unit_kerja_id {
            Some(u) => f.uuid("unit_kerja_id", u).map(Some),
            None => Some(None),
        };
        let status_pns = f.opt_date("tmt_pns", self.tmt_pns.as_deref());
        f.finish()?;
        let clear = |s: Option<String>| s.map(|s| Some(s).filter(|s| !s.trim().is_empty()));
        Ok(PerubahanPegawai {
            nama: self.nama,
            gelar_depan: clear(self.gelar_depan),
            gelar_belakang: clear(self.gelar_belakang),
            tempat_lahir: self.tempat_lahir,
            pendidikan_terakhir: pendidikan.flatten(),
            golongan: golongan.flatten(),
            jabatan: jabatan.flatten(),
            unit_kerja_id: unit.flatten(),
            status_pns: status_pns.flatten(),
        })
    }
}

#[utoipa::path(
    patch,
    path = "/api/v1/pegawai/{nip}",
    tag = "pegawai",
    operation_id = "ubah_pegawai",
    summary = "Ubah data pegawai / change a pegawai",
    params(("nip" = String, Path, description = "NIP pegawai, 18 digit / the pegawai's NIP, 18 digits", example = "199805142022032003"), IdempotencyKeyHeader),
    request_body(content = UbahBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Diubah / changed", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn ubah(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<String>,
    body: web::Json<UbahBody>,
) -> Result<HttpResponse, Problem> {
    let nip = Nip::parse_any(&path).map_err(Problem::from)?;
    let perubahan = body.into_inner().try_into_domain()?;
    let current: Option<Pegawai> = state.bus.load_pegawai(nip.as_str()).await?;
    match current.as_ref().and_then(|p| p.satker_id()) {
        Some(satker) => ensure_own_satker(&user, satker.as_str())?,
        None => {
            return Err(Problem::not_found(
                "pegawai_tidak_ditemukan",
                format!("Pegawai dengan NIP {} tidak ditemukan.", nip.as_str()),
            ));
        }
    }
    let outcome = state
        .bus
        .execute(
            &state.bus.pegawai,
            nip.as_str(),
            PegawaiCommand::Ubah(perubahan),
            &meta.0.for_command("pegawai.ubah"),
        )
        .await?;
    Ok(accepted(outcome))
}

/// The OpenAPI description of `Page<PegawaiView>`. Written out because utoipa 5 inlines a
/// generic's type parameter (juhaku/utoipa#1586), which would give clients an anonymous copy
/// of `PegawaiView`; the generated-input test checks real pages against it.
#[derive(ToSchema)]
#[schema(as = PegawaiPage, description = "Satu halaman pegawai / one page of pegawai.")]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is Page<PegawaiView>"
)]
struct PegawaiPageSchema {
    data: Vec<PegawaiView>,
    /// 1-based page number.
    #[schema(example = 1)]
    page: i64,
    #[schema(example = 25)]
    per_page: i64,
    /// Rows matching the filters, over all pages.
    #[schema(example = 1)]
    total: i64,
}

/// Query of `GET /pegawai`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this satker (kode). Non-admins see only their own satker anyway.
    #[param(example = "W13-A99")]
    pub satker_id: Option<String>,
    /// Only this unit kerja.
    pub unit_kerja_id: Option<uuid::Uuid>,
    /// Only this golongan.
    #[param(example = "III/a")]
    pub golongan: Option<String>,
    /// Only `PNS`, `CPNS` or `PPPK`.
    #[param(example = "PNS")]
    pub jenis_pegawai: Option<String>,
    /// Part of the name (case-insensitive) or the start of a NIP.
    #[param(example = "putri")]
    pub q: Option<String>,
    /// By status today: `aktif` (default), `keluar` (moved out by an SK mutasi), `pensiun`, or
    /// `semua`. A mutasi or pensiun counts from its TMT.
    #[param(example = "aktif")]
    pub status: Option<String>,
    /// Page, from 1.
    #[param(minimum = 1, example = 1)]
    pub page: Option<i64>,
    /// Rows per page, 1 to 100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub per_page: Option<i64>,
    /// Read your own write: wait (bounded) for the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/pegawai",
    tag = "pegawai",
    operation_id = "daftar_pegawai",
    summary = "Daftar pegawai / list pegawai",
    description = "Satu halaman pegawai, urut nama lalu NIP. `staf` hanya melihat datanya sendiri. / One page, ordered by name then NIP; a `staf` sees only their own record.",
    params(ListQuery),
    responses(
        (status = 200, description = "Satu halaman / one page", body = PegawaiPageSchema),
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
    let golongan = match q.golongan.as_deref() {
        Some(g) => Some(
            Golongan::parse(g)
                .map_err(|e| {
                    Problem::bad_request("invalid_query", format!("golongan: {}", e.message))
                })?
                .to_string(),
        ),
        None => None,
    };
    let jenis_pegawai = match q.jenis_pegawai.as_deref() {
        Some(j) => Some(
            serde_json::to_value(JenisPegawai::parse(j).map_err(|e| {
                Problem::bad_request("invalid_query", format!("jenis_pegawai: {}", e.message))
            })?)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        ),
        None => None,
    };
    state
        .caught_up(Module::Kepegawaian, kepegawaian::NAME, q.min_position)
        .await?;
    let filter = PegawaiFilter {
        nip: own_nip(&user),
        satker_id: crate::extract::query_satker(q.satker_id)?,
        unit_kerja_id: q.unit_kerja_id,
        golongan,
        jenis_pegawai,
        q: crate::extract::query_text("q", q.q)?,
        status: status_filter(q.status)?,
    };
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let page = queries::list_pegawai(&mut tx, &filter, page, per_page)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(page))
}

/// The `status` query parameter.
fn status_filter(value: Option<String>) -> Result<StatusFilter, Problem> {
    Ok(
        match crate::extract::query_choice(
            "status",
            value,
            &["aktif", "keluar", "pensiun", "semua"],
        )?
        .as_deref()
        {
            Some("keluar") => StatusFilter::Keluar,
            Some("pensiun") => StatusFilter::Pensiun,
            Some("semua") => StatusFilter::Semua,
            _ => StatusFilter::Aktif,
        },
    )
}

/// The NIP a staf-only caller is limited to; `None` for everyone else. A staf token without a
/// `nip` claim is limited to a NIP no one has, so it sees nothing.
fn own_nip(user: &AuthUser) -> Option<String> {
    crate::rbac::staf_only(user).then(|| user.nip.clone().unwrap_or_else(|| "-".into()))
}

fn pegawai_not_found(nip: &Nip) -> Problem {
    Problem::not_found(
        "pegawai_tidak_ditemukan",
        format!("Pegawai dengan NIP {} tidak ditemukan.", nip.as_str()),
    )
}

/// Waits for `min_position`, opens a scoped read and fetches the pegawai the caller may see.
/// Someone outside the caller's scope is "not found", not "forbidden": the API does not confirm
/// that a NIP exists elsewhere.
async fn visible_pegawai(
    state: &AppState,
    user: &AuthUser,
    path: &str,
    min_position: Option<i64>,
) -> Result<
    (
        sqlx::Transaction<'static, sqlx::Postgres>,
        Nip,
        kepegawaian::PegawaiView,
    ),
    Problem,
> {
    let nip = Nip::parse_any(path).map_err(Problem::from)?;
    if own_nip(user).is_some_and(|own| own != nip.as_str()) {
        return Err(pegawai_not_found(&nip));
    }
    state
        .caught_up(Module::Kepegawaian, kepegawaian::NAME, min_position)
        .await?;
    let mut tx = scoped_read(state, Module::Kepegawaian, user).await?;
    match queries::get_pegawai(&mut tx, nip.as_str())
        .await
        .map_err(read_error)?
    {
        Some(p) => Ok((tx, nip, p)),
        None => Err(pegawai_not_found(&nip)),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/pegawai/{nip}",
    tag = "pegawai",
    operation_id = "detail_pegawai",
    summary = "Detail pegawai / one pegawai",
    params(("nip" = String, Path, description = "NIP pegawai, 18 digit / the pegawai's NIP, 18 digits", example = "199805142022032003"), ReadQuery),
    responses(
        (status = 200, description = "Pegawai", body = PegawaiView),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    let (_tx, _nip, p) = visible_pegawai(&state, &user, &path, query.min_position).await?;
    Ok(HttpResponse::Ok().json(p))
}

#[utoipa::path(
    get,
    path = "/api/v1/pegawai/{nip}/riwayat",
    tag = "pegawai",
    operation_id = "riwayat_pegawai",
    summary = "Riwayat pangkat dan jabatan / rank and position history",
    params(("nip" = String, Path, description = "NIP pegawai, 18 digit / the pegawai's NIP, 18 digits", example = "199805142022032003"), ReadQuery),
    responses(
        (status = 200, description = "Riwayat, terlama dahulu / oldest first", body = Riwayat),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn riwayat(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    let (mut tx, nip, _) = visible_pegawai(&state, &user, &path, query.min_position).await?;
    let r = queries::riwayat(&mut tx, nip.as_str())
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(r))
}
