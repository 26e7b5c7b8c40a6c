//! `vitals.workload_advice`: one SQL query gathers the inputs as the caller
//! (`workload_inputs.sql`), `advice::workload` decides. Without preloading there are no
//! statement statistics: the table and index rules still run.

use super::spi::json_query;
use super::srf::{finfo_v1, materialize, put, Row};
use crate::store;
use pgrx::pg_sys::{Datum, FunctionCallInfo};
use vitals_core::advice::workload::{self, Inputs};

const INPUTS_SQL: &str = include_str!("workload_inputs.sql");

/// This database's top-level statements the caller may see (other users' only with
/// pg_read_all_stats: vitals.statements gives their query id as NULL otherwise).
const STATEMENTS: &str = "(SELECT coalesce(json_agg(json_build_object(
        'queryid', s.queryid, 'role_sql', quote_ident(r.rolname), 'query', s.query,
        'calls', s.calls, 'total_exec_time', s.total_exec_time,
        'mean_exec_time', s.mean_exec_time, 'stddev_exec_time', s.stddev_exec_time,
        'plans', s.plans, 'mean_plan_time', s.mean_plan_time,
        'p50_exec_time', s.p50_exec_time, 'p99_exec_time', s.p99_exec_time,
        'temp_blks_written', s.temp_blks_written,
        'jit_time', s.jit_generation_time + s.jit_inlining_time + s.jit_optimization_time
                    + s.jit_emission_time)), '[]'::json)
    FROM vitals._statements(true) s
    LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
    WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
      AND s.toplevel AND s.queryid IS NOT NULL AND s.calls > 0)";
const STATEMENTS_AGE: &str = "(SELECT date_part('epoch', now() - stats_reset) FROM vitals.info)";

fn inputs() -> Inputs {
    let (statements, age) = if store::available() {
        (STATEMENTS, STATEMENTS_AGE)
    } else {
        ("'[]'::json", "NULL::float8")
    };
    let sql = INPUTS_SQL
        .replace("@STATEMENTS@", statements)
        .replace("@STATEMENTS_AGE@", age);
    json_query(&sql, "workload inputs")
}

finfo_v1!(pg_finfo_vitals_workload_advice);
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_workload_advice(fcinfo: FunctionCallInfo) -> Datum {
    let inputs = inputs();
    let findings = workload::advise(&inputs);
    let (ts, desc) = materialize(fcinfo);
    for f in &findings {
        let mut row = Row::with_capacity(9);
        row.text(Some(f.rule));
        row.text(Some(&f.severity.to_string()));
        row.push(f.subject.queryid.map(Datum::from));
        row.text(f.subject.query.as_deref());
        row.text(f.subject.relation_text().as_deref());
        row.text(Some(&f.finding));
        row.text(Some(&f.recommendation));
        row.text(f.sql.as_deref());
        row.bool(f.tentative);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}
