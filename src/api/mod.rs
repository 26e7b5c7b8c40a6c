//! The SQL surface: every function and view pg_vitals exposes.
//!
//! The SQL declarations live in `surface.sql` beside this file (names, defaults, grants);
//! the functions are implemented here. Set-returning functions use PostgreSQL's
//! materialize mode directly because `vitals.statements` has more columns than pgrx's
//! table iterators support.

use crate::store::{
    self,
    counters::{Counters, Kind},
    table::{Arena, PlanInfo},
};
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgSqlErrorCode};

pgrx::extension_sql_file!("surface.sql", name = "surface", finalize);

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

/// Raises an ERROR with a hint.
fn raise(code: PgSqlErrorCode, message: String, hint: &str) -> ! {
    let mut report = pg_sys::panic::ErrorReport::new(code, message, "pg_vitals");
    if !hint.is_empty() {
        report = report.set_hint(hint);
    }
    report.report(pgrx::PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Raised when a function needs the store but pg_vitals was not preloaded.
fn require_store() {
    if !store::available() {
        raise(
            PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            "pg_vitals must be loaded via shared_preload_libraries".into(),
            "Add pg_vitals to shared_preload_libraries in postgresql.conf and restart the server.",
        );
    }
}

/// A row being built for a materialized set-returning function.
struct Row {
    values: Vec<Datum>,
    nulls: Vec<bool>,
}

impl Row {
    fn with_capacity(n: usize) -> Self {
        Row {
            values: Vec::with_capacity(n),
            nulls: Vec::with_capacity(n),
        }
    }
    fn push(&mut self, d: Option<Datum>) {
        self.nulls.push(d.is_none());
        self.values.push(d.unwrap_or(Datum::from(0)));
    }
    fn i64(&mut self, v: i64) {
        self.push(Some(Datum::from(v)));
    }
    fn f64(&mut self, v: f64) {
        self.push(v.into_datum());
    }
    fn timestamptz(&mut self, v: i64) {
        // A TimestampTz is an int64 passed by value.
        self.push(if v == 0 { None } else { Some(Datum::from(v)) });
    }
}

/// Starts a materialized result set and returns its tuplestore and descriptor.
///
/// # Safety
/// `fcinfo` must be the call info of a function declared to return a set of records.
unsafe fn materialize(
    fcinfo: FunctionCallInfo,
) -> (*mut pg_sys::Tuplestorestate, pg_sys::TupleDesc) {
    pg_sys::InitMaterializedSRF(fcinfo, 0);
    let rsinfo = &*((*fcinfo).resultinfo as *const pg_sys::ReturnSetInfo);
    (rsinfo.setResult, rsinfo.setDesc)
}

/// # Safety
/// The row must match the descriptor.
unsafe fn put(ts: *mut pg_sys::Tuplestorestate, desc: pg_sys::TupleDesc, row: &mut Row) {
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

/// A query text as `text`, converted from the encoding it was recorded in.
fn text_datum(bytes: &[u8], encoding: i32) -> Datum {
    let bytes = crate::server_text::from_encoding(bytes, encoding);
    // SAFETY: copies the bytes into a palloc'd text.
    Datum::from(unsafe {
        pg_sys::cstring_to_text_with_len(bytes.as_ptr().cast(), bytes.len() as i32)
    })
}

/// Who is reading, for pg_stat_statements' privilege rule: other users' query ids, texts
/// and plans are shown only to members of pg_read_all_stats.
pub(crate) struct Reader {
    pub(crate) userid: u32,
    pub(crate) sees_all: bool,
}

impl Reader {
    pub(crate) fn current() -> Self {
        // SAFETY: backend state and a catalog lookup, in a transaction.
        unsafe {
            let me = pg_sys::GetUserId();
            Reader {
                userid: me.into(),
                sees_all: pg_sys::has_privs_of_role(
                    me,
                    pg_sys::Oid::from(pg_sys::ROLE_PG_READ_ALL_STATS),
                ),
            }
        }
    }

    fn sees(&self, key: &store::table::Key) -> bool {
        self.sees_all || key.userid == self.userid
    }
}

/// What a hidden query text or plan reads.
fn insufficient_privilege() -> Datum {
    // SAFETY: a plain read of backend state.
    text_datum(b"<insufficient privilege>", unsafe {
        pg_sys::GetDatabaseEncoding()
    })
}

fn push_counters(row: &mut Row, c: &Counters) {
    for kind in [Kind::Plan, Kind::Exec] {
        let k = kind as usize;
        row.i64(c.calls[k]);
        row.f64(c.total_time[k]);
        row.f64(c.min_time[k]);
        row.f64(c.max_time[k]);
        row.f64(c.mean_time[k]);
        row.f64(c.stddev(kind));
    }
    let r = &c.resources;
    row.i64(c.rows);
    for v in [
        r.shared_blks_hit,
        r.shared_blks_read,
        r.shared_blks_dirtied,
        r.shared_blks_written,
        r.local_blks_hit,
        r.local_blks_read,
        r.local_blks_dirtied,
        r.local_blks_written,
        r.temp_blks_read,
        r.temp_blks_written,
    ] {
        row.i64(v);
    }
    for v in [
        r.blk_read_time,
        r.blk_write_time,
        r.temp_blk_read_time,
        r.temp_blk_write_time,
    ] {
        row.f64(v);
    }
    row.i64(r.wal_records);
    row.i64(r.wal_fpi);
    row.push(pgrx::AnyNumeric::from(r.wal_bytes).into_datum());
    row.i64(c.jit_functions);
    row.f64(c.jit_generation_time);
    row.i64(c.jit_inlining_count);
    row.f64(c.jit_inlining_time);
    row.i64(c.jit_optimization_count);
    row.f64(c.jit_optimization_time);
    row.i64(c.jit_emission_count);
    row.f64(c.jit_emission_time);
    let exec = Kind::Exec as usize;
    for p in c
        .exec_histogram
        .quantiles(PERCENTILES, c.min_time[exec], c.max_time[exec])
    {
        row.push(p.and_then(|v| v.into_datum()));
    }
    row.i64(c.errors);
    row.f64(c.error_time);
    if c.errors > 0 {
        let state = store::counters::sqlstate_text(c.last_sqlstate);
        // SAFETY: a plain read of backend state.
        let encoding = unsafe { pg_sys::GetDatabaseEncoding() };
        row.push(Some(text_datum(state.as_bytes(), encoding)));
    } else {
        row.push(None);
    }
    row.timestamptz(c.last_error_at);
}

/// p50, p90, p95, p99 and p99.9 of the execution time, the view's last columns.
const PERCENTILES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 0.999];

/// One entry copied out of shared memory, so that no lock is held while building rows.
struct Snapshot {
    key: store::table::Key,
    encoding: i32,
    text: Option<Vec<u8>>,
    counters: Counters,
}

finfo_v1!(pg_finfo_vitals_statements);

/// `vitals._statements(showtext boolean)`: the rows behind `vitals.statements`.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_statements(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let showtext = pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 0).unwrap_or(true);
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let snapshot: Vec<Snapshot> = store::with_shared(|t, g| {
        t.entries(g)
            .filter_map(|(m, e)| {
                let counters = e.counters.read();
                // Entries that never ran (text remembered at parse time) are not shown.
                (!counters.is_sticky()).then(|| Snapshot {
                    key: m.key,
                    encoding: m.encoding,
                    text: if showtext {
                        t.text(&m, g).map(|s| s.to_vec())
                    } else {
                        None
                    },
                    counters,
                })
            })
            .collect()
    })
    .unwrap_or_default();
    for s in &snapshot {
        let mut row = Row::with_capacity(52);
        row.push(Some(Datum::from(s.key.userid)));
        row.push(Some(Datum::from(s.key.dbid)));
        row.push(Some(Datum::from(s.key.toplevel())));
        if reader.sees(&s.key) {
            row.i64(s.key.queryid);
            row.push(s.text.as_ref().map(|t| text_datum(t, s.encoding)));
        } else {
            row.push(None);
            row.push(showtext.then(insufficient_privilege));
        }
        push_counters(&mut row, &s.counters);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

/// A captured plan copied out of shared memory; `text` None when the reader may not see it.
struct PlanSnapshot {
    key: store::table::Key,
    encoding: i32,
    info: PlanInfo,
    text: Option<Vec<u8>>,
}

finfo_v1!(pg_finfo_vitals_plans);

/// `vitals._plans()`: the rows behind `vitals.plans`, one per entry with a captured plan.
/// Other users' query ids and plans are hidden unless the caller has pg_read_all_stats.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_plans(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let snapshot: Vec<PlanSnapshot> = store::with_shared(|t, g| {
        t.entries(g)
            .filter_map(|(m, _)| {
                t.plan(&m, g).map(|p| PlanSnapshot {
                    key: m.key,
                    encoding: m.encoding,
                    info: p.info,
                    text: reader.sees(&m.key).then(|| p.text.to_vec()),
                })
            })
            .collect()
    })
    .unwrap_or_default();
    for s in &snapshot {
        let mut row = Row::with_capacity(8);
        row.push(Some(Datum::from(s.key.userid)));
        row.push(Some(Datum::from(s.key.dbid)));
        row.push(s.text.is_some().then(|| Datum::from(s.key.queryid)));
        row.push(Some(Datum::from(s.key.toplevel())));
        row.timestamptz(s.info.captured_at);
        row.f64(s.info.exec_time);
        row.push(Some(Datum::from(s.info.instrumented != 0)));
        row.push(Some(match &s.text {
            Some(text) => text_datum(text, s.encoding),
            None => insufficient_privilege(),
        }));
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_histogram);

/// `vitals.histogram(queryid, userid, dbid, toplevel)`: the execution-time histogram of the
/// entries with that query id (summed when several match; NULL filters match any), one row
/// per non-empty bucket. Only entries whose query id the caller may see count.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_histogram(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let queryid: i64 = required(
        fcinfo,
        0,
        "queryid",
        "Pass the queryid of a statement, as vitals.statements shows it.",
    );
    let userid: Option<pg_sys::Oid> = pgrx::fcinfo::pg_getarg(fcinfo, 1);
    let dbid: Option<pg_sys::Oid> = pgrx::fcinfo::pg_getarg(fcinfo, 2);
    let toplevel: Option<bool> = pgrx::fcinfo::pg_getarg(fcinfo, 3);
    let (userid, dbid): (Option<u32>, Option<u32>) = (userid.map(Into::into), dbid.map(Into::into));
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let merged = store::with_shared(|t, g| {
        let mut sum = store::histogram::Histogram::default();
        for (m, e) in t.entries(g) {
            let k = m.key;
            if k.queryid == queryid
                && userid.is_none_or(|u| u == k.userid)
                && dbid.is_none_or(|d| d == k.dbid)
                && toplevel.is_none_or(|tl| tl == k.toplevel())
                && reader.sees(&k)
            {
                sum.merge(&e.counters.read().exec_histogram);
            }
        }
        sum
    })
    .unwrap_or_default();
    for (b, calls) in merged.buckets() {
        let mut row = Row::with_capacity(3);
        row.f64(store::histogram::lower_ms(b));
        row.f64(store::histogram::upper_ms(b));
        row.i64(calls as i64);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_info);

/// `vitals._info()`: the row behind `vitals.info`.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_info(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (ts, desc) = materialize(fcinfo);
    let Some((count, text_used, plans, plan_used, layout, stats)) = store::with_shared(|t, g| {
        (
            t.count(g),
            t.arena_bytes_live(Arena::Texts, g),
            t.plan_count(g),
            t.arena_bytes_live(Arena::Plans, g),
            t.layout(),
            t.stats().read(),
        )
    }) else {
        return Datum::from(0);
    };
    let histogram_bytes = std::mem::size_of::<store::histogram::Histogram>();
    let mut row = Row::with_capacity(17);
    row.i64(count as i64);
    row.i64(layout.max as i64);
    row.i64(stats.dealloc);
    row.timestamptz(stats.stats_reset);
    row.i64(layout.size() as i64);
    row.i64(store::table::Layout::entry_size() as i64);
    row.i64(text_used as i64);
    row.i64(layout.text_cap as i64);
    row.i64(stats.entries_evicted);
    row.i64(stats.texts_dropped);
    row.timestamptz(stats.last_dealloc);
    row.i64((count * histogram_bytes) as i64);
    row.i64((layout.max * histogram_bytes) as i64);
    row.i64(plans as i64);
    row.i64(plan_used as i64);
    row.i64(layout.plan_cap as i64);
    row.i64(stats.plans_dropped);
    put(ts, desc, &mut row);
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_reset);

/// Argument `n`, which must not be NULL (`hint` says what to pass instead).
///
/// # Safety
/// `fcinfo` must be valid and have at least `n + 1` arguments of type `T`.
unsafe fn required<T: pgrx::FromDatum>(
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
unsafe fn text_arg(fcinfo: FunctionCallInfo, n: usize) -> Option<String> {
    let datum = pgrx::fcinfo::pg_getarg_datum(fcinfo, n)?;
    let c = pg_sys::text_to_cstring(datum.cast_mut_ptr());
    Some(crate::server_text::from_server_cstr(c))
}

/// What the reset functions' filters take instead of NULL.
const MATCH_ANY: &str = "Pass 0 to match every value.";

/// The `(userid oid, dbid oid, queryid bigint)` filter of the reset functions.
///
/// # Safety
/// `fcinfo` must be valid and have those three arguments.
unsafe fn reset_filter(fcinfo: FunctionCallInfo) -> (u32, u32, i64) {
    let userid: pg_sys::Oid = required(fcinfo, 0, "userid", MATCH_ANY);
    let dbid: pg_sys::Oid = required(fcinfo, 1, "dbid", MATCH_ANY);
    let queryid: i64 = required(fcinfo, 2, "queryid", MATCH_ANY);
    (userid.into(), dbid.into(), queryid)
}

/// `vitals.reset(userid, dbid, queryid)`: removes matching entries (0 matches any).
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_reset(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (userid, dbid, queryid) = reset_filter(fcinfo);
    let now = pg_sys::GetCurrentTimestamp();
    store::with_exclusive(|t, g| t.reset(userid, dbid, queryid, now, g));
    Datum::from(now)
}

finfo_v1!(pg_finfo_vitals_reset_plans);

/// `vitals.reset_plans(userid, dbid, queryid)`: forgets the captured plans of matching
/// entries (0 matches any), keeping their statistics, so that the next slow execution is
/// captured afresh (after adding an index, say). Returns how many plans went.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_reset_plans(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (userid, dbid, queryid) = reset_filter(fcinfo);
    let n = store::with_exclusive(|t, g| t.reset_plans(userid, dbid, queryid, g)).unwrap_or(0);
    Datum::from(n as i64)
}

/// The `search_path` every query pg_vitals runs is run under: what it calls unqualified
/// (`quote_ident`, `json_build_object`, `=`) can only be PostgreSQL's own. Otherwise a user
/// who may create objects in a schema on the caller's path (`public`, say) could define a
/// better-matching `public.quote_ident(name)` or operator and have it run with the
/// privileges of whoever reads the advice, a superuser included.
const SAFE_SEARCH_PATH: &std::ffi::CStr = c"pg_catalog, pg_temp";

/// Runs `f` (which runs SQL through SPI) with `search_path` set to [`SAFE_SEARCH_PATH`],
/// then puts the caller's back, as a function's `SET search_path` clause does. If `f` raises
/// an error, the (sub)transaction's abort restores it.
fn with_safe_search_path<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: PostgreSQL's GUC machinery, used as fmgr uses it for SET clauses.
    unsafe {
        let level = pg_sys::NewGUCNestLevel();
        pg_sys::set_config_option(
            c"search_path".as_ptr(),
            SAFE_SEARCH_PATH.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        let r = f();
        pg_sys::AtEOXact_GUC(true, level);
        r
    }
}

/// Runs a query (under [`SAFE_SEARCH_PATH`]) that returns one value.
fn query_one<T: pgrx::FromDatum + pgrx::IntoDatum>(
    sql: &str,
) -> Result<Option<T>, pgrx::spi::Error> {
    with_safe_search_path(|| pgrx::Spi::get_one::<T>(sql))
}

/// Runs a query that returns one JSON text (the advice functions gather their inputs so) and
/// parses it; `what` names it in the error if either fails. The text comes back in the
/// database's encoding and is read as UTF-8 (see `server_text`), so that names in a LATIN1
/// database are read, not refused.
fn json_query<T: serde::de::DeserializeOwned>(sql: &str, what: &str) -> T {
    crate::fault::point(crate::fault::Point::Advice);
    // The raw bytes of the text, as a bytea: `convert_to` to the database's own encoding
    // converts nothing.
    let sql =
        format!("SELECT pg_catalog.convert_to(({sql}\n)::text, pg_catalog.getdatabaseencoding())");
    let json = match query_one::<Vec<u8>>(&sql) {
        Ok(Some(bytes)) => crate::server_text::from_server(&bytes),
        Ok(None) => raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: the {what} query returned nothing"),
            "",
        ),
        Err(e) => raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: the {what} query failed: {e}"),
            "",
        ),
    };
    serde_json::from_str(&json).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: unexpected {what}: {e}"),
            "",
        )
    })
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

// After the helpers above, which they use (finfo_v1! is in scope from here on).
mod autovacuum;
mod config;
mod workload;
