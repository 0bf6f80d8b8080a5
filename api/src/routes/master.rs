//! `/api/v1/master/...`: satker, unit kerja and jabatan (written by `admin`), and the golongan
//! reference. Read by any role.

use actix_web::{HttpResponse, web};
use sekretariat_domain::master::jabatan::{JabatanCommand, JenisJabatan};
use sekretariat_domain::master::satker::SatkerCommand;
use sekretariat_domain::master::unit_kerja::UnitKerjaCommand;
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::SatkerId;
use sekretariat_projections::master::{
    self, GolonganView, JabatanView, SatkerView, UnitKerjaView, queries,
};
use sekretariat_projections::migrate::Module;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

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
#[openapi(paths(
    list_satker,
    daftarkan_satker,
    get_satker,
    ubah_satker,
    list_unit_kerja,
    bentuk_unit_kerja,
    get_unit_kerja,
    ubah_unit_kerja,
    list_jabatan,
    buat_jabatan,
    get_jabatan,
    ubah_jabatan,
    list_golongan,
))]
pub struct MasterApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    let resource = |path: &str| {
        web::resource(path.to_string()).default_service(web::to(super::method_not_allowed))
    };
    cfg.service(
        resource("/master/satker")
            .route(web::get().to(list_satker))
            .route(web::post().to(daftarkan_satker)),
    )
    .service(
        resource("/master/satker/{id}")
            .route(web::get().to(get_satker))
            .route(web::patch().to(ubah_satker)),
    )
    .service(
        resource("/master/unit-kerja")
            .route(web::get().to(list_unit_kerja))
            .route(web::post().to(bentuk_unit_kerja)),
    )
    .service(
        resource("/master/unit-kerja/{id}")
            .route(web::get().to(get_unit_kerja))
            .route(web::patch().to(ubah_unit_kerja)),
    )
    .service(
        resource("/master/jabatan")
            .route(web::get().to(list_jabatan))
            .route(web::post().to(buat_jabatan)),
    )
    .service(
        resource("/master/jabatan/{id}")
            .route(web::get().to(get_jabatan))
            .route(web::patch().to(ubah_jabatan)),
    )
    .service(resource("/master/golongan").route(web::get().to(list_golongan)));
}

fn not_found(what: &str, id: &str) -> Problem {
    Problem::not_found(
        format!("{}_tidak_ditemukan", what.replace(' ', "_")),
        format!("Data {what} dengan id {id} tidak ditemukan."),
    )
}

fn parse_enum<T: serde::de::DeserializeOwned>(
    f: &mut Fields,
    field: &str,
    value: &str,
    allowed: &str,
) -> Option<T> {
    match serde_json::from_value(serde_json::Value::String(value.trim().to_string())) {
        Ok(v) => Some(v),
        Err(_) => {
            f.push(
                field,
                "nilai_tidak_dikenal",
                format!("'{value}' tidak dikenal. Pilihan: {allowed}."),
            );
            None
        }
    }
}

// ---- satker ----

/// Body of `POST /master/satker`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SatkerBody {
    /// Kode satker (Badilag), e.g. `W13-A99`.
    #[schema(example = "W13-A99")]
    pub kode: String,
    #[schema(example = "Pengadilan Agama Sukamaju Kelas IB")]
    pub nama: String,
}

/// Body of a rename (`PATCH` of a satker or unit kerja).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamaBody {
    #[schema(example = "Kepaniteraan Gugatan")]
    pub nama: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/master/satker",
    tag = "master",
    operation_id = "daftarkan_satker",
    summary = "Daftarkan satker / register a satker",
    params(IdempotencyKeyHeader),
    request_body(content = SatkerBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Terdaftar / registered; `Location` names it", body = CommandOutcomeSchema, headers(("Location" = String))),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn daftarkan_satker(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<SatkerBody>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let kode = f.take("kode", SatkerId::parse(&body.kode));
    f.finish()?;
    let Some(kode) = kode else {
        return Err(Problem::internal());
    };
    let id = kode.as_str().to_string();
    let outcome = state
        .bus
        .execute(
            &state.bus.satker,
            &id,
            SatkerCommand::Daftarkan {
                kode,
                nama: body.nama,
            },
            &meta.0.for_command("satker.daftarkan"),
        )
        .await?;
    Ok(created(format!("/api/v1/master/satker/{id}"), outcome))
}

#[utoipa::path(
    patch,
    path = "/api/v1/master/satker/{id}",
    tag = "master",
    operation_id = "ubah_satker",
    summary = "Ubah nama satker / rename a satker",
    params(("id" = String, Path, description = "Kode satker", example = "W13-A99"), IdempotencyKeyHeader),
    request_body(content = NamaBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Diubah / changed", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn ubah_satker(
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<String>,
    body: web::Json<NamaBody>,
) -> Result<HttpResponse, Problem> {
    let id = SatkerId::parse(&path).map_err(Problem::from)?;
    let outcome = state
        .bus
        .execute(
            &state.bus.satker,
            id.as_str(),
            SatkerCommand::UbahNama {
                nama: body.into_inner().nama,
            },
            &meta.0.for_command("satker.ubah_nama"),
        )
        .await?;
    Ok(accepted(outcome))
}

#[utoipa::path(
    get,
    path = "/api/v1/master/satker",
    tag = "master",
    operation_id = "daftar_satker",
    summary = "Daftar satker / list satker",
    params(ReadQuery),
    responses(
        (status = 200, description = "Satker yang terlihat / the satker the caller may see", body = Vec<SatkerView>),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn list_satker(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    let rows = queries::list_satker(&mut *scoped_read(&state, Module::Master, &user).await?)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(
    get,
    path = "/api/v1/master/satker/{id}",
    tag = "master",
    operation_id = "detail_satker",
    summary = "Detail satker / one satker",
    params(("id" = String, Path, description = "Kode satker", example = "W13-A99"), ReadQuery),
    responses(
        (status = 200, description = "Satker", body = SatkerView),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn get_satker(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    // Parsed first: a string no kode can be (a NUL, say) never reaches the query.
    let id = SatkerId::parse(&path).map_err(Problem::from)?;
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    match queries::get_satker(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        id.as_str(),
    )
    .await
    .map_err(read_error)?
    {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(not_found("satker", &path)),
    }
}

// ---- unit kerja ----

/// Body of `POST /master/unit-kerja`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitKerjaBody {
    #[schema(example = "W13-A99")]
    pub satker_id: String,
    #[schema(example = "Kepaniteraan Gugatan")]
    pub nama: String,
    /// The unit it belongs to (same satker), if any.
    #[schema(format = Uuid)]
    pub induk_id: Option<String>,
}

#[utoipa::path(
    post,
    path = "/api/v1/master/unit-kerja",
    tag = "master",
    operation_id = "bentuk_unit_kerja",
    summary = "Bentuk unit kerja / create a unit kerja",
    params(IdempotencyKeyHeader),
    request_body(content = UnitKerjaBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Dibentuk / created; `Location` names it", body = CommandOutcomeSchema, headers(("Location" = String))),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn bentuk_unit_kerja(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<UnitKerjaBody>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let satker_id = f.take("satker_id", SatkerId::parse(&body.satker_id));
    let induk_id = match body.induk_id.as_deref() {
        Some(s) => f.uuid("induk_id", s).map(Some),
        None => Some(None),
    };
    f.finish()?;
    let (Some(satker_id), Some(induk_id)) = (satker_id, induk_id) else {
        return Err(Problem::internal());
    };
    let id = meta
        .0
        .id_from_key("unit_kerja")
        .unwrap_or_else(Uuid::new_v4);
    let outcome = state
        .bus
        .execute(
            &state.bus.unit_kerja,
            &id.to_string(),
            UnitKerjaCommand::Bentuk {
                id,
                satker_id,
                nama: body.nama,
                induk_id,
            },
            &meta.0.for_command("unit_kerja.bentuk"),
        )
        .await?;
    Ok(created(format!("/api/v1/master/unit-kerja/{id}"), outcome))
}

#[utoipa::path(
    patch,
    path = "/api/v1/master/unit-kerja/{id}",
    tag = "master",
    operation_id = "ubah_unit_kerja",
    summary = "Ubah nama unit kerja / rename a unit kerja",
    params(("id" = uuid::Uuid, Path, description = "Id unit kerja (UUID)"), IdempotencyKeyHeader),
    request_body(content = NamaBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Diubah / changed", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn ubah_unit_kerja(
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<NamaBody>,
) -> Result<HttpResponse, Problem> {
    let outcome = state
        .bus
        .execute(
            &state.bus.unit_kerja,
            &path.to_string(),
            UnitKerjaCommand::UbahNama {
                nama: body.into_inner().nama,
            },
            &meta.0.for_command("unit_kerja.ubah_nama"),
        )
        .await?;
    Ok(accepted(outcome))
}

/// Query of `GET /master/unit-kerja`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitKerjaQuery {
    /// Only this satker's units.
    #[param(example = "W13-A99")]
    pub satker_id: Option<String>,
    /// Read your own write: wait (bounded) for the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/master/unit-kerja",
    tag = "master",
    operation_id = "daftar_unit_kerja",
    summary = "Daftar unit kerja / list unit kerja",
    params(UnitKerjaQuery),
    responses(
        (status = 200, description = "Unit kerja", body = Vec<UnitKerjaView>),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn list_unit_kerja(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<UnitKerjaQuery>,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let satker_id = crate::extract::query_satker(q.satker_id)?;
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    let rows = queries::list_unit_kerja(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        satker_id.as_deref(),
    )
    .await
    .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(
    get,
    path = "/api/v1/master/unit-kerja/{id}",
    tag = "master",
    operation_id = "detail_unit_kerja",
    summary = "Detail unit kerja / one unit kerja",
    params(("id" = uuid::Uuid, Path, description = "Id unit kerja (UUID)"), ReadQuery),
    responses(
        (status = 200, description = "Unit kerja", body = UnitKerjaView),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn get_unit_kerja(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    match queries::get_unit_kerja(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        *path,
    )
    .await
    .map_err(read_error)?
    {
        Some(u) => Ok(HttpResponse::Ok().json(u)),
        None => Err(not_found("unit kerja", &path.to_string())),
    }
}

// ---- jabatan ----

const JENIS_JABATAN: &str = "struktural, fungsional, pelaksana";
const KELOMPOK_BUP: &str = "administrasi_dan_ahli_pertama_muda, pimpinan_tinggi_dan_ahli_madya, ahli_utama, \
     hakim_pengadilan_agama, hakim_pengadilan_tinggi_agama, kepaniteraan_kesekretariatan";

/// Body of `POST /master/jabatan`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JabatanBody {
    #[schema(example = "Analis Perkara Peradilan")]
    pub nama: String,
    /// `struktural`, `fungsional` or `pelaksana`.
    #[schema(example = "pelaksana")]
    pub jenis: String,
    /// Retirement-age group: `administrasi_dan_ahli_pertama_muda`,
    /// `pimpinan_tinggi_dan_ahli_madya`, `ahli_utama`, `hakim_pengadilan_agama`,
    /// `hakim_pengadilan_tinggi_agama` or `kepaniteraan_kesekretariatan`.
    #[schema(example = "administrasi_dan_ahli_pertama_muda")]
    pub kelompok_bup: String,
}

/// Body of `PATCH /master/jabatan/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UbahJabatanBody {
    #[schema(example = "Analis Perkara Peradilan")]
    pub nama: String,
    /// As in [`JabatanBody::kelompok_bup`].
    #[schema(example = "administrasi_dan_ahli_pertama_muda")]
    pub kelompok_bup: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/master/jabatan",
    tag = "master",
    operation_id = "buat_jabatan",
    summary = "Buat jabatan / create a jabatan",
    params(IdempotencyKeyHeader),
    request_body(content = JabatanBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Dibuat / created; `Location` names it", body = CommandOutcomeSchema, headers(("Location" = String))),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn buat_jabatan(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<JabatanBody>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let jenis: Option<JenisJabatan> = parse_enum(&mut f, "jenis", &body.jenis, JENIS_JABATAN);
    let kelompok: Option<KelompokBup> =
        parse_enum(&mut f, "kelompok_bup", &body.kelompok_bup, KELOMPOK_BUP);
    f.finish()?;
    let (Some(jenis), Some(kelompok_bup)) = (jenis, kelompok) else {
        return Err(Problem::internal());
    };
    let id = meta.0.id_from_key("jabatan").unwrap_or_else(Uuid::new_v4);
    let outcome = state
        .bus
        .execute(
            &state.bus.jabatan,
            &id.to_string(),
            JabatanCommand::Buat {
                id,
                nama: body.nama,
                jenis,
                kelompok_bup,
            },
            &meta.0.for_command("jabatan.buat"),
        )
        .await?;
    Ok(created(format!("/api/v1/master/jabatan/{id}"), outcome))
}

#[utoipa::path(
    patch,
    path = "/api/v1/master/jabatan/{id}",
    tag = "master",
    operation_id = "ubah_jabatan",
    summary = "Ubah jabatan / change a jabatan",
    params(("id" = uuid::Uuid, Path, description = "Id jabatan (UUID)"), IdempotencyKeyHeader),
    request_body(content = UbahJabatanBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Diubah / changed", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn ubah_jabatan(
    state: web::Data<AppState>,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<UbahJabatanBody>,
) -> Result<HttpResponse, Problem> {
    let body = body.into_inner();
    let mut f = Fields::default();
    let kelompok: Option<KelompokBup> =
        parse_enum(&mut f, "kelompok_bup", &body.kelompok_bup, KELOMPOK_BUP);
    f.finish()?;
    let Some(kelompok_bup) = kelompok else {
        return Err(Problem::internal());
    };
    let outcome = state
        .bus
        .execute(
            &state.bus.jabatan,
            &path.to_string(),
            JabatanCommand::Ubah {
                nama: body.nama,
                kelompok_bup,
            },
            &meta.0.for_command("jabatan.ubah"),
        )
        .await?;
    Ok(accepted(outcome))
}

/// Query of `GET /master/jabatan`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JabatanQuery {
    /// Only `struktural`, `fungsional` or `pelaksana`.
    #[param(example = "pelaksana")]
    pub jenis: Option<String>,
    /// Read your own write: wait (bounded) for the event at this global position.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/master/jabatan",
    tag = "master",
    operation_id = "daftar_jabatan",
    summary = "Daftar jabatan / list jabatan",
    params(JabatanQuery),
    responses(
        (status = 200, description = "Jabatan", body = Vec<JabatanView>),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn list_jabatan(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<JabatanQuery>,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let jenis =
        crate::extract::query_choice("jenis", q.jenis, &["struktural", "fungsional", "pelaksana"])?;
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    let rows = queries::list_jabatan(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        jenis.as_deref(),
    )
    .await
    .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

#[utoipa::path(
    get,
    path = "/api/v1/master/jabatan/{id}",
    tag = "master",
    operation_id = "detail_jabatan",
    summary = "Detail jabatan / one jabatan",
    params(("id" = uuid::Uuid, Path, description = "Id jabatan (UUID)"), ReadQuery),
    responses(
        (status = 200, description = "Jabatan", body = JabatanView),
        ItemErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn get_jabatan(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    state
        .caught_up(Module::Master, master::NAME, q.min_position)
        .await?;
    match queries::get_jabatan(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        *path,
    )
    .await
    .map_err(read_error)?
    {
        Some(j) => Ok(HttpResponse::Ok().json(j)),
        None => Err(not_found("jabatan", &path.to_string())),
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/master/golongan",
    tag = "master",
    operation_id = "referensi_golongan",
    summary = "Referensi golongan / the golongan reference",
    responses(
        (status = 200, description = "Golongan ruang dan golongan PPPK, urut / in order", body = Vec<GolonganView>),
        ReadErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn list_golongan(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, Problem> {
    let rows = queries::list_golongan(&mut *scoped_read(&state, Module::Master, &user).await?)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}
