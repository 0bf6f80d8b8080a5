-- The event store: the single source of truth of Sekretariat PA (DESIGN §3).
--
-- postgres-es names every column in its SQL, so these tables keep its column names; we add
-- what the read side needs:
--   global_position  identity allocated at insert (NOT at commit: never order by it alone)
--   tx_id            the appending transaction's xid8; readers go in (tx_id, global_position)
--                    order and only below the oldest running transaction, so an event whose
--                    transaction commits late is never skipped
--   recorded_at      when it was written
-- Payload and metadata are jsonb (metadata: who, from where, request id, idempotency key).

create table events (
    aggregate_type  text        not null,
    aggregate_id    text        not null,
    sequence        bigint      not null check (sequence > 0),
    event_type      text        not null,
    event_version   text        not null,
    payload         jsonb       not null,
    metadata        jsonb       not null default '{}'::jsonb,
    global_position bigint      generated always as identity,
    tx_id           xid8        not null default pg_current_xact_id(),
    recorded_at     timestamptz not null default now(),
    -- optimistic concurrency: two appends at one sequence of one stream cannot both commit
    primary key (aggregate_type, aggregate_id, sequence)
);

-- The projectors' read order.
create index events_tx_position_idx on events (tx_id, global_position);
-- A command's answer names its event by global position; a query waiting for it looks it up.
create unique index events_global_position_idx on events (global_position);
-- Idempotency keys and command ids travel in metadata and are looked up per stream.
create index events_idempotency_key_idx on events ((metadata ->> 'idempotency_key'))
    where metadata ? 'idempotency_key';

create table snapshots (
    aggregate_type   text   not null,
    aggregate_id     text   not null,
    last_sequence    bigint not null,
    current_snapshot bigint not null,
    payload          jsonb  not null,
    primary key (aggregate_type, aggregate_id)
);

-- Wake projectors when events are appended. One notification per statement, not per row;
-- the payload is empty because projectors read from their checkpoint anyway. The channel
-- carries the schema so that tests running in their own schemas do not wake each other.
create function events_notify_append() returns trigger
language plpgsql as $$
begin
    perform pg_notify('sekretariat_events', current_schema());
    return null;
end;
$$;

create trigger events_notify_append
    after insert on events
    for each statement execute function events_notify_append();

-- The application runs as `sekretariat_app` (the pool sets this role on every connection):
-- it may read and append events, never change or remove one. Only the migration owner can.
-- Roles are cluster-wide; several schemas (tests) may migrate at once, hence the guard.
do $$
begin
    if not exists (select from pg_roles where rolname = 'sekretariat_app') then
        create role sekretariat_app nologin;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

do $$
begin
    execute format('grant usage on schema %I to sekretariat_app', current_schema());
end
$$;

grant select, insert on events to sekretariat_app;
grant select, insert, update on snapshots to sekretariat_app;
revoke update, delete, truncate on events from sekretariat_app;
