//! `/api/v1/pegawai`: register and change pegawai (admin, kasubag_kepegawaian), list and read
//! them with their riwayat (any role).

use actix_web::{HttpResponse, web};
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::commands::{DataPegawaiBaru, PegawaiCommand, PerubahanPegawai};
use sekretariat_domain::values::{Golongan, JenisKelamin, JenisPegawai, Nip, Pendidikan, SatkerId};
use sekretariat_projections::kepegawaian::{self, PegawaiFilter, queries};
use sekretariat_projections::migrate::Module;
use serde::Deserialize;

use super::{AppState, ReadQuery, accepted, created, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::{Fields, RequestMeta, wait_for};
use crate::problem::Problem;

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

/// Body of `POST /pegawai`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaftarkanBody {
    pub nip: String,
    pub nama: String,
    pub gelar_depan: Option<String>,
    pub gelar_belakang: Option<String>,
    pub tempat_lahir: String,
    pub tanggal_lahir: String,
    pub jenis_kelamin: String,
    pub jenis_pegawai: String,
    pub golongan: String,
    pub tmt_golongan: String,
    pub jabatan_id: String,
    pub tmt_jabatan: String,
    pub unit_kerja_id: String,
    pub satker_id: String,
    pub pendidikan_terakhir: String,
    pub tmt_cpns: Option<String>,
    pub tmt_pns: Option<String>,
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UbahBody {
    pub nama: Option<String>,
    pub gelar_depan: Option<String>,
    pub gelar_belakang: Option<String>,
    pub tempat_lahir: Option<String>,
    pub pendidikan_terakhir: Option<String>,
    pub golongan: Option<String>,
    pub tmt_golongan: Option<String>,
    pub jabatan_id: Option<String>,
    pub tmt_jabatan: Option<String>,
    pub unit_kerja_id: Option<String>,
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

/// Query of `GET /pegawai`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub satker_id: Option<String>,
    pub unit_kerja_id: Option<uuid::Uuid>,
    pub golongan: Option<String>,
    pub jenis_pegawai: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub min_position: Option<i64>,
}

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
    let read = state.read(Module::Kepegawaian);
    wait_for(
        &state.eventstore,
        read,
        kepegawaian::NAME,
        q.min_position,
        state.min_position_timeout,
    )
    .await?;
    let filter = PegawaiFilter {
        nip: own_nip(&user),
        satker_id: q.satker_id,
        unit_kerja_id: q.unit_kerja_id,
        golongan,
        jenis_pegawai,
        q: q.q,
    };
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let page = queries::list_pegawai(&mut tx, &filter, page, per_page)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(page))
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
    wait_for(
        &state.eventstore,
        state.read(Module::Kepegawaian),
        kepegawaian::NAME,
        min_position,
        state.min_position_timeout,
    )
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

async fn get(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<String>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    let (_tx, _nip, p) = visible_pegawai(&state, &user, &path, query.min_position).await?;
    Ok(HttpResponse::Ok().json(p))
}

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
