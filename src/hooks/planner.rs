//! Planner hook: planning time, when `pg_vitals.track_planning` is on.

use super::record::{self, Statement, UsageStart};
use super::{chain, enabled, nesting_level, run_nested, shielded};
use crate::store::counters::Kind;
use pgrx::pg_sys::{ParamListInfo, PlannedStmt, Query};
use std::ffi::{c_char, c_int};

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
    if crate::store::available()
        && enabled(level)
        && crate::guc::track_planning()
        && !query_string.is_null()
        && query_id != 0
    {
        let start = UsageStart::now();
        run_nested(counter, || {
            result = chain::planner(parse, query_string, cursor_options, params)
        });
        let (ms, usage) = start.finish(0);
        let stmt = Statement {
            source: query_string,
            query_id,
            location: (*parse).stmt_location,
            len: (*parse).stmt_len,
        };
        shielded((), || {
            record::record(&stmt, nesting_level() == 0, Kind::Plan, ms, &usage)
        });
    } else {
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        run_nested(counter, || {
            result = chain::planner(parse, query_string, cursor_options, params)
        });
        #[cfg(not(any(feature = "pg17", feature = "pg18")))]
        {
            let _ = counter;
            result = chain::planner(parse, query_string, cursor_options, params);
        }
    }
    result
}
