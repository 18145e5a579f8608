//! `last_validated_at` parsing for V107's "latest validated" ranking
//! (docs/behaviour.md §4 step 3; docs/upstream.md §4.2/§4.3).
//!
//! Upstream compared the strings as text, which sorts `…T10:00:00Z` *after*
//! `…T10:00:00.5Z` (`'Z' > '.'`) and ignores offsets. Here a value becomes an
//! instant in microseconds (Postgres' timestamptz resolution) so the ranking is
//! by real time; anything unparseable is None and ranks after every parseable value.

use regex::Regex;
use std::sync::LazyLock;

/// ISO-8601 / RFC 3339 date-time, as written by `DateTime.to_iso8601`
/// (`2026-04-30T12:34:56.123456Z`) plus the common relaxations: `t` or space as
/// separator, no seconds, `,` as decimal mark, `±HH:MM`/`±HHMM`/`±HH` offsets, no offset.
/// `[0-9]` rather than `\d` because `\d` is Unicode-aware in the regex crate and would
/// accept e.g. Arabic-Indic digits.
static RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?$",
    )
    .expect("static regex is valid")
});

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`). Inputs are pre-validated (year 0..=9999), so plain i64
/// arithmetic cannot overflow.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses a group that the regex guarantees to be ASCII digits (at most 9 of them,
/// so it fits an i64); a missing optional group reads as `default`.
fn num(caps: &regex::Captures<'_>, i: usize, default: i64) -> i64 {
    caps.get(i).map_or(default, |m| {
        m.as_str()
            .bytes()
            .fold(0, |acc, b| acc * 10 + i64::from(b - b'0'))
    })
}

/// Microseconds since 1970-01-01T00:00:00Z, or None when `s` is not a parseable ISO-8601 / RFC 3339 date-time.
///
/// - Surrounding whitespace is trimmed; no offset means UTC.
/// - Fractions beyond microseconds are truncated, not rounded (Postgres rounds; for
///   ranking, truncation keeps `x.9999999` from jumping to the next second).
/// - Second 60 (a leap second) is rejected: the app never writes one, and clamping
///   would silently tie it with `:59`.
/// - Years are exactly four digits, 0000–9999 (RFC 3339 allows 0000).
/// - Offsets may be up to ±23:59.
pub fn parse_timestamp_micros(s: &str) -> Option<i64> {
    let caps = RE.captures(s.trim())?;
    let (year, month, day) = (num(&caps, 1, 0), num(&caps, 2, 0), num(&caps, 3, 0));
    let (hour, minute, second) = (num(&caps, 4, 0), num(&caps, 5, 0), num(&caps, 6, 0));
    if !(1..=12).contains(&month)
        || !(1..=days_in_month(year, month)).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }

    // Fraction: keep the first 6 digits, right-pad to microseconds.
    let micros = caps.get(7).map_or(0, |m| {
        let digits = &m.as_str().as_bytes()[..m.len().min(6)];
        let v = digits
            .iter()
            .fold(0, |acc, b| acc * 10 + i64::from(b - b'0'));
        v * 10_i64.pow(6 - digits.len() as u32)
    });

    // Offset: `Z` (group 8) or none → 0; otherwise sign (9), hours (10), minutes (11).
    let offset_secs = match caps.get(9) {
        Some(sign) => {
            let (oh, om) = (num(&caps, 10, 0), num(&caps, 11, 0));
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = oh * 3600 + om * 60;
            if sign.as_str() == "-" {
                -secs
            } else {
                secs
            }
        }
        None => 0,
    };

    // Local wall time minus its offset is UTC. |result| < 2^49 for 4-digit years.
    let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - offset_secs;
    Some(secs * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<i64> {
        parse_timestamp_micros(s)
    }

    #[test]
    fn epoch_and_app_format() {
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("1970-01-01T00:00:00.000001Z"), Some(1));
        assert_eq!(t("1969-12-31T23:59:59.999999Z"), Some(-1));
        // date -u -d 2026-04-30T12:34:56Z +%s → 1777552496
        assert_eq!(
            t("2026-04-30T12:34:56.123456Z"),
            Some(1_777_552_496_123_456)
        );
    }

    #[test]
    fn fraction_orders_after_whole_second() {
        let a = t("2026-04-30T10:00:00Z").unwrap();
        let b = t("2026-04-30T10:00:00.5Z").unwrap();
        assert!(a < b);
        assert_eq!(b - a, 500_000);
        assert_eq!(t("2026-04-30T10:00:00,5Z"), Some(b));
    }

    #[test]
    fn offsets() {
        let utc = t("2026-04-30T10:00:00Z");
        assert_eq!(t("2026-04-30T12:00:00+02:00"), utc);
        assert_eq!(t("2026-04-30T12:00:00+0200"), utc);
        assert_eq!(t("2026-04-30T12:00:00+02"), utc);
        assert_eq!(t("2026-04-30T05:30:00-04:30"), utc);
        assert_eq!(t("2026-04-30T10:00:00-00:00"), utc);
        assert_eq!(t("2026-04-30T10:00:00z"), utc);
        assert_eq!(t("2026-04-30T10:00:00"), utc, "no offset means UTC");
        assert!(t("2026-04-30T10:00:00+23:59").is_some());
        assert_eq!(t("2026-04-30T10:00:00+24:00"), None);
        assert_eq!(t("2026-04-30T10:00:00+01:60"), None);
        assert_eq!(t("2026-04-30T10:00:00+1"), None);
        assert_eq!(t("2026-04-30T10:00:00+01:0"), None);
    }

    #[test]
    fn separators_and_optional_seconds() {
        let base = t("2026-04-30T10:00:00Z");
        assert_eq!(t("2026-04-30t10:00:00Z"), base);
        assert_eq!(t("2026-04-30 10:00:00Z"), base);
        assert_eq!(t("2026-04-30T10:00Z"), base);
        assert_eq!(t("2026-04-30T10:00"), base);
        assert_eq!(t("  2026-04-30T10:00:00Z\n"), base);
        // A fraction needs seconds.
        assert_eq!(t("2026-04-30T10:00.5Z"), None);
    }

    #[test]
    fn fraction_truncates_beyond_micros() {
        let base = t("2026-04-30T10:00:00Z").unwrap();
        assert_eq!(t("2026-04-30T10:00:00.1234569Z"), Some(base + 123_456));
        assert_eq!(t("2026-04-30T10:00:00.999999999Z"), Some(base + 999_999));
        assert_eq!(t("2026-04-30T10:00:00.1Z"), Some(base + 100_000));
        assert_eq!(t("2026-04-30T10:00:00.0000001Z"), Some(base));
        assert_eq!(
            t("2026-04-30T10:00:00.1234567890Z"),
            None,
            "max 9 fraction digits"
        );
        assert_eq!(t("2026-04-30T10:00:00.Z"), None);
    }

    #[test]
    fn calendar_validation() {
        assert!(t("2024-02-29T00:00:00Z").is_some());
        assert!(t("2000-02-29T00:00:00Z").is_some());
        assert_eq!(t("2023-02-29T00:00:00Z"), None);
        assert_eq!(t("1900-02-29T00:00:00Z"), None);
        assert_eq!(t("2026-04-31T00:00:00Z"), None);
        assert!(t("2026-12-31T23:59:59Z").is_some());
        assert_eq!(t("2026-13-01T00:00:00Z"), None);
        assert_eq!(t("2026-00-01T00:00:00Z"), None);
        assert_eq!(t("2026-01-00T00:00:00Z"), None);
        assert_eq!(t("2026-01-01T24:00:00Z"), None);
        assert_eq!(t("2026-01-01T23:60:00Z"), None);
        assert_eq!(t("2026-12-31T23:59:60Z"), None, "leap second rejected");
        // Day after a leap day.
        assert_eq!(
            t("2024-03-01T00:00:00Z").unwrap() - t("2024-02-29T00:00:00Z").unwrap(),
            86_400_000_000
        );
    }

    #[test]
    fn extreme_years() {
        assert_eq!(t("0001-01-01T00:00:00Z"), Some(-62_135_596_800_000_000));
        assert_eq!(
            t("9999-12-31T23:59:59.999999Z"),
            Some(253_402_300_799_999_999)
        );
        assert!(t("0000-01-01T00:00:00Z").is_some());
        assert!(t("0000-02-29T00:00:00Z").is_some(), "year 0 is a leap year");
        assert_eq!(t("10000-01-01T00:00:00Z"), None);
        assert_eq!(t("+2026-01-01T00:00:00Z"), None);
        assert_eq!(t("-0001-01-01T00:00:00Z"), None);
    }

    #[test]
    fn garbage() {
        for s in [
            "",
            "   ",
            "yesterday",
            "1714478096",
            "1714478096.5",
            "2026-04-30",
            "2026-04-30T",
            "2026-04-30T10",
            "2026-4-30T10:00:00Z",
            "2026-04-30T1:00:00Z",
            "2026-04-30T10:00:00ZZ",
            "2026-04-30T10:00:00 Z",
            "2026-04-30T10:00:00Z trailing",
            "2026/04/30T10:00:00Z",
            "2026-04-30X10:00:00Z",
            "٢٠٢٦-04-30T10:00:00Z",
            "null",
            "\"2026-04-30T10:00:00Z\"",
        ] {
            assert_eq!(t(s), None, "{s:?}");
        }
    }
}
