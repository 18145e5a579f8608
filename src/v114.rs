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
use phoenix_kit_mig_core::{detail_lines, Report};
use pgrx::prelude::*;
use pgrx::JsonB;

// SHARE ROW EXCLUSIVE: readers go on, writers wait, so no row escapes the rewrite (CONTRACT §9).
const LOCKS: &[(Table, &str)] = &[(Table::Settings, "SHARE ROW EXCLUSIVE")];

pub const UP: Spec = Spec { name: "v114_up", rule: VersionRule { version: 114, direction: Direction::Up }, locks: LOCKS };
pub const DOWN: Spec =
    Spec { name: "v114_down", rule: VersionRule { version: 114, direction: Direction::Down }, locks: LOCKS };

/// Rewrites every `integration:*` settings row to the uuid-only key shape. See CONTRACT §6.
#[pg_extern(volatile, parallel_unsafe, security_invoker)]
#[search_path(pg_catalog, pg_temp)]
fn pk_migrate_v114_up(
    prefix: default!(Option<&str>, "'public'"),
    dry_run: default!(Option<bool>, false),
    force: default!(Option<bool>, false),
) -> JsonB {
    runner::run(&UP, prefix, dry_run, force, up)
}

/// Rebuilds composite keys for uuid-keyed integration rows (best effort). See CONTRACT §7.
#[pg_extern(volatile, parallel_unsafe, security_invoker)]
#[search_path(pg_catalog, pg_temp)]
fn pk_migrate_v114_down(
    prefix: default!(Option<&str>, "'public'"),
    dry_run: default!(Option<bool>, false),
    force: default!(Option<bool>, false),
) -> JsonB {
    runner::run(&DOWN, prefix, dry_run, force, down)
}

/// What V114 up would do, and every reason it cannot.
pub struct UpPlan {
    pub rows: i64,
    pub provider_filled: i64,
    pub provider_repaired: i64,
    pub name_filled: i64,
    pub module_set: i64,
    pub blockers: Vec<MigError>,
}

/// One pass over the integration rows: counts for the report and every blocker of §6 step 1.
/// Read-only, so `pk_migration_status` uses it too.
pub fn plan_up(t: &Target) -> UpPlan {
    let settings = t.qualified(Table::Settings);
    let ext = &t.ext;
    let sql = format!(
        r#"
WITH candidates AS (
    SELECT s.uuid, s.key, s.module, s.value_json AS vj,
           jsonb_typeof(s.value_json) AS vj_type,
           jsonb_typeof(s.value_json -> 'provider') AS p_type,
           jsonb_typeof(s.value_json -> 'name') AS n_type,
           holder.uuid AS key_holder
      FROM {settings} s
      LEFT JOIN {settings} holder ON holder.key = s.uuid::text
     WHERE s.key LIKE 'integration:%'
), judged AS (
    SELECT c.*,
           COALESCE(c.vj_type NOT IN ('object', 'null'), false) AS bad_shape,
           COALESCE(c.vj_type = 'object' AND (COALESCE(c.p_type NOT IN ('string', 'null'), false)
                                           OR COALESCE(c.n_type NOT IN ('string', 'null'), false)), false) AS bad_fields,
           CASE WHEN c.p_type = 'string' THEN c.vj ->> 'provider' END AS jp,
           CASE WHEN c.n_type = 'string' THEN c.vj ->> 'name' END AS jn
      FROM candidates c
), planned AS (
    SELECT j.*, {ext}.pk_v114_provider(j.key, j.jp) AS new_provider FROM judged j
)
SELECT count(*),
       count(*) FILTER (WHERE jp IS NULL OR jp = ''),
       count(*) FILTER (WHERE jp <> '' AND new_provider IS DISTINCT FROM jp),
       count(*) FILTER (WHERE jn IS NULL OR jn = ''),
       count(*) FILTER (WHERE module IS DISTINCT FROM 'integrations'),
       count(*) FILTER (WHERE bad_shape),
       (array_agg(format('uuid %s, key %s: value_json is a JSON %s', uuid, key, vj_type) ORDER BY key)
            FILTER (WHERE bad_shape))[1:50],
       count(*) FILTER (WHERE bad_fields),
       (array_agg(format('uuid %s, key %s: provider is %s, name is %s', uuid, key,
                         COALESCE('a JSON ' || p_type, 'missing'), COALESCE('a JSON ' || n_type, 'missing')) ORDER BY key)
            FILTER (WHERE bad_fields))[1:50],
       count(*) FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields),
       (array_agg(format('uuid %s, key %s', uuid, key) ORDER BY key)
            FILTER (WHERE new_provider IS NULL AND NOT bad_shape AND NOT bad_fields))[1:50],
       count(*) FILTER (WHERE key_holder IS NOT NULL),
       (array_agg(format('uuid %s, key %s: key %s is held by the row with uuid %s', uuid, key, uuid, key_holder) ORDER BY key)
            FILTER (WHERE key_holder IS NOT NULL))[1:50]
  FROM planned
"#
    );
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), None, &[])?.first();
        let count = |i| row.get::<i64>(i).map(|v| v.unwrap_or(0));
        let list = |i| row.get::<Vec<String>>(i).map(|v| v.unwrap_or_default());
        let target = t.display(Table::Settings);
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
                    format!("{no_provider} integration row(s) in {target} have no provider: the key has none and value_json has no non-empty provider"),
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
       value_json = COALESCE(NULLIF(s.value_json, 'null'::jsonb), '{{}}'::jsonb)
                    || jsonb_build_object('provider', {ext}.pk_v114_provider(s.key, s.value_json ->> 'provider'),
                                          'name', {ext}.pk_v114_name(s.key, s.value_json ->> 'name'))
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
    SELECT s.uuid, s.date_added,
           jsonb_typeof(s.value_json -> 'provider') AS p_type,
           jsonb_typeof(s.value_json -> 'name') AS n_type,
           CASE WHEN jsonb_typeof(s.value_json -> 'provider') = 'string' THEN s.value_json ->> 'provider' END AS provider,
           CASE WHEN jsonb_typeof(s.value_json -> 'name') = 'string' THEN s.value_json ->> 'name' END AS name
      FROM {settings} s
     WHERE s.module = 'integrations' AND s.key = s.uuid::text
), ranked AS (
    SELECT t.uuid, t.provider, t.name,
           row_number() OVER (PARTITION BY t.provider, t.name ORDER BY t.date_added ASC NULLS LAST, t.uuid ASC) AS rn,
           {ext}.pk_v114_composite_key(t.provider, t.name, NULL) AS plain_key
      FROM targets t
     WHERE t.provider <> '' AND t.name <> ''
), planned AS (
    -- The first of each (provider, name) keeps the plain key unless a row that is not being
    -- rewritten holds it already; rewritten rows hold uuid keys, which never look composite.
    SELECT r.uuid, r.plain_key,
           CASE WHEN r.rn = 1 AND NOT EXISTS (SELECT 1 FROM {settings} o WHERE o.key = r.plain_key)
                THEN r.plain_key
                ELSE {ext}.pk_v114_composite_key(r.provider, r.name, r.uuid) END AS new_key
      FROM ranked r
)"#
    )
}

pub struct DownPlan {
    pub rows: i64,
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
)
SELECT (SELECT count(*) FROM targets),
       (SELECT count(*) FROM targets WHERE NOT COALESCE(provider <> '' AND name <> '', false)),
       (SELECT (array_agg(format('uuid %s: provider is %s, name is %s', uuid,
                                 CASE WHEN provider IS NOT NULL THEN quote_literal(provider) ELSE COALESCE('a JSON ' || p_type, 'missing') END,
                                 CASE WHEN name IS NOT NULL THEN quote_literal(name) ELSE COALESCE('a JSON ' || n_type, 'missing') END)
                          ORDER BY uuid))[1:50]
          FROM targets WHERE NOT COALESCE(provider <> '' AND name <> '', false)),
       (SELECT max_chars FROM key_limit),
       (SELECT count(*) FROM checked WHERE too_long),
       (SELECT (array_agg(format('uuid %s: key %s (%s characters)', uuid, left(new_key, 80) || CASE WHEN char_length(new_key) > 80 THEN '…' ELSE '' END,
                                 char_length(new_key)) ORDER BY uuid))[1:50]
          FROM checked WHERE too_long),
       (SELECT count(*) FROM checked WHERE holder IS NOT NULL OR planned_twice > 1),
       (SELECT (array_agg(format('uuid %s: key %s %s', uuid, new_key,
                                 CASE WHEN holder IS NOT NULL THEN 'is held by the row with uuid ' || holder
                                      ELSE 'is planned for ' || planned_twice || ' rows' END) ORDER BY new_key, uuid))[1:50]
          FROM checked WHERE holder IS NOT NULL OR planned_twice > 1)
"#,
        ctes = down_plan_ctes(t)
    );
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), None, &[settings.as_str().into()])?.first();
        let count = |i| row.get::<i64>(i).map(|v| v.unwrap_or(0));
        let list = |i| row.get::<Vec<String>>(i).map(|v| v.unwrap_or_default());
        let target = t.display(Table::Settings);
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
        Ok::<_, pgrx::spi::Error>(DownPlan { rows: count(1)?, blockers })
    })
    .expect("V114 down pre-flight")
}

fn down(t: &Target, report: &mut Report) {
    let plan = plan_down(t);
    runner::refuse_if_blocked(&plan.blockers, &DOWN, t);
    let settings = t.qualified(Table::Settings);
    pgrx::notice!("phoenix_kit_mig: v114_down: checked {} uuid-keyed integration row(s) in {settings}", plan.rows);
    let sql = format!(
        r#"
WITH {ctes},
rewritten AS (
    UPDATE {settings} s SET key = p.new_key
      FROM planned p
     WHERE s.uuid = p.uuid
 RETURNING s.uuid, s.key, s.key <> p.plain_key AS suffixed
)
SELECT count(*),
       COALESCE(jsonb_agg(jsonb_build_object('uuid', uuid, 'key', key) ORDER BY key) FILTER (WHERE suffixed), '[]'::jsonb)
  FROM rewritten
"#,
        ctes = down_plan_ctes(t)
    );
    let (rewritten, suffixed) = Spi::connect_mut(|c| {
        let row = c.update(sql.as_str(), None, &[])?.first();
        Ok::<_, pgrx::spi::Error>((row.get::<i64>(1)?.unwrap_or(0), row.get::<JsonB>(2)?.map(|j| j.0)))
    })
    .expect("V114 down rewrite");
    let suffixed = suffixed.unwrap_or_else(|| serde_json::json!([]));
    let suffixed_count = suffixed.as_array().map_or(0, |a| a.len());
    pgrx::notice!(
        "phoenix_kit_mig: v114_down: rewrote {rewritten} row(s) to composite keys ({suffixed_count} suffixed to stay unique)"
    );
    report.set("rows_rewritten", rewritten).set("suffixed", suffixed);
}
