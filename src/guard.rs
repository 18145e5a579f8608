//! The version guard and stamp (docs/behaviour.md §2). The recorded version is the integer in
//! `COMMENT ON TABLE <prefix>.phoenix_kit`, as PhoenixKit's own migrator reads it.
use crate::errors::{Code, MigError, MigResult};
use crate::target::{Table, Target};
use pgrx::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Which recorded versions a migration runs from, and what it stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionRule {
    /// N for V<N>.
    pub version: i32,
    pub direction: Direction,
}

impl VersionRule {
    /// Up runs from N-1 (first run) or N (safe re-run); down from N or N-1 (re-run).
    pub fn runs_from(&self) -> [i32; 2] {
        match self.direction {
            Direction::Up => [self.version - 1, self.version],
            Direction::Down => [self.version, self.version - 1],
        }
    }

    /// The version to write after a successful run starting from `current`, or None to leave
    /// the comment alone. An up never lowers the stamp; a down only steps N back to N-1 —
    /// so `force` cannot make the recorded version lie about what the schema holds.
    pub fn stamp_after(&self, current: i32) -> Option<i32> {
        match self.direction {
            Direction::Up if current < self.version => Some(self.version),
            Direction::Down if current == self.version => Some(self.version - 1),
            _ => None,
        }
    }

    pub fn check(&self, migration: &str, target: &Target, current: i32, force: bool) -> MigResult<()> {
        let allowed = self.runs_from();
        if force || allowed.contains(&current) {
            return Ok(());
        }
        let why = match self.direction {
            Direction::Up if current < allowed[0] => format!(
                "the migrations before V{} have not run yet{}",
                self.version,
                if self.version == 114 && current < 107 { " (V107 must run before V114: it reads the old integration keys)" } else { "" }
            ),
            Direction::Up => format!("the database is already past V{}", self.version),
            Direction::Down if current > allowed[0] => format!("the migrations after V{} must be rolled back first", self.version),
            Direction::Down => format!("V{} is not applied", self.version),
        };
        Err(MigError::new(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{migration} needs {} at version {} or {}, but it is at version {current}", target.qualified(Table::Kit), allowed[0], allowed[1]),
        )
        .detail(format!("{why}."))
        .hint(
            "Run the migrations in order. If you know the recorded version is wrong, pass force => true to skip this check (the stamp is then never lowered).",
        ))
    }
}

/// The recorded version: the table comment as an integer; no comment means 1.
pub fn read_version(target: &Target) -> MigResult<i32> {
    // Read with the target's catalog facts (under the migration's locks for a run).
    let comment = target.version_comment();
    match comment {
        None => Ok(1),
        Some(text) => text.trim().parse::<i32>().map_err(|_| {
            MigError::new(
                Code::ERRCODE_INVALID_TEXT_REPRESENTATION,
                format!("the comment on {} is not a version number: \"{text}\"", target.qualified(Table::Kit)),
            )
            .detail("PhoenixKit records its schema version as the integer comment of this table.")
            .hint(format!("Set it to the version the schema is at, e.g. COMMENT ON TABLE {} IS '113';", target.qualified(Table::Kit)))
        }),
    }
}

pub fn write_version(target: &Target, version: i32) {
    // COMMENT takes no parameters; the value is an integer we formatted ourselves.
    Spi::run(&format!("COMMENT ON TABLE {} IS '{version}'", target.qualified(Table::Kit))).expect("COMMENT ON TABLE");
    pgrx::notice!("phoenix_kit_mig: stamped {} with version {version}", target.qualified(Table::Kit));
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn up_never_lowers_and_down_only_steps_back() {
        let up = VersionRule { version: 114, direction: Direction::Up };
        assert_eq!(up.stamp_after(113), Some(114));
        assert_eq!(up.stamp_after(114), None);
        assert_eq!(up.stamp_after(120), None);
        assert_eq!(up.stamp_after(50), Some(114));
        let down = VersionRule { version: 114, direction: Direction::Down };
        assert_eq!(down.stamp_after(114), Some(113));
        assert_eq!(down.stamp_after(113), None);
        assert_eq!(down.stamp_after(120), None);
        assert_eq!(up.runs_from(), [113, 114]);
        assert_eq!(down.runs_from(), [114, 113]);
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;

    const S: &str = "public";

    fn run_at(version: &str, sql: &str) -> Result<serde_json::Value, Failure> {
        fixture(S, 113);
        set_version(S, version);
        attempt(sql).map(|r| serde_json::from_str(&r.unwrap()).unwrap())
    }

    #[pg_test]
    fn up_runs_from_n_minus_1_and_n_only() {
        for (from, ok) in [("112", false), ("113", true), ("114", true), ("115", false), ("1", false)] {
            let r = run_at(from, "SELECT pk_migrate_v114_up()::text");
            assert_eq!(r.is_ok(), ok, "v114_up from {from}: {r:?}");
            if let Err(f) = r {
                assert_eq!(f.sqlstate, "55000");
                assert!(f.message.contains(&format!("version {from}")) && f.message.contains("113 or 114"), "{}", f.message);
                assert!(f.hint.unwrap().contains("force => true"));
                assert_eq!(version(S).as_deref(), Some(from), "a refused run changes nothing");
            }
        }
    }

    #[pg_test]
    fn down_runs_from_n_and_n_minus_1_only() {
        for (from, ok, after) in [("112", false, "112"), ("113", true, "113"), ("114", true, "113"), ("115", false, "115")] {
            let r = run_at(from, "SELECT pk_migrate_v114_down()::text");
            assert_eq!(r.is_ok(), ok, "v114_down from {from}: {r:?}");
            assert_eq!(version(S).as_deref(), Some(after));
            if let Err(f) = r {
                assert_eq!(f.sqlstate, "55000");
            }
        }
    }

    #[pg_test]
    fn v114_before_v107_is_refused_with_the_reason() {
        let f = run_at("106", "SELECT pk_migrate_v114_up()::text").unwrap_err();
        assert_eq!(f.sqlstate, "55000");
        assert!(f.detail.unwrap().contains("V107 must run before V114"));
    }

    #[pg_test]
    fn force_skips_the_guard_but_never_lowers_the_stamp() {
        assert_eq!(run_at("120", "SELECT pk_migrate_v114_up(force => true)::text").unwrap()["version_after"], 120);
        assert_eq!(version(S).as_deref(), Some("120"));
        assert_eq!(run_at("50", "SELECT pk_migrate_v114_up(force => true)::text").unwrap()["version_after"], 114);
        assert_eq!(run_at("120", "SELECT pk_migrate_v114_down(force => true)::text").unwrap()["version_after"], 120);
        assert_eq!(version(S).as_deref(), Some("120"));
        assert_eq!(run_at("112", "SELECT pk_migrate_v114_down(force => true)::text").unwrap()["version_after"], 112);
    }

    #[pg_test]
    fn no_comment_means_version_1() {
        fixture(S, 113);
        Spi::run("COMMENT ON TABLE phoenix_kit IS NULL").unwrap();
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "55000");
        assert!(f.message.contains("at version 1"), "{}", f.message);
    }

    #[pg_test]
    fn a_comment_that_is_not_an_integer_is_an_error() {
        fixture(S, 113);
        set_version(S, "113b");
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up(force => true)", "22P02");
        assert!(f.message.contains("\"113b\""), "{}", f.message);
        set_version(S, " 113 ");
        assert!(attempt("SELECT pk_migrate_v114_up()::text").is_ok(), "surrounding blanks are tolerated");
    }

    #[pg_test]
    fn null_arguments_are_errors() {
        fixture(S, 113);
        for sql in [
            "SELECT pk_migrate_v114_up(NULL)",
            "SELECT pk_migrate_v114_up('public', NULL)",
            "SELECT pk_migrate_v114_up('public', false, NULL)",
            "SELECT pk_migrate_v114_down(NULL)",
        ] {
            let f = fails_unchanged(S, sql, "22004");
            assert!(f.message.contains("must not be NULL"));
        }
    }

    #[pg_test]
    fn snapshot_isolation_is_refused() {
        fixture(S, 113);
        // pgrx's test transaction has run queries already, so SET TRANSACTION is refused; set
        // the backend variable as it would (the psql-level suite uses the real statement).
        unsafe { pgrx::pg_sys::XactIsoLevel = pgrx::pg_sys::XACT_REPEATABLE_READ as i32 };
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up()", "25000");
        unsafe { pgrx::pg_sys::XactIsoLevel = 1 };
        assert!(f.message.contains("READ COMMITTED"), "{}", f.message);
    }

    #[pg_test]
    fn missing_schema_and_missing_table_are_named() {
        fixture(S, 113);
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up('nope')", "3F000");
        assert!(f.message.contains("\"nope\""));
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up('public; DROP TABLE phoenix_kit --')", "3F000");
        assert!(f.message.contains("public; DROP TABLE phoenix_kit --"));
        Spi::run("CREATE SCHEMA half; CREATE TABLE half.phoenix_kit (id int); COMMENT ON TABLE half.phoenix_kit IS '113'").unwrap();
        let f = fails_unchanged(S, "SELECT pk_migrate_v114_up('half')", "42P01");
        assert!(f.message.contains("half.phoenix_kit_settings"), "{}", f.message);
    }

    #[pg_test]
    fn migration_functions_have_the_promised_attributes() {
        for f in ["pk_migrate_v114_up", "pk_migrate_v114_down", "pk_migrate_v107_up", "pk_migrate_v107_down"] {
            let row = Spi::get_three_with_args::<String, String, bool>(
                "SELECT provolatile::text || proparallel::text, array_to_string(proconfig, ','), prosecdef FROM pg_proc WHERE proname = $1",
                &[f.into()],
            )
            .unwrap();
            assert_eq!(row.0.as_deref(), Some("vu"), "{f}: VOLATILE, PARALLEL UNSAFE");
            assert_eq!(row.1.as_deref(), Some("search_path=pg_catalog, pg_temp,enable_nestloop=off,jit=off"), "{f}");
            assert_eq!(row.2, Some(false), "{f}: SECURITY INVOKER");
            let public =
                Spi::get_one_with_args::<bool>("SELECT has_function_privilege('public', oid, 'EXECUTE') FROM pg_proc WHERE proname = $1", &[f.into()]).unwrap();
            assert_eq!(public, Some(false), "{f}: EXECUTE revoked from PUBLIC");
        }
    }
}
