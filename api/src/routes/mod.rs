//! HTTP routes under `/api/v1` plus `/health`. Handlers are thin: DTO → domain values
//! (every field error at once), RBAC check, command bus or read query, response.

pub mod audit;
pub mod duk;
pub mod health;
pub mod kenaikan_pangkat;
pub mod kepegawaian;
pub mod master;
pub mod mutasi;
pub mod pegawai;
pub mod sikep;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use sekretariat_commands::{CommandBus, CommandOutcome};
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::ProjectorStatus;
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::problem::Problem;

/// A read transaction on `module`'s database, scoped by row-level security to what `user`
/// may see.
///
/// # Errors
/// The database cannot be reached.
pub async fn scoped_read(
    state: &AppState,
    module: Module,
    user: &crate::auth::AuthUser,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, Problem> {
    sekretariat_projections::scope::begin_scoped(
        state.read(module),
        &crate::rbac::satker_scope(user),
        state.clock.today(),
    )
    .await
    .map_err(crate::error::read_error)
}

/// What every handler may use.
pub struct AppState {
    pub bus: Arc<CommandBus>,
    /// Application-role pool on the event store (commands, and reading positions).
    pub eventstore: PgPool,
    pub read: HashMap<Module, PgPool>,
    pub min_position_timeout: Duration,
    /// Every projector this instance runs (the sealer included), for health and metrics.
    pub projectors: Vec<RunningProjector>,
    /// The court's calendar day: what "today" means to reads (a mutasi or pensiun holds from
    /// its TMT) as it does to commands.
    pub clock: Arc<dyn sekretariat_domain::ports::Clock>,
}

/// A projector as health and metrics see it.
pub struct RunningProjector {
    /// Where it writes: a module name, or `eventstore` for the sealer.
    pub label: &'static str,
    /// A pool on the database holding its checkpoint (readable by the API's roles).
    pub checkpoints: PgPool,
    pub status: watch::Receiver<ProjectorStatus>,
}

impl AppState {
    pub fn read(&self, m: Module) -> &PgPool {
        &self.read[&m]
    }

    /// Read your own write: waits (bounded) until `projector`, writing `module`'s read model,
    /// has applied the event at `min_position` (nothing to wait for when `None`).
    ///
    /// # Errors
    /// See [`crate::extract::wait_for`].
    pub async fn caught_up(
        &self,
        module: Module,
        projector: &str,
        min_position: Option<i64>,
    ) -> Result<(), Problem> {
        crate::extract::wait_for(
            &self.eventstore,
            self.read(module),
            projector,
            min_position,
            self.min_position_timeout,
        )
        .await
    }
}

/// Registers every route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health")
            .route(web::get().to(health::health))
            .default_service(web::to(method_not_allowed)),
    );
    // The API docs page: public, outside /api/v1 (it is HTML, not part of the API).
    cfg.service(
        web::resource("/api/docs")
            .route(web::get().to(crate::openapi::docs))
            .default_service(web::to(method_not_allowed)),
    );
    // Monitoring only: both handlers take `security::MonitoringAccess`, no token.
    cfg.service(
        web::resource("/metrics")
            .route(web::get().to(crate::metrics::scrape))
            .default_service(web::to(method_not_allowed)),
    );
    cfg.service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(crate::rbac::enforce))
            .wrap(actix_web::middleware::from_fn(
                crate::context::request_context,
            ))
            .configure(pegawai::configure)
            .configure(mutasi::configure)
            .configure(master::configure)
            .configure(audit::configure)
            .configure(kepegawaian::configure)
            .configure(kenaikan_pangkat::configure)
            .configure(duk::configure)
            .configure(sikep::configure)
            .configure(crate::openapi::configure)
            .default_service(web::to(not_found)),
    );
}

/// Unknown route.
pub async fn not_found(req: HttpRequest) -> Problem {
    Problem::not_found(
        "route_not_found",
        format!("Alamat {} tidak dikenal.", req.path()),
    )
}

/// Known route, unsupported method.
pub async fn method_not_allowed(req: HttpRequest) -> Problem {
    Problem::new(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "Metode {} tidak didukung untuk {}.",
            req.method(),
            req.path()
        ),
    )
}

/// `?min_position=` on a query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReadQuery {
    /// Wait (bounded) until the read model has applied the event at this global position
    /// (a command's `position`); 503 `read_model_behind` if it has not in time.
    #[param(minimum = 1, example = 42)]
    pub min_position: Option<i64>,
}

/// The highest page number accepted.
pub const MAX_PAGE: i64 = 1_000_000;

/// Paging parameters, checked.
pub fn paging(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), Problem> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(25);
    // The upper bound keeps (page - 1) * per_page far from overflow (a fuzzed page=i64::MAX
    // panicked a worker before).
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(Problem::bad_request(
            "invalid_page",
            "page harus antara 1 dan 1000000.",
        ));
    }
    if !(1..=100).contains(&per_page) {
        return Err(Problem::bad_request(
            "invalid_per_page",
            "per_page harus antara 1 dan 100.",
        ));
    }
    Ok((page, per_page))
}

/// 201 with `Location` for a creation. A replay of an earlier request with the same
/// `Idempotency-Key` answers the same, marked `Idempotent-Replayed: true`.
pub fn created(location: String, outcome: CommandOutcome) -> HttpResponse {
    let mut res = HttpResponse::Created();
    res.insert_header((actix_web::http::header::LOCATION, location));
    if outcome.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(outcome)
}

/// 200 for a change (see [`created`] for replays).
pub fn accepted(outcome: CommandOutcome) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if outcome.replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.json(outcome)
}
