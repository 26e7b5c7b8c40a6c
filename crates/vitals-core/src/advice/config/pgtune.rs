//! PGTune's formulas (le0pard/pgtune, configurationSlice.js): what each setting should be
//! for the host, workload and storage, before it meets the setting's unit and bounds.

use super::units::{number_text, GB, KB, MB};
use super::{Request, Storage, Workload};
use crate::advice::size;

/// A recommended value before it meets the setting's unit and bounds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Target {
    /// Bytes (memory settings).
    Bytes(f64),
    /// A plain number in the setting's own unit (or unitless).
    Number(f64),
    /// An enum or boolean value.
    Word(&'static str),
}

/// The PGTune recommendations, in rule order: (setting, target, why).
pub(super) fn targets(r: &Request) -> Vec<(&'static str, Target, String)> {
    use Workload::*;
    let ram = r.memory_bytes;
    let mut out: Vec<(&'static str, Target, String)> = Vec::new();
    let ram_text = size(ram);
    let shared_buffers = if r.workload == Desktop {
        ram / 16.0
    } else {
        ram / 4.0
    };
    out.push((
        "shared_buffers",
        Target::Bytes(shared_buffers),
        format!(
            "{} of RAM ({ram_text}) for PostgreSQL's own cache; the rest stays for the OS cache and connections",
            if r.workload == Desktop { "1/16" } else { "1/4" }
        ),
    ));
    out.push((
        "effective_cache_size",
        Target::Bytes(if r.workload == Desktop { ram / 4.0 } else { ram * 3.0 / 4.0 }),
        "what the planner may assume is cached (shared_buffers and the OS cache): it allocates nothing".into(),
    ));
    let maintenance = (if r.workload == Dw {
        ram / 8.0
    } else {
        ram / 16.0
    })
    .min(8.0 * GB);
    out.push((
        "maintenance_work_mem",
        Target::Bytes(maintenance),
        format!(
            "{} of RAM, at most 8GB: faster VACUUM, CREATE INDEX and ALTER TABLE",
            if r.workload == Dw { "1/8" } else { "1/16" }
        ),
    ));
    out.push((
        "checkpoint_completion_target",
        Target::Number(0.9),
        "spread checkpoint writes over 90% of the interval".into(),
    ));
    let wal_buffers = {
        let v = (shared_buffers * 3.0 / 100.0).min(16.0 * MB);
        if v > 14.0 * MB {
            16.0 * MB
        } else {
            v.max(32.0 * KB)
        }
    };
    out.push((
        "wal_buffers",
        Target::Bytes(wal_buffers),
        "3% of shared_buffers, at most 16MB".into(),
    ));
    let (min_wal, max_wal) = match r.workload {
        Web | Mixed => (1.0 * GB, 4.0 * GB),
        Oltp => (2.0 * GB, 8.0 * GB),
        Dw => (4.0 * GB, 16.0 * GB),
        Desktop => (100.0 * MB, 2.0 * GB),
    };
    out.push((
        "min_wal_size",
        Target::Bytes(min_wal),
        "WAL kept for reuse between checkpoints, by workload".into(),
    ));
    out.push((
        "max_wal_size",
        Target::Bytes(max_wal),
        "fewer checkpoints forced by WAL volume, by workload".into(),
    ));
    out.push((
        "default_statistics_target",
        Target::Number(if r.workload == Dw { 500.0 } else { 100.0 }),
        if r.workload == Dw {
            "larger samples for the complex estimates of analytical queries".into()
        } else {
            "the default sample size suits short queries".into()
        },
    ));
    let (random_page_cost, io) = match r.storage {
        Storage::Hdd => (4.0, 2.0),
        Storage::Ssd => (1.1, 200.0),
        Storage::San => (1.1, 300.0),
        Storage::Nvme => (1.1, 1000.0),
    };
    out.push((
        "random_page_cost",
        Target::Number(random_page_cost),
        if r.storage == Storage::Hdd {
            "random reads cost four sequential ones on spinning disks".into()
        } else {
            "random reads cost about as much as sequential ones on flash storage".into()
        },
    ));
    out.push((
        "effective_io_concurrency",
        Target::Number(io),
        "concurrent I/O requests the storage serves well (bitmap heap scans prefetch that many pages)".into(),
    ));
    // Parallelism from 4 CPUs.
    let parallel = r.cpus >= 4.0;
    let worker_processes = if parallel { r.cpus } else { 8.0 };
    if parallel {
        let per_gather = (r.cpus / 2.0).ceil();
        out.push((
            "max_worker_processes",
            Target::Number(r.cpus),
            format!("one background worker per CPU ({})", r.cpus),
        ));
        out.push((
            "max_parallel_workers_per_gather",
            Target::Number(if r.workload == Dw {
                per_gather
            } else {
                per_gather.min(4.0)
            }),
            "half the CPUs for one query, at most 4 except for analytics".into(),
        ));
        out.push((
            "max_parallel_workers",
            Target::Number(r.cpus),
            "all CPUs for parallel queries together".into(),
        ));
        out.push((
            "max_parallel_maintenance_workers",
            Target::Number(per_gather.min(4.0)),
            "half the CPUs, at most 4, for parallel index builds and vacuum".into(),
        ));
    }
    let work_mem = {
        let base = (ram - shared_buffers) / ((r.max_connections + worker_processes) * 3.0);
        let v = match r.workload {
            Web | Oltp => base,
            Dw | Mixed => base / 2.0,
            Desktop => base / 6.0,
        };
        (v / KB).floor().max(4.0 * KB) * KB
    };
    out.push((
        "work_mem",
        Target::Bytes(work_mem),
        format!(
            "(RAM - shared_buffers) / ((max_connections {} + workers {}) x 3){}, at least 4MB: each sort or hash of each connection may use that much",
            number_text(r.max_connections),
            number_text(worker_processes),
            match r.workload {
                Web | Oltp => "",
                Dw | Mixed => " / 2",
                Desktop => " / 6",
            }
        ),
    ));
    if shared_buffers >= 2.0 * GB {
        out.push((
            "huge_pages",
            Target::Word("try"),
            "large shared_buffers map with fewer page-table entries in huge pages (used when the OS has them reserved)".into(),
        ));
    }
    if r.version >= 120000 && matches!(r.workload, Web | Oltp | Mixed) {
        out.push((
            "jit",
            Target::Word("off"),
            "JIT compilation costs more than it saves on short queries".into(),
        ));
    }
    if r.cpus >= 16.0 {
        out.push((
            "autovacuum_max_workers",
            Target::Number(if r.cpus >= 32.0 { 5.0 } else { 4.0 }),
            "more tables vacuumed at once on a large server (they share the cost limit)".into(),
        ));
    }
    if maintenance >= 2.0 * GB {
        out.push((
            "autovacuum_work_mem",
            Target::Bytes(2.0 * GB),
            "each autovacuum worker would otherwise take maintenance_work_mem: at most 2GB each"
                .into(),
        ));
    }
    out
}
