//! The audit trail over HTTP and on the command line (issue 4, items 3 and 4): the filtered,
//! paged log; the .xlsx export; one resource's history with a field-level diff and its state
//! as of a date folded from the event store; `replay audit`; admin only.
//!
//! Each test loads the demo court through commands (as the system), then changes one pegawai's
//! tempat lahir over HTTP as an admin, so the history has a CREATE by `system` and an UPDATE
//! by a person from an IP address.
//!
//! As-of dates: every event is recorded "now", so a day before today finds the pegawai not yet
//! registered (200 with `version: 0, state: null`, not a 404: the resource exists, it did not
//! yet on that day). One test moves the registration three days back (as the owner, the way a
//! history recorded earlier would look) to see the old value on a day between the two events.

use std::io::Read;
use std::time::Duration;

use reqwest::StatusCode;
use sekretariat_api::replay::audit::{AuditArgs, report};
use sekretariat_projections::audit::queries::{AuditFilter, ExportCursor};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::wait_for_position;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::macros::offset;
use time::{Date, OffsetDateTime};

/// The demo's first pegawai.
const NIP: &str = "197003142000031002";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The demo court with one pegawai's tempat lahir changed by an admin.
struct Scenario {
    app: TestApp,
    admin: String,
    /// Tempat lahir before the change.
    old: String,
}

async fn scenario() -> Scenario {
    let app = TestApp::spawn().await;
    sekretariat_api::demo::load(&app.bus)
        .await
        .expect("demo loads");
    let fixture: Value = serde_json::from_str(sekretariat_api::demo::FIXTURE).unwrap();
    let old = fixture["pegawai"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["nip"] == NIP)
        .and_then(|p| p["tempat_lahir"].as_str())
        .expect("the demo has the pegawai")
        .to_string();
    assert_ne!(old, "Jakarta");
    let admin = app.token(&["admin"], None);
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/pegawai/{NIP}")))
        .bearer_auth(&admin)
        .header("User-Agent", "Peramban-Auditor/2.0")
        .json(&json!({"tempat_lahir": "Jakarta"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let position = json_body(res).await["position"].as_i64().unwrap();
    let reached = wait_for_position(
        &app.db.eventstore,
        app.db.module(Module::Audit),
        "audit",
        position,
        Duration::from_secs(20),
    )
    .await
    .unwrap();
    assert_eq!(reached, Some(true), "the audit projector caught up");
    Scenario { app, admin, old }
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    let status = res.status();
    let body = json_body(res).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// The day (Asia/Jakarta) of an RFC 3339 instant.
fn jakarta_day(at: &Value) -> Date {
    OffsetDateTime::parse(at.as_str().unwrap(), &Rfc3339)
        .unwrap()
        .to_offset(offset!(+7))
        .date()
}

async fn problem(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let res = app.get(path, token).await;
    let status = res.status();
    assert_eq!(
        res.headers()["content-type"],
        "application/problem+json",
        "{path}"
    );
    (status, json_body(res).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_filters_by_user_resource_action_and_time_and_pages_newest_first() {
    let Scenario { app, admin, .. } = scenario().await;

    let all = get_json(&app, "/api/v1/audit?per_page=100", &admin).await;
    let total = all["total"].as_i64().unwrap();
    assert!(total > 20, "the demo's events are audited: {total}");

    // One resource: its registration and the change, newest first.
    let res = get_json(
        &app,
        &format!("/api/v1/audit?resource_type=pegawai&resource_id={NIP}"),
        &admin,
    )
    .await;
    assert_eq!(res["total"], 2);
    let actions: Vec<&str> = res["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["UPDATE", "CREATE"]);

    // Who: only the admin's change is by user-1, from the loopback address.
    let res = get_json(&app, "/api/v1/audit?user_id=user-1", &admin).await;
    assert_eq!(res["total"], 1);
    let row = &res["data"][0];
    assert_eq!(row["user_name"], "Penguji Sistem");
    assert_eq!(row["ip_address"], "127.0.0.1");
    assert_eq!(row["user_agent"], "Peramban-Auditor/2.0");
    assert_eq!(row["resource_id"], NIP);
    assert_eq!(row["new_value"]["tempat_lahir"], "Jakarta");
    let today = jakarta_day(&row["created_at"]);

    // Action (case-insensitive) and resource type together.
    let res = get_json(
        &app,
        "/api/v1/audit?action=create&resource_type=satker",
        &admin,
    )
    .await;
    assert_eq!(res["total"], 1);
    assert_eq!(res["data"][0]["resource_id"], "W13-A99");

    // Time range: days are Jakarta days, `to` inclusive.
    let day = |d: Date| d.to_string();
    let res = get_json(
        &app,
        &format!("/api/v1/audit?from={}&to={}", day(today), day(today)),
        &admin,
    )
    .await;
    assert_eq!(res["total"], total);
    let yesterday = today.previous_day().unwrap();
    let tomorrow = today.next_day().unwrap();
    for q in [
        format!("to={}", day(yesterday)),
        format!("from={}", day(tomorrow)),
    ] {
        let res = get_json(&app, &format!("/api/v1/audit?{q}"), &admin).await;
        assert_eq!(res["total"], 0, "{q}");
    }
    let at = row["created_at"].as_str().unwrap().replace('+', "%2B");
    let res = get_json(&app, &format!("/api/v1/audit?from={at}&to={at}"), &admin).await;
    assert!(
        res["total"].as_i64().unwrap() >= 1,
        "an instant range holds its own row"
    );

    // Pages: every row exactly once, in one stable newest-first order.
    let mut seen = Vec::new();
    for page in 1.. {
        let res = get_json(
            &app,
            &format!("/api/v1/audit?per_page=7&page={page}"),
            &admin,
        )
        .await;
        assert_eq!(res["total"], total);
        let data = res["data"].as_array().unwrap().clone();
        if data.is_empty() {
            break;
        }
        seen.extend(data);
    }
    assert_eq!(seen.len() as i64, total);
    let ids: std::collections::BTreeSet<&str> =
        seen.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len() as i64, total, "no row on two pages");
    let times: Vec<&str> = seen
        .iter()
        .map(|r| r["created_at"].as_str().unwrap())
        .collect();
    let parsed: Vec<OffsetDateTime> = times
        .iter()
        .map(|t| OffsetDateTime::parse(t, &Rfc3339).unwrap())
        .collect();
    assert!(parsed.windows(2).all(|w| w[0] >= w[1]), "newest first");

    // Bad parameters: 400 problem+json in Indonesian, nothing reaches PostgreSQL.
    for (q, code, words) in [
        ("action=HAPUS", "invalid_query", "Pilihan"),
        ("from=2026-13-01", "invalid_query", "bukan tanggal"),
        (
            "from=2026-11-30&to=2026-11-01",
            "invalid_query",
            "from harus sebelum",
        ),
        ("user_id=a%00b", "invalid_query", "karakter kendali"),
        ("resource_type=Pegawai", "invalid_query", "huruf kecil"),
        ("per_page=101", "invalid_per_page", "per_page"),
        ("page=0", "invalid_page", "page"),
        ("halaman=1", "invalid_query", "tidak valid"),
    ] {
        let (status, body) = problem(&app, &format!("/api/v1/audit?{q}"), &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {body}");
        assert_eq!(body["code"], code, "{q}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(words),
            "{q}: {body}"
        );
    }
    // A page far past the end is empty.
    let res = get_json(&app, "/api/v1/audit?page=1000000&per_page=100", &admin).await;
    assert_eq!(res["data"], json!([]));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_history_shows_who_changed_which_field_from_where_and_the_state_on_a_date() {
    let Scenario { app, admin, old } = scenario().await;
    let path = format!("/api/v1/audit/history/pegawai/{NIP}");

    let h = get_json(&app, &path, &admin).await;
    assert_eq!(
        (&h["resource_type"], &h["id"]),
        (&json!("pegawai"), &json!(NIP))
    );
    assert_eq!(h["state_as_of"], Value::Null, "no date asked for");
    let entries = h["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let (created, changed) = (&entries[0], &entries[1]);
    assert_eq!(created["action"], "CREATE");
    assert_eq!(created["user_id"], "system");
    assert_eq!(created["command"], "demo.load");
    assert_eq!(created["version"], 1);
    assert!(
        created["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "tempat_lahir"
                && c["old"].is_null()
                && c["new"] == old.as_str()),
        "a creation sets every field: {created}"
    );
    assert_eq!(changed["action"], "UPDATE");
    assert_eq!(changed["command"], "pegawai.ubah");
    assert_eq!(changed["event_type"], "DataPribadiPegawaiDiubah");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["user_id"], "user-1");
    assert_eq!(changed["user_name"], "Penguji Sistem");
    assert_eq!(changed["ip_address"], "127.0.0.1");
    assert_eq!(
        changed["changes"],
        json!([{"field": "tempat_lahir", "old": old, "new": "Jakarta"}]),
        "only the field that changed, never event_type"
    );

    // As of today: the current state, from the event store.
    let today = jakarta_day(&changed["at"]);
    let h = get_json(&app, &format!("{path}?as_of={today}"), &admin).await;
    let s = &h["state_as_of"];
    assert_eq!(s["date"], today.to_string());
    assert_eq!(s["version"], 2);
    assert_eq!(s["state"]["tempat_lahir"], "Jakarta");
    assert_eq!(s["state"]["nip"], NIP);
    assert_eq!(s["last_event_at"], changed["at"]);

    // As of yesterday: not registered yet.
    let yesterday = today.previous_day().unwrap();
    let h = get_json(&app, &format!("{path}?as_of={yesterday}"), &admin).await;
    assert_eq!(
        h["state_as_of"],
        json!({"date": yesterday.to_string(), "version": 0, "last_event_at": null, "state": null})
    );
    assert_eq!(
        h["entries"].as_array().unwrap().len(),
        2,
        "the history is whole"
    );

    // A registration recorded three days ago: two days ago it had the old value.
    sqlx::query(
        "update events set recorded_at = recorded_at - interval '3 days'
          where aggregate_type = 'pegawai' and aggregate_id = $1 and sequence = 1",
    )
    .bind(NIP)
    .execute(&app.db.eventstore_owner)
    .await
    .unwrap();
    let before_change = today - time::Duration::days(2);
    let h = get_json(&app, &format!("{path}?as_of={before_change}"), &admin).await;
    assert_eq!(h["state_as_of"]["version"], 1);
    assert_eq!(h["state_as_of"]["state"]["tempat_lahir"], old.as_str());
    let h = get_json(&app, &format!("{path}?as_of={today}"), &admin).await;
    assert_eq!(h["state_as_of"]["state"]["tempat_lahir"], "Jakarta");

    // Unknown resources and malformed requests.
    let (status, body) = problem(
        &app,
        "/api/v1/audit/history/pegawai/199901012020121001",
        &admin,
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("resource_not_found"))
    );
    let (status, body) = problem(&app, &format!("{path}?as_of=29-11-2026"), &admin).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("TTTT-BB-HH"));
    let (status, body) = problem(&app, "/api/v1/audit/history/Pegawai/1", &admin).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_path"))
    );
    let (status, _) = problem(&app, "/api/v1/audit/history/pegawai/1%00", &admin).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_may_read_the_audit_trail() {
    let app = TestApp::spawn().await;
    let paths = [
        "/api/v1/audit".to_string(),
        "/api/v1/audit/export.xlsx".to_string(),
        format!("/api/v1/audit/history/pegawai/{NIP}"),
    ];
    for role in [
        "sekretaris",
        "kasubag_kepegawaian",
        "kasubag_keuangan",
        "staf",
    ] {
        let token = app.token(&[role], Some("W13-A99"));
        for path in &paths {
            let (status, body) = problem(&app, path, &token).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert_eq!(body["code"], "forbidden_role", "{role} {path}");
        }
    }
    let res = app
        .client
        .get(app.url("/api/v1/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// The entries of an .xlsx (zip) body.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = std::collections::BTreeMap::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut text = String::new();
        if f.read_to_string(&mut text).is_ok() {
            out.insert(name, text);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_export_is_an_xlsx_workbook_holding_the_filtered_rows() {
    let Scenario { app, admin, old } = scenario().await;
    let listed = get_json(
        &app,
        "/api/v1/audit?resource_type=pegawai&per_page=1",
        &admin,
    )
    .await;
    let rows = listed["total"].as_i64().unwrap();

    let res = app
        .get("/api/v1/audit/export.xlsx?resource_type=pegawai", &admin)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], XLSX);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"audit-")
            && disposition.ends_with(".xlsx\""),
        "{disposition}"
    );
    let length: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = res.bytes().await.unwrap();
    assert_eq!(bytes.len(), length);
    assert!(bytes.starts_with(b"PK"), "a zip file");
    let parts = unzip(&bytes);
    let sheet = &parts["xl/worksheets/sheet1.xml"];
    assert!(sheet.contains(NIP), "the pegawai's rows are in the sheet");
    assert!(sheet.contains("Jakarta") && sheet.contains(old.as_str()));
    assert!(sheet.contains("Waktu (WIB)"), "the header row");
    assert_eq!(
        sheet.matches("<row ").count() as i64,
        rows + 1,
        "a header and one row per audit row of the filter"
    );
    assert!(!sheet.contains(">W13-A99<"), "a satker row is filtered out");
    assert!(
        sheet.contains("state=\"frozen\""),
        "the header row is frozen"
    );
    assert!(
        sheet.contains("paperSize=\"9\"") && sheet.contains("orientation=\"landscape\""),
        "A4 landscape"
    );
    assert!(parts["xl/workbook.xml"].contains("name=\"Audit\""));

    // A filter nothing matches still gives a workbook: just the header.
    let res = app
        .get("/api/v1/audit/export.xlsx?user_id=tidak-ada", &admin)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let parts = unzip(&res.bytes().await.unwrap());
    assert_eq!(
        parts["xl/worksheets/sheet1.xml"].matches("<row ").count(),
        1
    );

    // The cursor behind the export, in batches of 7: every row once, oldest first.
    let mut tx = app.db.module(Module::Audit).begin().await.unwrap();
    let filter = AuditFilter {
        resource_type: Some("pegawai".into()),
        ..AuditFilter::default()
    };
    let mut cursor = ExportCursor::open(&mut tx, &filter, 7).await.unwrap();
    let mut exported = Vec::new();
    loop {
        let batch = cursor.next_batch(&mut tx).await.unwrap();
        assert!(batch.len() <= 7);
        if batch.is_empty() {
            break;
        }
        exported.extend(batch);
    }
    tx.rollback().await.unwrap();
    assert_eq!(exported.len() as i64, rows);
    let ids: std::collections::BTreeSet<_> = exported.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), exported.len(), "no row twice");
    assert!(
        exported
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "oldest first"
    );

    let (status, body) = problem(&app, "/api/v1/audit/export.xlsx?action=x", &admin).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_audit_prints_each_change_as_old_to_new_with_who_and_from_where() {
    let Scenario { app, admin, old } = scenario().await;
    let history = get_json(
        &app,
        &format!("/api/v1/audit/history/pegawai/{NIP}"),
        &admin,
    )
    .await;
    let today = jakarta_day(&history["entries"][1]["at"]);
    let args = |json: bool| AuditArgs {
        resource_type: "pegawai".into(),
        id: NIP.into(),
        as_of: Some(today.to_string()),
        json,
    };
    let audit = app.db.module(Module::Audit);

    let text = report(&app.db.eventstore, audit, &args(false))
        .await
        .unwrap();
    println!("{text}");
    assert!(
        text.starts_with(&format!("Riwayat pegawai {NIP} (2 catatan)")),
        "{text}"
    );
    assert!(text.contains("UPDATE  pegawai.ubah  (versi 2)"), "{text}");
    assert!(
        text.contains("oleh Penguji Sistem (user-1), dari 127.0.0.1"),
        "{text}"
    );
    assert!(
        text.contains(&format!("  tempat_lahir: \"{old}\" → \"Jakarta\"")),
        "{text}"
    );
    assert!(text.contains("CREATE  demo.load  (versi 1)"), "{text}");
    assert!(
        text.contains(&format!("Keadaan pada akhir {today} (versi 2")),
        "{text}"
    );
    assert!(text.contains("  tempat_lahir: \"Jakarta\""), "{text}");

    // --json is what the endpoint answers.
    let printed: Value = serde_json::from_str(
        &report(&app.db.eventstore, audit, &args(true))
            .await
            .unwrap(),
    )
    .unwrap();
    let served = get_json(
        &app,
        &format!("/api/v1/audit/history/pegawai/{NIP}?as_of={today}"),
        &admin,
    )
    .await;
    assert_eq!(printed, served);

    let unknown = AuditArgs {
        id: "199901012020121001".into(),
        ..args(false)
    };
    let err = report(&app.db.eventstore, audit, &unknown)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Tidak ada riwayat"), "{err}");
    app.stop().await;
}
