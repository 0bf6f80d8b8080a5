//! The ports aggregates need from the outside world, bundled in [`Services`] (and,
//! for the KenaikanPangkat aggregate, [`KenaikanPangkatServices`]), and in-memory
//! test doubles (`FixedClock`, `InMemoryMasterData`, `InMemoryUsulKp`) behind the
//! `testing` feature.
//!
//! Aggregates never do I/O themselves: master data (satker, unit kerja, jabatan)
//! comes from read models through [`MasterDataPort`] and "today" from [`Clock`].
//! The commands crate provides the real implementations; tests fix them.

use std::sync::Arc;

use async_trait::async_trait;
use time::Date;
use uuid::Uuid;

use crate::error::DomainError;
use crate::master::jabatan::JenisJabatan;
use crate::reference::KelompokBup;
use crate::values::{Nip, SatkerId};

/// What the domain needs to know about a satker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SatkerInfo {
    /// Satker code.
    pub id: SatkerId,
    /// Name, e.g. "Pengadilan Agama Sukamaju".
    pub nama: String,
}

/// What the domain needs to know about a unit kerja.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitKerjaInfo {
    /// Unit id.
    pub id: Uuid,
    /// The satker the unit belongs to.
    pub satker_id: SatkerId,
    /// Name, e.g. "Kepaniteraan".
    pub nama: String,
}

/// What the domain needs to know about a jabatan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JabatanInfo {
    /// Jabatan id.
    pub id: Uuid,
    /// Name, e.g. "Panitera".
    pub nama: String,
    /// Struktural, fungsional or pelaksana.
    pub jenis: JenisJabatan,
    /// Which retirement age applies to its holders.
    pub kelompok_bup: KelompokBup,
}

/// Lookup of master data (satker, unit kerja, jabatan) for decisions.
#[async_trait]
pub trait MasterDataPort: Send + Sync {
    /// The satker with this code, `None` if unknown.
    ///
    /// # Errors
    /// A [`DomainError`] of kind `Unavailable` when the lookup itself fails.
    async fn satker(&self, id: &SatkerId) -> Result<Option<SatkerInfo>, DomainError>;

    /// The unit kerja with this id, `None` if unknown.
    ///
    /// # Errors
    /// A [`DomainError`] of kind `Unavailable` when the lookup itself fails.
    async fn unit_kerja(&self, id: Uuid) -> Result<Option<UnitKerjaInfo>, DomainError>;

    /// The jabatan with this id, `None` if unknown.
    ///
    /// # Errors
    /// A [`DomainError`] of kind `Unavailable` when the lookup itself fails.
    async fn jabatan(&self, id: Uuid) -> Result<Option<JabatanInfo>, DomainError>;
}

/// Today's date, in the court's time zone (Asia/Jakarta); fixed in tests.
pub trait Clock: Send + Sync {
    /// Today.
    fn today(&self) -> Date;
}

/// Everything an aggregate may consult while deciding; one type for all aggregates.
#[derive(Clone)]
pub struct Services {
    /// Master data lookups.
    pub master: Arc<dyn MasterDataPort>,
    /// Today's date.
    pub clock: Arc<dyn Clock>,
}

impl Services {
    /// Bundles the ports.
    pub fn new(master: Arc<dyn MasterDataPort>, clock: Arc<dyn Clock>) -> Self {
        Self { master, clock }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services").finish_non_exhaustive()
    }
}

/// Cross-aggregate lookup for kenaikan pangkat: "one open usul per pegawai" spans
/// many KenaikanPangkat streams, so the aggregate asks a read model.
///
/// An usul is *open* from `KenaikanPangkatDiusulkan` until `UsulKpDitolak` or
/// `UsulKpSelesai`. The read model may lag a concurrent Usulkan by a moment; the
/// commands crate closes that race (e.g. a unique index on the open usul per NIP).
#[async_trait]
pub trait KenaikanPangkatPort: Send + Sync {
    /// The id of the pegawai's open usul KP, `None` when there is none.
    ///
    /// # Errors
    /// A [`DomainError`] of kind `Unavailable` when the lookup itself fails.
    async fn usul_terbuka(&self, nip: &Nip) -> Result<Option<Uuid>, DomainError>;
}

/// The ports of the KenaikanPangkat aggregate: the common ones plus the open-usul
/// lookup. A separate type, so adding it did not change [`Services`].
#[derive(Clone)]
pub struct KenaikanPangkatServices {
    /// Master data and clock.
    pub umum: Services,
    /// Open usul per pegawai.
    pub usul_kp: Arc<dyn KenaikanPangkatPort>,
}

impl KenaikanPangkatServices {
    /// Bundles the ports.
    pub fn new(umum: Services, usul_kp: Arc<dyn KenaikanPangkatPort>) -> Self {
        Self { umum, usul_kp }
    }
}

impl std::fmt::Debug for KenaikanPangkatServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KenaikanPangkatServices")
            .finish_non_exhaustive()
    }
}

#[cfg(any(test, feature = "testing"))]
pub use testing::{FixedClock, InMemoryMasterData, InMemoryUsulKp};

#[cfg(any(test, feature = "testing"))]
mod testing {
    //! Test doubles for the ports.

    use std::collections::HashMap;
    use std::sync::Arc;

    use async_trait::async_trait;
    use time::Date;
    use uuid::Uuid;

    use super::{
        Clock, JabatanInfo, KenaikanPangkatPort, MasterDataPort, SatkerInfo, Services,
        UnitKerjaInfo,
    };
    use crate::error::DomainError;
    use crate::values::{Nip, SatkerId};

    /// A clock that always says the same date.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct FixedClock(pub Date);

    impl Clock for FixedClock {
        fn today(&self) -> Date {
            self.0
        }
    }

    /// Master data held in memory, built with `with_*`; or a port that always
    /// fails (see [`InMemoryMasterData::tidak_tersedia`]).
    #[derive(Debug, Clone, Default)]
    pub struct InMemoryMasterData {
        satker: HashMap<SatkerId, SatkerInfo>,
        unit: HashMap<Uuid, UnitKerjaInfo>,
        jabatan: HashMap<Uuid, JabatanInfo>,
        gagal: bool,
    }

    impl InMemoryMasterData {
        /// Empty master data.
        #[must_use]
        pub fn new() -> Self {
            Self::default()
        }

        /// A port whose every lookup fails with `master_data_tidak_tersedia` (Unavailable).
        #[must_use]
        pub fn tidak_tersedia() -> Self {
            Self {
                gagal: true,
                ..Self::default()
            }
        }

        /// Adds a satker.
        #[must_use]
        pub fn with_satker(mut self, satker: SatkerInfo) -> Self {
            self.satker.insert(satker.id.clone(), satker);
            self
        }

        /// Adds a unit kerja.
        #[must_use]
        pub fn with_unit(mut self, unit: UnitKerjaInfo) -> Self {
            self.unit.insert(unit.id, unit);
            self
        }

        /// Adds a jabatan.
        #[must_use]
        pub fn with_jabatan(mut self, jabatan: JabatanInfo) -> Self {
            self.jabatan.insert(jabatan.id, jabatan);
            self
        }

        /// [`Services`] with this master data and a [`FixedClock`] on `today`.
        #[must_use]
        pub fn services(self, today: Date) -> Services {
            Services::new(Arc::new(self), Arc::new(FixedClock(today)))
        }

        fn cek(&self) -> Result<(), DomainError> {
            if self.gagal {
                Err(DomainError::unavailable(
                    "master_data_tidak_tersedia",
                    "Data master sedang tidak dapat dibaca. Silakan coba lagi.",
                ))
            } else {
                Ok(())
            }
        }
    }

    #[async_trait]
    impl MasterDataPort for InMemoryMasterData {
        async fn satker(&self, id: &SatkerId) -> Result<Option<SatkerInfo>, DomainError> {
            self.cek()?;
            Ok(self.satker.get(id).cloned())
        }

        async fn unit_kerja(&self, id: Uuid) -> Result<Option<UnitKerjaInfo>, DomainError> {
            self.cek()?;
            Ok(self.unit.get(&id).cloned())
        }

        async fn jabatan(&self, id: Uuid) -> Result<Option<JabatanInfo>, DomainError> {
            self.cek()?;
            Ok(self.jabatan.get(&id).cloned())
        }
    }

    /// Open usul KP held in memory: `with_terbuka(nip, id)`; or a port that always
    /// fails (see [`InMemoryUsulKp::tidak_tersedia`]).
    #[derive(Debug, Clone, Default)]
    pub struct InMemoryUsulKp {
        terbuka: HashMap<Nip, Uuid>,
        gagal: bool,
    }

    impl InMemoryUsulKp {
        /// No open usul.
        #[must_use]
        pub fn new() -> Self {
            Self::default()
        }

        /// A port whose every lookup fails with `usul_kp_tidak_tersedia` (Unavailable).
        #[must_use]
        pub fn tidak_tersedia() -> Self {
            Self {
                gagal: true,
                ..Self::default()
            }
        }

        /// Records `id` as the open usul of `nip`.
        #[must_use]
        pub fn with_terbuka(mut self, nip: Nip, id: Uuid) -> Self {
            self.terbuka.insert(nip, id);
            self
        }

        /// [`super::KenaikanPangkatServices`] with this port, empty master data and a
        /// [`FixedClock`] on `today`.
        #[must_use]
        pub fn services(self, today: Date) -> super::KenaikanPangkatServices {
            super::KenaikanPangkatServices::new(
                InMemoryMasterData::new().services(today),
                Arc::new(self),
            )
        }
    }

    #[async_trait]
    impl KenaikanPangkatPort for InMemoryUsulKp {
        async fn usul_terbuka(&self, nip: &Nip) -> Result<Option<Uuid>, DomainError> {
            if self.gagal {
                return Err(DomainError::unavailable(
                    "usul_kp_tidak_tersedia",
                    "Data usul kenaikan pangkat sedang tidak dapat dibaca. Silakan coba lagi.",
                ));
            }
            Ok(self.terbuka.get(nip).copied())
        }
    }
}
