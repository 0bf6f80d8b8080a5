//! Upcasters: stored events of an older shape brought to the current one when they are read,
//! never by rewriting rows (the event store is append-only and sealed).
//!
//! Both readers use the same list: the write side when it loads an aggregate
//! (`PersistedEventStore::with_upcasters(upcasters())`) and the projector runtime when it
//! decodes an event for a projector ([`upcast`]). The sealer and `replay verify` hash the bytes
//! as stored, before any upcasting.
//!
//! History of shapes:
//! - `PegawaiDidaftarkan` and `PangkatPegawaiDicatat` 1.0 → 2.0: `pangkat` became optional.
//!   PPPK have golongan I–XVII but no pangkat; 1.0 wrote an empty string there, which read
//!   models then showed as a pangkat named "". 2.0 writes `null`.
//!
//! These functions are pure JSON transforms: they live in the domain beside the events they
//! describe (DESIGN §2 places upcasters in `commands/`, but the projector runtime cannot depend
//! on `commands/`, and both sides must agree).

use std::sync::LazyLock;

use cqrs_es::persist::{EventUpcaster, SemanticVersionEventUpcaster, SerializedEvent};
use serde_json::Value;

/// 1.0 → 2.0 for an event whose body has `pangkat`: `""` becomes `null`.
fn pangkat_kosong_menjadi_null(event_type: &'static str) -> impl Fn(Value) -> Value + Send + Sync {
    move |mut payload: Value| {
        if let Some(body) = payload.get_mut(event_type).and_then(Value::as_object_mut)
            && body.get("pangkat").and_then(Value::as_str) == Some("")
        {
            body.insert("pangkat".into(), Value::Null);
        }
        payload
    }
}

/// Every upcaster, oldest first within an event type (cqrs-es applies them in order).
pub fn upcasters() -> Vec<Box<dyn EventUpcaster>> {
    vec![
        Box::new(SemanticVersionEventUpcaster::new(
            "PegawaiDidaftarkan",
            "2.0",
            Box::new(pangkat_kosong_menjadi_null("PegawaiDidaftarkan")),
        )),
        Box::new(SemanticVersionEventUpcaster::new(
            "PangkatPegawaiDicatat",
            "2.0",
            Box::new(pangkat_kosong_menjadi_null("PangkatPegawaiDicatat")),
        )),
    ]
}

/// The list of [`upcasters`], built once.
static UPCASTERS: LazyLock<Vec<Box<dyn EventUpcaster>>> = LazyLock::new(upcasters);

/// Whether a stored event of this type and version has an older shape that [`upcast`] would
/// change; when not, its payload can be decoded as it is.
#[must_use]
pub fn needs_upcast(event_type: &str, event_version: &str) -> bool {
    UPCASTERS
        .iter()
        .any(|u| u.can_upcast(event_type, event_version))
}

/// Brings one stored event's payload to the current shape (for readers that do not go through
/// cqrs-es, like the projector runtime). Returns the payload and its version after upcasting.
pub fn upcast(
    aggregate_type: &str,
    event_type: &str,
    event_version: &str,
    payload: Value,
) -> (String, Value) {
    if !needs_upcast(event_type, event_version) {
        return (event_version.to_string(), payload);
    }
    let mut event = SerializedEvent {
        aggregate_id: String::new(),
        sequence: 0,
        aggregate_type: aggregate_type.to_string(),
        event_type: event_type.to_string(),
        event_version: event_version.to_string(),
        payload,
        metadata: Value::Null,
    };
    for u in UPCASTERS.iter() {
        if u.can_upcast(&event.event_type, &event.event_version) {
            event = u.upcast(event);
        }
    }
    (event.event_version, event.payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pppk_registered_under_version_1_0_gets_no_pangkat_instead_of_an_empty_one() {
        let stored = json!({"PegawaiDidaftarkan": {"nip": "199203252024212003", "golongan": "IX", "pangkat": ""}});
        let (version, payload) = upcast("pegawai", "PegawaiDidaftarkan", "1.0", stored);
        assert_eq!(version, "2.0.0", "cqrs-es writes the full semantic version");
        assert_eq!(payload["PegawaiDidaftarkan"]["pangkat"], Value::Null);
        assert_eq!(payload["PegawaiDidaftarkan"]["golongan"], "IX");
    }

    #[test]
    fn a_1_0_pangkat_with_a_name_is_kept() {
        let stored = json!({"PangkatPegawaiDicatat": {"golongan": "III/b", "pangkat": "Penata Muda Tingkat I"}});
        let (version, payload) = upcast("pegawai", "PangkatPegawaiDicatat", "1.0", stored.clone());
        assert_eq!(version, "2.0.0", "cqrs-es writes the full semantic version");
        assert_eq!(payload, stored);
    }

    #[test]
    fn current_versions_and_other_events_pass_unchanged() {
        let current = json!({"PegawaiDidaftarkan": {"pangkat": null}});
        assert_eq!(
            upcast("pegawai", "PegawaiDidaftarkan", "2.0", current.clone()),
            ("2.0".into(), current)
        );
        let other = json!({"NamaSatkerDiubah": {"nama": ""}});
        assert_eq!(
            upcast("satker", "NamaSatkerDiubah", "1.0", other.clone()),
            ("1.0".into(), other)
        );
    }
}
