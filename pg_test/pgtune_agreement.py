#!/usr/bin/env python3
"""vitals.config_advice against PGTune's formulas as fixtures/pgtune.py writes them, on the
same inputs: every workload and storage on four hosts, from a small VM to a large server.
The recommendations must name the same settings, and agree in value to within pg_vitals'
rounding (memory of 64MB or more is rounded down to whole megabytes, and buffers are whole
8kB pages); the differences pg_vitals makes on purpose are listed in EXTRA and MIXED_JIT.
Run against a server with pg_vitals installed in DB (psql in $PSQL, connection in PG*).
"""
import itertools
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import pgtools  # noqa: E402
from pgtools import UNITS, number  # noqa: E402

DB = "postgres"
HOSTS = [  # RAM, CPUs, max_connections
    ("2GB", 1, 20),
    ("24GB", 2, 100),
    ("64GB", 16, 300),
    ("256GB", 64, 500),
]
WORKLOADS = ["web", "oltp", "dw", "desktop", "mixed"]
STORAGES = ["hdd", "ssd", "san", "nvme"]
# pg_vitals' additions to PGTune: autovacuum workers on large servers, and a cap on each
# autovacuum worker's memory once maintenance_work_mem reaches 2GB.
EXTRA = {"autovacuum_max_workers", "autovacuum_work_mem"}


def tolerance(bytes_):
    """pg_vitals' rounding: whole megabytes from 64MB, else whole kB or 8kB pages."""
    return (1 << 20) + 8192 if bytes_ >= 64 << 20 else 8192


def psql(sql):
    return pgtools.psql(sql, db=DB)


def pgtune(memory, cpus, connections, workload, storage, version):
    bytes_ = int(memory[:-2]) << 30
    out = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__), "..", "fixtures", "pgtune.py"),
         "--memory", str(bytes_), "--cpus", str(cpus), "--connections", str(connections),
         "--workload", workload, "--storage", storage, "--version", str(version)],
        check=True, capture_output=True, text=True).stdout
    values = {}
    for line in out.splitlines():
        name, value = line.split(" = ")
        values[name] = value.strip("'")
    return values


version = int(psql("SHOW server_version_num"))
checked = 0
problems = []
for (memory, cpus, connections), workload, storage in itertools.product(HOSTS, WORKLOADS, STORAGES):
    case = f"{workload}/{storage}, {memory}, {cpus} CPUs, {connections} connections"
    rows = psql(f"SELECT name, recommended_setting, unit FROM vitals.config_advice("
                f"'{workload}', '{storage}', '{memory}', {cpus}, {connections}) WHERE name NOT LIKE '(%'")
    mine = {}
    for line in rows.splitlines():
        name, setting, unit = line.split("|")
        mine[name] = (setting, unit)
    theirs = pgtune(memory, cpus, connections, workload, storage, version)
    # pg_vitals turns JIT off for mixed workloads too: their short queries pay for
    # compilation as OLTP's do.
    if workload == "mixed" and version >= 120000:
        theirs["jit"] = "off"
    extra = set(mine) - set(theirs)
    if extra - EXTRA:
        problems.append(f"{case}: only pg_vitals recommends {sorted(extra - EXTRA)}")
    if set(theirs) - set(mine):
        problems.append(f"{case}: only PGTune recommends {sorted(set(theirs) - set(mine))}")
    for name in set(mine) & set(theirs):
        setting, unit = mine[name]
        a, b = number(setting, unit), number(theirs[name])
        if a is None or b is None:
            agree = setting == theirs[name]
        elif unit in UNITS:
            agree = abs(a - b) <= tolerance(b)
        else:
            agree = abs(a - b) <= 1e-9 * max(abs(b), 1)
        checked += 1
        if not agree:
            problems.append(f"{case}: {name} pg_vitals {setting} {unit}, PGTune {theirs[name]}")

for p in problems:
    print("  " + p)
print(f"  {len(HOSTS) * len(WORKLOADS) * len(STORAGES)} inputs, {checked} values compared, "
      f"{len(problems)} disagreements")
sys.exit(1 if problems else 0)
