//! Error handling at the FFI edge.
//!
//! - [`try_finally`]: PG_TRY / PG_FINALLY / PG_RE_THROW for hook frames. Unlike pgrx's
//!   guarded calls, the error is not copied, flushed and raised anew: the body runs under a
//!   fresh `sigsetjmp` target (as PG_TRY sets one), and after the cleanup the original error
//!   is re-thrown with `pg_re_throw()`, so the client sees exactly the error PostgreSQL
//!   raised, CONTEXT lines and error fields included.
//! - [`in_subtransaction`]: work that calls into PostgreSQL and may fail without failing the
//!   user's statement, as PL/pgSQL's EXCEPTION blocks run.
//! - [`rethrow`]: a PostgreSQL error that pgrx turned into a Rust panic, raised again.

use pgrx::pg_sys::{
    self,
    panic::{CaughtError, ErrorReport, ErrorReportWithLevel},
};
use pgrx::PgSqlErrorCode;
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

unsafe extern "C" {
    // elog.c: longjmp to the enclosing PG_TRY (or the top-level error handler) with the
    // current error data intact. It never returns.
    fn pg_re_throw() -> !;
}

/// Runs `body`, then `finally(failed)` whether `body` returned or raised a PostgreSQL error;
/// in the latter case (`failed` true, the error data still current, so `geterrcode()` works)
/// the error then continues to the enclosing handler.
///
/// # Safety
/// `body` must be a plain old frame: it may be left by longjmp, so it must not own anything
/// with a destructor, and neither may the caller's frame at the point of this call (the
/// re-throw leaves it by longjmp too). `finally` must not raise an error.
#[inline(always)]
pub(super) unsafe fn try_finally(body: impl FnOnce(), finally: impl FnOnce(bool)) {
    let saved_exception_stack = pg_sys::PG_exception_stack;
    let saved_context_stack = pg_sys::error_context_stack;
    let jumped = cee_scape::call_with_sigsetjmp(false, |jmp| {
        pg_sys::PG_exception_stack = jmp as *const _ as *mut _;
        body();
        0
    });
    pg_sys::PG_exception_stack = saved_exception_stack;
    pg_sys::error_context_stack = saved_context_stack;
    finally(jumped != 0);
    if jumped != 0 {
        pg_re_throw();
    }
}

/// A caught panic's payload.
pub(crate) type Panic = Box<dyn Any + Send>;

/// The PostgreSQL error a caught panic carries: one raised in a pgrx-guarded call
/// (`CaughtError::PostgresError`), or an ERROR raised from Rust through pgrx, before or after
/// a pgrx guard wrapped it (`ErrorReportWithLevel`, `CaughtError::ErrorReport`). None for a
/// bug of ours (a plain panic) or a bare `ErrorReport`, which carries no readable SQLSTATE.
fn postgres_error(e: &Panic) -> Option<&ErrorReportWithLevel> {
    match e.downcast_ref::<CaughtError>() {
        Some(CaughtError::PostgresError(r) | CaughtError::ErrorReport(r)) => Some(r),
        Some(CaughtError::RustPanic { .. }) => None,
        None => e.downcast_ref::<ErrorReportWithLevel>(),
    }
}

/// Whether a caught panic is a PostgreSQL error rather than a bug of ours.
pub(crate) fn is_postgres_error(e: &Panic) -> bool {
    postgres_error(e).is_some() || e.is::<ErrorReport>()
}

/// Whether a caught panic is a query cancel: a cancel request or a statement timeout.
fn is_cancel(e: &Panic) -> bool {
    postgres_error(e).is_some_and(|r| r.sql_error_code() == PgSqlErrorCode::ERRCODE_QUERY_CANCELED)
}

/// What a caught panic says.
pub(crate) fn panic_message(e: &Panic) -> String {
    if let Some(r) = postgres_error(e) {
        return r.message().to_string();
    }
    match e.downcast_ref::<CaughtError>() {
        Some(CaughtError::RustPanic { ereport: r, .. }) => r.message().to_string(),
        _ => e
            .downcast_ref::<ErrorReport>()
            .map(|r| r.message().to_string())
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal error".into()),
    }
}

/// Emits `text` as a WARNING. A WARNING's `errfinish` checks for interrupts, and a pending
/// cancel would longjmp from there past our frames: interrupts are held while it is
/// emitted, so the cancel stays pending for PostgreSQL's next check. A failure to emit it
/// (memory exhausted) is dropped: the statement matters more than the warning.
pub(crate) fn warn(text: String) {
    // SAFETY: backend-local counters, restored to what they were.
    let held = unsafe { pg_sys::InterruptHoldoffCount };
    unsafe { pg_sys::InterruptHoldoffCount = held + 1 };
    let emitted = catch_unwind(AssertUnwindSafe(move || pgrx::warning!("{text}")));
    unsafe { pg_sys::InterruptHoldoffCount = held };
    drop(emitted);
}

/// Raises a caught error again as a PostgreSQL ERROR with its SQLSTATE, message, detail and
/// hint (a Rust panic becomes an internal error), through pgrx's own conversion, which ends
/// in `errfinish`'s longjmp. The Rust backtrace pgrx attaches when `RUST_BACKTRACE` is set
/// is left out: the client sees the error as PostgreSQL raised it.
///
/// Every frame between here and the enclosing PostgreSQL error handler must be a plain old
/// frame at this point: the hooks hold nothing with a destructor across the call that
/// reaches here, and everything of this frame is moved into the closure.
pub(crate) fn rethrow(e: Panic) -> ! {
    let report = match e.downcast::<ErrorReport>() {
        Ok(report) => *report,
        Err(e) => {
            let (code, message, detail, hint) = match postgres_error(&e) {
                Some(r) => (
                    r.sql_error_code(),
                    r.message().to_string(),
                    r.detail().map(str::to_string),
                    r.hint().map(str::to_string),
                ),
                None => (
                    PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                    panic_message(&e),
                    None,
                    None,
                ),
            };
            let mut report = ErrorReport::new(code, message, "pg_vitals");
            if let Some(detail) = detail {
                report = report.set_detail(detail);
            }
            if let Some(hint) = hint {
                report = report.set_hint(hint);
            }
            report
        }
    };
    // SAFETY: see above.
    unsafe {
        pg_sys::panic::pgrx_extern_c_guard(move || report.report(pgrx::PgLogLevel::ERROR));
    }
    unreachable!("an ERROR does not return")
}

/// Runs `f`, which calls into PostgreSQL (EXPLAIN's printer, for plan capture), in an
/// internal subtransaction, as PL/pgSQL runs a block with an EXCEPTION clause. If `f`
/// raises an error, the subtransaction is rolled back, which releases everything the failed
/// call held (locks, buffer pins, relcache and catcache references, memory), and then:
/// - a cancel or statement timeout is raised again: the user asked the statement to stop;
/// - any other error, or a panic of ours, becomes a WARNING naming `what`, and None is
///   returned, so the user's statement goes on without what `f` would have added.
///
/// Where no subtransaction can start, `f` does not run and None is returned: outside a
/// transaction in progress (an executor shut down during an abort) or in parallel mode.
/// What `f` allocates in the caller's memory context stays there.
///
/// Starting and ending the subtransaction are pgrx-guarded calls: should one fail, its
/// error unwinds as a panic, so callers run this inside [`super::shielded`].
pub(crate) fn in_subtransaction<R>(what: &str, f: impl FnOnce() -> R) -> Option<R> {
    // SAFETY: PostgreSQL's transaction machinery, used as PL/pgSQL uses it; the memory
    // context and resource owner are restored on both paths.
    unsafe {
        if !pg_sys::IsTransactionState() || pg_sys::IsInParallelMode() {
            return None;
        }
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::CurrentMemoryContext = context;
        let result = catch_unwind(AssertUnwindSafe(f));
        match result {
            Ok(_) => pg_sys::ReleaseCurrentSubTransaction(),
            Err(_) => pg_sys::RollbackAndReleaseCurrentSubTransaction(),
        }
        pg_sys::CurrentMemoryContext = context;
        pg_sys::CurrentResourceOwner = owner;
        match result {
            Ok(r) => Some(r),
            Err(e) if is_cancel(&e) => rethrow(e),
            Err(e) => {
                let text = format!("pg_vitals: {what}: {}", panic_message(&e));
                drop(e);
                warn(text);
                None
            }
        }
    }
}
