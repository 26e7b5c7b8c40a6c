-- The SQL surface of pg_vitals. Objects are created in schema vitals (see the control file).

-- vitals.statements: one row per (userid, dbid, queryid, toplevel), with every column that
-- pg_stat_statements 1.10 (PostgreSQL 15) has, under the same name and type, then the
-- execution-time percentiles and the executions that failed.
CREATE FUNCTION vitals._statements(
    showtext boolean,
    OUT userid oid,
    OUT dbid oid,
    OUT toplevel bool,
    OUT queryid bigint,
    OUT query text,
    OUT plans int8,
    OUT total_plan_time float8,
    OUT min_plan_time float8,
    OUT max_plan_time float8,
    OUT mean_plan_time float8,
    OUT stddev_plan_time float8,
    OUT calls int8,
    OUT total_exec_time float8,
    OUT min_exec_time float8,
    OUT max_exec_time float8,
    OUT mean_exec_time float8,
    OUT stddev_exec_time float8,
    OUT rows int8,
    OUT shared_blks_hit int8,
    OUT shared_blks_read int8,
    OUT shared_blks_dirtied int8,
    OUT shared_blks_written int8,
    OUT local_blks_hit int8,
    OUT local_blks_read int8,
    OUT local_blks_dirtied int8,
    OUT local_blks_written int8,
    OUT temp_blks_read int8,
    OUT temp_blks_written int8,
    OUT blk_read_time float8,
    OUT blk_write_time float8,
    OUT temp_blk_read_time float8,
    OUT temp_blk_write_time float8,
    OUT wal_records int8,
    OUT wal_fpi int8,
    OUT wal_bytes numeric,
    OUT jit_functions int8,
    OUT jit_generation_time float8,
    OUT jit_inlining_count int8,
    OUT jit_inlining_time float8,
    OUT jit_optimization_count int8,
    OUT jit_optimization_time float8,
    OUT jit_emission_count int8,
    OUT jit_emission_time float8,
    OUT p50_exec_time float8,
    OUT p90_exec_time float8,
    OUT p95_exec_time float8,
    OUT p99_exec_time float8,
    OUT p999_exec_time float8,
    OUT errors int8,
    OUT error_time float8,
    OUT last_sqlstate text,
    OUT last_error_at timestamptz
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_statements'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.statements AS SELECT * FROM vitals._statements(true);

-- vitals.histogram: execution-time buckets of a statement (NULL filters match any).
CREATE FUNCTION vitals.histogram(
    queryid bigint,
    userid oid DEFAULT NULL,
    dbid oid DEFAULT NULL,
    toplevel boolean DEFAULT NULL,
    OUT lower_ms float8,
    OUT upper_ms float8,
    OUT calls bigint
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_histogram'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- vitals.info: the store itself.
CREATE FUNCTION vitals._info(
    OUT entries bigint,
    OUT max bigint,
    OUT dealloc bigint,
    OUT stats_reset timestamptz,
    OUT shmem_bytes bigint,
    OUT entry_bytes bigint,
    OUT text_bytes_used bigint,
    OUT text_bytes_allocated bigint,
    OUT entries_evicted bigint,
    OUT texts_dropped bigint,
    OUT last_dealloc timestamptz,
    OUT histogram_bytes_used bigint,
    OUT histogram_bytes_allocated bigint,
    OUT plans bigint,
    OUT plan_bytes_used bigint,
    OUT plan_bytes_allocated bigint,
    OUT plans_dropped bigint
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_info'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.info AS SELECT * FROM vitals._info();

-- vitals.plans: the plan of each statement's slowest captured execution.
CREATE FUNCTION vitals._plans(
    OUT userid oid,
    OUT dbid oid,
    OUT queryid bigint,
    OUT toplevel bool,
    OUT captured_at timestamptz,
    OUT exec_time float8,
    OUT instrumented bool,
    OUT plan text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_plans'
LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW vitals.plans AS SELECT * FROM vitals._plans();

-- vitals.reset: 0 matches any user, database or query id; NULL is an error.
CREATE FUNCTION vitals.reset(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'vitals_reset'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- vitals.reset_plans: forgets captured plans (statistics stay); 0 matches any.
CREATE FUNCTION vitals.reset_plans(userid oid DEFAULT 0, dbid oid DEFAULT 0, queryid bigint DEFAULT 0)
RETURNS bigint
AS 'MODULE_PATHNAME', 'vitals_reset_plans'
LANGUAGE C VOLATILE PARALLEL SAFE;

-- Privileges as pg_stat_statements: everyone may read (other users' texts are hidden
-- unless pg_read_all_stats), only superusers reset unless granted.
GRANT USAGE ON SCHEMA vitals TO PUBLIC;
GRANT SELECT ON vitals.statements, vitals.info, vitals.plans TO PUBLIC;
REVOKE ALL ON FUNCTION vitals.reset(oid, oid, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION vitals.reset_plans(oid, oid, bigint) FROM PUBLIC;

-- vitals.autovacuum_status: one row per table (TOAST tables with their parent, partitioned
-- tables too): the settings autovacuum uses for it after reloption fallback, each threshold
-- as PostgreSQL computes it and how far the table is towards it, freeze ages, last
-- (auto)vacuum and (auto)analyze, a vacuum running now, estimated bloat, and the server-wide
-- ceiling of autovacuum's I/O under its cost settings. Needs no preloading.
CREATE FUNCTION vitals._autovacuum_status(
    OUT schema_name text,
    OUT relation_name text,
    OUT kind text,
    OUT parent_schema_name text,
    OUT parent_relation_name text,
    OUT autovacuum_enabled bool,
    OUT settings_source text,
    OUT vacuum_base_threshold float8,
    OUT vacuum_scale_factor float8,
    OUT vacuum_max_threshold float8,
    OUT insert_base_threshold float8,
    OUT insert_scale_factor float8,
    OUT analyze_base_threshold float8,
    OUT analyze_scale_factor float8,
    OUT freeze_max_age int8,
    OUT multixact_freeze_max_age int8,
    OUT dead_tuples int8,
    OUT vacuum_threshold float8,
    OUT vacuum_pct float8,
    OUT inserts_since_vacuum int8,
    OUT insert_threshold float8,
    OUT insert_pct float8,
    OUT mod_since_analyze int8,
    OUT analyze_threshold float8,
    OUT analyze_pct float8,
    OUT xid_age int8,
    OUT freeze_pct float8,
    OUT mxid_age int8,
    OUT multixact_freeze_pct float8,
    OUT vacuum_due bool,
    OUT wraparound_due bool,
    OUT analyze_due bool,
    OUT last_vacuum timestamptz,
    OUT last_autovacuum timestamptz,
    OUT last_analyze timestamptz,
    OUT last_autoanalyze timestamptz,
    OUT vacuum_running bool,
    OUT vacuum_phase text,
    OUT table_bytes int8,
    OUT estimated_bloat_bytes int8,
    OUT estimated_bloat_pct float8,
    OUT autovacuum_read_limit_mb_s float8,
    OUT autovacuum_dirty_limit_mb_s float8
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_autovacuum_status'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.autovacuum_status AS SELECT * FROM vitals._autovacuum_status();

-- vitals.autovacuum_advice: one row per finding, most severe first, each with a statement
-- to run as is.
CREATE FUNCTION vitals._autovacuum_advice(
    OUT rule text,
    OUT severity text,
    OUT schema_name text,
    OUT relation_name text,
    OUT finding text,
    OUT recommendation text,
    OUT sql text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_autovacuum_advice'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.autovacuum_advice AS
SELECT rule, severity, schema_name, relation_name, finding, recommendation, sql
FROM vitals._autovacuum_advice() WITH ORDINALITY AS a(rule, severity, schema_name, relation_name, finding, recommendation, sql, n)
ORDER BY n;

-- Anyone may read them: the gathering runs as the caller, who sees what its privileges allow.
GRANT SELECT ON vitals.autovacuum_status, vitals.autovacuum_advice TO PUBLIC;

-- vitals.config_advice: one row per setting PGTune's formulas cover, for this host (memory
-- and CPUs detected, cgroup limits first, unless given) and workload, each value converted to
-- the setting's unit and bounds; and a whole-server memory check.
CREATE FUNCTION vitals.config_advice(
    workload text DEFAULT 'mixed',
    storage text DEFAULT 'ssd',
    total_memory text DEFAULT NULL,
    cpus integer DEFAULT NULL,
    max_connections integer DEFAULT NULL,
    OUT name text,
    OUT current_value text,
    OUT recommended_value text,
    OUT recommended_setting text,
    OUT unit text,
    OUT severity text,
    OUT reason text,
    OUT requires_restart bool,
    OUT sql text
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_config_advice'
LANGUAGE C VOLATILE;

-- It reads the host's memory and CPU limits: for monitoring roles, as pg_stat_statements'
-- privileges go.
REVOKE ALL ON FUNCTION vitals.config_advice(text, text, text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vitals.config_advice(text, text, text, integer, integer) TO pg_monitor;

-- vitals.workload_advice: what this database's statement statistics and table and index
-- activity say should change, one row per finding, most severe first; `tentative` when the
-- statistics behind it cover less than a week.
CREATE FUNCTION vitals._workload_advice(
    OUT rule text,
    OUT severity text,
    OUT queryid bigint,
    OUT query text,
    OUT relation text,
    OUT finding text,
    OUT recommendation text,
    OUT sql text,
    OUT tentative bool
)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'vitals_workload_advice'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW vitals.workload_advice AS
SELECT rule, severity, queryid, query, relation, finding, recommendation, sql, tentative
FROM vitals._workload_advice() WITH ORDINALITY
    AS a(rule, severity, queryid, query, relation, finding, recommendation, sql, tentative, n)
ORDER BY n;

-- Anyone may read it: the gathering runs as the caller, who sees what its privileges allow.
GRANT SELECT ON vitals.workload_advice TO PUBLIC;
