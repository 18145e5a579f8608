-- docs/behaviour.md §6 step 1 (V114 up pre-flight) and §1 "Messages": each error has its SQLSTATE,
-- names the schema and table, lists the offending rows in DETAIL (the first 50, then
-- "and N more") and says in a HINT how to fix the data; and nothing is changed (§1: any
-- error leaves the database exactly as it was).
\i tests/regress/preamble.sql

-- Every case starts from an empty install at 113 in schema pk_err with one healthy row
-- (uuid 1), adds the offending rows, runs pk_migrate_v114_up('pk_err'), and then shows
-- that the rows and the version comment are exactly as before.

---------------------------------------------------------------------------------------
-- 1. value_json neither an object, SQL NULL nor JSON null (22023): array, string, number,
--    boolean.
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:openrouter:work',
         '{"provider": "openrouter", "name": "work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.pk_fixture_setting('pk_err', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (2, 'integration:array:x',   '["google", "x"]'),
               (3, 'integration:string:x',  '"google"'),
               (4, 'integration:number:x',  '42'),
               (5, 'integration:boolean:x', 'true')) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

---------------------------------------------------------------------------------------
-- 2. provider or name that is neither a string nor JSON null (22023): number, object,
--    boolean, array. A JSON null provider/name is fine (row 6 is not listed).
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:openrouter:work',
         '{"provider": "openrouter", "name": "work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.pk_fixture_setting('pk_err', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (2, 'integration:p:number',  '{"provider": 7}'),
               (3, 'integration:p:object',  '{"provider": "p", "name": {"first": "a"}}'),
               (4, 'integration:p:boolean', '{"provider": true, "name": false}'),
               (5, 'integration:p:array',   '{"name": ["a"]}'),
               (6, 'integration:p:nulls',   '{"provider": null, "name": null}')) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

---------------------------------------------------------------------------------------
-- 3. the provider would be empty (22023): malformed key (`integration:`,
--    `integration::x`) and no non-empty JSON provider (absent, "", null, SQL NULL).
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:openrouter:work',
         '{"provider": "openrouter", "name": "work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.pk_fixture_setting('pk_err', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (2, 'integration:',     '{"name": "x"}'),
               (3, 'integration::x',   '{}'),
               (4, 'integration::y',   '{"provider": ""}'),
               (5, 'integration::z',   '{"provider": null}'),
               (6, 'integration::',    NULL)) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

-- 3b. ... whereas `integration::x` WITH a non-empty JSON provider is fine: the provider
--     comes from the JSON, the name from the key.
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration::x', '{"provider": "stripe"}', 'integrations',
                                  pg_temp.row_uuid(3), pg_temp.day(3));
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:', '{"provider": "zapier", "name": "hooks"}', 'integrations',
                                  pg_temp.row_uuid(4), pg_temp.day(4));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

-- 3c. A JSON provider equal to R = ":y" (R contains ':') on a malformed key is the old
--     composite copy; its repair target, the key's provider, is empty: no usable provider,
--     so 22023 and nothing changed (docs/behaviour.md §6 step 2 repair, step 1 empty provider).
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration::y', '{"provider": ":y"}', 'integrations',
                                  pg_temp.row_uuid(5), pg_temp.day(5));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

---------------------------------------------------------------------------------------
-- 4. another row's key already equals this row's uuid::text (23505).
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:openrouter:work',
         '{"provider": "openrouter", "name": "work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:google:default', '{}', 'integrations',
                                  pg_temp.row_uuid(2), pg_temp.day(2));
SELECT pg_temp.pk_fixture_setting('pk_err', pg_temp.row_uuid(2)::text, '{"note": "squatter"}', 'system',
                                  pg_temp.row_uuid(3), pg_temp.day(3));
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

---------------------------------------------------------------------------------------
-- 5. more than 50 offending rows: DETAIL lists 50, then "and N more".
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', 'integration:openrouter:work',
         '{"provider": "openrouter", "name": "work"}', 'integrations', pg_temp.row_uuid(1), pg_temp.day(1));
SELECT count(pg_temp.pk_fixture_setting('pk_err', 'integration:bulk:' || lpad(i::text, 3, '0'), '[]',
                                        'integrations', pg_temp.row_uuid(100 + i), pg_temp.day(i)))
  FROM generate_series(1, 53) AS i;
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
SELECT count(*) AS rows, count(*) FILTER (WHERE key LIKE 'integration:%') AS composite_keys
  FROM pg_temp.settings('pk_err');
SELECT pg_temp.version('pk_err') AS version;

---------------------------------------------------------------------------------------
-- 6. several kinds of blocker at once: the first is raised, its HINT says how many other
--    kinds there are. Fixing the first reveals the next.
SELECT pg_temp.pk_fixture('pk_err', 113);
SELECT pg_temp.pk_fixture_setting('pk_err', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (1, 'integration:shape:x',  '"text"'),
               (2, 'integration:field:x',  '{"provider": 1}'),
               (3, 'integration::x',       '{}')) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_err') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_err') = :'fp' AS unchanged;
-- The function the HINT names exists.
SELECT to_regprocedure('pk_migration_status(text)') IS NOT NULL AS pk_migration_status_exists;
UPDATE pk_err.phoenix_kit_settings SET value_json = '{}' WHERE uuid = pg_temp.row_uuid(1);
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
UPDATE pk_err.phoenix_kit_settings SET value_json = '{"provider": "one"}' WHERE uuid = pg_temp.row_uuid(2);
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM pk_err.phoenix_kit_settings WHERE uuid = pg_temp.row_uuid(3);
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_err') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_err');

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_err CASCADE;
DROP EXTENSION phoenix_kit_mig;
