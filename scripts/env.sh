# Shared settings for the project's scripts (sourced, not run).
export PGRX_VERSION=0.18.1
export PG18_WHEEL_VERSION=18.6.3
export PG15_CONFIG=/usr/lib/postgresql/15/bin/pg_config
# Outside the work tree: the postgres OS user must be able to read it, and a fresh clone reuses it.
export PG18_HOME=${PG18_HOME:-/opt/pg_vitals/pg18-$PG18_WHEEL_VERSION}
export PATH="$HOME/.cargo/bin:$PATH"
pg_config_for() { case "$1" in 15) echo "$PG15_CONFIG" ;; 18) echo "$PG18_HOME/bin/pg_config" ;; *) return 1 ;; esac; }
