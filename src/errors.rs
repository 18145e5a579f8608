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

    /// A failure of the program itself (never of the data): XX000 with what failed.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        MigError::new(PgSqlErrorCode::ERRCODE_INTERNAL_ERROR, format!("phoenix_kit_mig: internal error: {what}"))
            .hint("Please report this with the statement that raised it.")
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

impl From<pgrx::spi::Error> for MigError {
    fn from(e: pgrx::spi::Error) -> Self {
        MigError::internal(format!("SPI: {e}"))
    }
}

impl From<MigError> for ErrorReport {
    fn from(e: MigError) -> Self {
        let mut report = ErrorReport::new(e.code, e.message, "phoenix_kit_mig");
        if let Some(detail) = e.detail {
            report = report.set_detail(detail);
        }
        if let Some(hint) = e.hint {
            report = report.set_hint(hint);
        }
        report
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

impl<T> OrRaise<T> for Result<T, pgrx::spi::Error> {
    fn or_raise(self) -> T {
        self.map_err(MigError::from).or_raise()
    }
}

// ---------------------------------------------------------------------------------------------
// Errors raised by PostgreSQL (a user's trigger, a constraint) while a migration runs.
//
// pgrx turns a PostgreSQL error caught at its FFI boundary into a Rust value whose code is an
// enum of the SQLSTATEs PostgreSQL defines; a code outside it — a trigger's custom
// `RAISE ... USING ERRCODE = 'PK001'` — becomes XX000. The user's code must reach the caller
// unchanged, so an error-context callback records the raw code of the last ERROR as it is
// raised, and `reraise_with_raw_code` raises the caught error again with that code.

use std::sync::atomic::{AtomicI32, Ordering};

/// Raw `sqlerrcode` of the last error raised while a migration's steps ran; 0 when none.
static LAST_RAW_CODE: AtomicI32 = AtomicI32::new(0);

unsafe extern "C-unwind" fn remember_error_code(_arg: *mut std::ffi::c_void) {
    // Called by errfinish() for every report on its way out, before the longjmp of an ERROR.
    // SAFETY: geterrcode() reads the error being reported; it cannot fail here.
    let code = unsafe { pgrx::pg_sys::geterrcode() };
    LAST_RAW_CODE.store(code, Ordering::Relaxed);
}

/// Runs `f` with the raw-code recorder on PostgreSQL's error-context stack.
pub fn with_raw_error_codes<R>(f: impl FnOnce() -> R) -> R {
    LAST_RAW_CODE.store(0, Ordering::Relaxed);
    let mut callback = pgrx::pg_sys::ErrorContextCallback {
        // SAFETY: reading the backend-global stack head.
        previous: unsafe { pgrx::pg_sys::error_context_stack },
        callback: Some(remember_error_code),
        arg: std::ptr::null_mut(),
    };
    // SAFETY: `callback` outlives its place on the stack: it is popped below on success, and
    // on error PostgreSQL's (or pgrx's) error recovery restores the stack it saved before.
    unsafe { pgrx::pg_sys::error_context_stack = &mut callback };
    let guard = PopOnDrop(callback.previous);
    let r = f();
    drop(guard);
    r
}

struct PopOnDrop(*mut pgrx::pg_sys::ErrorContextCallback);
impl Drop for PopOnDrop {
    fn drop(&mut self) {
        // SAFETY: restores the stack head saved when the callback was pushed.
        unsafe { pgrx::pg_sys::error_context_stack = self.0 };
    }
}

/// Raises a PostgreSQL error caught from SPI again, with the raw SQLSTATE it was raised with
/// when pgrx could not represent that code.
pub fn reraise(error: pgrx::pg_sys::panic::CaughtError) -> ! {
    use pgrx::pg_sys::panic::CaughtError;
    let raw = LAST_RAW_CODE.load(Ordering::Relaxed);
    match &error {
        CaughtError::PostgresError(report)
            if report.sql_error_code() == PgSqlErrorCode::ERRCODE_INTERNAL_ERROR && raw != 0 && raw != PgSqlErrorCode::ERRCODE_INTERNAL_ERROR as i32 =>
        {
            raise_raw(raw, report.message(), report.detail(), report.hint())
        }
        _ => error.rethrow(),
    }
}

fn raise_raw(code: i32, message: &str, detail: Option<&str>, hint: Option<&str>) -> ! {
    use std::ffi::CString;
    use std::os::raw::{c_char, c_int};
    unsafe extern "C-unwind" {
        fn errstart(elevel: c_int, domain: *const c_char) -> bool;
        fn errcode(sqlerrcode: c_int) -> c_int;
        fn errmsg(fmt: *const c_char, ...) -> c_int;
        fn errdetail(fmt: *const c_char, ...) -> c_int;
        fn errhint(fmt: *const c_char, ...) -> c_int;
        fn errfinish(filename: *const c_char, lineno: c_int, funcname: *const c_char);
    }
    let cstr = |s: &str| CString::new(s.replace('\0', "")).unwrap_or_default();
    let (message, detail, hint) = (cstr(message), detail.map(cstr), hint.map(cstr));
    let percent_s = c"%s";
    // SAFETY: the ereport() protocol, as pgrx's own do_ereport follows it; ERROR does not
    // return. The CStrings are copied by errmsg/errdetail/errhint before errfinish.
    unsafe {
        if errstart(PgLogLevel::ERROR as c_int, std::ptr::null()) {
            errcode(code);
            errmsg(percent_s.as_ptr(), message.as_ptr());
            if let Some(d) = &detail {
                errdetail(percent_s.as_ptr(), d.as_ptr());
            }
            if let Some(h) = &hint {
                errhint(percent_s.as_ptr(), h.as_ptr());
            }
            errfinish(c"errors.rs".as_ptr(), line!() as c_int, std::ptr::null());
        }
    }
    unreachable!("ERROR-level reports do not return")
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

/// A blocker a pre-flight counts row by row, as data: the summary query's column with the
/// count (its first rows in `<count>_rows`), the SQLSTATE, the message and the HINT. Each
/// migration lists its own in one table; `RowBlocker::found` turns a summary row into errors.
pub struct RowBlocker {
    pub count: &'static str,
    pub code: PgSqlErrorCode,
    pub message: fn(&Counted) -> String,
    pub hint: &'static str,
}

/// What a blocker's message may name: how many rows, the table (quoted, schema-qualified),
/// and the length limit of the column concerned (None: unlimited).
pub struct Counted<'a> {
    pub n: i64,
    pub table: &'a str,
    pub limit: Option<i32>,
}

impl RowBlocker {
    /// `VALUES (name, SQLSTATE), …` of `blockers`, for a preview that names a row's blocker
    /// (its `blocked` rows then carry the SQLSTATE the run raises).
    pub fn codes(blockers: &[RowBlocker]) -> crate::sql::Sql {
        let mut sql = crate::sql::Sql::fixed("VALUES ");
        for (i, b) in blockers.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" });
            sql.literal(Some(b.count)).push(", ").literal(Some(&sqlstate_of(b.code))).push(")");
        }
        sql
    }

    /// The blockers whose count in `row` is above zero, in the table's order.
    pub fn found(blockers: &[RowBlocker], row: &crate::sql::Row, table: &str, limit: Option<i32>) -> Vec<MigError> {
        blockers
            .iter()
            .filter_map(|b| {
                let n = row.count(b.count);
                (n > 0).then(|| {
                    MigError::new(b.code, (b.message)(&Counted { n, table, limit }))
                        .detail(phoenix_kit_mig_core::detail_lines(&row.lines(&format!("{}_rows", b.count)), n as usize))
                        .hint(b.hint)
                })
            })
            .collect()
    }
}
