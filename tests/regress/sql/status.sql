-- docs/behaviour.md §1 pk_migration_status: the recorded version and, for each of the four
-- migrations, whether it can run now (the §2 guard) and every blocker its pre-flight would
-- raise (§4 step 1, §6 step 1, §7 step 1), all at once; read-only: it works inside a READ
-- ONLY transaction and changes nothing. A missing table is a 42P01 blocker, a missing schema
-- an error (3F000).
\i tests/regress/preamble.sql

-- pg_temp.status(schema): pk_migration_status as one row per migration.
CREATE FUNCTION pg_temp.status(schema text)
RETURNS TABLE (version int, migration text, can_run boolean, runs_from jsonb, stamps int, blockers text)
LANGUAGE sql AS $fn$
  SELECT (s ->> 'version')::int, m.key, (m.value ->> 'can_run')::boolean, m.value -> 'runs_from',
         (m.value ->> 'stamps')::int,
         (SELECT string_agg(b ->> 'sqlstate', ', ' ORDER BY o) FROM jsonb_array_elements(m.value -> 'blockers') WITH ORDINALITY AS x(b, o))
    FROM pk_migration_status(schema) s, jsonb_each(s -> 'migrations') m
   ORDER BY array_position(ARRAY['v107_up', 'v107_down', 'v114_up', 'v114_down'], m.key)
$fn$;
-- pg_temp.blockers(schema): every blocker of every migration, in full.
CREATE FUNCTION pg_temp.blockers(schema text)
RETURNS TABLE (migration text, n bigint, sqlstate text, message text, detail text, hint text)
LANGUAGE sql AS $fn$
  SELECT m.key, x.o, x.b ->> 'sqlstate', x.b ->> 'message', x.b ->> 'detail', x.b ->> 'hint'
    FROM pk_migration_status(schema) s, jsonb_each(s -> 'migrations') m,
         jsonb_array_elements(m.value -> 'blockers') WITH ORDINALITY AS x(b, o)
   ORDER BY array_position(ARRAY['v107_up', 'v107_down', 'v114_up', 'v114_down'], m.key), x.o
$fn$;

---------------------------------------------------------------------------------------
-- 1. Clean installs at 106, 107, 113 and 114 (the fixture's sample data). Each migration
--    can run exactly from the versions of the §2 table; `stamps` is the version it would
--    write (NULL: it leaves the comment alone, a re-run); a refusal is the guard's 55000.
SELECT pg_temp.pk_fixture('pk_status', 106);
SELECT pg_temp.pk_fixture_sample('pk_status');
SELECT jsonb_pretty(pk_migration_status('pk_status'));
SELECT * FROM pg_temp.status('pk_status');
SELECT pg_temp.pk_fixture('pk_status', 107);
SELECT pg_temp.pk_fixture_sample('pk_status');
SELECT * FROM pg_temp.status('pk_status');
SELECT pg_temp.pk_fixture('pk_status', 113);
SELECT pg_temp.pk_fixture_sample('pk_status');
SELECT * FROM pg_temp.status('pk_status');
SELECT pk_migrate_v114_up('pk_status') ->> 'rows_rewritten' AS rows_rewritten;
SELECT * FROM pg_temp.status('pk_status');
-- The guard's blocker in full (v114_up at 114 is a re-run; v107_up is refused).
SELECT * FROM pg_temp.blockers('pk_status');

---------------------------------------------------------------------------------------
-- 2. Dirty data, at 113: every blocker of every migration at once, with the message,
--    DETAIL and HINT the migration itself would raise.
SELECT pg_temp.pk_fixture('pk_status', 113);
-- V107 up: an integration_uuid column of another type, a same-named non-unique name index,
-- and endpoints whose names differ only by case (the unique index is gone, so they could
-- be inserted).
ALTER TABLE pk_status.phoenix_kit_ai_endpoints DROP COLUMN integration_uuid;
ALTER TABLE pk_status.phoenix_kit_ai_endpoints ADD COLUMN integration_uuid text;
DROP INDEX pk_status.phoenix_kit_ai_endpoints_name_index;
CREATE INDEX phoenix_kit_ai_endpoints_name_index ON pk_status.phoenix_kit_ai_endpoints (lower(name));
SELECT pg_temp.endpoint('pk_status', v.n, v.name, 'openrouter')
  FROM (VALUES (101, 'Chat'), (102, 'CHAT')) AS v(n, name) ORDER BY v.n;
-- V114 up: value_json not an object, a provider that is not a string, no provider at all,
-- and a row whose uuid is already another row's key.
SELECT pg_temp.pk_fixture_setting('pk_status', v.key, v.value_json::jsonb, v.module,
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (1, 'integration:array:x',      '["x"]', 'integrations'),
               (2, 'integration:number:x',     '{"provider": 7}', 'integrations'),
               (3, 'integration::x',           '{}', 'integrations'),
               (4, 'integration:google:x',     '{}', 'integrations'),
               (5, '01900000-0000-7000-8000-000000040000', '{"note": "squatter"}', 'system')) AS v(n, key, value_json, module)
 ORDER BY v.n;
-- V114 down: uuid-keyed integration rows without a name, with a key too long to rebuild,
-- and one whose suffixed key is taken.
SELECT pg_temp.pk_fixture_setting('pk_status', pg_temp.row_uuid(v.n)::text, v.value_json, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (11, '{"provider": "p"}'::jsonb),
               (12, jsonb_build_object('provider', 'p', 'name', repeat('n', 250))),
               (13, '{"provider": "q", "name": "n"}'::jsonb)) AS v(n, value_json)
 ORDER BY v.n;
SELECT pg_temp.pk_fixture_setting('pk_status', v.key, '{}', 'system', pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (14, 'integration:q:n'), (15, 'integration:q:n-00000013')) AS v(n, key)
 ORDER BY v.n;
SELECT pg_temp.fingerprint_all('pk_status') AS fp \gset
SELECT * FROM pg_temp.status('pk_status');
\x on
SELECT * FROM pg_temp.blockers('pk_status');
\x off
-- pk_migration_status changes nothing.
SELECT pg_temp.fingerprint_all('pk_status') = :'fp' AS unchanged;
-- The migrations raise the first blocker of each list (HINT: how many others).
SELECT pk_migrate_v107_up('pk_status', force => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('pk_status');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('pk_status');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_status') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 3. Read-only. Inside BEGIN READ ONLY pk_migration_status works (and assigns no
--    transaction id, takes no lock stronger than ACCESS SHARE); the migrations are refused
--    with 25006 pointing to it.
BEGIN READ ONLY;
SELECT * FROM pg_temp.status('pk_status');
SELECT txid_current_if_assigned() AS transaction_id;
SELECT DISTINCT l.mode
  FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'pk_status'::regnamespace;
SELECT pk_migrate_v107_up('pk_status');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN READ ONLY;
SELECT pk_migrate_v107_down('pk_status', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SET default_transaction_read_only = on;
SELECT count(*) AS blockers FROM pg_temp.blockers('pk_status');
RESET default_transaction_read_only;
SELECT pg_temp.fingerprint_all('pk_status') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 4. Missing tables are 42P01 blockers naming the schema-qualified table (then no
--    pre-flight runs for that migration); a version comment that is not an integer is a
--    22P02 blocker of every migration (version NULL); no comment means version 1.
-- 4a. an empty schema: no version, every table missing
CREATE SCHEMA pk_bare;
SELECT jsonb_pretty(pk_migration_status('pk_bare'));
-- 4b. only phoenix_kit, at 113
CREATE TABLE pk_bare.phoenix_kit (id int);
COMMENT ON TABLE pk_bare.phoenix_kit IS '113';
SELECT * FROM pg_temp.status('pk_bare');
SELECT * FROM pg_temp.blockers('pk_bare');
-- 4c. phoenix_kit and the settings, no endpoints: V114 can run, V107 cannot
CREATE TABLE pk_bare.phoenix_kit_settings (LIKE pk_status.phoenix_kit_settings);
SELECT * FROM pg_temp.status('pk_bare');
-- 4d. a version comment that is not an integer, and no comment
SELECT pg_temp.set_version('pk_bare', 'one hundred');
SELECT * FROM pg_temp.status('pk_bare');
SELECT DISTINCT sqlstate, message FROM pg_temp.blockers('pk_bare') WHERE sqlstate = '22P02';
SELECT pg_temp.set_version('pk_bare', NULL);
SELECT * FROM pg_temp.status('pk_bare');

-- A schema that does not exist is an error (3F000), and so is a NULL prefix (22004).
SELECT pk_migration_status('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migration_status(NULL);
\echo :LAST_ERROR_SQLSTATE

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_status CASCADE;
DROP SCHEMA pk_bare CASCADE;
DROP EXTENSION phoenix_kit_mig;
