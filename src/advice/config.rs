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

use super::{size, Severity};
use serde::Deserialize;
use std::fmt;

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

/// A memory size as PostgreSQL writes them ("24GB", "512 MB", "1024kB", "1.5GB", a plain
/// number of bytes), in bytes. Units are 1024-based; case is not significant.
pub fn parse_memory(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(t.len());
    let (number, unit) = (t[..split].trim(), t[split..].trim());
    let accepted = "a number with one of the units B, kB, MB, GB, TB (for example '24GB')";
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid memory size \"{s}\": expected {accepted}"))?;
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "invalid memory size \"{s}\": unknown unit \"{unit}\"; expected {accepted}"
            ))
        }
    };
    let bytes = value * factor;
    if !bytes.is_finite() || bytes <= 0.0 {
        return Err(format!("invalid memory size \"{s}\": it must be positive"));
    }
    if bytes < 64.0 * 1024.0 * 1024.0 {
        return Err(format!(
            "memory size \"{s}\" is too small for a PostgreSQL server (at least 64MB)"
        ));
    }
    Ok(bytes)
}

/// The host as the server process sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Host {
    pub memory_bytes: f64,
    pub cpus: f64,
    /// Where the numbers came from, for the reason text ("cgroup memory.max", "/proc/meminfo").
    pub memory_source: &'static str,
    pub cpu_source: &'static str,
}

/// MemTotal from /proc/meminfo, in bytes.
pub fn meminfo_total(meminfo: &str) -> Option<f64> {
    meminfo.lines().find_map(|l| {
        let rest = l.strip_prefix("MemTotal:")?;
        let kb: f64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024.0)
    })
}

/// A cgroup memory limit (v2 memory.max or v1 memory.limit_in_bytes): None when unlimited
/// ("max", or v1's near-2^63 "no limit").
pub fn cgroup_memory_limit(text: &str) -> Option<f64> {
    let t = text.trim();
    if t == "max" {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    (v > 0.0 && v < 1e18).then_some(v)
}

/// CPUs a cgroup v2 cpu.max quota allows ("200000 100000" is 2): None when unlimited.
pub fn cgroup_cpu_limit(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let quota = parts.next()?;
    let period: f64 = parts.next()?.parse().ok()?;
    if quota == "max" || period <= 0.0 {
        return None;
    }
    let quota: f64 = quota.parse().ok()?;
    (quota > 0.0).then(|| (quota / period).ceil().max(1.0))
}

/// The relative path of this process's cgroup v2 from /proc/self/cgroup ("0::/path").
pub fn cgroup_v2_path(proc_self_cgroup: &str) -> Option<&str> {
    proc_self_cgroup
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(str::trim)
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

/// A recommended value before it meets the setting's unit and bounds.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// Bytes (memory settings).
    Bytes(f64),
    /// A plain number in the setting's own unit (or unitless).
    Number(f64),
    /// An enum or boolean value.
    Word(&'static str),
}

const KB: f64 = 1024.0;
const MB: f64 = 1024.0 * 1024.0;
const GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes in one unit of a memory setting ("8kB" -> 8192).
fn unit_bytes(unit: &str) -> Option<f64> {
    let split = unit.find(|c: char| !c.is_ascii_digit()).unwrap_or(0);
    let n: f64 = if split == 0 {
        1.0
    } else {
        unit[..split].parse().ok()?
    };
    let base = match &unit[split..] {
        "B" => 1.0,
        "kB" => KB,
        "MB" => MB,
        "GB" => GB,
        "TB" => GB * 1024.0,
        _ => return None,
    };
    Some(n * base)
}

/// Bytes as a memory setting is best written: the largest unit that divides it.
fn memory_text(bytes: f64) -> String {
    for (unit, factor) in [("TB", GB * 1024.0), ("GB", GB), ("MB", MB), ("kB", KB)] {
        if bytes >= factor && (bytes / factor).fract() == 0.0 {
            return format!("{:.0}{unit}", bytes / factor);
        }
    }
    format!("{:.0}B", bytes)
}

/// A number as PostgreSQL prints settings (no trailing ".0").
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The PGTune recommendations, in rule order: (setting, target, why).
fn targets(r: &Request) -> Vec<(&'static str, Target, String)> {
    use Workload::*;
    let ram = r.memory_bytes;
    let mut out: Vec<(&'static str, Target, String)> = Vec::new();
    let ram_text = size(ram);
    let shared_buffers = if r.workload == Desktop {
        ram / 16.0
    } else {
        ram / 4.0
    };
    out.push((
        "shared_buffers",
        Target::Bytes(shared_buffers),
        format!(
            "{} of RAM ({ram_text}) for PostgreSQL's own cache; the rest stays for the OS cache and connections",
            if r.workload == Desktop { "1/16" } else { "1/4" }
        ),
    ));
    out.push((
        "effective_cache_size",
        Target::Bytes(if r.workload == Desktop { ram / 4.0 } else { ram * 3.0 / 4.0 }),
        "what the planner may assume is cached (shared_buffers and the OS cache): it allocates nothing".into(),
    ));
    let maintenance = (if r.workload == Dw {
        ram / 8.0
    } else {
        ram / 16.0
    })
    .min(8.0 * GB);
    out.push((
        "maintenance_work_mem",
        Target::Bytes(maintenance),
        format!(
            "{} of RAM, at most 8GB: faster VACUUM, CREATE INDEX and ALTER TABLE",
            if r.workload == Dw { "1/8" } else { "1/16" }
        ),
    ));
    out.push((
        "checkpoint_completion_target",
        Target::Number(0.9),
        "spread checkpoint writes over 90% of the interval".into(),
    ));
    let wal_buffers = {
        let v = (shared_buffers * 3.0 / 100.0).min(16.0 * MB);
        if v > 14.0 * MB {
            16.0 * MB
        } else {
            v.max(32.0 * KB)
        }
    };
    out.push((
        "wal_buffers",
        Target::Bytes(wal_buffers),
        "3% of shared_buffers, at most 16MB".into(),
    ));
    let (min_wal, max_wal) = match r.workload {
        Web | Mixed => (1.0 * GB, 4.0 * GB),
        Oltp => (2.0 * GB, 8.0 * GB),
        Dw => (4.0 * GB, 16.0 * GB),
        Desktop => (100.0 * MB, 2.0 * GB),
    };
    out.push((
        "min_wal_size",
        Target::Bytes(min_wal),
        "WAL kept for reuse between checkpoints, by workload".into(),
    ));
    out.push((
        "max_wal_size",
        Target::Bytes(max_wal),
        "fewer checkpoints forced by WAL volume, by workload".into(),
    ));
    out.push((
        "default_statistics_target",
        Target::Number(if r.workload == Dw { 500.0 } else { 100.0 }),
        if r.workload == Dw {
            "larger samples for the complex estimates of analytical queries".into()
        } else {
            "the default sample size suits short queries".into()
        },
    ));
    let (random_page_cost, io) = match r.storage {
        Storage::Hdd => (4.0, 2.0),
        Storage::Ssd => (1.1, 200.0),
        Storage::San => (1.1, 300.0),
        Storage::Nvme => (1.1, 1000.0),
    };
    out.push((
        "random_page_cost",
        Target::Number(random_page_cost),
        if r.storage == Storage::Hdd {
            "random reads cost four sequential ones on spinning disks".into()
        } else {
            "random reads cost about as much as sequential ones on flash storage".into()
        },
    ));
    out.push((
        "effective_io_concurrency",
        Target::Number(io),
        "concurrent I/O requests the storage serves well (bitmap heap scans prefetch that many pages)".into(),
    ));
    // Parallelism from 4 CPUs.
    let parallel = r.cpus >= 4.0;
    let worker_processes = if parallel { r.cpus } else { 8.0 };
    if parallel {
        let per_gather = (r.cpus / 2.0).ceil();
        out.push((
            "max_worker_processes",
            Target::Number(r.cpus),
            format!("one background worker per CPU ({})", r.cpus),
        ));
        out.push((
            "max_parallel_workers_per_gather",
            Target::Number(if r.workload == Dw {
                per_gather
            } else {
                per_gather.min(4.0)
            }),
            "half the CPUs for one query, at most 4 except for analytics".into(),
        ));
        out.push((
            "max_parallel_workers",
            Target::Number(r.cpus),
            "all CPUs for parallel queries together".into(),
        ));
        out.push((
            "max_parallel_maintenance_workers",
            Target::Number(per_gather.min(4.0)),
            "half the CPUs, at most 4, for parallel index builds and vacuum".into(),
        ));
    }
    let work_mem = {
        let base = (ram - shared_buffers) / ((r.max_connections + worker_processes) * 3.0);
        let v = match r.workload {
            Web | Oltp => base,
            Dw | Mixed => base / 2.0,
            Desktop => base / 6.0,
        };
        (v / KB).floor().max(4.0 * KB) * KB
    };
    out.push((
        "work_mem",
        Target::Bytes(work_mem),
        format!(
            "(RAM - shared_buffers) / ((max_connections {} + workers {}) x 3){}, at least 4MB: each sort or hash of each connection may use that much",
            number_text(r.max_connections),
            number_text(worker_processes),
            match r.workload {
                Web | Oltp => "",
                Dw | Mixed => " / 2",
                Desktop => " / 6",
            }
        ),
    ));
    if shared_buffers >= 2.0 * GB {
        out.push((
            "huge_pages",
            Target::Word("try"),
            "large shared_buffers map with fewer page-table entries in huge pages (used when the OS has them reserved)".into(),
        ));
    }
    if r.version >= 120000 && matches!(r.workload, Web | Oltp | Mixed) {
        out.push((
            "jit",
            Target::Word("off"),
            "JIT compilation costs more than it saves on short queries".into(),
        ));
    }
    if r.cpus >= 16.0 {
        out.push((
            "autovacuum_max_workers",
            Target::Number(if r.cpus >= 32.0 { 5.0 } else { 4.0 }),
            "more tables vacuumed at once on a large server (they share the cost limit)".into(),
        ));
    }
    if maintenance >= 2.0 * GB {
        out.push((
            "autovacuum_work_mem",
            Target::Bytes(2.0 * GB),
            "each autovacuum worker would otherwise take maintenance_work_mem: at most 2GB each"
                .into(),
        ));
    }
    out
}

/// A setting's value in bytes or as a number, from pg_settings.
fn current_number(s: &PgSetting) -> Option<f64> {
    s.setting.parse().ok()
}

/// How SHOW prints a setting: with its unit for memory settings.
fn show(s: &PgSetting) -> String {
    match (&s.unit, current_number(s)) {
        (Some(u), Some(n)) if unit_bytes(u).is_some() => {
            if n < 0.0 {
                number_text(n)
            } else {
                memory_text(n * unit_bytes(u).unwrap_or(1.0))
            }
        }
        (Some(u), Some(n)) if u == "ms" || u == "s" || u == "min" => {
            format!("{}{u}", number_text(n))
        }
        _ => s.setting.clone(),
    }
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
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
                memory_text(units * per),
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

/// Peak memory: shared_buffers + max_connections x work_mem x 1.5 + autovacuum workers x
/// their memory (autovacuum_work_mem, or maintenance_work_mem when -1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub shared_buffers: f64,
    pub work_mem: f64,
    pub connections: f64,
    pub autovacuum_workers: f64,
    pub autovacuum_mem: f64,
}

impl Memory {
    pub fn peak(&self) -> f64 {
        self.shared_buffers
            + self.connections * self.work_mem * 1.5
            + self.autovacuum_workers * self.autovacuum_mem
    }
}

fn bytes_of(s: Option<&PgSetting>) -> Option<f64> {
    let s = s?;
    let n = current_number(s)?;
    Some(n * unit_bytes(s.unit.as_deref()?)?)
}

fn memory_with(settings: &[PgSetting], rec: Option<&[Advice]>, connections: f64) -> Memory {
    let get = |name: &str| -> Option<f64> {
        let s = settings.iter().find(|s| s.name == name);
        let recommended = rec.and_then(|r| r.iter().find(|a| a.name == name));
        match (recommended, s) {
            (Some(a), Some(s)) => {
                let n: f64 = a.recommended_setting.parse().ok()?;
                Some(n * s.unit.as_deref().and_then(unit_bytes).unwrap_or(1.0))
            }
            _ => bytes_of(s),
        }
    };
    let plain = |name: &str| -> Option<f64> {
        let recommended = rec.and_then(|r| r.iter().find(|a| a.name == name));
        match recommended {
            Some(a) => a.recommended_setting.parse().ok(),
            None => settings
                .iter()
                .find(|s| s.name == name)
                .and_then(current_number),
        }
    };
    let maintenance = get("maintenance_work_mem").unwrap_or(64.0 * MB);
    let av = get("autovacuum_work_mem")
        .filter(|v| *v > 0.0)
        .unwrap_or(maintenance);
    Memory {
        shared_buffers: get("shared_buffers").unwrap_or(0.0),
        work_mem: get("work_mem").unwrap_or(4.0 * MB),
        connections,
        autovacuum_workers: plain("autovacuum_max_workers").unwrap_or(3.0),
        autovacuum_mem: av,
    }
}

/// The whole-server memory check, as one row: the peak with the current settings and with
/// the recommended ones, against RAM.
fn memory_check(r: &Request, settings: &[PgSetting], advice: &[Advice]) -> Advice {
    let current_connections = settings
        .iter()
        .find(|s| s.name == "max_connections")
        .and_then(current_number)
        .unwrap_or(r.max_connections);
    let now = memory_with(settings, None, current_connections);
    let then = memory_with(settings, Some(advice), r.max_connections);
    let share = |m: &Memory| m.peak() / r.memory_bytes;
    let severity = |m: &Memory| {
        if share(m) > 1.0 {
            Some(Severity::Critical)
        } else if share(m) > 0.8 {
            Some(Severity::Warning)
        } else {
            None
        }
    };
    let describe = |m: &Memory| {
        format!(
            "{} = shared_buffers {} + {} connections x work_mem {} x 1.5 + {} autovacuum workers x {}",
            size(m.peak()),
            size(m.shared_buffers),
            number_text(m.connections),
            size(m.work_mem),
            number_text(m.autovacuum_workers),
            size(m.autovacuum_mem)
        )
    };
    Advice {
        name: "(memory check)".into(),
        current_value: format!("{} ({:.0}% of RAM)", size(now.peak()), 100.0 * share(&now)),
        recommended_value: format!("{} ({:.0}% of RAM)", size(then.peak()), 100.0 * share(&then)),
        recommended_setting: format!("{:.0}", then.peak()),
        unit: Some("B".into()),
        severity: severity(&now),
        reason: format!(
            "peak memory against RAM {} (over 80% is a warning, over 100% critical): now {}; with the recommendations {}",
            size(r.memory_bytes),
            describe(&now),
            describe(&then)
        ),
        requires_restart: false,
        sql: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings of a PostgreSQL 15 server at its defaults, as pg_settings shows them.
    fn pg15() -> Vec<PgSetting> {
        let s = |name: &str,
                 setting: &str,
                 unit: Option<&str>,
                 vartype: &str,
                 context: &str,
                 min: Option<&str>,
                 max: Option<&str>,
                 enumvals: Option<&[&str]>| PgSetting {
            name: name.into(),
            setting: setting.into(),
            unit: unit.map(Into::into),
            vartype: vartype.into(),
            context: context.into(),
            min_val: min.map(Into::into),
            max_val: max.map(Into::into),
            enumvals: enumvals.map(|e| e.iter().map(|v| v.to_string()).collect()),
        };
        vec![
            s(
                "shared_buffers",
                "16384",
                Some("8kB"),
                "integer",
                "postmaster",
                Some("16"),
                Some("1073741823"),
                None,
            ),
            s(
                "effective_cache_size",
                "524288",
                Some("8kB"),
                "integer",
                "user",
                Some("1"),
                Some("2147483647"),
                None,
            ),
            s(
                "maintenance_work_mem",
                "65536",
                Some("kB"),
                "integer",
                "user",
                Some("1024"),
                Some("2147483647"),
                None,
            ),
            s(
                "checkpoint_completion_target",
                "0.9",
                None,
                "real",
                "sighup",
                Some("0"),
                Some("1"),
                None,
            ),
            s(
                "wal_buffers",
                "512",
                Some("8kB"),
                "integer",
                "postmaster",
                Some("-1"),
                Some("262143"),
                None,
            ),
            s(
                "min_wal_size",
                "80",
                Some("MB"),
                "integer",
                "sighup",
                Some("2"),
                Some("2147483647"),
                None,
            ),
            s(
                "max_wal_size",
                "1024",
                Some("MB"),
                "integer",
                "sighup",
                Some("2"),
                Some("2147483647"),
                None,
            ),
            s(
                "default_statistics_target",
                "100",
                None,
                "integer",
                "user",
                Some("1"),
                Some("10000"),
                None,
            ),
            s(
                "random_page_cost",
                "4",
                None,
                "real",
                "user",
                Some("0"),
                Some("1.79769e+308"),
                None,
            ),
            s(
                "effective_io_concurrency",
                "1",
                None,
                "integer",
                "user",
                Some("0"),
                Some("1000"),
                None,
            ),
            s(
                "max_worker_processes",
                "8",
                None,
                "integer",
                "postmaster",
                Some("0"),
                Some("262143"),
                None,
            ),
            s(
                "max_parallel_workers_per_gather",
                "2",
                None,
                "integer",
                "user",
                Some("0"),
                Some("1024"),
                None,
            ),
            s(
                "max_parallel_workers",
                "8",
                None,
                "integer",
                "user",
                Some("0"),
                Some("1024"),
                None,
            ),
            s(
                "max_parallel_maintenance_workers",
                "2",
                None,
                "integer",
                "user",
                Some("0"),
                Some("1024"),
                None,
            ),
            s(
                "work_mem",
                "4096",
                Some("kB"),
                "integer",
                "user",
                Some("64"),
                Some("2147483647"),
                None,
            ),
            s(
                "huge_pages",
                "try",
                None,
                "enum",
                "postmaster",
                None,
                None,
                Some(&["off", "on", "try"]),
            ),
            s("jit", "on", None, "bool", "user", None, None, None),
            s(
                "autovacuum_max_workers",
                "3",
                None,
                "integer",
                "postmaster",
                Some("1"),
                Some("262143"),
                None,
            ),
            s(
                "autovacuum_work_mem",
                "-1",
                Some("kB"),
                "integer",
                "sighup",
                Some("-1"),
                Some("2147483647"),
                None,
            ),
            s(
                "max_connections",
                "100",
                None,
                "integer",
                "postmaster",
                Some("1"),
                Some("262143"),
                None,
            ),
        ]
    }

    fn request(workload: Workload, storage: Storage, gb: f64, cpus: f64, conns: f64) -> Request {
        Request {
            workload,
            storage,
            memory_bytes: gb * GB,
            cpus,
            max_connections: conns,
            version: 150004,
        }
    }

    fn get<'a>(a: &'a [Advice], name: &str) -> &'a Advice {
        a.iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn pgtune_values_for_an_oltp_server() {
        // PGTune for PostgreSQL 15, Linux, OLTP, 16 GB, 8 CPUs, 200 connections, SSD:
        // shared_buffers 4GB, effective_cache_size 12GB, maintenance_work_mem 1GB,
        // wal_buffers 16MB, random_page_cost 1.1, effective_io_concurrency 200,
        // work_mem (16GB - 4GB) / ((200 + 8) x 3) = 20164kB, min/max_wal_size 2GB/8GB,
        // parallel 8/4/8/4.
        let a = advise(
            &request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0),
            &pg15(),
        );
        let v = |n: &str| get(&a, n).recommended_value.clone();
        assert_eq!(v("shared_buffers"), "4GB");
        assert_eq!(get(&a, "shared_buffers").recommended_setting, "524288");
        assert_eq!(v("effective_cache_size"), "12GB");
        assert_eq!(v("maintenance_work_mem"), "1GB");
        assert_eq!(v("wal_buffers"), "16MB");
        assert_eq!(v("random_page_cost"), "1.1");
        assert_eq!(v("effective_io_concurrency"), "200");
        assert_eq!(v("work_mem"), "20164kB");
        assert_eq!(
            (v("min_wal_size"), v("max_wal_size")),
            ("2GB".into(), "8GB".into())
        );
        assert_eq!(v("max_worker_processes"), "8");
        assert_eq!(v("max_parallel_workers_per_gather"), "4");
        assert_eq!(v("max_parallel_maintenance_workers"), "4");
        assert_eq!(v("huge_pages"), "try");
        assert_eq!(v("jit"), "off");
        // 0.9 is already the default: fine, nothing to run.
        let cct = get(&a, "checkpoint_completion_target");
        assert_eq!((cct.severity, cct.sql.as_deref()), (None, None));
        assert!(cct.reason.starts_with("fine"));
        // shared_buffers from 128MB to 4GB: a warning, and it needs a restart.
        let sb = get(&a, "shared_buffers");
        assert_eq!(sb.severity, Some(Severity::Warning));
        assert!(sb.requires_restart);
        assert_eq!(
            sb.sql.as_deref(),
            Some("ALTER SYSTEM SET shared_buffers = '4GB'")
        );
        assert_eq!(sb.current_value, "128MB");
    }

    #[test]
    fn memory_values_in_whole_megabytes() {
        // This machine's MemTotal: 24,683,520 kB; a quarter is 6,026.25 MB.
        let r = Request {
            memory_bytes: 24_683_520.0 * KB,
            ..request(Workload::Oltp, Storage::Ssd, 1.0, 2.0, 100.0)
        };
        let a = advise(&r, &pg15());
        assert_eq!(get(&a, "shared_buffers").recommended_value, "6026MB");
        assert_eq!(
            get(&a, "shared_buffers").recommended_setting,
            (6026 * 128).to_string()
        );
        assert_eq!(get(&a, "effective_cache_size").recommended_value, "18078MB");
        // Below 64MB the kilobytes stay: work_mem keeps its formula's value.
        assert!(get(&a, "work_mem").recommended_value.ends_with("kB"));
    }

    #[test]
    fn workloads_and_storage() {
        let dw = advise(
            &request(Workload::Dw, Storage::Hdd, 64.0, 16.0, 40.0),
            &pg15(),
        );
        assert_eq!(get(&dw, "maintenance_work_mem").recommended_value, "8GB");
        assert_eq!(
            get(&dw, "default_statistics_target").recommended_value,
            "500"
        );
        assert_eq!(get(&dw, "random_page_cost").recommended_value, "4");
        assert_eq!(get(&dw, "effective_io_concurrency").recommended_value, "2");
        assert_eq!(
            get(&dw, "max_parallel_workers_per_gather").recommended_value,
            "8"
        );
        assert_eq!(get(&dw, "autovacuum_max_workers").recommended_value, "4");
        assert_eq!(get(&dw, "autovacuum_work_mem").recommended_value, "2GB");
        assert!(
            dw.iter().all(|a| a.name != "jit"),
            "no JIT change for analytics"
        );
        let desk = advise(
            &request(Workload::Desktop, Storage::Nvme, 8.0, 2.0, 20.0),
            &pg15(),
        );
        assert_eq!(get(&desk, "shared_buffers").recommended_value, "512MB");
        assert_eq!(get(&desk, "effective_cache_size").recommended_value, "2GB");
        assert_eq!(
            get(&desk, "effective_io_concurrency").recommended_value,
            "1000"
        );
        assert!(
            desk.iter().all(|a| a.name != "max_worker_processes"),
            "no parallel below 4 CPUs"
        );
        // Durability and replication settings are never touched.
        for a in [&dw, &desk] {
            assert!(a.iter().all(|x| !matches!(
                x.name.as_str(),
                "fsync" | "synchronous_commit" | "full_page_writes" | "wal_level"
            )));
        }
    }

    #[test]
    fn values_the_server_accepts() {
        // work_mem on a tiny host with many connections: at least 4MB, never below min_val.
        let a = advise(
            &request(Workload::Desktop, Storage::Ssd, 0.25, 1.0, 1000.0),
            &pg15(),
        );
        assert_eq!(get(&a, "work_mem").recommended_value, "4MB");
        // A server whose maximum is lower than PGTune's value: clamped, and said so.
        let mut s = pg15();
        s.iter_mut()
            .find(|x| x.name == "effective_io_concurrency")
            .unwrap()
            .max_val = Some("100".into());
        let a = advise(
            &request(Workload::Oltp, Storage::Nvme, 16.0, 8.0, 100.0),
            &s,
        );
        let io = get(&a, "effective_io_concurrency");
        assert_eq!(io.recommended_value, "100");
        assert!(
            io.reason.contains("limited to the server's range 0..100"),
            "{}",
            io.reason
        );
        // Every recommendation lies within the setting's bounds, in its own unit.
        for a in advise(
            &request(Workload::Web, Storage::San, 96.0, 64.0, 500.0),
            &pg15(),
        ) {
            let Some(st) = pg15().into_iter().find(|s| s.name == a.name) else {
                continue;
            };
            if let (Ok(v), Some(min), Some(max)) = (
                a.recommended_setting.parse::<f64>(),
                st.min_val.and_then(|m| m.parse::<f64>().ok()),
                st.max_val.and_then(|m| m.parse::<f64>().ok()),
            ) {
                assert!(
                    v >= min && v <= max,
                    "{} = {v} outside {min}..{max}",
                    a.name
                );
            }
            if let Some(e) = st.enumvals {
                assert!(e.contains(&a.recommended_setting), "{}", a.name);
            }
        }
        // An enum value the server lacks is not recommended.
        let mut s = pg15();
        s.iter_mut()
            .find(|x| x.name == "huge_pages")
            .unwrap()
            .enumvals = Some(vec!["off".into(), "on".into()]);
        let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 100.0), &s);
        assert!(a.iter().all(|x| x.name != "huge_pages"));
        // A setting the server does not have (an older version) is skipped.
        let mut s = pg15();
        s.retain(|x| x.name != "max_parallel_maintenance_workers");
        let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 100.0), &s);
        assert!(a
            .iter()
            .all(|x| x.name != "max_parallel_maintenance_workers"));
    }

    #[test]
    fn within_five_percent_is_fine() {
        let mut s = pg15();
        // 4GB recommended; 4,000MB is within 5%.
        s[0].setting = (4000 * 128).to_string();
        let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
        let sb = get(&a, "shared_buffers");
        assert_eq!((sb.severity, sb.sql.is_none()), (None, true));
        // 3,800MB is not.
        s[0].setting = (3800 * 128).to_string();
        let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
        assert_eq!(get(&a, "shared_buffers").severity, Some(Severity::Info));
    }

    #[test]
    fn memory_check() {
        // Defaults on 16 GB: 128MB + 100 x 4MB x 1.5 + 3 x 64MB = 920MB, 6% of RAM.
        let a = advise(
            &request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0),
            &pg15(),
        );
        let m = get(&a, "(memory check)");
        assert_eq!(m.current_value, "920.0 MB (6% of RAM)");
        assert_eq!(m.severity, None);
        // With the recommendations: 4GB + 200 x 20164kB x 1.5 + 3 x 1GB = 12.8 GB, 80%.
        assert_eq!(m.recommended_value, "12.8 GB (80% of RAM)");
        // 1,000 connections with 64MB work_mem on 16 GB: over RAM, critical.
        let mut s = pg15();
        s.iter_mut().find(|x| x.name == "work_mem").unwrap().setting = "65536".into();
        s.iter_mut()
            .find(|x| x.name == "max_connections")
            .unwrap()
            .setting = "1000".into();
        let a = advise(&request(Workload::Oltp, Storage::Ssd, 16.0, 8.0, 200.0), &s);
        assert_eq!(get(&a, "(memory check)").severity, Some(Severity::Critical));
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("24GB").unwrap(), 24.0 * GB);
        assert_eq!(parse_memory(" 512 mb ").unwrap(), 512.0 * MB);
        assert_eq!(parse_memory("1.5GB").unwrap(), 1.5 * GB);
        assert_eq!(parse_memory("1TB").unwrap(), 1024.0 * GB);
        assert_eq!(parse_memory("134217728").unwrap(), 128.0 * MB);
        assert!(parse_memory("12 parsecs")
            .unwrap_err()
            .contains("unknown unit \"parsecs\""));
        assert!(parse_memory("-4GB").unwrap_err().contains("positive"));
        assert!(parse_memory("GB")
            .unwrap_err()
            .contains("invalid memory size"));
        assert!(parse_memory("1MB").unwrap_err().contains("too small"));
        assert!(Workload::parse("olap")
            .unwrap_err()
            .contains("web, oltp, dw, desktop, mixed"));
        assert_eq!(Workload::parse(" OLTP ").unwrap(), Workload::Oltp);
        assert!(Storage::parse("tape")
            .unwrap_err()
            .contains("hdd, ssd, san, nvme"));
    }

    #[test]
    fn host_detection() {
        assert_eq!(
            meminfo_total("MemTotal:       24683520 kB\nMemFree: 1 kB\n"),
            Some(24683520.0 * 1024.0)
        );
        assert_eq!(cgroup_memory_limit("max\n"), None);
        assert_eq!(cgroup_memory_limit("4294967296\n"), Some(4.0 * GB));
        assert_eq!(
            cgroup_memory_limit("9223372036854771712"),
            None,
            "v1's no limit"
        );
        assert_eq!(cgroup_cpu_limit("max 100000"), None);
        assert_eq!(cgroup_cpu_limit("200000 100000\n"), Some(2.0));
        assert_eq!(cgroup_cpu_limit("150000 100000"), Some(2.0));
        assert_eq!(
            cgroup_v2_path("0::/system.slice/postgresql.service\n"),
            Some("/system.slice/postgresql.service")
        );
        assert_eq!(cgroup_v2_path("12:memory:/docker/abc\n"), None);
    }
}
