//! The `kepegawaian` projector (pegawai with current golongan, jabatan and unit; riwayat
//! pangkat and jabatan, into `db_kepegawaian`) and the queries the API serves from it.
//! Every value comes from an event; names of units and jabatan are copied at decision time.

use std::collections::HashMap;
use std::sync::LazyLock;

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

use crate::copy::CopyRows;
use crate::runtime::{BatchError, ProjectionError, Projector, Replayer, StoredEvent, Writeout};

pub const NAME: &str = "kepegawaian";

/// Builds `db_kepegawaian`.
///
/// One implementation serves the live runner and rebuilds: [`Projector::apply_batch`] decodes
/// the batch, loads the current rows of the NIPs it touches in one query, folds the events into
/// those rows in memory (many events of one pegawai become one row write), and writes with three
/// multi-row statements (pegawai upsert, riwayat pangkat, riwayat jabatan). [`Projector::apply`]
/// is the same code on a batch of one. A live batch of a few events and a rebuild batch of tens
/// of thousands therefore cannot drift apart; only the number of round trips differs.
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

    fn reads_metadata(&self) -> bool {
        false
    }

    fn decodes_payload_only(&self) -> bool {
        true
    }

    fn replayer(&self) -> Option<Box<dyn Replayer>> {
        Some(Box::new(KepegawaianReplayer(Fold::default())))
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        self.apply_batch(conn, std::slice::from_ref(e))
            .await
            .map_err(|b| b.error)
    }

    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), BatchError> {
        // 1. Decode (and upcast) first: a payload that does not fit is blamed on its event
        //    before anything is written.
        let mut decoded = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if e.aggregate_type == Pegawai::TYPE {
                let event = e
                    .decode::<PegawaiEvent>()
                    .map_err(|err| BatchError::at(i, err))?;
                decoded.push((i, e, event));
            }
        }
        if decoded.is_empty() {
            return Ok(());
        }
        // 2. The current rows of every NIP the batch touches, in one query.
        let mut nips: Vec<&str> = decoded
            .iter()
            .map(|(_, e, _)| e.aggregate_id.as_str())
            .collect();
        nips.sort_unstable();
        nips.dedup();
        let mut fold = Fold::load(conn, &nips)
            .await
            .map_err(BatchError::unattributed)?;
        // 3. Fold the events in order into those rows.
        for (i, e, event) in decoded {
            fold.apply(e, event).map_err(|err| BatchError::at(i, err))?;
        }
        // 4. Write: one statement per table. A failure here cannot name its event; the
        //    runtime then replays the batch one event at a time to find it.
        fold.write(conn).await.map_err(BatchError::unattributed)
    }
}

/// A rebuild's fold: the same [`Fold`] as a batch, started empty and kept over the whole
/// history, so that each pegawai row is written once, at the end. Riwayat entries are handed
/// over as they accumulate.
struct KepegawaianReplayer(Fold);

impl Replayer for KepegawaianReplayer {
    fn fold(&mut self, events: &[StoredEvent]) -> Result<(), BatchError> {
        for (i, e) in events.iter().enumerate() {
            if e.aggregate_type != Pegawai::TYPE {
                continue;
            }
            let event = e
                .decode::<PegawaiEvent>()
                .map_err(|err| BatchError::at(i, err))?;
            self.0
                .apply(e, event)
                .map_err(|err| BatchError::at(i, err))?;
        }
        Ok(())
    }

    fn take_ready(&mut self) -> Option<Box<dyn Writeout>> {
        let history = self.0.take_history();
        (!history.is_empty()).then(|| Box::new(history) as Box<dyn Writeout>)
    }

    fn finish(self: Box<Self>) -> Box<dyn Writeout> {
        Box::new(self.0)
    }

    fn tables(&self) -> &'static [&'static str] {
        &[
            "pegawai",
            "riwayat_pangkat",
            "riwayat_jabatan",
            "riwayat_mutasi",
        ]
    }
}

/// New riwayat entries, taken out of a [`Fold`].
#[derive(Default)]
struct History {
    pangkat: Vec<PangkatEntry>,
    jabatan: Vec<JabatanEntry>,
    mutasi: Vec<MutasiEntry>,
}

impl History {
    fn is_empty(&self) -> bool {
        self.pangkat.is_empty() && self.jabatan.is_empty() && self.mutasi.is_empty()
    }

    /// Appends the entries, one `COPY` per table.
    async fn write(self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        insert_riwayat_pangkat(conn, self.pangkat).await?;
        insert_riwayat_jabatan(conn, self.jabatan).await?;
        insert_riwayat_mutasi(conn, self.mutasi).await
    }
}

#[async_trait]
impl Writeout for History {
    async fn write(self: Box<Self>, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        History::write(*self, conn).await
    }
}

/// The end of a rebuild: every row, none of which exists yet, then the last entries.
#[async_trait]
impl Writeout for Fold {
    async fn write(mut self: Box<Self>, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let rows: Vec<PegawaiRow> = std::mem::take(&mut self.rows)
            .into_values()
            .map(|s| s.row)
            .collect();
        copy_new_pegawai(conn, rows).await?;
        self.take_history().write(conn).await
    }
}

/// Rows per multi-row statement when a fold writes many (a rebuild's).
const WRITE_CHUNK: usize = 20_000;

/// Every column of `pegawai`, in table order: what is loaded, folded and written back.
const PEGAWAI_ALL_COLUMNS: &str = "nip, satker_id, unit_kerja_id, unit_kerja_nama, nama, gelar_depan,
    gelar_belakang, tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan, golongan_urutan,
    pangkat, tmt_golongan, jabatan_id, jabatan_nama, jenis_jabatan, kelompok_bup, tmt_jabatan,
    pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk, version, last_position, created_at, updated_at,
    status, status_sebelum, tmt_status, satker_asal_id, tmt_satker";

/// One `pegawai` row while a batch is folded into it.
#[derive(Debug, Clone, FromRow)]
struct PegawaiRow {
    nip: String,
    satker_id: String,
    unit_kerja_id: Uuid,
    unit_kerja_nama: String,
    nama: String,
    gelar_depan: Option<String>,
    gelar_belakang: Option<String>,
    tempat_lahir: String,
    tanggal_lahir: Date,
    jenis_kelamin: String,
    jenis_pegawai: String,
    golongan: String,
    golongan_urutan: i32,
    pangkat: Option<String>,
    tmt_golongan: Date,
    jabatan_id: Uuid,
    jabatan_nama: String,
    jenis_jabatan: String,
    kelompok_bup: String,
    tmt_jabatan: Date,
    pendidikan_terakhir: String,
    tmt_cpns: Option<Date>,
    tmt_pns: Option<Date>,
    tmt_pppk: Option<Date>,
    version: i64,
    last_position: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    /// `aktif`, `keluar` or `pensiun` from `tmt_status` on; `status_sebelum` before.
    status: String,
    status_sebelum: Option<String>,
    tmt_status: Option<Date>,
    /// The satker before the last move, which keeps the pegawai until `tmt_satker`.
    satker_asal_id: Option<String>,
    tmt_satker: Option<Date>,
}

impl PegawaiRow {
    /// Every event moves the row's version, position and update time.
    fn touch(&mut self, e: &StoredEvent) {
        self.version = e.sequence;
        self.last_position = e.position.global_position;
        self.updated_at = e.recorded_at;
    }

    /// From `tmt` on, the pegawai's status is `status`.
    fn set_status(&mut self, status: &str, tmt: Date) {
        let before = std::mem::replace(&mut self.status, status.to_string());
        self.status_sebelum = Some(before);
        self.tmt_status = Some(tmt);
    }

    /// From `tmt` on, the pegawai belongs to `satker`.
    fn set_satker(&mut self, satker: &str, tmt: Date) {
        let before = std::mem::replace(&mut self.satker_id, satker.to_string());
        self.satker_asal_id = Some(before);
        self.tmt_satker = Some(tmt);
    }
}

/// One new riwayat pangkat entry.
struct PangkatEntry {
    nip: String,
    golongan: String,
    pangkat: Option<String>,
    tmt_golongan: Date,
    global_position: i64,
    recorded_at: OffsetDateTime,
}

/// One new riwayat jabatan entry.
struct JabatanEntry {
    nip: String,
    jabatan_id: Uuid,
    jabatan_nama: String,
    jenis_jabatan: String,
    tmt_jabatan: Date,
    global_position: i64,
    recorded_at: OffsetDateTime,
}

/// What an SK mutasi or pensiun adds to the riwayat.
struct MutasiSk {
    jenis: &'static str,
    nomor_sk: String,
    tanggal_sk: Date,
    tmt: Date,
    satker_asal: String,
    satker_tujuan: String,
    unit_kerja_nama: Option<String>,
    jabatan_nama: Option<String>,
}

/// One new riwayat mutasi entry (an SK mutasi or pensiun).
struct MutasiEntry {
    nip: String,
    jenis: &'static str,
    nomor_sk: String,
    tanggal_sk: Date,
    tmt: Date,
    satker_asal: String,
    satker_tujuan: String,
    unit_kerja_nama: Option<String>,
    jabatan_nama: Option<String>,
    global_position: i64,
    recorded_at: OffsetDateTime,
}

/// A row of the batch and whether the batch changed it.
struct Slot {
    row: PegawaiRow,
    dirty: bool,
}

/// The batch's effect on the read model, built in memory and written at the end.
#[derive(Default)]
struct Fold {
    /// The rows of the batch's NIPs that exist (loaded or registered in this batch). A NIP
    /// absent here has no row: events for it change nothing, as an `update ... where nip`
    /// of a missing row would not.
    rows: HashMap<String, Slot>,
    pangkat: Vec<PangkatEntry>,
    jabatan: Vec<JabatanEntry>,
    mutasi: Vec<MutasiEntry>,
}

impl Fold {
    async fn load(conn: &mut PgConnection, nips: &[&str]) -> Result<Self, sqlx::Error> {
        let loaded: Vec<PegawaiRow> = sqlx::query_as(&format!(
            "select {PEGAWAI_ALL_COLUMNS} from pegawai where nip = any($1)"
        ))
        .bind(nips)
        .fetch_all(&mut *conn)
        .await?;
        let mut rows = HashMap::with_capacity(nips.len());
        for row in loaded {
            rows.insert(row.nip.clone(), Slot { row, dirty: false });
        }
        Ok(Self {
            rows,
            pangkat: Vec::new(),
            jabatan: Vec::new(),
            mutasi: Vec::new(),
        })
    }

    /// The existing row of `nip`, marked changed; `None` when there is no such pegawai.
    fn row(&mut self, nip: &str) -> Option<&mut PegawaiRow> {
        self.rows.get_mut(nip).map(|slot| {
            slot.dirty = true;
            &mut slot.row
        })
    }

    fn record_pangkat(
        &mut self,
        e: &StoredEvent,
        golongan: &Golongan,
        pangkat: Option<String>,
        tmt_golongan: Date,
    ) {
        self.pangkat.push(PangkatEntry {
            nip: e.aggregate_id.clone(),
            golongan: golongan.to_string(),
            pangkat,
            tmt_golongan,
            global_position: e.position.global_position,
            recorded_at: e.recorded_at,
        });
    }

    fn record_jabatan(
        &mut self,
        e: &StoredEvent,
        jabatan_id: Uuid,
        jabatan_nama: String,
        jenis_jabatan: String,
        tmt_jabatan: Date,
    ) {
        self.jabatan.push(JabatanEntry {
            nip: e.aggregate_id.clone(),
            jabatan_id,
            jabatan_nama,
            jenis_jabatan,
            tmt_jabatan,
            global_position: e.position.global_position,
            recorded_at: e.recorded_at,
        });
    }

    /// Applies one event of the stream `e.aggregate_id` to the in-memory rows.
    fn apply(&mut self, e: &StoredEvent, event: PegawaiEvent) -> Result<(), ProjectionError> {
        let nip = e.aggregate_id.as_str();
        match event {
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
                // A plain insert would hit the primary key: stop here just as it would.
                if self.rows.contains_key(nip) {
                    return Err(ProjectionError::Other(format!(
                        "pegawai {nip} is registered twice: duplicate key in pegawai"
                    )));
                }
                let jenis_jabatan = enum_str(&jenis_jabatan);
                let row = PegawaiRow {
                    nip: nip.to_string(),
                    satker_id: satker_id.as_str().to_string(),
                    unit_kerja_id,
                    unit_kerja_nama,
                    nama,
                    gelar_depan,
                    gelar_belakang,
                    tempat_lahir,
                    tanggal_lahir,
                    jenis_kelamin: enum_str(&jenis_kelamin),
                    jenis_pegawai: enum_str(&jenis_pegawai),
                    golongan: golongan.to_string(),
                    golongan_urutan: golongan_urutan(&golongan),
                    pangkat: pangkat.clone(),
                    tmt_golongan,
                    jabatan_id,
                    jabatan_nama: jabatan_nama.clone(),
                    jenis_jabatan: jenis_jabatan.clone(),
                    kelompok_bup: enum_str(&kelompok_bup),
                    tmt_jabatan,
                    pendidikan_terakhir: enum_str(&pendidikan_terakhir),
                    tmt_cpns,
                    tmt_pns,
                    tmt_pppk,
                    version: e.sequence,
                    last_position: e.position.global_position,
                    created_at: e.recorded_at,
                    updated_at: e.recorded_at,
                    status: "aktif".to_string(),
                    status_sebelum: None,
                    tmt_status: None,
                    satker_asal_id: None,
                    tmt_satker: None,
                };
                self.rows.insert(nip.to_string(), Slot { row, dirty: true });
                self.record_pangkat(e, &golongan, pangkat, tmt_golongan);
                self.record_jabatan(e, jabatan_id, jabatan_nama, jenis_jabatan, tmt_jabatan);
            }
            PegawaiEvent::DataPribadiPegawaiDiubah {
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                pendidikan_terakhir,
            } => {
                if let Some(row) = self.row(nip) {
                    row.nama = nama;
                    row.gelar_depan = gelar_depan;
                    row.gelar_belakang = gelar_belakang;
                    row.tempat_lahir = tempat_lahir;
                    row.pendidikan_terakhir = enum_str(&pendidikan_terakhir);
                    row.touch(e);
                }
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
                if let Some(row) = self.row(nip) {
                    row.golongan = golongan.to_string();
                    row.golongan_urutan = golongan_urutan(&golongan);
                    row.pangkat = pangkat.clone();
                    row.tmt_golongan = tmt_golongan;
                    row.touch(e);
                    self.record_pangkat(e, &golongan, pangkat, tmt_golongan);
                }
            }
            PegawaiEvent::JabatanPegawaiDicatat {
                jabatan_id,
                jabatan_nama,
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan,
            } => {
                if let Some(row) = self.row(nip) {
                    let jenis = enum_str(&jenis_jabatan);
                    row.jabatan_id = jabatan_id;
                    row.jabatan_nama = jabatan_nama.clone();
                    row.jenis_jabatan = jenis.clone();
                    row.kelompok_bup = enum_str(&kelompok_bup);
                    row.tmt_jabatan = tmt_jabatan;
                    row.touch(e);
                    self.record_jabatan(e, jabatan_id, jabatan_nama, jenis, tmt_jabatan);
                }
            }
            PegawaiEvent::UnitKerjaPegawaiDipindahkan {
                unit_kerja_id,
                unit_kerja_nama,
            } => {
                if let Some(row) = self.row(nip) {
                    row.unit_kerja_id = unit_kerja_id;
                    row.unit_kerja_nama = unit_kerja_nama;
                    row.touch(e);
                }
            }
            // Mutasi: satker, unit and jabatan are recorded at once; the satker (and, for a
            // move out of the system, the status) holds from the TMT: see the migration
            // `status_dan_mutasi` for how queries and row-level security date them.
            PegawaiEvent::PegawaiMutasiKeluar {
                nomor_sk,
                tanggal_sk,
                tmt,
                satker_asal,
                satker_tujuan,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                self.record_mutasi(
                    e,
                    MutasiSk {
                        jenis: "keluar",
                        nomor_sk,
                        tanggal_sk,
                        tmt,
                        satker_asal: satker_asal.as_str().to_string(),
                        satker_tujuan: satker_tujuan.as_str().to_string(),
                        unit_kerja_nama: unit_kerja_nama.clone(),
                        jabatan_nama: jabatan.as_ref().map(|j| j.jabatan_nama.clone()),
                    },
                );
                let keluar = unit_kerja_id.is_none();
                let unit = unit_kerja_id.zip(unit_kerja_nama);
                self.pindah(e, Some(satker_tujuan.as_str()), unit, jabatan, tmt);
                if keluar && let Some(row) = self.row(nip) {
                    row.set_status("keluar", tmt);
                }
            }
            PegawaiEvent::PegawaiMutasiMasuk {
                nomor_sk,
                tanggal_sk,
                tmt,
                satker_asal,
                satker_id,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                self.record_mutasi(
                    e,
                    MutasiSk {
                        jenis: "masuk",
                        nomor_sk,
                        tanggal_sk,
                        tmt,
                        satker_asal: satker_asal.as_str().to_string(),
                        satker_tujuan: satker_id.as_str().to_string(),
                        unit_kerja_nama: Some(unit_kerja_nama.clone()),
                        jabatan_nama: jabatan.as_ref().map(|j| j.jabatan_nama.clone()),
                    },
                );
                let unit = Some((unit_kerja_id, unit_kerja_nama));
                self.pindah(e, Some(satker_id.as_str()), unit, jabatan, tmt);
                if let Some(row) = self.row(nip)
                    && row.status != "aktif"
                {
                    row.set_status("aktif", tmt);
                }
            }
            PegawaiEvent::PegawaiMutasiInternal {
                nomor_sk,
                tanggal_sk,
                tmt,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                if let Some(satker) = self.rows.get(nip).map(|s| s.row.satker_id.clone()) {
                    self.record_mutasi(
                        e,
                        MutasiSk {
                            jenis: "internal",
                            nomor_sk,
                            tanggal_sk,
                            tmt,
                            satker_asal: satker.clone(),
                            satker_tujuan: satker,
                            unit_kerja_nama: unit_kerja_nama.clone(),
                            jabatan_nama: jabatan.as_ref().map(|j| j.jabatan_nama.clone()),
                        },
                    );
                }
                let unit = unit_kerja_id.zip(unit_kerja_nama);
                self.pindah(e, None, unit, jabatan, tmt);
            }
            // Active employment ends on the TMT pensiun.
            PegawaiEvent::PegawaiPensiun {
                nomor_sk,
                tanggal_sk,
                tmt_pensiun,
                satker_id,
                ..
            } => {
                if let Some(row) = self.row(nip) {
                    row.set_status("pensiun", tmt_pensiun);
                    row.touch(e);
                    self.record_mutasi(
                        e,
                        MutasiSk {
                            jenis: "pensiun",
                            nomor_sk,
                            tanggal_sk,
                            tmt: tmt_pensiun,
                            satker_asal: satker_id.as_str().to_string(),
                            satker_tujuan: satker_id.as_str().to_string(),
                            unit_kerja_nama: None,
                            jabatan_nama: None,
                        },
                    );
                }
            }
            PegawaiEvent::PegawaiDiangkatPns { tmt_pns } => {
                if let Some(row) = self.row(nip) {
                    row.jenis_pegawai = "PNS".to_string();
                    row.tmt_pns = Some(tmt_pns);
                    row.touch(e);
                }
            }
        }
        Ok(())
    }

    /// Records an SK mutasi or pensiun in the riwayat, when the pegawai has a row.
    fn record_mutasi(&mut self, e: &StoredEvent, sk: MutasiSk) {
        if !self.rows.contains_key(&e.aggregate_id) {
            return;
        }
        self.mutasi.push(MutasiEntry {
            nip: e.aggregate_id.clone(),
            jenis: sk.jenis,
            nomor_sk: sk.nomor_sk,
            tanggal_sk: sk.tanggal_sk,
            tmt: sk.tmt,
            satker_asal: sk.satker_asal,
            satker_tujuan: sk.satker_tujuan,
            unit_kerja_nama: sk.unit_kerja_nama,
            jabatan_nama: sk.jabatan_nama,
            global_position: e.position.global_position,
            recorded_at: e.recorded_at,
        });
    }

    /// Moves the pegawai of `e`'s stream to another satker, unit and/or jabatan (a mutasi);
    /// `None` leaves that part as it is. A new jabatan also enters riwayat jabatan, under the
    /// satker the pegawai has after the move.
    fn pindah(
        &mut self,
        e: &StoredEvent,
        satker_id: Option<&str>,
        unit: Option<(Uuid, String)>,
        jabatan: Option<JabatanMutasi>,
        tmt: Date,
    ) {
        let Some(row) = self.row(&e.aggregate_id) else {
            return;
        };
        if let Some(s) = satker_id
            && s != row.satker_id
        {
            row.set_satker(s, tmt);
        }
        if let Some((id, nama)) = unit {
            row.unit_kerja_id = id;
            row.unit_kerja_nama = nama;
        }
        let jenis = jabatan.as_ref().map(|j| enum_str(&j.jenis_jabatan));
        if let Some(j) = &jabatan {
            row.jabatan_id = j.jabatan_id;
            row.jabatan_nama = j.jabatan_nama.clone();
            row.jenis_jabatan = jenis.clone().unwrap_or_default();
            row.kelompok_bup = enum_str(&j.kelompok_bup);
            row.tmt_jabatan = tmt;
        }
        row.touch(e);
        if let Some(j) = jabatan {
            self.record_jabatan(
                e,
                j.jabatan_id,
                j.jabatan_nama,
                jenis.unwrap_or_default(),
                tmt,
            );
        }
    }

    /// Writes the changed rows and the new riwayat entries: one statement per table and
    /// chunk, the arrays unnested server-side (pegawai first: riwayat rows reference it).
    async fn write(mut self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        let changed: Vec<PegawaiRow> = std::mem::take(&mut self.rows)
            .into_values()
            .filter(|s| s.dirty)
            .map(|s| s.row)
            .collect();
        for chunk in chunks(changed) {
            upsert_pegawai(conn, chunk).await?;
        }
        self.take_history().write(conn).await
    }

    /// The riwayat entries gathered so far, which the fold forgets.
    fn take_history(&mut self) -> History {
        History {
            pangkat: std::mem::take(&mut self.pangkat),
            jabatan: std::mem::take(&mut self.jabatan),
            mutasi: std::mem::take(&mut self.mutasi),
        }
    }
}

/// `rows` in pieces of at most [`WRITE_CHUNK`], in order; none when empty.
fn chunks<T>(rows: Vec<T>) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(rows.len().div_ceil(WRITE_CHUNK));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        out.push(rows.by_ref().take(WRITE_CHUNK).collect());
    }
    out
}

/// Column-wise vectors of `rows`, one per column, for `unnest`.
macro_rules! columns {
    ($rows:expr; $($field:ident),+ $(,)?) => {{
        let rows = $rows;
        $(let mut $field = Vec::with_capacity(rows.len());)+
        for r in rows {
            $($field.push(r.$field);)+
        }
        ($($field,)+)
    }};
}

async fn upsert_pegawai(conn: &mut PgConnection, rows: Vec<PegawaiRow>) -> Result<(), sqlx::Error> {
    let (
        nip,
        satker_id,
        unit_kerja_id,
        unit_kerja_nama,
        nama,
        gelar_depan,
        gelar_belakang,
        tempat_lahir,
        tanggal_lahir,
        jenis_kelamin,
        jenis_pegawai,
        golongan,
        golongan_urutan,
        pangkat,
        tmt_golongan,
        jabatan_id,
        jabatan_nama,
        jenis_jabatan,
        kelompok_bup,
        tmt_jabatan,
        pendidikan_terakhir,
        tmt_cpns,
        tmt_pns,
        tmt_pppk,
        version,
        last_position,
        created_at,
        updated_at,
        status,
        status_sebelum,
        tmt_status,
        satker_asal_id,
        tmt_satker,
    ) = columns!(rows; nip, satker_id, unit_kerja_id, unit_kerja_nama, nama, gelar_depan,
        gelar_belakang, tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan,
        golongan_urutan, pangkat, tmt_golongan, jabatan_id, jabatan_nama, jenis_jabatan,
        kelompok_bup, tmt_jabatan, pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk, version,
        last_position, created_at, updated_at, status, status_sebelum, tmt_status,
        satker_asal_id, tmt_satker);
    sqlx::query(&format!(
        "insert into pegawai ({PEGAWAI_ALL_COLUMNS})
         select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::date[], $10::text[], $11::text[], $12::text[], $13::int[],
            $14::text[], $15::date[], $16::uuid[], $17::text[], $18::text[], $19::text[], $20::date[],
            $21::text[], $22::date[], $23::date[], $24::date[], $25::bigint[], $26::bigint[],
            $27::timestamptz[], $28::timestamptz[], $29::text[], $30::text[], $31::date[],
            $32::text[], $33::date[])
         on conflict (nip) do update set satker_id = excluded.satker_id,
            unit_kerja_id = excluded.unit_kerja_id, unit_kerja_nama = excluded.unit_kerja_nama,
            nama = excluded.nama, gelar_depan = excluded.gelar_depan,
            gelar_belakang = excluded.gelar_belakang, tempat_lahir = excluded.tempat_lahir,
            tanggal_lahir = excluded.tanggal_lahir, jenis_kelamin = excluded.jenis_kelamin,
            jenis_pegawai = excluded.jenis_pegawai, golongan = excluded.golongan,
            golongan_urutan = excluded.golongan_urutan, pangkat = excluded.pangkat,
            tmt_golongan = excluded.tmt_golongan, jabatan_id = excluded.jabatan_id,
            jabatan_nama = excluded.jabatan_nama, jenis_jabatan = excluded.jenis_jabatan,
            kelompok_bup = excluded.kelompok_bup, tmt_jabatan = excluded.tmt_jabatan,
            pendidikan_terakhir = excluded.pendidikan_terakhir, tmt_cpns = excluded.tmt_cpns,
            tmt_pns = excluded.tmt_pns, tmt_pppk = excluded.tmt_pppk, version = excluded.version,
            last_position = excluded.last_position, created_at = excluded.created_at,
            updated_at = excluded.updated_at, status = excluded.status,
            status_sebelum = excluded.status_sebelum, tmt_status = excluded.tmt_status,
            satker_asal_id = excluded.satker_asal_id, tmt_satker = excluded.tmt_satker"
    ))
    .bind(nip)
    .bind(satker_id)
    .bind(unit_kerja_id)
    .bind(unit_kerja_nama)
    .bind(nama)
    .bind(gelar_depan)
    .bind(gelar_belakang)
    .bind(tempat_lahir)
    .bind(tanggal_lahir)
    .bind(jenis_kelamin)
    .bind(jenis_pegawai)
    .bind(golongan)
    .bind(golongan_urutan)
    .bind(pangkat)
    .bind(tmt_golongan)
    .bind(jabatan_id)
    .bind(jabatan_nama)
    .bind(jenis_jabatan)
    .bind(kelompok_bup)
    .bind(tmt_jabatan)
    .bind(pendidikan_terakhir)
    .bind(tmt_cpns)
    .bind(tmt_pns)
    .bind(tmt_pppk)
    .bind(version)
    .bind(last_position)
    .bind(created_at)
    .bind(updated_at)
    .bind(status)
    .bind(status_sebelum)
    .bind(tmt_status)
    .bind(satker_asal_id)
    .bind(tmt_satker)
    .execute(conn)
    .await?;
    Ok(())
}

async fn insert_riwayat_pangkat(
    conn: &mut PgConnection,
    rows: Vec<PangkatEntry>,
) -> Result<(), sqlx::Error> {
    let mut copy = CopyRows::default();
    for r in rows {
        copy.text(&r.nip)
            .text(&r.golongan)
            .opt_text(r.pangkat.as_deref())
            .plain(r.tmt_golongan)
            .plain(r.global_position)
            .timestamp(r.recorded_at)
            .end_row();
    }
    copy.send(
        conn,
        "riwayat_pangkat",
        "nip, golongan, pangkat, tmt_golongan, global_position, recorded_at",
    )
    .await?;
    Ok(())
}

async fn insert_riwayat_jabatan(
    conn: &mut PgConnection,
    rows: Vec<JabatanEntry>,
) -> Result<(), sqlx::Error> {
    let mut copy = CopyRows::default();
    for r in rows {
        copy.text(&r.nip)
            .plain(r.jabatan_id)
            .text(&r.jabatan_nama)
            .text(&r.jenis_jabatan)
            .plain(r.tmt_jabatan)
            .plain(r.global_position)
            .timestamp(r.recorded_at)
            .end_row();
    }
    copy.send(
        conn,
        "riwayat_jabatan",
        "nip, jabatan_id, jabatan_nama, jenis_jabatan, tmt_jabatan, global_position, recorded_at",
    )
    .await?;
    Ok(())
}

async fn insert_riwayat_mutasi(
    conn: &mut PgConnection,
    rows: Vec<MutasiEntry>,
) -> Result<(), sqlx::Error> {
    let mut copy = CopyRows::default();
    for r in rows {
        copy.text(&r.nip)
            .text(r.jenis)
            .text(&r.nomor_sk)
            .plain(r.tanggal_sk)
            .plain(r.tmt)
            .text(&r.satker_asal)
            .text(&r.satker_tujuan)
            .opt_text(r.unit_kerja_nama.as_deref())
            .opt_text(r.jabatan_nama.as_deref())
            .plain(r.global_position)
            .timestamp(r.recorded_at)
            .end_row();
    }
    copy.send(
        conn,
        "riwayat_mutasi",
        "nip, jenis, nomor_sk, tanggal_sk, tmt, satker_asal, satker_tujuan, unit_kerja_nama,
         jabatan_nama, global_position, recorded_at",
    )
    .await?;
    Ok(())
}

/// Inserts rows that do not exist yet (a rebuild's, into empty tables) with one `COPY`.
async fn copy_new_pegawai(
    conn: &mut PgConnection,
    rows: Vec<PegawaiRow>,
) -> Result<(), sqlx::Error> {
    let mut copy = CopyRows::default();
    for r in rows {
        copy.text(&r.nip)
            .text(&r.satker_id)
            .plain(r.unit_kerja_id)
            .text(&r.unit_kerja_nama)
            .text(&r.nama)
            .opt_text(r.gelar_depan.as_deref())
            .opt_text(r.gelar_belakang.as_deref())
            .text(&r.tempat_lahir)
            .plain(r.tanggal_lahir)
            .text(&r.jenis_kelamin)
            .text(&r.jenis_pegawai)
            .text(&r.golongan)
            .plain(r.golongan_urutan)
            .opt_text(r.pangkat.as_deref())
            .plain(r.tmt_golongan)
            .plain(r.jabatan_id)
            .text(&r.jabatan_nama)
            .text(&r.jenis_jabatan)
            .text(&r.kelompok_bup)
            .plain(r.tmt_jabatan)
            .text(&r.pendidikan_terakhir)
            .opt_plain(r.tmt_cpns)
            .opt_plain(r.tmt_pns)
            .opt_plain(r.tmt_pppk)
            .plain(r.version)
            .plain(r.last_position)
            .timestamp(r.created_at)
            .timestamp(r.updated_at)
            .text(&r.status)
            .opt_text(r.status_sebelum.as_deref())
            .opt_plain(r.tmt_status)
            .opt_text(r.satker_asal_id.as_deref())
            .opt_plain(r.tmt_satker)
            .end_row();
    }
    copy.send(conn, "pegawai", PEGAWAI_ALL_COLUMNS).await?;
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
    /// Today: `aktif`, `keluar` (moved out by an SK mutasi with no unit here) or `pensiun`.
    #[schema(example = "aktif")]
    pub status: String,
    /// A status the last SK sets from a TMT still ahead (e.g. `pensiun`); `null` otherwise.
    #[schema(example = json!(null))]
    pub status_mendatang: Option<String>,
    /// TMT of the last status change (ahead when `status_mendatang` is set).
    #[schema(example = json!(null))]
    pub tmt_status: Option<Date>,
    /// The satker an SK mutasi moves the pegawai to from `tmt_mutasi`, still ahead; `null`
    /// otherwise. Until then `satker_id` is the old satker.
    #[schema(example = json!(null))]
    pub satker_mendatang_id: Option<String>,
    /// TMT of the last change of satker.
    #[schema(example = json!(null))]
    pub tmt_mutasi: Option<Date>,
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

/// One SK mutasi or pensiun.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct RiwayatMutasi {
    /// `keluar`, `masuk`, `internal` or `pensiun`.
    #[schema(example = "keluar")]
    pub jenis: String,
    #[schema(example = "1234/DJA.3/KP.04.6/X/2026")]
    pub nomor_sk: String,
    #[schema(example = "2026-10-15")]
    pub tanggal_sk: Date,
    #[schema(example = "2026-12-01")]
    pub tmt: Date,
    #[schema(example = "W13-A99")]
    pub satker_asal: String,
    #[schema(example = "W13-A1")]
    pub satker_tujuan: String,
    pub unit_kerja_nama: Option<String>,
    pub jabatan_nama: Option<String>,
    /// Global position of the event that recorded it.
    pub global_position: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// The histories of one pegawai, oldest first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Riwayat {
    #[schema(example = "199805142022032003")]
    pub nip: String,
    pub pangkat: Vec<RiwayatPangkat>,
    pub jabatan: Vec<RiwayatJabatan>,
    /// SK mutasi and pensiun.
    pub mutasi: Vec<RiwayatMutasi>,
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
    /// By status today; `aktif` unless asked.
    #[serde(default)]
    pub status: StatusFilter,
}

/// A page of results.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

/// The satker a pegawai belongs to today: an SK mutasi moves them from its TMT on. The same
/// expression is the row-level security policy's (migration `app_today_once`); the scalar
/// subquery runs `app_today()` once per statement, not once per row.
pub const SATKER_KINI: &str =
    "(case when tmt_satker > (select app_today()) then satker_asal_id else satker_id end)";
/// The pegawai's status today: an SK (pensiun, mutasi keluar) sets it from its TMT on.
pub const STATUS_KINI: &str =
    "(case when tmt_status > (select app_today()) then status_sebelum else status end)";

/// The columns of [`PegawaiView`], dated to today.
static PEGAWAI_COLUMNS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "nip, nama, gelar_depan, gelar_belakang, {SATKER_KINI} as satker_id, unit_kerja_id,
        unit_kerja_nama, tempat_lahir, tanggal_lahir, jenis_kelamin, jenis_pegawai, golongan, pangkat,
        tmt_golongan, jabatan_id, jabatan_nama, jenis_jabatan, kelompok_bup, tmt_jabatan,
        pendidikan_terakhir, tmt_cpns, tmt_pns, tmt_pppk, version, updated_at,
        {STATUS_KINI} as status,
        case when tmt_status > (select app_today()) then status end as status_mendatang, tmt_status,
        case when tmt_satker > (select app_today()) then satker_id end as satker_mendatang_id,
        tmt_satker as tmt_mutasi"
    )
});

/// Which pegawai a list shows, by their status today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Those in active employment (the default: who works here now).
    #[default]
    Aktif,
    /// Moved out of the system by an SK mutasi keluar.
    Keluar,
    /// Retired.
    Pensiun,
    /// Everyone.
    Semua,
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, f: &PegawaiFilter) {
    qb.push(" where true");
    if let Some(n) = &f.nip {
        qb.push(" and nip = ").push_bind(n.clone());
    }
    if let Some(s) = &f.satker_id {
        qb.push(format!(" and {SATKER_KINI} = "))
            .push_bind(s.clone());
    }
    let status = match f.status {
        StatusFilter::Aktif => Some("aktif"),
        StatusFilter::Keluar => Some("keluar"),
        StatusFilter::Pensiun => Some("pensiun"),
        StatusFilter::Semua => None,
    };
    if let Some(status) = status {
        qb.push(format!(" and {STATUS_KINI} = ")).push_bind(status);
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
        let mut qb = QueryBuilder::new(format!("select {} from pegawai", *PEGAWAI_COLUMNS));
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
            "select {} from pegawai where nip = $1",
            *PEGAWAI_COLUMNS
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
        let mutasi = sqlx::query_as(
            "select jenis, nomor_sk, tanggal_sk, tmt, satker_asal, satker_tujuan, unit_kerja_nama,
                    jabatan_nama, global_position, recorded_at
               from riwayat_mutasi where nip = $1 order by tmt, global_position",
        )
        .bind(nip)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Riwayat {
            nip: nip.to_string(),
            pangkat,
            jabatan,
            mutasi,
        })
    }
}
