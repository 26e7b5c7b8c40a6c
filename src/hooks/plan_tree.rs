//! FFI edge: an executed `PlanState` tree as plain [`PlanNode`]s, with what EXPLAIN ANALYZE
//! prints for each node and what the advice rules need (the scanned table, its statistics,
//! the columns its conditions compare, spills).
//!
//! Reads only: the instrumentation is read as `InstrEndLoop` would leave it, without
//! calling it, so that nodes EXPLAIN has not printed yet are left as they are.

use pgrx::pg_sys::{self, NodeTag, Oid, PlanState};
use std::ffi::{c_char, c_int};
use vitals_core::explain::insights::{
    Column, Names, NodeKind, PlanNode, Relation, Spill, TableStats,
};

/// Totals of a node's instrumentation over all loops: (seconds, rows, loops, rows removed
/// by its filter), counting a loop still running as `InstrEndLoop` would.
///
/// # Safety
/// `instr` is null or a valid Instrumentation.
pub(super) unsafe fn totals(instr: *const pg_sys::Instrumentation) -> (f64, f64, f64, f64) {
    let Some(i) = instr.as_ref() else {
        return (0.0, 0.0, 0.0, 0.0);
    };
    let (mut secs, mut rows, mut loops) = (i.total, i.ntuples, i.nloops);
    if i.running {
        secs += super::record::ms(&i.counter) / 1000.0;
        rows += i.tuplecount;
        loops += 1.0;
    }
    (secs, rows, loops, i.nfiltered1)
}

/// The plan tree under `ps`, children in EXPLAIN's order (outer, inner, then the special
/// child lists, init plans and sub plans). `details`: also look up tables, columns and
/// statistics for the advice rules.
///
/// # Safety
/// `ps` is a valid, initialized plan state tree of a running query (before ExecutorEnd).
pub(super) unsafe fn plan_tree(ps: *mut PlanState, details: bool) -> PlanNode {
    node_tree(ps, details, false)
}

/// Whether a join returns at most one match per outer row, so that its inner side stops
/// early.
unsafe fn stops_inner_early(plan: *mut pg_sys::Plan) -> bool {
    matches!(
        (*plan).type_,
        NodeTag::T_NestLoop | NodeTag::T_MergeJoin | NodeTag::T_HashJoin
    ) && matches!(
        (*(plan as *mut pg_sys::Join)).jointype,
        pg_sys::JoinType::JOIN_SEMI | pg_sys::JoinType::JOIN_ANTI
    )
}

unsafe fn node_tree(ps: *mut PlanState, details: bool, partial: bool) -> PlanNode {
    let plan = (*ps).plan;
    let tag = (*plan).type_;
    let (secs, rows, loops, removed) = totals((*ps).instrument);
    let mut node = PlanNode {
        label: String::new(),
        plan_rows: (*plan).plan_rows,
        plan_width: (*plan).plan_width as f64,
        actual_rows: if loops > 0.0 { rows / loops } else { 0.0 },
        loops,
        total_ms: if loops > 0.0 {
            secs * 1000.0 / loops
        } else {
            0.0
        },
        rows_removed: removed,
        kind: match tag {
            NodeTag::T_SeqScan => NodeKind::SeqScan,
            NodeTag::T_NestLoop => NodeKind::NestedLoop,
            _ => NodeKind::Other,
        },
        ..Default::default()
    };
    let relid = scanned_relation(ps);
    node.label = label(ps, relid);
    if details {
        if let Some(relid) = relid {
            node.relation = Some(relation(ps, relid));
            node.condition_columns = condition_columns(ps);
        }
        if tag == NodeTag::T_NestLoop {
            node.join_columns = join_columns(ps);
        }
        node.spill = spill(ps);
    }
    node.partial = partial;
    let limit = tag == NodeTag::T_Limit;
    for child in children(ps) {
        let inner_early = child == (*ps).righttree && stops_inner_early(plan);
        node.children
            .push(node_tree(child, details, partial || limit || inner_early));
    }
    node
}

/// Child plan states in the order EXPLAIN prints them.
///
/// # Safety
/// As [`plan_tree`].
pub(super) unsafe fn children(ps: *mut PlanState) -> Vec<*mut PlanState> {
    let mut out = Vec::new();
    let mut push = |p: *mut PlanState| {
        if !p.is_null() {
            out.push(p);
        }
    };
    push((*ps).lefttree);
    push((*ps).righttree);
    let array = |a: *mut *mut PlanState, n: c_int| -> Vec<*mut PlanState> {
        (0..n.max(0) as usize).map(|i| *a.add(i)).collect()
    };
    match (*(*ps).plan).type_ {
        NodeTag::T_Append => {
            let s = ps as *mut pg_sys::AppendState;
            array((*s).appendplans, (*s).as_nplans)
                .into_iter()
                .for_each(&mut push);
        }
        NodeTag::T_MergeAppend => {
            let s = ps as *mut pg_sys::MergeAppendState;
            array((*s).mergeplans, (*s).ms_nplans)
                .into_iter()
                .for_each(&mut push);
        }
        NodeTag::T_BitmapAnd => {
            let s = ps as *mut pg_sys::BitmapAndState;
            array((*s).bitmapplans, (*s).nplans)
                .into_iter()
                .for_each(&mut push);
        }
        NodeTag::T_BitmapOr => {
            let s = ps as *mut pg_sys::BitmapOrState;
            array((*s).bitmapplans, (*s).nplans)
                .into_iter()
                .for_each(&mut push);
        }
        NodeTag::T_SubqueryScan => push((*(ps as *mut pg_sys::SubqueryScanState)).subplan),
        NodeTag::T_CustomScan => {
            for p in list::<PlanState>((*(ps as *mut pg_sys::CustomScanState)).custom_ps) {
                push(p);
            }
        }
        _ => {}
    }
    for list_ptr in [(*ps).initPlan, (*ps).subPlan] {
        for sp in list::<pg_sys::SubPlanState>(list_ptr) {
            push((*sp).planstate);
        }
    }
    out
}

/// The pointers of a List of pointers.
unsafe fn list<T>(l: *mut pg_sys::List) -> Vec<*mut T> {
    if l.is_null() {
        return Vec::new();
    }
    let n = (*l).length.max(0) as usize;
    (0..n)
        .map(|i| (*(*l).elements.add(i)).ptr_value as *mut T)
        .collect()
}

/// The table a scan node reads (heap scans only: what "on <table>" names in EXPLAIN).
unsafe fn scanned_relation(ps: *mut PlanState) -> Option<Oid> {
    let plan = (*ps).plan;
    match (*plan).type_ {
        NodeTag::T_SeqScan
        | NodeTag::T_SampleScan
        | NodeTag::T_IndexScan
        | NodeTag::T_IndexOnlyScan
        | NodeTag::T_BitmapHeapScan
        | NodeTag::T_TidScan
        | NodeTag::T_TidRangeScan => {}
        _ => return None,
    }
    let scanrelid = (*(plan as *mut pg_sys::Scan)).scanrelid;
    let rtable = (*(*ps).state).es_range_table;
    if scanrelid == 0 || rtable.is_null() || scanrelid as c_int > (*rtable).length {
        return None;
    }
    let rte = list::<pg_sys::RangeTblEntry>(rtable)[scanrelid as usize - 1];
    ((*rte).rtekind == pg_sys::RTEKind::RTE_RELATION).then_some((*rte).relid)
}

/// A name from the catalogs, from the database's encoding.
unsafe fn cstr(p: *const c_char) -> String {
    crate::server_text::from_server_cstr(p)
}

fn rel_name(relid: Oid) -> String {
    // SAFETY: a syscache lookup in a transaction; a missing relation gives NULL.
    unsafe { cstr(pg_sys::get_rel_name(relid)) }
}

/// The name of an open relation (from its relcache entry, no lookup), else of `relid`.
unsafe fn open_rel_name(rel: pg_sys::Relation, relid: Oid) -> String {
    match rel.as_ref() {
        Some(r) if !r.rd_rel.is_null() => cstr((*r.rd_rel).relname.data.as_ptr()),
        _ => rel_name(relid),
    }
}

/// The table a scan node has open, if it is one (executed scans have it open).
unsafe fn open_table(ps: *mut PlanState) -> pg_sys::Relation {
    (*(ps as *mut pg_sys::ScanState)).ss_currentRelation
}

/// EXPLAIN's label for a node: its name, and the table or index it reads.
unsafe fn label(ps: *mut PlanState, relid: Option<Oid>) -> String {
    let plan = (*ps).plan;
    let mut s = node_name(plan);
    // The executor has the index open (ANALYZE); plain EXPLAIN leaves it closed.
    let index = match (*plan).type_ {
        NodeTag::T_IndexScan => Some((
            " using ",
            (*(ps as *mut pg_sys::IndexScanState)).iss_RelationDesc,
            (*(plan as *mut pg_sys::IndexScan)).indexid,
        )),
        NodeTag::T_IndexOnlyScan => Some((
            " using ",
            (*(ps as *mut pg_sys::IndexOnlyScanState)).ioss_RelationDesc,
            (*(plan as *mut pg_sys::IndexOnlyScan)).indexid,
        )),
        NodeTag::T_BitmapIndexScan => Some((
            " on ",
            (*(ps as *mut pg_sys::BitmapIndexScanState)).biss_RelationDesc,
            (*(plan as *mut pg_sys::BitmapIndexScan)).indexid,
        )),
        _ => None,
    };
    if let Some((word, rel, idx)) = index {
        s.push_str(word);
        s.push_str(&open_rel_name(rel, idx));
    }
    if let Some(relid) = relid {
        s.push_str(" on ");
        s.push_str(&open_rel_name(open_table(ps), relid));
    }
    s
}

/// The node names explain.c prints (`ExplainNode`'s `pname`).
unsafe fn node_name(plan: *mut pg_sys::Plan) -> String {
    let join = |base: &str| -> String {
        let jt = (*(plan as *mut pg_sys::Join)).jointype;
        let kind = match jt {
            pg_sys::JoinType::JOIN_LEFT => " Left",
            pg_sys::JoinType::JOIN_FULL => " Full",
            pg_sys::JoinType::JOIN_RIGHT => " Right",
            pg_sys::JoinType::JOIN_SEMI => " Semi",
            pg_sys::JoinType::JOIN_ANTI => " Anti",
            _ => "",
        };
        match (base, kind) {
            ("Nested Loop", "") => "Nested Loop".into(),
            (b, k) => format!("{b}{k} Join"),
        }
    };
    let name = match (*plan).type_ {
        NodeTag::T_Result => "Result",
        NodeTag::T_ProjectSet => "ProjectSet",
        NodeTag::T_ModifyTable => match (*(plan as *mut pg_sys::ModifyTable)).operation {
            pg_sys::CmdType::CMD_INSERT => "Insert",
            pg_sys::CmdType::CMD_UPDATE => "Update",
            pg_sys::CmdType::CMD_DELETE => "Delete",
            _ => "Merge",
        },
        NodeTag::T_Append => "Append",
        NodeTag::T_MergeAppend => "Merge Append",
        NodeTag::T_RecursiveUnion => "Recursive Union",
        NodeTag::T_BitmapAnd => "BitmapAnd",
        NodeTag::T_BitmapOr => "BitmapOr",
        NodeTag::T_NestLoop => return join("Nested Loop"),
        NodeTag::T_MergeJoin => return join("Merge"),
        NodeTag::T_HashJoin => return join("Hash"),
        NodeTag::T_SeqScan => "Seq Scan",
        NodeTag::T_SampleScan => "Sample Scan",
        NodeTag::T_Gather => "Gather",
        NodeTag::T_GatherMerge => "Gather Merge",
        NodeTag::T_IndexScan => "Index Scan",
        NodeTag::T_IndexOnlyScan => "Index Only Scan",
        NodeTag::T_BitmapIndexScan => "Bitmap Index Scan",
        NodeTag::T_BitmapHeapScan => "Bitmap Heap Scan",
        NodeTag::T_TidScan => "Tid Scan",
        NodeTag::T_TidRangeScan => "Tid Range Scan",
        NodeTag::T_SubqueryScan => "Subquery Scan",
        NodeTag::T_FunctionScan => "Function Scan",
        NodeTag::T_TableFuncScan => "Table Function Scan",
        NodeTag::T_ValuesScan => "Values Scan",
        NodeTag::T_CteScan => "CTE Scan",
        NodeTag::T_NamedTuplestoreScan => "Named Tuplestore Scan",
        NodeTag::T_WorkTableScan => "WorkTable Scan",
        NodeTag::T_ForeignScan => "Foreign Scan",
        NodeTag::T_CustomScan => "Custom Scan",
        NodeTag::T_Material => "Materialize",
        NodeTag::T_Memoize => "Memoize",
        NodeTag::T_Sort => "Sort",
        NodeTag::T_IncrementalSort => "Incremental Sort",
        NodeTag::T_Group => "Group",
        NodeTag::T_Agg => match (*(plan as *mut pg_sys::Agg)).aggstrategy {
            pg_sys::AggStrategy::AGG_SORTED => "GroupAggregate",
            pg_sys::AggStrategy::AGG_HASHED => "HashAggregate",
            pg_sys::AggStrategy::AGG_MIXED => "MixedAggregate",
            _ => "Aggregate",
        },
        NodeTag::T_WindowAgg => "WindowAgg",
        NodeTag::T_Unique => "Unique",
        NodeTag::T_SetOp => "SetOp",
        NodeTag::T_LockRows => "LockRows",
        NodeTag::T_Limit => "Limit",
        NodeTag::T_Hash => "Hash",
        _ => "???",
    };
    name.to_string()
}

/// Table and column names from the catalogs, for the findings that print them.
pub(super) struct Catalog;

impl Names for Catalog {
    fn quote(&self, ident: &str) -> String {
        quote(ident)
    }
    fn table(&self, relid: u32) -> String {
        rel_name(Oid::from(relid))
    }
    fn table_sql(&self, relid: u32) -> String {
        let relid = Oid::from(relid);
        // SAFETY: syscache lookups in a transaction; a missing object gives NULL.
        let schema = unsafe { cstr(pg_sys::get_namespace_name(pg_sys::get_rel_namespace(relid))) };
        format!("{}.{}", quote(&schema), quote(&rel_name(relid)))
    }
    fn column(&self, relid: u32, attnum: i16) -> Option<Column> {
        // SAFETY: as above; missing_ok.
        let p = unsafe { pg_sys::get_attname(Oid::from(relid), attnum, true) };
        (!p.is_null()).then(|| {
            // SAFETY: a palloc'd C string.
            let name = unsafe { cstr(p) };
            Column {
                sql: quote(&name),
                name,
            }
        })
    }
}

/// The scanned table: its size estimate and analyze bookkeeping.
unsafe fn relation(ps: *mut PlanState, relid: Oid) -> Relation {
    let current = open_table(ps);
    let (reltuples, options) = match current.as_ref() {
        Some(rel) => (
            (*rel.rd_rel).reltuples as f64,
            (rel.rd_options as *const pg_sys::StdRdOptions).as_ref(),
        ),
        None => (-1.0, None),
    };
    let entry = table_stats(relid);
    let stats = entry.as_ref().map(|e| {
        #[cfg(feature = "pg15")]
        let modified = e.changes_since_analyze;
        #[cfg(not(feature = "pg15"))]
        let modified = e.mod_since_analyze;
        // A table's own setting wins; -1 means unset (as relation_needs_vacanalyze reads it).
        let own_base = options.map_or(-1, |o| o.autovacuum.analyze_threshold);
        let own_scale = options.map_or(-1.0, |o| o.autovacuum.analyze_scale_factor);
        TableStats {
            mod_since_analyze: modified as f64,
            analyze_base_threshold: if own_base >= 0 {
                own_base as f64
            } else {
                crate::pg_raw::autovacuum_anl_thresh as f64
            },
            analyze_scale_factor: if own_scale >= 0.0 {
                own_scale
            } else {
                crate::pg_raw::autovacuum_anl_scale
            },
        }
    });
    Relation {
        relid: u32::from(relid),
        reltuples,
        stats,
    }
}

/// The table's statistics, read from shared memory as they are now.
///
/// With the default `stats_fetch_consistency = cache`, the first read of a transaction builds
/// the backend's statistics cache (25,000 instructions, most of EXPLAIN ANALYZE's cost for
/// pg_vitals before this), and it would also freeze this table's numbers for the user's own
/// reads of pg_stat_* later in the transaction. Reading with `none` does neither: one locked
/// copy into the current memory context. Under `snapshot` the user asked for one consistent
/// view, so the read goes through it.
unsafe fn table_stats(relid: Oid) -> *mut pg_sys::PgStat_StatTabEntry {
    /// Puts the setting back however the read ends (a PostgreSQL error unwinds as a panic
    /// through pgrx's guard).
    struct Restore(c_int);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: a backend-local global, restored to what it was.
            unsafe { pg_sys::pgstat_fetch_consistency = self.0 };
        }
    }
    let saved = pg_sys::pgstat_fetch_consistency;
    let _restore = Restore(saved);
    if saved == pg_sys::PgStat_FetchConsistency::PGSTAT_FETCH_CONSISTENCY_CACHE as c_int {
        pg_sys::pgstat_fetch_consistency =
            pg_sys::PgStat_FetchConsistency::PGSTAT_FETCH_CONSISTENCY_NONE as c_int;
    }
    pg_sys::pgstat_fetch_stat_tabentry(relid)
}

/// An identifier as SQL spells it (PostgreSQL's quote_identifier, in the database's
/// encoding).
pub(super) fn quote(name: &str) -> String {
    let Ok(c) = std::ffi::CString::new(crate::server_text::to_server(name).into_owned()) else {
        return name.to_string();
    };
    // SAFETY: returns its argument or a palloc'd quoted copy.
    unsafe { cstr(pg_sys::quote_identifier(c.as_ptr())) }
}

/// Attribute numbers of the Vars of range table entry `varno` in `expr`, first seen first.
unsafe fn vars_of(expr: *mut pg_sys::List, varno: c_int) -> Vec<i16> {
    if expr.is_null() {
        return Vec::new();
    }
    let flags = (pg_sys::PVC_RECURSE_AGGREGATES
        | pg_sys::PVC_RECURSE_WINDOWFUNCS
        | pg_sys::PVC_RECURSE_PLACEHOLDERS) as c_int;
    let vars = pg_sys::pull_var_clause(expr as *mut pg_sys::Node, flags);
    let mut out = Vec::new();
    for v in list::<pg_sys::Var>(vars) {
        if (*v).xpr.type_ == NodeTag::T_Var
            && (*v).varno == varno
            && (*v).varattno > 0
            && !out.contains(&(*v).varattno)
        {
            out.push((*v).varattno);
        }
    }
    out
}

/// Columns of the scanned table that the node's Filter and index conditions compare.
unsafe fn condition_columns(ps: *mut PlanState) -> Vec<i16> {
    let plan = (*ps).plan;
    let scanrelid = (*(plan as *mut pg_sys::Scan)).scanrelid as c_int;
    let mut attnums = vars_of((*plan).qual, scanrelid);
    let extra = match (*plan).type_ {
        NodeTag::T_IndexScan => (*(plan as *mut pg_sys::IndexScan)).indexqualorig,
        NodeTag::T_BitmapHeapScan => (*(plan as *mut pg_sys::BitmapHeapScan)).bitmapqualorig,
        _ => std::ptr::null_mut(),
    };
    for a in vars_of(extra, scanrelid) {
        if !attnums.contains(&a) {
            attnums.push(a);
        }
    }
    attnums
}

/// A nested loop's join key on its inner side: the inner scan's columns that the join
/// condition compares (Vars referring to the inner child's output, traced to its table).
unsafe fn join_columns(ps: *mut PlanState) -> Vec<i16> {
    let inner = (*ps).righttree;
    if inner.is_null() || scanned_relation(inner).is_none() {
        return Vec::new();
    }
    let inner_plan = (*inner).plan;
    let scanrelid = (*(inner_plan as *mut pg_sys::Scan)).scanrelid as c_int;
    let joinqual = (*((*ps).plan as *mut pg_sys::Join)).joinqual;
    let tlist = list::<pg_sys::TargetEntry>((*inner_plan).targetlist);
    let mut attnums = Vec::new();
    for out_attno in vars_of(joinqual, pg_sys::INNER_VAR as c_int) {
        let Some(&tle) = tlist.get(out_attno as usize - 1) else {
            continue;
        };
        let expr = (*tle).expr as *mut pg_sys::Var;
        if !expr.is_null()
            && (*expr).xpr.type_ == NodeTag::T_Var
            && (*expr).varno == scanrelid
            && (*expr).varattno > 0
            && !attnums.contains(&(*expr).varattno)
        {
            attnums.push((*expr).varattno);
        }
    }
    attnums
}

/// A sort, hash or hash aggregate that went to disk, read as EXPLAIN's show_sort_info,
/// show_hash_info and show_hashagg_info read it.
unsafe fn spill(ps: *mut PlanState) -> Option<Spill> {
    match (*(*ps).plan).type_ {
        NodeTag::T_Sort => {
            let s = &*(ps as *mut pg_sys::SortState);
            if !s.sort_Done || s.tuplesortstate.is_null() {
                return None;
            }
            let mut stats = pg_sys::TuplesortInstrumentation::default();
            pg_sys::tuplesort_get_stats(s.tuplesortstate as *mut _, &mut stats);
            (stats.spaceType == pg_sys::TuplesortSpaceType::SORT_SPACE_TYPE_DISK).then_some(
                Spill::Sort {
                    disk_kb: stats.spaceUsed as f64,
                },
            )
        }
        NodeTag::T_Hash => {
            let h = (*(ps as *mut pg_sys::HashState)).hinstrument.as_ref()?;
            (h.nbatch > 1).then_some(Spill::Hash {
                batches: h.nbatch as f64,
                peak_kb: h.space_peak as f64 / 1024.0,
            })
        }
        NodeTag::T_Agg => {
            let a = &*(ps as *mut pg_sys::AggState);
            (a.hash_disk_used > 0).then_some(Spill::HashAgg {
                batches: a.hash_batches_used as f64,
                disk_kb: a.hash_disk_used as f64,
                peak_kb: a.hash_mem_peak as f64 / 1024.0,
            })
        }
        _ => None,
    }
}
