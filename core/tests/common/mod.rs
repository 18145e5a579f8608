//! Oracles shared by the core crate's property and fuzz tests: an RFC 3339 formatter written
//! independently of the parser.
#![allow(dead_code)]

/// Civil date from days since the epoch (Hinnant's `civil_from_days`), used only to
/// build RFC 3339 strings independently of the parser's `days_from_civil`.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// RFC 3339 text of `micros` as seen from a zone `offset_min` minutes east of UTC.
pub fn format_rfc3339(micros: i64, offset_min: i64) -> String {
    let local = micros + offset_min * 60_000_000;
    let (secs, frac) = (local.div_euclid(1_000_000), local.rem_euclid(1_000_000));
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let zone = if offset_min == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset_min < 0 { '-' } else { '+' };
        let a = offset_min.abs();
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}{zone}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}
