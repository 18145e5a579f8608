-- docs/behaviour.md §1 "Everything happens in the caller's transaction: no COMMIT inside, and any
-- error leaves the database exactly as it was", §8 (dry run) and the last sentence of §9
-- (no setting changed behind them).
\i tests/regress/preamble.sql

-- An install at 113 with a composite row, a legacy row and a uuid-keyed twin of the
-- legacy one (so the down has a row to suffix).
CREATE FUNCTION pg_temp.reset() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_temp.pk_fixture('pk_tx', 113);
  PERFORM pg_temp.pk_fixture_setting('pk_tx', 'integration:openrouter:primary',
            '{"provider": "openrouter:primary"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
  PERFORM pg_temp.pk_fixture_setting('pk_tx', 'integration:google', NULL, NULL,
            pg_temp.row_uuid(2), pg_temp.day(2));
  PERFORM pg_temp.pk_fixture_setting('pk_tx', 'integration:google:default', '{"name": "default"}', 'integrations',
            pg_temp.row_uuid(3), pg_temp.day(3));
END
$fn$;
SELECT pg_temp.reset();
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.fingerprint('pk_tx') AS fp0 \gset

---------------------------------------------------------------------------------------
-- BEGIN; migrate; ROLLBACK: everything as before (no COMMIT inside).
BEGIN;
SELECT pk_migrate_v114_up('pk_tx') - 'elapsed_ms' AS report;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.version('pk_tx') AS version_inside;
ROLLBACK;
SELECT pg_temp.fingerprint('pk_tx') = :'fp0' AS unchanged;
SELECT pg_temp.version('pk_tx') AS version;

-- A failing call inside BEGIN aborts the transaction, like any SQL error.
UPDATE pk_tx.phoenix_kit_settings SET value_json = '[]' WHERE uuid = pg_temp.row_uuid(1);
SELECT pg_temp.fingerprint('pk_tx') AS fp_bad \gset
BEGIN;
SELECT pk_migrate_v114_up('pk_tx') - 'elapsed_ms' AS report;
\echo :LAST_ERROR_SQLSTATE
SELECT 1 AS still_usable;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.fingerprint('pk_tx') = :'fp_bad' AS unchanged;

-- Inside a SAVEPOINT: ROLLBACK TO SAVEPOINT after the error leaves the transaction
-- usable; fix the data and run again in the same transaction.
BEGIN;
SAVEPOINT before_migration;
SELECT pk_migrate_v114_up('pk_tx') - 'elapsed_ms' AS report;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT before_migration;
SELECT 1 AS still_usable;
UPDATE pk_tx.phoenix_kit_settings SET value_json = '{"provider": "openrouter:primary"}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pk_migrate_v114_up('pk_tx') - 'elapsed_ms' AS report;
COMMIT;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.version('pk_tx') AS version;

-- A PL/pgSQL exception block catches the error like any other (with its SQLSTATE).
SELECT pg_temp.reset();
UPDATE pk_tx.phoenix_kit_settings SET value_json = '"text"' WHERE uuid = pg_temp.row_uuid(1);
DO $$
BEGIN
  PERFORM pk_migrate_v114_up('pk_tx');
EXCEPTION WHEN others THEN
  RAISE NOTICE 'caught %: %', SQLSTATE, SQLERRM;
END
$$;
SELECT pg_temp.version('pk_tx') AS version;

---------------------------------------------------------------------------------------
-- Dry run: the same report with "dry_run": true, and nothing changed.
SELECT pg_temp.reset();
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_tx', dry_run => true) r;
SELECT pg_temp.fingerprint('pk_tx') = :'fp0' AS unchanged;
SELECT pk_migrate_v114_up('pk_tx', dry_run => true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v114_up('pk_tx') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report,
       :'dry'::jsonb -> 'dry_run' AS dry, :'real'::jsonb -> 'dry_run' AS real;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.fingerprint('pk_tx') AS fp_up \gset

-- Dry run of the down, then the real down: same report.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_tx', true) r;
SELECT pg_temp.fingerprint('pk_tx') = :'fp_up' AS unchanged;
SELECT pk_migrate_v114_down('pk_tx', true) - 'elapsed_ms' AS dry \gset
SELECT pk_migrate_v114_down('pk_tx') - 'elapsed_ms' AS real \gset
SELECT (:'dry'::jsonb - 'dry_run') = (:'real'::jsonb - 'dry_run') AS same_report;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.version('pk_tx') AS version;

-- A dry run that hits a pre-flight error raises it (and changes nothing); so does one
-- refused by the guard.
SELECT pg_temp.reset();
UPDATE pk_tx.phoenix_kit_settings SET value_json = '{"provider": 42}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pg_temp.fingerprint('pk_tx') AS fp_bad \gset
SELECT pk_migrate_v114_up('pk_tx', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_tx') = :'fp_bad' AS unchanged;
SELECT pg_temp.set_version('pk_tx', '112');
SELECT pk_migrate_v114_up('pk_tx', dry_run => true, force => false);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('pk_tx', true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.set_version('pk_tx', '113');
SELECT pg_temp.fingerprint('pk_tx') = :'fp_bad' AS unchanged;

-- A failing dry run inside a savepoint, then a real run in the same transaction.
BEGIN;
SAVEPOINT s;
SELECT pk_migrate_v114_up('pk_tx', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO SAVEPOINT s;
UPDATE pk_tx.phoenix_kit_settings SET value_json = '{}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pk_migrate_v114_up('pk_tx', dry_run => true) ->> 'rows_rewritten' AS dry_rows;
SELECT pk_migrate_v114_up('pk_tx') ->> 'rows_rewritten' AS real_rows;
COMMIT;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_tx');
SELECT pg_temp.version('pk_tx') AS version;

---------------------------------------------------------------------------------------
-- A READ ONLY transaction refuses the migration, dry run or not: 25006, nothing changed.
-- The refusal comes before anything runs, names the migration and schema, and points to
-- pk_migration_status, which does work here.
SELECT pg_temp.reset();
BEGIN TRANSACTION READ ONLY;
SELECT pk_migrate_v114_up('pk_tx');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN TRANSACTION READ ONLY;
SELECT pk_migrate_v114_up('pk_tx', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SET default_transaction_read_only = on;
SELECT pk_migrate_v114_down('pk_tx');
\echo :LAST_ERROR_SQLSTATE
RESET default_transaction_read_only;
SELECT pg_temp.fingerprint('pk_tx') = :'fp0' AS unchanged;

---------------------------------------------------------------------------------------
-- No setting changed behind them: search_path (set on the functions), lock_timeout,
-- client_min_messages are what they were, after a success and after an error.
SET search_path = public, pg_temp;
SET lock_timeout = '5s';
SELECT pk_migrate_v114_up('pk_tx') ->> 'rows_rewritten' AS rows;
SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout,
       current_setting('client_min_messages') AS client_min_messages;
SELECT pk_migrate_v114_up('nope');
SELECT current_setting('search_path') AS search_path, current_setting('lock_timeout') AS lock_timeout,
       current_setting('client_min_messages') AS client_min_messages;
RESET lock_timeout;
RESET search_path;

---------------------------------------------------------------------------------------
-- REPEATABLE READ / SERIALIZABLE: the snapshot predates the lock, so rows committed while
-- the migration waited would escape it. Refused (25000) before anything runs.
SELECT pg_temp.pk_fixture('pk_rr', 113);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pk_migrate_v114_up('pk_rr');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT pk_migrate_v114_up('pk_rr', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pk_migration_status('pk_rr') -> 'version' AS status_still_works;
COMMIT;
SELECT pg_temp.version('pk_rr') AS version;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_rr CASCADE;
DROP SCHEMA pk_tx CASCADE;
DROP EXTENSION phoenix_kit_mig;

