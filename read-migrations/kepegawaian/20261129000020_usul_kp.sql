-- Issue 5, kenaikan pangkat: one row per usul KP with its current step, and its timeline.
-- Written only by the `usul_kp` projector, from the `kenaikan_pangkat` events and the few
-- `pegawai` events it needs (name and satker of the pegawai; the SK reaching the pegawai's
-- record). Nothing here is looked up in another table while projecting, so a rebuild gives
-- the same rows whatever the other projectors of this database have done.

-- The name and satker of every pegawai, as the usul projector last saw them: copied into an
-- usul when it is drafted, and into every usul of the pegawai when they change.
create table usul_kp_pegawai (
    nip       text primary key,
    nama      text not null,
    satker_id text not null
);

create table usul_kp (
    id                        uuid        primary key,
    nip                       text        not null,
    nama                      text        not null,
    -- The pegawai's satker after their last SK (the satker whose users may act on the usul).
    satker_id                 text        not null,
    jenis                     text        not null
        check (jenis in ('reguler', 'pilihan_struktural', 'pilihan_fungsional', 'penyesuaian_ijazah')),
    golongan_asal             text        not null,
    pangkat_asal              text,
    tmt_golongan_asal         date        not null,
    golongan_tujuan           text        not null,
    pangkat_tujuan            text,
    tmt_usulan                date        not null,
    masa_kerja_golongan_tahun int         not null,
    dasar_hukum               text        not null,
    status                    text        not null
        check (status in ('draft', 'diverifikasi', 'diajukan', 'pertek_terbit', 'sk_terbit', 'selesai', 'ditolak')),
    -- The checklist as verified: [{"dokumen": code, "label": text, "ada": bool}], in the
    -- order recorded; empty before verification.
    dokumen                   jsonb       not null default '[]'::jsonb,
    instansi_pertek           text        check (instansi_pertek in ('kanreg_bkn', 'bkn_pusat')),
    pertek_nomor              text,
    pertek_tanggal            date,
    sk_nomor                  text,
    sk_tanggal                date,
    sk_tmt                    date,
    -- Global position of the pegawai event that recorded the SK on the pegawai's own stream
    -- (null until the process manager has done it).
    sk_dicatat_position       bigint,
    alasan_tolak              text,
    created_at                timestamptz not null,
    updated_at                timestamptz not null,
    version                   bigint      not null,
    last_position             bigint      not null
);
create index usul_kp_satker_idx on usul_kp (satker_id, created_at desc, id);
create index usul_kp_nip_idx on usul_kp (nip);

-- One row per event of the usul (and one for the SK reaching the pegawai's record): the step
-- it led to, when, who (from the event's metadata), and a note for people.
create table usul_kp_riwayat (
    usul_id         uuid        not null references usul_kp (id),
    global_position bigint      not null,
    event_type      text        not null,
    status          text        not null,
    at              timestamptz not null,
    user_id         text,
    user_name       text,
    note            text        not null,
    primary key (usul_id, global_position)
);

-- Row-level security, as for the pegawai tables: the API reads as sekretariat_read with
-- app.satker_id set per transaction ('*' for an admin). The timeline is visible exactly when
-- its usul is (the usul policy applies inside the subquery). usul_kp_pegawai is the
-- projector's own bookkeeping and not granted to the API.
grant select on usul_kp, usul_kp_riwayat to sekretariat_read;

alter table usul_kp enable row level security;
create policy usul_kp_scope on usul_kp for select to sekretariat_read
    using (satker_id = current_setting('app.satker_id', true) or current_setting('app.satker_id', true) = '*');

alter table usul_kp_riwayat enable row level security;
create policy usul_kp_riwayat_scope on usul_kp_riwayat for select to sekretariat_read
    using (exists (select from usul_kp u where u.id = usul_kp_riwayat.usul_id));
