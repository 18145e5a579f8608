-- docs/behaviour.md §7 (V114 down): the up -> down -> up round trip, duplicate (provider, name)
-- pairs suffixed, case-sensitive grouping, a collision with an unmigrated row, the
-- pre-flight errors (22023, 22001, 23505) with nothing changed, and the stamp (§2).
\i tests/regress/preamble.sql

---------------------------------------------------------------------------------------
-- 1. Round trip. Rows 1-3 share (openrouter, work) and are inserted newest first: the
--    oldest by date_added (row 3) keeps the plain key, not the smallest uuid. Rows 4 and 5
--    share (openrouter, team) and the same date_added: the smaller uuid wins. Rows 6 and 7
--    differ from (openrouter, work) only by case: groups of their own. Rows 8 and 9 become
--    (google, default) on the way up (legacy key and named key). Row 10 has ':' in its name.
--    Row 11 is uuid-keyed but not module integrations: down leaves it alone.
SELECT pg_temp.pk_fixture('pk_down', 113);
SELECT pg_temp.pk_fixture_setting('pk_down', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.d))
  FROM (VALUES
    (1,  'integration:openrouter:work',     '{"api_key": "k1"}',                       30),
    (2,  'integration:openrouter:work2',    '{"name": "work", "api_key": "k2"}',       20),
    (3,  'integration:openrouter:work3',    '{"name": "work", "api_key": "k3"}',       10),
    (4,  'integration:openrouter:team',     '{}',                                      5),
    (5,  'integration:openrouter:team5',    '{"name": "team"}',                        5),
    (6,  'integration:openrouter:Work',     '{}',                                      40),
    (7,  'integration:OpenRouter:work',     '{}',                                      41),
    (8,  'integration:google',              '{"client_id": "legacy"}',                 50),
    (9,  'integration:google:default',      '{"client_id": "current"}',                51),
    (10, 'integration:openai:team:eu',      '{}',                                      60)
  ) AS v(n, key, value_json, d)
 ORDER BY v.n;
SELECT pg_temp.pk_fixture_setting('pk_down', 'site_name', '{"value": "Acme"}', 'system',
                                  pg_temp.row_uuid(20), pg_temp.day(70));
SELECT pg_temp.pk_fixture_setting('pk_down', pg_temp.row_uuid(21)::text,
                                  '{"provider": "p", "name": "not mine"}', 'other',
                                  pg_temp.row_uuid(21), pg_temp.day(71));
SELECT uuid, key, module, value_json, date_added FROM pg_temp.settings('pk_down');

SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_down') r;
SELECT uuid, key, module, value_json, date_added FROM pg_temp.settings('pk_down');
SELECT pg_temp.fingerprint('pk_down') AS fp_up \gset

SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;
SELECT uuid, key, module, value_json, date_added FROM pg_temp.settings('pk_down');
SELECT pg_temp.version('pk_down') AS version;

-- The suffix is '-' || substring(uuid::text from 25 for 8).
SELECT uuid, key, key = 'integration:' || (value_json ->> 'provider') || ':' || (value_json ->> 'name')
                         || '-' || substring(uuid::text from 25 for 8) AS suffix_rule
  FROM pg_temp.settings('pk_down') WHERE key LIKE 'integration:%-%';

-- A second down (at 113, a safe re-run) finds nothing to do.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;

-- Up again: every row is back to exactly what the first up left (keys are uuids again,
-- names intact: the suffixes lived in the keys only).
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_down') r;
SELECT pg_temp.fingerprint('pk_down') = :'fp_up' AS same_as_after_first_up;

---------------------------------------------------------------------------------------
-- 2. A rebuilt key already held by a row that is not being rewritten (an unmigrated
--    composite row written by an old node at 114): that row is left alone and its twin
--    is suffixed, although it is the first of its group.
SELECT pg_temp.pk_fixture('pk_down', 114);
SELECT pg_temp.pk_fixture_setting('pk_down', 'integration:openrouter:stale', '{"note": "old node"}', 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT pg_temp.pk_fixture_setting('pk_down', pg_temp.row_uuid(2)::text,
                                  '{"provider": "openrouter", "name": "stale"}', 'integrations',
                                  pg_temp.row_uuid(2), pg_temp.day(2));
SELECT pg_temp.pk_fixture_setting('pk_down', pg_temp.row_uuid(3)::text,
                                  '{"provider": "openrouter", "name": "fresh"}', 'integrations',
                                  pg_temp.row_uuid(3), pg_temp.day(3));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_down');
SELECT pg_temp.version('pk_down') AS version;

---------------------------------------------------------------------------------------
-- 3. No usable provider or name (22023): missing, empty, JSON null, not a string, and
--    value_json that is an array, a string or SQL NULL. Nothing changes.
SELECT pg_temp.pk_fixture('pk_down', 114);
SELECT pg_temp.pk_fixture_setting('pk_down', pg_temp.row_uuid(v.n)::text, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (1, '{"provider": "p", "name": "fine"}'),
               (2, '{"name": "x"}'),
               (3, '{"provider": "p", "name": ""}'),
               (4, '{"provider": null, "name": "x"}'),
               (5, '{"provider": "p", "name": 7}'),
               (6, '{"provider": {"id": 1}, "name": true}'),
               (7, '[]'),
               (8, '"p:x"'),
               (9, NULL)) AS v(n, value_json)
 ORDER BY v.n;
SELECT pg_temp.fingerprint('pk_down') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_down') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_down');
SELECT pg_temp.version('pk_down') AS version;

---------------------------------------------------------------------------------------
-- 4. A rebuilt key longer than varchar(255) allows (22001): a plain key of 264 characters,
--    and a plain key that fits (254) but whose duplicate gets a 9-character suffix (263).
SELECT pg_temp.pk_fixture('pk_down', 114);
SELECT pg_temp.pk_fixture_setting('pk_down', pg_temp.row_uuid(v.n)::text, v.value_json, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES (1, jsonb_build_object('provider', 'p', 'name', repeat('n', 250))),
               (2, jsonb_build_object('provider', 'q', 'name', repeat('m', 240))),
               (3, jsonb_build_object('provider', 'q', 'name', repeat('m', 240))),
               (4, '{"provider": "p", "name": "short"}'::jsonb)) AS v(n, value_json)
 ORDER BY v.n;
SELECT uuid, char_length('integration:' || (value_json ->> 'provider') || ':' || (value_json ->> 'name')) AS plain_key_length
  FROM pg_temp.settings('pk_down');
SELECT pg_temp.fingerprint('pk_down') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_down') = :'fp' AS unchanged;
SELECT pg_temp.version('pk_down') AS version;

---------------------------------------------------------------------------------------
-- 5. A suffixed key that still collides (23505): with a row that already holds it (row 2,
--    key held by system row 9), with another group's plain key (row 4's suffixed key is
--    row 5's plain key), and with another suffixed key (rows 7 and 8 differ only after the
--    8 characters the suffix takes from the uuid). Nothing changes.
SELECT pg_temp.pk_fixture('pk_down', 114);
SELECT pg_temp.pk_fixture_setting('pk_down', v.u::text, v.value_json::jsonb, 'integrations', v.u, pg_temp.day(v.d))
  FROM (VALUES (pg_temp.row_uuid(1), 1, '{"provider": "p", "name": "n"}'),
               (pg_temp.row_uuid(2), 2, '{"provider": "p", "name": "n"}'),
               (pg_temp.row_uuid(3), 3, '{"provider": "q", "name": "n"}'),
               (pg_temp.row_uuid(4), 4, '{"provider": "q", "name": "n"}'),
               (pg_temp.row_uuid(5), 5, '{"provider": "q", "name": "n-00000004"}'),
               (pg_temp.row_uuid(6), 6, '{"provider": "r", "name": "n"}'),
               ('01900000-0000-7000-8000-000000060001'::uuid, 7, '{"provider": "r", "name": "n"}'),
               ('01900000-0000-7000-8000-000000060002'::uuid, 8, '{"provider": "r", "name": "n"}')
       ) AS v(u, d, value_json)
 ORDER BY v.d;
SELECT pg_temp.pk_fixture_setting('pk_down', 'integration:p:n-00000002', '{}', 'system',
                                  pg_temp.row_uuid(9), pg_temp.day(9));
SELECT pg_temp.fingerprint('pk_down') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_down('pk_down') r;
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint('pk_down') = :'fp' AS unchanged;
SELECT uuid, key, module, value_json FROM pg_temp.settings('pk_down');
SELECT pg_temp.version('pk_down') AS version;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_down CASCADE;
DROP EXTENSION phoenix_kit_mig;
