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

/// Every action the projector writes (`action_of`), for validating filters.
pub const ACTIONS: &[&str] = &[
    "CREATE", "UPDATE", "DELETE", "PRINT", "APPROVE", "REJECT", "LOGIN", "LOGOUT",
];

/// Read-side queries of `db_audit.audit_logs`: the filtered, paged list; one resource's
/// history; and a server-side cursor for exports, so a large export never holds every row.
pub mod queries {
    use serde::Serialize;
    use serde_json::Value;
    use sqlx::{FromRow, PgConnection, Postgres, QueryBuilder};
    use time::OffsetDateTime;
    use utoipa::ToSchema;
    use uuid::Uuid;

    use crate::kepegawaian::Page;

    /// Filters of the audit log; every one optional, all of them combined.
    #[derive(Debug, Clone, Default)]
    pub struct AuditFilter {
        pub user_id: Option<String>,
        pub resource_type: Option<String>,
        pub resource_id: Option<String>,
        /// One of [`super::ACTIONS`].
        pub action: Option<String>,
        /// Rows at or after this instant.
        pub from: Option<OffsetDateTime>,
        /// Rows strictly before this instant.
        pub before: Option<OffsetDateTime>,
    }

    /// One row of `audit_logs`, as the API shows it.
    #[derive(Debug, Clone, Serialize, FromRow, PartialEq, ToSchema)]
    pub struct AuditEntry {
        /// UUIDv5 of the event's global position: stable across rebuilds.
        pub id: Uuid,
        #[schema(example = "user-1")]
        pub user_id: Option<String>,
        #[schema(example = "Penguji Sistem")]
        pub user_name: Option<String>,
        /// CREATE, UPDATE, DELETE, PRINT, APPROVE, REJECT, LOGIN or LOGOUT.
        #[schema(example = "UPDATE")]
        pub action: String,
        #[schema(example = "pegawai")]
        pub resource_type: String,
        #[schema(example = "199805142022032003")]
        pub resource_id: String,
        /// The previous values of the fields the event set (`null` for a creation).
        #[schema(value_type = Option<Object>)]
        pub old_value: Option<Value>,
        /// The values the event set, plus `event_type`.
        #[schema(value_type = Option<Object>)]
        pub new_value: Option<Value>,
        #[schema(example = "127.0.0.1")]
        pub ip_address: Option<String>,
        pub user_agent: Option<String>,
        #[serde(with = "time::serde::rfc3339")]
        pub created_at: OffsetDateTime,
    }

    const COLUMNS: &str = "id, user_id, user_name, action, resource_type, resource_id, old_value,
        new_value, host(ip_address) as ip_address, user_agent, created_at";

    fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, f: &AuditFilter) {
        qb.push(" where true");
        if let Some(v) = &f.user_id {
            qb.push(" and user_id = ").push_bind(v.clone());
        }
        if let Some(v) = &f.resource_type {
            qb.push(" and resource_type = ").push_bind(v.clone());
        }
        if let Some(v) = &f.resource_id {
            qb.push(" and resource_id = ").push_bind(v.clone());
        }
        if let Some(v) = &f.action {
            qb.push(" and action = ").push_bind(v.clone());
        }
        if let Some(v) = f.from {
            qb.push(" and created_at >= ").push_bind(v);
        }
        if let Some(v) = f.before {
            qb.push(" and created_at < ").push_bind(v);
        }
    }

    /// One page of the audit log, newest first (`created_at` desc, then `id`, so rows of one
    /// transaction keep one order across pages).
    ///
    /// # Errors
    /// Database errors.
    pub async fn list(
        conn: &mut PgConnection,
        f: &AuditFilter,
        page: i64,
        per_page: i64,
    ) -> Result<Page<AuditEntry>, sqlx::Error> {
        let mut count = QueryBuilder::new("select count(*) from audit_logs");
        push_filters(&mut count, f);
        let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
        let mut qb = QueryBuilder::new(format!("select {COLUMNS} from audit_logs"));
        push_filters(&mut qb, f);
        // Saturating: a page far past the end is empty, not an overflow.
        qb.push(" order by created_at desc, id limit ")
            .push_bind(per_page)
            .push(" offset ")
            .push_bind(page.saturating_sub(1).saturating_mul(per_page));
        let data = qb.build_query_as().fetch_all(&mut *conn).await?;
        Ok(Page {
            data,
            page,
            per_page,
            total,
        })
    }

    /// Every audit row of one resource, oldest first.
    ///
    /// # Errors
    /// Database errors.
    pub async fn history(
        conn: &mut PgConnection,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Vec<AuditEntry>, sqlx::Error> {
        sqlx::query_as(&format!(
            "select {COLUMNS} from audit_logs where resource_type = $1 and resource_id = $2
              order by created_at, id"
        ))
        .bind(resource_type)
        .bind(resource_id)
        .fetch_all(&mut *conn)
        .await
    }

    /// The filtered rows, oldest first, read through a server-side cursor in batches: memory
    /// holds one batch, whatever the export's size. The connection must be inside a
    /// transaction (the cursor lives until it ends); one export per transaction.
    #[derive(Debug)]
    pub struct ExportCursor {
        batch: i64,
        done: bool,
    }

    impl ExportCursor {
        /// Declares the cursor.
        ///
        /// # Errors
        /// Database errors (outside a transaction: "DECLARE CURSOR can only be used in
        /// transaction blocks").
        pub async fn open(
            conn: &mut PgConnection,
            f: &AuditFilter,
            batch: i64,
        ) -> Result<Self, sqlx::Error> {
            let mut qb = QueryBuilder::new(format!(
                "declare audit_export no scroll cursor for select {COLUMNS} from audit_logs"
            ));
            push_filters(&mut qb, f);
            qb.push(" order by created_at, id");
            qb.build().execute(&mut *conn).await?;
            Ok(Self {
                batch: batch.max(1),
                done: false,
            })
        }

        /// The next batch; empty once every row was read.
        ///
        /// # Errors
        /// Database errors.
        pub async fn next_batch(
            &mut self,
            conn: &mut PgConnection,
        ) -> Result<Vec<AuditEntry>, sqlx::Error> {
            if self.done {
                return Ok(Vec::new());
            }
            let rows: Vec<AuditEntry> =
                sqlx::query_as(&format!("fetch forward {} from audit_export", self.batch))
                    .fetch_all(&mut *conn)
                    .await?;
            if rows.len() < usize::try_from(self.batch).unwrap_or(usize::MAX) {
                self.done = true;
                sqlx::query("close audit_export")
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(rows)
        }
    }
}
