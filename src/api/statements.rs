//! `vitals.statements`, `vitals.plans`, `vitals.histogram`, `vitals.info` and the reset
//! functions: the store, copied out under its lock and shown with pg_stat_statements'
//! privilege rule.

use super::srf::{
    finfo_v1, insufficient_privilege, materialize, put, require_store, required, text_datum, Row,
};
use crate::privileges::Reader;
use crate::store;
use pgrx::pg_sys::{self, Datum, FunctionCallInfo};
use pgrx::IntoDatum;
use vitals_core::store::counters::{Counters, Kind};
use vitals_core::store::table::{Arena, PlanInfo};

fn push_counters(row: &mut Row, c: &Counters) {
    for kind in [Kind::Plan, Kind::Exec] {
        let k = kind as usize;
        row.i64(c.calls[k]);
        row.f64(c.total_time[k]);
        row.f64(c.min_time[k]);
        row.f64(c.max_time[k]);
        row.f64(c.mean_time[k]);
        row.f64(c.stddev(kind));
    }
    let r = &c.resources;
    row.i64(c.rows);
    for v in [
        r.shared_blks_hit,
        r.shared_blks_read,
        r.shared_blks_dirtied,
        r.shared_blks_written,
        r.local_blks_hit,
        r.local_blks_read,
        r.local_blks_dirtied,
        r.local_blks_written,
        r.temp_blks_read,
        r.temp_blks_written,
    ] {
        row.i64(v);
    }
    // blk_read_time and blk_write_time count shared and local blocks, as on PostgreSQL 15
    // and 16 (from 17 the two are kept apart, and shown apart at the end).
    for v in [
        r.blk_read_time + c.local_blk_read_time,
        r.blk_write_time + c.local_blk_write_time,
        r.temp_blk_read_time,
        r.temp_blk_write_time,
    ] {
        row.f64(v);
    }
    row.i64(r.wal_records);
    row.i64(r.wal_fpi);
    row.push(pgrx::AnyNumeric::from(r.wal_bytes).into_datum());
    row.i64(c.jit_functions);
    row.f64(c.jit_generation_time);
    row.i64(c.jit_inlining_count);
    row.f64(c.jit_inlining_time);
    row.i64(c.jit_optimization_count);
    row.f64(c.jit_optimization_time);
    row.i64(c.jit_emission_count);
    row.f64(c.jit_emission_time);
    let (low, high) = c.exec_bounds();
    for p in c.exec_histogram.quantiles(PERCENTILES, low, high) {
        row.push(p.and_then(|v| v.into_datum()));
    }
    row.i64(c.errors);
    row.f64(c.error_time);
    if c.errors > 0 {
        let state = vitals_core::store::counters::sqlstate_text(c.last_sqlstate);
        // SAFETY: a plain read of backend state.
        let encoding = unsafe { pg_sys::GetDatabaseEncoding() };
        row.push(Some(text_datum(state.as_bytes(), encoding)));
    } else {
        row.push(None);
    }
    row.timestamptz(c.last_error_at);
    push_later_counters(row, c);
}

/// What each major can measure of the columns pg_stat_statements added after 1.10; the
/// others read NULL.
const SPLIT_BLOCK_TIMES: bool = cfg!(any(feature = "pg17", feature = "pg18"));
const JIT_DEFORM: bool = cfg!(any(feature = "pg17", feature = "pg18"));
const WAL_BUFFERS_FULL: bool = cfg!(feature = "pg18");
const PARALLEL_WORKERS: bool = cfg!(feature = "pg18");

/// The columns after `last_error_at`: pg_stat_statements 1.11 to 1.13's additions.
fn push_later_counters(row: &mut Row, c: &Counters) {
    let r = &c.resources;
    let f64_if = |row: &mut Row, measured: bool, v: f64| {
        row.push(measured.then(|| v.into_datum()).flatten())
    };
    let i64_if = |row: &mut Row, measured: bool, v: i64| {
        row.push(measured.then(|| v.into_datum()).flatten())
    };
    f64_if(row, SPLIT_BLOCK_TIMES, r.blk_read_time);
    f64_if(row, SPLIT_BLOCK_TIMES, r.blk_write_time);
    f64_if(row, SPLIT_BLOCK_TIMES, c.local_blk_read_time);
    f64_if(row, SPLIT_BLOCK_TIMES, c.local_blk_write_time);
    i64_if(row, JIT_DEFORM, c.jit_deform_count);
    f64_if(row, JIT_DEFORM, c.jit_deform_time);
    i64_if(row, WAL_BUFFERS_FULL, c.wal_buffers_full);
    i64_if(row, PARALLEL_WORKERS, c.parallel_workers_to_launch);
    i64_if(row, PARALLEL_WORKERS, c.parallel_workers_launched);
    row.i64(c.generic_plan_calls);
    row.i64(c.custom_plan_calls);
    row.timestamptz(c.stats_since);
    row.timestamptz(c.minmax_stats_since);
}

/// p50, p90, p95, p99 and p99.9 of the execution time, the view's last columns.
const PERCENTILES: [f64; 5] = [0.5, 0.9, 0.95, 0.99, 0.999];

/// One entry copied out of shared memory, so that no lock is held while building rows.
struct Snapshot {
    key: vitals_core::store::table::Key,
    encoding: i32,
    text: Option<Vec<u8>>,
    counters: Counters,
}

finfo_v1!(pg_finfo_vitals_statements);

/// `vitals._statements(showtext boolean)`: the rows behind `vitals.statements`.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_statements(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let showtext = pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 0).unwrap_or(true);
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let snapshot: Vec<Snapshot> = store::with_shared(|t, g| {
        t.entries(g)
            .filter_map(|(m, e)| {
                let counters = e.counters.read();
                // Entries that never ran (text remembered at parse time) are not shown.
                (!counters.is_sticky()).then(|| Snapshot {
                    key: m.key,
                    encoding: m.encoding,
                    text: if showtext {
                        t.text(&m, g).map(|s| s.to_vec())
                    } else {
                        None
                    },
                    counters,
                })
            })
            .collect()
    })
    .unwrap_or_default();
    for s in &snapshot {
        let mut row = Row::with_capacity(65);
        row.push(Some(Datum::from(s.key.userid)));
        row.push(Some(Datum::from(s.key.dbid)));
        row.push(Some(Datum::from(s.key.toplevel())));
        if reader.sees(&s.key) {
            row.i64(s.key.queryid);
            row.push(s.text.as_ref().map(|t| text_datum(t, s.encoding)));
        } else {
            row.push(None);
            row.push(showtext.then(insufficient_privilege));
        }
        push_counters(&mut row, &s.counters);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

/// A captured plan copied out of shared memory; `text` None when the reader may not see it.
struct PlanSnapshot {
    key: vitals_core::store::table::Key,
    encoding: i32,
    info: PlanInfo,
    text: Option<Vec<u8>>,
}

finfo_v1!(pg_finfo_vitals_plans);

/// `vitals._plans()`: the rows behind `vitals.plans`, one per entry with a captured plan.
/// Other users' query ids and plans are hidden unless the caller has pg_read_all_stats.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_plans(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let snapshot: Vec<PlanSnapshot> = store::with_shared(|t, g| {
        t.entries(g)
            .filter_map(|(m, _)| {
                t.plan(&m, g).map(|p| PlanSnapshot {
                    key: m.key,
                    encoding: m.encoding,
                    info: p.info,
                    text: reader.sees(&m.key).then(|| p.text.to_vec()),
                })
            })
            .collect()
    })
    .unwrap_or_default();
    for s in &snapshot {
        let mut row = Row::with_capacity(8);
        row.push(Some(Datum::from(s.key.userid)));
        row.push(Some(Datum::from(s.key.dbid)));
        row.push(s.text.is_some().then(|| Datum::from(s.key.queryid)));
        row.push(Some(Datum::from(s.key.toplevel())));
        row.timestamptz(s.info.captured_at);
        row.f64(s.info.exec_time);
        row.push(Some(Datum::from(s.info.instrumented != 0)));
        row.push(Some(match &s.text {
            Some(text) => text_datum(text, s.encoding),
            None => insufficient_privilege(),
        }));
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_histogram);

/// `vitals.histogram(queryid, userid, dbid, toplevel)`: the execution-time histogram of the
/// entries with that query id (summed when several match; NULL filters match any), one row
/// per non-empty bucket. Only entries whose query id the caller may see count.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_histogram(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let queryid: i64 = required(
        fcinfo,
        0,
        "queryid",
        "Pass the queryid of a statement, as vitals.statements shows it.",
    );
    let userid: Option<pg_sys::Oid> = pgrx::fcinfo::pg_getarg(fcinfo, 1);
    let dbid: Option<pg_sys::Oid> = pgrx::fcinfo::pg_getarg(fcinfo, 2);
    let toplevel: Option<bool> = pgrx::fcinfo::pg_getarg(fcinfo, 3);
    let (userid, dbid): (Option<u32>, Option<u32>) = (userid.map(Into::into), dbid.map(Into::into));
    let reader = Reader::current();
    let (ts, desc) = materialize(fcinfo);
    let merged = store::with_shared(|t, g| {
        let mut sum = vitals_core::store::histogram::Histogram::default();
        for (m, e) in t.entries(g) {
            let k = m.key;
            if k.queryid == queryid
                && userid.is_none_or(|u| u == k.userid)
                && dbid.is_none_or(|d| d == k.dbid)
                && toplevel.is_none_or(|tl| tl == k.toplevel())
                && reader.sees(&k)
            {
                sum.merge(&e.counters.read().exec_histogram);
            }
        }
        sum
    })
    .unwrap_or_default();
    for (b, calls) in merged.buckets() {
        let mut row = Row::with_capacity(3);
        row.f64(vitals_core::store::histogram::lower_ms(b));
        row.f64(vitals_core::store::histogram::upper_ms(b));
        row.i64(calls as i64);
        put(ts, desc, &mut row);
    }
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_info);

/// `vitals._info()`: the row behind `vitals.info`.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_info(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let (ts, desc) = materialize(fcinfo);
    let Some((count, text_used, plans, plan_used, layout, stats)) = store::with_shared(|t, g| {
        (
            t.count(g),
            t.arena_bytes_live(Arena::Texts, g),
            t.plan_count(g),
            t.arena_bytes_live(Arena::Plans, g),
            t.layout(),
            t.stats().read(),
        )
    }) else {
        return Datum::from(0);
    };
    let histogram_bytes = std::mem::size_of::<vitals_core::store::histogram::Histogram>();
    let mut row = Row::with_capacity(17);
    row.i64(count as i64);
    row.i64(layout.max as i64);
    row.i64(stats.dealloc);
    row.timestamptz(stats.stats_reset);
    row.i64(layout.size() as i64);
    row.i64(vitals_core::store::table::Layout::entry_size() as i64);
    row.i64(text_used as i64);
    row.i64(layout.text_cap as i64);
    row.i64(stats.entries_evicted);
    row.i64(stats.texts_dropped);
    row.timestamptz(stats.last_dealloc);
    row.i64((count * histogram_bytes) as i64);
    row.i64((layout.max * histogram_bytes) as i64);
    row.i64(plans as i64);
    row.i64(plan_used as i64);
    row.i64(layout.plan_cap as i64);
    row.i64(stats.plans_dropped);
    put(ts, desc, &mut row);
    Datum::from(0)
}

finfo_v1!(pg_finfo_vitals_reset);

/// What the reset functions' filters take instead of NULL.
const MATCH_ANY: &str = "Pass 0 to match every value.";

/// The `(userid oid, dbid oid, queryid bigint)` filter of the reset functions.
///
/// # Safety
/// `fcinfo` must be valid and have those three arguments.
unsafe fn reset_filter(fcinfo: FunctionCallInfo) -> (u32, u32, i64) {
    let userid: pg_sys::Oid = required(fcinfo, 0, "userid", MATCH_ANY);
    let dbid: pg_sys::Oid = required(fcinfo, 1, "dbid", MATCH_ANY);
    let queryid: i64 = required(fcinfo, 2, "queryid", MATCH_ANY);
    (userid.into(), dbid.into(), queryid)
}

/// `vitals.reset(userid, dbid, queryid, minmax_only)`: removes matching entries (0 matches
/// any), or with `minmax_only` restarts their min and max times. The 0.4 signature, without
/// `minmax_only`, still calls it until the extension is updated.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_reset(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let filter = reset_filter(fcinfo);
    let minmax_only =
        (*fcinfo).nargs > 3 && required::<bool>(fcinfo, 3, "minmax_only", "Pass true or false.");
    let now = pg_sys::GetCurrentTimestamp();
    store::with_exclusive(|t, g| t.reset(filter, minmax_only, now, g));
    Datum::from(now)
}

finfo_v1!(pg_finfo_vitals_reset_plans);

/// `vitals.reset_plans(userid, dbid, queryid)`: forgets the captured plans of matching
/// entries (0 matches any), keeping their statistics, so that the next slow execution is
/// captured afresh (after adding an index, say). Returns how many plans went.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_reset_plans(fcinfo: FunctionCallInfo) -> Datum {
    require_store();
    let filter = reset_filter(fcinfo);
    let n =
        store::with_exclusive(|t, g| t.reset_plans(filter.0, filter.1, filter.2, g)).unwrap_or(0);
    Datum::from(n as i64)
}

finfo_v1!(pg_finfo_vitals_creating_extension);

/// `vitals._creating_extension()`: whether an extension script is running (CREATE or ALTER
/// EXTENSION), so that `vitals.reshape_pg_stat_statements()` knows whether the objects it
/// creates join pg_vitals by themselves or must be added.
#[no_mangle]
#[pgrx::pg_guard]
pub unsafe extern "C-unwind" fn vitals_creating_extension(_fcinfo: FunctionCallInfo) -> Datum {
    Datum::from(pg_sys::creating_extension)
}
