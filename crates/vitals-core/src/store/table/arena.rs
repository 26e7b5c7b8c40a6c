//! The two byte arenas (query texts and captured plans): appending a run, releasing one,
//! and compaction, which moves the live runs to the start when that makes room.

use super::{Entry, EntryMeta, Exclusive, Shared, Table};

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

impl Table {
    pub(super) fn arena_base(&self, arena: Arena) -> *mut u8 {
        let off = match arena {
            Arena::Texts => self.layout.text_off(),
            Arena::Plans => self.layout.plan_off(),
        };
        // SAFETY: start of the arena, inside the block.
        unsafe { self.base.add(off) }
    }

    pub(super) fn arena_cap(&self, arena: Arena) -> usize {
        match arena {
            Arena::Texts => self.layout.text_cap,
            Arena::Plans => self.layout.plan_cap,
        }
    }

    /// The bytes an entry holds in `arena`.
    pub(super) fn arena_bytes<'a>(
        &'a self,
        meta: &EntryMeta,
        arena: Arena,
        _: &Shared,
    ) -> Option<&'a [u8]> {
        let (off, len) = meta.span(arena)?;
        if off + len > self.arena_cap(arena) {
            return None;
        }
        // SAFETY: in bounds; arenas are written only under the exclusive lock.
        Some(unsafe { std::slice::from_raw_parts(self.arena_base(arena).add(off), len) })
    }

    /// Bytes the live entries hold in `arena` (dead bytes awaiting compaction excluded).
    pub fn arena_bytes_live(&self, arena: Arena, g: &Shared) -> usize {
        self.entries(g)
            .filter_map(|(m, _)| m.span(arena))
            .map(|(_, len)| len)
            .sum()
    }

    /// The stored text of an entry, if it has one.
    pub fn text<'a>(&'a self, meta: &EntryMeta, g: &Shared) -> Option<&'a [u8]> {
        self.arena_bytes(meta, Arena::Texts, g)
    }

    /// Copies a text into the arena, compacting and then evicting when it has no room.
    pub(super) fn store_text(&self, text: &[u8], now: i64, g: &Exclusive) -> (u32, u32) {
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
    pub(super) fn release(&self, e: &Entry, arena: Arena, g: &Exclusive) {
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
    pub(super) fn append(
        &self,
        arena: Arena,
        parts: &[&[u8]],
        g: &Exclusive,
    ) -> Option<(u32, u32)> {
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
    pub(super) fn compact(&self, arena: Arena, g: &Exclusive) -> usize {
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
}
