-- docs/behaviour.md §8 (dry run) for all four migrations: the whole migration, pre-flight and guard
-- errors included, then undone; the same report as the real run with "dry_run": true; rows,
-- columns, indexes and the version comment exactly as before; and (§9) no lock kept once the
-- dry run returns.
\i tests/regress/preamble.sql

-- The fixture's realistic sample at 106 in schema pk_dry: every migration has work to do
-- on the way 106 → 107 → (113) → 114 → 113 → (107) → 106.
SELECT pg_temp.pk_fixture('pk_dry', 106);
SELECT pg_temp.pk_fixture_sample('pk_dry');

-- pg_temp.columns(): the columns of the endpoints in pg_attribute, dropped ones included
-- (a real ADD COLUMN + DROP COLUMN would leave a dropped slot; a rolled-back one does not).
CREATE FUNCTION pg_temp.columns() RETURNS TABLE (attnum int2, attname name, attisdropped boolean)
LANGUAGE sql AS $fn$
  SELECT a.attnum, a.attname, a.attisdropped FROM pg_attribute a
   WHERE a.attrelid = 'pk_dry.phoenix_kit_ai_endpoints'::regclass AND a.attnum > 25
   ORDER BY a.attnum
$fn$;

---------------------------------------------------------------------------------------
-- 1. V107 up (106 → 107): dry run, nothing changed, then the real run: the same report.
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT * FROM pg_temp.columns();
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_dry', dry_run => true) r;
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
SELECT * FROM pg_temp.columns();
SELECT * FROM pg_temp.endpoint_shape('pk_dry');
SELECT pg_temp.version('pk_dry') AS version;
SELECT pk_migrate_v107_up('pk_dry', dry_run => true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v107_up('pk_dry') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report,
       :'dry'::jsonb -> 'dry_run' AS dry, :'real'::jsonb -> 'dry_run' AS real;
SELECT name, integration_uuid FROM pg_temp.endpoints('pk_dry');
-- At 107 a dry re-run reports the nothing-to-do of the real re-run.
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT pk_migrate_v107_up('pk_dry', true) - 'elapsed_ms' AS dry \gset
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
SELECT pk_migrate_v107_up('pk_dry') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report;
SELECT b.* FROM pg_temp.report_brief(:'dry'::jsonb) b;

---------------------------------------------------------------------------------------
-- 2. V114 up (113 → 114).
SELECT pg_temp.set_version('pk_dry', '113');
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_dry', dry_run => true) r;
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
SELECT pk_migrate_v114_up('pk_dry', dry_run => true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v114_up('pk_dry') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report,
       :'dry'::jsonb -> 'dry_run' AS dry, :'real'::jsonb -> 'dry_run' AS real;

---------------------------------------------------------------------------------------
-- 3. V114 down (114 → 113).
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_dry', dry_run => true) r;
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
SELECT pk_migrate_v114_down('pk_dry', dry_run => true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v114_down('pk_dry') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report,
       :'dry'::jsonb -> 'dry_run' AS dry, :'real'::jsonb -> 'dry_run' AS real;

---------------------------------------------------------------------------------------
-- 4. V107 down (107 → 106). After the dry run the column and both indexes are still
--    there, and no dropped column slot was left behind.
SELECT pg_temp.set_version('pk_dry', '107');
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_dry', dry_run => true) r;
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
SELECT * FROM pg_temp.columns();
SELECT * FROM pg_temp.endpoint_shape('pk_dry') WHERE object NOT LIKE '%\_idx' AND object NOT LIKE '%pkey';
SELECT pk_migrate_v107_down('pk_dry', dry_run => true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v107_down('pk_dry') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report,
       :'dry'::jsonb -> 'dry_run' AS dry, :'real'::jsonb -> 'dry_run' AS real;
SELECT pg_temp.version('pk_dry') AS version;

---------------------------------------------------------------------------------------
-- 5. Dry runs raise the pre-flight's and the guard's errors like real runs, and change
--    nothing.
-- Endpoint names that differ only by case (23505).
SELECT pg_temp.pk_fixture('pk_dry', 106);
SELECT pg_temp.endpoint('pk_dry', v.n, v.name, 'openrouter') FROM (VALUES (101, 'Chat'), (102, 'chat')) AS v(n, name) ORDER BY v.n;
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT pk_migrate_v107_up('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
-- A same-named index of another shape (55000).
UPDATE pk_dry.phoenix_kit_ai_endpoints SET name = 'Chat 2' WHERE uuid = pg_temp.row_uuid(102);
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_dry.phoenix_kit_ai_endpoints (name);
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT pk_migrate_v107_up('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;
DROP INDEX pk_dry.phoenix_kit_ai_endpoints_name_index;
-- The guard (55000): V107 up at 108, V107 down at 105, V114 up at 106, V114 down at 112.
SELECT pg_temp.set_version('pk_dry', '108');
SELECT pk_migrate_v107_up('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.set_version('pk_dry', '105');
SELECT pk_migrate_v107_down('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.set_version('pk_dry', '106');
SELECT pk_migrate_v114_up('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.set_version('pk_dry', '112');
SELECT pk_migrate_v114_down('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.set_version('pk_dry', '106');
-- A dry run with force skips the guard like a real one, and changes nothing either.
SELECT pg_temp.fingerprint_all('pk_dry') AS fp \gset
SELECT b.* FROM pk_migrate_v114_up('pk_dry', dry_run => true, force => true) r, pg_temp.report_brief(r) b;
SELECT pg_temp.fingerprint_all('pk_dry') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 6. Locks: a real run holds its locks to the end of the caller's transaction (V107 up:
--    ACCESS EXCLUSIVE on the endpoints, SHARE on the settings; V107 down: ACCESS EXCLUSIVE
--    on the endpoints); a dry run keeps none once it returns.
CREATE FUNCTION pg_temp.locks() RETURNS TABLE (relation name, mode text)
LANGUAGE sql AS $fn$
  SELECT c.relname, l.mode
    FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
   WHERE l.pid = pg_backend_pid() AND l.granted AND c.relnamespace = 'pk_dry'::regnamespace
     AND c.relkind = 'r'
   ORDER BY c.relname, l.mode
$fn$;
BEGIN;
SELECT pk_migrate_v107_up('pk_dry') ->> 'version_after' AS version_after;
SELECT * FROM pg_temp.locks();
ROLLBACK;
BEGIN;
SELECT pk_migrate_v107_up('pk_dry', dry_run => true) ->> 'version_after' AS version_after;
SELECT * FROM pg_temp.locks();
ROLLBACK;
SELECT pg_temp.pk_fixture('pk_dry', 107);
BEGIN;
SELECT pk_migrate_v107_down('pk_dry') ->> 'version_after' AS version_after;
SELECT * FROM pg_temp.locks();
ROLLBACK;
BEGIN;
SELECT pk_migrate_v107_down('pk_dry', dry_run => true) ->> 'version_after' AS version_after;
SELECT * FROM pg_temp.locks();
ROLLBACK;
-- ... nor after a dry run that failed, once the caller's savepoint is rolled back to.
SELECT pg_temp.set_version('pk_dry', '106');
DROP INDEX pk_dry.phoenix_kit_ai_endpoints_name_index;
SELECT pg_temp.endpoint('pk_dry', v.n, v.name, 'openrouter') FROM (VALUES (101, 'Chat'), (102, 'CHAT')) AS v(n, name) ORDER BY v.n;
BEGIN;
SAVEPOINT s;
SELECT pk_migrate_v107_up('pk_dry', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT s;
SELECT * FROM pg_temp.locks();
ROLLBACK;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_dry CASCADE;
DROP EXTENSION phoenix_kit_mig;
