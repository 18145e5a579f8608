//! Message and report helpers shared by every migration (docs/behaviour.md §1
//! "The report" and "Messages").

use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// How many offending rows an error DETAIL lists before "... and N more".
pub const DETAIL_LIMIT: usize = 50;

/// One line per item for an error DETAIL: the first DETAIL_LIMIT items, then "... and N more" when `total` exceeds what is shown.
/// `items` may already be truncated by the caller (SQL fetched only the first 50); `total` is the full count.
///
/// A `total` smaller than the number of items is treated as "nothing more" rather
/// than an error: a DETAIL must never make the error path itself fail.
pub fn detail_lines(items: &[String], total: usize) -> String {
    let shown = &items[..items.len().min(DETAIL_LIMIT)];
    let mut out = shown.join("\n");
    let more = total.saturating_sub(shown.len());
    if more > 0 {
        if !out.is_empty() {
            out.push('\n');
        }
        // Writing into a String cannot fail.
        let _ = write!(out, "... and {more} more");
    }
    out
}

/// Builder for the JSON object every migration returns.
///
/// The six always-present fields are held apart from the free-form counts and
/// lists and written last in [`Report::finish`], so a stray `set("dry_run", …)`
/// cannot corrupt them.
#[derive(Debug, Clone)]
pub struct Report {
    migration: String,
    schema: String,
    version_before: i32,
    dry_run: bool,
    fields: Map<String, Value>,
}

impl Report {
    /// `migration` is the short name used in the report, e.g. `"v114_up"`.
    pub fn new(migration: &str, schema: &str, version_before: i32, dry_run: bool) -> Self {
        Report {
            migration: migration.to_owned(),
            schema: schema.to_owned(),
            version_before,
            dry_run,
            fields: Map::new(),
        }
    }

    /// Sets a count or row list (e.g. `rows_rewritten`, `suffixed`); a later call with
    /// the same field replaces the earlier value.
    pub fn set(&mut self, field: &str, value: impl Into<Value>) -> &mut Self {
        self.fields.insert(field.to_owned(), value.into());
        self
    }

    /// The finished report. `elapsed_ms` is rounded to 3 decimals (microsecond
    /// precision is all a wall clock measurement here is worth); a non-finite or
    /// negative value, which a monotonic clock cannot produce, is reported as 0.
    pub fn finish(self, version_after: i32, elapsed_ms: f64) -> Value {
        let ms = if elapsed_ms.is_finite() && elapsed_ms > 0.0 {
            (elapsed_ms * 1000.0).round() / 1000.0
        } else {
            0.0
        };
        let mut obj = self.fields;
        obj.insert("migration".into(), self.migration.into());
        obj.insert("schema".into(), self.schema.into());
        obj.insert("version_before".into(), self.version_before.into());
        obj.insert("version_after".into(), version_after.into());
        obj.insert("dry_run".into(), self.dry_run.into());
        obj.insert(
            "elapsed_ms".into(),
            Number::from_f64(ms).map_or(Value::from(0), Value::Number),
        );
        Value::Object(obj)
    }
}

impl Report {
    /// Sets every field of a migration's typed outcome (one of the structs below).
    pub fn set_outcome<T: serde::Serialize>(&mut self, outcome: &T) -> &mut Self {
        if let Ok(Value::Object(fields)) = serde_json::to_value(outcome) {
            for (k, v) in fields {
                self.fields.insert(k, v);
            }
        }
        self
    }
}

/// A row V114 down gave a suffixed key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SuffixedRow {
    pub uuid: String,
    pub key: String,
}

/// An endpoint V107 up left without a pin.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnpinnedEndpoint {
    /// None for an endpoint without a uuid (its primary key was dropped).
    pub uuid: Option<String>,
    pub name: Option<String>,
    pub provider: Option<String>,
}

/// What V114 up did, as verified in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct V114UpOutcome {
    pub rows_rewritten: i64,
    pub provider_filled: i64,
    pub provider_repaired: i64,
    pub name_filled: i64,
    pub module_set: i64,
}

/// What V114 down did, as verified in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct V114DownOutcome {
    pub rows_rewritten: i64,
    pub suffixed: Vec<SuffixedRow>,
}

/// What V107 up did, as verified in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct V107UpOutcome {
    pub column_added: bool,
    pub pinned_exact: i64,
    pub pinned_latest_validated: i64,
    pub pinned_by_uuid: i64,
    pub indexes_created: Vec<String>,
    pub left_unpinned: Vec<UnpinnedEndpoint>,
}

/// What V107 down did, as verified in the table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct V107DownOutcome {
    pub pins_discarded: i64,
    pub dropped: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn items(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("row {i}")).collect()
    }

    #[test]
    fn detail_small() {
        assert_eq!(detail_lines(&items(2), 2), "row 1\nrow 2");
        assert_eq!(detail_lines(&[], 0), "");
    }

    #[test]
    fn detail_caller_truncated() {
        let s = detail_lines(&items(50), 75);
        assert_eq!(s.lines().count(), 51);
        assert!(s.starts_with("row 1\n"));
        assert!(s.ends_with("row 50\n... and 25 more"));
    }

    #[test]
    fn detail_truncates_itself() {
        let s = detail_lines(&items(60), 60);
        assert_eq!(s.lines().count(), 51);
        assert!(s.ends_with("row 50\n... and 10 more"));
    }

    #[test]
    fn detail_odd_inputs_do_not_panic() {
        assert_eq!(detail_lines(&[], 3), "... and 3 more");
        assert_eq!(detail_lines(&items(3), 1), "row 1\nrow 2\nrow 3");
        assert_eq!(
            detail_lines(&items(DETAIL_LIMIT), DETAIL_LIMIT)
                .lines()
                .count(),
            DETAIL_LIMIT
        );
    }

    #[test]
    fn report_shape() {
        let mut r = Report::new("v114_up", "public", 113, false);
        r.set("rows_rewritten", 3)
            .set("suffixed", json!([{"uuid": "u", "key": "k"}]));
        let v = r.finish(114, 12.345_678_9);
        assert_eq!(
            v,
            json!({
                "migration": "v114_up", "schema": "public",
                "version_before": 113, "version_after": 114,
                "dry_run": false, "elapsed_ms": 12.346,
                "rows_rewritten": 3, "suffixed": [{"uuid": "u", "key": "k"}]
            })
        );
    }

    #[test]
    fn typed_outcomes_keep_the_documented_field_names() {
        let mut r = Report::new("v114_down", "public", 114, false);
        r.set_outcome(&V114DownOutcome {
            rows_rewritten: 2,
            suffixed: vec![SuffixedRow { uuid: "u".into(), key: "k".into() }],
        });
        let v = r.finish(113, 1.0);
        assert_eq!(v["rows_rewritten"], json!(2));
        assert_eq!(v["suffixed"], json!([{"uuid": "u", "key": "k"}]));
        let mut r = Report::new("v107_up", "public", 106, false);
        r.set_outcome(&V107UpOutcome::default());
        let keys: Vec<String> = r.finish(107, 1.0).as_object().unwrap().keys().cloned().collect();
        for k in ["column_added", "pinned_exact", "pinned_latest_validated", "pinned_by_uuid", "indexes_created", "left_unpinned"] {
            assert!(keys.contains(&k.to_string()), "{k}");
        }
    }

    #[test]
    fn report_fixed_fields_win_and_odd_elapsed() {
        let mut r = Report::new("v107_down", "my schema", 107, true);
        r.set("dry_run", false)
            .set("migration", "x")
            .set("pins_discarded", 0u64);
        let v = r.finish(106, f64::NAN);
        assert_eq!(v["dry_run"], json!(true));
        assert_eq!(v["migration"], json!("v107_down"));
        assert_eq!(v["schema"], json!("my schema"));
        assert_eq!(v["elapsed_ms"], json!(0.0));
        assert_eq!(v["pins_discarded"], json!(0));
        let v = Report::new("m", "s", 1, false).finish(1, f64::INFINITY);
        assert_eq!(v["elapsed_ms"], json!(0.0));
    }
}
