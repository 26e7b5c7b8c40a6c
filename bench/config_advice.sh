#!/usr/bin/env bash
# Does following vitals.config_advice make this machine faster? On a throwaway cluster with
# default settings (nothing but a socket and a port set), three workloads whose data is larger
# than the default shared_buffers: pgbench select-only and pgbench's TPC-B-like script on
# pgbench -i -s SCALE, and the TPC-C-like mix of fixtures/tpcc/ on WAREHOUSES warehouses. Every
# `sql` of vitals.config_advice(WORKLOAD) for this machine is applied with ALTER SYSTEM to a
# copy of that cluster, which is restarted; PGTune's formulas for the same inputs
# (fixtures/pgtune.py) get a third copy when they differ from pg_vitals' values. The copies run
# side by side, each read into its cache once (pg_prewarm, as on a server that has been
# running) and warmed up, and take turns on each workload, their order rotating each round:
# runs of one configuration and the next are seconds apart, so the machine's drift cancels in
# their ratio. The median ratio against the defaults is printed with its min and max
# (the method: docs/benchmarks.md, "Overhead").
# Usage: bench/config_advice.sh [ROUNDS=15] [SECONDS=10] [CLIENTS=2] [WORKLOAD=oltp]
#                               [PG_VERSION=15] [SCALE=50] [WAREHOUSES=8]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-15}
secs=${2:-10}
clients=${3:-2}
workload=${4:-oltp}
v=${5:-15}
scale=${6:-50}
warehouses=${7:-8}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=config$v
dir="$BUILD/$name"
for label in defaults pg_vitals pgtune; do cluster_stop "$name-$label" 2>/dev/null || true; done
cluster_init "$v" "$name"
# The server's defaults: cluster_init's test settings (fsync = off, shared_buffers) go.
sed -i '/^fsync = off$/d; /^shared_buffers = 128MB$/d' "$dir/data/postgresql.conf"
cluster_start "$name"
psql_() { cluster_psql "$name" -q "$@"; }
pgb() { cluster_pgbench "$@"; } # pgb CLUSTER ARGS...
chmod -R a+rX fixtures/tpcc

echo "==> pgbench -i -s $scale and the TPC-C-like load with $warehouses warehouses"
pgb "$name" -i -s "$scale" -q postgres >"$dir/pgbench-init.log" 2>&1 || { tail "$dir/pgbench-init.log"; exit 1; }
psql_ -d postgres -c "CREATE DATABASE tpcc"
psql_ -d tpcc -v warehouses="$warehouses" -f fixtures/tpcc/load.sql
for db in postgres tpcc; do psql_ -d "$db" -c "CREATE EXTENSION pg_prewarm"; done
sizes=$(psql_ -d postgres -Atc "SELECT string_agg(datname || ' ' || pg_size_pretty(pg_database_size(datname)), ', ' ORDER BY datname)
                                FROM pg_database WHERE datname IN ('postgres', 'tpcc')")

# The three configurations, each a postgresql.auto.conf.
conf="$dir/data/postgresql.auto.conf"
: >"$dir/defaults.conf"
psql_ -d postgres -c "CREATE EXTENSION pg_vitals"
psql_ -d postgres -At -F '|' -c "SELECT name, current_value, recommended_value, severity, sql, reason FROM vitals.config_advice('$workload')" >"$dir/advice.txt"
if grep -qE '^(fsync|synchronous_commit|full_page_writes|wal_level)\|' "$dir/advice.txt"; then
  echo "advice touches a durability setting:" >&2; cat "$dir/advice.txt" >&2; exit 1
fi
cut -d'|' -f5 "$dir/advice.txt" | grep . | sed 's/$/;/' | psql_ -d postgres
cp "$conf" "$dir/pg_vitals.conf"
psql_ -d postgres -c "DROP EXTENSION pg_vitals"
: >"$conf"
# PGTune's inputs: the host's RAM and CPUs, which pg_vitals must have detected the same way
# (its memory check names where it read them).
ram=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024))
grep -q '^(memory check)|.*memory from /proc/meminfo, [0-9]* CPUs from the CPUs this process may run on' "$dir/advice.txt" \
  || { echo "pg_vitals read the host's limits elsewhere (a cgroup?): PGTune's inputs would differ" >&2; exit 1; }
cpus=$(nproc)
connections=$(psql_ -d postgres -Atc "SHOW max_connections")
server_version=$(psql_ -d postgres -Atc "SHOW server_version_num")
python3 fixtures/pgtune.py --memory "$ram" --cpus "$cpus" --connections "$connections" \
  --workload "$workload" --storage ssd --version "$server_version" >"$dir/pgtune.conf"
chown postgres: "$dir"/*.conf

# PGTune's values run as a configuration of their own only where they differ from
# pg_vitals' by more than 5% (the same setting, rounded otherwise).
configs=(defaults pg_vitals)
pgtune_note="PGTune's values are within 5% of pg_vitals' on every setting here: the same configuration, not run twice"
if python3 bench/config_compare.py "$dir" --differ >"$dir/differ.txt"; then
  configs+=(pgtune)
  pgtune_note="PGTune's values differ: $(paste -sd ';' "$dir/differ.txt")"
fi
modes=(
  "pgbench -S|postgres|-S -M prepared"
  "pgbench TPC-B-like|postgres|-M prepared"
  "TPC-C-like|tpcc|-n -M prepared --max-tries=10 -D warehouses=$warehouses -f fixtures/tpcc/new_order.sql@45 -f fixtures/tpcc/payment.sql@43 -f fixtures/tpcc/order_status.sql@4 -f fixtures/tpcc/delivery.sql@4 -f fixtures/tpcc/stock_level.sql@4"
)
cluster_stop "$name"
for label in "${configs[@]}"; do
  cluster_clone "$name" "$name-$label"
  cp "$dir/$label.conf" "$BUILD/$name-$label/data/postgresql.auto.conf"
  chown postgres: "$BUILD/$name-$label/data/postgresql.auto.conf"
  cluster_start "$name-$label"
done
echo "==> ${configs[*]} running; prewarm and warm-up"
for label in "${configs[@]}"; do
  for db in postgres tpcc; do
    cluster_psql "$name-$label" -d "$db" -Atq -c "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')" >/dev/null
  done
  for m in "${modes[@]}"; do
    IFS='|' read -r mode db args <<<"$m"
    # shellcheck disable=SC2086
    pgb "$name-$label" $args -c "$clients" -j "$clients" -T 10 "$db" >/dev/null 2>&1
  done
done
results="$dir/results.txt"
: >"$results"
for ((r = 1; r <= rounds; r++)); do
  for m in "${modes[@]}"; do
    IFS='|' read -r mode db args <<<"$m"
    for ((k = 0; k < ${#configs[@]}; k++)); do
      label=${configs[$(((k + r - 1) % ${#configs[@]}))]}
      # shellcheck disable=SC2086
      out=$(pgb "$name-$label" $args -c "$clients" -j "$clients" -T "$secs" "$db" 2>&1) || { echo "$out" >&2; exit 1; }
      tps=$(grep -oP '^tps = \K[0-9.]+' <<<"$out" | head -1)
      failed=$(grep -oP '^number of failed transactions: \K[0-9]+' <<<"$out" || echo 0)
      echo "$r|$label|$mode|$tps" | tee -a "$results" >&2
      ((failed == 0)) || echo "    ($failed failed transactions)" >&2
    done
  done
done
violations=""
for label in "${configs[@]}"; do
  violations+=$(cluster_psql "$name-$label" -d tpcc -Atq -F ' ' -f fixtures/tpcc/check.sql | awk -v l="$label" '$NF != 0 {print l ": " $0}')
  cluster_stop "$name-$label"
done
[[ -z $violations ]] || { echo "TPC-C consistency violated: $violations" >&2; exit 1; }

echo
echo "PostgreSQL $server_version; $(awk '{printf "%.1f", $1 / 1073741824}' <<<"$ram") GiB RAM, $cpus CPUs, max_connections $connections;" \
  "vitals.config_advice('$workload'); data: $sizes"
echo "pgbench -c $clients -j $clients, $rounds rounds of $secs s taking turns; TPC-C consistency checks passed"
echo "$pgtune_note"
echo
python3 bench/config_compare.py "$dir"
echo
python3 bench/ratio_table.py "$results" --vs defaults
