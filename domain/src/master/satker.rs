//! The [`Satker`] aggregate: a satuan kerja (a court), identified by its code.
//!
//! Stream id: the [`SatkerId`] string (e.g. `W13-A99`). The commands crate makes
//! sure the stream id equals `kode` of `Daftarkan`: the aggregate cannot see it.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::master::PANJANG_NAMA_MAKS;
use crate::ports::Services;
use crate::values::{NamaTeks, SatkerId};

/// Commands of a satker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SatkerCommand {
    /// Registers the satker.
    Daftarkan {
        /// Satker code; also the stream id.
        kode: SatkerId,
        /// Name.
        nama: String,
    },
    /// Renames the satker.
    UbahNama {
        /// New name.
        nama: String,
    },
}

/// Events of a satker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SatkerEvent {
    /// The satker was registered.
    SatkerDidaftarkan {
        /// Satker code.
        kode: SatkerId,
        /// Name (trimmed).
        nama: String,
    },
    /// The satker was renamed.
    NamaSatkerDiubah {
        /// New name (trimmed).
        nama: String,
    },
}

impl DomainEvent for SatkerEvent {
    fn event_type(&self) -> String {
        match self {
            Self::SatkerDidaftarkan { .. } => "SatkerDidaftarkan",
            Self::NamaSatkerDiubah { .. } => "NamaSatkerDiubah",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

/// A satker: unregistered (default) until `SatkerDidaftarkan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satker {
    kode: Option<SatkerId>,
    nama: String,
}

impl Satker {
    /// The code, once registered.
    #[must_use]
    pub fn kode(&self) -> Option<&SatkerId> {
        self.kode.as_ref()
    }

    /// The name (empty before registration).
    #[must_use]
    pub fn nama(&self) -> &str {
        &self.nama
    }

    /// True once registered.
    #[must_use]
    pub fn is_terdaftar(&self) -> bool {
        self.kode.is_some()
    }
}

fn parse_nama(nama: &str) -> Result<NamaTeks, DomainError> {
    NamaTeks::parse(nama, PANJANG_NAMA_MAKS).map_err(|e| e.on_field("nama"))
}

impl Aggregate for Satker {
    const TYPE: &'static str = "satker";
    type Command = SatkerCommand;
    type Event = SatkerEvent;
    type Error = DomainError;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            SatkerCommand::Daftarkan { kode, nama } => {
                if let Some(ada) = &self.kode {
                    return Err(DomainError::conflict(
                        "satker_sudah_terdaftar",
                        format!("Satker {ada} sudah terdaftar."),
                    )
                    .on_field("kode"));
                }
                let nama = parse_nama(&nama)?;
                sink.write(
                    SatkerEvent::SatkerDidaftarkan {
                        kode,
                        nama: nama.into_string(),
                    },
                    self,
                )
                .await;
            }
            SatkerCommand::UbahNama { nama } => {
                if self.kode.is_none() {
                    return Err(DomainError::not_found(
                        "satker_tidak_ditemukan",
                        "Satker tidak ditemukan.",
                    ));
                }
                let nama = parse_nama(&nama)?;
                if nama.as_str() != self.nama {
                    sink.write(
                        SatkerEvent::NamaSatkerDiubah {
                            nama: nama.into_string(),
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
            SatkerEvent::SatkerDidaftarkan { kode, nama } => {
                self.kode = Some(kode);
                self.nama = nama;
            }
            SatkerEvent::NamaSatkerDiubah { nama } => self.nama = nama,
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

    type SatkerTest = TestFramework<Satker>;

    fn services() -> Services {
        InMemoryMasterData::new().services(date!(2026 - 01 - 15))
    }

    fn kode() -> SatkerId {
        SatkerId::parse("W13-A99").unwrap()
    }

    fn didaftarkan() -> SatkerEvent {
        SatkerEvent::SatkerDidaftarkan {
            kode: kode(),
            nama: "Pengadilan Agama Sukamaju".into(),
        }
    }

    async fn gagal(given: Vec<SatkerEvent>, when: SatkerCommand) -> DomainError {
        SatkerTest::with(services())
            .given(given)
            .when_async(when)
            .await
            .inspect_result()
            .unwrap_err()
    }

    #[tokio::test]
    async fn daftarkan_mencatat_satker_dengan_nama_yang_dipangkas() {
        SatkerTest::with(services())
            .given_no_previous_events()
            .when_async(SatkerCommand::Daftarkan {
                kode: kode(),
                nama: "  Pengadilan Agama Sukamaju ".into(),
            })
            .await
            .then_expect_events(vec![didaftarkan()]);
    }

    #[tokio::test]
    async fn daftarkan_menolak_satker_yang_sudah_terdaftar() {
        let e = gagal(
            vec![didaftarkan()],
            SatkerCommand::Daftarkan {
                kode: kode(),
                nama: "PA Lain".into(),
            },
        )
        .await;
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "satker_sudah_terdaftar")
        );
    }

    #[tokio::test]
    async fn daftarkan_menolak_nama_kosong() {
        let e = gagal(
            vec![],
            SatkerCommand::Daftarkan {
                kode: kode(),
                nama: "  ".into(),
            },
        )
        .await;
        assert_eq!((e.code, e.field), ("wajib_diisi", Some("nama")));
    }

    #[tokio::test]
    async fn ubah_nama_mencatat_nama_baru() {
        SatkerTest::with(services())
            .given(vec![didaftarkan()])
            .when_async(SatkerCommand::UbahNama {
                nama: "Pengadilan Agama Sukamaju Kelas IB".into(),
            })
            .await
            .then_expect_events(vec![SatkerEvent::NamaSatkerDiubah {
                nama: "Pengadilan Agama Sukamaju Kelas IB".into(),
            }]);
    }

    #[tokio::test]
    async fn ubah_nama_satker_yang_belum_terdaftar_tidak_ditemukan() {
        let e = gagal(vec![], SatkerCommand::UbahNama { nama: "PA".into() }).await;
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, "satker_tidak_ditemukan")
        );
    }

    #[tokio::test]
    async fn ubah_nama_dengan_nama_yang_sama_tidak_menghasilkan_event() {
        SatkerTest::with(services())
            .given(vec![didaftarkan()])
            .when_async(SatkerCommand::UbahNama {
                nama: " Pengadilan Agama Sukamaju".into(),
            })
            .await
            .then_expect_events(vec![]);
    }

    #[test]
    fn event_satker_bertipe_nama_varian_dan_versi_1_0() {
        assert_eq!(didaftarkan().event_type(), "SatkerDidaftarkan");
        let e = SatkerEvent::NamaSatkerDiubah { nama: "x".into() };
        assert_eq!(e.event_type(), "NamaSatkerDiubah");
        assert_eq!(e.event_version(), "1.0");
        assert_eq!(Satker::TYPE, "satker");
    }

    #[test]
    fn satker_dibangun_ulang_dari_event() {
        let mut s = Satker::default();
        assert!(!s.is_terdaftar());
        s.apply(didaftarkan());
        s.apply(SatkerEvent::NamaSatkerDiubah {
            nama: "PA Baru".into(),
        });
        assert_eq!(s.kode(), Some(&kode()));
        assert_eq!(s.nama(), "PA Baru");
    }
}
