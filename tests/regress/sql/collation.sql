-- §11.1 a nondeterministic collation, on a column a migration matches by or in an index on a
-- column it matches by or writes: 55000 naming the column (or index) and the collation; status
-- lists it, the plan shows it blocked, and a run changes nothing. Such collations need ICU,
-- which the PyPI builds lack: the test copies "C" and marks the copy nondeterministic in the
-- catalog (as superuser), which is all the extension reads - it refuses before it compares
-- anything with the collation.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\set ECHO none
CREATE FUNCTION pg_temp.blockers(schema text, migration text) RETURNS TABLE (sqlstate text, message text, detail text) LANGUAGE sql AS $fn$
  SELECT b ->> 'sqlstate', b ->> 'message', b ->> 'detail'
    FROM jsonb_array_elements(pk_migration_status(schema) -> 'migrations' -> migration -> 'blockers') b
$fn$;
\set ECHO all

SELECT pg_temp.pk_fixture('pk_coll', 113);
SELECT pg_temp.pk_fixture_setting('pk_coll', 'integration:openrouter:work', '{}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1)) IS NOT NULL AS added;
SELECT pg_temp.pk_fixture_endpoint('pk_coll', 'Chat', 'openrouter') IS NOT NULL AS added;
-- PhoenixKit's prefix index on key (text_pattern_ops) cannot exist under such a collation.
DROP INDEX pk_coll.phoenix_kit_settings_key_prefix_idx;
CREATE COLLATION pk_coll_ci FROM "C";
ALTER TABLE pk_coll.phoenix_kit_settings ALTER COLUMN key TYPE varchar(255) COLLATE pk_coll_ci;
ALTER TABLE pk_coll.phoenix_kit_ai_endpoints ALTER COLUMN provider TYPE varchar(255) COLLATE pk_coll_ci;
UPDATE pg_collation SET collisdeterministic = false WHERE collname = 'pk_coll_ci';
SELECT pg_temp.pk_fingerprint('pk_coll') AS fp \gset
SELECT * FROM pg_temp.blockers('pk_coll', 'v114_up');
SELECT action, left(reason, 5) AS sqlstate FROM pk_migration_plan('v114_up', 'pk_coll') WHERE action = 'blocked';
SELECT pk_migration_status('pk_coll') #> '{migrations,v114_up,pending}' AS pending;
SELECT pk_migrate_v114_up('pk_coll') IS NOT NULL AS ran;
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_coll', dry_run => true) IS NOT NULL AS ran;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_coll') = :'fp' AS unchanged;
SELECT pg_temp.set_version('pk_coll', '106');
SELECT * FROM pg_temp.blockers('pk_coll', 'v107_up');

-- The columns deterministic again, but the unique index on key compares with the
-- nondeterministic collation: keys the pre-flight finds distinct could collide there.
SELECT pg_temp.set_version('pk_coll', '113');
UPDATE pg_collation SET collisdeterministic = true WHERE collname = 'pk_coll_ci';
ALTER TABLE pk_coll.phoenix_kit_settings ALTER COLUMN key TYPE varchar(255) COLLATE "default";
ALTER TABLE pk_coll.phoenix_kit_ai_endpoints ALTER COLUMN provider TYPE varchar(255) COLLATE "default";
DROP INDEX pk_coll.phoenix_kit_settings_key_uidx;
CREATE UNIQUE INDEX phoenix_kit_settings_key_uidx ON pk_coll.phoenix_kit_settings (key COLLATE pk_coll_ci);
UPDATE pg_collation SET collisdeterministic = false WHERE collname = 'pk_coll_ci';
SELECT pg_temp.pk_fingerprint('pk_coll') AS fp \gset
SELECT * FROM pg_temp.blockers('pk_coll', 'v114_up');
SELECT action, left(reason, 5) AS sqlstate FROM pk_migration_plan('v114_up', 'pk_coll') WHERE action = 'blocked';
SELECT pk_migrate_v114_up('pk_coll') IS NOT NULL AS ran;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_coll') = :'fp' AS unchanged;
-- Made deterministic again, the same table migrates.
UPDATE pg_collation SET collisdeterministic = true WHERE collname = 'pk_coll_ci';
SELECT pk_migrate_v114_up('pk_coll') ->> 'version_after' AS version_after;
-- An index that is not unique cannot make keys collide: with such a collation it is no blocker.
CREATE INDEX pk_coll_key_nd ON pk_coll.phoenix_kit_settings (key COLLATE pk_coll_ci);
DROP INDEX pk_coll.phoenix_kit_settings_key_uidx;
CREATE UNIQUE INDEX phoenix_kit_settings_key_uidx ON pk_coll.phoenix_kit_settings (key);
UPDATE pg_collation SET collisdeterministic = false WHERE collname = 'pk_coll_ci';
SELECT * FROM pg_temp.blockers('pk_coll', 'v114_down');
UPDATE pg_collation SET collisdeterministic = true WHERE collname = 'pk_coll_ci';

DROP SCHEMA pk_coll CASCADE;
DROP COLLATION pk_coll_ci;
