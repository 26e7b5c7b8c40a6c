//! The server settings autovacuum acts on, and a table's settings after its reloptions
//! override them (as `relation_needs_vacanalyze` reads them).

use super::inputs::Table;
use std::collections::HashMap;

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
