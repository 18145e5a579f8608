-- docs/behaviour.md §1 "SQL surface": signatures, defaults, attributes and privileges of the V114
-- migration functions (pk_parse_integration_key's are in parse_key).
\i tests/regress/preamble.sql

-- prefix text DEFAULT 'public', dry_run boolean DEFAULT false, force boolean DEFAULT false; jsonb.
SELECT p.proname,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.proname IN ('pk_migrate_v114_up', 'pk_migrate_v114_down')
 ORDER BY p.proname;

-- VOLATILE (v), PARALLEL UNSAFE (u), SECURITY INVOKER (prosecdef false),
-- search_path = pg_catalog, pg_temp set on the function, EXECUTE revoked from PUBLIC.
SELECT p.proname, p.provolatile, p.proparallel, p.prosecdef, p.proisstrict, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
  FROM pg_proc p
 WHERE p.proname IN ('pk_migrate_v114_up', 'pk_migrate_v114_down')
 ORDER BY p.proname;

-- A role without a grant cannot run a migration, and nothing is touched.
SELECT pg_temp.pk_fixture('pk_surface', 113);
SELECT pg_temp.pk_fixture_setting('pk_surface', 'integration:google', NULL, 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(0));
SELECT pg_temp.fingerprint('pk_surface') AS fp \gset
SET ROLE regress_pk_nobody;
SELECT pk_migrate_v114_up('pk_surface');
\echo :LAST_ERROR_SQLSTATE
SELECT pk_migrate_v114_down('pk_surface');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- With EXECUTE granted the function runs with the caller's rights (SECURITY INVOKER):
-- without privileges on the tables it is refused all the same.
GRANT USAGE ON SCHEMA pk_surface TO regress_pk_nobody;
GRANT EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) TO regress_pk_nobody;
SET ROLE regress_pk_nobody;
SELECT pk_migrate_v114_up('pk_surface');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT pg_temp.fingerprint('pk_surface') = :'fp' AS unchanged;
SELECT key, module FROM pg_temp.settings('pk_surface');
SELECT pg_temp.version('pk_surface') AS version;

-- Cleanup of the privileges part.
REVOKE EXECUTE ON FUNCTION pk_migrate_v114_up(text, boolean, boolean) FROM regress_pk_nobody;
REVOKE USAGE ON SCHEMA pk_surface FROM regress_pk_nobody;
SET client_min_messages = warning;
DROP SCHEMA pk_surface CASCADE;
DROP EXTENSION phoenix_kit_mig;

-- The extension in a schema whose name needs quoting: the migrations call their helper
-- functions through the extension's schema, whatever it is called.
SET client_min_messages = notice;
CREATE SCHEMA "Ext Schema";
CREATE EXTENSION phoenix_kit_mig SCHEMA "Ext Schema";
SELECT pg_temp.pk_fixture('pk_surface', 113);
SELECT pg_temp.pk_fixture_setting('pk_surface', 'integration:openrouter:primary', '{"provider": "openrouter:primary"}',
                                  'integrations', pg_temp.row_uuid(1), pg_temp.day(0));
SELECT "Ext Schema".pk_migrate_v114_up('pk_surface') - 'elapsed_ms' AS report;
SELECT "Ext Schema".pk_migrate_v114_down('pk_surface') - 'elapsed_ms' AS report;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_surface');
SELECT * FROM "Ext Schema".pk_parse_integration_key('integration:google');
SET client_min_messages = warning;
DROP SCHEMA pk_surface CASCADE;
DROP EXTENSION phoenix_kit_mig;
DROP SCHEMA "Ext Schema";
