//! Plan capture at the executor's edges.
//!
//! ExecutorStart: a sampled top-level execution (`pg_vitals.plan_sample_rate`) gets
//! per-node instrumentation (rows, and times unless `pg_vitals.plan_timing` is off), as
//! auto_explain's sampling does. ExecutorEnd: an execution
//! that was instrumented, or slower than `pg_vitals.plan_min_duration`, is a candidate;
//! its EXPLAIN text is built only when it is slower than the execution whose plan its
//! statement already holds (one shared-lock lookup), then masked and bounded
//! ([`vitals_core::plan_text`]) and stored. With the defaults (rate 0, min duration -1) this
//! adds two setting reads per execution and nothing else.

use super::record::{self, Statement};
use crate::guc;
use pgrx::pg_sys::{self, InstrumentOption, QueryDesc};
use std::ffi::c_int;

/// Turns on per-node instrumentation for a sampled top-level execution. Must run before
/// the executor initializes the plan tree.
#[inline]
pub(super) fn sample(qd: &mut QueryDesc, eflags: c_int, level: i32) {
    let rate = guc::plan_sample_rate();
    if rate <= 0.0 || level != 0 || eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0 {
        return;
    }
    // SAFETY: the backend's PRNG, seeded at backend start; it cannot fail.
    if rate >= 1.0
        || unsafe { crate::pg_raw::pg_prng_double(&raw mut pg_sys::pg_global_prng_state) } < rate
    {
        qd.instrument_options |= InstrumentOption::INSTRUMENT_ROWS as c_int;
        if guc::plan_timing() {
            qd.instrument_options |= InstrumentOption::INSTRUMENT_TIMER as c_int;
        }
    }
}

/// Whether this execution's plan may be captured: it was instrumented (by our sampling or
/// anyone else's) or it ran longer than `pg_vitals.plan_min_duration`.
#[inline]
pub(super) fn is_candidate(qd: &QueryDesc, time_ms: f64) -> bool {
    let min = guc::plan_min_duration();
    (min >= 0 && time_ms >= min as f64) || instrumented(qd)
}

fn instrumented(qd: &QueryDesc) -> bool {
    qd.instrument_options & InstrumentOption::INSTRUMENT_ROWS as c_int != 0
}

/// Captures the plan of a candidate execution if it is its statement's slowest yet. The
/// text is built in a subtransaction: an error there is a WARNING and no plan (a cancel
/// goes on to fail the statement), and what the failed call held is released.
pub(super) fn capture(qd: *mut QueryDesc, stmt: &Statement, toplevel: bool, time_ms: f64) {
    // SAFETY: ExecutorEnd has not run yet: the query descriptor and its state are valid.
    let explain_only =
        unsafe { (*(*qd).estate).es_top_eflags & pg_sys::EXEC_FLAG_EXPLAIN_ONLY as c_int != 0 };
    if explain_only {
        return;
    }
    // SAFETY: as above.
    let instrumented = instrumented(unsafe { &*qd });
    record::capture_plan(stmt, toplevel, time_ms, instrumented, || {
        let text = super::guard::in_subtransaction("plan not captured", || {
            crate::fault::point(crate::fault::Point::PlanCapture);
            explain_text(qd, instrumented)
        })?;
        Some(vitals_core::plan_text::bounded(
            vitals_core::plan_text::mask_constants(&text),
            guc::PLAN_MAX_SIZE.get() as usize,
        ))
    });
}

/// The plan in EXPLAIN's text format, with actual rows (and times, when timed) when the
/// execution was instrumented: what auto_explain logs.
fn explain_text(qd: *mut QueryDesc, instrumented: bool) -> Vec<u8> {
    // SAFETY: as in capture(). The pg_sys calls are pgrx-guarded: an error becomes a panic
    // after PostgreSQL's error state is flushed, so the memory context is restored below
    // before the panic goes on to the subtransaction's handler.
    unsafe {
        let saved = pg_sys::CurrentMemoryContext;
        // Everything EXPLAIN allocates goes away with the query at ExecutorEnd.
        pg_sys::CurrentMemoryContext = (*(*qd).estate).es_query_cxt;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let es = pg_sys::NewExplainState();
            (*es).analyze = instrumented;
            (*es).timing =
                (*qd).instrument_options & InstrumentOption::INSTRUMENT_TIMER as c_int != 0;
            (*es).buffers =
                (*qd).instrument_options & InstrumentOption::INSTRUMENT_BUFFERS as c_int != 0;
            (*es).costs = true;
            (*es).summary = false;
            (*es).format = pg_sys::ExplainFormat::EXPLAIN_FORMAT_TEXT;
            pg_sys::ExplainBeginOutput(es);
            pg_sys::ExplainPrintPlan(es, qd);
            pg_sys::ExplainEndOutput(es);
            let s = &*(*es).str_;
            let bytes = std::slice::from_raw_parts(s.data as *const u8, s.len.max(0) as usize);
            bytes.trim_ascii_end().to_vec()
        }));
        pg_sys::CurrentMemoryContext = saved;
        result.unwrap_or_else(|e| std::panic::resume_unwind(e))
    }
}
