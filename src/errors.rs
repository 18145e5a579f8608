//! Errors raised by the migrations: a SQLSTATE, a message naming the schema and table, a
//! DETAIL listing the offending rows and a HINT saying how to fix the data.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

pub use pgrx::PgSqlErrorCode as Code;

#[derive(Debug, Clone, PartialEq)]
pub struct MigError {
    pub code: PgSqlErrorCode,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl MigError {
    pub fn new(code: PgSqlErrorCode, message: impl Into<String>) -> Self {
        MigError { code, message: message.into(), detail: None, hint: None }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The five-character SQLSTATE, as `pk_migration_status` reports it.
    pub fn sqlstate(&self) -> String {
        sqlstate_of(self.code)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "sqlstate": self.sqlstate(),
            "message": self.message,
            "detail": self.detail,
            "hint": self.hint,
        })
    }

    /// Raise as a PostgreSQL ERROR; the caller's transaction (or our dry-run subtransaction)
    /// is rolled back by PostgreSQL, so nothing done so far survives.
    pub fn raise(self) -> ! {
        let mut report = ErrorReport::new(self.code, self.message, "phoenix_kit_mig");
        if let Some(detail) = self.detail {
            report = report.set_detail(detail);
        }
        if let Some(hint) = self.hint {
            report = report.set_hint(hint);
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("ERROR-level reports do not return")
    }
}

/// Decodes PostgreSQL's packed error code (MAKE_SQLSTATE) back into its five characters.
pub fn sqlstate_of(code: PgSqlErrorCode) -> String {
    let mut packed = code as u32;
    let mut out = String::with_capacity(5);
    for _ in 0..5 {
        out.push(char::from(((packed & 0x3f) as u8) + b'0'));
        packed >>= 6;
    }
    out
}

/// Shorthand for results whose error is raised by the caller.
pub type MigResult<T> = Result<T, MigError>;

pub trait OrRaise<T> {
    fn or_raise(self) -> T;
}

impl<T> OrRaise<T> for MigResult<T> {
    fn or_raise(self) -> T {
        match self {
            Ok(v) => v,
            Err(e) => e.raise(),
        }
    }
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use super::*;
    use pgrx::prelude::*;

    #[pg_test]
    fn sqlstate_decoding_matches_postgres() {
        assert_eq!(sqlstate_of(Code::ERRCODE_UNIQUE_VIOLATION), "23505");
        assert_eq!(sqlstate_of(Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), "55000");
        assert_eq!(sqlstate_of(Code::ERRCODE_INVALID_PARAMETER_VALUE), "22023");
        assert_eq!(sqlstate_of(Code::ERRCODE_NULL_VALUE_NOT_ALLOWED), "22004");
    }
}
