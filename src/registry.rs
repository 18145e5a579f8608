//! Every migration, once. The SQL functions that take a migration's name (status, the plan
//! preview, the migration script) find it here; `pk_migrate_<name>` is declared by its module.
use crate::errors::{Code, MigError};
use crate::runner::{EventTrigger, Migration};
use crate::sql::quote_literal;
use crate::target::Target;
use crate::{plan, script, status, v107, v114};
use serde_json::Value;

pub struct Entry {
    pub name: &'static str,
    /// Its part of `pk_migration_status`.
    pub status: fn(&Target, &[EventTrigger]) -> Value,
    /// `pk_migration_plan`'s statement.
    pub plan_query: fn(&Target) -> Result<String, MigError>,
    /// `pk_migration_script`'s text, for a schema.
    pub script: fn(&str) -> Result<String, MigError>,
}

const fn entry<M: Migration>() -> Entry {
    Entry { name: M::SPEC.name, status: status::status_of::<M>, plan_query: plan::plan_query::<M>, script: script::script::<M> }
}

pub static MIGRATIONS: [Entry; 4] = [entry::<v107::Up>(), entry::<v107::Down>(), entry::<v114::Up>(), entry::<v114::Down>()];

/// The migration named `name`; 22023 naming the known ones otherwise.
pub fn find(name: &str) -> Result<&'static Entry, MigError> {
    MIGRATIONS.iter().find(|m| m.name == name).ok_or_else(|| {
        let names: Vec<String> = MIGRATIONS.iter().map(|m| quote_literal(m.name)).collect();
        MigError::new(Code::ERRCODE_INVALID_PARAMETER_VALUE, format!("unknown migration {}", quote_literal(name)))
            .hint(format!("Name one of {}.", names.join(", ")))
    })
}
