//! Turning what a hook saw into a store update (pg_stat_statements' `pgss_store`).

use crate::pg_raw;
use crate::store;
use pgrx::pg_sys;
use std::ffi::c_char;
#[cfg(any(feature = "pg17", feature = "pg18"))]
use vitals_core::store::counters::LaterUsage;
use vitals_core::store::counters::{Counters, JitUsage, Kind, PlanCache, Resources, Usage};
use vitals_core::store::table::{Arena, Command, Key, NewEntry, PlanInfo, PLAN_INFO_SIZE};

/// The statement a hook is about: where its text is, its query id, and who runs it.
#[derive(Clone, Copy)]
pub(super) struct Statement {
    pub source: *const c_char,
    pub query_id: i64,
    pub location: i32,
    pub len: i32,
    /// The current user when the statement started (see "Whose statement" in `hooks`).
    pub userid: u32,
    /// The query's `CmdType`, for the metrics' totals (made a [`Command`] only when an
    /// entry is created or a failure counted, off the hot path).
    pub cmd_type: pg_sys::CmdType::Type,
}

impl Statement {
    /// A statement starting now, run by the current user.
    #[inline]
    pub fn starting(
        source: *const c_char,
        query_id: i64,
        location: i32,
        len: i32,
        cmd_type: pg_sys::CmdType::Type,
    ) -> Self {
        Statement {
            source,
            query_id,
            location,
            len,
            userid: current_user(),
            cmd_type,
        }
    }

    #[inline]
    fn key(&self, toplevel: bool) -> Key {
        // SAFETY: a plain read of backend state.
        let dbid = unsafe { pg_sys::MyDatabaseId };
        Key::new(self.userid, dbid.into(), self.query_id, toplevel)
    }
}

impl Statement {
    fn command(&self) -> Command {
        command(self.cmd_type)
    }
}

/// The [`Command`] of a query's `commandType`.
fn command(cmd: pg_sys::CmdType::Type) -> Command {
    match cmd {
        pg_sys::CmdType::CMD_SELECT => Command::Select,
        pg_sys::CmdType::CMD_INSERT => Command::Insert,
        pg_sys::CmdType::CMD_UPDATE => Command::Update,
        pg_sys::CmdType::CMD_DELETE => Command::Delete,
        pg_sys::CmdType::CMD_MERGE => Command::Merge,
        pg_sys::CmdType::CMD_UTILITY => Command::Utility,
        _ => Command::Other,
    }
}

/// The current user id (it changes inside SECURITY DEFINER functions and maintenance
/// commands).
#[inline]
pub(super) fn current_user() -> u32 {
    // SAFETY: a plain read of backend state.
    unsafe { pg_raw::GetUserId().into() }
}

/// The statement's own text within a possibly multi-statement source string, and where
/// that text starts in the source.
///
/// # Safety
/// `stmt.source` must be a valid NUL-terminated string.
pub(super) unsafe fn statement_text<'a>(stmt: &Statement) -> (&'a [u8], i32) {
    let (mut location, mut len) = (stmt.location, stmt.len);
    let p = pg_raw::CleanQuerytext(stmt.source, &mut location, &mut len);
    (
        std::slice::from_raw_parts(p as *const u8, len.max(0) as usize),
        location,
    )
}

/// Applies `update` to the statement's counters, creating the entry (with its plain text)
/// if needed. Existing entry: shared lock, one spinlock, no allocation.
fn update_entry(stmt: &Statement, toplevel: bool, mut update: impl FnMut(&mut Counters)) {
    if stmt.query_id == 0 || stmt.source.is_null() {
        return;
    }
    let key = stmt.key(toplevel);
    let found = store::with_shared(|t, g| {
        t.find(&key, g)
            .map(|e| update(&mut e.counters.lock()))
            .is_some()
    });
    if found != Some(false) {
        return;
    }
    // SAFETY: the hooks pass PostgreSQL's source text, valid for the statement's duration.
    let (text, _) = unsafe { statement_text(stmt) };
    // SAFETY: plain reads of backend state and the clock.
    let (encoding, now) = unsafe { (pg_raw::GetDatabaseEncoding(), pg_raw::GetCurrentTimestamp()) };
    store::with_exclusive(|t, g| {
        let ins = t.entry_or_insert(
            &key,
            NewEntry::new(Some(text), encoding, false, stmt.command()),
            now,
            g,
        );
        update(&mut ins.entry.counters.lock());
    });
}

/// Adds one planning or execution to the statement's entry.
pub(super) fn record(stmt: &Statement, toplevel: bool, kind: Kind, time_ms: f64, usage: &Usage) {
    update_entry(stmt, toplevel, |c| c.record(kind, time_ms, usage));
}

/// Adds one execution that ended in the error being handled now, after `time_ms`: a
/// statement that only ever fails still gets its entry.
pub(super) fn record_error(stmt: &Statement, toplevel: bool, time_ms: f64) {
    // SAFETY: called between the error's longjmp and its re-throw, so there is a current
    // error; plain reads of backend state and the clock.
    let (sqlstate, now) = unsafe { (pg_raw::geterrcode(), pg_raw::GetCurrentTimestamp()) };
    update_entry(stmt, toplevel, |c| c.record_error(time_ms, sqlstate, now));
    if stmt.query_id != 0 && !stmt.source.is_null() {
        let key = stmt.key(toplevel);
        store::with_shared(|t, _| t.count_error(key.dbid, key.userid, stmt.command(), sqlstate));
    }
}

/// Stores the plan `explain` builds as the statement's captured plan if this execution,
/// which took `time_ms`, is slower than the one whose plan the entry holds. `explain`
/// runs only then, without any lock held; it returns None when it could not build one.
pub(super) fn capture_plan(
    stmt: &Statement,
    toplevel: bool,
    time_ms: f64,
    instrumented: bool,
    explain: impl FnOnce() -> Option<Vec<u8>>,
) {
    if stmt.query_id == 0 {
        return;
    }
    let key = stmt.key(toplevel);
    let wanted = store::with_shared(|t, g| {
        let slower = t
            .plan_time(&key, g)
            .is_some_and(|held| held.is_none_or(|held| time_ms > held));
        if !slower || t.layout().plan_cap == 0 {
            return false;
        }
        // A full plan arena: drop it now rather than build a text that cannot be kept.
        if t.arena_room(Arena::Plans, g) <= PLAN_INFO_SIZE {
            t.stats().lock().plans_dropped += 1;
            return false;
        }
        true
    });
    if wanted != Some(true) {
        return;
    }
    let Some(text) = explain() else { return };
    // SAFETY: a plain read of the clock.
    let now = unsafe { pg_raw::GetCurrentTimestamp() };
    let info = PlanInfo::new(time_ms, now, instrumented);
    store::with_exclusive(|t, g| t.store_plan(&key, info, &text, g));
}

/// Makes sure the statement has an entry holding its normalized text, before it runs
/// (pg_stat_statements' "sticky" entries).
pub(super) fn remember_text(
    stmt: &Statement,
    toplevel: bool,
    normalized: impl FnOnce() -> Vec<u8>,
) {
    if stmt.query_id == 0 || stmt.source.is_null() {
        return;
    }
    let key = stmt.key(toplevel);
    if store::with_shared(|t, g| t.find(&key, g).is_some()) != Some(false) {
        return;
    }
    let text = normalized();
    // SAFETY: plain reads of backend state and the clock.
    let (encoding, now) = unsafe { (pg_raw::GetDatabaseEncoding(), pg_raw::GetCurrentTimestamp()) };
    store::with_exclusive(|t, g| {
        t.entry_or_insert(
            &key,
            NewEntry::new(Some(&text), encoding, true, stmt.command()),
            now,
            g,
        );
    });
}

/// Milliseconds on the clock `instr_time` uses (CLOCK_MONOTONIC).
pub(super) fn monotonic_ms() -> f64 {
    let mut ts = pg_raw::Timespec::default();
    // SAFETY: libc call writing into our struct.
    unsafe { pg_raw::clock_gettime(pg_raw::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1_000_000.0
}

/// The current time as `INSTR_TIME_SET_CURRENT` reads it.
#[cfg(not(any(feature = "pg17", feature = "pg18")))]
pub(super) fn instr_now() -> pg_sys::instr_time {
    let mut ts = pg_raw::Timespec::default();
    // SAFETY: libc call writing into our struct.
    unsafe { pg_raw::clock_gettime(pg_raw::CLOCK_MONOTONIC, &mut ts) };
    #[cfg(feature = "pg15")]
    {
        pg_sys::instr_time {
            tv_sec: ts.tv_sec,
            tv_nsec: ts.tv_nsec,
        }
    }
    #[cfg(not(feature = "pg15"))]
    {
        pg_sys::instr_time {
            ticks: ts.tv_sec * 1_000_000_000 + ts.tv_nsec,
        }
    }
}

/// The time since `start` (`INSTR_TIME_SUBTRACT(now, start)`).
#[cfg(not(any(feature = "pg17", feature = "pg18")))]
pub(super) fn instr_since(start: &pg_sys::instr_time) -> pg_sys::instr_time {
    let now = instr_now();
    #[cfg(feature = "pg15")]
    {
        let mut sec = now.tv_sec - start.tv_sec;
        let mut nsec = now.tv_nsec - start.tv_nsec;
        if nsec < 0 {
            sec -= 1;
            nsec += 1_000_000_000;
        }
        pg_sys::instr_time {
            tv_sec: sec,
            tv_nsec: nsec,
        }
    }
    #[cfg(not(feature = "pg15"))]
    {
        pg_sys::instr_time {
            ticks: now.ticks - start.ticks,
        }
    }
}

/// Milliseconds in an `instr_time`. Zero, the usual value of the I/O times, is settled
/// before any floating point (measured: 40 instructions a statement on PostgreSQL 15).
#[inline]
pub(super) fn ms(t: &pg_sys::instr_time) -> f64 {
    #[cfg(feature = "pg15")]
    {
        if t.tv_sec == 0 && t.tv_nsec == 0 {
            return 0.0;
        }
        t.tv_sec as f64 * 1000.0 + t.tv_nsec as f64 / 1_000_000.0
    }
    #[cfg(not(feature = "pg15"))]
    {
        if t.ticks == 0 {
            return 0.0;
        }
        t.ticks as f64 / 1_000_000.0
    }
}

/// Whether every I/O time of `b` is zero, as it is without track_io_timing or without a
/// read or write: one test instead of one per time (measured: about 15 instructions a
/// statement).
#[inline]
fn io_times_zero(b: &pg_sys::BufferUsage) -> bool {
    #[cfg(feature = "pg15")]
    let times = [
        &b.blk_read_time,
        &b.blk_write_time,
        &b.temp_blk_read_time,
        &b.temp_blk_write_time,
    ]
    .map(|t| (t.tv_sec | t.tv_nsec) as u64);
    #[cfg(feature = "pg16")]
    let times = [
        &b.blk_read_time,
        &b.blk_write_time,
        &b.temp_blk_read_time,
        &b.temp_blk_write_time,
    ]
    .map(|t| t.ticks as u64);
    #[cfg(any(feature = "pg17", feature = "pg18"))]
    let times = [
        &b.shared_blk_read_time,
        &b.shared_blk_write_time,
        &b.local_blk_read_time,
        &b.local_blk_write_time,
        &b.temp_blk_read_time,
        &b.temp_blk_write_time,
    ]
    .map(|t| t.ticks as u64);
    times.iter().fold(0, |all, t| all | t) == 0
}

/// Converts PostgreSQL's buffer, WAL and JIT instrumentation into plain values.
pub(super) fn usage(
    rows: u64,
    b: &pg_sys::BufferUsage,
    w: &pg_sys::WalUsage,
    jit: Option<&pg_sys::JitInstrumentation>,
) -> Usage {
    let mut u = Usage {
        rows,
        resources: Resources {
            shared_blks_hit: b.shared_blks_hit,
            shared_blks_read: b.shared_blks_read,
            shared_blks_dirtied: b.shared_blks_dirtied,
            shared_blks_written: b.shared_blks_written,
            local_blks_hit: b.local_blks_hit,
            local_blks_read: b.local_blks_read,
            local_blks_dirtied: b.local_blks_dirtied,
            local_blks_written: b.local_blks_written,
            temp_blks_read: b.temp_blks_read,
            temp_blks_written: b.temp_blks_written,
            wal_records: w.wal_records,
            wal_fpi: w.wal_fpi,
            wal_bytes: w.wal_bytes,
            ..Resources::default()
        },
        jit: jit.map(|j| JitUsage {
            functions: j.created_functions as i64,
            generation_time: ms(&j.generation_counter),
            inlining_time: ms(&j.inlining_counter),
            optimization_time: ms(&j.optimization_counter),
            emission_time: ms(&j.emission_counter),
            #[cfg(any(feature = "pg17", feature = "pg18"))]
            deform_time: ms(&j.deform_counter),
            #[cfg(not(any(feature = "pg17", feature = "pg18")))]
            deform_time: 0.0,
        }),
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        later: Some(LaterUsage {
            #[cfg(feature = "pg18")]
            wal_buffers_full: w.wal_buffers_full,
            ..LaterUsage::default()
        }),
        #[cfg(any(feature = "pg15", feature = "pg16"))]
        later: None,
        plan_cache: PlanCache::None,
    };
    if !io_times_zero(b) {
        let r = &mut u.resources;
        // PostgreSQL 17 split block I/O time into shared and local; before it,
        // blk_read_time / blk_write_time counted both.
        #[cfg(any(feature = "pg15", feature = "pg16"))]
        {
            r.blk_read_time = ms(&b.blk_read_time);
            r.blk_write_time = ms(&b.blk_write_time);
        }
        #[cfg(any(feature = "pg17", feature = "pg18"))]
        {
            r.blk_read_time = ms(&b.shared_blk_read_time);
            r.blk_write_time = ms(&b.shared_blk_write_time);
            if let Some(l) = &mut u.later {
                l.local_blk_read_time = ms(&b.local_blk_read_time);
                l.local_blk_write_time = ms(&b.local_blk_write_time);
            }
        }
        r.temp_blk_read_time = ms(&b.temp_blk_read_time);
        r.temp_blk_write_time = ms(&b.temp_blk_write_time);
    }
    u
}

/// Buffer and WAL counters accumulated since `start` (for planning and utility commands,
/// which have no executor instrumentation).
pub(super) struct UsageStart {
    buffers: pg_sys::BufferUsage,
    wal: pg_sys::WalUsage,
    clock: std::time::Instant,
}

impl UsageStart {
    #[inline]
    pub fn now() -> Self {
        // SAFETY: plain copies of backend-local counters.
        unsafe {
            UsageStart {
                buffers: pg_sys::pgBufferUsage,
                wal: pg_sys::pgWalUsage,
                clock: std::time::Instant::now(),
            }
        }
    }

    /// Milliseconds since `self`.
    pub fn elapsed_ms(&self) -> f64 {
        self.clock.elapsed().as_secs_f64() * 1000.0
    }

    /// Elapsed milliseconds and the usage since `self`.
    pub fn finish(&self, rows: u64) -> (f64, Usage) {
        let elapsed = self.elapsed_ms();
        // SAFETY: zeroed C structs filled by PostgreSQL's own difference functions.
        unsafe {
            let mut b: pg_sys::BufferUsage = std::mem::zeroed();
            let mut w: pg_sys::WalUsage = std::mem::zeroed();
            pg_raw::BufferUsageAccumDiff(&mut b, &raw const pg_sys::pgBufferUsage, &self.buffers);
            pg_raw::WalUsageAccumDiff(&mut w, &raw const pg_sys::pgWalUsage, &self.wal);
            (elapsed, usage(rows, &b, &w, None))
        }
    }
}
