//! Commands of the [`KenaikanPangkat`](super::KenaikanPangkat) aggregate.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::kelayakan::{DataKelayakan, DokumenKp, JenisKp};
use crate::values::{Golongan, Nip};

/// What an usul KP can be asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KenaikanPangkatCommand {
    /// Drafts the usul. Eligibility is checked now, and again on `Verifikasi`.
    Usulkan {
        /// The usul id; also the stream id (the commands crate makes sure they agree).
        id: Uuid,
        /// The pegawai.
        nip: Nip,
        /// Kind of KP.
        jenis: JenisKp,
        /// Golongan asked for: one step up, or for penyesuaian ijazah the ijazah's
        /// starting golongan.
        golongan_tujuan: Golongan,
        /// TMT asked for; must be a KP period date in force on that date.
        tmt_usulan: Date,
        /// The facts the rules need, from the pegawai's record.
        data: DataKelayakan,
    },
    /// Records the document checklist and checks eligibility again.
    Verifikasi {
        /// Each document of DOMAIN §3 with whether it is present.
        dokumen: Vec<(DokumenKp, bool)>,
        /// Fresh facts from the pegawai's record (recommended: catches a record that
        /// changed since the draft); `None` re-checks the facts stored with the draft,
        /// under the rules in force now.
        data: Option<DataKelayakan>,
    },
    /// Submits the verified usul to BKN (through SIASN).
    Ajukan,
    /// Records BKN's pertimbangan teknis.
    CatatPertek {
        /// Pertek number.
        nomor: String,
        /// Pertek date; not in the future.
        tanggal: Date,
    },
    /// Records the SK kenaikan pangkat.
    CatatSk {
        /// SK number.
        nomor: String,
        /// SK date; not in the future.
        tanggal: Date,
        /// TMT of the new pangkat; must be a KP period date.
        tmt: Date,
    },
    /// Refuses the usul, at any step before the SK.
    Tolak {
        /// Why.
        alasan: String,
    },
    /// Closes the usul once the SK is on the pegawai's record.
    Selesaikan,
}
