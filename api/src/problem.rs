//! RFC 9457 problem details: the one error shape every endpoint answers with.
//!
//! `detail` is Bahasa Indonesia for the people at the court; `code` is a stable English
//! snake_case string for the frontend to branch on. A 500 never carries its cause: the cause
//! is logged once, where the error is turned into a response.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct FieldError {
    /// The JSON field (dotted path for nested fields).
    #[schema(example = "tanggal_lahir")]
    pub field: String,
    /// Stable machine-readable code of the rule.
    #[schema(example = "tanggal_tidak_valid")]
    pub code: String,
    /// Indonesian explanation.
    pub detail: String,
}

/// A problem+json response body. `type` and `title` are derived from `code` and `status`
/// when serialized (kept out of the struct so `Result<_, Problem>` stays small).
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub detail: String,
    pub code: String,
    pub errors: Vec<FieldError>,
    /// Seconds, sent as `Retry-After` (503, 429).
    pub retry_after: Option<u32>,
    pub www_authenticate: bool,
}

/// The wire form; its `ToSchema` is the `Problem` schema of the OpenAPI document.
#[derive(Serialize, ToSchema)]
#[schema(
    as = Problem,
    description = "RFC 9457 problem details: every error of this API, as `application/problem+json`."
)]
pub(crate) struct ProblemBody<'a> {
    /// URI of the problem type, derived from `code`.
    #[serde(rename = "type")]
    #[schema(example = "https://sekretariat-pa.local/problems/validation-failed")]
    type_uri: String,
    /// The HTTP status's reason phrase.
    #[schema(example = "Unprocessable Entity")]
    title: &'a str,
    #[schema(example = 422)]
    status: u16,
    /// Explanation in Bahasa Indonesia, for people.
    #[schema(example = "Sebagian isian tidak valid. Periksa daftar kesalahan per kolom.")]
    detail: &'a str,
    /// Stable English snake_case code, for the client to branch on.
    #[schema(example = "validation_failed")]
    code: &'a str,
    /// Field errors (validation problems only).
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    errors: &'a [FieldError],
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ProblemBody {
            type_uri: format!(
                "https://sekretariat-pa.local/problems/{}",
                self.code.replace('_', "-")
            ),
            title: self.status_code().canonical_reason().unwrap_or("Error"),
            status: self.status,
            detail: &self.detail,
            code: &self.code,
            errors: &self.errors,
        }
        .serialize(serializer)
    }
}

impl Problem {
    /// A problem with the given status, stable code and Indonesian detail.
    pub fn new(status: StatusCode, code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            status: status.as_u16(),
            detail: detail.into(),
            code: code.into(),
            errors: Vec::new(),
            retry_after: None,
            www_authenticate: false,
        }
    }

    pub fn bad_request(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(code: impl Into<String>, detail: impl Into<String>) -> Self {
        let mut p = Self::new(StatusCode::UNAUTHORIZED, code, detail);
        p.www_authenticate = true;
        p
    }

    pub fn forbidden(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    pub fn not_found(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, detail)
    }

    pub fn conflict(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn unprocessable(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail)
    }

    pub fn unavailable(
        code: impl Into<String>,
        detail: impl Into<String>,
        retry_after: u32,
    ) -> Self {
        let mut p = Self::new(StatusCode::SERVICE_UNAVAILABLE, code, detail);
        p.retry_after = Some(retry_after);
        p
    }

    /// The opaque 500. Log the cause before calling this, once.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Terjadi kesalahan pada server. Silakan coba lagi atau hubungi admin TI.",
        )
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.detail)
    }
}

impl std::error::Error for Problem {}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        Problem::status_code(self)
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(Problem::status_code(self));
        res.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if self.www_authenticate {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.body(serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string()))
    }
}

impl actix_web::Responder for Problem {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _req: &actix_web::HttpRequest) -> HttpResponse {
        self.error_response()
    }
}
