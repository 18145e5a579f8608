-- docs/behaviour.md §6 (V114 up), §3 (key parsing as applied), §1 "The report" and "Messages",
-- §2 (stamp, safe re-run at 114).
\i tests/regress/preamble.sql

-- An install at 113 in the public schema.
SELECT pg_temp.pk_fixture('public', 113);

-- Integration rows: every shape §6 step 2 distinguishes. uuid n and date_added day n.
SELECT pg_temp.pk_fixture_setting('public', v.key, v.value_json::jsonb, v.module,
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES
    -- legacy V0 key: name default; JSON provider present and equal to the key's
    (1,  'integration:google',               '{"provider": "google", "client_id": "c1"}', 'integrations'),
    -- JSON provider and name present: kept
    (2,  'integration:openrouter:work',      '{"provider": "openrouter", "name": "work", "api_key": "enc:1"}', 'integrations'),
    -- name with extra ':' kept whole; no JSON name
    (3,  'integration:openai:team:eu',       '{"provider": "openai"}', 'integrations'),
    -- empty name in the key: default; no JSON provider or name at all
    (4,  'integration:telegram:',            '{"bot_token": "enc:4"}', 'integrations'),
    -- JSON provider and name empty strings: taken from the key
    (5,  'integration:slack:ops',            '{"provider": "", "name": ""}', 'integrations'),
    -- JSON provider and name JSON null: taken from the key, the nulls replaced
    (6,  'integration:stripe:live',          '{"provider": null, "name": null, "mode": "live"}', 'integrations'),
    -- composite JSON provider equal to R (the old save_setup bug): repaired to openrouter
    (7,  'integration:openrouter:primary',   '{"provider": "openrouter:primary", "status": "configured"}', 'integrations'),
    -- composite JSON provider equal to R with more ':': repaired to the first segment
    (8,  'integration:a:b:c',                '{"provider": "a:b:c"}', 'integrations'),
    -- composite JSON provider NOT equal to R: not provably the bug, kept as it is
    (9,  'integration:openrouter:backup',    '{"provider": "openrouter:primary"}', 'integrations'),
    -- non-empty JSON provider and name that differ from the key: the JSON wins
    (10, 'integration:custom:x',             '{"provider": "Custom", "name": "Display Name"}', 'integrations'),
    -- SQL NULL value_json: becomes {} plus provider and name
    (11, 'integration:anthropic:main',       NULL, 'integrations'),
    -- JSON null value_json: likewise
    (12, 'integration:mistral:main',         'null', 'integrations'),
    -- module NULL (very old row) and another module: module set to integrations
    (13, 'integration:openai:default',       '{"provider": "openai", "name": "default"}', NULL),
    (14, 'integration:sendgrid:mail',        '{"provider": "sendgrid", "name": "mail"}', 'system'),
    -- unicode provider and name
    (15, 'integration:göögle:naïve',         '{}', 'integrations')
  ) AS v(n, key, value_json, module)
 ORDER BY v.n;

-- Rows that are not integration keys: never touched, whatever their module.
SELECT pg_temp.pk_fixture_setting('public', v.key, v.value_json::jsonb, v.module,
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES
    (21, 'site_name',             '{"value": "Acme"}', 'system'),
    (22, 'integrations_enabled',  '{"enabled": true}', 'integrations'),
    (23, 'Integration:google:x',  '{"provider": "google"}', 'system'),
    (24, 'legacy_flag',           NULL, NULL),
    (25, 'integration',           '[1, 2]', 'integrations')
  ) AS v(n, key, value_json, module)
 ORDER BY v.n;

-- `value`, date_added and date_updated must survive untouched: give them distinct values.
UPDATE public.phoenix_kit_settings
   SET value = 'plain value ' || substring(uuid::text from 31 for 2),
       date_updated = date_added + interval '1 hour'
 WHERE uuid IN (pg_temp.row_uuid(2), pg_temp.row_uuid(14), pg_temp.row_uuid(21));

-- Before.
SELECT * FROM pg_temp.settings('public');
SELECT pg_temp.version('public') AS version;

-- The migration, as an operator runs it.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up() r;

-- After: integration rows keyed by their uuid, module integrations, provider and name
-- in value_json; every other column and every other row as before.
SELECT * FROM pg_temp.settings('public');
SELECT pg_temp.version('public') AS version;

-- The rule of §6 step 2, row by row: key = uuid::text, and the provider/name written.
SELECT s.uuid, s.key = s.uuid::text AS key_is_uuid, s.module,
       s.value_json ->> 'provider' AS provider, s.value_json ->> 'name' AS name
  FROM pg_temp.settings('public') s
 WHERE s.uuid <= pg_temp.row_uuid(15);

-- A second run finds nothing to do: zeros, no stamp (already 114).
SELECT pg_temp.fingerprint('public') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up() r;
SELECT pg_temp.fingerprint('public') = :'fp' AS unchanged;

-- An old application node writes composite keys after the migration; a re-run at 114
-- picks them up and leaves the stamp at 114.
SELECT pg_temp.pk_fixture_setting('public', 'integration:openrouter:late',
         '{"provider": "openrouter:late", "status": "configured"}', 'integrations',
         pg_temp.row_uuid(31), pg_temp.day(31));
SELECT pg_temp.pk_fixture_setting('public', 'integration:zapier',
         NULL, NULL, pg_temp.row_uuid(32), pg_temp.day(32));
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up() r;
SELECT * FROM pg_temp.settings('public') WHERE uuid >= pg_temp.row_uuid(31);
SELECT pg_temp.version('public') AS version;

-- The realistic sample data set of the fixture (with its own fixed uuids and dates),
-- in a second schema: the public schema is not touched by a run on another schema.
SELECT pg_temp.pk_fixture('pk_sample', 113);
SELECT pg_temp.pk_fixture_sample('pk_sample');
SELECT pg_temp.fingerprint('public') AS fp \gset
SELECT key, module, value_json ->> 'provider' AS provider, value_json ->> 'name' AS name
  FROM pg_temp.settings('pk_sample');
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v114_up('pk_sample') r;
SELECT uuid, key = uuid::text AS key_is_uuid, module,
       value_json ->> 'provider' AS provider, value_json ->> 'name' AS name
  FROM pg_temp.settings('pk_sample');
SELECT pg_temp.version('pk_sample') AS version;
SELECT pg_temp.fingerprint('public') = :'fp' AS public_unchanged;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_sample CASCADE;
DROP TABLE public.phoenix_kit_ai_endpoints, public.phoenix_kit_settings, public.phoenix_kit;
DROP FUNCTION public.uuid_generate_v7();
DROP EXTENSION phoenix_kit_mig;
