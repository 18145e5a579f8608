-- docs/behaviour.md §13: pk_migration_script, what an operator sees. The script is made and
-- applied in this one database (the extension is installed, but the script does not use it:
-- the TAP test 12_script.t applies it where the extension is absent). The header names the
-- migration, schema, versions and counts, and each changed row with its reason; a changed
-- decision input is refused and nothing changes; a rotated credential survives; a second run
-- says so; data and a schema name holding */, a newline and a quote stay text.
\i tests/regress/preamble.sql
SET client_min_messages = warning;
\set SHOW_CONTEXT never
\set ECHO none

-- The script's comment lines (its header), and the script itself into :script.
CREATE FUNCTION pg_temp.header(script text) RETURNS SETOF text LANGUAGE sql AS $fn$
  SELECT l FROM regexp_split_to_table(script, E'\n') WITH ORDINALITY AS x(l, n)
   WHERE n < (SELECT min(m) FROM regexp_split_to_table(script, E'\n') WITH ORDINALITY AS y(k, m) WHERE k = 'BEGIN;')
$fn$;
CREATE FUNCTION pg_temp.setup(schema text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', schema);
  PERFORM pg_temp.pk_fixture(schema, 113);
  PERFORM pg_temp.pk_fixture_setting(schema, 'integration:openrouter:work', '{"api_key":"enc:v1:old","last_validated_at":"2026-01-01T00:00:00Z"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
  PERFORM pg_temp.pk_fixture_setting(schema, 'integration:google', NULL, NULL, pg_temp.row_uuid(2), pg_temp.day(2));
  PERFORM pg_temp.pk_fixture_setting(schema, 'site_name', '"x"', 'core', pg_temp.row_uuid(3), pg_temp.day(3));
  RETURN pg_temp.pk_fingerprint(schema);
END
$fn$;
\set ECHO all

-- §1: VOLATILE, PARALLEL UNSAFE, SECURITY INVOKER, its own settings, EXECUTE revoked from PUBLIC.
SELECT pg_get_function_arguments(p.oid) AS arguments, p.provolatile, p.proparallel, p.prosecdef, p.proisstrict, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p WHERE p.proname = 'pk_migration_script';

-- The header: migration, schema, versions, counts, and every changed row with its reason.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
SELECT pg_temp.header(:'script');
-- Making it changed nothing; the same inputs give the same bytes whatever the session's settings.
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
SET timezone = 'Pacific/Chatham'; SET datestyle = 'SQL, DMY'; SET extra_float_digits = -3; SET intervalstyle = 'iso_8601';
SELECT md5(pk_migration_script('v114_up', 'pk_sc')) = md5(:'script') AS byte_identical;
RESET timezone; RESET datestyle; RESET extra_float_digits; RESET intervalstyle;
SET timezone = 'UTC'; SET datestyle = 'ISO, YMD';

-- A decision input changed since the copy (a JSON provider): 55000 naming the row; nothing changed.
UPDATE pk_sc.phoenix_kit_settings SET value_json = value_json || '{"provider":"other"}' WHERE uuid = pg_temp.row_uuid(1);
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
-- A new integration row is a difference too.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
SELECT pg_temp.pk_fixture_setting('pk_sc', 'integration:slack:ops', '{}', 'integrations', pg_temp.row_uuid(4), pg_temp.day(4)) IS NOT NULL AS added;
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;

-- A credential rotated meanwhile (another key of value_json) does not stop it, and survives it.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
UPDATE pk_sc.phoenix_kit_settings SET value_json = value_json || '{"api_key":"enc:v1:new"}' WHERE uuid = pg_temp.row_uuid(1);
SET client_min_messages = notice;
:script
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_sc');
SELECT pg_temp.version('pk_sc');
-- Run again (an answer lost after COMMIT): it says so and changes nothing.
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
SET client_min_messages = warning;

-- Data and a schema name with */, a newline and quotes stay text in the header and the body.
SELECT pg_temp.setup(E'pk */ \n''; DROP TABLE x; --') AS fp \gset
SELECT pg_temp.pk_fixture_setting(E'pk */ \n''; DROP TABLE x; --', E'integration:evil*/:x\n''); DROP SCHEMA pk_sc CASCADE; --', '{}', 'integrations', pg_temp.row_uuid(5), pg_temp.day(5)) IS NOT NULL AS added;
SELECT pk_migration_script('v114_up', E'pk */ \n''; DROP TABLE x; --') AS script \gset
SELECT pg_temp.header(:'script');
:script
SELECT uuid, key, value_json ->> 'provider' AS provider, value_json ->> 'name' AS name FROM pg_temp.settings(E'pk */ \n''; DROP TABLE x; --');
SELECT count(*) AS pk_sc_still_there FROM pk_sc.phoenix_kit_settings;

-- Errors: NULL arguments, an unknown migration, a missing schema, the version guard, blocked data.
SELECT pk_migration_script(NULL, 'pk_sc');
SELECT pk_migration_script('v114_up', NULL);
SELECT pk_migration_script('v115_up', 'pk_sc');
SELECT pk_migration_script('v114_up', 'pk_nope');
SELECT pk_migration_script('v107_up', 'pk_sc');
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_sc', 'integration:a:x', '[]', 'integrations', pg_temp.row_uuid(6), pg_temp.day(6)) IS NOT NULL AS added;
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc');
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;

-- Endpoints whose names collide case-insensitively stop V107 up (its unique index): the script
-- is not made, 23505 naming them, and nothing changes.
DROP SCHEMA IF EXISTS pk_sc CASCADE;
SELECT pg_temp.pk_fixture('pk_sc', 106);
SELECT pg_temp.pk_fixture_endpoint('pk_sc', 'Chat', 'openrouter', pg_temp.row_uuid(7)) IS NOT NULL AS added;
SELECT pg_temp.pk_fixture_endpoint('pk_sc', 'chat', 'openrouter', pg_temp.row_uuid(8)) IS NOT NULL AS added;
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
SELECT pk_migration_script('v107_up', 'pk_sc');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;

-- A version moved since the copy: the version guard's own message.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
SELECT pg_temp.set_version('pk_sc', '110');
:script
\echo :LAST_ERROR_SQLSTATE
-- Another table's foreign key on the key column, made after the copy: refused, 55000.
SELECT pg_temp.set_version('pk_sc', '113');
CREATE TABLE public.pk_sc_ref (k varchar(255) REFERENCES pk_sc.phoenix_kit_settings (key) ON UPDATE CASCADE);
:script
\echo :LAST_ERROR_SQLSTATE
DROP TABLE public.pk_sc_ref;
-- A trigger that changes a column the plan does not show: 27000 naming row and column.
CREATE FUNCTION pk_sc.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.date_updated := NEW.date_updated + interval '1 day'; RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON pk_sc.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_sc.touch();
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
-- Disabled for the transaction by its owner, the same script applies.
ALTER TABLE pk_sc.phoenix_kit_settings DISABLE TRIGGER touch;
:script
SELECT pg_temp.version('pk_sc');

-- Found by attacking it (each seen wrong before its fix):
-- a JSON number beyond double precision in value_json: the planned provider and name still land;
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pg_temp.pk_fixture_setting('pk_sc', 'integration:openai:café', '{"limit": 1e400}', 'integrations', pg_temp.row_uuid(7), pg_temp.day(7)) IS NOT NULL AS added;
-- a row outside the plan that shares a planned row's uuid (no primary key) is not touched;
ALTER TABLE pk_sc.phoenix_kit_settings DROP CONSTRAINT IF EXISTS phoenix_kit_settings_pkey;
DROP INDEX IF EXISTS pk_sc.phoenix_kit_settings_uuid_idx;
SELECT pg_temp.pk_fixture_setting('pk_sc', 'site_title', '"Kit"', 'core', pg_temp.row_uuid(7), pg_temp.day(8)) IS NOT NULL AS added;
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
-- and non-ASCII data reads the same from a psql whose client_encoding is WIN1252.
SET client_encoding = 'WIN1252';
:script
RESET client_encoding;
SELECT key, module, value_json FROM pk_sc.phoenix_kit_settings WHERE uuid = pg_temp.row_uuid(7) ORDER BY key;
-- A deferred constraint trigger on another table, queued by a trigger on the settings, that
-- would put a composite key back at COMMIT: it fires before the verify step, so 27000.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
CREATE TABLE pk_sc.audit (u uuid);
CREATE FUNCTION pk_sc.note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO pk_sc.audit VALUES (NEW.uuid); RETURN NULL; END $$;
CREATE TRIGGER note AFTER UPDATE ON pk_sc.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pk_sc.note();
CREATE FUNCTION pk_sc.undo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE pk_sc.phoenix_kit_settings SET key = 'integration:openrouter:work' WHERE uuid = NEW.u AND uuid = pg_temp.row_uuid(1) AND key <> 'integration:openrouter:work'; RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER undo AFTER INSERT ON pk_sc.audit DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pk_sc.undo();
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;

-- Re-checked where it runs (section 13), each refused with the extension's SQLSTATE and nothing changed:
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
-- the isolation level (25000);
BEGIN ISOLATION LEVEL REPEATABLE READ;
:script
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
-- privileges of the applying role (42501);
GRANT USAGE ON SCHEMA pk_sc TO regress_pk_nobody;
GRANT SELECT ON ALL TABLES IN SCHEMA pk_sc TO regress_pk_nobody;
SET ROLE regress_pk_nobody;
:script
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
-- a deferrable trigger on the written table, which would run after the verify step (55000).
CREATE FUNCTION pk_sc.later() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER later AFTER UPDATE ON pk_sc.phoenix_kit_settings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pk_sc.later();
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
DROP TRIGGER later ON pk_sc.phoenix_kit_settings;
REVOKE ALL ON ALL TABLES IN SCHEMA pk_sc FROM regress_pk_nobody;
REVOKE USAGE ON SCHEMA pk_sc FROM regress_pk_nobody;
-- A script made at the version it stamps (a safe re-run of V114 up at 114) applies once; run
-- again it cannot tell its own work from rows changed since the copy: 55000, nothing changed.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pg_temp.set_version('pk_sc', '114');
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
:script
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;

-- Found by an attack on the script's guard (each seen failing before its mend):
-- value_json turned from an object into an array after the copy: V114 up decides by its shape,
-- so the guard refuses (55000), not the verify step after writing (27000); nothing changes.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
UPDATE pk_sc.phoenix_kit_settings SET value_json = '["enc:v1:old"]' WHERE uuid = pg_temp.row_uuid(2);
SELECT pg_temp.pk_fingerprint('pk_sc') AS fp \gset
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
-- Endpoints with NULL uuids whose names collide: the migration refuses (23505), so the script
-- is not made either.
DROP SCHEMA IF EXISTS pk_sc CASCADE;
SELECT pg_temp.pk_fixture('pk_sc', 106);
ALTER TABLE pk_sc.phoenix_kit_ai_endpoints DROP CONSTRAINT phoenix_kit_ai_endpoints_pkey;
ALTER TABLE pk_sc.phoenix_kit_ai_endpoints ALTER COLUMN uuid DROP NOT NULL;
INSERT INTO pk_sc.phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at, uuid)
VALUES ('Dup', 'openrouter', '', 'm', now(), now(), NULL), ('dup', 'openrouter', '', 'm', now(), now(), NULL);
SELECT pk_migration_script('v107_up', 'pk_sc') IS NOT NULL AS made;
\echo :LAST_ERROR_SQLSTATE
-- V107 down where two endpoints share a uuid (no primary key): the migration does not mind,
-- but its script names each discarded pin by uuid, so it is not made (23505, naming the uuid).
DROP SCHEMA IF EXISTS pk_sc CASCADE;
SELECT pg_temp.pk_fixture('pk_sc', 107);
ALTER TABLE pk_sc.phoenix_kit_ai_endpoints DROP CONSTRAINT phoenix_kit_ai_endpoints_pkey;
DROP INDEX pk_sc.phoenix_kit_ai_endpoints_uuid_idx;
INSERT INTO pk_sc.phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at, uuid)
VALUES ('One', 'openrouter', '', 'm', now(), now(), '01900000-0000-7000-8000-0000000000aa'),
       ('Two', 'openrouter', '', 'm', now(), now(), '01900000-0000-7000-8000-0000000000aa');
SELECT pk_migration_script('v107_down', 'pk_sc') IS NOT NULL AS made;
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v107_down('pk_sc', dry_run => true) ->> 'version_after' AS dry_run_version_after;

-- Another table's foreign key on the endpoints' uuid, made after the copy (an application's
-- table a dump of phoenix_kit* does not hold): the extension allows it, and so does the script.
DROP SCHEMA IF EXISTS pk_sc CASCADE;
SELECT pg_temp.pk_fixture('pk_sc', 106);
SELECT pg_temp.pk_fixture_setting('pk_sc', 'integration:openrouter:default', '{}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1)) IS NOT NULL AS added;
SELECT pg_temp.pk_fixture_endpoint('pk_sc', 'Chat', 'openrouter:default', pg_temp.row_uuid(9)) IS NOT NULL AS added;
SELECT pk_migration_script('v107_up', 'pk_sc') AS script \gset
CREATE TABLE pk_sc.app_requests (endpoint_uuid uuid REFERENCES pk_sc.phoenix_kit_ai_endpoints (uuid));
:script
SELECT uuid, integration_uuid FROM pk_sc.phoenix_kit_ai_endpoints;
-- A temporary table of the applying session with the name the script needs: its own 55000,
-- nothing changes.
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
CREATE TEMPORARY TABLE pk_mig_rows (x int);
:script
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.pk_fingerprint('pk_sc') = :'fp' AS unchanged;
DROP TABLE pg_temp.pk_mig_rows;

DROP SCHEMA pk_sc CASCADE;
DROP SCHEMA "pk */ 
'; DROP TABLE x; --" CASCADE;

-- A schema name beyond ASCII: inside the DO block it travels as Unicode escapes (U&"..."),
-- so the block is ASCII and applies from a psql whose client_encoding cannot even read the
-- name's UTF-8 bytes (SJIS; before, 22021 or another, missing schema). Its messages name it
-- so too: a NOTICE that SJIS cannot carry would fail, and the script's work with it (22P05).
SELECT pg_temp.setup('pk_sc_ß€ü') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc_ß€ü') AS script \gset
SELECT substr(:'script', strpos(:'script', E'\nBEGIN;\n')) ~ '^[\x01-\x7f]*$' AS body_is_ascii,
       strpos(:'script', 'U&"pk_sc_\00DF\20AC\00FC"') > 0 AS name_escaped;
SET client_encoding = 'SJIS';
SET client_min_messages = notice;
:script
SET client_min_messages = warning;
RESET client_encoding;
SELECT pg_temp.version('pk_sc_ß€ü'), count(*) FILTER (WHERE key = uuid::text) AS uuid_keys FROM "pk_sc_ß€ü".phoenix_kit_settings;
DROP SCHEMA "pk_sc_ß€ü" CASCADE;

-- A database of another encoding: the guard compares bytes, so the script refuses there
-- (55000) before it reads anything (SQL_ASCII would otherwise misread its escapes).
SELECT pg_temp.setup('pk_sc') AS fp \gset
SELECT pk_migration_script('v114_up', 'pk_sc') AS script \gset
DROP SCHEMA pk_sc CASCADE;
CREATE DATABASE regress_pk_script_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c regress_pk_script_ascii
:script
\echo :LAST_ERROR_SQLSTATE
\c pk_regress
DROP DATABASE regress_pk_script_ascii;
