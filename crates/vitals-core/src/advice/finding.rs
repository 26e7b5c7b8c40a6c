//! The one vocabulary every advice engine speaks: a finding names its rule (the name users
//! see in the views and in EXPLAIN, and the name the documentation lists it under), how
//! urgent it is, what it is about, what was seen with the numbers behind it, what to change,
//! and a statement that makes the change. Configuration advice keeps its own rows (one per
//! setting, see [`super::config`]) but shares [`Severity`] and the formatters.

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

/// What a finding is about. Every part is optional: a server-wide finding has none, a
/// table's has its schema and name, a statement's its query id (and text, for those who may
/// see it), an EXPLAIN finding the plan node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subject {
    pub schema_name: Option<String>,
    pub relation_name: Option<String>,
    pub queryid: Option<i64>,
    pub query: Option<String>,
    /// The plan node, as EXPLAIN labels it ("Seq Scan on orders").
    pub node: Option<String>,
}

impl Subject {
    /// A table (or index), by its schema and name.
    pub fn relation(schema: &str, name: &str) -> Subject {
        Subject {
            schema_name: Some(schema.to_string()),
            relation_name: Some(name.to_string()),
            ..Subject::default()
        }
    }

    /// `schema.name`, unquoted, as `vitals.workload_advice.relation` shows it.
    pub fn relation_text(&self) -> Option<String> {
        match (&self.schema_name, &self.relation_name) {
            (Some(s), Some(n)) => Some(format!("{s}.{n}")),
            _ => None,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The rule that found it.
    pub rule: &'static str,
    pub severity: Severity,
    pub subject: Subject,
    /// What was seen, with the numbers behind it.
    pub finding: String,
    /// What to change, and why.
    pub recommendation: String,
    /// A statement that makes the change (or shows more), runnable as is: identifiers are
    /// quoted as PostgreSQL's `quote_identifier` quotes them.
    pub sql: Option<String>,
    /// Found from statistics too young to trust fully (a week, see the workload rules).
    pub tentative: bool,
}

impl Finding {
    pub fn new(rule: &'static str, severity: Severity, subject: Subject) -> Finding {
        Finding {
            rule,
            severity,
            subject,
            finding: String::new(),
            recommendation: String::new(),
            sql: None,
            tentative: false,
        }
    }

    /// What was seen, what to change, and the statement that changes it.
    pub fn says(mut self, finding: String, recommendation: String, sql: Option<String>) -> Self {
        self.finding = finding;
        self.recommendation = recommendation;
        self.sql = sql;
        self
    }

    pub fn tentative(mut self, tentative: bool) -> Self {
        self.tentative = tentative;
        self
    }
}

/// The one order of findings everywhere: most severe first, then by rule and subject, then
/// by what was found, so that the order is stable whatever the order the rules ran in.
pub fn sort(findings: &mut [Finding]) {
    fn key(
        f: &Finding,
    ) -> (
        Severity,
        &str,
        &Option<String>,
        &Option<String>,
        Option<i64>,
        &str,
    ) {
        let s = &f.subject;
        (
            f.severity,
            f.rule,
            &s.schema_name,
            &s.relation_name,
            s.queryid,
            &f.finding,
        )
    }
    findings.sort_by(|a, b| key(a).cmp(&key(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_severe_first() {
        let f = |rule, severity| Finding::new(rule, severity, Subject::default());
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

    #[test]
    fn subject_orders_within_a_rule() {
        let on = |schema: &str, name: &str, queryid| Finding {
            subject: Subject {
                queryid,
                ..Subject::relation(schema, name)
            },
            ..Finding::new("r", Severity::Warning, Subject::default())
        };
        let mut v = vec![
            on("b", "a", None),
            on("a", "b", Some(2)),
            on("a", "b", Some(1)),
        ];
        sort(&mut v);
        let order: Vec<_> = v
            .iter()
            .map(|x| (x.subject.relation_text().unwrap(), x.subject.queryid))
            .collect();
        assert_eq!(
            order,
            [
                ("a.b".into(), Some(1)),
                ("a.b".into(), Some(2)),
                ("b.a".into(), None)
            ]
        );
    }
}
