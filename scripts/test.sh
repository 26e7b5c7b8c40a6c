#!/usr/bin/env bash
# The whole test suite, on PostgreSQL 15, 16, 17 and 18:
#   1. cargo test in crates/vitals-core: the pure logic (the store, normalization, EXPLAIN
#      insights, advice rules), a crate with no pgrx in its dependency tree (checked);
#   2. cargo pgrx test: #[pg_test] functions inside a server;
#   3. pg_regress suites (pg_test/sql) and isolation specs (pg_test/specs) from real client
#      sessions, with pg_stat_statements preloaded beside pg_vitals;
#   4. server-level checks no SQL file can make: exact counts under concurrent clients,
#      statistics kept across a restart, a damaged stats file, and a server without preloading;
#   5. every SQL function called with edge-case arguments (pg_test/fuzz_functions.py);
#   6. the fault suite (backends killed, immediate stops, damaged stats files, a full disk)
#      and a soak, each on a server of its own (scripts/faults.sh), on the majors in
#      LONG_MAJORS (default 15 and 18: the oldest, and the newest with its own EXPLAIN API);
#   7. the Debian package for PostgreSQL 15 (scripts/package.sh): installed with apt into a
#      PostgreSQL without pg_vitals' files, used, and removed with apt; the install tarball
#      for PostgreSQL 17, installed with its install.sh and used.
# Steps 2 to 5 run on every major given.
# Usage: scripts/test.sh [MAJOR...]   (default: 15 16 17 18). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
source scripts/cluster.sh

versions=("$@")
((${#versions[@]})) || read -ra versions <<<"$PG_MAJORS"
for v in "${versions[@]}"; do pg_config_for "$v" >/dev/null || exit 2; done
LONG_MAJORS=${LONG_MAJORS:-15 18}
passed=0
failed=0
failures=()

check() { # check NAME COMMAND...: run one test step and count it
  local name=$1; shift
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAILED: $name"
  fi
}

expect_eq() { # expect_eq WHAT ACTUAL EXPECTED
  if [[ "$2" == "$3" ]]; then return 0; fi
  echo "  $1: got '$2', expected '$3'"
  return 1
}

regress_suites=(agreement drop_in statements tracking reset percentiles failures plans privileges security faults encoding bad_input error_fidelity eviction metrics upgrade explain explain_advice autovacuum config_advice workload_advice)
isolation_specs=(concurrent_reset concurrent_failures xmin_horizon)

# The core crate builds and tests with no PostgreSQL: nothing in its tree may be pgrx.
pure_tests() {
  if cargo tree -p vitals-core --edges normal,build,dev --prefix none | grep -i pgrx; then
    echo "  vitals-core depends on pgrx"
    return 1
  fi
  cargo test -p vitals-core --quiet
}

pgrx_tests() {
  local v=$1 dir="$BUILD/pgrx-test-pg$1"
  mkdir -p "$dir" && chown postgres: "$dir" && chmod 755 "$BUILD"
  cargo pgrx test "pg$v" --runas postgres --pgdata "$dir"
}

# suite TOOL VERSION CLUSTER NAME...: pg_regress or pg_isolation_regress from that version's
# PGXS, against the running cluster, with expected output from pg_test/.
suite() {
  local tool=$1 v=$2 name=$3; shift 3
  local bin out="$BUILD/$name/$tool-$1"
  case $tool in
    regress) bin=$("$(pg_config_for "$v")" --pkglibdir)/pgxs/src/test/regress/pg_regress ;;
    isolation) bin=$("$(pg_config_for "$v")" --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress ;;
  esac
  rm -rf "$out" && mkdir -p "$out"
  "$bin" --host="$BUILD/$name/sock" --port="$(cat "$BUILD/$name/port")" --user=postgres \
    --bindir="$(bindir_for "$v")" --inputdir=pg_test --outputdir="$out" --dbname="vitals_$tool" "$@" \
    || { cat "$out/regression.diffs" "$out/output_iso/regression.diffs" 2>/dev/null | head -150; return 1; }
}

q() { cluster_psql "$1" -d postgres -Atq -c "$2"; }

# pb CLUSTER [pgbench args...]: pgbench against the cluster's postgres database.
pb() {
  local name=$1; shift
  cluster_pgbench "$name" -n "$@" postgres
}

# 4 clients x 500 transactions of a 2-statement script: vitals counts every execution,
# exactly, and agrees with pg_stat_statements.
concurrent_exact_counts() {
  local name=$1 v=$2 script="$BUILD/$1/concurrent.sql"
  printf 'SELECT count(*) FROM pg_class WHERE relpages >= 0;\nSELECT 1 + 1 AS two;\n' >"$script"
  q "$name" "SELECT pg_stat_statements_reset() IS NOT NULL, vitals.reset() IS NOT NULL" >/dev/null || return 1
  pb "$name" -c 4 -j 2 -t 500 -f "$script" >/dev/null || return 1
  local got pgss
  got=$(q "$name" "SELECT sum(calls) FROM vitals.statements WHERE query IN ('SELECT count(*) FROM pg_class WHERE relpages >= \$1', 'SELECT \$1 + \$2 AS two')")
  pgss=$(q "$name" "SELECT sum(calls) FROM pg_stat_statements WHERE query IN ('SELECT count(*) FROM pg_class WHERE relpages >= \$1', 'SELECT \$1 + \$2 AS two')")
  expect_eq "calls from 4 concurrent clients" "$got" 4000 && expect_eq "pg_stat_statements calls" "$pgss" 4000
}

# The same load while another client resets every few milliseconds: no error, no crash.
concurrent_resets() {
  local name=$1 v=$2 script="$BUILD/$1/concurrent.sql" resets="$BUILD/$1/resets.sql"
  printf 'SELECT vitals.reset() IS NOT NULL;\n\\sleep 2 ms\n' >"$resets"
  pb "$name" -c 1 -T 4 -f "$resets" >/dev/null &
  local resetter=$!
  pb "$name" -c 4 -j 2 -T 4 -f "$script" >/dev/null || { wait $resetter; return 1; }
  wait $resetter || return 1
  expect_eq "server alive after concurrent resets" "$(q "$name" "SELECT count(*) >= 0 FROM vitals.statements")" t
}

# Four clients create more distinct statements than the store holds (evicting all the
# time), capturing the plan of each (the 32 kB plan arena compacts, and drops plans when
# full), while a fifth reads the views: no error, no crash, the store stays within bounds.
concurrent_eviction() {
  local name=$1 v=$2 churn="$BUILD/$1/churn.sql" reader="$BUILD/$1/reader.sql"
  q "$name" "CREATE TABLE IF NOT EXISTS churn_t (a int);
    CREATE OR REPLACE FUNCTION churn(n int) RETURNS void LANGUAGE plpgsql AS \$\$
    BEGIN EXECUTE format('SELECT %s FROM churn_t', rtrim(repeat('a, ', n), ', ')); END \$\$;
    SELECT vitals.reset()" >/dev/null || return 1
  # Distinct statements: one per column count (1..1500), more than pg_vitals.max = 1000.
  printf 'SET pg_vitals.plan_min_duration = 0;\n\\set n random(1, 1500)\nSELECT churn(:n);\n' >"$churn"
  printf 'SELECT count(*), sum(calls) FROM vitals.statements;\nSELECT count(*), sum(length(plan)) FROM vitals.plans;\n' >"$reader"
  pb "$name" -c 1 -T 5 -f "$reader" >/dev/null &
  local reading=$!
  pb "$name" -c 4 -j 2 -T 5 -f "$churn" >/dev/null || { wait $reading; return 1; }
  wait $reading || return 1
  expect_eq "store within bounds, evicting" "$(q "$name" "SELECT entries <= max AND dealloc > 0 FROM vitals.info")" t || return 1
  echo "  $(q "$name" "SELECT format('%s entries, %s evictions, %s plans (%s of %s bytes), %s plans dropped',
    entries, dealloc, plans, plan_bytes_used, plan_bytes_allocated, plans_dropped) FROM vitals.info")"
  expect_eq "plans within bounds" "$(q "$name" "SELECT plans BETWEEN 1 AND entries AND plan_bytes_used <= plan_bytes_allocated
    AND (SELECT count(*) FROM vitals.plans) <= entries FROM vitals.info")" t
}

# The TPC-C-like workload of fixtures/tpcc/ with pg_vitals tracking it: one warehouse loaded,
# the standard mix for 5 s from 2 clients, no failed transaction, the consistency conditions
# hold, and every transaction's statements were counted.
tpcc_workload() {
  local name=$1 v=$2 out t=fixtures/tpcc
  chmod -R a+rX fixtures/tpcc
  q "$name" "DROP DATABASE IF EXISTS tpcc" >/dev/null && q "$name" "CREATE DATABASE tpcc" >/dev/null || return 1
  cluster_psql "$name" -d tpcc -q -v warehouses=1 -f $t/load.sql || return 1
  out=$(cluster_pgbench "$name" -n \
    -M prepared -c 2 -j 2 -T 5 --max-tries=10 -D warehouses=1 \
    -f $t/new_order.sql@45 -f $t/payment.sql@43 -f $t/order_status.sql@4 -f $t/delivery.sql@4 -f $t/stock_level.sql@4 tpcc 2>&1) \
    || { echo "$out" | tail -20; return 1; }
  echo "  $(grep -oP '^tps = [0-9.]+' <<<"$out"), $(grep -oP '^number of failed transactions: [0-9]+' <<<"$out")"
  expect_eq "failed transactions" "$(grep -oP '^number of failed transactions: \K[0-9]+' <<<"$out")" 0 || return 1
  expect_eq "consistency violations" "$(cluster_psql "$name" -d tpcc -Atq -f $t/check.sql | cut -d'|' -f3 | sort -u)" 0 || return 1
  # A statement of each of the five transactions.
  expect_eq "transactions tracked" "$(q "$name" "SELECT count(*) FROM (VALUES ('UPDATE district SET d_next_o_id%'),
      ('UPDATE warehouse SET w_ytd%'), ('WITH o AS (SELECT o_id%'), ('WITH no AS (DELETE FROM new_order%'),
      ('SELECT count(DISTINCT s_i_id)%')) AS p(pattern)
    WHERE EXISTS (SELECT FROM vitals.statements s JOIN pg_database d ON d.oid = s.dbid
                  WHERE d.datname = 'tpcc' AND s.calls > 0 AND s.query LIKE p.pattern)")" 5 || return 1
  q "$name" "DROP DATABASE tpcc" >/dev/null
}

# Statistics and captured plans survive a clean restart; a damaged stats file is skipped
# with a WARNING.
# The metrics' totals, evicted entries' counts and failures included, across a clean restart:
# 1,100 distinct statements through the 1,000-entry store and a failure, then a restart
# lowers no counter.
metrics_persistence() {
  local name=$1
  q "$name" "CREATE TABLE IF NOT EXISTS persist_t (a int);
    DO \$\$ BEGIN FOR i IN 1 .. 1100 LOOP
      EXECUTE format('SELECT %s FROM persist_t', rtrim(repeat('a, ', i), ', ')); END LOOP; END \$\$" >/dev/null
  q "$name" "SELECT 1 / 0" >/dev/null 2>&1
  local calls="SELECT sum(calls) FROM vitals.metrics_totals" errors="SELECT sum(errors) FROM vitals.metrics_errors"
  local calls_before errors_before
  calls_before=$(q "$name" "$calls")
  errors_before=$(q "$name" "$errors")
  cluster_restart "$name" || return 1
  # Reading the totals runs statements too: the calls may only have grown.
  expect_eq "metrics totals after restart: calls not lower, errors the same" \
    "$(q "$name" "SELECT ($calls) >= $calls_before")/$(q "$name" "$errors")" "t/$errors_before"
}

persistence() {
  local name=$1
  q "$name" "SELECT vitals.reset()" >/dev/null
  q "$name" "SET pg_vitals.plan_sample_rate = 1; SELECT 'kept across restart' AS persistence_marker" >/dev/null
  cluster_restart "$name" || return 1
  expect_eq "calls after restart" \
    "$(q "$name" "SELECT calls FROM vitals.statements WHERE query = 'SELECT \$1 AS persistence_marker'")" 1 || return 1
  expect_eq "instrumented plan after restart" \
    "$(q "$name" "SELECT p.instrumented AND p.plan LIKE 'Result%actual%' FROM vitals.plans p
       JOIN vitals.statements s USING (userid, dbid, queryid, toplevel)
       WHERE s.query = 'SELECT \$1 AS persistence_marker'")" t || return 1
  cluster_stop "$name" || return 1
  local file="$BUILD/$name/data/pg_stat/pg_vitals.stat"
  [[ -s "$file" ]] || { echo "  no stats file written at shutdown"; return 1; }
  printf 'garbage' | dd of="$file" bs=1 seek=40 conv=notrunc status=none
  cluster_start "$name" || return 1
  grep -q 'pg_vitals: ignoring ".*pg_vitals.stat": checksum mismatch' "$BUILD/$name/server.log" \
    || { echo "  no WARNING about the damaged file"; tail -5 "$BUILD/$name/server.log"; return 1; }
  expect_eq "entries after a damaged file" \
    "$(q "$name" "SELECT count(*) FROM vitals.statements WHERE query LIKE '%persistence_marker%'")" 0
}

# Startup problems in postgresql.conf are explained in the server log, and the server starts:
# an out-of-range pg_vitals.max (the default is used).
startup_warnings() {
  local v=$1 name="startup$1"
  cluster_init "$v" "$name" >/dev/null || return 1
  cluster_conf "$name" "shared_preload_libraries = 'pg_vitals,pg_stat_statements'" "pg_vitals.max = -1"
  cluster_start "$name" || return 1
  local shown
  shown=$(q "$name" "SHOW pg_vitals.max")
  cluster_stop "$name"
  local log="$BUILD/$name/server.log"
  grep -q 'WARNING:  -1 is outside the valid range for parameter "pg_vitals.max" (100 .. 1000000)' "$log" \
    || { echo "  no WARNING about pg_vitals.max"; return 1; }
  if grep -q 'pg_stat_statements is listed after pg_vitals' "$log"; then
    echo "  a WARNING about the load order, which no longer matters"
    return 1
  fi
  expect_eq "pg_vitals.max after a bad value" "$shown" 5000
}

# pg_stat_statements listed after pg_vitals: its ProcessUtility hook then runs first and
# clears utility statements' query ids before pg_vitals sees them. The agreement suite's
# varied workload (utility statements, nesting, failures) still gives, for every entry
# pg_stat_statements has, the same entry in vitals.statements.
reversed_load_order() {
  local v=$1 name="reversed$1" rc=0
  cluster_init "$v" "$name" >/dev/null || return 1
  cluster_conf "$name" "shared_preload_libraries = 'pg_vitals,pg_stat_statements'" \
    "pg_stat_statements.track = all" "pg_vitals.track = all" "pg_vitals.max = 1000" "max_connections = 50"
  cluster_start "$name" || return 1
  q "$name" "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_vitals" >/dev/null || rc=1
  suite regress "$v" "$name" agreement drop_in || rc=1
  cluster_stop "$name"
  return $rc
}

# pg_stat_statements not loaded at all: with vitals before public in search_path, the
# queries that postgres_exporter's queries file, PgHero, pgwatch, pganalyze's collector and
# pg_profile run against pg_stat_statements by name read pg_vitals (pg_test/drop_in_tools.sql).
drop_in_alone() {
  local v=$1 name="alone$1" got
  cluster_init "$v" "$name" >/dev/null || return 1
  cluster_conf "$name" "shared_preload_libraries = 'pg_vitals'"
  cluster_start "$name" || return 1
  q "$name" "CREATE EXTENSION pg_vitals; ALTER ROLE postgres SET search_path = vitals, \"\$user\", public" >/dev/null || return 1
  got=$(cluster_psql "$name" -d postgres -Atq -f pg_test/drop_in_tools.sql 2>&1 | tr '\n' ' ')
  cluster_stop "$name"
  # 1.10's reset returns void (an empty string, not NULL), 1.11's a timestamp: neither is NULL.
  expect_eq "drop_in_marker twice, then its calls|same entries|reset, then entries left" "$got" "1 1 2|t|f 0 "
}

# pg_upgrade from FROM to TO: the dump recreates the drop-in in FROM's shape, which keeps
# working; vitals.reshape_pg_stat_statements() then gives it TO's, the shape of TO's own
# pg_stat_statements.
upgrade_shape() {
  local from=$1 to=$2 old="upgrade$1" new="upgraded$2" rc=0
  cluster_init "$from" "$old" >/dev/null && cluster_conf "$old" "shared_preload_libraries = 'pg_vitals'" \
    && cluster_start "$old" || return 1
  q "$old" "CREATE EXTENSION pg_vitals; SELECT 1 AS before_upgrade" >/dev/null || return 1
  cluster_stop "$old"
  cluster_init "$to" "$new" >/dev/null && cluster_conf "$new" "shared_preload_libraries = 'pg_vitals'" || return 1
  if ! (cd "$BUILD/$new" && as_postgres "$(bindir_for "$to")/pg_upgrade" -b "$(bindir_for "$from")" \
      -B "$(bindir_for "$to")" -d "$BUILD/$old/data" -D "$BUILD/$new/data" -U postgres) >"$BUILD/$new/pg_upgrade.log" 2>&1; then
    tail -20 "$BUILD/$new/pg_upgrade.log"; return 1
  fi
  cluster_start "$new" || return 1
  local cols="SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attnum > 0"
  local before after pgss
  before=$(q "$new" "$(printf "$cols" vitals.pg_stat_statements)")
  expect_eq "after pg_upgrade: the drop-in reads, in $from's shape" \
    "$(q "$new" "SELECT count(*) >= 0 FROM vitals.pg_stat_statements")/$([[ $before == *,blk_read_time,* ]] && echo old)" "t/old" || rc=1
  expect_eq "vitals.reshape_pg_stat_statements()" "$(q "$new" "SELECT vitals.reshape_pg_stat_statements()")" \
    "$(q "$new" "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_stat_statements'")" || rc=1
  q "$new" "CREATE EXTENSION pg_stat_statements" >/dev/null || rc=1
  after=$(q "$new" "$(printf "$cols" vitals.pg_stat_statements)")
  pgss=$(q "$new" "$(printf "$cols" public.pg_stat_statements)")
  expect_eq "the drop-in's columns after reshaping, as pg_stat_statements' on $to" "$after" "$pgss" || rc=1
  local members="SELECT string_agg(pg_describe_object(classid, objid, objsubid), ', ' ORDER BY pg_describe_object(classid, objid, objsubid)) FROM pg_depend
    WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_vitals') AND deptype = 'e'"
  after=$(q "$new" "$members")
  q "$new" "DROP EXTENSION pg_vitals; CREATE EXTENSION pg_vitals" >/dev/null || rc=1
  expect_eq "pg_vitals' members after reshaping, as a fresh install's" "$after" "$(q "$new" "$members")" || rc=1
  cluster_stop "$new"
  return $rc
}

# pg_vitals' metrics through the real components: vitals.metrics() passes promtool; Debian's
# postgres_exporter with integrations/postgres_exporter/queries.yaml, scraped every second by
# Debian's Prometheus with integrations/prometheus/prometheus.yml (promtool checks it), on
# loopback; the Grafana dashboard's JSON is checked and every expression it uses answers
# with data (pg_test/prometheus_check.py).
metrics_stack() {
  local name=$1 dir="$BUILD/$1/prometheus" exporter_port prom_port exporter prom rc=0 divisions=7 i
  for tool in prometheus promtool prometheus-postgres-exporter; do
    command -v "$tool" >/dev/null || { echo "  $tool missing (scripts/setup.sh installs it)"; return 1; }
  done
  rm -rf "$dir" && mkdir -p "$dir"
  q "$name" "SELECT vitals.metrics()" >"$dir/vitals.prom" || return 1
  promtool check metrics <"$dir/vitals.prom" || { echo "  promtool check metrics refused vitals.metrics()"; return 1; }
  promtool check config integrations/prometheus/prometheus.yml >/dev/null || { echo "  promtool check config failed"; return 1; }
  q "$name" "SET client_min_messages = warning; DROP ROLE IF EXISTS vitals_exporter;
    CREATE ROLE vitals_exporter LOGIN IN ROLE pg_monitor;
    ALTER ROLE vitals_exporter SET search_path = pg_catalog, pg_temp; SELECT vitals.reset()" >/dev/null || return 1
  exporter_port=$(free_port)
  prom_port=$(free_port)
  DATA_SOURCE_NAME="host=$BUILD/$name/sock port=$(cat "$BUILD/$name/port") user=vitals_exporter dbname=postgres sslmode=disable" \
    prometheus-postgres-exporter --extend.query-path=integrations/postgres_exporter/queries.yaml \
    --disable-default-metrics --disable-settings-metrics --web.listen-address="127.0.0.1:$exporter_port" \
    >"$dir/exporter.log" 2>&1 &
  exporter=$!
  sed -e 's/scrape_interval: 15s/scrape_interval: 1s/' -e "s/127.0.0.1:9187/127.0.0.1:$exporter_port/" \
    integrations/prometheus/prometheus.yml >"$dir/prometheus.yml"
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
  prom=$!
  printf 'SELECT abalance FROM pgbench_accounts WHERE aid = 1;\nUPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = 2;\n' >"$dir/workload.sql"
  pb "$name" -i -s 1 -q >/dev/null 2>&1 || rc=1
  # The workload runs once Prometheus scrapes the exporter, so that rates see it.
  for ((i = 0; i < 30; i++)); do
    curl -s "127.0.0.1:$prom_port/api/v1/query?query=pg_vitals_store_entries" | grep -q '"value"' && break
    sleep 1
  done
  pb "$name" -c 2 -T 4 -f "$dir/workload.sql" >/dev/null || rc=1
  for ((i = 0; i < divisions; i++)); do q "$name" "SELECT 1 / 0" >/dev/null 2>&1; done
  python3 pg_test/prometheus_check.py "http://127.0.0.1:$prom_port" integrations/grafana/pg_vitals.json "$divisions" || rc=1
  curl -s "127.0.0.1:$exporter_port/metrics" >"$dir/exporter.prom"
  promtool check metrics <"$dir/exporter.prom" >/dev/null || { echo "  promtool check metrics refused the exporter's output"; rc=1; }
  kill "$exporter" "$prom" 2>/dev/null
  wait "$exporter" "$prom" 2>/dev/null
  ((rc == 0)) || tail -n 5 "$dir/exporter.log" "$dir/prometheus.log"
  return $rc
}

# The server was built with the compile-time limits of the headers pg_vitals was built
# against: the installs of 16 and 17 put a server and headers of different origins together.
# (PostgreSQL also refuses a module whose magic block disagrees; these are the limits that a
# module's structures depend on beyond it.)
abi_limits() {
  local name=$1 v=$2 inc
  inc=$("$(pg_config_for "$v")" --includedir-server)
  define() { grep -ohP "^#define $1\s+\K[0-9]+" "$inc/pg_config.h" "$inc/pg_config_manual.h" | head -1; }
  local headers server
  headers="block_size=$(define BLCKSZ) wal_block_size=$(define XLOG_BLCKSZ)"
  headers+=" segment_blocks=$(define RELSEG_SIZE) max_identifier_length=$(($(define NAMEDATALEN) - 1))"
  headers+=" max_function_args=$(define FUNC_MAX_ARGS) max_index_keys=$(define INDEX_MAX_KEYS)"
  server=$(q "$name" "SELECT format('block_size=%s wal_block_size=%s segment_blocks=%s max_identifier_length=%s max_function_args=%s max_index_keys=%s',
    current_setting('block_size'), current_setting('wal_block_size'),
    (SELECT setting FROM pg_settings WHERE name = 'segment_size'), current_setting('max_identifier_length'),
    current_setting('max_function_args'), current_setting('max_index_keys'))")
  echo "  server $(q "$name" "SHOW server_version"), headers $(grep -oP '^#define PG_VERSION "\K[^"]+' "$inc/pg_config.h")"
  expect_eq "compile-time limits (server vs headers)" "$server" "$headers"
}

# JIT instrumentation agrees with pg_stat_statements, where the install has JIT (llvmjit).
jit_agreement() {
  local name=$1
  q "$name" "CREATE TABLE IF NOT EXISTS jit_t AS SELECT g AS a FROM generate_series(1, 1000) g;
    SELECT pg_stat_statements_reset() IS NOT NULL, vitals.reset() IS NOT NULL" >/dev/null || return 1
  q "$name" "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;
    SELECT sum(a * 2 + 1) AS jit_marker FROM jit_t" >/dev/null || return 1
  local cols="jit_functions, jit_inlining_count, jit_optimization_count, jit_emission_count"
  # pg_stat_statements counts tuple deforming from 1.11 (PostgreSQL 17).
  [[ $(q "$name" "SHOW server_version_num") -ge 170000 ]] && cols+=", jit_deform_count"
  local got pgss
  got=$(q "$name" "SELECT $cols FROM vitals.statements WHERE query LIKE '%jit_marker%'")
  pgss=$(q "$name" "SELECT $cols FROM pg_stat_statements WHERE query LIKE '%jit_marker%'")
  echo "  $cols: $got"
  expect_eq "JIT counts recorded" "$(q "$name" "SELECT jit_functions > 0 AND jit_generation_time > 0
    FROM vitals.statements WHERE query LIKE '%jit_marker%'")" t || return 1
  expect_eq "JIT counts as pg_stat_statements" "$got" "$pgss"
}

# package_smoke MAJOR: a fresh cluster with the installed pg_vitals preloaded records a
# statement, under the version the artifact was built as.
package_smoke() {
  local v=$1 name=package$1 seen
  cluster_init "$v" "$name" >/dev/null && cluster_conf "$name" "shared_preload_libraries = 'pg_vitals'" \
    && cluster_start "$name" || return 1
  q "$name" "CREATE EXTENSION pg_vitals; SELECT 'from the package' AS package_marker" >/dev/null || { cluster_stop "$name"; return 1; }
  seen=$(q "$name" "SELECT extversion FROM pg_extension WHERE extname = 'pg_vitals'")/$(q "$name" "SELECT calls FROM vitals.statements WHERE query = 'SELECT \$1 AS package_marker'")
  cluster_stop "$name"
  expect_eq "version/calls from the packaged pg_vitals" "$seen" "$(extension_version)/1"
}

# remove_installed MAJOR: pg_vitals' files gone from that install (the test run's own build),
# so that what follows sees only what an artifact installs.
remove_installed() {
  local pg_config
  pg_config=$(pg_config_for "$1")
  rm -f "$("$pg_config" --pkglibdir)/pg_vitals.so" "$("$pg_config" --sharedir)"/extension/pg_vitals*
}

# The Debian package for PostgreSQL 15, as a user installs it: built by scripts/package.sh,
# installed with apt into a PostgreSQL 15 without pg_vitals' files, used by a fresh cluster,
# then removed with apt.
package_deb() {
  local deb pkglib share
  deb=$(bash scripts/package.sh 15 | tail -1) || return 1
  pkglib=$("$PG15_CONFIG" --pkglibdir)
  share=$("$PG15_CONFIG" --sharedir)/extension
  echo "  $(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"
  remove_installed 15
  apt-get install -y -qq "$deb" >/dev/null 2>&1 || { echo "  apt-get install failed"; return 1; }
  expect_eq "owner of pg_vitals.so" "$(dpkg -S "$pkglib/pg_vitals.so" 2>/dev/null | cut -d: -f1)" postgresql-15-pg-vitals || return 1
  package_smoke 15 || return 1
  apt-get remove -y -qq postgresql-15-pg-vitals >/dev/null 2>&1 || { echo "  apt-get remove failed"; return 1; }
  expect_eq "files left after apt-get remove" "$(ls "$pkglib/pg_vitals.so" "$share"/pg_vitals* 2>/dev/null | wc -l)" 0
}

# The install tarball of another major: install.sh refuses PostgreSQL 15's pg_config, then
# installs into its own major, where a fresh cluster uses it.
package_tarball() {
  local v=$1 tarball dir
  tarball=$(bash scripts/package.sh "$v" | tail -1) || return 1
  dir=$(mktemp -d)
  tar -xzf "$tarball" -C "$dir" || return 1
  echo "  $(basename "$tarball"): $(tar -tzf "$tarball" | grep -v '/$' | sed 's|^[^/]*/||' | tr '\n' ' ')"
  if sh "$dir"/*/install.sh "$PG15_CONFIG" >/dev/null 2>&1; then
    echo "  install.sh accepted PostgreSQL 15's pg_config"; rm -rf "$dir"; return 1
  fi
  remove_installed "$v"
  sh "$dir"/*/install.sh "$(pg_config_for "$v")" >/dev/null || { rm -rf "$dir"; return 1; }
  rm -rf "$dir"
  package_smoke "$v"
}

source scripts/faults.sh

for v in "${versions[@]}"; do
  echo "######## PostgreSQL $v"
  [[ $v == "${versions[0]}" ]] && check "cargo test -p vitals-core (pure logic, no pgrx)" pure_tests
  check "pg$v: cargo pgrx test" pgrx_tests "$v"
  check "pg$v: install pg_vitals" install_extension "$v"
  name="test$v"
  cluster_init "$v" "$name" || { failed=$((failed + 1)); failures+=("pg$v: cluster"); continue; }
  cluster_conf "$name" "shared_preload_libraries = 'pg_stat_statements,pg_vitals'" \
    "pg_stat_statements.track = all" "pg_vitals.track = all" "pg_vitals.max = 1000" "pg_vitals.plan_memory = 32kB" "max_connections = 50"
  cluster_start "$name" || { failed=$((failed + 1)); failures+=("pg$v: start"); continue; }
  q "$name" "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_vitals" >/dev/null
  check "pg$v: the server's compile-time limits are the headers' (ABI)" abi_limits "$name" "$v"
  check "pg$v: pg_regress ${regress_suites[*]}" suite regress "$v" "$name" "${regress_suites[@]}"
  # PostgreSQL 18's EXPLAIN extension API: the VITALS option, per-node fields, pg_overexplain.
  [[ $v == 18 ]] && check "pg$v: pg_regress explain_pg18" suite regress "$v" "$name" explain_pg18
  check "pg$v: EXPLAIN formats parse, Vitals inside Query, PostgreSQL's fields unchanged" \
    cluster_python "$name" pg_test/explain_formats.py check "$BUILD/$name/explain_off"
  check "pg$v: isolation ${isolation_specs[*]}" suite isolation "$v" "$name" "${isolation_specs[@]}"
  check "pg$v: every SQL function on edge-case arguments: a result or a clear error" \
    cluster_python "$name" pg_test/fuzz_functions.py
  check "pg$v: exact counts under concurrent clients" concurrent_exact_counts "$name" "$v"
  check "pg$v: concurrent resets" concurrent_resets "$name" "$v"
  check "pg$v: eviction under concurrent load" concurrent_eviction "$name" "$v"
  check "pg$v: TPC-C-like workload (fixtures/tpcc): the mix runs, consistency holds, tracked" tpcc_workload "$name" "$v"
  check "pg$v: config_advice agrees with PGTune's formulas (fixtures/pgtune.py)" cluster_python "$name" pg_test/pgtune_agreement.py
  if [[ -f "$("$(pg_config_for "$v")" --pkglibdir)/llvmjit.so" ]]; then
    check "pg$v: JIT counters agree with pg_stat_statements" jit_agreement "$name"
  else
    echo "==> pg$v: this install has no JIT (llvmjit.so): JIT counters not exercised"
  fi
  check "pg$v: metrics through postgres_exporter and Prometheus; every dashboard expression answers" metrics_stack "$name"
  check "pg$v: metrics totals across restart" metrics_persistence "$name"
  check "pg$v: persistence across restart" persistence "$name"
  # Finally the same server without preloading pg_vitals.
  cluster_conf "$name" "shared_preload_libraries = ''"
  cluster_restart "$name" && check "pg$v: pg_regress not_preloaded" suite regress "$v" "$name" not_preloaded
  check "pg$v: EXPLAIN with pg_vitals.explain = off is byte-identical to EXPLAIN without pg_vitals" \
    cluster_python "$name" pg_test/explain_formats.py compare "$BUILD/$name/explain_off"
  cluster_stop "$name"
  check "pg$v: startup warnings (bad pg_vitals.max)" startup_warnings "$v"
  check "pg$v: agreement with pg_stat_statements listed after pg_vitals" reversed_load_order "$v"
  check "pg$v: pg_stat_statements' readers read pg_vitals alone (search_path)" drop_in_alone "$v"
  if [[ $v == 17 && " ${versions[*]} " == *" 16 "* ]]; then
    check "pg_upgrade 16 -> 17: the drop-in keeps 16's shape, then takes 17's" upgrade_shape 16 17
  fi
  [[ " $LONG_MAJORS " == *" $v "* ]] || continue

  # The fault suite, on a server of its own that logs crashes and restarts.
  name="faults$v"
  if fault_cluster "$v" "$name" && cluster_start "$name" \
      && q "$name" "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_vitals; CREATE TABLE fault_t (id int, v int)" >/dev/null; then
    check "pg$v: fault: two backends killed with SIGKILL under write load; restarts, counts exactly" fault_sigkill "$name" "$v"
    check "pg$v: fault: pg_ctl stop -m immediate under write load; nothing saved, starts afresh" fault_immediate "$name" "$v"
    check "pg$v: fault: the stats file is written durably (strace)" fault_durable_save "$name"
    check "pg$v: fault: pg_vitals.save = off" fault_save_off "$name"
    check "pg$v: fault: truncated, foreign and garbage stats files" fault_stats_files "$name"
    check "pg$v: fault: a full disk while saving" fault_full_disk "$name"
    cluster_stop "$name"
  else
    failed=$((failed + 1)); failures+=("pg$v: fault cluster")
  fi
  check "pg$v: soak: churn, failures, cancels, resets and reads on a tiny store" soak "$v"
done

# The installable artifacts (release builds): the .deb, and one tarball (17: the install
# whose headers come from elsewhere). scripts/package.sh builds the others the same way.
[[ " ${versions[*]} " == *" 15 "* ]] && check "package: the .deb for PostgreSQL 15 installs with apt, works, removes" package_deb
[[ " ${versions[*]} " == *" 17 "* ]] && check "package: the PostgreSQL 17 tarball's install.sh installs it, and refuses another major" package_tarball 17

echo
for f in "${failures[@]}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed"
((failed == 0))
