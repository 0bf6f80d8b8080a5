//! The `audit` projector: every event becomes one row of `db_audit.audit_logs` (the blueprint's
//! columns), with who did it and from where (event metadata), and a field-level before/after:
//! `new_value` is what the event set, `old_value` the previous values of those same fields.

use async_trait::async_trait;
use serde_json::{Map, Value};
use sqlx::PgConnection;

use crate::runtime::{ProjectionError, Projector, StoredEvent};

pub const NAME: &str = "audit";

const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3c1e_97aa_52d0_4b8e_9f61_7d2c_5b0e_a4f3);

/// The audit row id of the event at `global_position`: stable across rebuilds.
pub fn audit_id(global_position: i64) -> uuid::Uuid {
    uuid::Uuid::new_v5(&NAMESPACE, &global_position.to_be_bytes())
}

/// The audit action of an event. The first event of a stream creates the resource; events
/// whose type names another verb say so; everything else updates.
pub fn action_of(event: &StoredEvent) -> &'static str {
    let t = event.event_type.as_str();
    if t.ends_with("Dicetak") {
        "PRINT"
    } else if t.ends_with("Dihapus") || t.ends_with("Dibatalkan") || t.ends_with("Ditarik") {
        "DELETE"
    } else if t.ends_with("Disetujui") {
        "APPROVE"
    } else if t.ends_with("Ditolak") {
        "REJECT"
    } else if event.sequence == 1 {
        "CREATE"
    } else {
        "UPDATE"
    }
}

/// Builds `db_audit.audit_logs`.
pub struct AuditProjector;

fn meta_str(meta: &Value, key: &str) -> Option<String> {
    meta.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

#[async_trait]
impl Projector for AuditProjector {
    fn name(&self) -> &str {
        NAME
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        // The event's fields: the body of `{"Variant": {...}}`, or the payload itself.
        let body: Map<String, Value> = match e.variant_body().or(Some(&e.payload)) {
            Some(Value::Object(m)) => m.clone(),
            Some(other) => {
                let mut m = Map::new();
                m.insert("value".into(), other.clone());
                m
            }
            None => Map::new(),
        };
        let previous: Option<Value> = sqlx::query_scalar(
            "select state from audit_resource_state where resource_type = $1 and resource_id = $2",
        )
        .bind(&e.aggregate_type)
        .bind(&e.aggregate_id)
        .fetch_optional(&mut *conn)
        .await?;
        let old_value = previous.as_ref().and_then(Value::as_object).map(|prev| {
            let mut old = Map::new();
            for k in body.keys() {
                old.insert(k.clone(), prev.get(k).cloned().unwrap_or(Value::Null));
            }
            Value::Object(old)
        });
        let mut state = previous
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        for (k, v) in &body {
            state.insert(k.clone(), v.clone());
        }
        sqlx::query(
            "insert into audit_resource_state (resource_type, resource_id, state) values ($1, $2, $3)
             on conflict (resource_type, resource_id) do update set state = excluded.state",
        )
        .bind(&e.aggregate_type)
        .bind(&e.aggregate_id)
        .bind(Value::Object(state))
        .execute(&mut *conn)
        .await?;

        let ip: Option<std::net::IpAddr> = meta_str(&e.metadata, "ip").and_then(|s| s.parse().ok());
        let mut new_value = body;
        new_value.insert("event_type".into(), Value::String(e.event_type.clone()));
        sqlx::query(
            "insert into audit_logs (id, user_id, user_name, action, resource_type, resource_id, old_value,
                new_value, ip_address, user_agent, created_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::inet, $10, $11)",
        )
        .bind(audit_id(e.position.global_position))
        .bind(meta_str(&e.metadata, "user_id"))
        .bind(meta_str(&e.metadata, "user_name"))
        .bind(action_of(e))
        .bind(&e.aggregate_type)
        .bind(&e.aggregate_id)
        .bind(old_value)
        .bind(Value::Object(new_value))
        .bind(ip.map(|i| i.to_string()))
        .bind(meta_str(&e.metadata, "user_agent"))
        .bind(e.recorded_at)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
