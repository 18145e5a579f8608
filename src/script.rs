//! `pk_migration_script(migration, prefix)`: the migration as a guarded SQL script for a
//! database where the extension cannot be installed (docs/behaviour.md §13). It is made on a
//! restored copy of the three tables, from the migration's own plan and preview (the same
//! queries the migration and `pk_migration_plan` run), and changes nothing there.
//!
//! The script is `BEGIN; DO $tag$ … $tag$; COMMIT;`. Its body is sql/queries/script_frame.sql
//! with the migration's parts (sql/queries/script_<migration>.sql) and its data: one JSON
//! array per table of `[uuid, hash, planned values …]`, sorted by uuid, and one digest per
//! table over exactly the values the migration decides by (sql/queries/script_inputs.sql, run
//! on the copy now and on the live rows by the script; the hashes only name differing rows). Every value from the data reaches the
//! script through the renderer's literal or comment quoting.
use crate::errors::MigError;
use crate::registry;
use crate::runner::{self, Checks, Migration, Preflight, Purpose, TableUse};
use crate::sql::{comment_text, sections, template, Fill, Hole, Sections, Spelling, Sql};
use crate::target::{Privilege, Table, Target};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use serde_json::{json, Value};

#[pg_extern(volatile, parallel_unsafe, security_invoker)]
#[search_path(pg_catalog, pg_temp)]
fn pk_migration_script(migration: Option<&str>, prefix: default!(Option<&str>, "'public'")) -> Result<String, ErrorReport> {
    let migration = registry::find(runner::require(migration, "migration")?)?;
    let prefix = runner::require(prefix, "prefix")?;
    Ok((migration.script)(prefix)?)
}

/// What a migration's script reads and writes, beyond its `Spec`.
pub struct Part {
    pub sections: fn() -> &'static Sections,
    /// Which settings rows it reads (None: none).
    pub settings_where: Option<&'static str>,
    /// The text of the values of a settings row `s` it decides by: one SQL expression, each
    /// value quoted (format's %L), so that different values never give the same text.
    pub settings_inputs: &'static str,
    pub reads_endpoints: bool,
    /// The table whose rows it writes (and whose preview rows name them).
    pub written: Table,
    /// The planned values of one preview row `p` (action, before, after) as a jsonb array,
    /// NULL for a row it does not change. Taken in SQL: the values travel as jsonb, never
    /// through a lossy parse (a number beyond f64, deep nesting).
    pub planned: &'static str,
}

/// Catalog facts left out of the comparison between the copy and the database the script runs
/// on: those that depend on the role reading them or on the database (the script checks them
/// itself, where it runs), and the version comment (judged by the version guard). The one
/// facts statement serves both sides, so they are taken out of the copy's facts only.
const NOT_COMPARED: &[&str] = &[
    "schema_present",
    "schema_usage",
    "temp_allowed",
    "can_select",
    "can_update",
    "can_lock_share",
    "is_owner",
    "can_create_in_schema",
    "rls_active",
    "comment",
    // Whether the table can have rare facts, among them another table's foreign key, which a
    // copy of the three tables cannot hold (the foreign keys that matter are compared).
    "rare_facts",
    "user_code_on_update",
    "user_triggers",
];

fn facts_sql<M: Migration>(t: &Target, part: &Part) -> Sql {
    let mut sql = Sql::fixed(
        "SELECT jsonb_build_object('schema_present', bool_or(f.schema_present), 'schema_usage', bool_or(f.schema_usage), \
         'tables', jsonb_object_agg(f.table_name, to_jsonb(f)",
    );
    // Foreign keys count only on the columns the migration refuses them on (section 11.1): a key
    // of another table referencing the endpoints' uuid, which a copy of the three tables cannot
    // hold, is no difference.
    sql.push(
        " || jsonb_build_object('foreign_keys', (SELECT COALESCE(jsonb_agg(k ORDER BY k COLLATE \"C\"), '[]'::jsonb) FROM unnest(f.foreign_keys) k WHERE ",
    );
    let refused: Vec<&TableUse> = M::SPEC.uses.iter().filter(|u| !u.no_foreign_keys.is_empty()).collect();
    if refused.is_empty() {
        sql.push("false");
    } else {
        sql.push("split_part(k, E'\\t', 1) = ANY (CASE f.table_name");
        for u in refused {
            sql.push(" WHEN ").literal(Some(u.table.name())).push(" THEN ARRAY[");
            for (i, column) in u.no_foreign_keys.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.literal(Some(column));
            }
            sql.push("]::text[]");
        }
        sql.push(" ELSE ARRAY[]::text[] END)");
    }
    sql.push(")))");
    if part.reads_endpoints {
        sql.push(", 'indexes', (SELECT COALESCE(jsonb_agg(to_jsonb(x)), '[]'::jsonb) FROM (").statement(&t.render(template!("v107_index"), &[])).push(") x)");
    }
    sql.push(") FROM (").statement(&crate::target::catalog_sql(&t.schema, t.spelling(), true)).push(") f");
    sql
}

fn inputs_sql(t: &Target, part: &Part, endpoints_label: &'static str) -> Vec<(Table, Sql)> {
    let inputs = sections!("script_inputs");
    let mut out = Vec::new();
    if let Some(filter) = part.settings_where {
        out.push((
            Table::Settings,
            t.render(inputs.get("settings"), &[(Hole::Where, Fill::Fragment(filter)), (Hole::Label, Fill::Fragment(part.settings_inputs))]),
        ));
    }
    if part.reads_endpoints {
        out.push((Table::Endpoints, t.render(inputs.get("endpoints"), &[(Hole::Label, Fill::Fragment(endpoints_label))])));
    }
    out
}

/// One table's data: the JSON array text, its guard digest and, for the header, each changed
/// row's line.
struct Data {
    json: String,
    digest: Option<String>,
    changed: Vec<String>,
    rows: i64,
    /// Rows it changes.
    planned: i64,
}

impl Data {
    fn empty() -> Data {
        Data { json: "[]".into(), digest: None, changed: Vec::new(), rows: 0, planned: 0 }
    }
}

/// Reads one table's inputs once (the digest and the data lines both come from them, in one
/// order) and aggregates everything in SQL: one row comes back, however many rows it has.
fn read_data(inputs: &Sql, preview: Option<&Sql>, part: &Part) -> Result<Data, MigError> {
    // The aggregates read `l` in its order (the digest's, see script_inputs.sql).
    let mut sql = Sql::fixed("SELECT ");
    sql.statement(&digest_of_l()).push(
        " AS digest, \
             string_agg(CASE WHEN l.planned IS NULL THEN concat('[', COALESCE('\"' || l.uuid || '\"', 'null'), ',\"', l.hash, '\"]') \
                             ELSE (jsonb_build_array(l.uuid, l.hash) || l.planned)::text END, E',\\n') AS lines, \
             count(*) AS rows, count(l.planned) AS planned, \
             array_agg(format('%s %s: %s', l.action, COALESCE(l.uuid::text, '(no uuid)'), l.reason)) \
               FILTER (WHERE l.action IS NOT NULL) AS changed \
             FROM (SELECT i.*, ",
    );
    match preview {
        Some(p) => {
            sql.push("p.action, p.reason, ")
                .push(part.planned)
                .push(" AS planned FROM (")
                .statement(inputs)
                .push(") i LEFT JOIN (")
                .statement(p)
                .push(") p ON p.row_uuid = i.uuid AND p.relation = i.rel ORDER BY i.uuid, i.input COLLATE \"C\") l");
        }
        None => {
            sql.push("NULL::text AS action, NULL::text AS reason, NULL::jsonb AS planned FROM (")
                .statement(inputs)
                .push(") i ORDER BY i.uuid, i.input COLLATE \"C\") l");
        }
    }
    let data = Spi::connect(|c| {
        let row = c.select(sql.as_str(), Some(1), &[])?.first();
        let lines: Option<String> = row.get_by_name("lines")?;
        Ok::<_, pgrx::spi::Error>(Data {
            json: format!("[\n{}\n]", ascii_json(lines.as_deref().unwrap_or(""))),
            digest: row.get_by_name("digest")?,
            changed: row.get_by_name::<Vec<Option<String>>, _>("changed")?.unwrap_or_default().into_iter().flatten().collect(),
            rows: row.get_by_name::<i64, _>("rows")?.ok_or(pgrx::spi::Error::InvalidPosition)?,
            planned: row.get_by_name::<i64, _>("planned")?.ok_or(pgrx::spi::Error::InvalidPosition)?,
        })
    })?;
    Ok(data)
}

/// A table's guard digest: an aggregate over its decision inputs, read as `l`
/// (sql/queries/script_inputs.sql) — on the copy here, and by the script where it runs.
fn digest_of_l() -> Sql {
    // The section names no table: no schema reaches it.
    sections!("script_inputs").get("digest").render("", &[])
}

/// JSON text with every non-ASCII character as a `\\uXXXX` escape (they occur only inside
/// JSON strings): the script's data then reads the same whatever `client_encoding` the
/// applying psql has (a WIN1252 terminal would otherwise turn "café" into "cafÃ©").
fn ascii_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

pub fn script<M: Migration>(prefix: &str) -> Result<String, MigError> {
    let part = &M::SCRIPT;
    let spec = &M::SPEC;
    let tables: Vec<Table> = spec.tables().collect();
    // Spelled in ASCII: psql converts the script from its client encoding, which need not be
    // UTF-8; a schema name beyond ASCII travels as Unicode escapes.
    let t = Target::resolve(prefix, &tables)?.spelled(Spelling::Ascii);
    // What stops the migration stops the script, except the privileges only applying it needs
    // (the script checks those where it runs).
    let reads: Vec<(Table, &[Privilege])> = spec.locks.iter().map(|(table, _)| (*table, &[Privilege::Select][..])).collect();
    let checks = Checks { privileges: &reads, version: true, force: false, plan: Some(Purpose::Script) };
    let preflight = Preflight::<M>::new(&t, &checks);
    if let Some(first) = preflight.blockers().into_iter().next() {
        return Err(first);
    }
    let (version, plan) = preflight.version_and_plan()?;
    let stamp = spec.rule.stamp_after(version);

    // The copy's facts, as the script will read them where it runs.
    let facts_sql = facts_sql::<M>(&t, part);
    let mut facts: Value = Spi::get_one::<pgrx::JsonB>(facts_sql.as_str())?.map(|j| j.0).unwrap_or(Value::Null);
    let has_pin_column = t.has_column(Table::Endpoints, "integration_uuid", "uuid");
    if let Some(tables) = facts["tables"].as_object_mut() {
        for table in tables.values_mut() {
            if let Some(f) = table.as_object_mut() {
                for key in NOT_COMPARED {
                    f.remove(*key);
                }
            }
        }
    }

    let endpoints_label = if has_pin_column { "e.integration_uuid" } else { "NULL::uuid" };
    let preview = M::preview_sql(&t, &plan);
    let mut settings = Data::empty();
    let mut endpoints = Data::empty();
    let mut inputs = Sql::default();
    // Where the script runs: the same digest of each table it reads, as one jsonb object.
    let mut live_digest = Sql::fixed("SELECT jsonb_build_object(");
    let mut copy_digest = serde_json::Map::new();
    for (i, (table, sql)) in inputs_sql(&t, part, endpoints_label).into_iter().enumerate() {
        let data = read_data(&sql, (table == part.written).then_some(&preview), part)?;
        copy_digest.insert(table.name().to_string(), json!(data.digest));
        match table {
            Table::Settings => settings = data,
            _ => endpoints = data,
        }
        if i > 0 {
            inputs.push("\n    UNION ALL\n    ");
            live_digest.push(", ");
        }
        inputs.push("(").statement(&sql).push(")");
        live_digest.literal(Some(table.name())).push(", (SELECT ").statement(&digest_of_l()).push(" FROM (").statement(&sql).push(") l)");
    }
    live_digest.push(")");
    let ddl = M::ddl(&t, &plan);
    let (mut before, mut after) = (Sql::default(), Sql::default());
    for step in &ddl {
        let target = if step.before_rows { &mut before } else { &mut after };
        target.statement(&step.sql).push(";\n  ");
    }
    let mut locks = t.sql("");
    for (table, mode) in spec.locks {
        locks.push("LOCK TABLE ").relation(&t.schema, table.name()).push(" IN ").push(mode).push(" MODE;\n      ");
    }
    let mut stamp_sql = t.sql("");
    if let Some(n) = stamp {
        stamp_sql.push("COMMENT ON TABLE ").relation(&t.schema, Table::Kit.name()).push(" IS ").literal(Some(&n.to_string())).push(";");
    }
    let access: Vec<Value> = t
        .access_checks(spec.privileges, spec.name)
        .into_iter()
        .map(|c| json!([c.table.map(Table::name), c.fact, c.expected, c.error.sqlstate(), c.error.message, c.error.hint, c.error.detail]))
        .collect();
    // The guard compares texts byte for byte: only a database of the same encoding holds the
    // same bytes for the same values.
    let server_encoding: Option<String> = Spi::get_one("SELECT current_setting('server_encoding')")?;
    let params = json!({
        "migration": spec.name,
        "schema": t.schema,
        "endpoints": t.qualified(Table::Endpoints),
        // How its messages name them: a NOTICE or an error carrying a character the client's
        // encoding lacks would itself fail (22P05), and the script's work with it.
        "shown_schema": crate::sql::ascii_identifier(&t.schema),
        "shown_endpoints": t.sql("").relation(&t.schema, Table::Endpoints.name()).as_str(),
        "from_version": version,
        "final_version": stamp.unwrap_or(version),
        "inputs_digest": copy_digest,
        "stamp": stamp,
        "tables": tables.iter().map(|t| t.name()).collect::<Vec<_>>(),
        "access": access,
        "facts": facts,
        "written": part.written.name(),
        "server_encoding": server_encoding,
    })
    .to_string();
    let params = ascii_json(&params);

    let sections = (part.sections)();
    let section = |name: &str, fills: &[(Hole, Fill)]| -> Sql {
        if sections.has(name) {
            t.render(sections.get(name), fills)
        } else {
            Sql::default()
        }
    };
    let dependents = t.render(template!("v107_down_dependents"), &[]);
    let duplicate_names = t.render(template!("v107_up_preflight"), &[]);
    let recheck_fills = [(Hole::Dependents, Fill::Literal(Some(dependents.as_str()))), (Hole::DuplicateNames, Fill::Literal(Some(duplicate_names.as_str())))];
    let rows = section("rows", &[]);
    let recheck = section("recheck", &recheck_fills);
    let apply = section("apply", &[]);
    let verify = section("verify", &[]);
    let image = section("image", &[]);
    let body = t.render(
        template!("script_frame"),
        &[
            (Hole::Params, Fill::Literal(Some(&params))),
            (Hole::SettingsData, Fill::Literal(Some(&settings.json))),
            (Hole::EndpointsData, Fill::Literal(Some(&endpoints.json))),
            (Hole::Facts, Fill::Statement(&facts_sql)),
            (Hole::Inputs, Fill::Statement(&inputs)),
            (Hole::Digest, Fill::Statement(&live_digest)),
            (Hole::Rows, Fill::Statement(&rows)),
            (Hole::Locks, Fill::Statement(&locks)),
            (Hole::Recheck, Fill::Statement(&recheck)),
            (Hole::Before, Fill::Statement(&before)),
            (Hole::Apply, Fill::Statement(&apply)),
            (Hole::After, Fill::Statement(&after)),
            (Hole::Verify, Fill::Statement(&verify)),
            (Hole::Image, Fill::Statement(&image)),
            (Hole::Stamp, Fill::Statement(&stamp_sql)),
            (Hole::Table, Fill::Relation(part.written)),
        ],
    );
    let body = body.into_string();
    // A dollar-quote tag that nothing in the body (data included) contains.
    let tag =
        (0..).map(|n| if n == 0 { "$pk_mig$".to_string() } else { format!("$pk_mig_{n}$") }).find(|tag| !body.contains(tag.as_str())).expect("a free tag");

    let changed = settings.planned + endpoints.planned;
    let mut out = String::with_capacity(body.len() + 64 * settings.changed.len() + 64 * endpoints.changed.len() + 1024);
    let mut line = |text: &str| {
        out.push_str("-- ");
        out.push_str(&comment_text(text));
        out.push('\n');
    };
    line(&format!("phoenix_kit_mig {}: migration script for {} on schema {}", env!("CARGO_PKG_VERSION"), spec.name, t.quoted_schema()));
    line(&format!(
        "made at version {version}; {}",
        match stamp {
            Some(n) => format!("stamps version {n}"),
            None => "stamps nothing (the version stays)".into(),
        }
    ));
    line(&format!(
        "changes {changed} row(s) of {}; guards the inputs of {} settings row(s) and {} endpoint(s)",
        t.qualified(part.written),
        settings.rows,
        endpoints.rows
    ));
    line("apply: psql -X -v ON_ERROR_STOP=1 -f <this file>, as a role holding the migration's privileges");
    line(&format!("from an Ecto migration: execute the DO block alone, from DO to its closing {tag};"));
    for step in &ddl {
        line(&format!("ddl: {}", step.sql.as_str()));
    }
    for row in settings.changed.iter().chain(endpoints.changed.iter()) {
        line(row);
    }
    out.push_str("BEGIN;\nDO ");
    out.push_str(&tag);
    out.push('\n');
    out.push_str(&body);
    out.push_str(&tag);
    out.push_str(";\nCOMMIT;\n");
    Ok(out)
}
