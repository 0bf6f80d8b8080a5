-- `app_today()` reads a setting and parses a date; called per row, it made a policy-filtered
-- scan of a million pegawai several times slower. As an uncorrelated subquery it is evaluated
-- once per statement (an InitPlan). Same meaning as the policy of `status_dan_mutasi`.
drop policy pegawai_scope on pegawai;
create policy pegawai_scope on pegawai for select to sekretariat_read
    using (
        current_setting('app.satker_id', true) = '*'
        or current_setting('app.satker_id', true) =
            case when tmt_satker > (select app_today()) then satker_asal_id else satker_id end
    );
