//! Rules about tables and indexes: tables read mostly by sequential scans, indexes never
//! scanned, columns that follow the physical order (BRIN).

use super::cutoffs::*;
use super::text::{calls_text, reads};
use super::{CorrelatedColumn, Ctx, Index, Statement, Table};
use crate::advice::{count, duration, size, Finding, Severity};

impl Ctx<'_> {
    /// `seq_scan_table`: a table read mostly by sequential scans, with the statements that name it.
    pub(super) fn seq_scan_table(&self, t: &Table, out: &mut Vec<Finding>) {
        let i = self.i;
        let idx = t.idx_scan.unwrap_or(0.0);
        if t.seq_tup_read > SEQ_TUP_READ
            && t.n_live_tup >= SEQ_MIN_ROWS
            && t.seq_scan > SEQ_RATIO * idx.max(1.0)
        {
            let mut scanners: Vec<&Statement> = i
                .statements
                .iter()
                .filter(|s| s.query.as_deref().is_some_and(|q| reads(q, &t.name)))
                .collect();
            scanners.sort_by(|a, b| b.total_exec_time.total_cmp(&a.total_exec_time));
            let named: Vec<String> = scanners
                .iter()
                .take(3)
                .map(|s| format!("{} ({})", s.queryid, calls_text(s.calls)))
                .collect();
            out.push(self.finding(
                "seq_scan_table",
                Severity::Warning,
                scanners.first().copied(),
                Some((&t.schema, &t.name)),
                format!(
                    "{} ({} rows) was read by {} sequential scans ({} rows in all) against {} index scans{}",
                    t.sql_name,
                    count(t.n_live_tup),
                    count(t.seq_scan),
                    count(t.seq_tup_read),
                    count(idx),
                    if named.is_empty() {
                        String::new()
                    } else {
                        format!("; statements reading it, slowest first: {}", named.join(", "))
                    }
                ),
                "an index on the columns these statements filter by; EXPLAIN (ANALYZE) of one of them with pg_vitals names the columns (seq_scan_filter)".into(),
                Some(format!(
                    "SELECT queryid, calls, mean_exec_time, query FROM vitals.statements WHERE query ~* '\\m{}\\M' ORDER BY total_exec_time DESC",
                    t.name.replace('\'', "''")
                )),
                self.db_tentative,
            ));
        }
    }

    /// `unused_index`: a large index never scanned.
    pub(super) fn unused_index(&self, x: &Index, out: &mut Vec<Finding>) {
        let i = self.i;
        if x.idx_scan == 0.0 && x.bytes >= UNUSED_INDEX_BYTES && !x.enforces {
            out.push(self.finding(
                "unused_index",
                Severity::Warning,
                None,
                Some((&x.schema, &x.name)),
                format!(
                    "index {} on {} ({}) has not been scanned in {}",
                    x.name,
                    x.table,
                    size(x.bytes),
                    duration(i.database_age_s)
                ),
                "it slows every write to the table and takes space for nothing; drop it once sure that no job needs it (a monthly report, a replica: index scans there are not counted here)".into(),
                Some(format!("DROP INDEX CONCURRENTLY {}", x.sql_name)),
                self.db_tentative,
            ));
        }
    }

    /// `brin_candidate`: a large append-only table whose column follows the physical order.
    pub(super) fn brin_candidate(&self, c: &CorrelatedColumn, out: &mut Vec<Finding>) {
        let changes = c.n_tup_upd + c.n_tup_del;
        if c.correlation.abs() >= BRIN_CORRELATION
            && c.reltuples >= BRIN_MIN_ROWS
            && c.n_tup_ins > 0.0
            && changes <= APPEND_ONLY_SHARE * c.n_tup_ins
        {
            out.push(self.finding(
                "brin_candidate",
                Severity::Info,
                None,
                Some((&c.schema, &c.table)),
                format!(
                    "{}.{} follows the table's physical order (correlation {:.3}) on an append-only table of {} rows; its B-tree index {} takes {}",
                    c.table,
                    c.column,
                    c.correlation,
                    count(c.reltuples),
                    c.btree_index,
                    size(c.btree_bytes)
                ),
                "for range conditions on such a column a BRIN index answers as well at a tiny fraction of the size; keep the B-tree only for lookups of single values".into(),
                Some(format!("CREATE INDEX ON {} USING brin ({})", c.table_sql, c.column_sql)),
                self.db_tentative,
            ));
        }
    }
}
