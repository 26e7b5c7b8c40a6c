//! FFI edge: pg_vitals inside EXPLAIN.
//!
//! A `Vitals` group goes inside the statement's own Query group, after what PostgreSQL
//! prints for the plan (planning, triggers, JIT) and before `Execution Time`, in every
//! format. Everything is gathered first ([`gather`]: the store, the plan tree, catalog
//! lookups) and printed after ([`write`]), so that a failure while gathering never leaves
//! half a group.
//!
//! A PostgreSQL error while gathering (a catalog lookup, a statistics read: in practice
//! memory exhausted or a cancel) or printing fails the EXPLAIN, as it would fail PostgreSQL's
//! own EXPLAIN code, and the abort releases what the failed call held; a bug of ours (a Rust
//! panic) is a WARNING and PostgreSQL's output stays whole, since nothing is printed before
//! everything is gathered. A subtransaction to turn such errors into WARNINGs would cost
//! EXPLAIN about 2,300 instructions, a sixth of the group's cost (bench/explain.sh).
//!
//! - PostgreSQL 15 to 17: `ExplainOneQuery_hook` notes the ExplainState, then lets EXPLAIN
//!   run as usual; ExplainOnePlan calls ExecutorEnd after printing the plan and before
//!   closing the Query group, and our ExecutorEnd hook prints there (the plan state is
//!   still alive). `EXPLAIN EXECUTE` does not pass through that hook and gets no Vitals.
//! - PostgreSQL 18: the `VITALS` EXPLAIN option (default `pg_vitals.explain`),
//!   `explain_per_node_hook` for per-node `Exclusive Time` and `Rows Misestimate`, and
//!   `explain_per_plan_hook` for the group.

use super::{plan_tree, shielded};
use crate::store;
use pgrx::pg_sys::{self, ExplainState, PlanState};
use std::ffi::{CStr, CString};
use vitals_core::advice::Finding;
use vitals_core::explain::advice;
use vitals_core::explain::history::History;
use vitals_core::explain::insights::{self, PlanNode};
use vitals_core::explain::number::{self, Fixed};
use vitals_core::store::table::Key;

/// What EXPLAIN gains, as plain values.
struct Report {
    history: Option<History>,
    analysis: Option<Analysis>,
}

/// What an executed plan says (EXPLAIN ANALYZE).
struct Analysis {
    /// Label, exclusive ms, share of the total (0..1).
    hottest: Option<(String, f64, f64)>,
    /// Label, estimated rows, actual rows, factor.
    misestimate: Option<(String, f64, f64, f64)>,
    /// Shared blocks hit, read; temp blocks written (BUFFERS).
    buffers: Option<(i64, i64, i64)>,
    advice: Vec<Finding>,
}

/// The statement's recorded executions this user may see: all users' with
/// pg_read_all_stats (the DBA explaining an application's query wants its history), else
/// the user's own; top-level executions, or nested ones when it has run only nested.
fn history(query_id: i64) -> Option<History> {
    if query_id == 0 {
        return None;
    }
    // The privilege rule of the views; a catalog lookup, so before the lock is taken.
    let crate::privileges::Reader { userid, sees_all } = crate::privileges::Reader::current();
    // SAFETY: a plain read of backend state.
    let dbid = u32::from(unsafe { pg_sys::MyDatabaseId });
    store::with_shared(|t, g| {
        let mut entries: Vec<(bool, _)> = if sees_all {
            t.statement_entries(dbid, query_id, g)
                .map(|(m, e)| (m.key.toplevel(), e.counters.read()))
                .collect()
        } else {
            [true, false]
                .into_iter()
                .filter_map(|top| Some((top, t.find(&Key::new(userid, dbid, query_id, top), g)?)))
                .map(|(top, e)| (top, e.counters.read()))
                .collect()
        };
        // Top-level executions when there are any: with track = all, the runs of EXPLAIN
        // itself are nested entries (as in pg_stat_statements), and they are not history.
        if entries.iter().any(|(top, c)| *top && !c.is_sticky()) {
            entries.retain(|(top, _)| *top);
        }
        History::from_counters(entries.iter().map(|(_, c)| c))
    })
    .flatten()
}

/// Gathers the report.
///
/// # Safety
/// `es` is the running EXPLAIN's state; `root`, when given, its executed plan state tree.
unsafe fn gather(es: *mut ExplainState, root: Option<*mut PlanState>, query_id: i64) -> Report {
    let history = history(query_id);
    let analysis = match root {
        Some(ps) if (*es).analyze && !ps.is_null() => Some(analyze(es, ps)),
        _ => None,
    };
    Report { history, analysis }
}

unsafe fn analyze(es: *mut ExplainState, ps: *mut PlanState) -> Analysis {
    let tree: PlanNode = plan_tree::plan_tree(ps, true);
    let settings = advice::Settings {
        work_mem_kb: pg_sys::work_mem as f64,
        hash_mem_multiplier: pg_sys::hash_mem_multiplier,
    };
    let buffers = match (*ps).instrument.as_ref() {
        Some(i) if (*es).buffers => Some((
            i.bufusage.shared_blks_hit,
            i.bufusage.shared_blks_read,
            i.bufusage.temp_blks_written,
        )),
        _ => None,
    };
    Analysis {
        hottest: insights::hottest(&tree).map(|h| (h.node.label.clone(), h.exclusive_ms, h.share)),
        misestimate: insights::worst_misestimate(&tree)
            .map(|m| (m.node.label.clone(), m.estimated, m.actual, m.factor)),
        buffers,
        advice: advice::advise(&tree, &settings, &plan_tree::Catalog),
    }
}

/// How far the actual rows are from the estimate: the factor, and " over" or " under" when
/// the printed factor shows a difference ("10.0x under", "2.5x over", "1.0x").
fn misestimate_parts(estimated: f64, actual: f64) -> (f64, &'static str) {
    let factor = insights::misestimate_factor(estimated, actual);
    let direction = if factor < 1.05 {
        ""
    } else if actual.max(1.0) < estimated.max(1.0) {
        " over"
    } else {
        " under"
    };
    (factor, direction)
}

fn misestimate_text(estimated: f64, actual: f64) -> String {
    let (factor, direction) = misestimate_parts(estimated, actual);
    format!("{}x{direction}", Fixed(factor, 1))
}

/// Printing into an ExplainState.
struct Out(*mut ExplainState);

/// A C string of `s` in the database's encoding; names and numbers hold no NUL, but a stray
/// one is dropped, not fatal.
fn c(s: &str) -> CString {
    let mut bytes = crate::server_text::to_server(s).into_owned();
    bytes.retain(|&b| b != 0);
    CString::new(bytes).expect("no NUL left")
}

/// The text format's lines, built in one buffer and appended to EXPLAIN's output at once.
/// Pieces are pushed one by one: `format!` machinery costed more than the rest of a plain
/// EXPLAIN's Vitals group.
struct TextLines {
    buf: String,
    indent: usize,
}

impl TextLines {
    /// Starts a line at the current indentation.
    fn start(&mut self, s: &str) -> &mut Self {
        self.buf.extend(std::iter::repeat_n(' ', self.indent * 2));
        self.s(s)
    }
    fn s(&mut self, s: &str) -> &mut Self {
        self.buf.push_str(s);
        self
    }
    fn int(&mut self, n: i64) -> &mut Self {
        number::push_int(&mut self.buf, n);
        self
    }
    fn fixed(&mut self, x: f64, digits: usize) -> &mut Self {
        number::push_fixed(&mut self.buf, x, digits);
        self
    }
    fn end(&mut self) {
        self.buf.push('\n');
    }
}

impl Out {
    fn text(&self) -> bool {
        // SAFETY: a valid ExplainState (all methods).
        unsafe { (*self.0).format == pg_sys::ExplainFormat::EXPLAIN_FORMAT_TEXT }
    }
    /// Lines at EXPLAIN's current indentation, to be [`Out::append`]ed.
    fn lines(&self) -> TextLines {
        TextLines {
            buf: String::with_capacity(512),
            // SAFETY: a valid ExplainState.
            indent: unsafe { (*self.0).indent.max(0) as usize },
        }
    }
    fn append(&self, lines: &TextLines) {
        let cleaned;
        let text = if lines.buf.contains('\0') {
            cleaned = lines.buf.replace('\0', "");
            &cleaned
        } else {
            &lines.buf
        };
        let bytes = crate::server_text::to_server(text);
        // SAFETY: a valid ExplainState; the bytes are copied (a guarded call: an allocation
        // failure is a Rust panic, raised again by `shielded`).
        unsafe {
            pg_sys::appendBinaryStringInfo(
                (*self.0).str_,
                bytes.as_ptr().cast(),
                bytes.len() as i32,
            )
        };
    }
    fn open(&self, name: &CStr, labeled: bool) {
        unsafe { pg_sys::ExplainOpenGroup(name.as_ptr(), name.as_ptr(), labeled, self.0) };
    }
    fn close(&self, name: &CStr, labeled: bool) {
        unsafe { pg_sys::ExplainCloseGroup(name.as_ptr(), name.as_ptr(), labeled, self.0) };
    }
    /// An element of an array opened with `open(.., false)`.
    fn open_item(&self, name: &CStr) {
        unsafe { pg_sys::ExplainOpenGroup(name.as_ptr(), std::ptr::null(), true, self.0) };
    }
    fn close_item(&self, name: &CStr) {
        unsafe { pg_sys::ExplainCloseGroup(name.as_ptr(), std::ptr::null(), true, self.0) };
    }
    fn text_prop(&self, label: &CStr, value: &str) {
        let v = c(value);
        unsafe { pg_sys::ExplainPropertyText(label.as_ptr(), v.as_ptr(), self.0) };
    }
    fn float_prop(&self, label: &CStr, unit: Option<&CStr>, value: f64, digits: i32) {
        let unit = unit.map_or(std::ptr::null(), CStr::as_ptr);
        unsafe { pg_sys::ExplainPropertyFloat(label.as_ptr(), unit, value, digits, self.0) };
    }
    fn int_prop(&self, label: &CStr, value: i64) {
        unsafe { pg_sys::ExplainPropertyInteger(label.as_ptr(), std::ptr::null(), value, self.0) };
    }
}

/// Prints the report as the `Vitals` group.
fn write(es: *mut ExplainState, r: &Report) {
    let out = Out(es);
    if out.text() {
        write_text(&out, r);
    } else {
        write_structured(&out, r);
    }
}

fn write_text(out: &Out, r: &Report) {
    let mut t = out.lines();
    t.start("Vitals:").end();
    t.indent += 1;
    match &r.history {
        Some(h) if h.calls == 0 => {
            t.start("History: 0 calls, ")
                .int(h.errors)
                .s(" errors")
                .end();
        }
        Some(h) => {
            t.start("History: ")
                .int(h.calls)
                .s(" calls, mean ")
                .fixed(h.mean_ms, 3);
            t.s(" ms, p50 ")
                .fixed(h.p50_ms, 3)
                .s(" ms, p95 ")
                .fixed(h.p95_ms, 3);
            t.s(" ms, p99 ")
                .fixed(h.p99_ms, 3)
                .s(" ms, ")
                .int(h.errors)
                .s(" errors")
                .end();
        }
        None => t.start("History: No history").end(),
    }
    if let Some(a) = &r.analysis {
        if let Some((node, ms, share)) = &a.hottest {
            t.start("Hottest Node: ")
                .s(node)
                .s(" (")
                .fixed(*ms, 3)
                .s(" ms exclusive, ");
            t.fixed(share * 100.0, 1).s("% of the total)").end();
        }
        if let Some((node, est, actual, _)) = &a.misestimate {
            t.start("Worst Misestimate: ")
                .s(node)
                .s(" (estimated ")
                .fixed(*est, 0);
            let (factor, direction) = misestimate_parts(*est, *actual);
            t.s(" rows, actual ")
                .fixed(*actual, 0)
                .s(": ")
                .fixed(factor, 1);
            t.s("x").s(direction).s(")").end();
        }
        if let Some((hit, read, temp)) = a.buffers {
            if hit + read > 0 {
                let ratio = 100.0 * hit as f64 / (hit + read) as f64;
                t.start("Shared Hit Ratio: ").fixed(ratio, 1).s("%").end();
            }
            t.start("Temp Written Blocks: ").int(temp).end();
        }
        if a.advice.is_empty() {
            t.start("Advice: none").end();
        } else {
            t.start("Advice:").end();
            t.indent += 1;
            for l in advice::text_lines(&a.advice) {
                t.start(&l).end();
            }
        }
    }
    out.append(&t);
}

fn write_structured(out: &Out, r: &Report) {
    out.open(c"Vitals", true);
    match &r.history {
        Some(h) => {
            out.open(c"History", true);
            out.int_prop(c"Calls", h.calls);
            out.float_prop(c"Mean Time", Some(c"ms"), h.mean_ms, 3);
            out.float_prop(c"P50 Time", Some(c"ms"), h.p50_ms, 3);
            out.float_prop(c"P95 Time", Some(c"ms"), h.p95_ms, 3);
            out.float_prop(c"P99 Time", Some(c"ms"), h.p99_ms, 3);
            out.int_prop(c"Errors", h.errors);
            out.close(c"History", true);
        }
        None => out.text_prop(c"History", "No history"),
    }
    if let Some(a) = &r.analysis {
        if let Some((node, ms, share)) = &a.hottest {
            out.open(c"Hottest Node", true);
            out.text_prop(c"Node", node);
            out.float_prop(c"Exclusive Time", Some(c"ms"), *ms, 3);
            out.float_prop(c"Share", Some(c"%"), share * 100.0, 1);
            out.close(c"Hottest Node", true);
        }
        if let Some((node, est, actual, factor)) = &a.misestimate {
            out.open(c"Worst Misestimate", true);
            out.text_prop(c"Node", node);
            out.float_prop(c"Estimated Rows", None, *est, 0);
            out.float_prop(c"Actual Rows", None, *actual, 0);
            out.float_prop(c"Factor", None, *factor, 1);
            out.text_prop(c"Misestimate", &misestimate_text(*est, *actual));
            out.close(c"Worst Misestimate", true);
        }
        if let Some((hit, read, temp)) = a.buffers {
            if hit + read > 0 {
                out.float_prop(
                    c"Shared Hit Ratio",
                    Some(c"%"),
                    100.0 * hit as f64 / (hit + read) as f64,
                    1,
                );
            }
            out.int_prop(c"Temp Written Blocks", temp);
        }
        out.open(c"Advice", false);
        for f in &a.advice {
            out.open_item(c"Finding");
            out.text_prop(c"Rule", f.rule);
            out.text_prop(c"Node", f.subject.node.as_deref().unwrap_or(""));
            out.text_prop(c"Finding", &f.finding);
            out.text_prop(c"Recommendation", &f.recommendation);
            out.text_prop(c"SQL", f.sql.as_deref().unwrap_or(""));
            out.close_item(c"Finding");
        }
        out.close(c"Advice", false);
    }
    out.close(c"Vitals", true);
}

/// What the WARNING says when the group could not be gathered or printed.
const NOT_SHOWN: &str = "EXPLAIN insights not shown";

/// Gathers and prints; a bug while gathering is a WARNING and prints nothing, a PostgreSQL
/// error fails the EXPLAIN.
///
/// # Safety
/// As [`gather`]; the caller's frames are plain old frames (an error may be raised again).
unsafe fn explain_vitals(es: *mut ExplainState, root: Option<*mut PlanState>, query_id: i64) {
    // One closure for both steps: an error unwinds through it as a panic, dropping the report,
    // before `shielded` raises it again (nothing with a destructor is alive at the longjmp).
    shielded(NOT_SHOWN, (), || {
        crate::fault::point(crate::fault::Point::Explain);
        // SAFETY: as the caller's.
        let report = unsafe { gather(es, root, query_id) };
        write(es, &report);
    });
}

// --- PostgreSQL 15 to 17 ------------------------------------------------------------------

#[cfg(not(feature = "pg18"))]
mod before18 {
    use super::*;
    use pgrx::pg_sys::{IntoClause, ParamListInfo, Query, QueryDesc, QueryEnvironment};
    use std::ffi::{c_char, c_int};

    /// The EXPLAIN being run, until its query's ExecutorEnd prints into it.
    #[derive(Clone, Copy)]
    struct Pending {
        es: *mut ExplainState,
        source: *const c_char,
    }

    const NONE: Pending = Pending {
        es: std::ptr::null_mut(),
        source: std::ptr::null(),
    };

    // Backend-local; EXPLAINs nest (a function run by EXPLAIN ANALYZE may EXPLAIN), so each
    // call saves and restores the outer one.
    static mut PENDING: Pending = NONE;

    pub(in crate::hooks) unsafe extern "C-unwind" fn explain_one_query(
        query: *mut Query,
        cursor_options: c_int,
        into: *mut IntoClause,
        es: *mut ExplainState,
        query_string: *const c_char,
        params: ParamListInfo,
        query_env: *mut QueryEnvironment,
    ) {
        let saved = PENDING;
        PENDING = if crate::guc::explain() {
            Pending {
                es,
                source: query_string,
            }
        } else {
            NONE
        };
        super::super::guard::try_finally(
            || {
                super::super::chain::explain_one_query(
                    query,
                    cursor_options,
                    into,
                    es,
                    query_string,
                    params,
                    query_env,
                )
            },
            |_| PENDING = saved,
        );
    }

    /// At ExecutorEnd of the query an EXPLAIN runs (its source text is the EXPLAIN's: the
    /// statements it runs nested have their own), print the Vitals group.
    ///
    /// # Safety
    /// `qd` is valid and ExecutorEnd has not run yet.
    #[inline]
    pub(in crate::hooks) unsafe fn at_executor_end(qd: *mut QueryDesc) {
        let p = PENDING;
        if p.es.is_null() || (*qd).sourceText != p.source {
            return;
        }
        PENDING.es = std::ptr::null_mut();
        let query_id = super::super::query_id((*(*qd).plannedstmt).queryId);
        explain_vitals(p.es, Some((*qd).planstate), query_id);
    }
}

#[cfg(not(feature = "pg18"))]
pub(super) use before18::{at_executor_end, explain_one_query};

// --- PostgreSQL 18 ------------------------------------------------------------------------

#[cfg(feature = "pg18")]
mod pg18 {
    use super::*;
    use pgrx::pg_sys::{IntoClause, ParamListInfo, PlannedStmt, QueryEnvironment};
    use std::ffi::{c_char, c_int, c_void};

    /// Our slot in each ExplainState's extension state (GetExplainExtensionId).
    static mut EXTENSION_ID: c_int = -1;
    /// The root plan state of the EXPLAIN being printed, seen by the per-node hook, for the
    /// per-plan hook that follows (it receives only the PlannedStmt).
    static mut ROOT: (*mut ExplainState, *mut PlanState) =
        (std::ptr::null_mut(), std::ptr::null_mut());

    /// Our EXPLAIN options, in the ExplainState's memory.
    #[repr(C)]
    struct Options {
        vitals: bool,
    }

    /// Registers the VITALS option. From `_PG_init`.
    pub(in crate::hooks) fn init() {
        // SAFETY: _PG_init, before any EXPLAIN.
        unsafe {
            EXTENSION_ID = pg_sys::GetExplainExtensionId(c"pg_vitals".as_ptr());
            pg_sys::RegisterExtensionExplainOption(c"vitals".as_ptr(), Some(vitals_option));
        }
    }

    unsafe fn set_vitals(es: *mut ExplainState, on: bool) {
        let o = pg_sys::palloc0(std::mem::size_of::<Options>()) as *mut Options;
        (*o).vitals = on;
        pg_sys::SetExplainExtensionState(es, EXTENSION_ID, o as *mut c_void);
    }

    /// Whether this EXPLAIN asked for Vitals. No state: not an EXPLAIN command (auto_explain,
    /// our own plan capture), which never gets them.
    unsafe fn vitals(es: *mut ExplainState) -> bool {
        let o = pg_sys::GetExplainExtensionState(es, EXTENSION_ID) as *const Options;
        !o.is_null() && (*o).vitals
    }

    /// `EXPLAIN (VITALS [boolean])`. A bad value raises PostgreSQL's own error straight
    /// through this plain frame, as for any EXPLAIN option.
    ///
    /// The calls into PostgreSQL after it (pgrx-guarded: an error becomes a panic) run
    /// inside `shielded`, which raises an error again as a PostgreSQL ERROR: a panic must
    /// never unwind out of a hook into PostgreSQL's C frames. So do every hook's below.
    unsafe extern "C-unwind" fn vitals_option(
        es: *mut ExplainState,
        opt: *mut pg_sys::DefElem,
        _pstate: *mut pg_sys::ParseState,
    ) {
        let on = crate::pg_raw::defGetBoolean(opt);
        shielded(NOT_SHOWN, (), || set_vitals(es, on));
    }

    /// After EXPLAIN's options are parsed: VITALS not given follows `pg_vitals.explain`.
    pub(in crate::hooks) unsafe extern "C-unwind" fn validate_options(
        es: *mut ExplainState,
        options: *mut pg_sys::List,
        pstate: *mut pg_sys::ParseState,
    ) {
        super::super::chain::validate_options(es, options, pstate);
        shielded(NOT_SHOWN, (), || {
            if pg_sys::GetExplainExtensionState(es, EXTENSION_ID).is_null() {
                set_vitals(es, crate::guc::explain());
            }
        });
    }

    /// Per node, with ANALYZE: `Exclusive Time` (over all loops, when timed) and
    /// `Rows Misestimate`.
    pub(in crate::hooks) unsafe extern "C-unwind" fn per_node(
        planstate: *mut PlanState,
        ancestors: *mut pg_sys::List,
        relationship: *const c_char,
        plan_name: *const c_char,
        es: *mut ExplainState,
    ) {
        super::super::chain::per_node(planstate, ancestors, relationship, plan_name, es);
        shielded(NOT_SHOWN, (), || node_fields(planstate, ancestors, es));
    }

    unsafe fn node_fields(
        planstate: *mut PlanState,
        ancestors: *mut pg_sys::List,
        es: *mut ExplainState,
    ) {
        if !vitals(es) {
            return;
        }
        if ancestors.is_null() {
            ROOT = (es, planstate);
        }
        if !(*es).analyze {
            return;
        }
        crate::fault::point(crate::fault::Point::ExplainNode);
        let (secs, rows, loops, _) = plan_tree::totals((*planstate).instrument);
        if loops <= 0.0 {
            return;
        }
        let out = Out(es);
        if (*es).timing {
            let children: f64 = plan_tree::children(planstate)
                .into_iter()
                .map(|ch| plan_tree::totals((*ch).instrument).0)
                .sum();
            out.float_prop(
                c"Exclusive Time",
                Some(c"ms"),
                ((secs - children) * 1000.0).max(0.0),
                3,
            );
        }
        out.text_prop(
            c"Rows Misestimate",
            &misestimate_text((*(*planstate).plan).plan_rows, rows / loops),
        );
    }

    /// After the plan: the Vitals group.
    pub(in crate::hooks) unsafe extern "C-unwind" fn per_plan(
        plannedstmt: *mut PlannedStmt,
        into: *mut IntoClause,
        es: *mut ExplainState,
        query_string: *const c_char,
        params: ParamListInfo,
        query_env: *mut QueryEnvironment,
    ) {
        super::super::chain::per_plan(plannedstmt, into, es, query_string, params, query_env);
        if !shielded(NOT_SHOWN, false, || vitals(es)) {
            return;
        }
        let (root_es, root) = ROOT;
        ROOT = (std::ptr::null_mut(), std::ptr::null_mut());
        let root = (root_es == es).then_some(root);
        explain_vitals(es, root, super::super::query_id((*plannedstmt).queryId));
    }
}

#[cfg(feature = "pg18")]
pub(super) use pg18::{init, per_node, per_plan, validate_options};
