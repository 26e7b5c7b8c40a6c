//! `vitals.metrics()` and the views of the same numbers: totals per database, user and
//! command that never go down when entries are evicted, failures by SQLSTATE class, the top
//! statements and the store's health, in Prometheus' text format (`vitals_core::metrics`).

use super::spi::json_query;
use super::srf::{finfo_v1, materialize, put, raise, require_store, required, Row};
use crate::store;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::{IntoDatum, PgSqlErrorCode};
use vitals_core::store::table::Command;

finfo_v1!(pg_finfo_vitals_metric_totals);

/// `vitals._metric_totals()`: per database, user and command, completed executions, their
/// time and rows, and executions per latency bucket.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_metric_totals(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (ts, desc) = materialize(fcinfo);
    let totals = store::with_shared(|t, g| t.totals(g)).unwrap_or_default();
    for t in &totals {
        let mut row = Row::with_capacity(7);
        row.push(Some(Datum::from(t.dbid)));
        row.push(Some(Datum::from(t.userid)));
        row.text(Some(Command::from_code(t.command).name()));
        row.i64(t.calls);
        row.f64(t.exec_time);
        row.i64(t.rows);
        row.push(t.latency.to_vec().into_datum());
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_metric_errors);

/// `vitals._metric_errors()`: failures per database, user, command and SQLSTATE class.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_metric_errors(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (ts, desc) = materialize(fcinfo);
    let errors = store::with_shared(|t, _| t.error_counts()).unwrap_or_default();
    for e in &errors {
        let mut row = Row::with_capacity(5);
        row.push(Some(Datum::from(e.dbid)));
        row.push(Some(Datum::from(e.userid)));
        row.text(Some(Command::from_code(e.command).name()));
        row.text(Some(&e.class_text()));
        row.i64(e.errors);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

/// The most statements `vitals.metrics(top_n)` exports.
const MAX_TOP_N: i32 = 1000;

/// What `vitals.metrics()` reads, as the caller, through the views (texts and query ids of
/// other users' statements only with pg_read_all_stats, as in `vitals.statements`).
const INPUTS_SQL: &str = "SELECT json_build_object(
  'totals', (SELECT coalesce(json_agg(json_build_object(
        'datname', n.datname, 'usename', n.usename, 'command', t.command, 'calls', t.calls,
        'total_exec_time', t.total_exec_time, 'rows', t.rows, 'latency', t.latency)
        ORDER BY n.datname, n.usename, t.command), '[]'::json)
      FROM vitals._metric_totals() t, vitals._metric_names(t.dbid, t.userid) n),
  'errors', (SELECT coalesce(json_agg(json_build_object(
        'datname', e.datname, 'usename', e.usename, 'command', e.command,
        'sqlstate_class', e.sqlstate_class, 'errors', e.errors)), '[]'::json)
      FROM vitals.metrics_errors e),
  'top', (SELECT coalesce(json_agg(json_build_object(
        'queryid', s.queryid, 'datname', n.datname, 'usename', n.usename,
        'toplevel', s.toplevel, 'calls', s.calls, 'total_exec_time', s.total_exec_time,
        'query', s.query) ORDER BY s.total_exec_time DESC), '[]'::json)
      FROM (SELECT * FROM vitals._statements(true)
            WHERE queryid IS NOT NULL AND calls > 0
            ORDER BY total_exec_time DESC LIMIT @TOP_N@) s,
           vitals._metric_names(s.dbid, s.userid) n),
  'store', (SELECT json_build_object('entries', entries, 'max', max, 'dealloc', dealloc,
        'entries_evicted', entries_evicted, 'texts_dropped', texts_dropped,
        'plans_dropped', plans_dropped, 'shmem_bytes', shmem_bytes,
        'text_bytes_used', text_bytes_used, 'plan_bytes_used', plan_bytes_used)
      FROM vitals._info()))";

finfo_v1!(pg_finfo_vitals_metrics);

/// `vitals.metrics(top_n integer)`: the Prometheus text exposition.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_metrics(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let top_n: i32 = required(fcinfo, 0, "top_n", "Pass how many statements to export.");
    if !(0..=MAX_TOP_N).contains(&top_n) {
        raise(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("top_n must be between 0 and {MAX_TOP_N}, not {top_n}"),
            "Every exported statement is a time series of its own: keep it small.",
        );
    }
    let sql = INPUTS_SQL.replace("@TOP_N@", &top_n.to_string());
    let inputs: vitals_core::metrics::Inputs = json_query(&sql, "metrics inputs");
    let text = vitals_core::metrics::render(&inputs);
    // In the database's encoding, as the names and texts in it were read.
    let bytes = crate::server_text::to_server(&text);
    Datum::from(pg_sys::cstring_to_text_with_len(
        bytes.as_ptr().cast(),
        bytes.len() as i32,
    ))
}
