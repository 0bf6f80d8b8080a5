-- The riwayat tables' own satker_id served the first row-level security policies. Since
-- `status_dan_mutasi` a riwayat row is visible exactly when its pegawai is (the satker of
-- today, dated by the TMT of a mutasi), so nothing reads the column; the projector stops
-- writing it with this migration. Dropping a column needs no rebuild.
alter table riwayat_pangkat drop column satker_id;
alter table riwayat_jabatan drop column satker_id;
