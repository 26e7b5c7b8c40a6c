//! The SQL surface: every function and view pg_vitals exposes.
//!
//! The SQL declarations live in `surface.sql` beside this file (names, defaults, grants);
//! the functions are implemented in the modules below, one per view family:
//! - [`srf`]: rows, arguments and errors of set-returning functions;
//! - [`spi`]: the SQL pg_vitals runs itself, under a pinned `search_path`;
//! - [`statements`]: the store's views and reset functions;
//! - [`metrics`]: the totals and `vitals.metrics()`, Prometheus' text format;
//! - [`autovacuum`], [`config`], [`workload`]: the advice functions.

pgrx::extension_sql_file!("surface.sql", name = "surface", finalize);

mod autovacuum;
mod config;
mod metrics;
mod spi;
mod srf;
mod statements;
mod workload;
