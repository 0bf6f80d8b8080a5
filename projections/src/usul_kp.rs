//! The `usul_kp` projector (usul kenaikan pangkat with their current step and timeline, into
//! `db_kepegawaian`, issue 5) and the queries the API serves from it.
//!
//! It reads the `kenaikan_pangkat` events and, of the `pegawai` events, only those it needs:
//! the name and satker of the pegawai (registration, change of personal data, mutasi in and
//! out), kept in its own table `usul_kp_pegawai` so that nothing is looked up in the
//! `kepegawaian` projector's tables (which may be at another position, or, in a rebuild, at
//! the end), and `PangkatNaikBerdasarkanSk`, the SK reaching the pegawai's own stream, which
//! marks the usul (`sk_dicatat_position`) and enters its timeline.
//!
//! Batched like the `kepegawaian` projector: the batch is decoded first (blamed on its event
//! when it does not fit), the rows it touches are loaded in two queries, folded in memory, and
//! written at the end. [`Projector::apply`] is the same code on a batch of one, so the live
//! runner and a rebuild cannot drift apart. Usul events are rare next to pegawai events, so
//! usul rows are written one statement each; the pegawai bookkeeping (one row per registered
//! pegawai) is written with one multi-row statement per batch.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sekretariat_domain::kalender::tgl;
use sekretariat_domain::kenaikan_pangkat::{
    InstansiPertek, KenaikanPangkat, KenaikanPangkatEvent, StatusUsulKp,
};
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::events::PegawaiEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::kepegawaian::Page;
use crate::runtime::{
    BatchError, MetadataOf, ProjectionError, Projector, Replayer, StoredEvent, Writeout,
};

pub const NAME: &str = "usul_kp";

/// The `pegawai` events this projector reads; every other pegawai event is skipped undecoded.
const PEGAWAI_EVENTS: &[&str] = &[
    "PegawaiDidaftarkan",
    "DataPribadiPegawaiDiubah",
    "PegawaiMutasiKeluar",
    "PegawaiMutasiMasuk",
    "PangkatNaikBerdasarkanSk",
];

/// Builds `usul_kp`, `usul_kp_riwayat` and `usul_kp_pegawai`.
pub struct UsulKpProjector;

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An event this projector reads, decoded.
enum Relevant {
    Kp(KenaikanPangkatEvent),
    Pegawai(PegawaiEvent),
}

/// `e` decoded, when this projector reads it.
fn relevant(e: &StoredEvent) -> Result<Option<Relevant>, ProjectionError> {
    if e.aggregate_type == KenaikanPangkat::TYPE {
        Ok(Some(Relevant::Kp(e.decode()?)))
    } else if e.aggregate_type == Pegawai::TYPE && PEGAWAI_EVENTS.contains(&e.event_type.as_str()) {
        Ok(Some(Relevant::Pegawai(e.decode()?)))
    } else {
        Ok(None)
    }
}

/// A rebuild's fold: the same [`Fold`] as a batch, started empty and kept over the whole
/// history, written once at the end (the same statements as a batch's write).
struct UsulKpReplayer(Fold);

impl Replayer for UsulKpReplayer {
    fn fold(&mut self, events: &[StoredEvent]) -> Result<(), BatchError> {
        for (i, e) in events.iter().enumerate() {
            match relevant(e).map_err(|err| BatchError::at(i, err))? {
                Some(Relevant::Kp(k)) => self.0.apply_kp(e, k),
                Some(Relevant::Pegawai(p)) => self.0.apply_pegawai(e, p),
                None => Ok(()),
            }
            .map_err(|err| BatchError::at(i, err))?;
        }
        Ok(())
    }

    fn take_ready(&mut self) -> Option<Box<dyn Writeout>> {
        None
    }

    fn finish(self: Box<Self>) -> Box<dyn Writeout> {
        Box::new(self.0)
    }

    /// None: its write upserts, so its keys stay in place.
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }
}

#[async_trait]
impl Writeout for Fold {
    async fn write(self: Box<Self>, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        Fold::write(*self, conn).await
    }
}

#[async_trait]
impl Projector for UsulKpProjector {
    fn name(&self) -> &str {
        NAME
    }

    fn decodes_payload_only(&self) -> bool {
        true
    }

    /// The timeline names who acted: on the usul, and on the pegawai's stream when the SK is
    /// recorded there (`note`). Nothing else's metadata is read.
    fn metadata_of(&self) -> Option<MetadataOf> {
        Some(MetadataOf {
            aggregate_types: &[KenaikanPangkat::TYPE],
            event_types: &["PangkatNaikBerdasarkanSk"],
        })
    }

    fn replayer(&self) -> Option<Box<dyn Replayer>> {
        Some(Box::new(UsulKpReplayer(Fold::default())))
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
        // 1. Decode what concerns us; a payload that does not fit is blamed on its event.
        let mut decoded = Vec::new();
        for (i, e) in events.iter().enumerate() {
            if let Some(event) = relevant(e).map_err(|err| BatchError::at(i, err))? {
                decoded.push((i, e, event));
            }
        }
        if decoded.is_empty() {
            return Ok(());
        }
        // 2. The rows the batch touches: pegawai by NIP, usul by id.
        let mut nips = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for (i, e, event) in &decoded {
            match event {
                Relevant::Kp(k) => {
                    nips.insert(nip_of(k).to_string());
                    ids.insert(usul_id(e).map_err(|err| BatchError::at(*i, err))?);
                }
                Relevant::Pegawai(p) => {
                    nips.insert(e.aggregate_id.clone());
                    if let PegawaiEvent::PangkatNaikBerdasarkanSk { usul_id, .. } = p {
                        ids.insert(*usul_id);
                    }
                }
            }
        }
        let mut fold = Fold::load(conn, &nips, &ids)
            .await
            .map_err(BatchError::unattributed)?;
        // 3. Fold in order.
        for (i, e, event) in decoded {
            match event {
                Relevant::Kp(k) => fold.apply_kp(e, k),
                Relevant::Pegawai(p) => fold.apply_pegawai(e, p),
            }
            .map_err(|err| BatchError::at(i, err))?;
        }
        // 4. Write.
        fold.write(conn).await.map_err(BatchError::unattributed)
    }
}

fn nip_of(e: &KenaikanPangkatEvent) -> &str {
    match e {
        KenaikanPangkatEvent::KenaikanPangkatDiusulkan { nip, .. }
        | KenaikanPangkatEvent::UsulKpDiverifikasi { nip, .. }
        | KenaikanPangkatEvent::UsulKpDiajukan { nip, .. }
        | KenaikanPangkatEvent::PertekKpTerbit { nip, .. }
        | KenaikanPangkatEvent::SkKpTerbit { nip, .. }
        | KenaikanPangkatEvent::UsulKpDitolak { nip, .. }
        | KenaikanPangkatEvent::UsulKpSelesai { nip, .. } => nip.as_str(),
    }
}

fn usul_id(e: &StoredEvent) -> Result<Uuid, ProjectionError> {
    Uuid::parse_str(&e.aggregate_id).map_err(|err| {
        ProjectionError::Other(format!(
            "kenaikan_pangkat stream id {} is not a UUID: {err}",
            e.aggregate_id
        ))
    })
}

fn meta_str(e: &StoredEvent, key: &str) -> Option<String> {
    e.metadata
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Name and satker of a pegawai, as last seen.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
struct PegawaiInfo {
    nip: String,
    nama: String,
    satker_id: String,
}

/// Every column of `usul_kp`, in table order.
const USUL_COLUMNS: &str = "id, nip, nama, satker_id, jenis, golongan_asal, pangkat_asal,
    tmt_golongan_asal, golongan_tujuan, pangkat_tujuan, tmt_usulan, masa_kerja_golongan_tahun,
    dasar_hukum, status, dokumen, instansi_pertek, pertek_nomor, pertek_tanggal, sk_nomor,
    sk_tanggal, sk_tmt, sk_dicatat_position, alasan_tolak, created_at, updated_at, version,
    last_position";

/// One document of the checklist, as verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DokumenUsulKp {
    /// `sk_pangkat_terakhir`, `skp_dua_tahun_terakhir`, `ijazah_dan_transkrip`,
    /// `penetapan_angka_kredit`, `sk_jabatan_dan_pelantikan`, `stlud`, `sk_cpns_pns`,
    /// `izin_belajar`.
    #[schema(example = "sk_pangkat_terakhir")]
    pub dokumen: String,
    #[schema(example = "SK pangkat terakhir")]
    pub label: String,
    /// Present (checked) or not.
    pub ada: bool,
}

/// An usul KP as the API shows it. (The examples are the demo court's Analis Perkara.)
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
#[schema(
    description = "Satu usul kenaikan pangkat dengan tahapnya sekarang / one usul KP with its current step."
)]
pub struct UsulKpView {
    pub id: Uuid,
    #[schema(example = "199805142022032003")]
    pub nip: String,
    #[schema(example = "Putri Maharani")]
    pub nama: String,
    /// Kode satker of the pegawai.
    #[schema(example = "W13-A99")]
    pub satker_id: String,
    /// `reguler`, `pilihan_struktural`, `pilihan_fungsional` or `penyesuaian_ijazah`.
    #[schema(example = "reguler")]
    pub jenis: String,
    #[schema(example = "III/a")]
    pub golongan_asal: String,
    #[schema(example = "Penata Muda")]
    pub pangkat_asal: Option<String>,
    #[schema(example = "2022-03-01")]
    pub tmt_golongan_asal: Date,
    #[schema(example = "III/b")]
    pub golongan_tujuan: String,
    #[schema(example = "Penata Muda Tingkat I")]
    pub pangkat_tujuan: Option<String>,
    #[schema(example = "2026-03-01")]
    pub tmt_usulan: Date,
    /// Whole years in the current pangkat on the TMT asked for (at the last check).
    #[schema(example = 4)]
    pub masa_kerja_golongan_tahun: i32,
    #[schema(example = "PP 99/2000 jo PP 12/2002")]
    pub dasar_hukum: String,
    /// `draft`, `diverifikasi`, `diajukan`, `pertek_terbit`, `sk_terbit`, `selesai` or
    /// `ditolak`.
    #[schema(example = "draft")]
    pub status: String,
    /// The checklist as verified; empty before verification.
    #[schema(value_type = Vec<DokumenUsulKp>)]
    pub dokumen: Json<Vec<DokumenUsulKp>>,
    /// `kanreg_bkn` (up to IV/b) or `bkn_pusat`, once submitted.
    #[schema(example = json!(null))]
    pub instansi_pertek: Option<String>,
    pub pertek_nomor: Option<String>,
    pub pertek_tanggal: Option<Date>,
    pub sk_nomor: Option<String>,
    pub sk_tanggal: Option<Date>,
    /// TMT of the new pangkat, from the SK.
    pub sk_tmt: Option<Date>,
    /// Global position of the pegawai event that put the SK on the pegawai's record; `null`
    /// until then (the process manager does it right after the SK).
    pub sk_dicatat_position: Option<i64>,
    pub alasan_tolak: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The usul's version (its last event's sequence).
    #[schema(example = 1)]
    pub version: i64,
    /// Global position of its last event.
    pub last_position: i64,
}

/// One step of an usul's timeline.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
pub struct RiwayatUsulKp {
    /// Global position of the event.
    pub global_position: i64,
    #[schema(example = "KenaikanPangkatDiusulkan")]
    pub event_type: String,
    /// The usul's status after the event.
    #[schema(example = "draft")]
    pub status: String,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who (from the token of the request that caused it; `system` for the process manager).
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    #[schema(example = "KP reguler III/a → III/b, TMT 1 Maret 2026.")]
    pub note: String,
}

/// An usul with its timeline, oldest step first.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct UsulKpDetail {
    pub usul: UsulKpView,
    pub riwayat: Vec<RiwayatUsulKp>,
}

/// A row of the batch and whether the batch changed it.
struct Slot<T> {
    row: T,
    dirty: bool,
}

/// The batch's effect, built in memory and written at the end.
#[derive(Default)]
struct Fold {
    pegawai: HashMap<String, Slot<PegawaiInfo>>,
    usul: HashMap<Uuid, Slot<UsulKpView>>,
    /// NIPs whose name or satker changed: their usul follow at the end of the batch.
    changed: BTreeSet<String>,
    riwayat: Vec<(Uuid, RiwayatUsulKp)>,
}

impl Fold {
    async fn load(
        conn: &mut PgConnection,
        nips: &BTreeSet<String>,
        ids: &BTreeSet<Uuid>,
    ) -> Result<Self, sqlx::Error> {
        let nips: Vec<&str> = nips.iter().map(String::as_str).collect();
        let ids: Vec<Uuid> = ids.iter().copied().collect();
        let pegawai: Vec<PegawaiInfo> =
            sqlx::query_as("select nip, nama, satker_id from usul_kp_pegawai where nip = any($1)")
                .bind(&nips)
                .fetch_all(&mut *conn)
                .await?;
        let usul: Vec<UsulKpView> = if ids.is_empty() {
            Vec::new()
        } else {
            sqlx::query_as(&format!(
                "select {USUL_COLUMNS} from usul_kp where id = any($1)"
            ))
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?
        };
        Ok(Self {
            pegawai: pegawai
                .into_iter()
                .map(|p| {
                    (
                        p.nip.clone(),
                        Slot {
                            row: p,
                            dirty: false,
                        },
                    )
                })
                .collect(),
            usul: usul
                .into_iter()
                .map(|u| {
                    (
                        u.id,
                        Slot {
                            row: u,
                            dirty: false,
                        },
                    )
                })
                .collect(),
            changed: BTreeSet::new(),
            riwayat: Vec::new(),
        })
    }

    /// Records the pegawai `nip`'s name and/or satker.
    fn set_pegawai(&mut self, nip: &str, nama: Option<String>, satker_id: Option<String>) {
        let Some(slot) = self.pegawai.get_mut(nip) else {
            return;
        };
        let mut changed = false;
        if let Some(n) = nama
            && n != slot.row.nama
        {
            slot.row.nama = n;
            changed = true;
        }
        if let Some(s) = satker_id
            && s != slot.row.satker_id
        {
            slot.row.satker_id = s;
            changed = true;
        }
        if changed {
            slot.dirty = true;
            self.changed.insert(nip.to_string());
        }
    }

    fn note(&mut self, e: &StoredEvent, id: Uuid, status: &str, note: String) {
        self.riwayat.push((
            id,
            RiwayatUsulKp {
                global_position: e.position.global_position,
                event_type: e.event_type.clone(),
                status: status.to_string(),
                at: e.recorded_at,
                user_id: meta_str(e, "user_id"),
                user_name: meta_str(e, "user_name"),
                note,
            },
        ));
    }

    fn apply_pegawai(
        &mut self,
        e: &StoredEvent,
        event: PegawaiEvent,
    ) -> Result<(), ProjectionError> {
        let nip = e.aggregate_id.as_str();
        match event {
            PegawaiEvent::PegawaiDidaftarkan {
                nama, satker_id, ..
            } => {
                let info = PegawaiInfo {
                    nip: nip.to_string(),
                    nama,
                    satker_id: satker_id.as_str().to_string(),
                };
                let before = self.pegawai.insert(
                    nip.to_string(),
                    Slot {
                        row: info.clone(),
                        dirty: true,
                    },
                );
                if before.is_none_or(|b| b.row != info) {
                    self.changed.insert(nip.to_string());
                }
            }
            PegawaiEvent::DataPribadiPegawaiDiubah { nama, .. } => {
                self.set_pegawai(nip, Some(nama), None);
            }
            PegawaiEvent::PegawaiMutasiKeluar { satker_tujuan, .. } => {
                self.set_pegawai(nip, None, Some(satker_tujuan.as_str().to_string()));
            }
            PegawaiEvent::PegawaiMutasiMasuk { satker_id, .. } => {
                self.set_pegawai(nip, None, Some(satker_id.as_str().to_string()));
            }
            PegawaiEvent::PangkatNaikBerdasarkanSk {
                usul_id,
                nomor_sk,
                golongan,
                tmt_golongan,
                ..
            } => {
                // An SK recorded by hand for an usul this projector does not know changes
                // nothing here.
                if let Some(slot) = self.usul.get_mut(&usul_id) {
                    slot.row.sk_dicatat_position = Some(e.position.global_position);
                    slot.dirty = true;
                    let status = slot.row.status.clone();
                    self.note(
                        e,
                        usul_id,
                        &status,
                        format!(
                            "SK {nomor_sk} dicatat pada data pegawai: golongan {golongan} TMT {}.",
                            tgl(tmt_golongan)
                        ),
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn apply_kp(
        &mut self,
        e: &StoredEvent,
        event: KenaikanPangkatEvent,
    ) -> Result<(), ProjectionError> {
        let id = usul_id(e)?;
        if let KenaikanPangkatEvent::KenaikanPangkatDiusulkan {
            nip,
            jenis,
            golongan_lama,
            pangkat_lama,
            tmt_golongan_lama,
            golongan_baru,
            pangkat_baru,
            tmt_usulan,
            masa_kerja_golongan_tahun,
            dasar_hukum,
            ..
        } = event
        {
            // A plain insert would hit the primary key: stop here just as it would.
            if self.usul.contains_key(&id) {
                return Err(ProjectionError::Other(format!(
                    "usul KP {id} is drafted twice: duplicate key in usul_kp"
                )));
            }
            let (nama, satker_id) = self
                .pegawai
                .get(nip.as_str())
                .map(|p| (p.row.nama.clone(), p.row.satker_id.clone()))
                .unwrap_or_default();
            let note = format!(
                "{} {golongan_lama} → {golongan_baru}, TMT {}; masa kerja golongan {masa_kerja_golongan_tahun} tahun ({dasar_hukum}).",
                jenis.label(),
                tgl(tmt_usulan)
            );
            let row = UsulKpView {
                id,
                nip: nip.as_str().to_string(),
                nama,
                satker_id,
                jenis: jenis.kode().to_string(),
                golongan_asal: golongan_lama.to_string(),
                pangkat_asal: Some(pangkat_lama).filter(|p| !p.is_empty()),
                tmt_golongan_asal: tmt_golongan_lama,
                golongan_tujuan: golongan_baru.to_string(),
                pangkat_tujuan: Some(pangkat_baru).filter(|p| !p.is_empty()),
                tmt_usulan,
                masa_kerja_golongan_tahun: i32::try_from(masa_kerja_golongan_tahun)
                    .unwrap_or(i32::MAX),
                dasar_hukum,
                status: StatusUsulKp::Draft.kode().to_string(),
                dokumen: Json(Vec::new()),
                instansi_pertek: None,
                pertek_nomor: None,
                pertek_tanggal: None,
                sk_nomor: None,
                sk_tanggal: None,
                sk_tmt: None,
                sk_dicatat_position: None,
                alasan_tolak: None,
                created_at: e.recorded_at,
                updated_at: e.recorded_at,
                version: e.sequence,
                last_position: e.position.global_position,
            };
            self.usul.insert(id, Slot { row, dirty: true });
            self.note(e, id, StatusUsulKp::Draft.kode(), note);
            return Ok(());
        }
        // Later events are decided against a drafted usul; without its row they change
        // nothing (as an `update ... where id` of a missing row would not).
        let Some(slot) = self.usul.get_mut(&id) else {
            return Ok(());
        };
        let row = &mut slot.row;
        slot.dirty = true;
        let (status, note) = match event {
            // Handled above.
            KenaikanPangkatEvent::KenaikanPangkatDiusulkan { .. } => return Ok(()),
            KenaikanPangkatEvent::UsulKpDiverifikasi {
                dokumen,
                data,
                masa_kerja_golongan_tahun,
                ..
            } => {
                let ada = dokumen.iter().filter(|(_, ada)| *ada).count();
                row.dokumen = Json(
                    dokumen
                        .iter()
                        .map(|(d, ada)| DokumenUsulKp {
                            dokumen: enum_str(d),
                            label: d.label().to_string(),
                            ada: *ada,
                        })
                        .collect(),
                );
                if row.golongan_asal != data.golongan.to_string() {
                    row.golongan_asal = data.golongan.to_string();
                    row.pangkat_asal = data.golongan.pangkat().map(str::to_string);
                }
                row.tmt_golongan_asal = data.tmt_golongan;
                row.masa_kerja_golongan_tahun =
                    i32::try_from(masa_kerja_golongan_tahun).unwrap_or(i32::MAX);
                (
                    StatusUsulKp::Diverifikasi,
                    format!(
                        "Dokumen diperiksa ({ada} dari {} ada); kelayakan dikonfirmasi, masa kerja golongan {masa_kerja_golongan_tahun} tahun.",
                        dokumen.len()
                    ),
                )
            }
            KenaikanPangkatEvent::UsulKpDiajukan {
                instansi_pertek, ..
            } => {
                row.instansi_pertek = Some(enum_str(&instansi_pertek));
                let kepada = match instansi_pertek {
                    InstansiPertek::KanregBkn => "Kantor Regional BKN",
                    InstansiPertek::BknPusat => "BKN Pusat",
                };
                (
                    StatusUsulKp::Diajukan,
                    format!("Diajukan ke {kepada} untuk pertimbangan teknis."),
                )
            }
            KenaikanPangkatEvent::PertekKpTerbit { nomor, tanggal, .. } => {
                let note = format!("Pertek nomor {nomor} tanggal {}.", tgl(tanggal));
                row.pertek_nomor = Some(nomor);
                row.pertek_tanggal = Some(tanggal);
                (StatusUsulKp::PertekTerbit, note)
            }
            KenaikanPangkatEvent::SkKpTerbit {
                nomor,
                tanggal,
                tmt,
                golongan_lama,
                golongan_baru,
                ..
            } => {
                let note = format!(
                    "SK nomor {nomor} tanggal {}: {golongan_lama} → {golongan_baru} TMT {}.",
                    tgl(tanggal),
                    tgl(tmt)
                );
                row.sk_nomor = Some(nomor);
                row.sk_tanggal = Some(tanggal);
                row.sk_tmt = Some(tmt);
                (StatusUsulKp::SkTerbit, note)
            }
            KenaikanPangkatEvent::UsulKpDitolak {
                alasan,
                status_sebelumnya,
                ..
            } => {
                let note = format!("Ditolak pada status {}: {alasan}", status_sebelumnya.kode());
                row.alasan_tolak = Some(alasan);
                (StatusUsulKp::Ditolak, note)
            }
            KenaikanPangkatEvent::UsulKpSelesai {
                golongan_baru, tmt, ..
            } => (
                StatusUsulKp::Selesai,
                format!(
                    "Selesai: golongan {golongan_baru} TMT {} tercatat pada data pegawai.",
                    tgl(tmt)
                ),
            ),
        };
        row.status = status.kode().to_string();
        row.version = e.sequence;
        row.last_position = e.position.global_position;
        row.updated_at = e.recorded_at;
        self.note(e, id, status.kode(), note);
        Ok(())
    }

    async fn write(self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        // Pegawai bookkeeping first, in one statement.
        let pegawai: Vec<PegawaiInfo> = self
            .pegawai
            .into_values()
            .filter(|s| s.dirty)
            .map(|s| s.row)
            .collect();
        if !pegawai.is_empty() {
            let (mut nip, mut nama, mut satker) = (Vec::new(), Vec::new(), Vec::new());
            for p in pegawai {
                nip.push(p.nip);
                nama.push(p.nama);
                satker.push(p.satker_id);
            }
            sqlx::query(
                "insert into usul_kp_pegawai (nip, nama, satker_id)
                 select * from unnest($1::text[], $2::text[], $3::text[])
                 on conflict (nip) do update set nama = excluded.nama, satker_id = excluded.satker_id",
            )
            .bind(nip)
            .bind(nama)
            .bind(satker)
            .execute(&mut *conn)
            .await?;
        }
        // Usul rows (before their timeline, which references them), in a stable order.
        let mut usul: Vec<UsulKpView> = self
            .usul
            .into_values()
            .filter(|s| s.dirty)
            .map(|s| s.row)
            .collect();
        usul.sort_by_key(|u| u.id);
        for u in usul {
            upsert_usul(conn, u).await?;
        }
        for (id, r) in self.riwayat {
            sqlx::query(
                "insert into usul_kp_riwayat (usul_id, global_position, event_type, status, at, user_id, user_name, note)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(r.global_position)
            .bind(r.event_type)
            .bind(r.status)
            .bind(r.at)
            .bind(r.user_id)
            .bind(r.user_name)
            .bind(r.note)
            .execute(&mut *conn)
            .await?;
        }
        // Usul follow their pegawai's name and satker (the last values of the batch).
        if !self.changed.is_empty() {
            let nips: Vec<String> = self.changed.into_iter().collect();
            sqlx::query(
                "update usul_kp u set nama = p.nama, satker_id = p.satker_id
                   from usul_kp_pegawai p
                  where p.nip = u.nip and u.nip = any($1)
                    and (u.nama, u.satker_id) is distinct from (p.nama, p.satker_id)",
            )
            .bind(nips)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

async fn upsert_usul(conn: &mut PgConnection, u: UsulKpView) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "insert into usul_kp ({USUL_COLUMNS})
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $22, $23, $24, $25, $26, $27)
         on conflict (id) do update set nama = excluded.nama, satker_id = excluded.satker_id,
            golongan_asal = excluded.golongan_asal, pangkat_asal = excluded.pangkat_asal,
            tmt_golongan_asal = excluded.tmt_golongan_asal,
            masa_kerja_golongan_tahun = excluded.masa_kerja_golongan_tahun,
            status = excluded.status, dokumen = excluded.dokumen,
            instansi_pertek = excluded.instansi_pertek, pertek_nomor = excluded.pertek_nomor,
            pertek_tanggal = excluded.pertek_tanggal, sk_nomor = excluded.sk_nomor,
            sk_tanggal = excluded.sk_tanggal, sk_tmt = excluded.sk_tmt,
            sk_dicatat_position = excluded.sk_dicatat_position,
            alasan_tolak = excluded.alasan_tolak, updated_at = excluded.updated_at,
            version = excluded.version, last_position = excluded.last_position"
    ))
    .bind(u.id)
    .bind(u.nip)
    .bind(u.nama)
    .bind(u.satker_id)
    .bind(u.jenis)
    .bind(u.golongan_asal)
    .bind(u.pangkat_asal)
    .bind(u.tmt_golongan_asal)
    .bind(u.golongan_tujuan)
    .bind(u.pangkat_tujuan)
    .bind(u.tmt_usulan)
    .bind(u.masa_kerja_golongan_tahun)
    .bind(u.dasar_hukum)
    .bind(u.status)
    .bind(u.dokumen)
    .bind(u.instansi_pertek)
    .bind(u.pertek_nomor)
    .bind(u.pertek_tanggal)
    .bind(u.sk_nomor)
    .bind(u.sk_tanggal)
    .bind(u.sk_tmt)
    .bind(u.sk_dicatat_position)
    .bind(u.alasan_tolak)
    .bind(u.created_at)
    .bind(u.updated_at)
    .bind(u.version)
    .bind(u.last_position)
    .execute(conn)
    .await?;
    Ok(())
}

/// Filters of the usul list.
#[derive(Debug, Clone, Default)]
pub struct UsulKpFilter {
    /// A status code (`draft` … `ditolak`).
    pub status: Option<String>,
    pub nip: Option<String>,
    /// A jenis code (`reguler` …).
    pub jenis: Option<String>,
    pub satker_id: Option<String>,
    /// The year of the TMT asked for.
    pub tahun: Option<i32>,
}

fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, f: &UsulKpFilter) {
    qb.push(" where true");
    if let Some(s) = &f.status {
        qb.push(" and status = ").push_bind(s.clone());
    }
    if let Some(n) = &f.nip {
        qb.push(" and nip = ").push_bind(n.clone());
    }
    if let Some(j) = &f.jenis {
        qb.push(" and jenis = ").push_bind(j.clone());
    }
    if let Some(s) = &f.satker_id {
        qb.push(" and satker_id = ").push_bind(s.clone());
    }
    if let Some(t) = f.tahun {
        // A range on the date rather than extract(year ...), so an index could serve it.
        qb.push(" and tmt_usulan >= make_date(")
            .push_bind(t)
            .push(", 1, 1) and tmt_usulan < make_date(")
            .push_bind(t)
            .push(" + 1, 1, 1)");
    }
}

/// Read-side queries of the usul KP tables.
pub mod queries {
    use super::*;

    /// One page of usul, newest first (then by id, for a stable order).
    ///
    /// # Errors
    /// Database errors.
    pub async fn list_usul(
        conn: &mut PgConnection,
        f: &UsulKpFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<UsulKpView>, sqlx::Error> {
        let mut count = QueryBuilder::new("select count(*) from usul_kp");
        push_filters(&mut count, f);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
        let mut qb = QueryBuilder::new(format!("select {USUL_COLUMNS} from usul_kp"));
        push_filters(&mut qb, f);
        qb.push(" order by created_at desc, id limit ")
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

    /// One usul with its timeline, oldest step first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn get_usul(
        conn: &mut PgConnection,
        id: Uuid,
    ) -> Result<Option<UsulKpDetail>, sqlx::Error> {
        let usul: Option<UsulKpView> =
            sqlx::query_as(&format!("select {USUL_COLUMNS} from usul_kp where id = $1"))
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        let Some(usul) = usul else {
            return Ok(None);
        };
        let riwayat = sqlx::query_as(
            "select global_position, event_type, status, at, user_id, user_name, note
               from usul_kp_riwayat where usul_id = $1 order by global_position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Some(UsulKpDetail { usul, riwayat }))
    }
}
