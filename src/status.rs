//! `pk_migration_status`: the recorded version and, for each migration, whether it can run now
//! and every blocker its pre-flight would raise. Read-only (SELECTs through SPI, no locks beyond
//! ACCESS SHARE, no transaction id), so it works in a READ ONLY transaction and on a standby.
use crate::errors::MigError;
use crate::guard;
use crate::runner::{self, Spec};
use crate::target::{Table, Target};
use crate::{v107, v114};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::{json, Map, Value};

#[pg_extern(volatile, parallel_unsafe, security_invoker)]
#[search_path(pg_catalog, pg_temp)]
fn pk_migration_status(prefix: default!(Option<&str>, "'public'")) -> JsonB {
    let prefix = runner::require(prefix, "prefix");
    let target = match Target::resolve(prefix, &[]) {
        Ok(t) => t,
        Err(e) => e.raise(),
    };
    let version = if target.table_exists(Table::Kit) { Some(guard::read_version(&target)) } else { None };

    let mut migrations = Map::new();
    for (spec, preflight) in [
        (&v107::UP, v107::preflight_up as fn(&Target) -> Vec<MigError>),
        (&v107::DOWN, v107::preflight_down),
        (&v114::UP, |t: &Target| v114::plan_up(t).blockers),
        (&v114::DOWN, |t: &Target| v114::plan_down(t).blockers),
    ] {
        migrations.insert(spec.name.to_string(), status_of(spec, &target, &version, preflight));
    }
    JsonB(json!({
        "schema": prefix,
        "version": version.as_ref().and_then(|v| v.as_ref().ok()),
        "migrations": migrations,
    }))
}

fn status_of(
    spec: &Spec,
    target: &Target,
    version: &Option<Result<i32, MigError>>,
    preflight: fn(&Target) -> Vec<MigError>,
) -> Value {
    let missing: Vec<Table> = spec.tables().filter(|t| !target.table_exists(*t)).collect();
    let mut blockers: Vec<MigError> = missing.iter().map(|t| target.missing_table(*t)).collect();
    match version {
        Some(Ok(v)) => {
            if let Err(e) = spec.rule.check(spec.name, target, *v, false) {
                blockers.push(e);
            }
        }
        Some(Err(e)) => blockers.push(e.clone()),
        None => {}
    }
    if missing.is_empty() {
        blockers.extend(preflight(target));
    }
    json!({
        "can_run": blockers.is_empty(),
        "runs_from": spec.rule.runs_from(),
        "stamps": version.as_ref().and_then(|v| v.as_ref().ok()).and_then(|v| spec.rule.stamp_after(*v)),
        "blockers": blockers.iter().map(MigError::to_json).collect::<Vec<_>>(),
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
        Spi::run("INSERT INTO phoenix_kit_ai_endpoints (name, provider, api_key, model, inserted_at, updated_at)
                  VALUES ('X', 'p', '', 'm', now(), now()), ('x', 'p', '', 'm', now(), now())")
            .unwrap();
        set_version(S, "107");
        let fp = fingerprint(S);
        let s = status();
        assert_eq!(fingerprint(S), fp, "status changes nothing");
        let states: Vec<&str> =
            s["migrations"]["v114_up"]["blockers"].as_array().unwrap().iter().map(|b| b["sqlstate"].as_str().unwrap()).collect();
        assert_eq!(states, vec!["55000", "22023", "22023"], "{s}");
        assert_eq!(s["migrations"]["v114_up"]["can_run"], false);
        let v107: Vec<&str> =
            s["migrations"]["v107_up"]["blockers"].as_array().unwrap().iter().map(|b| b["sqlstate"].as_str().unwrap()).collect();
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
