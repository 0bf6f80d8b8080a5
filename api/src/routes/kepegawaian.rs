//! `/api/v1/kepegawaian/...`: the personnel module's screens beyond the pegawai record. For
//! now the early warnings (issue 5): who is due for KP reguler, blocked by the ijazah ceiling,
//! reaching BUP, or due for KGB within N months, with the rule that triggered each.

use actix_web::{HttpResponse, web};
use sekretariat_domain::peringatan::{Peringatan, peringatan};
use sekretariat_projections::kepegawaian;
use sekretariat_projections::migrate::Module;
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{AppState, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::query_satker;
use crate::openapi::ReadErrors;
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(
    paths(daftar_peringatan),
    components(schemas(PeringatanView, PeringatanPage))
)]
pub struct KepegawaianApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/kepegawaian/peringatan")
            .route(web::get().to(daftar_peringatan))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// Query of `GET /kepegawaian/peringatan`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeringatanQuery {
    /// Jendela ke depan dalam bulan (1–60). / Months ahead (1–60).
    pub dalam_bulan: Option<u32>,
    /// Tanggal acuan (default hari ini, WIB). / Reference date (default today, UTC+7).
    #[param(example = "2026-01-15")]
    pub per_tanggal: Option<String>,
    /// Hanya satker ini (dalam lingkup Anda). / Only this satker (within your scope).
    pub satker_id: Option<String>,
    /// Tunggu sampai event ini terproyeksi. / Wait until this event is projected.
    pub min_position: Option<i64>,
}

/// One warning.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeringatanView {
    #[schema(example = "199805142022032003")]
    pub nip: String,
    pub nama: String,
    /// `kp_reguler_jatuh_tempo`, `kp_terhalang_batas_ijazah`, `bup_tercapai`, `kgb_jatuh_tempo`.
    pub jenis: String,
    /// Tanggal jatuh tempo (periode KP, TMT pensiun, KGB). / When it falls due.
    #[schema(value_type = String, format = Date)]
    pub tanggal: Date,
    pub golongan: String,
    pub golongan_tujuan: Option<String>,
    /// Dasar hukum aturan yang memicu. / The regulation of the rule.
    pub dasar_hukum: String,
    pub keterangan: String,
}

impl From<Peringatan> for PeringatanView {
    fn from(p: Peringatan) -> Self {
        Self {
            nip: p.nip.as_str().to_string(),
            nama: p.nama,
            jenis: p.jenis.kode().to_string(),
            tanggal: p.tanggal,
            golongan: p.golongan.to_string(),
            golongan_tujuan: p.golongan_tujuan.map(|g| g.to_string()),
            dasar_hukum: p.dasar_hukum,
            keterangan: p.keterangan,
        }
    }
}

/// The answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeringatanPage {
    #[schema(value_type = String, format = Date)]
    pub per_tanggal: Date,
    pub dalam_bulan: u32,
    pub data: Vec<PeringatanView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/kepegawaian/peringatan",
    tag = "kepegawaian",
    operation_id = "peringatan_kepegawaian",
    summary = "Peringatan dini KP, pensiun, KGB / early warnings",
    description = "Siapa yang jatuh tempo KP reguler, terhalang batas ijazah, mencapai BUP, atau jatuh tempo KGB dalam N bulan, beserta dasar hukumnya (DOMAIN §3–§5). / Who is due for KP reguler, blocked by the ijazah ceiling, reaches BUP, or is due for KGB within N months, with the rule.",
    params(PeringatanQuery),
    responses((status = 200, description = "Peringatan, urut tanggal / warnings by date", body = PeringatanPage), ReadErrors),
    security(("bearer_jwt" = []))
)]
async fn daftar_peringatan(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<PeringatanQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let dalam_bulan = q.dalam_bulan.unwrap_or(12);
    if !(1..=60).contains(&dalam_bulan) {
        return Err(Problem::bad_request(
            "invalid_query",
            "dalam_bulan harus antara 1 dan 60.",
        ));
    }
    let per_tanggal = match q.per_tanggal.as_deref() {
        Some(s) => Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| {
            Problem::bad_request(
                "invalid_query",
                format!("per_tanggal '{s}' bukan tanggal TTTT-BB-HH."),
            )
        })?,
        // The app's clock: the day the scoped read dates mutasi and pensiun by.
        None => state.clock.today(),
    };
    let satker_id = query_satker(q.satker_id)?;
    state
        .caught_up(Module::Kepegawaian, kepegawaian::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let snapshots = sekretariat_projections::peringatan::snapshots(&mut tx, satker_id.as_deref())
        .await
        .map_err(read_error)?;
    let data = peringatan(&snapshots, per_tanggal, dalam_bulan)
        .into_iter()
        .map(PeringatanView::from)
        .collect();
    Ok(HttpResponse::Ok().json(PeringatanPage {
        per_tanggal,
        dalam_bulan,
        data,
    }))
}
