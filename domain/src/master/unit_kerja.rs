//! The [`UnitKerja`] aggregate: an organisational unit of a satker (Kepaniteraan,
//! Subbag Kepegawaian...), optionally under a parent unit (`induk`) of the same satker.
//!
//! Stream id: the unit's UUID string.

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::master::PANJANG_NAMA_MAKS;
use crate::ports::Services;
use crate::values::{NamaTeks, SatkerId};

/// Commands of a unit kerja.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKerjaCommand {
    /// Forms the unit.
    Bentuk {
        /// Unit id; also the stream id.
        id: Uuid,
        /// The satker it belongs to (must exist).
        satker_id: SatkerId,
        /// Name.
        nama: String,
        /// Parent unit (must exist and belong to the same satker).
        induk_id: Option<Uuid>,
    },
    /// Renames the unit.
    UbahNama {
        /// New name.
        nama: String,
    },
}

/// Events of a unit kerja.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKerjaEvent {
    /// The unit was formed.
    UnitKerjaDibentuk {
        /// Unit id.
        id: Uuid,
        /// Its satker.
        satker_id: SatkerId,
        /// Name (trimmed).
        nama: String,
        /// Parent unit, if any.
        induk_id: Option<Uuid>,
    },
    /// The unit was renamed.
    NamaUnitKerjaDiubah {
        /// New name (trimmed).
        nama: String,
    },
}

impl DomainEvent for UnitKerjaEvent {
    fn event_type(&self) -> String {
        match self {
            Self::UnitKerjaDibentuk { .. } => "UnitKerjaDibentuk",
            Self::NamaUnitKerjaDiubah { .. } => "NamaUnitKerjaDiubah",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        "1.0".to_owned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DataUnitKerja {
    id: Uuid,
    satker_id: SatkerId,
    nama: String,
    induk_id: Option<Uuid>,
}

/// A unit kerja: nonexistent (default) until `UnitKerjaDibentuk`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitKerja {
    data: Option<DataUnitKerja>,
}

impl UnitKerja {
    /// The id, once formed.
    #[must_use]
    pub fn id(&self) -> Option<Uuid> {
        self.data.as_ref().map(|d| d.id)
    }

    /// The satker, once formed.
    #[must_use]
    pub fn satker_id(&self) -> Option<&SatkerId> {
        self.data.as_ref().map(|d| &d.satker_id)
    }

    /// The name, once formed.
    #[must_use]
    pub fn nama(&self) -> Option<&str> {
        self.data.as_ref().map(|d| d.nama.as_str())
    }

    /// The parent unit, if formed under one.
    #[must_use]
    pub fn induk_id(&self) -> Option<Uuid> {
        self.data.as_ref().and_then(|d| d.induk_id)
    }
}

fn parse_nama(nama: &str) -> Result<NamaTeks, DomainError> {
    NamaTeks::parse(nama, PANJANG_NAMA_MAKS).map_err(|e| e.on_field("nama"))
}

impl Aggregate for UnitKerja {
    const TYPE: &'static str = "unit_kerja";
    type Command = UnitKerjaCommand;
    type Event = UnitKerjaEvent;
    type Error = DomainError;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            UnitKerjaCommand::Bentuk {
                id,
                satker_id,
                nama,
                induk_id,
            } => {
                if let Some(ada) = &self.data {
                    return Err(DomainError::conflict(
                        "unit_kerja_sudah_ada",
                        format!("Unit kerja dengan id {} sudah ada ({}).", ada.id, ada.nama),
                    )
                    .on_field("id"));
                }
                let nama = parse_nama(&nama)?;
                if services.master.satker(&satker_id).await?.is_none() {
                    return Err(DomainError::invalid(
                        "satker_tidak_dikenal",
                        format!("Satker {satker_id} tidak dikenal."),
                    )
                    .on_field("satker_id"));
                }
                if let Some(induk_id) = induk_id {
                    let Some(induk) = services.master.unit_kerja(induk_id).await? else {
                        return Err(DomainError::invalid(
                            "unit_induk_tidak_dikenal",
                            format!("Unit induk {induk_id} tidak dikenal."),
                        )
                        .on_field("induk_id"));
                    };
                    if induk.satker_id != satker_id {
                        return Err(DomainError::invalid(
                            "unit_induk_satker_lain",
                            format!(
                                "Unit induk {} milik satker {}, bukan {satker_id}.",
                                induk.nama, induk.satker_id
                            ),
                        )
                        .on_field("induk_id"));
                    }
                }
                sink.write(
                    UnitKerjaEvent::UnitKerjaDibentuk {
                        id,
                        satker_id,
                        nama: nama.into_string(),
                        induk_id,
                    },
                    self,
                )
                .await;
            }
            UnitKerjaCommand::UbahNama { nama } => {
                let Some(data) = &self.data else {
                    return Err(DomainError::not_found(
                        "unit_kerja_tidak_ditemukan",
                        "Unit kerja tidak ditemukan.",
                    ));
                };
                let nama = parse_nama(&nama)?;
                if nama.as_str() != data.nama {
                    sink.write(
                        UnitKerjaEvent::NamaUnitKerjaDiubah {
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
            UnitKerjaEvent::UnitKerjaDibentuk {
                id,
                satker_id,
                nama,
                induk_id,
            } => {
                self.data = Some(DataUnitKerja {
                    id,
                    satker_id,
                    nama,
                    induk_id,
                });
            }
            UnitKerjaEvent::NamaUnitKerjaDiubah { nama } => {
                if let Some(d) = &mut self.data {
                    d.nama = nama;
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
    use crate::ports::{InMemoryMasterData, SatkerInfo, UnitKerjaInfo};

    type UnitTest = TestFramework<UnitKerja>;

    const ID: Uuid = Uuid::from_u128(0x100);
    const INDUK: Uuid = Uuid::from_u128(0x101);
    const INDUK_SATKER_LAIN: Uuid = Uuid::from_u128(0x102);

    fn satker() -> SatkerId {
        SatkerId::parse("W13-A99").unwrap()
    }

    fn satker_lain() -> SatkerId {
        SatkerId::parse("W13-A98").unwrap()
    }

    fn master() -> InMemoryMasterData {
        InMemoryMasterData::new()
            .with_satker(SatkerInfo {
                id: satker(),
                nama: "PA Sukamaju".into(),
            })
            .with_satker(SatkerInfo {
                id: satker_lain(),
                nama: "PA Sukamundur".into(),
            })
            .with_unit(UnitKerjaInfo {
                id: INDUK,
                satker_id: satker(),
                nama: "Kesekretariatan".into(),
            })
            .with_unit(UnitKerjaInfo {
                id: INDUK_SATKER_LAIN,
                satker_id: satker_lain(),
                nama: "Kesekretariatan".into(),
            })
    }

    fn services() -> Services {
        master().services(date!(2026 - 01 - 15))
    }

    fn bentuk(satker_id: SatkerId, induk_id: Option<Uuid>) -> UnitKerjaCommand {
        UnitKerjaCommand::Bentuk {
            id: ID,
            satker_id,
            nama: "Subbag Kepegawaian dan Ortala".into(),
            induk_id,
        }
    }

    fn dibentuk() -> UnitKerjaEvent {
        UnitKerjaEvent::UnitKerjaDibentuk {
            id: ID,
            satker_id: satker(),
            nama: "Subbag Kepegawaian dan Ortala".into(),
            induk_id: Some(INDUK),
        }
    }

    async fn gagal(given: Vec<UnitKerjaEvent>, when: UnitKerjaCommand) -> DomainError {
        UnitTest::with(services())
            .given(given)
            .when_async(when)
            .await
            .inspect_result()
            .unwrap_err()
    }

    #[tokio::test]
    async fn bentuk_mencatat_unit_di_bawah_induk_satker_yang_sama() {
        UnitTest::with(services())
            .given_no_previous_events()
            .when_async(bentuk(satker(), Some(INDUK)))
            .await
            .then_expect_events(vec![dibentuk()]);
    }

    #[tokio::test]
    async fn bentuk_tanpa_induk_diterima() {
        UnitTest::with(services())
            .given_no_previous_events()
            .when_async(bentuk(satker(), None))
            .await
            .then_expect_events(vec![UnitKerjaEvent::UnitKerjaDibentuk {
                id: ID,
                satker_id: satker(),
                nama: "Subbag Kepegawaian dan Ortala".into(),
                induk_id: None,
            }]);
    }

    #[tokio::test]
    async fn bentuk_menolak_satker_yang_tidak_dikenal() {
        let e = gagal(vec![], bentuk(SatkerId::parse("W99-A1").unwrap(), None)).await;
        assert_eq!(
            (e.kind, e.code, e.field),
            (
                ErrorKind::Invalid,
                "satker_tidak_dikenal",
                Some("satker_id")
            )
        );
    }

    #[tokio::test]
    async fn bentuk_menolak_induk_yang_tidak_dikenal() {
        let e = gagal(vec![], bentuk(satker(), Some(Uuid::from_u128(0xdead)))).await;
        assert_eq!(
            (e.code, e.field),
            ("unit_induk_tidak_dikenal", Some("induk_id"))
        );
    }

    #[tokio::test]
    async fn bentuk_menolak_induk_dari_satker_lain() {
        let e = gagal(vec![], bentuk(satker(), Some(INDUK_SATKER_LAIN))).await;
        assert_eq!(
            (e.code, e.field),
            ("unit_induk_satker_lain", Some("induk_id"))
        );
    }

    #[tokio::test]
    async fn bentuk_menolak_unit_yang_sudah_ada() {
        let e = gagal(vec![dibentuk()], bentuk(satker(), None)).await;
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "unit_kerja_sudah_ada")
        );
    }

    #[tokio::test]
    async fn bentuk_meneruskan_kegagalan_port_sebagai_tidak_tersedia() {
        let e =
            UnitTest::with(InMemoryMasterData::tidak_tersedia().services(date!(2026 - 01 - 15)))
                .given_no_previous_events()
                .when_async(bentuk(satker(), None))
                .await
                .inspect_result()
                .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unavailable);
    }

    #[tokio::test]
    async fn ubah_nama_mencatat_nama_baru() {
        UnitTest::with(services())
            .given(vec![dibentuk()])
            .when_async(UnitKerjaCommand::UbahNama {
                nama: "Subbag Kepegawaian, Organisasi dan Tata Laksana".into(),
            })
            .await
            .then_expect_events(vec![UnitKerjaEvent::NamaUnitKerjaDiubah {
                nama: "Subbag Kepegawaian, Organisasi dan Tata Laksana".into(),
            }]);
    }

    #[tokio::test]
    async fn ubah_nama_dengan_nama_yang_sama_tidak_menghasilkan_event() {
        UnitTest::with(services())
            .given(vec![dibentuk()])
            .when_async(UnitKerjaCommand::UbahNama {
                nama: "Subbag Kepegawaian dan Ortala".into(),
            })
            .await
            .then_expect_events(vec![]);
    }

    #[tokio::test]
    async fn ubah_nama_unit_yang_belum_ada_tidak_ditemukan() {
        let e = gagal(vec![], UnitKerjaCommand::UbahNama { nama: "X".into() }).await;
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::NotFound, "unit_kerja_tidak_ditemukan")
        );
    }

    #[test]
    fn event_unit_kerja_bertipe_nama_varian_dan_versi_1_0() {
        assert_eq!(dibentuk().event_type(), "UnitKerjaDibentuk");
        let e = UnitKerjaEvent::NamaUnitKerjaDiubah { nama: "x".into() };
        assert_eq!(e.event_type(), "NamaUnitKerjaDiubah");
        assert_eq!(e.event_version(), "1.0");
        assert_eq!(UnitKerja::TYPE, "unit_kerja");
    }

    #[test]
    fn unit_kerja_dibangun_ulang_dari_event() {
        let mut u = UnitKerja::default();
        u.apply(dibentuk());
        u.apply(UnitKerjaEvent::NamaUnitKerjaDiubah {
            nama: "Subbag Kepeg".into(),
        });
        assert_eq!(u.id(), Some(ID));
        assert_eq!(u.satker_id(), Some(&satker()));
        assert_eq!(u.nama(), Some("Subbag Kepeg"));
        assert_eq!(u.induk_id(), Some(INDUK));
    }
}
