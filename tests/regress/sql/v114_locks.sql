-- docs/behaviour.md §9 (locks) for V114: phoenix_kit_settings is locked in SHARE ROW EXCLUSIVE
-- before it is read, held to the end of the caller's transaction: readers go on, writers
-- wait. The caller's lock_timeout applies (55P03, nothing changed). The other session is
-- played by a prepared transaction (PREPARE TRANSACTION keeps its locks after this session
-- moves on), so no contrib module is needed and the test runs on every major, PostgreSQL 13's
-- contrib-less build included (scripts/pgcluster.sh sets max_prepared_transactions).
\i tests/regress/preamble.sql
SELECT pg_temp.pk_fixture('pk_lock', 113);
SELECT pg_temp.pk_fixture_setting('pk_lock', 'integration:google:x', '{}', 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.fingerprint('pk_lock') AS fp0 \gset

---------------------------------------------------------------------------------------
-- The migration holds SHARE ROW EXCLUSIVE on phoenix_kit_settings until COMMIT/ROLLBACK.
BEGIN;
SELECT pk_migrate_v114_up('pk_lock') ->> 'rows_rewritten' AS rows_rewritten;
SELECT l.mode, l.granted
  FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
   AND l.relation = 'pk_lock.phoenix_kit_settings'::regclass
 ORDER BY l.mode;
-- The migration's transaction, still open, is handed to a prepared transaction with its
-- locks; this session is now the other session.
PREPARE TRANSACTION 'pk_regress_v114_locks_migration';
SELECT l.mode, l.granted
  FROM pg_locks l
 WHERE l.pid IS NULL AND l.locktype = 'relation'
   AND l.relation = 'pk_lock.phoenix_kit_settings'::regclass
 ORDER BY l.mode;
SET lock_timeout = '200ms';
-- Readers go on (they see the committed rows) ...
SELECT key FROM pk_lock.phoenix_kit_settings;
-- ... writers wait (here until this session's lock_timeout).
INSERT INTO pk_lock.phoenix_kit_settings (key, value_json, module, uuid)
VALUES ('integration:late:x', '{}', 'integrations', '01900000-0000-7000-8000-000000090000');
\echo :LAST_ERROR_SQLSTATE
RESET lock_timeout;
ROLLBACK PREPARED 'pk_regress_v114_locks_migration';

-- A dry run keeps no lock once it returns (its subtransaction is rolled back).
BEGIN;
SELECT pk_migrate_v114_up('pk_lock', dry_run => true) ->> 'rows_rewritten' AS rows_rewritten;
SELECT count(*) AS share_row_exclusive_locks
  FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.mode = 'ShareRowExclusiveLock'
   AND l.relation = 'pk_lock.phoenix_kit_settings'::regclass;
ROLLBACK;

---------------------------------------------------------------------------------------
-- A writer in another transaction (prepared, so it keeps its lock) holds the table: with
-- lock_timeout the migration gives up with 55P03 and nothing is changed; lock_timeout is
-- still the caller's afterwards.
BEGIN;
UPDATE pk_lock.phoenix_kit_settings SET date_updated = date_updated;
PREPARE TRANSACTION 'pk_regress_v114_locks_writer';
SET lock_timeout = '100ms';
SELECT pk_migrate_v114_up('pk_lock');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_lock', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT current_setting('lock_timeout') AS lock_timeout;
RESET lock_timeout;
ROLLBACK PREPARED 'pk_regress_v114_locks_writer';
SELECT pg_temp.fingerprint('pk_lock') = :'fp0' AS unchanged;

-- Once the writer is gone the migration runs.
SELECT pk_migrate_v114_up('pk_lock') ->> 'rows_rewritten' AS rows_rewritten;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_lock');

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_lock CASCADE;
DROP EXTENSION phoenix_kit_mig;
