-- PPPK have a golongan but no pangkat. Events before version 2.0 wrote an empty string there;
-- from 2.0 the events (and, through the upcaster, the old ones) say null, and so do these
-- tables.
alter table pegawai alter column pangkat drop not null;
alter table riwayat_pangkat alter column pangkat drop not null;
update pegawai set pangkat = null where pangkat = '';
update riwayat_pangkat set pangkat = null where pangkat = '';
