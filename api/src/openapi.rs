//! The API description: an OpenAPI 3.1 document generated from the handlers' `#[utoipa::path]`
//! annotations and the DTOs' and views' `ToSchema` derives, served at
//! `GET /api/v1/openapi.json`, and a self-contained docs page at `GET /api/docs` that renders it
//! (no CDN, no asset downloaded at build time: the court's network reaches neither).
//!
//! Each route module owns an `OpenApi` of its own paths (so its handlers stay private); this
//! module merges them under one `info`, the `bearer_jwt` security scheme and the shared
//! schemas. A test checks that the document's operations are exactly the rows of
//! [`crate::rbac::MATRIX`], the registry of routes.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use base64::Engine;
use rand::RngCore;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};

use crate::problem::FieldError;

/// Name of the security scheme every protected operation requires.
pub const BEARER: &str = "bearer_jwt";

/// What every command answers (`sekretariat_commands::CommandOutcome`'s wire form). Described
/// here rather than derived on the commands crate so the write side does not depend on the
/// HTTP description; the integration tests check real answers against it.
#[derive(ToSchema)]
#[schema(
    as = CommandOutcome,
    description = "Jawaban setiap perintah / what every command answers: the aggregate's id, its new version and the event's global position."
)]
#[expect(
    dead_code,
    reason = "only its schema is used; the wire value is CommandOutcome"
)]
pub struct CommandOutcomeSchema {
    /// The aggregate's id (a NIP, a kode satker or a UUID).
    #[schema(example = "199805142022032003")]
    id: String,
    /// The aggregate's version after the command.
    #[schema(example = 1)]
    version: i64,
    /// Global position of the last event the command appended; pass it back as
    /// `?min_position=` to read your own write. `null` when the command changed nothing.
    #[schema(example = 42)]
    position: Option<i64>,
}

/// Adds the bearer scheme (Keycloak-issued RS256 JWT).
struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Token akses Keycloak (RS256) / Keycloak access token (RS256). \
                         Roles from `realm_access.roles`; satker and unit from the \
                         `satker_id` and `unit_kerja_id` claims.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document's root: info, tags, shared schemas, security scheme and the meta route.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sekretariat PA API",
        description = "Back office kesekretariatan Pengadilan Agama: kepegawaian dan data master. \
Semua kesalahan dijawab sebagai `application/problem+json` (RFC 9457) dengan `code` yang stabil \
dan `detail` berbahasa Indonesia.\n\n\
Back office of an Indonesian religious court (Pengadilan Agama): personnel and master data. \
Every error is answered as `application/problem+json` (RFC 9457) with a stable English `code` \
and an Indonesian `detail`. Commands answer `{id, version, position}`; pass `position` back as \
`?min_position=` to read your own write. Who may call what is the RBAC matrix in the README.",
    ),
    paths(openapi_json),
    components(schemas(crate::problem::ProblemBody, FieldError, CommandOutcomeSchema)),
    modifiers(&SecurityAddon),
    tags(
        (name = "pegawai", description = "Data pegawai: pendaftaran, perubahan, riwayat pangkat dan jabatan / personnel records"),
        (name = "master", description = "Data master: satker, unit kerja, jabatan, golongan / master data"),
        (name = "audit", description = "Jejak audit: log, unduhan .xlsx, riwayat dan keadaan pada suatu tanggal (admin) / audit trail"),
        (name = "meta", description = "Deskripsi API ini / this API description"),
    )
)]
struct ApiDoc;

/// The whole document, as generated from the code.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::routes::pegawai::PegawaiApi::openapi());
    doc.merge(crate::routes::mutasi::MutasiApi::openapi());
    doc.merge(crate::routes::master::MasterApi::openapi());
    doc.merge(crate::routes::audit::AuditApi::openapi());
    doc.merge(crate::routes::kepegawaian::KepegawaianApi::openapi());
    doc.merge(crate::routes::kenaikan_pangkat::KenaikanPangkatApi::openapi());
    doc.merge(crate::routes::sikep::SikepApi::openapi());
    doc.merge(crate::routes::duk::DukApi::openapi());
    doc
}

/// The document as served (built once).
static JSON: LazyLock<String> = LazyLock::new(|| {
    document()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_string())
});

/// The OpenAPI document of this API.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "openapi_json",
    summary = "Dokumen OpenAPI / OpenAPI document",
    description = "Dokumen OpenAPI 3.1 API ini, tanpa token. / This API's OpenAPI 3.1 document; no token needed.",
    responses(
        (status = 200, description = "Dokumen OpenAPI 3.1 / the OpenAPI 3.1 document", content_type = "application/json", body = Object),
        PublicErrors,
    )
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(JSON.as_str())
}

/// The docs page; `{{nonce}}` is replaced per response.
const DOCS_PAGE: &str = include_str!("openapi_docs.html");

/// `GET /api/docs`: the page that renders the document. Its script and style are inline, so
/// its Content-Security-Policy allows exactly those by a per-response nonce and nothing from
/// elsewhere (`connect-src 'self'` for fetching the document).
pub async fn docs() -> HttpResponse {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::STANDARD.encode(bytes);
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    );
    let mut res = HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE.replace("{{nonce}}", &nonce));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

/// `GET /api/v1/openapi.json` inside the `/api/v1` scope (public in the RBAC matrix).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(web::to(crate::routes::method_not_allowed)),
    );
}

// ---- error responses ----

/// One problem+json response.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

const E400: &str = "Permintaan tidak dapat dibaca / malformed request: `malformed_json`, \
    `invalid_body` (wrong type, missing or unknown field), `invalid_path`, `invalid_query`, \
    `invalid_page`, `invalid_per_page`, `invalid_min_position`, `unknown_min_position`.";
const E401: &str = "Tanpa token atau token tidak valid / no or invalid token: `token_missing`, \
    `token_malformed`, `token_expired`, `token_not_yet_valid`, `token_invalid_signature`, \
    `token_wrong_issuer`, `token_wrong_audience`, `token_unknown_key`, \
    `token_unsupported_algorithm`. Sent with `WWW-Authenticate: Bearer`.";
const E403: &str = "Peran atau cakupan tidak mengizinkan / role or scope forbids it: \
    `forbidden_role`, `no_known_role`, `satker_out_of_scope`, `cors_forbidden`.";
const E404: &str = "Tidak ditemukan / not found (or outside the caller's satker): \
    `pegawai_tidak_ditemukan`, `satker_tidak_ditemukan`, `unit_kerja_tidak_ditemukan`, \
    `jabatan_tidak_ditemukan`, `resource_not_found`, `route_not_found`.";
const E409: &str = "Bentrok / conflict: `concurrent_modification` (reload and retry) or a domain \
    conflict such as an already registered NIP or kode.";
const E413: &str = "Isi permintaan terlalu besar / body over the configured limit: \
    `payload_too_large`.";
const E415: &str = "Bukan JSON / not JSON: `unsupported_media_type`.";
const E422: &str = "Aturan dilanggar / a rule is violated: `validation_failed` with `errors` per \
    field, `idempotency_key_reused`, or a domain rule's code.";
const E500: &str = "Kesalahan server / server error, cause logged and never shown: \
    `internal_error`.";
const E503: &str = "Sementara tidak tersedia, ulangi setelah `Retry-After` / temporarily \
    unavailable, retry after `Retry-After`: `read_model_behind`, `read_database_unavailable`, \
    `event_store_unavailable`, `jwks_unavailable`, `request_timeout`.";

fn responses(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<Response>> {
    list.iter()
        .map(|(status, text)| ((*status).to_string(), problem(text)))
        .collect()
}

/// Errors of a protected read (a list).
pub struct ReadErrors;

impl IntoResponses for ReadErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[
            ("400", E400),
            ("401", E401),
            ("403", E403),
            ("500", E500),
            ("503", E503),
        ])
    }
}

/// Errors of a protected read of one item (adds 404).
pub struct ItemErrors;

impl IntoResponses for ItemErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut r = ReadErrors::responses();
        r.extend(responses(&[("404", E404)]));
        r
    }
}

/// Errors of a command: everything a body, a rule, a concurrent writer or the event store can
/// cause.
pub struct CommandErrors;

impl IntoResponses for CommandErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut r = ItemErrors::responses();
        r.extend(responses(&[
            ("409", E409),
            ("413", E413),
            ("415", E415),
            ("422", E422),
        ]));
        r
    }
}

/// Errors of a public route: none but the server's own.
pub struct PublicErrors;

impl IntoResponses for PublicErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        responses(&[("500", E500)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema_properties(name: &str) -> Vec<String> {
        let doc = serde_json::to_value(document()).unwrap();
        let props = doc["components"]["schemas"][name]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("schema {name} has no properties"));
        let mut keys: Vec<String> = props.keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_problem_schema_has_the_fields_the_wire_form_has() {
        let p = crate::problem::Problem::bad_request("x", "y").with_errors(vec![FieldError {
            field: "f".into(),
            code: "c".into(),
            detail: "d".into(),
        }]);
        let wire = serde_json::to_value(p).unwrap();
        let mut keys: Vec<String> = wire.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(schema_properties("Problem"), keys);
    }

    #[test]
    fn the_document_is_openapi_3_1_with_a_bearer_scheme() {
        let doc = serde_json::to_value(document()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."));
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            doc["components"]["securitySchemes"][BEARER]["scheme"],
            "bearer"
        );
    }
}

/// The `Idempotency-Key` header every command route accepts, described once (list it in a
/// route's `params(...)`). Never constructed: the key is read by `extract::RequestMeta`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[expect(dead_code, reason = "describes a header for the OpenAPI document only")]
pub struct IdempotencyKeyHeader {
    /// Kunci unik per efek yang dimaksud (mis. UUID): permintaan ulang dengan kunci dan isi yang
    /// sama menjawab jawaban pertama tanpa efek baru (`Idempotent-Replayed: true`); kunci sama
    /// dengan isi lain dijawab 422 `idempotency_key_reused`. / One key per intended effect: a
    /// retry with the same key and body gets the first answer and changes nothing; the same key
    /// with another body is 422.
    #[param(
        rename = "Idempotency-Key",
        example = "3f1c0b0e-7d3a-4a52-9a5e-2b1d9c0e4f11"
    )]
    idempotency_key: Option<String>,
}
