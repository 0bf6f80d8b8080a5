-- db_master: master data read models (satker, unit kerja, jabatan) and the golongan
-- reference. Written only by the `master` projector, except the golongan reference, which is
-- reference data of PP 99/2000 (not derived from events) and seeded here; a test checks it
-- against the domain's table so the two cannot drift.

create table projector_checkpoints (
    name            text        primary key,
    tx_id           xid8        not null default '0'::xid8,
    global_position bigint      not null default 0,
    events_applied  bigint      not null default 0,
    updated_at      timestamptz not null default now()
);

create table satker (
    id              text        primary key,          -- kode satker, e.g. W13-A99
    nama            text        not null,
    version         bigint      not null,
    last_position   bigint      not null,
    updated_at      timestamptz not null
);

create table unit_kerja (
    id              uuid        primary key,
    satker_id       text        not null,
    nama            text        not null,
    induk_id        uuid,
    version         bigint      not null,
    last_position   bigint      not null,
    updated_at      timestamptz not null
);
create index unit_kerja_satker_idx on unit_kerja (satker_id, nama);

create table jabatan (
    id              uuid        primary key,
    nama            text        not null,
    jenis           text        not null check (jenis in ('struktural', 'fungsional', 'pelaksana')),
    kelompok_bup    text        not null,
    version         bigint      not null,
    last_position   bigint      not null,
    updated_at      timestamptz not null
);
create index jabatan_nama_idx on jabatan (nama);

create table golongan (
    kode            text        primary key,          -- 'III/a' or PPPK 'IX'
    jenis           text        not null check (jenis in ('pns', 'pppk')),
    urutan          int         not null unique,
    pangkat         text,                             -- PNS only
    siasn_id        int                               -- PNS only
);

insert into golongan (kode, jenis, urutan, pangkat, siasn_id) values
    ('I/a',   'pns',  1, 'Juru Muda',                 11),
    ('I/b',   'pns',  2, 'Juru Muda Tingkat I',       12),
    ('I/c',   'pns',  3, 'Juru',                      13),
    ('I/d',   'pns',  4, 'Juru Tingkat I',            14),
    ('II/a',  'pns',  5, 'Pengatur Muda',             21),
    ('II/b',  'pns',  6, 'Pengatur Muda Tingkat I',   22),
    ('II/c',  'pns',  7, 'Pengatur',                  23),
    ('II/d',  'pns',  8, 'Pengatur Tingkat I',        24),
    ('III/a', 'pns',  9, 'Penata Muda',               31),
    ('III/b', 'pns', 10, 'Penata Muda Tingkat I',     32),
    ('III/c', 'pns', 11, 'Penata',                    33),
    ('III/d', 'pns', 12, 'Penata Tingkat I',          34),
    ('IV/a',  'pns', 13, 'Pembina',                   41),
    ('IV/b',  'pns', 14, 'Pembina Tingkat I',         42),
    ('IV/c',  'pns', 15, 'Pembina Utama Muda',        43),
    ('IV/d',  'pns', 16, 'Pembina Utama Madya',       44),
    ('IV/e',  'pns', 17, 'Pembina Utama',             45),
    ('I',     'pppk', 101, null, null), ('II',    'pppk', 102, null, null),
    ('III',   'pppk', 103, null, null), ('IV',    'pppk', 104, null, null),
    ('V',     'pppk', 105, null, null), ('VI',    'pppk', 106, null, null),
    ('VII',   'pppk', 107, null, null), ('VIII',  'pppk', 108, null, null),
    ('IX',    'pppk', 109, null, null), ('X',     'pppk', 110, null, null),
    ('XI',    'pppk', 111, null, null), ('XII',   'pppk', 112, null, null),
    ('XIII',  'pppk', 113, null, null), ('XIV',   'pppk', 114, null, null),
    ('XV',    'pppk', 115, null, null), ('XVI',   'pppk', 116, null, null),
    ('XVII',  'pppk', 117, null, null);
