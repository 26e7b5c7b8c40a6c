#!/usr/bin/env bash
# Instructions per statement, under callgrind, on a single-user backend (deterministic to
# about 0.1%; see shared/reference/benchmark-method.md). Each configuration runs N and 2N
# statements; (I(2N) - I(N)) / N cancels start-up. Simple protocol: a primary-key lookup
# with a literal; prepared: EXECUTE of the same lookup.
# Usage: bench/callgrind.sh [PG_VERSION=15] [N=2000]
set -euo pipefail
cd "$(dirname "$0")/.."
v=${1:-15}
n=${2:-2000}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh
command -v valgrind >/dev/null || { apt-get install -y -qq valgrind >/dev/null; }

echo "==> release build of pg_vitals for PostgreSQL $v"
install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 || { tail -30 "$BUILD/install-release-$v.log"; exit 1; }

name=callgrind$v
cluster_init "$v" "$name"
cluster_start "$name"
"$(bindir_for "$v")/pgbench" -i -s 1 -q -h "$BUILD/$name/sock" -p "$(cat "$BUILD/$name/port")" -U postgres postgres >/dev/null 2>&1
cluster_stop "$name"

work="$BUILD/$name/scripts"
mkdir -p "$work"
for count in "$n" $((2 * n)); do
  : >"$work/simple-$count.sql"
  : >"$work/prepared-$count.sql"
  echo 'PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = $1;' >"$work/prepared-$count.sql"
  for ((i = 0; i < count; i++)); do
    echo 'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;' >>"$work/simple-$count.sql"
    echo 'EXECUTE p(4242);' >>"$work/prepared-$count.sql"
  done
done
chown -R postgres: "$work"

# name|settings (-c options for the single-user backend). Saving statistics at shutdown is
# off for both extensions, so that every run starts from the same empty store instead of
# the previous run's file.
pgss="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.save=off"
vitals="-c shared_preload_libraries=pg_vitals -c pg_vitals.save=off"
configs=(
  "no extension|-c compute_query_id=off"
  "compute_query_id = on only|-c compute_query_id=on"
  "pg_stat_statements|$pgss"
  "pg_stat_statements, track_planning|$pgss -c pg_stat_statements.track_planning=on"
  "pg_vitals|$vitals"
  "pg_vitals, track_planning|$vitals -c pg_vitals.track_planning=on"
  "pg_vitals, plan_min_duration = 0|$vitals -c pg_vitals.plan_min_duration=0"
  "pg_vitals, plan_sample_rate = 1|$vitals -c pg_vitals.plan_sample_rate=1"
)

instructions() { # instructions SETTINGS SCRIPT
  local out
  # shellcheck disable=SC2086
  out=$(runuser -u postgres -- valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$(bindir_for "$v")/postgres" --single -D "$BUILD/$name/data" $1 postgres <"$2" 2>&1 >/dev/null)
  grep -oP 'Collected : \K[0-9]+' <<<"$out" | tail -1
}

results="$BUILD/$name/results.txt"
: >"$results"
for c in "${configs[@]}"; do
  label=${c%%|*}
  settings=${c#*|}
  for kind in simple prepared; do
    i1=$(instructions "$settings" "$work/$kind-$n.sql")
    i2=$(instructions "$settings" "$work/$kind-$((2 * n)).sql")
    echo "$label|$kind|$(((i2 - i1) / n))" | tee -a "$results" >&2
  done
done

python3 - "$results" "$v" "$n" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
per = {}
for label, kind, instr in rows:
    per.setdefault(label, {})[kind] = int(instr)
base = per["no extension"]
print(f"\nPostgreSQL {sys.argv[2]}, callgrind, {sys.argv[3]} vs {2*int(sys.argv[3])} statements, instructions per statement\n")
print("| configuration | simple protocol | vs none | prepared | vs none |")
print("|---|---:|---:|---:|---:|")
for label, k in per.items():
    s, p = k["simple"], k["prepared"]
    ds = "" if label == "no extension" else f"{(s / base['simple'] - 1) * 100:+.1f}%"
    dp = "" if label == "no extension" else f"{(p / base['prepared'] - 1) * 100:+.1f}%"
    print(f"| {label} | {s:,} | {ds} | {p:,} | {dp} |")
PY
