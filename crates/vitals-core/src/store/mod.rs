//! The statement store's data structures and arithmetic: the fixed-layout table that lives
//! in shared memory, its counters and latency histogram, the spinlock guarding each entry and
//! the save-file format. Where the memory comes from and which LWLock guards it is the
//! extension's business (`src/store/mod.rs`); everything here works on plain memory and is
//! tested on the heap.

pub mod counters;
pub mod histogram;
pub mod persist;
pub mod spinlock;
pub mod table;
