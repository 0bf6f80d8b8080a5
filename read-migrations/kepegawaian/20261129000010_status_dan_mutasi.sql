-- Issue 5, mutasi and pensiun: a pegawai belongs to a satker, and has a status, from a TMT.
--
-- The projector records the state after the last SK at once; what holds *today* is computed at
-- read time against `app_today()` (the API's clock, set per read transaction as `app.today`):
--   satker today: `satker_asal_id` while `tmt_satker` lies ahead, else `satker_id`;
--   status today: `status_sebelum` while `tmt_status` lies ahead, else `status`.
-- Row-level security uses the satker of today, so the old satker's users stop seeing a pegawai
-- moved out from the TMT on, and the new satker sees them, riwayat included, from then on.

create or replace function app_today() returns date
    language sql stable
    as $$ select coalesce(nullif(current_setting('app.today', true), '')::date, current_date) $$;

alter table pegawai
    add column status         text not null default 'aktif'
        check (status in ('aktif', 'keluar', 'pensiun')),
    add column status_sebelum text check (status_sebelum in ('aktif', 'keluar', 'pensiun')),
    add column tmt_status     date,
    add column satker_asal_id text,
    add column tmt_satker     date;

-- Before the projector knew these columns it moved `satker_id` at once; those rows keep the move
-- as already in force (no TMT recorded), and a rebuild fills them from the events.

drop policy pegawai_scope on pegawai;
create policy pegawai_scope on pegawai for select to sekretariat_read
    using (
        current_setting('app.satker_id', true) = '*'
        or current_setting('app.satker_id', true) =
            case when tmt_satker > app_today() then satker_asal_id else satker_id end
    );

-- The riwayat of a pegawai is visible exactly when the pegawai is (the policy above applies
-- inside the subquery): history follows the person to the new satker.
drop policy riwayat_pangkat_scope on riwayat_pangkat;
create policy riwayat_pangkat_scope on riwayat_pangkat for select to sekretariat_read
    using (exists (select from pegawai p where p.nip = riwayat_pangkat.nip));

drop policy riwayat_jabatan_scope on riwayat_jabatan;
create policy riwayat_jabatan_scope on riwayat_jabatan for select to sekretariat_read
    using (exists (select from pegawai p where p.nip = riwayat_jabatan.nip));

-- Every SK mutasi and pensiun, for the pegawai's timeline.
create table riwayat_mutasi (
    nip             text        not null references pegawai (nip),
    jenis           text        not null check (jenis in ('keluar', 'masuk', 'internal', 'pensiun')),
    nomor_sk        text        not null,
    tanggal_sk      date        not null,
    tmt             date        not null,
    satker_asal     text        not null,
    satker_tujuan   text        not null,
    unit_kerja_nama text,
    jabatan_nama    text,
    global_position bigint      not null,
    recorded_at     timestamptz not null,
    primary key (nip, global_position)
);
grant select on riwayat_mutasi to sekretariat_read;
alter table riwayat_mutasi enable row level security;
create policy riwayat_mutasi_scope on riwayat_mutasi for select to sekretariat_read
    using (exists (select from pegawai p where p.nip = riwayat_mutasi.nip));

create index pegawai_satker_asal_idx on pegawai (satker_asal_id) where satker_asal_id is not null;
