//! `/api/v1/master/...`: satker, unit kerja and jabatan (written by `admin`), and the golongan
//! reference. Read by any role.

use actix_web::{HttpResponse, web};
use sekretariat_domain::master::jabatan::{JabatanCommand, JenisJabatan};
use sekretariat_domain::master::satker::SatkerCommand;
use sekretariat_domain::master::unit_kerja::UnitKerjaCommand;
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::SatkerId;
use sekretariat_projections::master::{self, queries};
use sekretariat_projections::migrate::Module;
use serde::Deserialize;
use uuid::Uuid;

use super::{AppState, ReadQuery, accepted, created, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::{Fields, RequestMeta, wait_for};
use crate::problem::Problem;

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

async fn wait(state: &AppState, min_position: Option<i64>) -> Result<(), Problem> {
    wait_for(
        &state.eventstore,
        state.read(Module::Master),
        master::NAME,
        min_position,
        state.min_position_timeout,
    )
    .await
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatkerBody {
    pub kode: String,
    pub nama: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamaBody {
    pub nama: String,
}

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

async fn list_satker(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
    let rows = queries::list_satker(&mut *scoped_read(&state, Module::Master, &user).await?)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

async fn get_satker(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
    match queries::get_satker(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        &path,
    )
    .await
    .map_err(read_error)?
    {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(not_found("satker", &path)),
    }
}

// ---- unit kerja ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitKerjaBody {
    pub satker_id: String,
    pub nama: String,
    pub induk_id: Option<String>,
}

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
    let id = Uuid::new_v4();
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitKerjaQuery {
    pub satker_id: Option<String>,
    pub min_position: Option<i64>,
}

async fn list_unit_kerja(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<UnitKerjaQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
    let rows = queries::list_unit_kerja(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        q.satker_id.as_deref(),
    )
    .await
    .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

async fn get_unit_kerja(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JabatanBody {
    pub nama: String,
    pub jenis: String,
    pub kelompok_bup: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UbahJabatanBody {
    pub nama: String,
    pub kelompok_bup: String,
}

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
    let id = Uuid::new_v4();
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JabatanQuery {
    pub jenis: Option<String>,
    pub min_position: Option<i64>,
}

async fn list_jabatan(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<JabatanQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
    let rows = queries::list_jabatan(
        &mut *scoped_read(&state, Module::Master, &user).await?,
        q.jenis.as_deref(),
    )
    .await
    .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}

async fn get_jabatan(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    q: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    wait(&state, q.min_position).await?;
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

async fn list_golongan(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, Problem> {
    let rows = queries::list_golongan(&mut *scoped_read(&state, Module::Master, &user).await?)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(rows))
}
