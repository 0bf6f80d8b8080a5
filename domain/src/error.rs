//! The one error type of the domain: [`DomainError`].
//!
//! Every rule the domain refuses is a `DomainError` with a [`ErrorKind`] (which the
//! HTTP layer maps to a status), a stable `code` that clients may branch on, a
//! message in Bahasa Indonesia for people, and optionally the input field at fault.
//! Value-object parse errors are `DomainError`s too, so a command handler can pass
//! them on after naming the field with [`DomainError::on_field`].

use std::fmt;

/// What kind of refusal this is; decides the HTTP status at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input breaks a rule (HTTP 422).
    Invalid,
    /// The input clashes with the current state, e.g. registering twice (HTTP 409).
    Conflict,
    /// The thing the command is about does not exist (HTTP 404).
    NotFound,
    /// A port (master data, clock, ...) failed; the command may be retried (HTTP 503).
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status code this kind of error maps to.
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Invalid => 422,
            Self::Conflict => 409,
            Self::NotFound => 404,
            Self::Unavailable => 503,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Invalid => "invalid",
            Self::Conflict => "conflict",
            Self::NotFound => "not_found",
            Self::Unavailable => "unavailable",
        })
    }
}

/// A refusal by the domain: kind, stable code, Indonesian message, optional field.
///
/// `Display` shows only the message, which is safe to show to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    /// What kind of refusal (maps to an HTTP status).
    pub kind: ErrorKind,
    /// Stable snake_case code, e.g. `pegawai_sudah_terdaftar`. Never changes once released.
    pub code: &'static str,
    /// Explanation for people, in Bahasa Indonesia.
    pub message: String,
    /// The input field at fault, when there is one (e.g. `nip`, `golongan`).
    pub field: Option<&'static str>,
}

impl DomainError {
    fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            field: None,
        }
    }

    /// A rule was broken by the input (HTTP 422).
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, code, message)
    }

    /// The input clashes with the current state (HTTP 409).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// The subject of the command does not exist (HTTP 404).
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    /// A port failed (HTTP 503).
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, code, message)
    }

    /// Names the input field at fault; replaces any field already set.
    #[must_use]
    pub fn on_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn konstruktor_mengisi_jenis_kode_dan_pesan() {
        let e = DomainError::invalid("wajib_diisi", "Nama wajib diisi.");
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert_eq!(e.code, "wajib_diisi");
        assert_eq!(e.message, "Nama wajib diisi.");
        assert_eq!(e.field, None);
        assert_eq!(DomainError::conflict("x", "m").kind, ErrorKind::Conflict);
        assert_eq!(DomainError::not_found("x", "m").kind, ErrorKind::NotFound);
        assert_eq!(
            DomainError::unavailable("x", "m").kind,
            ErrorKind::Unavailable
        );
    }

    #[test]
    fn on_field_menandai_field_yang_salah() {
        let e = DomainError::invalid("wajib_diisi", "m").on_field("nama");
        assert_eq!(e.field, Some("nama"));
        assert_eq!(e.on_field("nip").field, Some("nip"));
    }

    #[test]
    fn display_hanya_menampilkan_pesan() {
        let e = DomainError::conflict("pegawai_sudah_terdaftar", "Pegawai sudah terdaftar.");
        assert_eq!(e.to_string(), "Pegawai sudah terdaftar.");
    }

    #[test]
    fn setiap_jenis_dipetakan_ke_status_http() {
        assert_eq!(ErrorKind::Invalid.http_status(), 422);
        assert_eq!(ErrorKind::Conflict.http_status(), 409);
        assert_eq!(ErrorKind::NotFound.http_status(), 404);
        assert_eq!(ErrorKind::Unavailable.http_status(), 503);
    }
}
