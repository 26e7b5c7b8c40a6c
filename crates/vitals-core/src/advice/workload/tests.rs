//! The rules against hand-built statements, tables and indexes.

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
    // Twice the 10MB written per call, above work_mem's 4MB.
    assert_eq!(
        f[0].sql.as_deref(),
        Some("ALTER ROLE app SET work_mem = '20MB'")
    );
    assert_eq!((f[0].subject.queryid, f[0].tentative), (Some(7), false));
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
    assert_eq!(
        f[0].subject.queryid,
        Some(11),
        "the slowest statement naming it"
    );
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
