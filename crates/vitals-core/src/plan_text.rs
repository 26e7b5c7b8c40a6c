//! Captured plan texts: masking the literal values and bounding the size (pure Rust).
//!
//! A plan is captured from one execution, so its expressions show that execution's
//! constants (`Filter: (email = 'alice@example.com'::text)`), which the normalized query
//! text hides. As pg_store_plans does, every constant is replaced by `?`, so that executions
//! differing only in constants give the same plan text and nobody reads another user's
//! literal values from `vitals.plans`.
//!
//! What counts as a constant in EXPLAIN's text format:
//! - a quoted literal anywhere (`'...'`, `E'...'`), with its cast kept (`?::text`): node
//!   lines and statistics never contain single quotes outside double-quoted identifiers;
//! - a bare number or `true` / `false`, but only in the properties that print expressions
//!   ([`EXPRESSION_PROPERTIES`]), so that row counts, costs, times and sizes stay as they are.
//!
//! Parameters (`$1`), identifiers (quoted or not, digits included), type modifiers
//! (`numeric(10,2)`) and sub-plan numbers (`SubPlan 1`) are kept.

/// EXPLAIN properties whose values are deparsed expressions (explain.c, PostgreSQL 15-18).
pub const EXPRESSION_PROPERTIES: &[&str] = &[
    "Output",
    "Filter",
    "Join Filter",
    "One-Time Filter",
    "Index Cond",
    "Order By",
    "Recheck Cond",
    "Hash Cond",
    "Merge Cond",
    "TID Cond",
    "Sort Key",
    "Presorted Key",
    "Group Key",
    "Hash Key",
    "Cache Key",
    "Run Condition",
    "Window",
    "Sampling",
    "Function Call",
    "Table Function Call",
    "Conflict Filter",
    "Remote SQL",
];

/// What replaces a constant.
const MASK: u8 = b'?';

/// Replaces the constants of a text-format EXPLAIN output by `?`.
pub fn mask_constants(plan: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plan.len());
    for (i, line) in plan.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let trimmed = line.trim_ascii_start();
        let indent = line.len() - trimmed.len();
        match property_value_start(trimmed) {
            Some(value_at) => {
                let label = &trimmed[..value_at - 2];
                let numbers = EXPRESSION_PROPERTIES.iter().any(|p| p.as_bytes() == label);
                out.extend_from_slice(&line[..indent + value_at]);
                mask_run(&trimmed[value_at..], numbers, &mut out);
            }
            None => mask_run(line, false, &mut out),
        }
    }
    out
}

/// Where the value of a property line (`Label: value`) starts, if the line is one. Node
/// lines (`->  Seq Scan on t  (cost=...)`) and the first line are not.
fn property_value_start(line: &[u8]) -> Option<usize> {
    if line.starts_with(b"->") {
        return None;
    }
    let colon = line.windows(2).position(|w| w == b": ")?;
    let label = &line[..colon];
    let is_label = !label.is_empty()
        && label
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b' ' || b == b'-');
    is_label.then_some(colon + 2)
}

/// Identifier characters, as PostgreSQL's scanner sees them (bytes of multibyte characters
/// included: every server encoding keeps bytes below 0x80 for ASCII).
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Copies `s` to `out`, masking quoted literals, and with `numbers` also bare numbers and
/// booleans.
fn mask_run(s: &[u8], numbers: bool, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let prev_ident = out.last().is_some_and(|&p| is_ident(p));
        if b == b'"' {
            let end = quoted_end(s, i, b'"');
            out.extend_from_slice(&s[i..end]);
            i = end;
        } else if b == b'\'' {
            // E'...' is one literal: drop the E.
            if out.last() == Some(&b'E')
                && !out[..out.len() - 1].last().is_some_and(|&p| is_ident(p))
            {
                out.pop();
            }
            out.push(MASK);
            i = quoted_end(s, i, b'\'');
            i = copy_cast(s, i, out);
        } else if numbers && b.is_ascii_digit() && !prev_ident && !after_plan_word(out) {
            out.push(MASK);
            i = number_end(s, i);
        } else if numbers && !prev_ident && (word_at(s, i, b"true") || word_at(s, i, b"false")) {
            out.push(MASK);
            i += if s[i] == b't' { 4 } else { 5 };
        } else {
            out.push(b);
            i += 1;
        }
    }
}

/// End (exclusive) of the quoted run starting at `start`, doubled quotes included.
fn quoted_end(s: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    while i < s.len() {
        if s[i] == quote {
            if s.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    s.len()
}

/// Copies a `::type` cast following a literal (type modifiers and array brackets included,
/// so `'x'::character varying(10)[]` keeps its type). Returns where the cast ends.
fn copy_cast(s: &[u8], mut i: usize, out: &mut Vec<u8>) -> usize {
    if !s[i..].starts_with(b"::") {
        return i;
    }
    let start = i;
    i += 2;
    loop {
        match s.get(i) {
            Some(b'"') => i = quoted_end(s, i, b'"'),
            Some(&b) if is_ident(b) || b == b'.' => i += 1,
            // Multi-word type names: "double precision", "timestamp with time zone".
            Some(b' ') if s.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) => i += 1,
            Some(b'(')
                if s[i + 1..]
                    .iter()
                    .position(|&c| c == b')')
                    .is_some_and(|len| {
                        s[i + 1..i + 1 + len]
                            .iter()
                            .all(|&c| c.is_ascii_digit() || c == b',')
                    }) =>
            {
                i += s[i..].iter().position(|&c| c == b')').unwrap_or(0) + 1;
            }
            Some(b'[') if s.get(i + 1) == Some(&b']') => i += 2,
            _ => break,
        }
    }
    out.extend_from_slice(&s[start..i]);
    i
}

/// End of a number starting at `i`: digits, a fraction, an exponent.
fn number_end(s: &[u8], mut i: usize) -> usize {
    let digits = |s: &[u8], mut i: usize| {
        while s.get(i).is_some_and(|b| b.is_ascii_digit()) {
            i += 1;
        }
        i
    };
    i = digits(s, i);
    if s.get(i) == Some(&b'.') && s.get(i + 1).is_some_and(|b| b.is_ascii_digit()) {
        i = digits(s, i + 1);
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(s.get(i + 1), Some(b'+' | b'-')));
        if s.get(i + 1 + sign).is_some_and(|b| b.is_ascii_digit()) {
            i = digits(s, i + 1 + sign);
        }
    }
    i
}

/// Whether `word` stands alone at `i`.
fn word_at(s: &[u8], i: usize, word: &[u8]) -> bool {
    s[i..].starts_with(word) && !s.get(i + word.len()).is_some_and(|&b| is_ident(b))
}

/// Sub-plan references keep their numbers: `SubPlan 1`, `InitPlan 2`.
fn after_plan_word(out: &[u8]) -> bool {
    out.ends_with(b"SubPlan ") || out.ends_with(b"InitPlan ")
}

/// Bounds a plan text to `max` bytes. A longer one is cut at a line end (or, for a single
/// long line, before an ASCII byte, which is a character boundary in every server encoding)
/// and ends with a marker saying how long it was.
pub fn bounded(plan: Vec<u8>, max: usize) -> Vec<u8> {
    if plan.len() <= max {
        return plan;
    }
    let marker = format!("\n... [plan truncated: {} bytes]", plan.len());
    let room = max.saturating_sub(marker.len());
    let cut = match plan[..room].iter().rposition(|&b| b == b'\n') {
        Some(nl) if nl > 0 => nl,
        _ => (0..=room).rev().find(|&p| plan[p] < 0x80).unwrap_or(0),
    };
    let mut out = plan;
    out.truncate(cut);
    out.extend_from_slice(marker.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(s: &str) -> String {
        String::from_utf8(mask_constants(s.as_bytes())).unwrap()
    }

    #[test]
    fn constants_in_expressions_are_masked() {
        let plan = "Index Scan using users_pkey on users  (cost=0.29..8.31 rows=1 width=40)\n  \
                    Index Cond: (id = 42)\n  \
                    Filter: ((email = 'alice@example.com'::text) AND (score > 1.5e-3) AND active = true)";
        assert_eq!(
            mask(plan),
            "Index Scan using users_pkey on users  (cost=0.29..8.31 rows=1 width=40)\n  \
             Index Cond: (id = ?)\n  \
             Filter: ((email = ?::text) AND (score > ?) AND active = ?)"
        );
    }

    #[test]
    fn executions_differing_in_constants_give_the_same_text() {
        let a = "Seq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n  Filter: ((a > 5) AND (b = ANY ('{1,2,3}'::integer[])) AND (c = E'x\\\\y'::text))";
        let b = "Seq Scan on t  (cost=0.00..1.01 rows=1 width=4)\n  Filter: ((a > 123456) AND (b = ANY ('{9}'::integer[])) AND (c = 'it''s'::text))";
        assert_eq!(mask(a), mask(b));
        assert!(mask(a).contains("ANY (?::integer[])"), "{}", mask(a));
    }

    #[test]
    fn statistics_identifiers_parameters_and_types_are_kept() {
        let plan = "Hash Join  (cost=1.02..2.05 rows=1 width=8) (actual time=0.020..0.021 rows=3 loops=1)\n  \
                    Hash Cond: (t1.id2 = \"T 2\".\"col 7\")\n  \
                    Rows Removed by Filter: 97\n  \
                    Buffers: shared hit=12\n  \
                    ->  Seq Scan on t1  (cost=0.00..1.01 rows=1 width=8)\n        \
                    Filter: ((x = $1) AND (y = '-5'::numeric(10,2)) AND (z = '1'::character varying(8)[]))\n  \
                    ->  Hash\n        \
                    Buckets: 1024  Batches: 1  Memory Usage: 9kB\n\
                    Planning Time: 0.1 ms";
        let masked = mask(plan);
        assert!(masked.contains("rows=3 loops=1"), "{masked}");
        assert!(masked.contains("(t1.id2 = \"T 2\".\"col 7\")"), "{masked}");
        assert!(masked.contains("Rows Removed by Filter: 97"), "{masked}");
        assert!(masked.contains("Buffers: shared hit=12"), "{masked}");
        assert!(
            masked.contains(
                "(x = $1) AND (y = ?::numeric(10,2)) AND (z = ?::character varying(8)[])"
            ),
            "{masked}"
        );
        assert!(masked.contains("Buckets: 1024  Batches: 1  Memory Usage: 9kB"));
        assert!(masked.contains("Planning Time: 0.1 ms"));
    }

    #[test]
    fn sub_plan_numbers_and_multiword_types_are_kept() {
        let plan = "Result\n  One-Time Filter: ((InitPlan 1).col1 AND (NOT (hashed SubPlan 2)) AND (ts > '2020-01-01 00:00:00'::timestamp without time zone))";
        assert_eq!(
            mask(plan),
            "Result\n  One-Time Filter: ((InitPlan 1).col1 AND (NOT (hashed SubPlan 2)) AND (ts > ?::timestamp without time zone))"
        );
    }

    #[test]
    fn quoted_literals_are_masked_even_outside_known_properties() {
        // A property this module does not list still never shows a quoted value.
        assert_eq!(
            mask("  Some New Property: (a = 'secret'::text)"),
            "  Some New Property: (a = ?::text)"
        );
        // A quoted identifier with a quote in it is not a literal.
        assert_eq!(mask("Seq Scan on \"it's\""), "Seq Scan on \"it's\"");
    }

    #[test]
    fn short_plans_are_not_truncated() {
        assert_eq!(bounded(b"abc".to_vec(), 3), b"abc");
    }

    #[test]
    fn long_plans_are_cut_at_a_line_with_a_marker() {
        let plan: Vec<u8> = (0..200)
            .flat_map(|i| format!("  ->  node {i}\n").into_bytes())
            .collect();
        let total = plan.len();
        let out = bounded(plan, 1024);
        assert!(out.len() <= 1024, "{}", out.len());
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(&format!("\n... [plan truncated: {total} bytes]")),
            "{text}"
        );
        // Whole lines only before the marker.
        let body = text.rsplit_once("\n... [plan").unwrap().0;
        assert!(body.ends_with(|c: char| c.is_ascii_digit()), "{body}");
    }

    #[test]
    fn a_single_long_line_is_cut_at_a_character_boundary() {
        let plan = "é".repeat(1000).into_bytes(); // two bytes each, no ASCII at all
        let out = bounded(plan, 1024);
        assert!(out.len() <= 1024);
        // No ASCII byte to cut before: the whole text goes, the marker stays.
        assert!(String::from_utf8(out).is_ok());
        let mixed = "é a".repeat(500).into_bytes();
        let out = bounded(mixed, 1024);
        assert!(out.len() <= 1024);
        assert!(String::from_utf8(out).is_ok());
    }
}
