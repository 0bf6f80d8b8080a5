//! Operations, black-box: `/metrics` and `/health` (who may read them and what they say),
//! security headers, CORS, and the body size limit.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sekretariat_projections::migrate::Module;
use sekretariat_tests::app::{TestApp, json_body};
use serde_json::{Value, json};
use sqlx::Connection;

const FRONTEND: &str = "http://frontend.test";

/// Scrapes `/metrics` (from loopback, which the default settings allow).
async fn scrape(app: &TestApp) -> String {
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = res.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "no EOF marker:\n{text}");
    text
}

/// The value of exactly the series `series` (name and labels as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(series)?.strip_prefix(' ')?;
        let value = rest.split_whitespace().next()?;
        Some(
            value
                .parse()
                .unwrap_or_else(|_| panic!("bad value in `{line}`")),
        )
    })
}

fn expect_sample(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

async fn problem(res: reqwest::Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body = json_body(res).await;
    assert_eq!(body["status"], status.as_u16(), "{body}");
    body
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_route_pattern_never_by_raw_path() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        let res = app
            .client
            .get(app.url("/api/v1/pegawai"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    for nip in ["199805142022032003", "197001011990031001"] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/pegawai/{nip}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .client
        .get(app.url("/tidak-ada/sama-sekali"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let text = scrape(&app).await;
    assert_eq!(
        expect_sample(
            &text,
            r#"http_requests_total{route="/api/v1/pegawai",method="GET",status="401"}"#
        ),
        3.0
    );
    assert_eq!(
        expect_sample(
            &text,
            r#"http_requests_total{route="/api/v1/pegawai/{nip}",method="GET",status="401"}"#
        ),
        2.0
    );
    assert_eq!(
        expect_sample(
            &text,
            r#"http_request_duration_seconds_count{route="/api/v1/pegawai",method="GET"}"#
        ),
        3.0
    );
    assert_eq!(
        expect_sample(
            &text,
            r#"http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        1.0
    );
    assert!(
        !text.contains("199805142022032003") && !text.contains("tidak-ada"),
        "raw paths leaked into labels:\n{text}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_and_appended_events_are_counted_by_aggregate_and_outcome() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    // Not the demo's satker (W13-A99), which is loaded below.
    let body = json!({"kode": "W13-A98", "nama": "PA Sukamundur"});

    let res = app.post("/api/v1/master/satker", &admin, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let version = json_body(res).await["version"].as_i64().unwrap();
    // The same satker again: refused by the aggregate.
    let res = app.post("/api/v1/master/satker", &admin, &body).await;
    assert!(res.status().is_client_error(), "{}", res.status());

    let text = scrape(&app).await;
    assert_eq!(
        expect_sample(&text, r#"commands_total{aggregate="satker",outcome="ok"}"#),
        1.0
    );
    assert_eq!(
        expect_sample(
            &text,
            r#"commands_total{aggregate="satker",outcome="rejected"}"#
        ),
        1.0
    );
    assert_eq!(
        expect_sample(&text, r#"events_appended_total{aggregate="satker"}"#),
        version as f64
    );

    // Commands sent straight to the bus count too.
    sekretariat_api::demo::load(&app.bus).await.expect("demo");
    let text = scrape(&app).await;
    assert!(
        expect_sample(&text, r#"events_appended_total{aggregate="pegawai"}"#) >= 20.0,
        "{text}"
    );
    assert!(expect_sample(&text, r#"commands_total{aggregate="pegawai",outcome="ok"}"#) >= 20.0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projector_gauges_show_position_lag_and_state_after_events() {
    let app = TestApp::spawn().await;
    sekretariat_api::demo::load(&app.bus).await.expect("demo");
    let last: i64 = sqlx::query_scalar("select max(global_position) from events")
        .fetch_one(&app.db.eventstore_owner)
        .await
        .unwrap();
    assert!(last > 0);

    // The projectors catch up within a few polls; the gauges follow at scrape time.
    let mut text = String::new();
    for _ in 0..100 {
        text = scrape(&app).await;
        let caught_up = ["master", "kepegawaian", "audit", "sealer"]
            .iter()
            .all(|p| {
                sample(
                    &text,
                    &format!(r#"projector_lag_events{{projector="{p}"}}"#),
                ) == Some(0.0)
            });
        if caught_up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for p in ["master", "kepegawaian", "audit", "sealer"] {
        let labels = format!(r#"{{projector="{p}"}}"#);
        assert_eq!(
            expect_sample(&text, &format!("projector_lag_events{labels}")),
            0.0,
            "{text}"
        );
        assert_eq!(
            expect_sample(&text, &format!("projector_position{labels}")),
            last as f64
        );
        assert_eq!(expect_sample(&text, &format!("projector_up{labels}")), 1.0);
        assert_eq!(
            expect_sample(&text, &format!("projector_failures_total{labels}")),
            0.0
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_failures_are_counted_once_per_request_by_reason() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let res = app
            .client
            .get(app.url("/api/v1/pegawai"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // A command route, where the role check and the request metadata both ask for the caller.
    let res = app
        .client
        .post(app.url("/api/v1/master/satker"))
        .json(&json!({"kode": "W13-A99", "nama": "PA Sukamaju"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.get("/api/v1/pegawai", "not.a.jwt").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let text = scrape(&app).await;
    assert_eq!(
        expect_sample(&text, r#"auth_failures_total{reason="token_missing"}"#),
        3.0
    );
    assert_eq!(
        expect_sample(&text, r#"auth_failures_total{reason="token_malformed"}"#),
        1.0
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_pool_gauges_and_the_oldest_transaction_age_are_exposed() {
    let app = TestApp::spawn().await;
    // A transaction left open elsewhere in the cluster: the gauge must see its age.
    let mut other = sqlx::PgConnection::connect(&sekretariat_tests::db::server_url())
        .await
        .unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("select txid_current()")
        .execute(&mut *tx)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let text = scrape(&app).await;
    let mut pools = vec!["eventstore"];
    pools.extend(Module::ALL.iter().map(|m| m.name()));
    for pool in pools {
        for state in ["in_use", "idle"] {
            let v = expect_sample(
                &text,
                &format!(r#"db_pool_connections{{pool="{pool}",state="{state}"}}"#),
            );
            assert!(v >= 0.0, "{pool} {state}: {v}");
        }
    }
    let age = expect_sample(&text, "oldest_xact_age_seconds");
    assert!(
        age >= 1.4,
        "an open 1.5 s transaction, yet the oldest is {age} s"
    );
    tx.rollback().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_endpoints_answer_loopback_and_refuse_peers_outside_the_allow_list() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(json_body(res).await["status"], "ok");
    scrape(&app).await;
    app.stop().await;

    // Only an allow-list: nothing is sent to 10.0.0.0/8.
    let app =
        TestApp::spawn_with(|s| s.monitoring_allow = vec!["10.0.0.0/8".parse().unwrap()]).await;
    for path in ["/metrics", "/health"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let body = problem(res, StatusCode::FORBIDDEN).await;
        assert_eq!(body["code"], "monitoring_forbidden", "{path}: {body}");
        // A forwarded address is not believed.
        let res = app
            .client
            .get(app.url(path))
            .header("x-forwarded-for", "10.0.0.5")
            .header("forwarded", "for=10.0.0.5")
            .send()
            .await
            .unwrap();
        problem(res, StatusCode::FORBIDDEN).await;
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_are_on_a_200_a_401_and_a_404_and_no_server_banner() {
    let app = TestApp::spawn().await;
    let admin = app.token(&["admin"], None);
    let ok = app.get("/api/v1/master/golongan", &admin).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let unauthorized = app
        .client
        .get(app.url("/api/v1/pegawai"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    let not_found = app.get("/api/v1/master/satker/W13-X00", &admin).await;
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    let unknown_route = app.get("/api/v1/tidak-ada", &admin).await;
    assert_eq!(unknown_route.status(), StatusCode::NOT_FOUND);

    for (what, res) in [
        ("200", ok),
        ("401", unauthorized),
        ("404", not_found),
        ("unknown route", unknown_route),
    ] {
        let h = res.headers();
        assert_eq!(
            header(h, "x-content-type-options"),
            Some("nosniff"),
            "{what}"
        );
        assert_eq!(header(h, "x-frame-options"), Some("DENY"), "{what}");
        assert_eq!(header(h, "referrer-policy"), Some("no-referrer"), "{what}");
        assert_eq!(header(h, "cache-control"), Some("no-store"), "{what}");
        assert_eq!(
            header(h, "content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'"),
            "{what}"
        );
        assert!(
            h.get("server").is_none(),
            "{what}: a Server header was sent"
        );
    }
    app.stop().await;
}

fn preflight(app: &TestApp, origin: &str) -> reqwest::RequestBuilder {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/pegawai"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, idempotency-key",
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_the_configured_origin_only() {
    let app = TestApp::spawn_with(|s| s.cors_origins = vec![FRONTEND.to_string()]).await;

    let res = preflight(&app, FRONTEND).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let h = res.headers();
    assert_eq!(header(h, "access-control-allow-origin"), Some(FRONTEND));
    let methods = header(h, "access-control-allow-methods").unwrap_or_default();
    assert!(
        methods.contains("PATCH") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = header(h, "access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        allowed.contains("idempotency-key") && allowed.contains("authorization"),
        "{allowed}"
    );
    assert_eq!(header(h, "x-content-type-options"), Some("nosniff"));

    let res = preflight(&app, "http://evil.test").send().await.unwrap();
    assert!(!res.status().is_success(), "{}", res.status());
    assert!(res.headers().get("access-control-allow-origin").is_none());
    let body = problem(res, StatusCode::FORBIDDEN).await;
    assert_eq!(body["code"], "cors_forbidden");

    // An actual request from the frontend sees the exposed headers.
    let admin = app.token(&["admin"], None);
    let res = app
        .client
        .get(app.url("/api/v1/master/golongan"))
        .bearer_auth(&admin)
        .header("origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        header(res.headers(), "access-control-allow-origin"),
        Some(FRONTEND)
    );
    let exposed = header(res.headers(), "access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("x-request-id")
            && exposed.contains("location")
            && exposed.contains("retry-after"),
        "{exposed}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_configured_origins_no_cors_header_is_ever_sent() {
    let app = TestApp::spawn().await;
    let res = preflight(&app, FRONTEND).send().await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert!(res.headers().get("access-control-allow-methods").is_none());

    let admin = app.token(&["admin"], None);
    let res = app
        .client
        .get(app.url("/api/v1/master/golongan"))
        .bearer_auth(&admin)
        .header("origin", FRONTEND)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        !res.headers()
            .keys()
            .any(|k| k.as_str().starts_with("access-control-")),
        "{:?}",
        res.headers()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_configured_limit_gets_413_problem_json() {
    let app = TestApp::spawn_with(|s| s.body_limit = 1024).await;
    let admin = app.token(&["admin"], None);

    let big = json!({"kode": "W13-A99", "nama": "x".repeat(4000)});
    let body = problem(
        app.post("/api/v1/master/satker", &admin, &big).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(body["code"], "payload_too_large");
    assert!(body["detail"].as_str().unwrap().contains("1 KB"), "{body}");

    // Under the limit, the same route works.
    let res = app
        .post(
            "/api/v1/master/satker",
            &admin,
            &json!({"kode": "W13-A99", "nama": "PA Sukamaju"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.stop().await;
}

/// Issue 3: when the JWKS endpoint cannot be reached and no key is cached, a token gets 503
/// `jwks_unavailable` (not 401: the caller did nothing wrong), and the failure is counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_jwks_answers_503_and_is_counted() {
    // A port nothing listens on: bind, read the port, close.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let app = TestApp::spawn_with(|s| {
        s.auth.jwks_url =
            format!("http://127.0.0.1:{dead}/realms/sekretariat/protocol/openid-connect/certs");
    })
    .await;
    let res = app
        .get("/api/v1/pegawai", &app.token(&["admin"], None))
        .await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().get("retry-after").is_some());
    assert_eq!(json_body(res).await["code"], "jwks_unavailable");
    let text = scrape(&app).await;
    let line = text
        .lines()
        .find(|l| l.starts_with("jwks_fetch_failures_total"))
        .unwrap_or_else(|| panic!("no jwks_fetch_failures_total in:\n{text}"));
    let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 1.0, "{line}");
    app.stop().await;
}
