#!/usr/bin/env bash
# The main job: install what is missing, build and install pg_vitals (release build) into
# PostgreSQL 15 (or the major given), start a throwaway cluster with pg_vitals preloaded, run
# a short real workload (pgbench plus a few hand-written statements) and print the top
# statements. Safe to rerun: the demo cluster is recreated each time, finished steps are skipped.
# Usage: scripts/run.sh [MAJOR]   (15, 16, 17 or 18; default 15)
#        DEMO_SECONDS=N scripts/run.sh   (each pgbench phase runs N seconds; default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
v=${1:-15}
secs=${DEMO_SECONDS:-5}
source scripts/env.sh
pg_config_for "$v" >/dev/null || exit 2
bash scripts/setup.sh
source scripts/cluster.sh

echo "==> building and installing pg_vitals (release) into PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 \
  || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=demo$v
echo "==> starting a throwaway PostgreSQL $v cluster in $BUILD/$name"
cluster_init "$v" "$name"
cluster_conf "$name" "shared_preload_libraries = 'pg_vitals'" "pg_vitals.track_planning = on"
cluster_start "$name"
psql_demo() { cluster_psql "$name" -d postgres "$@"; }
pgbench_demo() { cluster_pgbench "$name" "$@" postgres; }

psql_demo -q -c "CREATE EXTENSION pg_vitals"
echo "==> workload: pgbench -i -s 5, then $secs s of TPC-B-like and $secs s of select-only, then hand-written statements"
pgbench_demo -i -s 5 -q >/dev/null 2>&1
pgbench_demo -c 2 -j 2 -T "$secs" >/dev/null 2>&1
pgbench_demo -S -M prepared -c 2 -j 2 -T "$secs" >/dev/null 2>&1
psql_demo -q <<'SQL' >/dev/null
CREATE TABLE demo_orders AS
  SELECT g AS id, (g % 100) AS customer, now() - g * interval '1 minute' AS placed, (g % 7) * 10.5 AS amount
  FROM generate_series(1, 100000) g;
SELECT customer, sum(amount) FROM demo_orders GROUP BY customer ORDER BY 2 DESC LIMIT 5;
SELECT count(*) FROM demo_orders WHERE placed > now() - interval '1 day';
SELECT * FROM demo_orders WHERE id = 42;
SELECT * FROM demo_orders WHERE id = 4242;
CREATE INDEX ON demo_orders (id);
SELECT * FROM demo_orders WHERE id = 42;
UPDATE demo_orders SET amount = amount + 1 WHERE customer = 7;
VACUUM ANALYZE demo_orders;
SQL
# A statement that fails, to show the error columns.
psql_demo -q -c "SELECT amount / (customer - customer) FROM demo_orders WHERE id = 1" >/dev/null 2>&1 || true

echo
echo "==> top statements by total execution time (vitals.statements)"
psql_demo -P pager=off <<'SQL'
SELECT calls,
       round(total_exec_time::numeric, 1) AS total_ms,
       round(mean_exec_time::numeric, 3) AS mean_ms,
       round(p99_exec_time::numeric, 3) AS p99_ms,
       round(mean_plan_time::numeric, 3) AS plan_ms,
       rows,
       round(100.0 * shared_blks_hit / nullif(shared_blks_hit + shared_blks_read, 0), 1) AS hit_pct,
       left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS query
FROM vitals.statements
ORDER BY total_exec_time DESC
LIMIT 12;
SELECT errors, last_sqlstate, round(error_time::numeric, 3) AS error_ms,
       left(regexp_replace(query, '\s+', ' ', 'g'), 70) AS failed_query
FROM vitals.statements WHERE errors > 0;
SELECT entries, max, dealloc, pg_size_pretty(shmem_bytes) AS shared_memory, stats_reset FROM vitals.info;
SQL
echo
echo "The cluster is still running. Explore it with:"
echo "  $(bindir_for "$v")/psql -h $BUILD/$name/sock -p $(cat "$BUILD/$name/port") -U postgres postgres"
echo "Stop it with:"
echo "  runuser -u postgres -- $(bindir_for "$v")/pg_ctl -D $BUILD/$name/data stop"
