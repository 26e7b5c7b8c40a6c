//! Where each part of the block lies: computed the same way by the postmaster when it asks
//! for shared memory and by every backend that attaches. The offsets are `#[inline]`: the
//! hot path computes an entry's address from another crate (the extension's hooks).

use super::key::Index;
use super::{Entry, Header};

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

#[inline]
pub(super) const fn align(n: usize, to: usize) -> usize {
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
    #[inline]
    pub(super) fn index_off(&self, index: Index) -> usize {
        let keys = align(std::mem::size_of::<Header>(), 64);
        match index {
            Index::Keys => keys,
            Index::Statements => align(keys + self.index_cap * 4, 64),
        }
    }
    #[inline]
    pub(super) fn free_off(&self) -> usize {
        align(self.index_off(Index::Statements) + self.index_cap * 4, 64)
    }
    #[inline]
    pub(super) fn entries_off(&self) -> usize {
        align(self.free_off() + self.max * 4, 64)
    }
    #[inline]
    pub(super) fn text_off(&self) -> usize {
        align(
            self.entries_off() + self.max * std::mem::size_of::<Entry>(),
            64,
        )
    }
    #[inline]
    pub(super) fn plan_off(&self) -> usize {
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
