//! The one runner every migration goes through: reject NULL arguments, resolve the schema and
//! its tables (§11.1), check privileges and row-level security (§11.7, §11.2), take the locks,
//! apply the version guard, then the migration's own steps — plan (read-only: every blocker,
//! what will change) → apply (set-based) → verify (the table itself against the plan, §11.3)
//! → stamp — and for a dry run undo it all by rolling back a subtransaction: real and dry runs execute
//! the very same steps. `pk_migration_status` and `pk_migration_plan` call the same `plan`.
use std::time::Instant;

use crate::errors::{self, Code, MigError, OrRaise};
use crate::guard::{self, VersionRule};
use crate::sql::Sql;
use crate::target::{Privilege, Table, Target};
use pgrx::spi::quote_identifier;
use phoenix_kit_mig_core::Report;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Declares a migration's SQL function: the same signature, attributes and runner for all
/// four, so none can drift from the SQL surface the README documents.
macro_rules! migration_function {
    ($(#[$doc:meta])* $name:ident, $migration:ty) => {
        $(#[$doc])*
        #[pgrx::pg_extern(volatile, parallel_unsafe, security_invoker)]
        #[search_path(pg_catalog, pg_temp)]
        fn $name(
            prefix: default!(Option<&str>, "'public'"),
            dry_run: default!(Option<bool>, false),
            force: default!(Option<bool>, false),
        ) -> pgrx::JsonB {
            $crate::runner::run::<$migration>(prefix, dry_run, force)
        }
    };
}
pub(crate) use migration_function;

pub struct Spec {
    /// "v114_up" …, the report's `migration`.
    pub name: &'static str,
    pub rule: VersionRule,
    /// Tables that must exist, and the lock each is taken in, in this order.
    pub locks: &'static [(Table, &'static str)],
    /// What the caller needs on each table (README "Privileges").
    pub privileges: &'static [(Table, &'static [Privilege])],
    /// What it does with each table's columns (§11.1, §11.3).
    pub uses: &'static [TableUse],
    /// The command tags of its schema statements and stamp, for the event triggers they fire.
    pub ddl_tags: &'static [&'static str],
}

/// The columns a migration writes in a table, those it matches or groups by, and those on
/// which a foreign key is refused.
pub struct TableUse {
    pub table: Table,
    pub writes: &'static [&'static str],
    pub matches: &'static [&'static str],
    pub no_foreign_keys: &'static [&'static str],
}

impl Spec {
    /// Every blocker that the tables' privileges, row-level security, foreign keys, collations
    /// and generated columns make, in one order for the run, status and the plan. Read-only.
    /// The enabled event triggers that fire on this migration's DDL or COMMENT: they run after
    /// the verify step, so status and the plan name them.
    pub fn event_triggers(&self) -> Result<Vec<String>, MigError> {
        let tags: Vec<String> = self.ddl_tags.iter().map(|t| t.to_string()).collect();
        let sql = crate::sql::template!("event_triggers").render("", &[]);
        // Read-only SPI (select): status and the plan run in READ ONLY transactions and on
        // standbys, and must not take a transaction id.
        Ok(Spi::connect(|c| c.select(sql.as_str(), Some(1), &[tags.into()])?.first().get_one::<Vec<String>>())?.unwrap_or_default())
    }

    pub fn table_blockers(&self, target: &Target) -> Vec<MigError> {
        let mut blockers = target.access_blockers(self.privileges, self.name);
        for u in self.uses {
            blockers.extend(target.structure_blockers(u.table, u.no_foreign_keys, u.matches, u.writes, self.name));
        }
        blockers
    }

    pub fn tables(&self) -> impl Iterator<Item = Table> + '_ {
        std::iter::once(Table::Kit).chain(self.locks.iter().map(|(t, _)| *t))
    }
}

/// One migration: its spec and its steps. A fifth migration is one more implementation.
pub trait Migration {
    const SPEC: Spec;
    /// Everything `plan` found: blockers, counts, and what `apply` needs.
    type Plan;
    /// What `apply` returned for `verify` (e.g. what RETURNING showed).
    type Applied;
    /// The report's own fields, as verified.
    type Outcome: serde::Serialize;

    /// Read-only: every blocker of the pre-flight and what a run would change. Runs under the
    /// migration's locks, and without them for `pk_migration_status`.
    fn plan(t: &Target) -> Self::Plan;
    /// The plan a run needs: the same blockers, but the run may leave out what only status
    /// and the preview report (e.g. counts that the run's own statement establishes), and
    /// blockers that a statement of the run finds anyway (V107 up's duplicate names: its
    /// unique index build) as long as it then raises the same error.
    fn plan_for_run(t: &Target) -> Self::Plan {
        Self::plan(t)
    }
    fn blockers(plan: &Self::Plan) -> &[MigError];
    /// How many rows a run now would change.
    fn pending(plan: &Self::Plan) -> i64;
    /// The changes, set-based.
    fn apply(t: &Target, plan: &Self::Plan) -> Self::Applied;
    /// Reads the table itself and checks the postconditions against the plan: 27000 listing
    /// the rows that did not end as planned.
    fn verify(t: &Target, plan: &Self::Plan, applied: Self::Applied) -> Result<Self::Outcome, MigError>;

    /// For `pk_migration_plan`: one SELECT over the plan query yielding `(relation, row_uuid,
    /// action, before, after, reason)` for every row the migration changes or that blocks it.
    fn preview_sql(t: &Target, plan: &Self::Plan) -> crate::sql::Sql;
    /// How many of `blockers` (the leading ones) the preview already shows row by row.
    fn row_blockers(_plan: &Self::Plan) -> usize {
        0
    }
    /// The schema steps a run would take, as statements.
    fn ddl(_t: &Target, _plan: &Self::Plan) -> Vec<(Table, String)> {
        Vec::new()
    }
}

/// NULL for any argument is an error, never a silent NULL result.
pub fn require<T>(value: Option<T>, argument: &str) -> T {
    value.unwrap_or_else(|| {
        MigError::new(Code::ERRCODE_NULL_VALUE_NOT_ALLOWED, format!("argument {argument} must not be NULL"))
            .hint(format!("Omit {argument} to use its default."))
            .raise()
    })
}

/// Everything that stops `M` before a lock is taken: the tables (§11.1), then privileges and
/// row-level security (§11.7, §11.2). Read-only.
pub fn resolve_for<M: Migration>(prefix: &str) -> Result<Target, MigError> {
    let tables: Vec<Table> = M::SPEC.tables().collect();
    Target::resolve(prefix, &tables)
}

pub fn run<M: Migration>(prefix: Option<&str>, dry_run: Option<bool>, force: Option<bool>) -> JsonB {
    let spec = &M::SPEC;
    let prefix = require(prefix, "prefix");
    let dry_run = require(dry_run, "dry_run");
    let force = require(force, "force");
    let started = Instant::now();
    refuse_read_only(spec, prefix);
    refuse_transaction_snapshot(spec);
    // Refused early, before waiting for any lock: a run that cannot succeed.
    let mut target = resolve_for::<M>(prefix).or_raise();
    refuse_if_blocked(&spec.table_blockers(&target), spec, &target);

    let steps = || {
        for (table, mode) in spec.locks {
            // Locks first: nothing is read before the rows are protected from concurrent writers.
            // The caller's lock_timeout applies (55P03, nothing changed).
            Spi::run(&format!("LOCK TABLE {} IN {mode} MODE", target.qualified(*table))).expect("LOCK TABLE");
        }
        // Under the locks the tables' kind, rules, triggers, policies and privileges can no
        // longer change: read them again, so the checks hold for what the run relies on.
        target.refresh();
        for table in spec.tables() {
            target.check_relation(table).or_raise();
        }
        refuse_if_blocked(&spec.table_blockers(&target), spec, &target);
        let target = &target;
        let before = guard::read_version(target).or_raise();
        spec.rule.check(spec.name, target, before, force).or_raise();
        let plan = M::plan_for_run(target);
        if !M::blockers(&plan).is_empty() {
            // Refused: the whole plan, as pk_migration_status reads it, names every blocker,
            // also those a run leaves to its own statements to find (V107's duplicate names).
            refuse_if_blocked(M::blockers(&M::plan(target)), spec, target);
            refuse_if_blocked(M::blockers(&plan), spec, target);
        }
        let applied = M::apply(target, &plan);
        let outcome = M::verify(target, &plan, applied).or_raise();
        let mut report = Report::new(spec.name, prefix, before, dry_run);
        report.set_outcome(&outcome);
        let after = match spec.rule.stamp_after(before) {
            Some(v) => {
                guard::write_version(target, v);
                v
            }
            None => before,
        };
        (report, after)
    };

    // A user's trigger may raise any SQLSTATE, its own codes included: it reaches the caller
    // as raised (errors::reraise), never as XX000.
    let steps = std::panic::AssertUnwindSafe(|| errors::with_raw_error_codes(steps));
    let (report, after) = if dry_run {
        match subtransaction(steps, false) {
            Ok(r) => r,
            Err(error) => errors::reraise(error),
        }
    } else {
        PgTryBuilder::new(steps).catch_others(|e| errors::reraise(e)).execute()
    };
    if dry_run {
        pgrx::notice!("phoenix_kit_mig: dry run of {}: every change was rolled back", spec.name);
    }
    JsonB(report.finish(after, started.elapsed().as_secs_f64() * 1000.0))
}

/// The 27000 error of a verify step: the rows that did not end as planned.
pub fn not_as_planned(spec: &Spec, t: &Target, table: Table, wrong: i64, lines: &[String], what: &str) -> MigError {
    MigError::new(
        Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
        format!("{}: {wrong} row(s) of {} did not end as planned {what}", spec.name, t.qualified(table)),
    )
    .detail(phoenix_kit_mig_core::detail_lines(lines, wrong.max(0) as usize))
    .hint("Something besides the migration changed or skipped these rows (a trigger, a rule, a column type); nothing was changed. Disable or fix it for the migration, then run it again.")
}

/// With user triggers on a table, a staged plan is applied and deferrable constraint
/// triggers are fired now, so the verify step sees everything they do; they are deferred
/// again afterwards, as they were declared.
pub fn fire_deferred_triggers(t: &Target, table: Table) -> Vec<String> {
    let names = t.deferrable_constraint_triggers(table);
    if !names.is_empty() {
        Spi::run(&format!("SET CONSTRAINTS {} IMMEDIATE", names.join(", "))).expect("SET CONSTRAINTS");
    }
    names
}

pub fn restore_deferred_triggers(names: &[String]) {
    if !names.is_empty() {
        Spi::run(&format!("SET CONSTRAINTS {} DEFERRED", names.join(", "))).expect("SET CONSTRAINTS");
    }
}

/// With user triggers on the table the plan is kept in a temporary table for the verify step,
/// which needs TEMPORARY on the database (PUBLIC has it by default): 42501 up front otherwise.
pub fn staging_blocker(t: &Target, table: Table, migration: &str) -> Option<MigError> {
    (!t.temp_allowed()).then(|| {
        MigError::new(
            Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!("{migration} needs TEMPORARY on this database: {} has triggers of its own, so the plan is kept for the verify step", t.qualified(table)),
        )
        .hint("GRANT TEMPORARY ON DATABASE … TO the role that runs the migration, or disable the table's triggers for the migration.")
    })
}

/// Drops the staged plan of a run with user triggers (ON COMMIT DROP would keep it until the
/// caller commits).
pub fn drop_stage() -> Result<(), MigError> {
    Ok(Spi::run("DROP TABLE IF EXISTS pg_temp.pk_mig_plan")?)
}

/// PostgreSQL would refuse the first write anyway, but only after the pre-flight and without
/// saying which migration or schema; a hot standby is read-only too.
fn refuse_read_only(spec: &Spec, schema: &str) {
    // SAFETY: a plain read of a backend-global flag.
    if unsafe { pg_sys::XactReadOnly } {
        MigError::new(
            Code::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            format!("{} cannot run in a read-only transaction", spec.name),
        )
        .detail(format!("It changes PhoenixKit's tables in schema \"{schema}\" (a dry run too: it changes them, then rolls back)."))
        .hint("Run it on the primary, in a read-write transaction. pk_migration_status works here.")
        .raise()
    }
}

/// Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot predates the lock the
/// migration waits for, so rows committed during that wait would escape the rewrite while the
/// stamp claimed the migration complete.
fn refuse_transaction_snapshot(spec: &Spec) {
    // SAFETY: a plain read of a backend-global setting.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        MigError::new(
            Code::ERRCODE_INVALID_TRANSACTION_STATE,
            format!("{} must run in a READ COMMITTED transaction", spec.name),
        )
        .detail("Under REPEATABLE READ or SERIALIZABLE the snapshot is taken before the migration's lock, so rows committed while it waits would not be migrated.")
        .hint("Run it in a READ COMMITTED transaction (PostgreSQL's and Ecto's default).")
        .raise()
    }
}

/// Runs `f` in an internal subtransaction that is kept (`commit`) or rolled back when `f`
/// succeeds, and always rolled back when it fails; the error is returned, not raised, so the
/// caller can look at the data as it was and explain the failure.
pub fn subtransaction<R>(
    f: std::panic::AssertUnwindSafe<impl FnOnce() -> R>,
    commit: bool,
) -> Result<R, pg_sys::panic::CaughtError> {
    // SAFETY: the same calls, in the same order, as PL/pgSQL's exec_stmt_block.
    let (old_context, old_owner) = unsafe {
        let saved = (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(saved.0);
        saved
    };
    // Unwind safety: on error the closure's state is discarded with the subtransaction.
    let result = PgTryBuilder::new(move || {
        let f = f;
        Ok((f.0)())
    })
    .catch_others(Err)
    .execute();
    unsafe {
        if result.is_ok() && commit {
            pg_sys::ReleaseCurrentSubTransaction();
        } else {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
        }
        pg_sys::MemoryContextSwitchTo(old_context);
        pg_sys::CurrentResourceOwner = old_owner;
    }
    result
}

/// Raises the first blocker found by a pre-flight; the HINT points at the others, which
/// `pk_migration_status` lists in full, so the operator can fix everything in one go.
pub fn refuse_if_blocked(blockers: &[MigError], spec: &Spec, target: &Target) {
    let Some(first) = blockers.first() else { return };
    let mut error = first.clone();
    if blockers.len() > 1 {
        let others = blockers.len() - 1;
        let hint = error.hint.take().unwrap_or_default();
        error = error.hint(format!(
            "{hint} {others} other blocker(s) stop {} too: SELECT pk_migration_status({}); lists them all.",
            spec.name,
            pgrx::spi::quote_literal(&target.schema)
        ));
    }
    error.raise()
}

/// The staged path, written once for every migration: with user triggers on the table a run
/// cannot trust what its UPDATE wrote, so the plan is kept with each row's before-image, applied
/// in a subtransaction of its own (its rows then carry that subtransaction's xid), deferred
/// constraint triggers are fired, and the table is compared with the plan, whole rows at a
/// time (§11.3): every planned row holds its before-image with exactly the planned values,
/// every other row of the locked tables is unchanged. Temporary: dropped before it returns.
pub struct Staged<'a> {
    pub table: Table,
    /// `SELECT` over the plan, one row per row to write: `row_id` (its ctid), `uuid`, and the
    /// planned values under the names that `writes` gives.
    pub stage: &'a Sql,
    /// The `UPDATE` of the table from `pg_temp.pk_mig_plan` (`p`), joined on `p.row_id`.
    pub apply: &'a Sql,
    /// Each written column with the plan's column that holds its new value.
    pub writes: &'static [(&'static str, &'static str)],
    /// How a row is named in a DETAIL: an expression over the plan row `p`.
    pub label: &'static str,
}

impl Staged<'_> {
    /// Runs the staged path; the kept plan is there until `finish`, so the migration can read
    /// its counts from it.
    pub fn run(&self, spec: &Spec, t: &Target) -> Result<(), MigError> {
        let table = t.qualified(self.table);
        let mut stage = Sql::fixed("CREATE TEMPORARY TABLE pk_mig_plan ON COMMIT DROP AS SELECT p.*, s AS pk_before FROM (");
        stage.statement(self.stage).push(") p JOIN ");
        stage.relation(&t.schema, self.table.name()).push(" s ON s.ctid = p.row_id");
        Spi::run(stage.as_str())?;
        let rows_before = count_rows(t, self.table)?;
        // In a subtransaction of its own, so every row the UPDATE and its triggers write carries
        // xids from here on: the rows written beyond the plan can be found by their xmin.
        let applied = subtransaction(
            std::panic::AssertUnwindSafe(|| {
                Spi::run(self.apply.as_str()).expect("the staged UPDATE");
                let deferred = fire_deferred_triggers(t, self.table);
                restore_deferred_triggers(&deferred);
                // SAFETY: reads the current (sub)transaction's xid; 0 when it wrote nothing.
                unsafe { pg_sys::GetCurrentTransactionIdIfAny() }
            }),
            true,
        );
        let first_xid = match applied {
            Ok(xid) => xid,
            // Unwound as it was caught, to the runner's own handler, which raises it with the
            // user's SQLSTATE; raising it here (an ereport) would jump past a dry run's
            // subtransaction.
            Err(error) => error.rethrow(),
        };
        let mut wrong: Vec<String> = Vec::new();
        let mut wrong_count = 0i64;
        let (n, lines) = self.compare_rows(t)?;
        wrong_count += n;
        wrong.extend(lines);
        if first_xid != pg_sys::TransactionId::INVALID {
            for (locked, _) in spec.locks {
                let (n, lines) = written_beyond_plan(t, *locked, first_xid, *locked == self.table)?;
                wrong_count += n;
                wrong.extend(lines);
            }
        }
        let rows_after = count_rows(t, self.table)?;
        if rows_after != rows_before {
            wrong_count += (rows_after - rows_before).abs();
            wrong.push(format!("{table} held {rows_before} row(s) before and {rows_after} after"));
        }
        if wrong_count > 0 {
            drop_stage()?;
            let triggers = t.user_triggers(self.table);
            return Err(MigError::new(
                Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
                format!("{}: {wrong_count} row(s) of {table} did not end as planned", spec.name),
            )
            .detail(phoenix_kit_mig_core::detail_lines(&wrong, wrong.len()))
            .hint(format!(
                "Nothing was changed. {table} has trigger(s) of its own: {}. Their owner can disable one for the migration's transaction (BEGIN; ALTER TABLE {table} DISABLE TRIGGER {}; SELECT …; ALTER TABLE {table} ENABLE TRIGGER …; COMMIT;), then run it again.",
                if triggers.is_empty() { "none enabled now".to_string() } else { triggers.iter().map(|n| quote_identifier(n)).collect::<Vec<_>>().join(", ") },
                triggers.first().map(|n| quote_identifier(n)).unwrap_or_else(|| "…".to_string()),
            )));
        }
        Ok(())
    }

    /// Planned rows that do not hold their before-image with exactly the planned values:
    /// (how many, one line each naming the row and the columns that differ).
    fn compare_rows(&self, t: &Target) -> Result<(i64, Vec<String>), MigError> {
        let columns = t.column_names(self.table);
        let mut differs = Sql::fixed("pg_catalog.concat_ws(', '");
        for column in &columns {
            differs.push(", CASE WHEN ");
            if let Some((_, planned)) = self.writes.iter().find(|(c, _)| c == column) {
                // Compared as text: jsonb and uuid print canonically, and a varchar key
                // compares with the plan's text.
                differs.push("(s.").ident(column).push(")::text IS DISTINCT FROM (p.").ident(planned).push(")::text");
                differs.push(" THEN pg_catalog.format('%s is %s, planned %s', ").literal(Some(column));
                differs.push(", COALESCE(pg_catalog.quote_literal((s.").ident(column).push(")::text), 'NULL'), COALESCE(pg_catalog.quote_literal((p.");
                differs.ident(planned).push(")::text), 'NULL')) END");
            } else {
                // Byte images: also for json, which has no equality, and for values that are
                // equal but not the same (numeric 1.0 and 1.00).
                // Cast to record: two bare row constructors would be compared column by column.
                differs.push("NOT COALESCE(ROW(s.").ident(column).push(")::record OPERATOR(pg_catalog.*=) ROW((p.pk_before).").ident(column).push(")::record, false)");
                differs.push(" THEN pg_catalog.format('%s changed', ").literal(Some(column)).push(") END");
            }
        }
        differs.push(")");
        let mut sql = Sql::fixed("SELECT count(*) FILTER (WHERE v.differs <> ''), (array_agg(v.label || ': ' || v.differs ORDER BY v.label) FILTER (WHERE v.differs <> ''))[1:50] FROM (SELECT ");
        sql.push(self.label).push(" AS label, CASE WHEN s.ctid IS NULL THEN 'the row is gone' ELSE ");
        sql.statement(&differs).push(" END AS differs FROM pg_temp.pk_mig_plan p LEFT JOIN ");
        sql.relation(&t.schema, self.table.name()).push(" s ON s.uuid = p.uuid) v");
        count_and_lines(&sql, &[])
    }

    /// The kept plan is dropped (ON COMMIT DROP would keep it until the caller commits).
    pub fn finish(&self) -> Result<(), MigError> {
        drop_stage()
    }
}

fn count_rows(t: &Target, table: Table) -> Result<i64, MigError> {
    let mut sql = Sql::fixed("SELECT count(*) FROM ");
    sql.relation(&t.schema, table.name());
    Spi::get_one::<i64>(sql.as_str())?.ok_or_else(|| MigError::internal("count(*) returned NULL"))
}

/// Rows of `table` written since `first_xid` (by the staged UPDATE, its triggers, or their
/// subtransactions) that are not in the plan. The table is locked against other writers, so
/// every xid from `first_xid` on is this transaction's. Compared modulo 2^32, as xids wrap.
fn written_beyond_plan(t: &Target, table: Table, first_xid: pg_sys::TransactionId, planned_table: bool) -> Result<(i64, Vec<String>), MigError> {
    let mut sql = Sql::fixed("SELECT count(*), (array_agg(pg_catalog.format('uuid %s: written by something besides the migration (a trigger?)', s.uuid) ORDER BY s.uuid))[1:50] FROM ");
    sql.relation(&t.schema, table.name());
    sql.push(" s WHERE ((s.xmin::text::bigint - $1 + 4294967296) % 4294967296) < 2147483648");
    if planned_table {
        sql.push(" AND NOT EXISTS (SELECT 1 FROM pg_temp.pk_mig_plan p WHERE p.uuid = s.uuid)");
    }
    count_and_lines(&sql, &[i64::from(u32::from(first_xid)).into()])
}

/// The first row of a `SELECT count, lines`: both read, a NULL count is an error; NULL lines
/// are no lines (`array_agg` of nothing).
pub fn count_and_lines(sql: &Sql, args: &[pgrx::datum::DatumWithOid]) -> Result<(i64, Vec<String>), MigError> {
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), Some(1), args)?.first();
        let count = row.get::<i64>(1)?.ok_or_else(|| MigError::internal("a count was NULL"))?;
        let lines = row.get::<Vec<String>>(2)?.unwrap_or_default();
        Ok(( count, lines))
    })
}
