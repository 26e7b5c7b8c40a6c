//! Reading statement texts: which tables a statement names, which operators it uses, and
//! numbers written for people.

use crate::advice::{count, duration};

/// Whether `word` occurs in `text` as an identifier (not inside a longer one), ignoring case
/// and double quotes.
pub fn mentions(text: &str, word: &str) -> bool {
    let t = text.to_lowercase();
    let w = word.to_lowercase();
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(i) = t[from..].find(&w) {
        let start = from + i;
        let end = start + w.len();
        let before = t[..start].chars().next_back();
        let after = t[end..].chars().next();
        if !before.is_some_and(ident) && !after.is_some_and(ident) {
            return true;
        }
        from = start + w.len().max(1);
    }
    false
}

/// Whether the statement reads `table`: named after FROM, JOIN, UPDATE or USING (directly,
/// schema-qualified or quoted), not merely created or inserted into.
pub fn reads(query: &str, table: &str) -> bool {
    // Tokens, with commas kept: "FROM a, b" names both.
    let spaced = query
        .replace(',', " , ")
        .replace('(', " ( ")
        .replace(')', " ) ");
    let table = table.to_lowercase();
    let names = |w: &str| {
        w.rsplit('.')
            .next()
            .is_some_and(|n| n.trim_matches('"') == table)
    };
    let (mut after_keyword, mut in_from_list) = (false, false);
    for w in spaced.split_whitespace().map(str::to_lowercase) {
        if (after_keyword || in_from_list) && names(&w) {
            return true;
        }
        match w.as_str() {
            "from" | "using" => (after_keyword, in_from_list) = (true, true),
            "join" | "update" => (after_keyword, in_from_list) = (true, false),
            // The next item of a FROM list.
            "," => after_keyword = in_from_list,
            "where" | "group" | "order" | "limit" | "having" | "on" | "set" | "returning"
            | "union" | "window" | "(" | ")" => (after_keyword, in_from_list) = (false, false),
            // An alias or AS between items: keep the list open for the next comma.
            _ => after_keyword = false,
        }
    }
    false
}

/// Utility statements whose sorts use maintenance_work_mem, not work_mem.
pub(super) fn maintenance(query: &str) -> bool {
    let q = query.trim_start().to_lowercase();
    [
        "create index",
        "create unique index",
        "reindex",
        "cluster",
        "vacuum",
        "alter table",
        "refresh materialized view",
    ]
    .iter()
    .any(|p| q.starts_with(p))
}

/// Milliseconds for a finding ("850 ms", "12.3 s", "31 min").
pub(super) fn ms_text(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 120_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        duration(ms / 1000.0)
    }
}

pub(super) fn calls_text(n: f64) -> String {
    format!("{} call{}", count(n), if n == 1.0 { "" } else { "s" })
}

/// Operators of containment and full-text search, which GIN indexes serve.
pub(super) fn uses_containment(query: &str) -> bool {
    ["@>", "<@", "?|", "?&", "&&", "@@", " ? "]
        .iter()
        .any(|op| query.contains(op))
}
