//! Turning the layers' errors into problem+json. A 500 is logged here, once, with its cause;
//! its body says nothing of it.

use actix_web::http::StatusCode;
use sekretariat_commands::CommandError;
use sekretariat_domain::error::{DomainError, ErrorKind};

use crate::problem::{FieldError, Problem};

impl From<DomainError> for Problem {
    fn from(e: DomainError) -> Self {
        match e.kind {
            ErrorKind::Invalid => {
                let p = Problem::unprocessable(e.code, e.message.clone());
                match e.field {
                    Some(field) => p.with_errors(vec![FieldError {
                        field: field.to_string(),
                        code: e.code.to_string(),
                        detail: e.message,
                    }]),
                    None => p,
                }
            }
            ErrorKind::Conflict => Problem::conflict(e.code, e.message),
            ErrorKind::NotFound => Problem::not_found(e.code, e.message),
            ErrorKind::Unavailable => Problem::unavailable(e.code, e.message, 5),
        }
    }
}

impl From<CommandError> for Problem {
    fn from(e: CommandError) -> Self {
        match e {
            CommandError::Domain(d) => d.into(),
            CommandError::Conflict => Problem::conflict(
                "concurrent_modification",
                "Data yang sama sedang diubah oleh pengguna lain. Muat ulang data lalu coba lagi.",
            ),
            CommandError::IdempotencyKeyReused => Problem::unprocessable(
                "idempotency_key_reused",
                "Idempotency-Key ini sudah dipakai untuk permintaan lain. Gunakan kunci baru untuk permintaan yang berbeda.",
            ),
            CommandError::Unavailable(cause) => {
                tracing::error!(%cause, "event store unavailable");
                Problem::unavailable(
                    "event_store_unavailable",
                    "Penyimpanan data sedang tidak dapat dihubungi. Silakan coba beberapa saat lagi.",
                    5,
                )
            }
            CommandError::Unexpected(cause) => {
                tracing::error!(%cause, "command failed unexpectedly");
                Problem::internal()
            }
        }
    }
}

/// A read-side database error: logged once, answered opaquely (503 when the database is
/// unreachable, 500 otherwise).
pub fn read_error(e: sqlx::Error) -> Problem {
    match e {
        sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
            tracing::error!(error = %e, "read database unavailable");
            Problem::unavailable(
                "read_database_unavailable",
                "Basis data baca sedang tidak dapat dihubungi. Silakan coba beberapa saat lagi.",
                5,
            )
        }
        e => {
            tracing::error!(error = %e, "read query failed");
            Problem::internal()
        }
    }
}

/// 422 with every field error at once.
pub fn validation(errors: Vec<FieldError>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "Sebagian isian tidak valid. Periksa daftar kesalahan per kolom.",
    )
    .with_errors(errors)
}
