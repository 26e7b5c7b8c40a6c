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

/// Lowest and highest `pg_vitals.max`: below 100 the eviction batch (at least 10 entries)
/// is a tenth of the table; above a million the store would take gigabytes of shared memory.
pub const MAX_MIN: i32 = 100;
pub const MAX_MAX: i32 = 1_000_000;

pub static MAX: GucSetting<i32> = GucSetting::<i32>::new(5000);
pub static TRACK: GucSetting<Track> = GucSetting::<Track>::new(Track::Top);
pub static TRACK_UTILITY: GucSetting<bool> = GucSetting::<bool>::new(true);
pub static TRACK_PLANNING: GucSetting<bool> = GucSetting::<bool>::new(false);
pub static SAVE: GucSetting<bool> = GucSetting::<bool>::new(true);

/// Defines the settings. `pg_vitals.max` sizes shared memory, so it exists only when the
/// library is preloaded (PostgreSQL refuses postmaster-level settings defined later), and
/// only then is the prefix reserved: a server that stopped preloading pg_vitals but still
/// has `pg_vitals.max` in its configuration gets no warning from every backend.
pub fn init(preloaded: bool) {
    define_session_settings();
    if preloaded {
        define_max();
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

fn define_session_settings() {
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

/// Whether statements at `level` are tracked (pg_stat_statements' `pgss_enabled`).
#[inline]
pub fn tracking_at(level: i32) -> bool {
    match track() {
        Track::All => true,
        Track::Top => level == 0,
        Track::None => false,
    }
}
