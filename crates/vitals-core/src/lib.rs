//! pg_vitals' pure logic, with no PostgreSQL and no pgrx in its dependency tree.
//!
//! The extension crate (the repository root) holds the FFI edge: hooks that turn
//! PostgreSQL's structures into the plain values defined here, shared memory, GUCs and the
//! SQL surface. Everything that decides something lives here and is tested by plain
//! `cargo test`:
//! - [`store`]: the statement table, counters, histogram, spinlock and save file;
//! - [`normalize`]: constants to `$n`, as pg_stat_statements writes them;
//! - [`plan_text`]: captured plans (EXPLAIN text) and their identity;
//! - [`explain`]: what EXPLAIN's Vitals group adds (history, insights, advice);
//! - [`advice`]: the autovacuum, configuration and workload advice engines.

pub mod advice;
pub mod explain;
pub mod metrics;
pub mod normalize;
pub mod plan_text;
pub mod store;
