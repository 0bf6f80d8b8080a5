//! Executing commands: load, decide, append (cqrs-es), then answer with the aggregate id, its
//! new version and the global position of the last event appended (DESIGN §6), so a client
//! can read its own write with `?min_position=`.
//!
//! A conflicting append (another command appended to the same stream first) is retried once:
//! every command here is decided on freshly loaded state, so deciding again is safe. A second
//! conflict is reported as such.
//!
//! Kenaikan pangkat needs more than one stream can give, so [`CommandBus::execute`] guards three
//! of its commands (whichever caller sends them):
//! - `Usulkan`: "one open usul per pegawai" (DOMAIN §3) is a check over many streams. The check
//!   and the append run under a per-NIP lock: an in-process mutex (so waiters do not hold pool
//!   connections) and a transaction-scoped advisory lock on the event store, held on its own
//!   connection from before the aggregate is loaded until after the append has committed, so
//!   two processes cannot both pass the check. The lock transaction takes no xid, so it holds
//!   no projector back.
//! - `CatatSk`: the SK must also be recordable on the pegawai's own stream (the process manager
//!   in the API crate records it there next). The pegawai command is decided first as a dry run
//!   on the freshly loaded pegawai; if the pegawai's rules refuse it, the SK is refused too and
//!   nothing is appended.
//! - `Selesaikan`: only once the pegawai's stream holds the SK.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, AggregateContext, AggregateError, CqrsFramework, EventStore};
use postgres_es::PostgresEventRepository;
use sekretariat_domain::error::DomainError;
use sekretariat_domain::kenaikan_pangkat::{
    KenaikanPangkat, KenaikanPangkatCommand, StatusUsulKp, UsulKp,
};
use sekretariat_domain::master::jabatan::Jabatan;
use sekretariat_domain::master::satker::Satker;
use sekretariat_domain::master::unit_kerja::UnitKerja;
use sekretariat_domain::pegawai::Pegawai;
use sekretariat_domain::pegawai::commands::PegawaiCommand;
use sekretariat_domain::ports::{Clock, KenaikanPangkatServices, Services};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use time::Date;

use crate::metadata::CommandMetadata;
use crate::ports::{BatchMasterData, EventStoreMasterData, EventStoreUsulKp};

/// How a command ended, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandResult {
    Ok,
    /// A business rule refused it.
    Rejected,
    /// Concurrent modification, twice.
    Conflict,
    /// Infrastructure failure.
    Error,
}

impl CommandResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Rejected => "rejected",
            Self::Conflict => "conflict",
            Self::Error => "error",
        }
    }
}

/// Told about every executed command (metrics). Must not block.
pub trait CommandObserver: Send + Sync {
    /// `events` is how many events the command appended.
    fn command_executed(&self, aggregate_type: &str, result: CommandResult, events: u64);
}

/// A cqrs-es framework on our event store, without inline queries.
pub type Cqrs<A> = CqrsFramework<A, PersistedEventStore<PostgresEventRepository, A>>;

/// What a command answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommandOutcome {
    /// The aggregate's id.
    pub id: String,
    /// The aggregate's version (its last sequence) after the command.
    pub version: i64,
    /// Global position of the last event this command appended; `None` when the command
    /// changed nothing.
    pub position: Option<i64>,
    /// How many events the command appended (not part of the HTTP answer).
    #[serde(skip)]
    pub events_appended: u64,
    /// True when this answer is the stored result of an earlier request with the same
    /// idempotency key (nothing was appended now).
    #[serde(skip)]
    pub replayed: bool,
}

/// Why a command did not take effect. Nothing was appended in any case.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A business rule refused it.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Another command changed the same aggregate at the same time, twice in a row.
    #[error("aggregate conflict")]
    Conflict,
    /// The event store could not be reached.
    #[error("event store unavailable: {0}")]
    Unavailable(String),
    /// The idempotency key was used before for a different request.
    #[error("idempotency key reused for another request")]
    IdempotencyKeyReused,
    #[error("unexpected: {0}")]
    Unexpected(String),
}

fn new_cqrs<A: Aggregate>(pool: &PgPool, services: A::Services) -> Cqrs<A> {
    let store = crate::store::event_store::<A>(pool);
    CqrsFramework::new(store, vec![], services)
}

/// The write side's entry point: one framework per aggregate, sharing one pool and one set of
/// ports.
pub struct CommandBus {
    pool: PgPool,
    pub satker: Cqrs<Satker>,
    pub unit_kerja: Cqrs<UnitKerja>,
    pub jabatan: Cqrs<Jabatan>,
    pub pegawai: Cqrs<Pegawai>,
    pub kenaikan_pangkat: Cqrs<KenaikanPangkat>,
    pegawai_store: PersistedEventStore<PostgresEventRepository, Pegawai>,
    kp_store: PersistedEventStore<PostgresEventRepository, KenaikanPangkat>,
    /// The pegawai's ports, for deciding a pegawai command as a dry run.
    services: Services,
    /// The KP aggregate's ports, likewise.
    kp_services: KenaikanPangkatServices,
    /// One mutex per NIP with an `Usulkan` in flight in this process.
    usul_kp_locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    observer: Option<Arc<dyn CommandObserver>>,
}

impl CommandBus {
    /// `pool` must be an application-role pool on the event store.
    pub fn new(pool: PgPool, clock: Arc<dyn Clock>) -> Arc<Self> {
        Self::with_observer(pool, clock, None)
    }

    /// Like [`CommandBus::new`], telling `observer` about every command.
    pub fn with_observer(
        pool: PgPool,
        clock: Arc<dyn Clock>,
        observer: Option<Arc<dyn CommandObserver>>,
    ) -> Arc<Self> {
        let services = Services {
            master: Arc::new(EventStoreMasterData::new(pool.clone())),
            clock,
        };
        let kp_services = KenaikanPangkatServices::new(
            services.clone(),
            Arc::new(EventStoreUsulKp::new(pool.clone())),
        );
        Arc::new(Self {
            satker: new_cqrs(&pool, services.clone()),
            unit_kerja: new_cqrs(&pool, services.clone()),
            jabatan: new_cqrs(&pool, services.clone()),
            kenaikan_pangkat: new_cqrs(&pool, kp_services.clone()),
            pegawai: new_cqrs(&pool, services.clone()),
            pegawai_store: crate::store::event_store(&pool),
            kp_store: crate::store::event_store(&pool),
            services,
            kp_services,
            usul_kp_locks: Mutex::new(HashMap::new()),
            observer,
            pool,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A pegawai framework for one batch of commands (a SIKEP import), to pass to
    /// [`CommandBus::execute`] instead of [`CommandBus::pegawai`]: the same store and rules,
    /// but each satker, unit kerja and jabatan is read once for the whole batch
    /// ([`BatchMasterData`]). Drop it with the batch.
    pub fn pegawai_for_batch(&self) -> Cqrs<Pegawai> {
        new_cqrs(
            &self.pool,
            Services {
                master: Arc::new(BatchMasterData::new(self.services.master.clone())),
                clock: self.services.clock.clone(),
            },
        )
    }

    /// The pegawai as the event store has it now, when registered (for checks that belong to
    /// the caller, such as satker scope, before a command is sent).
    ///
    /// # Errors
    /// The event store cannot be read.
    pub async fn load_pegawai(&self, nip: &str) -> Result<Option<Pegawai>, CommandError> {
        let mut ctx = self
            .pegawai_store
            .load_aggregate(nip)
            .await
            .map_err(map_error)?;
        let p = std::mem::take(ctx.aggregate());
        Ok(p.is_terdaftar().then_some(p))
    }

    /// The usul KP `id` as the event store has it now, once drafted (for the caller's checks,
    /// such as satker scope, and for the facts a verification re-sends).
    ///
    /// # Errors
    /// The event store cannot be read.
    pub async fn load_usul_kp(&self, id: &str) -> Result<Option<UsulKp>, CommandError> {
        let mut ctx = self.kp_store.load_aggregate(id).await.map_err(map_error)?;
        Ok(ctx.aggregate().usul().cloned())
    }

    /// Which of `ids` already have a stream of `aggregate_type`, in one query (a batch import
    /// loads only those; the others can only be new).
    ///
    /// # Errors
    /// The event store cannot be read.
    pub async fn existing_ids(
        &self,
        aggregate_type: &str,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, CommandError> {
        if ids.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        let found: Vec<String> = sqlx::query_scalar(
            "select distinct aggregate_id from events
              where aggregate_type = $1 and aggregate_id = any($2)",
        )
        .bind(aggregate_type)
        .bind(ids)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| CommandError::Unexpected(e.to_string()))?;
        Ok(found.into_iter().collect())
    }

    /// The stored answers of earlier commands on `aggregate_type` with any of `keys` from this
    /// user, by key (one query for many: a batch import checks all its rows at once). Each is
    /// what [`CommandBus::execute`] would answer a retry with (`replayed: true`).
    ///
    /// # Errors
    /// The event store cannot be read.
    pub async fn replayed_outcomes(
        &self,
        aggregate_type: &str,
        keys: &[String],
        user_id: &str,
    ) -> Result<std::collections::HashMap<String, CommandOutcome>, CommandError> {
        let mut found = std::collections::HashMap::new();
        if keys.is_empty() {
            return Ok(found);
        }
        // `metadata ? 'idempotency_key'` lets the planner use the partial index on the key.
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "select metadata ->> 'idempotency_key', aggregate_id, max(sequence), max(global_position)
               from events
              where metadata ? 'idempotency_key'
                and metadata ->> 'idempotency_key' = any($1)
                and metadata ->> 'user_id' = $2
                and aggregate_type = $3
              group by metadata ->> 'idempotency_key', aggregate_id, metadata ->> 'command_id'
              order by max(global_position)",
        )
        .bind(keys)
        .bind(user_id)
        .bind(aggregate_type)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| CommandError::Unexpected(e.to_string()))?;
        for (key, aggregate_id, version, position) in rows {
            // The first command under a key is its answer.
            found.entry(key).or_insert(CommandOutcome {
                id: aggregate_id,
                version,
                position: Some(position),
                events_appended: 0,
                replayed: true,
            });
        }
        Ok(found)
    }

    /// Runs `command` on aggregate `id` of `cqrs` with `meta` in every event.
    ///
    /// # Errors
    /// See [`CommandError`].
    pub async fn execute<A>(
        &self,
        cqrs: &Cqrs<A>,
        id: &str,
        command: A::Command,
        meta: &CommandMetadata,
    ) -> Result<CommandOutcome, CommandError>
    where
        A: Aggregate<Error = DomainError>,
        A::Command: Clone + Serialize + 'static,
    {
        let result = self.execute_guarded(cqrs, id, command, meta).await;
        if let Some(observer) = &self.observer {
            let (r, events) = match &result {
                Ok(o) => (CommandResult::Ok, o.events_appended),
                Err(CommandError::Domain(_)) => (CommandResult::Rejected, 0),
                Err(CommandError::Conflict) => (CommandResult::Conflict, 0),
                Err(_) => (CommandResult::Error, 0),
            };
            observer.command_executed(A::TYPE, r, events);
        }
        result
    }

    /// [`execute_inner`](Self::execute_inner), with the guards the kenaikan pangkat commands
    /// need (see the module docs). Other commands go straight through.
    async fn execute_guarded<A>(
        &self,
        cqrs: &Cqrs<A>,
        id: &str,
        command: A::Command,
        meta: &CommandMetadata,
    ) -> Result<CommandOutcome, CommandError>
    where
        A: Aggregate<Error = DomainError>,
        A::Command: Clone + Serialize + 'static,
    {
        let kp = (&command as &dyn Any)
            .downcast_ref::<KenaikanPangkatCommand>()
            .cloned();
        match kp {
            Some(KenaikanPangkatCommand::Usulkan { nip, .. }) => {
                let _local = self.local_usul_kp_lock(nip.as_str()).await;
                let lock = self.usul_kp_lock(nip.as_str()).await?;
                let result = self.execute_inner(cqrs, id, command, meta).await;
                // Committed or refused: either way the next Usulkan for this NIP may look now.
                if let Err(e) = lock.rollback().await {
                    tracing::warn!(error = %e, "releasing the usul KP lock failed; the connection drop releases it");
                }
                result
            }
            Some(KenaikanPangkatCommand::CatatSk {
                nomor,
                tanggal,
                tmt,
            }) => {
                self.periksa_sk_pegawai(id, &nomor, tanggal, tmt).await?;
                self.execute_inner(cqrs, id, command, meta).await
            }
            Some(KenaikanPangkatCommand::Selesaikan) => {
                self.periksa_sk_tercatat(id).await?;
                self.execute_inner(cqrs, id, command, meta).await
            }
            _ => self.execute_inner(cqrs, id, command, meta).await,
        }
    }

    /// This process's mutex for `nip`: concurrent `Usulkan` of one pegawai queue here without
    /// holding a database connection each.
    async fn local_usul_kp_lock(&self, nip: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let mutex = {
            let mut map = self
                .usul_kp_locks
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            map.retain(|_, m| m.strong_count() > 0);
            match map.get(nip).and_then(Weak::upgrade) {
                Some(m) => m,
                None => {
                    let m = Arc::new(tokio::sync::Mutex::new(()));
                    map.insert(nip.to_string(), Arc::downgrade(&m));
                    m
                }
            }
        };
        mutex.lock_owned().await
    }

    /// The cross-process lock for `nip`: a transaction holding a transaction-scoped advisory
    /// lock on the event store. Committing or rolling it back releases the lock; so does a
    /// dropped transaction (sqlx rolls it back when the connection goes back to the pool) and
    /// a lost connection. The key carries the schema, like the projector leases, so tests in
    /// their own schemas do not wait on each other.
    async fn usul_kp_lock(
        &self,
        nip: &str,
    ) -> Result<Transaction<'static, Postgres>, CommandError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| CommandError::Unavailable(e.to_string()))?;
        sqlx::query("set local lock_timeout = '15s'")
            .execute(&mut *tx)
            .await
            .map_err(|e| CommandError::Unavailable(e.to_string()))?;
        sqlx::query(
            "select pg_advisory_xact_lock(hashtextextended('usul-kp:' || current_schema() || ':' || $1, 0))",
        )
        .bind(nip)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            // lock_not_available: another usul for this pegawai is taking too long.
            sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03") => {
                CommandError::Conflict
            }
            _ => CommandError::Unavailable(e.to_string()),
        })?;
        Ok(tx)
    }

    /// Before `CatatSk` on usul `id`: decides the KP command and then the pegawai's
    /// `CatatKenaikanPangkat` as dry runs on freshly loaded state (nothing is written), so an
    /// SK the pegawai's stream would refuse is refused now, with that rule's error, instead of
    /// stopping the process manager that records it there. Skipped when the usul is not at
    /// `pertek_terbit` (the KP aggregate then answers, or an idempotent retry is replayed).
    async fn periksa_sk_pegawai(
        &self,
        id: &str,
        nomor: &str,
        tanggal: Date,
        tmt: Date,
    ) -> Result<(), CommandError> {
        let mut ctx = self.kp_store.load_aggregate(id).await.map_err(map_error)?;
        let mut kp = ctx.aggregate().clone();
        let Some(usul) = kp.usul().cloned() else {
            return Ok(());
        };
        if usul.status != StatusUsulKp::PertekTerbit {
            return Ok(());
        }
        let sink = EventSink::default();
        kp.handle(
            KenaikanPangkatCommand::CatatSk {
                nomor: nomor.to_string(),
                tanggal,
                tmt,
            },
            &self.kp_services,
            &sink,
        )
        .await?;
        let mut ctx = self
            .pegawai_store
            .load_aggregate(usul.nip.as_str())
            .await
            .map_err(map_error)?;
        let mut pegawai = ctx.aggregate().clone();
        let sink = EventSink::default();
        pegawai
            .handle(
                PegawaiCommand::CatatKenaikanPangkat {
                    usul_id: usul.id,
                    golongan: usul.golongan_tujuan,
                    tmt,
                    nomor_sk: nomor.to_string(),
                    tanggal_sk: tanggal,
                },
                &self.services,
                &sink,
            )
            .await?;
        Ok(())
    }

    /// Before `Selesaikan` on usul `id` at `sk_terbit`: the pegawai's stream must hold the SK
    /// (its `PangkatNaikBerdasarkanSk` for this usul, or the SK's golongan and TMT already).
    async fn periksa_sk_tercatat(&self, id: &str) -> Result<(), CommandError> {
        let Some(usul) = self.load_usul_kp(id).await? else {
            return Ok(());
        };
        let Some((nomor, _, tmt)) = usul.sk.clone() else {
            return Ok(());
        };
        if usul.status != StatusUsulKp::SkTerbit {
            return Ok(());
        }
        let recorded: bool = sqlx::query_scalar(
            "select exists (select 1 from events
              where aggregate_type = 'pegawai' and aggregate_id = $1
                and event_type = 'PangkatNaikBerdasarkanSk'
                and payload -> 'PangkatNaikBerdasarkanSk' ->> 'usul_id' = $2)",
        )
        .bind(usul.nip.as_str())
        .bind(usul.id.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| CommandError::Unavailable(e.to_string()))?;
        if recorded {
            return Ok(());
        }
        let pegawai = self.load_pegawai(usul.nip.as_str()).await?;
        let sama = pegawai.is_some_and(|p| {
            p.golongan() == Some(usul.golongan_tujuan) && p.tmt_golongan() == Some(tmt)
        });
        if sama {
            return Ok(());
        }
        Err(CommandError::Domain(DomainError::conflict(
            "kp_sk_belum_tercatat",
            format!(
                "SK {nomor} belum tercatat pada data pegawai {}; usul dapat diselesaikan setelah golongan {} tercatat.",
                usul.nip, usul.golongan_tujuan
            ),
        )))
    }

    async fn execute_inner<A>(
        &self,
        cqrs: &Cqrs<A>,
        id: &str,
        command: A::Command,
        meta: &CommandMetadata,
    ) -> Result<CommandOutcome, CommandError>
    where
        A: Aggregate<Error = DomainError>,
        A::Command: Clone + Serialize,
    {
        let command_id = uuid::Uuid::new_v4().to_string();
        let mut metadata = meta.to_map(&command_id);
        // Idempotency (DESIGN §3): the key and a hash of what was asked travel in the events'
        // metadata, so they commit atomically with the effect.
        let idempotency = match &meta.idempotency_key {
            Some(key) => {
                let hash = request_hash(A::TYPE, id, &command)?;
                if let Some(done) = self.replay(key, &meta.user_id, &hash).await? {
                    return Ok(done);
                }
                metadata.insert("request_hash".into(), hash.clone());
                Some((key.as_str(), hash))
            }
            None => None,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match cqrs
                .execute_with_metadata(id, command.clone(), metadata.clone())
                .await
            {
                Ok(()) => break,
                Err(e) => {
                    // A concurrent request with the same key may have won the race: its result
                    // is ours (the id of a created aggregate is derived from the key, so both
                    // requests collided on the same stream).
                    if let Some((key, hash)) = &idempotency
                        && let Some(done) = self.replay(key, &meta.user_id, hash).await?
                    {
                        return Ok(done);
                    }
                    match e {
                        AggregateError::AggregateConflict if attempt == 1 => {
                            tracing::debug!(
                                aggregate = A::TYPE,
                                id,
                                "conflicting append, deciding again"
                            );
                        }
                        e => return Err(map_error(e)),
                    }
                }
            }
        }
        self.outcome(A::TYPE, id, &command_id).await
    }

    /// The stored answer of an earlier command with this key from this user, if any.
    async fn replay(
        &self,
        key: &str,
        user_id: &str,
        hash: &str,
    ) -> Result<Option<CommandOutcome>, CommandError> {
        let row: Option<(String, i64, i64, Option<String>)> = sqlx::query_as(
            "select aggregate_id, max(sequence), max(global_position), min(metadata ->> 'request_hash')
               from events
              where metadata ? 'idempotency_key'
                and metadata ->> 'idempotency_key' = $1 and metadata ->> 'user_id' = $2
              group by aggregate_type, aggregate_id, metadata ->> 'command_id'
              order by max(global_position)
              limit 1",
        )
        .bind(key)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| CommandError::Unexpected(e.to_string()))?;
        match row {
            None => Ok(None),
            Some((_, _, _, stored)) if stored.as_deref() != Some(hash) => {
                Err(CommandError::IdempotencyKeyReused)
            }
            Some((aggregate_id, version, position, _)) => Ok(Some(CommandOutcome {
                id: aggregate_id,
                version,
                position: Some(position),
                events_appended: 0,
                replayed: true,
            })),
        }
    }

    async fn outcome(
        &self,
        aggregate_type: &str,
        id: &str,
        command_id: &str,
    ) -> Result<CommandOutcome, CommandError> {
        let ours: Option<(i64, i64, i64)> = sqlx::query_as(
            "select max(sequence), max(global_position), count(*) from events
              where aggregate_type = $1 and aggregate_id = $2 and metadata ->> 'command_id' = $3
             having count(*) > 0",
        )
        .bind(aggregate_type)
        .bind(id)
        .bind(command_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| CommandError::Unexpected(e.to_string()))?;
        if let Some((version, position, count)) = ours {
            return Ok(CommandOutcome {
                id: id.to_string(),
                version,
                position: Some(position),
                events_appended: count as u64,
                replayed: false,
            });
        }
        let version: i64 = sqlx::query_scalar(
            "select coalesce(max(sequence), 0) from events where aggregate_type = $1 and aggregate_id = $2",
        )
        .bind(aggregate_type)
        .bind(id)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| CommandError::Unexpected(e.to_string()))?;
        Ok(CommandOutcome {
            id: id.to_string(),
            version,
            position: None,
            events_appended: 0,
            replayed: false,
        })
    }
}

/// What identifies a request for idempotency: the aggregate, its id and the command as decided.
fn request_hash<C: Serialize>(
    aggregate_type: &str,
    id: &str,
    command: &C,
) -> Result<String, CommandError> {
    use sha2::{Digest, Sha256};
    let body = serde_json::to_vec(command).map_err(|e| CommandError::Unexpected(e.to_string()))?;
    let mut h = Sha256::new();
    h.update(aggregate_type.as_bytes());
    h.update([0]);
    h.update(id.as_bytes());
    h.update([0]);
    h.update(&body);
    Ok(hex::encode(h.finalize()))
}

fn map_error(e: AggregateError<DomainError>) -> CommandError {
    match e {
        AggregateError::UserError(d) => CommandError::Domain(d),
        AggregateError::AggregateConflict => CommandError::Conflict,
        AggregateError::DatabaseConnectionError(e) => CommandError::Unavailable(e.to_string()),
        AggregateError::DeserializationError(e) => {
            CommandError::Unexpected(format!("stored event unreadable: {e}"))
        }
        AggregateError::UnexpectedError(e) => CommandError::Unexpected(e.to_string()),
    }
}
