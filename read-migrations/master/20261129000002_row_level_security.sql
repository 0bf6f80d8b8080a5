-- Row-level security for the API's queries (issue 3). The projector writes as the owner (not
-- subject to RLS); the API reads as `sekretariat_read`, which sees a row only when the row's
-- satker is the one set for the transaction:
--     select set_config('app.satker_id', '<satker>', true)   -- or '*' for an admin
-- A transaction that forgot to set it sees nothing: current_setting(..., true) is then NULL
-- or '' and matches no row.
-- Jabatan and golongan are national catalogues, readable by every role.

do $$
begin
    if not exists (select from pg_roles where rolname = 'sekretariat_read') then
        create role sekretariat_read nologin;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

do $$
begin
    execute format('grant usage on schema %I to sekretariat_read', current_schema());
end
$$;

grant select on satker, unit_kerja, jabatan, golongan, projector_checkpoints to sekretariat_read;

alter table satker enable row level security;
create policy satker_scope on satker for select to sekretariat_read
    using (id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');

alter table unit_kerja enable row level security;
create policy unit_kerja_scope on unit_kerja for select to sekretariat_read
    using (satker_id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');
