//! `vitals.autovacuum_status` and `vitals.autovacuum_advice`: one SQL query gathers the
//! inputs (`autovacuum_inputs.sql`, as the caller), `advice::autovacuum` decides. Neither
//! needs the library preloaded.

use super::spi::json_query;
use super::srf::{finfo_v1, materialize, put, raise, Row};
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use pgrx::PgSqlErrorCode;
use vitals_core::advice::autovacuum::{self, Inputs, Status};

const INPUTS_SQL: &str = include_str!("autovacuum_inputs.sql");

#[cfg(feature = "pg18")]
const RELALLFROZEN: &str = "c.relallfrozen";
#[cfg(not(feature = "pg18"))]
const RELALLFROZEN: &str = "NULL::int4";

/// Column statistics per table for the bloat estimate, of tables of 1 MB or more (a few
/// pages of bloat say nothing): straight from pg_statistic for callers who may read it (the
/// rows pg_stats would show them, as fast as a hash aggregate gets), else through pg_stats,
/// which keeps out the columns the caller may not read. The table-name filter is leakproof, so
/// PostgreSQL applies it inside pg_stats, before its privilege check of every statistic
/// (10 ms instead of 170 ms for a member of pg_monitor with 10,000 small tables).
const COLSTATS_PG_STATISTIC: &str = "SELECT starelid AS relid, count(*) AS stats_cols,
           sum((1 - stanullfrac) * stawidth) AS data_width, bool_or(stanullfrac > 0) AS has_nulls
    FROM pg_catalog.pg_statistic
    WHERE NOT stainherit AND starelid IN (SELECT oid FROM big)
    GROUP BY starelid";
const COLSTATS_PG_STATS: &str = "SELECT b.oid AS relid, count(*) AS stats_cols,
           sum((1 - ps.null_frac) * ps.avg_width) AS data_width, bool_or(ps.null_frac > 0) AS has_nulls
    FROM pg_catalog.pg_stats ps JOIN big b ON b.nspname = ps.schemaname AND b.relname = ps.tablename
    WHERE NOT ps.inherited AND ps.tablename = ANY (ARRAY(SELECT relname FROM big))
    GROUP BY b.oid";

fn inputs() -> Inputs {
    let direct = super::spi::query_one::<bool>(
        "SELECT has_table_privilege('pg_catalog.pg_statistic', 'SELECT')",
    )
    .ok()
    .flatten()
    .unwrap_or(false);
    let sql = INPUTS_SQL.replace("@RELALLFROZEN@", RELALLFROZEN).replace(
        "@COLSTATS@",
        if direct {
            COLSTATS_PG_STATISTIC
        } else {
            COLSTATS_PG_STATS
        },
    );
    let mut inputs: Inputs = json_query(&sql, "autovacuum inputs");
    inputs.long_transaction_s = crate::guc::LONG_TRANSACTION.get() as f64 / 1000.0;
    inputs
}

fn report(inputs: &Inputs) -> autovacuum::Report<'_> {
    autovacuum::analyze(inputs).unwrap_or_else(|e| {
        raise(
            PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("pg_vitals: {e}"),
            "",
        )
    })
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "r" => "table",
        "t" => "toast table",
        "m" => "materialized view",
        "p" => "partitioned table",
        _ => "other",
    }
}

/// Percent of the way to a threshold (100: autovacuum acts).
fn pct(value: Option<f64>, threshold: Option<f64>) -> Option<f64> {
    match (value, threshold) {
        (Some(v), Some(t)) if t > 0.0 => Some(100.0 * v / t),
        _ => None,
    }
}

fn status_row(st: &Status, s: &autovacuum::Settings) -> Row {
    let t = st.table;
    let e = &st.effective;
    let th = &st.thresholds;
    let mut row = Row::with_capacity(44);
    row.text(Some(&t.schema));
    row.text(Some(&t.name));
    row.text(Some(kind_name(&t.kind)));
    row.text(t.parent_schema.as_deref());
    row.text(t.parent_name.as_deref());
    row.bool(e.enabled);
    row.text(Some(e.source));
    row.float(Some(e.vacuum_threshold));
    row.float(Some(e.vacuum_scale_factor));
    row.float(e.vacuum_max_threshold);
    row.float(e.insert_threshold);
    row.float(e.insert_scale_factor);
    row.float(Some(e.analyze_threshold));
    row.float(Some(e.analyze_scale_factor));
    row.int(Some(e.freeze_max_age));
    row.int(Some(e.multixact_freeze_max_age));
    row.int(t.n_dead_tup);
    row.float(th.vacuum);
    row.float(pct(t.n_dead_tup, th.vacuum));
    row.int(t.n_ins_since_vacuum);
    row.float(th.insert);
    row.float(pct(t.n_ins_since_vacuum, th.insert));
    row.int(t.n_mod_since_analyze);
    row.float(th.analyze);
    row.float(pct(t.n_mod_since_analyze, th.analyze));
    row.int(t.xid_age);
    row.float(pct(t.xid_age, Some(e.freeze_max_age)));
    row.int(t.mxid_age);
    row.float(pct(t.mxid_age, Some(e.multixact_freeze_max_age)));
    row.bool(st.vacuum_due);
    row.bool(st.wraparound_due);
    row.bool(st.analyze_due);
    row.time(t.last_vacuum);
    row.time(t.last_autovacuum);
    row.time(t.last_analyze);
    row.time(t.last_autoanalyze);
    row.bool(st.vacuuming());
    row.text(t.vacuum_phase.as_deref());
    row.int(Some(t.table_bytes));
    row.int(st.bloat_bytes);
    row.float(st.bloat_share(s).map(|b| b * 100.0));
    row.float(s.mb_per_s(s.page_miss));
    row.float(s.mb_per_s(s.page_dirty));
    row
}

finfo_v1!(pg_finfo_vitals_autovacuum_status);
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_autovacuum_status(fcinfo: FunctionCallInfo) -> Datum {
    let inputs = inputs();
    let report = report(&inputs);
    let (ts, desc) = materialize(fcinfo);
    for st in &report.statuses {
        put(ts, desc, &mut status_row(st, &report.settings));
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_autovacuum_advice);
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_autovacuum_advice(fcinfo: FunctionCallInfo) -> Datum {
    let inputs = inputs();
    let report = report(&inputs);
    let (ts, desc) = materialize(fcinfo);
    for f in &report.findings {
        let mut row = Row::with_capacity(7);
        row.text(Some(f.rule));
        row.text(Some(&f.severity.to_string()));
        row.text(f.subject.schema_name.as_deref());
        row.text(f.subject.relation_name.as_deref());
        row.text(Some(&f.finding));
        row.text(Some(&f.recommendation));
        row.text(f.sql.as_deref());
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}
