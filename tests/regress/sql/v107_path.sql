-- The whole path an install takes (docs/behaviour.md §2 table and its last paragraph, §4–§7):
-- 106 → V107 up → (V108–V113, not integration-related: stamp 113) → V114 up → V114 down →
-- (stamp 107) → V107 down, on the fixture's realistic sample. The guard refuses V114 before
-- V107, from 106 and from 107; the endpoint pins survive V114 both ways because V114 keeps
-- every row's uuid.
\i tests/regress/preamble.sql

SELECT pg_temp.pk_fixture('pk_path', 106);
SELECT pg_temp.pk_fixture_sample('pk_path');
-- pg_temp.pins(): each endpoint, its pin and what the pinned row is (key, provider and name
-- in value_json), read through the uuid as the application does.
CREATE FUNCTION pg_temp.pins() RETURNS TABLE (endpoint text, integration_uuid uuid, key varchar, provider text, name text)
LANGUAGE sql AS $fn$
  SELECT e.name, e.integration_uuid, s.key, s.value_json ->> 'provider', s.value_json ->> 'name'
    FROM pg_temp.endpoints('pk_path') e
    LEFT JOIN pk_path.phoenix_kit_settings s ON s.uuid = e.integration_uuid
   ORDER BY e.uuid
$fn$;
SELECT uuid, key, module FROM pg_temp.settings('pk_path');
SELECT name, provider FROM pg_temp.endpoints('pk_path');
CREATE TABLE pk_path.keys_at_106 AS SELECT uuid, key FROM pg_temp.settings('pk_path');
SELECT pg_temp.fingerprint_all('pk_path') AS fp \gset

---------------------------------------------------------------------------------------
-- At 106, V114 is refused: V107 must read the old keys first (55000, nothing changed).
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_path') r;
\echo :LAST_ERROR_SQLSTATE
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_path', dry_run => true) r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_path') = :'fp' AS unchanged;

-- Why: V114 forced before V107 turns every key into a uuid, and V107 then pins nothing
-- (even the uuid-valued provider: its row's key is no longer an integration key). Shown
-- inside a transaction that is rolled back.
BEGIN;
SELECT b.* FROM pk_migrate_v114_up('pk_path', force => true) r, pg_temp.report_brief(r) b;
SELECT b.* FROM pk_migrate_v107_up('pk_path', force => true) r, pg_temp.report_brief(r) b;
SELECT endpoint, integration_uuid FROM pg_temp.pins();
ROLLBACK;
SELECT pg_temp.fingerprint_all('pk_path') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- V107 up: 106 → 107.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_path') r;
SELECT * FROM pg_temp.pins();
CREATE TABLE pk_path.pins_at_107 AS SELECT endpoint, integration_uuid FROM pg_temp.pins();
SELECT pg_temp.version('pk_path') AS version;

-- At 107, V114 is still refused (V108–V113 have not run).
SELECT pg_temp.fingerprint_all('pk_path') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_path') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_path') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- V108–V113 (not integration-related) stand in as a stamp; then V114 up: 113 → 114.
SELECT pg_temp.set_version('pk_path', '113');
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_path') r;
SELECT pg_temp.version('pk_path') AS version;
-- Keys are uuids now; every pin still names the same row, now found by its uuid key.
SELECT * FROM pg_temp.pins();
SELECT count(*) AS endpoints,
       count(*) FILTER (WHERE p.integration_uuid IS NOT DISTINCT FROM b.integration_uuid) AS pins_unchanged,
       count(*) FILTER (WHERE p.key = p.integration_uuid::text) AS pinned_row_keyed_by_its_uuid
  FROM pg_temp.pins() p JOIN pk_path.pins_at_107 b USING (endpoint);
-- V107 up is refused now (already past V107).
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_path') r;
\echo :LAST_ERROR_SQLSTATE

---------------------------------------------------------------------------------------
-- V114 down: 114 → 113. Composite keys again (S4 integration:google:default is suffixed:
-- the legacy S5 became its (google, default) twin on the way up and is older); pins unchanged.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_path') r;
SELECT pg_temp.version('pk_path') AS version;
SELECT * FROM pg_temp.pins();
SELECT count(*) FILTER (WHERE p.integration_uuid IS NOT DISTINCT FROM b.integration_uuid) AS pins_unchanged
  FROM pg_temp.pins() p JOIN pk_path.pins_at_107 b USING (endpoint);
SELECT s.uuid, k.key AS key_at_106, s.key AS key_now
  FROM pg_temp.settings('pk_path') s JOIN pk_path.keys_at_106 k USING (uuid)
 WHERE s.key IS DISTINCT FROM k.key;

---------------------------------------------------------------------------------------
-- Rolling V108–V113 back stands in as a stamp; then V107 down: 107 → 106.
SELECT pg_temp.set_version('pk_path', '107');
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_path') r;
SELECT pg_temp.version('pk_path') AS version;
SELECT * FROM pg_temp.endpoint_shape('pk_path');
SELECT name, provider, integration_uuid FROM pg_temp.endpoints('pk_path');

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_path CASCADE;
DROP EXTENSION phoenix_kit_mig;
