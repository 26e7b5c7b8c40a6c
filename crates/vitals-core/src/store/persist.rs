//! The stats file that carries the store across a clean restart (pure Rust).
//!
//! Layout, all little-endian:
//! `magic u32 | format u32 | pg_major u32 | counters_size u32 | n_entries u64 |`
//! n x (`key 24 B | encoding i32 | text_len u32 | command u32 | counters | text bytes |
//! plan_len u32 | plan info | plan text`) `| global stats | n_totals u32 | retired totals |
//! n_errors u32 | failure counts | checksum u64` (FNV-1a over everything before it).
//!
//! Formats 2 (pg_vitals 0.2: no plans, shorter global stats) and 3 (0.3 and 0.4: counters
//! without the columns pg_stat_statements added after 1.10) are still read, so that the
//! restart that loads a new pg_vitals keeps the statistics. Their entries' new counters read
//! 0, their command `other`, and their `stats_since` is the store's `stats_reset`: counting
//! began no earlier.
//!
//! Anything unexpected (another magic, format, PostgreSQL major or counters layout, a short
//! or long file, a bad checksum) makes [`decode`] return an error; the caller logs a WARNING
//! and starts empty. So do values no server could have written, even under a valid
//! checksum: counters that [`Counters::check`] refuses (NaN or negative times, counts past
//! 2^53), timestamps PostgreSQL cannot show, keys the hooks never make, texts with NUL bytes
//! or, in UTF-8 databases, invalid UTF-8 (the caller checks the other encodings with
//! PostgreSQL's verifier), plan times that are not finite. Decoding never panics on any
//! input, and allocates in proportion to the file's size (entries are counted against it
//! before any is allocated).

use super::counters::{Counters, FORMAT3_COUNTERS_SIZE, MAX_COUNT};
use super::table::{
    valid_timestamp, Command, ErrorCount, GlobalStats, Key, PlanInfo, Totals, ERROR_SLOTS, NO_PLAN,
    NO_TEXT, RETIRED_SLOTS,
};

const MAGIC: u32 = 0x5356_4750; // "PGVS"
/// 2: counters carry the execution-time histogram; 3: captured plans, `plans_dropped`;
/// 4: counters end with pg_stat_statements 1.11 to 1.13's (`stats_since` onwards) and the
/// latency buckets; each entry has its command; the metrics' retired totals and failure
/// counts follow the global stats.
const FORMAT: u32 = 4;
/// Size of the global stats in format 2 (before `plans_dropped`).
const FORMAT2_STATS_SIZE: usize = 40;

/// A captured plan as saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedPlan {
    pub info: PlanInfo,
    pub text: Vec<u8>,
}

/// One entry as saved.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedEntry {
    pub key: Key,
    pub encoding: i32,
    pub text: Option<Vec<u8>>,
    pub command: Command,
    pub counters: Counters,
    pub plan: Option<SavedPlan>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dump {
    pub entries: Vec<SavedEntry>,
    pub stats: GlobalStats,
    /// The metrics' totals of evicted entries and failure counts (`table::totals`).
    pub retired: Vec<Totals>,
    pub errors: Vec<ErrorCount>,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

pub fn encode(pg_major: u32, dump: &Dump) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&MAGIC.to_le_bytes());
    out.extend_from_slice(&FORMAT.to_le_bytes());
    out.extend_from_slice(&pg_major.to_le_bytes());
    out.extend_from_slice(&(std::mem::size_of::<Counters>() as u32).to_le_bytes());
    out.extend_from_slice(&(dump.entries.len() as u64).to_le_bytes());
    for e in &dump.entries {
        out.extend_from_slice(bytemuck::bytes_of(&e.key));
        out.extend_from_slice(&e.encoding.to_le_bytes());
        let len = e.text.as_ref().map_or(NO_TEXT, |t| t.len() as u32);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(e.command as u32).to_le_bytes());
        out.extend_from_slice(bytemuck::bytes_of(&e.counters));
        if let Some(t) = &e.text {
            out.extend_from_slice(t);
        }
        match &e.plan {
            Some(p) => {
                out.extend_from_slice(&(p.text.len() as u32).to_le_bytes());
                out.extend_from_slice(bytemuck::bytes_of(&p.info));
                out.extend_from_slice(&p.text);
            }
            None => out.extend_from_slice(&NO_PLAN.to_le_bytes()),
        }
    }
    out.extend_from_slice(bytemuck::bytes_of(&dump.stats));
    out.extend_from_slice(&(dump.retired.len() as u32).to_le_bytes());
    out.extend_from_slice(bytemuck::cast_slice(&dump.retired));
    out.extend_from_slice(&(dump.errors.len() as u32).to_le_bytes());
    out.extend_from_slice(bytemuck::cast_slice(&dump.errors));
    let sum = fnv1a(&out);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or("file is truncated")?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn pod<T: bytemuck::Pod>(&mut self) -> Result<T, String> {
        Ok(bytemuck::pod_read_unaligned(
            self.take(std::mem::size_of::<T>())?,
        ))
    }
    /// A count (u32, at most `max`) then that many values, each passing `check`.
    fn counted<T: bytemuck::Pod>(
        &mut self,
        max: usize,
        what: &str,
        check: impl Fn(&T) -> Result<(), &'static str>,
    ) -> Result<Vec<T>, String> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(format!("too many {what}"));
        }
        (0..n)
            .map(|_| {
                let v: T = self.pod()?;
                check(&v).map_err(|f| format!("invalid {f}"))?;
                Ok(v)
            })
            .collect()
    }

    /// Counters written `size` bytes long: an older format's prefix, the rest zero.
    fn counters(&mut self, size: usize) -> Result<Counters, String> {
        let mut c: Counters = bytemuck::Zeroable::zeroed();
        bytemuck::bytes_of_mut(&mut c)[..size].copy_from_slice(self.take(size)?);
        Ok(c)
    }
}

pub fn decode(pg_major: u32, buf: &[u8]) -> Result<Dump, String> {
    if buf.len() < 8 {
        return Err("file is truncated".into());
    }
    let (body, sum) = buf.split_at(buf.len() - 8);
    let mut r = Reader { buf: body, pos: 0 };
    if r.u32()? != MAGIC {
        return Err("not a pg_vitals stats file".into());
    }
    let format = r.u32()?;
    if !(2..=FORMAT).contains(&format) {
        return Err(format!("unsupported stats file format {format}"));
    }
    let counters_size = match format {
        FORMAT => std::mem::size_of::<Counters>(),
        _ => FORMAT3_COUNTERS_SIZE,
    };
    let major = r.u32()?;
    if major != pg_major {
        return Err(format!(
            "stats file is from PostgreSQL {major}, server is {pg_major}"
        ));
    }
    if r.u32()? as usize != counters_size {
        return Err("stats file has another counters layout".into());
    }
    if u64::from_le_bytes(sum.try_into().unwrap()) != fnv1a(body) {
        return Err("checksum mismatch".into());
    }
    let n = r.u64()?;
    // Each entry takes at least its key, encoding, text length and counters: a count the
    // file cannot hold is damage, and the entries are not allocated before it is refused.
    if n > (body.len() / (32 + counters_size)) as u64 {
        return Err("entry count exceeds file size".into());
    }
    let mut entries = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let key: Key = r.pod()?;
        let encoding = r.u32()? as i32;
        let len = r.u32()?;
        let command = match format {
            FORMAT => match r.u32()? {
                c if c <= Command::Utility as u32 => Command::from_code(c as u16),
                c => return Err(format!("entry {}: invalid command {c}", entries.len() + 1)),
            },
            _ => Command::Other,
        };
        let counters = r.counters(counters_size)?;
        let text = if len == NO_TEXT {
            None
        } else {
            Some(r.take(len as usize)?.to_vec())
        };
        let plan = match format {
            2 => None,
            _ => match r.u32()? {
                NO_PLAN => None,
                len => Some(SavedPlan {
                    info: r.pod()?,
                    text: r.take(len as usize)?.to_vec(),
                }),
            },
        };
        let entry = SavedEntry {
            key,
            encoding,
            text,
            command,
            counters,
            plan,
        };
        entry
            .check()
            .map_err(|why| format!("entry {}: {why}", entries.len() + 1))?;
        entries.push(entry);
    }
    let stats: GlobalStats = match format {
        2 => {
            let mut stats = GlobalStats::default();
            bytemuck::bytes_of_mut(&mut stats)[..FORMAT2_STATS_SIZE]
                .copy_from_slice(r.take(FORMAT2_STATS_SIZE)?);
            stats
        }
        _ => r.pod()?,
    };
    let (retired, errors) = if format == FORMAT {
        (
            r.counted(RETIRED_SLOTS, "retired totals", Totals::check)?,
            r.counted(ERROR_SLOTS, "failure counts", ErrorCount::check)?,
        )
    } else {
        Default::default()
    };
    if r.pos != body.len() {
        return Err("trailing bytes in stats file".into());
    }
    if format < FORMAT {
        for e in &mut entries {
            let c = &mut e.counters;
            c.stats_since = stats.stats_reset;
            c.minmax_stats_since = stats.stats_reset;
            // The latency buckets' bounds are histogram bucket boundaries: exact from an
            // unhalved histogram (a halved one's executions count in +Inf only).
            if c.exec_histogram.halvings == 0 {
                for (b, n) in c.exec_histogram.buckets() {
                    if let Some(i) = super::counters::latency_bucket(b) {
                        c.latency[i] += n as i64;
                    }
                }
            }
        }
    }
    let counts = [
        stats.dealloc,
        stats.entries_evicted,
        stats.texts_dropped,
        stats.plans_dropped,
    ];
    if counts.iter().any(|c| !(0..=MAX_COUNT).contains(c))
        || !valid_timestamp(stats.stats_reset)
        || !valid_timestamp(stats.last_dealloc)
    {
        return Err("store statistics out of range".into());
    }
    Ok(Dump {
        entries,
        stats,
        retired,
        errors,
    })
}

/// PostgreSQL's encoding number for UTF-8 (`PG_UTF8`), the same on every version.
pub const PG_UTF8: i32 = 6;

impl SavedEntry {
    /// Whether the entry holds values a server could have written; see the module
    /// documentation.
    fn check(&self) -> Result<(), String> {
        self.key.check().map_err(|f| format!("invalid {f}"))?;
        self.counters.check().map_err(|f| format!("invalid {f}"))?;
        if self.encoding < 0 {
            return Err(format!("invalid encoding {}", self.encoding));
        }
        let texts = [
            ("query text", self.text.as_deref()),
            ("plan text", self.plan.as_ref().map(|p| p.text.as_slice())),
        ];
        for (what, text) in texts {
            let Some(text) = text else { continue };
            if text.contains(&0) {
                return Err(format!("{what} holds a NUL byte"));
            }
            if self.encoding == PG_UTF8 && std::str::from_utf8(text).is_err() {
                return Err(format!("{what} is not valid UTF-8"));
            }
        }
        if let Some(p) = &self.plan {
            p.info.check().map_err(|f| format!("invalid {f}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::counters::{Kind, Usage};

    fn sample() -> Dump {
        let mut c = Counters::new(1.0, 0);
        c.record(
            Kind::Exec,
            2.5,
            &Usage {
                rows: 3,
                ..Default::default()
            },
        );
        Dump {
            entries: vec![
                SavedEntry {
                    key: Key::new(10, 5, -42, true),
                    encoding: 6,
                    text: Some(b"SELECT $1".to_vec()),
                    command: Command::Select,
                    counters: c,
                    plan: Some(SavedPlan {
                        info: PlanInfo::new(2.5, 99, true),
                        text: b"Seq Scan on t (actual rows=3 loops=1)".to_vec(),
                    }),
                },
                SavedEntry {
                    key: Key::new(10, 5, 7, false),
                    encoding: 6,
                    text: None,
                    command: Command::Utility,
                    counters: c,
                    plan: None,
                },
            ],
            stats: GlobalStats {
                dealloc: 2,
                stats_reset: 123,
                plans_dropped: 4,
                ..Default::default()
            },
            retired: vec![{
                let mut t = Totals::new(5, 10, Command::Select);
                (t.calls, t.exec_time, t.rows) = (7, 12.5, 3);
                t.latency[3] = 7;
                t
            }],
            errors: vec![ErrorCount::new(
                5,
                10,
                Command::Insert,
                crate::store::counters::sqlstate_code("23505"),
                2,
            )],
        }
    }

    #[test]
    fn round_trip() {
        let d = sample();
        assert_eq!(decode(15, &encode(15, &d)).unwrap(), d);
    }

    /// A file as pg_vitals 0.2 wrote it: no plan fields, global stats without `plans_dropped`,
    /// format-3 counters.
    fn format2(d: &Dump) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [MAGIC, 2, 15, FORMAT3_COUNTERS_SIZE as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(d.entries.len() as u64).to_le_bytes());
        for e in &d.entries {
            out.extend_from_slice(bytemuck::bytes_of(&e.key));
            out.extend_from_slice(&e.encoding.to_le_bytes());
            let len = e.text.as_ref().map_or(NO_TEXT, |t| t.len() as u32);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&bytemuck::bytes_of(&e.counters)[..FORMAT3_COUNTERS_SIZE]);
            out.extend_from_slice(e.text.as_deref().unwrap_or_default());
        }
        out.extend_from_slice(&bytemuck::bytes_of(&d.stats)[..FORMAT2_STATS_SIZE]);
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// `d`'s entries as a format-3 file holds them: the counters added by format 4 read 0,
    /// and counting began at the store's `stats_reset`.
    fn as_format3(d: &mut Dump) {
        for e in &mut d.entries {
            let mut c: Counters = bytemuck::Zeroable::zeroed();
            bytemuck::bytes_of_mut(&mut c)[..FORMAT3_COUNTERS_SIZE]
                .copy_from_slice(&bytemuck::bytes_of(&e.counters)[..FORMAT3_COUNTERS_SIZE]);
            c.stats_since = d.stats.stats_reset;
            c.minmax_stats_since = d.stats.stats_reset;
            c.latency = e.counters.latency;
            e.counters = c;
            e.command = Command::Other;
        }
    }

    #[test]
    fn files_of_pg_vitals_0_2_are_read_without_plans() {
        let mut d = sample();
        let old = decode(15, &format2(&d)).unwrap();
        for e in &mut d.entries {
            e.plan = None;
        }
        d.stats.plans_dropped = 0;
        as_format3(&mut d);
        d.retired.clear();
        d.errors.clear();
        assert_eq!(old, d);
    }

    #[test]
    fn files_of_pg_vitals_0_4_keep_their_counters_and_plans() {
        let mut d = sample();
        d.entries[0].counters.generic_plan_calls = 1;
        d.entries[0].counters.stats_since = 77;
        // Format 4 with the counters cut to their format-3 prefix is format 3.
        let mut file = encode(15, &d);
        let body_len = file.len() - 8;
        file.truncate(body_len);
        let mut out = Vec::new();
        for v in [MAGIC, 3, 15, FORMAT3_COUNTERS_SIZE as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let mut at = 16;
        out.extend_from_slice(&file[at..at + 8]);
        at += 8;
        for e in &d.entries {
            let head = 24 + 8;
            out.extend_from_slice(&file[at..at + head]);
            at += head + 4; // format 3 has no command
            out.extend_from_slice(&file[at..at + FORMAT3_COUNTERS_SIZE]);
            at += std::mem::size_of::<Counters>();
            let rest = e.text.as_ref().map_or(0, |t| t.len())
                + 4
                + e.plan
                    .as_ref()
                    .map_or(0, |p| std::mem::size_of::<PlanInfo>() + p.text.len());
            out.extend_from_slice(&file[at..at + rest]);
            at += rest;
        }
        // The store's statistics end a format-3 file: no metrics totals.
        out.extend_from_slice(&file[at..at + std::mem::size_of::<GlobalStats>()]);
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        let old = decode(15, &out).unwrap();
        as_format3(&mut d);
        d.retired.clear();
        d.errors.clear();
        assert_eq!(old, d);
        assert_eq!(old.entries[0].counters.stats_since, 123);
        assert!(old.entries[0].plan.is_some());
    }

    /// `sample()` with one change to its first entry, encoded with a valid checksum.
    fn with(change: impl FnOnce(&mut Dump)) -> Vec<u8> {
        let mut d = sample();
        change(&mut d);
        encode(15, &d)
    }

    #[test]
    fn values_no_server_writes_are_rejected_under_a_valid_checksum() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            (
                "invalid max_time",
                with(|d| d.entries[0].counters.max_time[1] = f64::NAN),
            ),
            (
                "invalid total_time",
                with(|d| d.entries[0].counters.total_time[1] = f64::INFINITY),
            ),
            (
                "invalid min_time",
                with(|d| d.entries[0].counters.min_time[0] = -1.0),
            ),
            (
                "invalid calls",
                with(|d| d.entries[0].counters.calls[1] = 1 << 62),
            ),
            (
                "invalid calls",
                with(|d| d.entries[0].counters.calls[0] = -1),
            ),
            (
                "invalid rows",
                with(|d| d.entries[0].counters.rows = i64::MIN),
            ),
            (
                "invalid wal_bytes",
                with(|d| d.entries[0].counters.resources.wal_bytes = u64::MAX),
            ),
            (
                "invalid sum_var_time",
                with(|d| d.entries[0].counters.sum_var_time[1] = f64::NAN),
            ),
            (
                "invalid usage",
                with(|d| d.entries[0].counters.usage = f64::NAN),
            ),
            (
                "invalid min_time",
                with(|d| {
                    let c = &mut d.entries[0].counters;
                    (c.min_time[1], c.max_time[1]) = (5.0, 1.0);
                }),
            ),
            (
                "invalid last_sqlstate",
                with(|d| d.entries[0].counters.last_sqlstate = -7),
            ),
            (
                "invalid exec_histogram",
                with(|d| {
                    let h = &mut d.entries[0].counters.exec_histogram;
                    bytemuck::bytes_of_mut(h)[2 * 256 + 5] = 3; // the first carry's `used`
                }),
            ),
            (
                "query text holds a NUL byte",
                with(|d| d.entries[0].text = Some(b"SELECT \0$1".to_vec())),
            ),
            (
                "query text is not valid UTF-8",
                with(|d| d.entries[0].text = Some(b"SELECT \xff".to_vec())),
            ),
            (
                "plan text is not valid UTF-8",
                with(|d| d.entries[0].plan.as_mut().unwrap().text = vec![0xc3]),
            ),
            (
                "invalid plan exec_time",
                with(|d| d.entries[0].plan.as_mut().unwrap().info.exec_time = f64::NAN),
            ),
            (
                "invalid plan captured_at",
                with(|d| d.entries[0].plan.as_mut().unwrap().info.captured_at = i64::MAX),
            ),
            (
                "invalid last_error_at",
                with(|d| d.entries[0].counters.last_error_at = i64::MIN),
            ),
            (
                "invalid key",
                with(|d| d.entries[0].key = bytemuck::cast([0u32, 0, 0, 0, 2, 0])),
            ),
            (
                "store statistics out of range",
                with(|d| d.stats.stats_reset = i64::MAX),
            ),
            ("invalid encoding", with(|d| d.entries[1].encoding = -1)),
            (
                "store statistics out of range",
                with(|d| d.stats.dealloc = -3),
            ),
        ];
        for (why, bytes) in cases {
            let err = decode(15, &bytes).expect_err(why);
            assert!(err.contains(why), "{why}: got {err}");
        }
        // Non-UTF-8 bytes are fine in another encoding (PostgreSQL's verifier checks those).
        let latin1 = with(|d| {
            d.entries[0].encoding = 8;
            d.entries[0].text = Some(b"SELECT caf\xe9".to_vec());
        });
        assert!(decode(15, &latin1).is_ok());
    }

    /// xorshift64*: a deterministic stream for the property tests.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Every entry of a file that decodes holds valid values.
    fn assert_valid(d: &Dump) {
        for e in &d.entries {
            e.check().unwrap();
        }
    }

    /// Arbitrary bytes, arbitrary bodies under a valid header and checksum, and valid files
    /// with bytes changed and the checksum fixed: decoding returns, never panics, and what
    /// it accepts is valid.
    #[test]
    fn decoding_arbitrary_bytes_never_panics() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let valid = encode(15, &sample());
        let header = &valid[..24];
        let fix_sum = |mut b: Vec<u8>| {
            let sum = fnv1a(&b);
            b.extend_from_slice(&sum.to_le_bytes());
            b
        };
        let mut accepted = 0;
        for round in 0..30_000 {
            let bytes = match round % 3 {
                0 => (0..rng.below(600)).map(|_| rng.next() as u8).collect(),
                1 => {
                    let mut b = header.to_vec();
                    b.extend((0..rng.below(3000)).map(|_| rng.next() as u8));
                    fix_sum(b)
                }
                _ => {
                    let mut b = valid[..valid.len() - 8].to_vec();
                    for _ in 0..=rng.below(4) {
                        let i = rng.below(b.len());
                        b[i] = rng.next() as u8;
                    }
                    fix_sum(b)
                }
            };
            if let Ok(d) = decode(15, &bytes) {
                assert_valid(&d);
                accepted += 1;
            }
        }
        // Some mutations land in bytes nothing checks (a text byte, a key): still accepted.
        assert!(accepted > 0);
    }

    #[test]
    fn foreign_or_damaged_files_are_rejected() {
        let bytes = encode(15, &sample());
        assert!(decode(18, &bytes).unwrap_err().contains("PostgreSQL 15"));
        assert!(decode(15, b"hello world, not ours").is_err());
        assert!(decode(15, &[]).is_err());
        // Every truncation and every single-byte corruption is caught.
        for cut in 0..bytes.len() {
            assert!(decode(15, &bytes[..cut]).is_err(), "truncated at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            assert!(decode(15, &b).is_err(), "corrupted byte {i}");
        }
    }

    #[test]
    fn damaged_metrics_totals_are_refused() {
        let bad_time = with(|d| d.retired[0].exec_time = f64::NAN);
        assert!(decode(15, &bad_time).unwrap_err().contains("totals time"));
        let bad_count = with(|d| d.errors[0].errors = -1);
        assert!(decode(15, &bad_count).unwrap_err().contains("error count"));
        let bad_command = with(|d| d.retired[0].command = 99);
        assert!(decode(15, &bad_command)
            .unwrap_err()
            .contains("totals command"));
    }
}
