//! Prometheus metrics (prometheus-client, OpenMetrics text at `GET /metrics`).
//!
//! Two kinds of series live in one [`Registry`]:
//! - **counted as things happen**: HTTP requests and their latency (the [`track_requests`]
//!   middleware), commands and appended events (the [`CommandObserver`] the command bus calls),
//!   authentication failures (the `AuthUser` extractor calls [`Metrics::auth_failure`]);
//! - **read when scraped**: projector position, lag, failures and state, database pool usage and
//!   the age of the cluster's oldest open transaction. These come from the watch receivers and
//!   the databases in [`scrape`], so they are as fresh as the scrape and cost nothing between
//!   scrapes.
//!
//! Cardinality stays bounded: `route` is the matched route pattern (`/api/v1/pegawai/{nip}`,
//! never the raw path; `unmatched` when nothing matched), `method` is one of the standard
//! methods or `other`, and every other label takes values fixed in code (aggregate types,
//! projector names, pool names, auth error codes).
//!
//! `projector_up` is 1 when the projector is `running` (applying or caught up and idle) or in
//! `standby` (another instance holds the lease and does the work: not a fault of this one, and
//! `projector_lag_events` shows whether the lease holder keeps up); 0 when it is `starting`,
//! `failed` (stopped at an event), `unavailable` (a database cannot be reached) or `stopped`.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use sekretariat_commands::bus::{CommandObserver, CommandResult};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::{ProjectorState, events_after, read_checkpoint};
use sqlx::PgPool;

use crate::problem::Problem;
use crate::routes::AppState;
use crate::security::MonitoringAccess;

/// The content type of the OpenMetrics text exposition.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `route` label of a request no route pattern matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Longest a scrape waits for one database query: a database that hangs must not hang the
/// scrape (its series are dropped for that scrape instead).
const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// Latency buckets in seconds: from a cached read (a few ms) to the request timeout (30 s).
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabels {
    aggregate: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AggregateLabels {
    aggregate: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProjectorLabels {
    projector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: &'static str,
    state: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// The application's metrics. Cheap to clone: clones share one registry.
///
/// Register it as `web::Data<Metrics>` (the middleware, the `/metrics` handler and the
/// `AuthUser` extractor find it there) and give it to the command bus as its observer.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    commands: Family<CommandLabels, Counter>,
    events_appended: Family<AggregateLabels, Counter>,
    auth_failures: Family<ReasonLabels, Counter>,
    jwks_fetch_failures: Counter,
    projector_position: Family<ProjectorLabels, Gauge>,
    projector_lag: Family<ProjectorLabels, Gauge>,
    projector_failures: Family<ProjectorLabels, Counter>,
    projector_up: Family<ProjectorLabels, Gauge>,
    pool_connections: Family<PoolLabels, Gauge>,
    oldest_xact_age: Gauge<f64, AtomicU64>,
    /// Where `pg_stat_activity` is read (see [`Metrics::with_activity_pool`]).
    activity_pool: Option<PgPool>,
    /// Held while scrape-time values are written and the registry encoded: two concurrent
    /// scrapes must not both add the same projector failures to the counter, and each scrape
    /// should encode the values it wrote.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::build(None)
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry with every series described in the module docs. `oldest_xact_age_seconds`
    /// is read through the first module's read pool, whose role sees little of other sessions;
    /// prefer [`Metrics::with_activity_pool`].
    pub fn new() -> Self {
        Self::build(None)
    }

    /// Like [`Metrics::new`], reading `pg_stat_activity` through `pool`. `pg_stat_activity`
    /// shows another role's `xact_start` only to a role with its privileges or those of
    /// `pg_read_all_stats`, so `pool` should log in as the owner (the projectors' pool) and,
    /// in production, that login should be granted `pg_monitor`. The application and read
    /// roles (`set role` after connecting) see no other session's transaction.
    pub fn with_activity_pool(pool: PgPool) -> Self {
        Self::build(Some(pool))
    }

    fn build(activity_pool: Option<PgPool>) -> Self {
        let mut registry = Registry::default();
        // Counters get `_total` and units their suffix from the encoder: names here are bare.
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by matched route pattern, method and response status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        registry.register_with_unit(
            "http_request_duration",
            "Time until the response head, by matched route pattern and method",
            Unit::Seconds,
            http_duration.clone(),
        );
        let commands = Family::<CommandLabels, Counter>::default();
        registry.register(
            "commands",
            "Commands executed, by aggregate type and outcome (ok, rejected, conflict, error)",
            commands.clone(),
        );
        let events_appended = Family::<AggregateLabels, Counter>::default();
        registry.register(
            "events_appended",
            "Events appended to the event store, by aggregate type",
            events_appended.clone(),
        );
        let auth_failures = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "auth_failures",
            "Requests whose caller could not be authenticated, by problem code",
            auth_failures.clone(),
        );
        let jwks_fetch_failures = Counter::default();
        registry.register(
            "jwks_fetch_failures",
            "Failed fetches of the realm's JWKS (cached keys keep working; none cached means 503)",
            jwks_fetch_failures.clone(),
        );
        let projector_position = Family::<ProjectorLabels, Gauge>::default();
        registry.register(
            "projector_position",
            "Global position of the last event the projector applied (its checkpoint)",
            projector_position.clone(),
        );
        let projector_lag = Family::<ProjectorLabels, Gauge>::default();
        registry.register(
            "projector_lag_events",
            "Events stored after the projector's checkpoint",
            projector_lag.clone(),
        );
        let projector_failures = Family::<ProjectorLabels, Counter>::default();
        registry.register(
            "projector_failures",
            "Times the projector stopped at an event or lost a database, since this process started",
            projector_failures.clone(),
        );
        let projector_up = Family::<ProjectorLabels, Gauge>::default();
        registry.register(
            "projector_up",
            "1 when the projector is running or in standby, 0 when starting, failed, unavailable or stopped",
            projector_up.clone(),
        );
        let pool_connections = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Connections of each database pool, by state (in_use, idle)",
            pool_connections.clone(),
        );
        let oldest_xact_age = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "oldest_xact_age",
            "Age of the oldest open client transaction in the cluster (a long one stalls every projector)",
            Unit::Seconds,
            oldest_xact_age.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                http_requests,
                http_duration,
                commands,
                events_appended,
                auth_failures,
                jwks_fetch_failures,
                projector_position,
                projector_lag,
                projector_failures,
                projector_up,
                pool_connections,
                oldest_xact_age,
                activity_pool,
                scrape: Mutex::new(()),
            }),
        }
    }

    /// Counts one answered HTTP request.
    pub fn observe_request(
        &self,
        route: String,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
    ) {
        let method = method_label(method);
        self.inner
            .http_duration
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method,
            })
            .observe(elapsed.as_secs_f64());
        self.inner
            .http_requests
            .get_or_create(&HttpLabels {
                route,
                method,
                status: status.as_u16(),
            })
            .inc();
    }

    /// Counts one request whose caller could not be authenticated; `reason` is the problem
    /// code (`AuthError::code()`).
    pub fn auth_failure(&self, reason: &'static str) {
        self.inner
            .auth_failures
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Reads the scrape-time values from `state` and its databases, then encodes everything.
    ///
    /// # Errors
    /// Only when encoding fails (a formatting error, not expected).
    pub async fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let snapshot = ScrapeSnapshot::read(state, self.inner.activity_pool.as_ref()).await;
        // No await below: the std mutex is never held across a suspension point.
        let _guard = self
            .inner
            .scrape
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.apply(&snapshot);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.inner.registry)?;
        Ok(out)
    }

    fn apply(&self, snapshot: &ScrapeSnapshot) {
        let inner = &self.inner;
        for p in &snapshot.projectors {
            let labels = ProjectorLabels {
                projector: p.name.clone(),
            };
            inner
                .projector_up
                .get_or_create(&labels)
                .set(i64::from(p.up));
            // The counter mirrors the runner's own count, which only grows in this process.
            let failures = inner.projector_failures.get_or_create(&labels);
            let seen = failures.get();
            if p.failures > seen {
                failures.inc_by(p.failures - seen);
            }
            drop(failures);
            // A database that did not answer: drop the series rather than show a stale value.
            match p.position {
                Some(v) => {
                    inner.projector_position.get_or_create(&labels).set(v);
                }
                None => {
                    inner.projector_position.remove(&labels);
                }
            }
            match p.lag {
                Some(v) => {
                    inner.projector_lag.get_or_create(&labels).set(v);
                }
                None => {
                    inner.projector_lag.remove(&labels);
                }
            }
        }
        for (pool, in_use, idle) in &snapshot.pools {
            inner
                .pool_connections
                .get_or_create(&PoolLabels {
                    pool,
                    state: "in_use",
                })
                .set(*in_use);
            inner
                .pool_connections
                .get_or_create(&PoolLabels {
                    pool,
                    state: "idle",
                })
                .set(*idle);
        }
        if let Some(age) = snapshot.oldest_xact_age {
            inner.oldest_xact_age.set(age);
        }
    }
}

/// The standard methods by name; anything else is `other`, so a client inventing methods
/// cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

impl CommandObserver for Metrics {
    fn command_executed(&self, aggregate_type: &str, result: CommandResult, events: u64) {
        self.inner
            .commands
            .get_or_create(&CommandLabels {
                aggregate: aggregate_type.to_string(),
                outcome: result.as_str(),
            })
            .inc();
        if events > 0 {
            self.inner
                .events_appended
                .get_or_create(&AggregateLabels {
                    aggregate: aggregate_type.to_string(),
                })
                .inc_by(events);
        }
    }
}

/// What one scrape read, before it is written into the registry.
struct ScrapeSnapshot {
    projectors: Vec<ProjectorReading>,
    pools: Vec<(&'static str, i64, i64)>,
    oldest_xact_age: Option<f64>,
}

struct ProjectorReading {
    name: String,
    up: bool,
    failures: u64,
    position: Option<i64>,
    lag: Option<i64>,
}

async fn bounded<T, E>(fut: impl Future<Output = Result<T, E>>) -> Option<T> {
    match tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, fut).await {
        Ok(Ok(v)) => Some(v),
        _ => None,
    }
}

/// Pool usage: connections checked out and connections idle in the pool.
fn pool_usage(name: &'static str, pool: &PgPool) -> (&'static str, i64, i64) {
    let size = i64::from(pool.size());
    let idle = i64::try_from(pool.num_idle()).unwrap_or(i64::MAX);
    (name, (size - idle).max(0), idle)
}

impl ScrapeSnapshot {
    async fn read(state: &AppState, activity_pool: Option<&PgPool>) -> Self {
        let mut projectors = Vec::with_capacity(state.projectors.len());
        for p in &state.projectors {
            // Clone out of the watch: a borrow must not be held across the awaits below.
            let status = p.status.borrow().clone();
            let up = matches!(
                status.state,
                ProjectorState::Running | ProjectorState::Standby
            );
            // The checkpoint row is the truth (a standby instance's own status never moves).
            let checkpoint = bounded(read_checkpoint(&p.checkpoints, &status.name)).await;
            let lag = match checkpoint {
                Some((cp, _)) => bounded(events_after(&state.eventstore, cp)).await,
                None => None,
            };
            projectors.push(ProjectorReading {
                name: status.name,
                up,
                failures: status.failures,
                position: checkpoint.map(|(cp, _)| cp.global_position),
                lag,
            });
        }
        let mut pools = vec![pool_usage("eventstore", &state.eventstore)];
        for m in Module::ALL {
            if let Some(pool) = state.read.get(&m) {
                pools.push(pool_usage(m.name(), pool));
            }
        }
        let activity = activity_pool.or_else(|| Module::ALL.iter().find_map(|m| state.read.get(m)));
        Self {
            projectors,
            pools,
            oldest_xact_age: match activity {
                Some(pool) => oldest_xact_age(pool).await,
                None => None,
            },
        }
    }
}

/// Age of the oldest open client transaction in the cluster, in seconds. A long transaction
/// holds back the xmin horizon every projector reads below (DESIGN §3, cost a).
/// `pg_stat_activity` is cluster-wide, so one pool suffices; which one is explained at
/// [`Metrics::with_activity_pool`].
async fn oldest_xact_age(pool: &PgPool) -> Option<f64> {
    bounded(
        sqlx::query_scalar::<_, f64>(
            "select coalesce(extract(epoch from max(now() - xact_start)), 0)::float8
               from pg_stat_activity
              where xact_start is not null and backend_type = 'client backend'",
        )
        .fetch_one(pool),
    )
    .await
}

/// `GET /metrics`: the OpenMetrics text exposition. Only monitoring addresses may read it
/// ([`MonitoringAccess`]).
pub async fn scrape(
    _access: MonitoringAccess,
    metrics: web::Data<Metrics>,
    state: web::Data<AppState>,
    auth: Option<web::Data<crate::auth::Authenticator>>,
) -> Result<HttpResponse, Problem> {
    if let Some(auth) = auth {
        // The key store counts; the counter catches up to it (both only grow).
        let seen = metrics.inner.jwks_fetch_failures.get();
        let now = auth.jwks_fetch_failures();
        if now > seen {
            metrics.inner.jwks_fetch_failures.inc_by(now - seen);
        }
    }
    let body = metrics.render(&state).await.map_err(|e| {
        tracing::error!(error = %e, "metrics could not be encoded");
        Problem::internal()
    })?;
    Ok(HttpResponse::Ok()
        .content_type(OPENMETRICS_CONTENT_TYPE)
        .body(body))
}

/// Middleware counting every request by matched route pattern, method and status, and
/// observing its latency (until the response head; a streamed body is not timed).
///
/// The pattern is looked up before routing from the app's resource map (actix matches the path
/// against it), so it needs no clone of the request, which would break routing.
///
/// # Errors
/// Passes the inner service's error through, after counting it with its status.
pub async fn track_requests(
    metrics: web::Data<Metrics>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let route = req
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_string());
    let method = req.method().clone();
    let started = Instant::now();
    let result = next.call(req).await;
    let status = match &result {
        Ok(res) => res.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    metrics.observe_request(route, &method, status, started.elapsed());
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_units_get_their_openmetrics_suffixes() {
        let m = Metrics::new();
        m.observe_request(
            "/api/v1/pegawai/{nip}".into(),
            &Method::GET,
            StatusCode::OK,
            Duration::from_millis(3),
        );
        m.command_executed("pegawai", CommandResult::Ok, 2);
        m.auth_failure("token_missing");
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &m.inner.registry).unwrap();
        for line in [
            r#"http_requests_total{route="/api/v1/pegawai/{nip}",method="GET",status="200"} 1"#,
            r#"http_request_duration_seconds_count{route="/api/v1/pegawai/{nip}",method="GET"} 1"#,
            r#"commands_total{aggregate="pegawai",outcome="ok"} 1"#,
            r#"events_appended_total{aggregate="pegawai"} 2"#,
            r#"auth_failures_total{reason="token_missing"} 1"#,
            "# EOF",
        ] {
            assert!(out.lines().any(|l| l == line), "no `{line}` in:\n{out}");
        }
    }

    #[test]
    fn invented_methods_share_one_label() {
        let m = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&m), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
    }
}
