#!/usr/bin/env bash
# What EXPLAIN costs with pg_vitals' Vitals group, for a simple query: a primary-key lookup
# on an analyzed table (well estimated, well indexed: no advice), with 100 executions of
# history. Three configurations: no extension, pg_vitals with pg_vitals.explain = off (plain
# EXPLAIN) and pg_vitals with the default explain = on.
#
# 1. Instructions per EXPLAIN and per EXPLAIN ANALYZE under callgrind on a single-user
#    backend, N vs 2N statements (deterministic; the method:
#    docs/benchmarks.md, "Overhead").
#    The single-user backend prints every output row with printf, which a server sends to
#    its client instead: the Vitals group's 2 rows (5 with ANALYZE) are part of the count.
# 2. pgbench TPS with 2 clients (both cores busy: with one client, TPS measures how fast
#    an idle core wakes up, 12k against 80k here), in alternating rounds, one restart each,
#    median ratio against no extension and against explain = off, with min and max.
# Usage: bench/explain.sh [ROUNDS=9] [SECONDS=5] [PG_VERSION=15] [N=500] [CLIENTS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-9}
secs=${2:-5}
v=${3:-15}
n=${4:-500}
clients=${5:-2}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=explain$v
dir="$BUILD/$name"
cluster_init "$v" "$name"
cluster_conf "$name" "shared_buffers = 256MB" "max_connections = 100"
cluster_start "$name"
pgb() { cluster_pgbench "$name" "$@" postgres; }
pgb -i -s 5 -q >/dev/null 2>&1
# pgbench's load reaches the statistics after its own ANALYZE, which would make
# stale_statistics fire: analyze again so that the query is the "no advice" case.
cluster_psql "$name" -q -c 'ANALYZE'
cluster_stop "$name"

select='SELECT abalance FROM pgbench_accounts WHERE aid = 4242;'
echo "$select" >"$dir/run.sql"
echo "EXPLAIN $select" >"$dir/explain.sql"
echo "EXPLAIN (ANALYZE) $select" >"$dir/analyze.sql"

# label|settings as -c options (callgrind) and as postgresql.auto.conf lines (';'-separated)
configs=(
  "none|shared_preload_libraries = ''"
  "pg_vitals, explain = off|shared_preload_libraries = 'pg_vitals';pg_vitals.explain = off"
  "pg_vitals, explain = on|shared_preload_libraries = 'pg_vitals'"
)
modes=("EXPLAIN|$dir/explain.sql" "EXPLAIN ANALYZE|$dir/analyze.sql")

# --- 1. callgrind ------------------------------------------------------------------------
work="$dir/callgrind"
mkdir -p "$work"
for m in "${modes[@]}"; do
  for count in "$n" $((2 * n)); do
    f="$work/${m%%|*}-$count.sql"
    f=${f// /_}
    for ((i = 0; i < 100; i++)); do echo "$select"; done >"$f"
    for ((i = 0; i < count; i++)); do cat "${m#*|}"; done >>"$f"
  done
done
chown -R postgres: "$work"
instructions() { # instructions SETTINGS SCRIPT
  local opts=()
  IFS=';' read -ra lines <<<"$1"
  for l in "${lines[@]}"; do opts+=(-c "$(tr -d " '" <<<"$l")"); done
  callgrind_instructions "$name" "$2" -c pg_vitals.save=off "${opts[@]}"
}
cg="$dir/callgrind.txt"
: >"$cg"
for c in "${configs[@]}"; do
  label=${c%%|*}
  for m in "${modes[@]}"; do
    mode=${m%%|*}
    base="$work/${mode// /_}"
    i1=$(instructions "${c#*|}" "$base-$n.sql")
    i2=$(instructions "${c#*|}" "$base-$((2 * n)).sql")
    echo "1|$label|$mode|$(((i2 - i1) / n))" | tee -a "$cg" >&2
  done
done

# --- 2. pgbench ----------------------------------------------------------------------------
cluster_start "$name"
chmod 644 "$dir"/*.sql
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
      pgb -n -c "$clients" -j "$clients" -f "${m#*|}" -T 1 >/dev/null 2>&1 # warm-up
      tps=$(pgb -n -c "$clients" -j "$clients" -f "${m#*|}" -T "$secs" 2>/dev/null | grep -oP 'tps = \K[0-9.]+' | head -1)
      echo "$r|$label|$mode|$tps" | tee -a "$results" >&2
    done
  done
done
: >"$conf"
cluster_stop "$name"

echo
echo "PostgreSQL $v, callgrind, instructions per statement ($n vs $((2 * n)) statements, single-user backend)"
echo
python3 bench/ratio_table.py "$cg" --column statement --unit instructions --vs none --vs "pg_vitals, explain = off"
echo
echo "PostgreSQL $v, pgbench -c $clients -j $clients, $rounds alternating rounds of $secs s"
echo
python3 bench/ratio_table.py "$results" --column statement --vs none --vs "pg_vitals, explain = off"
