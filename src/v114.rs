//! V114: integration rows of `phoenix_kit_settings` from composite keys
//! `integration:<provider>:<name>` to uuid-only keys (docs/behaviour.md §6), and back (§7).
//!
//! Each direction is a migration of the runner: a read-only plan (`sql/queries/v114_*_plan.sql`
//! and its pre-flight summary) that finds every blocker, one set-based UPDATE, and a verify
//! step that reads what the UPDATE wrote (RETURNING), or — when user triggers could change the
//! rows after it — the table itself against a kept copy of the plan.
use crate::errors::{Code, MigError, OrRaise, RowBlocker};
use crate::guard::{Direction, VersionRule};
use crate::runner::{self, Applied, Blockers, Migration, Purpose, Spec, TableUse};
use crate::script::Part;
use crate::sql::{sections, template, Fill, Hole, Row, Sql};
use crate::target::{Privilege, Table, Target};
use pgrx::prelude::*;
use phoenix_kit_mig_core::{detail_lines, V114DownOutcome, V114UpOutcome};

// SHARE ROW EXCLUSIVE: readers go on, writers wait, so no row escapes the rewrite.
const LOCKS: &[(Table, &str)] = &[(Table::Settings, "SHARE ROW EXCLUSIVE")];
const PRIVILEGES: &[(Table, &[Privilege])] = &[(Table::Settings, &[Privilege::Select, Privilege::Update]), (Table::Kit, &[Privilege::Owner])];

// Keys are matched by LIKE, equality and grouping. No foreign key may reach a column a
// migration rewrites (its ON UPDATE action would change or fail on another table): key and
// module for both directions (§11.1), and value_json, which the up rewrites too.
const MATCHES: &[&str] = &["key", "module"];
const UP_REWRITES: &[&str] = &["key", "module", "value_json"];
const DOWN_REWRITES: &[&str] = &["key", "module"];

pub struct Up;
pub struct Down;

runner::migration_function!(
    /// Rewrites every `integration:*` settings row to the uuid-only key shape (§6).
    pk_migrate_v114_up,
    Up
);
runner::migration_function!(
    /// Rebuilds composite keys for uuid-keyed integration rows, best effort (§7).
    pk_migrate_v114_down,
    Down
);

/// The plan query of V114 up: one row per integration row with its end values.
pub fn up_plan_sql(t: &Target) -> Sql {
    t.render(template!("v114_up_plan"), &[])
}

/// The settings rows whose key has a uuid's shape, for the pre-flight and the preview alike.
fn uuid_keys_sql(t: &Target) -> Sql {
    t.render(template!("v114_uuid_keys"), &[])
}

/// The plan query of V114 down: one row per uuid-keyed integration row with its new key.
pub fn down_plan_sql(t: &Target) -> Sql {
    t.render(template!("v114_down_plan"), &[])
}

/// Integration rows that share a uuid: V114 would give them the same key, and the verify step
/// could not tell them apart. Skipped when an immediate unique index on uuid rules them out.
fn duplicate_uuids(t: &Target, rows: &'static str, label: &'static str, migration: &str) -> Option<MigError> {
    if t.has_immediate_unique_index(Table::Settings, "uuid") {
        return None;
    }
    let sql = t.render(
        template!("duplicate_uuids"),
        &[(Hole::Table, Fill::Relation(Table::Settings)), (Hole::Where, Fill::Fragment(rows)), (Hole::Label, Fill::Fragment(label))],
    );
    let (groups, lines) = Spi::connect(|c| {
        let table = c.select(sql.as_str(), None, &[])?.first();
        let row = Row(&table);
        Ok::<_, pgrx::spi::Error>((row.count("groups"), row.lines("group_rows")))
    })
    .expect("duplicate uuids");
    (groups > 0).then(|| {
        MigError::new(Code::ERRCODE_UNIQUE_VIOLATION, format!("{groups} uuid(s) are shared by several integration rows of {}", t.qualified(Table::Settings)))
            .detail(detail_lines(&lines, groups as usize))
            .hint(format!("Give each row its own uuid (the primary key of the table is missing or deferrable), then run {migration} again."))
    })
}

/// What V114 up would do, and every reason it cannot.
pub struct UpPlan {
    pub counts: V114UpOutcome,
    pub blockers: Blockers,
    /// User triggers on the table: the plan is staged and verified against the table.
    pub staged: bool,
}

/// The row blockers of V114 up's pre-flight (§6 step 1), in the order a run raises them:
/// columns of v114_up_preflight.sql.
const UP_BLOCKERS: &[RowBlocker] = &[
    RowBlocker {
        count: "null_uuid",
        code: Code::ERRCODE_NOT_NULL_VIOLATION,
        message: |c| format!("{} integration row(s) in {} have no uuid, which V114 makes their key", c.n, c.table),
        hint: "Give these rows a uuid (UPDATE … SET uuid = gen_random_uuid() WHERE uuid IS NULL AND key = …), then run pk_migrate_v114_up again.",
    },
    RowBlocker {
        count: "bad_shape",
        code: Code::ERRCODE_INVALID_PARAMETER_VALUE,
        message: |c| format!("value_json of {} integration row(s) in {} is not a JSON object", c.n, c.table),
        hint: "Make value_json a JSON object (or NULL) for these rows, or delete them, then run pk_migrate_v114_up again.",
    },
    RowBlocker {
        count: "bad_fields",
        code: Code::ERRCODE_INVALID_PARAMETER_VALUE,
        message: |c| format!("{} integration row(s) in {} have a provider or name in value_json that is not a string", c.n, c.table),
        hint: "Set value_json->'provider' and ->'name' to strings (or remove them to take them from the key), then run pk_migrate_v114_up again.",
    },
    RowBlocker {
        count: "no_provider",
        code: Code::ERRCODE_INVALID_PARAMETER_VALUE,
        message: |c| format!("{} integration row(s) in {} have no provider: the key has none and value_json has no usable one", c.n, c.table),
        hint: "Set value_json->'provider' for these rows (or delete them), then run pk_migrate_v114_up again.",
    },
    RowBlocker {
        count: "key_taken",
        code: Code::ERRCODE_UNIQUE_VIOLATION,
        message: |c| format!("{} integration row(s) in {} cannot take their uuid as key: another row already holds it", c.n, c.table),
        hint: "Rename or delete the rows holding those keys, then run pk_migrate_v114_up again.",
    },
];

impl Migration for Up {
    const SPEC: Spec = Spec {
        name: "v114_up",
        rule: VersionRule { version: 114, direction: Direction::Up },
        locks: LOCKS,
        privileges: PRIVILEGES,
        uses: &[TableUse { table: Table::Settings, writes: UP_REWRITES, matches: MATCHES, no_foreign_keys: UP_REWRITES }],
        ddl_tags: &["COMMENT", "CREATE TABLE AS", "DROP TABLE"],
    };
    /// What its migration script reads and writes (`pk_migration_script`, §13).
    const SCRIPT: Part = Part {
        sections: || sections!("script_v114_up"),
        settings_where: Some("s.key LIKE 'integration:%'"),
        settings_inputs: "format('%s %L %L %L %L %L %L', s.uuid, s.key, s.module, jsonb_typeof(s.value_json), s.value_json -> 'provider', s.value_json -> 'name', s.value_json -> 'last_validated_at')",
        reads_endpoints: false,
        written: Table::Settings,
        planned: "CASE WHEN p.action = 'rewrite' THEN jsonb_build_array(p.after -> 'value_json' -> 'provider', p.after -> 'value_json' -> 'name') END",
    };
    type Plan = UpPlan;
    type Applied = Applied<i64>;
    type Outcome = V114UpOutcome;

    /// The same plan for every purpose: its counts come with its blockers, in one statement.
    fn plan(t: &Target, _purpose: Purpose) -> UpPlan {
        let sql =
            t.render(template!("v114_up_preflight"), &[(Hole::Plan, Fill::Statement(&up_plan_sql(t))), (Hole::UuidKeys, Fill::Statement(&uuid_keys_sql(t)))]);
        let key_max = t.column_max_chars(Table::Settings, "key");
        let module_max = t.column_max_chars(Table::Settings, "module");
        let settings = t.qualified(Table::Settings);
        let mut plan = Spi::connect(|c| {
            let table = c.select(sql.as_str(), None, &[key_max.into(), module_max.into()])?.first();
            let row = Row(&table);
            let mut blockers = Blockers::default();
            blockers.by_rows(RowBlocker::found(UP_BLOCKERS, &row, &settings, None));
            let too_long = row.count("too_long");
            if too_long > 0 {
                blockers.other(
                    MigError::new(
                        Code::ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
                        format!(
                            "{settings} cannot hold the rewritten rows: key holds {} characters (a uuid key needs 36), module {} ('integrations' needs 12)",
                            key_max.map_or("any number of".to_string(), |n| n.to_string()),
                            module_max.map_or("any number of".to_string(), |n| n.to_string())
                        ),
                    )
                    .detail(format!("{too_long} integration row(s) would be rewritten."))
                    .hint(format!("Widen the column (ALTER TABLE {settings} ALTER COLUMN … TYPE varchar(255)), then run pk_migrate_v114_up again.")),
                );
            }
            Ok::<_, pgrx::spi::Error>(UpPlan {
                counts: V114UpOutcome {
                    rows_rewritten: row.count("rows"),
                    provider_filled: row.count("provider_filled"),
                    provider_repaired: row.count("provider_repaired"),
                    name_filled: row.count("name_filled"),
                    module_set: row.count("module_set"),
                },
                blockers,
                staged: false,
            })
        })
        .expect("V114 up pre-flight");
        plan.blockers.others(duplicate_uuids(t, "s.key LIKE 'integration:%'", "s.key::text", "pk_migrate_v114_up"));
        plan.staged = t.runs_user_code_on_update(Table::Settings);
        if plan.staged {
            plan.blockers.others(runner::staging_blockers(t, Table::Settings, Self::SPEC.name));
        }
        plan
    }

    fn blockers(plan: &UpPlan) -> &Blockers {
        &plan.blockers
    }

    fn pending(plan: &UpPlan) -> i64 {
        plan.counts.rows_rewritten
    }

    fn preview_sql(t: &Target, _plan: &UpPlan) -> Sql {
        t.render(
            template!("v114_up_preview"),
            &[
                (Hole::Plan, Fill::Statement(&up_plan_sql(t))),
                (Hole::UuidKeys, Fill::Statement(&uuid_keys_sql(t))),
                (Hole::BlockerCodes, Fill::Statement(&RowBlocker::codes(UP_BLOCKERS))),
            ],
        )
    }

    fn apply(t: &Target, plan: &UpPlan) -> Self::Applied {
        let settings = t.qualified(Table::Settings);
        pgrx::notice!("phoenix_kit_mig: v114_up: checked {} integration row(s) in {settings}", plan.counts.rows_rewritten);
        if plan.staged {
            let stage = t.render(template!("v114_up_stage"), &[(Hole::Plan, Fill::Statement(&up_plan_sql(t)))]);
            let staged = runner::Staged {
                table: Table::Settings,
                started: runner::Started::now(t, &Self::SPEC).or_raise(),
                stage: &stage,
                apply: &t.render(template!("v114_up_apply_staged"), &[]),
                writes: &[("key", "new_key"), ("module", "new_module"), ("value_json", "new_value_json")],
                label: "pg_catalog.format('uuid %s, key %s', p.uuid, p.old_key)",
            };
            let planned = staged
                .run(&Self::SPEC, t, || {
                    Spi::connect(|c| {
                        let table = c.select(t.render(template!("v114_up_verify_staged"), &[]).as_str(), None, &[])?.first();
                        Ok::<_, pgrx::spi::Error>(Row(&table).count("planned"))
                    })
                    .or_raise()
                })
                .or_raise();
            return Applied::clean(planned);
        }
        let rewritten = Spi::connect_mut(|c| Ok::<_, pgrx::spi::Error>(c.update(t.render(template!("v114_up_apply"), &[]).as_str(), None, &[])?.len() as i64))
            .expect("V114 up rewrite");
        Applied::clean(rewritten)
    }

    fn verify(t: &Target, plan: &UpPlan, Applied { outcome: rewritten, wrong, wrong_rows }: Self::Applied) -> Result<V114UpOutcome, MigError> {
        if wrong > 0 {
            return Err(runner::not_as_planned(&Self::SPEC, t, Table::Settings, wrong, &wrong_rows, "(key, module, provider or name)"));
        }
        // No composite key left: a range scan of the key index reads the table itself. It also
        // finds a row that a trigger kept from being rewritten.
        let (left_over, lines) = Spi::connect(|c| {
            let table = c.select(t.render(template!("v114_up_leftover"), &[]).as_str(), None, &[])?.first();
            let row = Row(&table);
            Ok::<_, pgrx::spi::Error>((row.count("left_over"), row.lines("left_over_rows")))
        })
        .expect("V114 up verify");
        if left_over > 0 {
            return Err(runner::not_as_planned(&Self::SPEC, t, Table::Settings, left_over, &lines, "(an integration key is left in the composite shape)"));
        }
        if rewritten != plan.counts.rows_rewritten {
            return Err(runner::not_as_planned(
                &Self::SPEC,
                t,
                Table::Settings,
                (plan.counts.rows_rewritten - rewritten).abs(),
                &[format!("{} row(s) planned, {rewritten} rewritten", plan.counts.rows_rewritten)],
                "(the number of rows rewritten differs from the plan)",
            ));
        }
        let c = &plan.counts;
        pgrx::notice!(
            "phoenix_kit_mig: v114_up: rewrote {rewritten} row(s) to uuid keys (provider filled {}, repaired {}; name filled {}; module set {}), verified",
            c.provider_filled,
            c.provider_repaired,
            c.name_filled,
            c.module_set
        );
        Ok(plan.counts.clone())
    }
}

/// The row blockers of V114 down's pre-flight (§7 step 1 and 2), in the order a run raises them:
/// columns of v114_down_summary.sql.
const DOWN_BLOCKERS: &[RowBlocker] = &[
    RowBlocker {
        count: "unusable",
        code: Code::ERRCODE_INVALID_PARAMETER_VALUE,
        message: |c| format!("{} integration row(s) in {} have no usable provider or name in value_json", c.n, c.table),
        hint: "Set value_json->'provider' and ->'name' to non-empty strings for these rows, then run pk_migrate_v114_down again.",
    },
    RowBlocker {
        count: "colon_provider",
        code: Code::ERRCODE_INVALID_PARAMETER_VALUE,
        message: |c| format!("{} integration row(s) in {} have a provider containing ':', which a composite key cannot hold", c.n, c.table),
        hint: "The key integration:<provider>:<name> would parse back to another provider. Set value_json->'provider' to the provider without ':', then run pk_migrate_v114_down again.",
    },
    RowBlocker {
        count: "too_long",
        code: Code::ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
        message: |c| format!("{} rebuilt key(s) would be longer than the {} characters {}.key allows", c.n, c.limit.unwrap_or_default(), c.table),
        hint: "Shorten value_json->'name' (or 'provider') of these rows, then run pk_migrate_v114_down again.",
    },
    RowBlocker {
        count: "colliding",
        code: Code::ERRCODE_UNIQUE_VIOLATION,
        message: |c| format!("{} rebuilt key(s) in {} collide with other keys", c.n, c.table),
        hint: "Rename one of each pair (value_json->'name') or delete it, then run pk_migrate_v114_down again.",
    },
];

/// Every blocker of V114 down (§7 step 1 and 2), read-only.
pub struct DownPlan {
    /// How many rows the plan rewrites; None in a run's plan without user triggers, whose one
    /// statement (v114_down_apply.sql) computes the plan, its blockers and the rewrite at once.
    pub rows: Option<i64>,
    pub blockers: Blockers,
    /// The characters the key column holds (None: unlimited).
    pub key_max: Option<i32>,
    pub staged: bool,
}

impl Migration for Down {
    const SPEC: Spec = Spec {
        name: "v114_down",
        rule: VersionRule { version: 114, direction: Direction::Down },
        locks: LOCKS,
        privileges: PRIVILEGES,
        uses: &[TableUse { table: Table::Settings, writes: &["key"], matches: MATCHES, no_foreign_keys: DOWN_REWRITES }],
        ddl_tags: &["COMMENT", "CREATE TABLE AS", "DROP TABLE"],
    };
    /// What its migration script reads and writes (`pk_migration_script`, §13).
    const SCRIPT: Part = Part {
        sections: || sections!("script_v114_down"),
        settings_where: Some("s.key LIKE 'integration:%' OR (s.module = 'integrations' AND s.key = s.uuid::text)"),
        settings_inputs: "format('%s %L %L %L %L %L %L %L', s.uuid, s.key, s.module, jsonb_typeof(s.value_json), s.value_json -> 'provider', s.value_json -> 'name', s.value_json -> 'last_validated_at', s.date_added)",
        reads_endpoints: false,
        written: Table::Settings,
        planned: "CASE WHEN p.action = 'rewrite' THEN jsonb_build_array(p.after -> 'key') END",
    };
    type Plan = DownPlan;
    type Applied = Applied<V114DownOutcome>;
    type Outcome = V114DownOutcome;

    /// A run without user triggers leaves the row blockers to its one statement
    /// (v114_down_apply.sql), which finds them and writes nothing when there are any: the plan
    /// is computed once.
    fn plan(t: &Target, purpose: Purpose) -> DownPlan {
        let key_max = t.column_max_chars(Table::Settings, "key");
        let staged = t.runs_user_code_on_update(Table::Settings);
        let mut blockers = Blockers::default();
        let mut rows = None;
        if purpose != Purpose::Run || staged {
            let summary = t.render(template!("v114_down_summary"), &[]);
            let sql =
                t.render(template!("v114_down_preflight"), &[(Hole::Plan, Fill::Statement(&down_plan_sql(t))), (Hole::Summary, Fill::Statement(&summary))]);
            let settings = t.qualified(Table::Settings);
            let (count, found) = Spi::connect(|c| {
                let table = c.select(sql.as_str(), None, &[key_max.into()])?.first();
                let row = Row(&table);
                Ok::<_, pgrx::spi::Error>((row.count("rows"), RowBlocker::found(DOWN_BLOCKERS, &row, &settings, key_max)))
            })
            .or_raise();
            rows = Some(count);
            blockers.by_rows(found);
        }
        blockers.others(duplicate_uuids(t, "s.module = 'integrations' AND s.key = s.uuid::text", "s.key::text", "pk_migrate_v114_down"));
        if staged {
            blockers.others(runner::staging_blockers(t, Table::Settings, Self::SPEC.name));
        }
        DownPlan { rows, blockers, key_max, staged }
    }

    fn blockers(plan: &DownPlan) -> &Blockers {
        &plan.blockers
    }

    fn pending(plan: &DownPlan) -> i64 {
        plan.rows.unwrap_or_default()
    }

    fn preview_sql(t: &Target, plan: &DownPlan) -> Sql {
        // The preview runs without parameters: the key limit travels as a literal.
        let key_max = plan.key_max.map(|n| n.to_string());
        t.render(
            template!("v114_down_preview"),
            &[
                (Hole::Plan, Fill::Statement(&down_plan_sql(t))),
                (Hole::KeyMax, Fill::Literal(key_max.as_deref())),
                (Hole::BlockerCodes, Fill::Statement(&RowBlocker::codes(DOWN_BLOCKERS))),
            ],
        )
    }

    fn apply(t: &Target, plan: &DownPlan) -> Self::Applied {
        if plan.staged {
            let stage = t.render(template!("v114_down_stage"), &[(Hole::Plan, Fill::Statement(&down_plan_sql(t)))]);
            let staged = runner::Staged {
                table: Table::Settings,
                started: runner::Started::now(t, &Self::SPEC).or_raise(),
                stage: &stage,
                apply: &t.render(template!("v114_down_apply_staged"), &[]),
                writes: &[("key", "new_key")],
                label: "pg_catalog.format('uuid %s', p.uuid)",
            };
            let summary = || {
                Spi::connect(|c| {
                    let table = c.select(t.render(template!("v114_down_verify_staged"), &[]).as_str(), None, &[])?.first();
                    let row = Row(&table);
                    Ok::<_, pgrx::spi::Error>(Applied::clean(V114DownOutcome { rows_rewritten: row.count("rewritten"), suffixed: row.json("suffixed_rows") }))
                })
                .or_raise()
            };
            return staged.run(&Self::SPEC, t, summary).or_raise();
        }
        let summary = t.render(template!("v114_down_summary"), &[]);
        let sql = t.render(template!("v114_down_apply"), &[(Hole::Plan, Fill::Statement(&down_plan_sql(t))), (Hole::Summary, Fill::Statement(&summary))]);
        let settings = t.qualified(Table::Settings);
        // A nested loop of TID lookups is what this statement needs; the function's own
        // enable_nestloop = off (and this change) end with the call.
        Spi::run("SELECT pg_catalog.set_config('enable_nestloop', 'on', true)").or_raise();
        let (blockers, applied) = Spi::connect_mut(|c| {
            let table = c.update(sql.as_str(), None, &[plan.key_max.into()])?.first();
            let row = Row(&table);
            let (planned, rewritten) = (row.count("rows"), row.count("rewritten"));
            let mut applied = Applied {
                outcome: V114DownOutcome { rows_rewritten: rewritten, suffixed: row.json("suffixed_rows") },
                wrong: row.count("wrong"),
                wrong_rows: row.lines("wrong_rows"),
            };
            if planned != rewritten {
                applied.wrong += (planned - rewritten).abs();
                applied.wrong_rows.push(format!("{planned} row(s) planned, {rewritten} rewritten"));
            }
            Ok::<_, pgrx::spi::Error>((RowBlocker::found(DOWN_BLOCKERS, &row, &settings, plan.key_max), applied))
        })
        .or_raise();
        Spi::run("SELECT pg_catalog.set_config('enable_nestloop', 'off', true)").or_raise();
        if !blockers.is_empty() {
            // Nothing was written (the statement rewrites only an unblocked plan). Refused as the
            // pre-flight of status refuses it: every blocker, the table's own included.
            let all = Self::plan(t, Purpose::Status).blockers;
            let all = if all.all().is_empty() { blockers } else { all.all().to_vec() };
            runner::refuse_if_blocked(&all, &Self::SPEC, t).or_raise();
        }
        applied
    }

    fn verify(t: &Target, plan: &DownPlan, Applied { outcome, wrong, wrong_rows }: Self::Applied) -> Result<V114DownOutcome, MigError> {
        if wrong > 0 {
            return Err(runner::not_as_planned(&Self::SPEC, t, Table::Settings, wrong, &wrong_rows, "(key)"));
        }
        if let Some(rows) = plan.rows.filter(|rows| *rows != outcome.rows_rewritten) {
            return Err(runner::not_as_planned(
                &Self::SPEC,
                t,
                Table::Settings,
                (rows - outcome.rows_rewritten).abs(),
                &[format!("{rows} row(s) planned, {} rewritten", outcome.rows_rewritten)],
                "(the number of rows rewritten differs from the plan)",
            ));
        }
        if plan.staged {
            let (left_over, lines) = Spi::connect(|c| {
                let table = c.select(t.render(template!("v114_down_leftover"), &[]).as_str(), None, &[])?.first();
                let row = Row(&table);
                Ok::<_, pgrx::spi::Error>((row.count("left_over"), row.lines("left_over_rows")))
            })
            .expect("V114 down verify");
            if left_over > 0 {
                return Err(runner::not_as_planned(&Self::SPEC, t, Table::Settings, left_over, &lines, "(a uuid-keyed integration row is left)"));
            }
        }
        pgrx::notice!(
            "phoenix_kit_mig: v114_down: rewrote {} uuid-keyed integration row(s) in {} to composite keys ({} suffixed to stay unique), verified",
            outcome.rows_rewritten,
            t.qualified(Table::Settings),
            outcome.suffixed.len()
        );
        Ok(outcome)
    }
}

#[cfg(test)]
mod blocker_names {
    use super::{DOWN_BLOCKERS, UP_BLOCKERS};
    use crate::errors::RowBlocker;

    /// The blocker names a preview gives its `blocked` rows (`ARRAY['name', …]`).
    fn named_in(preview: &str) -> Vec<&str> {
        preview.split("ARRAY['").skip(1).map(|rest| &rest[..rest.find('\'').expect("a closing quote")]).collect()
    }

    fn check(preview: &str, table: &[RowBlocker]) {
        let names = named_in(preview);
        assert!(!names.is_empty());
        for name in &names {
            assert!(table.iter().any(|b| b.count == *name), "the preview names blocker {name}, which the table does not have");
        }
        for b in table {
            assert!(names.contains(&b.count), "blocker {} has no blocked rows in the preview", b.count);
        }
    }

    #[test]
    fn each_preview_names_exactly_its_migrations_row_blockers() {
        check(include_str!("../sql/queries/v114_up_preview.sql"), UP_BLOCKERS);
        check(include_str!("../sql/queries/v114_down_preview.sql"), DOWN_BLOCKERS);
    }
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

    /// The staged path (a user trigger on the table) keeps its plan with a CREATE TABLE AS, on
    /// which an event trigger may run. The pre-flight judges the rows before it: whatever such a
    /// trigger writes then, or does to the kept plan, cannot get a refused plan through or a
    /// row changed beyond the plan counted as verified.
    #[pg_test]
    fn staged_down_is_judged_before_the_kept_plan_exists() {
        fixture(S, 113);
        let work = setting(S, "integration:openrouter:work", Some(r#"{"api_key":"k1"}"#), Some("integrations"));
        setting(S, "integration:openrouter:team", None, Some("integrations"));
        up();
        Spi::run(
            "CREATE FUNCTION pg_temp.pk_keep() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
             CREATE TRIGGER pk_keep BEFORE UPDATE ON public.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION pg_temp.pk_keep()",
        )
        .unwrap();
        let event_trigger = |when: &str, body: &str| {
            Spi::run(&format!(
                "DROP EVENT TRIGGER IF EXISTS pk_evt;
                 CREATE OR REPLACE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN {body} END $f$;
                 CREATE EVENT TRIGGER pk_evt ON {when} WHEN TAG IN ('CREATE TABLE AS') EXECUTE FUNCTION public.pk_evt()"
            ))
            .unwrap();
        };

        // A planned row's credential, overwritten before the plan is kept: its before-image
        // would be the overwritten one.
        event_trigger(
            "ddl_command_start",
            &format!("UPDATE public.phoenix_kit_settings SET value_json = value_json || '{{\"api_key\":\"OVERWRITTEN\"}}' WHERE uuid = '{work}';"),
        );
        let failure = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        assert!(failure.message.contains("written while the migration kept its plan"), "{failure:?}");
        assert!(failure.detail.as_deref().unwrap_or_default().contains(&work.to_string()), "{failure:?}");

        // A blocked row (no name) made plannable by writing the row, or by forging the kept plan.
        Spi::run(&format!("UPDATE public.phoenix_kit_settings SET value_json = value_json - 'name' WHERE uuid = '{work}'")).unwrap();
        event_trigger(
            "ddl_command_start",
            &format!("UPDATE public.phoenix_kit_settings SET value_json = value_json || '{{\"name\":\"forged\"}}' WHERE uuid = '{work}';"),
        );
        fails_unchanged(S, "SELECT pk_migrate_v114_down()", "22023");
        event_trigger(
            "ddl_command_end",
            "IF to_regclass('pg_temp.pk_mig_plan') IS NOT NULL THEN UPDATE pg_temp.pk_mig_plan SET new_key = 'integration:openrouter:forged'; END IF;",
        );
        fails_unchanged(S, "SELECT pk_migrate_v114_down()", "22023");
        Spi::run(&format!("UPDATE public.phoenix_kit_settings SET value_json = value_json || '{{\"name\":\"work\"}}' WHERE uuid = '{work}'")).unwrap();

        // A column of the table dropped while the plan is kept: its values would be gone.
        event_trigger("ddl_command_end", "ALTER TABLE public.phoenix_kit_settings DROP COLUMN date_updated;");
        let failure = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        assert!(failure.detail.as_deref().unwrap_or_default().contains("definition"), "{failure:?}");

        // Written when the kept plan is dropped, after the comparison.
        Spi::run(
            "DROP EVENT TRIGGER pk_evt;
             CREATE OR REPLACE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$
               BEGIN UPDATE public.phoenix_kit_settings SET value = 'STOLEN' WHERE module = 'integrations'; END $f$;
             CREATE EVENT TRIGGER pk_evt ON sql_drop WHEN TAG IN ('DROP TABLE') EXECUTE FUNCTION public.pk_evt()",
        )
        .unwrap();
        let failure = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        assert!(failure.message.contains("dropped its kept plan"), "{failure:?}");
        // A row deleted then, which leaves no row version to see.
        Spi::run("CREATE OR REPLACE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN DELETE FROM public.phoenix_kit_settings WHERE module = 'integrations' AND value_json->>'name' = 'team'; END $f$").unwrap();
        fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        // A deferred trigger event left then, which would rewrite the rows at COMMIT.
        Spi::run(
            "CREATE TABLE public.pk_side (x int);
             CREATE FUNCTION public.pk_later() RETURNS trigger LANGUAGE plpgsql AS $f$
               BEGIN UPDATE public.phoenix_kit_settings SET value = 'LATER' WHERE module = 'integrations'; RETURN NULL; END $f$;
             CREATE CONSTRAINT TRIGGER pk_later AFTER INSERT ON public.pk_side DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.pk_later();
             CREATE OR REPLACE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN INSERT INTO public.pk_side VALUES (1); END $f$",
        )
        .unwrap();
        let failure = fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        assert!(failure.detail.as_deref().unwrap_or_default().contains("pk_side"), "{failure:?}");
        Spi::run("DROP EVENT TRIGGER pk_evt").unwrap();
        // The kept plan itself dropped as it is created: 27000, not PostgreSQL's 42P01.
        event_trigger("ddl_command_end", "DROP TABLE IF EXISTS pg_temp.pk_mig_plan;");
        fails_unchanged(S, "SELECT pk_migrate_v114_down()", "27000");
        Spi::run("DROP EVENT TRIGGER pk_evt").unwrap();
        // And without one the staged run succeeds.
        assert_eq!(report("SELECT pk_migrate_v114_down()")["rows_rewritten"], 2);
    }
}
