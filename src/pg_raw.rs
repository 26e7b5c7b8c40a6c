//! PostgreSQL functions called on the per-statement path without pgrx's guard.
//!
//! pgrx wraps every `pg_sys` function in a `sigsetjmp` boundary that turns an error into a
//! Rust panic. On the hot path that costs instructions for nothing: these functions do not
//! raise errors in practice (lock bookkeeping, pointer arithmetic, clock reads), and where
//! one could (an allocation failing), the callers are plain old frames that an error may
//! longjmp through, exactly as through pg_stat_statements' C code.

use pgrx::pg_sys::{BufferUsage, Instrumentation, LWLock, Oid, TimestampTz, WalUsage};
use std::ffi::{c_char, c_int};

unsafe extern "C" {
    pub fn GetUserId() -> Oid;
    pub fn GetDatabaseEncoding() -> c_int;
    pub fn GetCurrentTimestamp() -> TimestampTz;
    pub fn LWLockAcquire(lock: *mut LWLock, mode: u32) -> bool;
    pub fn LWLockRelease(lock: *mut LWLock);
    pub fn InstrAlloc(
        n: c_int,
        instrument_options: c_int,
        async_mode: bool,
    ) -> *mut Instrumentation;
    pub fn InstrEndLoop(instr: *mut Instrumentation);
    pub fn CleanQuerytext(
        query: *const c_char,
        location: *mut c_int,
        len: *mut c_int,
    ) -> *const c_char;
    pub fn BufferUsageAccumDiff(
        dst: *mut BufferUsage,
        add: *const BufferUsage,
        sub: *const BufferUsage,
    );
    pub fn WalUsageAccumDiff(dst: *mut WalUsage, add: *const WalUsage, sub: *const WalUsage);
    /// The SQLSTATE of the error being handled (valid between the longjmp and the re-throw).
    pub fn geterrcode() -> c_int;
    /// pg_prng.c: a uniform double in [0, 1).
    pub fn pg_prng_double(state: *mut pgrx::pg_sys::pg_prng_state) -> f64;
    /// define.c: an option's boolean value, or PostgreSQL's error for a bad one.
    #[cfg(feature = "pg18")]
    pub fn defGetBoolean(def: *mut pgrx::pg_sys::DefElem) -> bool;
    /// autovacuum.c: autovacuum_analyze_threshold and autovacuum_analyze_scale_factor.
    pub static autovacuum_anl_thresh: c_int;
    pub static autovacuum_anl_scale: f64;
    /// libc; the clock PostgreSQL's instr_time reads on Linux.
    pub fn clock_gettime(clock: c_int, tp: *mut Timespec) -> c_int;
}

#[repr(C)]
#[derive(Default)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// CLOCK_MONOTONIC on Linux: INSTR_TIME_SET_CURRENT's clock.
pub const CLOCK_MONOTONIC: c_int = 1;
