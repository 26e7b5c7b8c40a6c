//! Per-statement counters and their arithmetic (pure Rust).
//!
//! The meaning of every field is pg_stat_statements' (`Counters` in pg_stat_statements.c,
//! 1.10 to 1.13): `calls` counts completed executions, times are milliseconds, the variance
//! is kept with Welford's method and reported as a population stddev.

use super::histogram::Histogram;
use bytemuck::{Pod, Zeroable};

/// The largest count a stats file may hold: 2^53, exact as a float8 too. Counting a
/// million events a second, a server takes 285 years to get there; a larger count in a file
/// is damage, and adding to it could overflow.
pub const MAX_COUNT: i64 = 1 << 53;

/// Planning or execution: the two kinds of timing an entry keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plan = 0,
    Exec = 1,
}

/// Usage-count bookkeeping for eviction, as pg_stat_statements does it.
pub const USAGE_INIT: f64 = 1.0;
pub const USAGE_EXEC: f64 = 1.0;
pub const USAGE_DECREASE_FACTOR: f64 = 0.99;
pub const STICKY_DECREASE_FACTOR: f64 = 0.50;
pub const ASSUMED_MEDIAN_INIT: f64 = 10.0;

/// Buffer and WAL usage: of one planning or execution, or accumulated by an entry.
/// Times are milliseconds.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct Resources {
    pub shared_blks_hit: i64,
    pub shared_blks_read: i64,
    pub shared_blks_dirtied: i64,
    pub shared_blks_written: i64,
    pub local_blks_hit: i64,
    pub local_blks_read: i64,
    pub local_blks_dirtied: i64,
    pub local_blks_written: i64,
    pub temp_blks_read: i64,
    pub temp_blks_written: i64,
    pub blk_read_time: f64,
    pub blk_write_time: f64,
    pub temp_blk_read_time: f64,
    pub temp_blk_write_time: f64,
    pub wal_records: i64,
    pub wal_fpi: i64,
    pub wal_bytes: u64,
}

impl Resources {
    #[inline]
    pub fn add(&mut self, o: &Resources) {
        self.shared_blks_hit += o.shared_blks_hit;
        self.shared_blks_read += o.shared_blks_read;
        self.shared_blks_dirtied += o.shared_blks_dirtied;
        self.shared_blks_written += o.shared_blks_written;
        self.local_blks_hit += o.local_blks_hit;
        self.local_blks_read += o.local_blks_read;
        self.local_blks_dirtied += o.local_blks_dirtied;
        self.local_blks_written += o.local_blks_written;
        self.temp_blks_read += o.temp_blks_read;
        self.temp_blks_written += o.temp_blks_written;
        self.blk_read_time += o.blk_read_time;
        self.blk_write_time += o.blk_write_time;
        self.temp_blk_read_time += o.temp_blk_read_time;
        self.temp_blk_write_time += o.temp_blk_write_time;
        self.wal_records += o.wal_records;
        self.wal_fpi += o.wal_fpi;
        self.wal_bytes = self.wal_bytes.wrapping_add(o.wal_bytes);
    }
}

/// What one planning or execution did, already converted to plain values.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    pub rows: u64,
    pub resources: Resources,
    pub jit: Option<JitUsage>,
    /// What PostgreSQL 17 and 18 measure besides (None on 15 and 16, which measure none of
    /// it, so that they do not pay for adding zeros).
    pub later: Option<LaterUsage>,
    /// Where the executed plan came from.
    pub plan_cache: PlanCache,
}

/// Usage that PostgreSQL 17 and later measure (pg_stat_statements 1.11 and 1.12's columns).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LaterUsage {
    /// Time reading and writing local (temporary table) blocks, ms: PostgreSQL 17 times them
    /// apart from shared blocks (`resources.blk_*_time` then counts shared only).
    pub local_blk_read_time: f64,
    pub local_blk_write_time: f64,
    /// Times WAL buffers were full and had to be written out (PostgreSQL 18).
    pub wal_buffers_full: i64,
    /// Parallel workers the plan asked for and got (PostgreSQL 18).
    pub parallel_workers_to_launch: i64,
    pub parallel_workers_launched: i64,
}

/// Whether an execution ran a plan from the plan cache, and which kind: PostgreSQL 19's
/// `planOrigin`, which pg_stat_statements 1.13 counts as generic_plan_calls and
/// custom_plan_calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlanCache {
    /// Planned for this execution alone, not through the plan cache (or not known).
    #[default]
    None,
    /// The plan cache's generic plan, made once and reused.
    Generic,
    /// A plan the plan cache made for this execution's parameter values.
    Custom,
}

/// JIT work of one execution (milliseconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitUsage {
    pub functions: i64,
    pub generation_time: f64,
    pub inlining_time: f64,
    pub optimization_time: f64,
    pub emission_time: f64,
    /// Time generating tuple deforming code (PostgreSQL 17).
    pub deform_time: f64,
}

/// PostgreSQL's packed SQLSTATE (MAKE_SQLSTATE: five 6-bit characters) as text.
pub fn sqlstate_text(code: i32) -> String {
    (0..5)
        .map(|i| ((((code >> (6 * i)) & 0x3f) as u8) + b'0') as char)
        .collect()
}

/// The packed form of a five-character SQLSTATE (for tests and comparisons).
pub fn sqlstate_code(text: &str) -> i32 {
    text.bytes()
        .take(5)
        .enumerate()
        .map(|(i, c)| (((c - b'0') & 0x3f) as i32) << (6 * i))
        .sum()
}

/// The counters of one entry. Plain old data: it lives in shared memory and is written to
/// the stats file as bytes, so every field is 8 bytes wide and there is no padding.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct Counters {
    pub calls: [i64; 2],
    pub total_time: [f64; 2],
    pub min_time: [f64; 2],
    pub max_time: [f64; 2],
    pub mean_time: [f64; 2],
    pub sum_var_time: [f64; 2],
    pub rows: i64,
    pub resources: Resources,
    pub usage: f64,
    pub jit_functions: i64,
    pub jit_generation_time: f64,
    pub jit_inlining_count: i64,
    pub jit_inlining_time: f64,
    pub jit_optimization_count: i64,
    pub jit_optimization_time: f64,
    pub jit_emission_count: i64,
    pub jit_emission_time: f64,
    /// Executions that ended in an error (not counted in `calls`), and the time they took.
    pub errors: i64,
    pub error_time: f64,
    /// When the last error happened (TimestampTz) and its SQLSTATE (PostgreSQL's packed form).
    pub last_error_at: i64,
    pub last_sqlstate: i32,
    _pad: i32,
    /// Execution times (see `histogram`): the percentiles.
    pub exec_histogram: Histogram,
    // Format 4 (pg_vitals 0.5) appended what follows: a format-3 file's counters are the
    // prefix up to here, the rest read as zero.
    /// When the entry was created, and when its min/max times last restarted (TimestampTz).
    pub stats_since: i64,
    pub minmax_stats_since: i64,
    pub local_blk_read_time: f64,
    pub local_blk_write_time: f64,
    pub jit_deform_count: i64,
    pub jit_deform_time: f64,
    pub wal_buffers_full: i64,
    pub parallel_workers_to_launch: i64,
    pub parallel_workers_launched: i64,
    /// Executions of a generic or a custom plan from the plan cache (see [`PlanCache`]).
    pub generic_plan_calls: i64,
    pub custom_plan_calls: i64,
    /// Executions by [`latency_bucket`]: the metrics' latency histogram. Unlike the
    /// histogram above these counts are never halved, so that the sums the metrics export
    /// only ever grow.
    pub latency: [i64; LATENCY_BUCKETS],
}

/// Buckets of the metrics' latency histogram, below its +Inf bucket.
pub const LATENCY_BUCKETS: usize = 13;

/// The upper bound, in seconds, of latency bucket `i`: powers of 4 microseconds from 16 us
/// to 268 s, each a bucket boundary of the fine histogram, so that the cumulative counts
/// are exact.
pub fn latency_le_seconds(i: usize) -> f64 {
    4f64.powi(i as i32 + 2) / 1e6
}

/// The latency bucket of fine histogram bucket `b`, None past the last bound (such an
/// execution counts in +Inf only). A time exactly on a bound counts in the bucket above it.
#[inline]
pub fn latency_bucket(b: usize) -> Option<usize> {
    let octave = b / super::histogram::PER_OCTAVE as usize;
    let i = if octave < 4 { 0 } else { (octave - 2) / 2 };
    (i < LATENCY_BUCKETS).then_some(i)
}

/// The size of the counters in a format-3 stats file: everything before `stats_since`.
pub const FORMAT3_COUNTERS_SIZE: usize = std::mem::offset_of!(Counters, stats_since);

impl Counters {
    /// A new entry's counters, created at `now`. A "sticky" entry (created at parse
    /// analysis, before any execution) starts at the median usage so that it survives until
    /// its first run.
    pub fn new(initial_usage: f64, now: i64) -> Self {
        Counters {
            usage: initial_usage,
            stats_since: now,
            minmax_stats_since: now,
            ..Zeroable::zeroed()
        }
    }

    /// Restarts the min and max times, as `pg_stat_statements_reset(..., minmax_only =>
    /// true)`: both read 0 until the next planning or execution sets them.
    pub fn reset_minmax(&mut self, now: i64) {
        self.min_time = [0.0; 2];
        self.max_time = [0.0; 2];
        self.minmax_stats_since = now;
    }

    /// Whether the min/max of `kind` were restarted and nothing has run since.
    fn minmax_restarted(&self, k: usize) -> bool {
        self.min_time[k] == 0.0 && self.max_time[k] == 0.0
    }

    /// The bounds execution-time percentiles are clamped to: the min and max, unless they
    /// were restarted and read 0 (then none).
    pub fn exec_bounds(&self) -> (f64, f64) {
        let k = Kind::Exec as usize;
        if self.minmax_restarted(k) {
            (0.0, f64::INFINITY)
        } else {
            (self.min_time[k], self.max_time[k])
        }
    }

    /// Never planned, executed nor failed: only its text is known yet.
    pub fn is_sticky(&self) -> bool {
        self.calls[0] + self.calls[1] == 0 && self.errors == 0
    }

    /// Adds one execution that ended in an error after `time_ms`.
    pub fn record_error(&mut self, time_ms: f64, sqlstate: i32, at: i64) {
        if self.is_sticky() {
            self.usage = USAGE_INIT;
        }
        self.errors += 1;
        self.error_time += time_ms;
        self.last_sqlstate = sqlstate;
        self.last_error_at = at;
        self.usage += USAGE_EXEC;
    }

    /// Adds one planning or execution. Allocates nothing.
    pub fn record(&mut self, kind: Kind, time_ms: f64, u: &Usage) {
        let k = kind as usize;
        if self.is_sticky() {
            self.usage = USAGE_INIT;
        }
        self.calls[k] += 1;
        self.total_time[k] += time_ms;
        if kind == Kind::Exec {
            let b = super::histogram::bucket_of(time_ms);
            self.exec_histogram.add_to(b);
            if let Some(i) = latency_bucket(b) {
                self.latency[i] += 1;
            }
        }
        if self.calls[k] == 1 {
            self.min_time[k] = time_ms;
            self.max_time[k] = time_ms;
            self.mean_time[k] = time_ms;
        } else {
            // Welford's method, exactly as pg_stat_statements.
            let old_mean = self.mean_time[k];
            self.mean_time[k] += (time_ms - old_mean) / self.calls[k] as f64;
            self.sum_var_time[k] += (time_ms - old_mean) * (time_ms - self.mean_time[k]);
            // 0 and 0: restarted by a min/max reset (pg_stat_statements 1.11's rule).
            if self.minmax_restarted(k) {
                self.min_time[k] = time_ms;
                self.max_time[k] = time_ms;
            } else if self.min_time[k] > time_ms {
                self.min_time[k] = time_ms;
            }
            if self.max_time[k] < time_ms {
                self.max_time[k] = time_ms;
            }
        }
        self.rows += u.rows as i64;
        self.resources.add(&u.resources);
        if let Some(l) = &u.later {
            self.local_blk_read_time += l.local_blk_read_time;
            self.local_blk_write_time += l.local_blk_write_time;
            self.wal_buffers_full += l.wal_buffers_full;
            self.parallel_workers_to_launch += l.parallel_workers_to_launch;
            self.parallel_workers_launched += l.parallel_workers_launched;
        }
        match u.plan_cache {
            PlanCache::None => {}
            PlanCache::Generic => self.generic_plan_calls += 1,
            PlanCache::Custom => self.custom_plan_calls += 1,
        }
        self.usage += USAGE_EXEC;
        if let Some(j) = &u.jit {
            self.jit_functions += j.functions;
            self.jit_generation_time += j.generation_time;
            if j.inlining_time != 0.0 {
                self.jit_inlining_count += 1;
            }
            self.jit_inlining_time += j.inlining_time;
            if j.optimization_time != 0.0 {
                self.jit_optimization_count += 1;
            }
            self.jit_optimization_time += j.optimization_time;
            if j.emission_time != 0.0 {
                self.jit_emission_count += 1;
            }
            self.jit_emission_time += j.emission_time;
            if j.deform_time != 0.0 {
                self.jit_deform_count += 1;
            }
            self.jit_deform_time += j.deform_time;
        }
    }

    /// Whether these counters are ones [`Counters::record`] could have produced (for values
    /// read from a file): counts from 0 to [`MAX_COUNT`], times finite and not negative, a
    /// min not above its max, a valid histogram. The error names the first field that is not.
    pub fn check(&self) -> Result<(), &'static str> {
        let count = |v: i64| (0..=MAX_COUNT).contains(&v);
        let time = |v: f64| v.is_finite() && v >= 0.0;
        let r = &self.resources;
        let counts = [
            ("calls", self.calls[0]),
            ("calls", self.calls[1]),
            ("rows", self.rows),
            ("shared_blks_hit", r.shared_blks_hit),
            ("shared_blks_read", r.shared_blks_read),
            ("shared_blks_dirtied", r.shared_blks_dirtied),
            ("shared_blks_written", r.shared_blks_written),
            ("local_blks_hit", r.local_blks_hit),
            ("local_blks_read", r.local_blks_read),
            ("local_blks_dirtied", r.local_blks_dirtied),
            ("local_blks_written", r.local_blks_written),
            ("temp_blks_read", r.temp_blks_read),
            ("temp_blks_written", r.temp_blks_written),
            ("wal_records", r.wal_records),
            ("wal_fpi", r.wal_fpi),
            ("jit_functions", self.jit_functions),
            ("jit_inlining_count", self.jit_inlining_count),
            ("jit_optimization_count", self.jit_optimization_count),
            ("jit_emission_count", self.jit_emission_count),
            ("errors", self.errors),
            ("jit_deform_count", self.jit_deform_count),
            ("wal_buffers_full", self.wal_buffers_full),
            (
                "parallel_workers_to_launch",
                self.parallel_workers_to_launch,
            ),
            ("parallel_workers_launched", self.parallel_workers_launched),
            ("generic_plan_calls", self.generic_plan_calls),
            ("custom_plan_calls", self.custom_plan_calls),
        ];
        if let Some((name, _)) = counts.iter().find(|(_, v)| !count(*v)) {
            return Err(name);
        }
        if !self.latency.iter().all(|&v| count(v)) {
            return Err("latency");
        }
        if r.wal_bytes > MAX_COUNT as u64 {
            return Err("wal_bytes");
        }
        let times = [
            ("total_time", self.total_time[0]),
            ("total_time", self.total_time[1]),
            ("min_time", self.min_time[0]),
            ("min_time", self.min_time[1]),
            ("max_time", self.max_time[0]),
            ("max_time", self.max_time[1]),
            ("mean_time", self.mean_time[0]),
            ("mean_time", self.mean_time[1]),
            ("blk_read_time", r.blk_read_time),
            ("blk_write_time", r.blk_write_time),
            ("temp_blk_read_time", r.temp_blk_read_time),
            ("temp_blk_write_time", r.temp_blk_write_time),
            ("usage", self.usage),
            ("jit_generation_time", self.jit_generation_time),
            ("jit_inlining_time", self.jit_inlining_time),
            ("jit_optimization_time", self.jit_optimization_time),
            ("jit_emission_time", self.jit_emission_time),
            ("error_time", self.error_time),
            ("local_blk_read_time", self.local_blk_read_time),
            ("local_blk_write_time", self.local_blk_write_time),
            ("jit_deform_time", self.jit_deform_time),
        ];
        if let Some((name, _)) = times.iter().find(|(_, v)| !time(*v)) {
            return Err(name);
        }
        // Welford's sum may round a hair below zero: only finite is required.
        if !self.sum_var_time.iter().all(|v| v.is_finite()) {
            return Err("sum_var_time");
        }
        if (0..2).any(|k| self.calls[k] > 0 && self.min_time[k] > self.max_time[k]) {
            return Err("min_time");
        }
        // Five 6-bit characters.
        if !(0..1 << 30).contains(&self.last_sqlstate) || self._pad != 0 {
            return Err("last_sqlstate");
        }
        let stamps = [
            ("last_error_at", self.last_error_at),
            ("stats_since", self.stats_since),
            ("minmax_stats_since", self.minmax_stats_since),
        ];
        if let Some((name, _)) = stamps
            .iter()
            .find(|(_, v)| !super::table::valid_timestamp(*v))
        {
            return Err(name);
        }
        self.exec_histogram.check()
    }

    /// Population standard deviation of the planning or execution time (0 below 2 calls).
    pub fn stddev(&self, kind: Kind) -> f64 {
        let k = kind as usize;
        if self.calls[k] > 1 {
            (self.sum_var_time[k] / self.calls[k] as f64).sqrt()
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exec(c: &mut Counters, ms: f64) {
        c.record(
            Kind::Exec,
            ms,
            &Usage {
                rows: 1,
                ..Default::default()
            },
        );
    }

    #[test]
    fn min_max_mean_stddev_match_direct_computation() {
        let samples = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let mut c = Counters::new(USAGE_INIT, 0);
        for s in samples {
            exec(&mut c, s);
        }
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        assert_eq!(c.calls[1], 8);
        assert_eq!(c.rows, 8);
        assert_eq!(c.min_time[1], 1.0);
        assert_eq!(c.max_time[1], 9.0);
        assert!((c.mean_time[1] - mean).abs() < 1e-12);
        assert!((c.stddev(Kind::Exec) - var.sqrt()).abs() < 1e-12);
        assert!((c.total_time[1] - 31.0).abs() < 1e-12);
        assert_eq!(c.calls[0], 0);
    }

    #[test]
    fn single_call_has_zero_stddev() {
        let mut c = Counters::new(USAGE_INIT, 0);
        exec(&mut c, 7.5);
        assert_eq!(c.stddev(Kind::Exec), 0.0);
        assert_eq!(c.min_time[1], 7.5);
        assert_eq!(c.mean_time[1], 7.5);
    }

    #[test]
    fn sticky_until_first_call_then_usage_restarts() {
        let mut c = Counters::new(ASSUMED_MEDIAN_INIT, 0);
        assert!(c.is_sticky());
        c.record(Kind::Plan, 0.5, &Usage::default());
        assert!(!c.is_sticky());
        assert_eq!(c.usage, USAGE_INIT + USAGE_EXEC);
    }

    #[test]
    fn jit_counts_only_nonzero_phases() {
        let mut c = Counters::new(USAGE_INIT, 0);
        let jit = JitUsage {
            functions: 3,
            generation_time: 1.0,
            inlining_time: 0.0,
            optimization_time: 2.0,
            emission_time: 0.5,
            deform_time: 0.0,
        };
        c.record(
            Kind::Exec,
            1.0,
            &Usage {
                jit: Some(jit),
                ..Default::default()
            },
        );
        assert_eq!(c.jit_functions, 3);
        assert_eq!(c.jit_inlining_count, 0);
        assert_eq!(c.jit_optimization_count, 1);
        assert_eq!(c.jit_emission_count, 1);
    }

    #[test]
    fn block_and_wal_counters_accumulate() {
        let mut c = Counters::new(USAGE_INIT, 0);
        let resources = Resources {
            shared_blks_hit: 10,
            temp_blks_written: 2,
            wal_bytes: 100,
            wal_records: 1,
            blk_read_time: 0.25,
            ..Default::default()
        };
        let u = Usage {
            resources,
            ..Default::default()
        };
        c.record(Kind::Exec, 1.0, &u);
        c.record(Kind::Exec, 1.0, &u);
        assert_eq!(c.resources.shared_blks_hit, 20);
        assert_eq!(c.resources.temp_blks_written, 4);
        assert_eq!(c.resources.wal_bytes, 200);
        assert_eq!(c.resources.wal_records, 2);
        assert_eq!(c.resources.blk_read_time, 0.5);
    }

    #[test]
    fn executions_feed_the_histogram_and_planning_does_not() {
        let mut c = Counters::new(USAGE_INIT, 0);
        c.record(Kind::Plan, 5.0, &Usage::default());
        c.record(Kind::Exec, 2.0, &Usage::default());
        assert_eq!(c.exec_histogram.total(), 1);
    }

    #[test]
    fn errors_are_counted_apart_from_calls() {
        let mut c = Counters::new(ASSUMED_MEDIAN_INIT, 0);
        c.record_error(2.5, sqlstate_code("22012"), 100);
        c.record_error(1.0, sqlstate_code("57014"), 200);
        assert!(!c.is_sticky(), "a statement that only failed is shown");
        assert_eq!(
            (c.calls[1], c.errors, c.error_time, c.last_error_at),
            (0, 2, 3.5, 200)
        );
        assert_eq!(sqlstate_text(c.last_sqlstate), "57014");
        assert_eq!(c.usage, USAGE_INIT + 2.0 * USAGE_EXEC);
    }

    #[test]
    fn sqlstates_round_trip() {
        for s in [
            "00000", "22012", "23505", "40001", "40P01", "57014", "XX000",
        ] {
            assert_eq!(sqlstate_text(sqlstate_code(s)), s);
        }
    }

    #[test]
    fn later_pg_stat_statements_counters_accumulate() {
        let mut c = Counters::new(USAGE_INIT, 42);
        assert_eq!((c.stats_since, c.minmax_stats_since), (42, 42));
        let jit = JitUsage {
            deform_time: 0.25,
            ..Default::default()
        };
        let u = Usage {
            jit: Some(jit),
            later: Some(LaterUsage {
                local_blk_read_time: 1.5,
                local_blk_write_time: 0.5,
                wal_buffers_full: 2,
                parallel_workers_to_launch: 4,
                parallel_workers_launched: 3,
            }),
            plan_cache: PlanCache::Generic,
            ..Default::default()
        };
        c.record(Kind::Exec, 1.0, &u);
        c.record(
            Kind::Exec,
            1.0,
            &Usage {
                plan_cache: PlanCache::Custom,
                ..u
            },
        );
        c.record(Kind::Exec, 1.0, &Usage::default());
        assert_eq!((c.jit_deform_count, c.jit_deform_time), (2, 0.5));
        assert_eq!((c.local_blk_read_time, c.local_blk_write_time), (3.0, 1.0));
        assert_eq!(c.wal_buffers_full, 4);
        assert_eq!(
            (c.parallel_workers_to_launch, c.parallel_workers_launched),
            (8, 6)
        );
        assert_eq!(
            (c.generic_plan_calls, c.custom_plan_calls, c.calls[1]),
            (1, 1, 3)
        );
        assert!(c.check().is_ok());
    }

    #[test]
    fn percentile_bounds_ignore_a_restarted_min_max() {
        let mut c = Counters::new(USAGE_INIT, 0);
        exec(&mut c, 2.0);
        exec(&mut c, 8.0);
        assert_eq!(c.exec_bounds(), (2.0, 8.0));
        c.reset_minmax(5);
        assert_eq!(c.exec_bounds(), (0.0, f64::INFINITY));
        let [p50] = c.exec_histogram.quantiles([0.5], 0.0, f64::INFINITY);
        assert!(
            p50.unwrap() > 1.0,
            "the histogram still holds both executions"
        );
        exec(&mut c, 5.0);
        assert_eq!(c.exec_bounds(), (5.0, 5.0));
    }

    #[test]
    fn format3_counters_are_the_prefix_before_stats_since() {
        assert_eq!(
            FORMAT3_COUNTERS_SIZE,
            std::mem::size_of::<Counters>() - (11 + LATENCY_BUCKETS) * 8
        );
    }

    #[test]
    fn latency_buckets_hold_what_their_bounds_say() {
        use crate::store::histogram::bucket_of;
        // Every bound is a fine-histogram boundary: a hair below it counts in its bucket, a
        // hair above in the next.
        for i in 0..LATENCY_BUCKETS {
            let le_ms = latency_le_seconds(i) * 1000.0;
            assert_eq!(
                latency_bucket(bucket_of(le_ms * 0.999)),
                Some(i),
                "below {le_ms}"
            );
            let above = latency_bucket(bucket_of(le_ms * 1.001));
            assert_eq!(
                above,
                (i + 1 < LATENCY_BUCKETS).then_some(i + 1),
                "above {le_ms}"
            );
        }
        assert_eq!(latency_le_seconds(0), 16e-6);
        assert!((latency_le_seconds(12) - 268.435456).abs() < 1e-9);
        assert_eq!(latency_bucket(bucket_of(0.0001)), Some(0));
        assert_eq!(latency_bucket(bucket_of(1e9)), None);
        let mut c = Counters::new(USAGE_INIT, 0);
        for ms in [0.01, 0.5, 0.5, 3.0, 300_000.0] {
            exec(&mut c, ms);
        }
        // 10 us < 16 us; 500 us <= 1.024 ms; 3 ms <= 4.096 ms; 300 s past 268 s.
        assert_eq!(c.latency[0], 1);
        assert_eq!(c.latency[3], 2);
        assert_eq!(c.latency[4], 1);
        assert_eq!(c.latency.iter().sum::<i64>(), 4);
        assert_eq!(c.calls[1], 5);
    }

    #[test]
    fn counters_have_no_padding() {
        // Pod derive already refuses padding; this documents the size the store budgets for.
        assert_eq!(std::mem::size_of::<Counters>() % 8, 0);
    }
}
