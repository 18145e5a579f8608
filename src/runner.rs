//! The one runner every migration goes through: reject NULL arguments, resolve the schema and
//! its tables (§11.1), check privileges and row-level security (§11.7, §11.2), take the locks,
//! apply the version guard, then the migration's own steps — plan (read-only: every blocker,
//! what will change) → apply (set-based) → verify (the table itself against the plan, §11.3)
//! → stamp — and for a dry run undo it all by rolling back a subtransaction: real and dry runs execute
//! the very same steps. `pk_migration_status` and `pk_migration_plan` call the same `plan`.
use std::time::Instant;

use crate::errors::{self, Code, MigError, OrRaise};
use crate::guard::{self, VersionRule};
use crate::target::{Privilege, Table, Target};
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
}

impl Spec {
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
    fn preview_sql(t: &Target, plan: &Self::Plan) -> String;
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
    refuse_if_blocked(&target.access_blockers(spec.privileges, spec.name), spec, &target);

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
        refuse_if_blocked(&target.access_blockers(spec.privileges, spec.name), spec, &target);
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
pub fn drop_stage() {
    Spi::run("DROP TABLE IF EXISTS pg_temp.pk_mig_plan").expect("DROP TABLE");
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
