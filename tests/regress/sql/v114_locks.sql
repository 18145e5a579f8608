-- docs/behaviour.md §9 (locks) for V114: phoenix_kit_settings is locked in SHARE ROW EXCLUSIVE
-- before it is read, held to the end of the caller's transaction: readers go on, writers
-- wait. The caller's lock_timeout applies (55P03, nothing changed). A second session is
-- opened with dblink (contrib, shipped with PostgreSQL 15).
CREATE EXTENSION IF NOT EXISTS phoenix_kit_mig;
SET client_min_messages = notice;
\set VERBOSITY default
\pset null '<NULL>'
\set ECHO none
\i tests/fixtures/phoenix_kit_fixture.sql
\i tests/regress/helpers.sql
\set ECHO all
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SET client_min_messages = notice;

SELECT pg_temp.pk_fixture('pk_lock', 113);
SELECT pg_temp.pk_fixture_setting('pk_lock', 'integration:google:x', '{}', 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.fingerprint('pk_lock') AS fp0 \gset

-- The other session: same server, same database, same user.
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=%s',
         split_part(current_setting('unix_socket_directories'), ',', 1),
         current_setting('port'), current_database(), current_user)) AS other;
SELECT dblink_exec('other', 'SET lock_timeout = ''200ms''') AS other;

---------------------------------------------------------------------------------------
-- The migration holds SHARE ROW EXCLUSIVE on phoenix_kit_settings until COMMIT/ROLLBACK.
BEGIN;
SELECT pk_migrate_v114_up('pk_lock') ->> 'rows_rewritten' AS rows_rewritten;
SELECT l.mode, l.granted
  FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
   AND l.relation = 'pk_lock.phoenix_kit_settings'::regclass
 ORDER BY l.mode;
-- Readers go on (they see the committed rows) ...
SELECT * FROM dblink('other', 'SELECT key FROM pk_lock.phoenix_kit_settings') AS t(key text);
-- ... writers wait (here until the other session's lock_timeout).
SELECT dblink_exec('other', $$INSERT INTO pk_lock.phoenix_kit_settings (key, value_json, module, uuid)
                              VALUES ('integration:late:x', '{}', 'integrations', '01900000-0000-7000-8000-000000090000')$$,
                   false) AS other;
SELECT dblink_error_message('other') AS other_error;
ROLLBACK;

-- A dry run keeps no lock once it returns (its subtransaction is rolled back).
BEGIN;
SELECT pk_migrate_v114_up('pk_lock', dry_run => true) ->> 'rows_rewritten' AS rows_rewritten;
SELECT count(*) AS share_row_exclusive_locks
  FROM pg_locks l
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.mode = 'ShareRowExclusiveLock'
   AND l.relation = 'pk_lock.phoenix_kit_settings'::regclass;
ROLLBACK;

---------------------------------------------------------------------------------------
-- A writer in another session holds the table: with lock_timeout the migration gives up
-- with 55P03 and nothing is changed; lock_timeout is still the caller's afterwards.
SELECT dblink_exec('other', 'BEGIN') AS other;
SELECT dblink_exec('other', $$UPDATE pk_lock.phoenix_kit_settings SET date_updated = date_updated$$) AS other;
SET lock_timeout = '100ms';
SELECT pk_migrate_v114_up('pk_lock');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_lock', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT current_setting('lock_timeout') AS lock_timeout;
RESET lock_timeout;
SELECT dblink_exec('other', 'ROLLBACK') AS other;
SELECT pg_temp.fingerprint('pk_lock') = :'fp0' AS unchanged;

-- Once the writer is gone the migration runs.
SELECT pk_migrate_v114_up('pk_lock') ->> 'rows_rewritten' AS rows_rewritten;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_lock');

-- Cleanup.
SELECT dblink_disconnect('other') AS other;
SET client_min_messages = warning;
DROP SCHEMA pk_lock CASCADE;
DROP EXTENSION dblink;
DROP EXTENSION phoenix_kit_mig;
