//! Rules about one statement: spills, a statement taking most of the time, planning and
//! JIT cost, unstable latency, containment searches without a GIN index.

use super::cutoffs::*;
use super::text::{calls_text, maintenance, mentions, ms_text, uses_containment};
use super::{Ctx, Statement};
use crate::advice::{count, setting_memory, size, spill, Finding, Severity};

impl Ctx<'_> {
    /// `temp_spill`: a statement that spills to temporary files.
    pub(super) fn temp_spill(&self, s: &Statement, out: &mut Vec<Finding>) {
        let i = self.i;
        if s.temp_blks_written > 0.0 && s.calls > 0.0 {
            let per_call = s.temp_blks_written * self.bs / s.calls;
            let role = s.role_sql.as_deref().unwrap_or("CURRENT_USER");
            let severity = if per_call >= 64.0 * 1_048_576.0 {
                Severity::Warning
            } else {
                Severity::Info
            };
            let written = format!(
                "writes {} to temporary files per call ({}, {} in all)",
                size(per_call),
                calls_text(s.calls),
                size(s.temp_blks_written * self.bs)
            );
            // Index builds and the like sort in maintenance_work_mem. What a statement wrote is
            // all that is known of its spill: the one spill formula, as for a sort of unknown
            // rows (about twice in memory what it wrote to disk).
            let (setting, need_kb, detail, before, after) = if s
                .query
                .as_deref()
                .is_some_and(maintenance)
            {
                (
                    "maintenance_work_mem",
                    spill::memory_for_written_kb(per_call / 1024.0, 0.0),
                    "a maintenance command, which sorts in maintenance_work_mem".to_string(),
                    "",
                    "for the role that runs it keeps its sort in memory",
                )
            } else {
                (
                    "work_mem",
                    spill::memory_for_written_kb(per_call / 1024.0, i.work_mem_kb),
                    format!("work_mem is {}", size(i.work_mem_kb * 1024.0)),
                    "a sort or hash that fits in memory does not touch disk: ",
                    "for the role that runs it (not server-wide: every sort and hash of every session may use that much)",
                )
            };
            let need = setting_memory(need_kb * 1024.0);
            out.push(self.finding(
                "temp_spill",
                severity,
                Some(s),
                None,
                format!("{written}; {detail}"),
                format!("{before}{setting} = '{need}' {after}"),
                Some(format!("ALTER ROLE {role} SET {setting} = '{need}'")),
                self.stmt_tentative,
            ));
        }
    }

    /// `dominant_statement`: one statement taking most of the time.
    pub(super) fn dominant_statement(&self, s: &Statement, out: &mut Vec<Finding>) {
        if Some(s.queryid) == self.top
            && self.statement_total >= DOMINANT_MIN_MS
            && s.total_exec_time > DOMINANT_SHARE * self.statement_total
        {
            out.push(self.finding(
                "dominant_statement",
                Severity::Info,
                Some(s),
                None,
                format!(
                    "takes {:.0}% of all execution time of this database's statements ({} of {}, {})",
                    100.0 * s.total_exec_time / self.statement_total,
                    ms_text(s.total_exec_time),
                    ms_text(self.statement_total),
                    calls_text(s.calls)
                ),
                "optimize it first: any gain there is a gain for the whole workload; its slowest captured plan is in vitals.plans, and EXPLAIN (ANALYZE) of it with pg_vitals gives advice".into(),
                Some(format!("SELECT plan FROM vitals.plans WHERE queryid = {}", s.queryid)),
                self.stmt_tentative,
            ));
        }
    }

    /// `planning_time`: planning slower than execution.
    pub(super) fn planning_time(&self, s: &Statement, out: &mut Vec<Finding>) {
        if s.calls >= MIN_CALLS && s.plans > 0.0 && s.mean_plan_time > s.mean_exec_time {
            out.push(self.finding(
                "planning_time",
                Severity::Info,
                Some(s),
                None,
                format!(
                    "plans take longer than executions: {:.3} ms against {:.3} ms on average over {} calls",
                    s.mean_plan_time, s.mean_exec_time, count(s.calls)
                ),
                "prepare it once per connection (a prepared statement or the driver's statement cache) so that it is planned once, not on every call".into(),
                None,
                self.stmt_tentative,
            ));
        }
    }

    /// `jit_share`: JIT compilation taking a large share of execution.
    pub(super) fn jit_share(&self, s: &Statement, out: &mut Vec<Finding>) {
        if s.calls >= MIN_CALLS
            && s.total_exec_time > 0.0
            && s.jit_time > JIT_SHARE * s.total_exec_time
        {
            out.push(self.finding(
                "jit_share",
                Severity::Warning,
                Some(s),
                None,
                format!(
                    "JIT compilation takes {:.0}% of its execution time ({:.0} of {:.0} ms)",
                    100.0 * s.jit_time / s.total_exec_time,
                    s.jit_time,
                    s.total_exec_time
                ),
                "JIT pays off on long analytical queries, not on short ones run often: turn it off (or raise jit_above_cost above this statement's cost)".into(),
                Some("ALTER SYSTEM SET jit = off; SELECT pg_reload_conf()".into()),
                self.stmt_tentative,
            ));
        }
    }

    /// `unstable_latency`: p99 far above p50.
    pub(super) fn unstable_latency(&self, s: &Statement, out: &mut Vec<Finding>) {
        if let (Some(p50), Some(p99)) = (s.p50_exec_time, s.p99_exec_time) {
            if s.calls >= MIN_CALLS
                && p99 >= UNSTABLE_MIN_P99_MS
                && p99 > UNSTABLE_FACTOR * p50.max(0.001)
            {
                out.push(self.finding(
                    "unstable_latency",
                    Severity::Info,
                    Some(s),
                    None,
                    format!(
                        "p99 is {:.0}x p50 ({:.3} ms against {:.3} ms over {} calls)",
                        p99 / p50.max(0.001),
                        p99,
                        p50,
                        count(s.calls)
                    ),
                    "a plan that changes with its parameters, or waits (locks, I/O): compare its slowest captured plan with a typical EXPLAIN (ANALYZE)".into(),
                    Some(format!(
                        "SELECT captured_at, exec_time, plan FROM vitals.plans WHERE queryid = {}",
                        s.queryid
                    )),
                    self.stmt_tentative,
                ));
            }
        }
    }

    /// `gin_candidate`: containment or full-text predicates on a column no GIN index covers.
    pub(super) fn gin_candidate(&self, s: &Statement, out: &mut Vec<Finding>) {
        let i = self.i;
        if let Some(q) = &s.query {
            if uses_containment(q) {
                for c in &i.containers {
                    if !c.indexed && mentions(q, &c.table) && mentions(q, &c.column) {
                        out.push(self.finding(
                            "gin_candidate",
                            Severity::Info,
                            Some(s),
                            Some((&c.schema, &c.table)),
                            format!(
                                "uses a containment or text-search operator on {}.{} ({}), which no GIN or GiST index covers",
                                c.table, c.column, c.kind
                            ),
                            format!(
                                "a GIN index serves @>, <@, ?, && and @@ on {}; a B-tree cannot",
                                c.kind
                            ),
                            Some(format!("CREATE INDEX ON {} USING gin ({})", c.table_sql, c.column_sql)),
                            self.stmt_tentative,
                        ));
                    }
                }
            }
        }
    }
}
