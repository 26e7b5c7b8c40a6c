//! The thresholds PostgreSQL computes for each table, the estimated bloat, and the status
//! row `vitals.autovacuum_status` shows.

use super::inputs::Table;
use super::settings::{effective, Effective, Settings};

/// The thresholds PostgreSQL computes for a table (None where autovacuum never acts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub vacuum: Option<f64>,
    pub insert: Option<f64>,
    pub analyze: Option<f64>,
}

pub fn thresholds(t: &Table, e: &Effective, s: &Settings) -> Thresholds {
    if t.kind == "p" {
        return Thresholds {
            vacuum: None,
            insert: None,
            analyze: None,
        };
    }
    let reltuples = t.reltuples.max(0.0);
    let mut vacuum = e.vacuum_threshold + e.vacuum_scale_factor * reltuples;
    if let Some(max) = e.vacuum_max_threshold {
        if max >= 0.0 {
            vacuum = vacuum.min(max);
        }
    }
    let insert = match (e.insert_threshold, e.insert_scale_factor) {
        (Some(base), Some(scale)) if base >= 0.0 => {
            // PostgreSQL 18 scales by the share of pages not yet all-frozen.
            let unfrozen = match t.relallfrozen {
                Some(frozen) if s.version >= 180000 && t.relpages > 0.0 && frozen > 0.0 => {
                    1.0 - frozen.min(t.relpages) / t.relpages
                }
                _ => 1.0,
            };
            Some(base + scale * reltuples * unfrozen)
        }
        _ => None,
    };
    let analyze =
        (t.kind != "t").then_some(e.analyze_threshold + e.analyze_scale_factor * reltuples);
    Thresholds {
        vacuum: Some(vacuum),
        insert,
        analyze,
    }
}

/// Estimated bloat in bytes of the main fork, from the columns' statistics (as
/// pgsql-bloat-estimation does): the pages the live rows would fill at the table's
/// fillfactor against the pages it has. None when some column lacks statistics the caller
/// may read, or the table was never analyzed (and, as gathered, for tables under 1 MB).
pub fn estimated_bloat(t: &Table, e: &Effective, s: &Settings) -> Option<f64> {
    let (ncols, stats_cols, width) = (t.ncols?, t.stats_cols?, t.data_width?);
    if ncols <= 0.0 || stats_cols < ncols || t.reltuples < 0.0 || t.relpages <= 0.0 {
        return None;
    }
    let align = |n: f64| (n / 8.0).ceil() * 8.0;
    // Heap tuple header 23 bytes, a null bitmap when any column has nulls, MAXALIGNed; the
    // data MAXALIGNed; a 4-byte line pointer. Page header 24 bytes.
    let bitmap = if t.has_nulls.unwrap_or(false) {
        ((ncols + 7.0) / 8.0).floor()
    } else {
        0.0
    };
    let tuple = align(23.0 + bitmap) + align(width) + 4.0;
    let per_page = ((s.block_size - 24.0) * e.fillfactor / 100.0 / tuple)
        .floor()
        .max(1.0);
    let expected = (t.reltuples / per_page).ceil();
    Some((t.relpages - expected).max(0.0) * s.block_size)
}

/// One row of `vitals.autovacuum_status`.
#[derive(Debug, Clone)]
pub struct Status<'a> {
    pub table: &'a Table,
    pub effective: Effective,
    pub thresholds: Thresholds,
    /// Autovacuum would vacuum it now (a threshold passed and enabled, or wraparound).
    pub vacuum_due: bool,
    /// An anti-wraparound vacuum is due (age past the effective freeze max age).
    pub wraparound_due: bool,
    pub analyze_due: bool,
    pub bloat_bytes: Option<f64>,
}

impl Status<'_> {
    pub fn vacuuming(&self) -> bool {
        self.table.vacuum_phase.is_some()
    }
    /// Estimated bloat as a share of the pages the estimate compares with (relpages).
    pub fn bloat_share(&self, s: &Settings) -> Option<f64> {
        let pages = self.table.relpages * s.block_size;
        self.bloat_bytes.filter(|_| pages > 0.0).map(|b| b / pages)
    }
}

fn past(value: Option<f64>, threshold: Option<f64>) -> bool {
    matches!((value, threshold), (Some(v), Some(t)) if v > t)
}

pub fn status<'a>(t: &'a Table, s: &Settings) -> Status<'a> {
    let e = effective(t, s);
    let th = thresholds(t, &e, s);
    let auto = s.autovacuum && s.track_counts && e.enabled;
    let wraparound_due = past(t.xid_age, Some(e.freeze_max_age))
        || past(t.mxid_age, Some(e.multixact_freeze_max_age));
    let vacuum_due = wraparound_due
        || (auto && (past(t.n_dead_tup, th.vacuum) || past(t.n_ins_since_vacuum, th.insert)));
    let analyze_due = auto && past(t.n_mod_since_analyze, th.analyze);
    let bloat_bytes = estimated_bloat(t, &e, s);
    Status {
        table: t,
        effective: e,
        thresholds: th,
        vacuum_due,
        wraparound_due,
        analyze_due,
        bloat_bytes,
    }
}
