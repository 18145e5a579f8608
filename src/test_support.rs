//! Helpers for the #[pg_test]s: the shared fixture (tests/fixtures/phoenix_kit_fixture.sql,
//! the same file the psql-level suite loads) and small queries.
use pgrx::prelude::*;

const FIXTURE: &str = include_str!("../tests/fixtures/phoenix_kit_fixture.sql");

/// Builds PhoenixKit's tables in `schema` at `version` (dropping earlier copies).
pub fn fixture(schema: &str, version: i32) {
    Spi::run(FIXTURE).expect("load fixture functions");
    Spi::run_with_args("SELECT pg_temp.pk_fixture($1, $2)", &[schema.into(), version.into()]).expect("build fixture");
}

pub fn setting(schema: &str, key: &str, value_json: Option<&str>, module: Option<&str>) -> pgrx::Uuid {
    Spi::get_one_with_args("SELECT pg_temp.pk_fixture_setting($1, $2, $3::jsonb, $4)", &[schema.into(), key.into(), value_json.into(), module.into()])
        .expect("insert setting")
        .expect("uuid")
}

pub fn one<T: FromDatum + IntoDatum>(sql: &str) -> Option<T> {
    Spi::get_one::<T>(sql).expect(sql)
}

/// The report of a migration call, e.g. `report("SELECT pk_migrate_v114_up()")`.
pub fn report(sql: &str) -> serde_json::Value {
    one::<pgrx::JsonB>(sql).expect("report").0
}

/// The one "nothing changed" fingerprint of every test layer (tests/fingerprint.sql): every
/// row, column, index, constraint, trigger, policy and rule of `schema` and its version comment.
pub fn fingerprint(schema: &str) -> String {
    Spi::run(include_str!("../tests/fingerprint.sql")).expect("load the fingerprint function");
    Spi::get_one_with_args::<String>("SELECT pg_temp.pk_fingerprint($1)", &[schema.into()]).expect("fingerprint").expect("md5")
}

/// An error as the client sees it.
#[derive(Debug)]
pub struct Failure {
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

/// Runs `sql` in a subtransaction; on error rolls it back and returns the error, so a test can
/// go on to check that nothing changed. On success returns the first column of the first row.
pub fn attempt(sql: &str) -> Result<Option<String>, Failure> {
    use pgrx::pg_sys::panic::CaughtError;
    let query = || Spi::connect_mut(|c| c.update(sql, None, &[])?.first().get::<String>(1)).expect("query");
    crate::runner::subtransaction(std::panic::AssertUnwindSafe(query), true).map_err(|caught| {
        let e = match caught {
            CaughtError::PostgresError(e) | CaughtError::ErrorReport(e) => e,
            CaughtError::RustPanic { ereport, .. } => ereport,
        };
        Failure {
            sqlstate: crate::errors::sqlstate_of(e.sql_error_code()),
            message: e.message().to_string(),
            detail: e.detail().map(str::to_string),
            hint: e.hint().map(str::to_string),
        }
    })
}

/// Asserts that `sql` fails with `sqlstate` and leaves `schema` exactly as it was.
pub fn fails_unchanged(schema: &str, sql: &str, sqlstate: &str) -> Failure {
    let before = fingerprint(schema);
    let failure = attempt(sql).expect_err(sql);
    assert_eq!(failure.sqlstate, sqlstate, "{sql}: {failure:?}");
    assert_eq!(fingerprint(schema), before, "{sql} changed the database although it failed");
    failure
}

pub fn version(schema: &str) -> Option<String> {
    Spi::get_one_with_args(
        "SELECT obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = 'phoenix_kit'",
        &[schema.into()],
    )
    .unwrap()
}

pub fn set_version(schema: &str, version: &str) {
    Spi::run(&format!("COMMENT ON TABLE {} IS {}", pgrx::spi::quote_qualified_identifier(schema, "phoenix_kit"), pgrx::spi::quote_literal(version))).unwrap();
}

/// One settings row as JSON (`key`, `module`, `value_json`, …), looked up by uuid.
pub fn setting_row(schema: &str, uuid: pgrx::Uuid) -> serde_json::Value {
    Spi::get_one_with_args::<pgrx::JsonB>(
        &format!("SELECT to_jsonb(s) FROM {} s WHERE uuid = $1", pgrx::spi::quote_qualified_identifier(schema, "phoenix_kit_settings")),
        &[uuid.into()],
    )
    .unwrap()
    .expect("row")
    .0
}
