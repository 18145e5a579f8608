//! V114: integration rows of `phoenix_kit_settings` from composite keys
//! `integration:<provider>:<name>` to uuid-only keys (CONTRACT §6), and back (§7).
//!
//! Each direction is a pre-flight SELECT that finds every blocker (so nothing is changed when
//! the data is not fit) and one set-based UPDATE. The per-row rules are the core crate's,
//! called through the IMMUTABLE functions of `rules_sql`.
use crate::errors::{Code, MigError};
use crate::guard::{Direction, VersionRule};
use crate::runner::{self, Spec};
use crate::target::{Table, Target};
use phoenix_kit_mig_core::{detail_lines, Report, DETAIL_LIMIT};
use pgrx::prelude::*;
use pgrx::JsonB;

// SHARE ROW EXCLUSIVE: readers go on, writers wait, so no row escapes the rewrite (CONTRACT §9).
const LOCKS: &[(Table, &str)] = &[(Table::Settings, "SHARE ROW EXCLUSIVE")];

pub const UP: Spec = Spec { name: "v114_up", rule: VersionRule { version: 114, direction: Direction::Up }, locks: LOCKS };
pub const DOWN: Spec =
    Spec { name: "v114_down", rule: VersionRule { version: 114, direction: Direction::Down }, locks: LOCKS };

runner::migration_function!(
    /// Rewrites every `integration:*` settings row to the uuid-only key shape. See CONTRACT §6.
    pk_migrate_v114_up,
    UP,
    up
);
runner::migration_function!(
    /// Rebuilds composite keys for uuid-keyed integration rows (best effort). See CONTRACT §7.
    pk_migrate_v114_down,
    DOWN,
    down
);

/// What V114 up would do, and every reason it cannot.
pub struct UpPlan {
    pub rows: i64,
    pub provider_filled: i64,
    pub provider_repaired: i64,
    pub name_filled: i64,
    pub module_set: i64,
    pub blockers: Vec<MigError>,
}

// Every call of our helper functions passes arguments of exactly the declared types (`::text`,
// `::uuid`): a function of the same name with a closer signature elsewhere, planted by whoever
// can create functions there, must never be chosen (tests/reliability/06_security.t).

/// One pass over the integration rows: counts for the report and every blocker of §6 step 1.
/// Read-only, so `pk_migration_status` uses it too.
pub fn plan_up(t: &Target) -> UpPlan {
    let settings = t.qualified(Table::Settings);
    let ext = &t.ext;
    let sql = format!(
        r#"
WITH planned AS (
    -- The OFFSET 0 fences keep the planner from copying these per-row expressions into every
    -- FILTER below: each JSON lookup and rule call happens once per row.
    SELECT j.*,
           -- A non-empty JSON provider without ':' is kept by the rule as it is; only the
           -- others can differ, so only they need the call.
           CASE WHEN j.jp IS NULL OR j.jp = '' OR strpos(j.jp, ':') > 0
                THEN {ext}.pk_v114_provider(j.key::text, j.jp::text) ELSE j.jp END AS new_provider
      FROM (SELECT c.*,
                   COALESCE(c.vj_type NOT IN ('object', 'null'), false) AS bad_shape,
                   COALESCE(c.vj_type = 'object' AND (COALESCE(c.p_type NOT IN ('string', 'null'), false)
                                                   OR COALESCE(c.n_type NOT IN ('string', 'null'), false)), false) AS bad_fields,
                   CASE WHEN c.p_type = 'string' THEN c.pv #>> '{{}}' END AS jp,
                   CASE WHEN c.n_type = 'string' THEN c.nv #>> '{{}}' END AS jn
              FROM (SELECT s.uuid, s.key, s.module, jsonb_typeof(s.value_json) AS vj_type,
                           x.pv, x.nv, jsonb_typeof(x.pv) AS p_type, jsonb_typeof(x.nv) AS n_type
                      FROM {settings} s,
                           LATERAL (SELECT s.value_json -> 'provider' AS pv, s.value_json -> 'name' AS nv OFFSET 0) x
                     WHERE s.key LIKE 'integration:%'
                    OFFSET 0) c
            OFFSET 0) j
    OFFSET 0
), key_taken AS (
    -- Only a lowercase, hyphenated uuid text can equal some row's uuid::text. Such keys are
    -- found by two range scans of the text_pattern_ops key index (integration keys start
    -- with 'i'), not by joining the whole table to itself; each then probes the primary key.
    SELECT u.uuid_text::uuid AS uuid, u.key, u.holder
      FROM (SELECT k.holder, k.key AS uuid_text,
                   (SELECT s.key FROM {settings} s WHERE s.uuid = k.key::uuid AND s.key LIKE 'integration:%') AS key
              FROM (SELECT k.key, k.uuid AS holder FROM {settings} k
                     WHERE k.key ~>=~ '0' AND k.key ~<~ ':'
                       AND k.key ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$'
                    -- UNION ALL, not OR: two index range scans instead of a bitmap over the heap.
                    UNION ALL
                    SELECT k.key, k.uuid FROM {settings} k
                     WHERE k.key ~>=~ 'a' AND k.key ~<~ 'g'
                       AND k.key ~ '^[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$') k) u
     WHERE u.key IS NOT NULL
)
SELECT count(*),
       count(*) FILTER (WHERE jp IS NULL OR jp = ''),
       count(*) FILTER (WHERE jp <> '' AND new_provider IS DISTINCT FROM jp),
       count(*) FILTER (WHERE jn IS NULL OR jn = ''),
       count(*) FILTER (WHERE module IS DISTINCT FROM 'integrations'),
       count(*) FILTER (WHERE bad_shape),
       (array_agg(format('uuid %s, key %s: value_json is a JSON %s', uuid, key, vj_type) ORDER BY key)
            FILTER (WHERE bad_shape))[1:{DETAIL_LIMIT}],
       count(*) FILTER (WHERE bad_fields),
       (array_agg(format('uuid %s, key %s: provider is %s, name is %s', uuid, key,
                         COALESCE('a JSON ' || p_type, 'missing'), COALESCE('a JSON ' || n_type, 'missing')) ORDER BY key)
            FILTER (WHERE bad_fields))[1:{DETAIL_LIMIT}],
       count(*) FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields),
       (array_agg(format('uuid %s, key %s', uuid, key) ORDER BY key)
            FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields))[1:{DETAIL_LIMIT}],
       (SELECT count(*) FROM key_taken),
       (SELECT (array_agg(format('uuid %s, key %s: key %s is held by the row with uuid %s', uuid, key, uuid, holder) ORDER BY key))[1:{DETAIL_LIMIT}]
          FROM key_taken)
  FROM planned
"#
    );
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), None, &[])?.first();
        let count = |i| row.get::<i64>(i).map(|v| v.unwrap_or(0));
        let list = |i| row.get::<Vec<String>>(i).map(|v| v.unwrap_or_default());
        let target = t.qualified(Table::Settings);
        let mut blockers = Vec::new();
        let (bad_shape, bad_fields, no_provider, key_taken) = (count(6)?, count(8)?, count(10)?, count(12)?);
        if bad_shape > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("value_json of {bad_shape} integration row(s) in {target} is not a JSON object"),
                )
                .detail(detail_lines(&list(7)?, bad_shape as usize))
                .hint("Make value_json a JSON object (or NULL) for these rows, or delete them, then run pk_migrate_v114_up again."),
            );
        }
        if bad_fields > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("{bad_fields} integration row(s) in {target} have a provider or name in value_json that is not a string"),
                )
                .detail(detail_lines(&list(9)?, bad_fields as usize))
                .hint("Set value_json->'provider' and ->'name' to strings (or remove them to take them from the key), then run pk_migrate_v114_up again."),
            );
        }
        if no_provider > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("{no_provider} integration row(s) in {target} have no provider: the key has none and value_json has no usable one"),
                )
                .detail(detail_lines(&list(11)?, no_provider as usize))
                .hint("Set value_json->'provider' for these rows (or delete them), then run pk_migrate_v114_up again."),
            );
        }
        if key_taken > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_UNIQUE_VIOLATION,
                    format!("{key_taken} integration row(s) in {target} cannot take their uuid as key: another row already holds it"),
                )
                .detail(detail_lines(&list(13)?, key_taken as usize))
                .hint("Rename or delete the rows holding those keys, then run pk_migrate_v114_up again."),
            );
        }
        Ok::<_, pgrx::spi::Error>(UpPlan {
            rows: count(1)?,
            provider_filled: count(2)?,
            provider_repaired: count(3)?,
            name_filled: count(4)?,
            module_set: count(5)?,
            blockers,
        })
    })
    .expect("V114 up pre-flight")
}

fn up(t: &Target, report: &mut Report) {
    let plan = plan_up(t);
    runner::refuse_if_blocked(&plan.blockers, &UP, t);
    let settings = t.qualified(Table::Settings);
    pgrx::notice!("phoenix_kit_mig: v114_up: checked {} integration row(s) in {settings}", plan.rows);

    // The pre-flight guarantees value_json is an object or null and provider/name are strings
    // or null here, so ->> reads exactly the values the plan judged.
    let ext = &t.ext;
    let rewritten = Spi::connect_mut(|c| {
        c.update(
            format!(
                r#"
UPDATE {settings} s
   SET key = s.uuid::text,
       module = 'integrations',
       -- Where provider and name stay as they are (both non-empty, the provider without ':')
       -- the merge would rebuild an identical jsonb: skip that work and keep the value.
       value_json = CASE WHEN (s.value_json ->> 'provider') <> '' AND strpos(s.value_json ->> 'provider', ':') = 0
                              AND (s.value_json ->> 'name') <> ''
                         THEN s.value_json
                         ELSE COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{{}}'::jsonb)
                              || jsonb_build_object('provider', {ext}.pk_v114_provider(s.key::text, (s.value_json ->> 'provider')::text),
                                                    'name', {ext}.pk_v114_name(s.key::text, (s.value_json ->> 'name')::text)) END
 WHERE s.key LIKE 'integration:%'
"#
            )
            .as_str(),
            None,
            &[],
        )
        .map(|r| r.len() as i64)
    })
    .expect("V114 up rewrite");
    // The lock keeps writers out between the plan and the rewrite, so the two must agree.
    assert_eq!(rewritten, plan.rows, "rows rewritten differ from rows planned");
    pgrx::notice!(
        "phoenix_kit_mig: v114_up: rewrote {rewritten} row(s) to uuid keys (provider filled {}, repaired {}; name filled {}; module set {})",
        plan.provider_filled,
        plan.provider_repaired,
        plan.name_filled,
        plan.module_set
    );
    report
        .set("rows_rewritten", rewritten)
        .set("provider_filled", plan.provider_filled)
        .set("provider_repaired", plan.provider_repaired)
        .set("name_filled", plan.name_filled)
        .set("module_set", plan.module_set);
}

/// The rows V114 down rewrites and the key each gets (CONTRACT §7 step 2), as SQL CTEs.
/// Deterministic, so the pre-flight and the UPDATE compute the same plan.
fn down_plan_ctes(t: &Target) -> String {
    let settings = t.qualified(Table::Settings);
    let ext = &t.ext;
    format!(
        r#"
targets AS (
    SELECT s.ctid AS row_id, s.uuid, s.date_added,
           jsonb_typeof(s.value_json -> 'provider') AS p_type,
           jsonb_typeof(s.value_json -> 'name') AS n_type,
           CASE WHEN jsonb_typeof(s.value_json -> 'provider') = 'string' THEN s.value_json ->> 'provider' END AS provider,
           CASE WHEN jsonb_typeof(s.value_json -> 'name') = 'string' THEN s.value_json ->> 'name' END AS name
      FROM {settings} s
     WHERE s.module = 'integrations' AND s.key = s.uuid::text
    -- Fenced, so the window sort below carries these few columns and not every value_json.
    OFFSET 0
), ranked AS (
    SELECT t.row_id, t.uuid, t.provider, t.name,
           row_number() OVER (PARTITION BY t.provider, t.name ORDER BY t.date_added ASC NULLS LAST, t.uuid ASC) AS rn,
           -- NULL for a row without a usable provider or name: its rewrite would fail.
           {ext}.pk_v114_composite_key(NULLIF(t.provider, '')::text, NULLIF(t.name, '')::text, NULL::uuid) AS plain_key
      FROM targets t
    OFFSET 0
), planned AS (
    -- The first of each (provider, name) keeps the plain key unless a row that is not being
    -- rewritten holds it already; rewritten rows hold uuid keys, which never look composite.
    SELECT r.row_id, r.uuid, r.plain_key,
           CASE WHEN r.plain_key IS NULL THEN NULL
                WHEN r.rn = 1 AND NOT EXISTS (SELECT 1 FROM {settings} o WHERE o.key = r.plain_key)
                THEN r.plain_key
                ELSE {ext}.pk_v114_composite_key(r.provider::text, r.name::text, r.uuid::uuid) END AS new_key
      FROM ranked r
)"#
    )
}

pub struct DownPlan {
    pub blockers: Vec<MigError>,
}

/// Every blocker of §7 step 1 and 2, read-only.
pub fn plan_down(t: &Target) -> DownPlan {
    let settings = t.qualified(Table::Settings);
    let sql = format!(
        r#"
WITH {ctes},
key_limit AS (
    SELECT CASE WHEN a.atttypmod >= 4 AND a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype)
                THEN a.atttypmod - 4 END AS max_chars
      FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'key'
), checked AS (
    SELECT p.uuid, p.new_key,
           COALESCE(char_length(p.new_key) > (SELECT max_chars FROM key_limit), false) AS too_long,
           (SELECT o.uuid FROM {settings} o WHERE o.key = p.new_key) AS holder,
           count(*) OVER (PARTITION BY p.new_key) AS planned_twice
      FROM planned p
     WHERE p.new_key IS NOT NULL
)
SELECT (SELECT count(*) FROM targets),
       (SELECT count(*) FROM targets WHERE NOT COALESCE(provider <> '' AND name <> '', false)),
       (SELECT (array_agg(format('uuid %s: provider is %s, name is %s', uuid,
                                 CASE WHEN provider IS NOT NULL THEN quote_literal(provider) ELSE COALESCE('a JSON ' || p_type, 'missing') END,
                                 CASE WHEN name IS NOT NULL THEN quote_literal(name) ELSE COALESCE('a JSON ' || n_type, 'missing') END)
                          ORDER BY uuid))[1:{DETAIL_LIMIT}]
          FROM targets WHERE NOT COALESCE(provider <> '' AND name <> '', false)),
       (SELECT max_chars FROM key_limit),
       (SELECT count(*) FROM checked WHERE too_long),
       (SELECT (array_agg(format('uuid %s: key %s (%s characters)', uuid, left(new_key, 80) || CASE WHEN char_length(new_key) > 80 THEN '…' ELSE '' END,
                                 char_length(new_key)) ORDER BY uuid))[1:{DETAIL_LIMIT}]
          FROM checked WHERE too_long),
       (SELECT count(*) FROM checked WHERE holder IS NOT NULL OR planned_twice > 1),
       (SELECT (array_agg(format('uuid %s: key %s %s', uuid, new_key,
                                 CASE WHEN holder IS NOT NULL THEN 'is held by the row with uuid ' || holder
                                      ELSE 'is planned for ' || planned_twice || ' rows' END) ORDER BY new_key, uuid))[1:{DETAIL_LIMIT}]
          FROM checked WHERE holder IS NOT NULL OR planned_twice > 1)
"#,
        ctes = down_plan_ctes(t)
    );
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), None, &[settings.as_str().into()])?.first();
        let count = |i| row.get::<i64>(i).map(|v| v.unwrap_or(0));
        let list = |i| row.get::<Vec<String>>(i).map(|v| v.unwrap_or_default());
        let target = t.qualified(Table::Settings);
        let mut blockers = Vec::new();
        let (unusable, too_long, colliding) = (count(2)?, count(5)?, count(7)?);
        if unusable > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("{unusable} integration row(s) in {target} have no usable provider or name in value_json"),
                )
                .detail(detail_lines(&list(3)?, unusable as usize))
                .hint("Set value_json->'provider' and ->'name' to non-empty strings for these rows, then run pk_migrate_v114_down again."),
            );
        }
        if too_long > 0 {
            let max = row.get::<i32>(4)?.unwrap_or_default();
            blockers.push(
                MigError::new(
                    Code::ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
                    format!("{too_long} rebuilt key(s) would be longer than the {max} characters {target}.key allows"),
                )
                .detail(detail_lines(&list(6)?, too_long as usize))
                .hint("Shorten value_json->'name' (or 'provider') of these rows, then run pk_migrate_v114_down again."),
            );
        }
        if colliding > 0 {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_UNIQUE_VIOLATION,
                    format!("{colliding} rebuilt key(s) in {target} collide with other keys"),
                )
                .detail(detail_lines(&list(8)?, colliding as usize))
                .hint("Rename one of each pair (value_json->'name') or delete it, then run pk_migrate_v114_down again."),
            );
        }
        Ok::<_, pgrx::spi::Error>(DownPlan { blockers })
    })
    .expect("V114 down pre-flight")
}

fn down(t: &Target, report: &mut Report) {
    let settings = t.qualified(Table::Settings);
    // Fast path: the rewrite itself is the check. Every blocker of §7 makes it fail — a row
    // without usable provider or name gets a NULL key (NOT NULL), a long key overflows the
    // column, a collision hits the unique key index — and then the subtransaction is rolled
    // back and the read-only pre-flight explains it row by row. That saves a second pass over
    // the table on the way that matters. Without those constraints, check first.
    if !key_column_is_constrained(t) {
        runner::refuse_if_blocked(&plan_down(t).blockers, &DOWN, t);
    }
    let attempt = runner::subtransaction(std::panic::AssertUnwindSafe(|| rewrite_down(t)), true);
    let (rewritten, suffixed) = match attempt {
        Ok(done) => done,
        Err(error) => {
            runner::refuse_if_blocked(&plan_down(t).blockers, &DOWN, t);
            error.rethrow()
        }
    };
    let suffixed_count = suffixed.as_array().map_or(0, |a| a.len());
    pgrx::notice!(
        "phoenix_kit_mig: v114_down: rewrote {rewritten} uuid-keyed integration row(s) in {settings} to composite keys ({suffixed_count} suffixed to stay unique)"
    );
    report.set("rows_rewritten", rewritten).set("suffixed", suffixed);
}

/// True when `key` is NOT NULL, has a unique index on exactly (key), and is length-limited or
/// text: then a bad rebuilt key cannot be written silently.
fn key_column_is_constrained(t: &Target) -> bool {
    Spi::connect(|c| {
        c.select(
            "SELECT a.attnotnull AND EXISTS (
                      SELECT 1 FROM pg_index i
                       WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
                         AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum AND i.indexprs IS NULL)
               FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = 'key'",
            None,
            &[t.qualified(Table::Settings).as_str().into()],
        )?
        .first()
        .get_one::<bool>()
    })
    .expect("key constraints")
    .unwrap_or(false)
}

fn rewrite_down(t: &Target) -> (i64, serde_json::Value) {
    let settings = t.qualified(Table::Settings);
    let sql = format!(
        r#"
WITH {ctes},
ordered AS (
    SELECT * FROM planned ORDER BY row_id
), rewritten AS (
    -- Back to each row by its ctid (stable: the lock keeps writers out), in ctid order: one
    -- TID lookup per row, pages in order, linear whatever the statistics say.
    UPDATE {settings} s SET key = p.new_key
      FROM ordered p
     WHERE s.ctid = p.row_id
 RETURNING s.uuid, s.key, s.key <> p.plain_key AS suffixed
)
SELECT count(*),
       COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'key', key) ORDER BY key) FILTER (WHERE suffixed), '[]'::jsonb)
  FROM rewritten
"#,
        ctes = down_plan_ctes(t)
    );
    let (rewritten, suffixed) = Spi::connect_mut(|c| {
        // A nested loop of TID lookups is what this statement needs; the function's own
        // enable_nestloop = off (and this change) end with the call.
        c.update("SELECT pg_catalog.set_config('enable_nestloop', 'on', true)", None, &[])?;
        let row = c.update(sql.as_str(), None, &[])?.first();
        c.update("SELECT pg_catalog.set_config('enable_nestloop', 'off', true)", None, &[])?;
        Ok::<_, pgrx::spi::Error>((row.get::<i64>(1)?.unwrap_or(0), row.get::<JsonB>(2)?.map(|j| j.0)))
    })
    .expect("V114 down rewrite");
    (rewritten, suffixed.unwrap_or_else(|| serde_json::json!([])))
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;
    use serde_json::json;

    const S: &str = "public";

    fn up() -> serde_json::Value {
        report("SELECT pk_migrate_v114_up()")
    }

    fn counts(r: &serde_json::Value, fields: &[&str]) -> Vec<i64> {
        fields.iter().map(|f| r[f].as_i64().unwrap_or_else(|| panic!("{f} missing in {r}"))).collect()
    }

    #[pg_test]
    fn up_rewrites_keys_and_fills_provider_and_name() {
        fixture(S, 113);
        let named = setting(S, "integration:openrouter:work", Some(r#"{"status":"connected","api_key":"enc:v1:x"}"#), Some("integrations"));
        let legacy = setting(S, "integration:google", Some(r#"{"provider":"google"}"#), None);
        let colons = setting(S, "integration:openrouter:team:eu", None, Some("other"));
        let empty_name = setting(S, "integration:telegram:", Some("null"), Some("integrations"));
        let display = setting(S, "integration:openai:default", Some(r#"{"provider":"Custom","name":"Display Name"}"#), Some("integrations"));
        let json_empty = setting(S, "integration:slack:ops", Some(r#"{"provider":"","name":null}"#), Some("integrations"));
        let composite = setting(S, "integration:openrouter:primary", Some(r#"{"provider":"openrouter:primary","name":"primary"}"#), Some("integrations"));
        let malformed_ok = setting(S, "integration::x", Some(r#"{"provider":"stripe"}"#), Some("integrations"));
        let plain = setting(S, "site_name", Some(r#"{"v":1}"#), Some("system"));
        let not_prefix = setting(S, "Integration:google:x", None, Some("system"));
        let before_named = setting_row(S, named);

        let r = up();
        assert_eq!(r["migration"], "v114_up");
        assert_eq!(r["schema"], S);
        assert_eq!((r["version_before"].as_i64(), r["version_after"].as_i64()), (Some(113), Some(114)));
        assert_eq!(r["dry_run"], false);
        assert!(r["elapsed_ms"].as_f64().is_some());
        assert_eq!(
            counts(&r, &["rows_rewritten", "provider_filled", "provider_repaired", "name_filled", "module_set"]),
            // filled: named, colons, empty_name, json_empty; repaired: composite;
            // name filled: named, legacy, colons, empty_name, json_empty, malformed_ok; module: legacy, colons
            vec![8, 4, 1, 6, 2]
        );
        assert_eq!(version(S).as_deref(), Some("114"));

        let row = |u| setting_row(S, u);
        let pn = |u| {
            let r = row(u);
            (r["value_json"]["provider"].clone(), r["value_json"]["name"].clone())
        };
        assert_eq!(pn(named), (json!("openrouter"), json!("work")));
        assert_eq!(pn(legacy), (json!("google"), json!("default")));
        assert_eq!(pn(colons), (json!("openrouter"), json!("team:eu")), "names with ':' are kept whole");
        assert_eq!(pn(empty_name), (json!("telegram"), json!("default")));
        assert_eq!(pn(display), (json!("Custom"), json!("Display Name")), "non-empty JSON values win");
        assert_eq!(pn(json_empty), (json!("slack"), json!("ops")));
        assert_eq!(pn(composite), (json!("openrouter"), json!("primary")), "composite JSON provider repaired");
        assert_eq!(pn(malformed_ok), (json!("stripe"), json!("x")));

        let after_named = row(named);
        assert_eq!(after_named["key"], json!(named.to_string()));
        assert_eq!(after_named["module"], "integrations");
        assert_eq!(after_named["value_json"]["status"], "connected", "other JSON keys kept");
        assert_eq!(after_named["value_json"]["api_key"], "enc:v1:x");
        for column in ["uuid", "value", "date_added", "date_updated"] {
            assert_eq!(after_named[column], before_named[column], "{column} must not change");
        }
        assert_eq!(row(legacy)["module"], "integrations");
        assert_eq!(row(colons)["module"], "integrations", "rows of other modules are rewritten too");
        assert_eq!(row(empty_name)["value_json"], json!({"provider": "telegram", "name": "default"}), "JSON null becomes an object");
        assert_eq!(row(colons)["value_json"], json!({"provider": "openrouter", "name": "team:eu"}), "SQL NULL becomes an object");
        assert_eq!(row(plain)["key"], "site_name");
        assert_eq!(row(plain)["value_json"], json!({"v": 1}));
        assert_eq!(row(not_prefix)["key"], "Integration:google:x", "the prefix is case-sensitive");
        assert_eq!(row(not_prefix)["module"], "system");
    }

    #[pg_test]
    fn second_run_reports_zeros_and_picks_up_late_rows() {
        fixture(S, 113);
        setting(S, "integration:google:default", None, Some("integrations"));
        up();
        let fp = fingerprint(S);
        let again = up();
        assert_eq!(counts(&again, &["rows_rewritten", "provider_filled", "provider_repaired", "name_filled", "module_set"]), vec![0; 5]);
        assert_eq!((again["version_before"].as_i64(), again["version_after"].as_i64()), (Some(114), Some(114)));
        assert_eq!(fingerprint(S), fp, "a run with nothing to do changes nothing");
        // An old application node wrote another composite key after the migration.
        let late = setting(S, "integration:google:late", None, Some("integrations"));
        assert_eq!(up()["rows_rewritten"], 1);
        assert_eq!(setting_row(S, late)["key"], json!(late.to_string()));
    }

    #[pg_test]
    fn up_refuses_non_object_value_json_listing_every_row() {
        fixture(S, 113);
        for (i, value) in [r#"["a"]"#, r#""text""#, "5", "true"].iter().enumerate() {
            setting(S, &format!("integration:p{i}:n"), Some(value), Some("integrations"));
        }
        setting(S, "integration:ok:n", Some("{}"), Some("integrations"));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
        assert!(f.message.contains("\"public\".phoenix_kit_settings") || f.message.contains("public.phoenix_kit_settings"), "{f:?}");
        let detail = f.detail.unwrap();
        for i in 0..4 {
            assert!(detail.contains(&format!("integration:p{i}:n")), "{detail}");
        }
        assert!(!detail.contains("integration:ok:n"));
        assert!(f.hint.unwrap().contains("pk_migrate_v114_up"));
    }

    #[pg_test]
    fn up_refuses_non_string_provider_or_name() {
        for value in [r#"{"provider":5}"#, r#"{"name":{"a":1}}"#, r#"{"provider":["x"]}"#, r#"{"name":false}"#] {
            fixture(S, 113);
            setting(S, "integration:google:x", Some(value), Some("integrations"));
            let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
            assert!(f.detail.unwrap().contains("integration:google:x"));
        }
    }

    #[pg_test]
    fn up_refuses_an_empty_provider() {
        for key in ["integration:", "integration::x"] {
            fixture(S, 113);
            setting(S, key, Some(r#"{"provider":""}"#), Some("integrations"));
            let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
            assert!(f.message.contains("no provider"), "{f:?}");
            assert!(f.detail.unwrap().contains(&format!("key {key}")));
        }
    }

    #[pg_test]
    fn up_refuses_a_composite_copy_that_would_repair_to_an_empty_provider() {
        fixture(S, 113);
        setting(S, "integration::y", Some(r#"{"provider":":y"}"#), Some("integrations"));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
        assert!(f.detail.unwrap().contains("integration::y"));
    }

    #[pg_test]
    fn up_refuses_when_a_uuid_key_is_taken() {
        fixture(S, 113);
        let row = setting(S, "integration:google:x", None, Some("integrations"));
        let holder = setting(S, &row.to_string(), None, Some("system"));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "23505");
        let detail = f.detail.unwrap();
        assert!(detail.contains(&row.to_string()) && detail.contains(&holder.to_string()), "{detail}");
    }

    #[pg_test]
    fn detail_lists_fifty_rows_then_a_count() {
        fixture(S, 113);
        for i in 0..57 {
            setting(S, &format!("integration:p:{i:03}"), Some("[]"), Some("integrations"));
        }
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
        assert!(f.message.starts_with("value_json of 57 integration row(s)"), "{}", f.message);
        let detail = f.detail.unwrap();
        assert_eq!(detail.lines().filter(|l| l.starts_with("uuid ")).count(), 50, "{detail}");
        assert!(detail.contains("integration:p:049") && !detail.contains("integration:p:050"));
        assert!(detail.trim_end().ends_with("and 7 more"), "{detail}");
    }

    #[pg_test]
    fn several_blockers_raise_the_first_and_point_to_the_rest() {
        fixture(S, 113);
        setting(S, "integration:a:x", Some("[]"), Some("integrations"));
        setting(S, "integration:", None, Some("integrations"));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "22023");
        assert!(f.message.contains("not a JSON object"));
        assert!(f.hint.unwrap().contains("1 other blocker(s)"));
    }

    fn down() -> serde_json::Value {
        report("SELECT pk_migrate_v114_down()")
    }

    fn key_of(u: pgrx::Uuid) -> String {
        setting_row(S, u)["key"].as_str().unwrap().to_string()
    }

    fn tail(u: pgrx::Uuid) -> String {
        u.to_string()[24..32].to_string()
    }

    #[pg_test]
    fn round_trip_suffixes_duplicate_pairs_in_age_order() {
        fixture(S, 114);
        let add = |name: &str, at: &str| {
            Spi::get_one_with_args::<pgrx::Uuid>(
                "SELECT pg_temp.pk_fixture_setting('public', gen_random_uuid()::text, $1::jsonb, 'integrations', NULL, $2::timestamptz)",
                &[json!({"provider": "openrouter", "name": name}).to_string().into(), at.into()],
            )
            .unwrap()
            .unwrap()
        };
        // Rows created after V114 with uuid keys, duplicates allowed.
        let rows: Vec<pgrx::Uuid> = Vec::new();
        let _ = rows;
        let fix_key = |u: pgrx::Uuid| {
            Spi::run_with_args("UPDATE phoenix_kit_settings SET key = uuid::text WHERE uuid = $1", &[u.into()]).unwrap();
            u
        };
        let oldest = fix_key(add("work", "2026-01-01T00:00:00Z"));
        let middle = fix_key(add("work", "2026-02-01T00:00:00Z"));
        let newest = fix_key(add("work", "2026-03-01T00:00:00Z"));
        let other_case = fix_key(add("Work", "2026-04-01T00:00:00Z"));
        let colon = fix_key(add("team:eu", "2026-04-01T00:00:00Z"));

        let r = down();
        assert_eq!(r["rows_rewritten"], 5);
        assert_eq!(version(S).as_deref(), Some("113"));
        assert_eq!(key_of(oldest), "integration:openrouter:work");
        assert_eq!(key_of(middle), format!("integration:openrouter:work-{}", tail(middle)));
        assert_eq!(key_of(newest), format!("integration:openrouter:work-{}", tail(newest)));
        assert_eq!(key_of(other_case), "integration:openrouter:Work", "grouping is case-sensitive");
        assert_eq!(key_of(colon), "integration:openrouter:team:eu");
        let suffixed = r["suffixed"].as_array().unwrap();
        assert_eq!(suffixed.len(), 2);
        assert!(suffixed.contains(&json!({"uuid": middle.to_string(), "key": key_of(middle)})));
        assert_eq!(setting_row(S, oldest)["module"], "integrations", "module stays");

        // And up again: uuids are the keys once more; JSON names survive, suffixes are in keys only.
        let again = up();
        assert_eq!(again["rows_rewritten"], 5);
        assert_eq!(key_of(middle), middle.to_string());
        assert_eq!(setting_row(S, colon)["value_json"]["name"], "team:eu");
        assert_eq!(setting_row(S, middle)["value_json"]["name"], "work");
    }

    #[pg_test]
    fn down_suffixes_the_first_when_an_unmigrated_row_holds_its_key() {
        fixture(S, 114);
        let stale = setting(S, "integration:openrouter:stale", None, Some("integrations"));
        let migrated = setting(S, "x", Some(r#"{"provider":"openrouter","name":"stale"}"#), Some("integrations"));
        Spi::run("UPDATE phoenix_kit_settings SET key = uuid::text WHERE key = 'x'").unwrap();
        let r = down();
        assert_eq!(r["rows_rewritten"], 1);
        assert_eq!(key_of(stale), "integration:openrouter:stale", "the unmigrated row is left alone");
        assert_eq!(key_of(migrated), format!("integration:openrouter:stale-{}", tail(migrated)));
    }

    fn uuid_keyed(value_json: &str) -> pgrx::Uuid {
        let u = setting(S, "tmp", Some(value_json), Some("integrations"));
        Spi::run_with_args("UPDATE phoenix_kit_settings SET key = uuid::text WHERE uuid = $1", &[u.into()]).unwrap();
        u
    }

    #[pg_test]
    fn down_refuses_rows_without_usable_provider_or_name() {
        for value in [r#"{"name":"x"}"#, r#"{"provider":"p","name":""}"#, r#"{"provider":null,"name":"x"}"#, r#"{"provider":"p","name":7}"#, "[]"] {
            fixture(S, 114);
            let bad = uuid_keyed(value);
            uuid_keyed(r#"{"provider":"p","name":"fine"}"#);
            let f = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "22023");
            let detail = f.detail.unwrap();
            assert!(detail.contains(&bad.to_string()) && detail.lines().count() == 1, "{value}: {detail}");
        }
    }

    #[pg_test]
    fn down_refuses_keys_longer_than_the_column() {
        fixture(S, 114);
        let long = uuid_keyed(&json!({"provider": "p", "name": "n".repeat(250)}).to_string());
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "22001");
        assert!(f.message.contains("255 characters"), "{}", f.message);
        assert!(f.detail.unwrap().contains(&long.to_string()));
    }

    #[pg_test]
    fn down_refuses_a_suffixed_key_that_still_collides() {
        fixture(S, 114);
        let first = uuid_keyed(r#"{"provider":"p","name":"n"}"#);
        let second = uuid_keyed(r#"{"provider":"p","name":"n"}"#);
        Spi::run_with_args("UPDATE phoenix_kit_settings SET date_added = now() - interval '1 day' WHERE uuid = $1", &[first.into()]).unwrap();
        // A row already holds exactly the key the second would get.
        setting(S, &format!("integration:p:n-{}", tail(second)), None, Some("system"));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "23505");
        assert!(f.detail.unwrap().contains(&second.to_string()));
    }

    #[pg_test]
    fn works_in_a_schema_with_an_odd_name() {
        fixture("My Kit", 113);
        let u = setting("My Kit", "integration:google:x", None, Some("integrations"));
        let r = report("SELECT pk_migrate_v114_up('My Kit')");
        assert_eq!((r["schema"].as_str(), r["rows_rewritten"].as_i64()), (Some("My Kit"), Some(1)));
        assert_eq!(setting_row("My Kit", u)["key"], json!(u.to_string()));
        assert_eq!(version("My Kit").as_deref(), Some("114"));
        assert_eq!(report("SELECT pk_migrate_v114_down('My Kit')")["rows_rewritten"], 1);
    }

    #[pg_test]
    fn leaves_other_schemas_alone() {
        fixture(S, 113);
        fixture("other", 113);
        let here = setting(S, "integration:google:x", None, Some("integrations"));
        let there = setting("other", "integration:google:x", None, Some("integrations"));
        up();
        assert_eq!(setting_row(S, here)["key"], json!(here.to_string()));
        assert_eq!(setting_row("other", there)["key"], "integration:google:x");
        assert_eq!(version("other").as_deref(), Some("113"));
    }

    #[pg_test]
    fn holds_share_row_exclusive_on_settings_until_commit() {
        fixture(S, 113);
        up();
        let mode = Spi::get_one::<String>(
            "SELECT string_agg(mode, ',' ORDER BY mode) FROM pg_locks
              WHERE pid = pg_backend_pid() AND relation = 'public.phoenix_kit_settings'::regclass AND granted",
        )
        .unwrap()
        .unwrap_or_default();
        assert!(mode.contains("ShareRowExclusiveLock"), "{mode}");
    }

    #[pg_test]
    fn dry_run_reports_the_same_and_changes_nothing() {
        fixture(S, 113);
        setting(S, "integration:google", None, None);
        setting(S, "integration:openrouter:primary", Some(r#"{"provider":"openrouter:primary"}"#), Some("integrations"));
        let fp = fingerprint(S);
        let dry = report("SELECT pk_migrate_v114_up(dry_run => true)");
        assert_eq!(fingerprint(S), fp);
        let real = up();
        assert_eq!(dry["dry_run"], true);
        assert_eq!(real["dry_run"], false);
        let strip = |mut r: serde_json::Value| {
            r.as_object_mut().unwrap().retain(|k, _| k != "dry_run" && k != "elapsed_ms");
            r
        };
        assert_eq!(strip(dry), strip(real));
        // A dry run of the down, with its report.
        let fp = fingerprint(S);
        let dry_down = report("SELECT pk_migrate_v114_down('public', true)");
        assert_eq!(fingerprint(S), fp);
        assert_eq!(dry_down["rows_rewritten"], 2);
        assert_eq!(dry_down["version_after"], 113);
    }

    #[pg_test]
    fn dry_run_still_raises_preflight_errors() {
        fixture(S, 113);
        setting(S, "integration:x:y", Some("[1]"), Some("integrations"));
        fails_unchanged(S, "SELECT pk_migrate_v114_up(dry_run => true)", "22023");
        // and the transaction is usable afterwards: the subtransactions were unwound in order.
        assert_eq!(one::<i32>("SELECT 1"), Some(1));
    }
}
