-- db_audit.audit_logs: the blueprint's audit trail, built by the `audit` projector from every
-- event and its metadata (who, from where). Columns exactly as the blueprint has them; `id` is
-- derived from the event's global position (UUIDv5), so a rebuild gives the same ids.
--
-- old_value holds the previous values of exactly the fields the event sets; new_value the
-- values it sets. The projector keeps the latest known state of each resource in
-- audit_resource_state to compute old_value (a fact about the history, not a business rule).

create table audit_logs (
    id            uuid        primary key,
    user_id       text,
    user_name     text,
    action        text        not null,
    resource_type text        not null,
    resource_id   text        not null,
    old_value     jsonb,
    new_value     jsonb,
    ip_address    inet,
    user_agent    text,
    created_at    timestamptz not null
);
create index audit_logs_resource_idx on audit_logs (resource_type, resource_id, created_at);
create index audit_logs_user_idx on audit_logs (user_id, created_at);
create index audit_logs_created_idx on audit_logs (created_at);

create table audit_resource_state (
    resource_type text  not null,
    resource_id   text  not null,
    state         jsonb not null,
    primary key (resource_type, resource_id)
);

grant select on audit_logs to sekretariat_read;
