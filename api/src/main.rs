#![forbid(unsafe_code)]
//! `sekretariat`: the one binary. `migrate`, `serve [--demo]`, `dev-token`.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use sekretariat_api::auth::Role;
use sekretariat_api::auth::dev::{DevClaims, ensure_dev_keys, sign_dev_token};
use sekretariat_api::config::Settings;
use sekretariat_api::startup::{Application, BuildOptions};
use sekretariat_api::{db, demo, replay, telemetry};

/// mimalloc instead of the system allocator: a rebuild reads its batches on one thread and
/// drops them on another, which glibc's allocator handles poorly (`cargo bench -p
/// sekretariat-projections --bench rebuild` measured 109k events/s with it, 130k with
/// mimalloc). The benches use the same.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "sekretariat",
    version,
    about = "Sekretariat PA: back office Pengadilan Agama"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates any missing database and runs every database's migrations.
    Migrate,
    /// Migrates, then runs the API and the projectors.
    Serve {
        /// When the event store is empty, load the fictional PA Sukamaju (20 pegawai).
        #[arg(long)]
        demo: bool,
    },
    /// Rebuilds read models and answers audit questions from the event history.
    #[command(subcommand)]
    Replay(replay::ReplayCommand),
    /// Prints a token signed with the local development key (trusted only when
    /// SEKRETARIAT_AUTH_JWKS_URL is not set).
    DevToken {
        /// Role(s): admin, sekretaris, kasubag_kepegawaian, kasubag_keuangan, staf.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The satker in the token, e.g. W13-A99.
        #[arg(long)]
        satker: Option<String>,
        /// The unit kerja id in the token.
        #[arg(long)]
        unit: Option<String>,
        /// The user's own NIP (what a `staf` may see).
        #[arg(long)]
        nip: Option<String>,
        #[arg(long, default_value = "dev-user")]
        sub: String,
        #[arg(long, default_value = "dev")]
        username: String,
        #[arg(long)]
        name: Option<String>,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 8)]
        hours: u64,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let settings = Settings::from_env()?;
    match cli.command {
        Command::Migrate => {
            telemetry::init();
            db::migrate_all(&settings.databases).await?;
            tracing::info!(databases = ?settings.databases, "migrated");
            Ok(())
        }
        Command::Serve { demo: with_demo } => {
            telemetry::init();
            db::migrate_all(&settings.databases).await?;
            let listen = settings.listen;
            let app = Application::build(settings, BuildOptions::default()).await?;
            if with_demo {
                if db::store_is_empty(app.bus.pool()).await? {
                    let s = demo::load(&app.bus).await?;
                    tracing::info!(satker = %s.satker_id, pegawai = s.pegawai, "demo data loaded");
                } else {
                    tracing::info!("event store not empty: demo data not loaded");
                }
            }
            tracing::info!(%listen, port = app.port(), "serving");
            app.run_until_stopped(true).await
        }
        Command::Replay(command) => {
            telemetry::init();
            replay::run(&settings, command).await
        }
        Command::DevToken {
            roles,
            satker,
            unit,
            nip,
            sub,
            username,
            name,
            hours,
        } => {
            if !settings.dev_auth {
                bail!(
                    "SEKRETARIAT_AUTH_JWKS_URL is set: the server does not trust the development key"
                );
            }
            let mut parsed = Vec::new();
            for r in &roles {
                parsed.push(Role::parse(r).with_context(|| format!("unknown role {r}"))?);
            }
            let keys = ensure_dev_keys(&settings.data_dir.join("dev-keys"))?;
            let mut claims = DevClaims::new(sub, username, parsed);
            claims.name = name;
            claims.satker_id = satker;
            claims.unit_kerja_id = unit;
            claims.nip = nip;
            claims.issuer = settings.auth.issuer.clone();
            claims.audience = settings.auth.audience.clone();
            claims.ttl = Duration::from_secs(hours * 3600);
            println!("{}", sign_dev_token(&keys, &claims)?);
            Ok(())
        }
    }
}
