-- Helpers shared by the psql-level tests in tests/regress/sql/. Loaded with
--   \i tests/regress/helpers.sql
-- after the fixture (psql runs from the repository root, see scripts/regress.sh).
-- Like the fixture, everything lives in pg_temp: call the functions schema-qualified.
--
--   pg_temp.settings(schema)     every phoenix_kit_settings row, ordered by uuid
--   pg_temp.version(schema)      the comment on <schema>.phoenix_kit (the recorded version)
--   pg_temp.fingerprint(schema)  md5 over every settings row, the version comment and the
--                                list of tables and indexes of the schema: equal before and
--                                after a call means the call changed nothing
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

CREATE FUNCTION pg_temp.fingerprint(schema text)
RETURNS text
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  rows_text text;
  objects   text;
BEGIN
  EXECUTE format(
    'SELECT string_agg(s::text, E''\n'' ORDER BY s.uuid) FROM %I.phoenix_kit_settings s', schema)
    INTO rows_text;
  SELECT string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname)
    INTO objects
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = schema;
  RETURN md5(coalesce(rows_text, '') || '|' || coalesce(pg_temp.version(schema), '<no comment>')
             || '|' || coalesce(objects, ''));
END
$fn$;

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
