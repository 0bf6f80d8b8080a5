//! `/api/v1/pegawai/{nip}/mutasi` and `/api/v1/pegawai/{nip}/pensiun`: the satker records an
//! SK mutasi (out, in, or inside the satker) or an SK pensiun (DOMAIN §5) on the pegawai's own
//! stream. From the SK's TMT the pegawai belongs to the new satker, or leaves active
//! employment; reads and row-level security date it (see the kepegawaian migration
//! `status_dan_mutasi`).
//!
//! Who may record: admin and kasubag_kepegawaian, and a non-admin only for their own satker:
//! the satker the pegawai leaves (mutasi keluar, internal, pensiun) or the satker the pegawai
//! joins (mutasi masuk: the destination records the arrival).

use actix_web::{HttpResponse, web};
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::commands::{DataMutasi, JenisMutasi, PegawaiCommand};
use sekretariat_domain::values::{Nip, SatkerId};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use super::pegawai::ensure_own_satker;
use super::{AppState, accepted};
use crate::auth::AuthUser;
use crate::extract::{Fields, RequestMeta};
use crate::openapi::{CommandErrors, CommandOutcomeSchema, IdempotencyKeyHeader};
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(paths(catat_mutasi, catat_pensiun))]
pub struct MutasiApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/pegawai/{nip}/mutasi")
            .route(web::post().to(catat_mutasi))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource("/pegawai/{nip}/pensiun")
            .route(web::post().to(catat_pensiun))
            .default_service(web::to(super::method_not_allowed)),
    );
}

/// Body of `POST /pegawai/{nip}/mutasi`: an SK mutasi. Values stay strings so that every bad
/// field is reported at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "jenis": "keluar",
    "nomor_sk": "1234/DJA.3/KP.04.6/X/2026",
    "tanggal_sk": "2026-10-15",
    "tmt": "2026-12-01",
    "satker_tujuan": "W13-A1"
}))]
pub struct MutasiBody {
    /// `keluar` (leaves this satker), `masuk` (joins it) or `internal` (unit and/or jabatan
    /// inside the satker).
    #[schema(example = "keluar")]
    pub jenis: String,
    #[schema(example = "1234/DJA.3/KP.04.6/X/2026")]
    pub nomor_sk: String,
    /// SK date, not in the future.
    #[schema(example = "2026-10-15")]
    pub tanggal_sk: String,
    /// From when the move holds (may lie ahead).
    #[schema(example = "2026-12-01")]
    pub tmt: String,
    /// Destination satker (kode). For `internal`, the current satker.
    #[schema(example = "W13-A1")]
    pub satker_tujuan: String,
    /// Destination unit kerja: required for `masuk`; for `keluar`, when the destination is in
    /// this system and the SK names the unit (the pegawai then stays active there).
    pub unit_kerja_tujuan_id: Option<String>,
    /// New jabatan, when the SK names one (its TMT is the mutasi's).
    pub jabatan_tujuan_id: Option<String>,
}

impl MutasiBody {
    fn try_into_domain(self) -> Result<DataMutasi, Problem> {
        let mut f = Fields::default();
        let jenis = match self.jenis.trim() {
            "keluar" => Some(JenisMutasi::Keluar),
            "masuk" => Some(JenisMutasi::Masuk),
            "internal" => Some(JenisMutasi::Internal),
            other => {
                f.push(
                    "jenis",
                    "jenis_mutasi_tidak_dikenal",
                    format!(
                        "Jenis mutasi '{other}' tidak dikenal. Pilihan: keluar, masuk, internal."
                    ),
                );
                None
            }
        };
        let tanggal_sk = f.date("tanggal_sk", &self.tanggal_sk);
        let tmt = f.date("tmt", &self.tmt);
        let satker_tujuan = f.take("satker_tujuan", SatkerId::parse(&self.satker_tujuan));
        let unit_tujuan = match self.unit_kerja_tujuan_id.as_deref() {
            Some(u) => f.uuid("unit_kerja_tujuan_id", u).map(Some),
            None => Some(None),
        };
        let jabatan_tujuan = match self.jabatan_tujuan_id.as_deref() {
            Some(j) => f.uuid("jabatan_tujuan_id", j).map(Some),
            None => Some(None),
        };
        if jenis == Some(JenisMutasi::Masuk) && self.unit_kerja_tujuan_id.is_none() {
            f.push(
                "unit_kerja_tujuan_id",
                "wajib_diisi",
                "Mutasi masuk wajib menyebut unit kerja tujuan.",
            );
        }
        f.finish()?;
        match (
            jenis,
            tanggal_sk,
            tmt,
            satker_tujuan,
            unit_tujuan,
            jabatan_tujuan,
        ) {
            (
                Some(jenis),
                Some(tanggal_sk),
                Some(tmt),
                Some(satker_tujuan),
                Some(unit_tujuan),
                Some(jabatan_tujuan),
            ) => Ok(DataMutasi {
                jenis,
                nomor_sk: self.nomor_sk,
                tanggal_sk,
                tmt,
                satker_tujuan,
                unit_tujuan,
                jabatan_tujuan,
            }),
            _ => Err(Problem::internal()),
        }
    }
}

/// Body of `POST /pegawai/{nip}/pensiun`: an SK pensiun at BUP.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nomor_sk": "00123/KEP/AA/15001/26",
    "tanggal_sk": "2026-08-03",
    "tmt_pensiun": "2026-10-01"
}))]
pub struct PensiunBody {
    #[schema(example = "00123/KEP/AA/15001/26")]
    pub nomor_sk: String,
    /// SK date, not in the future.
    #[schema(example = "2026-08-03")]
    pub tanggal_sk: String,
    /// The 1st of the month after the pegawai reaches the BUP of their jabatan (DOMAIN §5);
    /// any other date is refused with the date it should be. `GET
    /// /api/v1/kepegawaian/peringatan` shows it ahead of time.
    #[schema(example = "2026-10-01")]
    pub tmt_pensiun: String,
}

fn nip_param(path: &str) -> Result<Nip, Problem> {
    Nip::parse_any(path).map_err(Problem::from)
}

/// The pegawai's stream state, or 404.
async fn existing(state: &AppState, nip: &Nip) -> Result<Pegawai, Problem> {
    state
        .bus
        .load_pegawai(nip.as_str())
        .await?
        .filter(|p| p.satker_id().is_some())
        .ok_or_else(|| {
            Problem::not_found(
                "pegawai_tidak_ditemukan",
                format!("Pegawai dengan NIP {} tidak ditemukan.", nip.as_str()),
            )
        })
}

#[utoipa::path(
    post,
    path = "/api/v1/pegawai/{nip}/mutasi",
    tag = "pegawai",
    operation_id = "catat_mutasi_pegawai",
    summary = "Catat SK mutasi / record an SK mutasi",
    description = "Mutasi keluar dan internal dicatat oleh satker asal, mutasi masuk oleh satker tujuan. Sejak TMT pegawai menjadi milik satker tujuan: satker lama tidak lagi melihatnya, satker baru melihatnya beserta riwayatnya. / Out and internal moves are recorded by the satker left, a move in by the satker joined. From the TMT the pegawai belongs to the new satker.",
    params(("nip" = String, Path, description = "NIP pegawai / the pegawai's NIP", example = "199805142022032003"), IdempotencyKeyHeader),
    request_body(content = MutasiBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Dicatat / recorded", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn catat_mutasi(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<String>,
    body: web::Json<MutasiBody>,
) -> Result<HttpResponse, Problem> {
    let nip = nip_param(&path)?;
    let mutasi = body.into_inner().try_into_domain()?;
    let pegawai = existing(&state, &nip).await?;
    // The satker recording: the destination for a move in, the current satker otherwise.
    let pencatat = match mutasi.jenis {
        JenisMutasi::Masuk => mutasi.satker_tujuan.clone(),
        JenisMutasi::Keluar | JenisMutasi::Internal => {
            pegawai.satker_id().cloned().ok_or_else(Problem::internal)?
        }
    };
    ensure_own_satker(&user, pencatat.as_str())?;
    let outcome = state
        .bus
        .execute(
            &state.bus.pegawai,
            nip.as_str(),
            PegawaiCommand::CatatMutasi(mutasi),
            &meta.0.for_command("pegawai.catat_mutasi"),
        )
        .await?;
    Ok(accepted(outcome))
}

#[utoipa::path(
    post,
    path = "/api/v1/pegawai/{nip}/pensiun",
    tag = "pegawai",
    operation_id = "catat_pensiun_pegawai",
    summary = "Catat SK pensiun / record an SK pensiun",
    description = "Pensiun pada BUP jabatan (DOMAIN §5); TMT pensiun harus tanggal 1 bulan berikutnya setelah mencapai BUP. Sejak TMT pegawai tidak lagi aktif. / Retirement at the jabatan's BUP; from the TMT the pegawai is no longer active.",
    params(("nip" = String, Path, description = "NIP pegawai / the pegawai's NIP", example = "196809011990031002"), IdempotencyKeyHeader),
    request_body(content = PensiunBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Dicatat / recorded", body = CommandOutcomeSchema),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn catat_pensiun(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<String>,
    body: web::Json<PensiunBody>,
) -> Result<HttpResponse, Problem> {
    let nip = nip_param(&path)?;
    let body = body.into_inner();
    let mut f = Fields::default();
    let tanggal_sk = f.date("tanggal_sk", &body.tanggal_sk);
    let tmt_pensiun = f.date("tmt_pensiun", &body.tmt_pensiun);
    f.finish()?;
    let (Some(tanggal_sk), Some(tmt_pensiun)) = (tanggal_sk, tmt_pensiun) else {
        return Err(Problem::internal());
    };
    let pegawai = existing(&state, &nip).await?;
    if let Some(satker) = pegawai.satker_id() {
        ensure_own_satker(&user, satker.as_str())?;
    }
    let outcome = state
        .bus
        .execute(
            &state.bus.pegawai,
            nip.as_str(),
            PegawaiCommand::CatatPensiun {
                nomor_sk: body.nomor_sk,
                tanggal_sk,
                tmt_pensiun,
            },
            &meta.0.for_command("pegawai.catat_pensiun"),
        )
        .await?;
    Ok(accepted(outcome))
}
