# Throwaway PostgreSQL clusters for the project's scripts (sourced, not run).
# A cluster lives under .build/<name>, runs as the postgres OS user on a free local port,
# and listens only on a Unix socket in its own directory.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/.build"
# Scripts write logs here before any cluster exists (a fresh clone has no .build yet).
mkdir -p "$BUILD"

as_postgres() { runuser -u postgres -- "$@"; }

bindir_for() { "$(pg_config_for "$1")" --bindir; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# cluster_init VERSION NAME: fresh data directory (removes an old one).
cluster_init() {
  local v=$1 name=$2 dir="$BUILD/$2"
  cluster_stop "$name" 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir/sock"
  chown -R postgres: "$dir"
  chmod 755 "$BUILD"
  as_postgres "$(bindir_for "$v")/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log"; return 1; }
  free_port >"$dir/port"
  echo "$v" >"$dir/version"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
port = $(cat "$dir/port")
shared_buffers = 128MB
fsync = off
log_min_messages = warning
lc_messages = 'C'
CONF
}

# cluster_clone SRC DST: a copy of the stopped cluster SRC, data and settings, on its own
# socket directory and port.
cluster_clone() {
  local src="$BUILD/$1" dir="$BUILD/$2"
  cluster_stop "$2" 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir/sock"
  cp -a "$src/data" "$dir/data"
  cp "$src/version" "$dir/version"
  free_port >"$dir/port"
  printf "unix_socket_directories = '%s'\nport = %s\n" "$dir/sock" "$(cat "$dir/port")" >>"$dir/data/postgresql.conf"
  chown -R postgres: "$dir"
}

# cluster_conf NAME 'setting = value' ...: append settings (take effect at next start).
cluster_conf() {
  local name=$1; shift
  printf '%s\n' "$@" >>"$BUILD/$name/data/postgresql.conf"
}

# The server runs without RUST_BACKTRACE, as servers do: with it, pgrx adds a Rust backtrace
# to the DETAIL of the errors it raises, and expected outputs would depend on the caller's
# environment.
cluster_start() {
  local name=$1 dir="$BUILD/$1"
  as_postgres env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE \
    "$(bindir_for "$(cat "$dir/version")")/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log"; return 1; }
}

cluster_stop() {
  local name=$1 dir="$BUILD/$1"
  [[ -f "$dir/data/postmaster.pid" ]] || return 0
  as_postgres "$(bindir_for "$(cat "$dir/version")")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
}

cluster_restart() { cluster_stop "$1" && cluster_start "$1"; }

# cluster_psql NAME [psql args...]: psql as postgres into the cluster.
cluster_psql() {
  local name=$1 dir="$BUILD/$1"; shift
  "$(bindir_for "$(cat "$dir/version")")/psql" -X -v ON_ERROR_STOP=1 -h "$dir/sock" -p "$(cat "$dir/port")" -U postgres "$@"
}

# cluster_pgbench NAME [pgbench args...]: pgbench as postgres into the cluster (the database,
# if any, last, as pgbench takes it). The one pgbench wrapper of every script.
cluster_pgbench() {
  local name=$1 dir="$BUILD/$1"; shift
  "$(bindir_for "$(cat "$dir/version")")/pgbench" -h "$dir/sock" -p "$(cat "$dir/port")" -U postgres "$@"
}

# callgrind_instructions NAME SCRIPT [postgres options...]: the instructions a single-user
# backend on the stopped cluster NAME executes running SCRIPT (callgrind's total; preloaded
# libraries, hooks and shared memory all work in single-user mode).
callgrind_instructions() {
  local name=$1 script=$2 dir="$BUILD/$1" out; shift 2
  out=$(as_postgres valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$(bindir_for "$(cat "$dir/version")")/postgres" --single -D "$dir/data" "$@" postgres <"$script" 2>&1 >/dev/null)
  grep -oP 'Collected : \K[0-9]+' <<<"$out" | tail -1
}

# install_extension VERSION [--release]: build and install pg_vitals into that PostgreSQL.
install_extension() {
  local v=$1; shift
  (cd "$ROOT" && cargo pgrx install --pg-config "$(pg_config_for "$v")" --no-default-features --features "pg$v" "$@") || return 1
  # Install scripts of released versions, so that upgrades from them can be tested.
  cp "$ROOT"/sql/released/*.sql "$("$(pg_config_for "$v")" --sharedir)/extension/"
}

# cluster_python NAME SCRIPT ARGS...: a Python check against the cluster (psql in $PSQL,
# connection in the PG* environment).
cluster_python() {
  local name=$1 dir="$BUILD/$1"; shift
  PSQL="$(bindir_for "$(cat "$dir/version")")/psql" PGHOST="$dir/sock" PGPORT="$(cat "$dir/port")" \
    PGUSER=postgres python3 "$@"
}
