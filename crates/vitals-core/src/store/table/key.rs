//! The two hash indexes over the entries: the key and its hashes, lookup (the hot path),
//! a statement's entries for every user and level, and backward-shift deletion.

use super::{Entry, EntryMeta, Exclusive, Shared, Table, EMPTY};
use bytemuck::{Pod, Zeroable};

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
    pub(super) fn hash(&self) -> u64 {
        mix((self.queryid as u64)
            ^ ((self.userid as u64) << 32 | self.dbid as u64).rotate_left(17)
            ^ (self.toplevel as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
    /// Hash of the statement alone (database and query id), whoever ran it at whatever level.
    pub(super) fn statement_hash(&self) -> u64 {
        mix((self.queryid as u64) ^ (self.dbid as u64).rotate_left(17))
    }
}

/// splitmix64's finalizer: cheap, and good enough for query ids that are already hashes.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The two hash indexes over the entries. Both are open addressing with linear probing
/// over `index_cap` cells holding entry numbers, and backward-shift deletion, so that every
/// entry lies in the run of occupied cells that starts at its home cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Index {
    /// By the whole key: the lookup of every recorded statement.
    Keys,
    /// By (dbid, queryid): the entries of one statement for all users and both levels share
    /// a home cell, so they are found by walking one run instead of the whole table
    /// (EXPLAIN's history). Touched only when entries are created or removed.
    Statements,
}

impl Table {
    #[inline]
    pub(super) fn index_ptr(&self, index: Index, i: usize) -> *mut u32 {
        debug_assert!(i < self.layout.index_cap);
        // SAFETY: in bounds of the index array.
        unsafe { (self.base.add(self.layout.index_off(index)) as *mut u32).add(i) }
    }

    /// The cell where `key`'s probe run starts in `index`.
    #[inline]
    pub(super) fn home(&self, index: Index, key: &Key) -> usize {
        let hash = match index {
            Index::Keys => key.hash(),
            Index::Statements => key.statement_hash(),
        };
        hash as usize & (self.layout.index_cap - 1)
    }

    /// Probe position of `key`: Ok(index position holding it) or Err(first empty position).
    pub(super) fn probe(&self, key: &Key) -> Result<usize, usize> {
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

    /// Empties cell `pos` of `index`, shifting the rest of its run back so that every entry
    /// stays reachable from its home cell. The entries' keys must still be in place.
    pub(super) fn unlink(&self, index: Index, mut pos: usize, _: &Exclusive) {
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
}
