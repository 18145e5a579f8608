-- §11.1 a nondeterministic collation on a column a migration matches by: 55000 naming the
-- schema, table, column and collation; status lists it and the plan shows it blocked. Such
-- collations need ICU: where the server has none (the PyPI builds) CREATE COLLATION fails and
-- the rest shows a migration that runs (collation_1.out; collation_2.out where PostgreSQL 18
-- adds the error's position); with ICU (Debian's) collation.out.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\set ECHO none



SELECT pg_temp.pk_fixture('pk_coll', 113);
SELECT pg_temp.pk_fixture_setting('pk_coll', 'integration:openrouter:work', '{}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1)) IS NOT NULL AS added;
SELECT pg_temp.pk_fixture_endpoint('pk_coll', 'Chat', 'openrouter') IS NOT NULL AS added;
-- PhoenixKit's prefix index on key (text_pattern_ops) cannot exist under such a collation.
DROP INDEX pk_coll.phoenix_kit_settings_key_prefix_idx;
\set VERBOSITY terse
CREATE COLLATION pk_coll_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
ALTER TABLE pk_coll.phoenix_kit_settings ALTER COLUMN key TYPE varchar(255) COLLATE pk_coll_ci;
ALTER TABLE pk_coll.phoenix_kit_ai_endpoints ALTER COLUMN provider TYPE varchar(255) COLLATE pk_coll_ci;
\set VERBOSITY default
SELECT pg_temp.pk_fingerprint('pk_coll') AS fp \gset
SELECT b ->> 'sqlstate' AS sqlstate, b ->> 'detail' AS detail
  FROM jsonb_array_elements(pk_migration_status('pk_coll') #> '{migrations,v114_up,blockers}') b;
SELECT action, left(reason, 5) AS sqlstate FROM pk_migration_plan('v114_up', 'pk_coll') WHERE action = 'blocked';
SELECT pk_migration_status('pk_coll') #> '{migrations,v114_up,pending}' AS pending;
SELECT pk_migrate_v114_up('pk_coll', dry_run => true) IS NOT NULL AS ran;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_coll') = :'fp' AS unchanged;
SELECT pg_temp.set_version('pk_coll', '106');
SELECT b ->> 'sqlstate' AS sqlstate, b ->> 'detail' AS detail
  FROM jsonb_array_elements(pk_migration_status('pk_coll') #> '{migrations,v107_up,blockers}') b;

DROP SCHEMA pk_coll CASCADE;
DROP COLLATION IF EXISTS pk_coll_ci;
