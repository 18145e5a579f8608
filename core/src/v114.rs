//! V114 rules: the provider/name written into `value_json` on the way up
//! (docs/behaviour.md §6 step 2) and the composite key rebuilt on the way down (§7 step 2).

use crate::key::{parse_integration_key, remainder, DEFAULT_NAME, INTEGRATION_PREFIX};

/// §6 provider rule. json_provider is the JSON string value of value_json->'provider' if it is a string, else None.
/// Returns the provider to store, or None when it would be empty (malformed key and no non-empty JSON provider).
/// A JSON provider that is non-empty wins, except when it equals R (the key remainder) and R contains ':' —
/// the old composite storage form "openrouter:primary" in a row keyed "integration:openrouter:primary" —
/// then it is repaired to the parsed key provider. If `key` is not an integration key at all, only a non-empty JSON provider counts.
///
/// On a malformed key such as `integration::x` with JSON provider `":x"` the repair target is
/// empty, so the result is None: the row has no usable provider and the pre-flight refuses it
/// (docs/behaviour.md §6 step 1) rather than keep a composite provider the application cannot list.
pub fn v114_provider<'a>(key: &'a str, json_provider: Option<&'a str>) -> Option<&'a str> {
    let key_provider = parse_integration_key(key).and_then(|k| k.provider);
    match json_provider {
        Some(jp) if !jp.is_empty() => {
            // Old save_setup bug (docs/upstream.md §4.4): the whole storage remainder was written as
            // the provider. Only an exact match with R counts; a different composite value
            // ("openrouter:other") is not provably that bug, so it is left for a human.
            let is_composite_copy = remainder(key).is_some_and(|r| r == jp && r.contains(':'));
            if is_composite_copy {
                key_provider
            } else {
                Some(jp)
            }
        }
        _ => key_provider,
    }
}

/// §6 name rule: the JSON name when non-empty, otherwise the parsed key name (default "default").
///
/// Never returns an empty string: the parsed name already falls back to "default",
/// and a non-integration key (not expected here) also gets "default".
pub fn v114_name<'a>(key: &'a str, json_name: Option<&'a str>) -> &'a str {
    match json_name {
        Some(n) if !n.is_empty() => n,
        _ => parse_integration_key(key).map_or(DEFAULT_NAME, |k| k.name),
    }
}

/// §7: the 8-char collision suffix tail: chars 25..=32 (1-based, like SQL substring(uuid::text from 25 for 8)) of the lowercase hyphenated uuid.
///
/// Those are the first 8 hex digits of the last group (UUIDv7 `rand_b`), which is
/// what upstream switched to in c09db219 because the timestamp prefix collided.
pub fn collision_suffix(uuid: &uuid::Uuid) -> String {
    let mut buf = uuid::Uuid::encode_buffer();
    // Hyphenated text is always 36 ASCII bytes, so 24..32 is in bounds and on char boundaries.
    uuid.hyphenated().encode_lower(&mut buf)[24..32].to_owned()
}

/// §7: 'integration:' || provider || ':' || name, plus '-' || collision_suffix(uuid) when `suffix_uuid` is Some.
pub fn composite_key(provider: &str, name: &str, suffix_uuid: Option<&uuid::Uuid>) -> String {
    let suffix_len = if suffix_uuid.is_some() { 9 } else { 0 };
    let mut key = String::with_capacity(
        INTEGRATION_PREFIX.len() + provider.len() + 1 + name.len() + suffix_len,
    );
    key.push_str(INTEGRATION_PREFIX);
    key.push_str(provider);
    key.push(':');
    key.push_str(name);
    if let Some(u) = suffix_uuid {
        key.push('-');
        key.push_str(&collision_suffix(u));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const K: &str = "integration:openrouter:primary";

    #[test]
    fn composite_json_provider_equal_to_r_is_repaired() {
        assert_eq!(
            v114_provider(K, Some("openrouter:primary")),
            Some("openrouter")
        );
        // R with more colons: repaired to the first segment.
        assert_eq!(v114_provider("integration:a:b:c", Some("a:b:c")), Some("a"));
        // R = "google:" (empty name) still contains ':' → repaired.
        assert_eq!(
            v114_provider("integration:google:", Some("google:")),
            Some("google")
        );
    }

    #[test]
    fn other_json_providers_are_kept() {
        assert_eq!(
            v114_provider(K, Some("openrouter:other")),
            Some("openrouter:other")
        );
        assert_eq!(v114_provider(K, Some("openrouter")), Some("openrouter"));
        assert_eq!(
            v114_provider("integration:google:x", Some("Custom")),
            Some("Custom")
        );
        // Case-sensitive comparison with R.
        assert_eq!(
            v114_provider(K, Some("OpenRouter:primary")),
            Some("OpenRouter:primary")
        );
        // Legacy key: R has no ':' so a JSON provider equal to R is simply kept (same value).
        assert_eq!(
            v114_provider("integration:google", Some("google")),
            Some("google")
        );
    }

    #[test]
    fn empty_or_missing_json_provider_falls_back_to_key() {
        assert_eq!(v114_provider(K, Some("")), Some("openrouter"));
        assert_eq!(v114_provider(K, None), Some("openrouter"));
        assert_eq!(v114_provider("integration:google", None), Some("google"));
    }

    #[test]
    fn malformed_keys() {
        assert_eq!(v114_provider("integration:", Some("x")), Some("x"));
        assert_eq!(v114_provider("integration::x", Some("x")), Some("x"));
        assert_eq!(v114_provider("integration:", None), None);
        assert_eq!(v114_provider("integration::x", Some("")), None);
        // Would-be repair to an empty provider: no usable provider (see doc comment).
        assert_eq!(v114_provider("integration::x", Some(":x")), None);
    }

    #[test]
    fn non_integration_keys_only_use_json() {
        assert_eq!(v114_provider("Integration:x:y", None), None);
        assert_eq!(v114_provider("Integration:x:y", Some("x:y")), Some("x:y"));
        assert_eq!(v114_provider("some.setting", Some("p")), Some("p"));
        assert_eq!(v114_provider("", Some("")), None);
    }

    #[test]
    fn name_rule() {
        assert_eq!(v114_name(K, Some("Display Name")), "Display Name");
        assert_eq!(v114_name(K, Some("")), "primary");
        assert_eq!(v114_name(K, None), "primary");
        assert_eq!(v114_name("integration:google", None), "default");
        assert_eq!(v114_name("integration:google:", None), "default");
        assert_eq!(v114_name("integration:a:b:c", None), "b:c");
        assert_eq!(v114_name("integration::x", None), "x");
        assert_eq!(v114_name("integration:", None), "default");
        assert_eq!(v114_name("not-a-key", None), "default");
    }

    #[test]
    fn suffix_is_sql_substring_25_for_8() {
        let u = Uuid::parse_str("0191C3A2-7B1E-7ABC-8DEF-0123456789AB").unwrap();
        // "0191c3a2-7b1e-7abc-8def-0123456789ab"[24..32]
        assert_eq!(collision_suffix(&u), "01234567");
        assert_eq!(collision_suffix(&Uuid::nil()), "00000000");
        assert_eq!(collision_suffix(&Uuid::max()), "ffffffff");
    }

    #[test]
    fn composite_keys() {
        let u = Uuid::parse_str("0191c3a2-7b1e-7abc-8def-fedcba987654").unwrap();
        assert_eq!(composite_key("openrouter", "primary", None), K);
        assert_eq!(
            composite_key("openrouter", "primary", Some(&u)),
            "integration:openrouter:primary-fedcba98"
        );
        assert_eq!(composite_key("a", "b:c", None), "integration:a:b:c");
        assert_eq!(composite_key("", "", None), "integration::");
    }
}
