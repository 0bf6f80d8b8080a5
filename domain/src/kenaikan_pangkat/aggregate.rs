//! The [`KenaikanPangkat`] aggregate: state machine and rules of one usul KP.
//!
//! Eligibility ([`cek_kelayakan`]) runs on `Usulkan` and again on `Verifikasi`,
//! against the facts re-sent with `Verifikasi` or, when none are sent, those stored
//! with the draft; either way under the rules in force on the TMT asked for. "One
//! open usul per pegawai" is asked of [`KenaikanPangkatPort`](crate::ports::KenaikanPangkatPort)
//! on `Usulkan`.
//!
//! Every command is decided completely before its single event is written.

use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::commands::KenaikanPangkatCommand;
use super::events::KenaikanPangkatEvent;
use super::kelayakan::{DataKelayakan, DokumenKp, JenisKp, cek_kelayakan, dokumen_wajib};
use crate::error::DomainError;
use crate::kalender::tgl;
use crate::ports::KenaikanPangkatServices;
use crate::reference::{baris_periode_kp, periode_kp_berlaku};
use crate::values::{Golongan, NamaTeks, Nip};

/// Longest pertek or SK number, in characters.
pub const PANJANG_NOMOR_MAKS: usize = 100;
/// Longest reason of a refusal, in characters.
pub const PANJANG_ALASAN_MAKS: usize = 500;

/// The step an usul KP is at (DOMAIN §3 flow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusUsulKp {
    /// Drafted by the satker's kepegawaian.
    Draft,
    /// Documents checked, eligibility confirmed.
    Diverifikasi,
    /// Submitted to BKN through SIASN.
    Diajukan,
    /// BKN's pertimbangan teknis issued.
    PertekTerbit,
    /// SK issued.
    SkTerbit,
    /// Closed: the SK is on the pegawai's record.
    Selesai,
    /// Refused.
    Ditolak,
}

impl StatusUsulKp {
    /// The stable code, as serialised.
    #[must_use]
    pub const fn kode(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Diverifikasi => "diverifikasi",
            Self::Diajukan => "diajukan",
            Self::PertekTerbit => "pertek_terbit",
            Self::SkTerbit => "sk_terbit",
            Self::Selesai => "selesai",
            Self::Ditolak => "ditolak",
        }
    }

    /// True while the usul still counts as the pegawai's open usul.
    #[must_use]
    pub const fn is_terbuka(self) -> bool {
        !matches!(self, Self::Selesai | Self::Ditolak)
    }
}

/// Who gives the pertek (DOMAIN §3): the Kantor Regional BKN up to IV/b, BKN Pusat above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstansiPertek {
    /// Kantor Regional BKN (golongan baru up to IV/b).
    KanregBkn,
    /// BKN Pusat (golongan baru IV/c and above).
    BknPusat,
}

impl InstansiPertek {
    /// Who gives the pertek for a KP to `golongan_baru`.
    #[must_use]
    pub fn untuk(golongan_baru: Golongan) -> Self {
        if golongan_baru <= Golongan::IV_B {
            Self::KanregBkn
        } else {
            Self::BknPusat
        }
    }
}

/// Everything the aggregate knows about a drafted usul.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsulKp {
    /// Usul id.
    pub id: Uuid,
    /// The pegawai.
    pub nip: Nip,
    /// Kind of KP.
    pub jenis: JenisKp,
    /// Golongan asked for.
    pub golongan_tujuan: Golongan,
    /// TMT asked for.
    pub tmt_usulan: Date,
    /// The latest facts eligibility was checked on.
    pub data: DataKelayakan,
    /// Current step.
    pub status: StatusUsulKp,
    /// The checklist, once verified.
    pub dokumen: Vec<(DokumenKp, bool)>,
    /// Pertek number and date, once issued.
    pub pertek: Option<(String, Date)>,
    /// SK number, date and TMT, once issued.
    pub sk: Option<(String, Date, Date)>,
    /// Why it was refused, when it was.
    pub alasan_ditolak: Option<String>,
}

/// An usul KP: empty (default) until `KenaikanPangkatDiusulkan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KenaikanPangkat {
    usul: Option<UsulKp>,
}

impl KenaikanPangkat {
    /// The usul, once drafted.
    #[must_use]
    pub fn usul(&self) -> Option<&UsulKp> {
        self.usul.as_ref()
    }

    /// The current step, once drafted.
    #[must_use]
    pub fn status(&self) -> Option<StatusUsulKp> {
        self.usul.as_ref().map(|u| u.status)
    }
}

fn pangkat(g: Golongan) -> String {
    g.pangkat().unwrap_or_default().to_owned()
}

fn teks(s: &str, max: usize, field: &'static str) -> Result<String, DomainError> {
    NamaTeks::parse(s, max)
        .map(NamaTeks::into_string)
        .map_err(|e| e.on_field(field))
}

fn cek_tanggal_dokumen(
    field: &'static str,
    tanggal: Date,
    hari_ini: Date,
) -> Result<(), DomainError> {
    if tanggal > hari_ini {
        return Err(DomainError::invalid(
            "tanggal_di_masa_depan",
            format!(
                "Tanggal {} jatuh setelah hari ini ({}); dokumen belum terbit.",
                tgl(tanggal),
                tgl(hari_ini)
            ),
        )
        .on_field(field));
    }
    Ok(())
}

fn tidak_ditemukan() -> DomainError {
    DomainError::not_found(
        "kp_usul_tidak_ditemukan",
        "Usul kenaikan pangkat tidak ditemukan.",
    )
}

impl KenaikanPangkat {
    /// The usul, which must be at one of `boleh` to take `perintah`.
    fn usul_pada(&self, boleh: &[StatusUsulKp], perintah: &str) -> Result<&UsulKp, DomainError> {
        let usul = self.usul.as_ref().ok_or_else(tidak_ditemukan)?;
        if !boleh.contains(&usul.status) {
            let harus: Vec<&str> = boleh.iter().map(|s| s.kode()).collect();
            return Err(DomainError::conflict(
                "kp_status_tidak_sesuai",
                format!(
                    "Usul kenaikan pangkat berstatus {}; {perintah} hanya dapat dilakukan pada status {}.",
                    usul.status.kode(),
                    harus.join(" atau ")
                ),
            ));
        }
        Ok(usul)
    }

    async fn usulkan(
        &self,
        cmd: Usulkan,
        services: &KenaikanPangkatServices,
    ) -> Result<KenaikanPangkatEvent, DomainError> {
        if self.usul.is_some() {
            return Err(DomainError::conflict(
                "kp_usul_sudah_ada",
                format!("Usul kenaikan pangkat {} sudah dibuat.", cmd.id),
            )
            .on_field("id"));
        }
        let k = cek_kelayakan(cmd.jenis, &cmd.data, cmd.golongan_tujuan, cmd.tmt_usulan)?;
        if let Some(lain) = services.usul_kp.usul_terbuka(&cmd.nip).await?
            && lain != cmd.id
        {
            return Err(DomainError::conflict(
                "kp_usul_masih_terbuka",
                format!(
                    "Pegawai {} masih memiliki usul kenaikan pangkat yang belum selesai ({lain}); satu pegawai hanya boleh satu usul terbuka.",
                    cmd.nip
                ),
            )
            .on_field("nip"));
        }
        Ok(KenaikanPangkatEvent::KenaikanPangkatDiusulkan {
            id: cmd.id,
            nip: cmd.nip,
            jenis: cmd.jenis,
            golongan_lama: cmd.data.golongan,
            pangkat_lama: pangkat(cmd.data.golongan),
            tmt_golongan_lama: cmd.data.tmt_golongan,
            golongan_baru: cmd.golongan_tujuan,
            pangkat_baru: pangkat(cmd.golongan_tujuan),
            tmt_usulan: cmd.tmt_usulan,
            masa_kerja_golongan_tahun: k.masa_kerja_golongan_tahun,
            dasar_hukum: k.dasar_hukum.to_owned(),
            data: cmd.data,
        })
    }

    fn verifikasi(
        &self,
        dokumen: Vec<(DokumenKp, bool)>,
        data: Option<DataKelayakan>,
    ) -> Result<KenaikanPangkatEvent, DomainError> {
        let usul = self.usul_pada(&[StatusUsulKp::Draft], "verifikasi")?;
        let data = data.unwrap_or_else(|| usul.data.clone());
        let k = cek_kelayakan(usul.jenis, &data, usul.golongan_tujuan, usul.tmt_usulan)?;
        let kurang: Vec<&str> = dokumen_wajib(usul.jenis, &data, usul.golongan_tujuan)
            .into_iter()
            .filter(|w| !dokumen.iter().any(|(d, ada)| d == w && *ada))
            .map(DokumenKp::label)
            .collect();
        if !kurang.is_empty() {
            return Err(DomainError::invalid(
                "kp_dokumen_kurang",
                format!(
                    "Dokumen {} belum lengkap: {} (DOMAIN §3, persyaratan usul kenaikan pangkat).",
                    usul.jenis.label(),
                    kurang.join(", ")
                ),
            )
            .on_field("dokumen"));
        }
        Ok(KenaikanPangkatEvent::UsulKpDiverifikasi {
            nip: usul.nip.clone(),
            dokumen,
            data,
            masa_kerja_golongan_tahun: k.masa_kerja_golongan_tahun,
        })
    }

    fn catat_sk(
        &self,
        nomor: &str,
        tanggal: Date,
        tmt: Date,
        hari_ini: Date,
    ) -> Result<KenaikanPangkatEvent, DomainError> {
        let usul = self.usul_pada(&[StatusUsulKp::PertekTerbit], "pencatatan SK")?;
        let nomor = teks(nomor, PANJANG_NOMOR_MAKS, "nomor")?;
        cek_tanggal_dokumen("tanggal", tanggal, hari_ini)?;
        if !periode_kp_berlaku(tmt) {
            return Err(DomainError::invalid(
                "kp_tmt_bukan_periode",
                format!(
                    "TMT {} bukan periode kenaikan pangkat menurut {}.",
                    tgl(tmt),
                    baris_periode_kp(tmt).sumber
                ),
            )
            .on_field("tmt"));
        }
        if tmt <= usul.data.tmt_golongan {
            return Err(DomainError::invalid(
                "tmt_golongan_mundur",
                format!(
                    "TMT pangkat baru ({}) harus setelah TMT golongan sekarang ({}).",
                    tgl(tmt),
                    tgl(usul.data.tmt_golongan)
                ),
            )
            .on_field("tmt"));
        }
        Ok(KenaikanPangkatEvent::SkKpTerbit {
            nip: usul.nip.clone(),
            nomor,
            tanggal,
            tmt,
            golongan_lama: usul.data.golongan,
            golongan_baru: usul.golongan_tujuan,
            pangkat_baru: pangkat(usul.golongan_tujuan),
        })
    }
}

/// The fields of `Usulkan`, gathered to pass them around.
struct Usulkan {
    id: Uuid,
    nip: Nip,
    jenis: JenisKp,
    golongan_tujuan: Golongan,
    tmt_usulan: Date,
    data: DataKelayakan,
}

impl Aggregate for KenaikanPangkat {
    const TYPE: &'static str = "kenaikan_pangkat";
    type Command = KenaikanPangkatCommand;
    type Event = KenaikanPangkatEvent;
    type Error = DomainError;
    type Services = KenaikanPangkatServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let hari_ini = services.umum.clock.today();
        let event = match command {
            KenaikanPangkatCommand::Usulkan {
                id,
                nip,
                jenis,
                golongan_tujuan,
                tmt_usulan,
                data,
            } => {
                self.usulkan(
                    Usulkan {
                        id,
                        nip,
                        jenis,
                        golongan_tujuan,
                        tmt_usulan,
                        data,
                    },
                    services,
                )
                .await?
            }
            KenaikanPangkatCommand::Verifikasi { dokumen, data } => {
                self.verifikasi(dokumen, data)?
            }
            KenaikanPangkatCommand::Ajukan => {
                let usul = self.usul_pada(&[StatusUsulKp::Diverifikasi], "pengajuan")?;
                KenaikanPangkatEvent::UsulKpDiajukan {
                    nip: usul.nip.clone(),
                    instansi_pertek: InstansiPertek::untuk(usul.golongan_tujuan),
                }
            }
            KenaikanPangkatCommand::CatatPertek { nomor, tanggal } => {
                let usul = self.usul_pada(&[StatusUsulKp::Diajukan], "pencatatan pertek")?;
                let nomor = teks(&nomor, PANJANG_NOMOR_MAKS, "nomor")?;
                cek_tanggal_dokumen("tanggal", tanggal, hari_ini)?;
                KenaikanPangkatEvent::PertekKpTerbit {
                    nip: usul.nip.clone(),
                    nomor,
                    tanggal,
                }
            }
            KenaikanPangkatCommand::CatatSk {
                nomor,
                tanggal,
                tmt,
            } => self.catat_sk(&nomor, tanggal, tmt, hari_ini)?,
            KenaikanPangkatCommand::Tolak { alasan } => {
                let usul = self.usul_pada(
                    &[
                        StatusUsulKp::Draft,
                        StatusUsulKp::Diverifikasi,
                        StatusUsulKp::Diajukan,
                        StatusUsulKp::PertekTerbit,
                    ],
                    "penolakan",
                )?;
                KenaikanPangkatEvent::UsulKpDitolak {
                    nip: usul.nip.clone(),
                    alasan: teks(&alasan, PANJANG_ALASAN_MAKS, "alasan")?,
                    status_sebelumnya: usul.status,
                }
            }
            KenaikanPangkatCommand::Selesaikan => {
                let usul = self.usul_pada(&[StatusUsulKp::SkTerbit], "penyelesaian")?;
                let tmt = usul.sk.as_ref().map_or(usul.tmt_usulan, |(_, _, tmt)| *tmt);
                KenaikanPangkatEvent::UsulKpSelesai {
                    nip: usul.nip.clone(),
                    golongan_baru: usul.golongan_tujuan,
                    tmt,
                }
            }
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            KenaikanPangkatEvent::KenaikanPangkatDiusulkan {
                id,
                nip,
                jenis,
                golongan_baru,
                tmt_usulan,
                data,
                ..
            } => {
                self.usul = Some(UsulKp {
                    id,
                    nip,
                    jenis,
                    golongan_tujuan: golongan_baru,
                    tmt_usulan,
                    data,
                    status: StatusUsulKp::Draft,
                    dokumen: Vec::new(),
                    pertek: None,
                    sk: None,
                    alasan_ditolak: None,
                });
            }
            // Later events are decided against a drafted usul; ignoring them on an
            // empty aggregate keeps apply total.
            KenaikanPangkatEvent::UsulKpDiverifikasi { dokumen, data, .. } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::Diverifikasi;
                    u.dokumen = dokumen;
                    u.data = data;
                }
            }
            KenaikanPangkatEvent::UsulKpDiajukan { .. } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::Diajukan;
                }
            }
            KenaikanPangkatEvent::PertekKpTerbit { nomor, tanggal, .. } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::PertekTerbit;
                    u.pertek = Some((nomor, tanggal));
                }
            }
            KenaikanPangkatEvent::SkKpTerbit {
                nomor,
                tanggal,
                tmt,
                ..
            } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::SkTerbit;
                    u.sk = Some((nomor, tanggal, tmt));
                }
            }
            KenaikanPangkatEvent::UsulKpDitolak { alasan, .. } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::Ditolak;
                    u.alasan_ditolak = Some(alasan);
                }
            }
            KenaikanPangkatEvent::UsulKpSelesai { .. } => {
                if let Some(u) = &mut self.usul {
                    u.status = StatusUsulKp::Selesai;
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
