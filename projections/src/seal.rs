//! Tamper evidence: the sealer subscriber chains a hash over every event in safe order, and
//! [`verify`] recomputes the chain from the stored events to find the first one that changed.
//!
//! `seal(n) = sha256(seal(n-1) || canonical(event n))`, with `seal(0)` the empty string. The
//! canonical bytes are every stored column of the event except `tx_id` (which a restore into
//! another cluster re-baselines), each field length-prefixed so no two events share bytes.
//! JSON is written with sorted keys (serde_json's map), so jsonb's own key order does not
//! matter.

use async_trait::async_trait;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::runtime::{Position, ProjectionError, Projector, ReadShape, StoredEvent, read_batch};

pub const NAME: &str = "sealer";

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The next seal after `previous` for `e`.
pub fn next_seal(previous: &str, e: &StoredEvent) -> String {
    let mut h = Sha256::new();
    put(&mut h, previous.as_bytes());
    put(&mut h, &e.position.global_position.to_be_bytes());
    put(&mut h, e.aggregate_type.as_bytes());
    put(&mut h, e.aggregate_id.as_bytes());
    put(&mut h, &e.sequence.to_be_bytes());
    put(&mut h, e.event_type.as_bytes());
    put(&mut h, e.event_version.as_bytes());
    put(&mut h, e.payload.to_string().as_bytes());
    put(&mut h, e.metadata.to_string().as_bytes());
    put(&mut h, &e.recorded_at.unix_timestamp_nanos().to_be_bytes());
    hex::encode(h.finalize())
}

/// Seals each event in order into `event_seals` (on the event store database).
pub struct Sealer;

#[async_trait]
impl Projector for Sealer {
    fn name(&self) -> &str {
        NAME
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        let last: Option<(i64, String)> = sqlx::query_as(
            "select chain_index, seal from event_seals order by chain_index desc limit 1",
        )
        .fetch_optional(&mut *conn)
        .await?;
        let (index, previous) = last.unwrap_or((0, String::new()));
        sqlx::query(
            "insert into event_seals (chain_index, global_position, seal) values ($1, $2, $3)",
        )
        .bind(index + 1)
        .bind(e.position.global_position)
        .bind(next_seal(&previous, e))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Break {
    /// This event's bytes are not what was sealed.
    Altered {
        chain_index: i64,
        global_position: i64,
        aggregate_type: String,
        aggregate_id: String,
        sequence: i64,
        event_type: String,
    },
    /// A sealed event is no longer in the store (or the order changed).
    Missing {
        chain_index: i64,
        global_position: i64,
    },
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Sealed events checked.
    pub checked: i64,
    /// Events stored but not sealed yet (the sealer is behind; not an error).
    pub unsealed: i64,
    pub first_break: Option<Break>,
}

/// Recomputes the chain from the events and compares it with the stored seals.
///
/// # Errors
/// Database errors.
pub async fn verify(eventstore: &PgPool) -> Result<VerifyReport, sqlx::Error> {
    let mut previous = String::new();
    let mut index = 0i64;
    let mut after = Position::default();
    loop {
        let batch = read_batch(eventstore, after, 2_000, None, ReadShape::ALL).await?;
        if batch.is_empty() {
            break;
        }
        let first = index + 1;
        let stored: Vec<(i64, i64, String)> = sqlx::query_as(
            "select chain_index, global_position, seal from event_seals
              where chain_index between $1 and $2 order by chain_index",
        )
        .bind(first)
        .bind(first + batch.len() as i64 - 1)
        .fetch_all(eventstore)
        .await?;
        for (i, e) in batch.iter().enumerate() {
            let Some((chain_index, position, seal)) = stored.get(i) else {
                // Not sealed yet: everything from here on is the sealer's backlog.
                let total: i64 = sqlx::query_scalar("select count(*) from events")
                    .fetch_one(eventstore)
                    .await?;
                return Ok(VerifyReport {
                    checked: index,
                    unsealed: total - index,
                    first_break: None,
                });
            };
            if *position != e.position.global_position {
                return Ok(VerifyReport {
                    checked: index,
                    unsealed: 0,
                    first_break: Some(Break::Missing {
                        chain_index: *chain_index,
                        global_position: *position,
                    }),
                });
            }
            let expected = next_seal(&previous, e);
            if &expected != seal {
                return Ok(VerifyReport {
                    checked: index,
                    unsealed: 0,
                    first_break: Some(Break::Altered {
                        chain_index: *chain_index,
                        global_position: e.position.global_position,
                        aggregate_type: e.aggregate_type.clone(),
                        aggregate_id: e.aggregate_id.clone(),
                        sequence: e.sequence,
                        event_type: e.event_type.clone(),
                    }),
                });
            }
            previous = expected;
            index += 1;
        }
        after = batch.last().map(|e| e.position).unwrap_or(after);
    }
    // Seals beyond the last event: sealed events that are gone.
    let extra: Option<(i64, i64)> = sqlx::query_as(
        "select chain_index, global_position from event_seals where chain_index > $1 order by chain_index limit 1",
    )
    .bind(index)
    .fetch_optional(eventstore)
    .await?;
    Ok(VerifyReport {
        checked: index,
        unsealed: 0,
        first_break: extra.map(|(chain_index, global_position)| Break::Missing {
            chain_index,
            global_position,
        }),
    })
}
