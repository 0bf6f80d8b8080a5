-- db_kepegawaian: the pegawai read model with the current golongan, jabatan and unit, and
-- the riwayat (history) of pangkat and jabatan. Written only by the `kepegawaian` projector;
-- every value here is copied from an event (names included), nothing is looked up.

create table projector_checkpoints (
    name            text        primary key,
    tx_id           xid8        not null default '0'::xid8,
    global_position bigint      not null default 0,
    events_applied  bigint      not null default 0,
    updated_at      timestamptz not null default now()
);

create table pegawai (
    nip                 text        primary key,
    satker_id           text        not null,
    unit_kerja_id       uuid        not null,
    unit_kerja_nama     text        not null,
    nama                text        not null,
    gelar_depan         text,
    gelar_belakang      text,
    tempat_lahir        text        not null,
    tanggal_lahir       date        not null,
    jenis_kelamin       text        not null,
    jenis_pegawai       text        not null,
    golongan            text        not null,
    golongan_urutan     int         not null,          -- rank, for ordering and filters
    pangkat             text        not null,
    tmt_golongan        date        not null,
    jabatan_id          uuid        not null,
    jabatan_nama        text        not null,
    jenis_jabatan       text        not null,
    kelompok_bup        text        not null,
    tmt_jabatan         date        not null,
    pendidikan_terakhir text        not null,
    tmt_cpns            date,
    tmt_pns             date,
    tmt_pppk            date,
    version             bigint      not null,
    last_position       bigint      not null,
    created_at          timestamptz not null,
    updated_at          timestamptz not null
);
create index pegawai_satker_idx on pegawai (satker_id, nama, nip);
create index pegawai_unit_idx on pegawai (unit_kerja_id);

create table riwayat_pangkat (
    nip             text        not null references pegawai (nip),
    golongan        text        not null,
    pangkat         text        not null,
    tmt_golongan    date        not null,
    global_position bigint      not null,
    recorded_at     timestamptz not null,
    primary key (nip, global_position)
);

create table riwayat_jabatan (
    nip             text        not null references pegawai (nip),
    jabatan_id      uuid        not null,
    jabatan_nama    text        not null,
    jenis_jabatan   text        not null,
    tmt_jabatan     date        not null,
    global_position bigint      not null,
    recorded_at     timestamptz not null,
    primary key (nip, global_position)
);
