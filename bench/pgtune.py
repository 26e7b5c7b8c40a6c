#!/usr/bin/env python3
"""The settings PGTune's formulas give (le0pard/pgtune, configurationSlice.js), written independently of pg_vitals' Rust engine so that
bench/config_advice.sh can compare the two: one `name = 'value'` line per setting, in
postgresql.conf syntax, values in PGTune's units (kB, MB, GB).

Usage: pgtune.py --memory BYTES --cpus N --connections N [--workload oltp] [--storage ssd]
                 [--version 150000]
"""
import argparse
import math

ap = argparse.ArgumentParser()
ap.add_argument("--memory", type=int, required=True, help="RAM in bytes")
ap.add_argument("--cpus", type=int, required=True)
ap.add_argument("--connections", type=int, required=True)
ap.add_argument("--workload", default="oltp", choices=["web", "oltp", "dw", "desktop", "mixed"])
ap.add_argument("--storage", default="ssd", choices=["hdd", "ssd", "san", "nvme"])
ap.add_argument("--version", type=int, default=150000, help="server_version_num")
a = ap.parse_args()

ram_kb = a.memory // 1024
w = a.workload


def size(kb):
    """PGTune's formatting: the largest unit that divides the value."""
    kb = int(kb)
    if kb % (1024 * 1024) == 0:
        return f"{kb // (1024 * 1024)}GB"
    if kb % 1024 == 0:
        return f"{kb // 1024}MB"
    return f"{kb}kB"


out = {}
shared_buffers = ram_kb // 16 if w == "desktop" else ram_kb // 4
out["shared_buffers"] = size(shared_buffers)
out["effective_cache_size"] = size(ram_kb // 4 if w == "desktop" else ram_kb * 3 // 4)
out["maintenance_work_mem"] = size(min(ram_kb // 8 if w == "dw" else ram_kb // 16, 8 * 1024 * 1024))
out["checkpoint_completion_target"] = "0.9"
wal_buffers = min(shared_buffers * 3 // 100, 16 * 1024)
if wal_buffers > 14 * 1024:
    wal_buffers = 16 * 1024
out["wal_buffers"] = size(max(wal_buffers, 32))
out["default_statistics_target"] = "500" if w == "dw" else "100"
out["random_page_cost"] = "4" if a.storage == "hdd" else "1.1"
out["effective_io_concurrency"] = {"hdd": "2", "ssd": "200", "san": "300", "nvme": "1000"}[a.storage]
min_wal, max_wal = {"web": (1024, 4096), "oltp": (2048, 8192), "dw": (4096, 16384),
                    "desktop": (100, 2048), "mixed": (1024, 4096)}[w]
out["min_wal_size"] = size(min_wal * 1024)
out["max_wal_size"] = size(max_wal * 1024)
workers = 8  # the server's default max_worker_processes
if a.cpus >= 4:
    workers = a.cpus
    per_gather = math.ceil(a.cpus / 2)
    out["max_worker_processes"] = str(a.cpus)
    out["max_parallel_workers_per_gather"] = str(per_gather if w == "dw" else min(per_gather, 4))
    out["max_parallel_workers"] = str(a.cpus)
    out["max_parallel_maintenance_workers"] = str(min(per_gather, 4))
work_mem = (ram_kb - shared_buffers) / ((a.connections + workers) * 3)
work_mem /= {"web": 1, "oltp": 1, "dw": 2, "mixed": 2, "desktop": 6}[w]
out["work_mem"] = size(max(math.floor(work_mem), 4 * 1024))
if shared_buffers >= 2 * 1024 * 1024:
    out["huge_pages"] = "try"
if a.version >= 120000 and w in ("web", "oltp"):
    out["jit"] = "off"

for name, value in out.items():
    print(f"{name} = '{value}'")
