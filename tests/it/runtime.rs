//! The projector runtime against the real event store: gap-free order under concurrent
//! appenders, crash safety, the lease, and stopping at a bad event.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rand::Rng;
use sekretariat_projections::migrate::Module;
use sekretariat_projections::runtime::{
    ProjectionError, Projector, ProjectorRunner, ProjectorState, RunnerOptions, StoredEvent,
    read_checkpoint, spawn_append_listener,
};
use sekretariat_tests::db::TestDatabases;
use sqlx::{Executor, PgConnection, PgPool};
use tokio::sync::{Notify, watch};

/// Records every event it applies, and keeps a running count per stream that would be wrong
/// if any event were applied twice or skipped.
struct Recorder {
    name: String,
    instance: i32,
    /// Fail on this global position (to test stopping at a bad event).
    poison: Option<i64>,
    /// Sleep per event, to widen the window for a kill mid-batch.
    slow: Option<Duration>,
}

impl Recorder {
    fn new(name: &str) -> Self {
        Self {
            name: name.into(),
            instance: 0,
            poison: None,
            slow: None,
        }
    }
}

async fn create_recorder_tables(pool: &PgPool) {
    pool.execute(
        "create table if not exists applied (
            global_position bigint primary key,
            aggregate_id text not null,
            sequence bigint not null,
            instance int not null,
            n bigserial
         );
         create table if not exists stream_totals (
            aggregate_id text primary key,
            events bigint not null,
            last_sequence bigint not null
         );",
    )
    .await
    .unwrap();
}

#[async_trait]
impl Projector for Recorder {
    fn name(&self) -> &str {
        &self.name
    }

    async fn apply(&self, conn: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        if Some(e.position.global_position) == self.poison {
            return Err(ProjectionError::Other("poisoned event".into()));
        }
        if let Some(d) = self.slow {
            tokio::time::sleep(d).await;
        }
        sqlx::query("insert into applied (global_position, aggregate_id, sequence, instance) values ($1, $2, $3, $4)")
            .bind(e.position.global_position)
            .bind(&e.aggregate_id)
            .bind(e.sequence)
            .bind(self.instance)
            .execute(&mut *conn)
            .await?;
        // Not idempotent on purpose: applying an event twice shows in `events`.
        let ok: Option<i64> = sqlx::query_scalar(
            "insert into stream_totals as t (aggregate_id, events, last_sequence) values ($1, 1, $2)
             on conflict (aggregate_id) do update set events = t.events + 1, last_sequence = excluded.last_sequence
             where t.last_sequence < excluded.last_sequence
             returning events",
        )
        .bind(&e.aggregate_id)
        .bind(e.sequence)
        .fetch_optional(&mut *conn)
        .await?;
        if ok.is_none() {
            return Err(ProjectionError::Other(format!(
                "stream {} out of order at sequence {}",
                e.aggregate_id, e.sequence
            )));
        }
        Ok(())
    }
}

/// Appends `events_per_tx` events to `aggregate` in one transaction held open for `hold`.
async fn append(
    pool: &PgPool,
    aggregate: &str,
    first_seq: i64,
    events_per_tx: i64,
    hold: Duration,
) {
    let mut tx = pool.begin().await.unwrap();
    for s in first_seq..first_seq + events_per_tx {
        sqlx::query(
            "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload)
             values ('test', $1, $2, 'Appended', '1.0', jsonb_build_object('Appended', jsonb_build_object('n', $2)))",
        )
        .bind(aggregate)
        .bind(s)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    if !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    tx.commit().await.unwrap();
}

/// 8 appenders, each over its own 6 aggregates, 1–3 events per transaction, transactions held
/// open 0–15 ms. Returns the number of events appended.
async fn hammer(pool: &PgPool, tag: &str, appenders: usize, txs_per_appender: usize) -> i64 {
    let mut handles = Vec::new();
    for a in 0..appenders {
        let pool = pool.clone();
        let tag = tag.to_string();
        handles.push(tokio::spawn(async move {
            let mut next: HashMap<String, i64> = HashMap::new();
            let mut total = 0;
            for _ in 0..txs_per_appender {
                let (agg, n, hold) = {
                    let mut rng = rand::thread_rng();
                    (
                        format!("{tag}-{a}-{}", rng.gen_range(0..6)),
                        rng.gen_range(1..=3),
                        Duration::from_millis(rng.gen_range(0..=15)),
                    )
                };
                let seq = next.entry(agg.clone()).or_insert(1);
                append(&pool, &agg, *seq, n, hold).await;
                *seq += n;
                total += n;
            }
            total
        }));
    }
    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    total
}

async fn wait_caught_up(target: &PgPool, source: &PgPool, name: &str) {
    let max: i64 = sqlx::query_scalar("select coalesce(max(global_position), 0) from events")
        .fetch_one(source)
        .await
        .unwrap();
    for _ in 0..1000 {
        let applied: i64 = sqlx::query_scalar("select count(*) from applied")
            .fetch_one(target)
            .await
            .unwrap();
        let total: i64 = sqlx::query_scalar("select count(*) from events")
            .fetch_one(source)
            .await
            .unwrap();
        let (cp, _) = read_checkpoint(target, name).await.unwrap();
        if applied == total && cp.global_position > 0 && total > 0 && applied > 0 && max > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("projector {name} did not catch up");
}

fn fast_options() -> RunnerOptions {
    RunnerOptions {
        batch_size: 25,
        poll_interval: Duration::from_millis(30),
        lease_retry: Duration::from_millis(50),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        gather: Duration::from_millis(5),
    }
}

async fn assert_exactly_once_in_stream_order(target: &PgPool, source: &PgPool) {
    // Every stored event applied exactly once (global_position is the primary key of
    // `applied`, so a second application would have failed its batch)...
    let stored: Vec<i64> = sqlx::query_scalar("select global_position from events order by 1")
        .fetch_all(source)
        .await
        .unwrap();
    let applied: Vec<i64> = sqlx::query_scalar("select global_position from applied order by 1")
        .fetch_all(target)
        .await
        .unwrap();
    assert_eq!(stored.len(), applied.len(), "events applied");
    assert_eq!(stored, applied, "the same events");
    // ...and each stream in sequence order.
    let rows: Vec<(String, i64)> =
        sqlx::query_as("select aggregate_id, sequence from applied order by n")
            .fetch_all(target)
            .await
            .unwrap();
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for (agg, seq) in rows {
        let prev = last.insert(agg.clone(), seq).unwrap_or(0);
        assert_eq!(seq, prev + 1, "stream {agg} applied out of order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn projector_skips_no_event_under_concurrent_appends() {
    let db = TestDatabases::new().await;
    let target = db.module(Module::Umum).clone();
    create_recorder_tables(&target).await;
    let (stop_tx, stop_rx) = watch::channel(false);
    let wake = Arc::new(Notify::new());
    let listener = spawn_append_listener(db.eventstore.clone(), wake.clone(), stop_rx.clone());
    let runner = ProjectorRunner::new(
        Arc::new(Recorder::new("recorder")),
        db.eventstore.clone(),
        target.clone(),
        fast_options(),
    )
    .with_wake(wake);
    let run = tokio::spawn(runner.run(stop_rx));

    let appended = hammer(&db.eventstore_owner, "s", 8, 60).await;
    assert!(appended >= 8 * 60);
    wait_caught_up(&target, &db.eventstore, "recorder").await;
    assert_exactly_once_in_stream_order(&target, &db.eventstore).await;

    stop_tx.send(true).unwrap();
    run.await.unwrap();
    listener.await.unwrap();
    db.drop_schemas().await;
}

/// The test of the test: a reader that follows `global_position` alone, run against the same
/// hammer, loses events whose transaction commits after a later position was read. If this
/// ever passes cleanly, the hammer no longer exercises late commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn naive_global_position_reader_loses_events_under_the_same_hammer() {
    let db = TestDatabases::new().await;
    let mut missed_in_some_round = false;
    for round in 0..3 {
        let pool = db.eventstore.clone();
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let reader = tokio::spawn(async move {
            let mut seen: HashSet<i64> = HashSet::new();
            let mut last = 0i64;
            loop {
                let rows: Vec<i64> = sqlx::query_scalar(
                    "select global_position from events where global_position > $1 order by global_position limit 25",
                )
                .bind(last)
                .fetch_all(&pool)
                .await
                .unwrap();
                for p in &rows {
                    seen.insert(*p);
                    last = *p;
                }
                if rows.is_empty() {
                    if *stop_rx.borrow() {
                        return seen;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(2)) => {}
                        _ = stop_rx.changed() => {}
                    }
                }
            }
        });
        hammer(&db.eventstore_owner, &format!("n{round}"), 8, 60).await;
        stop_tx.send(true).unwrap();
        let seen = reader.await.unwrap();
        let stored: Vec<i64> = sqlx::query_scalar("select global_position from events")
            .fetch_all(&db.eventstore)
            .await
            .unwrap();
        let missed = stored.iter().filter(|p| !seen.contains(p)).count();
        if missed > 0 {
            missed_in_some_round = true;
            break;
        }
    }
    assert!(
        missed_in_some_round,
        "the naive reader saw everything: the hammer is too gentle"
    );
    db.drop_schemas().await;
}

/// The same flaw, made deterministic: position 1's transaction commits after position 2's.
#[tokio::test]
async fn a_late_commit_is_held_back_until_it_is_visible_then_read_in_order() {
    let db = TestDatabases::new().await;
    let target = db.module(Module::Umum).clone();
    create_recorder_tables(&target).await;
    let runner = ProjectorRunner::new(
        Arc::new(Recorder::new("late")),
        db.eventstore.clone(),
        target.clone(),
        fast_options(),
    );

    let mut slow = db.eventstore_owner.begin().await.unwrap();
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload)
         values ('test', 'slow', 1, 'Appended', '1.0', '{}')",
    )
    .execute(&mut *slow)
    .await
    .unwrap();
    append(&db.eventstore_owner, "fast", 1, 1, Duration::ZERO).await;

    // The later transaction has committed, but an older one is still open: nothing is safe.
    assert_eq!(runner.catch_up().await.unwrap(), 0);
    slow.commit().await.unwrap();
    // Now both are safe, once no transaction of another test holds the horizon back.
    let mut applied = 0;
    for _ in 0..300 {
        applied += runner.catch_up().await.unwrap();
        if applied >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(applied, 2);
    let order: Vec<String> = sqlx::query_scalar("select aggregate_id from applied order by n")
        .fetch_all(&target)
        .await
        .unwrap();
    assert_eq!(order, vec!["slow", "fast"], "read in transaction order");
    db.drop_schemas().await;
}

async fn snapshot(pool: &PgPool) -> (Vec<(i64, String, i64)>, Vec<(String, i64, i64)>) {
    let applied = sqlx::query_as(
        "select global_position, aggregate_id, sequence from applied order by global_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let totals = sqlx::query_as(
        "select aggregate_id, events, last_sequence from stream_totals order by aggregate_id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    (applied, totals)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_projector_killed_mid_batch_and_restarted_builds_the_same_read_model() {
    let db = TestDatabases::new().await;
    hammer(&db.eventstore_owner, "c", 4, 100).await;

    // Uninterrupted run into one schema.
    let clean = db.module(Module::Keuangan).clone();
    create_recorder_tables(&clean).await;
    ProjectorRunner::new(
        Arc::new(Recorder::new("crash")),
        db.eventstore.clone(),
        clean.clone(),
        fast_options(),
    )
    .catch_up()
    .await
    .unwrap();

    // Killed again and again, mid-batch (each event sleeps, batches take ~25 ms), into another.
    let crashed = db.module(Module::Umum).clone();
    create_recorder_tables(&crashed).await;
    let mut kills = 0;
    loop {
        let mut rec = Recorder::new("crash");
        rec.slow = Some(Duration::from_millis(1));
        let runner = ProjectorRunner::new(
            Arc::new(rec),
            db.eventstore.clone(),
            crashed.clone(),
            fast_options(),
        );
        let (_stop_tx, stop_rx) = watch::channel(false);
        let task = tokio::spawn(runner.run(stop_rx));
        let kill_after = Duration::from_millis(rand::thread_rng().gen_range(5..40));
        tokio::time::sleep(kill_after).await;
        task.abort();
        let _ = task.await;
        kills += 1;
        let done: i64 = sqlx::query_scalar("select count(*) from applied")
            .fetch_one(&crashed)
            .await
            .unwrap();
        let total: i64 = sqlx::query_scalar("select count(*) from events")
            .fetch_one(&db.eventstore)
            .await
            .unwrap();
        if done == total || kills > 400 {
            break;
        }
    }
    // Whatever is left, a final clean run finishes.
    ProjectorRunner::new(
        Arc::new(Recorder::new("crash")),
        db.eventstore.clone(),
        crashed.clone(),
        fast_options(),
    )
    .catch_up()
    .await
    .unwrap();
    assert!(kills > 3, "the projector was killed {kills} times");
    assert_eq!(snapshot(&crashed).await, snapshot(&clean).await);
    assert_exactly_once_in_stream_order(&crashed, &db.eventstore).await;
    db.drop_schemas().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_of_a_projector_apply_each_event_once() {
    let db = TestDatabases::new().await;
    let target = db.module(Module::Umum).clone();
    create_recorder_tables(&target).await;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut statuses = Vec::new();
    let mut tasks = Vec::new();
    for instance in [1, 2] {
        let mut rec = Recorder::new("leased");
        rec.instance = instance;
        let runner = ProjectorRunner::new(
            Arc::new(rec),
            db.eventstore.clone(),
            target.clone(),
            fast_options(),
        );
        statuses.push(runner.status());
        tasks.push(tokio::spawn(runner.run(stop_rx.clone())));
    }
    hammer(&db.eventstore_owner, "l", 8, 30).await;
    wait_caught_up(&target, &db.eventstore, "leased").await;
    assert_exactly_once_in_stream_order(&target, &db.eventstore).await;
    let instances: Vec<i32> = sqlx::query_scalar("select distinct instance from applied")
        .fetch_all(&target)
        .await
        .unwrap();
    assert_eq!(
        instances.len(),
        1,
        "one instance held the lease and applied everything"
    );
    let standby = statuses
        .iter()
        .filter(|s| s.borrow().state == ProjectorState::Standby)
        .count();
    assert_eq!(standby, 1, "the other instance waited");
    stop_tx.send(true).unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    db.drop_schemas().await;
}

#[tokio::test]
async fn a_projector_stops_at_an_event_it_cannot_apply_and_names_it() {
    let db = TestDatabases::new().await;
    let target = db.module(Module::Umum).clone();
    create_recorder_tables(&target).await;
    for i in 1..=10 {
        append(&db.eventstore_owner, "p", i, 1, Duration::ZERO).await;
    }
    let poison: i64 = sqlx::query_scalar("select global_position from events where sequence = 6")
        .fetch_one(&db.eventstore)
        .await
        .unwrap();
    let mut rec = Recorder::new("poisoned");
    rec.poison = Some(poison);
    let runner = ProjectorRunner::new(
        Arc::new(rec),
        db.eventstore.clone(),
        target.clone(),
        fast_options(),
    );
    let status = runner.status();
    // The events are read once no older transaction is open anywhere on the server (the safe
    // horizon); a test running beside this one may hold it back for a moment, and catch_up
    // then returns having read nothing. Try again until the projector meets the poison.
    let mut attempts = 0;
    let err = loop {
        match runner.catch_up().await {
            Err(e) => break e,
            Ok(_) if attempts < 300 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(n) => panic!("the poisoned event was never reached ({n} events applied)"),
        }
    };
    assert!(err.to_string().contains("poisoned"), "{err}");
    // Everything before the bad event is applied and checkpointed; nothing after it.
    let applied: Vec<i64> = sqlx::query_scalar("select sequence from applied order by n")
        .fetch_all(&target)
        .await
        .unwrap();
    assert_eq!(applied, vec![1, 2, 3, 4, 5]);
    match &status.borrow().state {
        ProjectorState::Failed {
            global_position,
            aggregate_id,
            event_type,
            ..
        } => {
            assert_eq!(*global_position, poison);
            assert_eq!(aggregate_id, "p");
            assert_eq!(event_type, "Appended");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
    // Retrying does not skip it.
    assert!(runner.catch_up().await.is_err());
    let count: i64 = sqlx::query_scalar("select count(*) from applied")
        .fetch_one(&target)
        .await
        .unwrap();
    assert_eq!(count, 5);
    db.drop_schemas().await;
}

#[tokio::test]
async fn the_application_role_cannot_update_or_delete_events() {
    let db = TestDatabases::new().await;
    append(&db.eventstore_owner, "x", 1, 1, Duration::ZERO).await;
    let update = sqlx::query("update events set payload = '{}'")
        .execute(&db.eventstore)
        .await;
    let delete = sqlx::query("delete from events")
        .execute(&db.eventstore)
        .await;
    let truncate = sqlx::query("truncate events").execute(&db.eventstore).await;
    for (what, r) in [
        ("update", update),
        ("delete", delete),
        ("truncate", truncate),
    ] {
        let err = r.expect_err(what);
        assert!(
            err.to_string().contains("permission denied"),
            "{what}: {err}"
        );
    }
    // ...but it can append.
    sqlx::query(
        "insert into events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload)
         values ('test', 'x', 2, 'Appended', '1.0', '{}')",
    )
    .execute(&db.eventstore)
    .await
    .unwrap();
    db.drop_schemas().await;
}
