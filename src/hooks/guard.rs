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

use pgrx::pg_sys::{self, panic::CaughtError};
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

/// Whether a caught panic is a PostgreSQL error (raised in a pgrx-guarded call, or an
/// ERROR raised from Rust through pgrx), rather than a bug of ours.
pub(crate) fn is_postgres_error(e: &Panic) -> bool {
    matches!(
        e.downcast_ref::<CaughtError>(),
        Some(CaughtError::PostgresError(_) | CaughtError::ErrorReport(_))
    )
}

/// Whether a caught panic is a query cancel: a cancel request or a statement timeout.
fn is_cancel(e: &Panic) -> bool {
    matches!(
        e.downcast_ref::<CaughtError>(),
        Some(CaughtError::PostgresError(r) | CaughtError::ErrorReport(r))
            if r.sql_error_code() == PgSqlErrorCode::ERRCODE_QUERY_CANCELED
    )
}

/// What a caught panic says.
pub(crate) fn panic_message(e: &Panic) -> String {
    match e.downcast_ref::<CaughtError>() {
        Some(
            CaughtError::PostgresError(r)
            | CaughtError::ErrorReport(r)
            | CaughtError::RustPanic { ereport: r, .. },
        ) => r.message().to_string(),
        None => e
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "internal error".into()),
    }
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
    use pg_sys::panic::ErrorReport;
    let report = match e.downcast_ref::<CaughtError>() {
        Some(
            CaughtError::PostgresError(r)
            | CaughtError::ErrorReport(r)
            | CaughtError::RustPanic { ereport: r, .. },
        ) => {
            let mut report =
                ErrorReport::new(r.sql_error_code(), r.message().to_string(), "pg_vitals");
            if let Some(detail) = r.detail() {
                report = report.set_detail(detail);
            }
            if let Some(hint) = r.hint() {
                report = report.set_hint(hint);
            }
            report
        }
        None => ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            panic_message(&e),
            "pg_vitals",
        ),
    };
    drop(e);
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
                pgrx::warning!("pg_vitals: {what}: {}", panic_message(&e));
                None
            }
        }
    }
}
