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
//! ExecutorEnd: a few slots remember it by query descriptor, without allocating.

use pgrx::pg_sys::{self, QueryDesc};
use std::sync::atomic::{AtomicUsize, Ordering};
use vitals_core::store::counters::PlanCache;

/// Query descriptors started on a cached plan and not ended yet, the low bit set for a
/// generic plan (descriptors are 8-byte aligned). More than fit (cursors open at once)
/// overwrite the oldest, which then counts in neither.
const SLOTS: usize = 4;
static PENDING: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static NEXT: AtomicUsize = AtomicUsize::new(0);
/// Slots in use: ExecutorEnd looks no further when it is 0, which it is unless prepared
/// statements are in use.
static IN_USE: AtomicUsize = AtomicUsize::new(0);
const GENERIC: usize = 1;

/// Called at ExecutorStart: remembers whether `qd` runs a cached plan, and which kind.
///
/// # Safety
/// `qd.plannedstmt` must be valid; called while ExecutorStart runs.
#[inline]
pub(super) unsafe fn started(qd: *const QueryDesc) {
    let key = qd as usize;
    // A descriptor at the address of one that failed before its end: forget the old one.
    if IN_USE.load(Ordering::Relaxed) != 0 {
        take(key);
    }
    let kind = current(&*qd);
    if kind == PlanCache::None {
        return;
    }
    let at = NEXT.load(Ordering::Relaxed);
    NEXT.store((at + 1) % SLOTS, Ordering::Relaxed);
    let old = PENDING[at].swap(
        key | if kind == PlanCache::Generic {
            GENERIC
        } else {
            0
        },
        Ordering::Relaxed,
    );
    if old == 0 {
        IN_USE.fetch_add(1, Ordering::Relaxed);
    }
}

/// Called at ExecutorEnd: what [`started`] found for `qd` (and forgets it).
#[inline]
pub(super) fn ended(qd: *const QueryDesc) -> PlanCache {
    if IN_USE.load(Ordering::Relaxed) == 0 {
        return PlanCache::None;
    }
    take(qd as usize)
}

fn take(key: usize) -> PlanCache {
    for slot in &PENDING {
        let v = slot.load(Ordering::Relaxed);
        if v != 0 && v & !GENERIC == key {
            slot.store(0, Ordering::Relaxed);
            IN_USE.fetch_sub(1, Ordering::Relaxed);
            return if v & GENERIC != 0 {
                PlanCache::Generic
            } else {
                PlanCache::Custom
            };
        }
    }
    PlanCache::None
}

/// The kind of cached plan `qd` runs, if the active portal holds one and runs `qd`'s
/// statement (not a portal of an outer statement whose function runs this one).
///
/// # Safety
/// As [`started`].
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
    let cells = std::slice::from_raw_parts((*list).elements, (*list).length.max(0) as usize);
    cells.iter().any(|c| std::ptr::eq(c.ptr_value, stmt.cast()))
}
