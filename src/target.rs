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
}

impl Target {
    /// Checks that the schema and every table in `needs` exist (3F000 / 42P01 otherwise).
    /// Read-only, so `pk_migration_status` can use it on a standby.
    pub fn resolve(schema: &str, needs: &[Table]) -> MigResult<Target> {
        let target = Target { schema: schema.to_string() };
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
        for table in needs {
            target.check_relation(*table)?;
        }
        Ok(target)
    }

    /// The 42P01 error for a table of this schema that does not exist.
    pub fn missing_table(&self, table: Table) -> MigError {
        MigError::new(Code::ERRCODE_UNDEFINED_TABLE, format!("relation {} does not exist", self.qualified(table)))
            .hint(format!("Is \"{}\" the schema PhoenixKit was installed into?", self.schema))
    }

    /// `"schema".table`, for SQL and for messages (operators can paste it into psql).
    pub fn qualified(&self, table: Table) -> String {
        quote_qualified_identifier(self.schema.as_str(), table.name())
    }

    pub fn quoted_schema(&self) -> String {
        quote_identifier(&self.schema)
    }
}

/// What a migration needs on a table (README "Privileges"), checked before anything changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privilege {
    Select,
    Update,
    /// LOCK TABLE in SHARE mode or stronger: UPDATE, DELETE or TRUNCATE (or ownership).
    LockShare,
    /// ALTER TABLE, CREATE/DROP INDEX, COMMENT ON TABLE.
    Owner,
    /// CREATE on the table's schema: CREATE INDEX needs it besides ownership.
    CreateInSchema,
}

impl Privilege {
    pub fn describe(self) -> &'static str {
        match self {
            Privilege::Select => "SELECT",
            Privilege::Update => "UPDATE",
            Privilege::LockShare => "UPDATE, DELETE or TRUNCATE (to lock it in SHARE mode)",
            Privilege::Owner => "ownership (membership in the owning role)",
            Privilege::CreateInSchema => "CREATE on its schema (to create indexes)",
        }
    }

    fn test_sql(self) -> &'static str {
        match self {
            Privilege::Select => "pg_catalog.has_table_privilege($1::regclass, 'SELECT')",
            Privilege::Update => "pg_catalog.has_table_privilege($1::regclass, 'UPDATE')",
            Privilege::LockShare => "pg_catalog.has_table_privilege($1::regclass, 'UPDATE, DELETE, TRUNCATE')",
            Privilege::Owner => {
                "(SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass)"
            }
            Privilege::CreateInSchema => {
                "(SELECT pg_catalog.has_schema_privilege(c.relnamespace, 'CREATE') FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass)"
            }
        }
    }
}

impl Target {
    /// §11.1: only an ordinary table of this schema, without inheritance or rules, may change.
    /// 42P01 when it is missing, 42809 when it is not a table, 55000 when it is partitioned,
    /// inherits or is inherited, or has rules.
    pub fn check_relation(&self, table: Table) -> MigResult<()> {
        let found = Spi::connect(|c| {
            let row = c
                .select(
                    "SELECT c.relkind::text AS relkind,
                            c.relispartition OR EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) AS has_parent,
                            EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid) AS has_children,
                            (SELECT pg_catalog.array_agg(r.rulename::text ORDER BY r.rulename) FROM pg_catalog.pg_rewrite r
                              WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN') AS rules
                       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = $1 AND c.relname = $2",
                    None,
                    &[self.schema.as_str().into(), table.name().into()],
                )?
                .first();
            if row.is_empty() {
                return Ok::<_, pgrx::spi::Error>(None);
            }
            Ok(Some((
                row.get_by_name::<String, _>("relkind")?.unwrap_or_default(),
                row.get_by_name::<bool, _>("has_parent")?.unwrap_or(false),
                row.get_by_name::<bool, _>("has_children")?.unwrap_or(false),
                row.get_by_name::<Vec<String>, _>("rules")?.unwrap_or_default(),
            )))
        })
        .expect("catalog lookup");
        let Some((kind, has_parent, has_children, rules)) = found else {
            return Err(self.missing_table(table));
        };
        let name = self.qualified(table);
        let not_a_table = |what: &str| {
            Err(MigError::new(Code::ERRCODE_WRONG_OBJECT_TYPE, format!("{name} is {what}, not an ordinary table"))
                .detail("phoenix_kit_mig changes only ordinary tables: through anything else it could not see or verify every row it changes.")
                .hint(format!("Point prefix at the schema that holds PhoenixKit's own tables (\"{}\" holds {what} of that name).", self.schema)))
        };
        match kind.as_str() {
            "r" => {}
            "p" => {
                return Err(MigError::new(Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, format!("{name} is a partitioned table"))
                    .detail("Its rows live in partitions that may belong to other schemas; the migration changes only rows of the named schema's own tables.")
                    .hint("Migrate a non-partitioned copy of the table (CREATE TABLE … (LIKE …); INSERT … SELECT), then swap it in."))
            }
            "v" => return not_a_table("a view"),
            "m" => return not_a_table("a materialized view"),
            "f" => return not_a_table("a foreign table"),
            other => return not_a_table(&format!("a relation of kind '{other}'")),
        }
        if has_parent || has_children {
            return Err(MigError::new(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{name} {} table inheritance", if has_parent { "is a partition or child in" } else { "has child tables through" }),
            )
            .detail("An UPDATE of a parent reaches its children, possibly in other schemas; a child's rows are also its parent's.")
            .hint(format!("Detach it first (ALTER TABLE … NO INHERIT …, or detach the children of {name}), then run the migration again.")));
        }
        self.check_columns(table)?;
        if !rules.is_empty() {
            return Err(MigError::new(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{name} has rules: {}", rules.iter().map(|r| quote_identifier(r)).collect::<Vec<_>>().join(", ")),
            )
            .detail("A rule can rewrite the migration's statements into others; their effect could not be verified.")
            .hint(format!("Drop the rules for the migration (DROP RULE {} ON {name};) and re-create them afterwards.", quote_identifier(&rules[0]))));
        }
        Ok(())
    }

    /// The columns a migration reads or writes must have the types PhoenixKit gives them
    /// (text-like keys and names, uuid uuids, jsonb value_json): with others its statements
    /// would fail with PostgreSQL's own errors, or compare differently. 55000 naming them.
    fn check_columns(&self, table: Table) -> MigResult<()> {
        let expected: &[(&str, &str)] = match table {
            Table::Settings => &[("uuid", "uuid"), ("key", "text"), ("module", "text"), ("value_json", "jsonb"), ("date_added", "any")],
            Table::Endpoints => &[("uuid", "uuid"), ("name", "text"), ("provider", "text")],
            Table::Kit => &[],
        };
        if expected.is_empty() {
            return Ok(());
        }
        let found: Vec<String> = Spi::connect(|c| {
            c.select(
                "SELECT pg_catalog.array_agg(a.attname::text || '=' || CASE
                          WHEN a.atttypid IN ('pg_catalog.text'::pg_catalog.regtype, 'pg_catalog.varchar'::pg_catalog.regtype,
                                              'pg_catalog.bpchar'::pg_catalog.regtype) THEN 'text'
                          ELSE pg_catalog.format_type(a.atttypid, NULL) END)
                   FROM pg_catalog.pg_attribute a
                   JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                  -- By name, not ::regclass: that needs USAGE on the schema, which a role asking
                  -- pk_migration_status may lack.
                  WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
                None,
                &[self.schema.as_str().into(), table.name().into()],
            )?
            .first()
            .get_one::<Vec<String>>()
        })
        .expect("column lookup")
        .unwrap_or_default();
        let mut wrong = Vec::new();
        for (column, ty) in expected {
            match found.iter().find_map(|f| f.strip_prefix(&format!("{column}="))) {
                None => wrong.push(format!("column {column} is missing (expected {ty})")),
                Some(actual) if *ty != "any" && actual != *ty => {
                    wrong.push(format!("column {column} has type {actual} (expected {})", if *ty == "text" { "text or varchar" } else { ty }))
                }
                Some(_) => {}
            }
        }
        if wrong.is_empty() {
            return Ok(());
        }
        Err(MigError::new(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{} does not have the columns PhoenixKit gives it", self.qualified(table)),
        )
        .detail(wrong.join("\n"))
        .hint("Restore the column types of PhoenixKit's schema (see its migrations), then run the migration again."))
    }

    /// §11.7 and §11.2: 42501 for a privilege the caller lacks on a table, or a row-level
    /// security policy that would hide rows from it. Read-only.
    pub fn access_blockers(&self, needs: &[(Table, &[Privilege])], migration: &str) -> Vec<MigError> {
        let mut blockers = Vec::new();
        let usage = Spi::connect(|c| {
            c.select("SELECT pg_catalog.has_schema_privilege($1, 'USAGE')", None, &[self.schema.as_str().into()])?.first().get_one::<bool>()
        })
        .expect("privilege lookup")
        .unwrap_or(false);
        if !usage {
            blockers.push(
                MigError::new(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, format!("{migration} needs USAGE on schema {}", self.quoted_schema()))
                    .hint(format!("GRANT USAGE ON SCHEMA {} TO the role that runs the migration, or run it as the owner.", self.quoted_schema())),
            );
            return blockers;
        }
        for (table, privileges) in needs {
            let name = self.qualified(*table);
            for privilege in *privileges {
                let sql = format!("SELECT {}", privilege.test_sql());
                let granted = Spi::connect(|c| c.select(sql.as_str(), None, &[name.as_str().into()])?.first().get_one::<bool>())
                    .expect("privilege lookup")
                    .unwrap_or(false);
                if !granted {
                    blockers.push(
                        MigError::new(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, format!("{migration} needs {} on {name}", privilege.describe()))
                            .hint(match privilege {
                                Privilege::Owner => format!("Run it as the owner of {name} (or a member of the owning role)."),
                                Privilege::CreateInSchema => format!(
                                    "GRANT CREATE ON SCHEMA {} TO the role that runs the migration, or run it as the schema's owner.",
                                    self.quoted_schema()
                                ),
                                Privilege::LockShare | Privilege::Update => {
                                    format!("GRANT UPDATE ON {name} TO the role that runs the migration, or run it as the owner.")
                                }
                                Privilege::Select => format!("GRANT SELECT ON {name} TO the role that runs the migration, or run it as the owner."),
                            }),
                    );
                }
            }
            // The version table's rows are never read: only its comment.
            if *table != Table::Kit {
                if let Some(e) = self.row_security_blocker(*table, migration) {
                    blockers.push(e);
                }
            }
        }
        blockers
    }

    /// Whether the caller may read `table` (and reach it through the schema).
    pub fn can_read(&self, table: Table) -> bool {
        Spi::connect(|c| {
            c.select(
                "SELECT CASE WHEN pg_catalog.has_schema_privilege($1, 'USAGE')
                             THEN pg_catalog.has_table_privilege($2::regclass, 'SELECT') ELSE false END",
                None,
                &[self.schema.as_str().into(), self.qualified(table).as_str().into()],
            )?
            .first()
            .get_one::<bool>()
        })
        .expect("privilege lookup")
        .unwrap_or(false)
    }

    /// §11.2: a policy that applies to the caller would filter what the migration sees and
    /// changes, so rows would silently stay behind.
    fn row_security_blocker(&self, table: Table, migration: &str) -> Option<MigError> {
        let name = self.qualified(table);
        let active = Spi::connect(|c| {
            c.select("SELECT pg_catalog.row_security_active($1::regclass)", None, &[name.as_str().into()])?.first().get_one::<bool>()
        })
        .expect("row security lookup")
        .unwrap_or(false);
        active.then(|| {
            MigError::new(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                format!("row-level security applies to the current role on {name}: {migration} would not see every row"),
            )
            .detail("A migration sees and changes every row, or none; under a policy, hidden rows would stay in the old shape while the version is stamped.")
            .hint("Run it as the table's owner (when the table does not FORCE ROW LEVEL SECURITY), a superuser, or a role with BYPASSRLS.")
        })
    }

    /// The characters a text column of `table` holds at most (varchar(n), char(n)); None for
    /// an unlimited one.
    pub fn column_max_chars(&self, table: Table, column: &str) -> Option<i32> {
        Spi::connect(|c| {
            c.select(
                "SELECT CASE WHEN a.atttypmod >= 4 AND a.atttypid IN ('pg_catalog.varchar'::pg_catalog.regtype, 'pg_catalog.bpchar'::pg_catalog.regtype)
                             THEN a.atttypmod - 4 END
                   FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass AND a.attname = $2 AND NOT a.attisdropped",
                None,
                &[self.qualified(table).as_str().into(), column.into()],
            )?
            .first()
            .get_one::<i32>()
        })
        .expect("column lookup")
    }

    /// Whether a valid, immediate (not deferrable), non-partial unique index on exactly
    /// `column` rules out duplicates at every moment. A deferrable one does not.
    pub fn has_immediate_unique_index(&self, table: Table, column: &str) -> bool {
        Spi::connect(|c| {
            c.select(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid
                                 WHERE i.indrelid = $1::regclass AND a.attname = $2 AND i.indisunique AND i.indimmediate
                                   AND i.indisvalid AND i.indisready AND i.indpred IS NULL AND i.indexprs IS NULL
                                   AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum)",
                None,
                &[self.qualified(table).as_str().into(), column.into()],
            )?
            .first()
            .get_one::<bool>()
        })
        .expect("index lookup")
        .unwrap_or(false)
    }

    /// Whether a trigger of the table's users (not one PostgreSQL made for a constraint of its
    /// own) fires on UPDATE: then what a statement returns need not be what the table holds.
    pub fn has_user_update_triggers(&self, table: Table) -> bool {
        Spi::connect(|c| {
            c.select(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g
                                 WHERE g.tgrelid = $1::regclass AND NOT g.tgisinternal AND g.tgenabled <> 'D'
                                   AND (g.tgtype & 16) <> 0)",
                None,
                &[self.qualified(table).as_str().into()],
            )?
            .first()
            .get_one::<bool>()
        })
        .expect("trigger lookup")
        .unwrap_or(false)
    }

    /// User constraint triggers on the table that are deferrable: unless made immediate they
    /// fire at COMMIT, after any check of ours.
    pub fn deferrable_constraint_triggers(&self, table: Table) -> Vec<String> {
        Spi::connect(|c| {
            c.select(
                "SELECT pg_catalog.array_agg(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(k.conname) ORDER BY k.conname)
                   FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_namespace n ON n.oid = k.connamespace
                  WHERE k.conrelid = $1::regclass AND k.condeferrable AND k.condeferred AND k.contype = 't'",
                None,
                &[self.qualified(table).as_str().into()],
            )?
            .first()
            .get_one::<Vec<String>>()
        })
        .expect("trigger lookup")
        .unwrap_or_default()
    }
}
