//! The rules against hand-built tables and settings of every supported major.

use super::*;
use crate::advice::Severity;
use std::collections::HashMap;

/// pg_settings of a given version at its defaults.
fn settings_map(version: u32) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = [
        ("server_version_num", version.to_string()),
        ("autovacuum", "on".into()),
        ("track_counts", "on".into()),
        ("autovacuum_naptime", "60".into()),
        ("autovacuum_max_workers", "3".into()),
        ("autovacuum_vacuum_threshold", "50".into()),
        ("autovacuum_vacuum_scale_factor", "0.2".into()),
        ("autovacuum_analyze_threshold", "50".into()),
        ("autovacuum_analyze_scale_factor", "0.1".into()),
        ("autovacuum_freeze_max_age", "200000000".into()),
        ("autovacuum_multixact_freeze_max_age", "400000000".into()),
        ("autovacuum_vacuum_cost_delay", "2".into()),
        ("autovacuum_vacuum_cost_limit", "-1".into()),
        ("vacuum_cost_delay", "0".into()),
        ("vacuum_cost_limit", "200".into()),
        (
            "vacuum_cost_page_miss",
            if version >= 140000 { "2" } else { "10" }.into(),
        ),
        ("vacuum_cost_page_dirty", "20".into()),
        ("autovacuum_work_mem", "-1".into()),
        ("maintenance_work_mem", "65536".into()),
        ("block_size", "8192".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if version >= 130000 {
        m.insert("autovacuum_vacuum_insert_threshold".into(), "1000".into());
        m.insert("autovacuum_vacuum_insert_scale_factor".into(), "0.2".into());
    }
    if version >= 140000 {
        m.insert("vacuum_failsafe_age".into(), "1600000000".into());
        m.insert("vacuum_multixact_failsafe_age".into(), "1600000000".into());
    }
    if version >= 180000 {
        m.insert("autovacuum_vacuum_max_threshold".into(), "100000000".into());
    }
    m
}

fn settings(version: u32) -> Settings {
    Settings::from_pg_settings(&settings_map(version)).unwrap()
}

const NOW: i64 = 900_000_000_000_000; // a TimestampTz in 2028
const HOUR: i64 = 3_600_000_000;

fn table(name: &str, reltuples: f64) -> Table {
    Table {
        oid: 1,
        kind: "r".into(),
        schema: "public".into(),
        name: name.into(),
        sql_name: format!("public.{name}"),
        reltuples,
        relpages: (reltuples / 100.0).ceil(),
        relallvisible: (reltuples / 100.0).ceil(),
        table_bytes: (reltuples / 100.0).ceil() * 8192.0,
        n_live_tup: Some(reltuples),
        n_dead_tup: Some(0.0),
        n_mod_since_analyze: Some(0.0),
        n_ins_since_vacuum: Some(0.0),
        xid_age: Some(1000.0),
        mxid_age: Some(10.0),
        last_autovacuum: Some(NOW - HOUR / 2),
        last_autoanalyze: Some(NOW - HOUR / 2),
        ..Default::default()
    }
}

fn inputs(version: u32, tables: Vec<Table>) -> Inputs {
    Inputs {
        now: NOW,
        current_database: "app".into(),
        settings: settings_map(version),
        tables,
        databases: vec![Database {
            name: "app".into(),
            xid_age: 1000.0,
            mxid_age: 10.0,
        }],
        holders: vec![],
        autovacuum_workers_running: 0.0,
        long_transaction_s: 1800.0,
    }
}

fn rules(i: &Inputs) -> Vec<(&'static str, Severity)> {
    analyze(i)
        .unwrap()
        .findings
        .iter()
        .map(|f| (f.rule, f.severity))
        .collect()
}

fn findings(i: &Inputs) -> Vec<Finding> {
    analyze(i).unwrap().findings
}

#[test]
fn settings_by_version() {
    let s13 = settings(130012);
    assert_eq!(s13.failsafe_age, None);
    assert_eq!(s13.insert_threshold, Some(1000.0));
    assert_eq!((s13.stop_margin(), s13.warn_margin()), (1e6, 11e6));
    assert_eq!(s13.page_miss, 10.0);
    let s12 = settings(120000);
    assert_eq!(s12.insert_threshold, None);
    let s15 = settings(150004);
    assert_eq!((s15.stop_margin(), s15.warn_margin()), (3e6, 40e6));
    assert_eq!(s15.failsafe(false), Some(1.6e9));
    // The failsafe is never below 1.05 x autovacuum_freeze_max_age.
    let mut m = settings_map(150004);
    m.insert("autovacuum_freeze_max_age".into(), "1600000000".into());
    let s = Settings::from_pg_settings(&m).unwrap();
    assert_eq!(s.failsafe(false), Some(1.68e9));
    // -1 cost settings fall back to vacuum_*; memory to maintenance_work_mem.
    assert_eq!((s15.cost_limit, s15.cost_delay_ms), (200.0, 2.0));
    assert_eq!(s15.work_mem_kb, 65536.0);
    assert_eq!(settings(180000).vacuum_max_threshold, Some(1e8));
    assert_eq!(s15.dead_tid_capacity(), Some(65536.0 * 1024.0 / 6.0));
    assert_eq!(settings(170000).dead_tid_capacity(), None);
    let mut bad = settings_map(150004);
    bad.remove("autovacuum_naptime");
    assert!(Settings::from_pg_settings(&bad)
        .unwrap_err()
        .contains("autovacuum_naptime"));
}

#[test]
fn throughput_ceiling() {
    // 2 ms delay, limit 200, miss 2: 100,000 credits/s -> 50,000 pages/s -> 390.6 MB/s.
    let s = settings(150004);
    assert_eq!(s.page_ceiling(s.page_miss), Some(50_000.0));
    assert!((s.mb_per_s(s.page_miss).unwrap() - 390.625).abs() < 1e-9);
    // Before 14 a miss cost 10: a fifth of that.
    let s13 = settings(130000);
    assert_eq!(s13.page_ceiling(s13.page_miss), Some(10_000.0));
    let mut m = settings_map(150004);
    m.insert("autovacuum_vacuum_cost_delay".into(), "0".into());
    assert_eq!(Settings::from_pg_settings(&m).unwrap().mb_per_s(2.0), None);
}

#[test]
fn thresholds_as_postgres_computes_them() {
    let s = settings(150004);
    let t = table("t", 1_000_000.0);
    let e = effective(&t, &s);
    let th = thresholds(&t, &e, &s);
    assert_eq!(th.vacuum, Some(50.0 + 0.2 * 1e6));
    assert_eq!(th.insert, Some(1000.0 + 0.2 * 1e6));
    assert_eq!(th.analyze, Some(50.0 + 0.1 * 1e6));
    // Never analyzed (reltuples -1) counts as 0 rows.
    let fresh = table("f", -1.0);
    assert_eq!(thresholds(&fresh, &e, &s).vacuum, Some(50.0));
    // Before 13: no insert threshold.
    let s12 = settings(120000);
    assert_eq!(thresholds(&t, &effective(&t, &s12), &s12).insert, None);
    // 18: the vacuum threshold is capped, the insert threshold scaled by unfrozen pages.
    let s18 = settings(180000);
    let mut big = table("big", 1e9);
    big.relallfrozen = Some(big.relpages * 0.75);
    let th18 = thresholds(&big, &effective(&big, &s18), &s18);
    assert_eq!(th18.vacuum, Some(1e8));
    assert_eq!(th18.insert, Some(1000.0 + 0.2 * 1e9 * 0.25));
    // The same table on 15 ignores both.
    let th15 = thresholds(&big, &effective(&big, &s), &s);
    assert_eq!(th15.vacuum, Some(50.0 + 0.2 * 1e9));
    assert_eq!(th15.insert, Some(1000.0 + 0.2 * 1e9));
    // -1 disables the insert threshold for a table.
    let mut no_ins = table("n", 1e6);
    no_ins
        .options
        .insert("autovacuum_vacuum_insert_threshold".into(), "-1".into());
    assert_eq!(
        thresholds(&no_ins, &effective(&no_ins, &s), &s).insert,
        None
    );
    // Partitioned tables: nothing; TOAST tables: no analyze.
    let mut p = table("p", 0.0);
    p.kind = "p".into();
    assert_eq!(thresholds(&p, &effective(&p, &s), &s).vacuum, None);
    let mut toast = table("pg_toast_1", 1e6);
    toast.kind = "t".into();
    assert_eq!(thresholds(&toast, &effective(&toast, &s), &s).analyze, None);
}

#[test]
fn reloptions_and_toast_fallback() {
    let s = settings(150004);
    let mut t = table("t", 1e6);
    t.options
        .insert("autovacuum_vacuum_scale_factor".into(), "0.01".into());
    t.options
        .insert("autovacuum_freeze_max_age".into(), "900000000".into());
    let e = effective(&t, &s);
    assert_eq!(
        (e.vacuum_scale_factor, e.own_vacuum_scale_factor),
        (0.01, true)
    );
    assert_eq!(
        e.freeze_max_age, 2e8,
        "a table can only lower freeze_max_age"
    );
    // A TOAST table without options of its own uses its parent's ...
    let mut toast = table("pg_toast_1", 1e6);
    toast.kind = "t".into();
    toast.parent_options = Some(
        [("autovacuum_enabled".to_string(), "false".to_string())]
            .into_iter()
            .collect(),
    );
    let e = effective(&toast, &s);
    assert_eq!((e.enabled, e.source), (false, "parent"));
    // ... and only its own once it has any (the parent's are then ignored entirely).
    toast
        .options
        .insert("autovacuum_vacuum_threshold".into(), "5".into());
    let e = effective(&toast, &s);
    assert_eq!(
        (e.enabled, e.source, e.vacuum_threshold),
        (true, "table", 5.0)
    );
}

#[test]
fn a_quiet_database_has_no_findings() {
    for v in [130000, 140000, 150004, 170000, 180000] {
        let i = inputs(v, vec![table("a", 5000.0), table("b", 0.0)]);
        assert_eq!(rules(&i), [], "version {v}");
        assert_eq!(rules(&inputs(v, vec![])), [], "version {v}, no tables");
    }
}

#[test]
fn wraparound_at_every_level() {
    let s = settings(150004);
    let level = |age: f64| {
        let mut t = table("t", 1000.0);
        t.xid_age = Some(age);
        let i = inputs(150004, vec![t]);
        findings(&i)
            .into_iter()
            .filter(|f| f.rule == "xid_wraparound" || f.rule == "wraparound_vacuum_pending")
            .map(|f| (f.rule, f.severity))
            .collect::<Vec<_>>()
    };
    assert_eq!(level(1e8), []);
    // Past freeze_max_age with no vacuum for two naptimes: pending.
    assert_eq!(
        level(2.5e8),
        [("wraparound_vacuum_pending", Severity::Warning)]
    );
    assert_eq!(level(4.5e8), [("xid_wraparound", Severity::Warning)]);
    assert_eq!(level(1.55e9), [("xid_wraparound", Severity::Critical)]);
    assert_eq!(level(1.65e9), [("xid_wraparound", Severity::Critical)]);
    // The warn margin: 40M on 14+, 11M before.
    let near = WRAP - 39e6;
    assert!(Ctx {
        s: &s,
        inputs: &inputs(150004, vec![]),
        now_s: 0.0
    }
    .wraparound_level(near, 2e8, false)
    .unwrap()
    .1
    .contains("40,000,000"));
    let s13 = settings(130000);
    let i13 = inputs(130000, vec![]);
    let c13 = Ctx {
        s: &s13,
        inputs: &i13,
        now_s: 0.0,
    };
    // On 13 (no failsafe) 1.55e9 is critical through the absolute cut-off.
    assert!(c13
        .wraparound_level(1.55e9, 2e8, false)
        .unwrap()
        .1
        .contains("1,500,000,000"));
    assert!(c13
        .wraparound_level(WRAP - 10.5e6, 2e8, false)
        .unwrap()
        .1
        .contains("11,000,000"));
    // A vacuum running on it: not "pending".
    let mut t = table("t", 1000.0);
    t.xid_age = Some(2.5e8);
    t.vacuum_phase = Some("scanning heap".into());
    assert_eq!(rules(&inputs(150004, vec![t])), []);
    // Databases: the same ladder, multixacts too.
    let mut i = inputs(150004, vec![]);
    i.databases[0].xid_age = WRAP - 20e6;
    i.databases.push(Database {
        name: "other".into(),
        xid_age: 100.0,
        mxid_age: 9e8,
    });
    // With the default cost limit, falling behind on freezing also means throttled.
    let f = findings(&i);
    assert_eq!(
        f.iter().map(|f| (f.rule, f.severity)).collect::<Vec<_>>(),
        [
            ("xid_wraparound", Severity::Critical),
            ("cost_throttled", Severity::Warning),
            ("mxid_wraparound", Severity::Warning)
        ]
    );
    assert!(f[0].finding.contains("database app"));
    assert!(f[0].finding.contains("20,000,000 left"), "{}", f[0].finding);
    assert!(f[2].recommendation.contains("connected to that database"));
    // Multixact on a table.
    let mut t = table("t", 1000.0);
    t.mxid_age = Some(8.5e8);
    assert_eq!(
        rules(&inputs(150004, vec![t])),
        [
            ("cost_throttled", Severity::Warning),
            ("mxid_wraparound", Severity::Warning)
        ]
    );
}

#[test]
fn disabled_table_with_heavy_updates() {
    let mut t = table("busy", 10_000.0);
    t.options
        .insert("autovacuum_enabled".into(), "false".into());
    let i = inputs(150004, vec![t.clone()]);
    assert_eq!(rules(&i), [("autovacuum_disabled", Severity::Warning)]);
    t.n_dead_tup = Some(50_000.0);
    let f = findings(&inputs(150004, vec![t]));
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(
        f[0].sql.as_deref().unwrap(),
        "ALTER TABLE public.busy RESET (autovacuum_enabled)"
    );
    assert!(
        f[0].finding.contains("24.4x its vacuum threshold of 2,050"),
        "{}",
        f[0].finding
    );
    // Not also "vacuum_behind": that is for tables autovacuum is meant to vacuum.
    assert_eq!(f.len(), 1);
    // A TOAST table's own option: reset through its parent.
    let mut toast = table("pg_toast_9", 10.0);
    toast.kind = "t".into();
    toast.schema = "pg_toast".into();
    toast.parent_schema = Some("public".into());
    toast.parent_name = Some("docs".into());
    toast.parent_sql_name = Some("public.docs".into());
    toast
        .options
        .insert("autovacuum_enabled".into(), "false".into());
    let f = findings(&inputs(150004, vec![toast]));
    assert_eq!(
        f[0].sql.as_deref().unwrap(),
        "ALTER TABLE public.docs RESET (toast.autovacuum_enabled)"
    );
    assert!(f[0].finding.contains("TOAST table of public.docs"));
}

#[test]
fn large_table_on_the_default_scale_factor() {
    let t = table("big", 2_000_000.0);
    let f = findings(&inputs(150004, vec![t.clone()]));
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].rule, f[0].severity), ("scale_factor", Severity::Info));
    assert_eq!(
        f[0].sql.as_deref().unwrap(),
        "ALTER TABLE public.big SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)"
    );
    // Once run, the finding is gone.
    let mut fixed = t.clone();
    fixed
        .options
        .insert("autovacuum_vacuum_scale_factor".into(), "0.01".into());
    fixed
        .options
        .insert("autovacuum_vacuum_threshold".into(), "1000".into());
    assert_eq!(rules(&inputs(150004, vec![fixed])), []);
    // Ten million rows: a warning. A server-wide scale factor of 0.05: silent.
    assert_eq!(
        rules(&inputs(150004, vec![table("huge", 2e7)])),
        [("scale_factor", Severity::Warning)]
    );
    let mut i = inputs(150004, vec![t]);
    i.settings
        .insert("autovacuum_vacuum_scale_factor".into(), "0.05".into());
    assert_eq!(rules(&i), []);
}

#[test]
fn insert_mostly_tables() {
    let mut t = table("events", 5_000_000.0);
    t.options
        .insert("autovacuum_vacuum_scale_factor".into(), "0.01".into());
    t.n_tup_ins = Some(5e6);
    t.n_tup_upd = Some(100.0);
    t.relallvisible = t.relpages * 0.1;
    let f = findings(&inputs(150004, vec![t.clone()]));
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, "insert_mostly");
    assert_eq!(
        f[0].sql.as_deref().unwrap(),
        "ALTER TABLE public.events SET (autovacuum_vacuum_insert_scale_factor = 0.01)"
    );
    // Before 13: vacuum it on a schedule.
    let f12 = findings(&inputs(120000, vec![t.clone()]));
    assert_eq!(
        f12[0].sql.as_deref().unwrap(),
        "VACUUM (VERBOSE) public.events"
    );
    // Mostly visible, or updated a lot: silent.
    let mut visible = t.clone();
    visible.relallvisible = visible.relpages;
    assert_eq!(rules(&inputs(150004, vec![visible])), []);
    t.n_tup_upd = Some(5e6);
    assert_eq!(rules(&inputs(150004, vec![t])), []);
}

#[test]
fn behind_dead_and_bloated() {
    // Past its threshold, last vacuumed 3 hours ago.
    let mut t = table("orders", 100_000.0);
    t.n_dead_tup = Some(30_000.0);
    t.last_autovacuum = Some(NOW - 3 * HOUR);
    // With the default cost limit of 200, a table falling behind also means throttled.
    assert_eq!(
        rules(&inputs(150004, vec![t.clone()])),
        [
            ("cost_throttled", Severity::Warning),
            ("vacuum_behind", Severity::Warning)
        ]
    );
    // Vacuumed 10 minutes ago, or being vacuumed: not behind.
    t.last_autovacuum = Some(NOW - HOUR / 6);
    assert_eq!(rules(&inputs(150004, vec![t.clone()])), []);
    t.last_autovacuum = Some(NOW - 3 * HOUR);
    t.vacuum_phase = Some("vacuuming indexes".into());
    assert_eq!(rules(&inputs(150004, vec![t.clone()])), []);
    // Never vacuumed: only ten times past the threshold (20,050 here).
    t.vacuum_phase = None;
    t.last_autovacuum = None;
    assert_eq!(rules(&inputs(150004, vec![t.clone()])), []);
    t.n_dead_tup = Some(210_000.0);
    assert!(rules(&inputs(150004, vec![t.clone()])).contains(&("vacuum_behind", Severity::Warning)));
    // A large table a third dead.
    let mut big = table("big", 100_000.0);
    big.options
        .insert("autovacuum_vacuum_scale_factor".into(), "0.5".into());
    big.table_bytes = 2e9;
    big.n_live_tup = Some(100_000.0);
    big.n_dead_tup = Some(45_000.0);
    assert_eq!(
        rules(&inputs(150004, vec![big.clone()])),
        [("dead_tuples", Severity::Warning)]
    );
    big.n_dead_tup = Some(80_000.0);
    assert_eq!(
        rules(&inputs(150004, vec![big])),
        [("dead_tuples", Severity::Critical)]
    );
}

#[test]
fn bloat_estimate() {
    let s = settings(150004);
    // 100,000 rows of two int4 columns: 23+1 -> 24 header, 8 data, 4 pointer = 36 bytes,
    // 226 a page -> 443 pages. With 1,000 pages, 557 are bloat.
    let mut t = table("t", 100_000.0);
    t.relpages = 1000.0;
    t.table_bytes = 1000.0 * 8192.0;
    t.ncols = Some(2.0);
    t.stats_cols = Some(2.0);
    t.data_width = Some(8.0);
    t.has_nulls = Some(false);
    let e = effective(&t, &s);
    assert_eq!(estimated_bloat(&t, &e, &s), Some(557.0 * 8192.0));
    let f = findings(&inputs(150004, vec![t.clone()]));
    assert_eq!((f[0].rule, f[0].severity), ("bloat", Severity::Warning));
    assert!(f[0].finding.contains("56%"), "{}", f[0].finding);
    // A missing column statistic: unknown, not zero.
    t.stats_cols = Some(1.0);
    assert_eq!(estimated_bloat(&t, &e, &s), None);
    // fillfactor 50 halves the rows a page holds.
    t.stats_cols = Some(2.0);
    t.options.insert("fillfactor".into(), "50".into());
    let e = effective(&t, &s);
    assert_eq!(estimated_bloat(&t, &e, &s), Some((1000.0 - 885.0) * 8192.0));
}

#[test]
fn stale_statistics_and_partitioned_parents() {
    // Autovacuum off for the table, bulk changes since the last analyze.
    let mut t = table("t", 10_000.0);
    t.options
        .insert("autovacuum_enabled".into(), "false".into());
    t.n_mod_since_analyze = Some(5_000.0);
    let r = rules(&inputs(150004, vec![t.clone()]));
    assert!(
        r.contains(&("stale_statistics", Severity::Warning)),
        "{r:?}"
    );
    // Enabled: stale only when no analyze ran for a day.
    let mut on = table("on", 10_000.0);
    on.n_mod_since_analyze = Some(5_000.0);
    assert_eq!(rules(&inputs(150004, vec![on.clone()])), []);
    on.last_autoanalyze = Some(NOW - 30 * HOUR);
    assert_eq!(
        rules(&inputs(150004, vec![on])),
        [("stale_statistics", Severity::Warning)]
    );
    // Partitioned parents: never analyzed by autovacuum.
    let mut p = table("measurements", 0.0);
    p.kind = "p".into();
    p.xid_age = None;
    p.mxid_age = None;
    p.last_autoanalyze = None;
    let f = findings(&inputs(150004, vec![p.clone()]));
    assert_eq!(f[0].rule, "partitioned_analyze");
    assert_eq!(f[0].sql.as_deref().unwrap(), "ANALYZE public.measurements");
    p.last_analyze = Some(NOW);
    assert_eq!(rules(&inputs(150004, vec![p])), []);
}

#[test]
fn xmin_horizon_holders() {
    let mut i = inputs(150004, vec![]);
    i.holders = vec![
        Holder {
            kind: "session".into(),
            pid: Some(4242),
            user: Some("app".into()),
            database: Some("app".into()),
            state: Some("idle in transaction".into()),
            xact_age_s: Some(3600.0),
            xmin_age: Some(12_345.0),
            ..Default::default()
        },
        Holder {
            kind: "session".into(),
            pid: Some(77),
            state: Some("active".into()),
            xact_age_s: Some(60.0),
            xmin_age: Some(10.0),
            ..Default::default()
        },
        Holder {
            kind: "prepared".into(),
            name: Some("tx'1".into()),
            name_sql: Some("'tx''1'".into()),
            xact_age_s: Some(7200.0),
            xmin_age: Some(3e8),
            ..Default::default()
        },
        Holder {
            kind: "slot".into(),
            name: Some("old_slot".into()),
            name_sql: Some("'old_slot'".into()),
            active: Some(false),
            xmin_age: Some(500.0),
            ..Default::default()
        },
        Holder {
            kind: "slot".into(),
            name: Some("live".into()),
            name_sql: Some("'live'".into()),
            active: Some(true),
            xmin_age: Some(500.0),
            ..Default::default()
        },
    ];
    let f = findings(&i);
    let sql: Vec<&str> = f.iter().map(|f| f.sql.as_deref().unwrap()).collect();
    // Most severe first, then by finding text.
    assert_eq!(
        sql,
        [
            "ROLLBACK PREPARED 'tx''1'",
            "SELECT pg_drop_replication_slot('old_slot')",
            "SELECT pg_terminate_backend(4242)"
        ]
    );
    assert_eq!(f[0].severity, Severity::Critical, "past freeze_max_age");
    assert!(
        f[2].finding.contains("pid 4242 (idle in transaction"),
        "{}",
        f[2].finding
    );
    // The session of 60 s is under pg_vitals.long_transaction; lowered, it shows.
    i.long_transaction_s = 30.0;
    assert!(findings(&i)
        .iter()
        .any(|f| f.sql.as_deref().unwrap().contains("(77)")));
}

#[test]
fn server_wide_rules() {
    let mut i = inputs(150004, vec![table("a", 10.0)]);
    i.settings.insert("autovacuum".into(), "off".into());
    let f = findings(&i);
    assert_eq!(
        (f[0].rule, f[0].severity),
        ("autovacuum_off", Severity::Critical)
    );
    assert_eq!(
        f[0].sql.as_deref().unwrap(),
        "ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf()"
    );
    // A 20 ms delay with the 200 limit (the pre-12 default): throttled.
    let mut i = inputs(150004, vec![]);
    i.settings
        .insert("autovacuum_vacuum_cost_delay".into(), "20".into());
    let f = findings(&i);
    assert_eq!(f[0].rule, "cost_throttled");
    assert!(f[0].finding.contains("39.1 MB/s"), "{}", f[0].finding);
    assert!(f[0]
        .sql
        .as_deref()
        .unwrap()
        .contains("autovacuum_vacuum_cost_delay = '2ms'"));
    // All workers busy and more tables due.
    let mut due = table("due", 100_000.0);
    due.n_dead_tup = Some(30_000.0);
    let mut i = inputs(150004, vec![due]);
    i.autovacuum_workers_running = 3.0;
    assert!(rules(&i).contains(&("workers", Severity::Info)));
    // Before 17: the largest table's dead tuples do not fit in autovacuum_work_mem.
    let mut i = inputs(150004, vec![table("huge", 1e9)]);
    i.tables[0]
        .options
        .insert("autovacuum_vacuum_scale_factor".into(), "0.2".into());
    let f = findings(&i);
    assert!(f.iter().any(|f| f.rule == "vacuum_memory"), "{f:?}");
    assert!(!findings(&{
        let mut i = inputs(170000, vec![table("huge", 1e9)]);
        i.tables[0]
            .options
            .insert("autovacuum_vacuum_scale_factor".into(), "0.2".into());
        i
    })
    .iter()
    .any(|f| f.rule == "vacuum_memory"));
}

#[test]
fn inputs_parse_from_json() {
    let json = r#"{"now": 946684801.5, "current_database": "d", "settings": {"a": "1"},
        "tables": {"oid": [5, 6], "kind": ["r", "t"], "schema": ["s", "pg_toast"],
                   "name": ["n", "t"], "sql_name": ["s.n", "x"],
                   "parent_schema": [null, "s"], "parent_name": [null, "n"],
                   "parent_sql_name": [null, "s.n"],
                   "options": [["fillfactor=70", "autovacuum_enabled=false"], null],
                   "parent_options": [null, []], "reltuples": [-1, 0], "relpages": [0, 0],
                   "relallvisible": [0, 0], "relallfrozen": [null, null],
                   "table_bytes": [0, 0], "n_live_tup": [null, 1], "n_dead_tup": [null, 2],
                   "n_mod_since_analyze": [null, 0], "n_ins_since_vacuum": [null, 0],
                   "n_tup_ins": [null, 0], "n_tup_upd": [null, 0], "n_tup_del": [null, 0],
                   "last_vacuum": [null, null], "last_autovacuum": [null, null],
                   "last_analyze": [946684800.000001, null], "last_autoanalyze": [null, null],
                   "xid_age": [12, 7], "mxid_age": [0, 0], "vacuum_phase": [null, null],
                   "index_vacuum_count": [null, null], "ncols": [2, null],
                   "stats_cols": [2, null], "data_width": [8, null], "has_nulls": [false, null]},
        "databases": [{"name": "d", "xid_age": 3, "mxid_age": 1}],
        "holders": [{"kind": "slot", "name": "x", "name_sql": "'x'", "active": false}]}"#;
    let i: Inputs = serde_json::from_str(json).unwrap();
    assert_eq!(i.now, 1_500_000);
    assert_eq!(i.tables[0].options["fillfactor"], "70");
    assert_eq!(i.tables[0].options["autovacuum_enabled"], "false");
    assert_eq!(i.tables[0].parent_options, None);
    assert_eq!(i.tables[0].last_vacuum, None);
    assert_eq!(i.tables[0].last_analyze, Some(1));
    assert!(i.tables[1].options.is_empty());
    assert_eq!(i.tables[1].parent_options, Some(HashMap::new()));
    assert_eq!(i.tables[0].xid_age, Some(12.0));
    assert_eq!(
        (i.tables[1].n_dead_tup, i.tables[1].xid_age),
        (Some(2.0), Some(7.0))
    );
    assert_eq!(i.tables[1].parent_sql_name.as_deref(), Some("s.n"));
    // No tables: NULL. Columns of unequal lengths: an error, not misaligned rows.
    let none: Inputs = serde_json::from_str(
        r#"{"now": 0, "current_database": "d", "settings": {}, "tables": null}"#,
    )
    .unwrap();
    assert!(none.tables.is_empty());
    let bad = serde_json::from_str::<Inputs>(
        r#"{"now": 0, "current_database": "d", "settings": {}, "tables": {"oid": [1, 2], "kind": ["r"]}}"#,
    );
    assert!(bad.unwrap_err().to_string().contains("unequal lengths"));
    assert_eq!(i.holders[0].active, Some(false));
    assert!(analyze(&i).unwrap_err().contains("server_version_num"));
}
