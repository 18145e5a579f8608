//! Resolves the `prefix` argument to a schema and its PhoenixKit tables. The prefix is only
//! ever used as a quoted identifier, so odd names (`My Kit`) work and SQL in it does nothing.
use crate::errors::{Code, MigError, MigResult};
use pgrx::prelude::*;
use pgrx::spi::{quote_identifier, quote_qualified_identifier};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Kit,
    Settings,
    Endpoints,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Kit => "phoenix_kit",
            Table::Settings => "phoenix_kit_settings",
            Table::Endpoints => "phoenix_kit_ai_endpoints",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    /// The schema name exactly as given.
    pub schema: String,
    /// The extension's own schema, quoted: our helper functions are called qualified because
    /// the migration functions run with `search_path = pg_catalog, pg_temp`.
    pub ext: String,
}

impl Target {
    /// Checks that the schema and every table in `needs` exist (3F000 / 42P01 otherwise).
    /// Read-only, so `pk_migration_status` can use it on a standby.
    pub fn resolve(schema: &str, needs: &[Table]) -> MigResult<Target> {
        let target = Target { schema: schema.to_string(), ext: extension_schema() };
        let exists: bool = Spi::connect(|c| {
            c.select("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", None, &[schema.into()])?
                .first()
                .get_one::<bool>()
        })
        .expect("catalog lookup")
        .unwrap_or(false);
        if !exists {
            return Err(MigError::new(Code::ERRCODE_INVALID_SCHEMA_NAME, format!("schema \"{schema}\" does not exist"))
                .hint("Pass the schema that holds PhoenixKit's tables as prefix (the default is 'public')."));
        }
        match needs.iter().find(|t| !target.table_exists(**t)) {
            Some(&missing) => Err(target.missing_table(missing)),
            None => Ok(target),
        }
    }

    /// The 42P01 error for a table of this schema that does not exist.
    pub fn missing_table(&self, table: Table) -> MigError {
        MigError::new(Code::ERRCODE_UNDEFINED_TABLE, format!("relation {} does not exist", self.qualified(table)))
            .hint(format!("Is \"{}\" the schema PhoenixKit was installed into?", self.schema))
    }

    pub fn table_exists(&self, table: Table) -> bool {
        Spi::connect(|c| {
            c.select(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p'))",
                None,
                &[self.schema.as_str().into(), table.name().into()],
            )?
            .first()
            .get_one::<bool>()
        })
        .expect("catalog lookup")
        .unwrap_or(false)
    }

    /// `"schema".table`, for SQL and for messages (operators can paste it into psql).
    pub fn qualified(&self, table: Table) -> String {
        quote_qualified_identifier(self.schema.as_str(), table.name())
    }

    pub fn quoted_schema(&self) -> String {
        quote_identifier(&self.schema)
    }
}

fn extension_schema() -> String {
    let schema: Option<String> = Spi::connect(|c| {
        c.select(
            "SELECT n.nspname::text FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
              WHERE e.extname = 'phoenix_kit_mig'",
            None,
            &[],
        )?
        .first()
        .get_one::<String>()
    })
    .expect("catalog lookup");
    quote_identifier(schema.expect("phoenix_kit_mig is not installed in this database"))
}
