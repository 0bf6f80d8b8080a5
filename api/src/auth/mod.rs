//! Authentication: who is calling, checked from the Keycloak access token.
//!
//! A request carries `Authorization: Bearer <JWT>`. [`Authenticator::verify`] checks it
//! against the realm's JWKS (the `jwks` submodule owns the cache and refresh policy): the
//! algorithm (RS256 or PS256 only, checked before anything else so `none` and HMAC tokens
//! never reach a key), the signature, `exp`/`nbf` with a small leeway, the issuer and the audience. The
//! result is an [`AuthUser`] with the application's [`Role`]s and the satker/unit claims that
//! row-level security and command metadata need.
//!
//! Handlers take [`AuthUser`] as an extractor and call [`require_any`] for role checks. Every
//! failure becomes an RFC 9457 problem: 401 with `WWW-Authenticate: Bearer` for a missing or
//! bad token, 403 for a valid token without any of our roles, 503 while the JWKS cannot be
//! fetched. Tokens are never logged.
//!
//! [`dev`] makes a local key pair and signs tokens for newcomers without Keycloak, and for
//! tests.

pub mod dev;
mod jwks;
mod roles;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::future::LocalBoxFuture;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;

pub use roles::{Role, require_any};

/// Default clock-skew allowance for `exp` and `nbf`, in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;

/// Default minimum time between two JWKS refreshes caused by unknown `kid`s (DESIGN §6).
pub const DEFAULT_MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// A token longer than this is refused before any parsing (Keycloak's are a few kilobytes).
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Where the keys are and what a token must say about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The realm's JWKS: `http://`, `https://` or (in development) `file://` followed by an
    /// absolute path.
    pub jwks_url: String,
    /// Expected `iss`, e.g. `https://sso.pa-contoh.go.id/realms/sekretariat`.
    pub issuer: String,
    /// Expected in `aud`, or as `azp` (Keycloak names the requesting client there).
    pub audience: String,
    /// Clock-skew allowance for `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
}

impl AuthConfig {
    /// A configuration with the default leeway.
    pub fn new(
        jwks_url: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        Self {
            jwks_url: jwks_url.into(),
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
        }
    }

    /// The issuer and JWKS URL Keycloak uses for `realm` under `base_url`
    /// (e.g. `http://localhost:8080`).
    pub fn keycloak(base_url: &str, realm: &str, audience: impl Into<String>) -> Self {
        let issuer = format!("{}/realms/{realm}", base_url.trim_end_matches('/'));
        let jwks_url = format!("{issuer}/protocol/openid-connect/certs");
        Self::new(jwks_url, issuer, audience)
    }

    /// The configuration matching [`dev::ensure_dev_keys`] and [`dev::sign_dev_token`]'s
    /// defaults.
    pub fn dev(keys: &dev::DevKeys) -> Self {
        Self::new(keys.jwks_url(), dev::DEV_ISSUER, dev::DEV_AUDIENCE)
    }
}

/// Why a request is not authenticated. [`AuthError::code`] is the stable string clients see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("no bearer token")]
    MissingToken,
    /// Not a JWT, or claims of the wrong shape.
    #[error("malformed token")]
    Malformed,
    /// `exp` has passed (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// The signature does not match the key named by `kid`.
    #[error("invalid token signature")]
    InvalidSignature,
    /// `iss` is not the configured issuer.
    #[error("wrong token issuer")]
    WrongIssuer,
    /// Neither `aud` nor `azp` names the configured audience.
    #[error("wrong token audience")]
    WrongAudience,
    /// The `kid` is not in the JWKS (even after the refresh allowed), or there is no `kid` and
    /// the JWKS holds several keys.
    #[error("unknown signing key")]
    UnknownKey,
    /// `alg` is not RS256 or PS256, or not the one the key declares.
    #[error("unsupported token algorithm")]
    UnsupportedAlgorithm,
    /// No JWKS was ever fetched and fetching it fails now.
    #[error("JWKS unavailable")]
    JwksUnavailable,
    /// The token is valid but carries none of the application's roles.
    #[error("no known role in token")]
    NoKnownRole,
}

impl AuthError {
    /// The stable English snake_case code sent as the problem's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "token_missing",
            AuthError::Malformed => "token_malformed",
            AuthError::Expired => "token_expired",
            AuthError::NotYetValid => "token_not_yet_valid",
            AuthError::InvalidSignature => "token_invalid_signature",
            AuthError::WrongIssuer => "token_wrong_issuer",
            AuthError::WrongAudience => "token_wrong_audience",
            AuthError::UnknownKey => "token_unknown_key",
            AuthError::UnsupportedAlgorithm => "token_unsupported_algorithm",
            AuthError::JwksUnavailable => "jwks_unavailable",
            AuthError::NoKnownRole => "no_known_role",
        }
    }

    /// What the person at the court reads, in Bahasa Indonesia.
    fn detail(&self) -> &'static str {
        match self {
            AuthError::MissingToken => {
                "Anda belum login. Permintaan ini memerlukan token akses (Authorization: Bearer)."
            }
            AuthError::Malformed => "Token akses tidak valid: formatnya tidak dikenali.",
            AuthError::Expired => "Sesi Anda telah berakhir. Silakan login kembali.",
            AuthError::NotYetValid => {
                "Token akses belum berlaku. Periksa jam komputer Anda, lalu coba lagi."
            }
            AuthError::InvalidSignature => "Tanda tangan token akses tidak valid.",
            AuthError::WrongIssuer => {
                "Token akses tidak diterbitkan oleh server login yang dikenal aplikasi ini."
            }
            AuthError::WrongAudience => "Token akses tidak ditujukan untuk aplikasi ini.",
            AuthError::UnknownKey => {
                "Kunci penanda tangan token akses tidak dikenal. Silakan login kembali."
            }
            AuthError::UnsupportedAlgorithm => "Algoritma token akses tidak didukung.",
            AuthError::JwksUnavailable => {
                "Server login sedang tidak dapat dihubungi. Silakan coba lagi beberapa saat lagi."
            }
            AuthError::NoKnownRole => {
                "Akun Anda belum memiliki peran di aplikasi ini. Hubungi admin untuk mendapatkan akses."
            }
        }
    }
}

impl From<AuthError> for Problem {
    /// 401 with `WWW-Authenticate: Bearer`, except [`AuthError::NoKnownRole`] (403: the caller
    /// is known, just not allowed) and [`AuthError::JwksUnavailable`] (503: our side, retry).
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::NoKnownRole => Problem::forbidden(error.code(), error.detail()),
            AuthError::JwksUnavailable => Problem::unavailable(error.code(), error.detail(), 30),
            _ => Problem::unauthorized(error.code(), error.detail()),
        }
    }
}

/// The authenticated caller, as the token describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthUser {
    /// Keycloak's stable user id (`sub`).
    pub sub: String,
    /// `preferred_username`, or `sub` when the token has none.
    pub username: String,
    /// Display name (`name`).
    pub name: Option<String>,
    /// The application's roles from `realm_access.roles`; never empty.
    pub roles: Vec<Role>,
    /// The satker (work unit) the user belongs to; keys row-level security.
    pub satker_id: Option<String>,
    /// The unit kerja within the satker.
    pub unit_kerja_id: Option<String>,
    /// The user's own NIP (`nip` claim, mapped from the Keycloak user attribute): what a `staf`
    /// may see of the pegawai data.
    pub nip: Option<String>,
}

impl AuthUser {
    /// Whether the user holds at least one of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }

    /// Whether the user holds [`Role::Admin`].
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }
}

/// Verifies access tokens. Clone it freely; clones share the key cache.
///
/// Register it as `web::Data<Authenticator>` so the [`AuthUser`] extractor finds it.
#[derive(Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

struct Inner {
    config: AuthConfig,
    keys: jwks::KeyStore,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator with an empty key cache. Does no I/O: the JWKS is fetched on the first
    /// [`verify`](Self::verify).
    pub fn new(config: AuthConfig) -> Self {
        Self::build(config, DEFAULT_MIN_REFRESH_INTERVAL)
    }

    /// The same authenticator with another minimum interval between refreshes caused by
    /// unknown `kid`s. Starts with an empty cache: call it while setting up.
    pub fn with_min_refresh_interval(self, interval: Duration) -> Self {
        Self::build(self.inner.config.clone(), interval)
    }

    /// How many JWKS fetches failed since start (cached keys keep working meanwhile).
    pub fn jwks_fetch_failures(&self) -> u64 {
        self.inner.keys.fetch_failures()
    }

    fn build(config: AuthConfig, min_refresh_interval: Duration) -> Self {
        let keys = jwks::KeyStore::new(&config.jwks_url, min_refresh_interval);
        Self {
            inner: Arc::new(Inner { config, keys }),
        }
    }

    /// The configuration this authenticator checks against.
    pub fn config(&self) -> &AuthConfig {
        &self.inner.config
    }

    /// Checks `token` (the part after `Bearer `) and returns who it is for.
    ///
    /// # Errors
    /// The [`AuthError`] naming the first check that failed, in this order: shape and
    /// algorithm, key, signature, `exp`, `nbf`, issuer, audience, roles.
    pub async fn verify(&self, token: &str) -> Result<AuthUser, AuthError> {
        let config = &self.inner.config;
        let (alg, kid) = peek_header(token)?;
        let key = self.inner.keys.key_for(kid.as_deref()).await?;
        // RFC 7517 §4.4: a key that declares its algorithm is used with that one only.
        if key.alg.is_some_and(|declared| declared != alg) {
            return Err(AuthError::UnsupportedAlgorithm);
        }

        let mut validation = Validation::new(alg);
        validation.leeway = config.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        // jsonwebtoken knows only `aud`; Keycloak names our client in `azp`. Checked below.
        validation.validate_aud = false;

        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| map_jwt_error(e.kind()))?
            .claims;

        let audience_ok = claims
            .aud
            .as_ref()
            .is_some_and(|aud| aud.contains(&config.audience))
            || claims.azp.as_deref() == Some(config.audience.as_str());
        if !audience_ok {
            return Err(AuthError::WrongAudience);
        }
        claims.into_user()
    }

    #[cfg(test)]
    async fn backdate_last_refresh(&self, by: Duration) {
        self.inner.keys.backdate_last_refresh(by).await;
    }
}

/// The header fields we decide on before touching a key.
#[derive(Deserialize)]
struct PeekedHeader {
    alg: Option<String>,
    kid: Option<String>,
}

/// Reads `alg` and `kid` from the JOSE header. Done by hand because `jsonwebtoken`'s `Header`
/// cannot even represent `none`, and because the algorithm must be refused before any key
/// is looked up (no JWKS fetch for a forged HS256 token).
fn peek_header(token: &str) -> Result<(Algorithm, Option<String>), AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(_payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed)?;
    let header: PeekedHeader = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    let alg = match header.alg.as_deref() {
        Some("RS256") => Algorithm::RS256,
        Some("PS256") => Algorithm::PS256,
        Some(_) => return Err(AuthError::UnsupportedAlgorithm),
        None => return Err(AuthError::Malformed),
    };
    Ok((alg, header.kid))
}

fn map_jwt_error(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::InvalidSignature => AuthError::InvalidSignature,
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) if claim == "iss" => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => {
            AuthError::UnsupportedAlgorithm
        }
        // The JWKS served a key the RSA implementation refuses: our side, but from the
        // caller's point of view no usable key signed this token.
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
            tracing::warn!(error = ?kind, "a JWKS key could not be used to verify a token");
            AuthError::UnknownKey
        }
        _ => AuthError::Malformed,
    }
}

/// The claims we read. Unknown claims are ignored.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    realm_access: Option<RealmAccess>,
    #[serde(default)]
    satker_id: Option<String>,
    #[serde(default)]
    unit_kerja_id: Option<String>,
    #[serde(default)]
    nip: Option<String>,
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

#[derive(Deserialize)]
struct RealmAccess {
    #[serde(default)]
    roles: Vec<String>,
}

impl Claims {
    fn into_user(self) -> Result<AuthUser, AuthError> {
        if self.sub.is_empty() {
            return Err(AuthError::Malformed);
        }
        let roles = self
            .realm_access
            .map(|ra| Role::from_names(ra.roles.iter().map(String::as_str)))
            .unwrap_or_default();
        if roles.is_empty() {
            return Err(AuthError::NoKnownRole);
        }
        let username = self
            .preferred_username
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| self.sub.clone());
        Ok(AuthUser {
            sub: self.sub,
            username,
            name: self.name,
            roles,
            satker_id: self.satker_id,
            unit_kerja_id: self.unit_kerja_id,
            nip: self.nip.filter(|n| !n.is_empty()),
        })
    }
}

/// The token after `Bearer ` (the scheme is case-insensitive, RFC 7235 §2.1).
fn bearer_token(req: &HttpRequest) -> Result<String, AuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(AuthError::MissingToken);
    };
    let value = value.to_str().map_err(|_| AuthError::Malformed)?;
    match value.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            let token = token.trim();
            if token.is_empty() {
                Err(AuthError::MissingToken)
            } else {
                Ok(token.to_string())
            }
        }
        // `Basic …` and friends: there is no bearer token to check.
        _ => Err(AuthError::MissingToken),
    }
}

/// Marks a request whose authentication failure is already in the metrics.
struct AuthFailureCounted;

/// Extracts the verified caller from `Authorization: Bearer …`, using the
/// `web::Data<Authenticator>` registered on the app. The result is kept in the request's
/// extensions, so extracting it twice verifies once.
impl FromRequest for AuthUser {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        if let Some(user) = req.extensions().get::<AuthUser>() {
            let user = user.clone();
            return Box::pin(async move { Ok(user) });
        }
        let authenticator = req.app_data::<web::Data<Authenticator>>().cloned();
        let token = bearer_token(req);
        let req = req.clone();
        Box::pin(async move {
            let Some(authenticator) = authenticator else {
                tracing::error!(
                    "web::Data<Authenticator> is not registered; every request is refused"
                );
                return Err(Problem::internal());
            };
            let verified = match token {
                Ok(token) => authenticator.verify(&token).await,
                Err(error) => Err(error),
            };
            match verified {
                Ok(user) => {
                    req.extensions_mut().insert(user.clone());
                    Ok(user)
                }
                Err(error) => {
                    // The code only: the token itself is a credential.
                    tracing::debug!(code = error.code(), "request not authenticated");
                    // Counted once per request, though several extractors may ask.
                    if let Some(metrics) = req.app_data::<web::Data<crate::metrics::Metrics>>() {
                        let first = req.extensions_mut().insert(AuthFailureCounted).is_none();
                        if first {
                            metrics.auth_failure(error.code());
                        }
                    }
                    Err(error.into())
                }
            }
        })
    }
}
