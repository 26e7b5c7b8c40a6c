//! ProcessUtility hook: utility commands (DDL, COPY, SET, VACUUM, ...).

use super::record::{self, Statement, UsageStart};
use super::{chain, enabled, nesting_level, run_nested_or, shielded, NESTING, NOT_RECORDED};
use pgrx::pg_sys::{
    self, CommandTag, DestReceiver, NodeTag, ParamListInfo, PlannedStmt, QueryCompletion,
    QueryEnvironment,
};
use std::ffi::c_char;
use vitals_core::store::counters::Kind;

#[inline]
unsafe fn is(node: *const pg_sys::Node, tag: NodeTag) -> bool {
    !node.is_null() && (*node).type_ == tag
}

/// EXECUTE and PREPARE are never recorded as themselves: an EXECUTE's cost goes to the
/// prepared statement through the executor hooks. PostgreSQL 15 and 16 also leave out
/// DEALLOCATE, as pg_stat_statements does there.
unsafe fn recorded_utility(node: *const pg_sys::Node) -> bool {
    let prepared = is(node, NodeTag::T_ExecuteStmt) || is(node, NodeTag::T_PrepareStmt);
    #[cfg(not(any(feature = "pg17", feature = "pg18")))]
    let prepared = prepared || is(node, NodeTag::T_DeallocateStmt);
    !prepared
}

/// Whether core computes query ids (`IsQueryIdEnabled`, a static inline function in C).
unsafe fn query_ids_enabled() -> bool {
    match pg_sys::compute_query_id as u32 {
        pg_sys::ComputeQueryIdType::COMPUTE_QUERY_ID_OFF => false,
        pg_sys::ComputeQueryIdType::COMPUTE_QUERY_ID_ON => true,
        _ => pg_sys::query_id_enabled,
    }
}

/// The utility statement's query id. pg_stat_statements sets it to 0 in its ProcessUtility
/// hook before passing the statement on, so when it is loaded after pg_vitals (its hook
/// runs first) pg_vitals would see none. Core computed the id at parse analysis from the
/// statement alone (PostgreSQL 15: its text; from 16: its node tree), so it is computed
/// again here the same way, by core's own `JumbleQuery` on a utility Query holding the
/// statement: the id pg_stat_statements records. Subcommands that utilities run internally
/// (CREATE SCHEMA's elements, a serial column's sequence) never had an id and get none.
unsafe fn utility_query_id(
    pstmt: &PlannedStmt,
    query_string: *const c_char,
    context: pg_sys::ProcessUtilityContext::Type,
) -> i64 {
    let id = super::query_id(pstmt.queryId);
    if id != 0
        || context == pg_sys::ProcessUtilityContext::PROCESS_UTILITY_SUBCOMMAND
        || pstmt.utilityStmt.is_null()
        || query_string.is_null()
        || !recorded_utility(pstmt.utilityStmt)
        || !query_ids_enabled()
    {
        return id;
    }
    let query = pg_sys::palloc0(std::mem::size_of::<pg_sys::Query>()) as *mut pg_sys::Query;
    (*query).type_ = NodeTag::T_Query;
    (*query).commandType = pg_sys::CmdType::CMD_UTILITY;
    (*query).canSetTag = pstmt.canSetTag;
    (*query).utilityStmt = pstmt.utilityStmt;
    (*query).stmt_location = pstmt.stmt_location;
    (*query).stmt_len = pstmt.stmt_len;
    #[cfg(feature = "pg15")]
    pg_sys::JumbleQuery(query, query_string);
    #[cfg(not(feature = "pg15"))]
    pg_sys::JumbleQuery(query);
    let id = super::query_id((*query).queryId);
    pg_sys::pfree(query.cast());
    id
}

/// Rows pg_stat_statements counts for a utility command: COPY, FETCH, CREATE TABLE AS /
/// SELECT INTO and REFRESH MATERIALIZED VIEW.
unsafe fn utility_rows(qc: *const QueryCompletion) -> u64 {
    match qc.as_ref() {
        Some(qc)
            if matches!(
                qc.commandTag,
                CommandTag::CMDTAG_COPY
                    | CommandTag::CMDTAG_FETCH
                    | CommandTag::CMDTAG_SELECT
                    | CommandTag::CMDTAG_REFRESH_MATERIALIZED_VIEW
            ) =>
        {
            qc.nprocessed
        }
        _ => 0,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) unsafe extern "C-unwind" fn process_utility(
    pstmt: *mut PlannedStmt,
    query_string: *const c_char,
    read_only_tree: bool,
    context: pg_sys::ProcessUtilityContext::Type,
    params: ParamListInfo,
    query_env: *mut QueryEnvironment,
    dest: *mut DestReceiver,
    qc: *mut QueryCompletion,
) {
    let parsetree = (*pstmt).utilityStmt;
    let call = || {
        chain::process_utility(
            pstmt,
            query_string,
            read_only_tree,
            context,
            params,
            query_env,
            dest,
            qc,
        )
    };
    // EXECUTE (every prepared statement's run) is settled first, before any other work;
    // the recorded path is a function of its own, so that this one's frame stays small.
    if recorded_utility(parsetree)
        && crate::store::available()
        && crate::guc::track_utility()
        && enabled(nesting_level())
    {
        run_recorded(pstmt, query_string, context, qc, call);
        return;
    }

    // From PostgreSQL 17, every utility but EXECUTE and PREPARE nests even when not
    // recorded, so that statements it runs are not taken for top-level ones; PostgreSQL 15
    // and 16 nest only recorded utilities.
    #[cfg(any(feature = "pg17", feature = "pg18"))]
    if !is(parsetree, NodeTag::T_ExecuteStmt) && !is(parsetree, NodeTag::T_PrepareStmt) {
        super::run_nested(&NESTING, call);
        return;
    }
    call();
}

/// A utility command that is recorded: its query id, time, usage, and failure.
///
/// # Safety
/// As `process_utility`, whose arguments these are; `call` chains to the next hook with them
/// and, as every chained call, must be a plain old frame (see `hooks`).
#[inline(never)]
unsafe fn run_recorded(
    pstmt: *mut PlannedStmt,
    query_string: *const c_char,
    context: pg_sys::ProcessUtilityContext::Type,
    qc: *mut QueryCompletion,
    call: impl FnOnce(),
) {
    let query_id = shielded(NOT_RECORDED, 0, || {
        utility_query_id(&*pstmt, query_string, context)
    });
    // Copy what we need now: after a ROLLBACK or similar, *pstmt may have been freed. The
    // user too, for a failure: REFRESH MATERIALIZED VIEW, VACUUM, ANALYZE and CREATE
    // INDEX run as the table's owner, and an error leaves that user current.
    let stmt = Statement::starting(
        query_string,
        query_id,
        (*pstmt).stmt_location,
        (*pstmt).stmt_len,
        pg_sys::CmdType::CMD_UTILITY,
    );
    let start = UsageStart::now();
    let failed = || {
        shielded(NOT_RECORDED, (), || {
            record::record_error(&stmt, nesting_level() == 0, start.elapsed_ms())
        })
    };
    run_nested_or(&NESTING, call, failed);
    let (ms, usage) = start.finish(utility_rows(qc));
    // A completed command counts for the user current after it, as in
    // pg_stat_statements: SET ROLE counts for the role it set.
    let stmt = Statement {
        userid: record::current_user(),
        ..stmt
    };
    shielded(NOT_RECORDED, (), || {
        record::record(&stmt, nesting_level() == 0, Kind::Exec, ms, &usage)
    });
}
