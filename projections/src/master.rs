//! The `master` projector (satker, unit kerja, jabatan into `db_master`) and the queries the API
//! serves from that read model.

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sekretariat_domain::master::jabatan::{Jabatan, JabatanEvent};
use sekretariat_domain::master::satker::{Satker, SatkerEvent};
use sekretariat_domain::master::unit_kerja::{UnitKerja, UnitKerjaEvent};
use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::runtime::{ProjectionError, Projector, StoredEvent};

/// Builds `db_master`.
pub struct MasterProjector;

pub const NAME: &str = "master";

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[async_trait]
impl Projector for MasterProjector {
    fn name(&self) -> &str {
        NAME
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        let (seq, pos, at) = (e.sequence, e.position.global_position, e.recorded_at);
        match e.aggregate_type.as_str() {
            Satker::TYPE => match e.decode::<SatkerEvent>()? {
                SatkerEvent::SatkerDidaftarkan { kode, nama } => {
                    sqlx::query(
                        "insert into satker (id, nama, version, last_position, updated_at)
                         values ($1, $2, $3, $4, $5)",
                    )
                    .bind(kode.as_str())
                    .bind(nama)
                    .bind(seq)
                    .bind(pos)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
                SatkerEvent::NamaSatkerDiubah { nama } => {
                    sqlx::query("update satker set nama = $2, version = $3, last_position = $4, updated_at = $5 where id = $1")
                        .bind(&e.aggregate_id)
                        .bind(nama)
                        .bind(seq)
                        .bind(pos)
                        .bind(at)
                        .execute(&mut *conn)
                        .await?;
                }
            },
            UnitKerja::TYPE => match e.decode::<UnitKerjaEvent>()? {
                UnitKerjaEvent::UnitKerjaDibentuk {
                    id,
                    satker_id,
                    nama,
                    induk_id,
                } => {
                    sqlx::query(
                        "insert into unit_kerja (id, satker_id, nama, induk_id, version, last_position, updated_at)
                         values ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(satker_id.as_str())
                    .bind(nama)
                    .bind(induk_id)
                    .bind(seq)
                    .bind(pos)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
                UnitKerjaEvent::NamaUnitKerjaDiubah { nama } => {
                    sqlx::query(
                        "update unit_kerja set nama = $2, version = $3, last_position = $4, updated_at = $5
                          where id = $1::uuid",
                    )
                    .bind(&e.aggregate_id)
                    .bind(nama)
                    .bind(seq)
                    .bind(pos)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
            },
            Jabatan::TYPE => match e.decode::<JabatanEvent>()? {
                JabatanEvent::JabatanDibuat {
                    id,
                    nama,
                    jenis,
                    kelompok_bup,
                } => {
                    sqlx::query(
                        "insert into jabatan (id, nama, jenis, kelompok_bup, version, last_position, updated_at)
                         values ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(nama)
                    .bind(enum_str(&jenis))
                    .bind(enum_str(&kelompok_bup))
                    .bind(seq)
                    .bind(pos)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
                JabatanEvent::JabatanDiubah { nama, kelompok_bup } => {
                    sqlx::query(
                        "update jabatan set nama = $2, kelompok_bup = $3, version = $4, last_position = $5,
                                updated_at = $6
                          where id = $1::uuid",
                    )
                    .bind(&e.aggregate_id)
                    .bind(nama)
                    .bind(enum_str(&kelompok_bup))
                    .bind(seq)
                    .bind(pos)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?;
                }
            },
            _ => {}
        }
        Ok(())
    }
}

/// A satker as listed.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct SatkerView {
    /// Kode satker.
    #[schema(example = "W13-A99")]
    pub id: String,
    #[schema(example = "Pengadilan Agama Sukamaju Kelas IB")]
    pub nama: String,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A unit kerja as listed.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct UnitKerjaView {
    pub id: Uuid,
    #[schema(example = "W13-A99")]
    pub satker_id: String,
    #[schema(example = "Kepaniteraan Gugatan")]
    pub nama: String,
    /// The unit it belongs to, if any.
    pub induk_id: Option<Uuid>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A jabatan as listed.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct JabatanView {
    pub id: Uuid,
    #[schema(example = "Analis Perkara Peradilan")]
    pub nama: String,
    /// `struktural`, `fungsional` or `pelaksana`.
    #[schema(example = "pelaksana")]
    pub jenis: String,
    #[schema(example = "administrasi_dan_ahli_pertama_muda")]
    pub kelompok_bup: String,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A row of the golongan reference.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct GolonganView {
    #[schema(example = "III/a")]
    pub kode: String,
    /// `pns` (golongan ruang) or `pppk`.
    #[schema(example = "pns")]
    pub jenis: String,
    /// Rank for ordering.
    #[schema(example = 9)]
    pub urutan: i32,
    #[schema(example = "Penata Muda")]
    pub pangkat: Option<String>,
    /// Id of the golongan in BKN's SIASN.
    #[schema(example = 31)]
    pub siasn_id: Option<i32>,
}

/// Read-side queries of `db_master`.
pub mod queries {
    use super::*;

    /// # Errors
    /// Database errors.
    pub async fn list_satker(conn: &mut PgConnection) -> Result<Vec<SatkerView>, sqlx::Error> {
        sqlx::query_as("select id, nama, version, updated_at from satker order by id")
            .fetch_all(&mut *conn)
            .await
    }

    /// # Errors
    /// Database errors.
    pub async fn get_satker(
        conn: &mut PgConnection,
        id: &str,
    ) -> Result<Option<SatkerView>, sqlx::Error> {
        sqlx::query_as("select id, nama, version, updated_at from satker where id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
    }

    /// # Errors
    /// Database errors.
    pub async fn list_unit_kerja(
        conn: &mut PgConnection,
        satker_id: Option<&str>,
    ) -> Result<Vec<UnitKerjaView>, sqlx::Error> {
        sqlx::query_as(
            "select id, satker_id, nama, induk_id, version, updated_at from unit_kerja
              where ($1::text is null or satker_id = $1)
              order by satker_id, nama, id",
        )
        .bind(satker_id)
        .fetch_all(&mut *conn)
        .await
    }

    /// # Errors
    /// Database errors.
    pub async fn get_unit_kerja(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<Option<UnitKerjaView>, sqlx::Error> {
        sqlx::query_as("select id, satker_id, nama, induk_id, version, updated_at from unit_kerja where id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
    }

    /// # Errors
    /// Database errors.
    pub async fn list_jabatan(
        conn: &mut PgConnection,
        jenis: Option<&str>,
    ) -> Result<Vec<JabatanView>, sqlx::Error> {
        sqlx::query_as(
            "select id, nama, jenis, kelompok_bup, version, updated_at from jabatan
              where ($1::text is null or jenis = $1)
              order by nama, id",
        )
        .bind(jenis)
        .fetch_all(&mut *conn)
        .await
    }

    /// # Errors
    /// Database errors.
    pub async fn get_jabatan(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<Option<JabatanView>, sqlx::Error> {
        sqlx::query_as(
            "select id, nama, jenis, kelompok_bup, version, updated_at from jabatan where id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
    }

    /// # Errors
    /// Database errors.
    pub async fn list_golongan(conn: &mut PgConnection) -> Result<Vec<GolonganView>, sqlx::Error> {
        sqlx::query_as(
            "select kode, jenis, urutan, pangkat, siasn_id from golongan order by urutan",
        )
        .fetch_all(&mut *conn)
        .await
    }
}
