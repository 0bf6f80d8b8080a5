//! Configuration from environment variables (documented in `.env.example`). The defaults run
//! against the local PostgreSQL at 127.0.0.1:5432 with the development key, so a newcomer needs
//! to set nothing.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use ipnet::IpNet;
use sekretariat_projections::migrate::Module;
use sqlx::postgres::PgConnectOptions;

use crate::auth::AuthConfig;
use crate::auth::dev::{DEV_AUDIENCE, DEV_ISSUER};

/// The event store and the read databases.
#[derive(Clone)]
pub struct DatabaseConfig {
    pub eventstore: PgConnectOptions,
    pub modules: HashMap<Module, PgConnectOptions>,
}

impl std::fmt::Debug for DatabaseConfig {
    // PgConnectOptions' Debug would print a password; show only where each one points.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |o: &PgConnectOptions| {
            format!(
                "{}@{}:{}/{}{}",
                o.get_username(),
                o.get_host(),
                o.get_port(),
                o.get_database().unwrap_or(""),
                search_path_of(o)
                    .map(|s| format!(" (schema {s})"))
                    .unwrap_or_default()
            )
        };
        let mut d = f.debug_struct("DatabaseConfig");
        d.field("eventstore", &show(&self.eventstore));
        for m in Module::ALL {
            if let Some(o) = self.modules.get(&m) {
                d.field(m.name(), &show(o));
            }
        }
        d.finish()
    }
}

impl DatabaseConfig {
    pub fn module(&self, module: Module) -> &PgConnectOptions {
        &self.modules[&module]
    }

    /// Every database with its label, event store first.
    pub fn all(&self) -> Vec<(&'static str, &PgConnectOptions)> {
        let mut v = vec![("eventstore", &self.eventstore)];
        for m in Module::ALL {
            v.push((m.name(), &self.modules[&m]));
        }
        v
    }
}

/// The schema named by `-c search_path=...` in the connection's startup options, if any.
pub fn search_path_of(options: &PgConnectOptions) -> Option<String> {
    let opts = options.get_options()?;
    let idx = opts.find("search_path=")?;
    let rest = &opts[idx + "search_path=".len()..];
    let value: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let first = value
        .split(',')
        .next()?
        .trim()
        .trim_matches('"')
        .to_string();
    (!first.is_empty()).then_some(first)
}

/// A value that must not reach a log: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(pub T);

impl<T> std::fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Everything the server needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub databases: DatabaseConfig,
    /// May hold a password.
    pub redis_url: Option<Secret<String>>,
    pub auth: AuthConfig,
    /// True when no JWKS URL was configured: the local development key is trusted.
    pub dev_auth: bool,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// How long a query with `min_position` waits for its projector.
    pub min_position_timeout: Duration,
    /// Who may read `/metrics` and `/health` without a token (default: loopback).
    pub monitoring_allow: Vec<IpNet>,
    /// Proxies (nginx) whose `X-Forwarded-For` is believed (default: loopback).
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed by CORS (the frontend); empty: no CORS headers at all.
    pub cors_origins: Vec<String>,
    /// Longest time a request may take before the server gives up on it.
    pub request_timeout: Duration,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
}

fn ip_list(vars: &HashMap<String, String>, key: &str, default: &str) -> anyhow::Result<Vec<IpNet>> {
    let raw = env(vars, key).unwrap_or_else(|| default.to_string());
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .with_context(|| format!("{key}: '{s}' is not an IP address or CIDR range"))
        })
        .collect()
}

fn number<T: FromStr>(vars: &HashMap<String, String>, key: &str, default: T) -> anyhow::Result<T> {
    match env(vars, key) {
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("{key} is not a number: '{v}'")),
        None => Ok(default),
    }
}

fn env(vars: &HashMap<String, String>, key: &str) -> Option<String> {
    vars.get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl Settings {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A malformed URL or address, named by its variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_vars(&std::env::vars().collect())
    }

    /// Reads the given variables (tests pass their own).
    ///
    /// # Errors
    /// A malformed URL or address, named by its variable.
    pub fn from_vars(vars: &HashMap<String, String>) -> anyhow::Result<Self> {
        let base_url = env(vars, "SEKRETARIAT_DATABASE_URL")
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let base = PgConnectOptions::from_str(&base_url)
            .context("SEKRETARIAT_DATABASE_URL is not a PostgreSQL URL")?;
        let module_options = |name: &str| -> anyhow::Result<PgConnectOptions> {
            let key = format!("SEKRETARIAT_DB_{}_URL", name.to_uppercase());
            let opts = match env(vars, &key) {
                Some(url) => PgConnectOptions::from_str(&url)
                    .with_context(|| format!("{key} is not a PostgreSQL URL"))?,
                None => base.clone().database(&format!("db_{name}")),
            };
            // A projector or rebuild transaction left open would hold back every projector
            // (DESIGN §3, cost a): end idle transactions.
            Ok(opts
                .options([("idle_in_transaction_session_timeout", "60s")])
                .application_name("sekretariat"))
        };
        let eventstore = module_options("eventstore")?;
        let mut modules = HashMap::new();
        for m in Module::ALL {
            modules.insert(m, module_options(m.name())?);
        }
        let data_dir =
            PathBuf::from(env(vars, "SEKRETARIAT_DATA_DIR").unwrap_or_else(|| "data".into()));
        let jwks = env(vars, "SEKRETARIAT_AUTH_JWKS_URL");
        let dev_auth = jwks.is_none();
        let jwks_url = match jwks {
            Some(url) => url,
            None => {
                let abs = std::path::absolute(data_dir.join("dev-keys").join("dev-jwks.json"))
                    .context("SEKRETARIAT_DATA_DIR cannot be made absolute")?;
                format!("file://{}", abs.display())
            }
        };
        if !(jwks_url.starts_with("http://")
            || jwks_url.starts_with("https://")
            || jwks_url.starts_with("file://"))
        {
            bail!("SEKRETARIAT_AUTH_JWKS_URL must start with http://, https:// or file://");
        }
        let listen: SocketAddr = env(vars, "SEKRETARIAT_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("SEKRETARIAT_LISTEN is not an address like 127.0.0.1:8080")?;
        let min_position_timeout =
            Duration::from_millis(number(vars, "SEKRETARIAT_MIN_POSITION_TIMEOUT_MS", 5000)?);
        let loopback = "127.0.0.0/8,::1/128";
        Ok(Self {
            databases: DatabaseConfig {
                eventstore,
                modules,
            },
            redis_url: env(vars, "SEKRETARIAT_REDIS_URL").map(Secret),
            auth: AuthConfig {
                jwks_url,
                issuer: env(vars, "SEKRETARIAT_AUTH_ISSUER").unwrap_or_else(|| DEV_ISSUER.into()),
                audience: env(vars, "SEKRETARIAT_AUTH_AUDIENCE")
                    .unwrap_or_else(|| DEV_AUDIENCE.into()),
                leeway_secs: 30,
            },
            dev_auth,
            listen,
            data_dir,
            min_position_timeout,
            monitoring_allow: ip_list(vars, "SEKRETARIAT_MONITORING_ALLOW", loopback)?,
            trusted_proxies: ip_list(vars, "SEKRETARIAT_TRUSTED_PROXIES", loopback)?,
            cors_origins: env(vars, "SEKRETARIAT_CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().trim_end_matches('/').to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            request_timeout: Duration::from_secs(number(
                vars,
                "SEKRETARIAT_REQUEST_TIMEOUT_SECS",
                30,
            )?),
            body_limit: number::<usize>(vars, "SEKRETARIAT_BODY_LIMIT_KB", 256)? * 1024,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_every_module_at_its_own_database_on_local_postgres() {
        let s = Settings::from_vars(&HashMap::new()).unwrap();
        assert_eq!(s.databases.eventstore.get_database(), Some("db_eventstore"));
        assert_eq!(
            s.databases.module(Module::Kepegawaian).get_database(),
            Some("db_kepegawaian")
        );
        assert_eq!(s.databases.eventstore.get_host(), "127.0.0.1");
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.dev_auth);
        assert!(s.auth.jwks_url.starts_with("file://"));
    }

    #[test]
    fn a_module_url_may_point_at_a_schema() {
        let mut vars = HashMap::new();
        vars.insert(
            "SEKRETARIAT_DB_MASTER_URL".to_string(),
            "postgres://postgres@127.0.0.1/test?options=-csearch_path%3Dt_master".to_string(),
        );
        let s = Settings::from_vars(&vars).unwrap();
        assert_eq!(
            search_path_of(s.databases.module(Module::Master)).as_deref(),
            Some("t_master")
        );
        assert_eq!(search_path_of(s.databases.module(Module::Umum)), None);
    }

    #[test]
    fn a_bad_listen_address_names_its_variable() {
        let mut vars = HashMap::new();
        vars.insert("SEKRETARIAT_LISTEN".to_string(), "nowhere".to_string());
        let err = Settings::from_vars(&vars).unwrap_err().to_string();
        assert!(err.contains("SEKRETARIAT_LISTEN"), "{err}");
    }

    #[test]
    fn debug_output_hides_passwords() {
        let mut vars = HashMap::new();
        vars.insert(
            "SEKRETARIAT_DATABASE_URL".to_string(),
            "postgres://app:s3cret@db:5432/x".to_string(),
        );
        vars.insert(
            "SEKRETARIAT_REDIS_URL".to_string(),
            "redis://:r3dis@cache:6379".to_string(),
        );
        let s = Settings::from_vars(&vars).unwrap();
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("r3dis"),
            "{shown}"
        );
        assert!(shown.contains("app@db:5432/db_master"), "{shown}");
    }
}
