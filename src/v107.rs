//! V107: pin each AI endpoint to the integration settings row it uses (`integration_uuid`),
//! backfilled from the `provider` strings, and make endpoint names unique case-insensitively
//! (docs/behaviour.md §4); and its lossy down (§5). Both are migrations of the runner: plan
//! (`sql/queries/v107_up_plan.sql`), apply, verify, stamp.
use crate::errors::{Code, MigError, OrRaise};
use crate::guard::{Direction, VersionRule};
use crate::runner::{self, Applied, Blockers, Ddl, Migration, Purpose, Spec, TableUse};
use crate::script::Part;
use crate::sql::{sections, template, Fill, Hole, Row, Sql};
use crate::target::{Privilege, Table, Target};
use pgrx::prelude::*;
use phoenix_kit_mig_core::{detail_lines, UnpinnedEndpoint, V107DownOutcome, V107UpOutcome};

pub const NAME_INDEX: &str = "phoenix_kit_ai_endpoints_name_index";
pub const UUID_INDEX: &str = "phoenix_kit_ai_endpoints_integration_uuid_index";

pub struct Up;
pub struct Down;

runner::migration_function!(
    /// Adds and backfills `integration_uuid` and the two indexes (§4).
    pk_migrate_v107_up,
    Up
);
runner::migration_function!(
    /// Drops the indexes and the column, lossy by design (§5).
    pk_migrate_v107_down,
    Down
);

/// A relation named `name` in the target schema, with what it is.
struct Existing {
    /// `pg_get_indexdef` of an index, or e.g. "a table" for another relation kind.
    definition: String,
    /// A valid, unique, non-partial btree index on endpoints whose only key is lower(name)
    /// (an invalid one, left by a failed CREATE INDEX CONCURRENTLY, enforces nothing).
    is_unique_lower_name: bool,
    /// A valid, non-partial btree index on endpoints whose only key is integration_uuid.
    is_uuid_index: bool,
    /// An index that is valid and ready.
    valid: bool,
    /// An index of the endpoints table.
    on_endpoints: bool,
}

/// What holds the names of V107's two indexes in the target schema, read in one statement.
#[derive(Default)]
struct Indexes {
    name: Option<Existing>,
    uuid: Option<Existing>,
}

impl Indexes {
    fn read(t: &Target) -> Indexes {
        Spi::connect(|c| {
            let mut found = Indexes::default();
            let rows = c.select(t.render(template!("v107_index"), &[]).as_str(), None, &[])?;
            for row in rows {
                let existing = Existing {
                    definition: row.get_by_name::<String, _>("definition")?.unwrap_or_default(),
                    is_unique_lower_name: row.get_by_name::<bool, _>("is_unique_lower_name")?.unwrap_or(false),
                    is_uuid_index: row.get_by_name::<bool, _>("is_uuid_index")?.unwrap_or(false),
                    valid: row.get_by_name::<bool, _>("valid")?.unwrap_or(false),
                    on_endpoints: row.get_by_name::<bool, _>("on_endpoints")?.unwrap_or(false),
                };
                match row.get_by_name::<String, _>("relname")?.as_deref() {
                    Some(NAME_INDEX) => found.name = Some(existing),
                    _ => found.uuid = Some(existing),
                }
            }
            Ok::<_, pgrx::spi::Error>(found)
        })
        .unwrap_or_else(|e| MigError::from(e).raise())
    }

    fn get(&self, name: &str) -> Option<&Existing> {
        if name == NAME_INDEX {
            self.name.as_ref()
        } else {
            self.uuid.as_ref()
        }
    }
}

fn column_type(t: &Target) -> Option<String> {
    Spi::connect(|c| {
        c.select(t.render(template!("v107_column"), &[]).as_str(), None, &[t.qualified(Table::Endpoints).as_str().into()])?.first().get_one::<String>()
    })
    .expect("column lookup")
}

/// The plan query of V107 up: one row per unpinned endpoint, its rule and its integration.
pub fn up_plan_sql(t: &Target, column_exists: bool) -> Sql {
    plan_over(t, column_exists, &candidates_sql(t))
}

/// The plan query of V107 up over the candidate rows `candidates` (a statement).
fn plan_over(t: &Target, column_exists: bool, candidates: &Sql) -> Sql {
    let unpinned = if column_exists { "e.integration_uuid IS NULL" } else { "true" };
    t.render(template!("v107_up_plan"), &[(Hole::Candidates, Fill::Statement(candidates)), (Hole::Unpinned, Fill::Fragment(unpinned))])
}

/// The preview of V107 up (`v107_up_preview.sql`).
pub fn up_preview_sql(t: &Target, column_exists: bool) -> Sql {
    t.render(
        template!("v107_up_preview"),
        &[
            (Hole::Candidates, Fill::Statement(&candidates_sql(t))),
            // The plan picks from the preview's own candidates (read once, for both).
            (Hole::Plan, Fill::Statement(&plan_over(t, column_exists, &Sql::fixed("SELECT * FROM all_candidates")))),
        ],
    )
}

/// V107's candidate rows (`v107_up_candidates.sql`): the plan and the preview pick from the
/// same rows.
fn candidates_sql(t: &Target) -> Sql {
    t.render(template!("v107_up_candidates"), &[])
}

/// V107's indexes, in the order a run builds them (after the backfill): name, key, unique.
const INDEXES: [(&str, &str, bool); 2] = [(UUID_INDEX, "(integration_uuid)", false), (NAME_INDEX, "(lower((name)::text))", true)];

fn create_index_statement(t: &Target, name: &str, key: &'static str, unique: bool) -> Sql {
    let mut sql = t.sql(if unique { "CREATE UNIQUE INDEX " } else { "CREATE INDEX " });
    sql.ident(name).push(" ON ").relation(&t.schema, Table::Endpoints.name()).push(" ").push(key);
    sql
}

fn count_lines(sql: &str, params: &[pgrx::datum::DatumWithOid], count: &str, lines: &str) -> (i64, Vec<String>) {
    Spi::connect(|c| {
        let table = c.select(sql, None, params)?.first();
        let row = Row(&table);
        Ok::<_, pgrx::spi::Error>((row.count(count), row.lines(lines)))
    })
    .expect("pre-flight")
}

/// The 23505 blocker of endpoints that share a uuid (the table's primary key is missing or
/// deferrable), every shared uuid listed; None when an immediate unique index rules them out.
fn shared_endpoint_uuids(t: &Target, hint: &'static str) -> Option<MigError> {
    if t.has_immediate_unique_index(Table::Endpoints, "uuid") {
        return None;
    }
    let sql = t.render(
        template!("duplicate_uuids"),
        &[(Hole::Table, Fill::Relation(Table::Endpoints)), (Hole::Where, Fill::Fragment("true")), (Hole::Label, Fill::Fragment("s.name::text"))],
    );
    let (groups, lines) = count_lines(sql.as_str(), &[], "groups", "group_rows");
    (groups > 0).then(|| {
        MigError::new(Code::ERRCODE_UNIQUE_VIOLATION, format!("{groups} uuid(s) are shared by several endpoints of {}", t.qualified(Table::Endpoints)))
            .detail(detail_lines(&lines, groups as usize))
            .hint(hint)
    })
}

/// The 23505 blocker of endpoints whose names collide when case is ignored, every group
/// listed; None when lower(name) is unique.
fn duplicate_names(t: &Target) -> Option<MigError> {
    let endpoints = t.qualified(Table::Endpoints);
    let sql = t.render(template!("v107_up_preflight"), &[]);
    let (groups, lines) = count_lines(sql.as_str(), &[], "duplicate_groups", "duplicate_rows");
    (groups > 0).then(|| {
        MigError::new(Code::ERRCODE_UNIQUE_VIOLATION, format!("{groups} group(s) of endpoints in {endpoints} share a name when case is ignored"))
            .detail(detail_lines(&lines, groups as usize))
            .hint(format!("Rename or delete endpoints until lower(name) is unique ({NAME_INDEX} enforces it), then run pk_migrate_v107_up again."))
    })
}

pub struct UpPlan {
    /// A column of that name and type uuid exists (one of another type is a blocker; until it
    /// is fixed the plan reads as if it were absent).
    pub column_exists: bool,
    /// The pins a run would make: read for status and the preview, not for a run.
    pub pins: Option<i64>,
    pub blockers: Blockers,
    pub staged: bool,
    /// What holds the names of V107's indexes (under the run's lock this cannot change).
    indexes: Indexes,
}

impl Up {
    /// Every blocker of V107 up's pre-flight but the duplicate names, and what a run needs.
    fn blockers_before_rows(t: &Target) -> UpPlan {
        let endpoints = t.qualified(Table::Endpoints);
        let settings = t.qualified(Table::Settings);
        let mut blockers = Blockers::default();
        let existing_type = column_type(t);
        let column_exists = existing_type.as_deref() == Some("uuid");
        let indexes = Indexes::read(t);
        if let Some(existing) = &indexes.name {
            if !existing.is_unique_lower_name {
                blockers.other(
                    MigError::new(
                        Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                        format!("{NAME_INDEX} already exists but is not a valid unique index on lower(name) of {endpoints}"),
                    )
                    .detail(format!("It is: {}", existing.definition))
                    .hint(format!(
                        "Drop it (DROP INDEX {}.{NAME_INDEX};) so V107 can create the case-insensitive unique index, then run pk_migrate_v107_up again.",
                        t.quoted_schema()
                    )),
                );
            }
        }
        if let Some(existing) = indexes.uuid.as_ref().filter(|e| !e.is_uuid_index) {
            blockers.other(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!(
                        "the name {UUID_INDEX} is taken in schema {} by something that is not an index on {endpoints}(integration_uuid)",
                        t.quoted_schema()
                    ),
                )
                .detail(format!("It is: {}", existing.definition))
                .hint(format!(
                    "Rename or drop it (ALTER INDEX/TABLE {}.{UUID_INDEX} RENAME TO …) so V107 can create its index, then run pk_migrate_v107_up again.",
                    t.quoted_schema()
                )),
            );
        }
        if let Some(ty) = existing_type.as_ref().filter(|ty| *ty != "uuid") {
            blockers.other(
                MigError::new(Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, format!("{endpoints}.integration_uuid already exists with type {ty}, not uuid"))
                    .hint("Drop or rename that column, then run pk_migrate_v107_up again."),
            );
        }
        blockers.others(shared_endpoint_uuids(
            t,
            "Give each endpoint its own uuid (the primary key of the table is missing or deferrable), then run pk_migrate_v107_up again.",
        ));
        if !t.has_immediate_unique_index(Table::Settings, "key") {
            let (groups, lines) = count_lines(t.render(template!("duplicate_keys"), &[]).as_str(), &[], "groups", "group_rows");
            if groups > 0 {
                blockers.other(
                    MigError::new(Code::ERRCODE_UNIQUE_VIOLATION, format!("{groups} integration key(s) are held by several rows of {settings}"))
                        .detail(detail_lines(&lines, groups as usize))
                        .hint("Delete or rename the extra rows (the unique index on key is missing or deferrable), then run pk_migrate_v107_up again."),
                );
            }
        }
        let staged = t.runs_user_code_on_update(Table::Endpoints);
        if staged {
            blockers.others(runner::staging_blockers(t, Table::Endpoints, Self::SPEC.name));
        }
        UpPlan { column_exists, pins: None, blockers, staged, indexes }
    }
}

impl Migration for Up {
    // Endpoints get a column and indexes: nobody may read them half-done. Settings are only
    // read, but must not change under the backfill.
    const SPEC: Spec = Spec {
        name: "v107_up",
        rule: VersionRule { version: 107, direction: Direction::Up },
        locks: &[(Table::Endpoints, "ACCESS EXCLUSIVE"), (Table::Settings, "SHARE")],
        privileges: &[
            (Table::Endpoints, &[Privilege::Owner, Privilege::CreateInSchema]),
            (Table::Settings, &[Privilege::Select, Privilege::LockShare]),
            (Table::Kit, &[Privilege::Owner]),
        ],
        uses: &[
            TableUse { table: Table::Endpoints, writes: &["integration_uuid"], matches: &["name", "provider"], no_foreign_keys: &[] },
            TableUse { table: Table::Settings, writes: &[], matches: &["key"], no_foreign_keys: &[] },
        ],
        ddl_tags: &["ALTER TABLE", "CREATE INDEX", "COMMENT", "CREATE TABLE AS", "DROP TABLE"],
    };
    /// What its migration script reads and writes (`pk_migration_script`, §13).
    const SCRIPT: Part = Part {
        sections: || sections!("script_v107_up"),
        settings_where: Some("s.key LIKE 'integration:%'"),
        settings_inputs: "format('%s %L %L', s.uuid, s.key, s.value_json -> 'last_validated_at')",
        reads_endpoints: true,
        written: Table::Endpoints,
        planned: "CASE WHEN p.action = 'pin' THEN jsonb_build_array(p.after -> 'integration_uuid') END",
    };
    type Plan = UpPlan;
    type Applied = Applied<V107UpOutcome>;
    type Outcome = V107UpOutcome;

    /// Every reason V107 up cannot run (§4 step 1, §11.4), and for status the pins it would
    /// make. A run does not look for duplicate names: its unique index build finds them
    /// (apply) and only then are they listed, so the run does not pay a pass for them.
    fn plan(t: &Target, purpose: Purpose) -> UpPlan {
        let mut plan = Self::blockers_before_rows(t);
        if purpose != Purpose::Run {
            plan.blockers.by_rows(duplicate_names(t));
        }
        if purpose == Purpose::Status {
            // The pins themselves (a pass over every integration row with its timestamp): for
            // status; a run computes them once, in its UPDATE, the preview and the script from
            // the rows they read.
            let sql = t.render(template!("v107_up_pins"), &[(Hole::Plan, Fill::Statement(&up_plan_sql(t, plan.column_exists)))]);
            plan.pins = Some(
                Spi::connect(|c| {
                    let table = c.select(sql.as_str(), None, &[])?.first();
                    Ok::<_, pgrx::spi::Error>(Row(&table).count("pins"))
                })
                .expect("V107 up plan"),
            );
        }
        plan
    }

    fn blockers(plan: &UpPlan) -> &Blockers {
        &plan.blockers
    }

    fn pending(plan: &UpPlan) -> i64 {
        plan.pins.unwrap_or(0)
    }

    fn preview_sql(t: &Target, plan: &UpPlan) -> Sql {
        up_preview_sql(t, plan.column_exists)
    }

    fn ddl(t: &Target, plan: &UpPlan) -> Vec<Ddl> {
        let mut steps = Vec::new();
        if !plan.column_exists {
            let mut add = t.sql("ALTER TABLE ");
            add.relation(&t.schema, Table::Endpoints.name()).push(" ADD COLUMN integration_uuid uuid");
            steps.push(Ddl { table: Table::Endpoints, sql: add, before_rows: true });
        }
        for (name, key, unique) in INDEXES {
            if plan.indexes.get(name).is_none() {
                steps.push(Ddl { table: Table::Endpoints, sql: create_index_statement(t, name, key, unique), before_rows: false });
            }
        }
        steps
    }

    fn apply(t: &Target, plan: &UpPlan) -> Self::Applied {
        let endpoints = t.qualified(Table::Endpoints);
        let column_added = !plan.column_exists;
        // Before the DDL, which runs in a subtransaction of its own: an event trigger on it runs
        // before the rows are planned and written, and what it writes then carries an xid from
        // here on (the caller's transaction may have one from before).
        let started = if plan.staged { Some(runner::Started::now(t, &Self::SPEC).or_raise()) } else { None };
        runner::subtransaction(
            std::panic::AssertUnwindSafe(|| {
                for step in Self::ddl(t, plan).iter().filter(|s| s.before_rows) {
                    Spi::run(step.sql.as_str()).or_raise();
                }
            }),
            true,
        )
        .unwrap_or_else(|error| error.rethrow());
        // Said once every step has succeeded: the unique index is the run's duplicate-name
        // check, and a run it stops has added nothing.
        let column_notice = if column_added {
            format!("phoenix_kit_mig: v107_up: added column integration_uuid to {endpoints}")
        } else {
            format!("phoenix_kit_mig: v107_up: column integration_uuid already exists on {endpoints}")
        };
        let plan_sql = up_plan_sql(t, true);
        let read = |sql: Sql| {
            Spi::connect_mut(|c| {
                let table = c.update(sql.as_str(), None, &[])?.first();
                let row = Row(&table);
                Ok::<_, pgrx::spi::Error>(Applied {
                    outcome: V107UpOutcome {
                        column_added,
                        pinned_exact: row.count("pinned_exact"),
                        pinned_latest_validated: row.count("pinned_latest_validated"),
                        pinned_by_uuid: row.count("pinned_by_uuid"),
                        ..Default::default()
                    },
                    wrong: row.count("wrong"),
                    wrong_rows: row.lines("wrong_rows"),
                })
            })
            .expect("V107 backfill")
        };
        let Applied { mut outcome, wrong, wrong_rows } = if plan.staged {
            let stage = t.render(template!("v107_up_stage"), &[(Hole::Plan, Fill::Statement(&plan_sql))]);
            let staged = runner::Staged {
                table: Table::Endpoints,
                started: started.expect("read for a staged run"),
                stage: &stage,
                apply: &t.render(template!("v107_up_apply_staged"), &[]),
                writes: &[("integration_uuid", "integration")],
                label: "pg_catalog.format('endpoint %s', p.uuid)",
            };
            staged.run(&Self::SPEC, t, || read(t.render(template!("v107_up_verify_staged"), &[]))).or_raise()
        } else {
            read(t.render(template!("v107_up_apply"), &[(Hole::Plan, Fill::Statement(&plan_sql))]))
        };

        // Indexes after the backfill: the UPDATE wrote no entries into them.
        for (name, key, unique) in INDEXES {
            // A same-named relation of another shape was refused by the plan.
            if plan.indexes.get(name).is_none() {
                let create = create_index_statement(t, name, key, unique);
                if unique {
                    create_unique_index(t, create.as_str());
                } else {
                    Spi::run(create.as_str()).expect("CREATE INDEX");
                }
                outcome.indexes_created.push(name.to_string());
            }
        }
        pgrx::notice!("{column_notice}");
        pgrx::notice!(
            "phoenix_kit_mig: v107_up: created {} index(es){}",
            outcome.indexes_created.len(),
            if outcome.indexes_created.is_empty() { String::new() } else { format!(": {}", outcome.indexes_created.join(", ")) }
        );
        Applied { outcome, wrong, wrong_rows }
    }

    fn verify(t: &Target, _plan: &UpPlan, Applied { mut outcome, wrong, wrong_rows }: Self::Applied) -> Result<V107UpOutcome, MigError> {
        let endpoints = t.qualified(Table::Endpoints);
        if wrong > 0 {
            return Err(runner::not_as_planned(&Self::SPEC, t, Table::Endpoints, wrong, &wrong_rows, "(integration_uuid)"));
        }
        // Every pin was compared with its plan in the statement that made it (RETURNING), or
        // with the kept plan after the triggers; without user triggers nothing can skip a row.
        pgrx::notice!(
            "phoenix_kit_mig: v107_up: pinned {} endpoint(s), verified: {} by exact key, {} by latest validation, {} by uuid",
            outcome.pinned_exact + outcome.pinned_latest_validated + outcome.pinned_by_uuid,
            outcome.pinned_exact,
            outcome.pinned_latest_validated,
            outcome.pinned_by_uuid
        );
        // The schema steps: a column of type uuid and both indexes, valid (an event trigger or
        // a concurrent session cannot have taken them away unseen).
        let mut missing = Vec::new();
        if column_type(t).as_deref() != Some("uuid") {
            missing.push(format!("column {endpoints}.integration_uuid of type uuid"));
        }
        let indexes = Indexes::read(t);
        for name in [UUID_INDEX, NAME_INDEX] {
            match indexes.get(name) {
                Some(e) if e.valid && (if name == NAME_INDEX { e.is_unique_lower_name } else { e.is_uuid_index }) => {}
                _ => missing.push(format!("index {}.{name}, valid", t.quoted_schema())),
            }
        }
        if !missing.is_empty() {
            return Err(MigError::new(
                Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
                format!("v107_up: {} did not end as planned: {} missing", endpoints, missing.len()),
            )
            .detail(missing.join("\n"))
            .hint("Something besides the migration (an event trigger?) changed the schema; nothing was changed. Fix it, then run pk_migrate_v107_up again."));
        }
        outcome.left_unpinned = Spi::connect(|c| {
            let table = c.select(t.render(template!("v107_up_unpinned"), &[]).as_str(), None, &[])?.first();
            Ok::<_, pgrx::spi::Error>(Row(&table).json::<Vec<UnpinnedEndpoint>>("left_unpinned"))
        })?;
        let left = outcome.left_unpinned.len();
        if left > 0 {
            pgrx::notice!("phoenix_kit_mig: v107_up: {left} endpoint(s) left unpinned; re-pick their integration in the endpoint form");
        }
        Ok(outcome)
    }
}

/// Builds the unique lower(name) index; it is the run's check for duplicate names. On a
/// duplicate (23505, in a subtransaction) every colliding group is listed in the error, which
/// rolls the whole run back: nothing is changed, as when a pre-flight refuses.
fn create_unique_index(t: &Target, create: &str) {
    use pgrx::pg_sys::panic::CaughtError;
    let built = runner::subtransaction(std::panic::AssertUnwindSafe(|| Spi::run(create).expect("CREATE INDEX")), true);
    if let Err(error) = built {
        if let CaughtError::PostgresError(report) = &error {
            if report.sql_error_code() == Code::ERRCODE_UNIQUE_VIOLATION {
                if let Some(duplicates) = duplicate_names(t) {
                    duplicates.raise();
                }
            }
        }
        crate::errors::reraise(error)
    }
}

pub struct DownPlan {
    pub column_exists: bool,
    pub pins: i64,
    pub blockers: Blockers,
    indexes: Indexes,
}

impl Down {
    /// What the drop of the column would discard or break: objects of the users' that depend on
    /// it, and the pins it holds (none when the column is gone).
    fn plan_of_the_column(t: &Target) -> DownPlan {
        let mut blockers = Blockers::default();
        // Read from the live catalog: the catalog facts name columns as "name=type", which a
        // column named "integration_uuid=…" would match.
        if column_type(t).is_none() {
            return DownPlan { column_exists: false, pins: 0, blockers, indexes: Indexes::read(t) };
        }
        let endpoints = t.qualified(Table::Endpoints);
        let dependents = t.render(template!("v107_down_dependents"), &[]);
        let sql = t.render(template!("v107_down_plan"), &[(Hole::Plan, Fill::Statement(&dependents))]);
        let (pins, count, objects) = Spi::connect(|c| {
            let table = c.select(sql.as_str(), None, &[endpoints.as_str().into()])?.first();
            let row = Row(&table);
            Ok::<_, pgrx::spi::Error>((row.count("pins"), row.count("objects"), row.lines("object_names")))
        })
        .or_raise();
        if count > 0 {
            blockers.other(
                MigError::new(
                    Code::ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                    format!("{count} object(s) depend on {endpoints}.integration_uuid, which V107 down drops"),
                )
                .detail(detail_lines(&objects, count as usize))
                .hint("Drop or change those objects first (they were not created by V107), then run pk_migrate_v107_down again."),
            );
        }
        DownPlan { column_exists: true, pins, blockers, indexes: Indexes::read(t) }
    }
}

impl Migration for Down {
    const SPEC: Spec = Spec {
        name: "v107_down",
        rule: VersionRule { version: 107, direction: Direction::Down },
        locks: &[(Table::Endpoints, "ACCESS EXCLUSIVE")],
        privileges: &[(Table::Endpoints, &[Privilege::Owner]), (Table::Kit, &[Privilege::Owner])],
        uses: &[],
        ddl_tags: &["ALTER TABLE", "DROP INDEX", "COMMENT"],
    };
    /// What its migration script reads and writes (`pk_migration_script`, §13).
    const SCRIPT: Part = Part {
        sections: || sections!("script_v107_down"),
        settings_where: None,
        settings_inputs: "format('%s', s.uuid)",
        reads_endpoints: true,
        written: Table::Endpoints,
        planned: "CASE WHEN p.action = 'unpin' THEN jsonb_build_array(p.before -> 'integration_uuid') END",
    };
    type Plan = DownPlan;
    type Applied = V107DownOutcome;
    type Outcome = V107DownOutcome;

    /// Every reason V107 down cannot run (§5), read-only: objects of the user's that depend on
    /// the column would be dropped with it, or make DROP COLUMN fail with PostgreSQL's own
    /// error, whose "use CASCADE" advice the caller cannot follow through this function.
    fn plan(t: &Target, purpose: Purpose) -> DownPlan {
        let mut plan = Self::plan_of_the_column(t);
        if purpose == Purpose::Script {
            // The script names each discarded pin by its endpoint's uuid: endpoints that share
            // one (which the migration itself does not mind) stop it.
            plan.blockers.others(shared_endpoint_uuids(
                t,
                "A migration script names each endpoint by its uuid. Give each endpoint its own uuid, or run pk_migrate_v107_down where the extension is installed.",
            ));
        }
        plan
    }

    fn blockers(plan: &DownPlan) -> &Blockers {
        &plan.blockers
    }

    fn pending(plan: &DownPlan) -> i64 {
        plan.pins
    }

    fn preview_sql(t: &Target, plan: &DownPlan) -> Sql {
        if plan.column_exists {
            t.render(template!("v107_down_preview"), &[])
        } else {
            // Named as the preview's columns: the script joins its rows by them.
            Sql::fixed(
                "SELECT NULL::text AS relation, NULL::uuid AS row_uuid, NULL::text AS action, NULL::jsonb AS before, NULL::jsonb AS after, NULL::text AS reason WHERE false",
            )
        }
    }

    fn ddl(t: &Target, plan: &DownPlan) -> Vec<Ddl> {
        let mut steps: Vec<Ddl> = [NAME_INDEX, UUID_INDEX]
            .into_iter()
            .filter(|name| plan.indexes.get(name).is_some_and(|e| e.on_endpoints))
            .map(|name| {
                let mut drop = t.sql("DROP INDEX ");
                drop.relation(&t.schema, name);
                Ddl { table: Table::Endpoints, sql: drop, before_rows: false }
            })
            .collect();
        if plan.column_exists {
            let mut drop = t.sql("ALTER TABLE ");
            drop.relation(&t.schema, Table::Endpoints.name()).push(" DROP COLUMN integration_uuid");
            steps.push(Ddl { table: Table::Endpoints, sql: drop, before_rows: false });
        }
        steps
    }

    fn apply(t: &Target, plan: &DownPlan) -> V107DownOutcome {
        let endpoints = t.qualified(Table::Endpoints);
        let schema = t.quoted_schema();
        let mut outcome = V107DownOutcome::default();
        for name in [NAME_INDEX, UUID_INDEX] {
            // Only our own indexes on endpoints: a same-named relation elsewhere is not V107's.
            let ours = plan.indexes.get(name).is_some_and(|e| e.on_endpoints);
            if ours {
                Spi::run(&format!("DROP INDEX {schema}.{}", pgrx::spi::quote_identifier(name))).expect("DROP INDEX");
                outcome.dropped.push(name.to_string());
            }
        }
        if plan.column_exists {
            // RESTRICT: the pre-flight found nothing of the user's that depends on the column.
            Spi::run(&format!("ALTER TABLE {endpoints} DROP COLUMN integration_uuid RESTRICT")).expect("DROP COLUMN");
            outcome.dropped.push("integration_uuid".to_string());
            outcome.pins_discarded = plan.pins;
        }
        outcome
    }

    fn verify(t: &Target, _plan: &DownPlan, outcome: V107DownOutcome) -> Result<V107DownOutcome, MigError> {
        let endpoints = t.qualified(Table::Endpoints);
        let sql = t.render(template!("v107_down_left"), &[(Hole::Plan, Fill::Statement(&t.render(template!("v107_index"), &[])))]);
        let (column_left, indexes_left) = Spi::connect(|c| {
            let table = c.select(sql.as_str(), None, &[endpoints.as_str().into()])?.first();
            let row = Row(&table);
            Ok::<_, pgrx::spi::Error>((row.get::<bool>("column_left"), row.lines("indexes_left")))
        })
        .or_raise();
        let mut left = Vec::new();
        if column_left == Some(true) {
            left.push(format!("column {endpoints}.integration_uuid"));
        }
        for name in indexes_left {
            left.push(format!("index {}.{name}", t.quoted_schema()));
        }
        if !left.is_empty() {
            return Err(MigError::new(
                Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
                format!("v107_down: {endpoints} did not end as planned: {} object(s) are still there", left.len()),
            )
            .detail(left.join("\n"))
            .hint("Something besides the migration (an event trigger?) re-created them; nothing was changed. Fix it, then run pk_migrate_v107_down again."));
        }
        pgrx::notice!(
            "phoenix_kit_mig: v107_down: dropped {} from {endpoints}; {} pin(s) discarded",
            if outcome.dropped.is_empty() { "nothing".to_string() } else { outcome.dropped.join(", ") },
            outcome.pins_discarded
        );
        Ok(outcome)
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;
    use serde_json::json;

    const S: &str = "public";

    fn endpoint(name: &str, provider: &str) -> pgrx::Uuid {
        Spi::get_one_with_args("SELECT pg_temp.pk_fixture_endpoint('public', $1, $2)", &[name.into(), provider.into()]).unwrap().unwrap()
    }

    fn pin(e: pgrx::Uuid) -> Option<pgrx::Uuid> {
        Spi::get_one_with_args("SELECT integration_uuid FROM phoenix_kit_ai_endpoints WHERE uuid = $1", &[e.into()]).unwrap()
    }

    fn validated(key: &str, at: serde_json::Value) -> pgrx::Uuid {
        setting(S, key, Some(&json!({ "last_validated_at": at }).to_string()), Some("integrations"))
    }

    fn at_uuid(key: &str, uuid: &str, value_json: &str) -> pgrx::Uuid {
        Spi::get_one_with_args(
            "SELECT pg_temp.pk_fixture_setting('public', $1, $2::jsonb, 'integrations', $3::uuid)",
            &[key.into(), value_json.into(), uuid.into()],
        )
        .unwrap()
        .unwrap()
    }

    fn up() -> serde_json::Value {
        report("SELECT pk_migrate_v107_up()")
    }

    #[pg_test]
    fn pins_by_exact_key_latest_validation_and_uuid() {
        fixture(S, 106);
        let work = validated("integration:openrouter:work", json!("2026-04-30T10:00:00.5Z"));
        let personal = validated("integration:openrouter:personal", json!("2026-04-30T10:00:00Z"));
        let _legacy = validated("integration:openrouter", json!("2027-01-01T00:00:00Z"));
        let google = setting(S, "integration:google:default", None, Some("integrations"));
        let site = setting(S, "site_name", None, Some("system"));

        let exact = endpoint("Exact", "openrouter:personal");
        let bare = endpoint("Bare", "openrouter");
        let by_uuid = endpoint("By uuid", &google.to_string().to_uppercase());
        let no_match = endpoint("No match", "openrouter:gone");
        let other = endpoint("Other", "anthropic");
        let cased = endpoint("Cased", "OpenRouter");
        let empty = endpoint("Empty", "");
        let not_integration = endpoint("Not an integration", &site.to_string());

        let r = up();
        assert_eq!(pin(exact), Some(personal));
        assert_eq!(pin(bare), Some(work), "…00.5Z is later than …00Z as a timestamp (not as text); legacy rows never count");
        assert_eq!(pin(by_uuid), Some(google), "a uuid-valued provider (any case) pins to that integration row");
        for e in [no_match, other, cased, empty, not_integration] {
            assert_eq!(pin(e), None);
        }
        assert_eq!(r["column_added"], true);
        assert_eq!((r["pinned_exact"].as_i64(), r["pinned_latest_validated"].as_i64(), r["pinned_by_uuid"].as_i64()), (Some(1), Some(1), Some(1)));
        assert_eq!(r["indexes_created"], json!(["phoenix_kit_ai_endpoints_integration_uuid_index", "phoenix_kit_ai_endpoints_name_index"]));
        let left: Vec<&str> = r["left_unpinned"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(left, vec!["Cased", "Empty", "No match", "Not an integration", "Other"]);
        assert_eq!(r["left_unpinned"][0], json!({"uuid": cased.to_string(), "name": "Cased", "provider": "OpenRouter"}));
        assert_eq!((r["version_before"].as_i64(), r["version_after"].as_i64()), (Some(106), Some(107)));
        assert_eq!(version(S).as_deref(), Some("107"));
    }

    #[pg_test]
    fn candidates_are_not_filtered_by_module_or_status() {
        fixture(S, 106);
        let failed = setting(
            S,
            "integration:openrouter:old",
            Some(r#"{"status":"error","validation_status":"error: 401","last_validated_at":"2026-05-01T00:00:00Z"}"#),
            Some("system"),
        );
        setting(S, "integration:openrouter:ok", Some(r#"{"status":"connected","last_validated_at":"2026-04-01T00:00:00Z"}"#), Some("integrations"));
        let e = endpoint("Chat", "openrouter");
        up();
        assert_eq!(pin(e), Some(failed), "the latest validation wins, whatever its module or outcome");
    }

    #[pg_test]
    fn takes_access_exclusive_on_endpoints_and_share_on_settings() {
        fixture(S, 106);
        up();
        let modes = one::<String>(
            "SELECT string_agg(c.relname || '=' || l.mode, ',' ORDER BY c.relname, l.mode) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE l.pid = pg_backend_pid() AND l.granted AND c.relname IN ('phoenix_kit_ai_endpoints', 'phoenix_kit_settings')",
        )
        .unwrap();
        assert!(modes.contains("phoenix_kit_ai_endpoints=AccessExclusiveLock"), "{modes}");
        assert!(modes.contains("phoenix_kit_settings=ShareLock"), "{modes}");
    }

    #[pg_test]
    fn indexes_have_the_upstream_shape() {
        fixture(S, 106);
        up();
        let defs = one::<String>(
            "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes
              WHERE schemaname = 'public' AND indexname IN ('phoenix_kit_ai_endpoints_name_index', 'phoenix_kit_ai_endpoints_integration_uuid_index')",
        )
        .unwrap();
        assert_eq!(
            defs,
            "CREATE INDEX phoenix_kit_ai_endpoints_integration_uuid_index ON public.phoenix_kit_ai_endpoints USING btree (integration_uuid)\n\
             CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON public.phoenix_kit_ai_endpoints USING btree (lower((name)::text))"
        );
        let column = one::<String>(
            "SELECT format_type(atttypid, atttypmod) || attnotnull::text || (atthasdef)::text FROM pg_attribute
              WHERE attrelid = 'phoenix_kit_ai_endpoints'::regclass AND attname = 'integration_uuid'",
        );
        assert_eq!(column.as_deref(), Some("uuidfalsefalse"), "nullable, no default");
        assert_eq!(
            one::<i64>("SELECT count(*) FROM pg_constraint WHERE conrelid = 'phoenix_kit_ai_endpoints'::regclass AND contype = 'f'"),
            Some(0),
            "no foreign key"
        );
    }

    #[pg_test]
    fn ties_and_unusable_timestamps_go_to_the_smallest_uuid_after_parseable_ones() {
        fixture(S, 106);
        // All NULL: the smallest uuid wins.
        let a = at_uuid("integration:p:a", "01900000-0000-7000-8000-00000000000b", "{}");
        let _b = at_uuid("integration:p:b", "01900000-0000-7000-8000-00000000000c", r#"{"last_validated_at":null}"#);
        // Unparseable, empty, non-string: rank after any parseable value, even an old one.
        at_uuid("integration:q:garbage", "01900000-0000-7000-8000-000000000001", r#"{"last_validated_at":"yesterday"}"#);
        at_uuid("integration:q:empty", "01900000-0000-7000-8000-000000000002", r#"{"last_validated_at":""}"#);
        at_uuid("integration:q:number", "01900000-0000-7000-8000-000000000003", r#"{"last_validated_at":1777777777}"#);
        let old = at_uuid("integration:q:old", "01900000-0000-7000-8000-000000000009", r#"{"last_validated_at":"2001-01-01T00:00:00Z"}"#);
        // Same instant in two offsets: a tie, so the smaller uuid.
        let t1 = at_uuid("integration:r:x", "01900000-0000-7000-8000-000000000020", r#"{"last_validated_at":"2026-04-30T12:00:00+02:00"}"#);
        at_uuid("integration:r:y", "01900000-0000-7000-8000-000000000021", r#"{"last_validated_at":"2026-04-30T10:00:00Z"}"#);
        let (p, q, r) = (endpoint("P", "p"), endpoint("Q", "q"), endpoint("R", "r"));
        up();
        assert_eq!(pin(p), Some(a));
        assert_eq!(pin(q), Some(old));
        assert_eq!(pin(r), Some(t1));
    }

    #[pg_test]
    fn only_unpinned_rows_are_touched_and_rerun_is_safe() {
        fixture(S, 107);
        let row = setting(S, "integration:openrouter:work", None, Some("integrations"));
        let other = setting(S, "integration:openrouter:other", None, Some("integrations"));
        let chosen = endpoint("Chosen", "openrouter");
        let fresh = endpoint("Fresh", "openrouter:work");
        Spi::run_with_args("UPDATE phoenix_kit_ai_endpoints SET integration_uuid = $1 WHERE uuid = $2", &[other.into(), chosen.into()]).unwrap();
        let stamp = one::<String>("SELECT string_agg(updated_at::text || provider, ',' ORDER BY uuid) FROM phoenix_kit_ai_endpoints");
        let r = up();
        assert_eq!(r["column_added"], false);
        assert_eq!(r["indexes_created"], json!([]));
        assert_eq!(pin(chosen), Some(other), "a pin the user chose is kept");
        assert_eq!(pin(fresh), Some(row));
        assert_eq!(one::<String>("SELECT string_agg(updated_at::text || provider, ',' ORDER BY uuid) FROM phoenix_kit_ai_endpoints"), stamp);
        let fp = fingerprint(S);
        let again = up();
        assert_eq!((again["pinned_exact"].as_i64(), again["pinned_latest_validated"].as_i64()), (Some(0), Some(0)));
        assert_eq!(fingerprint(S), fp);
    }

    #[pg_test]
    fn duplicate_names_are_refused_listing_every_group() {
        fixture(S, 106);
        let a1 = endpoint("Chat", "openrouter");
        let a2 = endpoint("chat", "openrouter");
        let a3 = endpoint("CHAT", "openrouter");
        let b1 = endpoint("Images", "openrouter");
        let b2 = endpoint("images", "openrouter");
        endpoint("Unique", "openrouter");
        let f = fails_unchanged(S, "SELECT pk_migrate_v107_up()", "23505");
        assert!(f.message.contains("2 group(s)"), "{}", f.message);
        let detail = f.detail.unwrap();
        for u in [a1, a2, a3, b1, b2] {
            assert!(detail.contains(&u.to_string()), "{detail}");
        }
        assert!(detail.contains("'chat'") && detail.contains("'images'") && !detail.contains("Unique"), "{detail}");
        assert!(f.hint.unwrap().contains("pk_migrate_v107_up"));
    }

    /// The run's check is the unique index, where NULL names never collide: status, the plan
    /// and the run must say the same about them.
    #[pg_test]
    fn null_names_are_not_duplicates_for_status_plan_or_run() {
        fixture(S, 106);
        Spi::run("ALTER TABLE phoenix_kit_ai_endpoints ALTER COLUMN name DROP NOT NULL").unwrap();
        let a = endpoint("A", "openrouter");
        let b = endpoint("B", "openrouter");
        Spi::run(&format!("UPDATE phoenix_kit_ai_endpoints SET name = NULL WHERE uuid IN ('{a}', '{b}')")).unwrap();
        let status = report("SELECT pk_migration_status()");
        assert_eq!(status["migrations"]["v107_up"]["can_run"], true, "{status}");
        let blocked = Spi::get_one::<i64>("SELECT count(*) FROM pk_migration_plan('v107_up') WHERE action = 'blocked'").unwrap();
        assert_eq!(blocked, Some(0));
        assert_eq!(up()["version_after"], 107);
    }

    #[pg_test]
    fn a_same_named_index_of_another_shape_is_refused() {
        for ddl in [
            "CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON phoenix_kit_ai_endpoints (name)",
            "CREATE INDEX phoenix_kit_ai_endpoints_name_index ON phoenix_kit_ai_endpoints (lower(name))",
            "CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON phoenix_kit_ai_endpoints (lower(name)) WHERE enabled",
        ] {
            fixture(S, 106);
            Spi::run(ddl).unwrap();
            let f = fails_unchanged(S, "SELECT pk_migrate_v107_up()", "55000");
            assert!(f.detail.unwrap().contains("CREATE"), "{ddl}");
        }
        fixture(S, 106);
        Spi::run("CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON phoenix_kit_ai_endpoints (lower(name::text))").unwrap();
        assert_eq!(up()["indexes_created"], json!(["phoenix_kit_ai_endpoints_integration_uuid_index"]), "the right shape is kept");
    }

    #[pg_test]
    fn an_invalid_name_index_is_refused() {
        fixture(S, 106);
        Spi::run("CREATE UNIQUE INDEX phoenix_kit_ai_endpoints_name_index ON phoenix_kit_ai_endpoints (lower(name::text))").unwrap();
        // What a failed CREATE INDEX CONCURRENTLY leaves behind: an index that enforces nothing.
        Spi::run("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'phoenix_kit_ai_endpoints_name_index'::regclass").unwrap();
        let f = fails_unchanged(S, "SELECT pk_migrate_v107_up()", "55000");
        assert!(f.hint.unwrap().contains("DROP INDEX"));
    }

    #[pg_test]
    fn down_refuses_while_other_objects_depend_on_the_column() {
        fixture(S, 107);
        Spi::run("CREATE VIEW pinned AS SELECT name, integration_uuid FROM phoenix_kit_ai_endpoints").unwrap();
        let f = fails_unchanged(S, "SELECT pk_migrate_v107_down()", "2BP01");
        assert_eq!(f.detail.as_deref(), Some("view public.pinned"));
        let status = report("SELECT pk_migration_status()");
        assert_eq!(status["migrations"]["v107_down"]["blockers"][0]["sqlstate"], "2BP01");
    }

    #[pg_test]
    fn down_drops_everything_and_counts_discarded_pins() {
        fixture(S, 106);
        setting(S, "integration:openrouter:work", None, Some("integrations"));
        endpoint("A", "openrouter");
        endpoint("B", "openrouter:work");
        endpoint("C", "nothing");
        up();
        let r = report("SELECT pk_migrate_v107_down()");
        assert_eq!(r["pins_discarded"], 2);
        assert_eq!(r["dropped"], json!(["phoenix_kit_ai_endpoints_name_index", "phoenix_kit_ai_endpoints_integration_uuid_index", "integration_uuid"]));
        assert_eq!(version(S).as_deref(), Some("106"));
        assert_eq!(
            one::<i64>(
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'phoenix_kit_ai_endpoints'::regclass AND attname = 'integration_uuid' AND NOT attisdropped"
            ),
            Some(0)
        );
        let again = report("SELECT pk_migrate_v107_down()");
        assert_eq!((again["pins_discarded"].as_i64(), again["dropped"].clone()), (Some(0), json!([])));
        assert_eq!(again["version_after"], 106);
    }

    /// A column of the users' whose name starts with `integration_uuid=` is not V107's column
    /// (the catalog facts write columns as "name=type"): status works and the down drops
    /// only what is V107's.
    #[pg_test]
    fn down_knows_its_column_by_its_whole_name() {
        fixture(S, 106);
        up();
        Spi::run("ALTER TABLE phoenix_kit_ai_endpoints DROP COLUMN integration_uuid; ALTER TABLE phoenix_kit_ai_endpoints ADD COLUMN \"integration_uuid=legacy\" text").unwrap();
        let status = report("SELECT pk_migration_status()");
        assert_eq!(status["migrations"]["v107_down"]["can_run"], true, "{status}");
        let r = report("SELECT pk_migrate_v107_down()");
        assert_eq!(r["dropped"], json!(["phoenix_kit_ai_endpoints_name_index"]));
        assert_eq!(one::<i64>("SELECT count(\"integration_uuid=legacy\") FROM phoenix_kit_ai_endpoints"), Some(0), "the users' column stays");
    }

    /// V107 up's staged path (a user trigger on the endpoints): an event trigger on V107's own
    /// ALTER TABLE runs after the pre-flight and before the rows are planned; what it writes is
    /// 27000 before anything is applied.
    #[pg_test]
    fn staged_up_refuses_rows_an_event_trigger_on_its_ddl_wrote() {
        fixture(S, 106);
        setting(S, "integration:openrouter:work", None, Some("integrations"));
        let e = endpoint("A", "openrouter:work");
        Spi::run(&format!(
            "CREATE FUNCTION pg_temp.pk_keep() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
             CREATE TRIGGER pk_keep BEFORE UPDATE ON public.phoenix_kit_ai_endpoints FOR EACH ROW EXECUTE FUNCTION pg_temp.pk_keep();
             CREATE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$
               BEGIN UPDATE public.phoenix_kit_ai_endpoints SET api_key = 'STOLEN' WHERE uuid = '{e}'; END $f$;
             CREATE EVENT TRIGGER pk_evt ON ddl_command_end WHEN TAG IN ('ALTER TABLE') EXECUTE FUNCTION public.pk_evt()"
        ))
        .unwrap();
        let failure = fails_unchanged(S, "SELECT pk_migrate_v107_up()", "27000");
        assert!(failure.detail.as_deref().unwrap_or_default().contains(&e.to_string()), "{failure:?}");
        // A row deleted, or another column's default changed, on that ALTER TABLE.
        for body in [
            "DELETE FROM public.phoenix_kit_settings;",
            "IF current_setting('pk.once', true) IS DISTINCT FROM 'y' THEN PERFORM set_config('pk.once', 'y', true); ALTER TABLE public.phoenix_kit_ai_endpoints ALTER COLUMN api_key SET DEFAULT 'x'; END IF;",
        ] {
            Spi::run(&format!("CREATE OR REPLACE FUNCTION public.pk_evt() RETURNS event_trigger LANGUAGE plpgsql AS $f$ BEGIN {body} END $f$")).unwrap();
            fails_unchanged(S, "SELECT pk_migrate_v107_up()", "27000");
            Spi::run("SELECT set_config('pk.once', 'n', true)").unwrap();
        }
        Spi::run("DROP EVENT TRIGGER pk_evt").unwrap();
        assert_eq!(up()["pinned_exact"], 1, "without the event trigger the staged run succeeds");
    }

    /// A script of V107 down where V107's column is gone already (the migration then only drops
    /// what is left and stamps 106).
    #[pg_test]
    fn down_script_without_the_column() {
        fixture(S, 107);
        Spi::run("ALTER TABLE phoenix_kit_ai_endpoints DROP COLUMN integration_uuid").unwrap();
        let script = one::<String>("SELECT pk_migration_script('v107_down')").unwrap();
        assert!(script.contains("stamps version 106"), "{script}");
    }

    #[pg_test]
    fn full_path_v107_then_v114_and_both_downs() {
        fixture(S, 106);
        let work = setting(S, "integration:openrouter:work", None, Some("integrations"));
        let e = endpoint("Chat", "openrouter:work");
        let refused = attempt("SELECT pk_migrate_v114_up()::text").unwrap_err();
        assert_eq!(refused.sqlstate, "55000", "V114 before V107 would lose every pin");
        up();
        set_version(S, "113");
        report("SELECT pk_migrate_v114_up()");
        assert_eq!(pin(e), Some(work), "V114 keeps uuids, so the pins stay valid");
        assert_eq!(setting_row(S, work)["key"], json!(work.to_string()));
        report("SELECT pk_migrate_v114_down()");
        assert_eq!(setting_row(S, work)["key"], "integration:openrouter:work");
        set_version(S, "107");
        assert_eq!(report("SELECT pk_migrate_v107_down()")["pins_discarded"], 1);
        assert_eq!(version(S).as_deref(), Some("106"));
    }

    #[pg_test]
    fn dry_runs_report_like_real_runs_and_change_nothing() {
        fixture(S, 106);
        setting(S, "integration:openrouter:work", None, Some("integrations"));
        endpoint("A", "openrouter");
        endpoint("B", "gone:x");
        let strip = |mut r: serde_json::Value| {
            r.as_object_mut().unwrap().retain(|k, _| k != "dry_run" && k != "elapsed_ms");
            r
        };
        for (call, dry) in [
            ("SELECT pk_migrate_v107_up()", "SELECT pk_migrate_v107_up(dry_run => true)"),
            ("SELECT pk_migrate_v107_down()", "SELECT pk_migrate_v107_down(dry_run => true)"),
        ] {
            let fp = fingerprint(S);
            let d = report(dry);
            assert_eq!(d["dry_run"], true);
            assert_eq!(fingerprint(S), fp, "{dry} changed something");
            let real = report(call);
            assert_eq!(strip(d), strip(real), "{dry}");
        }
    }
}
