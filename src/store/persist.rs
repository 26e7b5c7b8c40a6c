//! The stats file that carries the store across a clean restart (pure Rust).
//!
//! Layout, all little-endian:
//! `magic u32 | format u32 | pg_major u32 | counters_size u32 | n_entries u64 |`
//! n x (`key 24 B | encoding i32 | text_len u32 | counters | text bytes | plan_len u32 |
//! plan info | plan text`) `| global stats | checksum u64` (FNV-1a over everything before it).
//!
//! Format 2 (pg_vitals 0.2, no plans, shorter global stats) is still read, so that the
//! restart that loads a new pg_vitals keeps the statistics.
//!
//! Anything unexpected (another magic, format, PostgreSQL major or counters layout, a short
//! or long file, a bad checksum) makes [`decode`] return an error; the caller logs a WARNING
//! and starts empty. Decoding never panics on any input.

use super::counters::Counters;
use super::table::{GlobalStats, Key, PlanInfo, NO_PLAN, NO_TEXT};

const MAGIC: u32 = 0x5356_4750; // "PGVS"
/// 2: counters carry the execution-time histogram; 3: captured plans, `plans_dropped`.
const FORMAT: u32 = 3;
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
    pub counters: Counters,
    pub plan: Option<SavedPlan>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dump {
    pub entries: Vec<SavedEntry>,
    pub stats: GlobalStats,
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
    if format != FORMAT && format != 2 {
        return Err(format!("unsupported stats file format {format}"));
    }
    let major = r.u32()?;
    if major != pg_major {
        return Err(format!(
            "stats file is from PostgreSQL {major}, server is {pg_major}"
        ));
    }
    if r.u32()? as usize != std::mem::size_of::<Counters>() {
        return Err("stats file has another counters layout".into());
    }
    if u64::from_le_bytes(sum.try_into().unwrap()) != fnv1a(body) {
        return Err("checksum mismatch".into());
    }
    let n = r.u64()?;
    // Each entry takes more than 60 bytes: a count the file cannot hold is damage.
    if n > (body.len() / 60) as u64 {
        return Err("entry count exceeds file size".into());
    }
    let mut entries = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let key: Key = r.pod()?;
        let encoding = r.u32()? as i32;
        let len = r.u32()?;
        let counters: Counters = r.pod()?;
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
        entries.push(SavedEntry {
            key,
            encoding,
            text,
            counters,
            plan,
        });
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
    if r.pos != body.len() {
        return Err("trailing bytes in stats file".into());
    }
    Ok(Dump { entries, stats })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::counters::{Kind, Usage};

    fn sample() -> Dump {
        let mut c = Counters::new(1.0);
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
        }
    }

    #[test]
    fn round_trip() {
        let d = sample();
        assert_eq!(decode(15, &encode(15, &d)).unwrap(), d);
    }

    /// A file as pg_vitals 0.2 wrote it: no plan fields, global stats without `plans_dropped`.
    fn format2(d: &Dump) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [MAGIC, 2, 15, std::mem::size_of::<Counters>() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(d.entries.len() as u64).to_le_bytes());
        for e in &d.entries {
            out.extend_from_slice(bytemuck::bytes_of(&e.key));
            out.extend_from_slice(&e.encoding.to_le_bytes());
            let len = e.text.as_ref().map_or(NO_TEXT, |t| t.len() as u32);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(bytemuck::bytes_of(&e.counters));
            out.extend_from_slice(e.text.as_deref().unwrap_or_default());
        }
        out.extend_from_slice(&bytemuck::bytes_of(&d.stats)[..FORMAT2_STATS_SIZE]);
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    #[test]
    fn files_of_pg_vitals_0_2_are_read_without_plans() {
        let mut d = sample();
        let old = decode(15, &format2(&d)).unwrap();
        for e in &mut d.entries {
            e.plan = None;
        }
        d.stats.plans_dropped = 0;
        assert_eq!(old, d);
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
}
