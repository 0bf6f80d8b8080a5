-- db_audit: read models of the audit module. For now only the projector checkpoints.
-- Checkpoints of the projectors that write this database (DESIGN §4). A projector commits
-- its checkpoint in the same transaction as the rows it wrote, so each event takes effect
-- exactly once. The position is the event store's (tx_id, global_position) read order.
create table projector_checkpoints (
    name            text        primary key,
    tx_id           xid8        not null default '0'::xid8,
    global_position bigint      not null default 0,
    events_applied  bigint      not null default 0,
    updated_at      timestamptz not null default now()
);
