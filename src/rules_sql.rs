//! The pure rules of `phoenix_kit_mig_core`, exposed as IMMUTABLE SQL functions so that each
//! migration stays one set-based statement inside PostgreSQL that calls them per row.
//!
//! They live in the schema `phoenix_kit_mig_internal`, which the extension creates (so it
//! cannot install into a schema someone prepared) and in which only the extension's owner can
//! create objects: no other role can plant a function there that a migration would call
//! instead or that would make a call ambiguous, even when the extension's own schema is
//! writable by others. They are not part of the documented SQL surface.
use pgrx::prelude::*;
use phoenix_kit_mig_core as rules;

extension_sql!(
    r#"
CREATE SCHEMA phoenix_kit_mig_internal;
COMMENT ON SCHEMA phoenix_kit_mig_internal IS
    'phoenix_kit_mig''s internal helpers (pure, IMMUTABLE rules called by the migrations). Not an API.';
-- Every role that runs a migration calls these helpers; nobody but the owner creates here.
GRANT USAGE ON SCHEMA phoenix_kit_mig_internal TO PUBLIC;
"#,
    name = "internal_schema",
    bootstrap
);

#[pg_schema]
pub mod phoenix_kit_mig_internal {
    use super::rules;
    use pgrx::prelude::*;
    use pgrx::{Internal, PgMemoryContexts};

    /// Provider of an integration key; NULL when the key is not an integration key or is malformed.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn pk_integration_key_provider(key: &str) -> Option<&str> {
        rules::parse_integration_key(key).and_then(|k| k.provider)
    }

    /// Name of an integration key (`default` for the legacy shape); NULL when not an integration key.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn pk_integration_key_name(key: &str) -> Option<&str> {
        rules::parse_integration_key(key).map(|k| k.name)
    }

    /// V114 up's provider for a row (docs/behaviour.md §6): NULL when it would be empty.
    #[pg_extern(immutable, parallel_safe)]
    fn pk_v114_provider<'a>(key: Option<&'a str>, json_provider: Option<&'a str>) -> Option<&'a str> {
        rules::v114_provider(key?, json_provider)
    }

    /// V114 up's name for a row (docs/behaviour.md §6).
    #[pg_extern(immutable, parallel_safe)]
    fn pk_v114_name<'a>(key: Option<&'a str>, json_name: Option<&'a str>) -> Option<&'a str> {
        Some(rules::v114_name(key?, json_name))
    }

    /// V114 down's key (docs/behaviour.md §7): `integration:<provider>:<name>`, suffixed with the uuid's tail
    /// when `suffix_uuid` is not NULL.
    #[pg_extern(immutable, parallel_safe)]
    fn pk_v114_composite_key(provider: Option<&str>, name: Option<&str>, suffix_uuid: Option<pgrx::Uuid>) -> Option<String> {
        let suffix = suffix_uuid.map(|u| uuid::Uuid::from_bytes(*u.as_bytes()));
        Some(rules::composite_key(provider?, name?, suffix.as_ref()))
    }

    /// V107's candidate test: the provider of an `integration:<provider>:<anything>` key, else NULL.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn pk_named_key_provider(key: &str) -> Option<&str> {
        rules::named_key_provider(key)
    }

    /// V107's ranking: `last_validated_at` as microseconds since the Unix epoch, NULL when unparseable.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn pk_timestamp_micros(value: &str) -> Option<i64> {
        rules::parse_timestamp_micros(value)
    }

    /// V107's uuid-valued provider: the uuid when the text is one (any case), else NULL.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn pk_text_to_uuid(value: &str) -> Option<pgrx::Uuid> {
        rules::parse_hyphenated_uuid(value).map(|u| pgrx::Uuid::from_bytes(*u.as_bytes()))
    }

    /// The transition of `pk_latest_validated(last_validated_at text, uuid)`: offers one
    /// candidate row to the provider's running choice (rules::LatestValidated), kept in the
    /// aggregate's memory context. One call per candidate and no sort of all candidates:
    /// the `DISTINCT ON … ORDER BY` this replaces sorted every integration row (an external
    /// sort at 10^6 rows).
    #[pg_extern(immutable, parallel_safe)]
    fn pk_latest_validated_step(state: Internal, last_validated_at: Option<&str>, uuid: Option<pgrx::Uuid>, fcinfo: pg_sys::FunctionCallInfo) -> Internal {
        let mut state = state;
        // SAFETY: PostgreSQL passes this function's own state back (STYPE internal, created
        // below and nowhere else); it lives in the aggregate's context, which outlives the group.
        unsafe {
            if !state.initialized() {
                let mut agg_context: pg_sys::MemoryContext = std::ptr::null_mut();
                if pg_sys::AggCheckCallContext(fcinfo, &mut agg_context) == 0 {
                    pgrx::error!("pk_latest_validated_step is the transition of an aggregate and cannot be called directly");
                }
                let fresh = PgMemoryContexts::For(agg_context).leak_and_drop_on_delete(rules::LatestValidated::default());
                state = Internal::from(Some(pg_sys::Datum::from(fresh)));
            }
            let chosen = state.get_mut::<rules::LatestValidated>().expect("initialized above");
            chosen.offer((last_validated_at.and_then(rules::parse_timestamp_micros), uuid.map(|u| *u.as_bytes())));
        }
        state
    }

    /// The result of `pk_latest_validated`: the chosen row's uuid (NULL for no candidate).
    #[pg_extern(immutable, parallel_safe)]
    fn pk_latest_validated_final(state: Internal) -> Option<pgrx::Uuid> {
        // SAFETY: the state is pk_latest_validated_step's (see there).
        unsafe { state.get::<rules::LatestValidated>() }.and_then(|l| l.winner()).map(pgrx::Uuid::from_bytes)
    }

    /// The result of `pk_latest_validated_top2`: the chosen row's uuid and the runner-up's
    /// (the plan preview shows both); shorter when there are fewer candidates.
    #[pg_extern(immutable, parallel_safe)]
    fn pk_latest_validated_top2_final(state: Internal) -> Option<Vec<pgrx::Uuid>> {
        // SAFETY: the state is pk_latest_validated_step's (see there).
        let l = unsafe { state.get::<rules::LatestValidated>() }?;
        Some([l.winner(), l.runner_up()].into_iter().flatten().map(pgrx::Uuid::from_bytes).collect())
    }

    extension_sql!(
        r#"
CREATE AGGREGATE phoenix_kit_mig_internal.pk_latest_validated(last_validated_at text, uuid uuid) (
    SFUNC = phoenix_kit_mig_internal.pk_latest_validated_step,
    STYPE = internal,
    FINALFUNC = phoenix_kit_mig_internal.pk_latest_validated_final
);
COMMENT ON AGGREGATE phoenix_kit_mig_internal.pk_latest_validated(text, uuid) IS
    'V107''s latest-validated rule per group: the uuid of the row with the latest parseable last_validated_at, ties and unparseable ones to the smallest uuid.';
-- Only this aggregate may use its support functions: another aggregate of type internal built
-- on them (CREATE AGGREGATE needs EXECUTE on them) could hand them a state of another shape.
-- PostgreSQL checks the aggregate owner's EXECUTE, not the caller's, so every role can still
-- call pk_latest_validated.
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_step(internal, text, uuid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_final(internal) FROM PUBLIC;
CREATE AGGREGATE phoenix_kit_mig_internal.pk_latest_validated_top2(last_validated_at text, uuid uuid) (
    SFUNC = phoenix_kit_mig_internal.pk_latest_validated_step,
    STYPE = internal,
    FINALFUNC = phoenix_kit_mig_internal.pk_latest_validated_top2_final
);
COMMENT ON AGGREGATE phoenix_kit_mig_internal.pk_latest_validated_top2(text, uuid) IS
    'pk_latest_validated''s choice and its runner-up, in the rule''s order, as uuid[] (for pk_migration_plan).';
REVOKE EXECUTE ON FUNCTION phoenix_kit_mig_internal.pk_latest_validated_top2_final(internal) FROM PUBLIC;
"#,
        name = "pk_latest_validated",
        requires = [pk_latest_validated_step, pk_latest_validated_final, pk_latest_validated_top2_final]
    );
}

extension_sql!(
    r#"
CREATE FUNCTION pk_parse_integration_key(key text, OUT provider text, OUT name text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT phoenix_kit_mig_internal.pk_integration_key_provider(key::text), phoenix_kit_mig_internal.pk_integration_key_name(key::text) $$;
COMMENT ON FUNCTION pk_parse_integration_key(text) IS
    'Splits integration:<provider>:<name> (phoenix_kit_mig README, "Integration keys"). NULL provider and name for a key that is not an integration key; NULL provider for a malformed one.';
"#,
    name = "pk_parse_integration_key",
    requires = [phoenix_kit_mig_internal::pk_integration_key_provider, phoenix_kit_mig_internal::pk_integration_key_name]
);

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn parse(key: &str) -> (Option<String>, Option<String>) {
        Spi::get_two_with_args("SELECT provider, name FROM pk_parse_integration_key($1)", &[key.into()]).unwrap()
    }

    #[pg_test]
    fn parse_integration_key_from_sql() {
        assert_eq!(parse("integration:google:default"), (Some("google".into()), Some("default".into())));
        assert_eq!(parse("integration:google"), (Some("google".into()), Some("default".into())));
        assert_eq!(parse("integration:google:"), (Some("google".into()), Some("default".into())));
        assert_eq!(parse("integration:openrouter:a:b"), (Some("openrouter".into()), Some("a:b".into())));
        assert_eq!(parse("integration::x"), (None, Some("x".into())));
        assert_eq!(parse("Integration:google:x"), (None, None));
        assert_eq!(parse("site_name"), (None, None));
    }

    /// The aggregate picks, per provider, what `DISTINCT ON … ORDER BY validated_at DESC NULLS
    /// LAST, uuid` picks, on timestamps in every shape the rule meets: several formats of one
    /// instant, offsets, unparseable text, JSON non-strings, missing values, ties.
    #[pg_test]
    fn latest_validated_aggregate_agrees_with_sorting() {
        Spi::run(
            r#"
CREATE TEMP TABLE cand AS
SELECT (md5(g::text)::uuid) AS uuid, 'p' || (g % 7) AS provider,
       CASE g % 9
         WHEN 0 THEN NULL
         WHEN 1 THEN 'not a date'
         WHEN 2 THEN format('2025-0%s-1%sT12:00:00Z', 1 + g % 5, g % 3)
         WHEN 3 THEN format('2025-0%s-1%sT14:00:00+02:00', 1 + g % 5, g % 3)
         WHEN 4 THEN format('2025-0%s-1%sT12:00:00.000001Z', 1 + g % 5, g % 3)
         WHEN 5 THEN format('2025-0%s-1%s 12:00:00', 1 + g % 5, g % 3)
         WHEN 6 THEN ''
         ELSE format('2025-0%s-1%sT12:00:00.5Z', 1 + g % 4, g % 2) END AS validated_text
  FROM generate_series(1, 3000) g"#,
        )
        .unwrap();
        let differing = Spi::get_one::<i64>(
            r#"
WITH agg AS (
    SELECT provider, phoenix_kit_mig_internal.pk_latest_validated(validated_text, uuid) AS uuid FROM cand GROUP BY provider
), sorted AS (
    SELECT DISTINCT ON (provider) provider, uuid FROM cand
     ORDER BY provider, phoenix_kit_mig_internal.pk_timestamp_micros(validated_text) DESC NULLS LAST, uuid
)
SELECT count(*) FROM agg FULL JOIN sorted USING (provider) WHERE agg.uuid IS DISTINCT FROM sorted.uuid"#,
        )
        .unwrap();
        assert_eq!(differing, Some(0));
        let differing = Spi::get_one::<i64>(
            r#"
WITH agg AS (
    SELECT provider, phoenix_kit_mig_internal.pk_latest_validated_top2(validated_text, uuid) AS top FROM cand GROUP BY provider
), sorted AS (
    SELECT provider, array_agg(uuid ORDER BY rn) AS top
      FROM (SELECT provider, uuid, row_number() OVER (PARTITION BY provider
                   ORDER BY phoenix_kit_mig_internal.pk_timestamp_micros(validated_text) DESC NULLS LAST, uuid) AS rn FROM cand) r
     WHERE rn <= 2 GROUP BY provider
)
SELECT count(*) FROM agg FULL JOIN sorted USING (provider) WHERE agg.top IS DISTINCT FROM sorted.top"#,
        )
        .unwrap();
        assert_eq!(differing, Some(0));
        assert_eq!(Spi::get_one::<i64>("SELECT count(DISTINCT provider) FROM cand").unwrap(), Some(7));
        // No candidate at all: NULL, as DISTINCT ON would give no row.
        assert_eq!(
            Spi::get_one::<bool>("SELECT phoenix_kit_mig_internal.pk_latest_validated(validated_text, uuid) IS NULL FROM cand WHERE false").unwrap(),
            Some(true)
        );
    }

    /// Its support functions take and return `internal`: only the aggregate may call them.
    #[pg_test]
    fn latest_validated_support_functions_are_not_public() {
        for f in ["pk_latest_validated_step(internal, text, uuid)", "pk_latest_validated_final(internal)", "pk_latest_validated_top2_final(internal)"] {
            let public = Spi::get_one::<bool>(&format!("SELECT has_function_privilege('public', 'phoenix_kit_mig_internal.{f}', 'EXECUTE')")).unwrap();
            assert_eq!(public, Some(false), "{f}");
        }
        let aggregate =
            Spi::get_one::<bool>("SELECT has_function_privilege('public', 'phoenix_kit_mig_internal.pk_latest_validated(text, uuid)', 'EXECUTE')").unwrap();
        assert_eq!(aggregate, Some(true));
    }

    #[pg_test]
    fn parse_integration_key_is_immutable_strict_parallel_safe_and_public() {
        let (volatility, strict, parallel) = Spi::get_three::<String, bool, String>(
            "SELECT provolatile::text, proisstrict, proparallel::text FROM pg_proc WHERE proname = 'pk_parse_integration_key'",
        )
        .unwrap();
        assert_eq!((volatility.as_deref(), strict, parallel.as_deref()), (Some("i"), Some(true), Some("s")));
        assert_eq!(Spi::get_one::<bool>("SELECT has_function_privilege('public', 'pk_parse_integration_key(text)', 'EXECUTE')").unwrap(), Some(true));
        assert_eq!(Spi::get_one::<bool>("SELECT pk_parse_integration_key(NULL) IS NULL").unwrap(), Some(true));
    }
}
