//! Request plumbing shared by the handlers: body/path/query error handlers that answer
//! problem+json, field-by-field conversion of DTOs into domain values, request metadata for
//! events, and reading one's own write (`?min_position=`).

use std::time::Duration;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures::future::{FutureExt, LocalBoxFuture};
use sekretariat_commands::CommandMetadata;
use sekretariat_domain::error::DomainError;
use sqlx::PgPool;
use time::Date;
use time::macros::format_description;

use crate::auth::AuthUser;
use crate::context::RequestContext;
use crate::error::{read_error, validation};
use crate::problem::{FieldError, Problem};

/// JSON bodies up to `limit` bytes (`Settings::body_limit`); anything larger is refused with
/// 413 problem+json before it is read.
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |err, _req| json_problem(&err, limit).into())
}

/// The limit as people read it: kilobytes when it is at least one.
fn size_text(limit: usize) -> String {
    if limit >= 1024 {
        format!("{} KB", limit / 1024)
    } else {
        format!("{limit} byte")
    }
}

fn json_problem(err: &JsonPayloadError, limit: usize) -> Problem {
    match err {
        JsonPayloadError::ContentType => Problem::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Isi permintaan harus berupa JSON (Content-Type: application/json).",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            Problem::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("Isi permintaan melebihi batas {}.", size_text(limit)),
            )
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => Problem::bad_request(
            "invalid_body",
            format!("Isi permintaan tidak sesuai bentuk yang diharapkan: {e}"),
        ),
        JsonPayloadError::Deserialize(e) => Problem::bad_request(
            "malformed_json",
            format!("Isi permintaan bukan JSON yang valid: {e}"),
        ),
        _ => Problem::bad_request("invalid_body", "Isi permintaan tidak dapat dibaca."),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _req| {
        Problem::bad_request(
            "invalid_path",
            format!("Parameter alamat tidak valid: {err}"),
        )
        .into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        Problem::bad_request(
            "invalid_query",
            format!("Parameter kueri tidak valid: {err}"),
        )
        .into()
    })
}

/// A free-text query parameter (`q`), refused with 400 `invalid_query` when it holds a control
/// character: PostgreSQL cannot hold a NUL in text and would fail the query (a 500), and no
/// search needs one.
///
/// # Errors
/// 400 `invalid_query`.
pub fn query_text(name: &str, value: Option<String>) -> Result<Option<String>, Problem> {
    match value {
        Some(v) if v.chars().any(char::is_control) => Err(Problem::bad_request(
            "invalid_query",
            format!("{name}: tidak boleh berisi karakter kendali."),
        )),
        v => Ok(v),
    }
}

/// A `satker_id` query parameter: a kode satker, parsed like every other (so nothing a kode
/// cannot hold, a NUL included, reaches a query).
///
/// # Errors
/// 400 `invalid_query`.
pub fn query_satker(value: Option<String>) -> Result<Option<String>, Problem> {
    value
        .map(|v| {
            sekretariat_domain::values::SatkerId::parse(&v)
                .map(|s| s.as_str().to_string())
                .map_err(|e| {
                    Problem::bad_request("invalid_query", format!("satker_id: {}", e.message))
                })
        })
        .transpose()
}

/// A query parameter that takes one of `allowed`.
///
/// # Errors
/// 400 `invalid_query` naming the choices.
pub fn query_choice(
    name: &str,
    value: Option<String>,
    allowed: &[&str],
) -> Result<Option<String>, Problem> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => Err(Problem::bad_request(
            "invalid_query",
            format!(
                "{name}: nilai tidak dikenal. Pilihan: {}.",
                allowed.join(", ")
            ),
        )),
        v => Ok(v),
    }
}

/// Collects field errors while a DTO becomes domain values, so the client learns of every bad
/// field in one answer.
#[derive(Default)]
pub struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// Keeps `Ok` values; records an `Err` under `field`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, DomainError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError {
                    field: field.to_string(),
                    code: e.code.to_string(),
                    detail: e.message,
                });
                None
            }
        }
    }

    /// An ISO date `YYYY-MM-DD`.
    pub fn date(&mut self, field: &str, s: &str) -> Option<Date> {
        match Date::parse(s.trim(), format_description!("[year]-[month]-[day]")) {
            Ok(d) => Some(d),
            Err(_) => {
                self.errors.push(FieldError {
                    field: field.to_string(),
                    code: "tanggal_tidak_valid".into(),
                    detail: format!("'{s}' bukan tanggal yang valid (format TTTT-BB-HH)."),
                });
                None
            }
        }
    }

    pub fn opt_date(&mut self, field: &str, s: Option<&str>) -> Option<Option<Date>> {
        match s {
            None => Some(None),
            Some(s) => self.date(field, s).map(Some),
        }
    }

    pub fn uuid(&mut self, field: &str, s: &str) -> Option<uuid::Uuid> {
        match uuid::Uuid::parse_str(s.trim()) {
            Ok(u) => Some(u),
            Err(_) => {
                self.errors.push(FieldError {
                    field: field.to_string(),
                    code: "id_tidak_valid".into(),
                    detail: format!("'{s}' bukan id (UUID) yang valid."),
                });
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, code: &str, detail: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_string(),
            code: code.to_string(),
            detail: detail.into(),
        });
    }

    /// `Err(422)` when any field failed.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(validation(self.errors))
        }
    }
}

/// Who is calling, from where: the metadata every event of this request carries.
pub struct RequestMeta(pub CommandMetadata);

impl FromRequest for RequestMeta {
    type Error = Problem;
    type Future = LocalBoxFuture<'static, Result<Self, Problem>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(200).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let context = req.extensions().get::<RequestContext>().cloned();
        let request_id = context
            .as_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let ip = match &context {
            Some(c) => c.client_ip,
            None => req.peer_addr().map(|a| a.ip()),
        }
        .map(|ip| ip.to_string());
        let user_agent = header("user-agent");
        let idempotency_key = req.headers().get("idempotency-key").map(|v| {
            v.to_str()
                .ok()
                .filter(|k| {
                    !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic())
                })
                .map(str::to_string)
        });
        let correlation_id = header("x-correlation-id")
            .filter(|c| {
                c.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            })
            .or_else(|| Some(request_id.clone()));
        async move {
            let user = user.await?;
            let idempotency_key = match idempotency_key {
                None => None,
                Some(Some(k)) => Some(k),
                Some(None) => {
                    return Err(Problem::bad_request(
                        "invalid_idempotency_key",
                        "Idempotency-Key harus 1 sampai 200 karakter ASCII yang terlihat (misalnya sebuah UUID).",
                    ));
                }
            };
            Ok(RequestMeta(CommandMetadata {
                user_id: user.sub.clone(),
                user_name: user.name.clone().unwrap_or_else(|| user.username.clone()),
                roles: user.roles.iter().map(|r| r.as_str().to_string()).collect(),
                satker_id: user.satker_id.clone(),
                unit_kerja_id: user.unit_kerja_id.clone(),
                ip,
                user_agent,
                // The request caused the command; its id is the causation of the events.
                causation_id: Some(request_id.clone()),
                request_id: Some(request_id),
                correlation_id,
                idempotency_key,
                command: String::new(),
            }))
        }
        .boxed_local()
    }
}

/// Waits (bounded) until `projector` has applied the event at `min_position`.
///
/// # Errors
/// 400 for a position no event has, 503 with `Retry-After` when the projector is still behind
/// at the deadline.
pub async fn wait_for(
    eventstore: &PgPool,
    target: &PgPool,
    projector: &str,
    min_position: Option<i64>,
    timeout: Duration,
) -> Result<(), Problem> {
    let Some(position) = min_position else {
        return Ok(());
    };
    if position <= 0 {
        return Err(Problem::bad_request(
            "invalid_min_position",
            "min_position harus bilangan bulat positif.",
        ));
    }
    match sekretariat_projections::runtime::wait_for_position(
        eventstore, target, projector, position, timeout,
    )
    .await
    {
        Ok(Some(true)) => Ok(()),
        Ok(Some(false)) => Err(Problem::unavailable(
            "read_model_behind",
            "Data baca belum mencapai perubahan yang diminta. Silakan ulangi sebentar lagi.",
            1,
        )),
        Ok(None) => Err(Problem::bad_request(
            "unknown_min_position",
            format!("Tidak ada event pada posisi {position}."),
        )),
        Err(e) => Err(read_error(e)),
    }
}
