//! Captured plans: what is kept besides the text, storing the plan of a slower execution,
//! and forgetting plans.

use super::arena::{Arena, NO_PLAN};
use super::key::Key;
use super::{EntryMeta, Exclusive, Shared, Table};
use bytemuck::{Pod, Zeroable};

/// What is known about a captured plan besides its text. Stored in the plan arena just
/// before the text, so that an entry only carries the reference.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct PlanInfo {
    /// Execution time of the execution it was captured from (ms).
    pub exec_time: f64,
    /// When it was captured (TimestampTz).
    pub captured_at: i64,
    /// 1 when the plan shows actual rows (and times, if timed): per-node instrumentation was on.
    pub instrumented: u32,
    _pad: u32,
}

impl PlanInfo {
    pub fn new(exec_time: f64, captured_at: i64, instrumented: bool) -> Self {
        PlanInfo {
            exec_time,
            captured_at,
            instrumented: instrumented as u32,
            _pad: 0,
        }
    }

    /// Whether the plan's facts are ones capture could have written (for values read from a
    /// file); the error names the field.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(self.exec_time.is_finite() && self.exec_time >= 0.0) {
            return Err("plan exec_time");
        }
        if !valid_timestamp(self.captured_at) {
            return Err("plan captured_at");
        }
        if self.instrumented > 1 || self._pad != 0 {
            return Err("plan instrumented");
        }
        Ok(())
    }
}

/// Whether a TimestampTz (microseconds since 2000) is 0 (none) or one PostgreSQL can show:
/// from 4714-11-24 BC to 294276 AD (MIN_TIMESTAMP to END_TIMESTAMP). Any other value would
/// make every read of the view that shows it fail with "timestamp out of range".
pub fn valid_timestamp(t: i64) -> bool {
    const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
    const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&t)
}

pub const PLAN_INFO_SIZE: usize = std::mem::size_of::<PlanInfo>();

/// A captured plan as read from the arena.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    pub info: PlanInfo,
    pub text: &'a [u8],
}

/// Outcome of [`Table::store_plan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStored {
    Stored,
    /// The entry already holds the plan of an execution at least as slow.
    NotSlower,
    /// The entry is gone (evicted or reset meanwhile).
    NoEntry,
    /// No room in the plan arena, even after compaction (counted in `plans_dropped`).
    Dropped,
}

impl Table {
    /// Number of entries holding a captured plan.
    pub fn plan_count(&self, g: &Shared) -> usize {
        self.entries(g)
            .filter(|(m, _)| m.span(Arena::Plans).is_some())
            .count()
    }

    /// The captured plan of an entry, if it has one.
    pub fn plan<'a>(&'a self, meta: &EntryMeta, g: &Shared) -> Option<Plan<'a>> {
        let bytes = self.arena_bytes(meta, Arena::Plans, g)?;
        let (info, text) = bytes.split_at_checked(PLAN_INFO_SIZE)?;
        Some(Plan {
            info: bytemuck::pod_read_unaligned(info),
            text,
        })
    }

    /// Execution time of the plan captured for `key`: Some(None) when the entry has no
    /// plan yet, None when there is no entry.
    pub fn plan_time(&self, key: &Key, g: &Shared) -> Option<Option<f64>> {
        let e = self.find(key, g)?;
        Some(self.plan(&e.meta(g), g).map(|p| p.info.exec_time))
    }

    /// Keeps `text` as the captured plan of `key` if its execution was slower than the one
    /// whose plan the entry holds. A plan that does not fit the arena even after compaction
    /// is dropped and counted; entries are never evicted for plans.
    pub fn store_plan(&self, key: &Key, info: PlanInfo, text: &[u8], g: &Exclusive) -> PlanStored {
        let Some(e) = self.find(key, g) else {
            return PlanStored::NoEntry;
        };
        if let Some(old) = self.plan(&e.meta(g), g) {
            if old.info.exec_time >= info.exec_time {
                return PlanStored::NotSlower;
            }
        }
        let record_len = PLAN_INFO_SIZE + text.len();
        if record_len > self.layout.plan_cap {
            self.stats().lock().plans_dropped += 1;
            return PlanStored::Dropped;
        }
        // The old plan's bytes die here, so that compaction can reuse them for the new one.
        self.release(e, Arena::Plans, g);
        match self.append(Arena::Plans, &[bytemuck::bytes_of(&info), text], g) {
            Some((off, len)) => {
                // SAFETY: exclusive lock.
                unsafe {
                    let m = &mut *e.meta.get();
                    m.plan_off = off;
                    m.plan_len = len;
                }
                PlanStored::Stored
            }
            None => {
                self.stats().lock().plans_dropped += 1;
                PlanStored::Dropped
            }
        }
    }

    /// Removes the captured plans of the entries matching the filter (0 = any).
    pub fn reset_plans(&self, userid: u32, dbid: u32, queryid: i64, g: &Exclusive) -> usize {
        let mut n = 0;
        for slot in 0..self.layout.max {
            let e = self.entry(slot);
            let m = e.meta(g);
            if m.in_use != 0 && m.plan_len != NO_PLAN && m.key.matches(userid, dbid, queryid) {
                self.release(e, Arena::Plans, g);
                n += 1;
            }
        }
        n
    }
}
