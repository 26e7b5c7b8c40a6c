//! pg_vitals: how every statement behaves, from inside PostgreSQL.
//!
//! `_PG_init` only wires subsystems together; each lives in its own module:
//! - [`guc`]: every `pg_vitals.*` setting;
//! - [`store`]: the shared-memory statement store (layout and locking documented there);
//! - [`hooks`]: the FFI edge that turns planner/executor/utility events into store updates;
//! - [`normalize`]: constants to `$n` (pure);
//! - [`advice`]: the advice engines (pure);
//! - [`api`]: the SQL surface.
#![deny(ffi_unwind_calls)]

pub mod api;
mod fault;
pub mod guc;
mod hooks;
mod pg_raw;
mod privileges;
mod server_text;
pub mod store;

::pgrx::pg_module_magic!(name, version);

#[pgrx::pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // The store lives in shared memory, which can only be requested at server start.
    // Without preloading, the SQL functions still exist and explain what to do.
    // SAFETY: a plain read of a postmaster flag.
    let preloaded = unsafe { pgrx::pg_sys::process_shared_preload_libraries_in_progress };
    guc::init(preloaded);
    if !preloaded {
        return;
    }
    store::init();
    hooks::init();
}

// Run by `cargo pgrx test`, which turns on the pg_test feature.
#[cfg(feature = "pg_test")]
mod pg_tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![
            "shared_preload_libraries = 'pg_stat_statements,pg_vitals'",
            "pg_vitals.track = 'all'",
        ]
    }
}
