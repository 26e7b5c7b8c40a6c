#!/usr/bin/env bash
# What EXPLAIN costs with pg_vitals' Vitals group: pgbench running EXPLAIN (and EXPLAIN
# ANALYZE) of a primary-key lookup with no extension, with pg_vitals and
# pg_vitals.explain = off (plain EXPLAIN), and with pg_vitals.explain = on (the default),
# in alternating rounds, one restart each, median TPS ratio against no extension with its
# min and max (shared/reference/benchmark-method.md). The statement has a history (run
# before each round), so the Vitals group includes the store lookup.
# Usage: bench/explain.sh [ROUNDS=5] [SECONDS=5] [PG_VERSION=15]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-5}
v=${3:-15}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=explain$v
cluster_init "$v" "$name"
cluster_conf "$name" "shared_buffers = 256MB" "max_connections = 100"
cluster_start "$name"
pgb() { "$(bindir_for "$v")/pgbench" -h "$BUILD/$name/sock" -p "$(cat "$BUILD/$name/port")" -U postgres "$@" postgres; }
pgb -i -s 5 -q >/dev/null 2>&1

dir="$BUILD/$name"
echo 'EXPLAIN SELECT abalance FROM pgbench_accounts WHERE aid = 4242;' >"$dir/explain.sql"
echo 'EXPLAIN (ANALYZE) SELECT abalance FROM pgbench_accounts WHERE aid = 4242;' >"$dir/analyze.sql"
echo 'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;' >"$dir/run.sql"
chmod 644 "$dir"/*.sql

# label|postgresql.auto.conf settings (';'-separated)
configs=(
  "none|shared_preload_libraries = ''"
  "pg_vitals, explain = off|shared_preload_libraries = 'pg_vitals';pg_vitals.explain = off"
  "pg_vitals, explain = on|shared_preload_libraries = 'pg_vitals'"
)
modes=("EXPLAIN|$dir/explain.sql" "EXPLAIN ANALYZE|$dir/analyze.sql")
conf="$dir/data/postgresql.auto.conf"
results="$dir/results.txt"
: >"$results"
for ((r = 1; r <= rounds; r++)); do
  for c in "${configs[@]}"; do
    label=${c%%|*}
    tr ';' '\n' <<<"${c#*|}" >"$conf"
    chown postgres: "$conf"
    cluster_restart "$name"
    pgb -n -f "$dir/run.sql" -t 100 >/dev/null 2>&1 # the statement's history
    for m in "${modes[@]}"; do
      mode=${m%%|*}
      pgb -n -f "${m#*|}" -T 1 >/dev/null 2>&1 # warm-up
      tps=$(pgb -n -f "${m#*|}" -T "$secs" 2>/dev/null | grep -oP 'tps = \K[0-9.]+' | head -1)
      echo "$r|$label|$mode|$tps" | tee -a "$results" >&2
    done
  done
done
: >"$conf"
cluster_stop "$name"

python3 - "$results" "$rounds" "$secs" "$v" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
tps = {}
for rnd, label, mode, t in rows:
    tps.setdefault((label, mode), {})[int(rnd)] = float(t)
print(f"\nPostgreSQL {sys.argv[4]}, pgbench -c 1, {sys.argv[2]} alternating rounds of {sys.argv[3]} s\n")
print("| statement | configuration | median TPS | median ratio vs none | min ratio | max ratio |")
print("|---|---|---:|---:|---:|---:|")
for mode in dict.fromkeys(m for _, m in tps):
    base = tps[("none", mode)]
    for label in dict.fromkeys(l for l, _ in tps):
        cur = tps[(label, mode)]
        ratios = [cur[r] / base[r] for r in cur if r in base]
        print(f"| {mode} | {label} | {statistics.median(cur.values()):,.0f} | "
              f"{statistics.median(ratios):.3f} | {min(ratios):.3f} | {max(ratios):.3f} |")
PY
