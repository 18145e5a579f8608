-- docs/behaviour.md §1: the prefix is a schema name used only as a quoted identifier; a missing
-- schema is 3F000 naming it, a missing table 42P01 naming the schema-qualified table; a
-- NULL prefix, dry_run or force is 22004; SELECT pk_migrate_v114_up(); works with no
-- arguments (prefix public).
\i tests/regress/preamble.sql

---------------------------------------------------------------------------------------
-- A schema named `My Kit` (blank, capitals): up and down work, the report and the
-- NOTICEs name it as it must be written in SQL.
SELECT pg_temp.pk_fixture('My Kit', 113);
SELECT pg_temp.pk_fixture_setting('My Kit', 'integration:google:x', NULL, 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('My Kit') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('My Kit');
SELECT pg_temp.version('My Kit') AS version;
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('My Kit') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('My Kit');
SELECT pg_temp.version('My Kit') AS version;
-- The name is not case-folded: 'my kit' is another (missing) schema.
SELECT pk_migrate_v114_up('my kit');
\echo :LAST_ERROR_SQLSTATE

-- A schema whose name holds a quote and a double quote works too.
SELECT pg_temp.pk_fixture('we"ird''name', 113);
SELECT pg_temp.pk_fixture_setting('we"ird''name', 'integration:google', NULL, 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('we"ird''name') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('we"ird''name');

---------------------------------------------------------------------------------------
-- A missing schema: 3F000 naming it.
SELECT pk_migrate_v114_up('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('');
\echo :LAST_ERROR_SQLSTATE

-- A schema without PhoenixKit's tables, and one with phoenix_kit but no settings table:
-- 42P01 naming the schema-qualified table.
CREATE SCHEMA pk_empty;
SELECT pk_migrate_v114_up('pk_empty');
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA "Half Kit";
CREATE TABLE "Half Kit".phoenix_kit (id int);
COMMENT ON TABLE "Half Kit".phoenix_kit IS '113';
SELECT pk_migrate_v114_up('Half Kit');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('Half Kit');
\echo :LAST_ERROR_SQLSTATE
-- A view is not the table.
CREATE VIEW "Half Kit".phoenix_kit_settings AS SELECT 'integration:x'::varchar(255) AS key;
SELECT pk_migrate_v114_up('Half Kit');
\echo :LAST_ERROR_SQLSTATE

---------------------------------------------------------------------------------------
-- A prefix carrying SQL is only ever a (missing) schema name: 3F000, nothing dropped.
CREATE TABLE public.pk_victim (id int);
SELECT pg_temp.pk_fixture('public', 113);
SELECT pg_temp.pk_fixture_setting('public', 'integration:google', NULL, 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.fingerprint('public') AS fp \gset
SELECT pk_migrate_v114_up('public; DROP TABLE public.pk_victim --');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('public.phoenix_kit; DROP TABLE public.pk_victim; --');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('public''; DROP TABLE public.pk_victim; --');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('public"; DROP TABLE public.pk_victim; --');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('"public"');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('public.pk_victim') AS victim_still_there;
SELECT pg_temp.fingerprint('public') = :'fp' AS public_unchanged;

---------------------------------------------------------------------------------------
-- NULL arguments: 22004, never a silent NULL result.
SELECT pk_migrate_v114_up(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('public', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up('public', false, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up(prefix => NULL, dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('public', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('public', false, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up(NULL::text) IS NULL AS silently_null;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('public') = :'fp' AS public_unchanged;

---------------------------------------------------------------------------------------
-- No arguments at all: the public schema. Named arguments work too.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up() r;
SELECT pk_migrate_v114_down(force => false, prefix => 'public') - 'elapsed_ms' AS report;
SELECT pk_migrate_v114_up(dry_run => false) - 'elapsed_ms' AS report;
SELECT uuid, key, module, value_json FROM pg_temp.settings('public');
SELECT pg_temp.version('public') AS version;

-- Cleanup.
SET client_min_messages = warning;
DROP TABLE public.pk_victim;
DROP TABLE public.phoenix_kit_ai_endpoints, public.phoenix_kit_settings, public.phoenix_kit;
DROP FUNCTION public.uuid_generate_v7();
DROP SCHEMA "My Kit", "we""ird'name", pk_empty, "Half Kit" CASCADE;
DROP EXTENSION phoenix_kit_mig;
