//! Property tests for the rules the SQL functions rely on: totality (no panics on
//! any input) and the round trips between key parsing, key building and
//! timestamp formatting.

mod common;

use common::format_rfc3339;
use phoenix_kit_mig_core::*;
use proptest::prelude::*;
use uuid::Uuid;

/// Provider as the parser sees it: non-empty, no ':' (anything else, incl. unicode).
fn provider() -> impl Strategy<Value = String> {
    "[^:]{1,24}"
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_total_on_any_string(s in any::<String>()) {
        let parsed = parse_integration_key(&s);
        prop_assert_eq!(parsed.is_some(), s.starts_with(INTEGRATION_PREFIX));
        let _ = named_key_provider(&s);
    }

    #[test]
    fn parse_total_and_sane_on_integration_keys(rest in any::<String>()) {
        let key = format!("{INTEGRATION_PREFIX}{rest}");
        let k = parse_integration_key(&key).expect("prefixed key parses");
        prop_assert!(!k.name.is_empty());
        prop_assert!(k.provider.is_none_or(|p| !p.is_empty() && !p.contains(':')));
        // named_key_provider agrees with the parser and requires the named shape.
        let expected = if rest.contains(':') { k.provider } else { None };
        prop_assert_eq!(named_key_provider(&key), expected);
    }

    #[test]
    fn composite_key_round_trips(p in provider(), n in ".{1,40}") {
        let key = composite_key(&p, &n, None);
        let k = parse_integration_key(&key).unwrap();
        prop_assert_eq!(k.provider, Some(p.as_str()));
        prop_assert_eq!(k.name, n.as_str());
    }

    #[test]
    fn names_with_colons_survive_whole(p in provider(), a in ".{0,10}", b in ".{0,10}") {
        let n = format!("{a}:{b}");
        let key = composite_key(&p, &n, None);
        prop_assert_eq!(parse_integration_key(&key).unwrap().name, n.as_str());
        prop_assert_eq!(v114_name(&key, None), n.as_str());
    }

    #[test]
    fn suffixed_key_round_trips(p in provider(), n in ".{1,20}", bytes in any::<[u8; 16]>()) {
        let u = Uuid::from_bytes(bytes);
        let key = composite_key(&p, &n, Some(&u));
        let k = parse_integration_key(&key).unwrap();
        prop_assert_eq!(k.provider, Some(p.as_str()));
        prop_assert_eq!(k.name, format!("{n}-{}", collision_suffix(&u)));
    }

    #[test]
    fn v114_never_returns_empty(
        key in prop_oneof![any::<String>(), any::<String>().prop_map(|r| format!("integration:{r}"))],
        jp in proptest::option::of(any::<String>()),
        jn in proptest::option::of(any::<String>()),
    ) {
        if let Some(p) = v114_provider(&key, jp.as_deref()) {
            prop_assert!(!p.is_empty());
        }
        prop_assert!(!v114_name(&key, jn.as_deref()).is_empty());
    }

    #[test]
    fn v114_provider_none_only_without_a_usable_provider(
        rest in any::<String>(), jp in proptest::option::of(any::<String>()),
    ) {
        let key = format!("integration:{rest}");
        // A JSON provider counts unless it is the composite copy of the key's rest, which is
        // repaired to the key's provider (and so is None on a malformed key).
        let composite_copy = jp.as_deref() == Some(rest.as_str()) && rest.contains(':');
        let has_json = jp.as_deref().is_some_and(|s| !s.is_empty()) && !composite_copy;
        let has_key = parse_integration_key(&key).unwrap().provider.is_some();
        prop_assert_eq!(v114_provider(&key, jp.as_deref()).is_some(), has_json || has_key);
    }

    #[test]
    fn composite_json_provider_is_repaired(p in provider(), n in ".{0,20}") {
        let key = composite_key(&p, &n, None);
        let r = &key[INTEGRATION_PREFIX.len()..];
        prop_assert_eq!(v114_provider(&key, Some(r)), Some(p.as_str()));
        // A plain JSON provider always wins.
        prop_assert_eq!(v114_provider(&key, Some("Custom")), Some("Custom"));
    }

    #[test]
    fn timestamp_total_on_any_string(s in any::<String>()) {
        let _ = parse_timestamp_micros(&s);
    }

    #[test]
    fn timestamp_total_on_near_valid_strings(
        s in r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?"
    ) {
        if let Some(m) = parse_timestamp_micros(&s) {
            // 0000-01-01 minus 23:59 up to 9999-12-31 plus 23:59.
            prop_assert!((-62_167_305_540_000_000..=253_402_387_139_999_999).contains(&m));
        }
    }

    #[test]
    fn timestamp_round_trips(micros in MIN_MICROS..=MAX_MICROS, off in -(23 * 60 + 59)..=(23 * 60 + 59i64)) {
        let utc = format_rfc3339(micros, 0);
        prop_assert_eq!(parse_timestamp_micros(&utc), Some(micros), "{}", utc);
        // The same instant written in another zone is equal. Near the edges the local
        // date can be year 0000 (accepted) or 10000 (not a 4-digit year: skipped).
        let local = format_rfc3339(micros, off);
        if !local.starts_with("10000") {
            prop_assert_eq!(parse_timestamp_micros(&local), Some(micros), "{}", local);
        }
    }

    #[test]
    fn timestamp_order_matches_instant_order(a in MIN_MICROS..=MAX_MICROS, b in MIN_MICROS..=MAX_MICROS) {
        let (pa, pb) = (
            parse_timestamp_micros(&format_rfc3339(a, 0)),
            parse_timestamp_micros(&format_rfc3339(b, 0)),
        );
        prop_assert_eq!(pa.cmp(&pb), a.cmp(&b));
    }

    #[test]
    fn collision_suffix_is_sql_substring(bytes in any::<[u8; 16]>()) {
        let u = Uuid::from_bytes(bytes);
        let s = collision_suffix(&u);
        prop_assert_eq!(s.len(), 8);
        prop_assert!(s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        // substring(uuid::text from 25 for 8): 1-based, counted in characters.
        let sql: String = u.to_string().chars().skip(24).take(8).collect();
        prop_assert_eq!(s, sql);
    }

    #[test]
    fn hyphenated_uuid_any_case(bytes in any::<[u8; 16]>()) {
        let u = Uuid::from_bytes(bytes);
        let text = u.to_string();
        prop_assert_eq!(parse_hyphenated_uuid(&text), Some(u));
        prop_assert_eq!(parse_hyphenated_uuid(&text.to_uppercase()), Some(u));
        prop_assert_eq!(parse_hyphenated_uuid(&u.simple().to_string()), None);
    }

    #[test]
    fn uuid_and_detail_total(s in any::<String>(), n in 0usize..120, total in 0usize..500) {
        let _ = parse_hyphenated_uuid(&s);
        let items: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
        let d = detail_lines(&items, total);
        prop_assert!(d.lines().count() <= DETAIL_LIMIT + 1);
    }
}
