//! What the rules look at, as the SQL surface gathers it: the tables (sent column by
//! column), databases and xmin holders, deserialized from one JSON document.

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
    /// One array per column in JSON (see `table_columns!`).
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
