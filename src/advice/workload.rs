//! Workload advice (pure Rust): what the statement statistics and the tables' and indexes'
//! activity say should change. Inputs are gathered by SQL (`src/api/workload_inputs.sql`)
//! from vitals.statements (this database's statements; none without preloading),
//! pg_stat_database, pg_stat_user_tables, pg_stat_user_indexes and pg_stats.
//!
//! Every usage-based finding is `tentative` when the statistics behind it cover less than a
//! week: a nightly job or a weekly report may not have run yet.

use super::{count, duration, size, Severity};
use serde::Deserialize;

/// Everything the rules look at.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Inputs {
    pub block_size: f64,
    /// work_mem, kB.
    pub work_mem_kb: f64,
    /// Seconds the statement statistics cover (since vitals' last full reset), and the
    /// database's (since pg_stat_database.stats_reset, or the server start).
    pub statements_age_s: Option<f64>,
    pub database_age_s: f64,
    pub database: Database,
    pub statements: Vec<Statement>,
    pub tables: Vec<Table>,
    pub indexes: Vec<Index>,
    /// Columns of jsonb, array or tsvector type, and whether a GIN or GiST index covers them.
    pub containers: Vec<ContainerColumn>,
    /// Strongly correlated columns of large tables with a single-column B-tree index.
    pub correlated: Vec<CorrelatedColumn>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Database {
    pub name: String,
    pub blks_hit: f64,
    pub blks_read: f64,
    pub temp_files: f64,
    pub temp_bytes: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Statement {
    pub queryid: i64,
    /// The role that ran it, as an SQL identifier.
    pub role_sql: Option<String>,
    pub query: Option<String>,
    pub calls: f64,
    pub total_exec_time: f64,
    pub mean_exec_time: f64,
    pub stddev_exec_time: f64,
    pub plans: f64,
    pub mean_plan_time: f64,
    pub p50_exec_time: Option<f64>,
    pub p99_exec_time: Option<f64>,
    pub temp_blks_written: f64,
    /// Generation + inlining + optimization + emission, ms.
    pub jit_time: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub sql_name: String,
    pub seq_scan: f64,
    pub seq_tup_read: f64,
    pub idx_scan: Option<f64>,
    pub n_live_tup: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Index {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub sql_name: String,
    pub idx_scan: f64,
    pub bytes: f64,
    /// Unique, primary key, or backing a constraint: needed whatever its scans.
    pub enforces: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContainerColumn {
    pub schema: String,
    pub table: String,
    pub table_sql: String,
    pub column: String,
    pub column_sql: String,
    /// "jsonb", "array" or "tsvector".
    pub kind: String,
    pub indexed: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CorrelatedColumn {
    pub schema: String,
    pub table: String,
    pub table_sql: String,
    pub column: String,
    pub column_sql: String,
    pub correlation: f64,
    pub reltuples: f64,
    pub n_tup_ins: f64,
    pub n_tup_upd: f64,
    pub n_tup_del: f64,
    pub btree_index: String,
    pub btree_bytes: f64,
}

/// One row of `vitals.workload_advice`.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub queryid: Option<i64>,
    pub query: Option<String>,
    pub relation: Option<String>,
    pub finding: String,
    pub recommendation: String,
    pub sql: Option<String>,
    pub tentative: bool,
}

/// The rules' own cut-offs (documented in the README).
pub mod cutoffs {
    /// Statistics younger than this are tentative.
    pub const TENTATIVE_S: f64 = 7.0 * 86_400.0;
    /// Database temp files per hour, or bytes per hour, that call for attention.
    pub const TEMP_FILES_PER_H: f64 = 5.0;
    pub const TEMP_BYTES_PER_H: f64 = 1_073_741_824.0;
    /// Cache hit ratio below this is a warning, below the second critical; over at least
    /// this many block reads.
    pub const HIT_WARNING: f64 = 0.95;
    pub const HIT_CRITICAL: f64 = 0.90;
    pub const HIT_MIN_BLOCKS: f64 = 10_000.0;
    /// A statement taking more than this share of all execution time, over at least 1 s.
    pub const DOMINANT_SHARE: f64 = 0.30;
    pub const DOMINANT_MIN_MS: f64 = 1000.0;
    /// Sequential scans reading more than this many rows in all, this many times more often
    /// than index scans, of a table of at least this many rows.
    pub const SEQ_TUP_READ: f64 = 10_000.0;
    pub const SEQ_RATIO: f64 = 10.0;
    pub const SEQ_MIN_ROWS: f64 = 10_000.0;
    /// Unused indexes from this size.
    pub const UNUSED_INDEX_BYTES: f64 = 10.0 * 1_048_576.0;
    /// Planning and JIT rules: statements run at least this often.
    pub const MIN_CALLS: f64 = 100.0;
    pub const JIT_SHARE: f64 = 0.20;
    /// Unstable latency: p99 this many times p50, and at least this slow (ms).
    pub const UNSTABLE_FACTOR: f64 = 10.0;
    pub const UNSTABLE_MIN_P99_MS: f64 = 10.0;
    /// BRIN: correlation at least this (absolute), tables of at least this many rows, with
    /// updates and deletes under this share of inserts.
    pub const BRIN_CORRELATION: f64 = 0.99;
    pub const BRIN_MIN_ROWS: f64 = 1_000_000.0;
    pub const APPEND_ONLY_SHARE: f64 = 0.01;
}
use cutoffs::*;

/// Whether `word` occurs in `text` as an identifier (not inside a longer one), ignoring case
/// and double quotes.
pub fn mentions(text: &str, word: &str) -> bool {
    let t = text.to_lowercase();
    let w = word.to_lowercase();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(i) = t[from..].find(&w) {
        let start = from + i;
        let end = start + w.len();
        let before = t[..start].chars().next_back();
        let after = t[end..].chars().next();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return true;
        }
        from = start + w.len().max(1);
    }
    false
}

/// Whether the statement reads `table`: named after FROM, JOIN, UPDATE or USING (directly,
/// schema-qualified or quoted), not merely created or inserted into.
pub fn reads(query: &str, table: &str) -> bool {
    // Tokens, with commas kept: "FROM a, b" names both.
    let spaced = query
        .replace(',', " , ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let table = table.to_lowercase();
    let names = |w: &str| {
        w.rsplit('.')
            .next()
            .is_some_and(|n| n.trim_matches('"') == table)
    };
    let (mut after_keyword, mut in_from_list) = (false, false);
    for w in spaced.split_whitespace().map(str::to_lowercase) {
        if (after_keyword || in_from_list) && names(&w) {
            return true;
        }
        match w.as_str() {
            "from" | "using" => (after_keyword, in_from_list) = (true, true),
            "join" | "update" => (after_keyword, in_from_list) = (true, false),
            // The next item of a FROM list.
            "," => after_keyword = in_from_list,
            "where" | "group" | "order" | "limit" | "having" | "on" | "set" | "returning"
            | "union" | "window" | "(" | ")" => (after_keyword, in_from_list) = (false, false),
            // An alias or AS between items: keep the list open for the next comma.
            _ => after_keyword = false,
        }
    }
    false
}

/// Utility statements whose sorts use maintenance_work_mem, not work_mem.
fn maintenance(query: &str) -> bool {
    let q = query.trim_start().to_lowercase();
    [
        "create index",
        "create unique index",
        "reindex",
        "cluster",
        "vacuum",
        "alter table",
        "refresh materialized view",
    ]
    .iter()
    .any(|p| q.starts_with(p))
}

/// Milliseconds for a finding ("850 ms", "12.3 s", "31 min").
fn ms_text(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 120_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        duration(ms / 1000.0)
    }
}

fn calls_text(n: f64) -> String {
    format!("{} call{}", count(n), if n == 1.0 { "" } else { "s" })
}

/// Operators of containment and full-text search, which GIN indexes serve.
fn uses_containment(query: &str) -> bool {
    ["@>", "<@", "?|", "?&", "&&", "@@", " ? "]
        .iter()
        .any(|op| query.contains(op))
}

fn mb_ceil(bytes: f64) -> f64 {
    (bytes / 1_048_576.0).ceil().max(1.0)
}

pub fn advise(i: &Inputs) -> Vec<Finding> {
    let mut out = Vec::new();
    let stmt_tentative = i.statements_age_s.is_some_and(|a| a < TENTATIVE_S);
    let db_tentative = i.database_age_s < TENTATIVE_S;
    let bs = if i.block_size > 0.0 {
        i.block_size
    } else {
        8192.0
    };
    let statement_total: f64 = i.statements.iter().map(|s| s.total_exec_time).sum();
    // Only the largest statement can be "the one taking most of the time".
    let top = i
        .statements
        .iter()
        .max_by(|a, b| a.total_exec_time.total_cmp(&b.total_exec_time))
        .map(|s| s.queryid);
    let f = |rule,
             severity,
             s: Option<&Statement>,
             relation: Option<String>,
             finding,
             recommendation,
             sql,
             tentative| Finding {
        rule,
        severity,
        queryid: s.map(|s| s.queryid),
        query: s.and_then(|s| s.query.clone()),
        relation,
        finding,
        recommendation,
        sql,
        tentative,
    };

    for s in &i.statements {
        // Q1: a statement that spills to temporary files.
        if s.temp_blks_written > 0.0 && s.calls > 0.0 {
            let per_call = s.temp_blks_written * bs / s.calls;
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
                size(s.temp_blks_written * bs)
            );
            // Index builds and the like sort in maintenance_work_mem; a sort or hash needs
            // about twice in memory what it writes to disk.
            let (setting, need_mb, detail, before, after) = if s
                .query
                .as_deref()
                .is_some_and(maintenance)
            {
                (
                    "maintenance_work_mem",
                    mb_ceil(2.0 * per_call),
                    "a maintenance command, which sorts in maintenance_work_mem".to_string(),
                    "",
                    "for the role that runs it keeps its sort in memory",
                )
            } else {
                (
                    "work_mem",
                    mb_ceil(i.work_mem_kb * 1024.0 + 2.0 * per_call),
                    format!("work_mem is {}", size(i.work_mem_kb * 1024.0)),
                    "a sort or hash that fits in memory does not touch disk: ",
                    "for the role that runs it (not server-wide: every sort and hash of every session may use that much)",
                )
            };
            out.push(f(
                "temp_spill",
                severity,
                Some(s),
                None,
                format!("{written}; {detail}"),
                format!("{before}{setting} = '{need_mb:.0}MB' {after}"),
                Some(format!(
                    "ALTER ROLE {role} SET {setting} = '{need_mb:.0}MB'"
                )),
                stmt_tentative,
            ));
        }
        // Q3: one statement taking most of the time.
        if Some(s.queryid) == top
            && statement_total >= DOMINANT_MIN_MS
            && s.total_exec_time > DOMINANT_SHARE * statement_total
        {
            out.push(f(
                "dominant_statement",
                Severity::Info,
                Some(s),
                None,
                format!(
                    "takes {:.0}% of all execution time of this database's statements ({} of {}, {})",
                    100.0 * s.total_exec_time / statement_total,
                    ms_text(s.total_exec_time),
                    ms_text(statement_total),
                    calls_text(s.calls)
                ),
                "optimize it first: any gain there is a gain for the whole workload; its slowest captured plan is in vitals.plans, and EXPLAIN (ANALYZE) of it with pg_vitals gives advice".into(),
                Some(format!("SELECT plan FROM vitals.plans WHERE queryid = {}", s.queryid)),
                stmt_tentative,
            ));
        }
        // Q6: planning slower than execution; JIT taking a large share.
        if s.calls >= MIN_CALLS && s.plans > 0.0 && s.mean_plan_time > s.mean_exec_time {
            out.push(f(
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
                stmt_tentative,
            ));
        }
        if s.calls >= MIN_CALLS
            && s.total_exec_time > 0.0
            && s.jit_time > JIT_SHARE * s.total_exec_time
        {
            out.push(f(
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
                stmt_tentative,
            ));
        }
        // Q7: unstable latency.
        if let (Some(p50), Some(p99)) = (s.p50_exec_time, s.p99_exec_time) {
            if s.calls >= MIN_CALLS
                && p99 >= UNSTABLE_MIN_P99_MS
                && p99 > UNSTABLE_FACTOR * p50.max(0.001)
            {
                out.push(f(
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
                    stmt_tentative,
                ));
            }
        }
        // I2: containment or full-text predicates on a column without a GIN index.
        if let Some(q) = &s.query {
            if uses_containment(q) {
                for c in &i.containers {
                    if !c.indexed && mentions(q, &c.table) && mentions(q, &c.column) {
                        out.push(f(
                            "gin_candidate",
                            Severity::Info,
                            Some(s),
                            Some(format!("{}.{}", c.schema, c.table)),
                            format!(
                                "uses a containment or text-search operator on {}.{} ({}), which no GIN or GiST index covers",
                                c.table, c.column, c.kind
                            ),
                            format!(
                                "a GIN index serves @>, <@, ?, && and @@ on {}; a B-tree cannot",
                                c.kind
                            ),
                            Some(format!("CREATE INDEX ON {} USING gin ({})", c.table_sql, c.column_sql)),
                            stmt_tentative,
                        ));
                    }
                }
            }
        }
    }

    // Database-wide: temp files and the cache hit ratio.
    let db = &i.database;
    let hours = (i.database_age_s / 3600.0).max(1.0 / 60.0);
    if db.temp_files / hours >= TEMP_FILES_PER_H || db.temp_bytes / hours >= TEMP_BYTES_PER_H {
        out.push(f(
            "temp_files",
            Severity::Warning,
            None,
            None,
            format!(
                "database {} wrote {} temporary files ({}) in {}: {:.0} files and {} an hour",
                db.name,
                count(db.temp_files),
                size(db.temp_bytes),
                duration(i.database_age_s),
                db.temp_files / hours,
                size(db.temp_bytes / hours)
            ),
            "find the statements that spill (temp_spill findings, or log them) and give their roles more work_mem".into(),
            Some("ALTER SYSTEM SET log_temp_files = '10MB'; SELECT pg_reload_conf()".into()),
            db_tentative,
        ));
    }
    let blocks = db.blks_hit + db.blks_read;
    if blocks >= HIT_MIN_BLOCKS {
        let ratio = db.blks_hit / blocks;
        if ratio < HIT_WARNING {
            out.push(f(
                "cache_hit_ratio",
                if ratio < HIT_CRITICAL { Severity::Critical } else { Severity::Warning },
                None,
                None,
                format!(
                    "database {} found {:.1}% of the blocks it read in shared buffers ({} of {})",
                    db.name,
                    100.0 * ratio,
                    count(db.blks_hit),
                    count(blocks)
                ),
                "the working set does not fit in shared_buffers: give it more memory (see vitals.config_advice) or make the statements that read most (shared_blks_read in vitals.statements) read less".into(),
                Some("SELECT name, current_value, recommended_value FROM vitals.config_advice() WHERE name = 'shared_buffers'".into()),
                db_tentative,
            ));
        }
    }

    // Q4: tables read mostly by sequential scans, with the statements that name them.
    for t in &i.tables {
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
            out.push(f(
                "seq_scan_table",
                Severity::Warning,
                scanners.first().copied(),
                Some(format!("{}.{}", t.schema, t.name)),
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
                db_tentative,
            ));
        }
    }
    // Q5: large indexes never scanned.
    for x in &i.indexes {
        if x.idx_scan == 0.0 && x.bytes >= UNUSED_INDEX_BYTES && !x.enforces {
            out.push(f(
                "unused_index",
                Severity::Warning,
                None,
                Some(format!("{}.{}", x.schema, x.name)),
                format!(
                    "index {} on {} ({}) has not been scanned in {}",
                    x.name,
                    x.table,
                    size(x.bytes),
                    duration(i.database_age_s)
                ),
                "it slows every write to the table and takes space for nothing; drop it once sure that no job needs it (a monthly report, a replica: index scans there are not counted here)".into(),
                Some(format!("DROP INDEX CONCURRENTLY {}", x.sql_name)),
                db_tentative,
            ));
        }
    }
    // I1: a large append-only table whose column follows the physical order: BRIN.
    for c in &i.correlated {
        let changes = c.n_tup_upd + c.n_tup_del;
        if c.correlation.abs() >= BRIN_CORRELATION
            && c.reltuples >= BRIN_MIN_ROWS
            && c.n_tup_ins > 0.0
            && changes <= APPEND_ONLY_SHARE * c.n_tup_ins
        {
            out.push(f(
                "brin_candidate",
                Severity::Info,
                None,
                Some(format!("{}.{}", c.schema, c.table)),
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
                db_tentative,
            ));
        }
    }
    out.sort_by(|a, b| {
        (a.severity, a.rule, &a.relation, a.queryid).cmp(&(
            b.severity,
            b.rule,
            &b.relation,
            b.queryid,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEEK: f64 = 7.0 * 86_400.0;

    fn stmt(queryid: i64, query: &str, calls: f64, total: f64) -> Statement {
        Statement {
            queryid,
            role_sql: Some("app".into()),
            query: Some(query.into()),
            calls,
            total_exec_time: total,
            mean_exec_time: total / calls,
            ..Default::default()
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            block_size: 8192.0,
            work_mem_kb: 4096.0,
            statements_age_s: Some(2.0 * WEEK),
            database_age_s: 2.0 * WEEK,
            database: Database {
                name: "app".into(),
                blks_hit: 990_000.0,
                blks_read: 10_000.0,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    fn rules(i: &Inputs) -> Vec<&'static str> {
        advise(i).iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_healthy_workload_is_silent() {
        let mut i = inputs();
        i.statements = (1..=5)
            .map(|q| stmt(q, "SELECT * FROM t WHERE id = $1", 1000.0, 500.0))
            .collect();
        assert_eq!(rules(&i), Vec::<&str>::new());
        assert_eq!(
            rules(&Inputs::default()),
            Vec::<&str>::new(),
            "nothing at all"
        );
    }

    #[test]
    fn spilling_statement_gets_work_mem_for_its_role() {
        let mut i = inputs();
        let mut s = stmt(7, "SELECT * FROM t ORDER BY v", 10.0, 100.0);
        s.temp_blks_written = 10.0 * 1280.0; // 10 MB a call
        i.statements = vec![s];
        let f = advise(&i);
        assert_eq!(f[0].rule, "temp_spill");
        // 4MB + 2 x 10MB = 24MB.
        assert_eq!(
            f[0].sql.as_deref(),
            Some("ALTER ROLE app SET work_mem = '24MB'")
        );
        assert_eq!((f[0].queryid, f[0].tentative), (Some(7), false));
        assert!(
            f[0].finding
                .contains("writes 10.0 MB to temporary files per call"),
            "{}",
            f[0].finding
        );
    }

    #[test]
    fn dominant_planning_jit_and_unstable() {
        let mut i = inputs();
        let mut heavy = stmt(1, "SELECT big()", 200.0, 8000.0);
        heavy.plans = 200.0;
        heavy.mean_plan_time = 50.0; // more than 40 ms of execution
        heavy.jit_time = 2000.0;
        heavy.p50_exec_time = Some(5.0);
        heavy.p99_exec_time = Some(400.0);
        i.statements = vec![heavy, stmt(2, "SELECT 1", 1000.0, 2000.0)];
        assert_eq!(
            rules(&i),
            [
                "jit_share",
                "dominant_statement",
                "planning_time",
                "unstable_latency"
            ]
        );
        // Statistics of two days: tentative.
        i.statements_age_s = Some(2.0 * 86_400.0);
        assert!(advise(&i).iter().all(|f| f.tentative));
    }

    #[test]
    fn database_temp_files_and_cache_hit_ratio() {
        let mut i = inputs();
        i.database.blks_hit = 900_000.0;
        i.database.blks_read = 100_000.0;
        assert_eq!(advise(&i)[0].severity, Severity::Warning);
        i.database.blks_read = 200_000.0;
        assert_eq!(advise(&i)[0].severity, Severity::Critical);
        // Few blocks read in all: too early to say.
        i.database.blks_hit = 10.0;
        i.database.blks_read = 1000.0;
        assert_eq!(rules(&i), Vec::<&str>::new());
        i.database.temp_files = 10.0 * 24.0 * 14.0; // 10 an hour over two weeks
        assert_eq!(rules(&i), ["temp_files"]);
    }

    #[test]
    fn seq_scanned_table_names_its_statements() {
        let mut i = inputs();
        i.tables = vec![Table {
            schema: "public".into(),
            name: "orders".into(),
            sql_name: "public.orders".into(),
            seq_scan: 500.0,
            seq_tup_read: 5e7,
            idx_scan: Some(3.0),
            n_live_tup: 100_000.0,
        }];
        i.statements = vec![
            stmt(
                11,
                "SELECT * FROM orders WHERE customer = $1",
                400.0,
                9000.0,
            ),
            stmt(12, "SELECT * FROM orders_archive", 10.0, 10.0),
            stmt(13, "SELECT count(*) FROM \"orders\"", 100.0, 100.0),
        ];
        let f: Vec<Finding> = advise(&i)
            .into_iter()
            .filter(|f| f.rule == "seq_scan_table")
            .collect();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].queryid, Some(11), "the slowest statement naming it");
        assert!(
            f[0].finding
                .contains("statements reading it, slowest first: 11 (400 calls), 13 (100 calls)"),
            "{}",
            f[0].finding
        );
        assert!(
            !f[0].finding.contains("12 ("),
            "orders_archive is another table"
        );
        // A small table, or one mostly read by index: silent.
        i.tables[0].n_live_tup = 500.0;
        assert!(advise(&i).iter().all(|f| f.rule != "seq_scan_table"));
    }

    #[test]
    fn unused_brin_and_gin() {
        let mut i = inputs();
        i.indexes = vec![
            Index {
                schema: "public".into(),
                table: "t".into(),
                name: "t_v_idx".into(),
                sql_name: "public.t_v_idx".into(),
                idx_scan: 0.0,
                bytes: 50e6,
                enforces: false,
            },
            Index {
                schema: "public".into(),
                table: "t".into(),
                name: "t_pkey".into(),
                sql_name: "public.t_pkey".into(),
                idx_scan: 0.0,
                bytes: 50e6,
                enforces: true,
            },
            Index {
                schema: "public".into(),
                table: "t".into(),
                name: "t_small".into(),
                sql_name: "public.t_small".into(),
                idx_scan: 0.0,
                bytes: 1e6,
                enforces: false,
            },
        ];
        i.correlated = vec![CorrelatedColumn {
            schema: "public".into(),
            table: "events".into(),
            table_sql: "public.events".into(),
            column: "at".into(),
            column_sql: "at".into(),
            correlation: 0.998,
            reltuples: 5e6,
            n_tup_ins: 5e6,
            n_tup_upd: 10.0,
            btree_index: "events_at_idx".into(),
            btree_bytes: 110e6,
            ..Default::default()
        }];
        i.containers = vec![ContainerColumn {
            schema: "public".into(),
            table: "docs".into(),
            table_sql: "public.docs".into(),
            column: "body".into(),
            column_sql: "body".into(),
            kind: "jsonb".into(),
            indexed: false,
        }];
        i.statements = vec![stmt(
            5,
            "SELECT id FROM docs WHERE body @> $1",
            100.0,
            100.0,
        )];
        let f = advise(&i);
        let sql: Vec<&str> = f.iter().filter_map(|f| f.sql.as_deref()).collect();
        assert_eq!(
            sql,
            [
                "DROP INDEX CONCURRENTLY public.t_v_idx",
                "CREATE INDEX ON public.events USING brin (at)",
                "CREATE INDEX ON public.docs USING gin (body)"
            ]
        );
        // Updated tables are no BRIN candidates; an indexed container column no GIN one.
        i.correlated[0].n_tup_upd = 1e6;
        i.containers[0].indexed = true;
        assert_eq!(rules(&i), ["unused_index"]);
    }

    #[test]
    fn maintenance_commands_spill_in_maintenance_work_mem() {
        let mut i = inputs();
        let mut s = stmt(8, "CREATE INDEX t_v ON t (v)", 1.0, 100.0);
        s.temp_blks_written = 1280.0; // 10 MB
        i.statements = vec![s];
        let f = advise(&i);
        assert_eq!(
            f[0].sql.as_deref(),
            Some("ALTER ROLE app SET maintenance_work_mem = '20MB'")
        );
        assert!(
            f[0].finding.contains("(1 call, 10.0 MB in all)"),
            "{}",
            f[0].finding
        );
    }

    #[test]
    fn which_statements_read_a_table() {
        assert!(reads("SELECT * FROM orders WHERE x = $1", "orders"));
        assert!(reads(
            "SELECT * FROM public.orders o JOIN lines l ON l.o = o.id",
            "lines"
        ));
        assert!(reads("UPDATE \"Orders\" SET x = $1", "orders"));
        assert!(reads(
            "DELETE FROM t USING orders WHERE t.id = orders.id",
            "orders"
        ));
        assert!(reads("SELECT * FROM a, orders", "orders"));
        assert!(reads(
            "SELECT * FROM a x, public.orders o WHERE o.id = x.id",
            "orders"
        ));
        assert!(
            !reads("SELECT f(a, orders) FROM t", "orders"),
            "a column, not a table"
        );
        assert!(!reads(
            "SELECT * FROM t WHERE a IN (1, 2) AND orders = 3",
            "orders"
        ));
        assert!(!reads("CREATE TABLE orders (id int)", "orders"));
        assert!(!reads("INSERT INTO orders VALUES ($1)", "orders"));
        assert!(!reads("SELECT * FROM orders_archive", "orders"));
    }

    #[test]
    fn word_matching() {
        assert!(mentions("SELECT * FROM orders WHERE x = $1", "orders"));
        assert!(mentions("select * from \"Orders\"", "orders"));
        assert!(!mentions("SELECT * FROM orders_archive", "orders"));
        assert!(!mentions("SELECT * FROM myorders", "orders"));
        assert!(mentions("UPDATE t SET a = 1", "t"));
        assert!(!mentions("SELECT $1", "1"));
    }
}
