//! Advice engines (pure Rust): plain input structs in, findings out, tested without a server.
//! The SQL surface gathers the inputs (`api`) and shows the results.
//!
//! - [`autovacuum`]: per-table autovacuum status and the autovacuum rules;
//! - [`config`]: configuration advice for the host and workload;
//! - [`workload`]: advice from the statement statistics and table and index activity.

pub mod autovacuum;
pub mod config;
pub mod workload;

use serde::Deserialize;
use std::fmt;

/// How urgent a finding is; findings are listed most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

/// One finding of an advice view.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule that found it (documented in the README).
    pub rule: &'static str,
    pub severity: Severity,
    /// The table it is about; None for server- or database-wide findings.
    pub schema_name: Option<String>,
    pub relation_name: Option<String>,
    /// What was seen, with the numbers behind it.
    pub finding: String,
    /// What to change, and why.
    pub recommendation: String,
    /// A statement that makes the change, runnable as is (identifiers quoted).
    pub sql: String,
}

/// Most severe first, then by rule and object, so that the order is stable.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.severity,
            a.rule,
            &a.schema_name,
            &a.relation_name,
            &a.finding,
        )
            .cmp(&(
                b.severity,
                b.rule,
                &b.schema_name,
                &b.relation_name,
                &b.finding,
            ))
    });
}

/// A count for a finding: whole, with thousands separated ("1,234,567").
pub fn count(x: f64) -> String {
    let n = x.round().max(0.0) as u64;
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as PostgreSQL's pg_size_pretty prints them, to one decimal ("1.5 GB").
pub fn size(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut v = bytes.max(0.0);
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A duration for a finding ("42 s", "31 min", "5.2 h", "3.0 days").
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0);
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1000.0), "1,000");
        assert_eq!(count(1_234_567.4), "1,234,567");
        assert_eq!(size(512.0), "512 bytes");
        assert_eq!(size(1536.0), "1.5 kB");
        assert_eq!(size(3.0 * 1024.0 * 1024.0 * 1024.0), "3.0 GB");
        assert_eq!(duration(42.0), "42 s");
        assert_eq!(duration(1860.0), "31 min");
        assert_eq!(duration(3.0 * 86_400.0), "3.0 days");
    }

    #[test]
    fn most_severe_first() {
        let f = |rule, severity| Finding {
            rule,
            severity,
            schema_name: None,
            relation_name: None,
            finding: String::new(),
            recommendation: String::new(),
            sql: String::new(),
        };
        let mut v = vec![
            f("b", Severity::Info),
            f("a", Severity::Critical),
            f("c", Severity::Warning),
            f("a", Severity::Info),
        ];
        sort(&mut v);
        let order: Vec<_> = v.iter().map(|x| (x.severity, x.rule)).collect();
        assert_eq!(
            order,
            [
                (Severity::Critical, "a"),
                (Severity::Warning, "c"),
                (Severity::Info, "a"),
                (Severity::Info, "b")
            ]
        );
    }
}
