//! Configuration advice (pure Rust): what PGTune's formulas recommend for this host and
//! workload, made into values this server accepts.
//!
//! The formulas are PGTune's (le0pard/pgtune, configurationSlice.js): memory fractions of
//! RAM, WAL sizes by workload, planner costs and I/O concurrency by storage, parallelism from
//! the CPU count, JIT off for short queries. What pg_vitals adds:
//! - every value is converted to the setting's own unit and clamped to its `min_val` /
//!   `max_val` (or checked against `enumvals`), so that the server accepts it (PGTune once
//!   proposed a work_mem below the minimum and servers refused to start);
//! - a setting within 5% of the recommendation is reported as fine and left alone;
//! - a whole-server memory check: shared_buffers + max_connections x work_mem x 1.5 +
//!   autovacuum workers x their memory, against RAM, with the current and with the
//!   recommended settings;
//! - nothing that trades durability for speed (fsync, synchronous_commit, full_page_writes)
//!   and nothing that turns off replication (PGTune's wal_level = minimal for desktops).

mod host;
mod memory;
mod pgtune;
#[cfg(test)]
mod tests;
mod units;

pub use host::{cgroup_cpu_limit, cgroup_memory_limit, cgroup_v2_path, meminfo_total, Host};
pub use units::parse_memory;

use crate::advice::{setting_memory, Severity};
use memory::memory_check;
use pgtune::{targets, Target};
use serde::Deserialize;
use std::fmt;
use units::{current_number, number_text, quote_literal, show, unit_bytes, MB};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Web,
    Oltp,
    Dw,
    Desktop,
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Hdd,
    Ssd,
    San,
    Nvme,
}

pub const WORKLOADS: &str = "web, oltp, dw, desktop, mixed";
pub const STORAGES: &str = "hdd, ssd, san, nvme";

impl Workload {
    pub fn parse(s: &str) -> Result<Workload, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "web" => Workload::Web,
            "oltp" => Workload::Oltp,
            "dw" => Workload::Dw,
            "desktop" => Workload::Desktop,
            "mixed" => Workload::Mixed,
            _ => {
                return Err(format!(
                    "unknown workload \"{s}\"; accepted values: {WORKLOADS}"
                ))
            }
        })
    }
}

impl Storage {
    pub fn parse(s: &str) -> Result<Storage, String> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "hdd" => Storage::Hdd,
            "ssd" => Storage::Ssd,
            "san" => Storage::San,
            "nvme" => Storage::Nvme,
            _ => {
                return Err(format!(
                    "unknown storage \"{s}\"; accepted values: {STORAGES}"
                ))
            }
        })
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Workload::Web => "web",
            Workload::Oltp => "oltp",
            Workload::Dw => "dw",
            Workload::Desktop => "desktop",
            Workload::Mixed => "mixed",
        })
    }
}

/// One row of pg_settings.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PgSetting {
    pub name: String,
    pub setting: String,
    pub unit: Option<String>,
    pub vartype: String,
    pub context: String,
    pub min_val: Option<String>,
    pub max_val: Option<String>,
    pub enumvals: Option<Vec<String>>,
}

/// What the caller asked for, with the host's numbers filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    pub workload: Workload,
    pub storage: Storage,
    pub memory_bytes: f64,
    pub cpus: f64,
    pub max_connections: f64,
    pub version: u32,
}

/// One row of `vitals.config_advice`.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub name: String,
    /// As SHOW prints it, with a unit where it has one ("128MB").
    pub current_value: String,
    pub recommended_value: String,
    /// The recommendation in the setting's own unit, as pg_settings.setting holds it.
    pub recommended_setting: String,
    pub unit: Option<String>,
    /// None: within 5% of the recommendation (fine, nothing to change).
    pub severity: Option<Severity>,
    pub reason: String,
    pub requires_restart: bool,
    /// `ALTER SYSTEM SET ...`; None when fine.
    pub sql: Option<String>,
}

/// The recommendations for this server, each made acceptable to it, and the memory check.
pub fn advise(r: &Request, settings: &[PgSetting]) -> Vec<Advice> {
    let find = |name: &str| settings.iter().find(|s| s.name == name);
    let mut out = Vec::new();
    for (name, target, why) in targets(r) {
        // A setting this server does not have (older version) is skipped.
        let Some(s) = find(name) else { continue };
        let Some(a) = recommend(s, &target, why) else {
            continue;
        };
        out.push(a);
    }
    out.push(memory_check(r, settings, &out));
    out
}

/// One recommendation in the setting's unit and bounds, compared with the current value.
fn recommend(s: &PgSetting, target: &Target, why: String) -> Option<Advice> {
    let min = s.min_val.as_deref().and_then(|v| v.parse::<f64>().ok());
    let max = s.max_val.as_deref().and_then(|v| v.parse::<f64>().ok());
    let clamp = |v: f64| -> (f64, bool) {
        let c = v
            .max(min.unwrap_or(f64::NEG_INFINITY))
            .min(max.unwrap_or(f64::INFINITY));
        (c, c != v)
    };
    let (setting_value, text, clamped, numeric) = match target {
        Target::Word(w) => {
            let ok = s
                .enumvals
                .as_ref()
                .is_some_and(|e| e.iter().any(|v| v == w))
                || (s.vartype == "bool" && matches!(*w, "on" | "off"));
            if !ok {
                return None;
            }
            (w.to_string(), w.to_string(), false, None)
        }
        Target::Bytes(bytes) => {
            let per = unit_bytes(s.unit.as_deref()?)?;
            // Whole megabytes from 64MB on: "6026MB" rather than "6170880kB" (under 0.02%).
            let bytes = if *bytes >= 64.0 * MB {
                (bytes / MB).floor() * MB
            } else {
                *bytes
            };
            let (units, clamped) = clamp((bytes / per).floor());
            let units = if s.vartype == "integer" {
                units.floor()
            } else {
                units
            };
            (
                number_text(units),
                setting_memory(units * per),
                clamped,
                Some(units),
            )
        }
        Target::Number(n) => {
            let v = if s.vartype == "integer" {
                n.round()
            } else {
                *n
            };
            let (v, clamped) = clamp(v);
            (number_text(v), number_text(v), clamped, Some(v))
        }
    };
    let current = current_number(s);
    let fine = match (numeric, current) {
        (Some(rec), Some(cur)) => (cur - rec).abs() <= 0.05 * rec.abs().max(f64::MIN_POSITIVE),
        _ => s.setting == setting_value,
    };
    // How far off: more than twice or under half of the recommendation is a warning.
    let severity = if fine {
        None
    } else {
        match (numeric, current) {
            (Some(rec), Some(cur))
                if rec > 0.0 && cur > 0.0 && (cur / rec > 2.0 || rec / cur > 2.0) =>
            {
                Some(Severity::Warning)
            }
            _ => Some(Severity::Info),
        }
    };
    let mut reason = why;
    if clamped {
        reason.push_str(&format!(
            " (limited to the server's range {}..{})",
            s.min_val.as_deref().unwrap_or("?"),
            s.max_val.as_deref().unwrap_or("?")
        ));
    }
    if fine {
        reason = format!("fine: within 5% of the recommendation; {reason}");
    }
    let restart = s.context == "postmaster";
    Some(Advice {
        name: s.name.clone(),
        current_value: show(s),
        recommended_value: text.clone(),
        recommended_setting: setting_value,
        unit: s.unit.clone(),
        severity,
        reason,
        requires_restart: restart,
        sql: (!fine).then(|| format!("ALTER SYSTEM SET {} = {}", s.name, quote_literal(&text))),
    })
}
