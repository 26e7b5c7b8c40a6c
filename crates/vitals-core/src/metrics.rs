//! `vitals.metrics()`: the store's totals in Prometheus' text exposition format (0.0.4), which
//! Prometheus scrapes and node_exporter's textfile collector reads.
//!
//! Cardinality is bounded whatever the workload: series are per database, user and command
//! (and SQLSTATE class for failures), plus the top N statements by execution time, whose
//! text goes only in an info metric, escaped and capped. Every `_total` is a counter that only
//! grows until a reset (see `store::table::totals`).

use crate::store::counters::{latency_le_seconds, LATENCY_BUCKETS};
use serde::Deserialize;
use std::fmt::Write;

/// Characters of a statement's text kept in `pg_vitals_top_statement_info`.
pub const QUERY_LABEL_CHARS: usize = 200;

/// The executions of one database, user and command (`vitals.metrics_totals`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CommandTotals {
    pub datname: String,
    pub usename: String,
    pub command: String,
    pub calls: i64,
    /// Milliseconds.
    pub total_exec_time: f64,
    pub rows: i64,
    /// Executions per latency bucket, not cumulative (`counters::latency_bucket`).
    pub latency: Vec<i64>,
}

/// Failures of one database, user, command and SQLSTATE class (`vitals.metrics_errors`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ErrorTotals {
    pub datname: String,
    pub usename: String,
    pub command: String,
    pub sqlstate_class: String,
    pub errors: i64,
}

/// One of the top statements by execution time.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TopStatement {
    pub queryid: i64,
    pub datname: String,
    pub usename: String,
    pub toplevel: bool,
    pub calls: i64,
    /// Milliseconds.
    pub total_exec_time: f64,
    /// None when the caller may not see it, or it was dropped.
    pub query: Option<String>,
}

/// The store itself (`vitals.info`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct StoreHealth {
    pub entries: i64,
    pub max: i64,
    pub dealloc: i64,
    pub entries_evicted: i64,
    pub texts_dropped: i64,
    pub plans_dropped: i64,
    pub shmem_bytes: i64,
    pub text_bytes_used: i64,
    pub plan_bytes_used: i64,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct Inputs {
    pub totals: Vec<CommandTotals>,
    pub errors: Vec<ErrorTotals>,
    pub top: Vec<TopStatement>,
    pub store: StoreHealth,
}

#[derive(Clone, Copy)]
enum Type {
    Counter,
    Gauge,
    Histogram,
}

/// The text being built: a `# HELP` and `# TYPE` line before each family's samples.
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: Type, help: &str) {
        let kind = match kind {
            Type::Counter => "counter",
            Type::Gauge => "gauge",
            Type::Histogram => "histogram",
        };
        let _ = writeln!(self.0, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", escape_label(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {}", number(value));
    }
}

/// `\` and line feeds escaped, as HELP text needs.
fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

/// `\`, `"` and line feeds escaped, as label values need.
pub fn escape_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers without a fraction, others in Rust's shortest round-trip form,
/// infinities as Prometheus writes them.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// At most `max` characters of `s`, whitespace runs made one space, "..." when cut.
pub fn cap_text(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &flat[..at]),
        None => flat,
    }
}

/// Label pairs borrowed from owned values.
fn as_pairs<'a>(l: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    l.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The whole exposition.
pub fn render(m: &Inputs) -> String {
    let mut x = Exposition(String::new());
    let who = |t: &CommandTotals| -> Vec<(&'static str, String)> {
        vec![
            ("datname", t.datname.clone()),
            ("usename", t.usename.clone()),
            ("command", t.command.clone()),
        ]
    };

    type Value = fn(&CommandTotals) -> f64;
    let per_command: [(&str, &str, Value); 3] = [
        (
            "pg_vitals_calls_total",
            "Completed executions, per database, user and command.",
            |t| t.calls as f64,
        ),
        (
            "pg_vitals_exec_time_seconds_total",
            "Time spent executing, per database, user and command.",
            |t| t.total_exec_time / 1000.0,
        ),
        (
            "pg_vitals_rows_total",
            "Rows returned or affected, per database, user and command.",
            |t| t.rows as f64,
        ),
    ];
    for (name, help, value) in per_command {
        x.family(name, Type::Counter, help);
        for t in &m.totals {
            x.sample(name, &as_pairs(&who(t)), value(t));
        }
    }

    let name = "pg_vitals_exec_duration_seconds";
    x.family(
        name,
        Type::Histogram,
        "Execution time of completed executions, per database, user and command.",
    );
    for t in &m.totals {
        let labels = who(t);
        let mut cumulative = 0;
        for i in 0..LATENCY_BUCKETS {
            cumulative += t.latency.get(i).copied().unwrap_or(0);
            let le = number(latency_le_seconds(i));
            let mut l = as_pairs(&labels);
            l.push(("le", &le));
            x.sample(&format!("{name}_bucket"), &l, cumulative as f64);
        }
        let mut l = as_pairs(&labels);
        l.push(("le", "+Inf"));
        x.sample(&format!("{name}_bucket"), &l, t.calls as f64);
        x.sample(
            &format!("{name}_sum"),
            &as_pairs(&labels),
            t.total_exec_time / 1000.0,
        );
        x.sample(&format!("{name}_count"), &as_pairs(&labels), t.calls as f64);
    }

    let name = "pg_vitals_errors_total";
    x.family(
        name,
        Type::Counter,
        "Executions that failed, per database, user, command and SQLSTATE class.",
    );
    for e in &m.errors {
        x.sample(
            name,
            &[
                ("datname", &e.datname),
                ("usename", &e.usename),
                ("command", &e.command),
                ("sqlstate_class", &e.sqlstate_class),
            ],
            e.errors as f64,
        );
    }

    let top = |s: &TopStatement| -> Vec<(&'static str, String)> {
        vec![
            ("queryid", s.queryid.to_string()),
            ("datname", s.datname.clone()),
            ("usename", s.usename.clone()),
            ("toplevel", s.toplevel.to_string()),
        ]
    };
    type TopValue = fn(&TopStatement) -> f64;
    let per_statement: [(&str, &str, TopValue); 2] = [
        (
            "pg_vitals_top_statement_calls_total",
            "Completed executions of the statements with the most execution time.",
            |s| s.calls as f64,
        ),
        (
            "pg_vitals_top_statement_exec_time_seconds_total",
            "Execution time of the statements with the most execution time.",
            |s| s.total_exec_time / 1000.0,
        ),
    ];
    for (name, help, value) in per_statement {
        x.family(name, Type::Counter, help);
        for s in &m.top {
            x.sample(name, &as_pairs(&top(s)), value(s));
        }
    }
    let name = "pg_vitals_top_statement_info";
    x.family(
        name,
        Type::Gauge,
        "The normalized text of each top statement (capped), as a label; the value is 1.",
    );
    for s in &m.top {
        let mut labels = top(s);
        let text = match &s.query {
            Some(q) => cap_text(q, QUERY_LABEL_CHARS),
            None => String::new(),
        };
        labels.push(("query", text));
        x.sample(name, &as_pairs(&labels), 1.0);
    }

    let h = &m.store;
    let health: [(&str, Type, &str, i64); 9] = [
        (
            "pg_vitals_store_entries",
            Type::Gauge,
            "Statements in the store.",
            h.entries,
        ),
        (
            "pg_vitals_store_max_entries",
            Type::Gauge,
            "Statements the store can hold (pg_vitals.max).",
            h.max,
        ),
        (
            "pg_vitals_store_deallocations_total",
            Type::Counter,
            "Times entries were evicted to make room.",
            h.dealloc,
        ),
        (
            "pg_vitals_store_evicted_entries_total",
            Type::Counter,
            "Entries evicted to make room.",
            h.entries_evicted,
        ),
        (
            "pg_vitals_store_dropped_texts_total",
            Type::Counter,
            "Query texts not kept for lack of room.",
            h.texts_dropped,
        ),
        (
            "pg_vitals_store_dropped_plans_total",
            Type::Counter,
            "Captured plans not kept for lack of room.",
            h.plans_dropped,
        ),
        (
            "pg_vitals_store_memory_bytes",
            Type::Gauge,
            "Shared memory the store takes.",
            h.shmem_bytes,
        ),
        (
            "pg_vitals_store_text_bytes",
            Type::Gauge,
            "Bytes of query texts held.",
            h.text_bytes_used,
        ),
        (
            "pg_vitals_store_plan_bytes",
            Type::Gauge,
            "Bytes of captured plans held.",
            h.plan_bytes_used,
        ),
    ];
    for (name, kind, help, value) in health {
        x.family(name, kind, help);
        x.sample(name, &[], value as f64);
    }
    x.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            totals: vec![CommandTotals {
                datname: "app".into(),
                usename: "web \"front\"".into(),
                command: "select".into(),
                calls: 5,
                total_exec_time: 2500.0,
                rows: 7,
                latency: vec![0, 1, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            }],
            errors: vec![ErrorTotals {
                datname: "app".into(),
                usename: "web".into(),
                command: "insert".into(),
                sqlstate_class: "23".into(),
                errors: 3,
            }],
            top: vec![TopStatement {
                queryid: -42,
                datname: "app".into(),
                usename: "web".into(),
                toplevel: true,
                calls: 5,
                total_exec_time: 2500.0,
                query: Some("SELECT \"a\\b\"\n  FROM t WHERE x = $1".into()),
            }],
            store: StoreHealth {
                entries: 3,
                max: 5000,
                ..Default::default()
            },
        }
    }

    #[test]
    fn families_have_help_and_type_and_escaped_labels() {
        let text = render(&inputs());
        assert!(text.contains("# TYPE pg_vitals_calls_total counter\n"));
        assert!(text.contains(
            "pg_vitals_calls_total{datname=\"app\",usename=\"web \\\"front\\\"\",command=\"select\"} 5\n"
        ));
        assert!(text.contains("pg_vitals_exec_time_seconds_total{datname=\"app\",usename=\"web \\\"front\\\"\",command=\"select\"} 2.5\n"));
        assert!(text.contains("pg_vitals_errors_total{datname=\"app\",usename=\"web\",command=\"insert\",sqlstate_class=\"23\"} 3\n"));
        assert!(text.contains("query=\"SELECT \\\"a\\\\b\\\" FROM t WHERE x = $1\"} 1\n"));
        // Every sample line belongs to the family declared last before it.
        let mut family = String::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                family = rest.split(' ').next().unwrap().to_string();
            } else if !line.starts_with('#') {
                assert!(line.starts_with(&family), "{line} outside {family}");
            }
        }
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_at_the_count() {
        let text = render(&inputs());
        let buckets: Vec<(String, f64)> = text
            .lines()
            .filter(|l| l.starts_with("pg_vitals_exec_duration_seconds_bucket"))
            .map(|l| {
                let le = l.split("le=\"").nth(1).unwrap().split('"').next().unwrap();
                let v: f64 = l.rsplit(' ').next().unwrap().parse().unwrap();
                (le.to_string(), v)
            })
            .collect();
        assert_eq!(buckets.len(), LATENCY_BUCKETS + 1);
        assert_eq!(buckets[0], ("0.000016".to_string(), 0.0));
        assert_eq!(buckets[1].1, 1.0);
        assert_eq!(buckets[3], ("0.001024".to_string(), 3.0));
        assert_eq!(buckets[4].1, 4.0);
        assert_eq!(buckets[LATENCY_BUCKETS], ("+Inf".to_string(), 5.0));
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(text.contains("pg_vitals_exec_duration_seconds_count{datname=\"app\",usename=\"web \\\"front\\\"\",command=\"select\"} 5\n"));
        assert!(text.contains("pg_vitals_exec_duration_seconds_sum{datname=\"app\",usename=\"web \\\"front\\\"\",command=\"select\"} 2.5\n"));
    }

    #[test]
    fn texts_are_capped_on_a_character_boundary() {
        let long = "é".repeat(300);
        let capped = cap_text(&long, QUERY_LABEL_CHARS);
        assert_eq!(capped.chars().count(), QUERY_LABEL_CHARS + 3);
        assert!(capped.ends_with("..."));
        assert_eq!(cap_text("SELECT\n\t1", 200), "SELECT 1");
    }

    #[test]
    fn numbers_are_written_as_prometheus_reads_them() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(1e300).parse::<f64>().unwrap(), 1e300);
    }
}
