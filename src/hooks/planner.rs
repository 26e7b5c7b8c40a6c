//! Planner hook: planning time, when `pg_vitals.track_planning` is on, and planning that
//! fails.

use super::record::{self, Statement, UsageStart};
use super::{chain, enabled, nesting_level, run_nested_or, shielded, NOT_RECORDED};
use pgrx::pg_sys::{ParamListInfo, PlannedStmt, Query};
use std::ffi::{c_char, c_int};
use vitals_core::store::counters::Kind;

/// The counter planner recursion runs under, and the level that decides whether this
/// planning is tracked.
#[cfg(not(any(feature = "pg17", feature = "pg18")))]
fn planning_levels() -> (&'static std::sync::atomic::AtomicI32, i32) {
    let plan = &super::PLAN_NESTING;
    (
        plan,
        plan.load(std::sync::atomic::Ordering::Relaxed) + nesting_level(),
    )
}
// From PostgreSQL 17, planning is an ordinary nesting level, always counted, so that
// functions evaluated while planning are not taken for top-level statements.
#[cfg(any(feature = "pg17", feature = "pg18"))]
fn planning_levels() -> (&'static std::sync::atomic::AtomicI32, i32) {
    (&super::NESTING, nesting_level())
}

pub(super) unsafe extern "C-unwind" fn planner(
    parse: *mut Query,
    query_string: *const c_char,
    cursor_options: c_int,
    params: ParamListInfo,
) -> *mut PlannedStmt {
    let mut result: *mut PlannedStmt = std::ptr::null_mut();
    let (counter, level) = planning_levels();
    let query_id = super::query_id((*parse).queryId);
    let tracked =
        crate::store::available() && enabled(level) && !query_string.is_null() && query_id != 0;
    if !tracked {
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        super::run_nested(counter, || {
            result = chain::planner(parse, query_string, cursor_options, params)
        });
        #[cfg(not(any(feature = "pg17", feature = "pg18")))]
        {
            let _ = counter;
            result = chain::planner(parse, query_string, cursor_options, params);
        }
        return result;
    }
    let stmt = Statement::starting(
        query_string,
        query_id,
        (*parse).stmt_location,
        (*parse).stmt_len,
        (*parse).commandType,
    );
    // Planning that fails (constant folding of 1/0, a statement_timeout) is a failed
    // execution of the statement, with the time spent planning.
    if crate::guc::track_planning() {
        let start = UsageStart::now();
        run_nested_or(
            counter,
            || result = chain::planner(parse, query_string, cursor_options, params),
            || failed(&stmt, start.elapsed_ms()),
        );
        let (ms, usage) = start.finish(0);
        shielded(NOT_RECORDED, (), || {
            record::record(&stmt, nesting_level() == 0, Kind::Plan, ms, &usage)
        });
    } else {
        let start = record::monotonic_ms();
        let on_error = || failed(&stmt, record::monotonic_ms() - start);
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        run_nested_or(
            counter,
            || result = chain::planner(parse, query_string, cursor_options, params),
            on_error,
        );
        #[cfg(not(any(feature = "pg17", feature = "pg18")))]
        {
            let _ = counter;
            super::guard::try_finally(
                || result = chain::planner(parse, query_string, cursor_options, params),
                |failed| {
                    if failed {
                        on_error()
                    }
                },
            );
        }
    }
    result
}

/// Counts a planning that raised the error being handled, after `time_ms`.
fn failed(stmt: &Statement, time_ms: f64) {
    shielded(NOT_RECORDED, (), || {
        record::record_error(stmt, nesting_level() == 0, time_ms.max(0.0))
    });
}
