//! The fictional PA Sukamaju (DOMAIN §8), loaded through the same commands the API runs, so
//! every rule applies to it. Ids of units and jabatan are UUIDv5 of their fixture keys: stable
//! across loads, so a reset demo has the same ids.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use sekretariat_commands::{CommandBus, CommandMetadata};
use sekretariat_domain::master::jabatan::{JabatanCommand, JenisJabatan};
use sekretariat_domain::master::satker::SatkerCommand;
use sekretariat_domain::master::unit_kerja::UnitKerjaCommand;
use sekretariat_domain::pegawai::commands::PegawaiCommand;
use sekretariat_domain::reference::KelompokBup;
use sekretariat_domain::values::SatkerId;
use serde::Deserialize;
use uuid::Uuid;

use crate::routes::pegawai::DaftarkanBody;

/// The fixture file, embedded so the binary needs no working directory.
pub const FIXTURE: &str = include_str!("../../fixtures/demo/pa-sukamaju.json");

const NAMESPACE: Uuid = Uuid::from_u128(0x5e6b_7a2c_1d3e_4f50_8a9b_0c1d_2e3f_4a5b);

/// The stable id of a fixture unit or jabatan key.
pub fn demo_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{kind}:{key}").as_bytes())
}

#[derive(Deserialize)]
struct Fixture {
    satker: SatkerFx,
    unit_kerja: Vec<UnitFx>,
    jabatan: Vec<JabatanFx>,
    pegawai: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct SatkerFx {
    kode: String,
    nama: String,
}

#[derive(Deserialize)]
struct UnitFx {
    key: String,
    nama: String,
    induk: Option<String>,
}

#[derive(Deserialize)]
struct JabatanFx {
    key: String,
    nama: String,
    jenis: JenisJabatan,
    kelompok_bup: KelompokBup,
}

/// What the demo holds, for tests and the log.
pub struct DemoSummary {
    pub satker_id: String,
    pub pegawai: usize,
    pub last_position: Option<i64>,
}

/// Loads the demo through commands.
///
/// # Errors
/// The first command refused, naming what it was for.
pub async fn load(bus: &CommandBus) -> anyhow::Result<DemoSummary> {
    let fx: Fixture = serde_json::from_str(FIXTURE).context("demo fixture")?;
    let meta = CommandMetadata::system("demo.load");
    let kode = SatkerId::parse(&fx.satker.kode).map_err(|e| anyhow!("satker kode: {e}"))?;
    let mut last = bus
        .execute(
            &bus.satker,
            kode.as_str(),
            SatkerCommand::Daftarkan {
                kode: kode.clone(),
                nama: fx.satker.nama.clone(),
            },
            &meta,
        )
        .await
        .context("demo satker")?
        .position;
    let mut units: HashMap<String, Uuid> = HashMap::new();
    for u in &fx.unit_kerja {
        let id = demo_id("unit", &u.key);
        let induk_id = match &u.induk {
            Some(k) => Some(
                *units
                    .get(k)
                    .ok_or_else(|| anyhow!("unit {} names unknown induk {k}", u.key))?,
            ),
            None => None,
        };
        last = bus
            .execute(
                &bus.unit_kerja,
                &id.to_string(),
                UnitKerjaCommand::Bentuk {
                    id,
                    satker_id: kode.clone(),
                    nama: u.nama.clone(),
                    induk_id,
                },
                &meta,
            )
            .await
            .with_context(|| format!("demo unit {}", u.key))?
            .position
            .or(last);
        units.insert(u.key.clone(), id);
    }
    let mut jabatan: HashMap<String, Uuid> = HashMap::new();
    for j in &fx.jabatan {
        let id = demo_id("jabatan", &j.key);
        last = bus
            .execute(
                &bus.jabatan,
                &id.to_string(),
                JabatanCommand::Buat {
                    id,
                    nama: j.nama.clone(),
                    jenis: j.jenis,
                    kelompok_bup: j.kelompok_bup,
                },
                &meta,
            )
            .await
            .with_context(|| format!("demo jabatan {}", j.key))?
            .position
            .or(last);
        jabatan.insert(j.key.clone(), id);
    }
    for p in &fx.pegawai {
        let mut p = p.clone();
        let obj = p
            .as_object_mut()
            .ok_or_else(|| anyhow!("demo pegawai is not an object"))?;
        let nip = obj
            .get("nip")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let unit_key = obj
            .remove("unit_kerja")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let jabatan_key = obj
            .remove("jabatan")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let unit = units
            .get(&unit_key)
            .ok_or_else(|| anyhow!("pegawai {nip}: unknown unit {unit_key}"))?;
        let jab = jabatan
            .get(&jabatan_key)
            .ok_or_else(|| anyhow!("pegawai {nip}: unknown jabatan {jabatan_key}"))?;
        obj.insert("unit_kerja_id".into(), unit.to_string().into());
        obj.insert("jabatan_id".into(), jab.to_string().into());
        obj.insert("satker_id".into(), kode.as_str().into());
        let body: DaftarkanBody =
            serde_json::from_value(p).with_context(|| format!("demo pegawai {nip}"))?;
        let data = body
            .try_into_domain()
            .map_err(|e| anyhow!("demo pegawai {nip}: {e} {:?}", e.errors))?;
        last = bus
            .execute(&bus.pegawai, &nip, PegawaiCommand::Daftarkan(data), &meta)
            .await
            .with_context(|| format!("demo pegawai {nip}"))?
            .position
            .or(last);
    }
    Ok(DemoSummary {
        satker_id: kode.as_str().to_string(),
        pegawai: fx.pegawai.len(),
        last_position: last,
    })
}
