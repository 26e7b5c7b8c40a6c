# The fault suite and the soak (sourced by scripts/test.sh, which defines q, pb, expect_eq).
#
# Each fault runs against a real server, started by these scripts, whose log shows crashes,
# restarts and leaks (log_min_messages = warning, the default, also logs LOG lines):
#   - a backend killed with SIGKILL during a write-heavy load, twice: the postmaster
#     restarts, shared memory is new, pg_vitals works in it and counts exactly;
#   - pg_ctl stop -m immediate during the load: the stop completes, nothing is saved (the
#     numbers start afresh, as PostgreSQL's own statistics do), the server starts;
#   - pg_vitals.save = off: no file written, and a file left over is not read;
#   - stats files truncated, from another major, or holding NaN, an impossible count or
#     invalid UTF-8 under a valid checksum: a WARNING naming the problem, and a working store;
#   - a full disk while saving: a LOG line, no partial file, the next start is clean.
# Cancels and statement timeouts in planning, execution, EXPLAIN, plan capture and the
# advice functions are in the pg_regress suite `faults`.

# fault_cluster VERSION NAME: a server for the fault suite and the soak.
fault_cluster() {
  local v=$1 name=$2
  cluster_init "$v" "$name" >/dev/null || return 1
  cluster_conf "$name" "shared_preload_libraries = 'pg_stat_statements,pg_vitals'" \
    "pg_vitals.track = all" "pg_stat_statements.track = all" \
    "max_connections = 60"
}

log_count() { grep -cE "$2" "$BUILD/$1/server.log"; }

# wait_until_up NAME: the server accepts queries again (after a crash restart), within 60 s.
wait_until_up() {
  local i
  for i in $(seq 1 120); do
    q "$1" "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "  server did not come back"
  return 1
}

# The write-heavy load the faults interrupt: inserts and updates from 4 clients.
write_load() {
  local name=$1 v=$2 seconds=$3 script="$BUILD/$1/writes.sql"
  printf '\\set id random(1, 10000)\nINSERT INTO fault_t VALUES (:id, 0);\nUPDATE fault_t SET v = v + 1 WHERE id = :id;\n' >"$script"
  pb "$name" -c 4 -j 2 -T "$seconds" -f "$script" >/dev/null 2>&1
}

# After a fault: pg_vitals counts exactly, agrees with pg_stat_statements, and its views,
# plan capture and EXPLAIN work.
works_exactly() {
  local name=$1 i
  q "$name" "SELECT vitals.reset(), pg_stat_statements_reset()" >/dev/null || return 1
  for i in 1 2 3; do q "$name" "SELECT $i AS fault_exact" >/dev/null || return 1; done
  expect_eq "calls counted after the fault" \
    "$(q "$name" "SELECT calls FROM vitals.statements WHERE query = 'SELECT \$1 AS fault_exact'")" 3 || return 1
  expect_eq "pg_stat_statements agrees" \
    "$(q "$name" "SELECT calls FROM pg_stat_statements WHERE query = 'SELECT \$1 AS fault_exact'")" 3 || return 1
  expect_eq "plan capture and EXPLAIN after the fault" "$(q "$name" "SET pg_vitals.plan_sample_rate = 1;
      SELECT count(*) FROM fault_t WHERE id < 0; SELECT count(*) > 0 FROM vitals.plans;
      EXPLAIN (ANALYZE) SELECT 1" | grep -cE '^t$|History: [0-9]+ calls')" 2
}

# Two backends killed with SIGKILL in the middle of the write load.
fault_sigkill() {
  local name=$1 v=$2 round victim load
  local kills_before restarts_before
  kills_before=$(log_count "$name" 'was terminated by signal 9')
  restarts_before=$(log_count "$name" 'all server processes terminated; reinitializing')
  for round in 1 2; do
    q "$name" "SELECT 'before the crash' AS crash_marker" >/dev/null || return 1
    write_load "$name" "$v" 8 &
    load=$!
    sleep 2
    victim=$(q "$name" "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' LIMIT 1")
    [[ -n $victim ]] || { echo "  no pgbench backend to kill"; wait $load; return 1; }
    kill -9 "$victim"
    wait $load
    wait_until_up "$name" || return 1
    expect_eq "round $round: statistics start afresh after the crash" \
      "$(q "$name" "SELECT count(*) FROM vitals.statements WHERE query LIKE '%crash_marker%'")" 0 || return 1
  done
  expect_eq "backends killed" $(($(log_count "$name" 'was terminated by signal 9') - kills_before)) 2 || return 1
  expect_eq "crash restarts" $(($(log_count "$name" 'all server processes terminated; reinitializing') - restarts_before)) 2 || return 1
  works_exactly "$name"
}

# pg_ctl stop -m immediate in the middle of the write load.
fault_immediate() {
  local name=$1 v=$2 load dir="$BUILD/$1"
  q "$name" "SELECT 'before the stop' AS immediate_marker" >/dev/null || return 1
  write_load "$name" "$v" 10 &
  load=$!
  sleep 2
  : >"$dir/server.log"
  timeout 60 runuser -u postgres -- "$(bindir_for "$v")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null \
    || { echo "  immediate stop did not complete"; wait $load; return 1; }
  wait $load
  grep -q 'pg_vitals: not saving statistics: the server did not shut down cleanly' "$dir/server.log" \
    || { echo "  no LOG line about the skipped save"; return 1; }
  [[ ! -e "$dir/data/pg_stat/pg_vitals.stat" ]] || { echo "  a stats file was written"; return 1; }
  cluster_start "$name" || return 1
  expect_eq "statistics start afresh after an immediate stop" \
    "$(q "$name" "SELECT count(*) FROM vitals.statements WHERE query LIKE '%immediate_marker%'")" 0 || return 1
  works_exactly "$name"
}

# pg_vitals.save = off: nothing written at shutdown, and a file written before is not read.
fault_save_off() {
  local name=$1 file="$BUILD/$1/data/pg_stat/pg_vitals.stat"
  cluster_conf "$name" "pg_vitals.save = off"
  q "$name" "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  q "$name" "SELECT 'not saved' AS save_off_marker" >/dev/null
  cluster_stop "$name" || return 1
  [[ ! -e $file ]] || { echo "  a stats file was written with save = off"; return 1; }
  cluster_conf "$name" "pg_vitals.save = on"
  cluster_start "$name" || return 1
  q "$name" "SELECT 'saved, then not read' AS save_off_marker" >/dev/null
  cluster_stop "$name" || return 1
  [[ -s $file ]] || { echo "  no stats file written with save = on"; return 1; }
  cluster_conf "$name" "pg_vitals.save = off"
  cluster_start "$name" || return 1
  [[ ! -e $file ]] || { echo "  the stats file was left behind"; return 1; }
  expect_eq "entries read with save = off" \
    "$(q "$name" "SELECT count(*) FROM vitals.statements WHERE query LIKE '%save_off_marker%'")" 0 || return 1
  cluster_conf "$name" "pg_vitals.save = on"
  q "$name" "SELECT pg_reload_conf()" >/dev/null
}

# A clean stop writes the file as durable_rename does: the temporary file flushed, renamed
# over the old one, the directory flushed (as strace sees the postmaster do it).
fault_durable_save() {
  local name=$1 dir="$BUILD/$1" trace="$BUILD/$1/strace.out" tracer calls
  q "$name" "SELECT 'saved durably' AS durable_marker" >/dev/null || return 1
  strace -qq -e trace=openat,fsync,rename,renameat,renameat2 -p "$(head -1 "$dir/data/postmaster.pid")" -o "$trace" &
  tracer=$!
  sleep 1
  cluster_stop "$name" || { kill $tracer; return 1; }
  wait $tracer
  # From the temporary file's creation on: the next four calls on it or its directory.
  calls=$(grep -E 'pg_vitals|fsync|"pg_stat"' "$trace" | grep -A4 'pg_vitals.stat.tmp", O_WRONLY' \
    | sed -E 's/ += [0-9]+$//; s/^[0-9]+ +//; s/\([0-9]+\)/(fd)/; s/, O_[A-Z_|]+.*\)/)/' \
    | sed -E 's/^renameat2?\(AT_FDCWD, ("[^"]+"), AT_FDCWD, ("[^"]+")(, 0)?\)/rename(\1, \2)/')
  expect_eq "the save's system calls" "$calls" 'openat(AT_FDCWD, "pg_stat/pg_vitals.stat.tmp")
fsync(fd)
rename("pg_stat/pg_vitals.stat.tmp", "pg_stat/pg_vitals.stat")
openat(AT_FDCWD, "pg_stat")
fsync(fd)' || return 1
  cluster_start "$name" || return 1
  expect_eq "read back" "$(q "$name" "SELECT calls FROM vitals.statements WHERE query = 'SELECT \$1 AS durable_marker'")" 1
}

# Damaged stats files: each gives a WARNING naming the problem, and a working store.
fault_stats_files() {
  local name=$1 file="$BUILD/$1/data/pg_stat/pg_vitals.stat" kind reason
  declare -A reasons=(
    [truncated]='checksum mismatch|file is truncated'
    [version]='stats file is from PostgreSQL 14, server is [0-9]+'
    [nan]='entry 1: invalid max_time'
    [huge]='entry 1: invalid calls'
    [utf8]='entry [0-9]+: query text is not valid UTF-8'
  )
  for kind in truncated version nan huge utf8; do
    q "$name" "SELECT vitals.reset(); SELECT 'damaged file: $kind' AS stats_file_marker" >/dev/null || return 1
    cluster_stop "$name" || return 1
    python3 pg_test/stats_file.py "$file" "$kind" || return 1
    : >"$BUILD/$name/server.log"
    cluster_start "$name" || return 1
    reason=${reasons[$kind]}
    grep -qE "WARNING:  pg_vitals: ignoring \".*pg_vitals.stat\": ($reason); starting with empty statistics" "$BUILD/$name/server.log" \
      || { echo "  $kind: no WARNING matching '$reason'"; grep pg_vitals "$BUILD/$name/server.log"; return 1; }
    echo "  $kind: $(grep -oE 'pg_vitals: ignoring.*' "$BUILD/$name/server.log")"
    expect_eq "$kind: nothing loaded" \
      "$(q "$name" "SELECT count(*) FROM vitals.statements WHERE query LIKE '%stats_file_marker%'")" 0 || return 1
    works_exactly "$name" || return 1
  done
}

# A full disk while saving: pg_stat on a 16 kB tmpfs, smaller than the store's file.
fault_full_disk() {
  local name=$1 dir="$BUILD/$1" i
  # 40 statements of 1 to 40 columns: 40 entries, 40 kB in the file.
  for i in $(seq 1 40); do q "$name" "SELECT $(seq -s, 1 "$i")" >/dev/null; done
  mount -t tmpfs -o "size=16k,uid=$(id -u postgres),gid=$(id -g postgres),mode=0700" tmpfs "$dir/data/pg_stat" \
    || { echo "  could not mount a tmpfs"; return 1; }
  cluster_stop "$name"
  local stopped=$? leftovers
  leftovers=$(ls -A "$dir/data/pg_stat" | grep pg_vitals)
  umount "$dir/data/pg_stat"
  ((stopped == 0)) || { echo "  the server did not stop"; return 1; }
  grep -q 'pg_vitals: could not write "pg_stat/pg_vitals.stat": No space left on device' "$dir/server.log" \
    || { echo "  no LOG line about the full disk"; tail -5 "$dir/server.log"; return 1; }
  [[ -z $leftovers ]] || { echo "  left in pg_stat: $leftovers"; return 1; }
  : >"$dir/server.log"
  cluster_start "$name" || return 1
  ! grep -q 'pg_vitals' "$dir/server.log" || { echo "  pg_vitals complained at the next start"; return 1; }
  works_exactly "$name"
}

# The soak: SOAK_SECONDS (default 60) of many clients against a store of 100 entries
# (evicting all the time) with every plan captured into 64 kB: statements that churn, fail,
# are cancelled and time out, resets and reads of every view, EXPLAIN ANALYZE, and one
# statement run by a role of its own that nothing resets. Afterwards the log shows no crash,
# no leaked resource and no pg_vitals warning, no backend is stuck, and the counts of that
# statement are exact: equal to what pgbench ran and to pg_stat_statements.
soak() {
  local v=$1 name="soak$1" seconds=${SOAK_SECONDS:-60}
  local dir="$BUILD/$name" end pids=() exact_out
  fault_cluster "$v" "$name" || return 1
  cluster_conf "$name" "pg_vitals.max = 100" "pg_vitals.plan_memory = 64kB" \
    "pg_vitals.plan_min_duration = 0" "pg_vitals.plan_sample_rate = 0.2" "pg_stat_statements.max = 20000"
  cluster_start "$name" || return 1
  q "$name" "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION pg_vitals;
    CREATE ROLE soak_churn LOGIN; CREATE ROLE soak_exact LOGIN;
    CREATE TABLE soak_t (a int, b int, c int, d int);
    INSERT INTO soak_t SELECT g, g % 10, g % 100, g % 1000 FROM generate_series(1, 2000) g;
    CREATE TABLE soak_u (id int PRIMARY KEY); INSERT INTO soak_u VALUES (1);
    GRANT SELECT, INSERT ON soak_t, soak_u TO soak_churn;
    CREATE FUNCTION churn(n int) RETURNS bigint LANGUAGE plpgsql AS \$\$
      DECLARE r bigint;
      BEGIN EXECUTE format('SELECT count(*) FROM soak_t WHERE %s', rtrim(repeat('a > 0 AND ', n % 400 + 1), 'AND ')) INTO r; RETURN r; END \$\$;
    CREATE FUNCTION fail(n int) RETURNS int LANGUAGE plpgsql AS \$\$
      BEGIN IF n % 2 = 0 THEN RAISE EXCEPTION 'soak failure %', n; END IF; RETURN 1 / (n - n); END \$\$" >/dev/null || return 1
  local churn="$dir/churn.sql" failing="$dir/failing.sql" sleeper="$dir/sleeper.sql" resets="$dir/resets.sql" \
    cancels="$dir/cancels.sql" \
    reader="$dir/reader.sql" explain="$dir/explain.sql" exact="$dir/exact.sql"
  local i
  for i in $(seq 1 300); do echo "SELECT churn($((RANDOM % 1000)));"; done >"$churn"
  for i in $(seq 1 100); do
    echo "SELECT fail($i);"
    echo "INSERT INTO soak_u VALUES (1);"
    echo "SELECT 1 / (SELECT count(*) - count(*) FROM soak_t WHERE a = $i);"
  done >"$failing"
  for i in $(seq 1 100); do
    echo "SET statement_timeout = '$((RANDOM % 20 + 1))ms';"
    echo "SELECT pg_sleep(0.05), count(*) FROM soak_t;"
    echo "RESET statement_timeout;"
    echo "SELECT pg_sleep(0.02);"
  done >"$sleeper"
  for i in $(seq 1 20); do
    echo "SELECT vitals.reset('soak_churn'::regrole, 0, 0) IS NOT NULL;"
    echo "SELECT pg_sleep(0.2);"
    echo "SELECT vitals.reset_plans() >= 0;"
    echo "SELECT pg_sleep(0.2);"
  done >"$resets"
  for i in $(seq 1 100); do
    echo "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'soak_sleeper';"
    echo "SELECT pg_sleep(0.01);"
  done >"$cancels"
  for i in $(seq 1 50); do
    echo "SELECT count(*), sum(calls), sum(errors), max(p99_exec_time) FROM vitals.statements;"
    echo "SELECT count(*), sum(length(plan)) FROM vitals.plans;"
    echo "SELECT entries, dealloc, plans, plans_dropped FROM vitals.info;"
    echo "SELECT sum(h.calls) FROM (SELECT queryid FROM vitals.statements LIMIT 5) s, vitals.histogram(s.queryid) h;"
  done >"$reader"
  {
    for i in $(seq 1 20); do echo "EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM soak_t WHERE b = $((i % 10));"; done
    echo "SELECT count(*) FROM vitals.workload_advice;"
    echo "SELECT count(*) FROM vitals.autovacuum_advice;"
  } >"$explain"
  printf '\\set n random(1, 1000000)\nSELECT :n + 0 AS soak_exact;\n' >"$exact"

  local port sock
  port=$(cat "$dir/port") sock="$dir/sock"
  # loop APPNAME USER FILE: runs FILE again and again until the soak ends; errors go on.
  loop() {
    while ((SECONDS < end)); do
      PGAPPNAME=$1 "$(bindir_for "$v")/psql" -X -q -h "$sock" -p "$port" -U "$2" -d postgres \
        -v ON_ERROR_STOP=0 -f "$3" >/dev/null 2>&1
    done
  }
  end=$((SECONDS + seconds))
  loop soak_churn soak_churn "$churn" & pids+=($!)
  loop soak_churn soak_churn "$churn" & pids+=($!)
  loop soak_churn soak_churn "$churn" & pids+=($!)
  loop soak_churn soak_churn "$failing" & pids+=($!)
  loop soak_sleeper soak_churn "$sleeper" & pids+=($!)
  loop soak_sleeper soak_churn "$sleeper" & pids+=($!)
  loop soak_resets postgres "$resets" & pids+=($!)
  loop soak_cancels postgres "$cancels" & pids+=($!)
  loop soak_reader postgres "$reader" & pids+=($!)
  loop soak_explain postgres "$explain" & pids+=($!)
  exact_out=$(cluster_pgbench "$name" -n -U soak_exact -c 2 -j 2 -T "$seconds" \
    -f "$exact" postgres 2>&1)
  wait "${pids[@]}"

  local processed
  processed=$(grep -oP '^number of transactions actually processed: \K[0-9]+' <<<"$exact_out")
  [[ -n $processed ]] || { echo "$exact_out" | tail -5; return 1; }
  # No backend left running a statement (a stuck one would still be active).
  local stuck
  for i in $(seq 1 20); do
    stuck=$(q "$name" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'
      AND state <> 'idle' AND pid <> pg_backend_pid()")
    [[ $stuck == 0 ]] && break
    sleep 0.5
  done
  echo "  $(q "$name" "SELECT format('%s s: %s statements in the store (max %s), %s evictions (%s entries), %s plans, %s plans dropped',
      $seconds, entries, max, dealloc, entries_evicted, plans, plans_dropped) FROM vitals.info")"
  echo "  errors raised: $(grep -oE 'ERROR:  (division by zero|duplicate key|soak failure|canceling statement due to [a-z ]+)' "$dir/server.log" \
    | sed 's/ERROR:  //' | sort | uniq -c | awk '{n=$1; $1=""; printf "%s%s x%s", sep, $0, n; sep=","}')"
  echo "  exact statement: $processed executions by pgbench"
  expect_eq "stuck backends" "$stuck" 0 || return 1
  expect_eq "vitals calls of the statement nothing reset" \
    "$(q "$name" "SELECT calls FROM vitals.statements WHERE query = 'SELECT \$1 + \$2 AS soak_exact' AND userid = 'soak_exact'::regrole")" "$processed" || return 1
  expect_eq "pg_stat_statements calls" \
    "$(q "$name" "SELECT calls FROM pg_stat_statements WHERE query = 'SELECT \$1 + \$2 AS soak_exact' AND userid = 'soak_exact'::regrole")" "$processed" || return 1
  expect_eq "store within bounds, evicting" "$(q "$name" "SELECT entries <= max AND dealloc > 0 FROM vitals.info")" t || return 1
  cluster_stop "$name" || return 1
  local bad
  bad=$(grep -E 'terminated by signal|PANIC|TRAP|was terminated|leak|not closed|still referenced|pg_vitals: ' "$dir/server.log" \
    | grep -v 'STATEMENT' | head -5)
  [[ -z $bad ]] || { echo "  in the server log:"; echo "$bad"; return 1; }
  echo "  server log: no crash, no leak, no pg_vitals warning ($(wc -l <"$dir/server.log") lines)"
}
