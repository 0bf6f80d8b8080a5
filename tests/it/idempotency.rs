//! Issue 3: Idempotency-Key on command routes, and the request metadata every event carries.

use reqwest::StatusCode;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};

async fn events(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from events")
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap()
}

async fn post_keyed(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_key_and_body_returns_the_first_answer_and_appends_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let body = json!({"kode": "W13-A99", "nama": "PA Sukamaju"});
    let first = post_keyed(&app, "/api/v1/master/satker", &admin, "key-satker-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json_body(first).await;
    let n = events(&app).await;

    let again = post_keyed(&app, "/api/v1/master/satker", &admin, "key-satker-1", &body).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "the same answer, not 409"
    );
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert_eq!(json_body(again).await, first);
    assert_eq!(events(&app).await, n, "nothing appended by the retry");

    // Without the key, the same body is a new request and meets the rule.
    let res = app.post("/api/v1/master/satker", &admin, &body).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // The same key with another body is refused.
    let other = json!({"kode": "W13-A98", "nama": "PA Lain"});
    let res = post_keyed(
        &app,
        "/api/v1/master/satker",
        &admin,
        "key-satker-1",
        &other,
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json_body(res).await["code"], "idempotency_key_reused");
    assert_eq!(events(&app).await, n);

    // Keys belong to their user: another user's identical key is a different request.
    let other_admin = sekretariat_tests::app::sign(&{
        let mut c = sekretariat_tests::app::claims(&["admin"], None);
        c["sub"] = json!("user-2");
        c
    });
    let res = post_keyed(
        &app,
        "/api/v1/master/satker",
        &other_admin,
        "key-satker-1",
        &other,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let res = post_keyed(
        &app,
        "/api/v1/master/satker",
        &admin,
        "kunci dengan spasi",
        &other,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json_body(res).await["code"], "invalid_idempotency_key");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_with_one_key_have_one_effect() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    assert_eq!(
        app.post(
            "/api/v1/master/satker",
            &admin,
            &json!({"kode": "W13-A99", "nama": "PA Sukamaju"})
        )
        .await
        .status(),
        StatusCode::CREATED
    );
    // A creation whose id the server makes up: the key must keep retries on one stream.
    let body = json!({"satker_id": "W13-A99", "nama": "Subbagian Umum dan Keuangan"});
    let before = events(&app).await;
    let requests = (0..8).map(|_| {
        post_keyed(
            &app,
            "/api/v1/master/unit-kerja",
            &admin,
            "unit-umum-1",
            &body,
        )
    });
    let responses = futures::future::join_all(requests).await;
    let mut ids = Vec::new();
    for r in responses {
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(json_body(r).await["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every request answers the same unit: {ids:?}");
    assert_eq!(events(&app).await, before + 1, "one unit kerja formed");

    // A change: concurrent PATCHes with one key rename once.
    let id = &ids[0];
    let rename = json!({"nama": "Subbagian Umum"});
    let requests = (0..6).map(|_| {
        app.client
            .patch(app.url(&format!("/api/v1/master/unit-kerja/{id}")))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "rename-1")
            .json(&rename)
            .send()
    });
    for r in futures::future::join_all(requests).await {
        assert_eq!(r.unwrap().status(), StatusCode::OK);
    }
    assert_eq!(events(&app).await, before + 2);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_carry_who_from_where_and_the_request_ids() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    // The test client is on loopback, which is a trusted proxy by default: its
    // X-Forwarded-For is believed (right-most untrusted address).
    let res = app
        .client
        .post(app.url("/api/v1/master/satker"))
        .bearer_auth(&admin)
        .header("X-Request-Id", "req-42")
        .header("X-Forwarded-For", "6.6.6.6, 198.51.100.7")
        .header("User-Agent", "Sekretariat-Frontend/1.0")
        .header("X-Correlation-Id", "alur-7")
        .json(&json!({"kode": "W13-A99", "nama": "PA Sukamaju"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("req-42")
    );
    let position = json_body(res).await["position"].as_i64().unwrap();
    let meta: Value = sqlx::query_scalar("select metadata from events where global_position = $1")
        .bind(position)
        .fetch_one(&app.db.eventstore)
        .await
        .unwrap();
    assert_eq!(meta["user_id"], "user-1");
    assert_eq!(meta["user_name"], "Penguji Sistem");
    assert_eq!(meta["roles"], "admin");
    assert_eq!(meta["ip"], "198.51.100.7");
    assert_eq!(meta["user_agent"], "Sekretariat-Frontend/1.0");
    assert_eq!(meta["request_id"], "req-42");
    assert_eq!(meta["causation_id"], "req-42");
    assert_eq!(meta["correlation_id"], "alur-7");
    assert_eq!(meta["command"], "satker.daftarkan");

    // Errors carry the request id too; an unusable one is replaced.
    let res = app
        .client
        .get(app.url("/api/v1/pegawai"))
        .header("X-Request-Id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    app.stop().await;
}
