//! Integration key parsing (docs/behaviour.md §3).
//!
//! Everything here borrows from the input: these functions back IMMUTABLE SQL
//! functions evaluated once per row inside set-based UPDATEs, so they must not
//! allocate and must not panic. Only byte-level `':'` splitting is used, which is
//! always on a char boundary, so any UTF-8 input is safe.

/// The exact, case-sensitive prefix that makes a settings key an integration key.
pub const INTEGRATION_PREFIX: &str = "integration:";

/// Name used when the key carries none (legacy `integration:<provider>`) or an empty one.
pub const DEFAULT_NAME: &str = "default";

/// Result of parsing an integration key. `provider` is None when the key is malformed (empty provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedKey<'a> {
    pub provider: Option<&'a str>,
    pub name: &'a str,
}

/// Splits the remainder R into (provider, raw name). The raw name is everything
/// after the *first* ':' — kept whole so that `integration:a:b:c` loses nothing
/// (upstream kept only `b`; docs/behaviour.md §10 first row). `None` name means R had no ':'.
#[inline]
fn split_remainder(r: &str) -> (&str, Option<&str>) {
    match r.split_once(':') {
        Some((provider, name)) => (provider, Some(name)),
        None => (r, None),
    }
}

/// None when `key` is not an integration key (does not start with exactly "integration:", case-sensitive).
///
/// `integration:google` (legacy V0 shape) and `integration:google:` both give name
/// `default`; `integration:` and `integration::x` give provider None (malformed) but
/// the name is still computed so callers can report it.
pub fn parse_integration_key(key: &str) -> Option<ParsedKey<'_>> {
    let r = key.strip_prefix(INTEGRATION_PREFIX)?;
    let (provider, name) = split_remainder(r);
    Some(ParsedKey {
        provider: (!provider.is_empty()).then_some(provider),
        name: match name {
            Some(n) if !n.is_empty() => n,
            _ => DEFAULT_NAME,
        },
    })
}

/// For V107's "latest validated" rule: Some(provider) only for keys shaped `integration:<provider>:<anything>`
/// (R contains ':' — `anything` may be empty) with a non-empty provider; None for the legacy
/// `integration:<provider>` shape, malformed keys and non-integration keys.
///
/// The legacy shape is excluded on purpose: docs/behaviour.md §4 step 3 says the bare
/// `integration:<provider>` row is not a candidate, mirroring upstream's
/// `LIKE 'integration:<provider>:%'`.
pub fn named_key_provider(key: &str) -> Option<&str> {
    let r = key.strip_prefix(INTEGRATION_PREFIX)?;
    match split_remainder(r) {
        (provider, Some(_)) if !provider.is_empty() => Some(provider),
        _ => None,
    }
}

/// The remainder R of an integration key (everything after the prefix), or None.
/// Used by the V114 provider-repair rule, which compares the JSON provider with R.
#[inline]
pub(crate) fn remainder(key: &str) -> Option<&str> {
    key.strip_prefix(INTEGRATION_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str) -> Option<(Option<&str>, &str)> {
        parse_integration_key(key).map(|k| (k.provider, k.name))
    }

    #[test]
    fn named_shape() {
        assert_eq!(
            p("integration:google:default"),
            Some((Some("google"), "default"))
        );
        assert_eq!(
            p("integration:openrouter:primary"),
            Some((Some("openrouter"), "primary"))
        );
    }

    #[test]
    fn legacy_shape_gives_default() {
        assert_eq!(p("integration:google"), Some((Some("google"), "default")));
    }

    #[test]
    fn empty_name_gives_default() {
        assert_eq!(p("integration:google:"), Some((Some("google"), "default")));
    }

    #[test]
    fn malformed_keys() {
        assert_eq!(p("integration:"), Some((None, "default")));
        assert_eq!(p("integration::x"), Some((None, "x")));
        assert_eq!(p("integration::"), Some((None, "default")));
        assert_eq!(p("integration:::"), Some((None, ":")));
    }

    #[test]
    fn not_integration_keys() {
        assert_eq!(p("Integration:x:y"), None);
        assert_eq!(p("INTEGRATION:x:y"), None);
        assert_eq!(p("integration"), None);
        assert_eq!(p("integrations:x"), None);
        assert_eq!(p(" integration:x"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("0191c3a2-7b1e-7000-8000-000000000001"), None);
    }

    #[test]
    fn name_kept_whole_with_colons() {
        assert_eq!(p("integration:a:b:c"), Some((Some("a"), "b:c")));
        assert_eq!(p("integration:a:b:"), Some((Some("a"), "b:")));
        assert_eq!(p("integration:a::b"), Some((Some("a"), ":b")));
    }

    #[test]
    fn unicode_and_spaces_are_kept_verbatim() {
        assert_eq!(
            p("integration:göögle:naïve ñame"),
            Some((Some("göögle"), "naïve ñame"))
        );
        assert_eq!(p("integration:🦀:🐘"), Some((Some("🦀"), "🐘")));
        // Spaces are data, not padding: no trimming.
        assert_eq!(
            p("integration: google : x "),
            Some((Some(" google "), " x "))
        );
        assert_eq!(p("integration: "), Some((Some(" "), "default")));
    }

    #[test]
    fn very_long_name() {
        let name = "n".repeat(100_000);
        let key = format!("integration:p:{name}");
        assert_eq!(p(&key), Some((Some("p"), name.as_str())));
    }

    #[test]
    fn named_key_provider_rules() {
        assert_eq!(
            named_key_provider("integration:google:default"),
            Some("google")
        );
        assert_eq!(named_key_provider("integration:google:"), Some("google"));
        assert_eq!(named_key_provider("integration:a:b:c"), Some("a"));
        assert_eq!(named_key_provider("integration:google"), None);
        assert_eq!(named_key_provider("integration:"), None);
        assert_eq!(named_key_provider("integration::x"), None);
        assert_eq!(named_key_provider("Integration:google:x"), None);
        assert_eq!(named_key_provider("google:x"), None);
        assert_eq!(named_key_provider(""), None);
    }
}
