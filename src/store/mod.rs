//! The shared-memory statement store.
//!
//! # Layout
//! One block of shared memory, sized at postmaster start from `pg_vitals.max` (see
//! [`table::Layout`]): a header (store-wide state and statistics), two open-addressing hash
//! indexes (twice `max` slots each, rounded to a power of two, holding entry numbers): one
//! by the whole key for recording, one by (dbid, queryid) that finds a statement's entries
//! for every user and level (EXPLAIN's history); a stack of free entry numbers, `max` fixed-size entries (key, text and plan references,
//! counters), a text arena of 1 KiB per entry for the normalized query texts and a plan
//! arena of `pg_vitals.plan_memory` for captured plans.
//!
//! # Locking protocol
//! One LWLock (tranche `pg_vitals`) protects the structure, exactly as pg_stat_statements'
//! `pgss->lock`:
//! - shared mode to look entries up, to read texts and to update counters;
//! - exclusive mode to create or remove entries, to write or move texts, and to evict;
//! - each entry's counters are further protected by their own spinlock, held only for the
//!   few instructions that copy or update them (never across any call that can error).
//!
//! So the hot path, recording a statement whose entry exists, takes the LWLock shared and
//! one uncontended spinlock, and allocates nothing. A new entry takes the lock exclusively
//! once; its normalized text is built before the lock is taken.
//!
//! # When full
//! Creating an entry in a full table first evicts the least-used 5% (at least 10) after
//! decaying every usage count, like pg_stat_statements; eviction is counted (`dealloc`,
//! `entries_evicted`, `last_dealloc`). A text that does not fit is made room for by
//! compacting the arena, then by evicting; a text larger than the whole arena is dropped
//! (the entry keeps its counters, its query reads NULL) and counted. Plans never cause an
//! eviction: a plan that does not fit the plan arena after compaction is dropped and
//! counted (`plans_dropped`). Each arena counts its dead bytes (runs of removed entries and
//! replaced plans), so it is compacted only when that makes room, and a full plan arena
//! turns a capture away before its EXPLAIN text is even built.
//!
//! # Persistence
//! With `pg_vitals.save`, the postmaster writes every entry to `pg_stat/pg_vitals.stat` at a
//! clean shutdown and reads it back at startup (then deletes it). A file that is damaged,
//! from another PostgreSQL major version or from another build layout is ignored with a
//! WARNING; see [`persist`].

pub mod counters;
pub mod histogram;
pub mod persist;
pub mod spinlock;
pub mod table;

use pgrx::pg_sys;
use std::ffi::CStr;
use std::sync::OnceLock;
use table::{Exclusive, Layout, Shared, Table};

const TRANCHE: &CStr = c"pg_vitals";
const STATS_FILE: &str = "pg_stat/pg_vitals.stat";

/// This backend's view of the store, set once shared memory is attached.
struct Attached {
    table: Table,
    lock: *mut pg_sys::LWLock,
}
// SAFETY: the pointers refer to shared memory that lives as long as the process.
unsafe impl Send for Attached {}
unsafe impl Sync for Attached {}

static STORE: OnceLock<Attached> = OnceLock::new();

static mut PREV_SHMEM_REQUEST: pg_sys::shmem_request_hook_type = None;
static mut PREV_SHMEM_STARTUP: pg_sys::shmem_startup_hook_type = None;

fn layout() -> Layout {
    Layout::new(
        crate::guc::MAX.get() as usize,
        crate::guc::PLAN_MEMORY.get() as usize * 1024,
    )
}

/// Chains the shared-memory hooks. Called from `_PG_init` when preloaded.
pub fn init() {
    // SAFETY: _PG_init runs once in the postmaster before any hook can fire.
    unsafe {
        PREV_SHMEM_REQUEST = pg_sys::shmem_request_hook;
        pg_sys::shmem_request_hook = Some(shmem_request);
        PREV_SHMEM_STARTUP = pg_sys::shmem_startup_hook;
        pg_sys::shmem_startup_hook = Some(shmem_startup);
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn shmem_request() {
    if let Some(prev) = PREV_SHMEM_REQUEST {
        // SAFETY: a plain old frame; the previous hook reports errors by longjmp.
        #[allow(ffi_unwind_calls)]
        pg_sys::submodules::ffi::pg_guard_ffi_boundary(|| prev());
    }
    pg_sys::RequestAddinShmemSpace(layout().size());
    pg_sys::RequestNamedLWLockTranche(TRANCHE.as_ptr(), 1);
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn shmem_startup() {
    if let Some(prev) = PREV_SHMEM_STARTUP {
        #[allow(ffi_unwind_calls)]
        pg_sys::submodules::ffi::pg_guard_ffi_boundary(|| prev());
    }
    let layout = layout();
    // AddinShmemInitLock is MainLWLockArray[21] (lwlocknames.txt) on every supported version.
    let addin_lock = &raw mut (*pg_sys::MainLWLockArray.add(21)).lock;
    pg_sys::LWLockAcquire(addin_lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
    let mut found = false;
    let base =
        pg_sys::ShmemInitStruct(c"pg_vitals store".as_ptr(), layout.size(), &mut found) as *mut u8;
    let lock = &mut (*pg_sys::GetNamedLWLockTranche(TRANCHE.as_ptr())).lock as *mut pg_sys::LWLock;
    // ShmemInitStruct memory is MAXALIGNed only; the table needs 8-byte alignment, which
    // that gives on every platform PostgreSQL supports with 64-bit atomics.
    debug_assert_eq!(base as usize % 8, 0);
    let table = Table::attach(base, layout, !found, pg_sys::GetCurrentTimestamp());
    pg_sys::LWLockRelease(addin_lock);
    let _ = STORE.set(Attached { table, lock });

    // The postmaster (or a single-user backend) owns the file: load it once, save at exit.
    if !pg_sys::IsUnderPostmaster {
        if !found {
            load_file(pg_sys::GetCurrentTimestamp());
        }
        pg_sys::on_shmem_exit(Some(shmem_shutdown), pg_sys::Datum::from(0));
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn shmem_shutdown(code: i32, _arg: pg_sys::Datum) {
    // Don't save after a crash (code != 0): the store may be inconsistent.
    if code != 0 || !crate::guc::SAVE.get() {
        return;
    }
    save_file();
}

/// Whether the store exists in this process (pg_vitals was preloaded).
pub fn available() -> bool {
    STORE.get().is_some()
}

/// Runs `f` with the store locked in shared mode, or returns None when not preloaded.
#[inline]
pub fn with_shared<R>(f: impl FnOnce(&Table, &Shared) -> R) -> Option<R> {
    let s = STORE.get()?;
    // SAFETY: the lock lives in shared memory; `f` cannot raise a PostgreSQL error
    // (pure Rust over the table), so the lock is always released. If it panics, the
    // transaction abort releases all LWLocks.
    unsafe {
        crate::pg_raw::LWLockAcquire(s.lock, pg_sys::LWLockMode::LW_SHARED);
        let r = f(&s.table, &Shared::assume());
        crate::pg_raw::LWLockRelease(s.lock);
        Some(r)
    }
}

/// Runs `f` with the store locked in exclusive mode, or returns None when not preloaded.
pub fn with_exclusive<R>(f: impl FnOnce(&Table, &Exclusive) -> R) -> Option<R> {
    let s = STORE.get()?;
    // SAFETY: as in with_shared.
    unsafe {
        crate::pg_raw::LWLockAcquire(s.lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
        let r = f(&s.table, &Exclusive::assume());
        crate::pg_raw::LWLockRelease(s.lock);
        Some(r)
    }
}

fn pg_major() -> u32 {
    pg_sys::PG_VERSION_NUM / 10000
}

fn save_file() {
    let Some(dump) = with_shared(|t, g| persist::Dump {
        entries: t
            .entries(g)
            .map(|(m, e)| persist::SavedEntry {
                key: m.key,
                encoding: m.encoding,
                text: t.text(&m, g).map(|s| s.to_vec()),
                counters: e.counters.read(),
                plan: t.plan(&m, g).map(|p| persist::SavedPlan {
                    info: p.info,
                    text: p.text.to_vec(),
                }),
            })
            .collect(),
        stats: t.stats().read(),
    }) else {
        return;
    };
    let bytes = persist::encode(pg_major(), &dump);
    let tmp = format!("{STATS_FILE}.tmp");
    let result = std::fs::write(&tmp, &bytes).and_then(|_| std::fs::rename(&tmp, STATS_FILE));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        pgrx::log!("pg_vitals: could not write \"{STATS_FILE}\": {e}");
    }
}

fn load_file(now: i64) {
    let bytes = match std::fs::read(STATS_FILE) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            pgrx::warning!(
                "pg_vitals: could not read \"{STATS_FILE}\": {e}; starting with empty statistics"
            );
            return;
        }
    };
    // Never reuse the file: a crash later must not bring back stale numbers.
    let _ = std::fs::remove_file(STATS_FILE);
    if !crate::guc::SAVE.get() {
        return;
    }
    let dump = match persist::decode(pg_major(), &bytes) {
        Ok(d) => d,
        Err(why) => {
            pgrx::warning!(
                "pg_vitals: ignoring \"{STATS_FILE}\": {why}; starting with empty statistics"
            );
            return;
        }
    };
    with_exclusive(|t, g| {
        for e in dump.entries.iter().take(t.layout().max) {
            let ins = t.entry_or_insert(&e.key, e.text.as_deref(), e.encoding, false, now, g);
            ins.entry.counters.reset(e.counters);
            if let Some(p) = &e.plan {
                t.store_plan(&e.key, p.info, &p.text, g);
            }
        }
        t.stats().reset(dump.stats);
    });
}
