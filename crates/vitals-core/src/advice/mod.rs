//! Advice engines (pure Rust): plain input structs in, findings out, tested without a server.
//! The SQL surface gathers the inputs (`api`) and shows the results.
//!
//! - [`autovacuum`]: per-table autovacuum status and the autovacuum rules;
//! - [`config`]: configuration advice for the host and workload;
//! - [`workload`]: advice from the statement statistics and table and index activity.

pub mod autovacuum;
pub mod config;
mod finding;
mod format;
pub mod spill;
pub mod workload;

pub use finding::{sort, Finding, Severity, Subject};
pub use format::{count, duration, setting_memory, size};
