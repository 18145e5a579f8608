-- The phoenix_kit_mig demo: a PhoenixKit schema at version 106 with sample data, walked
-- 106 -> 107 -> (the app's own migrations to 113) -> 114 and back down again.
-- Run by scripts/demo.sh in a throwaway database.
\set ON_ERROR_STOP on
\pset pager off
\pset null '(null)'
SET client_min_messages = notice;

\echo '== Set-up: PhoenixKit tables at version 106 with sample integrations and AI endpoints'
\i tests/fixtures/phoenix_kit_fixture.sql
SET client_min_messages = warning;
\o /dev/null
SELECT pg_temp.pk_fixture('public', 106);
SELECT pg_temp.pk_fixture_sample('public');
\o
SET client_min_messages = notice;
CREATE EXTENSION phoenix_kit_mig;

\echo
\echo '== The integration settings rows before (composite keys)'
SELECT key, module, value_json->>'provider' AS json_provider, value_json->>'name' AS json_name,
       value_json->>'last_validated_at' AS last_validated_at
  FROM phoenix_kit_settings WHERE key LIKE 'integration:%' ORDER BY key;
\echo '== The AI endpoints before (provider strings only)'
SELECT name, provider FROM phoenix_kit_ai_endpoints ORDER BY sort_order;

\echo
\echo '== pk_migration_status(): what can run now, and what would stop it (as a table; it returns jsonb)'
SELECT pk_migration_status()->'version' AS recorded_version;
SELECT m.key AS migration, m.value->'can_run' AS can_run, m.value->'stamps' AS stamps, m.value->'pending' AS pending,
       b.value->>'sqlstate' AS blocker_sqlstate, b.value->>'message' AS blocker
  FROM jsonb_each(pk_migration_status()->'migrations') m
  LEFT JOIN LATERAL jsonb_array_elements(m.value->'blockers') b ON true
 ORDER BY 1;

\echo
\echo '== pk_migration_plan(''v107_up''): every endpoint before it is pinned, with the rule that decides'
\echo '   and, for the "latest validated" guess, the chosen row, the other candidates and the runner-up'
SELECT p.action, e.name, e.provider, s.key AS pinned_to, p.reason
  FROM pk_migration_plan('v107_up') p
  LEFT JOIN phoenix_kit_ai_endpoints e ON e.uuid = p.row_uuid
  LEFT JOIN phoenix_kit_settings s ON s.uuid = (p.after->>'integration_uuid')::uuid
 ORDER BY p.action, e.sort_order;

\echo
\echo '== A dry run of V107 up: the full migration, rolled back'
SELECT jsonb_pretty(pk_migrate_v107_up(dry_run => true));
SELECT count(*) AS columns_named_integration_uuid_after_the_dry_run
  FROM information_schema.columns WHERE table_name = 'phoenix_kit_ai_endpoints' AND column_name = 'integration_uuid';

\echo
\echo '== V107 up for real'
SELECT jsonb_pretty(pk_migrate_v107_up());
SELECT e.name, e.provider, s.key AS pinned_to
  FROM phoenix_kit_ai_endpoints e LEFT JOIN phoenix_kit_settings s ON s.uuid = e.integration_uuid
 ORDER BY e.sort_order;

\echo
\echo '== V114 refuses to run at 107: PhoenixKit migrations 108-113 come first'
\set ON_ERROR_STOP off
SELECT pk_migrate_v114_up();
\set ON_ERROR_STOP on
\echo '(the application runs V108..V113 here; the demo only stamps the version)'
COMMENT ON TABLE phoenix_kit IS '113';

\echo
\echo '== pk_migration_plan(''v114_up''): the key of each settings row before and after, and what is filled or repaired'
SELECT p.action, p.before->>'key' AS key_before, p.after->>'key' AS key_after, p.reason
  FROM pk_migration_plan('v114_up') p ORDER BY p.action, key_before;

\echo
\echo '== V114 up: uuid-only keys, provider and name moved into value_json'
SELECT jsonb_pretty(pk_migrate_v114_up());
SELECT key, module, value_json->>'provider' AS provider, value_json->>'name' AS name
  FROM phoenix_kit_settings WHERE module = 'integrations' AND key = uuid::text ORDER BY 3, 4;
\echo '== The endpoint pins still point at the same rows (uuids did not change)'
SELECT e.name, s.value_json->>'provider' || ':' || (s.value_json->>'name') AS pinned_to
  FROM phoenix_kit_ai_endpoints e LEFT JOIN phoenix_kit_settings s ON s.uuid = e.integration_uuid
 ORDER BY e.sort_order;

\echo
\echo '== After V114 the app allows duplicate names; a second "work" connection appears'
INSERT INTO phoenix_kit_settings (key, module, value_json, uuid, date_added, date_updated)
VALUES ('019d2a00-0000-7000-8000-00000000abcd', 'integrations',
        '{"provider": "openrouter", "name": "work", "status": "connected"}',
        '019d2a00-0000-7000-8000-00000000abcd', '2026-05-20T10:00:00Z', '2026-05-20T10:00:00Z');

\echo
\echo '== V114 down (best effort): back to composite keys, the younger duplicate suffixed'
SELECT jsonb_pretty(pk_migrate_v114_down());
SELECT key, value_json->>'provider' AS provider, value_json->>'name' AS name
  FROM phoenix_kit_settings WHERE key LIKE 'integration:%' ORDER BY key;

\echo
\echo '== V107 down (lossy): the pins are discarded'
COMMENT ON TABLE phoenix_kit IS '107';
SELECT jsonb_pretty(pk_migrate_v107_down());
SELECT pk_migration_status()->'version' AS recorded_version_at_the_end;
