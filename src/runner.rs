//! What every migration does around its own steps: reject NULL arguments, resolve the schema,
//! take the locks, apply the version guard, stamp, time it, and — for a dry run — undo it all
//! by rolling back a subtransaction. Real and dry runs execute the very same steps.
use std::time::Instant;

use crate::errors::{Code, MigError, OrRaise};
use crate::guard::{self, VersionRule};
use crate::target::{Table, Target};
use phoenix_kit_mig_core::Report;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Declares a migration's SQL function: the same signature, attributes and runner for all
/// four, so none can drift from CONTRACT §1.
macro_rules! migration_function {
    ($(#[$doc:meta])* $name:ident, $spec:expr, $body:path) => {
        $(#[$doc])*
        #[pgrx::pg_extern(volatile, parallel_unsafe, security_invoker)]
        #[search_path(pg_catalog, pg_temp)]
        fn $name(
            prefix: default!(Option<&str>, "'public'"),
            dry_run: default!(Option<bool>, false),
            force: default!(Option<bool>, false),
        ) -> pgrx::JsonB {
            $crate::runner::run(&$spec, prefix, dry_run, force, $body)
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
}

impl Spec {
    pub fn tables(&self) -> impl Iterator<Item = Table> + '_ {
        std::iter::once(Table::Kit).chain(self.locks.iter().map(|(t, _)| *t))
    }
}

/// NULL for any argument is an error, never a silent NULL result (CONTRACT §1).
pub fn require<T>(value: Option<T>, argument: &str) -> T {
    value.unwrap_or_else(|| {
        MigError::new(Code::ERRCODE_NULL_VALUE_NOT_ALLOWED, format!("argument {argument} must not be NULL"))
            .hint(format!("Omit {argument} to use its default."))
            .raise()
    })
}

pub fn run(
    spec: &Spec,
    prefix: Option<&str>,
    dry_run: Option<bool>,
    force: Option<bool>,
    body: impl FnOnce(&Target, &mut Report),
) -> JsonB {
    let prefix = require(prefix, "prefix");
    let dry_run = require(dry_run, "dry_run");
    let force = require(force, "force");
    let started = Instant::now();
    refuse_read_only(spec, prefix);
    refuse_transaction_snapshot(spec);
    let tables: Vec<Table> = spec.tables().collect();
    let target = Target::resolve(prefix, &tables).or_raise();

    let steps = || {
        for (table, mode) in spec.locks {
            // Locks first: nothing is read before the rows are protected from concurrent writers.
            // The caller's lock_timeout applies (55P03, nothing changed).
            Spi::run(&format!("LOCK TABLE {} IN {mode} MODE", target.qualified(*table))).expect("LOCK TABLE");
        }
        let before = guard::read_version(&target).or_raise();
        spec.rule.check(spec.name, &target, before, force).or_raise();
        let mut report = Report::new(spec.name, prefix, before, dry_run);
        body(&target, &mut report);
        let after = match spec.rule.stamp_after(before) {
            Some(v) => {
                guard::write_version(&target, v);
                v
            }
            None => before,
        };
        (report, after)
    };

    let (report, after) = if dry_run { rolled_back(std::panic::AssertUnwindSafe(steps)) } else { steps() };
    if dry_run {
        pgrx::notice!("phoenix_kit_mig: dry run of {}: every change was rolled back", spec.name);
    }
    JsonB(report.finish(after, started.elapsed().as_secs_f64() * 1000.0))
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

/// Runs `f` in an internal subtransaction and rolls it back, as PL/pgSQL's exception blocks
/// do; on error the subtransaction is rolled back before the error propagates, so a caller's
/// own exception handler or savepoint finds the transaction nesting it expects.
fn rolled_back<R>(f: std::panic::AssertUnwindSafe<impl FnOnce() -> R>) -> R {
    match subtransaction(f, false) {
        Ok(r) => r,
        Err(error) => error.rethrow(),
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
