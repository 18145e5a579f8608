-- The 0.3.0 refusals and data cases (docs/behaviour.md §4 step 1, §11.1, §11.4): foreign
-- keys on rewritten columns, stored generated columns, a NULL
-- uuid, a taken index name, a text name. Every refusal shows its SQLSTATE, is listed by
-- pk_migration_status, shows as `blocked` in pk_migration_plan, and changes nothing.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\set ECHO none


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

-- §11.4 an endpoint whose uuid is NULL: left unpinned and listed, also in left_unpinned. Two
-- of them share no uuid (as in a unique index): not a 23505.
SELECT pg_temp.tr(106) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_ai_endpoints DROP CONSTRAINT phoenix_kit_ai_endpoints_pkey;
ALTER TABLE pk_tr.phoenix_kit_ai_endpoints ALTER COLUMN uuid DROP NOT NULL;
SELECT pg_temp.endpoint('pk_tr', 102, 'No uuid', 'openrouter:work') IS NOT NULL AS added;
SELECT pg_temp.endpoint('pk_tr', 103, 'No uuid either', 'openrouter') IS NOT NULL AS added;
UPDATE pk_tr.phoenix_kit_ai_endpoints SET uuid = NULL WHERE name LIKE 'No uuid%';
SELECT action, reason FROM pk_migration_plan('v107_up', 'pk_tr') WHERE relation = 'phoenix_kit_ai_endpoints' AND row_uuid IS NULL;
SELECT r -> 'left_unpinned' AS left_unpinned, r ->> 'pinned_latest_validated' AS latest
  FROM pk_migrate_v107_up('pk_tr') r;

-- A settings row without a uuid cannot be pinned to: the endpoints it would get (by the exact
-- key, or as the latest validated candidate) stay unpinned, and the plan says why.
SELECT pg_temp.tr(106) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings DROP CONSTRAINT phoenix_kit_settings_pkey;
ALTER TABLE pk_tr.phoenix_kit_settings ALTER COLUMN uuid DROP NOT NULL;
SELECT pg_temp.endpoint('pk_tr', 102, 'Exact', 'openrouter:work') IS NOT NULL AS added;
UPDATE pk_tr.phoenix_kit_settings SET uuid = NULL WHERE key = 'integration:openrouter:work';
SELECT action, reason FROM pk_migration_plan('v107_up', 'pk_tr') WHERE relation = 'phoenix_kit_ai_endpoints' ORDER BY reason;
SELECT r -> 'left_unpinned' AS left_unpinned FROM pk_migrate_v107_up('pk_tr') r;

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

-- §11.1 a foreign key on value_json, which V114 up rewrites: 55000 too.
SELECT pg_temp.tr(113) AS fp \gset
CREATE UNIQUE INDEX settings_value_json ON pk_tr.phoenix_kit_settings (value_json);
CREATE TABLE public.pk_tr_ref (v jsonb REFERENCES pk_tr.phoenix_kit_settings (value_json) ON UPDATE CASCADE);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
DROP TABLE public.pk_tr_ref;

-- §1 a schema name is at most 63 bytes: a longer prefix names no schema, even when its first
-- 63 bytes do (PostgreSQL would cut the identifier and act on that schema).
SELECT pg_temp.tr(113) AS fp \gset
CREATE SCHEMA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
SELECT pk_migration_status(repeat('a', 63) || 'X');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_up(repeat('a', 63) || 'X');
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

-- §11.3 the staged path (a trigger of the user's) cannot be told a wrong plan: a trigger that
-- rewrites the kept plan to match what it does to the row is 27000, nothing changed.
SELECT pg_temp.tr(113) AS fp \gset
CREATE FUNCTION pk_tr.forge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.value_json := NEW.value_json || '{"forged": 1}';
  UPDATE pg_temp.pk_mig_plan SET new_value_json = NEW.value_json WHERE uuid = NEW.uuid;
  RETURN NEW;
END $$;
CREATE TRIGGER forge BEFORE UPDATE ON pk_tr.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_tr.forge();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- A deferrable constraint trigger declared INITIALLY IMMEDIATE but deferred by the caller
-- (SET CONSTRAINTS ALL DEFERRED) would change the rows at COMMIT, after the verify step: 27000.
SELECT pg_temp.tr(113) AS fp \gset
CREATE FUNCTION pk_tr.late() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE pk_tr.phoenix_kit_settings SET value_json = '{}' WHERE uuid = NEW.uuid; RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER late AFTER UPDATE OF key ON pk_tr.phoenix_kit_settings DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION pk_tr.late();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- V107 up: a trigger on the endpoints that deletes settings rows (which V107 only reads and
-- locks): 27000, nothing changed.
SELECT pg_temp.tr(106) AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_tr', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
CREATE FUNCTION pk_tr.purge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN DELETE FROM pk_tr.phoenix_kit_settings WHERE key NOT LIKE 'integration:%'; RETURN NULL; END $$;
CREATE TRIGGER purge AFTER UPDATE ON pk_tr.phoenix_kit_ai_endpoints FOR EACH STATEMENT EXECUTE FUNCTION pk_tr.purge();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v107_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- Without a unique uuid, a trigger that turns another row into a copy of a planned row: the
-- copy is a row written beyond the plan, 27000.
SELECT pg_temp.tr(113) AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_tr', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
ALTER TABLE pk_tr.phoenix_kit_settings DROP CONSTRAINT phoenix_kit_settings_pkey;
DROP INDEX IF EXISTS pk_tr.phoenix_kit_settings_uuid_idx;
DROP INDEX IF EXISTS pk_tr.phoenix_kit_settings_key_uidx;
CREATE FUNCTION pk_tr.clone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE pk_tr.phoenix_kit_settings SET uuid = NEW.uuid, key = NEW.key, module = NEW.module, value_json = NEW.value_json,
         value = NEW.value, date_added = NEW.date_added, date_updated = NEW.date_updated
   WHERE key = 'site_name';
  RETURN NULL;
END $$;
CREATE TRIGGER clone AFTER UPDATE ON pk_tr.phoenix_kit_settings FOR EACH ROW WHEN (pg_trigger_depth() = 0 AND OLD.key = 'integration:google')
  EXECUTE FUNCTION pk_tr.clone();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- The staged path with a column named like its own aliases (s), and a temporary table of the
-- caller's named like its kept plan: the first works, the second is refused plainly.
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ADD COLUMN s text, ADD COLUMN p text, ADD COLUMN pk_before text;
CREATE FUNCTION pk_tr.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER noop BEFORE UPDATE ON pk_tr.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_tr.noop();
CREATE TEMPORARY TABLE pk_mig_plan (mine int);
SELECT pk_migrate_v114_up('pk_tr', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
DROP TABLE pg_temp.pk_mig_plan;
SELECT r ->> 'rows_rewritten' AS rewritten FROM pk_migrate_v114_up('pk_tr') r;

-- §11.3 event triggers that fire on the migration's DDL or its COMMENT run after the verify
-- step: status lists them and the plan names them on the steps they fire on.
SELECT pg_temp.tr(106) AS fp \gset
CREATE FUNCTION pk_tr.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER pk_tr_on_comment ON ddl_command_end WHEN TAG IN ('COMMENT') EXECUTE FUNCTION pk_tr.on_ddl();
CREATE EVENT TRIGGER pk_tr_on_index ON ddl_command_end WHEN TAG IN ('CREATE INDEX') EXECUTE FUNCTION pk_tr.on_ddl();
SELECT m.key AS migration, m.value -> 'event_triggers' AS event_triggers
  FROM jsonb_each(pk_migration_status('pk_tr') -> 'migrations') m ORDER BY 1;
SELECT action, reason FROM pk_migration_plan('v107_up', 'pk_tr') WHERE action IN ('ddl', 'stamp');
DROP EVENT TRIGGER pk_tr_on_comment;
DROP EVENT TRIGGER pk_tr_on_index;

-- An event trigger on the staged path's own temporary table (CREATE TABLE AS) is listed, and a
-- row it changes was written after the pre-flight judged the rows, before anything was
-- applied: 27000, nothing changed.
SELECT pg_temp.tr(113) AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_tr', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
CREATE FUNCTION pk_tr.noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER noop BEFORE UPDATE ON pk_tr.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_tr.noop();
CREATE FUNCTION pk_tr.on_stage() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE pk_tr.phoenix_kit_settings SET value = 'changed' WHERE key = 'site_name'; END $$;
CREATE EVENT TRIGGER pk_tr_on_stage ON ddl_command_end WHEN TAG IN ('CREATE TABLE AS') EXECUTE FUNCTION pk_tr.on_stage();
SELECT pk_migration_status('pk_tr') #> '{migrations,v114_up,event_triggers}' AS listed;
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
DROP EVENT TRIGGER pk_tr_on_stage;
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- The fast path is only for tables whose UPDATE runs no code of their users: a CHECK
-- constraint calling a user function that writes rows sends the run down the staged path,
-- which finds what the function did to rows already rewritten: 27000.
SELECT pg_temp.tr(113) AS fp \gset
UPDATE pk_tr.phoenix_kit_settings SET value_json = COALESCE(value_json, '{}') || '{"api_key": "k"}' WHERE key LIKE 'integration:%';
CREATE FUNCTION pk_tr.sneak(u uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('pk_tr.sneaking', true) = 'on' THEN RETURN true; END IF;
  PERFORM set_config('pk_tr.sneaking', 'on', true);
  UPDATE pk_tr.phoenix_kit_settings SET value_json = value_json - 'api_key' WHERE key = uuid::text AND value_json ? 'api_key';
  PERFORM set_config('pk_tr.sneaking', 'off', true);
  RETURN true;
END $$;
ALTER TABLE pk_tr.phoenix_kit_settings ADD CONSTRAINT sneak CHECK (pk_tr.sneak(uuid)) NOT VALID;
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- Code of the table's users reached through an index's type: a range type whose subtype_diff
-- (a function its owner wrote, no superuser needed) writes another row whenever GiST places a
-- new index entry. The table's UPDATE runs user code, so the run takes the staged path, which
-- finds the row written beyond the plan: 27000, nothing changed.
SELECT pg_temp.tr(113) AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_tr', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
INSERT INTO pk_tr.phoenix_kit_settings (key, value, module) SELECT 'filler_' || g, 'v', 'system' FROM generate_series(1, 3000) g;
CREATE FUNCTION pk_tr.writer() RETURNS void LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF current_setting('pk_tr.armed', true) = 'on' THEN
    PERFORM set_config('pk_tr.armed', 'off', true);
    UPDATE pk_tr.phoenix_kit_settings SET value = 'tampered' WHERE key = 'site_name';
  END IF;
END $$;
CREATE FUNCTION pk_tr.diff(a float8, b float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN PERFORM pk_tr.writer(); RETURN a - b; END $$;
CREATE TYPE pk_tr.fr AS RANGE (subtype = float8, subtype_diff = pk_tr.diff);
ALTER TABLE pk_tr.phoenix_kit_settings ADD COLUMN r pk_tr.fr;
UPDATE pk_tr.phoenix_kit_settings SET r = pk_tr.fr((hashtext(key::text) % 1000)::float8, (hashtext(key::text) % 1000)::float8 + 1);
CREATE INDEX settings_r ON pk_tr.phoenix_kit_settings USING gist (r);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
BEGIN;
SET LOCAL pk_tr.armed = 'on';
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr') ->> 'rows_rewritten' AS rewritten;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
-- An index whose operator class is its users' (its equality need not be the migration's) on a
-- column the migration matches: 55000 up front, naming index and class.
SELECT pg_temp.tr(113) AS fp \gset
CREATE OPERATOR CLASS pk_tr.own_text_ops FOR TYPE text USING btree AS
  OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 bttextcmp(text, text);
DROP INDEX pk_tr.phoenix_kit_settings_key_uidx;
CREATE UNIQUE INDEX phoenix_kit_settings_key_uidx ON pk_tr.phoenix_kit_settings (key pk_tr.own_text_ops);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
SELECT * FROM pg_temp.told('v114_up');
-- An exclusion constraint over an expression of key (lower(key)): a rebuilt key could collide
-- there. 55000 up front, naming the constraint (before, status said can_run and the run met a
-- raw 23P01 part-way).
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ADD CONSTRAINT key_folded EXCLUDE USING btree (lower(key::text) WITH =);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
SELECT * FROM pg_temp.told('v114_up');
-- A char(n) key compares without its trailing spaces, unlike PhoenixKit's varchar: two rebuilt
-- keys that differ only there would collide. 55000 up front (a column of another type).
SELECT pg_temp.tr(113) AS fp \gset
DROP INDEX IF EXISTS pk_tr.phoenix_kit_settings_key_prefix_idx;
ALTER TABLE pk_tr.phoenix_kit_settings ALTER COLUMN key TYPE char(255);
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- V107 up: a trigger on the endpoints that drops a column of the settings (locked, only read):
-- a table's definition changed during the run, 27000.
SELECT pg_temp.tr(106) AS fp \gset
CREATE FUNCTION pk_tr.drop_value() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN ALTER TABLE pk_tr.phoenix_kit_settings DROP COLUMN IF EXISTS value; RETURN NULL; END $$;
CREATE TRIGGER drop_value AFTER UPDATE ON pk_tr.phoenix_kit_ai_endpoints FOR EACH STATEMENT EXECUTE FUNCTION pk_tr.drop_value();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
\set VERBOSITY terse
SELECT pk_migrate_v107_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- Deferred trigger events the caller left pending on the table would run at COMMIT, after the
-- verify step: 55000 before anything changes.
SELECT pg_temp.tr(113) AS fp \gset
CREATE FUNCTION pk_tr.later() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER later AFTER INSERT OR UPDATE ON pk_tr.phoenix_kit_settings DEFERRABLE INITIALLY IMMEDIATE
  FOR EACH ROW EXECUTE FUNCTION pk_tr.later();
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
SELECT pg_temp.pk_fixture_setting('pk_tr', 'site_name', NULL, 'system', pg_temp.row_uuid(3), pg_temp.day(3)) IS NOT NULL AS added;
\set VERBOSITY terse
SELECT pk_migrate_v114_up('pk_tr');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- Made IMMEDIATE by the caller, the same trigger fires within the run and is verified.
BEGIN;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT r ->> 'rows_rewritten' AS rewritten FROM pk_migrate_v114_up('pk_tr') r;
ROLLBACK;
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;

-- Constraints of the user's on a column the migration writes would stop the rewrite half-way
-- with their own errors: 55000 up front. So would a date_added it cannot order by.
SELECT pg_temp.tr(113) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ADD CONSTRAINT composite_keys CHECK (key LIKE 'integration:%' OR key NOT LIKE '%-%');
CREATE UNIQUE INDEX one_per_module ON pk_tr.phoenix_kit_settings (module) WHERE module = 'integrations';
SELECT pg_temp.pk_fingerprint('pk_tr') AS fp \gset
SELECT pk_migrate_v114_up('pk_tr');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_tr') = :'fp' AS unchanged;
SELECT pg_temp.tr(114) AS fp \gset
ALTER TABLE pk_tr.phoenix_kit_settings ALTER COLUMN date_added DROP DEFAULT, ALTER COLUMN date_added TYPE json USING to_json(date_added);
SELECT b ->> 'sqlstate' AS sqlstate, b ->> 'detail' AS detail
  FROM jsonb_array_elements(pk_migration_status('pk_tr') #> '{migrations,v114_down,blockers}') b;

DROP SCHEMA pk_tr CASCADE;
DROP TABLE IF EXISTS public.pk_tr_ref;
