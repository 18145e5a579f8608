-- docs/behaviour.md §4 (V107 up): the three backfill rules, what they never touch, the column and the
-- two indexes (built after the backfill), the report, §1 "Messages" (NOTICEs) and §2 (stamp
-- 107, safe re-run at 107); and upstream's own V107 test cases (docs/upstream.md §5).
\i tests/regress/preamble.sql

---------------------------------------------------------------------------------------
-- 1. Upstream's own test cases (test/phoenix_kit/migrations/v107_test.exs), plus the ones
--    the upstream moduledoc and docs/upstream.md §5.3 describe, in the public schema and with the
--    argument-less call. Each case has a provider of its own so the cases do not interact.
SELECT pg_temp.pk_fixture('public', 106);
SELECT pg_temp.pk_fixture_setting('public', v.key, v.value_json::jsonb, 'integrations',
                                  pg_temp.row_uuid(v.n), pg_temp.day(v.n))
  FROM (VALUES
    -- "exact match for provider:name shape"
    (1, 'integration:openrouter:my-key', '{"provider": "openrouter", "name": "my-key", "api_key": "sk-my-key"}'),
    -- "bare provider, most-recently-validated wins"
    (2, 'integration:anthropic:old',     '{"provider": "anthropic", "name": "old", "last_validated_at": "2026-01-01T00:00:00Z"}'),
    (3, 'integration:anthropic:newer',   '{"provider": "anthropic", "name": "newer", "last_validated_at": "2026-04-01T00:00:00Z"}'),
    -- "uuid ASC tiebreaks when last_validated_at ties (both NULL)"
    (4, 'integration:mistral:first',     '{"provider": "mistral", "name": "first"}'),
    (5, 'integration:mistral:second',    '{"provider": "mistral", "name": "second"}'),
    -- legacy integration:<provider> rows are never candidates, however recent
    (6, 'integration:openai',            '{"provider": "openai", "last_validated_at": "2027-01-01T00:00:00Z"}'),
    (7, 'integration:openai:work',       '{"provider": "openai", "name": "work"}'),
    (8, 'integration:google',            '{"provider": "google", "last_validated_at": "2027-01-01T00:00:00Z"}')
  ) AS v(n, key, value_json)
 ORDER BY v.n;
SELECT pg_temp.endpoint('public', v.n, v.name, v.provider)
  FROM (VALUES (101, 'Test Endpoint',    'openrouter:my-key'),
               (102, 'Bare Endpoint',    'anthropic'),
               (103, 'Tied Endpoint',    'mistral'),
               (104, 'Orphan Endpoint',  'nonexistent'),
               (105, 'Legacy and named', 'openai'),
               (106, 'Legacy only',      'google'),
               -- "non-matching provider:name stays NULL" (not retried by the bare rule,
               -- although integration:openrouter:my-key exists)
               (107, 'Gone key',         'openrouter:gone')) AS v(n, name, provider)
 ORDER BY v.n;

SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up() r;

-- Each endpoint's pin, and the settings row upstream's tests expect (<NULL>: none).
SELECT e.name, e.provider, s.key AS pinned_to, e.integration_uuid IS NOT DISTINCT FROM x.expected AS as_upstream
  FROM pg_temp.endpoints('public') e
  JOIN (VALUES (101, 1), (102, 3), (103, 4), (104, NULL), (105, 7), (106, NULL), (107, NULL)) AS x0(n, s)
    ON e.uuid = pg_temp.row_uuid(x0.n)
  CROSS JOIN LATERAL (SELECT pg_temp.row_uuid(x0.s) AS expected) x
  LEFT JOIN public.phoenix_kit_settings s ON s.uuid = e.integration_uuid
 ORDER BY e.uuid;
SELECT pg_temp.version('public') AS version;

-- "duplicate endpoint names are rejected" (upstream: by the unique index; here the
-- pre-flight refuses before any change, see v107_errors).
SELECT pg_temp.pk_fixture('public', 106);
SELECT pg_temp.endpoint('public', 101, 'Chat', 'openrouter');
SELECT pg_temp.endpoint('public', 102, 'CHAT', 'openrouter');
SELECT pg_temp.fingerprint_all('public') AS fp \gset
SELECT pk_migrate_v107_up();
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.fingerprint_all('public') = :'fp' AS unchanged;
SELECT pg_temp.version('public') AS version;

-- "re-running is safe": with the duplicate renamed the run goes through; a second run at
-- 107 pins nothing more and changes nothing.
UPDATE public.phoenix_kit_ai_endpoints SET name = 'Chat 2' WHERE uuid = pg_temp.row_uuid(102);
SELECT pg_temp.pk_fixture_setting('public', 'integration:openrouter:work', '{}', 'integrations',
                                  pg_temp.row_uuid(1), pg_temp.day(1));
SELECT b.* FROM pk_migrate_v107_up() r, pg_temp.report_brief(r) b;
SELECT pg_temp.fingerprint_all('public') AS fp \gset
SELECT b.* FROM pk_migrate_v107_up() r, pg_temp.report_brief(r) b;
SELECT pg_temp.fingerprint_all('public') = :'fp' AS unchanged;
SELECT name, provider, integration_uuid FROM pg_temp.endpoints('public');

---------------------------------------------------------------------------------------
-- 2. Every rule of §4 step 3, in schema pk_v107 at 106. Settings rows are uuid n / day n,
--    endpoints uuid 100+n (inserted_at day n, updated_at one hour later).
SELECT pg_temp.pk_fixture('pk_v107', 106);
-- Rows 4 and 23 get hex letters after the row number (characters 33-36), so that the case
-- of a uuid-valued provider can differ.
SELECT pg_temp.pk_fixture_setting('pk_v107', v.key, v.value_json::jsonb, v.module,
                                  CASE v.n WHEN 4 THEN '01900000-0000-7000-8000-00000004cafe'::uuid
                                           WHEN 23 THEN '01900000-0000-7000-8000-00000023abcd'::uuid
                                           ELSE pg_temp.row_uuid(v.n) END,
                                  pg_temp.day(v.n))
  FROM (VALUES
    -- openrouter: as text '…10:00:00Z' sorts above '…10:00:00.5Z'; as a timestamp row 2 is later.
    (1,  'integration:openrouter:personal', '{"last_validated_at": "2026-04-30T10:00:00Z"}', 'integrations'),
    (2,  'integration:openrouter:work',     '{"last_validated_at": "2026-04-30T10:00:00.5Z"}', 'integrations'),
    -- the legacy row, most recent of all: never a candidate
    (3,  'integration:openrouter',          '{"last_validated_at": "2027-01-01T00:00:00Z"}', 'integrations'),
    -- a name with ':' (exact target of provider openrouter:team:eu); never validated
    (4,  'integration:openrouter:team:eu',  '{}', 'integrations'),
    -- google: the same instant in two offsets is a tie, so the smaller uuid (row 5);
    -- as text row 6 ('…T12…') would win
    (5,  'integration:google:x',            '{"last_validated_at": "2026-04-30T10:00:00Z"}', 'integrations'),
    (6,  'integration:google:y',            '{"last_validated_at": "2026-04-30T12:00:00+02:00"}', 'integrations'),
    -- slack: 06:00-05:00 is 11:00Z, later than 10:30Z (as text row 7 would win)
    (7,  'integration:slack:a',             '{"last_validated_at": "2026-04-30T10:30:00Z"}', 'integrations'),
    (8,  'integration:slack:b',             '{"last_validated_at": "2026-04-30T06:00:00-05:00"}', 'integrations'),
    -- stripe: unparseable, empty, not a string, JSON null, missing, value_json SQL NULL,
    -- value_json not an object, nested: all rank after the one parseable (old) value, row 17
    (9,  'integration:stripe:garbage',      '{"last_validated_at": "yesterday"}', 'integrations'),
    (10, 'integration:stripe:empty',        '{"last_validated_at": ""}', 'integrations'),
    (11, 'integration:stripe:number',       '{"last_validated_at": 1777777777}', 'integrations'),
    (12, 'integration:stripe:null',         '{"last_validated_at": null}', 'integrations'),
    (13, 'integration:stripe:missing',      '{"status": "connected"}', 'integrations'),
    (14, 'integration:stripe:sqlnull',      NULL, 'integrations'),
    (15, 'integration:stripe:array',        '["2030-01-01T00:00:00Z"]', 'integrations'),
    (16, 'integration:stripe:object',       '{"last_validated_at": {"at": "2030-01-01T00:00:00Z"}}', 'integrations'),
    (17, 'integration:stripe:old',          '{"last_validated_at": "2001-01-01T00:00:00Z"}', 'integrations'),
    -- teams: two unusable values tie, so the smaller uuid (row 18); as text row 19 would win
    (18, 'integration:teams:a',             '{"last_validated_at": ""}', 'integrations'),
    (19, 'integration:teams:b',             '{"last_validated_at": "zzz"}', 'integrations'),
    -- providers are case-sensitive: OpenAI and openai are different providers
    (20, 'integration:OpenAI:x',            '{"last_validated_at": "2030-01-01T00:00:00Z"}', 'integrations'),
    -- no filter on module or status: the module-NULL row whose validation failed wins
    (21, 'integration:openai:old',          '{"status": "error", "validation_status": "error: 401", "last_validated_at": "2026-05-01T00:00:00Z"}', NULL),
    (22, 'integration:openai:ok',           '{"status": "connected", "last_validated_at": "2026-04-01T00:00:00Z"}', 'integrations'),
    -- a legacy row: target of a uuid-valued provider (its key is an integration key)
    (23, 'integration:mailgun',             '{"last_validated_at": "2026-01-01T00:00:00Z"}', 'integrations'),
    -- not an integration key: a uuid-valued provider pointing here stays NULL
    (24, 'site_name',                       '{"value": "Acme"}', 'system'),
    -- malformed key (empty provider): never a candidate, but the exact target of ':weird'
    (25, 'integration::weird',              '{"last_validated_at": "2030-01-01T00:00:00Z"}', 'integrations'),
    -- an empty name after the second ':' still makes a candidate
    (26, 'integration:telegram:',           '{}', 'integrations'),
    -- the prefix is case-sensitive: not an integration key, never a candidate
    (27, 'Integration:openrouter:caps',     '{"last_validated_at": "2030-01-01T00:00:00Z"}', 'integrations')
  ) AS v(n, key, value_json, module)
 ORDER BY v.n;

-- The endpoints, and the key of the settings row §4 says each must be pinned to (NULL: none).
CREATE TABLE pk_v107.expected (n int, key text);
INSERT INTO pk_v107.expected VALUES
  (101, 'integration:openrouter:personal'), (102, 'integration:openrouter:team:eu'), (103, NULL),
  (104, 'integration:openrouter:work'), (105, 'integration:google:x'), (106, 'integration:slack:b'),
  (107, 'integration:stripe:old'), (108, 'integration:teams:a'), (109, 'integration:openai:old'),
  (110, 'integration:OpenAI:x'), (111, NULL), (112, 'integration:mailgun'),
  (113, 'integration:openrouter:team:eu'), (114, NULL), (115, NULL), (116, NULL),
  (117, 'integration::weird'), (118, 'integration:telegram:'), (119, NULL);
SELECT pg_temp.endpoint('pk_v107', v.n, v.name, v.provider)
  FROM (VALUES
    -- provider with ':': exactly 'integration:' || provider
    (101, 'Personal',             'openrouter:personal'),
    (102, 'Team EU',              'openrouter:team:eu'),
    -- ... no such key: stays NULL, not retried by the bare rule
    (103, 'Gone',                 'openrouter:gone'),
    -- bare providers: the latest last_validated_at as a timestamp, ties to the smaller uuid
    (104, 'Bare openrouter',      'openrouter'),
    (105, 'Google',               'google'),
    (106, 'Slack',                'slack'),
    (107, 'Stripe',               'stripe'),
    (108, 'Teams',                'teams'),
    (109, 'OpenAI lower',         'openai'),
    (110, 'OpenAI cased',         'OpenAI'),
    (111, 'Upper case',           'OPENROUTER'),
    -- uuid-valued providers, any case: the row with that uuid if its key is an integration key
    (112, 'By uuid, upper case',  '01900000-0000-7000-8000-00000023ABCD'),
    (113, 'By uuid, mixed case',  '01900000-0000-7000-8000-00000004CaFe'),
    (114, 'Uuid of a non-integration', pg_temp.row_uuid(24)::text),
    (115, 'Uuid of nothing',      pg_temp.row_uuid(99)::text),
    -- empty provider: stays NULL (the malformed integration::weird is no candidate)
    (116, 'Empty provider',       ''),
    -- ':weird' contains ':' so the exact rule applies, literally
    (117, 'Colon weird',          ':weird'),
    (118, 'Telegram',             'telegram'),
    -- only the legacy integration:mailgun exists: no candidate
    (119, 'Mailgun',              'mailgun')
  ) AS v(n, name, provider)
 ORDER BY v.n;
-- A row trigger that records, for every row the backfill UPDATE writes, the old and new pin
-- and which of V107's indexes exist at that moment (§4 step 4: built after the backfill).
CREATE TABLE pk_v107.backfill_log (endpoint uuid, old_pin uuid, new_pin uuid, v107_indexes_present text);
CREATE FUNCTION pg_temp.log_backfill() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO pk_v107.backfill_log
  SELECT NEW.uuid, OLD.integration_uuid, NEW.integration_uuid,
         (SELECT coalesce(string_agg(c.relname, ', ' ORDER BY c.relname), 'none')
            FROM pg_catalog.pg_class c
           WHERE c.relnamespace = 'pk_v107'::regnamespace
             AND c.relname IN ('phoenix_kit_ai_endpoints_name_index', 'phoenix_kit_ai_endpoints_integration_uuid_index'));
  RETURN NEW;
END
$fn$;
CREATE TRIGGER log_backfill BEFORE UPDATE ON pk_v107.phoenix_kit_ai_endpoints
  FOR EACH ROW EXECUTE FUNCTION pg_temp.log_backfill();

-- Before: no integration_uuid column, no V107 index.
SELECT * FROM pg_temp.endpoints('pk_v107');
SELECT * FROM pg_temp.endpoint_shape('pk_v107');
CREATE TABLE pk_v107.before AS SELECT * FROM pg_temp.endpoints('pk_v107');
SELECT md5(string_agg(s::text, E'\n' ORDER BY s.uuid)) AS settings_md5 FROM pg_temp.settings('pk_v107') s \gset

-- The migration, as an operator runs it.
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107') r;

-- After: each endpoint's pin, checked against §4 (as_contract). Where upstream's text
-- comparison would have picked another row, the comments above say so.
SELECT e.uuid, e.name, e.provider, s.key AS pinned_to,
       s.key IS NOT DISTINCT FROM x.key AS as_contract
  FROM pg_temp.endpoints('pk_v107') e
  JOIN pk_v107.expected x ON e.uuid = pg_temp.row_uuid(x.n)
  LEFT JOIN pk_v107.phoenix_kit_settings s ON s.uuid = e.integration_uuid
 ORDER BY e.uuid;
-- provider and updated_at untouched, no row lost or added.
SELECT count(*) AS endpoints,
       count(*) FILTER (WHERE a.provider = b.provider AND a.updated_at = b.updated_at AND a.name = b.name) AS untouched
  FROM pg_temp.endpoints('pk_v107') a FULL JOIN pk_v107.before b USING (uuid);
-- The settings are only read.
SELECT md5(string_agg(s::text, E'\n' ORDER BY s.uuid)) = :'settings_md5' AS settings_unchanged FROM pg_temp.settings('pk_v107') s;
-- Only NULL rows were written, each once, and neither V107 index existed yet.
SELECT * FROM pk_v107.backfill_log ORDER BY endpoint;
-- The column (nullable, no default, no foreign key) and the two indexes with their exact
-- definitions (btree on integration_uuid; UNIQUE btree on lower(name)).
SELECT * FROM pg_temp.endpoint_shape('pk_v107');
SELECT pg_temp.version('pk_v107') AS version;

---------------------------------------------------------------------------------------
-- 3. A safe re-run at 107 (§2): an old application node has since added endpoints and an
--    integration row. A pin already set is never touched: the one the user picked (row 2
--    for "Personal", not what the backfill would pick) and one pointing at no row at all
--    (no foreign key). The column and indexes exist: nothing added, no stamp written.
SELECT pg_temp.pk_fixture_setting('pk_v107', 'integration:anthropic:main', '{}', 'integrations',
                                  pg_temp.row_uuid(30), pg_temp.day(30));
SELECT pg_temp.endpoint('pk_v107', v.n, v.name, v.provider)
  FROM (VALUES (120, 'Late bare',  'openrouter'),
               (121, 'Late exact', 'openrouter:personal'),
               (122, 'Claude',     'anthropic'),
               (123, 'Dangling',   'openrouter')) AS v(n, name, provider)
 ORDER BY v.n;
UPDATE pk_v107.phoenix_kit_ai_endpoints SET integration_uuid = pg_temp.row_uuid(2) WHERE uuid = pg_temp.row_uuid(101);
UPDATE pk_v107.phoenix_kit_ai_endpoints SET integration_uuid = pg_temp.row_uuid(98) WHERE uuid = pg_temp.row_uuid(123);
TRUNCATE pk_v107.backfill_log;
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107') r;
SELECT e.uuid, e.name, e.provider, e.integration_uuid, s.key AS pinned_to
  FROM pg_temp.endpoints('pk_v107') e
  LEFT JOIN pk_v107.phoenix_kit_settings s ON s.uuid = e.integration_uuid
 WHERE e.uuid IN (pg_temp.row_uuid(101), pg_temp.row_uuid(120), pg_temp.row_uuid(121),
                  pg_temp.row_uuid(122), pg_temp.row_uuid(123))
 ORDER BY e.uuid;
SELECT * FROM pk_v107.backfill_log ORDER BY endpoint;
SELECT pg_temp.version('pk_v107') AS version;

-- A third run finds nothing to do: zeros, the same unpinned list, nothing changed.
SELECT pg_temp.fingerprint_all('pk_v107') AS fp \gset
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_v107') r;
SELECT pg_temp.fingerprint_all('pk_v107') = :'fp' AS unchanged;

---------------------------------------------------------------------------------------
-- 4. The fixture's realistic sample (fixed uuids and dates): the pins its documentation
--    lists under docs/behaviour.md §4 (E1 -> S1, E2 -> S2, E3 -> S4, E4 NULL, E5 -> S7, E6 -> S3).
SELECT pg_temp.pk_fixture('pk_sample', 106);
SELECT pg_temp.pk_fixture_sample('pk_sample');
SELECT jsonb_pretty(r - 'elapsed_ms') FROM pk_migrate_v107_up('pk_sample') r;
SELECT e.name, e.provider, s.key AS pinned_to, s.value_json ->> 'last_validated_at' AS last_validated_at
  FROM pg_temp.endpoints('pk_sample') e
  LEFT JOIN pk_sample.phoenix_kit_settings s ON s.uuid = e.integration_uuid
 ORDER BY e.uuid;

-- Cleanup.
SET client_min_messages = warning;
DROP SCHEMA pk_v107 CASCADE;
DROP SCHEMA pk_sample CASCADE;
DROP TABLE public.phoenix_kit_ai_endpoints, public.phoenix_kit_settings, public.phoenix_kit;
DROP FUNCTION public.uuid_generate_v7();
DROP EXTENSION phoenix_kit_mig;
