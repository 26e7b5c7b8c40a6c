#!/usr/bin/env bash
# How long vitals.autovacuum_status and vitals.autovacuum_advice take on a database with many
# tables: N tables (default 10,000), each with a primary key, a TOAST table and 100 analyzed
# rows, on a throwaway cluster with default settings. Each view is read R times (default 5)
# as superuser and as a member of pg_monitor; the median and the slowest are reported.
# Usage: bench/autovacuum.sh [TABLES=10000] [REPEATS=5] [PG_VERSION=15]
set -euo pipefail
cd "$(dirname "$0")/.."
tables=${1:-10000}
repeats=${2:-5}
v=${3:-15}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=autovacuum$v
cluster_init "$v" "$name"
cluster_start "$name"
psql_() { cluster_psql "$name" -d postgres -q "$@"; }
echo "==> $tables tables"
psql_ -c "CREATE EXTENSION pg_vitals" -c "CREATE ROLE av_monitor LOGIN IN ROLE pg_monitor"
# One statement per table, each its own transaction (a single transaction would need a lock
# per table, more than the lock table holds).
psql_ >/dev/null <<SQL
SELECT format('CREATE TABLE bench_%s (id int PRIMARY KEY, body text, n int)', i)
FROM generate_series(1, $tables) i \gexec
SELECT format('INSERT INTO bench_%s SELECT g, repeat(''x'', 20), g FROM generate_series(1, 100) g', i)
FROM generate_series(1, $tables) i \gexec
SQL
psql_ -c "ANALYZE"
rows=$(psql_ -Atc "SELECT count(*) FROM vitals.autovacuum_status")
echo "    vitals.autovacuum_status has $rows rows (tables and their TOAST tables)"

timings() { # timings ROLE VIEW: R runs, milliseconds each
  local role=$1 view=$2
  for ((i = 0; i < repeats; i++)); do
    psql_ -At <<SQL | grep -oP '^Time: \K[0-9.]+'
SET ROLE $role;
\timing on
SELECT count(*) FROM $view;
SQL
  done
}
results="$BUILD/$name/results.txt"
: >"$results"
for role in postgres av_monitor; do
  for view in vitals.autovacuum_status vitals.autovacuum_advice; do
    timings "$role" "$view" | sed "s/^/$role|$view|/" >>"$results"
  done
done
cluster_stop "$name"

python3 - "$results" "$tables" "$rows" "$repeats" "$v" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    role, view, ms = line.strip().split("|")
    runs.setdefault((role, view), []).append(float(ms))
print(f"\nPostgreSQL {sys.argv[5]}, {int(sys.argv[2]):,} tables ({int(sys.argv[3]):,} rows in "
      f"vitals.autovacuum_status), {sys.argv[4]} reads each, release build\n")
print("| view | as | median ms | slowest ms |")
print("|---|---|---:|---:|")
for (role, view), ms in runs.items():
    who = "superuser" if role == "postgres" else "pg_monitor member"
    print(f"| {view} | {who} | {statistics.median(ms):,.0f} | {max(ms):,.0f} |")
PY
