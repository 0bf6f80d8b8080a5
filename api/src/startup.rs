//! Building the running system: pools, command bus, projectors, authentication and the HTTP
//! server. The listener is bound first, so tests can ask for port 0 and read the real port.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use sekretariat_commands::CommandBus;
use sekretariat_commands::ports::SystemClock;
use sekretariat_domain::ports::Clock;
use sekretariat_projections::kepegawaian::KepegawaianProjector;
use sekretariat_projections::master::MasterProjector;
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::{
    Projector, ProjectorRunner, RunnerOptions, spawn_append_listener,
};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::auth::Authenticator;
use crate::auth::dev::ensure_dev_keys;
use crate::config::Settings;
use crate::db;
use crate::extract::{json_config, path_config, query_config};
use crate::metrics::{self, Metrics};
use crate::routes::{self, AppState, RunningProjector};
use crate::security::{self, SecurityPolicy};

/// Every projector, with the module database it writes.
pub fn projectors() -> Vec<(Module, Arc<dyn Projector>)> {
    vec![
        (Module::Master, Arc::new(MasterProjector)),
        (Module::Kepegawaian, Arc::new(KepegawaianProjector)),
        (
            Module::Kepegawaian,
            Arc::new(sekretariat_projections::usul_kp::UsulKpProjector),
        ),
        (
            Module::Audit,
            Arc::new(sekretariat_projections::audit::AuditProjector),
        ),
    ]
}

/// Options of [`Application::build`] that tests change.
pub struct BuildOptions {
    pub clock: Arc<dyn Clock>,
    pub workers: Option<usize>,
    pub runner: RunnerOptions,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            workers: None,
            runner: RunnerOptions::default(),
        }
    }
}

/// A built, not yet running, server with its projectors started.
pub struct Application {
    port: u16,
    server: Server,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    pub bus: Arc<CommandBus>,
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct AppHandle {
    server: ServerHandle,
}

impl AppHandle {
    /// Graceful stop: the server stops accepting, then projectors stop after their batch.
    pub async fn stop(&self) {
        self.server.stop(true).await;
    }
}

impl Application {
    /// Connects, starts the projectors and binds the listener.
    ///
    /// # Errors
    /// A database that cannot be reached, a development key that cannot be written, or an
    /// address that cannot be bound.
    pub async fn build(settings: Settings, options: BuildOptions) -> anyhow::Result<Self> {
        if settings.dev_auth {
            let keys = ensure_dev_keys(&settings.data_dir.join("dev-keys"))
                .context("creating the development key")?;
            tracing::warn!(
                jwks = %keys.jwks_path.display(),
                "SEKRETARIAT_AUTH_JWKS_URL is not set: trusting the local development key (not for production)"
            );
        }
        security::validate_origins(&settings.cors_origins)?;
        let pools = db::connect(&settings.databases).await?;
        // The owner's login on a read database: it can see other sessions' transactions in
        // pg_stat_activity, which the application and read roles cannot.
        let metrics = match pools.write.get(&Module::Master) {
            Some(pool) => Metrics::with_activity_pool(pool.clone()),
            None => Metrics::new(),
        };
        let bus = CommandBus::with_observer(
            pools.eventstore.clone(),
            options.clock.clone(),
            Some(Arc::new(metrics.clone())),
        );

        let (shutdown, shutdown_rx) = watch::channel(false);
        let wake = Arc::new(Notify::new());
        let mut tasks = vec![spawn_append_listener(
            pools.eventstore.clone(),
            wake.clone(),
            shutdown_rx.clone(),
        )];
        let mut statuses = Vec::new();
        for (module, projector) in projectors() {
            let runner = ProjectorRunner::new(
                projector,
                pools.eventstore.clone(),
                pools.write[&module].clone(),
                options.runner.clone(),
            )
            .with_wake(wake.clone());
            statuses.push(RunningProjector {
                label: module.name(),
                checkpoints: pools.read[&module].clone(),
                status: runner.status(),
            });
            tasks.push(tokio::spawn(runner.run(shutdown_rx.clone())));
        }
        // The sealer chains a hash over the events, beside them in the event store (never
        // rebuilt: see `sekretariat_projections::seal`).
        let sealer = ProjectorRunner::new(
            Arc::new(sekretariat_projections::seal::Sealer),
            pools.eventstore.clone(),
            pools.eventstore.clone(),
            options.runner.clone(),
        )
        .with_wake(wake.clone());
        statuses.push(RunningProjector {
            label: "eventstore",
            checkpoints: pools.eventstore.clone(),
            status: sealer.status(),
        });
        tasks.push(tokio::spawn(sealer.run(shutdown_rx.clone())));
        // The KP process manager records each usul's SK on the pegawai's stream; a side
        // effect, so its checkpoint lives in the event store and no rebuild runs it (see
        // `crate::kp_process`).
        let kp_process = ProjectorRunner::new(
            Arc::new(crate::kp_process::KpSkProcess::new(bus.clone())),
            pools.eventstore.clone(),
            pools.eventstore.clone(),
            options.runner.clone(),
        )
        .with_wake(wake.clone());
        statuses.push(RunningProjector {
            label: "eventstore",
            checkpoints: pools.eventstore.clone(),
            status: kp_process.status(),
        });
        tasks.push(tokio::spawn(kp_process.run(shutdown_rx.clone())));

        let state = web::Data::new(AppState {
            bus: bus.clone(),
            eventstore: pools.eventstore.clone(),
            read: pools.read.clone(),
            min_position_timeout: settings.min_position_timeout,
            projectors: statuses,
            clock: options.clock.clone(),
        });
        let auth = web::Data::new(Authenticator::new(settings.auth.clone()));
        let metrics = web::Data::new(metrics);
        let policy = web::Data::new(SecurityPolicy::from_settings(&settings));
        let cors_origins = settings.cors_origins.clone();
        let body_limit = settings.body_limit;
        let listener = TcpListener::bind(settings.listen)
            .with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let trusted_proxies = web::Data::new(crate::context::TrustedProxies(
            settings.trusted_proxies.clone(),
        ));
        let mut server = HttpServer::new(move || {
            // `wrap` order: the last one sees the request first (see `security`'s docs).
            App::new()
                .wrap(from_fn(security::catch_panic))
                .wrap(from_fn(security::handler_timeout))
                .wrap(security::cors(&cors_origins))
                .wrap(from_fn(security::security_headers))
                .wrap(from_fn(metrics::track_requests))
                .wrap(TracingLogger::default())
                .app_data(json_config(body_limit))
                .app_data(path_config())
                .app_data(query_config())
                .app_data(auth.clone())
                .app_data(state.clone())
                .app_data(metrics.clone())
                .app_data(policy.clone())
                .app_data(trusted_proxies.clone())
                .configure(routes::configure)
                .default_service(web::to(routes::not_found))
        });
        // How long a client may take to send the request head; the handler's own limit is
        // `security::handler_timeout`.
        server = server.client_request_timeout(settings.request_timeout);
        if let Some(w) = options.workers {
            server = server.workers(w);
        }
        let server = server.listen(listener)?.disable_signals().run();
        Ok(Self {
            port,
            server,
            shutdown,
            tasks,
            bus,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> AppHandle {
        AppHandle {
            server: self.server.handle(),
        }
    }

    /// Serves until stopped (by [`AppHandle::stop`] or Ctrl-C/SIGTERM when `signals`), then
    /// stops the projectors and waits for them.
    ///
    /// # Errors
    /// An I/O error of the server.
    pub async fn run_until_stopped(self, signals: bool) -> anyhow::Result<()> {
        let handle = self.server.handle();
        if signals {
            tokio::spawn(async move {
                shutdown_signal().await;
                tracing::info!("shutting down");
                handle.stop(true).await;
            });
        }
        let result = self.server.await;
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        result.map_err(Into::into)
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
