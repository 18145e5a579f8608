-- Running a migration is the schema owner's decision: nobody may call one by default.
-- GRANT EXECUTE ON FUNCTION ... TO a migration role to delegate it.
REVOKE EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v114_down(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v107_up(text, boolean, boolean) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION pk_migrate_v107_down(text, boolean, boolean) FROM PUBLIC;

-- The migrations' joins are equi-joins over whole tables. With stale statistics (an ANALYZE
-- that ran during a bulk load sees 0 rows) the planner picks nested loops and a run takes
-- minutes instead of milliseconds while holding its locks; hash and merge joins stay linear
-- whatever the estimates (tests/reliability/08_stale_statistics.t). Set per function, so the
-- caller's setting is untouched.
ALTER FUNCTION pk_migrate_v107_up(text, boolean, boolean) SET enable_nestloop = off;
ALTER FUNCTION pk_migrate_v107_down(text, boolean, boolean) SET enable_nestloop = off;
ALTER FUNCTION pk_migrate_v114_up(text, boolean, boolean) SET enable_nestloop = off;
ALTER FUNCTION pk_migrate_v114_down(text, boolean, boolean) SET enable_nestloop = off;
ALTER FUNCTION pk_migration_status(text) SET enable_nestloop = off;

-- The pre-flights' cost estimates over a large table would buy JIT compilation that costs
-- more (about 0.8 s and 30 MB at 10^6 rows) than the queries it speeds up.
ALTER FUNCTION pk_migrate_v107_up(text, boolean, boolean) SET jit = off;
ALTER FUNCTION pk_migrate_v107_down(text, boolean, boolean) SET jit = off;
ALTER FUNCTION pk_migrate_v114_up(text, boolean, boolean) SET jit = off;
ALTER FUNCTION pk_migrate_v114_down(text, boolean, boolean) SET jit = off;
ALTER FUNCTION pk_migration_status(text) SET jit = off;

-- The migration script (§13): made by whoever may run the migration; rendered the same
-- whatever the session's TimeZone, DateStyle, IntervalStyle or extra_float_digits.
REVOKE EXECUTE ON FUNCTION pk_migration_script(text, text) FROM PUBLIC;
ALTER FUNCTION pk_migration_script(text, text) SET TimeZone = 'UTC';
ALTER FUNCTION pk_migration_script(text, text) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION pk_migration_script(text, text) SET IntervalStyle = 'postgres';
ALTER FUNCTION pk_migration_script(text, text) SET extra_float_digits = 1;
ALTER FUNCTION pk_migration_script(text, text) SET enable_nestloop = off;
ALTER FUNCTION pk_migration_script(text, text) SET jit = off;
