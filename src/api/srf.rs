//! Set-returning functions in PostgreSQL's materialize mode, built directly because
//! `vitals.statements` has more columns than pgrx's table iterators support: rows of
//! datums, arguments, and errors raised with their SQLSTATE.

use crate::store;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgSqlErrorCode};

/// Declares a C function to PostgreSQL as version-1 calling convention (PG_FUNCTION_INFO_V1).
macro_rules! finfo_v1 {
    ($name:ident) => {
        #[no_mangle]
        pub extern "C" fn $name() -> &'static ::pgrx::pg_sys::Pg_finfo_record {
            const V1: ::pgrx::pg_sys::Pg_finfo_record =
                ::pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
}
pub(super) use finfo_v1;

/// Raises an ERROR with a hint.
pub(super) fn raise(code: PgSqlErrorCode, message: String, hint: &str) -> ! {
    let mut report = pg_sys::panic::ErrorReport::new(code, message, "pg_vitals");
    if !hint.is_empty() {
        report = report.set_hint(hint);
    }
    report.report(pgrx::PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Raised when a function needs the store but pg_vitals was not preloaded.
pub(super) fn require_store() {
    if !store::available() {
        raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "pg_vitals must be loaded via shared_preload_libraries".into(),
            "Add pg_vitals to shared_preload_libraries in postgresql.conf and restart the server.",
        );
    }
}

/// A row being built for a materialized set-returning function.
pub(super) struct Row {
    values: Vec<Datum>,
    nulls: Vec<bool>,
}

impl Row {
    pub(super) fn with_capacity(n: usize) -> Self {
        Row {
            values: Vec::with_capacity(n),
            nulls: Vec::with_capacity(n),
        }
    }
    pub(super) fn push(&mut self, d: Option<Datum>) {
        self.nulls.push(d.is_none());
        self.values.push(d.unwrap_or(Datum::from(0)));
    }
    pub(super) fn i64(&mut self, v: i64) {
        self.push(Some(Datum::from(v)));
    }
    pub(super) fn f64(&mut self, v: f64) {
        self.push(v.into_datum());
    }
    pub(super) fn timestamptz(&mut self, v: i64) {
        // A TimestampTz is an int64 passed by value.
        self.push(if v == 0 { None } else { Some(Datum::from(v)) });
    }
}

/// Starts a materialized result set and returns its tuplestore and descriptor.
///
/// # Safety
/// `fcinfo` must be the call info of a function declared to return a set of records.
pub(super) unsafe fn materialize(
    fcinfo: FunctionCallInfo,
) -> (*mut pg_sys::Tuplestorestate, pg_sys::TupleDesc) {
    pg_sys::InitMaterializedSRF(fcinfo, 0);
    let rsinfo = &*((*fcinfo).resultinfo as *const pg_sys::ReturnSetInfo);
    (rsinfo.setResult, rsinfo.setDesc)
}

/// # Safety
/// The row must match the descriptor.
pub(super) unsafe fn put(ts: *mut pg_sys::Tuplestorestate, desc: pg_sys::TupleDesc, row: &mut Row) {
    if (*desc).natts as usize != row.values.len() {
        raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!(
                "pg_vitals' SQL objects are older than its library ({} columns instead of {})",
                (*desc).natts,
                row.values.len()
            ),
            "Run ALTER EXTENSION pg_vitals UPDATE.",
        );
    }
    pg_sys::tuplestore_putvalues(ts, desc, row.values.as_mut_ptr(), row.nulls.as_mut_ptr());
}

/// Columns of the advice functions' rows.
impl Row {
    /// A text column, in the database's encoding.
    pub(super) fn text(&mut self, s: Option<&str>) {
        self.push(s.map(|s| {
            let bytes = crate::server_text::to_server(s);
            // SAFETY: copies the bytes into a palloc'd text.
            Datum::from(unsafe {
                pg_sys::cstring_to_text_with_len(bytes.as_ptr().cast(), bytes.len() as i32)
            })
        }));
    }
    pub(super) fn bool(&mut self, b: bool) {
        self.push(Some(Datum::from(b)));
    }
    pub(super) fn float(&mut self, v: Option<f64>) {
        match v.filter(|v| v.is_finite()) {
            Some(v) => self.f64(v),
            None => self.push(None),
        }
    }
    pub(super) fn int(&mut self, v: Option<f64>) {
        self.push(
            v.filter(|v| v.is_finite())
                .map(|v| Datum::from(v.round() as i64)),
        );
    }
    pub(super) fn time(&mut self, v: Option<i64>) {
        self.push(v.map(Datum::from));
    }
}

/// A query text as `text`, converted from the encoding it was recorded in.
pub(super) fn text_datum(bytes: &[u8], encoding: i32) -> Datum {
    let bytes = crate::server_text::from_encoding(bytes, encoding);
    // SAFETY: copies the bytes into a palloc'd text.
    Datum::from(unsafe {
        pg_sys::cstring_to_text_with_len(bytes.as_ptr().cast(), bytes.len() as i32)
    })
}

/// What a hidden query text or plan reads.
pub(super) fn insufficient_privilege() -> Datum {
    // SAFETY: a plain read of backend state.
    text_datum(b"<insufficient privilege>", unsafe {
        pg_sys::GetDatabaseEncoding()
    })
}

/// Argument `n`, which must not be NULL (`hint` says what to pass instead).
///
/// # Safety
/// `fcinfo` must be valid and have at least `n + 1` arguments of type `T`.
pub(super) unsafe fn required<T: pgrx::FromDatum>(
    fcinfo: FunctionCallInfo,
    n: usize,
    name: &str,
    hint: &str,
) -> T {
    match pgrx::fcinfo::pg_getarg::<T>(fcinfo, n) {
        Some(v) => v,
        None => raise(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{name} must not be NULL"),
            hint,
        ),
    }
}

/// Text argument `n` (None for NULL), read from the database's encoding: pgrx's `String`
/// would refuse, with an internal error, text that is not UTF-8 (LATIN1, SQL_ASCII).
///
/// # Safety
/// `fcinfo` must be valid and argument `n` of a text type.
pub(super) unsafe fn text_arg(fcinfo: FunctionCallInfo, n: usize) -> Option<String> {
    let datum = pgrx::fcinfo::pg_getarg_datum(fcinfo, n)?;
    let c = pg_sys::text_to_cstring(datum.cast_mut_ptr());
    Some(crate::server_text::from_server_cstr(c))
}
