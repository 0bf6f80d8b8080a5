//! A local signing key for development and tests, so nobody needs Keycloak to try the API.
//!
//! [`ensure_dev_keys`] creates (once) an RSA key pair and a one-key JWKS file; point
//! [`AuthConfig::dev`](super::AuthConfig::dev) at it and mint tokens with [`sign_dev_token`]
//! (the `sekretariat dev-token` command). The integration tests use [`sign_rs256`] and
//! [`jwks_from_public_key`] to mint tokens and serve a JWKS of their own.
//!
//! The private key is a development credential: it is written with mode 0600 and must never
//! be configured in production (the issuer [`DEV_ISSUER`] makes such a token recognisable).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::json;

use super::Role;

/// Issuer of development tokens (what a local Keycloak realm `sekretariat-dev` would use).
pub const DEV_ISSUER: &str = "http://localhost:8080/realms/sekretariat-dev";
/// Audience of development tokens: the API's client id.
pub const DEV_AUDIENCE: &str = "sekretariat-api";
/// The `kid` of the development key.
pub const DEV_KID: &str = "sekretariat-dev";
/// File name of the PKCS#8 private key under the key directory.
pub const DEV_PRIVATE_KEY_FILE: &str = "dev-private.pem";
/// File name of the JWKS under the key directory.
pub const DEV_JWKS_FILE: &str = "dev-jwks.json";

const RSA_BITS: usize = 2048;

/// Where the development key pair lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevKeys {
    /// PKCS#8 PEM private key (mode 0600).
    pub private_key_path: PathBuf,
    /// JWKS with the public key, `kid` [`DEV_KID`].
    pub jwks_path: PathBuf,
    /// The key id in the JWKS and in signed tokens.
    pub kid: String,
}

impl DevKeys {
    /// The `file://` URL of the JWKS, for [`AuthConfig::jwks_url`](super::AuthConfig).
    pub fn jwks_url(&self) -> String {
        format!("file://{}", self.jwks_path.display())
    }

    /// The private key's PEM text.
    ///
    /// # Errors
    /// If the file cannot be read.
    pub fn private_pem(&self) -> anyhow::Result<String> {
        fs::read_to_string(&self.private_key_path)
            .with_context(|| format!("reading {}", self.private_key_path.display()))
    }
}

/// What a development token says. [`DevClaims::new`] fills the development issuer and
/// audience and an eight-hour lifetime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevClaims {
    /// `sub`: the user id.
    pub sub: String,
    /// `preferred_username`.
    pub username: String,
    /// `name`.
    pub name: Option<String>,
    /// `realm_access.roles`.
    pub roles: Vec<Role>,
    /// `satker_id`.
    pub satker_id: Option<String>,
    /// `unit_kerja_id`.
    pub unit_kerja_id: Option<String>,
    /// `nip`.
    pub nip: Option<String>,
    /// `iss`.
    pub issuer: String,
    /// `aud` and `azp`.
    pub audience: String,
    /// `exp` is now plus this.
    pub ttl: Duration,
}

impl DevClaims {
    /// Claims for the development issuer and audience, valid for eight hours.
    pub fn new(sub: impl Into<String>, username: impl Into<String>, roles: Vec<Role>) -> Self {
        Self {
            sub: sub.into(),
            username: username.into(),
            name: None,
            roles,
            satker_id: None,
            unit_kerja_id: None,
            nip: None,
            issuer: DEV_ISSUER.to_string(),
            audience: DEV_AUDIENCE.to_string(),
            ttl: Duration::from_secs(8 * 60 * 60),
        }
    }
}

/// Creates the development key pair under `dir` unless it is already there, and returns its
/// paths. Safe to call on every start: an existing key is reused (and its JWKS rewritten if
/// it does not match), so tokens minted earlier keep verifying.
///
/// # Errors
/// If `dir` cannot be created or written, or holds a private key that does not parse.
pub fn ensure_dev_keys(dir: &Path) -> anyhow::Result<DevKeys> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // Absolute, so the file:// URL works whatever the working directory of the reader.
    let dir = fs::canonicalize(dir).with_context(|| format!("resolving {}", dir.display()))?;
    let keys = DevKeys {
        private_key_path: dir.join(DEV_PRIVATE_KEY_FILE),
        jwks_path: dir.join(DEV_JWKS_FILE),
        kid: DEV_KID.to_string(),
    };

    if !keys.private_key_path.exists() {
        let (pem, _) = generate_rsa_key()?;
        publish_private_key(&keys.private_key_path, &pem)?;
    }
    restrict_permissions(&keys.private_key_path)?;

    // Derive the JWKS from the key on disk, not from the one generated above: if another
    // process won the race to create the key, both processes then write the same JWKS.
    let pem = keys.private_pem()?;
    let private = RsaPrivateKey::from_pkcs8_pem(&pem)
        .with_context(|| format!("parsing {}", keys.private_key_path.display()))?;
    let jwks =
        serde_json::to_vec_pretty(&jwks_from_public_key(&private.to_public_key(), &keys.kid))?;
    if fs::read(&keys.jwks_path).ok().as_deref() != Some(jwks.as_slice()) {
        let tmp = temp_path(&keys.jwks_path);
        fs::write(&tmp, &jwks).with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, &keys.jwks_path)
            .with_context(|| format!("moving {} into place", tmp.display()))?;
    }
    Ok(keys)
}

/// Signs a development token for `claims` with the key pair from [`ensure_dev_keys`].
///
/// # Errors
/// If the private key cannot be read or signing fails.
pub fn sign_dev_token(keys: &DevKeys, claims: &DevClaims) -> anyhow::Result<String> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let roles: Vec<&str> = claims.roles.iter().map(|r| r.as_str()).collect();
    let mut body = json!({
        "iss": claims.issuer,
        "aud": claims.audience,
        "azp": claims.audience,
        "sub": claims.sub,
        "typ": "Bearer",
        "iat": now,
        "exp": now + claims.ttl.as_secs(),
        "preferred_username": claims.username,
        "realm_access": { "roles": roles },
    });
    for (field, value) in [
        ("name", &claims.name),
        ("satker_id", &claims.satker_id),
        ("unit_kerja_id", &claims.unit_kerja_id),
        ("nip", &claims.nip),
    ] {
        if let Some(value) = value {
            body[field] = json!(value);
        }
    }
    sign_rs256(&keys.private_pem()?, &keys.kid, &body)
}

/// Signs `claims` as they are (RS256, header `kid` set) with a PKCS#1 or PKCS#8 PEM key.
///
/// # Errors
/// If the key does not parse as an RSA private key.
pub fn sign_rs256(
    private_pem: &str,
    kid: &str,
    claims: &serde_json::Value,
) -> anyhow::Result<String> {
    let key =
        EncodingKey::from_rsa_pem(private_pem.as_bytes()).context("parsing the RSA private key")?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, claims, &key).context("signing the token")
}

/// One JWK (`kty` RSA, `alg` RS256, `use` sig) for `public`.
pub fn jwk_from_public_key(public: &RsaPublicKey, kid: &str) -> serde_json::Value {
    json!({
        "kty": "RSA",
        "kid": kid,
        "use": "sig",
        "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    })
}

/// A JWKS (`{"keys": [...]}`) holding only `public`, as `kid`.
pub fn jwks_from_public_key(public: &RsaPublicKey, kid: &str) -> serde_json::Value {
    json!({ "keys": [jwk_from_public_key(public, kid)] })
}

/// A fresh 2048-bit RSA key: its PKCS#8 PEM and its public half.
///
/// # Errors
/// If key generation or encoding fails.
pub fn generate_rsa_key() -> anyhow::Result<(String, RsaPublicKey)> {
    let private =
        RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS).context("generating an RSA key")?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .context("encoding the RSA key as PKCS#8")?;
    Ok((pem.to_string(), private.to_public_key()))
}

/// Writes the key to a private temporary file, then links it into place; the link fails if
/// the key appeared meanwhile, so two processes starting together never overwrite each
/// other's key and nobody reads a half-written file.
fn publish_private_key(path: &Path, pem: &str) -> anyhow::Result<()> {
    let tmp = temp_path(path);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .with_context(|| format!("creating {}", tmp.display()))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", tmp.display()))?;
    drop(file);
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("moving the key into {}", path.display())),
    }
}

/// Keeps the private key readable by its owner only, also when it was copied in by hand.
fn restrict_permissions(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))
                .with_context(|| format!("restricting {} to mode 0600", path.display()))?;
        }
    }
    #[cfg(not(unix))]
    if !path.is_file() {
        anyhow::bail!("{} is not a file", path.display());
    }
    Ok(())
}

fn temp_path(path: &Path) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{nanos}.tmp", std::process::id()))
}
