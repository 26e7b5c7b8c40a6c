//! Every `pg_vitals.*` setting, in one place.
//!
//! The statement-tracking settings mean exactly what pg_stat_statements' settings of the
//! same name mean, so that a user can move between the two without surprises.

use pgrx::guc::{GucContext, GucEnum, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

/// Which statements are tracked (`pg_vitals.track`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PostgresGucEnum)]
pub enum Track {
    #[name = c"none"]
    None,
    #[name = c"top"]
    Top,
    #[name = c"all"]
    All,
}

/// A fault for the fault suite to inject (`pg_vitals.inject_fault`, see `fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PostgresGucEnum)]
pub enum Fault {
    #[name = c"none"]
    None,
    #[name = c"plan_capture_error"]
    PlanCaptureError,
    #[name = c"plan_capture_cancel"]
    PlanCaptureCancel,
    #[name = c"explain_error"]
    ExplainError,
    #[name = c"explain_cancel"]
    ExplainCancel,
    #[name = c"explain_node_error"]
    ExplainNodeError,
    #[name = c"advice_error"]
    AdviceError,
    #[name = c"advice_cancel"]
    AdviceCancel,
}

/// Lowest and highest `pg_vitals.max`: below 100 the eviction batch (at least 10 entries)
/// is a tenth of the table; above a million the store would take gigabytes of shared memory.
pub const MAX_MIN: i32 = 100;
pub const MAX_MAX: i32 = 1_000_000;

pub static MAX: GucSetting<i32> = GucSetting::<i32>::new(5000);
pub static TRACK: GucSetting<Track> = GucSetting::<Track>::new(Track::Top);
pub static TRACK_UTILITY: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static TRACK_PLANNING: GucSetting<bool> = GucSetting::<bool>::new(false);
pub static SAVE: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static PLAN_MEMORY: GucSetting<i32> = GucSetting::<i32>::new(8192);
pub static PLAN_SAMPLE_RATE: GucSetting<f64> = GucSetting::<f64>::new(0.0);
pub static PLAN_MIN_DURATION: GucSetting<i32> = GucSetting::<i32>::new(-1);
pub static PLAN_TIMING: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static PLAN_MAX_SIZE: GucSetting<i32> = GucSetting::<i32>::new(8192);
pub static EXPLAIN: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static INJECT_FAULT: GucSetting<Fault> = GucSetting::<Fault>::new(Fault::None);
/// ms; 30 minutes.
pub static LONG_TRANSACTION: GucSetting<i32> = GucSetting::<i32>::new(30 * 60 * 1000);

/// Highest `pg_vitals.plan_memory` (kB): 1 GB, so that arena offsets fit 32 bits.
pub const PLAN_MEMORY_MAX: i32 = 1024 * 1024;
/// Bounds of `pg_vitals.plan_max_size` (bytes): room for the truncation marker, and
/// at most what `plan_memory` can hold.
pub const PLAN_MAX_SIZE_MIN: i32 = 1024;
pub const PLAN_MAX_SIZE_MAX: i32 = 64 * 1024 * 1024;

/// Defines the settings. `pg_vitals.max` sizes shared memory, so it exists only when the
/// library is preloaded (PostgreSQL refuses postmaster-level settings defined later), and
/// only then is the prefix reserved: a server that stopped preloading pg_vitals but still
/// has `pg_vitals.max` in its configuration gets no warning from every backend.
pub fn init(preloaded: bool) {
    define_session_settings();
    if preloaded {
        define_max();
        define_plan_memory();
        // SAFETY: called from _PG_init in the postmaster.
        unsafe { pgrx::pg_sys::MarkGUCPrefixReserved(c"pg_vitals".as_ptr()) };
    }
}

fn define_max() {
    GucRegistry::define_int_guc(
        c"pg_vitals.max",
        c"Sets the maximum number of statements tracked by pg_vitals.",
        c"When the store is full, the least-used 5% of the entries are evicted (counted in vitals.info.dealloc).",
        &MAX,
        MAX_MIN,
        MAX_MAX,
        GucContext::Postmaster,
        GucFlags::default(),
    );
}

fn define_plan_memory() {
    GucRegistry::define_int_guc(
        c"pg_vitals.plan_memory",
        c"Sets the shared memory kept for captured plans.",
        c"0 turns plan capture off. When full, a new plan is dropped (counted in vitals.info.plans_dropped).",
        &PLAN_MEMORY,
        0,
        PLAN_MEMORY_MAX,
        GucContext::Postmaster,
        GucFlags::UNIT_KB,
    );
}

fn define_session_settings() {
    GucRegistry::define_bool_guc(
        c"pg_vitals.explain",
        c"Adds pg_vitals' history, insights and advice to EXPLAIN output.",
        c"Off: EXPLAIN prints exactly what PostgreSQL prints. On PostgreSQL 18 this is the default of EXPLAIN's VITALS option.",
        &EXPLAIN,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_vitals.long_transaction",
        c"Sets the age from which vitals.autovacuum_advice reports a transaction holding the xmin horizon back.",
        c"Sessions and prepared transactions open at least this long that hold the horizon back are named (xmin_horizon).",
        &LONG_TRANSACTION,
        0,
        i32::MAX,
        GucContext::Userset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_enum_guc(
        c"pg_vitals.inject_fault",
        c"Raises an error at a point of pg_vitals' code, for its fault tests.",
        c"none, or plan_capture, explain or advice followed by _error (an ERROR while holding a relation and a buffer) or _cancel (a cancel request), or explain_node_error (PostgreSQL 18's per-node EXPLAIN fields).",
        &INJECT_FAULT,
        GucContext::Suset,
        GucFlags::NO_SHOW_ALL,
    );
    GucRegistry::define_enum_guc(
        c"pg_vitals.track",
        c"Selects which statements are tracked by pg_vitals.",
        c"none: no statement; top: statements issued by clients; all: also statements run inside functions.",
        &TRACK,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_vitals.track_utility",
        c"Selects whether utility commands are tracked by pg_vitals.",
        c"",
        &TRACK_UTILITY,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_vitals.track_planning",
        c"Selects whether planning duration is tracked by pg_vitals.",
        c"Off by default: timing every planning costs throughput on busy servers, as with pg_stat_statements.",
        &TRACK_PLANNING,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_vitals.save",
        c"Saves pg_vitals statistics across server shutdowns.",
        c"Written to pg_stat/pg_vitals.stat at a clean shutdown and read back at startup.",
        &SAVE,
        GucContext::Sighup,
        GucFlags::default(),
    );
    GucRegistry::define_float_guc(
        c"pg_vitals.plan_sample_rate",
        c"Fraction of top-level executions run with per-node instrumentation for plan capture.",
        c"Sampled executions are plan candidates with actual rows and times; instrumentation slows them down.",
        &PLAN_SAMPLE_RATE,
        0.0,
        1.0,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"pg_vitals.plan_timing",
        c"Times each plan node of sampled executions, not only its rows.",
        c"Off: sampled plans show actual rows and loops without times, at a fraction of the cost (two clock reads per row and node).",
        &PLAN_TIMING,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"pg_vitals.plan_min_duration",
        c"Sets the execution time above which an execution's plan is a capture candidate.",
        c"-1 turns this off. Each statement keeps the plan of its slowest candidate execution.",
        &PLAN_MIN_DURATION,
        -1,
        i32::MAX,
        GucContext::Suset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_int_guc(
        c"pg_vitals.plan_max_size",
        c"Sets the largest captured plan text; longer plans are truncated with a marker.",
        c"",
        &PLAN_MAX_SIZE,
        PLAN_MAX_SIZE_MIN,
        PLAN_MAX_SIZE_MAX,
        GucContext::Suset,
        GucFlags::UNIT_BYTE,
    );
}

// Readers for the per-statement path. `GucSetting::get` checks the calling thread through a
// thread-local (a `__tls_get_addr` call from a shared library) on every read; PostgreSQL
// backends are single-threaded and only PostgreSQL writes these variables, so the hooks read
// them directly.

#[inline]
pub fn track() -> Track {
    // SAFETY: a plain read of a variable only PostgreSQL's GUC machinery writes, in the
    // backend's only thread.
    Track::from_ordinal(unsafe { *TRACK.as_ptr() })
}

#[inline]
pub fn track_utility() -> bool {
    // SAFETY: as in track().
    unsafe { *TRACK_UTILITY.as_ptr() }
}

#[inline]
pub fn track_planning() -> bool {
    // SAFETY: as in track().
    unsafe { *TRACK_PLANNING.as_ptr() }
}

#[inline]
pub fn plan_sample_rate() -> f64 {
    // SAFETY: as in track().
    unsafe { *PLAN_SAMPLE_RATE.as_ptr() }
}

pub fn inject_fault() -> Fault {
    INJECT_FAULT.get()
}

pub fn explain() -> bool {
    EXPLAIN.get()
}

#[inline]
pub fn plan_timing() -> bool {
    // SAFETY: as in track().
    unsafe { *PLAN_TIMING.as_ptr() }
}

#[inline]
pub fn plan_min_duration() -> i32 {
    // SAFETY: as in track().
    unsafe { *PLAN_MIN_DURATION.as_ptr() }
}

/// Whether statements at `level` are tracked (pg_stat_statements' `pgss_enabled`).
#[inline]
pub fn tracking_at(level: i32) -> bool {
    // The ordinal itself, compared without going through `Track` (every hook asks this).
    // SAFETY: as in `track`.
    let ordinal = unsafe { *TRACK.as_ptr() };
    ordinal == Track::All as i32 || (ordinal == Track::Top as i32 && level == 0)
}
