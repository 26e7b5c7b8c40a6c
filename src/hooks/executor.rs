//! Executor hooks: total time and resource usage of each execution.
//!
//! Same rules as pg_stat_statements: ExecutorStart asks for `totaltime` instrumentation
//! when the statement is tracked, ExecutorRun and ExecutorFinish count nesting, and
//! ExecutorEnd records the execution (before chaining, while the executor state exists).
//! Plan capture hooks in at both ends (see [`plan`]).

use super::record::{self, Statement};
use super::{chain, enabled, nesting_level, run_nested_or, shielded, NESTING, NOT_RECORDED};
use super::{plan, plan_cache};
use crate::pg_raw;
use pgrx::pg_sys::{self, QueryDesc};
use std::ffi::c_int;
use vitals_core::store::counters::{Kind, PlanCache};

pub(super) unsafe extern "C-unwind" fn executor_start(query_desc: *mut QueryDesc, eflags: c_int) {
    let qd = &mut *query_desc;
    let tracked =
        crate::store::available() && enabled(nesting_level()) && (*qd.plannedstmt).queryId != 0;
    if tracked {
        plan::sample(qd, eflags, nesting_level());
    }
    chain::executor_start(query_desc, eflags);
    if tracked {
        plan_cache::started(query_desc);
    }
    if tracked && qd.totaltime.is_null() {
        // Allocate in the per-query context so it goes away at ExecutorEnd.
        let old = pg_sys::CurrentMemoryContext;
        pg_sys::CurrentMemoryContext = (*qd.estate).es_query_cxt;
        qd.totaltime =
            pg_raw::InstrAlloc(1, pg_sys::InstrumentOption::INSTRUMENT_ALL as c_int, false);
        pg_sys::CurrentMemoryContext = old;
    }
}

#[cfg(not(feature = "pg18"))]
pub(super) unsafe extern "C-unwind" fn executor_run(
    query_desc: *mut QueryDesc,
    direction: pg_sys::ScanDirection::Type,
    count: u64,
    execute_once: bool,
) {
    let userid = record::current_user();
    run_nested_or(
        &NESTING,
        || chain::executor_run(query_desc, direction, count, execute_once),
        || failed(query_desc, userid),
    );
}

#[cfg(feature = "pg18")]
pub(super) unsafe extern "C-unwind" fn executor_run(
    query_desc: *mut QueryDesc,
    direction: pg_sys::ScanDirection::Type,
    count: u64,
) {
    let userid = record::current_user();
    run_nested_or(
        &NESTING,
        || chain::executor_run(query_desc, direction, count),
        || failed(query_desc, userid),
    );
}

pub(super) unsafe extern "C-unwind" fn executor_finish(query_desc: *mut QueryDesc) {
    let userid = record::current_user();
    run_nested_or(
        &NESTING,
        || chain::executor_finish(query_desc),
        || failed(query_desc, userid),
    );
}

pub(super) unsafe extern "C-unwind" fn executor_end(query_desc: *mut QueryDesc) {
    // An EXPLAIN's query: its Vitals group goes into the output now (PostgreSQL 15-17).
    #[cfg(not(feature = "pg18"))]
    super::explain::at_executor_end(query_desc);
    let qd = &*query_desc;
    // Taken whether or not the execution is recorded, so that no later descriptor at the
    // same address finds it.
    let plan_cache = plan_cache::ended(query_desc);
    let query_id = super::query_id((*qd.plannedstmt).queryId);
    if query_id != 0 && !qd.totaltime.is_null() && enabled(nesting_level()) {
        // Make sure the totals are final (several hook levels may do this; that is fine).
        pg_raw::InstrEndLoop(qd.totaltime);
        shielded(NOT_RECORDED, (), || {
            let (stmt, time_ms) = record_execution(query_desc, query_id, plan_cache);
            if plan::is_candidate(qd, time_ms) {
                plan::capture(query_desc, &stmt, nesting_level() == 0, time_ms);
            }
        });
    }
    chain::executor_end(query_desc);
}

/// The statement of `query_desc`, run by `userid`, raised an error while running: count it
/// as failed, with the time its run had taken (its executor instrumentation is still
/// running).
fn failed(query_desc: *mut QueryDesc, userid: u32) {
    shielded(NOT_RECORDED, (), || {
        // SAFETY: the query descriptor is intact until the abort cleans up after the error.
        let qd = unsafe { &*query_desc };
        plan_cache::ended(query_desc);
        let query_id = unsafe { super::query_id((*qd.plannedstmt).queryId) };
        if query_id == 0
            || qd.totaltime.is_null()
            || !crate::store::available()
            || !enabled(nesting_level())
        {
            return;
        }
        // SAFETY: as above.
        let instr = unsafe { &*qd.totaltime };
        let mut time_ms = record::ms(&instr.counter);
        let started = record::ms(&instr.starttime);
        if started != 0.0 {
            time_ms += (record::monotonic_ms() - started).max(0.0);
        }
        // SAFETY: as above.
        let stmt = Statement {
            userid,
            ..unsafe { statement(qd, query_id) }
        };
        record::record_error(&stmt, nesting_level() == 0, time_ms);
    });
}

/// Records a completed execution; returns the statement and its execution time (ms).
fn record_execution(
    query_desc: *mut QueryDesc,
    query_id: i64,
    plan_cache: PlanCache,
) -> (Statement, f64) {
    // SAFETY: ExecutorEnd has not run yet: plannedstmt, estate and totaltime are valid.
    unsafe {
        let qd = &*query_desc;
        let estate = &*qd.estate;
        let instr = &*qd.totaltime;
        #[cfg(feature = "pg15")]
        let rows = estate.es_processed;
        #[cfg(not(feature = "pg15"))]
        let rows = estate.es_total_processed;
        let jit = estate.es_jit.as_ref().map(|j| &j.instr);
        let mut usage = record::usage(rows, &instr.bufusage, &instr.walusage, jit);
        usage.plan_cache = plan_cache;
        #[cfg(feature = "pg18")]
        if let Some(l) = &mut usage.later {
            l.parallel_workers_to_launch = estate.es_parallel_workers_to_launch as i64;
            l.parallel_workers_launched = estate.es_parallel_workers_launched as i64;
        }
        let stmt = statement(qd, query_id);
        let time_ms = instr.total * 1000.0;
        record::record(&stmt, nesting_level() == 0, Kind::Exec, time_ms, &usage);
        (stmt, time_ms)
    }
}

/// The statement a query descriptor runs.
///
/// # Safety
/// `qd.plannedstmt` must be valid.
unsafe fn statement(qd: &QueryDesc, query_id: i64) -> Statement {
    Statement::starting(
        qd.sourceText,
        query_id,
        (*qd.plannedstmt).stmt_location,
        (*qd.plannedstmt).stmt_len,
        (*qd.plannedstmt).commandType,
    )
}
