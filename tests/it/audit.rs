//! The audit projector (issue 4): every event becomes an audit_logs row with who, from where,
//! what action, and the field-level before/after.

use std::time::Duration;

use reqwest::StatusCode;
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::wait_for_position;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};

/// action, resource type, resource id, old value, new value, user, ip, user agent
type AuditRow = (
    String,
    String,
    String,
    Option<Value>,
    Value,
    Option<String>,
    Option<String>,
    Option<String>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_is_audited_with_who_what_and_the_field_level_change() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let res = app
        .client
        .post(app.url("/api/v1/master/satker"))
        .bearer_auth(&admin)
        .header("User-Agent", "Peramban-Uji/1.0")
        .json(&json!({"kode": "W13-A99", "nama": "PA Sukamaju"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = app
        .patch(
            "/api/v1/master/satker/W13-A99",
            &admin,
            &json!({"nama": "PA Sukamaju Kelas IB"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let position = json_body(res).await["position"].as_i64().unwrap();

    let audit = app.db.module(Module::Audit);
    let reached = wait_for_position(
        &app.db.eventstore,
        audit,
        "audit",
        position,
        Duration::from_secs(10),
    )
    .await
    .unwrap();
    assert_eq!(reached, Some(true));
    let rows: Vec<AuditRow> =
        sqlx::query_as(
            "select action, resource_type, resource_id, old_value, new_value, user_id, host(ip_address), user_agent
               from audit_logs order by created_at, id",
        )
        .fetch_all(audit)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let (action, rtype, rid, old, new, user, ip, agent) = &rows[0];
    assert_eq!(
        (action.as_str(), rtype.as_str(), rid.as_str()),
        ("CREATE", "satker", "W13-A99")
    );
    assert!(old.is_none());
    assert_eq!(new["nama"], "PA Sukamaju");
    assert_eq!(user.as_deref(), Some("user-1"));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(agent.as_deref(), Some("Peramban-Uji/1.0"));
    let (action, _, _, old, new, _, _, _) = &rows[1];
    assert_eq!(action, "UPDATE");
    assert_eq!(
        old.as_ref().unwrap()["nama"],
        "PA Sukamaju",
        "the value before the change"
    );
    assert_eq!(new["nama"], "PA Sukamaju Kelas IB");
    assert_eq!(new["event_type"], "NamaSatkerDiubah");
    app.stop().await;
}
