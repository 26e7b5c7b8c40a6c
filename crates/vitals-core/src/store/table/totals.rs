//! Totals per database, user and command, for the metrics: counters that only ever grow
//! (until a reset), whatever the store evicts.
//!
//! The entries hold most of it: a total is the sum over the live entries of that database,
//! user and command, plus what the entries evicted so far held, which eviction adds to a
//! retired total before the entry goes. Failures are counted by SQLSTATE class apart, as
//! they happen. Neither costs the hot path anything: retiring happens under the exclusive
//! lock eviction already holds, and failures are rare.

use super::{EntryMeta, Exclusive, Shared, Table};
use crate::store::counters::{Counters, Kind, LATENCY_BUCKETS};
use bytemuck::{Pod, Zeroable};
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// What a statement is: the command of its query (`CmdType`), or a utility command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u16)]
pub enum Command {
    Other = 0,
    Select = 1,
    Insert = 2,
    Update = 3,
    Delete = 4,
    Merge = 5,
    Utility = 6,
}

impl Command {
    pub fn from_code(code: u16) -> Command {
        match code {
            1 => Command::Select,
            2 => Command::Insert,
            3 => Command::Update,
            4 => Command::Delete,
            5 => Command::Merge,
            6 => Command::Utility,
            _ => Command::Other,
        }
    }
    /// The label value: lower case, as a metrics label reads best.
    pub fn name(self) -> &'static str {
        match self {
            Command::Other => "other",
            Command::Select => "select",
            Command::Insert => "insert",
            Command::Update => "update",
            Command::Delete => "delete",
            Command::Merge => "merge",
            Command::Utility => "utility",
        }
    }
}

/// The executions of one database, user and command.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct Totals {
    pub dbid: u32,
    pub userid: u32,
    pub command: u16,
    used: u16,
    _pad: u32,
    /// Completed executions, their time (ms) and rows.
    pub calls: i64,
    pub exec_time: f64,
    pub rows: i64,
    /// Completed executions by latency bucket (`counters::latency_bucket`), not cumulative.
    pub latency: [i64; LATENCY_BUCKETS],
}

impl Totals {
    /// Empty totals of a database, user and command.
    pub fn new(dbid: u32, userid: u32, command: Command) -> Self {
        Totals {
            dbid,
            userid,
            command: command as u16,
            used: 1,
            ..Default::default()
        }
    }
    fn add(&mut self, c: &Counters) {
        let k = Kind::Exec as usize;
        self.calls += c.calls[k];
        self.exec_time += c.total_time[k];
        self.rows += c.rows;
        for (sum, n) in self.latency.iter_mut().zip(c.latency) {
            *sum += n;
        }
    }
    fn sum(&mut self, o: &Totals) {
        self.calls += o.calls;
        self.exec_time += o.exec_time;
        self.rows += o.rows;
        for (sum, n) in self.latency.iter_mut().zip(o.latency) {
            *sum += n;
        }
    }
    fn key(&self) -> (u32, u32, u16) {
        (self.dbid, self.userid, self.command)
    }
}

/// Failures of one database, user, command and SQLSTATE class.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Pod, Zeroable)]
pub struct ErrorCount {
    pub dbid: u32,
    pub userid: u32,
    pub command: u16,
    /// The SQLSTATE's class: its first two characters, packed as PostgreSQL packs them.
    pub class: u16,
    _pad: u32,
    pub errors: i64,
}

impl ErrorCount {
    /// `errors` failures with `sqlstate` (packed; only its class is kept).
    pub fn new(dbid: u32, userid: u32, command: Command, sqlstate: i32, errors: i64) -> Self {
        ErrorCount {
            dbid,
            userid,
            command: command as u16,
            class: (sqlstate & 0xfff) as u16,
            errors,
            ..Default::default()
        }
    }

    /// The class as text ("22", "40", "57").
    pub fn class_text(&self) -> String {
        crate::store::counters::sqlstate_text(self.class as i32)[..2].to_string()
    }
}

/// Retired totals kept: databases x users x commands whose entries were evicted. Past that,
/// totals go to the last slot, which stands for all others (dbid and userid 0, command
/// `Other`).
pub const RETIRED_SLOTS: usize = 256;
/// Error counts kept; past that, to the last slot, as above.
pub const ERROR_SLOTS: usize = 256;

/// Retired totals; changes only under the exclusive lock.
#[repr(C)]
#[derive(Clone, Copy)]
pub(super) struct Retired {
    slots: [Totals; RETIRED_SLOTS],
}

/// Failure counts; changes under the shared lock and this table's spinlock.
#[repr(C)]
#[derive(Clone, Copy)]
pub(super) struct Errors {
    slots: [ErrorCount; ERROR_SLOTS],
}

/// The slot of `key` in `slots` (`used` tells a slot in use), claiming a free one, or the
/// last slot, zeroed to stand for all others, when none is left.
fn slot_of<T, K: PartialEq + Default>(
    slots: &mut [T],
    key: K,
    used: impl Fn(&T) -> bool,
    key_of: impl Fn(&T) -> K,
    claim: impl Fn(&mut T, K),
) -> &mut T {
    let last = slots.len() - 1;
    // The key's own slot wherever it is (a reset by user or database leaves holes before
    // it), else the first free one.
    let i = slots[..last]
        .iter()
        .position(|s| used(s) && key_of(s) == key)
        .or_else(|| slots[..last].iter().position(|s| !used(s)))
        .unwrap_or(last);
    if !used(&slots[i]) {
        claim(&mut slots[i], if i == last { K::default() } else { key });
    }
    &mut slots[i]
}

impl Table {
    /// Adds an entry about to be evicted to its retired total.
    pub(super) fn retire(&self, m: &EntryMeta, c: &Counters, g: &Exclusive) {
        self.retired_slot((m.key.dbid, m.key.userid, m.command), g)
            .add(c);
    }

    /// Gives a new entry's database, user and command a retired total of their own (empty
    /// until an entry is evicted), so that the live and the evicted counts of a key always
    /// add up in the same row: a key that finds no free slot counts in the "all others" row
    /// from its first entry on, and no row ever loses counts to another.
    pub(super) fn reserve_totals(&self, dbid: u32, userid: u32, command: u16, g: &Exclusive) {
        self.retired_slot((dbid, userid, command), g);
    }

    /// The retired total of a database, user and command (see [`Table::reserve_totals`]).
    #[allow(clippy::mut_from_ref)]
    fn retired_slot(&self, key: (u32, u32, u16), _: &Exclusive) -> &mut Totals {
        // SAFETY: the exclusive lock excludes every other reader and writer.
        let retired = unsafe { &mut *self.header().retired.get() };
        slot_of(
            &mut retired.slots,
            key,
            |s| s.used != 0,
            Totals::key,
            |s, (dbid, userid, command)| {
                *s = Totals::new(dbid, userid, Command::from_code(command))
            },
        )
    }

    /// Counts a failure of a statement of `command` by `userid` in `dbid` with `sqlstate`
    /// (PostgreSQL's packed form).
    pub fn count_error(&self, dbid: u32, userid: u32, command: Command, sqlstate: i32) {
        let class = (sqlstate & 0xfff) as u16;
        let mut errors = self.header().errors.lock();
        let slot = slot_of(
            &mut errors.slots,
            (dbid, userid, command as u16, class),
            |s| s.errors != 0,
            |s| (s.dbid, s.userid, s.command, s.class),
            |s, (dbid, userid, command, class)| {
                *s = ErrorCount {
                    dbid,
                    userid,
                    command,
                    class,
                    ..Default::default()
                }
            },
        );
        slot.errors += 1;
    }

    /// The totals of every database, user and command: live entries plus retired ones.
    pub fn totals(&self, g: &Shared) -> Vec<Totals> {
        // SAFETY: retired totals change only under the exclusive lock, which excludes us.
        let retired = unsafe { &*self.header().retired.get() };
        let own: std::collections::HashSet<(u32, u32, u16)> = retired
            .slots
            .iter()
            .filter(|s| s.used != 0)
            .map(Totals::key)
            .collect();
        let mut by_key: HashMap<(u32, u32, u16), Totals> = HashMap::new();
        for (m, e) in self.entries(g) {
            let c = e.counters.read();
            let key = (m.key.dbid, m.key.userid, m.command);
            // A key without a slot of its own counts in the "all others" row (see
            // `reserve_totals`).
            let key = if own.contains(&key) { key } else { (0, 0, 0) };
            by_key
                .entry(key)
                .or_insert_with(|| Totals {
                    dbid: key.0,
                    userid: key.1,
                    command: key.2,
                    used: 1,
                    ..Default::default()
                })
                .add(&c);
        }
        for r in retired.slots.iter().filter(|s| s.used != 0) {
            match by_key.entry(r.key()) {
                Entry::Occupied(mut live) => live.get_mut().sum(r),
                Entry::Vacant(none_live) => {
                    none_live.insert(*r);
                }
            }
        }
        let mut all: Vec<Totals> = by_key.into_values().collect();
        all.sort_by_key(|t| t.key());
        all
    }

    /// Failures by database, user, command and SQLSTATE class.
    pub fn error_counts(&self) -> Vec<ErrorCount> {
        let errors = self.header().errors.read();
        let mut all: Vec<ErrorCount> = errors
            .slots
            .iter()
            .filter(|s| s.errors != 0)
            .copied()
            .collect();
        all.sort_by_key(|s| (s.dbid, s.userid, s.command, s.class));
        all
    }

    /// Forgets the retired totals and failure counts that the reset filter matches: all of
    /// them for a full reset, those of a user or database for a reset by user or database
    /// (a reset by query id leaves them: they are not kept by query).
    pub(super) fn reset_totals(&self, userid: u32, dbid: u32, queryid: i64, _: &Exclusive) {
        if queryid != 0 {
            return;
        }
        let matches = |u: u32, d: u32| (userid == 0 || u == userid) && (dbid == 0 || d == dbid);
        // SAFETY: the exclusive lock excludes every other reader and writer.
        let retired = unsafe { &mut *self.header().retired.get() };
        for s in retired
            .slots
            .iter_mut()
            .filter(|s| matches(s.userid, s.dbid))
        {
            *s = Totals::default();
        }
        let mut errors = self.header().errors.lock();
        for s in errors
            .slots
            .iter_mut()
            .filter(|s| matches(s.userid, s.dbid))
        {
            *s = ErrorCount::default();
        }
    }
}

impl Table {
    /// The retired totals and failure counts in use, to save with the entries.
    pub fn saved_totals(&self, _: &Shared) -> (Vec<Totals>, Vec<ErrorCount>) {
        // SAFETY: retired totals change only under the exclusive lock, which excludes us.
        let retired = unsafe { &*self.header().retired.get() };
        let totals = retired
            .slots
            .iter()
            .filter(|s| s.used != 0)
            .copied()
            .collect();
        let errors = self.header().errors.read();
        let errors = errors
            .slots
            .iter()
            .filter(|s| s.errors != 0)
            .copied()
            .collect();
        (totals, errors)
    }

    /// Puts saved retired totals and failure counts back, at startup into an empty store
    /// and before the entries (whose keys then find their slots).
    pub fn restore_totals(&self, totals: &[Totals], errors: &[ErrorCount], _: &Exclusive) {
        // SAFETY: the exclusive lock excludes every other reader and writer.
        let retired = unsafe { &mut *self.header().retired.get() };
        for (slot, t) in retired.slots.iter_mut().zip(totals) {
            *slot = Totals { used: 1, ..*t };
        }
        let mut table = self.header().errors.lock();
        for (slot, e) in table.slots.iter_mut().zip(errors) {
            *slot = *e;
        }
    }
}

impl Totals {
    /// Whether saved values are ones this module could have written.
    pub fn check(&self) -> Result<(), &'static str> {
        let count = |v: i64| (0..=crate::store::counters::MAX_COUNT).contains(&v);
        if self.command > Command::Utility as u16 || self._pad != 0 {
            return Err("totals command");
        }
        if !count(self.calls) || !count(self.rows) || !self.latency.iter().all(|&v| count(v)) {
            return Err("totals count");
        }
        if !(self.exec_time.is_finite() && self.exec_time >= 0.0) {
            return Err("totals time");
        }
        Ok(())
    }
}

impl ErrorCount {
    /// Whether saved values are ones this module could have written.
    pub fn check(&self) -> Result<(), &'static str> {
        if self.command > Command::Utility as u16 || self._pad != 0 || self.class >= 1 << 12 {
            return Err("error class");
        }
        if !(1..=crate::store::counters::MAX_COUNT).contains(&self.errors) {
            return Err("error count");
        }
        Ok(())
    }
}
