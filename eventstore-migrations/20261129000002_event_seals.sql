-- Tamper evidence (issue 4): a hash chain over the events in the projectors' safe order.
-- Each seal is sha256(previous seal || the event's canonical bytes); `replay verify` recomputes
-- the chain from the events and names the first event whose stored bytes no longer match.
--
-- The seals live beside the events, not in a read database, because read models are rebuilt
-- from the events: a rebuilt chain would bless whatever the events say now. The application
-- role may add seals, never change or remove them.

create table event_seals (
    chain_index     bigint      primary key,
    global_position bigint      not null unique,
    seal            text        not null,
    sealed_at       timestamptz not null default now()
);

-- The sealer's checkpoint (the same shape as the read databases' checkpoint tables).
create table projector_checkpoints (
    name            text        primary key,
    tx_id           xid8        not null default '0'::xid8,
    global_position bigint      not null default 0,
    events_applied  bigint      not null default 0,
    updated_at      timestamptz not null default now()
);

grant select, insert on event_seals to sekretariat_app;
grant select, insert, update on projector_checkpoints to sekretariat_app;
