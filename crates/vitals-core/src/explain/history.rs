//! "Is this run typical?": what the statement store knows of a statement, summed over the
//! entries EXPLAIN may show (pure Rust).

use crate::store::counters::{Counters, Kind};
use crate::store::histogram::{self, BUCKETS};

/// A statement's recorded executions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History {
    pub calls: i64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: i64,
}

impl History {
    /// Sums entries (top level and nested, one user or several); None when none has run or
    /// failed yet.
    pub fn from_counters<'a>(entries: impl IntoIterator<Item = &'a Counters>) -> Option<History> {
        let exec = Kind::Exec as usize;
        // Summed as plain counts: exact, and far cheaper than merging into a Histogram.
        let mut counts = [0u64; BUCKETS];
        let (mut calls, mut total, mut errors) = (0i64, 0.0f64, 0i64);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for c in entries {
            if c.calls[exec] > 0 {
                let (low, high) = c.exec_bounds();
                min = min.min(low);
                max = max.max(high);
            }
            calls += c.calls[exec];
            total += c.total_time[exec];
            errors += c.errors;
            for (sum, n) in counts.iter_mut().zip(c.exec_histogram.counts()) {
                *sum += n;
            }
        }
        if calls == 0 && errors == 0 {
            return None;
        }
        let [p50, p95, p99] = if calls > 0 {
            histogram::quantiles_of(&counts, [0.5, 0.95, 0.99], min, max).map(|q| q.unwrap_or(0.0))
        } else {
            [0.0; 3]
        };
        Some(History {
            calls,
            mean_ms: if calls > 0 { total / calls as f64 } else { 0.0 },
            p50_ms: p50,
            p95_ms: p95,
            p99_ms: p99,
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::counters::Usage;

    fn run(c: &mut Counters, ms: f64) {
        c.record(Kind::Exec, ms, &Usage::default());
    }

    #[test]
    fn sums_entries_and_merges_percentiles() {
        let mut top = Counters::new(1.0, 0);
        let mut nested = Counters::new(1.0, 0);
        for _ in 0..90 {
            run(&mut top, 1.0);
        }
        for _ in 0..10 {
            run(&mut nested, 20.0);
        }
        nested.record_error(3.0, 0, 0);
        let h = History::from_counters([&top, &nested]).unwrap();
        assert_eq!((h.calls, h.errors), (100, 1));
        assert!((h.mean_ms - 2.9).abs() < 1e-9);
        assert!((h.p50_ms - 1.0).abs() < 0.05, "{h:?}");
        assert!((h.p95_ms - 20.0).abs() < 1.0, "{h:?}");
        assert!((h.p99_ms - 20.0).abs() < 1.0, "{h:?}");
    }

    #[test]
    fn nothing_run_is_no_history() {
        assert_eq!(History::from_counters([&Counters::new(1.0, 0)]), None);
        assert_eq!(History::from_counters([]), None);
        let mut failed = Counters::new(1.0, 0);
        failed.record_error(1.0, 0, 0);
        let h = History::from_counters([&failed]).unwrap();
        assert_eq!((h.calls, h.errors, h.mean_ms), (0, 1, 0.0));
    }
}
