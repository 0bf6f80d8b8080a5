//! Implementations of the domain's ports.
//!
//! Master data for a decision is read from the event store itself (the satker, unit kerja or
//! jabatan aggregate is loaded), not from the master read model: a decision must not depend on
//! how far a projector has got.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{AggregateContext, EventStore};
use postgres_es::PostgresEventRepository;
use sekretariat_domain::error::DomainError;
use sekretariat_domain::master::jabatan::Jabatan;
use sekretariat_domain::master::satker::Satker;
use sekretariat_domain::master::unit_kerja::UnitKerja;
use sekretariat_domain::ports::{Clock, JabatanInfo, MasterDataPort, SatkerInfo, UnitKerjaInfo};
use sekretariat_domain::values::SatkerId;
use sqlx::PgPool;
use time::macros::offset;
use uuid::Uuid;

/// Reads master data by loading its aggregates from the event store.
pub struct EventStoreMasterData {
    satker: PersistedEventStore<PostgresEventRepository, Satker>,
    unit_kerja: PersistedEventStore<PostgresEventRepository, UnitKerja>,
    jabatan: PersistedEventStore<PostgresEventRepository, Jabatan>,
}

impl EventStoreMasterData {
    pub fn new(pool: PgPool) -> Self {
        Self {
            satker: crate::store::event_store(&pool),
            unit_kerja: crate::store::event_store(&pool),
            jabatan: crate::store::event_store(&pool),
        }
    }
}

fn unavailable<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DomainError + '_ {
    move |e| {
        tracing::warn!(error = %e, what, "master data port failed");
        DomainError::unavailable(
            "data_master_tidak_tersedia",
            format!("Data {what} tidak dapat dibaca saat ini. Silakan coba lagi."),
        )
    }
}

#[async_trait]
impl MasterDataPort for EventStoreMasterData {
    async fn satker(&self, id: &SatkerId) -> Result<Option<SatkerInfo>, DomainError> {
        let mut ctx = self
            .satker
            .load_aggregate(id.as_str())
            .await
            .map_err(unavailable("satker"))?;
        let s = ctx.aggregate();
        Ok(s.kode().map(|kode| SatkerInfo {
            id: kode.clone(),
            nama: s.nama().to_string(),
        }))
    }

    async fn unit_kerja(&self, id: Uuid) -> Result<Option<UnitKerjaInfo>, DomainError> {
        let mut ctx = self
            .unit_kerja
            .load_aggregate(&id.to_string())
            .await
            .map_err(unavailable("unit kerja"))?;
        let u = ctx.aggregate();
        Ok(match (u.id(), u.satker_id(), u.nama()) {
            (Some(id), Some(satker_id), Some(nama)) => Some(UnitKerjaInfo {
                id,
                satker_id: satker_id.clone(),
                nama: nama.to_string(),
            }),
            _ => None,
        })
    }

    async fn jabatan(&self, id: Uuid) -> Result<Option<JabatanInfo>, DomainError> {
        let mut ctx = self
            .jabatan
            .load_aggregate(&id.to_string())
            .await
            .map_err(unavailable("jabatan"))?;
        let j = ctx.aggregate();
        Ok(match (j.id(), j.nama(), j.jenis(), j.kelompok_bup()) {
            (Some(id), Some(nama), Some(jenis), Some(kelompok_bup)) => Some(JabatanInfo {
                id,
                nama: nama.to_string(),
                jenis,
                kelompok_bup,
            }),
            _ => None,
        })
    }
}

/// Master data read once per batch of commands: each satker, unit kerja and jabatan is loaded
/// from the wrapped port the first time a command of the batch asks for it and answered from
/// memory afterwards (a failed lookup is not remembered). For a batch that runs in seconds,
/// such as a SIKEP import, where thousands of rows name the same few units and jabatan; it
/// lives as long as the batch, so a later command never decides on what it remembered.
pub struct BatchMasterData {
    inner: std::sync::Arc<dyn MasterDataPort>,
    satker: Mutex<HashMap<SatkerId, Option<SatkerInfo>>>,
    unit_kerja: Mutex<HashMap<Uuid, Option<UnitKerjaInfo>>>,
    jabatan: Mutex<HashMap<Uuid, Option<JabatanInfo>>>,
}

impl BatchMasterData {
    pub fn new(inner: std::sync::Arc<dyn MasterDataPort>) -> Self {
        Self {
            inner,
            satker: Mutex::default(),
            unit_kerja: Mutex::default(),
            jabatan: Mutex::default(),
        }
    }
}

/// The answer for `key` remembered in `map`, else `load`'s, remembered unless it failed.
async fn remembered<K, V, F>(map: &Mutex<HashMap<K, V>>, key: K, load: F) -> Result<V, DomainError>
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: Future<Output = Result<V, DomainError>>,
{
    let known = map
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
        .cloned();
    if let Some(v) = known {
        return Ok(v);
    }
    let v = load.await?;
    map.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, v.clone());
    Ok(v)
}

#[async_trait]
impl MasterDataPort for BatchMasterData {
    async fn satker(&self, id: &SatkerId) -> Result<Option<SatkerInfo>, DomainError> {
        remembered(&self.satker, id.clone(), self.inner.satker(id)).await
    }

    async fn unit_kerja(&self, id: Uuid) -> Result<Option<UnitKerjaInfo>, DomainError> {
        remembered(&self.unit_kerja, id, self.inner.unit_kerja(id)).await
    }

    async fn jabatan(&self, id: Uuid) -> Result<Option<JabatanInfo>, DomainError> {
        remembered(&self.jabatan, id, self.inner.jabatan(id)).await
    }
}

/// Today's date at the court: Western Indonesia Time (UTC+7), where every PA of this
/// deployment sits. Deployments in WITA/WIT pass another clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn today(&self) -> time::Date {
        time::OffsetDateTime::now_utc()
            .to_offset(offset!(+7))
            .date()
    }
}

/// Finds a pegawai's open usul KP in the event store: a `kenaikan_pangkat` stream registered
/// for the NIP that has neither been finished nor refused. It reads the store, not a read
/// model, so a projector's lag cannot let a second usul through.
///
/// The lookup and the append of a new usul are separate statements; the command bus runs
/// both under a per-NIP lock (`CommandBus::execute` on `Usulkan`), so two usul for one
/// pegawai submitted at the same instant, in one process or several, cannot both pass.
pub struct EventStoreUsulKp {
    pool: PgPool,
}

impl EventStoreUsulKp {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl sekretariat_domain::ports::KenaikanPangkatPort for EventStoreUsulKp {
    async fn usul_terbuka(
        &self,
        nip: &sekretariat_domain::values::Nip,
    ) -> Result<Option<Uuid>, DomainError> {
        let open: Option<String> = sqlx::query_scalar(
            "select e.aggregate_id from events e
              where e.aggregate_type = 'kenaikan_pangkat' and e.sequence = 1
                and e.payload -> 'KenaikanPangkatDiusulkan' ->> 'nip' = $1
                and not exists (
                    select 1 from events t
                     where t.aggregate_type = 'kenaikan_pangkat' and t.aggregate_id = e.aggregate_id
                       and t.event_type in ('UsulKpSelesai', 'UsulKpDitolak'))
              order by e.global_position
              limit 1",
        )
        .bind(nip.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(unavailable("usul KP"))?;
        Ok(open.and_then(|id| Uuid::parse_str(&id).ok()))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use sekretariat_domain::master::jabatan::JenisJabatan;
    use sekretariat_domain::reference::KelompokBup;

    use super::*;

    /// Answers from fixed data and counts the lookups; fails the first unit kerja lookup.
    #[derive(Default)]
    struct Counting {
        lookups: AtomicUsize,
        unit_failures_left: AtomicUsize,
    }

    #[async_trait]
    impl MasterDataPort for Counting {
        async fn satker(&self, id: &SatkerId) -> Result<Option<SatkerInfo>, DomainError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            Ok((id.as_str() == "W13-A1").then(|| SatkerInfo {
                id: id.clone(),
                nama: "PA Contoh".into(),
            }))
        }

        async fn unit_kerja(&self, id: Uuid) -> Result<Option<UnitKerjaInfo>, DomainError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            if self
                .unit_failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(DomainError::unavailable("x", "tidak tersedia"));
            }
            Ok(Some(UnitKerjaInfo {
                id,
                satker_id: SatkerId::parse("W13-A1").expect("valid"),
                nama: "Kepaniteraan".into(),
            }))
        }

        async fn jabatan(&self, id: Uuid) -> Result<Option<JabatanInfo>, DomainError> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            Ok(Some(JabatanInfo {
                id,
                nama: "Panitera".into(),
                jenis: JenisJabatan::Struktural,
                kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            }))
        }
    }

    #[tokio::test]
    async fn a_batch_reads_each_master_record_once_and_retries_failed_lookups() {
        let inner = Arc::new(Counting {
            unit_failures_left: AtomicUsize::new(1),
            ..Counting::default()
        });
        let batch = BatchMasterData::new(inner.clone());
        let known = SatkerId::parse("W13-A1").expect("valid");
        let unknown = SatkerId::parse("W13-A2").expect("valid");
        let (unit, jabatan) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for _ in 0..3 {
            assert!(batch.satker(&known).await.expect("read").is_some());
            // "Unknown" is an answer too, and is remembered.
            assert!(batch.satker(&unknown).await.expect("read").is_none());
            assert!(batch.jabatan(jabatan).await.expect("read").is_some());
        }
        assert_eq!(inner.lookups.load(Ordering::SeqCst), 3);
        // A failed lookup is not remembered: the next asks again.
        assert!(batch.unit_kerja(unit).await.is_err());
        assert_eq!(
            batch.unit_kerja(unit).await.expect("read").map(|u| u.id),
            Some(unit)
        );
        assert!(batch.unit_kerja(unit).await.expect("read").is_some());
        assert_eq!(inner.lookups.load(Ordering::SeqCst), 5);
    }
}
