//! The [`Jabatan`] aggregate: a position (Ketua, Panitera, Klerek...) with its kind
//! ([`JenisJabatan`]) and the retirement-age group of its holders.
//!
//! Stream id: the jabatan's UUID string.

use std::fmt;

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::master::PANJANG_NAMA_MAKS;
use crate::ports::Services;
use crate::reference::KelompokBup;
use crate::values::NamaTeks;

/// Kind of jabatan. It matters for KP (struktural and fungsional holders have KP
/// pilihan) and for the ijazah ceiling (see `pegawai`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JenisJabatan {
    /// Jabatan struktural (Ketua, Sekretaris, Kasubag...).
    Struktural,
    /// Jabatan fungsional (Hakim, Panitera Pengganti, Pranata Komputer...).
    Fungsional,
    /// Jabatan pelaksana (Klerek, Operator...).
    Pelaksana,
}

impl JenisJabatan {
    /// The stable code, as serialised.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::Struktural => "struktural",
            Self::Fungsional => "fungsional",
            Self::Pelaksana => "pelaksana",
        }
    }
}

impl fmt::Display for JenisJabatan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kode())
    }
}

/// Commands of a jabatan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JabatanCommand {
    /// Creates the jabatan.
    Buat {
        /// Jabatan id; also the stream id.
        id: Uuid,
        /// Name.
        nama: String,
        /// Kind.
        jenis: JenisJabatan,
        /// Retirement-age group of its holders.
        kelompok_bup: KelompokBup,
    },
    /// Changes name and retirement-age group (the kind cannot change).
    Ubah {
        /// New name.
        nama: String,
        /// New retirement-age group.
        kelompok_bup: KelompokBup,
    },
}

/// Events of a jabatan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JabatanEvent {
    /// The jabatan was created.
    JabatanDibuat {
        /// Jabatan id.
        id: Uuid,
        /// Name (trimmed).
        nama: String,
        /// Kind.
        jenis: JenisJabatan,
        /// Retirement-age group.
        kelompok_bup: KelompokBup,
    },
    /// Name and/or retirement-age group changed; carries both values after the change.
    JabatanDiubah {
        /// Name (trimmed).
        nama: String,
        /// Retirement-age group.
        kelompok_bup: KelompokBup,
    },
}

impl DomainEvent for JabatanEvent {
    fn event_type(&self) -> String {
        match self {
            Self::JabatanDibuat { .. } => "JabatanDibuat",
            Self::JabatanDiubah { .. } => "JabatanDiubah",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DataJabatan {
    id: Uuid,
    nama: String,
    jenis: JenisJabatan,
    kelompok_bup: KelompokBup,
}

/// A jabatan: nonexistent (default) until `JabatanDibuat`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jabatan {
    data: Option<DataJabatan>,
}

impl Jabatan {
    /// The id, once created.
    #[must_use]
    pub fn id(&self) -> Option<Uuid> {
        self.data.as_ref().map(|d| d.id)
    }

    /// The name, once created.
    #[must_use]
    pub fn nama(&self) -> Option<&str> {
        self.data.as_ref().map(|d| d.nama.as_str())
    }

    /// The kind, once created.
    #[must_use]
    pub fn jenis(&self) -> Option<JenisJabatan> {
        self.data.as_ref().map(|d| d.jenis)
    }

    /// The retirement-age group, once created.
    #[must_use]
    pub fn kelompok_bup(&self) -> Option<KelompokBup> {
        self.data.as_ref().map(|d| d.kelompok_bup)
    }
}

fn parse_nama(nama: &str) -> Result<NamaTeks, DomainError> {
    NamaTeks::parse(nama, PANJANG_NAMA_MAKS).map_err(|e| e.on_field("nama"))
}

impl Aggregate for Jabatan {
    const TYPE: &'static str = "jabatan";
    type Command = JabatanCommand;
    type Event = JabatanEvent;
    type Error = DomainError;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            JabatanCommand::Buat {
                id,
                nama,
                jenis,
                kelompok_bup,
            } => {
                if let Some(ada) = &self.data {
                    return Err(DomainError::conflict(
                        "jabatan_sudah_ada",
                        format!("Jabatan dengan id {} sudah ada ({}).", ada.id, ada.nama),
                    )
                    .on_field("id"));
                }
                let nama = parse_nama(&nama)?;
                sink.write(
                    JabatanEvent::JabatanDibuat {
                        id,
                        nama: nama.into_string(),
                        jenis,
                        kelompok_bup,
                    },
                    self,
                )
                .await;
            }
            JabatanCommand::Ubah { nama, kelompok_bup } => {
                let Some(data) = &self.data else {
                    return Err(DomainError::not_found(
                        "jabatan_tidak_ditemukan",
                        "Jabatan tidak ditemukan.",
                    ));
                };
                let nama = parse_nama(&nama)?;
                if nama.as_str() != data.nama || kelompok_bup != data.kelompok_bup {
                    sink.write(
                        JabatanEvent::JabatanDiubah {
                            nama: nama.into_string(),
                            kelompok_bup,
                        },
                        self,
                    )
                    .await;
                }
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            JabatanEvent::JabatanDibuat {
                id,
                nama,
                jenis,
                kelompok_bup,
            } => {
                self.data = Some(DataJabatan {
                    id,
                    nama,
                    jenis,
                    kelompok_bup,
                });
            }
            JabatanEvent::JabatanDiubah { nama, kelompok_bup } => {
                if let Some(d) = &mut self.data {
                    d.nama = nama;
                    d.kelompok_bup = kelompok_bup;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use cqrs_es::test::TestFramework;
    use time::macros::date;

    use super::*;
    use crate::error::ErrorKind;
    use crate::ports::InMemoryMasterData;

    type JabatanTest = TestFramework<Jabatan>;

    const ID: Uuid = Uuid::from_u128(0x1a);

    fn services() -> Services {
        InMemoryMasterData::new().services(date!(2026 - 01 - 15))
    }

    fn dibuat() -> JabatanEvent {
        JabatanEvent::JabatanDibuat {
            id: ID,
            nama: "Panitera".into(),
            jenis: JenisJabatan::Struktural,
            kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
        }
    }

    async fn gagal(given: Vec<JabatanEvent>, when: JabatanCommand) -> DomainError {
        JabatanTest::with(services())
            .given(given)
            .when_async(when)
            .await
            .inspect_result()
            .unwrap_err()
    }

    #[tokio::test]
    async fn buat_mencatat_jabatan_dengan_jenis_dan_kelompok_bup() {
        JabatanTest::with(services())
            .given_no_previous_events()
            .when_async(JabatanCommand::Buat {
                id: ID,
                nama: " Panitera ".into(),
                jenis: JenisJabatan::Struktural,
                kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
            })
            .await
            .then_expect_events(vec![dibuat()]);
    }

    #[tokio::test]
    async fn buat_menolak_jabatan_yang_sudah_ada() {
        let e = gagal(
            vec![dibuat()],
            JabatanCommand::Buat {
                id: ID,
                nama: "Sekretaris".into(),
                jenis: JenisJabatan::Struktural,
                kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
            },
        )
        .await;
        assert_eq!((e.kind, e.code), (ErrorKind::Conflict, "jabatan_sudah_ada"));
    }

    #[tokio::test]
    async fn buat_menolak_nama_terlalu_panjang() {
        let e = gagal(
            vec![],
            JabatanCommand::Buat {
                id: ID,
                nama: "x".repeat(151),
                jenis: JenisJabatan::Pelaksana,
                kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            },
        )
        .await;
        assert_eq!((e.code, e.field), ("terlalu_panjang", Some("nama")));
    }

    #[tokio::test]
    async fn ubah_mencatat_nama_dan_kelompok_bup_baru() {
        JabatanTest::with(services())
            .given(vec![dibuat()])
            .when_async(JabatanCommand::Ubah {
                nama: "Panitera".into(),
                kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            })
            .await
            .then_expect_events(vec![JabatanEvent::JabatanDiubah {
                nama: "Panitera".into(),
                kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
            }]);
    }

    #[tokio::test]
    async fn ubah_tanpa_perubahan_tidak_menghasilkan_event() {
        JabatanTest::with(services())
            .given(vec![dibuat()])
            .when_async(JabatanCommand::Ubah {
                nama: "Panitera".into(),
                kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
            })
            .await
            .then_expect_events(vec![]);
    }

    #[tokio::test]
    async fn ubah_jabatan_yang_belum_ada_tidak_ditemukan() {
        let e = gagal(
            vec![],
            JabatanCommand::Ubah {
                nama: "Panitera".into(),
                kelompok_bup: KelompokBup::KepaniteraanKesekretariatan,
            },
        )
        .await;
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, "jabatan_tidak_ditemukan")
        );
    }

    #[test]
    fn jenis_jabatan_berserde_huruf_kecil() {
        assert_eq!(
            serde_json::to_string(&JenisJabatan::Struktural).unwrap(),
            "\"struktural\""
        );
        assert_eq!(
            serde_json::to_string(&JenisJabatan::Fungsional).unwrap(),
            "\"fungsional\""
        );
        assert_eq!(
            serde_json::to_string(&JenisJabatan::Pelaksana).unwrap(),
            "\"pelaksana\""
        );
        assert!(serde_json::from_str::<JenisJabatan>("\"Pelaksana\"").is_err());
    }

    #[test]
    fn event_jabatan_bertipe_nama_varian_dan_versi_1_0() {
        assert_eq!(dibuat().event_type(), "JabatanDibuat");
        let e = JabatanEvent::JabatanDiubah {
            nama: "x".into(),
            kelompok_bup: KelompokBup::AhliUtama,
        };
        assert_eq!(e.event_type(), "JabatanDiubah");
        assert_eq!(e.event_version(), "1.0");
        assert_eq!(Jabatan::TYPE, "jabatan");
    }

    #[test]
    fn jabatan_dibangun_ulang_dari_event() {
        let mut j = Jabatan::default();
        assert_eq!(j.id(), None);
        j.apply(dibuat());
        j.apply(JabatanEvent::JabatanDiubah {
            nama: "Panitera Kelas IB".into(),
            kelompok_bup: KelompokBup::AdministrasiDanAhliPertamaMuda,
        });
        assert_eq!(j.id(), Some(ID));
        assert_eq!(j.nama(), Some("Panitera Kelas IB"));
        assert_eq!(j.jenis(), Some(JenisJabatan::Struktural));
        assert_eq!(
            j.kelompok_bup(),
            Some(KelompokBup::AdministrasiDanAhliPertamaMuda)
        );
    }
}
