-- phoenix_kit_mig 0.1.0 -> 0.2.0 (ALTER EXTENSION phoenix_kit_mig UPDATE TO '0.2.0').
--
-- After this script a database updated from 0.1.0 holds exactly what a fresh CREATE EXTENSION
-- at 0.2.0 holds (tests/reliability/10_upgrade.t compares both catalogs on every major), and
-- the grants an operator made on the migration functions survive: those functions are not
-- replaced (same signatures, same attributes, same C symbols in the 0.2.0 library).
--
-- What changed in the SQL surface:
--   - the per-row rules moved out of the extension's schema into phoenix_kit_mig_internal,
--     which the extension creates and nobody else can create objects in (no helper can be
--     shadowed or made ambiguous, even when the extension's schema is writable by others);
--     they are no longer part of the public surface;
--   - pk_parse_integration_key calls them there;
--   - new: pk_migration_plan(migration, prefix) and its internal pk_plan_query;
--   - new: the aggregates phoenix_kit_mig_internal.pk_latest_validated and _top2 (V107's
--     latest-validated rule per provider, without a sort of every candidate) and their
--     support functions.
--
-- Generated from `cargo pgrx schema` of 0.2.0 for the new objects; keep it in step with the
-- install script when the surface changes again.

\echo Use "ALTER EXTENSION phoenix_kit_mig UPDATE TO '0.2.0'" to load this file. \quit

-- bootstrap

CREATE SCHEMA phoenix_kit_mig_internal;
COMMENT ON SCHEMA phoenix_kit_mig_internal IS
    'phoenix_kit_mig''s internal helpers (pure, IMMUTABLE rules called by the migrations). Not an API.';
-- Every role that runs a migration calls these helpers; nobody but the owner creates here.
GRANT USAGE ON SCHEMA phoenix_kit_mig_internal TO PUBLIC;

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_v114_composite_key
CREATE  FUNCTION phoenix_kit_mig_internal."pk_v114_composite_key"(
	"provider" TEXT, /* Option < & str > */
	"name" TEXT, /* Option < & str > */
	"suffix_uuid" uuid /* Option < pgrx :: Uuid > */
) RETURNS TEXT /* Option < String > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_v114_composite_key_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_v114_name
CREATE  FUNCTION phoenix_kit_mig_internal."pk_v114_name"(
	"key" TEXT, /* Option < & '_ str > */
	"json_name" TEXT /* Option < & '_ str > */
) RETURNS TEXT /* Option < & '_ str > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_v114_name_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_named_key_provider
CREATE  FUNCTION phoenix_kit_mig_internal."pk_named_key_provider"(
	"key" TEXT /* & str */
) RETURNS TEXT /* Option < & str > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_named_key_provider_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_v114_provider
CREATE  FUNCTION phoenix_kit_mig_internal."pk_v114_provider"(
	"key" TEXT, /* Option < & '_ str > */
	"json_provider" TEXT /* Option < & '_ str > */
) RETURNS TEXT /* Option < & '_ str > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_v114_provider_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_integration_key_provider
CREATE  FUNCTION phoenix_kit_mig_internal."pk_integration_key_provider"(
	"key" TEXT /* & str */
) RETURNS TEXT /* Option < & str > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_integration_key_provider_wrapper';

-- phoenix_kit_mig::plan::pk_plan_query
CREATE  FUNCTION phoenix_kit_mig_internal."pk_plan_query"(
	"migration" TEXT, /* Option < & str > */
	"prefix" TEXT /* Option < & str > */
) RETURNS TEXT /* String */
VOLATILE SECURITY INVOKER PARALLEL UNSAFE 
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_plan_query_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_integration_key_name
CREATE  FUNCTION phoenix_kit_mig_internal."pk_integration_key_name"(
	"key" TEXT /* & str */
) RETURNS TEXT /* Option < & str > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_integration_key_name_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_text_to_uuid
CREATE  FUNCTION phoenix_kit_mig_internal."pk_text_to_uuid"(
	"value" TEXT /* & str */
) RETURNS uuid /* Option < pgrx :: Uuid > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_text_to_uuid_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_timestamp_micros
CREATE  FUNCTION phoenix_kit_mig_internal."pk_timestamp_micros"(
	"value" TEXT /* & str */
) RETURNS bigint /* Option < i64 > */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_timestamp_micros_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_latest_validated_step
CREATE  FUNCTION phoenix_kit_mig_internal."pk_latest_validated_step"(
	"state" internal, /* Internal */
	"last_validated_at" TEXT, /* Option < & str > */
	"uuid" uuid /* Option < pgrx :: Uuid > */
) RETURNS internal /* Internal */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_latest_validated_step_wrapper';

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_latest_validated_final
CREATE  FUNCTION phoenix_kit_mig_internal."pk_latest_validated_final"(
	"state" internal /* Internal */
) RETURNS uuid /* Option < pgrx :: Uuid > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_latest_validated_final_wrapper';

CREATE AGGREGATE phoenix_kit_mig_internal.pk_latest_validated(last_validated_at text, uuid uuid) (
    SFUNC = phoenix_kit_mig_internal.pk_latest_validated_step,
    STYPE = internal,
    FINALFUNC = phoenix_kit_mig_internal.pk_latest_validated_final
);
COMMENT ON AGGREGATE phoenix_kit_mig_internal.pk_latest_validated(text, uuid) IS
    'V107''s latest-validated rule per group: the uuid of the row with the latest parseable last_validated_at, ties and unparseable ones to the smallest uuid.';
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_step(internal, text, uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_final(internal) FROM PUBLIC;

-- phoenix_kit_mig::rules_sql::phoenix_kit_mig_internal::pk_latest_validated_top2_final
CREATE  FUNCTION phoenix_kit_mig_internal."pk_latest_validated_top2_final"(
	"state" internal /* Internal */
) RETURNS uuid[] /* Option < Vec < pgrx :: Uuid > > */
IMMUTABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'pk_latest_validated_top2_final_wrapper';

CREATE AGGREGATE phoenix_kit_mig_internal.pk_latest_validated_top2(last_validated_at text, uuid uuid) (
    SFUNC = phoenix_kit_mig_internal.pk_latest_validated_step,
    STYPE = internal,
    FINALFUNC = phoenix_kit_mig_internal.pk_latest_validated_top2_final
);
COMMENT ON AGGREGATE phoenix_kit_mig_internal.pk_latest_validated_top2(text, uuid) IS
    'pk_latest_validated''s choice and its runner-up, in the rule''s order, as uuid[] (for pk_migration_plan).';
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_top2_final(internal) FROM PUBLIC;

CREATE OR REPLACE FUNCTION pk_parse_integration_key(key text, OUT provider text, OUT name text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT phoenix_kit_mig_internal.pk_integration_key_provider(key::text), phoenix_kit_mig_internal.pk_integration_key_name(key::text) $$;
COMMENT ON FUNCTION pk_parse_integration_key(text) IS
    'Splits integration:<provider>:<name> (phoenix_kit_mig README, "Integration keys"). NULL provider and name for a key that is not an integration key; NULL provider for a malformed one.';

CREATE FUNCTION pk_migration_plan(migration text, prefix text DEFAULT 'public')
RETURNS TABLE (relation text, row_uuid uuid, action text, before jsonb, after jsonb, reason text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET enable_nestloop = off
SET jit = off
AS $fn$
BEGIN
  RETURN QUERY EXECUTE phoenix_kit_mig_internal.pk_plan_query(migration::text, prefix::text);
END
$fn$;
COMMENT ON FUNCTION pk_migration_plan(text, text) IS
    'What a migration would do if run now with force => true, row by row: rewrite, pin, leave_unpinned, unpin, blocked, ddl, stamp. Read-only.';

-- The 0.1.0 helpers in the extension's own schema: replaced by those of phoenix_kit_mig_internal.
DROP FUNCTION @extschema@.pk_integration_key_provider(text);
DROP FUNCTION @extschema@.pk_integration_key_name(text);
DROP FUNCTION @extschema@.pk_v114_provider(text, text);
DROP FUNCTION @extschema@.pk_v114_name(text, text);
DROP FUNCTION @extschema@.pk_v114_composite_key(text, text, uuid);
DROP FUNCTION @extschema@.pk_named_key_provider(text);
DROP FUNCTION @extschema@.pk_timestamp_micros(text);
DROP FUNCTION @extschema@.pk_text_to_uuid(text);
