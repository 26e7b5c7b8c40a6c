//! The autovacuum rules, one module per family: the server's settings, wraparound, each
//! table's vacuum and analyze, and what holds the xmin horizon back. Each finding's `rule`
//! is the name users see in `vitals.autovacuum_advice`.

mod holders;
mod server;
mod tables;
mod wraparound;

use super::inputs::{Inputs, Table};
use super::settings::Settings;
use crate::advice::{Finding, Severity, Subject};

/// Thresholds of the rules themselves (not PostgreSQL's): see the rule table in
/// docs/reference.md.
pub mod cutoffs {
    /// A table is large from this many rows (`scale_factor`, `insert_mostly`) and very large
    /// from ten times that.
    pub const LARGE_ROWS: f64 = 1_000_000.0;
    /// Dead-tuple share and table size for `dead_tuples`.
    pub const DEAD_SHARE_WARNING: f64 = 0.2;
    pub const DEAD_SHARE_CRITICAL: f64 = 0.4;
    pub const DEAD_MIN_BYTES: f64 = 1_073_741_824.0;
    /// Bloat share and table size for `bloat`.
    pub const BLOAT_WARNING: f64 = 0.4;
    pub const BLOAT_CRITICAL: f64 = 0.9;
    pub const BLOAT_MIN_BYTES: f64 = 1_048_576.0;
    /// What `scale_factor` recommends: vacuum after 1% of the rows plus 1,000.
    pub const SCALE_FACTOR: f64 = 0.01;
    pub const SCALE_THRESHOLD: f64 = 1000.0;
    /// `insert_mostly`: inserts at least this share of all row changes; fewer than this
    /// share of pages all-visible.
    pub const INSERT_SHARE: f64 = 0.9;
    pub const ALL_VISIBLE_SHARE: f64 = 0.5;
    /// Ages past this many times the effective freeze max age: freezing is falling behind.
    pub const FREEZE_LAG_FACTOR: f64 = 2.0;
    /// Ages past this are critical whatever the settings (70% of the way to wraparound).
    pub const CRITICAL_AGE: f64 = 1_500_000_000.0;
    /// `vacuum_behind`: dead tuples this far past the threshold, and no vacuum for
    /// max(1 hour, 10 x naptime).
    pub const BEHIND_FACTOR: f64 = 1.1;
    pub const BEHIND_MIN_S: f64 = 3600.0;
    /// `vacuum_behind` for a table never vacuumed: this far past the threshold.
    pub const NEVER_VACUUMED_FACTOR: f64 = 10.0;
    /// `stale_statistics`: no analyze for a day although due.
    pub const STALE_S: f64 = 86_400.0;
    /// `cost_throttled`: a cost limit at or below this and a delay at or above this.
    pub const LOW_COST_LIMIT: f64 = 200.0;
    pub const LONG_COST_DELAY_MS: f64 = 20.0;
}

/// What every rule reads: the server's settings, everything gathered, and now (seconds since
/// 1970).
pub(super) struct Ctx<'a> {
    pub s: &'a Settings,
    pub inputs: &'a Inputs,
    pub now_s: f64,
}

/// Where a table's finding points: itself, or for a TOAST table, its parent (the one ALTER
/// TABLE and VACUUM take).
pub(super) fn names(t: &Table) -> (Option<String>, Option<String>) {
    (Some(t.schema.clone()), Some(t.name.clone()))
}

pub(super) fn describe(t: &Table) -> String {
    match (&t.parent_schema, &t.parent_name) {
        (Some(ps), Some(pn)) if t.kind == "t" => format!("TOAST table of {ps}.{pn}"),
        _ => format!("{}.{}", t.schema, t.name),
    }
}

/// `ALTER TABLE ... SET|RESET (...)` for a table's own options, or its TOAST table's.
pub(super) fn alter(t: &Table, verb: &str, options: &[(&str, Option<&str>)]) -> String {
    let (target, prefix) = match &t.parent_sql_name {
        Some(parent) if t.kind == "t" => (parent.as_str(), "toast."),
        _ => (t.sql_name.as_str(), ""),
    };
    let list: Vec<String> = options
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{prefix}{k} = {v}"),
            None => format!("{prefix}{k}"),
        })
        .collect();
    format!("ALTER TABLE {target} {verb} ({})", list.join(", "))
}

/// The table VACUUM and ANALYZE should name (a TOAST table is vacuumed with its parent).
pub(super) fn vacuum_target(t: &Table) -> &str {
    match &t.parent_sql_name {
        Some(parent) if t.kind == "t" => parent,
        _ => &t.sql_name,
    }
}

pub(super) fn last_of(a: Option<i64>, b: Option<i64>) -> Option<f64> {
    a.max(b).map(|t| t as f64 / 1e6)
}

impl Ctx<'_> {
    /// Autovacuum runs at all: both settings on (a table can still turn it off).
    fn autovacuum_runs(&self) -> bool {
        self.s.autovacuum && self.s.track_counts
    }

    pub(super) fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        (schema_name, relation_name): (Option<String>, Option<String>),
        finding: String,
        recommendation: String,
        sql: String,
    ) -> Finding {
        let subject = Subject {
            schema_name,
            relation_name,
            ..Subject::default()
        };
        Finding::new(rule, severity, subject).says(finding, recommendation, Some(sql))
    }
}
