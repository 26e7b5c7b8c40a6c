//! The statement table: a fixed-size hash table and text arena in one block of memory.
//!
//! See the module documentation of `store` for the layout and the locking protocol. This
//! file knows nothing about PostgreSQL: the block can be shared memory or, in tests, a plain
//! heap allocation, and the lock modes are proven by the [`Shared`] / [`Exclusive`] tokens
//! that only the lock layer (or a test) can create.

use super::counters::{
    Counters, ASSUMED_MEDIAN_INIT, STICKY_DECREASE_FACTOR, USAGE_DECREASE_FACTOR, USAGE_INIT,
};
use super::spinlock::SpinLock;
use bytemuck::{Pod, Zeroable};
use std::cell::UnsafeCell;
use std::marker::PhantomData;

/// Identity of an entry, as pg_stat_statements keys its hash table.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Pod, Zeroable)]
pub struct Key {
    pub userid: u32,
    pub dbid: u32,
    pub queryid: i64,
    toplevel: u32,
    _pad: u32,
}

impl Key {
    pub fn new(userid: u32, dbid: u32, queryid: i64, toplevel: bool) -> Self {
        Key {
            userid,
            dbid,
            queryid,
            toplevel: toplevel as u32,
            _pad: 0,
        }
    }
    pub fn toplevel(&self) -> bool {
        self.toplevel != 0
    }
    /// Whether the key is one the hooks could have made (for keys read from a file).
    pub fn check(&self) -> Result<(), &'static str> {
        if self.toplevel > 1 || self._pad != 0 {
            return Err("key");
        }
        Ok(())
    }
    /// Whether the key passes a reset filter (0 = any), as `pg_stat_statements_reset`'s.
    pub fn matches(&self, userid: u32, dbid: u32, queryid: i64) -> bool {
        (userid == 0 || self.userid == userid)
            && (dbid == 0 || self.dbid == dbid)
            && (queryid == 0 || self.queryid == queryid)
    }
    fn hash(&self) -> u64 {
        mix((self.queryid as u64)
            ^ ((self.userid as u64) << 32 | self.dbid as u64).rotate_left(17)
            ^ (self.toplevel as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
    /// Hash of the statement alone (database and query id), whoever ran it at whatever level.
    fn statement_hash(&self) -> u64 {
        mix((self.queryid as u64) ^ (self.dbid as u64).rotate_left(17))
    }
}

/// splitmix64's finalizer: cheap, and good enough for query ids that are already hashes.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The two hash indexes over the entries. Both are open addressing with linear probing
/// over `index_cap` cells holding entry numbers, and backward-shift deletion, so that every
/// entry lies in the run of occupied cells that starts at its home cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Index {
    /// By the whole key: the lookup of every recorded statement.
    Keys,
    /// By (dbid, queryid): the entries of one statement for all users and both levels share
    /// a home cell, so they are found by walking one run instead of the whole table
    /// (EXPLAIN's history). Touched only when entries are created or removed.
    Statements,
}

/// Text length meaning "no text stored" (dropped for lack of room); shown as NULL.
pub const NO_TEXT: u32 = u32::MAX;
/// Plan length meaning "no plan captured".
pub const NO_PLAN: u32 = u32::MAX;

/// The two byte arenas: query texts and captured plans. Each is filled from the start
/// and compacted when full; a removed entry's bytes are reclaimed by the next compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arena {
    Texts,
    Plans,
}

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

/// What changes only under the exclusive lock.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, Pod, Zeroable)]
pub struct EntryMeta {
    pub key: Key,
    pub text_off: u32,
    pub text_len: u32,
    pub encoding: i32,
    pub in_use: u32,
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

/// Sizes of the parts of the block, computed the same way by the postmaster when it asks
/// for shared memory and by every backend that attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub max: usize,
    pub index_cap: usize,
    pub text_cap: usize,
    pub plan_cap: usize,
}

/// Text arena bytes budgeted per entry (the mean length pg_stat_statements assumes).
pub const TEXT_BYTES_PER_ENTRY: usize = 1024;

const fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

impl Layout {
    /// `plan_bytes` is the plan arena (`pg_vitals.plan_memory`).
    pub fn new(max: usize, plan_bytes: usize) -> Self {
        Layout {
            max,
            index_cap: (max * 2).next_power_of_two(),
            text_cap: max * TEXT_BYTES_PER_ENTRY,
            plan_cap: plan_bytes,
        }
    }
    fn index_off(&self, index: Index) -> usize {
        let keys = align(std::mem::size_of::<Header>(), 64);
        match index {
            Index::Keys => keys,
            Index::Statements => align(keys + self.index_cap * 4, 64),
        }
    }
    fn free_off(&self) -> usize {
        align(self.index_off(Index::Statements) + self.index_cap * 4, 64)
    }
    fn entries_off(&self) -> usize {
        align(self.free_off() + self.max * 4, 64)
    }
    fn text_off(&self) -> usize {
        align(
            self.entries_off() + self.max * std::mem::size_of::<Entry>(),
            64,
        )
    }
    fn plan_off(&self) -> usize {
        align(self.text_off() + self.text_cap, 64)
    }
    /// Bytes of the whole block.
    pub fn size(&self) -> usize {
        align(self.plan_off() + self.plan_cap, 64)
    }
    /// Bytes one entry takes, not counting its text.
    pub fn entry_size() -> usize {
        std::mem::size_of::<Entry>()
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
    fn index_ptr(&self, index: Index, i: usize) -> *mut u32 {
        debug_assert!(i < self.layout.index_cap);
        // SAFETY: in bounds of the index array.
        unsafe { (self.base.add(self.layout.index_off(index)) as *mut u32).add(i) }
    }
    /// The cell where `key`'s probe run starts in `index`.
    fn home(&self, index: Index, key: &Key) -> usize {
        let hash = match index {
            Index::Keys => key.hash(),
            Index::Statements => key.statement_hash(),
        };
        hash as usize & (self.layout.index_cap - 1)
    }
    fn free_ptr(&self, i: usize) -> *mut u32 {
        debug_assert!(i < self.layout.max);
        // SAFETY: in bounds of the free-slot stack.
        unsafe { (self.base.add(self.layout.free_off()) as *mut u32).add(i) }
    }
    fn entry(&self, slot: usize) -> &Entry {
        debug_assert!(slot < self.layout.max);
        // SAFETY: in bounds of the entry array; entries are zero-initialized plain data.
        unsafe { &*(self.base.add(self.layout.entries_off()) as *const Entry).add(slot) }
    }
    fn arena_base(&self, arena: Arena) -> *mut u8 {
        let off = match arena {
            Arena::Texts => self.layout.text_off(),
            Arena::Plans => self.layout.plan_off(),
        };
        // SAFETY: start of the arena, inside the block.
        unsafe { self.base.add(off) }
    }
    fn arena_cap(&self, arena: Arena) -> usize {
        match arena {
            Arena::Texts => self.layout.text_cap,
            Arena::Plans => self.layout.plan_cap,
        }
    }
    /// The bytes an entry holds in `arena`.
    fn arena_bytes<'a>(&'a self, meta: &EntryMeta, arena: Arena, _: &Shared) -> Option<&'a [u8]> {
        let (off, len) = meta.span(arena)?;
        if off + len > self.arena_cap(arena) {
            return None;
        }
        // SAFETY: in bounds; arenas are written only under the exclusive lock.
        Some(unsafe { std::slice::from_raw_parts(self.arena_base(arena).add(off), len) })
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

    /// Bytes the live entries hold in `arena` (dead bytes awaiting compaction excluded).
    pub fn arena_bytes_live(&self, arena: Arena, g: &Shared) -> usize {
        self.entries(g)
            .filter_map(|(m, _)| m.span(arena))
            .map(|(_, len)| len)
            .sum()
    }

    /// Number of entries holding a captured plan.
    pub fn plan_count(&self, g: &Shared) -> usize {
        self.entries(g)
            .filter(|(m, _)| m.span(Arena::Plans).is_some())
            .count()
    }

    /// Probe position of `key`: Ok(index position holding it) or Err(first empty position).
    fn probe(&self, key: &Key) -> Result<usize, usize> {
        let mask = self.layout.index_cap - 1;
        let mut pos = self.home(Index::Keys, key);
        loop {
            // SAFETY: index cells change only under the exclusive lock; callers hold a lock.
            let slot = unsafe { *self.index_ptr(Index::Keys, pos) };
            if slot == EMPTY {
                return Err(pos);
            }
            // SAFETY: as above, for the entry's meta.
            let m = unsafe { &*self.entry(slot as usize).meta.get() };
            if m.key == *key {
                return Ok(pos);
            }
            pos = (pos + 1) & mask;
        }
    }

    /// Looks an entry up. The hot path: no allocation, no exclusive lock.
    #[inline]
    pub fn find<'a>(&'a self, key: &Key, _: &Shared) -> Option<&'a Entry> {
        self.probe(key).ok().map(|pos| {
            // SAFETY: see probe().
            let slot = unsafe { *self.index_ptr(Index::Keys, pos) };
            self.entry(slot as usize)
        })
    }

    /// Every entry of one statement in one database: all users, both levels. Walks the
    /// statement's probe run in the statements index, not the table.
    pub fn statement_entries<'a>(
        &'a self,
        dbid: u32,
        queryid: i64,
        g: &'a Shared,
    ) -> impl Iterator<Item = (EntryMeta, &'a Entry)> + 'a {
        let mask = self.layout.index_cap - 1;
        let start = self.home(Index::Statements, &Key::new(0, dbid, queryid, false));
        let mut pos = start;
        let mut done = false;
        std::iter::from_fn(move || loop {
            if done {
                return None;
            }
            // SAFETY: index cells change only under the exclusive lock; the caller holds a lock.
            let slot = unsafe { *self.index_ptr(Index::Statements, pos) };
            pos = (pos + 1) & mask;
            // The index is never full (twice `max` cells), so a run always ends.
            done = slot == EMPTY || pos == start;
            if slot == EMPTY {
                return None;
            }
            let e = self.entry(slot as usize);
            let m = e.meta(g);
            if m.key.dbid == dbid && m.key.queryid == queryid {
                return Some((m, e));
            }
        })
    }

    /// The stored text of an entry, if it has one.
    pub fn text<'a>(&'a self, meta: &EntryMeta, g: &Shared) -> Option<&'a [u8]> {
        self.arena_bytes(meta, Arena::Texts, g)
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
        text: Option<&[u8]>,
        encoding: i32,
        sticky: bool,
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
                plan_off: 0,
                plan_len: NO_PLAN,
            };
        }
        e.counters.reset(Counters::new(usage));
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

    /// Copies a text into the arena, compacting and then evicting when it has no room.
    fn store_text(&self, text: &[u8], now: i64, g: &Exclusive) -> (u32, u32) {
        if text.len() <= self.layout.text_cap {
            for _ in 0..64 {
                if let Some(span) = self.append(Arena::Texts, &[text], g) {
                    return span;
                }
                if self.state(g).count == 0 {
                    break;
                }
                self.evict(now, g);
            }
        }
        self.stats().lock().texts_dropped += 1;
        (0, NO_TEXT)
    }

    /// Marks the entry's run in `arena` as dead: the entry no longer has one there.
    fn release(&self, e: &Entry, arena: Arena, g: &Exclusive) {
        // SAFETY: exclusive lock.
        let m = unsafe { &mut *e.meta.get() };
        if let Some((_, len)) = m.span(arena) {
            *self.state_mut(g).dead(arena) += len as u64;
            match arena {
                Arena::Texts => m.text_len = NO_TEXT,
                Arena::Plans => m.plan_len = NO_PLAN,
            }
        }
    }

    /// Bytes a new run could take in `arena`, compacting first if needed.
    pub fn arena_room(&self, arena: Arena, g: &Shared) -> usize {
        let st = self.state(g);
        let (used, dead) = match arena {
            Arena::Texts => (st.text_used, st.text_dead),
            Arena::Plans => (st.plan_used, st.plan_dead),
        };
        self.arena_cap(arena) - (used - dead) as usize
    }

    /// Appends `parts` as one run of bytes to `arena`, compacting it first if that makes
    /// room (and only then: a full arena answers None at once). Returns the run's offset and
    /// length, or None when it does not fit.
    fn append(&self, arena: Arena, parts: &[&[u8]], g: &Exclusive) -> Option<(u32, u32)> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > self.arena_room(arena, g) {
            return None;
        }
        let mut used = *self.state_mut(g).used(arena) as usize;
        if used + len > self.arena_cap(arena) {
            used = self.compact(arena, g);
        }
        let mut at = used;
        for p in parts {
            // SAFETY: exclusive lock; in bounds as checked.
            unsafe {
                std::ptr::copy_nonoverlapping(p.as_ptr(), self.arena_base(arena).add(at), p.len())
            };
            at += p.len();
        }
        *self.state_mut(g).used(arena) = at as u64;
        Some((used as u32, len as u32))
    }

    /// Moves the live runs of `arena` to its start. Returns the bytes now used.
    fn compact(&self, arena: Arena, g: &Exclusive) -> usize {
        let mut live: Vec<(usize, usize)> = Vec::with_capacity(self.state(g).count as usize);
        for slot in 0..self.layout.max {
            let m = self.entry(slot).meta(g);
            if m.in_use != 0 {
                if let Some((off, _)) = m.span(arena) {
                    live.push((off, slot));
                }
            }
        }
        live.sort_unstable();
        let base = self.arena_base(arena);
        let mut next = 0usize;
        for (off, slot) in live {
            // SAFETY: exclusive lock: no one reads the arena or metas meanwhile. Ranges may
            // overlap (moving down), hence copy() not copy_nonoverlapping().
            unsafe {
                let m = &mut *self.entry(slot).meta.get();
                let len = m.span(arena).map_or(0, |(_, len)| len);
                if off != next {
                    std::ptr::copy(base.add(off), base.add(next), len);
                    m.set_offset(arena, next as u32);
                }
                next += len;
            }
        }
        let st = self.state_mut(g);
        *st.used(arena) = next as u64;
        *st.dead(arena) = 0;
        next
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
            let key = self.entry(slot).meta(g).key;
            self.remove(&key, g);
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

    /// Empties cell `pos` of `index`, shifting the rest of its run back so that every entry
    /// stays reachable from its home cell. The entries' keys must still be in place.
    fn unlink(&self, index: Index, mut pos: usize, _: &Exclusive) {
        let mask = self.layout.index_cap - 1;
        let mut next = (pos + 1) & mask;
        // SAFETY (whole block): exclusive lock.
        unsafe {
            loop {
                let s = *self.index_ptr(index, next);
                if s == EMPTY {
                    break;
                }
                let home = self.home(index, &(*self.entry(s as usize).meta.get()).key);
                // Move `s` back into the hole unless its home lies cyclically in (pos, next].
                let dist_home = next.wrapping_sub(home) & mask;
                let dist_hole = next.wrapping_sub(pos) & mask;
                if dist_home >= dist_hole {
                    *self.index_ptr(index, pos) = s;
                    pos = next;
                }
                next = (next + 1) & mask;
            }
            *self.index_ptr(index, pos) = EMPTY;
        }
    }

    /// Removes the entries matching the filter (0 = any), as `pg_stat_statements_reset`.
    /// When every entry goes, the store-wide statistics restart too. Returns the number removed.
    pub fn reset(&self, userid: u32, dbid: u32, queryid: i64, now: i64, g: &Exclusive) -> usize {
        let before = self.state(g).count as usize;
        let doomed: Vec<Key> = self
            .entries(g)
            .map(|(m, _)| m.key)
            .filter(|k| k.matches(userid, dbid, queryid))
            .collect();
        for k in &doomed {
            self.remove(k, g);
        }
        if doomed.len() == before {
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
        doomed.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::counters::{Kind, Usage};

    /// A heap block standing in for shared memory.
    pub(crate) fn heap_table(max: usize) -> Table {
        let layout = Layout::new(max, 64 * 1024);
        let words = layout.size().div_ceil(64);
        let block: &'static mut [[u8; 64]] = Vec::leak(vec![[0u8; 64]; words]);
        // SAFETY: a fresh, aligned, leaked block of the right size.
        unsafe { Table::attach(block.as_mut_ptr() as *mut u8, layout, true, 0) }
    }

    fn ex() -> Exclusive<'static> {
        // SAFETY: single-threaded tests.
        unsafe { Exclusive::assume() }
    }

    fn key(q: i64) -> Key {
        Key::new(10, 5, q, true)
    }

    #[test]
    fn insert_find_and_text() {
        let t = heap_table(100);
        let g = ex();
        let ins = t.entry_or_insert(&key(1), Some(b"SELECT $1"), 6, false, 0, &g);
        assert!(ins.created);
        ins.entry
            .counters
            .lock()
            .record(Kind::Exec, 1.0, &Usage::default());
        let e = t.find(&key(1), &g).expect("found");
        let m = e.meta(&g);
        assert_eq!(t.text(&m, &g), Some(&b"SELECT $1"[..]));
        assert_eq!(m.encoding, 6);
        assert_eq!(e.counters.read().calls[1], 1);
        assert!(t.find(&key(2), &g).is_none());
        assert!(
            t.find(&Key::new(10, 5, 1, false), &g).is_none(),
            "toplevel is part of the key"
        );
        assert!(
            !t.entry_or_insert(&key(1), Some(b"other"), 6, false, 0, &g)
                .created
        );
        assert_eq!(t.count(&g), 1);
    }

    #[test]
    fn full_table_evicts_least_used_and_counts_it() {
        let t = heap_table(100);
        let g = ex();
        for q in 0..100 {
            let e = t
                .entry_or_insert(&key(q), Some(b"q"), 0, false, 0, &g)
                .entry;
            // Entry q is used q times: the low ones are the least used.
            for _ in 0..q {
                e.counters.lock().record(Kind::Exec, 1.0, &Usage::default());
            }
        }
        assert_eq!(t.count(&g), 100);
        t.entry_or_insert(&key(1000), Some(b"new"), 0, false, 42, &g);
        // 5% of 100 is 5, but at least 10 go.
        assert_eq!(t.count(&g), 91);
        for q in 0..10 {
            assert!(t.find(&key(q), &g).is_none(), "least used {q} evicted");
        }
        for q in 10..100 {
            assert!(t.find(&key(q), &g).is_some(), "{q} kept");
        }
        let s = t.stats().read();
        assert_eq!((s.dealloc, s.entries_evicted, s.last_dealloc), (1, 10, 42));
    }

    #[test]
    fn removal_keeps_every_other_key_reachable() {
        let t = heap_table(500);
        let g = ex();
        for q in 0..500 {
            t.entry_or_insert(&key(q * 7919), Some(b"x"), 0, false, 0, &g);
        }
        for q in (0..500).step_by(3) {
            assert!(t.remove(&key(q * 7919), &g));
        }
        for q in 0..500 {
            assert_eq!(t.find(&key(q * 7919), &g).is_some(), q % 3 != 0, "key {q}");
        }
        assert_eq!(t.count(&g), 500 - 167);
    }

    /// The keys `statement_entries` yields, sorted, against a scan of every entry.
    fn statement_keys(t: &Table, dbid: u32, q: i64, g: &Shared) -> (Vec<Key>, Vec<Key>) {
        let mut fast: Vec<Key> = t
            .statement_entries(dbid, q, g)
            .map(|(m, _)| m.key)
            .collect();
        let mut scan: Vec<Key> = t
            .entries(g)
            .map(|(m, _)| m.key)
            .filter(|k| k.dbid == dbid && k.queryid == q)
            .collect();
        let order = |k: &Key| (k.userid, k.toplevel);
        fast.sort_by_key(order);
        scan.sort_by_key(order);
        (fast, scan)
    }

    #[test]
    fn statement_entries_finds_every_user_and_level_through_removals() {
        let t = heap_table(400);
        let g = ex();
        // Deterministic pseudo-random keys: 40 statements x 6 users x 2 levels x 2
        // databases, more than fit, so that eviction and removal shift both indexes.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..3000 {
            let r = next();
            let k = Key::new(
                (r % 6) as u32,
                1 + (r >> 8) as u32 % 2,
                ((r >> 16) % 40) as i64 * 7_777_777,
                (r >> 32) % 2 == 0,
            );
            if round % 4 == 3 {
                t.remove(&k, &g);
            } else {
                t.entry_or_insert(&k, Some(b"q"), 0, false, round, &g);
            }
        }
        assert!(t.stats().read().dealloc > 0, "evictions happened");
        let mut seen = 0;
        for dbid in 1..=2 {
            for q in 0..40 {
                let (fast, scan) = statement_keys(&t, dbid, q * 7_777_777, &g);
                assert_eq!(fast, scan, "statement {q} in database {dbid}");
                seen += fast.len();
            }
        }
        assert_eq!(seen, t.count(&g));
        t.reset(0, 0, 0, 0, &g);
        assert_eq!(t.statement_entries(1, 0, &g).count(), 0);
    }

    #[test]
    fn texts_are_compacted_when_the_arena_fills() {
        let t = heap_table(100); // 100 KiB of text
        let g = ex();
        let big = vec![b'a'; 4000];
        for round in 0..200i64 {
            // Insert and remove so that the arena fills with dead text.
            t.entry_or_insert(&key(round), Some(&big), 0, false, 0, &g);
            if round % 2 == 0 {
                t.remove(&key(round), &g);
            }
        }
        // Every surviving entry still has its own text.
        for (m, _) in t.entries(&g) {
            assert_eq!(t.text(&m, &g).map(|s| s.len()), Some(4000));
        }
        assert!(t.arena_bytes_live(Arena::Texts, &g) <= t.layout().text_cap);
        assert_room_exact(&t, &g);
    }

    #[test]
    fn oversized_text_is_dropped_not_fatal() {
        let t = heap_table(100);
        let g = ex();
        let huge = vec![b'x'; 100 * TEXT_BYTES_PER_ENTRY + 1];
        let e = t
            .entry_or_insert(&key(1), Some(&huge), 0, false, 0, &g)
            .entry;
        assert_eq!(t.text(&e.meta(&g), &g), None);
        assert_eq!(t.stats().read().texts_dropped, 1);
    }

    #[test]
    fn reset_filters_and_full_reset_restarts_stats() {
        let t = heap_table(100);
        let g = ex();
        t.entry_or_insert(&Key::new(1, 1, 11, true), Some(b"a"), 0, false, 0, &g);
        t.entry_or_insert(&Key::new(1, 1, 11, false), Some(b"a"), 0, false, 0, &g);
        t.entry_or_insert(&Key::new(2, 1, 12, true), Some(b"b"), 0, false, 0, &g);
        t.entry_or_insert(&Key::new(2, 3, 13, true), Some(b"c"), 0, false, 0, &g);
        t.stats().lock().dealloc = 3;
        assert_eq!(t.reset(0, 0, 11, 5, &g), 2, "both toplevel and nested");
        assert_eq!(t.reset(0, 3, 0, 5, &g), 1);
        assert_eq!(t.stats().read().dealloc, 3, "partial reset keeps stats");
        assert_eq!(t.reset(0, 0, 0, 9, &g), 1);
        assert_eq!(t.count(&g), 0);
        assert_eq!(
            t.stats().read(),
            GlobalStats {
                stats_reset: 9,
                ..Default::default()
            }
        );
    }

    #[test]
    fn sticky_entries_start_at_median_usage_and_decay_faster() {
        let t = heap_table(100);
        let g = ex();
        let e = t.entry_or_insert(&key(1), Some(b"s"), 0, true, 0, &g).entry;
        assert_eq!(e.counters.read().usage, ASSUMED_MEDIAN_INIT);
        t.evict(0, &g); // 1 entry: it is evicted (min 10 victims), but decayed first
        assert!(t.find(&key(1), &g).is_none());
    }

    /// The dead-byte accounting agrees with the live runs: room = capacity - live bytes.
    fn assert_room_exact(t: &Table, g: &Shared) {
        for (arena, cap) in [
            (Arena::Texts, t.layout().text_cap),
            (Arena::Plans, t.layout().plan_cap),
        ] {
            assert_eq!(
                t.arena_room(arena, g),
                cap - t.arena_bytes_live(arena, g),
                "{arena:?}"
            );
        }
    }

    fn plan_of(t: &Table, q: i64, g: &Shared) -> Option<(f64, Vec<u8>)> {
        let e = t.find(&key(q), g)?;
        t.plan(&e.meta(g), g)
            .map(|p| (p.info.exec_time, p.text.to_vec()))
    }

    #[test]
    fn only_a_slower_execution_replaces_the_captured_plan() {
        let t = heap_table(100);
        let g = ex();
        assert_eq!(
            t.store_plan(&key(1), PlanInfo::new(5.0, 1, false), b"p", &g),
            PlanStored::NoEntry
        );
        t.entry_or_insert(&key(1), Some(b"q"), 0, false, 0, &g);
        assert_eq!(t.plan_time(&key(1), &g), Some(None));
        assert_eq!(
            t.store_plan(&key(1), PlanInfo::new(5.0, 1, true), b"plan A", &g),
            PlanStored::Stored
        );
        assert_eq!(
            t.store_plan(&key(1), PlanInfo::new(4.0, 2, false), b"plan B", &g),
            PlanStored::NotSlower
        );
        assert_eq!(plan_of(&t, 1, &g), Some((5.0, b"plan A".to_vec())));
        assert_eq!(
            t.store_plan(&key(1), PlanInfo::new(9.0, 3, false), b"plan C", &g),
            PlanStored::Stored
        );
        let e = t.find(&key(1), &g).unwrap();
        let p = t.plan(&e.meta(&g), &g).unwrap();
        assert_eq!(p.info, PlanInfo::new(9.0, 3, false));
        assert_eq!(p.text, b"plan C");
        assert_eq!(t.plan_count(&g), 1);
        assert_eq!(t.arena_bytes_live(Arena::Plans, &g), PLAN_INFO_SIZE + 6);
    }

    #[test]
    fn plan_arena_compacts_and_drops_what_cannot_fit() {
        let t = heap_table(100); // 64 KiB of plans
        let g = ex();
        let plan = vec![b'p'; 10_000];
        for q in 0..100 {
            t.entry_or_insert(&key(q), Some(b"q"), 0, false, 0, &g);
        }
        // Six 10 kB plans fit in 64 KiB; replacing them over and over needs compaction.
        for round in 0..20 {
            for q in 0..6 {
                let r = t.store_plan(&key(q), PlanInfo::new(round as f64, 0, false), &plan, &g);
                assert_eq!(r, PlanStored::Stored, "round {round} plan {q}");
            }
        }
        assert_eq!(t.stats().read().plans_dropped, 0);
        assert_room_exact(&t, &g);
        // A seventh does not fit: dropped and counted, the others intact.
        assert_eq!(
            t.store_plan(&key(6), PlanInfo::new(1.0, 0, false), &plan, &g),
            PlanStored::Dropped
        );
        assert_eq!(t.stats().read().plans_dropped, 1);
        for q in 0..6 {
            assert_eq!(plan_of(&t, q, &g), Some((19.0, plan.clone())));
        }
        assert_room_exact(&t, &g);
        // Removing an entry frees its plan for the next one.
        t.remove(&key(0), &g);
        assert_room_exact(&t, &g);
        assert_eq!(
            t.store_plan(&key(6), PlanInfo::new(1.0, 0, false), &plan, &g),
            PlanStored::Stored
        );
        // Larger than the arena: dropped, the entry's text arena untouched.
        let huge = vec![b'h'; 70_000];
        assert_eq!(
            t.store_plan(&key(7), PlanInfo::new(1.0, 0, false), &huge, &g),
            PlanStored::Dropped
        );
        assert_eq!(t.stats().read().plans_dropped, 2);
    }

    #[test]
    fn plan_reset_and_full_reset_clear_plans() {
        let t = heap_table(100);
        let g = ex();
        for q in 1..=3 {
            t.entry_or_insert(&key(q), Some(b"q"), 0, false, 0, &g);
            t.store_plan(&key(q), PlanInfo::new(1.0, 0, false), b"plan", &g);
        }
        assert_eq!(t.reset_plans(0, 0, 2, &g), 1);
        assert_room_exact(&t, &g);
        assert_eq!(plan_of(&t, 2, &g), None);
        assert!(plan_of(&t, 1, &g).is_some(), "others kept");
        assert!(t.find(&key(2), &g).is_some(), "the entry stays");
        assert_eq!(t.reset_plans(0, 0, 0, &g), 2);
        assert_eq!(t.plan_count(&g), 0);
        t.store_plan(&key(1), PlanInfo::new(1.0, 0, false), b"plan", &g);
        t.reset(0, 0, 0, 5, &g);
        assert_eq!(t.arena_bytes_live(Arena::Plans, &g), 0);
        assert_room_exact(&t, &g);
    }

    #[test]
    fn entry_stays_within_budget() {
        // Issue budget: an entry (counters, histogram, text reference) at most 1 KiB.
        assert!(
            Layout::entry_size() <= 1024,
            "entry is {} bytes",
            Layout::entry_size()
        );
    }
}
