//! The shared-memory statement store: requesting the memory at postmaster start, attaching
//! to it at every shared-memory startup (also after a crash restart), the LWLock, and saving
//! and loading the statistics at a clean stop and start. The table that lives in the memory,
//! its counters and the save file's format are the core crate's (`vitals_core::store`).
//!
//! The store's contract (layout, locking, what happens when it is full, persistence, crash
//! restarts, and where per-statement state added later goes) is written out in
//! docs/architecture.md, "The store's contract". In short:
//! - one LWLock (tranche `pg_vitals`): shared to look up, read texts and update counters;
//!   exclusive to create, remove, evict, write or move texts;
//! - each entry's counters under their own spinlock, held for a few instructions and never
//!   across a call that can raise an error;
//! - recording a statement whose entry exists takes the lock shared and one spinlock and
//!   allocates nothing; a new entry takes it exclusively once, its text built before;
//! - every pointer into shared memory is set again at each startup, so the backends the
//!   postmaster forks after a crash restart see the new segment.

use pgrx::pg_sys;
use std::ffi::CStr;
use vitals_core::store::persist;
use vitals_core::store::table::{Exclusive, Layout, NewEntry, Shared, Table};

const TRANCHE: &CStr = c"pg_vitals";
const STATS_FILE: &str = "pg_stat/pg_vitals.stat";

/// This process's view of the store: pointers into the current shared-memory segment.
#[derive(Clone, Copy)]
struct Attached {
    table: Table,
    lock: *mut pg_sys::LWLock,
}

/// Set by every shared-memory startup (the first one, and each one after a crash restart),
/// in the postmaster before it forks backends, or in a single-user backend. Never written
/// anywhere else, and backends are single-threaded.
static mut STORE: Option<Attached> = None;

#[inline]
fn attached() -> Option<Attached> {
    // SAFETY: see STORE: written only at shared-memory startup, before any reader exists.
    unsafe { STORE }
}

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
    let addin_lock = addin_shmem_init_lock();
    STORE = None;
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
    // A crash restart made a new segment: forget the old one's pointers.
    STORE = Some(Attached { table, lock });

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
    // An immediate shutdown exits with code 0 too, after killing every backend where it
    // stood: one may have died holding the store's lock or an entry's spinlock, halfway
    // through an update. Only a shutdown checkpoint says the server stopped cleanly.
    if !shut_down_cleanly() {
        pgrx::log!("pg_vitals: not saving statistics: the server did not shut down cleanly");
        return;
    }
    save_file();
}

/// Whether the control file says the last shutdown checkpoint completed (a fast or smart
/// shutdown, of a primary or a standby).
unsafe fn shut_down_cleanly() -> bool {
    let mut crc_ok = false;
    let control = pg_sys::get_controlfile(pg_sys::DataDir, &mut crc_ok);
    if control.is_null() || !crc_ok {
        return false;
    }
    let state = (*control).state;
    pg_sys::pfree(control.cast());
    state == pg_sys::DBState::DB_SHUTDOWNED || state == pg_sys::DBState::DB_SHUTDOWNED_IN_RECOVERY
}

/// Whether the store exists in this process (pg_vitals was preloaded).
pub fn available() -> bool {
    attached().is_some()
}

/// Holds the store's LWLock; releases it when dropped, also when a panic unwinds through
/// the closure that held it (a PostgreSQL error never does: the closures are pure Rust).
struct Held(*mut pg_sys::LWLock);

impl Held {
    #[inline]
    fn acquire(lock: *mut pg_sys::LWLock, mode: pg_sys::LWLockMode::Type) -> Held {
        // SAFETY: the lock lives in shared memory for the life of the process.
        unsafe { crate::pg_raw::LWLockAcquire(lock, mode) };
        Held(lock)
    }
}

impl Drop for Held {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: acquired by this guard and not yet released.
        unsafe { crate::pg_raw::LWLockRelease(self.0) };
    }
}

/// Runs `f` with the store locked in shared mode, or returns None when not preloaded.
#[inline]
pub fn with_shared<R>(f: impl FnOnce(&Table, &Shared) -> R) -> Option<R> {
    let s = attached()?;
    let _held = Held::acquire(s.lock, pg_sys::LWLockMode::LW_SHARED);
    // SAFETY: the lock is held in shared mode until `_held` drops.
    Some(f(&s.table, unsafe { &Shared::assume() }))
}

/// Runs `f` with the store locked in exclusive mode, or returns None when not preloaded.
pub fn with_exclusive<R>(f: impl FnOnce(&Table, &Exclusive) -> R) -> Option<R> {
    let s = attached()?;
    let _held = Held::acquire(s.lock, pg_sys::LWLockMode::LW_EXCLUSIVE);
    // SAFETY: the lock is held exclusively until `_held` drops.
    Some(f(&s.table, unsafe { &Exclusive::assume() }))
}

/// Whether this backend holds the store's lock (for the tests of the guard above).
pub fn lock_held_by_me() -> bool {
    // SAFETY: a read of this backend's own lock bookkeeping.
    attached().is_some_and(|s| unsafe { pg_sys::LWLockHeldByMe(s.lock) })
}

fn pg_major() -> u32 {
    pg_sys::PG_VERSION_NUM / 10000
}

fn save_file() {
    let Some(dump) = with_shared(|t, g| {
        let (retired, errors) = t.saved_totals(g);
        persist::Dump {
            entries: t
                .entries(g)
                .map(|(m, e)| persist::SavedEntry {
                    key: m.key,
                    encoding: m.encoding,
                    text: t.text(&m, g).map(|s| s.to_vec()),
                    command: vitals_core::store::table::Command::from_code(m.command),
                    counters: e.counters.read(),
                    plan: t.plan(&m, g).map(|p| persist::SavedPlan {
                        info: p.info,
                        text: p.text.to_vec(),
                    }),
                })
                .collect(),
            stats: t.stats().read(),
            retired,
            errors,
        }
    }) else {
        return;
    };
    let bytes = persist::encode(pg_major(), &dump);
    if let Err(e) = write_durably(std::path::Path::new(STATS_FILE), &bytes) {
        pgrx::log!("pg_vitals: could not write \"{STATS_FILE}\": {e}");
    }
}

/// Writes `bytes` to `path` so that a crash leaves either the whole new file or none: a
/// temporary file, flushed to disk, renamed over `path`, then the directory flushed (what
/// PostgreSQL's `durable_rename` does). On any failure (a full disk, say) the temporary file
/// is removed and `path` is left as it was.
fn write_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    std::fs::File::open(dir.unwrap_or(std::path::Path::new(".")))?.sync_all()
}

/// The decoder checks UTF-8 itself; every other encoding is checked here, with PostgreSQL's
/// own verifier, so that no text the views return is invalid in its encoding.
fn check_encodings(dump: persist::Dump) -> Result<persist::Dump, String> {
    for (i, e) in dump.entries.iter().enumerate() {
        if e.encoding == persist::PG_UTF8 {
            continue;
        }
        // SAFETY: plain functions over the bytes we pass; the encoding is checked first.
        let valid = |bytes: &[u8]| unsafe {
            pg_sys::pg_verify_mbstr(e.encoding, bytes.as_ptr().cast(), bytes.len() as i32, true)
        };
        // Server encodings are 0 to PG_ENCODING_BE_LAST, which is PG_KOI8U on every version.
        if !(0..=pg_sys::pg_enc::PG_KOI8U as i32).contains(&e.encoding) {
            return Err(format!("entry {}: invalid encoding {}", i + 1, e.encoding));
        }
        let texts = [
            e.text.as_deref(),
            e.plan.as_ref().map(|p| p.text.as_slice()),
        ];
        if !texts.into_iter().flatten().all(valid) {
            return Err(format!(
                "entry {}: a text is not valid in its encoding",
                i + 1
            ));
        }
    }
    Ok(dump)
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
    let dump = match persist::decode(pg_major(), &bytes).and_then(check_encodings) {
        Ok(d) => d,
        Err(why) => {
            pgrx::warning!(
                "pg_vitals: ignoring \"{STATS_FILE}\": {why}; starting with empty statistics"
            );
            return;
        }
    };
    with_exclusive(|t, g| {
        t.restore_totals(&dump.retired, &dump.errors, g);
        for e in dump.entries.iter().take(t.layout().max) {
            let new = NewEntry::new(e.text.as_deref(), e.encoding, false, e.command);
            let ins = t.entry_or_insert(&e.key, new, now, g);
            ins.entry.counters.reset(e.counters);
            if let Some(p) = &e.plan {
                t.store_plan(&e.key, p.info, &p.text, g);
            }
        }
        t.stats().reset(dump.stats);
    });
}

/// PostgreSQL's `AddinShmemInitLock`: a macro for `&MainLWLockArray[21].lock` (its place in
/// lwlocknames.txt, the same on 15 to 18), which bindgen cannot translate.
///
/// # Safety
/// Only once shared memory is attached (MainLWLockArray is set).
unsafe fn addin_shmem_init_lock() -> *mut pg_sys::LWLock {
    const ADDIN_SHMEM_INIT_LOCK: usize = 21;
    &raw mut (*pg_sys::MainLWLockArray.add(ADDIN_SHMEM_INIT_LOCK)).lock
}
