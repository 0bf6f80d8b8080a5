//! Read-model migrations and projectors against the domain.

use sekretariat_domain::values::Golongan;
use sekretariat_projections::kepegawaian::golongan_urutan;
use sekretariat_projections::master::{GolonganView, queries};
use sekretariat_projections::migrate::Module;
use sekretariat_tests::db::TestDatabases;

/// The golongan reference seeded in db_master is PP 99/2000's table as the domain has it
/// (DOMAIN §2): same codes, pangkat names, SIASN ids and ranks.
#[tokio::test]
async fn golongan_reference_in_db_master_matches_the_domain_table() {
    let db = TestDatabases::new().await;
    let rows = queries::list_golongan(&mut db.module(Module::Master).acquire().await.unwrap())
        .await
        .unwrap();
    let mut expected = Vec::new();
    for g in Golongan::semua_ruang() {
        expected.push(GolonganView {
            kode: g.to_string(),
            jenis: "pns".into(),
            urutan: golongan_urutan(&g),
            pangkat: g.pangkat().map(str::to_string),
            siasn_id: g.siasn_id().map(i32::from),
        });
    }
    for g in Golongan::semua_pppk() {
        expected.push(GolonganView {
            kode: g.to_string(),
            jenis: "pppk".into(),
            urutan: golongan_urutan(&g),
            pangkat: None,
            siasn_id: None,
        });
    }
    assert_eq!(rows, expected);
    db.drop_schemas().await;
}
