//! The SQL of every step lives in `sql/queries/*.sql`, included at build time so it can be read
//! (and run in psql) as SQL. Templates name their identifiers `@settings@`, `@endpoints@`,
//! `@internal@` …, filled in here from already-quoted names; values always travel as `$n`.
use crate::target::{Table, Target};
use phoenix_kit_mig_core::DETAIL_LIMIT;
use pgrx::datum::{FromDatum, IntoDatum};
use pgrx::spi::SpiTupleTable;

/// The schema that holds the extension's internal helpers: created by the extension (it fails
/// to install if the schema exists), writable by nobody else, so no other role can plant a
/// function there that a migration would call instead.
pub const INTERNAL_SCHEMA: &str = "phoenix_kit_mig_internal";

macro_rules! query_file {
    ($name:literal) => {
        include_str!(concat!("../sql/queries/", $name, ".sql"))
    };
}
pub(crate) use query_file;

/// `template` with the target's identifiers and the constants filled in; `@plan@` becomes
/// `plan` (itself a filled template).
pub fn fill(template: &str, t: &Target, plan: Option<&str>) -> String {
    let mut sql = without_placeholder_comments(template)
        .replace("@settings@", &t.qualified(Table::Settings))
        .replace("@endpoints@", &t.qualified(Table::Endpoints))
        .replace("@kit@", &t.qualified(Table::Kit))
        .replace("@internal@", &pgrx::spi::quote_identifier(INTERNAL_SCHEMA))
        .replace("@detail_limit@", &DETAIL_LIMIT.to_string());
    if let Some(plan) = plan {
        // Last: the plan's own text must not be searched for placeholders again.
        sql = sql.replace("@plan@", plan);
    }
    sql
}

/// `template` without its comment lines that name a placeholder (the templates document their
/// placeholders in such lines). A name filled into a comment would end the comment at any
/// newline it holds, and the rest of its line would be read as SQL: a schema may be called
/// "x<newline>DROP …". Placeholders in code are always filled in as quoted identifiers or literals.
pub fn without_placeholder_comments(template: &str) -> String {
    template
        .lines()
        .filter(|line| !(line.trim_start().starts_with("--") && line.contains('@')))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Named access to the one row of a summary query.
pub struct Row<'a, 'conn>(pub &'a SpiTupleTable<'conn>);

impl Row<'_, '_> {
    pub fn get<T: FromDatum + IntoDatum>(&self, column: &str) -> Option<T> {
        self.0.get_by_name::<T, _>(column).unwrap_or_else(|e| panic!("column {column}: {e}"))
    }
    pub fn count(&self, column: &str) -> i64 {
        self.get::<i64>(column).unwrap_or(0)
    }
    pub fn lines(&self, column: &str) -> Vec<String> {
        self.get::<Vec<String>>(column).unwrap_or_default()
    }
}
