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
    // Copy what we need now: after a ROLLBACK or similar, *pstmt may have been freed. The
    // user too, for a failure: REFRESH MATERIALIZED VIEW, VACUUM, ANALYZE and CREATE INDEX
    // run as the table's owner, and an error leaves that user current.
    let stmt = Statement::starting(
        query_string,
        super::query_id((*pstmt).queryId),
        (*pstmt).stmt_location,
        (*pstmt).stmt_len,
    );
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
    let tracked =
        crate::store::available() && crate::guc::track_utility() && enabled(nesting_level());

    if tracked && recorded_utility(parsetree) {
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
