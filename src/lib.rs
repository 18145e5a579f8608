//! phoenix_kit_mig: PhoenixKit's V107 and V114 data migrations, run in-server inside the
//! caller's transaction. The behaviour is specified in docs/behaviour.md (see README); the pure
//! rules (key parsing, provider/name selection, timestamps) live in the `phoenix_kit_mig_core`
//! crate so they can be tested without a server.
mod errors;
mod fences;
mod guard;
mod hostile_names;
mod plan;
mod registry;
mod rules_sql;
mod runner;
mod script;
mod sql;
mod status;
mod target;
mod v107;
mod v114;

#[cfg(any(test, feature = "pg_test"))]
mod test_support;

::pgrx::pg_module_magic!();

// Executing a migration is a deliberate act of the schema owner: nobody gets it by default.
pgrx::extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
