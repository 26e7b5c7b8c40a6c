#!/usr/bin/env bash
# Instructions per statement, under callgrind, on a single-user backend (deterministic to
# about 0.1%). Each configuration runs N and 2N statements; (I(2N) - I(N)) / N cancels
# start-up. Simple protocol: a primary-key lookup with a literal; prepared: EXECUTE of the
# same lookup.
# Usage: bench/callgrind.sh [MAJOR=15] [N=2000]   every configuration, on one major
#        bench/callgrind.sh all [N=2000]          no extension, compute_query_id only,
#                                                 pg_stat_statements and pg_vitals on every
#                                                 supported major: one row per major
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-15}
n=${2:-2000}
bash scripts/setup.sh >/dev/null
source scripts/cluster.sh
command -v valgrind >/dev/null || { apt-get install -y -qq valgrind >/dev/null; }

# label|settings (-c options for the single-user backend). Saving statistics at shutdown is
# off for both extensions, so that every run starts from the same empty store instead of
# the previous run's file.
pgss="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.save=off"
vitals="-c shared_preload_libraries=pg_vitals -c pg_vitals.save=off"
core_configs=(
  "no extension|-c compute_query_id=off"
  "compute_query_id = on only|-c compute_query_id=on"
  "pg_stat_statements|$pgss"
  "pg_vitals|$vitals"
)
all_configs=(
  "${core_configs[@]:0:3}"
  "pg_stat_statements, track_planning|$pgss -c pg_stat_statements.track_planning=on"
  "pg_vitals|$vitals"
  "pg_vitals, track_planning|$vitals -c pg_vitals.track_planning=on"
  "pg_vitals, plan_min_duration = 0|$vitals -c pg_vitals.plan_min_duration=0"
  "pg_vitals, plan_sample_rate = 1|$vitals -c pg_vitals.plan_sample_rate=1"
)

# measure MAJOR RESULTS CONFIG...: a release build installed into that major, a pgbench
# database, then "major|label|kind|instructions per statement" lines appended to RESULTS.
measure() {
  local v=$1 results=$2; shift 2
  echo "==> release build of pg_vitals for PostgreSQL $v" >&2
  install_extension "$v" --release >"$BUILD/install-release-$v.log" 2>&1 \
    || { tail -30 "$BUILD/install-release-$v.log" >&2; return 1; }
  local name=callgrind$v
  cluster_init "$v" "$name"
  cluster_start "$name"
  cluster_pgbench "$name" -i -s 1 -q postgres >/dev/null 2>&1
  cluster_stop "$name"

  local work="$BUILD/$name/scripts" count i
  mkdir -p "$work"
  for count in "$n" $((2 * n)); do
    echo 'PREPARE p(int) AS SELECT abalance FROM pgbench_accounts WHERE aid = $1;' >"$work/prepared-$count.sql"
    : >"$work/simple-$count.sql"
    for ((i = 0; i < count; i++)); do
      echo 'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;' >>"$work/simple-$count.sql"
      echo 'EXECUTE p(4242);' >>"$work/prepared-$count.sql"
    done
  done
  chown -R postgres: "$work"

  # shellcheck disable=SC2086
  instructions() { callgrind_instructions "$name" "$2" $1; } # instructions SETTINGS SCRIPT

  local c label settings kind i1 i2
  for c in "$@"; do
    label=${c%%|*}
    settings=${c#*|}
    for kind in simple prepared; do
      i1=$(instructions "$settings" "$work/$kind-$n.sql")
      i2=$(instructions "$settings" "$work/$kind-$((2 * n)).sql")
      echo "$v|$label|$kind|$(((i2 - i1) / n))" | tee -a "$results" >&2
    done
  done
}

results="$BUILD/callgrind-$which.txt"
: >"$results"
if [[ $which == all ]]; then
  for v in $PG_MAJORS; do measure "$v" "$results" "${core_configs[@]}"; done
else
  pg_config_for "$which" >/dev/null
  measure "$which" "$results" "${all_configs[@]}"
fi

python3 - "$results" "$which" "$n" <<'PY'
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
per = {}
for major, label, kind, instr in rows:
    per.setdefault(major, {}).setdefault(label, {})[kind] = int(instr)
n = int(sys.argv[3])
head = f"callgrind, {n} vs {2 * n} statements, instructions per statement"

def pct(x, base):
    return f"{(x / base - 1) * 100:+.1f}%"

if sys.argv[2] == "all":
    labels = ["no extension", "compute_query_id = on only", "pg_stat_statements", "pg_vitals"]
    print(f"\nEvery major, {head} (simple protocol / prepared; vs no extension)\n")
    print("| PostgreSQL | " + " | ".join(labels) + " | pg_vitals - pg_stat_statements |")
    print("|---|" + "---:|" * (len(labels) + 1))
    for major, k in per.items():
        base = k["no extension"]
        cells = []
        for label in labels:
            s, p = k[label]["simple"], k[label]["prepared"]
            extra = "" if label == "no extension" else f" ({pct(s, base['simple'])} / {pct(p, base['prepared'])})"
            cells.append(f"{s:,} / {p:,}{extra}")
        ds = k["pg_vitals"]["simple"] - k["pg_stat_statements"]["simple"]
        dp = k["pg_vitals"]["prepared"] - k["pg_stat_statements"]["prepared"]
        print(f"| {major} | " + " | ".join(cells) + f" | {ds:+,} / {dp:+,} |")
else:
    for major, k in per.items():
        base = k["no extension"]
        print(f"\nPostgreSQL {major}, {head}\n")
        print("| configuration | simple protocol | vs none | prepared | vs none |")
        print("|---|---:|---:|---:|---:|")
        for label, v in k.items():
            s, p = v["simple"], v["prepared"]
            ds = "" if label == "no extension" else pct(s, base["simple"])
            dp = "" if label == "no extension" else pct(p, base["prepared"])
            print(f"| {label} | {s:,} | {ds} | {p:,} | {dp} |")
PY
