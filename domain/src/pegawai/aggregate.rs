//! The [`Pegawai`] aggregate and its rules (DOMAIN §1–§3).
//!
//! Stream id: the NIP string. The aggregate cannot see its stream id, so the
//! commands crate makes sure it equals `nip` of `Daftarkan`.
//!
//! A command is decided completely before anything is written: every rule is
//! checked first, then the events are written, so a refused command never leaves
//! half its events behind.
//!
//! Employment status ([`StatusPegawai`]): a pegawai is *aktif* until an SK pensiun
//! (then every later command is refused with `pegawai_sudah_pensiun`) or a mutasi
//! keluar to a unit the system does not know (then only a mutasi masuk is accepted,
//! others are refused with `pegawai_sudah_mutasi_keluar`). SKs (KP, mutasi,
//! pensiun) may carry a TMT that lies ahead: the state changes when the SK is
//! recorded and the events carry the TMT, so views can date the change.

use cqrs_es::Aggregate;
use cqrs_es::event_sink::EventSink;
use serde::{Deserialize, Serialize};
use time::{Date, Month};
use uuid::Uuid;

use crate::error::DomainError;
use crate::kalender::{nama_bulan, tgl};
use crate::master::jabatan::JenisJabatan;
use crate::pegawai::commands::{
    DataMutasi, DataPegawaiBaru, JenisMutasi, PegawaiCommand, PerubahanPegawai,
};
use crate::pegawai::events::{JabatanMutasi, PegawaiEvent};
use crate::ports::{JabatanInfo, Services, UnitKerjaInfo};
use crate::reference::{
    KelompokBup, baris_periode_kp, baris_usia_bup, batas_golongan_ijazah, periode_kp_berlaku,
    tmt_pensiun,
};
use crate::values::{Golongan, JenisKelamin, JenisPegawai, NamaTeks, Nip, Pendidikan, SatkerId};

/// Longest name (without titles), in characters.
pub const PANJANG_NAMA_MAKS: usize = 150;
/// Longest place of birth, in characters.
pub const PANJANG_TEMPAT_LAHIR_MAKS: usize = 100;
/// Longest gelar (front or back), in characters.
pub const PANJANG_GELAR_MAKS: usize = 50;

/// Everything the aggregate knows about a registered pegawai.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilPegawai {
    /// NIP or NI PPPK.
    pub nip: Nip,
    /// Name without titles.
    pub nama: String,
    /// Titles before the name.
    pub gelar_depan: Option<String>,
    /// Titles after the name.
    pub gelar_belakang: Option<String>,
    /// Place of birth.
    pub tempat_lahir: String,
    /// Date of birth.
    pub tanggal_lahir: Date,
    /// Sex.
    pub jenis_kelamin: JenisKelamin,
    /// PNS, CPNS or PPPK.
    pub jenis_pegawai: JenisPegawai,
    /// Current golongan.
    pub golongan: Golongan,
    /// TMT of the current golongan.
    pub tmt_golongan: Date,
    /// Current jabatan.
    pub jabatan_id: Uuid,
    /// Its name when recorded.
    pub jabatan_nama: String,
    /// Its kind.
    pub jenis_jabatan: JenisJabatan,
    /// Its retirement-age group.
    pub kelompok_bup: KelompokBup,
    /// TMT of the current jabatan.
    pub tmt_jabatan: Date,
    /// Current unit kerja.
    pub unit_kerja_id: Uuid,
    /// Its name when recorded.
    pub unit_kerja_nama: String,
    /// Satker.
    pub satker_id: SatkerId,
    /// Highest ijazah.
    pub pendidikan_terakhir: Pendidikan,
    /// TMT CPNS (PNS, CPNS).
    pub tmt_cpns: Option<Date>,
    /// TMT PNS (PNS).
    pub tmt_pns: Option<Date>,
    /// TMT PPPK (PPPK).
    pub tmt_pppk: Option<Date>,
}

impl ProfilPegawai {
    /// Start of service: TMT CPNS for PNS/CPNS, TMT PPPK for PPPK.
    #[must_use]
    pub fn tmt_awal(&self) -> Option<Date> {
        match self.jenis_pegawai {
            JenisPegawai::Pppk => self.tmt_pppk,
            JenisPegawai::Pns | JenisPegawai::Cpns => self.tmt_cpns,
        }
    }
}

/// Whether the pegawai still works in the system's satkers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusPegawai {
    /// In active employment (also before registration).
    #[default]
    Aktif,
    /// Left by a mutasi keluar to a unit unknown to the system; waits for a mutasi
    /// masuk. The profile keeps the last unit of the old satker until then.
    Keluar {
        /// The satker the pegawai went to.
        satker_tujuan: SatkerId,
        /// TMT of the mutasi.
        tmt: Date,
    },
    /// Retired (SK pensiun recorded).
    Pensiun {
        /// TMT pensiun.
        tmt_pensiun: Date,
    },
}

/// A pegawai: unregistered (default) until `PegawaiDidaftarkan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pegawai {
    profil: Option<ProfilPegawai>,
    /// Absent in snapshots taken before mutasi and pensiun existed: `Aktif`.
    #[serde(default)]
    status: StatusPegawai,
}

impl Pegawai {
    /// The whole profile, once registered.
    #[must_use]
    pub fn profil(&self) -> Option<&ProfilPegawai> {
        self.profil.as_ref()
    }

    /// True once registered.
    #[must_use]
    pub fn is_terdaftar(&self) -> bool {
        self.profil.is_some()
    }

    /// Employment status.
    #[must_use]
    pub fn status(&self) -> &StatusPegawai {
        &self.status
    }

    /// True when registered and in active employment (not retired, not keluar).
    #[must_use]
    pub fn is_aktif(&self) -> bool {
        self.is_terdaftar() && self.status == StatusPegawai::Aktif
    }

    /// NIP, once registered.
    #[must_use]
    pub fn nip(&self) -> Option<&Nip> {
        self.profil.as_ref().map(|p| &p.nip)
    }

    /// Name without titles, once registered.
    #[must_use]
    pub fn nama(&self) -> Option<&str> {
        self.profil.as_ref().map(|p| p.nama.as_str())
    }

    /// Satker, once registered.
    #[must_use]
    pub fn satker_id(&self) -> Option<&SatkerId> {
        self.profil.as_ref().map(|p| &p.satker_id)
    }

    /// Unit kerja, once registered.
    #[must_use]
    pub fn unit_kerja_id(&self) -> Option<Uuid> {
        self.profil.as_ref().map(|p| p.unit_kerja_id)
    }

    /// Jabatan, once registered.
    #[must_use]
    pub fn jabatan_id(&self) -> Option<Uuid> {
        self.profil.as_ref().map(|p| p.jabatan_id)
    }

    /// Kind of the current jabatan, once registered.
    #[must_use]
    pub fn jenis_jabatan(&self) -> Option<JenisJabatan> {
        self.profil.as_ref().map(|p| p.jenis_jabatan)
    }

    /// Retirement-age group of the current jabatan, once registered.
    #[must_use]
    pub fn kelompok_bup(&self) -> Option<KelompokBup> {
        self.profil.as_ref().map(|p| p.kelompok_bup)
    }

    /// Current golongan, once registered.
    #[must_use]
    pub fn golongan(&self) -> Option<Golongan> {
        self.profil.as_ref().map(|p| p.golongan)
    }

    /// TMT of the current golongan, once registered.
    #[must_use]
    pub fn tmt_golongan(&self) -> Option<Date> {
        self.profil.as_ref().map(|p| p.tmt_golongan)
    }

    /// PNS, CPNS or PPPK, once registered.
    #[must_use]
    pub fn jenis_pegawai(&self) -> Option<JenisPegawai> {
        self.profil.as_ref().map(|p| p.jenis_pegawai)
    }

    /// Date of birth, once registered.
    #[must_use]
    pub fn tanggal_lahir(&self) -> Option<Date> {
        self.profil.as_ref().map(|p| p.tanggal_lahir)
    }

    /// Sex, once registered.
    #[must_use]
    pub fn jenis_kelamin(&self) -> Option<JenisKelamin> {
        self.profil.as_ref().map(|p| p.jenis_kelamin)
    }

    /// Highest ijazah, once registered.
    #[must_use]
    pub fn pendidikan_terakhir(&self) -> Option<Pendidikan> {
        self.profil.as_ref().map(|p| p.pendidikan_terakhir)
    }

    /// TMT CPNS (PNS, CPNS).
    #[must_use]
    pub fn tmt_cpns(&self) -> Option<Date> {
        self.profil.as_ref().and_then(|p| p.tmt_cpns)
    }

    /// TMT PNS (PNS).
    #[must_use]
    pub fn tmt_pns(&self) -> Option<Date> {
        self.profil.as_ref().and_then(|p| p.tmt_pns)
    }

    /// TMT PPPK (PPPK).
    #[must_use]
    pub fn tmt_pppk(&self) -> Option<Date> {
        self.profil.as_ref().and_then(|p| p.tmt_pppk)
    }
}

// ---------------------------------------------------------------------------
// Rules shared by Daftarkan and Ubah.
// ---------------------------------------------------------------------------

fn bulan_tahun(tahun: i32, bulan: Month) -> String {
    format!("{} {tahun}", nama_bulan(bulan))
}

fn teks(s: &str, max: usize, field: &'static str) -> Result<String, DomainError> {
    NamaTeks::parse(s, max)
        .map(NamaTeks::into_string)
        .map_err(|e| e.on_field(field))
}

fn teks_opsional(
    s: Option<&str>,
    max: usize,
    field: &'static str,
) -> Result<Option<String>, DomainError> {
    NamaTeks::parse_opsional(s, max)
        .map(|t| t.map(NamaTeks::into_string))
        .map_err(|e| e.on_field(field))
}

/// Rule 6: a TMT may not lie in the future.
fn cek_tidak_di_masa_depan(
    field: &'static str,
    tmt: Date,
    hari_ini: Date,
) -> Result<(), DomainError> {
    if tmt > hari_ini {
        return Err(DomainError::invalid(
            "tmt_di_masa_depan",
            format!(
                "TMT {} belum boleh dicatat karena jatuh setelah hari ini ({}).",
                tgl(tmt),
                tgl(hari_ini)
            ),
        )
        .on_field(field));
    }
    Ok(())
}

/// Rule 6: TMT golongan and jabatan may not precede the start of service.
fn cek_tidak_sebelum_awal(field: &'static str, tmt: Date, awal: Date) -> Result<(), DomainError> {
    if tmt < awal {
        return Err(DomainError::invalid(
            "tmt_tidak_valid",
            format!(
                "TMT {} tidak boleh sebelum TMT pengangkatan ({}).",
                tgl(tmt),
                tgl(awal)
            ),
        )
        .on_field(field));
    }
    Ok(())
}

/// Rule 4: PNS/CPNS hold a ruang (I/a–IV/e), PPPK a golongan I–XVII.
fn cek_golongan_sesuai_jenis(jenis: JenisPegawai, golongan: Golongan) -> Result<(), DomainError> {
    if jenis.is_pppk() != golongan.is_pppk() {
        let harus = if jenis.is_pppk() {
            "golongan I sampai XVII"
        } else {
            "golongan ruang I/a sampai IV/e"
        };
        return Err(DomainError::invalid(
            "golongan_tidak_sesuai_jenis_pegawai",
            format!("Golongan {golongan} tidak sesuai untuk {jenis}; {jenis} memakai {harus}."),
        )
        .on_field("golongan"));
    }
    Ok(())
}

/// Rule 5: the ijazah ceiling of PP 99/2000 jo PP 12/2002 (DOMAIN §2).
///
/// Interpretation: the ceiling bounds KP *reguler*. Holders of a jabatan struktural
/// or fungsional may pass it through KP pilihan (DOMAIN §3), so a golongan above
/// the ceiling is legitimate for them: the fixture Ketua (IV/c with S3, ceiling
/// IV/b) and Panitera (IV/a with S1, ceiling III/d) are real cases. Only
/// PNS/CPNS in a jabatan pelaksana, who can rise only by KP reguler, are held to
/// it. PPPK golongan follow another scheme and are not checked. The ceiling row is
/// the one in force on the TMT of the golongan, so a rank given under older rules
/// is judged by those rules.
fn cek_batas_ijazah(
    jenis_pegawai: JenisPegawai,
    jenis_jabatan: JenisJabatan,
    pendidikan: Pendidikan,
    golongan: Golongan,
    tmt_golongan: Date,
) -> Result<(), DomainError> {
    if jenis_pegawai.is_pppk() || jenis_jabatan != JenisJabatan::Pelaksana {
        return Ok(());
    }
    let (_, batas) = batas_golongan_ijazah(pendidikan, tmt_golongan);
    if golongan > batas {
        return Err(DomainError::invalid(
            "golongan_melebihi_batas_ijazah",
            format!(
                "Golongan {golongan} melebihi batas golongan untuk ijazah {} ({batas}) bagi jabatan pelaksana.",
                pendidikan.label()
            ),
        )
        .on_field("golongan"));
    }
    Ok(())
}

async fn jabatan_dikenal(services: &Services, id: Uuid) -> Result<JabatanInfo, DomainError> {
    services.master.jabatan(id).await?.ok_or_else(|| {
        DomainError::invalid(
            "jabatan_tidak_dikenal",
            format!("Jabatan {id} tidak dikenal."),
        )
        .on_field("jabatan_id")
    })
}

/// Rule 2: the unit must exist and belong to `satker_id`.
async fn unit_di_satker(
    services: &Services,
    id: Uuid,
    satker_id: &SatkerId,
) -> Result<UnitKerjaInfo, DomainError> {
    let unit = services.master.unit_kerja(id).await?.ok_or_else(|| {
        DomainError::invalid(
            "unit_kerja_tidak_dikenal",
            format!("Unit kerja {id} tidak dikenal."),
        )
        .on_field("unit_kerja_id")
    })?;
    if &unit.satker_id != satker_id {
        return Err(DomainError::invalid(
            "unit_kerja_satker_lain",
            format!(
                "Unit kerja {} milik satker {}, bukan {satker_id}.",
                unit.nama, unit.satker_id
            ),
        )
        .on_field("unit_kerja_id"));
    }
    Ok(unit)
}

fn pangkat(golongan: Golongan) -> Option<String> {
    golongan.pangkat().map(str::to_owned)
}

// ---------------------------------------------------------------------------
// Daftarkan
// ---------------------------------------------------------------------------

/// Rule 6: which TMTs each jenis pegawai needs; returns the start of service.
fn cek_tmt_status(d: &DataPegawaiBaru) -> Result<Date, DomainError> {
    let salah = |pesan: &str, field: &'static str| {
        Err(DomainError::invalid("tmt_tidak_sesuai_jenis_pegawai", pesan).on_field(field))
    };
    match (d.jenis_pegawai, d.tmt_cpns, d.tmt_pns, d.tmt_pppk) {
        (_, _, _, Some(_)) if !d.jenis_pegawai.is_pppk() => {
            salah("TMT PPPK hanya diisi untuk PPPK.", "tmt_pppk")
        }
        (JenisPegawai::Pns, None, _, _) | (JenisPegawai::Cpns, None, _, _) => {
            salah("PNS dan CPNS wajib memiliki TMT CPNS.", "tmt_cpns")
        }
        (JenisPegawai::Pns, Some(_), None, _) => salah("PNS wajib memiliki TMT PNS.", "tmt_pns"),
        (JenisPegawai::Cpns, Some(_), Some(_), _) => salah(
            "CPNS belum memiliki TMT PNS; gunakan pengangkatan PNS setelah terdaftar.",
            "tmt_pns",
        ),
        (JenisPegawai::Pns | JenisPegawai::Cpns, Some(cpns), _, None) => Ok(cpns),
        (JenisPegawai::Pppk, Some(_), _, _) => salah("PPPK tidak memiliki TMT CPNS.", "tmt_cpns"),
        (JenisPegawai::Pppk, None, Some(_), _) => salah("PPPK tidak memiliki TMT PNS.", "tmt_pns"),
        (JenisPegawai::Pppk, None, None, None) => {
            salah("PPPK wajib memiliki TMT PPPK.", "tmt_pppk")
        }
        (JenisPegawai::Pppk, None, None, Some(pppk)) => Ok(pppk),
        (JenisPegawai::Pns | JenisPegawai::Cpns, Some(_), _, Some(_)) => {
            salah("TMT PPPK hanya diisi untuk PPPK.", "tmt_pppk")
        }
    }
}

/// Rule 3: the NIP must describe this person (birth date, sex, TMT).
fn cek_nip_cocok(nip: &Nip, d: &DataPegawaiBaru, tmt_awal: Date) -> Result<(), DomainError> {
    if nip.tanggal_lahir() != Some(d.tanggal_lahir) {
        let di_nip = nip.tanggal_lahir().map_or_else(|| "-".to_owned(), tgl);
        return Err(DomainError::invalid(
            "nip_tanggal_lahir_tidak_cocok",
            format!(
                "Tanggal lahir {} tidak cocok dengan NIP, yang menunjukkan {di_nip}.",
                tgl(d.tanggal_lahir)
            ),
        )
        .on_field("tanggal_lahir"));
    }
    if nip.jenis_kelamin() != Some(d.jenis_kelamin) {
        return Err(DomainError::invalid(
            "nip_jenis_kelamin_tidak_cocok",
            format!(
                "Jenis kelamin {} tidak cocok dengan digit ke-15 NIP.",
                d.jenis_kelamin.label()
            ),
        )
        .on_field("jenis_kelamin"));
    }
    match d.jenis_pegawai {
        JenisPegawai::Pns | JenisPegawai::Cpns => {
            if nip.tmt_cpns_bulan() != Some((tmt_awal.year(), tmt_awal.month())) {
                let di_nip = nip
                    .tmt_cpns_bulan()
                    .map_or_else(|| "-".to_owned(), |(t, b)| bulan_tahun(t, b));
                return Err(DomainError::invalid(
                    "nip_tmt_cpns_tidak_cocok",
                    format!(
                        "TMT CPNS {} tidak cocok dengan NIP, yang menunjukkan {di_nip}.",
                        tgl(tmt_awal)
                    ),
                )
                .on_field("tmt_cpns"));
            }
        }
        JenisPegawai::Pppk => {
            if nip.tahun_pengangkatan() != Some(tmt_awal.year()) {
                let di_nip = nip
                    .tahun_pengangkatan()
                    .map_or_else(|| "-".to_owned(), |t| t.to_string());
                return Err(DomainError::invalid(
                    "nip_tahun_pengangkatan_tidak_cocok",
                    format!(
                        "TMT PPPK {} tidak cocok dengan tahun pengangkatan pada NI PPPK ({di_nip}).",
                        tgl(tmt_awal)
                    ),
                )
                .on_field("tmt_pppk"));
            }
        }
    }
    Ok(())
}

impl Pegawai {
    async fn daftarkan(
        &mut self,
        d: DataPegawaiBaru,
        services: &Services,
        sink: &EventSink<Self>,
    ) -> Result<(), DomainError> {
        if let Some(ada) = &self.profil {
            return Err(DomainError::conflict(
                "pegawai_sudah_terdaftar",
                format!("Pegawai dengan NIP {} sudah terdaftar.", ada.nip),
            )
            .on_field("nip"));
        }
        let hari_ini = services.clock.today();

        let nama = teks(&d.nama, PANJANG_NAMA_MAKS, "nama")?;
        let gelar_depan =
            teks_opsional(d.gelar_depan.as_deref(), PANJANG_GELAR_MAKS, "gelar_depan")?;
        let gelar_belakang = teks_opsional(
            d.gelar_belakang.as_deref(),
            PANJANG_GELAR_MAKS,
            "gelar_belakang",
        )?;
        let tempat_lahir = teks(&d.tempat_lahir, PANJANG_TEMPAT_LAHIR_MAKS, "tempat_lahir")?;

        // Rule 3: the layout depends on the jenis pegawai, whatever the caller parsed with.
        let nip = Nip::parse(d.nip.as_str(), d.jenis_pegawai).map_err(|e| e.on_field("nip"))?;
        if d.tanggal_lahir >= hari_ini {
            return Err(DomainError::invalid(
                "tanggal_lahir_tidak_valid",
                format!(
                    "Tanggal lahir {} harus sebelum hari ini.",
                    tgl(d.tanggal_lahir)
                ),
            )
            .on_field("tanggal_lahir"));
        }

        // Rule 6: which TMTs, none in the future.
        let tmt_awal = cek_tmt_status(&d)?;
        for (field, tmt) in [
            ("tmt_cpns", d.tmt_cpns),
            ("tmt_pns", d.tmt_pns),
            ("tmt_pppk", d.tmt_pppk),
            ("tmt_golongan", Some(d.tmt_golongan)),
            ("tmt_jabatan", Some(d.tmt_jabatan)),
        ] {
            if let Some(tmt) = tmt {
                cek_tidak_di_masa_depan(field, tmt, hari_ini)?;
            }
        }

        cek_nip_cocok(&nip, &d, tmt_awal)?;

        if let (Some(cpns), Some(pns)) = (d.tmt_cpns, d.tmt_pns)
            && pns < cpns
        {
            return Err(DomainError::invalid(
                "tmt_tidak_valid",
                format!(
                    "TMT PNS {} tidak boleh sebelum TMT CPNS {}.",
                    tgl(pns),
                    tgl(cpns)
                ),
            )
            .on_field("tmt_pns"));
        }
        cek_tidak_sebelum_awal("tmt_golongan", d.tmt_golongan, tmt_awal)?;
        cek_tidak_sebelum_awal("tmt_jabatan", d.tmt_jabatan, tmt_awal)?;

        cek_golongan_sesuai_jenis(d.jenis_pegawai, d.golongan)?;

        // Rule 2: master data through the port.
        if services.master.satker(&d.satker_id).await?.is_none() {
            return Err(DomainError::invalid(
                "satker_tidak_dikenal",
                format!("Satker {} tidak dikenal.", d.satker_id),
            )
            .on_field("satker_id"));
        }
        let unit = unit_di_satker(services, d.unit_kerja_id, &d.satker_id).await?;
        let jabatan = jabatan_dikenal(services, d.jabatan_id).await?;

        cek_batas_ijazah(
            d.jenis_pegawai,
            jabatan.jenis,
            d.pendidikan_terakhir,
            d.golongan,
            d.tmt_golongan,
        )?;

        let event = PegawaiEvent::PegawaiDidaftarkan {
            nip,
            nama,
            gelar_depan,
            gelar_belakang,
            tempat_lahir,
            tanggal_lahir: d.tanggal_lahir,
            jenis_kelamin: d.jenis_kelamin,
            jenis_pegawai: d.jenis_pegawai,
            golongan: d.golongan,
            pangkat: pangkat(d.golongan),
            tmt_golongan: d.tmt_golongan,
            jabatan_id: jabatan.id,
            jabatan_nama: jabatan.nama,
            jenis_jabatan: jabatan.jenis,
            kelompok_bup: jabatan.kelompok_bup,
            tmt_jabatan: d.tmt_jabatan,
            unit_kerja_id: unit.id,
            unit_kerja_nama: unit.nama,
            satker_id: d.satker_id,
            pendidikan_terakhir: d.pendidikan_terakhir,
            tmt_cpns: d.tmt_cpns,
            tmt_pns: d.tmt_pns,
            tmt_pppk: d.tmt_pppk,
        };
        sink.write(event, self).await;
        Ok(())
    }

    // -----------------------------------------------------------------------
    // Ubah
    // -----------------------------------------------------------------------

    async fn ubah(
        &mut self,
        p: PerubahanPegawai,
        services: &Services,
        sink: &EventSink<Self>,
    ) -> Result<(), DomainError> {
        let lama = self.profil_aktif()?.clone();
        let hari_ini = services.clock.today();
        let tmt_awal = lama.tmt_awal();

        // Data pribadi: the full values after the change.
        let nama = match &p.nama {
            Some(n) => teks(n, PANJANG_NAMA_MAKS, "nama")?,
            None => lama.nama.clone(),
        };
        let gelar_depan = match &p.gelar_depan {
            Some(g) => teks_opsional(g.as_deref(), PANJANG_GELAR_MAKS, "gelar_depan")?,
            None => lama.gelar_depan.clone(),
        };
        let gelar_belakang = match &p.gelar_belakang {
            Some(g) => teks_opsional(g.as_deref(), PANJANG_GELAR_MAKS, "gelar_belakang")?,
            None => lama.gelar_belakang.clone(),
        };
        let tempat_lahir = match &p.tempat_lahir {
            Some(t) => teks(t, PANJANG_TEMPAT_LAHIR_MAKS, "tempat_lahir")?,
            None => lama.tempat_lahir.clone(),
        };
        let pendidikan = p.pendidikan_terakhir.unwrap_or(lama.pendidikan_terakhir);
        let data_pribadi = (nama != lama.nama
            || gelar_depan != lama.gelar_depan
            || gelar_belakang != lama.gelar_belakang
            || tempat_lahir != lama.tempat_lahir
            || pendidikan != lama.pendidikan_terakhir)
            .then_some(PegawaiEvent::DataPribadiPegawaiDiubah {
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                pendidikan_terakhir: pendidikan,
            });

        // Pangkat (rule 4, 6, 7).
        let golongan_baru = match p.golongan {
            Some((g, tmt)) if (g, tmt) != (lama.golongan, lama.tmt_golongan) => {
                cek_golongan_sesuai_jenis(lama.jenis_pegawai, g)?;
                cek_tidak_di_masa_depan("tmt_golongan", tmt, hari_ini)?;
                if tmt <= lama.tmt_golongan {
                    return Err(DomainError::invalid(
                        "tmt_golongan_mundur",
                        format!(
                            "TMT golongan baru ({}) harus setelah TMT golongan sekarang ({}).",
                            tgl(tmt),
                            tgl(lama.tmt_golongan)
                        ),
                    )
                    .on_field("tmt_golongan"));
                }
                Some((g, tmt))
            }
            _ => None,
        };

        // Jabatan (rule 2, 6).
        let jabatan_baru = match p.jabatan {
            Some((id, tmt)) if (id, tmt) != (lama.jabatan_id, lama.tmt_jabatan) => {
                cek_tidak_di_masa_depan("tmt_jabatan", tmt, hari_ini)?;
                if let Some(awal) = tmt_awal {
                    cek_tidak_sebelum_awal("tmt_jabatan", tmt, awal)?;
                }
                Some((jabatan_dikenal(services, id).await?, tmt))
            }
            _ => None,
        };

        // Unit kerja (rule 2, 7): only inside the pegawai's satker; moving satker is mutasi.
        let unit_baru = match p.unit_kerja_id {
            Some(id) if id != lama.unit_kerja_id => {
                Some(unit_di_satker(services, id, &lama.satker_id).await?)
            }
            _ => None,
        };

        // Status (rule 7): a CPNS becomes PNS.
        let tmt_pns_baru = match p.status_pns {
            Some(tmt) if lama.jenis_pegawai == JenisPegawai::Pns && lama.tmt_pns == Some(tmt) => {
                None
            }
            Some(tmt) => {
                if lama.jenis_pegawai != JenisPegawai::Cpns {
                    return Err(DomainError::invalid(
                        "bukan_cpns",
                        format!(
                            "Hanya CPNS yang dapat diangkat menjadi PNS; pegawai ini {}.",
                            lama.jenis_pegawai
                        ),
                    )
                    .on_field("status_pns"));
                }
                cek_tidak_di_masa_depan("status_pns", tmt, hari_ini)?;
                if let Some(cpns) = lama.tmt_cpns
                    && tmt < cpns
                {
                    return Err(DomainError::invalid(
                        "tmt_tidak_valid",
                        format!(
                            "TMT PNS {} tidak boleh sebelum TMT CPNS {}.",
                            tgl(tmt),
                            tgl(cpns)
                        ),
                    )
                    .on_field("status_pns"));
                }
                Some(tmt)
            }
            None => None,
        };

        // Rule 5 again, on the state after the change, when one of its inputs changed.
        if golongan_baru.is_some()
            || jabatan_baru.is_some()
            || pendidikan != lama.pendidikan_terakhir
        {
            let (golongan, tmt_golongan) =
                golongan_baru.unwrap_or((lama.golongan, lama.tmt_golongan));
            let jenis_jabatan = jabatan_baru
                .as_ref()
                .map_or(lama.jenis_jabatan, |(j, _)| j.jenis);
            cek_batas_ijazah(
                lama.jenis_pegawai,
                jenis_jabatan,
                pendidikan,
                golongan,
                tmt_golongan,
            )?;
        }

        // Decided: write, in the order data pribadi, pangkat, jabatan, unit, status.
        let mut events = Vec::new();
        events.extend(data_pribadi);
        if let Some((golongan, tmt_golongan)) = golongan_baru {
            events.push(PegawaiEvent::PangkatPegawaiDicatat {
                golongan,
                pangkat: pangkat(golongan),
                tmt_golongan,
                golongan_sebelumnya: lama.golongan,
            });
        }
        if let Some((jabatan, tmt_jabatan)) = jabatan_baru {
            events.push(PegawaiEvent::JabatanPegawaiDicatat {
                jabatan_id: jabatan.id,
                jabatan_nama: jabatan.nama,
                jenis_jabatan: jabatan.jenis,
                kelompok_bup: jabatan.kelompok_bup,
                tmt_jabatan,
            });
        }
        if let Some(unit) = unit_baru {
            events.push(PegawaiEvent::UnitKerjaPegawaiDipindahkan {
                unit_kerja_id: unit.id,
                unit_kerja_nama: unit.nama,
            });
        }
        if let Some(tmt_pns) = tmt_pns_baru {
            events.push(PegawaiEvent::PegawaiDiangkatPns { tmt_pns });
        }
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Status, SK kenaikan pangkat, mutasi, pensiun
// ---------------------------------------------------------------------------

/// Moves a profile to a unit and/or jabatan (a mutasi).
fn pindah(
    p: &mut ProfilPegawai,
    unit_kerja_id: Option<Uuid>,
    unit_kerja_nama: Option<String>,
    jabatan: Option<JabatanMutasi>,
    tmt: Date,
) {
    if let Some(id) = unit_kerja_id {
        p.unit_kerja_id = id;
        p.unit_kerja_nama = unit_kerja_nama.unwrap_or_default();
    }
    if let Some(j) = jabatan {
        p.jabatan_id = j.jabatan_id;
        p.jabatan_nama = j.jabatan_nama;
        p.jenis_jabatan = j.jenis_jabatan;
        p.kelompok_bup = j.kelompok_bup;
        p.tmt_jabatan = tmt;
    }
}

/// An SK cannot be dated after today.
fn cek_tanggal_sk(tanggal_sk: Date, hari_ini: Date) -> Result<(), DomainError> {
    if tanggal_sk > hari_ini {
        return Err(DomainError::invalid(
            "tanggal_di_masa_depan",
            format!(
                "Tanggal SK {} jatuh setelah hari ini ({}); SK belum terbit.",
                tgl(tanggal_sk),
                tgl(hari_ini)
            ),
        )
        .on_field("tanggal_sk"));
    }
    Ok(())
}

/// Longest SK number, in characters.
pub const PANJANG_NOMOR_SK_MAKS: usize = 100;

impl Pegawai {
    /// The profile of a registered pegawai in active employment.
    fn profil_aktif(&self) -> Result<&ProfilPegawai, DomainError> {
        self.profil_boleh_keluar(false)
    }

    /// Like `profil_aktif`, but a pegawai who is keluar passes when `boleh_keluar`.
    fn profil_boleh_keluar(&self, boleh_keluar: bool) -> Result<&ProfilPegawai, DomainError> {
        let Some(p) = self.profil.as_ref() else {
            return Err(DomainError::not_found(
                "pegawai_tidak_ditemukan",
                "Pegawai tidak ditemukan.",
            ));
        };
        match &self.status {
            StatusPegawai::Aktif => Ok(p),
            StatusPegawai::Keluar { .. } if boleh_keluar => Ok(p),
            StatusPegawai::Pensiun { tmt_pensiun } => Err(DomainError::conflict(
                "pegawai_sudah_pensiun",
                format!(
                    "Pegawai {} sudah pensiun (TMT {}); datanya tidak dapat diubah lagi.",
                    p.nip,
                    tgl(*tmt_pensiun)
                ),
            )),
            StatusPegawai::Keluar { satker_tujuan, tmt } => Err(DomainError::conflict(
                "pegawai_sudah_mutasi_keluar",
                format!(
                    "Pegawai {} sudah mutasi keluar ke {satker_tujuan} (TMT {}); catat mutasi masuk lebih dulu.",
                    p.nip,
                    tgl(*tmt)
                ),
            )),
        }
    }

    /// SK kenaikan pangkat: a PNS rises to `golongan` from `tmt`, a KP period date
    /// after the current TMT golongan. The usul KP already checked eligibility and
    /// BKN decided, so the ijazah ceiling is not checked again here (KP pilihan may
    /// pass it). Recording the same golongan and TMT again changes nothing (`None`),
    /// so a retried process is harmless.
    fn catat_kenaikan_pangkat(
        &self,
        usul_id: Uuid,
        golongan: Golongan,
        tmt: Date,
        nomor_sk: &str,
        tanggal_sk: Date,
        hari_ini: Date,
    ) -> Result<Option<PegawaiEvent>, DomainError> {
        let lama = self.profil_aktif()?;
        if (golongan, tmt) == (lama.golongan, lama.tmt_golongan) {
            return Ok(None);
        }
        let nomor_sk = teks(nomor_sk, PANJANG_NOMOR_SK_MAKS, "nomor_sk")?;
        cek_tanggal_sk(tanggal_sk, hari_ini)?;
        if lama.jenis_pegawai != JenisPegawai::Pns {
            return Err(DomainError::invalid(
                "kp_hanya_untuk_pns",
                format!(
                    "Kenaikan pangkat hanya untuk PNS (PP 99/2000); pegawai ini {}.",
                    lama.jenis_pegawai
                ),
            )
            .on_field("golongan"));
        }
        cek_golongan_sesuai_jenis(lama.jenis_pegawai, golongan)?;
        if golongan <= lama.golongan {
            return Err(DomainError::invalid(
                "golongan_tidak_naik",
                format!(
                    "Golongan baru {golongan} harus di atas golongan sekarang {}.",
                    lama.golongan
                ),
            )
            .on_field("golongan"));
        }
        if tmt <= lama.tmt_golongan {
            return Err(DomainError::invalid(
                "tmt_golongan_mundur",
                format!(
                    "TMT golongan baru ({}) harus setelah TMT golongan sekarang ({}).",
                    tgl(tmt),
                    tgl(lama.tmt_golongan)
                ),
            )
            .on_field("tmt"));
        }
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
        Ok(Some(PegawaiEvent::PangkatNaikBerdasarkanSk {
            usul_id,
            nomor_sk,
            tanggal_sk,
            golongan,
            pangkat: pangkat(golongan),
            tmt_golongan: tmt,
            golongan_sebelumnya: lama.golongan,
        }))
    }

    /// SK mutasi (DOMAIN §5); the rules per kind are in [`DataMutasi`].
    async fn catat_mutasi(
        &self,
        m: DataMutasi,
        services: &Services,
    ) -> Result<PegawaiEvent, DomainError> {
        let lama = self.profil_boleh_keluar(m.jenis == JenisMutasi::Masuk)?;
        let keluar = matches!(self.status, StatusPegawai::Keluar { .. });
        let hari_ini = services.clock.today();
        let nomor_sk = teks(&m.nomor_sk, PANJANG_NOMOR_SK_MAKS, "nomor_sk")?;
        cek_tanggal_sk(m.tanggal_sk, hari_ini)?;
        if let Some(awal) = lama.tmt_awal() {
            cek_tidak_sebelum_awal("tmt", m.tmt, awal)?;
        }
        let sama = m.satker_tujuan == lama.satker_id;
        match m.jenis {
            JenisMutasi::Keluar | JenisMutasi::Masuk if sama && !keluar => {
                return Err(DomainError::invalid(
                    "mutasi_satker_tujuan_sama",
                    format!(
                        "Satker tujuan {} adalah satker pegawai sekarang; gunakan mutasi internal.",
                        m.satker_tujuan
                    ),
                )
                .on_field("satker_tujuan"));
            }
            JenisMutasi::Internal if !sama => {
                return Err(DomainError::invalid(
                    "mutasi_satker_tujuan_berbeda",
                    format!(
                        "Mutasi internal tetap di satker {}; pindah ke {} adalah mutasi keluar atau masuk.",
                        lama.satker_id, m.satker_tujuan
                    ),
                )
                .on_field("satker_tujuan"));
            }
            _ => {}
        }
        let jabatan = match m.jabatan_tujuan {
            Some(id) if !(m.jenis == JenisMutasi::Internal && id == lama.jabatan_id) => {
                let j = jabatan_dikenal(services, id).await?;
                Some(JabatanMutasi {
                    jabatan_id: j.id,
                    jabatan_nama: j.nama,
                    jenis_jabatan: j.jenis,
                    kelompok_bup: j.kelompok_bup,
                })
            }
            _ => None,
        };
        match m.jenis {
            JenisMutasi::Keluar => {
                let satker = services.master.satker(&m.satker_tujuan).await?;
                let unit = match m.unit_tujuan {
                    Some(id) => Some(unit_di_satker(services, id, &m.satker_tujuan).await?),
                    None => None,
                };
                Ok(PegawaiEvent::PegawaiMutasiKeluar {
                    nomor_sk,
                    tanggal_sk: m.tanggal_sk,
                    tmt: m.tmt,
                    satker_asal: lama.satker_id.clone(),
                    unit_kerja_asal_id: lama.unit_kerja_id,
                    satker_tujuan: m.satker_tujuan,
                    satker_tujuan_nama: satker.map(|s| s.nama),
                    unit_kerja_id: unit.as_ref().map(|u| u.id),
                    unit_kerja_nama: unit.map(|u| u.nama),
                    jabatan,
                })
            }
            JenisMutasi::Masuk => {
                let Some(satker) = services.master.satker(&m.satker_tujuan).await? else {
                    return Err(DomainError::invalid(
                        "satker_tidak_dikenal",
                        format!("Satker {} tidak dikenal.", m.satker_tujuan),
                    )
                    .on_field("satker_tujuan"));
                };
                let Some(unit_id) = m.unit_tujuan else {
                    return Err(DomainError::invalid(
                        "wajib_diisi",
                        "Mutasi masuk wajib menyebut unit kerja tujuan.",
                    )
                    .on_field("unit_tujuan"));
                };
                let unit = unit_di_satker(services, unit_id, &m.satker_tujuan).await?;
                Ok(PegawaiEvent::PegawaiMutasiMasuk {
                    nomor_sk,
                    tanggal_sk: m.tanggal_sk,
                    tmt: m.tmt,
                    satker_asal: lama.satker_id.clone(),
                    satker_id: satker.id,
                    satker_nama: satker.nama,
                    unit_kerja_id: unit.id,
                    unit_kerja_nama: unit.nama,
                    jabatan,
                })
            }
            JenisMutasi::Internal => {
                let unit = match m.unit_tujuan {
                    Some(id) if id != lama.unit_kerja_id => {
                        Some(unit_di_satker(services, id, &lama.satker_id).await?)
                    }
                    _ => None,
                };
                if unit.is_none() && jabatan.is_none() {
                    return Err(DomainError::invalid(
                        "mutasi_tanpa_perubahan",
                        "Mutasi internal harus mengubah unit kerja atau jabatan.",
                    )
                    .on_field("unit_tujuan"));
                }
                if let Some(j) = &jabatan {
                    cek_batas_ijazah(
                        lama.jenis_pegawai,
                        j.jenis_jabatan,
                        lama.pendidikan_terakhir,
                        lama.golongan,
                        lama.tmt_golongan,
                    )?;
                }
                Ok(PegawaiEvent::PegawaiMutasiInternal {
                    nomor_sk,
                    tanggal_sk: m.tanggal_sk,
                    tmt: m.tmt,
                    unit_kerja_asal_id: lama.unit_kerja_id,
                    unit_kerja_id: unit.as_ref().map(|u| u.id),
                    unit_kerja_nama: unit.map(|u| u.nama),
                    jabatan,
                })
            }
        }
    }

    /// SK pensiun at BUP (DOMAIN §5): `tmt_pensiun` must be the 1st of the month
    /// after the pegawai reaches the BUP of the jabatan's group (the BUP row in force
    /// on that TMT). Kept strict: other kinds of pension (atas permintaan sendiri,
    /// sakit, janda/duda) are not this command and would be a new one.
    fn catat_pensiun(
        &self,
        nomor_sk: &str,
        tanggal_sk: Date,
        tmt_diminta: Date,
        hari_ini: Date,
    ) -> Result<PegawaiEvent, DomainError> {
        let p = self.profil_aktif()?;
        let nomor_sk = teks(nomor_sk, PANJANG_NOMOR_SK_MAKS, "nomor_sk")?;
        cek_tanggal_sk(tanggal_sk, hari_ini)?;
        let bup = baris_usia_bup(p.kelompok_bup, tmt_diminta);
        let seharusnya = tmt_pensiun(p.tanggal_lahir, bup.usia);
        if seharusnya != Some(tmt_diminta) {
            let harus = seharusnya.map_or_else(|| "-".to_owned(), tgl);
            return Err(DomainError::invalid(
                "tmt_pensiun_tidak_sesuai_bup",
                format!(
                    "TMT pensiun {} tidak sesuai BUP {} tahun ({}): pegawai lahir {} pensiun pada {harus}, tanggal 1 bulan berikutnya setelah mencapai BUP.",
                    tgl(tmt_diminta),
                    bup.usia,
                    bup.sumber,
                    tgl(p.tanggal_lahir)
                ),
            )
            .on_field("tmt_pensiun"));
        }
        Ok(PegawaiEvent::PegawaiPensiun {
            nomor_sk,
            tanggal_sk,
            tmt_pensiun: tmt_diminta,
            usia_bup: bup.usia,
            kelompok_bup: p.kelompok_bup,
            dasar_hukum: bup.sumber.to_owned(),
            satker_id: p.satker_id.clone(),
        })
    }
}

impl Aggregate for Pegawai {
    const TYPE: &'static str = "pegawai";
    type Command = PegawaiCommand;
    type Event = PegawaiEvent;
    type Error = DomainError;
    type Services = Services;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        match command {
            PegawaiCommand::Daftarkan(d) => self.daftarkan(d, services, sink).await,
            PegawaiCommand::Ubah(p) => self.ubah(p, services, sink).await,
            PegawaiCommand::CatatKenaikanPangkat {
                usul_id,
                golongan,
                tmt,
                nomor_sk,
                tanggal_sk,
            } => {
                let event = self.catat_kenaikan_pangkat(
                    usul_id,
                    golongan,
                    tmt,
                    &nomor_sk,
                    tanggal_sk,
                    services.clock.today(),
                )?;
                if let Some(event) = event {
                    sink.write(event, self).await;
                }
                Ok(())
            }
            PegawaiCommand::CatatMutasi(m) => {
                let event = self.catat_mutasi(m, services).await?;
                sink.write(event, self).await;
                Ok(())
            }
            PegawaiCommand::CatatPensiun {
                nomor_sk,
                tanggal_sk,
                tmt_pensiun,
            } => {
                let event =
                    self.catat_pensiun(&nomor_sk, tanggal_sk, tmt_pensiun, services.clock.today())?;
                sink.write(event, self).await;
                Ok(())
            }
        }
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            PegawaiEvent::PegawaiDidaftarkan {
                nip,
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                tanggal_lahir,
                jenis_kelamin,
                jenis_pegawai,
                golongan,
                pangkat: _,
                tmt_golongan,
                jabatan_id,
                jabatan_nama,
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan,
                unit_kerja_id,
                unit_kerja_nama,
                satker_id,
                pendidikan_terakhir,
                tmt_cpns,
                tmt_pns,
                tmt_pppk,
            } => {
                self.profil = Some(ProfilPegawai {
                    nip,
                    nama,
                    gelar_depan,
                    gelar_belakang,
                    tempat_lahir,
                    tanggal_lahir,
                    jenis_kelamin,
                    jenis_pegawai,
                    golongan,
                    tmt_golongan,
                    jabatan_id,
                    jabatan_nama,
                    jenis_jabatan,
                    kelompok_bup,
                    tmt_jabatan,
                    unit_kerja_id,
                    unit_kerja_nama,
                    satker_id,
                    pendidikan_terakhir,
                    tmt_cpns,
                    tmt_pns,
                    tmt_pppk,
                });
            }
            // Events after registration never reach an unregistered aggregate
            // (they are decided against a profile); ignoring them keeps apply total.
            PegawaiEvent::DataPribadiPegawaiDiubah {
                nama,
                gelar_depan,
                gelar_belakang,
                tempat_lahir,
                pendidikan_terakhir,
            } => {
                if let Some(p) = &mut self.profil {
                    p.nama = nama;
                    p.gelar_depan = gelar_depan;
                    p.gelar_belakang = gelar_belakang;
                    p.tempat_lahir = tempat_lahir;
                    p.pendidikan_terakhir = pendidikan_terakhir;
                }
            }
            PegawaiEvent::PangkatPegawaiDicatat {
                golongan,
                tmt_golongan,
                ..
            } => {
                if let Some(p) = &mut self.profil {
                    p.golongan = golongan;
                    p.tmt_golongan = tmt_golongan;
                }
            }
            PegawaiEvent::JabatanPegawaiDicatat {
                jabatan_id,
                jabatan_nama,
                jenis_jabatan,
                kelompok_bup,
                tmt_jabatan,
            } => {
                if let Some(p) = &mut self.profil {
                    p.jabatan_id = jabatan_id;
                    p.jabatan_nama = jabatan_nama;
                    p.jenis_jabatan = jenis_jabatan;
                    p.kelompok_bup = kelompok_bup;
                    p.tmt_jabatan = tmt_jabatan;
                }
            }
            PegawaiEvent::UnitKerjaPegawaiDipindahkan {
                unit_kerja_id,
                unit_kerja_nama,
            } => {
                if let Some(p) = &mut self.profil {
                    p.unit_kerja_id = unit_kerja_id;
                    p.unit_kerja_nama = unit_kerja_nama;
                }
            }
            PegawaiEvent::PegawaiDiangkatPns { tmt_pns } => {
                if let Some(p) = &mut self.profil {
                    p.jenis_pegawai = JenisPegawai::Pns;
                    p.tmt_pns = Some(tmt_pns);
                }
            }
            PegawaiEvent::PangkatNaikBerdasarkanSk {
                golongan,
                tmt_golongan,
                ..
            } => {
                if let Some(p) = &mut self.profil {
                    p.golongan = golongan;
                    p.tmt_golongan = tmt_golongan;
                }
            }
            PegawaiEvent::PegawaiMutasiKeluar {
                tmt,
                satker_tujuan,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                if let Some(p) = &mut self.profil {
                    let tetap_aktif = unit_kerja_id.is_some();
                    p.satker_id = satker_tujuan.clone();
                    pindah(p, unit_kerja_id, unit_kerja_nama, jabatan, tmt);
                    self.status = if tetap_aktif {
                        StatusPegawai::Aktif
                    } else {
                        StatusPegawai::Keluar { satker_tujuan, tmt }
                    };
                }
            }
            PegawaiEvent::PegawaiMutasiMasuk {
                tmt,
                satker_id,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                if let Some(p) = &mut self.profil {
                    p.satker_id = satker_id;
                    pindah(p, Some(unit_kerja_id), Some(unit_kerja_nama), jabatan, tmt);
                    self.status = StatusPegawai::Aktif;
                }
            }
            PegawaiEvent::PegawaiMutasiInternal {
                tmt,
                unit_kerja_id,
                unit_kerja_nama,
                jabatan,
                ..
            } => {
                if let Some(p) = &mut self.profil {
                    pindah(p, unit_kerja_id, unit_kerja_nama, jabatan, tmt);
                }
            }
            PegawaiEvent::PegawaiPensiun { tmt_pensiun, .. } => {
                if self.profil.is_some() {
                    self.status = StatusPegawai::Pensiun { tmt_pensiun };
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
