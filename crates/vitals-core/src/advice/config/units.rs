//! Settings' units: memory sizes as PostgreSQL writes them, and values as SHOW prints them.

use super::PgSetting;
use crate::advice::setting_memory;

pub(super) const KB: f64 = 1024.0;
pub(super) const MB: f64 = 1024.0 * 1024.0;
pub(super) const GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Bytes in one unit of a memory setting ("8kB" -> 8192).
pub(super) fn unit_bytes(unit: &str) -> Option<f64> {
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

/// A number as PostgreSQL prints settings (no trailing ".0").
pub(super) fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A setting's value in bytes or as a number, from pg_settings.
pub(super) fn current_number(s: &PgSetting) -> Option<f64> {
    s.setting.parse().ok()
}

/// How SHOW prints a setting: with its unit for memory settings.
pub(super) fn show(s: &PgSetting) -> String {
    match (&s.unit, current_number(s)) {
        (Some(u), Some(n)) if unit_bytes(u).is_some() => {
            if n < 0.0 {
                number_text(n)
            } else {
                setting_memory(n * unit_bytes(u).unwrap_or(1.0))
            }
        }
        (Some(u), Some(n)) if u == "ms" || u == "s" || u == "min" => {
            format!("{}{u}", number_text(n))
        }
        _ => s.setting.clone(),
    }
}

pub(super) fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
