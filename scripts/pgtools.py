"""What the Python checks (pg_test/) and benchmarks (bench/) share: psql against the cluster
the caller points to (psql in $PSQL, the connection in the PG* environment, as
scripts/cluster.sh's cluster_python sets them), and settings' values in bytes.

Import it with scripts/ on the path:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
"""
import os
import subprocess

# Bytes per unit of a memory setting, as pg_settings.unit and SHOW write them.
UNITS = {"B": 1, "kB": 1 << 10, "8kB": 8 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def psql(*commands, db=None, user=None):
    """Runs each command with psql (unaligned, tuples only, fields split by "|", stopping at
    the first error) and returns what it printed."""
    args = [os.environ.get("PSQL", "psql"), "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1"]
    if db:
        args += ["-d", db]
    if user:
        args += ["-U", user]
    for c in commands:
        args += ["-c", c]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def number(value, unit=""):
    """A setting's value as a number: bytes for a memory size written with its unit ("16GB",
    "512kB") or a number in `unit` (pg_settings.setting with pg_settings.unit), else the plain
    number; None for words (enum and boolean values)."""
    for suffix in ("kB", "MB", "GB", "TB"):
        if value.endswith(suffix):
            try:
                return float(value[: -len(suffix)]) * UNITS[suffix]
            except ValueError:
                return None
    try:
        return float(value) * UNITS.get(unit, 1)
    except ValueError:
        return None
