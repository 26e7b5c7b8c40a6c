//! Autovacuum status and advice (pure Rust).
//!
//! # How PostgreSQL decides (autovacuum.c, `relation_needs_vacanalyze`)
//! Each knob is the table's reloption when set, else the server setting. A TOAST table uses
//! its own reloptions when it has any (`ALTER TABLE t SET (toast.autovacuum_...)` stores
//! them there), else its parent's. With `reltuples` clamped at 0:
//! - vacuum threshold `vacuum_threshold + vacuum_scale_factor * reltuples`, from PostgreSQL
//!   18 at most `autovacuum_vacuum_max_threshold` (unless -1);
//! - insert threshold (13+, -1 disables) `insert_threshold + insert_scale_factor *
//!   reltuples`, from 18 times the unfrozen share `1 - relallfrozen / relpages`;
//! - analyze threshold `analyze_threshold + analyze_scale_factor * reltuples`, never for TOAST
//!   tables; partitioned tables are neither vacuumed nor analyzed by autovacuum;
//! - vacuum when dead tuples pass the vacuum threshold or inserts since the last vacuum pass
//!   the insert threshold (only if autovacuum is enabled for the table), and whatever the
//!   settings when `age(relfrozenxid)` passes `least(table freeze_max_age,
//!   autovacuum_freeze_max_age)`, or the multixact twin: the anti-wraparound vacuum.
//!
//! XIDs wrap around 2^31 transactions after the oldest unfrozen one. The server warns 40
//! million before (11 million before PostgreSQL 14) and refuses new XIDs 3 million before (1
//! million before 14). From 14, a vacuum of a table older than `max(vacuum_failsafe_age, 1.05
//! * autovacuum_freeze_max_age)` drops its cost delay and skips index cleanup (the failsafe).
//!
//! Autovacuum workers share `autovacuum_vacuum_cost_limit` (-1: `vacuum_cost_limit`) and each
//! sleeps `autovacuum_vacuum_cost_delay` (-1: `vacuum_cost_delay`) per that many credits; a
//! page read costs `vacuum_cost_page_miss`, a page dirtied `vacuum_cost_page_dirty`. So all
//! workers together read at most `1000 / delay * limit / page_miss` pages a second.
//!
//! Every threshold is computed from the server's own settings (`pg_settings`) and version;
//! the rules' own cut-offs (1 GB, a million rows, 40% bloat, ...) are listed in docs/reference.md.

mod inputs;
mod rules;
mod settings;
#[cfg(test)]
mod tests;
mod thresholds;

pub use inputs::{reloptions, timestamptz_of_epoch, Database, Holder, Inputs, Table};
pub use rules::cutoffs;
pub use settings::{effective, Effective, Settings, WRAP};
pub use thresholds::{estimated_bloat, status, thresholds, Status, Thresholds};

use super::Finding;
use rules::Ctx;

/// The whole report: a status row per table, and the findings.
#[derive(Debug)]
pub struct Report<'a> {
    pub settings: Settings,
    pub statuses: Vec<Status<'a>>,
    pub findings: Vec<Finding>,
}

pub fn analyze(inputs: &Inputs) -> Result<Report<'_>, String> {
    let s = Settings::from_pg_settings(&inputs.settings)?;
    let mut statuses: Vec<Status> = inputs.tables.iter().map(|t| status(t, &s)).collect();
    statuses
        .sort_by(|a, b| (&a.table.schema, &a.table.name).cmp(&(&b.table.schema, &b.table.name)));
    let mut findings = Vec::new();
    let ctx = Ctx {
        s: &s,
        inputs,
        now_s: inputs.now as f64 / 1e6,
    };
    ctx.autovacuum_off(&statuses, &mut findings);
    ctx.workers(&statuses, &mut findings);
    ctx.vacuum_memory(&statuses, &mut findings);
    ctx.databases(&mut findings);
    for st in &statuses {
        ctx.table(st, &mut findings);
    }
    ctx.xmin_horizon(&mut findings);
    ctx.cost_throttled(&statuses, &mut findings);
    super::sort(&mut findings);
    Ok(Report {
        settings: s,
        statuses,
        findings,
    })
}
