//! The one runner every migration goes through: reject NULL arguments, resolve the schema and
//! its tables (§11.1), check privileges and row-level security (§11.7, §11.2), take the locks,
//! apply the version guard, then the migration's own steps — plan (read-only: every blocker,
//! what will change) → apply (set-based) → verify (the table itself against the plan, §11.3)
//! → stamp — and for a dry run undo it all by rolling back a subtransaction: real and dry runs execute
//! the very same steps. `pk_migration_status` and `pk_migration_plan` call the same `plan`.
use std::time::Instant;

use crate::errors::{self, Code, MigError, MigResult, OrRaise};
use crate::guard::{self, VersionRule};
use crate::sql::Sql;
use crate::target::{Privilege, Table, Target};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::spi::quote_identifier;
use pgrx::JsonB;
use phoenix_kit_mig_core::Report;

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
        ) -> Result<pgrx::JsonB, pgrx::pg_sys::panic::ErrorReport> {
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
    /// The command tags of its schema statements and stamp, for the event triggers they fire;
    /// on the staged path also those of its kept plan (a temporary table).
    pub ddl_tags: &'static [&'static str],
}

/// An enabled event trigger on DDL, and the command tags it is limited to (None: all).
pub struct EventTrigger {
    pub description: String,
    pub tags: Option<Vec<String>>,
}

/// Those of `enabled` that fire on a statement of one of these command tags.
pub fn fired_by(enabled: &[EventTrigger], tags: &[&str]) -> Vec<String> {
    enabled
        .iter()
        .filter(|e| e.tags.as_ref().is_none_or(|limited| limited.iter().any(|tag| tags.contains(&tag.as_str()))))
        .map(|e| e.description.clone())
        .collect()
}

/// Every enabled event trigger on DDL. Read-only SPI (select): status and the plan run in READ
/// ONLY transactions and on standbys, and must not take a transaction id.
pub fn enabled_event_triggers() -> Result<Vec<EventTrigger>, MigError> {
    let sql = crate::sql::template!("event_triggers").render("", &[]);
    Ok(Spi::connect(|c| {
        c.select(sql.as_str(), None, &[])?
            .map(|row| Ok::<_, pgrx::spi::Error>(EventTrigger { description: row.get::<String>(1)?.unwrap_or_default(), tags: row.get::<Vec<String>>(2)? }))
            .collect::<Result<Vec<_>, _>>()
    })?)
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
    /// Those of `enabled` (`enabled_event_triggers`) that fire on this migration's DDL or
    /// COMMENT: they run after the verify step, so status and the plan name them.
    pub fn event_triggers(&self, enabled: &[EventTrigger]) -> Vec<String> {
        fired_by(enabled, self.ddl_tags)
    }

    /// Whether the plan's rows can be read at all: the caller may read every locked table, and
    /// no column it matches by has a nondeterministic collation (PostgreSQL refuses LIKE and
    /// strpos under one; the blocker says so instead).
    pub fn plan_readable(&self, target: &Target) -> bool {
        self.locks.iter().all(|(table, _)| target.can_read(*table)) && self.uses.iter().all(|u| !target.has_nondeterministic_collation(u.table, u.matches))
    }

    pub fn tables(&self) -> impl Iterator<Item = Table> + '_ {
        std::iter::once(Table::Kit).chain(self.locks.iter().map(|(t, _)| *t))
    }
}

/// One migration: its spec and its steps. A fifth migration is one more implementation and
/// one more line in `registry::MIGRATIONS`.
pub trait Migration {
    const SPEC: Spec;
    /// What its migration script reads and writes (`pk_migration_script`, §13).
    const SCRIPT: crate::script::Part;
    /// Everything `plan` found: blockers, counts, and what `apply` needs.
    type Plan;
    /// What `apply` returned for `verify` (e.g. what RETURNING showed).
    type Applied;
    /// The report's own fields, as verified.
    type Outcome: serde::Serialize;

    /// Read-only: every blocker of the pre-flight and what a run would change, as `purpose`
    /// needs it. Runs under the migration's locks, and without them for `pk_migration_status`.
    fn plan(t: &Target, purpose: Purpose) -> Self::Plan;
    fn blockers(plan: &Self::Plan) -> &Blockers;
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
    /// The schema steps a run would take, in order.
    fn ddl(_t: &Target, _plan: &Self::Plan) -> Vec<Ddl> {
        Vec::new()
    }
}

/// What a migration's writing statement reported, for its verify step: its counts as written,
/// and the rows that did not end as planned (how many, and the first lines naming them).
pub struct Applied<O> {
    pub outcome: O,
    pub wrong: i64,
    pub wrong_rows: Vec<String>,
}

impl<O> Applied<O> {
    /// Nothing to report as wrong (the verify step reads the table itself).
    pub fn clean(outcome: O) -> Applied<O> {
        Applied { outcome, wrong: 0, wrong_rows: Vec::new() }
    }
}

/// A schema step of a run: its statement, and whether the rows are written after it (V107 up's
/// column) or before it (its indexes, V107 down's drops).
pub struct Ddl {
    pub table: Table,
    pub sql: Sql,
    pub before_rows: bool,
}

/// What a pre-flight reads beyond the tables, access and structure.
pub struct Checks<'a> {
    /// The privileges checked (the migration's own, or less: the script is made with SELECT).
    pub privileges: &'a [(Table, &'a [Privilege])],
    /// Whether the recorded version is read and judged (with `force`).
    pub version: bool,
    pub force: bool,
    /// Whether the plan is read when the rows can be read, and for what.
    pub plan: Option<Purpose>,
}

/// What a plan is read for, and so what it must hold.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Purpose {
    /// `pk_migration_status`, and the refusal of a run: every blocker and every count.
    Status,
    /// A run, and the preview (which reads the rows itself): every blocker the run's own
    /// statements do not find (they then raise the same error: V107 up's duplicate names at
    /// its unique index build, V114 down's row blockers in its one statement), without the
    /// counts only status reports.
    Run,
    /// The migration script: every blocker (nothing is left to a statement: the script is
    /// made only where the migration would run), without the counts only status reports.
    Script,
}

/// A plan's blockers in the order a run raises them: first those the preview shows as
/// `blocked` rows of their own, then the others (the preview shows them as steps).
#[derive(Default, Debug)]
pub struct Blockers {
    list: Vec<MigError>,
    shown_by_row: usize,
}

impl Blockers {
    /// A blocker the preview shows row by row.
    pub fn by_row(&mut self, error: MigError) {
        self.list.insert(self.shown_by_row, error);
        self.shown_by_row += 1;
    }

    pub fn by_rows(&mut self, errors: impl IntoIterator<Item = MigError>) {
        errors.into_iter().for_each(|e| self.by_row(e));
    }

    /// A blocker the preview shows as a step of its own.
    pub fn other(&mut self, error: MigError) {
        self.list.push(error);
    }

    pub fn others(&mut self, errors: impl IntoIterator<Item = MigError>) {
        self.list.extend(errors);
    }

    pub fn all(&self) -> &[MigError] {
        &self.list
    }

    /// Those the preview does not show row by row.
    pub fn not_by_row(&self) -> &[MigError] {
        &self.list[self.shown_by_row..]
    }
}

/// A migration's pre-flight: every blocker, in the one order a run meets them — the tables
/// (§11.1), the caller's access and the tables' structure (§11.7, §11.2, §11.1), the recorded
/// version, then the rows (its plan). A run raises the first, status lists them all, the plan
/// preview shows them as `blocked` rows, the script generator raises the first.
pub struct Preflight<M: Migration> {
    /// Each blocker before the rows, with the table it concerns.
    pub checks: Vec<(Table, MigError)>,
    /// Every table exists and is a plain table (its access and structure were then checked).
    pub tables_ok: bool,
    pub version: Option<i32>,
    /// None: not asked for, or the rows cannot be read (a table is missing or unreadable, or
    /// a column it matches by has a nondeterministic collation: the checks say why).
    pub plan: Option<M::Plan>,
}

impl<M: Migration> Preflight<M> {
    pub fn new(t: &Target, checks: &Checks) -> Preflight<M> {
        let spec = &M::SPEC;
        let mut found: Vec<(Table, MigError)> = spec.tables().filter_map(|table| t.check_relation(table).err().map(|e| (table, e))).collect();
        let tables_ok = found.is_empty();
        if tables_ok {
            let main = spec.locks[0].0;
            found.extend(t.access_blockers(checks.privileges, spec.name).into_iter().map(|e| (main, e)));
            for u in spec.uses {
                found.extend(t.structure_blockers(u.table, u.no_foreign_keys, u.matches, u.writes, spec.name).into_iter().map(|e| (main, e)));
            }
        }
        let mut version = None;
        if checks.version && t.check_relation(Table::Kit).is_ok() {
            match guard::read_version(t) {
                Err(e) => found.push((Table::Kit, e)),
                Ok(v) => {
                    version = Some(v);
                    if let Err(e) = spec.rule.check(spec.name, t, v, checks.force) {
                        found.push((Table::Kit, e));
                    }
                }
            }
        }
        if !tables_ok {
            return Preflight { checks: found, tables_ok, version, plan: None };
        }
        let plan = checks.plan.filter(|_| spec.plan_readable(t)).map(|purpose| M::plan(t, purpose));
        Preflight { checks: found, tables_ok, version, plan }
    }

    /// The recorded version and the plan, which a pre-flight without blockers before the rows
    /// always has (a run and the script generator take them from here).
    pub fn version_and_plan(self) -> Result<(i32, M::Plan), MigError> {
        match (self.version, self.plan) {
            (Some(version), Some(plan)) => Ok((version, plan)),
            _ => Err(MigError::internal(format!("{}: the pre-flight passed without a plan", M::SPEC.name))),
        }
    }

    /// Every blocker, in order: the checks, then the plan's.
    pub fn blockers(&self) -> Vec<MigError> {
        let rows = self.plan.as_ref().map(|p| M::blockers(p).all()).unwrap_or_default();
        self.checks.iter().map(|(_, e)| e.clone()).chain(rows.iter().cloned()).collect()
    }
}

/// NULL for any argument is an error, never a silent NULL result.
pub fn require<T>(value: Option<T>, argument: &str) -> MigResult<T> {
    value.ok_or_else(|| {
        MigError::new(Code::ERRCODE_NULL_VALUE_NOT_ALLOWED, format!("argument {argument} must not be NULL"))
            .hint(format!("Omit {argument} to use its default."))
    })
}

/// Everything that stops `M` before a lock is taken: the tables (§11.1), then privileges and
/// row-level security (§11.7, §11.2). Read-only.
pub fn resolve_for<M: Migration>(prefix: &str) -> Result<Target, MigError> {
    let tables: Vec<Table> = M::SPEC.tables().collect();
    Target::resolve(prefix, &tables)
}

pub fn run<M: Migration>(prefix: Option<&str>, dry_run: Option<bool>, force: Option<bool>) -> Result<JsonB, ErrorReport> {
    let spec = &M::SPEC;
    let prefix = require(prefix, "prefix")?;
    let dry_run = require(dry_run, "dry_run")?;
    let force = require(force, "force")?;
    let started = Instant::now();
    refuse_read_only(spec, prefix)?;
    refuse_transaction_snapshot(spec)?;

    let steps = || {
        // Locks first: nothing is read before the rows are protected from concurrent writers.
        // When they are free they are taken at once and the catalog is read once, under them.
        // Otherwise a run that cannot succeed is refused before it waits for any lock (the
        // version is judged under the locks only: a concurrent run may be about to change
        // it), then the locks are waited for (the caller's lock_timeout applies: 55P03,
        // nothing changed) and the catalog is read again: under the locks the tables' kind,
        // rules, triggers, policies and privileges can no longer change.
        let locked = lock_at_once(spec, prefix);
        let mut target = resolve_for::<M>(prefix).or_raise();
        if !locked {
            let early = Checks { privileges: spec.privileges, version: false, force, plan: None };
            refuse_if_blocked(&Preflight::<M>::new(&target, &early).blockers(), spec, &target).or_raise();
            for (table, mode) in spec.locks {
                Spi::run(lock_statement(prefix, *table, mode, false).as_str()).or_raise();
            }
            target.refresh();
        }
        let target = &target;
        // In the steps, errors are raised: a dry run's subtransaction must unwind.
        let checks = Checks { privileges: spec.privileges, version: true, force, plan: Some(Purpose::Run) };
        let preflight = Preflight::<M>::new(target, &checks);
        let early: Vec<MigError> = preflight.checks.iter().map(|(_, e)| e.clone()).collect();
        refuse_if_blocked(&early, spec, target).or_raise();
        let (before, plan) = preflight.version_and_plan().or_raise();
        if !M::blockers(&plan).all().is_empty() {
            // Refused: the whole plan, as pk_migration_status reads it, names every blocker,
            // also those a run leaves to its own statements to find (V107's duplicate names).
            refuse_if_blocked(M::blockers(&M::plan(target, Purpose::Status)).all(), spec, target).or_raise();
            refuse_if_blocked(M::blockers(&plan).all(), spec, target).or_raise();
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
    Ok(JsonB(report.finish(after, started.elapsed().as_secs_f64() * 1000.0)))
}

/// Takes the migration's locks if each is free now (NOWAIT), in a subtransaction of its own:
/// true when it holds them all. Anything else — a lock held by another session, a missing
/// table, a privilege LOCK TABLE checks — leaves nothing taken, for the pre-flight to explain.
/// Not for a name PostgreSQL would cut to 63 bytes: that would lock another schema's table.
fn lock_at_once(spec: &Spec, schema: &str) -> bool {
    if schema.len() >= pg_sys::NAMEDATALEN as usize {
        return false;
    }
    let locked = subtransaction(
        std::panic::AssertUnwindSafe(|| {
            for (table, mode) in spec.locks {
                Spi::run(lock_statement(schema, *table, mode, true).as_str()).or_raise();
            }
        }),
        true,
    );
    locked.is_ok()
}

/// `LOCK TABLE "schema".table IN mode MODE [NOWAIT]`, the table quoted once.
fn lock_statement(schema: &str, table: Table, mode: &'static str, nowait: bool) -> Sql {
    let mut sql = Sql::fixed("LOCK TABLE ");
    sql.relation(schema, table.name()).push(" IN ").push(mode).push(if nowait { " MODE NOWAIT" } else { " MODE" });
    sql
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

/// What stops the staged path before anything changes: it keeps the plan in a temporary table,
/// which needs TEMPORARY on the database (PUBLIC has it by default). 42501 up front.
pub fn staging_blockers(t: &Target, table: Table, migration: &str) -> Vec<MigError> {
    let mut blockers = Vec::new();
    if !t.temp_allowed() {
        blockers.push(
            MigError::new(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                format!(
                    "{migration} needs TEMPORARY on this database: {} runs code of its users on UPDATE, so the plan is kept for the verify step",
                    t.qualified(table)
                ),
            )
            .hint("GRANT TEMPORARY ON DATABASE … TO the role that runs the migration, or disable the table's triggers for the migration."),
        );
    }
    blockers
}

/// Drops the staged plan of a run with user triggers (ON COMMIT DROP would keep it until the
/// caller commits).
pub fn drop_stage() -> Result<(), MigError> {
    Ok(Spi::run("DROP TABLE IF EXISTS pg_temp.pk_mig_plan")?)
}

/// PostgreSQL would refuse the first write anyway, but only after the pre-flight and without
/// saying which migration or schema; a hot standby is read-only too.
fn refuse_read_only(spec: &Spec, schema: &str) -> MigResult<()> {
    // SAFETY: a plain read of a backend-global flag.
    if unsafe { pg_sys::XactReadOnly } {
        return Err(MigError::new(Code::ERRCODE_READ_ONLY_SQL_TRANSACTION, format!("{} cannot run in a read-only transaction", spec.name))
            .detail(format!("It changes PhoenixKit's tables in schema \"{schema}\" (a dry run too: it changes them, then rolls back)."))
            .hint("Run it on the primary, in a read-write transaction. pk_migration_status works here."));
    }
    Ok(())
}

/// Under REPEATABLE READ or SERIALIZABLE the transaction's snapshot predates the lock the
/// migration waits for, so rows committed during that wait would escape the rewrite while the
/// stamp claimed the migration complete.
fn refuse_transaction_snapshot(spec: &Spec) -> MigResult<()> {
    // SAFETY: a plain read of a backend-global setting.
    if unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32 {
        return Err(MigError::new(
            Code::ERRCODE_INVALID_TRANSACTION_STATE,
            format!("{} must run in a READ COMMITTED transaction", spec.name),
        )
        .detail("Under REPEATABLE READ or SERIALIZABLE the snapshot is taken before the migration's lock, so rows committed while it waits would not be migrated.")
        .hint("Run it in a READ COMMITTED transaction (PostgreSQL's and Ecto's default)."));
    }
    Ok(())
}

/// Runs `f` in an internal subtransaction that is kept (`commit`) or rolled back when `f`
/// succeeds, and always rolled back when it fails; the error is returned, not raised, so the
/// caller can look at the data as it was and explain the failure.
pub fn subtransaction<R>(f: std::panic::AssertUnwindSafe<impl FnOnce() -> R>, commit: bool) -> Result<R, pg_sys::panic::CaughtError> {
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
pub fn refuse_if_blocked(blockers: &[MigError], spec: &Spec, target: &Target) -> MigResult<()> {
    let Some(first) = blockers.first() else {
        return Ok(());
    };
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
    Err(error)
}

/// The staged path, written once for every migration: when an UPDATE of the table runs code of
/// its users a run cannot trust what its UPDATE wrote, so the plan is kept with each row's
/// before-image, applied in a subtransaction of its own (everything written from then on
/// carries its xids or its children's), and the table is compared with the plan, whole rows at
/// a time (§11.3): every planned row holds its before-image with exactly the planned values,
/// every other row of the locked tables is unchanged, neither the kept plan nor the tables'
/// definitions changed, and no deferred trigger event is left for COMMIT. Temporary: dropped
/// before it returns.
pub struct Staged<'a> {
    pub table: Table,
    /// The run before its first change (read before its DDL): whatever writes the locked
    /// tables from then on before the UPDATE is not the migration.
    pub started: Started,
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
    /// Runs the staged path, then `summary` (which reads the migration's counts from the kept
    /// plan, `pg_temp.pk_mig_plan`), then drops the kept plan.
    pub fn run<R>(&self, spec: &Spec, t: &Target, summary: impl FnOnce() -> R) -> Result<R, MigError> {
        let table = t.qualified(self.table);
        refuse_a_stage_of_the_callers(&table)?;
        // The before-image as a value of the table's row type (`ROW(pk_src.*)`, not the bare
        // alias, which a column of that name would shadow).
        let mut stage = Sql::fixed("CREATE TEMPORARY TABLE pk_mig_plan ON COMMIT DROP AS SELECT p.*, ROW(pk_src.*)::");
        stage.relation(&t.schema, self.table.name()).push(" AS pk_before FROM (");
        stage.statement(self.stage).push(") p JOIN ");
        stage.relation(&t.schema, self.table.name()).push(" pk_src ON pk_src.ctid = p.row_id");
        let rows_before = self.started.rows.clone();
        // Kept in a subtransaction of its own too: an event trigger on the CREATE TABLE AS runs
        // inside it, so whatever it writes carries xids from this one on.
        let staged = subtransaction(
            std::panic::AssertUnwindSafe(|| {
                Spi::run(stage.as_str()).or_raise();
                // SAFETY: reads the current (sub)transaction's xid (creating a table assigns one).
                unsafe { pg_sys::GetCurrentTransactionIdIfAny() }
            }),
            true,
        );
        let stage_xid = staged.unwrap_or_else(|error| error.rethrow());
        // The pre-flight judged the rows before the run's DDL and the kept plan, and the
        // comparison after the UPDATE takes the kept before-images as the truth: a row an event
        // trigger on that DDL or on the kept plan's CREATE TABLE AS wrote in between (a planned
        // row's credential, a blocked row made plannable), or a column of a locked table it
        // dropped or renamed, would pass both. Nothing but such code can write them under the
        // locks.
        let mut before_apply = written_while(t, spec, self.started.xid, (stage_xid != pg_sys::TransactionId::INVALID).then_some(stage_xid))?;
        // The run's own DDL (V107 up's ADD COLUMN) wrote the table's own catalog row and its
        // column's: every other column of the locked tables is judged from the run's start.
        let now = next_xid();
        if definitions_written_since(t, spec, pg_sys::TransactionId::from(self.started.xid as u32), now, Definitions::ColumnsBut(self.writes))? > 0 {
            before_apply.add(1, vec!["a column of a locked table (its name, type or default) was changed".into()]);
        }
        let (moved, lines) = rows_moved(t, spec, &rows_before, &locked_rows(t, spec)?, "when the run began", "before its UPDATE");
        before_apply.add(moved, lines);
        if before_apply.wrong.count > 0 {
            drop_stage()?;
            return Err(before_apply.refusal(spec, "while the migration kept its plan", "on the migration's DDL or on CREATE TABLE AS"));
        }
        let plan_before = stage_identity()?;
        // Deferred trigger events would run at COMMIT, after the verify step: the caller's own,
        // pending already, are refused here; any the run leaves behind, after it.
        let pending = pending_deferred_events(t, spec)?;
        if !pending.is_empty() {
            drop_stage()?;
            return Err(MigError::new(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{}: deferred trigger events of this transaction are pending on {}", spec.name, pending.join(", ")),
            )
            .detail("They would run at COMMIT, after the migration's verify step, and could change the rows it verified.")
            .hint("Run SET CONSTRAINTS ALL IMMEDIATE before the migration (its events fire at once), or run it in a transaction of its own."));
        }
        // In a subtransaction of its own, so every row the UPDATE and its triggers write carries
        // xids from here on: the rows written beyond the plan can be found by their xmin.
        let applied = subtransaction(
            std::panic::AssertUnwindSafe(|| {
                Spi::run(self.apply.as_str()).or_raise();
                // SAFETY: reads the current (sub)transaction's xid; invalid when it wrote nothing.
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
        // Every xid from `first_xid` up to the counter is this transaction's on the locked
        // tables (no other writer holds their lock).
        let applied_to = next_xid();
        let xids = |from: pg_sys::TransactionId| -> [pgrx::datum::DatumWithOid<'static>; 2] { [i64::from(u32::from(from)).into(), (applied_to as i64).into()] };
        let wrote = first_xid != pg_sys::TransactionId::INVALID;
        // Rows of the tables are judged from the stage's xid on (an event trigger on its
        // CREATE TABLE AS included); the kept plan from the UPDATE's.
        let since_stage = if stage_xid != pg_sys::TransactionId::INVALID { stage_xid } else { first_xid };

        let mut wrong = Wrong::default();
        // The kept plan is what the comparison trusts: a trigger may not have touched it.
        let plan_after = stage_identity()?;
        let forged = if wrote { count_written_since(&Sql::fixed("pg_temp.pk_mig_plan"), "p", &xids(first_xid))? } else { 0 };
        let redefined = if wrote { definitions_written_since(t, spec, first_xid, applied_to, Definitions::TablesAndKeptPlan)? } else { 0 };
        if plan_after != plan_before || forged > 0 || redefined > 0 {
            wrong.add(1, vec!["the kept plan (pg_temp.pk_mig_plan) or a table's definition was changed while the migration ran".into()]);
        }
        wrong.add_pair(self.compare_rows(t)?);
        if wrote || since_stage != pg_sys::TransactionId::INVALID {
            for (locked, _) in spec.locks {
                wrong.add_pair(written_beyond_plan(t, *locked, &xids(since_stage), *locked == self.table)?);
            }
        }
        let rows_verified = locked_rows(t, spec)?;
        wrong.add_pair(rows_moved(t, spec, &rows_before, &rows_verified, "before", "after"));
        // Read again: the run may have given a relation a deferrable trigger.
        for name in pending_deferred_events(t, spec)? {
            wrong.add(1, vec![format!("deferred trigger events on {name} would run at COMMIT, after the verify step (SET CONSTRAINTS … IMMEDIATE before the migration fires them within it)")]);
        }
        if wrong.count > 0 {
            drop_stage()?;
            let triggers = t.user_triggers(self.table);
            return Err(MigError::new(
                Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
                format!("{}: {} row(s) of {table} did not end as planned", spec.name, wrong.count),
            )
            .detail(phoenix_kit_mig_core::detail_lines(&wrong.lines, wrong.lines.len()))
            .hint(format!(
                "Nothing was changed. {table} has trigger(s) of its own: {}. Their owner can disable one for the migration's transaction (BEGIN; ALTER TABLE {table} DISABLE TRIGGER {}; SELECT …; ALTER TABLE {table} ENABLE TRIGGER …; COMMIT;), then run it again.",
                if triggers.is_empty() { "none enabled now".to_string() } else { triggers.iter().map(|n| quote_identifier(n)).collect::<Vec<_>>().join(", ") },
                triggers.first().map(|n| quote_identifier(n)).unwrap_or_else(|| "…".to_string()),
            )));
        }
        let summary = summary();
        // Dropped now: ON COMMIT DROP would keep it until the caller commits. An event trigger
        // on that DROP TABLE runs after the comparison: what it writes is judged here.
        let started = next_xid();
        let dropped = subtransaction(
            std::panic::AssertUnwindSafe(|| {
                drop_stage().or_raise();
                // SAFETY: reads the current (sub)transaction's xid (dropping a table assigns one).
                unsafe { pg_sys::GetCurrentTransactionIdIfAny() }
            }),
            true,
        )
        .unwrap_or_else(|error| error.rethrow());
        let mut after_drop = written_while(t, spec, started, (dropped != pg_sys::TransactionId::INVALID).then_some(dropped))?;
        let (moved, lines) = rows_moved(t, spec, &rows_verified, &locked_rows(t, spec)?, "when verified", "after");
        after_drop.add(moved, lines);
        for name in pending_deferred_events(t, spec)? {
            after_drop.add(1, vec![format!("deferred trigger events on {name} would run at COMMIT, after the verify step")]);
        }
        if after_drop.wrong.count > 0 {
            return Err(after_drop.refusal(spec, "when the migration dropped its kept plan", "on DROP TABLE"));
        }
        Ok(summary)
    }

    /// Planned rows that do not hold their before-image with exactly the planned values:
    /// (how many, one line each naming the row and the columns that differ). The columns are
    /// read now: V107 up adds the one it writes during the run.
    fn compare_rows(&self, t: &Target) -> Result<(i64, Vec<String>), MigError> {
        let columns = Spi::connect(|c| {
            c.select(
                "SELECT pg_catalog.array_agg(a.attname::text ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = $1::pg_catalog.regclass AND a.attnum > 0 AND NOT a.attisdropped",
                Some(1),
                &[t.qualified(self.table).as_str().into()],
            )?
            .first()
            .get_one::<Vec<String>>()
        })?
        .unwrap_or_default();
        if let Some((missing, _)) = self.writes.iter().find(|(c, _)| !columns.iter().any(|have| have == c)) {
            return Ok((1, vec![format!("column {missing} of {} is gone", t.qualified(self.table))]));
        }
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
                // equal but not the same (numeric 1.0 and 1.00). Cast to record: two bare row
                // constructors would be compared column by column.
                differs
                    .push("NOT COALESCE(ROW(s.")
                    .ident(column)
                    .push(")::record OPERATOR(pg_catalog.*=) ROW((p.pk_before).")
                    .ident(column)
                    .push(")::record, false)");
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
}

/// The locked tables' rows now, one count per lock of the spec.
fn locked_rows(t: &Target, spec: &Spec) -> Result<Vec<i64>, MigError> {
    spec.locks.iter().map(|(locked, _)| count_rows(t, *locked)).collect()
}

/// The locked tables whose rows now (`now`) differ from `then`: how many rows, and a line each,
/// "{table} held {then} row(s) {when_then} and {now} {when_now}".
fn rows_moved(t: &Target, spec: &Spec, then: &[i64], now: &[i64], when_then: &str, when_now: &str) -> (i64, Vec<String>) {
    let mut moved = (0, Vec::new());
    for (((locked, _), then), now) in spec.locks.iter().zip(then).zip(now) {
        if now != then {
            moved.0 += (now - then).abs();
            moved.1.push(format!("{} held {then} row(s) {when_then} and {now} {when_now}", t.qualified(*locked)));
        }
    }
    moved
}

/// A staged run before its first change: the xid counter and the locked tables' rows.
pub struct Started {
    xid: u64,
    rows: Vec<i64>,
}

impl Started {
    pub fn now(t: &Target, spec: &Spec) -> Result<Started, MigError> {
        Ok(Started { xid: next_xid(), rows: locked_rows(t, spec)? })
    }
}

/// The xid counter now (its low 32 bits, as rows' xmin hold them).
pub fn next_xid() -> u64 {
    // SAFETY: reads the shared xid counter.
    unsafe { pg_sys::ReadNextFullTransactionId() }.value & 0xFFFF_FFFF
}

/// What was written to the locked tables outside the migration's own UPDATE: their rows with an
/// xid from `rows_from` on, and their definitions (columns, defaults) from `definitions_from` on
/// (None: not judged). Under the locks only this transaction can have written them.
fn written_while(t: &Target, spec: &Spec, rows_from: u64, definitions_from: Option<pg_sys::TransactionId>) -> Result<Written, MigError> {
    let now = next_xid();
    let window: [pgrx::datum::DatumWithOid<'static>; 2] = [(rows_from as i64).into(), (now as i64).into()];
    let mut written = Written::default();
    for (locked, _) in spec.locks {
        let (count, lines) = written_beyond_plan(t, *locked, &window, false)?;
        if count > 0 {
            written.tables.push(t.qualified(*locked));
        }
        written.wrong.add(count, lines);
    }
    let rows = written.wrong.count;
    if let Some(from) = definitions_from {
        let redefined = definitions_written_since(t, spec, from, now, Definitions::Tables)?;
        if redefined > 0 {
            written.wrong.add(redefined, vec!["a locked table's definition (its columns or their defaults) was changed".into()]);
        }
    }
    written.rows = rows;
    Ok(written)
}

#[derive(Default)]
struct Written {
    /// How many rows of the locked tables were written (`wrong` also counts definitions).
    rows: i64,
    tables: Vec<String>,
    wrong: Wrong,
}

impl Written {
    fn add(&mut self, count: i64, lines: Vec<String>) {
        self.wrong.add(count, lines);
    }

    fn refusal(&self, spec: &Spec, when: &str, fired: &str) -> MigError {
        let message = if self.rows > 0 {
            format!("{}: {} row(s) of {} were written {when}", spec.name, self.rows, self.tables.join(" and "))
        } else {
            format!("{}: the definition of a locked table was changed {when}", spec.name)
        };
        MigError::new(Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION, message)
            .detail(phoenix_kit_mig_core::detail_lines(&self.wrong.lines, self.wrong.lines.len()))
            .hint(format!(
                "Nothing was changed. An event trigger {fired} wrote them (pk_migration_status lists the event triggers that fire); disable it for the migration, then run it again."
            ))
    }
}

/// What the staged path found wrong: how many rows, and a line for each.
#[derive(Default)]
struct Wrong {
    count: i64,
    lines: Vec<String>,
}

impl Wrong {
    fn add(&mut self, count: i64, lines: Vec<String>) {
        self.count += count;
        self.lines.extend(lines);
    }

    fn add_pair(&mut self, (count, lines): (i64, Vec<String>)) {
        self.add(count, lines);
    }
}

/// A temporary table of the caller's with the kept plan's name would be taken for it.
fn refuse_a_stage_of_the_callers(table: &str) -> Result<(), MigError> {
    let taken = Spi::connect(|c| c.select("SELECT pg_catalog.to_regclass('pg_temp.pk_mig_plan') IS NOT NULL", Some(1), &[])?.first().get_one::<bool>())?;
    if taken == Some(true) {
        return Err(MigError::new(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "this session has a temporary table pk_mig_plan, the name the migration keeps its plan under".to_string(),
        )
        .detail(format!("{table} has triggers of its own, so the plan is kept for the verify step."))
        .hint("Drop or rename the temporary table (DROP TABLE pg_temp.pk_mig_plan;), or run the migration in another session."));
    }
    Ok(())
}

/// The kept plan's oid and number of rows.
fn stage_identity() -> Result<(Option<pg_sys::Oid>, Option<i64>), MigError> {
    let oid =
        Spi::connect(|c| c.select("SELECT pg_catalog.to_regclass('pg_temp.pk_mig_plan')::pg_catalog.oid", Some(1), &[])?.first().get_one::<pg_sys::Oid>())?;
    if oid.is_none() {
        return Err(MigError::new(
            Code::ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION,
            "the migration's kept plan (pg_temp.pk_mig_plan) was dropped or renamed while it ran".to_string(),
        )
        .hint("Nothing was changed. An event trigger on CREATE TABLE AS did it (pk_migration_status lists the event triggers that fire); disable it for the migration, then run it again."));
    }
    Ok(Spi::connect(|c| c.select("SELECT $1, (SELECT count(*) FROM pg_temp.pk_mig_plan)", Some(1), &[oid.into()])?.first().get_two::<pg_sys::Oid, i64>())?)
}

/// Whether a row's xmin lies in [$1, $2), the xids this run assigned, modulo 2^32 as xids wrap.
fn push_written_since(sql: &mut Sql, alias: &'static str) {
    sql.push("(((").push(alias).push(".xmin::text::bigint - $1 + 4294967296) % 4294967296) < (($2 - $1 + 4294967296) % 4294967296))");
}

/// How many rows of `relation` (aliased `alias`) this run wrote.
fn count_written_since(relation: &Sql, alias: &'static str, xids: &[pgrx::datum::DatumWithOid]) -> Result<i64, MigError> {
    let mut sql = Sql::fixed("SELECT count(*) FROM ");
    sql.statement(relation).push(" ").push(alias).push(" WHERE ");
    push_written_since(&mut sql, alias);
    Spi::connect(|c| c.select(sql.as_str(), Some(1), xids)?.first().get_one::<i64>())?.ok_or_else(|| MigError::internal("count(*) returned NULL"))
}

/// Which definitions `definitions_written_since` reads.
#[derive(Clone, Copy)]
enum Definitions<'a> {
    /// The locked tables' relations, columns and defaults.
    Tables,
    /// Those and the kept plan's.
    TablesAndKeptPlan,
    /// The locked tables' columns and defaults but these columns (the run's own DDL adds them).
    ColumnsBut(&'a [(&'static str, &'static str)]),
}

/// How many catalog rows defining the kept plan or a locked table (the relation, its columns
/// and their defaults) this run wrote: a trigger's ALTER TABLE could rename a column of the
/// kept plan and put another in its place without writing one of its rows.
fn definitions_written_since(t: &Target, spec: &Spec, from: pg_sys::TransactionId, to: u64, which: Definitions) -> Result<i64, MigError> {
    let with_kept_plan = matches!(which, Definitions::TablesAndKeptPlan);
    let mut sql = Sql::fixed("SELECT count(*) FROM (");
    if let Definitions::ColumnsBut(own) = which {
        // Not the relation's own row, which any ALTER TABLE rewrites, nor the run's own columns.
        sql.push(
            "SELECT a.xmin FROM pg_catalog.pg_attribute a WHERE a.attrelid = ANY (ARRAY(SELECT n::pg_catalog.regclass FROM pg_catalog.unnest($3::text[]) n)) AND a.attname <> ALL (ARRAY[",
        );
        for (i, (column, _)) in own.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.literal(Some(column));
        }
        sql.push("]::text[])");
    } else {
        sql.push(
            "SELECT c.xmin FROM pg_catalog.pg_class c WHERE c.oid = ANY (ARRAY(SELECT n::pg_catalog.regclass FROM pg_catalog.unnest($3::text[]) n))
           UNION ALL SELECT a.xmin FROM pg_catalog.pg_attribute a WHERE a.attrelid = ANY (ARRAY(SELECT n::pg_catalog.regclass FROM pg_catalog.unnest($3::text[]) n))",
        );
    }
    sql.push(
        "
           UNION ALL SELECT d.xmin FROM pg_catalog.pg_attrdef d WHERE d.adrelid = ANY (ARRAY(SELECT n::pg_catalog.regclass FROM pg_catalog.unnest($3::text[]) n))
         ) x WHERE ",
    );
    push_written_since(&mut sql, "x");
    let mut relations: Vec<String> = spec.locks.iter().map(|(table, _)| t.qualified(*table)).collect();
    if with_kept_plan {
        relations.push("pg_temp.pk_mig_plan".into());
    }
    let args: [pgrx::datum::DatumWithOid; 3] = [i64::from(u32::from(from)).into(), (to as i64).into(), relations.into()];
    Spi::connect(|c| c.select(sql.as_str(), Some(1), &args)?.first().get_one::<i64>())?.ok_or_else(|| MigError::internal("count(*) returned NULL"))
}

/// The relations on which this transaction has after-trigger events waiting for COMMIT: of
/// those that can have such events (a deferrable trigger) and the locked tables.
fn pending_deferred_events(t: &Target, spec: &Spec) -> Result<Vec<String>, MigError> {
    let locked: Vec<String> = spec.locks.iter().map(|(table, _)| t.qualified(*table)).collect();
    let sql = crate::sql::template!("deferrable_relations").render(&t.schema, &[]);
    let watched = Spi::connect(|c| {
        c.select(sql.as_str(), None, &[locked.into()])?
            .map(|row| Ok::<_, pgrx::spi::Error>((row.get::<pg_sys::Oid>(1)?.unwrap_or_default(), row.get::<String>(2)?.unwrap_or_default())))
            .collect::<Result<Vec<_>, _>>()
    })?;
    // SAFETY: asks the after-trigger queue of this transaction about a relation.
    Ok(watched.into_iter().filter(|(oid, _)| unsafe { pg_sys::AfterTriggerPendingOnRel(*oid) }).map(|(_, name)| name).collect())
}

fn count_rows(t: &Target, table: Table) -> Result<i64, MigError> {
    let mut sql = Sql::fixed("SELECT count(*) FROM ");
    sql.relation(&t.schema, table.name());
    Spi::connect(|c| c.select(sql.as_str(), Some(1), &[])?.first().get_one::<i64>())?.ok_or_else(|| MigError::internal("count(*) returned NULL"))
}

/// Rows of `table` this run wrote (by the staged UPDATE, its triggers, or their
/// subtransactions) beyond the plan: rows not in it, and more than one row carrying a planned
/// uuid (a copy of a planned row).
fn written_beyond_plan(t: &Target, table: Table, xids: &[pgrx::datum::DatumWithOid], planned_table: bool) -> Result<(i64, Vec<String>), MigError> {
    let mut sql = Sql::fixed(
        "SELECT count(*) FILTER (WHERE NOT w.planned) + count(*) FILTER (WHERE w.planned) - count(DISTINCT w.uuid) FILTER (WHERE w.planned),
                (array_agg(pg_catalog.format('uuid %s: written by something besides the migration (a trigger?)', w.uuid) ORDER BY w.uuid) FILTER (WHERE NOT w.planned))[1:50]
                || CASE WHEN count(*) FILTER (WHERE w.planned) > count(DISTINCT w.uuid) FILTER (WHERE w.planned)
                        THEN ARRAY['a planned row''s uuid was written to another row too (a copy made by a trigger?)'] ELSE '{}'::text[] END
           FROM (SELECT s.uuid, ",
    );
    sql.push(if planned_table { "EXISTS (SELECT 1 FROM pg_temp.pk_mig_plan p WHERE p.uuid = s.uuid)" } else { "false" });
    sql.push(" AS planned FROM ");
    sql.relation(&t.schema, table.name()).push(" s WHERE ");
    push_written_since(&mut sql, "s");
    sql.push(") w");
    count_and_lines(&sql, xids)
}

/// The first row of a `SELECT count, lines`: both read, a NULL count is an error; NULL lines
/// are no lines (`array_agg` of nothing).
pub fn count_and_lines(sql: &Sql, args: &[pgrx::datum::DatumWithOid]) -> Result<(i64, Vec<String>), MigError> {
    Spi::connect(|c| {
        let row = c.select(sql.as_str(), Some(1), args)?.first();
        let count = row.get::<i64>(1)?.ok_or_else(|| MigError::internal("a count was NULL"))?;
        let lines = row.get::<Vec<String>>(2)?.unwrap_or_default();
        Ok((count, lines))
    })
}
