//! End-to-end checks of [`Authenticator`] against a real JWKS served over HTTP (or read from
//! a file) and real RS256/PS256 signatures.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, test as atest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::RsaPublicKey;
use serde_json::{Value, json};

use super::dev::{self, DevClaims};
use super::*;

const ISSUER: &str = "http://sso.test/realms/sekretariat";
const AUDIENCE: &str = "sekretariat-api";
const KID: &str = "primary";

struct TestKey {
    pem: String,
    public: RsaPublicKey,
}

struct TestKeys {
    primary: TestKey,
    other: TestKey,
}

/// Two keys per test binary: RSA generation is the slow part of this suite.
fn keys() -> &'static TestKeys {
    static KEYS: OnceLock<TestKeys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let key = || {
            let (pem, public) = dev::generate_rsa_key().expect("RSA key generation");
            TestKey { pem, public }
        };
        TestKeys {
            primary: key(),
            other: key(),
        }
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "5b0c7a0e-0000-4000-8000-000000000001",
        "iat": now(),
        "exp": now() + 300,
        "preferred_username": "budi",
        "name": "Budi Santoso",
        "realm_access": { "roles": ["offline_access", "staf", "kasubag_kepegawaian"] },
        "satker_id": "pa-jakarta-selatan",
        "unit_kerja_id": "kepegawaian",
    })
}

fn with(mut claims: Value, field: &str, value: Value) -> Value {
    claims[field] = value;
    claims
}

fn sign(claims: &Value) -> String {
    dev::sign_rs256(&keys().primary.pem, KID, claims).unwrap()
}

/// Signs with an arbitrary header, for the algorithms and headers `sign_rs256` does not make.
fn sign_with(header: Header, pem: &str, claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

fn jwks(entries: &[(&RsaPublicKey, &str)]) -> Value {
    json!({ "keys": entries.iter().map(|(k, kid)| dev::jwk_from_public_key(k, kid)).collect::<Vec<_>>() })
}

fn primary_jwks() -> Value {
    jwks(&[(&keys().primary.public, KID)])
}

/// A JWKS endpoint that counts its requests and whose content a test can change.
struct JwksServer {
    url: String,
    hits: Arc<AtomicUsize>,
    served: Arc<Mutex<Value>>,
    handle: ServerHandle,
}

impl JwksServer {
    async fn start(initial: Value) -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let served = Arc::new(Mutex::new(initial));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/certs", listener.local_addr().unwrap());
        let (h, s) = (Arc::clone(&hits), Arc::clone(&served));
        let server = HttpServer::new(move || {
            let (hits, served) = (Arc::clone(&h), Arc::clone(&s));
            App::new().route(
                "/certs",
                web::get().to(move || {
                    let (hits, served) = (Arc::clone(&hits), Arc::clone(&served));
                    async move {
                        hits.fetch_add(1, Ordering::SeqCst);
                        let body = served.lock().unwrap().clone();
                        HttpResponse::Ok().json(body)
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url,
            hits,
            served,
            handle,
        }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn serve(&self, jwks: Value) {
        *self.served.lock().unwrap() = jwks;
    }

    fn authenticator(&self) -> Authenticator {
        Authenticator::new(AuthConfig::new(&self.url, ISSUER, AUDIENCE))
    }

    async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

/// A per-test scratch directory (no tempfile crate in the workspace).
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("sekretariat-auth-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An http:// URL where nothing listens.
fn dead_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/certs")
}

#[actix_web::test]
async fn valid_token_is_accepted_with_roles_and_satker() {
    let server = JwksServer::start(primary_jwks()).await;
    let user = server
        .authenticator()
        .verify(&sign(&claims()))
        .await
        .unwrap();
    assert_eq!(
        user,
        AuthUser {
            sub: "5b0c7a0e-0000-4000-8000-000000000001".into(),
            username: "budi".into(),
            name: Some("Budi Santoso".into()),
            roles: vec![Role::Staf, Role::KasubagKepegawaian],
            satker_id: Some("pa-jakarta-selatan".into()),
            unit_kerja_id: Some("kepegawaian".into()),
            nip: None,
        }
    );
    assert_eq!(server.hits(), 1);
}

#[actix_web::test]
async fn keys_are_fetched_once_and_reused() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server.authenticator();
    assert_eq!(server.hits(), 0, "construction must not fetch");
    for _ in 0..3 {
        auth.clone().verify(&sign(&claims())).await.unwrap();
    }
    assert_eq!(server.hits(), 1);
}

#[actix_web::test]
async fn username_falls_back_to_sub_without_preferred_username() {
    let server = JwksServer::start(primary_jwks()).await;
    let mut c = claims();
    c.as_object_mut().unwrap().remove("preferred_username");
    let user = server.authenticator().verify(&sign(&c)).await.unwrap();
    assert_eq!(user.username, user.sub);
}

#[actix_web::test]
async fn expired_token_is_rejected() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(claims(), "exp", json!(now() - 600)));
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::Expired)
    );
}

#[actix_web::test]
async fn token_expired_within_the_leeway_is_accepted() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(claims(), "exp", json!(now() - 10)));
    assert!(server.authenticator().verify(&token).await.is_ok());
}

#[actix_web::test]
async fn token_not_yet_valid_is_rejected() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(claims(), "nbf", json!(now() + 600)));
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::NotYetValid)
    );
}

#[actix_web::test]
async fn token_from_another_issuer_is_rejected() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(claims(), "iss", json!("http://sso.test/realms/lain")));
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::WrongIssuer)
    );
    let mut no_iss = claims();
    no_iss.as_object_mut().unwrap().remove("iss");
    assert_eq!(
        server.authenticator().verify(&sign(&no_iss)).await,
        Err(AuthError::WrongIssuer)
    );
}

#[actix_web::test]
async fn token_for_another_audience_is_rejected() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server.authenticator();
    let token = sign(&with(
        with(claims(), "aud", json!("account")),
        "azp",
        json!("sekretariat-web"),
    ));
    assert_eq!(auth.verify(&token).await, Err(AuthError::WrongAudience));
    let mut no_aud = claims();
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_eq!(
        auth.verify(&sign(&no_aud)).await,
        Err(AuthError::WrongAudience)
    );
}

#[actix_web::test]
async fn audience_in_an_array_is_accepted() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(claims(), "aud", json!(["account", AUDIENCE])));
    assert!(server.authenticator().verify(&token).await.is_ok());
}

#[actix_web::test]
async fn audience_named_in_azp_is_accepted() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(
        with(claims(), "aud", json!("account")),
        "azp",
        json!(AUDIENCE),
    ));
    assert!(server.authenticator().verify(&token).await.is_ok());
}

#[actix_web::test]
async fn token_signed_by_another_key_with_the_same_kid_is_rejected() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = dev::sign_rs256(&keys().other.pem, KID, &claims()).unwrap();
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::InvalidSignature)
    );
}

#[actix_web::test]
async fn tampered_claims_break_the_signature() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&claims());
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&with(claims(), "realm_access", json!({"roles": ["admin"]}))).unwrap(),
    );
    parts[1] = &forged;
    assert_eq!(
        server.authenticator().verify(&parts.join(".")).await,
        Err(AuthError::InvalidSignature)
    );
}

#[actix_web::test]
async fn alg_none_is_rejected_without_fetching_keys() {
    let server = JwksServer::start(primary_jwks()).await;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"primary"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let token = format!("{header}.{payload}.");
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::UnsupportedAlgorithm)
    );
    assert_eq!(server.hits(), 0);
}

#[actix_web::test]
async fn hs256_signed_with_the_public_key_is_rejected() {
    // The classic algorithm confusion: an HMAC "secret" everybody can download.
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server.authenticator();
    auth.verify(&sign(&claims())).await.unwrap(); // keys cached, so a fallback would bite
    let public_pem = {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        keys()
            .primary
            .public
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
    };
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.into());
    let key = EncodingKey::from_secret(public_pem.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims(), &key).unwrap();
    assert_eq!(
        auth.verify(&token).await,
        Err(AuthError::UnsupportedAlgorithm)
    );
}

#[actix_web::test]
async fn ps256_token_is_accepted_by_a_ps256_key() {
    let mut jwk = dev::jwk_from_public_key(&keys().primary.public, "pss");
    jwk["alg"] = json!("PS256");
    let server = JwksServer::start(json!({ "keys": [jwk] })).await;
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some("pss".into());
    let token = sign_with(header, &keys().primary.pem, &claims());
    assert!(server.authenticator().verify(&token).await.is_ok());
}

#[actix_web::test]
async fn ps256_token_is_rejected_by_a_key_declared_rs256() {
    let server = JwksServer::start(primary_jwks()).await;
    let mut header = Header::new(Algorithm::PS256);
    header.kid = Some(KID.into());
    let token = sign_with(header, &keys().primary.pem, &claims());
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::UnsupportedAlgorithm)
    );
}

#[actix_web::test]
async fn token_without_kid_is_rejected_when_the_jwks_holds_several_keys() {
    let server = JwksServer::start(jwks(&[
        (&keys().primary.public, KID),
        (&keys().other.public, "other"),
    ]))
    .await;
    let token = sign_with(
        Header::new(Algorithm::RS256),
        &keys().primary.pem,
        &claims(),
    );
    assert_eq!(
        server.authenticator().verify(&token).await,
        Err(AuthError::UnknownKey)
    );
}

#[actix_web::test]
async fn token_without_kid_uses_the_only_key_of_the_jwks() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign_with(
        Header::new(Algorithm::RS256),
        &keys().primary.pem,
        &claims(),
    );
    assert!(server.authenticator().verify(&token).await.is_ok());
}

#[actix_web::test]
async fn unknown_kid_refreshes_once_and_not_again_within_the_interval() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server.authenticator();
    auth.verify(&sign(&claims())).await.unwrap();
    assert_eq!(server.hits(), 1);

    // Keycloak rotates: the new key appears in the JWKS a minute later.
    server.serve(jwks(&[
        (&keys().primary.public, KID),
        (&keys().other.public, "rotated"),
    ]));
    auth.backdate_last_refresh(DEFAULT_MIN_REFRESH_INTERVAL + Duration::from_secs(1))
        .await;
    let rotated = dev::sign_rs256(&keys().other.pem, "rotated", &claims()).unwrap();
    assert!(
        auth.verify(&rotated).await.is_ok(),
        "the refresh must find the new key"
    );
    assert_eq!(server.hits(), 2, "exactly one refresh");

    // A second unknown kid right after: no fetch, rejected.
    let bogus = dev::sign_rs256(&keys().other.pem, "made-up", &claims()).unwrap();
    assert_eq!(auth.verify(&bogus).await, Err(AuthError::UnknownKey));
    assert_eq!(auth.verify(&bogus).await, Err(AuthError::UnknownKey));
    assert_eq!(server.hits(), 2, "no refetch within the interval");

    // Known keys are unaffected, and once the interval has passed a refresh is allowed again.
    assert!(auth.verify(&rotated).await.is_ok());
    auth.backdate_last_refresh(DEFAULT_MIN_REFRESH_INTERVAL + Duration::from_secs(1))
        .await;
    assert_eq!(auth.verify(&bogus).await, Err(AuthError::UnknownKey));
    assert_eq!(server.hits(), 3);
}

#[actix_web::test]
async fn concurrent_unknown_kids_share_one_refresh() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server
        .authenticator()
        .with_min_refresh_interval(Duration::ZERO);
    auth.verify(&sign(&claims())).await.unwrap();
    server.serve(jwks(&[(&keys().other.public, "rotated")]));
    let rotated = dev::sign_rs256(&keys().other.pem, "rotated", &claims()).unwrap();
    let results = futures::future::join_all((0..8).map(|_| auth.verify(&rotated))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.hits(), 2);
}

#[actix_web::test]
async fn removed_key_stops_verifying_after_a_refresh() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server
        .authenticator()
        .with_min_refresh_interval(Duration::ZERO);
    let old = sign(&claims());
    auth.verify(&old).await.unwrap();
    server.serve(jwks(&[(&keys().other.public, "rotated")]));
    let rotated = dev::sign_rs256(&keys().other.pem, "rotated", &claims()).unwrap();
    auth.verify(&rotated).await.unwrap();
    assert_eq!(auth.verify(&old).await, Err(AuthError::UnknownKey));
}

#[actix_web::test]
async fn cached_key_keeps_verifying_when_the_jwks_server_goes_down() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server
        .authenticator()
        .with_min_refresh_interval(Duration::ZERO);
    auth.verify(&sign(&claims())).await.unwrap();
    server.stop().await;

    // An unknown kid now forces a refresh, which fails...
    let bogus = dev::sign_rs256(&keys().other.pem, "made-up", &claims()).unwrap();
    assert_eq!(auth.verify(&bogus).await, Err(AuthError::UnknownKey));
    // ...and the cached key is still there.
    assert!(auth.verify(&sign(&claims())).await.is_ok());
    assert_eq!(server.hits(), 1);
}

#[actix_web::test]
async fn unreachable_jwks_without_cache_is_a_503() {
    let auth = Authenticator::new(AuthConfig::new(dead_url(), ISSUER, AUDIENCE));
    let error = auth.verify(&sign(&claims())).await.unwrap_err();
    assert_eq!(error, AuthError::JwksUnavailable);
    let problem = Problem::from(error);
    assert_eq!((problem.status, problem.retry_after), (503, Some(30)));
    assert_eq!(problem.code, "jwks_unavailable");
}

#[actix_web::test]
async fn jwks_that_recovers_is_fetched_on_the_next_request() {
    let server = JwksServer::start(json!({"keys": []})).await;
    let auth = server.authenticator();
    assert_eq!(
        auth.verify(&sign(&claims())).await,
        Err(AuthError::JwksUnavailable)
    );
    server.serve(primary_jwks());
    assert!(
        auth.verify(&sign(&claims())).await.is_ok(),
        "no rate limit while nothing is cached"
    );
    assert_eq!(server.hits(), 2);
}

#[actix_web::test]
async fn jwks_read_from_a_file_url_works() {
    let dir = ScratchDir::new("file-url");
    let path = dir.0.join("jwks.json");
    std::fs::write(&path, serde_json::to_vec(&primary_jwks()).unwrap()).unwrap();
    let auth = Authenticator::new(AuthConfig::new(
        format!("file://{}", path.display()),
        ISSUER,
        AUDIENCE,
    ));
    assert!(auth.verify(&sign(&claims())).await.is_ok());
}

#[actix_web::test]
async fn token_without_known_roles_is_a_403() {
    let server = JwksServer::start(primary_jwks()).await;
    let token = sign(&with(
        claims(),
        "realm_access",
        json!({"roles": ["offline_access", "uma_authorization"]}),
    ));
    let error = server.authenticator().verify(&token).await.unwrap_err();
    assert_eq!(error, AuthError::NoKnownRole);
    let problem = Problem::from(error);
    assert_eq!((problem.status, problem.www_authenticate), (403, false));
}

#[actix_web::test]
async fn garbage_is_malformed_and_fetches_nothing() {
    let server = JwksServer::start(primary_jwks()).await;
    let auth = server.authenticator();
    for token in [
        "",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "e30.e30.",
        &"x".repeat(20_000),
    ] {
        assert_eq!(
            auth.verify(token).await,
            Err(AuthError::Malformed),
            "{token:.20}"
        );
    }
    assert_eq!(server.hits(), 0);
}

#[test]
fn every_error_maps_to_a_problem_with_its_code() {
    let all = [
        AuthError::MissingToken,
        AuthError::Malformed,
        AuthError::Expired,
        AuthError::NotYetValid,
        AuthError::InvalidSignature,
        AuthError::WrongIssuer,
        AuthError::WrongAudience,
        AuthError::UnknownKey,
        AuthError::UnsupportedAlgorithm,
        AuthError::JwksUnavailable,
        AuthError::NoKnownRole,
    ];
    for error in all {
        let problem = Problem::from(error);
        assert_eq!(problem.code, error.code());
        let expected = match error {
            AuthError::NoKnownRole => 403,
            AuthError::JwksUnavailable => 503,
            _ => 401,
        };
        assert_eq!(problem.status, expected, "{error:?}");
        assert_eq!(problem.www_authenticate, expected == 401, "{error:?}");
        assert!(!problem.detail.is_empty());
    }
}

#[actix_web::test]
async fn dev_keys_are_created_once_and_their_tokens_verify() {
    let dir = ScratchDir::new("dev-keys");
    let first = dev::ensure_dev_keys(&dir.0).unwrap();
    let pem = first.private_pem().unwrap();
    let jwks = std::fs::read(&first.jwks_path).unwrap();
    let second = dev::ensure_dev_keys(&dir.0).unwrap();
    assert_eq!(first, second);
    assert_eq!(second.private_pem().unwrap(), pem, "the key must be reused");
    assert_eq!(std::fs::read(&second.jwks_path).unwrap(), jwks);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&first.private_key_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let mut claims = DevClaims::new("dev-1", "sekretaris.dev", vec![Role::Sekretaris]);
    claims.satker_id = Some("pa-contoh".into());
    let token = dev::sign_dev_token(&second, &claims).unwrap();
    let user = Authenticator::new(AuthConfig::dev(&second))
        .verify(&token)
        .await
        .unwrap();
    assert_eq!(user.username, "sekretaris.dev");
    assert_eq!(user.roles, vec![Role::Sekretaris]);
    assert_eq!(user.satker_id.as_deref(), Some("pa-contoh"));
    assert_eq!(user.name, None);
}

#[actix_web::test]
async fn dev_token_with_zero_ttl_expires() {
    let dir = ScratchDir::new("dev-ttl");
    let keys = dev::ensure_dev_keys(&dir.0).unwrap();
    let mut claims = DevClaims::new("dev-1", "staf.dev", vec![Role::Staf]);
    claims.ttl = Duration::ZERO;
    let token = dev::sign_dev_token(&keys, &claims).unwrap();
    let mut config = AuthConfig::dev(&keys);
    config.leeway_secs = 0;
    // exp == now is still valid for jsonwebtoken (strictly "exp < now" fails), so wait past it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        Authenticator::new(config).verify(&token).await,
        Err(AuthError::Expired)
    );
}

mod extractor {
    use super::*;
    use actix_web::http::{StatusCode, header};

    async fn whoami(user: AuthUser) -> HttpResponse {
        HttpResponse::Ok().json(user)
    }

    async fn call(
        auth: Option<Authenticator>,
        authorization: Option<&str>,
    ) -> (StatusCode, Option<String>, Value) {
        let mut app = App::new().route("/whoami", web::get().to(whoami));
        if let Some(auth) = auth {
            app = app.app_data(web::Data::new(auth));
        }
        let app = atest::init_service(app).await;
        let mut req = atest::TestRequest::get().uri("/whoami");
        if let Some(value) = authorization {
            req = req.insert_header((header::AUTHORIZATION, value));
        }
        let res = atest::call_service(&app, req.to_request()).await;
        let status = res.status();
        let www = res
            .headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap().to_string());
        let content_type = res.headers().get(header::CONTENT_TYPE).cloned();
        let body: Value = atest::read_body_json(res).await;
        if status != StatusCode::OK {
            assert_eq!(content_type.unwrap(), "application/problem+json");
        }
        (status, www, body)
    }

    fn offline_authenticator() -> Authenticator {
        Authenticator::new(AuthConfig::new(
            "file:///nonexistent/jwks.json",
            ISSUER,
            AUDIENCE,
        ))
    }

    #[actix_web::test]
    async fn request_without_authorization_header_gets_401_problem() {
        let (status, www, body) = call(Some(offline_authenticator()), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(www.as_deref(), Some("Bearer"));
        assert_eq!(body["code"], "token_missing");
        assert_eq!(body["status"], 401);
    }

    #[actix_web::test]
    async fn request_with_basic_authorization_gets_401_problem() {
        let (status, www, body) = call(
            Some(offline_authenticator()),
            Some("Basic YnVkaTpyYWhhc2lh"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(www.as_deref(), Some("Bearer"));
        assert_eq!(body["code"], "token_missing");
    }

    #[actix_web::test]
    async fn request_with_a_bad_bearer_token_gets_401_with_its_code() {
        let (status, _, body) = call(Some(offline_authenticator()), Some("Bearer not-a-jwt")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "token_malformed");
    }

    #[actix_web::test]
    async fn request_with_a_valid_bearer_token_reaches_the_handler() {
        let server = JwksServer::start(primary_jwks()).await;
        let bearer = format!("bearer {}", sign(&claims()));
        let (status, _, body) = call(Some(server.authenticator()), Some(&bearer)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["username"], "budi");
        assert_eq!(body["roles"], json!(["staf", "kasubag_kepegawaian"]));
    }

    #[actix_web::test]
    async fn missing_authenticator_is_an_opaque_500() {
        let (status, _, body) = call(None, Some(&format!("Bearer {}", sign(&claims())))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["code"], "internal_error");
    }
}
