//! The version guard and stamp (CONTRACT §2). The recorded version is the integer in
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
            format!(
                "{migration} needs {} at version {} or {}, but it is at version {current}",
                target.display(Table::Kit),
                allowed[0],
                allowed[1]
            ),
        )
        .detail(format!("{why}."))
        .hint("Run the migrations in order. If you know the recorded version is wrong, pass force => true to skip this check (the stamp is then never lowered)."))
    }
}

/// The recorded version: the table comment as an integer; no comment means 1.
pub fn read_version(target: &Target) -> MigResult<i32> {
    let comment: Option<String> = Spi::connect(|c| {
        c.select(
            "SELECT pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = 'phoenix_kit'",
            None,
            &[target.schema.as_str().into()],
        )?
        .first()
        .get_one::<String>()
    })
    .expect("catalog lookup");
    match comment {
        None => Ok(1),
        Some(text) => text.trim().parse::<i32>().map_err(|_| {
            MigError::new(
                Code::ERRCODE_INVALID_TEXT_REPRESENTATION,
                format!("the comment on {} is not a version number: \"{text}\"", target.display(Table::Kit)),
            )
            .detail("PhoenixKit records its schema version as the integer comment of this table.")
            .hint(format!("Set it to the version the schema is at, e.g. COMMENT ON TABLE {} IS '113';", target.display(Table::Kit)))
        }),
    }
}

pub fn write_version(target: &Target, version: i32) {
    // COMMENT takes no parameters; the value is an integer we formatted ourselves.
    Spi::run(&format!("COMMENT ON TABLE {} IS '{version}'", target.qualified(Table::Kit))).expect("COMMENT ON TABLE");
    pgrx::notice!("phoenix_kit_mig: stamped {} with version {version}", target.display(Table::Kit));
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
