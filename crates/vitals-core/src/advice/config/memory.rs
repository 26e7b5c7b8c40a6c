//! The whole-server memory check: peak memory with the current and the recommended
//! settings, against RAM.

use super::units::{current_number, number_text, unit_bytes, MB};
use super::{Advice, PgSetting, Request};
use crate::advice::{size, Severity};

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
pub(super) fn memory_check(r: &Request, settings: &[PgSetting], advice: &[Advice]) -> Advice {
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
