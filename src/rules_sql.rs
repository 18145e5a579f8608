//! The pure rules of `phoenix_kit_mig_core`, exposed as IMMUTABLE SQL functions so that each
//! migration stays one set-based statement inside PostgreSQL that calls them per row.
//!
//! They live in the schema `phoenix_kit_mig_internal`, which the extension creates (so it
//! cannot install into a schema someone prepared) and in which only the extension's owner can
//! create objects: no other role can plant a function there that a migration would call
//! instead or that would make a call ambiguous, even when the extension's own schema is
//! writable by others. They are not part of the documented SQL surface.
use phoenix_kit_mig_core as rules;
use pgrx::prelude::*;

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

    #[pg_test]
    fn parse_integration_key_is_immutable_strict_parallel_safe_and_public() {
        let (volatility, strict, parallel) = Spi::get_three::<String, bool, String>(
            "SELECT provolatile::text, proisstrict, proparallel::text FROM pg_proc WHERE proname = 'pk_parse_integration_key'",
        )
        .unwrap();
        assert_eq!((volatility.as_deref(), strict, parallel.as_deref()), (Some("i"), Some(true), Some("s")));
        assert_eq!(
            Spi::get_one::<bool>("SELECT has_function_privilege('public', 'pk_parse_integration_key(text)', 'EXECUTE')").unwrap(),
            Some(true)
        );
        assert_eq!(Spi::get_one::<bool>("SELECT pk_parse_integration_key(NULL) IS NULL").unwrap(), Some(true));
    }
}
