-- The API reads as `sekretariat_read` (row-level security per satker, see db_master). This
-- module has no read model yet; the reader may see the projector checkpoints (read-your-write).

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

grant select on projector_checkpoints to sekretariat_read;
