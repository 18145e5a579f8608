-- Helpers for the reliability suite (tests/reliability/*.t), loaded into a psql session
-- after tests/fixtures/phoenix_kit_fixture.sql (lib.sh: qfx / state_fx). Like the fixture,
-- every object lives in pg_temp: nothing persists past the session, nothing lands in the
-- extension's schema, and no session setting is changed (each function pins its own
-- search_path and client_min_messages with SET clauses, restored on return).

-- ---------------------------------------------------------------------------------------
-- rel_cells(schema, table): one checksum per cell, i.e. per (row uuid, column), plus one per
-- (row uuid, 'value_json.<json key>') for every key of an object value_json. Comparing two
-- such sets shows exactly which columns and which JSON keys of which rows changed.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.rel_cells(s text, t text)
RETURNS TABLE (id uuid, col text, sum text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
  has_vj boolean := EXISTS (
    SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = s AND c.relname = t AND a.attname = 'value_json' AND NOT a.attisdropped);
BEGIN
  RETURN QUERY EXECUTE format($q$
    SELECT r.uuid, c.key, md5(c.value::text) FROM %1$I.%2$I r, jsonb_each(to_jsonb(r)) c
  $q$, s, t);
  IF has_vj THEN
    RETURN QUERY EXECUTE format($q$
      SELECT r.uuid, 'value_json.' || j.key, md5(j.value::text)
        FROM %1$I.%2$I r,
             jsonb_each(CASE WHEN jsonb_typeof(r.value_json) = 'object' THEN r.value_json ELSE '{}'::jsonb END) j
    $q$, s, t);
  END IF;
END
$fn$;

-- rel_snapshot(schema, table, into): stores rel_cells into the (new) table `into`
-- (schema-qualified, e.g. 'rel_x_snap.settings').
CREATE FUNCTION pg_temp.rel_snapshot(s text, t text, into_table text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $fn$
DECLARE n bigint;
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %s', into_table);
  EXECUTE format('CREATE TABLE %s AS SELECT * FROM pg_temp.rel_cells(%L, %L)', into_table, s, t);
  EXECUTE format('CREATE INDEX ON %s (id, col)', into_table);
  EXECUTE format('SELECT count(DISTINCT id) FROM %s', into_table) INTO n;
  RETURN n;
END
$fn$;

-- rel_diff(snapshot, schema, table): every cell that differs between the snapshot and now
-- (appeared, disappeared or changed). `row_state` says whether the row itself exists in
-- both ('both'), only before ('lost') or only after ('new').
CREATE FUNCTION pg_temp.rel_diff(snap text, s text, t text)
RETURNS TABLE (id uuid, col text, row_state text)
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  RETURN QUERY EXECUTE format($q$
    WITH now_cells AS (SELECT * FROM pg_temp.rel_cells(%2$L, %3$L)),
         before_ids AS (SELECT DISTINCT b.id FROM %1$s b),
         now_ids AS (SELECT DISTINCT n.id FROM now_cells n)
    SELECT COALESCE(b.id, n.id), COALESCE(b.col, n.col),
           CASE WHEN COALESCE(b.id, n.id) NOT IN (SELECT id FROM now_ids) THEN 'lost'
                WHEN COALESCE(b.id, n.id) NOT IN (SELECT id FROM before_ids) THEN 'new'
                ELSE 'both' END
      FROM %1$s b FULL JOIN now_cells n ON n.id = b.id AND n.col = b.col
     WHERE b.sum IS DISTINCT FROM n.sum
  $q$, snap, s, t);
END
$fn$;

-- ---------------------------------------------------------------------------------------
-- rel_fp(schema): the shared fingerprint of every test layer (tests/fingerprint.sql), as one
-- row (part 'all'). REL_DIR is exported by lib.sh.
-- ---------------------------------------------------------------------------------------
-- By absolute path: this file is also fed to psql on stdin (lib.sh bg), where \ir would
-- resolve against the working directory.
\set pk_fingerprint_file `echo "$REL_DIR/../fingerprint.sql"`
\i :pk_fingerprint_file
CREATE FUNCTION pg_temp.rel_fp(s text)
RETURNS TABLE (part text, sum text)
LANGUAGE sql STABLE
AS $fn$ SELECT 'all'::text, pg_temp.pk_fingerprint(s) $fn$;

-- ---------------------------------------------------------------------------------------
-- rel_populate(schema, n, tag, with_analyze): n integration settings rows in every shape PhoenixKit has
-- written (docs/behaviour.md §3/§6 cases, docs/upstream.md §4), n/4 other settings that no migration may touch,
-- and n/4 AI endpoints whose providers exercise every V107 rule (§4 step 3). Uuids are
-- deterministic (md5 of tag, schema and row number), so two runs build the same data.
-- Integration key shapes by i % 10:
--   0 named key, full object (provider/name/api_key/status/metadata/last_validated_at)
--   1 named key, JSON provider only (name filled from the key)
--   2 named key, JSON provider and name "" (both filled)
--   3 named key, JSON null provider/name plus other keys
--   4 legacy V0 key integration:legacyN (name "default")
--   5 name containing ':' (integration:provN:team:i), no JSON name
--   6 old save_setup bug: JSON provider = composite remainder (repaired)
--   7 empty name (integration:emptyN:), value_json JSON null
--   8 unicode name, JSON provider/name that differ from the key (JSON wins)
--   9 value_json SQL NULL
-- module: NULL for i % 7 = 0, 'legacy' for i % 7 = 1, else 'integrations'.
-- Other settings: plain values, 'integrations_enabled…', case-different 'Integration:…',
-- ' integration:…' with a leading blank, and already-migrated uuid keys with a non-integrations module.
-- Endpoints (i % 8): provider provN (latest-validated rule), an exact composite key, an
-- upper-case uuid of an integration row, a uuid of a non-integration row, 'nomatch',
-- '' (empty), legacyN (only the legacy row exists: no candidate), a provider with ':' that
-- has no row.
-- ---------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.rel_populate(s text, n int, tag text DEFAULT 'rel', with_analyze boolean DEFAULT true)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
  EXECUTE format($q$
    INSERT INTO %1$I.phoenix_kit_settings (key, value, value_json, module, uuid, date_added, date_updated)
    SELECT CASE i %% 10
             WHEN 4 THEN format('integration:legacy%%s', i)
             WHEN 5 THEN format('integration:prov%%s:team:%%s', i %% 23, i)
             WHEN 7 THEN format('integration:empty%%s:', i)
             WHEN 8 THEN format('integration:prov%%s:ünï-%%s 🦀', i %% 23, i)
             ELSE format('integration:prov%%s:conn%%s', i %% 23, i) END,
           CASE WHEN i %% 13 = 0 THEN 'legacy value ' || i END,
           CASE i %% 10
             WHEN 0 THEN jsonb_build_object('provider', 'prov' || i %% 23, 'name', 'conn' || i, 'auth_type', 'api_key',
                           'api_key', 'enc:v1:' || md5(i::text), 'status', 'connected', 'validation_status', 'ok',
                           'metadata', jsonb_build_object('n', i, 'tags', jsonb_build_array('a', i, NULL, true)),
                           'last_validated_at', CASE i %% 4 WHEN 0 THEN format('2026-04-%%sT10:00:00Z', 10 + i %% 20)
                                                            WHEN 1 THEN format('2026-04-%%sT10:00:00.%%sZ', 10 + i %% 20, i %% 999999)
                                                            WHEN 2 THEN format('2026-04-%%sT12:00:00+02:00', 10 + i %% 20)
                                                            ELSE 'garbage' END)
             WHEN 1 THEN jsonb_build_object('provider', 'prov' || i %% 23, 'status', 'configured',
                           'last_validated_at', format('2026-03-%%sT08:00:00Z', 10 + i %% 19))
             WHEN 2 THEN jsonb_build_object('provider', '', 'name', '', 'api_key', 'enc:v1:x')
             WHEN 3 THEN jsonb_build_object('provider', NULL, 'name', NULL, 'status', 'error', 'n', i)
             WHEN 4 THEN jsonb_build_object('provider', 'legacy' || i, 'auth_type', 'oauth2', 'client_id', i || '.apps')
             WHEN 5 THEN jsonb_build_object('auth_type', 'api_key', 'last_validated_at', '2026-01-15T12:00:00+00:00')
             WHEN 6 THEN jsonb_build_object('provider', format('prov%%s:conn%%s', i %% 23, i), 'status', 'configured')
             WHEN 7 THEN 'null'::jsonb
             WHEN 8 THEN jsonb_build_object('provider', 'Custom ' || i %% 5, 'name', 'Display ünï ' || i, 'x', 'y')
             ELSE NULL END,
           CASE i %% 7 WHEN 0 THEN NULL WHEN 1 THEN 'legacy' ELSE 'integrations' END,
           md5(%2$L || %1$L || i)::uuid,
           timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute',
           timestamptz '2025-06-01 00:00:00+00' + i * interval '1 second'
      FROM generate_series(1, %3$s) i
  $q$, s, tag, n);

  EXECUTE format($q$
    INSERT INTO %1$I.phoenix_kit_settings (key, value, value_json, module, uuid, date_added, date_updated)
    SELECT CASE i %% 5
             WHEN 0 THEN 'setting_' || i
             WHEN 1 THEN 'integrations_enabled_' || i
             WHEN 2 THEN 'Integration:prov1:x' || i
             WHEN 3 THEN ' integration:prov1:x' || i
             ELSE md5(%2$L || 'other' || %1$L || i)::uuid::text END,
           'value ' || i,
           CASE WHEN i %% 3 = 0 THEN jsonb_build_object('provider', 'p', 'name', 'n', 'v', i) END,
           CASE i %% 5 WHEN 4 THEN 'system' WHEN 1 THEN 'integrations' ELSE 'system' END,
           md5(%2$L || 'other' || %1$L || i)::uuid,
           timestamptz '2025-02-01 00:00:00+00' + i * interval '1 minute',
           timestamptz '2025-02-01 00:00:00+00' + i * interval '1 minute'
      FROM generate_series(1, GREATEST(%3$s / 4, 1)) i
  $q$, s, tag, n);

  EXECUTE format($q$
    INSERT INTO %1$I.phoenix_kit_ai_endpoints
      (uuid, name, description, provider, api_key, base_url, provider_settings, model, temperature,
       max_tokens, top_p, stop, seed, enabled, sort_order, last_validated_at, inserted_at, updated_at,
       reasoning_enabled, reasoning_effort)
    SELECT md5(%2$L || 'ep' || %1$L || i)::uuid,
           'Endpoint ' || i,
           CASE WHEN i %% 2 = 0 THEN 'desc ' || i END,
           CASE i %% 8
             WHEN 0 THEN 'prov' || i %% 23
             WHEN 1 THEN format('prov%%s:conn%%s', (i * 10) %% %3$s %% 23, (i * 10) %% %3$s)
             WHEN 2 THEN upper(md5(%2$L || %1$L || ((i * 10 + 1) %% %3$s))::uuid::text)
             WHEN 3 THEN md5(%2$L || 'other' || %1$L || 5)::uuid::text
             WHEN 4 THEN 'nomatch'
             WHEN 5 THEN ''
             WHEN 6 THEN 'legacy' || ((i * 10 + 4) %% %3$s)
             ELSE 'prov1:nosuchname' END,
           'enc:v1:' || i, CASE WHEN i %% 3 = 0 THEN 'https://x/' || i END,
           jsonb_build_object('k', i), 'model/' || i %% 7, 0.5, i, 0.9,
           ARRAY['stop' || i], i, i %% 2 = 0, i,
           CASE WHEN i %% 4 = 0 THEN timestamptz '2026-01-01 00:00:00+00' + i * interval '1 s' END,
           timestamptz '2026-01-01 00:00:00+00', timestamptz '2026-01-02 00:00:00+00' + i * interval '1 s',
           i %% 3 = 0, CASE WHEN i %% 3 = 0 THEN 'medium' END
      FROM generate_series(1, GREATEST(%3$s / 4, 1)) i
  $q$, s, tag, n);

  -- Statistics now, so that plans do not depend on when autovacuum gets round to it
  -- (08_stale_statistics.t is about what happens when they are wrong).
  IF with_analyze THEN
    EXECUTE format('ANALYZE %1$I.phoenix_kit_settings, %1$I.phoenix_kit_ai_endpoints', s);
  END IF;
END
$fn$;
