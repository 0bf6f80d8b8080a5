//! The realm's signing keys: fetched from the JWKS URL, cached in memory by `kid`.
//!
//! Policy (DESIGN §6):
//! - keys are fetched lazily, on the first token to verify, so the server starts even when
//!   Keycloak is not up yet;
//! - an unknown `kid` (Keycloak rotated its keys) triggers a refresh, at most one per
//!   `min_refresh_interval` (60 s), so a client sending made-up `kid`s cannot turn us into a
//!   load generator against Keycloak;
//! - a failed refresh keeps the cached keys working (and is logged); with nothing cached the
//!   caller gets [`AuthError::JwksUnavailable`]. While nothing is cached the rate limit does not
//!   apply, otherwise one Keycloak blip at start-up would lock everyone out for a minute; the
//!   fetch is still single-flight, so concurrent requests share one attempt;
//! - a successful refresh replaces the whole set: a key Keycloak removed stops verifying.
//!
//! Only RSA signing keys (`use` absent or `sig`, `alg` absent, RS256 or PS256) are kept;
//! Keycloak also publishes an `RSA-OAEP` encryption key, which is skipped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use super::AuthError;

/// A JWKS larger than this is not a JWKS (Keycloak's is a few kilobytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One verification key from the set.
pub(super) struct SigningKey {
    /// The algorithm the JWK declares, if any; a token must then use exactly this one.
    pub(super) alg: Option<Algorithm>,
    pub(super) key: DecodingKey,
}

/// Where the set comes from.
#[derive(Debug, Clone)]
enum Source {
    Http(String),
    File(PathBuf),
    /// Reported on every fetch rather than at construction, which does no I/O and cannot fail.
    Unsupported(String),
}

impl Source {
    fn parse(url: &str) -> Self {
        if url.starts_with("http://") || url.starts_with("https://") {
            Source::Http(url.to_string())
        } else if let Some(path) = url.strip_prefix("file://") {
            Source::File(PathBuf::from(path))
        } else {
            Source::Unsupported(url.to_string())
        }
    }
}

#[derive(Default)]
struct State {
    by_kid: HashMap<String, Arc<SigningKey>>,
    /// The only usable key of the set, used for a token without `kid`.
    sole: Option<Arc<SigningKey>>,
    /// At least one fetch succeeded.
    loaded: bool,
    /// When the last fetch attempt (successful or not) finished.
    last_refresh: Option<Instant>,
}

impl State {
    fn find(&self, kid: Option<&str>) -> Option<Arc<SigningKey>> {
        match kid {
            Some(kid) => self.by_kid.get(kid).cloned(),
            None => self.sole.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    /// Nothing cached yet.
    Initial,
    /// A token named a `kid` we do not have.
    UnknownKid,
}

/// The cache. Cheap to share behind the authenticator's `Arc`.
pub(super) struct KeyStore {
    url: String,
    source: Source,
    http: Result<reqwest::Client, String>,
    min_refresh_interval: Duration,
    state: RwLock<State>,
    /// Serialises fetches, so a burst of requests after a rotation fetches once.
    refresh_lock: Mutex<()>,
    /// Failed fetches since start (exported as `jwks_fetch_failures_total`).
    fetch_failures: std::sync::atomic::AtomicU64,
}

impl KeyStore {
    /// How many JWKS fetches failed since start.
    pub(super) fn fetch_failures(&self) -> u64 {
        self.fetch_failures
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// No I/O: the first fetch happens on the first [`KeyStore::key_for`].
    pub(super) fn new(url: &str, min_refresh_interval: Duration) -> Self {
        // The binary installs ring at start; doing it here too keeps tests and other embedders
        // working. A second install is refused harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| e.to_string());
        Self {
            url: url.to_string(),
            source: Source::parse(url),
            http,
            min_refresh_interval,
            state: RwLock::new(State::default()),
            refresh_lock: Mutex::new(()),
            fetch_failures: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The key that should have signed a token with this `kid`.
    ///
    /// # Errors
    /// [`AuthError::JwksUnavailable`] if no set was ever fetched and fetching fails now;
    /// [`AuthError::UnknownKey`] if the key is not in the set even after the refresh the rate
    /// limit allows (or, without `kid`, if the set does not hold exactly one key).
    pub(super) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<SigningKey>, AuthError> {
        let loaded = {
            let state = self.state.read().await;
            if let Some(key) = state.find(kid) {
                return Ok(key);
            }
            state.loaded
        };

        let reason = if loaded {
            // Refreshing cannot tell us which of several keys a kid-less token meant.
            if kid.is_none() {
                return Err(AuthError::UnknownKey);
            }
            Reason::UnknownKid
        } else {
            Reason::Initial
        };
        self.refresh(reason).await;

        let state = self.state.read().await;
        if !state.loaded {
            return Err(AuthError::JwksUnavailable);
        }
        state.find(kid).ok_or(AuthError::UnknownKey)
    }

    async fn refresh(&self, reason: Reason) {
        let requested_at = Instant::now();
        let _guard = self.refresh_lock.lock().await;
        {
            let state = self.state.read().await;
            // Someone else fetched while we waited for the lock: their result is as fresh as
            // ours would be.
            if state.last_refresh.is_some_and(|last| last >= requested_at) {
                return;
            }
            if reason == Reason::UnknownKid
                && let Some(last) = state.last_refresh
                && last.elapsed() < self.min_refresh_interval
            {
                tracing::debug!(
                    jwks_url = %self.url,
                    "unknown kid, but the JWKS was refreshed less than the minimum interval ago; not refetching"
                );
                return;
            }
        }

        let fetched = self.fetch().await.and_then(usable_keys);
        if fetched.is_err() {
            self.fetch_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let mut state = self.state.write().await;
        state.last_refresh = Some(Instant::now());
        match fetched {
            Ok((by_kid, sole)) => {
                tracing::info!(
                    jwks_url = %self.url,
                    kids = ?by_kid.keys().collect::<Vec<_>>(),
                    ?reason,
                    "JWKS loaded"
                );
                state.by_kid = by_kid;
                state.sole = sole;
                state.loaded = true;
            }
            Err(error) if state.loaded => tracing::warn!(
                jwks_url = %self.url,
                error = format!("{error:#}"),
                ?reason,
                "JWKS refresh failed; the cached keys stay in use"
            ),
            Err(error) => tracing::warn!(
                jwks_url = %self.url,
                error = format!("{error:#}"),
                ?reason,
                "JWKS fetch failed and no keys are cached; tokens cannot be verified"
            ),
        }
    }

    async fn fetch(&self) -> anyhow::Result<JwkSet> {
        let bytes = match &self.source {
            Source::Http(url) => {
                let client = self
                    .http
                    .as_ref()
                    .map_err(|e| anyhow!("HTTP client: {e}"))?;
                let mut response = client
                    .get(url)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .send()
                    .await
                    .context("requesting the JWKS")?
                    .error_for_status()
                    .context("JWKS endpoint answered with an error status")?;
                let mut body = Vec::new();
                while let Some(chunk) = response.chunk().await.context("reading the JWKS body")? {
                    if body.len() + chunk.len() > MAX_JWKS_BYTES {
                        bail!("JWKS body is larger than {MAX_JWKS_BYTES} bytes");
                    }
                    body.extend_from_slice(&chunk);
                }
                body
            }
            Source::File(path) => {
                // What tokio::fs does underneath; the workspace's tokio has no `fs` feature.
                let owned = path.clone();
                let bytes = tokio::task::spawn_blocking(move || std::fs::read(owned))
                    .await
                    .context("the JWKS file reader panicked")?
                    .with_context(|| format!("reading the JWKS file {}", path.display()))?;
                if bytes.len() > MAX_JWKS_BYTES {
                    bail!("JWKS file is larger than {MAX_JWKS_BYTES} bytes");
                }
                bytes
            }
            Source::Unsupported(url) => {
                bail!("JWKS URL {url:?} must start with http://, https:// or file://")
            }
        };
        serde_json::from_slice(&bytes).context("parsing the JWKS")
    }

    /// Moves the last refresh into the past, so a test can cross the rate limit without
    /// sleeping.
    #[cfg(test)]
    pub(super) async fn backdate_last_refresh(&self, by: Duration) {
        let mut state = self.state.write().await;
        state.last_refresh = state.last_refresh.and_then(|t| t.checked_sub(by));
    }
}

type UsableKeys = (HashMap<String, Arc<SigningKey>>, Option<Arc<SigningKey>>);

/// The RSA signing keys of a set; an error if there is none, so that a broken set does not
/// replace a working cache.
fn usable_keys(set: JwkSet) -> anyhow::Result<UsableKeys> {
    let mut by_kid = HashMap::new();
    let mut all = Vec::new();
    for jwk in &set.keys {
        let kid = jwk.common.key_id.clone();
        if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
            continue;
        }
        if matches!(
            jwk.common.public_key_use,
            Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
        ) {
            continue;
        }
        let alg = match &jwk.common.key_algorithm {
            None => None,
            Some(KeyAlgorithm::RS256) => Some(Algorithm::RS256),
            Some(KeyAlgorithm::PS256) => Some(Algorithm::PS256),
            Some(_) => continue,
        };
        let key = match DecodingKey::from_jwk(jwk) {
            Ok(key) => Arc::new(SigningKey { alg, key }),
            Err(error) => {
                tracing::warn!(?kid, %error, "skipping a JWKS key that cannot be decoded");
                continue;
            }
        };
        if let Some(kid) = kid {
            by_kid.insert(kid, Arc::clone(&key));
        }
        all.push(key);
    }
    let sole = match all.as_slice() {
        [] => bail!("the JWKS holds no RSA signing key (RS256/PS256)"),
        [only] => Some(Arc::clone(only)),
        _ => None,
    };
    Ok((by_kid, sole))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(value: serde_json::Value) -> JwkSet {
        serde_json::from_value(value).unwrap()
    }

    // A real 512-bit modulus is not needed: `from_jwk` only base64-decodes n and e.
    const N: &str = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";

    #[test]
    fn keycloak_encryption_key_is_skipped_and_the_signing_key_is_sole() {
        let (by_kid, sole) = usable_keys(set(json!({"keys": [
            {"kid": "sig-1", "kty": "RSA", "alg": "RS256", "use": "sig", "n": N, "e": "AQAB"},
            {"kid": "enc-1", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc", "n": N, "e": "AQAB"},
        ]})))
        .unwrap();
        assert_eq!(by_kid.keys().collect::<Vec<_>>(), vec!["sig-1"]);
        assert!(sole.is_some());
    }

    #[test]
    fn a_set_without_rsa_signing_keys_is_an_error() {
        let only_enc = set(json!({"keys": [
            {"kid": "enc-1", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc", "n": N, "e": "AQAB"},
        ]}));
        assert!(usable_keys(only_enc).is_err());
        assert!(usable_keys(set(json!({"keys": []}))).is_err());
    }

    #[test]
    fn two_signing_keys_leave_no_sole_key() {
        let (by_kid, sole) = usable_keys(set(json!({"keys": [
            {"kid": "a", "kty": "RSA", "alg": "RS256", "n": N, "e": "AQAB"},
            {"kid": "b", "kty": "RSA", "alg": "PS256", "n": N, "e": "AQAB"},
        ]})))
        .unwrap();
        assert_eq!(by_kid.len(), 2);
        assert!(sole.is_none());
        assert_eq!(by_kid["b"].alg, Some(Algorithm::PS256));
    }

    #[tokio::test]
    async fn an_unsupported_url_scheme_makes_the_jwks_unavailable() {
        let store = KeyStore::new("ftp://example.invalid/certs", Duration::from_secs(60));
        assert_eq!(
            store.key_for(Some("x")).await.err(),
            Some(AuthError::JwksUnavailable)
        );
    }
}
