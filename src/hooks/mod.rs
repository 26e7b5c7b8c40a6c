//! FFI edge: the planner, executor, utility and parse-analysis hooks.
//!
//! Each hook translates PostgreSQL structures into plain values (the core crate's `Usage`,
//! keys, texts) and hands them to the store; nothing else here makes decisions.
//!
//! # Errors pass through untouched
//! The hooks wrap every statement a server runs, so they must not change what an error
//! looks like to the client. pgrx's guarded calls turn a PostgreSQL error into a Rust panic
//! and raise it again later, which keeps the SQLSTATE, message, detail and hint but drops the
//! CONTEXT lines, the error position and the schema/table/column/constraint fields that
//! drivers expose. So the chained calls (previous hook or `standard_*`) are made directly,
//! and a PostgreSQL error longjmps through the hook frames exactly as through
//! pg_stat_statements' C frames. That is sound because those frames are plain old frames:
//! nothing with a destructor is alive across a chained call (see [`chain`]).
//!
//! What pg_stat_statements restores in PG_FINALLY, the nesting level, we restore the same
//! way: [`guard::try_finally`] is PG_TRY / PG_FINALLY / PG_RE_THROW, which re-raises the
//! original error untouched.
//!
//! Our own bookkeeping runs inside [`shielded`]: a bug in it (a Rust panic) becomes a
//! WARNING and the user's statement goes on; a PostgreSQL error in it (memory exhausted) is
//! raised again, never swallowed. Plan capture, which calls EXPLAIN's printer at the end of
//! a statement that has done its work and may be skipped, runs in
//! [`guard::in_subtransaction`], which releases what a failed call held.
//!
//! # Whose statement
//! A failure is recorded under the user current when the statement started (parse
//! analysis, planning, the executor's run, a utility command), not when the error unwinds
//! it: a SECURITY DEFINER function, REFRESH MATERIALIZED VIEW, VACUUM, ANALYZE and CREATE
//! INDEX switch to another user while they run and do not switch back before the error
//! reaches us. A completed statement is recorded under the user current when it ends, as
//! pg_stat_statements records it (SET ROLE counts for the role it set).

mod analyze;
mod chain;
mod executor;
mod explain;
mod guard;
mod jumble;
mod plan;
mod plan_cache;
mod plan_tree;
mod planner;
mod record;
mod utility;

use pgrx::pg_sys;
use std::sync::atomic::{AtomicI32, Ordering};

/// Current nesting depth of ExecutorRun / ExecutorFinish / ProcessUtility calls (and, from
/// PostgreSQL 17, planning), as pg_stat_statements counts it: a statement is top level when
/// it starts at depth 0. Backends are single-threaded; the atomic is only a safe global.
static NESTING: AtomicI32 = AtomicI32::new(0);

/// PostgreSQL 15 and 16 count planner recursion apart (`plan_nested_level`): it decides
/// whether nested planning is timed, but not whether a statement is top level.
#[cfg(not(any(feature = "pg17", feature = "pg18")))]
static PLAN_NESTING: AtomicI32 = AtomicI32::new(0);

/// Query ids are uint64 before PostgreSQL 18 and int64 from 18; the store keeps int64, as the
/// SQL `bigint` shows them.
#[cfg(feature = "pg18")]
type RawQueryId = i64;
#[cfg(not(feature = "pg18"))]
type RawQueryId = u64;

#[inline]
#[allow(clippy::unnecessary_cast)]
fn query_id(raw: RawQueryId) -> i64 {
    raw as i64
}

#[inline]
pub(crate) fn nesting_level() -> i32 {
    NESTING.load(Ordering::Relaxed)
}

/// Whether statements at `level` are tracked (pg_stat_statements' `pgss_enabled`):
/// never in a parallel worker, whose leader accounts for the whole statement.
#[inline]
pub(crate) fn enabled(level: i32) -> bool {
    // SAFETY: a plain read of a backend-local global.
    let in_parallel_worker = unsafe { pg_sys::ParallelWorkerNumber >= 0 };
    !in_parallel_worker && crate::guc::tracking_at(level)
}

/// Runs `body` one nesting level deeper, restoring the level even if it raises an error.
///
/// # Safety
/// As [`guard::try_finally`]: `body` and the caller's frame must be plain old frames.
#[cfg(any(feature = "pg17", feature = "pg18"))]
#[inline(always)]
unsafe fn run_nested(counter: &'static AtomicI32, body: impl FnOnce()) {
    run_nested_or(counter, body, || {});
}

/// As [`run_nested`], and if `body` raises an error, runs `on_error` (back at the caller's
/// level, before the error goes on) while the error is still current.
///
/// # Safety
/// As [`guard::try_finally`]; `on_error` must not raise an error (use [`shielded`]).
#[inline(always)]
unsafe fn run_nested_or(counter: &'static AtomicI32, body: impl FnOnce(), on_error: impl FnOnce()) {
    let saved = counter.load(Ordering::Relaxed);
    counter.store(saved + 1, Ordering::Relaxed);
    guard::try_finally(body, |failed| {
        counter.store(saved, Ordering::Relaxed);
        if failed {
            on_error();
        }
    });
}

/// Runs our own bookkeeping (`what` names it in the WARNING): a Rust panic in it is
/// reported as a WARNING and `fallback` returned, never an error for the user's statement
/// and never a crash. A PostgreSQL error raised in a guarded call inside is raised again
/// (see [`guard::rethrow`]): the transaction's abort releases what the call held.
#[inline]
pub(crate) fn shielded<R>(what: &str, fallback: R, f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(e) if guard::is_postgres_error(&e) => guard::rethrow(e),
        Err(e) => {
            let text = format!("pg_vitals: {what}: {}", guard::panic_message(&e));
            drop(e);
            guard::warn(text);
            fallback
        }
    }
}

/// The WARNING of [`shielded`] in the statement hooks.
const NOT_RECORDED: &str = "statistics not recorded";
/// Installs the hooks. Called from `_PG_init` when preloaded.
pub fn init() {
    // SAFETY: _PG_init runs once, before any hook can fire.
    unsafe {
        pg_sys::EnableQueryId();
        chain::install();
    }
    #[cfg(feature = "pg18")]
    explain::init();
}
