//! Fault injection for the fault suite (`pg_vitals.inject_fault`, superuser only, hidden
//! from SHOW ALL): a named point raises a real PostgreSQL error there, so that the tests can
//! show what a failure or a cancel arriving at that point does. Points are on paths that run
//! once per plan capture, EXPLAIN or advice call, never per statement.

use crate::guc::{self, Fault};
use pgrx::pg_sys;

/// Where a fault can be injected.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// Building a captured plan's EXPLAIN text.
    PlanCapture,
    /// Gathering EXPLAIN's Vitals group.
    Explain,
    /// Printing a plan node's fields (PostgreSQL 18's per-node hook).
    ExplainNode,
    /// Gathering an advice function's inputs.
    Advice,
}

/// Raises the fault set for `point`, if any.
pub fn point(point: Point) {
    let (at, cancel) = match guc::inject_fault() {
        Fault::None => return,
        Fault::PlanCaptureError => (Point::PlanCapture, false),
        Fault::PlanCaptureCancel => (Point::PlanCapture, true),
        Fault::ExplainError => (Point::Explain, false),
        Fault::ExplainCancel => (Point::Explain, true),
        Fault::ExplainNodeError => (Point::ExplainNode, false),
        Fault::AdviceError => (Point::Advice, false),
        Fault::AdviceCancel => (Point::Advice, true),
    };
    if at != point {
        return;
    }
    // SAFETY: PostgreSQL's own functions, called as a C extension would; both end in a
    // PostgreSQL ERROR, which pgrx turns into a panic for the caller's handler.
    unsafe {
        if cancel {
            // What a cancel request does: the next CHECK_FOR_INTERRUPTS raises it.
            pg_sys::QueryCancelPending = 1;
            pg_sys::InterruptPending = 1;
            pg_sys::ProcessInterrupts();
        } else {
            // An error while holding what a catalog or EXPLAIN call holds: a relation open
            // (a lock and a relcache reference) and a buffer pinned. Whoever catches the
            // error must release them; PostgreSQL warns of a leak at commit otherwise.
            let rel = pg_sys::table_open(
                pg_sys::RelationRelationId,
                pg_sys::AccessShareLock as pg_sys::LOCKMODE,
            );
            pg_sys::ReadBuffer(rel, 0);
            // No relation has OID 0: "could not open relation with OID 0".
            pg_sys::relation_open(pg_sys::InvalidOid, pg_sys::NoLock as pg_sys::LOCKMODE);
        }
    }
}
