//! Whether an execution runs the plan cache's generic plan or a custom plan: the
//! `generic_plan_calls` and `custom_plan_calls` of PostgreSQL 19's pg_stat_statements, on 15
//! to 18, where the executor is not told.
//!
//! A statement runs a cached plan when the portal that starts it holds one (`cplan`):
//! client-side prepared statements, the extended protocol, SQL EXECUTE and cursors in
//! functions. The plan cache keeps a reference to its generic plan for itself, so a generic
//! plan in use has at least two references and a custom plan, made for one execution, has
//! one. Statements a function runs through SPI without a portal, and EXPLAIN EXECUTE, are
//! counted in neither (PostgreSQL 19 counts them; see docs/reference.md).
//!
//! The answer is found at ExecutorStart, while the portal is active, and used at
//! ExecutorEnd: one slot remembers it with the query descriptor, without allocating.

use pgrx::pg_sys::{self, QueryDesc};
use std::sync::atomic::{AtomicUsize, Ordering};
use vitals_core::store::counters::PlanCache;

/// The query descriptor last started on a cached plan and not ended yet, the low bit set for
/// a generic plan (descriptors are 8-byte aligned); 0 when none. One is enough for the
/// executions that start and end before another starts; a cursor whose loop runs another
/// cached plan before it ends counts in neither. Backends are single-threaded: the atomic is
/// only a safe global, read and written with plain loads and stores.
static PENDING: AtomicUsize = AtomicUsize::new(0);
const GENERIC: usize = 1;

/// Called at ExecutorStart: remembers whether `qd` runs a cached plan, and which kind.
///
/// # Safety
/// `qd.plannedstmt` must be valid; called while ExecutorStart runs.
#[inline]
pub(super) unsafe fn started(qd: *const QueryDesc) {
    let kind = current(&*qd);
    let key = qd as usize;
    if kind != PlanCache::None {
        let generic = if kind == PlanCache::Generic {
            GENERIC
        } else {
            0
        };
        PENDING.store(key | generic, Ordering::Relaxed);
    } else if PENDING.load(Ordering::Relaxed) & !GENERIC == key {
        // A descriptor at the address of one whose portal was aborted without ExecutorEnd.
        PENDING.store(0, Ordering::Relaxed);
    }
}

/// Called at ExecutorEnd (or when the execution fails): what [`started`] found for `qd`,
/// forgotten then.
#[inline]
pub(super) fn ended(qd: *const QueryDesc) -> PlanCache {
    let v = PENDING.load(Ordering::Relaxed);
    if v == 0 || v & !GENERIC != qd as usize {
        return PlanCache::None;
    }
    PENDING.store(0, Ordering::Relaxed);
    if v & GENERIC != 0 {
        PlanCache::Generic
    } else {
        PlanCache::Custom
    }
}

/// The kind of cached plan `qd` runs, if the active portal holds one and runs `qd`'s
/// statement (not a portal of an outer statement whose function runs this one).
///
/// # Safety
/// As [`started`].
#[inline]
unsafe fn current(qd: &QueryDesc) -> PlanCache {
    let portal = pg_sys::ActivePortal;
    if portal.is_null() || (*portal).cplan.is_null() || !holds((*portal).stmts, qd.plannedstmt) {
        return PlanCache::None;
    }
    if (*(*portal).cplan).refcount > 1 {
        PlanCache::Generic
    } else {
        PlanCache::Custom
    }
}

/// Whether the pointer list `list` holds `stmt` (`list_member_ptr`, inline).
///
/// # Safety
/// `list` must be NIL or a valid pointer list.
unsafe fn holds(list: *const pg_sys::List, stmt: *const pg_sys::PlannedStmt) -> bool {
    if list.is_null() {
        return false;
    }
    let (cells, n) = ((*list).elements, (*list).length.max(0) as usize);
    // Nearly always a one-statement list: its first cell decides.
    std::ptr::eq((*cells).ptr_value, stmt.cast())
        || (1..n).any(|i| std::ptr::eq((*cells.add(i)).ptr_value, stmt.cast()))
}
