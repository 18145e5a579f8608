//! `pk_migration_status`: the recorded version and, for each migration, whether it can run now,
//! every blocker its pre-flight would raise and `pending`, the rows a run now would change —
//! all from the migration's own `plan`, run without its locks. Read-only (SELECTs through SPI,
//! no lock beyond ACCESS SHARE, no transaction id), so it works in a READ ONLY transaction and
//! on a standby.
use crate::errors::MigError;
use crate::guard;
use crate::registry;
use crate::runner::{self, Checks, Migration, Preflight, Purpose};
use crate::target::{Table, Target};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Map, Value};

#[pg_extern(volatile, parallel_unsafe, security_invoker)]
#[search_path(pg_catalog, pg_temp)]
fn pk_migration_status(prefix: default!(Option<&str>, "'public'")) -> Result<JsonB, ErrorReport> {
    let prefix = runner::require(prefix, "prefix")?;
    let target = Target::resolve(prefix, &[])?;
    let version = match target.check_relation(Table::Kit) {
        Ok(()) => Some(guard::read_version(&target)),
        Err(_) => None,
    };
    let event_triggers = runner::enabled_event_triggers()?;
    let migrations: Map<String, Value> = registry::MIGRATIONS.iter().map(|m| (m.name.to_string(), (m.status)(&target, &event_triggers))).collect();
    Ok(JsonB(json!({
        "schema": prefix,
        "version": version.as_ref().and_then(|v| v.as_ref().ok()),
        "migrations": migrations,
    })))
}

/// Everything that stops `M` now, in the order a run meets it, and what it would change.
/// `pending` is NULL when the plan cannot be read (a table missing or not readable).
pub fn status_of<M: Migration>(target: &Target, event_triggers: &[runner::EventTrigger]) -> Value {
    let spec = &M::SPEC;
    let checks = Checks { privileges: spec.privileges, version: true, force: false, plan: Some(Purpose::Status) };
    let preflight = Preflight::<M>::new(target, &checks);
    let blockers = preflight.blockers();
    json!({
        "can_run": blockers.is_empty(),
        "runs_from": spec.rule.runs_from(),
        "stamps": preflight.version.and_then(|v| spec.rule.stamp_after(v)),
        "pending": preflight.plan.as_ref().map(M::pending),
        "blockers": blockers.iter().map(MigError::to_json).collect::<Vec<_>>(),
        // They run after the verify step, on the migration's DDL or its stamp.
        "event_triggers": spec.event_triggers(event_triggers),
    })
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;

    const S: &str = "public";

    fn status() -> serde_json::Value {
        report("SELECT pk_migration_status()")
    }

    #[pg_test]
    fn reports_version_and_what_can_run() {
        fixture(S, 106);
        let s = status();
        assert_eq!(s["version"], 106);
        let m = &s["migrations"];
        assert_eq!(m["v107_up"]["can_run"], true);
        assert_eq!(m["v107_up"]["stamps"], 107);
        assert_eq!(m["v107_down"]["can_run"], true, "a down at N-1 is a safe re-run");
        assert_eq!(m["v107_down"]["stamps"], serde_json::Value::Null, "and stamps nothing");
        assert_eq!(m["v114_down"]["can_run"], false);
        assert_eq!(m["v114_up"]["can_run"], false);
        assert_eq!(m["v114_up"]["blockers"][0]["sqlstate"], "55000");
        assert_eq!(m["v114_down"]["runs_from"], serde_json::json!([114, 113]));
    }

    #[pg_test]
    fn lists_every_blocker_of_every_migration() {
        fixture(S, 113);
        setting(S, "integration:a:x", Some("[]"), Some("integrations"));
        setting(S, "integration:", None, Some("integrations"));
        // Dirty data the unique index would have stopped: endpoints differing only by case.
        Spi::run("DROP INDEX phoenix_kit_ai_endpoints_name_index").unwrap();
        Spi::run(
            "INSERT INTO phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at)
                  VALUES ('X', 'p', '', 'm', now(), now()), ('x', 'p', '', 'm', now(), now())",
        )
        .unwrap();
        set_version(S, "107");
        let fp = fingerprint(S);
        let s = status();
        assert_eq!(fingerprint(S), fp, "status changes nothing");
        let states: Vec<&str> = s["migrations"]["v114_up"]["blockers"].as_array().unwrap().iter().map(|b| b["sqlstate"].as_str().unwrap()).collect();
        assert_eq!(states, vec!["55000", "22023", "22023"], "{s}");
        assert_eq!(s["migrations"]["v114_up"]["can_run"], false);
        let v107: Vec<&str> = s["migrations"]["v107_up"]["blockers"].as_array().unwrap().iter().map(|b| b["sqlstate"].as_str().unwrap()).collect();
        assert_eq!(v107, vec!["23505"], "{s}");
        assert_eq!(s["migrations"]["v107_up"]["can_run"], false);
    }

    #[pg_test]
    fn works_in_a_read_only_transaction_where_migrations_fail() {
        fixture(S, 113);
        setting(S, "integration:a:x", None, Some("integrations"));
        Spi::run("SET TRANSACTION READ ONLY").unwrap();
        assert_eq!(status()["migrations"]["v114_up"]["can_run"], true);
        for call in ["pk_migrate_v114_up()", "pk_migrate_v114_down(dry_run => true)", "pk_migrate_v107_up()", "pk_migrate_v107_down()"] {
            let f = attempt(&format!("SELECT {call}::text")).unwrap_err();
            assert_eq!(f.sqlstate, "25006", "{call}");
            assert!(f.message.contains("cannot run in a read-only transaction"), "{}", f.message);
            assert!(f.hint.unwrap().contains("pk_migration_status"));
        }
    }

    #[pg_test]
    fn missing_tables_are_blockers_and_missing_schema_an_error() {
        Spi::run("CREATE SCHEMA bare").unwrap();
        let s = report("SELECT pk_migration_status('bare')");
        assert_eq!(s["version"], serde_json::Value::Null);
        assert_eq!(s["migrations"]["v114_up"]["blockers"][0]["sqlstate"], "42P01");
        let f = attempt("SELECT pk_migration_status('nope')::text").unwrap_err();
        assert_eq!(f.sqlstate, "3F000");
    }
}
