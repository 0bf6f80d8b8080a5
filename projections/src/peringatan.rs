//! The read side of the early warnings (issue 5): the pegawai snapshots the domain's
//! `peringatan` rules need, read from `db_kepegawaian` under the caller's scope. The rules
//! themselves (KP reguler due, blocked by the ijazah ceiling, BUP, KGB) are the domain's.

use sekretariat_domain::master::jabatan::JenisJabatan;
use sekretariat_domain::peringatan::SnapshotPegawai;
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::{Golongan, JenisPegawai, Nip, Pendidikan};
use sqlx::{FromRow, PgConnection};
use time::Date;

use crate::kepegawaian::{SATKER_KINI, STATUS_KINI};

#[derive(FromRow)]
struct Row {
    nip: String,
    nama: String,
    golongan: String,
    tmt_golongan: Date,
    tanggal_lahir: Date,
    kelompok_bup: String,
    pendidikan_terakhir: String,
    jenis_pegawai: String,
    jenis_jabatan: String,
}

fn from_str<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
}

impl Row {
    fn snapshot(self) -> Option<SnapshotPegawai> {
        Some(SnapshotPegawai {
            nip: Nip::parse_any(&self.nip).ok()?,
            nama: self.nama,
            golongan: Golongan::parse(&self.golongan).ok()?,
            tmt_golongan: self.tmt_golongan,
            tanggal_lahir: self.tanggal_lahir,
            kelompok_bup: from_str::<KelompokBup>(&self.kelompok_bup)?,
            pendidikan: Pendidikan::parse(&self.pendidikan_terakhir).ok()?,
            jenis_pegawai: JenisPegawai::parse(&self.jenis_pegawai).ok()?,
            jenis_jabatan: from_str::<JenisJabatan>(&self.jenis_jabatan)?,
            // The read model has no KGB history yet: the last KGB is taken as the TMT golongan.
            tmt_kgb_terakhir: None,
        })
    }
}

/// The snapshots of every pegawai in active employment today whom the scoped connection may
/// see, optionally of one satker (the satker they belong to today).
/// A row the domain types cannot read is left out and logged (a projector bug, not input).
///
/// # Errors
/// Database errors.
pub async fn snapshots(
    conn: &mut PgConnection,
    satker_id: Option<&str>,
) -> Result<Vec<SnapshotPegawai>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select nip, nama, golongan, tmt_golongan, tanggal_lahir, kelompok_bup, pendidikan_terakhir,
                jenis_pegawai, jenis_jabatan
           from pegawai
          where ($1::text is null or {SATKER_KINI} = $1) and {STATUS_KINI} = 'aktif'
          order by nip"
    ))
    .bind(satker_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let nip = r.nip.clone();
            let s = r.snapshot();
            if s.is_none() {
                tracing::error!(%nip, "pegawai row cannot be read as domain values; left out of warnings");
            }
            s
        })
        .collect())
}
