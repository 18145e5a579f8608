//! Fuzzing every public function of `phoenix_kit_mig_core` with proptest: arbitrary strings
//! (any code point, NUL and controls included), arbitrary bytes read as lossy UTF-8, and inputs
//! shaped like the real ones (integration keys, timestamps, uuids) so that the interesting
//! branches are reached often. All of them are decoded from one byte vector, which is cheap to
//! generate and shrinks well. Each case asserts no panic plus the basic invariants, most of
//! them against an independent oracle; the SQL functions call these per row inside set-based
//! UPDATEs, where a panic would abort a whole migration.
//!
//! Cases: 200 000 for the string functions and 50 000 for DETAILs/reports by default (about
//! 10 s in a debug build on 2 cores); `PK_FUZZ_CASES=N cargo test -p phoenix_kit_mig_core --test
//! fuzz` changes both. cargo-fuzz (libFuzzer) would need a nightly toolchain, which these
//! machines do not have; proptest runs on stable.

mod common;

use common::{civil_from_days, format_rfc3339};
use phoenix_kit_mig_core::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::{json, Value};
use uuid::Uuid;

/// PK_FUZZ_CASES (default 200 000) cases, divided by `divisor`.
fn config(divisor: u32) -> ProptestConfig {
    let cases = std::env::var("PK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(200_000)
        / divisor;
    // No regression files: a failure is reported with its (shrunk) input and the seed.
    ProptestConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 20_000,
        ..ProptestConfig::default()
    }
}

const KEY_TOKENS: &[&str] = &[
    "integration:",
    "integration:",
    "integration:",
    "Integration:",
    "integration",
    "integrations:",
    " integration:",
    ":",
    ":",
    "::",
    "openrouter",
    "google",
    "a:b",
    "OpenRouter",
    "é",
    "🦀",
    "名前",
    " ",
    "\t",
    "\n",
    "\u{0}",
    "\u{1f}",
    "\u{7f}",
    "\u{200b}",
    "\u{202e}",
    "default",
    "-",
    "0191c3a2-7b1e-7abc-8def-0123456789ab",
    "",
];

/// A reader over the fuzz bytes; yields zeros once they run out.
struct Bytes<'a>(std::slice::Iter<'a, u8>);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        self.0.next().copied().unwrap_or(0)
    }
    fn below(&mut self, n: u32) -> u32 {
        (u32::from(self.next()) << 8 | u32::from(self.next())) % n
    }
    fn left(&self) -> usize {
        self.0.len()
    }
}

/// Any chars, ASCII (controls and NUL included) most often, then any code point.
fn decode_chars(b: &mut Bytes) -> String {
    let mut out = String::new();
    while b.left() > 0 {
        let x = b.next();
        if x < 0xC0 {
            out.push(char::from(x & 0x7F));
        } else {
            let v = (u32::from(x & 0x3F) << 16 | u32::from(b.next()) << 8 | u32::from(b.next()))
                % 0x11_0000;
            out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
        }
    }
    out
}

/// Timestamp-shaped text: every field in and just out of range, every separator, fraction
/// length and offset form the parser knows, plus blanks around.
fn decode_timestamp(b: &mut Bytes) -> String {
    let pad = ["", " ", "\n", " \t"][b.below(4) as usize];
    let (y, mo, d) = (b.below(10_001), b.below(14), b.below(33));
    let sep = ["T", "t", " ", "X", ""][b.below(5) as usize];
    let (h, mi) = (b.below(26), b.below(62));
    let mut out = format!("{pad}{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}");
    if b.below(4) > 0 {
        out.push_str(&format!(":{:02}", b.below(62)));
        let frac = b.below(13);
        if frac > 0 {
            out.push_str([".", ","][b.below(2) as usize]);
            for _ in 1..frac {
                out.push(char::from(b'0' + (b.next() % 10)));
            }
        }
    }
    match b.below(6) {
        0 => {}
        1 => out.push('Z'),
        2 => out.push('z'),
        3 => out.push_str(&format!(
            "{}{:02}",
            ["+", "-"][b.below(2) as usize],
            b.below(26)
        )),
        4 => out.push_str(&format!(
            "{}{:02}{:02}",
            ["+", "-"][b.below(2) as usize],
            b.below(26),
            b.below(62)
        )),
        _ => out.push_str(&format!(
            "{}{:02}:{:02}",
            ["+", "-"][b.below(2) as usize],
            b.below(26),
            b.below(62)
        )),
    }
    out.push_str(pad);
    out
}

/// Uuid-shaped text: a uuid in lower or upper case, braced, simple, or with one char replaced.
fn decode_uuid(b: &mut Bytes) -> String {
    let mut raw = [0u8; 16];
    raw.iter_mut().for_each(|x| *x = b.next());
    let u = Uuid::from_bytes(raw);
    let mut t = if b.next().is_multiple_of(2) {
        u.to_string()
    } else {
        u.to_string().to_uppercase()
    };
    match b.below(4) {
        0 => {}
        1 => t = format!("{{{t}}}"),
        2 => t = u.simple().to_string(),
        _ => {
            let mut v: Vec<char> = t.chars().collect();
            let i = b.below(v.len() as u32) as usize;
            v[i] = decode_chars(&mut Bytes([b.next()].iter()))
                .chars()
                .next()
                .unwrap_or('x');
            t = v.into_iter().collect();
        }
    }
    t
}

/// Strings of every kind from one byte vector (cheap to generate and to shrink): the first
/// byte picks the shape, the rest fill it in. Real shapes are over-represented.
fn decode(bytes: &[u8]) -> String {
    let mut b = Bytes(bytes.iter());
    match b.next() % 16 {
        0..=2 => decode_chars(&mut b),
        3 | 4 => String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned(),
        5 | 6 => format!("{INTEGRATION_PREFIX}{}", decode_chars(&mut b)),
        7..=9 => {
            let mut out = String::new();
            while b.left() > 0 {
                out.push_str(KEY_TOKENS[usize::from(b.next()) % KEY_TOKENS.len()]);
            }
            out
        }
        10..=12 => decode_timestamp(&mut b),
        13 | 14 => decode_uuid(&mut b),
        _ => String::new(),
    }
}

fn input() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..40).prop_map(|v| decode(&v))
}

/// Short arbitrary text (for DETAIL items and report names).
fn chars(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u8>(), 0..max).prop_map(|v| decode_chars(&mut Bytes(v.iter())))
}

fn uuid_any() -> impl Strategy<Value = Uuid> {
    any::<[u8; 16]>().prop_map(Uuid::from_bytes)
}

/// The rest of an integration key, split as docs/behaviour.md §3 says (an independent oracle).
fn oracle_parse(key: &str) -> Option<(Option<&str>, &str)> {
    let r = key.strip_prefix("integration:")?;
    let (p, n) = match r.find(':') {
        Some(i) => (&r[..i], Some(&r[i + 1..])),
        None => (r, None),
    };
    Some((
        (!p.is_empty()).then_some(p),
        n.filter(|n| !n.is_empty()).unwrap_or("default"),
    ))
}

/// RFC 3339 in UTC (`Z`) of `micros`, None outside the years 0000-9999.
fn rfc3339_utc(micros: i64) -> Option<String> {
    let (y, _, _) = civil_from_days(micros.div_euclid(1_000_000).div_euclid(86_400));
    (0..=9999).contains(&y).then(|| format_rfc3339(micros, 0))
}

/// 0000-01-01T00:00:00+23:59 .. 9999-12-31T23:59:59.999999-23:59, in microseconds.
const LOWEST: i64 = -62_167_305_540_000_000;
const HIGHEST: i64 = 253_402_387_139_999_999;

proptest! {
    #![proptest_config(config(1))]

    /// Key parsing, V107's candidate test, V114's provider/name rules, composite keys and
    /// suffixes, timestamps and uuids, all on the same arbitrary strings.
    #[test]
    fn string_functions_are_total_and_sane(s in input(), t in input(), u in uuid_any()) {
        // §3 key parsing.
        let parsed = parse_integration_key(&s);
        prop_assert_eq!(parsed.is_some(), s.starts_with(INTEGRATION_PREFIX));
        prop_assert_eq!(parsed.map(|k| (k.provider, k.name)), oracle_parse(&s));
        if let Some(k) = parsed {
            prop_assert!(!k.name.is_empty());
            prop_assert!(k.provider.is_none_or(|p| !p.is_empty() && !p.contains(':')));
        }
        let rest = s.strip_prefix(INTEGRATION_PREFIX);
        let expected_named = match (parsed, rest) {
            (Some(k), Some(r)) if r.contains(':') => k.provider,
            _ => None,
        };
        prop_assert_eq!(named_key_provider(&s), expected_named);

        // §6 provider: never empty; the JSON value unless it is the composite copy of R.
        let key_provider = parsed.and_then(|k| k.provider);
        let json_variants: Vec<Option<&str>> = vec![None, Some(""), Some(t.as_str()), rest, Some(s.as_str())];
        for jp in json_variants {
            let got = v114_provider(&s, jp);
            prop_assert!(got.is_none_or(|p| !p.is_empty()));
            let expected = match jp {
                Some(j) if !j.is_empty() => {
                    if rest.is_some_and(|r| r == j && r.contains(':')) { key_provider } else { Some(j) }
                }
                _ => key_provider,
            };
            prop_assert_eq!(got, expected, "key {:?} json {:?}", s, jp);
            // §6 name: never empty; the JSON value when non-empty, else the key's.
            let name = v114_name(&s, jp);
            prop_assert!(!name.is_empty());
            let expected_name = match jp {
                Some(j) if !j.is_empty() => j,
                _ => parsed.map_or(DEFAULT_NAME, |k| k.name),
            };
            prop_assert_eq!(name, expected_name);
        }

        // §7 composite keys and the uuid-tail suffix.
        let plain = composite_key(&s, &t, None);
        prop_assert_eq!(&plain, &format!("integration:{s}:{t}"));
        let suffix = collision_suffix(&u);
        prop_assert_eq!(suffix.len(), 8);
        prop_assert!(suffix.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        prop_assert_eq!(&suffix, &u.to_string()[24..32]);
        let suffixed = composite_key(&s, &t, Some(&u));
        prop_assert_eq!(&suffixed, &format!("{plain}-{suffix}"));
        if !s.is_empty() && !s.contains(':') {
            // Round trip through the parser (the name may itself hold ':').
            let back = parse_integration_key(&plain).unwrap();
            prop_assert_eq!(back.provider, Some(s.as_str()));
            prop_assert_eq!(back.name, if t.is_empty() { DEFAULT_NAME } else { t.as_str() });
        }

        // V107 timestamps: total, in range, blind to surrounding whitespace, and a value that
        // parses re-formats (RFC 3339 UTC) to the same instant.
        let ts = parse_timestamp_micros(&s);
        if let Some(m) = ts {
            prop_assert!((LOWEST..=HIGHEST).contains(&m), "{:?} -> {}", s, m);
            prop_assert!(s.trim().as_bytes().get(..4).is_some_and(|y| y.iter().all(u8::is_ascii_digit)));
            if let Some(canonical) = rfc3339_utc(m) {
                prop_assert_eq!(parse_timestamp_micros(&canonical), Some(m), "{}", canonical);
            }
        }
        prop_assert_eq!(parse_timestamp_micros(&format!(" \t{s}\n ")), ts);
        let _ = parse_timestamp_micros(&t);

        // V107 uuid-valued providers: only the 36-character hyphenated form, any case.
        if let Some(parsed_uuid) = parse_hyphenated_uuid(&s) {
            prop_assert_eq!(s.len(), 36);
            prop_assert_eq!(parsed_uuid.to_string(), s.to_ascii_lowercase());
        }
        prop_assert_eq!(parse_hyphenated_uuid(&u.to_string()), Some(u));
        prop_assert_eq!(parse_hyphenated_uuid(&u.to_string().to_uppercase()), Some(u));
        prop_assert_eq!(parse_hyphenated_uuid(&format!("{u}{t}")), if t.is_empty() { Some(u) } else { None });
    }

}

proptest! {
    // A quarter of the cases: each builds up to 70 items and a JSON report.
    #![proptest_config(config(4))]

    /// Error DETAILs and reports: any items, totals, names and numbers.
    #[test]
    fn detail_and_report_are_total(
        items in proptest::collection::vec(chars(6), 0..70),
        total in any::<usize>(),
        migration in chars(12), schema in chars(12), field in chars(8), value in input(),
        before in any::<i32>(), after in any::<i32>(), dry_run in any::<bool>(),
        elapsed in prop_oneof![any::<f64>(), Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY), Just(-0.0), 0.0..1e9f64],
    ) {
        let detail = detail_lines(&items, total);
        let shown = items.len().min(DETAIL_LIMIT);
        if items.iter().all(|i| !i.contains('\n') && !i.contains('\r')) && items.iter().all(|i| !i.is_empty()) {
            let more = total.saturating_sub(shown);
            let lines = shown + usize::from(more > 0);
            if lines == 0 {
                prop_assert_eq!(detail.as_str(), "");
            } else {
                prop_assert_eq!(detail.split('\n').count(), lines);
            }
            if more > 0 {
                let tail = format!("... and {more} more");
                prop_assert!(detail.ends_with(&tail));
            }
        }
        if let Some(first) = items.first() {
            prop_assert!(detail.starts_with(first.as_str()));
        }

        let mut report = Report::new(&migration, &schema, before, dry_run);
        report.set(&field, value.clone()).set("n", 1).set("list", json!([value.clone()]));
        let v = report.finish(after, elapsed);
        let obj = v.as_object().expect("a JSON object");
        // The six fixed fields always win over free-form ones of the same name.
        prop_assert_eq!(&obj["migration"], &Value::from(migration.clone()));
        prop_assert_eq!(&obj["schema"], &Value::from(schema.clone()));
        prop_assert_eq!(&obj["version_before"], &Value::from(before));
        prop_assert_eq!(&obj["version_after"], &Value::from(after));
        prop_assert_eq!(&obj["dry_run"], &Value::from(dry_run));
        let ms = obj["elapsed_ms"].as_f64().expect("elapsed_ms is a number");
        prop_assert!(ms.is_finite() && ms >= 0.0);
        if !["migration", "schema", "version_before", "version_after", "dry_run", "elapsed_ms", "n", "list"].contains(&field.as_str()) {
            prop_assert_eq!(&obj[field.as_str()], &Value::from(value.clone()));
        }
        // It serialises (to the text PostgreSQL parses into jsonb) and parses back with the same
        // fields (elapsed_ms aside: serde_json's default float parser is not exact to the last bit).
        let text = serde_json::to_string(&v).expect("serialises");
        let mut back = serde_json::from_str::<Value>(&text).expect("parses");
        let mut orig = v.clone();
        back.as_object_mut().unwrap().remove("elapsed_ms");
        orig.as_object_mut().unwrap().remove("elapsed_ms");
        prop_assert_eq!(back, orig);
    }
}
