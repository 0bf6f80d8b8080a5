//! Rebuilding a module's read model from the event store (DESIGN §4) without stopping the
//! live one.
//!
//! The unit is a module database (or schema): its migrations create the tables, and every
//! projector that writes it replays into them. The rebuild builds into a fresh schema next to
//! the live one while the live one keeps serving, then swaps the two in one transaction:
//!
//! 1. `<live>_rb_<t>` is created, migrated, and the projectors catch up into it from zero;
//! 2. the live checkpoint table is locked (the live projector's next batch waits), the fresh
//!    schema catches up with what arrived meanwhile, and the schemas are renamed
//!    (`<live>` → `<live>_old_<t>`, fresh → `<live>`) in the same transaction;
//! 3. the old schema is dropped.
//!
//! Queries resolve table names through `search_path` by schema name, so after the swap they see
//! the rebuilt tables; a live projector's next batch reads its checkpoint from the new schema
//! and goes on from there (a batch it had in flight lands in the old schema and is dropped with
//! it). Verification builds the same fresh schema up to the live checkpoint and compares table
//! by table instead of swapping.
//!
//! Side-effect subscribers (the notifier, anything that sends) are not read-model projectors
//! and are never passed here.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Row};

use crate::migrate::{self, Module};
use crate::runtime::{
    Position, ProjectionError, Projector, ProjectorRunner, ReadShape, Replayer, RunnerOptions,
    StoredEvent, Writeout, nth_position_after, read_batch, read_checkpoint,
};

/// Events per read while rebuilding: large, since nothing else waits on these tables. A
/// projector with a [`Replayer`] folds the whole history in memory and writes each row once;
/// one without goes through `apply_batch`, which writes each touched row once per batch. A
/// batch of 50,000 events holds a few hundred MB.
pub const REBUILD_BATCH: i64 = 50_000;

/// Connections on the scratch schema: the replayers' writes and the index builds after the
/// load run side by side on them (this machine kind has two cores).
const SCRATCH_CONNECTIONS: u32 = 2;

/// What is rebuilt: a module and the projectors that write it.
pub struct RebuildTarget {
    pub module: Module,
    /// The live module database (its `search_path`, if any, names the live schema).
    pub options: PgConnectOptions,
    pub projectors: Vec<Arc<dyn Projector>>,
    /// Events per read: [`REBUILD_BATCH`]; tests take small batches to cross many batch
    /// boundaries with few events.
    pub batch_size: i64,
}

/// Progress of a rebuild, reported after each batch.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Progress {
    /// Events replayed so far (summed over the module's projectors).
    pub done: u64,
    /// Events to replay (the store's size at the start, times the number of projectors).
    pub total: u64,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Progress {
    pub fn events_per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.done as f64 / s } else { 0.0 }
    }

    /// Estimated time left, when something was done.
    pub fn eta(&self) -> Option<Duration> {
        let rate = self.events_per_second();
        (rate > 0.0 && self.total >= self.done)
            .then(|| Duration::from_secs_f64((self.total - self.done) as f64 / rate))
    }
}

/// The first difference found by a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub table: String,
    pub live_rows: i64,
    pub rebuilt_rows: i64,
    /// The first row (as text, in a stable order) present on one side and not the other.
    pub first_live_only: Option<String>,
    pub first_rebuilt_only: Option<String>,
}

/// What a rebuild did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Swapped {
        module: &'static str,
        events: u64,
        seconds: f64,
        events_per_second: f64,
    },
    Verified {
        module: &'static str,
        events: u64,
        identical: bool,
        tables: usize,
        differences: Vec<Difference>,
    },
}

/// Why a rebuild failed. The live read model is untouched in every case but a failed drop of
/// the old schema after a successful swap (then only a leftover schema remains).
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("projector stopped: {0}")]
    Projection(#[from] ProjectionError),
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh schema beside the live one, migrated, with its own pool.
struct Scratch {
    schema: String,
    pool: PgPool,
}

async fn scratch(
    owner: &PgPool,
    target: &RebuildTarget,
    live_schema: &str,
    tag: &str,
) -> Result<Scratch, RebuildError> {
    // Schema names are at most 63 bytes.
    let mut base: String = live_schema.chars().take(40).collect();
    base.push_str(&format!("_{tag}_{}", unix_now()));
    owner
        .execute(format!("create schema {}", quote(&base)).as_str())
        .await?;
    let pool = PgPoolOptions::new()
        .max_connections(SCRATCH_CONNECTIONS)
        .connect_with(
            target
                .options
                .clone()
                .options([("search_path", base.as_str())]),
        )
        .await?;
    migrate::migrate(target.module, &pool).await?;
    Ok(Scratch { schema: base, pool })
}

#[expect(
    clippy::too_many_arguments,
    reason = "the two call sites differ in every argument"
)]
async fn replay(
    source: &PgPool,
    scratch: &Scratch,
    target: &RebuildTarget,
    until: &dyn Fn(&str) -> Option<Position>,
    base_done: u64,
    total: u64,
    started: Instant,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<u64, RebuildError> {
    // From zero (a fresh scratch schema), one pass over the events feeds every projector of
    // the module; the catch-up before the swap goes through the runner like a live catch-up.
    let mut fresh = true;
    for p in &target.projectors {
        fresh &= read_checkpoint(&scratch.pool, p.name()).await?.0 == Position::default();
    }
    if fresh {
        return replay_fresh(
            source,
            &scratch.pool,
            target,
            until,
            base_done,
            total,
            started,
            progress,
        )
        .await;
    }
    let mut done = base_done;
    for projector in &target.projectors {
        let before = done;
        let runner = ProjectorRunner::new(
            projector.clone(),
            source.clone(),
            scratch.pool.clone(),
            RunnerOptions {
                batch_size: target.batch_size,
                ..RunnerOptions::default()
            },
        );
        done += runner
            .catch_up_until(until(projector.name()), &mut |n| {
                progress(Progress {
                    done: before + n,
                    total,
                    elapsed: started.elapsed(),
                });
            })
            .await?;
    }
    Ok(done)
}

/// How one projector takes part in a fresh replay.
enum Feed {
    /// Folds the whole history in memory (see [`Replayer`]).
    Fold(Box<dyn Replayer>),
    /// Applies batch after batch with `apply_batch`, each committed with its checkpoint.
    Batches,
}

/// One projector of a fresh replay: how it is fed, up to where, and how far it got.
struct Fed {
    projector: Arc<dyn Projector>,
    feed: Feed,
    until: Option<Position>,
    last: Position,
    done: u64,
}

/// The error of `projector` at `event` (or at no event in particular).
fn stopped_at(
    projector: &str,
    event: Option<&StoredEvent>,
    error: ProjectionError,
) -> RebuildError {
    RebuildError::Projection(match event {
        Some(ev) => ProjectionError::Other(format!(
            "{projector} at global position {} ({} {}/{}): {error}",
            ev.position.global_position, ev.event_type, ev.aggregate_type, ev.aggregate_id
        )),
        None => error,
    })
}

/// Writes what replayers handed over, in one transaction of its own.
async fn write_apart(pool: PgPool, rows: Vec<Box<dyn Writeout>>) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for w in rows {
        w.write(&mut tx).await?;
    }
    tx.commit().await
}

/// Waits for the write in flight, if any.
async fn written(
    task: Option<tokio::task::JoinHandle<Result<(), sqlx::Error>>>,
) -> Result<(), RebuildError> {
    match task {
        Some(t) => Ok(t
            .await
            .map_err(|e| ProjectionError::Other(format!("write task failed: {e}")))??),
        None => Ok(()),
    }
}

/// A batch for a fresh replay: the payload as text (what replayers and `decode` read), and
/// also as a JSON value when a projector fed batches reads the value itself (parsed here once
/// for all of them).
async fn read_fresh(
    source: PgPool,
    after: Position,
    limit: i64,
    until: Option<Position>,
    shape: ReadShape,
    values: bool,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let mut batch = read_batch(&source, after, limit, until, shape).await?;
    if values {
        for e in &mut batch {
            if let Some(text) = &e.payload_text {
                e.payload = serde_json::from_str(text).map_err(|err| {
                    sqlx::Error::Decode(
                        format!("payload of event {}: {err}", e.position.global_position).into(),
                    )
                })?;
            }
        }
    }
    Ok(batch)
}

/// Connections a rebuild's source pool should have: the reads running ahead of the fold and
/// the boundary lookups beside them (fewer work, more slowly).
pub const SOURCE_CONNECTIONS: u32 = READ_AHEAD as u32 + 1;

/// Batches read ahead while a fresh replay folds: how many reads are in flight at once, each
/// on its own connection of the source pool.
const READ_AHEAD: usize = 2;

/// Reads a fresh replay's batches in order, [`READ_AHEAD`] of them at a time. The reads run
/// side by side because each knows where it ends before the one before it has returned: a
/// cheap index scan finds the position a batch's worth of events further on first. Such a
/// boundary lies below the safe horizon, so every event up to it is already committed and no
/// later read can find another one there: what becomes visible later sorts after it.
struct ReadAhead {
    source: PgPool,
    batch_size: i64,
    /// Where the next batch to be requested starts.
    next: Position,
    read_until: Option<Position>,
    shape: ReadShape,
    values: bool,
    in_flight: std::collections::VecDeque<ReadTask>,
    /// The last batch requested has no boundary (fewer than a batch's worth of events were
    /// left): nothing more is requested until it is back.
    tail: bool,
}

type ReadTask = tokio::task::JoinHandle<Result<Vec<StoredEvent>, sqlx::Error>>;

impl ReadAhead {
    fn new(
        source: &PgPool,
        batch_size: i64,
        read_until: Option<Position>,
        shape: ReadShape,
        values: bool,
    ) -> Self {
        Self {
            source: source.clone(),
            batch_size,
            next: Position::default(),
            read_until,
            shape,
            values,
            in_flight: std::collections::VecDeque::new(),
            tail: false,
        }
    }

    /// Requests batches until [`READ_AHEAD`] are in flight or the end is requested.
    async fn fill(&mut self) -> Result<(), sqlx::Error> {
        while self.in_flight.len() < READ_AHEAD && !self.tail {
            let boundary =
                nth_position_after(&self.source, self.next, self.batch_size, self.read_until)
                    .await?;
            let until = boundary.or(self.read_until);
            self.in_flight.push_back(tokio::spawn(read_fresh(
                self.source.clone(),
                self.next,
                self.batch_size,
                until,
                self.shape,
                self.values,
            )));
            match boundary {
                Some(b) => self.next = b,
                None => self.tail = true,
            }
        }
        Ok(())
    }

    /// The next batch in order; empty at the end.
    async fn next_batch(&mut self) -> Result<Vec<StoredEvent>, RebuildError> {
        self.fill().await?;
        let Some(task) = self.in_flight.pop_front() else {
            return Ok(Vec::new());
        };
        let batch = task
            .await
            .map_err(|e| ProjectionError::Other(format!("read task failed: {e}")))??;
        if self.tail && self.in_flight.is_empty() {
            // The tail is back: go on after it (events may have arrived meanwhile), or stop.
            if let Some(last) = batch.last() {
                self.next = last.position;
                self.tail = false;
            }
        }
        // Keep the reads going while this batch is folded.
        self.fill().await?;
        Ok(batch)
    }

    fn abort(&mut self) {
        for task in self.in_flight.drain(..) {
            task.abort();
        }
    }
}

/// Replays every event into the empty scratch schema, reading each batch once for all the
/// module's projectors (each up to its own `until`). Three things overlap: reading the next
/// batch, folding and applying this one, and writing what the replayers handed over after the
/// previous one (on its own connection; at most one such write in flight). The replayers'
/// results are written, with their checkpoints, at the end. An event a projector cannot apply
/// stops the rebuild, naming it.
#[expect(
    clippy::too_many_arguments,
    reason = "the same arguments as `replay`, which it serves"
)]
async fn replay_fresh(
    source: &PgPool,
    pool: &PgPool,
    target: &RebuildTarget,
    until: &dyn Fn(&str) -> Option<Position>,
    base_done: u64,
    total: u64,
    started: Instant,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<u64, RebuildError> {
    let mut fed: Vec<Fed> = target
        .projectors
        .iter()
        .map(|p| Fed {
            projector: p.clone(),
            feed: p.replayer().map_or(Feed::Batches, Feed::Fold),
            until: until(p.name()),
            last: Position::default(),
            done: 0,
        })
        .collect();
    // Read as far as the furthest projector goes (`None`: to the end).
    let read_until = if fed.iter().any(|f| f.until.is_none()) {
        None
    } else {
        fed.iter().filter_map(|f| f.until).max()
    };
    let values = fed
        .iter()
        .any(|f| matches!(f.feed, Feed::Batches) && !f.projector.decodes_payload_only());
    let shape = ReadShape::for_projectors(fed.iter().map(|f| f.projector.as_ref()), true);
    let mut writing = None;
    let mut reader = ReadAhead::new(source, target.batch_size, read_until, shape, values);
    let mut batch = reader.next_batch().await?;
    while !batch.is_empty() {
        let mut ready = Vec::new();
        for f in &mut fed {
            let n = match f.until {
                None => batch.len(),
                Some(u) => batch.partition_point(|e| e.position <= u),
            };
            if n == 0 {
                continue;
            }
            let name = f.projector.name().to_string();
            let failed = match &mut f.feed {
                Feed::Fold(replayer) => match replayer.fold(&batch[..n]) {
                    Ok(()) => {
                        ready.extend(replayer.take_ready());
                        None
                    }
                    Err(e) => Some(e),
                },
                Feed::Batches => {
                    let mut tx = pool.begin().await?;
                    match f.projector.apply_batch(&mut tx, &batch[..n]).await {
                        Ok(()) => {
                            let at = batch[n - 1].position;
                            set_checkpoint(&mut tx, &name, at, f.done + n as u64).await?;
                            tx.commit().await?;
                            None
                        }
                        Err(e) => Some(e),
                    }
                }
            };
            if let Some(e) = failed {
                reader.abort();
                let at = e.index.and_then(|i| batch.get(i));
                return Err(stopped_at(&name, at, e.error));
            }
            f.last = batch[n - 1].position;
            f.done += n as u64;
        }
        progress(Progress {
            done: base_done + fed.iter().map(|f| f.done).sum::<u64>(),
            total,
            elapsed: started.elapsed(),
        });
        if !ready.is_empty() {
            written(writing.take()).await?;
            writing = Some(tokio::spawn(write_apart(pool.clone(), ready)));
        }
        batch = reader.next_batch().await?;
    }
    written(writing.take()).await?;
    let done = base_done + fed.iter().map(|f| f.done).sum::<u64>();
    // Each replayer writes what it holds with its checkpoint, side by side with the others
    // (each on its own connection and worker thread).
    let finishing: Vec<_> = fed
        .into_iter()
        .filter_map(|f| match f.feed {
            Feed::Fold(replayer) => {
                let pool = pool.clone();
                Some(tokio::spawn(async move {
                    let rows = replayer.finish();
                    let mut tx = pool.begin().await?;
                    rows.write(&mut tx).await?;
                    set_checkpoint(&mut tx, f.projector.name(), f.last, f.done).await?;
                    tx.commit().await
                }))
            }
            Feed::Batches => None,
        })
        .collect();
    for task in finishing {
        written(Some(task)).await?;
    }
    Ok(done)
}

/// Records in the scratch schema that `name` has applied `events` events up to `at`.
async fn set_checkpoint(
    conn: &mut sqlx::PgConnection,
    name: &str,
    at: Position,
    events: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into projector_checkpoints (name, tx_id, global_position, events_applied)
         values ($1, $2::bigint::text::xid8, $3, $4)
         on conflict (name) do update set tx_id = excluded.tx_id,
            global_position = excluded.global_position, events_applied = excluded.events_applied,
            updated_at = now()",
    )
    .bind(name)
    .bind(at.tx_id)
    .bind(at.global_position)
    .bind(events as i64)
    .execute(conn)
    .await?;
    Ok(())
}

/// What [`defer_secondary`] took away, to be put back after the load, in stages: primary keys
/// (foreign keys need the keys they reference), then the other indexes, then foreign keys.
/// Within a stage the statements are independent and run concurrently.
struct Deferred {
    primary_keys: Vec<String>,
    indexes: Vec<String>,
    foreign_keys: Vec<String>,
}

/// Drops the scratch schema's foreign keys and the indexes that back no constraint, and the
/// primary keys of the tables a [`Replayer`] fills alone (nothing looks rows up there until the
/// load is over), returning the statements that recreate them (as PostgreSQL describes them,
/// so nothing is restated by hand).
async fn defer_secondary(
    scratch: &Scratch,
    target: &RebuildTarget,
) -> Result<Deferred, sqlx::Error> {
    let loaded: Vec<String> = target
        .projectors
        .iter()
        .filter_map(|p| p.replayer())
        .flat_map(|r| {
            r.tables()
                .iter()
                .map(|t| (*t).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let primary_keys: Vec<(String, String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
           from pg_constraint c join pg_namespace n on n.oid = c.connamespace
           join pg_class t on t.oid = c.conrelid
          where n.nspname = $1 and c.contype = 'p' and t.relname::text = any($2)",
    )
    .bind(&scratch.schema)
    .bind(&loaded)
    .fetch_all(&scratch.pool)
    .await?;
    let foreign_keys: Vec<(String, String, String)> = sqlx::query_as(
        "select c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid)
           from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where n.nspname = $1 and c.contype = 'f'",
    )
    .bind(&scratch.schema)
    .fetch_all(&scratch.pool)
    .await?;
    let indexes: Vec<(String, String)> = sqlx::query_as(
        "select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
          where n.nspname = $1
            and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)",
    )
    .bind(&scratch.schema)
    .fetch_all(&scratch.pool)
    .await?;
    let mut deferred = Deferred {
        primary_keys: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
    };
    // Foreign keys first: a primary key cannot go while one references it.
    for (table, name, def) in foreign_keys.into_iter().chain(primary_keys) {
        scratch
            .pool
            .execute(format!("alter table {table} drop constraint {}", quote(&name)).as_str())
            .await?;
        let statement = format!("alter table {table} add constraint {} {def}", quote(&name));
        if def.starts_with("PRIMARY KEY") {
            deferred.primary_keys.push(statement);
        } else {
            deferred.foreign_keys.push(statement);
        }
    }
    for (index, def) in indexes {
        scratch
            .pool
            .execute(format!("drop index {index}").as_str())
            .await?;
        deferred.indexes.push(def);
    }
    Ok(deferred)
}

/// Puts back what [`defer_secondary`] took away, stage by stage, the statements of a stage on
/// as many connections as the scratch pool has: building indexes is CPU-bound and PostgreSQL
/// builds each on one core. Foreign keys go one at a time: each locks the table it references,
/// so they would only queue behind each other.
async fn restore_secondary(scratch: &Scratch, deferred: &Deferred) -> Result<(), sqlx::Error> {
    for stage in [&deferred.primary_keys, &deferred.indexes] {
        futures::stream::iter(stage.iter().map(|statement| {
            let pool = scratch.pool.clone();
            async move { pool.execute(statement.as_str()).await.map(|_| ()) }
        }))
        .buffer_unordered(SCRATCH_CONNECTIONS as usize)
        .try_collect::<()>()
        .await?;
    }
    for statement in &deferred.foreign_keys {
        scratch.pool.execute(statement.as_str()).await?;
    }
    Ok(())
}

/// What a rebuild and a verification both start from.
struct Setup {
    /// Owner pool on the live module database.
    owner: PgPool,
    live: String,
    started: Instant,
    /// Events to replay, summed over the module's projectors.
    total: u64,
    scratch: Scratch,
}

async fn setup(source: &PgPool, target: &RebuildTarget, tag: &str) -> Result<Setup, RebuildError> {
    let owner = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(target.options.clone())
        .await?;
    let live: String = sqlx::query_scalar("select current_schema()")
        .fetch_one(&owner)
        .await?;
    let started = Instant::now();
    let stored: i64 = sqlx::query_scalar("select count(*) from events")
        .fetch_one(source)
        .await?;
    let total = stored as u64 * target.projectors.len() as u64;
    let scratch = scratch(&owner, target, &live, tag).await?;
    Ok(Setup {
        owner,
        live,
        started,
        total,
        scratch,
    })
}

/// Rebuilds `target` from the events in `source` and swaps it in.
///
/// # Errors
/// See [`RebuildError`]. On error before the swap, the scratch schema is dropped and the live
/// read model is untouched.
pub async fn rebuild(
    source: &PgPool,
    target: &RebuildTarget,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Outcome, RebuildError> {
    let Setup {
        owner,
        live,
        started,
        total,
        scratch,
    } = setup(source, target, "rb").await?;
    let result = async {
        // Most of the work, while the live model keeps serving. Secondary indexes and foreign
        // keys are put back afterwards: building an index once is far cheaper than maintaining
        // it row by row, and nothing reads the scratch schema meanwhile.
        let deferred = defer_secondary(&scratch, target).await?;
        let mut done = replay(
            source,
            &scratch,
            target,
            &|_| None,
            0,
            total,
            started,
            progress,
        )
        .await?;
        restore_secondary(&scratch, &deferred).await?;
        // The swap: hold the live projectors back, take in what arrived meanwhile, rename.
        let mut tx = owner.begin().await?;
        tx.execute("set local lock_timeout = '60s'").await?;
        tx.execute(
            format!(
                "lock table {}.projector_checkpoints in access exclusive mode",
                quote(&live)
            )
            .as_str(),
        )
        .await?;
        done = replay(
            source,
            &scratch,
            target,
            &|_| None,
            done,
            total.max(done),
            started,
            progress,
        )
        .await?;
        let old = format!(
            "{}_old_{}",
            live.chars().take(40).collect::<String>(),
            unix_now()
        );
        tx.execute(format!("alter schema {} rename to {}", quote(&live), quote(&old)).as_str())
            .await?;
        tx.execute(
            format!(
                "alter schema {} rename to {}",
                quote(&scratch.schema),
                quote(&live)
            )
            .as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok::<(u64, String), RebuildError>((done, old))
    }
    .await;
    scratch.pool.close().await;
    match result {
        Ok((done, old)) => {
            if let Err(e) = owner
                .execute(format!("drop schema {} cascade", quote(&old)).as_str())
                .await
            {
                tracing::warn!(schema = %old, error = %e, "rebuild swapped, but the old schema could not be dropped");
            }
            owner.close().await;
            let seconds = started.elapsed().as_secs_f64();
            Ok(Outcome::Swapped {
                module: target.module.name(),
                events: done,
                seconds,
                events_per_second: if seconds > 0.0 {
                    done as f64 / seconds
                } else {
                    0.0
                },
            })
        }
        Err(e) => {
            let _ = owner
                .execute(
                    format!("drop schema if exists {} cascade", quote(&scratch.schema)).as_str(),
                )
                .await;
            owner.close().await;
            Err(e)
        }
    }
}

/// The model's tables (not the bookkeeping ones), in a stable order.
async fn model_tables(pool: &PgPool, schema: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "select table_name::text from information_schema.tables
          where table_schema = $1 and table_type = 'BASE TABLE'
            and table_name not in ('_sqlx_migrations', 'projector_checkpoints')
          order by table_name",
    )
    .bind(schema)
    .fetch_all(pool)
    .await
}

async fn rows_as_text(
    pool: &PgPool,
    schema: &str,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let q = format!(
        "select t::text as r from {}.{} t order by t::text collate \"C\"",
        quote(schema),
        quote(table)
    );
    let rows = sqlx::query(&q).fetch_all(pool).await?;
    rows.iter().map(|r| r.try_get::<String, _>("r")).collect()
}

/// Rebuilds `target` into a scratch schema up to the live checkpoints and compares it with the
/// live read model, table by table. Nothing live changes.
///
/// # Errors
/// See [`RebuildError`].
pub async fn verify(
    source: &PgPool,
    target: &RebuildTarget,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Outcome, RebuildError> {
    let Setup {
        owner,
        live,
        started,
        total,
        scratch,
    } = setup(source, target, "vf").await?;
    let result = async {
        // Hold the live projectors still while comparing, so both sides describe one position.
        let mut tx = owner.begin().await?;
        tx.execute("set local lock_timeout = '60s'").await?;
        tx.execute(
            format!(
                "lock table {}.projector_checkpoints in share mode",
                quote(&live)
            )
            .as_str(),
        )
        .await?;
        let mut limits = Vec::new();
        for p in &target.projectors {
            let (cp, _) = read_checkpoint(&mut *tx, p.name()).await?;
            limits.push((p.name().to_string(), cp));
        }
        let limit_of = |name: &str| limits.iter().find(|(n, _)| n == name).map(|(_, cp)| *cp);
        let deferred = defer_secondary(&scratch, target).await?;
        let done = replay(
            source, &scratch, target, &limit_of, 0, total, started, progress,
        )
        .await?;
        restore_secondary(&scratch, &deferred).await?;
        let mut differences = Vec::new();
        let tables = model_tables(&owner, &live).await?;
        for table in &tables {
            let a = rows_as_text(&owner, &live, table).await?;
            let b = rows_as_text(&owner, &scratch.schema, table).await?;
            if a != b {
                let first_live_only = a.iter().find(|r| b.binary_search(r).is_err()).cloned();
                let first_rebuilt_only = b.iter().find(|r| a.binary_search(r).is_err()).cloned();
                differences.push(Difference {
                    table: table.clone(),
                    live_rows: a.len() as i64,
                    rebuilt_rows: b.len() as i64,
                    first_live_only,
                    first_rebuilt_only,
                });
            }
        }
        tx.rollback().await?;
        Ok::<_, RebuildError>(Outcome::Verified {
            module: target.module.name(),
            events: done,
            identical: differences.is_empty(),
            tables: tables.len(),
            differences,
        })
    }
    .await;
    scratch.pool.close().await;
    let _ = owner
        .execute(format!("drop schema if exists {} cascade", quote(&scratch.schema)).as_str())
        .await;
    owner.close().await;
    result
}
