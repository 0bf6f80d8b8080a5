//! The DUK (Daftar Urut Kepangkatan, PP 15/1979; DOMAIN §5): the PNS and CPNS of one satker in
//! rank order, read from `db_kepegawaian.pegawai` under the caller's row-level-security scope.
//!
//! **Order** (one `order by`, so the database sorts and the export streams):
//! 1. *Pangkat*: higher golongan first (`golongan_urutan` desc); within one golongan the
//!    earlier TMT golongan first.
//! 2. *Jabatan*: by [`tingkat_jabatan`] (struktural, then fungsional, then pelaksana; the
//!    read model has the jenis jabatan, not the eselon or jenjang, so this is the rank it can
//!    give); within one rank the earlier TMT jabatan first.
//! 3. *Masa kerja*: the longer first, i.e. the earlier TMT CPNS (TMT PNS when no TMT CPNS is
//!    recorded). Counted from that TMT only: masa kerja credited from earlier service
//!    (peninjauan masa kerja) is not in the read model.
//! 4. *Latihan jabatan* (diklat kepemimpinan/fungsional): **not recorded in our read model**,
//!    so it cannot order anyone; the criterion is skipped, and the .xlsx says so in its column.
//!    No data is invented for it.
//! 5. *Pendidikan*: the higher ijazah first, by [`tingkat_pendidikan`] (D-IV counts as S-1,
//!    SLTP Kejuruan as SLTP).
//! 6. *Usia*: the older first (earlier tanggal lahir).
//! 7. Tie-break: NIP ascending, so the order is total and the same on every call (a page
//!    boundary never moves a person).
//!
//! **Who**: the PNS and CPNS in active employment (`status` aktif) who belong to the satker
//! today (an SK mutasi or pensiun holds from its TMT, as everywhere in the read side). Only
//! PNS and CPNS, because PPPK are not in the DUK: they have golongan PPPK (I–XVII) but no
//! pangkat, and the DUK ranks by pangkat. Someone whose TMT CPNS (or TMT PNS) falls after the
//! reference date was not yet a pegawai that year and is left out.
//!
//! **Year**: a DUK is compiled yearly; masa kerja and usia are computed as of 31 December of
//! the DUK's year. The ranking uses the pegawai's current pangkat and jabatan (the read model
//! holds the present, not a past year's state).
//!
//! [`stream`] yields the rows one by one from the database (sqlx `fetch`), so an export of a
//! million rows never holds them in memory; [`page`] serves the JSON list.

use std::sync::LazyLock;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use sekretariat_domain::master::jabatan::JenisJabatan;
use sekretariat_domain::values::Pendidikan;
use serde::Serialize;
use sqlx::{FromRow, PgConnection};
use time::{Date, Month};
use utoipa::ToSchema;

use crate::kepegawaian::{Page, SATKER_KINI, STATUS_KINI};

/// Which DUK: one satker, as of one date (31 December of the DUK's year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DukParams {
    /// Kode satker.
    pub satker_id: String,
    /// Masa kerja and usia are counted to this day.
    pub per_tanggal: Date,
}

impl DukParams {
    /// The DUK of `satker_id` for `tahun` (as of 31 December of that year); `None` for a year
    /// no calendar date has.
    pub fn tahun(satker_id: impl Into<String>, tahun: i32) -> Option<Self> {
        Some(Self {
            satker_id: satker_id.into(),
            per_tanggal: akhir_tahun(tahun)?,
        })
    }
}

/// 31 December of `tahun`.
pub fn akhir_tahun(tahun: i32) -> Option<Date> {
    Date::from_calendar_date(tahun, Month::December, 31).ok()
}

/// The DUK's jabatan rank, best first: struktural (leads a unit), then fungsional (jabatan
/// fungsional tertentu: hakim, panitera pengganti, pranata komputer...), then pelaksana.
pub const URUTAN_JABATAN: [JenisJabatan; 3] = [
    JenisJabatan::Struktural,
    JenisJabatan::Fungsional,
    JenisJabatan::Pelaksana,
];

/// Rank of a jenis jabatan in the DUK: 1 is first. See [`URUTAN_JABATAN`].
pub fn tingkat_jabatan(j: JenisJabatan) -> i32 {
    URUTAN_JABATAN
        .iter()
        .position(|x| *x == j)
        .map_or(99, |i| i as i32 + 1)
}

/// Level of an ijazah in the DUK, higher is better: SD 1, SLTP and SLTP Kejuruan 2, SLTA 3,
/// D-I 4, D-II 5, D-III 6, S-1 and D-IV 7 (the same level: both are sarjana terapan/sarjana,
/// with the same ijazah ceiling), S-2 8, S-3 9.
pub fn tingkat_pendidikan(p: Pendidikan) -> i32 {
    match p {
        Pendidikan::Sd => 1,
        Pendidikan::Sltp | Pendidikan::SltpKejuruan => 2,
        Pendidikan::Slta => 3,
        Pendidikan::D1 => 4,
        Pendidikan::D2 => 5,
        Pendidikan::D3 => 6,
        Pendidikan::S1 | Pendidikan::D4 => 7,
        Pendidikan::S2 => 8,
        Pendidikan::S3 => 9,
    }
}

/// One line of the DUK.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq, ToSchema)]
#[schema(
    description = "Satu baris DUK (PP 15/1979) / one line of the DUK. Latihan jabatan tidak tercatat di sistem ini / latihan jabatan is not recorded here."
)]
pub struct DukEntry {
    /// Nomor urut in the DUK, from 1.
    #[sqlx(skip)]
    #[schema(example = 16)]
    pub nomor: i64,
    #[schema(example = "199805142022032003")]
    pub nip: String,
    #[schema(example = "Putri Maharani")]
    pub nama: String,
    #[schema(example = json!(null))]
    pub gelar_depan: Option<String>,
    #[schema(example = "S.H.")]
    pub gelar_belakang: Option<String>,
    /// `PNS` or `CPNS`.
    #[schema(example = "PNS")]
    pub jenis_pegawai: String,
    #[schema(example = "III/a")]
    pub golongan: String,
    #[schema(example = "Penata Muda")]
    pub pangkat: Option<String>,
    #[schema(example = "2022-03-01")]
    pub tmt_golongan: Date,
    #[schema(example = "Analis Perkara Peradilan")]
    pub jabatan_nama: String,
    /// `struktural`, `fungsional` or `pelaksana`.
    #[schema(example = "pelaksana")]
    pub jenis_jabatan: String,
    #[schema(example = "2023-03-01")]
    pub tmt_jabatan: Date,
    /// The TMT masa kerja is counted from (TMT CPNS, else TMT PNS).
    #[schema(example = "2022-03-01")]
    pub tmt_masa_kerja: Option<Date>,
    /// Whole years of masa kerja at 31 December of the DUK's year.
    #[schema(example = 4)]
    pub masa_kerja_tahun: Option<i32>,
    /// Months beyond `masa_kerja_tahun` (0–11).
    #[schema(example = 9)]
    pub masa_kerja_bulan: Option<i32>,
    /// Code of the highest ijazah (`S1`, `D3`, ...).
    #[schema(example = "S1")]
    pub pendidikan_terakhir: String,
    #[schema(example = "Bekasi")]
    pub tempat_lahir: String,
    #[schema(example = "1998-05-14")]
    pub tanggal_lahir: Date,
    /// Age in whole years at 31 December of the DUK's year.
    #[schema(example = 28)]
    pub usia_tahun: i32,
    #[schema(example = "Kepaniteraan Gugatan")]
    pub unit_kerja_nama: String,
}

impl DukEntry {
    /// The name as written on the form: gelar depan, nama, gelar belakang.
    pub fn nama_lengkap(&self) -> String {
        let mut s = String::with_capacity(self.nama.len() + 24);
        if let Some(g) = self.gelar_depan.as_deref().filter(|g| !g.trim().is_empty()) {
            s.push_str(g.trim());
            s.push(' ');
        }
        s.push_str(&self.nama);
        if let Some(g) = self
            .gelar_belakang
            .as_deref()
            .filter(|g| !g.trim().is_empty())
        {
            s.push_str(", ");
            s.push_str(g.trim());
        }
        s
    }
}

/// The rows of the DUK: who is in it (`$1` satker, `$2` reference date). Satker and status
/// are those of today (the read transaction's `app.today`): a pegawai moved out by an SK
/// mutasi leaves the old satker's DUK from the TMT on, a retired one leaves it at the TMT
/// pensiun.
///
/// `SATKER_KINI` and `STATUS_KINI` take `app_today()` once per query (a scalar subquery, which
/// PostgreSQL runs once as an InitPlan) instead of once per row: the same day, and on a million
/// rows about a second less (the function reads and parses a setting on every call).
static WHERE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "where {} = $1
           and {} = 'aktif'
           and jenis_pegawai in ('PNS', 'CPNS')
           and (coalesce(tmt_cpns, tmt_pns) is null or coalesce(tmt_cpns, tmt_pns) <= $2::date)",
        SATKER_KINI, STATUS_KINI
    )
});

/// `case` of a text column over (code, rank) pairs; codes are the domain's fixed constants.
fn case_sql(
    column: &str,
    ranks: impl IntoIterator<Item = (&'static str, i32)>,
    other: i32,
) -> String {
    let mut s = format!("case {column}");
    for (code, rank) in ranks {
        s.push_str(&format!(" when '{code}' then {rank}"));
    }
    s.push_str(&format!(" else {other} end"));
    s
}

/// The DUK order (see the module comment), as SQL.
pub static ORDER_BY: LazyLock<String> = LazyLock::new(|| {
    let jabatan = case_sql(
        "jenis_jabatan",
        URUTAN_JABATAN.map(|j| (j.kode(), tingkat_jabatan(j))),
        99,
    );
    let pendidikan = case_sql(
        "pendidikan_terakhir",
        Pendidikan::SEMUA.map(|p| (p.kode(), tingkat_pendidikan(p))),
        0,
    );
    format!(
        "order by golongan_urutan desc, tmt_golongan asc,
                  {jabatan} asc, tmt_jabatan asc,
                  coalesce(tmt_cpns, tmt_pns) asc nulls last,
                  {pendidikan} desc,
                  tanggal_lahir asc,
                  nip asc"
    )
});

static SELECT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select nip, nama, gelar_depan, gelar_belakang, jenis_pegawai, golongan, pangkat,
                tmt_golongan, jabatan_nama, jenis_jabatan, tmt_jabatan,
                coalesce(tmt_cpns, tmt_pns) as tmt_masa_kerja,
                extract(year from age($2::date, coalesce(tmt_cpns, tmt_pns)))::int as masa_kerja_tahun,
                extract(month from age($2::date, coalesce(tmt_cpns, tmt_pns)))::int as masa_kerja_bulan,
                pendidikan_terakhir, tempat_lahir, tanggal_lahir,
                extract(year from age($2::date, tanggal_lahir))::int as usia_tahun,
                unit_kerja_nama
           from pegawai
          {}
          {}",
        *WHERE, *ORDER_BY
    )
});

static PAGE: LazyLock<String> = LazyLock::new(|| format!("{} limit $3 offset $4", *SELECT));

static COUNT: LazyLock<String> =
    LazyLock::new(|| format!("select count(*) from pegawai {}", *WHERE));

/// Every line of the DUK in order, streamed from the database one row at a time (nothing is
/// collected), numbered from 1. Run it on a scoped read connection: row-level security then
/// hides the rows of satkers the caller may not see, whatever `satker_id` says.
pub fn stream<'c>(
    conn: &'c mut PgConnection,
    params: &DukParams,
) -> BoxStream<'c, Result<DukEntry, sqlx::Error>> {
    sqlx::query_as::<_, DukEntry>(SELECT.as_str())
        .bind(params.satker_id.clone())
        .bind(params.per_tanggal)
        .fetch(conn)
        .zip(futures::stream::iter(1_i64..))
        .map(|(row, nomor)| row.map(|e| DukEntry { nomor, ..e }))
        .boxed()
}

/// One page of the DUK (`page` from 1), numbered by the line's place in the whole DUK.
///
/// # Errors
/// Database errors.
pub async fn page(
    conn: &mut PgConnection,
    params: &DukParams,
    page: i64,
    per_page: i64,
) -> Result<Page<DukEntry>, sqlx::Error> {
    let total: i64 = sqlx::query_scalar(COUNT.as_str())
        .bind(&params.satker_id)
        .bind(params.per_tanggal)
        .fetch_one(&mut *conn)
        .await?;
    let offset = (page - 1) * per_page;
    let data = sqlx::query_as::<_, DukEntry>(PAGE.as_str())
        .bind(&params.satker_id)
        .bind(params.per_tanggal)
        .bind(per_page)
        .bind(offset)
        .fetch(&mut *conn)
        .zip(futures::stream::iter(offset + 1..))
        .map(|(row, nomor)| row.map(|e| DukEntry { nomor, ..e }))
        .try_collect()
        .await?;
    Ok(Page {
        data,
        page,
        per_page,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duk_ranks_struktural_before_fungsional_before_pelaksana() {
        assert!(
            tingkat_jabatan(JenisJabatan::Struktural) < tingkat_jabatan(JenisJabatan::Fungsional)
        );
        assert!(
            tingkat_jabatan(JenisJabatan::Fungsional) < tingkat_jabatan(JenisJabatan::Pelaksana)
        );
    }

    #[test]
    fn duk_ranks_every_ijazah_and_counts_d4_as_s1() {
        let levels: Vec<i32> = Pendidikan::SEMUA
            .iter()
            .map(|p| tingkat_pendidikan(*p))
            .collect();
        assert!(levels.windows(2).all(|w| w[0] <= w[1]), "{levels:?}");
        assert_eq!(
            tingkat_pendidikan(Pendidikan::D4),
            tingkat_pendidikan(Pendidikan::S1)
        );
        assert!(tingkat_pendidikan(Pendidikan::S3) > tingkat_pendidikan(Pendidikan::S2));
        assert!(tingkat_pendidikan(Pendidikan::D3) > tingkat_pendidikan(Pendidikan::Slta));
    }

    #[test]
    fn the_duk_order_names_every_criterion_and_ends_on_the_nip() {
        let o = ORDER_BY.as_str();
        let at = |s: &str| o.find(s).unwrap_or_else(|| panic!("{s} in {o}"));
        assert!(at("golongan_urutan desc") < at("tmt_golongan asc"));
        assert!(at("tmt_golongan asc") < at("when 'struktural' then 1"));
        assert!(at("tmt_jabatan asc") < at("coalesce(tmt_cpns, tmt_pns) asc"));
        assert!(at("coalesce(tmt_cpns, tmt_pns) asc") < at("when 'S3' then 9"));
        assert!(at("tanggal_lahir asc") < at("nip asc"));
        assert!(o.trim_end().ends_with("nip asc"));
    }

    #[test]
    fn the_duk_dates_satker_and_status_by_today_taken_once_per_query() {
        assert!(WHERE.contains("(select app_today())"), "{}", *WHERE);
        assert!(
            !WHERE
                .replace("(select app_today())", "")
                .contains("app_today()")
        );
        assert!(WHERE.contains("'aktif'") && WHERE.contains("'PNS', 'CPNS'"));
    }

    #[test]
    fn the_duk_year_ends_on_31_december() {
        assert_eq!(akhir_tahun(2026), Some(time::macros::date!(2026 - 12 - 31)));
        let p = DukParams::tahun("W13-A99", 2025).unwrap();
        assert_eq!(p.per_tanggal, time::macros::date!(2025 - 12 - 31));
    }

    #[test]
    fn the_name_on_the_form_carries_both_gelar() {
        let e = DukEntry {
            nomor: 1,
            nip: "197003142000031002".into(),
            nama: "Ahmad Fauzi".into(),
            gelar_depan: Some("Dr. H.".into()),
            gelar_belakang: Some("S.H.I., M.H.".into()),
            jenis_pegawai: "PNS".into(),
            golongan: "IV/c".into(),
            pangkat: Some("Pembina Utama Muda".into()),
            tmt_golongan: time::macros::date!(2018 - 10 - 01),
            jabatan_nama: "Ketua".into(),
            jenis_jabatan: "fungsional".into(),
            tmt_jabatan: time::macros::date!(2024 - 07 - 01),
            tmt_masa_kerja: None,
            masa_kerja_tahun: None,
            masa_kerja_bulan: None,
            pendidikan_terakhir: "S3".into(),
            tempat_lahir: "Bandung".into(),
            tanggal_lahir: time::macros::date!(1970 - 03 - 14),
            usia_tahun: 56,
            unit_kerja_nama: "Pimpinan".into(),
        };
        assert_eq!(e.nama_lengkap(), "Dr. H. Ahmad Fauzi, S.H.I., M.H.");
        let bare = DukEntry {
            gelar_depan: None,
            gelar_belakang: Some(" ".into()),
            ..e
        };
        assert_eq!(bare.nama_lengkap(), "Ahmad Fauzi");
    }
}
