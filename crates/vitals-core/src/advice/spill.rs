//! The work_mem that would have kept a spill in memory: one formula for EXPLAIN's `spill`,
//! which knows the node (its rows, width, batches and peak memory), and the workload's
//! `temp_spill`, which knows only the bytes a statement wrote to temporary files.

use crate::explain::insights::Spill;

/// Bytes a sorted tuple takes in memory beyond its data: its SortTuple slot (24 bytes, and
/// the slot array grows by doubling), the minimal-tuple header and the allocator's chunk
/// header. Measured against PostgreSQL's own choice in `pg_test/sql/explain_advice.sql`.
const SORT_TUPLE_OVERHEAD: f64 = 24.0 * 2.0 + 16.0 + 16.0;

/// The memory (kB) that holds what a spilled node needed, rounded up to a whole MB and never
/// below `current_kb + 1` (the setting it spilled under). A sort of unknown rows (`rows` 0)
/// needs about twice what it wrote to disk, which is the in-memory form of the tuples it
/// wrote; so does any spill known only by the bytes written.
pub fn memory_needed_kb(
    spill: &Spill,
    rows: f64,
    width: f64,
    current_kb: f64,
    hash_mem_multiplier: f64,
) -> f64 {
    let need_kb = match *spill {
        Spill::Sort { disk_kb } => {
            // Tuples are allocated in power-of-two chunks.
            let tuple = (width + 16.0).max(8.0).log2().ceil().exp2();
            (rows * (tuple + SORT_TUPLE_OVERHEAD) / 1024.0).max(2.0 * disk_kb)
        }
        Spill::Hash { batches, peak_kb } => peak_kb * batches * 1.25 / hash_mem_multiplier.max(1.0),
        Spill::HashAgg {
            disk_kb, peak_kb, ..
        } => (peak_kb + 4.0 * disk_kb) / hash_mem_multiplier.max(1.0),
    };
    (need_kb.max(current_kb + 1.0) / 1024.0).ceil() * 1024.0
}

/// The memory (kB) for a statement known only to write `written_kb` to temporary files per
/// call: the same formula, as a sort of unknown rows.
pub fn memory_for_written_kb(written_kb: f64, current_kb: f64) -> f64 {
    memory_needed_kb(
        &Spill::Sort {
            disk_kb: written_kb,
        },
        0.0,
        0.0,
        current_kb,
        1.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_formula_for_nodes_and_statements() {
        // 1M tuples x (32 + 80) bytes = 107 MB.
        let sort = Spill::Sort { disk_kb: 13_700.0 };
        assert_eq!(
            memory_needed_kb(&sort, 1e6, 4.0, 4096.0, 2.0),
            107.0 * 1024.0
        );
        // Hash: 4 batches of 3 MB peak with hash_mem_multiplier 2: 7.5 MB -> 8 MB.
        let hash = Spill::Hash {
            batches: 4.0,
            peak_kb: 3072.0,
        };
        assert_eq!(memory_needed_kb(&hash, 0.0, 0.0, 4096.0, 2.0), 8.0 * 1024.0);
        // Never below the setting it spilled under.
        assert_eq!(
            memory_needed_kb(&Spill::Sort { disk_kb: 1.0 }, 1.0, 4.0, 4096.0, 2.0),
            5120.0
        );
        // Known only by what it wrote: twice that, rounded up to a MB.
        assert_eq!(memory_for_written_kb(10.0 * 1024.0, 4096.0), 20.0 * 1024.0);
        assert_eq!(memory_for_written_kb(100.0, 0.0), 1024.0);
    }
}
