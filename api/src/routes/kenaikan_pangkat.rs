//! `/api/v1/kepegawaian/kenaikan-pangkat`: the usul kenaikan pangkat workflow (DOMAIN §3,
//! issue 5): draft → diverifikasi → diajukan → pertek terbit → SK terbit → selesai, or ditolak
//! before the SK. Writes are for `admin` and `kasubag_kepegawaian`, reads also for the
//! `sekretaris`; a non-admin acts only on usul of pegawai of their own satker.
//!
//! The facts the eligibility rules need come from two places. What the pegawai's record holds
//! (golongan and its TMT, pendidikan, jenis pegawai, jabatan and its TMT, hakim or not) is
//! read from the pegawai aggregate in the event store, never from the client. What it does not
//! hold (SKP predikat of the last two years, the atasan langsung's golongan, angka kredit,
//! ...) is sent with the usul and may be corrected on verification; verification re-reads the
//! record, so a record changed since the draft is judged as it is now.
//!
//! After `POST .../sk` the process manager (`crate::kp_process`) records the SK on the
//! pegawai's stream and closes the usul by itself; `POST .../selesai` closes it by hand once
//! the pegawai's stream holds the SK.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use sekretariat_domain::kenaikan_pangkat::{
    DataKelayakan, DokumenKp, JenisKp, KelompokJabatanKp, KenaikanPangkatCommand, Predikat, UsulKp,
};
use sekretariat_domain::pegawai::{Pegawai, StatusPegawai};
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::{Golongan, Nip};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::usul_kp::{
    self, DokumenUsulKp, RiwayatUsulKp, UsulKpDetail, UsulKpFilter, UsulKpView, queries,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::Date;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::pegawai::ensure_own_satker;
use super::{AppState, ReadQuery, accepted, created, scoped_read};
use crate::auth::AuthUser;
use crate::error::read_error;
use crate::extract::{Fields, RequestMeta, query_choice, query_satker};
use crate::openapi::{
    CommandErrors, CommandOutcomeSchema, IdempotencyKeyHeader, ItemErrors, ReadErrors,
};
use crate::problem::Problem;

/// The OpenAPI description of these routes (merged by `crate::openapi`).
#[derive(OpenApi)]
#[openapi(
    paths(list, usulkan, detail, verifikasi, ajukan, pertek, sk, tolak, selesai),
    components(schemas(UsulKpView, UsulKpDetail, RiwayatUsulKp, DokumenUsulKp))
)]
pub struct KenaikanPangkatApi;

const BASE: &str = "/kepegawaian/kenaikan-pangkat";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(BASE)
            .route(web::get().to(list))
            .route(web::post().to(usulkan))
            .default_service(web::to(super::method_not_allowed)),
    )
    .service(
        web::resource(format!("{BASE}/{{id}}"))
            .route(web::get().to(detail))
            .default_service(web::to(super::method_not_allowed)),
    );
    for (step, route) in [
        ("verifikasi", web::post().to(verifikasi)),
        ("ajukan", web::post().to(ajukan)),
        ("pertek", web::post().to(pertek)),
        ("sk", web::post().to(sk)),
        ("tolak", web::post().to(tolak)),
        ("selesai", web::post().to(selesai)),
    ] {
        cfg.service(
            web::resource(format!("{BASE}/{{id}}/{step}"))
                .route(route)
                .default_service(web::to(super::method_not_allowed)),
        );
    }
}

// ---- input ----

/// A value of a snake_case enum of the domain, from its wire string.
fn kode<T: DeserializeOwned>(
    f: &mut Fields,
    field: &str,
    value: &str,
    code: &str,
    pilihan: &str,
) -> Option<T> {
    match serde_json::from_value(serde_json::Value::String(value.to_string())) {
        Ok(v) => Some(v),
        Err(_) => {
            f.push(
                field,
                code,
                format!("'{value}' tidak dikenal. Pilihan: {pilihan}."),
            );
            None
        }
    }
}

const PILIHAN_JENIS: &str = "reguler, pilihan_struktural, pilihan_fungsional, penyesuaian_ijazah";
const PILIHAN_PREDIKAT: &str = "sangat_baik, baik, butuh_perbaikan, kurang, sangat_kurang";
const PILIHAN_STATUS: &[&str] = &[
    "draft",
    "diverifikasi",
    "diajukan",
    "pertek_terbit",
    "sk_terbit",
    "selesai",
    "ditolak",
];
const PILIHAN_JENIS_LIST: &[&str] = &[
    "reguler",
    "pilihan_struktural",
    "pilihan_fungsional",
    "penyesuaian_ijazah",
];

/// The facts of the rules that the pegawai's record does not hold, as sent (every one
/// optional; `None` keeps what the draft had, or the default).
#[derive(Debug, Default)]
struct Fakta {
    skp_tahun_lalu: Option<Option<Predikat>>,
    skp_dua_tahun_lalu: Option<Option<Predikat>>,
    golongan_atasan: Option<Option<Golongan>>,
    angka_kredit_terpenuhi: Option<bool>,
    satu_tingkat_di_bawah_pangkat_terendah_jabatan: Option<bool>,
    ijazah_sesuai_tugas: Option<bool>,
    tmt_pengangkatan_hakim: Option<Date>,
    kp_pertama: Option<bool>,
}

/// The wire form of [`Fakta`], shared by the usul and its verification.
struct FaktaWire<'a> {
    skp_tahun_lalu: Option<&'a str>,
    skp_dua_tahun_lalu: Option<&'a str>,
    golongan_atasan: Option<&'a str>,
    angka_kredit_terpenuhi: Option<bool>,
    satu_tingkat_di_bawah_pangkat_terendah_jabatan: Option<bool>,
    ijazah_sesuai_tugas: Option<bool>,
    tmt_pengangkatan_hakim: Option<&'a str>,
    kp_pertama: Option<bool>,
}

impl FaktaWire<'_> {
    fn parse(self, f: &mut Fields) -> Fakta {
        let predikat = |f: &mut Fields, field: &str, v: Option<&str>| {
            v.map(|s| kode::<Predikat>(f, field, s, "predikat_tidak_dikenal", PILIHAN_PREDIKAT))
        };
        Fakta {
            skp_tahun_lalu: predikat(f, "skp_tahun_lalu", self.skp_tahun_lalu),
            skp_dua_tahun_lalu: predikat(f, "skp_dua_tahun_lalu", self.skp_dua_tahun_lalu),
            golongan_atasan: self
                .golongan_atasan
                .map(|g| f.take("golongan_atasan", Golongan::parse(g))),
            angka_kredit_terpenuhi: self.angka_kredit_terpenuhi,
            satu_tingkat_di_bawah_pangkat_terendah_jabatan: self
                .satu_tingkat_di_bawah_pangkat_terendah_jabatan,
            ijazah_sesuai_tugas: self.ijazah_sesuai_tugas,
            tmt_pengangkatan_hakim: self
                .tmt_pengangkatan_hakim
                .and_then(|d| f.date("tmt_pengangkatan_hakim", d)),
            kp_pertama: self.kp_pertama,
        }
    }
}

/// The pegawai's record as the rules need it, with `fakta` (or, where absent, the facts of
/// the draft `dasar`) for what the record does not hold.
///
/// Defaults without either: SKP not assessed, no atasan to compare, angka kredit not met,
/// not one step below the jabatan's lowest pangkat, ijazah not relevant; a hakim's first
/// appointment is the TMT of the current jabatan; the first KP is one whose current golongan
/// dates from the TMT CPNS.
fn data_kelayakan(
    pegawai: &Pegawai,
    fakta: &Fakta,
    dasar: Option<&DataKelayakan>,
) -> Result<DataKelayakan, Problem> {
    let Some(p) = pegawai.profil() else {
        return Err(Problem::internal());
    };
    let hakim = matches!(
        p.kelompok_bup,
        KelompokBup::HakimPengadilanAgama | KelompokBup::HakimPengadilanTinggiAgama
    );
    let tmt_hakim_dasar = dasar.and_then(|d| match d.kelompok {
        KelompokJabatanKp::Hakim {
            tmt_pengangkatan_hakim,
        } => Some(tmt_pengangkatan_hakim),
        KelompokJabatanKp::Umum => None,
    });
    let kelompok = if hakim {
        KelompokJabatanKp::Hakim {
            tmt_pengangkatan_hakim: fakta
                .tmt_pengangkatan_hakim
                .or(tmt_hakim_dasar)
                .unwrap_or(p.tmt_jabatan),
        }
    } else {
        KelompokJabatanKp::Umum
    };
    Ok(DataKelayakan {
        golongan: p.golongan,
        tmt_golongan: p.tmt_golongan,
        pendidikan: p.pendidikan_terakhir,
        jenis_pegawai: p.jenis_pegawai,
        jenis_jabatan: p.jenis_jabatan,
        tmt_jabatan: p.tmt_jabatan,
        kelompok,
        skp_tahun_lalu: fakta
            .skp_tahun_lalu
            .unwrap_or_else(|| dasar.and_then(|d| d.skp_tahun_lalu)),
        skp_dua_tahun_lalu: fakta
            .skp_dua_tahun_lalu
            .unwrap_or_else(|| dasar.and_then(|d| d.skp_dua_tahun_lalu)),
        golongan_atasan: fakta
            .golongan_atasan
            .unwrap_or_else(|| dasar.and_then(|d| d.golongan_atasan)),
        angka_kredit_terpenuhi: fakta
            .angka_kredit_terpenuhi
            .or(dasar.map(|d| d.angka_kredit_terpenuhi))
            .unwrap_or(false),
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: fakta
            .satu_tingkat_di_bawah_pangkat_terendah_jabatan
            .or(dasar.map(|d| d.satu_tingkat_di_bawah_pangkat_terendah_jabatan))
            .unwrap_or(false),
        ijazah_sesuai_tugas: fakta
            .ijazah_sesuai_tugas
            .or(dasar.map(|d| d.ijazah_sesuai_tugas))
            .unwrap_or(false),
        kp_pertama: fakta
            .kp_pertama
            .or(dasar.map(|d| d.kp_pertama))
            .unwrap_or(p.tmt_cpns == Some(p.tmt_golongan)),
    })
}

/// Body of `POST /kepegawaian/kenaikan-pangkat`. Values stay strings here so every bad field
/// is reported at once (422 `validation_failed`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "nip": "199805142022032003",
    "jenis": "reguler",
    "golongan_tujuan": "III/b",
    "tmt_usulan": "2026-03-01",
    "skp_tahun_lalu": "baik",
    "skp_dua_tahun_lalu": "sangat_baik",
    "golongan_atasan": "III/d"
}))]
pub struct UsulkanBody {
    /// The pegawai; golongan, TMT, pendidikan, jenis and jabatan are taken from their record.
    #[schema(example = "199805142022032003")]
    pub nip: String,
    /// `reguler`, `pilihan_struktural`, `pilihan_fungsional` or `penyesuaian_ijazah`.
    #[schema(example = "reguler")]
    pub jenis: String,
    /// One step up; for penyesuaian ijazah the new ijazah's starting golongan.
    #[schema(example = "III/b")]
    pub golongan_tujuan: String,
    /// A KP period date in force on that date (DOMAIN §3: 1 Apr/1 Oct until 2023, six a year
    /// in 2024 to Sep 2025, the 1st of every month from 1 Oct 2025).
    #[schema(format = Date, example = "2026-03-01")]
    pub tmt_usulan: String,
    /// SKP predikat of last year: `sangat_baik`, `baik`, `butuh_perbaikan`, `kurang`,
    /// `sangat_kurang`; absent: not assessed.
    #[schema(example = "baik")]
    pub skp_tahun_lalu: Option<String>,
    /// SKP predikat of the year before.
    #[schema(example = "sangat_baik")]
    pub skp_dua_tahun_lalu: Option<String>,
    /// Golongan of the atasan langsung (KP reguler may not exceed it); absent: none to compare.
    #[schema(example = "III/d")]
    pub golongan_atasan: Option<String>,
    /// The required angka kredit (PAK) is met (KP pilihan fungsional). Default false.
    #[schema(example = false)]
    pub angka_kredit_terpenuhi: Option<bool>,
    /// The pangkat is one step below the lowest pangkat of the jabatan struktural held (KP
    /// pilihan struktural). Default false.
    #[schema(example = false)]
    pub satu_tingkat_di_bawah_pangkat_terendah_jabatan: Option<bool>,
    /// The new ijazah is relevant to the duties (penyesuaian ijazah). Default false.
    #[schema(example = false)]
    pub ijazah_sesuai_tugas: Option<bool>,
    /// For a hakim: TMT of the first appointment as hakim (default: TMT of the current
    /// jabatan).
    #[schema(format = Date, example = json!(null))]
    pub tmt_pengangkatan_hakim: Option<String>,
    /// The first KP since appointment (the SK CPNS/PNS is then required). Default: true when
    /// the current golongan dates from the TMT CPNS.
    #[schema(example = json!(null))]
    pub kp_pertama: Option<bool>,
}

/// Body of `POST .../{id}/verifikasi`: the DOMAIN §3 checklist, and corrections of the facts
/// sent with the usul (absent ones stay as drafted). The pegawai's record is read again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "dokumen": {"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true,
                "sk_cpns_pns": true, "stlud": true}
}))]
pub struct VerifikasiBody {
    /// Each document checked, by code: `sk_pangkat_terakhir`, `skp_dua_tahun_terakhir`,
    /// `ijazah_dan_transkrip`, `penetapan_angka_kredit`, `sk_jabatan_dan_pelantikan`,
    /// `stlud`, `sk_cpns_pns`, `izin_belajar`; true when present.
    #[schema(example = json!({"sk_pangkat_terakhir": true, "skp_dua_tahun_terakhir": true, "sk_cpns_pns": true, "stlud": true}))]
    pub dokumen: BTreeMap<String, bool>,
    #[schema(example = "baik")]
    pub skp_tahun_lalu: Option<String>,
    #[schema(example = "sangat_baik")]
    pub skp_dua_tahun_lalu: Option<String>,
    #[schema(example = "III/d")]
    pub golongan_atasan: Option<String>,
    #[schema(example = false)]
    pub angka_kredit_terpenuhi: Option<bool>,
    #[schema(example = false)]
    pub satu_tingkat_di_bawah_pangkat_terendah_jabatan: Option<bool>,
    #[schema(example = false)]
    pub ijazah_sesuai_tugas: Option<bool>,
    #[schema(format = Date, example = json!(null))]
    pub tmt_pengangkatan_hakim: Option<String>,
    #[schema(example = json!(null))]
    pub kp_pertama: Option<bool>,
}

/// Body of `POST .../{id}/pertek`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nomor": "PG-23300/KR.XIII/2026", "tanggal": "2026-02-10"}))]
pub struct PertekBody {
    /// Pertek number (at most 100 characters).
    #[schema(example = "PG-23300/KR.XIII/2026")]
    pub nomor: String,
    /// Pertek date; not in the future.
    #[schema(format = Date, example = "2026-02-10")]
    pub tanggal: String,
}

/// Body of `POST .../{id}/sk`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"nomor": "KP.04.1/123/2026", "tanggal": "2026-02-20", "tmt": "2026-03-01"}))]
pub struct SkBody {
    /// SK number (at most 100 characters).
    #[schema(example = "KP.04.1/123/2026")]
    pub nomor: String,
    /// SK date; not in the future.
    #[schema(format = Date, example = "2026-02-20")]
    pub tanggal: String,
    /// TMT of the new pangkat: a KP period date after the current TMT golongan.
    #[schema(format = Date, example = "2026-03-01")]
    pub tmt: String,
}

/// Body of `POST .../{id}/tolak`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"alasan": "SKP tahun lalu belum dinilai."}))]
pub struct TolakBody {
    /// Why (at most 500 characters).
    #[schema(example = "SKP tahun lalu belum dinilai.")]
    pub alasan: String,
}

// ---- commands ----

fn usul_not_found(id: Uuid) -> Problem {
    Problem::not_found(
        "kp_usul_tidak_ditemukan",
        format!("Usul kenaikan pangkat {id} tidak ditemukan."),
    )
}

fn pegawai_not_found(nip: &str) -> Problem {
    Problem::not_found(
        "pegawai_tidak_ditemukan",
        format!("Pegawai dengan NIP {nip} tidak ditemukan."),
    )
}

/// The usul `id` and its pegawai, when the caller may act on it: 404 when there is no such
/// usul, 403 when its pegawai belongs to another satker (for a non-admin).
async fn usul_in_scope(
    state: &AppState,
    user: &AuthUser,
    id: Uuid,
) -> Result<(UsulKp, Pegawai), Problem> {
    let usul = state
        .bus
        .load_usul_kp(&id.to_string())
        .await?
        .ok_or_else(|| usul_not_found(id))?;
    let pegawai = state
        .bus
        .load_pegawai(usul.nip.as_str())
        .await?
        .ok_or_else(|| pegawai_not_found(usul.nip.as_str()))?;
    match pegawai.satker_id() {
        Some(s) => ensure_own_satker(user, s.as_str())?,
        None => return Err(pegawai_not_found(usul.nip.as_str())),
    }
    Ok((usul, pegawai))
}

/// Runs `command` on usul `id` after the scope check; 200 with the outcome.
async fn perintah(
    state: &AppState,
    user: &AuthUser,
    meta: RequestMeta,
    id: Uuid,
    command: KenaikanPangkatCommand,
    name: &str,
) -> Result<HttpResponse, Problem> {
    usul_in_scope(state, user, id).await?;
    let outcome = state
        .bus
        .execute(
            &state.bus.kenaikan_pangkat,
            &id.to_string(),
            command,
            &meta.0.for_command(name),
        )
        .await?;
    Ok(accepted(outcome))
}

/// A pegawai no longer in active employment gets no usul.
fn ensure_aktif(pegawai: &Pegawai, nip: &Nip) -> Result<(), Problem> {
    match pegawai.status() {
        StatusPegawai::Aktif => Ok(()),
        StatusPegawai::Pensiun { tmt_pensiun } => Err(Problem::conflict(
            "pegawai_sudah_pensiun",
            format!(
                "Pegawai {nip} sudah pensiun (TMT {}); tidak dapat diusulkan kenaikan pangkat.",
                sekretariat_domain::kalender::tgl(*tmt_pensiun)
            ),
        )),
        StatusPegawai::Keluar { satker_tujuan, .. } => Err(Problem::conflict(
            "pegawai_sudah_mutasi_keluar",
            format!(
                "Pegawai {nip} sudah mutasi keluar ke {satker_tujuan}; tidak dapat diusulkan kenaikan pangkat di sini."
            ),
        )),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat",
    tag = "kepegawaian",
    operation_id = "usulkan_kenaikan_pangkat",
    summary = "Usulkan kenaikan pangkat / draft an usul KP",
    description = "Membuat usul (draft) setelah memeriksa kelayakan (DOMAIN §3) dengan data pegawai dari rekamannya sendiri; satu pegawai hanya boleh satu usul terbuka (409 `kp_usul_masih_terbuka`). / Drafts an usul after checking eligibility against the pegawai's own record; one open usul per pegawai.",
    params(IdempotencyKeyHeader),
    request_body(content = UsulkanBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Diusulkan / drafted; `Location` names the usul", body = CommandOutcomeSchema,
            headers(("Location" = String, description = "/api/v1/kepegawaian/kenaikan-pangkat/{id}"))),
        CommandErrors,
    ),
    security(("bearer_jwt" = []))
)]
async fn usulkan(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    body: web::Json<UsulkanBody>,
) -> Result<HttpResponse, Problem> {
    let b = body.into_inner();
    let mut f = Fields::default();
    let nip = f.take("nip", Nip::parse_any(&b.nip));
    let jenis = kode::<JenisKp>(
        &mut f,
        "jenis",
        &b.jenis,
        "jenis_kp_tidak_dikenal",
        PILIHAN_JENIS,
    );
    let golongan_tujuan = f.take("golongan_tujuan", Golongan::parse(&b.golongan_tujuan));
    let tmt_usulan = f.date("tmt_usulan", &b.tmt_usulan);
    let fakta = FaktaWire {
        skp_tahun_lalu: b.skp_tahun_lalu.as_deref(),
        skp_dua_tahun_lalu: b.skp_dua_tahun_lalu.as_deref(),
        golongan_atasan: b.golongan_atasan.as_deref(),
        angka_kredit_terpenuhi: b.angka_kredit_terpenuhi,
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: b
            .satu_tingkat_di_bawah_pangkat_terendah_jabatan,
        ijazah_sesuai_tugas: b.ijazah_sesuai_tugas,
        tmt_pengangkatan_hakim: b.tmt_pengangkatan_hakim.as_deref(),
        kp_pertama: b.kp_pertama,
    }
    .parse(&mut f);
    f.finish()?;
    let (Some(nip), Some(jenis), Some(golongan_tujuan), Some(tmt_usulan)) =
        (nip, jenis, golongan_tujuan, tmt_usulan)
    else {
        return Err(Problem::internal());
    };

    let pegawai = state
        .bus
        .load_pegawai(nip.as_str())
        .await?
        .ok_or_else(|| pegawai_not_found(nip.as_str()))?;
    match pegawai.satker_id() {
        Some(s) => ensure_own_satker(&user, s.as_str())?,
        None => return Err(pegawai_not_found(nip.as_str())),
    }
    ensure_aktif(&pegawai, &nip)?;
    let data = data_kelayakan(&pegawai, &fakta, None)?;
    let id = meta
        .0
        .id_from_key("kenaikan_pangkat")
        .unwrap_or_else(Uuid::new_v4);
    let outcome = state
        .bus
        .execute(
            &state.bus.kenaikan_pangkat,
            &id.to_string(),
            KenaikanPangkatCommand::Usulkan {
                id,
                nip,
                jenis,
                golongan_tujuan,
                tmt_usulan,
                data,
            },
            &meta.0.for_command("kp.usulkan"),
        )
        .await?;
    Ok(created(format!("/api/v1{BASE}/{}", outcome.id), outcome))
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/verifikasi",
    tag = "kepegawaian",
    operation_id = "verifikasi_usul_kenaikan_pangkat",
    summary = "Verifikasi usul / verify an usul KP",
    description = "Mencatat daftar periksa dokumen (DOMAIN §3) dan memeriksa kelayakan lagi terhadap rekaman pegawai sekarang. Dokumen wajib yang belum ada: 422 `kp_dokumen_kurang`. / Records the document checklist and checks eligibility again against the pegawai's record as it is now.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    request_body(content = VerifikasiBody, content_type = "application/json"),
    responses((status = 200, description = "Diverifikasi / verified", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn verifikasi(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<VerifikasiBody>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    let b = body.into_inner();
    let mut f = Fields::default();
    let mut dokumen: Vec<(DokumenKp, bool)> = Vec::new();
    for (k, ada) in &b.dokumen {
        let field = format!("dokumen.{k}");
        if let Some(d) = kode::<DokumenKp>(
            &mut f,
            &field,
            k,
            "dokumen_tidak_dikenal",
            "sk_pangkat_terakhir, skp_dua_tahun_terakhir, ijazah_dan_transkrip, penetapan_angka_kredit, sk_jabatan_dan_pelantikan, stlud, sk_cpns_pns, izin_belajar",
        ) {
            dokumen.push((d, *ada));
        }
    }
    let fakta = FaktaWire {
        skp_tahun_lalu: b.skp_tahun_lalu.as_deref(),
        skp_dua_tahun_lalu: b.skp_dua_tahun_lalu.as_deref(),
        golongan_atasan: b.golongan_atasan.as_deref(),
        angka_kredit_terpenuhi: b.angka_kredit_terpenuhi,
        satu_tingkat_di_bawah_pangkat_terendah_jabatan: b
            .satu_tingkat_di_bawah_pangkat_terendah_jabatan,
        ijazah_sesuai_tugas: b.ijazah_sesuai_tugas,
        tmt_pengangkatan_hakim: b.tmt_pengangkatan_hakim.as_deref(),
        kp_pertama: b.kp_pertama,
    }
    .parse(&mut f);
    f.finish()?;
    let (usul, pegawai) = usul_in_scope(&state, &user, id).await?;
    let data = data_kelayakan(&pegawai, &fakta, Some(&usul.data))?;
    let outcome = state
        .bus
        .execute(
            &state.bus.kenaikan_pangkat,
            &id.to_string(),
            KenaikanPangkatCommand::Verifikasi {
                dokumen,
                data: Some(data),
            },
            &meta.0.for_command("kp.verifikasi"),
        )
        .await?;
    Ok(accepted(outcome))
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/ajukan",
    tag = "kepegawaian",
    operation_id = "ajukan_usul_kenaikan_pangkat",
    summary = "Ajukan usul ke BKN / submit an usul KP",
    description = "Usul yang sudah diverifikasi diajukan (melalui SIASN) ke Kantor Regional BKN (sampai IV/b) atau BKN Pusat. Tanpa isi permintaan. / Submits a verified usul; no request body.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    responses((status = 200, description = "Diajukan / submitted", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn ajukan(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    perintah(
        &state,
        &user,
        meta,
        path.into_inner(),
        KenaikanPangkatCommand::Ajukan,
        "kp.ajukan",
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/pertek",
    tag = "kepegawaian",
    operation_id = "catat_pertek_kenaikan_pangkat",
    summary = "Catat pertek BKN / record BKN's pertek",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    request_body(content = PertekBody, content_type = "application/json"),
    responses((status = 200, description = "Pertek dicatat / recorded", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn pertek(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<PertekBody>,
) -> Result<HttpResponse, Problem> {
    let b = body.into_inner();
    let mut f = Fields::default();
    let tanggal = f.date("tanggal", &b.tanggal);
    f.finish()?;
    let tanggal = tanggal.ok_or_else(Problem::internal)?;
    perintah(
        &state,
        &user,
        meta,
        path.into_inner(),
        KenaikanPangkatCommand::CatatPertek {
            nomor: b.nomor,
            tanggal,
        },
        "kp.catat_pertek",
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/sk",
    tag = "kepegawaian",
    operation_id = "catat_sk_kenaikan_pangkat",
    summary = "Catat SK kenaikan pangkat / record the SK",
    description = "Mencatat SK (nomor, tanggal, TMT). SK juga harus dapat dicatat pada rekaman pegawai (aturan pegawai menolak, misalnya `golongan_tidak_naik`: 422/409, tidak ada yang tersimpan). Sesudahnya golongan dan TMT pegawai berubah dan usul selesai dengan sendirinya. / Records the SK; it must also be recordable on the pegawai's record. Afterwards the pegawai's golongan and TMT change and the usul closes by itself.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    request_body(content = SkBody, content_type = "application/json"),
    responses((status = 200, description = "SK dicatat / recorded", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn sk(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<SkBody>,
) -> Result<HttpResponse, Problem> {
    let b = body.into_inner();
    let mut f = Fields::default();
    let tanggal = f.date("tanggal", &b.tanggal);
    let tmt = f.date("tmt", &b.tmt);
    f.finish()?;
    let (Some(tanggal), Some(tmt)) = (tanggal, tmt) else {
        return Err(Problem::internal());
    };
    perintah(
        &state,
        &user,
        meta,
        path.into_inner(),
        KenaikanPangkatCommand::CatatSk {
            nomor: b.nomor,
            tanggal,
            tmt,
        },
        "kp.catat_sk",
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/tolak",
    tag = "kepegawaian",
    operation_id = "tolak_usul_kenaikan_pangkat",
    summary = "Tolak usul / refuse an usul KP",
    description = "Menolak usul pada tahap mana pun sebelum SK (sesudah SK: 409 `kp_status_tidak_sesuai`). / Refuses the usul at any step before the SK.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    request_body(content = TolakBody, content_type = "application/json"),
    responses((status = 200, description = "Ditolak / refused", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn tolak(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
    body: web::Json<TolakBody>,
) -> Result<HttpResponse, Problem> {
    perintah(
        &state,
        &user,
        meta,
        path.into_inner(),
        KenaikanPangkatCommand::Tolak {
            alasan: body.into_inner().alasan,
        },
        "kp.tolak",
    )
    .await
}

#[utoipa::path(
    post,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}/selesai",
    tag = "kepegawaian",
    operation_id = "selesaikan_usul_kenaikan_pangkat",
    summary = "Selesaikan usul / close an usul KP",
    description = "Biasanya tidak perlu: usul selesai dengan sendirinya setelah SK tercatat pada rekaman pegawai. Sebelum itu: 409 `kp_sk_belum_tercatat`. Tanpa isi permintaan. / Usually not needed: the usul closes by itself once the SK is on the pegawai's record. No request body.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), IdempotencyKeyHeader),
    responses((status = 200, description = "Selesai / closed", body = CommandOutcomeSchema), CommandErrors),
    security(("bearer_jwt" = []))
)]
async fn selesai(
    state: web::Data<AppState>,
    user: AuthUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    perintah(
        &state,
        &user,
        meta,
        path.into_inner(),
        KenaikanPangkatCommand::Selesaikan,
        "kp.selesaikan",
    )
    .await
}

// ---- queries ----

/// The OpenAPI description of `Page<UsulKpView>` (written out: utoipa 5 inlines a generic's
/// type parameter, see `pegawai::PegawaiPageSchema`).
#[derive(ToSchema)]
#[schema(as = UsulKpPage, description = "Satu halaman usul KP / one page of usul KP.")]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is Page<UsulKpView>"
)]
struct UsulKpPageSchema {
    data: Vec<UsulKpView>,
    #[schema(example = 1)]
    page: i64,
    #[schema(example = 25)]
    per_page: i64,
    #[schema(example = 1)]
    total: i64,
}

/// Query of `GET /kepegawaian/kenaikan-pangkat`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this step: `draft`, `diverifikasi`, `diajukan`, `pertek_terbit`, `sk_terbit`,
    /// `selesai`, `ditolak`.
    #[param(example = "draft")]
    pub status: Option<String>,
    /// Only this pegawai.
    #[param(example = "199805142022032003")]
    pub nip: Option<String>,
    /// Only this kind: `reguler`, `pilihan_struktural`, `pilihan_fungsional`,
    /// `penyesuaian_ijazah`.
    #[param(example = "reguler")]
    pub jenis: Option<String>,
    /// Only this satker (kode). Non-admins see only their own satker anyway.
    #[param(example = "W13-A99")]
    pub satker_id: Option<String>,
    /// Only usul whose TMT asked for falls in this year.
    #[param(minimum = 2000, maximum = 2100, example = 2026)]
    pub tahun: Option<i32>,
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
    path = "/api/v1/kepegawaian/kenaikan-pangkat",
    tag = "kepegawaian",
    operation_id = "daftar_usul_kenaikan_pangkat",
    summary = "Daftar usul kenaikan pangkat / list usul KP",
    description = "Satu halaman usul, terbaru dahulu. / One page of usul, newest first.",
    params(ListQuery),
    responses((status = 200, description = "Satu halaman / one page", body = UsulKpPageSchema), ReadErrors),
    security(("bearer_jwt" = []))
)]
async fn list(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, Problem> {
    let q = query.into_inner();
    let (page, per_page) = super::paging(q.page, q.per_page)?;
    let status = query_choice("status", q.status, PILIHAN_STATUS)?;
    let jenis = query_choice("jenis", q.jenis, PILIHAN_JENIS_LIST)?;
    let nip = q
        .nip
        .map(|n| {
            Nip::parse_any(&n)
                .map(|n| n.as_str().to_string())
                .map_err(|e| Problem::bad_request("invalid_query", format!("nip: {}", e.message)))
        })
        .transpose()?;
    if let Some(t) = q.tahun
        && !(2000..=2100).contains(&t)
    {
        return Err(Problem::bad_request(
            "invalid_query",
            "tahun harus antara 2000 dan 2100.",
        ));
    }
    let filter = UsulKpFilter {
        status,
        nip,
        jenis,
        satker_id: query_satker(q.satker_id)?,
        tahun: q.tahun,
    };
    state
        .caught_up(Module::Kepegawaian, usul_kp::NAME, q.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    let page = queries::list_usul(&mut tx, &filter, page, per_page)
        .await
        .map_err(read_error)?;
    Ok(HttpResponse::Ok().json(page))
}

#[utoipa::path(
    get,
    path = "/api/v1/kepegawaian/kenaikan-pangkat/{id}",
    tag = "kepegawaian",
    operation_id = "detail_usul_kenaikan_pangkat",
    summary = "Detail dan riwayat usul / one usul KP with its timeline",
    description = "Usul dengan riwayat tahapnya (siapa, kapan, catatan), terlama dahulu. Usul di luar satker Anda: 404. / The usul with its timeline, oldest first; outside your satker: 404.",
    params(("id" = Uuid, Path, description = "Id usul / the usul's id"), ReadQuery),
    responses((status = 200, description = "Usul dan riwayatnya / the usul and its timeline", body = UsulKpDetail), ItemErrors),
    security(("bearer_jwt" = []))
)]
async fn detail(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<Uuid>,
    query: web::Query<ReadQuery>,
) -> Result<HttpResponse, Problem> {
    let id = path.into_inner();
    state
        .caught_up(Module::Kepegawaian, usul_kp::NAME, query.min_position)
        .await?;
    let mut tx = scoped_read(&state, Module::Kepegawaian, &user).await?;
    match queries::get_usul(&mut tx, id).await.map_err(read_error)? {
        Some(d) => Ok(HttpResponse::Ok().json(d)),
        None => Err(usul_not_found(id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sekretariat_domain::kenaikan_pangkat::StatusUsulKp;

    #[test]
    fn the_status_and_jenis_choices_are_the_domains_codes() {
        let status = [
            StatusUsulKp::Draft,
            StatusUsulKp::Diverifikasi,
            StatusUsulKp::Diajukan,
            StatusUsulKp::PertekTerbit,
            StatusUsulKp::SkTerbit,
            StatusUsulKp::Selesai,
            StatusUsulKp::Ditolak,
        ]
        .map(StatusUsulKp::kode);
        assert_eq!(PILIHAN_STATUS, status);
        assert_eq!(PILIHAN_JENIS_LIST, JenisKp::SEMUA.map(JenisKp::kode));
        assert_eq!(PILIHAN_JENIS, PILIHAN_JENIS_LIST.join(", "));
    }
}
