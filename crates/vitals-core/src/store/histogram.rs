//! Latency histogram of one entry (pure Rust, fixed size, no allocation).
//!
//! # Buckets
//! 256 geometric buckets, 8 per power of two: bucket `b` holds execution times in
//! `[2^(b/8), 2^((b+1)/8))` microseconds, so the buckets span 1 us to 2^32 us (71.6 minutes).
//! Faster executions count in bucket 0, slower ones in bucket 255. A percentile is reported
//! as the geometric middle of its bucket, `2^((b+1/2)/8)` us, which is within
//! `2^(1/16) - 1 = 4.43%` of every value the bucket can hold (the documented error bound,
//! [`MAX_RELATIVE_ERROR`]), and then clamped to the entry's exact min and max.
//!
//! # Counts in 616 bytes
//! A count is its low 16 bits in `low[b]` plus, for the few buckets that pass 65,535, a high
//! part in one of [`CARRY_SLOTS`] carry slots. Up to that many buckets can hold any count up
//! to 2^48 exactly, so adding, merging and resetting are exact. Only when a 13th bucket
//! overflows are all counts halved (rounding up, so no non-empty bucket becomes empty) and
//! `halvings` counted: relative frequencies, hence percentiles, are kept, absolute counts
//! become approximate, and `vitals.info` reports it.

use bytemuck::{Pod, Zeroable};

pub const BUCKETS: usize = 256;
pub const PER_OCTAVE: u32 = 8;
pub const CARRY_SLOTS: usize = 12;
/// Largest relative error of a reported percentile for values within 1 us to 71.6 min.
pub const MAX_RELATIVE_ERROR: f64 = 0.044_273_782_427_413_84; // 2^(1/16) - 1

/// The high part of one bucket's count.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Pod, Zeroable)]
struct Carry {
    high: u32,
    bucket: u8,
    used: u8,
    _pad: [u8; 2],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Histogram {
    low: [u16; BUCKETS],
    carries: [Carry; CARRY_SLOTS],
    /// Times every count was halved because the carry slots ran out.
    pub halvings: u32,
    _pad: u32,
}

impl Default for Histogram {
    fn default() -> Self {
        Zeroable::zeroed()
    }
}

/// Mantissa bits (the 52 below the leading one) of 2^(k/8), k = 1..7: a time whose mantissa
/// is at least the k-th threshold lies at least k eighths of an octave above its power of two.
/// Checked against `powf` in the tests.
const THRESHOLDS: [u64; 7] = [
    0x172b83c7d517b, // 2^(1/8)
    0x306fe0a31b715, // 2^(2/8)
    0x4bfdad5362a27, // 2^(3/8)
    0x6a09e667f3bcd, // 2^(4/8)
    0x8ace5422aa0db, // 2^(5/8)
    0xae89f995ad3ad, // 2^(6/8)
    0xd5818dcfba487, // 2^(7/8)
];

/// The bucket of an execution time given in milliseconds.
#[inline]
pub fn bucket_of(ms: f64) -> usize {
    let us = ms * 1000.0;
    if us.is_nan() || us < 1.0 {
        return 0;
    }
    let bits = us.to_bits();
    let octave = ((bits >> 52) & 0x7ff) as i64 - 1023;
    if octave >= 32 {
        return BUCKETS - 1;
    }
    let mantissa = bits & ((1u64 << 52) - 1);
    // How many thresholds the mantissa reaches, by binary search (three comparisons).
    let mut sub = 0;
    if mantissa >= THRESHOLDS[3] {
        sub = 4;
    }
    if mantissa >= THRESHOLDS[sub + 1] {
        sub += 2;
    }
    if mantissa >= THRESHOLDS[sub] {
        sub += 1;
    }
    octave as usize * PER_OCTAVE as usize + sub
}

/// Lower bound of bucket `b`, in milliseconds.
pub fn lower_ms(b: usize) -> f64 {
    2f64.powf(b as f64 / PER_OCTAVE as f64) / 1000.0
}

/// Upper bound of bucket `b`, in milliseconds.
pub fn upper_ms(b: usize) -> f64 {
    lower_ms(b + 1)
}

/// The value reported for bucket `b`: its geometric middle, in milliseconds.
pub fn middle_ms(b: usize) -> f64 {
    2f64.powf((b as f64 + 0.5) / PER_OCTAVE as f64) / 1000.0
}

impl Histogram {
    /// Counts one execution. No allocation; a few dozen instructions.
    #[inline]
    pub fn add(&mut self, ms: f64) {
        self.add_count(bucket_of(ms), 1);
    }

    /// Counts one execution in bucket `b` (of [`bucket_of`]).
    #[inline]
    pub fn add_to(&mut self, b: usize) {
        self.add_count(b, 1);
    }

    fn carry_slot(&self, b: usize) -> Option<usize> {
        self.carries
            .iter()
            .position(|c| c.used != 0 && c.bucket as usize == b)
    }

    /// Count of bucket `b` (after any halvings).
    pub fn count(&self, b: usize) -> u64 {
        let high = self
            .carry_slot(b)
            .map_or(0, |s| self.carries[s].high as u64);
        (high << 16) | self.low[b] as u64
    }

    fn set_count(&mut self, b: usize, n: u64) {
        self.low[b] = n as u16;
        let high = (n >> 16) as u32;
        match (self.carry_slot(b), high) {
            (Some(s), 0) => self.carries[s] = Carry::default(),
            (Some(s), h) => self.carries[s].high = h,
            (None, 0) => {}
            (None, h) => {
                let s = match self.carries.iter().position(|c| c.used == 0) {
                    Some(s) => s,
                    None => {
                        self.halve();
                        return self.set_count(b, n.div_ceil(2));
                    }
                };
                self.carries[s] = Carry {
                    high: h,
                    bucket: b as u8,
                    used: 1,
                    _pad: [0; 2],
                };
            }
        }
    }

    #[inline]
    fn add_count(&mut self, b: usize, n: u64) {
        // Fast path: the low 16 bits do not overflow (exact whether or not the bucket has a
        // carry, since the count is high << 16 | low).
        let low = self.low[b] as u64 + n;
        if low <= u16::MAX as u64 {
            self.low[b] = low as u16;
            return;
        }
        self.add_carrying(b, n);
    }

    /// The rest of [`Histogram::add_count`], once in 65,536 counts: kept out of line so
    /// that the hot path does not pay for its frame.
    #[cold]
    #[inline(never)]
    fn add_carrying(&mut self, b: usize, n: u64) {
        let total = self.count(b) + n;
        self.set_count(b, total);
    }

    /// Halves every count, rounding up so that no non-empty bucket becomes empty.
    fn halve(&mut self) {
        for b in 0..BUCKETS {
            let n = self.count(b);
            if n != 0 {
                let half = n.div_ceil(2);
                self.low[b] = half as u16;
                if let Some(s) = self.carry_slot(b) {
                    let high = (half >> 16) as u32;
                    if high == 0 {
                        self.carries[s] = Carry::default();
                    } else {
                        self.carries[s].high = high;
                    }
                }
            }
        }
        self.halvings += 1;
    }

    /// Every bucket's count (after any halvings): one pass over the buckets and one over
    /// the carry slots, where calling [`Histogram::count`] per bucket scans the slots each time.
    pub fn counts(&self) -> [u64; BUCKETS] {
        let mut counts: [u64; BUCKETS] = std::array::from_fn(|b| self.low[b] as u64);
        for c in self.carries.iter().filter(|c| c.used != 0) {
            counts[c.bucket as usize] += (c.high as u64) << 16;
        }
        counts
    }

    /// Adds another histogram's counts (for summing entries).
    pub fn merge(&mut self, other: &Histogram) {
        for (b, n) in other.counts().into_iter().enumerate() {
            if n != 0 {
                self.add_count(b, n);
            }
        }
        self.halvings = self.halvings.max(other.halvings);
    }

    pub fn total(&self) -> u64 {
        self.counts().iter().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.low.iter().all(|&l| l == 0) && self.carries.iter().all(|c| c.used == 0)
    }

    /// The `q`-quantile (0 < q <= 1) by the nearest-rank method, in milliseconds, clamped to
    /// `[min_ms, max_ms]`; None for an empty histogram.
    pub fn quantile(&self, q: f64, min_ms: f64, max_ms: f64) -> Option<f64> {
        let [v] = self.quantiles([q], min_ms, max_ms);
        v
    }

    /// Several quantiles at once (one pass over the buckets), each as [`Histogram::quantile`].
    pub fn quantiles<const N: usize>(
        &self,
        qs: [f64; N],
        min_ms: f64,
        max_ms: f64,
    ) -> [Option<f64>; N] {
        quantiles_of(&self.counts(), qs, min_ms, max_ms)
    }

    /// Whether the histogram is one this module could have built (for values read from a
    /// file): each carry slot in use names a bucket no other slot names, and holds a
    /// non-zero high part; a slot not in use is all zero. The error names the field.
    pub fn check(&self) -> Result<(), &'static str> {
        if self._pad != 0 {
            return Err("exec_histogram");
        }
        let mut seen = [false; BUCKETS];
        for c in &self.carries {
            match c.used {
                0 if *c == Carry::default() => {}
                1 if c.high != 0 && !std::mem::replace(&mut seen[c.bucket as usize], true) => {}
                _ => return Err("exec_histogram"),
            }
        }
        Ok(())
    }

    /// Non-empty buckets as (bucket, count).
    pub fn buckets(&self) -> impl Iterator<Item = (usize, u64)> {
        self.counts()
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n != 0)
    }
}

/// Quantiles of bucket counts (one histogram's, or several summed), each by the
/// nearest-rank method as [`Histogram::quantile`].
pub fn quantiles_of<const N: usize>(
    counts: &[u64; BUCKETS],
    qs: [f64; N],
    min_ms: f64,
    max_ms: f64,
) -> [Option<f64>; N] {
    let total: u64 = counts.iter().sum();
    qs.map(|q| {
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0u64;
        counts
            .iter()
            .position(|&n| {
                seen += n;
                seen >= rank
            })
            // max/min rather than clamp: bounds that are NaN or crossed must not panic.
            .map(|b| middle_ms(b).min(max_ms).max(min_ms.min(max_ms)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binary_search_counts_thresholds_as_a_scan_does() {
        for octave in [0u64, 5, 20] {
            let mut probes = vec![0u64, (1 << 52) - 1];
            for &t in &THRESHOLDS {
                probes.extend([t - 1, t, t + 1]);
            }
            for m in probes {
                let us = f64::from_bits(((octave + 1023) << 52) | m);
                let scan = THRESHOLDS.iter().take_while(|&&t| m >= t).count();
                assert_eq!(
                    bucket_of(us / 1000.0),
                    octave as usize * 8 + scan,
                    "mantissa {m:x}"
                );
            }
        }
    }

    #[test]
    fn quantiles_never_panic_on_bounds_that_are_nan_or_crossed() {
        let mut h = Histogram::default();
        h.add(2.0);
        for (min, max) in [
            (f64::NAN, 3.0),
            (1.0, f64::NAN),
            (5.0, 1.0),
            (f64::NAN, f64::NAN),
        ] {
            let q = h.quantile(0.5, min, max);
            assert!(q.is_some(), "{min} {max}");
        }
    }

    #[test]
    fn carry_slots_are_checked() {
        let mut h = Histogram::default();
        for _ in 0..70_000 {
            h.add(2.0);
        }
        assert_eq!(h.check(), Ok(()));
        let mut twice = h;
        twice.carries[1] = twice.carries[0];
        assert_eq!(twice.check(), Err("exec_histogram"));
        let mut empty_high = h;
        empty_high.carries[0].high = 0;
        assert!(empty_high.check().is_err());
        let mut stray = Histogram::default();
        stray.carries[3].bucket = 9;
        assert!(stray.check().is_err());
    }

    #[test]
    fn thresholds_are_the_eighth_powers_of_two() {
        for (k, t) in THRESHOLDS.iter().enumerate() {
            let exact = 2f64.powf((k + 1) as f64 / 8.0);
            assert_eq!(*t, exact.to_bits() & ((1u64 << 52) - 1), "threshold {k}");
        }
    }

    #[test]
    fn fits_the_entry_budget() {
        assert_eq!(std::mem::size_of::<Histogram>(), 616);
    }

    #[test]
    fn every_value_from_1us_to_71min_is_reported_within_the_bound() {
        // Geometric sweep, 2,000 points per octave, over the whole range.
        let mut us = 1.0f64;
        let step = 2f64.powf(1.0 / 2000.0);
        let mut worst = 0f64;
        while us < 2f64.powi(32) {
            let ms = us / 1000.0;
            let b = bucket_of(ms);
            assert!(
                lower_ms(b) <= ms * (1.0 + 1e-12) && ms < upper_ms(b) * (1.0 + 1e-12),
                "{us} us in bucket {b}"
            );
            let err = (middle_ms(b) / ms - 1.0).abs();
            worst = worst.max(err);
            us *= step;
        }
        assert!(worst <= MAX_RELATIVE_ERROR + 1e-12, "worst {worst}");
        assert!(worst < 0.05);
        assert!(worst > 0.04, "the sweep reaches bucket edges");
    }

    #[test]
    fn quantile_of_a_single_value_is_within_the_bound_everywhere() {
        for exp in -3..=6 {
            for mant in [1.0, 1.3, 2.0, 3.7, 5.0, 9.99] {
                let ms = mant * 10f64.powi(exp);
                let mut h = Histogram::default();
                h.add(ms);
                // Without clamping to min/max, to see the raw bucket estimate.
                let q = h.quantile(0.5, 0.0, f64::MAX).unwrap();
                if ms >= 0.001 && ms < 2f64.powi(32) / 1000.0 {
                    assert!(
                        (q / ms - 1.0).abs() <= MAX_RELATIVE_ERROR + 1e-12,
                        "{ms} ms -> {q}"
                    );
                }
                // With the entry's min and max, a single value is exact.
                assert_eq!(h.quantile(0.99, ms, ms), Some(ms));
            }
        }
    }

    #[test]
    fn out_of_range_values_go_to_the_end_buckets() {
        assert_eq!(bucket_of(0.0), 0);
        assert_eq!(bucket_of(0.0005), 0);
        assert_eq!(bucket_of(f64::NAN), 0);
        assert_eq!(bucket_of(-1.0), 0);
        assert_eq!(bucket_of(1e12), BUCKETS - 1);
        assert_eq!(bucket_of(0.001), 0);
        assert_eq!(bucket_of(3_600_000.0), bucket_of(3_600_000.0));
        assert!(
            bucket_of(3_600_000.0) < BUCKETS - 1,
            "one hour is inside the range"
        );
    }

    #[test]
    fn percentiles_of_a_two_mode_workload() {
        // 90 executions of about 1 ms, 10 of about 20 ms (the scenario).
        let mut h = Histogram::default();
        for _ in 0..90 {
            h.add(1.0);
        }
        for _ in 0..10 {
            h.add(20.0);
        }
        let p = |q| h.quantile(q, 1.0, 20.0).unwrap();
        assert!((p(0.5) - 1.0).abs() <= 0.05);
        assert!((p(0.9) - 1.0).abs() <= 0.05);
        assert!((p(0.95) - 20.0).abs() <= 1.0);
        assert!((p(0.99) - 20.0).abs() <= 1.0);
        assert_eq!(h.total(), 100);
        let all = h.quantiles([0.5, 0.9, 0.95, 0.99, 0.999], 1.0, 20.0);
        assert_eq!(
            all,
            [
                Some(p(0.5)),
                Some(p(0.9)),
                Some(p(0.95)),
                Some(p(0.99)),
                Some(p(0.999))
            ]
        );
    }

    #[test]
    fn counts_beyond_16_bits_are_exact() {
        let mut h = Histogram::default();
        for _ in 0..200_000 {
            h.add(2.0);
        }
        h.add(3.0);
        assert_eq!(h.count(bucket_of(2.0)), 200_000);
        assert_eq!(h.total(), 200_001);
        assert_eq!(h.halvings, 0);
    }

    fn filled(seed: u64, n: usize) -> (Histogram, Vec<f64>) {
        let mut h = Histogram::default();
        let mut x = seed;
        let mut values = Vec::new();
        for _ in 0..n {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let ms = 10f64.powf((x >> 11) as f64 / (1u64 << 53) as f64 * 8.0 - 3.0);
            h.add(ms);
            values.push(ms);
        }
        (h, values)
    }

    #[test]
    fn merging_is_exact() {
        let (mut a, va) = filled(1, 5000);
        let (b, vb) = filled(2, 7000);
        let mut both = Histogram::default();
        for v in va.iter().chain(vb.iter()) {
            both.add(*v);
        }
        a.merge(&b);
        assert_eq!(a, both);
        // Merging large counts is exact too.
        let mut big = Histogram::default();
        for _ in 0..70_000 {
            big.add(5.0);
        }
        let mut sum = big;
        sum.merge(&big);
        assert_eq!(sum.count(bucket_of(5.0)), 140_000);
    }

    #[test]
    fn reset_is_exact() {
        let (mut h, _) = filled(3, 1000);
        assert!(!h.is_empty());
        h = Histogram::default();
        assert!(h.is_empty());
        assert_eq!(h.total(), 0);
        assert_eq!(h.quantile(0.5, 0.0, 1.0), None);
    }

    #[test]
    fn running_out_of_carry_slots_halves_and_keeps_percentiles() {
        let mut h = Histogram::default();
        // 13 buckets each past 65,535: one more than there are carry slots.
        for i in 0..13 {
            let ms = 2f64.powi(i); // a different octave each
            h.add_count(bucket_of(ms), 70_000);
        }
        assert_eq!(h.halvings, 1);
        // Every bucket still has the same share, so the median is the middle bucket's value.
        let median = h.quantile(0.5, 0.0, f64::MAX).unwrap();
        assert!(
            (median / 64.0 - 1.0).abs() <= MAX_RELATIVE_ERROR,
            "median {median}"
        );
        for i in 0..13 {
            assert_eq!(h.count(bucket_of(2f64.powi(i))), 35_000);
        }
    }
}
