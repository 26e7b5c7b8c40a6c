//! The table on a heap block: lookup, insertion, eviction, texts, plans, compaction, reset.

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
    let ins = t.entry_or_insert(
        &key(1),
        NewEntry::new(Some(b"SELECT $1"), 6, false, Command::Select),
        0,
        &g,
    );
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
        !t.entry_or_insert(
            &key(1),
            NewEntry::new(Some(b"other"), 6, false, Command::Select),
            0,
            &g
        )
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
            .entry_or_insert(
                &key(q),
                NewEntry::new(Some(b"q"), 0, false, Command::Select),
                0,
                &g,
            )
            .entry;
        // Entry q is used q times: the low ones are the least used.
        for _ in 0..q {
            e.counters.lock().record(Kind::Exec, 1.0, &Usage::default());
        }
    }
    assert_eq!(t.count(&g), 100);
    t.entry_or_insert(
        &key(1000),
        NewEntry::new(Some(b"new"), 0, false, Command::Select),
        42,
        &g,
    );
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
        t.entry_or_insert(
            &key(q * 7919),
            NewEntry::new(Some(b"x"), 0, false, Command::Select),
            0,
            &g,
        );
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
    let order = |k: &Key| (k.userid, k.toplevel());
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
            t.entry_or_insert(
                &k,
                NewEntry::new(Some(b"q"), 0, false, Command::Select),
                round,
                &g,
            );
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
    t.reset((0, 0, 0), false, 0, &g);
    assert_eq!(t.statement_entries(1, 0, &g).count(), 0);
}

#[test]
fn texts_are_compacted_when_the_arena_fills() {
    let t = heap_table(100); // 100 KiB of text
    let g = ex();
    let big = vec![b'a'; 4000];
    for round in 0..200i64 {
        // Insert and remove so that the arena fills with dead text.
        t.entry_or_insert(
            &key(round),
            NewEntry::new(Some(&big), 0, false, Command::Select),
            0,
            &g,
        );
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
        .entry_or_insert(
            &key(1),
            NewEntry::new(Some(&huge), 0, false, Command::Select),
            0,
            &g,
        )
        .entry;
    assert_eq!(t.text(&e.meta(&g), &g), None);
    assert_eq!(t.stats().read().texts_dropped, 1);
}

#[test]
fn reset_filters_and_full_reset_restarts_stats() {
    let t = heap_table(100);
    let g = ex();
    t.entry_or_insert(
        &Key::new(1, 1, 11, true),
        NewEntry::new(Some(b"a"), 0, false, Command::Select),
        0,
        &g,
    );
    t.entry_or_insert(
        &Key::new(1, 1, 11, false),
        NewEntry::new(Some(b"a"), 0, false, Command::Select),
        0,
        &g,
    );
    t.entry_or_insert(
        &Key::new(2, 1, 12, true),
        NewEntry::new(Some(b"b"), 0, false, Command::Select),
        0,
        &g,
    );
    t.entry_or_insert(
        &Key::new(2, 3, 13, true),
        NewEntry::new(Some(b"c"), 0, false, Command::Select),
        0,
        &g,
    );
    t.stats().lock().dealloc = 3;
    assert_eq!(
        t.reset((0, 0, 11), false, 5, &g),
        2,
        "both toplevel and nested"
    );
    assert_eq!(t.reset((0, 3, 0), false, 5, &g), 1);
    assert_eq!(t.stats().read().dealloc, 3, "partial reset keeps stats");
    assert_eq!(t.reset((0, 0, 0), false, 9, &g), 1);
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
    let e = t
        .entry_or_insert(
            &key(1),
            NewEntry::new(Some(b"s"), 0, true, Command::Select),
            0,
            &g,
        )
        .entry;
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
    t.entry_or_insert(
        &key(1),
        NewEntry::new(Some(b"q"), 0, false, Command::Select),
        0,
        &g,
    );
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
        t.entry_or_insert(
            &key(q),
            NewEntry::new(Some(b"q"), 0, false, Command::Select),
            0,
            &g,
        );
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
        t.entry_or_insert(
            &key(q),
            NewEntry::new(Some(b"q"), 0, false, Command::Select),
            0,
            &g,
        );
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
    t.reset((0, 0, 0), false, 5, &g);
    assert_eq!(t.arena_bytes_live(Arena::Plans, &g), 0);
    assert_room_exact(&t, &g);
}

#[test]
fn entry_stays_within_budget() {
    // An entry (counters, histogram, text reference) within 1,216 bytes: 1 KiB plus the
    // counters pg_stat_statements added after 1.10 and the metrics' latency buckets. New
    // per-statement state goes to side arrays, not here (docs/architecture.md, "Memory for
    // what comes next").
    assert!(
        Layout::entry_size() <= 1216,
        "entry is {} bytes",
        Layout::entry_size()
    );
}

#[test]
fn minmax_reset_restarts_min_max_only_and_keeps_entries_and_stats() {
    let t = heap_table(100);
    let g = ex();
    let created = t
        .entry_or_insert(
            &Key::new(1, 1, 11, true),
            NewEntry::new(Some(b"a"), 0, false, Command::Select),
            7,
            &g,
        )
        .entry;
    let u = Usage::default();
    created.counters.lock().record(Kind::Exec, 4.0, &u);
    created.counters.lock().record(Kind::Exec, 2.0, &u);
    t.entry_or_insert(
        &Key::new(2, 1, 12, true),
        NewEntry::new(Some(b"b"), 0, false, Command::Select),
        8,
        &g,
    );
    t.stats().lock().dealloc = 3;
    assert_eq!(t.reset((1, 0, 0), true, 20, &g), 1);
    assert_eq!(t.count(&g), 2, "a min/max reset removes nothing");
    assert_eq!(
        t.stats().read().dealloc,
        3,
        "nor restarts the store's statistics"
    );
    let c = created.counters.read();
    assert_eq!((c.min_time[1], c.max_time[1], c.calls[1]), (0.0, 0.0, 2));
    assert_eq!((c.stats_since, c.minmax_stats_since), (7, 20));
    created.counters.lock().record(Kind::Exec, 3.0, &u);
    let c = created.counters.read();
    assert_eq!((c.min_time[1], c.max_time[1], c.calls[1]), (3.0, 3.0, 3));
    assert!(
        (c.mean_time[1] - 3.0).abs() < 1e-12,
        "the mean is not restarted"
    );
}

fn exec_ms(e: &Entry, ms: f64) {
    e.counters.lock().record(
        Kind::Exec,
        ms,
        &Usage {
            rows: 2,
            ..Default::default()
        },
    );
}

#[test]
fn totals_do_not_go_down_when_entries_are_evicted() {
    let t = heap_table(100);
    let g = ex();
    for q in 0..100 {
        let cmd = if q % 2 == 0 {
            Command::Select
        } else {
            Command::Update
        };
        let e = t
            .entry_or_insert(
                &Key::new(10, 5, q, true),
                NewEntry::new(Some(b"q"), 0, false, cmd),
                0,
                &g,
            )
            .entry;
        exec_ms(e, 0.5);
        exec_ms(e, 3.0);
    }
    let before = t.totals(&g);
    assert_eq!(before.len(), 2);
    assert_eq!(before.iter().map(|t| t.calls).sum::<i64>(), 200);
    // 50 more statements evict at least 50 of the first ones.
    for q in 100..150 {
        t.entry_or_insert(
            &Key::new(10, 5, q, true),
            NewEntry::new(Some(b"q"), 0, false, Command::Select),
            0,
            &g,
        );
    }
    assert!(t.stats().read().entries_evicted >= 50);
    let after = t.totals(&g);
    assert_eq!(after, before, "eviction moves counts to the retired totals");
    let select = after
        .iter()
        .find(|t| t.command == Command::Select as u16)
        .unwrap();
    assert_eq!((select.calls, select.rows), (100, 200));
    assert!((select.exec_time - 175.0).abs() < 1e-9);
    // 0.5 ms <= 1.024 ms (bucket 3), 3 ms <= 4.096 ms (bucket 4).
    assert_eq!((select.latency[3], select.latency[4]), (50, 50));
    // A reset by user forgets that user's retired totals; a full one, everything.
    t.reset((11, 0, 0), false, 1, &g);
    assert_eq!(t.totals(&g), before);
    t.reset((10, 0, 0), false, 1, &g);
    assert!(t.totals(&g).is_empty());
}

#[test]
fn errors_are_counted_by_class_and_overflow_into_one_slot() {
    let t = heap_table(100);
    let g = ex();
    let code = crate::store::counters::sqlstate_code;
    t.count_error(5, 10, Command::Select, code("22012"));
    t.count_error(5, 10, Command::Select, code("22003"));
    t.count_error(5, 10, Command::Select, code("57014"));
    t.count_error(5, 10, Command::Insert, code("23505"));
    let all = t.error_counts();
    let classes: Vec<(u16, String, i64)> = all
        .iter()
        .map(|e| (e.command, e.class_text(), e.errors))
        .collect();
    assert_eq!(
        classes,
        vec![
            (Command::Select as u16, "22".to_string(), 2),
            (Command::Select as u16, "57".to_string(), 1),
            (Command::Insert as u16, "23".to_string(), 1),
        ]
    );
    // More keys than slots: the rest lands in the last slot (dbid and userid 0).
    for user in 0..(ERROR_SLOTS as u32 + 10) {
        t.count_error(7, 100 + user, Command::Update, code("40001"));
    }
    let all = t.error_counts();
    assert_eq!(all.len(), ERROR_SLOTS);
    assert_eq!(
        all.iter().map(|e| e.errors).sum::<i64>(),
        4 + ERROR_SLOTS as i64 + 10
    );
    let other = all.iter().find(|e| e.dbid == 0).unwrap();
    assert_eq!((other.userid, other.command), (0, Command::Other as u16));
    t.reset((0, 0, 0), false, 1, &g);
    assert!(t.error_counts().is_empty());
}

#[test]
fn every_key_keeps_growing_when_retired_slots_run_out() {
    let t = heap_table(RETIRED_SLOTS + 100);
    let g = ex();
    let run = |user: u32, q: i64| {
        let new = NewEntry::new(Some(b"q"), 0, false, Command::Select);
        exec_ms(
            t.entry_or_insert(&Key::new(user, 5, q, true), new, 0, &g)
                .entry,
            1.0,
        );
    };
    // More users than retired slots: the last ones count in the "all others" row.
    for user in 0..(RETIRED_SLOTS as u32 + 50) {
        run(user + 1, user as i64);
    }
    let before = t.totals(&g);
    let other = before
        .iter()
        .find(|r| r.dbid == 0)
        .expect("an all-others row");
    assert_eq!(
        other.calls, 51,
        "255 users have rows of their own, 51 share the last"
    );
    // Evict most of them with new statements of known users: no row goes down.
    for q in 0..(RETIRED_SLOTS as i64 + 90) {
        run(1, 10_000 + q);
    }
    assert!(t.stats().read().entries_evicted > 0);
    let after = t.totals(&g);
    for b in &before {
        let a = after
            .iter()
            .find(|a| (a.dbid, a.userid, a.command) == (b.dbid, b.userid, b.command))
            .expect("row kept");
        assert!(a.calls >= b.calls, "{b:?} went down to {a:?}");
    }
    assert_eq!(
        after.iter().map(|r| r.calls).sum::<i64>(),
        before.iter().map(|r| r.calls).sum::<i64>() + RETIRED_SLOTS as i64 + 90
    );
}
