//! HTTP hardening that is not about who the caller is: the monitoring allow-list for `/health`
//! and `/metrics`, security response headers, CORS for the configured frontend origins, and a
//! handler time limit. The body size limit lives with the JSON extractor
//! (`extract::json_config`), the header read limit with the server
//! (`HttpServer::client_request_timeout`).
//!
//! Middleware order, outermost first (see `startup.rs`): tracing, metrics, [`security_headers`],
//! CORS ([`cors`]), [`handler_timeout`], routing. Metrics see the final status (a time-out as
//! 503), and the security headers are added to everything the app answers, CORS preflights
//! and time-outs included. Responses actix-http writes before the app sees a request (a
//! malformed request line, headers too slow) carry none of this.

use std::net::IpAddr;
use std::time::Duration;

use actix_cors::{Cors, CorsError};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, Next};
use actix_web::{Error, FromRequest, HttpRequest, ResponseError, web};
use anyhow::{Context, bail};
use futures::future::{Ready, ready};
use ipnet::IpNet;

use crate::config::Settings;
use crate::problem::Problem;

/// What the security middleware and the monitoring guard need from the settings. Register it
/// as `web::Data<SecurityPolicy>`.
#[derive(Debug, Clone)]
pub struct SecurityPolicy {
    /// Peers that may read `/health` and `/metrics` without a token.
    pub monitoring_allow: Vec<IpNet>,
    /// Longest a handler may take before the request is answered with 503.
    pub request_timeout: Duration,
}

impl SecurityPolicy {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            monitoring_allow: settings.monitoring_allow.clone(),
            request_timeout: settings.request_timeout,
        }
    }

    /// Whether `ip` is in the monitoring allow-list. An IPv4 peer seen through an IPv6 socket
    /// (`::ffff:127.0.0.1`) counts as its IPv4 address.
    pub fn may_monitor(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.monitoring_allow.iter().any(|net| net.contains(&ip))
    }
}

/// Proof that the request comes from a monitoring address. Take it as the first extractor of
/// the `/health` and `/metrics` handlers; it refuses everyone else with 403 problem+json
/// `monitoring_forbidden`, before the handler touches a database.
///
/// Only the TCP peer address counts, never `X-Forwarded-For` or `Forwarded`: behind nginx every
/// request would otherwise claim whatever address the client wrote. nginx must therefore not
/// proxy `/health` and `/metrics` at all (its own address is loopback, which is allowed);
/// Prometheus and the orchestrator reach the application port directly.
#[derive(Debug, Clone, Copy)]
pub struct MonitoringAccess;

impl FromRequest for MonitoringAccess {
    type Error = Problem;
    type Future = Ready<Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let peer = req.peer_addr().map(|a| a.ip());
        let allowed = match req.app_data::<web::Data<SecurityPolicy>>() {
            Some(policy) => peer.is_some_and(|ip| policy.may_monitor(ip)),
            // Fail closed, to the documented default: loopback only.
            None => peer.is_some_and(|ip| ip.to_canonical().is_loopback()),
        };
        ready(if allowed {
            Ok(MonitoringAccess)
        } else {
            tracing::info!(peer = ?peer, path = %req.path(), "monitoring endpoint refused");
            Err(Problem::forbidden(
                "monitoring_forbidden",
                "Alamat ini hanya dapat diakses dari alamat pemantauan yang diizinkan.",
            ))
        })
    }
}

/// Whether a response is under the JSON API, where nothing may be cached.
fn is_api_path(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/") || path == "/health" || path == "/metrics"
}

/// Adds the headers every answer carries. Values a handler set itself are kept.
fn add_security_headers(headers: &mut HeaderMap, api: bool) {
    // JSON, problem+json and metrics need no resource at all; an HTML page (the API docs)
    // brings its own policy.
    let html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let mut default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    default(header::X_FRAME_OPTIONS, "DENY");
    default(header::REFERRER_POLICY, "no-referrer");
    if api {
        // Personnel data must not stay in a browser or proxy cache.
        default(header::CACHE_CONTROL, "no-store");
    }
    if !html {
        default(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        );
    }
    // actix sends no banner; should a layer ever add one, it does not leave.
    headers.remove(header::SERVER);
}

/// Middleware: security headers on every response, and CORS refusals as problem+json instead
/// of actix-cors' plain text.
///
/// # Errors
/// Passes the inner service's error through, with the headers added to its response.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let api = is_api_path(req.path());
    match next.call(req).await {
        Ok(res) => {
            let cors_refused = res
                .response()
                .error()
                .is_some_and(|e| e.as_error::<CorsError>().is_some());
            let mut res = if cors_refused {
                let (req, _) = res.into_parts();
                let problem = Problem::forbidden(
                    "cors_forbidden",
                    "Permintaan lintas asal (CORS) ini tidak diizinkan untuk asal tersebut.",
                );
                ServiceResponse::new(req, problem.error_response())
            } else {
                res.map_into_boxed_body()
            };
            add_security_headers(res.headers_mut(), api);
            Ok(res)
        }
        Err(mut err) => {
            err.add_response_mapper(move |mut res| {
                add_security_headers(res.headers_mut(), api);
                res
            });
            Err(err)
        }
    }
}

/// Middleware: a handler that takes longer than [`SecurityPolicy::request_timeout`] is
/// dropped and the request answered 503 problem+json `request_timeout` with `Retry-After`.
///
/// Dropping the handler cancels it at its current await point: an open database transaction
/// is rolled back by its connection, a committed append stays (a client retrying with the same
/// `Idempotency-Key` gets its first answer). Only the time to the response head is limited, so
/// a streamed body (SSE) may outlive it.
///
/// # Errors
/// The time-out problem, or the inner service's error.
pub async fn handler_timeout(
    policy: web::Data<SecurityPolicy>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    match tokio::time::timeout(policy.request_timeout, next.call(req)).await {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::warn!(
                timeout_ms = policy.request_timeout.as_millis() as u64,
                "handler exceeded the request timeout"
            );
            // The request went into the dropped future; an error is answered without it.
            Err(Problem::unavailable(
                "request_timeout",
                "Permintaan terlalu lama diproses dan dihentikan. Silakan coba lagi.",
                5,
            )
            .into())
        }
    }
}

/// Turns a panic in a handler into an opaque 500 problem+json (logged once) instead of a
/// dropped connection: the client learns that the server failed, and gets the same error shape
/// as everywhere else. A panic is a bug; this is only the last line of defence.
///
/// # Errors
/// Passes the inner service's own errors through.
pub async fn catch_panic(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    use futures::FutureExt;
    let method = req.method().clone();
    let path = req.path().to_string();
    match std::panic::AssertUnwindSafe(next.call(req))
        .catch_unwind()
        .await
    {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".into());
            tracing::error!(%method, %path, panic = %message, "handler panicked");
            Err(Problem::internal().into())
        }
    }
}

/// Checks the CORS origins once at start-up: actix-cors would otherwise only log a bad one and
/// refuse to start its workers.
///
/// # Errors
/// An origin that is not `scheme://host[:port]`.
pub fn validate_origins(origins: &[String]) -> anyhow::Result<()> {
    for origin in origins {
        let uri: actix_web::http::Uri = origin
            .parse()
            .with_context(|| format!("SEKRETARIAT_CORS_ORIGINS: '{origin}' is not a URL"))?;
        let bare = uri.path() == "/" && uri.query().is_none() && !origin.ends_with('/');
        if uri.scheme().is_none() || uri.authority().is_none() || !bare {
            bail!("SEKRETARIAT_CORS_ORIGINS: '{origin}' is not an origin like https://host:port");
        }
    }
    Ok(())
}

/// CORS for the frontend origins only. With no origin configured the middleware is off: no
/// CORS header is ever sent, and a browser refuses every cross-origin call.
///
/// Bearer tokens, not cookies, carry the credentials, so credentials are not allowed; a
/// preflight is cached by the browser for ten minutes.
pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            HeaderName::from_static("x-request-id"),
            header::LOCATION,
            header::RETRY_AFTER,
        ])
        .max_age(600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    Condition::new(!origins.is_empty(), cors)
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test as atest};

    use super::*;

    fn policy(timeout: Duration) -> SecurityPolicy {
        SecurityPolicy {
            monitoring_allow: vec!["127.0.0.0/8".parse().unwrap()],
            request_timeout: timeout,
        }
    }

    #[actix_web::test]
    async fn a_panicking_handler_answers_an_opaque_500_problem_instead_of_dropping_the_connection()
    {
        let app = atest::init_service(App::new().wrap(from_fn(catch_panic)).route(
            "/api/v1/boom",
            web::get().to(|| async {
                // An out-of-bounds index: the kind of bug this guards against.
                let v: Vec<u8> = std::hint::black_box(Vec::new());
                HttpResponse::Ok().body(vec![v[3]])
            }),
        ))
        .await;
        // A middleware's error becomes the response the server sends (as in production).
        let err = atest::try_call_service(
            &app,
            atest::TestRequest::get().uri("/api/v1/boom").to_request(),
        )
        .await
        .err()
        .expect("the panic is turned into an error, not propagated");
        let res = err.error_response();
        assert_eq!(
            res.status(),
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "internal_error");
        assert!(
            !body.to_string().contains("index out of bounds"),
            "the cause is not shown"
        );
    }

    #[actix_web::test]
    async fn a_handler_slower_than_the_timeout_gets_503_request_timeout_with_headers() {
        let app = atest::init_service(
            App::new()
                .app_data(web::Data::new(policy(Duration::from_millis(50))))
                .wrap(from_fn(handler_timeout))
                .wrap(from_fn(security_headers))
                .route(
                    "/api/v1/slow",
                    web::get().to(|| async {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        HttpResponse::Ok().finish()
                    }),
                )
                .route(
                    "/api/v1/fast",
                    web::get().to(|| async { HttpResponse::Ok().finish() }),
                ),
        )
        .await;
        let fast = atest::call_service(
            &app,
            atest::TestRequest::get().uri("/api/v1/fast").to_request(),
        )
        .await;
        assert_eq!(fast.status(), 200);

        let err = atest::try_call_service(
            &app,
            atest::TestRequest::get().uri("/api/v1/slow").to_request(),
        )
        .await
        .expect_err("the slow handler is cut off");
        let res = err.error_response();
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers().get("retry-after").unwrap(), "5");
        assert_eq!(
            res.headers().get("x-content-type-options").unwrap(),
            "nosniff"
        );
        assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
        let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["code"], "request_timeout");
    }

    #[test]
    fn ipv4_peers_through_an_ipv6_socket_count_as_ipv4() {
        let p = policy(Duration::from_secs(1));
        assert!(p.may_monitor("::ffff:127.0.0.1".parse().unwrap()));
        assert!(p.may_monitor("127.0.0.1".parse().unwrap()));
        assert!(!p.may_monitor("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn cors_origins_must_be_bare_origins() {
        assert!(validate_origins(&["https://sekretariat.pa.local".into()]).is_ok());
        assert!(validate_origins(&["http://localhost:5173".into()]).is_ok());
        assert!(validate_origins(&["*".into()]).is_err());
        assert!(validate_origins(&["sekretariat.pa.local".into()]).is_err());
        assert!(validate_origins(&["https://a.local/app".into()]).is_err());
    }

    #[test]
    fn html_keeps_its_own_policy_and_json_gets_the_strict_one() {
        let mut json = HeaderMap::new();
        json.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        add_security_headers(&mut json, true);
        assert_eq!(
            json.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            "default-src 'none'; frame-ancestors 'none'"
        );
        let mut html = HeaderMap::new();
        html.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        add_security_headers(&mut html, false);
        assert!(html.get(header::CONTENT_SECURITY_POLICY).is_none());
        assert!(html.get(header::CACHE_CONTROL).is_none());
        assert_eq!(html.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    }
}
