-- docs/behaviour.md §5 (V107 down): drops phoenix_kit_ai_endpoints_name_index,
-- phoenix_kit_ai_endpoints_integration_uuid_index and the integration_uuid column, each if it
-- exists; reports pins_discarded and dropped; stamps 106 (§2); a re-run at 106 finds nothing
-- to drop. Lossy by design. §1: an error leaves everything as it was.
\i tests/regress/preamble.sql

---------------------------------------------------------------------------------------
-- 1. Up, then down. Three endpoints pinned by the backfill, one left unpinned.
SELECT pg_temp.pk_fixture('pk_down107', 106);
SELECT pg_temp.pk_fixture_setting('pk_down107', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (1, 'integration:openrouter:work', '{"last_validated_at": "2026-04-30T10:00:00Z"}'),
               (2, 'integration:openrouter:personal', '{}'),
               (3, 'integration:google:default', '{}')) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.endpoint('pk_down107', v.n, v.name, v.provider)
  FROM (VALUES (101, 'Chat', 'openrouter'),
               (102, 'Personal', 'openrouter:personal'),
               (103, 'Gmail', pg_temp.row_uuid(3)::text),
               (104, 'Claude', 'anthropic')) AS v(n, name, provider)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_down107') AS fp_106,
       (SELECT md5(string_agg(e::text, E'\n' ORDER BY e.uuid)) FROM pk_down107.phoenix_kit_ai_endpoints e) AS endpoints_106 \gset
SELECT b.* FROM pk_migrate_v107_up('pk_down107') r, pg_temp.report_brief(r) b;
SELECT * FROM pg_temp.endpoints('pk_down107');
SELECT * FROM pg_temp.endpoint_shape('pk_down107');

SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
-- The column and both V107 indexes are gone; the other indexes stay.
SELECT * FROM pg_temp.endpoint_shape('pk_down107');
-- Every endpoint is still there, provider and updated_at as they were.
SELECT * FROM pg_temp.endpoints('pk_down107');
SELECT pg_temp.version('pk_down107') AS version;
-- Settings, endpoint rows, tables and indexes, and the version as before the up; the only
-- trace is the dropped column's slot in pg_attribute, which PostgreSQL keeps after any DROP
-- COLUMN (like the fixture's `id`).
SELECT pg_temp.fingerprint('pk_down107') = :'fp_106' AS settings_relations_version_as_before,
       (SELECT md5(string_agg(e::text, E'\n' ORDER BY e.uuid)) FROM pk_down107.phoenix_kit_ai_endpoints e)
         = :'endpoints_106' AS endpoint_rows_as_before;
SELECT a.attnum, a.attname, a.attisdropped
  FROM pg_attribute a
 WHERE a.attrelid = 'pk_down107.phoenix_kit_ai_endpoints'::regclass AND a.attisdropped
 ORDER BY a.attnum;

-- A second down at 106 (a safe re-run): nothing to drop, nothing discarded, no stamp.
SELECT pg_temp.fingerprint_all('pk_down107') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
SELECT pg_temp.fingerprint_all('pk_down107') = :'fp' AS unchanged;
SELECT pg_temp.version('pk_down107') AS version;

---------------------------------------------------------------------------------------
-- 2. Lossy: a pin the user picked by hand (Chat -> personal) does not survive down + up;
--    the up picks by the backfill rules again.
SELECT b.* FROM pk_migrate_v107_up('pk_down107') r, pg_temp.report_brief(r) b;
UPDATE pk_down107.phoenix_kit_ai_endpoints SET integration_uuid = pg_temp.row_uuid(2) WHERE uuid = pg_temp.row_uuid(101);
SELECT name, provider, integration_uuid FROM pg_temp.endpoints('pk_down107');
SELECT b.* FROM pk_migrate_v107_down('pk_down107') r, pg_temp.report_brief(r) b;
SELECT b.* FROM pk_migrate_v107_up('pk_down107') r, pg_temp.report_brief(r) b;
SELECT name, provider, integration_uuid FROM pg_temp.endpoints('pk_down107');

---------------------------------------------------------------------------------------
-- 3. Partial states: each object is dropped only if it exists.
-- 3a. At 107 with the column but without the indexes (dropped by hand): only the column.
DROP INDEX pk_down107.phoenix_kit_ai_endpoints_name_index;
DROP INDEX pk_down107.phoenix_kit_ai_endpoints_integration_uuid_index;
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
-- 3b. At 107 with only the name index, and a same-named index on another table: only the
--     endpoints' own index is V107's to drop.
SELECT pg_temp.pk_fixture('pk_down107', 106);
SELECT pg_temp.set_version('pk_down107', '107');
CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON pk_down107.phoenix_kit_ai_endpoints (lower(name));
CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON pk_down107.phoenix_kit_settings (uuid);
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
SELECT indexname, tablename FROM pg_indexes
 WHERE schemaname = 'pk_down107' AND indexname LIKE 'phoenix_kit_ai_endpoints_%_index';
SELECT pg_temp.version('pk_down107') AS version;

---------------------------------------------------------------------------------------
-- 4. An object of the user's that depends on the column (a view): the pre-flight refuses
--    (2BP01) naming it, pk_migration_status lists it as a blocker, nothing changed and the
--    stamp stays 107.
SELECT pg_temp.pk_fixture('pk_down107', 107);
SELECT pg_temp.pk_fixture_setting('pk_down107', 'integration:openrouter:work', '{}', 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.endpoint('pk_down107', 101, 'Chat', 'openrouter');
UPDATE pk_down107.phoenix_kit_ai_endpoints SET integration_uuid = pg_temp.row_uuid(1);
CREATE VIEW pk_down107.pinned AS SELECT name, integration_uuid FROM pk_down107.phoenix_kit_ai_endpoints;
SELECT pg_temp.fingerprint_all('pk_down107') AS fp \gset
SELECT pk_migration_status('pk_down107') -> 'migrations' -> 'v107_down' AS v107_down_status;
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('pk_down107') = :'fp' AS unchanged;
SELECT * FROM pg_temp.endpoint_shape('pk_down107');
SELECT pg_temp.version('pk_down107') AS version;
-- Without the view it goes through, also in a session with standard_conforming_strings off
-- (V107's own indexes are recognised by a pattern; a backslash in it read otherwise there,
-- and the run refused its own index with 2BP01).
DROP VIEW pk_down107.pinned;
SET standard_conforming_strings = off;
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_down('pk_down107') r;
RESET standard_conforming_strings;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_down107 CASCADE;
DROP EXTENSION phoenix_kit_mig;
