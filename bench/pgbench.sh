#!/usr/bin/env bash
# pgbench throughput of no extension, pg_stat_statements and pg_vitals (with the defaults and
# with every execution instrumented for plan capture), side by side on one
# cluster: configurations alternate in rounds (A B C A B C ...), one restart each, a short
# warm-up after each restart, and the median TPS ratio against no extension is reported
# with its min and max; the method is in docs/benchmarks.md, "Overhead".
# Usage: bench/pgbench.sh [ROUNDS=5] [SECONDS=10] [CLIENTS=2] [PG_VERSION=15]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-10}
clients=${3:-2}
v=${4:-15}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=pgbench$v
cluster_init "$v" "$name"
cluster_conf "$name" "shared_buffers = 256MB" "synchronous_commit = off" "max_connections = 100"
cluster_start "$name"
pgb() { cluster_pgbench "$name" "$@" postgres; }
pgb -i -s 5 -q >/dev/null 2>&1

configs=(
  "none|shared_preload_libraries = ''"
  "pg_stat_statements|shared_preload_libraries = 'pg_stat_statements'"
  "pg_vitals|shared_preload_libraries = 'pg_vitals'"
  "pg_vitals, plan_sample_rate = 1|shared_preload_libraries = 'pg_vitals';pg_vitals.plan_sample_rate = 1"
  "pg_vitals, plan_sample_rate = 1, plan_timing = off|shared_preload_libraries = 'pg_vitals';pg_vitals.plan_sample_rate = 1;pg_vitals.plan_timing = off"
)
# label|pgbench arguments. "range scan": 10,000 rows through a two-node plan (index scan and
# aggregate), where per-node instrumentation (plan_sample_rate = 1) costs the most.
scan="$BUILD/$name/range-scan.sql"
echo 'SELECT count(*) FROM pgbench_accounts WHERE aid <= 10000 AND abalance >= 0;' >"$scan"
chmod 644 "$scan"
modes=("-S -M prepared|-S -M prepared" "-S -M simple|-S -M simple" "range scan -M prepared|-M prepared -f $scan")

conf="$BUILD/$name/data/postgresql.auto.conf"
results="$BUILD/$name/results.txt"
: >"$results"
for ((r = 1; r <= rounds; r++)); do
  for c in "${configs[@]}"; do
    label=${c%%|*}
    tr ';' '\n' <<<"${c#*|}" >"$conf" # settings separated by ';'
    chown postgres: "$conf"
    cluster_restart "$name"
    for m in "${modes[@]}"; do
      mode=${m%%|*}
      args=${m#*|}
      # shellcheck disable=SC2086
      pgb $args -c "$clients" -j "$clients" -T 2 >/dev/null 2>&1 # warm-up
      # shellcheck disable=SC2086
      tps=$(pgb $args -c "$clients" -j "$clients" -T "$secs" 2>/dev/null | grep -oP 'tps = \K[0-9.]+' | head -1)
      echo "$r|$label|$mode|$tps" | tee -a "$results" >&2
    done
  done
done
: >"$conf"
cluster_stop "$name"

echo
echo "PostgreSQL $v, pgbench -c $clients -j $clients, $rounds alternating rounds of $secs s"
echo
python3 bench/ratio_table.py "$results" --prefix "pgbench "
