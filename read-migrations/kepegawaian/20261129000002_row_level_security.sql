-- Row-level security for the API's queries (issue 3); see db_master's migration of the same
-- name for the mechanism. The riwayat tables get their own satker_id so that the policy needs
-- no join; the projector fills it from the pegawai's satker at the time of the entry.

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

alter table riwayat_pangkat add column satker_id text;
alter table riwayat_jabatan add column satker_id text;
update riwayat_pangkat r set satker_id = p.satker_id from pegawai p where p.nip = r.nip;
update riwayat_jabatan r set satker_id = p.satker_id from pegawai p where p.nip = r.nip;
alter table riwayat_pangkat alter column satker_id set not null;
alter table riwayat_jabatan alter column satker_id set not null;

grant select on pegawai, riwayat_pangkat, riwayat_jabatan, projector_checkpoints to sekretariat_read;

alter table pegawai enable row level security;
create policy pegawai_scope on pegawai for select to sekretariat_read
    using (satker_id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');

alter table riwayat_pangkat enable row level security;
create policy riwayat_pangkat_scope on riwayat_pangkat for select to sekretariat_read
    using (satker_id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');

alter table riwayat_jabatan enable row level security;
create policy riwayat_jabatan_scope on riwayat_jabatan for select to sekretariat_read
    using (satker_id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');
