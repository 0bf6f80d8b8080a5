//! The kenaikan pangkat process manager: when the SK of an usul KP is recorded
//! (`SkKpTerbit` on the usul's stream), the pegawai's own stream records it too
//! (`PegawaiCommand::CatatKenaikanPangkat`, so later rules see the new pangkat and the pegawai
//! read model's golongan, TMT and riwayat pangkat follow), and then the usul is closed
//! (`Selesaikan`, automatically).
//!
//! Why a process manager, and why this one cannot leave the work half done:
//! - Two streams cannot be appended in one transaction through postgres-es, so "SK on the
//!   usul" and "SK on the pegawai" are two commits. A subscriber of the event store, run by
//!   the projector runtime like the sealer, reads `SkKpTerbit` in the runtime's safe order
//!   (nothing is skipped, nothing is seen before it is final) and keeps its checkpoint in the
//!   event store database, beside the events it reacts to (not in a read database, which a
//!   rebuild replaces: a side effect is never replayed by a rebuild).
//! - Each command it sends carries an idempotency key derived from the usul id
//!   (`kp-sk:<usul>`, `kp-selesai:<usul>`). The checkpoint commits after the commands, so a
//!   crash in between redelivers the event; the command bus then finds the key in the events'
//!   metadata and appends nothing twice. (The pegawai command is also a no-op when the
//!   pegawai already holds that golongan from that TMT.)
//! - The SK is accepted only if the pegawai's stream would accept it (the command bus decides
//!   the pegawai command as a dry run before appending `SkKpTerbit`), so a refusal here needs
//!   the pegawai record to have changed in the moment between. Such a refusal is not dropped:
//!   the subscriber stops at that event, `/health` shows it `failed` with the event and the
//!   rule's code and detail (`projector_up` 0, `projector_failures_total` grows), the error is
//!   logged, and it retries with back-off. The usul stays at `sk_terbit` with
//!   `sk_dicatat_position` null, so the screens show it too. Put the pegawai record right
//!   (or record the SK's golongan and TMT on it) and it goes on by itself.
//! - `Selesaikan` is sent as soon as the pegawai's stream holds the SK. `POST .../selesai`
//!   stays available to close an usul by hand; the command bus accepts it only once the
//!   pegawai's stream holds the SK, and this subscriber skips an usul already closed.

use std::sync::Arc;

use async_trait::async_trait;
use cqrs_es::Aggregate;
use sekretariat_commands::{CommandBus, CommandError, CommandMetadata};
use sekretariat_domain::kenaikan_pangkat::{
    KenaikanPangkat, KenaikanPangkatCommand, KenaikanPangkatEvent, StatusUsulKp,
};
use sekretariat_domain::pegawai::commands::PegawaiCommand;
use sekretariat_projections::runtime::{ProjectionError, Projector, StoredEvent};
use sqlx::PgConnection;
use uuid::Uuid;

/// The subscriber's name: its checkpoint and lease key in the event store.
pub const NAME: &str = "kp_sk_pegawai";

/// Records each usul's SK on the pegawai's stream, then closes the usul.
pub struct KpSkProcess {
    bus: Arc<CommandBus>,
}

impl KpSkProcess {
    pub fn new(bus: Arc<CommandBus>) -> Self {
        Self { bus }
    }
}

/// Metadata of a command this subscriber sends: the system acting, caused by the event, in
/// the same correlation as the request that recorded the SK.
fn metadata(e: &StoredEvent, command: &str, key: String) -> CommandMetadata {
    let meta = |k: &str| {
        e.metadata
            .get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    CommandMetadata {
        causation_id: meta("command_id")
            .or_else(|| Some(format!("event:{}", e.position.global_position))),
        correlation_id: meta("correlation_id"),
        idempotency_key: Some(key),
        ..CommandMetadata::system(command)
    }
}

fn failed(usul: Uuid, what: &str, e: CommandError) -> ProjectionError {
    ProjectionError::Other(match e {
        CommandError::Domain(d) => format!(
            "usul KP {usul}: {what} ditolak aturan {} ({}): {}",
            d.code,
            d.field.unwrap_or("-"),
            d.message
        ),
        other => format!("usul KP {usul}: {what} gagal: {other}"),
    })
}

#[async_trait]
impl Projector for KpSkProcess {
    fn name(&self) -> &str {
        NAME
    }

    async fn apply(
        &self,
        _conn: &mut PgConnection,
        e: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if e.aggregate_type != KenaikanPangkat::TYPE || e.event_type != "SkKpTerbit" {
            return Ok(());
        }
        let KenaikanPangkatEvent::SkKpTerbit {
            nip,
            nomor,
            tanggal,
            tmt,
            golongan_baru,
            ..
        } = e.decode::<KenaikanPangkatEvent>()?
        else {
            return Ok(());
        };
        let usul = Uuid::parse_str(&e.aggregate_id).map_err(|err| {
            ProjectionError::Other(format!("usul KP id {}: {err}", e.aggregate_id))
        })?;

        // 1. The SK on the pegawai's own stream.
        self.bus
            .execute(
                &self.bus.pegawai,
                nip.as_str(),
                PegawaiCommand::CatatKenaikanPangkat {
                    usul_id: usul,
                    golongan: golongan_baru,
                    tmt,
                    nomor_sk: nomor,
                    tanggal_sk: tanggal,
                },
                &metadata(e, "kp.catat_sk_pegawai", format!("kp-sk:{usul}")),
            )
            .await
            .map_err(|err| failed(usul, "pencatatan SK pada data pegawai", err))?;

        // 2. Close the usul, unless someone already did.
        let status = self
            .bus
            .load_usul_kp(&e.aggregate_id)
            .await
            .map_err(|err| failed(usul, "membaca usul", err))?
            .map(|u| u.status);
        match status {
            Some(StatusUsulKp::SkTerbit) => {
                self.bus
                    .execute(
                        &self.bus.kenaikan_pangkat,
                        &e.aggregate_id,
                        KenaikanPangkatCommand::Selesaikan,
                        &metadata(e, "kp.selesaikan", format!("kp-selesai:{usul}")),
                    )
                    .await
                    .map_err(|err| failed(usul, "penyelesaian usul", err))?;
            }
            Some(StatusUsulKp::Selesai) => {}
            other => {
                return Err(ProjectionError::Other(format!(
                    "usul KP {usul}: setelah SK berstatus {}, bukan sk_terbit",
                    other.map_or("(tidak ada)", StatusUsulKp::kode)
                )));
            }
        }
        Ok(())
    }
}
