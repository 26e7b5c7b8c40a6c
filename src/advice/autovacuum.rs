//! Autovacuum status and advice (pure Rust).
//!
//! # How PostgreSQL decides (autovacuum.c, `relation_needs_vacanalyze`)
//! Each knob is the table's reloption when set, else the server setting. A TOAST table uses
//! its own reloptions when it has any (`ALTER TABLE t SET (toast.autovacuum_...)` stores
//! them there), else its parent's. With `reltuples` clamped at 0:
//! - vacuum threshold `vacuum_threshold + vacuum_scale_factor * reltuples`, from PostgreSQL
//!   18 at most `autovacuum_vacuum_max_threshold` (unless -1);
//! - insert threshold (13+, -1 disables) `insert_threshold + insert_scale_factor *
//!   reltuples`, from 18 times the unfrozen share `1 - relallfrozen / relpages`;
//! - analyze threshold `analyze_threshold + analyze_scale_factor * reltuples`, never for TOAST
//!   tables; partitioned tables are neither vacuumed nor analyzed by autovacuum;
//! - vacuum when dead tuples pass the vacuum threshold or inserts since the last vacuum pass
//!   the insert threshold (only if autovacuum is enabled for the table), and whatever the
//!   settings when `age(relfrozenxid)` passes `least(table freeze_max_age,
//!   autovacuum_freeze_max_age)`, or the multixact twin: the anti-wraparound vacuum.
//!
//! XIDs wrap around 2^31 transactions after the oldest unfrozen one. The server warns 40
//! million before (11 million before PostgreSQL 14) and refuses new XIDs 3 million before (1
//! million before 14). From 14, a vacuum of a table older than `max(vacuum_failsafe_age, 1.05
//! * autovacuum_freeze_max_age)` drops its cost delay and skips index cleanup (the failsafe).
//!
//! Autovacuum workers share `autovacuum_vacuum_cost_limit` (-1: `vacuum_cost_limit`) and each
//! sleeps `autovacuum_vacuum_cost_delay` (-1: `vacuum_cost_delay`) per that many credits; a
//! page read costs `vacuum_cost_page_miss`, a page dirtied `vacuum_cost_page_dirty`. So all
//! workers together read at most `1000 / delay * limit / page_miss` pages a second.
//!
//! Every threshold is computed from the server's own settings (`pg_settings`) and version;
//! the rules' own cut-offs (1 GB, a million rows, 40% bloat, ...) are listed in the README.

use super::{count, duration, size, Finding, Severity};
use serde::Deserialize;
use std::collections::HashMap;

/// Seconds since 1970 (as `date_part('epoch', t)` gives them) to a TimestampTz
/// (microseconds since 2000-01-01), the form kept here and shown by the views.
pub fn timestamptz_of_epoch(seconds: f64) -> i64 {
    ((seconds - 946_684_800.0) * 1e6).round() as i64
}

fn epoch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    f64::deserialize(d).map(timestamptz_of_epoch)
}

/// pg_class.reloptions, `{name=value,...}`, as a map.
pub fn reloptions(list: &[String]) -> HashMap<String, String> {
    list.iter()
        .map(|o| match o.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (o.clone(), String::new()),
        })
        .collect()
}

/// The tables as the SQL sends them: one array per column, in the same row order, so that
/// no key name is repeated per row (a quarter of the JSON to build and parse). Each column is
/// listed once: its JSON type, and how a value becomes the `Table` field of the same name.
macro_rules! table_columns {
    ($($field:ident: $json:ty => |$v:ident| $value:expr),* $(,)?) => {
        #[derive(Debug, Default, Deserialize)]
        #[serde(default)]
        struct TableColumns {
            $($field: Vec<$json>,)*
        }

        impl TableColumns {
            fn rows(self) -> Result<Vec<Table>, String> {
                let lengths = [$(self.$field.len()),*];
                let n = lengths[0];
                if lengths.iter().any(|&l| l != n) {
                    return Err(format!("table columns of unequal lengths: {lengths:?}"));
                }
                let mut out: Vec<Table> = (0..n).map(|_| Table::default()).collect();
                $(
                    for (t, $v) in out.iter_mut().zip(self.$field) {
                        t.$field = $value;
                    }
                )*
                Ok(out)
            }
        }
    };
}

table_columns! {
    oid: u32 => |v| v,
    kind: String => |v| v,
    schema: String => |v| v,
    name: String => |v| v,
    sql_name: String => |v| v,
    parent_schema: Option<String> => |v| v,
    parent_name: Option<String> => |v| v,
    parent_sql_name: Option<String> => |v| v,
    options: Option<Vec<String>> => |v| reloptions(&v.unwrap_or_default()),
    parent_options: Option<Vec<String>> => |v| v.map(|o| reloptions(&o)),
    reltuples: f64 => |v| v,
    relpages: f64 => |v| v,
    relallvisible: f64 => |v| v,
    relallfrozen: Option<f64> => |v| v,
    table_bytes: f64 => |v| v,
    n_live_tup: Option<f64> => |v| v,
    n_dead_tup: Option<f64> => |v| v,
    n_mod_since_analyze: Option<f64> => |v| v,
    n_ins_since_vacuum: Option<f64> => |v| v,
    n_tup_ins: Option<f64> => |v| v,
    n_tup_upd: Option<f64> => |v| v,
    n_tup_del: Option<f64> => |v| v,
    last_vacuum: Option<f64> => |v| v.map(timestamptz_of_epoch),
    last_autovacuum: Option<f64> => |v| v.map(timestamptz_of_epoch),
    last_analyze: Option<f64> => |v| v.map(timestamptz_of_epoch),
    last_autoanalyze: Option<f64> => |v| v.map(timestamptz_of_epoch),
    xid_age: Option<f64> => |v| v,
    mxid_age: Option<f64> => |v| v,
    vacuum_phase: Option<String> => |v| v,
    index_vacuum_count: Option<f64> => |v| v,
    ncols: Option<f64> => |v| v,
    stats_cols: Option<f64> => |v| v,
    data_width: Option<f64> => |v| v,
    has_nulls: Option<bool> => |v| v,
}

fn table_columns<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Table>, D::Error> {
    match Option::<TableColumns>::deserialize(d)? {
        Some(c) => c.rows().map_err(serde::de::Error::custom),
        None => Ok(Vec::new()),
    }
}

/// Everything the rules look at, as the SQL surface gathers it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Inputs {
    /// now(), as a TimestampTz (microseconds since 2000-01-01); seconds since 1970 in JSON.
    #[serde(deserialize_with = "epoch")]
    pub now: i64,
    pub current_database: String,
    /// pg_settings: name -> setting, in the setting's base unit.
    pub settings: HashMap<String, String>,
    /// One array per column in JSON (see [`TableColumns`]).
    #[serde(default, deserialize_with = "table_columns")]
    pub tables: Vec<Table>,
    #[serde(default)]
    pub databases: Vec<Database>,
    #[serde(default)]
    pub holders: Vec<Holder>,
    /// Autovacuum workers vacuuming now.
    #[serde(default)]
    pub autovacuum_workers_running: f64,
    /// `pg_vitals.long_transaction`, seconds (set by the caller, not the SQL).
    #[serde(default)]
    pub long_transaction_s: f64,
}

/// One table (or TOAST table, materialized view, partitioned table).
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub oid: u32,
    /// pg_class.relkind: r, t, m or p.
    pub kind: String,
    pub schema: String,
    pub name: String,
    /// Schema-qualified and quoted, ready for SQL.
    pub sql_name: String,
    /// TOAST tables: the table they belong to.
    pub parent_schema: Option<String>,
    pub parent_name: Option<String>,
    pub parent_sql_name: Option<String>,
    /// The table's reloptions (name -> value).
    pub options: HashMap<String, String>,
    /// TOAST tables: the parent's reloptions, used when the TOAST table has none of its own.
    pub parent_options: Option<HashMap<String, String>>,
    pub reltuples: f64,
    pub relpages: f64,
    pub relallvisible: f64,
    /// PostgreSQL 18.
    pub relallfrozen: Option<f64>,
    /// Main fork size as of the last vacuum or analyze (relpages x block size).
    pub table_bytes: f64,
    pub n_live_tup: Option<f64>,
    pub n_dead_tup: Option<f64>,
    pub n_mod_since_analyze: Option<f64>,
    pub n_ins_since_vacuum: Option<f64>,
    pub n_tup_ins: Option<f64>,
    pub n_tup_upd: Option<f64>,
    pub n_tup_del: Option<f64>,
    /// TimestampTz values.
    pub last_vacuum: Option<i64>,
    pub last_autovacuum: Option<i64>,
    pub last_analyze: Option<i64>,
    pub last_autoanalyze: Option<i64>,
    /// age(relfrozenxid), mxid_age(relminmxid); None for partitioned tables.
    pub xid_age: Option<f64>,
    pub mxid_age: Option<f64>,
    /// pg_stat_progress_vacuum, when a vacuum of it runs now.
    pub vacuum_phase: Option<String>,
    pub index_vacuum_count: Option<f64>,
    /// For the bloat estimate: user columns, those with statistics the caller may read, the
    /// sum of their average widths weighted by the non-null share, whether any has nulls.
    pub ncols: Option<f64>,
    pub stats_cols: Option<f64>,
    pub data_width: Option<f64>,
    pub has_nulls: Option<bool>,
}

/// A database's oldest unfrozen transaction and multixact.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Database {
    pub name: String,
    pub xid_age: f64,
    pub mxid_age: f64,
}

/// Something that holds the xmin horizon back: a session, a prepared transaction, a slot.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Holder {
    /// "session", "prepared" or "slot".
    pub kind: String,
    pub pid: Option<i64>,
    pub user: Option<String>,
    pub database: Option<String>,
    /// pg_stat_activity.state.
    pub state: Option<String>,
    /// Seconds since the transaction started (sessions, prepared transactions).
    pub xact_age_s: Option<f64>,
    /// Transactions the horizon is held back: age(backend_xmin or backend_xid), or the slot's
    /// age(xmin) / age(catalog_xmin), the older.
    pub xmin_age: Option<f64>,
    /// Prepared transaction gid or slot name, and as an SQL literal.
    pub name: Option<String>,
    pub name_sql: Option<String>,
    pub active: Option<bool>,
}

/// 2^31: XIDs (and multixacts) wrap around this far from the oldest unfrozen one.
pub const WRAP: f64 = 2_147_483_648.0;

/// The server settings the rules use, read from pg_settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub version: u32,
    pub autovacuum: bool,
    pub track_counts: bool,
    pub naptime_s: f64,
    pub max_workers: f64,
    pub vacuum_threshold: f64,
    pub vacuum_scale_factor: f64,
    /// PostgreSQL 18.
    pub vacuum_max_threshold: Option<f64>,
    /// PostgreSQL 13+.
    pub insert_threshold: Option<f64>,
    pub insert_scale_factor: Option<f64>,
    pub analyze_threshold: f64,
    pub analyze_scale_factor: f64,
    pub freeze_max_age: f64,
    pub multixact_freeze_max_age: f64,
    /// PostgreSQL 14+.
    pub failsafe_age: Option<f64>,
    pub multixact_failsafe_age: Option<f64>,
    /// Effective for autovacuum (-1 settings resolved).
    pub cost_delay_ms: f64,
    pub cost_limit: f64,
    pub page_miss: f64,
    pub page_dirty: f64,
    /// Effective autovacuum_work_mem, kB.
    pub work_mem_kb: f64,
    pub block_size: f64,
}

fn setting<'a>(map: &'a HashMap<String, String>, name: &str) -> Result<&'a str, String> {
    map.get(name)
        .map(String::as_str)
        .ok_or_else(|| format!("setting {name} not found in pg_settings"))
}

fn number(map: &HashMap<String, String>, name: &str) -> Result<f64, String> {
    let v = setting(map, name)?;
    v.trim()
        .parse::<f64>()
        .map_err(|_| format!("setting {name} = {v:?} is not a number"))
}

fn optional(map: &HashMap<String, String>, name: &str) -> Result<Option<f64>, String> {
    match map.get(name) {
        None => Ok(None),
        Some(_) => number(map, name).map(Some),
    }
}

fn boolean(map: &HashMap<String, String>, name: &str) -> Result<bool, String> {
    Ok(setting(map, name)? == "on")
}

impl Settings {
    /// From pg_settings' `setting` column (base units: seconds, ms, kB). Settings a version
    /// lacks are None.
    pub fn from_pg_settings(map: &HashMap<String, String>) -> Result<Settings, String> {
        let version = number(map, "server_version_num")? as u32;
        let av_delay = number(map, "autovacuum_vacuum_cost_delay")?;
        let av_limit = number(map, "autovacuum_vacuum_cost_limit")?;
        let av_mem = number(map, "autovacuum_work_mem")?;
        Ok(Settings {
            version,
            autovacuum: boolean(map, "autovacuum")?,
            track_counts: boolean(map, "track_counts")?,
            naptime_s: number(map, "autovacuum_naptime")?,
            max_workers: number(map, "autovacuum_max_workers")?,
            vacuum_threshold: number(map, "autovacuum_vacuum_threshold")?,
            vacuum_scale_factor: number(map, "autovacuum_vacuum_scale_factor")?,
            vacuum_max_threshold: optional(map, "autovacuum_vacuum_max_threshold")?,
            insert_threshold: optional(map, "autovacuum_vacuum_insert_threshold")?,
            insert_scale_factor: optional(map, "autovacuum_vacuum_insert_scale_factor")?,
            analyze_threshold: number(map, "autovacuum_analyze_threshold")?,
            analyze_scale_factor: number(map, "autovacuum_analyze_scale_factor")?,
            freeze_max_age: number(map, "autovacuum_freeze_max_age")?,
            multixact_freeze_max_age: number(map, "autovacuum_multixact_freeze_max_age")?,
            failsafe_age: optional(map, "vacuum_failsafe_age")?,
            multixact_failsafe_age: optional(map, "vacuum_multixact_failsafe_age")?,
            cost_delay_ms: if av_delay >= 0.0 {
                av_delay
            } else {
                number(map, "vacuum_cost_delay")?
            },
            cost_limit: if av_limit > 0.0 {
                av_limit
            } else {
                number(map, "vacuum_cost_limit")?
            },
            page_miss: number(map, "vacuum_cost_page_miss")?,
            page_dirty: number(map, "vacuum_cost_page_dirty")?,
            work_mem_kb: if av_mem > 0.0 {
                av_mem
            } else {
                number(map, "maintenance_work_mem")?
            },
            block_size: number(map, "block_size")?,
        })
    }

    /// XIDs before wraparound at which the server refuses new ones.
    pub fn stop_margin(&self) -> f64 {
        if self.version >= 140000 {
            3_000_000.0
        } else {
            1_000_000.0
        }
    }

    /// XIDs before wraparound at which the server starts warning.
    pub fn warn_margin(&self) -> f64 {
        if self.version >= 140000 {
            40_000_000.0
        } else {
            self.stop_margin() + 10_000_000.0
        }
    }

    /// The age at which a vacuum goes into failsafe mode (14+).
    pub fn failsafe(&self, multixact: bool) -> Option<f64> {
        let (age, fma) = if multixact {
            (self.multixact_failsafe_age, self.multixact_freeze_max_age)
        } else {
            (self.failsafe_age, self.freeze_max_age)
        };
        age.map(|a| a.max(1.05 * fma))
    }

    /// Pages a second all autovacuum workers together may read (`page_miss`) or dirty
    /// (`page_dirty`) under the cost settings; None when unthrottled (delay 0).
    pub fn page_ceiling(&self, page_cost: f64) -> Option<f64> {
        (self.cost_delay_ms > 0.0 && page_cost > 0.0)
            .then(|| 1000.0 / self.cost_delay_ms * self.cost_limit / page_cost)
    }

    /// The same in MB/s.
    pub fn mb_per_s(&self, page_cost: f64) -> Option<f64> {
        self.page_ceiling(page_cost)
            .map(|p| p * self.block_size / 1_048_576.0)
    }

    /// Memory for one vacuum's dead tuple TIDs before PostgreSQL 17 (6 bytes each, at most
    /// 1 GB); 17's TID store has no fixed cost per TID.
    pub fn dead_tid_capacity(&self) -> Option<f64> {
        (self.version < 170000).then(|| (self.work_mem_kb * 1024.0).min(1_073_741_824.0) / 6.0)
    }
}

/// A table's settings after reloption fallback.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// Where the reloptions came from: "table", "parent" (a TOAST table without options of
    /// its own) or "server" (none set).
    pub source: &'static str,
    pub enabled: bool,
    pub vacuum_threshold: f64,
    pub vacuum_scale_factor: f64,
    pub vacuum_max_threshold: Option<f64>,
    pub insert_threshold: Option<f64>,
    pub insert_scale_factor: Option<f64>,
    pub analyze_threshold: f64,
    pub analyze_scale_factor: f64,
    pub freeze_max_age: f64,
    pub multixact_freeze_max_age: f64,
    pub own_vacuum_scale_factor: bool,
    pub own_insert_scale_factor: bool,
    pub fillfactor: f64,
}

fn opt(options: Option<&HashMap<String, String>>, name: &str) -> Option<f64> {
    options?.get(name)?.parse().ok()
}

/// The reloptions `relation_needs_vacanalyze` uses for a table: its own, or for a TOAST table
/// without any, its parent's.
fn autovacuum_options(t: &Table) -> (Option<&HashMap<String, String>>, &'static str) {
    if !t.options.is_empty() {
        (Some(&t.options), "table")
    } else if t.kind == "t" {
        match &t.parent_options {
            Some(p) if !p.is_empty() => (Some(p), "parent"),
            _ => (None, "server"),
        }
    } else {
        (None, "server")
    }
}

pub fn effective(t: &Table, s: &Settings) -> Effective {
    let (o, source) = autovacuum_options(t);
    // A reloption below its minimum (-1) means "not set", as in autovacuum.c.
    let pick = |name: &str, server: f64, min: f64| -> (f64, bool) {
        match opt(o, name) {
            Some(v) if v >= min => (v, true),
            _ => (server, false),
        }
    };
    let (vacuum_threshold, _) = pick("autovacuum_vacuum_threshold", s.vacuum_threshold, 0.0);
    let (vacuum_scale_factor, own_vacuum_scale_factor) =
        pick("autovacuum_vacuum_scale_factor", s.vacuum_scale_factor, 0.0);
    let vacuum_max_threshold = s.vacuum_max_threshold.map(|server| {
        // -1 is a valid table value here: no cap for this table.
        opt(o, "autovacuum_vacuum_max_threshold")
            .filter(|v| *v >= -1.0)
            .unwrap_or(server)
    });
    let insert_threshold = s.insert_threshold.map(|server| {
        opt(o, "autovacuum_vacuum_insert_threshold")
            .filter(|v| *v >= -1.0)
            .unwrap_or(server)
    });
    let mut own_insert_scale_factor = false;
    let insert_scale_factor = s.insert_scale_factor.map(|server| {
        let (v, own) = pick("autovacuum_vacuum_insert_scale_factor", server, 0.0);
        own_insert_scale_factor = own;
        v
    });
    let (analyze_threshold, _) = pick("autovacuum_analyze_threshold", s.analyze_threshold, 0.0);
    let (analyze_scale_factor, _) = pick(
        "autovacuum_analyze_scale_factor",
        s.analyze_scale_factor,
        0.0,
    );
    // A table's freeze ages can only lower the server's.
    let freeze_max_age = opt(o, "autovacuum_freeze_max_age")
        .filter(|v| *v >= 0.0)
        .map_or(s.freeze_max_age, |v| v.min(s.freeze_max_age));
    let multixact_freeze_max_age = opt(o, "autovacuum_multixact_freeze_max_age")
        .filter(|v| *v >= 0.0)
        .map_or(s.multixact_freeze_max_age, |v| {
            v.min(s.multixact_freeze_max_age)
        });
    let enabled = o
        .and_then(|o| o.get("autovacuum_enabled"))
        .is_none_or(|v| !matches!(v.as_str(), "false" | "off" | "no" | "0"));
    Effective {
        source,
        enabled,
        vacuum_threshold,
        vacuum_scale_factor,
        vacuum_max_threshold,
        insert_threshold,
        insert_scale_factor,
        analyze_threshold,
        analyze_scale_factor,
        freeze_max_age,
        multixact_freeze_max_age,
        own_vacuum_scale_factor,
        own_insert_scale_factor,
        fillfactor: opt(Some(&t.options), "fillfactor").unwrap_or(100.0),
    }
}

/// The thresholds PostgreSQL computes for a table (None where autovacuum never acts).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub vacuum: Option<f64>,
    pub insert: Option<f64>,
    pub analyze: Option<f64>,
}

pub fn thresholds(t: &Table, e: &Effective, s: &Settings) -> Thresholds {
    if t.kind == "p" {
        return Thresholds {
            vacuum: None,
            insert: None,
            analyze: None,
        };
    }
    let reltuples = t.reltuples.max(0.0);
    let mut vacuum = e.vacuum_threshold + e.vacuum_scale_factor * reltuples;
    if let Some(max) = e.vacuum_max_threshold {
        if max >= 0.0 {
            vacuum = vacuum.min(max);
        }
    }
    let insert = match (e.insert_threshold, e.insert_scale_factor) {
        (Some(base), Some(scale)) if base >= 0.0 => {
            // PostgreSQL 18 scales by the share of pages not yet all-frozen.
            let unfrozen = match t.relallfrozen {
                Some(frozen) if s.version >= 180000 && t.relpages > 0.0 && frozen > 0.0 => {
                    1.0 - frozen.min(t.relpages) / t.relpages
                }
                _ => 1.0,
            };
            Some(base + scale * reltuples * unfrozen)
        }
        _ => None,
    };
    let analyze =
        (t.kind != "t").then_some(e.analyze_threshold + e.analyze_scale_factor * reltuples);
    Thresholds {
        vacuum: Some(vacuum),
        insert,
        analyze,
    }
}

/// Estimated bloat in bytes of the main fork, from the columns' statistics (as
/// pgsql-bloat-estimation does): the pages the live rows would fill at the table's
/// fillfactor against the pages it has. None when some column lacks statistics the caller
/// may read, or the table was never analyzed (and, as gathered, for tables under 1 MB).
pub fn estimated_bloat(t: &Table, e: &Effective, s: &Settings) -> Option<f64> {
    let (ncols, stats_cols, width) = (t.ncols?, t.stats_cols?, t.data_width?);
    if ncols <= 0.0 || stats_cols < ncols || t.reltuples < 0.0 || t.relpages <= 0.0 {
        return None;
    }
    let align = |n: f64| (n / 8.0).ceil() * 8.0;
    // Heap tuple header 23 bytes, a null bitmap when any column has nulls, MAXALIGNed; the
    // data MAXALIGNed; a 4-byte line pointer. Page header 24 bytes.
    let bitmap = if t.has_nulls.unwrap_or(false) {
        ((ncols + 7.0) / 8.0).floor()
    } else {
        0.0
    };
    let tuple = align(23.0 + bitmap) + align(width) + 4.0;
    let per_page = ((s.block_size - 24.0) * e.fillfactor / 100.0 / tuple)
        .floor()
        .max(1.0);
    let expected = (t.reltuples / per_page).ceil();
    Some((t.relpages - expected).max(0.0) * s.block_size)
}

/// One row of `vitals.autovacuum_status`.
#[derive(Debug, Clone)]
pub struct Status<'a> {
    pub table: &'a Table,
    pub effective: Effective,
    pub thresholds: Thresholds,
    /// Autovacuum would vacuum it now (a threshold passed and enabled, or wraparound).
    pub vacuum_due: bool,
    /// An anti-wraparound vacuum is due (age past the effective freeze max age).
    pub wraparound_due: bool,
    pub analyze_due: bool,
    pub bloat_bytes: Option<f64>,
}

impl Status<'_> {
    pub fn vacuuming(&self) -> bool {
        self.table.vacuum_phase.is_some()
    }
    /// Estimated bloat as a share of the pages the estimate compares with (relpages).
    pub fn bloat_share(&self, s: &Settings) -> Option<f64> {
        let pages = self.table.relpages * s.block_size;
        self.bloat_bytes.filter(|_| pages > 0.0).map(|b| b / pages)
    }
}

fn past(value: Option<f64>, threshold: Option<f64>) -> bool {
    matches!((value, threshold), (Some(v), Some(t)) if v > t)
}

pub fn status<'a>(t: &'a Table, s: &Settings) -> Status<'a> {
    let e = effective(t, s);
    let th = thresholds(t, &e, s);
    let auto = s.autovacuum && s.track_counts && e.enabled;
    let wraparound_due = past(t.xid_age, Some(e.freeze_max_age))
        || past(t.mxid_age, Some(e.multixact_freeze_max_age));
    let vacuum_due = wraparound_due
        || (auto && (past(t.n_dead_tup, th.vacuum) || past(t.n_ins_since_vacuum, th.insert)));
    let analyze_due = auto && past(t.n_mod_since_analyze, th.analyze);
    let bloat_bytes = estimated_bloat(t, &e, s);
    Status {
        table: t,
        effective: e,
        thresholds: th,
        vacuum_due,
        wraparound_due,
        analyze_due,
        bloat_bytes,
    }
}

/// The whole report: a status row per table, and the findings.
#[derive(Debug)]
pub struct Report<'a> {
    pub settings: Settings,
    pub statuses: Vec<Status<'a>>,
    pub findings: Vec<Finding>,
}

pub fn analyze(inputs: &Inputs) -> Result<Report<'_>, String> {
    let s = Settings::from_pg_settings(&inputs.settings)?;
    let mut statuses: Vec<Status> = inputs.tables.iter().map(|t| status(t, &s)).collect();
    statuses
        .sort_by(|a, b| (&a.table.schema, &a.table.name).cmp(&(&b.table.schema, &b.table.name)));
    let mut findings = Vec::new();
    let ctx = Ctx {
        s: &s,
        inputs,
        now_s: inputs.now as f64 / 1e6,
    };
    ctx.server(&statuses, &mut findings);
    ctx.databases(&mut findings);
    for st in &statuses {
        ctx.table(st, &mut findings);
    }
    ctx.holders(&mut findings);
    ctx.cost(&statuses, &mut findings);
    super::sort(&mut findings);
    Ok(Report {
        settings: s,
        statuses,
        findings,
    })
}

/// Thresholds of the rules themselves (not PostgreSQL's): see the README's rule table.
pub mod cutoffs {
    /// A table is large from this many rows (B3, B4) and very large from ten times that.
    pub const LARGE_ROWS: f64 = 1_000_000.0;
    /// Dead-tuple share and table size for `dead_tuples` (B2).
    pub const DEAD_SHARE_WARNING: f64 = 0.2;
    pub const DEAD_SHARE_CRITICAL: f64 = 0.4;
    pub const DEAD_MIN_BYTES: f64 = 1_073_741_824.0;
    /// Bloat share and table size for `bloat` (B6).
    pub const BLOAT_WARNING: f64 = 0.4;
    pub const BLOAT_CRITICAL: f64 = 0.9;
    pub const BLOAT_MIN_BYTES: f64 = 1_048_576.0;
    /// What `scale_factor` recommends: vacuum after 1% of the rows plus 1,000.
    pub const SCALE_FACTOR: f64 = 0.01;
    pub const SCALE_THRESHOLD: f64 = 1000.0;
    /// `insert_mostly`: inserts at least this share of all row changes; fewer than this
    /// share of pages all-visible.
    pub const INSERT_SHARE: f64 = 0.9;
    pub const ALL_VISIBLE_SHARE: f64 = 0.5;
    /// Ages past this many times the effective freeze max age: freezing is falling behind.
    pub const FREEZE_LAG_FACTOR: f64 = 2.0;
    /// Ages past this are critical whatever the settings (70% of the way to wraparound).
    pub const CRITICAL_AGE: f64 = 1_500_000_000.0;
    /// `vacuum_behind`: dead tuples this far past the threshold, and no vacuum for
    /// max(1 hour, 10 x naptime).
    pub const BEHIND_FACTOR: f64 = 1.1;
    pub const BEHIND_MIN_S: f64 = 3600.0;
    /// `vacuum_behind` for a table never vacuumed: this far past the threshold.
    pub const NEVER_VACUUMED_FACTOR: f64 = 10.0;
    /// `stale_statistics`: no analyze for a day although due.
    pub const STALE_S: f64 = 86_400.0;
    /// `cost_throttled`: a cost limit at or below this and a delay at or above this.
    pub const LOW_COST_LIMIT: f64 = 200.0;
    pub const LONG_COST_DELAY_MS: f64 = 20.0;
}
use cutoffs::*;

struct Ctx<'a> {
    s: &'a Settings,
    inputs: &'a Inputs,
    now_s: f64,
}

/// Where a table's finding points: itself, or for a TOAST table, its parent (the one ALTER
/// TABLE and VACUUM take).
fn names(t: &Table) -> (Option<String>, Option<String>) {
    (Some(t.schema.clone()), Some(t.name.clone()))
}

fn describe(t: &Table) -> String {
    match (&t.parent_schema, &t.parent_name) {
        (Some(ps), Some(pn)) if t.kind == "t" => format!("TOAST table of {ps}.{pn}"),
        _ => format!("{}.{}", t.schema, t.name),
    }
}

/// `ALTER TABLE ... SET|RESET (...)` for a table's own options, or its TOAST table's.
fn alter(t: &Table, verb: &str, options: &[(&str, Option<&str>)]) -> String {
    let (target, prefix) = match &t.parent_sql_name {
        Some(parent) if t.kind == "t" => (parent.as_str(), "toast."),
        _ => (t.sql_name.as_str(), ""),
    };
    let list: Vec<String> = options
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{prefix}{k} = {v}"),
            None => format!("{prefix}{k}"),
        })
        .collect();
    format!("ALTER TABLE {target} {verb} ({})", list.join(", "))
}

/// The table VACUUM and ANALYZE should name (a TOAST table is vacuumed with its parent).
fn vacuum_target(t: &Table) -> &str {
    match &t.parent_sql_name {
        Some(parent) if t.kind == "t" => parent,
        _ => &t.sql_name,
    }
}

fn last_of(a: Option<i64>, b: Option<i64>) -> Option<f64> {
    a.max(b).map(|t| t as f64 / 1e6)
}

impl Ctx<'_> {
    fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        (schema_name, relation_name): (Option<String>, Option<String>),
        finding: String,
        recommendation: String,
        sql: String,
    ) -> Finding {
        Finding {
            rule,
            severity,
            schema_name,
            relation_name,
            finding,
            recommendation,
            sql,
        }
    }

    /// C1: autovacuum cannot run at all.
    fn server(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        for (name, on) in [
            ("autovacuum", s.autovacuum),
            ("track_counts", s.track_counts),
        ] {
            if !on {
                out.push(self.finding(
                    "autovacuum_off",
                    Severity::Critical,
                    (None, None),
                    format!("{name} is off: autovacuum vacuums and analyzes nothing but tables about to wrap around ({} tables here)", statuses.len()),
                    format!("turn {name} on; without it dead tuples accumulate, tables bloat and statistics go stale until an emergency anti-wraparound vacuum"),
                    format!("ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf()"),
                ));
            }
        }
        // C4: every worker busy while more tables wait.
        let waiting = statuses
            .iter()
            .filter(|st| st.vacuum_due && !st.vacuuming())
            .count();
        let running = self.inputs.autovacuum_workers_running;
        if s.autovacuum && running >= s.max_workers && waiting > 0 {
            let workers = (s.max_workers * 2.0).max(s.max_workers + 1.0);
            out.push(self.finding(
                "workers",
                Severity::Info,
                (None, None),
                format!(
                    "all {} autovacuum workers are busy and {} more tables are due for vacuum",
                    count(s.max_workers),
                    count(waiting as f64)
                ),
                format!(
                    "more workers vacuum more tables at once; they share autovacuum_vacuum_cost_limit ({}), so raise it with them or each worker gets slower{}",
                    count(s.cost_limit),
                    if s.version < 180000 { "; autovacuum_max_workers takes effect at restart" } else { "" }
                ),
                format!(
                    "ALTER SYSTEM SET autovacuum_max_workers = {}; ALTER SYSTEM SET autovacuum_vacuum_cost_limit = {}",
                    count(workers).replace(',', ""),
                    count((s.cost_limit * workers / s.max_workers.max(1.0)).max(s.cost_limit)).replace(',', "")
                ),
            ));
        }
        // B10 (static, before 17): the largest table's dead tuples at its threshold do not fit.
        if let Some(capacity) = s.dead_tid_capacity() {
            let largest = statuses
                .iter()
                .filter(|st| st.effective.enabled && st.table.kind != "p")
                .filter_map(|st| st.thresholds.vacuum.map(|v| (v, st)))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((dead, st)) = largest {
                if dead > capacity {
                    let need_mb = (dead * 6.0 * 1.2 / 1_048_576.0).ceil().min(1024.0);
                    out.push(self.finding(
                        "vacuum_memory",
                        Severity::Info,
                        names(st.table),
                        format!(
                            "{} is vacuumed when it has {} dead tuples, but autovacuum_work_mem ({}) holds {} TIDs: each such vacuum scans all its indexes {} times",
                            describe(st.table),
                            count(dead),
                            size(s.work_mem_kb * 1024.0),
                            count(capacity),
                            count((dead / capacity).ceil())
                        ),
                        "give each worker room for a whole vacuum's dead tuples (6 bytes each, at most 1 GB is used), or lower the table's scale factor so that it is vacuumed sooner".into(),
                        format!("ALTER SYSTEM SET autovacuum_work_mem = '{need_mb:.0}MB'; SELECT pg_reload_conf()"),
                    ));
                }
            }
        }
    }

    /// X1-X4 and X7 for whole databases.
    fn databases(&self, out: &mut Vec<Finding>) {
        for db in &self.inputs.databases {
            for multixact in [false, true] {
                let age = if multixact { db.mxid_age } else { db.xid_age };
                let fma = if multixact {
                    self.s.multixact_freeze_max_age
                } else {
                    self.s.freeze_max_age
                };
                let Some((severity, what)) = self.wraparound_level(age, fma, multixact) else {
                    continue;
                };
                let kind = if multixact {
                    "multixact"
                } else {
                    "transaction ID"
                };
                out.push(self.finding(
                    if multixact { "mxid_wraparound" } else { "xid_wraparound" },
                    severity,
                    (None, None),
                    format!(
                        "database {} has {kind} age {} ({}); {} left before wraparound",
                        db.name,
                        count(age),
                        what,
                        count(WRAP - age)
                    ),
                    format!(
                        "vacuum its oldest tables with FREEZE now{}, and end whatever holds the xmin horizon back (see xmin_horizon); the server stops assigning {kind}s {} before wraparound",
                        if db.name == self.inputs.current_database { " (the table findings below name them)" } else { ", connected to that database" },
                        count(self.s.stop_margin())
                    ),
                    "VACUUM (FREEZE, VERBOSE)".into(),
                ));
            }
        }
    }

    /// The wraparound ladder for an age: critical when the server already warns, past the
    /// failsafe or past 1.5 billion; warning past twice the effective freeze max age.
    fn wraparound_level(&self, age: f64, fma: f64, multixact: bool) -> Option<(Severity, String)> {
        let s = self.s;
        if WRAP - age <= s.warn_margin() {
            return Some((
                Severity::Critical,
                format!(
                    "within {} of wraparound, where the server warns",
                    count(s.warn_margin())
                ),
            ));
        }
        if let Some(f) = s.failsafe(multixact) {
            if age >= f {
                return Some((
                    Severity::Critical,
                    format!("past the failsafe age {}", count(f)),
                ));
            }
        }
        if age >= CRITICAL_AGE {
            return Some((Severity::Critical, format!("past {}", count(CRITICAL_AGE))));
        }
        if age >= FREEZE_LAG_FACTOR * fma {
            return Some((
                Severity::Warning,
                format!("more than twice the freeze max age {}", count(fma)),
            ));
        }
        None
    }

    fn table(&self, st: &Status, out: &mut Vec<Finding>) {
        let t = st.table;
        let s = self.s;
        let e = &st.effective;
        let target = vacuum_target(t);
        let auto_on = s.autovacuum && s.track_counts;

        // X2-X4, X7: the table's own freeze age.
        for multixact in [false, true] {
            let (age, fma) = if multixact {
                (t.mxid_age, e.multixact_freeze_max_age)
            } else {
                (t.xid_age, e.freeze_max_age)
            };
            let Some(age) = age else { continue };
            if let Some((severity, what)) = self.wraparound_level(age, fma, multixact) {
                out.push(self.finding(
                    if multixact { "mxid_wraparound" } else { "xid_wraparound" },
                    severity,
                    names(t),
                    format!(
                        "{} has {} age {} ({})",
                        describe(t),
                        if multixact { "multixact" } else { "transaction ID" },
                        count(age),
                        what
                    ),
                    format!(
                        "freeze it now, without cost delay{}; if autovacuum keeps falling behind, raise autovacuum_vacuum_cost_limit (shared by all workers) and autovacuum_max_workers",
                        if st.vacuuming() { " (a vacuum is running on it: let it finish first)" } else { "" }
                    ),
                    format!("SET vacuum_cost_delay = 0; VACUUM (FREEZE, VERBOSE) {target}"),
                ));
            } else if age > fma && !st.vacuuming() {
                // X5: an anti-wraparound vacuum is due but not running.
                let last = last_of(t.last_vacuum, t.last_autovacuum);
                let waited = last.map(|l| self.now_s - l);
                if waited.is_none_or(|w| w > 2.0 * s.naptime_s) {
                    out.push(self.finding(
                        "wraparound_vacuum_pending",
                        Severity::Warning,
                        names(t),
                        format!(
                            "{} is past its freeze max age ({} > {}) and no vacuum runs on it{}",
                            describe(t),
                            count(age),
                            count(fma),
                            match waited {
                                Some(w) => format!("; last vacuum {} ago", duration(w)),
                                None => "; never vacuumed".into(),
                            }
                        ),
                        "autovacuum should have started an anti-wraparound vacuum within a naptime: check that workers are not all busy (workers) and that nothing holds the xmin horizon back; vacuum it by hand meanwhile".into(),
                        format!("VACUUM (FREEZE, VERBOSE) {target}"),
                    ));
                }
            }
        }
        if t.kind == "p" {
            // B9: partitioned tables are never analyzed by autovacuum.
            if t.last_analyze.is_none() {
                out.push(self.finding(
                    "partitioned_analyze",
                    Severity::Info,
                    names(t),
                    format!("partitioned table {}.{} has never been analyzed", t.schema, t.name),
                    "autovacuum analyzes partitions but never the partitioned table, whose statistics the planner uses for queries over the whole table (joins, grouping); analyze it by hand after loading and from time to time".into(),
                    format!("ANALYZE {}", t.sql_name),
                ));
            }
            return;
        }
        let dead = t.n_dead_tup.unwrap_or(0.0);
        let live = t.n_live_tup.unwrap_or(0.0);
        let vt = st.thresholds.vacuum.unwrap_or(f64::INFINITY);

        // B5: autovacuum disabled on the table.
        if !e.enabled && e.source != "parent" {
            let heavy = dead > vt;
            out.push(self.finding(
                "autovacuum_disabled",
                if heavy { Severity::Critical } else { Severity::Warning },
                names(t),
                format!(
                    "autovacuum is disabled on {}: {} dead tuples{}; only anti-wraparound vacuums run on it",
                    describe(t),
                    count(dead),
                    if heavy { format!(", {:.1}x its vacuum threshold of {}", dead / vt.max(1.0), count(vt)) } else { String::new() }
                ),
                "enable autovacuum on it; a table needing special care is better served by its own thresholds or cost settings than by no vacuum at all".into(),
                alter(t, "RESET", &[("autovacuum_enabled", None)]),
            ));
        }
        // B1: autovacuum enabled, the threshold passed, no vacuum for a while.
        if auto_on && e.enabled && dead > BEHIND_FACTOR * vt && !st.vacuuming() {
            let window = BEHIND_MIN_S.max(10.0 * s.naptime_s);
            let last = last_of(t.last_vacuum, t.last_autovacuum);
            let behind = match last {
                Some(l) => self.now_s - l > window,
                // Never vacuumed: how long it has been due is unknown (autovacuum may only
                // just have been enabled), so only when far past the threshold.
                None => dead > NEVER_VACUUMED_FACTOR * vt,
            };
            if behind {
                out.push(self.finding(
                    "vacuum_behind",
                    Severity::Warning,
                    names(t),
                    format!(
                        "{} has {} dead tuples, {:.1}x its vacuum threshold of {}, and {}",
                        describe(t),
                        count(dead),
                        dead / vt.max(1.0),
                        count(vt),
                        match last {
                            Some(l) => format!("was last vacuumed {} ago", duration(self.now_s - l)),
                            None => "was never vacuumed".into(),
                        }
                    ),
                    format!(
                        "autovacuum is not keeping up: vacuum it now; then give autovacuum more throughput (autovacuum_vacuum_cost_limit {} is shared by all workers, {} MB/s of reads at most) or lower the table's scale factor so that each vacuum has less to do",
                        count(s.cost_limit),
                        s.mb_per_s(s.page_miss).map_or("unthrottled".into(), |m| format!("{m:.0}"))
                    ),
                    format!("VACUUM (VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
        // B2: a large table that is largely dead.
        if t.table_bytes >= DEAD_MIN_BYTES && live + dead > 0.0 {
            let share = dead / (live + dead);
            if share > DEAD_SHARE_WARNING {
                out.push(self.finding(
                    "dead_tuples",
                    if share > DEAD_SHARE_CRITICAL { Severity::Critical } else { Severity::Warning },
                    names(t),
                    format!(
                        "{:.0}% of the rows of {} ({}) are dead: {} of {}",
                        share * 100.0,
                        describe(t),
                        size(t.table_bytes),
                        count(dead),
                        count(live + dead)
                    ),
                    "vacuum it, and lower its vacuum scale factor so that dead tuples are removed before they take a fifth of a large table".into(),
                    format!("VACUUM (VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
        // B3: a large table on the server's scale factor.
        let recommended = SCALE_THRESHOLD + SCALE_FACTOR * t.reltuples.max(0.0);
        if t.reltuples >= LARGE_ROWS
            && !e.own_vacuum_scale_factor
            && s.vacuum_scale_factor >= 0.1
            && vt > 2.0 * recommended
        {
            out.push(self.finding(
                "scale_factor",
                if t.reltuples >= 10.0 * LARGE_ROWS { Severity::Warning } else { Severity::Info },
                names(t),
                format!(
                    "{} has {} rows and the server's autovacuum_vacuum_scale_factor {}: it is vacuumed only after {} dead tuples",
                    describe(t),
                    count(t.reltuples),
                    s.vacuum_scale_factor,
                    count(vt)
                ),
                format!(
                    "give it its own scale factor: vacuuming after {}% of its rows plus {} ({} dead tuples) keeps each vacuum short and the table from bloating between them",
                    SCALE_FACTOR * 100.0,
                    count(SCALE_THRESHOLD),
                    count(recommended)
                ),
                alter(
                    t,
                    "SET",
                    &[
                        ("autovacuum_vacuum_scale_factor", Some(&SCALE_FACTOR.to_string())),
                        ("autovacuum_vacuum_threshold", Some(&SCALE_THRESHOLD.to_string())),
                    ],
                ),
            ));
        }
        // B4: an insert-mostly table whose pages are rarely all-visible.
        let (ins, upd, del) = (
            t.n_tup_ins.unwrap_or(0.0),
            t.n_tup_upd.unwrap_or(0.0),
            t.n_tup_del.unwrap_or(0.0),
        );
        if t.kind == "r"
            && t.reltuples >= LARGE_ROWS
            && ins > 0.0
            && ins >= INSERT_SHARE * (ins + upd + del)
            && t.relpages > 0.0
            && t.relallvisible / t.relpages < ALL_VISIBLE_SHARE
            && !e.own_insert_scale_factor
        {
            let visible = t.relallvisible / t.relpages;
            let (recommendation, sql) = match st.thresholds.insert {
                Some(it) => (
                    format!(
                        "it is vacuumed for its inserts only after {} of them; a lower insert scale factor vacuums it sooner, which sets the visibility map (index-only scans) and freezes rows a little at a time",
                        count(it)
                    ),
                    alter(t, "SET", &[("autovacuum_vacuum_insert_scale_factor", Some(&SCALE_FACTOR.to_string()))]),
                ),
                None => (
                    "before PostgreSQL 13 inserts never trigger autovacuum: vacuum it on a schedule, which sets the visibility map (index-only scans) and freezes rows a little at a time".into(),
                    format!("VACUUM (VERBOSE) {target}"),
                ),
            };
            out.push(self.finding(
                "insert_mostly",
                Severity::Info,
                names(t),
                format!(
                    "{} is insert-mostly ({:.0}% of its row changes are inserts, {} rows) and only {:.0}% of its pages are all-visible",
                    describe(t),
                    100.0 * ins / (ins + upd + del),
                    count(t.reltuples),
                    100.0 * visible
                ),
                recommendation,
                sql,
            ));
        }
        // B6: estimated bloat.
        if let (Some(bloat), Some(share)) = (st.bloat_bytes, st.bloat_share(s)) {
            if t.table_bytes >= BLOAT_MIN_BYTES && share >= BLOAT_WARNING {
                let heap = t.relpages * s.block_size;
                out.push(self.finding(
                    "bloat",
                    if share >= BLOAT_CRITICAL { Severity::Critical } else { Severity::Warning },
                    names(t),
                    format!(
                        "{} had {} at its last vacuum or analyze, and its {} rows would fill about {}: an estimated {:.0}% ({}) is bloat",
                        describe(t),
                        size(heap),
                        count(t.reltuples.max(0.0)),
                        size(heap - bloat),
                        share * 100.0,
                        size(bloat)
                    ),
                    "rewrite it to give the space back: VACUUM FULL holds an ACCESS EXCLUSIVE lock for the whole rewrite (pg_repack does it online); then vacuum it more often (a lower scale factor) so that it does not bloat again".into(),
                    format!("VACUUM (FULL, VERBOSE, ANALYZE) {target}"),
                ));
            }
        }
        // B8: statistics stale although due.
        if let (Some(at), Some(modified)) = (st.thresholds.analyze, t.n_mod_since_analyze) {
            if modified > at {
                let last = last_of(t.last_analyze, t.last_autoanalyze);
                let disabled = !(auto_on && e.enabled);
                let old = last.is_some_and(|l| self.now_s - l > STALE_S);
                if disabled || old {
                    out.push(self.finding(
                        "stale_statistics",
                        Severity::Warning,
                        names(t),
                        format!(
                            "{} rows of {} changed since its last analyze ({}), past its analyze threshold of {}{}",
                            count(modified),
                            describe(t),
                            match last {
                                Some(l) => format!("{} ago", duration(self.now_s - l)),
                                None => "never".into(),
                            },
                            count(at),
                            if disabled { "; autovacuum will not analyze it" } else { "" }
                        ),
                        "analyze it now: the planner estimates from statistics that no longer describe the table".into(),
                        format!("ANALYZE {target}"),
                    ));
                }
            }
        }
        // B10 (live): a running vacuum that had to scan the indexes more than once.
        if let Some(n) = t.index_vacuum_count {
            if n > 1.0 {
                out.push(self.finding(
                    "vacuum_memory",
                    Severity::Warning,
                    names(t),
                    format!(
                        "the vacuum running on {} has scanned its indexes {} times: its dead tuples do not fit in autovacuum_work_mem ({})",
                        describe(t),
                        count(n),
                        size(s.work_mem_kb * 1024.0)
                    ),
                    "every extra pass reads every index again; give autovacuum more memory".into(),
                    format!(
                        "ALTER SYSTEM SET autovacuum_work_mem = '{:.0}MB'; SELECT pg_reload_conf()",
                        (s.work_mem_kb * n / 1024.0).ceil().clamp(64.0, 1024.0)
                    ),
                ));
            }
        }
    }

    /// B7: what holds the xmin horizon back.
    fn holders(&self, out: &mut Vec<Finding>) {
        let long = self.inputs.long_transaction_s;
        for h in &self.inputs.holders {
            let xmin = h.xmin_age.unwrap_or(0.0);
            let severity = if xmin > self.s.freeze_max_age {
                Severity::Critical
            } else {
                Severity::Warning
            };
            match h.kind.as_str() {
                "session" => {
                    let (Some(pid), Some(age)) = (h.pid, h.xact_age_s) else {
                        continue;
                    };
                    if age < long || h.xmin_age.is_none() {
                        continue;
                    }
                    let idle = h.state.as_deref() == Some("idle in transaction")
                        || h.state.as_deref() == Some("idle in transaction (aborted)");
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "pid {pid} ({}user {}, database {}) has {} a transaction open for {}, holding the xmin horizon {} transactions back: no vacuum anywhere can remove rows that died since",
                            if idle { "idle in transaction, " } else { "" },
                            h.user.as_deref().unwrap_or("?"),
                            h.database.as_deref().unwrap_or("?"),
                            if idle { "left" } else { "kept" },
                            duration(age),
                            count(xmin)
                        ),
                        if idle {
                            "end the session (or have the application commit); idle_in_transaction_session_timeout ends such sessions automatically".into()
                        } else {
                            "a long-running query or transaction: end it if it is not needed, or run it on a replica".into()
                        },
                        format!("SELECT pg_terminate_backend({pid})"),
                    ));
                }
                "prepared" => {
                    let (Some(age), Some(name), Some(lit)) = (h.xact_age_s, &h.name, &h.name_sql)
                    else {
                        continue;
                    };
                    if age < long {
                        continue;
                    }
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "prepared transaction {name} (database {}) was prepared {} ago and holds the xmin horizon {} transactions back",
                            h.database.as_deref().unwrap_or("?"),
                            duration(age),
                            count(xmin)
                        ),
                        "commit or roll it back (connected to its database); a prepared transaction outlives sessions and restarts until someone does".into(),
                        format!("ROLLBACK PREPARED {lit}"),
                    ));
                }
                "slot" => {
                    let (Some(name), Some(lit)) = (&h.name, &h.name_sql) else {
                        continue;
                    };
                    if h.active == Some(true) || h.xmin_age.is_none() {
                        continue;
                    }
                    out.push(self.finding(
                        "xmin_horizon",
                        severity,
                        (None, None),
                        format!(
                            "inactive replication slot {name} holds the xmin horizon {} transactions back",
                            count(xmin)
                        ),
                        "drop the slot if its consumer is gone (it also keeps WAL); otherwise bring the consumer back".into(),
                        format!("SELECT pg_drop_replication_slot({lit})"),
                    ));
                }
                _ => {}
            }
        }
    }

    /// C3: cost settings that throttle autovacuum below what the tables need.
    fn cost(&self, statuses: &[Status], out: &mut Vec<Finding>) {
        let s = self.s;
        let behind = out.iter().any(|f| {
            matches!(
                f.rule,
                "vacuum_behind" | "xid_wraparound" | "mxid_wraparound"
            )
        });
        if !(s.autovacuum && s.cost_limit <= LOW_COST_LIMIT) {
            return;
        }
        let long_delay = s.cost_delay_ms >= LONG_COST_DELAY_MS;
        if !(long_delay || behind) {
            return;
        }
        let read = s
            .mb_per_s(s.page_miss)
            .map_or("unthrottled".into(), |m| format!("{m:.1} MB/s"));
        let dirty = s
            .mb_per_s(s.page_dirty)
            .map_or("unthrottled".into(), |m| format!("{m:.1} MB/s"));
        let mut sql = vec!["ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 1000".to_string()];
        if long_delay {
            sql.push("ALTER SYSTEM SET autovacuum_vacuum_cost_delay = '2ms'".into());
        }
        sql.push("SELECT pg_reload_conf()".into());
        out.push(self.finding(
            "cost_throttled",
            Severity::Warning,
            (None, None),
            format!(
                "autovacuum's cost settings (limit {}, delay {} ms) let all workers together read at most {read} and dirty {dirty}{}; {} tables here",
                count(s.cost_limit),
                s.cost_delay_ms,
                if behind { ", and some tables are falling behind" } else { "" },
                count(statuses.len() as f64)
            ),
            "raise the cost limit (it is shared by all workers) and keep the delay short: 1000 with 2 ms lets autovacuum do five times the work on any modern storage".into(),
            sql.join("; "),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            f[0].sql,
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
            f[0].sql,
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
            f[0].sql,
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
            f[0].sql,
            "ALTER TABLE public.events SET (autovacuum_vacuum_insert_scale_factor = 0.01)"
        );
        // Before 13: vacuum it on a schedule.
        let f12 = findings(&inputs(120000, vec![t.clone()]));
        assert_eq!(f12[0].sql, "VACUUM (VERBOSE) public.events");
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
        assert!(
            rules(&inputs(150004, vec![t.clone()])).contains(&("vacuum_behind", Severity::Warning))
        );
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
        assert_eq!(f[0].sql, "ANALYZE public.measurements");
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
        let sql: Vec<&str> = f.iter().map(|f| f.sql.as_str()).collect();
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
        assert!(findings(&i).iter().any(|f| f.sql.contains("(77)")));
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
            f[0].sql,
            "ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf()"
        );
        // A 20 ms delay with the 200 limit (the pre-12 default): throttled.
        let mut i = inputs(150004, vec![]);
        i.settings
            .insert("autovacuum_vacuum_cost_delay".into(), "20".into());
        let f = findings(&i);
        assert_eq!(f[0].rule, "cost_throttled");
        assert!(f[0].finding.contains("39.1 MB/s"), "{}", f[0].finding);
        assert!(f[0].sql.contains("autovacuum_vacuum_cost_delay = '2ms'"));
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
}
