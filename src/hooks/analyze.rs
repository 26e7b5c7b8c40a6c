//! Post-parse-analysis hook: remember the normalized text of statements with constants.

use super::record::{self, Statement};
use super::{chain, enabled, jumble, nesting_level, shielded, NOT_RECORDED};
use pgrx::pg_sys::{JumbleState, NodeTag, ParseState, Query};

pub(super) unsafe extern "C-unwind" fn post_parse_analyze(
    pstate: *mut ParseState,
    query: *mut Query,
    jstate: *mut JumbleState,
) {
    chain::post_parse_analyze(pstate, query, jstate);
    if !crate::store::available() || !enabled(nesting_level()) {
        return;
    }
    let q = &mut *query;
    let utility = q.utilityStmt;
    if !utility.is_null() {
        // EXECUTE takes the prepared statement's query id, so that pg_stat_activity and
        // the executor see that one. PostgreSQL 15 does the same for PREPARE and
        // DEALLOCATE, and records nothing more for utility commands here: it does not
        // jumble them, so there are no constants to normalize. From 16 a utility's
        // constants are found like any other statement's.
        let tag = (*utility).type_;
        #[cfg(feature = "pg15")]
        {
            if crate::guc::track_utility()
                && matches!(
                    tag,
                    NodeTag::T_ExecuteStmt | NodeTag::T_PrepareStmt | NodeTag::T_DeallocateStmt
                )
            {
                q.queryId = 0;
            }
            return;
        }
        #[cfg(not(feature = "pg15"))]
        if crate::guc::track_utility() && tag == NodeTag::T_ExecuteStmt {
            q.queryId = 0;
            return;
        }
    }
    // Only statements with constants need an early entry: for the others the text seen at
    // execution is already the normalized text.
    if jstate.is_null() || (*jstate).clocations_count <= 0 || (*pstate).p_sourcetext.is_null() {
        return;
    }
    remember(&*pstate, q, &*jstate);
}

/// Remembers the statement's normalized text: out of line, so that the hook's frame stays
/// small for the statements that need none.
#[inline(never)]
fn remember(pstate: &ParseState, q: &Query, js: &JumbleState) {
    let stmt = Statement::starting(
        pstate.p_sourcetext,
        super::query_id(q.queryId),
        q.stmt_location,
        q.stmt_len,
        q.commandType,
    );
    shielded(NOT_RECORDED, (), || {
        record::remember_text(&stmt, nesting_level() == 0, || {
            jumble::normalized_text(&stmt, js)
        })
    });
}
