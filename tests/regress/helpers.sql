-- Helpers shared by the psql-level tests in tests/regress/sql/. Loaded after the fixture by
-- tests/regress/preamble.sql, which every test file starts with (psql runs from the repository
-- root, see scripts/regress.sh).
-- Like the fixture, everything lives in pg_temp: call the functions schema-qualified.
--
--   pg_temp.settings(schema)     every phoenix_kit_settings row, ordered by uuid
--   pg_temp.version(schema)      the comment on <schema>.phoenix_kit (the recorded version)
--   pg_temp.fingerprint(schema)  the shared fingerprint of every test layer
--                                (tests/fingerprint.sql): equal before and after a call means
--                                the call changed nothing
--   pg_temp.set_version(schema, text)  COMMENT ON TABLE <schema>.phoenix_kit IS text
--                                (NULL removes the comment)
--   pg_temp.row_uuid(n)          '01900000-0000-7000-8000-<n in 8 digits>0000' (UUIDv7-looking;
--                                n orders them, and V114 down's suffix, characters 25-32 of
--                                the uuid, is n in 8 digits: row_uuid(2) -> '-00000002')
--   pg_temp.day(n)               2026-01-01 00:00:00+00 plus n days

CREATE FUNCTION pg_temp.settings(schema text)
RETURNS TABLE (uuid uuid, key varchar, module varchar, value varchar, value_json jsonb,
               date_added timestamptz, date_updated timestamptz)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT uuid, key, module, value, value_json, date_added, date_updated
       FROM %I.phoenix_kit_settings ORDER BY uuid', schema);
END
$fn$;

CREATE FUNCTION pg_temp.version(schema text)
RETURNS text
LANGUAGE sql STABLE AS $fn$
  SELECT pg_catalog.obj_description(c.oid, 'pg_class')
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = schema AND c.relname = 'phoenix_kit'
$fn$;

CREATE FUNCTION pg_temp.set_version(schema text, version text)
RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  EXECUTE format('COMMENT ON TABLE %I.phoenix_kit IS %L', schema, version);
END
$fn$;

\i tests/regress/fingerprint_function.sql
CREATE FUNCTION pg_temp.fingerprint(schema text)
RETURNS text
LANGUAGE sql STABLE AS $fn$ SELECT pg_temp.pk_fingerprint(schema) $fn$;

CREATE FUNCTION pg_temp.row_uuid(n int)
RETURNS uuid
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT ('01900000-0000-7000-8000-' || lpad(n::text, 8, '0') || '0000')::uuid
$fn$;

CREATE FUNCTION pg_temp.day(n int)
RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT '2026-01-01 00:00:00+00'::timestamptz + make_interval(days => n)
$fn$;

-- Helpers for the V107 tests and pk_migration_status (appended; the ones above are unchanged).
--
--   pg_temp.endpoint(schema, n, name, provider)  one phoenix_kit_ai_endpoints row with uuid
--                                row_uuid(n), inserted_at day(n) and updated_at day(n) + 1 hour
--                                (fixed, so that "updated_at untouched" is visible); its uuid
--   pg_temp.endpoints(schema)    every endpoint row (uuid, name, provider, integration_uuid,
--                                updated_at), ordered by uuid; integration_uuid is NULL when the
--                                column does not exist (see pg_temp.endpoint_shape)
--   pg_temp.endpoint_shape(schema)  what V107 adds, as the catalog has it: the integration_uuid
--                                column (type, NOT NULL, default, foreign keys) and every index
--                                of phoenix_kit_ai_endpoints with its pg_indexes definition
--   pg_temp.fingerprint_all(schema)  the same shared fingerprint (the name the V107 tests use)

CREATE FUNCTION pg_temp.endpoint(schema text, n int, name text, provider text)
RETURNS uuid
LANGUAGE plpgsql AS $fn$
DECLARE
  new_uuid uuid := pg_temp.pk_fixture_endpoint(schema, name, provider, pg_temp.row_uuid(n));
BEGIN
  EXECUTE format('UPDATE %I.phoenix_kit_ai_endpoints SET inserted_at = $1, updated_at = $1 + interval ''1 hour''
                   WHERE uuid = $2', schema)
    USING pg_temp.day(n), new_uuid;
  RETURN new_uuid;
END
$fn$;

CREATE FUNCTION pg_temp.endpoints(schema text)
RETURNS TABLE (uuid uuid, name varchar, provider varchar, integration_uuid uuid, updated_at timestamptz)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT e.uuid, e.name, e.provider, (to_jsonb(e) ->> ''integration_uuid'')::uuid, e.updated_at
       FROM %I.phoenix_kit_ai_endpoints e ORDER BY e.uuid', schema);
END
$fn$;

CREATE FUNCTION pg_temp.endpoint_shape(schema text)
RETURNS TABLE (object text, definition text)
LANGUAGE sql STABLE AS $fn$
  SELECT 'column ' || a.attname,
         format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' nullable' END
         || CASE WHEN a.atthasdef THEN ' DEFAULT ' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) ELSE ', no default' END
         || ', ' || (SELECT count(*) FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid = a.attrelid AND k.contype = 'f' AND a.attnum = ANY (k.conkey))
         || ' foreign key(s)'
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE n.nspname = schema AND c.relname = 'phoenix_kit_ai_endpoints'
     AND a.attname = 'integration_uuid' AND NOT a.attisdropped
  UNION ALL
  SELECT 'index ' || i.indexname, i.indexdef
    FROM pg_catalog.pg_indexes i
   WHERE i.schemaname = schema AND i.tablename = 'phoenix_kit_ai_endpoints'
  ORDER BY 1
$fn$;

CREATE FUNCTION pg_temp.fingerprint_all(schema text)
RETURNS text
LANGUAGE sql STABLE AS $fn$ SELECT pg_temp.pk_fingerprint(schema) $fn$;

-- pg_temp.report_brief(report) → one row: the report's migration, version_before, version_after,
-- dry_run, and every other field except elapsed_ms in `rest` (left_unpinned as a count).
CREATE FUNCTION pg_temp.report_brief(r jsonb)
RETURNS TABLE (migration text, version_before int, version_after int, dry_run boolean, rest jsonb)
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT r ->> 'migration', (r ->> 'version_before')::int, (r ->> 'version_after')::int, (r ->> 'dry_run')::boolean,
         (r - ARRAY['migration', 'schema', 'version_before', 'version_after', 'dry_run', 'elapsed_ms'])
         || CASE WHEN r ? 'left_unpinned'
                 THEN jsonb_build_object('left_unpinned', jsonb_array_length(r -> 'left_unpinned'))
                 ELSE '{}' END
$fn$;
