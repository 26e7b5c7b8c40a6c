//! Each table's vacuum and analyze: one function per rule, named as the rule users see.

use super::cutoffs::*;
use super::{alter, describe, last_of, names, vacuum_target, Ctx};
use crate::advice::autovacuum::thresholds::Status;
use crate::advice::{count, duration, size, Finding, Severity};

/// What every table rule starts from.
struct Facts<'a> {
    st: &'a Status<'a>,
    /// The table VACUUM and ANALYZE name.
    target: &'a str,
    dead: f64,
    live: f64,
    /// The vacuum threshold (infinite where autovacuum never vacuums for dead tuples).
    vt: f64,
}

impl Ctx<'_> {
    /// Every rule about one table, in the order its findings are listed before sorting.
    pub(crate) fn table(&self, st: &Status, out: &mut Vec<Finding>) {
        self.freeze_age(st, out);
        if st.table.kind == "p" {
            self.partitioned_analyze(st, out);
            return;
        }
        let f = Facts {
            st,
            target: vacuum_target(st.table),
            dead: st.table.n_dead_tup.unwrap_or(0.0),
            live: st.table.n_live_tup.unwrap_or(0.0),
            vt: st.thresholds.vacuum.unwrap_or(f64::INFINITY),
        };
        self.autovacuum_disabled(&f, out);
        self.vacuum_behind(&f, out);
        self.dead_tuples(&f, out);
        self.scale_factor(&f, out);
        self.insert_mostly(&f, out);
        self.bloat(&f, out);
        self.stale_statistics(&f, out);
        self.vacuum_memory_live(&f, out);
    }

    /// `partitioned_analyze`: autovacuum analyzes partitions, never the partitioned table.
    fn partitioned_analyze(&self, st: &Status, out: &mut Vec<Finding>) {
        let t = st.table;
        if t.last_analyze.is_none() {
            out.push(self.finding(
                "partitioned_analyze",
                Severity::Info,
                names(t),
                format!("partitioned table {}.{} has never been analyzed", t.schema, t.name),
                "autovacuum analyzes partitions but never the partitioned table, whose statistics the planner uses for queries over the whole table (joins, grouping); analyze it by hand after loading and from time to time".into(),
                format!("ANALYZE {}", t.sql_name),
            ));
        }
    }

    /// `autovacuum_disabled`: autovacuum turned off on the table itself.
    fn autovacuum_disabled(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, e, dead, vt) = (f.st.table, &f.st.effective, f.dead, f.vt);
        if !e.enabled && e.source != "parent" {
            let heavy = dead > vt;
            out.push(self.finding(
                "autovacuum_disabled",
                if heavy { Severity::Critical } else { Severity::Warning },
                names(t),
                format!(
                    "autovacuum is disabled on {}: {} dead tuples{}; only anti-wraparound vacuums run on it",
                    describe(t),
                    count(dead),
                    if heavy { format!(", {:.1}x its vacuum threshold of {}", dead / vt.max(1.0), count(vt)) } else { String::new() }
                ),
                "enable autovacuum on it; a table needing special care is better served by its own thresholds or cost settings than by no vacuum at all".into(),
                alter(t, "RESET", &[("autovacuum_enabled", None)]),
            ));
        }
    }

    /// `vacuum_behind`: autovacuum on, the threshold passed, no vacuum for a while.
    fn vacuum_behind(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, s, e, st, target, dead, vt) = (
            f.st.table,
            self.s,
            &f.st.effective,
            f.st,
            f.target,
            f.dead,
            f.vt,
        );
        if self.autovacuum_runs() && e.enabled && dead > BEHIND_FACTOR * vt && !st.vacuuming() {
            let window = BEHIND_MIN_S.max(10.0 * s.naptime_s);
            let last = last_of(t.last_vacuum, t.last_autovacuum);
            let behind = match last {
                Some(l) => self.now_s - l > window,
                // Never vacuumed: how long it has been due is unknown (autovacuum may only
                // just have been enabled), so only when far past the threshold.
                None => dead > NEVER_VACUUMED_FACTOR * vt,
            };
            if behind {
                out.push(self.finding(
                    "vacuum_behind",
                    Severity::Warning,
                    names(t),
                    format!(
                        "{} has {} dead tuples, {:.1}x its vacuum threshold of {}, and {}",
                        describe(t),
                        count(dead),
                        dead / vt.max(1.0),
                        count(vt),
                        match last {
                            Some(l) => format!("was last vacuumed {} ago", duration(self.now_s - l)),
                            None => "was never vacuumed".into(),
                        }
                    ),
                    format!(
                        "autovacuum is not keeping up: vacuum it now; then give autovacuum more throughput (autovacuum_vacuum_cost_limit {} is shared by all workers, {} MB/s of reads at most) or lower the table's scale factor so that each vacuum has less to do",
                        count(s.cost_limit),
                        s.mb_per_s(s.page_miss).map_or("unthrottled".into(), |m| format!("{m:.0}"))
                    ),
                    format!("VACUUM (VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
    }

    /// `dead_tuples`: a large table that is largely dead.
    fn dead_tuples(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, target, dead, live) = (f.st.table, f.target, f.dead, f.live);
        if t.table_bytes >= DEAD_MIN_BYTES && live + dead > 0.0 {
            let share = dead / (live + dead);
            if share > DEAD_SHARE_WARNING {
                out.push(self.finding(
                    "dead_tuples",
                    if share > DEAD_SHARE_CRITICAL { Severity::Critical } else { Severity::Warning },
                    names(t),
                    format!(
                        "{:.0}% of the rows of {} ({}) are dead: {} of {}",
                        share * 100.0,
                        describe(t),
                        size(t.table_bytes),
                        count(dead),
                        count(live + dead)
                    ),
                    "vacuum it, and lower its vacuum scale factor so that dead tuples are removed before they take a fifth of a large table".into(),
                    format!("VACUUM (VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
    }

    /// `scale_factor`: a large table on the server's scale factor.
    fn scale_factor(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, s, e, vt) = (f.st.table, self.s, &f.st.effective, f.vt);
        let recommended = SCALE_THRESHOLD + SCALE_FACTOR * t.reltuples.max(0.0);
        if t.reltuples >= LARGE_ROWS
            && !e.own_vacuum_scale_factor
            && s.vacuum_scale_factor >= 0.1
            && vt > 2.0 * recommended
        {
            out.push(self.finding(
                "scale_factor",
                if t.reltuples >= 10.0 * LARGE_ROWS { Severity::Warning } else { Severity::Info },
                names(t),
                format!(
                    "{} has {} rows and the server's autovacuum_vacuum_scale_factor {}: it is vacuumed only after {} dead tuples",
                    describe(t),
                    count(t.reltuples),
                    s.vacuum_scale_factor,
                    count(vt)
                ),
                format!(
                    "give it its own scale factor: vacuuming after {}% of its rows plus {} ({} dead tuples) keeps each vacuum short and the table from bloating between them",
                    SCALE_FACTOR * 100.0,
                    count(SCALE_THRESHOLD),
                    count(recommended)
                ),
                alter(
                    t,
                    "SET",
                    &[
                        ("autovacuum_vacuum_scale_factor", Some(&SCALE_FACTOR.to_string())),
                        ("autovacuum_vacuum_threshold", Some(&SCALE_THRESHOLD.to_string())),
                    ],
                ),
            ));
        }
    }

    /// `insert_mostly`: an insert-mostly table whose pages are rarely all-visible.
    fn insert_mostly(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, e, st, target) = (f.st.table, &f.st.effective, f.st, f.target);
        let (ins, upd, del) = (
            t.n_tup_ins.unwrap_or(0.0),
            t.n_tup_upd.unwrap_or(0.0),
            t.n_tup_del.unwrap_or(0.0),
        );
        if t.kind == "r"
            && t.reltuples >= LARGE_ROWS
            && ins > 0.0
            && ins >= INSERT_SHARE * (ins + upd + del)
            && t.relpages > 0.0
            && t.relallvisible / t.relpages < ALL_VISIBLE_SHARE
            && !e.own_insert_scale_factor
        {
            let visible = t.relallvisible / t.relpages;
            let (recommendation, sql) = match st.thresholds.insert {
                Some(it) => (
                    format!(
                        "it is vacuumed for its inserts only after {} of them; a lower insert scale factor vacuums it sooner, which sets the visibility map (index-only scans) and freezes rows a little at a time",
                        count(it)
                    ),
                    alter(t, "SET", &[("autovacuum_vacuum_insert_scale_factor", Some(&SCALE_FACTOR.to_string()))]),
                ),
                None => (
                    "before PostgreSQL 13 inserts never trigger autovacuum: vacuum it on a schedule, which sets the visibility map (index-only scans) and freezes rows a little at a time".into(),
                    format!("VACUUM (VERBOSE) {target}"),
                ),
            };
            out.push(self.finding(
                "insert_mostly",
                Severity::Info,
                names(t),
                format!(
                    "{} is insert-mostly ({:.0}% of its row changes are inserts, {} rows) and only {:.0}% of its pages are all-visible",
                    describe(t),
                    100.0 * ins / (ins + upd + del),
                    count(t.reltuples),
                    100.0 * visible
                ),
                recommendation,
                sql,
            ));
        }
    }

    /// `bloat`: estimated bloat of the main fork.
    fn bloat(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, s, st, target) = (f.st.table, self.s, f.st, f.target);
        if let (Some(bloat), Some(share)) = (st.bloat_bytes, st.bloat_share(s)) {
            if t.table_bytes >= BLOAT_MIN_BYTES && share >= BLOAT_WARNING {
                let heap = t.relpages * s.block_size;
                out.push(self.finding(
                    "bloat",
                    if share >= BLOAT_CRITICAL { Severity::Critical } else { Severity::Warning },
                    names(t),
                    format!(
                        "{} had {} at its last vacuum or analyze, and its {} rows would fill about {}: an estimated {:.0}% ({}) is bloat",
                        describe(t),
                        size(heap),
                        count(t.reltuples.max(0.0)),
                        size(heap - bloat),
                        share * 100.0,
                        size(bloat)
                    ),
                    "rewrite it to give the space back: VACUUM FULL holds an ACCESS EXCLUSIVE lock for the whole rewrite (pg_repack does it online); then vacuum it more often (a lower scale factor) so that it does not bloat again".into(),
                    format!("VACUUM (FULL, VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
    }

    /// `stale_statistics`: statistics stale although an analyze is due.
    fn stale_statistics(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, e, st, target) = (f.st.table, &f.st.effective, f.st, f.target);
        if let (Some(at), Some(modified)) = (st.thresholds.analyze, t.n_mod_since_analyze) {
            if modified > at {
                let last = last_of(t.last_analyze, t.last_autoanalyze);
                let disabled = !(self.autovacuum_runs() && e.enabled);
                let old = last.is_some_and(|l| self.now_s - l > STALE_S);
                if disabled || old {
                    out.push(self.finding(
                        "stale_statistics",
                        Severity::Warning,
                        names(t),
                        format!(
                            "{} rows of {} changed since its last analyze ({}), past its analyze threshold of {}{}",
                            count(modified),
                            describe(t),
                            match last {
                                Some(l) => format!("{} ago", duration(self.now_s - l)),
                                None => "never".into(),
                            },
                            count(at),
                            if disabled { "; autovacuum will not analyze it" } else { "" }
                        ),
                        "analyze it now: the planner estimates from statistics that no longer describe the table".into(),
                        format!("ANALYZE {target}"),
                    ));
                }
            }
        }
    }

    /// `vacuum_memory` (live): a running vacuum that had to scan the indexes more than once.
    fn vacuum_memory_live(&self, f: &Facts, out: &mut Vec<Finding>) {
        let (t, s) = (f.st.table, self.s);
        if let Some(n) = t.index_vacuum_count {
            if n > 1.0 {
                out.push(self.finding(
                    "vacuum_memory",
                    Severity::Warning,
                    names(t),
                    format!(
                        "the vacuum running on {} has scanned its indexes {} times: its dead tuples do not fit in autovacuum_work_mem ({})",
                        describe(t),
                        count(n),
                        size(s.work_mem_kb * 1024.0)
                    ),
                    "every extra pass reads every index again; give autovacuum more memory".into(),
                    format!(
                        "ALTER SYSTEM SET autovacuum_work_mem = '{:.0}MB'; SELECT pg_reload_conf()",
                        (s.work_mem_kb * n / 1024.0).ceil().clamp(64.0, 1024.0)
                    ),
                ));
            }
        }
    }
}
