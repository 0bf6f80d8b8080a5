//! The `kepegawaian` projector (pegawai with current golongan, jabatan and unit; riwayat
//! pangkat and jabatan, into `db_kepegawaian`) and the queries the API serves from it.
//! Every value comes from an event; names of units and jabatan are copied at decision time.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::events::{JabatanMutasi, PegawaiEvent};
use sekretariat_domain::values::Golongan;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::runtime::{ProjectionError, Projector, StoredEvent};

pub const NAME: &str = "kepegawaian";

/// Builds `db_kepegawaian`.
pub struct KepegawaianProjector;

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Rank used to order and filter by golongan: ruang 1..17, PPPK 101..117 (as in db_master).
pub fn golongan_urutan(g: &Golongan) -> i32 {
    if let Some(i) = Golongan::semua_ruang().iter().position(|x| x == g) {
        return i as i32 + 1;
    }
    Golongan::semua_pppk()
        .iter()
        .position(|x| x == g)
        .map(|i| i as i32 + 101)
        .unwrap_or(0)
}

#[async_trait]
impl Projector for KepegawaianProjector {
    fn name(&self) -> &str {
        NAME
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        if e.aggregate_type != Pegawai::TYPE {
            return Ok(());
        }
        let (nip, seq, pos, at) = (
            &e.aggregate_id,
            e.sequence,
            e.position.global_position,
            e.recorded_at,
        );
        match e.decode::<PegawaiEvent>()? {
            PegawaiEvent::PegawaiDidaftarkan {
                nip: _,
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                tanggal_lahir,
                jenis_kelamin,
                jenis_pegawai,
                golongan,
                pangkat,
                tmt_golongan,
                jabatan_id,
                jabatan_nama,
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan,
                unit_kerja_id,
                unit_kerja_nama,
                satker_id,
                pendidikan_terakhir,
                tmt_cpns,
                tmt_pns,
                tmt_pppk,
            } => {
                sqlx::query(
                    "insert into pegawai (nip, satker_id, unit_kerja_id, unit_kerja_nama, nama, gelar_depan,
                        gelar_belakang, tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan,
                        golongan_urutan, pangkat, tmt_golongan, jabatan_id, jabatan_nama, jenis_jabatan,
                        kelompok_bup, tmt_jabatan, pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk, version,
                        last_position, created_at, updated_at)
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                        $19, $20, $21, $22, $23, $24, $25, $26, $27, $27)",
                )
                .bind(nip)
                .bind(satker_id.as_str())
                .bind(unit_kerja_id)
                .bind(&unit_kerja_nama)
                .bind(&nama)
                .bind(&gelar_depan)
                .bind(&gelar_belakang)
                .bind(&tempat_lahir)
                .bind(tanggal_lahir)
                .bind(enum_str(&jenis_kelamin))
                .bind(enum_str(&jenis_pegawai))
                .bind(golongan.to_string())
                .bind(golongan_urutan(&golongan))
                .bind(&pangkat)
                .bind(tmt_golongan)
                .bind(jabatan_id)
                .bind(&jabatan_nama)
                .bind(enum_str(&jenis_jabatan))
                .bind(enum_str(&kelompok_bup))
                .bind(tmt_jabatan)
                .bind(enum_str(&pendidikan_terakhir))
                .bind(tmt_cpns)
                .bind(tmt_pns)
                .bind(tmt_pppk)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                insert_riwayat_pangkat(
                    conn,
                    nip,
                    &golongan,
                    pangkat.as_deref(),
                    tmt_golongan,
                    pos,
                    at,
                )
                .await?;
                insert_riwayat_jabatan(
                    conn,
                    nip,
                    jabatan_id,
                    &jabatan_nama,
                    &enum_str(&jenis_jabatan),
                    tmt_jabatan,
                    pos,
                    at,
                )
                .await?;
            }
            PegawaiEvent::DataPribadiPegawaiDiubah {
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                pendidikan_terakhir,
            } => {
                sqlx::query(
                    "update pegawai set nama = $2, gelar_depan = $3, gelar_belakang = $4, tempat_lahir = $5,
                            pendidikan_terakhir = $6, version = $7, last_position = $8, updated_at = $9
                      where nip = $1",
                )
                .bind(nip)
                .bind(nama)
                .bind(gelar_depan)
                .bind(gelar_belakang)
                .bind(tempat_lahir)
                .bind(enum_str(&pendidikan_terakhir))
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
            PegawaiEvent::PangkatPegawaiDicatat {
                golongan,
                pangkat,
                tmt_golongan,
                ..
            }
            | PegawaiEvent::PangkatNaikBerdasarkanSk {
                golongan,
                pangkat,
                tmt_golongan,
                ..
            } => {
                sqlx::query(
                    "update pegawai set golongan = $2, golongan_urutan = $3, pangkat = $4, tmt_golongan = $5,
                            version = $6, last_position = $7, updated_at = $8
                      where nip = $1",
                )
                .bind(nip)
                .bind(golongan.to_string())
                .bind(golongan_urutan(&golongan))
                .bind(&pangkat)
                .bind(tmt_golongan)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                insert_riwayat_pangkat(
                    conn,
                    nip,
                    &golongan,
                    pangkat.as_deref(),
                    tmt_golongan,
                    pos,
                    at,
                )
                .await?;
            }
            PegawaiEvent::JabatanPegawaiDicatat {
                jabatan_id,
                jabatan_nama,
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan,
            } => {
                let jenis = enum_str(&jenis_jabatan);
                sqlx::query(
                    "update pegawai set jabatan_id = $2, jabatan_nama = $3, jenis_jabatan = $4, kelompok_bup = $5,
                            tmt_jabatan = $6, version = $7, last_position = $8, updated_at = $9
                      where nip = $1",
                )
                .bind(nip)
                .bind(jabatan_id)
                .bind(&jabatan_nama)
                .bind(&jenis)
                .bind(enum_str(&kelompok_bup))
                .bind(tmt_jabatan)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
                insert_riwayat_jabatan(
                    conn,
                    nip,
                    jabatan_id,
                    &jabatan_nama,
                    &jenis,
                    tmt_jabatan,
                    pos,
                    at,
                )
                .await?;
            }
            PegawaiEvent::UnitKerjaPegawaiDipindahkan {
                unit_kerja_id,
                unit_kerja_nama,
            } => {
                sqlx::query(
                    "update pegawai set unit_kerja_id = $2, unit_kerja_nama = $3, version = $4, last_position = $5,
                            updated_at = $6
                      where nip = $1",
                )
                .bind(nip)
                .bind(unit_kerja_id)
                .bind(unit_kerja_nama)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
            // Mutasi: the row follows the person at once (satker, unit, jabatan); dating
            // the move by its TMT is left to the queries.
            PegawaiEvent::PegawaiMutasiKeluar {
                tmt,
                satker_tujuan,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                let unit = unit_kerja_id.zip(unit_kerja_nama);
                pindah_pegawai(conn, e, Some(satker_tujuan.as_str()), unit, jabatan, tmt).await?;
            }
            PegawaiEvent::PegawaiMutasiMasuk {
                tmt,
                satker_id,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                let unit = Some((unit_kerja_id, unit_kerja_nama));
                pindah_pegawai(conn, e, Some(satker_id.as_str()), unit, jabatan, tmt).await?;
            }
            PegawaiEvent::PegawaiMutasiInternal {
                tmt,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                let unit = unit_kerja_id.zip(unit_kerja_nama);
                pindah_pegawai(conn, e, None, unit, jabatan, tmt).await?;
            }
            // No status column yet: only the row's version moves.
            PegawaiEvent::PegawaiPensiun { .. } => {
                sqlx::query(
                    "update pegawai set version = $2, last_position = $3, updated_at = $4 where nip = $1",
                )
                .bind(nip)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
            PegawaiEvent::PegawaiDiangkatPns { tmt_pns } => {
                sqlx::query(
                    "update pegawai set jenis_pegawai = 'PNS', tmt_pns = $2, version = $3, last_position = $4,
                            updated_at = $5
                      where nip = $1",
                )
                .bind(nip)
                .bind(tmt_pns)
                .bind(seq)
                .bind(pos)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

async fn insert_riwayat_pangkat(
    conn: &mut PgConnection,
    nip: &str,
    golongan: &Golongan,
    pangkat: Option<&str>,
    tmt: Date,
    pos: i64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into riwayat_pangkat (nip, golongan, pangkat, tmt_golongan, global_position, recorded_at, satker_id)
         select $1, $2, $3, $4, $5, $6, satker_id from pegawai where nip = $1",
    )
    .bind(nip)
    .bind(golongan.to_string())
    .bind(pangkat)
    .bind(tmt)
    .bind(pos)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the pegawai row of `e`'s stream to another satker, unit and/or jabatan (a mutasi);
/// `None` leaves that part as it is. A new jabatan also enters riwayat jabatan.
async fn pindah_pegawai(
    conn: &mut PgConnection,
    e: &StoredEvent,
    satker_id: Option<&str>,
    unit: Option<(Uuid, String)>,
    jabatan: Option<JabatanMutasi>,
    tmt: Date,
) -> Result<(), sqlx::Error> {
    let (unit_id, unit_nama) = unit.unzip();
    let jenis_jabatan = jabatan.as_ref().map(|j| enum_str(&j.jenis_jabatan));
    sqlx::query(
        "update pegawai set satker_id = coalesce($2, satker_id), unit_kerja_id = coalesce($3, unit_kerja_id),
                unit_kerja_nama = coalesce($4, unit_kerja_nama), jabatan_id = coalesce($5, jabatan_id),
                jabatan_nama = coalesce($6, jabatan_nama), jenis_jabatan = coalesce($7, jenis_jabatan),
                kelompok_bup = coalesce($8, kelompok_bup),
                tmt_jabatan = case when $5::uuid is null then tmt_jabatan else $9 end,
                version = $10, last_position = $11, updated_at = $12
          where nip = $1",
    )
    .bind(&e.aggregate_id)
    .bind(satker_id)
    .bind(unit_id)
    .bind(unit_nama)
    .bind(jabatan.as_ref().map(|j| j.jabatan_id))
    .bind(jabatan.as_ref().map(|j| j.jabatan_nama.clone()))
    .bind(&jenis_jabatan)
    .bind(jabatan.as_ref().map(|j| enum_str(&j.kelompok_bup)))
    .bind(tmt)
    .bind(e.sequence)
    .bind(e.position.global_position)
    .bind(e.recorded_at)
    .execute(&mut *conn)
    .await?;
    if let Some(j) = &jabatan {
        insert_riwayat_jabatan(
            conn,
            &e.aggregate_id,
            j.jabatan_id,
            &j.jabatan_nama,
            jenis_jabatan.as_deref().unwrap_or_default(),
            tmt,
            e.position.global_position,
            e.recorded_at,
        )
        .await?;
    }
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one column each; a struct would only rename them"
)]
async fn insert_riwayat_jabatan(
    conn: &mut PgConnection,
    nip: &str,
    jabatan_id: Uuid,
    nama: &str,
    jenis: &str,
    tmt: Date,
    pos: i64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into riwayat_jabatan (nip, jabatan_id, jabatan_nama, jenis_jabatan, tmt_jabatan, global_position,
            recorded_at, satker_id)
         select $1, $2, $3, $4, $5, $6, $7, satker_id from pegawai where nip = $1",
    )
    .bind(nip)
    .bind(jabatan_id)
    .bind(nama)
    .bind(jenis)
    .bind(tmt)
    .bind(pos)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A pegawai as the API shows it, with current golongan, jabatan and unit kerja. (The
/// `schema` examples, for the API's OpenAPI document, are the demo court's Analis Perkara.)
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
#[schema(
    description = "Seorang pegawai dengan golongan, jabatan dan unit kerja saat ini / a pegawai with current golongan, jabatan and unit kerja."
)]
pub struct PegawaiView {
    /// NIP, 18 digits.
    #[schema(example = "199805142022032003")]
    pub nip: String,
    #[schema(example = "Putri Maharani")]
    pub nama: String,
    #[schema(example = json!(null))]
    pub gelar_depan: Option<String>,
    #[schema(example = "S.H.")]
    pub gelar_belakang: Option<String>,
    /// Kode satker.
    #[schema(example = "W13-A99")]
    pub satker_id: String,
    pub unit_kerja_id: Uuid,
    #[schema(example = "Kepaniteraan Gugatan")]
    pub unit_kerja_nama: String,
    #[schema(example = "Bekasi")]
    pub tempat_lahir: String,
    #[schema(example = "1998-05-14")]
    pub tanggal_lahir: Date,
    /// `L` or `P`.
    #[schema(example = "P")]
    pub jenis_kelamin: String,
    /// `PNS`, `CPNS` or `PPPK`.
    #[schema(example = "PNS")]
    pub jenis_pegawai: String,
    #[schema(example = "III/a")]
    pub golongan: String,
    #[schema(example = "Penata Muda")]
    /// `null` for PPPK, who have no pangkat.
    pub pangkat: Option<String>,
    #[schema(example = "2022-03-01")]
    pub tmt_golongan: Date,
    pub jabatan_id: Uuid,
    #[schema(example = "Analis Perkara Peradilan")]
    pub jabatan_nama: String,
    /// `struktural`, `fungsional` or `pelaksana`.
    #[schema(example = "pelaksana")]
    pub jenis_jabatan: String,
    #[schema(example = "administrasi_dan_ahli_pertama_muda")]
    pub kelompok_bup: String,
    #[schema(example = "2023-03-01")]
    pub tmt_jabatan: Date,
    #[schema(example = "S1")]
    pub pendidikan_terakhir: String,
    #[schema(example = "2022-03-01")]
    pub tmt_cpns: Option<Date>,
    #[schema(example = "2023-03-01")]
    pub tmt_pns: Option<Date>,
    #[schema(example = json!(null))]
    pub tmt_pppk: Option<Date>,
    /// The aggregate's version (its last event's sequence).
    #[schema(example = 1)]
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// One entry of riwayat pangkat.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct RiwayatPangkat {
    #[schema(example = "III/a")]
    pub golongan: String,
    #[schema(example = "Penata Muda")]
    /// `null` for PPPK, who have no pangkat.
    pub pangkat: Option<String>,
    #[schema(example = "2022-03-01")]
    pub tmt_golongan: Date,
    /// Global position of the event that recorded it.
    pub global_position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// One entry of riwayat jabatan.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct RiwayatJabatan {
    pub jabatan_id: Uuid,
    #[schema(example = "Analis Perkara Peradilan")]
    pub jabatan_nama: String,
    #[schema(example = "pelaksana")]
    pub jenis_jabatan: String,
    #[schema(example = "2023-03-01")]
    pub tmt_jabatan: Date,
    /// Global position of the event that recorded it.
    pub global_position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// Both histories of one pegawai, oldest first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Riwayat {
    #[schema(example = "199805142022032003")]
    pub nip: String,
    pub pangkat: Vec<RiwayatPangkat>,
    pub jabatan: Vec<RiwayatJabatan>,
}

/// Filters of the pegawai list. `q` matches the name (case-insensitive, anywhere) or a NIP
/// prefix.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PegawaiFilter {
    /// Exactly this NIP (a staf member sees only their own record).
    pub nip: Option<String>,
    pub satker_id: Option<String>,
    pub unit_kerja_id: Option<Uuid>,
    pub golongan: Option<String>,
    pub jenis_pegawai: Option<String>,
    pub q: Option<String>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

const PEGAWAI_COLUMNS: &str = "nip, nama, gelar_depan, gelar_belakang, satker_id, unit_kerja_id, unit_kerja_nama,
    tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan, pangkat, tmt_golongan, jabatan_id,
    jabatan_nama, jenis_jabatan, kelompok_bup, tmt_jabatan, pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk,
    version, updated_at";

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, f: &PegawaiFilter) {
    qb.push(" where true");
    if let Some(n) = &f.nip {
        qb.push(" and nip = ").push_bind(n.clone());
    }
    if let Some(s) = &f.satker_id {
        qb.push(" and satker_id = ").push_bind(s.clone());
    }
    if let Some(u) = f.unit_kerja_id {
        qb.push(" and unit_kerja_id = ").push_bind(u);
    }
    if let Some(g) = &f.golongan {
        qb.push(" and golongan = ").push_bind(g.clone());
    }
    if let Some(j) = &f.jenis_pegawai {
        qb.push(" and jenis_pegawai = ").push_bind(j.clone());
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        qb.push(" and (nama ilike ")
            .push_bind(format!("%{escaped}%"))
            .push(" or nip like ")
            .push_bind(format!("{escaped}%"))
            .push(")");
    }
}

/// Read-side queries of `db_kepegawaian`.
pub mod queries {
    use super::*;

    /// One page of pegawai in a stable order (name, then NIP).
    ///
    /// # Errors
    /// Database errors.
    pub async fn list_pegawai(
        conn: &mut PgConnection,
        f: &PegawaiFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<PegawaiView>, sqlx::Error> {
        let mut count = QueryBuilder::new("select count(*) from pegawai");
        push_filters(&mut count, f);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
        let mut qb = QueryBuilder::new(format!("select {PEGAWAI_COLUMNS} from pegawai"));
        push_filters(&mut qb, f);
        qb.push(" order by nama, nip limit ")
            .push_bind(per_page)
            .push(" offset ")
            .push_bind((page - 1) * per_page);
        let data = qb.build_query_as().fetch_all(&mut *conn).await?;
        Ok(Page {
            data,
            page,
            per_page,
            total,
        })
    }

    /// # Errors
    /// Database errors.
    pub async fn get_pegawai(
        conn: &mut PgConnection,
        nip: &str,
    ) -> Result<Option<PegawaiView>, sqlx::Error> {
        sqlx::query_as(&format!(
            "select {PEGAWAI_COLUMNS} from pegawai where nip = $1"
        ))
        .bind(nip)
        .fetch_optional(&mut *conn)
        .await
    }

    /// # Errors
    /// Database errors.
    pub async fn riwayat(conn: &mut PgConnection, nip: &str) -> Result<Riwayat, sqlx::Error> {
        let pangkat = sqlx::query_as(
            "select golongan, pangkat, tmt_golongan, global_position, recorded_at from riwayat_pangkat
              where nip = $1 order by tmt_golongan, global_position",
        )
        .bind(nip)
        .fetch_all(&mut *conn)
        .await?;
        let jabatan = sqlx::query_as(
            "select jabatan_id, jabatan_nama, jenis_jabatan, tmt_jabatan, global_position, recorded_at
               from riwayat_jabatan where nip = $1 order by tmt_jabatan, global_position",
        )
        .bind(nip)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Riwayat {
            nip: nip.to_string(),
            pangkat,
            jabatan,
        })
    }
}
