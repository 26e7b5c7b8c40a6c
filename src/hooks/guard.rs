//! PG_TRY / PG_FINALLY / PG_RE_THROW for hook frames.
//!
//! Unlike pgrx's guarded calls, the error is not copied, flushed and raised anew: the body
//! runs under a fresh `sigsetjmp` target (as PG_TRY sets one), and after the cleanup the
//! original error is re-thrown with `pg_re_throw()`, so the client sees exactly the error
//! PostgreSQL raised, CONTEXT lines and error fields included.

use pgrx::pg_sys;

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
