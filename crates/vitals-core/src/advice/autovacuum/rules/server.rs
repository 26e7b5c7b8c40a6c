//! Server-wide rules, one function each: `autovacuum_off`, `workers`, `vacuum_memory`
//! (static) and `cost_throttled`.

use super::cutoffs::*;
use super::{describe, names, Ctx};
use crate::advice::autovacuum::thresholds::Status;
use crate::advice::{count, size, Finding, Severity};

impl Ctx<'_> {
    /// `autovacuum_off`: autovacuum (or the statistics it needs) is off server-wide.
    pub(crate) fn autovacuum_off(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        for (name, on) in [
            ("autovacuum", s.autovacuum),
            ("track_counts", s.track_counts),
        ] {
            if !on {
                out.push(self.finding(
                    "autovacuum_off",
                    Severity::Critical,
                    (None, None),
                    format!("{name} is off: autovacuum vacuums and analyzes nothing but tables about to wrap around ({} tables here)", statuses.len()),
                    format!("turn {name} on; without it dead tuples accumulate, tables bloat and statistics go stale until an emergency anti-wraparound vacuum"),
                    format!("ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf()"),
                ));
            }
        }
    }

    /// `workers`: every worker busy while more tables wait.
    pub(crate) fn workers(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        let waiting = statuses
            .iter()
            .filter(|st| st.vacuum_due && !st.vacuuming())
            .count();
        let running = self.inputs.autovacuum_workers_running;
        if s.autovacuum && running >= s.max_workers && waiting > 0 {
            let workers = (s.max_workers * 2.0).max(s.max_workers + 1.0);
            out.push(self.finding(
                "workers",
                Severity::Info,
                (None, None),
                format!(
                    "all {} autovacuum workers are busy and {} more tables are due for vacuum",
                    count(s.max_workers),
                    count(waiting as f64)
                ),
                format!(
                    "more workers vacuum more tables at once; they share autovacuum_vacuum_cost_limit ({}), so raise it with them or each worker gets slower{}",
                    count(s.cost_limit),
                    if s.version < 180000 { "; autovacuum_max_workers takes effect at restart" } else { "" }
                ),
                format!(
                    "ALTER SYSTEM SET autovacuum_max_workers = {}; ALTER SYSTEM SET autovacuum_vacuum_cost_limit = {}",
                    count(workers).replace(',', ""),
                    count((s.cost_limit * workers / s.max_workers.max(1.0)).max(s.cost_limit)).replace(',', "")
                ),
            ));
        }
    }

    /// `vacuum_memory` (static, before 17): the largest table's dead tuples at its threshold
    /// do not fit in autovacuum_work_mem.
    pub(crate) fn vacuum_memory(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        if let Some(capacity) = s.dead_tid_capacity() {
            let largest = statuses
                .iter()
                .filter(|st| st.effective.enabled && st.table.kind != "p")
                .filter_map(|st| st.thresholds.vacuum.map(|v| (v, st)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((dead, st)) = largest {
                if dead > capacity {
                    let need_mb = (dead * 6.0 * 1.2 / 1_048_576.0).ceil().min(1024.0);
                    out.push(self.finding(
                        "vacuum_memory",
                        Severity::Info,
                        names(st.table),
                        format!(
                            "{} is vacuumed when it has {} dead tuples, but autovacuum_work_mem ({}) holds {} TIDs: each such vacuum scans all its indexes {} times",
                            describe(st.table),
                            count(dead),
                            size(s.work_mem_kb * 1024.0),
                            count(capacity),
                            count((dead / capacity).ceil())
                        ),
                        "give each worker room for a whole vacuum's dead tuples (6 bytes each, at most 1 GB is used), or lower the table's scale factor so that it is vacuumed sooner".into(),
                        format!("ALTER SYSTEM SET autovacuum_work_mem = '{need_mb:.0}MB'; SELECT pg_reload_conf()"),
                    ));
                }
            }
        }
    }

    /// `cost_throttled`: cost settings that throttle autovacuum below what the tables need.
    pub(crate) fn cost_throttled(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        let behind = out.iter().any(|f| {
            matches!(
                f.rule,
                "vacuum_behind" | "xid_wraparound" | "mxid_wraparound"
            )
        });
        if !(s.autovacuum && s.cost_limit <= LOW_COST_LIMIT) {
            return;
        }
        let long_delay = s.cost_delay_ms >= LONG_COST_DELAY_MS;
        if !(long_delay || behind) {
            return;
        }
        let read = s
            .mb_per_s(s.page_miss)
            .map_or("unthrottled".into(), |m| format!("{m:.1} MB/s"));
        let dirty = s
            .mb_per_s(s.page_dirty)
            .map_or("unthrottled".into(), |m| format!("{m:.1} MB/s"));
        let mut sql = vec!["ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 1000".to_string()];
        if long_delay {
            sql.push("ALTER SYSTEM SET autovacuum_vacuum_cost_delay = '2ms'".into());
        }
        sql.push("SELECT pg_reload_conf()".into());
        out.push(self.finding(
            "cost_throttled",
            Severity::Warning,
            (None, None),
            format!(
                "autovacuum's cost settings (limit {}, delay {} ms) let all workers together read at most {read} and dirty {dirty}{}; {} tables here",
                count(s.cost_limit),
                s.cost_delay_ms,
                if behind { ", and some tables are falling behind" } else { "" },
                count(statuses.len() as f64)
            ),
            "raise the cost limit (it is shared by all workers) and keep the delay short: 1000 with 2 ms lets autovacuum do five times the work on any modern storage".into(),
            sql.join("; "),
        ));
    }
}
