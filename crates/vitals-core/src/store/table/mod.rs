//! The statement table: fixed-size entries, two hash indexes over them and two byte arenas,
//! all in one block of memory. It knows nothing about PostgreSQL: the block can be shared
//! memory or, in tests, a plain heap allocation, and the lock modes are proven by the
//! [`Shared`] / [`Exclusive`] tokens that only the lock layer (or a test) can create. The
//! layout and the locking protocol are written out in docs/architecture.md, "The store's
//! contract".
//!
//! This file holds the entries and their life (creation, eviction, removal, reset); the
//! hash indexes are in `key.rs`, where each part of the block lies in `layout.rs`, the byte
//! arenas in `arena.rs` and captured plans in `plan.rs`.

mod arena;
mod key;
mod layout;
mod plan;
#[cfg(test)]
pub(crate) mod tests;
mod totals;

pub use arena::{Arena, NO_PLAN, NO_TEXT};
pub use key::Key;
pub use layout::{Layout, TEXT_BYTES_PER_ENTRY};
pub use plan::{valid_timestamp, Plan, PlanInfo, PlanStored, PLAN_INFO_SIZE};
pub use totals::{Command, ErrorCount, Totals, ERROR_SLOTS, RETIRED_SLOTS};

use super::counters::{
    Counters, ASSUMED_MEDIAN_INIT, STICKY_DECREASE_FACTOR, USAGE_DECREASE_FACTOR, USAGE_INIT,
};
use super::spinlock::SpinLock;
use bytemuck::{Pod, Zeroable};
use key::Index;
use std::cell::UnsafeCell;
use std::marker::PhantomData;

/// What changes only under the exclusive lock.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct EntryMeta {
    pub key: Key,
    pub text_off: u32,
    pub text_len: u32,
    pub encoding: i32,
    pub in_use: u16,
    /// The statement's [`Command`] (set when the entry is created).
    pub command: u16,
    /// The captured plan, [`PlanInfo`] then text, in the plan arena (`NO_PLAN`: none).
    pub plan_off: u32,
    pub plan_len: u32,
}

impl EntryMeta {
    /// Offset and length of the entry's bytes in `arena`, if it has any there.
    fn span(&self, arena: Arena) -> Option<(usize, usize)> {
        let (off, len) = match arena {
            Arena::Texts => (self.text_off, self.text_len),
            Arena::Plans => (self.plan_off, self.plan_len),
        };
        (len != u32::MAX).then_some((off as usize, len as usize))
    }
    fn set_offset(&mut self, arena: Arena, off: u32) {
        match arena {
            Arena::Texts => self.text_off = off,
            Arena::Plans => self.plan_off = off,
        }
    }
}

#[repr(C)]
pub struct Entry {
    meta: UnsafeCell<EntryMeta>,
    pub counters: SpinLock<Counters>,
}

impl Entry {
    /// The entry's identity and text reference. Needs at least the shared lock.
    pub fn meta(&self, _: &Shared) -> EntryMeta {
        // SAFETY: meta only changes under the exclusive lock, which excludes the caller.
        unsafe { *self.meta.get() }
    }
}

/// Store-wide statistics (`vitals.info`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct GlobalStats {
    /// Times entries were evicted to make room (pg_stat_statements' `dealloc`).
    pub dealloc: i64,
    /// Entries evicted in all.
    pub entries_evicted: i64,
    /// Query texts not kept because the text arena had no room even after eviction.
    pub texts_dropped: i64,
    /// When all statistics were last reset (TimestampTz).
    pub stats_reset: i64,
    /// When an eviction last happened (TimestampTz, 0 = never).
    pub last_dealloc: i64,
    /// Captured plans not kept because the plan arena had no room even after compaction.
    pub plans_dropped: i64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
struct TableState {
    count: u64,
    free_top: u64,
    text_used: u64,
    plan_used: u64,
    /// Bytes of removed or replaced runs, below `*_used`, that compaction would reclaim.
    text_dead: u64,
    plan_dead: u64,
    cur_median_usage: f64,
}

impl TableState {
    fn used(&mut self, arena: Arena) -> &mut u64 {
        match arena {
            Arena::Texts => &mut self.text_used,
            Arena::Plans => &mut self.plan_used,
        }
    }
    fn dead(&mut self, arena: Arena) -> &mut u64 {
        match arena {
            Arena::Texts => &mut self.text_dead,
            Arena::Plans => &mut self.plan_dead,
        }
    }
}

#[repr(C)]
struct Header {
    magic: u64,
    max: u64,
    index_cap: u64,
    text_cap: u64,
    plan_cap: u64,
    state: UnsafeCell<TableState>,
    stats: SpinLock<GlobalStats>,
    retired: UnsafeCell<totals::Retired>,
    errors: SpinLock<totals::Errors>,
}

const MAGIC: u64 = 0x7067_7669_7461_6c32; // "pgvital2"
const EMPTY: u32 = u32::MAX;

/// Proof that the caller holds the store lock in shared (or exclusive) mode.
pub struct Shared<'a>(PhantomData<&'a ()>);
/// Proof that the caller holds the store lock in exclusive mode.
pub struct Exclusive<'a>(Shared<'a>);

impl Shared<'_> {
    /// # Safety
    /// The caller must hold the store's lock at least in shared mode while the token lives.
    pub unsafe fn assume() -> Self {
        Shared(PhantomData)
    }
}
impl Exclusive<'_> {
    /// # Safety
    /// The caller must hold the store's lock in exclusive mode while the token lives.
    pub unsafe fn assume() -> Self {
        Exclusive(Shared(PhantomData))
    }
}
impl<'a> std::ops::Deref for Exclusive<'a> {
    type Target = Shared<'a>;
    fn deref(&self) -> &Shared<'a> {
        &self.0
    }
}

/// A view of the block. Cheap to copy; all state lives in the block.
#[derive(Clone, Copy)]
pub struct Table {
    base: *mut u8,
    layout: Layout,
}

// SAFETY: the block is designed for concurrent use under the documented protocol.
unsafe impl Send for Table {}
unsafe impl Sync for Table {}

/// What a new entry starts with (see [`Table::entry_or_insert`]).
#[derive(Debug, Clone, Copy)]
pub struct NewEntry<'t> {
    /// The normalized text (None: not known).
    pub text: Option<&'t [u8]>,
    pub encoding: i32,
    /// Created at parse analysis, before any execution (see [`Counters::is_sticky`]).
    pub sticky: bool,
    pub command: Command,
}

impl<'t> NewEntry<'t> {
    pub fn new(text: Option<&'t [u8]>, encoding: i32, sticky: bool, command: Command) -> Self {
        NewEntry {
            text,
            encoding,
            sticky,
            command,
        }
    }
}

/// Outcome of [`Table::entry_or_insert`].
pub struct Inserted<'a> {
    pub entry: &'a Entry,
    /// False when the entry already existed (someone else created it meanwhile).
    pub created: bool,
}

impl Table {
    /// Attaches to a block, initializing it if `init`.
    ///
    /// # Safety
    /// `base` must point to `layout.size()` bytes, 64-byte aligned, that stay mapped for the
    /// life of the process; `init` must be true exactly once, before any other use.
    pub unsafe fn attach(base: *mut u8, layout: Layout, init: bool, now: i64) -> Table {
        let t = Table { base, layout };
        if init {
            std::ptr::write_bytes(base, 0, layout.size());
            let h = base as *mut Header;
            (*h).magic = MAGIC;
            (*h).max = layout.max as u64;
            (*h).index_cap = layout.index_cap as u64;
            (*h).text_cap = layout.text_cap as u64;
            (*h).plan_cap = layout.plan_cap as u64;
            let st = &mut *(*h).state.get();
            st.cur_median_usage = ASSUMED_MEDIAN_INIT;
            (*h).stats.reset(GlobalStats {
                stats_reset: now,
                ..Default::default()
            });
            for index in [Index::Keys, Index::Statements] {
                for i in 0..layout.index_cap {
                    *t.index_ptr(index, i) = EMPTY;
                }
            }
            t.reset_free_list(st);
        }
        debug_assert_eq!((*(base as *const Header)).magic, MAGIC);
        t
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    fn header(&self) -> &Header {
        // SAFETY: attach() guarantees the block holds an initialized header.
        unsafe { &*(self.base as *const Header) }
    }

    fn state(&self, _: &Shared) -> TableState {
        // SAFETY: state changes only under the exclusive lock.
        unsafe { *self.header().state.get() }
    }

    #[allow(clippy::mut_from_ref)]
    fn state_mut(&self, _: &Exclusive) -> &mut TableState {
        // SAFETY: the exclusive lock excludes every other reader and writer.
        unsafe { &mut *self.header().state.get() }
    }

    fn free_ptr(&self, i: usize) -> *mut u32 {
        debug_assert!(i < self.layout.max);
        // SAFETY: in bounds of the free-slot stack.
        unsafe { (self.base.add(self.layout.free_off()) as *mut u32).add(i) }
    }

    // Inlined across the crate boundary: the hot path reaches an entry through it twice per
    // statement (the extension crate's hooks call in; measured under callgrind).
    #[inline]
    fn entry(&self, slot: usize) -> &Entry {
        debug_assert!(slot < self.layout.max);
        // SAFETY: in bounds of the entry array; entries are zero-initialized plain data.
        unsafe { &*(self.base.add(self.layout.entries_off()) as *const Entry).add(slot) }
    }

    fn reset_free_list(&self, st: &mut TableState) {
        for i in 0..self.layout.max {
            // SAFETY: exclusive access (init or exclusive lock); slots pushed high to low so
            // that slot 0 is used first.
            unsafe { *self.free_ptr(i) = (self.layout.max - 1 - i) as u32 };
        }
        st.free_top = self.layout.max as u64;
        st.count = 0;
    }

    pub fn stats(&self) -> &SpinLock<GlobalStats> {
        &self.header().stats
    }

    pub fn count(&self, g: &Shared) -> usize {
        self.state(g).count as usize
    }

    /// Every entry in use, in slot order.
    pub fn entries<'a>(
        &'a self,
        g: &'a Shared,
    ) -> impl Iterator<Item = (EntryMeta, &'a Entry)> + 'a {
        (0..self.layout.max).filter_map(move |slot| {
            let e = self.entry(slot);
            let m = e.meta(g);
            (m.in_use != 0).then_some((m, e))
        })
    }

    /// Finds or creates the entry for `key`, evicting the least-used entries when the table
    /// or the text arena is full. `sticky` entries (text known, never run) start at the
    /// median usage so that they survive until their first execution.
    pub fn entry_or_insert<'a>(
        &'a self,
        key: &Key,
        new: NewEntry,
        now: i64,
        g: &Exclusive,
    ) -> Inserted<'a> {
        if let Some(e) = self.find(key, g) {
            return Inserted {
                entry: e,
                created: false,
            };
        }
        while self.state(g).count as usize >= self.layout.max {
            self.evict(now, g);
        }
        let NewEntry {
            text,
            encoding,
            sticky,
            command,
        } = new;
        let (text_off, text_len) = match text {
            Some(text) => self.store_text(text, now, g),
            None => (0, NO_TEXT),
        };
        let st = self.state_mut(g);
        st.free_top -= 1;
        // SAFETY: exclusive lock; free_top was > 0 because count < max.
        let slot = unsafe { *self.free_ptr(st.free_top as usize) } as usize;
        st.count += 1;
        let usage = if sticky {
            st.cur_median_usage
        } else {
            USAGE_INIT
        };
        let e = self.entry(slot);
        // SAFETY: exclusive lock; the slot was free, nobody references it.
        unsafe {
            *e.meta.get() = EntryMeta {
                key: *key,
                text_off,
                text_len,
                encoding,
                in_use: 1,
                command: command as u16,
                plan_off: 0,
                plan_len: NO_PLAN,
            };
        }
        e.counters.reset(Counters::new(usage, now));
        self.reserve_totals(key.dbid, key.userid, command as u16, g);
        let pos = self.probe(key).expect_err("key was absent");
        let mask = self.layout.index_cap - 1;
        let mut at = self.home(Index::Statements, key);
        // SAFETY (both indexes): exclusive lock; the statements index has a free cell because
        // it has twice as many cells as entries.
        unsafe {
            *self.index_ptr(Index::Keys, pos) = slot as u32;
            while *self.index_ptr(Index::Statements, at) != EMPTY {
                at = (at + 1) & mask;
            }
            *self.index_ptr(Index::Statements, at) = slot as u32;
        }
        Inserted {
            entry: e,
            created: true,
        }
    }

    /// Evicts the least-used 5% of the entries (at least 10), decaying every entry's
    /// usage first: pg_stat_statements' `entry_dealloc`. Sticky entries decay faster.
    pub fn evict(&self, now: i64, g: &Exclusive) {
        let mut usages: Vec<(f64, usize)> = Vec::with_capacity(self.state(g).count as usize);
        for slot in 0..self.layout.max {
            let e = self.entry(slot);
            if e.meta(g).in_use == 0 {
                continue;
            }
            let mut c = e.counters.lock();
            c.usage *= if c.is_sticky() {
                STICKY_DECREASE_FACTOR
            } else {
                USAGE_DECREASE_FACTOR
            };
            usages.push((c.usage, slot));
        }
        if usages.is_empty() {
            return;
        }
        usages.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        self.state_mut(g).cur_median_usage = usages[usages.len() / 2].0;
        let victims = (usages.len() * 5 / 100).max(10).min(usages.len());
        for &(_, slot) in &usages[..victims] {
            let e = self.entry(slot);
            let m = e.meta(g);
            self.retire(&m, &e.counters.read(), g);
            self.remove(&m.key, g);
        }
        let mut s = self.stats().lock();
        s.dealloc += 1;
        s.entries_evicted += victims as i64;
        s.last_dealloc = now;
    }

    /// Removes one entry; backward-shift deletion keeps probe chains intact without
    /// tombstones. Its text and plan space is reclaimed by the next compaction.
    pub fn remove(&self, key: &Key, g: &Exclusive) -> bool {
        let Ok(pos) = self.probe(key) else {
            return false;
        };
        let mask = self.layout.index_cap - 1;
        // SAFETY (whole block): exclusive lock.
        unsafe {
            let slot = *self.index_ptr(Index::Keys, pos);
            self.unlink(Index::Keys, pos, g);
            let mut at = self.home(Index::Statements, key);
            while *self.index_ptr(Index::Statements, at) != slot {
                at = (at + 1) & mask;
            }
            self.unlink(Index::Statements, at, g);
            let e = self.entry(slot as usize);
            self.release(e, Arena::Texts, g);
            self.release(e, Arena::Plans, g);
            (*e.meta.get()).in_use = 0;
            let st = self.state_mut(g);
            *self.free_ptr(st.free_top as usize) = slot;
            st.free_top += 1;
            st.count -= 1;
        }
        true
    }

    /// Removes the entries matching the filter (0 = any), as `pg_stat_statements_reset`;
    /// with `minmax_only`, restarts their min and max times instead. When every entry goes
    /// (or there was none), the store-wide statistics restart too. Returns the number of
    /// entries removed or restarted.
    pub fn reset(
        &self,
        filter: (u32, u32, i64),
        minmax_only: bool,
        now: i64,
        g: &Exclusive,
    ) -> usize {
        let (userid, dbid, queryid) = filter;
        let before = self.state(g).count as usize;
        if minmax_only {
            let mut n = 0;
            for (m, e) in self.entries(g) {
                if m.key.matches(userid, dbid, queryid) {
                    e.counters.lock().reset_minmax(now);
                    n += 1;
                }
            }
            if before == 0 {
                self.restart_stats(now, g);
            }
            return n;
        }
        self.reset_totals(userid, dbid, queryid, g);
        let doomed: Vec<Key> = self
            .entries(g)
            .map(|(m, _)| m.key)
            .filter(|k| k.matches(userid, dbid, queryid))
            .collect();
        for k in &doomed {
            self.remove(k, g);
        }
        if doomed.len() == before {
            self.restart_stats(now, g);
        }
        doomed.len()
    }

    /// The store-wide statistics and the arenas start over (every entry is gone).
    fn restart_stats(&self, now: i64, g: &Exclusive) {
        self.stats().reset(GlobalStats {
            stats_reset: now,
            ..Default::default()
        });
        let st = self.state_mut(g);
        st.text_used = 0;
        st.plan_used = 0;
        st.text_dead = 0;
        st.plan_dead = 0;
    }
}
