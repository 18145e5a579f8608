//! Resolves the `prefix` argument to a schema and its PhoenixKit tables, and knows what those
//! tables are: their kind, inheritance and rules (§11.1), columns, the caller's privileges
//! (§11.7) and row-level security (§11.2), unique indexes and triggers. All of it comes from
//! one catalog read (`sql/queries/catalog.sql`), taken when the target is resolved and again
//! under the migration's locks (`refresh`), so that what a run relies on cannot change after
//! it was checked. The prefix is only ever used as a quoted identifier, so odd names
//! (`My Kit`) work and SQL in it does nothing.
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
    #[cfg(test)]
    const ALL: [Table; 3] = [Table::Kit, Table::Settings, Table::Endpoints];

    pub fn name(self) -> &'static str {
        match self {
            Table::Kit => "phoenix_kit",
            Table::Settings => "phoenix_kit_settings",
            Table::Endpoints => "phoenix_kit_ai_endpoints",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What the catalog says about one of the three tables (None: no relation of that name).
#[derive(Debug, Clone, Default)]
struct TableFacts {
    relkind: String,
    has_parent: bool,
    has_children: bool,
    rules: Vec<String>,
    /// `name=type`, text-like types as `text`.
    columns: Vec<String>,
    key_max: Option<i32>,
    module_max: Option<i32>,
    can_select: bool,
    can_update: bool,
    can_lock_share: bool,
    is_owner: bool,
    can_create_in_schema: bool,
    rls_active: bool,
    uuid_unique: bool,
    key_unique: bool,
    user_code_on_update: bool,
    user_triggers: Vec<String>,
    /// `column<TAB>description` of every foreign key a column takes part in.
    foreign_keys: Vec<String>,
    /// `column<TAB>collation` of every column with a nondeterministic collation.
    nondeterministic: Vec<String>,
    /// `column<TAB>collation<TAB>index` of every index column that compares with one.
    index_collations: Vec<String>,
    /// `column<TAB>index<TAB>operator class` (by name) of index columns with an operator class of
    /// the table's users (the index as regclass text: quoted, schema-qualified).
    user_opclasses: Vec<String>,
    /// `column<TAB>generated column` for each generated column and its inputs.
    generated_from: Vec<String>,
    /// `column<TAB>description<TAB>kind` of CHECK and exclusion constraints and unique indexes.
    constraints: Vec<String>,
    comment: Option<String>,
}

impl TableFacts {
    /// A boolean fact by its catalog.sql name (`Privilege::fact`, `rls_active`).
    fn flag(&self, fact: &str) -> bool {
        match fact {
            "can_select" => self.can_select,
            "can_update" => self.can_update,
            "can_lock_share" => self.can_lock_share,
            "is_owner" => self.is_owner,
            "can_create_in_schema" => self.can_create_in_schema,
            "rls_active" => self.rls_active,
            other => panic!("catalog fact {other} is not a flag"),
        }
    }
}

/// One check of `Target::access_checks`: `fact` of `table`'s catalog row (None: of the
/// schema) must equal `expected`, else `error`.
pub struct AccessCheck {
    pub table: Option<Table>,
    pub fact: &'static str,
    pub expected: bool,
    pub error: MigError,
}

#[derive(Debug, Clone, Default)]
struct Facts {
    schema_usage: bool,
    temp_allowed: bool,
    tables: [Option<TableFacts>; 3],
}

#[derive(Debug, Clone)]
pub struct Target {
    /// The schema name exactly as given.
    pub schema: String,
    facts: Facts,
    /// How the statements built for it spell names and values (`sql::Spelling`).
    spelling: crate::sql::Spelling,
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

    /// The column of sql/queries/catalog.sql that says whether the caller holds it.
    fn fact(self) -> &'static str {
        match self {
            Privilege::Select => "can_select",
            Privilege::Update => "can_update",
            Privilege::LockShare => "can_lock_share",
            Privilege::Owner => "is_owner",
            Privilege::CreateInSchema => "can_create_in_schema",
        }
    }
}

impl Target {
    /// Checks that the schema and every table in `needs` exist and are ordinary tables
    /// (3F000 / 42P01 / 42809 / 55000 otherwise). Read-only, so `pk_migration_status` and
    /// `pk_migration_plan` use it on a standby.
    pub fn resolve(schema: &str, needs: &[Table]) -> MigResult<Target> {
        // PostgreSQL cuts a longer identifier to its first 63 bytes: such a prefix would name
        // another schema than the one given.
        if schema.len() >= pg_sys::NAMEDATALEN as usize {
            return Err(MigError::new(Code::ERRCODE_INVALID_SCHEMA_NAME, format!("schema \"{schema}\" does not exist"))
                .detail(format!("A schema name has at most {} bytes; this one has {}.", pg_sys::NAMEDATALEN - 1, schema.len()))
                .hint("Pass the schema that holds PhoenixKit's tables as prefix (the default is 'public')."));
        }
        let (present, facts) = read_facts(schema);
        if !present {
            return Err(MigError::new(Code::ERRCODE_INVALID_SCHEMA_NAME, format!("schema \"{schema}\" does not exist"))
                .hint("Pass the schema that holds PhoenixKit's tables as prefix (the default is 'public')."));
        }
        let target = Target { schema: schema.to_string(), facts, spelling: crate::sql::Spelling::AsIs };
        for table in needs {
            target.check_relation(*table)?;
        }
        Ok(target)
    }

    /// Reads the catalog again: under the migration's locks, nothing it says can change until
    /// the caller's transaction ends.
    pub fn refresh(&mut self) {
        self.facts = read_facts(&self.schema).1;
    }

    fn table(&self, table: Table) -> Option<&TableFacts> {
        self.facts.tables[table.index()].as_ref()
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

    /// A template rendered for this schema (`sql::Template::render`).
    pub fn render(&self, template: &crate::sql::Template, fills: &[(crate::sql::Hole, crate::sql::Fill)]) -> crate::sql::Sql {
        template.render_spelled(&self.schema, self.spelling, fills)
    }

    /// A statement begun with fixed text, spelling names as this target's statements do.
    pub fn sql(&self, text: &'static str) -> crate::sql::Sql {
        crate::sql::Sql::spelled(self.spelling, text)
    }

    /// The same target, its statements spelled as `spelling` says (a migration script's: ASCII).
    pub fn spelled(mut self, spelling: crate::sql::Spelling) -> Target {
        self.spelling = spelling;
        self
    }

    pub fn spelling(&self) -> crate::sql::Spelling {
        self.spelling
    }

    pub fn quoted_schema(&self) -> String {
        quote_identifier(&self.schema)
    }

    /// The version comment on phoenix_kit, as read with the facts.
    pub fn version_comment(&self) -> Option<String> {
        self.table(Table::Kit).and_then(|f| f.comment.clone())
    }

    /// §11.1: only an ordinary table of this schema, without inheritance or rules, and with
    /// the columns PhoenixKit gives it, may change. 42P01 when it is missing, 42809 when it is
    /// not a table, 55000 when it is partitioned, inherits or is inherited, has rules, or has a
    /// column of another type.
    pub fn check_relation(&self, table: Table) -> MigResult<()> {
        let Some(f) = self.table(table) else {
            return Err(self.missing_table(table));
        };
        let name = self.qualified(table);
        let not_a_table = |what: &str| {
            Err(MigError::new(Code::ERRCODE_WRONG_OBJECT_TYPE, format!("{name} is {what}, not an ordinary table"))
                .detail("phoenix_kit_mig changes only ordinary tables: through anything else it could not see or verify every row it changes.")
                .hint(format!("Point prefix at the schema that holds PhoenixKit's own tables (\"{}\" holds {what} of that name).", self.schema)))
        };
        match f.relkind.as_str() {
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
        if f.has_parent || f.has_children {
            return Err(MigError::new(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{name} {} table inheritance", if f.has_parent { "is a partition or child in" } else { "has child tables through" }),
            )
            .detail("An UPDATE of a parent reaches its children, possibly in other schemas; a child's rows are also its parent's.")
            .hint(format!("Detach it first (ALTER TABLE … NO INHERIT …, or detach the children of {name}), then run the migration again.")));
        }
        self.check_columns(table, f)?;
        if !f.rules.is_empty() {
            return Err(MigError::new(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("{name} has rules: {}", f.rules.iter().map(|r| quote_identifier(r)).collect::<Vec<_>>().join(", ")),
            )
            .detail("A rule can rewrite the migration's statements into others; their effect could not be verified.")
            .hint(format!("Drop the rules for the migration (DROP RULE {} ON {name};) and re-create them afterwards.", quote_identifier(&f.rules[0]))));
        }
        Ok(())
    }

    /// The columns a migration reads or writes must have the types PhoenixKit gives them
    /// (text-like keys and names, uuid uuids, jsonb value_json): with others its statements
    /// would fail with PostgreSQL's own errors, or compare differently.
    fn check_columns(&self, table: Table, f: &TableFacts) -> MigResult<()> {
        let expected: &[(&str, &str)] = match table {
            Table::Settings => &[("uuid", "uuid"), ("key", "text"), ("module", "text"), ("value_json", "jsonb"), ("date_added", "timestamp")],
            Table::Endpoints => &[("uuid", "uuid"), ("name", "text"), ("provider", "text")],
            Table::Kit => &[],
        };
        let mut wrong = Vec::new();
        for (column, ty) in expected {
            match f.columns.iter().find_map(|c| c.strip_prefix(&format!("{column}="))) {
                None => wrong.push(format!("column {column} is missing (expected {ty})")),
                Some(actual) if actual != *ty => wrong.push(format!(
                    "column {column} has type {actual} (expected {})",
                    match *ty {
                        "text" => "text or varchar",
                        // V114 down orders rows by it.
                        "timestamp" => "timestamp, timestamptz or date",
                        other => other,
                    }
                )),
                Some(_) => {}
            }
        }
        if wrong.is_empty() {
            return Ok(());
        }
        Err(MigError::new(Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, format!("{} does not have the columns PhoenixKit gives it", self.qualified(table)))
            .detail(wrong.join("\n"))
            .hint("Restore the column types of PhoenixKit's schema (see its migrations), then run the migration again."))
    }

    /// §11.7 and §11.2: 42501 for a privilege the caller lacks on a table, or a row-level
    /// security policy that would hide rows from it. Read-only.
    pub fn access_blockers(&self, needs: &[(Table, &[Privilege])], migration: &str) -> Vec<MigError> {
        let mut blockers = Vec::new();
        for check in self.access_checks(needs, migration) {
            let holds = match check.table.and_then(|table| self.table(table)) {
                None if check.table.is_some() => continue,
                None => self.facts.schema_usage,
                Some(f) => f.flag(check.fact),
            };
            if holds != check.expected {
                // Without USAGE on the schema nothing else can be judged.
                if check.table.is_none() {
                    return vec![check.error];
                }
                blockers.push(check.error);
            }
        }
        blockers
    }

    /// What `access_blockers` checks, as data: each a fact of catalog.sql that must have a
    /// value, and the error when it has not. The migration script (§13) carries the same list
    /// and checks it against the catalog of the database it runs on.
    pub fn access_checks(&self, needs: &[(Table, &[Privilege])], migration: &str) -> Vec<AccessCheck> {
        let mut checks = vec![AccessCheck {
            table: None,
            fact: "schema_usage",
            expected: true,
            error: MigError::new(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, format!("{migration} needs USAGE on schema {}", self.quoted_schema()))
                .hint(format!("GRANT USAGE ON SCHEMA {} TO the role that runs the migration, or run it as the owner.", self.quoted_schema())),
        }];
        for (table, privileges) in needs {
            let name = self.qualified(*table);
            for privilege in privileges.iter() {
                checks.push(AccessCheck {
                    table: Some(*table),
                    fact: privilege.fact(),
                    expected: true,
                    error: MigError::new(Code::ERRCODE_INSUFFICIENT_PRIVILEGE, format!("{migration} needs {} on {name}", privilege.describe())).hint(
                        match privilege {
                            Privilege::Owner => format!("Run it as the owner of {name} (or a member of the owning role)."),
                            Privilege::CreateInSchema => {
                                format!("GRANT CREATE ON SCHEMA {} TO the role that runs the migration, or run it as the schema's owner.", self.quoted_schema())
                            }
                            Privilege::LockShare | Privilege::Update => {
                                format!("GRANT UPDATE ON {name} TO the role that runs the migration, or run it as the owner.")
                            }
                            Privilege::Select => format!("GRANT SELECT ON {name} TO the role that runs the migration, or run it as the owner."),
                        },
                    ),
                });
            }
            // The version table's rows are never read: only its comment.
            if *table != Table::Kit {
                checks.push(AccessCheck {
                    table: Some(*table),
                    fact: "rls_active",
                    expected: false,
                    error: MigError::new(
                        Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                        format!("row-level security applies to the current role on {name}: {migration} would not see every row"),
                    )
                    .detail("A migration sees and changes every row, or none; under a policy, hidden rows would stay in the old shape while the version is stamped.")
                    .hint("Run it as the table's owner (when the table does not FORCE ROW LEVEL SECURITY), a superuser, or a role with BYPASSRLS."),
                });
            }
        }
        checks
    }

    /// Whether the caller may read `table` (and reach it through the schema).
    pub fn can_read(&self, table: Table) -> bool {
        self.facts.schema_usage && self.table(table).is_some_and(|f| f.can_select)
    }

    /// Whether the caller may create temporary tables here.
    pub fn temp_allowed(&self) -> bool {
        self.facts.temp_allowed
    }

    /// The characters the settings' `key` or `module` column holds at most (varchar(n),
    /// char(n)); None for an unlimited one.
    pub fn column_max_chars(&self, table: Table, column: &str) -> Option<i32> {
        let f = self.table(table)?;
        match column {
            "key" => f.key_max,
            "module" => f.module_max,
            _ => None,
        }
    }

    /// Whether the table has `column` of type `kind` (as catalog.sql names it: `uuid`, `text`
    /// for the text-like types, `timestamp` for the date and time types).
    pub fn has_column(&self, table: Table, column: &str, kind: &str) -> bool {
        self.table(table).is_some_and(|f| f.columns.iter().any(|c| c.split_once('=') == Some((column, kind))))
    }

    /// Whether a valid, immediate (not deferrable), non-partial unique index on exactly
    /// `column` (`uuid` or `key`) rules out duplicates at every moment.
    pub fn has_immediate_unique_index(&self, table: Table, column: &str) -> bool {
        self.table(table).is_some_and(|f| match column {
            "uuid" => f.uuid_unique,
            "key" => f.key_unique,
            _ => false,
        })
    }

    /// Whether one of `columns` has a nondeterministic collation.
    pub fn has_nondeterministic_collation(&self, table: Table, columns: &[&str]) -> bool {
        self.table(table).is_some_and(|f| f.nondeterministic.iter().any(|entry| entry.split_once('\t').is_some_and(|(col, _)| columns.contains(&col))))
    }

    /// Whether an UPDATE of the table runs code of its users — a trigger, or a function or
    /// operator of theirs in a constraint or index — which may write rows of its own: then what
    /// a statement returns need not be what the tables hold, and the run takes the staged path.
    pub fn runs_user_code_on_update(&self, table: Table) -> bool {
        self.table(table).is_some_and(|f| f.user_code_on_update)
    }

    /// The enabled triggers of the table's users, by name.
    pub fn user_triggers(&self, table: Table) -> Vec<String> {
        self.table(table).map(|f| f.user_triggers.clone()).unwrap_or_default()
    }

    /// §11.1 and §11.3: what makes a table unusable for a migration that writes `written` and
    /// matches on `matched` — a foreign key on a column it rewrites (`fk_refused`), a
    /// nondeterministic collation on a column it matches or groups by, a stored generated
    /// column computed from a column it writes. 55000 each, naming the object. Read-only.
    pub fn structure_blockers(&self, table: Table, fk_refused: &[&str], matched: &[&str], written: &[&str], migration: &str) -> Vec<MigError> {
        let Some(f) = self.table(table) else {
            return Vec::new();
        };
        let name = self.qualified(table);
        let split = |entry: &String| entry.split_once('\t').map(|(a, b)| (a.to_string(), b.to_string()));
        let split3 = |entry: &String| {
            let mut parts = entry.splitn(3, '\t');
            Some((parts.next()?.to_string(), parts.next()?.to_string(), parts.next()?.to_string()))
        };
        let mut blockers = Vec::new();
        let fkeys: Vec<(String, String)> = f.foreign_keys.iter().filter_map(split).filter(|(col, _)| fk_refused.contains(&col.as_str())).collect();
        if !fkeys.is_empty() {
            let mut columns: Vec<&str> = fkeys.iter().map(|(col, _)| col.as_str()).collect();
            columns.sort_unstable();
            columns.dedup();
            let fkeys: Vec<String> = fkeys.iter().map(|(col, d)| format!("{d}, on column {col}")).collect();
            blockers.push(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{migration} rewrites {}, which {} foreign key(s) take part in", columns.join(" and "), fkeys.len()),
                )
                .detail(fkeys.join("\n"))
                .hint(format!(
                    "A foreign key on a rewritten column would change or fail on rows outside {name} (ON UPDATE CASCADE, SET NULL, NO ACTION). Drop the constraint for the migration (ALTER TABLE … DROP CONSTRAINT …) and re-create it to match the new keys afterwards."
                )),
            );
        }
        let mut collated: Vec<String> = f
            .nondeterministic
            .iter()
            .filter_map(split)
            .filter(|(col, _)| matched.contains(&col.as_str()))
            .map(|(col, coll)| format!("column {name}.{} has the nondeterministic collation {}", quote_identifier(&col), quote_identifier(&coll)))
            .collect();
        // An index's own collation decides what its unique keys collide on.
        collated.extend(
            f.index_collations.iter().filter_map(split3).filter(|(col, _, _)| matched.contains(&col.as_str()) || written.contains(&col.as_str())).map(
                |(col, coll, index)| {
                    format!("index {index} compares column {} with the nondeterministic collation {}", quote_identifier(&col), quote_identifier(&coll))
                },
            ),
        );
        if !collated.is_empty() {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{migration} cannot match the values of {name}: {} column(s) or index column(s) use a nondeterministic collation", collated.len()),
                )
                .detail(collated.join("\n"))
                .hint("The migration's rules compare keys, names and providers byte for byte (LIKE, equality, grouping). Give the column a deterministic collation (ALTER TABLE … ALTER COLUMN … TYPE … COLLATE \"C\") or re-create the index without its COLLATE clause, then run it again."),
            );
        }
        let classed: Vec<String> = f
            .user_opclasses
            .iter()
            .filter_map(split3)
            .filter(|(col, _, _)| matched.contains(&col.as_str()) || written.contains(&col.as_str()))
            .map(|(col, index, class)| format!("index {index} on column {} uses the operator class {class}", quote_identifier(&col)))
            .collect();
        if !classed.is_empty() {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{migration} cannot rely on the indexes of {name}: {} index column(s) compare with an operator class of its users", classed.len()),
                )
                .detail(classed.join("\n"))
                .hint("Its equality need not be the migration's, which compares keys, names and providers byte for byte: a key the pre-flight finds free could collide in that index. Re-create the index with the column's default operator class for the migration, then run it again."),
            );
        }
        let generated: Vec<String> = f
            .generated_from
            .iter()
            .filter_map(split)
            .filter(|(input, _)| written.contains(&input.as_str()))
            .map(|(input, gen)| format!("column {name}.{} is generated from {}", quote_identifier(&gen), quote_identifier(&input)))
            .collect();
        // The unique index on key alone is PhoenixKit's own: the pre-flights find every key it
        // would refuse. Any other constraint on a written column would stop the rewrite half-way
        // with its own error, or hold only by chance.
        let constrained: Vec<String> = f
            .constraints
            .iter()
            .filter_map(split3)
            .filter(|(col, _, kind)| written.contains(&col.as_str()) && !(col == "key" && kind == "plain_unique"))
            .map(|(col, descr, _)| format!("{descr} on column {}", quote_identifier(&col)))
            .collect();
        if !constrained.is_empty() {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{migration} writes columns of {name} that {} constraint(s) of its users check", constrained.len()),
                )
                .detail(constrained.join("\n"))
                .hint("Its pre-flight cannot tell which rows such a constraint would refuse. Drop it for the migration and re-create it afterwards, then run it again."),
            );
        }
        if !generated.is_empty() {
            blockers.push(
                MigError::new(
                    Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                    format!("{migration} would change generated columns of {name} that its plan does not show"),
                )
                .detail(generated.join("\n"))
                .hint("Drop the generated column for the migration (or make it an ordinary column), then run it again and re-create it afterwards."),
            );
        }
        blockers
    }
}

/// The catalog read (catalog.sql) with its rare facts (catalog_rare.sql) filled in, or with
/// NULLs in their place: `rare` false is the statement a run reads first, and all it needs
/// when no table can have such facts (the cheaper statement to parse and plan on a new backend).
pub fn catalog_sql(schema: &str, spelling: crate::sql::Spelling, rare: bool) -> crate::sql::Sql {
    use crate::sql::{template, Fill, Hole, Sql};
    // The schema travels as a literal, not a parameter: the statement then has a generic
    // plan, made once per backend and schema (planning is most of its cost).
    let rare_facts = if rare {
        template!("catalog_rare").render_spelled(schema, spelling, &[])
    } else {
        Sql::fixed("SELECT NULL::text[] AS user_opclasses, NULL::text[] AS index_collations, NULL::text[] AS foreign_keys, NULL::text[] AS generated_from")
    };
    template!("catalog").render_spelled(
        schema,
        spelling,
        &[(Hole::SchemaLiteral, Fill::Literal(Some(schema))), (Hole::RareFacts, Fill::Statement(&rare_facts))],
    )
}

/// The catalog reads of the schema last asked about, each planned once per backend: planning
/// them costs more than running them, and a run reads the catalog twice when a lock is busy
/// (before and under the locks). PostgreSQL's plan cache re-plans one if the catalog's own
/// definition changes.
struct CatalogReads {
    schema: String,
    without_rare: pgrx::spi::OwnedPreparedStatement,
    with_rare: Option<pgrx::spi::OwnedPreparedStatement>,
}

thread_local! {
    static CATALOG_READS: std::cell::RefCell<Option<CatalogReads>> = const { std::cell::RefCell::new(None) };
}

/// One read of the catalog for `schema`: whether it exists, and the facts.
fn read_facts(schema: &str) -> (bool, Facts) {
    Spi::connect(|c| {
        CATALOG_READS.with(|cached| {
            let mut cached = cached.borrow_mut();
            if cached.as_ref().is_none_or(|reads| reads.schema != schema) {
                *cached = Some(CatalogReads {
                    schema: schema.to_string(),
                    without_rare: c.prepare(catalog_sql(schema, crate::sql::Spelling::AsIs, false).as_str(), &[])?.keep(),
                    with_rare: None,
                });
            }
            let reads = cached.as_mut().expect("prepared above");
            // Once a table of this schema had rare facts, the whole read is the one to make:
            // it is always right, and reading the other first would read the catalog twice.
            if reads.with_rare.is_none() {
                let (present, facts, rare) = facts_of(c.select(&reads.without_rare, None, &[])?)?;
                if !rare {
                    return Ok::<_, pgrx::spi::Error>((present, facts));
                }
                reads.with_rare = Some(c.prepare(catalog_sql(schema, crate::sql::Spelling::AsIs, true).as_str(), &[])?.keep());
            }
            let (present, facts, _) = facts_of(c.select(reads.with_rare.as_ref().expect("prepared above"), None, &[])?)?;
            Ok((present, facts))
        })
    })
    .expect("catalog lookup")
}

/// The facts of one catalog read, and whether a table can have rare facts (then the read
/// without them is not the whole truth).
fn facts_of(rows: pgrx::spi::SpiTupleTable) -> Result<(bool, Facts, bool), pgrx::spi::Error> {
    let mut facts = Facts::default();
    let mut present = false;
    let mut rare = false;
    for (i, tuple) in rows.enumerate() {
        let get_bool = |col: &str| tuple.get_by_name::<bool, _>(col).map(|v| v.unwrap_or(false));
        rare |= get_bool("rare_facts")?;
        present = get_bool("schema_present")?;
        facts.schema_usage = get_bool("schema_usage")?;
        facts.temp_allowed = get_bool("temp_allowed")?;
        if !get_bool("present")? {
            continue;
        }
        facts.tables[i] = Some(TableFacts {
            relkind: tuple.get_by_name::<String, _>("relkind")?.unwrap_or_default(),
            has_parent: get_bool("has_parent")?,
            has_children: get_bool("has_children")?,
            rules: tuple.get_by_name::<Vec<String>, _>("rules")?.unwrap_or_default(),
            columns: tuple.get_by_name::<Vec<String>, _>("columns")?.unwrap_or_default(),
            key_max: tuple.get_by_name::<i32, _>("key_max")?,
            module_max: tuple.get_by_name::<i32, _>("module_max")?,
            can_select: get_bool("can_select")?,
            can_update: get_bool("can_update")?,
            can_lock_share: get_bool("can_lock_share")?,
            is_owner: get_bool("is_owner")?,
            can_create_in_schema: get_bool("can_create_in_schema")?,
            rls_active: get_bool("rls_active")?,
            uuid_unique: get_bool("uuid_unique")?,
            key_unique: get_bool("key_unique")?,
            user_code_on_update: get_bool("user_code_on_update")?,
            user_triggers: tuple.get_by_name::<Vec<String>, _>("user_triggers")?.unwrap_or_default(),
            foreign_keys: tuple.get_by_name::<Vec<String>, _>("foreign_keys")?.unwrap_or_default(),
            nondeterministic: tuple.get_by_name::<Vec<String>, _>("nondeterministic")?.unwrap_or_default(),
            index_collations: tuple.get_by_name::<Vec<String>, _>("index_collations")?.unwrap_or_default(),
            user_opclasses: tuple.get_by_name::<Vec<String>, _>("user_opclasses")?.unwrap_or_default(),
            generated_from: tuple.get_by_name::<Vec<String>, _>("generated_from")?.unwrap_or_default(),
            constraints: tuple.get_by_name::<Vec<String>, _>("constraints")?.unwrap_or_default(),
            comment: tuple.get_by_name::<String, _>("comment")?,
        });
    }
    Ok((present, facts, rare))
}

#[cfg(test)]
mod unit {
    use super::Table;

    /// The catalog read returns the tables in the order of its own list, which `read_facts`
    /// takes to be `Table`'s order.
    #[test]
    fn catalog_read_lists_the_tables_in_table_order() {
        let names: Vec<String> = Table::ALL.iter().map(|t| format!("'{}'", t.name())).collect();
        let list = format!("ARRAY[{}]", names.join(", "));
        assert!(include_str!("../sql/queries/catalog.sql").contains(&list), "catalog.sql must unnest {list}");
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use crate::test_support::*;
    use pgrx::prelude::*;

    /// Each table's row of a catalog read as jsonb, and its rare facts alone.
    fn read(rare: bool) -> Vec<(serde_json::Value, serde_json::Value)> {
        let sql = super::catalog_sql("public", crate::sql::Spelling::AsIs, rare);
        let rows = one::<pgrx::JsonB>(&format!(
            "SELECT jsonb_agg(jsonb_build_array(to_jsonb(f), jsonb_build_array(f.user_opclasses, f.index_collations, f.foreign_keys, f.generated_from)) ORDER BY f.table_name) FROM ({}) f",
            sql.as_str()
        ))
        .expect("rows")
        .0;
        rows.as_array().unwrap().iter().map(|r| (r[0].clone(), r[1].clone())).collect()
    }

    /// A run reads the catalog without its rare facts (catalog_rare.sql) when no table can have
    /// any: where a table's rare_facts is false, its foreign keys, generated columns and index
    /// columns with users' operator classes are none, and the read without them is the same
    /// read. Each table configuration that has such facts must say so.
    #[pg_test]
    fn rare_facts_are_left_out_only_where_a_table_has_none() {
        let cases: &[(&str, &str)] = &[
            ("plain", ""),
            // PostgreSQL 18: a foreign key that is not enforced has no triggers.
            (
                "a foreign key not enforced",
                "DO $$ BEGIN IF current_setting('server_version_num')::int >= 180000 THEN \
                 EXECUTE 'CREATE TABLE public.other (k varchar(255) REFERENCES public.phoenix_kit_settings (key) ON UPDATE CASCADE NOT ENFORCED)'; \
                 ELSE CREATE TABLE public.other (k varchar(255) REFERENCES public.phoenix_kit_settings (key) ON UPDATE CASCADE); END IF; END $$",
            ),
            ("a foreign key of another table on key", "CREATE TABLE public.other (k varchar(255) REFERENCES public.phoenix_kit_settings (key) ON UPDATE CASCADE)"),
            ("a foreign key of the endpoints' own", "ALTER TABLE public.phoenix_kit_ai_endpoints ADD FOREIGN KEY (integration_uuid) REFERENCES public.phoenix_kit_settings (uuid)"),
            ("a generated column", "ALTER TABLE public.phoenix_kit_settings ADD COLUMN k2 text GENERATED ALWAYS AS (lower(key)) STORED"),
            ("a user trigger", "CREATE FUNCTION public.t() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'; CREATE TRIGGER t BEFORE UPDATE ON public.phoenix_kit_settings FOR EACH ROW EXECUTE FUNCTION public.t()"),
            (
                "a unique index with a nondeterministic collation",
                "CREATE COLLATION public.nd FROM \"C\"; UPDATE pg_collation SET collisdeterministic = false WHERE collname = 'nd'; \
                 CREATE UNIQUE INDEX ON public.phoenix_kit_settings (key COLLATE public.nd)",
            ),
            (
                "an index with an operator class of the users'",
                "CREATE OPERATOR CLASS public.my_text_ops FOR TYPE text USING btree AS OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 bttextcmp(text, text); \
                 CREATE INDEX ON public.phoenix_kit_settings (key public.my_text_ops)",
            ),
        ];
        for (what, sql) in cases {
            Spi::run(
                "DROP TABLE IF EXISTS public.other; DROP FUNCTION IF EXISTS public.t() CASCADE; DROP OPERATOR CLASS IF EXISTS public.my_text_ops USING btree CASCADE; \
                 DROP COLLATION IF EXISTS public.nd CASCADE",
            )
            .unwrap();
            fixture("public", 114);
            if !sql.is_empty() {
                Spi::run(sql).unwrap_or_else(|e| panic!("{what}: {e}"));
            }
            let (without, with) = (read(false), read(true));
            let mut found = false;
            for ((w, _), (f, rare)) in without.iter().zip(&with) {
                let has_rare = rare.as_array().unwrap().iter().any(|v| !v.is_null());
                found |= has_rare;
                if f["rare_facts"] == serde_json::json!(false) {
                    assert!(!has_rare, "{what}: {} says it has no rare facts, but has {rare}", f["table_name"]);
                    assert_eq!(w, f, "{what}: the read without rare facts differs");
                }
            }
            assert_eq!(found, *what != "plain" && *what != "a user trigger", "{what}: rare facts found: {with:?}");
        }
    }
}
