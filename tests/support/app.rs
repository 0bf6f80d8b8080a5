//! A spawned server on port 0 against a test's own schemas, with a real JWKS served over HTTP
//! and real RS256 tokens, and typed helpers for the requests tests make.

use std::net::TcpListener;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use sekretariat_api::auth::AuthConfig;
use sekretariat_api::auth::dev::{generate_rsa_key, jwks_from_public_key, sign_rs256};
use sekretariat_api::config::Settings;
use sekretariat_api::startup::{AppHandle, Application, BuildOptions};
use sekretariat_projections::runtime::RunnerOptions;
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::db::TestDatabases;

pub const ISSUER: &str = "http://keycloak.test/realms/sekretariat";
pub const AUDIENCE: &str = "sekretariat-api";
pub const KID: &str = "test-key-1";

struct TestKey {
    private_pem: String,
    jwks: Value,
}

fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let (private_pem, public) = generate_rsa_key().expect("test RSA key");
        TestKey {
            jwks: jwks_from_public_key(&public, KID),
            private_pem,
        }
    })
}

/// A second key, not in the JWKS, for wrong-signature tests.
pub fn foreign_private_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| generate_rsa_key().expect("foreign RSA key").0)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Standard claims for `roles` in `satker`; tests edit the JSON for bad cases.
pub fn claims(roles: &[&str], satker: Option<&str>) -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "azp": "sekretariat-frontend",
        "sub": "user-1",
        "preferred_username": "tester",
        "name": "Penguji Sistem",
        "iat": now(),
        "exp": now() + 600,
        "realm_access": { "roles": roles },
        "satker_id": satker,
    })
}

/// Signs `claims` with the key the JWKS serves.
pub fn sign(claims: &Value) -> String {
    sign_rs256(&test_key().private_pem, KID, claims).expect("sign")
}

/// Signs with a key the JWKS does not hold, under the JWKS's kid.
pub fn sign_foreign(claims: &Value) -> String {
    sign_rs256(foreign_private_pem(), KID, claims).expect("sign")
}

async fn serve_jwks() -> (String, ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let jwks = test_key().jwks.clone();
    let server = HttpServer::new(move || {
        let jwks = jwks.clone();
        App::new().route(
            "/realms/sekretariat/protocol/openid-connect/certs",
            web::get().to(move || {
                let jwks = jwks.clone();
                async move { HttpResponse::Ok().json(jwks) }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (
        format!("http://127.0.0.1:{port}/realms/sekretariat/protocol/openid-connect/certs"),
        handle,
    )
}

/// The app's clock in tests: the real date until a test sets another one (to see what a TMT
/// changes once it is reached).
#[derive(Default)]
pub struct TestClock {
    fixed: std::sync::Mutex<Option<time::Date>>,
}

impl TestClock {
    /// From now on, today is `date` for commands and reads alike.
    pub fn set(&self, date: time::Date) {
        *self.fixed.lock().unwrap() = Some(date);
    }
}

impl sekretariat_domain::ports::Clock for TestClock {
    fn today(&self) -> time::Date {
        let fixed = *self.fixed.lock().unwrap();
        fixed.unwrap_or_else(|| sekretariat_commands::ports::SystemClock.today())
    }
}

/// The running system under test.
pub struct TestApp {
    pub address: String,
    pub db: TestDatabases,
    pub client: reqwest::Client,
    handle: AppHandle,
    server: JoinHandle<anyhow::Result<()>>,
    jwks: ServerHandle,
    pub bus: Arc<sekretariat_commands::CommandBus>,
    /// The app's clock: `app.clock.set(date)` moves "today".
    pub clock: Arc<TestClock>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`TestApp::spawn`], with `configure` changing the settings first (CORS origins,
    /// monitoring addresses, limits).
    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let db = TestDatabases::new().await;
        let (jwks_url, jwks) = serve_jwks().await;
        let mut settings = Settings {
            databases: db.config.clone(),
            redis_url: None,
            auth: AuthConfig::new(jwks_url, ISSUER, AUDIENCE),
            dev_auth: false,
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: std::env::temp_dir().join(format!("sekretariat-test-{}", db.prefix)),
            min_position_timeout: Duration::from_secs(5),
            ..Settings::from_vars(&Default::default()).expect("default settings")
        };
        configure(&mut settings);
        let clock = Arc::new(TestClock::default());
        let options = BuildOptions {
            clock: clock.clone(),
            workers: Some(2),
            runner: RunnerOptions {
                poll_interval: Duration::from_millis(100),
                ..RunnerOptions::default()
            },
        };
        let app = Application::build(settings, options)
            .await
            .expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let bus = app.bus.clone();
        let server = tokio::spawn(app.run_until_stopped(false));
        Self {
            address,
            db,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            handle,
            server,
            jwks,
            bus,
            clock,
        }
    }

    /// A valid token for `roles` in `satker`.
    pub fn token(&self, roles: &[&str], satker: Option<&str>) -> String {
        sign(&claims(roles, satker))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Stops the server and its projectors (the test fails if they do not stop), then drops
    /// the schemas.
    pub async fn stop(self) {
        self.handle.stop().await;
        tokio::time::timeout(Duration::from_secs(20), self.server)
            .await
            .expect("server and projectors stop within 20 s")
            .expect("server task")
            .expect("server result");
        self.jwks.stop(true).await;
        self.db.drop_schemas().await;
    }
}

/// Reads a JSON body, failing with the body text when it is not JSON.
pub async fn json_body(res: reqwest::Response) -> Value {
    let text = res.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
