//! What an executed plan tree says beyond plain EXPLAIN (pure Rust): where the time went
//! (the node with the largest exclusive time) and where the planner was most wrong (the
//! node whose actual rows differ most from its estimate).
//!
//! The FFI layer turns a `PlanState` tree into [`PlanNode`]s with the numbers EXPLAIN
//! ANALYZE prints: per-loop estimated and actual rows, loops, and per-loop total time.

/// One node of an executed plan, as EXPLAIN ANALYZE reports it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanNode {
    /// What EXPLAIN calls it, e.g. `Seq Scan on orders`.
    pub label: String,
    /// Estimated rows per loop.
    pub plan_rows: f64,
    /// Estimated average row width, bytes.
    pub plan_width: f64,
    /// Actual rows per loop (EXPLAIN's `rows=`).
    pub actual_rows: f64,
    /// Times the node was started (0: never executed).
    pub loops: f64,
    /// Inclusive time per loop, ms (EXPLAIN's second `actual time=` figure).
    pub total_ms: f64,
    /// Child plans, init plans and sub plans: everything whose time this node's includes.
    pub children: Vec<PlanNode>,
    /// What kind of node it is, as far as the advice rules care.
    pub kind: NodeKind,
    /// The table a scan reads.
    pub relation: Option<Relation>,
    /// Columns of `relation` (attribute numbers) that the node's conditions (Filter, Index
    /// Cond) compare, first seen first.
    pub condition_columns: Vec<i16>,
    /// Rows the node's Filter removed, over all loops (EXPLAIN's `Rows Removed by Filter`
    /// is this divided by loops).
    pub rows_removed: f64,
    /// Nested Loop: columns of the inner table (attribute numbers) in the join condition.
    pub join_columns: Vec<i16>,
    /// A sort, hash or hash aggregate that went to disk.
    pub spill: Option<Spill>,
    /// The node may have been stopped before it returned all its rows (under a Limit, or
    /// the inner side of a semi or anti join), so fewer rows than estimated is no sign of a
    /// misestimate.
    pub partial: bool,
}

/// Node kinds the advice rules tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NodeKind {
    SeqScan,
    NestedLoop,
    #[default]
    Other,
}

/// A column, by name and as SQL spells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    pub name: String,
    /// Quoted as an identifier where needed.
    pub sql: String,
}

/// Names of tables and columns, asked for only by the findings that print them: the
/// catalog lookups and identifier quoting behind them cost more than all the rules.
pub trait Names {
    /// The table's name, unqualified (to name statistics objects after it).
    fn table(&self, relid: u32) -> String;
    /// The table schema-qualified and quoted, ready for SQL.
    fn table_sql(&self, relid: u32) -> String;
    /// A column of the table; None if it is gone.
    fn column(&self, relid: u32, attnum: i16) -> Option<Column>;
    /// An identifier we make up (a statistics object's name), quoted as PostgreSQL's
    /// `quote_identifier` does: the one quoting every SQL pg_vitals writes goes through.
    fn quote(&self, ident: &str) -> String;
}

/// A table a plan reads, with what the planner and the statistics collector know of it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Relation {
    /// pg_class.oid, for [`Names`].
    pub relid: u32,
    /// pg_class.reltuples (-1: never vacuumed or analyzed).
    pub reltuples: f64,
    /// Activity statistics, when there are any.
    pub stats: Option<TableStats>,
}

/// What autovacuum's analyze decision looks at (`relation_needs_vacanalyze`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TableStats {
    /// pg_stat_user_tables.n_mod_since_analyze.
    pub mod_since_analyze: f64,
    /// Effective autovacuum_analyze_threshold (the table's own setting, else the server's).
    pub analyze_base_threshold: f64,
    /// Effective autovacuum_analyze_scale_factor.
    pub analyze_scale_factor: f64,
}

impl TableStats {
    /// The number of modified rows at which autovacuum analyzes the table.
    pub fn analyze_threshold(&self, reltuples: f64) -> f64 {
        self.analyze_base_threshold + self.analyze_scale_factor * reltuples.max(0.0)
    }
}

/// A memory-hungry node that did not fit in its memory budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spill {
    /// An external sort: kB written to disk.
    Sort { disk_kb: f64 },
    /// A hash join's hash table in several batches: batches and peak memory per batch (kB).
    Hash { batches: f64, peak_kb: f64 },
    /// A hash aggregate that spilled: batches, kB written, peak memory (kB).
    HashAgg {
        batches: f64,
        disk_kb: f64,
        peak_kb: f64,
    },
}

impl PlanNode {
    /// Inclusive time over all loops, ms.
    pub fn inclusive_ms(&self) -> f64 {
        self.total_ms * self.loops
    }

    /// Time spent in this node itself, over all loops: its inclusive time minus its
    /// children's, never negative (timer rounding can make the difference slightly so).
    pub fn exclusive_ms(&self) -> f64 {
        let children: f64 = self.children.iter().map(PlanNode::inclusive_ms).sum();
        (self.inclusive_ms() - children).max(0.0)
    }

    /// Rows the node produced over all loops.
    pub fn rows_out(&self) -> f64 {
        self.actual_rows * self.loops
    }

    /// Every node of the tree, depth first, the root first.
    pub fn walk(&self) -> Vec<&PlanNode> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            out.push(node);
            // Reversed, so that the first child is visited first.
            stack.extend(node.children.iter().rev());
        }
        out
    }
}

/// The node with the largest exclusive time.
#[derive(Debug, Clone, PartialEq)]
pub struct Hottest<'a> {
    pub node: &'a PlanNode,
    pub exclusive_ms: f64,
    /// Its share of the root's inclusive time (0 to 1).
    pub share: f64,
}

/// The node with the largest exclusive time, if the tree was timed (a root with no time
/// says nothing: TIMING OFF, or nothing ran).
pub fn hottest(root: &PlanNode) -> Option<Hottest<'_>> {
    let total = root.inclusive_ms();
    if total <= 0.0 {
        return None;
    }
    root.walk()
        .into_iter()
        .map(|node| (node, node.exclusive_ms()))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(node, exclusive_ms)| Hottest {
            node,
            exclusive_ms,
            share: (exclusive_ms / total).min(1.0),
        })
}

/// The node whose actual rows differ most from the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct Misestimate<'a> {
    pub node: &'a PlanNode,
    /// How many times off, always at least 1 (10 = ten times too many or too few).
    pub factor: f64,
    pub estimated: f64,
    pub actual: f64,
    /// True when fewer rows came than estimated.
    pub over_estimated: bool,
}

/// How far apart an estimate and an actual row count are, as a factor of at least 1.
/// Counts below one row count as one row, as the planner never estimates fewer.
pub fn misestimate_factor(estimated: f64, actual: f64) -> f64 {
    let (e, a) = (estimated.max(1.0), actual.max(1.0));
    if e >= a {
        e / a
    } else {
        a / e
    }
}

/// The executed node with the worst row misestimate (ties: the first, depth first). Nodes
/// that never ran are skipped: they have no actual rows.
pub fn worst_misestimate(root: &PlanNode) -> Option<Misestimate<'_>> {
    let mut worst: Option<Misestimate> = None;
    for node in root.walk() {
        if node.loops <= 0.0 || (node.partial && node.actual_rows < node.plan_rows) {
            continue;
        }
        let factor = misestimate_factor(node.plan_rows, node.actual_rows);
        if worst.as_ref().is_none_or(|w| factor > w.factor) {
            worst = Some(Misestimate {
                node,
                factor,
                estimated: node.plan_rows,
                actual: node.actual_rows,
                over_estimated: node.actual_rows < node.plan_rows,
            });
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(label: &str, plan_rows: f64, actual_rows: f64, loops: f64, total_ms: f64) -> PlanNode {
        PlanNode {
            label: label.into(),
            plan_rows,
            actual_rows,
            loops,
            total_ms,
            ..Default::default()
        }
    }

    /// Hash Join (10 ms) over a Seq Scan (6 ms) and a Hash (3 ms) over an Index Scan (2.5 ms).
    fn join() -> PlanNode {
        let mut hash = node("Hash", 100.0, 100.0, 1.0, 3.0);
        hash.children
            .push(node("Index Scan using b_pkey on b", 100.0, 100.0, 1.0, 2.5));
        let mut root = node("Hash Join", 50.0, 4000.0, 1.0, 10.0);
        root.children
            .push(node("Seq Scan on a", 1000.0, 990.0, 1.0, 6.0));
        root.children.push(hash);
        root
    }

    #[test]
    fn exclusive_time_subtracts_children_over_all_loops() {
        let root = join();
        assert_eq!(root.exclusive_ms(), 1.0);
        assert_eq!(root.children[1].exclusive_ms(), 0.5);
        // A node run 100 times at 0.02 ms under a parent of 3 ms: 2 ms of the 3 are the child's.
        let mut nl = node("Nested Loop", 1.0, 1.0, 1.0, 3.0);
        nl.children.push(node("Index Scan", 1.0, 1.0, 100.0, 0.02));
        assert!((nl.exclusive_ms() - 1.0).abs() < 1e-9);
        // Rounding never makes it negative.
        let mut r = node("Limit", 1.0, 1.0, 1.0, 1.0);
        r.children.push(node("Seq Scan", 1.0, 1.0, 1.0, 1.001));
        assert_eq!(r.exclusive_ms(), 0.0);
    }

    #[test]
    fn hottest_node_and_its_share() {
        let root = join();
        let h = hottest(&root).unwrap();
        assert_eq!(h.node.label, "Seq Scan on a");
        assert_eq!(h.exclusive_ms, 6.0);
        assert!((h.share - 0.6).abs() < 1e-9);
        // Untimed plans have no hottest node.
        let mut untimed = join();
        untimed.total_ms = 0.0;
        assert!(hottest(&untimed).is_none());
    }

    #[test]
    fn worst_misestimate_in_either_direction() {
        let root = join();
        let m = worst_misestimate(&root).unwrap();
        assert_eq!(m.node.label, "Hash Join");
        assert_eq!(
            (m.factor, m.estimated, m.actual, m.over_estimated),
            (80.0, 50.0, 4000.0, false)
        );
        // Fewer rows than estimated count the same way.
        let r = node("Seq Scan", 5000.0, 50.0, 1.0, 1.0);
        let m = worst_misestimate(&r).unwrap();
        assert_eq!((m.factor, m.over_estimated), (100.0, true));
        // Zero actual rows count as one; nodes that never ran are skipped.
        assert_eq!(misestimate_factor(10.0, 0.0), 10.0);
        let mut never = node("Result", 1.0, 1.0, 1.0, 0.1);
        never
            .children
            .push(node("Seq Scan on never_run", 1.0, 0.0, 0.0, 0.0));
        never.children[0].plan_rows = 1e6;
        assert_eq!(worst_misestimate(&never).unwrap().node.label, "Result");
        // Under a Limit, fewer rows than estimated is the Limit's doing.
        let mut limited = node("Limit", 1.0, 1.0, 1.0, 0.1);
        let mut scan = node("Seq Scan on t", 100.0, 1.0, 1.0, 0.1);
        scan.partial = true;
        limited.children.push(scan);
        assert_eq!(worst_misestimate(&limited).unwrap().factor, 1.0);
    }

    #[test]
    fn walk_is_depth_first() {
        let root = join();
        let labels: Vec<&str> = root.walk().iter().map(|n| n.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Hash Join",
                "Seq Scan on a",
                "Hash",
                "Index Scan using b_pkey on b"
            ]
        );
    }
}
