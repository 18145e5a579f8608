//! `pk_migration_plan(migration, prefix)`: what a migration would do if run now with
//! `force => true`, row by row (docs/behaviour.md §12). It is the migration's own `plan` — the
//! same plan query the migration applies and verifies (`sql/queries/<migration>_plan.sql`) —
//! read through a per-row preview (`<migration>_preview.sql`), so the two cannot disagree.
//!
//! Streaming: the Rust side only checks the arguments, resolves the schema and collects the
//! blockers that are not rows (a table's kind, privileges, the version comment, …); it returns
//! one SQL statement that a PL/pgSQL wrapper runs with RETURN QUERY EXECUTE. Rows flow from
//! the executor into PostgreSQL's tuplestore (spilled to disk past work_mem), never into Rust
//! memory. Read-only: SELECTs only, no lock stronger than ACCESS SHARE, no transaction id, so
//! it works in a READ ONLY transaction and on a hot standby.
use crate::errors::{Code, MigError};
use crate::registry;
use crate::runner::{self, Checks, Migration, Preflight, Purpose};
use crate::sql::Sql;
use crate::target::{Table, Target};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// The plan of `migration` as one SQL statement yielding
/// `(relation text, row_uuid uuid, action text, before jsonb, after jsonb, reason text)`.
#[pg_extern(volatile, parallel_unsafe, security_invoker, schema = "phoenix_kit_mig_internal")]
#[search_path(pg_catalog, pg_temp)]
fn pk_plan_query(migration: Option<&str>, prefix: Option<&str>) -> Result<String, ErrorReport> {
    let migration = runner::require(migration, "migration")?;
    let prefix = runner::require(prefix, "prefix")?;
    let migration = registry::find(migration)?;
    let target = Target::resolve(prefix, &[])?;
    let sql = (migration.plan_query)(&target)?;
    Ok(sql)
}

extension_sql!(
    r#"
CREATE FUNCTION pk_migration_plan(migration text, prefix text DEFAULT 'public')
RETURNS TABLE (relation text, row_uuid uuid, action text, before jsonb, after jsonb, reason text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SECURITY INVOKER
SET search_path = pg_catalog, pg_temp
SET enable_nestloop = off
SET jit = off
AS $fn$
BEGIN
  RETURN QUERY EXECUTE phoenix_kit_mig_internal.pk_plan_query(migration::text, prefix::text);
END
$fn$;
COMMENT ON FUNCTION pk_migration_plan(text, text) IS
    'What a migration would do if run now with force => true, row by row: rewrite, pin, leave_unpinned, unpin, blocked, ddl, stamp. Read-only.';
"#,
    name = "pk_migration_plan",
    requires = [pk_plan_query]
);

/// One row of the plan that is not a table row: a blocker, a schema step or the stamp.
struct Step {
    relation: Table,
    action: &'static str,
    before: Option<String>,
    after: Option<String>,
    reason: String,
}

impl Step {
    /// One SELECT of literals: the reason holds the schema's name and data, so every value goes
    /// through the renderer's literal quoting.
    fn sql(&self) -> Sql {
        let mut sql = Sql::fixed("SELECT ");
        sql.literal(Some(self.relation.name())).push("::text, NULL::uuid, ");
        sql.literal(Some(self.action)).push("::text, ");
        sql.literal(self.before.as_deref()).push("::jsonb, ");
        sql.literal(self.after.as_deref()).push("::jsonb, ");
        sql.literal(Some(&self.reason)).push("::text");
        sql
    }
}

fn blocked(relation: Table, e: &MigError) -> Step {
    let mut reason = format!("{}: {}", e.sqlstate(), e.message);
    if let Some(detail) = &e.detail {
        reason.push_str(&format!(" — {}", detail.replace('\n', "; ")));
    }
    Step { relation, action: "blocked", before: None, after: None, reason }
}

/// A schema step's or the stamp's reason, with the event triggers that fire on it (those of
/// the stamp after the verify step).
fn with_event_triggers(statement: String, enabled: &[runner::EventTrigger]) -> String {
    let tag = ["ALTER TABLE", "CREATE INDEX", "DROP INDEX", "COMMENT"]
        .into_iter()
        .find(|tag| statement.replace("CREATE UNIQUE INDEX", "CREATE INDEX").starts_with(tag))
        .unwrap_or("");
    let fired = runner::fired_by(enabled, &[tag]);
    if fired.is_empty() {
        statement
    } else {
        format!("{statement}; fires {}", fired.join(", "))
    }
}

pub fn plan_query<M: Migration>(t: &Target) -> Result<String, MigError> {
    let spec = &M::SPEC;
    let main_table = spec.locks[0].0;
    // As a run with force => true (§12), with the run's plan: the preview reads the rows
    // themselves, so whatever only status needs (V107's pin count, a pass of its own) is left out.
    let checks = Checks { privileges: spec.privileges, version: true, force: true, plan: Some(Purpose::Run) };
    let preflight = Preflight::<M>::new(t, &checks);
    // A missing table is an error, as for the migration itself (§12); anything else about the
    // tables is a blocked row.
    if let Some((_, missing)) = preflight.checks.iter().find(|(_, e)| e.code == Code::ERRCODE_UNDEFINED_TABLE) {
        return Err(missing.clone());
    }
    let mut first: Vec<Step> = preflight.checks.iter().map(|(table, e)| blocked(*table, e)).collect();
    let mut last: Vec<Step> = Vec::new();
    let mut preview = None;
    if preflight.tables_ok {
        let enabled = runner::enabled_event_triggers()?;
        if let Some(stamp) = preflight.version.and_then(|v| spec.rule.stamp_after(v).map(|s| (v, s))) {
            let (v, stamp) = stamp;
            last.push(Step {
                relation: Table::Kit,
                action: "stamp",
                before: Some(serde_json::json!({ "version": v }).to_string()),
                after: Some(serde_json::json!({ "version": stamp }).to_string()),
                reason: with_event_triggers(format!("COMMENT ON TABLE {} IS '{stamp}'", t.qualified(Table::Kit)), &enabled),
            });
        }
        if let Some(plan) = &preflight.plan {
            for e in M::blockers(plan).not_by_row() {
                first.push(blocked(main_table, e));
            }
            for runner::Ddl { table, sql: statement, .. } in M::ddl(t, plan) {
                last.push(Step { relation: table, action: "ddl", before: None, after: None, reason: with_event_triggers(statement.into_string(), &enabled) });
            }
            preview = Some(M::preview_sql(t, plan));
        }
    }
    let mut parts: Vec<Sql> = first.iter().map(Step::sql).collect();
    if let Some(rows) = preview {
        let mut part = Sql::fixed("SELECT * FROM (");
        part.statement(&rows).push(") preview");
        parts.push(part);
    }
    parts.extend(last.iter().map(Step::sql));
    let mut sql = Sql::default();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.push("\nUNION ALL\n");
        }
        sql.statement(part);
    }
    if parts.is_empty() {
        sql.push("SELECT NULL::text, NULL::uuid, NULL::text, NULL::jsonb, NULL::jsonb, NULL::text WHERE false");
    }
    Ok(sql.into_string())
}
