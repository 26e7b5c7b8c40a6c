//! Saved previous hooks and the calls down the chain.
//!
//! Every call here may raise a PostgreSQL ERROR, which longjmps past the caller. Callers
//! keep their frames plain (no value with a destructor alive across the call), so that
//! skipping them is sound; that is why these are direct calls rather than pgrx's guarded
//! `pg_sys::standard_*` wrappers, which would re-raise the error without its context
//! (see the module documentation of `hooks`).

// The previous hooks are C function pointers (PostgreSQL core or another extension): they
// report errors with longjmp, never by unwinding, so no Rust unwind crosses these calls.
#![allow(ffi_unwind_calls)]

use pgrx::pg_sys::{
    self, DestReceiver, ExplainState, IntoClause, ParamListInfo, PlannedStmt, Query,
    QueryCompletion, QueryDesc, QueryEnvironment,
};
use std::ffi::{c_char, c_int};

// The standard implementations, declared without pgrx's guard (see above).
unsafe extern "C" {
    #[link_name = "standard_ExecutorStart"]
    fn std_executor_start(query_desc: *mut QueryDesc, eflags: c_int);
    #[cfg(not(any(feature = "pg18")))]
    #[link_name = "standard_ExecutorRun"]
    fn std_executor_run(
        query_desc: *mut QueryDesc,
        direction: pg_sys::ScanDirection::Type,
        count: u64,
        execute_once: bool,
    );
    #[cfg(feature = "pg18")]
    #[link_name = "standard_ExecutorRun"]
    fn std_executor_run(
        query_desc: *mut QueryDesc,
        direction: pg_sys::ScanDirection::Type,
        count: u64,
    );
    #[link_name = "standard_ExecutorFinish"]
    fn std_executor_finish(query_desc: *mut QueryDesc);
    #[link_name = "standard_ExecutorEnd"]
    fn std_executor_end(query_desc: *mut QueryDesc);
    #[link_name = "standard_planner"]
    fn std_planner(
        parse: *mut Query,
        query_string: *const c_char,
        cursor_options: c_int,
        params: ParamListInfo,
    ) -> *mut PlannedStmt;
    #[link_name = "standard_ProcessUtility"]
    fn std_process_utility(
        pstmt: *mut PlannedStmt,
        query_string: *const c_char,
        read_only_tree: bool,
        context: pg_sys::ProcessUtilityContext::Type,
        params: ParamListInfo,
        query_env: *mut QueryEnvironment,
        dest: *mut DestReceiver,
        qc: *mut QueryCompletion,
    );
    #[cfg(any(feature = "pg15", feature = "pg16"))]
    fn pg_plan_query(
        query: *mut Query,
        query_string: *const c_char,
        cursor_options: c_int,
        params: ParamListInfo,
    ) -> *mut PlannedStmt;
    #[cfg(any(feature = "pg15", feature = "pg16"))]
    fn ExplainOnePlan(
        plannedstmt: *mut PlannedStmt,
        into: *mut IntoClause,
        es: *mut ExplainState,
        query_string: *const c_char,
        params: ParamListInfo,
        query_env: *mut QueryEnvironment,
        planduration: *const pg_sys::instr_time,
        bufusage: *const pg_sys::BufferUsage,
    );
    #[cfg(feature = "pg17")]
    #[link_name = "standard_ExplainOneQuery"]
    fn std_explain_one_query(
        query: *mut Query,
        cursor_options: c_int,
        into: *mut IntoClause,
        es: *mut ExplainState,
        query_string: *const c_char,
        params: ParamListInfo,
        query_env: *mut QueryEnvironment,
    );
}

static mut PREV_ANALYZE: pg_sys::post_parse_analyze_hook_type = None;
static mut PREV_PLANNER: pg_sys::planner_hook_type = None;
static mut PREV_START: pg_sys::ExecutorStart_hook_type = None;
static mut PREV_RUN: pg_sys::ExecutorRun_hook_type = None;
static mut PREV_FINISH: pg_sys::ExecutorFinish_hook_type = None;
static mut PREV_END: pg_sys::ExecutorEnd_hook_type = None;
static mut PREV_UTILITY: pg_sys::ProcessUtility_hook_type = None;
#[cfg(not(feature = "pg18"))]
static mut PREV_EXPLAIN: pg_sys::ExplainOneQuery_hook_type = None;
#[cfg(feature = "pg18")]
static mut PREV_VALIDATE: pg_sys::explain_validate_options_hook_type = None;
#[cfg(feature = "pg18")]
static mut PREV_PER_NODE: pg_sys::explain_per_node_hook_type = None;
#[cfg(feature = "pg18")]
static mut PREV_PER_PLAN: pg_sys::explain_per_plan_hook_type = None;

/// # Safety
/// Only from `_PG_init`.
pub(super) unsafe fn install() {
    PREV_ANALYZE = pg_sys::post_parse_analyze_hook;
    pg_sys::post_parse_analyze_hook = Some(super::analyze::post_parse_analyze);
    PREV_PLANNER = pg_sys::planner_hook;
    pg_sys::planner_hook = Some(super::planner::planner);
    PREV_START = pg_sys::ExecutorStart_hook;
    pg_sys::ExecutorStart_hook = Some(super::executor::executor_start);
    PREV_RUN = pg_sys::ExecutorRun_hook;
    pg_sys::ExecutorRun_hook = Some(super::executor::executor_run);
    PREV_FINISH = pg_sys::ExecutorFinish_hook;
    pg_sys::ExecutorFinish_hook = Some(super::executor::executor_finish);
    PREV_END = pg_sys::ExecutorEnd_hook;
    pg_sys::ExecutorEnd_hook = Some(super::executor::executor_end);
    PREV_UTILITY = pg_sys::ProcessUtility_hook;
    pg_sys::ProcessUtility_hook = Some(super::utility::process_utility);
    #[cfg(not(feature = "pg18"))]
    {
        PREV_EXPLAIN = pg_sys::ExplainOneQuery_hook;
        pg_sys::ExplainOneQuery_hook = Some(super::explain::explain_one_query);
    }
    #[cfg(feature = "pg18")]
    {
        PREV_VALIDATE = pg_sys::explain_validate_options_hook;
        pg_sys::explain_validate_options_hook = Some(super::explain::validate_options);
        PREV_PER_NODE = pg_sys::explain_per_node_hook;
        pg_sys::explain_per_node_hook = Some(super::explain::per_node);
        PREV_PER_PLAN = pg_sys::explain_per_plan_hook;
        pg_sys::explain_per_plan_hook = Some(super::explain::per_plan);
    }
}

/// What ExplainOneQuery does after its hook check: plan the query and explain the plan
/// (PostgreSQL 15 and 16 keep it static, so its few lines are repeated here; 17 exports it).
#[cfg(not(feature = "pg18"))]
#[inline(always)]
pub(super) unsafe fn explain_one_query(
    query: *mut Query,
    cursor_options: c_int,
    into: *mut IntoClause,
    es: *mut ExplainState,
    query_string: *const c_char,
    params: ParamListInfo,
    query_env: *mut QueryEnvironment,
) {
    if let Some(prev) = PREV_EXPLAIN {
        return prev(
            query,
            cursor_options,
            into,
            es,
            query_string,
            params,
            query_env,
        );
    }
    #[cfg(feature = "pg17")]
    std_explain_one_query(
        query,
        cursor_options,
        into,
        es,
        query_string,
        params,
        query_env,
    );
    #[cfg(not(feature = "pg17"))]
    {
        let buffers = (*es).buffers;
        let buf_start = pg_sys::pgBufferUsage;
        let start = super::record::instr_now();
        let plan = pg_plan_query(query, query_string, cursor_options, params);
        let planduration = super::record::instr_since(&start);
        let mut bufusage = pg_sys::BufferUsage::default();
        if buffers {
            crate::pg_raw::BufferUsageAccumDiff(
                &mut bufusage,
                &raw const pg_sys::pgBufferUsage,
                &buf_start,
            );
        }
        ExplainOnePlan(
            plan,
            into,
            es,
            query_string,
            params,
            query_env,
            &planduration,
            if buffers { &bufusage } else { std::ptr::null() },
        );
    }
}

#[cfg(feature = "pg18")]
#[inline(always)]
pub(super) unsafe fn validate_options(
    es: *mut ExplainState,
    options: *mut pg_sys::List,
    pstate: *mut pg_sys::ParseState,
) {
    if let Some(prev) = PREV_VALIDATE {
        prev(es, options, pstate);
    }
}

#[cfg(feature = "pg18")]
#[inline(always)]
pub(super) unsafe fn per_node(
    planstate: *mut pg_sys::PlanState,
    ancestors: *mut pg_sys::List,
    relationship: *const c_char,
    plan_name: *const c_char,
    es: *mut ExplainState,
) {
    if let Some(prev) = PREV_PER_NODE {
        prev(planstate, ancestors, relationship, plan_name, es);
    }
}

#[cfg(feature = "pg18")]
#[inline(always)]
pub(super) unsafe fn per_plan(
    plannedstmt: *mut PlannedStmt,
    into: *mut IntoClause,
    es: *mut ExplainState,
    query_string: *const c_char,
    params: ParamListInfo,
    query_env: *mut QueryEnvironment,
) {
    if let Some(prev) = PREV_PER_PLAN {
        prev(plannedstmt, into, es, query_string, params, query_env);
    }
}

#[inline(always)]
pub(super) unsafe fn post_parse_analyze(
    pstate: *mut pg_sys::ParseState,
    query: *mut Query,
    jstate: *mut pg_sys::JumbleState,
) {
    if let Some(prev) = PREV_ANALYZE {
        prev(pstate, query, jstate);
    }
}

#[inline(always)]
pub(super) unsafe fn planner(
    parse: *mut Query,
    query_string: *const c_char,
    cursor_options: c_int,
    params: ParamListInfo,
) -> *mut PlannedStmt {
    match PREV_PLANNER {
        Some(prev) => prev(parse, query_string, cursor_options, params),
        None => std_planner(parse, query_string, cursor_options, params),
    }
}

#[inline(always)]
pub(super) unsafe fn executor_start(query_desc: *mut QueryDesc, eflags: c_int) {
    match PREV_START {
        Some(prev) => prev(query_desc, eflags),
        None => std_executor_start(query_desc, eflags),
    }
}

#[cfg(not(feature = "pg18"))]
#[inline(always)]
pub(super) unsafe fn executor_run(
    query_desc: *mut QueryDesc,
    direction: pg_sys::ScanDirection::Type,
    count: u64,
    execute_once: bool,
) {
    match PREV_RUN {
        Some(prev) => prev(query_desc, direction, count, execute_once),
        None => std_executor_run(query_desc, direction, count, execute_once),
    }
}

#[cfg(feature = "pg18")]
#[inline(always)]
pub(super) unsafe fn executor_run(
    query_desc: *mut QueryDesc,
    direction: pg_sys::ScanDirection::Type,
    count: u64,
) {
    match PREV_RUN {
        Some(prev) => prev(query_desc, direction, count),
        None => std_executor_run(query_desc, direction, count),
    }
}

#[inline(always)]
pub(super) unsafe fn executor_finish(query_desc: *mut QueryDesc) {
    match PREV_FINISH {
        Some(prev) => prev(query_desc),
        None => std_executor_finish(query_desc),
    }
}

#[inline(always)]
pub(super) unsafe fn executor_end(query_desc: *mut QueryDesc) {
    match PREV_END {
        Some(prev) => prev(query_desc),
        None => std_executor_end(query_desc),
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) unsafe fn process_utility(
    pstmt: *mut PlannedStmt,
    query_string: *const c_char,
    read_only_tree: bool,
    context: pg_sys::ProcessUtilityContext::Type,
    params: ParamListInfo,
    query_env: *mut QueryEnvironment,
    dest: *mut DestReceiver,
    qc: *mut QueryCompletion,
) {
    match PREV_UTILITY {
        Some(prev) => prev(
            pstmt,
            query_string,
            read_only_tree,
            context,
            params,
            query_env,
            dest,
            qc,
        ),
        None => std_process_utility(
            pstmt,
            query_string,
            read_only_tree,
            context,
            params,
            query_env,
            dest,
            qc,
        ),
    }
}
