//! The projector runtime: gap-free ordered reads of the event store, checkpoints committed
//! with the writes they cover, a lease so one instance runs each projector, wake-ups on
//! append, and a hard stop at an event that cannot be applied (DESIGN §3, §4).
//!
//! Why `(tx_id, global_position)` and not `global_position` alone: the identity is allocated
//! at insert, not at commit. A reader that has seen position 8 while the transaction holding
//! position 7 is still open would move past 7 for ever. We read only events whose transaction
//! is older than the oldest transaction still running (`pg_snapshot_xmin`), so everything we
//! can see is final, and we order by the transaction first.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgListener, PgPool};
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

/// Channel of the event store's append trigger.
pub const APPEND_CHANNEL: &str = "sekretariat_events";

/// A position in the projectors' read order. Orders by transaction first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    /// The appending transaction's id (xid8, fits in i64 for the life of any cluster).
    pub tx_id: i64,
    /// The event's `global_position`.
    pub global_position: i64,
}

/// An event as stored, with its place in the global order.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub position: Position,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    /// The payload (`Null` when read as text: see `payload_text`).
    pub payload: Value,
    /// The payload's JSON text instead, when read for a rebuild ([`ReadShape`]): decoded
    /// straight into the event type, without building a `Value` first.
    pub payload_text: Option<String>,
    pub metadata: Value,
    pub recorded_at: OffsetDateTime,
}

/// Which columns [`read_batch`] reads, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadShape {
    /// Read `metadata` (else `Null`).
    pub metadata: bool,
    /// With `metadata`: read it only for these events (else `Null`); `None`: for every event.
    pub metadata_of: Option<MetadataOf>,
    /// Read the payload as text into `payload_text` (else as JSON into `payload`).
    pub payload_as_text: bool,
}

/// The events whose metadata a projector reads, when not all: those of some aggregate types,
/// and some event types besides. Metadata is often the larger half of a stored event; leaving
/// out what nobody reads makes a rebuild's reads markedly cheaper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataOf {
    pub aggregate_types: &'static [&'static str],
    pub event_types: &'static [&'static str],
}

impl ReadShape {
    /// What `projector` needs in a catch-up.
    pub fn for_projector(projector: &dyn Projector) -> Self {
        Self {
            metadata: projector.reads_metadata(),
            metadata_of: projector.metadata_of(),
            payload_as_text: false,
        }
    }

    /// Everything, as JSON.
    pub const ALL: Self = Self {
        metadata: true,
        metadata_of: None,
        payload_as_text: false,
    };

    /// What every one of `projectors` needs: metadata if any reads it, narrowed only when a
    /// single one does and narrows it.
    pub fn for_projectors<'a>(
        projectors: impl IntoIterator<Item = &'a dyn Projector>,
        payload_as_text: bool,
    ) -> Self {
        let readers: Vec<&dyn Projector> = projectors
            .into_iter()
            .filter(|p| p.reads_metadata())
            .collect();
        Self {
            metadata: !readers.is_empty(),
            metadata_of: match readers.as_slice() {
                [one] => one.metadata_of(),
                _ => None,
            },
            payload_as_text,
        }
    }
}

impl StoredEvent {
    /// The payload of a cqrs-es event enum, which serde writes as `{"Variant": {...}}`.
    pub fn variant_body(&self) -> Option<&Value> {
        self.payload
            .as_object()
            .and_then(|o| o.get(&self.event_type))
    }

    /// Deserializes the whole payload as the aggregate's event enum.
    ///
    /// # Errors
    /// When the stored payload no longer matches the type (it needs an upcaster).
    pub fn decode<E: serde::de::DeserializeOwned>(&self) -> Result<E, ProjectionError> {
        match &self.payload_text {
            Some(text) => self.decode_text(text),
            None => self.decode_value(self.payload.clone()),
        }
    }

    fn decode_text<E: serde::de::DeserializeOwned>(
        &self,
        text: &str,
    ) -> Result<E, ProjectionError> {
        if sekretariat_domain::upcast::needs_upcast(&self.event_type, &self.event_version) {
            let value = serde_json::from_str(text).map_err(|e| self.decode_error(&e))?;
            return self.decode_value(value);
        }
        serde_json::from_str(text).map_err(|e| self.decode_error(&e))
    }

    fn decode_error(&self, e: &serde_json::Error) -> ProjectionError {
        ProjectionError::Decode(format!(
            "{} v{} ({}/{} #{}): {e}",
            self.event_type,
            self.event_version,
            self.aggregate_type,
            self.aggregate_id,
            self.sequence
        ))
    }

    fn decode_value<E: serde::de::DeserializeOwned>(
        &self,
        payload: Value,
    ) -> Result<E, ProjectionError> {
        // Old shapes are brought to the current one first (the stored bytes stay as they are).
        let (_, payload) = sekretariat_domain::upcast::upcast(
            &self.aggregate_type,
            &self.event_type,
            &self.event_version,
            payload,
        );
        serde_json::from_value(payload).map_err(|e| self.decode_error(&e))
    }
}

/// Why a projector could not apply an event or a batch.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("payload cannot be decoded: {0}")]
    Decode(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Other(String),
}

/// Why a projector could not apply a batch, and at which of its events.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct BatchError {
    /// The index (in the batch) of the event that failed, when the projector knows it. `None`
    /// when a statement covering several events failed (a multi-row write): the runtime then
    /// applies the batch one event at a time to find the event.
    pub index: Option<usize>,
    pub error: ProjectionError,
}

impl BatchError {
    /// Event `index` of the batch failed.
    pub fn at(index: usize, error: impl Into<ProjectionError>) -> Self {
        Self {
            index: Some(index),
            error: error.into(),
        }
    }

    /// A statement covering several events failed; which one is not known.
    pub fn unattributed(error: impl Into<ProjectionError>) -> Self {
        Self {
            index: None,
            error: error.into(),
        }
    }
}

/// One read model builder. It sees every event in order and decides what concerns it.
#[async_trait]
pub trait Projector: Send + Sync + 'static {
    /// Stable name: the checkpoint and lease key.
    fn name(&self) -> &str;

    /// Whether the projector reads [`StoredEvent::metadata`]; when not, events are read
    /// without it (`Value::Null` in its place).
    fn reads_metadata(&self) -> bool {
        true
    }

    /// When the projector reads the metadata of some events only, which (the others are read
    /// with `Value::Null` in its place). `None` (the default): of every event.
    fn metadata_of(&self) -> Option<MetadataOf> {
        None
    }

    /// Whether the projector reads payloads only through [`StoredEvent::decode`] (never
    /// `payload` itself): a rebuild may then hand it the payload as text, which `decode`
    /// reads without building a JSON value first.
    fn decodes_payload_only(&self) -> bool {
        false
    }

    /// A fold of the whole history in memory, for a rebuild into empty tables (see
    /// `crate::rebuild`): no row is read back and each row is written once. `None` (the
    /// default) rebuilds through [`apply_batch`](Self::apply_batch) like a catch-up.
    fn replayer(&self) -> Option<Box<dyn Replayer>> {
        None
    }

    /// Applies one event inside the batch transaction on the target database.
    ///
    /// # Errors
    /// Any error stops the projector at this event; nothing after it is applied.
    async fn apply(
        &self,
        conn: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError>;

    /// Applies a batch of events, in order, inside the batch transaction. The default applies
    /// them one by one with [`apply`](Self::apply); a projector whose cost is dominated by
    /// round trips overrides it to write the whole batch with a few multi-row statements.
    ///
    /// # Errors
    /// The failing event's index when known (the runtime commits the events before it and
    /// stops there), or no index when a multi-row statement failed (the runtime then applies
    /// the batch one event at a time, through this same method, to find the event).
    async fn apply_batch(
        &self,
        conn: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), BatchError> {
        for (i, event) in events.iter().enumerate() {
            self.apply(conn, event)
                .await
                .map_err(|e| BatchError::at(i, e))?;
        }
        Ok(())
    }
}

/// A projector's whole-history fold for rebuilds (see [`Projector::replayer`]). It sees every
/// event once, in order, and must end with the tables `apply_batch` would have built.
pub trait Replayer: Send {
    /// Folds `events`; other projectors of the module see the same events after it.
    ///
    /// # Errors
    /// The event that cannot be applied, by index in `events`.
    fn fold(&mut self, events: &[StoredEvent]) -> Result<(), BatchError>;

    /// What may be written before the end (append-only history, say), handed over to bound
    /// memory; the rebuild writes it on another connection while folding goes on.
    fn take_ready(&mut self) -> Option<Box<dyn Writeout>>;

    /// Everything that is left; written in the transaction that records the checkpoint.
    fn finish(self: Box<Self>) -> Box<dyn Writeout>;

    /// The tables this replayer fills alone: a rebuild builds their primary keys after the
    /// load instead of maintaining them row by row.
    fn tables(&self) -> &'static [&'static str];
}

/// Rows a [`Replayer`] hands over for writing.
#[async_trait]
pub trait Writeout: Send {
    /// Writes the rows into the (scratch) schema `conn` is on.
    ///
    /// # Errors
    /// Database errors.
    async fn write(self: Box<Self>, conn: &mut PgConnection) -> Result<(), sqlx::Error>;
}

/// What a projector is doing, for `/health` and metrics.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProjectorState {
    Starting,
    /// Another instance holds the lease; this one waits.
    Standby,
    Running,
    /// Stopped at an event it cannot apply; retried with back-off, never skipped.
    Failed {
        global_position: i64,
        aggregate_type: String,
        aggregate_id: String,
        event_type: String,
        error: String,
    },
    /// Could not reach a database; retried.
    Unavailable {
        error: String,
    },
    Stopped,
}

/// Shared, cheaply readable status of one projector.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectorStatus {
    pub name: String,
    #[serde(flatten)]
    pub state: ProjectorState,
    pub checkpoint: Position,
    pub events_applied: i64,
    pub failures: u64,
}

/// Tuning of one runner.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub batch_size: i64,
    /// Longest sleep between reads when no notification arrives.
    pub poll_interval: Duration,
    /// How often a standby instance tries to take the lease.
    pub lease_retry: Duration,
    /// First and longest back-off after a failure.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// After a wake-up, or a batch that emptied the backlog, how long to let appends gather
    /// before the next read: a burst of commands (an import) is then applied in a few batches
    /// instead of one transaction per event. It is the latency a read-your-write adds.
    pub gather: Duration,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_millis(500),
            lease_retry: Duration::from_secs(2),
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(30),
            gather: Duration::from_millis(20),
        }
    }
}

/// The `where` and `order by` of every read in read order: the events after `$1`, `$2`
/// (tx_id, global_position), up to `$4`, `$5` when not null, below the safe horizon (module
/// docs), ordered by the table's own columns. Qualified: a selected `tx_id::text::bigint` is
/// also named `tx_id`, which no index serves, so every read would sort all the events after
/// `$1` (quadratic over a rebuild).
macro_rules! safe_events_after {
    () => {
        "where (tx_id, global_position) > ($1::bigint::text::xid8, $2::bigint)
            and tx_id < pg_snapshot_xmin(pg_current_snapshot())
            and ($4::bigint is null or (tx_id, global_position) <= ($4::bigint::text::xid8, $5::bigint))
          order by events.tx_id, events.global_position"
    };
}

/// Reads the next batch in safe order after `after`.
///
/// One statement, one snapshot: the xmin horizon and the rows come from the same snapshot.
/// Range and order are `safe_events_after!`'s, as for [`nth_position_after`].
///
/// # Errors
/// Database errors.
pub async fn read_batch(
    source: &PgPool,
    after: Position,
    limit: i64,
    until: Option<Position>,
    shape: ReadShape,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    // Without metadata (a projector that never reads it), a JSON `null` stands in for it:
    // one parse less per event, and less to send.
    let rows = sqlx::query(concat!(
        "select global_position, tx_id::text::bigint as tx_id, aggregate_type, aggregate_id,
                sequence, event_type, event_version,
                case when $7 then 'null'::jsonb else payload end as payload,
                case when $7 then payload::text end as payload_text,
                case when $6 and ($8::text[] is null or aggregate_type = any($8) or event_type = any($9))
                     then metadata else 'null'::jsonb end as metadata,
                recorded_at
           from events ",
        safe_events_after!(),
        " limit $3"
    ))
    .bind(after.tx_id)
    .bind(after.global_position)
    .bind(limit)
    .bind(until.map(|p| p.tx_id))
    .bind(until.map(|p| p.global_position))
    .bind(shape.metadata)
    .bind(shape.payload_as_text)
    .bind(shape.metadata_of.map(|m| m.aggregate_types))
    .bind(shape.metadata_of.map(|m| m.event_types))
    .fetch_all(source)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StoredEvent {
                position: Position {
                    tx_id: r.try_get("tx_id")?,
                    global_position: r.try_get("global_position")?,
                },
                aggregate_type: r.try_get("aggregate_type")?,
                aggregate_id: r.try_get("aggregate_id")?,
                sequence: r.try_get("sequence")?,
                event_type: r.try_get("event_type")?,
                event_version: r.try_get("event_version")?,
                payload: r.try_get("payload")?,
                payload_text: r.try_get("payload_text")?,
                metadata: r.try_get("metadata")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .collect()
}

/// The position of the `n`th safe event after `after` (up to `until`), if there are that many:
/// where a read of `n` events from `after` will end, known before it is made (a rebuild reads
/// ahead with it).
///
/// # Errors
/// Database errors.
pub async fn nth_position_after(
    source: &PgPool,
    after: Position,
    n: i64,
    until: Option<Position>,
) -> Result<Option<Position>, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(concat!(
        "select tx_id::text::bigint, global_position from events ",
        safe_events_after!(),
        " offset $3 limit 1"
    ))
    .bind(after.tx_id)
    .bind(after.global_position)
    .bind(n - 1)
    .bind(until.map(|p| p.tx_id))
    .bind(until.map(|p| p.global_position))
    .fetch_optional(source)
    .await?;
    Ok(row.map(|(tx_id, global_position)| Position {
        tx_id,
        global_position,
    }))
}

/// The position of the event with this `global_position`, if it exists.
///
/// # Errors
/// Database errors.
pub async fn position_of(
    source: &PgPool,
    global_position: i64,
) -> Result<Option<Position>, sqlx::Error> {
    let row =
        sqlx::query("select tx_id::text::bigint as tx_id from events where global_position = $1")
            .bind(global_position)
            .fetch_optional(source)
            .await?;
    row.map(|r| {
        Ok(Position {
            tx_id: r.try_get("tx_id")?,
            global_position,
        })
    })
    .transpose()
}

/// How many stored events come after `after` (visible or not yet safe): the projector's lag.
///
/// # Errors
/// Database errors.
pub async fn events_after(source: &PgPool, after: Position) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "select count(*) from events where (tx_id, global_position) > ($1::bigint::text::xid8, $2::bigint)",
    )
    .bind(after.tx_id)
    .bind(after.global_position)
    .fetch_one(source)
    .await
}

/// Reads a projector's checkpoint on its target database (zero when it never ran).
///
/// # Errors
/// Database errors.
pub async fn read_checkpoint<'e, E>(executor: E, name: &str) -> Result<(Position, i64), sqlx::Error>
where
    E: sqlx::PgExecutor<'e>,
{
    let row = sqlx::query(
        "select tx_id::text::bigint as tx_id, global_position, events_applied
           from projector_checkpoints where name = $1",
    )
    .bind(name)
    .fetch_optional(executor)
    .await?;
    match row {
        None => Ok((Position::default(), 0)),
        Some(r) => Ok((
            Position {
                tx_id: r.try_get("tx_id")?,
                global_position: r.try_get("global_position")?,
            },
            r.try_get("events_applied")?,
        )),
    }
}

/// Waits until the projector `name` on `target` has applied the event at `global_position`.
/// Returns `Ok(None)` when no such event exists, `Ok(Some(false))` on time-out.
///
/// # Errors
/// Database errors.
pub async fn wait_for_position(
    source: &PgPool,
    target: &PgPool,
    name: &str,
    global_position: i64,
    timeout: Duration,
) -> Result<Option<bool>, sqlx::Error> {
    let Some(wanted) = position_of(source, global_position).await? else {
        return Ok(None);
    };
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let (checkpoint, _) = read_checkpoint(target, name).await?;
        if checkpoint >= wanted {
            return Ok(Some(true));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Some(false));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Outcome of applying one batch.
enum BatchOutcome {
    /// Applied this many events; the checkpoint moved.
    Applied(usize),
    /// Another instance moved the checkpoint first; nothing was written.
    Raced,
}

/// Runs one projector against one source (event store) and one target (read database).
pub struct ProjectorRunner {
    projector: Arc<dyn Projector>,
    source: PgPool,
    target: PgPool,
    options: RunnerOptions,
    wake: Arc<Notify>,
    status: watch::Sender<ProjectorStatus>,
}

impl ProjectorRunner {
    pub fn new(
        projector: Arc<dyn Projector>,
        source: PgPool,
        target: PgPool,
        options: RunnerOptions,
    ) -> Self {
        let status = watch::Sender::new(ProjectorStatus {
            name: projector.name().to_string(),
            state: ProjectorState::Starting,
            checkpoint: Position::default(),
            events_applied: 0,
            failures: 0,
        });
        Self {
            projector,
            source,
            target,
            options,
            wake: Arc::new(Notify::new()),
            status,
        }
    }

    /// Share a wake-up signal (from [`spawn_append_listener`]) with other runners.
    #[must_use]
    pub fn with_wake(mut self, wake: Arc<Notify>) -> Self {
        self.wake = wake;
        self
    }

    pub fn name(&self) -> &str {
        self.projector.name()
    }

    /// A receiver of this runner's status.
    pub fn status(&self) -> watch::Receiver<ProjectorStatus> {
        self.status.subscribe()
    }

    pub fn target(&self) -> &PgPool {
        &self.target
    }

    /// Applies batches until nothing more is visible. Used by tests, rebuilds and one-shot
    /// tools; the long-running loop is [`ProjectorRunner::run`]. Takes no lease.
    ///
    /// # Errors
    /// The first failure, with the event it stopped at.
    pub async fn catch_up(&self) -> Result<u64, ProjectionError> {
        self.catch_up_until(None, &mut |_| {}).await
    }

    /// Like [`catch_up`](Self::catch_up), stopping at `until` (inclusive) when given, and
    /// telling `progress` the running total after each batch (rebuilds show it).
    ///
    /// # Errors
    /// The first failure, with the event it stopped at.
    pub async fn catch_up_until(
        &self,
        until: Option<Position>,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, ProjectionError> {
        // Pipelined: while batch k is applied on the target, batch k+1 is read and decoded from
        // the source on another task, so both cores work during catch-ups and rebuilds.
        let name = self.projector.name();
        let size = self.options.batch_size;
        let mut total = 0u64;
        let (mut checkpoint, _) = read_checkpoint(&self.target, name).await?;
        let shape = ReadShape::for_projector(self.projector.as_ref());
        let mut batch = read_batch(&self.source, checkpoint, size, until, shape).await?;
        loop {
            let Some(last) = batch.last().map(|e| e.position) else {
                self.status.send_if_modified(|s| {
                    let changed = s.checkpoint != checkpoint;
                    s.checkpoint = checkpoint;
                    changed
                });
                return Ok(total);
            };
            let source = self.source.clone();
            let prefetch =
                tokio::spawn(async move { read_batch(&source, last, size, until, shape).await });
            match self.apply_read_batch(checkpoint, batch).await? {
                BatchOutcome::Applied(n) => {
                    total += n as u64;
                    progress(total);
                    checkpoint = last;
                    batch = prefetch.await.map_err(|e| {
                        ProjectionError::Other(format!("prefetch task failed: {e}"))
                    })??;
                }
                BatchOutcome::Raced => {
                    // Someone else moved the checkpoint: start again from where it is.
                    prefetch.abort();
                    checkpoint = read_checkpoint(&self.target, name).await?.0;
                    batch = read_batch(&self.source, checkpoint, size, until, shape).await?;
                }
            }
        }
    }

    /// Runs until `shutdown` turns true: lease, read, apply, commit, wait for a wake-up.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let name = self.projector.name().to_string();
        let mut backoff = self.options.backoff_min;
        let mut lease: Option<sqlx::pool::PoolConnection<sqlx::Postgres>> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            // 1. The lease: one instance per projector and target schema.
            if lease.is_none() {
                match self.try_lease().await {
                    Ok(Some(conn)) => {
                        tracing::info!(projector = %name, "lease taken");
                        lease = Some(conn);
                    }
                    Ok(None) => {
                        self.set_state(ProjectorState::Standby);
                        if wait_or_shutdown(&mut shutdown, self.options.lease_retry, None).await {
                            break;
                        }
                        continue;
                    }
                    Err(e) => {
                        self.unavailable(&name, &e);
                        if wait_or_shutdown(&mut shutdown, backoff, None).await {
                            break;
                        }
                        backoff = (backoff * 2).min(self.options.backoff_max);
                        continue;
                    }
                }
            }
            // Arm the wake-up before reading, so an append between read and wait is not lost.
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.step().await {
                Ok(BatchOutcome::Applied(0)) => {
                    self.set_state(ProjectorState::Running);
                    backoff = self.options.backoff_min;
                    if wait_or_shutdown(&mut shutdown, self.options.poll_interval, Some(notified))
                        .await
                        || wait_or_shutdown(&mut shutdown, self.options.gather, None).await
                    {
                        break;
                    }
                }
                Ok(BatchOutcome::Applied(n)) if (n as i64) < self.options.batch_size => {
                    // Caught up: let the next appends gather.
                    self.set_state(ProjectorState::Running);
                    backoff = self.options.backoff_min;
                    if wait_or_shutdown(&mut shutdown, self.options.gather, None).await {
                        break;
                    }
                }
                Ok(_) => {
                    self.set_state(ProjectorState::Running);
                    backoff = self.options.backoff_min;
                }
                Err(e) => {
                    // Stopped at an event (state already says which) or a database is down.
                    // The lease connection may be the broken one: drop it and take it anew.
                    if let ProjectionError::Database(db) = &e {
                        self.unavailable(&name, db);
                        lease = None;
                    }
                    if wait_or_shutdown(&mut shutdown, backoff, None).await {
                        break;
                    }
                    backoff = (backoff * 2).min(self.options.backoff_max);
                }
            }
        }
        drop(lease);
        self.set_state(ProjectorState::Stopped);
        tracing::info!(projector = %name, "stopped");
    }

    fn set_state(&self, state: ProjectorState) {
        self.status.send_if_modified(|s| {
            if s.state == state {
                false
            } else {
                s.state = state;
                true
            }
        });
    }

    fn unavailable(&self, name: &str, e: &sqlx::Error) {
        tracing::warn!(projector = %name, error = %e, "projector cannot reach a database");
        self.status.send_modify(|s| {
            s.state = ProjectorState::Unavailable {
                error: e.to_string(),
            };
            s.failures += 1;
        });
    }

    /// Session advisory lock on a connection taken out of the pool and held while running.
    /// The key includes the schema, so tests in their own schemas do not contend.
    async fn try_lease(
        &self,
    ) -> Result<Option<sqlx::pool::PoolConnection<sqlx::Postgres>>, sqlx::Error> {
        let mut conn = self.target.acquire().await?;
        let got: bool = sqlx::query_scalar(
            "select pg_try_advisory_lock(hashtextextended('projector:' || current_schema() || ':' || $1, 0))",
        )
        .bind(self.projector.name())
        .fetch_one(&mut *conn)
        .await?;
        Ok(got.then_some(conn))
    }

    /// Reads one batch after the checkpoint and applies it with the new checkpoint in one
    /// transaction. The checkpoint is read without a lock, events are fetched, and only then
    /// the target transaction locks the checkpoint row and checks it did not move: the
    /// target transaction stays short and takes its xid after the read.
    async fn step(&self) -> Result<BatchOutcome, ProjectionError> {
        self.step_until(None).await
    }

    async fn step_until(&self, until: Option<Position>) -> Result<BatchOutcome, ProjectionError> {
        let name = self.projector.name();
        let (checkpoint, _) = read_checkpoint(&self.target, name).await?;
        let batch = read_batch(
            &self.source,
            checkpoint,
            self.options.batch_size,
            until,
            ReadShape::for_projector(self.projector.as_ref()),
        )
        .await?;
        if batch.is_empty() {
            self.status.send_if_modified(|s| {
                let changed = s.checkpoint != checkpoint;
                s.checkpoint = checkpoint;
                changed
            });
            return Ok(BatchOutcome::Applied(0));
        }
        self.apply_read_batch(checkpoint, batch).await
    }

    /// Applies a batch read after `checkpoint` (see [`ProjectorRunner::step_until`]): commits it
    /// with the new checkpoint, or commits what precedes a bad event and stops at it.
    async fn apply_read_batch(
        &self,
        checkpoint: Position,
        batch: Vec<StoredEvent>,
    ) -> Result<BatchOutcome, ProjectionError> {
        let name = self.projector.name();
        let (index, error, mode) = match self.commit_batch(checkpoint, &batch, Apply::Batch).await?
        {
            Ok(outcome) => return Ok(outcome),
            Err(BatchError {
                index: Some(i),
                error,
            }) => (i, error, Apply::Batch),
            Err(BatchError { index: None, error }) => {
                // A multi-row statement failed and the projector cannot say for which event:
                // apply one event at a time to find it (this is the failure path only).
                tracing::warn!(
                    projector = %name,
                    error = %error,
                    "batch failed without naming an event; applying it event by event"
                );
                match self
                    .commit_batch(checkpoint, &batch, Apply::OneByOne)
                    .await?
                {
                    Ok(outcome) => return Ok(outcome),
                    // One event at a time, every failure has an index; 0 is only a fallback.
                    Err(BatchError { index, error }) => {
                        (index.unwrap_or(0), error, Apply::OneByOne)
                    }
                }
            }
        };
        // A projector naming an index outside the batch is a bug; blame the last event rather
        // than panic.
        let index = index.min(batch.len() - 1);
        // Commit what came before the bad event, then stop at it.
        if index > 0 {
            self.commit_batch(checkpoint, &batch[..index], mode)
                .await?
                .map_err(|e| e.error)?;
        }
        let event = &batch[index];
        tracing::error!(
            projector = %name,
            global_position = event.position.global_position,
            aggregate_type = %event.aggregate_type,
            aggregate_id = %event.aggregate_id,
            event_type = %event.event_type,
            error = %error,
            "projector stopped at an event it cannot apply"
        );
        self.status.send_modify(|s| {
            s.state = ProjectorState::Failed {
                global_position: event.position.global_position,
                aggregate_type: event.aggregate_type.clone(),
                aggregate_id: event.aggregate_id.clone(),
                event_type: event.event_type.clone(),
                error: error.to_string(),
            };
            s.failures += 1;
        });
        Err(error)
    }

    /// Applies `batch` and moves the checkpoint past it, in one transaction.
    /// `Ok(Err(e))`: the projector failed (at `e.index` when known) and the transaction was
    /// rolled back.
    async fn commit_batch(
        &self,
        expected: Position,
        batch: &[StoredEvent],
        mode: Apply,
    ) -> Result<Result<BatchOutcome, BatchError>, ProjectionError> {
        let name = self.projector.name();
        let mut tx = self.target.begin().await?;
        sqlx::query(
            "insert into projector_checkpoints (name) values ($1) on conflict (name) do nothing",
        )
        .bind(name)
        .execute(&mut *tx)
        .await?;
        let current: (i64, i64) = sqlx::query_as(
            "select tx_id::text::bigint, global_position from projector_checkpoints
              where name = $1 for update",
        )
        .bind(name)
        .fetch_one(&mut *tx)
        .await?;
        if (Position {
            tx_id: current.0,
            global_position: current.1,
        }) != expected
        {
            tx.rollback().await?;
            return Ok(Ok(BatchOutcome::Raced));
        }
        let applied = match mode {
            Apply::Batch => self.projector.apply_batch(&mut tx, batch).await,
            Apply::OneByOne => {
                let mut result = Ok(());
                for (i, event) in batch.iter().enumerate() {
                    // Through `apply_batch` too, so a projector that batches is located by
                    // the very code that failed.
                    if let Err(e) = self
                        .projector
                        .apply_batch(&mut tx, std::slice::from_ref(event))
                        .await
                    {
                        result = Err(BatchError::at(i, e.error));
                        break;
                    }
                }
                result
            }
        };
        if let Err(e) = applied {
            tx.rollback().await?;
            return Ok(Err(e));
        }
        let last = batch.last().map(|e| e.position).unwrap_or(expected);
        let applied: i64 = sqlx::query_scalar(
            "update projector_checkpoints
                set tx_id = $2::bigint::text::xid8, global_position = $3,
                    events_applied = events_applied + $4, updated_at = now()
              where name = $1
          returning events_applied",
        )
        .bind(name)
        .bind(last.tx_id)
        .bind(last.global_position)
        .bind(batch.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        self.status.send_modify(|s| {
            s.checkpoint = last;
            s.events_applied = applied;
        });
        Ok(Ok(BatchOutcome::Applied(batch.len())))
    }
}

/// How [`ProjectorRunner::commit_batch`] hands a batch to the projector.
#[derive(Debug, Clone, Copy)]
enum Apply {
    /// The whole batch in one [`Projector::apply_batch`] call (the normal path).
    Batch,
    /// One event per call, to locate a failure the batch call could not attribute.
    OneByOne,
}

/// Sleeps for `timeout`, or until notified, or until shutdown. True when shutting down.
async fn wait_or_shutdown(
    shutdown: &mut watch::Receiver<bool>,
    timeout: Duration,
    notified: Option<std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>>,
) -> bool {
    let wake = async {
        match notified {
            Some(n) => n.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(timeout) => {}
        _ = wake => {}
        r = shutdown.changed() => { if r.is_err() { return true; } }
    }
    *shutdown.borrow()
}

/// LISTENs on the event store's append channel and wakes every runner sharing `wake`.
/// Reconnects on loss (sqlx's listener does) and keeps polling as the fallback meanwhile.
pub fn spawn_append_listener(
    source: PgPool,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let mut listener = match PgListener::connect_with(&source).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "append listener cannot connect; polling only");
                    if wait_or_shutdown(&mut shutdown, Duration::from_secs(5), None).await {
                        return;
                    }
                    continue;
                }
            };
            if let Err(e) = listener.listen(APPEND_CHANNEL).await {
                tracing::warn!(error = %e, "LISTEN failed; polling only");
                if wait_or_shutdown(&mut shutdown, Duration::from_secs(5), None).await {
                    return;
                }
                continue;
            }
            loop {
                tokio::select! {
                    msg = listener.recv() => match msg {
                        Ok(_) => wake.notify_waiters(),
                        Err(e) => {
                            tracing::warn!(error = %e, "append listener lost; reconnecting");
                            break;
                        }
                    },
                    r = shutdown.changed() => {
                        if r.is_err() || *shutdown.borrow() { return; }
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A projector that only says what it reads.
    struct Reads(bool, Option<MetadataOf>);

    #[async_trait]
    impl Projector for Reads {
        fn name(&self) -> &str {
            "reads"
        }

        fn reads_metadata(&self) -> bool {
            self.0
        }

        fn metadata_of(&self) -> Option<MetadataOf> {
            self.1
        }

        async fn apply(
            &self,
            _: &mut PgConnection,
            _: &StoredEvent,
        ) -> Result<(), ProjectionError> {
            Ok(())
        }
    }

    const KP: MetadataOf = MetadataOf {
        aggregate_types: &["kenaikan_pangkat"],
        event_types: &["PangkatNaikBerdasarkanSk"],
    };

    #[test]
    fn a_shared_read_narrows_metadata_only_when_its_one_reader_does() {
        let none = Reads(false, None);
        let narrow = Reads(true, Some(KP));
        let all = Reads(true, None);
        let shape = |ps: &[&dyn Projector]| ReadShape::for_projectors(ps.iter().copied(), true);

        assert!(!shape(&[&none]).metadata);
        // One reader: its narrowing holds, whoever else reads nothing.
        let s = shape(&[&none, &narrow]);
        assert!(s.metadata && s.payload_as_text);
        assert_eq!(s.metadata_of, Some(KP));
        // Two readers: everything, since one of them reads every event's metadata.
        let s = shape(&[&narrow, &all]);
        assert!(s.metadata);
        assert_eq!(s.metadata_of, None);
        assert_eq!(ReadShape::for_projector(&narrow).metadata_of, Some(KP));
    }
}
