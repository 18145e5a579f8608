//! Recognising a uuid-valued endpoint `provider` (docs/behaviour.md §4 step 3, second rule).

/// V107 rule: a provider string that is a uuid (any case). Only the 36-char hyphenated form counts.
///
/// Postgres' own `uuid` input also accepts braces, no hyphens, or hyphens after any
/// group of four digits; none of those are forms the application writes, so a
/// provider like `{…}` or a 32-digit string is treated as an ordinary provider name.
pub fn parse_hyphenated_uuid(s: &str) -> Option<uuid::Uuid> {
    // The uuid crate also parses simple (32), braced (38) and urn (45) forms; the
    // length check restricts it to the hyphenated one, whose hyphen positions it checks.
    if s.len() != 36 {
        return None;
    }
    uuid::Uuid::try_parse(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyphenated_any_case() {
        let lower = "0191c3a2-7b1e-7abc-8def-0123456789ab";
        let upper = "0191C3A2-7B1E-7ABC-8DEF-0123456789AB";
        let mixed = "0191c3A2-7b1E-7aBc-8DeF-0123456789aB";
        let u = parse_hyphenated_uuid(lower).unwrap();
        assert_eq!(u.to_string(), lower);
        assert_eq!(parse_hyphenated_uuid(upper), Some(u));
        assert_eq!(parse_hyphenated_uuid(mixed), Some(u));
    }

    #[test]
    fn other_forms_rejected() {
        assert_eq!(
            parse_hyphenated_uuid("0191c3a27b1e7abc8def0123456789ab"),
            None
        );
        assert_eq!(
            parse_hyphenated_uuid("{0191c3a2-7b1e-7abc-8def-0123456789ab}"),
            None
        );
        assert_eq!(
            parse_hyphenated_uuid("urn:uuid:0191c3a2-7b1e-7abc-8def-0123456789ab"),
            None
        );
        assert_eq!(
            parse_hyphenated_uuid(" 0191c3a2-7b1e-7abc-8def-0123456789ab"),
            None
        );
        assert_eq!(
            parse_hyphenated_uuid("0191c3a2-7b1e-7abc-8def-0123456789ag"),
            None
        );
        // Right length, hyphens in the wrong places.
        assert_eq!(
            parse_hyphenated_uuid("0191c3a27-b1e-7abc-8def-0123456789ab"),
            None
        );
        assert_eq!(parse_hyphenated_uuid("openrouter"), None);
        assert_eq!(parse_hyphenated_uuid(""), None);
        // 36 bytes but not ASCII.
        assert_eq!(
            parse_hyphenated_uuid("0191c3a2-7b1e-7abc-8def-0123456789é"),
            None
        );
    }
}
