-- Helpers of the isolation specs (tests/isolation/specs/*.spec), loaded by scripts/isolation.sh
-- into schema pk_iso of the suite's database after the fixture, the fingerprint and the
-- reliability suite's rel_populate, which it loads there too (pk_iso.pk_fixture,
-- pk_iso.pk_fingerprint, pk_iso.rel_populate …, pg_temp functions everywhere else).
--
--   CALL pk_iso.build(schema, version, n)
--       the schema a spec works on (below, where it is defined).
--   pk_iso.try(sql) → (sqlstate, within_5s)
--       runs sql; the SQLSTATE of its error ('00000' when it succeeds) and whether it returned
--       within 5 s. isolationtester prints an error's text, DETAIL, HINT and CONTEXT as the
--       server words them; a step that is to fail calls this instead, so the expected output
--       holds the SQLSTATE only. The call runs in a subtransaction that is rolled back on
--       error, as a failed statement would be.
--   pk_iso.settings_unchanged(sql) → (sqlstate, same_four, changed)
--       pk_iso.try(sql) between two readings of this session's settings: whether
--       lock_timeout, statement_timeout, search_path and client_min_messages read the same
--       after it, and every row of pg_settings whose value changed ('' when none did).
--       Neither function has a SET clause, so a setting the call changes stays changed here.

CREATE FUNCTION pk_iso.try(sql text, OUT sqlstate text, OUT within_5s boolean)
LANGUAGE plpgsql AS $fn$
DECLARE
  t0 timestamptz := clock_timestamp();
  code text := '00000';
BEGIN
  BEGIN
    EXECUTE sql;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE;
  END;
  try.sqlstate := code;
  try.within_5s := clock_timestamp() - t0 < interval '5 s';
END
$fn$;

CREATE FUNCTION pk_iso.four_settings() RETURNS text
LANGUAGE sql STABLE AS $fn$
  SELECT concat_ws('|', current_setting('lock_timeout'), current_setting('statement_timeout'),
                   current_setting('search_path'), current_setting('client_min_messages'))
$fn$;

CREATE FUNCTION pk_iso.settings_unchanged(sql text, OUT sqlstate text, OUT same_four boolean, OUT changed text)
LANGUAGE plpgsql AS $fn$
DECLARE
  four text := pk_iso.four_settings();
  before jsonb := (SELECT jsonb_object_agg(name, setting) FROM pg_catalog.pg_settings);
BEGIN
  settings_unchanged.sqlstate := (pk_iso.try(sql)).sqlstate;
  same_four := pk_iso.four_settings() = four;
  SELECT COALESCE(string_agg(COALESCE(b.key, a.name) || ':' || COALESCE(b.value #>> '{}', '<none>') || '->'
                             || COALESCE(a.setting, '<none>'), ', ' ORDER BY COALESCE(b.key, a.name)), '')
    INTO changed
    FROM pg_catalog.pg_settings a FULL JOIN jsonb_each(before) b ON b.key = a.name
   WHERE a.setting IS DISTINCT FROM b.value #>> '{}';
END
$fn$;

-- pk_iso.build(schema, version, n): the fixture's tables in `schema` at `version`, with the
-- fixture's sample (pk_fixture_sample) and, unless n is 0, rel_populate's n integration rows
-- (every shape PhoenixKit has written). At 114 and later the integration rows have the shape V114 up
-- leaves: the uuid as key, provider and name in value_json, module 'integrations'. A
-- procedure, so that a spec's setup prints nothing.
CREATE PROCEDURE pk_iso.build(schema text, version int, n int DEFAULT 400)
LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pk_iso.pk_fixture(schema, version);
  PERFORM pk_iso.pk_fixture_sample(schema);
  IF n > 0 THEN
    PERFORM pk_iso.rel_populate(schema, n);
  END IF;
  IF version >= 114 THEN
    EXECUTE format($q$
      UPDATE %I.phoenix_kit_settings
         SET key = uuid::text,
             value_json = COALESCE(NULLIF(value_json, 'null'), '{}') || '{"provider": "p"}' || jsonb_build_object('name', 'n' || key),
             module = 'integrations'
       WHERE key LIKE 'integration:%%'$q$, schema);
  END IF;
END
$fn$;
