-- The 0.3.0 refusals and data cases (docs/behaviour.md §4 step 1, §11.1, §11.4): foreign
-- keys on rewritten columns, stored generated columns, a NULL
-- uuid, a taken index name, a text name. Every refusal shows its SQLSTATE, is listed by
-- pk_migration_status, shows as `blocked` in pk_migration_plan, and changes nothing.
CREATE EXTENSION IF NOT EXISTS phoenix_kit_mig;
SET client_min_messages = warning;
\set VERBOSITY default
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\pset null '<NULL>'
\set ECHO none
\i tests/fixtures/phoenix_kit_fixture.sql
\i tests/regress/helpers.sql


CREATE FUNCTION pg_temp.tr(version int) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  DROP SCHEMA IF EXISTS pk_tr CASCADE;
  DROP TABLE IF EXISTS public.pk_tr_ref;
  PERFORM pg_temp.pk_fixture('pk_tr', version);
  PERFORM pg_temp.pk_fixture_setting('pk_tr', 'integration:openrouter:work', '{"last_validated_at":"2026-01-01T00:00:00Z"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
  PERFORM pg_temp.pk_fixture_setting('pk_tr', 'integration:google', NULL, NULL, pg_temp.row_uuid(2), pg_temp.day(2));
  PERFORM pg_temp.endpoint('pk_tr', 101, 'Chat', 'openrouter');
  RETURN pg_temp.pk_fingerprint('pk_tr');
END
$fn$;
-- What status and the plan say of one migration: its blockers' SQLSTATEs, and the plan's
-- blocked rows.
CREATE FUNCTION pg_temp.told(migration text) RETURNS TABLE (status_blockers text, plan_blocked text) LANGUAGE sql AS $fn$
  SELECT (SELECT string_agg(b ->> 'sqlstate', ',') FROM jsonb_array_elements(pk_migration_status('pk_tr') -> 'migrations' -> migration -> 'blockers') b),
         (SELECT string_agg(left(reason, 5), ',' ORDER BY reason) FROM pk_migration_plan(migration, 'pk_tr') WHERE action = 'blocked')
$fn$;

-- §11.1 another table's foreign key on phoenix_kit_settings.key, for each ON UPDATE action:
-- 55000 naming the constraint and both tables, before anything changes.
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ADD CONSTRAINT settings_key_unique UNIQUE (key);
CREATE TABLE public.pk_tr_ref (k varchar(255) REFERENCES pk_tr.phoenix_kit_settings (key) ON UPDATE CASCADE);
INSERT INTO public.pk_tr_ref VALUES ('integration:openrouter:work');
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged, (SELECT k FROM public.pk_tr_ref) AS other_table_row;
SELECT * FROM pg_temp.told('v114_up');
ALTER TABLE public.pk_tr_ref DROP CONSTRAINT pk_tr_ref_k_fkey,
  ADD FOREIGN KEY (k) REFERENCES pk_tr.phoenix_kit_settings (key) ON UPDATE SET NULL;
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE public.pk_tr_ref DROP CONSTRAINT pk_tr_ref_k_fkey,
  ADD FOREIGN KEY (k) REFERENCES pk_tr.phoenix_kit_settings (key);
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged, (SELECT k FROM public.pk_tr_ref) AS other_table_row;
-- A foreign key from settings.module to another table: refused too. One on uuid is not.
DROP TABLE public.pk_tr_ref;
CREATE TABLE public.pk_tr_ref (m varchar(255) PRIMARY KEY);
INSERT INTO public.pk_tr_ref VALUES ('integrations'), ('system');
ALTER TABLE pk_tr.phoenix_kit_settings ADD FOREIGN KEY (module) REFERENCES public.pk_tr_ref (m);
SELECT pk_migrate_v114_up('pk_tr', dry_run => true);
\echo :LAST_ERROR_SQLSTATE

-- §11.3 a stored generated column computed from key: 55000 naming it.
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ADD COLUMN key_lower text GENERATED ALWAYS AS (lower(key)) STORED;
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- §11.4 an integration row whose uuid is NULL: 23502 naming it by its key; status lists it and
-- the plan shows it blocked.
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings DROP CONSTRAINT phoenix_kit_settings_pkey;
ALTER TABLE pk_tr.phoenix_kit_settings ALTER COLUMN uuid DROP NOT NULL;
UPDATE pk_tr.phoenix_kit_settings SET uuid = NULL WHERE key = 'integration:google';
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
SELECT * FROM pg_temp.told('v114_up');
SELECT action, before, after FROM pk_migration_plan('v114_up', 'pk_tr') WHERE row_uuid IS NULL AND relation = 'phoenix_kit_settings';

-- §11.4 an endpoint whose uuid is NULL: left unpinned and listed, also in left_unpinned.
SELECT pg_temp.tr(106) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_ai_endpoints DROP CONSTRAINT phoenix_kit_ai_endpoints_pkey;
ALTER TABLE pk_tr.phoenix_kit_ai_endpoints ALTER COLUMN uuid DROP NOT NULL;
SELECT pg_temp.endpoint('pk_tr', 102, 'No uuid', 'openrouter:work') IS NOT NULL AS added;
UPDATE pk_tr.phoenix_kit_ai_endpoints SET uuid = NULL WHERE name = 'No uuid';
SELECT action, reason FROM pk_migration_plan('v107_up', 'pk_tr') WHERE relation = 'phoenix_kit_ai_endpoints' AND row_uuid IS NULL;
SELECT r -> 'left_unpinned' AS left_unpinned, r ->> 'pinned_latest_validated' AS latest
  FROM pk_migrate_v107_up('pk_tr') r;

-- §4 step 1 the uuid index's name taken by an index of another table, or by a table: 55000.
SELECT pg_temp.tr(106) AS fp \gset
CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON pk_tr.phoenix_kit_settings (uuid);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v107_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
SELECT * FROM pg_temp.told('v107_up');
DROP INDEX pk_tr.phoenix_kit_ai_endpoints_integration_uuid_index;
CREATE TABLE pk_tr.phoenix_kit_ai_endpoints_integration_uuid_index (x int);
SELECT pk_migrate_v107_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE

-- §4 step 1 an endpoint name of type text: V107 up creates and recognises its index.
SELECT pg_temp.tr(106) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_ai_endpoints ALTER COLUMN name TYPE text;
SELECT r ->> 'indexes_created' AS created, r ->> 'version_after' AS version FROM pk_migrate_v107_up('pk_tr') r;
SELECT r ->> 'indexes_created' AS created FROM pk_migrate_v107_up('pk_tr') r;

DROP SCHEMA pk_tr CASCADE;
DROP TABLE IF EXISTS public.pk_tr_ref;
