//! Answers to an auditor's question about one resource (DESIGN §4: "what happened to X, who
//! did it, and what did it look like on date D"): its history from `db_audit.audit_logs` with a
//! field-level diff per entry, and its state as of a date folded from the EVENT STORE.
//!
//! Why the state comes from the events and not from the audit tables: the event store is the
//! truth; `audit_logs` is a read model that may be behind or rebuilt. The fold is the one the
//! audit projector applies (the body of `{"Variant": {fields}}` overrides the fields before it),
//! so the two agree. The fold reads stored payloads as they are (no upcasting): the state shows
//! the field names the events were written with.
//!
//! Dates are days in the court's time zone, Asia/Jakarta (WIB, UTC+7, no daylight saving):
//! "as of D" means every event recorded before D+1 00:00 WIB.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::{PgConnection, PgPool, Row};
use time::macros::{offset, time};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};
use utoipa::ToSchema;

use crate::audit::queries::AuditEntry;

/// The court's offset: Asia/Jakarta is UTC+7 all year.
pub const JAKARTA: UtcOffset = offset!(+7);

/// The first instant of `date` in Asia/Jakarta.
pub fn start_of_day(date: Date) -> OffsetDateTime {
    PrimitiveDateTime::new(date, time!(0:00)).assume_offset(JAKARTA)
}

/// The first instant after `date` ends in Asia/Jakarta; `None` for the last representable day
/// (no upper bound is needed then).
pub fn end_of_day(date: Date) -> Option<OffsetDateTime> {
    date.next_day().map(start_of_day)
}

/// Today's date in Asia/Jakarta.
pub fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(JAKARTA).date()
}

/// The fields an event sets: the body of `{"Variant": {...}}` (serde's form of a cqrs-es event
/// enum), or the payload itself when it is not wrapped; a non-object becomes `{"value": ...}`.
/// Exactly what the audit projector records as `new_value`.
pub fn event_fields(event_type: &str, payload: &Value) -> Map<String, Value> {
    let body = payload
        .as_object()
        .and_then(|o| o.get(event_type))
        .unwrap_or(payload);
    match body {
        Value::Object(m) => m.clone(),
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other.clone());
            m
        }
    }
}

/// Folds one event into a resource's state: the event's fields override the previous values.
pub fn fold(state: &mut Map<String, Value>, event_type: &str, payload: &Value) {
    for (k, v) in event_fields(event_type, payload) {
        state.insert(k, v);
    }
}

/// A resource's state as of the end of a day.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct StateAsOf {
    /// The day asked for (Asia/Jakarta).
    #[schema(example = "2026-11-29")]
    pub date: Date,
    /// The resource's version (sequence of its last event) at the end of that day; 0 when it
    /// did not exist yet.
    #[schema(example = 2)]
    pub version: i64,
    /// When the last of those events was recorded; `null` when it did not exist yet.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_event_at: Option<OffsetDateTime>,
    /// Every field as the events had set it by then; `null` when it did not exist yet.
    #[schema(value_type = Option<Object>)]
    pub state: Option<Value>,
}

/// The state of one aggregate as of the end of `date` (Asia/Jakarta), folded from its events.
///
/// Only an unbroken prefix of the stream counts (sequence 1, 2, ... each recorded before the
/// cutoff): an event recorded before the cutoff whose predecessor was recorded after it (a
/// transaction that started before midnight and committed after) is left out with everything
/// after it, so the state is always one the resource really had.
///
/// # Errors
/// Database errors.
pub async fn state_as_of(
    eventstore: &PgPool,
    aggregate_type: &str,
    id: &str,
    date: Date,
) -> Result<StateAsOf, sqlx::Error> {
    let cutoff = end_of_day(date);
    let rows = sqlx::query(
        "select sequence, event_type, payload, recorded_at from events
          where aggregate_type = $1 and aggregate_id = $2
            and ($3::timestamptz is null or recorded_at < $3)
          order by sequence",
    )
    .bind(aggregate_type)
    .bind(id)
    .bind(cutoff)
    .fetch_all(eventstore)
    .await?;
    let mut state = Map::new();
    let mut version = 0;
    let mut last_event_at = None;
    for r in rows {
        let sequence: i64 = r.try_get("sequence")?;
        if sequence != version + 1 {
            break;
        }
        let event_type: String = r.try_get("event_type")?;
        let payload: Value = r.try_get("payload")?;
        fold(&mut state, &event_type, &payload);
        version = sequence;
        last_event_at = Some(r.try_get("recorded_at")?);
    }
    Ok(StateAsOf {
        date,
        version,
        last_event_at,
        state: (version > 0).then_some(Value::Object(state)),
    })
}

/// One field an entry changed.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct FieldChange {
    #[schema(example = "tempat_lahir")]
    pub field: String,
    /// The value before (`null` when the field was not set).
    #[schema(value_type = Value, example = "Bandung")]
    pub old: Value,
    /// The value after.
    #[schema(value_type = Value, example = "Jakarta")]
    pub new: Value,
}

/// The fields whose value differs between an audit row's `old_value` and `new_value` (a field
/// missing on one side counts as `null`), in field-name order. The synthetic `event_type` key
/// the projector adds to `new_value` is not a field.
pub fn changes(old: Option<&Value>, new: Option<&Value>) -> Vec<FieldChange> {
    let Some(Value::Object(new)) = new else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = new.keys().filter(|k| *k != "event_type").collect();
    keys.sort();
    keys.into_iter()
        .filter_map(|k| {
            let before = old.and_then(|o| o.get(k)).cloned().unwrap_or(Value::Null);
            let after = new.get(k).cloned().unwrap_or(Value::Null);
            (before != after).then(|| FieldChange {
                field: k.clone(),
                old: before,
                new: after,
            })
        })
        .collect()
}

/// One entry of a resource's history: one event, who caused it from where, and what changed.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct HistoryEntry {
    /// When the event was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// CREATE, UPDATE, DELETE, PRINT, APPROVE, REJECT, LOGIN or LOGOUT.
    #[schema(example = "UPDATE")]
    pub action: String,
    #[schema(example = "user-1")]
    pub user_id: Option<String>,
    #[schema(example = "Penguji Sistem")]
    pub user_name: Option<String>,
    #[schema(example = "127.0.0.1")]
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The command that caused it (event metadata, e.g. `pegawai.ubah`), or the event type
    /// when the metadata does not name one.
    #[schema(example = "pegawai.ubah")]
    pub command: Option<String>,
    /// The stored event type.
    #[schema(example = "DataPribadiPegawaiDiubah")]
    pub event_type: Option<String>,
    /// The resource's version after this event, when the event store still has it.
    #[schema(example = 2)]
    pub version: Option<i64>,
    /// Field-level diff.
    pub changes: Vec<FieldChange>,
}

/// The answer to "what happened to X, and what did it look like on D".
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct ResourceHistory {
    /// The aggregate type (`pegawai`, `satker`, `unit_kerja`, `jabatan`, ...).
    #[schema(example = "pegawai")]
    pub resource_type: String,
    #[schema(example = "199805142022032003")]
    pub id: String,
    /// Oldest first.
    pub entries: Vec<HistoryEntry>,
    /// The state at the end of `as_of`; `null` when no date was asked for.
    pub state_as_of: Option<StateAsOf>,
}

/// Per stored event of one stream: its sequence and the command that caused it.
struct EventInfo {
    sequence: i64,
    command: Option<String>,
}

/// The stream's events by audit row id (`audit_id` of their global position).
async fn event_infos(
    eventstore: &PgPool,
    aggregate_type: &str,
    id: &str,
) -> Result<HashMap<uuid::Uuid, EventInfo>, sqlx::Error> {
    let rows = sqlx::query(
        "select global_position, sequence, nullif(metadata ->> 'command', '') as command
           from events where aggregate_type = $1 and aggregate_id = $2",
    )
    .bind(aggregate_type)
    .bind(id)
    .fetch_all(eventstore)
    .await?;
    rows.into_iter()
        .map(|r| {
            let position: i64 = r.try_get("global_position")?;
            Ok((
                crate::audit::audit_id(position),
                EventInfo {
                    sequence: r.try_get("sequence")?,
                    command: r.try_get("command")?,
                },
            ))
        })
        .collect()
}

/// The history of one resource from `audit_logs` (through `audit`, a connection to db_audit),
/// completed from the event store with each entry's command and version, ordered by the
/// stream's sequence (rows of one transaction share a timestamp), plus its state as of `as_of`.
/// `None` when neither the audit trail nor the event store knows the resource.
///
/// # Errors
/// Database errors.
pub async fn resource_history(
    audit: &mut PgConnection,
    eventstore: &PgPool,
    resource_type: &str,
    id: &str,
    as_of: Option<Date>,
) -> Result<Option<ResourceHistory>, sqlx::Error> {
    let rows = crate::audit::queries::history(audit, resource_type, id).await?;
    let infos = event_infos(eventstore, resource_type, id).await?;
    if rows.is_empty() && infos.is_empty() {
        return Ok(None);
    }
    let mut entries: Vec<(Option<i64>, HistoryEntry)> = rows
        .into_iter()
        .map(|row| {
            let info = infos.get(&row.id);
            (info.map(|i| i.sequence), entry(row, info))
        })
        .collect();
    // By sequence where the event is known, by time otherwise (a stable sort keeps the
    // audit query's time order among equals).
    entries.sort_by(|(a_seq, a), (b_seq, b)| match (a_seq, b_seq) {
        (Some(x), Some(y)) => x.cmp(y),
        _ => a.at.cmp(&b.at),
    });
    let state_as_of = match as_of {
        Some(date) => Some(state_as_of(eventstore, resource_type, id, date).await?),
        None => None,
    };
    Ok(Some(ResourceHistory {
        resource_type: resource_type.to_string(),
        id: id.to_string(),
        entries: entries.into_iter().map(|(_, e)| e).collect(),
        state_as_of,
    }))
}

fn entry(row: AuditEntry, info: Option<&EventInfo>) -> HistoryEntry {
    let event_type = row
        .new_value
        .as_ref()
        .and_then(|v| v.get("event_type"))
        .and_then(Value::as_str)
        .map(str::to_string);
    HistoryEntry {
        at: row.created_at,
        changes: changes(row.old_value.as_ref(), row.new_value.as_ref()),
        action: row.action,
        user_id: row.user_id,
        user_name: row.user_name,
        ip_address: row.ip_address,
        user_agent: row.user_agent,
        command: info
            .and_then(|i| i.command.clone())
            .or_else(|| event_type.clone()),
        event_type,
        version: info.map(|i| i.sequence),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn folding_events_lets_each_event_override_the_fields_it_sets() {
        let mut state = Map::new();
        fold(
            &mut state,
            "PegawaiDidaftarkan",
            &json!({"PegawaiDidaftarkan": {"nama": "Putri", "tempat_lahir": "Bekasi", "golongan": "III/a"}}),
        );
        fold(
            &mut state,
            "DataPribadiPegawaiDiubah",
            &json!({"DataPribadiPegawaiDiubah": {"nama": "Putri", "tempat_lahir": "Jakarta"}}),
        );
        // An unwrapped payload and a non-object one are folded the way the projector records them.
        fold(&mut state, "Catatan", &json!({"catatan": "x"}));
        fold(&mut state, "Angka", &json!(7));
        assert_eq!(
            Value::Object(state),
            json!({"nama": "Putri", "tempat_lahir": "Jakarta", "golongan": "III/a",
                   "catatan": "x", "value": 7})
        );
    }

    #[test]
    fn a_change_lists_only_the_fields_whose_value_differs_and_never_the_event_type() {
        let old = json!({"nama": "Putri", "tempat_lahir": "Bekasi", "gelar_depan": null});
        let new = json!({"nama": "Putri", "tempat_lahir": "Jakarta", "gelar_depan": null,
                         "event_type": "DataPribadiPegawaiDiubah"});
        assert_eq!(
            changes(Some(&old), Some(&new)),
            vec![FieldChange {
                field: "tempat_lahir".into(),
                old: json!("Bekasi"),
                new: json!("Jakarta"),
            }]
        );
        // A creation: every field set, against nothing.
        let created =
            json!({"kode": "W13-A99", "nama": "PA Sukamaju", "event_type": "SatkerDidaftarkan"});
        let fields: Vec<String> = changes(None, Some(&created))
            .into_iter()
            .map(|c| c.field)
            .collect();
        assert_eq!(fields, ["kode", "nama"]);
    }

    #[test]
    fn a_day_in_jakarta_ends_at_17_00_utc() {
        assert_eq!(
            end_of_day(date!(2026 - 11 - 29)),
            Some(datetime!(2026-11-29 17:00 UTC))
        );
        assert_eq!(
            start_of_day(date!(2026 - 11 - 29)),
            datetime!(2026-11-28 17:00 UTC)
        );
        assert_eq!(end_of_day(Date::MAX), None);
    }
}
