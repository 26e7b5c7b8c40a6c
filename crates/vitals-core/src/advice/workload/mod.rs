//! Workload advice (pure Rust): what the statement statistics and the tables' and indexes'
//! activity say should change. Inputs are gathered by SQL (`src/api/workload_inputs.sql`)
//! from vitals.statements (this database's statements; none without preloading),
//! pg_stat_database, pg_stat_user_tables, pg_stat_user_indexes and pg_stats.
//!
//! Every usage-based finding is `tentative` when the statistics behind it cover less than a
//! week: a nightly job or a weekly report may not have run yet.

mod database;
mod statements;
mod tables;
#[cfg(test)]
mod tests;
mod text;

pub use text::{mentions, reads};

use super::{Finding, Severity, Subject};
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

/// The rules' own cut-offs (documented in docs/reference.md).
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
use cutoffs::TENTATIVE_S;

/// What every rule reads besides the item it looks at.
struct Ctx<'a> {
    i: &'a Inputs,
    /// Block size in bytes.
    bs: f64,
    /// All statements' execution time, and the query id of the largest.
    statement_total: f64,
    top: Option<i64>,
    /// Statistics younger than a week: findings are tentative.
    stmt_tentative: bool,
    db_tentative: bool,
}

impl Ctx<'_> {
    /// A finding about a statement, a relation (schema, name), both or neither.
    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        statement: Option<&Statement>,
        relation: Option<(&str, &str)>,
        finding: String,
        recommendation: String,
        sql: Option<String>,
        tentative: bool,
    ) -> Finding {
        let subject = Subject {
            queryid: statement.map(|s| s.queryid),
            query: statement.and_then(|s| s.query.clone()),
            ..relation.map_or_else(Subject::default, |(schema, name)| {
                Subject::relation(schema, name)
            })
        };
        Finding::new(rule, severity, subject)
            .says(finding, recommendation, sql)
            .tentative(tentative)
    }
}

/// Every rule over every statement, the database, its tables, indexes and columns, in the
/// one order of findings.
pub fn advise(i: &Inputs) -> Vec<Finding> {
    let c = Ctx {
        i,
        bs: if i.block_size > 0.0 {
            i.block_size
        } else {
            8192.0
        },
        statement_total: i.statements.iter().map(|s| s.total_exec_time).sum(),
        // Only the largest statement can be "the one taking most of the time".
        top: i
            .statements
            .iter()
            .max_by(|a, b| a.total_exec_time.total_cmp(&b.total_exec_time))
            .map(|s| s.queryid),
        stmt_tentative: i.statements_age_s.is_some_and(|a| a < TENTATIVE_S),
        db_tentative: i.database_age_s < TENTATIVE_S,
    };
    let mut out = Vec::new();
    for s in &i.statements {
        c.temp_spill(s, &mut out);
        c.dominant_statement(s, &mut out);
        c.planning_time(s, &mut out);
        c.jit_share(s, &mut out);
        c.unstable_latency(s, &mut out);
        c.gin_candidate(s, &mut out);
    }
    c.temp_files(&mut out);
    c.cache_hit_ratio(&mut out);
    for t in &i.tables {
        c.seq_scan_table(t, &mut out);
    }
    for x in &i.indexes {
        c.unused_index(x, &mut out);
    }
    for col in &i.correlated {
        c.brin_candidate(col, &mut out);
    }
    super::sort(&mut out);
    out
}
