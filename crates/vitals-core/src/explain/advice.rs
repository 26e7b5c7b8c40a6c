//! Advice from an executed plan (pure Rust): concrete findings, each naming the node and the
//! numbers behind it, with a statement that acts on it.
//!
//! The rules and why:
//! - `seq_scan_filter`: a sequential scan of a large table whose filter removed most of the
//!   rows it read. An index on the filter columns reads only the rows the query keeps.
//! - `spill`: a sort, hash join or hash aggregate that did not fit in work_mem (times
//!   hash_mem_multiplier for hashes) and went to disk; the advice names the work_mem that
//!   would have kept it in memory.
//! - `misestimate`: the lowest node whose row estimate is off by 10x or more (nodes above it
//!   inherit the error, so only where it starts is reported). Fresh statistics fix most;
//!   when a scan compares several columns of one table, extended statistics are what the
//!   planner lacks (it multiplies selectivities as if the columns were independent).
//! - `nested_loop_seq_scan`: a nested loop that ran a sequential scan of its inner table many
//!   times; an index on the join key turns each loop into a lookup.
//! - `stale_statistics`: a table whose modifications since its last analyze reached
//!   autovacuum's analyze threshold (base + scale factor x reltuples, as
//!   `relation_needs_vacanalyze` computes it): the planner works from outdated statistics
//!   until autovacuum gets to it.

use super::insights::{misestimate_factor, Column, Names, NodeKind, PlanNode, Relation, Spill};
use crate::advice::{self, setting_memory, spill, Finding, Severity, Subject};
use std::fmt::Write;

/// What an EXPLAIN finding is about: the plan node, as EXPLAIN labels it.
fn node(label: &str) -> Subject {
    Subject {
        node: Some(label.to_string()),
        ..Subject::default()
    }
}

/// Server settings the rules need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// work_mem in kB.
    pub work_mem_kb: f64,
    pub hash_mem_multiplier: f64,
}

/// A table is large, for `seq_scan_filter`, from this many rows read per scan.
pub const LARGE_SCAN_ROWS: f64 = 10_000.0;
/// The share of the rows read that a filter must remove for `seq_scan_filter`.
pub const MOSTLY_REMOVED: f64 = 0.9;
/// The misestimate factor from which `misestimate` speaks up.
pub const MISESTIMATE_FACTOR: f64 = 10.0;
/// Inner scans a nested loop must repeat for `nested_loop_seq_scan`, and rows they must read
/// in all (a few loops over a tiny table are cheaper than any index).
pub const NESTED_LOOP_MIN_LOOPS: f64 = 10.0;
pub const NESTED_LOOP_MIN_ROWS: f64 = 10_000.0;

/// Every finding on the tree, in the one order of findings (`advice::sort`: severity, rule,
/// then the finding's text; `misestimate` is info, the others warnings). A statement
/// recommended twice is given once, by the rule that runs first (stale statistics before the
/// misestimate they cause). `names` is asked only for what the findings print.
pub fn advise(root: &PlanNode, settings: &Settings, names: &dyn Names) -> Vec<Finding> {
    let nodes = root.walk();
    let mut found: Vec<Finding> = Vec::new();
    let per_node = |rule: &dyn Fn(&PlanNode) -> Option<Finding>| -> Vec<Finding> {
        nodes.iter().filter_map(|n| rule(n)).collect()
    };
    found.extend(per_node(&|n| nested_loop_seq_scan(n, names)));
    found.extend(per_node(&|n| seq_scan_filter(n, names)));
    found.extend(per_node(&|n| spill(n, settings)));
    found.extend(stale_statistics(&nodes, names));
    found.extend(per_node(&|n| misestimate(n, names)));
    let mut out: Vec<Finding> = Vec::new();
    for a in found {
        if !out.iter().any(|o| o.sql == a.sql) {
            out.push(a);
        }
    }
    advice::sort(&mut out);
    out
}

/// The columns of `rel` still there, by name.
fn columns(names: &dyn Names, rel: &Relation, attnums: &[i16]) -> Vec<Column> {
    attnums
        .iter()
        .filter_map(|&a| names.column(rel.relid, a))
        .collect()
}

fn columns_sql(cols: &[Column]) -> String {
    cols.iter()
        .map(|c| c.sql.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn seq_scan_filter(n: &PlanNode, names: &dyn Names) -> Option<Finding> {
    let rel = n.relation.as_ref()?;
    if n.kind != NodeKind::SeqScan || n.condition_columns.is_empty() || n.loops <= 0.0 {
        return None;
    }
    let read = n.rows_out() + n.rows_removed;
    if read / n.loops < LARGE_SCAN_ROWS || n.rows_removed < MOSTLY_REMOVED * read {
        return None;
    }
    let cols = columns_sql(&columns(names, rel, &n.condition_columns));
    if cols.is_empty() {
        return None;
    }
    let table = names.table_sql(rel.relid);
    Some(Finding {
        rule: "seq_scan_filter",
        severity: Severity::Warning,
        subject: node(&n.label),
        finding: format!(
            "read {} rows and its filter removed {} of them ({:.1}%)",
            count(read),
            count(n.rows_removed),
            100.0 * n.rows_removed / read
        ),
        recommendation: format!(
            "an index on {table} ({cols}) would read only the rows the query keeps"
        ),
        sql: Some(format!("CREATE INDEX ON {table} ({cols})")),
        tentative: false,
    })
}

fn spill(n: &PlanNode, settings: &Settings) -> Option<Finding> {
    let s = n.spill.as_ref()?;
    let need = spill::memory_needed_kb(
        s,
        n.rows_out(),
        n.plan_width,
        settings.work_mem_kb,
        settings.hash_mem_multiplier,
    );
    let finding = match *s {
        Spill::Sort { disk_kb } => format!("sorted {} rows on disk ({disk_kb:.0} kB written)", count(n.rows_out())),
        Spill::Hash { batches, peak_kb } => format!(
            "split its hash table into {batches:.0} batches on disk (peak memory {peak_kb:.0} kB per batch)"
        ),
        Spill::HashAgg {
            batches,
            disk_kb,
            ..
        } => format!("spilled {disk_kb:.0} kB to disk in {batches:.0} batches"),
    };
    let mem = size_text(need);
    Some(Finding {
        rule: "spill",
        severity: Severity::Warning,
        subject: node(&n.label),
        finding: format!("{finding}; work_mem is {}", size_text(settings.work_mem_kb)),
        recommendation: format!(
            "work_mem = '{mem}' would keep it in memory; set it for this query or role rather than server-wide, as every sort and hash of every session may use that much"
        ),
        sql: Some(format!("SET work_mem = '{mem}'")),
        tentative: false,
    })
}

/// kB as a memory setting is written.
fn size_text(kb: f64) -> String {
    setting_memory(kb * 1024.0)
}

/// The node's misestimate factor, if it ran and its row count can be trusted (see
/// [`PlanNode::partial`]).
fn factor_of(n: &PlanNode) -> Option<f64> {
    (n.loops > 0.0 && !(n.partial && n.actual_rows < n.plan_rows))
        .then(|| misestimate_factor(n.plan_rows, n.actual_rows))
}

fn misestimate(n: &PlanNode, names: &dyn Names) -> Option<Finding> {
    let factor = factor_of(n)?;
    if factor < MISESTIMATE_FACTOR
        || n.children
            .iter()
            .any(|c| factor_of(c).is_some_and(|f| f >= MISESTIMATE_FACTOR))
    {
        return None;
    }
    let direction = if n.actual_rows < n.plan_rows {
        "over"
    } else {
        "under"
    };
    let finding = format!(
        "estimated {} rows, got {} ({factor:.0}x {direction}-estimated)",
        count(n.plan_rows),
        count(n.actual_rows)
    );
    let cols = match &n.relation {
        Some(rel) => columns(names, rel, &n.condition_columns),
        None => Vec::new(),
    };
    let (recommendation, sql) = match &n.relation {
        Some(rel) if cols.len() >= 2 => {
            let col_names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            let stats = names.quote(&truncate_ident(&format!(
                "{}_{}_stats",
                names.table(rel.relid),
                col_names.join("_")
            )));
            let table = names.table_sql(rel.relid);
            let cols = columns_sql(&cols);
            (
                format!(
                    "the conditions on {table} ({cols}) are estimated as if independent: extended statistics on them tell the planner how they go together"
                ),
                format!(
                    "CREATE STATISTICS {stats} (dependencies, mcv) ON {cols} FROM {table}; ANALYZE {table}"
                ),
            )
        }
        Some(rel) => {
            let table = names.table_sql(rel.relid);
            (
                format!("ANALYZE {table} so the planner works from current statistics"),
                format!("ANALYZE {table}"),
            )
        }
        None => {
            let rels = relations_below(n);
            if rels.is_empty() {
                return None;
            }
            let list = rels
                .iter()
                .map(|r| names.table_sql(r.relid))
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!("ANALYZE the tables it reads ({list}); if the estimate stays off, the join columns are correlated in a way the statistics do not capture"),
                format!("ANALYZE {list}"),
            )
        }
    };
    Some(Finding {
        rule: "misestimate",
        severity: Severity::Info,
        subject: node(&n.label),
        finding,
        recommendation,
        sql: Some(sql),
        tentative: false,
    })
}

fn relations_below(n: &PlanNode) -> Vec<&Relation> {
    let mut out: Vec<&Relation> = Vec::new();
    for node in n.walk() {
        if let Some(r) = &node.relation {
            if !out.iter().any(|o| o.relid == r.relid) {
                out.push(r);
            }
        }
    }
    out
}

fn nested_loop_seq_scan(n: &PlanNode, names: &dyn Names) -> Option<Finding> {
    if n.kind != NodeKind::NestedLoop {
        return None;
    }
    let inner = n.children.get(1)?;
    let rel = inner.relation.as_ref()?;
    let read = inner.rows_out() + inner.rows_removed;
    if inner.kind != NodeKind::SeqScan
        || inner.loops < NESTED_LOOP_MIN_LOOPS
        || read < NESTED_LOOP_MIN_ROWS
    {
        return None;
    }
    let key = if n.join_columns.is_empty() {
        &inner.condition_columns
    } else {
        &n.join_columns
    };
    let cols = columns_sql(&columns(names, rel, key));
    if cols.is_empty() {
        return None;
    }
    let table = names.table_sql(rel.relid);
    Some(Finding {
        rule: "nested_loop_seq_scan",
        severity: Severity::Warning,
        subject: node(&n.label),
        finding: format!(
            "ran {} {} times, reading {} rows in all",
            inner.label,
            count(inner.loops),
            count(read)
        ),
        recommendation: format!(
            "an index on {table} ({cols}), the join key, lets each loop look its rows up instead of scanning the table"
        ),
        sql: Some(format!("CREATE INDEX ON {table} ({cols})")),
        tentative: false,
    })
}

fn stale_statistics(nodes: &[&PlanNode], names: &dyn Names) -> Vec<Finding> {
    let mut seen: Vec<u32> = Vec::new();
    let mut out = Vec::new();
    for n in nodes {
        let Some(rel) = &n.relation else { continue };
        if seen.contains(&rel.relid) {
            continue;
        }
        seen.push(rel.relid);
        let Some(st) = rel.stats else { continue };
        let threshold = st.analyze_threshold(rel.reltuples);
        if st.mod_since_analyze <= 0.0 || st.mod_since_analyze < threshold {
            continue;
        }
        let table = names.table_sql(rel.relid);
        out.push(Finding {
            rule: "stale_statistics",
            severity: Severity::Warning,
            subject: node(&n.label),
            finding: format!(
                "{} rows of {} changed since its last analyze, past autovacuum's analyze threshold of {} ({} + {} x {} rows)",
                count(st.mod_since_analyze),
                table,
                count(threshold),
                count(st.analyze_base_threshold),
                st.analyze_scale_factor,
                count(rel.reltuples.max(0.0))
            ),
            recommendation: format!(
                "ANALYZE {table} now: the planner works from statistics that no longer describe it until autovacuum gets to it"
            ),
            sql: Some(format!("ANALYZE {table}")),
            tentative: false,
        });
    }
    out
}

/// A row count as EXPLAIN prints it: whole, no separators.
fn count(x: f64) -> String {
    format!("{:.0}", x.round())
}

/// Identifiers are at most 63 bytes; cut at a character boundary.
fn truncate_ident(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() + c.len_utf8() > 63 {
            break;
        }
        out.push(c);
    }
    out
}

/// The findings as text lines, for EXPLAIN's text format.
pub fn text_lines(advice: &[Finding]) -> Vec<String> {
    let mut out = Vec::new();
    for a in advice {
        let mut s = String::new();
        let node = a.subject.node.as_deref().unwrap_or("");
        let _ = write!(s, "- {node} [{}]: {}", a.rule, a.finding);
        out.push(s);
        out.push(format!("  Recommendation: {}", a.recommendation));
        if let Some(sql) = &a.sql {
            out.push(format!("  SQL: {sql}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::insights::TableStats;

    const SETTINGS: Settings = Settings {
        work_mem_kb: 4096.0,
        hash_mem_multiplier: 2.0,
    };

    /// Tables 1 `orders` and 2 `lines` in schema public; columns by attribute number, quoted
    /// when they have capitals.
    struct TestNames;

    const ORDERS: u32 = 1;
    const LINES: u32 = 2;
    const CUSTOMER_ID: i16 = 1;
    const REGION: i16 = 2;
    const ID: i16 = 3;
    const ORDER_ID: i16 = 4;

    impl Names for TestNames {
        fn quote(&self, ident: &str) -> String {
            // As quote_identifier does for names that are not keywords.
            let plain = ident.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && ident
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if plain {
                ident.to_string()
            } else {
                format!("\"{}\"", ident.replace('"', "\"\""))
            }
        }
        fn table(&self, relid: u32) -> String {
            match relid {
                ORDERS => "orders".into(),
                LINES => "lines".into(),
                _ => panic!("no table {relid}"),
            }
        }
        fn table_sql(&self, relid: u32) -> String {
            format!("public.{}", self.table(relid))
        }
        fn column(&self, _relid: u32, attnum: i16) -> Option<Column> {
            let name = match attnum {
                CUSTOMER_ID => "customer_id",
                REGION => "Region",
                ID => "id",
                ORDER_ID => "order_id",
                _ => return None,
            };
            let sql = if name.chars().any(|c| c.is_ascii_uppercase()) {
                format!("\"{name}\"")
            } else {
                name.to_string()
            };
            Some(Column {
                name: name.into(),
                sql,
            })
        }
    }

    fn advise(root: &PlanNode, settings: &Settings) -> Vec<Finding> {
        super::advise(root, settings, &TestNames)
    }

    fn rel(name: &str, reltuples: f64) -> Relation {
        Relation {
            relid: match name {
                "orders" => ORDERS,
                "lines" => LINES,
                _ => panic!("no table {name}"),
            },
            reltuples,
            stats: None,
        }
    }

    fn scan(name: &str, plan_rows: f64, rows: f64, removed: f64, loops: f64) -> PlanNode {
        PlanNode {
            label: format!("Seq Scan on {name}"),
            kind: NodeKind::SeqScan,
            plan_rows,
            actual_rows: rows,
            loops,
            total_ms: 1.0,
            rows_removed: removed,
            relation: Some(rel(name, 100_000.0)),
            condition_columns: vec![CUSTOMER_ID],
            ..Default::default()
        }
    }

    fn rules(advice: &[Finding]) -> Vec<&str> {
        advice.iter().map(|a| a.rule).collect()
    }

    #[test]
    fn well_estimated_index_lookup_is_silent() {
        let n = PlanNode {
            label: "Index Scan using orders_pkey on orders".into(),
            plan_rows: 1.0,
            actual_rows: 1.0,
            loops: 1.0,
            relation: Some(rel("orders", 100_000.0)),
            condition_columns: vec![ID],
            ..Default::default()
        };
        assert!(advise(&n, &SETTINGS).is_empty());
    }

    #[test]
    fn seq_scan_filter_names_the_columns() {
        let n = scan("orders", 100.0, 100.0, 99_900.0, 1.0);
        let a = advise(&n, &SETTINGS);
        assert_eq!(rules(&a), ["seq_scan_filter"]);
        assert_eq!(
            a[0].sql.as_deref().unwrap(),
            "CREATE INDEX ON public.orders (customer_id)"
        );
        assert!(
            a[0].finding.contains("read 100000 rows"),
            "{}",
            a[0].finding
        );
        assert!(a[0].finding.contains("(99.9%)"), "{}", a[0].finding);
        // A small table, or a filter that keeps most rows: silent.
        assert!(advise(&scan("orders", 100.0, 100.0, 5_000.0, 1.0), &SETTINGS).is_empty());
        assert!(advise(
            &scan("orders", 60_000.0, 60_000.0, 40_000.0, 1.0),
            &SETTINGS
        )
        .is_empty());
    }

    #[test]
    fn misestimate_is_reported_where_it_starts() {
        // The scan is 100x off and so is the join above it: only the scan is reported.
        let mut join = PlanNode {
            label: "Hash Join".into(),
            plan_rows: 10.0,
            actual_rows: 1000.0,
            loops: 1.0,
            ..Default::default()
        };
        join.children.push(scan("orders", 10.0, 1000.0, 0.0, 1.0));
        let a = advise(&join, &SETTINGS);
        assert_eq!(rules(&a), ["misestimate"]);
        assert_eq!(a[0].subject.node.as_deref().unwrap(), "Seq Scan on orders");
        assert_eq!(a[0].sql.as_deref().unwrap(), "ANALYZE public.orders");
        assert!(a[0].finding.contains("100x under"), "{}", a[0].finding);
        // Two columns of one table: extended statistics.
        join.children[0].condition_columns.push(REGION);
        let a = advise(&join, &SETTINGS);
        assert_eq!(
            a[0].sql.as_deref().unwrap(),
            "CREATE STATISTICS \"orders_customer_id_Region_stats\" (dependencies, mcv) ON customer_id, \"Region\" FROM public.orders; ANALYZE public.orders"
        );
        // A join misestimate over well-estimated scans: ANALYZE what it reads.
        join.children[0].plan_rows = 1000.0;
        let a = advise(&join, &SETTINGS);
        assert_eq!(a[0].subject.node.as_deref().unwrap(), "Hash Join");
        assert_eq!(a[0].sql.as_deref().unwrap(), "ANALYZE public.orders");
        // Fewer rows than estimated where a Limit stopped the scan: not a misestimate.
        let mut limited = scan("orders", 1000.0, 1.0, 0.0, 1.0);
        limited.condition_columns.clear();
        limited.partial = true;
        assert!(advise(&limited, &SETTINGS).is_empty());
        // 9x is not reported.
        join.plan_rows = 112.0;
        assert!(advise(&join, &SETTINGS).is_empty());
    }

    #[test]
    fn nested_loop_over_repeated_seq_scan() {
        let mut nl = PlanNode {
            label: "Nested Loop".into(),
            kind: NodeKind::NestedLoop,
            plan_rows: 100.0,
            actual_rows: 100.0,
            loops: 1.0,
            join_columns: vec![ORDER_ID],
            ..Default::default()
        };
        let mut outer = scan("orders", 100.0, 100.0, 0.0, 1.0);
        outer.condition_columns.clear();
        nl.children.push(outer);
        let mut inner = scan("lines", 1.0, 1.0, 99_900.0, 100.0);
        inner.condition_columns.clear();
        nl.children.push(inner);
        let a = advise(&nl, &SETTINGS);
        assert_eq!(rules(&a), ["nested_loop_seq_scan"]);
        assert_eq!(
            a[0].sql.as_deref().unwrap(),
            "CREATE INDEX ON public.lines (order_id)"
        );
        assert!(
            a[0].finding.contains("100 times, reading 100000 rows"),
            "{}",
            a[0].finding
        );
        // Few loops: silent.
        nl.children[1].loops = 5.0;
        nl.children[1].rows_removed = 99_995.0;
        assert!(rules(&advise(&nl, &SETTINGS)).is_empty());
    }

    #[test]
    fn spills_name_the_work_mem_that_fits() {
        let mut sort = PlanNode {
            label: "Sort".into(),
            plan_rows: 1_000_000.0,
            actual_rows: 1_000_000.0,
            plan_width: 4.0,
            loops: 1.0,
            spill: Some(Spill::Sort { disk_kb: 13_700.0 }),
            ..Default::default()
        };
        let a = advise(&sort, &SETTINGS);
        assert_eq!(rules(&a), ["spill"]);
        // 1M tuples x (32 + 80) bytes = 107 MB.
        assert_eq!(a[0].sql.as_deref().unwrap(), "SET work_mem = '107MB'");
        // Hash: 4 batches of 3 MB peak with hash_mem_multiplier 2: 7.5 MB -> 8MB.
        sort.spill = Some(Spill::Hash {
            batches: 4.0,
            peak_kb: 3072.0,
        });
        assert_eq!(
            advise(&sort, &SETTINGS)[0].sql.as_deref().unwrap(),
            "SET work_mem = '8MB'"
        );
        assert_eq!(size_text(1536.0), "1536kB");
    }

    #[test]
    fn stale_statistics_against_the_analyze_threshold() {
        let mut n = PlanNode {
            label: "Index Scan using orders_pkey on orders".into(),
            plan_rows: 1.0,
            actual_rows: 1.0,
            loops: 1.0,
            relation: Some(rel("orders", 10_000.0)),
            ..Default::default()
        };
        let stats = TableStats {
            mod_since_analyze: 1_049.0,
            analyze_base_threshold: 50.0,
            analyze_scale_factor: 0.1,
        };
        n.relation.as_mut().unwrap().stats = Some(stats);
        assert!(advise(&n, &SETTINGS).is_empty());
        n.relation.as_mut().unwrap().stats = Some(TableStats {
            mod_since_analyze: 1_050.0,
            ..stats
        });
        let a = advise(&n, &SETTINGS);
        assert_eq!(rules(&a), ["stale_statistics"]);
        assert_eq!(a[0].sql.as_deref().unwrap(), "ANALYZE public.orders");
        assert!(
            a[0].finding
                .contains("threshold of 1050 (50 + 0.1 x 10000 rows)"),
            "{}",
            a[0].finding
        );
    }

    #[test]
    fn identifiers_are_quoted_and_bounded() {
        assert_eq!(truncate_ident(&"é".repeat(40)).len(), 62);
    }
}
