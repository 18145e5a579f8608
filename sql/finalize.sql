-- Every pk_migrate_<name> function the extension declares (one per migration module), and
-- pk_migration_status, which runs every migration's pre-flight:
--  * running a migration is the schema owner's decision: nobody may call one by default
--    (GRANT EXECUTE ON FUNCTION ... TO a migration role to delegate it);
--  * enable_nestloop = off: the migrations' joins are equi-joins over whole tables. With stale
--    statistics (an ANALYZE that ran during a bulk load sees 0 rows) the planner picks nested
--    loops and a run takes minutes instead of milliseconds while holding its locks; hash and
--    merge joins stay linear whatever the estimates (tests/reliability/08_stale_statistics.t);
--  * jit = off: the pre-flights' cost estimates over a large table would buy JIT compilation
--    that costs more (about 0.8 s and 30 MB at 10^6 rows) than the queries it speeds up.
-- Set per function, so the caller's settings are untouched.
DO $finalize$
DECLARE
  f record;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure AS signature, p.proname AS name
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
      JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid AND x.extname = 'phoenix_kit_mig'
     WHERE p.proname LIKE 'pk\_migrate\_%' OR p.proname = 'pk_migration_status'
     ORDER BY p.proname
  LOOP
    IF f.name <> 'pk_migration_status' THEN
      EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f.signature);
    END IF;
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET enable_nestloop = off', f.signature);
    EXECUTE pg_catalog.format('ALTER FUNCTION %s SET jit = off', f.signature);
  END LOOP;
END
$finalize$;

-- The migration script (§13): made by whoever may run the migration; rendered the same
-- whatever the session's TimeZone, DateStyle, IntervalStyle or extra_float_digits.
REVOKE EXECUTE ON FUNCTION pk_migration_script(text, text) FROM PUBLIC;
ALTER FUNCTION pk_migration_script(text, text) SET TimeZone = 'UTC';
ALTER FUNCTION pk_migration_script(text, text) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION pk_migration_script(text, text) SET IntervalStyle = 'postgres';
ALTER FUNCTION pk_migration_script(text, text) SET extra_float_digits = 1;
ALTER FUNCTION pk_migration_script(text, text) SET enable_nestloop = off;
ALTER FUNCTION pk_migration_script(text, text) SET jit = off;
-- Each table's guard digest reads its rows from a subquery sorted by uuid: a parallel plan
-- could hand them to the aggregate in another order.
ALTER FUNCTION pk_migration_script(text, text) SET max_parallel_workers_per_gather = 0;
